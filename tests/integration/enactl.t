#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every enactl command against enad on enasim: each `set` (queues, ring
# sizes, MTU, coalescing, large LLQ headers, ENI interval, log level), each
# `rss` change (indir equal/weight/pairs, key, hfunc) and `reset` changes
# what the device sees (enasim ctl show) and what `enactl show`, `enactl
# rss show` and `enactl -j` report; `watch` prints link and config events;
# out-of-range values exit 1 naming the field and the allowed values and
# change nothing, usage errors exit 2; ring and queue changes under an
# iperf3 stream keep traffic and counters going; a queue change the device
# refuses midway is rolled back.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
have_enactl || skip_all "$ENACTL is not built"
require iperf3 ping ss

plan 109
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 4 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15 || bail "no ping through the port"
pass "enad runs on enasim, ping crosses the port"

# ectl ARGS...: enactl on our enad (text output).
ectl() { "$ENACTL" -s "$ENAD_SOCK" "$@"; }
# jshow PATH: one value of `enactl -j show` (jq path, e.g. .rings.rx).
jshow() { enactl_j show | jq -r "$1"; }
# text_show SECTION LABEL: LABEL's value in SECTION ("Settings", "Channel
# parameters", "Ring parameters", "Features") of the text `enactl show`;
# in sections with maximums, the current setting.
text_show() {
	ectl show | awk -v sec="$1 for " -v lab="$2" -F':[ \t]+' '
		/^[A-Z][a-z]+( [a-z]+)? for .*:$/ { insec = index($0, sec) == 1; cur = 1; next }
		/^Pre-set maximums:$/ { cur = 0; next }
		/^Current hardware settings:$/ { cur = 1; next }
		insec && cur && $1 == lab { print $2; exit }'
}
# sq_count DIR / sq_depths DIR: the device's TX or RX SQs, their depths.
sq_count() { sim_q sim "[.queues.sq[] | select(.direction == \"$1\")] | length"; }
sq_depths() {
	sim_q sim "[.queues.sq[] | select(.direction == \"$1\") | .depth] | unique | map(tostring) | join(\",\")"
}
# dev_table / cli_table / text_table: the RSS table as the device, enactl
# -j and enactl's text see it, one digit string per entry, space-separated.
dev_table() { sim_q sim '.rss.table | map(tostring) | join(" ")'; }
cli_table() { enactl_j rss show | jq -r '.indir | map(tostring) | join(" ")'; }
text_table() { ectl rss show | awk '/^ *[0-9]+:/ { for (i = 2; i <= NF; i++) printf "%s%s", n++ ? " " : "", $i } END { print "" }'; }
# rev_hex HEX: the bytes of HEX in reverse order.
rev_hex() { fold -w2 <<<"$1" | tac | tr -d '\n'; }
ping_ok() { ns_exec "$NS_HOST" ping -n -q -c 3 -i 0.2 -W 2 "$PEER_ADDR"; }

# ---------------------------------------------------------------- set queues
ok "set queues 3" ectl set queues 3
is "$(sq_count tx) $(sq_count rx)" "3 3" "set queues 3: the device has 3 TX and 3 RX SQs"
is "$(ectl show queues) $(jshow .queues) $(text_show 'Channel parameters' Combined)" "3 3 3" \
	"set queues 3: enactl show queues, -j show and the text show say 3"

# ------------------------------------------------------------ set ring sizes
ok "set rx-queue-size 512 tx-queue-size 256" ectl set rx-queue-size 512 tx-queue-size 256
is "rx=$(sq_depths rx) tx=$(sq_depths tx)" "rx=512 tx=256" "the device's RX SQs are 512 deep, TX 256"
is "$(jshow '"\(.rings.rx) \(.rings.tx)"') $(text_show 'Ring parameters' RX) $(text_show 'Ring parameters' TX)" \
	"512 256 512 256" "enactl -j show and the text show report rx 512 tx 256"

# ------------------------------------------------------------------- set mtu
ok "set mtu 4000" ectl set mtu 4000
is "$(sim_q sim .mtu)" 4000 "set mtu 4000: the device's MTU is 4000"
is "$(ip -n "$NS_HOST" -o link show dev "$HOST_IF" | grep -oE 'mtu [0-9]+')" "mtu 4000" \
	"set mtu 4000: ip link shows mtu 4000 on $HOST_IF"
is "$(ectl show mtu) $(jshow .mtu) $(text_show Settings MTU)" "4000 4000 4000" \
	"set mtu 4000: enactl show mtu, -j show and the text show say 4000"
ok "ping still crosses the port" ping_ok

