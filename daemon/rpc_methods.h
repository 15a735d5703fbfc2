/* SPDX-License-Identifier: MIT */
/* The control API's methods (daemon/CONTROL-API.md) on the manager's ports. */
#ifndef ENAD_RPC_METHODS_H
#define ENAD_RPC_METHODS_H

#include "port.h"
#include "rpc.h"

struct manager;

/**
 * rpc_methods_dispatch() - the method table, working on @m's ports.
 * @ret: filled (the table is static; @m is its userdata).
 */
void rpc_methods_dispatch(struct manager *m, struct rpc_dispatch *ret);

/**
 * rpc_event_json() - the params of the "event" notification for @ev of @port:
 * {"event":"link","device":"ena0",...}.
 * Return: a new object, or NULL when out of memory.
 */
json_object *rpc_event_json(const struct port *port, const struct port_event *ev);

#endif
