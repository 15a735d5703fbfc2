/* SPDX-License-Identifier: MIT */
/* enasim ENI allowances: token buckets and a connection-tracking table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ena/admin.h"
#include "eni.h"
#include "frame.h"

#define FLOW_SLOTS (2u * SIM_ENI_CONNTRACK_MAX)
#define FLOW_EMPTY 0u
#define FLOW_DELETED 1u
#define MICRO 1000000ull
#define SWEEP_INTERVAL_US MICRO

static const char *const kind_names[SIM_ENI__COUNT] = {
	[SIM_ENI_BW_IN] = "bw-in",
	[SIM_ENI_BW_OUT] = "bw-out",
	[SIM_ENI_PPS] = "pps",
	[SIM_ENI_CONNTRACK] = "conntrack",
	[SIM_ENI_LINKLOCAL] = "linklocal",
};

static const unsigned int kind_metrics[SIM_ENI__COUNT] = {
	[SIM_ENI_BW_IN] = ENA_METRIC_BW_IN_ALLOWANCE_EXCEEDED,
	[SIM_ENI_BW_OUT] = ENA_METRIC_BW_OUT_ALLOWANCE_EXCEEDED,
	[SIM_ENI_PPS] = ENA_METRIC_PPS_ALLOWANCE_EXCEEDED,
	[SIM_ENI_CONNTRACK] = ENA_METRIC_CONNTRACK_ALLOWANCE_EXCEEDED,
	[SIM_ENI_LINKLOCAL] = ENA_METRIC_LINKLOCAL_ALLOWANCE_EXCEEDED,
};

int sim_eni_kind_parse(const char *name)
{
	for (unsigned int k = 0; k < SIM_ENI__COUNT; k++)
		if (strcmp(kind_names[k], name) == 0)
			return (int)k;
	return -EINVAL;
}

const char *sim_eni_kind_name(unsigned int kind)
{
	return kind < SIM_ENI__COUNT ? kind_names[kind] : "unknown";
}

unsigned int sim_eni_metric(unsigned int kind)
{
	return kind < SIM_ENI__COUNT ? kind_metrics[kind] : 0;
}

int sim_eni_init(struct sim_eni *e)
{
	memset(e, 0, sizeof(*e));
	e->flows = calloc(FLOW_SLOTS, sizeof(*e->flows));
	return e->flows ? 0 : -ENOMEM;
}

void sim_eni_fini(struct sim_eni *e)
{
	free(e->flows);
	e->flows = NULL;
}

int sim_eni_set_limit(struct sim_eni *e, unsigned int kind, uint64_t value)
{
	if (kind >= SIM_ENI__COUNT)
		return -EINVAL;
	if (kind == SIM_ENI_CONNTRACK && value > SIM_ENI_CONNTRACK_MAX)
		return -ERANGE;
	if (kind != SIM_ENI_CONNTRACK && value > UINT64_MAX / (MICRO * 4))
		return -ERANGE;
	__atomic_store_n(&e->limit[kind], value, __ATOMIC_RELEASE);
	return 0;
}

uint64_t sim_eni_get_limit(const struct sim_eni *e, unsigned int kind)
{
	return kind < SIM_ENI__COUNT ? __atomic_load_n(&e->limit[kind], __ATOMIC_ACQUIRE) : 0;
}

/* Pick up limits changed from ctl: a new rate starts with a full bucket,
 * a new conntrack allowance with an empty table. */
static void limits_apply(struct sim_eni *e, uint64_t now_us)
{
	for (unsigned int k = 0; k < SIM_ENI__COUNT; k++) {
		uint64_t v = __atomic_load_n(&e->limit[k], __ATOMIC_ACQUIRE);

		if (v == e->applied[k])
			continue;
		e->applied[k] = v;
		if (k == SIM_ENI_CONNTRACK) {
			memset(e->flows, 0, FLOW_SLOTS * sizeof(*e->flows));
			e->nr_flows = e->nr_deleted = 0;
		} else {
			e->bucket[k].rate = v;
			e->bucket[k].tokens = v * MICRO;
			e->bucket[k].last_us = now_us;
		}
	}
}

static void bucket_refill(struct eni_bucket *b, uint64_t now_us)
{
	uint64_t cap = b->rate * MICRO;
	uint64_t dt = now_us > b->last_us ? now_us - b->last_us : 0;

	b->last_us = now_us;
	if (dt >= MICRO || b->tokens + dt * b->rate >= cap)
		b->tokens = cap;
	else
		b->tokens += dt * b->rate;
}

static bool bucket_has(struct eni_bucket *b, uint64_t cost, uint64_t now_us)
{
	if (!b->rate)
		return true;
	bucket_refill(b, now_us);
	return cost <= b->rate && cost * MICRO <= b->tokens;
}

static void bucket_take(struct eni_bucket *b, uint64_t cost)
{
	if (b->rate)
		b->tokens -= cost * MICRO;
}

static bool ipv4_linklocal(const uint8_t *a)
{
	return a[0] == 169 && a[1] == 254;
}

