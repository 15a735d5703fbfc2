/* SPDX-License-Identifier: MIT */
/* One datapath thread per IO queue pair: TAP queue fd <-> ENA TX/RX rings. */
#ifndef ENAD_WORKER_H
#define ENAD_WORKER_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include <ena/ena.h>
#include <ena/eth.h>

#include "log.h"

/*
 * A worker owns, for one queue pair, the packet buffers (DMA memory on the
 * pair's NUMA node) and one thread. Its lifetime is the pair's: the port
 * creates the qpair, then the worker; on reconfiguration or reset it stops
 * the worker (the thread exits, nothing is freed), destroys the qpair, then
 * destroys the worker (which takes back every buffer still posted).
 *
 * The thread loop, with no lock, malloc or syscall per packet besides the
 * TAP read/write:
 *   TX completions -> free TX slots;
 *   RX completions -> writev(vnet header + DMA segments) to the TAP -> refill;
 *   TAP reads straight into free TX slots (DMA memory) -> one ena_txq_post()
 *   burst, one doorbell;
 * and when a pass found nothing to do for busy_poll_us, it unmasks the
 * vector (ena_qpair_unmask), polls once more, and sleeps in epoll on the
 * MSI-X eventfd, the TAP fd (only while TX slots are free) and its wake
 * eventfd, at most WORKER_HEARTBEAT_MS at a time.
 *
 * Offloads: a frame the TAP hands over with VIRTIO_NET_HDR_F_NEEDS_CSUM is
 * sent with the device's partial L4 checksum offload when the device has it
 * for that IP version (and tx_csum is on), else completed in software
 * (tap_csum_complete). A GSO frame is sent as one TSO packet when the device
 * can (tso on, TSO for that IP version, within the device's descriptor and
 * header limits), else cut into MTU-sized frames in software
 * (tap_gso_segment). RX frames the device verified (ENA_RX_CSUM_GOOD, and
 * rx_csum on) are written with VIRTIO_NET_HDR_F_DATA_VALID; frames with a bad
 * checksum are still delivered (the kernel drops them and counts it).
 *
 * Errors: a queue failure (ena_txq_poll / ena_rxq_poll returning -EPROTO,
 * or a post refused with -EPROTO) is sticky in libena; the worker stops
 * touching the rings, writes 1 to @notify_fd and keeps sleeping until it is
 * stopped. The port reads the reason from ena_txq_failed()/ena_rxq_failed().
 */

#define WORKER_HEARTBEAT_MS 200 /* longest sleep: the heartbeat moves at least this often */
#define WORKER_BURST 32         /* packets per TAP-read / post / poll batch */

/* What the TAP may hand over and the device may take (from the device's
 * offload attributes and the user's tx_checksum / rx_checksum / tso). */
struct worker_offloads {
	bool tx_csum4;  /* partial L4 checksum for IPv4 TCP/UDP */
	bool tx_csum6;  /* partial L4 checksum for IPv6 TCP/UDP */
	bool tso4;      /* TSO for IPv4 TCP */
	bool tso6;      /* TSO for IPv6 TCP */
	bool tso_ecn;   /* TSO also for GSO_ECN frames (device TSO_ECN); else software GSO */
	bool rx_csum;   /* trust the device's RX checksum verdicts */
};

struct worker_params {
	unsigned int index;        /* queue pair index */
	struct ena_dev *dev;       /* for DMA memory */
	struct ena_qpair *qp;      /* created, with an irq eventfd (or -1: pure polling) */
	int tap_fd;                /* this queue's TAP fd (non-blocking, vnet header 10 B) */
	int notify_fd;             /* eventfd the worker writes 1 to on a queue failure */
	int numa_node;             /* node for buffers; -1 = any */
	cpu_set_t cpus;            /* CPUs the thread may run on; empty = enad's own */
	uint32_t mtu;              /* largest frame to build when segmenting: mtu + 14 (+4 VLAN) */
	uint32_t busy_poll_us;     /* keep polling this long after the last work; 0 = sleep at once */
	uint32_t tx_slots;         /* TX buffers (each holds a 64 KiB GSO frame); 0 = min(tx depth, 256) */
	struct worker_offloads offloads;
	const struct log_dev *log; /* the port's, for (rate-limited) messages */
};

/* Counters the worker keeps beside libena's per-queue ones. Names are the
 * ones printed by stats.get. */
