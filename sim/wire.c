/* SPDX-License-Identifier: MIT */
/* enasim wires: pick the implementation the --wire spec names. */
#include <errno.h>

#include "wire.h"

int wire_open(const struct sim_wire *spec, size_t frame_max, struct wire **ret)
{
	switch (spec->kind) {
	case SIM_WIRE_LOOP:
		return wire_loop_create(frame_max, ret);
	case SIM_WIRE_TAP:
		return wire_tap_create(spec->ifname, spec->netns, ret);
	case SIM_WIRE_PAIR:
		return wire_pair_create(spec->path, ret);
	default:
		return -EINVAL;
	}
}
