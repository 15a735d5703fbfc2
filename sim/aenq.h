/* SPDX-License-Identifier: MIT */
/* enasim AENQ producer: asynchronous events into the driver's ring with
 * head-doorbell flow control. Functions marked "locked" expect dev->lock. */
#ifndef ENASIM_AENQ_H
#define ENASIM_AENQ_H

#include <stddef.h>
#include <stdint.h>

#include "ena/admin.h"

struct sim_device;

/**
 * sim_aenq_post() - write one event if its group is enabled and a slot is
 * free (free = head - producer; nothing before the first head write).
 * @payload: event bytes after the 16-byte common header (@len <= 48).
 * Return: 0 sent, -ENOENT group not enabled (not counted), -ENOSPC no free
 * slot or ring unusable (counted as dropped). Locked.
 */
int sim_aenq_post(struct sim_device *dev, unsigned int group, uint16_t syndrome,
		  const void *payload, size_t len);

/** sim_aenq_head_write() - AENQ_HEAD_DB; delivers an owed link event. Locked. */
void sim_aenq_head_write(struct sim_device *dev, uint16_t head);

/** sim_aenq_set_groups() - SET AENQ_CONFIG took effect: a newly enabled
 * LINK_CHANGE group owes the driver the current link state. Locked. */
void sim_aenq_set_groups(struct sim_device *dev, uint32_t groups);

/** sim_aenq_reset() - forget ring, indices and groups. Locked. */
void sim_aenq_reset(struct sim_device *dev);

/** sim_aenq_link_changed() - report dev->link_up (now or when room). Locked. */
void sim_aenq_link_changed(struct sim_device *dev);

/** sim_aenq_keepalive() - send one KEEP_ALIVE with the drop counters, if
 * enabled by ctl and the group, after the first head write. Locked.
 * Return: as sim_aenq_post(), -EAGAIN when not due (off / not started). */
int sim_aenq_keepalive(struct sim_device *dev);

/** sim_aenq_notify_hints() - NOTIFICATION/UPDATE_HINTS with @hints. Locked. */
int sim_aenq_notify_hints(struct sim_device *dev, const struct ena_hw_hints *hints);

/** sim_aenq_conf_notification() - CONF_NOTIFICATIONS with @bitmap. Locked. */
int sim_aenq_conf_notification(struct sim_device *dev, uint64_t bitmap);

/** sim_device_keepalive_tick() - timer entry: takes the lock. */
void sim_device_keepalive_tick(struct sim_device *dev);

#endif /* ENASIM_AENQ_H */
