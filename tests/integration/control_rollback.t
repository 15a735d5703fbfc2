#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A change the device refuses midway is rolled back: channels.set with an
# injected CREATE_SQ failure (enasim fail-next create-sq) answers -32004
# with rolled_back true, the old queue count runs again and carries
# traffic, the configuration is unchanged and no config event is sent; the
# same change succeeds once the fault is gone. Settings made over the
# control API survive a device reset; a port that is not up refuses changes
# with -32003.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
RPC=$B/tests/rpc_client
[ -x "$RPC" ] || skip_all "$RPC is not built"
require ping mkfifo

plan 16
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 4 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15 || bail "no ping through the port"

req() { printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$1" "$2" "${3:-{\}}"; }
call() { req 1 "$@" | "$RPC" "$ENAD_SOCK"; }
sim_queues() { sim_q sim '[.queues.sq[] | .direction] | sort | join(" ")'; }

# A subscriber for config events, kept open through a fifo.
mkfifo "$T_DIR/sub.in"
"$RPC" -k -t 0 "$ENAD_SOCK" <"$T_DIR/sub.in" >"$T_DIR/events.out" 2>&1 &
SUB=$!
track_pid "$SUB"
exec 7>"$T_DIR/sub.in"
req 1 events.subscribe '{"events":["config"]}' >&7
wait_for 10 grep -q '"subscribed"' "$T_DIR/events.out" || diag "no subscription answer"

ok "the device fails the next CREATE_SQ" sim_ctl sim fail-next create-sq
out=$(call channels.set '{"combined":4}')
is "$(jq -r '[.error.code, .error.data.rolled_back, .error.data.reset] | map(tostring) | join(" ")' <<<"$out")" \
	"-32004 true false" "channels.set 4 with a failing CREATE_SQ: -32004, rolled back, no reset"
like "$(jq -r .error.message <<<"$out")" "rolled back" "the message says it was rolled back"
diag "$(jq -r .error.message <<<"$out")"
is "$(call device.show | jq -r '[.result.state, .result.queues] | map(tostring) | join(" ")')" "up 2" \
	"the port is up with its old 2 queues"
is "$(sim_queues)" "rx rx tx tx" "the device has 2 RX and 2 TX queues again"
is "$(call channels.get | jq -r '.result.config.combined')" 2 "the configuration still says 2"
ok "the old queues carry traffic" ns_exec "$NS_HOST" ping -n -c 3 -i 0.2 -W 2 "$PEER_ADDR"

out=$(call channels.set '{"combined":4}')
is "$(jq -r '.result.combined' <<<"$out")" 4 "without the fault the same change succeeds"
is "$(sim_queues)" "rx rx rx rx tx tx tx tx" "the device has 4 RX and 4 TX queues"
wait_ping "$NS_HOST" "$PEER_ADDR" 15
ok "the new queues carry traffic" ns_exec "$NS_HOST" ping -n -c 3 -i 0.2 -W 2 "$PEER_ADDR"

wait_for 10 grep -q '"event":"config"' "$T_DIR/events.out"
is "$(jq -r 'select(.method == "event") | .params | "\(.field)=\(.value)"' "$T_DIR/events.out" | xargs)" \
	"combined=4" "one config event, for the change that took (none for the rolled-back one)"

# ---- runtime settings survive a reset
call rings.set '{"rx":512}' >/dev/null
n=$(sim_nreasons sim)
is "$(call device.reset | jq -r .result.reason)" user_trigger "device.reset answers with reason user_trigger"
wait_for 20 sim_reason_seen sim "$n" user_trigger || diag "the device saw no USER_TRIGGER reset"
wait_for 20 eval '[ "$(call device.show | jq -r .result.state)" = up ]'
is "$(sim_q sim '[.queues.sq[] | "\(.direction):\(.depth)"] | unique | join(" ")')" \
	"rx:512 tx:1024" "after the reset the device runs the 4 queues and rx 512 set at run time"

# ---- a port that is not up refuses changes: -32003, nothing changed
state_is() { [ "$(call device.show | jq -r .result.state)" = "$1" ]; }
sim_ctl sim admin-drop on >/dev/null
call device.reset >/dev/null
wait_for 30 state_is failed || diag "the port did not fail"
is "$(call rings.set '{"rx":256}' | jq -r '"\(.error.code) \(.error.data.state)"')" "-32003 failed" \
	"a change on a failed port: -32003 with the port's state"
sim_ctl sim admin-drop off >/dev/null
wait_for 60 state_is up || diag "the port did not recover"
is "$(sim_q sim '[.queues.sq[] | "\(.direction):\(.depth)"] | unique | join(" ")')" \
	"rx:512 tx:1024" "after recovery the device runs the settings from before, not the refused one"

exec 7>&-
stop_pid "$SUB" 5
enad_stop
is "$ENAD_RC" 0 "enad exits cleanly"
