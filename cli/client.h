/* SPDX-License-Identifier: MIT */
/* enactl's side of the control socket: connect, send one JSON-RPC request,
 * read one response or notification line, with size limits and timeouts. */
#ifndef ENACTL_CLIENT_H
#define ENACTL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* The control API refuses request lines longer than this (CONTROL-API.md). */
#define CLIENT_REQUEST_MAX 65536
/* The longest response or notification line we accept. The server drops a
 * client with more than 1 MiB of unsent output, so a real reply is shorter. */
#define CLIENT_LINE_MAX (4u << 20)
/* sun_path's size: socket paths are shorter. */
#define CLIENT_SOCKET_PATH_MAX 108
/* How long a reply may take unless ENACTL_TIMEOUT says otherwise. */
#define CLIENT_TIMEOUT_MS_DEFAULT 30000

struct client;

/* One response. @result and @error point into @msg; @error is NULL when the
 * call succeeded, and @result may be NULL then too (a JSON null result). */
struct client_reply {
	struct json_object *msg;
	struct json_object *result;
	struct json_object *error;
};

/**
 * client_connect() - connect to enad's control socket.
 * @path: socket path (shorter than sun_path).
 * @timeout_ms: how long connect, each send and each reply may take (> 0).
 * @ret: the connection on success; untouched on failure.
 * Return: 0, -ENAMETOOLONG, -ENOMEM or the -errno of socket()/connect()
 * (-ENOENT and -ECONNREFUSED mean no daemon listens there).
 */
int client_connect(const char *path, int timeout_ms, struct client **ret);

/**
 * client_call() - send one request and wait for its response.
 * @c: the connection.
 * @method: e.g. "rings.set".
 * @params: parameters object (borrowed; NULL sends none).
 * @ret: the response on success (free with client_reply_free()); untouched
 *	on failure. A JSON-RPC error response is a success here: ret->error.
 * Notifications that arrive before the response are skipped.
 * Return: 0; -E2BIG when the request is longer than CLIENT_REQUEST_MAX
 * (nothing was sent); -ETIMEDOUT, -ECONNRESET (closed before the reply),
 * -EMSGSIZE (reply line too long), -EBADMSG (not a JSON-RPC response to this
 * request) or another -errno. client_error() has the sentence.
 */
int client_call(struct client *c, const char *method, struct json_object *params,
		struct client_reply *ret);

/**
 * client_read() - read the next message (a notification) from the connection.
 * @c: the connection.
 * @wait_forever: true to wait without a time limit (event streams).
 * @ret: the parsed JSON object on success (json_object_put() it); untouched on failure.
 * Return: 0, or -ETIMEDOUT, -ECONNRESET (the daemon closed the connection),
 * -EMSGSIZE, -EBADMSG (not a JSON object) or another -errno; client_error()
 * has the sentence.
 */
int client_read(struct client *c, bool wait_forever, struct json_object **ret);

/**
 * client_error() - a sentence about the last failure on @c ("no reply within 30 s").
 */
const char *client_error(const struct client *c);

/** client_reply_free() - release a response; the struct may be zeroed or filled. */
void client_reply_free(struct client_reply *r);

/** client_close() - close the connection and free it. NULL is ok. */
void client_close(struct client *c);

#endif
