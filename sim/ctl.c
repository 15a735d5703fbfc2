/* SPDX-License-Identifier: MIT */
/* enasim control socket: verb table, "show" rendering and the libevent
 * unix-socket server. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <json-c/json.h>

#include "admin.h"
#include "aenq.h"
#include "ctl.h"
#include "ctl_io.h"
#include "device.h"
#include "ena/ena.h"

#define CTL_ARGS_MAX 16

struct ctl_verb {
	const char *name;
	unsigned int min_args, max_args;
	const char *usage;
	/* Runs with dev->lock held; adds fields to @reply or sets @err. */
	int (*fn)(struct sim_device *dev, const char *const *args, unsigned int n,
		  struct json_object *reply, char *err, size_t errlen);
};

int sim_ctl_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static void add_bool(struct json_object *o, const char *key, bool v)
{
	json_object_object_add(o, key, json_object_new_boolean(v));
}

int sim_ctl_parse_on_off(const char *verb, const char *arg, bool *ret, char *err, size_t errlen)
{
	if (strcmp(arg, "on") == 0)
		*ret = true;
	else if (strcmp(arg, "off") == 0)
		*ret = false;
	else
		return sim_ctl_fail(err, errlen, "%s: '%s' is not allowed; use on or off", verb, arg);
	return 0;
}

static const char *aenq_result(int r)
{
	return r == 0 ? "sent" : r == -ENOENT ? "group_disabled" : "dropped";
}

/* ---- show ---- */

static void hex_str(char *dst, const uint8_t *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sprintf(dst + 2 * i, "%02x", src[i]);
	dst[2 * n] = '\0';
}

/* Host strings are untrusted: stop at NUL, replace non-printables. */
static struct json_object *host_string(const uint8_t *s, size_t n)
{
	char buf[160];
	size_t i;

	for (i = 0; i < n && i < sizeof(buf) - 1 && s[i]; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	buf[i] = '\0';
	return json_object_new_string(buf);
}

static struct json_object *show_host_info(const struct sim_device *dev)
{
	const struct ena_host_info *h = &dev->host.info;
	struct json_object *o, *dv;
	char bdf[16];

