#!/bin/busybox sh
# SPDX-License-Identifier: MIT
# /init of the VFIO guest test: load the vfio modules, reserve hugepages,
# bind the e1000e (8086:10d3) to vfio-pci, run the test program and print
# one line on the serial console:
#   VFIO-GUEST-RESULT: PASS n/m      or      VFIO-GUEST-RESULT: FAIL <why>
# then power off. The kernel argument vfioguest.mode=noiommu selects the
# noiommu boot (vfio loaded with enable_unsafe_noiommu_mode=1).
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/hugepages
mount -t hugetlbfs hugetlbfs /dev/hugepages

result() {
	echo "VFIO-GUEST-RESULT: $*"
	sync
	poweroff -f
	sleep 10
}

mode=iommu
case " $(cat /proc/cmdline) " in
*" vfioguest.mode=noiommu "*) mode=noiommu ;;
esac
echo "vfio-guest: kernel $(uname -r), mode $mode"

for ko in $(cat /modules/order); do
	if [ "$ko" = vfio.ko ] && [ "$mode" = noiommu ]; then
		[ -f /modules/noiommu/vfio.ko ] ||
			result "FAIL noiommu: no vfio.ko built with CONFIG_VFIO_NOIOMMU in the initramfs"
		insmod /modules/noiommu/vfio.ko enable_unsafe_noiommu_mode=1 ||
			result "FAIL insmod noiommu vfio.ko enable_unsafe_noiommu_mode=1"
		continue
	fi
	insmod "/modules/$ko" || result "FAIL insmod $ko"
done

echo 8 > /proc/sys/vm/nr_hugepages
echo "vfio-guest: $(cat /proc/sys/vm/nr_hugepages) hugepages of 2 MiB reserved"

bdf=
for d in /sys/bus/pci/devices/*; do
	if [ "$(cat "$d/vendor")" = 0x8086 ] && [ "$(cat "$d/device")" = 0x10d3 ]; then
		bdf=${d##*/}
		break
	fi
done
[ -n "$bdf" ] || result "FAIL no e1000e (8086:10d3) on the PCI bus"
echo vfio-pci > "/sys/bus/pci/devices/$bdf/driver_override"
echo "$bdf" > /sys/bus/pci/drivers_probe
[ -e "/sys/bus/pci/devices/$bdf/driver" ] || result "FAIL $bdf did not bind to vfio-pci"
group=$(basename "$(readlink "/sys/bus/pci/devices/$bdf/iommu_group")")
node=/dev/vfio/$group
[ "$mode" = noiommu ] && node=/dev/vfio/noiommu-$group
i=0
while [ ! -e "$node" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ -e "$node" ] || result "FAIL $node did not appear (have: $(ls /dev/vfio 2>&1))"
echo "vfio-guest: $bdf bound to $(basename "$(readlink "/sys/bus/pci/devices/$bdf/driver")"), $node"

out=/tmp/test.out
/bin/vfio_guest_test --bdf "$bdf" --mode "$mode" > "$out" 2>&1
rc=$?
cat "$out"
summary=$(grep '^SUMMARY ' "$out" | tail -n 1)
# shellcheck disable=SC2086 # split the summary into its fields
set -- $summary
if [ $rc -eq 0 ] && [ $# -eq 3 ] && [ "$2" = "$3" ]; then
	result "PASS $2/$3"
elif [ $# -eq 3 ]; then
	result "FAIL $2/$3 ($(grep '^FAIL' "$out" | head -n 1)) exit $rc"
else
	result "FAIL the test program printed no summary (exit $rc)"
fi
