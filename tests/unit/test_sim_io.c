/* SPDX-License-Identifier: MIT */
/* enasim IO engine tests: the test plays the driver against the device
 * model with fake DMA memory, a capture wire (records frames) or the loop
 * wire, and a fake clock; every check is on real bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "ctl.h"
#include "device.h"
#include "ena/ena.h"
#include "ena/io.h"
#include "eni.h"
#include "io.h"
#include "io_poll.h"
#include "pkt.h"
#include "wire.h"

/* ---- fake DMA memory, transport and clock ---- */

#define DMA_BASE 0x12340000000ull
#define DMA_SIZE (16u << 20)
#define OFF_AQ 0x0000u
#define OFF_ACQ 0x1000u
#define OFF_AENQ 0x2000u
#define OFF_BUF 0x3000u     /* control buffers */
#define OFF_CQ 0x10000u     /* + ring * 0x8000 */
#define OFF_SQ 0x100000u    /* + ring * 0x8000 */
#define OFF_TXBUF 0x200000u /* 2 MiB of TX buffers */
#define OFF_RXBUF 0x400000u /* RX buffers */
#define DEPTH 256u
#define RX_BUF 2048u
#define MAX_FRAMES 128u
#define ARENA (4u << 20)

struct capture {
	struct wire w;
	unsigned int n;
	size_t used;
	size_t off[MAX_FRAMES], len[MAX_FRAMES];
	struct sim_gso gso[MAX_FRAMES];
	uint8_t *arena;
};

struct t {
	struct sim_device *dev;
	struct sim_io *io;
	struct capture *cap;  /* NULL with the loop wire */
	uint8_t *mem;
	unsigned int irqs[SIM_MAX_VECTORS];
	uint64_t now_us;
	uint16_t aq_tail, acq_head, cmd_id;
};

static void *fake_dma(void *ctx, uint64_t iova, size_t len, bool write)
{
	struct t *t = ctx;

	if (iova < DMA_BASE || iova + len > DMA_BASE + DMA_SIZE)
		return NULL;
	return t->mem + (iova - DMA_BASE);
}

static int fake_irq(void *ctx, unsigned int vector)
{
	((struct t *)ctx)->irqs[vector]++;
	return 0;
}

static uint64_t fake_now_ms(void *ctx)
{
	return ((struct t *)ctx)->now_us / 1000;
}

static uint64_t fake_now_us(void *ctx)
{
	return ((struct t *)ctx)->now_us;
}

static const struct sim_device_ops fake_ops = {
	.dma = fake_dma,
	.irq = fake_irq,
	.now_ms = fake_now_ms,
};

static int cap_send(struct wire *w, const uint8_t *frame, size_t len, const struct sim_gso *gso)
{
	struct capture *c = (struct capture *)w;

	if (c->n == MAX_FRAMES || c->used + len > ARENA)
		return -ENOBUFS;
	memcpy(c->arena + c->used, frame, len);
	c->off[c->n] = c->used;
	c->len[c->n] = len;
	memset(&c->gso[c->n], 0, sizeof(c->gso[0]));
	if (gso)
		c->gso[c->n] = *gso;
	c->used += len;
	c->n++;
	return 0;
}

static ssize_t cap_recv(struct wire *w, uint8_t *buf, size_t cap, struct sim_gso *ret_gso)
{
	return -EAGAIN;
}

static void cap_destroy(struct wire *w)
{
	struct capture *c = (struct capture *)w;

	free(c->arena);
	free(c);
}

static const struct wire_ops cap_ops = {
	.send = cap_send,
	.recv = cap_recv,
	.destroy = cap_destroy,
};

static const uint8_t *cap_frame(struct capture *c, unsigned int i)
{
	assert_true(i < c->n);
	return c->arena + c->off[i];
}

/* ---- register and admin helpers ---- */

static void *mem(struct t *t, uint64_t off)
{
	return t->mem + off;
}

static uint64_t iova(uint64_t off)
{
	return DMA_BASE + off;
}

static void wr(struct t *t, uint32_t off, uint32_t v)
{
	assert_int_equal(sim_device_region_write(t->dev, ENA_REG_BAR, off, &v, 4), 0);
}

static uint8_t admin(struct t *t, const void *cmd, size_t len, void *resp, size_t resp_len)
{
	uint8_t *slot = mem(t, OFF_AQ + (t->aq_tail & 31) * 64);
	struct ena_acq_entry *c = mem(t, OFF_ACQ + (t->acq_head & 31) * 64);
	struct ena_aq_common *common = (struct ena_aq_common *)slot;

	memcpy(slot, cmd, len);
	common->command_id = t->cmd_id;
	common->flags = (uint8_t)((common->flags & ~ENA_AQ_FLAGS_PHASE) |
				  ((t->aq_tail / 32) & 1 ? 0 : 1));
	t->aq_tail++;
	wr(t, ENA_REG_AQ_DB, t->aq_tail);
	assert_int_equal(c->common.command, t->cmd_id);
	if (resp)
		memcpy(resp, c, resp_len);
	t->acq_head++;
	t->cmd_id = (t->cmd_id + 1) & 31;
	return c->common.status;
}

static uint8_t set_feature(struct t *t, struct ena_aq_feature *cmd, unsigned int fid,
			   uint32_t buf_len)
{
	cmd->common.opcode = ENA_ADMIN_SET_FEATURE;
	cmd->feat_common.feature_id = (uint8_t)fid;
	if (buf_len) {
		cmd->common.flags = ENA_AQ_FLAGS_CTRL_DATA_INDIRECT;
		cmd->control_buffer.length = buf_len;
		ena_mem_addr_set(&cmd->control_buffer.address, iova(OFF_BUF));
	}
	return admin(t, cmd, sizeof(*cmd), NULL, 0);
}

static void set_llq(struct t *t, uint16_t entry_size_ctrl)
{
	struct ena_aq_feature cmd = { 0 };

	cmd.u.llq.header_location_ctrl_enabled = ENA_LLQ_HEADER_INLINE;
	cmd.u.llq.entry_size_ctrl_enabled = entry_size_ctrl;
	cmd.u.llq.desc_num_before_header_enabled = ENA_LLQ_DESCS_BEFORE_HEADER_2;
	cmd.u.llq.descriptors_stride_ctrl_enabled = ENA_LLQ_MULTIPLE_DESCS_PER_ENTRY;
	cmd.u.llq.accel_mode.set.enabled_flags = 0x3;
	assert_int_equal(set_feature(t, &cmd, ENA_FEAT_LLQ, 0), ENA_ADMIN_SUCCESS);
}

struct qpair {
	uint16_t tx_cq, rx_cq, tx_sq, rx_sq;
	uint32_t tx_db, rx_db, tx_unmask, rx_unmask, llq_off;
	unsigned int ring;       /* ring slot for CQ/SQ memory */
	uint16_t tx_tail, rx_tail, tx_cq_head, rx_cq_head;
	unsigned int llq_entry;  /* 0: host placement */
};

