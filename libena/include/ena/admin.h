/* SPDX-License-Identifier: MIT */
/* ENA admin queue, feature and AENQ wire formats (facts from ena_admin_defs.h
 * and ena_common_defs.h). Little-endian, naturally aligned, no padding. */
#ifndef ENA_ADMIN_H
#define ENA_ADMIN_H

#include <stdint.h>

/* 48-bit DMA address (ena_common_defs.h ena_common_mem_addr). */
struct ena_mem_addr {
	uint32_t lo;
	uint16_t hi;
	uint16_t reserved; /* MBZ */
};
_Static_assert(sizeof(struct ena_mem_addr) == 8, "ena_mem_addr");

static inline void ena_mem_addr_set(struct ena_mem_addr *a, uint64_t iova)
{
	a->lo = (uint32_t)iova;
	a->hi = (uint16_t)(iova >> 32);
	a->reserved = 0;
}

static inline uint64_t ena_mem_addr_get(const struct ena_mem_addr *a)
{
	return ((uint64_t)a->hi << 32) | a->lo;
}

#define ENA_AQ_ENTRY_SIZE 64
#define ENA_ACQ_ENTRY_SIZE 64
#define ENA_AENQ_ENTRY_SIZE 64
#define ENA_RSS_KEY_PARTS 10
#define ENA_RSS_KEY_SIZE (ENA_RSS_KEY_PARTS * 4)
#define ENA_RSS_PROTO_NUM 16
#define ENA_CUSTOMER_METRICS_SUPPORT_MASK 0x3Fu
#define ENA_CUSTOMER_METRICS_MIN_SUPPORT_MASK 0x1Fu
#define ENA_CUSTOMER_METRICS_BUF_SIZE 512
#define ENA_HOST_INFO_PAGE_SIZE 4096
#define ENA_SPEC_VERSION 0x0200 /* ena_common_defs.h: major 2, minor 0 */

enum ena_admin_opcode {
	ENA_ADMIN_CREATE_SQ = 1,
	ENA_ADMIN_DESTROY_SQ = 2,
	ENA_ADMIN_CREATE_CQ = 3,
	ENA_ADMIN_DESTROY_CQ = 4,
	ENA_ADMIN_GET_FEATURE = 8,
	ENA_ADMIN_SET_FEATURE = 9,
	ENA_ADMIN_GET_STATS = 11,
};

enum ena_admin_status {
	ENA_ADMIN_SUCCESS = 0,
	ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE = 1,
	ENA_ADMIN_BAD_OPCODE = 2,
	ENA_ADMIN_UNSUPPORTED_OPCODE = 3,
	ENA_ADMIN_MALFORMED_REQUEST = 4,
	ENA_ADMIN_ILLEGAL_PARAMETER = 5,
	ENA_ADMIN_UNKNOWN_ERROR = 6,
	ENA_ADMIN_RESOURCE_BUSY = 7,
	ENA_ADMIN_STATUS__COUNT,
};

enum ena_feature_id {
	ENA_FEAT_DEVICE_ATTRIBUTES = 1,
	ENA_FEAT_MAX_QUEUES_NUM = 2,
	ENA_FEAT_HW_HINTS = 3,
	ENA_FEAT_LLQ = 4,
	ENA_FEAT_EXTRA_PROPERTIES_STRINGS = 5,
	ENA_FEAT_EXTRA_PROPERTIES_FLAGS = 6,
	ENA_FEAT_MAX_QUEUES_EXT = 7,
	ENA_FEAT_FRAG_BYPASS = 8,
	ENA_FEAT_RSS_HASH_FUNCTION = 10,
	ENA_FEAT_STATELESS_OFFLOAD_CONFIG = 11,
	ENA_FEAT_RSS_INDIRECTION_TABLE_CONFIG = 12,
	ENA_FEAT_MTU = 14,
	ENA_FEAT_RSS_HASH_INPUT = 18,
	ENA_FEAT_INTERRUPT_MODERATION = 20,
	ENA_FEAT_AENQ_CONFIG = 26,
	ENA_FEAT_LINK_CONFIG = 27,
	ENA_FEAT_HOST_ATTR_CONFIG = 28,
	ENA_FEAT_PHC_CONFIG = 29,
	ENA_FEAT_FLOW_STEERING_CONFIG = 30,
	ENA_FEAT_HW_TIMESTAMP = 31,
	ENA_FEAT__COUNT = 32,
};

