/* SPDX-License-Identifier: MIT */
/* vfio-user client backend of the bus: talks to a vfio-user server (enasim
 * or any other) over a unix socket. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <linux/kvm.h>
#include <linux/vfio.h>

#include "bus.h"
#include "error.h"
#include "vfio_user_msg.h"

/* Per-request reply timeout (QEMU's default too). */
#define VU_REPLY_TIMEOUT_MS 5000u
/* IOVA space handed to the server. */
#define VU_IOVA_BASE 0x100000000ull
#define VU_IOVA_LIMIT (1ull << 47)
#define VU_MAX_DMA_WINDOWS 65535u
#define VU_MAX_DMA_PAGE (1ull << 30)
/* Alignment of region mmap offsets (areas and info.offset). */
#define VU_MMAP_ALIGN 4096ull
/* Hard caps on what a server can make us allocate or loop over. */
#define VU_MAX_VERSION_REPLY 4096u
#define VU_MAX_REGION_INFO_REPLY 4096u
#define VU_MAX_IO_FDS 1024u
#define VU_MAX_CAP_HOPS 16u
#define VU_MAX_MSIX 2048u /* PCI limit on MSI-X table size */
#define VU_MIN_REGIONS 8u /* config space is region 7 */
#define VU_MAX_REGIONS 100u
#define VU_MIN_IRQS 3u /* MSI-X is irq index 2 */
#define VU_MAX_IRQS 50u
/* DMA_READ/WRITE served per poll() call, so a chatty server cannot starve us. */
#define VU_POLL_BUDGET 64

struct vu_window {
	uint64_t iova;
	uint64_t size;
	uint8_t *va;
};

struct vu_region {
	bool known;
	uint64_t size;
	uint32_t flags; /* ENA_BUS_REGION_* */
	int fd; /* region fd for mmap, -1 when not mappable */
	uint64_t fd_offset; /* info.offset */
	unsigned int nr_areas; /* 0 with fd: the whole region */
	struct ena_bus_area areas[ENA_BUS_MAX_AREAS];
};

struct vu_client {
	pthread_mutex_t lock; /* one request/reply exchange at a time */
	int sock;
	bool broken; /* the stream is out of sync: every request fails */
	uint16_t next_id;
	uint32_t server_max_fds; /* the server's max_msg_fds */
	uint32_t xfer; /* largest count in REGION_/DMA_ READ/WRITE */
	uint64_t page; /* smallest page size the server accepts */
	uint32_t dev_flags;
	unsigned int num_regions; /* usable: at most ENA_BUS_MAX_REGIONS */
	struct vu_region regions[ENA_BUS_MAX_REGIONS];
	/* Doorbell eventfds handed to the bus: we own and close them. */
	int *io_fds;
	unsigned int nr_io_fds;
	/* Sorted by iova, separated by a guard page. */
	struct vu_window *windows;
	unsigned int nr_windows;
	unsigned int cap_windows;
};

static const char *cmd_name(uint16_t cmd)
{
	static const char *const names[] = {
		[VFIO_USER_VERSION] = "VERSION",
		[VFIO_USER_DMA_MAP] = "DMA_MAP",
		[VFIO_USER_DMA_UNMAP] = "DMA_UNMAP",
		[VFIO_USER_DEVICE_GET_INFO] = "DEVICE_GET_INFO",
		[VFIO_USER_DEVICE_GET_REGION_INFO] = "DEVICE_GET_REGION_INFO",
		[VFIO_USER_DEVICE_GET_REGION_IO_FDS] = "DEVICE_GET_REGION_IO_FDS",
		[VFIO_USER_DEVICE_GET_IRQ_INFO] = "DEVICE_GET_IRQ_INFO",
		[VFIO_USER_DEVICE_SET_IRQS] = "DEVICE_SET_IRQS",
		[VFIO_USER_REGION_READ] = "REGION_READ",
		[VFIO_USER_REGION_WRITE] = "REGION_WRITE",
		[VFIO_USER_DMA_READ] = "DMA_READ",
		[VFIO_USER_DMA_WRITE] = "DMA_WRITE",
		[VFIO_USER_DEVICE_RESET] = "DEVICE_RESET",
	};

	if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
		return names[cmd];
	return "unknown command";
}

static struct vu_client *bus_client(struct ena_bus *bus)
{
	return bus->priv;
}

/* ---- DMA windows ---- */

