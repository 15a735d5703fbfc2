/* SPDX-License-Identifier: MIT */
/* vfio-user protocol: the real client against the real server with a small
 * fake device, and each side against hostile peers built from raw sockets. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/vfio.h>

#include <ena/vfio_user.h>
#include "bus.h"
#include "error.h"
#include "vfu_server.h"

/* ---- the fake device ---- */

#define BAR0_SIZE 0x10000u
#define BAR0_MMAP_OFF 0x1000u /* one mappable page, with an ioeventfd */
#define BAR0_MMAP_SIZE 0x1000u
#define CFG_SIZE 256u
#define NR_VECTORS 3u

struct fake_dev {
	uint8_t bar0[BAR0_SIZE]; /* trapped bytes */
	uint8_t cfg[CFG_SIZE];
	int bar_fd; /* memfd of BAR0_SIZE: the mappable page lives at its offset */
	uint8_t *bar_map;
	int kick_fd; /* the doorbell ioeventfd */
	int disconnect_efd; /* signalled by ops->disconnected */
	atomic_int resets, unmaps, before, connects, disconnects;
	_Atomic uint64_t last_unmap_iova, last_unmap_size;
};

static int dev_region_read(void *ctx, unsigned int region, uint64_t off, void *buf, size_t len)
{
	struct fake_dev *d = ctx;

	if (region == 0)
		memcpy(buf, d->bar0 + off, len);
	else if (region == VFU_CONFIG_REGION)
		memcpy(buf, d->cfg + off, len);
	else
		return -EINVAL;
	return 0;
}

static int dev_region_write(void *ctx, unsigned int region, uint64_t off, const void *buf,
			    size_t len)
{
	struct fake_dev *d = ctx;

	if (region == 0)
		memcpy(d->bar0 + off, buf, len);
	else if (region == VFU_CONFIG_REGION)
		memcpy(d->cfg + off, buf, len);
	else
		return -EINVAL;
	return 0;
}

static void dev_before(void *ctx)
{
	atomic_fetch_add(&((struct fake_dev *)ctx)->before, 1);
}

static void dev_dma_unmap(void *ctx, uint64_t iova, uint64_t size)
{
	struct fake_dev *d = ctx;

	d->last_unmap_iova = iova;
	d->last_unmap_size = size;
	atomic_fetch_add(&d->unmaps, 1);
}

static int dev_reset(void *ctx)
{
	atomic_fetch_add(&((struct fake_dev *)ctx)->resets, 1);
	return 0;
}

static void dev_connected(void *ctx)
{
	atomic_fetch_add(&((struct fake_dev *)ctx)->connects, 1);
}

static void dev_disconnected(void *ctx)
{
	struct fake_dev *d = ctx;

	atomic_fetch_add(&d->disconnects, 1);
	eventfd_write(d->disconnect_efd, 1);
}

static const struct vfu_device_ops dev_ops = {
	.region_read = dev_region_read,
	.region_write = dev_region_write,
	.before_message = dev_before,
	.dma_unmap = dev_dma_unmap,
	.reset = dev_reset,
	.connected = dev_connected,
	.disconnected = dev_disconnected,
};

/* ---- fixture: a real server on a temp socket, served by a thread ---- */

struct fixture {
	char dir[64];
	char path[96];
	struct fake_dev dev;
	struct vfu_server *srv;
	pthread_t thread;
	int stop_efd;
	bool running;
	struct ena_bus *bus;
};

static void *server_main(void *arg)
{
	struct fixture *f = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = vfu_server_fd(f->srv), .events = POLLIN },
			{ .fd = f->stop_efd, .events = POLLIN },
		};

		if (poll(p, 2, -1) < 0)
			continue;
		if (p[1].revents)
			break;
		if (p[0].revents)
			vfu_server_dispatch(f->srv);
	}
	return NULL;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct vfu_region bar0 = {
		.size = BAR0_SIZE,
		.flags = VFU_REGION_READ | VFU_REGION_WRITE | VFU_REGION_MMAP,
		.nr_areas = 1,
		.areas = { { BAR0_MMAP_OFF, BAR0_MMAP_SIZE } },
	};
	struct vfu_region cfg = {
		.size = CFG_SIZE,
		.flags = VFU_REGION_READ | VFU_REGION_WRITE,
		.fd = -1,
	};
	struct vfu_ioeventfd kick;

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_vfio_user.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/dev.sock", f->dir);

	for (unsigned int i = 0; i < CFG_SIZE; i++)
		f->dev.cfg[i] = (uint8_t)(i ^ 0x5a);
	f->dev.bar_fd = memfd_create("bar0", MFD_CLOEXEC);
	assert_true(f->dev.bar_fd >= 0);
	assert_int_equal(ftruncate(f->dev.bar_fd, BAR0_SIZE), 0);
	f->dev.bar_map = mmap(NULL, BAR0_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, f->dev.bar_fd, 0);
	assert_true(f->dev.bar_map != MAP_FAILED);
	f->dev.kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	f->dev.disconnect_efd = eventfd(0, EFD_CLOEXEC);
	f->stop_efd = eventfd(0, EFD_CLOEXEC);
	assert_true(f->dev.kick_fd >= 0 && f->dev.disconnect_efd >= 0 && f->stop_efd >= 0);

	assert_int_equal(vfu_server_create(f->path, &dev_ops, &f->dev, &f->srv), 0);
	bar0.fd = f->dev.bar_fd;
	assert_int_equal(vfu_server_set_region(f->srv, 0, &bar0), 0);
	assert_int_equal(vfu_server_set_region(f->srv, VFU_CONFIG_REGION, &cfg), 0);
	kick = (struct vfu_ioeventfd){ BAR0_MMAP_OFF, 4, f->dev.kick_fd };
	assert_int_equal(vfu_server_set_ioeventfds(f->srv, 0, &kick, 1), 0);
	assert_int_equal(vfu_server_set_msix_count(f->srv, NR_VECTORS), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, server_main, f), 0);
	f->running = true;
	*state = f;
	return 0;
}

