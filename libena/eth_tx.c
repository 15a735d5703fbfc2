/* SPDX-License-Identifier: MIT */
/* TX datapath: descriptor chains in host rings or LLQ entries, meta
 * caching, burst doorbells, completions and missing-completion bookkeeping. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eth_queue.h"
#include "plat.h"

#define TX_OFFLOAD_FLAGS (ENA_TX_PKT_L3_CSUM | ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_TSO)
#define TX_ALL_FLAGS (TX_OFFLOAD_FLAGS | ENA_TX_PKT_L4_PARTIAL | ENA_TX_PKT_DF)
#define TX_MSS_MAX 0x3fffu           /* 14 bits: mss_lo 10 + mss_hi 4 */
#define TX_L4_HDR_WORDS_MAX 0x3fu    /* 6 bits */

/* Write-combined LLQ stores must reach the device before the doorbell. */
static inline void tx_wc_barrier(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_sfence();
#else
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#endif
}

/* What one packet needs, worked out before anything is written. */
struct tx_plan {
	uint32_t total;
	uint16_t push_len;     /* LLQ: bytes pushed into the first entry */
	uint16_t hdr_len;      /* header_length field */
	unsigned int ndescs;   /* incl. meta */
	unsigned int entries;  /* SQ entries: descriptors or LLQ entries */
	bool meta_valid;       /* offload fields go into data descriptor 0 */
	bool have_meta;        /* a meta descriptor is sent */
	bool push_copied;      /* the pushed bytes span several buffers */
	struct ena_tx_meta meta;
};

int ena_txq_init(struct ena_txq *q, const struct ena_txq_cfg *cfg)
{
	uint32_t depth = cfg->depth;
	void *info;
	int r;
	unsigned int e = cfg->llq_entry_size;

	if (ena_eth_ring_check(depth, cfg->max_descs, cfg->dma_width) < 0)
		return -EINVAL;
	if (e != 0 && e != ENA_LLQ_ENTRY_SIZE_NORMAL && e != ENA_LLQ_ENTRY_SIZE_LARGE)
		return -EINVAL;
	if ((e ? !cfg->llq_base : !cfg->sq_ring) || !cfg->cq_ring || !cfg->doorbell)
		return -EINVAL;

	memset(q, 0, sizeof(*q));
	r = ena_eth_ids_alloc(depth, sizeof(*q->info), &q->free_ids, &info);
	if (r < 0)
		return r;
	q->info = info;

	q->qid = cfg->qid;
	q->depth = depth;
	q->mask = depth - 1;
	q->sq_phase = 1;
	q->cq_phase = 1;
	q->sq_ring = cfg->sq_ring;
	q->cq_ring = cfg->cq_ring;
	q->doorbell = cfg->doorbell;
	q->kick_fd = cfg->kick_fd;
	q->max_descs = cfg->max_descs;
	q->tx_offloads = cfg->tx_offloads;
	q->cdesc_mbz = cfg->cdesc_mbz;
	q->dma_limit = ena_eth_dma_limit(cfg->dma_width);
	q->fail_reason = ENA_REASON_NONE;
	if (e) {
		q->llq_base = (volatile uint64_t *)cfg->llq_base;
		q->llq_entry_size = (uint16_t)e;
		q->llq_descs_per_entry = (uint16_t)(e / sizeof(struct ena_tx_desc));
		q->max_header = (uint16_t)(e - ENA_LLQ_DESCS_BEFORE_HEADER * sizeof(struct ena_tx_desc));
		q->burst_max = cfg->llq_burst_entries;
		q->burst_left = q->burst_max;
		q->disable_meta_caching = cfg->llq_disable_meta_caching;
		q->wake_entries = 1;
		if (q->max_descs > ENA_LLQ_DESCS_BEFORE_HEADER)
			q->wake_entries += (uint16_t)((q->max_descs - ENA_LLQ_DESCS_BEFORE_HEADER +
						       q->llq_descs_per_entry - 1) /
						      q->llq_descs_per_entry);
	} else {
		/* header_length is an 8-bit hint in host placement */
		q->max_header = cfg->max_header > 255 ? 255 : cfg->max_header;
		if (q->max_descs > depth - 1)
			q->max_descs = (uint16_t)(depth - 1);
		q->wake_entries = q->max_descs;
	}
	return 0;
}

