/* SPDX-License-Identifier: MIT */
/* The datapath worker against enasim's loop wire, with one end of a
 * SOCK_SEQPACKET socketpair standing in for the TAP queue fd (one datagram
 * = virtio-net header + frame, as one TAP read or write): frames come back
 * byte-exact, TSO and checksum offload or their software fallbacks give
 * correct packets, RX checksum verdicts reach the header, stop/start loses
 * no buffer, heartbeat, stall, queue failure and idle sleep. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <ena/eth.h>

#include "pkt.h"
#include "sim_harness.h"
#include "tap.h"
#include "worker.h"

#define DEPTH 256
#define TX_SLOTS 32
#define MAX_DGRAM (TAP_VNET_HDR_LEN + 70000)
#define DEADLINE_MS 30000 /* only ever a failure guard: valgrind is slow */
#define MTU 1500

struct fx {
	struct sim sim;
	bool sim_up;
	struct ena_dev *dev;
	struct ena_qpair *qp;
	int irq;
	int sv[2];    /* sv[0]: the worker's "TAP" fd; sv[1]: the test's end */
	int notify;
	uint32_t tx_depth, tx_slots; /* 0: DEPTH, TX_SLOTS */
	struct worker *w;
	struct log_dev log;
	uint8_t tx[MAX_DGRAM];
	uint8_t rx[MAX_DGRAM];
};

static const struct worker_offloads offloads_all = {
	.tx_csum4 = true, .tx_csum6 = true, .tso4 = true, .tso6 = true, .tso_ecn = true,
	.rx_csum = true,
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Raise a socket's send buffer (root may go past wmem_max): bursts of
 * jumbo frames and TSO segments must fit while the other side reads. */
static void sock_bufs(int fd)
{
	int size = 4 << 20;

	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	f->irq = f->notify = f->sv[0] = f->sv[1] = -1;
	log_dev_init(&f->log, "wtest0", NULL);
	*state = f;
	return 0;
}

/* Bring up enasim (loop wire, one queue pair) and a started worker. */
static void start(struct fx *f, unsigned int llq, const struct worker_offloads *o, int irq,
		  const char *const *extra)
{
	const char *args[16] = { "--wire", "loop", "--queues", "1", NULL };
	static const struct ena_dev_params dp = { .numa_node = -1 };
	struct ena_qpair_params qp = {
		.index = 0, .tx_depth = f->tx_depth ? f->tx_depth : DEPTH, .rx_depth = DEPTH,
		.numa_node = -1, .llq_entry_size = llq,
	};
	struct worker_params wp = {
		.index = 0, .numa_node = -1, .mtu = MTU,
		.tx_slots = f->tx_slots ? f->tx_slots : TX_SLOTS,
		.offloads = *o, .log = &f->log,
	};
	int n = 4;

	for (; extra && *extra; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	assert_int_equal(sim_start(&f->sim, args), 0);
	f->sim_up = true;
	if (ena_dev_open(f->sim.devstr, &f->dev) < 0 || ena_dev_init(f->dev, &dp) < 0)
		fail_msg("bring-up: %s", ena_error_last());
	if (llq && ena_dev_set_llq(f->dev, llq) < 0)
		fail_msg("llq: %s", ena_error_last());
	if (irq) {
		f->irq = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		assert_true(f->irq >= 0);
	}
	qp.irq_fd = f->irq;
	if (ena_qpair_create(f->dev, &qp, &f->qp) < 0)
		fail_msg("qpair: %s", ena_error_last());
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, f->sv),
			 0);
	sock_bufs(f->sv[0]);
	sock_bufs(f->sv[1]);
	f->notify = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(f->notify >= 0);
	wp.dev = f->dev;
	wp.qp = f->qp;
	wp.tap_fd = f->sv[0];
	wp.notify_fd = f->notify;
	assert_int_equal(worker_create(&wp, &f->w), 0);
	assert_int_equal(worker_start(f->w), 0);
	assert_true(worker_running(f->w));
}

static int teardown(void **state)
{
	struct fx *f = *state;

	/* The documented order: stop, destroy the pair, destroy the worker. */
	worker_stop(f->w);
	ena_qpair_destroy(f->qp);
	worker_destroy(f->w);
	for (int i = 0; i < 2; i++)
		if (f->sv[i] >= 0)
			close(f->sv[i]);
	if (f->irq >= 0)
		close(f->irq);
	if (f->notify >= 0)
		close(f->notify);
	ena_dev_close(f->dev);
	if (f->sim_up)
		sim_stop(&f->sim);
	free(f);
	return 0;
}

