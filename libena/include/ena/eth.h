/* SPDX-License-Identifier: MIT */
/* libena datapath: IO queue pairs, TX (host and LLQ placement), RX,
 * completions, interrupt moderation and per-queue counters. */
#ifndef ENA_ETH_H
#define ENA_ETH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ena/ena.h>

/*
 * Threading: every ena_txq_* / ena_rxq_* hot-path function of one queue
 * runs on one thread (the queue's worker); no locks are taken. The
 * exceptions, callable from any thread, are the *_get_stats(),
 * *_failed(), ena_txq_check_missing() and ena_rxq_check_empty() calls.
 * Create/destroy and moderation changes are control-path calls made while
 * the worker is quiesced.
 */

struct ena_qpair;
struct ena_txq;
struct ena_rxq;

/* Smallest ring accepted by the library (the Linux policy minimum, 256,
 * is the caller's business). */
#define ENA_ETH_MIN_DEPTH 8u
/* Largest ring: CREATE_SQ/CQ carry the depth in 16 bits. */
#define ENA_ETH_MAX_DEPTH 32768u

/* ---- queue pairs ---- */

struct ena_qpair_params {
	unsigned int index;      /* pair index; MSI-X vector index + 1 */
	uint32_t tx_depth;       /* power of 2, see ena_eth_max_depths() */
	uint32_t rx_depth;       /* power of 2 */
	int numa_node;           /* ring memory node and NUMA hint, or -1 */
	int irq_fd;              /* eventfd for vector index + 1, or -1 to poll */
	/* 0: TX descriptors in host memory. 128 or 256: LLQ (device
	 * placement) with that entry size; must be what ena_dev_set_llq()
	 * negotiated on this device since its last reset. */
	unsigned int llq_entry_size;
};

/**
 * ena_eth_max_depths() - deepest TX and RX rings the device allows, as the
 * Linux driver computes them: RX min(max_rx_cq_depth, max_rx_sq_depth);
 * TX min(max_tx_cq_depth, LLQ ? max_llq_depth : max_tx_sq_depth), and
 * with 256-byte LLQ entries halved (max_wide_llq_depth == 0) or capped by
 * max_wide_llq_depth; both rounded down to a power of 2 and capped at
 * ENA_ETH_MAX_DEPTH.
 * @llq_entry_size: 0 (host placement), 128 or 256.
 * Return: 0, or -EINVAL for a bad entry size. Outputs untouched on error.
 */
int ena_eth_max_depths(const struct ena_dev *dev, unsigned int llq_entry_size, uint32_t *ret_tx,
		       uint32_t *ret_rx);

/**
 * ena_eth_map_llq() - map the LLQ BAR (BAR2) write-combining. Needed once
 * per device before creating LLQ queues; ena_qpair_create() calls it when
 * it finds BAR2 unmapped. Already mapped is success.
 */
int ena_eth_map_llq(struct ena_dev *dev);

/**
 * ena_qpair_create() - create one IO queue pair the way the Linux driver
 * does: assign @p->irq_fd to MSI-X vector index + 1, then CREATE_CQ (TX, 2
 * words per entry), CREATE_SQ (TX, host or device placement), CREATE_CQ
 * (RX, 4 words), CREATE_SQ (RX, host), and the RX CQ NUMA register when the
 * device offers one and @p->numa_node >= 0. Every register offset the
 * device returns is checked against the mapped BAR0 doorbell area (and the
 * LLQ offset against the mapped BAR2); a bad one is -EPROTO. Ring memory
 * comes from ena_dma_alloc() on @p->numa_node. Interrupt moderation starts
 * at the Linux defaults (TX 64 us, RX 20 us, adaptive RX on) when the
 * device supports INTERRUPT_MODERATION, else all zero.
 * @dev: an initialized device (ena_dev_init()).
 * @ret: receives the pair; untouched on failure.
 * Return: 0; -EINVAL (depth not a power of 2 or above the limits, index
 * beyond the device's queue or vector count, LLQ not possible); -EPROTO
 * (device answer out of range); -ENOMEM; an admin error. On failure the
 * queues created so far are destroyed again.
 */
int ena_qpair_create(struct ena_dev *dev, const struct ena_qpair_params *p, struct ena_qpair **ret);