void ena_txq_fini(struct ena_txq *q)
{
	free(q->free_ids);
	free(q->info);
	q->free_ids = NULL;
	q->info = NULL;
}

static unsigned int txq_free(const struct ena_txq *q)
{
	return q->depth - 1 - (uint16_t)(q->sq_tail - q->sq_ntc);
}

unsigned int ena_txq_free_entries(const struct ena_txq *q)
{
	return txq_free(q);
}

unsigned int ena_txq_max_bufs(const struct ena_txq *q)
{
	/* room for a meta descriptor, whatever the packet asks */
	return q->max_descs > 1 ? q->max_descs - 1u : 1u;
}

static bool l4_ok(uint8_t l4)
{
	return l4 == ENA_L4_PROTO_TCP || l4 == ENA_L4_PROTO_UDP;
}

/* Offload request against what the device advertises (ENA-DEVICE 11.6). */
static int tx_check_offloads(const struct ena_txq *q, const struct ena_tx_pkt *p)
{
	uint32_t fl = p->flags, dev = q->tx_offloads;
	bool v4 = p->l3_proto == ENA_L3_PROTO_IPV4, v6 = p->l3_proto == ENA_L3_PROTO_IPV6;

	if (fl & ~TX_ALL_FLAGS)
		return -EINVAL;
	if ((fl & ENA_TX_PKT_L4_PARTIAL) && !(fl & (ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_TSO)))
		return -EINVAL;
	if (!(fl & TX_OFFLOAD_FLAGS))
		return 0;
	if (!v4 && !v6)
		return -EINVAL;
	if (fl & ENA_TX_PKT_TSO) {
		if (p->l4_proto != ENA_L4_PROTO_TCP || p->mss == 0 || p->mss > TX_MSS_MAX)
			return -EINVAL;
		if (p->l4_hdr_len == 0 || (p->l4_hdr_len & 3) || p->l4_hdr_len / 4 > TX_L4_HDR_WORDS_MAX)
			return -EINVAL;
		if ((fl & ENA_TX_PKT_L3_CSUM) && !v4)
			return -EINVAL;
		if (!(dev & (v4 ? ENA_OFFLOAD_TX_TSO_IPV4 : ENA_OFFLOAD_TX_TSO_IPV6)))
			return -EINVAL;
		return 0;
	}
	if (fl & ENA_TX_PKT_L3_CSUM) {
		if (!v4 || !(dev & ENA_OFFLOAD_TX_L3_CSUM_IPV4))
			return -EINVAL;
	}
	if (fl & ENA_TX_PKT_L4_CSUM) {
		uint32_t need;

		if (!l4_ok(p->l4_proto))
			return -EINVAL;
		if (v4)
			need = (fl & ENA_TX_PKT_L4_PARTIAL) ? ENA_OFFLOAD_TX_L4_IPV4_CSUM_PART
							    : ENA_OFFLOAD_TX_L4_IPV4_CSUM_FULL;
		else
			need = (fl & ENA_TX_PKT_L4_PARTIAL) ? ENA_OFFLOAD_TX_L4_IPV6_CSUM_PART
							    : ENA_OFFLOAD_TX_L4_IPV6_CSUM_FULL;
		if (!(dev & need))
			return -EINVAL;
	}
	return 0;
}