#define ENA_FEAT_BIT(id) (1u << (id))

/* DEVICE_ATTRIBUTES capabilities bits. */
enum ena_capability {
	ENA_CAP_ENI_STATS = 0,
	ENA_CAP_ENA_SRD_INFO = 1,
	ENA_CAP_CUSTOMER_METRICS = 2,
	ENA_CAP_EXTENDED_RESET_REASONS = 3,
	ENA_CAP_CDESC_MBZ = 4,
};

#define ENA_MAX_QUEUES_EXT_VERSION 1
#define ENA_LLQ_FEATURE_VERSION_1 1
#define ENA_RSS_FEATURE_VERSION_1 1

enum ena_sq_direction {
	ENA_SQ_DIRECTION_TX = 1,
	ENA_SQ_DIRECTION_RX = 2,
};

enum ena_placement_policy {
	ENA_PLACEMENT_HOST = 1,
	ENA_PLACEMENT_DEV = 3,
};

enum ena_completion_policy {
	ENA_COMPLETION_POLICY_DESC = 0,
	ENA_COMPLETION_POLICY_DESC_ON_DEMAND = 1,
	ENA_COMPLETION_POLICY_HEAD_ON_DEMAND = 2,
	ENA_COMPLETION_POLICY_HEAD = 3,
};

enum ena_stats_type {
	ENA_STATS_BASIC = 0,
	ENA_STATS_EXTENDED = 1,
	ENA_STATS_ENI = 2,
	ENA_STATS_ENA_SRD = 3,
	ENA_STATS_CUSTOMER_METRICS = 4,
};

enum ena_customer_metric_id {
	ENA_METRIC_BW_IN_ALLOWANCE_EXCEEDED = 0,
	ENA_METRIC_BW_OUT_ALLOWANCE_EXCEEDED = 1,
	ENA_METRIC_PPS_ALLOWANCE_EXCEEDED = 2,
	ENA_METRIC_CONNTRACK_ALLOWANCE_EXCEEDED = 3,
	ENA_METRIC_LINKLOCAL_ALLOWANCE_EXCEEDED = 4,
	ENA_METRIC_CONNTRACK_ALLOWANCE_AVAILABLE = 5,
	ENA_METRIC__COUNT,
};

/* ---- admin submission / completion entries ---- */

/* ena_admin_aq_common_desc */
struct ena_aq_common {
	uint16_t command_id; /* 11:0 used */
	uint8_t opcode;
	uint8_t flags;
};
#define ENA_AQ_COMMAND_ID_MASK 0x0fffu
#define ENA_AQ_FLAGS_PHASE 0x1u
#define ENA_AQ_FLAGS_CTRL_DATA 0x2u
#define ENA_AQ_FLAGS_CTRL_DATA_INDIRECT 0x4u

/* ena_admin_ctrl_buff_info */
struct ena_ctrl_buff {
	uint32_t length;
	struct ena_mem_addr address;
};

/* ena_admin_aq_entry */
struct ena_aq_entry {
	struct ena_aq_common common;
	union {
		uint32_t inline_w1[3];
		struct ena_ctrl_buff control_buffer;
	} u;
	uint32_t inline_w4[12];
};
_Static_assert(sizeof(struct ena_aq_entry) == ENA_AQ_ENTRY_SIZE, "aq entry");

/* ena_admin_acq_common_desc */
struct ena_acq_common {
	uint16_t command; /* 11:0 command id */
	uint8_t status;
	uint8_t flags; /* bit 0 phase */
	uint16_t extended_status;
	uint16_t sq_head_indx;
};
#define ENA_ACQ_FLAGS_PHASE 0x1u

