#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# enad moves real traffic: enad's TAP (ena0, 10.77.0.1 in NS_HOST) and the
# far end of enasim's wire (10.77.0.2 in NS_PEER) ping each other and carry
# iperf3 TCP both ways; the counters of the TAP (kernel), of enad (enactl
# stats) and of the device (enasim ctl show) agree packet for packet; with
# MTU 9000 an unfragmented 9000-byte ping crosses both ways.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
require iperf3 ping ss

plan 23
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
pass "enad starts on enasim and sends READY=1"
ok "enad's TAP $HOST_IF takes $HOST_ADDR/24 and goes up" host_setup
is "$(netdev_attr "$NS_HOST" "$HOST_IF" address)" "$(sim_q sim .mac)" \
	"the TAP has the device's MAC address"

# ---- ping
if wait_ping "$NS_HOST" "$PEER_ADDR" 15; then
	pass "the peer answers within 15 s of READY"
else
	fail "the peer answers within 15 s of READY"
	diag_file "$ENAD_LOG"
fi
ok "ping host -> peer (5 packets)" ns_exec "$NS_HOST" ping -n -c 5 -i 0.2 -W 2 "$PEER_ADDR"
ok "ping peer -> host (5 packets)" ns_exec "$NS_PEER" ping -n -c 5 -i 0.2 -W 2 "$HOST_ADDR"

# ---- iperf3 TCP, both directions
iperf_server_start "$NS_PEER" "$PEER_ADDR" || bail "iperf3 server did not start"
tap_bytes() { netdev_stat "$NS_HOST" "$HOST_IF" "$1"; }
b0=$(tap_bytes tx_bytes)
ns_exec "$NS_HOST" timeout 30 iperf3 -c "$PEER_ADDR" -t 3 -J >"$T_DIR/iperf-fwd.json" 2>&1
rc=$?
fwd_tap=$(($(tap_bytes tx_bytes) - b0))
fwd=$(jq -r '.end.sum_received.bytes // 0' "$T_DIR/iperf-fwd.json" 2>/dev/null)
fwd_rtx=$(jq -r '.end.sum_sent.retransmits // 0' "$T_DIR/iperf-fwd.json" 2>/dev/null)
if [ $rc -eq 0 ] && [ "${fwd:-0}" -gt 0 ]; then
	pass "iperf3 TCP host -> peer, 3 s"
	diag "host -> peer: $fwd bytes received, $fwd_rtx retransmits," \
		"$(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$T_DIR/iperf-fwd.json") Mbit/s"
else
	fail "iperf3 TCP host -> peer, 3 s" "exit $rc" "$(tail -n 5 "$T_DIR/iperf-fwd.json")"
	fwd=0
fi
b0=$(tap_bytes rx_bytes)
ns_exec "$NS_HOST" timeout 30 iperf3 -c "$PEER_ADDR" -t 3 -R -J >"$T_DIR/iperf-rev.json" 2>&1
rc=$?
rev_tap=$(($(tap_bytes rx_bytes) - b0))
rev=$(jq -r '.end.sum_received.bytes // 0' "$T_DIR/iperf-rev.json" 2>/dev/null)
if [ $rc -eq 0 ] && [ "${rev:-0}" -gt 0 ]; then
	pass "iperf3 TCP peer -> host, 3 s"
	diag "peer -> host: $rev bytes received," \
		"$(jq -r '.end.sum_received.bits_per_second / 1e6 | floor' "$T_DIR/iperf-rev.json") Mbit/s"
else
	fail "iperf3 TCP peer -> host, 3 s" "exit $rc" "$(tail -n 5 "$T_DIR/iperf-rev.json")"
	rev=0
fi
iperf_server_stop

# iperf3's payload crossed enad's TAP: at least that many bytes during each
# run, and (host -> peer, where we know the retransmissions) no more than
# the headers (< 10%) and the retransmitted segments add.
max_tx=$((fwd + fwd / 10 + fwd_rtx * 1514 + (1 << 20)))
if [ "$fwd" -gt 0 ] && [ "$fwd_tap" -ge "$fwd" ] && [ "$fwd_tap" -le "$max_tx" ]; then
	pass "host -> peer: the TAP carried iperf3's payload ($fwd_tap bytes for $fwd)"
else
	fail "host -> peer: the TAP carried iperf3's payload" "TAP tx $fwd_tap bytes, payload $fwd, at most $max_tx"
fi
if [ "$rev" -gt 0 ] && [ "$rev_tap" -ge "$rev" ]; then
	pass "peer -> host: the TAP carried iperf3's payload ($rev_tap bytes for $rev)"
else
	fail "peer -> host: the TAP carried iperf3's payload" "TAP rx $rev_tap bytes, payload $rev"
fi

