/* SPDX-License-Identifier: MIT */
/* vfio-user wire format: message header, command ids and payload layouts. */
#ifndef ENA_VFIO_USER_H
#define ENA_VFIO_USER_H

#include <stdint.h>

#include <linux/vfio.h>

/*
 * Section references are to QEMU docs/interop/vfio-user.rst. All structs are
 * host byte order (little endian on every platform we run on) and packed.
 * Flag values for DMA_MAP, region info, irq info and SET_IRQS are the
 * VFIO_* constants of <linux/vfio.h>; ioeventfd flags are KVM_IOEVENTFD_FLAG_*
 * of <linux/kvm.h>.
 */

/* The version we propose (client) and answer (server). */
#define VFIO_USER_MAJOR 0
#define VFIO_USER_MINOR 0

/* Defaults when the peer's VERSION JSON omits a capability. */
#define VFIO_USER_DEFAULT_MAX_MSG_FDS 1u
#define VFIO_USER_DEFAULT_MAX_DATA_XFER (1u << 20)
#define VFIO_USER_DEFAULT_PGSIZES 4096ull

/* Our own limits, advertised in VERSION by both sides. */
#define VFIO_USER_MAX_MSG_FDS 16u
#define VFIO_USER_MAX_DATA_XFER (1u << 20)
/* Linux's SCM_MAX_FD: no peer can pass more in one message. */
#define VFIO_USER_SCM_MAX_FD 253u
/* Largest max_data_xfer_size we accept from a peer (QEMU's bound). */
#define VFIO_USER_PEER_MAX_DATA_XFER (64u << 20)

/* "Message Header": command ids. */
enum vfio_user_command {
	VFIO_USER_VERSION = 1,
	VFIO_USER_DMA_MAP = 2,
	VFIO_USER_DMA_UNMAP = 3,
	VFIO_USER_DEVICE_GET_INFO = 4,
	VFIO_USER_DEVICE_GET_REGION_INFO = 5,
	VFIO_USER_DEVICE_GET_REGION_IO_FDS = 6,
	VFIO_USER_DEVICE_GET_IRQ_INFO = 7,
	VFIO_USER_DEVICE_SET_IRQS = 8,
	VFIO_USER_REGION_READ = 9,
	VFIO_USER_REGION_WRITE = 10,
	VFIO_USER_DMA_READ = 11,
	VFIO_USER_DMA_WRITE = 12,
	VFIO_USER_DEVICE_RESET = 13,
	VFIO_USER_DIRTY_PAGES = 14, /* obsolete */
	VFIO_USER_REGION_WRITE_MULTI = 15,
	VFIO_USER_DEVICE_FEATURE = 16,
	VFIO_USER_MIG_DATA_READ = 17,
	VFIO_USER_MIG_DATA_WRITE = 18,
};

/* "Message Header": flags. */
#define VFIO_USER_F_TYPE_MASK 0xfu
#define VFIO_USER_F_TYPE_COMMAND 0x0u
#define VFIO_USER_F_TYPE_REPLY 0x1u
#define VFIO_USER_F_NO_REPLY 0x10u
#define VFIO_USER_F_ERROR 0x20u

/* "Message Header" (16 bytes, precedes every payload). */
struct vfio_user_header {
	uint16_t msg_id;
	uint16_t command;
	uint32_t msg_size; /* header included */
	uint32_t flags;
	uint32_t error; /* positive errno in an error reply */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_header) == 16, "vfio-user header");

#define VFIO_USER_HDR_SIZE ((uint32_t)sizeof(struct vfio_user_header))

/* "VFIO_USER_VERSION": request and reply, followed by NUL-terminated JSON. */
struct vfio_user_version {
	uint16_t major;
	uint16_t minor;
	char caps[]; /* optional UTF-8 JSON including its NUL */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_version) == 4, "vfio-user version");

/* "VFIO_USER_DMA_MAP": request (reply has no payload); 0 or 1 fd. */
struct vfio_user_dma_map {
	uint32_t argsz; /* = 32 */
	uint32_t flags; /* VFIO_DMA_MAP_FLAG_READ | _WRITE */
	uint64_t offset; /* into the passed fd; 0 without fd */
	uint64_t address; /* IOVA */
	uint64_t size;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_dma_map) == 32, "vfio-user dma_map");

/* "VFIO_USER_DMA_UNMAP": request, and the reply echoes it. */
struct vfio_user_dma_unmap {
	uint32_t argsz; /* >= 24 */
	uint32_t flags; /* 0 or VFIO_DMA_UNMAP_FLAG_ALL */
	uint64_t address;
	uint64_t size;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_dma_unmap) == 24, "vfio-user dma_unmap");

