#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# enad's command line and configuration checks: every bad file of the parser
# corpus (tests/data/config/bad-*.conf, first line "# expect: LINE: MESSAGE")
# fails `enad --check-config` and a normal start with exit 1 and exactly
# "enad: FILE:LINE: MESSAGE"; every good file passes, and the effective
# configuration printed by --check-config -v reads back; exit codes of
# --version, --help and bad arguments.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
require timeout

DATA=tests/data/config
bad=("$DATA"/bad-*.conf)
good=("$DATA"/good-*.conf)
# Drop-in trees and their messages ("@" is the main file), as test_config.c has them.
dropin_bad=(
	"dropin-bad|@.d/50-bad.conf:2: tx_queue_size: 1000 is not a power of 2 (allowed: 256..16384, power of 2)"
	"dropin-conflict|@.d/20-llq.conf:2: force_large_llq_header: on conflicts with llq_policy = off at @:3 (allowed: off when llq_policy is normal or off)"
	"dropin-samedev|@.d/10-ena1.conf:2: device: pci:0000:00:06.0 is already used by [device ena0] at @:2 (allowed: one port per device)"
)

plan $((2 * ${#bad[@]} + 3 * ${#good[@]} + 2 * ${#dropin_bad[@]} + 1 + 13))

# A namespace of our own: should a bad file start enad after all, it
# creates nothing outside the test.
NS=eit-$T_ID-c
netns_create "$NS" || bail "cannot create a network namespace"

# run_enad OUT ERR ARGS...: enad in NS with a time limit; exit status returned.
run_enad() {
	local out=$1 err=$2
	shift 2
	ip netns exec "$NS" timeout -k 2 10 "$ENAD_BIN" "$@" >"$out" 2>"$err"
}

# expected_msg FILE: "FILE:LINE: MESSAGE" from its "# expect: LINE: MESSAGE" line.
expected_msg() {
	local first
	IFS= read -r first <"$1"
	first=${first%$'\r'}
	[[ $first == "# expect: "* ]] || return 1
	first=${first#\# expect: }
	echo "$1:${first%%:*}:${first#*:}"
}

# check_fails DESC EXPECTED ARGS...: exit 1, nothing on stdout, exactly
# "enad: EXPECTED" on stderr.
check_fails() {
	local desc=$1 expected=$2 rc got
	shift 2
	run_enad "$T_DIR/out" "$T_DIR/err" "$@"
	rc=$?
	got=$(cat "$T_DIR/err")
	if [ $rc -eq 1 ] && [ "$got" = "enad: $expected" ] && [ ! -s "$T_DIR/out" ]; then
		pass "$desc"
	else
		fail "$desc" "enad $* -> exit $rc (expected 1)" "stderr:   $got" \
			"expected: enad: $expected" "stdout:   $(head -c 300 "$T_DIR/out")"
	fi
}

# ---- the bad corpus
for f in "${bad[@]}"; do
	expected=$(expected_msg "$f") || { fail "$f has a '# expect: N: message' first line"; continue; }
	check_fails "check-config $(basename "$f"): $(cut -d' ' -f2- <<<"$expected" | cut -c1-70)" \
		"$expected" --check-config --config "$f"
done
# The same message when enad is started with the file (it must not get as far as a device).
for f in "${bad[@]}"; do
	expected=$(expected_msg "$f") || { fail "$f has a '# expect: N: message' first line"; continue; }
	check_fails "start refuses $(basename "$f")" "$expected" --config "$f" --foreground
done

# ---- drop-in directories
for d in "${dropin_bad[@]}"; do
	main=$DATA/${d%%|*}/enad.conf
	expected=${d#*|}
	expected=${expected//@/$main}
	check_fails "check-config ${d%%|*}: drop-in error names its file and line" \
		"$expected" --check-config --config "$main"
	check_fails "start refuses ${d%%|*}" "$expected" --config "$main"
done
run_enad "$T_DIR/out" "$T_DIR/err" --check-config --config "$DATA/dropin/enad.conf"
rc=$?
if [ $rc -eq 0 ] && grep -qx "enad: configuration OK: 2 port(s) ($DATA/dropin/enad.conf)" "$T_DIR/out"; then
	pass "check-config dropin: main file and enad.conf.d/*.conf: 2 ports"
else
	fail "check-config dropin: main file and enad.conf.d/*.conf: 2 ports" "exit $rc" \
		"stdout: $(cat "$T_DIR/out")" "stderr: $(cat "$T_DIR/err")"
fi

# ---- the good corpus
for f in "${good[@]}"; do
	name=$(basename "$f")
	# distinct [device NAME] sections ("[ device  x ]" is one too)
	ports=$(grep -E '^[[:space:]]*\[[[:space:]]*device[[:space:]]' "$f" |
		sed -E 's/^[[:space:]]*\[[[:space:]]*device[[:space:]]+([^][:space:]]+).*/\1/' | sort -u | wc -l)
	run_enad "$T_DIR/out" "$T_DIR/err" --check-config --config "$f"
	rc=$?
	if [ $rc -eq 0 ] && [ "$(cat "$T_DIR/out")" = "enad: configuration OK: $ports port(s) ($f)" ] &&
		[ ! -s "$T_DIR/err" ]; then
		pass "check-config $name: OK, $ports port(s)"
	else
		fail "check-config $name: OK, $ports port(s)" "exit $rc" \
			"stdout: $(cat "$T_DIR/out")" "stderr: $(cat "$T_DIR/err")"
	fi

	# -v: the effective configuration, every key with its origin, then the OK line.
	run_enad "$T_DIR/eff.conf" "$T_DIR/err" --check-config -v --config "$f"
	rc=$?
	last=$(tail -n 1 "$T_DIR/eff.conf")
	if [ $rc -eq 0 ] && [ "$last" = "enad: configuration OK: $ports port(s) ($f)" ] &&
		grep -q '^log_level = .*# ' "$T_DIR/eff.conf" &&
		{ [ "$ports" -eq 0 ] || grep -q "# $f:[0-9]" "$T_DIR/eff.conf"; }; then
		pass "check-config -v $name: every key, with its origin"
	else
		fail "check-config -v $name: every key, with its origin" "exit $rc" \
			"$(head -n 40 "$T_DIR/eff.conf")" "stderr: $(cat "$T_DIR/err")"
	fi

	# ... and it is a configuration file that loads to the same ports.
	sed '$d' "$T_DIR/eff.conf" >"$T_DIR/reread.conf"
	run_enad "$T_DIR/out" "$T_DIR/err" --check-config --config "$T_DIR/reread.conf"
	rc=$?
	if [ $rc -eq 0 ] && grep -q "configuration OK: $ports port(s)" "$T_DIR/out"; then
		pass "check-config -v $name: the printed configuration reads back"
	else
		fail "check-config -v $name: the printed configuration reads back" "exit $rc" \
			"stderr: $(cat "$T_DIR/err")"
	fi
done

# ---- command line
run_enad "$T_DIR/out" "$T_DIR/err" --version
rc=$?
is "$rc $(cat "$T_DIR/out")" "0 enad 0.1.0" "--version prints 'enad 0.1.0', exit 0"

run_enad "$T_DIR/out" "$T_DIR/err" --help
rc=$?
if [ $rc -eq 0 ] && grep -q '^usage: enad' "$T_DIR/out" && grep -q -- '--check-config' "$T_DIR/out" &&
	[ ! -s "$T_DIR/err" ]; then
	pass "--help prints the usage on stdout, exit 0"
else
	fail "--help prints the usage on stdout, exit 0" "exit $rc" "$(cat "$T_DIR/out" "$T_DIR/err")"
fi

# usage_error DESC ARGS...: exit 2, a line on stderr naming the problem, nothing on stdout.
usage_error() {
	local desc=$1 rc
	shift
	run_enad "$T_DIR/out" "$T_DIR/err" "$@"
	rc=$?
	if [ $rc -eq 2 ] && [ -s "$T_DIR/err" ] && [ ! -s "$T_DIR/out" ]; then
		pass "$desc: exit 2 ($(head -n 1 "$T_DIR/err"))"
	else
		fail "$desc: exit 2" "enad $* -> exit $rc" "stderr: $(cat "$T_DIR/err")" \
			"stdout: $(head -c 300 "$T_DIR/out")"
	fi
}
usage_error "unknown long option" --bogus
usage_error "unknown short option" -x
usage_error "an extra argument" --check-config --config "${good[0]}" extra
usage_error "--config without its path" --config
usage_error "--verbose without --check-config" --verbose --config "${good[0]}"
usage_error "an option argument to a flag" --foreground=yes
usage_error "--version with an unknown option" --version --bogus
run_enad "$T_DIR/out" "$T_DIR/err" --bogus
like "$(cat "$T_DIR/err")" "--bogus" "the usage error names the unknown option"

# A missing file: exit 1 and the path in the message (normal start and check).
run_enad "$T_DIR/out" "$T_DIR/err" --check-config --config "$T_DIR/missing.conf"
rc=$?
like "$rc $(cat "$T_DIR/err")" "^1 enad: $T_DIR/missing.conf: .*No such file" \
	"--check-config on a missing file: exit 1, names the file"
run_enad "$T_DIR/out" "$T_DIR/err" --config "$T_DIR/missing.conf" --foreground
rc=$?
like "$rc $(cat "$T_DIR/err")" "^1 enad: $T_DIR/missing.conf: .*No such file" \
	"start with a missing file: exit 1, names the file"

# A directory is not a configuration file.
run_enad "$T_DIR/out" "$T_DIR/err" --check-config --config "$T_DIR"
rc=$?
like "$rc $(cat "$T_DIR/err")" "^1 enad: $T_DIR: " "--check-config on a directory: exit 1"
