/* SPDX-License-Identifier: MIT */
/* The control socket on a manager without ports: framing, limits, partial
 * and half-closed clients, backpressure, events, the socket file. The test
 * is the server's event loop and its clients at once (one thread). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "config.h"
#include "control.h"
#include "log.h"
#include "manager.h"
#include "port.h"
#include "rpc.h"

#define WAIT_MS 20000 /* how long we wait for something that must happen */

struct t {
	char dir[64];
	char path[PARAM_PATH_MAX];
	struct manager *m;
	struct event_base *base;
	struct control *c;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int setup(void **state)
{
	struct t *t = calloc(1, sizeof(*t));
	struct enad_config cfg;

	assert_non_null(t);
	snprintf(t->dir, sizeof(t->dir), "/tmp/test_control.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof(t->path), "%s/run/enad.sock", t->dir);
	config_init(&cfg);
	snprintf(cfg.global.control_socket, sizeof(cfg.global.control_socket), "%s", t->path);
	/* groups that exist everywhere */
	snprintf(cfg.global.control_group, sizeof(cfg.global.control_group), "root");
	snprintf(cfg.global.admin_group, sizeof(cfg.global.admin_group), "root");
	assert_int_equal(manager_new("/nonexistent/enad.conf", &cfg, &t->m), 0);
	t->base = manager_event_base(t->m);
	assert_int_equal(control_open(t->m, &manager_config(t->m)->global, &t->c), 0);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t *t = *state;
	char run[PARAM_PATH_MAX + 8];

	control_close(t->c);
	manager_free(t->m);
	snprintf(run, sizeof(run), "%s/run", t->dir);
	rmdir(run);
	assert_int_equal(rmdir(t->dir), 0); /* nothing left behind: the socket is gone */
	free(t);
	return 0;
}

/* One pass of the server's loop, then wait up to 10 ms for @fd (-1: none). */
static void pump(struct t *t, int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };

	event_base_loop(t->base, EVLOOP_NONBLOCK);
	if (fd >= 0)
		poll(&p, 1, 10);
	else
		poll(NULL, 0, 1);
	event_base_loop(t->base, EVLOOP_NONBLOCK);
}

static int cl_connect(struct t *t)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump(t, -1, 0); /* accept it */
	return fd;
}

/* Write all of @len bytes, running the server while the socket is full. */
static void cl_write(struct t *t, int fd, const void *buf, size_t len)
{
	const char *p = buf;
	uint64_t deadline = now_ms() + WAIT_MS;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			assert_true(now_ms() < deadline);
			pump(t, fd, POLLOUT);
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
}

static void cl_send(struct t *t, int fd, const char *text)
{
	cl_write(t, fd, text, strlen(text));
}

/* The next line from the server (malloc'ed, without "\n"); NULL at EOF. */
static char *cl_line(struct t *t, int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	uint64_t deadline = now_ms() + WAIT_MS;

	assert_non_null(buf);
	for (;;) {
		char peek[65536], *nl;
		ssize_t n = recv(fd, peek, sizeof(peek), MSG_DONTWAIT | MSG_PEEK);

		if (n > 0) {
			/* take up to the newline; the rest stays for the next call */
			nl = memchr(peek, '\n', (size_t)n);
			n = nl ? nl - peek + 1 : n;
			while (len + (size_t)n + 1 > cap) {
				cap *= 2;
				buf = realloc(buf, cap);
				assert_non_null(buf);
			}
			assert_int_equal(recv(fd, buf + len, (size_t)n, MSG_DONTWAIT), n);
			len += (size_t)n;
			if (nl) {
				buf[len - 1] = '\0';
				return buf;
			}
			continue;
		}
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			assert_int_equal(len, 0); /* EOF only between lines */
			free(buf);
			return NULL;
		}
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		if (now_ms() > deadline)
			fail_msg("no line from the server (have %zu bytes)", len);
		pump(t, fd, POLLIN);
	}
}

