/* SPDX-License-Identifier: MIT */
/* enactl's side of the control socket: one request at a time, replies read
 * line by line within a size limit and a deadline. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "client.h"

struct client {
	int fd;
	int timeout_ms;
	int64_t next_id;
	char *buf;        /* bytes received and not yet returned as a line */
	size_t len, cap;
	char why[256];    /* client_error() */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Record why the last operation failed and return @err (a -errno). */
__attribute__((format(printf, 3, 4)))
static int fail(struct client *c, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return err;
}

int client_connect(const char *path, int timeout_ms, struct client **ret)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	/* Bounds connect() too: on a unix socket it blocks while the
	 * listener's backlog is full, for at most SO_SNDTIMEO. */
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	struct client *c;
	int r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->timeout_ms = timeout_ms;
	c->next_id = 1;
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0) {
		r = -errno;
		goto free_client;
	}
	if (setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		r = -errno;
		goto close_fd;
	}
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = errno == EAGAIN || errno == EINPROGRESS ? -ETIMEDOUT : -errno;
		goto close_fd;
	}
	*ret = c;
	return 0;

close_fd:
	close(c->fd);
free_client:
	free(c);
	return r;
}

static int send_all(struct client *c, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return fail(c, -ETIMEDOUT, "enad did not take the request within %d ms",
				    c->timeout_ms);
		if (w < 0)
			return fail(c, -errno, "sending the request: %s", strerror(errno));
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Take the next non-empty line out of c->buf, reading as needed until
 * @deadline (CLOCK_MONOTONIC ms; < 0: none). *ret_line is malloc'd. */
static int read_line(struct client *c, int64_t deadline, char **ret_line)
{
	for (;;) {
		char *nl = c->len ? memchr(c->buf, '\n', c->len) : NULL;
		struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
		int timeout = -1;
		ssize_t r;

		if (nl) {
			size_t n = (size_t)(nl - c->buf);
			char *line = malloc(n + 1);

			if (!line)
				return fail(c, -ENOMEM, "out of memory");
			memcpy(line, c->buf, n);
			line[n] = '\0';
			c->len -= n + 1;
			memmove(c->buf, nl + 1, c->len);
			if (n && line[n - 1] == '\r')
				line[--n] = '\0';
			if (strspn(line, " \t") == n) { /* blank line: nothing to parse */
				free(line);
				continue;
			}
			*ret_line = line;
			return 0;
		}
		if (c->len >= CLIENT_LINE_MAX)
			return fail(c, -EMSGSIZE, "enad sent a line longer than %u bytes",
				    CLIENT_LINE_MAX);
		if (c->cap - c->len < 4096) {
			size_t cap = c->cap ? c->cap * 2 : 8192;
			char *b;

			if (cap > CLIENT_LINE_MAX + 4096)
				cap = CLIENT_LINE_MAX + 4096;
			b = realloc(c->buf, cap);
			if (!b)
				return fail(c, -ENOMEM, "out of memory");
			c->buf = b;
			c->cap = cap;
		}
		if (deadline >= 0) {
			int64_t left = deadline - now_ms();

			if (left <= 0)
				return fail(c, -ETIMEDOUT, "no reply from enad within %d ms",
					    c->timeout_ms);
			timeout = left > INT32_MAX ? INT32_MAX : (int)left;
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(c, -errno, "waiting for enad: %s", strerror(errno));
		if (r == 0)
			continue; /* the deadline check above reports it */
		r = recv(c->fd, c->buf + c->len, c->cap - c->len, MSG_DONTWAIT);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			return fail(c, -errno, "reading from enad: %s", strerror(errno));
		if (r == 0)
			return fail(c, -ECONNRESET, c->len ? "enad closed the connection mid-line"
						: "enad closed the connection");
		c->len += (size_t)r;
	}
}

/* Parse one line as a single JSON object (nothing after it). */
static int parse_object(struct client *c, const char *line, struct json_object **ret)
{
	struct json_tokener *tok = json_tokener_new();
	size_t n = strlen(line);
	struct json_object *o;

	if (!tok)
		return fail(c, -ENOMEM, "out of memory");
	o = json_tokener_parse_ex(tok, line, (int)n);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    strspn(line + json_tokener_get_parse_end(tok), " \t") !=
		    n - json_tokener_get_parse_end(tok)) {
		json_object_put(o);
		json_tokener_free(tok);
		return fail(c, -EBADMSG, "enad sent something that is not JSON");
	}
	json_tokener_free(tok);
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return fail(c, -EBADMSG, "enad sent JSON that is not an object");
	}
	*ret = o;
	return 0;
}

