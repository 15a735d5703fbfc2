/* SPDX-License-Identifier: MIT */
/* libena datapath against a device played by the test: SQ parsing (host
 * descriptors and LLQ entries), completions, RX packets, bad device values,
 * ring laps, moderation and counters. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <cmocka.h>

#include <ena/eth.h>

#include "ena_dev.h"

#include "eth_queue.h"
#include "plat.h"
#include "sim_harness.h"

/* ------------------------------------------------------------------ */
/* The device side                                                     */
/* ------------------------------------------------------------------ */

#define ALL_TX_OFFLOADS 0xffu
#define MAX_PKT_DESCS 32

/* What the device understood of one TX packet. */
struct dev_tx_pkt {
	uint16_t req_id;
	bool has_meta;
	uint32_t meta_ctrl;          /* data descriptor 0 offload word */
	uint16_t header_length;
	unsigned int nbufs;
	uint64_t addr[MAX_PKT_DESCS];
	uint32_t len[MAX_PKT_DESCS];
	uint8_t header[256];         /* LLQ pushed bytes */
	unsigned int entries;        /* SQ entries used */
	/* effective meta after the device's cache */
	uint16_t mss;
	uint8_t l3_hdr_len, l3_hdr_off, l4_hdr_words;
};

struct txfix {
	struct ena_txq q;
	struct ena_tx_desc *sq;
	struct ena_tx_cdesc *cq;
	uint64_t *llq;
	uint32_t db;
	uint32_t depth;
	unsigned int entry; /* 0 host, 128/256 LLQ */
	/* device state */
	uint16_t head;      /* SQ entries consumed */
	uint16_t cq_tail;
	uint8_t cq_phase;
	uint16_t cache_mss;
	uint8_t cache_l3_len, cache_l3_off, cache_l4;
};

static void txfix_init(struct txfix *f, uint32_t depth, unsigned int entry, uint16_t max_descs,
		       uint32_t offloads, bool mbz, uint16_t burst, bool no_meta_cache, int kick_fd)
{
	struct ena_txq_cfg cfg = {
		.depth = depth,
		.llq_entry_size = entry,
		.llq_burst_entries = burst,
		.llq_disable_meta_caching = no_meta_cache,
		.kick_fd = kick_fd,
		.max_descs = max_descs,
		.max_header = 96,
		.tx_offloads = offloads,
		.cdesc_mbz = mbz,
		.dma_width = 48,
	};

	memset(f, 0, sizeof(*f));
	f->depth = depth;
	f->entry = entry;
	f->cq_phase = 1;
	f->cq = calloc(depth, sizeof(*f->cq));
	if (entry) {
		f->llq = calloc(depth, entry);
		cfg.llq_base = f->llq;
	} else {
		f->sq = calloc(depth, sizeof(*f->sq));
		cfg.sq_ring = f->sq;
	}
	cfg.cq_ring = f->cq;
	cfg.doorbell = &f->db;
	assert_int_equal(ena_txq_init(&f->q, &cfg), 0);
}

static void txfix_fini(struct txfix *f)
{
	ena_txq_fini(&f->q);
	free(f->sq);
	free(f->cq);
	free(f->llq);
}

static uint8_t lap_phase(uint16_t idx, uint32_t depth)
{
	return (uint8_t)(((idx / depth) & 1) ^ 1);
}

/* Check one data or meta descriptor's fixed bits and append it to @p. */
static void dev_take_desc(struct txfix *f, const struct ena_tx_desc *d, uint8_t phase, unsigned int i,
			  struct dev_tx_pkt *p, bool *last)
{
	uint32_t lc = d->len_ctrl;

	assert_int_equal((lc >> ENA_TX_DESC_PHASE_SHIFT) & 1, phase);
	assert_int_equal(lc & 0x02400000u, 0); /* MBZ 22, 25 */
	assert_int_equal(lc & 0xe0000000u, 0); /* MBZ 31:29 */
	if (lc & ENA_TX_DESC_META_DESC) {
		/* meta: only as the first descriptor, with ext_valid, type, store, first */
		assert_int_equal(i, 0);
		assert_true(lc & ENA_TX_META_EXT_VALID);
		assert_true(lc & ENA_TX_META_ETH_META_TYPE);
		assert_true(lc & ENA_TX_META_META_STORE);
		assert_true(lc & ENA_TX_META_FIRST);
		assert_false(lc & (ENA_TX_META_LAST | ENA_TX_META_COMP_REQ));
		assert_int_equal(lc & 0x3ffu, 0);
		assert_int_equal(lc & 0x00003c00u, 0);
		const struct ena_tx_meta_desc *m = (const void *)d;
		assert_int_equal(m->word1, 0);
		assert_int_equal(m->reserved, 0);
		f->cache_mss = (uint16_t)(((lc & ENA_TX_META_MSS_HI_MASK) >> ENA_TX_META_MSS_HI_SHIFT) << 10 |
					  (m->word2 >> ENA_TX_META_MSS_LO_SHIFT));
		f->cache_l3_len = (uint8_t)(m->word2 & ENA_TX_META_L3_HDR_LEN_MASK);
		f->cache_l3_off = (uint8_t)((m->word2 & ENA_TX_META_L3_HDR_OFF_MASK) >>
					    ENA_TX_META_L3_HDR_OFF_SHIFT);
		f->cache_l4 = (uint8_t)((m->word2 & ENA_TX_META_L4_HDR_LEN_WORDS_MASK) >>
					ENA_TX_META_L4_HDR_LEN_WORDS_SHIFT);
		p->has_meta = true;
		return;
	}
	if (p->nbufs == 0) {
		/* data descriptor 0: first unless a meta went before, comp_req, req_id */
		assert_int_equal(!!(lc & ENA_TX_DESC_FIRST), !p->has_meta);
		assert_true(lc & ENA_TX_DESC_COMP_REQ);
		p->req_id = (uint16_t)(((lc & ENA_TX_DESC_REQ_ID_HI_MASK) >> ENA_TX_DESC_REQ_ID_HI_SHIFT) << 10 |
				       (d->meta_ctrl >> ENA_TX_DESC_REQ_ID_LO_SHIFT));
		assert_true(p->req_id < f->depth);
		p->meta_ctrl = d->meta_ctrl & ~ENA_TX_DESC_REQ_ID_LO_MASK;
		assert_int_equal(d->meta_ctrl & 0x003c0060u, 0); /* reserved/MBZ */
		p->header_length = (uint16_t)(d->buff_addr_hi_hdr_sz >> ENA_TX_DESC_HEADER_LENGTH_SHIFT);
	} else {
		assert_false(lc & (ENA_TX_DESC_FIRST | ENA_TX_DESC_COMP_REQ));
		assert_int_equal(lc & ENA_TX_DESC_REQ_ID_HI_MASK, 0);
		assert_int_equal(d->meta_ctrl, 0);
		assert_int_equal(d->buff_addr_hi_hdr_sz & 0xffff0000u, 0);
	}
	assert_true(p->nbufs < MAX_PKT_DESCS);
	p->addr[p->nbufs] = (uint64_t)(d->buff_addr_hi_hdr_sz & ENA_TX_DESC_ADDR_HI_MASK) << 32 |
			    d->buff_addr_lo;
	p->len[p->nbufs] = lc & ENA_TX_DESC_LENGTH_MASK;
	p->nbufs++;
	*last = lc & ENA_TX_DESC_LAST;
}

static void dev_apply_cache(struct txfix *f, struct dev_tx_pkt *p)
{
	p->mss = f->cache_mss;
	p->l3_hdr_len = f->cache_l3_len;
	p->l3_hdr_off = f->cache_l3_off;
	p->l4_hdr_words = f->cache_l4;
}

