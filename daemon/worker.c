/* SPDX-License-Identifier: MIT */
/* One datapath thread per IO queue pair: TAP queue fd <-> ENA TX/RX rings. */
#include <errno.h>
#include <linux/if_ether.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "txprep.h"
#include "worker.h"

/*
 * Buffers. TX: one DMA allocation holding nr_frame frame slots, each large
 * enough for the virtio-net header and a 64 KiB GSO frame (the TAP read
 * lands there and the device reads the frame from there: no copy), then
 * nr_seg segment slots of one MTU-sized frame for software GSO. A slot id
 * is the packet's TX cookie: ids below nr_frame are frame slots, the rest
 * segment slots. RX: one allocation of RX_BUF_SIZE buffers, one per ring
 * entry, cookie = buffer index; every buffer is posted at creation and
 * reposted as soon as its packet went to the TAP.
 */
#define RX_BUF_SIZE 4096u
#define SEG_SLOTS 128u              /* software-GSO segments in flight at most */
#define TX_SLOTS_DEFAULT_MAX 256u
#define TX_SLOTS_MAX 4096u          /* 64 KiB each: a hard limit on what we allocate */
#define TX_FRAME_MAX 65600u         /* 64 KiB IPv6 datagram + Ethernet + 2 VLAN tags */
#define TX_READ_MAX (TAP_VNET_HDR_LEN + TX_FRAME_MAX)
#define TX_BUF_LEN_MAX 65535u       /* one TX descriptor */
#define TX_POLL_BUDGET 256u
#define BUSY_POLL_SPIN_US 10u       /* busy poll spins this long before it yields */
#define RX_SEGS (WORKER_BURST * 4u) /* >= ENA_MAX_SGL: a packet always fits */
#define SEG_HDR_ROOM (ETH_HLEN + 8u) /* Ethernet and two VLAN tags around an MTU-sized datagram */
#define POLL_MODE_SLEEP_MS 1        /* without an interrupt: pace the polling */
#define STALL_SLEEP_NS 10000000L
#define STALL_WAIT_MS 5000
#define NO_SLOT UINT32_MAX

_Static_assert(RX_SEGS >= ENA_MAX_SGL, "an RX packet must fit the segment array");

enum { EV_IRQ, EV_WAKE, EV_TAP };

/* One TX slot: its prepared packet, and for a GSO frame waiting for
 * segment slots what tap_gso_segment() needs. */
struct tx_slot {
	struct ena_tx_pkt pkt;
	struct ena_tx_buf bufs[2];
	struct tap_vnet vh;
	uint32_t len;   /* frame bytes after the virtio-net header */
	uint32_t nsegs;
};

struct worker {
	struct worker_params p;
	struct ena_txq *txq;
	struct ena_rxq *rxq;
	int irq_fd;
	int wake_fd;
	int ep_all;   /* irq, wake, TAP */
	int ep_notap; /* irq, wake: while no frame can be taken from the TAP */
	struct txprep_caps caps;
	bool rx_csum;
	struct log_ratelimit rl;

	/* TX (worker thread, or control thread while stopped) */
	struct ena_dma_mem tx_mem;
	size_t frame_size, seg_size;
	uint32_t nr_frame, nr_seg, nr_slots;
	struct tx_slot *slots;
	uint32_t *frame_free, nr_frame_free; /* stacks of free ids */
	uint32_t *seg_free, nr_seg_free;
	uint32_t *pend, pend_head, nr_pend;  /* FIFO of prepared, unposted ids */
	uint32_t gso_wait;                   /* frame waiting for segment slots, or NO_SLOT */
	uint32_t tx_inflight;
	uint32_t *seg_ids;
	struct iovec *seg_iov;
	struct ena_tx_pkt post[WORKER_BURST];
	uint64_t cookies[TX_POLL_BUDGET];

	/* RX */
	struct ena_dma_mem rx_mem;
	uint32_t nr_rx;
	uint32_t rx_posted;
	struct ena_rx_buf *rx_back; /* returned buffers, to repost */
	uint32_t nr_rx_back;
	struct ena_rx_pkt rx_pkts[WORKER_BURST];
	struct ena_rx_seg rx_segs[RX_SEGS];
	struct iovec rx_iov[1 + ENA_MAX_SGL];
	uint8_t hdr_plain[TAP_VNET_HDR_LEN];
	uint8_t hdr_valid[TAP_VNET_HDR_LEN];

	/* thread control (control thread) */
	pthread_t thread;
	bool started;

