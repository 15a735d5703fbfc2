/* SPDX-License-Identifier: MIT */
/* Internal datapath objects: rings split from admin creation, so tests can
 * build a queue on plain memory and play the device (not public). */
#ifndef ENA_ETH_QUEUE_H
#define ENA_ETH_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <ena/eth.h>

#include "dma.h"

/* Relaxed single-writer counters another thread may read. */
#define ENA_STAT_ADD(arr, idx, n) \
	__atomic_store_n(&(arr)[idx], __atomic_load_n(&(arr)[idx], __ATOMIC_RELAXED) + (n), \
			 __ATOMIC_RELAXED)

/* tx_info.stamp: 0 = free, else submit time (us) | ENA_TX_STAMP_TIMED_OUT. */
#define ENA_TX_STAMP_TIMED_OUT (1ull << 63)

struct ena_tx_info {
	uint64_t stamp;       /* atomic: shared with ena_txq_check_missing() */
	uint64_t cookie;
	uint32_t bytes;
	uint16_t sq_entries;  /* descriptors (host) or LLQ entries consumed */
};

/* The device's cached TX meta (ena_com_tx_meta), zero at SQ creation. */
struct ena_tx_meta {
	uint16_t mss;
	uint8_t l3_hdr_len;
	uint8_t l3_hdr_off;
	uint8_t l4_hdr_len_words;
};

#define ENA_REASON_NONE ((uint32_t)ENA_RESET__COUNT)

struct ena_txq_cfg {
	uint16_t qid;             /* for messages only */
	uint32_t depth;           /* power of 2 */
	void *sq_ring;            /* host: depth x 16 B, zeroed; NULL with LLQ */
	volatile void *llq_base;  /* LLQ: depth x entry bytes of BAR2 */
	unsigned int llq_entry_size;      /* 0 (host), 128 or 256 */
	uint16_t llq_burst_entries;       /* LIMIT_TX_BURST entries, 0 = none */
	bool llq_disable_meta_caching;
	void *cq_ring;            /* depth x 8 B, zeroed */
	volatile uint32_t *doorbell;
	int kick_fd;              /* eventfd to kick after the doorbell, or -1 */
	uint16_t max_descs;       /* per packet incl. meta, 1..ENA_MAX_SGL */
	uint16_t max_header;      /* host placement: header_length hint cap */
	uint32_t tx_offloads;     /* ENA_OFFLOAD_TX_* the device advertises */
	bool cdesc_mbz;           /* CDESC_MBZ capability */
	unsigned int dma_width;   /* bits */
};

struct ena_txq {
	/* producer */
	uint32_t depth, mask;
	uint16_t sq_tail;         /* free-running: descriptors or LLQ entries */
	uint16_t sq_ntc;          /* free-running: entries released */
	uint8_t sq_phase;
	uint16_t req_ntu, req_ntc;
	uint16_t *free_ids;
	struct ena_tx_info *info;
	struct ena_tx_desc *sq_ring;
	volatile uint64_t *llq_base;
	uint16_t llq_entry_size;      /* 0 = host placement */
	uint16_t llq_descs_per_entry;
	uint16_t burst_max, burst_left;
	bool disable_meta_caching;
	struct ena_tx_meta meta_cache;
	volatile uint32_t *doorbell;
	int kick_fd;
	uint16_t max_descs, max_header, wake_entries;
	uint32_t tx_offloads;
	uint64_t dma_limit;       /* first address beyond the DMA width */
	bool stopped;
	/* consumer */
	const struct ena_tx_cdesc *cq_ring;
	uint16_t cq_head;
	uint8_t cq_phase;
	bool cdesc_mbz;
	bool cq_broken;
	uint32_t fail_reason;     /* atomic, ENA_REASON_NONE until the first failure */
	uint16_t qid;
	uint64_t stats[ENA_TXQ_STAT__COUNT];
};

struct ena_rx_info {
	uint64_t cookie;
	uint32_t len;             /* posted buffer size */
	bool posted;
};

struct ena_rxq_cfg {
	uint16_t qid;
	uint32_t depth;
	void *sq_ring;            /* depth x 16 B, zeroed */
	void *cq_ring;            /* depth x 16 B, zeroed */
	volatile uint32_t *doorbell;
	int kick_fd;
	uint16_t max_descs;       /* RX SGL: completions per packet, 1..ENA_MAX_SGL */
	bool cdesc_mbz;
	unsigned int dma_width;
};

