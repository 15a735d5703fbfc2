/* SPDX-License-Identifier: MIT */
/* enasim admin engine: AQ consumption, command execution (queues, features,
 * statistics) and ACQ completion writing. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "aenq.h"
#include "device.h"
#include "ena/io.h"
#include "io.h"

struct sim_deferred {
	struct sim_deferred *next;
	uint64_t due_ms;
	bool stale_phase;
	struct ena_acq_entry entry;
};

/* Every response layout overlays the 64-byte ACQ entry. */
union sim_acq {
	struct ena_acq_entry entry;
	struct ena_acq_create_sq_resp create_sq;
	struct ena_acq_create_cq_resp create_cq;
	struct ena_acq_get_feature_resp feat;
	struct ena_acq_get_stats_resp stats;
};

#define SIM_MAX_TX_HEADER 96
#define SIM_LINK_SPEED_MBPS 25000
#define SIM_LINK_SUPPORTED 0x10
#define SIM_LINK_FLAGS 0x3
#define SIM_HASH_FUNCS ((1u << ENA_HASH_TOEPLITZ) | (1u << ENA_HASH_CRC32))
#define SIM_INPUT_SORT (ENA_RSS_INPUT_L3_SORT | ENA_RSS_INPUT_L4_SORT)
#define SIM_METRICS_SUPPORTED ENA_CUSTOMER_METRICS_SUPPORT_MASK

/* A well-known default Toeplitz key, stored as the device holds it. */
static const uint8_t default_rss_key[ENA_RSS_KEY_SIZE] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const char *const opcode_names[SIM_ADMIN_OPCODES] = {
	[ENA_ADMIN_CREATE_SQ] = "create_sq",
	[ENA_ADMIN_DESTROY_SQ] = "destroy_sq",
	[ENA_ADMIN_CREATE_CQ] = "create_cq",
	[ENA_ADMIN_DESTROY_CQ] = "destroy_cq",
	[ENA_ADMIN_GET_FEATURE] = "get_feature",
	[ENA_ADMIN_SET_FEATURE] = "set_feature",
	[ENA_ADMIN_GET_STATS] = "get_stats",
};

const char *sim_admin_opcode_name(unsigned int opcode)
{
	return opcode < SIM_ADMIN_OPCODES ? opcode_names[opcode] : NULL;
}

uint16_t sim_rss_supported_fields(unsigned int proto)
{
	switch (proto) {
	case ENA_RSS_TCP4:
	case ENA_RSS_UDP4:
	case ENA_RSS_TCP6:
	case ENA_RSS_UDP6:
	case ENA_RSS_TCP6_EX:
		return ENA_RSS_L3_DA | ENA_RSS_L3_SA | ENA_RSS_L4_DP | ENA_RSS_L4_SP;
	case ENA_RSS_IP4:
	case ENA_RSS_IP6:
	case ENA_RSS_IP4_FRAG:
	case ENA_RSS_IP6_EX:
		return ENA_RSS_L3_DA | ENA_RSS_L3_SA;
	case ENA_RSS_NOT_IP:
		return ENA_RSS_L2_DA | ENA_RSS_L2_SA;
	default:
		return 0;
	}
}

void sim_admin_rss_defaults(struct sim_device *dev)
{
	struct sim_rss *rss = &dev->rss;

	memset(rss, 0, sizeof(*rss));
	rss->function = ENA_HASH_TOEPLITZ;
	rss->key.key_parts = ENA_RSS_KEY_PARTS;
	memcpy(rss->key.key, default_rss_key, sizeof(default_rss_key));
	rss->table_log = SIM_RSS_TABLE_LOG;
	for (unsigned int i = 0; i < SIM_RSS_TABLE_SIZE; i++)
		rss->table[i] = (uint16_t)(i % dev->profile.queues);
	for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++)
		rss->selected_fields[p] = sim_rss_supported_fields(p);
}

static bool is_pow2(uint32_t v)
{
	return v && !(v & (v - 1));
}

/* ---- ACQ writer ---- */

static void free_deferred(struct sim_admin *a)
{
	while (a->deferred) {
		struct sim_deferred *d = a->deferred;

		a->deferred = d->next;
		free(d);
	}
	a->deferred_last = NULL;
	a->nr_deferred = 0;
}

void sim_admin_reset(struct sim_device *dev)
{
	struct sim_admin *a = &dev->admin;

	free_deferred(a);
	a->aq_base = a->acq_base = 0;
	a->aq_caps = a->acq_caps = 0;
	a->aq_db = a->aq_head = a->acq_tail = 0;
}

