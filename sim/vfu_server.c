/* SPDX-License-Identifier: MIT */
/* vfio-user server core for enasim: accepts one client, answers its
 * commands from the device description and forwards trapped accesses, DMA
 * window changes and resets to the device model. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/vfio.h>

#include "vfio_user_msg.h"
#include "vfu_server.h"

#define VFU_NUM_IRQS 5 /* VFIO_PCI_NUM_IRQS */
#define VFU_PAGE_SIZE 4096ull
/* A message larger than this is a protocol error: drop the connection. */
#define VFU_MAX_MSG_SIZE (VFIO_USER_MAX_DATA_XFER + 64u)
#define VFU_MAX_PAYLOAD (VFU_MAX_MSG_SIZE - VFIO_USER_HDR_SIZE)
/* Time a client gets to finish sending a message / to take our reply. */
#define VFU_MSG_TIMEOUT_MS 5000u
/* Most DMA windows a client may keep at once. */
#define VFU_MAX_DMA_WINDOWS 4096u
#define VFU_LISTEN_BACKLOG 4

struct vfu_window {
	uint64_t iova;
	uint64_t size;
	uint8_t *va;
	bool read; /* device may read */
	bool write; /* device may write */
};

struct vfu_server {
	const struct vfu_device_ops *ops;
	void *ctx;
	char *path;
	int listen_fd;
	int conn_fd; /* -1 while nobody is connected */
	int epoll_fd; /* listen_fd + conn_fd: what the event loop polls */
	bool negotiated;
	uint32_t client_max_fds;
	uint64_t deadline_ns; /* of the message being handled */

	struct vfu_region regions[VFU_MAX_REGIONS];
	struct vfu_ioeventfd iofds[VFU_MAX_REGIONS][VFU_MAX_IOEVENTFDS];
	unsigned int nr_iofds[VFU_MAX_REGIONS];

	pthread_mutex_t irq_lock; /* irq_fds, msix_count: device threads fire */
	unsigned int msix_count;
	int irq_fds[VFU_MAX_MSIX];

	/* Sorted by iova, non-overlapping. Written only by the dispatching
	 * thread (under the write lock); device threads look up under read. */
	pthread_rwlock_t dma_lock;
	struct vfu_window *windows;
	unsigned int nr_windows;
	unsigned int cap_windows;
};

/* A device callback's -errno as a positive errno for an error reply. */
static int reply_errno(int r)
{
	return (r < 0 && r > -4096) ? -r : EIO;
}

static int reply_send(struct vfu_server *srv, const struct vfio_user_msg *m,
		      const struct iovec *iov, unsigned int iovcnt, const int *fds,
		      unsigned int nr_fds)
{
	return vfio_user_send_reply(srv->conn_fd, &m->hdr, iov, iovcnt, fds, nr_fds,
				    srv->deadline_ns);
}

/* One-piece reply. */
static int reply_simple(struct vfu_server *srv, const struct vfio_user_msg *m, const void *buf,
			size_t len)
{
	struct iovec v = { .iov_base = (void *)buf, .iov_len = len };

	return reply_send(srv, m, &v, len ? 1 : 0, NULL, 0);
}

/* ---- DMA windows ---- */

