/* SPDX-License-Identifier: MIT */
/* enactl stats [--queues] [--eni]: counters laid out like ethtool -S
 * (stats.get): global, totals, ENI, per queue, admin queue. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

/* The groups of stats.get's result, in ethtool -S order, and the prefix
 * their counters get; members not listed here print after them. */
static const struct {
	const char *key;
	const char *prefix;
} groups[] = {
	{ "global", "" },
	{ "totals", "" },
	{ "eni", "" },
	{ "queues", NULL }, /* queue_N_ per entry */
	{ "admin", "" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Per queue: "queue_0_tx_cnt", as the Linux driver names them. */
static void print_queues(FILE *f, struct json_object *queues)
{
	size_t i;

	if (!json_object_is_type(queues, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(queues); i++) {
		struct json_object *q = json_object_array_get_idx(queues, i), *num;
		long long n = (long long)i;
		char prefix[64];

		if (!json_object_is_type(q, json_type_object))
			continue;
		if (json_object_object_get_ex(q, "queue", &num) && json_object_is_type(num, json_type_int))
			n = (long long)json_object_get_int64(num);
		json_object_object_foreach(q, name, v) {
			if (strcmp(name, "queue") == 0)
				continue;
			if (json_object_is_type(v, json_type_object)) {
				snprintf(prefix, sizeof(prefix), "queue_%lld_%.32s_", n, name);
				print_counters(f, prefix, v);
			} else {
				fprintf(f, "     queue_%lld_", n);
				print_string(f, name);
				fputs(": ", f);
				print_value(f, v, PRINT_PLAIN);
				fputc('\n', f);
			}
		}
	}
}

/* ENI: the allowance counters under the Linux names (*_allowance_exceeded);
 * the rest (sample time and age) are not counters and get an "eni_" prefix. */
static void print_eni(FILE *f, struct json_object *eni)
{
	static const char suffix[] = "_allowance_exceeded";

	if (!json_object_is_type(eni, json_type_object))
		return; /* null: ENI metrics off or not sampled yet */
	json_object_object_foreach(eni, name, v) {
		size_t n = strlen(name);

		fputs("     ", f);
		if (n < sizeof(suffix) - 1 || strcmp(name + n - (sizeof(suffix) - 1), suffix) != 0)
			fputs("eni_", f);
		print_string(f, name);
		fputs(": ", f);
		print_value(f, v, PRINT_PLAIN);
		fputc('\n', f);
	}
}

static bool known_group(const char *key)
{
	size_t i;

	for (i = 0; i < N(groups); i++)
		if (strcmp(groups[i].key, key) == 0)
			return true;
	return strcmp(key, "device") == 0;
}

static void render(const struct enactl *e, struct json_object *r)
{
	FILE *f = e->out;
	size_t i;

	fputs("NIC statistics:\n", f);
	for (i = 0; i < N(groups); i++) {
		struct json_object *g;

		if (!json_object_object_get_ex(r, groups[i].key, &g))
			continue;
		if (strcmp(groups[i].key, "queues") == 0)
			print_queues(f, g);
		else if (strcmp(groups[i].key, "eni") == 0)
			print_eni(f, g);
		else
			print_counters(f, groups[i].prefix, g);
	}
	if (!json_object_is_type(r, json_type_object))
		return;
	json_object_object_foreach(r, key, v) {
		if (known_group(key))
			continue;
		if (json_object_is_type(v, json_type_object)) {
			char prefix[64];

			snprintf(prefix, sizeof(prefix), "%.48s_", key);
			print_counters(f, prefix, v);
		} else {
			fputs("     ", f);
			print_string(f, key);
			fputs(": ", f);
			print_value(f, v, PRINT_PLAIN);
			fputc('\n', f);
		}
	}
}

int cmd_stats(struct enactl *e, int argc, char **argv)
{
	struct json_object *params, *result = NULL;
	bool queues = false, eni = false;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--queues") == 0)
			queues = true;
		else if (strcmp(argv[i], "--eni") == 0)
			eni = true;
		else
			return enactl_usage(e, "stats: unknown option '%s' (allowed: --queues, --eni)",
					    argv[i]);
	}
	params = enactl_params(e);
	if (!params)
		return enactl_fail(e, "out of memory");
	json_object_object_add(params, "queues", json_object_new_boolean(queues));
	json_object_object_add(params, "eni", json_object_new_boolean(eni));
	r = enactl_call(e, "stats.get", params, &result);
	json_object_put(params);
	if (r == ENACTL_OK)
		print_result(e, result, render);
	json_object_put(result);
	return r;
}
