/* SPDX-License-Identifier: MIT */
/* enasim TX: parse host-placement descriptors and LLQ entries, gather the
 * frame, apply offloads, send it on the wire and write TX completions. */
#include <errno.h>
#include <string.h>

#include "ena/admin.h"
#include "ena/io.h"
#include "io_priv.h"
#include "frame.h"

/* One packet as its descriptors describe it. */
struct tx_pkt {
	unsigned int ndesc;        /* incl. the meta descriptor */
	unsigned int nentries;     /* LLQ entries */
	bool data;                 /* a data descriptor was seen */
	bool comp;
	uint16_t req_id;
	uint32_t meta_ctrl;        /* offload flags of the first data descriptor */
	uint16_t hdr_len;
	const uint8_t *hdr;        /* pushed LLQ header */
	bool meta_valid, meta_store;
	struct io_meta meta;
	unsigned int nbufs;
	uint64_t addr[SIM_MAX_PACKET_DESCS];
	uint32_t len[SIM_MAX_PACKET_DESCS];
};

enum { TX_MORE = 0, TX_DONE = 1 };

static uint32_t le32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Add one descriptor (a private copy) to @p.
 * Return: TX_DONE, TX_MORE, or -EINVAL with *ret_why set. */
static int desc_add(struct tx_pkt *p, const uint8_t *raw, uint8_t phase, const char **ret_why)
{
	uint32_t len_ctrl = le32_at(raw);
	uint32_t meta_ctrl = le32_at(raw + 4);

	if (((len_ctrl & ENA_TX_DESC_PHASE) != 0) != (phase != 0)) {
		*ret_why = "descriptor phase does not match the ring lap";
		return -EINVAL;
	}
	if (p->ndesc == 0 && !(len_ctrl & ENA_TX_DESC_FIRST)) {
		*ret_why = "first descriptor of a packet without FIRST";
		return -EINVAL;
	}
	if (++p->ndesc > SIM_MAX_PACKET_DESCS) {
		*ret_why = "packet uses more than max_per_packet_tx_descs descriptors";
		return -EINVAL;
	}
	if (len_ctrl & ENA_TX_DESC_META_DESC) {
		uint32_t w2 = le32_at(raw + 8);

		if (p->ndesc != 1) {
			*ret_why = "meta descriptor after a data descriptor";
			return -EINVAL;
		}
		p->meta_valid = true;
		p->meta_store = len_ctrl & ENA_TX_META_META_STORE;
		p->meta.mss = (uint16_t)((((len_ctrl & ENA_TX_META_MSS_HI_MASK) >>
					   ENA_TX_META_MSS_HI_SHIFT) << 10) |
					 ((w2 & ENA_TX_META_MSS_LO_MASK) >> ENA_TX_META_MSS_LO_SHIFT));
		p->meta.l3_hdr_len = (uint8_t)(w2 & ENA_TX_META_L3_HDR_LEN_MASK);
		p->meta.l3_hdr_off = (uint8_t)((w2 & ENA_TX_META_L3_HDR_OFF_MASK) >>
					       ENA_TX_META_L3_HDR_OFF_SHIFT);
		p->meta.l4_hdr_len = (uint8_t)((w2 & ENA_TX_META_L4_HDR_LEN_WORDS_MASK) >>
					       ENA_TX_META_L4_HDR_LEN_WORDS_SHIFT);
		return (len_ctrl & ENA_TX_META_LAST) ? TX_DONE : TX_MORE; /* meta only */
	}
	if (!p->data) {
		uint32_t hi = le32_at(raw + 12);

		p->data = true;
		p->comp = len_ctrl & ENA_TX_DESC_COMP_REQ;
		p->req_id = (uint16_t)((((len_ctrl & ENA_TX_DESC_REQ_ID_HI_MASK) >>
					 ENA_TX_DESC_REQ_ID_HI_SHIFT) << 10) |
				       (meta_ctrl >> ENA_TX_DESC_REQ_ID_LO_SHIFT));
		p->meta_ctrl = meta_ctrl;
		p->hdr_len = (uint16_t)(hi >> ENA_TX_DESC_HEADER_LENGTH_SHIFT);
	}
	if (len_ctrl & ENA_TX_DESC_LENGTH_MASK) {
		uint64_t addr = le32_at(raw + 8) |
				((uint64_t)(le32_at(raw + 12) & ENA_TX_DESC_ADDR_HI_MASK) << 32);

		p->addr[p->nbufs] = addr;
		p->len[p->nbufs] = len_ctrl & ENA_TX_DESC_LENGTH_MASK;
		p->nbufs++;
	}
	return (len_ctrl & ENA_TX_DESC_LAST) ? TX_DONE : TX_MORE;
}

