/* SPDX-License-Identifier: MIT */
/* Admin submission and completion queues: submit, wait (poll or MSI-X
 * vector 0), validate what the device wrote back. */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "ena_dev.h"
#include "error.h"
#include "plat.h"

#define AQ_BYTES (ENA_ADMIN_QUEUE_DEPTH * ENA_AQ_ENTRY_SIZE)
#define ACQ_BYTES (ENA_ADMIN_QUEUE_DEPTH * ENA_ACQ_ENTRY_SIZE)
#define ADMIN_POLL_BACKOFF_MAX_US 5000

int ena_admin_setup(struct ena_dev *dev)
{
	uint32_t caps = ENA_ADMIN_QUEUE_DEPTH | ((uint32_t)ENA_AQ_ENTRY_SIZE << ENA_QCAPS_ENTRY_SIZE_SHIFT);
	int r;

	if (!dev->aq.va) {
		r = ena_dma_alloc(dev->bus, AQ_BYTES, dev->numa_node, &dev->aq);
		if (r < 0)
			return ena_error_set(r, "admin queue memory: %s", strerror(-r));
	}
	if (!dev->acq.va) {
		r = ena_dma_alloc(dev->bus, ACQ_BYTES, dev->numa_node, &dev->acq);
		if (r < 0)
			return ena_error_set(r, "admin completion queue memory: %s", strerror(-r));
	}
	memset(dev->aq.va, 0, AQ_BYTES);
	memset(dev->acq.va, 0, ACQ_BYTES);
	memset(dev->ctx, 0, sizeof(dev->ctx));
	dev->aq_tail = 0;
	dev->aq_phase = 1;
	dev->acq_head = 0;
	dev->acq_phase = 1;

	/* Order as the reference drivers write them. */
	r = ena_reg_write(dev, ENA_REG_AQ_BASE_LO, (uint32_t)dev->aq.iova);
	if (!r)
		r = ena_reg_write(dev, ENA_REG_AQ_BASE_HI, (uint32_t)(dev->aq.iova >> 32));
	if (!r)
		r = ena_reg_write(dev, ENA_REG_ACQ_BASE_LO, (uint32_t)dev->acq.iova);
	if (!r)
		r = ena_reg_write(dev, ENA_REG_ACQ_BASE_HI, (uint32_t)(dev->acq.iova >> 32));
	if (!r)
		r = ena_reg_write(dev, ENA_REG_AQ_CAPS, caps);
	if (!r)
		r = ena_reg_write(dev, ENA_REG_ACQ_CAPS, caps);
	if (r < 0)
		return ena_error_set(r, "program admin queue registers: %s", strerror(-r));
	dev->admin_running = true;
	dev->admin_fail_reason = ENA_RESET_NORMAL;
	return 0;
}

void ena_admin_teardown(struct ena_dev *dev)
{
	dev->admin_running = false;
	ena_dma_free(&dev->aq);
	ena_dma_free(&dev->acq);
}

void ena_admin_abort(struct ena_dev *dev)
{
	for (unsigned int i = 0; i < ENA_ADMIN_QUEUE_DEPTH; i++)
		if (dev->ctx[i].busy) {
			dev->ctx[i].busy = false;
			dev->stats.aborted++;
		}
	dev->admin_running = false;
}

static void admin_stop(struct ena_dev *dev, enum ena_reset_reason reason)
{
	if (dev->admin_running)
		dev->admin_fail_reason = reason;
	dev->admin_running = false;
}

int ena_admin_process_acq(struct ena_dev *dev)
{
	struct ena_acq_entry *ring = dev->acq.va;
	int seen = 0;

	for (;;) {
		struct ena_acq_entry *e = &ring[dev->acq_head & (ENA_ADMIN_QUEUE_DEPTH - 1)];
		uint16_t id;

		if ((ENA_READ_ONCE(e->common.flags) & ENA_ACQ_FLAGS_PHASE) != dev->acq_phase)
			break;
		ena_rmb();
		id = e->common.command & ENA_AQ_COMMAND_ID_MASK;
		if (id >= ENA_ADMIN_QUEUE_DEPTH || !dev->ctx[id].busy || dev->ctx[id].done) {
			/* A completion nobody waits for: the queue can no longer be
			 * trusted (the reference drivers stop it the same way). */
			dev->stats.bad_completion++;
			admin_stop(dev, ENA_RESET_ADMIN_TO);
			return ena_error_set(-EPROTO, "admin completion for command id %u that is not outstanding",
					     id);
		}
		memcpy(&dev->ctx[id].comp, e, sizeof(*e));
		dev->ctx[id].done = true;
		dev->stats.completed++;
		seen++;
		dev->acq_head++;
		if ((dev->acq_head & (ENA_ADMIN_QUEUE_DEPTH - 1)) == 0)
			dev->acq_phase ^= 1;
	}
	return seen;
}

/* Wait for MSI-X vector 0 up to @timeout_us; consume the event and let the
 * AENQ be processed too, since the interrupt is shared. Returns whether an
 * interrupt arrived. */
