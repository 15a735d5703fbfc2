/* SPDX-License-Identifier: MIT */
/* enactl reset: reset the device with reason USER_TRIGGER (device.reset);
 * `enactl watch` or `enactl show` follow the recovery. */
#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

static void render_nothing(const struct enactl *e, struct json_object *result)
{
	/* The reset runs on; its outcome arrives as a "reset" event. */
}

int cmd_reset(struct enactl *e, int argc, char **argv)
{
	struct json_object *params = enactl_params(e), *result = NULL;
	int r = enactl_call(e, "device.reset", params, &result);

	json_object_put(params);
	if (r == ENACTL_OK)
		print_result(e, result, render_nothing);
	json_object_put(result);
	return r;
}
