#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TAP datapath benchmark (issue 7): enad against a veth pair (the kernel's
# bound) and DPDK testpmd forwarding between two net_tap ports, measured the
# same way, interleaved, in one run. Prints one table, writes JSON. Never
# asserts a number.
#
# Topologies, each two namespaces A (sender, 10.77.0.1) and B (10.77.0.2):
#   veth     a veth pair A <-> B
#   testpmd  dpdk-testpmd --forward-mode=io between net_tap0 (in A) and
#            net_tap1 (in B); runs in the root namespace, started per round
#            (it spins ~1.5 cores, it must not run while the others are measured)
#   enad     enad's TAP ena0 in A, enasim's tap wire in B (enad's defaults;
#            enasim polls like hardware while traffic is light: SIM_ARGS;
#            enasim on a CPU of its own: SIM_CPU; enad's workers not pinned,
#            since iperf3 and ping share their CPUs: ENAD_KV)
# First every round of ping A -> B every 20 ms, on a machine that has not
# yet carried bulk traffic (per-packet times: p50, p99); then, per topology
# and round: iperf3 TCP 1 and 2 streams (A -> B), iperf3 UDP
# 64-byte payload (-b 0) packets/s received, trafgen 60-byte frames/s
# received at B's interface, and the CPU (utime+stime from /proc/PID/stat)
# of the forwarder's processes: s per GB (TCP 1 stream) and s per million
# packets (UDP 64).
# Then enad only: 1, 2, 4 queues and ring sizes 256..4096 (enactl set), and
# enad's VmRSS / HugetlbPages per setting.
#
# Usage: tests/bench/tap_bench.sh  (as root; B=build by default)
#   QUICK=1      1-2 s per measurement, one round (smoke test of the script)
#   ROUNDS=N     rounds (default 2; values are medians over rounds)
#   DUR=S        seconds per iperf3/trafgen run (default 5)
#   PING_N=N     pings per round (default 1000)
#   SETTLE=S     seconds to wait after each testpmd run (default 30, 5 with
#                QUICK=1, 0 = none): freeing its memory slows this VM down
#                for that long
#   PING_INTERVAL=S  seconds between pings (default 0.02; iputils ping spins
#                a CPU below 10 ms, which is not what a user's ping does)
#   TOPOS="veth testpmd enad"  which topologies; SCALING=0 skips the scaling part
#   METRICS="tcp1 tcp2 udp64 trafgen60 ping"  which measurements (all by default)
#   ENAD_KV="key=value ..."  extra enad.conf keys for the enad topology
#                (default "pin_workers=off num_io_queues=1": a worker pinned
#                to the CPU the sender runs on waits behind it, RESULTS.md
#                session 5; one queue pair, as testpmd forwards with; the
#                scaling part measures 1, 2 and 4)
#   SIM_ARGS="..."  enasim options (default "--poll-us 50000": a device sees a
#                doorbell at once, a sleeping emulator needs a wakeup that
#                real hardware does not; 50 ms outlasts the ping interval;
#                its CPU is reported separately)
#   SIM_CPU=N    the CPU enasim is pinned to (default the last one); empty:
#                no pinning
#   OUT=FILE     JSON output (default $B/bench/tap_bench.json)
#   PROFILE=DIR  perf profiles of enad and enasim during UDP 64 and ping, in DIR
# Everything started (by PID) and every namespace is removed on exit or ^C.
. "$(dirname "$0")/../integration/lib.sh"

QUICK=${QUICK:-0}
if [ "$QUICK" = 1 ]; then
	ROUNDS=${ROUNDS:-1} DUR=${DUR:-2} PING_N=${PING_N:-300} SETTLE=${SETTLE:-5}
else
	ROUNDS=${ROUNDS:-2} DUR=${DUR:-5} PING_N=${PING_N:-1000} SETTLE=${SETTLE:-30}