	/* shared: relaxed atomics, written by one side */
	bool running;
	bool stop;
	bool stall;
	bool stalled;
	bool failed;
	uint32_t busy_poll_us;
	uint64_t heartbeat;
	struct worker_stats st;      /* written by the worker thread only */
	struct worker_buffers bufs;  /* published by the worker thread */
};

/* ---- shared-state helpers ---- */

#define LOAD(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)

/* Counters have one writer: a relaxed load and store is enough for readers
 * on other threads to see whole values. */
static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void eventfd_kick(int fd)
{
	uint64_t one = 1;

	if (fd >= 0)
		(void)!write(fd, &one, sizeof(one));
}

static void eventfd_drain(int fd)
{
	uint64_t v;

	(void)!read(fd, &v, sizeof(v));
}

static void publish_buffers(struct worker *w)
{
	STORE(w->bufs.tx_free, w->nr_frame_free + w->nr_seg_free);
	STORE(w->bufs.tx_pending, w->nr_pend + (w->gso_wait != NO_SLOT ? 1u : 0u));
	STORE(w->bufs.tx_inflight, w->tx_inflight);
	STORE(w->bufs.rx_posted, w->rx_posted);
	STORE(w->bufs.rx_held, w->nr_rx_back);
}

/* ---- TX slots ---- */

static uint8_t *slot_va(const struct worker *w, uint32_t id)
{
	uint8_t *base = w->tx_mem.va;

	if (id < w->nr_frame)
		return base + (size_t)id * w->frame_size;
	return base + (size_t)w->nr_frame * w->frame_size + (size_t)(id - w->nr_frame) * w->seg_size;
}

static uint64_t slot_iova(const struct worker *w, uint32_t id)
{
	return w->tx_mem.iova + (uint64_t)(slot_va(w, id) - (uint8_t *)w->tx_mem.va);
}

static void slot_put(struct worker *w, uint32_t id)
{
	if (id < w->nr_frame) {
		if (w->nr_frame_free < w->nr_frame)
			w->frame_free[w->nr_frame_free++] = id;
	} else if (id < w->nr_slots) {
		if (w->nr_seg_free < w->nr_seg)
			w->seg_free[w->nr_seg_free++] = id;
	}
}

static void pend_push(struct worker *w, uint32_t id)
{
	w->pend[(w->pend_head + w->nr_pend) % w->nr_slots] = id;
	w->nr_pend++;
}

static void pend_pop(struct worker *w, unsigned int n)
{
	w->pend_head = (w->pend_head + n) % w->nr_slots;
	w->nr_pend -= n;
}

/* Describe @len frame bytes at @off in slot @id as a packet (no offloads
 * unless txprep filled them in already and @keep_offloads). */
static void slot_pkt(struct worker *w, uint32_t id, size_t off, uint32_t len, bool keep_offloads)
{
	struct tx_slot *s = &w->slots[id];
	uint8_t *va = slot_va(w, id) + off;
	uint64_t iova = slot_iova(w, id) + off;
	uint32_t first = len < TX_BUF_LEN_MAX ? len : TX_BUF_LEN_MAX;

	if (!keep_offloads) {
		s->pkt.flags = 0;
		s->pkt.l3_proto = ENA_L3_PROTO_UNKNOWN;
		s->pkt.l4_proto = ENA_L4_PROTO_UNKNOWN;
		s->pkt.l3_hdr_off = s->pkt.l3_hdr_len = s->pkt.l4_hdr_len = 0;
		s->pkt.mss = 0;
	}
	s->bufs[0] = (struct ena_tx_buf){ .iova = iova, .va = va, .len = first };
	s->pkt.nr_bufs = 1;
	if (len > first) {
		/* a 64 KiB frame is one byte too long for one descriptor */
		s->bufs[1] = (struct ena_tx_buf){ .iova = iova + first, .va = va + first,
						  .len = len - first };
		s->pkt.nr_bufs = 2;
	}
	s->pkt.bufs = s->bufs;
	s->pkt.cookie = id;
}

static void tx_drop(struct worker *w, uint32_t id, const char *why)
{
	stat_add(&w->st.tx_dropped, 1);
	slot_put(w, id);
	log_ratelimit(&w->rl, LOG_WARNING, w->p.log, "datapath", "queue %u: dropped a frame from the TAP: %s",
		      w->p.index, why);
}

/* ---- TX ---- */

static void worker_fail(struct worker *w, const char *what)
{
	enum ena_reset_reason why = ENA_RESET_NORMAL;

	if (!ena_txq_failed(w->txq, &why))
		ena_rxq_failed(w->rxq, &why);
	STORE(w->failed, true);
	log_dev(LOG_ERR, w->p.log, "datapath", "queue %u: %s failed (%s); the queue stops", w->p.index,
		what, ena_reset_reason_name(why) ? ena_reset_reason_name(why) : "unknown");
	eventfd_kick(w->p.notify_fd);
}

