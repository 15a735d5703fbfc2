/* SPDX-License-Identifier: MIT */
/* A raw client of a unix stream socket for the integration tests: what
 * stdin holds goes to the socket unchanged, what the server sends goes to
 * stdout unchanged (enactl would check what we want to send wrong).
 *
 *   rpc_client [-k] [-n LINES] [-t SECONDS] [-c] SOCKET
 *
 * After stdin's end the sending side is shut down (-k: kept open). Reads
 * until the server closes, LINES lines arrived (-n), or SECONDS passed (-t,
 * default 10, 0 = no limit). -c: close as soon as stdin ended, without
 * reading (a client that vanishes mid-request).
 * A send the server no longer takes (it answered and closed) ends the
 * sending; what it sent is still read.
 * Exit: 0 the server closed or LINES arrived; 3 time ran out; 1 connect or
 * I/O failure (message on stderr); 2 usage. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	bool keep = false, close_early = false, in_done = false;
	long lines = -1, seen = 0;
	long long deadline;
	double secs = 10;
	char buf[65536];
	int opt, fd;

	while ((opt = getopt(argc, argv, "kcn:t:")) != -1) {
		switch (opt) {
		case 'k':
			keep = true;
			break;
		case 'c':
			close_early = true;
			break;
		case 'n':
			lines = strtol(optarg, NULL, 10);
			break;
		case 't':
			secs = strtod(optarg, NULL);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || strlen(argv[optind]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: rpc_client [-k] [-c] [-n LINES] [-t SECONDS] SOCKET\n");
		return 2;
	}
	memcpy(sa.sun_path, argv[optind], strlen(argv[optind]) + 1);
	signal(SIGPIPE, SIG_IGN);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "rpc_client: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	deadline = secs > 0 ? now_ms() + (long long)(secs * 1000) : -1;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
		int timeout = -1, n;

		if (deadline >= 0) {
			long long left = deadline - now_ms();

			if (left <= 0)
				return 3;
			timeout = (int)left;
		}
		n = poll(p, in_done ? 1 : 2, timeout);
		if (n < 0 && errno != EINTR) {
			perror("rpc_client: poll");
			return 1;
		}
		if (!in_done && (p[1].revents & (POLLIN | POLLHUP))) {
			ssize_t r = read(0, buf, sizeof(buf));

			if (r > 0) {
				int e = write_all(fd, buf, (size_t)r);

				/* The server may have answered and closed already (too
				 * many clients, line too long): read what it said. */
				if (e == -EPIPE || e == -ECONNRESET) {
					in_done = true;
				} else if (e < 0) {
					fprintf(stderr, "rpc_client: send: %s\n", strerror(-e));
					return 1;
				}
			} else {
				in_done = true;
				if (close_early)
					return 0;
				if (!keep)
					shutdown(fd, SHUT_WR);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(fd, buf, sizeof(buf));

			if (r <= 0)
				return r == 0 || errno == ECONNRESET ? 0 : 1;
			for (ssize_t i = 0; i < r; i++) {
				putchar(buf[i]);
				if (buf[i] == '\n' && ++seen == lines) {
					fflush(stdout);
					return 0;
				}
			}
			fflush(stdout);
		}
	}
}
