/* SPDX-License-Identifier: MIT */
/* Per-queue datapath counters: snapshots and their Linux ethtool names. */
#include <errno.h>
#include <string.h>

#include "eth_queue.h"

/* Names as ena_ethtool.c prints them after "queue_N_tx_" / "queue_N_rx_". */
static const char *const txq_names[ENA_TXQ_STAT__COUNT] = {
	[ENA_TXQ_STAT_CNT] = "cnt",
	[ENA_TXQ_STAT_BYTES] = "bytes",
	[ENA_TXQ_STAT_QUEUE_STOP] = "queue_stop",
	[ENA_TXQ_STAT_QUEUE_WAKEUP] = "queue_wakeup",
	[ENA_TXQ_STAT_DMA_MAPPING_ERR] = "dma_mapping_err",
	[ENA_TXQ_STAT_LINEARIZE] = "linearize",
	[ENA_TXQ_STAT_PREPARE_CTX_ERR] = "prepare_ctx_err",
	[ENA_TXQ_STAT_BAD_REQ_ID] = "bad_req_id",
	[ENA_TXQ_STAT_LLQ_BUFFER_COPY] = "llq_buffer_copy",
	[ENA_TXQ_STAT_MISSED_TX] = "missed_tx",
	[ENA_TXQ_STAT_PENDING_TIMEDOUT_PKTS] = "pending_timedout_pkts",
	[ENA_TXQ_STAT_DOORBELLS] = "doorbells",
	[ENA_TXQ_STAT_UNMASK_INTERRUPT] = "unmask_interrupt",
};

static const char *const rxq_names[ENA_RXQ_STAT__COUNT] = {
	[ENA_RXQ_STAT_CNT] = "cnt",
	[ENA_RXQ_STAT_BYTES] = "bytes",
	[ENA_RXQ_STAT_RX_COPYBREAK_PKT] = "rx_copybreak_pkt",
	[ENA_RXQ_STAT_CSUM_GOOD] = "csum_good",
	[ENA_RXQ_STAT_REFIL_PARTIAL] = "refil_partial",
	[ENA_RXQ_STAT_CSUM_BAD] = "csum_bad",
	[ENA_RXQ_STAT_PAGE_ALLOC_FAIL] = "page_alloc_fail",
	[ENA_RXQ_STAT_BAD_DESC_NUM] = "bad_desc_num",
	[ENA_RXQ_STAT_BAD_REQ_ID] = "bad_req_id",
	[ENA_RXQ_STAT_EMPTY_RX_RING] = "empty_rx_ring",
	[ENA_RXQ_STAT_CSUM_UNCHECKED] = "csum_unchecked",
};

void ena_txq_get_stats(const struct ena_txq *q, struct ena_txq_stats *ret)
{
	for (unsigned int i = 0; i < ENA_TXQ_STAT__COUNT; i++)
		ret->v[i] = __atomic_load_n(&q->stats[i], __ATOMIC_RELAXED);
}

void ena_rxq_get_stats(const struct ena_rxq *q, struct ena_rxq_stats *ret)
{
	for (unsigned int i = 0; i < ENA_RXQ_STAT__COUNT; i++)
		ret->v[i] = __atomic_load_n(&q->stats[i], __ATOMIC_RELAXED);
}

const char *ena_txq_stat_name(unsigned int stat)
{
	return stat < ENA_TXQ_STAT__COUNT ? txq_names[stat] : NULL;
}

const char *ena_rxq_stat_name(unsigned int stat)
{
	return stat < ENA_RXQ_STAT__COUNT ? rxq_names[stat] : NULL;
}

static int lookup(const char *const *names, unsigned int n, const char *name)
{
	if (!name)
		return -EINVAL;
	for (unsigned int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return -EINVAL;
}

int ena_txq_stat_from_name(const char *name)
{
	return lookup(txq_names, ENA_TXQ_STAT__COUNT, name);
}

int ena_rxq_stat_from_name(const char *name)
{
	return lookup(rxq_names, ENA_RXQ_STAT__COUNT, name);
}