/* ---- offloads and sending ---- */

struct seg_ctx {
	struct sim_io *io;
};

static void seg_emit(void *ctx, const uint8_t *seg, size_t len)
{
	struct seg_ctx *c = ctx;

	io_wire_send(c->io, seg, len, NULL, 1, len);
}

static void offload_req_build(const struct sim_io *io, const uint8_t *f, size_t len,
			      uint32_t meta_ctrl, const struct io_meta *meta,
			      struct offload_req *req)
{
	unsigned int l3_off = meta->l3_hdr_off ? meta->l3_hdr_off : FRAME_ETH_HLEN;
	unsigned int version = l3_off < len ? f[l3_off] >> 4 : 0;
	unsigned int l4 = (meta_ctrl & ENA_TX_DESC_L4_PROTO_IDX_MASK) >>
			  ENA_TX_DESC_L4_PROTO_IDX_SHIFT;
	uint32_t off = io->tx_offloads;
	bool l4_ok = version == 4 ? off & (ENA_OFFLOAD_TX_L4_IPV4_CSUM_PART |
					   ENA_OFFLOAD_TX_L4_IPV4_CSUM_FULL)
				  : off & (ENA_OFFLOAD_TX_L4_IPV6_CSUM_PART |
					   ENA_OFFLOAD_TX_L4_IPV6_CSUM_FULL);
	bool tso_ok = version == 4 ? off & ENA_OFFLOAD_TX_TSO_IPV4 : off & ENA_OFFLOAD_TX_TSO_IPV6;

	memset(req, 0, sizeof(*req));
	req->l3_csum = (meta_ctrl & ENA_TX_DESC_L3_CSUM_EN) && version == 4 &&
		       (off & ENA_OFFLOAD_TX_L3_CSUM_IPV4);
	req->l4_csum = (meta_ctrl & ENA_TX_DESC_L4_CSUM_EN) && (version == 4 || version == 6) &&
		       l4_ok;
	req->l4_partial = meta_ctrl & ENA_TX_DESC_L4_CSUM_PARTIAL;
	req->tso = (meta_ctrl & ENA_TX_DESC_TSO_EN) && (version == 4 || version == 6) && tso_ok;
	req->mss = meta->mss;
	req->l3_off = meta->l3_hdr_off;
	req->l3_len = meta->l3_hdr_len;
	req->l4_len = (uint16_t)(meta->l4_hdr_len * 4u);
	req->l4_proto = l4 == ENA_L4_PROTO_TCP || l4 == ENA_L4_PROTO_UDP ? (uint8_t)l4 : 0;
}

/* Segments a TSO frame would make, and their bytes on the wire. */
static unsigned int tso_count(const uint8_t *f, size_t len, const struct offload_req *req,
			      uint64_t *ret_bytes)
{
	struct frame_info pi;
	size_t hdr, payload;
	unsigned int n;

	frame_parse(f, len, &pi);
	hdr = (size_t)(req->l3_off ? req->l3_off : pi.l3_off) +
	      (req->l3_len ? req->l3_len : pi.l3_len) + (req->l4_len ? req->l4_len : pi.l4_len);
	if (!req->mss || hdr >= len) {
		*ret_bytes = len;
		return 1;
	}
	payload = len - hdr;
	n = (unsigned int)((payload + req->mss - 1) / req->mss);
	*ret_bytes = len + (uint64_t)(n - 1) * hdr;
	return n;
}

/* Apply offloads to the gathered frame and put it on the wire. */
static void tx_frame_send(struct sim_io *io, struct io_sq *sq, uint8_t *f, size_t len,
			  uint32_t meta_ctrl, const struct io_meta *meta)
{
	struct offload_req req;
	struct sim_gso gso;
	uint64_t bytes;
	unsigned int pkts;
	int ex;

	offload_req_build(io, f, len, meta_ctrl, meta, &req);
	pkts = req.tso ? tso_count(f, len, &req, &bytes) : 1;
	if (!req.tso)
		bytes = len;
	ex = sim_eni_admit(&io->eni, true, f, len, pkts, bytes, io->pass_now_us);
	if (ex >= 0) {
		io->delta.eni[sim_eni_metric((unsigned int)ex)]++;
		sq->st.drops++;
		io->dirty = true;
		return;
	}
	if (req.tso && pkts > 1) {
		if (io->wire->gso && offload_gso_prepare(f, len, &req, &gso) == 0) {
			io_wire_send(io, f, len, &gso, pkts, bytes);
			return;
		}
		struct seg_ctx c = { io };

		if (offload_tso(f, len, &req, io->seg, IO_FRAME_MAX, seg_emit, &c) < 0)
			goto drop;
		return;
	}
	if (req.tso) {
		/* A single segment: the device still owns its checksums. */
		req.l3_csum = f[req.l3_off ? req.l3_off : FRAME_ETH_HLEN] >> 4 == 4;
		req.l4_csum = true;
		req.l4_partial = false;
	}
	if (offload_checksum(f, len, &req) < 0)
		goto drop;
	io_wire_send(io, f, len, NULL, 1, len);
	return;

drop:
	io->delta.tx_drops++;
	sq->st.drops++;
	io->dirty = true;
}