# ---------------------------------------------------------------- coalescing
out=$(enactl_j set adaptive-rx off rx-usecs 40 tx-usecs 100)
is "$(jq -c '[.rx_usecs, .tx_usecs, .adaptive_rx, .config.rx_usecs, .config.tx_usecs, .config.adaptive_rx]' <<<"$out")" \
	"[40,100,false,40,100,false]" "enactl -j set adaptive-rx off rx-usecs 40 tx-usecs 100 answers the new values"
is "$(ectl show rx-usecs) $(ectl show tx-usecs) $(ectl show adaptive-rx) $(enactl_j show adaptive-rx)" \
	"40 100 off false" "enactl show rx-usecs / tx-usecs / adaptive-rx read them back"
# The delays reach the device with the next unmask of each vector.
vec_delays() { sim_q sim '[.io.vectors[] | "\(.rx_delay)/\(.tx_delay)"] | unique | join(" ")'; }
delays_are() { ns_ping "$NS_HOST" "$PEER_ADDR" >/dev/null; [ "$(vec_delays)" = "$1" ]; }
wait_for 15 delays_are "40/100"
is "$(vec_delays)" "40/100" "every interrupt vector of the device runs rx delay 40, tx delay 100"
ok "set adaptive-rx on" ectl set adaptive-rx on
is "$(enactl_j show adaptive-rx) $(ectl show rx-usecs) $(ectl show tx-usecs)" "true 40 100" \
	"adaptive-rx reads back on, the delays stay"

# ---------------------------------------------------------- large LLQ header
n0=$(sim_nreasons sim)
txmax0=$(jshow .rings.tx_max)
ok "set large-llq-header on" ectl set large-llq-header on
llq_large_up() { [ "$(sim_q sim .llq.entry_size)" = 256 ] && enad_is_up; }
wait_for 20 llq_large_up
is "$(sim_q sim .llq.entry_size)" 256 "large-llq-header on: the device's LLQ entries are 256 bytes"
if sim_new_reset sim "$n0"; then
	pass "large-llq-header on: the device was reset ($(sim_reasons_since sim "$n0"))"
else
	fail "large-llq-header on: the device was reset" "reset reasons: $(sim_q sim '[.reset_reasons[].name] | join(" ")')"
fi
is "$(jshow '"\(.llq.large_header) \(.llq.entry_size) \(.llq.max_header) \(.state)"')" "true 256 224 up" \
	"enactl -j show: large header on, 256-byte entries, 224-byte headers, up"
is "$(jshow .rings.tx_max)" $((txmax0 / 2)) "the TX maximum halves ($txmax0 -> $((txmax0 / 2)))"
is "$(ectl show large-llq-header) $(text_show 'Ring parameters' 'Large LLQ header') $(text_show Settings 'LLQ entry size')" \
	"on on 256" "enactl show large-llq-header and the text show agree"
is "$(sim_q sim .mtu) $(sq_count tx) rx=$(sq_depths rx) tx=$(sq_depths tx)" "4000 3 rx=512 tx=256" \
	"the reset kept mtu 4000, 3 queues, rings 512/256"
ok "traffic resumes after the LLQ reset" wait_ping "$NS_HOST" "$PEER_ADDR" 15

# ------------------------------------------------------------ eni-interval
gs() { sim_q sim .counters.admin_commands.get_stats; }
gs0=$(gs)
ok "set eni-interval 1" ectl set eni-interval 1
is "$(ectl show eni-interval) $(enactl_j show eni-interval)" "1 1" "enactl show eni-interval reads 1"
gs_grew() { [ "$(gs)" -ge $((gs0 + 2)) ]; }
if wait_for 15 gs_grew; then
	pass "eni-interval 1: enad samples the device's ENI counters (GET_STATS $gs0 -> $(gs))"
else
	fail "eni-interval 1: enad samples the device's ENI counters" "GET_STATS $gs0 -> $(gs)"
fi
ok "set eni-interval 0" ectl set eni-interval 0
is "$(enactl_j show eni-interval)" 0 "eni-interval reads back 0"

# --------------------------------------------------------------- log-level
# A port at level err does not log its config changes; at info it does.
n_mtu_calls() { grep -c 'control: mtu.set by pid .*: ok' "$ENAD_LOG"; }
ok "-i $HOST_IF set log-level err" ectl -i "$HOST_IF" set log-level err
is "$(ectl -i "$HOST_IF" show log-level) $(enactl_j -i "$HOST_IF" show log-level)" 'err "err"' \
	"the port's log level reads back err"