/**
 * ena_qpair_destroy() - DESTROY_SQ then DESTROY_CQ for TX, then for RX,
 * release the vector and free the rings. The caller owns every buffer
 * still posted or in flight (see ena_txq_drain(), ena_rxq_drain()). When
 * the device was reset (admin queue stopped) the DESTROY commands fail
 * locally and are skipped, as in the Linux driver. NULL is ok.
 * Return: 0 or the first admin error (the pair is freed regardless).
 */
int ena_qpair_destroy(struct ena_qpair *qp);

struct ena_txq *ena_qpair_txq(struct ena_qpair *qp);
struct ena_rxq *ena_qpair_rxq(struct ena_qpair *qp);
/** ena_qpair_irq_fd() - the eventfd given at creation (-1 when polling). */
int ena_qpair_irq_fd(const struct ena_qpair *qp);
/** ena_qpair_rx_sq_idx() - device RX SQ index, the value RSS table entries carry. */
uint16_t ena_qpair_rx_sq_idx(const struct ena_qpair *qp);

/* ---- TX ---- */

/* One buffer of a packet to send. */
struct ena_tx_buf {
	uint64_t iova;    /* device address, within the DMA width */
	const void *va;   /* CPU address; needed for the bytes LLQ pushes */
	uint32_t len;     /* 1..65535 */
};

/* ena_tx_pkt.flags */
#define ENA_TX_PKT_L3_CSUM 0x01u     /* IPv4 header checksum */
#define ENA_TX_PKT_L4_CSUM 0x02u     /* TCP/UDP checksum */
#define ENA_TX_PKT_L4_PARTIAL 0x04u  /* checksum field holds the pseudo-header sum */
#define ENA_TX_PKT_TSO 0x08u         /* TCP segmentation by mss */
#define ENA_TX_PKT_DF 0x10u          /* IPv4 DF bit is set in the packet */

/* A packet to send. The offload fields are read only when flags ask for
 * an offload; each requested offload must be advertised by the device
 * (ena_dev_attrs()->offload.tx). */
struct ena_tx_pkt {
	const struct ena_tx_buf *bufs;
	unsigned int nr_bufs;     /* >= 1 */
	uint64_t cookie;          /* handed back by ena_txq_poll() */
	uint32_t flags;           /* ENA_TX_PKT_* */
	uint8_t l3_proto;         /* enum ena_l3_proto */
	uint8_t l4_proto;         /* enum ena_l4_proto */
	uint8_t l3_hdr_off;       /* L2 header length */
	uint8_t l3_hdr_len;       /* IP header length */
	uint8_t l4_hdr_len;       /* TCP header bytes (TSO only; multiple of 4) */
	uint16_t mss;             /* TSO only; < 16384 */
};

/**
 * ena_txq_post() - describe up to @n packets to the device and ring the
 * doorbell once at the end (and in between only when the LLQ burst limit
 * requires it). Host placement writes descriptors into the SQ ring; LLQ
 * placement writes whole entries (descriptors + the first
 * min(len, entry - 32) bytes of the frame) into BAR2 with 64-bit stores,
 * each packet starting a fresh entry. A meta descriptor precedes a
 * packet's data descriptors when it asks for offloads and its
 * {mss, l3_hdr_len, l3_hdr_off, l4_hdr_len} differ from the last one sent
 * on this queue, or on every packet when the device's LLQ accel mode
 * disables meta caching. The submit time (CLOCK_MONOTONIC, read once per
 * call) is kept per packet for ena_txq_check_missing().
 * @pkts: the packets; their buffers must stay valid until ena_txq_poll()
 *        returns their cookie.
 * Return: packets posted (1..@n; fewer when the ring filled up or
 * pkts[ret] is refused — calling again with it reports why), or, when none
 * was posted: -ENOSPC (ring full; queue_stop counted), -EMSGSIZE (more
 * descriptors than the device takes per packet: linearize and retry;
 * linearize counted), -EINVAL (malformed packet or unsupported offload;
 * prepare_ctx_err counted), -EPROTO (queue failed, see ena_txq_failed()).
 */
int ena_txq_post(struct ena_txq *q, const struct ena_tx_pkt *pkts, unsigned int n);