static int tx_plan_pkt(struct ena_txq *q, const struct ena_tx_pkt *p, struct tx_plan *pl)
{
	unsigned int ndata = 0;
	uint32_t skip;
	int r;

	memset(pl, 0, sizeof(*pl));
	if (!p->bufs || p->nr_bufs == 0 || p->nr_bufs > ENA_ETH_MAX_DEPTH)
		return -EINVAL;
	for (unsigned int i = 0; i < p->nr_bufs; i++) {
		const struct ena_tx_buf *b = &p->bufs[i];

		if (b->len == 0 || b->len > ENA_TX_DESC_LENGTH_MASK || b->iova >= q->dma_limit ||
		    q->dma_limit - b->iova < b->len)
			return -EINVAL;
		pl->total += b->len;
	}
	r = tx_check_offloads(q, p);
	if (r < 0)
		return r;

	if (q->llq_entry_size) {
		uint32_t need;

		pl->push_len = (uint16_t)(pl->total < q->max_header ? pl->total : q->max_header);
		pl->hdr_len = pl->push_len;
		/* every pushed byte needs a CPU address */
		need = pl->push_len;
		for (unsigned int i = 0; need; i++) {
			if (!p->bufs[i].va)
				return -EINVAL;
			need -= p->bufs[i].len < need ? p->bufs[i].len : need;
		}
		pl->push_copied = pl->push_len > p->bufs[0].len;
	} else {
		pl->hdr_len = (uint16_t)(p->bufs[0].len < q->max_header ? p->bufs[0].len : q->max_header);
	}

	skip = pl->push_len;
	for (unsigned int i = 0; i < p->nr_bufs; i++) {
		if (skip >= p->bufs[i].len) {
			skip -= p->bufs[i].len;
			continue;
		}
		skip = 0;
		ndata++;
	}
	if (ndata == 0)
		ndata = 1; /* whole frame pushed: one zero-length data descriptor */

	pl->meta_valid = (p->flags & TX_OFFLOAD_FLAGS) != 0;
	if (pl->meta_valid) {
		bool tso = p->flags & ENA_TX_PKT_TSO;

		pl->meta.mss = tso ? p->mss : 0;
		pl->meta.l3_hdr_len = p->l3_hdr_len;
		pl->meta.l3_hdr_off = p->l3_hdr_off;
		pl->meta.l4_hdr_len_words = tso ? (uint8_t)(p->l4_hdr_len / 4) : 0;
	}
	if (q->disable_meta_caching) {
		/* LLQ accel: a meta descriptor on every packet, zeroed without offloads */
		pl->have_meta = true;
		pl->meta_valid = true;
	} else if (pl->meta_valid) {
		pl->have_meta = memcmp(&pl->meta, &q->meta_cache, sizeof(pl->meta)) != 0;
	}

	pl->ndescs = ndata + (pl->have_meta ? 1u : 0u);
	if (pl->ndescs > q->max_descs)
		return -EMSGSIZE;
	if (q->llq_entry_size) {
		pl->entries = 1;
		if (pl->ndescs > ENA_LLQ_DESCS_BEFORE_HEADER)
			pl->entries += (pl->ndescs - ENA_LLQ_DESCS_BEFORE_HEADER +
					q->llq_descs_per_entry - 1) / q->llq_descs_per_entry;
		if (q->burst_max && pl->entries > q->burst_max)
			return -EMSGSIZE;
	} else {
		pl->entries = pl->ndescs;
	}
	return 0;
}

