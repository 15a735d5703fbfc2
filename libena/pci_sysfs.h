/* SPDX-License-Identifier: MIT */
/* PCI addresses (BDF) and the sysfs facts the kernel-VFIO backend needs. */
#ifndef ENA_PCI_SYSFS_H
#define ENA_PCI_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A PCI function address: domain:bus:device.function. */
struct ena_pci_bdf {
	uint16_t domain;
	uint8_t bus;
	uint8_t dev; /* 0..31 */
	uint8_t fn;  /* 0..7 */
};

/* "dddd:bb:dd.f" and its NUL. */
#define ENA_PCI_BDF_STRLEN 13

/* Default sysfs mount point; every lookup takes a root so tests can pass a
 * fake tree. */
#define ENA_PCI_SYSFS_ROOT "/sys"

/**
 * ena_pci_bdf_parse() - parse a PCI address.
 * @s: "0000:00:06.0" (4 hex digit domain) or "00:06.0" (domain 0). Hex digits
 *     may be upper or lower case; nothing else (spaces, signs, prefixes,
 *     longer fields) is accepted.
 * @ret: receives the address; untouched on failure.
 *
 * Return: 0, or -EINVAL for anything else (device > 0x1f, function > 7, ...).
 */
int ena_pci_bdf_parse(const char *s, struct ena_pci_bdf *ret);

/**
 * ena_pci_bdf_format() - the canonical sysfs spelling "0000:00:06.0".
 * @bdf: the address.
 * @buf: output, at least ENA_PCI_BDF_STRLEN bytes.
 * @len: size of @buf.
 *
 * Return: 0, -EINVAL for a bad address, -ENOSPC if @buf is too small.
 */
int ena_pci_bdf_format(const struct ena_pci_bdf *bdf, char *buf, size_t len);

/**
 * ena_pci_path() - path of a file of the device in sysfs.
 * @root: sysfs root, NULL for ENA_PCI_SYSFS_ROOT.
 * @bdf: the device.
 * @leaf: file below the device directory ("numa_node"), or NULL/"" for the
 *        directory itself.
 * @buf: output; @len: its size.
 *
 * Gives "<root>/bus/pci/devices/<bdf>/<leaf>".
 * Return: 0, -EINVAL, or -ENAMETOOLONG if it does not fit.
 */
int ena_pci_path(const char *root, const struct ena_pci_bdf *bdf, const char *leaf, char *buf,
		 size_t len);

/**
 * ena_pci_exists() - whether sysfs knows the device.
 * Return: 0 when the device directory exists, -ENOENT when not, or another
 * negative errno from stat().
 */
int ena_pci_exists(const char *root, const struct ena_pci_bdf *bdf);

/**
 * ena_pci_read_iommu_group() - the device's IOMMU group number, from the
 * target of its "iommu_group" link (".../kernel/iommu_groups/12" -> 12).
 * @ret: receives the group; untouched on failure.
 *
 * Return: 0, -ENOENT when the device has no IOMMU group, -EINVAL when the
 * link does not end in a decimal number.
 */
int ena_pci_read_iommu_group(const char *root, const struct ena_pci_bdf *bdf, int *ret);

/**
 * ena_pci_read_numa_node() - the device's NUMA node.
 * @ret: receives the node, or -1 when unknown (no file, or the kernel says
 *       -1); untouched on failure.
 *
 * Return: 0, or -EINVAL when the file holds something other than an integer
 * in [-1, 65535].
 */
int ena_pci_read_numa_node(const char *root, const struct ena_pci_bdf *bdf, int *ret);

/**
 * ena_pci_has_resource_wc() - whether the write-combining view of a BAR
 * ("resourceN_wc", present for prefetchable BARs) exists.
 * @bar: 0..5.
 * @ret: receives the answer; untouched on failure.
 *
 * Return: 0, or -EINVAL for a bad @bar, or a stat() error other than ENOENT.
 */
int ena_pci_has_resource_wc(const char *root, const struct ena_pci_bdf *bdf, unsigned int bar,
			    bool *ret);

/**
 * ena_pci_read_driver() - name of the bound driver ("vfio-pci", "ena").
 * @buf: output; @len: its size.
 *
 * Return: 0, -ENOENT when no driver is bound, -EINVAL for a malformed link,
 * -ENOSPC when @buf is too small.
 */
int ena_pci_read_driver(const char *root, const struct ena_pci_bdf *bdf, char *buf, size_t len);

/**
 * ena_pci_read_ids() - vendor and device ids ("0x1d0f", "0xec20").
 * @ret_vendor, @ret_device: receive the ids; untouched on failure.
 *
 * Return: 0, -ENOENT, or -EINVAL when a file is not "0x" + 1..4 hex digits.
 */
int ena_pci_read_ids(const char *root, const struct ena_pci_bdf *bdf, uint16_t *ret_vendor,
		     uint16_t *ret_device);

/**
 * ena_pci_read_vfio_dev() - name of the device's VFIO character device
 * ("vfio3", or "noiommu-vfio3"), the only entry of ".../vfio-dev/". Its
 * node is /dev/vfio/devices/<name> (kernels with the VFIO cdev, 6.6+).
 * @buf: output; @len: its size.
 *
 * Return: 0, -ENOENT when there is none, -EINVAL for an unexpected name or
 * more than one entry, -ENOSPC when @buf is too small.
 */
int ena_pci_read_vfio_dev(const char *root, const struct ena_pci_bdf *bdf, char *buf, size_t len);

#endif /* ENA_PCI_SYSFS_H */