/* Messages are kept here, not printed (the tests provoke errors). */
static char last_log[LOG_MESSAGE_MAX];

static bool log_keep(const struct log_record *rec, void *userdata)
{
	snprintf(last_log, sizeof(last_log), "%s", rec->message);
	(void)userdata;
	return true;
}

/* ---- the test's end of the "TAP" ---- */

static void send_dgram(struct fx *f, const struct tap_vnet *vh, const uint8_t *frame, size_t len)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;

	tap_vnet_build(f->tx, vh);
	memcpy(f->tx + TAP_VNET_HDR_LEN, frame, len);
	for (;;) {
		struct pollfd p = { .fd = f->sv[1], .events = POLLOUT };
		ssize_t n = send(f->sv[1], f->tx, TAP_VNET_HDR_LEN + len, MSG_DONTWAIT);

		if (n == (ssize_t)(TAP_VNET_HDR_LEN + len))
			return;
		assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
		assert_true(now_ms() < deadline);
		poll(&p, 1, 100);
	}
}

/* The next datagram the worker wrote, or -1 when none came in time. */
static ssize_t recv_dgram(struct fx *f, unsigned int timeout_ms)
{
	uint64_t deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd p = { .fd = f->sv[1], .events = POLLIN };
		ssize_t n = recv(f->sv[1], f->rx, sizeof(f->rx), MSG_DONTWAIT);

		if (n >= 0)
			return n;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		if (now_ms() >= deadline)
			return -1;
		poll(&p, 1, 100);
	}
}

/* Receive one frame; check its virtio-net header is an RX header with
 * DATA_VALID == @valid; return the frame length. */
static size_t recv_frame(struct fx *f, bool valid)
{
	ssize_t n = recv_dgram(f, DEADLINE_MS);
	uint8_t want[TAP_VNET_HDR_LEN];

	if (n < 0)
		fail_msg("no frame came back");
	assert_true(n > TAP_VNET_HDR_LEN);
	tap_vnet_build_rx(want, valid);
	assert_memory_equal(f->rx, want, TAP_VNET_HDR_LEN);
	return (size_t)n - TAP_VNET_HDR_LEN;
}

/* Wait until every buffer is home: TX slots free, RX buffers posted. */
static void wait_settled(struct fx *f)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;
	struct worker_buffers b;

	for (;;) {
		worker_get_buffers(f->w, &b);
		if (b.tx_free == b.tx_slots && b.rx_posted == b.rx_bufs)
			return;
		if (now_ms() >= deadline)
			fail_msg("buffers did not settle: tx %u/%u free, %u pending, %u in flight; rx %u/%u posted",
				 b.tx_free, b.tx_slots, b.tx_pending, b.tx_inflight, b.rx_posted, b.rx_bufs);
		sleep_ms(5);
	}
}

static void wait_stat(struct fx *f, size_t off, uint64_t want)
{
	uint64_t deadline = now_ms() + DEADLINE_MS;
	struct worker_stats st;
	uint64_t v;

	for (;;) {
		worker_get_stats(f->w, &st);
		memcpy(&v, (const uint8_t *)&st + off, sizeof(v));
		if (v >= want)
			return;
		if (now_ms() >= deadline)
			fail_msg("counter at offset %zu is %llu, want %llu", off, (unsigned long long)v,
				 (unsigned long long)want);
		sleep_ms(5);
	}
}

/* While stopped, the worker's accounting and libena's agree and add up. */
static void check_buffers_stopped(struct fx *f, bool plain_traffic)
{
	struct worker_buffers b;

	assert_false(worker_running(f->w));
	worker_get_buffers(f->w, &b);
	assert_int_equal(b.tx_free + b.tx_pending + b.tx_inflight, b.tx_slots);
	assert_int_equal(b.rx_posted + b.rx_held, b.rx_bufs);
	assert_int_equal(b.rx_bufs, DEPTH - 1);
	/* libena counts the same buffers in the RX ring */
	assert_int_equal(DEPTH - 1 - ena_rxq_free_slots(ena_qpair_rxq(f->qp)), b.rx_posted);
	/* ...and, one descriptor per packet without offloads, in the TX ring */
	if (plain_traffic)
		assert_int_equal((f->tx_depth ? f->tx_depth : DEPTH) - 1 -
					 ena_txq_free_entries(ena_qpair_txq(f->qp)), b.tx_inflight);
}

