/* SPDX-License-Identifier: MIT */
/* The control API's methods: find the port, decode, check, apply, render. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <ena/regs.h>

#include "log.h"
#include "manager.h"
#include "rpc_decode.h"
#include "rpc_methods.h"

#define M(call) ((struct manager *)(call)->userdata)

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

static json_object *str_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

/* ---- finding the port ---- */

static json_object *device_names(const struct manager *m)
{
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < manager_n_ports(m); i++)
		json_object_array_add(a, json_object_new_string(port_name(manager_port(m, i))));
	return a;
}

/* The port named by "device" (optional with one port), or NULL with the error set. */
static struct port *find_port(struct rpc_call *call)
{
	struct manager *m = M(call);
	json_object *data;
	const char *name;
	struct port *p;

	if (rpc_param_device(call, &name) < 0)
		return NULL;
	p = manager_find_port(m, name);
	if (p)
		return p;
	data = json_object_new_object();
	if (data)
		add(data, "devices", device_names(m));
	if (name)
		rpc_fail(call, RPC_NO_DEVICE, data, "no device \"%s\"", name);
	else if (manager_n_ports(m) == 0)
		rpc_fail(call, RPC_NO_DEVICE, data, "enad runs no device");
	else
		rpc_fail(call, RPC_NO_DEVICE, data, "enad runs %u devices: name one with \"device\"",
			 manager_n_ports(m));
	return NULL;
}

static json_object *result_for(const struct port *p)
{
	json_object *o = json_object_new_object();

	if (o)
		add(o, "device", json_object_new_string(port_name(p)));
	return o;
}

/* ---- api.version, device.list, device.show ---- */

static int m_api_version(struct rpc_call *call);

static int m_device_list(struct rpc_call *call)
{
	struct manager *m = M(call);
	json_object *a;

	if (rpc_params_only(call, false, NULL) < 0)
		return -EINVAL;
	call->result = json_object_new_object();
	a = json_object_new_array();
	if (!call->result || !a) {
		json_object_put(a);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < manager_n_ports(m); i++) {
		struct port *p = manager_port(m, i);
		json_object *d = result_for(p);

		if (!d)
			break;
		add(d, "bus", json_object_new_string(port_config(p)->device));
		add(d, "state", json_object_new_string(port_state_name(port_state(p))));
		json_object_array_add(a, d);
	}
	add(call->result, "devices", a);
	return 0;
}

static json_object *flag_names(uint32_t bits, const char *const *names, unsigned int n)
{
	json_object *a = json_object_new_array();

	for (unsigned int i = 0; a && i < n; i++)
		if (bits & (1u << i))
			json_object_array_add(a, json_object_new_string(names[i]));
	return a;
}

static const char *const tx_offload_names[] = {
	"tx_l3_csum_ipv4", "tx_l4_ipv4_csum_part", "tx_l4_ipv4_csum_full", "tx_l4_ipv6_csum_part",
	"tx_l4_ipv6_csum_full", "tso_ipv4", "tso_ipv6", "tso_ecn",
};
static const char *const rx_offload_names[] = {
	"rx_l3_csum_ipv4", "rx_l4_ipv4_csum", "rx_l4_ipv6_csum", "rx_hash",
};

