/* SPDX-License-Identifier: MIT */
/* ENA BAR0 register map and reset reasons (facts from ena_regs_defs.h). */
#ifndef ENA_REGS_H
#define ENA_REGS_H

#include <stdint.h>

/* Why the driver resets the device; written into DEV_CTL (ena_regs_defs.h). */
enum ena_reset_reason {
	ENA_RESET_NORMAL = 0,
	ENA_RESET_KEEP_ALIVE_TO = 1,
	ENA_RESET_ADMIN_TO = 2,
	ENA_RESET_MISS_TX_CMPL = 3,
	ENA_RESET_INV_RX_REQ_ID = 4,
	ENA_RESET_INV_TX_REQ_ID = 5,
	ENA_RESET_TOO_MANY_RX_DESCS = 6,
	ENA_RESET_INIT_ERR = 7,
	ENA_RESET_DRIVER_INVALID_STATE = 8,
	ENA_RESET_OS_TRIGGER = 9,
	ENA_RESET_OS_NETDEV_WD = 10,
	ENA_RESET_SHUTDOWN = 11,
	ENA_RESET_USER_TRIGGER = 12,
	ENA_RESET_GENERIC = 13,
	ENA_RESET_MISS_INTERRUPT = 14,
	ENA_RESET_SUSPECTED_POLL_STARVATION = 15,
	ENA_RESET_RX_DESCRIPTOR_MALFORMED = 16,
	ENA_RESET_TX_DESCRIPTOR_MALFORMED = 17,
	ENA_RESET_MISSING_ADMIN_INTERRUPT = 18,
	ENA_RESET_DEVICE_REQUEST = 19,
	ENA_RESET_MISS_FIRST_INTERRUPT = 20,
	ENA_RESET__COUNT,
};

/* BAR indices the drivers use. */
#define ENA_REG_BAR 0
#define ENA_MEM_BAR 2

/* BAR0 register offsets (ena_regs_defs.h). */
#define ENA_REG_VERSION            0x00
#define ENA_REG_CONTROLLER_VERSION 0x04
#define ENA_REG_CAPS               0x08
#define ENA_REG_CAPS_EXT           0x0c
#define ENA_REG_AQ_BASE_LO         0x10
#define ENA_REG_AQ_BASE_HI         0x14
#define ENA_REG_AQ_CAPS            0x18
#define ENA_REG_ACQ_BASE_LO        0x20
#define ENA_REG_ACQ_BASE_HI        0x24
#define ENA_REG_ACQ_CAPS           0x28
#define ENA_REG_AQ_DB              0x2c
#define ENA_REG_ACQ_TAIL           0x30
#define ENA_REG_AENQ_CAPS          0x34
#define ENA_REG_AENQ_BASE_LO       0x38
#define ENA_REG_AENQ_BASE_HI       0x3c
#define ENA_REG_AENQ_HEAD_DB       0x40
#define ENA_REG_AENQ_TAIL          0x44
#define ENA_REG_INTR_MASK          0x4c
#define ENA_REG_DEV_CTL            0x54
#define ENA_REG_DEV_STS            0x58
#define ENA_REG_MMIO_REG_READ      0x5c
#define ENA_REG_MMIO_RESP_LO       0x60
#define ENA_REG_MMIO_RESP_HI       0x64
#define ENA_REG_RSS_IND_ENTRY_UPDATE 0x68
#define ENA_REG_PHC_DB             0x100

/* VERSION */
#define ENA_VERSION_MINOR_MASK 0xffu
#define ENA_VERSION_MAJOR_SHIFT 8
#define ENA_VERSION_MAJOR_MASK 0xff00u

/* CONTROLLER_VERSION */
#define ENA_CTRL_VERSION_SUBMINOR_MASK 0xffu
#define ENA_CTRL_VERSION_MINOR_SHIFT 8
#define ENA_CTRL_VERSION_MINOR_MASK 0xff00u
#define ENA_CTRL_VERSION_MAJOR_SHIFT 16
#define ENA_CTRL_VERSION_MAJOR_MASK 0xff0000u
#define ENA_CTRL_VERSION_IMPL_ID_SHIFT 24
#define ENA_CTRL_VERSION_IMPL_ID_MASK 0xff000000u
/* The drivers refuse controllers older than 0.0.1 (major<<16|minor<<8|sub). */
#define ENA_CTRL_VERSION_MIN 0x000001u

