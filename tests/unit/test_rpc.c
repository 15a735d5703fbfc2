/* SPDX-License-Identifier: MIT */
/* The control API without a device: the JSON-RPC envelope and dispatcher, the
 * parameter decoding of every set method, the method table on a manager with
 * no port, and the event notifications. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "manager.h"
#include "params.h"
#include "port.h"
#include "rpc.h"
#include "rpc_decode.h"
#include "rpc_methods.h"

/* ---- a method table of our own, for the envelope ---- */

static int t_echo(struct rpc_call *call)
{
	call->result = json_object_new_object();
	json_object_object_add(call->result, "params", json_object_get(call->params));
	json_object_object_add(call->result, "method", json_object_new_string(call->method));
	return 0;
}

static int t_fail(struct rpc_call *call)
{
	return rpc_fail_param(call, "x", "bad\x01value", "1..2", "%s is wrong", "bad");
}

static int t_errno(struct rpc_call *call)
{
	call->result = json_object_new_object(); /* dropped: the call failed */
	return -EIO;
}

static int t_sub(struct rpc_call *call)
{
	call->subscribe = true;
	call->events = 5;
	snprintf(call->device, sizeof(call->device), "ena7");
	return 0;
}

static int t_half(struct rpc_call *call)
{
	/* an error recorded, then success claimed: still an error */
	rpc_fail(call, RPC_BUSY, NULL, "busy");
	return 0;
}

static const struct rpc_method t_methods[] = {
	{ "t.echo", false, t_echo },
	{ "t.admin", true, t_echo },
	{ "t.fail", false, t_fail },
	{ "t.errno", false, t_errno },
	{ "t.sub", false, t_sub },
	{ "t.half", false, t_half },
};

static const struct rpc_dispatch t_dispatch = {
	.methods = t_methods, .n_methods = sizeof(t_methods) / sizeof(t_methods[0]),
};

/* Run one line; the reply must be one JSON object on one line (or none). */
static json_object *run_access(const struct rpc_dispatch *d, const char *line, size_t len,
			       enum rpc_access access, struct rpc_reply *ret)
{
	struct rpc_reply reply;
	json_object *o;

	assert_int_equal(rpc_handle(d, line, len, access, NULL, &reply), 0);
	if (!reply.text) {
		if (ret)
			*ret = reply;
		return NULL;
	}
	assert_int_equal(strlen(reply.text), reply.len);
	assert_true(reply.len >= 2);
	assert_int_equal(reply.text[reply.len - 1], '\n');
	assert_null(memchr(reply.text, '\n', reply.len - 1));
	o = json_tokener_parse(reply.text);
	assert_non_null(o);
	assert_string_equal(json_object_get_string(json_object_object_get(o, "jsonrpc")), "2.0");
	assert_true(json_object_object_get_ex(o, "id", NULL));
	/* exactly one of result and error */
	assert_true(json_object_object_get_ex(o, "result", NULL) !=
		    json_object_object_get_ex(o, "error", NULL));
	if (ret)
		*ret = reply;
	else
		rpc_reply_free(&reply);
	return o;
}

static json_object *run_line(const char *line, enum rpc_access access, struct rpc_reply *ret)
{
	return run_access(&t_dispatch, line, strlen(line), access, ret);
}

static json_object *run(const char *line)
{
	return run_access(&t_dispatch, line, strlen(line), RPC_ACCESS_ADMIN, NULL);
}

static int err_code(json_object *o)
{
	json_object *e;

	if (!json_object_object_get_ex(o, "error", &e))
		return 0;
	assert_true(strlen(json_object_get_string(json_object_object_get(e, "message"))) > 0);
	return json_object_get_int(json_object_object_get(e, "code"));
}

static const char *err_data(json_object *o, const char *key)
{
	json_object *e = json_object_object_get(o, "error"), *d, *v;

	if (!e || !json_object_object_get_ex(e, "data", &d) || !json_object_object_get_ex(d, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static const char *err_message(json_object *o)
{
	return json_object_get_string(
		json_object_object_get(json_object_object_get(o, "error"), "message"));
}

static void expect_code(const char *line, int code)
{
	json_object *o = run(line);

	if (err_code(o) != code)
		fail_msg("%s: got %s, expected code %d", line, json_object_to_json_string(o), code);
	json_object_put(o);
}

static void test_envelope_ok(void **state)
{
	struct rpc_reply reply;
	json_object *o, *r;

	o = run("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"t.echo\",\"params\":{\"a\":[1,2]}}");
	assert_int_equal(json_object_get_int(json_object_object_get(o, "id")), 7);
	r = json_object_object_get(o, "result");
	assert_string_equal(json_object_get_string(json_object_object_get(r, "method")), "t.echo");
	assert_string_equal(json_object_to_json_string_ext(json_object_object_get(r, "params"),
							   JSON_C_TO_STRING_PLAIN),
			    "{\"a\":[1,2]}");
	json_object_put(o);

	/* string ids come back; params may be absent (an empty object) */
	o = run("{\"id\":\"x-1\",\"method\":\"t.echo\",\"jsonrpc\":\"2.0\"}");
	assert_string_equal(json_object_get_string(json_object_object_get(o, "id")), "x-1");
	r = json_object_object_get(json_object_object_get(o, "result"), "params");
	assert_true(json_object_is_type(r, json_type_object));
	assert_int_equal(json_object_object_length(r), 0);
	json_object_put(o);

	/* id null is answered with id null; CRLF and blanks around are fine */
	o = run("  {\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"t.echo\"}  \r");
	assert_true(json_object_object_get_ex(o, "id", &r));
	assert_null(r);
	assert_int_equal(err_code(o), 0);
	json_object_put(o);

	/* a notification runs and gets no answer, even when the method fails */
	assert_null(run_line("{\"jsonrpc\":\"2.0\",\"method\":\"t.sub\"}",
			       RPC_ACCESS_READ, &reply));
	assert_null(reply.text);
	assert_true(reply.subscribe);
	rpc_reply_free(&reply);
	assert_null(run_line("{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}",
			       RPC_ACCESS_READ, &reply));
	rpc_reply_free(&reply);
}

static void test_envelope_parse_errors(void **state)
{
	static const char nul[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"}\0x";
	json_object *o;

	expect_code("garbage", RPC_PARSE_ERROR);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"", RPC_PARSE_ERROR);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"} x", RPC_PARSE_ERROR);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"}{}", RPC_PARSE_ERROR);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.\xff\"}", RPC_PARSE_ERROR);
	expect_code("{\"a\":[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}", RPC_PARSE_ERROR);
	expect_code("{\"a\":tru}", RPC_PARSE_ERROR);
	expect_code("", RPC_PARSE_ERROR);
	expect_code("\"unterminated", RPC_PARSE_ERROR);
	o = run_access(&t_dispatch, nul, sizeof(nul) - 1, RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), RPC_PARSE_ERROR);
	assert_null(json_object_object_get(o, "id"));
	json_object_put(o);
}

