/* SPDX-License-Identifier: MIT */
/* libena's datapath against enasim's IO engine over the loop wire: frames of
 * every size come back byte-exact in host, normal-LLQ and large-LLQ
 * placement; checksum offload and TSO produce correct packets; RSS steers
 * flows where the table says; datapath faults give the right reset reason. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include <ena/eth.h>

#include "pkt.h"
#include "plat.h"
#include "sim_harness.h"

#define NQ 4
#define DEPTH 256
#define RX_BUF 2048
#define TX_SLOT 16384
#define TX_SLOTS 64
#define MAX_FRAME 65536

struct fx {
	struct sim sim;
	struct ena_dev *dev;
	struct ena_qpair *qp[NQ];
	int irq[NQ];
	struct ena_dma_mem tx_mem, rx_mem;
	uint8_t frame[MAX_FRAME];
};

static const struct ena_dev_params params = { .numa_node = -1 };

/* Post every RX buffer of queue @q (DEPTH - 1 of them, cookies are buffer
 * indices within the queue's share of rx_mem). */
static void rx_fill(struct fx *f, unsigned int q)
{
	struct ena_rx_buf bufs[DEPTH];
	unsigned int n = ena_rxq_free_slots(ena_qpair_rxq(f->qp[q]));

	for (unsigned int i = 0; i < n; i++) {
		uint64_t cookie = (uint64_t)q * DEPTH + i;

		bufs[i] = (struct ena_rx_buf){
			.iova = f->rx_mem.iova + cookie * RX_BUF, .len = RX_BUF, .cookie = cookie,
		};
	}
	assert_int_equal(ena_rxq_refill(ena_qpair_rxq(f->qp[q]), bufs, n), n);
}