static json_object *cl_reply(struct t *t, int fd)
{
	char *line = cl_line(t, fd);
	json_object *o;

	assert_non_null(line);
	o = json_tokener_parse(line);
	if (!o)
		fail_msg("not JSON: %s", line);
	free(line);
	return o;
}

static int code_of(json_object *o)
{
	return json_object_get_int(
		json_object_object_get(json_object_object_get(o, "error"), "code"));
}

static int64_t id_of(json_object *o)
{
	return json_object_get_int64(json_object_object_get(o, "id"));
}

/* The server closed @fd (EOF), everything before it read and dropped. */
static void cl_expect_eof(struct t *t, int fd)
{
	char buf[4096];
	uint64_t deadline = now_ms() + WAIT_MS;

	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return;
		if (n > 0)
			continue;
		assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
		if (now_ms() > deadline)
			fail_msg("the server did not close the connection");
		pump(t, fd, POLLIN);
	}
}

#define VERSION_REQ(id) "{\"jsonrpc\":\"2.0\",\"id\":" #id ",\"method\":\"api.version\"}\n"

static void test_requests(void **state)
{
	struct t *t = *state;
	const char *req = VERSION_REQ(5);
	int fd = cl_connect(t);
	json_object *o;

	/* one request */
	cl_send(t, fd, VERSION_REQ(1));
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 1);
	assert_int_equal(json_object_get_int(json_object_object_get(
				 json_object_object_get(o, "result"), "version")),
			 RPC_API_VERSION);
	json_object_put(o);

	/* two in one write: two answers, in order; CRLF is fine */
	cl_send(t, fd, "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"api.version\"}\r\n" VERSION_REQ(3));
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 2);
	json_object_put(o);
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 3);
	json_object_put(o);

	/* a request dribbled in byte by byte: answered once, when complete */
	for (size_t i = 0; req[i]; i++) {
		cl_write(t, fd, req + i, 1);
		pump(t, -1, 0);
	}
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 5);
	json_object_put(o);

	/* errors keep the connection: garbage, then a good request */
	cl_send(t, fd, "garbage\n\n" VERSION_REQ(6));
	o = cl_reply(t, fd);
	assert_int_equal(code_of(o), RPC_PARSE_ERROR);
	json_object_put(o);
	o = cl_reply(t, fd);
	assert_int_equal(code_of(o), RPC_PARSE_ERROR); /* the empty line */
	json_object_put(o);
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 6);
	json_object_put(o);

	/* a notification gets no answer: the next line is the next request's */
	cl_send(t, fd, "{\"jsonrpc\":\"2.0\",\"method\":\"api.version\"}\n" VERSION_REQ(7));
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 7);
	json_object_put(o);
	close(fd);
}

static void test_line_limit(void **state)
{
	struct t *t = *state;
	char *big = malloc(RPC_LINE_MAX + 4096);
	int fd = cl_connect(t);
	json_object *o;

	assert_non_null(big);
	/* exactly the limit: a request padded with blanks, answered, still open */
	memset(big, ' ', RPC_LINE_MAX + 4096);
	memcpy(big, VERSION_REQ(1), strlen(VERSION_REQ(1)) - 1);
	big[RPC_LINE_MAX] = '\n';
	cl_write(t, fd, big, RPC_LINE_MAX + 1);
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 1);
	json_object_put(o);
	cl_send(t, fd, VERSION_REQ(2));
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 2);
	json_object_put(o);

	/* longer and no end in sight: answered, then closed */
	memset(big, 'x', RPC_LINE_MAX + 4096);
	cl_write(t, fd, big, RPC_LINE_MAX + 4096);
	o = cl_reply(t, fd);
	assert_int_equal(code_of(o), RPC_INVALID_REQUEST);
	assert_int_equal(json_object_get_int(json_object_object_get(
				 json_object_object_get(json_object_object_get(o, "error"), "data"),
				 "limit")),
			 RPC_LINE_MAX);
	json_object_put(o);
	cl_expect_eof(t, fd);
	close(fd);
	free(big);

	/* the server is fine */
	fd = cl_connect(t);
	cl_send(t, fd, VERSION_REQ(3));
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 3);
	json_object_put(o);
	close(fd);
}