static void test_envelope_invalid(void **state)
{
	json_object *o;

	expect_code("[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"}]", RPC_INVALID_REQUEST);
	expect_code("[]", RPC_INVALID_REQUEST);
	expect_code("42", RPC_INVALID_REQUEST);
	expect_code("\"str\"", RPC_INVALID_REQUEST);
	expect_code("null", RPC_INVALID_REQUEST);
	expect_code("true", RPC_INVALID_REQUEST);
	expect_code("{}", RPC_INVALID_REQUEST);
	expect_code("{\"id\":1,\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":2.0,\"id\":1,\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":7}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":null}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.e\\u0000cho\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"t.echo\"}", RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\",\"params\":3}",
		    RPC_INVALID_REQUEST);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\",\"params\":null}",
		    RPC_INVALID_REQUEST);
	/* by-position params are a params error */
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\",\"params\":[1]}",
		    RPC_INVALID_PARAMS);

	/* unknown members are refused, and named */
	o = run("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"t.echo\",\"extra\":1}");
	assert_int_equal(err_code(o), RPC_INVALID_REQUEST);
	assert_non_null(strstr(err_message(o), "extra"));
	/* the id was readable: it is answered */
	assert_int_equal(json_object_get_int(json_object_object_get(o, "id")), 3);
	json_object_put(o);
	/* an invalid id is answered with null */
	o = run("{\"jsonrpc\":\"2.0\",\"id\":{\"a\":1},\"method\":\"t.echo\"}");
	assert_null(json_object_object_get(o, "id"));
	json_object_put(o);
	/* an invalid envelope without id is still answered (with id null) */
	o = run("{\"jsonrpc\":\"1.0\",\"method\":\"t.echo\"}");
	assert_int_equal(err_code(o), RPC_INVALID_REQUEST);
	json_object_put(o);
}

static void test_envelope_line_limit(void **state)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"}";
	char *line = malloc(RPC_LINE_MAX + 2);
	json_object *o;

	assert_non_null(line);
	/* exactly RPC_LINE_MAX bytes: a request padded with blanks */
	memset(line, ' ', RPC_LINE_MAX + 1);
	memcpy(line, head, sizeof(head) - 1);
	o = run_access(&t_dispatch, line, RPC_LINE_MAX, RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), 0);
	json_object_put(o);
	/* ... plus "\r" is still fine */
	line[RPC_LINE_MAX] = '\r';
	o = run_access(&t_dispatch, line, RPC_LINE_MAX + 1, RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), 0);
	json_object_put(o);
	/* one more byte is too long */
	line[RPC_LINE_MAX] = ' ';
	o = run_access(&t_dispatch, line, RPC_LINE_MAX + 1, RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_REQUEST);
	assert_string_equal(err_data(o, "limit"), "65536");
	json_object_put(o);
	free(line);
}

static void test_envelope_methods(void **state)
{
	struct rpc_reply reply;
	json_object *o;
	const char *m;

	o = run("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.nope\"}");
	assert_int_equal(err_code(o), RPC_METHOD_NOT_FOUND);
	assert_non_null(strstr(err_message(o), "t.nope"));
	json_object_put(o);
	/* a hostile method name is quoted printable and cut */
	o = run("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\\u0007\\n"
		"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}");
	assert_int_equal(err_code(o), RPC_METHOD_NOT_FOUND);
	m = err_message(o);
	assert_non_null(strstr(m, "\"??xxx"));
	assert_non_null(strstr(m, "...\""));
	assert_true(strlen(m) < 120);
	json_object_put(o);

	/* permissions: admin methods need admin, everything needs read */
	o = run_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.admin\"}",
		       RPC_ACCESS_READ, &reply);
	assert_int_equal(err_code(o), RPC_PERMISSION_DENIED);
	assert_string_equal(err_data(o, "required"), "admin");
	assert_string_equal(reply.method, "t.admin");
	assert_true(reply.mutating);
	assert_int_equal(reply.code, RPC_PERMISSION_DENIED);
	rpc_reply_free(&reply);
	json_object_put(o);
	o = run_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"}",
		       RPC_ACCESS_NONE, NULL);
	assert_int_equal(err_code(o), RPC_PERMISSION_DENIED);
	assert_string_equal(err_data(o, "required"), "read");
	json_object_put(o);
	o = run_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.echo\"}",
		       RPC_ACCESS_READ, NULL);
	assert_int_equal(err_code(o), 0);
	json_object_put(o);
	o = run_line("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.admin\"}",
		       RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), 0);
	json_object_put(o);

	/* a method's own error, with data */
	o = run("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.fail\"}");
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	assert_string_equal(err_message(o), "x: bad is wrong (allowed: 1..2)");
	assert_string_equal(err_data(o, "field"), "x");
	assert_string_equal(err_data(o, "value"), "bad?value");
	assert_string_equal(err_data(o, "allowed"), "1..2");
	json_object_put(o);
	/* a bare -errno becomes an internal error; a recorded error wins over "ok" */
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.errno\"}", RPC_INTERNAL_ERROR);
	expect_code("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"t.half\"}", RPC_BUSY);

	/* subscription travels in the reply, after the answer */
	o = run_line("{\"jsonrpc\":\"2.0\",\"id\":9,\"method\":\"t.sub\"}",
		       RPC_ACCESS_READ, &reply);
	assert_int_equal(err_code(o), 0);
	assert_true(reply.subscribe);
	assert_int_equal(reply.events, 5);
	assert_string_equal(reply.device, "ena7");
	assert_false(reply.mutating);
	rpc_reply_free(&reply);
	json_object_put(o);
}