static bool admin_wait_irq(struct ena_dev *dev, uint64_t timeout_us)
{
	struct pollfd pfd = { .fd = dev->admin_irq_fd, .events = POLLIN };
	int ms = (int)((timeout_us + 999) / 1000);
	uint64_t v;

	if (poll(&pfd, 1, ms > 0 ? ms : 1) != 1 || !(pfd.revents & POLLIN))
		return false;
	if (read(dev->admin_irq_fd, &v, sizeof(v)) != sizeof(v))
		return false;
	ena_aenq_process(dev);
	return true;
}

static int admin_wait(struct ena_dev *dev, uint16_t id)
{
	uint64_t deadline = ena_now_us() + dev->admin_timeout_us;
	uint64_t backoff = 1;
	bool irq_mode = dev->admin_irq_enabled;
	int r;

	for (;;) {
		if (!irq_mode) {
			r = ena_admin_process_acq(dev);
			if (r < 0)
				return r;
		}
		if (dev->ctx[id].done)
			return 0;
		uint64_t now = ena_now_us();

		if (now >= deadline)
			break;
		if (irq_mode) {
			/* Only an interrupt makes us look: a completion that is
			 * there without one is the missing-interrupt case below. */
			if (!admin_wait_irq(dev, deadline - now))
				continue;
			r = ena_admin_process_acq(dev);
			if (r < 0)
				return r;
			if (dev->ctx[id].done)
				return 0;
		} else {
			ena_sleep_us(backoff);
			if (backoff < ADMIN_POLL_BACKOFF_MAX_US)
				backoff *= 2;
		}
	}

	/* Timed out. In interrupt mode look once more: a completion that is
	 * there without its interrupt is a different failure. */
	if (irq_mode && ena_admin_process_acq(dev) >= 0 && dev->ctx[id].done) {
		dev->stats.missing_admin_interrupt++;
		dev->ctx[id].busy = false;
		admin_stop(dev, ENA_RESET_MISSING_ADMIN_INTERRUPT);
		return ena_error_set(-ETIMEDOUT, "admin completion arrived without its interrupt");
	}
	dev->stats.no_completion++;
	dev->ctx[id].busy = false;
	admin_stop(dev, ENA_RESET_ADMIN_TO);
	return ena_error_set(-ETIMEDOUT, "admin command timed out after %u us", dev->admin_timeout_us);
}

int ena_admin_exec(struct ena_dev *dev, void *cmd, size_t cmd_size, struct ena_acq_entry *resp)
{
	struct ena_aq_common *c = cmd;
	struct ena_aq_entry *slot;
	uint16_t id;
	int r;

	if (cmd_size < sizeof(*c) || cmd_size > ENA_AQ_ENTRY_SIZE)
		return -EINVAL;
	pthread_mutex_lock(&dev->admin_lock);
	if (!dev->admin_running) {
		r = ena_error_set(-ENODEV, "admin queue is not running (device needs a reset)");
		goto unlock;
	}
	id = dev->aq_tail & (ENA_ADMIN_QUEUE_DEPTH - 1);
	if (dev->ctx[id].busy) {
		dev->stats.out_of_space++;
		r = ena_error_set(-ENOSPC, "admin queue full");
		goto unlock;
	}
	dev->ctx[id] = (struct ena_admin_ctx){ .busy = true };

	c->command_id = id;
	c->flags = (uint8_t)((c->flags & ~ENA_AQ_FLAGS_PHASE) | dev->aq_phase);
	slot = (struct ena_aq_entry *)dev->aq.va + id;
	/* Only the command's own bytes: the rest of the slot keeps what was
	 * there, as with the reference drivers, and the device must cope. */
	memcpy(slot, cmd, cmd_size);
	dev->aq_tail++;
	if ((dev->aq_tail & (ENA_ADMIN_QUEUE_DEPTH - 1)) == 0)
		dev->aq_phase ^= 1;
	ena_wmb();
	dev->stats.submitted++;
	r = ena_reg_write(dev, ENA_REG_AQ_DB, dev->aq_tail);
	if (r < 0) {
		dev->ctx[id].busy = false;
		admin_stop(dev, ENA_RESET_ADMIN_TO);
		r = ena_error_set(r, "admin doorbell: %s", strerror(-r));
		goto unlock;
	}

	r = admin_wait(dev, id);
	if (r < 0)
		goto unlock;
	if (resp)
		memcpy(resp, &dev->ctx[id].comp, sizeof(*resp));
	dev->ctx[id].busy = false;
	if (dev->ctx[id].comp.common.status != ENA_ADMIN_SUCCESS) {
		unsigned int st = dev->ctx[id].comp.common.status;
		const char *name = ena_admin_status_name(st);

		dev->stats.status_errors++;
		r = ena_error_set(ena_admin_status_to_errno(st), "admin opcode %u: device status %s (%u)",
				  c->opcode, name ? name : "unknown", st);
	}
unlock:
	pthread_mutex_unlock(&dev->admin_lock);
	return r;
}
