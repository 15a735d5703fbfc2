/* SPDX-License-Identifier: MIT */
/* enactl against a fake enad: a server thread on a unix socket records each
 * request line and answers with canned JSON; a table of {argv, exit status,
 * expected requests, output} runs enactl in-process. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "enactl.h"

/* ---- canned results (single quotes become double quotes) ---- */

#define DEV_SHOW                                                                              \
	"{'device':'ena0','bus':'vfio-user:/tmp/ena0.sock','state':'up','state_reason':'',"      \
	"'ifindex':7,'mac':'02:00:00:00:00:01','mtu':1500,'max_mtu':9216,'link':true,"          \
	"'carrier':true,'llq':{'entry_size':128,'max_header':96,'large_header':false},"         \
	"'queues':2,'max_queues':8,'rings':{'rx':1024,'tx':1024,'rx_max':8192,'tx_max':1024}," \
	"'offloads':{'tx_csum':true,'rx_csum':true,'tso':false},"                              \
	"'versions':{'device':'0.10','controller':'0.0.1','impl':0},'numa_node':-1,"           \
	"'cpus':[0,1],'rss_table_size':128,'uptime_ms':12500,'last_recovery_ms':0,"             \
	"'future_field':{'x':1}}"
#define MS_KEY "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa"
#define RSS_GET                                                                               \
	"{'device':'ena0','table_size':16,'indir':[0,1,0,1,0,1,0,1,0,1,0,1,0,1,0,1],"           \
	"'key':'" MS_KEY "','hfunc':'toeplitz','hfuncs':['toeplitz','crc32']}"
#define STATS                                                                                 \
	"{'device':'ena0','global':{'total_resets':0,'wd_expired':2},"                          \
	"'admin':{'ena_admin_q_submitted_cmd':5,'aenq':{'unknown':1}},"                         \
	"'totals':{'tx_packets':11,'rx_packets':12},"                                          \
	"'eni':{'sample_time':'2026-11-21T10:00:00Z','age_ms':1200,"                            \
	"'bw_in_allowance_exceeded':3},"                                                        \
	"'queues':[{'queue':0,'tx':{'cnt':10},'rx':{'cnt':20},'worker':{'wakeups':4}}]}"
#define LIST "{'devices':[{'device':'ena0','bus':'vfio-user:/tmp/ena0.sock','state':'up'}]}"
#define ERR_RX                                                                                \
	"{'error':{'code':-32602,'message':'rx: 300 is not a power of 2 (allowed: 256..16384, " \
	"power of 2)','data':{'field':'rx','value':'300','allowed':'256..16384, power of 2'}}}"

/* ---- the fake server ---- */

struct fake {
	char dir[64], path[128];
	int lfd;
	int stop[2];                /* pipe: the test tells the thread to end */
	pthread_t thread;
	struct json_object *replies; /* array: {"result":..} / {"error":..} / "!special" */
	const char *events;          /* raw lines sent after the first reply, then close */
	size_t next_reply;
	/* written by the thread, read after the join */
	struct json_object *requests; /* array of {"method","params"} or {"bad": line} */
	int connections;
};

/* @s with single quotes turned into double quotes (malloc'd). */
static char *dq(const char *s)
{
	char *r = strdup(s), *p;

	assert_non_null(r);
	for (p = r; *p; p++)
		if (*p == '\'')
			*p = '"';
	return r;
}

static struct json_object *parse_dq(const char *s)
{
	char *t = dq(s);
	struct json_object *o = json_tokener_parse(t);

	if (!o)
		fail_msg("test data is not JSON: %s", t);
	free(t);
	return o;
}

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the client went away: fine for the fault cases */
		p += w;
		n -= (size_t)w;
	}
}

static void send_str(int fd, const char *s)
{
	send_all(fd, s, strlen(s));
}

/* Record one request line as {"method","params"}, or {"bad": line}. */
static int64_t record(struct fake *f, const char *line)
{
	struct json_object *req = json_tokener_parse(line), *rec = json_object_new_object();
	struct json_object *v, *method, *params = NULL, *id;
	bool ok = req && json_object_is_type(req, json_type_object) &&
		  json_object_object_get_ex(req, "jsonrpc", &v) &&
		  strcmp(json_object_get_string(v), "2.0") == 0 &&
		  json_object_object_get_ex(req, "id", &id) && json_object_is_type(id, json_type_int) &&
		  json_object_object_get_ex(req, "method", &method) &&
		  json_object_is_type(method, json_type_string) &&
		  (!json_object_object_get_ex(req, "params", &params) ||
		   json_object_is_type(params, json_type_object));
	int64_t rid = ok ? json_object_get_int64(id) : 0;

	if (ok) {
		json_object_object_add(rec, "method", json_object_get(method));
		json_object_object_add(rec, "params",
				       params ? json_object_get(params) : json_object_new_object());
	} else {
		json_object_object_add(rec, "bad", json_object_new_string(line));
	}
	json_object_array_add(f->requests, rec);
	json_object_put(req);
	return rid;
}