	if (!dev->host.valid)
		return NULL;
	o = json_object_new_object();
	add_int(o, "os_type", h->os_type);
	json_object_object_add(o, "os_dist_str", host_string(h->os_dist_str, sizeof(h->os_dist_str)));
	add_int(o, "os_dist", h->os_dist);
	json_object_object_add(o, "kernel_ver_str",
			       host_string(h->kernel_ver_str, sizeof(h->kernel_ver_str)));
	add_int(o, "kernel_ver", h->kernel_ver);
	add_int(o, "driver_version", h->driver_version);
	dv = json_object_new_object();
	add_int(dv, "major", h->driver_version & 0xff);
	add_int(dv, "minor", (h->driver_version >> ENA_HOST_INFO_MINOR_SHIFT) & 0xff);
	add_int(dv, "sub_minor", (h->driver_version >> ENA_HOST_INFO_SUB_MINOR_SHIFT) & 0xff);
	add_int(dv, "module_type", (h->driver_version >> ENA_HOST_INFO_MODULE_TYPE_SHIFT) & 0xff);
	json_object_object_add(o, "driver_version_decoded", dv);
	add_int(o, "num_cpus", h->num_cpus);
	snprintf(bdf, sizeof(bdf), "%02x:%02x.%x", h->bdf >> ENA_HOST_INFO_BUS_SHIFT,
		 (h->bdf >> ENA_HOST_INFO_DEVICE_SHIFT) & 0x1f, h->bdf & 0x7);
	add_str(o, "bdf", bdf);
	add_int(o, "driver_supported_features", h->driver_supported_features);
	add_int(o, "spec_version", h->ena_spec_version);
	add_int(o, "supported_network_features_lo", h->supported_network_features[0]);
	add_int(o, "supported_network_features_hi", h->supported_network_features[1]);
	add_int(o, "debug_ba", (int64_t)dev->host.debug_ba);
	add_int(o, "debug_area_size", dev->host.debug_size);
	return o;
}

static const char *direction_name(unsigned int dir)
{
	return dir == ENA_SQ_DIRECTION_TX ? "tx" : dir == ENA_SQ_DIRECTION_RX ? "rx" : "unbound";
}

static void show_sq(struct json_object *arr, const struct sim_sq *sq, unsigned int idx)
{
	struct json_object *o = json_object_new_object();

	add_int(o, "idx", idx);
	add_str(o, "direction", direction_name(sq->direction));
	add_int(o, "depth", sq->depth);
	add_str(o, "placement", sq->placement == ENA_PLACEMENT_DEV ? "dev" : "host");
	add_int(o, "cq_idx", sq->cq_idx);
	add_int(o, "doorbell_offset", sq->db_offset);
	if (sq->placement == ENA_PLACEMENT_DEV)
		add_int(o, "llq_offset", sq->llq_offset);
	add_int(o, "tail", sq->db_tail);
	json_object_array_add(arr, o);
}

static struct json_object *show_queues(const struct sim_device *dev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *sqs = json_object_new_array();
	struct json_object *cqs = json_object_new_array();

	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++)
		if (dev->tx_sq[i].used)
			show_sq(sqs, &dev->tx_sq[i], i);
	for (unsigned int i = 0; i < SIM_MAX_QUEUES; i++)
		if (dev->rx_sq[i].used)
			show_sq(sqs, &dev->rx_sq[i], i);
	for (unsigned int c = 0; c < 2 * SIM_MAX_QUEUES; c++) {
		const struct sim_cq *cq = &dev->cq[c];
		struct json_object *q;

		if (!cq->used)
			continue;
		q = json_object_new_object();
		add_int(q, "idx", c);
		add_str(q, "direction", direction_name(cq->direction));
		add_int(q, "depth", cq->depth);
		add_int(q, "entry_size", cq->entry_words * 4);
		add_int(q, "msix_vector", cq->msix_vector == ENA_MSIX_VECTOR_NONE
						  ? -1 : (int64_t)cq->msix_vector);
		add_bool(q, "interrupt_mode", cq->interrupt_mode);
		add_int(q, "unmask_offset", cq->unmask_offset);
		add_int(q, "numa_offset", cq->numa_offset);
		add_int(q, "intr_reg", cq->intr_reg);
		add_int(q, "numa_cfg", cq->numa_cfg);
		json_object_array_add(cqs, q);
	}
	json_object_object_add(o, "sq", sqs);
	json_object_object_add(o, "cq", cqs);
	return o;
}

static struct json_object *show_rss(const struct sim_device *dev)
{
	const struct sim_rss *rss = &dev->rss;
	struct json_object *o = json_object_new_object();
	struct json_object *table = json_object_new_array();
	struct json_object *hi = json_object_new_object();
	struct json_object *fields = json_object_new_array();
	char key[2 * ENA_RSS_KEY_SIZE + 1];

	add_str(o, "function", rss->function == ENA_HASH_CRC32 ? "crc32" : "toeplitz");
	add_int(o, "init_val", rss->init_val);
	hex_str(key, (const uint8_t *)rss->key.key, ENA_RSS_KEY_SIZE);
	add_str(o, "key", key);
	for (unsigned int i = 0; i < (1u << rss->table_log); i++)
		json_object_array_add(table, json_object_new_int(rss->table[i]));
	json_object_object_add(o, "table", table);
	add_int(o, "table_log_size", rss->table_log);
	add_int(hi, "enabled_input_sort", rss->enabled_input_sort);
	for (unsigned int p = 0; p < ENA_RSS_PROTO_NUM; p++)
		json_object_array_add(fields, json_object_new_int(rss->selected_fields[p]));
	json_object_object_add(hi, "selected_fields", fields);
	json_object_object_add(o, "hash_input", hi);
	return o;
}

