/* SPDX-License-Identifier: MIT */
/* enasim device model: one emulated ENA PCI function (config space, BAR
 * layout, register file, readless MMIO, reset, interrupts, device state). */
#ifndef ENASIM_DEVICE_H
#define ENASIM_DEVICE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ena/admin.h"
#include "ena/regs.h"
#include "vfu_server.h"

/* ---- fixed BAR0 layout (the driver side relies on it) ---- */
#define SIM_BAR0_SIZE 0x10000u
#define SIM_REGS_SIZE 0x1000u           /* control registers, trapped */
#define SIM_MSIX_TABLE_OFF 0x2000u      /* trapped */
#define SIM_MSIX_PBA_OFF 0x4000u        /* trapped */
#define SIM_DB_AREA_OFF 0x8000u         /* mappable, memfd-backed */
#define SIM_DB_AREA_SIZE 0x8000u
#define SIM_SQ_DB_OFF 0x8000u           /* TX SQ i: +8i, RX SQ i: +8i+4 */
#define SIM_CQ_UNMASK_OFF 0xA000u       /* CQ c: +4c (c = 2i TX slot, 2i+1 RX slot) */
#define SIM_CQ_NUMA_OFF 0xC000u         /* CQ c: +4c */
#define SIM_CONFIG_SIZE 256u
#define SIM_MSIX_CAP_OFF 0x40u
#define SIM_LLQ_ENTRY_MAX 256u          /* BAR2 stride per entry slot */

#define SIM_MAX_QUEUES 128u             /* pairs (ENA_MAX_IO_QUEUE_PAIRS) */
#define SIM_MAX_VECTORS (1u + SIM_MAX_QUEUES)
/* Each doorbell eventfd is advertised twice (SQ and CQ area), so at most
 * VFU_MAX_IOEVENTFDS / 2 queue indices get one. */
#define SIM_MAX_DB_EVENTFDS (VFU_MAX_IOEVENTFDS / 2)
#define SIM_RSS_TABLE_LOG 7
#define SIM_RSS_TABLE_SIZE (1u << SIM_RSS_TABLE_LOG)
#define SIM_RESET_HISTORY 256u
#define SIM_DEFERRED_MAX 4096u
#define SIM_MAX_PACKET_DESCS 19         /* max_per_packet_tx/rx_descs */

/* Register identity the device reports. */
#define SIM_VERSION 0x00000200u            /* major 2, minor 0 */
#define SIM_CONTROLLER_VERSION 0x00010000u /* 1.0.0 */
#define SIM_RESET_TIMEOUT 10u              /* x 100 ms */
#define SIM_DMA_WIDTH 48u

/* Default profile (ENA-DEVICE.md section 19). */
#define SIM_DEFAULT_SUPPORTED_FEATURES 0x1C145D9Au /* incl. FRAG_BYPASS (8) */
#define SIM_DEFAULT_CAPABILITIES 0x1Du
#define SIM_AENQ_SUPPORTED_GROUPS 0xFFu

/* What the emulated device looks like; filled by options, fixed at create. */
struct sim_profile {
	uint16_t device_id;
	bool readless;                 /* false: revision bit 0 = 1 */
	uint32_t admin_cmd_to;         /* CAPS, units of 100 ms, 0..15 */
	unsigned int queues;           /* IO queue pairs */
	uint8_t mac[6];
	uint32_t max_mtu;
	bool llq;
	uint16_t llq_entry_sizes;      /* ENA_LLQ_ENTRY_SIZE_* bitmask */
	uint16_t llq_entry_recommended;
	uint32_t rx_depth;             /* max RX SQ/CQ depth */
	uint32_t tx_depth;             /* max TX SQ/CQ depth (and LLQ depth) */
	uint32_t tx_offloads;
	uint32_t rx_offloads;
	bool eni_stats;
	uint32_t keepalive_ms;
	uint32_t supported_features;   /* before llq/eni adjustments */
	uint32_t capabilities;
};

/** sim_profile_init_default() - the default profile (ENA-DEVICE.md 19). */
void sim_profile_init_default(struct sim_profile *p);

/* Hooks towards the transport (vfu_server in enasim, fakes in tests). */
struct sim_device_ops {
	/* CPU address of device address [iova, iova+len) or NULL when it is
	 * not mapped. Required. */
	void *(*dma)(void *ctx, uint64_t iova, size_t len, bool write);
	/* Signal MSI-X vector. Optional. */
	int (*irq)(void *ctx, unsigned int vector);
	/* Monotonic milliseconds. Optional (CLOCK_MONOTONIC). */
	uint64_t (*now_ms)(void *ctx);
	/* Ask to be called back (sim_device_run_timers) in delay_ms. Optional. */
	void (*schedule)(void *ctx, uint64_t delay_ms);
	/* One-line message about a notable event. Optional. */
	void (*log)(void *ctx, const char *msg);
};