static void server_stop(struct fixture *f)
{
	if (!f->running)
		return;
	eventfd_write(f->stop_efd, 1);
	pthread_join(f->thread, NULL);
	f->running = false;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ena_bus_close(f->bus);
	server_stop(f);
	vfu_server_destroy(f->srv);
	munmap(f->dev.bar_map, BAR0_SIZE);
	close(f->dev.bar_fd);
	close(f->dev.kick_fd);
	close(f->dev.disconnect_efd);
	close(f->stop_efd);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void wait_disconnect(struct fixture *f)
{
	eventfd_t v;

	assert_int_equal(eventfd_read(f->dev.disconnect_efd, &v), 0);
}

static bool fd_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static struct ena_bus *client_open(struct fixture *f)
{
	assert_int_equal(ena_bus_vfio_user_open(f->path, &f->bus), 0);
	assert_non_null(f->bus);
	return f->bus;
}

/* ---- raw socket helpers (speak the wire format without our library) ---- */

#define RAW_MAX_PAYLOAD 16384

struct raw_msg {
	struct vfio_user_header h;
	uint8_t p[RAW_MAX_PAYLOAD];
	size_t len;
	int fds[16];
	unsigned int nr_fds;
};

static int raw_connect(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

static int raw_write(int s, const void *buf, size_t len)
{
	const uint8_t *b = buf;

	while (len) {
		ssize_t w = send(s, b, len, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		b += w;
		len -= (size_t)w;
	}
	return 0;
}

static int raw_send(int s, uint16_t id, uint16_t cmd, uint32_t flags, uint32_t err,
		    const void *payload, size_t len, const int *fds, unsigned int nr_fds)
{
	struct vfio_user_header h = {
		.msg_id = id, .command = cmd, .msg_size = (uint32_t)(16 + len), .flags = flags,
		.error = err,
	};
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec v[2] = { { &h, sizeof(h) }, { (void *)payload, len } };
	struct msghdr mh = { .msg_iov = v, .msg_iovlen = len ? 2 : 1 };
	ssize_t w;

	if (nr_fds) {
		struct cmsghdr *c;

		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * nr_fds);
	}
	w = sendmsg(s, &mh, MSG_NOSIGNAL);
	return w == (ssize_t)(16 + len) ? 0 : -1;
}

static int raw_cmd(int s, uint16_t id, uint16_t cmd, const void *payload, size_t len)
{
	return raw_send(s, id, cmd, VFIO_USER_F_TYPE_COMMAND, 0, payload, len, NULL, 0);
}

static int raw_reply(int s, const struct raw_msg *req, const void *payload, size_t len,
		     const int *fds, unsigned int nr_fds)
{
	return raw_send(s, req->h.msg_id, req->h.command, VFIO_USER_F_TYPE_REPLY, 0, payload, len,
			fds, nr_fds);
}

/* Read one message; returns 0, or -1 on EOF/error (EOF: connection closed). */
static int raw_recv(int s, struct raw_msg *m)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 16)];
		struct cmsghdr align;
	} ctl;
	struct iovec v = { &m->h, sizeof(m->h) };
	struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	size_t got = 0;
	ssize_t r;

	m->nr_fds = 0;
	m->len = 0;
	r = recvmsg(s, &mh, MSG_CMSG_CLOEXEC | MSG_WAITALL);
	if (r != (ssize_t)sizeof(m->h))
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_type != SCM_RIGHTS)
			continue;
		m->nr_fds = (unsigned int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(m->fds, CMSG_DATA(c), m->nr_fds * sizeof(int));
	}
	if (m->h.msg_size < 16 || m->h.msg_size - 16 > RAW_MAX_PAYLOAD)
		return -1;
	m->len = m->h.msg_size - 16;
	while (got < m->len) {
		r = recv(s, m->p + got, m->len - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

static void raw_close_fds(struct raw_msg *m)
{
	for (unsigned int i = 0; i < m->nr_fds; i++)
		close(m->fds[i]);
	m->nr_fds = 0;
}

/* True when the peer closed: the next read sees EOF. */
static bool raw_closed(int s)
{
	char c;

	return recv(s, &c, 1, 0) == 0;
}

static void raw_version(int s)
{
	static const char json[] = "{\"capabilities\":{\"max_msg_fds\":16}}";
	uint8_t buf[4 + sizeof(json)] = { 0 };
	struct raw_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	memcpy(buf + 4, json, sizeof(json));
	assert_int_equal(raw_cmd(s, 1, VFIO_USER_VERSION, buf, sizeof(buf)), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->h.flags, VFIO_USER_F_TYPE_REPLY);
	assert_int_equal(m->h.msg_id, 1);
	assert_true(m->len >= 4 && m->len <= sizeof(buf));
	assert_int_equal(m->p[0] | m->p[1] | m->p[2] | m->p[3], 0); /* 0.0 */
	free(m);
}

static int raw_open_negotiated(struct fixture *f)
{
	int s = raw_connect(f->path);

	assert_true(s >= 0);
	raw_version(s);
	return s;
}

/* Send a command and expect an error reply with @err. */
static void raw_expect_error(int s, uint16_t id, uint16_t cmd, const void *p, size_t len,
			     const int *fds, unsigned int nr_fds, uint32_t err)
{
	struct raw_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(raw_send(s, id, cmd, VFIO_USER_F_TYPE_COMMAND, 0, p, len, fds, nr_fds), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->h.msg_id, id);
	assert_int_equal(m->h.command, cmd);
	assert_int_equal(m->h.flags, VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR);
	assert_int_equal(m->h.error, err);
	assert_int_equal(m->len, 0);
	raw_close_fds(m);
	free(m);
}

/* A GET_INFO round trip: proves the connection is still in service. */
static void raw_expect_alive(int s, uint16_t id)
{
	struct vfio_user_device_info info = { .argsz = sizeof(info) };
	struct raw_msg *m = malloc(sizeof(*m));

	assert_non_null(m);
	assert_int_equal(raw_cmd(s, id, VFIO_USER_DEVICE_GET_INFO, &info, sizeof(info)), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->h.msg_id, id);
	assert_int_equal(m->h.flags, VFIO_USER_F_TYPE_REPLY);
	assert_int_equal(m->len, sizeof(info));
	memcpy(&info, m->p, sizeof(info));
	assert_int_equal(info.flags, VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET);
	assert_int_equal(info.num_regions, 9);
	assert_int_equal(info.num_irqs, 5);
	free(m);
}

/* ================= real client against the real server ================= */

static void test_negotiate_and_region_info(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);
	struct ena_bus_region_info ri;
	unsigned int n = 0;

	assert_string_equal(bus->name + strlen("vfio-user:"), f->path);
	assert_int_equal(bus->ops->region_info(bus, 0, &ri), 0);
	assert_int_equal(ri.size, BAR0_SIZE);
	assert_int_equal(ri.flags, ENA_BUS_REGION_READ | ENA_BUS_REGION_WRITE | ENA_BUS_REGION_MMAP);
	assert_int_equal(ri.nr_areas, 1);
	assert_int_equal(ri.areas[0].offset, BAR0_MMAP_OFF);
	assert_int_equal(ri.areas[0].size, BAR0_MMAP_SIZE);

	assert_int_equal(bus->ops->region_info(bus, VFU_CONFIG_REGION, &ri), 0);
	assert_int_equal(ri.size, CFG_SIZE);
	assert_int_equal(ri.flags, ENA_BUS_REGION_READ | ENA_BUS_REGION_WRITE);

	assert_int_equal(bus->ops->region_info(bus, 2, &ri), 0); /* absent BAR */
	assert_int_equal(ri.size, 0);
	assert_int_equal(ri.flags, 0);

	memset(&ri, 0xab, sizeof(ri));
	assert_int_equal(bus->ops->region_info(bus, 9, &ri), -EINVAL);
	assert_int_equal(ri.size, 0xababababababababull); /* untouched */
	assert_true(strlen(ena_error_last()) > 0);

	assert_int_equal(bus->ops->irq_count(bus, &n), 0);
	assert_int_equal(n, NR_VECTORS);
	assert_int_equal(atomic_load(&f->dev.connects), 1);
}

static void test_region_read_write(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);
	uint8_t out[64], in[CFG_SIZE];

	for (unsigned int i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(0xc0 + i);
	assert_int_equal(bus->ops->region_write(bus, 0, 0x100, out, sizeof(out)), 0);
	assert_memory_equal(f->dev.bar0 + 0x100, out, sizeof(out));
	memset(in, 0, sizeof(in));
	assert_int_equal(bus->ops->region_read(bus, 0, 0x100, in, sizeof(out)), 0);
	assert_memory_equal(in, out, sizeof(out));

	assert_int_equal(bus->ops->region_read(bus, VFU_CONFIG_REGION, 0, in, CFG_SIZE), 0);
	assert_memory_equal(in, f->dev.cfg, CFG_SIZE);

	/* Past the end: refused by the server, the connection stays. */
	assert_int_equal(bus->ops->region_read(bus, VFU_CONFIG_REGION, CFG_SIZE - 2, in, 4), -EINVAL);
	assert_int_equal(bus->ops->region_write(bus, 0, BAR0_SIZE, out, 1), -EINVAL);
	assert_int_equal(bus->ops->region_read(bus, 0, 0x100, in, 4), 0);
	assert_memory_equal(in, out, 4);
	assert_true(atomic_load(&f->dev.before) >= 7);
}

static void test_mmap_area_and_ioeventfd(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);
	struct ena_bus_ioeventfd iofds[ENA_BUS_MAX_IOEVENTFDS];
	struct ena_bus_region_info ri;
	unsigned int n = 99;
	volatile uint32_t *db;
	void *p = NULL;
	eventfd_t v = 0;

	assert_int_equal(bus->ops->region_info(bus, 0, &ri), 0);
	assert_int_equal(bus->ops->region_mmap(bus, 0, BAR0_MMAP_OFF, BAR0_MMAP_SIZE, false, &p), 0);
	db = p;
	db[4] = 0x12345678;
	assert_int_equal(*(uint32_t *)(f->dev.bar_map + BAR0_MMAP_OFF + 16), 0x12345678);
	/* Outside the sparse area: refused, no mapping. */
	assert_int_equal(bus->ops->region_mmap(bus, 0, 0, 0x1000, false, &p), -EINVAL);
	assert_true(p == (void *)db);
	assert_int_equal(bus->ops->region_mmap(bus, VFU_CONFIG_REGION, 0, 0x1000, false, &p), -EINVAL);

	assert_int_equal(bus->ops->region_ioeventfds(bus, 0, iofds, ENA_BUS_MAX_IOEVENTFDS, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(iofds[0].region, 0);
	assert_int_equal(iofds[0].offset, BAR0_MMAP_OFF);
	assert_int_equal(iofds[0].size, 4);
	assert_false(fd_readable(f->dev.kick_fd));
	assert_int_equal(eventfd_write(iofds[0].fd, 1), 0);
	assert_int_equal(eventfd_read(f->dev.kick_fd, &v), 0);
	assert_int_equal(v, 1);
	assert_true(fcntl(iofds[0].fd, F_GETFD) & FD_CLOEXEC);

	assert_int_equal(bus->ops->region_ioeventfds(bus, VFU_CONFIG_REGION, iofds,
						     ENA_BUS_MAX_IOEVENTFDS, &n), 0);
	assert_int_equal(n, 0);
	munmap(p, BAR0_MMAP_SIZE);
}

static void test_dma_map_write_unmap(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);
	static const char msg[] = "written by the device";
	const size_t size = 2 * 4096;
	uint64_t iova = 0, iova2 = 0;
	char back[8];
	uint8_t *mem;
	int mfd;

	mfd = memfd_create("dma", MFD_CLOEXEC);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, (off_t)(2 * size)), 0);
	mem = mmap(NULL, 2 * size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(mem != MAP_FAILED);

	assert_int_equal(bus->ops->dma_map(bus, mfd, 0, mem, size, &iova), 0);
	assert_true(iova >= 0x100000000ull && iova + size <= (1ull << 47));
	assert_int_equal(iova % 4096, 0);
	assert_int_equal(bus->ops->dma_map(bus, mfd, size, mem + size, size, &iova2), 0);
	assert_true(iova2 >= iova + size || iova2 + size <= iova);

	assert_int_equal(vfu_server_dma_write(f->srv, iova + 100, msg, sizeof(msg)), 0);
	assert_memory_equal(mem + 100, msg, sizeof(msg));
	memcpy(mem + size + 8, "clientAB", 8);
	assert_int_equal(vfu_server_dma_read(f->srv, iova2 + 8, back, 8), 0);
	assert_memory_equal(back, "clientAB", 8);
	/* Ranges that leave a window are not DMA-able. */
	assert_null(vfu_server_dma(f->srv, iova + size - 4, 8, true));
	assert_null(vfu_server_dma(f->srv, iova - 1, 1, false));
	assert_non_null(vfu_server_dma(f->srv, iova + size - 8, 8, true));

	assert_int_equal(bus->ops->dma_unmap(bus, iova, size), 0);
	assert_int_equal(atomic_load(&f->dev.unmaps), 1);
	assert_int_equal(f->dev.last_unmap_iova, iova);
	assert_int_equal(f->dev.last_unmap_size, size);
	assert_null(vfu_server_dma(f->srv, iova + 100, 1, false));
	assert_int_equal(vfu_server_dma_write(f->srv, iova, msg, 1), -EFAULT);
	assert_non_null(vfu_server_dma(f->srv, iova2, 1, false));
	/* Unmapping twice, or a range that was never mapped, fails. */
	assert_int_equal(bus->ops->dma_unmap(bus, iova, size), -EINVAL);
	/* Misaligned sizes never reach the server. */
	assert_int_equal(bus->ops->dma_map(bus, mfd, 0, mem, 100, &iova), -EINVAL);

	/* Disconnect unmaps what is left through the device hook. */
	ena_bus_close(f->bus);
	f->bus = NULL;
	wait_disconnect(f);
	assert_int_equal(atomic_load(&f->dev.unmaps), 2);
	assert_null(vfu_server_dma(f->srv, iova2, 1, false));
	munmap(mem, 2 * size);
	close(mfd);
}

