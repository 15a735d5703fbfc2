/* SPDX-License-Identifier: MIT */
/* JSON-RPC 2.0 envelope: parse and check one request line, dispatch it, build the reply. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc.h"

#define SERIALIZE_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

const char *rpc_code_name(int code)
{
	switch (code) {
	case RPC_PARSE_ERROR:
		return "parse_error";
	case RPC_INVALID_REQUEST:
		return "invalid_request";
	case RPC_METHOD_NOT_FOUND:
		return "method_not_found";
	case RPC_INVALID_PARAMS:
		return "invalid_params";
	case RPC_INTERNAL_ERROR:
		return "internal_error";
	case RPC_PERMISSION_DENIED:
		return "permission_denied";
	case RPC_NO_DEVICE:
		return "no_device";
	case RPC_BUSY:
		return "busy";
	case RPC_FAILED:
		return "failed";
	case RPC_TOO_MANY_CLIENTS:
		return "too_many_clients";
	}
	return NULL;
}

/* ---- values in messages ---- */

static void show_bytes(const char *s, size_t n, char *buf, size_t len)
{
	size_t max = len > RPC_SHOW_MAX + 4 ? RPC_SHOW_MAX : len - 4, o = 0, i;

	for (i = 0; i < n && o < max; i++)
		buf[o++] = ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f) ? s[i] : '?';
	if (i < n) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

void rpc_show(json_object *v, char *buf, size_t len)
{
	const char *s;

	if (len < 8) {
		if (len)
			buf[0] = '\0';
		return;
	}
	if (json_object_is_type(v, json_type_string)) {
		show_bytes(json_object_get_string(v), (size_t)json_object_get_string_len(v), buf, len);
		return;
	}
	s = json_object_to_json_string_ext(v, SERIALIZE_FLAGS);
	show_bytes(s ? s : "?", s ? strlen(s) : 1, buf, len);
}

/* ---- errors ---- */

int rpc_fail(struct rpc_call *call, int code, json_object *data, const char *fmt, ...)
{
	va_list ap;

	/* The first error wins; a later one is a follow-up of it. */
	if (call->code) {
		json_object_put(data);
		return -EINVAL;
	}
	call->code = code;
	va_start(ap, fmt);
	vsnprintf(call->message, sizeof(call->message), fmt, ap);
	va_end(ap);
	call->data = data;
	return -EINVAL;
}

static void add_string(json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

json_object *rpc_param_data(const char *field, const char *value, const char *allowed)
{
	char shown[RPC_SHOW_MAX + 4], name[RPC_SHOW_MAX + 4];
	json_object *data = json_object_new_object();

	if (!data)
		return NULL;
	/* The field may be a client's unknown key: quote it as safely as a value. */
	if (field)
		show_bytes(field, strlen(field), name, sizeof(name));
	if (value)
		show_bytes(value, strlen(value), shown, sizeof(shown));
	add_string(data, "field", field ? name : NULL);
	add_string(data, "value", value ? shown : NULL);
	add_string(data, "allowed", allowed);
	return data;
}

int rpc_fail_param(struct rpc_call *call, const char *field, const char *value,
		   const char *allowed, const char *fmt, ...)
{
	char reason[400], name[RPC_SHOW_MAX + 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (field)
		show_bytes(field, strlen(field), name, sizeof(name));
	return rpc_fail(call, RPC_INVALID_PARAMS, rpc_param_data(field, value, allowed),
			"%s%s%s%s%s%s", field ? name : "", field ? ": " : "", reason,
			allowed ? " (allowed: " : "", allowed ? allowed : "", allowed ? ")" : "");
}

/* ---- building lines ---- */

/* Serialize @o (taken over) plus "\n". */
static char *line_of(json_object *o, size_t *ret_len)
{
	const char *s;
	size_t n;
	char *line = NULL;

	if (!o)
		return NULL;
	s = json_object_to_json_string_ext(o, SERIALIZE_FLAGS);
	if (s) {
		n = strlen(s);
		line = malloc(n + 2);
		if (line) {
			memcpy(line, s, n);
			line[n] = '\n';
			line[n + 1] = '\0';
			if (ret_len)
				*ret_len = n + 1;
		}
	}
	json_object_put(o);
	return line;
}

static json_object *envelope(json_object *id)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "id", json_object_get(id));
	return o;
}

