/* SPDX-License-Identifier: MIT */
/* vfio-user message transport shared by client and server: framing, fd
 * passing (SCM_RIGHTS), header checks, error replies and VERSION caps. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "vfio_user_msg.h"

#define MSG_MAX_IOV 8
#define CAPS_JSON_MAX_DEPTH 8

uint64_t vfio_user_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t vfio_user_deadline_ns(unsigned int ms)
{
	return vfio_user_now_ns() + (uint64_t)ms * 1000000ull;
}

/* Wait until @fd is ready for @events or @deadline_ns (0 = never) passes. */
static int fd_wait(int fd, short events, uint64_t deadline_ns)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int timeout = -1;
		int r;

		if (deadline_ns) {
			uint64_t now = vfio_user_now_ns();
			uint64_t ms;

			if (now >= deadline_ns)
				return -ETIMEDOUT;
			ms = (deadline_ns - now + 999999) / 1000000;
			timeout = ms > INT_MAX ? INT_MAX : (int)ms;
		}
		r = poll(&pfd, 1, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r > 0)
			return 0; /* readiness, or POLLHUP/POLLERR: the next call reports it */
	}
}

int vfio_user_msg_send(int sock, const struct vfio_user_header *hdr, const struct iovec *iov,
		       unsigned int iovcnt, const int *fds, unsigned int nr_fds, uint64_t deadline_ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFIO_USER_SCM_MAX_FD)];
		struct cmsghdr align;
	} control;
	struct iovec vec[1 + MSG_MAX_IOV];
	struct vfio_user_header h = *hdr;
	struct msghdr mh = { 0 };
	struct iovec *cur = vec;
	size_t total = sizeof(h);
	size_t n = 1;

	if (iovcnt > MSG_MAX_IOV || (iovcnt && !iov) || nr_fds > VFIO_USER_SCM_MAX_FD ||
	    (nr_fds && !fds))
		return -EINVAL;

	vec[0].iov_base = &h;
	vec[0].iov_len = sizeof(h);
	for (unsigned int i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > UINT32_MAX - total)
			return -EINVAL;
		total += iov[i].iov_len;
		if (iov[i].iov_len)
			vec[n++] = iov[i];
	}
	h.msg_size = (uint32_t)total;

	mh.msg_iov = vec;
	mh.msg_iovlen = n;
	if (nr_fds) {
		struct cmsghdr *cmsg;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nr_fds);
		cmsg = CMSG_FIRSTHDR(&mh);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nr_fds);
		memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nr_fds);
	}

	while (n) {
		ssize_t w = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			int r;

			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			r = fd_wait(sock, POLLOUT, deadline_ns);
			if (r < 0)
				return r;
			continue;
		}
		if (w == 0)
			return -EIO;
		/* The fds went with the first bytes; the rest goes without. */
		mh.msg_control = NULL;
		mh.msg_controllen = 0;
		while (n && (size_t)w >= cur->iov_len) {
			w -= (ssize_t)cur->iov_len;
			cur++;
			n--;
		}
		if (n) {
			cur->iov_base = (char *)cur->iov_base + w;
			cur->iov_len -= (size_t)w;
		}
		mh.msg_iov = cur;
		mh.msg_iovlen = n;
	}
	return 0;
}

static void fds_close(int *fds, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Collect SCM_RIGHTS fds; returns -EPROTO when more arrived than fit. */
static int cmsg_take_fds(struct msghdr *mh, int *fds, unsigned int max_fds, unsigned int *nr_fds)
{
	int r = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		size_t n;
		int fd;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
		    c->cmsg_len < CMSG_LEN(0))
			continue;
		n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*nr_fds < max_fds) {
				fds[(*nr_fds)++] = fd;
			} else {
				close(fd);
				r = -EPROTO;
			}
		}
	}
	return r;
}

/*
 * Read exactly @len bytes. With @fds, ancillary fds are collected (header
 * phase); without, any fd attached to these bytes is a protocol error.
 * @got_any tells whether a byte of this message was already read.
 */