static void test_irq_set_and_fire(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);
	int efd[NR_VECTORS];
	int fds[NR_VECTORS];
	eventfd_t v;

	for (unsigned int i = 0; i < NR_VECTORS; i++) {
		efd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(efd[i] >= 0);
	}
	assert_int_equal(vfu_server_irq_fire(f->srv, 0), -ENOENT);
	assert_int_equal(bus->ops->irq_set(bus, 0, NR_VECTORS, efd), 0);
	assert_int_equal(vfu_server_irq_fire(f->srv, 1), 0);
	assert_true(fd_readable(efd[1]));
	assert_false(fd_readable(efd[0]));
	assert_false(fd_readable(efd[2]));
	assert_int_equal(eventfd_read(efd[1], &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(vfu_server_irq_fire(f->srv, NR_VECTORS), -EINVAL);

	/* A hole of -1 de-assigns vector 1 only. */
	fds[0] = efd[2];
	fds[1] = -1;
	fds[2] = efd[0];
	assert_int_equal(bus->ops->irq_set(bus, 0, NR_VECTORS, fds), 0);
	assert_int_equal(vfu_server_irq_fire(f->srv, 1), -ENOENT);
	assert_int_equal(vfu_server_irq_fire(f->srv, 0), 0);
	assert_true(fd_readable(efd[2]));
	assert_false(fd_readable(efd[0]));

	/* Range de-assign, then disable all. */
	assert_int_equal(bus->ops->irq_set(bus, 2, 1, NULL), 0);
	assert_int_equal(vfu_server_irq_fire(f->srv, 2), -ENOENT);
	assert_int_equal(bus->ops->irq_set(bus, 0, 0, NULL), 0);
	assert_int_equal(vfu_server_irq_fire(f->srv, 0), -ENOENT);
	/* Out of the device's range. */
	assert_int_equal(bus->ops->irq_set(bus, 2, 2, efd), -EINVAL);
	for (unsigned int i = 0; i < NR_VECTORS; i++)
		close(efd[i]);
}

static void test_device_reset(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);

	assert_int_equal(bus->ops->reset(bus), 0);
	assert_int_equal(atomic_load(&f->dev.resets), 1);
	assert_int_equal(bus->ops->poll(bus), 0); /* nothing pending */
}