/* "VFIO_USER_DEVICE_GET_INFO": request and reply. */
struct vfio_user_device_info {
	uint32_t argsz;
	uint32_t flags; /* VFIO_DEVICE_FLAGS_RESET | VFIO_DEVICE_FLAGS_PCI */
	uint32_t num_regions;
	uint32_t num_irqs;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_device_info) == 16, "vfio-user device_info");

/* "VFIO_USER_DEVICE_GET_REGION_INFO": request and reply (+ caps, 0/1 fd). */
struct vfio_user_region_info {
	uint32_t argsz;
	uint32_t flags; /* VFIO_REGION_INFO_FLAG_* */
	uint32_t index;
	uint32_t cap_offset; /* from the start of the payload */
	uint64_t size;
	uint64_t offset; /* fd offset for mmap */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_region_info) == 32, "vfio-user region_info");

/* "Region Info Capability": header of every capability in the chain. */
struct vfio_user_cap_header {
	uint16_t id; /* VFIO_REGION_INFO_CAP_* */
	uint16_t version;
	uint32_t next; /* from the start of the payload; 0 ends */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_cap_header) == 8, "vfio-user cap header");

/* "Sparse Regions": VFIO_REGION_INFO_CAP_SPARSE_MMAP, version 1. */
struct vfio_user_sparse_mmap_cap {
	struct vfio_user_cap_header header;
	uint32_t nr_areas;
	uint32_t reserved;
	/* nr_areas x struct vfio_user_sparse_mmap_area follow */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_sparse_mmap_cap) == 16, "vfio-user sparse cap");

/* "Sparse Regions": one mappable area. */
struct vfio_user_sparse_mmap_area {
	uint64_t offset; /* within the region */
	uint64_t size;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_sparse_mmap_area) == 16, "vfio-user sparse area");

#define VFIO_USER_SPARSE_MMAP_VERSION 1

/* "VFIO_USER_DEVICE_GET_REGION_IO_FDS": request, and reply before the entries. */
struct vfio_user_region_io_fds {
	uint32_t argsz;
	uint32_t flags; /* 0 */
	uint32_t index;
	uint32_t count; /* number of entries in the reply */
	/* count x struct vfio_user_sub_region_ioeventfd follow in the reply */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_region_io_fds) == 16, "vfio-user region_io_fds");

#define VFIO_USER_IO_FD_TYPE_IOEVENTFD 0u
#define VFIO_USER_IO_FD_TYPE_IOREGIONFD 1u

/* "VFIO_USER_DEVICE_GET_REGION_IO_FDS": ioeventfd entry (the spec's 40 B). */
struct vfio_user_sub_region_ioeventfd {
	uint64_t offset; /* within the region */
	uint64_t size; /* 0 = any access width */
	uint32_t fd_index; /* into this message's fds */
	uint32_t type; /* VFIO_USER_IO_FD_TYPE_* */
	uint32_t flags; /* KVM_IOEVENTFD_FLAG_* */
	uint32_t padding;
	uint64_t datamatch;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_sub_region_ioeventfd) == 40, "vfio-user ioeventfd entry");

/* "VFIO_USER_DEVICE_GET_IRQ_INFO": request and reply. */
struct vfio_user_irq_info {
	uint32_t argsz;
	uint32_t flags; /* VFIO_IRQ_INFO_* */
	uint32_t index; /* VFIO_PCI_*_IRQ_INDEX */
	uint32_t count;
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_irq_info) == 16, "vfio-user irq_info");

/* "VFIO_USER_DEVICE_SET_IRQS": request (+ count bools for DATA_BOOL, fds). */
struct vfio_user_irq_set {
	uint32_t argsz; /* 20, or 20 + count for DATA_BOOL */
	uint32_t flags; /* one VFIO_IRQ_SET_DATA_* | one VFIO_IRQ_SET_ACTION_* */
	uint32_t index;
	uint32_t start;
	uint32_t count;
	uint8_t data[];
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_irq_set) == 20, "vfio-user irq_set");

/* "VFIO_USER_REGION_READ" / "VFIO_USER_REGION_WRITE": request and reply. */
struct vfio_user_region_access {
	uint64_t offset;
	uint32_t region;
	uint32_t count;
	uint8_t data[]; /* READ reply and WRITE request */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_region_access) == 16, "vfio-user region access");

/* "VFIO_USER_DMA_READ" / "VFIO_USER_DMA_WRITE": server->client. */
struct vfio_user_dma_access {
	uint64_t address;
	uint64_t count;
	uint8_t data[]; /* READ reply and WRITE request */
} __attribute__((packed));
_Static_assert(sizeof(struct vfio_user_dma_access) == 16, "vfio-user dma access");

#endif /* ENA_VFIO_USER_H */