/* TX completions: give the slots back. Return: completions, or -EPROTO. */
static int tx_complete(struct worker *w)
{
	int n = ena_txq_poll(w->txq, w->cookies, TX_POLL_BUDGET);

	if (n <= 0)
		return n;
	for (int i = 0; i < n; i++)
		slot_put(w, (uint32_t)w->cookies[i]);
	w->tx_inflight -= (uint32_t)n < w->tx_inflight ? (uint32_t)n : w->tx_inflight;
	return n;
}

/* Post the prepared packets in order, WORKER_BURST per doorbell.
 * Return: 0 (all posted, or the ring is full), or -EPROTO. */
static int tx_post_pending(struct worker *w)
{
	while (w->nr_pend) {
		unsigned int n = w->nr_pend < WORKER_BURST ? w->nr_pend : WORKER_BURST;
		uint32_t id;
		int r;

		for (unsigned int i = 0; i < n; i++)
			w->post[i] = w->slots[w->pend[(w->pend_head + i) % w->nr_slots]].pkt;
		r = ena_txq_post(w->txq, w->post, n);
		if (r > 0) {
			pend_pop(w, (unsigned int)r);
			w->tx_inflight += (uint32_t)r;
			continue;
		}
		if (r == -ENOSPC)
			return 0; /* kept: the next completions make room */
		if (r == -EPROTO)
			return r;
		/* This packet can never go (-EMSGSIZE: more descriptors than the
		 * device takes; -EINVAL: an offload it refuses): drop it alone. */
		id = w->pend[w->pend_head];
		pend_pop(w, 1);
		tx_drop(w, id, r == -EMSGSIZE ? "more descriptors than the device takes"
					      : "the device refused the packet's offload request");
	}
	return 0;
}

/* Cut the GSO frame waiting in w->gso_wait into segment slots once enough
 * are free. Return: true when it was handled (segmented or dropped). */
static bool tx_gso_run(struct worker *w)
{
	uint32_t id = w->gso_wait;
	struct tx_slot *s = &w->slots[id];
	int r;

	if (w->nr_seg_free < s->nsegs)
		return false;
	for (uint32_t i = 0; i < s->nsegs; i++) {
		uint32_t seg = w->seg_free[--w->nr_seg_free];

		w->seg_ids[i] = seg;
		w->seg_iov[i] = (struct iovec){ .iov_base = slot_va(w, seg), .iov_len = w->seg_size };
	}
	w->gso_wait = NO_SLOT;
	r = tap_gso_segment(&s->vh, slot_va(w, id) + TAP_VNET_HDR_LEN, s->len, w->seg_iov, s->nsegs);
	if (r < 0) {
		for (uint32_t i = 0; i < s->nsegs; i++)
			slot_put(w, w->seg_ids[i]);
		tx_drop(w, id, r == -ENOBUFS ? "a GSO segment would not fit the MTU"
					     : "software GSO refused the frame");
		return true;
	}
	for (uint32_t i = 0; i < s->nsegs; i++) {
		if (i < (uint32_t)r) {
			slot_pkt(w, w->seg_ids[i], 0, (uint32_t)w->seg_iov[i].iov_len, false);
			pend_push(w, w->seg_ids[i]);
		} else {
			slot_put(w, w->seg_ids[i]);
		}
	}
	stat_add(&w->st.tx_sw_gso, 1);
	stat_add(&w->st.tx_sw_gso_segs, (uint64_t)r);
	slot_put(w, id); /* the segments are copies */
	return true;
}

