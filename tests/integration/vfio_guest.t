#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# libena's kernel-VFIO backend against the real vfio-pci driver in a QEMU
# guest (tests/vfio-guest/run.sh): one boot behind an IOMMU (type1), one
# without (noiommu). TAP on stdout; the serial logs stay in $B/vfio-guest/.
set -u
cd "$(dirname "$0")/../.." || exit 1
export B=${B:-build}

echo "1..2"
n=0
for mode in iommu noiommu; do
	n=$((n + 1))
	out=$(tests/vfio-guest/run.sh "$mode" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $mode boot"
	else
		reason=$(printf '%s\n' "$out" | grep -E 'VFIO-GUEST-RESULT|FAIL' | tail -n 1)
		echo "not ok $n - $mode boot: ${reason:-run.sh exited $rc}"
	fi
	printf '%s\n' "$out" | sed 's/^/# /'
done