static int m_device_show(struct rpc_call *call)
{
	static const char *const device_params[] = { NULL };
	struct port_info info;
	json_object *o, *sub, *cpus;
	char buf[64];
	struct port *p;

	if (rpc_params_only(call, true, device_params) < 0)
		return -EINVAL;
	p = find_port(call);
	if (!p)
		return -EINVAL;
	port_get_info(p, &info);
	o = result_for(p);
	if (!o)
		return -ENOMEM;
	call->result = o;
	add(o, "bus", json_object_new_string(info.device));
	add(o, "state", json_object_new_string(port_state_name(info.state)));
	add(o, "state_reason", json_object_new_string(info.state_reason));
	add(o, "ifindex", json_object_new_int(info.ifindex));
	snprintf(buf, sizeof(buf), "%02x:%02x:%02x:%02x:%02x:%02x", info.mac[0], info.mac[1],
		 info.mac[2], info.mac[3], info.mac[4], info.mac[5]);
	add(o, "mac", json_object_new_string(buf));
	add(o, "mtu", json_object_new_int64(info.mtu));
	add(o, "max_mtu", json_object_new_int64(info.max_mtu));
	add(o, "link", json_object_new_boolean(info.link_up));
	add(o, "carrier", json_object_new_boolean(info.carrier));
	sub = json_object_new_object();
	if (sub) {
		add(sub, "enabled", json_object_new_boolean(info.llq_entry_size != 0));
		add(sub, "entry_size", json_object_new_int64(info.llq_entry_size));
		add(sub, "max_header", json_object_new_int64(info.llq_max_header));
		add(sub, "large_header", json_object_new_boolean(info.large_llq_header));
	}
	add(o, "llq", sub);
	add(o, "queues", json_object_new_int64(info.queues));
	add(o, "max_queues", json_object_new_int64(info.max_queues));
	sub = json_object_new_object();
	if (sub) {
		add(sub, "rx", json_object_new_int64(info.rx_depth));
		add(sub, "tx", json_object_new_int64(info.tx_depth));
		add(sub, "rx_max", json_object_new_int64(info.max_rx_depth));
		add(sub, "tx_max", json_object_new_int64(info.max_tx_depth));
	}
	add(o, "rings", sub);
	sub = json_object_new_object();
	if (sub) {
		add(sub, "tx_csum", json_object_new_boolean(info.tx_csum));
		add(sub, "rx_csum", json_object_new_boolean(info.rx_csum));
		add(sub, "tso", json_object_new_boolean(info.tso));
		add(sub, "device_tx", flag_names(info.offload.tx, tx_offload_names, 8));
		add(sub, "device_rx", flag_names(info.offload.rx_supported, rx_offload_names, 4));
	}
	add(o, "offloads", sub);
	sub = json_object_new_object();
	if (sub) {
		snprintf(buf, sizeof(buf), "%u.%u",
			 (info.version & ENA_VERSION_MAJOR_MASK) >> ENA_VERSION_MAJOR_SHIFT,
			 info.version & ENA_VERSION_MINOR_MASK);
		add(sub, "device", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "%u.%u.%u",
			 (info.controller_version & ENA_CTRL_VERSION_MAJOR_MASK) >>
				 ENA_CTRL_VERSION_MAJOR_SHIFT,
			 (info.controller_version & ENA_CTRL_VERSION_MINOR_MASK) >>
				 ENA_CTRL_VERSION_MINOR_SHIFT,
			 info.controller_version & ENA_CTRL_VERSION_SUBMINOR_MASK);
		add(sub, "controller", json_object_new_string(buf));
		add(sub, "impl", json_object_new_int64((info.controller_version &
							 ENA_CTRL_VERSION_IMPL_ID_MASK) >>
							ENA_CTRL_VERSION_IMPL_ID_SHIFT));
		add(sub, "device_version", json_object_new_int64(info.device_version));
	}
	add(o, "versions", sub);
	add(o, "numa_node", json_object_new_int(info.numa_node));
	cpus = json_object_new_array();
	for (uint32_t q = 0; cpus && q < info.queues && q < PARAM_QUEUES_MAX; q++)
		json_object_array_add(cpus, json_object_new_int(info.cpus[q]));
	add(o, "cpus", cpus);
	add(o, "rss_table_size", json_object_new_int64(info.rss_table_size));
	add(o, "uptime_ms", info.up_since_us ? json_object_new_int64((int64_t)(
						       (now_us() - info.up_since_us) / 1000))
					     : NULL);
	add(o, "last_recovery_ms", json_object_new_int64((int64_t)(info.last_recovery_us / 1000)));
	return 0;
}