/* ena_admin_acq_entry */
struct ena_acq_entry {
	struct ena_acq_common common;
	uint32_t data[14];
};
_Static_assert(sizeof(struct ena_acq_entry) == ENA_ACQ_ENTRY_SIZE, "acq entry");

/* ---- queue management commands ---- */

#define ENA_SQ_IDENTITY_DIRECTION_SHIFT 5
#define ENA_SQ_IDENTITY_DIRECTION_MASK 0xe0u
#define ENA_SQ_CAPS2_PLACEMENT_MASK 0x0fu
#define ENA_SQ_CAPS2_COMPLETION_SHIFT 4
#define ENA_SQ_CAPS2_COMPLETION_MASK 0x70u
#define ENA_SQ_CAPS3_PHYS_CONTIGUOUS 0x1u

/* ena_admin_aq_create_sq_cmd */
struct ena_aq_create_sq {
	struct ena_aq_common common;
	uint8_t sq_identity;
	uint8_t reserved8_w1;
	uint8_t sq_caps_2;
	uint8_t sq_caps_3;
	uint16_t cq_idx;
	uint16_t sq_depth;
	struct ena_mem_addr sq_ba;
	struct ena_mem_addr sq_head_writeback;
	uint32_t reserved0_w7;
	uint32_t reserved0_w8;
};
_Static_assert(sizeof(struct ena_aq_create_sq) == 36, "create sq");

/* ena_admin_acq_create_sq_resp_desc */
struct ena_acq_create_sq_resp {
	struct ena_acq_common common;
	uint16_t sq_idx;
	uint16_t reserved;
	uint32_t sq_doorbell_offset;
	uint32_t llq_descriptors_offset;
	uint32_t llq_headers_offset;
};
_Static_assert(sizeof(struct ena_acq_create_sq_resp) == 24, "create sq resp");

/* ena_admin_sq + ena_admin_aq_destroy_sq_cmd */
struct ena_aq_destroy_sq {
	struct ena_aq_common common;
	uint16_t sq_idx;
	uint8_t sq_identity;
	uint8_t reserved1;
};
_Static_assert(sizeof(struct ena_aq_destroy_sq) == 8, "destroy sq");

#define ENA_CQ_CAPS1_INTERRUPT_MODE_ENABLED 0x20u
#define ENA_CQ_CAPS2_ENTRY_SIZE_WORDS_MASK 0x1fu
#define ENA_MSIX_VECTOR_NONE 0xffffffffu

/* ena_admin_aq_create_cq_cmd */
struct ena_aq_create_cq {
	struct ena_aq_common common;
	uint8_t cq_caps_1;
	uint8_t cq_caps_2;
	uint16_t cq_depth;
	uint32_t msix_vector;
	struct ena_mem_addr cq_ba;
};
_Static_assert(sizeof(struct ena_aq_create_cq) == 20, "create cq");

/* ena_admin_acq_create_cq_resp_desc */
struct ena_acq_create_cq_resp {
	struct ena_acq_common common;
	uint16_t cq_idx;
	uint16_t cq_actual_depth;
	uint32_t numa_node_register_offset;
	uint32_t cq_head_db_register_offset;
	uint32_t cq_interrupt_unmask_register_offset;
};
_Static_assert(sizeof(struct ena_acq_create_cq_resp) == 24, "create cq resp");

/* ena_admin_aq_destroy_cq_cmd */
struct ena_aq_destroy_cq {
	struct ena_aq_common common;
	uint16_t cq_idx;
	uint16_t reserved1;
};
_Static_assert(sizeof(struct ena_aq_destroy_cq) == 8, "destroy cq");

/* ---- statistics ---- */

/* ena_admin_aq_get_stats_cmd */
struct ena_aq_get_stats {
	struct ena_aq_common common;
	union {
		uint32_t inline_w1[3];
		struct ena_ctrl_buff control_buffer;
	} u;
	uint8_t type;
	uint8_t scope;
	uint16_t reserved3;
	uint16_t queue_idx;
	uint16_t device_id;
	uint64_t requested_metrics;
};
_Static_assert(sizeof(struct ena_aq_get_stats) == 32, "get stats");

