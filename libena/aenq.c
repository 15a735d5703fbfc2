/* SPDX-License-Identifier: MIT */
/* Asynchronous event notification queue: ring setup, validation of what the
 * device wrote, and one handler per group. */
#include <errno.h>
#include <string.h>

#include "ena_dev.h"
#include "error.h"
#include "plat.h"

#define AENQ_BYTES (ENA_AENQ_QUEUE_DEPTH * ENA_AENQ_ENTRY_SIZE)

int ena_aenq_setup(struct ena_dev *dev)
{
	uint32_t caps = ENA_AENQ_QUEUE_DEPTH | ((uint32_t)ENA_AENQ_ENTRY_SIZE << ENA_QCAPS_ENTRY_SIZE_SHIFT);
	int r;

	if (!dev->aenq.va) {
		r = ena_dma_alloc(dev->bus, AENQ_BYTES, dev->numa_node, &dev->aenq);
		if (r < 0)
			return ena_error_set(r, "AENQ memory: %s", strerror(-r));
	}
	memset(dev->aenq.va, 0, AENQ_BYTES);
	/* The head starts one full ring ahead: all entries are free. */
	dev->aenq_head = ENA_AENQ_QUEUE_DEPTH;
	dev->aenq_phase = 1;

	r = ena_reg_write(dev, ENA_REG_AENQ_BASE_LO, (uint32_t)dev->aenq.iova);
	if (!r)
		r = ena_reg_write(dev, ENA_REG_AENQ_BASE_HI, (uint32_t)(dev->aenq.iova >> 32));
	if (!r)
		r = ena_reg_write(dev, ENA_REG_AENQ_CAPS, caps);
	if (r < 0)
		return ena_error_set(r, "program AENQ registers: %s", strerror(-r));
	return 0;
}

void ena_aenq_teardown(struct ena_dev *dev)
{
	ena_dma_free(&dev->aenq);
}

static uint64_t u64_of(uint32_t lo, uint32_t hi)
{
	return ((uint64_t)hi << 32) | lo;
}

/* Hints of 0 keep the default; the driver's own timeouts follow the rest. */
void ena_apply_hints(struct ena_dev *dev, const struct ena_hw_hints *h)
{
	if (h->admin_completion_tx_timeout)
		dev->admin_timeout_us = (uint32_t)h->admin_completion_tx_timeout * 1000u;
	if (h->mmio_read_timeout)
		dev->mmio_timeout_us = (uint32_t)h->mmio_read_timeout * 1000u;
	dev->attrs.hw_hints = *h;
	dev->attrs.has_hw_hints = true;
}

static void aenq_dispatch(struct ena_dev *dev, const struct ena_aenq_entry *e)
{
	const struct ena_aenq_handlers *h = &dev->handlers;
	void *ctx = dev->handlers_ctx;
	uint16_t group = e->common.group;
	uint16_t syndrome = e->common.syndrome;

	if (group >= ENA_AENQ_GROUPS_NUM) {
		dev->stats.aenq_unknown++;
		if (h->unknown)
			h->unknown(ctx, group, syndrome);
		return;
	}
	dev->stats.aenq_events[group]++;
	switch (group) {
	case ENA_AENQ_LINK_CHANGE: {
		const struct ena_aenq_link_change *l = (const void *)e;

		if (h->link_change)
			h->link_change(ctx, l->flags & ENA_AENQ_LINK_STATUS_UP);
		break;
	}
	case ENA_AENQ_KEEP_ALIVE: {
		const struct ena_aenq_keep_alive *k = (const void *)e;

		if (h->keep_alive)
			h->keep_alive(ctx, u64_of(k->rx_drops_low, k->rx_drops_high),
				      u64_of(k->tx_drops_low, k->tx_drops_high),
				      u64_of(k->rx_overruns_low, k->rx_overruns_high));
		break;
	}
	case ENA_AENQ_NOTIFICATION:
		if (syndrome == ENA_AENQ_SYNDROME_UPDATE_HINTS) {
			struct ena_hw_hints hints;

			memcpy(&hints, e->data, sizeof(hints));
			ena_apply_hints(dev, &hints);
			if (h->hints)
				h->hints(ctx, &hints);
		} else {
			dev->stats.aenq_unknown++;
			if (h->unknown)
				h->unknown(ctx, group, syndrome);
		}
		break;
	case ENA_AENQ_CONF_NOTIFICATIONS: {
		const struct ena_aenq_conf_notifications *c = (const void *)e;

		if (h->conf_notification)
			h->conf_notification(ctx, c->notifications_bitmap);
		break;
	}
	case ENA_AENQ_FATAL_ERROR:
		if (h->fatal_error)
			h->fatal_error(ctx, syndrome);
		break;
	case ENA_AENQ_WARNING:
		if (h->warning)
			h->warning(ctx, syndrome);
		break;
	case ENA_AENQ_REFRESH_CAPABILITIES:
		if (h->refresh_capabilities)
			h->refresh_capabilities(ctx);
		break;
	case ENA_AENQ_DEVICE_REQUEST_RESET:
		if (h->device_request_reset)
			h->device_request_reset(ctx);
		break;
	}
}

int ena_aenq_process(struct ena_dev *dev)
{
	struct ena_aenq_entry *ring = dev->aenq.va;
	int n = 0;

	if (!ring)
		return 0;
	for (;;) {
		struct ena_aenq_entry *slot = &ring[dev->aenq_head & (ENA_AENQ_QUEUE_DEPTH - 1)];
		struct ena_aenq_entry e;

		if ((ENA_READ_ONCE(slot->common.flags) & ENA_AENQ_FLAGS_PHASE) != dev->aenq_phase)
			break;
		ena_rmb();
		/* Work on a copy: the device may not change it under a handler. */
		memcpy(&e, slot, sizeof(e));
		aenq_dispatch(dev, &e);
		n++;
		dev->aenq_head++;
		if ((dev->aenq_head & (ENA_AENQ_QUEUE_DEPTH - 1)) == 0)
			dev->aenq_phase ^= 1;
	}
	if (n > 0) {
		ena_wmb();
		ena_reg_write(dev, ENA_REG_AENQ_HEAD_DB, dev->aenq_head);
	}
	return n;
}

bool ena_dev_aenq_has_keep_alive(struct ena_dev *dev)
{
	struct ena_aenq_entry *ring = dev->aenq.va;
	uint16_t head = dev->aenq_head;
	uint8_t phase = dev->aenq_phase;

	if (!ring)
		return false;
	for (unsigned int i = 0; i < ENA_AENQ_QUEUE_DEPTH; i++) {
		struct ena_aenq_entry *e = &ring[head & (ENA_AENQ_QUEUE_DEPTH - 1)];

		if ((ENA_READ_ONCE(e->common.flags) & ENA_AENQ_FLAGS_PHASE) != phase)
			return false;
		if (ENA_READ_ONCE(e->common.group) == ENA_AENQ_KEEP_ALIVE)
			return true;
		head++;
		if ((head & (ENA_AENQ_QUEUE_DEPTH - 1)) == 0)
			phase ^= 1;
	}
	return false;
}