/* ---- frames ---- */

static uint32_t pseudo_sum4(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	uint32_t s = 0;

	for (int i = 12; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return s + proto + (uint32_t)l4_len;
}

static size_t udp_frame(uint8_t *buf, unsigned int i)
{
	struct pkt_flow fl = { 0x0a000001, 0x0a000002, (uint16_t)(1000 + i % 7), 2000 };
	size_t payload = i % 50 == 49 ? 9000 - 28 : (size_t)(18 + (i * 37) % 1455);

	return pkt_udp4(buf, &fl, payload, i, 0);
}

/* ---- tests ---- */

/* 1000 frames of varied sizes (jumbo ones span several RX buffers) come back
 * byte-exact; the counters agree with what crossed. */
static void echo_1000(struct fx *f)
{
	enum { N = 1000, WINDOW = 8 };
	static uint8_t sent[WINDOW][9100];
	static size_t sent_len[WINDOW];
	const struct tap_vnet plain = { 0 };
	unsigned int tx = 0, rx = 0;
	uint64_t bytes = 0;
	struct worker_stats st;
	struct ena_rxq_stats rs;
	struct ena_txq_stats ts;

	while (rx < N) {
		while (tx < N && tx - rx < WINDOW) {
			size_t len = udp_frame(sent[tx % WINDOW], tx);

			sent_len[tx % WINDOW] = len;
			send_dgram(f, &plain, sent[tx % WINDOW], len);
			bytes += len;
			tx++;
		}
		{
			size_t len = recv_frame(f, true);

			if (len != sent_len[rx % WINDOW] ||
			    memcmp(f->rx + TAP_VNET_HDR_LEN, sent[rx % WINDOW], len) != 0)
				fail_msg("frame %u (%zu bytes) came back as %zu bytes%s", rx,
					 sent_len[rx % WINDOW], len,
					 len == sent_len[rx % WINDOW] ? " with other bytes" : "");
			rx++;
		}
	}
	/* counted just after the write we saw */
	wait_stat(f, offsetof(struct worker_stats, tap_tx_frames), N);
	wait_settled(f);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tap_rx_frames, N);
	assert_int_equal(st.tap_rx_bytes, bytes);
	assert_int_equal(st.tap_tx_frames, N);
	assert_int_equal(st.tap_tx_bytes, bytes);
	assert_int_equal(st.tap_tx_errors, 0);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.tx_sw_csum, 0);
	assert_int_equal(st.tx_sw_gso, 0);
	assert_int_equal(st.rx_csum_bad, 0);
	ena_rxq_get_stats(ena_qpair_rxq(f->qp), &rs);
	ena_txq_get_stats(ena_qpair_txq(f->qp), &ts);
	assert_int_equal(rs.v[ENA_RXQ_STAT_CNT], N);
	assert_int_equal(rs.v[ENA_RXQ_STAT_BYTES], bytes);
	assert_int_equal(ts.v[ENA_TXQ_STAT_CNT], N);
	assert_int_equal(ts.v[ENA_TXQ_STAT_BYTES], bytes);
	/* nothing more is waiting */
	assert_int_equal(recv_dgram(f, 0), -1);
	worker_stop(f->w);
	check_buffers_stopped(f, true);
}

static void test_echo_host(void **state)
{
	struct fx *f = *state;

	start(f, 0, &offloads_all, 1, NULL);
	echo_1000(f);
}

static void test_echo_llq(void **state)
{
	struct fx *f = *state;

	start(f, 128, &offloads_all, 1, NULL);
	echo_1000(f);
}

