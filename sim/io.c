/* SPDX-License-Identifier: MIT */
/* enasim IO engine core: thread and wakeups, configuration snapshot,
 * quiesce handshake, interrupts (auto-mask, unmask register, moderation),
 * counters and fault switches. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "ena/io.h"
#include "io_poll.h"
#include "io_priv.h"

#define IO_EPOLL_EVENTS 16
#define IO_POLL_MS 1              /* fallback poll for queues without eventfd */
#define IO_INTR_DELAY_RESOLUTION_US 1 /* GET INTERRUPT_MODERATION answers 1 */

static uint64_t clock_us(void *ctx)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t io_now_us(struct sim_io *io)
{
	return io->now_us(io->clock_ctx);
}

uint32_t io_fault_take(struct sim_io *io, enum sim_io_fault f)
{
	return __atomic_exchange_n(&io->faults[f], 0, __ATOMIC_ACQ_REL);
}

void io_sq_stop(struct sim_io *io, struct io_sq *sq, const char *dir, unsigned int idx,
		const char *why)
{
	sq->st.bad++;
	io->dirty = true;
	if (sq->stopped)
		return;
	sq->stopped = true;
	sim_log(io->dev, "%s SQ %u stopped at head %u: %s", dir, idx, sq->head, why);
}

uint16_t io_sq_tail(struct sim_io *io, const struct io_sq *sq)
{
	return (uint16_t)__atomic_load_n((const uint32_t *)(io->bar0 + sq->db_off),
					 __ATOMIC_ACQUIRE);
}

uint8_t *io_cq_slot(struct io_cq *cq)
{
	if (!cq->ring)
		return NULL;
	return cq->ring + (size_t)(cq->tail & (cq->depth - 1)) * cq->entry_size;
}

void io_cq_written(struct sim_io *io, struct io_cq *cq, unsigned int n)
{
	struct io_vector *v;

	if (!n || cq->vector >= io->nr_vectors || cq->vector == 0)
		return;
	v = &io->vec[cq->vector];
	if (cq->direction == ENA_SQ_DIRECTION_TX)
		v->pending_tx = true;
	else
		v->pending_rx = true;
}

void io_wire_send(struct sim_io *io, const uint8_t *f, size_t len, const struct sim_gso *gso,
		  unsigned int pkts, uint64_t bytes)
{
	int r = wire_send(io->wire, f, len, gso);

	if (r == -ENOBUFS) {
		io_rx_poll(io); /* a full loop wire: deliver what it holds */
		r = wire_send(io->wire, f, len, gso);
	}
	if (r < 0) {
		io->delta.tx_drops += pkts;
	} else {
		io->delta.tx_pkts += pkts;
		io->delta.tx_bytes += bytes;
	}
	io->dirty = true;
}

/* ---- configuration snapshot (dev->lock held) ---- */

static bool db_has_eventfd(const struct sim_device *dev, uint32_t off, uint32_t base)
{
	return (off - base) / 8 < dev->nr_db_eventfds;
}

static void sync_cqs(struct sim_io *io)
{
	const struct sim_device *dev = io->dev;
	uint32_t users[SIM_MAX_VECTORS] = { 0 };

	for (unsigned int c = 0; c < 2 * SIM_MAX_QUEUES; c++) {
		const struct sim_cq *d = &dev->cq[c];
		struct io_cq *q = &io->cq[c];

		if (!d->used) {
			memset(q, 0, sizeof(*q));
			continue;
		}
		if (!q->used || q->serial != d->serial) {
			memset(q, 0, sizeof(*q));
			q->used = true;
			q->serial = d->serial;
		}
		q->direction = d->direction;
		q->entry_size = (uint8_t)(d->entry_words * 4);
		q->depth = d->depth;
		q->ba = d->ba;
		q->vector = d->interrupt_mode ? d->msix_vector : ENA_MSIX_VECTOR_NONE;
		q->unmask_off = d->unmask_offset;
		if (q->vector < io->nr_vectors)
			users[q->vector]++;
		if (!db_has_eventfd(dev, d->unmask_offset, SIM_CQ_UNMASK_OFF))
			io->poll_needed = true;
	}
	for (unsigned int v = 0; v < io->nr_vectors; v++) {
		struct io_vector *vec = &io->vec[v];

		if (!vec->users && users[v]) {
			/* First CQ on this vector: masked until the driver unmasks. */
			uint64_t fired = vec->fired;

			memset(vec, 0, sizeof(*vec));
			vec->masked = true;
			vec->fired = fired;
		}
		vec->users = users[v];
	}
}