static void qpair_create(struct t *t, struct qpair *q, unsigned int ring, uint32_t vector,
			 unsigned int llq_entry)
{
	struct ena_aq_create_cq cq = { .common.opcode = ENA_ADMIN_CREATE_CQ };
	struct ena_aq_create_sq sq = { .common.opcode = ENA_ADMIN_CREATE_SQ };
	struct ena_acq_create_cq_resp cr;
	struct ena_acq_create_sq_resp sr;

	memset(q, 0, sizeof(*q));
	q->ring = ring;
	q->llq_entry = llq_entry;
	memset(mem(t, OFF_CQ + ring * 2 * 0x8000u), 0, 2 * 0x8000u);
	memset(mem(t, OFF_SQ + ring * 2 * 0x8000u), 0, 2 * 0x8000u);
	/* TX */
	cq.cq_caps_1 = ENA_CQ_CAPS1_INTERRUPT_MODE_ENABLED;
	cq.cq_caps_2 = 2;
	cq.cq_depth = DEPTH;
	cq.msix_vector = vector;
	ena_mem_addr_set(&cq.cq_ba, iova(OFF_CQ + ring * 2 * 0x8000u));
	assert_int_equal(admin(t, &cq, sizeof(cq), &cr, sizeof(cr)), 0);
	q->tx_cq = cr.cq_idx;
	q->tx_unmask = cr.cq_interrupt_unmask_register_offset;
	sq.sq_identity = ENA_SQ_DIRECTION_TX << ENA_SQ_IDENTITY_DIRECTION_SHIFT;
	sq.sq_caps_2 = llq_entry ? ENA_PLACEMENT_DEV : ENA_PLACEMENT_HOST;
	sq.sq_caps_3 = ENA_SQ_CAPS3_PHYS_CONTIGUOUS;
	sq.cq_idx = q->tx_cq;
	sq.sq_depth = DEPTH;
	if (!llq_entry)
		ena_mem_addr_set(&sq.sq_ba, iova(OFF_SQ + ring * 2 * 0x8000u));
	assert_int_equal(admin(t, &sq, sizeof(sq), &sr, sizeof(sr)), 0);
	q->tx_sq = sr.sq_idx;
	q->tx_db = sr.sq_doorbell_offset;
	q->llq_off = sr.llq_descriptors_offset;
	/* RX */
	cq.cq_caps_2 = 4;
	ena_mem_addr_set(&cq.cq_ba, iova(OFF_CQ + (ring * 2 + 1) * 0x8000u));
	assert_int_equal(admin(t, &cq, sizeof(cq), &cr, sizeof(cr)), 0);
	q->rx_cq = cr.cq_idx;
	q->rx_unmask = cr.cq_interrupt_unmask_register_offset;
	memset(&sq.sq_ba, 0, sizeof(sq.sq_ba));
	sq.sq_identity = ENA_SQ_DIRECTION_RX << ENA_SQ_IDENTITY_DIRECTION_SHIFT;
	sq.sq_caps_2 = ENA_PLACEMENT_HOST;
	sq.cq_idx = q->rx_cq;
	ena_mem_addr_set(&sq.sq_ba, iova(OFF_SQ + (ring * 2 + 1) * 0x8000u));
	assert_int_equal(admin(t, &sq, sizeof(sq), &sr, sizeof(sr)), 0);
	q->rx_sq = sr.sq_idx;
	q->rx_db = sr.sq_doorbell_offset;
}

static struct t *t_new(bool loop, bool gso)
{
	struct t *t = calloc(1, sizeof(*t));
	struct sim_profile p;
	struct wire *w;

	assert_non_null(t);
	t->mem = calloc(1, DMA_SIZE);
	assert_non_null(t->mem);
	t->now_us = 1000000;
	sim_profile_init_default(&p);
	p.queues = 4;
	assert_int_equal(sim_device_create(&p, &fake_ops, t, &t->dev), 0);
	if (loop) {
		assert_int_equal(wire_loop_create(9300, &w), 0);
	} else {
		t->cap = calloc(1, sizeof(*t->cap));
		assert_non_null(t->cap);
		t->cap->arena = malloc(ARENA);
		assert_non_null(t->cap->arena);
		t->cap->w.ops = &cap_ops;
		t->cap->w.kind = "capture";
		t->cap->w.gso = gso;
		w = &t->cap->w;
	}
	assert_int_equal(sim_io_create(t->dev, w, &t->io), 0);
	sim_io_set_clock(t->io, fake_now_us, t);
	wr(t, ENA_REG_AQ_BASE_LO, (uint32_t)iova(OFF_AQ));
	wr(t, ENA_REG_AQ_BASE_HI, (uint32_t)(iova(OFF_AQ) >> 32));
	wr(t, ENA_REG_ACQ_BASE_LO, (uint32_t)iova(OFF_ACQ));
	wr(t, ENA_REG_ACQ_BASE_HI, (uint32_t)(iova(OFF_ACQ) >> 32));
	wr(t, ENA_REG_AQ_CAPS, 32 | (64u << 16));
	wr(t, ENA_REG_ACQ_CAPS, 32 | (64u << 16));
	return t;
}

static int teardown(void **state)
{
	struct t *t = *state;

	if (!t)
		return 0;
	sim_io_destroy(t->io);
	sim_device_destroy(t->dev);
	free(t->mem);
	free(t);
	return 0;
}

static uint32_t ctl(struct t *t, const char *line)
{
	char *reply = sim_ctl_execute_line(t->dev, line);
	bool ok;

	assert_non_null(reply);
	ok = strstr(reply, "\"ok\":true") != NULL;
	free(reply);
	return ok;
}

/* ---- the driver's side of the rings ---- */

struct buf {
	uint64_t off;   /* in fake DMA memory */
	uint32_t len;
};

static void desc_write(struct ena_tx_desc *d, uint32_t len_ctrl, uint32_t meta_ctrl,
		       uint64_t addr, unsigned int hdr_len)
{
	d->len_ctrl = len_ctrl;
	d->meta_ctrl = meta_ctrl;
	d->buff_addr_lo = (uint32_t)addr;
	d->buff_addr_hi_hdr_sz = (uint32_t)((addr >> 32) & ENA_TX_DESC_ADDR_HI_MASK) |
				 ((uint32_t)hdr_len << ENA_TX_DESC_HEADER_LENGTH_SHIFT);
}

struct txreq {
	uint16_t req_id;
	uint32_t meta_ctrl;      /* offload bits of the first data descriptor */
	bool meta;               /* send a meta descriptor */
	uint16_t mss;
	uint8_t l3_off, l3_len, l4_words;
	uint16_t push;           /* LLQ: bytes of the frame pushed as header */
};

static uint32_t phase_bit(uint16_t idx)
{
	return sim_ring_phase(idx, DEPTH) ? ENA_TX_DESC_PHASE : 0;
}

static void meta_build(const struct txreq *r, uint16_t idx, struct ena_tx_desc *d)
{
	struct ena_tx_meta_desc *m = (struct ena_tx_meta_desc *)d;

	memset(m, 0, sizeof(*m));
	m->len_ctrl = ENA_TX_META_EXT_VALID | ENA_TX_META_ETH_META_TYPE | ENA_TX_META_META_STORE |
		      ENA_TX_META_META_DESC | ENA_TX_META_FIRST | phase_bit(idx) |
		      ((uint32_t)(r->mss >> 10) << ENA_TX_META_MSS_HI_SHIFT);
	m->word2 = r->l3_len | ((uint32_t)r->l3_off << ENA_TX_META_L3_HDR_OFF_SHIFT) |
		   ((uint32_t)r->l4_words << ENA_TX_META_L4_HDR_LEN_WORDS_SHIFT) |
		   ((uint32_t)(r->mss & 0x3ff) << ENA_TX_META_MSS_LO_SHIFT);
}

static uint32_t data_ctrl(const struct txreq *r, bool first, bool last, uint16_t idx,
			  uint32_t len)
{
	uint32_t v = len | phase_bit(idx);

	if (first) {
		v |= ENA_TX_DESC_COMP_REQ | ((uint32_t)(r->req_id >> 10) << ENA_TX_DESC_REQ_ID_HI_SHIFT);
		if (!r->meta)
			v |= ENA_TX_DESC_FIRST;
	}
	if (last)
		v |= ENA_TX_DESC_LAST;
	return v;
}

static uint32_t data_meta(const struct txreq *r, bool first)
{
	return first ? r->meta_ctrl | ((uint32_t)(r->req_id & 0x3ff) << ENA_TX_DESC_REQ_ID_LO_SHIFT)
		     : 0;
}

/* Host placement: copy @frame into TX buffer memory in @nbufs pieces,
 * write the descriptors, ring the doorbell. */