static int read_full(int sock, void *buf, size_t len, int *fds, unsigned int max_fds,
		     unsigned int *nr_fds, bool got_any, uint64_t deadline_ns)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * VFIO_USER_MSG_MAX_FDS)];
		struct cmsghdr align;
	} control;
	size_t done = 0;

	while (done < len) {
		struct iovec v = { .iov_base = (char *)buf + done, .iov_len = len - done };
		struct msghdr mh = { .msg_iov = &v, .msg_iovlen = 1 };
		ssize_t r;
		int err;

		if (fds && max_fds) {
			mh.msg_control = control.buf;
			mh.msg_controllen = CMSG_SPACE(sizeof(int) * max_fds);
		}
		r = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			err = fd_wait(sock, POLLIN, deadline_ns);
			if (err < 0)
				return err;
			continue;
		}
		if (fds && max_fds) {
			err = cmsg_take_fds(&mh, fds, max_fds, nr_fds);
			if (err < 0)
				return err;
		}
		if (mh.msg_flags & MSG_CTRUNC)
			return -EPROTO; /* fds were lost, or fds where none belong */
		if (r == 0)
			return (got_any || done) ? -EPROTO : -ECONNRESET;
		done += (size_t)r;
	}
	return 0;
}

int vfio_user_hdr_check(const struct vfio_user_header *hdr)
{
	uint32_t type = hdr->flags & VFIO_USER_F_TYPE_MASK;
	const uint32_t known = VFIO_USER_F_TYPE_MASK | VFIO_USER_F_NO_REPLY | VFIO_USER_F_ERROR;

	if (hdr->msg_size < VFIO_USER_HDR_SIZE)
		return -EPROTO;
	if (hdr->flags & ~known)
		return -EPROTO;
	if (type == VFIO_USER_F_TYPE_COMMAND)
		return (hdr->flags & VFIO_USER_F_ERROR) ? -EPROTO : 0;
	if (type == VFIO_USER_F_TYPE_REPLY)
		return (hdr->flags & VFIO_USER_F_NO_REPLY) ? -EPROTO : 0;
	return -EPROTO;
}

int vfio_user_msg_recv(int sock, size_t max_payload, unsigned int max_fds, uint64_t deadline_ns,
		       struct vfio_user_msg *ret)
{
	struct vfio_user_msg m = { 0 };
	int r;

	if (max_fds > VFIO_USER_MSG_MAX_FDS)
		max_fds = VFIO_USER_MSG_MAX_FDS;

	r = read_full(sock, &m.hdr, sizeof(m.hdr), m.fds, max_fds, &m.nr_fds, false, deadline_ns);
	if (r < 0)
		goto close_fds;
	r = vfio_user_hdr_check(&m.hdr);
	if (r < 0)
		goto close_fds;
	m.size = m.hdr.msg_size - VFIO_USER_HDR_SIZE;
	if (m.size > max_payload) {
		r = -EMSGSIZE;
		goto close_fds;
	}
	if (m.size) {
		m.payload = malloc(m.size);
		if (!m.payload) {
			r = -ENOMEM;
			goto close_fds;
		}
		r = read_full(sock, m.payload, m.size, NULL, 0, NULL, true, deadline_ns);
		if (r < 0)
			goto free_payload;
	}
	*ret = m;
	return 0;

free_payload:
	free(m.payload);
close_fds:
	fds_close(m.fds, m.nr_fds);
	return r;
}

void vfio_user_msg_close_fds(struct vfio_user_msg *msg)
{
	if (!msg)
		return;
	fds_close(msg->fds, msg->nr_fds);
	msg->nr_fds = 0;
}

void vfio_user_msg_release(struct vfio_user_msg *msg)
{
	if (!msg)
		return;
	vfio_user_msg_close_fds(msg);
	free(msg->payload);
	msg->payload = NULL;
	msg->size = 0;
}

