/* SPDX-License-Identifier: MIT */
/* RX datapath: batched refill, multi-buffer packets, checksum and hash
 * reporting, every completion field checked before use. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eth_queue.h"
#include "plat.h"

#define RX_MAX_BUF_LEN 65536u /* descriptor length 0 */

int ena_rxq_init(struct ena_rxq *q, const struct ena_rxq_cfg *cfg)
{
	uint32_t depth = cfg->depth;
	void *info;
	int r;

	if (ena_eth_ring_check(depth, cfg->max_descs, cfg->dma_width) < 0)
		return -EINVAL;
	if (!cfg->sq_ring || !cfg->cq_ring || !cfg->doorbell)
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
	/* a packet never spans more buffers than can be posted */
	q->max_descs = cfg->max_descs < depth - 1 ? cfg->max_descs : (uint16_t)(depth - 1);
	q->cdesc_mbz = cfg->cdesc_mbz;
	q->dma_limit = ena_eth_dma_limit(cfg->dma_width);
	q->fail_reason = ENA_REASON_NONE;
	return 0;
}

void ena_rxq_fini(struct ena_rxq *q)
{
	free(q->free_ids);
	free(q->info);
	q->free_ids = NULL;
	q->info = NULL;
}

static unsigned int rxq_posted(const struct ena_rxq *q)
{
	return (uint16_t)(q->sq_tail - q->sq_ntc);
}

unsigned int ena_rxq_free_slots(const struct ena_rxq *q)
{
	return q->depth - 1 - rxq_posted(q);
}

int ena_rxq_refill(struct ena_rxq *q, const struct ena_rx_buf *bufs, unsigned int n)
{
	unsigned int room = ena_rxq_free_slots(q), done = 0;
	uint16_t tail = q->sq_tail;

	if (q->cq_broken)
		return -EPROTO;
	if (n > room)
		n = room;
	for (; done < n; done++) {
		const struct ena_rx_buf *b = &bufs[done];
		struct ena_rx_desc d = { 0 };
		uint16_t req_id;

		if (b->len == 0 || b->len > RX_MAX_BUF_LEN || b->iova >= q->dma_limit ||
		    q->dma_limit - b->iova < b->len)
			break;
		req_id = q->free_ids[q->req_ntu & q->mask];
		q->req_ntu++;
		q->info[req_id].cookie = b->cookie;
		q->info[req_id].len = b->len;
		q->info[req_id].posted = true;

		d.length = (uint16_t)b->len; /* 65536 wraps to 0, which means 64 KiB */
		d.ctrl = ENA_RX_DESC_FIRST | ENA_RX_DESC_LAST | ENA_RX_DESC_COMP_REQ |
			 (q->sq_phase ? ENA_RX_DESC_PHASE : 0);
		d.req_id = req_id;
		d.buff_addr_lo = (uint32_t)b->iova;
		d.buff_addr_hi = (uint16_t)(b->iova >> 32);
		q->sq_ring[tail & q->mask] = d;
		tail++;
		if ((tail & q->mask) == 0)
			q->sq_phase ^= 1;
	}
	if (done == 0)
		return n == 0 ? 0 : -EINVAL;
	__atomic_store_n(&q->sq_tail, tail, __ATOMIC_RELAXED);
	ena_eth_ring_doorbell(q->doorbell, q->kick_fd, tail);
	return (int)done;
}

void ena_rxq_report_alloc_fail(struct ena_rxq *q, unsigned int missing)
{
	if (!missing)
		return;
	ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_PAGE_ALLOC_FAIL, missing);
	ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_REFIL_PARTIAL, 1);
}

void ena_rxq_set_copybreak(struct ena_rxq *q, uint32_t bytes)
{
	q->copybreak = bytes;
}

/* A snapshot of one packet's completions, taken once so that the device
 * cannot change a value between its check and its use. */
struct rx_snap {
	unsigned int count;
	uint32_t status;   /* last completion's */
	uint32_t hash;     /* last completion's */
	uint8_t offset;    /* first completion's */
	uint16_t req_id[ENA_MAX_SGL];
	uint16_t len[ENA_MAX_SGL];
};

static int rx_fail(struct ena_rxq *q, enum ena_reset_reason reason, enum ena_rxq_stat stat)
{
	if (stat < ENA_RXQ_STAT__COUNT)
		ENA_STAT_ADD(q->stats, stat, 1);
	ena_eth_fail(&q->fail_reason, reason);
	q->cq_broken = true;
	return -EPROTO;
}