/* Index of the first window whose end is above @iova (nr_windows if none). */
static unsigned int window_search(const struct vu_client *c, uint64_t iova)
{
	unsigned int lo = 0, hi = c->nr_windows;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (c->windows[mid].iova + c->windows[mid].size <= iova)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* CPU address of [iova, iova+len) inside one window, or NULL. */
static uint8_t *window_lookup(const struct vu_client *c, uint64_t iova, uint64_t len)
{
	unsigned int i = window_search(c, iova);
	const struct vu_window *w;

	if (i >= c->nr_windows)
		return NULL;
	w = &c->windows[i];
	if (iova < w->iova || len > w->size || iova - w->iova > w->size - len)
		return NULL;
	return w->va + (iova - w->iova);
}

/* First-fit IOVA for @size bytes, a guard page away from its neighbours. */
static int iova_alloc(const struct vu_client *c, uint64_t size, uint64_t *ret)
{
	uint64_t cand = VU_IOVA_BASE;

	if (size > VU_IOVA_LIMIT - VU_IOVA_BASE)
		return -ENOSPC;
	for (unsigned int i = 0; i < c->nr_windows; i++) {
		const struct vu_window *w = &c->windows[i];

		if (cand + size + c->page <= w->iova)
			break;
		cand = w->iova + w->size + c->page;
	}
	if (cand > VU_IOVA_LIMIT || size > VU_IOVA_LIMIT - cand)
		return -ENOSPC;
	*ret = cand;
	return 0;
}

static int window_insert(struct vu_client *c, uint64_t iova, uint64_t size, void *va)
{
	unsigned int i;

	if (c->nr_windows >= VU_MAX_DMA_WINDOWS)
		return -ENOSPC;
	if (c->nr_windows == c->cap_windows) {
		unsigned int cap = c->cap_windows ? c->cap_windows * 2 : 16;
		struct vu_window *nw = realloc(c->windows, cap * sizeof(*nw));

		if (!nw)
			return -ENOMEM;
		c->windows = nw;
		c->cap_windows = cap;
	}
	i = window_search(c, iova);
	memmove(&c->windows[i + 1], &c->windows[i], (c->nr_windows - i) * sizeof(c->windows[0]));
	c->windows[i] = (struct vu_window){ .iova = iova, .size = size, .va = va };
	c->nr_windows++;
	return 0;
}

static void window_remove(struct vu_client *c, unsigned int i)
{
	memmove(&c->windows[i], &c->windows[i + 1], (c->nr_windows - i - 1) * sizeof(c->windows[0]));
	c->nr_windows--;
}

/* ---- server->client requests ---- */

/* Answer one DMA_READ/DMA_WRITE (or refuse another command). Returns 0,
 * or -errno when the reply could not be sent. */
static int serve_command(struct vu_client *c, struct vfio_user_msg *m, uint64_t deadline)
{
	struct vfio_user_dma_access a;
	struct iovec iov[2];
	uint8_t *p;
	int err;

	if (m->nr_fds) {
		err = EINVAL;
		goto reply_error;
	}
	switch (m->hdr.command) {
	case VFIO_USER_DMA_READ:
		if (m->size != sizeof(a)) {
			err = EINVAL;
			goto reply_error;
		}
		memcpy(&a, m->payload, sizeof(a));
		if (a.count > c->xfer) {
			err = EINVAL;
			goto reply_error;
		}
		p = window_lookup(c, a.address, a.count);
		if (!p) {
			err = EFAULT;
			goto reply_error;
		}
		iov[0] = (struct iovec){ &a, sizeof(a) };
		iov[1] = (struct iovec){ p, (size_t)a.count };
		return vfio_user_send_reply(c->sock, &m->hdr, iov, a.count ? 2 : 1, NULL, 0, deadline);
	case VFIO_USER_DMA_WRITE:
		if (m->size < sizeof(a)) {
			err = EINVAL;
			goto reply_error;
		}
		memcpy(&a, m->payload, sizeof(a));
		if (a.count != m->size - sizeof(a)) {
			err = EINVAL;
			goto reply_error;
		}
		p = window_lookup(c, a.address, a.count);
		if (!p) {
			err = EFAULT;
			goto reply_error;
		}
		memcpy(p, m->payload + sizeof(a), a.count);
		iov[0] = (struct iovec){ &a, sizeof(a) };
		return vfio_user_send_reply(c->sock, &m->hdr, iov, 1, NULL, 0, deadline);
	default:
		err = ENOSYS;
		goto reply_error;
	}
reply_error:
	vfio_user_msg_close_fds(m);
	return vfio_user_send_error(c->sock, &m->hdr, err, deadline);
}

/* ---- request / reply ---- */

static int client_break(struct vu_client *c, int err, uint16_t cmd, const char *why)
{
	c->broken = true;
	return ena_error_set(err, "vfio-user %s: %s; connection unusable", cmd_name(cmd), why);
}

/*
 * Send command @cmd and wait for its reply, serving DMA_READ/WRITE from the
 * server meanwhile. Lock held. @max_reply / @max_fds bound the reply; the
 * caller releases *reply.
 */
static int client_call(struct vu_client *c, uint16_t cmd, const struct iovec *iov,
		       unsigned int iovcnt, const int *fds, unsigned int nr_fds, size_t max_reply,
		       unsigned int max_fds, struct vfio_user_msg *reply)
{
	struct vfio_user_header h = {
		.msg_id = c->next_id++,
		.command = cmd,
		.flags = VFIO_USER_F_TYPE_COMMAND,
	};
	size_t cap = sizeof(struct vfio_user_dma_access) + VFIO_USER_MAX_DATA_XFER;
	uint64_t deadline = vfio_user_deadline_ns(VU_REPLY_TIMEOUT_MS);
	int r;

	if (c->broken)
		return ena_error_set(-ENOTCONN, "vfio-user %s: connection is broken", cmd_name(cmd));
	if (max_reply > cap)
		cap = max_reply;

	r = vfio_user_msg_send(c->sock, &h, iov, iovcnt, fds, nr_fds, deadline);
	if (r < 0)
		return client_break(c, r, cmd, "send failed");

	for (;;) {
		struct vfio_user_msg m;
		uint32_t err;

		r = vfio_user_msg_recv(c->sock, cap, VFIO_USER_MSG_MAX_FDS, deadline, &m);
		if (r == -ETIMEDOUT)
			return client_break(c, r, cmd, "no reply within 5 s");
		if (r < 0)
			return client_break(c, r, cmd, "receive failed or malformed message");
		if (!vfio_user_msg_is_reply(&m)) {
			r = serve_command(c, &m, deadline);
			vfio_user_msg_release(&m);
			if (r < 0)
				return client_break(c, r, cmd, "cannot answer the server's request");
			continue;
		}
		if (m.hdr.msg_id != h.msg_id || m.hdr.command != h.command) {
			uint16_t id = m.hdr.msg_id, got = m.hdr.command;

			vfio_user_msg_release(&m);
			c->broken = true;
			return ena_error_set(-EPROTO,
					     "vfio-user %s: reply id %u command %u does not match request id %u; connection unusable",
					     cmd_name(cmd), id, got, h.msg_id);
		}
		if (m.hdr.flags & VFIO_USER_F_ERROR) {
			err = m.hdr.error;
			vfio_user_msg_release(&m);
			if (err == 0 || err >= 4096)
				err = EIO;
			return ena_error_set(-(int)err, "vfio-user %s: server error: %s", cmd_name(cmd),
					     strerror((int)err));
		}
		if (m.size > max_reply || m.nr_fds > max_fds) {
			size_t size = m.size;
			unsigned int n = m.nr_fds;

			vfio_user_msg_release(&m);
			return ena_error_set(-EPROTO,
					     "vfio-user %s: reply of %zu bytes with %u fds exceeds %zu bytes / %u fds",
					     cmd_name(cmd), size, n, max_reply, max_fds);
		}
		*reply = m;
		return 0;
	}
}

/* A call whose reply must have exactly @size bytes copied to @out. */
static int client_call_fixed(struct vu_client *c, uint16_t cmd, const void *req, size_t req_len,
			     void *out, size_t size)
{
	struct iovec v = { .iov_base = (void *)req, .iov_len = req_len };
	struct vfio_user_msg m;
	int r;

	r = client_call(c, cmd, &v, req_len ? 1 : 0, NULL, 0, size, 0, &m);
	if (r < 0)
		return r;
	if (m.size != size) {
		size_t got = m.size;

		vfio_user_msg_release(&m);
		return ena_error_set(-EPROTO, "vfio-user %s: reply of %zu bytes, expected %zu",
				     cmd_name(cmd), got, size);
	}
	if (size)
		memcpy(out, m.payload, size);
	vfio_user_msg_release(&m);
	return 0;
}

/* ---- setup ---- */

static int client_negotiate(struct vu_client *c)
{
	struct vfio_user_caps caps, ours = {
		.max_msg_fds = VFIO_USER_MAX_MSG_FDS,
		.max_data_xfer_size = VFIO_USER_MAX_DATA_XFER,
		.pgsizes = VFIO_USER_DEFAULT_PGSIZES,
	};
	struct vfio_user_version v = { .major = VFIO_USER_MAJOR, .minor = VFIO_USER_MINOR };
	struct vfio_user_version rv;
	struct vfio_user_msg m;
	char json[160];
	struct iovec iov[2];
	int len, r;

	len = vfio_user_caps_format(&ours, /*pgsizes=*/1, json, sizeof(json));
	if (len < 0)
		return ena_error_set(len, "vfio-user VERSION: capabilities do not fit");
	iov[0] = (struct iovec){ &v, sizeof(v) };
	iov[1] = (struct iovec){ json, (size_t)len };
	r = client_call(c, VFIO_USER_VERSION, iov, 2, NULL, 0, VU_MAX_VERSION_REPLY, 0, &m);
	if (r < 0)
		return r;
	if (m.size < sizeof(rv)) {
		r = ena_error_set(-EPROTO, "vfio-user VERSION: reply of %zu bytes", m.size);
		goto release_reply;
	}
	memcpy(&rv, m.payload, sizeof(rv));
	if (rv.major != VFIO_USER_MAJOR || rv.minor > VFIO_USER_MINOR) {
		r = ena_error_set(-EPROTO, "vfio-user VERSION: server answered %u.%u, we need %u.%u",
				  rv.major, rv.minor, VFIO_USER_MAJOR, VFIO_USER_MINOR);
		goto release_reply;
	}
	r = vfio_user_caps_parse(m.payload, m.size, &caps);
	if (r < 0) {
		r = ena_error_set(-EPROTO, "vfio-user VERSION: malformed or out-of-range capabilities");
		goto release_reply;
	}
	/* The smallest page size offered is our DMA_MAP granule. */
	if ((caps.pgsizes & -caps.pgsizes) > VU_MAX_DMA_PAGE) {
		r = ena_error_set(-EPROTO, "vfio-user VERSION: unusable pgsizes 0x%llx",
				  (unsigned long long)caps.pgsizes);
		goto release_reply;
	}
	c->server_max_fds = caps.max_msg_fds;
	c->xfer = caps.max_data_xfer_size < VFIO_USER_MAX_DATA_XFER ? caps.max_data_xfer_size :
								      VFIO_USER_MAX_DATA_XFER;
	c->page = caps.pgsizes & -caps.pgsizes;
	r = 0;
release_reply:
	vfio_user_msg_release(&m);
	return r;
}

static int client_get_device_info(struct vu_client *c)
{
	struct vfio_user_device_info info = { .argsz = sizeof(info) };
	int r;

	r = client_call_fixed(c, VFIO_USER_DEVICE_GET_INFO, &info, sizeof(info), &info, sizeof(info));
	if (r < 0)
		return r;
	if (!(info.flags & VFIO_DEVICE_FLAGS_PCI))
		return ena_error_set(-ENODEV, "vfio-user DEVICE_GET_INFO: not a PCI device");
	if (info.num_regions < VU_MIN_REGIONS || info.num_regions > VU_MAX_REGIONS ||
	    info.num_irqs < VU_MIN_IRQS || info.num_irqs > VU_MAX_IRQS)
		return ena_error_set(-EPROTO,
				     "vfio-user DEVICE_GET_INFO: %u regions / %u irqs out of range",
				     info.num_regions, info.num_irqs);
	c->dev_flags = info.flags;
	c->num_regions = info.num_regions < ENA_BUS_MAX_REGIONS ? info.num_regions :
								  ENA_BUS_MAX_REGIONS;
	return 0;
}

/* Parse the sparse-mmap capability out of a region info reply. */
static int region_parse_caps(const struct vfio_user_msg *m, const struct vfio_user_region_info *ri,
			     struct vu_region *reg, bool *ret_sparse)
{
	uint32_t off = ri->cap_offset;
	bool sparse = false;

	for (unsigned int hops = 0; off; hops++) {
		struct vfio_user_cap_header ch;
		struct vfio_user_sparse_mmap_cap sc;

		if (hops >= VU_MAX_CAP_HOPS || off < sizeof(*ri) || off > m->size ||
		    m->size - off < sizeof(ch))
			return -EPROTO;
		memcpy(&ch, m->payload + off, sizeof(ch));
		if (ch.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP &&
		    ch.version == VFIO_USER_SPARSE_MMAP_VERSION && !sparse) {
			const uint8_t *p = m->payload + off + sizeof(sc);

			if (m->size - off < sizeof(sc))
				return -EPROTO;
			memcpy(&sc, m->payload + off, sizeof(sc));
			if (sc.nr_areas > (m->size - off - sizeof(sc)) / sizeof(struct vfio_user_sparse_mmap_area))
				return -EPROTO;
			sparse = true;
			for (uint32_t i = 0; i < sc.nr_areas; i++) {
				struct vfio_user_sparse_mmap_area a;

				memcpy(&a, p + i * sizeof(a), sizeof(a));
				if (!a.size)
					continue;
				if (((a.offset | a.size) & (VU_MMAP_ALIGN - 1)) || a.offset > ri->size ||
				    a.size > ri->size - a.offset)
					return -EPROTO;
				/* Areas beyond what we keep stay trapped. */
				if (reg->nr_areas < ENA_BUS_MAX_AREAS)
					reg->areas[reg->nr_areas++] =
						(struct ena_bus_area){ a.offset, a.size };
			}
		}
		off = ch.next;
	}
	*ret_sparse = sparse;
	return 0;
}

/* GET_REGION_INFO, two-pass, into c->regions[index]. Lock held. */
static int region_query(struct vu_client *c, unsigned int index)
{
	struct vfio_user_region_info req, ri;
	struct vu_region reg = { .fd = -1 };
	struct vfio_user_msg m;
	uint32_t argsz = sizeof(req);
	bool sparse = false;
	int r;

	if (index >= c->num_regions)
		return ena_error_set(-EINVAL, "vfio-user: region %u does not exist", index);

	for (int pass = 0;; pass++) {
		struct iovec v = { &req, sizeof(req) };

		req = (struct vfio_user_region_info){ .argsz = argsz, .index = index };
		r = client_call(c, VFIO_USER_DEVICE_GET_REGION_INFO, &v, 1, NULL, 0, argsz, 1, &m);
		if (r < 0)
			return r;
		if (m.size < sizeof(ri)) {
			r = -EPROTO;
			goto release_reply;
		}
		memcpy(&ri, m.payload, sizeof(ri));
		if (ri.index != index) {
			r = -EPROTO;
			goto release_reply;
		}
		if (ri.argsz <= argsz)
			break;
		/* Truncated pass: drop its fd, ask again with the size it needs. */
		vfio_user_msg_release(&m);
		if (pass || ri.argsz > VU_MAX_REGION_INFO_REPLY)
			return ena_error_set(-EPROTO,
					     "vfio-user region %u info: server needs %u bytes", index,
					     ri.argsz);
		argsz = ri.argsz;
	}

	reg.known = true;
	reg.size = ri.size;
	if (ri.size) {
		if (ri.flags & VFIO_REGION_INFO_FLAG_READ)
			reg.flags |= ENA_BUS_REGION_READ;
		if (ri.flags & VFIO_REGION_INFO_FLAG_WRITE)
			reg.flags |= ENA_BUS_REGION_WRITE;
	}
	/* Mappable only with its fd; without one the region stays trapped. */
	if (ri.size && (ri.flags & VFIO_REGION_INFO_FLAG_MMAP) && m.nr_fds == 1) {
		if (ri.offset & (VU_MMAP_ALIGN - 1)) {
			r = -EPROTO;
			goto release_reply;
		}
		if (ri.flags & VFIO_REGION_INFO_FLAG_CAPS) {
			r = region_parse_caps(&m, &ri, &reg, &sparse);
			if (r < 0)
				goto release_reply;
		}
		if (!sparse || reg.nr_areas) {
			reg.flags |= ENA_BUS_REGION_MMAP;
			reg.fd = m.fds[0];
			reg.fd_offset = ri.offset;
			m.fds[0] = -1; /* kept */
		}
	}
	vfio_user_msg_release(&m);

	if (c->regions[index].fd >= 0)
		close(c->regions[index].fd);
	c->regions[index] = reg;
	return 0;

release_reply:
	vfio_user_msg_release(&m);
	return ena_error_set(r, "vfio-user region %u info: malformed reply", index);
}

/* ---- ops ---- */

static int vu_region_info(struct ena_bus *bus, unsigned int index, struct ena_bus_region_info *ret)
{
	struct vu_client *c = bus_client(bus);
	const struct vu_region *reg;
	int r;

	pthread_mutex_lock(&c->lock);
	r = region_query(c, index);
	if (r == 0) {
		reg = &c->regions[index];
		*ret = (struct ena_bus_region_info){
			.size = reg->size,
			.flags = reg->flags,
			.nr_areas = reg->nr_areas,
		};
		memcpy(ret->areas, reg->areas, sizeof(ret->areas));
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int region_check(const struct vu_client *c, unsigned int index, uint64_t off, size_t len)
{
	if (index >= c->num_regions)
		return ena_error_set(-EINVAL, "vfio-user: region %u does not exist", index);
	if (off > UINT64_MAX - len)
		return ena_error_set(-EINVAL, "vfio-user: region %u offset 0x%llx overflows", index,
				     (unsigned long long)off);
	return 0;
}

static int vu_region_read(struct ena_bus *bus, unsigned int index, uint64_t off, void *buf,
			  size_t len)
{
	struct vu_client *c = bus_client(bus);
	size_t done = 0;
	int r;

	pthread_mutex_lock(&c->lock);
	r = region_check(c, index, off, len);
	while (r == 0 && done < len) {
		uint32_t n = len - done > c->xfer ? c->xfer : (uint32_t)(len - done);
		struct vfio_user_region_access a = { .offset = off + done, .region = index, .count = n };
		struct vfio_user_region_access ra;
		struct iovec v = { &a, sizeof(a) };
		struct vfio_user_msg m;

		r = client_call(c, VFIO_USER_REGION_READ, &v, 1, NULL, 0, sizeof(a) + n, 0, &m);
		if (r < 0)
			break;
		if (m.size == sizeof(a) + n)
			memcpy(&ra, m.payload, sizeof(ra));
		if (m.size != sizeof(a) + n || ra.count != n || ra.region != index ||
		    ra.offset != a.offset) {
			r = ena_error_set(-EPROTO, "vfio-user REGION_READ: region %u offset 0x%llx: short or mismatched reply",
					  index, (unsigned long long)a.offset);
		} else {
			memcpy((uint8_t *)buf + done, m.payload + sizeof(a), n);
			done += n;
		}
		vfio_user_msg_release(&m);
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_region_write(struct ena_bus *bus, unsigned int index, uint64_t off, const void *buf,
			   size_t len)
{
	struct vu_client *c = bus_client(bus);
	size_t done = 0;
	int r;

	pthread_mutex_lock(&c->lock);
	r = region_check(c, index, off, len);
	while (r == 0 && done < len) {
		uint32_t n = len - done > c->xfer ? c->xfer : (uint32_t)(len - done);
		struct vfio_user_region_access a = { .offset = off + done, .region = index, .count = n };
		struct vfio_user_region_access ra;
		struct iovec v[2] = { { &a, sizeof(a) }, { (uint8_t *)buf + done, n } };
		struct vfio_user_msg m;

		r = client_call(c, VFIO_USER_REGION_WRITE, v, 2, NULL, 0, sizeof(a), 0, &m);
		if (r < 0)
			break;
		/* The reply echoes the header; accept a bare reply too. */
		if (m.size == sizeof(ra))
			memcpy(&ra, m.payload, sizeof(ra));
		if ((m.size != 0 && m.size != sizeof(ra)) || (m.size && ra.count != n))
			r = ena_error_set(-EIO, "vfio-user REGION_WRITE: region %u offset 0x%llx: short write",
					  index, (unsigned long long)a.offset);
		else
			done += n;
		vfio_user_msg_release(&m);
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_region_mmap(struct ena_bus *bus, unsigned int index, uint64_t off, size_t len,
			  bool write_combine, void **ret)
{
	struct vu_client *c = bus_client(bus);
	const struct vu_region *reg;
	bool inside = false;
	int prot = 0, r = 0;
	void *p;

	(void)write_combine; /* a shared memfd mapping is what we get */
	pthread_mutex_lock(&c->lock);
	if (index >= c->num_regions || !c->regions[index].known || c->regions[index].fd < 0) {
		r = ena_error_set(-EINVAL, "vfio-user: region %u is not mappable", index);
		goto unlock;
	}
	reg = &c->regions[index];
	if (!len || (off & (VU_MMAP_ALIGN - 1)) || off > reg->size || len > reg->size - off) {
		r = ena_error_set(-EINVAL, "vfio-user: region %u: bad mmap range 0x%llx+0x%zx", index,
				  (unsigned long long)off, len);
		goto unlock;
	}
	inside = reg->nr_areas == 0;
	for (unsigned int i = 0; i < reg->nr_areas && !inside; i++)
		inside = off >= reg->areas[i].offset && len <= reg->areas[i].size &&
			 off - reg->areas[i].offset <= reg->areas[i].size - len;
	if (!inside || reg->fd_offset > (uint64_t)INT64_MAX - off) {
		r = ena_error_set(-EINVAL, "vfio-user: region %u: 0x%llx+0x%zx is not in a mappable area",
				  index, (unsigned long long)off, len);
		goto unlock;
	}
	if (reg->flags & ENA_BUS_REGION_READ)
		prot |= PROT_READ;
	if (reg->flags & ENA_BUS_REGION_WRITE)
		prot |= PROT_WRITE;
	p = mmap(NULL, len, prot ? prot : PROT_READ, MAP_SHARED, reg->fd,
		 (off_t)(reg->fd_offset + off));
	if (p == MAP_FAILED) {
		r = ena_error_set(-errno, "vfio-user: mmap region %u at 0x%llx: %m", index,
				  (unsigned long long)off);
		goto unlock;
	}
	*ret = p;
unlock:
	pthread_mutex_unlock(&c->lock);
	return r;
}

/* Validate and keep the entries of a GET_REGION_IO_FDS reply. */
static int io_fds_parse(const struct vfio_user_msg *m, const struct vu_region *reg,
			unsigned int index, struct ena_bus_ioeventfd *out, unsigned int max,
			unsigned int *ret_n)
{
	const uint32_t unsupported = KVM_IOEVENTFD_FLAG_DATAMATCH | KVM_IOEVENTFD_FLAG_PIO |
				     KVM_IOEVENTFD_FLAG_VIRTIO_CCW_NOTIFY;
	struct vfio_user_region_io_fds head;
	unsigned int n = 0;

	memcpy(&head, m->payload, sizeof(head));
	if (head.count > (m->size - sizeof(head)) / sizeof(struct vfio_user_sub_region_ioeventfd) ||
	    (head.count && !m->nr_fds))
		return -EPROTO;
	for (uint32_t i = 0; i < head.count; i++) {
		struct vfio_user_sub_region_ioeventfd e;
		int fd;

		memcpy(&e, m->payload + sizeof(head) + i * sizeof(e), sizeof(e));
		if (e.fd_index >= m->nr_fds || e.offset > reg->size || e.size > reg->size - e.offset)
			goto close_kept;
		/* We emulate plain MMIO ioeventfds only; without a datamatch
		 * field in the bus model, skip the others (stores still work). */
		if (e.type != VFIO_USER_IO_FD_TYPE_IOEVENTFD || (e.flags & unsupported))
			continue;
		if (n == max)
			continue;
		fd = fcntl(m->fds[e.fd_index], F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			int r = -errno;

			for (unsigned int k = 0; k < n; k++)
				close(out[k].fd);
			return r;
		}
		/* Size 0 means "any access width at offset". */
		out[n++] = (struct ena_bus_ioeventfd){
			.region = index,
			.offset = e.offset,
			.size = e.size ? e.size : 1,
			.fd = fd,
		};
	}
	*ret_n = n;
	return 0;
close_kept:
	for (unsigned int k = 0; k < n; k++)
		close(out[k].fd);
	return -EPROTO;
}

static int vu_region_ioeventfds(struct ena_bus *bus, unsigned int index,
				struct ena_bus_ioeventfd *ret, unsigned int max, unsigned int *ret_n)
{
	struct vu_client *c = bus_client(bus);
	struct ena_bus_ioeventfd *tmp = NULL;
	struct vfio_user_region_io_fds req, head;
	struct vfio_user_msg m;
	unsigned int n = 0;
	uint32_t argsz;
	int r = 0;

	if (max > VU_MAX_IO_FDS)
		max = VU_MAX_IO_FDS;
	argsz = sizeof(req) + max * sizeof(struct vfio_user_sub_region_ioeventfd);
	pthread_mutex_lock(&c->lock);
	if (index >= c->num_regions) {
		r = ena_error_set(-EINVAL, "vfio-user: region %u does not exist", index);
		goto unlock;
	}
	if (!c->regions[index].known) {
		r = region_query(c, index);
		if (r < 0)
			goto unlock;
	}
	for (int pass = 0;; pass++) {
		struct iovec v = { &req, sizeof(req) };

		req = (struct vfio_user_region_io_fds){ .argsz = argsz, .index = index };
		r = client_call(c, VFIO_USER_DEVICE_GET_REGION_IO_FDS, &v, 1, NULL, 0, argsz,
				VFIO_USER_MSG_MAX_FDS, &m);
		if (r < 0)
			goto unlock;
		if (m.size < sizeof(head)) {
			vfio_user_msg_release(&m);
			r = ena_error_set(-EPROTO, "vfio-user region %u io fds: short reply", index);
			goto unlock;
		}
		memcpy(&head, m.payload, sizeof(head));
		if (head.argsz <= argsz)
			break;
		vfio_user_msg_release(&m);
		if (pass || head.argsz > sizeof(req) + VU_MAX_IO_FDS * sizeof(struct vfio_user_sub_region_ioeventfd)) {
			r = ena_error_set(-EPROTO, "vfio-user region %u io fds: server needs %u bytes",
					  index, head.argsz);
			goto unlock;
		}
		argsz = head.argsz;
	}
	if (max) {
		tmp = calloc(max, sizeof(*tmp));
		if (!tmp) {
			vfio_user_msg_release(&m);
			r = ena_error_set(-ENOMEM, "vfio-user region %u io fds: out of memory", index);
			goto unlock;
		}
	}
	r = io_fds_parse(&m, &c->regions[index], index, tmp, max, &n);
	vfio_user_msg_release(&m);
	if (r < 0) {
		r = ena_error_set(r, "vfio-user region %u io fds: malformed reply", index);
		goto free_tmp;
	}
	if (n) {
		int *nf = realloc(c->io_fds, (c->nr_io_fds + n) * sizeof(*nf));

		if (!nf || c->nr_io_fds + n > VU_MAX_IO_FDS) {
			for (unsigned int k = 0; k < n; k++)
				close(tmp[k].fd);
			if (nf)
				c->io_fds = nf;
			r = ena_error_set(-ENOSPC, "vfio-user region %u io fds: too many", index);
			goto free_tmp;
		}
		c->io_fds = nf;
		for (unsigned int k = 0; k < n; k++)
			c->io_fds[c->nr_io_fds++] = tmp[k].fd;
		memcpy(ret, tmp, n * sizeof(*tmp));
	}
	*ret_n = n;
free_tmp:
	free(tmp);
unlock:
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_irq_count(struct ena_bus *bus, unsigned int *ret)
{
	struct vu_client *c = bus_client(bus);
	struct vfio_user_irq_info info = { .argsz = sizeof(info), .index = VFIO_PCI_MSIX_IRQ_INDEX };
	int r;

	pthread_mutex_lock(&c->lock);
	r = client_call_fixed(c, VFIO_USER_DEVICE_GET_IRQ_INFO, &info, sizeof(info), &info,
			      sizeof(info));
	if (r == 0 && (info.index != VFIO_PCI_MSIX_IRQ_INDEX || info.count > VU_MAX_MSIX))
		r = ena_error_set(-EPROTO, "vfio-user DEVICE_GET_IRQ_INFO: index %u count %u", info.index,
				  info.count);
	pthread_mutex_unlock(&c->lock);
	if (r == 0)
		*ret = info.count;
	return r;
}

/* One SET_IRQS message on the MSI-X index. Lock held. */
static int irq_set_one(struct vu_client *c, uint32_t flags, unsigned int start, unsigned int count,
		       const int *fds, unsigned int nr_fds)
{
	struct vfio_user_irq_set req = {
		.argsz = sizeof(req),
		.flags = flags,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
		.start = start,
		.count = count,
	};
	struct iovec v = { &req, sizeof(req) };
	struct vfio_user_msg m;
	int r;

	r = client_call(c, VFIO_USER_DEVICE_SET_IRQS, &v, 1, fds, nr_fds, 0, 0, &m);
	if (r == 0)
		vfio_user_msg_release(&m);
	return r;
}

static int vu_irq_set(struct ena_bus *bus, unsigned int start, unsigned int count, const int *fds)
{
	const uint32_t assign = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	struct vu_client *c = bus_client(bus);
	unsigned int i = 0;
	int r = 0;

	if (count > VU_MAX_MSIX || start > VU_MAX_MSIX - count)
		return ena_error_set(-EINVAL, "vfio-user: irq range %u+%u out of range", start, count);
	pthread_mutex_lock(&c->lock);
	if (!fds) {
		if (count == 0)
			r = irq_set_one(c, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0, 0,
					NULL, 0);
		else
			r = irq_set_one(c, assign, start, count, NULL, 0);
	}
	/* Chunks of valid fds (at most the server's max_msg_fds each) and
	 * runs of -1, which are sent without fds and de-assign. */
	while (fds && r == 0 && i < count) {
		bool valid = fds[i] >= 0;
		unsigned int j = i + 1;

		while (j < count && (fds[j] >= 0) == valid && (!valid || j - i < c->server_max_fds))
			j++;
		r = irq_set_one(c, assign, start + i, j - i, valid ? &fds[i] : NULL,
				valid ? j - i : 0);
		i = j;
	}
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_dma_map(struct ena_bus *bus, int fd, uint64_t fd_offset, void *vaddr, uint64_t size,
		      uint64_t *ret_iova)
{
	struct vu_client *c = bus_client(bus);
	struct vfio_user_dma_map req;
	struct iovec v = { &req, sizeof(req) };
	struct vfio_user_msg m;
	uint64_t iova;
	int r;

	if (!vaddr || !size || ((size | (fd >= 0 ? fd_offset : 0)) & (c->page - 1)))
		return ena_error_set(-EINVAL, "vfio-user DMA_MAP: size 0x%llx / offset 0x%llx not aligned to 0x%llx",
				     (unsigned long long)size, (unsigned long long)fd_offset,
				     (unsigned long long)c->page);
	pthread_mutex_lock(&c->lock);
	r = iova_alloc(c, size, &iova);
	if (r < 0) {
		r = ena_error_set(r, "vfio-user DMA_MAP: no IOVA space for 0x%llx bytes",
				  (unsigned long long)size);
		goto unlock;
	}
	/* In the table before the request: the server may access the window
	 * (DMA_READ/WRITE) before it replies. */
	r = window_insert(c, iova, size, vaddr);
	if (r < 0) {
		r = ena_error_set(r, "vfio-user DMA_MAP: too many DMA windows");
		goto unlock;
	}
	req = (struct vfio_user_dma_map){
		.argsz = sizeof(req),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.offset = fd >= 0 ? fd_offset : 0,
		.address = iova,
		.size = size,
	};
	r = client_call(c, VFIO_USER_DMA_MAP, &v, 1, fd >= 0 ? &fd : NULL, fd >= 0 ? 1 : 0, 0, 0, &m);
	if (r < 0) {
		window_remove(c, window_search(c, iova));
		goto unlock;
	}
	vfio_user_msg_release(&m);
	*ret_iova = iova;
unlock:
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_dma_unmap(struct ena_bus *bus, uint64_t iova, uint64_t size)
{
	struct vu_client *c = bus_client(bus);
	struct vfio_user_dma_unmap req = { .argsz = sizeof(req), .address = iova, .size = size };
	struct iovec v = { &req, sizeof(req) };
	struct vfio_user_msg m;
	unsigned int i;
	int r;

	pthread_mutex_lock(&c->lock);
	i = window_search(c, iova);
	if (i >= c->nr_windows || c->windows[i].iova != iova || c->windows[i].size != size) {
		r = ena_error_set(-EINVAL, "vfio-user DMA_UNMAP: no window 0x%llx+0x%llx",
				  (unsigned long long)iova, (unsigned long long)size);
		goto unlock;
	}
	r = client_call(c, VFIO_USER_DMA_UNMAP, &v, 1, NULL, 0, sizeof(req), 0, &m);
	if (r < 0)
		goto unlock; /* state unknown: keep serving the window */
	vfio_user_msg_release(&m);
	/* The server has dropped it; the window may be freed now. */
	window_remove(c, window_search(c, iova));
unlock:
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_reset(struct ena_bus *bus)
{
	struct vu_client *c = bus_client(bus);
	int r;

	if (!(c->dev_flags & VFIO_DEVICE_FLAGS_RESET))
		return ena_error_set(-ENOTSUP, "vfio-user: device does not support reset");
	pthread_mutex_lock(&c->lock);
	r = client_call_fixed(c, VFIO_USER_DEVICE_RESET, NULL, 0, NULL, 0);
	pthread_mutex_unlock(&c->lock);
	return r;
}

static int vu_poll(struct ena_bus *bus)
{
	struct vu_client *c = bus_client(bus);
	int served = 0, r = 0;

	pthread_mutex_lock(&c->lock);
	if (c->broken) {
		r = ena_error_set(-ENOTCONN, "vfio-user: connection is broken");
		goto unlock;
	}
	while (served < VU_POLL_BUDGET) {
		struct pollfd pfd = { .fd = c->sock, .events = POLLIN };
		uint64_t deadline;
		struct vfio_user_msg m;

		r = poll(&pfd, 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = ena_error_set(-errno, "vfio-user: poll: %m");
			goto unlock;
		}
		if (r == 0)
			break;
		deadline = vfio_user_deadline_ns(VU_REPLY_TIMEOUT_MS);
		r = vfio_user_msg_recv(c->sock, sizeof(struct vfio_user_dma_access) + VFIO_USER_MAX_DATA_XFER,
				       VFIO_USER_MSG_MAX_FDS, deadline, &m);
		if (r < 0) {
			r = client_break(c, r, VFIO_USER_DMA_WRITE, "receive failed or malformed message");
			goto unlock;
		}
		if (vfio_user_msg_is_reply(&m)) {
			vfio_user_msg_release(&m);
			r = client_break(c, -EPROTO, VFIO_USER_DMA_WRITE, "unsolicited reply");
			goto unlock;
		}
		r = serve_command(c, &m, deadline);
		vfio_user_msg_release(&m);
		if (r < 0) {
			r = client_break(c, r, VFIO_USER_DMA_WRITE, "cannot answer the server's request");
			goto unlock;
		}
		served++;
	}
	r = served;
unlock:
	pthread_mutex_unlock(&c->lock);
	return r;
}

static void client_free(struct vu_client *c)
{
	if (!c)
		return;
	if (c->sock >= 0)
		close(c->sock);
	for (unsigned int i = 0; i < ENA_BUS_MAX_REGIONS; i++)
		if (c->regions[i].fd >= 0)
			close(c->regions[i].fd);
	for (unsigned int i = 0; i < c->nr_io_fds; i++)
		close(c->io_fds[i]);
	free(c->io_fds);
	free(c->windows);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

static void vu_destroy(struct ena_bus *bus)
{
	if (!bus)
		return;
	client_free(bus_client(bus));
	bus->priv = NULL;
}

static const struct ena_bus_ops vu_ops = {
	.name = "vfio-user",
	.region_info = vu_region_info,
	.region_read = vu_region_read,
	.region_write = vu_region_write,
	.region_mmap = vu_region_mmap,
	.region_ioeventfds = vu_region_ioeventfds,
	.irq_count = vu_irq_count,
	.irq_set = vu_irq_set,
	.dma_map = vu_dma_map,
	.dma_unmap = vu_dma_unmap,
	.reset = vu_reset,
	.poll = vu_poll,
	.destroy = vu_destroy,
};

int ena_bus_vfio_user_open(const char *socket_path, struct ena_bus **ret)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char name[sizeof(((struct ena_bus *)NULL)->name)];
	struct vu_client *c;
	struct ena_bus *bus;
	int r;

	if (!socket_path || !ret)
		return ena_error_set(-EINVAL, "vfio-user: no socket path");
	if (strlen(socket_path) >= sizeof(addr.sun_path))
		return ena_error_set(-ENAMETOOLONG, "vfio-user: socket path too long: %s", socket_path);
	memcpy(addr.sun_path, socket_path, strlen(socket_path) + 1);

	c = calloc(1, sizeof(*c));
	if (!c)
		return ena_error_set(-ENOMEM, "vfio-user: out of memory");
	c->sock = -1;
	for (unsigned int i = 0; i < ENA_BUS_MAX_REGIONS; i++)
		c->regions[i].fd = -1;
	c->server_max_fds = VFIO_USER_DEFAULT_MAX_MSG_FDS;
	c->xfer = VFIO_USER_DEFAULT_MAX_DATA_XFER;
	c->page = VFIO_USER_DEFAULT_PGSIZES;
	r = -pthread_mutex_init(&c->lock, NULL);
	if (r < 0) {
		free(c);
		return ena_error_set(r, "vfio-user: mutex: %s", strerror(-r));
	}

	c->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->sock < 0) {
		r = ena_error_set(-errno, "vfio-user: socket: %m");
		goto free_client;
	}
	if (connect(c->sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		r = ena_error_set(-errno, "vfio-user: connect %s: %m", socket_path);
		goto free_client;
	}
	r = client_negotiate(c);
	if (r < 0)
		goto free_client;
	r = client_get_device_info(c);
	if (r < 0)
		goto free_client;

	snprintf(name, sizeof(name), "vfio-user:%s", socket_path);
	bus = ena_bus_alloc(&vu_ops, c, name);
	if (!bus) {
		r = ena_error_set(-ENOMEM, "vfio-user: out of memory");
		goto free_client;
	}
	*ret = bus;
	return 0;

free_client:
	client_free(c);
	return r;
}
