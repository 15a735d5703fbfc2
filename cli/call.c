/* SPDX-License-Identifier: MIT */
/* One method call on enad: parameters with the port, and the one error line
 * for whatever went wrong (the daemon's error, or the transport's). */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "client.h"
#include "enactl.h"
#include "print.h"

struct json_object *enactl_params(const struct enactl *e)
{
	struct json_object *p = json_object_new_object();

	if (p && e->iface)
		json_object_object_add(p, "device", json_object_new_string(e->iface));
	return p;
}

static int connect_failed(struct enactl *e, int r)
{
	const char *hint = "";

	if (r == -ENOENT || r == -ECONNREFUSED)
		hint = " (is enad running?)";
	else if (r == -EACCES || r == -EPERM)
		hint = " (enactl needs root or enad's control_group)";
	else if (r == -ETIMEDOUT)
		hint = " (enad is not accepting connections)";
	return enactl_fail(e, "cannot connect to %s: %s%s", e->socket, strerror(-r), hint);
}

int enactl_call(struct enactl *e, const char *method, struct json_object *params,
		struct json_object **ret_result)
{
	struct client_reply reply;
	int r;

	if (!e->conn) {
		r = client_connect(e->socket, e->timeout_ms, &e->conn);
		if (r < 0)
			return connect_failed(e, r);
	}
	r = client_call(e->conn, method, params, &reply);
	if (r == -E2BIG)
		return enactl_usage(e, "%s: %s", method, client_error(e->conn));
	if (r < 0) {
		enactl_fail(e, "%s: %s: %s", e->socket, method, client_error(e->conn));
		/* Whatever is still in flight on it cannot be matched to a request. */
		client_close(e->conn);
		e->conn = NULL;
		return ENACTL_FAIL;
	}
	if (reply.error) {
		print_daemon_error(e->err, reply.error);
		client_reply_free(&reply);
		return ENACTL_FAIL;
	}
	if (ret_result)
		*ret_result = json_object_get(reply.result);
	client_reply_free(&reply);
	return ENACTL_OK;
}