/* Gather, send and queue the completion of a parsed packet; @new_head is
 * the SQ head after it. Return: 0, or -EFAULT when a buffer is unmapped. */
static int tx_packet_finish(struct sim_io *io, struct io_sq *sq, struct tx_pkt *p,
			    uint16_t new_head, unsigned int *nc)
{
	struct io_meta meta = sq->meta;
	size_t len = p->hdr_len;
	uint8_t *f = io->frame;
	bool too_long = false;

	for (unsigned int i = 0; i < p->nbufs; i++) {
		len += p->len[i];
		if (len > IO_FRAME_MAX)
			too_long = true;
	}
	if (!too_long) {
		if (p->hdr_len)
			memcpy(f, p->hdr, p->hdr_len);
		len = p->hdr_len;
		for (unsigned int i = 0; i < p->nbufs; i++) {
			const void *src = sim_dma_ptr(io->dev, p->addr[i], p->len[i], false);

			if (!src)
				return -EFAULT;
			memcpy(f + len, src, p->len[i]);
			len += p->len[i];
		}
	}
	sq->head = new_head;
	if (p->meta_valid) {
		meta = p->meta;
		if (p->meta_store)
			sq->meta = p->meta;
	}
	if (!p->data)
		return 0; /* a meta-only chain: nothing to send or complete */
	sq->st.pkts++;
	sq->st.bytes += len;
	io->dirty = true;
	if (too_long || len == 0) {
		io->delta.tx_drops++;
		sq->st.drops++;
	} else {
		tx_frame_send(io, sq, f, len, p->meta_ctrl, &meta);
	}
	if (p->comp) {
		io->txc[*nc].req_id = p->req_id;
		io->txc[*nc].sq_head = new_head;
		(*nc)++;
	}
	return 0;
}

/* Write one TX completion, flags (phase) last. */
static void txc_write(struct sim_io *io, struct io_cq *cq, uint16_t req_id, uint16_t sq_head)
{
	uint8_t *slot = io_cq_slot(cq);
	struct ena_tx_cdesc c = { .req_id = req_id, .sq_head_idx = sq_head };

	if (io_fault_take(io, SIM_IO_FAULT_CORRUPT_TX_REQ_ID))
		c.req_id = (uint16_t)cq->depth; /* out of range for the driver */
	memcpy(slot, &c, offsetof(struct ena_tx_cdesc, flags));
	memcpy(slot + offsetof(struct ena_tx_cdesc, sub_qid), &c.sub_qid, 4);
	if (cq->entry_size > sizeof(c))
		memset(slot + sizeof(c), 0, cq->entry_size - sizeof(c));
	__atomic_store_n(slot + offsetof(struct ena_tx_cdesc, flags),
			 (uint8_t)(sim_ring_phase(cq->tail, cq->depth) ? ENA_TX_CDESC_PHASE : 0),
			 __ATOMIC_RELEASE);
	cq->tail++;
}

static void completions_write(struct sim_io *io, struct io_sq *sq, unsigned int nc)
{
	struct io_cq *cq = &io->cq[sq->cq_idx];
	bool ooo = io_fault(io, SIM_IO_FAULT_TX_OOO);

	if (!nc || io_fault(io, SIM_IO_FAULT_TX_COMPLETE_OFF))
		return;
	if (!cq->ring) {
		sq->st.bad++;
		return;
	}
	for (unsigned int i = 0; i < nc; i++) {
		/* Out of order: pairs swapped (1 0 3 2 ...); the sq_head each
		 * completion reports stays that of its own packet. */
		unsigned int k = ooo ? (i ^ 1u) : i;

		if (k >= nc)
			k = i;
		txc_write(io, cq, io->txc[k].req_id, io->txc[k].sq_head);
	}
	io_cq_written(io, cq, nc);
}