struct sim_sq {
	bool used;
	uint8_t direction;             /* ENA_SQ_DIRECTION_* */
	uint8_t placement;             /* ENA_PLACEMENT_* */
	uint8_t completion_policy;
	uint16_t cq_idx;
	uint32_t depth;
	uint64_t ba;
	uint32_t db_offset;            /* BAR0 */
	uint32_t llq_offset;           /* BAR2 */
	uint16_t db_tail;              /* last doorbell value seen */
	uint32_t serial;               /* unique per CREATE_SQ (IO engine) */
};

struct sim_cq {
	bool used;
	bool bound;
	uint8_t direction;             /* 0 until an SQ binds it */
	uint8_t entry_words;
	bool interrupt_mode;
	uint32_t depth;
	uint32_t msix_vector;
	uint64_t ba;
	uint32_t unmask_offset;
	uint32_t numa_offset;
	uint32_t intr_reg;             /* last unmask register value */
	uint32_t numa_cfg;
	uint32_t serial;               /* unique per CREATE_CQ (IO engine) */
};

enum sim_acq_fault {
	SIM_ACQ_FAULT_NONE = 0,
	SIM_ACQ_FAULT_STALE_PHASE,
	SIM_ACQ_FAULT_UNKNOWN_ID,
	SIM_ACQ_FAULT_BAD_MAX_QUEUES,
	SIM_ACQ_FAULT_BAD_DEV_ATTR,
};

struct sim_deferred;
struct sim_io;

#define SIM_ADMIN_OPCODES 16

struct sim_admin {
	uint64_t aq_base, acq_base;
	uint32_t aq_caps, acq_caps;
	uint16_t aq_db;                /* last AQ_DB value */
	uint16_t aq_head;              /* free-running */
	uint16_t acq_tail;             /* free-running producer */
	struct sim_deferred *deferred, *deferred_last;
	unsigned int nr_deferred;
	/* fault injection (survives device resets) */
	uint32_t delay_ms;
	bool drop;
	bool no_irq;
	bool fail_next_create_sq;
	bool fail_next_create_cq;
	enum sim_acq_fault fault;
	/* counters */
	uint64_t commands[SIM_ADMIN_OPCODES]; /* [0] = unknown opcodes */
	uint64_t errors;
	uint64_t dropped;
	uint64_t bad_entries;          /* phase errors, bad doorbells */
};

struct sim_aenq {
	uint64_t base;
	uint32_t caps;
	uint16_t head;                 /* driver head doorbell, free-running */
	uint16_t tail;                 /* device producer, free-running */
	bool head_written;
	uint32_t enabled_groups;
	bool link_pending;             /* a LINK_CHANGE is owed to the driver */
	bool keepalive;                /* ctl: send keep-alives */
	uint64_t sent[ENA_AENQ_GROUPS_NUM];
	uint64_t dropped;
};

struct sim_rss {
	uint8_t function;              /* ENA_HASH_* */
	uint32_t init_val;
	struct ena_rss_hash_key key;
	unsigned int table_log;
	uint16_t table[SIM_RSS_TABLE_SIZE];
	uint16_t enabled_input_sort;
	uint16_t selected_fields[ENA_RSS_PROTO_NUM];
};

struct sim_llq {
	bool enabled;
	uint16_t header_location;
	uint16_t entry_size_ctrl;
	uint16_t descs_before_header;
	uint16_t stride;
	uint16_t accel_flags;
	uint32_t entry_bytes;
};

struct sim_host {
	bool valid;
	struct ena_host_info info;
	uint64_t os_info_ba;
	uint64_t debug_ba;
	uint32_t debug_size;
	uint64_t updates;
};

/* Counters the datapath feeds; keep-alive drops are since the last reset. */
struct sim_stats {
	uint64_t tx_bytes, tx_pkts, rx_bytes, rx_pkts;
	uint64_t rx_drops, tx_drops, rx_overruns;
	uint64_t eni[ENA_METRIC__COUNT]; /* customer metric ids */
};

struct sim_device {
	pthread_mutex_t lock;
	struct sim_profile profile;
	uint32_t supported_features;
	uint32_t capabilities;
	unsigned int nr_vectors;
	const struct sim_device_ops *ops;
	void *ctx;

	/* PCI */
	uint8_t config[SIM_CONFIG_SIZE];
	uint32_t msix_table[SIM_MAX_VECTORS * 4];

	/* BAR memory shared with the client */
	int bar0_fd;
	uint8_t *bar0;                 /* whole 64 KiB; only the doorbell area is shared */
	int bar2_fd;
	uint8_t *bar2;
	uint64_t bar2_size;
	int db_eventfds[SIM_MAX_DB_EVENTFDS];
	unsigned int nr_db_eventfds;

	/* registers */
	uint32_t intr_mask;
	uint32_t dev_ctl;
	bool resetting;
	bool fatal;
	uint32_t mmio_reg_read;
	uint32_t mmio_resp_lo, mmio_resp_hi;

	/* reset history (oldest first) */
	uint8_t reset_reasons[SIM_RESET_HISTORY];
	unsigned int nr_reset_reasons;
	uint64_t resets;
	uint64_t readless_reads;

