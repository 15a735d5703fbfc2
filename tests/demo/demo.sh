#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A guided tour of enad on this machine: an emulated ENA device (enasim)
# cabled into one network namespace, enad driving it from another, real
# traffic between them, enactl, a device reset and the recovery.
#
#   tests/demo/demo.sh          run the tour, then tear everything down
#   KEEP=1 tests/demo/demo.sh   leave it running and print how to explore it
#   tests/demo/demo.sh stop     stop a demo left running with KEEP=1
#
# Run as root from the repository (`make demo` builds first). B is the build
# directory (default build). Everything the demo starts is recorded by PID
# in $DEMO_DIR/pids and stopped by PID; the only namespaces it creates and
# removes are enad-demo-host and enad-demo-peer; addresses are set only
# inside them.
set -u
cd "$(dirname "$0")/../.." || exit 1

B=${B:-build}
KEEP=${KEEP:-}
DEMO_DIR=${DEMO_DIR:-/tmp/enad-demo}
NS_HOST=enad-demo-host
NS_PEER=enad-demo-peer
HOST_IF=ena0
PEER_IF=demo-peer
HOST_ADDR=10.99.0.1
PEER_ADDR=10.99.0.2
QUEUES=2

ENASIM=$B/enasim
ENAD=$B/enad
ENACTL=$B/enactl
DEV_SOCK=$DEMO_DIR/ena0.sock
SIM_CTL=$DEMO_DIR/ena0.sock.ctl
ENAD_SOCK=$DEMO_DIR/enad.sock
ENAD_CONF=$DEMO_DIR/enad.conf
ENAD_LOG=$DEMO_DIR/enad.log
SIM_LOG=$DEMO_DIR/enasim.log
PIDS=$DEMO_DIR/pids

if [ -t 1 ]; then
	BOLD=$(printf '\033[1m') DIM=$(printf '\033[2m') RED=$(printf '\033[31m') OFF=$(printf '\033[0m')
else
	BOLD='' DIM='' RED='' OFF=''
fi

STEP=0
# step TITLE TEXT...: a heading, then what is about to happen.
step() {
	STEP=$((STEP + 1))
	printf '\n%s== %d. %s%s\n' "$BOLD" "$STEP" "$1" "$OFF"
	shift
	printf '%s\n' "$@" | fold -s -w 78
}

# show CMD...: print the command as a user would type it, then run it.
show() {
	printf '%s$ %s%s\n' "$DIM" "$*" "$OFF"
	"$@"
}

# die MSG: say what failed, show the logs, clean up (trap), exit 1.
die() {
	printf '\n%sdemo failed: %s%s\n' "$RED" "$*" "$OFF" >&2
	local f
	for f in "$ENAD_LOG" "$SIM_LOG"; do
		[ -s "$f" ] || continue
		printf '%s--- last lines of %s:%s\n' "$BOLD" "$f" "$OFF" >&2
		tail -n 25 "$f" >&2
	done
	exit 1
}

# wait_until SECONDS CMD...: run CMD every 0.2 s until it succeeds.
wait_until() {
	local tries=$(($1 * 5))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.2
	done
}

# start_time PID: the process's start time, to tell it from a later
# process that reused the PID.
start_time() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	# shellcheck disable=SC2086
	set -- $stat
	echo "${20}"
}

# record NAME PID: remember a process we started (stopped in reverse order).
record() {
	echo "$1 $2 $(start_time "$2")" >>"$PIDS"
}

alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# stop_all: stop every recorded process (newest first: enad before the
# device it drives), remove our namespaces and the demo directory.
stop_all() {
	local lines=() i name pid start n
	if [ -f "$PIDS" ]; then
		mapfile -t lines <"$PIDS"
		for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
			read -r name pid start <<<"${lines[i]}"
			[ "$(start_time "$pid")" = "$start" ] || continue
			kill -TERM "$pid" 2>/dev/null
			for ((n = 0; n < 50; n++)); do alive "$pid" || break; sleep 0.1; done
			if alive "$pid"; then
				echo "$name (pid $pid) did not stop on SIGTERM: SIGKILL" >&2
				kill -KILL "$pid" 2>/dev/null
			fi
			wait "$pid" 2>/dev/null
		done
	fi
	for ns in "$NS_HOST" "$NS_PEER"; do
		ip netns list 2>/dev/null | grep -qw "^$ns" && ip netns del "$ns"
	done
	rm -rf "$DEMO_DIR"
}

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ "$rc" -eq 0 ] && [ -n "$KEEP" ]; then
		return
	fi
	stop_all
	exit "$rc"
}

enactl() {
	show "$ENACTL" -s "$ENAD_SOCK" "$@"
}

port_state() {
	"$ENACTL" -s "$ENAD_SOCK" show state 2>/dev/null
}

port_up() {
	[ "$(port_state)" = up ]
}

sim_resets() {
	"$ENASIM" ctl --ctl "$SIM_CTL" show | jq '.reset_reasons | length'
}

host_ping() {
	ip netns exec "$NS_HOST" ping -n -q -c 1 -W 1 "$PEER_ADDR"
}

# ---------------------------------------------------------------- stop
if [ "${1:-}" = stop ]; then
	[ -d "$DEMO_DIR" ] || ip netns list | grep -qw "^$NS_HOST" ||
		{ echo "no demo is running"; exit 0; }
	stop_all
	echo "demo stopped: processes, namespaces $NS_HOST and $NS_PEER, and $DEMO_DIR removed"
	exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [stop]   (KEEP=1 $0 leaves the demo running)" >&2; exit 2; }

# ---------------------------------------------------------------- checks
[ "$(id -u)" = 0 ] || { echo "the demo needs root (network namespaces, TAP devices)" >&2; exit 1; }
for p in "$ENASIM" "$ENAD" "$ENACTL"; do
	[ -x "$p" ] || { echo "$p is not built: run make (or make demo)" >&2; exit 1; }
done
for c in ip ping iperf3 jq; do
	command -v "$c" >/dev/null || { echo "$c is missing: run make deps" >&2; exit 1; }
done
[ -c /dev/net/tun ] || { echo "/dev/net/tun is missing" >&2; exit 1; }
if [ -e "$DEMO_DIR" ] || ip netns list | grep -qwE "^($NS_HOST|$NS_PEER)"; then
	echo "a demo seems to be running already ($DEMO_DIR or namespace $NS_HOST exists);" >&2
	echo "stop it with: $0 stop" >&2
	exit 1
fi

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mkdir -p "$DEMO_DIR" || exit 1
: >"$PIDS"

printf '%senad demo: a userspace driver for the Amazon ENA, moving real traffic%s\n' "$BOLD" "$OFF"
cat <<EOF

There is no ENA hardware here, so an emulator plays the device. The picture:

  namespace $NS_HOST                          namespace $NS_PEER
  +-------------------------------------+         +------------------------+
  | $HOST_IF (TAP, $HOST_ADDR/24)            |         | $PEER_IF              |
  |    ^                                |         | ($PEER_ADDR/24)         |
  |  enad --vfio-user-- enasim ---------+--wire-->|                        |
  +-------------------------------------+         +------------------------+

enad talks to enasim exactly as it would talk to a real ENA through kernel
VFIO: registers, admin queue, DMA memory, interrupts. Frames the host sends
on $HOST_IF go through enad's queues into the device, out of its wire, and
arrive on $PEER_IF; replies come back the same way.
EOF

# ---------------------------------------------------------------- setup
step "Two network namespaces" \
	"Everything lives in two namespaces this demo creates, so nothing on this machine's own network changes."
show ip netns add "$NS_HOST" || die "cannot create namespace $NS_HOST"
show ip netns add "$NS_PEER" || die "cannot create namespace $NS_PEER"
ip -n "$NS_HOST" link set lo up
ip -n "$NS_PEER" link set lo up