/* ---- host placement ---- */

static bool tx_host(struct sim_io *io, struct io_sq *sq, unsigned int idx, uint16_t avail,
		    unsigned int *nc)
{
	const char *why = NULL;
	unsigned int done = 0;

	if (!sq->ring) {
		io_sq_stop(io, sq, "TX", idx, "ring not mapped");
		return false;
	}
	while (done < IO_TX_BUDGET) {
		struct tx_pkt p;
		uint16_t used = 0;
		int r = TX_MORE;

		memset(&p, 0, sizeof(p));
		while (r == TX_MORE) {
			uint16_t i = (uint16_t)(sq->head + used);
			uint8_t raw[16];

			if (used >= avail)
				return false; /* the rest of the chain is not posted yet */
			memcpy(raw, sq->ring + (size_t)(i & (sq->depth - 1)) * 16, 16);
			r = desc_add(&p, raw, sim_ring_phase(i, sq->depth), &why);
			used++;
		}
		if (r < 0) {
			io_sq_stop(io, sq, "TX", idx, why);
			return false;
		}
		p.hdr_len = 0; /* host placement: header_length is only a hint */
		if (tx_packet_finish(io, sq, &p, (uint16_t)(sq->head + used), nc) < 0) {
			io_sq_stop(io, sq, "TX", idx, "buffer address not mapped");
			return false;
		}
		avail = (uint16_t)(avail - used);
		done++;
		if (!avail)
			return false;
	}
	return true;
}

/* ---- LLQ placement ---- */

/* Copy entries [head, head + n) out of BAR2 (the driver may reuse them
 * once they are completed, and may be writing the next ones now). */
static void llq_snapshot(struct sim_io *io, const struct io_sq *sq, unsigned int n)
{
	uint32_t e = io->llq_entry;

	for (unsigned int k = 0; k < n; k++) {
		uint32_t slot = (uint16_t)(sq->head + k) & (sq->depth - 1);

		memcpy(io->llq_snap + (size_t)k * e, io->bar2 + sq->llq_off + (uint64_t)slot * e, e);
	}
}

static bool tx_llq(struct sim_io *io, struct io_sq *sq, unsigned int idx, uint16_t avail,
		   unsigned int *nc)
{
	const uint32_t e = io->llq_entry, before = io->llq_before, per = io->llq_per_entry;
	unsigned int n = avail < IO_LLQ_SNAP ? avail : IO_LLQ_SNAP;
	unsigned int pos = 0, done = 0;
	const char *why = NULL;

	llq_snapshot(io, sq, n);
	while (pos < n && done < IO_TX_BUDGET) {
		const uint8_t *first = io->llq_snap + (size_t)pos * e;
		struct tx_pkt p;
		unsigned int k = 0, last_entry = 0;
		int r = TX_MORE;

		memset(&p, 0, sizeof(p));
		while (r == TX_MORE) {
			unsigned int ent = k < before ? 0 : 1 + (k - before) / per;
			unsigned int slot = k < before ? k : (k - before) % per;

			if (pos + ent >= n)
				return n < avail; /* not all covered: wait, or look again */
			r = desc_add(&p, io->llq_snap + (size_t)(pos + ent) * e + slot * 16u,
				     sim_ring_phase((uint16_t)(sq->head + ent), sq->depth), &why);
			last_entry = ent;
			k++;
		}
		if (r == TX_DONE && p.hdr_len > e - before * 16) {
			r = -EINVAL;
			why = "header_length larger than the LLQ entry holds";
		}
		if (r < 0) {
			io_sq_stop(io, sq, "TX", idx, why);
			return false;
		}
		p.hdr = first + before * 16;
		p.nentries = last_entry + 1;
		if (tx_packet_finish(io, sq, &p, (uint16_t)(sq->head + p.nentries), nc) < 0) {
			io_sq_stop(io, sq, "TX", idx, "buffer address not mapped");
			return false;
		}
		pos += p.nentries;
		done++;
	}
	return pos < avail;
}

bool io_tx_process(struct sim_io *io, struct io_sq *sq, unsigned int idx)
{
	uint16_t avail = (uint16_t)(io_sq_tail(io, sq) - sq->head);
	unsigned int nc = 0;
	bool more;

	if (!avail)
		return false;
	if (avail > sq->depth) {
		io_sq_stop(io, sq, "TX", idx, "doorbell beyond the ring depth");
		return false;
	}
	more = sq->llq ? tx_llq(io, sq, idx, avail, &nc) : tx_host(io, sq, idx, avail, &nc);
	completions_write(io, sq, nc);
	return more;
}