/* ---- stats.get ---- */

static json_object *counters(const uint64_t *v, unsigned int n, const char *(*name)(unsigned int))
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; o && i < n; i++)
		if (name(i))
			add(o, name(i), json_object_new_int64((int64_t)v[i]));
	return o;
}

static json_object *worker_counters(const struct worker_stats *s)
{
	json_object *o = json_object_new_object();

	for (unsigned int i = 0; o && worker_stats_name(i); i++)
		add(o, worker_stats_name(i), json_object_new_int64((int64_t)worker_stats_value(s, i)));
	return o;
}

static json_object *admin_counters(const struct ena_admin_stats *a)
{
	json_object *o = json_object_new_object(), *aenq;

	if (!o)
		return NULL;
	/* Linux's ethtool -S names where it has them. */
	add(o, "ena_admin_q_submitted_cmd", json_object_new_int64((int64_t)a->submitted));
	add(o, "ena_admin_q_completed_cmd", json_object_new_int64((int64_t)a->completed));
	add(o, "ena_admin_q_aborted_cmd", json_object_new_int64((int64_t)a->aborted));
	add(o, "ena_admin_q_out_of_space", json_object_new_int64((int64_t)a->out_of_space));
	add(o, "ena_admin_q_no_completion", json_object_new_int64((int64_t)a->no_completion));
	add(o, "missing_admin_interrupt", json_object_new_int64((int64_t)a->missing_admin_interrupt));
	add(o, "bad_completion", json_object_new_int64((int64_t)a->bad_completion));
	add(o, "status_errors", json_object_new_int64((int64_t)a->status_errors));
	add(o, "readless_reads", json_object_new_int64((int64_t)a->readless_reads));
	add(o, "readless_timeouts", json_object_new_int64((int64_t)a->readless_timeouts));
	aenq = json_object_new_object();
	for (unsigned int g = 0; aenq && g < ENA_AENQ_GROUPS_NUM; g++) {
		const char *n = ena_aenq_group_name(g);
		char fallback[16];

		if (!n) {
			snprintf(fallback, sizeof(fallback), "group_%u", g);
			n = fallback;
		}
		add(aenq, n, json_object_new_int64((int64_t)a->aenq_events[g]));
	}
	if (aenq)
		add(aenq, "unknown", json_object_new_int64((int64_t)a->aenq_unknown));
	add(o, "aenq", aenq);
	return o;
}

static void add_eni(json_object *o, const struct ena_eni_stats *e)
{
	add(o, "bw_in_allowance_exceeded", json_object_new_int64((int64_t)e->bw_in_allowance_exceeded));
	add(o, "bw_out_allowance_exceeded",
	    json_object_new_int64((int64_t)e->bw_out_allowance_exceeded));
	add(o, "pps_allowance_exceeded", json_object_new_int64((int64_t)e->pps_allowance_exceeded));
	add(o, "conntrack_allowance_exceeded",
	    json_object_new_int64((int64_t)e->conntrack_allowance_exceeded));
	add(o, "linklocal_allowance_exceeded",
	    json_object_new_int64((int64_t)e->linklocal_allowance_exceeded));
}

