/* SPDX-License-Identifier: MIT */
/* IO queue pairs: depth limits, ring memory, CREATE/DESTROY SQ and CQ,
 * register offsets checked against the mapped BARs. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eth_queue.h"
#include "ena_dev.h"
#include "error.h"

#define RING_ALIGN 4096u
#define TX_CDESC_WORDS (sizeof(struct ena_tx_cdesc) / 4)
#define RX_CDESC_WORDS (sizeof(struct ena_rx_cdesc) / 4)

static uint32_t rounddown_pow2(uint32_t v)
{
	uint32_t p = 1;

	if (!v)
		return 0;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
	return a < b ? a : b;
}

int ena_eth_max_depths(const struct ena_dev *dev, unsigned int llq_entry_size, uint32_t *ret_tx,
		       uint32_t *ret_rx)
{
	const struct ena_dev_attrs *a = ena_dev_attrs(dev);
	uint32_t tx, rx;

	if (llq_entry_size != 0 && llq_entry_size != ENA_LLQ_ENTRY_SIZE_NORMAL &&
	    llq_entry_size != ENA_LLQ_ENTRY_SIZE_LARGE)
		return -EINVAL;
	rx = min_u32(a->max_rx_cq_depth, a->max_rx_sq_depth);
	tx = min_u32(a->max_tx_cq_depth, llq_entry_size ? a->llq.max_llq_depth : a->max_tx_sq_depth);
	if (llq_entry_size == ENA_LLQ_ENTRY_SIZE_LARGE) {
		/* large LLQ entries: same BAR2 memory, half the entries, unless
		 * the device states its wide-LLQ depth (Linux ena_netdev.c) */
		if (a->llq.max_wide_llq_depth == 0)
			tx /= 2;
		else
			tx = min_u32(tx, a->llq.max_wide_llq_depth);
	}
	tx = min_u32(rounddown_pow2(tx), ENA_ETH_MAX_DEPTH);
	rx = min_u32(rounddown_pow2(rx), ENA_ETH_MAX_DEPTH);
	if (ret_tx)
		*ret_tx = tx;
	if (ret_rx)
		*ret_rx = rx;
	return 0;
}

int ena_eth_map_llq(struct ena_dev *dev)
{
	int r = ena_bus_map_region(dev->bus, ENA_MEM_BAR, true);

	if (r == -EALREADY)
		return 0;
	if (r < 0)
		return ena_error_set(r, "map LLQ BAR: %s", strerror(-r));
	return 0;
}

/* A device-given BAR0 register offset: aligned, inside BAR0 and inside the
 * mapped doorbell area, or -EPROTO. */
static int reg_resolve(struct ena_dev *dev, uint32_t off, const char *what,
		       volatile uint32_t **ret, int *ret_fd)
{
	const struct ena_bus_region_info *bar = ena_bus_region(dev->bus, ENA_REG_BAR);
	void *p;

	if (!bar || (off & 3u) || (uint64_t)off + 4 > bar->size)
		return ena_error_set(-EPROTO, "device %s offset %#x outside BAR0 (%#llx bytes)", what,
				     off, bar ? (unsigned long long)bar->size : 0ull);
	p = ena_bus_region_ptr(dev->bus, ENA_REG_BAR, off, 4);
	if (!p)
		return ena_error_set(-EPROTO, "device %s offset %#x outside the mapped doorbell area",
				     what, off);
	*ret = p;
	*ret_fd = ena_bus_kick_fd(dev->bus, ENA_REG_BAR, off);
	return 0;
}

static int create_cq(struct ena_dev *dev, uint32_t depth, unsigned int words, uint32_t vector,
		     uint64_t iova, struct ena_acq_create_cq_resp *ret)
{
	struct ena_aq_create_cq cmd;
	struct ena_acq_entry resp;
	int r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.common.opcode = ENA_ADMIN_CREATE_CQ;
	cmd.cq_caps_1 = ENA_CQ_CAPS1_INTERRUPT_MODE_ENABLED;
	cmd.cq_caps_2 = (uint8_t)(words & ENA_CQ_CAPS2_ENTRY_SIZE_WORDS_MASK);
	cmd.cq_depth = (uint16_t)depth;
	cmd.msix_vector = vector;
	ena_mem_addr_set(&cmd.cq_ba, iova);
	r = ena_admin_exec(dev, &cmd, sizeof(cmd), &resp);
	if (r < 0)
		return r;
	memcpy(ret, &resp, sizeof(*ret));
	return 0;
}

