/* SPDX-License-Identifier: MIT */
/* enactl watch [EVENT...]: subscribe (events.subscribe) and print one line
 * per event until interrupted or until enad goes away. */
#include <errno.h>
#include <string.h>

#include <json-c/json.h>

#include "client.h"
#include "enactl.h"
#include "print.h"

/* "ena0: link down", "ena0: reset phase=done reason=keep_alive_to ok=yes
 * recovery_ms=412": the member named like the event comes first, bare. */
static void render_event(FILE *f, struct json_object *ev)
{
	struct json_object *v;
	const char *name = "event";

	if (json_object_object_get_ex(ev, "device", &v) && v) {
		print_value(f, v, PRINT_PLAIN);
		fputs(": ", f);
	}
	if (json_object_object_get_ex(ev, "event", &v) && json_object_is_type(v, json_type_string))
		name = json_object_get_string(v);
	print_string(f, name);
	if (strcmp(name, "event") != 0 && strcmp(name, "device") != 0 &&
	    json_object_object_get_ex(ev, name, &v)) {
		fputc(' ', f);
		print_value(f, v, strcmp(name, "link") == 0 ? PRINT_UPDOWN : PRINT_PLAIN);
	}
	json_object_object_foreach(ev, key, val) {
		if (!val || strcmp(key, "device") == 0 || strcmp(key, "event") == 0 ||
		    strcmp(key, name) == 0)
			continue; /* null: nothing to say ("reason": null) */
		fputc(' ', f);
		print_string(f, key);
		fputc('=', f);
		print_value(f, val, PRINT_YESNO);
	}
	fputc('\n', f);
}

int cmd_watch(struct enactl *e, int argc, char **argv)
{
	struct json_object *params = enactl_params(e), *events = NULL;
	int i, r;

	if (!params)
		return enactl_fail(e, "out of memory");
	if (argc > 1) {
		events = json_object_new_array();
		json_object_object_add(params, "events", events);
	}
	for (i = 1; i < argc; i++) {
		if (!argv[i][0] || strlen(argv[i]) > 32 ||
		    strspn(argv[i], "abcdefghijklmnopqrstuvwxyz_") != strlen(argv[i])) {
			json_object_put(params);
			return enactl_usage(e, "watch: '%s' is not an event kind (allowed: link, reset, config, eni, state)",
					    argv[i]);
		}
		json_object_array_add(events, json_object_new_string(argv[i]));
	}
	r = enactl_call(e, "events.subscribe", params, NULL);
	json_object_put(params);
	if (r != ENACTL_OK)
		return r;
	fflush(e->out);
	for (;;) {
		struct json_object *msg, *method, *ev;

		r = client_read(e->conn, /* wait_forever= */ true, &msg);
		if (r < 0)
			return enactl_fail(e, "%s: %s", e->socket, client_error(e->conn));
		if (json_object_object_get_ex(msg, "method", &method) &&
		    json_object_is_type(method, json_type_string) &&
		    strcmp(json_object_get_string(method), "event") == 0 &&
		    json_object_object_get_ex(msg, "params", &ev) &&
		    json_object_is_type(ev, json_type_object)) {
			if (e->json)
				print_json_line(e->out, ev);
			else
				render_event(e->out, ev);
			if (fflush(e->out) != 0) {
				json_object_put(msg);
				return ENACTL_FAIL; /* enactl_main says why */
			}
		}
		/* Anything else (a notification we do not know) is skipped. */
		json_object_put(msg);
	}
}
