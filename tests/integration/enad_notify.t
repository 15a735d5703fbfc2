#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# sd_notify as systemd sees it, through a NOTIFY_SOCKET listener
# (tests/integration/notify_listen.c): READY=1 once the port is up and the
# control socket listens, STATUS=, WATCHDOG=1 pings while everything makes
# progress (WATCHDOG_USEC / WATCHDOG_PID as systemd sets them), RELOADING=1
# then READY=1 around SIGHUP, STOPPING=1 on SIGTERM; and the pings stop
# while the process stays alive when a worker is stuck (ENAD_TEST_FAULTS=1:
# SIGUSR2 stalls worker 0).
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
[ -x "$NOTIFY_LISTEN" ] || skip_all "$NOTIFY_LISTEN is not built"

plan 15
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"

ENAD_ENV=(ENAD_TEST_FAULTS=1)
ENAD_WATCHDOG_USEC=1000000 # pings every 0.5 s
enad_conf num_io_queues=2 | enad_start || bail "enad did not send READY=1"
pass "READY=1 arrives"
ok "the control socket listens when READY=1 arrives" test -S "$ENAD_SOCK"
is "$(notify_lines | grep -m1 -E ' READY=1( |$)' | cut -d' ' -f2)" "$ENAD_PID" "READY=1 comes from enad's pid"
if notify_wait '(^| )STATUS=.' 5; then
	pass "STATUS= says something"
	diag "$(notify_lines | grep -o 'STATUS=.*' | tail -n 1)"
else
	fail "STATUS= says something" "$(cat "$ENAD_NOTIFY")"
fi

# watchdog_count: WATCHDOG=1 messages since the mark.
watchdog_count() { notify_count '(^| )WATCHDOG=1( |$)'; }
watchdog_at_least() { [ "$(watchdog_count)" -ge "$1" ]; }
# pings_moving / pings_stopped: whether a ping arrives within a 3 s window
# (six ping intervals).
pings_moving() {
	local c
	c=$(watchdog_count)
	sleep 3
	[ "$(watchdog_count)" -gt "$c" ]
}
pings_stopped() { ! pings_moving; }

if wait_for 10 watchdog_at_least 3; then
	pass "WATCHDOG=1 pings arrive (WATCHDOG_USEC=1000000)"
else
	fail "WATCHDOG=1 pings arrive (WATCHDOG_USEC=1000000)" "$(tail -n 5 "$ENAD_NOTIFY")"
fi
is "$(notify_lines | grep -E ' WATCHDOG=1( |$)' | cut -d' ' -f2 | sort -u | xargs)" "$ENAD_PID" \
	"every WATCHDOG=1 comes from enad's pid"

# ---- SIGHUP: RELOADING=1, then READY=1 again
notify_mark
kill -HUP "$ENAD_PID"
if notify_wait '(^| )RELOADING=1( |$)' 10 && wait_for 10 notify_seen '(^| )READY=1( |$)'; then
	first=$(notify_lines | grep -nE ' (RELOADING|READY)=1( |$)' | head -n 2 | grep -oE '(RELOADING|READY)=1' | xargs)
	is "$first" "RELOADING=1 READY=1" "SIGHUP: RELOADING=1, then READY=1"
else
	fail "SIGHUP: RELOADING=1, then READY=1" "$(notify_lines)"
fi
ok "enad runs on after SIGHUP" enad_alive

# ---- SIGTERM: STOPPING=1, exit 0
notify_mark
enad_stop
is "$ENAD_RC" 0 "SIGTERM: exit 0"
if notify_seen '(^| )STOPPING=1( |$)'; then
	pass "SIGTERM: STOPPING=1"
else
	fail "SIGTERM: STOPPING=1" "$(notify_lines)"
fi

# ---- a stuck worker stops the pings
enad_conf num_io_queues=2 | enad_start || bail "enad did not restart"
pass "enad starts again (for the stuck worker)"
if wait_for 10 pings_moving; then
	pass "pings arrive before the stall"
else
	fail "pings arrive before the stall" "$(tail -n 5 "$ENAD_NOTIFY")"
fi
notify_mark
kill -USR2 "$ENAD_PID"
if wait_for 20 pings_stopped; then
	pass "SIGUSR2 (worker 0 stalls): WATCHDOG=1 pings stop"
else
	fail "SIGUSR2 (worker 0 stalls): WATCHDOG=1 pings stop" "$(tail -n 5 "$ENAD_NOTIFY")"
fi
ok "enad stays alive with the stalled worker (systemd would kill it)" enad_alive
diag "WATCHDOG=1 pings after SIGUSR2: $(watchdog_count)"
enad_stop
is "$ENAD_RC" 0 "SIGTERM with a stalled worker: exit 0"
grep -qE 'ERROR: |runtime error|Segmentation' "$ENAD_LOG" && diag_file "$ENAD_LOG"