static int start(struct fx *f, unsigned int llq_entry, const char *const *extra)
{
	const char *args[24] = { "--wire", "loop", "--queues", "4", NULL };
	int n = 4, r;

	for (; extra && *extra; extra++)
		args[n++] = *extra;
	args[n] = NULL;
	memset(f, 0, sizeof(*f));
	if (sim_start(&f->sim, args) < 0)
		return -1;
	if ((r = ena_dev_open(f->sim.devstr, &f->dev)) < 0 || (r = ena_dev_init(f->dev, &params)) < 0) {
		fprintf(stderr, "bring-up: %s\n", ena_error_last());
		return -1;
	}
	if (llq_entry && (r = ena_dev_set_llq(f->dev, llq_entry)) < 0) {
		fprintf(stderr, "llq: %s\n", ena_error_last());
		return -1;
	}
	if (ena_dev_dma_alloc(f->dev, (size_t)TX_SLOTS * TX_SLOT, -1, &f->tx_mem) < 0 ||
	    ena_dev_dma_alloc(f->dev, (size_t)NQ * DEPTH * RX_BUF, -1, &f->rx_mem) < 0)
		return -1;
	for (unsigned int q = 0; q < NQ; q++) {
		struct ena_qpair_params p = {
			.index = q, .tx_depth = DEPTH, .rx_depth = DEPTH, .numa_node = -1,
			.llq_entry_size = llq_entry,
		};

		f->irq[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		p.irq_fd = f->irq[q];
		if ((r = ena_qpair_create(f->dev, &p, &f->qp[q])) < 0) {
			fprintf(stderr, "qpair %u: %s\n", q, ena_error_last());
			return -1;
		}
		rx_fill(f, q);
		ena_qpair_unmask(f->qp[q], 0);
	}
	return 0;
}

static int setup_host(void **state)
{
	struct fx *f = malloc(sizeof(*f));

	*state = f;
	return start(f, 0, NULL);
}

static int setup_llq128(void **state)
{
	struct fx *f = malloc(sizeof(*f));

	*state = f;
	return start(f, 128, NULL);
}

static int setup_llq256(void **state)
{
	static const char *const large[] = { "--llq-entry", "256", NULL };
	struct fx *f = malloc(sizeof(*f));

	*state = f;
	return start(f, 256, large);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	for (unsigned int q = 0; q < NQ; q++) {
		if (f->qp[q])
			ena_qpair_destroy(f->qp[q]);
		if (f->irq[q] > 0)
			close(f->irq[q]);
	}
	ena_dev_dma_free(&f->tx_mem);
	ena_dev_dma_free(&f->rx_mem);
	ena_dev_close(f->dev);
	sim_stop(&f->sim);
	free(f);
	return 0;
}

/* Copy @len bytes of @frame into TX slot @slot split in @nbufs buffers and
 * post it with @tmpl's offload fields. */
static int tx_frame(struct fx *f, unsigned int q, unsigned int slot, const uint8_t *frame, size_t len,
		    unsigned int nbufs, const struct ena_tx_pkt *tmpl)
{
	struct ena_tx_buf bufs[ENA_MAX_SGL];
	struct ena_tx_pkt pkt = tmpl ? *tmpl : (struct ena_tx_pkt){ 0 };
	uint8_t *base = (uint8_t *)f->tx_mem.va + (size_t)slot * TX_SLOT;
	uint64_t iova = f->tx_mem.iova + (uint64_t)slot * TX_SLOT;
	size_t off = 0;

	assert_true(len <= (size_t)TX_SLOT * 4);
	memcpy(base, frame, len);
	for (unsigned int i = 0; i < nbufs; i++) {
		size_t chunk = i == nbufs - 1 ? len - off : len / nbufs;

		bufs[i] = (struct ena_tx_buf){ .iova = iova + off, .va = base + off, .len = (uint32_t)chunk };
		off += chunk;
	}
	pkt.bufs = bufs;
	pkt.nr_bufs = nbufs;
	pkt.cookie = slot;
	return ena_txq_post(ena_qpair_txq(f->qp[q]), &pkt, 1);
}

/* Reap TX completions until @want came back (bounded wait). */
static unsigned int tx_reap(struct fx *f, unsigned int q, unsigned int want)
{
	uint64_t cookies[64];
	unsigned int got = 0;

	for (int i = 0; i < 500 && got < want; i++) {
		int n = ena_txq_poll(ena_qpair_txq(f->qp[q]), cookies, 64);

		if (n < 0)
			return got;
		got += (unsigned int)n;
		if (got < want)
			usleep(2000);
	}
	return got;
}

struct rx_frame {
	size_t len;
	unsigned int queue;
	uint32_t hash;
	uint8_t csum, l3, l4;
	uint8_t data[MAX_FRAME];
};

/* Wait (bounded) for the next received frame on any queue; reassemble it,
 * give its buffers back, unmask. Returns 0, -EAGAIN when none came, or the
 * poll error. */
static int rx_next(struct fx *f, struct rx_frame *out)
{
	for (int tries = 0; tries < 2500; tries++) {
		for (unsigned int q = 0; q < NQ; q++) {
			struct ena_rx_pkt pkt;
			struct ena_rx_seg segs[64];
			uint64_t v;
			int n = ena_rxq_poll(ena_qpair_rxq(f->qp[q]), &pkt, 1, segs, 64);

			if (n < 0)
				return n;
			if (n == 0)
				continue;
			out->len = 0;
			for (unsigned int s = 0; s < pkt.nr_segs; s++) {
				const struct ena_rx_seg *sg = &segs[pkt.seg + s];
				const uint8_t *src = (const uint8_t *)f->rx_mem.va + sg->cookie * RX_BUF;

				if (s == 0)
					src += pkt.offset;
				assert_true(out->len + sg->len <= sizeof(out->data));
				memcpy(out->data + out->len, src, sg->len);
				out->len += sg->len;
			}
			assert_int_equal(out->len, pkt.len);
			out->queue = q;
			out->hash = pkt.hash;
			out->csum = pkt.csum;
			out->l3 = pkt.l3_proto;
			out->l4 = pkt.l4_proto;
			rx_fill(f, q);
			(void)!read(f->irq[q], &v, sizeof(v));
			ena_qpair_unmask(f->qp[q], 0);
			return 0;
		}
		{
			struct pollfd p[NQ];

			for (unsigned int q = 0; q < NQ; q++)
				p[q] = (struct pollfd){ .fd = f->irq[q], .events = POLLIN };
			/* A vector nobody drains (queue 0's TX completions)
			 * keeps poll() from sleeping: pace the retries. */
			if (poll(p, NQ, 25) > 0)
				usleep(2000);
		}
	}
	return -EAGAIN;
}

static struct rx_frame rx;

/* Send frames of every size and buffer split; each must come back exact. */
static void loop_sizes(struct fx *f)
{
	static const size_t sizes[] = { 60, 64, 97, 128, 200, 239, 1514, 4000, 9014, 9230 };
	static const unsigned int splits[] = { 1, 2, 3, 5 };
	struct pkt_flow flow = { 0x0a000001, 0x0a000002, 1000, 2000 };
	unsigned int slot = 0, sent = 0;

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t s = 0; s < sizeof(splits) / sizeof(splits[0]); s++) {
			size_t payload = sizes[i] - PKT_ETH_LEN - PKT_IP4_LEN - PKT_UDP_LEN;
			size_t len = pkt_udp4(f->frame, &flow, payload, (uint32_t)(i * 10 + s), 0);

			if (splits[s] > 1 && len / splits[s] < 1)
				continue;
			assert_int_equal(len, sizes[i]);
			assert_int_equal(tx_frame(f, 0, slot, f->frame, len, splits[s], NULL), 1);
			slot = (slot + 1) % TX_SLOTS;
			sent++;
			assert_int_equal(rx_next(f, &rx), 0);
			if (rx.len != len || memcmp(rx.data, f->frame, len) != 0)
				fail_msg("frame of %zu bytes in %u buffers came back as %zu bytes%s", len,
					 splits[s], rx.len, rx.len == len ? " with different bytes" : "");
			assert_int_equal(rx.l3, ENA_L3_PROTO_IPV4);
			assert_int_equal(rx.l4, ENA_L4_PROTO_UDP);
			assert_int_equal(rx.csum, ENA_RX_CSUM_GOOD);
		}
	}
	assert_int_equal(tx_reap(f, 0, sent), sent);
}