static json_object *eni_counters(const struct port_stats *s)
{
	json_object *o;
	time_t t;
	struct tm tm;
	char buf[32];

	if (!s->has_eni)
		return NULL;
	o = json_object_new_object();
	if (!o)
		return NULL;
	t = (time_t)(s->eni_sample_realtime_us / 1000000u);
	if (gmtime_r(&t, &tm) && strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		add(o, "sample_time", json_object_new_string(buf));
	else
		add(o, "sample_time", NULL);
	add(o, "age_ms", json_object_new_int64((int64_t)(s->eni_sample_age_us / 1000)));
	add_eni(o, &s->eni);
	return o;
}

static int m_stats_get(struct rpc_call *call)
{
	static const char *const names[] = { "queues", "eni", NULL };
	bool queues = false, eni = true;
	struct port_stats *s;
	json_object *o, *g, *tot, *a;
	uint64_t tx_pkts = 0, tx_bytes = 0, rx_pkts = 0, rx_bytes = 0;
	struct port *p;
	unsigned int nq;

	if (rpc_params_only(call, true, names) < 0 || rpc_param_bool(call, "queues", &queues) < 0 ||
	    rpc_param_bool(call, "eni", &eni) < 0)
		return -EINVAL;
	p = find_port(call);
	if (!p)
		return -EINVAL;
	/* ~30 KiB with every queue: not on the stack of the control thread. */
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	port_get_stats(p, s);
	nq = s->n_queues < PARAM_QUEUES_MAX ? s->n_queues : PARAM_QUEUES_MAX;
	o = result_for(p);
	if (!o) {
		free(s);
		return -ENOMEM;
	}
	call->result = o;
	g = counters(s->v, PORT_STAT__COUNT, port_stat_name);
	if (g) {
		add(g, "rx_drops", json_object_new_int64((int64_t)s->keep_alive_rx_drops));
		add(g, "tx_drops", json_object_new_int64((int64_t)s->keep_alive_tx_drops));
		add(g, "rx_overruns", json_object_new_int64((int64_t)s->keep_alive_rx_overruns));
	}
	add(o, "global", g);
	add(o, "admin", admin_counters(&s->admin));
	for (unsigned int q = 0; q < nq; q++) {
		tx_pkts += s->queue[q].tx.v[ENA_TXQ_STAT_CNT];
		tx_bytes += s->queue[q].tx.v[ENA_TXQ_STAT_BYTES];
		rx_pkts += s->queue[q].rx.v[ENA_RXQ_STAT_CNT];
		rx_bytes += s->queue[q].rx.v[ENA_RXQ_STAT_BYTES];
	}
	tot = json_object_new_object();
	if (tot) {
		add(tot, "tx_packets", json_object_new_int64((int64_t)tx_pkts));
		add(tot, "tx_bytes", json_object_new_int64((int64_t)tx_bytes));
		add(tot, "rx_packets", json_object_new_int64((int64_t)rx_pkts));
		add(tot, "rx_bytes", json_object_new_int64((int64_t)rx_bytes));
	}
	add(o, "totals", tot);
	if (eni)
		add(o, "eni", eni_counters(s));
	if (queues) {
		a = json_object_new_array();
		for (unsigned int q = 0; a && q < nq; q++) {
			json_object *e = json_object_new_object();

			if (!e)
				break;
			add(e, "queue", json_object_new_int64(q));
			add(e, "tx", counters(s->queue[q].tx.v, ENA_TXQ_STAT__COUNT, ena_txq_stat_name));
			add(e, "rx", counters(s->queue[q].rx.v, ENA_RXQ_STAT__COUNT, ena_rxq_stat_name));
			add(e, "worker", worker_counters(&s->queue[q].worker));
			json_object_array_add(a, e);
		}
		add(o, "queues", a);
	}
	free(s);
	return 0;
}

/* ---- per-group get and set ---- */

static void add_rss(json_object *o, const struct port_rss *rss)
{
	char hex[PARAM_RSS_KEY_SIZE * 2 + 1];
	uint32_t n = rss->table_size < PARAM_INDIR_MAX ? rss->table_size : PARAM_INDIR_MAX;
	json_object *a, *f;

	add(o, "table_size", json_object_new_int64(rss->table_size));
	a = json_object_new_array();
	for (uint32_t i = 0; a && i < n; i++)
		json_object_array_add(a, json_object_new_int(rss->table[i]));
	add(o, "indir", a);
	for (size_t i = 0; i < PARAM_RSS_KEY_SIZE; i++)
		snprintf(hex + 2 * i, 3, "%02x", rss->key[i]);
	add(o, "key", json_object_new_string(hex));
	add(o, "hfunc", json_object_new_string(rss->hfunc == PARAM_HFUNC_CRC32 ? "crc32" : "toeplitz"));
	f = json_object_new_array();
	if (f) {
		json_object_array_add(f, json_object_new_string("toeplitz"));
		if (rss->crc32_supported)
			json_object_array_add(f, json_object_new_string("crc32"));
	}
	add(o, "hfuncs", f);
}

/* What "@group.get" shows (and "@group.set" answers with): live values, then
 * "config", the group's knobs as configured (what a set changes and a reset keeps). */
static json_object *render_group(const char *group, const struct port *p)
{
	const struct enad_device_config *cfg = port_config(p);
	json_object *o = NULL;
	struct port_info *info = malloc(sizeof(*info));
	struct port_rss *rss = NULL;

	if (!info)
		return NULL;
	port_get_info(p, info);
	o = result_for(p);
	if (!o)
		goto out;
	if (strcmp(group, "rss") == 0) {
		rss = malloc(sizeof(*rss));
		if (!rss) {
			json_object_put(o);
			o = NULL;
			goto out;
		}
		port_get_rss(p, rss);
		add_rss(o, rss);
	} else if (strcmp(group, "channels") == 0) {
		add(o, "combined", json_object_new_int64(info->queues));
		add(o, "max_combined", json_object_new_int64(info->max_queues));
	} else if (strcmp(group, "rings") == 0) {
		add(o, "rx", json_object_new_int64(info->rx_depth));
		add(o, "tx", json_object_new_int64(info->tx_depth));
		add(o, "rx_max", json_object_new_int64(info->max_rx_depth));
		add(o, "tx_max", json_object_new_int64(info->max_tx_depth));
		add(o, "large_llq_header", json_object_new_boolean(info->large_llq_header));
	} else if (strcmp(group, "coalesce") == 0) {
		add(o, "rx_usecs", json_object_new_int64(cfg->rx_usecs));
		add(o, "tx_usecs", json_object_new_int64(cfg->tx_usecs));
		add(o, "adaptive_rx", json_object_new_boolean(cfg->adaptive_rx));
	} else if (strcmp(group, "mtu") == 0) {
		add(o, "mtu", json_object_new_int64(info->mtu));
		add(o, "max_mtu", json_object_new_int64(info->max_mtu));
	} else if (strcmp(group, "eni") == 0) {
		add(o, "interval", json_object_new_int64(cfg->eni_metrics_sample_interval));
	} else if (strcmp(group, "log") == 0) {
		add(o, "level", str_or_null(param_log_level_name(cfg->log_level)));
	}
	add(o, "config", rpc_group_config(group, cfg));
out:
	free(rss);
	free(info);
	return o;
}

static int get_group(struct rpc_call *call, const char *group)
{
	struct port *p;

	if (rpc_params_only(call, true, NULL) < 0)
		return -EINVAL;
	p = find_port(call);
	if (!p)
		return -EINVAL;
	call->result = render_group(group, p);
	return call->result ? 0 : -ENOMEM;
}

/* port_check()/port_apply() refused or failed: the error says why, from @err. */
static int fail_port(struct rpc_call *call, const struct port *p, int r, const struct port_error *err)
{
	const char *field = err && err->param ? err->param->name : NULL;
	json_object *data;

	if (r == -EINVAL && err) {
		data = rpc_param_data(field, err->value[0] ? err->value : NULL,
				      err->allowed[0] ? err->allowed : NULL);
		return rpc_fail(call, RPC_INVALID_PARAMS, data, "%s",
				err->msg[0] ? err->msg : "the device does not allow this value");
	}
	if (r == -EBUSY) {
		data = json_object_new_object();
		if (data)
			add(data, "state", json_object_new_string(port_state_name(port_state(p))));
		return rpc_fail(call, RPC_BUSY, data, "%s is %s, not up: nothing changed",
				port_name(p), port_state_name(port_state(p)));
	}
	if (!err)
		return rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "%s", strerror(-r));
	data = rpc_param_data(field, err->value[0] ? err->value : NULL,
			      err->allowed[0] ? err->allowed : NULL);
	if (data) {
		add(data, "rolled_back", json_object_new_boolean(err->rolled_back));
		add(data, "reset", json_object_new_boolean(err->reset));
		add(data, "errno", json_object_new_int(-r));
	}
	/* The port's message normally says what happened to the old
	 * configuration; say it where it does not. */
	return rpc_fail(call, RPC_FAILED, data, "%s%s%s", err->msg[0] ? err->msg : strerror(-r),
			err->rolled_back && !strstr(err->msg, "rolled back")
				? "; rolled back to the previous configuration" : "",
			err->reset && !strstr(err->msg, "reset")
				? "; the rollback failed too: the device resets" : "");
}