/* ena_admin_basic_stats */
struct ena_basic_stats_wire {
	uint32_t tx_bytes_low, tx_bytes_high;
	uint32_t tx_pkts_low, tx_pkts_high;
	uint32_t rx_bytes_low, rx_bytes_high;
	uint32_t rx_pkts_low, rx_pkts_high;
	uint32_t rx_drops_low, rx_drops_high;
	uint32_t tx_drops_low, tx_drops_high;
	uint32_t rx_overruns_low, rx_overruns_high;
};
_Static_assert(sizeof(struct ena_basic_stats_wire) == 56, "basic stats");

/* ena_admin_eni_stats */
struct ena_eni_stats_wire {
	uint64_t bw_in_allowance_exceeded;
	uint64_t bw_out_allowance_exceeded;
	uint64_t pps_allowance_exceeded;
	uint64_t conntrack_allowance_exceeded;
	uint64_t linklocal_allowance_exceeded;
};
_Static_assert(sizeof(struct ena_eni_stats_wire) == 40, "eni stats");

/* ena_admin_ena_srd_info */
struct ena_srd_info_wire {
	uint64_t flags;
	uint64_t ena_srd_tx_pkts;
	uint64_t ena_srd_eligible_tx_pkts;
	uint64_t ena_srd_rx_pkts;
	uint64_t ena_srd_resource_utilization;
};
_Static_assert(sizeof(struct ena_srd_info_wire) == 40, "srd info");

/* ena_admin_acq_get_stats_resp */
struct ena_acq_get_stats_resp {
	struct ena_acq_common common;
	union {
		uint64_t raw[7];
		struct ena_basic_stats_wire basic;
		struct ena_eni_stats_wire eni;
		struct ena_srd_info_wire srd;
		uint64_t reported_metrics; /* customer metrics support query */
	} u;
};
_Static_assert(sizeof(struct ena_acq_get_stats_resp) == 64, "get stats resp");

/* ---- GET_FEATURE / SET_FEATURE ---- */

/* ena_admin_get_set_feature_common_desc */
struct ena_feat_common {
	uint8_t flags; /* 1:0 select */
	uint8_t feature_id;
	uint8_t feature_version;
	uint8_t reserved8;
};

/* ena_admin_device_attr_feature_desc */
struct ena_feat_dev_attr {
	uint32_t impl_id;
	uint32_t device_version;
	uint32_t supported_features;
	uint32_t capabilities;
	uint32_t phys_addr_width;
	uint32_t virt_addr_width;
	uint8_t mac_addr[6];
	uint16_t flow_steering_max_entries;
	uint32_t max_mtu;
};
_Static_assert(sizeof(struct ena_feat_dev_attr) == 36, "dev attr");

enum ena_llq_header_location { ENA_LLQ_HEADER_INLINE = 1, ENA_LLQ_HEADER_RING = 2 };
enum ena_llq_entry_size {
	ENA_LLQ_ENTRY_SIZE_128B = 1,
	ENA_LLQ_ENTRY_SIZE_192B = 2,
	ENA_LLQ_ENTRY_SIZE_256B = 4,
};
enum ena_llq_descs_before_header {
	ENA_LLQ_DESCS_BEFORE_HEADER_0 = 0,
	ENA_LLQ_DESCS_BEFORE_HEADER_1 = 1,
	ENA_LLQ_DESCS_BEFORE_HEADER_2 = 2,
	ENA_LLQ_DESCS_BEFORE_HEADER_4 = 4,
	ENA_LLQ_DESCS_BEFORE_HEADER_8 = 8,
};
enum ena_llq_stride {
	ENA_LLQ_SINGLE_DESC_PER_ENTRY = 1,
	ENA_LLQ_MULTIPLE_DESCS_PER_ENTRY = 2,
};
/* accel_mode flag bits (ena_admin_accel_mode_feat). */
#define ENA_LLQ_ACCEL_DISABLE_META_CACHING 0x1u
#define ENA_LLQ_ACCEL_LIMIT_TX_BURST 0x2u