static void test_loop_host(void **state)
{
	loop_sizes(*state);
}

static void test_loop_llq_normal(void **state)
{
	struct fx *f = *state;
	struct ena_txq_stats st;

	loop_sizes(f);
	/* Headers over 96 bytes split across buffers needed the copy path. */
	ena_txq_get_stats(ena_qpair_txq(f->qp[0]), &st);
	assert_true(st.v[ENA_TXQ_STAT_LLQ_BUFFER_COPY] > 0);
}

static void test_loop_llq_large(void **state)
{
	loop_sizes(*state);
}

static void test_checksum_offload(void **state)
{
	struct fx *f = *state;
	const struct ena_dev_attrs *a = ena_dev_attrs(f->dev);
	struct pkt_flow flow = { 0xc0a80001, 0xc0a80002, 4444, 5555 };
	struct ena_tx_pkt t = {
		.flags = ENA_TX_PKT_L3_CSUM | ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_DF,
		.l3_proto = ENA_L3_PROTO_IPV4, .l4_proto = ENA_L4_PROTO_UDP,
		.l3_hdr_off = PKT_ETH_LEN, .l3_hdr_len = PKT_IP4_LEN,
	};
	size_t len;

	assert_true(a->offload.tx & ENA_OFFLOAD_TX_L4_IPV4_CSUM_FULL);
	/* UDP with both checksums left at zero: the device fills them. */
	len = pkt_udp4(f->frame, &flow, 1000, 7, 1);
	assert_int_not_equal(pkt_check_ip4_l4(f->frame, len), 0);
	assert_int_equal(tx_frame(f, 0, 0, f->frame, len, 2, &t), 1);
	assert_int_equal(rx_next(f, &rx), 0);
	assert_int_equal(rx.len, len);
	assert_int_equal(pkt_check_ip4_l4(rx.data, rx.len), 0);
	assert_int_equal(rx.csum, ENA_RX_CSUM_GOOD);
	/* The payload is untouched. */
	assert_memory_equal(rx.data + 42, f->frame + 42, len - 42);

	/* TCP with the pseudo-header sum as seed (Linux's partial mode). */
	len = pkt_tcp4(f->frame, &flow, 1000, 1200, 9, 1);
	t.flags = ENA_TX_PKT_L3_CSUM | ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL | ENA_TX_PKT_DF;
	t.l4_proto = ENA_L4_PROTO_TCP;
	assert_int_equal(tx_frame(f, 0, 1, f->frame, len, 1, &t), 1);
	assert_int_equal(rx_next(f, &rx), 0);
	assert_int_equal(pkt_check_ip4_l4(rx.data, rx.len), 0);
	assert_int_equal(rx.l4, ENA_L4_PROTO_TCP);

	/* A frame sent with a wrong checksum and no offload arrives marked bad. */
	len = pkt_udp4(f->frame, &flow, 100, 3, 0);
	f->frame[len - 1] ^= 0xff;
	assert_int_equal(tx_frame(f, 0, 2, f->frame, len, 1, NULL), 1);
	assert_int_equal(rx_next(f, &rx), 0);
	assert_int_equal(rx.csum, ENA_RX_CSUM_BAD);
	assert_int_equal(tx_reap(f, 0, 3), 3);
}