mtu_calls_gt() { [ "$(n_mtu_calls)" -gt "$1" ]; }
c0=$(n_mtu_calls)
ectl set mtu 4001 >/dev/null
wait_for 5 mtu_calls_gt "$c0"
fails "at level err the port does not log 'mtu = 4001'" grep -q "^enad\[$HOST_IF\]: mtu = 4001" "$ENAD_LOG"
ok "-i $HOST_IF set log-level info" ectl -i "$HOST_IF" set log-level info
ectl set mtu 4000 >/dev/null
ok "at level info the port logs 'mtu = 4000'" wait_for 5 grep -q "^enad\[$HOST_IF\]: mtu = 4000" "$ENAD_LOG"
ok "set log-level debug (the daemon's level, no -i)" ectl set log-level debug
is "$(enactl_j show log-level) $(ectl -i "$HOST_IF" show log-level)" '"debug" info' \
	"the daemon's level reads debug, the port's stays info"
ectl set log-level info >/dev/null

# --------------------------------------------------------------------- rss
ok "rss indir equal 2" ectl rss indir equal 2
want=$(for ((i = 0; i < 128; i++)); do printf '%s%d' "${i:+ }" $((i % 2)); done)
want=${want# }
is "$(dev_table)" "$want" "rss indir equal 2: the device's table alternates 0 1"
is "$(cli_table)|$(text_table)|$(enactl_j rss show | jq -r .config.indir)" "$want|$want|equal 2" \
	"enactl -j rss show, the text rss show and config.indir agree"

ok "rss indir weight 3 1" ectl rss indir weight 3 1
is "$(dev_table | tr ' ' '\n' | sort | uniq -c | awk '{ printf "%s%s:%s", n++ ? " " : "", $2, $1 }')" "0:96 1:32" \
	"rss indir weight 3 1: the device sends 96 entries to queue 0, 32 to queue 1"
dt=$(dev_table)
is "$(cli_table)|$(text_table)|$(enactl_j rss show | jq -r .config.indir)" "$dt|$dt|weight 3 1" \
	"enactl -j rss show, the text rss show and config.indir agree"

ectl rss indir equal 2 >/dev/null
ok "rss indir 0:1 5:0 (on the equal-2 table)" ectl rss indir 0:1 5:0
# shellcheck disable=SC2086 # one entry per line
want=$(printf '%s\n' $want | awk 'NR == 1 { $0 = 1 } NR == 6 { $0 = 0 } { printf "%s%s", (NR > 1 ? " " : ""), $0 } END { print "" }')
is "$(dev_table)" "$want" "rss indir 0:1 5:0: entry 0 -> queue 1, entry 5 -> queue 0, the rest unchanged"
is "$(cli_table)|$(text_table)|$(enactl_j rss show | jq -r .config.indir)" \
	"$want|$want|$want" "enactl -j rss show, the text rss show and config.indir (now the list of entries) agree"

KEY=6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa
KEYHEX=${KEY//:/}
ok "rss key (the Microsoft verification key)" ectl rss key "$KEY"
is "$(sim_q sim .rss.key)" "$(rev_hex "$KEYHEX")" "the device stores the key byte-reversed"
is "$(enactl_j rss show | jq -r '"\(.key) \(.config.key)"')" "$KEYHEX $KEYHEX" \
	"enactl -j rss show: key and config.key in the user's order"
is "$(ectl rss show | grep -A1 '^RSS hash key:' | tail -n 1)" "$KEY" "the text rss show prints the key as given"

ok "rss hfunc crc32" ectl rss hfunc crc32
is "$(sim_q sim .rss.function) $(enactl_j rss show | jq -r .hfunc) $(ectl rss show | grep -cE '^ +crc32: on$')" \
	"crc32 crc32 1" "rss hfunc crc32: the device, enactl -j rss show and the text show say crc32"
ok "rss hfunc toeplitz" ectl rss hfunc toeplitz
is "$(sim_q sim .rss.function) $(enactl_j rss show | jq -r .hfunc) $(ectl rss show | grep -cE '^ +toeplitz: on$')" \
	"toeplitz toeplitz 1" "rss hfunc toeplitz: back to toeplitz everywhere"

# ------------------------------------------------------------------- reset
n0=$(sim_nreasons sim)
ok "reset" ectl reset
reset_done() { [ "$(sim_reasons_since sim "$n0")" = "user_trigger normal" ] && enad_is_up; }
wait_for 20 reset_done
is "$(sim_reasons_since sim "$n0")" "user_trigger normal" \
	"the device recorded a user_trigger reset, then the normal one of bring-up"
is "$(ectl show state) $(jshow .state)" "up up" "enactl show state: up again"
is "$(sim_q sim .mtu) $(sq_count rx) $(sim_q sim .llq.entry_size) $(sim_q sim .rss.key)" \
	"4000 3 256 $(rev_hex "$KEYHEX")" "the reset kept mtu, queues, large LLQ and the RSS key"
ok "traffic resumes after the reset" wait_ping "$NS_HOST" "$PEER_ADDR" 15

# ------------------------------------------------------------------- watch
W=$T_DIR/watch.out
ectl watch >"$W" 2>&1 &
WPID=$!
track_pid "$WPID"
# enactl watch prints nothing when subscribed: change a knob until its
# config event shows up, then every later event reaches the file.
k=10
watch_ready() {
	k=$((k + 1))
	ectl set eni-interval $k >/dev/null
	grep -q "config .*key=eni_metrics_sample_interval value=$k" "$W"
}
wait_for 10 watch_ready || diag "enactl watch shows no config event"
ectl set eni-interval 0 >/dev/null
link_is() { [ "$(ectl show link)" = "$1" ]; }
sim_ctl sim link down >/dev/null
wait_for 10 link_is off
sim_ctl sim link up >/dev/null
wait_for 10 link_is on
ectl set mtu 1500 >/dev/null
wait_for 10 grep -q "config group=mtu" "$W"
ok "enactl watch is still running" pid_alive "$WPID"
stop_pid "$WPID"
down=$(grep -n -m1 -x "$HOST_IF: link down" "$W" | cut -d: -f1)
up=$(grep -n -x "$HOST_IF: link up" "$W" | tail -n 1 | cut -d: -f1)
if [ -n "$down" ] && [ -n "$up" ] && [ "$down" -lt "$up" ]; then
	pass "watch printed link down, then link up"
else
	fail "watch printed link down, then link up" "$(cat "$W")"
fi
like "$(cat "$W")" "$HOST_IF: config group=mtu field=mtu key=mtu value=1500" "watch printed the mtu config event"
is "$(sim_q sim .mtu)" 1500 "set mtu 1500 reached the device"

# ------------------------------------------------------------------ errors
# state: what the device runs and what enad reports, minus the clocks.
state() {
	sim_q sim '{mtu, sq: [.queues.sq[] | [.direction, .depth]], rss: .rss, llq: .llq.entry_size}' | jq -cS .
	enactl_j show | jq -cS 'del(.uptime_ms, .last_recovery_ms)'
	for w in rx-usecs tx-usecs adaptive-rx eni-interval log-level; do enactl_j show $w; done | xargs
	enactl_j rss show | jq -cS .
}
before=$(state)
# refused CODE STDERR_ERE ARGS...: enactl ARGS exits CODE with stderr matching.
refused() {
	local code=$1 ere=$2 err rc
	shift 2
	err=$(ectl "$@" 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" = "$code" ] && [[ $err =~ $ere ]]; then
		pass "enactl $* -> exit $code: ${err%%$'\n'*}"
	else
		fail "enactl $* -> exit $code, stderr matching $ere" "exit $rc: $err"
	fi
}
n_rx=$(jshow .rings.rx_max)
refused 1 "combined: 99 .*allowed: 1\.\.4" set queues 99
refused 1 "rx: 300 is not a power of 2 .*allowed: 256\.\.$n_rx" set rx-queue-size 300
refused 1 "rx: 32768 .*allowed: .*256\.\.$n_rx" set rx-queue-size 32768
refused 1 "tx: 1024 .*allowed: tx ring 256\.\.512" set tx-queue-size 1024
refused 1 "tx: 300 .*allowed: 256\.\.512" set tx-queue-size 300
refused 1 "tx: 300 .*allowed" set rx-queue-size 1024 tx-queue-size 300
refused 1 "mtu: 100000 .*allowed: 128\.\.9216" set mtu 100000
refused 1 "mtu: 127 .*allowed: 128\.\.9216" set mtu 127
refused 1 "rx_usecs: 40000 .*allowed: 0\.\.32767" set rx-usecs 40000
refused 1 "tx_usecs: 32768 .*allowed: 0\.\.32767" set tx-usecs 32768
refused 1 "interval: 4000 .*allowed: 0 \(off\) or 1\.\.3600" set eni-interval 4000
refused 1 "level: loud .*allowed: err\|warn\|info\|debug" set log-level loud
refused 1 "combined: 1 .*allowed: queues 0\.\.0" set queues 1
refused 1 "equal 7 .*allowed: queues 0\.\.2" rss indir equal 7
refused 1 "indir.*allowed: queues 0\.\.2.*queue 9" rss indir 0:9
refused 1 "indir_pairs: .*200:0.*allowed: .*ENTRY 0\.\.127" rss indir 200:0
refused 1 "weight.*all weights are 0" rss indir weight 0 0
refused 1 "key: 12 .*allowed: 80 hex digits" rss key 12
refused 1 "hfunc: md5 .*allowed: toeplitz\|crc32" rss hfunc md5
refused 1 'no device "nope" \(ports: ena0\)' -i nope show
refused 2 "'foo' is not a setting \(allowed: .*queues" set foo 1
refused 2 "wrong number of arguments" set queues
refused 2 "queues: 'abc' is not a number" set queues abc
refused 2 "adaptive-rx: 'maybe' is not on or off" set adaptive-rx maybe
refused 2 "'bogus' is not a command" bogus
refused 2 "rss: 'bogus' is not a subcommand" rss bogus
refused 2 "rss indir needs entries" rss indir
refused 2 "rss hfunc takes one argument" rss hfunc
after=$(state)
if [ "$before" = "$after" ]; then
	pass "nothing changed in enasim or in what enad reports"
else
	fail "nothing changed in enasim or in what enad reports" "$(diff <(echo "$before") <(echo "$after"))"
fi

# ------------------------------------------ ring and queue changes under load
ectl set queues 2 >/dev/null
wait_ping "$NS_HOST" "$PEER_ADDR" 15
iperf_server_start "$NS_PEER" "$PEER_ADDR" || bail "iperf3 server did not start"
tot() { enad_stats | jq -r ".totals.$1"; }
ns_exec "$NS_HOST" timeout 40 iperf3 -c "$PEER_ADDR" -t 8 -J >"$T_DIR/iperf.json" 2>&1 &
IPC=$!
track_pid "$IPC"
tx0=$(tot tx_packets)
moving() { [ "$(tot tx_packets)" -gt $(($1 + 1000)) ]; }
wait_for 15 moving "$tx0" || diag "no iperf3 traffic through enad"
b_tx=$(tot tx_packets) b_rx=$(tot rx_packets)
ok "set rx-queue-size 2048 under iperf3" ectl set rx-queue-size 2048
m_tx=$(tot tx_packets)
if wait_for 15 moving "$m_tx"; then pass "the stream goes on after the ring change"; else fail "the stream goes on after the ring change"; fi
ok "set queues 3 under iperf3" ectl set queues 3
m_tx=$(tot tx_packets)
if wait_for 15 moving "$m_tx"; then pass "the stream goes on after the queue change"; else fail "the stream goes on after the queue change"; fi
ok "iperf3 was still running after both changes" pid_alive "$IPC"
wait "$IPC"
rc=$?
got=$(jq -r '.end.sum_received.bytes // 0' "$T_DIR/iperf.json" 2>/dev/null)
if [ $rc = 0 ] && [ "${got:-0}" -gt 0 ]; then
	pass "iperf3 completes (exit 0, $got bytes received)"
else
	fail "iperf3 completes" "exit $rc" "$(tail -n 5 "$T_DIR/iperf.json")"
fi
iperf_server_stop
a_tx=$(tot tx_packets) a_rx=$(tot rx_packets)
cmp_ok "$a_tx" -ge "$b_tx" "enactl stats tx_packets continue ($b_tx -> $a_tx)"
cmp_ok "$a_rx" -ge "$b_rx" "enactl stats rx_packets continue ($b_rx -> $a_rx)"
is "$(sq_count rx) rx=$(sq_depths rx) $(jshow '"\(.queues) \(.rings.rx)"')" "3 rx=2048 3 2048" \
	"the device and enactl show 3 queues with 2048-deep RX rings"
ok "ping works after the changes" wait_ping "$NS_HOST" "$PEER_ADDR" 15
ok "enad is alive" enad_alive

# ----------------------------------------------- a refused change rolls back
ok "enasim: the next CREATE_SQ fails" sim_ctl sim fail-next create-sq
err=$(ectl set queues 4 2>&1 >/dev/null)
rc=$?
is "$rc" 1 "set queues 4 with a failing CREATE_SQ exits 1"
like "$err" "rolled back" "the message says it was rolled back ($err)"
is "$(ectl show queues) $(jshow .state) $(sq_count tx) $(sq_count rx)" "3 up 3 3" \
	"enactl show and the device still have the old 3 queues"
ok "ping still works" ping_ok

enad_stop
is "$ENAD_RC" 0 "enad stops on SIGTERM with exit 0"
