/* SPDX-License-Identifier: MIT */
/* ENA IO queue descriptor and register formats (facts from ena_eth_io_defs.h). */
#ifndef ENA_IO_H
#define ENA_IO_H

#include <stdint.h>

enum ena_l3_proto {
	ENA_L3_PROTO_UNKNOWN = 0,
	ENA_L3_PROTO_IPV4 = 8,
	ENA_L3_PROTO_IPV6 = 11,
	ENA_L3_PROTO_FCOE = 21,
	ENA_L3_PROTO_ROCE = 22,
};

enum ena_l4_proto {
	ENA_L4_PROTO_UNKNOWN = 0,
	ENA_L4_PROTO_TCP = 12,
	ENA_L4_PROTO_UDP = 13,
	ENA_L4_PROTO_ROUTEABLE_ROCE = 23,
};

/* ena_eth_io_tx_desc (16 B) */
struct ena_tx_desc {
	uint32_t len_ctrl;
	uint32_t meta_ctrl;
	uint32_t buff_addr_lo;
	uint32_t buff_addr_hi_hdr_sz;
};
_Static_assert(sizeof(struct ena_tx_desc) == 16, "tx desc");

#define ENA_TX_DESC_LENGTH_MASK 0x0000ffffu
#define ENA_TX_DESC_REQ_ID_HI_SHIFT 16
#define ENA_TX_DESC_REQ_ID_HI_MASK 0x003f0000u
#define ENA_TX_DESC_META_DESC 0x00800000u
#define ENA_TX_DESC_PHASE_SHIFT 24
#define ENA_TX_DESC_PHASE 0x01000000u
#define ENA_TX_DESC_FIRST 0x04000000u
#define ENA_TX_DESC_LAST 0x08000000u
#define ENA_TX_DESC_COMP_REQ 0x10000000u
/* meta_ctrl */
#define ENA_TX_DESC_L3_PROTO_IDX_MASK 0x0000000fu
#define ENA_TX_DESC_DF 0x00000010u
#define ENA_TX_DESC_TSO_EN 0x00000080u
#define ENA_TX_DESC_L4_PROTO_IDX_SHIFT 8
#define ENA_TX_DESC_L4_PROTO_IDX_MASK 0x00001f00u
#define ENA_TX_DESC_L3_CSUM_EN 0x00002000u
#define ENA_TX_DESC_L4_CSUM_EN 0x00004000u
#define ENA_TX_DESC_ETHERNET_FCS_DIS 0x00008000u
#define ENA_TX_DESC_L4_CSUM_PARTIAL 0x00020000u
#define ENA_TX_DESC_REQ_ID_LO_SHIFT 22
#define ENA_TX_DESC_REQ_ID_LO_MASK 0xffc00000u
/* buff_addr_hi_hdr_sz */
#define ENA_TX_DESC_ADDR_HI_MASK 0x0000ffffu
#define ENA_TX_DESC_HEADER_LENGTH_SHIFT 24
#define ENA_TX_DESC_HEADER_LENGTH_MASK 0xff000000u

/* ena_eth_io_tx_meta_desc (16 B) */
struct ena_tx_meta_desc {
	uint32_t len_ctrl;
	uint32_t word1;
	uint32_t word2;
	uint32_t reserved;
};
_Static_assert(sizeof(struct ena_tx_meta_desc) == 16, "tx meta desc");

#define ENA_TX_META_EXT_VALID 0x00004000u
#define ENA_TX_META_MSS_HI_SHIFT 16
#define ENA_TX_META_MSS_HI_MASK 0x000f0000u
#define ENA_TX_META_ETH_META_TYPE 0x00100000u
#define ENA_TX_META_META_STORE 0x00200000u
#define ENA_TX_META_META_DESC 0x00800000u
#define ENA_TX_META_PHASE_SHIFT 24
#define ENA_TX_META_PHASE 0x01000000u
#define ENA_TX_META_FIRST 0x04000000u
#define ENA_TX_META_LAST 0x08000000u
#define ENA_TX_META_COMP_REQ 0x10000000u
/* word2 */
#define ENA_TX_META_L3_HDR_LEN_MASK 0x000000ffu
#define ENA_TX_META_L3_HDR_OFF_SHIFT 8
#define ENA_TX_META_L3_HDR_OFF_MASK 0x0000ff00u
#define ENA_TX_META_L4_HDR_LEN_WORDS_SHIFT 16
#define ENA_TX_META_L4_HDR_LEN_WORDS_MASK 0x003f0000u
#define ENA_TX_META_MSS_LO_SHIFT 22
#define ENA_TX_META_MSS_LO_MASK 0xffc00000u

/* ena_eth_io_tx_cdesc (8 B) */
struct ena_tx_cdesc {
	uint16_t req_id;
	uint8_t status;
	uint8_t flags; /* bit 0 phase, bits 7:6 MBZ */
	uint16_t sub_qid;
	uint16_t sq_head_idx;
};
_Static_assert(sizeof(struct ena_tx_cdesc) == 8, "tx cdesc");
#define ENA_TX_CDESC_PHASE 0x01u
#define ENA_TX_CDESC_MBZ6_MASK 0xc0u