static void test_tso(void **state)
{
	struct fx *f = *state;
	struct pkt_flow flow = { 0xc0a80101, 0xc0a80102, 40000, 80 };
	const size_t payload = 64000, mss = 1448;
	const uint32_t seq = 0x10000000;
	struct ena_tx_pkt t = {
		.flags = ENA_TX_PKT_TSO | ENA_TX_PKT_L3_CSUM | ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_DF,
		.l3_proto = ENA_L3_PROTO_IPV4, .l4_proto = ENA_L4_PROTO_TCP,
		.l3_hdr_off = PKT_ETH_LEN, .l3_hdr_len = PKT_IP4_LEN, .l4_hdr_len = PKT_TCP_LEN,
		.mss = (uint16_t)mss,
	};
	size_t len = pkt_tcp4(f->frame, &flow, seq, payload, 42, 0), got = 0;
	unsigned int nseg = 0;

	assert_int_equal(tx_frame(f, 0, 0, f->frame, len, 4, &t), 1);
	while (got < payload) {
		const uint8_t *tcp;
		size_t seg_payload;
		uint32_t s;

		assert_int_equal(rx_next(f, &rx), 0);
		nseg++;
		seg_payload = rx.len - PKT_ETH_LEN - PKT_IP4_LEN - PKT_TCP_LEN;
		/* Every segment but the last carries exactly one MSS. */
		if (got + seg_payload < payload)
			assert_int_equal(seg_payload, mss);
		assert_int_equal(pkt_check_ip4_l4(rx.data, rx.len), 0);
		tcp = rx.data + PKT_ETH_LEN + PKT_IP4_LEN;
		s = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
		assert_int_equal(s, seq + got);
		/* PSH only on the last segment. */
		assert_int_equal(!!(tcp[13] & 0x08), got + seg_payload == payload);
		for (size_t i = 0; i < seg_payload; i++)
			if (tcp[PKT_TCP_LEN + i] != pkt_pattern(42, got + i))
				fail_msg("segment %u payload byte %zu differs", nseg, i);
		got += seg_payload;
	}
	assert_int_equal(got, payload);
	assert_int_equal(nseg, (payload + mss - 1) / mss);
	assert_int_equal(tx_reap(f, 0, 1), 1);
}

static uint32_t flow_hash(const struct pkt_flow *fl)
{
	uint8_t t[12] = {
		fl->saddr >> 24, fl->saddr >> 16, fl->saddr >> 8, fl->saddr,
		fl->daddr >> 24, fl->daddr >> 16, fl->daddr >> 8, fl->daddr,
		fl->sport >> 8, fl->sport, fl->dport >> 8, fl->dport,
	};

	return ena_rss_toeplitz(ms_rss_key, t, sizeof(t));
}

