/* SPDX-License-Identifier: MIT */
/* enasim ENI allowances: the per-interface limits of an EC2 ENI (bandwidth
 * in and out, packets per second, tracked connections, link-local packets
 * per second), enforced as token buckets and a flow table. Frames over an
 * allowance are dropped and the matching *_allowance_exceeded counter grows. */
#ifndef ENASIM_ENI_H
#define ENASIM_ENI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_eni_kind {
	SIM_ENI_BW_IN = 0,   /* bytes/s received */
	SIM_ENI_BW_OUT,      /* bytes/s sent */
	SIM_ENI_PPS,         /* packets/s, both directions */
	SIM_ENI_CONNTRACK,   /* tracked flows (entries) */
	SIM_ENI_LINKLOCAL,   /* packets/s to or from 169.254.0.0/16 */
	SIM_ENI__COUNT,
};

#define SIM_ENI_CONNTRACK_MAX 16384u     /* largest conntrack allowance */
#define SIM_ENI_CONNTRACK_IDLE_US (180ull * 1000000ull)

struct eni_bucket {
	uint64_t rate;       /* per second; 0 = unlimited */
	uint64_t tokens;     /* in millionths */
	uint64_t last_us;
};

struct eni_flow {
	uint64_t key;        /* 0 empty, 1 deleted */
	uint64_t last_us;
};

struct sim_eni {
	uint64_t limit[SIM_ENI__COUNT];   /* written by ctl (atomic), 0 = unlimited */
	uint64_t applied[SIM_ENI__COUNT]; /* what the IO thread enforces */
	struct eni_bucket bucket[SIM_ENI__COUNT];
	struct eni_flow *flows;           /* open addressing, 2 x max slots */
	uint32_t nr_flows, nr_deleted;
	uint64_t last_sweep_us;
};

/** sim_eni_kind_parse() - "bw-in", "bw-out", "pps", "conntrack",
 * "linklocal" to a kind. Return: the kind or -EINVAL. */
int sim_eni_kind_parse(const char *name);
/** sim_eni_kind_name() - the ctl spelling of @kind. */
const char *sim_eni_kind_name(unsigned int kind);
/** sim_eni_metric() - the ENA_METRIC_*_ALLOWANCE_EXCEEDED id of @kind. */
unsigned int sim_eni_metric(unsigned int kind);

/** sim_eni_init() - no limits; allocates the flow table. Return 0 or -ENOMEM. */
int sim_eni_init(struct sim_eni *e);
/** sim_eni_fini() - free the flow table. */
void sim_eni_fini(struct sim_eni *e);

/** sim_eni_set_limit() - any thread: new allowance (takes effect at the IO
 * thread's next frame). Return: 0 or -ERANGE (conntrack over the max). */
int sim_eni_set_limit(struct sim_eni *e, unsigned int kind, uint64_t value);
/** sim_eni_get_limit() - any thread. */
uint64_t sim_eni_get_limit(const struct sim_eni *e, unsigned int kind);

/**
 * sim_eni_admit() - IO thread: account a frame (@pkts wire packets, @bytes
 * bytes; @f its first bytes for the flow and link-local checks).
 * @tx: sent by the device (else received).
 * Return: -1 admitted, else the exceeded kind (the frame must be dropped;
 * nothing was consumed).
 */
int sim_eni_admit(struct sim_eni *e, bool tx, const uint8_t *f, size_t len, unsigned int pkts,
		  uint64_t bytes, uint64_t now_us);

/** sim_eni_conntrack_available() - IO thread: entries left before the
 * conntrack allowance is exceeded (the max when unlimited). */
uint64_t sim_eni_conntrack_available(const struct sim_eni *e);

#endif /* ENASIM_ENI_H */
