/* SPDX-License-Identifier: MIT */
/* enasim RX: hash and steer frames from the wire by RSS, DMA them into
 * posted buffers in ring order and write one completion per buffer. */
#include <errno.h>
#include <string.h>

#include "ena/admin.h"
#include "ena/ena.h"
#include "ena/io.h"
#include "io_priv.h"
#include "frame.h"

struct rx_buf {
	uint64_t addr;
	uint32_t cap;
	uint16_t req_id;
	uint32_t len;              /* bytes placed */
	uint8_t *dst;
};

/* ---- RSS ---- */

static unsigned int rss_class(const struct frame_info *pi)
{
	if (pi->ip_version == 4) {
		if (pi->frag)
			return ENA_RSS_IP4_FRAG;
		if (pi->ip_proto == FRAME_IPPROTO_TCP && pi->l4_off)
			return ENA_RSS_TCP4;
		if (pi->ip_proto == FRAME_IPPROTO_UDP && pi->l4_off)
			return ENA_RSS_UDP4;
		return ENA_RSS_IP4;
	}
	if (pi->ip_version == 6) {
		if (pi->ip_proto == FRAME_IPPROTO_TCP && pi->l4_off && !pi->frag)
			return pi->v6_ext ? ENA_RSS_TCP6_EX : ENA_RSS_TCP6;
		if (pi->ip_proto == FRAME_IPPROTO_UDP && pi->l4_off && !pi->frag && !pi->v6_ext)
			return ENA_RSS_UDP6;
		return pi->v6_ext ? ENA_RSS_IP6_EX : ENA_RSS_IP6;
	}
	return ENA_RSS_NOT_IP;
}

uint32_t io_rss_hash(const struct sim_io *io, const uint8_t *f, size_t len, bool *ret_ip)
{
	struct frame_info pi;
	uint8_t in[40];
	const uint8_t *sa, *da;
	unsigned int alen, n = 0, cls;
	uint16_t fields, sp = 0, dp = 0;
	bool ports;

	frame_parse(f, len, &pi);
	cls = rss_class(&pi);
	fields = io->rss_fields[cls];
	*ret_ip = pi.ip_version != 0;
	if (!pi.ip_version) {
		if (len < FRAME_ETH_HLEN)
			return 0;
		sa = f + 6; /* L2: source then destination, like L3 */
		da = f;
		alen = 6;
		fields = (uint16_t)(((fields & ENA_RSS_L2_SA) ? ENA_RSS_L3_SA : 0) |
				    ((fields & ENA_RSS_L2_DA) ? ENA_RSS_L3_DA : 0));
	} else {
		const uint8_t *ip = f + pi.l3_off;

		alen = pi.ip_version == 4 ? 4 : 16;
		sa = ip + (pi.ip_version == 4 ? 12 : 8);
		da = sa + alen;
	}
	ports = pi.l4_off && !pi.frag && (cls == ENA_RSS_TCP4 || cls == ENA_RSS_UDP4 ||
					 cls == ENA_RSS_TCP6 || cls == ENA_RSS_UDP6 ||
					 cls == ENA_RSS_TCP6_EX);
	if (ports) {
		sp = get_be16(f + pi.l4_off);
		dp = get_be16(f + pi.l4_off + 2);
	}
	if ((io->rss_sort & ENA_RSS_INPUT_L3_SORT) && memcmp(da, sa, alen) < 0) {
		const uint8_t *t = sa;

		sa = da;
		da = t;
	}
	if ((io->rss_sort & ENA_RSS_INPUT_L4_SORT) && dp < sp) {
		uint16_t t = sp;

		sp = dp;
		dp = t;
	}
	if (fields & ENA_RSS_L3_SA) {
		memcpy(in + n, sa, alen);
		n += alen;
	}
	if (fields & ENA_RSS_L3_DA) {
		memcpy(in + n, da, alen);
		n += alen;
	}
	if (ports && (fields & ENA_RSS_L4_SP)) {
		put_be16(in + n, sp);
		n += 2;
	}
	if (ports && (fields & ENA_RSS_L4_DP)) {
		put_be16(in + n, dp);
		n += 2;
	}
	if (io->rss_function == ENA_HASH_CRC32)
		return ena_rss_crc32(io->rss_init_val, in, n);
	return ena_rss_toeplitz(io->rss_key, in, n);
}

/* ---- completion status as a device computes it ---- */