static void tx_host(struct t *t, struct qpair *q, const uint8_t *frame, size_t len,
		    unsigned int nbufs, const struct txreq *r)
{
	struct ena_tx_desc *ring = mem(t, OFF_SQ + q->ring * 2 * 0x8000u);
	uint64_t boff = OFF_TXBUF + (uint64_t)(q->tx_tail % 16) * 0x20000u;
	size_t off = 0;

	memcpy(mem(t, boff), frame, len);
	if (r->meta) {
		meta_build(r, q->tx_tail, &ring[q->tx_tail & (DEPTH - 1)]);
		q->tx_tail++;
	}
	for (unsigned int i = 0; i < nbufs; i++) {
		size_t chunk = i == nbufs - 1 ? len - off : len / nbufs;

		desc_write(&ring[q->tx_tail & (DEPTH - 1)],
			   data_ctrl(r, i == 0, i == nbufs - 1, q->tx_tail, (uint32_t)chunk),
			   data_meta(r, i == 0), iova(boff + off), i == 0 ? 54 : 0);
		q->tx_tail++;
		off += chunk;
	}
	wr(t, q->tx_db, q->tx_tail);
}

/* LLQ placement: the first r->push bytes go into the entry, the rest in
 * @nbufs buffers; descriptors packed as the drivers do. */
static void tx_llq(struct t *t, struct qpair *q, const uint8_t *frame, size_t len,
		   unsigned int nbufs, const struct txreq *r)
{
	const unsigned int e = q->llq_entry, per = e / 16;
	struct ena_tx_desc descs[SIM_MAX_PACKET_DESCS];
	uint64_t boff = OFF_TXBUF + (uint64_t)(q->tx_tail % 16) * 0x20000u;
	size_t rest = len - r->push, off = 0;
	unsigned int nd = 0, entries;
	uint8_t entry[256];

	memcpy(mem(t, boff), frame + r->push, rest);
	if (r->meta)
		meta_build(r, q->tx_tail, &descs[nd++]);
	if (!rest)
		nbufs = 1;
	for (unsigned int i = 0; i < nbufs; i++) {
		size_t chunk = !rest ? 0 : i == nbufs - 1 ? rest - off : rest / nbufs;

		desc_write(&descs[nd++], data_ctrl(r, i == 0, i == nbufs - 1, 0, (uint32_t)chunk),
			   data_meta(r, i == 0), chunk ? iova(boff + off) : 0, i == 0 ? r->push : 0);
		off += chunk;
	}
	entries = nd <= 2 ? 1 : 1 + (nd - 2 + per - 1) / per;
	for (unsigned int k = 0, d = 0; k < entries; k++) {
		uint16_t idx = (uint16_t)(q->tx_tail + k);
		unsigned int slots = k == 0 ? 2 : per;
		uint64_t boff2 = q->llq_off + (uint64_t)(idx & (DEPTH - 1)) * e;

		memset(entry, 0, sizeof(entry));
		for (unsigned int s = 0; s < slots && d < nd; s++, d++) {
			struct ena_tx_desc x = descs[d];

			x.len_ctrl = (x.len_ctrl & ~ENA_TX_DESC_PHASE) | phase_bit(idx);
			memcpy(entry + s * 16, &x, 16);
		}
		if (k == 0)
			memcpy(entry + 32, frame, r->push);
		assert_int_equal(sim_device_region_write(t->dev, ENA_MEM_BAR, boff2, entry, e), 0);
	}
	q->tx_tail = (uint16_t)(q->tx_tail + entries);
	wr(t, q->tx_db, q->tx_tail);
}

static const struct ena_tx_cdesc *tx_cdesc(struct t *t, struct qpair *q, uint16_t idx)
{
	return mem(t, OFF_CQ + q->ring * 2 * 0x8000u + (idx & (DEPTH - 1)) * 8u);
}

/* Next TX completion or NULL (phase says not written). */
static const struct ena_tx_cdesc *tx_comp(struct t *t, struct qpair *q)
{
	const struct ena_tx_cdesc *c = tx_cdesc(t, q, q->tx_cq_head);

	if ((c->flags & ENA_TX_CDESC_PHASE) != sim_ring_phase(q->tx_cq_head, DEPTH))
		return NULL;
	q->tx_cq_head++;
	return c;
}

static void rx_post(struct t *t, struct qpair *q, unsigned int n, uint32_t buf_len)
{
	struct ena_rx_desc *ring = mem(t, OFF_SQ + (q->ring * 2 + 1) * 0x8000u);

	for (unsigned int i = 0; i < n; i++) {
		uint16_t idx = q->rx_tail;
		struct ena_rx_desc *d = &ring[idx & (DEPTH - 1)];
		uint64_t a = iova(OFF_RXBUF + q->ring * 0x100000u + (idx & (DEPTH - 1)) * 0x1000u);

		memset(d, 0, sizeof(*d));
		d->length = (uint16_t)buf_len;
		d->ctrl = ENA_RX_DESC_FIRST | ENA_RX_DESC_LAST | ENA_RX_DESC_COMP_REQ |
			  (sim_ring_phase(idx, DEPTH) ? ENA_RX_DESC_PHASE : 0);
		d->req_id = idx & (DEPTH - 1);
		d->buff_addr_lo = (uint32_t)a;
		d->buff_addr_hi = (uint16_t)(a >> 32);
		q->rx_tail++;
	}
	wr(t, q->rx_db, q->rx_tail);
}

static const struct ena_rx_cdesc *rx_comp(struct t *t, struct qpair *q)
{
	const struct ena_rx_cdesc *c =
		mem(t, OFF_CQ + (q->ring * 2 + 1) * 0x8000u + (q->rx_cq_head & (DEPTH - 1)) * 16u);

	/* The status word is the device's publishing store: read it as one. */
	if (!!(__atomic_load_n(&c->status, __ATOMIC_ACQUIRE) & ENA_RX_CDESC_PHASE) !=
	    sim_ring_phase(q->rx_cq_head, DEPTH))
		return NULL;
	q->rx_cq_head++;
	return c;
}

static const uint8_t *rx_buf(struct t *t, struct qpair *q, uint16_t req_id)
{
	return mem(t, OFF_RXBUF + q->ring * 0x100000u + (req_id & (DEPTH - 1)) * 0x1000u);
}

/* ---- frames and an independent checksum ---- */

