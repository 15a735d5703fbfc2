/* SPDX-License-Identifier: MIT */
/* enasim pair wire: two enasim instances cabled through a SOCK_SEQPACKET
 * unix socket (one frame per message). The first to start listens, the
 * second connects; when the peer goes away the survivor listens again. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "wire.h"

#define PAIR_SNDBUF (4 << 20)

struct wire_pair {
	struct wire w;
	struct sockaddr_un sa;
	int listen_fd;   /* -1 unless we are the listening end */
	int conn_fd;     /* -1 while unplugged */
	bool owns_path;
};

static int pair_socket(void)
{
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int sz = PAIR_SNDBUF;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	return fd;
}

/* Try to connect to a listening peer; 0 connected, -errno otherwise. */
static int pair_connect(struct wire_pair *p)
{
	int fd = pair_socket();

	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&p->sa, sizeof(p->sa)) < 0 && errno != EINPROGRESS) {
		int r = -errno;

		close(fd);
		return r;
	}
	p->conn_fd = fd;
	return 0;
}

/* Become the listening end, replacing a stale socket file. */
static int pair_listen(struct wire_pair *p)
{
	struct stat st;
	int fd = pair_socket();

	if (fd < 0)
		return fd;
	if (lstat(p->sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(p->sa.sun_path);
	if (bind(fd, (struct sockaddr *)&p->sa, sizeof(p->sa)) < 0 || listen(fd, 1) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	p->listen_fd = fd;
	p->owns_path = true;
	return 0;
}

static int pair_plug(struct wire_pair *p)
{
	int r = pair_connect(p);

	if (r == 0)
		return 0;
	if (r != -ECONNREFUSED && r != -ENOENT)
		return r;
	r = pair_listen(p);
	if (r == -EADDRINUSE) /* another instance won the race */
		r = pair_connect(p);
	return r;
}

static void pair_unplug(struct wire_pair *p)
{
	close(p->conn_fd);
	p->conn_fd = -1;
	if (p->listen_fd < 0)
		pair_plug(p); /* the listener died: take its place */
}

static int pair_send(struct wire *w, const uint8_t *frame, size_t len, const struct sim_gso *gso)
{
	struct wire_pair *p = (struct wire_pair *)w;

	if (p->conn_fd < 0)
		return -ENOTCONN;
	if (send(p->conn_fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		int r = -errno;

		if (r == -EPIPE || r == -ECONNRESET)
			pair_unplug(p);
		return r;
	}
	return 0;
}

static ssize_t pair_recv(struct wire *w, uint8_t *buf, size_t cap, struct sim_gso *ret_gso)
{
	struct wire_pair *p = (struct wire_pair *)w;
	ssize_t n;

	if (p->conn_fd < 0) {
		int fd;

		if (p->listen_fd < 0)
			return -EAGAIN;
		fd = accept4(p->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (fd < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : -errno;
		p->conn_fd = fd;
	}
	n = recv(p->conn_fd, buf, cap, MSG_DONTWAIT | MSG_TRUNC);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
		pair_unplug(p);
		return -EAGAIN;
	}
	if (n < 0)
		return -EAGAIN;
	if ((size_t)n > cap)
		return -EMSGSIZE;
	memset(ret_gso, 0, sizeof(*ret_gso));
	return n;
}

static int pair_fd(struct wire *w)
{
	struct wire_pair *p = (struct wire_pair *)w;

	return p->conn_fd >= 0 ? p->conn_fd : p->listen_fd;
}

static void pair_destroy(struct wire *w)
{
	struct wire_pair *p = (struct wire_pair *)w;

	if (p->conn_fd >= 0)
		close(p->conn_fd);
	if (p->listen_fd >= 0) {
		close(p->listen_fd);
		if (p->owns_path)
			unlink(p->sa.sun_path);
	}
	free(p);
}

static const struct wire_ops pair_ops = {
	.send = pair_send,
	.recv = pair_recv,
	.fd = pair_fd,
	.destroy = pair_destroy,
};

int wire_pair_create(const char *path, struct wire **ret)
{
	struct wire_pair *p;
	int r;

	if (!path || !path[0] || strlen(path) >= sizeof(p->sa.sun_path))
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->sa.sun_family = AF_UNIX;
	strcpy(p->sa.sun_path, path);
	p->listen_fd = p->conn_fd = -1;
	r = pair_plug(p);
	if (r < 0) {
		free(p);
		return r;
	}
	p->w.ops = &pair_ops;
	p->w.kind = "pair";
	*ret = &p->w;
	return 0;
}