static struct json_object *show_aenq(const struct sim_device *dev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *sent = json_object_new_object();

	add_int(o, "enabled_groups", dev->aenq.enabled_groups);
	add_int(o, "supported_groups", SIM_AENQ_SUPPORTED_GROUPS);
	add_bool(o, "head_written", dev->aenq.head_written);
	add_int(o, "head", dev->aenq.head);
	add_int(o, "tail", dev->aenq.tail);
	for (unsigned int g = 0; g < ENA_AENQ_GROUPS_NUM; g++)
		add_int(sent, ena_aenq_group_name(g), (int64_t)dev->aenq.sent[g]);
	json_object_object_add(o, "sent", sent);
	add_int(o, "dropped", (int64_t)dev->aenq.dropped);
	return o;
}

static struct json_object *show_counters(const struct sim_device *dev)
{
	struct json_object *o = json_object_new_object();
	struct json_object *admin = json_object_new_object();

	for (unsigned int op = 1; op < SIM_ADMIN_OPCODES; op++)
		if (sim_admin_opcode_name(op))
			add_int(admin, sim_admin_opcode_name(op), (int64_t)dev->admin.commands[op]);
	add_int(admin, "unknown", (int64_t)dev->admin.commands[0]);
	json_object_object_add(o, "admin_commands", admin);
	add_int(o, "admin_errors", (int64_t)dev->admin.errors);
	add_int(o, "admin_dropped", (int64_t)dev->admin.dropped);
	add_int(o, "admin_bad_entries", (int64_t)dev->admin.bad_entries);
	add_int(o, "keepalives_sent", (int64_t)dev->aenq.sent[ENA_AENQ_KEEP_ALIVE]);
	add_int(o, "readless_reads", (int64_t)dev->readless_reads);
	add_int(o, "resets", (int64_t)dev->resets);
	return o;
}

static struct json_object *show_llq(const struct sim_device *dev)
{
	struct json_object *o = json_object_new_object();

	add_bool(o, "supported", dev->supported_features & ENA_FEAT_BIT(ENA_FEAT_LLQ));
	add_bool(o, "enabled", dev->llq.enabled);
	add_int(o, "entry_size", dev->llq.entry_bytes);
	add_int(o, "header_location", dev->llq.header_location);
	add_int(o, "descs_before_header", dev->llq.descs_before_header);
	add_int(o, "stride", dev->llq.stride);
	add_int(o, "accel_flags", dev->llq.accel_flags);
	add_int(o, "bar_size", (int64_t)dev->bar2_size);
	return o;
}

static struct json_object *show_faults(const struct sim_device *dev)
{
	static const char *const faults[] = {
		[SIM_ACQ_FAULT_NONE] = "none",
		[SIM_ACQ_FAULT_STALE_PHASE] = "stale-phase",
		[SIM_ACQ_FAULT_UNKNOWN_ID] = "unknown-id",
		[SIM_ACQ_FAULT_BAD_MAX_QUEUES] = "bad-max-queues",
		[SIM_ACQ_FAULT_BAD_DEV_ATTR] = "bad-dev-attr",
	};
	struct json_object *o = json_object_new_object();

	add_bool(o, "keepalive", dev->aenq.keepalive);
	add_int(o, "admin_delay_ms", dev->admin.delay_ms);
	add_bool(o, "admin_drop", dev->admin.drop);
	add_bool(o, "no_admin_irq", dev->admin.no_irq);
	add_bool(o, "fail_next_create_sq", dev->admin.fail_next_create_sq);
	add_bool(o, "fail_next_create_cq", dev->admin.fail_next_create_cq);
	add_str(o, "acq_fault", faults[dev->admin.fault]);
	add_int(o, "deferred_completions", dev->admin.nr_deferred);
	return o;
}