static uint16_t ref_csum(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint32_t ref_pseudo(const uint8_t *ip, uint8_t proto, uint32_t l4len)
{
	uint32_t s = 0;

	if ((ip[0] >> 4) == 4)
		s = ref_csum(ip + 12, 8, 0);
	else
		s = ref_csum(ip + 8, 32, 0);
	return s + proto + (l4len & 0xffff) + (l4len >> 16);
}

/* 0 when the IPv4 header (if any) and the TCP/UDP checksum verify. */
static int ref_check(const uint8_t *f, size_t len)
{
	const uint8_t *ip = f + 14;
	bool v4 = (ip[0] >> 4) == 4;
	unsigned int hl = v4 ? (ip[0] & 15u) * 4u : 40u;
	uint8_t proto = v4 ? ip[9] : ip[6];
	uint32_t l4len = (uint32_t)(len - 14 - hl);

	if (v4 && ref_csum(ip, hl, 0) != 0xffff)
		return -1;
	if (ref_csum(ip + hl, l4len, ref_pseudo(ip, proto, l4len)) != 0xffff)
		return -2;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct flow {
	uint32_t saddr, daddr;
	uint16_t sport, dport;
};

/* Ethernet + IPv4 or IPv6 + TCP/UDP with a payload pattern. Checksums are
 * correct unless @no_csum (then zero). Returns the length. */
static size_t frame_build(uint8_t *f, bool v6, uint8_t proto, const struct flow *fl,
			  size_t payload, uint8_t seed, bool no_csum)
{
	size_t l3 = v6 ? 40 : 20, l4 = proto == 6 ? 20 : 8, len = 14 + l3 + l4 + payload;
	uint8_t *ip = f + 14, *th = ip + l3;

	memset(f, 0, 14 + l3 + l4);
	memcpy(f, "\x02\x00\x00\xee\x00\x02\x02\x00\x00\xee\x00\x01", 12);
	put16(f + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		ip[0] = 0x60;
		put16(ip + 4, (uint16_t)(l4 + payload));
		ip[6] = proto;
		ip[7] = 64;
		ip[8] = 0xfd;
		put32(ip + 20, fl->saddr);
		ip[24] = 0xfd;
		put32(ip + 36, fl->daddr);
	} else {
		ip[0] = 0x45;
		put16(ip + 2, (uint16_t)(l3 + l4 + payload));
		put16(ip + 4, 0x1234);
		put16(ip + 6, 0x4000);
		ip[8] = 64;
		ip[9] = proto;
		put32(ip + 12, fl->saddr);
		put32(ip + 16, fl->daddr);
	}
	put16(th, fl->sport);
	put16(th + 2, fl->dport);
	if (proto == 6) {
		put32(th + 4, 0x10000000);
		th[12] = 5 << 4;
		th[13] = 0x18; /* ACK | PSH */
		put16(th + 14, 65535);
	} else {
		put16(th + 4, (uint16_t)(8 + payload));
	}
	for (size_t i = 0; i < payload; i++)
		th[l4 + i] = (uint8_t)(seed + i * 7 + (i >> 8));
	if (!no_csum) {
		if (!v6)
			put16(ip + 10, (uint16_t)~ref_csum(ip, 20, 0));
		put16(th + (proto == 6 ? 16 : 6),
		      (uint16_t)~ref_csum(th, l4 + payload, ref_pseudo(ip, proto, (uint32_t)(l4 + payload))));
	}
	return len;
}

static uint8_t frame[70000], other[70000];

/* ---- tests ---- */

static void test_tx_host_capture(void **state)
{
	struct t *t = *state = t_new(false, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1000, 2000 };
	struct txreq r = { .req_id = 0x2a5 };
	const struct ena_tx_cdesc *c;
	struct qpair q;
	size_t len;

	qpair_create(t, &q, 0, 1, 0);
	len = frame_build(frame, false, 17, &fl, 1000, 3, false);
	tx_host(t, &q, frame, len, 3, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 1);
	assert_int_equal(t->cap->len[0], len);
	assert_memory_equal(cap_frame(t->cap, 0), frame, len);
	c = tx_comp(t, &q);
	assert_non_null(c);
	assert_int_equal(c->req_id, 0x2a5);
	assert_int_equal(c->sq_head_idx, 3);
	assert_int_equal(c->flags & ENA_TX_CDESC_MBZ6_MASK, 0);
	assert_null(tx_comp(t, &q));
	/* CQ interrupts start masked: nothing fired until the unmask. */
	assert_int_equal(t->irqs[1], 0);
	wr(t, q.tx_unmask, ENA_INTR_REG_UNMASK | ENA_INTR_REG_NO_MODERATION_UPDATE);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 1);
}

/* The SQ head the last completion reported. */
static uint16_t c_ok_head(struct t *t, struct qpair *q)
{
	return tx_cdesc(t, q, (uint16_t)(q->tx_cq_head - 1))->sq_head_idx;
}

static void llq_round(unsigned int entry)
{
	struct t *t = t_new(false, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1000, 2000 };
	struct txreq r = { .req_id = 7, .push = 54 };
	struct qpair q;
	size_t len;

	set_llq(t, entry == 256 ? ENA_LLQ_ENTRY_SIZE_256B : ENA_LLQ_ENTRY_SIZE_128B);
	qpair_create(t, &q, 0, 1, entry);
	/* header pushed, payload in 5 buffers: descriptors span entries */
	len = frame_build(frame, false, 6, &fl, 3000, 9, false);
	tx_llq(t, &q, frame, len, 5, &r);
	/* with a meta descriptor and 14 buffers: more entries */
	r.req_id = 8;
	r.meta = true;
	r.l3_off = 14;
	r.l3_len = 20;
	r.push = entry == 256 ? 200 : 90;
	len = frame_build(other, false, 17, &fl, 5000, 1, false);
	tx_llq(t, &q, other, len, 14, &r);
	/* a frame entirely in the header: one zero-length descriptor */
	r.meta = false;
	r.req_id = 9;
	len = frame_build(frame + 20000, false, 17, &fl, 30, 2, false);
	r.push = (uint16_t)len;
	tx_llq(t, &q, frame + 20000, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 3);
	assert_int_equal(t->cap->len[0], 14 + 20 + 20 + 3000);
	assert_memory_equal(cap_frame(t->cap, 0), frame, t->cap->len[0]);
	assert_int_equal(t->cap->len[1], 14 + 20 + 8 + 5000);
	assert_memory_equal(cap_frame(t->cap, 1), other, t->cap->len[1]);
	assert_int_equal(t->cap->len[2], len);
	assert_memory_equal(cap_frame(t->cap, 2), frame + 20000, len);
	for (uint16_t id = 7; id <= 9; id++) {
		const struct ena_tx_cdesc *c = tx_comp(t, &q);

		assert_non_null(c);
		assert_int_equal(c->req_id, id);
	}
	assert_int_equal(c_ok_head(t, &q), q.tx_tail);
	teardown((void **)&t);
}

static void test_tx_llq(void **state)
{
	llq_round(128);
	llq_round(256);
}

static void test_loop_rx_jumbo(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1000, 2000 };
	struct txreq r = { .req_id = 1 };
	const struct ena_rx_cdesc *c;
	struct qpair q[4];
	size_t len, got = 0;
	unsigned int n = 0, qi = 4;

	for (unsigned int i = 0; i < 4; i++) {
		qpair_create(t, &q[i], i, i + 1, 0);
		rx_post(t, &q[i], DEPTH - 1, RX_BUF);
	}
	len = frame_build(frame, false, 17, &fl, 9000, 5, false);
	tx_host(t, &q[0], frame, len, 4, &r);
	sim_io_poll(t->io);
	for (unsigned int i = 0; i < 4; i++)
		if (rx_comp(t, &q[i])) {
			qi = i;
			q[i].rx_cq_head--;
		}
	assert_true(qi < 4);
	/* five 2 KiB buffers in ring order, one completion each */
	while ((c = rx_comp(t, &q[qi])) != NULL) {
		uint32_t want = len - got < RX_BUF ? (uint32_t)(len - got) : RX_BUF;

		assert_int_equal(!!(c->status & ENA_RX_CDESC_FIRST), n == 0);
		assert_int_equal(!!(c->status & ENA_RX_CDESC_LAST), got + want == len);
		assert_int_equal(c->status & (ENA_RX_CDESC_MBZ7 | ENA_RX_CDESC_MBZ17), 0);
		assert_int_equal(c->req_id, n);
		assert_int_equal(c->length, want);
		assert_memory_equal(rx_buf(t, &q[qi], c->req_id), frame + got, want);
		if (c->status & ENA_RX_CDESC_LAST) {
			assert_int_equal(c->status & ENA_RX_CDESC_L3_PROTO_IDX_MASK, ENA_L3_PROTO_IPV4);
			assert_int_equal((c->status & ENA_RX_CDESC_L4_PROTO_IDX_MASK) >>
						 ENA_RX_CDESC_L4_PROTO_IDX_SHIFT,
					 ENA_L4_PROTO_UDP);
			assert_true(c->status & ENA_RX_CDESC_L4_CSUM_CHECKED);
			assert_false(c->status & (ENA_RX_CDESC_L4_CSUM_ERR | ENA_RX_CDESC_L3_CSUM_ERR));
		}
		got += want;
		n++;
	}
	assert_int_equal(got, len);
	assert_int_equal(n, (len + RX_BUF - 1) / RX_BUF);

	/* a corrupted UDP checksum is reported, not fixed */
	len = frame_build(frame, false, 17, &fl, 100, 5, false);
	frame[len - 1] ^= 0x55;
	r.req_id = 2;
	tx_host(t, &q[0], frame, len, 1, &r);
	sim_io_poll(t->io);
	c = rx_comp(t, &q[qi]);
	assert_non_null(c);
	assert_true(c->status & ENA_RX_CDESC_L4_CSUM_CHECKED);
	assert_true(c->status & ENA_RX_CDESC_L4_CSUM_ERR);
	assert_memory_equal(rx_buf(t, &q[qi], c->req_id), frame, len);
}