/**
 * ena_txq_poll() - process up to @budget TX completions (in any order the
 * device chooses), releasing their ring space.
 * @ret_cookies: receives the completed packets' cookies (may be NULL).
 * Return: completions processed (0 = none pending), or -EPROTO when the
 * CQ held a bad value and nothing was processed in this call: req_id out
 * of range or not outstanding (INV_TX_REQ_ID, bad_req_id counted), MBZ
 * bits set with the CDESC_MBZ capability (TX_DESCRIPTOR_MALFORMED). The
 * failure is sticky: see ena_txq_failed().
 */
int ena_txq_poll(struct ena_txq *q, uint64_t *ret_cookies, unsigned int budget);

/**
 * ena_txq_drain() - forget every outstanding packet (after the queue was
 * destroyed or the device reset), handing back their cookies.
 * @ret_cookies: room for @max cookies (may be NULL).
 * Return: number of packets dropped.
 */
unsigned int ena_txq_drain(struct ena_txq *q, uint64_t *ret_cookies, unsigned int max);

/** ena_txq_free_entries() - SQ entries (descriptors or LLQ entries) free now. */
unsigned int ena_txq_free_entries(const struct ena_txq *q);
/** ena_txq_max_bufs() - buffers a packet may always have, meta descriptor or not
 * (min(ENA_MAX_SGL, max_per_packet_tx_descs) - 1; LLQ-pushed bytes may save one). */
unsigned int ena_txq_max_bufs(const struct ena_txq *q);

/**
 * ena_txq_check_missing() - mark packets outstanding for more than
 * @timeout_us at @now_us (CLOCK_MONOTONIC us) as timed out, counting each
 * once in missed_tx. When more than @threshold timed-out packets are still
 * pending, MISS_TX_CMPL is recorded as the queue's reset reason.
 * Return: number of timed-out packets still pending (pending_timedout_pkts).
 */
unsigned int ena_txq_check_missing(struct ena_txq *q, uint64_t now_us, uint64_t timeout_us,
				   uint32_t threshold);

/**
 * ena_txq_failed() - true once the queue saw a bad completion or too many
 * missing ones; *ret_reason (may be NULL) gets the first reset reason.
 */
bool ena_txq_failed(const struct ena_txq *q, enum ena_reset_reason *ret_reason);

/* ---- RX ---- */

/* One empty buffer for the device. */
struct ena_rx_buf {
	uint64_t iova;
	uint32_t len;     /* 1..65536 */
	uint64_t cookie;  /* handed back in struct ena_rx_seg */
};

/* One filled buffer of a received packet. */
struct ena_rx_seg {
	uint64_t cookie;
	uint16_t len;     /* bytes written (from ena_rx_pkt.offset in the first) */
};

enum ena_rx_csum {
	ENA_RX_CSUM_NONE = 0,      /* not checked: fragment, not TCP/UDP */
	ENA_RX_CSUM_GOOD = 1,      /* L4 checksum verified good */
	ENA_RX_CSUM_BAD = 2,       /* IPv4 header or L4 checksum bad */
	ENA_RX_CSUM_UNCHECKED = 3, /* TCP/UDP but the device did not check */
};

/* ena_rx_pkt.flags */
#define ENA_RX_PKT_HASH_L4 0x01u   /* hash covers L4 (TCP/UDP, not a fragment) */
#define ENA_RX_PKT_FRAG 0x02u      /* IPv4 fragment */
#define ENA_RX_PKT_COPYBREAK 0x04u /* single buffer of <= copybreak bytes */

/* A received packet: segs[seg .. seg + nr_segs) of the poll's array. */
struct ena_rx_pkt {
	uint32_t seg;
	uint16_t nr_segs;
	uint8_t offset;     /* data starts this far into the first buffer */
	uint8_t flags;      /* ENA_RX_PKT_* */
	uint32_t len;       /* sum of the segments' len */
	uint32_t hash;      /* RSS hash from the last completion */
	uint8_t l3_proto;   /* enum ena_l3_proto */
	uint8_t l4_proto;   /* enum ena_l4_proto */
	uint8_t csum;       /* enum ena_rx_csum, as the Linux driver reads it */
};

/**
 * ena_rxq_refill() - post up to @n empty buffers, one descriptor each,
 * and ring the doorbell once.
 * Return: buffers posted (< @n when the ring is full or bufs[ret] is
 * malformed), or -EINVAL (bufs[0] malformed), -EPROTO (queue failed).
 */