/* Parse the SQ from the device head up to the doorbell. */
static unsigned int dev_parse_tx(struct txfix *f, struct dev_tx_pkt *out, unsigned int max)
{
	unsigned int n = 0;
	uint16_t tail = (uint16_t)f->db;

	while (f->head != tail) {
		struct dev_tx_pkt *p;
		bool last = false;
		unsigned int i = 0;

		assert_true(n < max);
		p = &out[n++];
		memset(p, 0, sizeof(*p));
		if (!f->entry) {
			while (!last) {
				assert_true(f->head != tail);
				dev_take_desc(f, &f->sq[f->head & (f->depth - 1)], lap_phase(f->head, f->depth),
					      i++, p, &last);
				f->head++;
				p->entries++;
			}
		} else {
			unsigned int per = f->entry / 16;

			for (unsigned int e = 0; !last; e++) {
				const uint8_t *ent = (const uint8_t *)f->llq + (size_t)(f->head & (f->depth - 1)) * f->entry;
				uint8_t phase = lap_phase(f->head, f->depth);
				unsigned int slots = e == 0 ? 2 : per, k;

				assert_true(f->head != tail);
				for (k = 0; k < slots && !last; k++)
					dev_take_desc(f, (const struct ena_tx_desc *)(ent + 16 * k), phase, i++, p, &last);
				/* unused descriptor slots of the entry are zero */
				for (unsigned int z = 16 * k; z < 16 * slots; z++)
					assert_int_equal(ent[z], 0);
				if (e == 0) {
					/* wait: header_length is known only after data desc 0 */
					assert_true(p->nbufs >= 1);
					assert_true(p->header_length <= f->entry - 32);
					memcpy(p->header, ent + 32, p->header_length);
					for (unsigned int z = 32 + p->header_length; z < f->entry; z++)
						assert_int_equal(ent[z], 0);
				}
				f->head++;
				p->entries++;
			}
		}
		dev_apply_cache(f, p);
	}
	return n;
}

static void dev_tx_complete(struct txfix *f, uint16_t req_id, uint8_t extra_flags)
{
	struct ena_tx_cdesc *c = &f->cq[f->cq_tail & (f->depth - 1)];

	c->req_id = req_id;
	c->status = 0;
	c->sub_qid = 0;
	c->sq_head_idx = f->head;
	c->flags = (uint8_t)(f->cq_phase | extra_flags);
	f->cq_tail++;
	if ((f->cq_tail & (f->depth - 1)) == 0)
		f->cq_phase ^= 1;
}

static uint64_t txq_stat(const struct ena_txq *q, enum ena_txq_stat s)
{
	struct ena_txq_stats st;

	ena_txq_get_stats(q, &st);
	return st.v[s];
}

/* ------------------------------------------------------------------ */
/* TX, host placement                                                  */
/* ------------------------------------------------------------------ */

static void test_tx_host_basic(void **state)
{
	struct txfix f;
	struct ena_tx_buf b[3] = {
		{ .iova = 0x123456789000ull, .len = 60 },
		{ .iova = 0x2000, .len = 1000 },
		{ .iova = 0x3000, .len = 1 },
	};
	struct ena_tx_pkt pk[3] = {
		{ .bufs = b, .nr_bufs = 1, .cookie = 11 },
		{ .bufs = b, .nr_bufs = 3, .cookie = 12 },
		{ .bufs = b + 1, .nr_bufs = 2, .cookie = 13, .flags = ENA_TX_PKT_DF },
	};
	struct dev_tx_pkt dp[4];
	uint64_t cookies[4];

	(void)state;
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	assert_int_equal(ena_txq_free_entries(&f.q), 15);
	assert_int_equal(ena_txq_post(&f.q, pk, 3), 3);
	assert_int_equal(f.db, 6); /* descriptors */
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_DOORBELLS), 1);
	assert_int_equal(dev_parse_tx(&f, dp, 4), 3);

	assert_int_equal(dp[0].nbufs, 1);
	assert_false(dp[0].has_meta);
	assert_int_equal(dp[0].addr[0], 0x123456789000ull);
	assert_int_equal(dp[0].len[0], 60);
	assert_int_equal(dp[0].header_length, 60); /* min(first buffer, max header) */
	assert_int_equal(dp[0].meta_ctrl, 0);
	assert_int_equal(dp[1].nbufs, 3);
	assert_int_equal(dp[1].len[2], 1);
	assert_int_equal(dp[1].addr[1], 0x2000);
	assert_int_equal(dp[2].header_length, 96);
	assert_int_equal(dp[2].meta_ctrl, ENA_TX_DESC_DF);
	assert_int_not_equal(dp[0].req_id, dp[1].req_id);

	/* nothing completed yet */
	assert_int_equal(ena_txq_poll(&f.q, cookies, 8), 0);
	dev_tx_complete(&f, dp[1].req_id, 0); /* out of order */
	dev_tx_complete(&f, dp[0].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 1), 1); /* budget */
	assert_int_equal(cookies[0], 12);
	dev_tx_complete(&f, dp[2].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 8), 2);
	assert_int_equal(cookies[0], 11);
	assert_int_equal(cookies[1], 13);
	assert_int_equal(ena_txq_free_entries(&f.q), 15);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_CNT), 3);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_BYTES), 60 + 1061 + 1001);
	assert_false(ena_txq_failed(&f.q, NULL));
	txfix_fini(&f);
}

/* Several laps of the SQ and CQ, random sizes, completions reversed. */
static void test_tx_host_laps(void **state)
{
	struct txfix f;
	struct ena_tx_buf b[4] = { { 0x1000, NULL, 100 }, { 0x2000, NULL, 200 }, { 0x3000, NULL, 300 },
				   { 0x4000, NULL, 400 } };
	struct dev_tx_pkt dp[16];
	uint64_t cookies[16], next_cookie = 1;
	unsigned int seed = 7;

	(void)state;
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	for (int round = 0; round < 40; round++) {
		struct ena_tx_pkt pk[4];
		unsigned int n = 1 + (seed = seed * 1103515245 + 12345) % 3, np, i;
		uint64_t first = next_cookie;

		for (i = 0; i < n; i++) {
			pk[i] = (struct ena_tx_pkt){ .bufs = b, .nr_bufs = 1 + (seed >> 8) % 4,
						     .cookie = next_cookie++ };
			seed = seed * 1103515245 + 12345;
		}
		assert_int_equal(ena_txq_post(&f.q, pk, n), (int)n);
		np = dev_parse_tx(&f, dp, 16);
		assert_int_equal(np, n);
		for (i = 0; i < n; i++)
			assert_int_equal(dp[i].nbufs, pk[i].nr_bufs);
		for (i = n; i-- > 0;)
			dev_tx_complete(&f, dp[i].req_id, 0);
		assert_int_equal(ena_txq_poll(&f.q, cookies, 16), (int)n);
		for (i = 0; i < n; i++)
			assert_int_equal(cookies[i], first + (n - 1 - i));
		assert_int_equal(ena_txq_free_entries(&f.q), 15);
	}
	assert_true(f.head > 3 * 16); /* several laps, phase checked on each */
	txfix_fini(&f);
}