static void acq_write(struct sim_device *dev, const struct ena_acq_entry *e, bool stale_phase)
{
	struct sim_admin *a = &dev->admin;
	uint32_t depth = sim_ring_depth(a->acq_caps, ENA_ACQ_ENTRY_SIZE);
	uint8_t phase;
	uint8_t *p;

	if (!depth || !a->acq_base) {
		a->dropped++;
		sim_log(dev, "admin completion dropped: ACQ not configured");
		return;
	}
	p = sim_dma_ptr(dev, a->acq_base + (uint64_t)(a->acq_tail & (depth - 1)) * ENA_ACQ_ENTRY_SIZE,
			ENA_ACQ_ENTRY_SIZE, true);
	if (!p) {
		a->dropped++;
		sim_log(dev, "admin completion dropped: ACQ 0x%llx not mapped",
			(unsigned long long)a->acq_base);
		return;
	}
	phase = sim_ring_phase(a->acq_tail, depth);
	if (stale_phase)
		phase ^= 1;
	/* Everything but the flags byte, then the phase last. */
	memcpy(p, e, offsetof(struct ena_acq_common, flags));
	memcpy(p + 4, (const uint8_t *)e + 4, ENA_ACQ_ENTRY_SIZE - 4);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(p + offsetof(struct ena_acq_common, flags), phase, __ATOMIC_RELEASE);
	a->acq_tail++;
	sim_irq_admin(dev);
}

static void complete(struct sim_device *dev, struct ena_acq_entry *e)
{
	struct sim_admin *a = &dev->admin;
	bool stale = false;
	struct sim_deferred *d;

	if (a->fault == SIM_ACQ_FAULT_STALE_PHASE) {
		stale = true;
		a->fault = SIM_ACQ_FAULT_NONE;
		sim_log(dev, "fault: admin completion %u written with a stale phase",
			e->common.command);
	} else if (a->fault == SIM_ACQ_FAULT_UNKNOWN_ID) {
		e->common.command ^= 0x800; /* an id nobody sent (>= 32) */
		a->fault = SIM_ACQ_FAULT_NONE;
		sim_log(dev, "fault: admin completion written with unknown id %u",
			e->common.command);
	}
	if (a->drop) {
		a->dropped++;
		return;
	}
	if (!a->delay_ms && !a->deferred) {
		acq_write(dev, e, stale);
		return;
	}
	if (a->nr_deferred >= SIM_DEFERRED_MAX || !(d = calloc(1, sizeof(*d)))) {
		a->dropped++;
		return;
	}
	d->due_ms = sim_now_ms(dev) + a->delay_ms;
	d->stale_phase = stale;
	d->entry = *e;
	if (a->deferred_last)
		a->deferred_last->next = d;
	else
		a->deferred = d;
	a->deferred_last = d;
	a->nr_deferred++;
	if (dev->ops->schedule)
		dev->ops->schedule(dev->ctx, a->delay_ms);
}

int64_t sim_admin_run_deferred(struct sim_device *dev, uint64_t now_ms)
{
	struct sim_admin *a = &dev->admin;

	while (a->deferred && a->deferred->due_ms <= now_ms) {
		struct sim_deferred *d = a->deferred;

		a->deferred = d->next;
		if (!a->deferred)
			a->deferred_last = NULL;
		a->nr_deferred--;
		acq_write(dev, &d->entry, d->stale_phase);
		free(d);
	}
	return a->deferred ? (int64_t)(a->deferred->due_ms - now_ms) : -1;
}

/* ---- IO queue commands ---- */

static uint32_t llq_max_depth(const struct sim_device *dev)
{
	uint32_t depth = dev->profile.tx_depth;

	/* Wide LLQ (256 B entries) without max_wide_llq_depth: half depth. */
	if (dev->llq.entry_bytes == ENA_LLQ_ENTRY_SIZE_LARGE)
		depth /= 2;
	return depth;
}

