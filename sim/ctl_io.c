/* SPDX-License-Identifier: MIT */
/* enasim control verbs of the datapath (faults, allowances) and the
 * datapath part of show. Runs with dev->lock held. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ctl.h"
#include "ctl_io.h"
#include "eni.h"
#include "io_priv.h"

static int set_fault(struct sim_device *dev, const char *verb, enum sim_io_fault f,
		     uint32_t value, char *err, size_t errlen)
{
	int r = sim_io_fault_set(dev, f, value);

	if (r == -ENODEV)
		return sim_ctl_fail(err, errlen, "%s: this device has no datapath engine", verb);
	if (r < 0)
		return sim_ctl_fail(err, errlen, "%s: value %" PRIu32 " is not allowed", verb, value);
	return 0;
}

static int on_off(const char *verb, const char *arg, uint32_t *ret, char *err, size_t errlen)
{
	bool on;
	int r = sim_ctl_parse_on_off(verb, arg, &on, err, errlen);

	if (r == 0)
		*ret = on;
	return r;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!s[0] || s[0] == '-' || s[0] == '+')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end || errno || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int sim_ctl_verb_corrupt(struct sim_device *dev, const char *const *args, unsigned int n,
			 struct json_object *reply, char *err, size_t errlen)
{
	if (strcmp(args[0], "tx-req-id") == 0)
		return set_fault(dev, "corrupt", SIM_IO_FAULT_CORRUPT_TX_REQ_ID, 1, err, errlen);
	if (strcmp(args[0], "rx-req-id") == 0)
		return set_fault(dev, "corrupt", SIM_IO_FAULT_CORRUPT_RX_REQ_ID, 1, err, errlen);
	return sim_ctl_fail(err, errlen, "corrupt: '%s' is not allowed; use tx-req-id or rx-req-id",
		    args[0]);
}

int sim_ctl_verb_tx_complete(struct sim_device *dev, const char *const *args, unsigned int n,
			     struct json_object *reply, char *err, size_t errlen)
{
	uint32_t on = 0;

	if (on_off("tx-complete", args[0], &on, err, errlen) < 0)
		return -EINVAL;
	return set_fault(dev, "tx-complete", SIM_IO_FAULT_TX_COMPLETE_OFF, !on, err, errlen);
}

int sim_ctl_verb_rx_descs(struct sim_device *dev, const char *const *args, unsigned int n,
			  struct json_object *reply, char *err, size_t errlen)
{
	uint64_t v;

	if (parse_u64(args[0], SIM_IO_RX_DESCS_MAX, &v) < 0 || v == 0)
		return sim_ctl_fail(err, errlen, "rx-descs: '%s' is not allowed; use 1..%u", args[0],
			    SIM_IO_RX_DESCS_MAX);
	return set_fault(dev, "rx-descs", SIM_IO_FAULT_RX_DESCS, (uint32_t)v, err, errlen);
}

int sim_ctl_verb_swallow_irq(struct sim_device *dev, const char *const *args, unsigned int n,
			     struct json_object *reply, char *err, size_t errlen)
{
	uint32_t on = 0;

	if (on_off("swallow-irq", args[0], &on, err, errlen) < 0)
		return -EINVAL;
	return set_fault(dev, "swallow-irq", SIM_IO_FAULT_SWALLOW_IRQ, on, err, errlen);
}

int sim_ctl_verb_suspend(struct sim_device *dev, const char *const *args, unsigned int n,
			 struct json_object *reply, char *err, size_t errlen)
{
	return set_fault(dev, "suspend", SIM_IO_FAULT_SUSPEND, 1, err, errlen);
}

int sim_ctl_verb_resume(struct sim_device *dev, const char *const *args, unsigned int n,
			struct json_object *reply, char *err, size_t errlen)
{
	return set_fault(dev, "resume", SIM_IO_FAULT_SUSPEND, 0, err, errlen);
}

int sim_ctl_verb_tx_ooo(struct sim_device *dev, const char *const *args, unsigned int n,
			struct json_object *reply, char *err, size_t errlen)
{
	uint32_t on = 0;

	if (on_off("tx-ooo", args[0], &on, err, errlen) < 0)
		return -EINVAL;
	return set_fault(dev, "tx-ooo", SIM_IO_FAULT_TX_OOO, on, err, errlen);
}

int sim_ctl_verb_allowance(struct sim_device *dev, const char *const *args, unsigned int n,
			   struct json_object *reply, char *err, size_t errlen)
{
	int kind = sim_eni_kind_parse(args[0]);
	uint64_t rate;
	int r;

	if (kind < 0)
		return sim_ctl_fail(err, errlen,
			    "allowance: '%s' is not allowed; use bw-in, bw-out, pps, conntrack or linklocal",
			    args[0]);
	if (parse_u64(args[1], UINT64_MAX, &rate) < 0)
		return sim_ctl_fail(err, errlen,
			    "allowance: rate '%s' is not allowed; use a non-negative integer (0 = unlimited)",
			    args[1]);
	r = sim_io_allowance_set(dev, (unsigned int)kind, rate);
	if (r == -ENODEV)
		return sim_ctl_fail(err, errlen, "allowance: this device has no datapath engine");
	if (r == -ERANGE && kind == SIM_ENI_CONNTRACK)
		return sim_ctl_fail(err, errlen, "allowance: conntrack %s is too large; use 0..%u", args[1],
			    SIM_ENI_CONNTRACK_MAX);
	if (r < 0)
		return sim_ctl_fail(err, errlen, "allowance: rate %s is too large", args[1]);
	return 0;
}

/* ---- show ---- */

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void show_sq(struct json_object *arr, const struct io_sq *sq, unsigned int idx)
{
	struct json_object *o = json_object_new_object();

	add_int(o, "idx", idx);
	add_int(o, "pkts", (int64_t)sq->pub.pkts);
	add_int(o, "bytes", (int64_t)sq->pub.bytes);
	add_int(o, "drops", (int64_t)sq->pub.drops);
	add_int(o, "bad_descs", (int64_t)sq->pub.bad);
	add_int(o, "head", sq->pub_head);
	json_object_object_add(o, "stopped", json_object_new_boolean(sq->pub_stopped));
	json_object_array_add(arr, o);
}