/* req_id above 1023 uses the hi bits of len_ctrl. */
static void test_tx_req_id_split(void **state)
{
	struct txfix f;
	struct ena_tx_buf b = { 0x1000, NULL, 64 };
	struct ena_tx_pkt pk = { .bufs = &b, .nr_bufs = 1 };
	struct dev_tx_pkt dp[64];
	bool seen[2048] = { false };
	unsigned int high = 0;

	(void)state;
	txfix_init(&f, 2048, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	/* keep 1500 outstanding so req ids above 1023 are handed out */
	for (int i = 0; i < 1500; i++) {
		assert_int_equal(ena_txq_post(&f.q, &pk, 1), 1);
		assert_int_equal(dev_parse_tx(&f, dp, 64), 1);
		assert_false(seen[dp[0].req_id]);
		seen[dp[0].req_id] = true;
		high += dp[0].req_id >= 1024;
	}
	assert_true(high > 0);
	for (unsigned int r = 0; r < 2048; r++)
		if (seen[r])
			dev_tx_complete(&f, (uint16_t)r, 0);
	assert_int_equal(ena_txq_poll(&f.q, NULL, 4096), 1500);
	txfix_fini(&f);
}

static void test_tx_offload_meta_cache(void **state)
{
	struct txfix f;
	struct ena_tx_buf b[2] = { { 0x1000, NULL, 54 }, { 0x2000, NULL, 1400 } };
	struct ena_tx_pkt csum = {
		.bufs = b, .nr_bufs = 2, .flags = ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL,
		.l3_proto = ENA_L3_PROTO_IPV4, .l4_proto = ENA_L4_PROTO_TCP,
		.l3_hdr_off = 14, .l3_hdr_len = 20, .l4_hdr_len = 20,
	};
	struct ena_tx_pkt tso = {
		.bufs = b, .nr_bufs = 2, .flags = ENA_TX_PKT_TSO | ENA_TX_PKT_L3_CSUM | ENA_TX_PKT_DF,
		.l3_proto = ENA_L3_PROTO_IPV4, .l4_proto = ENA_L4_PROTO_TCP,
		.l3_hdr_off = 14, .l3_hdr_len = 20, .l4_hdr_len = 32, .mss = 0x2a5b,
	};
	struct ena_tx_pkt plain = { .bufs = b, .nr_bufs = 1 };
	struct ena_tx_pkt pk[6];
	struct dev_tx_pkt dp[8];
	uint32_t csum_ctrl = ENA_L3_PROTO_IPV4 | (ENA_L4_PROTO_TCP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT) |
			     ENA_TX_DESC_L4_CSUM_EN | ENA_TX_DESC_L4_CSUM_PARTIAL;

	(void)state;
	txfix_init(&f, 64, 0, ENA_MAX_SGL, ALL_TX_OFFLOADS, false, 0, false, -1);
	pk[0] = csum;                       /* meta: cache empty -> sent */
	pk[1] = csum;                       /* same meta -> omitted */
	pk[2] = plain;                      /* no offload -> no meta */
	pk[3] = csum;
	pk[3].l3_hdr_len = 40;              /* changed -> sent */
	pk[4] = tso;                        /* changed -> sent */
	pk[5] = tso;                        /* same -> omitted */
	assert_int_equal(ena_txq_post(&f.q, pk, 6), 6);
	assert_int_equal(dev_parse_tx(&f, dp, 8), 6);

	assert_true(dp[0].has_meta);
	assert_int_equal(dp[0].meta_ctrl, csum_ctrl);
	assert_int_equal(dp[0].mss, 0);
	assert_int_equal(dp[0].l3_hdr_len, 20);
	assert_int_equal(dp[0].l3_hdr_off, 14);
	assert_int_equal(dp[0].l4_hdr_words, 0); /* only for TSO, as Linux */
	assert_int_equal(dp[0].entries, 3);
	assert_false(dp[1].has_meta);
	assert_int_equal(dp[1].meta_ctrl, csum_ctrl); /* offload bits still on data desc 0 */
	assert_int_equal(dp[1].l3_hdr_len, 20);
	assert_false(dp[2].has_meta);
	assert_int_equal(dp[2].meta_ctrl, 0);
	assert_true(dp[3].has_meta);
	assert_int_equal(dp[3].l3_hdr_len, 40);
	assert_true(dp[4].has_meta);
	assert_int_equal(dp[4].mss, 0x2a5b);
	assert_int_equal(dp[4].l4_hdr_words, 8);
	assert_int_equal(dp[4].meta_ctrl, ENA_L3_PROTO_IPV4 | (ENA_L4_PROTO_TCP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT) |
					  ENA_TX_DESC_TSO_EN | ENA_TX_DESC_L3_CSUM_EN |
					  ENA_TX_DESC_L4_CSUM_EN | ENA_TX_DESC_DF);
	assert_false(dp[5].has_meta);
	assert_int_equal(dp[5].mss, 0x2a5b);
	txfix_fini(&f);

	/* offloads the device does not advertise are refused */
	txfix_init(&f, 64, 0, ENA_MAX_SGL, ENA_OFFLOAD_TX_L4_IPV4_CSUM_PART, false, 0, false, -1);
	assert_int_equal(ena_txq_post(&f.q, &csum, 1), 1);
	tso.l3_proto = ENA_L3_PROTO_IPV6;
	tso.flags &= ~ENA_TX_PKT_L3_CSUM;
	assert_int_equal(ena_txq_post(&f.q, &tso, 1), -EINVAL);
	csum.flags = ENA_TX_PKT_L4_CSUM; /* full checksum not advertised */
	assert_int_equal(ena_txq_post(&f.q, &csum, 1), -EINVAL);
	csum.flags = ENA_TX_PKT_L3_CSUM;
	assert_int_equal(ena_txq_post(&f.q, &csum, 1), -EINVAL);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_PREPARE_CTX_ERR), 3);
	/* a partial post: the good packet goes, the bad one is reported next time */
	pk[0] = plain;
	pk[1] = csum;
	assert_int_equal(ena_txq_post(&f.q, pk, 2), 1);
	assert_int_equal(ena_txq_post(&f.q, pk + 1, 1), -EINVAL);
	txfix_fini(&f);
}

static void test_tx_malformed_pkts(void **state)
{
	struct txfix f;
	struct ena_tx_buf b[5] = { { 0x1000, NULL, 10 }, { 0x2000, NULL, 10 }, { 0x3000, NULL, 10 },
				   { 0x4000, NULL, 10 }, { 0x5000, NULL, 10 } };
	struct ena_tx_pkt pk = { .bufs = b, .nr_bufs = 4 };
	struct ena_tx_buf bad;

	(void)state;
	txfix_init(&f, 16, 0, 4, ALL_TX_OFFLOADS, false, 0, false, -1);
	assert_int_equal(ena_txq_max_bufs(&f.q), 3);
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), 1); /* 4 descriptors fit */
	pk.nr_bufs = 5;
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), -EMSGSIZE);
	pk.nr_bufs = 4;
	pk.flags = ENA_TX_PKT_L4_CSUM;
	pk.l3_proto = ENA_L3_PROTO_IPV4;
	pk.l4_proto = ENA_L4_PROTO_UDP;
	pk.l3_hdr_off = 14;
	pk.l3_hdr_len = 20;
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), -EMSGSIZE); /* + meta = 5 */
	/* an all-zero meta equals the zeroed cache: no meta descriptor */
	pk.l3_hdr_off = 0;
	pk.l3_hdr_len = 0;
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), 1);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_LINEARIZE), 2);

	pk = (struct ena_tx_pkt){ .bufs = &bad, .nr_bufs = 1 };
	bad = (struct ena_tx_buf){ 0x1000, NULL, 0 };
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), -EINVAL);
	bad.len = 65536;
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), -EINVAL);
	bad = (struct ena_tx_buf){ 1ull << 48, NULL, 10 }; /* beyond the DMA width */
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), -EINVAL);
	pk.nr_bufs = 0;
	assert_int_equal(ena_txq_post(&f.q, &pk, 1), -EINVAL);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_PREPARE_CTX_ERR), 4);
	txfix_fini(&f);
}

static void test_tx_ring_full(void **state)
{
	struct txfix f;
	struct ena_tx_buf b = { 0x1000, NULL, 100 };
	struct ena_tx_pkt pk[10];
	struct dev_tx_pkt dp[10];

	(void)state;
	txfix_init(&f, 8, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	for (int i = 0; i < 10; i++)
		pk[i] = (struct ena_tx_pkt){ .bufs = &b, .nr_bufs = 1, .cookie = (uint64_t)i };
	assert_int_equal(ena_txq_post(&f.q, pk, 10), 7); /* depth - 1 */
	assert_int_equal(ena_txq_post(&f.q, pk + 7, 3), -ENOSPC);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_QUEUE_STOP), 1);
	assert_int_equal(dev_parse_tx(&f, dp, 10), 7);
	for (int i = 0; i < 3; i++)
		dev_tx_complete(&f, dp[i].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, NULL, 16), 3);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_QUEUE_WAKEUP), 0); /* not room for a max packet */
	for (int i = 3; i < 7; i++)
		dev_tx_complete(&f, dp[i].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, NULL, 16), 4);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_QUEUE_WAKEUP), 1);
	txfix_fini(&f);
}