/* Set table entry i to queue (i + shift) % NQ and send the Microsoft flows:
 * each must land on the queue its hash selects, carrying that hash. */
static void rss_round(struct fx *f, unsigned int shift)
{
	static const struct pkt_flow flows[] = {
		{ 0x420995bb, 0xa18e6450, 2794, 1766 },  /* 66.9.149.187 -> 161.142.100.80 */
		{ 0xc75c6f02, 0x41458c53, 14230, 4739 }, /* 199.92.111.2 -> 65.69.140.83 */
		{ 0x1813c65f, 0x0c16cfb8, 12898, 38024 },/* 24.19.198.95 -> 12.22.207.184 */
		{ 0x261bcd1e, 0xd18ea306, 48228, 2217 }, /* 38.27.205.30 -> 209.142.163.6 */
		{ 0x9927a3bf, 0xcabc7f02, 44251, 1303 }, /* 153.39.163.191 -> 202.188.127.2 */
	};
	static const uint32_t ms_hash[] = { 0x51ccc178, 0xc626b0ea, 0x5c2b394a, 0xafc7327f, 0x10e828a2 };
	uint16_t table[128];

	for (unsigned int i = 0; i < 128; i++)
		table[i] = ena_qpair_rx_sq_idx(f->qp[(i + shift) % NQ]);
	assert_int_equal(ena_rss_set_indir(f->dev, table, 7), 0);
	for (size_t i = 0; i < sizeof(flows) / sizeof(flows[0]); i++) {
		uint32_t h = flow_hash(&flows[i]);
		size_t len = pkt_udp4(f->frame, &flows[i], 32, (uint32_t)i, 0);

		assert_int_equal(h, ms_hash[i]);
		assert_int_equal(tx_frame(f, 0, (unsigned int)i, f->frame, len, 1, NULL), 1);
		assert_int_equal(rx_next(f, &rx), 0);
		assert_int_equal(rx.hash, h);
		if (rx.queue != ((h & 127) + shift) % NQ)
			fail_msg("flow %zu hash %#x landed on queue %u, table says %u", i, h, rx.queue,
				 ((h & 127) + shift) % NQ);
	}
	assert_int_equal(tx_reap(f, 0, 5), 5);
}

static void test_rss_steering(void **state)
{
	struct fx *f = *state;
	uint16_t fields[ENA_RSS_PROTO_NUM] = { 0 };

	assert_int_equal(ena_rss_set_function(f->dev, ENA_HASH_TOEPLITZ, ms_rss_key, 0), 0);
	for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++)
		fields[p] = p <= ENA_RSS_UDP6 ? 0x3c : (p <= ENA_RSS_IP4_FRAG ? 0x0c : 0);
	/* No sorting: plain Toeplitz over (src, dst, sport, dport). */
	assert_int_equal(ena_rss_set_hash_input(f->dev, fields, 0), 0);
	rss_round(f, 0);
	rss_round(f, 1); /* the same flows move with the table */
}

static void send_one(struct fx *f, unsigned int slot)
{
	struct pkt_flow flow = { 0x0a000001, 0x0a000002, 1, 2 };
	size_t len = pkt_udp4(f->frame, &flow, 100, slot, 0);

	assert_int_equal(tx_frame(f, 0, slot, f->frame, len, 1, NULL), 1);
}

static void test_fault_tx_req_id(void **state)
{
	struct fx *f = *state;
	enum ena_reset_reason why;
	struct ena_txq_stats st;
	uint64_t c[8];
	int r = 0;

	assert_int_equal(sim_ctl(&f->sim, NULL, "corrupt", "tx-req-id", NULL), 0);
	send_one(f, 0);
	for (int i = 0; i < 500 && r == 0; i++, usleep(2000))
		r = ena_txq_poll(ena_qpair_txq(f->qp[0]), c, 8);
	assert_int_equal(r, -EPROTO);
	assert_true(ena_txq_failed(ena_qpair_txq(f->qp[0]), &why));
	assert_int_equal(why, ENA_RESET_INV_TX_REQ_ID);
	ena_txq_get_stats(ena_qpair_txq(f->qp[0]), &st);
	assert_int_equal(st.v[ENA_TXQ_STAT_BAD_REQ_ID], 1);
}