fi
PING_INTERVAL=${PING_INTERVAL:-0.02}
NCPU=$(nproc)
SIM_CPU=${SIM_CPU-$((NCPU > 1 ? NCPU - 1 : -1))}
[ "$SIM_CPU" = -1 ] && SIM_CPU=""
TOPOS=${TOPOS:-veth testpmd enad}
SCALING=${SCALING:-1}
METRICS=${METRICS:-tcp1 tcp2 udp64 trafgen60 ping}
OUT=${OUT:-$B/bench/tap_bench.json}
SIM_ARGS=${SIM_ARGS---poll-us 50000}
ENAD_KV=${ENAD_KV-pin_workers=off num_io_queues=1}
TESTPMD=${TESTPMD:-dpdk-testpmd}
HZ=$(getconf CLK_TCK)
RES=$T_DIR/results   # "topo metric round value" lines
: >"$RES"
ADDR_A=10.77.0.1
ADDR_B=10.77.0.2

say() { echo "# $*" >&2; }

die() { echo "tap_bench: $*" >&2; T_ABORT=1; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root"
[ -z "$SIM_CPU" ] || { [[ "$SIM_CPU" =~ ^[0-9]+$ ]] && ((SIM_CPU < NCPU)); } ||
	die "SIM_CPU=$SIM_CPU: allowed a CPU number 0..$((NCPU - 1)), or empty (no pinning)"
[[ "$SETTLE" =~ ^[0-9]+$ ]] || die "SETTLE=$SETTLE: allowed whole seconds (30)"
[[ "$PING_INTERVAL" =~ ^[0-9]*\.?[0-9]+$ ]] ||
	die "PING_INTERVAL=$PING_INTERVAL: allowed seconds as a decimal number (0.02)"
[ -c /dev/net/tun ] || die "needs /dev/net/tun"
for c in ip jq iperf3 ping awk; do command -v $c >/dev/null || die "$c is missing"; done
HAVE_TRAFGEN=0; command -v trafgen >/dev/null && HAVE_TRAFGEN=1
HAVE_TESTPMD=0; command -v "$TESTPMD" >/dev/null && HAVE_TESTPMD=1
[ -z "${PROFILE:-}" ] || command -v perf >/dev/null || die "PROFILE needs perf (Debian: linux-perf)"
[ $HAVE_TESTPMD = 1 ] || say "dpdk-testpmd is missing (Debian: dpdk-dev): no testpmd column"

# ------------------------------------------------------------------ helpers

record() { echo "$1 $2 $3 $4" >>"$RES"; }

# cpu_ticks PID...: utime+stime of all threads of the PIDs, in ticks.
cpu_ticks() {
	local p stat f t=0
	for p in "$@"; do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		# shellcheck disable=SC2206
		f=(${stat##*) })
		t=$((t + f[11] + f[12]))
	done
	echo $t
}

# all_ticks: CPU ticks of the whole machine, idle included (the capacity).
all_ticks() { awk '/^cpu /{print $2+$3+$4+$5+$6+$7+$8+$9; exit}' /proc/stat; }
steal_ticks() { awk '/^cpu /{print $9; exit}' /proc/stat; }

# foreign_ticks TOPO: CPU ticks of every process that is not part of this
# benchmark (other users of the machine, kernel threads): a noise flag.
foreign_ticks() {
	local ours=" $$ ${CPU_PIDS[$1]:-} $(ip netns pids "${NSA[$1]}" 2>/dev/null) $(ip netns pids "${NSB[$1]}" 2>/dev/null) "
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v ours="$ours" '
		{ pid = $1; sub(/^.*\) /, ""); if (index(ours, " " pid " ") == 0) t += $12 + $13 }
		END { print t + 0 }'
}

ns_new() { # ns_new NAME: namespace with lo up, IPv6 off (no stray packets)
	netns_create "$1" || return 1
	ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

addr_up() { # addr_up NS IF ADDR
	ip -n "$1" addr add "$3/24" dev "$2" && ip -n "$1" link set dev "$2" up
}

# Per-topology state: namespaces, interfaces, PIDs whose CPU is counted.
declare -A NSA NSB IFA IFB CPU_PIDS

# ----------------------------------------------------------------- veth
veth_setup() {
	NSA[veth]=tb-$T_ID-va NSB[veth]=tb-$T_ID-vb IFA[veth]=vetha IFB[veth]=vethb
	ns_new "${NSA[veth]}" && ns_new "${NSB[veth]}" &&
		ip link add vetha netns "${NSA[veth]}" type veth peer name vethb netns "${NSB[veth]}" &&
		addr_up "${NSA[veth]}" vetha $ADDR_A && addr_up "${NSB[veth]}" vethb $ADDR_B &&
		wait_ping "${NSA[veth]}" $ADDR_B 10
	CPU_PIDS[veth]=""
}
veth_round_start() { :; }
veth_round_stop() { :; }

# ----------------------------------------------------------------- testpmd
TP_PID="" TP_PREFIX=tb-$T_ID
testpmd_setup() {
	NSA[testpmd]=tb-$T_ID-ta NSB[testpmd]=tb-$T_ID-tb IFA[testpmd]=tbtap$$a IFB[testpmd]=tbtap$$b
	ns_new "${NSA[testpmd]}" && ns_new "${NSB[testpmd]}"
}
# testpmd runs only during its own measurements: it spins its cores.
testpmd_round_start() {
	local fifo=$T_DIR/testpmd.in log=$T_DIR/testpmd.log
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	# stdbuf: its output goes to a file; we wait for a line of it.
	stdbuf -oL "$TESTPMD" --no-huge -m 1024 --no-pci --no-shconf --no-telemetry \
		--file-prefix "$TP_PREFIX" --vdev="net_tap0,iface=${IFA[testpmd]}" \
		--vdev="net_tap1,iface=${IFB[testpmd]}" -l 0-1 -- --forward-mode=io --auto-start \
		<"$fifo" >"$log" 2>&1 &
	TP_PID=$!
	track_pid "$TP_PID"
	exec 7>"$fifo" # a newline on it stops testpmd at once (SIGINT can take 20 s)
	wait_for 30 grep -q 'packet forwarding - ports=' "$log" ||
		{ say "testpmd did not start:"; tail -n 20 "$log" >&2; return 1; }
	ip link set "${IFA[testpmd]}" netns "${NSA[testpmd]}" &&
		ip link set "${IFB[testpmd]}" netns "${NSB[testpmd]}" &&
		addr_up "${NSA[testpmd]}" "${IFA[testpmd]}" $ADDR_A &&
		addr_up "${NSB[testpmd]}" "${IFB[testpmd]}" $ADDR_B &&
		wait_ping "${NSA[testpmd]}" $ADDR_B 10 || return 1
	CPU_PIDS[testpmd]=$TP_PID
}
testpmd_round_stop() {
	[ -n "$TP_PID" ] || return 0
	echo 2>/dev/null >&7
	exec 7>&-
	wait_for 10 pid_dead "$TP_PID"
	stop_pid "$TP_PID" 5
	TP_PID=""
	rm -rf "/run/dpdk/$TP_PREFIX"
}

# ----------------------------------------------------------------- enad
enad_setup() {
	topology_setup || return 1
	NSA[enad]=$NS_HOST NSB[enad]=$NS_PEER IFA[enad]=$HOST_IF IFB[enad]=simp
	# 4 queues and 4096-deep TX rings so that the scaling part can use them.
	# The device gets a CPU of its own, as silicon would (SIM_CPU, RESULTS.md
	# session 4); enad's workers are left to the scheduler (ENAD_KV).
	local wrap="" kv=$ENAD_KV
	[ -z "$SIM_CPU" ] || wrap="taskset -c $SIM_CPU"
	# shellcheck disable=SC2086
	SIM_WRAP=$wrap sim_start sim --queues 4 --tx-depth 4096 $SIM_ARGS || return 1
	peer_setup sim || return 1
	# shellcheck disable=SC2086
	ENAD_LOG_LEVEL=warn enad_conf $kv | enad_start || return 1
	host_setup || return 1
	wait_ping "$NS_HOST" "$PEER_ADDR" 15 || return 1
	CPU_PIDS[enad]="$ENAD_PID ${SIM_PID[sim]}"
}
enad_round_start() { :; }
enad_round_stop() { :; }

# --------------------------------------------------------------- measurements

# cpu_begin TOPO / cpu_end TOPO: CPU ticks of the forwarder processes
# (enad and enasim separately), and of the whole machine outside them.
cpu_begin() {
	local p
	C0=()
	for p in ${CPU_PIDS[$1]}; do C0+=("$(cpu_ticks "$p")"); done
	A0=$(all_ticks) S0=$(steal_ticks) F0=$(foreign_ticks "$1")
}
# cpu_end TOPO: sets CPU_S (per process, seconds, space separated), STEAL_PCT.
cpu_end() {
	local p i=0
	CPU_S=""
	for p in ${CPU_PIDS[$1]}; do
		CPU_S+="$(awk -v a="${C0[i]}" -v b="$(cpu_ticks "$p")" -v hz="$HZ" 'BEGIN{printf "%.3f", (b-a)/hz}') "
		i=$((i + 1))
	done
	STEAL_PCT=$(awk -v a="$A0" -v b="$(all_ticks)" -v s0="$S0" -v s1="$(steal_ticks)" \
		'BEGIN{ d = b - a; x = (d > 0) ? 100 * (s1 - s0) / d : 0; printf "%.1f", x }')
	# Of the machine's capacity (all CPUs) over the run.
	OTHER_PCT=$(awk -v a="$A0" -v b="$(all_ticks)" -v f0="$F0" -v f1="$(foreign_ticks "$1")" \
		'BEGIN{ d = b - a; x = (d > 0) ? 100 * (f1 - f0) / d : 0; if (x < 0) x = 0; printf "%.1f", x }')
}

# record_cpu TOPO ROUND KIND UNITS: per process: seconds per UNITS (GB or Mpkt).
record_cpu() {
	local topo=$1 r=$2 kind=$3 units=$4 names i=0 s
	case $topo in enad) names=(enad enasim) ;; testpmd) names=(testpmd) ;; *) return ;; esac
	for s in $CPU_S; do
		record "$topo" "cpu_${names[i]}_$kind" "$r" \
			"$(awk -v s="$s" -v u="$units" 'BEGIN{ if (u > 0) printf "%.3f", s/u; else print "null" }')"
		i=$((i + 1))
	done
}

