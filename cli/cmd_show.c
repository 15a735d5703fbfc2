/* SPDX-License-Identifier: MIT */
/* enactl show [FIELD]: the port as ethtool -i, -l, -g, -k and -c show a
 * kernel NIC (device.show), or one bare value for scripts. */
#include <string.h>

#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

/* `show WORD` for the words `set` takes (so a value reads back as it is set),
 * and where each value lives. Any other FIELD is a dotted path into
 * device.show's result ("rings.rx_max"). */
static const struct show_word {
	const char *word;
	const char *method;
	const char *path;
} show_words[] = {
	{ "rx-queue-size", "device.show", "rings.rx" },
	{ "tx-queue-size", "device.show", "rings.tx" },
	{ "queues", "device.show", "queues" },
	{ "pin-workers", "channels.get", "config.pin_workers" },
	{ "mtu", "device.show", "mtu" },
	{ "large-llq-header", "device.show", "llq.large_header" },
	{ "rx-usecs", "coalesce.get", "rx_usecs" },
	{ "tx-usecs", "coalesce.get", "tx_usecs" },
	{ "adaptive-rx", "coalesce.get", "adaptive_rx" },
	{ "eni-interval", "eni.get", "interval" },
	{ "log-level", "log.get", "level" },
	{ "hfunc", "rss.get", "hfunc" },
	{ "key", "rss.get", "key" },
};

