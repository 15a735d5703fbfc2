#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reset recovery: for each fault enasim can inject (keep-alive stops, admin
# command timeout, fatal device status, device-requested reset, corrupt TX
# req_id, TX completions stop) enad detects it and resets the device with
# the matching reason (as the device recorded it), brings it back with every
# setting the user made (MTU, queue count, ring sizes, RSS function), and
# traffic resumes on the same TAP with the same address. The recovery time
# is printed ("# recovery: N ms"), never asserted.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
require ping

# name | inject (sim ctl verb) | clear after the reset (or empty) | reason | needs TX traffic
FAULTS=(
	"keep-alive stops|keepalive off|keepalive on|keep_alive_to|0"
	"admin command timeout|admin-delay 3000|admin-delay 0|admin_to|0"
	"fatal device status|fatal||generic|0"
	"device requests a reset|request-reset||device_request|0"
	"corrupt TX req_id|corrupt tx-req-id||inv_tx_req_id|1"
	"TX completions stop|tx-complete off|tx-complete on|miss_tx_cmpl|1"
)
plan $((4 + 5 * ${#FAULTS[@]} + 2))

topology_setup || bail "cannot create the namespaces"
# Fast detection: keep-alives every 100 ms (enad's timeout 1 s), admin
# commands time out after 500 ms (the ENI sampler sends one every second),
# a TX packet is missing after 1 s.
sim_start sim --queues 4 --keepalive-ms 100 --admin-cmd-to 5 || bail "enasim did not start"
peer_setup sim 4000 || bail "cannot address the peer TAP"
# Settings that differ from the defaults, to see them restored.
enad_conf num_io_queues=2 mtu=4000 rx_queue_size=512 tx_queue_size=512 \
	rss_hash_function=crc32 keep_alive_timeout_ms=1000 miss_tx_timeout_s=1 \
	miss_tx_threshold=1 eni_metrics_sample_interval=1 | enad_start || bail "enad did not start"
pass "enad starts"
ok "enad's TAP takes $HOST_ADDR/24 and goes up" host_setup
ifindex=$(netdev_attr "$NS_HOST" "$HOST_IF" ifindex)

SETTINGS="mtu=4000 txq=2 rxq=2 rx_depth=512 tx_depth=512 hfunc=crc32"
# settings: what the device was told, in the form of SETTINGS.
settings() {
	sim_q sim '"mtu=\(.mtu)" +
		" txq=\([.queues.sq[] | select(.direction == "tx")] | length)" +
		" rxq=\([.queues.sq[] | select(.direction == "rx")] | length)" +
		" rx_depth=\([.queues.sq[] | select(.direction == "rx") | .depth] | unique | map(tostring) | join(","))" +
		" tx_depth=\([.queues.sq[] | select(.direction == "tx") | .depth] | unique | map(tostring) | join(","))" +
		" hfunc=\(.rss.function)"'
}
is "$(settings)" "$SETTINGS" "the device runs the configured settings"
ok "ping host -> peer" wait_ping "$NS_HOST" "$PEER_ADDR" 15

# tap_ok: the same TAP (ifindex), still with its address, carrier on.
tap_ok() {
	[ "$(netdev_attr "$NS_HOST" "$HOST_IF" ifindex)" = "$ifindex" ] &&
		netdev_has_addr "$NS_HOST" "$HOST_IF" "$HOST_ADDR/24" &&
		[ "$(netdev_attr "$NS_HOST" "$HOST_IF" carrier)" = 1 ]
}

# recovered: traffic flows again (and enad says "up" when enactl is there).
recovered() {
	ns_ping "$NS_HOST" "$PEER_ADDR" || return 1
	have_enactl || return 0
	enad_is_up
}

for f in "${FAULTS[@]}"; do
	IFS='|' read -r name inject clear reason traffic <<<"$f"
	n0=$(sim_nreasons sim)
	pinger=""
	if [ "$traffic" = 1 ]; then
		# TX packets for the datapath fault to hit
		ns_exec "$NS_HOST" ping -n -q -i 0.2 -w 40 "$PEER_ADDR" >/dev/null 2>&1 &
		pinger=$!
		track_pid "$pinger"
	fi
	t0=$(now_ms)
	# shellcheck disable=SC2086
	ok "$name: enasim ctl $inject" sim_ctl sim $inject
	if wait_for 30 sim_new_reset sim "$n0"; then
		t1=$(now_ms)
		# shellcheck disable=SC2086
		[ -n "$clear" ] && sim_ctl sim $clear >/dev/null
		got=$(sim_reasons_since sim "$n0")
		is "${got%% *}" "$reason" "$name: enad resets the device with reason $reason"
		[ "${got% *}" = "$got" ] || diag "resets since the fault: $got"
	else
		t1=$(now_ms)
		# shellcheck disable=SC2086
		[ -n "$clear" ] && sim_ctl sim $clear >/dev/null
		fail "$name: enad resets the device with reason $reason" "no reset within 30 s"
		diag_file "$ENAD_LOG"
	fi
	[ -n "$pinger" ] && stop_pid "$pinger" 2
	if wait_for 30 recovered; then
		t2=$(now_ms)
		pass "$name: traffic resumes"
		diag "recovery: $((t2 - t1)) ms (fault to reset: $((t1 - t0)) ms)" \
			"$(have_enactl && enactl_j -i "$HOST_IF" show |
				jq -r '"enad: last_recovery_ms \(.last_recovery_ms)"')"
	else
		fail "$name: traffic resumes" "state: $(enad_state 2>/dev/null)"
		diag_file "$ENAD_LOG"
	fi
	is "$(settings)" "$SETTINGS" "$name: the settings are restored"
	ok "$name: same TAP, address kept, carrier on" tap_ok
done

ok "enad is still running" enad_alive
if have_enactl; then
	keys="wd_expired admin_to fatal_error device_request_reset bad_tx_req_id missing_tx_cmpl"
	counters=$(enad_stats | jq -c .global)
	got=$(jq -r --arg k "$keys" '[($k | split(" "))[] as $n | .[$n] > 0] + [.total_resets >= 6] |
		map(tostring) | join(" ")' <<<"$counters")
	is "$got" "true true true true true true true" \
		"enad counted each reason ($keys) and at least 6 total_resets"
	diag "counters: $counters"
else
	skip "enad counted each reason" "enactl is not available"
fi