static int verb_show(struct sim_device *dev, const char *const *args, unsigned int n,
		     struct json_object *reply, char *err, size_t errlen)
{
	struct json_object *reasons = json_object_new_array();
	struct json_object *host = show_host_info(dev);
	const uint8_t *m = dev->profile.mac;
	char mac[18];

	for (unsigned int i = 0; i < dev->nr_reset_reasons; i++) {
		struct json_object *r = json_object_new_object();
		const char *name = ena_reset_reason_name(dev->reset_reasons[i]);

		add_int(r, "value", dev->reset_reasons[i]);
		add_str(r, "name", name ? name : "unknown");
		json_object_array_add(reasons, r);
	}
	json_object_object_add(reply, "reset_reasons", reasons);
	json_object_object_add(reply, "host_info", host);
	add_int(reply, "mtu", dev->mtu);
	add_int(reply, "max_mtu", dev->profile.max_mtu);
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4],
		 m[5]);
	add_str(reply, "mac", mac);
	add_str(reply, "link", dev->link_up ? "up" : "down");
	json_object_object_add(reply, "queues", show_queues(dev));
	json_object_object_add(reply, "rss", show_rss(dev));
	json_object_object_add(reply, "aenq", show_aenq(dev));
	add_int(reply, "intr_mask", dev->intr_mask);
	json_object_object_add(reply, "counters", show_counters(dev));
	add_int(reply, "dev_sts", sim_device_dev_sts(dev));
	json_object_object_add(reply, "llq", show_llq(dev));
	json_object_object_add(reply, "faults", show_faults(dev));
	add_int(reply, "supported_features", dev->supported_features);
	add_int(reply, "capabilities", dev->capabilities);
	add_int(reply, "num_vectors", dev->nr_vectors);
	add_bool(reply, "frag_bypass", dev->frag_bypass);
	sim_ctl_io_show(dev, reply);
	return 0;
}

/* ---- mutating verbs ---- */

static int verb_keepalive(struct sim_device *dev, const char *const *args, unsigned int n,
			  struct json_object *reply, char *err, size_t errlen)
{
	return sim_ctl_parse_on_off("keepalive", args[0], &dev->aenq.keepalive, err, errlen);
}

static int verb_link(struct sim_device *dev, const char *const *args, unsigned int n,
		     struct json_object *reply, char *err, size_t errlen)
{
	bool up;

	if (strcmp(args[0], "up") == 0)
		up = true;
	else if (strcmp(args[0], "down") == 0)
		up = false;
	else
		return sim_ctl_fail(err, errlen, "link: '%s' is not allowed; use up or down", args[0]);
	if (up != dev->link_up) {
		dev->link_up = up;
		sim_log(dev, "link %s", up ? "up" : "down");
		sim_aenq_link_changed(dev);
	}
	add_bool(reply, "event_pending", dev->aenq.link_pending);
	return 0;
}

static int verb_fatal(struct sim_device *dev, const char *const *args, unsigned int n,
		      struct json_object *reply, char *err, size_t errlen)
{
	dev->fatal = true;
	sim_log(dev, "fatal error raised");
	add_str(reply, "aenq", aenq_result(sim_aenq_post(dev, ENA_AENQ_FATAL_ERROR, 0, NULL, 0)));
	return 0;
}

static int verb_request_reset(struct sim_device *dev, const char *const *args, unsigned int n,
			      struct json_object *reply, char *err, size_t errlen)
{
	sim_log(dev, "requesting a reset from the driver");
	add_str(reply, "aenq",
		aenq_result(sim_aenq_post(dev, ENA_AENQ_DEVICE_REQUEST_RESET, 0, NULL, 0)));
	return 0;
}