iperf_tcp() { # iperf_tcp TOPO ROUND STREAMS
	local t=$1 r=$2 n=$3 j=$T_DIR/iperf.json bps bytes
	cpu_begin "$t"
	ip netns exec "${NSA[$t]}" timeout $((DUR + 30)) iperf3 -c $ADDR_B -t "$DUR" -P "$n" -J >"$j" 2>&1
	cpu_end "$t"
	bps=$(jq -r '.end.sum_received.bits_per_second // 0' "$j" 2>/dev/null || echo 0)
	bytes=$(jq -r '.end.sum_received.bytes // 0' "$j" 2>/dev/null || echo 0)
	record "$t" "tcp$n" "$r" "$(awk -v b="$bps" 'BEGIN{printf "%.2f", b/1e9}')"
	[ "$n" = 1 ] && record_cpu "$t" "$r" s_per_gb "$(awk -v b="$bytes" 'BEGIN{print b/1e9}')"
	record "$t" "steal_tcp$n" "$r" "$STEAL_PCT"
	record "$t" "other_tcp$n" "$r" "$OTHER_PCT"
}

# PROFILE=DIR: sample enad and enasim (perf, cpu-clock, call graphs) during
# the main UDP 64 and ping runs: DIR/METRIC-ROUND.perf.data, and a symbol
# summary per metric, DIR/METRIC.txt.
PERF_PID="" PERF_NAME="" PERF_FILE=""
profile_start() { # profile_start TOPO ROUND METRIC
	[ -n "${PROFILE:-}" ] && [ "$1" = enad ] && [[ "$2" =~ ^[0-9]+$ ]] || return 0
	mkdir -p "$PROFILE"
	PERF_NAME=$3 PERF_FILE=$PROFILE/$3-$2.perf.data
	perf record -q -e cpu-clock -g -p "$ENAD_PID,${SIM_PID[sim]}" -o "$PERF_FILE" \
		>/dev/null 2>&1 &
	PERF_PID=$!
}
profile_stop() {
	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID" 2>/dev/null
	wait "$PERF_PID" 2>/dev/null
	perf report -q -i "$PERF_FILE" --no-children --sort comm,sym \
		--stdio -g none 2>/dev/null | grep -v '^$' | head -50 >"$PROFILE/$PERF_NAME.txt"
	PERF_PID=""
}