static void test_lines_and_codes(void **state)
{
	static const int codes[] = {
		RPC_PARSE_ERROR, RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND, RPC_INVALID_PARAMS,
		RPC_INTERNAL_ERROR, RPC_PERMISSION_DENIED, RPC_NO_DEVICE, RPC_BUSY, RPC_FAILED,
		RPC_TOO_MANY_CLIENTS,
	};
	json_object *o, *data = json_object_new_object();
	char *line;

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		assert_non_null(rpc_code_name(codes[i]));
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(rpc_code_name(codes[i]), rpc_code_name(codes[j]));
	}
	assert_null(rpc_code_name(0));
	assert_null(rpc_code_name(-1));

	json_object_object_add(data, "limit", json_object_new_int(3));
	line = rpc_error_line(RPC_TOO_MANY_CLIENTS, data, "too many");
	assert_non_null(line);
	assert_string_equal(line, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32005,"
				  "\"message\":\"too many\",\"data\":{\"limit\":3}}}\n");
	free(line);
	o = json_object_new_object();
	json_object_object_add(o, "event", json_object_new_string("link/x"));
	line = rpc_notification_line("event", o);
	assert_string_equal(line, "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":"
				  "\"link/x\"}}\n");
	free(line);
}

/* ---- parameter decoding (no port) ---- */

struct dec {
	struct enad_config cfg;
	struct enad_device_config dev;
	struct port_rss rss;
	struct rpc_call call;
};

static int dec_setup(void **state)
{
	struct dec *d = calloc(1, sizeof(*d));

	assert_non_null(d);
	config_init(&d->cfg);
	config_device_defaults(&d->cfg.global, "ena0", &d->dev);
	d->rss.table_size = 128;
	for (unsigned int i = 0; i < 128; i++)
		d->rss.table[i] = (uint16_t)(i % 4);
	*state = d;
	return 0;
}

static int dec_teardown(void **state)
{
	struct dec *d = *state;

	json_object_put(d->call.params);
	json_object_put(d->call.data);
	json_object_put(d->call.result);
	config_free(&d->cfg);
	free(d);
	return 0;
}

static void dec_reset_call(struct dec *d, const char *params)
{
	json_object_put(d->call.params);
	json_object_put(d->call.data);
	json_object_put(d->call.result);
	memset(&d->call, 0, sizeof(d->call));
	d->call.params = json_tokener_parse(params);
	if (!d->call.params)
		fail_msg("test bug: params %s do not parse", params);
}

/* Decode @params of @group.set into a fresh default config. */
static int dec(struct dec *d, const char *group, const char *params)
{
	int r;

	config_device_defaults(&d->cfg.global, "ena0", &d->dev);
	dec_reset_call(d, params);
	r = rpc_decode_set(&d->call, group, &d->rss, &d->dev);
	/* an error is always recorded, success never */
	assert_int_equal(r < 0, d->call.code != 0);
	return r;
}

static const char *data_of(struct dec *d, const char *key)
{
	json_object *v;

	if (!d->call.data || !json_object_object_get_ex(d->call.data, key, &v))
		return NULL;
	return json_object_get_string(v);
}

/* @params of @group.set fail with -32602 naming @field (NULL: none). */
static void dec_fails(struct dec *d, const char *group, const char *params, const char *field)
{
	if (dec(d, group, params) == 0)
		fail_msg("%s.set %s was accepted", group, params);
	if (d->call.code != RPC_INVALID_PARAMS)
		fail_msg("%s.set %s: code %d (%s)", group, params, d->call.code, d->call.message);
	if (field)
		assert_string_equal(data_of(d, "field"), field);
	else
		assert_null(data_of(d, "field"));
	assert_true(strlen(d->call.message) > 0);
	/* the message names the field it is about */
	if (field && strncmp(d->call.message, field, strlen(field)) != 0)
		fail_msg("message '%s' does not start with '%s'", d->call.message, field);
}

