/* SPDX-License-Identifier: MIT */
/* The control socket: JSON-RPC 2.0 over a unix stream socket (daemon/CONTROL-API.md). */
#ifndef ENAD_CONTROL_H
#define ENAD_CONTROL_H

#include "config.h"
#include "port.h"

struct manager;
struct control;

/**
 * control_open() - listen on the socket systemd passed (sd_listen_fds) or
 * else on @g->control_socket (mode 0660, group @g->control_group), on the
 * manager's event loop.
 * Return: 0 or -errno (logged).
 */
int control_open(struct manager *m, const struct enad_global_config *g, struct control **ret);

/** control_reconfigure() - new control_group / admin_group after SIGHUP. */
void control_reconfigure(struct control *c, const struct enad_global_config *g);

/** control_port_event() - forward a port event to subscribed clients. */
void control_port_event(struct control *c, struct port *p, const struct port_event *ev);

/** control_close() - close every client and the listener (unlink the path we created). NULL ok. */
void control_close(struct control *c);

#endif