int ena_rxq_refill(struct ena_rxq *q, const struct ena_rx_buf *bufs, unsigned int n);

/** ena_rxq_free_slots() - how many buffers ena_rxq_refill() would take now. */
unsigned int ena_rxq_free_slots(const struct ena_rxq *q);

/**
 * ena_rxq_report_alloc_fail() - the caller's buffer pool could not supply
 * @missing of the buffers a refill wanted: counts page_alloc_fail
 * (@missing) and refil_partial (once), as the Linux driver does.
 */
void ena_rxq_report_alloc_fail(struct ena_rxq *q, unsigned int missing);

/**
 * ena_rxq_set_copybreak() - packets of one buffer and at most @bytes are
 * flagged ENA_RX_PKT_COPYBREAK and counted in rx_copybreak_pkt; the
 * caller then copies them and reposts the buffer. 0 disables.
 */
void ena_rxq_set_copybreak(struct ena_rxq *q, uint32_t bytes);

/**
 * ena_rxq_poll() - receive up to @max_pkts whole packets, using at most
 * @max_segs entries of @segs. Each completion's phase, req_id (in range
 * and posted), length (within the posted buffer) and flags are checked
 * before use; the buffers of returned packets belong to the caller again.
 * Return: packets received, or -EPROTO when the CQ held a bad value and
 * nothing was received in this call: req_id bad (INV_RX_REQ_ID,
 * bad_req_id counted), more completions than the RX SGL
 * (TOO_MANY_RX_DESCS, bad_desc_num counted), FIRST on a later completion
 * or length beyond the buffer (RX_DESCRIPTOR_MALFORMED), MBZ bits set
 * with the CDESC_MBZ capability (RX_DESCRIPTOR_MALFORMED). Sticky: see
 * ena_rxq_failed().
 */
int ena_rxq_poll(struct ena_rxq *q, struct ena_rx_pkt *pkts, unsigned int max_pkts,
		 struct ena_rx_seg *segs, unsigned int max_segs);

/**
 * ena_rxq_drain() - take back every posted buffer (after destroy/reset).
 * Return: number of cookies written (at most @max).
 */
unsigned int ena_rxq_drain(struct ena_rxq *q, uint64_t *ret_cookies, unsigned int max);

/**
 * ena_rxq_check_empty() - watchdog tick: when no buffer has been posted
 * for two consecutive calls, count empty_rx_ring and return true (the
 * caller should refill), as the Linux service task does.
 */
bool ena_rxq_check_empty(struct ena_rxq *q);

/** ena_rxq_failed() - as ena_txq_failed(), for RX. */
bool ena_rxq_failed(const struct ena_rxq *q, enum ena_reset_reason *ret_reason);

/* ---- interrupts and moderation ---- */

/* Adaptive moderation profiles (us), the kernel net_dim EQE values. */
#define ENA_DIM_LEVELS 5
extern const uint16_t ena_dim_profile_usecs[ENA_DIM_LEVELS];

/* Adaptive RX moderation state: one decision per window of
 * ENA_DIM_WINDOW_US, from the packet and byte rates seen in it; up one
 * level per window, down one level after two windows asking for less. */
#define ENA_DIM_WINDOW_US 1000u
struct ena_dim {
	uint8_t level;        /* index into ena_dim_profile_usecs */
	uint8_t down_votes;
	bool started;
	uint32_t decisions;   /* windows closed so far */
	uint64_t win_start_us;
	uint64_t win_pkts, win_bytes; /* counters at window start */
};

/** ena_dim_init() - start at @level (clamped) with no window open. */
void ena_dim_init(struct ena_dim *d, unsigned int level);
/**
 * ena_dim_update() - feed the RX packet and byte counters at @now_us.
 * Return: true when the level changed.
 */
bool ena_dim_update(struct ena_dim *d, uint64_t now_us, uint64_t pkts, uint64_t bytes);
static inline unsigned int ena_dim_usecs(const struct ena_dim *d)
{
	return ena_dim_profile_usecs[d->level < ENA_DIM_LEVELS ? d->level : ENA_DIM_LEVELS - 1];
}