step "Start the emulated device" \
	"enasim serves one ENA PCI function with $QUEUES queue pairs on a vfio-user socket. Its network cable is a TAP interface, $PEER_IF, inside $NS_PEER. --poll-us 5000: while traffic is light it polls for doorbells as hardware would, instead of sleeping."
printf '%s$ %s%s\n' "$DIM" "ip netns exec $NS_HOST $ENASIM --socket $DEV_SOCK --wire tap:$PEER_IF,netns=$NS_PEER --queues $QUEUES --poll-us 5000 &" "$OFF"
ip netns exec "$NS_HOST" "$ENASIM" --socket "$DEV_SOCK" --wire "tap:$PEER_IF,netns=$NS_PEER" \
	--queues "$QUEUES" --poll-us 5000 </dev/null >"$SIM_LOG" 2>&1 &
record enasim $!
wait_until 10 test -S "$SIM_CTL" || die "enasim did not start"
show ip -n "$NS_PEER" addr add "$PEER_ADDR/24" dev "$PEER_IF" || die "cannot address $PEER_IF"
show ip -n "$NS_PEER" link set "$PEER_IF" up || die "cannot bring $PEER_IF up"

step "Start enad" \
	"enad reads its configuration (one port, the device given as a vfio-user socket, $QUEUES IO queues), brings the device up the way the Linux driver does, and creates the multi-queue TAP interface $HOST_IF. The demo runs as root, so the control socket's group is root."
cat >"$ENAD_CONF" <<EOF
# generated by tests/demo/demo.sh
[global]
control_socket = $ENAD_SOCK
control_group = root
log_level = info

[device $HOST_IF]
device = vfio-user:$DEV_SOCK
num_io_queues = $QUEUES
EOF
printf '%s$ cat %s%s\n' "$DIM" "$ENAD_CONF" "$OFF"
sed 's/^/    /' "$ENAD_CONF"
show "$ENAD" --check-config --config "$ENAD_CONF" || die "enad rejects the demo configuration"
printf '%s$ %s%s\n' "$DIM" "ip netns exec $NS_HOST $ENAD --config $ENAD_CONF --foreground &" "$OFF"
ip netns exec "$NS_HOST" "$ENAD" --config "$ENAD_CONF" --foreground </dev/null >"$ENAD_LOG" 2>&1 &
ENAD_PID=$!
record enad "$ENAD_PID"
wait_until 30 port_up || die "enad did not bring $HOST_IF up (state: $(port_state || echo unknown))"
echo "enad is running (pid $ENAD_PID); the port is up:"
sed 's/^/    /' "$ENAD_LOG" | grep -v '^    + ' | tail -n 5

step "Address the host side" \
	"$HOST_IF is an ordinary Linux interface: ip, ping, tcpdump and iperf3 just work on it."
show ip -n "$NS_HOST" addr add "$HOST_ADDR/24" dev "$HOST_IF" || die "cannot address $HOST_IF"
show ip -n "$NS_HOST" link set "$HOST_IF" up || die "cannot bring $HOST_IF up"
show ip -n "$NS_HOST" -br link show dev "$HOST_IF"

# ---------------------------------------------------------------- traffic
step "Ping through the driver" \
	"Each echo request goes from the kernel into enad's TAP queue, onto a TX ring, through the emulated device and its wire; the reply comes back through an RX ring."
wait_until 10 host_ping || die "no reply from $PEER_ADDR"
show ip netns exec "$NS_HOST" ping -n -c 3 -i 0.2 "$PEER_ADDR" || die "ping failed"

step "TCP throughput with iperf3 (3 seconds)" \
	"The kernel hands enad large TSO frames; enad passes them to the device with the offload request, and the device segments them. (The number says how fast the emulator is, not the hardware.)"
