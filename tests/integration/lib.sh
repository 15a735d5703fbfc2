# SPDX-License-Identifier: MIT
# Shared helpers for the integration tests (tests/integration/*.t): TAP
# output, a scratch directory, network namespaces, enasim and enad processes,
# an sd_notify listener, polling. Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# It cd's to the repository root and sets B (the build directory, absolute).
# Everything a test starts through these helpers (processes by PID,
# namespaces, TAPs, the scratch directory) is removed by an EXIT trap, also
# when the test is killed. Run as root; tests/run sets B.
#
# Topology used by the enad tests (topology_setup):
#
#   NS_HOST: enad (its TAP ena0 = 10.77.0.1/24) and enasim (the device; its
#            vfio-user socket is a path, namespaces do not matter for it)
#   NS_PEER: the far end of enasim's wire, a TAP (10.77.0.2/24)
#
# Conventions: helpers return 0/1; query helpers (sim_q, netdev_attr, ...)
# print their value, the others print nothing on stdout but TAP lines;
# diagnostics are "# " lines. Timeouts are in seconds and only bound how
# long we wait for something to happen: no test asserts a duration.
#
# Run one file: B=build bash tests/integration/enad_traffic.t
# (T_KEEP=1 keeps its files; a failed run's files are always copied to
# $B/test-logs/NAME.files: enad and enasim logs, configs, notify messages).

set -u
# `enad_conf | enad_start`: the last part of a pipeline runs in this shell.
shopt -s lastpipe
cd "$(dirname "$0")/../.." || exit 1