	struct sim_admin admin;
	struct sim_aenq aenq;
	struct sim_sq tx_sq[SIM_MAX_QUEUES];
	struct sim_sq rx_sq[SIM_MAX_QUEUES];
	struct sim_cq cq[2 * SIM_MAX_QUEUES];
	uint32_t queue_serial;         /* last serial handed to a queue */
	struct sim_io *io;             /* datapath engine (io.h), or NULL */

	/* negotiated state */
	uint32_t mtu;
	bool link_up;
	bool frag_bypass;
	struct sim_llq llq;
	struct sim_rss rss;
	struct sim_host host;
	struct ena_hw_hints hints;
	struct sim_stats stats;
};

/**
 * sim_device_create() - build a device in its power-on state.
 * @profile: validated profile (copied).
 * @ops: transport hooks (kept; must outlive the device), @ctx their argument.
 * @ret: receives the device; untouched on failure.
 * Return: 0 or -errno (memfd/eventfd/mmap failures, -EINVAL bad profile).
 */
int sim_device_create(const struct sim_profile *profile, const struct sim_device_ops *ops,
		      void *ctx, struct sim_device **ret);

/** sim_device_destroy() - free everything; NULL is fine. */
void sim_device_destroy(struct sim_device *dev);

/**
 * sim_device_region() - describe region @index for the transport.
 * Return: 0 (size 0 for an absent region) or -EINVAL.
 */
int sim_device_region(const struct sim_device *dev, unsigned int index, struct vfu_region *ret);

/**
 * sim_device_ioeventfds() - BAR0 doorbell eventfd entries.
 * Return: number of entries written to @ret (at most @max).
 */
unsigned int sim_device_ioeventfds(const struct sim_device *dev, struct vfu_ioeventfd *ret,
				   unsigned int max);

/**
 * sim_device_region_read() / sim_device_region_write() - trapped access to
 * a region (config space is region 7). Writes to read-only config bits are
 * ignored and succeed. Takes the device lock.
 * Return: 0 or -EINVAL (bad region, range or register access width).
 */
int sim_device_region_read(struct sim_device *dev, unsigned int region, uint64_t off, void *buf,
			   size_t len);
int sim_device_region_write(struct sim_device *dev, unsigned int region, uint64_t off,
			    const void *buf, size_t len);

/** sim_device_reset_power_on() - vfio-user DEVICE_RESET: back to the
 * power-on state (nothing recorded as a driver reset). Takes the lock. */
void sim_device_reset_power_on(struct sim_device *dev);

/** sim_device_dma_unmap() - a DMA window is going away: returns once no
 * device access to it is in progress (the device caches no pointers). */
void sim_device_dma_unmap(struct sim_device *dev, uint64_t iova, uint64_t size);

/** sim_device_drain_doorbells() - read the doorbell eventfds and snapshot
 * the mapped doorbell/unmask/NUMA registers of existing queues. */
void sim_device_drain_doorbells(struct sim_device *dev);

/**
 * sim_device_run_timers() - complete deferred admin commands that are due.
 * Return: milliseconds until the next one, or -1 when none is pending.
 */
int64_t sim_device_run_timers(struct sim_device *dev);

/** sim_device_dev_sts() - current DEV_STS value (caller holds the lock). */
uint32_t sim_device_dev_sts(const struct sim_device *dev);

/* ---- helpers for the device's own modules; caller holds dev->lock ---- */

/** sim_reg_read() - value of BAR0 control register @off (0 if unknown). */
uint32_t sim_reg_read(struct sim_device *dev, uint32_t off);

/** sim_dma_ptr() - CPU pointer for [iova, iova+len) or NULL. */
void *sim_dma_ptr(struct sim_device *dev, uint64_t iova, size_t len, bool write);
/** sim_dma_read()/sim_dma_write() - copy; 0 or -EFAULT when unmapped. */
int sim_dma_read(struct sim_device *dev, uint64_t iova, void *buf, size_t len);
int sim_dma_write(struct sim_device *dev, uint64_t iova, const void *buf, size_t len);

/** sim_ring_depth() - depth of a ring from its *_CAPS register, or 0 when
 * the caps do not describe a usable ring (depth not a power of 2 or another
 * entry size). */
static inline uint32_t sim_ring_depth(uint32_t caps, uint32_t entry_size)
{
	uint32_t depth = caps & ENA_QCAPS_DEPTH_MASK;

	if (!depth || (depth & (depth - 1)) || (caps >> ENA_QCAPS_ENTRY_SIZE_SHIFT) != entry_size)
		return 0;
	return depth;
}

/** sim_ring_phase() - phase of free-running index @idx: 1 on the first lap. */
static inline uint8_t sim_ring_phase(uint16_t idx, uint32_t depth)
{
	return ((uint32_t)idx / depth) & 1 ? 0 : 1;
}

/** sim_irq_admin() - fire vector 0 unless INTR_MASK bit 0 or no-admin-irq. */
void sim_irq_admin(struct sim_device *dev);

uint64_t sim_now_ms(struct sim_device *dev);
void sim_log(struct sim_device *dev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** sim_device_discard_state() - what a DEV_CTL reset throws away. */
void sim_device_discard_state(struct sim_device *dev);

#endif /* ENASIM_DEVICE_H */