iperf_udp64() { # iperf_udp64 TOPO ROUND [STREAMS]
	local t=$1 r=$2 n=${3:-1} j=$T_DIR/iperf.json pk
	cpu_begin "$t"
	profile_start "$t" "$r" udp64
	ip netns exec "${NSA[$t]}" timeout $((DUR + 30)) iperf3 -c $ADDR_B -u -l 64 -b 0 -t "$DUR" -P "$n" -J >"$j" 2>&1
	cpu_end "$t"
	profile_stop
	# The server's count: packets sent minus the ones it saw lost.
	pk=$(jq -r '(.end.sum.packets // 0) - (.end.sum.lost_packets // 0)' "$j" 2>/dev/null || echo 0)
	[ "$pk" -ge 0 ] 2>/dev/null || pk=0
	record "$t" udp64_kpps "$r" "$(awk -v p="$pk" -v d="$DUR" 'BEGIN{printf "%.1f", p/d/1e3}')"
	record_cpu "$t" "$r" s_per_mpkt "$(awk -v p="$pk" 'BEGIN{print p/1e6}')"
	record "$t" other_udp64 "$r" "$OTHER_PCT"
}

trafgen60() { # trafgen60 TOPO ROUND: 60-byte UDP frames A -> B, counted at B's interface
	local t=$1 r=$2 conf=$T_DIR/trafgen.cfg mb ma rx0 rx1
	[ $HAVE_TRAFGEN = 1 ] || return 0
	ma=$(ip netns exec "${NSA[$t]}" cat "/sys/class/net/${IFA[$t]}/address")
	mb=$(ip netns exec "${NSB[$t]}" cat "/sys/class/net/${IFB[$t]}/address")
	# 14 + 20 + 8 + 18 = 60 bytes; checksums computed by trafgen.
	cat >"$conf" <<-EOF
	{ eth(da=$mb, sa=$ma), ipv4(da=$ADDR_B, sa=$ADDR_A, ttl=64), udp(sp=9, dp=9), fill(0x41, 18) }
	EOF
	rx0=$(netdev_stat "${NSB[$t]}" "${IFB[$t]}" rx_packets)
	cpu_begin "$t"
	ip netns exec "${NSA[$t]}" timeout -s INT "$DUR" trafgen --dev "${IFA[$t]}" --conf "$conf" \
		--cpus 1 --no-sock-mem --notouch-irq --qdisc-path >"$T_DIR/trafgen.log" 2>&1
	sleep 0.2
	cpu_end "$t"
	rx1=$(netdev_stat "${NSB[$t]}" "${IFB[$t]}" rx_packets)
	record "$t" trafgen60_kpps "$r" "$(awk -v a="$rx0" -v b="$rx1" -v d="$DUR" 'BEGIN{printf "%.1f", (b-a)/d/1e3}')"
}