/**
 * ena_qpair_set_moderation() - static RX/TX coalescing in us (converted to
 * intr_delay_resolution units; the device field is 15 bits) and adaptive
 * RX on or off. Takes effect at the next ena_qpair_unmask(), which writes
 * the delays even when they equal the previous ones.
 * Return: 0, -EOPNOTSUPP (device lacks INTERRUPT_MODERATION and a value is
 * not 0), -ERANGE (a value does not fit the register).
 */
int ena_qpair_set_moderation(struct ena_qpair *qp, uint32_t rx_usecs, uint32_t tx_usecs,
			     bool adaptive_rx);

/** ena_qpair_get_moderation() - current values in us (RX is DIM's when adaptive). */
void ena_qpair_get_moderation(const struct ena_qpair *qp, uint32_t *ret_rx_usecs,
			      uint32_t *ret_tx_usecs, bool *ret_adaptive_rx);

/**
 * ena_qpair_unmask() - after a poll cycle that finished its work: run the
 * adaptive RX step (if on and RX saw packets since the last unmask), then
 * write the TX CQ's unmask register (the vector is shared with RX) with
 * the RX and TX delays, unmask = 1, and no_moderation_update = 1 unless a
 * delay changed since the last write (Linux semantics; the first write
 * after creation therefore carries no_moderation_update = 1). Counts
 * unmask_interrupt.
 * @now_us: CLOCK_MONOTONIC us, for the adaptive window.
 */
void ena_qpair_unmask(struct ena_qpair *qp, uint64_t now_us);

/* ---- counters (Linux ethtool -S names) ---- */

enum ena_txq_stat {
	ENA_TXQ_STAT_CNT,
	ENA_TXQ_STAT_BYTES,
	ENA_TXQ_STAT_QUEUE_STOP,
	ENA_TXQ_STAT_QUEUE_WAKEUP,
	ENA_TXQ_STAT_DMA_MAPPING_ERR,
	ENA_TXQ_STAT_LINEARIZE,
	ENA_TXQ_STAT_PREPARE_CTX_ERR,
	ENA_TXQ_STAT_BAD_REQ_ID,
	ENA_TXQ_STAT_LLQ_BUFFER_COPY,
	ENA_TXQ_STAT_MISSED_TX,
	ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS,
	ENA_TXQ_STAT_DOORBELLS,
	ENA_TXQ_STAT_UNMASK_INTERRUPT,
	ENA_TXQ_STAT__COUNT,
};

enum ena_rxq_stat {
	ENA_RXQ_STAT_CNT,
	ENA_RXQ_STAT_BYTES,
	ENA_RXQ_STAT_RX_COPYBREAK_PKT,
	ENA_RXQ_STAT_CSUM_GOOD,
	ENA_RXQ_STAT_REFIL_PARTIAL,
	ENA_RXQ_STAT_CSUM_BAD,
	ENA_RXQ_STAT_PAGE_ALLOC_FAIL,
	ENA_RXQ_STAT_BAD_DESC_NUM,
	ENA_RXQ_STAT_BAD_REQ_ID,
	ENA_RXQ_STAT_EMPTY_RX_RING,
	ENA_RXQ_STAT_CSUM_UNCHECKED,
	ENA_RXQ_STAT__COUNT,
};

struct ena_txq_stats {
	uint64_t v[ENA_TXQ_STAT__COUNT];
};

struct ena_rxq_stats {
	uint64_t v[ENA_RXQ_STAT__COUNT];
};

/** ena_txq_get_stats() / ena_rxq_get_stats() - snapshot (any thread). */
void ena_txq_get_stats(const struct ena_txq *q, struct ena_txq_stats *ret);
void ena_rxq_get_stats(const struct ena_rxq *q, struct ena_rxq_stats *ret);

/**
 * ena_txq_stat_name() / ena_rxq_stat_name() - the Linux counter name
 * without prefix ("cnt", "bad_req_id"); print "queue_%u_tx_%s" /
 * "queue_%u_rx_%s" for ethtool -S output. NULL when out of range.
 */
const char *ena_txq_stat_name(unsigned int stat);
const char *ena_rxq_stat_name(unsigned int stat);
/** Reverse lookups; -EINVAL when unknown. */
int ena_txq_stat_from_name(const char *name);
int ena_rxq_stat_from_name(const char *name);

#endif /* ENA_ETH_H */
