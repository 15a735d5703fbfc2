/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the control API's request parser, envelope checks and
 * dispatcher, with every set method's parameter decoding.
 *
 * Input: the first byte picks the caller's access (byte % 3: none, read,
 * admin); the rest is split at '\n' into request lines, as the control
 * socket frames them. The methods are the real method names over the real
 * decoding layer (rpc_decode.c), applied to a default device configuration
 * instead of a port, so no device is needed.
 *
 * Every line must produce a reply that is one JSON-RPC 2.0 object on one
 * line (or nothing, for a notification), with a known error code; an
 * accepted set must only touch its own group's knobs, and every value it
 * stored must format and parse back. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "params.h"
#include "rpc.h"
#include "rpc_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fuzz_state {
	struct enad_config cfg;
	struct port_rss rss;
};

static const char *group_of(const char *method)
{
	static const char *const map[][2] = {
		{ "channels.set", "channels" }, { "rings.set", "rings" }, { "rss.set", "rss" },
		{ "coalesce.set", "coalesce" }, { "mtu.set", "mtu" }, { "eni.set_interval", "eni" },
		{ "log.set_level", "log" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i][0], method) == 0)
			return map[i][1];
	return NULL;
}

/* What the real set methods do before port_check(): decode onto a copy. */
static int f_set(struct rpc_call *call)
{
	struct fuzz_state *st = call->userdata;
	const char *group = group_of(call->method), *dev;
	struct enad_device_config *want = malloc(sizeof(*want));
	static char text[PARAM_FORMAT_MAX];
	int r;

	if (!want)
		return -ENOMEM;
	if (rpc_param_device(call, &dev) < 0) {
		free(want);
		return -EINVAL;
	}
	config_device_defaults(&st->cfg.global, "ena0", want);
	r = rpc_decode_set(call, group, &st->rss, want);
	if (r == 0) {
		for (unsigned int i = 0; i < PARAM__COUNT; i++) {
			const struct param *p = &param_table[i];
			union param_value v, again;

			if (!(want->has & PARAM_HAS(i)))
				continue;
			/* only the method's own group, only device knobs that can change */
			if (p->scope != PARAM_SCOPE_DEVICE || strcmp(p->group, group) != 0 ||
			    p->apply == PARAM_APPLY_RESTART)
				abort();
			param_load(p, want, &v);
			if (param_format(p, &v, text, sizeof(text)) < 0 ||
			    param_parse(p, text, &again, NULL) < 0 || !param_value_equal(p, &v, &again)) {
				fprintf(stderr, "%s: stored value '%s' does not parse back\n", p->key, text);
				abort();
			}
		}
		if (!want->has)
			abort(); /* "needs at least one parameter" */
		call->result = rpc_group_config(group, want);
	}
	free(want);
	return r;
}

static int f_get(struct rpc_call *call)
{
	static const char *const names[] = { "queues", "eni", NULL };
	const char *dev;
	bool b;

	if (rpc_params_only(call, true, names) < 0 || rpc_param_device(call, &dev) < 0 ||
	    rpc_param_bool(call, "queues", &b) < 0 || rpc_param_bool(call, "eni", &b) < 0)
		return -EINVAL;
	return 0;
}

static int f_subscribe(struct rpc_call *call)
{
	static const char *const names[] = { "events", NULL };
	unsigned int mask;
	const char *dev;

	if (rpc_params_only(call, true, names) < 0 || rpc_param_device(call, &dev) < 0 ||
	    rpc_decode_events(call, &mask) < 0)
		return -EINVAL;
	if (!mask || (mask & ~RPC_EVENTS_ALL))
		abort();
	call->subscribe = true;
	call->events = mask;
	return 0;
}

static const struct rpc_method methods[] = {
	{ "stats.get", false, f_get },
	{ "events.subscribe", false, f_subscribe },
	{ "channels.set", true, f_set },
	{ "rings.set", true, f_set },
	{ "rss.set", true, f_set },
	{ "coalesce.set", true, f_set },
	{ "mtu.set", true, f_set },
	{ "eni.set_interval", true, f_set },
	{ "log.set_level", true, f_set },
};

static void check_reply(const struct rpc_reply *reply)
{
	json_object *o, *e, *v;
	int code;

	if (!reply->text)
		return;
	if (reply->len < 2 || strlen(reply->text) != reply->len || reply->text[reply->len - 1] != '\n' ||
	    memchr(reply->text, '\n', reply->len - 1))
		abort();
	o = json_tokener_parse(reply->text);
	if (!o || !json_object_is_type(o, json_type_object))
		abort();
	if (!json_object_object_get_ex(o, "jsonrpc", &v) ||
	    strcmp(json_object_get_string(v), "2.0") != 0 ||
	    !json_object_object_get_ex(o, "id", NULL))
		abort();
	if (json_object_object_get_ex(o, "error", &e)) {
		if (json_object_object_get_ex(o, "result", NULL))
			abort();
		code = json_object_get_int(json_object_object_get(e, "code"));
		if (!rpc_code_name(code) || code != reply->code)
			abort();
		v = json_object_object_get(e, "message");
		if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v))
			abort();
		if (code == RPC_INTERNAL_ERROR)
			abort(); /* nothing here runs out of memory */
	} else if (!json_object_object_get_ex(o, "result", NULL) || reply->code) {
		abort();
	}
	json_object_put(o);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fuzz_state st;
	static bool init;
	struct rpc_dispatch d = { methods, sizeof(methods) / sizeof(methods[0]), &st };
	enum rpc_access access;
	size_t pos = 1;

	if (!init) {
		config_init(&st.cfg);
		st.rss.table_size = 128;
		for (unsigned int i = 0; i < 128; i++)
			st.rss.table[i] = (uint16_t)(i % 4);
		init = true;
	}
	if (size < 1)
		return 0;
	access = (enum rpc_access)(data[0] % 3);
	while (pos < size) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		struct rpc_reply reply;

		if (rpc_handle(&d, (const char *)data + pos, len, access, NULL, &reply) < 0)
			abort();
		check_reply(&reply);
		if (reply.subscribe && (!reply.events || reply.code))
			abort();
		rpc_reply_free(&reply);
		pos += len + 1;
	}
	return 0;
}