/* One frame read into frame slot @id (@n bytes with the header). */
static void tx_frame(struct worker *w, uint32_t id, size_t n)
{
	struct tx_slot *s = &w->slots[id];
	uint8_t *buf = slot_va(w, id);
	uint8_t *frame = buf + TAP_VNET_HDR_LEN;
	struct txprep_result res;
	struct tap_vnet vh;
	size_t len;

	if (n < TAP_VNET_HDR_LEN) {
		stat_add(&w->st.tap_rx_frames, 1);
		tx_drop(w, id, "read shorter than the virtio-net header");
		return;
	}
	len = n - TAP_VNET_HDR_LEN;
	stat_add(&w->st.tap_rx_frames, 1);
	stat_add(&w->st.tap_rx_bytes, len);
	if (n > TX_READ_MAX) {
		tx_drop(w, id, "frame longer than 64 KiB");
		return;
	}
	if (tap_vnet_parse(buf, n, &vh) < 0) {
		tx_drop(w, id, "bad virtio-net header");
		return;
	}
	switch (txprep_frame(&vh, frame, len, &w->caps, &s->pkt, &res)) {
	case TXPREP_SEND:
		slot_pkt(w, id, TAP_VNET_HDR_LEN, (uint32_t)len, true);
		pend_push(w, id);
		return;
	case TXPREP_SW_CSUM:
		if (tap_csum_complete(&vh, frame, len) < 0) {
			tx_drop(w, id, "checksum offsets beyond the frame");
			return;
		}
		stat_add(&w->st.tx_sw_csum, 1);
		slot_pkt(w, id, TAP_VNET_HDR_LEN, (uint32_t)len, false);
		pend_push(w, id);
		return;
	case TXPREP_SW_GSO:
		if (res.nsegs > w->nr_seg) {
			tx_drop(w, id, "GSO frame makes more segments than the worker holds");
			return;
		}
		if (res.hdr_len + (len - res.hdr_len < vh.gso_size ? len - res.hdr_len : vh.gso_size) >
		    w->seg_size) {
			tx_drop(w, id, "gso_size larger than the MTU allows");
			return;
		}
		s->vh = vh;
		s->len = (uint32_t)len;
		s->nsegs = res.nsegs;
		w->gso_wait = id;
		tx_gso_run(w);
		return;
	case TXPREP_DROP:
	default:
		tx_drop(w, id, res.why ? res.why : "malformed frame");
		return;
	}
}

/* Read up to WORKER_BURST frames from the TAP into free slots and post
 * them with one doorbell. Return: frames read (> 0 is work), or -EPROTO. */
static int tx_send(struct worker *w, bool *ret_work)
{
	unsigned int reads = 0;
	int r;

	if (w->gso_wait != NO_SLOT && tx_gso_run(w))
		*ret_work = true;
	r = tx_post_pending(w);
	if (r < 0)
		return r;
	if (w->nr_pend || w->gso_wait != NO_SLOT)
		return 0; /* no room: leave the TAP alone until completions come */
	while (reads < WORKER_BURST && w->nr_frame_free && w->gso_wait == NO_SLOT) {
		uint32_t id = w->frame_free[--w->nr_frame_free];
		/* One byte more than the largest frame we take, to see truncation. */
		ssize_t n = read(w->p.tap_fd, slot_va(w, id), TX_READ_MAX + 1);

		if (n <= 0) {
			int err = n < 0 ? errno : 0;

			w->frame_free[w->nr_frame_free++] = id;
			if (n < 0 && err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
				log_ratelimit(&w->rl, LOG_WARNING, w->p.log, "datapath",
					      "queue %u: TAP read: %s", w->p.index, strerror(err));
			break;
		}
		reads++;
		tx_frame(w, id, (size_t)n);
	}
	if (reads)
		*ret_work = true;
	return tx_post_pending(w);
}

/* ---- RX ---- */

/* Write one received packet to the TAP: header + its segments, one writev. */
static void rx_deliver(struct worker *w, const struct ena_rx_pkt *pkt)
{
	bool good = w->rx_csum && pkt->csum == ENA_RX_CSUM_GOOD;
	unsigned int niov = 1;
	ssize_t n;

	if (pkt->csum == ENA_RX_CSUM_BAD)
		stat_add(&w->st.rx_csum_bad, 1);
	if (pkt->nr_segs == 0 || pkt->nr_segs > ENA_MAX_SGL) {
		stat_add(&w->st.tap_tx_errors, 1);
		return;
	}
	w->rx_iov[0] = (struct iovec){ .iov_base = good ? w->hdr_valid : w->hdr_plain,
				       .iov_len = TAP_VNET_HDR_LEN };
	for (unsigned int k = 0; k < pkt->nr_segs; k++) {
		const struct ena_rx_seg *sg = &w->rx_segs[pkt->seg + k];
		uint8_t *va = (uint8_t *)w->rx_mem.va + (size_t)sg->cookie * RX_BUF_SIZE;

		if (k == 0)
			va += pkt->offset;
		if (sg->len)
			w->rx_iov[niov++] = (struct iovec){ .iov_base = va, .iov_len = sg->len };
	}
	n = writev(w->p.tap_fd, w->rx_iov, (int)niov);
	if (n < 0 || (size_t)n != TAP_VNET_HDR_LEN + (size_t)pkt->len) {
		int err = n < 0 ? errno : EMSGSIZE;

		/* Never block: a full TAP queue loses the frame, as a NIC would. */
		stat_add(&w->st.tap_tx_errors, 1);
		if (err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS)
			log_ratelimit(&w->rl, LOG_WARNING, w->p.log, "datapath",
				      "queue %u: TAP write: %s", w->p.index, strerror(err));
		return;
	}
	stat_add(&w->st.tap_tx_frames, 1);
	stat_add(&w->st.tap_tx_bytes, pkt->len);
}

/* Repost every buffer that came back, one doorbell. Return: 0 or -EPROTO. */
static int rx_refill(struct worker *w)
{
	int r;

	if (!w->nr_rx_back)
		return 0;
	r = ena_rxq_refill(w->rxq, w->rx_back, w->nr_rx_back);
	if (r == -EPROTO)
		return r;
	if (r <= 0)
		return 0; /* ring full (cannot be: we own all its buffers); retried next pass */
	w->rx_posted += (uint32_t)r;
	w->nr_rx_back -= (uint32_t)r;
	if (w->nr_rx_back)
		memmove(w->rx_back, w->rx_back + r, (size_t)w->nr_rx_back * sizeof(*w->rx_back));
	return 0;
}

/* Return: packets received, or -EPROTO. */
static int rx_receive(struct worker *w)
{
	int n = ena_rxq_poll(w->rxq, w->rx_pkts, WORKER_BURST, w->rx_segs, RX_SEGS);
	int r;

	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		const struct ena_rx_pkt *pkt = &w->rx_pkts[i];

		rx_deliver(w, pkt);
		for (unsigned int k = 0; k < pkt->nr_segs; k++) {
			uint64_t c = w->rx_segs[pkt->seg + k].cookie;

			if (c >= w->nr_rx || w->nr_rx_back >= w->nr_rx)
				continue; /* not ours: libena hands back only what we posted */
			w->rx_back[w->nr_rx_back++] = (struct ena_rx_buf){
				.iova = w->rx_mem.iova + c * RX_BUF_SIZE, .len = RX_BUF_SIZE, .cookie = c,
			};
			w->rx_posted--;
		}
	}
	r = rx_refill(w);
	return r < 0 ? r : n;
}