/* Descriptor chain of one packet, without phase bits (ENA-DEVICE 11.1-11.3). */
static unsigned int tx_build_descs(const struct ena_tx_pkt *p, const struct tx_plan *pl,
				   uint16_t req_id, struct ena_tx_desc *d)
{
	unsigned int n = 0;
	uint32_t skip = pl->push_len;
	bool used = false;

	memset(d, 0, pl->ndescs * sizeof(*d));
	if (pl->have_meta) {
		struct ena_tx_meta_desc m = { 0 };

		m.len_ctrl = ENA_TX_META_META_DESC | ENA_TX_META_EXT_VALID | ENA_TX_META_ETH_META_TYPE |
			     ENA_TX_META_META_STORE | ENA_TX_META_FIRST |
			     (((uint32_t)pl->meta.mss >> 10) << ENA_TX_META_MSS_HI_SHIFT &
			      ENA_TX_META_MSS_HI_MASK);
		m.word2 = ((uint32_t)pl->meta.l3_hdr_len & ENA_TX_META_L3_HDR_LEN_MASK) |
			  ((uint32_t)pl->meta.l3_hdr_off << ENA_TX_META_L3_HDR_OFF_SHIFT &
			   ENA_TX_META_L3_HDR_OFF_MASK) |
			  ((uint32_t)pl->meta.l4_hdr_len_words << ENA_TX_META_L4_HDR_LEN_WORDS_SHIFT &
			   ENA_TX_META_L4_HDR_LEN_WORDS_MASK) |
			  ((uint32_t)pl->meta.mss << ENA_TX_META_MSS_LO_SHIFT & ENA_TX_META_MSS_LO_MASK);
		memcpy(&d[n++], &m, sizeof(m));
	}

	d[n].len_ctrl = ENA_TX_DESC_COMP_REQ | (pl->have_meta ? 0 : ENA_TX_DESC_FIRST) |
			((uint32_t)(req_id >> 10) << ENA_TX_DESC_REQ_ID_HI_SHIFT & ENA_TX_DESC_REQ_ID_HI_MASK);
	d[n].meta_ctrl = (uint32_t)(req_id & 0x3ff) << ENA_TX_DESC_REQ_ID_LO_SHIFT;
	if (p->flags & ENA_TX_PKT_DF)
		d[n].meta_ctrl |= ENA_TX_DESC_DF;
	if (p->flags & TX_OFFLOAD_FLAGS) {
		uint32_t fl = p->flags;
		bool tso = fl & ENA_TX_PKT_TSO;

		d[n].meta_ctrl |= ((uint32_t)p->l3_proto & ENA_TX_DESC_L3_PROTO_IDX_MASK) |
				  ((uint32_t)p->l4_proto << ENA_TX_DESC_L4_PROTO_IDX_SHIFT &
				   ENA_TX_DESC_L4_PROTO_IDX_MASK);
		if (tso)
			d[n].meta_ctrl |= ENA_TX_DESC_TSO_EN;
		if (fl & ENA_TX_PKT_L3_CSUM)
			d[n].meta_ctrl |= ENA_TX_DESC_L3_CSUM_EN;
		if (tso || (fl & ENA_TX_PKT_L4_CSUM))
			d[n].meta_ctrl |= ENA_TX_DESC_L4_CSUM_EN;
		if (fl & ENA_TX_PKT_L4_PARTIAL)
			d[n].meta_ctrl |= ENA_TX_DESC_L4_CSUM_PARTIAL;
	}
	d[n].buff_addr_hi_hdr_sz = (uint32_t)pl->hdr_len << ENA_TX_DESC_HEADER_LENGTH_SHIFT;

	/* data descriptor 0 carries the first non-pushed bytes (or nothing
	 * when the whole frame was pushed); the others only length+address */
	for (unsigned int i = 0; i < p->nr_bufs; i++) {
		const struct ena_tx_buf *b = &p->bufs[i];
		uint64_t addr;
		uint32_t len;

		if (skip >= b->len) {
			skip -= b->len;
			continue;
		}
		addr = b->iova + skip;
		len = b->len - skip;
		skip = 0;
		if (used)
			n++;
		used = true;
		d[n].len_ctrl |= len & ENA_TX_DESC_LENGTH_MASK;
		d[n].buff_addr_lo = (uint32_t)addr;
		d[n].buff_addr_hi_hdr_sz |= (uint32_t)(addr >> 32) & ENA_TX_DESC_ADDR_HI_MASK;
	}
	d[n].len_ctrl |= ENA_TX_DESC_LAST;
	return n + 1;
}

static void tx_emit_host(struct ena_txq *q, struct ena_tx_desc *d, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		d[i].len_ctrl |= (uint32_t)q->sq_phase << ENA_TX_DESC_PHASE_SHIFT;
		q->sq_ring[q->sq_tail & q->mask] = d[i];
		q->sq_tail++;
		if ((q->sq_tail & q->mask) == 0)
			q->sq_phase ^= 1;
	}
}

static void llq_write_entry(struct ena_txq *q, const uint64_t *src)
{
	unsigned int words = q->llq_entry_size / 8u;
	volatile uint64_t *dst = q->llq_base + (size_t)(q->sq_tail & q->mask) * words;

	for (unsigned int i = 0; i < words; i++)
		dst[i] = src[i];
	q->sq_tail++;
	if ((q->sq_tail & q->mask) == 0)
		q->sq_phase ^= 1;
	if (q->burst_max)
		q->burst_left--;
}

/* LLQ: entry 0 holds two descriptor slots then the pushed header; later
 * entries hold descs_per_entry descriptors each (ENA-DEVICE 11.5). */
static void tx_emit_llq(struct ena_txq *q, const struct ena_tx_pkt *p, const struct tx_plan *pl,
			struct ena_tx_desc *d, unsigned int n)
{
	uint64_t ent[ENA_LLQ_ENTRY_SIZE_LARGE / 8];
	uint8_t *bytes = (uint8_t *)ent;
	uint32_t phase = (uint32_t)q->sq_phase << ENA_TX_DESC_PHASE_SHIFT;
	unsigned int i = 0, k, copied = 0;