# ---- counters: the TAP, enad and the device agree
# Both ends are quiet now (no IPv6, no more pings); give the last packets
# and the device's published counters a moment to settle.
sim_sum() { sim_q sim "[.io.$1[].$2] | add // 0"; }
tap_sum() { enad_stats --queues | jq -r "[.queues[].worker.$1] | add // 0"; }
tot() { enad_stats | jq -r ".totals.$1"; }
eq_sysfs_tap() { [ "$(netdev_stat "$NS_HOST" "$HOST_IF" "$1")" = "$(tap_sum "$2")" ]; }
eq_dev() { [ "$(sim_sum "$1" "$2")" = "$(tot "$3")" ]; }

if have_enactl && enad_stats >/dev/null 2>&1; then
	for pair in "tx_packets tap_rx_frames host -> enad frames" \
		"rx_packets tap_tx_frames enad -> host frames"; do
		# shellcheck disable=SC2086
		set -- $pair
		wait_for 5 eq_sysfs_tap "$1" "$2"
		is "$(netdev_stat "$NS_HOST" "$HOST_IF" "$1")" "$(tap_sum "$2")" \
			"TAP $1 = enad's $2 (${*:3})"
	done
	# Bytes: both count frames without the 10-byte virtio-net header.
	sys_b=$(netdev_stat "$NS_HOST" "$HOST_IF" tx_bytes)
	sys_p=$(netdev_stat "$NS_HOST" "$HOST_IF" tx_packets)
	tap_b=$(tap_sum tap_rx_bytes)
	if [ "$sys_b" = "$tap_b" ]; then
		pass "TAP tx_bytes agree with enad's tap_rx_bytes ($sys_b / $tap_b)"
	else
		fail "TAP tx_bytes agree with enad's tap_rx_bytes" "sysfs $sys_b bytes in $sys_p frames, enad $tap_b"
	fi
	sys_b=$(netdev_stat "$NS_HOST" "$HOST_IF" rx_bytes)
	sys_p=$(netdev_stat "$NS_HOST" "$HOST_IF" rx_packets)
	tap_b=$(tap_sum tap_tx_bytes)
	if [ "$sys_b" = "$tap_b" ]; then
		pass "TAP rx_bytes agree with enad's tap_tx_bytes ($sys_b / $tap_b)"
	else
		fail "TAP rx_bytes agree with enad's tap_tx_bytes" "sysfs $sys_b bytes in $sys_p frames, enad $tap_b"
	fi

	# Driver and device: every packet enad posted the device consumed, and
	# every packet the device delivered enad received, byte for byte.
	wait_for 5 eq_dev tx_queues pkts tx_packets
	is "$(sim_sum tx_queues pkts)" "$(tot tx_packets)" "device TX packets = enad's tx_packets"
	is "$(sim_sum tx_queues bytes)" "$(tot tx_bytes)" "device TX bytes = enad's tx_bytes"
	wait_for 5 eq_dev rx_queues pkts rx_packets
	is "$(sim_sum rx_queues pkts)" "$(tot rx_packets)" "device RX packets = enad's rx_packets"
	is "$(sim_sum rx_queues bytes)" "$(tot rx_bytes)" "device RX bytes = enad's rx_bytes"

	diag "enad totals: $(enad_stats | jq -c .totals)"
	diag "TAP: $(for s in tx_packets rx_packets tx_dropped rx_dropped; do
		printf '%s=%s ' $s "$(netdev_stat "$NS_HOST" "$HOST_IF" $s)"; done)"
else
	skip_n 8 "counters agree" "enactl is not available"
fi

# ---- MTU 9000 (a fresh enad on a fresh device)
enad_stop
is "$ENAD_RC" 0 "enad stops on SIGTERM with exit 0"
stop_pid "${SIM_PID[sim]}"
wait_for 5 pid_dead "${SIM_PID[sim]}"
sim_start jumbo --queues 2 --max-mtu 9216 || bail "enasim did not start"
peer_setup jumbo 9000 || bail "cannot address the peer TAP"
SIM_NAME=jumbo enad_conf num_io_queues=2 mtu=9000 | enad_start || bail "enad did not start with mtu = 9000"
host_setup || bail "cannot address the TAP"
is "$(netdev_attr "$NS_HOST" "$HOST_IF" mtu)" 9000 "mtu = 9000: the TAP's MTU is 9000"
is "$(sim_q jumbo .mtu)" 9000 "mtu = 9000: the device was told 9000"
wait_ping "$NS_HOST" "$PEER_ADDR" 15
ok "ping -M do -s 8972 host -> peer (9000-byte packets, no fragmentation)" \
	ns_exec "$NS_HOST" ping -n -c 3 -i 0.2 -W 2 -M "do" -s 8972 "$PEER_ADDR"
ok "ping -M do -s 8972 peer -> host" \
	ns_exec "$NS_PEER" ping -n -c 3 -i 0.2 -W 2 -M "do" -s 8972 "$HOST_ADDR"