static void test_decode_valid(void **state)
{
	struct dec *d = *state;
	static const uint8_t key[PARAM_RSS_KEY_SIZE] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
	};
	char text[PARAM_FORMAT_MAX], buf[1024];

	assert_int_equal(dec(d, "channels", "{\"device\":\"ena0\",\"combined\":4}"), 0);
	assert_int_equal(d->dev.num_io_queues, 4);
	assert_int_equal(d->dev.has, PARAM_HAS(PARAM_NUM_IO_QUEUES));
	assert_int_equal(dec(d, "channels", "{\"combined\":0}"), 0); /* auto, as in enad.conf */
	assert_int_equal(d->dev.num_io_queues, 0);
	assert_int_equal(dec(d, "channels", "{\"cpus\":\"0-3,6\",\"numa_node\":0}"), 0);
	assert_int_equal(param_cpus_count(&d->dev.cpus), 5);

	/* a partial update: only the given knobs change, each with its has bit */
	assert_int_equal(dec(d, "rings", "{\"rx\":2048}"), 0);
	assert_int_equal(d->dev.rx_queue_size, 2048);
	assert_int_equal(d->dev.tx_queue_size, 1024);
	assert_int_equal(d->dev.has, PARAM_HAS(PARAM_RX_QUEUE_SIZE));
	assert_int_equal(dec(d, "rings",
			     "{\"tx\":256,\"rx\":16384,\"large_llq_header\":true,\"llq_policy\":\"off\"}"),
			 0);
	assert_int_equal(d->dev.tx_queue_size, 256);
	assert_int_equal(d->dev.rx_queue_size, 16384);
	assert_true(d->dev.force_large_llq_header);
	assert_int_equal(d->dev.llq_policy, PARAM_LLQ_OFF);
	assert_int_equal(d->dev.has, PARAM_HAS(PARAM_TX_QUEUE_SIZE) | PARAM_HAS(PARAM_RX_QUEUE_SIZE) |
					     PARAM_HAS(PARAM_FORCE_LARGE_LLQ_HEADER) |
					     PARAM_HAS(PARAM_LLQ_POLICY));

	assert_int_equal(dec(d, "coalesce", "{\"rx_usecs\":0,\"tx_usecs\":32767,\"adaptive_rx\":false}"),
			 0);
	assert_int_equal(d->dev.rx_usecs, 0);
	assert_int_equal(d->dev.tx_usecs, 32767);
	assert_false(d->dev.adaptive_rx);
	assert_int_equal(dec(d, "mtu", "{\"mtu\":9000}"), 0);
	assert_int_equal(d->dev.mtu, 9000);
	assert_int_equal(dec(d, "eni", "{\"interval\":3600}"), 0);
	assert_int_equal(d->dev.eni_metrics_sample_interval, 3600);
	assert_int_equal(dec(d, "eni", "{\"interval\":0}"), 0);
	assert_int_equal(d->dev.eni_metrics_sample_interval, 0);
	assert_true(d->dev.has & PARAM_HAS(PARAM_ENI_METRICS_SAMPLE_INTERVAL));
	assert_int_equal(dec(d, "log", "{\"level\":\"debug\"}"), 0);
	assert_int_equal(d->dev.log_level, PARAM_LOG_DEBUG);

	/* rss: key with and without colons, function, every table form */
	assert_int_equal(dec(d, "rss", "{\"key\":\"6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b4"
				       "77cb2da38030f20c6a42b73bbeac01fa\",\"hfunc\":\"crc32\"}"),
			 0);
	assert_memory_equal(d->dev.rss_key, key, sizeof(key));
	assert_int_equal(d->dev.rss_hash_function, PARAM_HFUNC_CRC32);
	assert_true(d->dev.has & PARAM_HAS(PARAM_RSS_KEY));
	assert_int_equal(dec(d, "rss", "{\"key\":\"6D:5A:56:DA:25:5B:0E:C2:41:67:25:3D:43:A3:8F:B0:"
				       "D0:CA:2B:CB:AE:7B:30:B4:77:CB:2D:A3:80:30:F2:0C:6A:42:B7:"
				       "3B:BE:AC:01:FA\"}"),
			 0);
	assert_memory_equal(d->dev.rss_key, key, sizeof(key));

	assert_int_equal(dec(d, "rss", "{\"equal\":3}"), 0);
	assert_int_equal(d->dev.rss_indir.kind, PARAM_INDIR_EQUAL);
	assert_int_equal(d->dev.rss_indir.n, 3);
	assert_true(d->dev.has & PARAM_HAS(PARAM_RSS_INDIR));
	assert_int_equal(dec(d, "rss", "{\"weight\":[1,0,3]}"), 0);
	assert_int_equal(d->dev.rss_indir.kind, PARAM_INDIR_WEIGHT);
	assert_int_equal(d->dev.rss_indir.n, 3);
	assert_int_equal(d->dev.rss_indir.v[2], 3);

	/* a full table: table_size entries, an explicit list */
	{
		size_t pos = (size_t)snprintf(buf, sizeof(buf), "{\"indir\":[");

		for (unsigned int i = 0; i < 128; i++)
			pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s%u", i ? "," : "",
						(i * 7) % 5);
		snprintf(buf + pos, sizeof(buf) - pos, "]}");
	}
	assert_int_equal(dec(d, "rss", buf), 0);
	assert_int_equal(d->dev.rss_indir.kind, PARAM_INDIR_LIST);
	assert_int_equal(d->dev.rss_indir.n, 128);
	for (unsigned int i = 0; i < 128; i++)
		assert_int_equal(d->dev.rss_indir.v[i], (i * 7) % 5);

	/* pairs change entries of the current table (entry i -> i % 4 here) */
	assert_int_equal(dec(d, "rss", "{\"indir_pairs\":\" 0:7 127:5,,5:0\\t9:9 0:6 \"}"), 0);
	assert_int_equal(d->dev.rss_indir.kind, PARAM_INDIR_LIST);
	assert_int_equal(d->dev.rss_indir.n, 128);
	for (unsigned int i = 0; i < 128; i++) {
		unsigned int want = i == 0 ? 6 : i == 127 ? 5 : i == 5 ? 0 : i == 9 ? 9 : i % 4;

		assert_int_equal(d->dev.rss_indir.v[i], want);
	}
	assert_int_equal(param_format(&param_table[PARAM_RSS_INDIR],
				      (const union param_value *)&d->dev.rss_indir, text, sizeof(text)),
			 0);
	assert_int_equal(strncmp(text, "6 1 2 3 0 0 2 3 0 9 ", 20), 0);
}

static void test_decode_types(void **state)
{
	struct dec *d = *state;

	/* integers: JSON integers only */
	dec_fails(d, "rings", "{\"rx\":\"1024\"}", "rx");
	dec_fails(d, "rings", "{\"rx\":1024.0}", "rx");
	assert_non_null(strstr(d->call.message, "expected an integer"));
	assert_string_equal(data_of(d, "allowed"), "256..16384, power of 2");
	dec_fails(d, "rings", "{\"rx\":1e3}", "rx");
	dec_fails(d, "rings", "{\"rx\":true}", "rx");
	dec_fails(d, "rings", "{\"rx\":null}", "rx");
	dec_fails(d, "rings", "{\"rx\":[1024]}", "rx");
	dec_fails(d, "rings", "{\"rx\":{}}", "rx");
	dec_fails(d, "mtu", "{\"mtu\":Infinity}", "mtu");
	/* on|off knobs: JSON booleans only */
	dec_fails(d, "rings", "{\"large_llq_header\":\"on\"}", "large_llq_header");
	assert_string_equal(data_of(d, "allowed"), "true|false");
	dec_fails(d, "rings", "{\"large_llq_header\":1}", "large_llq_header");
	dec_fails(d, "coalesce", "{\"adaptive_rx\":null}", "adaptive_rx");
	/* words: JSON strings only */
	dec_fails(d, "rss", "{\"hfunc\":1}", "hfunc");
	dec_fails(d, "log", "{\"level\":[\"debug\"]}", "level");
	dec_fails(d, "rss", "{\"hfunc\":\"toep\\u0000litz\"}", "hfunc");
	assert_non_null(strstr(d->call.message, "NUL"));
	dec_fails(d, "rss", "{\"key\":12}", "key");
}