	memset(ent, 0, q->llq_entry_size);
	for (k = 0; k < ENA_LLQ_DESCS_BEFORE_HEADER && i < n; k++, i++) {
		d[i].len_ctrl |= phase;
		memcpy(bytes + k * sizeof(*d), &d[i], sizeof(*d));
	}
	for (unsigned int b = 0; copied < pl->push_len; b++) {
		uint32_t chunk = pl->push_len - copied;

		if (chunk > p->bufs[b].len)
			chunk = p->bufs[b].len;
		memcpy(bytes + ENA_LLQ_DESCS_BEFORE_HEADER * sizeof(*d) + copied, p->bufs[b].va, chunk);
		copied += chunk;
	}
	llq_write_entry(q, ent);

	while (i < n) {
		phase = (uint32_t)q->sq_phase << ENA_TX_DESC_PHASE_SHIFT;
		memset(ent, 0, q->llq_entry_size);
		for (k = 0; k < q->llq_descs_per_entry && i < n; k++, i++) {
			d[i].len_ctrl |= phase;
			memcpy(bytes + k * sizeof(*d), &d[i], sizeof(*d));
		}
		llq_write_entry(q, ent);
	}
}

static void tx_doorbell(struct ena_txq *q)
{
	if (q->llq_entry_size)
		tx_wc_barrier();
	ena_eth_ring_doorbell(q->doorbell, q->kick_fd, q->sq_tail);
	q->burst_left = q->burst_max;
	ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_DOORBELLS, 1);
}

int ena_txq_post(struct ena_txq *q, const struct ena_tx_pkt *pkts, unsigned int n)
{
	struct ena_tx_desc d[ENA_MAX_SGL];
	uint16_t rung = q->sq_tail;
	uint64_t now = 0;
	unsigned int done = 0;
	int r = 0;

	if (q->cq_broken)
		return -EPROTO;
	for (; done < n; done++) {
		const struct ena_tx_pkt *p = &pkts[done];
		struct ena_tx_info *info;
		struct tx_plan pl;
		unsigned int nd;
		uint16_t req_id;

		r = tx_plan_pkt(q, p, &pl);
		if (r == -EMSGSIZE) {
			ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_LINEARIZE, 1);
			break;
		}
		if (r < 0) {
			ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_PREPARE_CTX_ERR, 1);
			break;
		}
		if (txq_free(q) < pl.entries || (uint16_t)(q->req_ntu - q->req_ntc) >= q->depth) {
			if (!q->stopped)
				ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_QUEUE_STOP, 1);
			q->stopped = true;
			r = -ENOSPC;
			break;
		}
		if (q->burst_max && pl.entries > q->burst_left) {
			tx_doorbell(q);
			rung = q->sq_tail;
		}

		req_id = q->free_ids[q->req_ntu & q->mask];
		info = &q->info[req_id];
		if (__atomic_load_n(&info->stamp, __ATOMIC_RELAXED)) {
			/* our own bookkeeping disagrees with itself */
			ena_eth_fail(&q->fail_reason, ENA_RESET_DRIVER_INVALID_STATE);
			r = -EPROTO;
			break;
		}
		q->req_ntu++;

		nd = tx_build_descs(p, &pl, req_id, d);
		if (q->llq_entry_size) {
			tx_emit_llq(q, p, &pl, d, nd);
			if (pl.push_copied)
				ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_LLQ_BUFFER_COPY, 1);
		} else {
			tx_emit_host(q, d, nd);
		}
		if (pl.have_meta && !q->disable_meta_caching)
			q->meta_cache = pl.meta;

		if (!now) {
			now = ena_now_us() & ~ENA_TX_STAMP_TIMED_OUT;
			if (!now)
				now = 1;
		}
		info->cookie = p->cookie;
		info->bytes = pl.total;
		info->sq_entries = (uint16_t)pl.entries;
		__atomic_store_n(&info->stamp, now, __ATOMIC_RELAXED);
		ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_CNT, 1);
		ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_BYTES, pl.total);
	}
	if (q->sq_tail != rung)
		tx_doorbell(q);
	return done ? (int)done : r;
}