ping_rtt() { # ping_rtt TOPO ROUND: p50 and p99 of per-packet RTTs (µs), CPU % of one core
	local t=$1 r=$2 f=$T_DIR/ping.txt t0 t1
	cpu_begin "$t"
	t0=$(date +%s.%N)
	profile_start "$t" "$r" ping
	ip netns exec "${NSA[$t]}" ping -n -i "$PING_INTERVAL" -c "$PING_N" -W 1 $ADDR_B 2>&1 |
		sed -n 's/.* time=\([0-9.]*\) ms.*/\1/p' | sort -g >"$f"
	cpu_end "$t"
	t1=$(date +%s.%N)
	profile_stop
	awk -v r="$r" -v t="$t" '{ v[NR] = $1 * 1000 }
		END { if (NR == 0) { print t, "ping_p50_us", r, "null"; print t, "ping_p99_us", r, "null"; exit }
			i50 = int(NR * 0.50); if (i50 < 1) i50 = 1
			i99 = int(NR * 0.99 + 0.999); if (i99 > NR) i99 = NR
			printf "%s ping_p50_us %s %.0f\n%s ping_p99_us %s %.0f\n", t, r, v[i50], t, r, v[i99] }' \
		"$f" >>"$RES"
	# What the forwarder burns to give that latency: seconds per 100 s = %.
	record_cpu "$t" "$r" ping_pct "$(awk -v a="$t0" -v b="$t1" 'BEGIN{print (b-a)/100}')"
	record "$t" ping_replies "$r" "$(wc -l <"$f")"
	record "$t" other_ping "$r" "$OTHER_PCT"
}