static struct json_object *show_faults(struct sim_device *dev)
{
	static const char *const names[SIM_IO_FAULT__COUNT] = {
		[SIM_IO_FAULT_CORRUPT_TX_REQ_ID] = "corrupt_tx_req_id",
		[SIM_IO_FAULT_CORRUPT_RX_REQ_ID] = "corrupt_rx_req_id",
		[SIM_IO_FAULT_TX_COMPLETE_OFF] = "tx_complete_off",
		[SIM_IO_FAULT_RX_DESCS] = "rx_descs",
		[SIM_IO_FAULT_SWALLOW_IRQ] = "swallow_irq",
		[SIM_IO_FAULT_SUSPEND] = "suspended",
		[SIM_IO_FAULT_TX_OOO] = "tx_ooo",
	};
	struct json_object *o = json_object_new_object();

	for (unsigned int f = 0; f < SIM_IO_FAULT__COUNT; f++)
		add_int(o, names[f], sim_io_fault_get(dev, (enum sim_io_fault)f));
	return o;
}

void sim_ctl_io_show(struct sim_device *dev, struct json_object *reply)
{
	static const char *const exceeded[SIM_ENI__COUNT] = {
		[SIM_ENI_BW_IN] = "bw_in_allowance_exceeded",
		[SIM_ENI_BW_OUT] = "bw_out_allowance_exceeded",
		[SIM_ENI_PPS] = "pps_allowance_exceeded",
		[SIM_ENI_CONNTRACK] = "conntrack_allowance_exceeded",
		[SIM_ENI_LINKLOCAL] = "linklocal_allowance_exceeded",
	};
	struct sim_io *io = dev->io;
	struct json_object *o, *tx, *rx, *vecs, *eni, *lim;

	eni = json_object_new_object();
	lim = json_object_new_object();
	for (unsigned int k = 0; k < SIM_ENI__COUNT; k++) {
		add_int(eni, exceeded[k], (int64_t)dev->stats.eni[sim_eni_metric(k)]);
		add_int(lim, sim_eni_kind_name(k), io ? (int64_t)sim_eni_get_limit(&io->eni, k) : 0);
	}
	add_int(eni, "conntrack_allowance_available",
		(int64_t)dev->stats.eni[ENA_METRIC_CONNTRACK_ALLOWANCE_AVAILABLE]);
	json_object_object_add(eni, "allowances", lim);
	json_object_object_add(reply, "eni", eni);
	if (!io) {
		json_object_object_add(reply, "io", NULL);
		return;
	}
	o = json_object_new_object();
	tx = json_object_new_array();
	rx = json_object_new_array();
	vecs = json_object_new_array();
	json_object_object_add(o, "wire", json_object_new_string(io->wire->kind));
	json_object_object_add(o, "faults", show_faults(dev));
	add_int(o, "tx_pkts", (int64_t)dev->stats.tx_pkts);
	add_int(o, "tx_bytes", (int64_t)dev->stats.tx_bytes);
	add_int(o, "tx_drops", (int64_t)dev->stats.tx_drops);
	add_int(o, "rx_pkts", (int64_t)dev->stats.rx_pkts);
	add_int(o, "rx_bytes", (int64_t)dev->stats.rx_bytes);
	add_int(o, "rx_drops", (int64_t)dev->stats.rx_drops);
	add_int(o, "rx_overruns", (int64_t)dev->stats.rx_overruns);
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++) {
		if (dev->tx_sq[i].used && io->tx[i].serial == dev->tx_sq[i].serial)
			show_sq(tx, &io->tx[i], i);
		if (dev->rx_sq[i].used && io->rx[i].serial == dev->rx_sq[i].serial)
			show_sq(rx, &io->rx[i], i);
	}
	for (unsigned int v = 1; v < dev->nr_vectors; v++) {
		const struct io_vector *vec = &io->vec[v];
		struct json_object *jv;

		if (!vec->pub_fired && !vec->users)
			continue;
		jv = json_object_new_object();
		add_int(jv, "vector", v);
		json_object_object_add(jv, "masked", json_object_new_boolean(vec->pub_masked));
		add_int(jv, "fired", (int64_t)vec->pub_fired);
		add_int(jv, "rx_delay", vec->pub_rx_delay);
		add_int(jv, "tx_delay", vec->pub_tx_delay);
		json_object_array_add(vecs, jv);
	}
	json_object_object_add(o, "tx_queues", tx);
	json_object_object_add(o, "rx_queues", rx);
	json_object_object_add(o, "vectors", vecs);
	json_object_object_add(reply, "io", o);
}