static void test_checksum_offload(void **state)
{
	struct t *t = *state = t_new(false, false);
	struct flow fl = { 0xc0a80001, 0xc0a80002, 4444, 5555 };
	struct txreq r = { .meta = true, .l3_off = 14, .l3_len = 20 };
	struct qpair q;
	size_t len[3];
	uint8_t *ip, *th;

	qpair_create(t, &q, 0, 1, 0);
	/* UDP/IPv4 with both checksums zero: full offload fills them */
	len[0] = frame_build(frame, false, 17, &fl, 1001, 7, true);
	r.meta_ctrl = ENA_TX_DESC_L3_CSUM_EN | ENA_TX_DESC_L4_CSUM_EN | ENA_L3_PROTO_IPV4 |
		      (ENA_L4_PROTO_UDP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT);
	tx_host(t, &q, frame, len[0], 2, &r);
	/* TCP/IPv4, Linux partial mode: the field holds the pseudo-header sum */
	len[1] = frame_build(other, false, 6, &fl, 1200, 9, true);
	ip = other + 14;
	th = ip + 20;
	put16(th + 16, (uint16_t)(ref_pseudo(ip, 6, (uint32_t)(len[1] - 34)) % 0xffff));
	r.meta_ctrl = ENA_TX_DESC_L3_CSUM_EN | ENA_TX_DESC_L4_CSUM_EN | ENA_TX_DESC_L4_CSUM_PARTIAL |
		      ENA_L3_PROTO_IPV4 | (ENA_L4_PROTO_TCP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT);
	tx_host(t, &q, other, len[1], 1, &r);
	/* UDP/IPv6 full */
	len[2] = frame_build(frame + 30000, true, 17, &fl, 333, 4, true);
	r.l3_len = 40;
	r.meta_ctrl = ENA_TX_DESC_L4_CSUM_EN | ENA_L3_PROTO_IPV6 |
		      (ENA_L4_PROTO_UDP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT);
	tx_host(t, &q, frame + 30000, len[2], 3, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 3);
	for (unsigned int i = 0; i < 3; i++) {
		const uint8_t *src = i == 0 ? frame : i == 1 ? other : frame + 30000;

		assert_int_equal(t->cap->len[i], len[i]);
		assert_int_equal(ref_check(cap_frame(t->cap, i), len[i]), 0);
		/* only the checksum fields changed */
		assert_memory_equal(cap_frame(t->cap, i) + len[i] - 300, src + len[i] - 300, 300);
	}
	assert_int_not_equal(ref_check(frame, len[0]), 0);
}

struct tso_case {
	bool v6;
	bool gso;
};

static void tso_round(const struct tso_case *tc)
{
	struct t *t = t_new(false, tc->gso);
	struct flow fl = { 0xc0a80101, 0xc0a80102, 40000, 80 };
	const size_t payload = 64000, mss = 1448, l3 = tc->v6 ? 40 : 20, hdr = 14 + l3 + 20;
	struct txreq r = { .req_id = 3, .meta = true, .mss = (uint16_t)mss, .l3_off = 14,
			   .l3_len = (uint8_t)l3, .l4_words = 5 };
	size_t len = frame_build(frame, tc->v6, 6, &fl, payload, 42, true), got = 0;
	struct qpair q;

	qpair_create(t, &q, 0, 1, 0);
	r.meta_ctrl = ENA_TX_DESC_TSO_EN | ENA_TX_DESC_L4_CSUM_EN |
		      (tc->v6 ? ENA_L3_PROTO_IPV6 : ENA_L3_PROTO_IPV4 | ENA_TX_DESC_L3_CSUM_EN) |
		      (ENA_L4_PROTO_TCP << ENA_TX_DESC_L4_PROTO_IDX_SHIFT);
	frame[14 + l3 + 13] = 0x19; /* ACK | PSH | FIN */
	tx_host(t, &q, frame, len, 4, &r);
	sim_io_poll(t->io);
	if (tc->gso) {
		/* handed over whole, described for the far end's GSO */
		const uint8_t *f = cap_frame(t->cap, 0);
		const struct sim_gso *g = &t->cap->gso[0];

		assert_int_equal(t->cap->n, 1);
		assert_int_equal(t->cap->len[0], len);
		assert_int_equal(g->type, tc->v6 ? SIM_GSO_TCPV6 : SIM_GSO_TCPV4);
		assert_int_equal(g->size, mss);
		assert_int_equal(g->hdr_len, hdr);
		assert_true(g->needs_csum);
		assert_int_equal(g->csum_start, 14 + l3);
		assert_int_equal(g->csum_offset, 16);
		/* the TCP field holds the pseudo-header sum of the whole frame */
		assert_int_equal((f[hdr - 4] << 8) | f[hdr - 3],
				 ref_csum(NULL, 0, ref_pseudo(f + 14, 6, (uint32_t)(len - 14 - l3))));
		assert_memory_equal(f + hdr, frame + hdr, payload);
		assert_int_equal(tx_comp(t, &q)->req_id, 3);
		teardown((void **)&t);
		return;
	}
	assert_int_equal(t->cap->n, (payload + mss - 1) / mss);
	for (unsigned int i = 0; i < t->cap->n; i++) {
		const uint8_t *f = cap_frame(t->cap, i), *ip = f + 14, *th = ip + l3;
		size_t seg = t->cap->len[i] - hdr;
		bool last = i == t->cap->n - 1;

		assert_int_equal(seg, last ? payload - got : mss);
		assert_int_equal(ref_check(f, t->cap->len[i]), 0);
		if (tc->v6) {
			assert_int_equal((ip[4] << 8) | ip[5], 20 + seg);
		} else {
			assert_int_equal((ip[2] << 8) | ip[3], 40 + seg);
			assert_int_equal((ip[4] << 8) | ip[5], 0x1234 + i);
		}
		assert_int_equal(get32(th + 4), 0x10000000u + got);
		assert_int_equal(th[13], last ? 0x19 : 0x10); /* FIN and PSH on the last only */
		assert_memory_equal(th + 20, frame + hdr + got, seg);
		got += seg;
	}
	assert_int_equal(got, payload);
	assert_int_equal(tx_comp(t, &q)->req_id, 3);
	assert_null(tx_comp(t, &q));
	teardown((void **)&t);
}