/* A 20 KB TCP GSO frame: MSS-sized segments with valid checksums, in order. */
static void gso_round(struct fx *f, size_t payload, uint32_t seed)
{
	const struct pkt_flow fl = { 0xc0a80101, 0xc0a80102, 40000, 80 };
	const uint16_t mss = 1448;
	const uint32_t seq = 0x10000000;
	static uint8_t frame[70000];
	size_t len = pkt_tcp4(frame, &fl, seq, payload, seed, /* pseudo_only= */ 1);
	struct tap_vnet vh = {
		.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .needs_csum = true, .hdr_len = 54,
		.gso_size = mss, .csum_start = 34, .csum_offset = 16,
	};
	size_t got = 0;
	unsigned int nseg = 0;

	send_dgram(f, &vh, frame, len);
	while (got < payload) {
		size_t n = recv_frame(f, true);
		const uint8_t *fr = f->rx + TAP_VNET_HDR_LEN, *tcp = fr + 34;
		size_t seg = n - 54;
		uint32_t s;

		nseg++;
		if (got + seg < payload)
			assert_int_equal(seg, mss);
		if (pkt_check_ip4_l4(fr, n) != 0)
			fail_msg("segment %u: bad IP or TCP checksum (%d)", nseg, pkt_check_ip4_l4(fr, n));
		s = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
		assert_int_equal(s, seq + got);
		assert_int_equal(!!(tcp[13] & 0x08), got + seg == payload); /* PSH on the last only */
		for (size_t i = 0; i < seg; i++)
			if (tcp[20 + i] != pkt_pattern(seed, got + i))
				fail_msg("segment %u payload byte %zu differs", nseg, i);
		got += seg;
	}
	assert_int_equal(got, payload);
	assert_int_equal(nseg, (payload + mss - 1) / mss);
}

static void test_tso(void **state)
{
	struct fx *f = *state;
	struct worker_stats st;

	start(f, 0, &offloads_all, 1, NULL);
	gso_round(f, 20000, 1);
	/* the largest IPv4 frame: 65549 bytes, two TX buffers */
	gso_round(f, 65535 - 40, 2);
	wait_stat(f, offsetof(struct worker_stats, tap_tx_frames), 14 + 46);
	wait_settled(f);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_sw_gso, 0);
	assert_int_equal(st.tx_sw_gso_segs, 0);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.tap_rx_frames, 2);
	assert_int_equal(st.tap_tx_frames, 14 + 46);
}

static void test_sw_gso(void **state)
{
	struct fx *f = *state;
	struct worker_offloads o = offloads_all;
	struct worker_stats st;

	o.tso4 = false;
	start(f, 0, &o, 1, NULL);
	gso_round(f, 20000, 3);
	gso_round(f, 1000, 4); /* one segment */
	wait_stat(f, offsetof(struct worker_stats, tap_tx_frames), 15);
	wait_settled(f);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_sw_gso, 2);
	assert_int_equal(st.tx_sw_gso_segs, 14 + 1);
	assert_int_equal(st.tap_tx_frames, 15);
	assert_int_equal(st.tx_dropped, 0);
	/* Larger than the segment pool holds (128 segments of 1 byte): dropped, counted. */
	{
		const struct pkt_flow fl = { 1, 2, 3, 4 };
		static uint8_t frame[2000];
		size_t len = pkt_tcp4(frame, &fl, 1, 200, 1, 1);
		struct tap_vnet vh = {
			.gso_type = VIRTIO_NET_HDR_GSO_TCPV4, .needs_csum = true, .gso_size = 1,
			.csum_start = 34, .csum_offset = 16,
		};

		send_dgram(f, &vh, frame, len);
		wait_stat(f, offsetof(struct worker_stats, tx_dropped), 1);
	}
	wait_settled(f);
}

/* A partial UDP checksum, completed by the device or in software: the frame
 * arrives exactly as if it had been checksummed from the start. */
static void csum_round(struct fx *f, unsigned int i)
{
	const struct pkt_flow fl = { 0xc0a80001, 0xc0a80002, 4444, 5555 };
	static uint8_t want[2000], frame[2000];
	size_t len = pkt_udp4(want, &fl, 100 + i * 111, i, 0), n;
	uint8_t *udp = frame + 34;
	struct tap_vnet vh = { .needs_csum = true, .csum_start = 34, .csum_offset = 6 };
	uint16_t seed;

	memcpy(frame, want, len);
	seed = (uint16_t)~pkt_csum(NULL, 0, pseudo_sum4(frame + 14, 17, len - 34));
	udp[6] = (uint8_t)(seed >> 8);
	udp[7] = (uint8_t)seed;
	send_dgram(f, &vh, frame, len);
	n = recv_frame(f, true);
	assert_int_equal(n, len);
	assert_int_equal(pkt_check_ip4_l4(f->rx + TAP_VNET_HDR_LEN, n), 0);
	assert_memory_equal(f->rx + TAP_VNET_HDR_LEN, want, len);
}