static void sync_sq(struct sim_io *io, const struct sim_sq *d, struct io_sq *q, uint8_t dir)
{
	const struct sim_device *dev = io->dev;
	const struct io_cq *cq;

	if (!d->used) {
		memset(q, 0, sizeof(*q));
		return;
	}
	if (!q->used || q->serial != d->serial) {
		memset(q, 0, sizeof(*q));
		q->used = true;
		q->serial = d->serial;
	}
	q->llq = d->placement == ENA_PLACEMENT_DEV;
	q->depth = d->depth;
	q->ba = d->ba;
	q->db_off = d->db_offset;
	q->llq_off = d->llq_offset;
	q->cq_idx = d->cq_idx;
	cq = d->cq_idx < 2 * SIM_MAX_QUEUES ? &io->cq[d->cq_idx] : NULL;
	q->usable = cq && cq->used && cq->direction == dir && q->depth &&
		    q->db_off + 4 <= SIM_BAR0_SIZE;
	if (q->llq)
		q->usable = q->usable && io->llq_entry && dev->bar2 &&
			    (uint64_t)q->llq_off + (uint64_t)q->depth * io->llq_entry <= dev->bar2_size;
	if (!db_has_eventfd(dev, d->db_offset, SIM_SQ_DB_OFF))
		io->poll_needed = true;
}

static void sync_config(struct sim_io *io)
{
	const struct sim_device *dev = io->dev;
	const struct sim_rss *rss = &dev->rss;
	const uint8_t *stored = (const uint8_t *)rss->key.key;

	io->nr_queues = dev->profile.queues;
	io->nr_vectors = dev->nr_vectors;
	io->bar0 = dev->bar0;
	io->bar2 = dev->bar2;
	io->bar2_size = dev->bar2_size;
	io->mtu = dev->mtu;
	io->tx_offloads = dev->profile.tx_offloads;
	io->rx_offloads = dev->profile.rx_offloads;
	io->llq_entry = dev->llq.enabled ? dev->llq.entry_bytes : 0;
	io->llq_before = dev->llq.descs_before_header;
	if (io->llq_entry && (!io->llq_before || io->llq_before * 16 >= io->llq_entry))
		io->llq_entry = 0; /* not a geometry we can parse */
	io->llq_per_entry = dev->llq.stride == ENA_LLQ_SINGLE_DESC_PER_ENTRY ? 1
									     : io->llq_entry / 16;
	io->rss_function = rss->function;
	io->rss_init_val = rss->init_val;
	/* The device holds the key byte-reversed (ENA-DEVICE.md 12.5). */
	for (unsigned int i = 0; i < ENA_RSS_KEY_SIZE; i++)
		io->rss_key[i] = stored[ENA_RSS_KEY_SIZE - 1 - i];
	io->rss_table_log = rss->table_log <= SIM_RSS_TABLE_LOG ? rss->table_log : SIM_RSS_TABLE_LOG;
	memcpy(io->rss_table, rss->table, sizeof(io->rss_table));
	io->rss_sort = rss->enabled_input_sort;
	memcpy(io->rss_fields, rss->selected_fields, sizeof(io->rss_fields));

	io->poll_needed = false;
	sync_cqs(io);
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		sync_sq(io, &dev->tx_sq[i], &io->tx[i], ENA_SQ_DIRECTION_TX);
		sync_sq(io, &dev->rx_sq[i], &io->rx[i], ENA_SQ_DIRECTION_RX);
	}
}

/* Take the work lock with an up-to-date snapshot. */
static void work_begin(struct sim_io *io)
{
	for (;;) {
		unsigned int g = __atomic_load_n(&io->gen, __ATOMIC_ACQUIRE);

		if (g != io->synced_gen) {
			pthread_mutex_lock(&io->dev->lock);
			g = __atomic_load_n(&io->gen, __ATOMIC_ACQUIRE);
			sync_config(io);
			io->synced_gen = g;
			pthread_mutex_unlock(&io->dev->lock);
		}
		pthread_mutex_lock(&io->work_lock);
		if (__atomic_load_n(&io->gen, __ATOMIC_ACQUIRE) == io->synced_gen)
			return;
		pthread_mutex_unlock(&io->work_lock);
	}
}

