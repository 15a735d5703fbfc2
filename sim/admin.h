/* SPDX-License-Identifier: MIT */
/* enasim admin engine: consumes the admin queue, executes commands and
 * writes admin completions. All functions expect dev->lock held. */
#ifndef ENASIM_ADMIN_H
#define ENASIM_ADMIN_H

#include <stdint.h>

struct sim_device;

/**
 * sim_admin_doorbell() - AQ_DB write: execute AQ entries [head, @tail) in
 * ring order and complete them (now, later with admin-delay, or never with
 * admin-drop). Entries with a wrong phase stop processing.
 */
void sim_admin_doorbell(struct sim_device *dev, uint16_t tail);

/** sim_admin_reset() - forget rings, indices and deferred completions
 * (fault-injection settings and counters are kept). */
void sim_admin_reset(struct sim_device *dev);

/**
 * sim_admin_run_deferred() - write deferred completions due at @now_ms.
 * Return: ms until the next deferred completion, -1 when none is pending.
 */
int64_t sim_admin_run_deferred(struct sim_device *dev, uint64_t now_ms);

/** sim_admin_rss_defaults() - RSS state after a reset. */
void sim_admin_rss_defaults(struct sim_device *dev);

/** sim_admin_opcode_name() - "create_sq"... for counters; NULL if unknown. */
const char *sim_admin_opcode_name(unsigned int opcode);

/* RSS_HASH_INPUT supported fields per protocol (ENA-DEVICE.md 19). */
uint16_t sim_rss_supported_fields(unsigned int proto);

#endif /* ENASIM_ADMIN_H */