static int create_sq(struct ena_dev *dev, enum ena_sq_direction dir, enum ena_placement_policy pl,
		     uint16_t cq_idx, uint32_t depth, uint64_t iova, struct ena_acq_create_sq_resp *ret)
{
	struct ena_aq_create_sq cmd;
	struct ena_acq_entry resp;
	int r;

	memset(&cmd, 0, sizeof(cmd));
	cmd.common.opcode = ENA_ADMIN_CREATE_SQ;
	cmd.sq_identity = (uint8_t)(dir << ENA_SQ_IDENTITY_DIRECTION_SHIFT);
	cmd.sq_caps_2 = (uint8_t)((pl & ENA_SQ_CAPS2_PLACEMENT_MASK) |
				  (ENA_COMPLETION_POLICY_DESC << ENA_SQ_CAPS2_COMPLETION_SHIFT));
	cmd.sq_caps_3 = ENA_SQ_CAPS3_PHYS_CONTIGUOUS;
	cmd.cq_idx = cq_idx;
	cmd.sq_depth = (uint16_t)depth;
	if (pl == ENA_PLACEMENT_HOST)
		ena_mem_addr_set(&cmd.sq_ba, iova);
	r = ena_admin_exec(dev, &cmd, sizeof(cmd), &resp);
	if (r < 0)
		return r;
	memcpy(ret, &resp, sizeof(*ret));
	return 0;
}

static int destroy_sq(struct ena_dev *dev, uint16_t idx, enum ena_sq_direction dir)
{
	struct ena_aq_destroy_sq cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.common.opcode = ENA_ADMIN_DESTROY_SQ;
	cmd.sq_idx = idx;
	cmd.sq_identity = (uint8_t)(dir << ENA_SQ_IDENTITY_DIRECTION_SHIFT);
	return ena_admin_exec(dev, &cmd, sizeof(cmd), NULL);
}

static int destroy_cq(struct ena_dev *dev, uint16_t idx)
{
	struct ena_aq_destroy_cq cmd;

	memset(&cmd, 0, sizeof(cmd));
	cmd.common.opcode = ENA_ADMIN_DESTROY_CQ;
	cmd.cq_idx = idx;
	return ena_admin_exec(dev, &cmd, sizeof(cmd), NULL);
}

static size_t align_up(size_t v)
{
	return (v + RING_ALIGN - 1) & ~(size_t)(RING_ALIGN - 1);
}

static int check_params(struct ena_dev *dev, const struct ena_qpair_params *p)
{
	const struct ena_dev_attrs *a = ena_dev_attrs(dev);
	uint32_t max_tx, max_rx, tx_num;
	int r;

	r = ena_eth_max_depths(dev, p->llq_entry_size, &max_tx, &max_rx);
	if (r < 0)
		return ena_error_set(r, "LLQ entry size %u, allowed 0, 128 or 256", p->llq_entry_size);
	if (p->llq_entry_size && (!a->has_llq || a->llq.max_llq_num == 0))
		return ena_error_set(-EINVAL, "device offers no LLQ");
	if (p->tx_depth < ENA_ETH_MIN_DEPTH || (p->tx_depth & (p->tx_depth - 1)) || p->tx_depth > max_tx)
		return ena_error_set(-EINVAL, "tx depth %u: power of 2 in [%u, %u] required",
				     p->tx_depth, ENA_ETH_MIN_DEPTH, max_tx);
	if (p->rx_depth < ENA_ETH_MIN_DEPTH || (p->rx_depth & (p->rx_depth - 1)) || p->rx_depth > max_rx)
		return ena_error_set(-EINVAL, "rx depth %u: power of 2 in [%u, %u] required",
				     p->rx_depth, ENA_ETH_MIN_DEPTH, max_rx);
	tx_num = p->llq_entry_size ? a->llq.max_llq_num : a->max_tx_sq_num;
	if (p->index >= ENA_MAX_IO_QUEUE_PAIRS || p->index >= tx_num || p->index >= a->max_tx_cq_num ||
	    p->index >= a->max_rx_sq_num || p->index >= a->max_rx_cq_num)
		return ena_error_set(-EINVAL, "queue pair %u beyond the device's queue count", p->index);
	if (p->irq_fd >= 0 && p->index + 1 >= a->msix_vectors)
		return ena_error_set(-EINVAL, "queue pair %u needs MSI-X vector %u, device has %u",
				     p->index, p->index + 1, a->msix_vectors);
	if (a->max_per_packet_tx_descs == 0 || a->max_per_packet_rx_descs == 0)
		return ena_error_set(-EPROTO, "device allows %u TX / %u RX descriptors per packet",
				     a->max_per_packet_tx_descs, a->max_per_packet_rx_descs);
	return 0;
}