static const struct print_field device_fields[] = {
	{ "Bus info", "bus", PRINT_PLAIN },
	{ "State", "state", PRINT_PLAIN },
	{ "Interface index", "ifindex", PRINT_PLAIN },
	{ "MAC address", "mac", PRINT_PLAIN },
	{ "MTU", "mtu", PRINT_PLAIN },
	{ "Maximum MTU", "max_mtu", PRINT_PLAIN },
	{ "Link detected", "link", PRINT_YESNO },
	{ "Carrier", "carrier", PRINT_YESNO },
	{ "Device version", "versions.device", PRINT_PLAIN },
	{ "Controller version", "versions.controller", PRINT_PLAIN },
	{ "LLQ entry size", "llq.entry_size", PRINT_PLAIN },
	{ "LLQ maximum header", "llq.max_header", PRINT_PLAIN },
	{ "RSS table size", "rss_table_size", PRINT_PLAIN },
	{ "NUMA node", "numa_node", PRINT_PLAIN },
	{ "CPUs", "cpus", PRINT_PLAIN },
	{ "Uptime (ms)", "uptime_ms", PRINT_PLAIN },
	{ "Last recovery (ms)", "last_recovery_ms", PRINT_PLAIN },
};
static const struct print_field channel_max[] = { { "Combined", "max_queues", PRINT_PLAIN } };
static const struct print_field channel_cur[] = { { "Combined", "queues", PRINT_PLAIN } };
static const struct print_field ring_max[] = {
	{ "RX", "rings.rx_max", PRINT_PLAIN },
	{ "TX", "rings.tx_max", PRINT_PLAIN },
};
static const struct print_field ring_cur[] = {
	{ "RX", "rings.rx", PRINT_PLAIN },
	{ "TX", "rings.tx", PRINT_PLAIN },
	{ "Large LLQ header", "llq.large_header", PRINT_PLAIN },
};
static const struct print_field offload_fields[] = {
	{ "tx-checksumming", "offloads.tx_csum", PRINT_PLAIN },
	{ "rx-checksumming", "offloads.rx_csum", PRINT_PLAIN },
	{ "tcp-segmentation-offload", "offloads.tso", PRINT_PLAIN },
};
static const struct print_field coalesce_fields[] = {
	{ "Adaptive RX", "coalesce.adaptive_rx", PRINT_PLAIN },
	{ "rx-usecs", "coalesce.rx_usecs", PRINT_PLAIN },
	{ "tx-usecs", "coalesce.tx_usecs", PRINT_PLAIN },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* "Ring parameters for ena0:" */
static void section(const struct enactl *e, struct json_object *r, const char *title)
{
	struct json_object *dev = NULL;

	fprintf(e->out, "%s for ", title);
	if (json_object_object_get_ex(r, "device", &dev) && json_object_is_type(dev, json_type_string))
		print_string(e->out, json_object_get_string(dev));
	else
		fputs(e->iface ? e->iface : "the port", e->out);
	fputs(":\n", e->out);
}

static void render(const struct enactl *e, struct json_object *r)
{
	struct json_object *v;
	FILE *f = e->out;

	section(e, r, "Settings");
	print_fields(f, r, device_fields, N(device_fields));
	if (json_object_object_get_ex(r, "state_reason", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_get_string_len(v) > 0) {
		const struct print_field reason = { "State reason", "state_reason", PRINT_PLAIN };

		print_fields(f, r, &reason, 1);
	}
	section(e, r, "Channel parameters");
	fputs("Pre-set maximums:\n", f);
	print_fields(f, r, channel_max, N(channel_max));
	fputs("Current hardware settings:\n", f);
	print_fields(f, r, channel_cur, N(channel_cur));
	section(e, r, "Ring parameters");
	fputs("Pre-set maximums:\n", f);
	print_fields(f, r, ring_max, N(ring_max));
	fputs("Current hardware settings:\n", f);
	print_fields(f, r, ring_cur, N(ring_cur));
	section(e, r, "Features");
	print_fields(f, r, offload_fields, N(offload_fields));
	/* Coalescing when enad reports it here (coalesce.get has it too). */
	if (json_object_object_get_ex(r, "coalesce", NULL)) {
		section(e, r, "Coalesce parameters");
		print_fields(f, r, coalesce_fields, N(coalesce_fields));
	}
}

/* The top-level member names of @r, for "no such field" messages. */
static void list_fields(FILE *f, struct json_object *r)
{
	bool first = true;

	if (!json_object_is_type(r, json_type_object))
		return;
	json_object_object_foreach(r, name, v) {
		(void)v;
		fputs(first ? "" : ", ", f);
		print_string(f, name);
		first = false;
	}
}

static int show_field(struct enactl *e, const char *field)
{
	const char *method = "device.show", *path = field;
	struct json_object *params, *result = NULL, *v = NULL;
	size_t i;
	int r;

	for (i = 0; i < N(show_words); i++) {
		if (strcmp(field, show_words[i].word) == 0) {
			method = show_words[i].method;
			path = show_words[i].path;
			break;
		}
	}
	params = enactl_params(e);
	r = enactl_call(e, method, params, &result);
	json_object_put(params);
	if (r != ENACTL_OK)
		return r;
	if (!print_lookup(result, path, &v)) {
		fprintf(e->err, "enactl: show: %s has no field '", method);
		print_string(e->err, path);
		fputs("' (fields: ", e->err);
		list_fields(e->err, result);
		fputs(")\n", e->err);
		json_object_put(result);
		return ENACTL_USAGE;
	}
	if (e->json)
		print_json(e->out, v);
	else {
		print_value(e->out, v, PRINT_PLAIN);
		fputc('\n', e->out);
	}
	json_object_put(result);
	return ENACTL_OK;
}

int cmd_show(struct enactl *e, int argc, char **argv)
{
	struct json_object *params, *result = NULL;
	int r;

	if (argc == 2)
		return show_field(e, argv[1]);
	params = enactl_params(e);
	r = enactl_call(e, "device.show", params, &result);
	json_object_put(params);
	if (r == ENACTL_OK)
		print_result(e, result, render);
	json_object_put(result);
	return r;
}

void cmd_show_help(FILE *f)
{
	size_t i;

	fputs("\nFIELD is a member of device.show's result, dotted for nested ones\n"
	      "(mtu, state, mac, rings.rx_max, llq.entry_size, ...), or one of the words\n"
	      "'set' takes:", f);
	for (i = 0; i < N(show_words); i++)
		fprintf(f, "%s%s", i % 6 ? " " : "\n  ", show_words[i].word);
	fputs("\nBooleans print as on or off, as 'set' takes them.\n", f);
}