static void test_tx_bad_completions(void **state)
{
	struct txfix f;
	struct ena_tx_buf b = { 0x1000, NULL, 100 };
	struct ena_tx_pkt pk[2] = { { .bufs = &b, .nr_bufs = 1, .cookie = 1 },
				    { .bufs = &b, .nr_bufs = 1, .cookie = 2 } };
	struct dev_tx_pkt dp[2];
	enum ena_reset_reason why;
	uint64_t cookies[4];

	(void)state;
	/* req_id beyond the depth */
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, true, 0, false, -1);
	assert_int_equal(ena_txq_post(&f.q, pk, 2), 2);
	dev_parse_tx(&f, dp, 2);
	dev_tx_complete(&f, dp[0].req_id, 0);
	dev_tx_complete(&f, 16, 0);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 4), 1); /* the good one first */
	assert_int_equal(ena_txq_poll(&f.q, cookies, 4), -EPROTO);
	assert_true(ena_txq_failed(&f.q, &why));
	assert_int_equal(why, ENA_RESET_INV_TX_REQ_ID);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_BAD_REQ_ID), 1);
	assert_int_equal(ena_txq_post(&f.q, pk, 1), -EPROTO); /* sticky */
	assert_int_equal(ena_txq_drain(&f.q, cookies, 4), 1);
	assert_int_equal(cookies[0], 2);
	txfix_fini(&f);

	/* req_id in range but not outstanding (duplicate completion) */
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, true, 0, false, -1);
	assert_int_equal(ena_txq_post(&f.q, pk, 1), 1);
	dev_parse_tx(&f, dp, 1);
	dev_tx_complete(&f, dp[0].req_id, 0);
	dev_tx_complete(&f, dp[0].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 4), 1);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 4), -EPROTO);
	assert_true(ena_txq_failed(&f.q, &why));
	assert_int_equal(why, ENA_RESET_INV_TX_REQ_ID);
	txfix_fini(&f);

	/* MBZ flag bits: malformed only with the CDESC_MBZ capability */
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, true, 0, false, -1);
	assert_int_equal(ena_txq_post(&f.q, pk, 1), 1);
	dev_parse_tx(&f, dp, 1);
	dev_tx_complete(&f, dp[0].req_id, 0x80);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 4), -EPROTO);
	assert_true(ena_txq_failed(&f.q, &why));
	assert_int_equal(why, ENA_RESET_TX_DESCRIPTOR_MALFORMED);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_BAD_REQ_ID), 0);
	txfix_fini(&f);

	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	assert_int_equal(ena_txq_post(&f.q, pk, 1), 1);
	dev_parse_tx(&f, dp, 1);
	dev_tx_complete(&f, dp[0].req_id, 0xc0);
	assert_int_equal(ena_txq_poll(&f.q, cookies, 4), 1);
	assert_false(ena_txq_failed(&f.q, NULL));
	txfix_fini(&f);
}

static void test_tx_missing(void **state)
{
	struct txfix f;
	struct ena_tx_buf b = { 0x1000, NULL, 100 };
	struct ena_tx_pkt pk[3] = { { .bufs = &b, .nr_bufs = 1 }, { .bufs = &b, .nr_bufs = 1 },
				    { .bufs = &b, .nr_bufs = 1 } };
	struct dev_tx_pkt dp[3];
	enum ena_reset_reason why;
	uint64_t t0 = ena_now_us(), to = 5000000;

	(void)state;
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	assert_int_equal(ena_txq_post(&f.q, pk, 3), 3);
	dev_parse_tx(&f, dp, 3);
	assert_int_equal(ena_txq_check_missing(&f.q, t0 + 1000, to, 128), 0);
	assert_int_equal(ena_txq_check_missing(&f.q, ena_now_us() + 2 * to, to, 128), 3);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_MISSED_TX), 3);
	/* counted once */
	assert_int_equal(ena_txq_check_missing(&f.q, ena_now_us() + 3 * to, to, 128), 3);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_MISSED_TX), 3);
	assert_false(ena_txq_failed(&f.q, NULL));
	dev_tx_complete(&f, dp[1].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, NULL, 4), 1);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS), 2);
	assert_int_equal(ena_txq_check_missing(&f.q, ena_now_us() + 3 * to, to, 1), 2);
	assert_true(ena_txq_failed(&f.q, &why));
	assert_int_equal(why, ENA_RESET_MISS_TX_CMPL);
	/* MISS_TX_CMPL is the watchdog's: completions still flow */
	dev_tx_complete(&f, dp[0].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, NULL, 4), 1);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS), 1);
	assert_int_equal(ena_txq_drain(&f.q, NULL, 0), 1);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS), 0);
	txfix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* TX, LLQ placement                                                   */
/* ------------------------------------------------------------------ */

static void fill_bytes(uint8_t *p, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

static void test_tx_llq_normal(void **state)
{
	static uint8_t frame[3000];
	struct txfix f;
	struct ena_tx_buf small = { 0x10000, frame, 60 };
	struct ena_tx_buf big = { 0x20000, frame, 200 };
	struct ena_tx_buf split[2] = { { 0x30000, frame, 40 }, { 0x40000, frame + 40, 100 } };
	struct ena_tx_buf many[8];
	struct ena_tx_pkt pk[4] = {
		{ .bufs = &small, .nr_bufs = 1, .cookie = 1 },
		{ .bufs = &big, .nr_bufs = 1, .cookie = 2 },
		{ .bufs = split, .nr_bufs = 2, .cookie = 3 },
		{ .bufs = many, .nr_bufs = 8, .cookie = 4 },
	};
	struct dev_tx_pkt dp[4];

	(void)state;
	fill_bytes(frame, sizeof(frame), 3);
	for (int i = 0; i < 8; i++)
		many[i] = (struct ena_tx_buf){ 0x50000 + 0x1000u * (unsigned)i, frame + 100 * i, 100 };
	txfix_init(&f, 16, 128, ENA_MAX_SGL, 0, false, 0, false, -1);

	assert_int_equal(ena_txq_post(&f.q, pk, 4), 4);
	assert_int_equal(dev_parse_tx(&f, dp, 4), 4);
	/* whole frame pushed: one zero-length descriptor, header_length = frame */
	assert_int_equal(dp[0].entries, 1);
	assert_int_equal(dp[0].nbufs, 1);
	assert_int_equal(dp[0].len[0], 0);
	assert_int_equal(dp[0].addr[0], 0);
	assert_int_equal(dp[0].header_length, 60);
	assert_memory_equal(dp[0].header, frame, 60);
	/* 96 bytes pushed, the rest from the buffer past them */
	assert_int_equal(dp[1].header_length, 96);
	assert_memory_equal(dp[1].header, frame, 96);
	assert_int_equal(dp[1].nbufs, 1);
	assert_int_equal(dp[1].addr[0], 0x20000 + 96);
	assert_int_equal(dp[1].len[0], 104);
	/* push spans two buffers: copied, counted */
	assert_int_equal(dp[2].header_length, 96);
	assert_memory_equal(dp[2].header, frame, 96);
	assert_int_equal(dp[2].nbufs, 1);
	assert_int_equal(dp[2].addr[0], 0x40000 + 56);
	assert_int_equal(dp[2].len[0], 44);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_LLQ_BUFFER_COPY), 1);
	/* 8 buffers, first one partly pushed: 8 descriptors in 2 entries */
	assert_int_equal(dp[3].nbufs, 8);
	assert_int_equal(dp[3].entries, 2);
	assert_int_equal(dp[3].addr[0], 0x50000 + 96);
	assert_int_equal(dp[3].len[0], 4);
	assert_int_equal(dp[3].addr[7], 0x57000);
	assert_memory_equal(dp[3].header, frame, 96);
	assert_int_equal(f.db, 5); /* the doorbell counts entries */
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_DOORBELLS), 1);

	/* laps: complete everything, then keep going over the ring */
	for (int i = 0; i < 4; i++)
		dev_tx_complete(&f, dp[i].req_id, 0);
	assert_int_equal(ena_txq_poll(&f.q, NULL, 8), 4);
	for (int round = 0; round < 30; round++) {
		assert_int_equal(ena_txq_post(&f.q, pk + (round & 3), 1), 1);
		assert_int_equal(dev_parse_tx(&f, dp, 1), 1);
		assert_memory_equal(dp[0].header, frame, dp[0].header_length);
		dev_tx_complete(&f, dp[0].req_id, 0);
		assert_int_equal(ena_txq_poll(&f.q, NULL, 8), 1);
	}
	assert_true(f.head > 2 * 16);
	assert_int_equal(ena_txq_free_entries(&f.q), 15);

	/* LLQ needs CPU addresses for the pushed bytes */
	small.va = NULL;
	assert_int_equal(ena_txq_post(&f.q, pk, 1), -EINVAL);
	txfix_fini(&f);
}