static void test_second_client_closed(void **state)
{
	struct fixture *f = *state;
	struct ena_bus *bus = client_open(f);
	uint8_t b[4];
	int s = raw_connect(f->path);

	assert_true(s >= 0);
	assert_true(raw_closed(s));
	close(s);
	assert_int_equal(bus->ops->region_read(bus, VFU_CONFIG_REGION, 0, b, 4), 0);
	assert_memory_equal(b, f->dev.cfg, 4);
	assert_int_equal(atomic_load(&f->dev.connects), 1);
}

/* ================= raw peers against the server ================= */

static void test_srv_truncated_header(void **state)
{
	struct fixture *f = *state;
	uint8_t half[8] = { 1, 0, 1, 0, 32, 0, 0, 0 };
	int s = raw_connect(f->path);

	assert_true(s >= 0);
	assert_int_equal(raw_write(s, half, sizeof(half)), 0);
	shutdown(s, SHUT_WR);
	assert_true(raw_closed(s));
	close(s);
	wait_disconnect(f);
	/* The server listens again. */
	s = raw_open_negotiated(f);
	raw_expect_alive(s, 2);
	close(s);
}

static void test_srv_msg_size_too_small(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_header h = { .msg_id = 2, .command = VFIO_USER_DEVICE_GET_INFO, .msg_size = 8 };
	int s = raw_open_negotiated(f);

	assert_int_equal(raw_write(s, &h, sizeof(h)), 0);
	assert_true(raw_closed(s));
	close(s);
	wait_disconnect(f);
}

static void test_srv_msg_size_over_cap(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_header h = {
		.msg_id = 2, .command = VFIO_USER_REGION_WRITE, .msg_size = (2u << 20) + 16,
	};
	int s = raw_open_negotiated(f);

	/* Only the header is sent: the server must not wait for 2 MiB. */
	assert_int_equal(raw_write(s, &h, sizeof(h)), 0);
	assert_true(raw_closed(s));
	close(s);
	wait_disconnect(f);
}

static void test_srv_truncated_payload(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_header h = {
		.msg_id = 2, .command = VFIO_USER_DEVICE_GET_INFO, .msg_size = 16 + 16,
	};
	uint8_t part[10] = { 0 };
	int s = raw_open_negotiated(f);

	assert_int_equal(raw_write(s, &h, sizeof(h)), 0);
	assert_int_equal(raw_write(s, part, sizeof(part)), 0);
	shutdown(s, SHUT_WR);
	assert_true(raw_closed(s));
	close(s);
	wait_disconnect(f);
	assert_int_equal(atomic_load(&f->dev.disconnects), 1);
}

static void test_srv_short_payloads(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_region_access ra = { .offset = CFG_SIZE - 4, .region = 7, .count = 8 };
	uint8_t wr[16 + 4] = { 0 };
	uint8_t small[4] = { 16, 0, 0, 0 };
	int s = raw_open_negotiated(f);

	raw_expect_error(s, 2, VFIO_USER_DEVICE_GET_INFO, small, sizeof(small), NULL, 0, EINVAL);
	raw_expect_error(s, 3, VFIO_USER_DEVICE_GET_REGION_INFO, small, sizeof(small), NULL, 0, EINVAL);
	raw_expect_error(s, 4, VFIO_USER_DEVICE_SET_IRQS, small, sizeof(small), NULL, 0, EINVAL);
	raw_expect_error(s, 5, VFIO_USER_DMA_MAP, small, sizeof(small), NULL, 0, EINVAL);
	raw_expect_error(s, 6, VFIO_USER_DMA_UNMAP, small, sizeof(small), NULL, 0, EINVAL);
	raw_expect_error(s, 7, VFIO_USER_REGION_READ, small, sizeof(small), NULL, 0, EINVAL);
	/* Bounds and count checks on region access. */
	raw_expect_error(s, 8, VFIO_USER_REGION_READ, &ra, sizeof(ra), NULL, 0, EINVAL);
	ra = (struct vfio_user_region_access){ .offset = 0, .region = 7, .count = 8 };
	memcpy(wr, &ra, sizeof(ra)); /* says 8 bytes, carries 4 */
	raw_expect_error(s, 9, VFIO_USER_REGION_WRITE, wr, sizeof(wr), NULL, 0, EINVAL);
	ra = (struct vfio_user_region_access){ .offset = 0, .region = 3, .count = 4 };
	raw_expect_error(s, 10, VFIO_USER_REGION_READ, &ra, sizeof(ra), NULL, 0, EINVAL);
	raw_expect_alive(s, 11);
	close(s);
}

static void test_srv_unknown_command(void **state)
{
	struct fixture *f = *state;
	int s = raw_open_negotiated(f);

	raw_expect_error(s, 2, 99, NULL, 0, NULL, 0, ENOSYS);
	raw_expect_error(s, 3, VFIO_USER_DIRTY_PAGES, NULL, 0, NULL, 0, ENOSYS);
	raw_expect_error(s, 4, VFIO_USER_DMA_READ, NULL, 0, NULL, 0, ENOSYS);
	raw_expect_error(s, 5, VFIO_USER_MIG_DATA_WRITE, NULL, 0, NULL, 0, ENOSYS);
	raw_expect_alive(s, 6);
	close(s);
}

static void test_srv_command_before_version(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_device_info info = { .argsz = sizeof(info) };
	uint8_t ver[4] = { 0 };
	struct raw_msg *m;
	int s = raw_connect(f->path);

	assert_true(s >= 0);
	raw_expect_error(s, 1, VFIO_USER_DEVICE_GET_INFO, &info, sizeof(info), NULL, 0, EINVAL);
	raw_version(s);
	/* VERSION only once. */
	raw_expect_error(s, 2, VFIO_USER_VERSION, ver, sizeof(ver), NULL, 0, EINVAL);
	raw_expect_alive(s, 3);
	close(s);
	wait_disconnect(f);

	/* A bare VERSION (no JSON) gets a bare answer: never more than asked. */
	s = raw_connect(f->path);
	assert_true(s >= 0);
	m = malloc(sizeof(*m));
	assert_non_null(m);
	assert_int_equal(raw_cmd(s, 1, VFIO_USER_VERSION, ver, sizeof(ver)), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->len, 4);
	free(m);
	close(s);
}

