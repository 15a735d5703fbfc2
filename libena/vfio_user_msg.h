/* SPDX-License-Identifier: MIT */
/* vfio-user message transport shared by the client (libena) and the server
 * (enasim): framing, fd passing, header checks, error replies, VERSION caps. */
#ifndef ENA_VFIO_USER_MSG_H
#define ENA_VFIO_USER_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "ena/vfio_user.h"

/* Most fds one received message may carry (our advertised max_msg_fds). */
#define VFIO_USER_MSG_MAX_FDS VFIO_USER_MAX_MSG_FDS

/* One received message. The receiver owns payload and fds. */
struct vfio_user_msg {
	struct vfio_user_header hdr;
	uint8_t *payload; /* msg_size - 16 bytes; NULL when empty */
	size_t size;
	int fds[VFIO_USER_MSG_MAX_FDS];
	unsigned int nr_fds;
};

/* Capabilities carried in VERSION JSON. */
struct vfio_user_caps {
	uint32_t max_msg_fds;
	uint32_t max_data_xfer_size;
	uint64_t pgsizes;
};

/** vfio_user_now_ns() - CLOCK_MONOTONIC in nanoseconds. */
uint64_t vfio_user_now_ns(void);

/**
 * vfio_user_deadline_ns() - CLOCK_MONOTONIC deadline @ms milliseconds away.
 */
uint64_t vfio_user_deadline_ns(unsigned int ms);

/**
 * vfio_user_msg_send() - send one message: header, payload pieces, fds.
 * @sock: connected AF_UNIX stream socket.
 * @hdr: msg_id, command, flags and error to send; msg_size is computed.
 * @iov: payload pieces (may be NULL when @iovcnt is 0), at most 8.
 * @fds: fds to pass with SCM_RIGHTS (NULL when @nr_fds is 0), at most
 *       VFIO_USER_SCM_MAX_FD. They stay owned by the caller.
 * @deadline_ns: CLOCK_MONOTONIC limit for a peer that stops reading, 0 = none.
 *
 * Uses MSG_NOSIGNAL and loops on short writes (the fds go with the first).
 * Return: 0, -EINVAL (too many pieces/fds, message over 4 GiB), -ETIMEDOUT,
 * or the sendmsg errno (-EPIPE when the peer is gone).
 */
int vfio_user_msg_send(int sock, const struct vfio_user_header *hdr, const struct iovec *iov,
		       unsigned int iovcnt, const int *fds, unsigned int nr_fds, uint64_t deadline_ns);

/**
 * vfio_user_msg_recv() - receive exactly one message.
 * @sock: connected AF_UNIX stream socket.
 * @max_payload: largest payload accepted (hard cap on what the peer makes us
 *               allocate).
 * @max_fds: most fds accepted, at most VFIO_USER_MSG_MAX_FDS.
 * @deadline_ns: CLOCK_MONOTONIC limit for the whole message, 0 = none.
 * @ret: filled on success (release with vfio_user_msg_release()); untouched
 *       on failure.
 *
 * The header is read alone (16 bytes, MSG_CMSG_CLOEXEC), checked with
 * vfio_user_hdr_check(), then the payload. Received fds are closed on any
 * error. After an error other than -ETIMEDOUT before the first byte the
 * stream is out of sync and the connection must be dropped.
 * Return: 0; -ECONNRESET on EOF before the first byte; -EPROTO for a
 * truncated message, a malformed header or lost fds (MSG_CTRUNC);
 * -EMSGSIZE when the payload exceeds @max_payload; -ETIMEDOUT; -ENOMEM;
 * or the recvmsg errno.
 */
int vfio_user_msg_recv(int sock, size_t max_payload, unsigned int max_fds, uint64_t deadline_ns,
		       struct vfio_user_msg *ret);

/** vfio_user_msg_release() - free the payload and close the fds. NULL is ok. */
void vfio_user_msg_release(struct vfio_user_msg *msg);

/** vfio_user_msg_close_fds() - close every fd the message still holds. */
void vfio_user_msg_close_fds(struct vfio_user_msg *msg);

/**
 * vfio_user_hdr_check() - validate a header's framing and flags:
 * msg_size >= 16, type command or reply, no unknown flag bits, NO_REPLY only
 * on commands, ERROR only on replies.
 * Return: 0 or -EPROTO.
 */
int vfio_user_hdr_check(const struct vfio_user_header *hdr);

/** vfio_user_msg_is_reply() - true when @msg's type is reply. */
static inline int vfio_user_msg_is_reply(const struct vfio_user_msg *msg)
{
	return (msg->hdr.flags & VFIO_USER_F_TYPE_MASK) == VFIO_USER_F_TYPE_REPLY;
}

/**
 * vfio_user_send_reply() - reply to @req (same msg_id and command).
 * Sends nothing when @req carries NO_REPLY. Other parameters as for
 * vfio_user_msg_send(). Return: as vfio_user_msg_send().
 */
int vfio_user_send_reply(int sock, const struct vfio_user_header *req, const struct iovec *iov,
			 unsigned int iovcnt, const int *fds, unsigned int nr_fds,
			 uint64_t deadline_ns);

/**
 * vfio_user_send_error() - header-only error reply to @req.
 * @err: positive errno for the peer.
 * Sends nothing when @req carries NO_REPLY.
 * Return: as vfio_user_msg_send().
 */
int vfio_user_send_error(int sock, const struct vfio_user_header *req, int err,
			 uint64_t deadline_ns);

/**
 * vfio_user_caps_parse() - read the capabilities of a VERSION payload.
 * @payload, @size: the VERSION payload (major/minor then optional JSON,
 *                  which must be NUL-terminated at the payload's end).
 * @ret: defaults, overridden by what the JSON says; untouched on failure.
 *
 * Unknown keys are ignored. Values must be integers within: max_msg_fds
 * 1..VFIO_USER_SCM_MAX_FD, max_data_xfer_size 1..VFIO_USER_PEER_MAX_DATA_XFER,
 * pgsizes a non-zero multiple of 4096.
 * Return: 0, or -EINVAL for malformed JSON or an out-of-range value.
 */
int vfio_user_caps_parse(const uint8_t *payload, size_t size, struct vfio_user_caps *ret);

/**
 * vfio_user_caps_format() - render caps as VERSION JSON.
 * @pgsizes: include pgsizes (a client proposes it; our server omits it).
 * @buf, @len: output; NUL-terminated on success.
 * Return: string length including the NUL, or -ENOSPC.
 */
int vfio_user_caps_format(const struct vfio_user_caps *caps, int pgsizes, char *buf, size_t len);

#endif /* ENA_VFIO_USER_MSG_H */