/* CAPS */
#define ENA_CAPS_CONTIGUOUS_QUEUE_REQUIRED 0x1u
#define ENA_CAPS_RESET_TIMEOUT_SHIFT 1
#define ENA_CAPS_RESET_TIMEOUT_MASK 0x3eu       /* units of 100 ms */
#define ENA_CAPS_DMA_ADDR_WIDTH_SHIFT 8
#define ENA_CAPS_DMA_ADDR_WIDTH_MASK 0xff00u
#define ENA_CAPS_ADMIN_CMD_TO_SHIFT 16
#define ENA_CAPS_ADMIN_CMD_TO_MASK 0xf0000u     /* units of 100 ms, 0 = default */
#define ENA_DMA_ADDR_WIDTH_MIN 32
#define ENA_DMA_ADDR_WIDTH_MAX 48

/* AQ_CAPS / ACQ_CAPS / AENQ_CAPS: depth in 15:0, entry size in 31:16 */
#define ENA_QCAPS_DEPTH_MASK 0xffffu
#define ENA_QCAPS_ENTRY_SIZE_SHIFT 16
#define ENA_QCAPS_ENTRY_SIZE_MASK 0xffff0000u

/* INTR_MASK: bit 0 masks the admin/AENQ interrupt (polling mode). */
#define ENA_INTR_MASK_ADMIN 0x1u

/* DEV_CTL */
#define ENA_DEV_CTL_DEV_RESET 0x1u
#define ENA_DEV_CTL_AQ_RESTART 0x2u
#define ENA_DEV_CTL_QUIESCENT 0x4u
#define ENA_DEV_CTL_IO_RESUME 0x8u
#define ENA_DEV_CTL_RESET_REASON_EXT_SHIFT 24
#define ENA_DEV_CTL_RESET_REASON_EXT_MASK 0x0f000000u
#define ENA_DEV_CTL_RESET_REASON_SHIFT 28
#define ENA_DEV_CTL_RESET_REASON_MASK 0xf0000000u

/* DEV_STS */
#define ENA_DEV_STS_READY 0x1u
#define ENA_DEV_STS_AQ_RESTART_IN_PROGRESS 0x2u
#define ENA_DEV_STS_AQ_RESTART_FINISHED 0x4u
#define ENA_DEV_STS_RESET_IN_PROGRESS 0x8u
#define ENA_DEV_STS_RESET_FINISHED 0x10u
#define ENA_DEV_STS_FATAL_ERROR 0x20u
#define ENA_DEV_STS_QUIESCENT_IN_PROGRESS 0x40u
#define ENA_DEV_STS_QUIESCENT_ACHIEVED 0x80u

/* MMIO_REG_READ: request id in 15:0, register offset in 31:16 */
#define ENA_MMIO_REG_READ_REQ_ID_MASK 0xffffu
#define ENA_MMIO_REG_READ_REG_OFF_SHIFT 16
#define ENA_MMIO_REG_READ_REG_OFF_MASK 0xffff0000u
/* Value a readless read returns when the device did not answer. */
#define ENA_MMIO_READ_TIMEOUT 0xffffffffu

/* Readless response the device DMA-writes (ena_admin_defs.h
 * ena_admin_ena_mmio_req_read_less_resp). req_id is written last. */
struct ena_mmio_read_resp {
	uint16_t req_id;
	uint16_t reg_off;
	uint32_t reg_val;
};
_Static_assert(sizeof(struct ena_mmio_read_resp) == 8, "mmio read resp");

/* PCI identity (ena_pci_id_tbl.h). */
#define ENA_PCI_VENDOR_AMAZON 0x1d0f
#define ENA_PCI_DEVICE_PF 0x0ec2
#define ENA_PCI_DEVICE_LLQ_PF 0x1ec2
#define ENA_PCI_DEVICE_VF 0xec20
#define ENA_PCI_DEVICE_LLQ_VF 0xec21
/* PCI revision bit 0: 1 = readless MMIO disabled, read registers directly. */
#define ENA_PCI_REVISION_MMIO_READ_DISABLED 0x1

/* Reference driver defaults (ena_com.h). */
#define ENA_ADMIN_QUEUE_DEPTH 32
#define ENA_AENQ_QUEUE_DEPTH 16
#define ENA_ADMIN_TIMEOUT_DEFAULT_US 3000000u
#define ENA_MMIO_READ_TIMEOUT_DEFAULT_US 200000u
#define ENA_MAX_IO_QUEUE_PAIRS 128

#endif /* ENA_REGS_H */
