/* SPDX-License-Identifier: MIT */
/* enasim: serve one emulated ENA PCI function over vfio-user (libevent
 * loop: vfio-user socket, control socket, keep-alive and admin timers). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "aenq.h"
#include "ctl.h"
#include "device.h"
#include "io.h"
#include "options.h"
#include "vfu_server.h"
#include "wire.h"

#ifndef ENAD_VERSION
#define ENAD_VERSION "unknown"
#endif

struct sim_main {
	struct sim_options opts;
	struct event_base *base;
	struct sim_device *dev;
	struct sim_io *io;
	struct vfu_server *srv;
	struct sim_ctl_server *ctl;
	struct event *srv_ev;
	int srv_fd;
	struct event *keepalive_ev;
	struct event *timer_ev;
	bool timer_armed;
	uint64_t timer_deadline;
	struct event *sig_ev[2];
};

static void log_line(void *ctx, const char *msg)
{
	fprintf(stderr, "enasim: %s\n", msg);
}

/* ---- device hooks ---- */

static void *dev_dma(void *ctx, uint64_t iova, size_t len, bool write)
{
	struct sim_main *m = ctx;

	return m->srv ? vfu_server_dma(m->srv, iova, len, write) : NULL;
}

static int dev_irq(void *ctx, unsigned int vector)
{
	struct sim_main *m = ctx;

	return m->srv ? vfu_server_irq_fire(m->srv, vector) : -ENOENT;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Keep one timer armed for the earliest deferred admin completion. */
static void dev_schedule(void *ctx, uint64_t delay_ms)
{
	struct sim_main *m = ctx;
	uint64_t deadline = now_ms() + delay_ms;
	struct timeval tv = { .tv_sec = (time_t)(delay_ms / 1000),
			      .tv_usec = (suseconds_t)(delay_ms % 1000) * 1000 };

	if (m->timer_armed && m->timer_deadline <= deadline)
		return;
	m->timer_armed = true;
	m->timer_deadline = deadline;
	evtimer_add(m->timer_ev, &tv);
}

static const struct sim_device_ops dev_ops = {
	.dma = dev_dma,
	.irq = dev_irq,
	.schedule = dev_schedule,
	.log = log_line,
};

/* ---- vfio-user server hooks ---- */

static int srv_region_read(void *ctx, unsigned int region, uint64_t off, void *buf, size_t len)
{
	return sim_device_region_read(ctx, region, off, buf, len);
}

static int srv_region_write(void *ctx, unsigned int region, uint64_t off, const void *buf,
			    size_t len)
{
	return sim_device_region_write(ctx, region, off, buf, len);
}

static void srv_before_message(void *ctx)
{
	sim_device_drain_doorbells(ctx);
}

static void srv_dma_unmap(void *ctx, uint64_t iova, uint64_t size)
{
	sim_device_dma_unmap(ctx, iova, size);
}

static int srv_reset(void *ctx)
{
	sim_device_reset_power_on(ctx);
	return 0;
}

static void srv_connected(void *ctx)
{
	fprintf(stderr, "enasim: client connected\n");
}

static void srv_disconnected(void *ctx)
{
	/* The server has dropped every DMA window (dma_unmap), so the device
	 * can no longer reach host memory; it keeps its state. */
	fprintf(stderr, "enasim: client disconnected; device keeps its state\n");
}

static const struct vfu_device_ops srv_ops = {
	.region_read = srv_region_read,
	.region_write = srv_region_write,
	.before_message = srv_before_message,
	.dma_unmap = srv_dma_unmap,
	.reset = srv_reset,
	.connected = srv_connected,
	.disconnected = srv_disconnected,
};

/* ---- event loop ---- */

static void on_server(evutil_socket_t fd, short what, void *arg);

static int server_watch(struct sim_main *m)
{
	int fd = vfu_server_fd(m->srv);

	if (m->srv_ev && fd == m->srv_fd)
		return 0;
	if (m->srv_ev)
		event_free(m->srv_ev);
	m->srv_fd = fd;
	m->srv_ev = event_new(m->base, fd, EV_READ | EV_PERSIST, on_server, m);
	if (!m->srv_ev || event_add(m->srv_ev, NULL) < 0)
		return -ENOMEM;
	return 0;
}

static void on_server(evutil_socket_t fd, short what, void *arg)
{
	struct sim_main *m = arg;
	int r = vfu_server_dispatch(m->srv);

	if (r < 0 && r != -EAGAIN)
		fprintf(stderr, "enasim: vfio-user connection closed: %s\n", strerror(-r));
	if (server_watch(m) < 0) {
		fprintf(stderr, "enasim: cannot watch the vfio-user socket\n");
		event_base_loopbreak(m->base);
	}
}

static void on_keepalive(evutil_socket_t fd, short what, void *arg)
{
	struct sim_main *m = arg;

	sim_device_keepalive_tick(m->dev);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sim_main *m = arg;
	int64_t next;

	m->timer_armed = false;
	next = sim_device_run_timers(m->dev);
	if (next >= 0)
		dev_schedule(m, (uint64_t)next);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct sim_main *m = arg;

	fprintf(stderr, "enasim: %s, exiting\n", strsignal((int)sig));
	event_base_loopbreak(m->base);
}

static int server_setup(struct sim_main *m)
{
	struct vfu_ioeventfd fds[VFU_MAX_IOEVENTFDS];
	unsigned int n;
	int r;

	r = vfu_server_create(m->opts.socket_path, &srv_ops, m->dev, &m->srv);
	if (r < 0) {
		fprintf(stderr, "enasim: cannot serve %s: %s\n", m->opts.socket_path, strerror(-r));
		return r;
	}
	for (unsigned int i = 0; i < VFU_MAX_REGIONS; i++) {
		struct vfu_region region;

		if (sim_device_region(m->dev, i, &region) < 0 || !region.size)
			continue;
		r = vfu_server_set_region(m->srv, i, &region);
		if (r < 0) {
			fprintf(stderr, "enasim: region %u: %s\n", i, strerror(-r));
			return r;
		}
	}
	n = sim_device_ioeventfds(m->dev, fds, VFU_MAX_IOEVENTFDS);
	r = vfu_server_set_ioeventfds(m->srv, ENA_REG_BAR, fds, n);
	if (r < 0) {
		fprintf(stderr, "enasim: doorbell eventfds: %s\n", strerror(-r));
		return r;
	}
	r = vfu_server_set_msix_count(m->srv, m->dev->nr_vectors);
	if (r < 0) {
		fprintf(stderr, "enasim: MSI-X vectors: %s\n", strerror(-r));
		return r;
	}
	return server_watch(m);
}

static int loop_setup(struct sim_main *m)
{
	static const int sigs[2] = { SIGTERM, SIGINT };
	uint32_t ka = m->opts.profile.keepalive_ms;
	struct timeval tv = { .tv_sec = ka / 1000, .tv_usec = (ka % 1000) * 1000 };

	m->keepalive_ev = event_new(m->base, -1, EV_PERSIST, on_keepalive, m);
	m->timer_ev = evtimer_new(m->base, on_timer, m);
	if (!m->keepalive_ev || !m->timer_ev || event_add(m->keepalive_ev, &tv) < 0)
		return -ENOMEM;
	for (int i = 0; i < 2; i++) {
		m->sig_ev[i] = evsignal_new(m->base, sigs[i], on_signal, m);
		if (!m->sig_ev[i] || event_add(m->sig_ev[i], NULL) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* The datapath: the wire --wire names and the IO thread. */
static int io_setup(struct sim_main *m)
{
	struct wire *w;
	int r;

	r = wire_open(&m->opts.wire, m->opts.profile.max_mtu + 64, &w);
	if (r < 0) {
		fprintf(stderr, "enasim: wire: %s\n", strerror(-r));
		return r;
	}
	r = sim_io_create(m->dev, w, &m->io);
	if (r == 0) {
		sim_io_set_poll(m->io, m->opts.poll_us);
		r = sim_io_start(m->io);
	}
	if (r < 0)
		fprintf(stderr, "enasim: IO engine: %s\n", strerror(-r));
	return r;
}

static void sim_main_free(struct sim_main *m)
{
	sim_ctl_server_destroy(m->ctl);
	sim_io_destroy(m->io);
	if (m->srv_ev)
		event_free(m->srv_ev);
	if (m->srv) {
		vfu_server_destroy(m->srv);
		unlink(m->opts.socket_path);
	}
	for (int i = 0; i < 2; i++)
		if (m->sig_ev[i])
			event_free(m->sig_ev[i]);
	if (m->keepalive_ev)
		event_free(m->keepalive_ev);
	if (m->timer_ev)
		event_free(m->timer_ev);
	sim_device_destroy(m->dev);
	if (m->base)
		event_base_free(m->base);
}

int main(int argc, char **argv)
{
	struct sim_main m = { .srv_fd = -1 };
	char err[512];
	int r;

	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return sim_ctl_client_main(argc - 1, argv + 1);
	if (sim_options_parse(argc, argv, &m.opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "enasim: %s\n", err);
		return 2;
	}
	if (m.opts.help) {
		sim_options_usage(stdout);
		return 0;
	}
	if (m.opts.version) {
		printf("enasim %s\n", ENAD_VERSION);
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);

	r = sim_device_create(&m.opts.profile, &dev_ops, &m, &m.dev);
	if (r < 0) {
		fprintf(stderr, "enasim: cannot create the device: %s\n", strerror(-r));
		return 1;
	}
	m.base = event_base_new();
	if (!m.base || loop_setup(&m) < 0) {
		fprintf(stderr, "enasim: cannot set up the event loop\n");
		sim_main_free(&m);
		return 1;
	}
	if (server_setup(&m) < 0 || io_setup(&m) < 0) {
		sim_main_free(&m);
		return 1;
	}
	r = sim_ctl_server_create(m.base, m.opts.ctl_path, m.dev, &m.ctl);
	if (r < 0) {
		fprintf(stderr, "enasim: control socket %s: %s\n", m.opts.ctl_path, strerror(-r));
		sim_main_free(&m);
		return 1;
	}
	fprintf(stderr,
		"enasim: serving ENA %04x:%04x on %s (ctl %s, %u queues, llq %s, readless %s)\n",
		ENA_PCI_VENDOR_AMAZON, m.opts.profile.device_id, m.opts.socket_path,
		m.opts.ctl_path, m.opts.profile.queues, m.opts.profile.llq ? "on" : "off",
		m.opts.profile.readless ? "on" : "off");

	event_base_dispatch(m.base);
	sim_main_free(&m);
	return 0;
}
