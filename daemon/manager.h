/* SPDX-License-Identifier: MIT */
/* The control thread: libevent loop, ports, signals, reload and sd_notify. */
#ifndef ENAD_MANAGER_H
#define ENAD_MANAGER_H

#include <stdbool.h>

#include "config.h"
#include "port.h"

struct event_base;
struct manager;

/**
 * manager_new() - a manager for @config (taken over: freed with the manager,
 * also on failure). Nothing is opened yet.
 * @config_path: re-read on SIGHUP.
 */
int manager_new(const char *config_path, struct enad_config *config, struct manager **ret);

/**
 * manager_run() - open the control socket, create and start every port,
 * send READY=1 (every port UP or FAILED), run the loop until SIGTERM or
 * SIGINT, then stop the ports (STOPPING=1).
 * Return: 0 after a clean stop, or -errno when start-up failed.
 */
int manager_run(struct manager *m);

/** manager_free() - free everything (ports already stopped by manager_run). NULL ok. */
void manager_free(struct manager *m);

struct event_base *manager_event_base(const struct manager *m);
const struct enad_config *manager_config(const struct manager *m);
unsigned int manager_n_ports(const struct manager *m);
struct port *manager_port(const struct manager *m, unsigned int i);
/** manager_find_port() - by TAP name; NULL name (or "") means the only port when there is one. */
struct port *manager_find_port(const struct manager *m, const char *name);

/** manager_set_log_level() - global log level (log.set_level without a device). */
void manager_set_log_level(struct manager *m, int level);

#endif