static void test_tx_llq_large_accel(void **state)
{
	static uint8_t frame[4096];
	struct txfix f;
	struct ena_tx_buf b[4] = { { 0x10000, frame, 1000 }, { 0x20000, frame + 1000, 1000 },
				   { 0x30000, frame + 2000, 1000 }, { 0x40000, frame + 3000, 1000 } };
	struct ena_tx_pkt pk[6];
	struct dev_tx_pkt dp[8];
	uint64_t v;
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);

	(void)state;
	assert_true(efd >= 0);
	fill_bytes(frame, sizeof(frame), 9);
	/* 256-byte entries, meta on every packet, 3 entries per burst */
	txfix_init(&f, 32, 256, ENA_MAX_SGL, ALL_TX_OFFLOADS, false, 3, true, efd);
	for (int i = 0; i < 6; i++)
		pk[i] = (struct ena_tx_pkt){ .bufs = b, .nr_bufs = 1, .cookie = (uint64_t)i };
	pk[5].flags = ENA_TX_PKT_L4_CSUM;
	pk[5].l3_proto = ENA_L3_PROTO_IPV6;
	pk[5].l4_proto = ENA_L4_PROTO_UDP;
	pk[5].l3_hdr_off = 14;
	pk[5].l3_hdr_len = 40;
	assert_int_equal(ena_txq_post(&f.q, pk, 6), 6);
	/* 6 one-entry packets, at most 3 entries per doorbell */
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_DOORBELLS), 2);
	assert_int_equal(read(efd, &v, sizeof(v)), (ssize_t)sizeof(v));
	assert_int_equal(v, 2);
	assert_int_equal(dev_parse_tx(&f, dp, 8), 6);
	for (int i = 0; i < 5; i++) {
		assert_true(dp[i].has_meta);       /* zeroed meta, every packet */
		assert_int_equal(dp[i].meta_ctrl, 0);
		assert_int_equal(dp[i].l3_hdr_len, 0);
		assert_int_equal(dp[i].header_length, 224);
		assert_memory_equal(dp[i].header, frame, 224);
		assert_int_equal(dp[i].len[0], 1000 - 224);
	}
	assert_true(dp[5].has_meta);
	assert_int_equal(dp[5].l3_hdr_len, 40);
	assert_int_equal(dp[5].meta_ctrl, ENA_L3_PROTO_IPV6 | (ENA_L4_PROTO_UDP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT) |
					  ENA_TX_DESC_L4_CSUM_EN);
	/* a packet wider than the rest of the burst forces a doorbell first:
	 * meta + 4 data = 5 descriptors = 1 + ceil(3/16) = 2 entries */
	pk[0].nr_bufs = 4;
	assert_int_equal(ena_txq_post(&f.q, pk, 2), 2); /* 2 + 1 entries */
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_DOORBELLS), 3);
	pk[3] = pk[0];
	assert_int_equal(ena_txq_post(&f.q, pk + 1, 3), 3); /* 1 + 1 | ring | 2 */
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_DOORBELLS), 5);
	assert_int_equal(dev_parse_tx(&f, dp, 8), 5);
	assert_int_equal(dp[0].entries, 2);
	assert_int_equal(dp[0].nbufs, 4);
	assert_int_equal(dp[4].entries, 2);
	assert_int_equal(f.db, 6 + 3 + 4);
	close(efd);
	txfix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* RX                                                                  */
/* ------------------------------------------------------------------ */

struct rxfix {
	struct ena_rxq q;
	struct ena_rx_desc *sq;
	struct ena_rx_cdesc *cq;
	uint32_t db;
	uint32_t depth;
	uint16_t head;      /* device: SQ descriptors consumed */
	uint16_t cq_tail;
	uint8_t cq_phase;
};

static void rxfix_init(struct rxfix *f, uint32_t depth, uint16_t max_descs, bool mbz)
{
	struct ena_rxq_cfg cfg = { .depth = depth, .kick_fd = -1, .max_descs = max_descs,
				   .cdesc_mbz = mbz, .dma_width = 48 };

	memset(f, 0, sizeof(*f));
	f->depth = depth;
	f->cq_phase = 1;
	f->sq = calloc(depth, sizeof(*f->sq));
	f->cq = calloc(depth, sizeof(*f->cq));
	cfg.sq_ring = f->sq;
	cfg.cq_ring = f->cq;
	cfg.doorbell = &f->db;
	assert_int_equal(ena_rxq_init(&f->q, &cfg), 0);
}

static void rxfix_fini(struct rxfix *f)
{
	ena_rxq_fini(&f->q);
	free(f->sq);
	free(f->cq);
}

/* Device takes the next posted descriptor, checking it. */
static uint16_t dev_rx_take(struct rxfix *f, uint64_t *ret_addr, uint32_t *ret_len)
{
	const struct ena_rx_desc *d = &f->sq[f->head & (f->depth - 1)];

	assert_true((uint16_t)(f->db - f->head) > 0);
	assert_int_equal(d->ctrl, ENA_RX_DESC_FIRST | ENA_RX_DESC_LAST | ENA_RX_DESC_COMP_REQ |
					  lap_phase(f->head, f->depth));
	assert_int_equal(d->reserved2, 0);
	assert_int_equal(d->reserved6, 0);
	assert_int_equal(d->reserved16_w3, 0);
	assert_true(d->req_id < f->depth);
	if (ret_addr)
		*ret_addr = (uint64_t)d->buff_addr_hi << 32 | d->buff_addr_lo;
	if (ret_len)
		*ret_len = d->length ? d->length : 65536;
	f->head++;
	return d->req_id;
}

static void dev_rx_cdesc(struct rxfix *f, uint16_t req_id, uint16_t len, uint32_t status,
			 uint32_t hash, uint8_t offset)
{
	struct ena_rx_cdesc *c = &f->cq[f->cq_tail & (f->depth - 1)];

	c->length = len;
	c->req_id = req_id;
	c->hash = hash;
	c->offset = offset;
	c->sub_qid = 0;
	c->status = status | (f->cq_phase ? ENA_RX_CDESC_PHASE : 0); /* status last */
	f->cq_tail++;
	if ((f->cq_tail & (f->depth - 1)) == 0)
		f->cq_phase ^= 1;
}

/* One packet over @n posted buffers. */
static void dev_rx_pkt(struct rxfix *f, unsigned int n, uint16_t len_each, uint32_t flags,
		       uint32_t hash)
{
	for (unsigned int i = 0; i < n; i++) {
		uint16_t id = dev_rx_take(f, NULL, NULL);
		uint32_t st = (i == 0 ? ENA_RX_CDESC_FIRST : 0) | (i == n - 1 ? ENA_RX_CDESC_LAST | flags : 0);

		dev_rx_cdesc(f, id, len_each, st, i == n - 1 ? hash : 0xdead, 0);
	}
}

static void refill_n(struct rxfix *f, unsigned int n, uint64_t *next_cookie)
{
	struct ena_rx_buf b[64];

	assert_true(n <= 64);
	for (unsigned int i = 0; i < n; i++) {
		b[i] = (struct ena_rx_buf){ .iova = 0x100000 + 0x1000 * *next_cookie, .len = 2048,
					    .cookie = *next_cookie };
		(*next_cookie)++;
	}
	assert_int_equal(ena_rxq_refill(&f->q, b, n), (int)n);
}

static uint64_t rxq_stat(const struct ena_rxq *q, enum ena_rxq_stat s)
{
	struct ena_rxq_stats st;

	ena_rxq_get_stats(q, &st);
	return st.v[s];
}

#define TCP4 (ENA_L3_PROTO_IPV4 | ENA_L4_PROTO_TCP << ENA_RX_CDESC_L4_PROTO_IDX_SHIFT)
#define UDP6 (ENA_L3_PROTO_IPV6 | ENA_L4_PROTO_UDP << ENA_RX_CDESC_L4_PROTO_IDX_SHIFT)

