/* SPDX-License-Identifier: MIT */
/* `enasim ctl`: send one request to a running enasim's control socket and
 * print the reply. */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ctl.h"

#define CLIENT_TIMEOUT_MS 30000
#define CLIENT_REPLY_MAX (16u << 20)

static int usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "enasim ctl: %s\n", msg);
	fprintf(stderr,
		"usage: enasim ctl --ctl PATH VERB [ARGS...]   (or --socket PATH for PATH.ctl)\n"
		"verbs: show | keepalive on|off | link up|down | fatal | request-reset |\n"
		"       admin-delay MS | admin-drop on|off | fail-next create-sq|create-cq |\n"
		"       acq-fault stale-phase|unknown-id|bad-max-queues|bad-dev-attr |\n"
		"       notify-hints JSON|KEY=VALUE... | no-admin-irq on|off\n");
	return 2;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read up to the first newline; returns malloc'd text or NULL (errno). */
static char *read_line(int fd)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	while (buf) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		char *nl;
		ssize_t r;

		if (poll(&p, 1, CLIENT_TIMEOUT_MS) == 0) {
			errno = ETIMEDOUT;
			break;
		}
		if (len + 1 == cap) {
			char *n = cap >= CLIENT_REPLY_MAX ? NULL : realloc(buf, cap * 2);

			if (!n) {
				errno = EMSGSIZE;
				break;
			}
			buf = n;
			cap *= 2;
		}
		r = recv(fd, buf + len, cap - len - 1, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = ECONNRESET;
			break;
		}
		len += (size_t)r;
		buf[len] = '\0';
		nl = strchr(buf, '\n');
		if (nl) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static int ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int sim_ctl_client_main(int argc, char **argv)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)] = "";
	struct json_object *req, *args, *reply, *ok, *error;
	const char *verb = "show";
	const char *text;
	char *line;
	int i, fd, status;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		bool socket_form = false;

		if (strcmp(a, "--help") == 0) {
			usage(NULL);
			return 0;
		}
		if (strcmp(a, "--ctl") == 0 || strcmp(a, "--socket") == 0) {
			socket_form = strcmp(a, "--socket") == 0;
			if (i + 1 >= argc)
				return usage("--ctl/--socket needs a PATH");
			val = argv[++i];
		} else if (strncmp(a, "--ctl=", 6) == 0) {
			val = a + 6;
		} else if (strncmp(a, "--socket=", 9) == 0) {
			val = a + 9;
			socket_form = true;
		} else {
			fprintf(stderr, "enasim ctl: unknown option '%s'\n", a);
			return usage(NULL);
		}
		if ((size_t)snprintf(path, sizeof(path), "%s%s", val, socket_form ? ".ctl" : "") >=
		    sizeof(path) || !val[0])
			return usage("control socket path is empty or too long");
	}
	if (!path[0])
		return usage("--ctl PATH is required");
	if (i < argc)
		verb = argv[i++];

	req = json_object_new_object();
	args = json_object_new_array();
	json_object_object_add(req, "verb", json_object_new_string(verb));
	for (; i < argc; i++)
		json_object_array_add(args, json_object_new_string(argv[i]));
	json_object_object_add(req, "args", args);
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);

	fd = ctl_connect(path);
	if (fd < 0) {
		fprintf(stderr, "enasim ctl: cannot connect to %s: %s\n", path, strerror(errno));
		json_object_put(req);
		return 1;
	}
	if (write_all(fd, text, strlen(text)) < 0 || write_all(fd, "\n", 1) < 0 ||
	    !(line = read_line(fd))) {
		fprintf(stderr, "enasim ctl: %s: %s\n", path, strerror(errno));
		close(fd);
		json_object_put(req);
		return 1;
	}
	close(fd);
	json_object_put(req);

	reply = json_tokener_parse(line);
	if (!reply || !json_object_object_get_ex(reply, "ok", &ok)) {
		fprintf(stderr, "enasim ctl: malformed reply: %s\n", line);
		json_object_put(reply);
		free(line);
		return 1;
	}
	if (json_object_get_boolean(ok)) {
		printf("%s\n", json_object_to_json_string_ext(
				       reply, strcmp(verb, "show") == 0 ? JSON_C_TO_STRING_PRETTY
									: JSON_C_TO_STRING_PLAIN));
		status = 0;
	} else {
		fprintf(stderr, "enasim ctl: %s\n",
			json_object_object_get_ex(reply, "error", &error)
				? json_object_get_string(error) : "failed");
		status = 1;
	}
	json_object_put(reply);
	free(line);
	return status;
}