/* ---- the thread ---- */

/* One pass over completions, RX and TX. Return: whether it found work;
 * on a queue failure w->failed is set. */
static bool worker_pass(struct worker *w)
{
	bool work = false;
	int r;

	r = tx_complete(w);
	if (r < 0) {
		worker_fail(w, "TX completion");
		return false;
	}
	work |= r > 0;
	r = rx_receive(w);
	if (r < 0) {
		worker_fail(w, "RX");
		return false;
	}
	work |= r > 0;
	r = tx_send(w, &work);
	if (r < 0) {
		worker_fail(w, "TX");
		return false;
	}
	publish_buffers(w);
	return work;
}

static bool tap_wanted(const struct worker *w)
{
	return w->nr_frame_free && !w->nr_pend && w->gso_wait == NO_SLOT;
}

/* Sleep until the interrupt, the TAP (when we can take a frame) or a wake,
 * at most one heartbeat. */
static void worker_sleep(struct worker *w)
{
	struct epoll_event ev[3];
	int timeout = w->irq_fd >= 0 ? WORKER_HEARTBEAT_MS : POLL_MODE_SLEEP_MS;
	int n = epoll_wait(tap_wanted(w) ? w->ep_all : w->ep_notap, ev, 3, timeout);

	stat_add(&w->st.wakeups, 1);
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u32 == EV_IRQ)
			eventfd_drain(w->irq_fd);
		else if (ev[i].data.u32 == EV_WAKE)
			eventfd_drain(w->wake_fd);
	}
}

/* After a queue failure: touch nothing, keep the heartbeat, wait for stop. */
static void worker_sleep_failed(struct worker *w)
{
	struct pollfd pfd = { .fd = w->wake_fd, .events = POLLIN };

	if (poll(&pfd, 1, WORKER_HEARTBEAT_MS) > 0)
		eventfd_drain(w->wake_fd);
}