static json_object *error_object(json_object *id, int code, json_object *data, const char *message)
{
	json_object *o = envelope(id), *e = json_object_new_object();

	if (!o || !e) {
		json_object_put(o);
		json_object_put(e);
		json_object_put(data);
		return NULL;
	}
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	if (data)
		json_object_object_add(e, "data", data);
	json_object_object_add(o, "error", e);
	return o;
}

char *rpc_error_line(int code, json_object *data, const char *message)
{
	return line_of(error_object(NULL, code, data, message), NULL);
}

char *rpc_notification_line(const char *method, json_object *params)
{
	json_object *o = json_object_new_object();

	if (!o) {
		json_object_put(params);
		return NULL;
	}
	json_object_object_add(o, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(o, "method", json_object_new_string(method));
	json_object_object_add(o, "params", params);
	return line_of(o, NULL);
}

void rpc_reply_free(struct rpc_reply *r)
{
	if (!r)
		return;
	free(r->text);
	memset(r, 0, sizeof(*r));
}

/* ---- the envelope ---- */

/* Parse @line as exactly one JSON value. NULL with @call's error set on failure. */
static json_object *parse_line(struct rpc_call *call, const char *line, size_t len)
{
	enum json_tokener_error jerr;
	struct json_tokener *tok;
	json_object *o;
	size_t end;

	if (memchr(line, '\0', len))
		return rpc_fail(call, RPC_PARSE_ERROR, NULL, "the line contains a NUL byte"), NULL;
	tok = json_tokener_new_ex(RPC_DEPTH_MAX);
	if (!tok)
		return rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "out of memory"), NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (!o && jerr == json_tokener_continue) {
		/* A bare number only ends at a delimiter; anything else is truncated. */
		o = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	json_tokener_free(tok);
	if (!o) {
		if (jerr == json_tokener_success) /* the literal null */
			return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "a request is a JSON object"),
			       NULL;
		return rpc_fail(call, RPC_PARSE_ERROR, NULL, "not JSON: %s at byte %zu",
				jerr == json_tokener_continue ? "unexpected end of line"
							      : json_tokener_error_desc(jerr),
				end),
		       NULL;
	}
	for (; end < len; end++) {
		if (line[end] != ' ' && line[end] != '\t' && line[end] != '\r') {
			json_object_put(o);
			return rpc_fail(call, RPC_PARSE_ERROR, NULL,
					"not JSON: text after the request at byte %zu", end),
			       NULL;
		}
	}
	return o;
}

static bool id_valid(json_object *id)
{
	return !id || json_object_is_type(id, json_type_int) ||
	       json_object_is_type(id, json_type_string);
}

static const struct rpc_method *method_find(const struct rpc_dispatch *d, const char *name)
{
	for (size_t i = 0; i < d->n_methods; i++)
		if (strcmp(d->methods[i].name, name) == 0)
			return &d->methods[i];
	return NULL;
}

/* Check the request object; on success *ret_method is the method's name. */
static int check_envelope(struct rpc_call *call, json_object *req, json_object **ret_params)
{
	json_object *v;
	const char *s;

	if (json_object_is_type(req, json_type_array))
		return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "batch requests are not supported");
	if (!json_object_is_type(req, json_type_object))
		return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "a request is a JSON object");
	json_object_object_foreach(req, key, val) {
		(void)val;
		if (strcmp(key, "jsonrpc") && strcmp(key, "id") && strcmp(key, "method") &&
		    strcmp(key, "params")) {
			char shown[RPC_SHOW_MAX + 4];

			show_bytes(key, strlen(key), shown, sizeof(shown));
			return rpc_fail(call, RPC_INVALID_REQUEST, NULL,
					"unknown member \"%s\" (allowed: jsonrpc, id, method, params)",
					shown);
		}
	}
	if (!json_object_object_get_ex(req, "jsonrpc", &v) || !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0)
		return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "\"jsonrpc\" must be \"2.0\"");
	if (json_object_object_get_ex(req, "id", &v) && !id_valid(v))
		return rpc_fail(call, RPC_INVALID_REQUEST, NULL,
				"\"id\" must be a string, an integer or null");
	if (!json_object_object_get_ex(req, "method", &v) || !json_object_is_type(v, json_type_string))
		return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "\"method\" must be a string");
	s = json_object_get_string(v);
	if (strlen(s) != (size_t)json_object_get_string_len(v))
		return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "\"method\" contains a NUL");
	call->method = s;
	*ret_params = NULL;
	if (json_object_object_get_ex(req, "params", &v)) {
		if (json_object_is_type(v, json_type_array))
			return rpc_fail(call, RPC_INVALID_PARAMS, NULL,
					"params must be an object (by-name parameters only)");
		if (!json_object_is_type(v, json_type_object))
			return rpc_fail(call, RPC_INVALID_REQUEST, NULL, "\"params\" must be an object");
		*ret_params = v;
	}
	return 0;
}

