#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Worker CPU placement: with pin_workers = on (the default) each queue's
# worker thread may run on exactly one CPU of `cpus`, round robin; with
# pin_workers = off each may run on the whole set. Both change at run time
# through enactl (the queues restart), and traffic flows in every placement.
# CPUs enad may not run on (not online, outside its own affinity as
# systemd's CPUAffinity= sets it) are refused at run time and left out,
# with a warning, at start. Read from the kernel:
# /proc/PID/task/TID/status Cpus_allowed_list.
. "$(dirname "$0")/lib.sh"
require_root_net
[ -x "$ENAD_BIN" ] || skip_all "$ENAD_BIN is not built"
have_enactl || skip_all "enactl is not built"
require ping jq
[ "$(nproc)" -ge 2 ] || skip_all "needs 2 CPUs, this machine has $(nproc)"

plan 24
topology_setup || bail "cannot create the namespaces"
sim_start sim --queues 2 || bail "enasim did not start"
peer_setup sim || bail "cannot address the peer TAP"

# worker_cpus Q: Cpus_allowed_list of enad's thread "ena-qQ" (empty if none).
worker_cpus() {
	local t
	for t in /proc/"$ENAD_PID"/task/*; do
		[ "$(cat "$t/comm" 2>/dev/null)" = "ena-q$1" ] || continue
		awk '/^Cpus_allowed_list:/ { print $2 }' "$t/status" 2>/dev/null
		return 0
	done
}

# placement_is WANT0 WANT1: both workers' affinity as given.
placement_is() {
	[ "$(worker_cpus 0) $(worker_cpus 1)" = "$1 $2" ]
}

# placement CHECK WANT0 WANT1: wait for the placement (queues restart
# asynchronously to the reply's arrival at the kernel's /proc), then report it.
placement() {
	if wait_for 10 placement_is "$2" "$3"; then
		pass "$1: workers on CPUs $2 and $3"
	else
		fail "$1: workers on CPUs $2 and $3" "got '$(worker_cpus 0)' and '$(worker_cpus 1)'"
	fi
}

ectl() { "$ENACTL" -s "$ENAD_SOCK" -i "$HOST_IF" "$@"; }

traffic() {
	ok "$1: ping host -> peer" ns_exec "$NS_HOST" ping -n -c 3 -i 0.2 -W 2 "$PEER_ADDR"
}

# ---- the default: pinned, round robin over cpus
enad_conf num_io_queues=2 cpus=0-1 | enad_start || bail "enad did not start"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15
placement "pin_workers = on (default), cpus = 0-1" 0 1
is "$(ectl show cpus)" "0 1" "enactl show cpus: each queue's CPU"
is "$(ectl show pin-workers)" on "enactl show pin-workers: on"
traffic "pinned"

# ---- unpinned at run time: every worker on the whole set
ok "enactl set pin-workers off" ectl set pin-workers off
placement "pin-workers off" 0-1 0-1
is "$(ectl show cpus)" "-1 -1" "enactl show cpus: -1 for an unpinned worker"
traffic "unpinned"

# ---- a new set at run time reaches the running workers
ok "enactl set cpus 1 pin-workers on" ectl set cpus 1 pin-workers on
placement "cpus = 1, pinned" 1 1

# ---- bad values change nothing
fails "enactl set pin-workers maybe is refused" ectl set pin-workers maybe
out=$(ectl set cpus 0-1 pin-workers 2 2>&1)
like "$out" "pin-workers: '2' is not on or off" "the refusal names the word and the allowed values"
out=$("$ENACTL" -s "$ENAD_SOCK" -i "$HOST_IF" set cpus 4096 2>&1)
like "$out" "cpus" "enad refuses CPU 4096, naming the field: $out"
NCPU=$(nproc)
out=$(ectl set cpus "0-$NCPU" 2>&1)
like "$out" "cpus: 0-$NCPU is not possible on this device \(allowed: CPUs enad may run on: 0-$((NCPU - 1))\)" \
	"a CPU that is not online is refused, naming the CPUs enad may use"
placement "after the refusals, unchanged" 1 1
traffic "after the refusals"

# ---- from the config file at start
ok "enad stops on SIGTERM" enad_stop
enad_conf num_io_queues=2 cpus=0-1 pin_workers=off | enad_start || bail "enad did not restart"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15
placement "config pin_workers = off" 0-1 0-1
traffic "unpinned from the config file"
ok "enad stops on SIGTERM" enad_stop

# ---- enad confined to CPU 0 (as CPUAffinity=0 would): workers stay inside
# shellcheck disable=SC2034 # read by enad_start in lib.sh
ENAD_WRAP=(taskset -c 0)
enad_conf num_io_queues=2 "cpus=0-$NCPU" | enad_start || bail "enad did not start under taskset"
host_setup || bail "cannot address enad's TAP"
wait_ping "$NS_HOST" "$PEER_ADDR" 15
placement "cpus = 0-$NCPU under taskset -c 0" 0 0
like "$(cat "$ENAD_LOG")" "cpus: enad may run only on CPUs 0: the others are left out" \
	"the CPUs left out are logged"
traffic "confined to CPU 0"
enad_stop
is "$ENAD_RC" 0 "enad exits 0 on SIGTERM"

done_testing
