/* SPDX-License-Identifier: MIT */
/* Control-API parameters -> enad's knobs: strict JSON types, then the one knob
 * parser (params.h), so a value is checked the same way as in enad.conf. */
#ifndef ENAD_RPC_DECODE_H
#define ENAD_RPC_DECODE_H

#include <stdbool.h>

#include "config.h"
#include "port.h"
#include "rpc.h"

/*
 * Nothing here touches a port: the functions take the port's configuration
 * (a copy to change) and its RSS view, so the unit tests and the fuzzer run
 * them on config_device_defaults(). Every error is recorded on the call with
 * rpc_fail*(), naming the field, the value and what is allowed.
 */

/* events.subscribe kinds: bit (1u << enum port_event_kind). */
#define RPC_EVENTS_ALL ((1u << (PORT_EVENT_ENI + 1)) - 1)

/** rpc_event_name() - "state", "link", "reset", "config", "eni"; NULL when out of range. */
const char *rpc_event_name(unsigned int kind);

/**
 * rpc_params_only() - every key of call->params is "device" (when
 * @with_device) or one of @names (NULL-terminated; NULL = none).
 * Return: 0, or -EINVAL (-32602 naming the first unknown key).
 */
int rpc_params_only(struct rpc_call *call, bool with_device, const char *const *names);

/**
 * rpc_param_device() - the optional "device" parameter: a valid interface name.
 * @ret: the name, or NULL when absent (borrowed from call->params).
 * Return: 0 or -EINVAL.
 */
int rpc_param_device(struct rpc_call *call, const char **ret);

/**
 * rpc_param_bool() - an optional boolean parameter.
 * @ret: set when present; untouched when absent or on failure.
 * Return: 1 present, 0 absent, -EINVAL not a JSON boolean.
 */
int rpc_param_bool(struct rpc_call *call, const char *name, bool *ret);

/**
 * rpc_decode_value() - one JSON value of knob @p through param_parse().
 * Integers must be JSON integers, on|off knobs JSON booleans, everything
 * else JSON strings (as written in enad.conf). Indirection tables go
 * through rpc_decode_set() instead.
 * @field: the name in errors (the API word).
 * @ret: the value; untouched on failure.
 * Return: 0 or -EINVAL.
 */
int rpc_decode_value(struct rpc_call *call, const struct param *p, const char *field,
		     json_object *v, union param_value *ret);

/**
 * rpc_set_words() - the parameters "@group.set" accepts, comma-separated
 * ("rx, tx, llq_policy, large_llq_header"): every device knob of @group
 * that can change at run time, plus the group's extra words (rss:
 * indir_pairs, equal, weight).
 * Return: @buf.
 */
const char *rpc_set_words(const char *group, char *buf, size_t len);

/**
 * rpc_decode_set() - the params of "@group.set" into @cfg (a partial update).
 * @group: "channels", "rings", "rss", "coalesce", "mtu", "eni", "log".
 * @rss: the port's RSS state (table size and current table, for indir and
 *   indir_pairs).
 * @cfg: the port's configuration; each given knob is stored with its has
 *   bit. On failure it may be partly changed (callers work on a copy).
 *
 * "device" is skipped (the caller resolved it). At least one knob must be
 * given; of indir, indir_pairs, equal and weight at most one. indir is the
 * whole table (rss->table_size queue numbers); indir_pairs ("5:1 7:0",
 * FreeBSD's sysctl syntax) changes entries of the current table; both
 * become an explicit list. equal and weight keep their meaning (they are
 * recomputed when the queue count changes). Device limits (queue count,
 * ring maxima) are port_check()'s.
 * Return: 0 or -EINVAL.
 */
int rpc_decode_set(struct rpc_call *call, const char *group, const struct port_rss *rss,
		   struct enad_device_config *cfg);

/**
 * rpc_decode_events() - the optional "events" array of events.subscribe.
 * @ret: bit mask of kinds (RPC_EVENTS_ALL when absent).
 * Return: 0 or -EINVAL.
 */
int rpc_decode_events(struct rpc_call *call, unsigned int *ret);

/**
 * rpc_knob_json() - a knob's configured value as JSON: integers as numbers,
 * on|off as booleans, the rest as param_format() text; null for a value
 * decided at run time that was never set.
 * Return: a new object, or NULL (also the JSON null).
 */
json_object *rpc_knob_json(const struct param *p, const struct enad_device_config *cfg);

/**
 * rpc_group_config() - {word: rpc_knob_json()} for every knob "@group.set" takes.
 * Return: a new object, or NULL when out of memory.
 */
json_object *rpc_group_config(const char *group, const struct enad_device_config *cfg);

#endif