static void test_decode_ranges(void **state)
{
	struct dec *d = *state;

	dec_fails(d, "rings", "{\"rx\":300}", "rx");
	assert_string_equal(d->call.message,
			    "rx: 300 is not a power of 2 (allowed: 256..16384, power of 2)");
	assert_string_equal(data_of(d, "value"), "300");
	dec_fails(d, "rings", "{\"rx\":128}", "rx");
	dec_fails(d, "rings", "{\"tx\":32768}", "tx");
	dec_fails(d, "rings", "{\"rx\":-1024}", "rx");
	dec_fails(d, "rings", "{\"rx\":0}", "rx");
	dec_fails(d, "rings", "{\"rx\":9223372036854775807}", "rx");
	dec_fails(d, "rings", "{\"rx\":18446744073709551615}", "rx");
	assert_string_equal(data_of(d, "value"), "18446744073709551615");
	dec_fails(d, "rings", "{\"rx\":99999999999999999999999999}", "rx");
	dec_fails(d, "rings", "{\"rx\":-99999999999999999999999999}", "rx");
	dec_fails(d, "rings", "{\"llq_policy\":\"fast\"}", "llq_policy");
	assert_string_equal(data_of(d, "allowed"), "recommended|normal|large|off");
	dec_fails(d, "channels", "{\"combined\":129}", "combined");
	dec_fails(d, "channels", "{\"combined\":-1}", "combined");
	dec_fails(d, "channels", "{\"cpus\":\"3-1\"}", "cpus");
	dec_fails(d, "channels", "{\"pin_workers\":\"no\"}", "pin_workers");
	dec_fails(d, "channels", "{\"pin_workers\":1}", "pin_workers");
	dec_fails(d, "channels", "{\"numa_node\":1024}", "numa_node");
	dec_fails(d, "coalesce", "{\"rx_usecs\":32768}", "rx_usecs");
	dec_fails(d, "coalesce", "{\"tx_usecs\":-1}", "tx_usecs");
	dec_fails(d, "mtu", "{\"mtu\":127}", "mtu");
	dec_fails(d, "mtu", "{\"mtu\":9217}", "mtu");
	dec_fails(d, "eni", "{\"interval\":3601}", "interval");
	dec_fails(d, "eni", "{\"interval\":-1}", "interval");
	dec_fails(d, "log", "{\"level\":\"verbose\"}", "level");
	dec_fails(d, "rss", "{\"hfunc\":\"xor\"}", "hfunc");
	assert_string_equal(data_of(d, "allowed"), "toeplitz|crc32");
	/* keys: 40 bytes of hex */
	dec_fails(d, "rss", "{\"key\":\"6d5a\"}", "key");
	dec_fails(d, "rss", "{\"key\":\"zz5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030"
			    "f20c6a42b73bbeac01fa\"}",
		  "key");
	dec_fails(d, "rss", "{\"key\":\"6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030"
			    "f20c6a42b73bbeac01fa00\"}",
		  "key");
	dec_fails(d, "rss", "{\"key\":\"\"}", "key");
}

static void test_decode_indir(void **state)
{
	struct dec *d = *state;
	char buf[2048];
	size_t pos;

	/* the whole table: exactly table_size queue numbers */
	dec_fails(d, "rss", "{\"indir\":[0,1]}", "indir");
	assert_non_null(strstr(d->call.message, "128"));
	dec_fails(d, "rss", "{\"indir\":\"0 1\"}", "indir");
	dec_fails(d, "rss", "{\"indir\":[]}", "indir");
	pos = (size_t)snprintf(buf, sizeof(buf), "{\"indir\":[");
	for (unsigned int i = 0; i < 128; i++)
		pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s%s", i ? "," : "",
					i == 5 ? "\"1\"" : i == 6 ? "2.0" : "0");
	snprintf(buf + pos, sizeof(buf) - pos, "]}");
	dec_fails(d, "rss", buf, "indir[5]");
	pos = (size_t)snprintf(buf, sizeof(buf), "{\"indir\":[");
	for (unsigned int i = 0; i < 128; i++)
		pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s%d", i ? "," : "",
					i == 100 ? 128 : 0);
	snprintf(buf + pos, sizeof(buf) - pos, "]}");
	dec_fails(d, "rss", buf, "indir[100]");
	assert_string_equal(data_of(d, "value"), "128");
	pos = (size_t)snprintf(buf, sizeof(buf), "{\"indir\":[");
	for (unsigned int i = 0; i < 128; i++)
		pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s%d", i ? "," : "",
					i == 127 ? -1 : 0);
	snprintf(buf + pos, sizeof(buf) - pos, "]}");
	dec_fails(d, "rss", buf, "indir[127]");

	/* pairs */
	dec_fails(d, "rss", "{\"indir_pairs\":\"\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"  , \"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"0-1\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"0:1 128:0\"}", "indir_pairs");
	assert_string_equal(data_of(d, "value"), "128:0");
	dec_fails(d, "rss", "{\"indir_pairs\":\"0:128\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"a:b\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"0:1:2\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\":1\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"1:\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"000001:1\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":\"-1:1\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir_pairs\":[\"0:1\"]}", "indir_pairs");

	/* equal and weight */
	dec_fails(d, "rss", "{\"equal\":0}", "equal");
	dec_fails(d, "rss", "{\"equal\":129}", "equal");
	dec_fails(d, "rss", "{\"equal\":\"4\"}", "equal");
	dec_fails(d, "rss", "{\"weight\":[0,0]}", "weight");
	assert_non_null(strstr(d->call.message, "all weights are 0"));
	dec_fails(d, "rss", "{\"weight\":[]}", "weight");
	dec_fails(d, "rss", "{\"weight\":[1,65536]}", "weight[1]");
	dec_fails(d, "rss", "{\"weight\":[1,-1]}", "weight[1]");
	dec_fails(d, "rss", "{\"weight\":3}", "weight");
	pos = (size_t)snprintf(buf, sizeof(buf), "{\"weight\":[");
	for (unsigned int i = 0; i < 129; i++)
		pos += (size_t)snprintf(buf + pos, sizeof(buf) - pos, "%s1", i ? "," : "");
	snprintf(buf + pos, sizeof(buf) - pos, "]}");
	dec_fails(d, "rss", buf, "weight");

	/* at most one table form */
	dec_fails(d, "rss", "{\"equal\":2,\"weight\":[1,1]}", "weight");
	assert_non_null(strstr(d->call.message, "at most one"));

	/* a device without a table: indir and pairs are refused, equal is fine */
	d->rss.table_size = 0;
	dec_fails(d, "rss", "{\"indir_pairs\":\"0:1\"}", "indir_pairs");
	dec_fails(d, "rss", "{\"indir\":[0]}", "indir");
	assert_int_equal(dec(d, "rss", "{\"equal\":2}"), 0);
	d->rss.table_size = 128;
}

static void test_decode_unknown(void **state)
{
	struct dec *d = *state;

	dec_fails(d, "rings", "{\"rx_mini\":256}", "rx_mini");
	assert_string_equal(data_of(d, "allowed"), "rx, tx, llq_policy, large_llq_header");
	/* a knob of another group is unknown here */
	dec_fails(d, "rings", "{\"mtu\":1500}", "mtu");
	dec_fails(d, "coalesce", "{\"rx\":1024}", "rx");
	dec_fails(d, "rss", "{\"Key\":\"00\"}", "Key");
	assert_string_equal(data_of(d, "allowed"), "key, hfunc, indir, indir_pairs, equal, weight");
	/* nothing to set */
	dec_fails(d, "rings", "{}", NULL);
	dec_fails(d, "rings", "{\"device\":\"ena0\"}", NULL);
	assert_non_null(strstr(d->call.message, "at least one"));
	/* a hostile key is quoted, not echoed raw */
	dec_fails(d, "rings", "{\"\\u0001\\n<x>\":1}", "?" "?<x>");
	/* one bad knob fails the whole call */
	dec_fails(d, "rings", "{\"rx\":512,\"tx\":3}", "tx");
}