struct worker_stats {
	uint64_t tap_rx_frames;      /* frames read from the TAP (host -> device) */
	uint64_t tap_rx_bytes;
	uint64_t tap_tx_frames;      /* frames written to the TAP (device -> host) */
	uint64_t tap_tx_bytes;
	uint64_t tap_tx_errors;      /* TAP writes that failed (frame lost) */
	uint64_t tx_sw_csum;         /* checksums completed in software */
	uint64_t tx_sw_gso;          /* GSO frames segmented in software */
	uint64_t tx_sw_gso_segs;     /* segments they produced */
	uint64_t tx_dropped;         /* frames from the TAP we could not send (malformed, too big) */
	uint64_t rx_csum_bad;        /* device said the checksum is bad (delivered anyway) */
	uint64_t wakeups;            /* returns from epoll_wait */
	uint64_t busy_polls;         /* passes with no work inside the busy-poll window */
};

struct worker;

/**
 * worker_create() - allocate the buffers, post RX buffers to fill the RX
 * ring, and prepare (not start) the thread.
 * @p: parameters (copied; @p->log must outlive the worker).
 * @ret: the worker; untouched on failure.
 * Return: 0, -ENOMEM, or a libena error from the first refill.
 */
int worker_create(const struct worker_params *p, struct worker **ret);

/**
 * worker_start() - start the thread, confined to @p->cpus unless it is empty.
 * Return: 0 or -errno (pthread_create, pthread_attr_setaffinity_np).
 */
int worker_start(struct worker *w);

/**
 * worker_stop() - quiesce: ask the thread to stop, wake it, and join it.
 * When this returns the worker touches nothing until worker_start() again.
 * Idempotent; fine on a worker that never started.
 */
void worker_stop(struct worker *w);

/**
 * worker_destroy() - stop, and free the buffers and everything else. Call
 * when the device no longer uses the buffers: after ena_qpair_destroy() or
 * a device reset. It never touches the qpair (which may be freed by then):
 * all buffers are in the worker's own DMA memory, released whole, so no
 * ena_txq_drain()/ena_rxq_drain() is needed. NULL is fine.
 */
void worker_destroy(struct worker *w);

/** worker_set_busy_poll() - change the busy-poll window (any thread, takes effect next pass). */
void worker_set_busy_poll(struct worker *w, uint32_t busy_poll_us);

/** worker_set_offloads() - change offload use (call while stopped). */
void worker_set_offloads(struct worker *w, const struct worker_offloads *o);

/** worker_get_stats() - snapshot of the counters (any thread). */
void worker_get_stats(const struct worker *w, struct worker_stats *ret);

/**
 * worker_heartbeat() - a counter the thread bumps on every pass and at
 * least every WORKER_HEARTBEAT_MS while it sleeps (any thread). A running
 * worker whose heartbeat does not move is stuck.
 */
uint64_t worker_heartbeat(const struct worker *w);

/** worker_running() - the thread is started and not stopped (any thread). */
bool worker_running(const struct worker *w);

/** worker_failed() - the worker saw a queue failure and stopped working its rings. */
bool worker_failed(const struct worker *w);

/** worker_wake() - make the thread run a pass now (e.g. the watchdog saw an empty RX ring). */
void worker_wake(struct worker *w);

/**
 * worker_stall() - fault injection for tests: the thread stops making
 * progress (no heartbeat, no packets) until stopped, as a stuck worker would.
 * Returns once the thread has stalled (at once when it is not running).
 */
void worker_stall(struct worker *w);

/* Where the worker's packet buffers are, for tests and diagnostics. */
struct worker_buffers {
	uint32_t tx_slots;    /* TX buffers in all: frame slots + software-GSO segment slots */
	uint32_t tx_free;     /* free now */
	uint32_t tx_pending;  /* holding a frame that waits for ring (or segment) space */
	uint32_t tx_inflight; /* posted, completion not seen yet */
	uint32_t rx_bufs;     /* RX buffers in all */
	uint32_t rx_posted;   /* in the RX ring */
	uint32_t rx_held;     /* received back, not reposted yet */
};

/**
 * worker_get_buffers() - the counts as of the thread's last pass (any
 * thread; exact while stopped). Nothing is lost when tx_free + tx_pending
 * + tx_inflight == tx_slots and rx_posted + rx_held == rx_bufs.
 */
void worker_get_buffers(const struct worker *w, struct worker_buffers *ret);

/** worker_stats_name() - name of the n-th struct worker_stats field; NULL past the end. */
const char *worker_stats_name(unsigned int n);
/** worker_stats_value() - the n-th field of @s, in the order worker_stats_name() gives. */
uint64_t worker_stats_value(const struct worker_stats *s, unsigned int n);

#endif