static void test_srv_fds_where_none_belong(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_device_info info = { .argsz = sizeof(info) };
	struct vfio_user_irq_set irq = {
		.argsz = sizeof(irq),
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_MSIX_IRQ_INDEX,
		.start = 0,
		.count = 2,
	};
	int s = raw_open_negotiated(f);
	int p[2];
	char c;

	assert_int_equal(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	raw_expect_error(s, 2, VFIO_USER_DEVICE_GET_INFO, &info, sizeof(info), &p[1], 1, EINVAL);
	/* SET_IRQS with the wrong number of fds, and with a pipe for an eventfd. */
	raw_expect_error(s, 3, VFIO_USER_DEVICE_SET_IRQS, &irq, sizeof(irq), &p[1], 1, EINVAL);
	irq.count = 1;
	raw_expect_error(s, 4, VFIO_USER_DEVICE_SET_IRQS, &irq, sizeof(irq), &p[1], 1, EINVAL);
	close(p[1]);
	/* The server closed every copy it received: the pipe reads EOF. */
	assert_int_equal(read(p[0], &c, 1), 0);
	close(p[0]);
	raw_expect_alive(s, 5);
	close(s);
}

static void test_srv_region_info_two_pass(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_region_info ri = { .argsz = sizeof(ri), .index = 0 };
	struct vfio_user_sparse_mmap_cap cap;
	struct vfio_user_sparse_mmap_area area;
	struct raw_msg *m = malloc(sizeof(*m));
	int s = raw_open_negotiated(f);

	assert_non_null(m);
	assert_int_equal(raw_cmd(s, 2, VFIO_USER_DEVICE_GET_REGION_INFO, &ri, sizeof(ri)), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->len, 32);
	assert_int_equal(m->nr_fds, 0); /* no fd on the truncated pass */
	memcpy(&ri, m->p, sizeof(ri));
	assert_int_equal(ri.argsz, 32 + 16 + 16);
	assert_true(ri.flags & VFIO_REGION_INFO_FLAG_CAPS);

	ri = (struct vfio_user_region_info){ .argsz = 64, .index = 0 };
	assert_int_equal(raw_cmd(s, 3, VFIO_USER_DEVICE_GET_REGION_INFO, &ri, sizeof(ri)), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->len, 64);
	assert_int_equal(m->nr_fds, 1);
	memcpy(&ri, m->p, sizeof(ri));
	memcpy(&cap, m->p + ri.cap_offset, sizeof(cap));
	memcpy(&area, m->p + ri.cap_offset + sizeof(cap), sizeof(area));
	assert_int_equal(cap.header.id, VFIO_REGION_INFO_CAP_SPARSE_MMAP);
	assert_int_equal(cap.nr_areas, 1);
	assert_int_equal(area.offset, BAR0_MMAP_OFF);
	assert_int_equal(area.size, BAR0_MMAP_SIZE);
	assert_true(fcntl(m->fds[0], F_GETFD) & FD_CLOEXEC);
	raw_close_fds(m);
	free(m);
	close(s);
}

static void test_srv_dma_map_rules(void **state)
{
	struct fixture *f = *state;
	struct vfio_user_dma_map map = {
		.argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.address = 0x200000,
		.size = 0x2000,
	};
	struct vfio_user_dma_unmap um = { .argsz = sizeof(um), .address = 0x200000, .size = 0x1000 };
	struct raw_msg *m = malloc(sizeof(*m));
	int s = raw_open_negotiated(f);
	int mfd = memfd_create("dma", MFD_CLOEXEC);

	assert_non_null(m);
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 0x2000), 0);
	/* No fd: this server refuses (it never issues DMA_READ/WRITE). */
	raw_expect_error(s, 2, VFIO_USER_DMA_MAP, &map, sizeof(map), NULL, 0, ENOTSUP);
	/* Past the end of the file: would SIGBUS. */
	map.size = 0x4000;
	raw_expect_error(s, 3, VFIO_USER_DMA_MAP, &map, sizeof(map), &mfd, 1, EINVAL);
	map.size = 0x2000;
	assert_int_equal(raw_send(s, 4, VFIO_USER_DMA_MAP, 0, 0, &map, sizeof(map), &mfd, 1), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->h.flags, VFIO_USER_F_TYPE_REPLY);
	assert_int_equal(m->len, 0);
	assert_non_null(vfu_server_dma(f->srv, 0x201000, 0x1000, true));
	/* Overlap. */
	map.address = 0x201000;
	raw_expect_error(s, 5, VFIO_USER_DMA_MAP, &map, sizeof(map), &mfd, 1, EEXIST);
	/* Unmap must match exactly; dirty-bitmap flag refused. */
	raw_expect_error(s, 6, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, ENOENT);
	um.size = 0x2000;
	um.flags = 1;
	raw_expect_error(s, 7, VFIO_USER_DMA_UNMAP, &um, sizeof(um), NULL, 0, EINVAL);
	um.flags = 0;
	assert_int_equal(raw_cmd(s, 8, VFIO_USER_DMA_UNMAP, &um, sizeof(um)), 0);
	assert_int_equal(raw_recv(s, m), 0);
	assert_int_equal(m->h.flags, VFIO_USER_F_TYPE_REPLY);
	assert_int_equal(m->len, sizeof(um));
	assert_memory_equal(m->p, &um, sizeof(um));
	assert_null(vfu_server_dma(f->srv, 0x201000, 1, false));
	assert_int_equal(atomic_load(&f->dev.unmaps), 1);
	close(mfd);
	free(m);
	close(s);
}

static void test_srv_posted_write(void **state)
{
	struct fixture *f = *state;
	uint8_t wr[16 + 4];
	struct vfio_user_region_access ra = { .offset = 0x40, .region = 0, .count = 4 };
	int s = raw_open_negotiated(f);

	memcpy(wr, &ra, sizeof(ra));
	memcpy(wr + 16, "\x11\x22\x33\x44", 4);
	assert_int_equal(raw_send(s, 2, VFIO_USER_REGION_WRITE, VFIO_USER_F_NO_REPLY, 0, wr,
				  sizeof(wr), NULL, 0), 0);
	/* The next reply is GET_INFO's: the posted write got none. */
	raw_expect_alive(s, 3);
	assert_memory_equal(f->dev.bar0 + 0x40, "\x11\x22\x33\x44", 4);
	close(s);
}

/* ================= the client against a scripted fake server ================= */

struct fake {
	char dir[64];
	char path[96];
	int lfd;
	int conn;
	pthread_t thread;
	void (*script)(struct fake *fk);
	/* VERSION reply */
	uint16_t minor;
	const char *caps_json; /* NULL: no JSON */
	/* what the script saw or wants the test to see */
	int notify_efd;
	bool joined;
	char fail[160];
	uint64_t iova;
	unsigned int seen[8][3];
	unsigned int nr_seen;
};

static void fake_fail(struct fake *fk, int line, const char *what)
{
	if (!fk->fail[0])
		snprintf(fk->fail, sizeof(fk->fail), "fake server line %d: %s", line, what);
}

#define FAKE_CHECK(fk, cond)                              \
	do {                                              \
		if (!(cond)) {                            \
			fake_fail(fk, __LINE__, #cond);   \
			return;                           \
		}                                         \
	} while (0)

static void fake_handshake(struct fake *fk, struct raw_msg *m)
{
	struct vfio_user_device_info info = {
		.argsz = 16, .flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET,
		.num_regions = 9, .num_irqs = 5,
	};
	uint8_t ver[256] = { 0 };
	size_t len = 4;

	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->h.command == VFIO_USER_VERSION);
	FAKE_CHECK(fk, m->len > 5 && m->p[m->len - 1] == '\0');
	FAKE_CHECK(fk, strstr((char *)m->p + 4, "\"max_msg_fds\"") != NULL);
	memcpy(ver + 2, &fk->minor, 2);
	if (fk->caps_json) {
		memcpy(ver + 4, fk->caps_json, strlen(fk->caps_json) + 1);
		len += strlen(fk->caps_json) + 1;
	}
	FAKE_CHECK(fk, raw_reply(fk->conn, m, ver, len, NULL, 0) == 0);
	if (raw_recv(fk->conn, m) < 0)
		return; /* the client gave up after VERSION */
	FAKE_CHECK(fk, m->h.command == VFIO_USER_DEVICE_GET_INFO);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, &info, sizeof(info), NULL, 0) == 0);
}

