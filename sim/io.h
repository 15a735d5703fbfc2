/* SPDX-License-Identifier: MIT */
/* enasim IO engine: the device's datapath. A dedicated thread sleeps on the
 * doorbell eventfds, the wire and a moderation timer; each pass it parses
 * TX SQs (host and LLQ placement), applies offloads, sends on the wire,
 * steers received frames into RX SQs by RSS, writes completions and raises
 * MSI-X with auto-mask, unmask register and moderation delays.
 *
 * Locking: the engine works on a snapshot of the queue configuration taken
 * under dev->lock when the device bumps the generation, and never holds
 * dev->lock while touching rings or packets. Anything that makes rings go
 * away (DESTROY_SQ/CQ, reset, DMA unmap) calls sim_io_quiesce() under
 * dev->lock: it returns once the pass in progress is over, and the engine
 * cannot start another before it has re-read the configuration, which
 * needs dev->lock. Lock order: dev->lock, then the engine's work lock. */
#ifndef ENASIM_IO_H
#define ENASIM_IO_H

#include <stdbool.h>
#include <stdint.h>

struct sim_device;
struct sim_io;
struct wire;

/* Written into a CQ unmask register once the engine has consumed the
 * driver's write, so that a repeated identical write is seen again. */
#define SIM_IO_INTR_CONSUMED 0xffffffffu
/* Largest rx-descs fault value. */
#define SIM_IO_RX_DESCS_MAX 64u

/**
 * sim_io_create() - attach an engine to @dev (dev->io) with @wire.
 * @wire: taken over (destroyed with the engine, also on failure).
 * The engine does nothing until sim_io_start() or sim_io_poll().
 * Return: 0 or -errno; *ret untouched on failure.
 */
int sim_io_create(struct sim_device *dev, struct wire *wire, struct sim_io **ret);

/** sim_io_start() - run the engine in its own thread. Return: 0 or -errno. */
int sim_io_start(struct sim_io *io);

/** sim_io_destroy() - stop the thread, detach from the device, free
 * everything (the wire too). NULL is fine. Do not hold dev->lock. */
void sim_io_destroy(struct sim_io *io);

/**
 * sim_io_poll() - run one engine pass in the calling thread (tests, or a
 * caller that drives the engine itself). Do not hold dev->lock.
 * Return: true when work was left over (a budget was hit).
 */
bool sim_io_poll(struct sim_io *io);

/** sim_io_set_clock() - microsecond monotonic clock for moderation delays
 * and allowances (default CLOCK_MONOTONIC). Set before start. */
void sim_io_set_clock(struct sim_io *io, uint64_t (*now_us)(void *ctx), void *ctx);

/** sim_io_set_poll() - after a pass that did something, keep polling for
 * @poll_us µs before sleeping on eventfds (0: sleep at once). Any time. */
void sim_io_set_poll(struct sim_io *io, uint32_t poll_us);

/** sim_io_sleeps() - how often the engine thread has waited for an event. */
uint64_t sim_io_sleeps(const struct sim_io *io);

/* ---- device hooks: called with dev->lock held; no-ops without engine ---- */

/** sim_io_config_changed() - queues, RSS, LLQ or MTU changed: the engine
 * re-reads the configuration before its next pass. */
void sim_io_config_changed(struct sim_device *dev);

/** sim_io_quiesce() - returns once the engine touches no ring or DMA
 * memory, and keeps it so until dev->lock is released. */
void sim_io_quiesce(struct sim_device *dev);

/** sim_io_device_reset() - quiesce and forget per-reset state (counters
 * not yet published, interrupt state). */
void sim_io_device_reset(struct sim_device *dev);

/** sim_io_kick() - a doorbell may have been written: wake the engine. */
void sim_io_kick(struct sim_device *dev);

/* ---- fault injection and allowances (ctl; dev->lock held) ---- */

enum sim_io_fault {
	SIM_IO_FAULT_CORRUPT_TX_REQ_ID,  /* next TX completion: req_id out of range */
	SIM_IO_FAULT_CORRUPT_RX_REQ_ID,  /* next RX completion: req_id out of range */
	SIM_IO_FAULT_TX_COMPLETE_OFF,    /* value: 1 = stop writing TX completions */
	SIM_IO_FAULT_RX_DESCS,           /* value: next RX packet spans N descriptors */
	SIM_IO_FAULT_SWALLOW_IRQ,        /* value: 1 = write completions, fire no IO MSI-X */
	SIM_IO_FAULT_SUSPEND,            /* value: 1 = stop processing traffic */
	SIM_IO_FAULT_TX_OOO,             /* value: 1 = complete TX out of order */
	SIM_IO_FAULT__COUNT,
};

/** sim_io_fault_set() - set fault @f to @value (see the enum).
 * Return: 0, -EINVAL (bad fault or value), -ENODEV (no engine). */
int sim_io_fault_set(struct sim_device *dev, enum sim_io_fault f, uint32_t value);

/** sim_io_fault_get() - current value of fault @f (0 without engine). */
uint32_t sim_io_fault_get(struct sim_device *dev, enum sim_io_fault f);

/** sim_io_allowance_set() - ENI allowance @kind (enum sim_eni_kind) to
 * @rate (0 = unlimited). Return: 0, -EINVAL, -ERANGE, -ENODEV. */
int sim_io_allowance_set(struct sim_device *dev, unsigned int kind, uint64_t rate);

#endif /* ENASIM_IO_H */