static void send_reply(int fd, struct json_object *body, int64_t id)
{
	struct json_object *r = json_object_new_object();

	json_object_object_add(r, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(r, "id", json_object_new_int64(id));
	json_object_object_foreach(body, k, v)
		json_object_object_add(r, k, json_object_get(v));
	send_str(fd, json_object_to_json_string_ext(r, JSON_C_TO_STRING_PLAIN));
	send_str(fd, "\n");
	json_object_put(r);
}

/* Answer request @id per the next reply spec. Return: false to close the connection. */
static bool answer(struct fake *f, int fd, int64_t id, bool *silent)
{
	struct json_object *spec = json_object_array_get_idx(f->replies, f->next_reply);
	char buf[256];

	if (spec)
		f->next_reply++;
	if (!spec) {
		struct json_object *body = parse_dq("{'result':{}}");

		send_reply(fd, body, id);
		json_object_put(body);
	} else if (json_object_is_type(spec, json_type_object)) {
		send_reply(fd, spec, id);
	} else {
		const char *s = json_object_get_string(spec);

		if (strcmp(s, "!garbage") == 0) {
			send_str(fd, "this is not JSON\n");
		} else if (strcmp(s, "!array") == 0) {
			send_str(fd, "[1,2,3]\n");
		} else if (strcmp(s, "!trailing") == 0) {
			snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{}} x\n", (long long)id);
			send_str(fd, buf);
		} else if (strcmp(s, "!huge") == 0) {
			size_t n = (5u << 20), chunk = 1 << 16;
			char *big = malloc(chunk);

			assert_non_null(big);
			memset(big, 'a', chunk);
			send_str(fd, "{\"jsonrpc\":\"2.0\",\"result\":\"");
			for (size_t sent = 0; sent < n; sent += chunk)
				send_all(fd, big, chunk);
			free(big);
			return false;
		} else if (strcmp(s, "!close") == 0) {
			return false;
		} else if (strcmp(s, "!partial") == 0) {
			send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":");
			return false;
		} else if (strcmp(s, "!silent") == 0) {
			*silent = true;
		} else if (strcmp(s, "!wrongid") == 0) {
			snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{}}\n",
				 (long long)id + 100);
			send_str(fd, buf);
		} else if (strcmp(s, "!nojsonrpc") == 0) {
			snprintf(buf, sizeof(buf), "{\"id\":%lld,\"result\":{}}\n", (long long)id);
			send_str(fd, buf);
		} else if (strcmp(s, "!both") == 0) {
			snprintf(buf, sizeof(buf),
				 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{},\"error\":{\"code\":1,\"message\":\"x\"}}\n",
				 (long long)id);
			send_str(fd, buf);
		} else if (strcmp(s, "!badcode") == 0) {
			snprintf(buf, sizeof(buf),
				 "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"error\":{\"code\":\"x\"}}\n", (long long)id);
			send_str(fd, buf);
		} else if (strcmp(s, "!nullid-error") == 0) {
			send_str(fd, "{\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"parse error\"}}\n");
		} else if (strcmp(s, "!notify-first") == 0) {
			send_str(fd, "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"link\"}}\n\n");
			snprintf(buf, sizeof(buf), "{\"jsonrpc\":\"2.0\",\"id\":%lld,\"result\":{\"mtu\":1500}}\r\n",
				 (long long)id);
			send_str(fd, buf);
		} else {
			fail_msg("unknown reply spec %s", s);
		}
	}
	if (f->events && f->next_reply == 1) {
		send_str(fd, f->events);
		return false;
	}
	return true;
}

static void serve(struct fake *f, int fd)
{
	char *buf = malloc(1 << 20);
	size_t len = 0;
	bool silent = false;

	assert_non_null(buf);
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = f->stop[0], .events = POLLIN } };
		ssize_t r;
		char *nl;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		r = recv(fd, buf + len, (1 << 20) - 1 - len, 0);
		if (r <= 0)
			break;
		len += (size_t)r;
		buf[len] = '\0';
		while ((nl = strchr(buf, '\n'))) {
			int64_t id;
			bool keep;

			*nl = '\0';
			id = record(f, buf);
			memmove(buf, nl + 1, len - (size_t)(nl + 1 - buf) + 1);
			len -= (size_t)(nl + 1 - buf);
			keep = silent || answer(f, fd, id, &silent);
			if (!keep)
				goto out;
		}
		if (len >= (1 << 20) - 1)
			break;
	}
out:
	free(buf);
}

static void *fake_thread(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		struct pollfd p[2] = { { .fd = f->lfd, .events = POLLIN }, { .fd = f->stop[0], .events = POLLIN } };
		int fd;

		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		if (!p[0].revents)
			continue;
		fd = accept4(f->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		f->connections++;
		serve(f, fd);
		close(fd);
	}
	return NULL;
}

