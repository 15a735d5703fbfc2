#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Boot a QEMU guest (TCG; no network backend, nothing leaves the machine)
# with an e1000e bound to the real vfio-pci driver and run vfio_guest_test
# against libena's kernel-VFIO backend.
#
#   tests/vfio-guest/run.sh [iommu|noiommu]      (B=build dir, default build)
#
# iommu:   q35 + intel-iommu (interrupt remapping), intel_iommu=on: the
#          type1 container/group path (and iommufd where the kernel has it).
# noiommu: no IOMMU, vfio loaded with enable_unsafe_noiommu_mode=1.
# Exit 0 only when the guest prints "VFIO-GUEST-RESULT: PASS n/m". The
# serial log stays in $B/vfio-guest/<mode>.log.
set -uo pipefail

mode=${1:-iommu}
case "$mode" in iommu|noiommu) ;; *) echo "usage: run.sh [iommu|noiommu]" >&2; exit 2 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
B=${B:-build}
case "$B" in /*) ;; *) B=$top/$B ;; esac
limit=${VFIO_GUEST_TIMEOUT:-240}
logdir=$B/vfio-guest
log=$logdir/$mode.log

tmp=''
qemu_pid=''
# shellcheck disable=SC2317 # called through the EXIT trap
cleanup() {
	if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then
		kill "$qemu_pid" 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$qemu_pid" 2>/dev/null || break; sleep 0.2; done
		kill -9 "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
	[ -n "$tmp" ] && rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "vfio-guest ($mode): FAIL $*"; exit 1; }

for tool in qemu-system-x86_64 cpio modprobe pkg-config; do
	command -v "$tool" >/dev/null || fail "no $tool: make deps"
done
# The guest runs a static program, which sanitizer runtimes cannot be: it
# always links the plain build's libena.a, building it if needed.
libena_a=$top/build/libena.a
make -s -C "$top" SAN= build/libena.a >/dev/null || fail "building $libena_a"
mkdir -p "$logdir"
tmp=$(mktemp -d /tmp/vfio-guest.XXXXXX)

# The test program, static, against libena.a.
cc=${CC:-cc}
read -r -a static_libs <<< "$(pkg-config --static --libs json-c numa)"
if ! "$cc" -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -D_GNU_SOURCE -I"$top/libena/include" \
	-I"$top/libena" -static -o "$tmp/vfio_guest_test" "$here/vfio_guest_test.c" "$libena_a" \
	"${static_libs[@]}" -lpthread > "$tmp/cc.log" 2>&1; then
	cat "$tmp/cc.log"
	fail "building vfio_guest_test (static libnuma/json-c archives come with libnuma-dev and libjson-c-dev)"
fi

extra=()
if [ "$mode" = noiommu ]; then
	ko=$("$here/build-vfio-noiommu.sh" --out "$logdir") || fail "no noiommu-capable vfio.ko"
	extra=(--noiommu-vfio "$ko")
fi
"$here/build-initramfs.sh" --out "$tmp" --test "$tmp/vfio_guest_test" "${extra[@]}" ||
	fail "building the initramfs"

append="console=ttyS0 panic=-1 loglevel=4 vfioguest.mode=$mode"
machine=(-machine q35)
if [ "$mode" = iommu ]; then
	machine=(-machine 'q35,kernel-irqchip=split'
		-device 'intel-iommu,intremap=on,caching-mode=on')
	append="$append intel_iommu=on"
else
	append="$append intel_iommu=off"
fi

start=$(date +%s)
: > "$log"
# No netdev: the e1000e has no peer, so whatever it sends is dropped.
qemu-system-x86_64 -accel tcg -nodefaults -nographic -no-reboot -m 512 -smp 1 \
	"${machine[@]}" -device e1000e,romfile= \
	-kernel "$tmp/vmlinuz" -initrd "$tmp/initramfs.cpio.gz" -append "$append" \
	-serial "file:$log" -monitor none > "$tmp/qemu.out" 2>&1 &
qemu_pid=$!
# The guest powers itself off after printing its result; give it a few
# seconds for that, and the whole boot $limit seconds.
seen=
while kill -0 "$qemu_pid" 2>/dev/null; do
	now=$(date +%s)
	if [ $((now - start)) -ge "$limit" ]; then
		echo "vfio-guest ($mode): no power-off after ${limit}s, stopping QEMU (pid $qemu_pid)"
		break
	fi
	if [ -z "$seen" ] && grep -aq '^VFIO-GUEST-RESULT: ' "$log" 2>/dev/null; then
		seen=$now
	fi
	[ -n "$seen" ] && [ $((now - seen)) -ge 5 ] && break
	sleep 0.5
done
kill "$qemu_pid" 2>/dev/null
wait "$qemu_pid" 2>/dev/null
qemu_pid=
elapsed=$(( $(date +%s) - start ))

line=$(tr -d '\r' < "$log" | grep -a '^VFIO-GUEST-RESULT: ' | tail -n 1)
if [ -z "$line" ]; then
	[ -s "$tmp/qemu.out" ] && sed 's/^/qemu: /' "$tmp/qemu.out"
	tail -n 20 "$log" | tr -d '\r' | sed -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' -e 's/^/guest: /'
	fail "no VFIO-GUEST-RESULT line after ${elapsed}s (log: $log)"
fi
echo "$line (${mode} boot, ${elapsed}s, log: $log)"
case "$line" in
"VFIO-GUEST-RESULT: PASS "*) exit 0 ;;
*) exit 1 ;;
esac