/* A ring size the table refuses (not a power of 2, out of 256..16384) is
 * answered with this device's range, not the table's. */
static void ring_error_device_range(struct rpc_call *call, struct port *p, const char *group)
{
	json_object *field = NULL;
	struct port_info info;
	const char *f, *cut;
	char allowed[64];
	uint32_t max;

	if (strcmp(group, "rings") || call->code != RPC_INVALID_PARAMS || !call->data ||
	    port_state(p) != PORT_UP || !json_object_object_get_ex(call->data, "field", &field))
		return;
	f = json_object_get_string(field); /* NULL when the error names no field */
	if (!f)
		return;
	port_get_info(p, &info);
	if (!strcmp(f, "rx"))
		max = info.max_rx_depth;
	else if (!strcmp(f, "tx"))
		max = info.max_tx_depth;
	else
		return;
	snprintf(allowed, sizeof(allowed), "256..%u, power of 2", max);
	json_object_object_add(call->data, "allowed", json_object_new_string(allowed));
	cut = strstr(call->message, " (allowed: ");
	if (cut)
		snprintf(call->message + (cut - call->message),
			 sizeof(call->message) - (size_t)(cut - call->message), " (allowed: %s)", allowed);
}

static int set_group(struct rpc_call *call, struct port *p, const char *group)
{
	struct enad_device_config *want = malloc(sizeof(*want));
	struct port_rss *rss = malloc(sizeof(*rss));
	struct port_error err;
	int r = -ENOMEM;

	if (!want || !rss)
		goto out;
	memcpy(want, port_config(p), sizeof(*want));
	port_get_rss(p, rss);
	r = rpc_decode_set(call, group, rss, want);
	if (r < 0) {
		ring_error_device_range(call, p, group);
		goto out;
	}
	/* Only an UP port has the device limits port_check() needs. */
	if (port_state(p) != PORT_UP) {
		r = fail_port(call, p, -EBUSY, NULL);
		goto out;
	}
	memset(&err, 0, sizeof(err));
	r = port_check(p, want, &err);
	if (r < 0) {
		r = fail_port(call, p, r, &err);
		goto out;
	}
	memset(&err, 0, sizeof(err));
	r = port_apply(p, want, &err);
	if (r < 0) {
		r = fail_port(call, p, r, &err);
		goto out;
	}
	call->result = render_group(group, p);
	r = call->result ? 0 : -ENOMEM;
out:
	free(rss);
	free(want);
	return r;
}

