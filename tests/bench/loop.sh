#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libena TX+RX over enasim's loop wire: packets/s (wall clock, so only
# meaningful as a ratio within one run) and instructions per packet of the
# driver process (callgrind: the difference of two run lengths, so start-up
# cancels out). Prints, never asserts.
set -eu
cd "$(dirname "$0")/../.."
B=${B:-build}
dir=$(mktemp -d /tmp/enad-bench.XXXXXX)
sim_pid=
cleanup() { [ -n "$sim_pid" ] && kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT

start_sim() {
	[ -n "$sim_pid" ] && { kill "$sim_pid"; wait "$sim_pid" 2>/dev/null || true; }
	"$B/enasim" --socket "$dir/ena.sock" --ctl "$dir/ena.ctl" --wire loop --queues 1 "$@" 2>"$dir/sim.log" &
	sim_pid=$!
	for _ in $(seq 200); do [ -S "$dir/ena.ctl" ] && return 0; sleep 0.05; done
	echo "enasim did not start" >&2; cat "$dir/sim.log" >&2; exit 1
}

ir_of() { # total instructions of a callgrind run
	valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" "$B/bench/loop_bench" "$@" >/dev/null 2>"$dir/cg.err"
	awk '/^summary:/ { print $2 }' "$dir/cg.out"
}

printf '%-8s %-6s %12s %14s\n' placement size "packets/s" "instr/packet"
for llq in 0 128; do
	for size in 64 512 1514; do
		start_sim
		pps=$("$B/bench/loop_bench" -d "vfio-user:$dir/ena.sock" -n 200000 -s "$size" -l "$llq" | sed -n 's/.* pps //p')
		start_sim
		ir1=$(ir_of -d "vfio-user:$dir/ena.sock" -n 2000 -s "$size" -l "$llq")
		start_sim
		ir2=$(ir_of -d "vfio-user:$dir/ena.sock" -n 12000 -s "$size" -l "$llq")
		placement=$([ "$llq" = 0 ] && echo host || echo "llq$llq")
		printf '%-8s %-6s %12s %14s\n' "$placement" "$size" "$pps" $(( (ir2 - ir1) / 10000 ))
	done
done
