/* SPDX-License-Identifier: MIT */
/* enactl: what every command shares - the run context, exit statuses, the
 * command functions, and the helpers that check argv and call enad. */
#ifndef ENACTL_H
#define ENACTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>

struct client;

#define ENACTL_SOCKET_DEFAULT "/run/enad/enad.sock"

/* Exit statuses (never an errno). */
enum {
	ENACTL_OK = 0,    /* done */
	ENACTL_FAIL = 1,  /* enad refused, failed, or cannot be reached */
	ENACTL_USAGE = 2, /* argv is wrong; enad was not contacted */
};

/* One run of enactl. */
struct enactl {
	const char *socket;   /* control socket path */
	const char *iface;    /* -i: the port; NULL lets enad pick its only one */
	bool json;            /* -j */
	int timeout_ms;       /* per reply */
	const char *cmd;      /* the command being run, for messages */
	FILE *out, *err;
	struct client *conn;  /* opened by the first enactl_call() */
};

/**
 * enactl_main() - run enactl with @argv, printing to @out and @err.
 * Return: the exit status (ENACTL_OK, ENACTL_FAIL, ENACTL_USAGE).
 */
int enactl_main(int argc, char **argv, FILE *out, FILE *err);

/* A command: @argv[0] is the command word, argc - 1 its arguments, already
 * counted against the verb table. Returns an exit status. */
typedef int (*enactl_cmd_fn)(struct enactl *e, int argc, char **argv);

int cmd_list(struct enactl *e, int argc, char **argv);
int cmd_show(struct enactl *e, int argc, char **argv);
int cmd_stats(struct enactl *e, int argc, char **argv);
int cmd_set(struct enactl *e, int argc, char **argv);
int cmd_rss(struct enactl *e, int argc, char **argv);
int cmd_reset(struct enactl *e, int argc, char **argv);
int cmd_watch(struct enactl *e, int argc, char **argv);
int cmd_version(struct enactl *e, int argc, char **argv);

/* Extra --help text of the commands whose words come from their own tables. */
void cmd_set_help(FILE *f);
void cmd_show_help(FILE *f);

/**
 * enactl_usage() - print "enactl: <what is wrong>" and where help is.
 * Return: ENACTL_USAGE.
 */
__attribute__((format(printf, 2, 3)))
int enactl_usage(struct enactl *e, const char *fmt, ...);

/**
 * enactl_fail() - print "enactl: <message>" on stderr.
 * Return: ENACTL_FAIL.
 */
__attribute__((format(printf, 2, 3)))
int enactl_fail(struct enactl *e, const char *fmt, ...);

/**
 * enactl_params() - a new params object, with "device" when -i was given.
 * Return: the object (json_object_put() it), or NULL when out of memory.
 */
struct json_object *enactl_params(const struct enactl *e);

/**
 * enactl_call() - call @method on enad, connecting first if needed.
 * @params: parameters (borrowed), or NULL for none.
 * @ret_result: the result (json_object_put() it; may be NULL for a JSON null
 *	result); untouched on failure. NULL to drop it.
 * On failure the reason is printed: a daemon error as "enactl: <message>"
 * with the field, value and allowed values from error.data; a transport
 * failure with the socket path.
 * Return: ENACTL_OK, ENACTL_FAIL, or ENACTL_USAGE (request too long to send).
 */
int enactl_call(struct enactl *e, const char *method, struct json_object *params,
		struct json_object **ret_result);

/**
 * enactl_parse_uint() - parse a decimal number strictly: digits only, no
 * sign, no spaces, no overflow, at most INT64_MAX (a JSON integer).
 * @what: the word the number belongs to, for the message ("mtu").
 * @text: the argument.
 * @ret: the number; untouched on failure.
 * Return: ENACTL_OK, or ENACTL_USAGE after printing why.
 */
int enactl_parse_uint(struct enactl *e, const char *what, const char *text, uint64_t *ret);

/**
 * enactl_parse_bool() - parse on|off.
 * Return: ENACTL_OK, or ENACTL_USAGE after printing why.
 */
int enactl_parse_bool(struct enactl *e, const char *what, const char *text, bool *ret);

/** enactl_want_help() - is @arg "--help" or "-h"? */
bool enactl_want_help(const char *arg);

/** enactl_cmd_help() - print the usage and help of command @name to @f. */
void enactl_cmd_help(FILE *f, const char *name);

#endif