static uint8_t create_cq(struct sim_device *dev, const uint8_t *raw, union sim_acq *resp)
{
	struct ena_aq_create_cq cmd;
	uint32_t max_depth = dev->profile.tx_depth > dev->profile.rx_depth ? dev->profile.tx_depth
									    : dev->profile.rx_depth;
	uint32_t words, depth;
	uint64_t ba;
	unsigned int c;
	struct sim_cq *cq;

	memcpy(&cmd, raw, sizeof(cmd));
	if (dev->admin.fail_next_create_cq) {
		dev->admin.fail_next_create_cq = false;
		sim_log(dev, "fault: CREATE_CQ fails with resource allocation failure");
		return ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	words = cmd.cq_caps_2 & ENA_CQ_CAPS2_ENTRY_SIZE_WORDS_MASK;
	depth = cmd.cq_depth;
	if (words != 2 && words != 4 && words != 8)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (!is_pow2(depth) || depth > max_depth)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (cmd.msix_vector != ENA_MSIX_VECTOR_NONE && cmd.msix_vector >= dev->nr_vectors)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	ba = ena_mem_addr_get(&cmd.cq_ba);
	if (!sim_dma_ptr(dev, ba, (size_t)depth * words * 4, true))
		return ENA_ADMIN_MALFORMED_REQUEST;
	for (c = 0; c < 2 * dev->profile.queues; c++)
		if (!dev->cq[c].used)
			break;
	if (c == 2 * dev->profile.queues)
		return ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE;

	cq = &dev->cq[c];
	memset(cq, 0, sizeof(*cq));
	cq->used = true;
	cq->entry_words = (uint8_t)words;
	cq->interrupt_mode = cmd.cq_caps_1 & ENA_CQ_CAPS1_INTERRUPT_MODE_ENABLED;
	cq->depth = depth;
	cq->msix_vector = cmd.msix_vector;
	cq->ba = ba;
	cq->serial = ++dev->queue_serial;
	cq->unmask_offset = SIM_CQ_UNMASK_OFF + 4 * c;
	cq->numa_offset = SIM_CQ_NUMA_OFF + 4 * c;
	memset(dev->bar0 + cq->unmask_offset, 0, 4);
	memset(dev->bar0 + cq->numa_offset, 0, 4);

	resp->create_cq.cq_idx = (uint16_t)c;
	resp->create_cq.cq_actual_depth = (uint16_t)depth;
	resp->create_cq.numa_node_register_offset = cq->numa_offset;
	resp->create_cq.cq_head_db_register_offset = 0;
	resp->create_cq.cq_interrupt_unmask_register_offset = cq->unmask_offset;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t create_sq(struct sim_device *dev, const uint8_t *raw, union sim_acq *resp)
{
	struct ena_aq_create_sq cmd;
	unsigned int dir, placement, policy, i;
	uint32_t depth, max_depth;
	struct sim_sq *pool, *sq;
	struct sim_cq *cq;

	memcpy(&cmd, raw, sizeof(cmd));
	if (dev->admin.fail_next_create_sq) {
		dev->admin.fail_next_create_sq = false;
		sim_log(dev, "fault: CREATE_SQ fails with resource allocation failure");
		return ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE;
	}
	dir = (cmd.sq_identity & ENA_SQ_IDENTITY_DIRECTION_MASK) >> ENA_SQ_IDENTITY_DIRECTION_SHIFT;
	placement = cmd.sq_caps_2 & ENA_SQ_CAPS2_PLACEMENT_MASK;
	policy = (cmd.sq_caps_2 & ENA_SQ_CAPS2_COMPLETION_MASK) >> ENA_SQ_CAPS2_COMPLETION_SHIFT;
	depth = cmd.sq_depth;
	if (dir != ENA_SQ_DIRECTION_TX && dir != ENA_SQ_DIRECTION_RX)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (placement != ENA_PLACEMENT_HOST && placement != ENA_PLACEMENT_DEV)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (placement == ENA_PLACEMENT_DEV && (dir != ENA_SQ_DIRECTION_TX || !dev->llq.enabled))
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (policy > ENA_COMPLETION_POLICY_HEAD)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (dir == ENA_SQ_DIRECTION_RX)
		max_depth = dev->profile.rx_depth;
	else if (placement == ENA_PLACEMENT_DEV)
		max_depth = llq_max_depth(dev);
	else
		max_depth = dev->profile.tx_depth;
	if (!is_pow2(depth) || depth > max_depth)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (cmd.cq_idx >= 2 * dev->profile.queues)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	cq = &dev->cq[cmd.cq_idx];
	if (!cq->used || cq->bound)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (dir == ENA_SQ_DIRECTION_TX && cq->entry_words != 2 && cq->entry_words != 4)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (dir == ENA_SQ_DIRECTION_RX && cq->entry_words != 4 && cq->entry_words != 8)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (cq->depth > (dir == ENA_SQ_DIRECTION_RX ? dev->profile.rx_depth : dev->profile.tx_depth))
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (placement == ENA_PLACEMENT_HOST &&
	    !sim_dma_ptr(dev, ena_mem_addr_get(&cmd.sq_ba), (size_t)depth * 16, false))
		return ENA_ADMIN_MALFORMED_REQUEST;
	pool = dir == ENA_SQ_DIRECTION_TX ? dev->tx_sq : dev->rx_sq;
	for (i = 0; i < dev->profile.queues; i++)
		if (!pool[i].used)
			break;
	if (i == dev->profile.queues)
		return ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE;

	sq = &pool[i];
	memset(sq, 0, sizeof(*sq));
	sq->used = true;
	sq->direction = (uint8_t)dir;
	sq->placement = (uint8_t)placement;
	sq->completion_policy = (uint8_t)policy;
	sq->cq_idx = cmd.cq_idx;
	sq->depth = depth;
	sq->ba = placement == ENA_PLACEMENT_HOST ? ena_mem_addr_get(&cmd.sq_ba) : 0;
	sq->serial = ++dev->queue_serial;
	sq->db_offset = SIM_SQ_DB_OFF + 8 * i + (dir == ENA_SQ_DIRECTION_RX ? 4 : 0);
	if (placement == ENA_PLACEMENT_DEV)
		sq->llq_offset = i * dev->profile.tx_depth * SIM_LLQ_ENTRY_MAX;
	memset(dev->bar0 + sq->db_offset, 0, 4);
	cq->bound = true;
	cq->direction = (uint8_t)dir;

	resp->create_sq.sq_idx = (uint16_t)i;
	resp->create_sq.sq_doorbell_offset = sq->db_offset;
	resp->create_sq.llq_descriptors_offset = sq->llq_offset;
	resp->create_sq.llq_headers_offset = 0;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t destroy_sq(struct sim_device *dev, const uint8_t *raw)
{
	struct ena_aq_destroy_sq cmd;
	unsigned int dir;
	struct sim_sq *sq;

	memcpy(&cmd, raw, sizeof(cmd));
	dir = (cmd.sq_identity & ENA_SQ_IDENTITY_DIRECTION_MASK) >> ENA_SQ_IDENTITY_DIRECTION_SHIFT;
	if ((dir != ENA_SQ_DIRECTION_TX && dir != ENA_SQ_DIRECTION_RX) ||
	    cmd.sq_idx >= dev->profile.queues)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	sq = dir == ENA_SQ_DIRECTION_TX ? &dev->tx_sq[cmd.sq_idx] : &dev->rx_sq[cmd.sq_idx];
	if (!sq->used)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	sim_io_quiesce(dev); /* the engine must not touch the ring after this */
	dev->cq[sq->cq_idx].bound = false;
	memset(sq, 0, sizeof(*sq));
	return ENA_ADMIN_SUCCESS;
}

static uint8_t destroy_cq(struct sim_device *dev, const uint8_t *raw)
{
	struct ena_aq_destroy_cq cmd;

	memcpy(&cmd, raw, sizeof(cmd));
	if (cmd.cq_idx >= 2 * dev->profile.queues || !dev->cq[cmd.cq_idx].used ||
	    dev->cq[cmd.cq_idx].bound)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	sim_io_quiesce(dev);
	memset(&dev->cq[cmd.cq_idx], 0, sizeof(dev->cq[0]));
	return ENA_ADMIN_SUCCESS;
}

/* ---- GET_FEATURE ---- */

static void get_llq(const struct sim_device *dev, struct ena_feat_llq *llq)
{
	llq->max_llq_num = dev->profile.queues;
	llq->max_llq_depth = dev->profile.tx_depth;
	llq->header_location_ctrl_supported = ENA_LLQ_HEADER_INLINE;
	llq->header_location_ctrl_enabled = dev->llq.header_location;
	llq->entry_size_ctrl_supported = dev->profile.llq_entry_sizes;
	llq->entry_size_ctrl_enabled = dev->llq.entry_size_ctrl;
	llq->desc_num_before_header_supported = 0xF; /* 1, 2, 4, 8 */
	llq->desc_num_before_header_enabled = dev->llq.descs_before_header;
	llq->descriptors_stride_ctrl_supported =
		ENA_LLQ_SINGLE_DESC_PER_ENTRY | ENA_LLQ_MULTIPLE_DESCS_PER_ENTRY;
	llq->descriptors_stride_ctrl_enabled = dev->llq.stride;
	llq->feature_version = ENA_LLQ_FEATURE_VERSION_1;
	llq->entry_size_recommended = (uint8_t)dev->profile.llq_entry_recommended;
	llq->max_wide_llq_depth = 0;
	llq->accel_mode.get.supported_flags = 0;
	llq->accel_mode.get.max_tx_burst_size = 0;
}

/* Control buffer of a GET/SET_FEATURE or GET_STATS: a direct pointer
 * whenever its length is non-zero, whatever the flags say. */
static uint64_t ctrl_addr(const struct ena_ctrl_buff *b)
{
	return ena_mem_addr_get(&b->address);
}

static uint8_t get_feature(struct sim_device *dev, const uint8_t *raw, union sim_acq *resp)
{
	struct ena_aq_feature cmd;
	struct ena_acq_get_feature_resp *r = &resp->feat;
	uint32_t len;
	uint64_t addr;
	unsigned int fid;

	memcpy(&cmd, raw, sizeof(cmd));
	fid = cmd.feat_common.feature_id;
	len = cmd.control_buffer.length;
	addr = ctrl_addr(&cmd.control_buffer);
	if (fid >= ENA_FEAT__COUNT ||
	    (fid != ENA_FEAT_DEVICE_ATTRIBUTES && !(dev->supported_features & ENA_FEAT_BIT(fid))))
		return ENA_ADMIN_UNSUPPORTED_OPCODE;

	switch (fid) {
	case ENA_FEAT_DEVICE_ATTRIBUTES:
		r->u.dev_attr.impl_id = 0;
		r->u.dev_attr.device_version = SIM_VERSION;
		r->u.dev_attr.supported_features = dev->supported_features;
		r->u.dev_attr.capabilities = dev->capabilities;
		r->u.dev_attr.phys_addr_width = SIM_DMA_WIDTH;
		r->u.dev_attr.virt_addr_width = SIM_DMA_WIDTH;
		memcpy(r->u.dev_attr.mac_addr, dev->profile.mac, 6);
		r->u.dev_attr.max_mtu = dev->profile.max_mtu;
		if (dev->admin.fault == SIM_ACQ_FAULT_BAD_DEV_ATTR) {
			dev->admin.fault = SIM_ACQ_FAULT_NONE;
			r->u.dev_attr.max_mtu = 0;
			r->u.dev_attr.phys_addr_width = 64;
			r->u.dev_attr.virt_addr_width = 64;
			sim_log(dev, "fault: DEVICE_ATTRIBUTES with max_mtu 0 and dma width 64");
		}
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_MAX_QUEUES_EXT: {
		struct ena_feat_max_queues_ext *q = &r->u.max_queues_ext;

		q->version = ENA_MAX_QUEUES_EXT_VERSION;
		q->max_tx_sq_num = q->max_tx_cq_num = dev->profile.queues;
		q->max_rx_sq_num = q->max_rx_cq_num = dev->profile.queues;
		q->max_tx_sq_depth = q->max_tx_cq_depth = dev->profile.tx_depth;
		q->max_rx_sq_depth = q->max_rx_cq_depth = dev->profile.rx_depth;
		q->max_tx_header_size = SIM_MAX_TX_HEADER;
		q->max_per_packet_tx_descs = SIM_MAX_PACKET_DESCS;
		q->max_per_packet_rx_descs = SIM_MAX_PACKET_DESCS;
		if (dev->admin.fault == SIM_ACQ_FAULT_BAD_MAX_QUEUES) {
			dev->admin.fault = SIM_ACQ_FAULT_NONE;
			memset(q, 0xff, sizeof(*q));
			q->version = 0;
			q->max_tx_sq_depth = q->max_rx_sq_depth = 0;
			sim_log(dev, "fault: MAX_QUEUES_EXT version 0 with absurd values");
		}
		return ENA_ADMIN_SUCCESS;
	}
	case ENA_FEAT_MAX_QUEUES_NUM: {
		struct ena_feat_max_queues *q = &r->u.max_queues;

		q->max_sq_num = q->max_cq_num = dev->profile.queues;
		q->max_sq_depth = dev->profile.tx_depth;
		q->max_cq_depth = dev->profile.rx_depth;
		q->max_legacy_llq_num = dev->profile.llq ? dev->profile.queues : 0;
		q->max_legacy_llq_depth = dev->profile.llq ? dev->profile.tx_depth : 0;
		q->max_header_size = SIM_MAX_TX_HEADER;
		q->max_packet_tx_descs = q->max_packet_rx_descs = SIM_MAX_PACKET_DESCS;
		return ENA_ADMIN_SUCCESS;
	}
	case ENA_FEAT_HW_HINTS:
		r->u.hw_hints = dev->hints;
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_LLQ:
		get_llq(dev, &r->u.llq);
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_STATELESS_OFFLOAD_CONFIG:
		r->u.offload.tx = dev->profile.tx_offloads;
		r->u.offload.rx_supported = dev->profile.rx_offloads;
		r->u.offload.rx_enabled = dev->profile.rx_offloads;
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_RSS_HASH_FUNCTION:
		r->u.hash_func.supported_func = SIM_HASH_FUNCS;
		r->u.hash_func.selected_func = 1u << dev->rss.function;
		r->u.hash_func.init_val = dev->rss.init_val;
		if (len == 0)
			return ENA_ADMIN_SUCCESS;
		if (len < sizeof(dev->rss.key) ||
		    sim_dma_write(dev, addr, &dev->rss.key, sizeof(dev->rss.key)) < 0)
			return ENA_ADMIN_MALFORMED_REQUEST;
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG: {
		struct ena_rss_ind_entry t[SIM_RSS_TABLE_SIZE];
		size_t n = (size_t)1 << dev->rss.table_log;

		r->u.ind_table.min_size = SIM_RSS_TABLE_LOG;
		r->u.ind_table.max_size = SIM_RSS_TABLE_LOG;
		r->u.ind_table.size = (uint16_t)dev->rss.table_log;
		r->u.ind_table.flags = 0;
		r->u.ind_table.inline_index = ENA_RSS_IND_INLINE_INDEX_NONE;
		if (len == 0)
			return ENA_ADMIN_SUCCESS;
		memset(t, 0, sizeof(t));
		for (size_t i = 0; i < n; i++)
			t[i].cq_idx = dev->rss.table[i];
		if (len < n * sizeof(t[0]) || sim_dma_write(dev, addr, t, n * sizeof(t[0])) < 0)
			return ENA_ADMIN_MALFORMED_REQUEST;
		return ENA_ADMIN_SUCCESS;
	}
	case ENA_FEAT_RSS_HASH_INPUT: {
		struct ena_rss_hash_control hc;

		r->u.hash_input.supported_input_sort = SIM_INPUT_SORT;
		r->u.hash_input.enabled_input_sort = dev->rss.enabled_input_sort;
		if (len == 0)
			return ENA_ADMIN_SUCCESS;
		memset(&hc, 0, sizeof(hc));
		for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++) {
			hc.supported_fields[p].fields = sim_rss_supported_fields(p);
			hc.selected_fields[p].fields = dev->rss.selected_fields[p];
		}
		if (len < sizeof(hc) || sim_dma_write(dev, addr, &hc, sizeof(hc)) < 0)
			return ENA_ADMIN_MALFORMED_REQUEST;
		return ENA_ADMIN_SUCCESS;
	}
	case ENA_FEAT_INTERRUPT_MODERATION:
		r->u.intr_moder.intr_delay_resolution = 1;
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_AENQ_CONFIG:
		r->u.aenq.supported_groups = SIM_AENQ_SUPPORTED_GROUPS;
		r->u.aenq.enabled_groups = dev->aenq.enabled_groups;
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_LINK_CONFIG:
		r->u.link.speed = SIM_LINK_SPEED_MBPS;
		r->u.link.supported = SIM_LINK_SUPPORTED;
		r->u.link.flags = SIM_LINK_FLAGS;
		return ENA_ADMIN_SUCCESS;
	default:
		return ENA_ADMIN_UNSUPPORTED_OPCODE;
	}
}

/* ---- SET_FEATURE ---- */

static bool one_bit_of(uint32_t v, uint32_t supported)
{
	return is_pow2(v) && (v & supported) == v;
}

static uint8_t set_llq(struct sim_device *dev, const struct ena_feat_llq *llq)
{
	struct ena_feat_llq sup;

	get_llq(dev, &sup);
	if (!one_bit_of(llq->header_location_ctrl_enabled, sup.header_location_ctrl_supported) ||
	    !one_bit_of(llq->entry_size_ctrl_enabled, sup.entry_size_ctrl_supported) ||
	    !one_bit_of(llq->desc_num_before_header_enabled, sup.desc_num_before_header_supported) ||
	    !one_bit_of(llq->descriptors_stride_ctrl_enabled, sup.descriptors_stride_ctrl_supported))
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (llq->entry_size_ctrl_enabled == ENA_LLQ_ENTRY_SIZE_192B)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	dev->llq.enabled = true;
	dev->llq.header_location = llq->header_location_ctrl_enabled;
	dev->llq.entry_size_ctrl = llq->entry_size_ctrl_enabled;
	dev->llq.descs_before_header = llq->desc_num_before_header_enabled;
	dev->llq.stride = llq->descriptors_stride_ctrl_enabled;
	/* Drivers always ask for 0x3; keep only what is supported (none). */
	dev->llq.accel_flags = llq->accel_mode.set.enabled_flags & sup.accel_mode.get.supported_flags;
	dev->llq.entry_bytes = llq->entry_size_ctrl_enabled == ENA_LLQ_ENTRY_SIZE_256B
				       ? ENA_LLQ_ENTRY_SIZE_LARGE
				       : ENA_LLQ_ENTRY_SIZE_NORMAL;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t set_hash_function(struct sim_device *dev, const struct ena_aq_feature *cmd)
{
	uint32_t sel = cmd->u.hash_func.selected_func & 0xff;
	uint32_t len = cmd->control_buffer.length;
	struct ena_rss_hash_key key = dev->rss.key;

	if (!one_bit_of(sel, SIM_HASH_FUNCS))
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (len) {
		if (len < sizeof(key) ||
		    sim_dma_read(dev, ctrl_addr(&cmd->control_buffer), &key, sizeof(key)) < 0)
			return ENA_ADMIN_MALFORMED_REQUEST;
		if (key.key_parts != ENA_RSS_KEY_PARTS)
			return ENA_ADMIN_ILLEGAL_PARAMETER;
		key.reserved = 0;
	}
	dev->rss.function = (uint8_t)__builtin_ctz(sel);
	dev->rss.init_val = cmd->u.hash_func.init_val;
	dev->rss.key = key;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t set_ind_table(struct sim_device *dev, const struct ena_aq_feature *cmd)
{
	struct ena_rss_ind_entry t[SIM_RSS_TABLE_SIZE];
	unsigned int log = cmd->u.ind_table.size;
	uint32_t len = cmd->control_buffer.length;
	size_t n;

	if (log != SIM_RSS_TABLE_LOG)
		return ENA_ADMIN_ILLEGAL_PARAMETER; /* [min_size, max_size] = [7, 7] */
	if (cmd->u.ind_table.inline_index != ENA_RSS_IND_INLINE_INDEX_NONE)
		return ENA_ADMIN_ILLEGAL_PARAMETER; /* one_entry_update unsupported */
	n = (size_t)1 << log;
	if (len < n * sizeof(t[0]) ||
	    sim_dma_read(dev, ctrl_addr(&cmd->control_buffer), t, n * sizeof(t[0])) < 0)
		return ENA_ADMIN_MALFORMED_REQUEST;
	for (size_t i = 0; i < n; i++)
		if (t[i].cq_idx >= dev->profile.queues || !dev->rx_sq[t[i].cq_idx].used)
			return ENA_ADMIN_ILLEGAL_PARAMETER;
	for (size_t i = 0; i < n; i++)
		dev->rss.table[i] = t[i].cq_idx;
	dev->rss.table_log = log;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t set_hash_input(struct sim_device *dev, const struct ena_aq_feature *cmd)
{
	uint16_t sort = cmd->u.hash_input.enabled_input_sort;
	uint32_t len = cmd->control_buffer.length;
	struct ena_rss_hash_control hc;

	if (sort & ~SIM_INPUT_SORT)
		return ENA_ADMIN_ILLEGAL_PARAMETER;
	if (len) {
		if (len < sizeof(hc) ||
		    sim_dma_read(dev, ctrl_addr(&cmd->control_buffer), &hc, sizeof(hc)) < 0)
			return ENA_ADMIN_MALFORMED_REQUEST;
		for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++)
			if (hc.selected_fields[p].fields & ~sim_rss_supported_fields(p))
				return ENA_ADMIN_ILLEGAL_PARAMETER;
		for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++)
			dev->rss.selected_fields[p] = hc.selected_fields[p].fields;
	}
	dev->rss.enabled_input_sort = sort;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t set_host_attr(struct sim_device *dev, const struct ena_feat_host_attr *h)
{
	uint64_t os_ba = ena_mem_addr_get(&h->os_info_ba);
	struct ena_host_info info;

	if (os_ba) {
		if (sim_dma_read(dev, os_ba, &info, sizeof(info)) < 0)
			return ENA_ADMIN_MALFORMED_REQUEST;
		dev->host.info = info;
		dev->host.valid = true;
		dev->host.os_info_ba = os_ba;
	}
	dev->host.debug_ba = ena_mem_addr_get(&h->debug_ba);
	dev->host.debug_size = h->debug_area_size;
	dev->host.updates++;
	return ENA_ADMIN_SUCCESS;
}

static uint8_t set_feature(struct sim_device *dev, const uint8_t *raw)
{
	struct ena_aq_feature cmd;
	unsigned int fid;

	memcpy(&cmd, raw, sizeof(cmd));
	fid = cmd.feat_common.feature_id;
	if (fid >= ENA_FEAT__COUNT || !(dev->supported_features & ENA_FEAT_BIT(fid)))
		return ENA_ADMIN_UNSUPPORTED_OPCODE;

	switch (fid) {
	case ENA_FEAT_MTU:
		if (cmd.u.mtu.mtu < ENA_MIN_MTU || cmd.u.mtu.mtu > dev->profile.max_mtu)
			return ENA_ADMIN_ILLEGAL_PARAMETER;
		dev->mtu = cmd.u.mtu.mtu;
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_HOST_ATTR_CONFIG:
		return set_host_attr(dev, &cmd.u.host_attr);
	case ENA_FEAT_AENQ_CONFIG:
		if (cmd.u.aenq.enabled_groups & ~SIM_AENQ_SUPPORTED_GROUPS)
			return ENA_ADMIN_ILLEGAL_PARAMETER;
		sim_aenq_set_groups(dev, cmd.u.aenq.enabled_groups);
		return ENA_ADMIN_SUCCESS;
	case ENA_FEAT_LLQ:
		return set_llq(dev, &cmd.u.llq);
	case ENA_FEAT_RSS_HASH_FUNCTION:
		return set_hash_function(dev, &cmd);
	case ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG:
		return set_ind_table(dev, &cmd);
	case ENA_FEAT_RSS_HASH_INPUT:
		return set_hash_input(dev, &cmd);
	case ENA_FEAT_FRAG_BYPASS:
		dev->frag_bypass = cmd.u.frag_bypass.enable & 1;
		return ENA_ADMIN_SUCCESS;
	default:
		return ENA_ADMIN_UNSUPPORTED_OPCODE;
	}
}

/* ---- GET_STATS ---- */

static void put_lo_hi(uint32_t *lo, uint32_t *hi, uint64_t v)
{
	*lo = (uint32_t)v;
	*hi = (uint32_t)(v >> 32);
}

static uint8_t get_stats(struct sim_device *dev, const uint8_t *raw, union sim_acq *resp)
{
	struct ena_aq_get_stats cmd;
	struct ena_acq_get_stats_resp *r = &resp->stats;
	const struct sim_stats *s = &dev->stats;

	memcpy(&cmd, raw, sizeof(cmd));
	switch (cmd.type) {
	case ENA_STATS_BASIC:
		put_lo_hi(&r->u.basic.tx_bytes_low, &r->u.basic.tx_bytes_high, s->tx_bytes);
		put_lo_hi(&r->u.basic.tx_pkts_low, &r->u.basic.tx_pkts_high, s->tx_pkts);
		put_lo_hi(&r->u.basic.rx_bytes_low, &r->u.basic.rx_bytes_high, s->rx_bytes);
		put_lo_hi(&r->u.basic.rx_pkts_low, &r->u.basic.rx_pkts_high, s->rx_pkts);
		put_lo_hi(&r->u.basic.rx_drops_low, &r->u.basic.rx_drops_high, s->rx_drops);
		put_lo_hi(&r->u.basic.tx_drops_low, &r->u.basic.tx_drops_high, s->tx_drops);
		put_lo_hi(&r->u.basic.rx_overruns_low, &r->u.basic.rx_overruns_high, s->rx_overruns);
		return ENA_ADMIN_SUCCESS;
	case ENA_STATS_ENI:
		if (!(dev->capabilities & (1u << ENA_CAP_ENI_STATS)))
			return ENA_ADMIN_UNSUPPORTED_OPCODE;
		r->u.eni.bw_in_allowance_exceeded = s->eni[ENA_METRIC_BW_IN_ALLOWANCE_EXCEEDED];
		r->u.eni.bw_out_allowance_exceeded = s->eni[ENA_METRIC_BW_OUT_ALLOWANCE_EXCEEDED];
		r->u.eni.pps_allowance_exceeded = s->eni[ENA_METRIC_PPS_ALLOWANCE_EXCEEDED];
		r->u.eni.conntrack_allowance_exceeded =
			s->eni[ENA_METRIC_CONNTRACK_ALLOWANCE_EXCEEDED];
		r->u.eni.linklocal_allowance_exceeded =
			s->eni[ENA_METRIC_LINKLOCAL_ALLOWANCE_EXCEEDED];
		return ENA_ADMIN_SUCCESS;
	case ENA_STATS_CUSTOMER_METRICS: {
		uint64_t vals[ENA_METRIC__COUNT];
		uint64_t req = cmd.requested_metrics & SIM_METRICS_SUPPORTED;
		unsigned int n = 0;

		if (!(dev->capabilities & (1u << ENA_CAP_CUSTOMER_METRICS)))
			return ENA_ADMIN_UNSUPPORTED_OPCODE;
		if (cmd.u.control_buffer.length == 0) {
			r->u.reported_metrics = SIM_METRICS_SUPPORTED;
			return ENA_ADMIN_SUCCESS;
		}
		for (unsigned int id = 0; id < ENA_METRIC__COUNT; id++)
			if (req & (1ull << id))
				vals[n++] = s->eni[id];
		if (cmd.u.control_buffer.length < n * sizeof(uint64_t) ||
		    (n && sim_dma_write(dev, ctrl_addr(&cmd.u.control_buffer), vals,
					n * sizeof(uint64_t)) < 0))
			return ENA_ADMIN_MALFORMED_REQUEST;
		r->u.reported_metrics = req;
		return ENA_ADMIN_SUCCESS;
	}
	default:
		return ENA_ADMIN_UNSUPPORTED_OPCODE;
	}
}

/* ---- AQ consumer ---- */

static uint8_t execute(struct sim_device *dev, const uint8_t *raw, union sim_acq *resp)
{
	uint8_t opcode = raw[offsetof(struct ena_aq_common, opcode)];

	dev->admin.commands[opcode < SIM_ADMIN_OPCODES && opcode_names[opcode] ? opcode : 0]++;
	switch (opcode) {
	case ENA_ADMIN_CREATE_SQ:
		return create_sq(dev, raw, resp);
	case ENA_ADMIN_DESTROY_SQ:
		return destroy_sq(dev, raw);
	case ENA_ADMIN_CREATE_CQ:
		return create_cq(dev, raw, resp);
	case ENA_ADMIN_DESTROY_CQ:
		return destroy_cq(dev, raw);
	case ENA_ADMIN_GET_FEATURE:
		return get_feature(dev, raw, resp);
	case ENA_ADMIN_SET_FEATURE:
		return set_feature(dev, raw);
	case ENA_ADMIN_GET_STATS:
		return get_stats(dev, raw, resp);
	default:
		return ENA_ADMIN_UNSUPPORTED_OPCODE;
	}
}

void sim_admin_doorbell(struct sim_device *dev, uint16_t tail)
{
	struct sim_admin *a = &dev->admin;
	uint32_t depth = sim_ring_depth(a->aq_caps, ENA_AQ_ENTRY_SIZE);

	a->aq_db = tail;
	if (!depth || !a->aq_base) {
		a->bad_entries++;
		sim_log(dev, "AQ doorbell %u ignored: admin queue not configured", tail);
		return;
	}
	if ((uint16_t)(tail - a->aq_head) > depth) {
		a->bad_entries++;
		sim_log(dev, "AQ doorbell %u ignored: %u entries past head %u", tail,
			(uint16_t)(tail - a->aq_head), a->aq_head);
		return;
	}
	while (a->aq_head != tail) {
		uint8_t raw[ENA_AQ_ENTRY_SIZE];
		uint64_t slot = a->aq_base + (uint64_t)(a->aq_head & (depth - 1)) * ENA_AQ_ENTRY_SIZE;
		const struct ena_aq_common *c = (const struct ena_aq_common *)raw;
		union sim_acq resp;

		if (sim_dma_read(dev, slot, raw, sizeof(raw)) < 0) {
			a->bad_entries++;
			sim_log(dev, "AQ entry %u not mapped", a->aq_head);
			return;
		}
		if ((c->flags & ENA_AQ_FLAGS_PHASE) != sim_ring_phase(a->aq_head, depth)) {
			a->bad_entries++;
			sim_log(dev, "AQ entry %u has a stale phase, stopping", a->aq_head);
			return;
		}
		a->aq_head++;
		memset(&resp, 0, sizeof(resp));
		resp.entry.common.status = execute(dev, raw, &resp);
		sim_io_config_changed(dev);
		resp.entry.common.command = c->command_id & ENA_AQ_COMMAND_ID_MASK;
		resp.entry.common.sq_head_indx = a->aq_head;
		if (resp.entry.common.status != ENA_ADMIN_SUCCESS)
			a->errors++;
		complete(dev, &resp.entry);
	}
}