static void *fake_main(void *arg)
{
	struct fake *fk = arg;
	struct raw_msg *m = malloc(sizeof(*m));

	fk->conn = accept4(fk->lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fk->conn < 0 || !m) {
		fake_fail(fk, __LINE__, "accept");
		free(m);
		return NULL;
	}
	fake_handshake(fk, m);
	free(m);
	if (!fk->fail[0] && fk->script)
		fk->script(fk);
	return NULL;
}

static struct fake *fake_start_minor(void (*script)(struct fake *fk), const char *caps_json,
				     uint16_t minor)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	struct fake *fk = calloc(1, sizeof(*fk));

	assert_non_null(fk);
	fk->script = script;
	fk->caps_json = caps_json;
	fk->minor = minor;
	fk->conn = -1;
	snprintf(fk->dir, sizeof(fk->dir), "/tmp/test_vfio_user.XXXXXX");
	assert_non_null(mkdtemp(fk->dir));
	snprintf(fk->path, sizeof(fk->path), "%s/fake.sock", fk->dir);
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", fk->path);
	fk->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fk->lfd >= 0);
	assert_int_equal(bind(fk->lfd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fk->lfd, 1), 0);
	fk->notify_efd = eventfd(0, EFD_CLOEXEC);
	assert_true(fk->notify_efd >= 0);
	assert_int_equal(pthread_create(&fk->thread, NULL, fake_main, fk), 0);
	return fk;
}

static struct fake *fake_start(void (*script)(struct fake *fk), const char *caps_json)
{
	return fake_start_minor(script, caps_json, 0);
}

static void fake_join(struct fake *fk)
{
	if (!fk->joined)
		pthread_join(fk->thread, NULL);
	fk->joined = true;
}

/* Join the fake (after the client is closed) and report its verdict. */
static void fake_finish(struct fake *fk)
{
	fake_join(fk);
	if (fk->conn >= 0)
		close(fk->conn);
	close(fk->lfd);
	close(fk->notify_efd);
	unlink(fk->path);
	rmdir(fk->dir);
	if (fk->fail[0])
		fail_msg("%s", fk->fail);
	free(fk);
}

static const char default_caps[] = "{\"capabilities\":{\"max_msg_fds\":16,\"max_data_xfer_size\":1048576}}";

static void script_wrong_msg_id(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	struct vfio_user_irq_info info = { .argsz = 16, .index = 2, .count = 4 };

	FAKE_CHECK(fk, m != NULL);
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->h.command == VFIO_USER_DEVICE_GET_IRQ_INFO);
	m->h.msg_id++;
	FAKE_CHECK(fk, raw_reply(fk->conn, m, &info, sizeof(info), NULL, 0) == 0);
	free(m);
}

static void test_cli_wrong_msg_id(void **state)
{
	struct fake *fk = fake_start(script_wrong_msg_id, default_caps);
	struct ena_bus *bus = NULL;
	unsigned int n = 77;

	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->irq_count(bus, &n), -EPROTO);
	assert_int_equal(n, 77);
	/* The stream is out of sync: later requests fail without hanging. */
	assert_int_equal(bus->ops->irq_count(bus, &n), -ENOTCONN);
	assert_true(bus->ops->poll(bus) < 0);
	ena_bus_close(bus);
	fake_finish(fk);
}

static void script_bad_replies(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	struct vfio_user_irq_info info = { .argsz = 16, .index = 2, .count = 4 };
	uint8_t big[64] = { 0 };

	FAKE_CHECK(fk, m != NULL);
	/* 1: error reply */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	FAKE_CHECK(fk, raw_send(fk->conn, m->h.msg_id, m->h.command,
				VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR, EPERM, NULL, 0, NULL, 0) == 0);
	/* 2: oversize reply (64 bytes to a 16-byte argsz) */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, big, sizeof(big), NULL, 0) == 0);
	/* 3: a good reply with an unexpected fd attached */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, &info, sizeof(info), &fk->notify_efd, 1) == 0);
	/* 4: a good reply */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, &info, sizeof(info), NULL, 0) == 0);
	/* 5: wrong command in the reply */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	m->h.command = VFIO_USER_DEVICE_GET_INFO;
	FAKE_CHECK(fk, raw_reply(fk->conn, m, &info, sizeof(info), NULL, 0) == 0);
	free(m);
}

static void test_cli_bad_replies(void **state)
{
	struct fake *fk = fake_start(script_bad_replies, default_caps);
	struct ena_bus *bus = NULL;
	unsigned int n = 0;

	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->irq_count(bus, &n), -EPERM);
	assert_int_equal(bus->ops->irq_count(bus, &n), -EPROTO);
	assert_int_equal(bus->ops->irq_count(bus, &n), -EPROTO);
	assert_int_equal(bus->ops->irq_count(bus, &n), 0); /* still in sync */
	assert_int_equal(n, 4);
	assert_int_equal(bus->ops->irq_count(bus, &n), -EPROTO);
	ena_bus_close(bus);
	fake_finish(fk);
}

static void script_dma_rw(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	struct raw_msg *r = malloc(sizeof(*r));
	struct vfio_user_dma_map map;
	struct vfio_user_dma_access a;
	uint8_t wr[16 + 12];

	FAKE_CHECK(fk, m != NULL && r != NULL);
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->h.command == VFIO_USER_DMA_MAP);
	FAKE_CHECK(fk, m->len == sizeof(map) && m->nr_fds == 1);
	memcpy(&map, m->p, sizeof(map));
	fk->iova = map.address;
	raw_close_fds(m);

	/* While the client waits for the DMA_MAP reply: DMA_WRITE ... */
	a = (struct vfio_user_dma_access){ .address = map.address + 32, .count = 12 };
	memcpy(wr, &a, sizeof(a));
	memcpy(wr + 16, "from-server!", 12);
	FAKE_CHECK(fk, raw_send(fk->conn, 100, VFIO_USER_DMA_WRITE, 0, 0, wr, sizeof(wr), NULL, 0) == 0);
	FAKE_CHECK(fk, raw_recv(fk->conn, r) == 0);
	FAKE_CHECK(fk, r->h.msg_id == 100 && r->h.flags == VFIO_USER_F_TYPE_REPLY && r->len == 16);
	/* ... DMA_READ ... */
	a = (struct vfio_user_dma_access){ .address = map.address, .count = 8 };
	FAKE_CHECK(fk, raw_cmd(fk->conn, 101, VFIO_USER_DMA_READ, &a, sizeof(a)) == 0);
	FAKE_CHECK(fk, raw_recv(fk->conn, r) == 0);
	FAKE_CHECK(fk, r->h.msg_id == 101 && r->h.flags == VFIO_USER_F_TYPE_REPLY && r->len == 24);
	FAKE_CHECK(fk, memcmp(r->p + 16, "clientAB", 8) == 0);
	/* ... and DMA_READ outside every window. */
	a = (struct vfio_user_dma_access){ .address = map.address + map.size - 4, .count = 8 };
	FAKE_CHECK(fk, raw_cmd(fk->conn, 102, VFIO_USER_DMA_READ, &a, sizeof(a)) == 0);
	FAKE_CHECK(fk, raw_recv(fk->conn, r) == 0);
	FAKE_CHECK(fk, r->h.flags == (VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR) && r->h.error == EFAULT);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, NULL, 0, NULL, 0) == 0);

	/* Later, unsolicited: served by poll(). */
	a = (struct vfio_user_dma_access){ .address = map.address + 64, .count = 12 };
	memcpy(wr, &a, sizeof(a));
	memcpy(wr + 16, "polled-write", 12);
	FAKE_CHECK(fk, raw_send(fk->conn, 103, VFIO_USER_DMA_WRITE, 0, 0, wr, sizeof(wr), NULL, 0) == 0);
	eventfd_write(fk->notify_efd, 1);
	FAKE_CHECK(fk, raw_recv(fk->conn, r) == 0);
	FAKE_CHECK(fk, r->h.msg_id == 103 && r->h.flags == VFIO_USER_F_TYPE_REPLY);
	free(m);
	free(r);
}

