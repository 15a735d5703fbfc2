#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Operating enad as a service: `make install` / `make uninstall` into a
# DESTDIR (exact file list, modes, paths in the units, the config is never
# overwritten), `systemd-analyze verify` of every installed unit, the
# sysusers.d entry, `mandoc -Tlint -Wall` of every manual page, enad under
# exactly the unit's capabilities, and socket activation as enad.socket does it.
#
# systemd-analyze verify works here without systemd as PID 1 (Debian 12,
# systemd 252) when it is pointed at the DESTDIR tree with --root=: it then
# looks for the units, the ExecStart= binaries and the targets the units
# depend on inside that tree. The targets come from the host
# (/lib/systemd/system/*.target, copied into the tree's /usr/lib/systemd/system,
# which the install does not use), and MANPATH points at the installed pages
# so that Documentation=man:... is checked against what we install.
# verify exits 0 even for unknown keys or unparsable values: it is the
# output that must be empty.
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root"
require make mandoc systemd-analyze systemd-sysusers pkg-config

# B relative to the repository when it is inside it: the .d files name
# objects relatively, and make must see the same targets the build made.
MB=${B#"$PWD"/}
for f in enad enactl enasim libena.so.0; do
	[ -e "$B/$f" ] || skip_all "$B/$f is not built (run make first)"
done

D=$T_DIR/destdir
UNITDIR=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
UNITDIR=${UNITDIR:-/lib/systemd/system}
SYSUSERSDIR=$(pkg-config --variable=sysusersdir systemd 2>/dev/null)
SYSUSERSDIR=${SYSUSERSDIR:-/usr/lib/sysusers.d}
MANPAGES=(daemon/enad.8 sim/enasim.8 conf/enad.conf.5)
[ -f cli/enactl.8 ] && MANPAGES+=(cli/enactl.8)

# The files `make install DESTDIR=$D PREFIX=/usr` must write, sorted.
expected_files() {
	local h
	{
		echo etc/enad/enad.conf
		echo usr/sbin/enad
		echo usr/bin/enactl
		echo usr/bin/enasim
		echo usr/lib/libena.a
		echo usr/lib/libena.so
		echo usr/lib/libena.so.0
		echo usr/lib/pkgconfig/libena.pc
		for h in libena/include/ena/*.h; do echo "usr/include/ena/${h##*/}"; done
		echo "${UNITDIR#/}/enad.service"
		echo "${UNITDIR#/}/enad.socket"
		echo "${UNITDIR#/}/enasim@.service"
		echo "${SYSUSERSDIR#/}/enad.conf"
		echo usr/share/man/man5/enad.conf.5
		echo usr/share/man/man8/enad.8
		echo usr/share/man/man8/enasim.8
		[ -f cli/enactl.8 ] && echo usr/share/man/man8/enactl.8
		[ -f cli/enactl.bash-completion ] && echo usr/share/bash-completion/completions/enactl
	} | LC_ALL=C sort
}

# installed_files DIR: regular files and symlinks under DIR, relative, sorted.
installed_files() {
	[ -d "$1" ] || return 0
	(cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort)
}

do_make() {
	make --no-print-directory B="$MB" DESTDIR="$1" PREFIX=/usr "${@:2}" >>"$T_DIR/make.log" 2>&1
}

plan 31

# ---- install ----
if do_make "$D" install; then
	pass "make install DESTDIR PREFIX=/usr"
else
	fail "make install DESTDIR PREFIX=/usr" "$(tail -n 20 "$T_DIR/make.log")"
	bail "make install failed; nothing else to check"
fi
got=$(installed_files "$D")
if [ "$got" = "$(expected_files)" ]; then
	pass "installs exactly the expected files"
else
	fail "installs exactly the expected files" "$(diff <(expected_files) <(echo "$got") | sed -n '1,40p')"
fi
is "$(readlink "$D/usr/lib/libena.so")" libena.so.0 "libena.so links to the soname"