int vfio_user_send_reply(int sock, const struct vfio_user_header *req, const struct iovec *iov,
			 unsigned int iovcnt, const int *fds, unsigned int nr_fds,
			 uint64_t deadline_ns)
{
	struct vfio_user_header h = {
		.msg_id = req->msg_id,
		.command = req->command,
		.flags = VFIO_USER_F_TYPE_REPLY,
	};

	if (req->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return vfio_user_msg_send(sock, &h, iov, iovcnt, fds, nr_fds, deadline_ns);
}

int vfio_user_send_error(int sock, const struct vfio_user_header *req, int err,
			 uint64_t deadline_ns)
{
	struct vfio_user_header h = {
		.msg_id = req->msg_id,
		.command = req->command,
		.flags = VFIO_USER_F_TYPE_REPLY | VFIO_USER_F_ERROR,
		.error = err > 0 ? (uint32_t)err : (uint32_t)EINVAL,
	};

	if (req->flags & VFIO_USER_F_NO_REPLY)
		return 0;
	return vfio_user_msg_send(sock, &h, NULL, 0, NULL, 0, deadline_ns);
}

/* One optional integer capability within [min, max]; absent leaves *val. */
static int caps_get(struct json_object *caps, const char *key, uint64_t min, uint64_t max,
		    uint64_t *val)
{
	struct json_object *v;
	int64_t x;

	if (!json_object_object_get_ex(caps, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int))
		return -EINVAL;
	x = json_object_get_int64(v);
	if (x < 0 || (uint64_t)x < min || (uint64_t)x > max)
		return -EINVAL;
	*val = (uint64_t)x;
	return 0;
}

int vfio_user_caps_parse(const uint8_t *payload, size_t size, struct vfio_user_caps *ret)
{
	uint64_t fds = VFIO_USER_DEFAULT_MAX_MSG_FDS;
	uint64_t xfer = VFIO_USER_DEFAULT_MAX_DATA_XFER;
	uint64_t pgsizes = VFIO_USER_DEFAULT_PGSIZES;
	struct json_tokener *tok;
	struct json_object *root = NULL, *caps;
	const char *json;
	size_t len;
	int r = -EINVAL;

	if (size < sizeof(struct vfio_user_version))
		return -EINVAL;
	json = (const char *)payload + sizeof(struct vfio_user_version);
	len = size - sizeof(struct vfio_user_version);
	if (len == 0)
		goto store_caps;
	/* NUL-terminated exactly at the end, no embedded NUL. */
	if (json[len - 1] != '\0' || strlen(json) != len - 1)
		return -EINVAL;
	if (len == 1)
		goto store_caps;
	if (len - 1 > INT_MAX)
		return -EINVAL;

	tok = json_tokener_new_ex(CAPS_JSON_MAX_DEPTH);
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)(len - 1));
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len - 1)
		goto free_tok;
	if (!json_object_is_type(root, json_type_object))
		goto free_tok;
	if (json_object_object_get_ex(root, "capabilities", &caps)) {
		if (!json_object_is_type(caps, json_type_object))
			goto free_tok;
		if (caps_get(caps, "max_msg_fds", 1, VFIO_USER_SCM_MAX_FD, &fds) < 0 ||
		    caps_get(caps, "max_data_xfer_size", 1, VFIO_USER_PEER_MAX_DATA_XFER, &xfer) < 0 ||
		    caps_get(caps, "pgsizes", 4096, INT64_MAX, &pgsizes) < 0 || (pgsizes & 4095))
			goto free_tok;
	}
	r = 0;
free_tok:
	json_object_put(root);
	json_tokener_free(tok);
	if (r < 0)
		return r;
store_caps:
	ret->max_msg_fds = (uint32_t)fds;
	ret->max_data_xfer_size = (uint32_t)xfer;
	ret->pgsizes = pgsizes;
	return 0;
}

int vfio_user_caps_format(const struct vfio_user_caps *caps, int pgsizes, char *buf, size_t len)
{
	int n;

	if (pgsizes)
		n = snprintf(buf, len,
			     "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u,"
			     "\"pgsizes\":%llu}}",
			     caps->max_msg_fds, caps->max_data_xfer_size,
			     (unsigned long long)caps->pgsizes);
	else
		n = snprintf(buf, len, "{\"capabilities\":{\"max_msg_fds\":%u,\"max_data_xfer_size\":%u}}",
			     caps->max_msg_fds, caps->max_data_xfer_size);
	if (n < 0 || (size_t)n >= len)
		return -ENOSPC;
	return n + 1;
}
