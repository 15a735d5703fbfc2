/* SPDX-License-Identifier: MIT */
/* Internals of the kernel-VFIO bus backend that the unit tests reach: the
 * open path with its file-system roots, and the region-info decoder. */
#ifndef ENA_BUS_VFIO_KERNEL_H
#define ENA_BUS_VFIO_KERNEL_H

#include <stddef.h>

#include "bus.h"

/* Where the backend looks for sysfs and device nodes. */
struct ena_vfio_kernel_paths {
	const char *sysfs_root; /* "/sys" */
	const char *dev_root;   /* "/dev": <dev_root>/vfio/vfio, <dev_root>/iommu, ... */
};

/**
 * ena_bus_vfio_kernel_open_at() - ena_bus_vfio_kernel_open() with the sysfs
 * and /dev roots given, so tests can build fake trees.
 * @paths: the roots; NULL or NULL members mean "/sys" and "/dev".
 * @bdf: "0000:00:06.0" or "00:06.0".
 * @ret: receives the bus; untouched on failure.
 *
 * Return: 0 or a negative errno, with a sentence in ena_error_last().
 */
int ena_bus_vfio_kernel_open_at(const struct ena_vfio_kernel_paths *paths, const char *bdf,
				struct ena_bus **ret);

/**
 * ena_vfio_region_info_decode() - turn a VFIO_DEVICE_GET_REGION_INFO reply
 * (struct vfio_region_info and its capability chain) into bus region info.
 * @buf: the reply, as the kernel filled it.
 * @len: bytes of @buf that are valid (the argsz we passed).
 * @ret: receives the info; untouched on failure.
 *
 * Sparse-mmap areas are checked against the region size; zero-sized and
 * unaligned areas are dropped, and a sparse capability with no usable area
 * (or of an unknown version) clears ENA_BUS_REGION_MMAP: such a region is
 * reached with read/write only. Unknown capabilities are skipped.
 *
 * Return: 0, or -EINVAL for a malformed reply (short buffer, a capability
 * outside the buffer or not after the previous one, an area count that does
 * not fit, an area outside the region).
 */
int ena_vfio_region_info_decode(const void *buf, size_t len, struct ena_bus_region_info *ret);

#endif /* ENA_BUS_VFIO_KERNEL_H */