static int qpair_make_queues(struct ena_qpair *qp, const struct ena_qpair_params *p,
			     size_t off_txsq, size_t off_txcq, size_t off_rxsq, size_t off_rxcq)
{
	struct ena_dev *dev = qp->dev;
	const struct ena_dev_attrs *a = ena_dev_attrs(dev);
	uint32_t vector = p->irq_fd >= 0 ? p->index + 1 : ENA_MSIX_VECTOR_NONE;
	uint8_t *va = qp->rings.va;
	uint64_t iova = qp->rings.iova;
	struct ena_acq_create_cq_resp cq;
	struct ena_acq_create_sq_resp sq;
	volatile uint32_t *unmask, *tx_db, *rx_db, *numa = NULL;
	int unmask_fd, tx_fd, rx_fd, numa_fd = -1, r;
	volatile void *llq = NULL;
	bool mbz = a->capabilities & (1u << ENA_CAP_CDESC_MBZ);
	uint16_t llq_flags = a->llq.accel_mode.get.supported_flags;

	/* TX: CQ then SQ */
	r = create_cq(dev, p->tx_depth, TX_CDESC_WORDS, vector, iova + off_txcq, &cq);
	if (r < 0)
		return r;
	qp->tx_cq_idx = cq.cq_idx;
	qp->tx_cq_made = true;
	r = reg_resolve(dev, cq.cq_interrupt_unmask_register_offset, "TX CQ unmask", &unmask, &unmask_fd);
	if (r < 0)
		return r;
	r = create_sq(dev, ENA_SQ_DIRECTION_TX, p->llq_entry_size ? ENA_PLACEMENT_DEV : ENA_PLACEMENT_HOST,
		      qp->tx_cq_idx, p->tx_depth, iova + off_txsq, &sq);
	if (r < 0)
		return r;
	qp->tx_sq_idx = sq.sq_idx;
	qp->tx_sq_made = true;
	r = reg_resolve(dev, sq.sq_doorbell_offset, "TX SQ doorbell", &tx_db, &tx_fd);
	if (r < 0)
		return r;
	if (p->llq_entry_size) {
		size_t len = (size_t)p->tx_depth * p->llq_entry_size;

		llq = ena_bus_region_ptr(dev->bus, ENA_MEM_BAR, sq.llq_descriptors_offset, len);
		if (!llq || (sq.llq_descriptors_offset & 7u))
			return ena_error_set(-EPROTO, "device LLQ offset %#x (+%zu) outside the mapped BAR2",
					     sq.llq_descriptors_offset, len);
	}

	/* RX: CQ then SQ */
	r = create_cq(dev, p->rx_depth, RX_CDESC_WORDS, vector, iova + off_rxcq, &cq);
	if (r < 0)
		return r;
	qp->rx_cq_idx = cq.cq_idx;
	qp->rx_cq_made = true;
	if (cq.numa_node_register_offset && p->numa_node >= 0) {
		r = reg_resolve(dev, cq.numa_node_register_offset, "RX CQ NUMA", &numa, &numa_fd);
		if (r < 0)
			return r;
	}
	r = create_sq(dev, ENA_SQ_DIRECTION_RX, ENA_PLACEMENT_HOST, qp->rx_cq_idx, p->rx_depth,
		      iova + off_rxsq, &sq);
	if (r < 0)
		return r;
	qp->rx_sq_idx = sq.sq_idx;
	qp->rx_sq_made = true;
	r = reg_resolve(dev, sq.sq_doorbell_offset, "RX SQ doorbell", &rx_db, &rx_fd);
	if (r < 0)
		return r;
	if (numa)
		ena_eth_ring_doorbell(numa, numa_fd,
				      ((uint32_t)p->numa_node & ENA_NUMA_CFG_NODE_MASK) | ENA_NUMA_CFG_ENABLED);

	r = ena_txq_init(&qp->txq, &(struct ena_txq_cfg){
		.qid = (uint16_t)p->index,
		.depth = p->tx_depth,
		.sq_ring = p->llq_entry_size ? NULL : va + off_txsq,
		.llq_base = llq,
		.llq_entry_size = p->llq_entry_size,
		.llq_burst_entries = (llq_flags & ENA_LLQ_ACCEL_LIMIT_TX_BURST) && p->llq_entry_size
					     ? (uint16_t)(a->llq.accel_mode.get.max_tx_burst_size /
							  p->llq_entry_size)
					     : 0,
		.llq_disable_meta_caching = p->llq_entry_size &&
					    (llq_flags & ENA_LLQ_ACCEL_DISABLE_META_CACHING),
		.cq_ring = va + off_txcq,
		.doorbell = tx_db,
		.kick_fd = tx_fd,
		.max_descs = (uint16_t)min_u32(ENA_MAX_SGL, a->max_per_packet_tx_descs),
		.max_header = (uint16_t)min_u32(a->max_tx_header_size, 256),
		.tx_offloads = a->offload.tx,
		.cdesc_mbz = mbz,
		.dma_width = a->dma_width,
	});
	if (r < 0)
		return ena_error_set(r, "TX queue %u state: %s", p->index, strerror(-r));
	qp->txq_ready = true;
	r = ena_rxq_init(&qp->rxq, &(struct ena_rxq_cfg){
		.qid = (uint16_t)p->index,
		.depth = p->rx_depth,
		.sq_ring = va + off_rxsq,
		.cq_ring = va + off_rxcq,
		.doorbell = rx_db,
		.kick_fd = rx_fd,
		.max_descs = (uint16_t)min_u32(ENA_MAX_SGL, a->max_per_packet_rx_descs),
		.cdesc_mbz = mbz,
		.dma_width = a->dma_width,
	});
	if (r < 0)
		return ena_error_set(r, "RX queue %u state: %s", p->index, strerror(-r));
	qp->rxq_ready = true;
	ena_intr_init(&qp->intr, &(struct ena_intr_cfg){
		.unmask_reg = unmask,
		.kick_fd = unmask_fd,
		.resolution = a->intr_delay_resolution,
		.supported = a->supported_features & ENA_FEAT_BIT(ENA_FEAT_INTERRUPT_MODERATION),
	});
	return 0;
}