int ena_txq_poll(struct ena_txq *q, uint64_t *ret_cookies, unsigned int budget)
{
	unsigned int done = 0, entries = 0;

	if (q->cq_broken)
		return -EPROTO;
	while (done < budget) {
		const struct ena_tx_cdesc *c = &q->cq_ring[q->cq_head & q->mask];
		uint8_t flags = ENA_READ_ONCE(c->flags);
		struct ena_tx_info *info;
		uint64_t stamp;
		uint16_t req_id;

		if ((flags & ENA_TX_CDESC_PHASE) != q->cq_phase)
			break;
		if ((flags & ENA_TX_CDESC_MBZ6_MASK) && q->cdesc_mbz) {
			ena_eth_fail(&q->fail_reason, ENA_RESET_TX_DESCRIPTOR_MALFORMED);
			q->cq_broken = true;
			break;
		}
		ena_rmb();
		req_id = ENA_READ_ONCE(c->req_id);
		if (req_id >= q->depth ||
		    !(stamp = __atomic_load_n(&q->info[req_id].stamp, __ATOMIC_RELAXED))) {
			ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_BAD_REQ_ID, 1);
			ena_eth_fail(&q->fail_reason, ENA_RESET_INV_TX_REQ_ID);
			q->cq_broken = true;
			break;
		}
		q->cq_head++;
		if ((q->cq_head & q->mask) == 0)
			q->cq_phase ^= 1;

		info = &q->info[req_id];
		stamp = __atomic_exchange_n(&info->stamp, 0, __ATOMIC_RELAXED);
		if (stamp & ENA_TX_STAMP_TIMED_OUT)
			__atomic_fetch_sub(&q->stats[ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS], 1,
					   __ATOMIC_RELAXED);
		if (ret_cookies)
			ret_cookies[done] = info->cookie;
		entries += info->sq_entries;
		q->free_ids[q->req_ntc & q->mask] = req_id;
		q->req_ntc++;
		done++;
	}
	q->sq_ntc = (uint16_t)(q->sq_ntc + entries);
	if (q->stopped && txq_free(q) >= q->wake_entries) {
		q->stopped = false;
		ENA_STAT_ADD(q->stats, ENA_TXQ_STAT_QUEUE_WAKEUP, 1);
	}
	if (done == 0 && q->cq_broken)
		return -EPROTO;
	return (int)done;
}

unsigned int ena_txq_drain(struct ena_txq *q, uint64_t *ret_cookies, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < q->depth && (!ret_cookies || n < max); i++) {
		struct ena_tx_info *info = &q->info[i];
		uint64_t stamp = __atomic_exchange_n(&info->stamp, 0, __ATOMIC_RELAXED);

		if (!stamp)
			continue;
		if (stamp & ENA_TX_STAMP_TIMED_OUT)
			__atomic_fetch_sub(&q->stats[ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS], 1,
					   __ATOMIC_RELAXED);
		if (ret_cookies)
			ret_cookies[n] = info->cookie;
		n++;
	}
	return n;
}

unsigned int ena_txq_check_missing(struct ena_txq *q, uint64_t now_us, uint64_t timeout_us,
				   uint32_t threshold)
{
	uint64_t fresh = 0, pending;

	for (uint32_t i = 0; i < q->depth; i++) {
		uint64_t *slot = &q->info[i].stamp;
		uint64_t s = __atomic_load_n(slot, __ATOMIC_RELAXED);

		if (!s || (s & ENA_TX_STAMP_TIMED_OUT) || now_us <= s || now_us - s <= timeout_us)
			continue;
		/* loses to a completion racing with us: then it was not missing */
		if (__atomic_compare_exchange_n(slot, &s, s | ENA_TX_STAMP_TIMED_OUT, false,
						__ATOMIC_RELAXED, __ATOMIC_RELAXED))
			fresh++;
	}
	pending = __atomic_add_fetch(&q->stats[ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS], fresh,
				     __ATOMIC_RELAXED);
	__atomic_fetch_add(&q->stats[ENA_TXQ_STAT_MISSED_TX], fresh, __ATOMIC_RELAXED);
	if (pending > threshold)
		ena_eth_fail(&q->fail_reason, ENA_RESET_MISS_TX_CMPL);
	return (unsigned int)pending;
}

bool ena_txq_failed(const struct ena_txq *q, enum ena_reset_reason *ret_reason)
{
	uint32_t r = __atomic_load_n(&q->fail_reason, __ATOMIC_RELAXED);

	if (r == ENA_REASON_NONE)
		return false;
	if (ret_reason)
		*ret_reason = (enum ena_reset_reason)r;
	return true;
}