static void test_decode_words(void **state)
{
	char buf[256];

	assert_string_equal(rpc_set_words("channels", buf, sizeof(buf)), "combined, cpus, pin_workers, numa_node");
	assert_string_equal(rpc_set_words("coalesce", buf, sizeof(buf)),
			    "rx_usecs, tx_usecs, adaptive_rx");
	assert_string_equal(rpc_set_words("mtu", buf, sizeof(buf)), "mtu");
	assert_string_equal(rpc_set_words("eni", buf, sizeof(buf)), "interval");
	assert_string_equal(rpc_set_words("log", buf, sizeof(buf)), "level");
	assert_string_equal(rpc_set_words("nope", buf, sizeof(buf)), "");
	/* truncation is safe */
	assert_string_equal(rpc_set_words("rings", buf, 5), "rx, ");
}

static void test_decode_helpers(void **state)
{
	struct dec *d = *state;
	static const char *const names[] = { "queues", "eni", NULL };
	const char *dev;
	unsigned int mask;
	bool b = false;

	dec_reset_call(d, "{\"device\":\"ena0\",\"queues\":true}");
	assert_int_equal(rpc_params_only(&d->call, true, names), 0);
	assert_int_equal(rpc_param_device(&d->call, &dev), 0);
	assert_string_equal(dev, "ena0");
	assert_int_equal(rpc_param_bool(&d->call, "queues", &b), 1);
	assert_true(b);
	assert_int_equal(rpc_param_bool(&d->call, "eni", &b), 0);
	assert_true(b);
	assert_int_equal(rpc_params_only(&d->call, false, names), -EINVAL);
	assert_string_equal(data_of(d, "field"), "device");
	assert_string_equal(data_of(d, "allowed"), "queues, eni");

	dec_reset_call(d, "{\"x\":1}");
	assert_int_equal(rpc_params_only(&d->call, false, NULL), -EINVAL);
	assert_string_equal(data_of(d, "allowed"), "no parameters");
	dec_reset_call(d, "{}");
	assert_int_equal(rpc_param_device(&d->call, &dev), 0);
	assert_null(dev);

	dec_reset_call(d, "{\"queues\":\"yes\"}");
	assert_int_equal(rpc_param_bool(&d->call, "queues", &b), -EINVAL);
	assert_string_equal(data_of(d, "field"), "queues");
	dec_reset_call(d, "{\"device\":7}");
	assert_int_equal(rpc_param_device(&d->call, &dev), -EINVAL);
	assert_string_equal(data_of(d, "field"), "device");
	dec_reset_call(d, "{\"device\":\"a/b\"}");
	assert_int_equal(rpc_param_device(&d->call, &dev), -EINVAL);
	dec_reset_call(d, "{\"device\":\"sixteen-bytes-xx\"}");
	assert_int_equal(rpc_param_device(&d->call, &dev), -EINVAL);
	dec_reset_call(d, "{\"device\":\"\"}");
	assert_int_equal(rpc_param_device(&d->call, &dev), -EINVAL);

	/* events */
	dec_reset_call(d, "{}");
	assert_int_equal(rpc_decode_events(&d->call, &mask), 0);
	assert_int_equal(mask, RPC_EVENTS_ALL);
	dec_reset_call(d, "{\"events\":[\"link\",\"reset\",\"link\"]}");
	assert_int_equal(rpc_decode_events(&d->call, &mask), 0);
	assert_int_equal(mask, (1u << PORT_EVENT_LINK) | (1u << PORT_EVENT_RESET));
	dec_reset_call(d, "{\"events\":[\"link\",\"bogus\"]}");
	assert_int_equal(rpc_decode_events(&d->call, &mask), -EINVAL);
	assert_string_equal(data_of(d, "field"), "events[1]");
	dec_reset_call(d, "{\"events\":[]}");
	assert_int_equal(rpc_decode_events(&d->call, &mask), -EINVAL);
	dec_reset_call(d, "{\"events\":\"link\"}");
	assert_int_equal(rpc_decode_events(&d->call, &mask), -EINVAL);
	dec_reset_call(d, "{\"events\":[1]}");
	assert_int_equal(rpc_decode_events(&d->call, &mask), -EINVAL);
	for (unsigned int k = 0; k <= PORT_EVENT_ENI; k++)
		assert_non_null(rpc_event_name(k));
	assert_null(rpc_event_name(PORT_EVENT_ENI + 1));
}

static void test_group_config(void **state)
{
	struct dec *d = *state;
	json_object *o;

	config_device_defaults(&d->cfg.global, "ena0", &d->dev);
	o = rpc_group_config("rings", &d->dev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"rx\":1024,\"tx\":1024,\"llq_policy\":\"recommended\","
			    "\"large_llq_header\":false}");
	json_object_put(o);
	/* runtime-decided values are null until set */
	o = rpc_group_config("rss", &d->dev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"key\":null,\"hfunc\":\"toeplitz\",\"indir\":\"default\"}");
	json_object_put(o);
	assert_int_equal(dec(d, "rss", "{\"key\":\"000102030405060708090a0b0c0d0e0f1011121314151617"
				       "18191a1b1c1d1e1f2021222324252627\",\"weight\":[2,1]}"),
			 0);
	o = rpc_group_config("rss", &d->dev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"key\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d"
			    "1e1f2021222324252627\",\"hfunc\":\"toeplitz\",\"indir\":\"weight 2 1\"}");
	json_object_put(o);
	o = rpc_group_config("channels", &d->dev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"combined\":0,\"cpus\":null,\"pin_workers\":true,\"numa_node\":-1}");
	json_object_put(o);
}

/* ---- the real method table, on a manager without ports ---- */

struct mgr {
	struct manager *m;
	struct rpc_dispatch d;
};

static int mgr_setup(void **state)
{
	struct mgr *t = calloc(1, sizeof(*t));
	struct enad_config cfg;

	assert_non_null(t);
	config_init(&cfg);
	assert_int_equal(manager_new("/nonexistent/enad.conf", &cfg, &t->m), 0);
	rpc_methods_dispatch(t->m, &t->d);
	*state = t;
	return 0;
}