struct ena_rxq {
	uint32_t depth, mask;
	uint16_t sq_tail;         /* atomic store: read by ena_rxq_check_empty() */
	uint16_t sq_ntc;          /* atomic store, idem */
	uint8_t sq_phase;
	uint16_t req_ntu, req_ntc;
	uint16_t *free_ids;
	struct ena_rx_info *info;
	struct ena_rx_desc *sq_ring;
	volatile uint32_t *doorbell;
	int kick_fd;
	const struct ena_rx_cdesc *cq_ring;
	uint16_t cq_head;
	uint8_t cq_phase;
	uint16_t max_descs;
	uint32_t copybreak;
	bool cdesc_mbz;
	bool cq_broken;
	uint64_t dma_limit;
	uint8_t empty_ticks;      /* watchdog side only */
	uint32_t fail_reason;
	uint16_t qid;
	uint64_t stats[ENA_RXQ_STAT__COUNT];
};

/* Interrupt moderation of one pair (device units = intr_delay_resolution us). */
struct ena_intr_cfg {
	volatile uint32_t *unmask_reg; /* the TX CQ's */
	int kick_fd;
	uint16_t resolution;           /* us per unit, >= 1 */
	bool supported;                /* INTERRUPT_MODERATION feature */
};

struct ena_intr {
	volatile uint32_t *unmask_reg;
	int kick_fd;
	uint16_t resolution;
	bool supported;
	bool adaptive_rx;
	uint32_t rx_usecs, tx_usecs;   /* static values */
	uint32_t rx_interval, tx_interval, prev_rx_interval, prev_tx_interval;
	bool write_delays;   /* an explicit set: the next unmask carries the delays */
	uint64_t rx_cnt_seen;          /* RX packets at the last unmask */
	struct ena_dim dim;
};

struct ena_qpair {
	struct ena_dev *dev;
	unsigned int index;
	int irq_fd;
	bool irq_set;
	struct ena_dma_mem rings;
	uint16_t tx_cq_idx, tx_sq_idx, rx_cq_idx, rx_sq_idx;
	bool tx_cq_made, tx_sq_made, rx_cq_made, rx_sq_made;
	bool txq_ready, rxq_ready;
	struct ena_txq txq;
	struct ena_rxq rxq;
	struct ena_intr intr;
};

/* eth_tx.c */
int ena_txq_init(struct ena_txq *q, const struct ena_txq_cfg *cfg);
void ena_txq_fini(struct ena_txq *q);

/* eth_rx.c */
int ena_rxq_init(struct ena_rxq *q, const struct ena_rxq_cfg *cfg);
void ena_rxq_fini(struct ena_rxq *q);

/* eth_intr.c */
void ena_intr_init(struct ena_intr *in, const struct ena_intr_cfg *cfg);
int ena_intr_set_moderation(struct ena_intr *in, uint32_t rx_usecs, uint32_t tx_usecs,
			    bool adaptive_rx);
/* The unmask write of ena_qpair_unmask(), on explicit queues. */
void ena_intr_unmask(struct ena_intr *in, struct ena_txq *txq, const struct ena_rxq *rxq,
		     uint64_t now_us);

/* Record @reason as the queue's first failure (any thread). */
static inline void ena_eth_fail(uint32_t *slot, enum ena_reset_reason reason)
{
	uint32_t none = ENA_REASON_NONE;

	__atomic_compare_exchange_n(slot, &none, (uint32_t)reason, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

/* Doorbell: store, then the eventfd kick when the store alone does not
 * reach the device (vfio-user ioeventfd). */
void ena_eth_ring_doorbell(volatile uint32_t *reg, int kick_fd, uint32_t val);

/**
 * ena_eth_ring_check() - the limits every IO ring shares: depth a power of 2
 * in [ENA_ETH_MIN_DEPTH, ENA_ETH_MAX_DEPTH], 1..ENA_MAX_SGL buffers per
 * packet, a DMA width of 32..64 bits. Return: 0 or -EINVAL.
 */
int ena_eth_ring_check(uint32_t depth, unsigned int max_descs, unsigned int dma_width);

/** ena_eth_dma_limit() - first device address past a @dma_width-bit space. */
static inline uint64_t ena_eth_dma_limit(unsigned int dma_width)
{
	return dma_width >= 64 ? UINT64_MAX : 1ull << dma_width;
}

/**
 * ena_eth_ids_alloc() - the free req_id ring (filled 0..depth-1) and the
 * per-req_id info array of a queue. Nothing is allocated on failure.
 * Return: 0 or -ENOMEM.
 */
int ena_eth_ids_alloc(uint32_t depth, size_t info_size, uint16_t **ret_ids, void **ret_info);

#endif /* ENA_ETH_QUEUE_H */
