/* SPDX-License-Identifier: MIT */
/* vfio-user server core for enasim: one emulated PCI function, one client
 * connection at a time. The device model plugs in through callbacks. */
#ifndef ENASIM_VFU_SERVER_H
#define ENASIM_VFU_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VFU_MAX_REGIONS 9   /* BAR0-5, ROM, CONFIG (7), VGA */
#define VFU_CONFIG_REGION 7
#define VFU_MAX_AREAS 4
#define VFU_MAX_IOEVENTFDS 64
#define VFU_MAX_MSIX 257    /* 1 admin + 256 IO */

#define VFU_REGION_READ 0x1u
#define VFU_REGION_WRITE 0x2u
#define VFU_REGION_MMAP 0x4u

struct vfu_area {
	uint64_t offset;
	uint64_t size;
};

/* A region the device exposes. Mappable areas are backed by @fd: area bytes
 * at region offset X live at fd offset X (the fd covers the whole region). */
struct vfu_region {
	uint64_t size;
	uint32_t flags;
	int fd; /* -1 when nothing is mappable; owned by the device */
	unsigned int nr_areas;
	struct vfu_area areas[VFU_MAX_AREAS];
};

/* Doorbell eventfd advertised through GET_REGION_IO_FDS. */
struct vfu_ioeventfd {
	uint64_t offset;
	uint64_t size;
	int fd; /* owned by the device; the server sends dups */
};

/* Device model hooks. ctx is the pointer given to vfu_server_create().
 * Trapped region access gets whole, validated ranges (offset+len <= size). */
struct vfu_device_ops {
	int (*region_read)(void *ctx, unsigned int region, uint64_t off, void *buf, size_t len);
	int (*region_write)(void *ctx, unsigned int region, uint64_t off, const void *buf, size_t len);
	/* Called before each client message is handled: vfio-user gives no
	 * ordering between mmap/eventfd doorbells and socket messages, so the
	 * device drains its doorbells here. Optional. */
	void (*before_message)(void *ctx);
	/* Called before a DMA window disappears (unmap or disconnect): the
	 * device must stop touching it before this returns. Optional. */
	void (*dma_unmap)(void *ctx, uint64_t iova, uint64_t size);
	/* MSI-X eventfds changed. Optional. */
	void (*irqs_changed)(void *ctx);
	/* DEVICE_RESET. Optional (then DEVICE_RESET gets ENOTSUP). */
	int (*reset)(void *ctx);
	/* A client connected / went away. Optional. */
	void (*connected)(void *ctx);
	void (*disconnected)(void *ctx);
};

struct vfu_server;

/**
 * vfu_server_create() - listen on a unix socket path (replacing a stale
 * socket file). Return 0 or -errno; *ret untouched on failure.
 */
int vfu_server_create(const char *path, const struct vfu_device_ops *ops, void *ctx,
		      struct vfu_server **ret);
void vfu_server_destroy(struct vfu_server *srv);

/* Device description; call before clients connect. */
int vfu_server_set_region(struct vfu_server *srv, unsigned int index, const struct vfu_region *r);
int vfu_server_set_ioeventfds(struct vfu_server *srv, unsigned int region,
			      const struct vfu_ioeventfd *fds, unsigned int n);
int vfu_server_set_msix_count(struct vfu_server *srv, unsigned int count);

/* Event loop integration: poll this fd for POLLIN and call
 * vfu_server_dispatch() when readable. It is an epoll fd covering both the
 * listening socket and the connection, so it stays the same for the
 * server's lifetime (a second client is accepted and closed at once). */
int vfu_server_fd(const struct vfu_server *srv);
/* Accept or handle exactly one message. Returns 0, or -errno when the
 * connection was dropped (protocol error or EOF); the server then listens
 * again. Never exits the process. */
int vfu_server_dispatch(struct vfu_server *srv);
bool vfu_server_connected(const struct vfu_server *srv);

/**
 * vfu_server_irq_fire() - signal MSI-X vector @vector.
 * Return: 0, or -ENOENT when the client assigned no eventfd to it.
 */
int vfu_server_irq_fire(struct vfu_server *srv, unsigned int vector);

/**
 * vfu_server_dma() - CPU address of device address [iova, iova+len), which
 * must lie inside one mapped window with the needed access.
 * @write: the device will write.
 * Return: pointer valid until that window is unmapped, or NULL.
 */
void *vfu_server_dma(struct vfu_server *srv, uint64_t iova, size_t len, bool write);

/* Copy helpers on top of vfu_server_dma(); -EFAULT when not mapped. */
int vfu_server_dma_read(struct vfu_server *srv, uint64_t iova, void *buf, size_t len);
int vfu_server_dma_write(struct vfu_server *srv, uint64_t iova, const void *buf, size_t len);

#endif /* ENASIM_VFU_SERVER_H */