B=${B:-build}
case "$B" in /*) ;; *) B=$PWD/$B ;; esac
export B

T_NAME=$(basename "$0" .t)
# Unique per run: namespaces and files never collide with a parallel run.
T_ID=$(printf '%x%04x' $$ $((RANDOM)))
T_DIR=$(mktemp -d "/tmp/eit-$T_NAME.XXXXXX") || { echo "Bail out! mktemp failed"; exit 1; }

SIM=${SIM:-$B/enasim}
ENACTL=${ENACTL:-$B/enactl}
NOTIFY_LISTEN=${NOTIFY_LISTEN:-$B/tests/notify_listen}

T_N=0            # tests run
T_FAILED=0       # tests failed
T_PLANNED=""     # from plan
T_PIDS=()        # processes we started, in order
T_NETNS=()       # namespaces we created
T_TAPS=()        # "NS IFNAME" interfaces to delete (persistent TAPs)
T_KEEP=${T_KEEP:-0} # 1: keep the scratch directory

# ---------------------------------------------------------------- TAP output

# plan N: announce N tests (call once, before the first).
plan() {
	T_PLANNED=$1
	echo "1..$1"
}

# skip_all REASON: nothing to run here (prints "1..0 # SKIP" and exits 0).
skip_all() {
	echo "1..0 # SKIP $*"
	T_PLANNED=0
	exit 0
}

# done_testing: print the plan at the end when the count was not known.
done_testing() {
	[ -n "$T_PLANNED" ] && return 0
	T_PLANNED=$T_N
	echo "1..$T_N"
}

# diag MSG...: "# MSG" lines (also for multi-line MSG).
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# diag_file FILE [N]: the last N (default 20) lines of FILE as diagnostics.
diag_file() {
	[ -f "$1" ] || { diag "($1 does not exist)"; return 0; }
	diag "--- last ${2:-20} lines of $(basename "$1"):"
	tail -n "${2:-20}" "$1" | sed 's/^/#   /'
}

# pass DESC / fail DESC [DIAG...]: one TAP result.
pass() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1"
}
fail() {
	T_N=$((T_N + 1))
	T_FAILED=$((T_FAILED + 1))
	echo "not ok $T_N - $1"
	shift
	local d
	for d in "$@"; do diag "$d"; done
}

# ok DESC CMD [ARGS...]: passes when CMD exits 0; else its output is shown.
# CMD runs in this shell (a function may set variables, start processes).
ok() {
	local desc=$1 rc
	shift
	"$@" >"$T_DIR/.out" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		pass "$desc"
	else
		fail "$desc" "command: $* (exit $rc)" "$(tail -n 30 "$T_DIR/.out")"
	fi
	return $rc
}

# fails DESC CMD [ARGS...]: passes when CMD exits non-zero.
fails() {
	local desc=$1 rc
	shift
	"$@" >"$T_DIR/.out" 2>&1
	rc=$?
	if [ $rc -ne 0 ]; then
		pass "$desc"
		return 0
	fi
	fail "$desc" "command: $* (exit 0, expected a failure)" "$(tail -n 30 "$T_DIR/.out")"
	return 1
}

# is GOT EXPECTED DESC / isnt GOT UNEXPECTED DESC: string comparison.
is() {
	if [ "$1" = "$2" ]; then pass "$3"; return 0; fi
	fail "$3" "got:      '$1'" "expected: '$2'"
	return 1
}
isnt() {
	if [ "$1" != "$2" ]; then pass "$3"; return 0; fi
	fail "$3" "got '$1', expected anything else"
	return 1
}

# like GOT ERE DESC / unlike GOT ERE DESC: bash regex match.
like() {
	if [[ $1 =~ $2 ]]; then pass "$3"; return 0; fi
	fail "$3" "got:      '$1'" "expected to match: $2"
	return 1
}
unlike() {
	if ! [[ $1 =~ $2 ]]; then pass "$3"; return 0; fi
	fail "$3" "got:      '$1'" "expected not to match: $2"
	return 1
}

# cmp_ok A OP B DESC: integer comparison, OP one of -eq -ne -lt -le -gt -ge.
cmp_ok() {
	if [[ $1 =~ ^-?[0-9]+$ && $3 =~ ^-?[0-9]+$ ]] && test "$1" "$2" "$3"; then
		pass "$4"
		return 0
	fi
	fail "$4" "expected: '$1' $2 '$3'"
	return 1
}

# skip DESC REASON: a test that cannot run here.
skip() {
	T_N=$((T_N + 1))
	echo "ok $T_N - $1 # SKIP $2"
}

# skip_n N DESC REASON: N skipped tests.
skip_n() {
	local i
	for ((i = 0; i < $1; i++)); do skip "$2" "$3"; done
}

# bail REASON: give up on the whole file.
bail() {
	echo "Bail out! $*"
	T_ABORT=1
	exit 1
}

# -------------------------------------------------------------- time, polling

# now_ms: monotonic milliseconds (10 ms resolution), for diagnostics only.
now_ms() {
	local up _
	read -r up _ </proc/uptime
	echo $((${up%.*} * 1000 + 10#${up#*.} * 10))
}

# wait_for TIMEOUT CMD [ARGS...]: run CMD every 0.1 s until it exits 0
# (return 0) or TIMEOUT seconds pass (return 1). CMD's output is discarded.
wait_for() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# ------------------------------------------------------------------ processes

# proc_start PID: the process's start time (clock ticks since boot), which
# tells a process from a later one that reused its PID.
proc_start() {
	local stat f
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	# shellcheck disable=SC2206
	f=(${stat##*) })
	echo "${f[19]}"
}

# track_pid PID: kill PID (TERM, then KILL) at exit, if it is still the
# process we started.
track_pid() {
	T_PIDS+=("$1:$(proc_start "$1")")
}

# pid_alive PID: the process exists and is not a zombie.
pid_alive() {
	local stat
	[ -n "$1" ] || return 1
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# pid_dead PID: the opposite of pid_alive (for wait_for).
pid_dead() {
	! pid_alive "$1"
}

# stop_pid PID [TIMEOUT] [SIGNAL]: SIGNAL (default TERM), wait up to TIMEOUT
# (default 5) seconds, then SIGKILL. Sets STOP_RC to the exit status when
# PID is our child (else 0). Returns 0 when it exited before the SIGKILL.
stop_pid() {
	local pid=$1 timeout=${2:-5} sig=${3:-TERM} r=0
	STOP_RC=0
	[ -n "$pid" ] || return 0
	if pid_alive "$pid"; then
		kill "-$sig" "$pid" 2>/dev/null
		if ! wait_for "$timeout" pid_dead "$pid"; then
			kill -KILL "$pid" 2>/dev/null
			wait_for 5 pid_dead "$pid"
			r=1
		fi
	fi
	wait "$pid" 2>/dev/null
	STOP_RC=$?
	return $r
}

# -------------------------------------------------------- namespaces and TAPs

# netns_create NAME: a network namespace (with lo up), removed at exit.
netns_create() {
	ip netns add "$1" || return 1
	T_NETNS+=("$1")
	ip -n "$1" link set lo up
}

# ns_exec NS CMD...: run CMD inside NS (with that namespace's /sys).
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# track_tap NS IFNAME: delete the interface at exit (persistent TAPs).
track_tap() {
	T_TAPS+=("$1 $2")
}

# netdev_attr NS IFNAME ATTR: /sys/class/net/IFNAME/ATTR as seen in NS.
netdev_attr() {
	ip netns exec "$1" cat "/sys/class/net/$2/$3" 2>/dev/null
}

# netdev_stat NS IFNAME STAT: one of /sys/class/net/IFNAME/statistics/*.
netdev_stat() {
	netdev_attr "$1" "$2" "statistics/$3"
}

# netdev_exists NS IFNAME
netdev_exists() {
	ip -n "$1" link show dev "$2" >/dev/null 2>&1
}

# netdev_has_addr NS IFNAME ADDR/LEN
netdev_has_addr() {
	ip -n "$1" -o addr show dev "$2" 2>/dev/null | grep -qw "inet $3"
}

# ns_ping NS ADDR [PING OPTIONS...]: one quick ping (success = a reply).
ns_ping() {
	local ns=$1 addr=$2
	shift 2
	ip netns exec "$ns" ping -n -q -c 1 -W 1 "$@" "$addr"
}

# wait_ping NS ADDR TIMEOUT: until ADDR answers from NS.
wait_ping() {
	wait_for "$3" ns_ping "$1" "$2"
}

# ----------------------------------------------------------------- topology

NS_HOST=""
NS_PEER=""
HOST_IF=${HOST_IF:-ena0}
HOST_ADDR=10.77.0.1
PEER_ADDR=10.77.0.2

# topology_setup: NS_HOST and NS_PEER (unique names). IPv6 is off in both
# (TOPO_IPV6=1 keeps it) so that no router solicitation or DAD packet
# crosses the wire while a test counts packets.
topology_setup() {
	local ns
	NS_HOST=eit-$T_ID-h
	NS_PEER=eit-$T_ID-p
	for ns in "$NS_HOST" "$NS_PEER"; do
		netns_create "$ns" || return 1
		[ "${TOPO_IPV6:-0}" = 1 ] ||
			ip netns exec "$ns" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
				net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
	done
}

# ------------------------------------------------------------------- enasim

declare -A SIM_PID=() SIM_PEER=()

# sim_sock NAME / sim_ctl_path NAME: the device's vfio-user and control sockets.
sim_sock() { echo "$T_DIR/$1.sock"; }
sim_ctl_path() { echo "$T_DIR/$1.ctl"; }

# sim_start NAME [ENASIM OPTIONS...]: enasim in NS_HOST serving
# $T_DIR/NAME.sock, its wire a TAP "NAMEp" in NS_PEER (unless the options
# name a --wire), log in $T_DIR/NAME.sim.log, run under the command prefix
# $SIM_WRAP if set. Waits for the control socket (created last, after the
# wire). Sets SIM_PID[NAME], SIM_PEER[NAME].
sim_start() {
	local name=$1 wire=1 a pid
	shift
	for a in "$@"; do [ "$a" = --wire ] && wire=0; done
	local args=(--socket "$(sim_sock "$name")" --ctl "$(sim_ctl_path "$name")")
	if [ $wire = 1 ]; then
		SIM_PEER[$name]=${name}p
		args+=(--wire "tap:${name}p,netns=$NS_PEER")
	fi
	# shellcheck disable=SC2086 # SIM_WRAP: a command prefix (e.g. taskset -c 1), split on purpose
	ip netns exec "$NS_HOST" ${SIM_WRAP:-} "$SIM" "${args[@]}" "$@" </dev/null >"$T_DIR/$name.sim.log" 2>&1 &
	pid=$!
	track_pid "$pid"
	SIM_PID[$name]=$pid
	if ! wait_for 10 test -S "$(sim_ctl_path "$name")"; then
		diag "enasim $name did not start"
		diag_file "$T_DIR/$name.sim.log"
		return 1
	fi
	pid_alive "$pid"
}

# sim_ctl NAME VERB [ARGS...]: enasim ctl (JSON reply on stdout).
sim_ctl() {
	local name=$1
	shift
	"$SIM" ctl --ctl "$(sim_ctl_path "$name")" "$@"
}

# sim_q NAME JQ_FILTER: one value from `enasim ctl show` (jq -r).
sim_q() {
	sim_ctl "$1" show | jq -r "$2"
}

# sim_nreasons NAME: how many resets the device recorded.
sim_nreasons() {
	sim_q "$1" '.reset_reasons | length'
}

# sim_reasons_since NAME N: reset reason names after the first N, space separated.
sim_reasons_since() {
	sim_q "$1" ".reset_reasons[$2:] | map(.name) | join(\" \")"
}

# sim_reason_seen NAME N REASON: REASON is among the resets after the first N.
sim_reason_seen() {
	local r
	r=" $(sim_reasons_since "$1" "$2") "
	[[ $r == *" $3 "* ]]
}

# sim_new_reset NAME N: the device recorded a reset after the first N.
sim_new_reset() {
	[ "$(sim_nreasons "$1")" -gt "$2" ]
}

# peer_setup NAME [MTU]: address PEER_ADDR/24 on the wire's far TAP, up.
peer_setup() {
	local ifn=${SIM_PEER[$1]}
	ip -n "$NS_PEER" addr add "$PEER_ADDR/24" dev "$ifn" &&
		{ [ -z "${2:-}" ] || ip -n "$NS_PEER" link set dev "$ifn" mtu "$2"; } &&
		ip -n "$NS_PEER" link set dev "$ifn" up
}

# ------------------------------------------------------------ sd_notify

# notify_listen_start SOCKET FILE: a NOTIFY_SOCKET logging to FILE.
notify_listen_start() {
	local pid
	rm -f "$1"
	: >"$2"
	"$NOTIFY_LISTEN" "$1" "$2" </dev/null >/dev/null 2>>"$T_DIR/notify_listen.err" &
	pid=$!
	track_pid "$pid"
	wait_for 5 test -S "$1"
}

NOTIFY_MARK=0

# notify_mark: later notify_* calls look only at messages from now on.
notify_mark() {
	NOTIFY_MARK=$(wc -l <"$ENAD_NOTIFY")
}

# notify_lines: the messages since the mark ("MONO_US PID TEXT" per line).
notify_lines() {
	tail -n +$((NOTIFY_MARK + 1)) "$ENAD_NOTIFY"
}

# notify_seen ERE: a message since the mark matches ERE (matched against TEXT).
notify_seen() {
	notify_lines | cut -d' ' -f3- | grep -qE -- "$1"
}

# notify_count ERE: how many messages since the mark match.
notify_count() {
	notify_lines | cut -d' ' -f3- | grep -cE -- "$1"
}

# notify_wait ERE TIMEOUT: until a message since the mark matches. Gives up
# early when enad has exited without sending it.
notify_wait() {
	local deadline=$(($(now_ms) + $2 * 1000))
	while :; do
		notify_seen "$1" && return 0
		pid_alive "$ENAD_PID" || { notify_seen "$1"; return; }
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# --------------------------------------------------------------------- enad

ENAD_BIN=${ENAD_BIN:-$B/enad}
ENAD_NS=""          # namespace enad runs in (default NS_HOST)
ENAD_WRAP=()        # command prefix, e.g. (valgrind --leak-check=full)
ENAD_ENV=()         # extra VAR=VALUE for enad's environment
ENAD_WATCHDOG_USEC="" # set: WATCHDOG_USEC=this, WATCHDOG_PID=enad's pid
ENAD_READY_TIMEOUT=${ENAD_READY_TIMEOUT:-30}
ENAD_STOP_TIMEOUT=${ENAD_STOP_TIMEOUT:-15}
ENAD_PID=""
ENAD_RC=""
ENAD_N=0
ENAD_SOCK=$T_DIR/enad.sock
ENAD_LOG=""
ENAD_NOTIFY=""
ENAD_CONF=""

# enad_conf [KEY=VALUE...]: print a one-port configuration on stdout:
# [global] control socket in $T_DIR, log_level ${ENAD_LOG_LEVEL:-info};
# [device $HOST_IF] on the enasim "sim" (or $SIM_NAME), then each KEY = VALUE.
enad_conf() {
	local kv
	printf '[global]\ncontrol_socket = %s\nlog_level = %s\n\n' "$ENAD_SOCK" "${ENAD_LOG_LEVEL:-info}"
	printf '[device %s]\ndevice = vfio-user:%s\n' "$HOST_IF" "$(sim_sock "${SIM_NAME:-sim}")"
	for kv in "$@"; do printf '%s = %s\n' "${kv%%=*}" "${kv#*=}"; done
}

# enad_start [CONFIG]: run enad --config CONFIG --foreground in ENAD_NS
# (default NS_HOST) with NOTIFY_SOCKET on a fresh listener; the config is
# read from stdin into $T_DIR/enad.conf when CONFIG is not given. Waits up to
# ENAD_READY_TIMEOUT for READY=1. Sets ENAD_PID, ENAD_LOG (stdout+stderr),
# ENAD_NOTIFY (messages), ENAD_CONF; resets the notify mark.
enad_start() {
	local conf=${1:-} ns=${ENAD_NS:-$NS_HOST} sock
	ENAD_N=$((ENAD_N + 1))
	if [ -z "$conf" ]; then
		conf=$T_DIR/enad.conf
		cat >"$conf"
	fi
	ENAD_CONF=$conf
	ENAD_LOG=$T_DIR/enad-$ENAD_N.log
	ENAD_NOTIFY=$T_DIR/notify-$ENAD_N.log
	ENAD_RC=""
	NOTIFY_MARK=0
	sock=$T_DIR/notify-$ENAD_N.sock
	notify_listen_start "$sock" "$ENAD_NOTIFY" || { diag "notify listener did not start"; return 1; }

	local cmd=(ip netns exec "$ns" env NOTIFY_SOCKET="$sock" "${ENAD_ENV[@]}")
	if [ -n "$ENAD_WATCHDOG_USEC" ]; then
		# sd_watchdog_enabled() wants WATCHDOG_PID to be enad's own pid:
		# the shell exports its pid, then becomes enad.
		cmd+=(WATCHDOG_USEC="$ENAD_WATCHDOG_USEC" sh -c 'export WATCHDOG_PID=$$; exec "$@"' sh)
	fi
	cmd+=("${ENAD_WRAP[@]}" "$ENAD_BIN" --config "$conf" --foreground)
	echo "+ ${cmd[*]}" >"$ENAD_LOG"
	# ip netns exec, env and sh all exec: $! is enad's pid.
	"${cmd[@]}" </dev/null >>"$ENAD_LOG" 2>&1 &
	ENAD_PID=$!
	track_pid "$ENAD_PID"
	if ! notify_wait '(^| )READY=1( |$)' "$ENAD_READY_TIMEOUT"; then
		diag "enad did not send READY=1 within ${ENAD_READY_TIMEOUT}s (pid $ENAD_PID $(pid_alive "$ENAD_PID" && echo alive || echo exited))"
		diag_file "$ENAD_LOG" 30
		return 1
	fi
	return 0
}

# enad_stop [SIGNAL]: SIGTERM (or SIGNAL) enad and wait up to
# ENAD_STOP_TIMEOUT; sets ENAD_RC (its exit status; 128+N for a signal).
# Returns 1 if it had to be SIGKILLed.
enad_stop() {
	local r
	stop_pid "$ENAD_PID" "$ENAD_STOP_TIMEOUT" "${1:-TERM}"
	r=$?
	ENAD_RC=$STOP_RC
	return $r
}

# enad_alive
enad_alive() {
	pid_alive "$ENAD_PID"
}

# host_setup [ADDR/LEN]: address (default HOST_ADDR/24) on enad's TAP, up.
host_setup() {
	ip -n "$NS_HOST" addr add "${1:-$HOST_ADDR/24}" dev "$HOST_IF" &&
		ip -n "$NS_HOST" link set dev "$HOST_IF" up
}

# ------------------------------------------------------------------- iperf3

IPERF_PID=""

# iperf_server_start NS ADDR [PORT]: iperf3 -s bound to ADDR in NS (log in
# $T_DIR/iperf-server.log); waits until it listens. Sets IPERF_PID.
iperf_server_start() {
	local port=${3:-5201}
	ip netns exec "$1" iperf3 -s -B "$2" -p "$port" </dev/null >>"$T_DIR/iperf-server.log" 2>&1 &
	IPERF_PID=$!
	track_pid "$IPERF_PID"
	wait_for 10 iperf_listening "$1" "$port"
}

# iperf_listening NS PORT
iperf_listening() {
	[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$2")" ]
}

# iperf_server_stop: stop the server by its PID.
iperf_server_stop() {
	stop_pid "$IPERF_PID" 5
	IPERF_PID=""
}

# -------------------------------------------------------------------- enactl

# have_enactl: enactl is built.
have_enactl() {
	[ -x "$ENACTL" ]
}

# enactl_j ARGS...: enactl -s ENAD_SOCK -j ARGS (JSON on stdout).
enactl_j() {
	"$ENACTL" -s "$ENAD_SOCK" -j "$@"
}

# enad_state [IFACE]: the port's state ("up", "resetting", ...) from
# `enactl -j show`; empty (status 1) without enactl.
enad_state() {
	have_enactl || return 1
	enactl_j -i "${1:-$HOST_IF}" show | jq -r .state
}

# enad_is_up [IFACE]: state is "up" (for wait_for).
enad_is_up() {
	[ "$(enad_state "${1:-$HOST_IF}")" = up ]
}

# enad_stats [ARGS...]: `enactl -j stats ARGS` (e.g. --queues).
enad_stats() {
	have_enactl || return 1
	enactl_j -i "$HOST_IF" stats "$@"
}

# --------------------------------------------------------------------- cleanup

T_ABORT=0 # set by a signal or bail: the file did not run to its end

t_cleanup() {
	local i pid ns t keep=$T_KEEP
	trap - EXIT INT TERM HUP
	# Our processes, newest first (enad before the device it drives).
	for ((i = ${#T_PIDS[@]} - 1; i >= 0; i--)); do
		pid=${T_PIDS[i]%%:*}
		[ "$(proc_start "$pid")" = "${T_PIDS[i]#*:}" ] && stop_pid "$pid" 5 TERM
	done
	# Anything else still inside our namespaces was started by us too.
	for ns in "${T_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -TERM "$pid" 2>/dev/null
		done
	done
	for ns in "${T_NETNS[@]}"; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			wait_for 3 pid_dead "$pid" || kill -KILL "$pid" 2>/dev/null
		done
	done
	for t in "${T_TAPS[@]}"; do
		# shellcheck disable=SC2086
		set -- $t
		ip -n "$1" link del dev "$2" 2>/dev/null
	done
	for ns in "${T_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "$T_PLANNED" ] && [ "$T_N" -ne "$T_PLANNED" ]; then
		echo "# planned $T_PLANNED tests, ran $T_N"
		T_FAILED=$((T_FAILED + 1))
	fi
	[ "$T_FAILED" -gt 0 ] || [ "$T_ABORT" -ne 0 ] && keep=1
	if [ "$keep" = 1 ] && [ -d "$T_DIR" ]; then
		# Logs of a failed run go where tests/run keeps its logs.
		local dest=$B/test-logs/$T_NAME.files
		rm -rf "$dest"
		mkdir -p "$dest" &&
			find "$T_DIR" -maxdepth 1 -type f -exec cp {} "$dest"/ \; &&
			echo "# files of this run: $dest"
	fi
	rm -rf "$T_DIR"
	[ "$T_ABORT" -ne 0 ] && exit "$T_ABORT"
	[ "$T_FAILED" -gt 0 ] && exit 1
	exit 0
}
trap t_cleanup EXIT
trap 'T_ABORT=130; echo "# interrupted"; exit 130' INT
trap 'T_ABORT=143; echo "# terminated"; exit 143' TERM
trap 'T_ABORT=129; echo "# hangup"; exit 129' HUP

# require CMD...: skip the whole file when a tool is missing.
require() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] || skip_all "$c is not available"
	done
}

# require_root_net: root, netns and /dev/net/tun, else skip the file.
require_root_net() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
	[ -c /dev/net/tun ] || skip_all "needs /dev/net/tun"
	require ip jq
}
