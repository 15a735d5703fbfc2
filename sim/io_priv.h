/* SPDX-License-Identifier: MIT */
/* enasim IO engine internals shared by io.c (thread, snapshot, interrupts,
 * counters), io_tx.c (TX parsing) and io_rx.c (RX steering). Everything
 * here belongs to the engine; see io.h for the locking rules. */
#ifndef ENASIM_IO_PRIV_H
#define ENASIM_IO_PRIV_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "device.h"
#include "eni.h"
#include "io.h"
#include "offload.h"
#include "wire.h"

#define IO_TX_BUDGET 64u           /* packets per TX queue per pass */
#define IO_RX_BUDGET 256u          /* frames from the wire per pass */
#define IO_LLQ_SNAP 64u            /* LLQ entries copied per look */
#define IO_FRAME_MAX WIRE_FRAME_MAX
#define IO_RX_DESC_MAX (SIM_IO_RX_DESCS_MAX > SIM_MAX_PACKET_DESCS ? SIM_IO_RX_DESCS_MAX \
								    : SIM_MAX_PACKET_DESCS)

struct io_qstats {
	uint64_t pkts, bytes, drops, bad;
};

struct io_cq {
	bool used;
	uint32_t serial;
	uint8_t direction;
	uint8_t entry_size;        /* bytes */
	uint32_t depth;
	uint64_t ba;
	uint32_t vector;           /* >= nr_vectors: no interrupt */
	uint32_t unmask_off;
	uint16_t tail;             /* free-running producer */
	uint32_t intr_reg;         /* last unmask register write seen */
	uint8_t *ring;             /* resolved per pass; NULL when unmapped */
};

/* Per-SQ TX meta cache (starts zeroed). */
struct io_meta {
	uint16_t mss;
	uint8_t l3_hdr_len;
	uint8_t l3_hdr_off;
	uint8_t l4_hdr_len;        /* in 32-bit words */
};

struct io_sq {
	bool used;
	bool usable;               /* configuration checked at snapshot */
	uint32_t serial;
	bool llq;
	uint32_t depth;
	uint64_t ba;
	uint32_t db_off;
	uint32_t llq_off;
	uint16_t cq_idx;
	uint16_t head;             /* free-running (descriptors, or LLQ entries) */
	bool stopped;              /* a malformed descriptor stopped the queue */
	struct io_meta meta;
	uint8_t *ring;             /* host ring, resolved per pass */
	struct io_qstats st;       /* live (engine) */
	struct io_qstats pub;      /* published under dev->lock */
	bool pub_stopped;
	uint16_t pub_head;
};

struct io_vector {
	uint32_t users;            /* CQs that use it */
	bool masked;
	bool pending_tx, pending_rx;
	bool armed;
	uint64_t deadline_us;
	uint16_t rx_delay, tx_delay; /* intr_delay_resolution units */
	uint64_t fired;
	/* published copy */
	bool pub_masked;
	uint64_t pub_fired;
	uint16_t pub_rx_delay, pub_tx_delay;
};

/* Counters not yet added to dev->stats. */
struct io_delta {
	uint64_t tx_bytes, tx_pkts, rx_bytes, rx_pkts;
	uint64_t rx_drops, tx_drops, rx_overruns;
	uint64_t eni[ENA_METRIC__COUNT];
};

struct io_txc {
	uint16_t req_id;
	uint16_t sq_head;
};

struct sim_io {
	struct sim_device *dev;
	struct wire *wire;
	pthread_mutex_t work_lock;
	unsigned int gen;          /* atomic; bumped by the device */
	unsigned int synced_gen;

	/* thread */
	pthread_t thread;
	bool threaded;
	int stop;                  /* atomic */
	int wake_fd;
	int epoll_fd;
	int timer_fd;
	int watched_wire_fd;
	bool poll_needed;          /* a queue has no doorbell eventfd */
	uint32_t poll_us;          /* atomic; keep polling this long after activity */
	uint64_t sleeps;           /* atomic; times the thread waited in epoll */