static int set_method(struct rpc_call *call, const char *group)
{
	struct port *p = find_port(call);

	return p ? set_group(call, p, group) : -EINVAL;
}

static int m_channels_get(struct rpc_call *call)
{
	return get_group(call, "channels");
}

static int m_channels_set(struct rpc_call *call)
{
	return set_method(call, "channels");
}

static int m_rings_get(struct rpc_call *call)
{
	return get_group(call, "rings");
}

static int m_rings_set(struct rpc_call *call)
{
	return set_method(call, "rings");
}

static int m_rss_get(struct rpc_call *call)
{
	return get_group(call, "rss");
}

static int m_rss_set(struct rpc_call *call)
{
	return set_method(call, "rss");
}

static int m_coalesce_get(struct rpc_call *call)
{
	return get_group(call, "coalesce");
}

static int m_coalesce_set(struct rpc_call *call)
{
	return set_method(call, "coalesce");
}

static int m_mtu_get(struct rpc_call *call)
{
	return get_group(call, "mtu");
}

static int m_mtu_set(struct rpc_call *call)
{
	return set_method(call, "mtu");
}

static int m_eni_get(struct rpc_call *call)
{
	return get_group(call, "eni");
}

static int m_eni_set_interval(struct rpc_call *call)
{
	return set_method(call, "eni");
}

