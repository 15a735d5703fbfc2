#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Multi-queue: with num_io_queues = 4 on a 4-queue device, the TAP has four
# queue pairs, the device four TX and four RX queues, and eight parallel
# TCP flows spread over more than one queue in each direction; enad's
# per-queue counters match the device's queue by queue.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
require iperf3 ping ss

NQ=4
plan 12
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues $NQ || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=$NQ | enad_start || bail "enad did not start"
pass "enad starts with num_io_queues = $NQ"
ok "enad's TAP takes $HOST_ADDR/24 and goes up" host_setup

is "$(ns_exec "$NS_HOST" ls "/sys/class/net/$HOST_IF/queues" | sort | xargs)" \
	"rx-0 rx-1 rx-2 rx-3 tx-0 tx-1 tx-2 tx-3" "the TAP has $NQ RX and $NQ TX queues"
is "$(sim_q sim '[.queues.sq[] | .direction] | sort | join(" ")')" \
	"rx rx rx rx tx tx tx tx" "the device has $NQ RX and $NQ TX queues"
if have_enactl; then
	is "$(enactl_j -i "$HOST_IF" show | jq -r .queues)" $NQ "enactl show: $NQ queues"
else
	skip "enactl show: $NQ queues" "enactl is not available"
fi
wait_ping "$NS_HOST" "$PEER_ADDR" 15
ok "ping host -> peer" ns_exec "$NS_HOST" ping -n -c 3 -i 0.2 -W 2 "$PEER_ADDR"

# per_queue DIR: "idx:pkts" of the device's DIR (tx_queues|rx_queues) queues.
per_queue() { sim_q sim "[.io.$1[] | \"\\(.idx):\\(.pkts)\"] | join(\" \")"; }

# busy_queues BEFORE AFTER: how many queues moved packets between two per_queue snapshots.
busy_queues() {
	local -A prev=()
	local e n=0
	for e in $1; do prev[${e%%:*}]=${e#*:}; done
	for e in $2; do
		[ "${e#*:}" -gt "${prev[${e%%:*}]:-0}" ] && n=$((n + 1))
	done
	echo $n
}

# agree DIR ENAD_KEY: the device's per-queue packets equal enad's, queue by queue.
agree() {
	local dev enad
	dev=$(sim_q sim "[.io.$1[] | select(.idx < $NQ) | \"\\(.idx):\\(.pkts)\"] | join(\" \")")
	enad=$(enad_stats --queues | jq -r "[.queues[] | \"\\(.queue):\\(.$2.cnt)\"] | join(\" \")")
	[ "$dev" = "$enad" ] && return 0
	echo "device: $dev"
	echo "enad:   $enad"
	return 1
}

iperf_server_start "$NS_PEER" "$PEER_ADDR" || bail "iperf3 server did not start"

# ---- host -> peer: the kernel spreads flows over the TAP's queues, and
# each TAP queue feeds its own device TX queue.
before=$(per_queue tx_queues)
ok "iperf3 -P 8 host -> peer, 3 s" ns_exec "$NS_HOST" timeout 30 iperf3 -c "$PEER_ADDR" -t 3 -P 8
after=$(per_queue tx_queues)
n=$(busy_queues "$before" "$after")
cmp_ok "$n" -gt 1 "8 flows host -> peer used $n of $NQ TX queues (device counters)"
diag "TX queues (idx:pkts) before: $before; after: $after"
if have_enactl; then
	wait_for 5 agree tx_queues tx
	ok "TX packets per queue: enad = device" agree tx_queues tx
else
	skip "TX packets per queue: enad = device" "enactl is not available"
fi

# ---- peer -> host: the device's RSS spreads the flows over the RX queues.
before=$(per_queue rx_queues)
ok "iperf3 -P 8 peer -> host (-R), 3 s" ns_exec "$NS_HOST" timeout 30 iperf3 -c "$PEER_ADDR" -t 3 -P 8 -R
after=$(per_queue rx_queues)
n=$(busy_queues "$before" "$after")
cmp_ok "$n" -gt 1 "8 flows peer -> host arrived on $n of $NQ RX queues (device counters)"
diag "RX queues (idx:pkts) before: $before; after: $after"
if have_enactl; then
	wait_for 5 agree rx_queues rx
	ok "RX packets per queue: enad = device" agree rx_queues rx
else
	skip "RX packets per queue: enad = device" "enactl is not available"
fi
iperf_server_stop