static void test_csum(void **state)
{
	struct fx *f = *state;
	struct worker_offloads o = offloads_all;
	struct worker_stats st;

	o.tx_csum4 = false;
	start(f, 0, &o, 1, NULL);
	for (unsigned int i = 0; i < 5; i++)
		csum_round(f, i);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_sw_csum, 5);

	/* The same with the device's partial checksum offload. */
	worker_stop(f->w);
	worker_set_offloads(f->w, &offloads_all);
	assert_int_equal(worker_start(f->w), 0);
	for (unsigned int i = 0; i < 5; i++)
		csum_round(f, i + 5);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_sw_csum, 5);
	assert_int_equal(st.tx_dropped, 0);
}

static void test_csum_device_without_offload(void **state)
{
	static const char *const no_tx_offloads[] = { "--tx-offloads", "0", NULL };
	struct fx *f = *state;
	struct worker_offloads o = offloads_all;
	struct worker_stats st;

	/* What the port derives from a device without TX offloads. */
	o.tx_csum4 = o.tx_csum6 = o.tso4 = o.tso6 = o.tso_ecn = false;
	start(f, 0, &o, 1, no_tx_offloads);
	assert_int_equal(ena_dev_attrs(f->dev)->offload.tx, 0);
	csum_round(f, 1);
	gso_round(f, 5000, 9);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_sw_csum, 1);
	assert_int_equal(st.tx_sw_gso, 1);
	assert_int_equal(st.tx_dropped, 0);
}

static void test_rx_csum(void **state)
{
	struct fx *f = *state;
	const struct pkt_flow fl = { 0x0a000001, 0x0a000002, 7, 8 };
	const struct tap_vnet plain = { 0 };
	static uint8_t frame[2000];
	struct worker_offloads o = offloads_all;
	struct worker_stats st;
	size_t len;

	start(f, 0, &offloads_all, 1, NULL);
	/* verified good */
	len = pkt_udp4(frame, &fl, 300, 1, 0);
	send_dgram(f, &plain, frame, len);
	assert_int_equal(recv_frame(f, true), len);
	/* bad: delivered anyway, without DATA_VALID, counted */
	frame[len - 1] ^= 0x5a;
	send_dgram(f, &plain, frame, len);
	assert_int_equal(recv_frame(f, false), len);
	assert_memory_equal(f->rx + TAP_VNET_HDR_LEN, frame, len);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.rx_csum_bad, 1);
	/* not TCP/UDP: nothing verified */
	len = pkt_udp4(frame, &fl, 300, 2, 0);
	frame[14 + 9] = 47; /* GRE: the device checks no L4 checksum */
	frame[14 + 10] = frame[14 + 11] = 0;
	{
		uint16_t c = pkt_csum(frame + 14, 20, 0);

		frame[14 + 10] = (uint8_t)(c >> 8);
		frame[14 + 11] = (uint8_t)c;
	}
	send_dgram(f, &plain, frame, len);
	assert_int_equal(recv_frame(f, false), len);
	/* rx_csum off: verdicts not trusted */
	worker_stop(f->w);
	o.rx_csum = false;
	worker_set_offloads(f->w, &o);
	assert_int_equal(worker_start(f->w), 0);
	len = pkt_udp4(frame, &fl, 300, 3, 0);
	send_dgram(f, &plain, frame, len);
	assert_int_equal(recv_frame(f, false), len);
}

/* ---- stop/start under traffic ---- */

struct traffic {
	struct fx *f;
	bool stop;
	uint64_t written, read;
};

/* Keep the worker busy: write frames whenever the socket takes them and
 * read back whatever comes. */
static void *traffic_main(void *arg)
{
	struct traffic *t = arg;
	uint8_t *buf = malloc(MAX_DGRAM);
	unsigned int i = 0;

	if (!buf)
		return NULL;
	while (!__atomic_load_n(&t->stop, __ATOMIC_RELAXED)) {
		struct pollfd p = { .fd = t->f->sv[1], .events = POLLIN | POLLOUT };
		size_t len;

		memset(buf, 0, TAP_VNET_HDR_LEN);
		len = udp_frame(buf + TAP_VNET_HDR_LEN, i);
		if (send(t->f->sv[1], buf, TAP_VNET_HDR_LEN + len, MSG_DONTWAIT) > 0) {
			i++;
			__atomic_store_n(&t->written, t->written + 1, __ATOMIC_RELAXED);
		}
		while (recv(t->f->sv[1], buf, MAX_DGRAM, MSG_DONTWAIT) > 0)
			__atomic_store_n(&t->read, t->read + 1, __ATOMIC_RELAXED);
		poll(&p, 1, 1);
	}
	free(buf);
	return NULL;
}