static int m_log_set_level(struct rpc_call *call)
{
	static const char *const names[] = { "level", NULL };
	const struct param *p = &param_table[PARAM_GLOBAL_LOG_LEVEL];
	union param_value v;
	json_object *level;
	const char *name;

	if (rpc_params_only(call, true, names) < 0 || rpc_param_device(call, &name) < 0)
		return -EINVAL;
	/* With a device: that port's level; without: the daemon's. */
	if (name)
		return set_method(call, "log");
	if (!json_object_object_get_ex(call->params, "level", &level))
		return rpc_fail_param(call, "level", NULL, "err|warn|info|debug",
				      "log.set_level needs a level");
	if (rpc_decode_value(call, p, "level", level, &v) < 0)
		return -EINVAL;
	manager_set_log_level(M(call), param_log_level_syslog((enum param_log_level)v.e));
	call->result = json_object_new_object();
	if (!call->result)
		return -ENOMEM;
	add(call->result, "device", NULL);
	add(call->result, "level", str_or_null(param_log_level_name((enum param_log_level)v.e)));
	return 0;
}

static int m_log_get(struct rpc_call *call)
{
	const char *name;

	if (rpc_params_only(call, true, NULL) < 0 || rpc_param_device(call, &name) < 0)
		return -EINVAL;
	if (name)
		return get_group(call, "log");
	call->result = json_object_new_object();
	if (!call->result)
		return -ENOMEM;
	add(call->result, "device", NULL);
	add(call->result, "level", str_or_null(log_level_name(log_get_level())));
	return 0;
}

static int m_device_reset(struct rpc_call *call)
{
	struct port *p;

	if (rpc_params_only(call, true, NULL) < 0)
		return -EINVAL;
	p = find_port(call);
	if (!p)
		return -EINVAL;
	if (port_state(p) == PORT_STOPPED) {
		json_object *data = json_object_new_object();

		if (data)
			add(data, "state", json_object_new_string(port_state_name(PORT_STOPPED)));
		return rpc_fail(call, RPC_BUSY, data, "%s is stopped", port_name(p));
	}
	port_trigger_reset(p, ENA_RESET_USER_TRIGGER);
	call->result = result_for(p);
	if (!call->result)
		return -ENOMEM;
	add(call->result, "reason", str_or_null(ena_reset_reason_name(ENA_RESET_USER_TRIGGER)));
	return 0;
}

static int m_events_subscribe(struct rpc_call *call)
{
	static const char *const names[] = { "events", NULL };
	unsigned int mask;
	json_object *a;
	const char *name;
	struct port *p = NULL;

	if (rpc_params_only(call, true, names) < 0 || rpc_param_device(call, &name) < 0 ||
	    rpc_decode_events(call, &mask) < 0)
		return -EINVAL;
	/* Without "device": every port's events (also of ports added later). */
	if (name) {
		p = find_port(call);
		if (!p)
			return -EINVAL;
		snprintf(call->device, sizeof(call->device), "%s", port_name(p));
	}
	call->result = json_object_new_object();
	a = json_object_new_array();
	if (!call->result || !a) {
		json_object_put(a);
		return -ENOMEM;
	}
	for (unsigned int k = 0; rpc_event_name(k); k++)
		if (mask & (1u << k))
			json_object_array_add(a, json_object_new_string(rpc_event_name(k)));
	add(call->result, "subscribed", a);
	add(call->result, "device", p ? json_object_new_string(port_name(p)) : NULL);
	call->subscribe = true;
	call->events = mask;
	return 0;
}