static void test_tso(void **state)
{
	static const struct tso_case cases[] = {
		{ false, false }, { true, false }, { false, true }, { true, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tso_round(&cases[i]);
}

static const struct flow ms_flows[] = {
	{ 0x420995bb, 0xa18e6450, 2794, 1766 },
	{ 0xc75c6f02, 0x41458c53, 14230, 4739 },
	{ 0x1813c65f, 0x0c16cfb8, 12898, 38024 },
	{ 0x261bcd1e, 0xd18ea306, 48228, 2217 },
	{ 0x9927a3bf, 0xcabc7f02, 44251, 1303 },
};
static const uint32_t ms_hash[] = { 0x51ccc178, 0xc626b0ea, 0x5c2b394a, 0xafc7327f, 0x10e828a2 };

static void rss_table_set(struct t *t, const struct qpair *q, unsigned int shift)
{
	struct ena_aq_feature cmd = { 0 };
	struct ena_rss_ind_entry *e = mem(t, OFF_BUF);

	for (unsigned int i = 0; i < SIM_RSS_TABLE_SIZE; i++)
		e[i] = (struct ena_rss_ind_entry){ .cq_idx = q[(i + shift) % 4].rx_sq };
	cmd.u.ind_table.size = SIM_RSS_TABLE_LOG;
	cmd.u.ind_table.inline_index = ENA_RSS_IND_INLINE_INDEX_NONE;
	assert_int_equal(set_feature(t, &cmd, ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG,
				     SIM_RSS_TABLE_SIZE * sizeof(*e)),
			 0);
}

static void test_rss_steering(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct ena_rss_hash_key *key = mem(t, OFF_BUF);
	struct ena_rss_hash_control *hc = mem(t, OFF_BUF);
	struct ena_aq_feature cmd = { 0 };
	struct txreq r = { 0 };
	struct qpair q[4];

	for (unsigned int i = 0; i < 4; i++) {
		qpair_create(t, &q[i], i, i + 1, 0);
		rx_post(t, &q[i], DEPTH - 1, RX_BUF);
	}
	/* the device holds the key byte-reversed: store it the way it reads it */
	memset(key, 0, sizeof(*key));
	key->key_parts = ENA_RSS_KEY_PARTS;
	for (unsigned int i = 0; i < ENA_RSS_KEY_SIZE; i++)
		((uint8_t *)key->key)[i] = ms_rss_key[ENA_RSS_KEY_SIZE - 1 - i];
	cmd.u.hash_func.selected_func = 1u << ENA_HASH_TOEPLITZ;
	assert_int_equal(set_feature(t, &cmd, ENA_FEAT_RSS_HASH_FUNCTION, sizeof(*key)), 0);
	memset(hc, 0, sizeof(*hc));
	for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++)
		hc->selected_fields[p].fields = p <= ENA_RSS_UDP6 ? 0x3c : p <= ENA_RSS_IP4_FRAG ? 0x0c : 0;
	memset(&cmd, 0, sizeof(cmd));
	cmd.u.hash_input.enabled_input_sort = 0; /* plain (src, dst, sport, dport) */
	assert_int_equal(set_feature(t, &cmd, ENA_FEAT_RSS_HASH_INPUT, sizeof(*hc)), 0);
	for (unsigned int shift = 0; shift < 2; shift++) {
		rss_table_set(t, q, shift);
		for (unsigned int i = 0; i < 5; i++) {
			const struct flow *fl = &ms_flows[i];
			uint8_t tuple[12];
			unsigned int want = ((ms_hash[i] & 127) + shift) % 4, hits = 0;
			size_t len = frame_build(frame, false, 6, fl, 32, (uint8_t)i, false);

			put32(tuple, fl->saddr);
			put32(tuple + 4, fl->daddr);
			put16(tuple + 8, fl->sport);
			put16(tuple + 10, fl->dport);
			assert_int_equal(ena_rss_toeplitz(ms_rss_key, tuple, sizeof(tuple)), ms_hash[i]);
			r.req_id = (uint16_t)i;
			tx_host(t, &q[0], frame, len, 1, &r);
			sim_io_poll(t->io);
			for (unsigned int k = 0; k < 4; k++) {
				const struct ena_rx_cdesc *c = rx_comp(t, &q[k]);

				if (!c)
					continue;
				hits++;
				assert_int_equal(k, want);
				assert_int_equal(c->hash, ms_hash[i]);
				assert_memory_equal(rx_buf(t, &q[k], c->req_id), frame, len);
			}
			assert_int_equal(hits, 1);
		}
	}
}

static void test_fault_verbs(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 7, 9 };
	struct txreq r = { .req_id = 5 };
	const struct ena_tx_cdesc *tc[4];
	const struct ena_rx_cdesc *c;
	struct qpair q;
	size_t len = frame_build(frame, false, 17, &fl, 9000, 1, false);

	qpair_create(t, &q, 0, 1, 0);
	rx_post(t, &q, DEPTH - 1, RX_BUF);
	/* rss: a single queue everywhere */
	{
		struct qpair all[4] = { q, q, q, q };

		rss_table_set(t, all, 0);
	}
	/* corrupt tx-req-id / rx-req-id: out of range once, then normal */
	assert_true(ctl(t, "{\"verb\":\"corrupt\",\"args\":[\"tx-req-id\"]}"));
	assert_true(ctl(t, "{\"verb\":\"corrupt\",\"args\":[\"rx-req-id\"]}"));
	tx_host(t, &q, frame, 200, 1, &r);
	tx_host(t, &q, frame, 200, 1, &r);
	sim_io_poll(t->io);
	tc[0] = tx_comp(t, &q);
	tc[1] = tx_comp(t, &q);
	assert_int_equal(tc[0]->req_id, DEPTH);
	assert_int_equal(tc[1]->req_id, 5);
	c = rx_comp(t, &q);
	assert_int_equal(c->req_id, DEPTH);
	c = rx_comp(t, &q);
	assert_int_equal(c->req_id, 1);

	/* tx-complete off: frames cross, no completion */
	assert_true(ctl(t, "{\"verb\":\"tx-complete\",\"args\":[\"off\"]}"));
	tx_host(t, &q, frame, 200, 1, &r);
	sim_io_poll(t->io);
	assert_null(tx_comp(t, &q));
	assert_non_null(rx_comp(t, &q));
	assert_true(ctl(t, "{\"verb\":\"tx-complete\",\"args\":[\"on\"]}"));

	/* rx-descs 25: the next packet spans 25 buffers */
	assert_true(ctl(t, "{\"verb\":\"rx-descs\",\"args\":[\"25\"]}"));
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_non_null(tx_comp(t, &q));
	for (unsigned int i = 0; i < 25; i++) {
		c = rx_comp(t, &q);
		assert_non_null(c);
		assert_int_equal(!!(c->status & ENA_RX_CDESC_FIRST), i == 0);
		assert_int_equal(!!(c->status & ENA_RX_CDESC_LAST), i == 24);
	}
	assert_null(rx_comp(t, &q));
	assert_false(ctl(t, "{\"verb\":\"rx-descs\",\"args\":[\"65\"]}"));

	/* swallow-irq: completions written, no MSI-X even when unmasked */
	wr(t, q.tx_unmask, ENA_INTR_REG_UNMASK);
	sim_io_poll(t->io);
	memset(t->irqs, 0, sizeof(t->irqs));
	wr(t, q.tx_unmask, ENA_INTR_REG_UNMASK);
	assert_true(ctl(t, "{\"verb\":\"swallow-irq\",\"args\":[\"on\"]}"));
	tx_host(t, &q, frame, 200, 1, &r);
	sim_io_poll(t->io);
	assert_non_null(tx_comp(t, &q));
	assert_non_null(rx_comp(t, &q));
	assert_int_equal(t->irqs[1], 0);
	assert_true(ctl(t, "{\"verb\":\"swallow-irq\",\"args\":[\"off\"]}"));
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 1); /* still pending, now delivered */

	/* suspend / resume */
	assert_true(ctl(t, "{\"verb\":\"suspend\"}"));
	tx_host(t, &q, frame, 200, 1, &r);
	sim_io_poll(t->io);
	assert_null(tx_comp(t, &q));
	assert_true(ctl(t, "{\"verb\":\"resume\"}"));
	sim_io_poll(t->io);
	assert_non_null(tx_comp(t, &q));
	assert_non_null(rx_comp(t, &q));

	/* tx-ooo: four packets complete as 1 0 3 2 */
	assert_true(ctl(t, "{\"verb\":\"tx-ooo\",\"args\":[\"on\"]}"));
	for (uint16_t i = 0; i < 4; i++) {
		r.req_id = (uint16_t)(10 + i);
		tx_host(t, &q, frame, 100, 1, &r);
	}
	sim_io_poll(t->io);
	for (unsigned int i = 0; i < 4; i++) {
		tc[i] = tx_comp(t, &q);
		assert_non_null(tc[i]);
	}
	assert_int_equal(tc[0]->req_id, 11);
	assert_int_equal(tc[1]->req_id, 10);
	assert_int_equal(tc[2]->req_id, 13);
	assert_int_equal(tc[3]->req_id, 12);
	assert_true(ctl(t, "{\"verb\":\"tx-ooo\",\"args\":[\"off\"]}"));
	assert_false(ctl(t, "{\"verb\":\"corrupt\",\"args\":[\"cq\"]}"));
}

static void eni_stats(struct t *t, struct ena_acq_get_stats_resp *r, uint8_t type)
{
	struct ena_aq_get_stats cmd = { .common.opcode = ENA_ADMIN_GET_STATS, .type = type };

	assert_int_equal(admin(t, &cmd, sizeof(cmd), r, sizeof(*r)), 0);
}