static void dispatch(const struct rpc_dispatch *d, struct rpc_call *call, enum rpc_access access,
		     struct rpc_reply *reply)
{
	const struct rpc_method *m = method_find(d, call->method);
	char shown[RPC_SHOW_MAX + 4];
	json_object *data;
	int r;

	if (!m) {
		show_bytes(call->method, strlen(call->method), shown, sizeof(shown));
		rpc_fail(call, RPC_METHOD_NOT_FOUND, NULL, "unknown method \"%s\"", shown);
		return;
	}
	snprintf(reply->method, sizeof(reply->method), "%s", m->name);
	reply->mutating = m->needs_admin;
	if (access == RPC_ACCESS_NONE || (m->needs_admin && access != RPC_ACCESS_ADMIN)) {
		const char *need = access == RPC_ACCESS_NONE ? "read" : "admin";

		data = json_object_new_object();
		if (data)
			add_string(data, "required", need);
		rpc_fail(call, RPC_PERMISSION_DENIED, data,
			 "permission denied: %s needs %s access (root or the %s group)", m->name, need,
			 access == RPC_ACCESS_NONE ? "control or admin" : "admin");
		return;
	}
	r = m->fn(call);
	if (r < 0 && !call->code)
		rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "%s failed: %s", m->name, strerror(-r));
	if (r >= 0 && call->code) /* a method that recorded an error and went on anyway */
		r = -EINVAL;
	if (r < 0) {
		json_object_put(call->result);
		call->result = NULL;
		call->subscribe = false;
	}
}

int rpc_handle(const struct rpc_dispatch *d, const char *line, size_t len, enum rpc_access access,
	       void *conn, struct rpc_reply *ret)
{
	struct rpc_call call = { .userdata = d->userdata, .conn = conn };
	json_object *req = NULL, *id = NULL, *params = NULL, *resp;
	bool notification = false;
	struct rpc_reply reply = { 0 };

	if (len && line[len - 1] == '\r')
		len--;
	if (len > RPC_LINE_MAX) {
		json_object *data = json_object_new_object();

		if (data)
			json_object_object_add(data, "limit", json_object_new_int(RPC_LINE_MAX));
		rpc_fail(&call, RPC_INVALID_REQUEST, data, "request line longer than %d bytes",
			 RPC_LINE_MAX);
		goto reply;
	}
	req = parse_line(&call, line, len);
	if (!req)
		goto reply;
	if (check_envelope(&call, req, &params) < 0) {
		/* Answer with the id when it was readable, else null. */
		if (json_object_is_type(req, json_type_object) &&
		    json_object_object_get_ex(req, "id", &id) && !id_valid(id))
			id = NULL;
		goto reply;
	}
	notification = !json_object_object_get_ex(req, "id", &id);
	call.params = params ? json_object_get(params) : json_object_new_object();
	if (!call.params) {
		rpc_fail(&call, RPC_INTERNAL_ERROR, NULL, "out of memory");
		goto reply;
	}
	dispatch(d, &call, access, &reply);
	if (!call.code) {
		reply.subscribe = call.subscribe;
		reply.events = call.events;
		memcpy(reply.device, call.device, sizeof(reply.device));
		reply.device[sizeof(reply.device) - 1] = '\0';
	}

reply:
	reply.code = call.code;
	if (!notification) {
		if (call.code) {
			resp = error_object(id, call.code, call.data, call.message);
			call.data = NULL;
		} else {
			resp = envelope(id);
			if (resp)
				json_object_object_add(resp, "result",
						       call.result ? call.result : json_object_new_object());
			else
				json_object_put(call.result);
			call.result = NULL;
		}
		reply.text = line_of(resp, &reply.len);
		if (!reply.text) {
			json_object_put(call.result);
			json_object_put(call.data);
			json_object_put(call.params);
			json_object_put(req);
			return -ENOMEM;
		}
	}
	json_object_put(call.result);
	json_object_put(call.data);
	json_object_put(call.params);
	json_object_put(req);
	*ret = reply;
	return 0;
}