/* ena_eth_io_tx_cdesc_ext (16 B) */
struct ena_tx_cdesc_ext {
	struct ena_tx_cdesc base;
	uint32_t timestamp_low;
	uint32_t timestamp_high;
};
_Static_assert(sizeof(struct ena_tx_cdesc_ext) == 16, "tx cdesc ext");

/* ena_eth_io_rx_desc (16 B) */
struct ena_rx_desc {
	uint16_t length; /* 0 = 64 KiB */
	uint8_t reserved2;
	uint8_t ctrl;
	uint16_t req_id;
	uint16_t reserved6;
	uint32_t buff_addr_lo;
	uint16_t buff_addr_hi;
	uint16_t reserved16_w3;
};
_Static_assert(sizeof(struct ena_rx_desc) == 16, "rx desc");
#define ENA_RX_DESC_PHASE 0x01u
#define ENA_RX_DESC_FIRST 0x04u
#define ENA_RX_DESC_LAST 0x08u
#define ENA_RX_DESC_COMP_REQ 0x10u

/* ena_eth_io_rx_cdesc_base (16 B) */
struct ena_rx_cdesc {
	uint32_t status;
	uint16_t length;
	uint16_t req_id;
	uint32_t hash;
	uint16_t sub_qid;
	uint8_t offset;
	uint8_t reserved;
};
_Static_assert(sizeof(struct ena_rx_cdesc) == 16, "rx cdesc");
#define ENA_RX_CDESC_L3_PROTO_IDX_MASK 0x0000001fu
#define ENA_RX_CDESC_SRC_VLAN_CNT_MASK 0x00000060u
#define ENA_RX_CDESC_MBZ7 0x00000080u
#define ENA_RX_CDESC_L4_PROTO_IDX_SHIFT 8
#define ENA_RX_CDESC_L4_PROTO_IDX_MASK 0x00001f00u
#define ENA_RX_CDESC_L3_CSUM_ERR 0x00002000u
#define ENA_RX_CDESC_L4_CSUM_ERR 0x00004000u
#define ENA_RX_CDESC_IPV4_FRAG 0x00008000u
#define ENA_RX_CDESC_L4_CSUM_CHECKED 0x00010000u
#define ENA_RX_CDESC_MBZ17 0x00020000u
#define ENA_RX_CDESC_PHASE_SHIFT 24
#define ENA_RX_CDESC_PHASE 0x01000000u
#define ENA_RX_CDESC_L3_CSUM2 0x02000000u
#define ENA_RX_CDESC_FIRST 0x04000000u
#define ENA_RX_CDESC_LAST 0x08000000u
#define ENA_RX_CDESC_BUFFER 0x40000000u

/* ena_eth_io_rx_cdesc_ext (32 B) */
struct ena_rx_cdesc_ext {
	struct ena_rx_cdesc base;
	uint32_t buff_addr_lo;
	uint16_t buff_addr_hi;
	uint16_t reserved16;
	uint32_t timestamp_low;
	uint32_t timestamp_high;
};
_Static_assert(sizeof(struct ena_rx_cdesc_ext) == 32, "rx cdesc ext");

/* ena_eth_io_intr_reg: written to the CQ unmask register */
#define ENA_INTR_REG_RX_DELAY_MASK 0x00007fffu
#define ENA_INTR_REG_TX_DELAY_SHIFT 15
#define ENA_INTR_REG_TX_DELAY_MASK 0x3fff8000u
#define ENA_INTR_REG_UNMASK 0x40000000u
#define ENA_INTR_REG_NO_MODERATION_UPDATE 0x80000000u

/* ena_eth_io_numa_node_cfg_reg */
#define ENA_NUMA_CFG_NODE_MASK 0x000000ffu
#define ENA_NUMA_CFG_ENABLED 0x80000000u

/* LLQ entry geometry the drivers negotiate: 2 descriptors before the header. */
#define ENA_LLQ_DESCS_BEFORE_HEADER 2
#define ENA_LLQ_ENTRY_SIZE_NORMAL 128
#define ENA_LLQ_ENTRY_SIZE_LARGE 256
#define ENA_LLQ_HEADER_MAX_NORMAL (ENA_LLQ_ENTRY_SIZE_NORMAL - 2 * 16)
#define ENA_LLQ_HEADER_MAX_LARGE (ENA_LLQ_ENTRY_SIZE_LARGE - 2 * 16)

/* Reference driver defaults (ena_netdev.h). */
#define ENA_DEFAULT_RING_SIZE 1024
#define ENA_MIN_RING_SIZE 256
#define ENA_MAX_SGL 19
#define ENA_MIN_MTU 128

#endif /* ENA_IO_H */
