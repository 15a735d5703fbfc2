/* SPDX-License-Identifier: MIT */
/* Kernel-VFIO bus backend: a vfio-pci device through the iommufd cdev, a
 * type1 container/group, or (unsafely) noiommu. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/vfio.h>
#if __has_include(<linux/iommufd.h>)
#include <linux/iommufd.h>
#endif

#include "bus.h"
#include "bus_vfio_kernel.h"
#include "error.h"
#include "pagemap.h"
#include "pci_sysfs.h"

/* The iommufd cdev path needs kernel headers from Linux 6.6 or later
 * (VFIO_DEVICE_BIND_IOMMUFD, <linux/iommufd.h>). Debian 12 ships 6.1
 * headers: there the backend is built with the group paths only. */
#if defined(VFIO_DEVICE_BIND_IOMMUFD) && defined(VFIO_DEVICE_ATTACH_IOMMUFD_PT) && \
	defined(IOMMU_IOAS_ALLOC) && defined(IOMMU_IOAS_MAP) && defined(IOMMU_IOAS_UNMAP)
#define HAVE_VFIO_IOMMUFD 1
#else
#define HAVE_VFIO_IOMMUFD 0
#endif

/* IOVAs handed out for type1/iommufd start above 4 GiB, clear of the MSI
 * window and the other reserved ranges x86 keeps below 4 GiB, and stay
 * below 2^39, which every IOMMU with 3-level or deeper tables covers. */
#define IOVA_BASE (1ull << 32)
#define IOVA_LIMIT (1ull << 39)
#define IOVA_HUGE_ALIGN (2ull << 20)

/* Largest region-info reply (info + capability chain) we accept. */
#define REGION_INFO_MAX 65536u

enum vfio_mode {
	VFIO_MODE_IOMMUFD,
	VFIO_MODE_TYPE1,
	VFIO_MODE_NOIOMMU,
};

struct vfio_region {
	struct ena_bus_region_info info;
	uint64_t offset; /* of the region in the device fd */
};

struct vfio_kernel {
	enum vfio_mode mode;
	int container_fd; /* type1, noiommu */
	int group_fd;     /* type1, noiommu */
	int iommufd;      /* iommufd */
	uint32_t ioas_id; /* iommufd */
	int device_fd;
	uint32_t device_flags;
	unsigned int msix_count;
	uint64_t next_iova; /* bump allocator, atomic */

	struct ena_pci_bdf pci;
	char bdf[ENA_PCI_BDF_STRLEN];
	int iommu_group;
	char *sysfs_root;
	char *dev_root;
	char container_path[PATH_MAX];
	char group_path[PATH_MAX];
	char iommu_path[PATH_MAX];
	char device_path[PATH_MAX]; /* the group or cdev node the device fd came from */

	struct vfio_region regions[ENA_BUS_MAX_REGIONS];
};

static const char *mode_name(enum vfio_mode mode)
{
	switch (mode) {
	case VFIO_MODE_IOMMUFD:
		return "iommufd";
	case VFIO_MODE_TYPE1:
		return "type1";
	case VFIO_MODE_NOIOMMU:
		return "noiommu";
	}
	return "?";
}

/* Record "<step> <path>: <strerror(errno)>" and return -errno. */
static int fail_errno(const char *step, const char *path)
{
	int e = errno ? errno : EIO;

	return ena_error_set(-e, "%s %s failed: %s", step, path, strerror(e));
}

static int path_format(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int path_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		return ena_error_set(-ENAMETOOLONG, "path too long: %s", buf);
	return 0;
}

static bool path_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

static int ioctl_retry(int fd, unsigned long request, void *arg)
{
	int r;

	do
		r = ioctl(fd, request, arg);
	while (r < 0 && errno == EINTR);
	return r;
}

/* ---- region info ---- */