static const struct rpc_method methods[] = {
	{ "api.version", false, m_api_version },
	{ "device.list", false, m_device_list },
	{ "device.show", false, m_device_show },
	{ "stats.get", false, m_stats_get },
	{ "channels.get", false, m_channels_get },
	{ "channels.set", true, m_channels_set },
	{ "rings.get", false, m_rings_get },
	{ "rings.set", true, m_rings_set },
	{ "rss.get", false, m_rss_get },
	{ "rss.set", true, m_rss_set },
	{ "coalesce.get", false, m_coalesce_get },
	{ "coalesce.set", true, m_coalesce_set },
	{ "mtu.get", false, m_mtu_get },
	{ "mtu.set", true, m_mtu_set },
	{ "eni.get", false, m_eni_get },
	{ "eni.set_interval", true, m_eni_set_interval },
	{ "log.get", false, m_log_get },
	{ "log.set_level", true, m_log_set_level },
	{ "device.reset", true, m_device_reset },
	{ "events.subscribe", false, m_events_subscribe },
};

static int m_api_version(struct rpc_call *call)
{
	json_object *a;

	if (rpc_params_only(call, false, NULL) < 0)
		return -EINVAL;
	call->result = json_object_new_object();
	a = json_object_new_array();
	if (!call->result || !a) {
		json_object_put(a);
		return -ENOMEM;
	}
	add(call->result, "version", json_object_new_int(RPC_API_VERSION));
	add(call->result, "enad", json_object_new_string(ENAD_VERSION));
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		json_object *m = json_object_new_object();

		if (!m)
			break;
		add(m, "name", json_object_new_string(methods[i].name));
		add(m, "admin", json_object_new_boolean(methods[i].needs_admin));
		json_object_array_add(a, m);
	}
	add(call->result, "methods", a);
	return 0;
}

void rpc_methods_dispatch(struct manager *m, struct rpc_dispatch *ret)
{
	ret->methods = methods;
	ret->n_methods = sizeof(methods) / sizeof(methods[0]);
	ret->userdata = m;
}

/* ---- events ---- */

json_object *rpc_event_json(const struct port *port, const struct port_event *ev)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	add(o, "event", str_or_null(rpc_event_name(ev->kind)));
	add(o, "device", json_object_new_string(port_name(port)));
	switch (ev->kind) {
	case PORT_EVENT_STATE:
		add(o, "state", str_or_null(port_state_name(ev->state)));
		add(o, "reason", str_or_null(ev->reason));
		break;
	case PORT_EVENT_LINK:
		add(o, "link", json_object_new_boolean(ev->link_up));
		break;
	case PORT_EVENT_RESET:
		add(o, "phase", json_object_new_string(ev->reset_done ? "done" : "start"));
		add(o, "reason", str_or_null(ev->reason));
		if (ev->reset_done) {
			add(o, "ok", json_object_new_boolean(ev->ok));
			add(o, "recovery_ms", json_object_new_int64((int64_t)(ev->recovery_us / 1000)));
		}
		break;
	case PORT_EVENT_CONFIG:
		add(o, "group", ev->param ? json_object_new_string(ev->param->group) : NULL);
		add(o, "field", ev->param ? json_object_new_string(ev->param->name) : NULL);
		add(o, "key", ev->param ? json_object_new_string(ev->param->key) : NULL);
		add(o, "value", str_or_null(ev->value));
		break;
	case PORT_EVENT_ENI:
		if (ev->eni)
			add_eni(o, ev->eni);
		break;
	}
	return o;
}