/* ena_admin_feature_llq_desc */
struct ena_feat_llq {
	uint32_t max_llq_num;
	uint32_t max_llq_depth;
	uint16_t header_location_ctrl_supported;
	uint16_t header_location_ctrl_enabled;
	uint16_t entry_size_ctrl_supported;
	uint16_t entry_size_ctrl_enabled;
	uint16_t desc_num_before_header_supported;
	uint16_t desc_num_before_header_enabled;
	uint16_t descriptors_stride_ctrl_supported;
	uint16_t descriptors_stride_ctrl_enabled;
	uint8_t feature_version;
	uint8_t entry_size_recommended;
	uint16_t max_wide_llq_depth;
	union {
		struct {
			uint16_t supported_flags;
			uint16_t max_tx_burst_size;
		} get;
		struct {
			uint16_t enabled_flags;
			uint16_t reserved;
		} set;
		uint32_t raw[2];
	} accel_mode;
};
_Static_assert(sizeof(struct ena_feat_llq) == 36, "llq");

/* ena_admin_queue_ext_feature_fields wrapped in ena_admin_queue_ext_feature_desc */
struct ena_feat_max_queues_ext {
	uint8_t version;
	uint8_t reserved1[3];
	uint32_t max_tx_sq_num;
	uint32_t max_tx_cq_num;
	uint32_t max_rx_sq_num;
	uint32_t max_rx_cq_num;
	uint32_t max_tx_sq_depth;
	uint32_t max_tx_cq_depth;
	uint32_t max_rx_sq_depth;
	uint32_t max_rx_cq_depth;
	uint32_t max_tx_header_size;
	uint16_t max_per_packet_tx_descs;
	uint16_t max_per_packet_rx_descs;
};
_Static_assert(sizeof(struct ena_feat_max_queues_ext) == 44, "max queues ext");

/* ena_admin_queue_feature_desc (legacy MAX_QUEUES_NUM) */
struct ena_feat_max_queues {
	uint32_t max_sq_num;
	uint32_t max_sq_depth;
	uint32_t max_cq_num;
	uint32_t max_cq_depth;
	uint32_t max_legacy_llq_num;
	uint32_t max_legacy_llq_depth;
	uint32_t max_header_size;
	uint16_t max_packet_tx_descs;
	uint16_t max_packet_rx_descs;
};
_Static_assert(sizeof(struct ena_feat_max_queues) == 32, "max queues");

/* ena_admin_ena_hw_hints; value 0 = keep driver default */
struct ena_hw_hints {
	uint16_t mmio_read_timeout;             /* ms */
	uint16_t driver_watchdog_timeout;       /* ms, 0xffff = off */
	uint16_t missing_tx_completion_timeout; /* ms, 0xffff = off */
	uint16_t missed_tx_completion_count_threshold_to_reset;
	uint16_t admin_completion_tx_timeout;   /* ms */
	uint16_t netdev_wd_timeout;             /* ms */
	uint16_t max_tx_sgl_size;
	uint16_t max_rx_sgl_size;
	uint16_t reserved[8];
};
_Static_assert(sizeof(struct ena_hw_hints) == 32, "hw hints");
#define ENA_HW_HINTS_NO_TIMEOUT 0xffffu