int ena_vfio_region_info_decode(const void *buf, size_t len, struct ena_bus_region_info *ret)
{
	const uint8_t *bytes = buf;
	struct ena_bus_region_info out = { 0 };
	struct vfio_region_info info;
	uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	bool sparse_seen = false, sparse_usable = true;
	uint32_t off;

	if (!buf || !ret || len < sizeof(info))
		return -EINVAL;
	memcpy(&info, buf, sizeof(info));
	if (info.size == 0) { /* absent region: not an error */
		*ret = out;
		return 0;
	}
	if (info.offset + info.size < info.offset)
		return -EINVAL;
	out.size = info.size;
	if (info.flags & VFIO_REGION_INFO_FLAG_READ)
		out.flags |= ENA_BUS_REGION_READ;
	if (info.flags & VFIO_REGION_INFO_FLAG_WRITE)
		out.flags |= ENA_BUS_REGION_WRITE;
	if (info.flags & VFIO_REGION_INFO_FLAG_MMAP)
		out.flags |= ENA_BUS_REGION_MMAP;

	off = (info.flags & VFIO_REGION_INFO_FLAG_CAPS) ? info.cap_offset : 0;
	while (off) {
		struct vfio_info_cap_header hdr;
		uint32_t nr;

		if (off < sizeof(info) || off > len || len - off < sizeof(hdr))
			return -EINVAL;
		memcpy(&hdr, bytes + off, sizeof(hdr));
		if (hdr.next && hdr.next <= off) /* the chain only moves forward */
			return -EINVAL;

		if (hdr.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
			struct vfio_region_info_cap_sparse_mmap sparse;

			if (sparse_seen)
				return -EINVAL;
			sparse_seen = true;
			if (len - off < sizeof(sparse))
				return -EINVAL;
			memcpy(&sparse, bytes + off, sizeof(sparse));
			nr = sparse.nr_areas;
			if (nr > (len - off - sizeof(sparse)) / sizeof(struct vfio_region_sparse_mmap_area))
				return -EINVAL;
			if (hdr.version != 1)
				sparse_usable = false;
			for (uint32_t i = 0; i < nr && sparse_usable; i++) {
				struct vfio_region_sparse_mmap_area area;

				memcpy(&area, bytes + off + sizeof(sparse) + i * sizeof(area), sizeof(area));
				if (area.offset > info.size || area.size > info.size - area.offset)
					return -EINVAL;
				if (area.size == 0 || area.offset % page_size)
					continue;
				/* Areas beyond what we keep stay reachable by read/write. */
				if (out.nr_areas < ENA_BUS_MAX_AREAS) {
					out.areas[out.nr_areas].offset = area.offset;
					out.areas[out.nr_areas].size = area.size;
					out.nr_areas++;
				}
			}
		}
		off = hdr.next;
	}
	if (sparse_seen && (!sparse_usable || out.nr_areas == 0)) {
		out.flags &= ~ENA_BUS_REGION_MMAP;
		out.nr_areas = 0;
	}
	if (!(out.flags & ENA_BUS_REGION_MMAP))
		out.nr_areas = 0;
	*ret = out;
	return 0;
}

/* VFIO_DEVICE_GET_REGION_INFO in two passes: the fixed part tells how big
 * the reply with its capability chain is. */
static int vfio_region_query(struct vfio_kernel *vk, unsigned int index, uint32_t num_regions)
{
	struct vfio_region_info head = { .argsz = sizeof(head), .index = index };
	struct vfio_region_info *full = NULL;
	struct vfio_region *region = &vk->regions[index];
	const void *reply = &head;
	size_t reply_len = sizeof(head);
	int r;

	memset(region, 0, sizeof(*region));
	if (index >= num_regions)
		return 0; /* absent */
	if (ioctl_retry(vk->device_fd, VFIO_DEVICE_GET_REGION_INFO, &head) < 0) {
		/* vfio-pci answers EINVAL for the VGA region of a non-VGA device. */
		if (errno == EINVAL && index == VFIO_PCI_VGA_REGION_INDEX)
			return 0;
		return ena_error_set(-errno, "VFIO_DEVICE_GET_REGION_INFO (region %u) on %s failed: %s",
				     index, vk->device_path, strerror(errno));
	}
	if (head.argsz > sizeof(head)) {
		uint32_t argsz = head.argsz;

		if (argsz > REGION_INFO_MAX)
			return ena_error_set(-E2BIG, "region %u of %s: region info of %u bytes is too large",
					     index, vk->bdf, argsz);
		full = calloc(1, argsz);
		if (!full)
			return ena_error_set(-ENOMEM, "region %u of %s: out of memory", index, vk->bdf);
		full->argsz = argsz;
		full->index = index;
		if (ioctl_retry(vk->device_fd, VFIO_DEVICE_GET_REGION_INFO, full) < 0) {
			r = ena_error_set(-errno,
					  "VFIO_DEVICE_GET_REGION_INFO (region %u, %u bytes) on %s failed: %s",
					  index, argsz, vk->device_path, strerror(errno));
			goto free_full;
		}
		if (full->argsz > argsz) {
			r = ena_error_set(-EPROTO, "region %u of %s: region info grew between two calls",
					  index, vk->bdf);
			goto free_full;
		}
		reply = full;
		reply_len = argsz;
	}
	r = ena_vfio_region_info_decode(reply, reply_len, &region->info);
	if (r < 0) {
		r = ena_error_set(r, "region %u of %s: malformed region info from the kernel", index,
				  vk->bdf);
		goto free_full;
	}
	memcpy(&head, reply, sizeof(head));
	region->offset = head.offset;
free_full:
	free(full);
	return r;
}

static const struct vfio_region *vfio_region_get(struct vfio_kernel *vk, unsigned int index)
{
	if (index >= ENA_BUS_MAX_REGIONS || vk->regions[index].info.size == 0) {
		ena_error_set(-EINVAL, "%s has no region %u", vk->bdf, index);
		return NULL;
	}
	return &vk->regions[index];
}

/* Check [off, off+len) against a region and give its offset in the device fd. */
static int vfio_region_span(struct vfio_kernel *vk, unsigned int index, uint64_t off, uint64_t len,
			    uint32_t need, uint64_t *ret_fd_off)
{
	const struct vfio_region *region = vfio_region_get(vk, index);

	if (!region)
		return -EINVAL;
	if ((region->info.flags & need) != need)
		return ena_error_set(-EINVAL, "region %u of %s does not allow %s", index, vk->bdf,
				     need & ENA_BUS_REGION_MMAP  ? "mmap"
				     : need & ENA_BUS_REGION_READ ? "reads"
								  : "writes");
	if (off > region->info.size || len > region->info.size - off)
		return ena_error_set(-EINVAL,
				     "region %u of %s: %" PRIu64 " bytes at %#" PRIx64
				     " lie outside its %" PRIu64 " bytes",
				     index, vk->bdf, len, off, region->info.size);
	*ret_fd_off = region->offset + off;
	return 0;
}

