/* SPDX-License-Identifier: MIT */
/* Test harness: run a real enasim process and talk to its control socket. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim_harness.h"

static const char *enasim_path(void)
{
	const char *p = getenv("ENASIM");

	if (p)
		return p;
	p = getenv("B");
	if (p) {
		static __thread char buf[256];

		snprintf(buf, sizeof(buf), "%s/enasim", p);
		return buf;
	}
	return "build/enasim";
}

static bool socket_accepts(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (strlen(path) >= sizeof(a.sun_path))
		return false;
	memcpy(a.sun_path, path, strlen(path) + 1);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

int sim_start(struct sim *s, const char *const *extra)
{
	const char *argv[48];
	int n = 0;

	memset(s, 0, sizeof(*s));
	snprintf(s->dir, sizeof(s->dir), "/tmp/enasim-test-XXXXXX");
	if (!mkdtemp(s->dir))
		return -errno;
	snprintf(s->sock, sizeof(s->sock), "%s/ena.sock", s->dir);
	snprintf(s->ctl, sizeof(s->ctl), "%s/ena.ctl", s->dir);
	snprintf(s->devstr, sizeof(s->devstr), "vfio-user:%s", s->sock);

	argv[n++] = enasim_path();
	argv[n++] = "--socket";
	argv[n++] = s->sock;
	argv[n++] = "--ctl";
	argv[n++] = s->ctl;
	for (; extra && *extra && n < 46; extra++)
		argv[n++] = *extra;
	argv[n] = NULL;

	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		/* A test that crashes before its teardown must not leave the
		 * device process behind. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() == 1)
			_exit(127);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	/* Wait for the ctl socket (created after the device socket); give up if
	 * the process exits. Not a timing assertion: only a bound on waiting. */
	for (int i = 0; i < 1000; i++) {
		int st;

		if (socket_accepts(s->ctl))
			return 0;
		if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
			s->pid = 0;
			return -ECHILD;
		}
		usleep(10000);
	}
	return -ETIMEDOUT;
}

void sim_stop(struct sim *s)
{
	char cmd[128];

	if (s->pid > 0) {
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
	}
	if (s->dir[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->dir);
		if (system(cmd) != 0)
			fprintf(stderr, "sim_stop: could not remove %s\n", s->dir);
		s->dir[0] = '\0';
	}
}

int sim_ctl(struct sim *s, struct json_object **ret_json, const char *verb, ...)
{
	const char *argv[16];
	int pipefd[2], n = 0, st;
	char buf[65536];
	size_t len = 0;
	ssize_t k;
	va_list ap;
	pid_t pid;

	argv[n++] = enasim_path();
	argv[n++] = "ctl";
	argv[n++] = "--ctl";
	argv[n++] = s->ctl;
	argv[n++] = verb;
	va_start(ap, verb);
	for (const char *a; n < 15 && (a = va_arg(ap, const char *));)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid == 0) {
		dup2(pipefd[1], 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(pipefd[1]);
	while (len < sizeof(buf) - 1 && (k = read(pipefd[0], buf + len, sizeof(buf) - 1 - len)) > 0)
		len += (size_t)k;
	buf[len] = '\0';
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	if (ret_json)
		*ret_json = len ? json_tokener_parse(buf) : NULL;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

struct json_object *sim_show(struct sim *s)
{
	struct json_object *o = NULL;

	if (sim_ctl(s, &o, "show", NULL) != 0) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *json_path(struct json_object *o, const char *path)
{
	char part[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		if (n >= sizeof(part))
			return NULL;
		memcpy(part, path, n);
		part[n] = '\0';
		if (!json_object_object_get_ex(o, part, &o))
			return NULL;
		path += n + (path[n] == '.');
	}
	return o;
}