bad_modes=$(cd "$D" || exit 1; for f in usr/sbin/enad usr/bin/enactl usr/bin/enasim usr/lib/libena.so.0; do
	[ "$(stat -c %a "$f")" = 755 ] || echo "$f $(stat -c %a "$f")"; done
	installed_files . | while read -r f; do
		case $f in usr/sbin/* | usr/bin/* | usr/lib/libena.so*) continue ;; esac
		[ "$(stat -c %a "$f")" = 644 ] || echo "$f $(stat -c %a "$f")"
	done)
is "$bad_modes" "" "programs 0755, everything else 0644"

# The units name this install's paths and nothing is left unsubstituted.
svc=$D$UNITDIR/enad.service
like "$(grep '^ExecStart=' "$svc")" "^ExecStart=/usr/sbin/enad --config /etc/enad/enad.conf$" \
	"enad.service runs /usr/sbin/enad with /etc/enad/enad.conf"
like "$(grep '^ExecStart=' "$D$UNITDIR/enasim@.service")" "^ExecStart=/usr/bin/enasim " \
	"enasim@.service runs /usr/bin/enasim"
is "$(grep -l '@[A-Z]*@' "$D$UNITDIR"/* "$D/usr/lib/pkgconfig/libena.pc" 2>/dev/null)" "" \
	"no @PLACEHOLDER@ left in units and libena.pc"
is "$(PKG_CONFIG_PATH=$D/usr/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR='' pkg-config --variable=libdir libena)" \
	/usr/lib "libena.pc names PREFIX/lib"

# ---- systemd-analyze verify ----
R=$T_DIR/verify-root
mkdir -p "$R/usr/lib/systemd/system"
cp -a "$D"/. "$R"/
cp /lib/systemd/system/*.target "$R/usr/lib/systemd/system/" 2>/dev/null
for u in enad.service enad.socket enasim@ena0.service; do
	out=$(cd "$T_DIR" && MANPATH=$R/usr/share/man SYSTEMD_LOG_LEVEL=notice \
		systemd-analyze verify --root="$R" "$u" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		pass "systemd-analyze verify $u: clean"
	else
		fail "systemd-analyze verify $u: clean" "exit $rc" "$out"
	fi
done
# The check must be able to fail: a unit with a bad value is reported.
sed 's/^ProtectSystem=strict$/ProtectSystem=sometimes/' "$svc" >"$R$UNITDIR/enad-bad.service"
out=$(cd "$T_DIR" && MANPATH=$R/usr/share/man systemd-analyze verify --root="$R" enad-bad.service 2>&1)
like "$out" "ProtectSystem|protect system" "systemd-analyze verify reports a bad value"
rm -f "$R$UNITDIR/enad-bad.service"

out=$(systemd-sysusers --root="$R" --dry-run 2>&1)
like "$out" "Creating group '?enad'? " "sysusers.d entry creates the enad group"

# ---- manual pages ----
# "referenced manual not found" (STYLE) is the only finding allowed: it
# depends on which pages this machine has installed (ethtool(8), tcpdump(8),
# and ours, which are not in the system's man database). That every
# reference to one of our pages names a page we ship is checked below.
for m in "${MANPAGES[@]}"; do
	out=$(mandoc -Tlint -Wall "$m" 2>&1 | grep -v -e 'STYLE: referenced manual not found' \
		-e 'outdated mandoc.db')
	is "$out" "" "mandoc -Tlint -Wall $m: clean"
done
missing=""
for m in "${MANPAGES[@]}"; do
	while read -r name sec; do
		case "$name($sec)" in
		enad\(8\)) f=daemon/enad.8 ;;
		enasim\(8\)) f=sim/enasim.8 ;;
		enactl\(8\)) f=cli/enactl.8 ;;
		enad.conf\(5\)) f=conf/enad.conf.5 ;;
		*) continue ;;
		esac
		[ -f "$f" ] || missing="$missing $m:$name($sec)"
	done < <(grep -E '^\.Xr ' "$m" | awk '{print $2, $3}' | sort -u)
done
is "$missing" "" "every .Xr to an enad page names a page in the tree"
skip_n $((4 - ${#MANPAGES[@]})) "mandoc -Tlint -Wall cli/enactl.8" "cli/enactl.8 is not written yet"

# ---- a second install keeps a changed config ----
echo "# changed by the administrator" >>"$D/etc/enad/enad.conf"
cp "$D/etc/enad/enad.conf" "$T_DIR/enad.conf.changed"
if do_make "$D" install && cmp -s "$D/etc/enad/enad.conf" "$T_DIR/enad.conf.changed"; then
	pass "a second install keeps a changed enad.conf"
else
	fail "a second install keeps a changed enad.conf" "$(tail -n 5 "$T_DIR/make.log")"
fi

# ---- uninstall ----
do_make "$D" uninstall
is "$(installed_files "$D")" "etc/enad/enad.conf" "make uninstall removes everything but the changed config"

# Untouched config: install + uninstall leaves no file behind.
D2=$T_DIR/destdir2
do_make "$D2" install && do_make "$D2" uninstall
is "$(installed_files "$D2")" "" "install then uninstall leaves no file"

# ---- the unit's privileges are enough ----
# enad under the unit's CapabilityBoundingSet=, no new privileges and a
# supplementary group standing in for SupplementaryGroups=enad (the
# existing group "daemon" plays `enad`, so the test creates no group):
# it comes up, gives its socket to the group without CAP_CHOWN, moves
# traffic, recovers from a reset and stops cleanly. systemd's namespace and
# seccomp sandboxing cannot run without systemd as PID 1.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' systemd/enad.service.in)
sgroup=$(sed -n 's/^SupplementaryGroups=//p' systemd/enad.service.in)
gid=$(getent group daemon | cut -d: -f3)
if ! command -v setpriv >/dev/null || ! command -v jq >/dev/null ||
	! command -v systemd-socket-activate >/dev/null || [ ! -c /dev/net/tun ] ||
	[ -z "$gid" ] || [ -z "$caps" ]; then
	skip_n 10 "enad under the unit's privileges, socket activation" \
		"needs setpriv, jq, systemd-socket-activate, /dev/net/tun and group daemon"
	exit 0
fi
is "$sgroup" enad "the unit puts enad in the enad group"
bset=-all
for c in $caps; do bset="$bset,+$(echo "${c#CAP_}" | tr '[:upper:]' '[:lower:]')"; done
topology_setup || bail "cannot create namespaces"
if ! sim_start sim --queues 2 || ! peer_setup sim; then
	bail "enasim did not start"
fi
# shellcheck disable=SC2034 # read by enad_start in lib.sh
ENAD_WRAP=(setpriv --bounding-set "$bset" --inh-caps -all --no-new-privs --groups "$gid")
printf '[global]\ncontrol_socket = %s\ncontrol_group = daemon\n\n[device %s]\ndevice = vfio-user:%s\nnum_io_queues = 2\n' \
	"$ENAD_SOCK" "$HOST_IF" "$(sim_sock sim)" >"$T_DIR/enad.conf"
# READY=1 comes also when a port FAILED: the port must be up.
if enad_start "$T_DIR/enad.conf" && wait_for 20 enad_is_up; then
	pass "enad brings its port up with only $caps"
else
	fail "enad brings its port up with only $caps" "state: $(enad_state)"
	diag_file "$ENAD_LOG"
	bail "enad did not come up"
fi
is "$(stat -c '%a %G' "$ENAD_SOCK")" "660 daemon" "control socket 0660, group set without CAP_CHOWN"
host_setup && wait_ping "$NS_HOST" "$PEER_ADDR" 10
ok "traffic flows" ns_ping "$NS_HOST" "$PEER_ADDR"
n=$(sim_nreasons sim)
"$ENACTL" -s "$ENAD_SOCK" reset >/dev/null 2>&1
if wait_for 20 sim_new_reset sim "$n" && wait_for 20 enad_is_up && wait_ping "$NS_HOST" "$PEER_ADDR" 10; then
	pass "a reset recovers under the same privileges"
else
	fail "a reset recovers under the same privileges" "state: $(enad_state)"
	diag_file "$ENAD_LOG"
fi
enad_stop
is "$ENAD_RC" 0 "SIGTERM: enad exits 0"

# ---- socket activation (enad.socket) ----
# systemd-socket-activate plays enad.socket: it listens, and on the first
# connection starts enad with the socket (LISTEN_FDS). enad must answer on
# it, create no socket of its own, and leave the passed one in place.
SA_SOCK=$T_DIR/activated.sock
printf '[global]\ncontrol_socket = %s\n\n[device %s]\ndevice = vfio-user:%s\n' \
	"$T_DIR/own.sock" "$HOST_IF" "$(sim_sock sim)" >"$T_DIR/sa.conf"
ip netns exec "$NS_HOST" systemd-socket-activate -l "$SA_SOCK" \
	"$ENAD_BIN" --config "$T_DIR/sa.conf" --foreground </dev/null >"$T_DIR/sa.log" 2>&1 &
sa_pid=$!
track_pid "$sa_pid"
wait_for 10 test -S "$SA_SOCK" || diag "systemd-socket-activate did not listen"
is "$(timeout 60 "$ENACTL" -s "$SA_SOCK" show state 2>&1)" up \
	"socket activation: the first enactl call starts enad, which answers on the passed socket"
ok "socket activation: enad creates no socket of its own" test ! -e "$T_DIR/own.sock"
stop_pid "$sa_pid" "$ENAD_STOP_TIMEOUT"
is "$STOP_RC" 0 "socket activation: SIGTERM, exit 0"
ok "socket activation: the passed socket is left to its owner" test -S "$SA_SOCK"
