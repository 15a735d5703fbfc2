/* SPDX-License-Identifier: MIT */
/* A NOTIFY_SOCKET for the integration tests: logs every sd_notify datagram as one line. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/*
 * usage: notify_listen SOCKET OUTPUT
 *
 * Binds an AF_UNIX datagram socket at SOCKET (a path; it must not exist),
 * then appends one line per datagram received to OUTPUT:
 *
 *   MONOTONIC_US PID TEXT
 *
 * MONOTONIC_US is CLOCK_MONOTONIC when the datagram was read, PID the
 * sender's (SO_PASSCRED; 0 if the kernel gave none), TEXT the datagram with
 * every newline (sd_notify separates assignments with them) replaced by a
 * space. Each line is written with one write() so a shell reading OUTPUT
 * never sees half a line. Runs until SIGTERM/SIGINT, then removes SOCKET.
 */

#define DGRAM_MAX 4096

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static unsigned long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000;
}

static int write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Receive one datagram and log it; 0, or -errno (EINTR when a signal came). */
static int log_one(int sock, int out)
{
	char data[DGRAM_MAX + 1];
	char line[DGRAM_MAX + 64];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} control;
	struct iovec iov = { .iov_base = data, .iov_len = DGRAM_MAX };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	long pid = 0;
	ssize_t n;
	int len;

	n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			struct ucred cred;

			memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			pid = cred.pid;
		}
		/* sd_notify may pass fds (FDSTORE=1); we never keep them. */
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				close(fd);
			}
		}
	}
	/* Newlines separate sd_notify assignments; NULs would cut the line. */
	for (ssize_t i = 0; i < n; i++)
		if (data[i] == '\n' || data[i] == '\0')
			data[i] = ' ';
	while (n > 0 && data[n - 1] == ' ')
		n--;
	data[n] = '\0';
	len = snprintf(line, sizeof(line), "%llu %ld %s%s\n", now_us(), pid, data,
		       (msg.msg_flags & MSG_TRUNC) ? " [truncated]" : "");
	if (len < 0)
		return -EIO;
	return write_all(out, line, (size_t)len < sizeof(line) ? (size_t)len : sizeof(line) - 1);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act = { .sa_handler = on_signal };
	int one = 1;
	int sock, out, r;

	if (argc != 3) {
		fprintf(stderr, "usage: notify_listen SOCKET OUTPUT\n");
		return 2;
	}
	if (strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "notify_listen: %s: path too long (allowed: at most %zu bytes)\n",
			argv[1], sizeof(sa.sun_path) - 1);
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);

	/* No SA_RESTART: a signal must interrupt recvmsg(). */
	sigemptyset(&act.sa_mask);
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);

	out = open(argv[2], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (out < 0) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0 || setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0 ||
	    bind(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "notify_listen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* Whoever runs the daemon under test may not be root. */
	chmod(argv[1], 0666);

	r = 0;
	while (!stop) {
		r = log_one(sock, out);
		if (r == -EINTR) {
			r = 0;
			continue;
		}
		if (r < 0) {
			fprintf(stderr, "notify_listen: %s\n", strerror(-r));
			break;
		}
	}
	unlink(argv[1]);
	close(sock);
	close(out);
	return r < 0 ? 1 : 0;
}