/* ena_admin_feature_offload_desc */
struct ena_feat_offload {
	uint32_t tx;
	uint32_t rx_supported;
	uint32_t rx_enabled;
};
_Static_assert(sizeof(struct ena_feat_offload) == 12, "offload");
#define ENA_OFFLOAD_TX_L3_CSUM_IPV4 0x01u
#define ENA_OFFLOAD_TX_L4_IPV4_CSUM_PART 0x02u
#define ENA_OFFLOAD_TX_L4_IPV4_CSUM_FULL 0x04u
#define ENA_OFFLOAD_TX_L4_IPV6_CSUM_PART 0x08u
#define ENA_OFFLOAD_TX_L4_IPV6_CSUM_FULL 0x10u
#define ENA_OFFLOAD_TX_TSO_IPV4 0x20u
#define ENA_OFFLOAD_TX_TSO_IPV6 0x40u
#define ENA_OFFLOAD_TX_TSO_ECN 0x80u
#define ENA_OFFLOAD_RX_L3_CSUM_IPV4 0x01u
#define ENA_OFFLOAD_RX_L4_IPV4_CSUM 0x02u
#define ENA_OFFLOAD_RX_L4_IPV6_CSUM 0x04u
#define ENA_OFFLOAD_RX_HASH 0x08u

enum ena_hash_function { ENA_HASH_TOEPLITZ = 1, ENA_HASH_CRC32 = 2 };

/* ena_admin_feature_rss_flow_hash_function; funcs are bitmasks of 1 << func */
struct ena_feat_rss_hash_function {
	uint32_t supported_func; /* 7:0 */
	uint32_t selected_func;  /* 7:0 */
	uint32_t init_val;
};
_Static_assert(sizeof(struct ena_feat_rss_hash_function) == 12, "hash function");

/* ena_admin_feature_rss_flow_hash_control: control buffer of RSS_HASH_FUNCTION */
struct ena_rss_hash_key {
	uint32_t key_parts;
	uint32_t reserved;
	uint32_t key[ENA_RSS_KEY_PARTS];
};
_Static_assert(sizeof(struct ena_rss_hash_key) == 48, "hash key");

enum ena_rss_proto {
	ENA_RSS_TCP4 = 0,
	ENA_RSS_UDP4 = 1,
	ENA_RSS_TCP6 = 2,
	ENA_RSS_UDP6 = 3,
	ENA_RSS_IP4 = 4,
	ENA_RSS_IP6 = 5,
	ENA_RSS_IP4_FRAG = 6,
	ENA_RSS_NOT_IP = 7,
	ENA_RSS_TCP6_EX = 8,
	ENA_RSS_IP6_EX = 9,
};
#define ENA_RSS_L2_DA 0x01u
#define ENA_RSS_L2_SA 0x02u
#define ENA_RSS_L3_DA 0x04u
#define ENA_RSS_L3_SA 0x08u
#define ENA_RSS_L4_DP 0x10u
#define ENA_RSS_L4_SP 0x20u

/* ena_admin_feature_rss_flow_hash_input */
struct ena_feat_rss_hash_input {
	uint16_t supported_input_sort;
	uint16_t enabled_input_sort;
};
#define ENA_RSS_INPUT_L3_SORT 0x2u
#define ENA_RSS_INPUT_L4_SORT 0x4u

/* ena_admin_feature_rss_hash_control: control buffer of RSS_HASH_INPUT */
struct ena_rss_hash_control {
	struct { uint16_t fields; uint16_t reserved; } supported_fields[ENA_RSS_PROTO_NUM];
	struct { uint16_t fields; uint16_t reserved; } selected_fields[ENA_RSS_PROTO_NUM];
	uint32_t reserved2[ENA_RSS_PROTO_NUM];
	uint32_t reserved3[ENA_RSS_PROTO_NUM];
};
_Static_assert(sizeof(struct ena_rss_hash_control) == 256, "hash control");

/* ena_admin_rss_ind_table_entry: cq_idx carries the RX SQ index */
struct ena_rss_ind_entry {
	uint16_t cq_idx;
	uint16_t reserved;
};

/* ena_admin_feature_rss_ind_table */
struct ena_feat_rss_ind_table {
	uint16_t min_size; /* log2 */
	uint16_t max_size; /* log2 */
	uint16_t size;     /* log2 */
	uint8_t flags;     /* bit 0 one_entry_update */
	uint8_t reserved;
	uint32_t inline_index;
	struct ena_rss_ind_entry inline_entry;
};
_Static_assert(sizeof(struct ena_feat_rss_ind_table) == 16, "ind table");
#define ENA_RSS_IND_INLINE_INDEX_NONE 0xffffffffu
#define ENA_RSS_IND_TABLE_LOG_MAX 16