int ena_qpair_create(struct ena_dev *dev, const struct ena_qpair_params *p, struct ena_qpair **ret)
{
	size_t off_txsq = 0, off_txcq, off_rxsq, off_rxcq, total;
	struct ena_qpair *qp;
	int r;

	r = check_params(dev, p);
	if (r < 0)
		return r;
	if (p->llq_entry_size) {
		r = ena_eth_map_llq(dev);
		if (r < 0)
			return r;
	}

	qp = calloc(1, sizeof(*qp));
	if (!qp)
		return -ENOMEM;
	qp->dev = dev;
	qp->index = p->index;
	qp->irq_fd = p->irq_fd;

	/* one DMA allocation, each ring page-aligned */
	off_txcq = p->llq_entry_size ? 0 : align_up((size_t)p->tx_depth * sizeof(struct ena_tx_desc));
	off_rxsq = off_txcq + align_up((size_t)p->tx_depth * sizeof(struct ena_tx_cdesc));
	off_rxcq = off_rxsq + align_up((size_t)p->rx_depth * sizeof(struct ena_rx_desc));
	total = off_rxcq + align_up((size_t)p->rx_depth * sizeof(struct ena_rx_cdesc));
	r = ena_dma_alloc(dev->bus, total, p->numa_node, &qp->rings);
	if (r < 0) {
		free(qp);
		return ena_error_set(r, "queue pair %u rings (%zu bytes): %s", p->index, total,
				     strerror(-r));
	}
	memset(qp->rings.va, 0, total);

	if (p->irq_fd >= 0) {
		r = ena_bus_irq_set(dev->bus, p->index + 1, 1, &p->irq_fd);
		if (r < 0) {
			ena_error_set(r, "MSI-X vector %u: %s", p->index + 1, strerror(-r));
			goto fail;
		}
		qp->irq_set = true;
	}
	r = qpair_make_queues(qp, p, off_txsq, off_txcq, off_rxsq, off_rxcq);
	if (r < 0)
		goto fail;
	*ret = qp;
	return 0;

fail:
	ena_qpair_destroy(qp);
	return r;
}

