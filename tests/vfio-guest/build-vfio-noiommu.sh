#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Debian's kernel is built without CONFIG_VFIO_NOIOMMU, so its vfio.ko has
# no enable_unsafe_noiommu_mode. Rebuild just that module from Debian's own
# kernel source (linux-source-6.1) against the matching headers with the
# option turned on. Its exported symbols keep the same CRCs, so the stock
# vfio-pci and vfio_iommu_type1 load on top of it. The module is cached in
# OUT, keyed by kernel and source package version.
#
#   build-vfio-noiommu.sh --out DIR     prints the path of the vfio.ko
set -euo pipefail

out=
while [ $# -gt 0 ]; do
	case "$1" in
	--out) out=$2; shift 2 ;;
	*) echo "build-vfio-noiommu: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$out" ] || { echo "usage: build-vfio-noiommu.sh --out DIR" >&2; exit 2; }
die() { echo "build-vfio-noiommu: $*" >&2; exit 1; }

kver=
for v in $(printf '%s\n' /boot/vmlinuz-* | sed 's|^/boot/vmlinuz-||' | sort -V -r); do
	if [ -f "/lib/modules/$v/modules.dep" ]; then kver=$v; break; fi
done
[ -n "$kver" ] || die "no installed kernel: apt-get install linux-image-amd64"
series=$(echo "$kver" | cut -d. -f1,2)
tarball=/usr/src/linux-source-$series.tar.xz
headers=/usr/src/linux-headers-$kver
[ -f "$tarball" ] || die "no $tarball: apt-get install linux-source-$series"
[ -f "$headers/Module.symvers" ] || die "no $headers: apt-get install linux-headers-$kver"
srcver=$(dpkg-query -W -f='${Version}' "linux-source-$series" 2>/dev/null || echo unknown)

mkdir -p "$out"
ko=$out/vfio-noiommu-$kver.ko
stamp=$ko.stamp
if [ -f "$ko" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$kver $srcver" ]; then
	echo "$ko"
	exit 0
fi

work=$(mktemp -d /tmp/vfio-noiommu.XXXXXX)
trap 'rm -rf "$work"' EXIT
files=(vfio_main.c iova_bitmap.c container.c vfio.h)
tar -xJf "$tarball" -C "$work" --strip-components=3 \
	"${files[@]/#/linux-source-$series/drivers/vfio/}" ||
	die "drivers/vfio of $tarball does not have ${files[*]} (a kernel other than 6.1?)"
cat > "$work/Kbuild" <<'KBUILD'
obj-m := vfio.o
vfio-y := vfio_main.o iova_bitmap.o container.o
ccflags-y := -DCONFIG_VFIO_NOIOMMU=1
KBUILD
make -s -C "$headers" M="$work" modules -j"$(nproc)" > "$work/build.log" 2>&1 ||
	{ cat "$work/build.log" >&2; die "module build failed"; }
modinfo -p "$work/vfio.ko" | grep -q '^enable_unsafe_noiommu_mode:' ||
	die "the rebuilt vfio.ko has no enable_unsafe_noiommu_mode parameter"
# The stock modules that import vfio's symbols must accept this one.
stock=$(awk '$3 ~ /drivers\/vfio\/vfio$/ { print $1, $2 }' "$headers/Module.symvers" | sort)
built=$(awk '{ print $1, $2 }' "$work/Module.symvers" | sort)
[ "$stock" = "$built" ] || die "symbol CRCs of the rebuilt vfio.ko differ from $headers/Module.symvers"
cp "$work/vfio.ko" "$ko"
echo "$kver $srcver" > "$stamp"
echo "$ko"