/* Direction-independent key of the frame's flow, 0 when it is not IP. */
static uint64_t flow_key(const uint8_t *f, const struct frame_info *pi)
{
	const uint8_t *ip = f + pi->l3_off;
	const uint8_t *a, *b;
	uint8_t buf[2 * 18 + 1];
	unsigned int alen = pi->ip_version == 4 ? 4 : 16;
	uint16_t pa = 0, pb = 0;
	uint64_t h = 0xcbf29ce484222325ull;

	if (!pi->ip_version)
		return 0;
	a = ip + (pi->ip_version == 4 ? 12 : 8);
	b = a + alen;
	if (pi->l4_off) {
		pa = get_be16(f + pi->l4_off);
		pb = get_be16(f + pi->l4_off + 2);
	}
	if (memcmp(a, b, alen) > 0 || (memcmp(a, b, alen) == 0 && pa > pb)) {
		const uint8_t *t = a;
		uint16_t tp = pa;

		a = b;
		b = t;
		pa = pb;
		pb = tp;
	}
	memcpy(buf, a, alen);
	put_be16(buf + alen, pa);
	memcpy(buf + alen + 2, b, alen);
	put_be16(buf + 2 * alen + 2, pb);
	buf[2 * alen + 4] = pi->ip_proto;
	for (unsigned int i = 0; i < 2 * alen + 5; i++)
		h = (h ^ buf[i]) * 0x100000001b3ull;
	return h < 2 ? h + 2 : h;
}

static struct eni_flow *flow_find(struct sim_eni *e, uint64_t key, struct eni_flow **ret_free)
{
	uint32_t i = (uint32_t)(key ^ (key >> 32)) & (FLOW_SLOTS - 1);

	*ret_free = NULL;
	for (uint32_t n = 0; n < FLOW_SLOTS; n++, i = (i + 1) & (FLOW_SLOTS - 1)) {
		struct eni_flow *fl = &e->flows[i];

		if (fl->key == key)
			return fl;
		if (fl->key == FLOW_DELETED && !*ret_free)
			*ret_free = fl;
		if (fl->key == FLOW_EMPTY) {
			if (!*ret_free)
				*ret_free = fl;
			return NULL;
		}
	}
	return NULL;
}

/* Forget idle flows; at most once a second (it walks the whole table). */
static void flows_sweep(struct sim_eni *e, uint64_t now_us)
{
	if (e->last_sweep_us && now_us - e->last_sweep_us < SWEEP_INTERVAL_US)
		return;
	e->last_sweep_us = now_us;
	for (uint32_t i = 0; i < FLOW_SLOTS; i++) {
		struct eni_flow *fl = &e->flows[i];

		if (fl->key > FLOW_DELETED && now_us - fl->last_us > SIM_ENI_CONNTRACK_IDLE_US) {
			fl->key = FLOW_DELETED;
			e->nr_flows--;
			e->nr_deleted++;
		}
	}
	if (e->nr_flows == 0) {
		memset(e->flows, 0, FLOW_SLOTS * sizeof(*e->flows));
		e->nr_deleted = 0;
	}
}

/* Track the flow; false when it is new and the allowance is used up. */
static bool conntrack_admit(struct sim_eni *e, uint64_t key, uint64_t now_us)
{
	struct eni_flow *fl, *slot;

	if (!e->applied[SIM_ENI_CONNTRACK] || !key)
		return true;
	fl = flow_find(e, key, &slot);
	if (fl) {
		fl->last_us = now_us;
		return true;
	}
	if (e->nr_flows >= e->applied[SIM_ENI_CONNTRACK]) {
		flows_sweep(e, now_us);
		if (e->nr_flows >= e->applied[SIM_ENI_CONNTRACK])
			return false;
		fl = flow_find(e, key, &slot);
	}
	if (!slot)
		return false;
	if (slot->key == FLOW_DELETED)
		e->nr_deleted--;
	slot->key = key;
	slot->last_us = now_us;
	e->nr_flows++;
	return true;
}

int sim_eni_admit(struct sim_eni *e, bool tx, const uint8_t *f, size_t len, unsigned int pkts,
		  uint64_t bytes, uint64_t now_us)
{
	unsigned int bw = tx ? SIM_ENI_BW_OUT : SIM_ENI_BW_IN;
	struct frame_info pi;
	bool linklocal = false;

	limits_apply(e, now_us);
	if (!e->applied[SIM_ENI_BW_IN] && !e->applied[SIM_ENI_BW_OUT] && !e->applied[SIM_ENI_PPS] &&
	    !e->applied[SIM_ENI_CONNTRACK] && !e->applied[SIM_ENI_LINKLOCAL])
		return -1;
	if (!bucket_has(&e->bucket[bw], bytes, now_us))
		return (int)bw;
	if (!bucket_has(&e->bucket[SIM_ENI_PPS], pkts, now_us))
		return SIM_ENI_PPS;
	frame_parse(f, len, &pi);
	if (pi.ip_version == 4)
		linklocal = ipv4_linklocal(f + pi.l3_off + (tx ? 16 : 12));
	if (linklocal && !bucket_has(&e->bucket[SIM_ENI_LINKLOCAL], pkts, now_us))
		return SIM_ENI_LINKLOCAL;
	if (!conntrack_admit(e, flow_key(f, &pi), now_us))
		return SIM_ENI_CONNTRACK;
	bucket_take(&e->bucket[bw], bytes);
	bucket_take(&e->bucket[SIM_ENI_PPS], pkts);
	if (linklocal)
		bucket_take(&e->bucket[SIM_ENI_LINKLOCAL], pkts);
	return -1;
}

uint64_t sim_eni_conntrack_available(const struct sim_eni *e)
{
	uint64_t lim = e->applied[SIM_ENI_CONNTRACK];

	if (!lim)
		return SIM_ENI_CONNTRACK_MAX;
	return lim > e->nr_flows ? lim - e->nr_flows : 0;
}
