#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Control socket authorization by peer credentials: the socket is mode 0660
# in control_group; an unprivileged member (primary or supplementary group,
# via setpriv and runuser) can read but not change, and a denied call is an
# error on a connection that stays open; a user outside the group cannot
# connect; after a reload that makes the group the admin group, the same
# user can change settings (and the device sees it).
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
RPC=$B/tests/rpc_client
[ -x "$RPC" ] || skip_all "$RPC is not built"
require setpriv runuser getent stat
getent group nogroup >/dev/null || skip_all "no group nogroup"
getent passwd nobody >/dev/null || skip_all "no user nobody"
NOGROUP=$(getent group nogroup | cut -d: -f3)
NOBODY=$(id -u nobody)
# a group id nobody is in: unused by anything on the system
STRANGER_GID=$((NOGROUP - 1))
while getent group "$STRANGER_GID" >/dev/null; do STRANGER_GID=$((STRANGER_GID - 1)); done

plan 16

# The socket's directory must be reachable by the unprivileged user, and
# so must the client: the checkout may sit in a directory only root can
# enter (a clone in mktemp -d), so nobody runs a copy from the scratch dir.
chmod 0711 "$T_DIR"
install -m 0755 "$RPC" "$T_DIR/rpc_client"
RPC=$T_DIR/rpc_client
conf() { # conf ADMIN_GROUP: the configuration, control_group nogroup
	enad_conf num_io_queues=2 |
		sed "/^\[global\]/a control_group = nogroup\nadmin_group = $1"
}
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"
conf root | enad_start || bail "enad did not start"

is "$(stat -c '%a %G' "$ENAD_SOCK")" "660 nogroup" "the socket is mode 0660, group nogroup (control_group)"

# as USER... -- rpc_client ARGS: the raw client with other credentials
reader() { setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups -- "$RPC" "$@"; }
supp() { setpriv --reuid="$NOBODY" --regid="$STRANGER_GID" --groups="$NOGROUP" -- "$RPC" "$@"; }
stranger() { setpriv --reuid="$NOBODY" --regid="$STRANGER_GID" --clear-groups -- "$RPC" "$@"; }
# codes: the answers' error codes ("ok" for a result), in order
codes() { jq -r '.error.code // "ok"' | xargs; }
req() { printf '{"jsonrpc":"2.0","id":%d,"method":"%s","params":%s}\n' "$1" "$2" "${3:-{\}}"; }

resets=$(sim_nreasons sim)
depth() { sim_q sim '[.queues.sq[] | select(.direction == "rx") | .depth] | unique | join(",")'; }

out=$( { req 1 api.version; req 2 device.show; req 3 rings.get; req 4 stats.get;
	req 5 rss.get; req 6 events.subscribe '{"events":["link"]}'; } | reader "$ENAD_SOCK")
is "$(codes <<<"$out")" "ok ok ok ok ok ok" "a member of control_group (primary group) reads everything"

out=$( { req 1 rings.set '{"rx":512}'; req 2 device.reset; req 3 channels.set '{"combined":1}';
	req 4 log.set_level '{"level":"debug"}'; req 5 rings.get; } | reader "$ENAD_SOCK")
is "$(codes <<<"$out")" "-32001 -32001 -32001 -32001 ok" \
	"... is denied every change with -32001, on a connection that stays open"
is "$(jq -r 'select(.error) | .error.data.required' <<<"$out" | sort -u)" admin \
	"... and the error says admin access is required"
is "$(depth)" 1024 "the device's rings did not change"
is "$(sim_nreasons sim)" "$resets" "the device was not reset"

out=$( { req 1 rings.get; req 2 mtu.set '{"mtu":1400}'; } | supp "$ENAD_SOCK")
is "$(codes <<<"$out")" "ok -32001" "a supplementary member of control_group reads but does not change"

out=$(req 1 rings.get | stranger "$ENAD_SOCK" 2>&1)
like "$out" "Permission denied" "a user outside the group cannot connect"

out=$(req 1 device.show | runuser -u nobody -- "$RPC" "$ENAD_SOCK")
is "$(codes <<<"$out")" ok "runuser -u nobody (its groups from the group database) reads"
out=$(req 1 coalesce.set '{"rx_usecs":8}' | runuser -u nobody -- "$RPC" "$ENAD_SOCK")
is "$(codes <<<"$out")" -32001 "runuser -u nobody cannot change"

if have_enactl; then
	setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups -- \
		"$ENACTL" -s "$ENAD_SOCK" show >"$T_DIR/enactl.out" 2>&1
	is "$?" 0 "enactl show works for the reader"
	setpriv --reuid="$NOBODY" --regid="$NOGROUP" --clear-groups -- \
		"$ENACTL" -s "$ENAD_SOCK" set rx-queue-size 512 >"$T_DIR/enactl.out" 2>"$T_DIR/enactl.err"
	rc=$?
	if [ $rc = 1 ] && grep -qi "permission" "$T_DIR/enactl.err"; then
		pass "enactl set fails for the reader with exit 1 and says why"
	else
		fail "enactl set fails for the reader with exit 1 and says why" "exit $rc" \
			"$(cat "$T_DIR/enactl.err")"
	fi
else
	skip_n 2 "enactl as the reader" "enactl is not built"
fi

# ---- reload: nogroup becomes the admin group
conf nogroup >"$ENAD_CONF"
notify_mark
kill -HUP "$ENAD_PID"
notify_wait '(^| )READY=1( |$)' 20 || diag "no READY=1 after the reload"
out=$(req 1 rings.set '{"rx":512}' | reader "$ENAD_SOCK")
is "$(codes <<<"$out")" ok "after a reload with admin_group = nogroup, the same user may change settings"
is "$(depth)" 512 "... and the device runs the new ring size"
out=$(req 1 rings.set '{"rx":1024}' | "$RPC" "$ENAD_SOCK")
is "$(codes <<<"$out")" ok "root may always change settings"

enad_stop
is "$ENAD_RC" 0 "enad exits cleanly"