static int mgr_teardown(void **state)
{
	struct mgr *t = *state;

	manager_free(t->m);
	free(t);
	return 0;
}

static json_object *mrun(struct mgr *t, const char *line, enum rpc_access access,
			 struct rpc_reply *ret)
{
	return run_access(&t->d, line, strlen(line), access, ret);
}

static void test_methods_table(void **state)
{
	struct mgr *t = *state;
	json_object *o, *methods;
	static const char *const expected[] = {
		"api.version", "device.list", "device.show", "stats.get", "channels.get",
		"channels.set", "rings.get", "rings.set", "rss.get", "rss.set", "coalesce.get",
		"coalesce.set", "mtu.set", "eni.set_interval", "log.set_level", "device.reset",
		"events.subscribe",
	};

	/* names are unique, "group.verb"; *.get and *.show never need admin, set/reset do */
	for (size_t i = 0; i < t->d.n_methods; i++) {
		const struct rpc_method *m = &t->d.methods[i];
		const char *dot = strchr(m->name, '.');

		assert_non_null(dot);
		assert_non_null(m->fn);
		if (!strncmp(dot, ".get", 4) || !strcmp(dot, ".show") || !strcmp(dot, ".list") ||
		    !strcmp(dot, ".version") || !strcmp(dot, ".subscribe"))
			assert_false(m->needs_admin);
		else
			assert_true(m->needs_admin);
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(t->d.methods[j].name, m->name);
	}
	for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		size_t j;

		for (j = 0; j < t->d.n_methods; j++)
			if (!strcmp(t->d.methods[j].name, expected[i]))
				break;
		if (j == t->d.n_methods)
			fail_msg("method %s missing", expected[i]);
	}

	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"api.version\"}", RPC_ACCESS_READ,
		 NULL);
	assert_int_equal(err_code(o), 0);
	assert_int_equal(json_object_get_int(json_object_object_get(
				 json_object_object_get(o, "result"), "version")),
			 RPC_API_VERSION);
	methods = json_object_object_get(json_object_object_get(o, "result"), "methods");
	assert_int_equal(json_object_array_length(methods), t->d.n_methods);
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"api.version\",\"params\":{\"device\":\"ena0\"}}",
		 RPC_ACCESS_READ, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	json_object_put(o);
}

static void test_methods_no_port(void **state)
{
	static const char *const need_port[] = {
		"device.show", "stats.get", "channels.get", "rings.get", "rss.get", "coalesce.get",
		"mtu.get", "eni.get", "device.reset",
	};
	static const char *const set_port[] = {
		"{\"method\":\"channels.set\",\"params\":{\"combined\":2}",
		"{\"method\":\"rings.set\",\"params\":{\"rx\":512}",
		"{\"method\":\"rss.set\",\"params\":{\"equal\":2}",
		"{\"method\":\"coalesce.set\",\"params\":{\"rx_usecs\":2}",
		"{\"method\":\"mtu.set\",\"params\":{\"mtu\":1500}",
		"{\"method\":\"eni.set_interval\",\"params\":{\"interval\":1}",
		"{\"method\":\"log.set_level\",\"params\":{\"device\":\"ena0\",\"level\":\"info\"}",
	};
	struct mgr *t = *state;
	char line[256];
	json_object *o, *devs;

	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"device.list\"}", RPC_ACCESS_READ, NULL);
	devs = json_object_object_get(json_object_object_get(o, "result"), "devices");
	assert_true(json_object_is_type(devs, json_type_array));
	assert_int_equal(json_object_array_length(devs), 0);
	json_object_put(o);

	for (size_t i = 0; i < sizeof(need_port) / sizeof(need_port[0]); i++) {
		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\"}",
			 need_port[i]);
		o = mrun(t, line, RPC_ACCESS_ADMIN, NULL);
		if (err_code(o) != RPC_NO_DEVICE)
			fail_msg("%s: %s", need_port[i], json_object_to_json_string(o));
		devs = json_object_object_get(json_object_object_get(json_object_object_get(o, "error"),
								     "data"),
					      "devices");
		assert_true(json_object_is_type(devs, json_type_array));
		json_object_put(o);
		/* a named device that does not exist */
		snprintf(line, sizeof(line),
			 "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"%s\",\"params\":{\"device\":\"ena9\"}}",
			 need_port[i]);
		o = mrun(t, line, RPC_ACCESS_ADMIN, NULL);
		assert_int_equal(err_code(o), RPC_NO_DEVICE);
		assert_non_null(strstr(err_message(o), "ena9"));
		json_object_put(o);
	}
	for (size_t i = 0; i < sizeof(set_port) / sizeof(set_port[0]); i++) {
		/* read access: denied before anything else */
		snprintf(line, sizeof(line), "{\"jsonrpc\":\"2.0\",\"id\":1,%s}", set_port[i] + 1);
		o = mrun(t, line, RPC_ACCESS_READ, NULL);
		assert_int_equal(err_code(o), RPC_PERMISSION_DENIED);
		json_object_put(o);
		o = mrun(t, line, RPC_ACCESS_ADMIN, NULL);
		if (err_code(o) != RPC_NO_DEVICE)
			fail_msg("%s: %s", line, json_object_to_json_string(o));
		json_object_put(o);
	}
	/* unknown parameters of a get are refused before the port lookup */
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"rings.get\",\"params\":{\"rx\":1}}",
		 RPC_ACCESS_READ, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	assert_string_equal(err_data(o, "field"), "rx");
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"stats.get\",\"params\":{\"queues\":1}}",
		 RPC_ACCESS_READ, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	assert_string_equal(err_data(o, "field"), "queues");
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"device.show\",\"params\":{\"device\":3}}",
		 RPC_ACCESS_READ, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	json_object_put(o);
}

