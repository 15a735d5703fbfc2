/* SPDX-License-Identifier: MIT */
/* enactl list: the ports enad runs (device.list), one per line. */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

/* Text of member @key of port @d, "n/a" when absent. */
static void cell(FILE *f, struct json_object *d, const char *key, int width)
{
	struct json_object *v = NULL;
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return;
	if (json_object_object_get_ex(d, key, &v))
		print_value(m, v, PRINT_PLAIN);
	else
		fputs("n/a", m);
	fclose(m);
	fprintf(f, width ? "%-*s " : "%.*s", width ? width : (int)len, text);
	free(text);
}

static void render(const struct enactl *e, struct json_object *result)
{
	struct json_object *devs = NULL;
	size_t i, n;

	if (!json_object_object_get_ex(result, "devices", &devs) ||
	    !json_object_is_type(devs, json_type_array))
		devs = NULL;
	n = devs ? json_object_array_length(devs) : 0;
	fprintf(e->out, "%-16s %-12s %s\n", "DEVICE", "STATE", "BUS");
	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_array_get_idx(devs, i);

		cell(e->out, d, "device", 16);
		cell(e->out, d, "state", 12);
		cell(e->out, d, "bus", 0);
		fputc('\n', e->out);
	}
	fprintf(e->out, "\n%zu port%s listed.\n", n, n == 1 ? "" : "s");
}

int cmd_list(struct enactl *e, int argc, char **argv)
{
	struct json_object *params = json_object_new_object(); /* no device: all ports */
	struct json_object *result = NULL;
	int r = enactl_call(e, "device.list", params, &result);

	json_object_put(params);
	if (r == ENACTL_OK)
		print_result(e, result, render);
	json_object_put(result);
	return r;
}