/* ena_admin_set_feature_mtu_desc */
struct ena_feat_mtu { uint32_t mtu; };

/* ena_admin_feature_intr_moder_desc */
struct ena_feat_intr_moder {
	uint16_t intr_delay_resolution; /* us per unit; 0 = 1 */
	uint16_t reserved;
};

/* ena_admin_feature_aenq_desc */
struct ena_feat_aenq {
	uint32_t supported_groups;
	uint32_t enabled_groups;
};

/* ena_admin_get_feature_link_desc */
struct ena_feat_link {
	uint32_t speed; /* Mb/s */
	uint32_t supported;
	uint32_t flags; /* bit 0 autoneg, bit 1 duplex */
};

/* ena_admin_set_feature_host_attr_desc */
struct ena_feat_host_attr {
	struct ena_mem_addr os_info_ba;
	struct ena_mem_addr debug_ba;
	uint32_t debug_area_size;
};
_Static_assert(sizeof(struct ena_feat_host_attr) == 20, "host attr");

/* ena_admin_feature_frag_bypass_desc */
struct ena_feat_frag_bypass { uint8_t enable; uint8_t reserved[3]; };

/* ena_admin_feature_hw_ts_desc */
struct ena_feat_hw_ts { uint8_t version; uint8_t tx; uint8_t rx; };

/* ena_admin_get_feat_cmd / ena_admin_set_feat_cmd */
struct ena_aq_feature {
	struct ena_aq_common common;
	struct ena_ctrl_buff control_buffer;
	struct ena_feat_common feat_common;
	union {
		uint32_t raw[11];
		struct ena_feat_mtu mtu;
		struct ena_feat_host_attr host_attr;
		struct ena_feat_aenq aenq;
		struct ena_feat_rss_hash_function hash_func;
		struct ena_feat_rss_hash_input hash_input;
		struct ena_feat_rss_ind_table ind_table;
		struct ena_feat_llq llq;
		struct ena_feat_frag_bypass frag_bypass;
		struct ena_feat_hw_ts hw_ts;
	} u;
};
_Static_assert(sizeof(struct ena_aq_feature) == 64, "feature cmd");
_Static_assert(__builtin_offsetof(struct ena_aq_feature, u) == 20, "feature payload");

/* ena_admin_get_feat_resp */
struct ena_acq_get_feature_resp {
	struct ena_acq_common common;
	union {
		uint32_t raw[14];
		struct ena_feat_dev_attr dev_attr;
		struct ena_feat_llq llq;
		struct ena_feat_max_queues max_queues;
		struct ena_feat_max_queues_ext max_queues_ext;
		struct ena_feat_aenq aenq;
		struct ena_feat_link link;
		struct ena_feat_offload offload;
		struct ena_feat_rss_hash_function hash_func;
		struct ena_feat_rss_hash_input hash_input;
		struct ena_feat_rss_ind_table ind_table;
		struct ena_feat_intr_moder intr_moder;
		struct ena_hw_hints hw_hints;
		struct ena_feat_hw_ts hw_ts;
	} u;
};
_Static_assert(sizeof(struct ena_acq_get_feature_resp) == 64, "get feature resp");

/* ---- host info page (ena_admin_host_info) ---- */

enum ena_os_type { ENA_OS_LINUX = 1, ENA_OS_WIN = 2, ENA_OS_DPDK = 3, ENA_OS_FREEBSD = 4, ENA_OS_IPXE = 5, ENA_OS_ESXI = 6 };

