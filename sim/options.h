/* SPDX-License-Identifier: MIT */
/* enasim command line: one option table, validated values, clear errors. */
#ifndef ENASIM_OPTIONS_H
#define ENASIM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "device.h"

#define SIM_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */
#define SIM_IFNAME_MAX 16
#define SIM_NETNS_MAX 64

enum sim_wire_kind {
	SIM_WIRE_LOOP = 0,
	SIM_WIRE_TAP,
	SIM_WIRE_PAIR,
};

/* Where the datapath's frames go (used by the later datapath engine). */
struct sim_wire {
	enum sim_wire_kind kind;
	char ifname[SIM_IFNAME_MAX];   /* tap */
	char netns[SIM_NETNS_MAX];     /* tap, optional */
	char path[SIM_PATH_MAX];       /* pair */
};

struct sim_options {
	char socket_path[SIM_PATH_MAX];
	char ctl_path[SIM_PATH_MAX];
	struct sim_wire wire;
	struct sim_profile profile;
	uint32_t poll_us;              /* IO engine poll window, 0 = sleep at once */
	bool help;
	bool version;
};

/**
 * sim_options_parse() - parse `enasim` arguments (argv[0] is the program).
 * Accepts "--opt VALUE" and "--opt=VALUE".
 * @ret: filled on success (help/version set when asked); untouched on error.
 * @err: receives one line naming the option, the value and what is allowed.
 * Return: 0 or -EINVAL.
 */
int sim_options_parse(int argc, char **argv, struct sim_options *ret, char *err, size_t errlen);

/**
 * sim_wire_parse() - parse `loop`, `tap:NAME[,netns=NS]` or `pair:PATH`.
 * Return: 0 or -EINVAL with @err set; @ret untouched on error.
 */
int sim_wire_parse(const char *spec, struct sim_wire *ret, char *err, size_t errlen);

/** sim_options_usage() - print the help text, generated from the table. */
void sim_options_usage(FILE *f);

#endif /* ENASIM_OPTIONS_H */