# Latency is measured in a phase of its own, before any throughput run: a
# few GB of TCP leave this VM slow for 20-30 s afterwards, whichever path
# the traffic took (RESULTS.md session 6), and that tail would belong to
# the run before, not to the topology measured.
measure_latency() { # measure_latency TOPO ROUND
	say "round $2: $1 (latency)"
	ping_rtt "$1" "$2"
}
measure_throughput() { # measure_throughput TOPO ROUND
	say "round $2: $1 (throughput)"
	if want tcp1 || want tcp2 || want udp64; then
		iperf_server_start "${NSB[$1]}" $ADDR_B || { say "$1: iperf3 server did not start"; return 1; }
		want tcp1 && iperf_tcp "$1" "$2" 1
		want tcp2 && iperf_tcp "$1" "$2" 2
		want udp64 && iperf_udp64 "$1" "$2"
		iperf_server_stop
	fi
	want trafgen60 && trafgen60 "$1" "$2"
	return 0
}
# run_phase KIND: every round, every topology in turn (interleaved).
run_phase() {
	local round t
	for ((round = 1; round <= ROUNDS; round++)); do
		for t in "${active[@]}"; do
			"${t}_round_start" || { say "$t: round start failed"; "${t}_round_stop"; continue; }
			"measure_$1" "$t" "$round"
			"${t}_round_stop"
			# testpmd frees its 1 GB when it exits; the VM is slow for
			# 20-30 s afterwards (RESULTS.md session 6), and that must
			# not be measured as the next topology's.
			if [ "$t" = testpmd ] && [ "$SETTLE" != 0 ]; then
				say "settling ${SETTLE}s after testpmd"
				sleep "$SETTLE"
			fi
		done
	done
}
want() { [[ " $METRICS " == *" $1 "* ]]; }

# ----------------------------------------------------------------- scaling
mem_of() { # mem_of PID: "VmRSS_kB HugetlbPages_kB"
	awk '/^VmRSS:/{r=$2} /^HugetlbPages:/{h=$2} END{print r+0, h+0}' "/proc/$1/status"
}

enad_set() { # enad_set WORD VALUE...: enactl set, then wait until the port is up and answers
	enactl_j -i "$HOST_IF" set "$@" >/dev/null || { say "enactl set $* failed"; return 1; }
	wait_for 15 enad_is_up
	# A reconfiguration may take the TAP down; it keeps its address.
	ip -n "$NS_HOST" link set dev "$HOST_IF" up 2>/dev/null
	wait_ping "$NS_HOST" "$PEER_ADDR" 15
}