/* Return: completions of the next whole packet, 0 when it is not all
 * there yet, -EPROTO for a bad completion (ENA-DEVICE 15 #4-#8). */
static int rx_scan(struct ena_rxq *q, struct rx_snap *s)
{
	uint16_t head = q->cq_head;
	uint8_t phase = q->cq_phase;

	for (unsigned int k = 0;; k++) {
		const struct ena_rx_cdesc *c = &q->cq_ring[head & q->mask];
		uint32_t status = ENA_READ_ONCE(c->status);
		uint16_t req_id;

		if (((status & ENA_RX_CDESC_PHASE) != 0) != (phase != 0))
			return 0;
		ena_rmb();
		if ((status & ENA_RX_CDESC_FIRST) && k != 0)
			return rx_fail(q, ENA_RESET_RX_DESCRIPTOR_MALFORMED, ENA_RXQ_STAT__COUNT);
		if (q->cdesc_mbz && (status & (ENA_RX_CDESC_MBZ7 | ENA_RX_CDESC_MBZ17)))
			return rx_fail(q, ENA_RESET_RX_DESCRIPTOR_MALFORMED, ENA_RXQ_STAT__COUNT);
		req_id = ENA_READ_ONCE(c->req_id);
		if (req_id >= q->depth)
			return rx_fail(q, ENA_RESET_INV_RX_REQ_ID, ENA_RXQ_STAT_BAD_REQ_ID);
		if (k >= q->max_descs)
			return rx_fail(q, ENA_RESET_TOO_MANY_RX_DESCS, ENA_RXQ_STAT_BAD_DESC_NUM);
		s->req_id[k] = req_id;
		s->len[k] = ENA_READ_ONCE(c->length);
		if (k == 0)
			s->offset = ENA_READ_ONCE(c->offset);
		if (status & ENA_RX_CDESC_LAST) {
			s->status = status;
			s->hash = ENA_READ_ONCE(c->hash);
			s->count = k + 1;
			return (int)s->count;
		}
		head++;
		if ((head & q->mask) == 0)
			phase ^= 1;
	}
}

/* Every buffer named must be posted, once, and hold what was written. */
static int rx_check_bufs(struct ena_rxq *q, const struct rx_snap *s)
{
	for (unsigned int k = 0; k < s->count; k++) {
		const struct ena_rx_info *info = &q->info[s->req_id[k]];
		uint32_t used = (uint32_t)s->len[k] + (k == 0 ? s->offset : 0);

		if (!info->posted)
			return rx_fail(q, ENA_RESET_INV_RX_REQ_ID, ENA_RXQ_STAT_BAD_REQ_ID);
		for (unsigned int j = 0; j < k; j++)
			if (s->req_id[j] == s->req_id[k])
				return rx_fail(q, ENA_RESET_INV_RX_REQ_ID, ENA_RXQ_STAT_BAD_REQ_ID);
		if (used > info->len)
			return rx_fail(q, ENA_RESET_RX_DESCRIPTOR_MALFORMED, ENA_RXQ_STAT__COUNT);
	}
	return 0;
}

/* Checksum verdict as the Linux driver reads a completion (ENA-DEVICE 12.4). */
static uint8_t rx_csum(struct ena_rxq *q, uint32_t status, uint8_t l3, uint8_t l4)
{
	if (status & ENA_RX_CDESC_IPV4_FRAG)
		return ENA_RX_CSUM_NONE;
	if (l3 == ENA_L3_PROTO_IPV4 && (status & ENA_RX_CDESC_L3_CSUM_ERR)) {
		ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_CSUM_BAD, 1);
		return ENA_RX_CSUM_BAD;
	}
	if (l4 != ENA_L4_PROTO_TCP && l4 != ENA_L4_PROTO_UDP)
		return ENA_RX_CSUM_NONE;
	if (status & ENA_RX_CDESC_L4_CSUM_ERR) {
		ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_CSUM_BAD, 1);
		return ENA_RX_CSUM_BAD;
	}
	if (status & ENA_RX_CDESC_L4_CSUM_CHECKED) {
		ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_CSUM_GOOD, 1);
		return ENA_RX_CSUM_GOOD;
	}
	ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_CSUM_UNCHECKED, 1);
	return ENA_RX_CSUM_UNCHECKED;
}