static void test_cli_serves_dma_read_write(void **state)
{
	struct fake *fk = fake_start(script_dma_rw, default_caps);
	struct ena_bus *bus = NULL;
	uint64_t iova = 0;
	eventfd_t v;
	uint8_t *mem;
	int mfd = memfd_create("dma", MFD_CLOEXEC);

	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 4096), 0);
	mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	assert_true(mem != MAP_FAILED);
	memcpy(mem, "clientAB", 8);

	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->dma_map(bus, mfd, 0, mem, 4096, &iova), 0);
	assert_memory_equal(mem + 32, "from-server!", 12);
	assert_int_equal(eventfd_read(fk->notify_efd, &v), 0);
	assert_int_equal(bus->ops->poll(bus), 1);
	assert_memory_equal(mem + 64, "polled-write", 12);
	assert_int_equal(bus->ops->poll(bus), 0);
	ena_bus_close(bus);
	fake_finish(fk);
	munmap(mem, 4096);
	close(mfd);
}

static void script_irq_chunks(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	struct vfio_user_irq_set s;

	FAKE_CHECK(fk, m != NULL);
	while (fk->nr_seen < 8 && raw_recv(fk->conn, m) == 0) {
		FAKE_CHECK(fk, m->h.command == VFIO_USER_DEVICE_SET_IRQS && m->len == sizeof(s));
		memcpy(&s, m->p, sizeof(s));
		FAKE_CHECK(fk, s.flags == (VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER));
		fk->seen[fk->nr_seen][0] = s.start;
		fk->seen[fk->nr_seen][1] = s.count;
		fk->seen[fk->nr_seen][2] = m->nr_fds;
		fk->nr_seen++;
		raw_close_fds(m);
		FAKE_CHECK(fk, raw_reply(fk->conn, m, NULL, 0, NULL, 0) == 0);
	}
	free(m);
}

static void test_cli_irq_chunking(void **state)
{
	static const unsigned int want[][3] = { { 0, 2, 2 }, { 2, 1, 1 }, { 3, 2, 0 }, { 5, 1, 1 } };
	struct fake *fk = fake_start(script_irq_chunks, "{\"capabilities\":{\"max_msg_fds\":2}}");
	struct ena_bus *bus = NULL;
	int e = eventfd(0, EFD_CLOEXEC);
	int fds[6] = { e, e, e, -1, -1, e };

	assert_true(e >= 0);
	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->irq_set(bus, 0, 6, fds), 0);
	ena_bus_close(bus);
	fake_join(fk);
	assert_int_equal(fk->nr_seen, 4);
	for (unsigned int i = 0; i < 4; i++)
		assert_memory_equal(fk->seen[i], want[i], sizeof(want[i]));
	fake_finish(fk);
	close(e);
}

static void script_region_read_split(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	uint8_t *rep = malloc(16 + 4096);
	struct vfio_user_region_access a;

	FAKE_CHECK(fk, m != NULL && rep != NULL);
	while (fk->nr_seen < 8 && raw_recv(fk->conn, m) == 0) {
		FAKE_CHECK(fk, m->h.command == VFIO_USER_REGION_READ && m->len == sizeof(a));
		memcpy(&a, m->p, sizeof(a));
		FAKE_CHECK(fk, a.count <= 4096);
		fk->seen[fk->nr_seen][0] = (unsigned int)a.offset;
		fk->seen[fk->nr_seen][1] = a.count;
		fk->nr_seen++;
		memcpy(rep, &a, sizeof(a));
		for (uint32_t i = 0; i < a.count; i++)
			rep[16 + i] = (uint8_t)(a.offset + i);
		FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 16 + a.count, NULL, 0) == 0);
	}
	free(rep);
	free(m);
}

static void test_cli_region_read_split(void **state)
{
	static const unsigned int want[][2] = { { 0x100, 4096 }, { 0x1100, 4096 }, { 0x2100, 1808 } };
	struct fake *fk = fake_start(script_region_read_split,
				     "{\"capabilities\":{\"max_data_xfer_size\":4096,\"x-unknown\":[1,2]}}");
	struct ena_bus *bus = NULL;
	uint8_t *buf = malloc(10000);

	assert_non_null(buf);
	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->region_read(bus, 0, 0x100, buf, 10000), 0);
	for (unsigned int i = 0; i < 10000; i++)
		assert_int_equal(buf[i], (uint8_t)(0x100 + i));
	ena_bus_close(bus);
	fake_join(fk);
	assert_int_equal(fk->nr_seen, 3);
	for (unsigned int i = 0; i < 3; i++) {
		assert_int_equal(fk->seen[i][0], want[i][0]);
		assert_int_equal(fk->seen[i][1], want[i][1]);
	}
	fake_finish(fk);
	free(buf);
}