static void test_methods_log_and_events(void **state)
{
	struct mgr *t = *state;
	struct rpc_reply reply;
	int level = log_get_level();
	json_object *o, *r;

	/* without a device, log.set_level is the daemon's level */
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"log.set_level\",\"params\":{\"level\":\"debug\"}}",
		 RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), 0);
	assert_int_equal(log_get_level(), LOG_DEBUG);
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"log.get\"}", RPC_ACCESS_READ, NULL);
	r = json_object_object_get(o, "result");
	assert_string_equal(json_object_get_string(json_object_object_get(r, "level")), "debug");
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"log.set_level\",\"params\":{\"level\":\"loud\"}}",
		 RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	assert_string_equal(err_data(o, "allowed"), "err|warn|info|debug");
	assert_int_equal(log_get_level(), LOG_DEBUG);
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"log.set_level\"}", RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	assert_string_equal(err_data(o, "field"), "level");
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"log.set_level\",\"params\":{\"level\":\"err\",\"x\":1}}",
		 RPC_ACCESS_ADMIN, NULL);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	json_object_put(o);
	log_set_level(level);

	/* events.subscribe: all kinds by default; read access suffices */
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\"}", RPC_ACCESS_READ,
		 &reply);
	assert_int_equal(err_code(o), 0);
	assert_true(reply.subscribe);
	assert_int_equal(reply.events, RPC_EVENTS_ALL);
	assert_string_equal(reply.device, "");
	r = json_object_object_get(json_object_object_get(o, "result"), "subscribed");
	assert_int_equal(json_object_array_length(r), PORT_EVENT_ENI + 1);
	rpc_reply_free(&reply);
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"events\":[\"eni\"]}}",
		 RPC_ACCESS_READ, &reply);
	assert_int_equal(reply.events, 1u << PORT_EVENT_ENI);
	rpc_reply_free(&reply);
	json_object_put(o);
	/* a failed subscription subscribes nothing */
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"device\":\"ena0\"}}",
		 RPC_ACCESS_READ, &reply);
	assert_int_equal(err_code(o), RPC_NO_DEVICE);
	assert_false(reply.subscribe);
	rpc_reply_free(&reply);
	json_object_put(o);
	o = mrun(t, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\",\"params\":{\"events\":[\"all\"]}}",
		 RPC_ACCESS_READ, &reply);
	assert_int_equal(err_code(o), RPC_INVALID_PARAMS);
	assert_false(reply.subscribe);
	rpc_reply_free(&reply);
	json_object_put(o);
}

/* ---- event notifications ---- */

static void test_event_json(void **state)
{
	struct event_base *base = event_base_new();
	struct enad_config cfg;
	struct enad_device_config dev;
	struct ena_eni_stats eni = { .pps_allowance_exceeded = 12 };
	struct port_event ev;
	struct port *p;
	json_object *o;

	assert_non_null(base);
	config_init(&cfg);
	config_device_defaults(&cfg.global, "ena3", &dev);
	snprintf(dev.device, sizeof(dev.device), "vfio-user:/nonexistent.sock");
	assert_int_equal(port_create(base, &dev, NULL, &p), 0);

	memset(&ev, 0, sizeof(ev));
	ev.kind = PORT_EVENT_LINK;
	ev.link_up = false;
	o = rpc_event_json(p, &ev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"event\":\"link\",\"device\":\"ena3\",\"link\":false}");
	json_object_put(o);

	memset(&ev, 0, sizeof(ev));
	ev.kind = PORT_EVENT_RESET;
	ev.reason = "keep_alive_to";
	ev.reset_done = true;
	ev.ok = true;
	ev.recovery_us = 412999;
	o = rpc_event_json(p, &ev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"event\":\"reset\",\"device\":\"ena3\",\"phase\":\"done\","
			    "\"reason\":\"keep_alive_to\",\"ok\":true,\"recovery_ms\":412}");
	json_object_put(o);
	ev.reset_done = false;
	o = rpc_event_json(p, &ev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"event\":\"reset\",\"device\":\"ena3\",\"phase\":\"start\","
			    "\"reason\":\"keep_alive_to\"}");
	json_object_put(o);

	memset(&ev, 0, sizeof(ev));
	ev.kind = PORT_EVENT_CONFIG;
	ev.param = &param_table[PARAM_RX_QUEUE_SIZE];
	ev.value = "2048";
	o = rpc_event_json(p, &ev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"event\":\"config\",\"device\":\"ena3\",\"group\":\"rings\","
			    "\"field\":\"rx\",\"key\":\"rx_queue_size\",\"value\":\"2048\"}");
	json_object_put(o);
	ev.param = NULL;
	ev.value = NULL;
	o = rpc_event_json(p, &ev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"event\":\"config\",\"device\":\"ena3\",\"group\":null,"
			    "\"field\":null,\"key\":null,\"value\":null}");
	json_object_put(o);

	memset(&ev, 0, sizeof(ev));
	ev.kind = PORT_EVENT_STATE;
	ev.state = PORT_RESETTING;
	ev.reason = "user_trigger";
	o = rpc_event_json(p, &ev);
	assert_string_equal(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
			    "{\"event\":\"state\",\"device\":\"ena3\",\"state\":\"resetting\","
			    "\"reason\":\"user_trigger\"}");
	json_object_put(o);

	memset(&ev, 0, sizeof(ev));
	ev.kind = PORT_EVENT_ENI;
	ev.eni = &eni;
	o = rpc_event_json(p, &ev);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "pps_allowance_exceeded")), 12);
	assert_int_equal(json_object_get_int(json_object_object_get(o, "bw_in_allowance_exceeded")), 0);
	json_object_put(o);

	port_free(p);
	event_base_free(base);
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_ok),
		cmocka_unit_test(test_envelope_parse_errors),
		cmocka_unit_test(test_envelope_invalid),
		cmocka_unit_test(test_envelope_line_limit),
		cmocka_unit_test(test_envelope_methods),
		cmocka_unit_test(test_lines_and_codes),
		cmocka_unit_test_setup_teardown(test_decode_valid, dec_setup, dec_teardown),
		cmocka_unit_test_setup_teardown(test_decode_types, dec_setup, dec_teardown),
		cmocka_unit_test_setup_teardown(test_decode_ranges, dec_setup, dec_teardown),
		cmocka_unit_test_setup_teardown(test_decode_indir, dec_setup, dec_teardown),
		cmocka_unit_test_setup_teardown(test_decode_unknown, dec_setup, dec_teardown),
		cmocka_unit_test(test_decode_words),
		cmocka_unit_test_setup_teardown(test_decode_helpers, dec_setup, dec_teardown),
		cmocka_unit_test_setup_teardown(test_group_config, dec_setup, dec_teardown),
		cmocka_unit_test_setup_teardown(test_methods_table, mgr_setup, mgr_teardown),
		cmocka_unit_test_setup_teardown(test_methods_no_port, mgr_setup, mgr_teardown),
		cmocka_unit_test_setup_teardown(test_methods_log_and_events, mgr_setup, mgr_teardown),
		cmocka_unit_test(test_event_json),
	};

	/* the log level tests print "log level debug": keep stderr for failures */
	log_setup(LOG_TARGET_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
