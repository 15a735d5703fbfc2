/* SPDX-License-Identifier: MIT */
/* One "VFIO device" model for libena: regions, interrupts, DMA and reset,
 * with a kernel-VFIO backend and a vfio-user client backend. */
#ifndef ENA_BUS_H
#define ENA_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENA_BUS_MAX_REGIONS 9   /* VFIO_PCI_NUM_REGIONS: BAR0-5, ROM, CONFIG, VGA */
#define ENA_BUS_CONFIG_REGION 7 /* VFIO_PCI_CONFIG_REGION_INDEX */
#define ENA_BUS_MAX_AREAS 8     /* sparse mmap areas we keep per region */
#define ENA_BUS_MAX_IOEVENTFDS 64

#define ENA_BUS_REGION_READ 0x1u
#define ENA_BUS_REGION_WRITE 0x2u
#define ENA_BUS_REGION_MMAP 0x4u

struct ena_bus_area {
	uint64_t offset; /* within the region */
	uint64_t size;
};

/* What a backend reports about one region. */
struct ena_bus_region_info {
	uint64_t size; /* 0 = absent */
	uint32_t flags; /* ENA_BUS_REGION_* */
	/* Mappable areas. MMAP with nr_areas == 0 means the whole region. */
	unsigned int nr_areas;
	struct ena_bus_area areas[ENA_BUS_MAX_AREAS];
};

/* A doorbell eventfd: a write into [offset, offset+size) of the region is
 * followed by an eventfd kick (vfio-user GET_REGION_IO_FDS). */
struct ena_bus_ioeventfd {
	unsigned int region;
	uint64_t offset;
	uint64_t size;
	int fd;
};

struct ena_bus;

/* Backend operations. Every function returns 0 or a negative errno. */
struct ena_bus_ops {
	const char *name;
	int (*region_info)(struct ena_bus *bus, unsigned int index, struct ena_bus_region_info *ret);
	int (*region_read)(struct ena_bus *bus, unsigned int index, uint64_t off, void *buf, size_t len);
	int (*region_write)(struct ena_bus *bus, unsigned int index, uint64_t off, const void *buf, size_t len);
	/* Map [off, off+len) of a region; off/len lie inside one mappable area.
	 * write_combine asks for a WC mapping (LLQ BAR); a backend that cannot
	 * give one maps it normally. */
	int (*region_mmap)(struct ena_bus *bus, unsigned int index, uint64_t off, size_t len,
			   bool write_combine, void **ret);
	/* Doorbell eventfds of a region (may be none). The backend owns the
	 * fds and closes them in destroy; the bus only keeps copies of the ints. */
	int (*region_ioeventfds)(struct ena_bus *bus, unsigned int index,
				 struct ena_bus_ioeventfd *ret, unsigned int max, unsigned int *ret_n);
	/* Number of MSI-X vectors. */
	int (*irq_count)(struct ena_bus *bus, unsigned int *ret);
	/* Assign eventfds to MSI-X vectors [start, start+count). fds == NULL
	 * de-assigns that range; count == 0 with fds == NULL disables all. */
	int (*irq_set)(struct ena_bus *bus, unsigned int start, unsigned int count, const int *fds);
	/* Make [vaddr, vaddr+size) (backed by fd at fd_offset) reachable by the
	 * device. The backend chooses the IOVA (noiommu: physical address). */
	int (*dma_map)(struct ena_bus *bus, int fd, uint64_t fd_offset, void *vaddr, uint64_t size,
		       uint64_t *ret_iova);
	/* noiommu: nothing is mapped, so this only forgets the range; the pages
	 * the backend locked stay locked until the caller munmaps them (as
	 * ena_dma_free does). */
	int (*dma_unmap)(struct ena_bus *bus, uint64_t iova, uint64_t size);
	/* Function-level reset of the transport device (not the ENA reset). */
	int (*reset)(struct ena_bus *bus);
	/* Serve device-initiated requests (vfio-user DMA_READ/WRITE) if any are
	 * pending; returns the number served. Optional. */
	int (*poll)(struct ena_bus *bus);
	void (*destroy)(struct ena_bus *bus);
};