/* ---- bus operations ---- */

static int vk_region_info(struct ena_bus *bus, unsigned int index, struct ena_bus_region_info *ret)
{
	struct vfio_kernel *vk = bus->priv;

	if (index >= ENA_BUS_MAX_REGIONS)
		return ena_error_set(-EINVAL, "%s: region index %u is out of range", vk->bdf, index);
	*ret = vk->regions[index].info;
	return 0;
}

static int vk_region_read(struct ena_bus *bus, unsigned int index, uint64_t off, void *buf,
			  size_t len)
{
	struct vfio_kernel *vk = bus->priv;
	uint8_t *p = buf;
	uint64_t pos;
	int r;

	r = vfio_region_span(vk, index, off, len, ENA_BUS_REGION_READ, &pos);
	if (r < 0)
		return r;
	while (len > 0) {
		ssize_t n = pread(vk->device_fd, p, len, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ena_error_set(n < 0 ? -errno : -EIO,
					     "read of region %u at %#" PRIx64 " of %s failed: %s", index,
					     off, vk->bdf, n < 0 ? strerror(errno) : "short read");
		p += n;
		pos += (uint64_t)n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int vk_region_write(struct ena_bus *bus, unsigned int index, uint64_t off, const void *buf,
			   size_t len)
{
	struct vfio_kernel *vk = bus->priv;
	const uint8_t *p = buf;
	uint64_t pos;
	int r;

	r = vfio_region_span(vk, index, off, len, ENA_BUS_REGION_WRITE, &pos);
	if (r < 0)
		return r;
	while (len > 0) {
		ssize_t n = pwrite(vk->device_fd, p, len, (off_t)pos);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return ena_error_set(n < 0 ? -errno : -EIO,
					     "write of region %u at %#" PRIx64 " of %s failed: %s", index,
					     off, vk->bdf, n < 0 ? strerror(errno) : "short write");
		p += n;
		pos += (uint64_t)n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Write-combined view of a BAR through sysfs resourceN_wc, if the kernel
 * offers one for it (prefetchable BARs). NULL when not possible. */
static void *vk_mmap_wc(struct vfio_kernel *vk, unsigned int bar, uint64_t off, size_t len)
{
	char path[PATH_MAX], leaf[32];
	bool has_wc = false;
	void *p;
	int fd;

	if (ena_pci_has_resource_wc(vk->sysfs_root, &vk->pci, bar, &has_wc) < 0 || !has_wc)
		return NULL;
	snprintf(leaf, sizeof(leaf), "resource%u_wc", bar);
	if (ena_pci_path(vk->sysfs_root, &vk->pci, leaf, path, sizeof(path)) < 0)
		return NULL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	close(fd); /* the mapping keeps what it needs */
	return p == MAP_FAILED ? NULL : p;
}

static int vk_region_mmap(struct ena_bus *bus, unsigned int index, uint64_t off, size_t len,
			  bool write_combine, void **ret)
{
	struct vfio_kernel *vk = bus->priv;
	uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t pos;
	void *p;
	int r;

	if (len == 0 || off % page_size)
		return ena_error_set(-EINVAL, "mmap of region %u of %s: offset %#" PRIx64
				     " must be page aligned and the length non-zero", index, vk->bdf, off);
	r = vfio_region_span(vk, index, off, len, ENA_BUS_REGION_MMAP, &pos);
	if (r < 0)
		return r;
	if (write_combine && index <= VFIO_PCI_BAR5_REGION_INDEX) {
		p = vk_mmap_wc(vk, index, off, len);
		if (p) {
			*ret = p;
			return 0;
		}
		/* No WC view: the normal (uncached) mapping still works. */
	}
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, vk->device_fd, (off_t)pos);
	if (p == MAP_FAILED)
		return ena_error_set(-errno, "mmap of region %u (%zu bytes at %#" PRIx64 ") of %s failed: %s",
				     index, len, off, vk->bdf, strerror(errno));
	*ret = p;
	return 0;
}

/* The MMIO store itself reaches the device: no doorbell eventfds. */
static int vk_region_ioeventfds(struct ena_bus *bus, unsigned int index,
				struct ena_bus_ioeventfd *ret, unsigned int max, unsigned int *ret_n)
{
	*ret_n = 0;
	return 0;
}

static int vk_irq_count(struct ena_bus *bus, unsigned int *ret)
{
	struct vfio_kernel *vk = bus->priv;

	*ret = vk->msix_count;
	return 0;
}

static int vk_irq_set(struct ena_bus *bus, unsigned int start, unsigned int count, const int *fds)
{
	struct vfio_kernel *vk = bus->priv;
	struct vfio_irq_set *set;
	size_t argsz;
	int32_t *data;
	int r = 0;

	if (count == 0) {
		struct vfio_irq_set off = {
			.argsz = sizeof(off),
			.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = VFIO_PCI_MSIX_IRQ_INDEX,
		};

		if (fds)
			return ena_error_set(-EINVAL, "irq_set on %s: no vectors given", vk->bdf);
		if (ioctl_retry(vk->device_fd, VFIO_DEVICE_SET_IRQS, &off) < 0)
			return ena_error_set(-errno, "VFIO_DEVICE_SET_IRQS (disable MSI-X) on %s failed: %s",
					     vk->bdf, strerror(errno));
		return 0;
	}
	if (start > vk->msix_count || count > vk->msix_count - start)
		return ena_error_set(-EINVAL, "irq_set on %s: vectors %u..%u exceed the %u MSI-X vectors",
				     vk->bdf, start, start + count - 1, vk->msix_count);

	argsz = sizeof(*set) + (size_t)count * sizeof(int32_t);
	set = calloc(1, argsz);
	if (!set)
		return ena_error_set(-ENOMEM, "irq_set on %s: out of memory", vk->bdf);
	set->argsz = (uint32_t)argsz;
	set->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	set->index = VFIO_PCI_MSIX_IRQ_INDEX;
	set->start = start;
	set->count = count;
	data = (int32_t *)(void *)set->data;
	for (unsigned int i = 0; i < count; i++)
		data[i] = fds ? fds[i] : -1; /* -1 de-assigns */
	if (ioctl_retry(vk->device_fd, VFIO_DEVICE_SET_IRQS, set) < 0)
		r = ena_error_set(-errno, "VFIO_DEVICE_SET_IRQS (MSI-X %u..%u) on %s failed: %s", start,
				  start + count - 1, vk->bdf, strerror(errno));
	free(set);
	return r;
}

/* Reserve @size bytes of IOVA space, 2 MiB aligned for 2 MiB or more (so the
 * IOMMU can use large pages), page aligned otherwise. Space is not reused:
 * 2^39 - 2^32 bytes last a long time at ENA's allocation rate. */
static int iova_alloc(struct vfio_kernel *vk, uint64_t size, uint64_t *ret)
{
	uint64_t align = size >= IOVA_HUGE_ALIGN ? IOVA_HUGE_ALIGN : (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t cur = __atomic_load_n(&vk->next_iova, __ATOMIC_RELAXED), start, end;

	do {
		start = (cur + align - 1) & ~(align - 1);
		end = start + size;
		if (end < start || end > IOVA_LIMIT)
			return ena_error_set(-ENOSPC, "%s: IOVA space exhausted (%" PRIu64 " bytes wanted)",
					     vk->bdf, size);
	} while (!__atomic_compare_exchange_n(&vk->next_iova, &cur, end, true, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	*ret = start;
	return 0;
}

/* noiommu is UNSAFE: there is no IOMMU between the device and memory, so the
 * device (or anything that can program it) can read and write all of
 * physical memory, and a misprogrammed descriptor corrupts the host. The
 * kernel taints itself when it is used; only use it where no IOMMU exists
 * and the machine is dedicated to this driver.
 *
 * The device sees physical addresses, so the range must be one physically
 * contiguous, pinned run. mlock keeps the pages resident (and
 * their frames fixed); munmap by the owner releases it. */
static int noiommu_dma_map(struct vfio_kernel *vk, void *vaddr, uint64_t size, uint64_t *ret_iova)
{
	uint64_t pa;
	int r;

	if (mlock(vaddr, size) < 0)
		return ena_error_set(-errno, "noiommu DMA map of %s: mlock of %" PRIu64 " bytes failed: %s",
				     vk->bdf, size, strerror(errno));
	r = ena_pagemap_range_phys(vaddr, size, &pa);
	if (r == -EINVAL)
		r = ena_error_set(-EINVAL,
				  "noiommu DMA map of %s: the %" PRIu64 " bytes at %p are not physically "
				  "contiguous; noiommu mode needs DMA memory from 2 MiB hugepages "
				  "(reserve them with sysctl vm.nr_hugepages)",
				  vk->bdf, size, vaddr);
	else if (r == -EPERM)
		r = ena_error_set(-EPERM, "noiommu DMA map of %s: reading physical addresses from "
				  "/proc/self/pagemap needs CAP_SYS_ADMIN", vk->bdf);
	else if (r < 0)
		r = ena_error_set(r, "noiommu DMA map of %s: /proc/self/pagemap lookup failed: %s",
				  vk->bdf, strerror(-r));
	if (r < 0) {
		munlock(vaddr, size);
		return r;
	}
	*ret_iova = pa;
	return 0;
}

static int vk_dma_map(struct ena_bus *bus, int fd, uint64_t fd_offset, void *vaddr, uint64_t size,
		      uint64_t *ret_iova)
{
	struct vfio_kernel *vk = bus->priv;
	uint64_t page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	uint64_t iova = 0;
	int r;

	if (!vaddr || size == 0 || (uintptr_t)vaddr % page_size || size % page_size || !ret_iova)
		return ena_error_set(-EINVAL, "DMA map on %s: %" PRIu64 " bytes at %p: address and size "
				     "must be non-zero and page aligned", vk->bdf, size, vaddr);
	if (vk->mode == VFIO_MODE_NOIOMMU)
		return noiommu_dma_map(vk, vaddr, size, ret_iova);

	r = iova_alloc(vk, size, &iova);
	if (r < 0)
		return r;
	if (vk->mode == VFIO_MODE_TYPE1) {
		struct vfio_iommu_type1_dma_map map = {
			.argsz = sizeof(map),
			.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
			.vaddr = (uint64_t)(uintptr_t)vaddr,
			.iova = iova,
			.size = size,
		};

		if (ioctl_retry(vk->container_fd, VFIO_IOMMU_MAP_DMA, &map) < 0)
			return ena_error_set(-errno, "VFIO_IOMMU_MAP_DMA of %" PRIu64 " bytes on %s failed: %s%s",
					     size, vk->container_path, strerror(errno),
					     errno == ENOMEM ? " (locked-memory limit? raise RLIMIT_MEMLOCK)" : "");
	} else {
#if HAVE_VFIO_IOMMUFD
		struct iommu_ioas_map map = {
			.size = sizeof(map),
			.flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
				 IOMMU_IOAS_MAP_WRITEABLE,
			.ioas_id = vk->ioas_id,
			.user_va = (uint64_t)(uintptr_t)vaddr,
			.length = size,
			.iova = iova,
		};

		if (ioctl_retry(vk->iommufd, IOMMU_IOAS_MAP, &map) < 0)
			return ena_error_set(-errno, "IOMMU_IOAS_MAP of %" PRIu64 " bytes on %s failed: %s",
					     size, vk->iommu_path, strerror(errno));
#else
		return ena_error_set(-ENOTSUP, "iommufd is not built in");
#endif
	}
	*ret_iova = iova;
	return 0;
}

static int vk_dma_unmap(struct ena_bus *bus, uint64_t iova, uint64_t size)
{
	struct vfio_kernel *vk = bus->priv;
	uint64_t done;

	switch (vk->mode) {
	case VFIO_MODE_NOIOMMU:
		return 0; /* nothing was mapped; munmap drops the lock */
	case VFIO_MODE_TYPE1: {
		struct vfio_iommu_type1_dma_unmap unmap = {
			.argsz = sizeof(unmap),
			.iova = iova,
			.size = size,
		};

		if (ioctl_retry(vk->container_fd, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0)
			return ena_error_set(-errno, "VFIO_IOMMU_UNMAP_DMA of %#" PRIx64 "+%" PRIu64
					     " on %s failed: %s", iova, size, vk->container_path,
					     strerror(errno));
		done = unmap.size;
		break;
	}
	case VFIO_MODE_IOMMUFD: {
#if HAVE_VFIO_IOMMUFD
		struct iommu_ioas_unmap unmap = {
			.size = sizeof(unmap),
			.ioas_id = vk->ioas_id,
			.iova = iova,
			.length = size,
		};

		if (ioctl_retry(vk->iommufd, IOMMU_IOAS_UNMAP, &unmap) < 0)
			return ena_error_set(-errno, "IOMMU_IOAS_UNMAP of %#" PRIx64 "+%" PRIu64
					     " on %s failed: %s", iova, size, vk->iommu_path,
					     strerror(errno));
		done = unmap.length;
		break;
#else
		return ena_error_set(-ENOTSUP, "iommufd is not built in");
#endif
	}
	default:
		return ena_error_set(-EINVAL, "DMA unmap on %s: unknown mode", vk->bdf);
	}
	if (done != size)
		return ena_error_set(-ENOENT, "DMA unmap of %#" PRIx64 "+%" PRIu64 " on %s: only %" PRIu64
				     " bytes were mapped", iova, size, vk->bdf, done);
	return 0;
}

static int vk_reset(struct ena_bus *bus)
{
	struct vfio_kernel *vk = bus->priv;

	if (!(vk->device_flags & VFIO_DEVICE_FLAGS_RESET))
		return ena_error_set(-ENOTSUP, "%s does not support a VFIO device reset", vk->bdf);
	if (ioctl(vk->device_fd, VFIO_DEVICE_RESET) < 0)
		return ena_error_set(-errno, "VFIO_DEVICE_RESET on %s failed: %s", vk->bdf,
				     strerror(errno));
	return 0;
}

/* Release everything open_* acquired, in reverse order. Safe on a partly
 * opened state (fds are -1 when not open). */
static void vfio_kernel_close(struct vfio_kernel *vk)
{
	if (vk->device_fd >= 0)
		close(vk->device_fd);
	vk->device_fd = -1;
#if HAVE_VFIO_IOMMUFD
	if (vk->iommufd >= 0 && vk->ioas_id) {
		struct iommu_destroy destroy = { .size = sizeof(destroy), .id = vk->ioas_id };

		ioctl(vk->iommufd, IOMMU_DESTROY, &destroy);
	}
#endif
	vk->ioas_id = 0;
	if (vk->iommufd >= 0)
		close(vk->iommufd);
	vk->iommufd = -1;
	if (vk->group_fd >= 0)
		close(vk->group_fd); /* also detaches it from the container */
	vk->group_fd = -1;
	if (vk->container_fd >= 0)
		close(vk->container_fd);
	vk->container_fd = -1;
}

static void vfio_kernel_free(struct vfio_kernel *vk)
{
	if (!vk)
		return;
	vfio_kernel_close(vk);
	free(vk->sysfs_root);
	free(vk->dev_root);
	free(vk);
}

static void vk_destroy(struct ena_bus *bus)
{
	if (!bus)
		return;
	vfio_kernel_free(bus->priv);
	bus->priv = NULL;
}

static const struct ena_bus_ops vfio_kernel_ops = {
	.name = "vfio-kernel",
	.region_info = vk_region_info,
	.region_read = vk_region_read,
	.region_write = vk_region_write,
	.region_mmap = vk_region_mmap,
	.region_ioeventfds = vk_region_ioeventfds,
	.irq_count = vk_irq_count,
	.irq_set = vk_irq_set,
	.dma_map = vk_dma_map,
	.dma_unmap = vk_dma_unmap,
	.reset = vk_reset,
	.poll = NULL,
	.destroy = vk_destroy,
};

/* ---- open ---- */

#if HAVE_VFIO_IOMMUFD
/* iommufd cdev: /dev/iommu plus /dev/vfio/devices/vfioN; the device is bound
 * to the iommufd and attached to a fresh IOAS that holds our DMA maps. */
static int vfio_open_iommufd(struct vfio_kernel *vk, const char *cdev)
{
	struct vfio_device_bind_iommufd bind = { .argsz = sizeof(bind) };
	struct vfio_device_attach_iommufd_pt attach = { .argsz = sizeof(attach) };
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	struct iommu_destroy destroy = { .size = sizeof(destroy) };
	int iommufd, device_fd, r;

	r = path_format(vk->device_path, sizeof(vk->device_path), "%s/vfio/devices/%s", vk->dev_root,
			cdev);
	if (r < 0)
		return r;
	iommufd = open(vk->iommu_path, O_RDWR | O_CLOEXEC);
	if (iommufd < 0)
		return fail_errno("open", vk->iommu_path);
	device_fd = open(vk->device_path, O_RDWR | O_CLOEXEC);
	if (device_fd < 0) {
		r = fail_errno("open", vk->device_path);
		goto close_iommufd;
	}
	bind.iommufd = iommufd;
	if (ioctl_retry(device_fd, VFIO_DEVICE_BIND_IOMMUFD, &bind) < 0) {
		r = fail_errno("VFIO_DEVICE_BIND_IOMMUFD on", vk->device_path);
		goto close_device;
	}
	if (ioctl_retry(iommufd, IOMMU_IOAS_ALLOC, &alloc) < 0) {
		r = fail_errno("IOMMU_IOAS_ALLOC on", vk->iommu_path);
		goto close_device;
	}
	attach.pt_id = alloc.out_ioas_id;
	if (ioctl_retry(device_fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &attach) < 0) {
		r = fail_errno("VFIO_DEVICE_ATTACH_IOMMUFD_PT on", vk->device_path);
		goto destroy_ioas;
	}
	vk->mode = VFIO_MODE_IOMMUFD;
	vk->iommufd = iommufd;
	vk->device_fd = device_fd;
	vk->ioas_id = alloc.out_ioas_id;
	return 0;

destroy_ioas:
	destroy.id = alloc.out_ioas_id;
	ioctl(iommufd, IOMMU_DESTROY, &destroy);
close_device:
	close(device_fd);
close_iommufd:
	close(iommufd);
	return r;
}
#endif

/* Container/group: type1 (v2 preferred) behind an IOMMU, or noiommu. */
static int vfio_open_group(struct vfio_kernel *vk, bool noiommu)
{
	struct vfio_group_status status = { .argsz = sizeof(status) };
	int container, group, device_fd, version, r;
	unsigned long type;

	container = open(vk->container_path, O_RDWR | O_CLOEXEC);
	if (container < 0)
		return fail_errno("open", vk->container_path);
	version = ioctl(container, VFIO_GET_API_VERSION);
	if (version < 0) {
		r = fail_errno("VFIO_GET_API_VERSION on", vk->container_path);
		goto close_container;
	}
	if (version != VFIO_API_VERSION) {
		r = ena_error_set(-EPROTO, "%s speaks VFIO API version %d, we know %d",
				  vk->container_path, version, VFIO_API_VERSION);
		goto close_container;
	}
	if (noiommu) {
		type = VFIO_NOIOMMU_IOMMU;
		if (ioctl(container, VFIO_CHECK_EXTENSION, type) <= 0) {
			r = ena_error_set(-ENOTSUP, "%s offers no noiommu IOMMU: load vfio with "
					  "enable_unsafe_noiommu_mode=1", vk->container_path);
			goto close_container;
		}
	} else if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) > 0) {
		type = VFIO_TYPE1v2_IOMMU;
	} else if (ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1_IOMMU) > 0) {
		type = VFIO_TYPE1_IOMMU;
	} else {
		r = ena_error_set(-ENOTSUP, "%s offers no type1 IOMMU: load vfio_iommu_type1",
				  vk->container_path);
		goto close_container;
	}

	group = open(vk->group_path, O_RDWR | O_CLOEXEC);
	if (group < 0) {
		r = fail_errno("open", vk->group_path);
		if (r == -EBUSY)
			r = ena_error_set(-EBUSY, "open %s failed: the VFIO group of %s is in use by "
					  "another process", vk->group_path, vk->bdf);
		goto close_container;
	}
	if (ioctl_retry(group, VFIO_GROUP_GET_STATUS, &status) < 0) {
		r = fail_errno("VFIO_GROUP_GET_STATUS on", vk->group_path);
		goto close_group;
	}
	if (!(status.flags & VFIO_GROUP_FLAGS_VIABLE)) {
		r = ena_error_set(-EBUSY, "IOMMU group %d of %s is not viable: bind every device in "
				  "%s/kernel/iommu_groups/%d/devices to vfio-pci or unbind it",
				  vk->iommu_group, vk->bdf, vk->sysfs_root, vk->iommu_group);
		goto close_group;
	}
	if (ioctl_retry(group, VFIO_GROUP_SET_CONTAINER, &container) < 0) {
		r = fail_errno("VFIO_GROUP_SET_CONTAINER on", vk->group_path);
		goto close_group;
	}
	if (ioctl(container, VFIO_SET_IOMMU, type) < 0) {
		r = fail_errno(type == VFIO_NOIOMMU_IOMMU ? "VFIO_SET_IOMMU (noiommu) on"
							  : "VFIO_SET_IOMMU (type1) on",
			       vk->container_path);
		goto close_group;
	}
	device_fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, vk->bdf);
	if (device_fd < 0) {
		r = fail_errno("VFIO_GROUP_GET_DEVICE_FD on", vk->group_path);
		goto close_group;
	}
	/* The kernel gives it O_CLOEXEC; make sure on every version. */
	fcntl(device_fd, F_SETFD, FD_CLOEXEC);
	snprintf(vk->device_path, sizeof(vk->device_path), "%s", vk->group_path);

	vk->mode = noiommu ? VFIO_MODE_NOIOMMU : VFIO_MODE_TYPE1;
	vk->container_fd = container;
	vk->group_fd = group;
	vk->device_fd = device_fd;
	return 0;

close_group:
	close(group); /* detaches from the container if it was attached */
close_container:
	close(container);
	return r;
}

/* Device info, every region and the MSI-X vector count. */
static int vfio_device_setup(struct vfio_kernel *vk)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };
	struct vfio_irq_info irq = { .argsz = sizeof(irq), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	int r;

	if (ioctl_retry(vk->device_fd, VFIO_DEVICE_GET_INFO, &info) < 0)
		return fail_errno("VFIO_DEVICE_GET_INFO on", vk->device_path);
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI) || info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX ||
	    info.num_irqs <= VFIO_PCI_MSIX_IRQ_INDEX)
		return ena_error_set(-ENODEV, "%s is not a VFIO PCI device (flags %#x, %u regions, %u irqs)",
				     vk->bdf, info.flags, info.num_regions, info.num_irqs);
	vk->device_flags = info.flags;
	for (unsigned int i = 0; i < ENA_BUS_MAX_REGIONS; i++) {
		r = vfio_region_query(vk, i, info.num_regions);
		if (r < 0)
			return r;
	}
	if (ioctl_retry(vk->device_fd, VFIO_DEVICE_GET_IRQ_INFO, &irq) < 0)
		return fail_errno("VFIO_DEVICE_GET_IRQ_INFO (MSI-X) on", vk->device_path);
	vk->msix_count = (irq.flags & VFIO_IRQ_INFO_EVENTFD) ? irq.count : 0;
	return 0;
}

/* Where the device stands in sysfs: it must exist and be bound to a VFIO
 * driver. */
static int vfio_check_device(struct vfio_kernel *vk)
{
	char driver[NAME_MAX + 1];
	int r;

	r = ena_pci_exists(vk->sysfs_root, &vk->pci);
	if (r < 0)
		return ena_error_set(r, "no PCI device %s in %s/bus/pci/devices: %s", vk->bdf,
				     vk->sysfs_root, strerror(-r));
	r = ena_pci_read_driver(vk->sysfs_root, &vk->pci, driver, sizeof(driver));
	if (r == -ENOENT)
		return ena_error_set(-ENODEV, "%s is bound to no driver: bind it to vfio-pci "
				     "(echo vfio-pci > %s/bus/pci/devices/%s/driver_override; "
				     "echo %s > %s/bus/pci/drivers_probe)",
				     vk->bdf, vk->sysfs_root, vk->bdf, vk->bdf, vk->sysfs_root);
	if (r < 0)
		return ena_error_set(r, "reading the driver of %s failed: %s", vk->bdf, strerror(-r));
	if (!strstr(driver, "vfio"))
		return ena_error_set(-EBUSY, "%s is bound to %s, not vfio-pci: unbind it and bind "
				     "vfio-pci (driverctl set-override %s vfio-pci)",
				     vk->bdf, driver, vk->bdf);
	r = ena_pci_read_iommu_group(vk->sysfs_root, &vk->pci, &vk->iommu_group);
	if (r == -ENOENT)
		return ena_error_set(-ENODEV, "%s has no IOMMU group: enable the IOMMU "
				     "(intel_iommu=on or amd_iommu=on) or, unsafely, load vfio with "
				     "enable_unsafe_noiommu_mode=1", vk->bdf);
	if (r < 0)
		return ena_error_set(r, "reading the IOMMU group of %s failed: %s", vk->bdf,
				     strerror(-r));
	return 0;
}

/* Pick iommufd, type1 or noiommu from what exists, and open the device. */
static int vfio_open_device(struct vfio_kernel *vk)
{
	char noiommu_path[PATH_MAX], cdev[NAME_MAX + 1];
	bool noiommu;
	int r;

	r = path_format(vk->group_path, sizeof(vk->group_path), "%s/vfio/%d", vk->dev_root,
			vk->iommu_group);
	if (r < 0)
		return r;
	r = path_format(noiommu_path, sizeof(noiommu_path), "%s/vfio/noiommu-%d", vk->dev_root,
			vk->iommu_group);
	if (r < 0)
		return r;
	noiommu = !path_exists(vk->group_path) && path_exists(noiommu_path);
	if (noiommu)
		snprintf(vk->group_path, sizeof(vk->group_path), "%s", noiommu_path);

#if HAVE_VFIO_IOMMUFD
	if (!noiommu && path_exists(vk->iommu_path) &&
	    ena_pci_read_vfio_dev(vk->sysfs_root, &vk->pci, cdev, sizeof(cdev)) == 0 &&
	    !strncmp(cdev, "vfio", 4)) {
		char cdev_path[PATH_MAX];

		if (path_format(cdev_path, sizeof(cdev_path), "%s/vfio/devices/%s", vk->dev_root, cdev) == 0 &&
		    path_exists(cdev_path))
			return vfio_open_iommufd(vk, cdev);
	}
#else
	(void)cdev;
#endif
	if (!path_exists(vk->container_path))
		return ena_error_set(-ENODEV, "%s has no VFIO container %s%s: load vfio-pci, or use a "
				     "vfio-user device string", vk->bdf, vk->container_path,
				     HAVE_VFIO_IOMMUFD ? " and no usable iommufd cdev"
						       : " (iommufd support is not built in)");
	if (!path_exists(vk->group_path))
		return ena_error_set(-ENODEV, "no VFIO group node %s for %s (IOMMU group %d): is it "
				     "bound to vfio-pci?", vk->group_path, vk->bdf, vk->iommu_group);
	return vfio_open_group(vk, noiommu);
}

int ena_bus_vfio_kernel_open_at(const struct ena_vfio_kernel_paths *paths, const char *bdf,
				struct ena_bus **ret)
{
	const char *sysfs_root = paths && paths->sysfs_root ? paths->sysfs_root : "/sys";
	const char *dev_root = paths && paths->dev_root ? paths->dev_root : "/dev";
	char name[sizeof("pci:") + ENA_PCI_BDF_STRLEN];
	struct vfio_kernel *vk;
	struct ena_bus *bus;
	int r;

	if (!bdf || !ret)
		return ena_error_set(-EINVAL, "kernel VFIO open: no PCI address given");
	vk = calloc(1, sizeof(*vk));
	if (!vk)
		return ena_error_set(-ENOMEM, "kernel VFIO open of %s: out of memory", bdf);
	vk->container_fd = vk->group_fd = vk->iommufd = vk->device_fd = -1;
	vk->next_iova = IOVA_BASE;

	r = ena_pci_bdf_parse(bdf, &vk->pci);
	if (r < 0) {
		r = ena_error_set(r, "\"%s\" is not a PCI address: write it as 0000:00:06.0 "
				  "(domain:bus:device.function)", bdf);
		goto free_state;
	}
	ena_pci_bdf_format(&vk->pci, vk->bdf, sizeof(vk->bdf));
	vk->sysfs_root = strdup(sysfs_root);
	vk->dev_root = strdup(dev_root);
	if (!vk->sysfs_root || !vk->dev_root) {
		r = ena_error_set(-ENOMEM, "kernel VFIO open of %s: out of memory", bdf);
		goto free_state;
	}
	r = path_format(vk->container_path, sizeof(vk->container_path), "%s/vfio/vfio", dev_root);
	if (r < 0)
		goto free_state;
	r = path_format(vk->iommu_path, sizeof(vk->iommu_path), "%s/iommu", dev_root);
	if (r < 0)
		goto free_state;

	if (!path_exists(vk->container_path) && !path_exists(vk->iommu_path)) {
		r = ena_error_set(-ENODEV, "kernel VFIO is not available here (neither %s nor %s "
				  "exists): load vfio-pci (modprobe vfio-pci) and bind %s to it, "
				  "or use a vfio-user device string (vfio-user:/path/to/socket)",
				  vk->container_path, vk->iommu_path, vk->bdf);
		goto free_state;
	}
	r = vfio_check_device(vk);
	if (r < 0)
		goto free_state;
	r = vfio_open_device(vk);
	if (r < 0)
		goto free_state;
	r = vfio_device_setup(vk);
	if (r < 0)
		goto free_state; /* vfio_kernel_free closes the device */

	snprintf(name, sizeof(name), "pci:%s", vk->bdf);
	bus = ena_bus_alloc(&vfio_kernel_ops, vk, name);
	if (!bus) {
		r = ena_error_set(-ENOMEM, "kernel VFIO open of %s (%s): out of memory", vk->bdf,
				  mode_name(vk->mode));
		goto free_state;
	}
	*ret = bus;
	return 0;

free_state:
	vfio_kernel_free(vk);
	return r;
}

int ena_bus_vfio_kernel_open(const char *bdf, struct ena_bus **ret)
{
	return ena_bus_vfio_kernel_open_at(NULL, bdf, ret);
}
