#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Control socket limits with real clients: 64 connected clients, the 65th
# told -32005 and closed while the port keeps moving traffic; a slot freed
# is usable again; a client silent for the idle timeout (60 s) is closed,
# an event subscriber is not.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
RPC=$B/tests/rpc_client
[ -x "$RPC" ] || skip_all "$RPC is not built"
require ping mkfifo

plan 8
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15 || bail "no ping through the port"

req() { printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$1" "$2" "${3:-{\}}"; }

# ---- 64 clients: each holds a connection, kept open through its own fifo;
# a request answered proves it is in
HOLD=() HOLD_FD=()
for ((i = 0; i < 64; i++)); do
	mkfifo "$T_DIR/hold-$i.in"
	"$RPC" -k -t 0 "$ENAD_SOCK" <"$T_DIR/hold-$i.in" >"$T_DIR/hold-$i.out" 2>&1 &
	HOLD+=($!)
	track_pid $!
	exec {fd}>"$T_DIR/hold-$i.in"
	HOLD_FD+=("$fd")
	req $i api.version >&"$fd"
done
in=0
for ((i = 0; i < 64; i++)); do
	wait_for 20 grep -q '"version"' "$T_DIR/hold-$i.out" && in=$((in + 1))
done
is "$in" 64 "64 clients connected and served"
out=$(req 1 api.version | "$RPC" -t 20 "$ENAD_SOCK")
rc=$?
is "$rc $(jq -r .error.code <<<"$out")" "0 -32005" "the 65th is answered -32005 and closed"
ok "the port moves traffic meanwhile" ns_exec "$NS_HOST" ping -n -c 3 -i 0.2 -W 2 "$PEER_ADDR"
stop_pid "${HOLD[0]}" 5
ok_new() { [ "$(req 1 api.version | "$RPC" "$ENAD_SOCK" | jq -r .result.version)" = 1 ]; }
if wait_for 10 ok_new; then pass "a freed slot takes a new client"; else fail "a freed slot takes a new client"; fi
for fd in "${HOLD_FD[@]}"; do exec {fd}>&-; done
for pid in "${HOLD[@]}"; do stop_pid "$pid" 5; done

# ---- idle: a silent client is closed, a subscriber is not
mkfifo "$T_DIR/sub.in"
"$RPC" -k -t 0 "$ENAD_SOCK" <"$T_DIR/sub.in" >"$T_DIR/sub.out" 2>&1 &
SUB=$!
track_pid "$SUB"
exec 8>"$T_DIR/sub.in"
req 1 events.subscribe '{"events":["link"]}' >&8
"$RPC" -k -t 120 "$ENAD_SOCK" </dev/null >"$T_DIR/silent.out" 2>&1 &
SILENT=$!
track_pid "$SILENT"
wait "$SILENT"
is "$? $(wc -c <"$T_DIR/silent.out")" "0 0" "a client silent for 60 s is closed (without a word)"
pid_alive "$SUB" && pass "the silent subscriber is still connected" ||
	fail "the silent subscriber is still connected" "$(cat "$T_DIR/sub.out")"
req 2 api.version >&8
wait_for 10 eval "jq -e 'select(.id == 2)' '$T_DIR/sub.out' >/dev/null"
is "$(jq -r 'select(.id == 2) | .result.version' "$T_DIR/sub.out")" 1 "... and still answers"
exec 8>&-
stop_pid "$SUB" 5

enad_stop
is "$ENAD_RC" 0 "enad exits cleanly"
