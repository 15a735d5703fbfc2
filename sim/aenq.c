/* SPDX-License-Identifier: MIT */
/* enasim AENQ producer: events into the driver's ring, flow-controlled by
 * the head doorbell, group-filtered, signalled on MSI-X vector 0. */
#include <errno.h>
#include <string.h>

#include "aenq.h"
#include "device.h"

#define AENQ_PAYLOAD_MAX (ENA_AENQ_ENTRY_SIZE - sizeof(struct ena_aenq_common))

/* Free slots: head - producer, nothing before the first head write. */
static uint32_t aenq_room(const struct sim_device *dev, uint32_t *ret_depth)
{
	const struct sim_aenq *q = &dev->aenq;
	uint32_t depth = sim_ring_depth(q->caps, ENA_AENQ_ENTRY_SIZE);
	uint32_t room;

	*ret_depth = depth;
	if (!q->head_written || !depth || !q->base)
		return 0;
	room = (uint16_t)(q->head - q->tail);
	return room > depth ? 0 : room; /* a head beyond the ring is bogus */
}

int sim_aenq_post(struct sim_device *dev, unsigned int group, uint16_t syndrome,
		  const void *payload, size_t len)
{
	struct sim_aenq *q = &dev->aenq;
	struct ena_aenq_entry e;
	uint64_t now = sim_now_ms(dev);
	uint32_t depth;
	uint8_t *p;

	if (group >= ENA_AENQ_GROUPS_NUM || !(q->enabled_groups & (1u << group)))
		return -ENOENT;
	if (len > AENQ_PAYLOAD_MAX || !aenq_room(dev, &depth))
		goto dropped;
	p = sim_dma_ptr(dev, q->base + (uint64_t)(q->tail & (depth - 1)) * ENA_AENQ_ENTRY_SIZE,
			ENA_AENQ_ENTRY_SIZE, true);
	if (!p)
		goto dropped;
	memset(&e, 0, sizeof(e));
	e.common.group = (uint16_t)group;
	e.common.syndrome = syndrome;
	e.common.timestamp_low = (uint32_t)now;
	e.common.timestamp_high = (uint32_t)(now >> 32);
	if (len)
		memcpy(e.data, payload, len);
	/* Everything but the flags byte, then the phase last. */
	memcpy(p, &e, offsetof(struct ena_aenq_common, flags));
	memcpy(p + offsetof(struct ena_aenq_common, reserved1),
	       (const uint8_t *)&e + offsetof(struct ena_aenq_common, reserved1),
	       ENA_AENQ_ENTRY_SIZE - offsetof(struct ena_aenq_common, reserved1));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	__atomic_store_n(p + offsetof(struct ena_aenq_common, flags), sim_ring_phase(q->tail, depth),
			 __ATOMIC_RELEASE);
	q->tail++;
	q->sent[group]++;
	sim_irq_admin(dev);
	return 0;

dropped:
	q->dropped++;
	return -ENOSPC;
}

/* Deliver an owed LINK_CHANGE once there is room; it is a state, so it
 * waits instead of being dropped. */
static void aenq_flush_link(struct sim_device *dev)
{
	struct sim_aenq *q = &dev->aenq;
	uint32_t depth;
	uint32_t flags = dev->link_up ? ENA_AENQ_LINK_STATUS_UP : 0;

	if (!q->link_pending || !(q->enabled_groups & (1u << ENA_AENQ_LINK_CHANGE)))
		return;
	if (!aenq_room(dev, &depth))
		return;
	if (sim_aenq_post(dev, ENA_AENQ_LINK_CHANGE, 0, &flags, sizeof(flags)) == 0)
		q->link_pending = false;
}

void sim_aenq_head_write(struct sim_device *dev, uint16_t head)
{
	dev->aenq.head = head;
	dev->aenq.head_written = true;
	aenq_flush_link(dev);
}

void sim_aenq_set_groups(struct sim_device *dev, uint32_t groups)
{
	struct sim_aenq *q = &dev->aenq;
	uint32_t link = 1u << ENA_AENQ_LINK_CHANGE;

	if ((groups & link) && !(q->enabled_groups & link))
		q->link_pending = true;
	if (!(groups & link))
		q->link_pending = false;
	q->enabled_groups = groups;
	aenq_flush_link(dev);
}

void sim_aenq_reset(struct sim_device *dev)
{
	struct sim_aenq *q = &dev->aenq;

	q->base = 0;
	q->caps = 0;
	q->head = q->tail = 0;
	q->head_written = false;
	q->enabled_groups = 0;
	q->link_pending = false;
}

void sim_aenq_link_changed(struct sim_device *dev)
{
	if (!(dev->aenq.enabled_groups & (1u << ENA_AENQ_LINK_CHANGE)))
		return;
	dev->aenq.link_pending = true;
	aenq_flush_link(dev);
}

int sim_aenq_keepalive(struct sim_device *dev)
{
	struct ena_aenq_keep_alive ka;
	const struct sim_stats *s = &dev->stats;
	const size_t off = sizeof(struct ena_aenq_common);

	if (!dev->aenq.keepalive || !dev->aenq.head_written ||
	    !(dev->aenq.enabled_groups & (1u << ENA_AENQ_KEEP_ALIVE)))
		return -EAGAIN;
	memset(&ka, 0, sizeof(ka));
	ka.rx_drops_low = (uint32_t)s->rx_drops;
	ka.rx_drops_high = (uint32_t)(s->rx_drops >> 32);
	ka.tx_drops_low = (uint32_t)s->tx_drops;
	ka.tx_drops_high = (uint32_t)(s->tx_drops >> 32);
	ka.rx_overruns_low = (uint32_t)s->rx_overruns;
	ka.rx_overruns_high = (uint32_t)(s->rx_overruns >> 32);
	return sim_aenq_post(dev, ENA_AENQ_KEEP_ALIVE, 0, (const uint8_t *)&ka + off,
			     sizeof(ka) - off);
}

int sim_aenq_notify_hints(struct sim_device *dev, const struct ena_hw_hints *hints)
{
	return sim_aenq_post(dev, ENA_AENQ_NOTIFICATION, ENA_AENQ_SYNDROME_UPDATE_HINTS, hints,
			     sizeof(*hints));
}

int sim_aenq_conf_notification(struct sim_device *dev, uint64_t bitmap)
{
	return sim_aenq_post(dev, ENA_AENQ_CONF_NOTIFICATIONS, 0, &bitmap, sizeof(bitmap));
}

void sim_device_keepalive_tick(struct sim_device *dev)
{
	pthread_mutex_lock(&dev->lock);
	sim_aenq_keepalive(dev);
	pthread_mutex_unlock(&dev->lock);
}