/* Index of the first window whose end is above @iova (nr_windows if none). */
static unsigned int window_search(const struct vfu_server *srv, uint64_t iova)
{
	unsigned int lo = 0, hi = srv->nr_windows;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;
		const struct vfu_window *w = &srv->windows[mid];

		if (w->iova + w->size <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Remove window @i from the table, let the device drop it, then unmap. */
static void window_remove(struct vfu_server *srv, unsigned int i)
{
	struct vfu_window w = srv->windows[i];

	pthread_rwlock_wrlock(&srv->dma_lock);
	memmove(&srv->windows[i], &srv->windows[i + 1],
		(srv->nr_windows - i - 1) * sizeof(srv->windows[0]));
	srv->nr_windows--;
	pthread_rwlock_unlock(&srv->dma_lock);

	if (srv->ops->dma_unmap)
		srv->ops->dma_unmap(srv->ctx, w.iova, w.size);
	munmap(w.va, w.size);
}

static void windows_remove_all(struct vfu_server *srv)
{
	while (srv->nr_windows)
		window_remove(srv, srv->nr_windows - 1);
}

void *vfu_server_dma(struct vfu_server *srv, uint64_t iova, size_t len, bool write)
{
	void *p = NULL;
	unsigned int i;

	if (!srv)
		return NULL;
	pthread_rwlock_rdlock(&srv->dma_lock);
	i = window_search(srv, iova);
	if (i < srv->nr_windows) {
		const struct vfu_window *w = &srv->windows[i];

		if (iova >= w->iova && len <= w->size && iova - w->iova <= w->size - len &&
		    (write ? w->write : w->read))
			p = w->va + (iova - w->iova);
	}
	pthread_rwlock_unlock(&srv->dma_lock);
	return p;
}

int vfu_server_dma_read(struct vfu_server *srv, uint64_t iova, void *buf, size_t len)
{
	const void *p = vfu_server_dma(srv, iova, len, false);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int vfu_server_dma_write(struct vfu_server *srv, uint64_t iova, const void *buf, size_t len)
{
	void *p = vfu_server_dma(srv, iova, len, true);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

/* ---- interrupts ---- */

/* Replace vectors [start, start+count) by @fds (NULL: de-assign). Takes
 * ownership of @fds. Old fds are closed after the swap, so nothing fires
 * them once this returns. */
static void irqs_replace(struct vfu_server *srv, unsigned int start, unsigned int count, int *fds)
{
	bool changed = false;

	for (unsigned int i = 0; i < count; i++) {
		int old;

		pthread_mutex_lock(&srv->irq_lock);
		old = srv->irq_fds[start + i];
		srv->irq_fds[start + i] = fds ? fds[i] : -1;
		pthread_mutex_unlock(&srv->irq_lock);
		if (old >= 0)
			close(old);
		changed = changed || old >= 0 || (fds && fds[i] >= 0);
	}
	if (changed && srv->ops->irqs_changed)
		srv->ops->irqs_changed(srv->ctx);
}

int vfu_server_irq_fire(struct vfu_server *srv, unsigned int vector)
{
	int r = 0;

	pthread_mutex_lock(&srv->irq_lock);
	if (vector >= srv->msix_count)
		r = -EINVAL;
	else if (srv->irq_fds[vector] < 0)
		r = -ENOENT;
	else if (eventfd_write(srv->irq_fds[vector], 1) < 0)
		r = -errno;
	pthread_mutex_unlock(&srv->irq_lock);
	return r;
}

/* True unless /proc says @fd is something other than an eventfd: a client
 * must not make us write into a pipe that could block. */
static bool fd_is_eventfd(int fd)
{
	char link[64], target[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		return errno == ENOENT && access("/proc/self/fd", F_OK) != 0;
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* ---- connection ---- */

static void conn_drop(struct vfu_server *srv)
{
	if (srv->conn_fd < 0)
		return;
	epoll_ctl(srv->epoll_fd, EPOLL_CTL_DEL, srv->conn_fd, NULL);
	close(srv->conn_fd);
	srv->conn_fd = -1;
	srv->negotiated = false;
	windows_remove_all(srv);
	irqs_replace(srv, 0, srv->msix_count, NULL);
	if (srv->ops->disconnected)
		srv->ops->disconnected(srv->ctx);
}

static int conn_accept(struct vfu_server *srv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
		    errno == ECONNABORTED)
			return 0;
		return -errno;
	}
	if (srv->conn_fd >= 0) {
		close(fd); /* one client at a time */
		return 0;
	}
	ev.data.fd = fd;
	if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	srv->conn_fd = fd;
	srv->negotiated = false;
	srv->client_max_fds = VFIO_USER_DEFAULT_MAX_MSG_FDS;
	if (srv->ops->connected)
		srv->ops->connected(srv->ctx);
	return 0;
}

/*
 * Command handlers. Each returns 0 when it sent the reply itself, a positive
 * errno to answer with an error reply, or a negative errno when the
 * connection must be dropped. A handler that keeps received fds sets them to
 * -1 in the message.
 */

static int handle_version(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_caps caps, ours = {
		.max_msg_fds = VFIO_USER_MAX_MSG_FDS,
		.max_data_xfer_size = VFIO_USER_MAX_DATA_XFER,
	};
	struct vfio_user_version v = { .major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR };
	struct vfio_user_version req;
	char json[128];
	struct iovec iov[2] = { { &v, sizeof(v) }, { json, 0 } };
	int len, r;

	if (m->size < sizeof(req))
		return EINVAL;
	memcpy(&req, m->payload, sizeof(req));
	if (req.major != VFIO_USER_MAJOR)
		return ENOTSUP;
	if (vfio_user_caps_parse(m->payload, m->size, &caps) < 0)
		return EINVAL;

	len = vfio_user_caps_format(&ours, /*pgsizes=*/0, json, sizeof(json));
	if (len < 0)
		return EIO;
	/* Never answer with more than the client sent: without room for
	 * our JSON, answer the bare version (defaults then apply). */
	if (sizeof(v) + (size_t)len <= m->size)
		iov[1].iov_len = (size_t)len;
	r = reply_send(srv, m, iov, iov[1].iov_len ? 2 : 1, NULL, 0);
	if (r < 0)
		return r;
	srv->client_max_fds = caps.max_msg_fds < VFIO_USER_MAX_MSG_FDS ? caps.max_msg_fds :
									   VFIO_USER_MAX_MSG_FDS;
	srv->negotiated = true;
	return 0;
}

static int handle_dma_map(struct vfu_server *srv, struct vfio_user_msg *m)
{
	const uint32_t known = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	struct vfio_user_dma_map req;
	struct vfu_window w;
	struct stat st;
	unsigned int i;
	void *va;
	int prot = 0;

	if (m->size < sizeof(req))
		return EINVAL;
	memcpy(&req, m->payload, sizeof(req));
	if (req.argsz < sizeof(req) || (req.flags & ~known) || !(req.flags & known))
		return EINVAL;
	if (!req.size || ((req.size | req.address | req.offset) & (VFU_PAGE_SIZE - 1)) ||
	    req.address > UINT64_MAX - req.size || req.size > SIZE_MAX)
		return EINVAL;
	/* Without an fd the memory is reachable only through DMA_READ/WRITE
	 * messages, which this server does not issue: refuse. */
	if (m->nr_fds == 0)
		return ENOTSUP;
	/* Mapping past the end of the file would SIGBUS on access. */
	if (fstat(m->fds[0], &st) < 0 || !S_ISREG(st.st_mode) ||
	    req.offset > (uint64_t)st.st_size || req.size > (uint64_t)st.st_size - req.offset)
		return EINVAL;

	i = window_search(srv, req.address);
	if (i < srv->nr_windows && srv->windows[i].iova < req.address + req.size)
		return EEXIST;
	if (srv->nr_windows >= VFU_MAX_DMA_WINDOWS)
		return ENOSPC;
	if (srv->nr_windows == srv->cap_windows) {
		unsigned int cap = srv->cap_windows ? srv->cap_windows * 2 : 16;
		struct vfu_window *nw;

		pthread_rwlock_wrlock(&srv->dma_lock);
		nw = realloc(srv->windows, cap * sizeof(*nw));
		if (nw) {
			srv->windows = nw;
			srv->cap_windows = cap;
		}
		pthread_rwlock_unlock(&srv->dma_lock);
		if (!nw)
			return ENOMEM;
	}

	if (req.flags & VFIO_DMA_MAP_FLAG_READ)
		prot |= PROT_READ;
	if (req.flags & VFIO_DMA_MAP_FLAG_WRITE)
		prot |= PROT_WRITE;
	va = mmap(NULL, req.size, prot, MAP_SHARED, m->fds[0], (off_t)req.offset);
	if (va == MAP_FAILED)
		return errno;

	w = (struct vfu_window){
		.iova = req.address,
		.size = req.size,
		.va = va,
		.read = req.flags & VFIO_DMA_MAP_FLAG_READ,
		.write = req.flags & VFIO_DMA_MAP_FLAG_WRITE,
	};
	pthread_rwlock_wrlock(&srv->dma_lock);
	memmove(&srv->windows[i + 1], &srv->windows[i],
		(srv->nr_windows - i) * sizeof(srv->windows[0]));
	srv->windows[i] = w;
	srv->nr_windows++;
	pthread_rwlock_unlock(&srv->dma_lock);

	return reply_simple(srv, m, NULL, 0);
}

static int handle_dma_unmap(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_dma_unmap req;
	unsigned int i;

	if (m->size < sizeof(req))
		return EINVAL;
	memcpy(&req, m->payload, sizeof(req));
	if (req.argsz < sizeof(req) || (req.flags & ~VFIO_DMA_UNMAP_FLAG_ALL))
		return EINVAL;
	if (req.flags & VFIO_DMA_UNMAP_FLAG_ALL) {
		if (req.address || req.size)
			return EINVAL;
		windows_remove_all(srv);
	} else {
		i = window_search(srv, req.address);
		if (i >= srv->nr_windows || srv->windows[i].iova != req.address ||
		    srv->windows[i].size != req.size)
			return ENOENT;
		window_remove(srv, i);
	}
	return reply_simple(srv, m, &req, sizeof(req));
}

static int handle_device_get_info(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_device_info info;

	if (m->size < sizeof(info))
		return EINVAL;
	memcpy(&info, m->payload, sizeof(info));
	if (info.argsz < sizeof(info))
		return EINVAL;
	info = (struct vfio_user_device_info){
		.argsz = sizeof(info),
		.flags = VFIO_DEVICE_FLAGS_PCI | (srv->ops->reset ? VFIO_DEVICE_FLAGS_RESET : 0),
		.num_regions = VFU_MAX_REGIONS,
		.num_irqs = VFU_NUM_IRQS,
	};
	return reply_simple(srv, m, &info, sizeof(info));
}

static int handle_region_info(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_sparse_mmap_area areas[VFU_MAX_AREAS];
	struct vfio_user_sparse_mmap_cap cap = { 0 };
	struct vfio_user_region_info req, info = { 0 };
	const struct vfu_region *r;
	struct iovec iov[3];
	bool mappable, sparse;
	uint32_t needed;

	if (m->size < sizeof(req))
		return EINVAL;
	memcpy(&req, m->payload, sizeof(req));
	if (req.argsz < sizeof(req) || req.index >= VFU_MAX_REGIONS)
		return EINVAL;
	r = &srv->regions[req.index];
	mappable = r->size && (r->flags & VFU_REGION_MMAP) && r->fd >= 0;
	sparse = mappable && r->nr_areas;
	needed = sizeof(info);
	if (sparse)
		needed += sizeof(cap) + r->nr_areas * sizeof(areas[0]);

	info.argsz = needed;
	info.index = req.index;
	info.size = r->size;
	info.offset = 0; /* area bytes live at the same offset in the fd */
	if (r->size) {
		if (r->flags & VFU_REGION_READ)
			info.flags |= VFIO_REGION_INFO_FLAG_READ;
		if (r->flags & VFU_REGION_WRITE)
			info.flags |= VFIO_REGION_INFO_FLAG_WRITE;
	}
	if (mappable)
		info.flags |= VFIO_REGION_INFO_FLAG_MMAP;
	if (sparse) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		info.cap_offset = sizeof(info);
	}
	iov[0] = (struct iovec){ &info, sizeof(info) };
	/* Too small for the capabilities: fixed part only, no fd. */
	if (req.argsz < needed)
		return reply_send(srv, m, iov, 1, NULL, 0);

	if (sparse) {
		cap.header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
		cap.header.version = VFIO_USER_SPARSE_MMAP_VERSION;
		cap.header.next = 0;
		cap.nr_areas = r->nr_areas;
		for (unsigned int i = 0; i < r->nr_areas; i++) {
			areas[i].offset = r->areas[i].offset;
			areas[i].size = r->areas[i].size;
		}
		iov[1] = (struct iovec){ &cap, sizeof(cap) };
		iov[2] = (struct iovec){ areas, r->nr_areas * sizeof(areas[0]) };
	}
	return reply_send(srv, m, iov, sparse ? 3 : 1, mappable ? &r->fd : NULL, mappable ? 1 : 0);
}

static int handle_region_io_fds(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_sub_region_ioeventfd ents[VFU_MAX_IOEVENTFDS];
	struct vfio_user_region_io_fds req, rep;
	int fds[VFIO_USER_MAX_MSG_FDS];
	unsigned int nr_fds = 0, n = 0;
	struct iovec iov[2];

	if (m->size < sizeof(req))
		return EINVAL;
	memcpy(&req, m->payload, sizeof(req));
	if (req.argsz < sizeof(req) || req.index >= VFU_MAX_REGIONS)
		return EINVAL;

	/* Entries sharing an fd share its slot; stop when the client's
	 * max_msg_fds is reached (the rest stay plain doorbell stores). */
	for (unsigned int i = 0; i < srv->nr_iofds[req.index]; i++) {
		const struct vfu_ioeventfd *e = &srv->iofds[req.index][i];
		unsigned int k;

		for (k = 0; k < nr_fds && fds[k] != e->fd; k++)
			;
		if (k == nr_fds) {
			if (nr_fds == srv->client_max_fds)
				break;
			fds[nr_fds++] = e->fd;
		}
		ents[n++] = (struct vfio_user_sub_region_ioeventfd){
			.offset = e->offset,
			.size = e->size,
			.fd_index = k,
			.type = VFIO_USER_IO_FD_TYPE_IOEVENTFD,
		};
	}

	rep = (struct vfio_user_region_io_fds){
		.argsz = sizeof(rep) + n * sizeof(ents[0]),
		.index = req.index,
		.count = n,
	};
	iov[0] = (struct iovec){ &rep, sizeof(rep) };
	iov[1] = (struct iovec){ ents, n * sizeof(ents[0]) };
	if (req.argsz < rep.argsz)
		return reply_send(srv, m, iov, 1, NULL, 0);
	return reply_send(srv, m, iov, n ? 2 : 1, fds, nr_fds);
}

static int handle_irq_info(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_irq_info info;

	if (m->size < sizeof(info))
		return EINVAL;
	memcpy(&info, m->payload, sizeof(info));
	if (info.argsz < sizeof(info) || info.index >= VFU_NUM_IRQS)
		return EINVAL;
	info.argsz = sizeof(info);
	if (info.index == VFIO_PCI_MSIX_IRQ_INDEX) {
		info.flags = VFIO_IRQ_INFO_EVENTFD;
		info.count = srv->msix_count;
	} else {
		info.flags = 0;
		info.count = 0;
	}
	return reply_simple(srv, m, &info, sizeof(info));
}

static bool one_bit(uint32_t x)
{
	return x && !(x & (x - 1));
}

static int handle_set_irqs(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_irq_set req;
	uint32_t data, action;

	if (m->size < sizeof(req))
		return EINVAL;
	memcpy(&req, m->payload, sizeof(req));
	data = req.flags & VFIO_IRQ_SET_DATA_TYPE_MASK;
	action = req.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (req.argsz < sizeof(req) || !one_bit(data) || !one_bit(action) ||
	    (req.flags & ~(data | action)))
		return EINVAL;
	if (m->nr_fds && data != VFIO_IRQ_SET_DATA_EVENTFD)
		return EINVAL;
	if (req.index >= VFU_NUM_IRQS)
		return EINVAL;
	if (req.index != VFIO_PCI_MSIX_IRQ_INDEX) {
		/* Other types have no vectors: only "disable all" is valid. */
		if (req.start || req.count || m->nr_fds)
			return EINVAL;
		return reply_simple(srv, m, NULL, 0);
	}
	if (req.count > srv->msix_count || req.start > srv->msix_count - req.count)
		return EINVAL;
	if (data == VFIO_IRQ_SET_DATA_BOOL && m->size - sizeof(req) < req.count)
		return EINVAL;

	if (action != VFIO_IRQ_SET_ACTION_TRIGGER) {
		/* MSI-X needs no masking; mask eventfds are not supported. */
		if (data == VFIO_IRQ_SET_DATA_EVENTFD)
			return ENOTSUP;
		return reply_simple(srv, m, NULL, 0);
	}

	switch (data) {
	case VFIO_IRQ_SET_DATA_NONE:
		if (req.count == 0)
			irqs_replace(srv, 0, srv->msix_count, NULL);
		for (uint32_t i = 0; i < req.count; i++)
			vfu_server_irq_fire(srv, req.start + i);
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		for (uint32_t i = 0; i < req.count; i++)
			if (m->payload[sizeof(req) + i])
				vfu_server_irq_fire(srv, req.start + i);
		break;
	default: /* VFIO_IRQ_SET_DATA_EVENTFD */
		if (req.count == 0) {
			if (m->nr_fds)
				return EINVAL;
			irqs_replace(srv, 0, srv->msix_count, NULL);
		} else if (m->nr_fds == 0) {
			irqs_replace(srv, req.start, req.count, NULL);
		} else {
			if (m->nr_fds != req.count)
				return EINVAL;
			for (unsigned int i = 0; i < m->nr_fds; i++)
				if (!fd_is_eventfd(m->fds[i]))
					return EINVAL;
			irqs_replace(srv, req.start, req.count, m->fds);
			m->nr_fds = 0; /* now owned by irq_fds */
		}
		break;
	}
	return reply_simple(srv, m, NULL, 0);
}

/* Validate a region access; returns 0 or a positive errno. */
static int region_access_check(const struct vfu_server *srv, const struct vfio_user_region_access *a,
			       uint32_t need_flag)
{
	const struct vfu_region *r;

	if (a->region >= VFU_MAX_REGIONS || a->count > VFIO_USER_MAX_DATA_XFER)
		return EINVAL;
	r = &srv->regions[a->region];
	if (!r->size || !(r->flags & need_flag) || a->offset > r->size ||
	    a->count > r->size - a->offset)
		return EINVAL;
	return 0;
}

static int handle_region_read(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_region_access a;
	struct iovec iov[2];
	uint8_t *buf = NULL;
	int r;

	if (m->size != sizeof(a))
		return EINVAL;
	memcpy(&a, m->payload, sizeof(a));
	r = region_access_check(srv, &a, VFU_REGION_READ);
	if (r)
		return r;
	if (!srv->ops->region_read)
		return ENOTSUP;
	if (a.count) {
		buf = malloc(a.count);
		if (!buf)
			return ENOMEM;
		r = srv->ops->region_read(srv->ctx, a.region, a.offset, buf, a.count);
		if (r < 0) {
			free(buf);
			return reply_errno(r);
		}
	}
	iov[0] = (struct iovec){ &a, sizeof(a) };
	iov[1] = (struct iovec){ buf, a.count };
	r = reply_send(srv, m, iov, a.count ? 2 : 1, NULL, 0);
	free(buf);
	return r;
}

static int handle_region_write(struct vfu_server *srv, struct vfio_user_msg *m)
{
	struct vfio_user_region_access a;
	int r;

	if (m->size < sizeof(a))
		return EINVAL;
	memcpy(&a, m->payload, sizeof(a));
	if (a.count != m->size - sizeof(a))
		return EINVAL;
	r = region_access_check(srv, &a, VFU_REGION_WRITE);
	if (r)
		return r;
	if (!srv->ops->region_write)
		return ENOTSUP;
	if (a.count) {
		r = srv->ops->region_write(srv->ctx, a.region, a.offset, m->payload + sizeof(a),
					   a.count);
		if (r < 0)
			return reply_errno(r);
	}
	return reply_simple(srv, m, &a, sizeof(a));
}

static int handle_device_reset(struct vfu_server *srv, struct vfio_user_msg *m)
{
	int r;

	if (m->size)
		return EINVAL;
	if (!srv->ops->reset)
		return ENOTSUP;
	r = srv->ops->reset(srv->ctx);
	if (r < 0)
		return reply_errno(r);
	return reply_simple(srv, m, NULL, 0);
}

typedef int (*vfu_handler)(struct vfu_server *srv, struct vfio_user_msg *m);

struct vfu_command {
	vfu_handler fn;
	unsigned int max_fds;
};

static const struct vfu_command vfu_commands[] = {
	[VFIO_USER_VERSION] = { handle_version, 0 },
	[VFIO_USER_DMA_MAP] = { handle_dma_map, 1 },
	[VFIO_USER_DMA_UNMAP] = { handle_dma_unmap, 0 },
	[VFIO_USER_DEVICE_GET_INFO] = { handle_device_get_info, 0 },
	[VFIO_USER_DEVICE_GET_REGION_INFO] = { handle_region_info, 0 },
	[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = { handle_region_io_fds, 0 },
	[VFIO_USER_DEVICE_GET_IRQ_INFO] = { handle_irq_info, 0 },
	[VFIO_USER_DEVICE_SET_IRQS] = { handle_set_irqs, VFIO_USER_MAX_MSG_FDS },
	[VFIO_USER_REGION_READ] = { handle_region_read, 0 },
	[VFIO_USER_REGION_WRITE] = { handle_region_write, 0 },
	[VFIO_USER_DEVICE_RESET] = { handle_device_reset, 0 },
	/* DMA_READ/WRITE are server->client only; the rest is obsolete or
	 * not offered: all answered ENOSYS. */
};

/* Returns 0, or -errno when the connection must be dropped. */
static int command_handle(struct vfu_server *srv, struct vfio_user_msg *m)
{
	const struct vfu_command *c = NULL;
	uint16_t cmd = m->hdr.command;
	int r;

	if (cmd < sizeof(vfu_commands) / sizeof(vfu_commands[0]) && vfu_commands[cmd].fn)
		c = &vfu_commands[cmd];
	if (!c)
		r = ENOSYS;
	else if (srv->negotiated != (cmd != VFIO_USER_VERSION))
		r = EINVAL; /* VERSION first, and only once */
	else if (m->nr_fds > c->max_fds)
		r = EINVAL; /* fds on a message that carries none: closed below */
	else
		r = c->fn(srv, m);
	vfio_user_msg_close_fds(m);
	if (r > 0)
		r = vfio_user_send_error(srv->conn_fd, &m->hdr, r, srv->deadline_ns);
	return r;
}

static int conn_handle(struct vfu_server *srv)
{
	struct vfio_user_msg m;
	int r;

	srv->deadline_ns = vfio_user_deadline_ns(VFU_MSG_TIMEOUT_MS);
	r = vfio_user_msg_recv(srv->conn_fd, VFU_MAX_PAYLOAD, VFIO_USER_MSG_MAX_FDS,
			       srv->deadline_ns, &m);
	if (r < 0)
		goto drop;
	if (vfio_user_msg_is_reply(&m)) {
		/* We never send commands, so no reply can be expected. */
		vfio_user_msg_release(&m);
		r = -EPROTO;
		goto drop;
	}
	if (srv->ops->before_message)
		srv->ops->before_message(srv->ctx);
	r = command_handle(srv, &m);
	vfio_user_msg_release(&m);
	if (r < 0)
		goto drop;
	return 0;

drop:
	conn_drop(srv);
	return r;
}

int vfu_server_dispatch(struct vfu_server *srv)
{
	struct epoll_event ev[2];
	bool listen_ready = false, conn_ready = false;
	int n;

	n = epoll_wait(srv->epoll_fd, ev, 2, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (ev[i].data.fd == srv->listen_fd)
			listen_ready = true;
		else if (ev[i].data.fd == srv->conn_fd)
			conn_ready = true;
	}
	if (conn_ready)
		return conn_handle(srv);
	if (listen_ready)
		return conn_accept(srv);
	return 0;
}

int vfu_server_fd(const struct vfu_server *srv)
{
	return srv->epoll_fd;
}

bool vfu_server_connected(const struct vfu_server *srv)
{
	return srv->conn_fd >= 0;
}

/* ---- setup ---- */

int vfu_server_set_region(struct vfu_server *srv, unsigned int index, const struct vfu_region *r)
{
	const uint32_t known = VFU_REGION_READ | VFU_REGION_WRITE | VFU_REGION_MMAP;

	if (index >= VFU_MAX_REGIONS || !r || (r->flags & ~known) || r->nr_areas > VFU_MAX_AREAS)
		return -EINVAL;
	if (r->flags & VFU_REGION_MMAP) {
		if (index == VFU_CONFIG_REGION || r->fd < 0 || !r->size)
			return -EINVAL;
		for (unsigned int i = 0; i < r->nr_areas; i++) {
			const struct vfu_area *a = &r->areas[i];

			if (!a->size || ((a->offset | a->size) & (VFU_PAGE_SIZE - 1)) ||
			    a->offset > r->size || a->size > r->size - a->offset)
				return -EINVAL;
		}
	}
	srv->regions[index] = *r;
	if (!(r->flags & VFU_REGION_MMAP)) {
		srv->regions[index].fd = -1;
		srv->regions[index].nr_areas = 0;
	}
	return 0;
}

int vfu_server_set_ioeventfds(struct vfu_server *srv, unsigned int region,
			      const struct vfu_ioeventfd *fds, unsigned int n)
{
	uint64_t rsize;

	if (region >= VFU_MAX_REGIONS || n > VFU_MAX_IOEVENTFDS || (n && !fds))
		return -EINVAL;
	rsize = srv->regions[region].size;
	for (unsigned int i = 0; i < n; i++)
		if (fds[i].fd < 0 || fds[i].offset > rsize || fds[i].size > rsize - fds[i].offset)
			return -EINVAL;
	if (n)
		memcpy(srv->iofds[region], fds, n * sizeof(fds[0]));
	srv->nr_iofds[region] = n;
	return 0;
}

int vfu_server_set_msix_count(struct vfu_server *srv, unsigned int count)
{
	if (count > VFU_MAX_MSIX)
		return -EINVAL;
	if (count < srv->msix_count)
		irqs_replace(srv, count, srv->msix_count - count, NULL);
	pthread_mutex_lock(&srv->irq_lock);
	srv->msix_count = count;
	pthread_mutex_unlock(&srv->irq_lock);
	return 0;
}

/* Remove a stale socket file at @path; refuse to remove anything else. */
static int socket_path_clear(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (unlink(path) < 0)
		return -errno;
	return 0;
}

int vfu_server_create(const char *path, const struct vfu_device_ops *ops, void *ctx,
		      struct vfu_server **ret)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct vfu_server *srv;
	int r;

	if (!path || !ops || !ret)
		return -EINVAL;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	memcpy(addr.sun_path, path, strlen(path) + 1);

	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->ops = ops;
	srv->ctx = ctx;
	srv->conn_fd = -1;
	for (unsigned int i = 0; i < VFU_MAX_REGIONS; i++)
		srv->regions[i].fd = -1;
	for (unsigned int i = 0; i < VFU_MAX_MSIX; i++)
		srv->irq_fds[i] = -1;
	srv->path = strdup(path);
	if (!srv->path) {
		r = -ENOMEM;
		goto free_srv;
	}
	r = -pthread_mutex_init(&srv->irq_lock, NULL);
	if (r < 0)
		goto free_path;
	r = -pthread_rwlock_init(&srv->dma_lock, NULL);
	if (r < 0)
		goto destroy_irq_lock;

	srv->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (srv->listen_fd < 0) {
		r = -errno;
		goto destroy_dma_lock;
	}
	r = socket_path_clear(path);
	if (r < 0)
		goto close_listen;
	if (bind(srv->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(srv->listen_fd, VFU_LISTEN_BACKLOG) < 0) {
		r = -errno;
		goto close_listen;
	}
	srv->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (srv->epoll_fd < 0) {
		r = -errno;
		goto unlink_path;
	}
	ev.data.fd = srv->listen_fd;
	if (epoll_ctl(srv->epoll_fd, EPOLL_CTL_ADD, srv->listen_fd, &ev) < 0) {
		r = -errno;
		goto close_epoll;
	}
	*ret = srv;
	return 0;

close_epoll:
	close(srv->epoll_fd);
unlink_path:
	unlink(path);
close_listen:
	close(srv->listen_fd);
destroy_dma_lock:
	pthread_rwlock_destroy(&srv->dma_lock);
destroy_irq_lock:
	pthread_mutex_destroy(&srv->irq_lock);
free_path:
	free(srv->path);
free_srv:
	free(srv);
	return r;
}

void vfu_server_destroy(struct vfu_server *srv)
{
	if (!srv)
		return;
	conn_drop(srv);
	irqs_replace(srv, 0, srv->msix_count, NULL);
	close(srv->epoll_fd);
	close(srv->listen_fd);
	unlink(srv->path);
	free(srv->windows);
	pthread_rwlock_destroy(&srv->dma_lock);
	pthread_mutex_destroy(&srv->irq_lock);
	free(srv->path);
	free(srv);
}
