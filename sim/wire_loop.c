/* SPDX-License-Identifier: MIT */
/* enasim loop wire: frames sent come back to the device's RX, in order,
 * through a fixed ring of preallocated slots (no allocation per frame). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

#define LOOP_SLOTS 256u

struct wire_loop {
	struct wire w;
	size_t slot_size;
	uint8_t *mem;
	uint32_t len[LOOP_SLOTS];
	unsigned int head, tail; /* free-running */
};

static int loop_send(struct wire *w, const uint8_t *frame, size_t len, const struct sim_gso *gso)
{
	struct wire_loop *l = (struct wire_loop *)w;
	unsigned int slot;

	if (len > l->slot_size)
		return -EMSGSIZE;
	if (l->tail - l->head >= LOOP_SLOTS)
		return -ENOBUFS;
	slot = l->tail % LOOP_SLOTS;
	memcpy(l->mem + slot * l->slot_size, frame, len);
	l->len[slot] = (uint32_t)len;
	l->tail++;
	return 0;
}

static ssize_t loop_recv(struct wire *w, uint8_t *buf, size_t cap, struct sim_gso *ret_gso)
{
	struct wire_loop *l = (struct wire_loop *)w;
	unsigned int slot;
	size_t len;

	if (l->head == l->tail)
		return -EAGAIN;
	slot = l->head % LOOP_SLOTS;
	len = l->len[slot];
	l->head++;
	if (len > cap)
		return -EMSGSIZE;
	memcpy(buf, l->mem + slot * l->slot_size, len);
	memset(ret_gso, 0, sizeof(*ret_gso));
	return (ssize_t)len;
}

static void loop_destroy(struct wire *w)
{
	struct wire_loop *l = (struct wire_loop *)w;

	free(l->mem);
	free(l);
}

static const struct wire_ops loop_ops = {
	.send = loop_send,
	.recv = loop_recv,
	.destroy = loop_destroy,
};

int wire_loop_create(size_t frame_max, struct wire **ret)
{
	struct wire_loop *l;

	if (!frame_max || frame_max > WIRE_FRAME_MAX)
		return -EINVAL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->slot_size = frame_max;
	l->mem = malloc(LOOP_SLOTS * frame_max);
	if (!l->mem) {
		free(l);
		return -ENOMEM;
	}
	l->w.ops = &loop_ops;
	l->w.kind = "loop";
	*ret = &l->w;
	return 0;
}
