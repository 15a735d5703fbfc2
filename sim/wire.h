/* SPDX-License-Identifier: MIT */
/* enasim wires: where the device's frames go and come from (loop, a TAP in
 * a network namespace, or a second enasim through a unix socket). Wires are
 * used by the IO thread only; none of them blocks. */
#ifndef ENASIM_WIRE_H
#define ENASIM_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "offload.h"
#include "options.h"

struct wire;

struct wire_ops {
	/* Send one frame; @gso is NULL or SIM_GSO_NONE for a plain frame.
	 * Return 0 or -errno (the frame is then lost). */
	int (*send)(struct wire *w, const uint8_t *frame, size_t len, const struct sim_gso *gso);
	/* Receive one frame into @buf; @ret_gso describes a GSO frame.
	 * Return its length, -EAGAIN when none is waiting, or -errno. */
	ssize_t (*recv)(struct wire *w, uint8_t *buf, size_t cap, struct sim_gso *ret_gso);
	/* File descriptor to wait on for recv, or -1 (the fd may change after
	 * a recv, e.g. a pair wire that accepted its peer). */
	int (*fd)(struct wire *w);
	void (*destroy)(struct wire *w);
};

struct wire {
	const struct wire_ops *ops;
	bool gso;            /* takes whole TSO frames (send with a sim_gso) */
	const char *kind;    /* "loop", "tap", "pair", ... for show */
};

/* Largest frame a wire carries (a whole GSO frame and its headers). */
#define WIRE_FRAME_MAX (65536u + 512u)

/**
 * wire_open() - create the wire @spec describes (see --wire).
 * @frame_max: largest plain frame the loop wire must hold.
 * Return: 0 or -errno; *ret untouched on failure.
 */
int wire_open(const struct sim_wire *spec, size_t frame_max, struct wire **ret);

/** wire_loop_create() - what is sent is received back, in order; holds at
 * most a fixed number of frames of up to @frame_max bytes (more: -ENOBUFS). */
int wire_loop_create(size_t frame_max, struct wire **ret);

/**
 * wire_tap_create() - a TAP interface @ifname (IFF_TAP | IFF_NO_PI |
 * IFF_VNET_HDR, checksum and TSO offloads on) created inside network
 * namespace @netns (a name under /run/netns, or NULL/"" for ours) and set up.
 * Return: 0 or -errno.
 */
int wire_tap_create(const char *ifname, const char *netns, struct wire **ret);

/**
 * wire_pair_create() - one end of a cable between two enasim instances: a
 * SOCK_SEQPACKET unix socket at @path; the first to start listens, the
 * second connects. Frames sent while unplugged are lost (-ENOTCONN).
 * Return: 0 or -errno.
 */
int wire_pair_create(const char *path, struct wire **ret);

static inline int wire_send(struct wire *w, const uint8_t *frame, size_t len,
			    const struct sim_gso *gso)
{
	return w->ops->send(w, frame, len, gso);
}

static inline ssize_t wire_recv(struct wire *w, uint8_t *buf, size_t cap, struct sim_gso *gso)
{
	return w->ops->recv(w, buf, cap, gso);
}

static inline int wire_fd(struct wire *w)
{
	return w->ops->fd ? w->ops->fd(w) : -1;
}

/** wire_destroy() - close and free; NULL is fine. */
static inline void wire_destroy(struct wire *w)
{
	if (w)
		w->ops->destroy(w);
}

#endif /* ENASIM_WIRE_H */