ip netns exec "$NS_PEER" iperf3 -s -1 -B "$PEER_ADDR" </dev/null >"$DEMO_DIR/iperf3-server.log" 2>&1 &
record iperf3-server $!
wait_until 5 ip netns exec "$NS_PEER" sh -c "ss -ltn | grep -q ':5201 '" || die "iperf3 server did not start"
show ip netns exec "$NS_HOST" iperf3 -c "$PEER_ADDR" -t 3 -f m || die "iperf3 failed"

# ---------------------------------------------------------------- enactl
step "What enactl sees: the port" \
	"enactl talks to enad's JSON control socket and prints what ethtool -i/-l/-g/-k/-c would show for a kernel NIC."
enactl show || die "enactl show failed"

step "Counters" \
	"Per-queue and global counters, named as the Linux ENA driver names them in ethtool -S."
enactl stats || die "enactl stats failed"

step "RSS" \
	"Received flows are spread over the $QUEUES queues by the device's Toeplitz hash and this indirection table."
enactl rss show || die "enactl rss show failed"

# ---------------------------------------------------------------- reset
step "A device reset, and the recovery" \
	"The device now asks the driver for a reset (an AENQ 'device request reset' event, as real ENA hardware sends). enad stops the workers, resets the device with the reason, brings it up again, restores every setting and restarts traffic. $HOST_IF and its address stay in place throughout."
before=$(sim_resets) || die "cannot read the device state"
show "$ENASIM" ctl --ctl "$SIM_CTL" request-reset || die "request-reset failed"
wait_until 30 sh -c "[ \"\$($ENASIM ctl --ctl $SIM_CTL show | jq '.reset_reasons | length')\" -gt $before ]" ||
	die "the device saw no reset"
wait_until 30 port_up || die "the port did not come back up (state: $(port_state || echo unknown))"
echo
echo "The reasons enad wrote into the device's reset register since then, as the device"
echo "recorded them: the reset itself, then the plain reset every bring-up starts with:"
printf '%s$ %s%s\n' "$DIM" "$ENASIM ctl --ctl $SIM_CTL show | jq -c '.reset_reasons[$before:] | map(.name)'" "$OFF"
"$ENASIM" ctl --ctl "$SIM_CTL" show | jq -c ".reset_reasons[$before:] | map(.name)"
echo "What enad logged about it (under systemd: journalctl -u enad ENA_EVENT=reset):"
grep -iE 'reset|recover' "$ENAD_LOG" | sed 's/^/    /' | tail -n 4
echo "The port's state and how long the recovery took:"
enactl show state
enactl show last_recovery_ms
echo "And traffic flows again, on the same interface and address:"
wait_until 10 host_ping || die "no reply from $PEER_ADDR after the reset"
show ip netns exec "$NS_HOST" ping -n -c 3 -i 0.2 "$PEER_ADDR" || die "ping after the reset failed"

# ---------------------------------------------------------------- end
if [ -n "$KEEP" ]; then
	step "Left running (KEEP=1)" "Explore it:"
	cat <<EOF
    ip netns exec $NS_HOST ping $PEER_ADDR
    ip netns exec $NS_HOST tcpdump -ni $HOST_IF
    $ENACTL -s $ENAD_SOCK show
    $ENACTL -s $ENAD_SOCK stats --queues
    $ENACTL -s $ENAD_SOCK set queues 1
    $ENACTL -s $ENAD_SOCK rss show
    $ENACTL -s $ENAD_SOCK watch
    $ENASIM ctl --ctl $SIM_CTL show
    $ENASIM ctl --ctl $SIM_CTL keepalive off     # the watchdog resets the device
    tail -f $ENAD_LOG

Stop it (kills the PIDs recorded in $PIDS, removes both namespaces):
    $0 stop
EOF
	exit 0
fi

step "Tear down" \
	"enad gets SIGTERM: it stops its workers, resets the device with reason 'shutdown' and removes $HOST_IF. Then the emulator stops and both namespaces go."
echo "stopping enad (pid $ENAD_PID), enasim and the namespaces"
stop_all
trap - EXIT
printf '\n%sdone.%s Run it again with KEEP=1 to keep it running and explore.\n' "$BOLD" "$OFF"