static int verb_admin_delay(struct sim_device *dev, const char *const *args, unsigned int n,
			    struct json_object *reply, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(args[0], &end, 10);
	if (!args[0][0] || *end || errno || args[0][0] == '-' || v > 600000)
		return sim_ctl_fail(err, errlen, "admin-delay: '%s' is not allowed; use milliseconds 0..600000",
			    args[0]);
	dev->admin.delay_ms = (uint32_t)v;
	return 0;
}

static int verb_admin_drop(struct sim_device *dev, const char *const *args, unsigned int n,
			   struct json_object *reply, char *err, size_t errlen)
{
	return sim_ctl_parse_on_off("admin-drop", args[0], &dev->admin.drop, err, errlen);
}

static int verb_no_admin_irq(struct sim_device *dev, const char *const *args, unsigned int n,
			     struct json_object *reply, char *err, size_t errlen)
{
	return sim_ctl_parse_on_off("no-admin-irq", args[0], &dev->admin.no_irq, err, errlen);
}

static int verb_fail_next(struct sim_device *dev, const char *const *args, unsigned int n,
			  struct json_object *reply, char *err, size_t errlen)
{
	if (strcmp(args[0], "create-sq") == 0)
		dev->admin.fail_next_create_sq = true;
	else if (strcmp(args[0], "create-cq") == 0)
		dev->admin.fail_next_create_cq = true;
	else
		return sim_ctl_fail(err, errlen, "fail-next: '%s' is not allowed; use create-sq or create-cq",
			    args[0]);
	return 0;
}

static int verb_acq_fault(struct sim_device *dev, const char *const *args, unsigned int n,
			  struct json_object *reply, char *err, size_t errlen)
{
	if (strcmp(args[0], "stale-phase") == 0)
		dev->admin.fault = SIM_ACQ_FAULT_STALE_PHASE;
	else if (strcmp(args[0], "unknown-id") == 0)
		dev->admin.fault = SIM_ACQ_FAULT_UNKNOWN_ID;
	else if (strcmp(args[0], "bad-max-queues") == 0)
		dev->admin.fault = SIM_ACQ_FAULT_BAD_MAX_QUEUES;
	else if (strcmp(args[0], "bad-dev-attr") == 0)
		dev->admin.fault = SIM_ACQ_FAULT_BAD_DEV_ATTR;
	else
		return sim_ctl_fail(err, errlen,
			    "acq-fault: '%s' is not allowed; use stale-phase, unknown-id, bad-max-queues or bad-dev-attr",
			    args[0]);
	return 0;
}

static const struct {
	const char *name;
	size_t off;
} hint_fields[] = {
	{ "mmio_read_timeout", offsetof(struct ena_hw_hints, mmio_read_timeout) },
	{ "driver_watchdog_timeout", offsetof(struct ena_hw_hints, driver_watchdog_timeout) },
	{ "missing_tx_completion_timeout",
	  offsetof(struct ena_hw_hints, missing_tx_completion_timeout) },
	{ "missed_tx_completion_count_threshold_to_reset",
	  offsetof(struct ena_hw_hints, missed_tx_completion_count_threshold_to_reset) },
	{ "admin_completion_tx_timeout", offsetof(struct ena_hw_hints, admin_completion_tx_timeout) },
	{ "netdev_wd_timeout", offsetof(struct ena_hw_hints, netdev_wd_timeout) },
	{ "max_tx_sgl_size", offsetof(struct ena_hw_hints, max_tx_sgl_size) },
	{ "max_rx_sgl_size", offsetof(struct ena_hw_hints, max_rx_sgl_size) },
};