static void test_allowances(void **state)
{
	struct t *t = *state = t_new(false, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	struct txreq r = { .req_id = 1 };
	struct ena_acq_get_stats_resp st;
	struct qpair q;
	size_t len = frame_build(frame, false, 17, &fl, 100, 1, false);

	qpair_create(t, &q, 0, 1, 0);
	/* pps 3 with the clock frozen: 3 of 5 go out; a second later, more */
	assert_true(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"pps\",\"3\"]}"));
	for (int i = 0; i < 5; i++)
		tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 3);
	for (int i = 0; i < 5; i++)
		assert_non_null(tx_comp(t, &q)); /* dropped frames still complete */
	t->now_us += 1000000;
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 4);
	assert_true(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"pps\",\"0\"]}"));

	/* link-local: 1 packet/s to 169.254.169.254 */
	assert_true(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"linklocal\",\"1\"]}"));
	fl.daddr = 0xa9fea9fe;
	len = frame_build(other, false, 17, &fl, 10, 1, false);
	tx_host(t, &q, other, len, 1, &r);
	tx_host(t, &q, other, len, 1, &r);
	tx_host(t, &q, frame, 142, 1, &r); /* not link-local: passes */
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 6);

	/* conntrack 2: a third flow is refused, known flows pass */
	assert_true(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"conntrack\",\"2\"]}"));
	for (uint16_t p = 1; p <= 3; p++) {
		fl.daddr = 0x0a000002;
		fl.sport = p;
		len = frame_build(other + p * 1000u, false, 6, &fl, 10, 1, false);
		tx_host(t, &q, other + p * 1000u, len, 1, &r);
	}
	tx_host(t, &q, other + 1000, len, 1, &r); /* flow 1 again */
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 6 + 3);

	/* bw-out: 1000 bytes/s, two 600-byte frames: one passes */
	assert_true(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"conntrack\",\"0\"]}"));
	assert_true(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"bw-out\",\"1000\"]}"));
	len = frame_build(other, false, 17, &fl, 600 - 42, 1, false);
	tx_host(t, &q, other, len, 1, &r);
	tx_host(t, &q, other, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 10);
	assert_false(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"warp\",\"1\"]}"));
	assert_false(ctl(t, "{\"verb\":\"allowance\",\"args\":[\"pps\",\"-1\"]}"));

	eni_stats(t, &st, ENA_STATS_ENI);
	assert_int_equal(st.u.eni.pps_allowance_exceeded, 2);
	assert_int_equal(st.u.eni.linklocal_allowance_exceeded, 1);
	assert_int_equal(st.u.eni.conntrack_allowance_exceeded, 1);
	assert_int_equal(st.u.eni.bw_out_allowance_exceeded, 1);
	assert_int_equal(st.u.eni.bw_in_allowance_exceeded, 0);
	eni_stats(t, &st, ENA_STATS_BASIC);
	assert_int_equal(st.u.basic.tx_pkts_low, 10);
}

static void test_interrupts(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	struct txreq r = { .req_id = 1 };
	struct qpair q, q2;
	size_t len = frame_build(frame, false, 17, &fl, 100, 1, false);

	qpair_create(t, &q, 0, 1, 0);
	qpair_create(t, &q2, 1, 2, 0);
	{
		struct qpair all[4] = { q, q, q, q };

		rss_table_set(t, all, 0);
	}
	rx_post(t, &q, 16, RX_BUF);
	/* starts masked: completions wait */
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 0);
	/* unmask through the TX CQ (Linux): fires once, auto-masks */
	wr(t, q.tx_unmask, ENA_INTR_REG_UNMASK | ENA_INTR_REG_NO_MODERATION_UPDATE);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 1);
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 1);
	/* unmask through the RX CQ (DPDK) re-enables the same vector */
	wr(t, q.rx_unmask, ENA_INTR_REG_UNMASK | ENA_INTR_REG_NO_MODERATION_UPDATE);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 2);
	/* the same value written again is a new write */
	wr(t, q.rx_unmask, ENA_INTR_REG_UNMASK | ENA_INTR_REG_NO_MODERATION_UPDATE);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 2); /* nothing pending: no interrupt */
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 3);
	assert_int_equal(t->irqs[2], 0); /* the other pair's vector stays quiet */

	/* moderation: tx delay 50 us, rx delay 20 us (resolution 1 us) */
	wr(t, q.tx_unmask, ENA_INTR_REG_UNMASK | (50u << ENA_INTR_REG_TX_DELAY_SHIFT) | 20u);
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 3); /* both pending: the shorter delay counts */
	t->now_us += 19;
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 3);
	t->now_us += 1;
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 4);
	/* no_moderation_update keeps the delays */
	wr(t, q2.tx_unmask, ENA_INTR_REG_UNMASK); /* vector 2, delays 0 */
	wr(t, q.tx_unmask, ENA_INTR_REG_UNMASK | ENA_INTR_REG_NO_MODERATION_UPDATE | 5u);
	tx_host(t, &q2, frame, 60, 1, &r);    /* completion only: vector 2 */
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[2], 1);
	t->now_us += 1;
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 4);      /* rx delay still 20 */
	t->now_us += 20;
	sim_io_poll(t->io);
	assert_int_equal(t->irqs[1], 5);
}

static void test_bad_descriptors(void **state)
{
	struct t *t = *state = t_new(false, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	struct txreq r = { .req_id = 1 };
	struct ena_tx_desc *ring;
	struct qpair q, q2;
	json_object *show, *o;
	char *reply;
	size_t len = frame_build(frame, false, 17, &fl, 100, 1, false);

	qpair_create(t, &q, 0, 1, 0);
	qpair_create(t, &q2, 1, 2, 0);
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 1);
	/* a descriptor with a stale phase: counted, queue stopped, no crash */
	ring = mem(t, OFF_SQ);
	tx_host(t, &q, frame, len, 1, &r);
	ring[(q.tx_tail - 1) & (DEPTH - 1)].len_ctrl ^= ENA_TX_DESC_PHASE;
	sim_io_poll(t->io);
	/* an unmapped buffer address on the other queue */
	tx_host(t, &q2, frame, len, 1, &r);
	((struct ena_tx_desc *)mem(t, OFF_SQ + 2 * 0x8000u))[0].buff_addr_hi_hdr_sz = 0x7777;
	sim_io_poll(t->io);
	/* a doorbell beyond the ring: q is already stopped; later frames wait */
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 1);
	assert_non_null(tx_comp(t, &q));
	assert_null(tx_comp(t, &q));
	reply = sim_ctl_execute_line(t->dev, "{\"verb\":\"show\"}");
	show = json_tokener_parse(reply);
	free(reply);
	assert_non_null(json_object_object_get_ex(show, "io", &o));
	o = json_object_array_get_idx(json_object_object_get(o, "tx_queues"), 0);
	assert_true(json_object_get_boolean(json_object_object_get(o, "stopped")));
	assert_int_equal(json_object_get_int(json_object_object_get(o, "bad_descs")), 1);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "pkts")), 1);
	json_object_put(show);
	/* a destroyed and re-created queue works again (state from the snapshot) */
	{
		struct ena_aq_destroy_sq d = { .common.opcode = ENA_ADMIN_DESTROY_SQ };
		struct ena_aq_destroy_cq dc = { .common.opcode = ENA_ADMIN_DESTROY_CQ };

		for (int k = 0; k < 2; k++) {
			d.sq_idx = k ? q.rx_sq : q.tx_sq;
			d.sq_identity = (uint8_t)((k ? ENA_SQ_DIRECTION_RX : ENA_SQ_DIRECTION_TX)
						  << ENA_SQ_IDENTITY_DIRECTION_SHIFT);
			assert_int_equal(admin(t, &d, sizeof(d), NULL, 0), 0);
			dc.cq_idx = k ? q.rx_cq : q.tx_cq;
			assert_int_equal(admin(t, &dc, sizeof(dc), NULL, 0), 0);
		}
	}
	qpair_create(t, &q, 0, 1, 0);
	tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_int_equal(t->cap->n, 2);
	assert_memory_equal(cap_frame(t->cap, 1), frame, len);
	assert_non_null(tx_comp(t, &q));
}