struct ena_host_info {
	uint32_t os_type;
	uint8_t os_dist_str[128];
	uint32_t os_dist;
	uint8_t kernel_ver_str[32];
	uint32_t kernel_ver;
	uint32_t driver_version; /* major 7:0, minor 15:8, sub 23:16, module type 31:24 */
	uint32_t supported_network_features[2];
	uint16_t ena_spec_version;
	uint16_t bdf; /* function 2:0, device 7:3, bus 15:8 */
	uint16_t num_cpus;
	uint16_t reserved;
	uint32_t driver_supported_features;
};
_Static_assert(sizeof(struct ena_host_info) == 196, "host info");
#define ENA_HOST_INFO_MINOR_SHIFT 8
#define ENA_HOST_INFO_SUB_MINOR_SHIFT 16
#define ENA_HOST_INFO_MODULE_TYPE_SHIFT 24
#define ENA_HOST_INFO_DEVICE_SHIFT 3
#define ENA_HOST_INFO_BUS_SHIFT 8
/* driver_supported_features bits */
#define ENA_HOST_FEAT_RX_OFFSET 0x002u
#define ENA_HOST_FEAT_INTERRUPT_MODERATION 0x004u
#define ENA_HOST_FEAT_RX_BUF_MIRRORING 0x008u
#define ENA_HOST_FEAT_RSS_CONFIGURABLE_FUNCTION_KEY 0x010u
#define ENA_HOST_FEAT_RX_PAGE_REUSE 0x040u
#define ENA_HOST_FEAT_TX_IPV6_CSUM_OFFLOAD 0x080u
#define ENA_HOST_FEAT_PHC 0x100u
#define ENA_HOST_FEAT_DEBUG_AREA_EXT 0x200u

/* ---- AENQ ---- */

enum ena_aenq_group {
	ENA_AENQ_LINK_CHANGE = 0,
	ENA_AENQ_FATAL_ERROR = 1,
	ENA_AENQ_WARNING = 2,
	ENA_AENQ_NOTIFICATION = 3,
	ENA_AENQ_KEEP_ALIVE = 4,
	ENA_AENQ_REFRESH_CAPABILITIES = 5,
	ENA_AENQ_CONF_NOTIFICATIONS = 6,
	ENA_AENQ_DEVICE_REQUEST_RESET = 7,
	ENA_AENQ_GROUPS_NUM = 8,
};
/* Groups the Linux and FreeBSD drivers enable (masked with supported). */
#define ENA_AENQ_GROUPS_DEFAULT 0xDFu

enum ena_aenq_notification_syndrome { ENA_AENQ_SYNDROME_UPDATE_HINTS = 2 };

/* ena_admin_aenq_common_desc */
struct ena_aenq_common {
	uint16_t group;
	uint16_t syndrome;
	uint8_t flags; /* bit 0 phase */
	uint8_t reserved1[3];
	uint32_t timestamp_low;
	uint32_t timestamp_high;
};
#define ENA_AENQ_FLAGS_PHASE 0x1u

/* ena_admin_aenq_entry */
struct ena_aenq_entry {
	struct ena_aenq_common common;
	uint32_t data[12];
};
_Static_assert(sizeof(struct ena_aenq_entry) == ENA_AENQ_ENTRY_SIZE, "aenq entry");

/* ena_admin_aenq_link_change_desc */
struct ena_aenq_link_change {
	struct ena_aenq_common common;
	uint32_t flags; /* bit 0 link up */
};
#define ENA_AENQ_LINK_STATUS_UP 0x1u

/* ena_admin_aenq_keep_alive_desc */
struct ena_aenq_keep_alive {
	struct ena_aenq_common common;
	uint32_t rx_drops_low, rx_drops_high;
	uint32_t tx_drops_low, tx_drops_high;
	uint32_t rx_overruns_low, rx_overruns_high;
};
_Static_assert(sizeof(struct ena_aenq_keep_alive) == 40, "keep alive");

/* ena_admin_aenq_conf_notifications_desc */
struct ena_aenq_conf_notifications {
	struct ena_aenq_common common;
	uint64_t notifications_bitmap;
	uint64_t reserved;
};
_Static_assert(sizeof(struct ena_aenq_conf_notifications) == 32, "conf notif");

#endif /* ENA_ADMIN_H */