	uint64_t (*now_us)(void *ctx);
	void *clock_ctx;

	/* configuration snapshot */
	unsigned int nr_queues;
	unsigned int nr_vectors;
	struct io_sq tx[SIM_MAX_QUEUES];
	struct io_sq rx[SIM_MAX_QUEUES];
	struct io_cq cq[2 * SIM_MAX_QUEUES];
	struct io_vector vec[SIM_MAX_VECTORS];
	uint8_t rss_function;
	uint32_t rss_init_val;
	uint8_t rss_key[ENA_RSS_KEY_SIZE];   /* standard byte order */
	unsigned int rss_table_log;
	uint16_t rss_table[SIM_RSS_TABLE_SIZE];
	uint16_t rss_sort;
	uint16_t rss_fields[ENA_RSS_PROTO_NUM];
	uint32_t llq_entry;        /* bytes, 0 = LLQ not negotiated */
	uint32_t llq_before;       /* descriptors before the header */
	uint32_t llq_per_entry;    /* descriptors per following entry */
	uint32_t mtu;
	uint32_t tx_offloads, rx_offloads;
	uint8_t *bar0, *bar2;
	uint64_t bar2_size;

	/* counters and allowances */
	struct io_delta delta;
	bool dirty;
	struct sim_eni eni;

	/* faults (atomics, written by ctl) */
	uint32_t faults[SIM_IO_FAULT__COUNT];

	/* per-pass scratch, preallocated */
	uint64_t pass_now_us;
	uint8_t *frame;            /* gathered TX frame */
	uint8_t *seg;              /* TX segment */
	uint8_t *rxbuf;            /* frame from the wire */
	uint8_t *rxseg;            /* RX segment of a GSO frame */
	uint8_t *llq_snap;         /* IO_LLQ_SNAP x 256 */
	struct io_txc txc[IO_TX_BUDGET];
};

/* io.c */
uint64_t io_now_us(struct sim_io *io);
/** io_fault_take() - read and clear a one-shot fault. */
uint32_t io_fault_take(struct sim_io *io, enum sim_io_fault f);
static inline uint32_t io_fault(struct sim_io *io, enum sim_io_fault f)
{
	return __atomic_load_n(&io->faults[f], __ATOMIC_RELAXED);
}
/** io_sq_stop() - a malformed descriptor: count it and stop the queue. */
void io_sq_stop(struct sim_io *io, struct io_sq *sq, const char *dir, unsigned int idx,
		const char *why);
/** io_cq_slot() - next CQ entry to write (NULL when the ring is unmapped). */
uint8_t *io_cq_slot(struct io_cq *cq);
/** io_cq_written() - @n entries were written: interrupt bookkeeping. */
void io_cq_written(struct sim_io *io, struct io_cq *cq, unsigned int n);
/** io_sq_tail() - the SQ's doorbell value (the mapped doorbell page). */
uint16_t io_sq_tail(struct sim_io *io, const struct io_sq *sq);
/** io_wire_send() - send a frame, counting it (drains a full loop wire). */
void io_wire_send(struct sim_io *io, const uint8_t *f, size_t len, const struct sim_gso *gso,
		  unsigned int pkts, uint64_t bytes);

/* io_tx.c */
/** io_tx_process() - consume up to IO_TX_BUDGET packets of @sq.
 * Return: true when packets were left for the next pass. */
bool io_tx_process(struct sim_io *io, struct io_sq *sq, unsigned int idx);

/* io_rx.c */
/** io_rx_frame() - steer one frame from the wire into an RX queue. */
void io_rx_frame(struct sim_io *io, const uint8_t *f, size_t len);
/** io_rx_poll() - receive up to IO_RX_BUDGET frames from the wire.
 * Return: true when the budget was used up. */
bool io_rx_poll(struct sim_io *io);
/** io_rss_hash() - RSS hash of a frame; *ret_ip false for non-IP frames. */
uint32_t io_rss_hash(const struct sim_io *io, const uint8_t *f, size_t len, bool *ret_ip);

#endif /* ENASIM_IO_PRIV_H */