int ena_rxq_poll(struct ena_rxq *q, struct ena_rx_pkt *pkts, unsigned int max_pkts,
		 struct ena_rx_seg *segs, unsigned int max_segs)
{
	unsigned int npkts = 0, nsegs = 0, consumed = 0;
	uint64_t bytes = 0;
	struct rx_snap s;

	if (q->cq_broken)
		return -EPROTO;
	while (npkts < max_pkts) {
		struct ena_rx_pkt *p = &pkts[npkts];
		uint32_t len = 0;
		int r = rx_scan(q, &s);

		if (r <= 0)
			break;
		if (s.count > max_segs - nsegs)
			break;
		if (rx_check_bufs(q, &s) < 0)
			break;

		for (unsigned int k = 0; k < s.count; k++) {
			struct ena_rx_info *info = &q->info[s.req_id[k]];

			segs[nsegs + k].cookie = info->cookie;
			segs[nsegs + k].len = s.len[k];
			info->posted = false;
			q->free_ids[q->req_ntc & q->mask] = s.req_id[k];
			q->req_ntc++;
			len += s.len[k];
		}
		q->cq_head = (uint16_t)(q->cq_head + s.count);
		if ((q->cq_head & q->mask) < s.count)
			q->cq_phase ^= 1;
		consumed += s.count;

		memset(p, 0, sizeof(*p));
		p->seg = nsegs;
		p->nr_segs = (uint16_t)s.count;
		p->offset = s.offset;
		p->len = len;
		p->hash = s.hash;
		p->l3_proto = (uint8_t)(s.status & ENA_RX_CDESC_L3_PROTO_IDX_MASK);
		p->l4_proto = (uint8_t)((s.status & ENA_RX_CDESC_L4_PROTO_IDX_MASK) >>
					ENA_RX_CDESC_L4_PROTO_IDX_SHIFT);
		p->csum = rx_csum(q, s.status, p->l3_proto, p->l4_proto);
		if (s.status & ENA_RX_CDESC_IPV4_FRAG)
			p->flags |= ENA_RX_PKT_FRAG;
		else if (p->l4_proto == ENA_L4_PROTO_TCP || p->l4_proto == ENA_L4_PROTO_UDP)
			p->flags |= ENA_RX_PKT_HASH_L4;
		if (s.count == 1 && len <= q->copybreak) {
			p->flags |= ENA_RX_PKT_COPYBREAK;
			ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_RX_COPYBREAK_PKT, 1);
		}
		nsegs += s.count;
		bytes += len;
		npkts++;
	}
	if (consumed)
		__atomic_store_n(&q->sq_ntc, (uint16_t)(q->sq_ntc + consumed), __ATOMIC_RELAXED);
	if (npkts) {
		ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_CNT, npkts);
		ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_BYTES, bytes);
	}
	if (npkts == 0 && q->cq_broken)
		return -EPROTO;
	return (int)npkts;
}

unsigned int ena_rxq_drain(struct ena_rxq *q, uint64_t *ret_cookies, unsigned int max)
{
	unsigned int n = 0;

	for (uint32_t i = 0; i < q->depth && (!ret_cookies || n < max); i++) {
		if (!q->info[i].posted)
			continue;
		q->info[i].posted = false;
		if (ret_cookies)
			ret_cookies[n] = q->info[i].cookie;
		n++;
	}
	return n;
}

bool ena_rxq_check_empty(struct ena_rxq *q)
{
	uint16_t tail = __atomic_load_n(&q->sq_tail, __ATOMIC_RELAXED);
	uint16_t ntc = __atomic_load_n(&q->sq_ntc, __ATOMIC_RELAXED);

	if (tail != ntc) {
		q->empty_ticks = 0;
		return false;
	}
	if (++q->empty_ticks < 2)
		return false;
	q->empty_ticks = 0;
	ENA_STAT_ADD(q->stats, ENA_RXQ_STAT_EMPTY_RX_RING, 1);
	return true;
}

bool ena_rxq_failed(const struct ena_rxq *q, enum ena_reset_reason *ret_reason)
{
	uint32_t r = __atomic_load_n(&q->fail_reason, __ATOMIC_RELAXED);

	if (r == ENA_REASON_NONE)
		return false;
	if (ret_reason)
		*ret_reason = (enum ena_reset_reason)r;
	return true;
}
