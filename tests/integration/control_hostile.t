#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The control socket under hostile input while a ping runs through the port:
# malformed JSON, wrong types, huge and negative numbers, values the table or
# the device refuses (each answered with its stable code and the field
# named), a line over the size limit, many concurrent clients, a silent
# client, a client that disconnects mid-request. Afterwards the device's
# settings are unchanged, enad answers, and the ping lost nothing.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
RPC=$B/tests/rpc_client
[ -x "$RPC" ] || skip_all "$RPC is not built"
require ping

# CODE|FIELD|DESCRIPTION|REQUEST (FIELD "-": none named; CODE ok: a result)
KEY80=6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa
indir_with() { # indir_with POS VALUE: a 128-entry table of 0/1 with VALUE at POS
	local i out=""
	for ((i = 0; i < 128; i++)); do out+="${out:+,}$([ $i = "$1" ] && echo "$2" || echo $((i % 2)))"; done
	echo "[$out]"
}
CASES=(
	"-32700|-|not JSON|garbage"
	"-32700|-|truncated JSON|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx\":"
	"-32700|-|nesting too deep|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.get\",\"params\":{\"a\":[[[[[[[[[[[[[[1]]]]]]]]]]]]]}}"
	"-32700|-|invalid UTF-8|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.get\",\"params\":{\"device\":\"$(printf '\xff\xfe')\"}}"
	"-32600|-|a batch|[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.get\"}]"
	"-32600|-|jsonrpc 1.0|{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"rings.get\"}"
	"-32600|-|method not a string|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":[\"rings.get\"]}"
	"-32601|-|unknown method|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.sett\"}"
	"-32602|-|by-position params|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":[512]}"
	"-32602|rx_mini|unknown parameter|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx_mini\":512}}"
	"-32602|rx|rx as a string|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx\":\"512\"}}"
	"-32602|rx|rx as a float|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx\":512.5}}"
	"-32602|rx|rx negative|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx\":-512}}"
	"-32602|rx|rx huge|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx\":99999999999999999999999999}}"
	"-32602|rx|rx not a power of 2|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"rx\":300}}"
	"-32602|tx|tx above the device maximum|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"tx\":4096}}"
	"-32602|large_llq_header|on/off as a string|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"large_llq_header\":\"on\"}}"
	"-32602|combined|more queues than the device has|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"channels.set\",\"params\":{\"combined\":3}}"
	"-32602|combined|129 queues|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"channels.set\",\"params\":{\"combined\":129}}"
	"-32602|mtu|MTU above the maximum|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"mtu.set\",\"params\":{\"mtu\":65536}}"
	"-32602|mtu|MTU null|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"mtu.set\",\"params\":{\"mtu\":null}}"
	"-32602|indir|indirection entry >= queue count|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"indir\":$(indir_with 77 2)}}"
	"-32602|indir[77]|indirection entry 128|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"indir\":$(indir_with 77 128)}}"
	"-32602|indir|indirection table too short|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"indir\":[0,1,0,1]}}"
	"-32602|indir_pairs|index >= table size|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"indir_pairs\":\"0:1 128:0\"}}"
	"-32602|indir|pair to a queue >= queue count|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"indir_pairs\":\"5:7\"}}"
	"-32602|indir|equal over more queues than exist|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"equal\":3}}"
	"-32602|weight|all weights 0|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"weight\":[0,0]}}"
	"-32602|key|key too short|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"key\":\"6d5a56da\"}}"
	"-32602|key|key too long|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"key\":\"${KEY80}00\"}}"
	"-32602|key|key not hex|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"key\":\"${KEY80//a/g}\"}}"
	"-32602|hfunc|unknown hash function|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"hfunc\":\"md5\"}}"
	"-32602|weight|two table forms|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rss.set\",\"params\":{\"equal\":2,\"weight\":[1,1]}}"
	"-32602|rx_usecs|rx-usecs too large|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"coalesce.set\",\"params\":{\"rx_usecs\":32768}}"
	"-32602|interval|ENI interval 3601|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eni.set_interval\",\"params\":{\"interval\":3601}}"
	"-32602|level|unknown log level|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"log.set_level\",\"params\":{\"level\":\"loud\"}}"
	"-32602|events[0]|unknown event|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"events\":[\"all\"]}}"
	"-32602|device|device not a name|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"device.show\",\"params\":{\"device\":\"../x\"}}"
	"-32602|-|a set without parameters|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{}}"
	"-32002|-|no such device|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.set\",\"params\":{\"device\":\"ena9\",\"rx\":512}}"
	"ok|-|a good request in between|{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.get\"}"
)
N_CLIENTS=16
plan $((3 + ${#CASES[@]} + 7))

topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
if wait_ping "$NS_HOST" "$PEER_ADDR" 15; then pass "ping through the port"; else bail "no ping"; fi

# fingerprint: what the device runs with (MTU, queues and depths, RSS).
fingerprint() {
	sim_q sim '[.mtu, (.queues.sq | map("\(.direction)\(.idx):\(.depth)") | join(",")),
		.rss.function, .rss.key, (.rss.table | map(tostring) | join(","))] | map(tostring) | join(" | ")'
}
before=$(fingerprint)

# A ping through the port for the whole test.
ip netns exec "$NS_HOST" ping -n -i 0.2 -W 2 "$PEER_ADDR" >"$T_DIR/ping.log" 2>&1 &
PING_PID=$!
track_pid "$PING_PID"
pass "background ping started"

# ---- every hostile request on one connection, answered in order
for c in "${CASES[@]}"; do
	printf '%s\n' "${c#*|*|*|}"
done >"$T_DIR/hostile.in"
"$RPC" -t 30 "$ENAD_SOCK" <"$T_DIR/hostile.in" >"$T_DIR/hostile.out" 2>"$T_DIR/hostile.err"
rc=$?
is "$rc $(wc -l <"$T_DIR/hostile.out")" "0 ${#CASES[@]}" "one answer per hostile line, then the connection closes"
i=0
while IFS= read -r line; do
	c=${CASES[i]}
	code=${c%%|*} rest=${c#*|}
	field=${rest%%|*} rest=${rest#*|}
	desc=${rest%%|*}
	got=$(jq -r '(.error.code // "ok" | tostring) + "|" + (.error.data.field // "-")' <<<"$line" 2>/dev/null)
	if [ "$got" = "$code|$field" ]; then
		pass "$desc: $code${field:+ ($field)}"
	else
		fail "$desc: $code ($field)" "got: $line"
	fi
	i=$((i + 1))
done <"$T_DIR/hostile.out"
for ((; i < ${#CASES[@]}; i++)); do fail "answer to case $i" "no answer"; done

# ---- a line over the limit: answered -32600, then closed
head -c 70000 /dev/zero | tr '\0' 'x' >"$T_DIR/long.in"
out=$("$RPC" -k -t 20 "$ENAD_SOCK" <"$T_DIR/long.in")
rc=$?
is "$rc $(jq -r '.error.code, .error.data.limit' <<<"$out" | xargs)" "0 -32600 65536" \
	"a line over 64 KiB: error -32600 with the limit, then the server closes"

# ---- a client that connects and says nothing, one that leaves mid-request,
# and many at once: the others are served meanwhile
"$RPC" -k -t 0 "$ENAD_SOCK" </dev/null >"$T_DIR/silent.out" 2>&1 &
SILENT=$!
track_pid "$SILENT"
printf '{"jsonrpc":"2.0","id":1,"method":"rings.set","params":{"rx":' | "$RPC" -c "$ENAD_SOCK"
printf '{"jsonrpc":"2.0","id":1,"method":"device.reset"}' | "$RPC" -c "$ENAD_SOCK"
for ((c = 0; c < N_CLIENTS; c++)); do
	for ((r = 0; r < 20; r++)); do
		printf '{"jsonrpc":"2.0","id":%d,"method":"%s"}\n' $r \
			"$([ $((r % 2)) = 0 ] && echo device.show || echo stats.get)"
	done | "$RPC" -t 60 "$ENAD_SOCK" >"$T_DIR/many-$c.out" 2>&1 &
	CLIENTS+=($!)
done
good=0
for ((c = 0; c < N_CLIENTS; c++)); do
	wait "${CLIENTS[c]}"
	[ "$(jq -r 'select(.result != null) | .id' "$T_DIR/many-$c.out" | xargs)" = \
		"$(seq -s ' ' 0 19)" ] && good=$((good + 1))
done
is "$good" "$N_CLIENTS" "$N_CLIENTS concurrent clients each get their 20 answers, in order"
pid_alive "$SILENT" && pass "the silent client is still connected (not yet idle for 60 s)" ||
	fail "the silent client is still connected"
stop_pid "$SILENT" 5

# ---- nothing changed, nothing broke
is "$(fingerprint)" "$before" "the device's settings are unchanged"
is "$(printf '{"jsonrpc":"2.0","id":1,"method":"device.show"}\n' | "$RPC" "$ENAD_SOCK" | jq -r .result.state)" \
	up "enad answers and the port is up"
kill -INT "$PING_PID"
wait "$PING_PID" 2>/dev/null
summary=$(grep -E 'packets transmitted' "$T_DIR/ping.log")
tx=$(sed -nE 's/^([0-9]+) packets transmitted.*/\1/p' <<<"$summary")
rx=$(sed -nE 's/.* ([0-9]+) received.*/\1/p' <<<"$summary")
if [ -n "$tx" ] && [ "$tx" -ge 3 ] && [ "$tx" = "$rx" ]; then
	pass "the ping kept answering ($summary)"
else
	fail "the ping kept answering" "$summary"
fi
enad_stop
is "$ENAD_RC" 0 "enad exits cleanly"