static uint32_t rx_status(const struct sim_io *io, const uint8_t *f, size_t len)
{
	struct frame_info pi;
	uint32_t st = 0;
	bool l4_offload = false;

	frame_parse(f, len, &pi);
	if (pi.ip_version == 4) {
		st |= ENA_L3_PROTO_IPV4;
		if (!(io->rx_offloads & ENA_OFFLOAD_RX_L3_CSUM_IPV4) || !frame_ipv4_csum_ok(f, &pi))
			st |= ENA_RX_CDESC_L3_CSUM_ERR; /* bad, or not validated */
		if (pi.frag)
			st |= ENA_RX_CDESC_IPV4_FRAG;
		l4_offload = io->rx_offloads & ENA_OFFLOAD_RX_L4_IPV4_CSUM;
	} else if (pi.ip_version == 6) {
		st |= ENA_L3_PROTO_IPV6;
		l4_offload = io->rx_offloads & ENA_OFFLOAD_RX_L4_IPV6_CSUM;
	}
	if (pi.ip_version && pi.ip_proto == FRAME_IPPROTO_TCP)
		st |= (uint32_t)ENA_L4_PROTO_TCP << ENA_RX_CDESC_L4_PROTO_IDX_SHIFT;
	else if (pi.ip_version && pi.ip_proto == FRAME_IPPROTO_UDP)
		st |= (uint32_t)ENA_L4_PROTO_UDP << ENA_RX_CDESC_L4_PROTO_IDX_SHIFT;
	if (l4_offload && !pi.frag) {
		int ok = frame_l4_csum_check(f, &pi);

		if (ok >= 0)
			st |= ENA_RX_CDESC_L4_CSUM_CHECKED;
		if (ok == 0)
			st |= ENA_RX_CDESC_L4_CSUM_ERR;
	}
	return st;
}

/* ---- delivery ---- */

static void rxc_write(struct io_cq *cq, const struct rx_buf *b, uint32_t status, uint32_t hash)
{
	uint8_t *slot = io_cq_slot(cq);
	struct ena_rx_cdesc c = {
		.length = (uint16_t)b->len,
		.req_id = b->req_id,
		.hash = hash,
	};

	status |= sim_ring_phase(cq->tail, cq->depth) ? ENA_RX_CDESC_PHASE : 0;
	memcpy(slot + 4, (const uint8_t *)&c + 4, sizeof(c) - 4);
	if (cq->entry_size >= sizeof(struct ena_rx_cdesc_ext)) {
		struct ena_rx_cdesc_ext ext;

		memset(&ext, 0, sizeof(ext));
		ext.buff_addr_lo = (uint32_t)b->addr;
		ext.buff_addr_hi = (uint16_t)(b->addr >> 32);
		memcpy(slot + sizeof(c), (const uint8_t *)&ext + sizeof(c), sizeof(ext) - sizeof(c));
	}
	__atomic_store_n((uint32_t *)slot, status, __ATOMIC_RELEASE);
	cq->tail++;
}

static void rx_drop(struct sim_io *io, struct io_sq *sq, uint64_t *counter)
{
	(*counter)++;
	if (sq)
		sq->st.drops++;
	io->dirty = true;
}

static void rx_deliver(struct sim_io *io, struct io_sq *sq, unsigned int idx, const uint8_t *f,
		       size_t len, uint32_t status, uint32_t hash)
{
	struct io_cq *cq = &io->cq[sq->cq_idx];
	uint16_t avail = (uint16_t)(io_sq_tail(io, sq) - sq->head);
	uint32_t force = io_fault(io, SIM_IO_FAULT_RX_DESCS);
	struct rx_buf bufs[IO_RX_DESC_MAX];
	unsigned int n = 0;
	uint64_t cap = 0;
	size_t off = 0;

	if (avail > sq->depth) {
		io_sq_stop(io, sq, "RX", idx, "doorbell beyond the ring depth");
		rx_drop(io, sq, &io->delta.rx_drops);
		return;
	}
	if (!sq->ring || !cq->ring) {
		io_sq_stop(io, sq, "RX", idx, "ring not mapped");
		rx_drop(io, sq, &io->delta.rx_drops);
		return;
	}
	while (force ? n < force : cap < len) {
		uint16_t i = (uint16_t)(sq->head + n);
		struct ena_rx_desc d;

		if (n >= avail) {
			rx_drop(io, sq, &io->delta.rx_overruns); /* no posted buffer */
			return;
		}
		if (!force && n >= SIM_MAX_PACKET_DESCS) {
			rx_drop(io, sq, &io->delta.rx_drops); /* needs too many buffers */
			return;
		}
		memcpy(&d, sq->ring + (size_t)(i & (sq->depth - 1)) * 16, sizeof(d));
		if (((d.ctrl & ENA_RX_DESC_PHASE) != 0) != (sim_ring_phase(i, sq->depth) != 0)) {
			io_sq_stop(io, sq, "RX", idx, "descriptor phase does not match the ring lap");
			rx_drop(io, sq, &io->delta.rx_drops);
			return;
		}
		bufs[n].addr = d.buff_addr_lo | ((uint64_t)d.buff_addr_hi << 32);
		bufs[n].cap = d.length ? d.length : 65536u;
		bufs[n].req_id = d.req_id;
		bufs[n].len = 0;
		bufs[n].dst = NULL;
		cap += bufs[n].cap;
		n++;
	}
	if (force) {
		/* Spread the frame over all N buffers (too many for the driver). */
		size_t per = (len + n - 1) / n;

		io_fault_take(io, SIM_IO_FAULT_RX_DESCS);
		for (unsigned int k = 0; k < n; k++) {
			size_t piece = len - off < per ? len - off : per;

			bufs[k].len = (uint32_t)(piece < bufs[k].cap ? piece : bufs[k].cap);
			off += bufs[k].len;
		}
		if (off < len) {
			rx_drop(io, sq, &io->delta.rx_drops);
			return;
		}
	} else {
		for (unsigned int k = 0; k < n; k++) {
			bufs[k].len = (uint32_t)(len - off < bufs[k].cap ? len - off : bufs[k].cap);
			off += bufs[k].len;
		}
	}
	for (unsigned int k = 0; k < n; k++) {
		if (!bufs[k].len)
			continue;
		bufs[k].dst = sim_dma_ptr(io->dev, bufs[k].addr, bufs[k].len, true);
		if (!bufs[k].dst) {
			io_sq_stop(io, sq, "RX", idx, "buffer address not mapped");
			rx_drop(io, sq, &io->delta.rx_drops);
			return;
		}
	}
	off = 0;
	for (unsigned int k = 0; k < n; k++) {
		if (bufs[k].len)
			memcpy(bufs[k].dst, f + off, bufs[k].len);
		off += bufs[k].len;
	}
	if (io_fault_take(io, SIM_IO_FAULT_CORRUPT_RX_REQ_ID))
		bufs[0].req_id = (uint16_t)sq->depth; /* out of range for the driver */
	for (unsigned int k = 0; k < n; k++) {
		uint32_t st = status;

		if (k == 0)
			st |= ENA_RX_CDESC_FIRST;
		if (k == n - 1)
			st |= ENA_RX_CDESC_LAST;
		rxc_write(cq, &bufs[k], st, hash);
	}
	sq->head = (uint16_t)(sq->head + n);
	io_cq_written(io, cq, n);
	sq->st.pkts++;
	sq->st.bytes += len;
	io->delta.rx_pkts++;
	io->delta.rx_bytes += len;
	io->dirty = true;
}