static void test_rx_basic(void **state)
{
	struct rxfix f;
	struct ena_rx_buf b[3] = { { 0xabcd00001000ull, 65536, 100 }, { 0x2000, 1500, 101 },
				   { 0x3000, 9000, 102 } };
	struct ena_rx_pkt pk[8];
	struct ena_rx_seg sg[16];
	uint64_t addr, cookie = 1;
	uint32_t len;

	(void)state;
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	assert_int_equal(ena_rxq_free_slots(&f.q), 15);
	assert_int_equal(ena_rxq_refill(&f.q, b, 3), 3);
	assert_int_equal(f.db, 3);
	dev_rx_take(&f, &addr, &len);
	assert_int_equal(addr, 0xabcd00001000ull);
	assert_int_equal(len, 65536); /* length 0 on the wire */
	dev_rx_take(&f, NULL, &len);
	assert_int_equal(len, 1500);
	f.head = 0;
	assert_int_equal(ena_rxq_poll(&f.q, pk, 8, sg, 16), 0);

	/* a jumbo over three buffers, offset on the first */
	for (int i = 0; i < 3; i++) {
		uint16_t id = dev_rx_take(&f, NULL, NULL);

		dev_rx_cdesc(&f, id, (uint16_t)(i == 0 ? 1000 : 700),
			     i == 0 ? ENA_RX_CDESC_FIRST
				    : (i == 2 ? ENA_RX_CDESC_LAST | TCP4 | ENA_RX_CDESC_L4_CSUM_CHECKED : 0),
			     i == 2 ? 0x12345678u : 0xffffffffu, i == 0 ? 2 : 77);
	}
	assert_int_equal(ena_rxq_poll(&f.q, pk, 8, sg, 16), 1);
	assert_int_equal(pk[0].seg, 0);
	assert_int_equal(pk[0].nr_segs, 3);
	assert_int_equal(pk[0].offset, 2);
	assert_int_equal(pk[0].len, 2400);
	assert_int_equal(pk[0].hash, 0x12345678u);
	assert_int_equal(pk[0].l3_proto, ENA_L3_PROTO_IPV4);
	assert_int_equal(pk[0].l4_proto, ENA_L4_PROTO_TCP);
	assert_int_equal(pk[0].csum, ENA_RX_CSUM_GOOD);
	assert_int_equal(pk[0].flags, ENA_RX_PKT_HASH_L4);
	assert_int_equal(sg[0].cookie, 100);
	assert_int_equal(sg[1].cookie, 101);
	assert_int_equal(sg[2].cookie, 102);
	assert_int_equal(sg[2].len, 700);
	assert_int_equal(ena_rxq_free_slots(&f.q), 15);

	/* checksum verdicts as Linux reads them */
	refill_n(&f, 7, &cookie);
	ena_rxq_set_copybreak(&f.q, 128);
	dev_rx_pkt(&f, 1, 100, TCP4 | ENA_RX_CDESC_L3_CSUM_ERR, 1);          /* bad IPv4 header */
	dev_rx_pkt(&f, 1, 200, TCP4 | ENA_RX_CDESC_L4_CSUM_ERR | ENA_RX_CDESC_L4_CSUM_CHECKED, 2);
	dev_rx_pkt(&f, 1, 300, UDP6, 3);                                     /* unchecked */
	dev_rx_pkt(&f, 1, 400, UDP6 | ENA_RX_CDESC_L4_CSUM_CHECKED, 4);       /* good */
	dev_rx_pkt(&f, 1, 500, TCP4 | ENA_RX_CDESC_IPV4_FRAG | ENA_RX_CDESC_L3_CSUM_ERR, 5);
	dev_rx_pkt(&f, 1, 600, ENA_L3_PROTO_IPV6, 6);                        /* not TCP/UDP */
	dev_rx_pkt(&f, 1, 700, TCP4 | ENA_RX_CDESC_MBZ7 * 0, 7);
	assert_int_equal(ena_rxq_poll(&f.q, pk, 3, sg, 16), 3); /* packet budget */
	assert_int_equal(pk[0].csum, ENA_RX_CSUM_BAD);
	assert_int_equal(pk[0].flags, ENA_RX_PKT_HASH_L4 | ENA_RX_PKT_COPYBREAK);
	assert_int_equal(pk[1].csum, ENA_RX_CSUM_BAD);
	assert_int_equal(pk[2].csum, ENA_RX_CSUM_UNCHECKED);
	assert_int_equal(pk[2].seg, 2);
	assert_int_equal(ena_rxq_poll(&f.q, pk, 8, sg, 2), 2); /* segment budget */
	assert_int_equal(pk[0].csum, ENA_RX_CSUM_GOOD);
	assert_int_equal(pk[1].csum, ENA_RX_CSUM_NONE);
	assert_int_equal(pk[1].flags, ENA_RX_PKT_FRAG);
	assert_int_equal(ena_rxq_poll(&f.q, pk, 8, sg, 16), 2);
	assert_int_equal(pk[0].csum, ENA_RX_CSUM_NONE);
	assert_int_equal(pk[0].flags, 0);
	assert_int_equal(pk[1].csum, ENA_RX_CSUM_UNCHECKED);
	assert_int_equal(pk[1].hash, 7);

	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_CNT), 8);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_BYTES), 2400 + 2800);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_CSUM_GOOD), 2);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_CSUM_BAD), 2);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_CSUM_UNCHECKED), 2);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_RX_COPYBREAK_PKT), 1);
	assert_false(ena_rxq_failed(&f.q, NULL));
	rxfix_fini(&f);
}

static void test_rx_laps_and_partial(void **state)
{
	struct rxfix f;
	struct ena_rx_pkt pk[8];
	struct ena_rx_seg sg[32];
	uint64_t cookie = 1, expect = 1;

	(void)state;
	rxfix_init(&f, 16, 4, false);
	refill_n(&f, 15, &cookie);
	for (int round = 0; round < 50; round++) {
		unsigned int n = 1 + (unsigned)round % 4;
		uint16_t ids[4];

		/* all but the last completion: nothing to report yet */
		for (unsigned int i = 0; i < n; i++)
			ids[i] = dev_rx_take(&f, NULL, NULL);
		for (unsigned int i = 0; i + 1 < n; i++)
			dev_rx_cdesc(&f, ids[i], 1000, i == 0 ? ENA_RX_CDESC_FIRST : 0, 0, 0);
		if (n > 1)
			assert_int_equal(ena_rxq_poll(&f.q, pk, 8, sg, 32), 0);
		dev_rx_cdesc(&f, ids[n - 1], 10, (n == 1 ? ENA_RX_CDESC_FIRST : 0) | ENA_RX_CDESC_LAST, 0, 0);
		assert_int_equal(ena_rxq_poll(&f.q, pk, 8, sg, 32), 1);
		assert_int_equal(pk[0].nr_segs, n);
		assert_int_equal(pk[0].len, 1000 * (n - 1) + 10);
		for (unsigned int i = 0; i < n; i++)
			assert_int_equal(sg[i].cookie, expect++);
		refill_n(&f, n, &cookie);
	}
	assert_true(f.cq_tail > 5 * 16);
	assert_int_equal(ena_rxq_free_slots(&f.q), 0);
	/* drain hands back every posted buffer */
	uint64_t back[16];
	assert_int_equal(ena_rxq_drain(&f.q, back, 16), 15);
	rxfix_fini(&f);
}

static void rx_expect_fail(struct rxfix *f, enum ena_reset_reason reason)
{
	struct ena_rx_pkt pk[4];
	struct ena_rx_seg sg[32];
	enum ena_reset_reason why;

	assert_int_equal(ena_rxq_poll(&f->q, pk, 4, sg, 32), -EPROTO);
	assert_true(ena_rxq_failed(&f->q, &why));
	assert_int_equal(why, reason);
	assert_int_equal(ena_rxq_poll(&f->q, pk, 4, sg, 32), -EPROTO); /* sticky */
	assert_int_equal(ena_rxq_refill(&f->q, NULL, 0), -EPROTO);
}

static void test_rx_bad_values(void **state)
{
	struct rxfix f;
	uint64_t cookie = 1;
	uint16_t a, b;
	struct ena_rx_pkt pk[4];
	struct ena_rx_seg sg[32];

	(void)state;
	/* req_id beyond the depth */
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	refill_n(&f, 4, &cookie);
	dev_rx_cdesc(&f, 16, 100, ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST, 0, 0);
	rx_expect_fail(&f, ENA_RESET_INV_RX_REQ_ID);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_BAD_REQ_ID), 1);
	rxfix_fini(&f);

	/* req_id whose buffer is not posted */
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	refill_n(&f, 2, &cookie);
	dev_rx_cdesc(&f, 9, 100, ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST, 0, 0);
	rx_expect_fail(&f, ENA_RESET_INV_RX_REQ_ID);
	rxfix_fini(&f);

	/* the same buffer twice in one packet */
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	refill_n(&f, 2, &cookie);
	a = dev_rx_take(&f, NULL, NULL);
	dev_rx_cdesc(&f, a, 100, ENA_RX_CDESC_FIRST, 0, 0);
	dev_rx_cdesc(&f, a, 100, ENA_RX_CDESC_LAST, 0, 0);
	rx_expect_fail(&f, ENA_RESET_INV_RX_REQ_ID);
	rxfix_fini(&f);

	/* FIRST on a later completion */
	rxfix_init(&f, 16, ENA_MAX_SGL, false);
	refill_n(&f, 2, &cookie);
	a = dev_rx_take(&f, NULL, NULL);
	b = dev_rx_take(&f, NULL, NULL);
	dev_rx_cdesc(&f, a, 100, ENA_RX_CDESC_FIRST, 0, 0);
	dev_rx_cdesc(&f, b, 100, ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST, 0, 0);
	rx_expect_fail(&f, ENA_RESET_RX_DESCRIPTOR_MALFORMED);
	rxfix_fini(&f);

	/* MBZ bits: malformed with CDESC_MBZ, ignored without */
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	refill_n(&f, 2, &cookie);
	dev_rx_cdesc(&f, dev_rx_take(&f, NULL, NULL), 100,
		     ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST | ENA_RX_CDESC_MBZ17, 0, 0);
	rx_expect_fail(&f, ENA_RESET_RX_DESCRIPTOR_MALFORMED);
	rxfix_fini(&f);
	rxfix_init(&f, 16, ENA_MAX_SGL, false);
	refill_n(&f, 2, &cookie);
	dev_rx_cdesc(&f, dev_rx_take(&f, NULL, NULL), 100,
		     ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST | ENA_RX_CDESC_MBZ7 | ENA_RX_CDESC_MBZ17, 0, 0);
	assert_int_equal(ena_rxq_poll(&f.q, pk, 4, sg, 32), 1);
	rxfix_fini(&f);

	/* more completions than the RX SGL */
	rxfix_init(&f, 16, 3, true);
	refill_n(&f, 8, &cookie);
	for (int i = 0; i < 4; i++)
		dev_rx_cdesc(&f, dev_rx_take(&f, NULL, NULL), 100, i == 0 ? ENA_RX_CDESC_FIRST : 0, 0, 0);
	rx_expect_fail(&f, ENA_RESET_TOO_MANY_RX_DESCS);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_BAD_DESC_NUM), 1);
	rxfix_fini(&f);

	/* length beyond the posted buffer (offset included) */
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	refill_n(&f, 2, &cookie);
	dev_rx_cdesc(&f, dev_rx_take(&f, NULL, NULL), 2047, ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST, 0, 2);
	rx_expect_fail(&f, ENA_RESET_RX_DESCRIPTOR_MALFORMED);
	rxfix_fini(&f);

	/* a good packet before a bad one is still delivered */
	rxfix_init(&f, 16, ENA_MAX_SGL, true);
	refill_n(&f, 2, &cookie);
	dev_rx_pkt(&f, 1, 64, 0, 0);
	dev_rx_cdesc(&f, 15, 64, ENA_RX_CDESC_FIRST | ENA_RX_CDESC_LAST, 0, 0);
	assert_int_equal(ena_rxq_poll(&f.q, pk, 4, sg, 32), 1);
	rx_expect_fail(&f, ENA_RESET_INV_RX_REQ_ID);
	rxfix_fini(&f);
}