/* ---- interrupts ---- */

/* Resolve ring pointers for this pass (valid until the work lock drops:
 * an unmap quiesces first). */
static void rings_resolve(struct sim_io *io)
{
	struct sim_device *dev = io->dev;

	for (unsigned int c = 0; c < 2 * SIM_MAX_QUEUES; c++) {
		struct io_cq *cq = &io->cq[c];

		if (cq->used)
			cq->ring = sim_dma_ptr(dev, cq->ba, (size_t)cq->depth * cq->entry_size, true);
	}
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		struct io_sq *tx = &io->tx[i], *rx = &io->rx[i];

		if (tx->used && !tx->llq)
			tx->ring = sim_dma_ptr(dev, tx->ba, (size_t)tx->depth * 16, false);
		if (rx->used)
			rx->ring = sim_dma_ptr(dev, rx->ba, (size_t)rx->depth * 16, false);
	}
}

/* Consume unmask register writes: the engine swaps in a marker so that the
 * next write, even of the same value, is seen. */
static void unmask_regs_scan(struct sim_io *io)
{
	for (unsigned int c = 0; c < 2 * SIM_MAX_QUEUES; c++) {
		struct io_cq *cq = &io->cq[c];
		uint32_t *reg, v;
		struct io_vector *vec;

		if (!cq->used)
			continue;
		reg = (uint32_t *)(io->bar0 + cq->unmask_off);
		v = __atomic_load_n(reg, __ATOMIC_ACQUIRE);
		if (v == SIM_IO_INTR_CONSUMED ||
		    !__atomic_compare_exchange_n(reg, &v, SIM_IO_INTR_CONSUMED, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
			continue;
		cq->intr_reg = v;
		io->dirty = true;
		if (cq->vector >= io->nr_vectors || cq->vector == 0)
			continue;
		vec = &io->vec[cq->vector];
		if (!(v & ENA_INTR_REG_NO_MODERATION_UPDATE)) {
			vec->rx_delay = (uint16_t)(v & ENA_INTR_REG_RX_DELAY_MASK);
			vec->tx_delay = (uint16_t)((v & ENA_INTR_REG_TX_DELAY_MASK) >>
						   ENA_INTR_REG_TX_DELAY_SHIFT);
			vec->armed = false; /* re-arm with the new delays */
		}
		if (v & ENA_INTR_REG_UNMASK)
			vec->masked = false;
	}
}

/* Fire what is due. Return: µs until the next moderation deadline, -1. */
static int64_t intr_evaluate(struct sim_io *io, uint64_t now)
{
	struct sim_device *dev = io->dev;
	bool swallow = io_fault(io, SIM_IO_FAULT_SWALLOW_IRQ);
	int64_t next = -1;

	for (unsigned int v = 1; v < io->nr_vectors; v++) {
		struct io_vector *vec = &io->vec[v];
		uint64_t delay;

		if (!vec->users || vec->masked || !(vec->pending_tx || vec->pending_rx) || swallow)
			continue;
		delay = UINT64_MAX;
		if (vec->pending_tx)
			delay = vec->tx_delay;
		if (vec->pending_rx && vec->rx_delay < delay)
			delay = vec->rx_delay;
		delay *= IO_INTR_DELAY_RESOLUTION_US;
		/* RX and TX moderate separately, as on the device: the vector
		 * fires at the earliest of each kind's "first pending + its
		 * delay". Later passes only ever give later times for a kind
		 * already pending, so a newly pending RX completion with a short
		 * delay pulls in a deadline a pending TX one set (an RX reply
		 * must not wait for tx_usecs). */
		if (delay && (!vec->armed || now + delay < vec->deadline_us)) {
			vec->armed = true;
			vec->deadline_us = now + delay;
		}
		if (delay && now < vec->deadline_us) {
			int64_t left = (int64_t)(vec->deadline_us - now);

			if (next < 0 || left < next)
				next = left;
			continue;
		}
		/* Deliver; the device masks the vector until the driver unmasks. */
		vec->masked = true;
		vec->armed = false;
		vec->pending_tx = vec->pending_rx = false;
		vec->fired++;
		io->dirty = true;
		if (dev->ops->irq)
			dev->ops->irq(dev->ctx, v);
	}
	return next;
}

/* ---- counters ---- */

static void publish(struct sim_io *io)
{
	struct sim_device *dev = io->dev;
	struct sim_stats *s = &dev->stats;
	struct io_delta *d = &io->delta;

	pthread_mutex_lock(&dev->lock);
	s->tx_bytes += d->tx_bytes;
	s->tx_pkts += d->tx_pkts;
	s->rx_bytes += d->rx_bytes;
	s->rx_pkts += d->rx_pkts;
	s->rx_drops += d->rx_drops;
	s->tx_drops += d->tx_drops;
	s->rx_overruns += d->rx_overruns;
	for (unsigned int m = 0; m < ENA_METRIC__COUNT; m++)
		s->eni[m] += d->eni[m];
	s->eni[ENA_METRIC_CONNTRACK_ALLOWANCE_AVAILABLE] = sim_eni_conntrack_available(&io->eni);
	memset(d, 0, sizeof(*d));
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		struct io_sq *qs[2] = { &io->tx[i], &io->rx[i] };

		for (unsigned int k = 0; k < 2; k++) {
			qs[k]->pub = qs[k]->st;
			qs[k]->pub_stopped = qs[k]->stopped;
			qs[k]->pub_head = qs[k]->head;
		}
	}
	for (unsigned int v = 0; v < io->nr_vectors; v++) {
		struct io_vector *vec = &io->vec[v];

		vec->pub_masked = vec->masked;
		vec->pub_fired = vec->fired;
		vec->pub_rx_delay = vec->rx_delay;
		vec->pub_tx_delay = vec->tx_delay;
	}
	for (unsigned int c = 0; c < 2 * SIM_MAX_QUEUES; c++)
		if (io->cq[c].used && io->cq[c].intr_reg != SIM_IO_INTR_CONSUMED &&
		    dev->cq[c].used && dev->cq[c].serial == io->cq[c].serial)
			dev->cq[c].intr_reg = io->cq[c].intr_reg;
	io->dirty = false;
	pthread_mutex_unlock(&dev->lock);
}

/* ---- one pass ---- */

/* Return: whether work is left over (a budget was hit); *ret_active: the
 * pass changed something (frames, completions, interrupts, unmasks);
 * *ret_frames: frames it moved or dropped. */
static bool pass_run(struct sim_io *io, int64_t *ret_next_us, bool *ret_active,
		     uint64_t *ret_frames)
{
	bool more = false;

	*ret_next_us = -1;
	work_begin(io);
	if (!io_fault(io, SIM_IO_FAULT_SUSPEND)) {
		io->pass_now_us = io_now_us(io);
		rings_resolve(io);
		unmask_regs_scan(io);
		for (unsigned int i = 0; i < io->nr_queues; i++)
			if (io->tx[i].used && io->tx[i].usable && !io->tx[i].stopped)
				more |= io_tx_process(io, &io->tx[i], i);
		more |= io_rx_poll(io);
		*ret_next_us = intr_evaluate(io, io_now_us(io));
	}
	pthread_mutex_unlock(&io->work_lock);
	*ret_active = io->dirty;
	*ret_frames = io->delta.tx_pkts + io->delta.rx_pkts + io->delta.tx_drops +
		      io->delta.rx_drops + io->delta.rx_overruns;
	if (io->dirty)
		publish(io);
	return more;
}

bool sim_io_poll(struct sim_io *io)
{
	int64_t next;
	uint64_t v, frames;
	bool active;

	while (read(io->wake_fd, &v, sizeof(v)) == sizeof(v))
		;
	return pass_run(io, &next, &active, &frames);
}

/* ---- thread ---- */

static void epoll_watch(struct sim_io *io, int fd, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	epoll_ctl(io->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, fd, &ev);
}

static void wire_watch(struct sim_io *io)
{
	int fd = io_fault(io, SIM_IO_FAULT_SUSPEND) ? -1 : wire_fd(io->wire);

	if (fd == io->watched_wire_fd)
		return;
	if (io->watched_wire_fd >= 0)
		epoll_watch(io, io->watched_wire_fd, false);
	if (fd >= 0)
		epoll_watch(io, fd, true);
	io->watched_wire_fd = fd;
}

static void timer_arm(struct sim_io *io, int64_t next_us)
{
	struct itimerspec its = { 0 };

	if (next_us >= 0) {
		if (next_us == 0)
			next_us = 1;
		its.it_value.tv_sec = next_us / 1000000;
		its.it_value.tv_nsec = (next_us % 1000000) * 1000;
	}
	timerfd_settime(io->timer_fd, 0, &its, NULL);
}

static void *io_thread(void *arg)
{
	struct sim_io *io = arg;
	struct epoll_event evs[IO_EPOLL_EVENTS];
	struct io_poller poller = { 0 };

	while (!__atomic_load_n(&io->stop, __ATOMIC_ACQUIRE)) {
		int64_t next_us;
		uint64_t frames;
		bool active;
		bool more = pass_run(io, &next_us, &active, &frames);
		int timeout = more ? 0 : io->poll_needed ? IO_POLL_MS : -1;
		uint32_t window = __atomic_load_n(&io->poll_us, __ATOMIC_RELAXED);
		int n;

		/* Polling passes read doorbells, the wire and deadlines
		 * directly; the eventfds they leave set are drained on the
		 * first sleep after the window. Without a window no clock is
		 * read here. */
		if (window && io_poller_keep_polling(&poller, window, clock_us(NULL),
						     active || more, frames)) {
			/* Idle polling gives way to anything runnable on
			 * this CPU (the driver, the traffic's endpoints). */
			if (!active && !more)
				sched_yield();
			continue;
		}
		wire_watch(io);
		timer_arm(io, next_us);
		if (timeout)
			__atomic_fetch_add(&io->sleeps, 1, __ATOMIC_RELAXED);
		n = epoll_wait(io->epoll_fd, evs, IO_EPOLL_EVENTS, timeout);

		for (int i = 0; i < n; i++) {
			uint64_t v;

			if (evs[i].data.fd != io->watched_wire_fd)
				while (read(evs[i].data.fd, &v, sizeof(v)) == sizeof(v))
					;
		}
	}
	return NULL;
}

void sim_io_set_poll(struct sim_io *io, uint32_t poll_us)
{
	__atomic_store_n(&io->poll_us, poll_us, __ATOMIC_RELAXED);
}

uint64_t sim_io_sleeps(const struct sim_io *io)
{
	return __atomic_load_n(&io->sleeps, __ATOMIC_RELAXED);
}

int sim_io_start(struct sim_io *io)
{
	struct sim_device *dev = io->dev;
	int r;

	if (io->threaded)
		return -EALREADY;
	io->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	io->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (io->epoll_fd < 0 || io->timer_fd < 0)
		return -errno;
	epoll_watch(io, io->wake_fd, true);
	epoll_watch(io, io->timer_fd, true);
	for (unsigned int i = 0; i < dev->nr_db_eventfds; i++)
		epoll_watch(io, dev->db_eventfds[i], true);
	r = pthread_create(&io->thread, NULL, io_thread, io);
	if (r)
		return -r;
	io->threaded = true;
	return 0;
}

/* ---- lifecycle ---- */

void sim_io_set_clock(struct sim_io *io, uint64_t (*now_us)(void *ctx), void *ctx)
{
	io->now_us = now_us ? now_us : clock_us;
	io->clock_ctx = ctx;
}

static void io_free(struct sim_io *io)
{
	if (io->wake_fd >= 0)
		close(io->wake_fd);
	if (io->epoll_fd >= 0)
		close(io->epoll_fd);
	if (io->timer_fd >= 0)
		close(io->timer_fd);
	sim_eni_fini(&io->eni);
	wire_destroy(io->wire);
	free(io->frame);
	free(io->seg);
	free(io->rxbuf);
	free(io->rxseg);
	free(io->llq_snap);
	pthread_mutex_destroy(&io->work_lock);
	free(io);
}

int sim_io_create(struct sim_device *dev, struct wire *wire, struct sim_io **ret)
{
	struct sim_io *io = calloc(1, sizeof(*io));

	if (!io) {
		wire_destroy(wire);
		return -ENOMEM;
	}
	pthread_mutex_init(&io->work_lock, NULL);
	io->dev = dev;
	io->wire = wire;
	io->epoll_fd = io->timer_fd = io->watched_wire_fd = -1;
	io->now_us = clock_us;
	io->synced_gen = 0;
	io->gen = 1; /* first pass takes a snapshot */
	io->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	io->frame = malloc(IO_FRAME_MAX);
	io->seg = malloc(IO_FRAME_MAX);
	io->rxbuf = malloc(IO_FRAME_MAX);
	io->rxseg = malloc(IO_FRAME_MAX);
	io->llq_snap = malloc(IO_LLQ_SNAP * SIM_LLQ_ENTRY_MAX);
	if (io->wake_fd < 0 || !io->frame || !io->seg || !io->rxbuf || !io->rxseg ||
	    !io->llq_snap || sim_eni_init(&io->eni) < 0) {
		int r = io->wake_fd < 0 ? -errno : -ENOMEM;

		io_free(io);
		return r;
	}
	pthread_mutex_lock(&dev->lock);
	if (dev->io) {
		pthread_mutex_unlock(&dev->lock);
		io_free(io);
		return -EBUSY;
	}
	dev->io = io;
	pthread_mutex_unlock(&dev->lock);
	*ret = io;
	return 0;
}

void sim_io_destroy(struct sim_io *io)
{
	uint64_t one = 1;

	if (!io)
		return;
	if (io->threaded) {
		__atomic_store_n(&io->stop, 1, __ATOMIC_RELEASE);
		if (write(io->wake_fd, &one, sizeof(one)) < 0) {
			/* the counter is full: the thread is awake anyway */
		}
		pthread_join(io->thread, NULL);
	}
	pthread_mutex_lock(&io->dev->lock);
	io->dev->io = NULL;
	pthread_mutex_unlock(&io->dev->lock);
	io_free(io);
}

/* ---- device hooks ---- */

void sim_io_kick(struct sim_device *dev)
{
	uint64_t one = 1;

	if (!dev->io)
		return;
	if (write(dev->io->wake_fd, &one, sizeof(one)) < 0) {
		/* EAGAIN: the counter is saturated, a wakeup is pending */
	}
}

void sim_io_config_changed(struct sim_device *dev)
{
	if (!dev->io)
		return;
	__atomic_add_fetch(&dev->io->gen, 1, __ATOMIC_ACQ_REL);
	sim_io_kick(dev);
}

void sim_io_quiesce(struct sim_device *dev)
{
	struct sim_io *io = dev->io;

	if (!io)
		return;
	/* After the bump the engine cannot start a pass without re-reading
	 * the configuration under dev->lock (which our caller holds); the work
	 * lock waits for the pass in progress. */
	__atomic_add_fetch(&io->gen, 1, __ATOMIC_ACQ_REL);
	pthread_mutex_lock(&io->work_lock);
	pthread_mutex_unlock(&io->work_lock);
	sim_io_kick(dev);
}

void sim_io_device_reset(struct sim_device *dev)
{
	struct sim_io *io = dev->io;

	if (!io)
		return;
	sim_io_quiesce(dev);
	memset(&io->delta, 0, sizeof(io->delta));
	for (unsigned int v = 0; v < SIM_MAX_VECTORS; v++) {
		uint64_t fired = io->vec[v].fired;

		memset(&io->vec[v], 0, sizeof(io->vec[v]));
		io->vec[v].fired = fired;
		io->vec[v].pub_fired = fired;
	}
}

/* ---- faults ---- */

int sim_io_fault_set(struct sim_device *dev, enum sim_io_fault f, uint32_t value)
{
	if (!dev->io)
		return -ENODEV;
	if ((unsigned int)f >= SIM_IO_FAULT__COUNT)
		return -EINVAL;
	if (f == SIM_IO_FAULT_RX_DESCS ? value > SIM_IO_RX_DESCS_MAX : value > 1)
		return -EINVAL;
	__atomic_store_n(&dev->io->faults[f], value, __ATOMIC_RELEASE);
	sim_io_kick(dev);
	return 0;
}

uint32_t sim_io_fault_get(struct sim_device *dev, enum sim_io_fault f)
{
	if (!dev->io || (unsigned int)f >= SIM_IO_FAULT__COUNT)
		return 0;
	return __atomic_load_n(&dev->io->faults[f], __ATOMIC_ACQUIRE);
}

int sim_io_allowance_set(struct sim_device *dev, unsigned int kind, uint64_t rate)
{
	if (!dev->io)
		return -ENODEV;
	return sim_eni_set_limit(&dev->io->eni, kind, rate);
}