/* worker_stall(): no heartbeat, no packets, only the stop flag. */
static void worker_stall_loop(struct worker *w)
{
	const struct timespec ts = { .tv_nsec = STALL_SLEEP_NS };

	STORE(w->stalled, true);
	while (!LOAD(w->stop))
		nanosleep(&ts, NULL);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	uint64_t last_work = now_us();

	while (!LOAD(w->stop)) {
		uint64_t now, busy;

		if (LOAD(w->stall)) {
			worker_stall_loop(w);
			break;
		}
		stat_add(&w->heartbeat, 1);
		if (LOAD(w->failed)) {
			worker_sleep_failed(w);
			continue;
		}
		if (worker_pass(w)) {
			last_work = now_us();
			continue;
		}
		if (LOAD(w->failed))
			continue;
		now = now_us();
		busy = LOAD(w->busy_poll_us);
		if (busy && now - last_work < busy) {
			stat_add(&w->st.busy_polls, 1);
			/* After a short spin, give way to whatever else is
			 * runnable here, as the kernel's busy poll stops on
			 * need_resched(): on a shared CPU that is often the
			 * sender whose next frame, or the emulated device whose
			 * completion, this poll waits for (RESULTS.md session 5). */
			if (now - last_work >= BUSY_POLL_SPIN_US)
				sched_yield();
			continue;
		}
		/* Re-arm the vector, then look once more: what completed
		 * before the unmask raised no interrupt. */
		if (w->irq_fd >= 0)
			ena_qpair_unmask(w->p.qp, now);
		if (worker_pass(w)) {
			last_work = now_us();
			continue;
		}
		if (LOAD(w->failed))
			continue;
		worker_sleep(w);
	}
	return NULL;
}

/* ---- public ---- */

static int epoll_add(int ep, int fd, uint32_t tag)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = tag };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0 ? -errno : 0;
}

static size_t round_up(size_t v, size_t a)
{
	return (v + a - 1) / a * a;
}

static void caps_from(struct worker *w, const struct worker_offloads *o)
{
	w->caps = (struct txprep_caps){
		.csum4 = o->tx_csum4, .csum6 = o->tx_csum6,
		.tso4 = o->tso4, .tso6 = o->tso6, .tso_ecn = o->tso_ecn,
	};
	w->rx_csum = o->rx_csum;
}

static void worker_free(struct worker *w)
{
	if (w->ep_notap >= 0)
		close(w->ep_notap);
	if (w->ep_all >= 0)
		close(w->ep_all);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	ena_dev_dma_free(&w->rx_mem);
	ena_dev_dma_free(&w->tx_mem);
	free(w->rx_back);
	free(w->seg_iov);
	free(w->seg_ids);
	free(w->pend);
	free(w->seg_free);
	free(w->frame_free);
	free(w->slots);
	pthread_mutex_destroy(&w->rl.lock);
	free(w);
}