static void test_stop_start_under_traffic(void **state)
{
	struct fx *f = *state;
	struct traffic t = { .f = f };
	struct worker_stats st;
	pthread_t th;
	unsigned int seed = 7;

	start(f, 0, &offloads_all, 1, NULL);
	assert_int_equal(pthread_create(&th, NULL, traffic_main, &t), 0);
	for (int i = 0; i < 25; i++) {
		sleep_ms(1 + (unsigned int)rand_r(&seed) % 10);
		worker_stop(f->w);
		check_buffers_stopped(f, true);
		worker_stop(f->w); /* idempotent */
		assert_int_equal(worker_start(f->w), 0);
	}
	__atomic_store_n(&t.stop, true, __ATOMIC_RELAXED);
	pthread_join(th, NULL);
	assert_true(t.written > 0);

	/* Every frame written was taken, and every buffer comes home. */
	wait_stat(f, offsetof(struct worker_stats, tap_rx_frames), t.written);
	wait_settled(f);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tap_rx_frames, t.written);
	assert_int_equal(st.tx_dropped, 0);
	worker_stop(f->w);
	check_buffers_stopped(f, true);
	assert_int_equal(ena_rxq_free_slots(ena_qpair_rxq(f->qp)), 0);
	assert_int_equal(ena_txq_free_entries(ena_qpair_txq(f->qp)), DEPTH - 1);

	/* And it still moves traffic. */
	assert_int_equal(worker_start(f->w), 0);
	while (recv_dgram(f, 0) >= 0)
		;
	for (unsigned int i = 0; i < 50; i++) {
		const struct tap_vnet plain = { 0 };
		static uint8_t frame[9100];
		size_t len = udp_frame(frame, i);

		send_dgram(f, &plain, frame, len);
		assert_int_equal(recv_frame(f, true), len);
		assert_memory_equal(f->rx + TAP_VNET_HDR_LEN, frame, len);
	}
}

/* More frames than the TX ring holds: the rest wait for completions
 * (-ENOSPC), none is lost or reordered. */
static void test_ring_full_keeps_frames(void **state)
{
	enum { BURST = 48, ROUNDS = 4 };
	static uint8_t sent[BURST][1600];
	static size_t sent_len[BURST];
	const struct tap_vnet plain = { 0 };
	struct fx *f = *state;
	struct ena_txq_stats ts;
	struct worker_stats st;

	f->tx_depth = 16;
	f->tx_slots = 64;
	start(f, 0, &offloads_all, 1, NULL);
	for (unsigned int r = 0; r < ROUNDS; r++) {
		/* queued while stopped, so that one pass reads WORKER_BURST at once */
		worker_stop(f->w);
		for (unsigned int i = 0; i < BURST; i++) {
			unsigned int k = r * BURST + i;

			sent_len[i] = pkt_udp4(sent[i], &(struct pkt_flow){ 1, 2, 3, 4 },
					       18 + (k * 37) % 1400, k, 0);
			send_dgram(f, &plain, sent[i], sent_len[i]);
		}
		assert_int_equal(worker_start(f->w), 0);
		for (unsigned int i = 0; i < BURST; i++) {
			size_t len = recv_frame(f, true);

			if (len != sent_len[i] || memcmp(f->rx + TAP_VNET_HDR_LEN, sent[i], len) != 0)
				fail_msg("round %u frame %u came back wrong (%zu bytes, sent %zu)", r, i,
					 len, sent_len[i]);
		}
	}
	wait_settled(f);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_dropped, 0);
	assert_int_equal(st.tap_rx_frames, BURST * ROUNDS);
	ena_txq_get_stats(ena_qpair_txq(f->qp), &ts);
	assert_true(ts.v[ENA_TXQ_STAT_QUEUE_STOP] > 0); /* the ring did fill */
	worker_stop(f->w);
	check_buffers_stopped(f, true);
}

static void wait_heartbeat_moves(struct fx *f)
{
	uint64_t h0 = worker_heartbeat(f->w), deadline = now_ms() + DEADLINE_MS;

	while (worker_heartbeat(f->w) == h0) {
		if (now_ms() >= deadline)
			fail_msg("heartbeat stuck at %llu", (unsigned long long)h0);
		sleep_ms(10);
	}
}

