#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build the initramfs for the VFIO guest test: busybox, the vfio-pci modules
# of the newest installed Debian kernel (dependencies resolved through its
# modules.dep), the test program and init.sh as /init.
#
#   build-initramfs.sh --out DIR --test PROGRAM [--noiommu-vfio KO]
#
# Leaves DIR/vmlinuz (a copy of the kernel) and DIR/initramfs.cpio.gz.
# --noiommu-vfio adds a vfio.ko built with CONFIG_VFIO_NOIOMMU (Debian's
# kernel is built without it; see build-vfio-noiommu.sh) as
# /modules/noiommu/vfio.ko, which init.sh loads for the noiommu boot.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out='' test_prog='' noiommu_ko=''
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	--test) test_prog=$2; shift 2 ;;
	--noiommu-vfio) noiommu_ko=$2; shift 2 ;;
	*) echo "build-initramfs: unknown argument $1" >&2; exit 2 ;;
	esac
done
if [ -z "$out" ] || [ -z "$test_prog" ]; then
	echo "usage: build-initramfs.sh --out DIR --test PROGRAM [--noiommu-vfio KO]" >&2
	exit 2
fi

die() { echo "build-initramfs: $*" >&2; exit 1; }

# The newest kernel from linux-image-amd64 that has a module tree.
kver=
for v in $(printf '%s\n' /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V -r); do
	if [ -f "/lib/modules/$v/modules.dep" ]; then kver=$v; break; fi
done
[ -n "$kver" ] || die "no /boot/vmlinuz-* with a /lib/modules tree: apt-get install linux-image-amd64"
[ -x /bin/busybox ] || die "no /bin/busybox: apt-get install busybox-static"
! ldd /bin/busybox >/dev/null 2>&1 || die "/bin/busybox is not static: apt-get install busybox-static"
[ -x "$test_prog" ] || die "test program $test_prog is missing"
command -v cpio >/dev/null || die "no cpio: apt-get install cpio"
command -v modprobe >/dev/null || die "no modprobe: apt-get install kmod"

mkdir -p "$out"
root=$(mktemp -d "$out/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,tmp,modules}

cp /bin/busybox "$root/bin/busybox"
cp "$here/init.sh" "$root/init"
chmod 0755 "$root/init"
cp "$test_prog" "$root/bin/vfio_guest_test"

# vfio-pci and vfio_iommu_type1 (a softdep of vfio), with everything they
# need, in load order; each module once.
: > "$root/modules/order"
for want in vfio_iommu_type1 vfio-pci; do
	modprobe -S "$kver" --show-depends "$want" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	name=$(basename "$ko")
	case "$name" in
	*.ko.xz) xz -dc "$ko" > "$root/modules/${name%.xz}"; name=${name%.xz} ;;
	*.ko.zst) zstd -qdc "$ko" > "$root/modules/${name%.zst}"; name=${name%.zst} ;;
	*.ko.gz) gzip -dc "$ko" > "$root/modules/${name%.gz}"; name=${name%.gz} ;;
	*) cp "$ko" "$root/modules/$name" ;;
	esac
	echo "$name" >> "$root/modules/order"
done
grep -qx 'vfio-pci.ko' "$root/modules/order" || die "vfio-pci.ko not found for kernel $kver"
if [ -n "$noiommu_ko" ]; then
	mkdir -p "$root/modules/noiommu"
	cp "$noiommu_ko" "$root/modules/noiommu/vfio.ko"
fi
echo "$kver" > "$root/kernel-version"

cp "/boot/vmlinuz-$kver" "$out/vmlinuz"
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0) |
	gzip -1 > "$out/initramfs.cpio.gz"
echo "build-initramfs: kernel $kver, modules: $(tr '\n' ' ' < "$root/modules/order")$([ -n "$noiommu_ko" ] && echo "+ noiommu vfio.ko")"