static void test_client_limit(void **state)
{
	struct t *t = *state;
	int fds[64], extra;
	json_object *o;

	for (int i = 0; i < 64; i++)
		fds[i] = cl_connect(t);
	/* the 65th is told and closed */
	extra = cl_connect(t);
	o = cl_reply(t, extra);
	assert_int_equal(code_of(o), RPC_TOO_MANY_CLIENTS);
	json_object_put(o);
	cl_expect_eof(t, extra);
	close(extra);
	/* the 64 work */
	cl_send(t, fds[63], VERSION_REQ(1));
	o = cl_reply(t, fds[63]);
	assert_int_equal(id_of(o), 1);
	json_object_put(o);
	/* one leaves (mid-request): a new one fits */
	cl_send(t, fds[0], "{\"jsonrpc\":\"2.0\",\"id\":1,\"meth");
	close(fds[0]);
	for (int i = 0; i < 20; i++)
		pump(t, -1, 0);
	extra = cl_connect(t);
	cl_send(t, extra, VERSION_REQ(2));
	o = cl_reply(t, extra);
	assert_int_equal(id_of(o), 2);
	json_object_put(o);
	close(extra);
	for (int i = 1; i < 64; i++)
		close(fds[i]);
	for (int i = 0; i < 20; i++)
		pump(t, -1, 0);
}

static void test_half_close(void **state)
{
	struct t *t = *state;
	int fd = cl_connect(t);
	json_object *o;

	/* printf ... | socat: everything sent, then EOF: all answered, then closed */
	cl_send(t, fd, VERSION_REQ(1) VERSION_REQ(2));
	shutdown(fd, SHUT_WR);
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 1);
	json_object_put(o);
	o = cl_reply(t, fd);
	assert_int_equal(id_of(o), 2);
	json_object_put(o);
	cl_expect_eof(t, fd);
	close(fd);

	/* an unterminated last line is not a request: closed without an answer */
	fd = cl_connect(t);
	cl_send(t, fd, "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"api.version\"}");
	shutdown(fd, SHUT_WR);
	assert_null(cl_line(t, fd));
	close(fd);

	/* a client that vanishes with requests and answers in flight */
	fd = cl_connect(t);
	for (int i = 0; i < 50; i++)
		cl_send(t, fd, VERSION_REQ(4));
	close(fd);
	for (int i = 0; i < 50; i++)
		pump(t, -1, 0);
}

/* Many requests, never reading: the server stops reading at its output
 * limit instead of buffering without bound, and resumes when we read. */
static void test_backpressure(void **state)
{
	struct t *t = *state;
	enum { N = 2000 }; /* ~1.8 MB of answers: more than the 1 MiB a client may leave unread */
	int fd = cl_connect(t);
	char req[128];
	size_t total = 0;
	int64_t want = 1;
	uint64_t deadline;

	for (int i = 1; i <= N; i++) {
		snprintf(req, sizeof(req), "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"api.version\"}\n", i);
		total += strlen(req);
	}
	{
		char *all = malloc(total + 1), *p = all;

		assert_non_null(all);
		for (int i = 1; i <= N; i++)
			p += sprintf(p, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"api.version\"}\n", i);
		/* Feed it without reading: the write blocks once the server
		 * paused; write what goes and read in between. */
		p = all;
		deadline = now_ms() + 60000;
		while (p < all + total || want <= N) {
			ssize_t n = 0;

			if (p < all + total) {
				n = send(fd, p, (size_t)(all + total - p), MSG_NOSIGNAL | MSG_DONTWAIT);
				if (n > 0)
					p += n;
			}
			pump(t, fd, POLLIN | POLLOUT);
			if (n <= 0) {
				/* stuck: read one answer (in order) */
				json_object *o = cl_reply(t, fd);

				assert_int_equal(id_of(o), want);
				want++;
				json_object_put(o);
			}
			assert_true(now_ms() < deadline);
		}
		free(all);
	}
	close(fd);
	for (int i = 0; i < 20; i++)
		pump(t, -1, 0);
}