int worker_create(const struct worker_params *p, struct worker **ret)
{
	const uint32_t mtu_max = TX_BUF_LEN_MAX - SEG_HDR_ROOM;
	struct worker *w;
	uint32_t tx_depth;
	int r;

	if (!p || !p->dev || !p->qp || p->tap_fd < 0 || !ret)
		return -EINVAL;
	if (p->mtu < ENA_MIN_MTU || p->mtu > mtu_max)
		return log_dev_errno(LOG_ERR, p->log, "config", EINVAL,
				     "queue %u: worker mtu %u out of range, allowed %u..%u", p->index,
				     p->mtu, ENA_MIN_MTU, mtu_max);
	if (p->tx_slots > TX_SLOTS_MAX)
		return log_dev_errno(LOG_ERR, p->log, "config", EINVAL,
				     "queue %u: worker tx_slots %u out of range, allowed 0 (auto)..%u",
				     p->index, p->tx_slots, TX_SLOTS_MAX);

	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->p = *p;
	w->txq = ena_qpair_txq(p->qp);
	w->rxq = ena_qpair_rxq(p->qp);
	w->irq_fd = ena_qpair_irq_fd(p->qp);
	w->wake_fd = w->ep_all = w->ep_notap = -1;
	w->gso_wait = NO_SLOT;
	w->busy_poll_us = p->busy_poll_us;
	w->rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(10 * 1000000ull, 10);
	caps_from(w, &p->offloads);
	tap_vnet_build_rx(w->hdr_plain, false);
	tap_vnet_build_rx(w->hdr_valid, true);

	/* Sizes: the rings are fresh, so what is free is their depth - 1. */
	tx_depth = ena_txq_free_entries(w->txq) + 1;
	w->nr_frame = p->tx_slots ? p->tx_slots
				  : (tx_depth < TX_SLOTS_DEFAULT_MAX ? tx_depth : TX_SLOTS_DEFAULT_MAX);
	w->nr_seg = SEG_SLOTS;
	w->nr_slots = w->nr_frame + w->nr_seg;
	w->frame_size = round_up(TX_READ_MAX + 1, 64);
	w->seg_size = round_up(p->mtu + SEG_HDR_ROOM, 64);
	w->nr_rx = ena_rxq_free_slots(w->rxq);
	if (w->nr_rx == 0) {
		r = log_dev_errno(LOG_ERR, p->log, "config", EINVAL,
				  "queue %u: the RX ring is already full; a worker needs a fresh queue pair",
				  p->index);
		goto fail;
	}

	r = -ENOMEM;
	w->slots = calloc(w->nr_slots, sizeof(*w->slots));
	w->frame_free = calloc(w->nr_frame, sizeof(*w->frame_free));
	w->seg_free = calloc(w->nr_seg, sizeof(*w->seg_free));
	w->pend = calloc(w->nr_slots, sizeof(*w->pend));
	w->seg_ids = calloc(w->nr_seg, sizeof(*w->seg_ids));
	w->seg_iov = calloc(w->nr_seg, sizeof(*w->seg_iov));
	w->rx_back = calloc(w->nr_rx, sizeof(*w->rx_back));
	if (!w->slots || !w->frame_free || !w->seg_free || !w->pend || !w->seg_ids || !w->seg_iov ||
	    !w->rx_back)
		goto fail;
	r = ena_dev_dma_alloc(p->dev, (size_t)w->nr_frame * w->frame_size + (size_t)w->nr_seg * w->seg_size,
			      p->numa_node, &w->tx_mem);
	if (r < 0)
		goto fail;
	r = ena_dev_dma_alloc(p->dev, (size_t)w->nr_rx * RX_BUF_SIZE, p->numa_node, &w->rx_mem);
	if (r < 0)
		goto fail;
	/* Lowest ids on top of the stacks: the first frames use the first slots. */
	for (uint32_t i = 0; i < w->nr_frame; i++)
		w->frame_free[i] = w->nr_frame - 1 - i;
	w->nr_frame_free = w->nr_frame;
	for (uint32_t i = 0; i < w->nr_seg; i++)
		w->seg_free[i] = w->nr_slots - 1 - i;
	w->nr_seg_free = w->nr_seg;

	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->ep_all = epoll_create1(EPOLL_CLOEXEC);
	w->ep_notap = epoll_create1(EPOLL_CLOEXEC);
	if (w->wake_fd < 0 || w->ep_all < 0 || w->ep_notap < 0) {
		r = -errno;
		goto fail;
	}
	if ((r = epoll_add(w->ep_all, w->wake_fd, EV_WAKE)) < 0 ||
	    (r = epoll_add(w->ep_notap, w->wake_fd, EV_WAKE)) < 0 ||
	    (r = epoll_add(w->ep_all, p->tap_fd, EV_TAP)) < 0)
		goto fail;
	if (w->irq_fd >= 0 && ((r = epoll_add(w->ep_all, w->irq_fd, EV_IRQ)) < 0 ||
			       (r = epoll_add(w->ep_notap, w->irq_fd, EV_IRQ)) < 0))
		goto fail;

	/* Last: once buffers are posted the device may write them. */
	for (uint32_t i = 0; i < w->nr_rx; i++)
		w->rx_back[i] = (struct ena_rx_buf){
			.iova = w->rx_mem.iova + (uint64_t)i * RX_BUF_SIZE, .len = RX_BUF_SIZE, .cookie = i,
		};
	r = ena_rxq_refill(w->rxq, w->rx_back, w->nr_rx);
	if (r < 0)
		goto fail;
	w->rx_posted = (uint32_t)r;
	w->nr_rx_back = w->nr_rx - (uint32_t)r;
	if (w->nr_rx_back)
		memmove(w->rx_back, w->rx_back + r, (size_t)w->nr_rx_back * sizeof(*w->rx_back));

	w->bufs.tx_slots = w->nr_slots;
	w->bufs.rx_bufs = w->nr_rx;
	publish_buffers(w);
	*ret = w;
	return 0;

fail:
	worker_free(w);
	return r;
}