static void test_rx_refill_and_empty(void **state)
{
	struct rxfix f;
	struct ena_rx_buf b[20];
	uint64_t cookie = 1;

	(void)state;
	rxfix_init(&f, 16, ENA_MAX_SGL, false);
	for (int i = 0; i < 20; i++)
		b[i] = (struct ena_rx_buf){ 0x1000u * (unsigned)(i + 1), 1024, (uint64_t)i };
	b[3].len = 0;
	assert_int_equal(ena_rxq_refill(&f.q, b, 5), 3); /* stops at the bad one */
	assert_int_equal(ena_rxq_refill(&f.q, b + 3, 1), -EINVAL);
	b[3].iova = 1ull << 48;
	b[3].len = 100;
	assert_int_equal(ena_rxq_refill(&f.q, b + 3, 1), -EINVAL);
	assert_int_equal(ena_rxq_refill(&f.q, b + 4, 16), 12); /* ring full at 15 */
	assert_int_equal(f.db, 15);
	assert_int_equal(ena_rxq_refill(&f.q, b, 1), 0);
	assert_false(ena_rxq_check_empty(&f.q));
	assert_int_equal(ena_rxq_drain(&f.q, NULL, 0), 15);
	rxfix_fini(&f);

	/* empty for two ticks -> empty_rx_ring */
	rxfix_init(&f, 16, ENA_MAX_SGL, false);
	assert_false(ena_rxq_check_empty(&f.q));
	assert_true(ena_rxq_check_empty(&f.q));
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_EMPTY_RX_RING), 1);
	refill_n(&f, 1, &cookie);
	assert_false(ena_rxq_check_empty(&f.q));
	ena_rxq_report_alloc_fail(&f.q, 5);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_PAGE_ALLOC_FAIL), 5);
	assert_int_equal(rxq_stat(&f.q, ENA_RXQ_STAT_REFIL_PARTIAL), 1);
	rxfix_fini(&f);
}

/* ------------------------------------------------------------------ */
/* Interrupts and moderation                                           */
/* ------------------------------------------------------------------ */

static void test_dim_levels(void **state)
{
	struct ena_dim d;
	uint64_t t = 1000000, pkts = 0, bytes = 0;
	unsigned int changes = 0;

	(void)state;
	ena_dim_init(&d, 0);
	assert_int_equal(ena_dim_usecs(&d), 1);
	assert_false(ena_dim_update(&d, t, pkts, bytes)); /* opens the window */
	/* 1M pps of small packets: one level up per window, up to 256 us */
	for (int w = 0; w < 6; w++) {
		for (int i = 0; i < 10; i++) {
			t += 100;
			pkts += 100;
			bytes += 6400;
			changes += ena_dim_update(&d, t, pkts, bytes);
		}
		assert_int_equal(d.level, w < 4 ? w + 1 : 4);
	}
	assert_int_equal(changes, 4);
	assert_int_equal(ena_dim_usecs(&d), 256);
	/* quiet: down one level every second window */
	for (int w = 0; w < 8; w++) {
		t += 1000;
		pkts += 1;
		bytes += 64;
		ena_dim_update(&d, t, pkts, bytes);
		assert_int_equal(d.level, 4 - (w + 1) / 2);
	}
	assert_int_equal(d.level, 0);
	/* few but large packets: the byte rate decides (2 GB/s) */
	for (int w = 0; w < 5; w++) {
		t += 1000;
		pkts += 230;
		bytes += 230 * 9000;
		ena_dim_update(&d, t, pkts, bytes);
	}
	assert_int_equal(d.level, 4);
	/* a moderate rate settles in the middle: 100k pps, 64 B */
	for (int w = 0; w < 10; w++) {
		t += 1000;
		pkts += 100;
		bytes += 6400;
		ena_dim_update(&d, t, pkts, bytes);
	}
	assert_int_equal(ena_dim_usecs(&d), 64);
	/* time going backwards just reopens the window */
	assert_false(ena_dim_update(&d, t - 5000, pkts, bytes));
}

static void test_intr_unmask(void **state)
{
	struct ena_intr in;
	struct txfix f;
	struct rxfix r;
	uint32_t reg = 0;
	uint64_t t = 5000000;

	(void)state;
	txfix_init(&f, 16, 0, ENA_MAX_SGL, 0, false, 0, false, -1);
	rxfix_init(&r, 16, ENA_MAX_SGL, false);
	ena_intr_init(&in, &(struct ena_intr_cfg){ .unmask_reg = &reg, .kick_fd = -1, .resolution = 2,
						   .supported = true });
	/* Linux defaults, first write keeps the device's delays */
	ena_intr_unmask(&in, &f.q, &r.q, t);
	assert_int_equal(reg, 10 | 32u << ENA_INTR_REG_TX_DELAY_SHIFT | ENA_INTR_REG_UNMASK |
				      ENA_INTR_REG_NO_MODERATION_UPDATE);
	assert_int_equal(txq_stat(&f.q, ENA_TXQ_STAT_UNMASK_INTERRUPT), 1);

	/* static values, converted by the resolution */
	assert_int_equal(ena_intr_set_moderation(&in, 100, 50, false), 0);
	ena_intr_unmask(&in, &f.q, &r.q, t);
	assert_int_equal(reg, 50 | 25u << ENA_INTR_REG_TX_DELAY_SHIFT | ENA_INTR_REG_UNMASK);
	ena_intr_unmask(&in, &f.q, &r.q, t);
	assert_true(reg & ENA_INTR_REG_NO_MODERATION_UPDATE);
	assert_int_equal(ena_intr_set_moderation(&in, 0x8000 * 2, 0, false), -ERANGE);

	/* adaptive: traffic moves the RX delay through the profiles */
	assert_int_equal(ena_intr_set_moderation(&in, 20, 64, true), 0);
	for (int i = 0; i < 60; i++) {
		t += 100;
		r.q.stats[ENA_RXQ_STAT_CNT] += 100;
		r.q.stats[ENA_RXQ_STAT_BYTES] += 6400;
		ena_intr_unmask(&in, &f.q, &r.q, t);
	}
	assert_int_equal(reg & ENA_INTR_REG_RX_DELAY_MASK, 256 / 2);
	assert_int_equal((reg & ENA_INTR_REG_TX_DELAY_MASK) >> ENA_INTR_REG_TX_DELAY_SHIFT, 32);
	uint32_t rx_us, tx_us;
	bool adaptive;
	struct ena_qpair qp = { .intr = in };
	ena_qpair_get_moderation(&qp, &rx_us, &tx_us, &adaptive);
	assert_int_equal(rx_us, 256);
	assert_int_equal(tx_us, 64);
	assert_true(adaptive);

	/* without the feature only zeros are allowed */
	ena_intr_init(&in, &(struct ena_intr_cfg){ .unmask_reg = &reg, .kick_fd = -1 });
	assert_int_equal(ena_intr_set_moderation(&in, 10, 0, false), -EOPNOTSUPP);
	assert_int_equal(ena_intr_set_moderation(&in, 0, 0, false), 0);
	/* an explicit set is written once, even when nothing changed */
	ena_intr_unmask(&in, &f.q, &r.q, t);
	assert_int_equal(reg, ENA_INTR_REG_UNMASK);
	ena_intr_unmask(&in, &f.q, &r.q, t);
	assert_int_equal(reg, ENA_INTR_REG_UNMASK | ENA_INTR_REG_NO_MODERATION_UPDATE);
	txfix_fini(&f);
	rxfix_fini(&r);
}