static int hint_set(struct ena_hw_hints *h, const char *key, const char *val, char *err,
		    size_t errlen)
{
	char *end;
	unsigned long v;

	for (size_t i = 0; i < sizeof(hint_fields) / sizeof(hint_fields[0]); i++) {
		uint16_t u;

		if (strcmp(hint_fields[i].name, key) != 0)
			continue;
		errno = 0;
		v = strtoul(val, &end, 0);
		if (!val[0] || *end || errno || val[0] == '-' || v > 0xffff)
			return sim_ctl_fail(err, errlen,
				    "notify-hints: %s='%s' is not allowed; use an integer 0..65535",
				    key, val);
		u = (uint16_t)v;
		memcpy((uint8_t *)h + hint_fields[i].off, &u, sizeof(u));
		return 0;
	}
	return sim_ctl_fail(err, errlen,
		    "notify-hints: unknown hint '%s'; use mmio_read_timeout, driver_watchdog_timeout, "
		    "missing_tx_completion_timeout, missed_tx_completion_count_threshold_to_reset, "
		    "admin_completion_tx_timeout, netdev_wd_timeout, max_tx_sgl_size or max_rx_sgl_size",
		    key);
}

static int verb_notify_hints(struct sim_device *dev, const char *const *args, unsigned int n,
			     struct json_object *reply, char *err, size_t errlen)
{
	struct ena_hw_hints h = dev->hints;
	int r;

	if (n == 1 && args[0][0] == '{') {
		struct json_object *obj = json_tokener_parse(args[0]);

		if (!obj || !json_object_is_type(obj, json_type_object)) {
			json_object_put(obj);
			return sim_ctl_fail(err, errlen, "notify-hints: '%s' is not a JSON object", args[0]);
		}
		json_object_object_foreach(obj, key, val) {
			r = hint_set(&h, key, json_object_get_string(val), err, errlen);
			if (r < 0) {
				json_object_put(obj);
				return r;
			}
		}
		json_object_put(obj);
	} else {
		for (unsigned int i = 0; i < n; i++) {
			char key[64];
			const char *eq = strchr(args[i], '=');
			size_t klen = eq ? (size_t)(eq - args[i]) : 0;

			if (!eq || klen == 0 || klen >= sizeof(key))
				return sim_ctl_fail(err, errlen,
					    "notify-hints: '%s' is not allowed; use KEY=VALUE or a JSON object",
					    args[i]);
			memcpy(key, args[i], klen);
			key[klen] = '\0';
			r = hint_set(&h, key, eq + 1, err, errlen);
			if (r < 0)
				return r;
		}
	}
	dev->hints = h;
	add_str(reply, "aenq", aenq_result(sim_aenq_notify_hints(dev, &h)));
	return 0;
}

static const struct ctl_verb verbs[] = {
	{ "show", 0, 0, "show", verb_show },
	{ "keepalive", 1, 1, "keepalive on|off", verb_keepalive },
	{ "link", 1, 1, "link up|down", verb_link },
	{ "fatal", 0, 0, "fatal", verb_fatal },
	{ "request-reset", 0, 0, "request-reset", verb_request_reset },
	{ "admin-delay", 1, 1, "admin-delay MS", verb_admin_delay },
	{ "admin-drop", 1, 1, "admin-drop on|off", verb_admin_drop },
	{ "fail-next", 1, 1, "fail-next create-sq|create-cq", verb_fail_next },
	{ "acq-fault", 1, 1, "acq-fault stale-phase|unknown-id|bad-max-queues|bad-dev-attr",
	  verb_acq_fault },
	{ "notify-hints", 1, CTL_ARGS_MAX, "notify-hints JSON | KEY=VALUE...", verb_notify_hints },
	{ "no-admin-irq", 1, 1, "no-admin-irq on|off", verb_no_admin_irq },
	/* datapath (ctl_io.c) */
	{ "corrupt", 1, 1, "corrupt tx-req-id|rx-req-id", sim_ctl_verb_corrupt },
	{ "tx-complete", 1, 1, "tx-complete on|off", sim_ctl_verb_tx_complete },
	{ "rx-descs", 1, 1, "rx-descs N", sim_ctl_verb_rx_descs },
	{ "swallow-irq", 1, 1, "swallow-irq on|off", sim_ctl_verb_swallow_irq },
	{ "suspend", 0, 0, "suspend", sim_ctl_verb_suspend },
	{ "resume", 0, 0, "resume", sim_ctl_verb_resume },
	{ "allowance", 2, 2, "allowance bw-in|bw-out|pps|conntrack|linklocal RATE",
	  sim_ctl_verb_allowance },
	{ "tx-ooo", 1, 1, "tx-ooo on|off", sim_ctl_verb_tx_ooo },
};