int worker_start(struct worker *w)
{
	sigset_t all, old;
	pthread_attr_t attr;
	char name[16];
	int r;

	if (w->started)
		return 0;
	r = pthread_attr_init(&attr);
	if (r)
		return -r;
	if (CPU_COUNT(&w->p.cpus) > 0) {
		r = pthread_attr_setaffinity_np(&attr, sizeof(w->p.cpus), &w->p.cpus);
		if (r) {
			pthread_attr_destroy(&attr);
			return -r;
		}
	}
	STORE(w->stop, false);
	STORE(w->stall, false);
	STORE(w->stalled, false);
	/* Signals belong to the control thread; the worker takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&w->thread, &attr, worker_main, w);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (r)
		return -r;
	snprintf(name, sizeof(name), "ena-q%u", w->p.index);
	pthread_setname_np(w->thread, name);
	w->started = true;
	STORE(w->running, true);
	return 0;
}

void worker_stop(struct worker *w)
{
	if (!w || !w->started)
		return;
	STORE(w->stop, true);
	eventfd_kick(w->wake_fd);
	pthread_join(w->thread, NULL);
	w->started = false;
	STORE(w->running, false);
	publish_buffers(w);
}

void worker_destroy(struct worker *w)
{
	if (!w)
		return;
	worker_stop(w);
	/* The device no longer uses the buffers (the caller's precondition):
	 * everything goes back with the memory. */
	worker_free(w);
}

void worker_set_busy_poll(struct worker *w, uint32_t busy_poll_us)
{
	STORE(w->busy_poll_us, busy_poll_us);
}

void worker_set_offloads(struct worker *w, const struct worker_offloads *o)
{
	w->p.offloads = *o;
	caps_from(w, o);
}

void worker_get_stats(const struct worker *w, struct worker_stats *ret)
{
	*ret = (struct worker_stats){
		.tap_rx_frames = LOAD(w->st.tap_rx_frames),
		.tap_rx_bytes = LOAD(w->st.tap_rx_bytes),
		.tap_tx_frames = LOAD(w->st.tap_tx_frames),
		.tap_tx_bytes = LOAD(w->st.tap_tx_bytes),
		.tap_tx_errors = LOAD(w->st.tap_tx_errors),
		.tx_sw_csum = LOAD(w->st.tx_sw_csum),
		.tx_sw_gso = LOAD(w->st.tx_sw_gso),
		.tx_sw_gso_segs = LOAD(w->st.tx_sw_gso_segs),
		.tx_dropped = LOAD(w->st.tx_dropped),
		.rx_csum_bad = LOAD(w->st.rx_csum_bad),
		.wakeups = LOAD(w->st.wakeups),
		.busy_polls = LOAD(w->st.busy_polls),
	};
}

void worker_get_buffers(const struct worker *w, struct worker_buffers *ret)
{
	*ret = (struct worker_buffers){
		.tx_slots = w->bufs.tx_slots,
		.tx_free = LOAD(w->bufs.tx_free),
		.tx_pending = LOAD(w->bufs.tx_pending),
		.tx_inflight = LOAD(w->bufs.tx_inflight),
		.rx_bufs = w->bufs.rx_bufs,
		.rx_posted = LOAD(w->bufs.rx_posted),
		.rx_held = LOAD(w->bufs.rx_held),
	};
}

uint64_t worker_heartbeat(const struct worker *w)
{
	return LOAD(w->heartbeat);
}

bool worker_running(const struct worker *w)
{
	return LOAD(w->running);
}

bool worker_failed(const struct worker *w)
{
	return LOAD(w->failed);
}

void worker_wake(struct worker *w)
{
	eventfd_kick(w->wake_fd);
}

void worker_stall(struct worker *w)
{
	const struct timespec ms = { .tv_nsec = 1000000L };

	if (!w->started)
		return;
	STORE(w->stall, true);
	eventfd_kick(w->wake_fd);
	for (int i = 0; i < STALL_WAIT_MS && !LOAD(w->stalled); i++)
		nanosleep(&ms, NULL);
}

static const struct {
	const char *name;
	size_t off;
} stats_fields[] = {
#define F(x) { #x, offsetof(struct worker_stats, x) }
	F(tap_rx_frames), F(tap_rx_bytes), F(tap_tx_frames), F(tap_tx_bytes), F(tap_tx_errors),
	F(tx_sw_csum), F(tx_sw_gso), F(tx_sw_gso_segs), F(tx_dropped), F(rx_csum_bad),
	F(wakeups), F(busy_polls),
#undef F
};

_Static_assert(sizeof(stats_fields) / sizeof(stats_fields[0]) ==
		       sizeof(struct worker_stats) / sizeof(uint64_t),
	       "every worker_stats field has a name");

const char *worker_stats_name(unsigned int n)
{
	return n < sizeof(stats_fields) / sizeof(stats_fields[0]) ? stats_fields[n].name : NULL;
}

uint64_t worker_stats_value(const struct worker_stats *s, unsigned int n)
{
	uint64_t v;

	if (n >= sizeof(stats_fields) / sizeof(stats_fields[0]))
		return 0;
	memcpy(&v, (const uint8_t *)s + stats_fields[n].off, sizeof(v));
	return v;
}