int ena_qpair_destroy(struct ena_qpair *qp)
{
	struct ena_dev *dev;
	int r = 0, e;

	if (!qp)
		return 0;
	dev = qp->dev;
	/* SQ before its CQ; TX before RX (Linux ena_down order) */
	if (qp->tx_sq_made && (e = destroy_sq(dev, qp->tx_sq_idx, ENA_SQ_DIRECTION_TX)) < 0 && !r)
		r = e;
	if (qp->tx_cq_made && (e = destroy_cq(dev, qp->tx_cq_idx)) < 0 && !r)
		r = e;
	if (qp->rx_sq_made && (e = destroy_sq(dev, qp->rx_sq_idx, ENA_SQ_DIRECTION_RX)) < 0 && !r)
		r = e;
	if (qp->rx_cq_made && (e = destroy_cq(dev, qp->rx_cq_idx)) < 0 && !r)
		r = e;
	if (qp->irq_set)
		ena_bus_irq_set(dev->bus, qp->index + 1, 1, NULL);
	if (qp->txq_ready)
		ena_txq_fini(&qp->txq);
	if (qp->rxq_ready)
		ena_rxq_fini(&qp->rxq);
	ena_dma_free(&qp->rings);
	free(qp);
	return r;
}

struct ena_txq *ena_qpair_txq(struct ena_qpair *qp)
{
	return &qp->txq;
}

struct ena_rxq *ena_qpair_rxq(struct ena_qpair *qp)
{
	return &qp->rxq;
}

int ena_qpair_irq_fd(const struct ena_qpair *qp)
{
	return qp->irq_fd;
}

uint16_t ena_qpair_rx_sq_idx(const struct ena_qpair *qp)
{
	return qp->rx_sq_idx;
}

int ena_eth_ids_alloc(uint32_t depth, size_t info_size, uint16_t **ret_ids, void **ret_info)
{
	uint16_t *ids = calloc(depth, sizeof(*ids));
	void *info = calloc(depth, info_size);

	if (!ids || !info) {
		free(ids);
		free(info);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < depth; i++)
		ids[i] = (uint16_t)i;
	*ret_ids = ids;
	*ret_info = info;
	return 0;
}

int ena_eth_ring_check(uint32_t depth, unsigned int max_descs, unsigned int dma_width)
{
	if (depth < ENA_ETH_MIN_DEPTH || depth > ENA_ETH_MAX_DEPTH || (depth & (depth - 1)))
		return -EINVAL;
	if (max_descs < 1 || max_descs > ENA_MAX_SGL)
		return -EINVAL;
	if (dma_width < 32 || dma_width > 64)
		return -EINVAL;
	return 0;
}