static struct json_object *reply_error(const char *msg)
{
	struct json_object *r = json_object_new_object();

	add_bool(r, "ok", false);
	add_str(r, "error", msg);
	return r;
}

static struct json_object *run_request(struct sim_device *dev, struct json_object *req)
{
	struct json_object *jverb, *jargs = NULL, *reply;
	const char *args[CTL_ARGS_MAX];
	const struct ctl_verb *v = NULL;
	const char *name;
	char err[512];
	unsigned int n = 0;
	int r;

	if (!req || !json_object_is_type(req, json_type_object) ||
	    !json_object_object_get_ex(req, "verb", &jverb) ||
	    !json_object_is_type(jverb, json_type_string))
		return reply_error("request must be a JSON object with a string \"verb\" and an "
				   "optional \"args\" array of strings");
	name = json_object_get_string(jverb);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			v = &verbs[i];
	if (!v) {
		size_t off = (size_t)snprintf(err, sizeof(err), "unknown verb '%.64s'; use one of", name);

		for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]) && off < sizeof(err); i++)
			off += (size_t)snprintf(err + off, sizeof(err) - off, "%s %s",
						i ? "," : "", verbs[i].name);
		return reply_error(err);
	}
	if (json_object_object_get_ex(req, "args", &jargs) && jargs &&
	    !json_object_is_type(jargs, json_type_array))
		return reply_error("\"args\" must be an array of strings");
	if (jargs) {
		size_t len = json_object_array_length(jargs);

		if (len > v->max_args || len < v->min_args) {
			snprintf(err, sizeof(err), "%s: wrong number of arguments; usage: %s", v->name,
				 v->usage);
			return reply_error(err);
		}
		for (n = 0; n < len; n++) {
			struct json_object *a = json_object_array_get_idx(jargs, n);

			if (!a || json_object_is_type(a, json_type_object) ||
			    json_object_is_type(a, json_type_array))
				return reply_error("\"args\" must be an array of strings");
			args[n] = json_object_get_string(a);
		}
	} else if (v->min_args) {
		snprintf(err, sizeof(err), "%s: missing arguments; usage: %s", v->name, v->usage);
		return reply_error(err);
	}

	reply = json_object_new_object();
	add_bool(reply, "ok", true);
	pthread_mutex_lock(&dev->lock);
	r = v->fn(dev, args, n, reply, err, sizeof(err));
	pthread_mutex_unlock(&dev->lock);
	if (r < 0) {
		json_object_put(reply);
		return reply_error(err);
	}
	return reply;
}

int sim_ctl_execute(struct sim_device *dev, struct json_object *req, struct json_object **ret_reply)
{
	struct json_object *reply = run_request(dev, req);

	if (!reply)
		return -ENOMEM;
	*ret_reply = reply;
	return 0;
}

char *sim_ctl_execute_line(struct sim_device *dev, const char *line)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *req = NULL, *reply;
	char *out;

	if (!tok)
		return NULL;
	req = json_tokener_parse_ex(tok, line, (int)strlen(line));
	if (req && tok->char_offset < (int)strlen(line) && line[tok->char_offset] != '\r') {
		json_object_put(req);
		req = NULL;
	}
	json_tokener_free(tok);
	if (!req)
		reply = reply_error("request is not valid JSON; send one object per line, e.g. "
				    "{\"verb\":\"show\"}");
	else
		reply = run_request(dev, req);
	json_object_put(req);
	if (!reply)
		return NULL;
	out = strdup(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN));
	json_object_put(reply);
	return out;
}

