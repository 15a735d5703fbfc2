#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# SIGHUP reloads the configuration file: changed mtu, rx_queue_size and a
# live knob (rx_usecs) reach the device while the TAP keeps its address and
# traffic flows; keys that need a restart (device, control_socket) are not
# applied but logged and listed in STATUS= (and no longer listed once the
# file matches what runs again); an invalid file changes nothing, enad runs
# on and STATUS= says the reload failed; every RELOADING=1 is followed by
# READY=1.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
[ -x "$NOTIFY_LISTEN" ] || skip_all "$NOTIFY_LISTEN is not built"
have_enactl || skip_all "$ENACTL is not built"
require ping

plan 40
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 4 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15 || bail "no ping through the port"
pass "enad runs, ping crosses the port"
ifindex=$(netdev_attr "$NS_HOST" "$HOST_IF" ifindex)
BUS="vfio-user:$(sim_sock sim)"

# write_conf KEY=VALUE...: the device section's keys after num_io_queues = 2.
write_conf() { enad_conf num_io_queues=2 "$@" >"$ENAD_CONF"; }
# restart_keys DEVICE SOCKET: point device = and control_socket = elsewhere.
restart_keys() {
	sed -i -e "s|^device = .*|device = $1|" -e "s|^control_socket = .*|control_socket = $2|" "$ENAD_CONF"
}
LOG_MARK=0
# hup: SIGHUP enad and wait for the READY=1 that ends the reload.
hup() {
	notify_mark
	LOG_MARK=$(wc -l <"$ENAD_LOG")
	kill -HUP "$ENAD_PID"
	notify_wait '(^| )READY=1( |$)' 20 || diag "no READY=1 after SIGHUP"
}
# reload_seq: RELOADING=1 / READY=1 since the mark, in order.
reload_seq() { notify_lines | cut -d' ' -f3- | grep -oE '(^| )(RELOADING|READY)=1( |$)' | xargs; }
# status: the last STATUS= since the mark.
status() { notify_lines | cut -d' ' -f3- | grep -oE '(^| )STATUS=.*' | tail -n 1 | sed 's/^ //'; }
# log_since: enad's log since the last hup.
log_since() { tail -n +$((LOG_MARK + 1)) "$ENAD_LOG"; }
# device: what the device runs.
device() {
	sim_q sim '"mtu=\(.mtu)" +
		" rx=\([.queues.sq[] | select(.direction == "rx") | .depth] | unique | map(tostring) | join(","))" +
		" tx=\([.queues.sq[] | select(.direction == "tx") | .depth] | unique | map(tostring) | join(","))"'
}
tap_mtu() { netdev_attr "$NS_HOST" "$HOST_IF" mtu; }
# tap_ok: the same TAP (ifindex), still with its address, carrier on.
tap_ok() {
	[ "$(netdev_attr "$NS_HOST" "$HOST_IF" ifindex)" = "$ifindex" ] &&
		netdev_has_addr "$NS_HOST" "$HOST_IF" "$HOST_ADDR/24" &&
		[ "$(netdev_attr "$NS_HOST" "$HOST_IF" carrier)" = 1 ]
}
ectl() { "$ENACTL" -s "$ENAD_SOCK" "$@"; }
# rx_delays: the RX interrupt delays the device's vectors run; they reach
# the device with the next unmask, so ping first.
rx_delays() { sim_q sim '[.io.vectors[].rx_delay] | unique | map(tostring) | join(" ")'; }
rx_delays_are() { ns_ping "$NS_HOST" "$PEER_ADDR" >/dev/null; [ "$(rx_delays)" = "$1" ]; }

is "$(device)" "mtu=1500 rx=1024 tx=1024" "the device runs the defaults"

# ---- 1. mtu (reconfigure), rx_queue_size (reconfigure), rx_usecs (live)
write_conf mtu=3000 rx_queue_size=512 rx_usecs=48 adaptive_rx=off
hup
is "$(reload_seq)" "RELOADING=1 READY=1" "SIGHUP: RELOADING=1, then READY=1"
is "$(device)" "mtu=3000 rx=512 tx=1024" "the device runs mtu 3000 and 512-deep RX rings (TX unchanged)"
is "$(tap_mtu)" 3000 "the TAP's MTU is 3000"
is "$(ectl show rx-usecs) $(ectl show adaptive-rx)" "48 off" "enactl shows rx-usecs 48, adaptive-rx off"
wait_for 15 rx_delays_are 48
is "$(rx_delays)" 48 "the device's interrupt vectors run rx delay 48"
ok "same TAP, address kept, carrier on" tap_ok
ok "ping works after the reload" wait_ping "$NS_HOST" "$PEER_ADDR" 15
like "$(log_since)" "reload applied" "the log says the reload was applied"
st=$(status)
like "$st" "^STATUS=$HOST_IF: up" "STATUS= says the port is up ($st)"
unlike "$st" "restart|fail" "STATUS= mentions no restart and no failure"