static struct port *make_port(struct t *t)
{
	struct enad_device_config dev;
	struct port *p;

	config_device_defaults(&manager_config(t->m)->global, "ena5", &dev);
	snprintf(dev.device, sizeof(dev.device), "vfio-user:/nonexistent.sock");
	assert_int_equal(port_create(t->base, &dev, NULL, &p), 0);
	return p;
}

static void test_events(void **state)
{
	struct t *t = *state;
	struct port *p = make_port(t);
	struct port_event ev = { .kind = PORT_EVENT_LINK, .link_up = true };
	int sub = cl_connect(t), sub_reset = cl_connect(t), sub_other = cl_connect(t);
	int plain = cl_connect(t), deaf = cl_connect(t);
	json_object *o, *params;

	cl_send(t, sub, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\"}\n");
	o = cl_reply(t, sub);
	assert_int_equal(id_of(o), 1);
	json_object_put(o);
	cl_send(t, sub_reset, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\","
			      "\"params\":{\"events\":[\"reset\"]}}\n");
	json_object_put(cl_reply(t, sub_reset));
	cl_send(t, deaf, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"events.subscribe\"}\n");
	json_object_put(cl_reply(t, deaf));

	control_port_event(t->c, p, &ev);
	ev.kind = PORT_EVENT_RESET;
	ev.reason = "user_trigger";
	control_port_event(t->c, p, &ev);

	o = cl_reply(t, sub);
	assert_false(json_object_object_get_ex(o, "id", NULL));
	assert_string_equal(json_object_get_string(json_object_object_get(o, "method")), "event");
	params = json_object_object_get(o, "params");
	assert_string_equal(json_object_get_string(json_object_object_get(params, "event")), "link");
	assert_string_equal(json_object_get_string(json_object_object_get(params, "device")), "ena5");
	json_object_put(o);
	o = cl_reply(t, sub);
	params = json_object_object_get(o, "params");
	assert_string_equal(json_object_get_string(json_object_object_get(params, "event")), "reset");
	json_object_put(o);
	/* only what it asked for */
	o = cl_reply(t, sub_reset);
	params = json_object_object_get(o, "params");
	assert_string_equal(json_object_get_string(json_object_object_get(params, "event")), "reset");
	json_object_put(o);
	/* not subscribed: nothing; the next line is its own answer */
	cl_send(t, plain, VERSION_REQ(9));
	o = cl_reply(t, plain);
	assert_int_equal(id_of(o), 9);
	json_object_put(o);
	/* a subscriber keeps answering requests */
	cl_send(t, sub, VERSION_REQ(10));
	o = cl_reply(t, sub);
	assert_int_equal(id_of(o), 10);
	json_object_put(o);
	cl_send(t, sub_other, VERSION_REQ(11));
	o = cl_reply(t, sub_other);
	assert_int_equal(id_of(o), 11);
	json_object_put(o);

	/* a subscriber that never reads: closed at 1 MiB of unsent events,
	 * while the others keep working */
	ev.kind = PORT_EVENT_STATE;
	ev.state = PORT_RESETTING;
	for (int i = 0; i < 30000; i++) {
		control_port_event(t->c, p, &ev);
		if (i % 100 != 99)
			continue;
		/* sub reads its events; deaf does not */
		pump(t, -1, 0);
		for (;;) {
			char buf[65536];

			if (recv(sub, buf, sizeof(buf), MSG_DONTWAIT) <= 0)
				break;
		}
	}
	cl_expect_eof(t, deaf);
	close(deaf);
	cl_send(t, plain, VERSION_REQ(12));
	o = cl_reply(t, plain);
	assert_int_equal(id_of(o), 12);
	json_object_put(o);

	/* the reader is still there: its answer comes after the events in flight */
	cl_send(t, sub, VERSION_REQ(13));
	for (;;) {
		o = cl_reply(t, sub);
		if (json_object_object_get_ex(o, "id", NULL)) {
			assert_int_equal(id_of(o), 13);
			json_object_put(o);
			break;
		}
		json_object_put(o);
	}

	close(sub);
	close(sub_reset);
	close(sub_other);
	close(plain);
	for (int i = 0; i < 20; i++)
		pump(t, -1, 0);
	port_free(p);
}

