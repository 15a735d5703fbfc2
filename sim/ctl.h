/* SPDX-License-Identifier: MIT */
/* enasim control socket: newline-delimited JSON requests
 * {"verb":"link","args":["down"]} answered with {"ok":true,...} or
 * {"ok":false,"error":"..."}. */
#ifndef ENASIM_CTL_H
#define ENASIM_CTL_H

#include <stdbool.h>
#include <stddef.h>

struct event_base;
struct json_object;
struct sim_device;
struct sim_ctl_server;

#define SIM_CTL_REQUEST_MAX 65536   /* bytes per request line */
#define SIM_CTL_CLIENTS_MAX 16
#define SIM_CTL_OUTPUT_MAX (1u << 20) /* unread replies before we hang up */

/**
 * sim_ctl_execute() - run one request object (what the socket does for
 * each line). Takes the device lock.
 * @ret_reply: receives a new reply object with "ok" (and "error" naming
 * what was wrong and what is allowed).
 * Return: 0, or -ENOMEM (then *ret_reply is untouched).
 */
int sim_ctl_execute(struct sim_device *dev, struct json_object *req, struct json_object **ret_reply);

/**
 * sim_ctl_execute_line() - parse one request line and run it.
 * Return: malloc'd compact JSON reply without newline, or NULL on ENOMEM.
 */
char *sim_ctl_execute_line(struct sim_device *dev, const char *line);

/**
 * sim_ctl_server_create() - listen on unix socket @path (a stale socket
 * file is replaced) and serve requests from @base's loop.
 * Return: 0 or -errno; *ret untouched on failure.
 */
int sim_ctl_server_create(struct event_base *base, const char *path, struct sim_device *dev,
			  struct sim_ctl_server **ret);

/** sim_ctl_server_destroy() - close every client, remove the socket file.
 * NULL is fine. */
void sim_ctl_server_destroy(struct sim_ctl_server *srv);

/**
 * sim_ctl_fail() - write a verb's error sentence into @err.
 * Return: -EINVAL, so verbs can `return sim_ctl_fail(...)`.
 */
int sim_ctl_fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** sim_ctl_parse_on_off() - "on" or "off" for @verb; anything else is an error. */
int sim_ctl_parse_on_off(const char *verb, const char *arg, bool *ret, char *err, size_t errlen);

/**
 * sim_ctl_client_main() - `enasim ctl [--ctl PATH | --socket PATH] VERB
 * [ARGS...]` (sim/ctl_client.c, part of the enasim program only): send one
 * request, print the reply (pretty JSON for show).
 * @argv: argv[0] is "ctl".
 * Return: exit status: 0 ok, 1 the device said error (or is unreachable),
 * 2 usage error.
 */
int sim_ctl_client_main(int argc, char **argv);

#endif /* ENASIM_CTL_H */