/* Region info replies from a hostile server. */
static void script_hostile_region_info(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	uint8_t rep[128] = { 0 };
	struct vfio_user_region_info ri = {
		.argsz = 64, .flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_MMAP |
				      VFIO_REGION_INFO_FLAG_CAPS,
		.index = 0, .cap_offset = 32, .size = 0x10000,
	};
	struct vfio_user_sparse_mmap_cap cap = {
		.header = { VFIO_REGION_INFO_CAP_SPARSE_MMAP, 1, 0 }, .nr_areas = 0x10000000,
	};
	int p[2];
	char c;

	FAKE_CHECK(fk, m != NULL && pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	/* Pass 1 is truncated but carries an fd the client must close. */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->h.command == VFIO_USER_DEVICE_GET_REGION_INFO);
	memcpy(rep, &ri, sizeof(ri));
	FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 32, &p[1], 1) == 0);
	close(p[1]);
	/* Pass 2: argsz 64, nr_areas far beyond the payload. */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->len == 32);
	FAKE_CHECK(fk, read(p[0], &c, 1) == 0); /* the pass-1 fd is closed */
	close(p[0]);
	memcpy(rep + 32, &cap, sizeof(cap));
	FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 64, &fk->notify_efd, 1) == 0);
	/* Next request: cap_offset pointing outside the reply. */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	ri.argsz = 32;
	ri.cap_offset = 1000;
	memcpy(rep, &ri, sizeof(ri));
	FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 32, &fk->notify_efd, 1) == 0);
	/* Next: a capability chain that loops on itself. */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
	ri.argsz = 40;
	ri.cap_offset = 32;
	cap.header.id = 77;
	cap.header.next = 32;
	memcpy(rep, &ri, sizeof(ri));
	memcpy(rep + 32, &cap, 8);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 32, NULL, 0) == 0);
	/* The client retried with 40: answer the loop. */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->len == 32);
	FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 40, &fk->notify_efd, 1) == 0);
	/* Next: a sane, trapped-only region (the io-fds query needs its size). */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->h.command == VFIO_USER_DEVICE_GET_REGION_INFO);
	ri = (struct vfio_user_region_info){ .argsz = 32, .flags = VFIO_REGION_INFO_FLAG_READ,
					     .size = 0x10000 };
	FAKE_CHECK(fk, raw_reply(fk->conn, m, &ri, sizeof(ri), NULL, 0) == 0);
	/* Next: io fds with a count beyond the payload, then a bad fd_index. */
	FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0 && m->h.command == VFIO_USER_DEVICE_GET_REGION_IO_FDS);
	{
		struct vfio_user_region_io_fds head = { .argsz = 16 + 40, .index = 0, .count = 5 };
		struct vfio_user_sub_region_ioeventfd e = { .offset = 0, .size = 4, .fd_index = 3 };

		memcpy(rep, &head, sizeof(head));
		memcpy(rep + 16, &e, sizeof(e));
		FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 56, &fk->notify_efd, 1) == 0);
		FAKE_CHECK(fk, raw_recv(fk->conn, m) == 0);
		head.count = 1;
		memcpy(rep, &head, sizeof(head));
		FAKE_CHECK(fk, raw_reply(fk->conn, m, rep, 56, &fk->notify_efd, 1) == 0);
	}
	free(m);
}

static void test_cli_hostile_region_info(void **state)
{
	struct fake *fk = fake_start(script_hostile_region_info, default_caps);
	struct ena_bus_ioeventfd io[4];
	struct ena_bus_region_info ri;
	struct ena_bus *bus = NULL;
	unsigned int n = 42;

	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->region_info(bus, 0, &ri), -EPROTO); /* nr_areas too big */
	assert_int_equal(bus->ops->region_info(bus, 0, &ri), -EPROTO); /* cap_offset outside */
	assert_int_equal(bus->ops->region_info(bus, 0, &ri), -EPROTO); /* capability loop */
	assert_int_equal(bus->ops->region_info(bus, 0, &ri), 0);
	assert_int_equal(ri.size, 0x10000);
	assert_int_equal(ri.flags, ENA_BUS_REGION_READ);
	assert_int_equal(bus->ops->region_ioeventfds(bus, 0, io, 4, &n), -EPROTO);
	assert_int_equal(bus->ops->region_ioeventfds(bus, 0, io, 4, &n), -EPROTO);
	assert_int_equal(n, 42);
	ena_bus_close(bus);
	fake_join(fk);
	fake_finish(fk);
}

static void test_cli_version_rejected(void **state)
{
	static const char *const bad_caps[] = {
		"{\"capabilities\":{\"max_msg_fds\":0}}",
		"{\"capabilities\":{\"max_msg_fds\":100000}}",
		"{\"capabilities\":{\"max_data_xfer_size\":\"big\"}}",
		"{\"capabilities\":{\"pgsizes\":100}}",
		"{\"capabilities\":[]}",
		"{\"capabilities\":{}} trailing",
		"not json",
	};

	for (size_t i = 0; i < sizeof(bad_caps) / sizeof(bad_caps[0]); i++) {
		struct fake *fk = fake_start(NULL, bad_caps[i]);
		struct ena_bus *bus = NULL;

		assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), -EPROTO);
		assert_null(bus);
		fake_finish(fk);
	}
	/* A newer minor than we proposed. */
	{
		struct fake *fk = fake_start_minor(NULL, default_caps, 1);
		struct ena_bus *bus = NULL;

		assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), -EPROTO);
		fake_finish(fk);
	}
	/* No JSON at all: defaults apply (1 fd per message, 1 MiB). */
	{
		struct fake *fk = fake_start(NULL, NULL);
		struct ena_bus *bus = NULL;

		assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
		ena_bus_close(bus);
		fake_finish(fk);
	}
}

static void script_huge_header(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));
	struct vfio_user_header h;

	FAKE_CHECK(fk, m != NULL && raw_recv(fk->conn, m) == 0);
	h = (struct vfio_user_header){ .msg_id = m->h.msg_id, .command = m->h.command,
				       .msg_size = 0xffffffffu, .flags = VFIO_USER_F_TYPE_REPLY };
	FAKE_CHECK(fk, raw_write(fk->conn, &h, sizeof(h)) == 0);
	free(m);
}

static void test_cli_huge_header(void **state)
{
	struct fake *fk = fake_start(script_huge_header, default_caps);
	struct ena_bus *bus = NULL;
	unsigned int n;

	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->irq_count(bus, &n), -EMSGSIZE);
	assert_int_equal(bus->ops->reset(bus), -ENOTCONN);
	ena_bus_close(bus);
	fake_finish(fk);
}

static void script_silent(struct fake *fk)
{
	struct raw_msg *m = malloc(sizeof(*m));

	/* Read the request, never answer; wait for the client to go away. */
	FAKE_CHECK(fk, m != NULL && raw_recv(fk->conn, m) == 0);
	FAKE_CHECK(fk, raw_recv(fk->conn, m) < 0);
	free(m);
}

static void test_cli_reply_timeout(void **state)
{
	struct fake *fk = fake_start(script_silent, default_caps);
	struct ena_bus *bus = NULL;

	assert_int_equal(ena_bus_vfio_user_open(fk->path, &bus), 0);
	assert_int_equal(bus->ops->reset(bus), -ETIMEDOUT);
	ena_bus_close(bus);
	fake_finish(fk);
}

static void test_cli_no_server(void **state)
{
	struct ena_bus *bus = NULL;

	assert_int_equal(ena_bus_vfio_user_open("/nonexistent/dir/sock", &bus), -ENOENT);
	assert_null(bus);
	assert_true(strlen(ena_error_last()) > 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_negotiate_and_region_info),
		T(test_region_read_write),
		T(test_mmap_area_and_ioeventfd),
		T(test_dma_map_write_unmap),
		T(test_irq_set_and_fire),
		T(test_device_reset),
		T(test_second_client_closed),
		T(test_srv_truncated_header),
		T(test_srv_msg_size_too_small),
		T(test_srv_msg_size_over_cap),
		T(test_srv_truncated_payload),
		T(test_srv_short_payloads),
		T(test_srv_unknown_command),
		T(test_srv_command_before_version),
		T(test_srv_fds_where_none_belong),
		T(test_srv_region_info_two_pass),
		T(test_srv_dma_map_rules),
		T(test_srv_posted_write),
		cmocka_unit_test(test_cli_wrong_msg_id),
		cmocka_unit_test(test_cli_bad_replies),
		cmocka_unit_test(test_cli_serves_dma_read_write),
		cmocka_unit_test(test_cli_irq_chunking),
		cmocka_unit_test(test_cli_region_read_split),
		cmocka_unit_test(test_cli_hostile_region_info),
		cmocka_unit_test(test_cli_version_rejected),
		cmocka_unit_test(test_cli_huge_header),
		cmocka_unit_test(test_cli_reply_timeout),
		cmocka_unit_test(test_cli_no_server),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