void io_rx_frame(struct sim_io *io, const uint8_t *f, size_t len)
{
	unsigned int q = 0;
	uint32_t hash;
	bool ip;
	int ex;

	if (len < FRAME_ETH_HLEN) {
		rx_drop(io, NULL, &io->delta.rx_drops);
		return;
	}
	ex = sim_eni_admit(&io->eni, false, f, len, 1, len, io->pass_now_us);
	if (ex >= 0) {
		io->delta.eni[sim_eni_metric((unsigned int)ex)]++;
		io->dirty = true;
		return;
	}
	hash = io_rss_hash(io, f, len, &ip);
	if (ip)
		q = io->rss_table[hash & ((1u << io->rss_table_log) - 1)];
	if (q >= io->nr_queues || !io->rx[q].used)
		q = 0; /* an entry without a queue: the default queue */
	if (!io->rx[q].used || !io->rx[q].usable || io->rx[q].stopped) {
		rx_drop(io, io->rx[q].used ? &io->rx[q] : NULL, &io->delta.rx_drops);
		return;
	}
	rx_deliver(io, &io->rx[q], q, f, len, rx_status(io, f, len), hash);
}

static void rx_seg_emit(void *ctx, const uint8_t *seg, size_t len)
{
	io_rx_frame(ctx, seg, len);
}

/* A GSO frame from a TAP: cut it into MTU-sized frames first. */
static void rx_gso(struct sim_io *io, uint8_t *f, size_t len, const struct sim_gso *gso)
{
	struct offload_req req = { .tso = true, .mss = gso->size };

	if (gso->type == SIM_GSO_NONE) {
		if (gso->needs_csum && offload_csum_complete(f, len, gso->csum_start,
							     gso->csum_offset) < 0) {
			rx_drop(io, NULL, &io->delta.rx_drops);
			return;
		}
		io_rx_frame(io, f, len);
		return;
	}
	if (offload_tso(f, len, &req, io->rxseg, IO_FRAME_MAX, rx_seg_emit, io) < 0)
		rx_drop(io, NULL, &io->delta.rx_drops);
}

bool io_rx_poll(struct sim_io *io)
{
	for (unsigned int n = 0; n < IO_RX_BUDGET; n++) {
		struct sim_gso gso;
		ssize_t len = wire_recv(io->wire, io->rxbuf, IO_FRAME_MAX, &gso);

		if (len == -EAGAIN)
			return false;
		if (len < 0) {
			rx_drop(io, NULL, &io->delta.rx_drops);
			if (len != -EMSGSIZE && len != -EPROTO)
				return false; /* a broken wire: wait for the next wakeup */
			continue;
		}
		rx_gso(io, io->rxbuf, (size_t)len, &gso);
	}
	return true;
}
