/* SPDX-License-Identifier: MIT */
/* The device object shared by libena's protocol files (not public). */
#ifndef ENA_DEV_H
#define ENA_DEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <ena/ena.h>

#include "bus.h"
#include "dma.h"

struct ena_admin_ctx {
	bool busy;
	bool done;
	struct ena_acq_entry comp;
};

struct ena_dev {
	struct ena_bus *bus;
	bool readless;         /* registers read through the readless protocol */
	int numa_node;

	/* readless */
	struct ena_dma_mem mmio_resp;
	uint16_t mmio_seq;
	uint32_t mmio_timeout_us;

	/* admin queue */
	pthread_mutex_t admin_lock;
	struct ena_dma_mem aq, acq;
	uint16_t aq_tail;       /* free-running submissions since admin init */
	uint8_t aq_phase;
	uint16_t acq_head;      /* free-running */
	uint8_t acq_phase;
	struct ena_admin_ctx ctx[ENA_ADMIN_QUEUE_DEPTH];
	bool admin_running;
	bool admin_polling;
	enum ena_reset_reason admin_fail_reason;
	uint32_t admin_timeout_us;
	uint32_t admin_timeout_caps_us; /* from CAPS, before hints */

	/* AENQ */
	struct ena_dma_mem aenq;
	uint16_t aenq_head;     /* free-running, starts at depth */
	uint8_t aenq_phase;
	struct ena_aenq_handlers handlers;
	void *handlers_ctx;

	/* interrupts */
	int admin_irq_fd;       /* eventfd on vector 0, -1 when polling */
	bool admin_irq_enabled; /* INTR_MASK cleared and vector 0 assigned */

	struct ena_dma_mem host_info;
	struct ena_dma_mem ctrl; /* control buffer for GET/SET_FEATURE and GET_STATS */
	struct ena_dev_attrs attrs;
	bool initialized;
	struct ena_admin_stats stats;
};

/* mmio.c */
int ena_mmio_setup(struct ena_dev *dev);
void ena_mmio_teardown(struct ena_dev *dev);
int ena_reg_read(struct ena_dev *dev, uint32_t off, uint32_t *ret);
int ena_reg_write(struct ena_dev *dev, uint32_t off, uint32_t val);
int ena_mmio_reset(struct ena_dev *dev, enum ena_reset_reason reason, uint32_t timeout_ms,
		   bool extended_reasons);

/* admin.c */
int ena_admin_setup(struct ena_dev *dev);
void ena_admin_teardown(struct ena_dev *dev);
void ena_admin_abort(struct ena_dev *dev);
/**
 * ena_admin_exec() - submit one command and wait for its completion.
 * @cmd: the command; its first @cmd_size bytes are copied into the AQ.
 * @resp: receives the whole completion entry.
 * Return: 0, -ETIMEDOUT, -ENODEV (admin queue stopped), -EPROTO (device
 * wrote a bad completion) or the errno of a non-success status.
 */
int ena_admin_exec(struct ena_dev *dev, void *cmd, size_t cmd_size, struct ena_acq_entry *resp);
/* Process ACQ entries; returns completions seen or -EPROTO. Lock held. */
int ena_admin_process_acq(struct ena_dev *dev);

/* aenq.c */
int ena_aenq_setup(struct ena_dev *dev);
void ena_aenq_teardown(struct ena_dev *dev);
int ena_aenq_process(struct ena_dev *dev);
void ena_apply_hints(struct ena_dev *dev, const struct ena_hw_hints *h);

/* features.c */
int ena_get_feature(struct ena_dev *dev, uint8_t id, uint8_t version, uint64_t buf_iova,
		    uint32_t buf_len, struct ena_acq_get_feature_resp *resp);
int ena_set_feature(struct ena_dev *dev, uint8_t id, uint8_t version, const void *payload,
		    size_t payload_size, uint64_t buf_iova, uint32_t buf_len);
bool ena_feature_supported(const struct ena_dev *dev, uint8_t id);

/* stats.c */
int ena_stats_query_customer_metrics(struct ena_dev *dev, uint64_t *ret_mask);

#endif /* ENA_DEV_H */