static int read_message(struct client *c, int64_t deadline, struct json_object **ret)
{
	char *line = NULL;
	int r = read_line(c, deadline, &line);

	if (r < 0)
		return r;
	r = parse_object(c, line, ret);
	free(line);
	return r;
}

int client_read(struct client *c, bool wait_forever, struct json_object **ret)
{
	return read_message(c, wait_forever ? -1 : now_ms() + c->timeout_ms, ret);
}

static bool is_notification(struct json_object *m)
{
	return json_object_object_get_ex(m, "method", NULL) &&
	       !json_object_object_get_ex(m, "id", NULL);
}

/* Check @m is the response to request @id and split it into @ret. */
static int check_response(struct client *c, struct json_object *m, int64_t id,
			  struct client_reply *ret)
{
	struct json_object *v, *result = NULL, *error = NULL, *code, *message;
	bool has_result, has_error;

	if (!json_object_object_get_ex(m, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0)
		return fail(c, -EBADMSG, "enad's reply is not JSON-RPC 2.0");
	has_result = json_object_object_get_ex(m, "result", &result);
	has_error = json_object_object_get_ex(m, "error", &error);
	if (has_result == has_error)
		return fail(c, -EBADMSG, "enad's reply has %s", has_result ?
			    "both a result and an error" : "neither a result nor an error");
	if (!json_object_object_get_ex(m, "id", &v))
		return fail(c, -EBADMSG, "enad's reply has no id");
	/* One request is outstanding; an error about a request the server
	 * could not read carries id null (JSON-RPC 2.0, 5). */
	if (!(has_error && !v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != id))
		return fail(c, -EBADMSG, "enad answered another request (id %s, expected %lld)",
			    json_object_to_json_string(v), (long long)id);
	if (has_error &&
	    (!json_object_is_type(error, json_type_object) ||
	     !json_object_object_get_ex(error, "code", &code) ||
	     !json_object_is_type(code, json_type_int) ||
	     !json_object_object_get_ex(error, "message", &message) ||
	     !json_object_is_type(message, json_type_string)))
		return fail(c, -EBADMSG, "enad's error reply has no code or message");
	ret->msg = m;
	ret->result = has_result ? result : NULL;
	ret->error = has_error ? error : NULL;
	return 0;
}

int client_call(struct client *c, const char *method, struct json_object *params,
		struct client_reply *ret)
{
	struct json_object *req = json_object_new_object();
	int64_t id = c->next_id++;
	int64_t deadline;
	const char *text;
	size_t len;
	int r;

	if (!req)
		return fail(c, -ENOMEM, "out of memory");
	json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
	json_object_object_add(req, "id", json_object_new_int64(id));
	json_object_object_add(req, "method", json_object_new_string(method));
	if (params)
		json_object_object_add(req, "params", json_object_get(params));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
	len = text ? strlen(text) : 0;
	if (!text) {
		r = fail(c, -ENOMEM, "out of memory");
	} else if (len + 1 > CLIENT_REQUEST_MAX) {
		r = fail(c, -E2BIG, "the request is %zu bytes; enad takes at most %d per line",
			 len + 1, CLIENT_REQUEST_MAX);
	} else {
		r = send_all(c, text, len);
		if (r == 0)
			r = send_all(c, "\n", 1);
	}
	json_object_put(req);
	if (r < 0)
		return r;

	deadline = now_ms() + c->timeout_ms;
	for (;;) {
		struct json_object *m;

		r = read_message(c, deadline, &m);
		if (r < 0)
			return r;
		if (is_notification(m)) { /* an event racing our reply */
			json_object_put(m);
			continue;
		}
		r = check_response(c, m, id, ret);
		if (r < 0)
			json_object_put(m);
		return r;
	}
}

const char *client_error(const struct client *c)
{
	return c->why[0] ? c->why : "no error";
}

void client_reply_free(struct client_reply *r)
{
	json_object_put(r->msg);
	r->msg = r->result = r->error = NULL;
}

void client_close(struct client *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}