static void fake_start(struct fake *f, const char *replies, const char *events)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	strcpy(f->dir, "/tmp/test_enactl.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/enad.sock", f->dir);
	strcpy(sa.sun_path, f->path);
	f->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(f->lfd >= 0);
	assert_int_equal(bind(f->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->lfd, 8), 0);
	assert_int_equal(pipe2(f->stop, O_CLOEXEC), 0);
	f->replies = replies ? parse_dq(replies) : json_object_new_array();
	f->events = events;
	f->requests = json_object_new_array();
	assert_int_equal(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

/* Stop the thread; f->requests and f->connections are then stable. */
static void fake_stop(struct fake *f)
{
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	pthread_join(f->thread, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->lfd);
	unlink(f->path);
	rmdir(f->dir);
}

static void fake_free(struct fake *f)
{
	json_object_put(f->replies);
	json_object_put(f->requests);
}

/* ---- running enactl ---- */

struct run {
	int status;
	char *out, *err;
	size_t out_len, err_len;
};

/* enactl -s <socket> ARGS... (socket NULL: no -s). */
static void run_argv(struct run *r, const char *socket, int argc, const char *const *args)
{
	char **argv = calloc((size_t)argc + 4, sizeof(char *));
	FILE *out, *err;
	int n = 0;

	assert_non_null(argv);
	argv[n++] = strdup("enactl");
	if (socket) {
		argv[n++] = strdup("-s");
		argv[n++] = strdup(socket);
	}
	for (int i = 0; i < argc; i++)
		argv[n++] = strdup(args[i]);
	memset(r, 0, sizeof(*r));
	out = open_memstream(&r->out, &r->out_len);
	err = open_memstream(&r->err, &r->err_len);
	assert_non_null(out);
	assert_non_null(err);
	r->status = enactl_main(n, argv, out, err);
	fclose(out);
	fclose(err);
	for (int i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* ---- the table ---- */

struct cli_case {
	const char *name;
	const char *argv[12];  /* after "enactl -s SOCKET" */
	int status;
	const char *requests;  /* JSON array of {method, params}; NULL: enad is not contacted */
	const char *replies;   /* JSON array of reply specs, in request order */
	const char *events;    /* raw lines sent after the first reply, then close */
	const char *out;       /* expected in stdout; "=..." for all of it */
	const char *err;       /* expected in stderr; "=..." for all of it */
	bool json_result;      /* stdout parses to the first reply's result */
	const char *timeout;   /* ENACTL_TIMEOUT */
};

#define R(x) "[{'result':" x "}]"

/* A case names only the columns it needs; the rest are zero. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct cli_case cases[] = {
	/* list */
	{ "list", { "list" }, 0, "[{'method':'device.list','params':{}}]", R(LIST), NULL,
	  "ena0             up           vfio-user:/tmp/ena0.sock\n", "=" },
	{ "list -j", { "-j", "list" }, 0, "[{'method':'device.list','params':{}}]", R(LIST), NULL,
	  NULL, "=", true },
	{ "list ignores -i", { "-i", "ena0", "list" }, 0, "[{'method':'device.list','params':{}}]",
	  R(LIST), NULL, "DEVICE", "=" },
	{ "list takes no args", { "list", "x" }, 2, NULL, NULL, NULL, "=", "list takes no arguments" },

	/* show */
	{ "no command is show", { NULL }, 0, "[{'method':'device.show','params':{}}]", R(DEV_SHOW),
	  NULL, "Channel parameters for ena0:\nPre-set maximums:\nCombined:\t\t8\n"
		"Current hardware settings:\nCombined:\t\t2\n", "=" },
	{ "show rings", { "-i", "ena0", "show" }, 0,
	  "[{'method':'device.show','params':{'device':'ena0'}}]", R(DEV_SHOW), NULL,
	  "Ring parameters for ena0:\nPre-set maximums:\nRX:\t\t\t8192\nTX:\t\t\t1024\n"
	  "Current hardware settings:\nRX:\t\t\t1024\nTX:\t\t\t1024\nLarge LLQ header:\toff\n", "=" },
	{ "show device", { "show" }, 0, "[{'method':'device.show','params':{}}]", R(DEV_SHOW), NULL,
	  "Settings for ena0:\nBus info:\t\tvfio-user:/tmp/ena0.sock\nState:\t\t\tup\n", "=" },
	{ "show features", { "show" }, 0, "[{'method':'device.show','params':{}}]", R(DEV_SHOW), NULL,
	  "Features for ena0:\ntx-checksumming:\ton\nrx-checksumming:\ton\n"
	  "tcp-segmentation-offload:\toff\n", "=" },
	{ "show tolerates missing fields", { "show" }, 0, "[{'method':'device.show','params':{}}]",
	  R("{'device':'ena0'}"), NULL, "Current hardware settings:\nCombined:\t\tn/a\n", "=" },
	{ "show -j", { "-j", "show" }, 0, "[{'method':'device.show','params':{}}]", R(DEV_SHOW), NULL,
	  NULL, "=", true },
	{ "show mtu", { "show", "mtu" }, 0, "[{'method':'device.show','params':{}}]", R(DEV_SHOW),
	  NULL, "=1500\n", "=" },
	{ "show rx-queue-size", { "show", "rx-queue-size" }, 0,
	  "[{'method':'device.show','params':{}}]", R(DEV_SHOW), NULL, "=1024\n", "=" },
	{ "show large-llq-header", { "show", "large-llq-header" }, 0,
	  "[{'method':'device.show','params':{}}]", R(DEV_SHOW), NULL, "=off\n", "=" },
	{ "show dotted path", { "show", "rings.rx_max" }, 0,
	  "[{'method':'device.show','params':{}}]", R(DEV_SHOW), NULL, "=8192\n", "=" },
	{ "show array", { "show", "cpus" }, 0, "[{'method':'device.show','params':{}}]",
	  R(DEV_SHOW), NULL, "=0 1\n", "=" },
	{ "show rx-usecs", { "-i", "ena0", "show", "rx-usecs" }, 0,
	  "[{'method':'coalesce.get','params':{'device':'ena0'}}]",
	  R("{'rx_usecs':20,'tx_usecs':64,'adaptive_rx':true}"), NULL, "=20\n", "=" },
	{ "show pin-workers", { "show", "pin-workers" }, 0, "[{'method':'channels.get','params':{}}]",
	  R("{'combined':1,'max_combined':8,'config':{'cpus':'0-1','pin_workers':false}}"), NULL,
	  "=off\n", "=" },
	{ "show eni-interval", { "show", "eni-interval" }, 0, "[{'method':'eni.get','params':{}}]",
	  R("{'interval':5}"), NULL, "=5\n", "=" },
	{ "show log-level", { "show", "log-level" }, 0, "[{'method':'log.get','params':{}}]",
	  R("{'level':'info'}"), NULL, "=info\n", "=" },
	{ "show FIELD -j", { "-j", "show", "rings" }, 0, "[{'method':'device.show','params':{}}]",
	  R(DEV_SHOW), NULL, "\"rx_max\": 8192", "=" },
	{ "show unknown field", { "show", "nosuch" }, 2, "[{'method':'device.show','params':{}}]",
	  R(DEV_SHOW), NULL, "=", "no field 'nosuch' (fields: device, bus," },
	{ "show two fields", { "show", "mtu", "mac" }, 2, NULL, NULL, NULL, "=",
	  "wrong number of arguments" },
	{ "show hostile string", { "show", "state" }, 0, "[{'method':'device.show','params':{}}]",
	  R("{'state':'up\\u001b[2J'}"), NULL, "=up\\x1b[2J\n", "=" },

	/* stats */
	{ "stats", { "stats" }, 0,
	  "[{'method':'stats.get','params':{'queues':false,'eni':false}}]", R(STATS), NULL,
	  "NIC statistics:\n     total_resets: 0\n     wd_expired: 2\n     tx_packets: 11\n", "=" },
	{ "stats admin nested", { "stats" }, 0,
	  "[{'method':'stats.get','params':{'queues':false,'eni':false}}]", R(STATS), NULL,
	  "     ena_admin_q_submitted_cmd: 5\n     aenq_unknown: 1\n", "=" },
	{ "stats --queues --eni", { "-i", "ena0", "stats", "--queues", "--eni" }, 0,
	  "[{'method':'stats.get','params':{'device':'ena0','queues':true,'eni':true}}]", R(STATS),
	  NULL, "     eni_sample_time: 2026-11-21T10:00:00Z\n     eni_age_ms: 1200\n"
		"     bw_in_allowance_exceeded: 3\n     queue_0_tx_cnt: 10\n     queue_0_rx_cnt: 20\n"
		"     queue_0_worker_wakeups: 4\n", "=" },
	{ "stats -j", { "-j", "stats", "--eni" }, 0,
	  "[{'method':'stats.get','params':{'queues':false,'eni':true}}]", R(STATS), NULL, NULL, "=",
	  true },
	{ "stats unknown option", { "stats", "--bogus" }, 2, NULL, NULL, NULL, "=",
	  "unknown option '--bogus' (allowed: --queues, --eni)" },

	/* set */
	{ "set one", { "set", "rx-queue-size", "2048" }, 0,
	  "[{'method':'rings.set','params':{'rx':2048}}]", R("{'rx':2048}"), NULL, "=", "=" },
	{ "set -j", { "-j", "-i", "ena0", "set", "mtu", "9000" }, 0,
	  "[{'method':'mtu.set','params':{'device':'ena0','mtu':9000}}]",
	  R("{'mtu':9000,'max_mtu':9216}"), NULL, NULL, "=", true },
	{ "set groups by method", { "set", "rx-queue-size", "2048", "tx-queue-size", "512", "mtu", "9000" },
	  0, "[{'method':'rings.set','params':{'rx':2048,'tx':512}},"
	     "{'method':'mtu.set','params':{'mtu':9000}}]", NULL, NULL, "=", "=" },
	{ "set keeps first-appearance order",
	  { "set", "mtu", "9000", "rx-queue-size", "2048", "queues", "4", "tx-queue-size", "512" }, 0,
	  "[{'method':'mtu.set','params':{'mtu':9000}},"
	  "{'method':'rings.set','params':{'rx':2048,'tx':512}},"
	  "{'method':'channels.set','params':{'combined':4}}]", NULL, NULL, "=", "=" },
	{ "set booleans", { "set", "large-llq-header", "on", "adaptive-rx", "off" }, 0,
	  "[{'method':'rings.set','params':{'large_llq_header':true}},"
	  "{'method':'coalesce.set','params':{'adaptive_rx':false}}]", NULL, NULL, "=", "=" },
	{ "set channels", { "set", "cpus", "0-1,3", "pin-workers", "off", "queues", "2" }, 0,
	  "[{'method':'channels.set','params':{'cpus':'0-1,3','pin_workers':false,'combined':2}}]",
	  NULL, NULL, "=", "=" },
	{ "set bad cpus", { "set", "cpus", "0-3;rm" }, 2, NULL, NULL, NULL, "=",
	  "cpus: '0-3;rm' is not a CPU list (allowed: numbers and ranges, such as 0-3,6)" },
	{ "set empty cpus", { "set", "cpus", "" }, 2, NULL, NULL, NULL, "=", "is not a CPU list" },
	{ "set coalesce", { "set", "rx-usecs", "0", "tx-usecs", "64" }, 0,
	  "[{'method':'coalesce.set','params':{'rx_usecs':0,'tx_usecs':64}}]", NULL, NULL, "=", "=" },
	{ "set eni-interval", { "set", "eni-interval", "5" }, 0,
	  "[{'method':'eni.set_interval','params':{'interval':5}}]", NULL, NULL, "=", "=" },
	{ "set log-level", { "-i", "ena0", "set", "log-level", "debug" }, 0,
	  "[{'method':'log.set_level','params':{'device':'ena0','level':'debug'}}]", NULL, NULL, "=", "=" },
	{ "set int64 max", { "set", "mtu", "9223372036854775807" }, 0,
	  "[{'method':'mtu.set','params':{'mtu':9223372036854775807}}]", NULL, NULL, "=", "=" },
	{ "set not a number", { "set", "mtu", "abc" }, 2, NULL, NULL, NULL, "=",
	  "enactl: mtu: 'abc' is not a number" },
	{ "set negative", { "set", "mtu", "-1" }, 2, NULL, NULL, NULL, "=", "mtu: '-1' is not a number" },
	{ "set plus sign", { "set", "mtu", "+5" }, 2, NULL, NULL, NULL, "=", "'+5' is not a number" },
	{ "set leading space", { "set", "mtu", " 5" }, 2, NULL, NULL, NULL, "=", "is not a number" },
	{ "set trailing junk", { "set", "mtu", "5x" }, 2, NULL, NULL, NULL, "=", "'5x' is not a number" },
	{ "set hex", { "set", "queues", "0x10" }, 2, NULL, NULL, NULL, "=", "queues: '0x10' is not" },
	{ "set empty", { "set", "mtu", "" }, 2, NULL, NULL, NULL, "=", "is not a number" },
	{ "set overflow", { "set", "mtu", "99999999999999999999" }, 2, NULL, NULL, NULL, "=",
	  "'99999999999999999999' is too large" },
	{ "set above int64", { "set", "mtu", "9223372036854775808" }, 2, NULL, NULL, NULL, "=",
	  "is too large" },
	{ "set bad bool", { "set", "adaptive-rx", "yes" }, 2, NULL, NULL, NULL, "=",
	  "adaptive-rx: 'yes' is not on or off (allowed: on, off)" },
	{ "set bad level word", { "set", "log-level", "DEBUG!" }, 2, NULL, NULL, NULL, "=",
	  "(allowed: err|warn|info|debug)" },
	{ "set unknown word", { "set", "speed", "100" }, 2, NULL, NULL, NULL, "=",
	  "'speed' is not a setting (allowed: rx-queue-size, tx-queue-size," },
	{ "set missing value", { "set", "mtu", "1500", "queues" }, 2, NULL, NULL, NULL, "=",
	  "'queues' needs a value" },
	{ "set one arg", { "set", "mtu" }, 2, NULL, NULL, NULL, "=", "wrong number of arguments" },
	{ "set twice", { "set", "mtu", "1500", "mtu", "9000" }, 2, NULL, NULL, NULL, "=",
	  "'mtu' is given twice" },
	{ "set bad value after good", { "set", "mtu", "1500", "queues", "x" }, 2, NULL, NULL, NULL,
	  "=", "queues: 'x'" },

	/* daemon errors */
	{ "error names field and range", { "set", "rx-queue-size", "300" }, 1,
	  "[{'method':'rings.set','params':{'rx':300}}]", "[" ERR_RX "]", NULL, "=",
	  "=enactl: rx: 300 is not a power of 2 (allowed: 256..16384, power of 2)\n" },
	{ "error data completes message", { "set", "mtu", "70000" }, 1,
	  "[{'method':'mtu.set','params':{'mtu':70000}}]",
	  "[{'error':{'code':-32602,'message':'too large','data':{'field':'mtu','value':'70000',"
	  "'allowed':'68..9216'}}}]", NULL, "=",
	  "=enactl: mtu: too large (value: 70000) (allowed: 68..9216)\n" },
	{ "error stops later calls", { "set", "rx-queue-size", "300", "mtu", "9000" }, 1,
	  "[{'method':'rings.set','params':{'rx':300}}]", "[" ERR_RX "]", NULL, "=", "power of 2" },
	{ "error after an applied call", { "set", "mtu", "9000", "rx-queue-size", "300" }, 1,
	  "[{'method':'mtu.set','params':{'mtu':9000}},{'method':'rings.set','params':{'rx':300}}]",
	  "[{'result':{}}," ERR_RX "]", NULL, "=",
	  "these were applied before: mtu 9000\n" },
	{ "error rolled back", { "set", "queues", "4" }, 1,
	  "[{'method':'channels.set','params':{'combined':4}}]",
	  "[{'error':{'code':-32004,'message':'create SQ 3 failed',"
	  "'data':{'field':'combined','rolled_back':true,'reset':false}}}]", NULL, "=",
	  "=enactl: combined: create SQ 3 failed; the previous configuration runs again\n" },
	{ "error no such device", { "-i", "ena9", "show" }, 1,
	  "[{'method':'device.show','params':{'device':'ena9'}}]",
	  "[{'error':{'code':-32002,'message':'no device ena9','data':{'devices':['ena0','ena1']}}}]",
	  NULL, "=", "=enactl: no device ena9 (ports: ena0 ena1)\n" },
	{ "error permission", { "reset" }, 1, "[{'method':'device.reset','params':{}}]",
	  "[{'error':{'code':-32001,'message':'permission denied','data':{'required':'admin'}}}]",
	  NULL, "=", "=enactl: permission denied (needs: admin)\n" },
	{ "error busy", { "set", "mtu", "9000" }, 1, "[{'method':'mtu.set','params':{'mtu':9000}}]",
	  "[{'error':{'code':-32003,'message':'ena0 is not up','data':{'state':'resetting'}}}]",
	  NULL, "=", "=enactl: ena0 is not up (state: resetting)\n" },
	{ "error with id null", { "show" }, 1, "[{'method':'device.show','params':{}}]",
	  "['!nullid-error']", NULL, "=", "=enactl: parse error\n" },

	/* rss */
	{ "rss show", { "rss", "show" }, 0, "[{'method':'rss.get','params':{}}]", R(RSS_GET), NULL,
	  "=RX flow hash indirection table for ena0:\n"
	  "    0:      0     1     0     1     0     1     0     1\n"
	  "    8:      0     1     0     1     0     1     0     1\n"
	  "RSS hash key:\n6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:"
	  "77:cb:2d:a3:80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa\n"
	  "RSS hash function:\n    toeplitz: on\n    crc32: off\n", "=" },
	{ "rss alone is show", { "-i", "ena0", "rss" }, 0,
	  "[{'method':'rss.get','params':{'device':'ena0'}}]", R(RSS_GET), NULL,
	  "RSS hash key:", "=" },
	{ "rss ring count when given", { "rss" }, 0, "[{'method':'rss.get','params':{}}]",
	  R("{'device':'ena0','queues':4,'indir':[0,1,2],'hfunc':'crc32'}"), NULL,
	  "=RX flow hash indirection table for ena0 with 4 RX ring(s):\n"
	  "    0:      0     1     2\nRSS hash key:\nOperation not supported\n"
	  "RSS hash function:\n    toeplitz: off\n    crc32: on\n", "=" },
	{ "rss -j", { "-j", "rss", "show" }, 0, "[{'method':'rss.get','params':{}}]", R(RSS_GET),
	  NULL, NULL, "=", true },
	{ "rss indir pairs", { "rss", "indir", "0:5", "5:0" }, 0,
	  "[{'method':'rss.set','params':{'indir_pairs':'0:5 5:0'}}]", NULL, NULL, "=", "=" },
	{ "rss indir pairs in one arg", { "rss", "indir", " 0:5\t 5:0 ", "7:1" }, 0,
	  "[{'method':'rss.set','params':{'indir_pairs':'0:5 5:0 7:1'}}]", NULL, NULL, "=", "=" },
	{ "rss indir table", { "rss", "indir", "0", "1", "0", "1" }, 0,
	  "[{'method':'rss.set','params':{'indir':[0,1,0,1]}}]", NULL, NULL, "=", "=" },
	{ "rss indir equal", { "-i", "ena0", "rss", "indir", "equal", "4" }, 0,
	  "[{'method':'rss.set','params':{'device':'ena0','equal':4}}]", NULL, NULL, "=", "=" },
	{ "rss indir weight", { "rss", "indir", "weight", "1", "2", "3" }, 0,
	  "[{'method':'rss.set','params':{'weight':[1,2,3]}}]", NULL, NULL, "=", "=" },
	{ "rss key", { "rss", "key", MS_KEY }, 0,
	  "[{'method':'rss.set','params':{'key':'" MS_KEY "'}}]", NULL, NULL, "=", "=" },
	{ "rss key with colons", { "rss", "key", "6d:5a:56" }, 0,
	  "[{'method':'rss.set','params':{'key':'6d:5a:56'}}]", NULL, NULL, "=", "=" },
	{ "rss hfunc", { "rss", "hfunc", "crc32" }, 0,
	  "[{'method':'rss.set','params':{'hfunc':'crc32'}}]", NULL, NULL, "=", "=" },
	{ "rss set -j", { "-j", "rss", "hfunc", "crc32" }, 0,
	  "[{'method':'rss.set','params':{'hfunc':'crc32'}}]", R(RSS_GET), NULL, NULL, "=", true },
	{ "rss error", { "rss", "indir", "0:9" }, 1,
	  "[{'method':'rss.set','params':{'indir_pairs':'0:9'}}]",
	  "[{'error':{'code':-32602,'message':'indir_pairs: queue 9 is not below 2 (allowed: 0..1)',"
	  "'data':{'field':'indir_pairs','value':'0:9','allowed':'0..1'}}}]", NULL, "=",
	  "=enactl: indir_pairs: queue 9 is not below 2 (allowed: 0..1)\n" },
	{ "rss indir mixed", { "rss", "indir", "0:1", "2" }, 2, NULL, NULL, NULL, "=",
	  "pairs or one queue per entry, not both" },
	{ "rss indir bad pair", { "rss", "indir", "0:x" }, 2, NULL, NULL, NULL, "=",
	  "rss indir queue: 'x' is not a number" },
	{ "rss indir no entry", { "rss", "indir", ":1" }, 2, NULL, NULL, NULL, "=",
	  "':1' is not ENTRY:QUEUE" },
	{ "rss indir triple", { "rss", "indir", "1:2:3" }, 2, NULL, NULL, NULL, "=",
	  "'1:2:3' is not ENTRY:QUEUE" },
	{ "rss indir negative", { "rss", "indir", "-1:2" }, 2, NULL, NULL, NULL, "=",
	  "'-1' is not a number" },
	{ "rss indir nothing", { "rss", "indir" }, 2, NULL, NULL, NULL, "=", "rss indir needs entries" },
	{ "rss indir blank", { "rss", "indir", " " }, 2, NULL, NULL, NULL, "=", "rss indir needs entries" },
	{ "rss indir equal no N", { "rss", "indir", "equal" }, 2, NULL, NULL, NULL, "=",
	  "takes one number" },
	{ "rss indir equal two", { "rss", "indir", "equal", "2", "3" }, 2, NULL, NULL, NULL, "=",
	  "takes one number" },
	{ "rss indir weight none", { "rss", "indir", "weight" }, 2, NULL, NULL, NULL, "=",
	  "needs a weight per queue" },
	{ "rss indir weight bad", { "rss", "indir", "weight", "1", "x" }, 2, NULL, NULL, NULL, "=",
	  "rss indir weight: 'x' is not a number" },
	{ "rss key not hex", { "rss", "key", "zz" }, 2, NULL, NULL, NULL, "=", "'zz' is not hex" },
	{ "rss key missing", { "rss", "key" }, 2, NULL, NULL, NULL, "=", "rss key takes one argument" },
	{ "rss hfunc bad", { "rss", "hfunc", "x;y" }, 2, NULL, NULL, NULL, "=",
	  "(allowed: toeplitz, crc32)" },
	{ "rss unknown", { "rss", "flush" }, 2, NULL, NULL, NULL, "=",
	  "'flush' is not a subcommand (allowed: show, indir, key, hfunc)" },
	{ "rss show extra", { "rss", "show", "x" }, 2, NULL, NULL, NULL, "=", "takes no arguments" },

	/* reset */
	{ "reset", { "-i", "ena0", "reset" }, 0, "[{'method':'device.reset','params':{'device':'ena0'}}]",
	  R("{'device':'ena0','reason':'USER_TRIGGER'}"), NULL, "=", "=" },
	{ "reset -j", { "-j", "reset" }, 0, "[{'method':'device.reset','params':{}}]",
	  R("{'device':'ena0','reason':'USER_TRIGGER'}"), NULL, NULL, "=", true },
	{ "reset extra", { "reset", "now" }, 2, NULL, NULL, NULL, "=", "reset takes no arguments" },

	/* watch */
	{ "watch", { "watch" }, 1, "[{'method':'events.subscribe','params':{}}]",
	  R("{'subscribed':['link','reset']}"),
	  "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"link\",\"device\":\"ena0\",\"link\":false}}\n"
	  "{\"jsonrpc\":\"2.0\",\"method\":\"other\",\"params\":{}}\n"
	  "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"state\",\"device\":\"ena0\",\"state\":\"up\",\"reason\":null}}\n"
	  "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"reset\",\"device\":\"ena0\","
	  "\"phase\":\"done\",\"reason\":\"keep_alive_to\",\"ok\":true,\"recovery_ms\":412}}\n",
	  "=ena0: link down\nena0: state up\nena0: reset phase=done reason=keep_alive_to ok=yes recovery_ms=412\n",
	  "enad closed the connection\n" },
	{ "watch kinds", { "-i", "ena0", "watch", "link", "reset" }, 1,
	  "[{'method':'events.subscribe','params':{'device':'ena0','events':['link','reset']}}]",
	  R("{'subscribed':['link','reset']}"), "", "=", "enad closed the connection\n" },
	{ "watch -j", { "-j", "watch" }, 1, "[{'method':'events.subscribe','params':{}}]",
	  R("{'subscribed':['link']}"),
	  "{\"jsonrpc\":\"2.0\",\"method\":\"event\",\"params\":{\"event\":\"link\",\"device\":\"ena0\",\"link\":true}}\n",
	  "={\"event\":\"link\",\"device\":\"ena0\",\"link\":true}\n", "closed the connection" },
	{ "watch garbage event", { "watch" }, 1, "[{'method':'events.subscribe','params':{}}]",
	  R("{}"), "not json\n", "=", "not JSON" },
	{ "watch bad kind", { "watch", "Link!" }, 2, NULL, NULL, NULL, "=", "'Link!' is not an event kind" },
	{ "watch refused", { "watch", "bogus" }, 1,
	  "[{'method':'events.subscribe','params':{'events':['bogus']}}]",
	  "[{'error':{'code':-32602,'message':'events: bogus is not an event',"
	  "'data':{'field':'events','allowed':'link, reset, config, eni, state'}}}]", NULL, "=",
	  "(allowed: link, reset, config, eni, state)" },

	/* version and help */
	{ "version", { "version" }, 0, "[{'method':'api.version','params':{}}]",
	  R("{'version':1,'enad':'0.1.0'}"), NULL, "=enactl " ENAD_VERSION "\nenad 0.1.0 (control API 1)\n", "=" },
	{ "--version", { "--version" }, 0, NULL, NULL, NULL, "=enactl " ENAD_VERSION "\n", "=" },
	{ "--help", { "--help" }, 0, NULL, NULL, NULL, "rss [show] | indir", "=" },
	{ "-h lists every command", { "-h" }, 0, NULL, NULL, NULL, "  version ", "=" },
	{ "help", { "help" }, 0, NULL, NULL, NULL, "Exit status:", "=" },
	{ "help set", { "help", "set" }, 0, NULL, NULL, NULL, "large-llq-header on|off", "=" },
	{ "set --help", { "set", "mtu", "--help" }, 0, NULL, NULL, NULL,
	  "usage: enactl [-s SOCKET] [-i IFACE] [-j] set WORD VALUE", "=" },
	{ "show -h", { "show", "-h" }, 0, NULL, NULL, NULL, "rx-usecs", "=" },
	{ "rss --help", { "rss", "--help" }, 0, NULL, NULL, NULL, "rss indir equal N", "=" },
	{ "help unknown", { "help", "frob" }, 2, NULL, NULL, NULL, "=", "'frob' is not a command" },

	/* global options */
	{ "unknown command", { "frobnicate" }, 2, NULL, NULL, NULL, "=",
	  "'frobnicate' is not a command (allowed: list, show," },
	{ "unknown option", { "-x", "show" }, 2, NULL, NULL, NULL, "=", "unknown option '-x'" },
	{ "global option after command", { "show", "-j" }, 2, NULL, NULL, NULL, "=",
	  "'-j' is a global option: put it before the command (enactl -j show)" },
	{ "-i after command", { "stats", "--queues", "-iena0" }, 2, NULL, NULL, NULL, "=",
	  "'-iena0' is a global option" },
	{ "-i without value", { "-i" }, 2, NULL, NULL, NULL, "=", "-i needs a value" },
	{ "-i bad name", { "-i", "a/b", "show" }, 2, NULL, NULL, NULL, "=",
	  "-i: 'a/b' is not an interface name" },
	{ "-i too long", { "-i", "abcdefghijklmnop", "show" }, 2, NULL, NULL, NULL, "=",
	  "is not an interface name" },
	{ "-i attached and long forms", { "-iena0", "--json", "show", "mtu" }, 0,
	  "[{'method':'device.show','params':{'device':'ena0'}}]", R(DEV_SHOW), NULL, "=1500\n", "=" },
	{ "--interface=", { "--interface=ena1", "reset" }, 0,
	  "[{'method':'device.reset','params':{'device':'ena1'}}]", NULL, NULL, "=", "=" },
	{ "-- ends options", { "--", "show", "mtu" }, 0, "[{'method':'device.show','params':{}}]",
	  R(DEV_SHOW), NULL, "=1500\n", "=" },
	{ "bad ENACTL_TIMEOUT", { "show" }, 2, NULL, NULL, NULL, "=",
	  "ENACTL_TIMEOUT: 0 is out of range (allowed: 1..3600 seconds)", false, "0" },

	/* a hostile or broken daemon */
	{ "garbage reply", { "show" }, 1, "[{'method':'device.show','params':{}}]", "['!garbage']",
	  NULL, "=", "not JSON" },
	{ "reply not an object", { "show" }, 1, "[{'method':'device.show','params':{}}]",
	  "['!array']", NULL, "=", "not an object" },
	{ "trailing junk", { "show" }, 1, "[{'method':'device.show','params':{}}]", "['!trailing']",
	  NULL, "=", "not JSON" },
	{ "huge reply", { "show" }, 1, "[{'method':'device.show','params':{}}]", "['!huge']", NULL,
	  "=", "longer than 4194304 bytes" },
	{ "closed before reply", { "show" }, 1, "[{'method':'device.show','params':{}}]",
	  "['!close']", NULL, "=", "enad closed the connection\n" },
	{ "closed mid-line", { "show" }, 1, "[{'method':'device.show','params':{}}]",
	  "['!partial']", NULL, "=", "closed the connection mid-line" },
	{ "wrong id", { "show" }, 1, "[{'method':'device.show','params':{}}]", "['!wrongid']",
	  NULL, "=", "answered another request" },
	{ "not JSON-RPC", { "show" }, 1, "[{'method':'device.show','params':{}}]",
	  "['!nojsonrpc']", NULL, "=", "not JSON-RPC 2.0" },
	{ "result and error", { "show" }, 1, "[{'method':'device.show','params':{}}]", "['!both']",
	  NULL, "=", "both a result and an error" },
	{ "error without message", { "show" }, 1, "[{'method':'device.show','params':{}}]",
	  "['!badcode']", NULL, "=", "no code or message" },
	{ "notification before reply", { "show", "mtu" }, 0,
	  "[{'method':'device.show','params':{}}]", "['!notify-first']", NULL, "=1500\n", "=" },
	{ "silent daemon", { "show" }, 1, "[{'method':'device.show','params':{}}]", "['!silent']",
	  NULL, "=", "no reply from enad within 1000 ms", false, "1" },
};
#pragma GCC diagnostic pop

/* "=text": all of @got; "text": somewhere in it; NULL: anything. */
static void check_text(const char *what, const char *want, const char *got)
{
	if (!want)
		return;
	if (want[0] == '=') {
		if (strcmp(want + 1, got) != 0)
			fail_msg("%s: expected exactly\n---\n%s\n---\ngot\n---\n%s\n---", what, want + 1, got);
	} else if (!strstr(got, want)) {
		fail_msg("%s: expected to contain\n---\n%s\n---\ngot\n---\n%s\n---", what, want, got);
	}
}

static void run_case(void **state)
{
	const struct cli_case *c = *state;
	struct fake f;
	struct run r;
	int argc = 0;

	while (argc < 12 && c->argv[argc])
		argc++;
	fake_start(&f, c->replies, c->events);
	if (c->timeout)
		setenv("ENACTL_TIMEOUT", c->timeout, 1);
	run_argv(&r, f.path, argc, c->argv);
	unsetenv("ENACTL_TIMEOUT");
	fake_stop(&f);

	if (r.status != c->status)
		fail_msg("exit status %d, expected %d; stderr: %s", r.status, c->status, r.err);
	check_text("stdout", c->out, r.out);
	check_text("stderr", c->err, r.err);
	if (c->requests) {
		struct json_object *want = parse_dq(c->requests);

		if (!json_object_equal(want, f.requests))
			fail_msg("requests:\n%s\nexpected:\n%s",
				 json_object_to_json_string(f.requests), json_object_to_json_string(want));
		json_object_put(want);
	} else if (f.connections != 0 || json_object_array_length(f.requests) != 0) {
		fail_msg("enad was contacted (%d connections): %s", f.connections,
			 json_object_to_json_string(f.requests));
	}
	if (c->json_result) {
		struct json_object *got = json_tokener_parse(r.out);
		struct json_object *result = NULL;

		json_object_object_get_ex(json_object_array_get_idx(f.replies, 0), "result", &result);
		if (!got || !json_object_equal(got, result))
			fail_msg("-j printed\n%s\nnot the result\n%s", r.out, json_object_to_json_string(result));
		json_object_put(got);
	}
	run_free(&r);
	fake_free(&f);
}

/* ---- cases outside the table ---- */

static void no_daemon(void **state)
{
	char dir[] = "/tmp/test_enactl.XXXXXX", path[128];
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *args[] = { "show" };
	struct run r;
	int fd;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/enad.sock", dir);
	/* nothing at the path */
	run_argv(&r, path, 1, args);
	assert_int_equal(r.status, 1);
	check_text("stderr", "cannot connect to", r.err);
	check_text("stderr", "No such file or directory (is enad running?)", r.err);
	assert_string_equal(r.out, "");
	run_free(&r);

	/* a socket nobody listens on */
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	run_argv(&r, path, 1, args);
	assert_int_equal(r.status, 1);
	check_text("stderr", "Connection refused (is enad running?)", r.err);
	run_free(&r);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void socket_from_env_and_default(void **state)
{
	const char *args[] = { "show", "mtu" };
	char path[200];
	const char *long_path[] = { "-s", path, "show" };
	struct fake f;
	struct run r;

	fake_start(&f, R(DEV_SHOW), NULL);
	setenv("ENACTL_SOCKET", f.path, 1);
	run_argv(&r, NULL, 2, args);
	unsetenv("ENACTL_SOCKET");
	fake_stop(&f);
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "1500\n");
	assert_int_equal(json_object_array_length(f.requests), 1);
	run_free(&r);
	fake_free(&f);

	/* -s wins over the environment */
	fake_start(&f, R(DEV_SHOW), NULL);
	setenv("ENACTL_SOCKET", "/nonexistent/enad.sock", 1);
	run_argv(&r, f.path, 2, args);
	unsetenv("ENACTL_SOCKET");
	fake_stop(&f);
	assert_int_equal(r.status, 0);
	run_free(&r);
	fake_free(&f);

	/* the default path is the documented one */
	if (access(ENACTL_SOCKET_DEFAULT, F_OK) != 0) {
		run_argv(&r, NULL, 2, args);
		assert_int_equal(r.status, 1);
		check_text("stderr", "cannot connect to " ENACTL_SOCKET_DEFAULT ":", r.err);
		run_free(&r);
	}

	/* a path longer than sun_path is a usage error */
	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	run_argv(&r, NULL, 3, long_path);
	assert_int_equal(r.status, 2);
	check_text("stderr", "is not a usable socket path", r.err);
	run_free(&r);
}

/* A request over the protocol's line limit is refused before sending. */
static void request_too_long(void **state)
{
	enum { N = 20000 };
	const char **args = calloc(N + 3, sizeof(char *));
	struct fake f;
	struct run r;

	assert_non_null(args);
	args[0] = "rss";
	args[1] = "indir";
	args[2] = "weight";
	for (int i = 3; i < N + 3; i++)
		args[i] = "65535";
	fake_start(&f, NULL, NULL);
	run_argv(&r, f.path, N + 3, args);
	fake_stop(&f);
	assert_int_equal(r.status, 2);
	check_text("stderr", "enad takes at most 65536 per line", r.err);
	assert_int_equal(json_object_array_length(f.requests), 0);
	run_free(&r);
	fake_free(&f);
	free(args);
}

/* Output that cannot be written is a failure, not a silent success. */
static void write_error(void **state)
{
	char *argv[] = { "enactl", "--help", NULL };
	char *err = NULL;
	size_t len = 0;
	FILE *out = fopen("/dev/full", "we"), *errf = open_memstream(&err, &len);

	assert_non_null(out);
	assert_non_null(errf);
	assert_int_equal(enactl_main(2, argv, out, errf), 1);
	fclose(out);
	fclose(errf);
	check_text("stderr", "cannot write the output", err);
	free(err);
}

/* Several calls in one run share one connection, with increasing ids. */
static void one_connection(void **state)
{
	const char *args[] = { "set", "mtu", "9000", "queues", "2", "rx-usecs", "8" };
	struct fake f;
	struct run r;

	fake_start(&f, NULL, NULL);
	run_argv(&r, f.path, 7, args);
	fake_stop(&f);
	assert_int_equal(r.status, 0);
	assert_int_equal(f.connections, 1);
	assert_int_equal(json_object_array_length(f.requests), 3);
	run_free(&r);
	fake_free(&f);
}

int main(void)
{
	size_t n = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *tests = calloc(n + 5, sizeof(*tests));
	size_t k = 0;
	int r;

	if (!tests)
		return 1;
	for (size_t i = 0; i < n; i++, k++) {
		tests[k].name = cases[i].name;
		tests[k].test_func = run_case;
		tests[k].initial_state = (void *)&cases[i];
	}
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(no_daemon);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(socket_from_env_and_default);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(request_too_long);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(write_error);
	tests[k++] = (struct CMUnitTest)cmocka_unit_test(one_connection);
	r = _cmocka_run_group_tests("enactl", tests, k, NULL, NULL);
	free(tests);
	return r;
}