static void test_rx_overrun_and_stats(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	struct txreq r = { .req_id = 1 };
	struct ena_acq_get_stats_resp st;
	struct qpair q;
	size_t len = frame_build(frame, false, 17, &fl, 100, 1, false);

	qpair_create(t, &q, 0, 1, 0);
	{
		struct qpair all[4] = { q, q, q, q };

		rss_table_set(t, all, 0);
	}
	rx_post(t, &q, 2, RX_BUF);
	for (int i = 0; i < 4; i++)
		tx_host(t, &q, frame, len, 1, &r);
	sim_io_poll(t->io);
	assert_non_null(rx_comp(t, &q));
	assert_non_null(rx_comp(t, &q));
	assert_null(rx_comp(t, &q));
	eni_stats(t, &st, ENA_STATS_BASIC);
	assert_int_equal(st.u.basic.tx_pkts_low, 4);
	assert_int_equal(st.u.basic.tx_bytes_low, 4 * len);
	assert_int_equal(st.u.basic.rx_pkts_low, 2);
	assert_int_equal(st.u.basic.rx_bytes_low, 2 * len);
	assert_int_equal(st.u.basic.rx_overruns_low, 2);
	assert_int_equal(t->dev->stats.rx_overruns, 2); /* what keep-alive reports */
	/* a device reset clears the drop counters */
	wr(t, ENA_REG_DEV_CTL, ENA_DEV_CTL_DEV_RESET);
	wr(t, ENA_REG_DEV_CTL, 0);
	assert_int_equal(t->dev->stats.rx_overruns, 0);
	sim_io_poll(t->io);
}

/* The real thing: the engine's own thread, woken by doorbell kicks. */
static void test_thread(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	struct txreq r = { .req_id = 1 };
	const struct ena_rx_cdesc *c = NULL;
	struct qpair q;
	size_t len = frame_build(frame, false, 17, &fl, 3000, 1, false);

	qpair_create(t, &q, 0, 1, 0);
	{
		struct qpair all[4] = { q, q, q, q };

		rss_table_set(t, all, 0);
	}
	sim_io_set_clock(t->io, NULL, NULL);
	assert_int_equal(sim_io_start(t->io), 0);
	rx_post(t, &q, 64, RX_BUF);
	for (unsigned int round = 0; round < 50; round++) {
		unsigned int got = 0;

		tx_host(t, &q, frame, len, 2, &r);
		/* bounded wait for both buffers of the frame */
		for (int i = 0; i < 5000 && got < 2; i++) {
			c = rx_comp(t, &q);
			if (c)
				got++;
			else
				usleep(1000);
		}
		assert_int_equal(got, 2);
		assert_memory_equal(rx_buf(t, &q, c->req_id), frame + RX_BUF, len - RX_BUF);
		rx_post(t, &q, 2, RX_BUF);
	}
	/* destroying queues while the thread runs quiesces it first */
	{
		struct ena_aq_destroy_sq d = { .common.opcode = ENA_ADMIN_DESTROY_SQ };

		d.sq_idx = q.rx_sq;
		d.sq_identity = ENA_SQ_DIRECTION_RX << ENA_SQ_IDENTITY_DIRECTION_SHIFT;
		assert_int_equal(admin(t, &d, sizeof(d), NULL, 0), 0);
	}
	tx_host(t, &q, frame, len, 2, &r);
}

/* The poll decision: a window after activity, closed while the rate is high. */
static void test_poller(void **state)
{
	struct io_poller p = { 0 };
	uint64_t t = 1000000;

	(void)state;
	assert_false(io_poller_keep_polling(&p, 0, t, true, 1)); /* no window */
	assert_true(io_poller_keep_polling(&p, 5000, t, true, 1));
	assert_true(io_poller_keep_polling(&p, 5000, t + 4999, false, 0));
	assert_false(io_poller_keep_polling(&p, 5000, t + 5000, false, 0));
	assert_true(io_poller_keep_polling(&p, 5000, t + 6000, true, 2)); /* activity reopens */

	/* a period over the frame limit closes the window for the next period */
	memset(&p, 0, sizeof(p));
	p.period_start = t;
	assert_true(io_poller_keep_polling(&p, 5000, t + 100, true, IO_POLL_RATE_MAX_FRAMES + 1));
	assert_false(io_poller_keep_polling(&p, 5000, t + IO_POLL_RATE_PERIOD_US, true, 1));
	assert_false(io_poller_keep_polling(&p, 5000, t + IO_POLL_RATE_PERIOD_US + 10, true, 1));
	/* a quiet period opens it again; exactly the limit still counts as low */
	assert_true(io_poller_keep_polling(&p, 5000, t + 2 * IO_POLL_RATE_PERIOD_US, true,
					   IO_POLL_RATE_MAX_FRAMES - 1));
	assert_true(io_poller_keep_polling(&p, 5000, t + 3 * IO_POLL_RATE_PERIOD_US, true, 0));
}

/* One TX frame looped back as one RX completion, waited for (bounded). */
static void roundtrip(struct t *t, struct qpair *q, const uint8_t *f, size_t len)
{
	struct txreq r = { .req_id = 1 };
	const struct ena_rx_cdesc *c = NULL;

	tx_host(t, q, f, len, 1, &r);
	for (int i = 0; i < 5000 && !c; i++) {
		c = rx_comp(t, q);
		if (!c)
			usleep(200);
	}
	assert_non_null(c);
	assert_memory_equal(rx_buf(t, q, c->req_id), f, len);
	rx_post(t, q, 1, RX_BUF);
}

/* --poll-us: within the window after activity the engine polls instead of
 * sleeping; with no window it sleeps between frames. */
static void test_poll_window(void **state)
{
	struct t *t = *state = t_new(true, false);
	struct flow fl = { 0x0a000001, 0x0a000002, 1, 2 };
	struct qpair q;
	size_t len = frame_build(frame, false, 17, &fl, 200, 1, false);
	uint64_t before;

	qpair_create(t, &q, 0, 1, 0);
	{
		struct qpair all[4] = { q, q, q, q };

		rss_table_set(t, all, 0);
	}
	sim_io_set_clock(t->io, NULL, NULL);
	sim_io_set_poll(t->io, 1000000); /* 1 s: far longer than the gaps below */
	assert_int_equal(sim_io_start(t->io), 0);
	rx_post(t, &q, 64, RX_BUF);
	roundtrip(t, &q, frame, len);
	before = sim_io_sleeps(t->io);
	for (unsigned int i = 0; i < 10; i++) {
		usleep(2000);
		roundtrip(t, &q, frame, len);
	}
	assert_int_equal(sim_io_sleeps(t->io), before);

	sim_io_set_poll(t->io, 0);
	roundtrip(t, &q, frame, len);
	before = sim_io_sleeps(t->io);
	for (unsigned int i = 0; i < 10; i++) {
		usleep(2000);
		roundtrip(t, &q, frame, len);
	}
	assert_true(sim_io_sleeps(t->io) >= before + 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_tx_host_capture, teardown),
		cmocka_unit_test(test_tx_llq),
		cmocka_unit_test(test_poller),
		cmocka_unit_test_teardown(test_poll_window, teardown),
		cmocka_unit_test_teardown(test_loop_rx_jumbo, teardown),
		cmocka_unit_test_teardown(test_checksum_offload, teardown),
		cmocka_unit_test(test_tso),
		cmocka_unit_test_teardown(test_rss_steering, teardown),
		cmocka_unit_test_teardown(test_fault_verbs, teardown),
		cmocka_unit_test_teardown(test_allowances, teardown),
		cmocka_unit_test_teardown(test_interrupts, teardown),
		cmocka_unit_test_teardown(test_bad_descriptors, teardown),
		cmocka_unit_test_teardown(test_rx_overrun_and_stats, teardown),
		cmocka_unit_test_teardown(test_thread, teardown),
	};

	return cmocka_run_group_tests_name("sim_io", tests, NULL, NULL);
}
