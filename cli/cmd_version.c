/* SPDX-License-Identifier: MIT */
/* enactl version: enactl's version, and enad's with its control API (api.version). */
#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

static void render(const struct enactl *e, struct json_object *result)
{
	struct json_object *v = NULL;

	fprintf(e->out, "enactl %s\n", ENAD_VERSION);
	fputs("enad ", e->out);
	if (json_object_object_get_ex(result, "enad", &v))
		print_value(e->out, v, PRINT_PLAIN);
	else
		fputs("n/a", e->out);
	fputs(" (control API ", e->out);
	if (json_object_object_get_ex(result, "version", &v))
		print_value(e->out, v, PRINT_PLAIN);
	else
		fputs("n/a", e->out);
	fputs(")\n", e->out);
}

int cmd_version(struct enactl *e, int argc, char **argv)
{
	struct json_object *params = json_object_new_object();
	struct json_object *result = NULL;
	int r = enactl_call(e, "api.version", params, &result);

	json_object_put(params);
	if (r == ENACTL_OK)
		print_result(e, result, render);
	json_object_put(result);
	return r;
}