static void test_heartbeat_and_stall(void **state)
{
	struct fx *f = *state;
	uint64_t h;

	start(f, 0, &offloads_all, 1, NULL);
	/* idle: the heartbeat still moves (sleeps are at most one heartbeat) */
	wait_heartbeat_moves(f);
	wait_heartbeat_moves(f);
	worker_stall(f->w);
	assert_true(worker_running(f->w));
	h = worker_heartbeat(f->w);
	sleep_ms(3 * WORKER_HEARTBEAT_MS);
	assert_int_equal(worker_heartbeat(f->w), h);
	/* a stalled worker still stops, and starts again healthy */
	worker_stop(f->w);
	assert_false(worker_running(f->w));
	assert_int_equal(worker_start(f->w), 0);
	wait_heartbeat_moves(f);
}

static void test_queue_failure(void **state)
{
	struct fx *f = *state;
	const struct pkt_flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	const struct tap_vnet plain = { 0 };
	static uint8_t frame[200];
	struct pollfd p;
	enum ena_reset_reason why;
	uint64_t v = 0;
	size_t len = pkt_udp4(frame, &fl, 100, 1, 0);

	start(f, 0, &offloads_all, 1, NULL);
	assert_false(worker_failed(f->w));
	assert_int_equal(sim_ctl(&f->sim, NULL, "corrupt", "tx-req-id", NULL), 0);
	send_dgram(f, &plain, frame, len);
	p = (struct pollfd){ .fd = f->notify, .events = POLLIN };
	assert_int_equal(poll(&p, 1, DEADLINE_MS), 1);
	assert_int_equal(read(f->notify, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	assert_true(worker_failed(f->w));
	assert_true(ena_txq_failed(ena_qpair_txq(f->qp), &why));
	assert_int_equal(why, ENA_RESET_INV_TX_REQ_ID);
	/* it keeps its heartbeat, touches nothing, and stops when asked */
	wait_heartbeat_moves(f);
	assert_true(worker_running(f->w));
	worker_stop(f->w);
	assert_false(worker_running(f->w));
	/* one notification only */
	assert_int_equal(read(f->notify, &v, sizeof(v)), -1);
}

static void test_idle_sleeps(void **state)
{
	struct fx *f = *state;
	const struct pkt_flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	const struct tap_vnet plain = { 0 };
	static uint8_t frame[200];
	struct worker_stats a, b;
	struct ena_txq_stats ts;
	size_t len = pkt_udp4(frame, &fl, 100, 1, 0);

	start(f, 0, &offloads_all, 1, NULL);
	send_dgram(f, &plain, frame, len);
	assert_int_equal(recv_frame(f, true), len);
	wait_settled(f);
	wait_heartbeat_moves(f);
	worker_get_stats(f->w, &a);
	sleep_ms(300);
	worker_get_stats(f->w, &b);
	/* Not spinning: a sleeping worker wakes about once per heartbeat;
	 * a spinning one thousands of times. */
	if (b.wakeups - a.wakeups > 10)
		fail_msg("%llu wakeups over a quiet 300 ms: the worker spins",
			 (unsigned long long)(b.wakeups - a.wakeups));
	assert_int_equal(b.busy_polls, a.busy_polls);
	/* it re-armed its interrupt before sleeping */
	ena_txq_get_stats(ena_qpair_txq(f->qp), &ts);
	assert_true(ts.v[ENA_TXQ_STAT_UNMASK_INTERRUPT] > 0);

	/* With a busy-poll window it keeps polling after work. */
	worker_set_busy_poll(f->w, 2000);
	send_dgram(f, &plain, frame, len);
	assert_int_equal(recv_frame(f, true), len);
	wait_stat(f, offsetof(struct worker_stats, busy_polls), a.busy_polls + 1);
}

/* Without an interrupt the worker polls on its own. */
static void test_no_irq(void **state)
{
	struct fx *f = *state;
	unsigned int i;

	start(f, 0, &offloads_all, 0, NULL);
	for (i = 0; i < 100; i++) {
		const struct tap_vnet plain = { 0 };
		static uint8_t frame[9100];
		size_t len = udp_frame(frame, i);

		send_dgram(f, &plain, frame, len);
		assert_int_equal(recv_frame(f, true), len);
		assert_memory_equal(f->rx + TAP_VNET_HDR_LEN, frame, len);
	}
	wait_settled(f);
}

static void test_malformed_dropped(void **state)
{
	struct fx *f = *state;
	const struct pkt_flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	static uint8_t frame[200];
	struct worker_stats st;
	size_t len = pkt_udp4(frame, &fl, 100, 1, 0);
	struct tap_vnet vh = { .needs_csum = true, .csum_start = 34, .csum_offset = 6 };
	uint8_t junk[4] = { 1, 2, 3, 4 };

	start(f, 0, &offloads_all, 1, NULL);
	frame[14] = 0x43; /* IHL 3 */
	send_dgram(f, &vh, frame, len);
	/* shorter than a virtio-net header */
	assert_int_equal(send(f->sv[1], junk, sizeof(junk), 0), (ssize_t)sizeof(junk));
	/* a bad GSO type */
	vh = (struct tap_vnet){ .gso_type = 0x42, .gso_size = 100 };
	send_dgram(f, &vh, frame, len);
	wait_stat(f, offsetof(struct worker_stats, tx_dropped), 3);
	/* and a sound frame still goes */
	len = pkt_udp4(frame, &fl, 100, 1, 0);
	vh = (struct tap_vnet){ 0 };
	send_dgram(f, &vh, frame, len);
	assert_int_equal(recv_frame(f, true), len);
	wait_stat(f, offsetof(struct worker_stats, tap_tx_frames), 1);
	wait_settled(f);
	worker_get_stats(f->w, &st);
	assert_int_equal(st.tx_dropped, 3);
	assert_int_equal(st.tap_rx_frames, 4);
	assert_int_equal(st.tap_tx_frames, 1);
}

static void test_create_rejects_bad_params(void **state)
{
	struct fx *f = *state;
	struct worker_params wp;
	struct worker *w = (struct worker *)0x1;

	start(f, 0, &offloads_all, 1, NULL);
	/* worker_create() is a control-path call: the pair's own worker must
	 * be quiesced while another create looks at its rings */
	worker_stop(f->w);
	wp = (struct worker_params){
		.dev = f->dev, .qp = f->qp, .tap_fd = f->sv[0], .notify_fd = -1, .numa_node = -1,
		.mtu = 0, .log = &f->log,
	};
	assert_int_equal(worker_create(&wp, &w), -EINVAL);
	assert_non_null(strstr(last_log, "mtu 0"));
	assert_non_null(strstr(last_log, "allowed"));
	wp.mtu = 70000;
	assert_int_equal(worker_create(&wp, &w), -EINVAL);
	assert_non_null(strstr(last_log, "mtu 70000"));
	wp.mtu = MTU;
	wp.tx_slots = 100000;
	assert_int_equal(worker_create(&wp, &w), -EINVAL);
	assert_non_null(strstr(last_log, "tx_slots 100000"));
	wp.tx_slots = 0;
	wp.tap_fd = -1;
	assert_int_equal(worker_create(&wp, &w), -EINVAL);
	/* the ring is already full (our worker posted every buffer) */
	wp.tap_fd = f->sv[0];
	assert_int_equal(worker_create(&wp, &w), -EINVAL);
	assert_ptr_equal(w, (struct worker *)0x1);
}

static void test_stats_names(void **state)
{
	struct worker_stats s;
	uint64_t *v = (uint64_t *)&s;
	unsigned int n = sizeof(s) / sizeof(uint64_t);

	for (unsigned int i = 0; i < n; i++)
		v[i] = 1000 + i;
	for (unsigned int i = 0; i < n; i++) {
		assert_non_null(worker_stats_name(i));
		assert_int_equal(worker_stats_value(&s, i), 1000 + i);
		for (unsigned int j = 0; j < i; j++)
			assert_string_not_equal(worker_stats_name(i), worker_stats_name(j));
	}
	assert_null(worker_stats_name(n));
	assert_string_equal(worker_stats_name(0), "tap_rx_frames");
	assert_int_equal(worker_stats_value(&s, 0), s.tap_rx_frames);
	assert_string_equal(worker_stats_name(11), "busy_polls");
	assert_int_equal(worker_stats_value(&s, 11), s.busy_polls);
	(void)state;
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_echo_host),
		T(test_echo_llq),
		T(test_tso),
		T(test_sw_gso),
		T(test_csum),
		T(test_csum_device_without_offload),
		T(test_rx_csum),
		T(test_stop_start_under_traffic),
		T(test_ring_full_keeps_frames),
		T(test_heartbeat_and_stall),
		T(test_queue_failure),
		T(test_idle_sleeps),
		T(test_no_irq),
		T(test_malformed_dropped),
		T(test_create_rejects_bad_params),
		cmocka_unit_test(test_stats_names),
	};

	log_set_level(LOG_WARNING);
	log_set_capture(log_keep, NULL);
	return cmocka_run_group_tests_name("worker", tests, NULL, NULL);
}