/* ------------------------------------------------------------------ */
/* Names and init checks                                               */
/* ------------------------------------------------------------------ */

static void test_stat_names(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < ENA_TXQ_STAT__COUNT; i++) {
		assert_non_null(ena_txq_stat_name(i));
		assert_int_equal(ena_txq_stat_from_name(ena_txq_stat_name(i)), (int)i);
	}
	for (unsigned int i = 0; i < ENA_RXQ_STAT__COUNT; i++) {
		assert_non_null(ena_rxq_stat_name(i));
		assert_int_equal(ena_rxq_stat_from_name(ena_rxq_stat_name(i)), (int)i);
	}
	assert_null(ena_txq_stat_name(ENA_TXQ_STAT__COUNT));
	assert_int_equal(ena_rxq_stat_from_name("nope"), -EINVAL);
	assert_string_equal(ena_rxq_stat_name(ENA_RXQ_STAT_REFIL_PARTIAL), "refil_partial");
	assert_string_equal(ena_txq_stat_name(ENA_TXQ_STAT_LLQ_BUFFER_COPY), "llq_buffer_copy");
}

static void test_init_checks(void **state)
{
	struct ena_txq q;
	struct ena_rxq rq;
	uint8_t ring[4096];
	uint32_t db;
	struct ena_txq_cfg c = { .depth = 12, .sq_ring = ring, .cq_ring = ring, .doorbell = &db,
				 .kick_fd = -1, .max_descs = 4, .dma_width = 48 };
	struct ena_rxq_cfg rc = { .depth = 16, .sq_ring = ring, .cq_ring = ring, .doorbell = &db,
				  .kick_fd = -1, .max_descs = 0, .dma_width = 48 };

	(void)state;
	assert_int_equal(ena_txq_init(&q, &c), -EINVAL); /* not a power of 2 */
	c.depth = 4;
	assert_int_equal(ena_txq_init(&q, &c), -EINVAL); /* too small */
	c.depth = 16;
	c.llq_entry_size = 192;
	assert_int_equal(ena_txq_init(&q, &c), -EINVAL);
	c.llq_entry_size = 128; /* no LLQ memory */
	assert_int_equal(ena_txq_init(&q, &c), -EINVAL);
	c.llq_entry_size = 0;
	c.max_descs = 20;
	assert_int_equal(ena_txq_init(&q, &c), -EINVAL);
	assert_int_equal(ena_rxq_init(&rq, &rc), -EINVAL);
	rc.max_descs = 19;
	assert_int_equal(ena_rxq_init(&rq, &rc), 0);
	ena_rxq_fini(&rq);
}


/* ------------------------------------------------------------------ */
/* Admin creation against enasim (skipped when it cannot start)        */
/* ------------------------------------------------------------------ */

static void test_qpair_sim(void **state)
{
	static const char *const args[] = { "--queues", "2", NULL };
	static uint8_t frame[512];
	struct ena_dev_params params = { .numa_node = -1, .admin_polling = true };
	struct ena_qpair *qp = NULL, *qp2 = NULL;
	struct ena_qpair_params p = { .index = 0, .tx_depth = 256, .rx_depth = 256, .numa_node = -1,
				      .irq_fd = -1 };
	struct ena_dev *dev = NULL;
	struct ena_dma_mem buf = { 0 };
	struct sim sim;
	uint32_t max_tx, max_rx, rx_us, tx_us;
	bool adaptive;

	(void)state;
	if (sim_start(&sim, args) < 0)
		skip();
	assert_int_equal(ena_dev_open(sim.devstr, &dev), 0);
	assert_int_equal(ena_dev_init(dev, &params), 0);

	assert_int_equal(ena_eth_max_depths(dev, 0, &max_tx, &max_rx), 0);
	assert_int_equal(max_tx, 1024);
	assert_int_equal(max_rx, 16384);
	assert_int_equal(ena_eth_max_depths(dev, 256, &max_tx, NULL), 0);
	assert_int_equal(max_tx, 512); /* wide LLQ halves */
	assert_int_equal(ena_eth_max_depths(dev, 192, &max_tx, NULL), -EINVAL);

	/* bad parameters never reach the device */
	p.tx_depth = 2048;
	assert_int_equal(ena_qpair_create(dev, &p, &qp), -EINVAL);
	p.tx_depth = 256;
	p.index = 2;
	assert_int_equal(ena_qpair_create(dev, &p, &qp), -EINVAL);
	p.index = 0;
	assert_null(qp);

	/* host placement */
	assert_int_equal(ena_qpair_create(dev, &p, &qp), 0);
	assert_int_equal(ena_qpair_irq_fd(qp), -1);
	ena_qpair_get_moderation(qp, &rx_us, &tx_us, &adaptive);
	assert_int_equal(tx_us, 64);
	assert_true(adaptive);
	assert_int_equal(ena_dma_alloc(dev->bus, 65536, -1, &buf), 0);
	struct ena_rx_buf rb[4];
	for (int i = 0; i < 4; i++)
		rb[i] = (struct ena_rx_buf){ buf.iova + 4096u * (unsigned)i, 2048, (uint64_t)i };
	assert_int_equal(ena_rxq_refill(ena_qpair_rxq(qp), rb, 4), 4);
	ena_qpair_unmask(qp, ena_now_us());
	struct ena_tx_buf tb = { buf.iova + 32768, (uint8_t *)buf.va + 32768, 60 };
	struct ena_tx_pkt tp = { .bufs = &tb, .nr_bufs = 1, .cookie = 1 };
	assert_int_equal(ena_txq_post(ena_qpair_txq(qp), &tp, 1), 1);
	assert_int_equal(ena_qpair_destroy(qp), 0);

	/* LLQ placement, 128-byte entries, and a second pair at once */
	assert_int_equal(ena_dev_set_llq(dev, 128), 0);
	p.llq_entry_size = 128;
	assert_int_equal(ena_qpair_create(dev, &p, &qp), 0);
	p.index = 1;
	assert_int_equal(ena_qpair_create(dev, &p, &qp2), 0);
	assert_int_not_equal(ena_qpair_rx_sq_idx(qp), ena_qpair_rx_sq_idx(qp2));
	tb.va = frame;
	assert_int_equal(ena_txq_post(ena_qpair_txq(qp), &tp, 1), 1);
	assert_int_equal(ena_qpair_destroy(qp2), 0);
	assert_int_equal(ena_qpair_destroy(qp), 0);

	ena_dma_free(&buf);
	ena_dev_close(dev);
	sim_stop(&sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tx_host_basic),
		cmocka_unit_test(test_tx_host_laps),
		cmocka_unit_test(test_tx_req_id_split),
		cmocka_unit_test(test_tx_offload_meta_cache),
		cmocka_unit_test(test_tx_malformed_pkts),
		cmocka_unit_test(test_tx_ring_full),
		cmocka_unit_test(test_tx_bad_completions),
		cmocka_unit_test(test_tx_missing),
		cmocka_unit_test(test_tx_llq_normal),
		cmocka_unit_test(test_tx_llq_large_accel),
		cmocka_unit_test(test_rx_basic),
		cmocka_unit_test(test_rx_laps_and_partial),
		cmocka_unit_test(test_rx_bad_values),
		cmocka_unit_test(test_rx_refill_and_empty),
		cmocka_unit_test(test_dim_levels),
		cmocka_unit_test(test_intr_unmask),
		cmocka_unit_test(test_stat_names),
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_qpair_sim),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