/* ---- socket server ---- */

struct ctl_client {
	struct sim_ctl_server *srv;
	struct bufferevent *bev;
	bool closing;
	struct ctl_client *prev, *next;
};

struct sim_ctl_server {
	struct evconnlistener *listener;
	struct sim_device *dev;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ctl_client *clients;
	unsigned int nr_clients;
};

static void client_free(struct ctl_client *c)
{
	struct sim_ctl_server *srv = c->srv;

	if (c->prev)
		c->prev->next = c->next;
	else
		srv->clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	srv->nr_clients--;
	bufferevent_free(c->bev);
	free(c);
}

static void client_reply(struct ctl_client *c, const char *s)
{
	bufferevent_write(c->bev, s, strlen(s));
	bufferevent_write(c->bev, "\n", 1);
}

static void client_read(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char *line;
	size_t n;

	while (!c->closing && (line = evbuffer_readln(in, &n, EVBUFFER_EOL_LF))) {
		char *reply = NULL;

		if (n > SIM_CTL_REQUEST_MAX) {
			c->closing = true;
		} else if (n > 0) {
			reply = sim_ctl_execute_line(c->srv->dev, line);
			client_reply(c, reply ? reply : "{\"ok\":false,\"error\":\"out of memory\"}");
		}
		free(reply);
		free(line);
	}
	if (c->closing || evbuffer_get_length(in) > SIM_CTL_REQUEST_MAX) {
		char msg[128];

		snprintf(msg, sizeof(msg),
			 "{\"ok\":false,\"error\":\"request longer than %d bytes\"}",
			 SIM_CTL_REQUEST_MAX);
		c->closing = true;
		evbuffer_drain(in, evbuffer_get_length(in));
		bufferevent_disable(bev, EV_READ);
		client_reply(c, msg);
	}
	if (evbuffer_get_length(bufferevent_get_output(bev)) > SIM_CTL_OUTPUT_MAX)
		client_free(c); /* a client that never reads its replies */
}

static void client_write(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;

	if (c->closing)
		client_free(c);
}

static void client_event(struct bufferevent *bev, short what, void *arg)
{
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		client_free(arg);
}

static void ctl_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		       int salen, void *arg)
{
	struct sim_ctl_server *srv = arg;
	struct event_base *base = evconnlistener_get_base(l);
	struct ctl_client *c;

	if (srv->nr_clients >= SIM_CTL_CLIENTS_MAX || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	evutil_make_socket_closeonexec(fd);
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (!c->bev) {
		close(fd);
		free(c);
		return;
	}
	c->srv = srv;
	c->next = srv->clients;
	if (c->next)
		c->next->prev = c;
	srv->clients = c;
	srv->nr_clients++;
	bufferevent_setcb(c->bev, client_read, client_write, client_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
}

int sim_ctl_server_create(struct event_base *base, const char *path, struct sim_device *dev,
			  struct sim_ctl_server **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sim_ctl_server *srv;
	struct stat st;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		r = -errno;
		goto err_free;
	}
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 16) < 0) {
		r = -errno;
		goto err_close;
	}
	srv->listener = evconnlistener_new(base, ctl_accept, srv,
					   LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd);
	if (!srv->listener) {
		r = -ENOMEM;
		unlink(path);
		goto err_close;
	}
	srv->dev = dev;
	strcpy(srv->path, path);
	*ret = srv;
	return 0;

err_close:
	close(fd);
err_free:
	free(srv);
	return r;
}

void sim_ctl_server_destroy(struct sim_ctl_server *srv)
{
	if (!srv)
		return;
	while (srv->clients)
		client_free(srv->clients);
	evconnlistener_free(srv->listener);
	unlink(srv->path);
	free(srv);
}