static void test_socket_file(void **state)
{
	struct t *t = *state;
	struct control *c2;
	struct stat st;
	int fd;

	assert_int_equal(stat(t->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	assert_int_equal(st.st_gid, 0); /* control_group root */
	/* a second daemon on the same path is refused, the first keeps it */
	assert_int_equal(control_open(t->m, &manager_config(t->m)->global, &c2), -EADDRINUSE);
	fd = cl_connect(t);
	close(fd);
	/* closing removes it; a stale socket file is replaced; a file is not */
	control_close(t->c);
	t->c = NULL;
	assert_int_equal(stat(t->path, &st), -1);
	{
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", t->path);
		assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
		close(s); /* a socket file nobody listens on */
	}
	assert_int_equal(control_open(t->m, &manager_config(t->m)->global, &t->c), 0);
	fd = cl_connect(t);
	close(fd);
	control_close(t->c);
	t->c = NULL;
	fd = open(t->path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(control_open(t->m, &manager_config(t->m)->global, &t->c), -EEXIST);
	assert_int_equal(stat(t->path, &st), 0); /* untouched */
	unlink(t->path);
	assert_int_equal(control_open(t->m, &manager_config(t->m)->global, &t->c), 0);
	/* a reload with the same groups changes nothing */
	control_reconfigure(t->c, &manager_config(t->m)->global);
	assert_int_equal(stat(t->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0660);
}

/* The socket systemd passes (LISTEN_FDS) is used instead of control_socket,
 * gets FD_CLOEXEC, and its file is systemd's: not removed at close. */
static void test_socket_activation(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[64], act[PARAM_PATH_MAX], pid[32];
	struct t t = { 0 };
	struct enad_config cfg;
	struct stat st;
	json_object *o;
	int s, fd;

	if (fcntl(3, F_GETFD) >= 0 || errno != EBADF)
		skip(); /* fd 3 is taken in this process: cannot play systemd */
	snprintf(dir, sizeof(dir), "/tmp/test_control.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(act, sizeof(act), "%s/act.sock", dir);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", act);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(s >= 0);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 8), 0);
	if (s != 3) {
		assert_int_equal(dup2(s, 3), 3);
		close(s);
	}
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	setenv("LISTEN_FDS", "1", 1);
	setenv("LISTEN_PID", pid, 1);

	config_init(&cfg);
	snprintf(cfg.global.control_socket, sizeof(cfg.global.control_socket), "%s/not.sock", dir);
	assert_int_equal(manager_new("/nonexistent/enad.conf", &cfg, &t.m), 0);
	t.base = manager_event_base(t.m);
	assert_int_equal(control_open(t.m, &manager_config(t.m)->global, &t.c), 0);
	assert_null(getenv("LISTEN_FDS"));
	assert_true(fcntl(3, F_GETFD) & FD_CLOEXEC);
	assert_int_equal(stat(manager_config(t.m)->global.control_socket, &st), -1);

	snprintf(t.path, sizeof(t.path), "%s", act);
	fd = cl_connect(&t);
	cl_send(&t, fd, VERSION_REQ(1));
	o = cl_reply(&t, fd);
	assert_int_equal(id_of(o), 1);
	json_object_put(o);
	close(fd);

	control_close(t.c);
	assert_int_equal(fcntl(3, F_GETFD), -1); /* closed with the listener */
	assert_int_equal(stat(act, &st), 0);     /* systemd's file stays */
	manager_free(t.m);
	unlink(act);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_requests, setup, teardown),
		cmocka_unit_test_setup_teardown(test_line_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_half_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_file, setup, teardown),
		cmocka_unit_test(test_socket_activation),
	};

	/* as manager_run() does: a client that vanished is EPIPE, not a signal */
	signal(SIGPIPE, SIG_IGN);
	log_setup(LOG_TARGET_STDERR);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