scaling() {
	local q rs mem
	iperf_server_start "$NS_PEER" $ADDR_B || return 1
	for q in 1 2 4; do
		say "scaling: $q queues"
		enad_set queues "$q" || continue
		iperf_tcp enad "q$q" 4
		iperf_udp64 enad "q$q" 4
		mem=$(mem_of "$ENAD_PID")
		record enad rss_kb "q$q" "${mem% *}"
		record enad hugetlb_kb "q$q" "${mem#* }"
	done
	enad_set queues 1 || return 1
	for rs in 256 512 1024 2048 4096; do
		say "scaling: 1 queue, rings $rs"
		enad_set rx-queue-size "$rs" tx-queue-size "$rs" || { record enad tcp1 "r$rs" null; continue; }
		iperf_tcp enad "r$rs" 1
		iperf_udp64 enad "r$rs"
		mem=$(mem_of "$ENAD_PID")
		record enad rss_kb "r$rs" "${mem% *}"
	done
	iperf_server_stop
}

# ------------------------------------------------------------------ run
bench_cleanup() {
	testpmd_round_stop 2>/dev/null
	rm -rf "/run/dpdk/$TP_PREFIX"
}
trap 'bench_cleanup; t_cleanup' EXIT

active=()
for t in $TOPOS; do
	[ "$t" = testpmd ] && [ $HAVE_TESTPMD = 0 ] && continue
	"${t}_setup" || die "$t: setup failed"
	active+=("$t")
done
say "topologies: ${active[*]}; $ROUNDS round(s), ${DUR}s per run, $PING_N pings every ${PING_INTERVAL}s; enasim ${SIM_ARGS:-(no options)}, CPU ${SIM_CPU:-any}; enad ${ENAD_KV:-(defaults)}"
want ping && run_phase latency
if want tcp1 || want tcp2 || want udp64 || want trafgen60; then run_phase throughput; fi
enad_cfg=""
if [[ " ${active[*]} " == *" enad "* ]]; then
	enactl_j -i "$HOST_IF" show >"$T_DIR/enad-show.json" 2>/dev/null
	enad_cfg=$(jq -c "{queues: .queues, rx_ring: .rx_queue_size, tx_ring: .tx_queue_size}" "$T_DIR/enad-show.json" 2>/dev/null)
	[ "$SCALING" = 1 ] && scaling
fi

# --------------------------------------------------------------- report
# Median over rounds of each (topo, metric, round-kind); "null" values skipped.
mkdir -p "$(dirname "$OUT")"
awk '$4 != "null" && $4 != "" { k = $1 " " $2 " " ($3 ~ /^[0-9]+$/ ? "main" : $3); n[k]++; v[k, n[k]] = $4 }
	END { for (k in n) { m = n[k]
		for (i = 1; i <= m; i++) a[i] = v[k, i]
		for (i = 2; i <= m; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j+1] = a[j]; a[j+1] = x }
		med = (m % 2) ? a[(m+1)/2] : (a[m/2] + a[m/2+1]) / 2
		print k, med } }' "$RES" | sort >"$T_DIR/med"

