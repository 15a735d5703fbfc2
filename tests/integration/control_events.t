#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# events.subscribe streams what happens to the port as notifications: link
# changes from the device, a user reset (start and end, with its reason),
# accepted settings, ENI allowance counters that grew, state changes. A
# subscriber that asked for some kinds gets only those; a subscribed
# connection still answers requests.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
RPC=$B/tests/rpc_client
[ -x "$RPC" ] || skip_all "$RPC is not built"
require ping mkfifo

plan 11
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
enad_conf num_io_queues=2 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15 || bail "no ping through the port"

req() { printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$1" "$2" "${3:-{\}}"; }
call() { req 1 "$@" | "$RPC" "$ENAD_SOCK"; }

# subscriber NAME PARAMS: a connection kept open through a fifo (fd 7, 8).
subscriber() {
	mkfifo "$T_DIR/$1.in"
	"$RPC" -k -t 0 "$ENAD_SOCK" <"$T_DIR/$1.in" >"$T_DIR/$1.out" 2>&1 &
	track_pid $!
	eval "${1^^}_PID=$!"
}
subscriber all
exec 7>"$T_DIR/all.in"
req 1 events.subscribe >&7
subscriber links
exec 8>"$T_DIR/links.in"
req 1 events.subscribe '{"events":["link"]}' >&8
wait_for 10 grep -q subscribed "$T_DIR/all.out"
wait_for 10 grep -q subscribed "$T_DIR/links.out"
is "$(jq -r '.result.subscribed | join(",")' "$T_DIR/all.out")" "state,link,reset,config,eni" \
	"events.subscribe without events: every kind"

# events FILE JQ_SELECT: the notifications' params that match, compact, one per line
events() { jq -c "select(.method == \"event\") | .params | select($2)" "$T_DIR/$1.out" 2>/dev/null; }
seen() { [ -n "$(events "$1" "$2")" ]; }

sim_ctl sim link down >/dev/null
wait_for 10 seen all '.event == "link" and .link == false'
is "$(events all '.event == "link"' | head -1)" '{"event":"link","device":"ena0","link":false}' \
	"link down on the device: a link event"
sim_ctl sim link up >/dev/null
if wait_for 10 seen all '.event == "link" and .link == true'; then
	pass "link up: a link event"
else
	fail "link up: a link event" "$(cat "$T_DIR/all.out")"
fi

call device.reset >/dev/null
wait_for 20 seen all '.event == "reset" and .phase == "done"'
is "$(events all '.event == "reset"' | jq -r '"\(.phase) \(.reason) \(.ok)"' | xargs)" \
	"start user_trigger null done user_trigger true" "device.reset: reset start and done, reason user_trigger"
like "$(events all '.event == "reset" and .phase == "done"' | jq -r .recovery_ms)" '^[0-9]+$' \
	"the reset event says how long recovery took"
like "$(events all '.event == "state"' | jq -r .state | xargs)" "resetting.* up" \
	"state events: resetting, then up"

call rings.set '{"rx":512}' >/dev/null
wait_for 10 seen all '.event == "config"'
is "$(events all '.event == "config"' | jq -r '"\(.group).\(.field)=\(.value)"')" "rings.rx=512" \
	"an accepted setting: a config event naming group, field and value"

# ENI: sample every second, let the device count pps allowance excess
call eni.set_interval '{"interval":1}' >/dev/null
sim_ctl sim allowance pps 10 >/dev/null
ns_exec "$NS_HOST" ping -n -q -c 100 -i 0.01 -W 1 "$PEER_ADDR" >/dev/null 2>&1
wait_for 20 seen all '.event == "eni"'
like "$(events all '.event == "eni"' | tail -1 | jq -r .pps_allowance_exceeded)" '^[1-9][0-9]*$' \
	"allowance exceeded: an eni event with the counter"
sim_ctl sim allowance pps 0 >/dev/null

# the link-only subscriber saw only link events
is "$(events links 'true' | jq -r .event | sort -u | xargs)" "link" \
	"a subscriber to link events gets only link events"

# a subscribed connection still answers
req 2 api.version >&7
wait_for 10 eval "jq -e 'select(.id == 2) | .result.version' '$T_DIR/all.out' >/dev/null"
is "$(jq -r 'select(.id == 2) | .result.version' "$T_DIR/all.out")" 1 \
	"a subscribed connection still answers requests"

exec 7>&- 8>&-
stop_pid "$ALL_PID" 5
stop_pid "$LINKS_PID" 5
enad_stop
is "$ENAD_RC" 0 "enad exits cleanly"