# ---- 2. keys that need a restart (and a live one in the same reload)
write_conf mtu=3000 rx_queue_size=512 rx_usecs=56 adaptive_rx=off
restart_keys "vfio-user:$T_DIR/other.sock" "$T_DIR/other-enad.sock"
hup
is "$(reload_seq)" "RELOADING=1 READY=1" "SIGHUP (restart keys): RELOADING=1, then READY=1"
st=$(status)
like "$st" "restart needed for:.* control_socket( |$)" "STATUS= says control_socket needs a restart ($st)"
like "$st" "restart needed for:.* $HOST_IF\.device( |$)" "STATUS= says $HOST_IF.device needs a restart"
like "$(log_since)" "control_socket changed: restart enad to apply" "the log says control_socket needs a restart"
like "$(log_since)" "\[$HOST_IF\]: device changed in the configuration: restart enad to apply it" \
	"the log says $HOST_IF's device needs a restart"
is "$(enactl_j show | jq -r .bus)" "$BUS" "not applied: enad still drives the same device, on the old control socket"
ok "not applied: nothing listens at the new control_socket path" test ! -e "$T_DIR/other-enad.sock"
is "$(ectl show rx-usecs)" 56 "the live key of the same reload (rx_usecs 56) is applied"
is "$(device)" "mtu=3000 rx=512 tx=1024" "the device keeps mtu 3000 and RX 512"
ok "ping works" wait_ping "$NS_HOST" "$PEER_ADDR" 15

# ---- 3. the same file again: the restart is still needed
hup
is "$(reload_seq)" "RELOADING=1 READY=1" "SIGHUP (same file): RELOADING=1, then READY=1"
st=$(status)
like "$st" "restart needed for:.* control_socket .*$HOST_IF\.device|restart needed for:.* $HOST_IF\.device .*control_socket" \
	"STATUS= still says control_socket and $HOST_IF.device need a restart ($st)"

# ---- 4. the restart keys back to what runs: nothing needs a restart
restart_keys "$BUS" "$ENAD_SOCK"
hup
is "$(reload_seq)" "RELOADING=1 READY=1" "SIGHUP (restart keys reverted): RELOADING=1, then READY=1"
st=$(status)
unlike "$st" "restart" "STATUS= no longer asks for a restart ($st)"
unlike "$(log_since)" "restart enad to apply" "the log asks for no restart"
is "$(ectl show rx-usecs)" 56 "rx_usecs is still 56"

# ---- 5. an invalid file: nothing changes, enad runs on
write_conf mtu=2000 rx_queue_size=300 rx_usecs=20 adaptive_rx=off
hup
is "$(reload_seq)" "RELOADING=1 READY=1" "SIGHUP (invalid file): RELOADING=1, then READY=1"
st=$(status)
like "$st" "^STATUS=reload failed: .*enad\.conf:[0-9]+: rx_queue_size: 300 " \
	"STATUS= says the reload failed, with the file, line and key ($st)"
like "$(log_since)" "reload failed, keeping the running configuration: .*rx_queue_size: 300" \
	"the log says the reload failed and the running configuration stays"
ok "enad is still running" enad_alive
is "$(device) $(tap_mtu) $(ectl show rx-usecs)" "mtu=3000 rx=512 tx=1024 3000 56" \
	"nothing from the invalid file was applied (mtu 3000, RX 512, rx-usecs 56)"
ok "ping works" wait_ping "$NS_HOST" "$PEER_ADDR" 15

# ---- 6. fixed again: applied
write_conf mtu=2000 rx_queue_size=1024 rx_usecs=20 adaptive_rx=off
hup
is "$(reload_seq)" "RELOADING=1 READY=1" "SIGHUP (file fixed): RELOADING=1, then READY=1"
is "$(device) $(tap_mtu) $(ectl show rx-usecs)" "mtu=2000 rx=1024 tx=1024 2000 20" \
	"the fixed file is applied (mtu 2000, RX 1024, rx-usecs 20)"
st=$(status)
like "$st" "^STATUS=$HOST_IF: up" "STATUS= says the port is up again ($st)"
ok "same TAP, address kept, carrier on" tap_ok
ok "ping works" wait_ping "$NS_HOST" "$PEER_ADDR" 15

enad_stop
is "$ENAD_RC" 0 "enad stops on SIGTERM with exit 0"