jq -R -s --arg date "$(date -Is)" --arg kernel "$(uname -r)" --argjson rounds "$ROUNDS" \
	--argjson dur "$DUR" --argjson settle "$SETTLE" --argjson ping_n "$PING_N" --arg cpus "$(nproc)" --arg sim_args "$SIM_ARGS" \
	--arg sim_cpu "$SIM_CPU" --arg ping_interval "$PING_INTERVAL" --arg enad_kv "$ENAD_KV" \
	--slurpfile raw <(awk '{ printf "{\"topo\":\"%s\",\"metric\":\"%s\",\"round\":\"%s\",\"value\":%s}\n", $1, $2, $3, ($4 == "" ? "null" : $4) }' "$RES") '
	[ split("\n")[] | select(length > 0) | split(" ") ] as $rows
	| { date: $date, kernel: $kernel, cpus: ($cpus | tonumber), rounds: $rounds,
	    seconds_per_run: $dur, settle_after_testpmd_s: $settle, pings: $ping_n, ping_interval_s: ($ping_interval | tonumber),
	    enasim_args: $sim_args, enasim_cpu: $sim_cpu, enad_conf: $enad_kv,
	    median: (reduce $rows[] as $r ({}; .[$r[0]][$r[2]][$r[1]] = ($r[3] | tonumber))),
	    raw: $raw }
	| .ratios_enad_over_testpmd = (if .median.enad.main and .median.testpmd.main then
		(.median.enad.main as $e | .median.testpmd.main as $t
		 | reduce ($e | keys[]) as $k ({}; if ($t[$k] // 0) != 0 then .[$k] = (($e[$k] / $t[$k]) * 100 | round / 100) else . end))
	  else null end)
	| .enad_cpu_s_per_mpkt_total = ((.median.enad.main.cpu_enad_s_per_mpkt // 0) + (.median.enad.main.cpu_enasim_s_per_mpkt // 0))' \
	"$T_DIR/med" >"$OUT" || die "cannot write $OUT"

# The table.
v() { jq -r --arg t "$1" --arg k "$2" --arg m "${3:-main}" '.median[$t][$m][$k] // "-"' "$OUT"; }
echo
printf '%-22s %10s %10s %10s %10s\n' metric veth testpmd enad "enad/tpmd"
for m in tcp1:"TCP 1 stream Gbit/s" tcp2:"TCP 2 streams Gbit/s" udp64_kpps:"UDP 64 B rx kpps" \
	trafgen60_kpps:"trafgen 60 B rx kpps" ping_p50_us:"ping p50 us" ping_p99_us:"ping p99 us" \
	cpu_testpmd_s_per_gb:"testpmd CPU s/GB" cpu_enad_s_per_gb:"enad CPU s/GB" \
	cpu_enasim_s_per_gb:"enasim CPU s/GB" cpu_testpmd_s_per_mpkt:"testpmd CPU s/Mpkt" \
	cpu_enad_s_per_mpkt:"enad CPU s/Mpkt" cpu_enasim_s_per_mpkt:"enasim CPU s/Mpkt" \
	cpu_testpmd_ping_pct:"testpmd CPU % (ping)" cpu_enad_ping_pct:"enad CPU % (ping)" \
	cpu_enasim_ping_pct:"enasim CPU % (ping)" \
	steal_tcp1:"steal % (TCP 1)" other_tcp1:"other CPU % (TCP 1)" other_udp64:"other CPU % (UDP)" \
	other_ping:"other CPU % (ping)"; do
	k=${m%%:*}
	printf '%-22s %10s %10s %10s %10s\n' "${m#*:}" "$(v veth "$k")" "$(v testpmd "$k")" "$(v enad "$k")" \
		"$(jq -r --arg k "$k" '.ratios_enad_over_testpmd[$k] // "-"' "$OUT")"
done
echo "enad CPU per packet vs testpmd: enad $(v enad cpu_enad_s_per_mpkt) us/pkt," \
	"testpmd $(v testpmd cpu_testpmd_s_per_mpkt) us/pkt (s/Mpkt = us/pkt)"
if [ "$SCALING" = 1 ] && [[ " ${active[*]} " == *" enad "* ]]; then
	echo
	printf '%-14s %12s %12s %10s %12s\n' "enad setting" "TCP Gbit/s" "UDP64 kpps" "RSS MiB" "hugetlb MiB"
	for s in q1 q2 q4 r256 r512 r1024 r2048 r4096; do
		case $s in q*) lbl="${s#q} queue(s), P4" tk=tcp4 ;; *) lbl="ring ${s#r}" tk=tcp1 ;; esac
		printf '%-14s %12s %12s %10s %12s\n' "$lbl" "$(v enad $tk $s)" "$(v enad udp64_kpps $s)" \
			"$(v enad rss_kb $s | awk '{ if ($1 == "-") print "-"; else printf "%.1f", $1/1024 }')" \
			"$(v enad hugetlb_kb $s | awk '{ if ($1 == "-") print "-"; else printf "%.1f", $1/1024 }')"
	done
fi
echo
echo "JSON: $OUT  (enad: ${enad_cfg:-?})"