static void test_fault_rx_req_id(void **state)
{
	struct fx *f = *state;
	enum ena_reset_reason why;
	bool failed = false;

	assert_int_equal(sim_ctl(&f->sim, NULL, "corrupt", "rx-req-id", NULL), 0);
	send_one(f, 0);
	assert_int_equal(rx_next(f, &rx), -EPROTO);
	for (unsigned int q = 0; q < NQ; q++)
		if (ena_rxq_failed(ena_qpair_rxq(f->qp[q]), &why)) {
			failed = true;
			assert_int_equal(why, ENA_RESET_INV_RX_REQ_ID);
		}
	assert_true(failed);
}

static void test_fault_too_many_rx_descs(void **state)
{
	struct fx *f = *state;
	enum ena_reset_reason why;
	bool failed = false;

	assert_int_equal(sim_ctl(&f->sim, NULL, "rx-descs", "25", NULL), 0);
	/* A frame big enough to span that many 2 KiB buffers. */
	{
		struct pkt_flow flow = { 0x0a000001, 0x0a000002, 1, 2 };
		size_t len = pkt_udp4(f->frame, &flow, 9000, 1, 0);

		assert_int_equal(tx_frame(f, 0, 0, f->frame, len, 1, NULL), 1);
	}
	assert_int_equal(rx_next(f, &rx), -EPROTO);
	for (unsigned int q = 0; q < NQ; q++)
		if (ena_rxq_failed(ena_qpair_rxq(f->qp[q]), &why)) {
			failed = true;
			assert_int_equal(why, ENA_RESET_TOO_MANY_RX_DESCS);
		}
	assert_true(failed);
}

static void test_fault_tx_completions_stop(void **state)
{
	struct fx *f = *state;
	uint64_t c[8];

	assert_int_equal(sim_ctl(&f->sim, NULL, "tx-complete", "off", NULL), 0);
	for (unsigned int i = 0; i < 4; i++)
		send_one(f, i);
	/* The frames still cross the wire... */
	for (unsigned int i = 0; i < 4; i++)
		assert_int_equal(rx_next(f, &rx), 0);
	/* ...but no completion comes, and the watchdog's check sees them. */
	assert_int_equal(ena_txq_poll(ena_qpair_txq(f->qp[0]), c, 8), 0);
	assert_int_equal(ena_txq_check_missing(ena_qpair_txq(f->qp[0]), ena_now_us() + 6000000,
					       5000000, 2), 4);
}

static void test_fault_swallowed_interrupts(void **state)
{
	struct fx *f = *state;
	uint64_t v;

	assert_int_equal(sim_ctl(&f->sim, NULL, "swallow-irq", "on", NULL), 0);
	for (unsigned int q = 0; q < NQ; q++)
		(void)!read(f->irq[q], &v, sizeof(v));
	send_one(f, 0);
	/* The packet arrives (found by polling) and no vector fired for it. */
	assert_int_equal(rx_next(f, &rx), 0);
	for (unsigned int q = 0; q < NQ; q++)
		assert_int_equal(read(f->irq[q], &v, sizeof(v)), -1);
}

#define HOST(fn) cmocka_unit_test_setup_teardown(fn, setup_host, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		HOST(test_loop_host),
		cmocka_unit_test_setup_teardown(test_loop_llq_normal, setup_llq128, teardown),
		cmocka_unit_test_setup_teardown(test_loop_llq_large, setup_llq256, teardown),
		HOST(test_checksum_offload),
		HOST(test_tso),
		cmocka_unit_test_setup_teardown(test_tso, setup_llq128, teardown),
		HOST(test_rss_steering),
		HOST(test_fault_tx_req_id),
		HOST(test_fault_rx_req_id),
		HOST(test_fault_too_many_rx_descs),
		HOST(test_fault_tx_completions_stop),
		HOST(test_fault_swallowed_interrupts),
	};

	return cmocka_run_group_tests_name("datapath", tests, NULL, NULL);
}
