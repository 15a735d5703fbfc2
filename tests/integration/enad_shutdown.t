#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Clean shutdown and restarts: SIGTERM stops enad with exit 0, resets the
# device with reason "shutdown", leaves no process and no TAP behind; with
# persistent_tap = on the TAP and its address survive a restart; 20 resets
# in a row under AddressSanitizer (build-address/) and 3 under valgrind end
# without a leak or memory error and without a file descriptor left open.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
require ping

plan 20
topology_setup || bail "cannot create the namespaces"

# reset_cycles SIM N: N device-requested resets, each waited for (reason
# recorded by the device, traffic back); prints how many recovered.
reset_cycles() {
	local sim=$1 n=$2 i n0 good=0
	for ((i = 0; i < n; i++)); do
		n0=$(sim_nreasons "$sim")
		sim_ctl "$sim" request-reset >/dev/null || break
		wait_for "${RESET_TIMEOUT:-30}" sim_reason_seen "$sim" "$n0" device_request || break
		wait_for "${RESET_TIMEOUT:-30}" ns_ping "$NS_HOST" "$PEER_ADDR" || break
		good=$((good + 1))
	done
	echo "$good"
}

# only_sims_left: nothing but enasim processes runs in NS_HOST.
only_sims_left() {
	local pid others=""
	for pid in $(ip netns pids "$NS_HOST"); do
		case " ${SIM_PID[*]} " in *" $pid "*) ;; *) others+=" $pid($(cat "/proc/$pid/comm" 2>/dev/null))" ;; esac
	done
	[ -z "$others" ] && return 0
	echo "left in $NS_HOST:$others"
	return 1
}

# ---- plain SIGTERM
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
pass "enad starts"
ok "enad's TAP $HOST_IF exists" netdev_exists "$NS_HOST" "$HOST_IF"
host_setup
ok "traffic flows" wait_ping "$NS_HOST" "$PEER_ADDR" 15
enad_stop
is "$ENAD_RC" 0 "SIGTERM: exit 0"
ok "no enad process or thread is left" only_sims_left
fails "the (non-persistent) TAP is gone" netdev_exists "$NS_HOST" "$HOST_IF"
is "$(sim_q sim '.reset_reasons[-1].name')" shutdown "the device was reset with reason shutdown"

# ---- persistent TAP: the interface, its address and routes outlive enad
enad_conf num_io_queues=2 persistent_tap=on | enad_start || bail "enad did not start"
track_tap "$NS_HOST" "$HOST_IF"
host_setup
ip -n "$NS_HOST" route add 10.77.9.0/24 via "$PEER_ADDR" dev "$HOST_IF"
ifindex=$(netdev_attr "$NS_HOST" "$HOST_IF" ifindex)
ok "persistent_tap = on: traffic flows" wait_ping "$NS_HOST" "$PEER_ADDR" 15
enad_stop
is "$ENAD_RC" 0 "persistent_tap = on: SIGTERM, exit 0"
persisted() {
	[ "$(netdev_attr "$NS_HOST" "$HOST_IF" ifindex)" = "$ifindex" ] &&
		netdev_has_addr "$NS_HOST" "$HOST_IF" "$HOST_ADDR/24" &&
		ip -n "$NS_HOST" route show 10.77.9.0/24 | grep -q "dev $HOST_IF"
}
ok "the TAP, its address and its route outlive enad" persisted
enad_start "$ENAD_CONF" || bail "enad did not restart"
ok "enad restarts on the same TAP (same ifindex, address, route)" persisted
ok "traffic flows again after the restart" wait_ping "$NS_HOST" "$PEER_ADDR" 15
enad_stop
ip -n "$NS_HOST" link del dev "$HOST_IF" 2>/dev/null
stop_pid "${SIM_PID[sim]}"

# ---- 20 resets under AddressSanitizer (LeakSanitizer at exit)
ASAN_B=${ASAN_B:-$PWD/build-address}
ASAN_ENAD=$ASAN_B/enad
ASAN_SIM=$ASAN_B/enasim
if [ -x "$ASAN_ENAD" ] && [ -x "$ASAN_SIM" ]; then
	SIM=$ASAN_SIM sim_start asan --queues 2 || bail "ASan enasim did not start"
	peer_setup asan
	ENAD_BIN_SAVE=$ENAD_BIN
	ENAD_BIN=$ASAN_ENAD
	ENAD_ENV=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1)
	if SIM_NAME=asan enad_conf num_io_queues=2 | enad_start; then
		pass "ASan enad starts"
		host_setup
		wait_ping "$NS_HOST" "$PEER_ADDR" 15
		is "$(reset_cycles asan 20)" 20 "ASan: 20 device-requested resets in a row, each recovered"
		enad_stop
		is "$ENAD_RC" 0 "ASan: SIGTERM, exit 0"
		if grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer)|SUMMARY: (Address|Leak)Sanitizer' "$ENAD_LOG"; then
			fail "ASan: no leak or memory error reported"
			diag_file "$ENAD_LOG" 40
		else
			pass "ASan: no leak or memory error reported"
		fi
	else
		fail "ASan enad starts"
		skip_n 3 "ASan resets" "enad did not start"
	fi
	ENAD_BIN=$ENAD_BIN_SAVE
	ENAD_ENV=()
	stop_pid "${SIM_PID[asan]}"
else
	skip_n 4 "20 resets under ASan" "no build-address/enad (make SAN=address all)"
fi

# ---- 3 resets under valgrind memcheck
if command -v valgrind >/dev/null; then
	sim_start vg --queues 1 || bail "enasim did not start"
	peer_setup vg
	# shellcheck disable=SC2054
	ENAD_WRAP=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
		--error-exitcode=99 --track-fds=yes --log-file="$T_DIR/valgrind.log")
	save_ready=$ENAD_READY_TIMEOUT save_stop=$ENAD_STOP_TIMEOUT
	ENAD_READY_TIMEOUT=120 ENAD_STOP_TIMEOUT=60
	if SIM_NAME=vg enad_conf num_io_queues=1 busy_poll_us=0 | enad_start; then
		pass "enad starts under valgrind"
		host_setup
		wait_ping "$NS_HOST" "$PEER_ADDR" 30
		is "$(RESET_TIMEOUT=60 reset_cycles vg 3)" 3 "valgrind: 3 device-requested resets, each recovered"
		enad_stop
		is "$ENAD_RC" 0 "valgrind: SIGTERM, exit 0 (99 = memory errors or leaks)"
		[ "$ENAD_RC" = 0 ] || diag_file "$T_DIR/valgrind.log" 60
		# --track-fds: at exit only what enad inherited may be open.
		open=$(awk '/== Open (file descriptor|AF_UNIX socket)/ { o = $0; next }
			o != "" { if ($0 !~ /inherited from parent/) print o; o = "" }' "$T_DIR/valgrind.log")
		is "$open" "" "valgrind: no file descriptor left open at exit"
	else
		fail "enad starts under valgrind"
		diag_file "$T_DIR/valgrind.log"
		skip_n 3 "valgrind resets" "enad did not start"
	fi
	ENAD_WRAP=()
	ENAD_READY_TIMEOUT=$save_ready ENAD_STOP_TIMEOUT=$save_stop
else
	skip_n 4 "3 resets under valgrind" "valgrind is not installed"
fi