struct ena_bus_mapping {
	unsigned int region;
	uint64_t offset;
	uint64_t size;
	uint8_t *va;
};

/* The common bus object. Backends embed nothing: they keep their state in
 * priv and are reached only through ops. */
struct ena_bus {
	const struct ena_bus_ops *ops;
	void *priv;
	char name[128]; /* the device string */
	struct ena_bus_region_info regions[ENA_BUS_MAX_REGIONS];
	bool region_known[ENA_BUS_MAX_REGIONS];
	struct ena_bus_mapping maps[ENA_BUS_MAX_REGIONS * ENA_BUS_MAX_AREAS];
	unsigned int nr_maps;
	struct ena_bus_ioeventfd iofds[ENA_BUS_MAX_IOEVENTFDS];
	unsigned int nr_iofds;
};

/**
 * ena_bus_open() - open a device by its string.
 * @devstr: "vfio-user:/path/to/socket" or "pci:0000:00:06.0"
 * @ret: receives the bus; untouched on failure.
 *
 * Return: 0, -EINVAL for a malformed string, or the backend's error.
 */
int ena_bus_open(const char *devstr, struct ena_bus **ret);

/** ena_bus_close() - unmap everything and release the device. NULL is ok. */
void ena_bus_close(struct ena_bus *bus);

/**
 * ena_bus_region() - region info, cached after the first call.
 * Return: pointer valid until ena_bus_close(), or NULL with errno set.
 */
const struct ena_bus_region_info *ena_bus_region(struct ena_bus *bus, unsigned int index);

/**
 * ena_bus_map_region() - map every mappable area of a region and fetch its
 * doorbell eventfds, so that register access to those areas is a plain store.
 * @write_combine: request write-combining (LLQ BAR).
 */
int ena_bus_map_region(struct ena_bus *bus, unsigned int index, bool write_combine);

/** ena_bus_region_ptr() - CPU address of region offset @off if it is mapped
 * for at least @len bytes, else NULL. */
void *ena_bus_region_ptr(struct ena_bus *bus, unsigned int index, uint64_t off, size_t len);

/** ena_bus_kick_fd() - eventfd to kick after storing to region offset @off,
 * or -1 when the store alone reaches the device. */
int ena_bus_kick_fd(struct ena_bus *bus, unsigned int index, uint64_t off);

/**
 * ena_bus_read32() / ena_bus_write32() - 32-bit register access. Uses the
 * mapping when the offset is mapped (and kicks its doorbell eventfd after a
 * write), otherwise a region read/write through the backend.
 */
int ena_bus_read32(struct ena_bus *bus, unsigned int index, uint64_t off, uint32_t *ret);
int ena_bus_write32(struct ena_bus *bus, unsigned int index, uint64_t off, uint32_t val);

/** PCI config space access (region 7). */
int ena_bus_config_read(struct ena_bus *bus, uint64_t off, void *buf, size_t len);
int ena_bus_config_write(struct ena_bus *bus, uint64_t off, const void *buf, size_t len);

/** ena_bus_enable_bus_master() - set PCI_COMMAND memory + bus master. */
int ena_bus_enable_bus_master(struct ena_bus *bus);

int ena_bus_irq_count(struct ena_bus *bus, unsigned int *ret);
int ena_bus_irq_set(struct ena_bus *bus, unsigned int start, unsigned int count, const int *fds);
int ena_bus_dma_map(struct ena_bus *bus, int fd, uint64_t fd_offset, void *vaddr, uint64_t size,
		    uint64_t *ret_iova);
int ena_bus_dma_unmap(struct ena_bus *bus, uint64_t iova, uint64_t size);
int ena_bus_reset(struct ena_bus *bus);
int ena_bus_poll(struct ena_bus *bus);

/* Backend constructors (bus_vfio_user.c, bus_vfio_kernel.c). */
int ena_bus_vfio_user_open(const char *socket_path, struct ena_bus **ret);
int ena_bus_vfio_kernel_open(const char *bdf, struct ena_bus **ret);

/* Used by backends: allocate the common object around their state. */
struct ena_bus *ena_bus_alloc(const struct ena_bus_ops *ops, void *priv, const char *name);

#endif /* ENA_BUS_H */
