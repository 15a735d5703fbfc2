/* SPDX-License-Identifier: MIT */
/* JSON-RPC 2.0 without sockets: one request line in, one response line out,
 * through a method table (daemon/CONTROL-API.md). */
#ifndef ENAD_RPC_H
#define ENAD_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define RPC_API_VERSION 1
#define RPC_LINE_MAX 65536   /* bytes in one request line, without its "\n" (or "\r\n") */
#define RPC_DEPTH_MAX 8      /* JSON nesting a request may use (ours need 3) */
#define RPC_SHOW_MAX 64      /* bytes of a client's value quoted back in an error */

/* Error codes: stable, part of the protocol. */
enum rpc_code {
	RPC_PARSE_ERROR = -32700,       /* not JSON */
	RPC_INVALID_REQUEST = -32600,   /* not a request object, line too long, batch */
	RPC_METHOD_NOT_FOUND = -32601,
	RPC_INVALID_PARAMS = -32602,    /* data: field, value, allowed */
	RPC_INTERNAL_ERROR = -32603,
	RPC_PERMISSION_DENIED = -32001, /* data: required ("read" | "admin") */
	RPC_NO_DEVICE = -32002,         /* data: devices */
	RPC_BUSY = -32003,              /* data: state */
	RPC_FAILED = -32004,            /* data: rolled_back, reset */
	RPC_TOO_MANY_CLIENTS = -32005,  /* sent by the transport, then it closes */
};

/* What a connection may do (decided by the transport from the peer's credentials). */
enum rpc_access {
	RPC_ACCESS_NONE,  /* nothing: every method is denied */
	RPC_ACCESS_READ,  /* methods without needs_admin */
	RPC_ACCESS_ADMIN, /* every method */
};

/* One call as a method sees it. */
struct rpc_call {
	const char *method;
	json_object *params;     /* the request's params: always an object (empty when absent) */
	void *userdata;          /* the dispatch table's */
	void *conn;              /* the transport's per-connection pointer (may be NULL) */
	/* out: success */
	json_object *result;     /* owned by the call; NULL answers {} */
	bool subscribe;          /* the connection is to receive events ... */
	unsigned int events;     /* ... of these kinds (bit per kind), after the response, */
	char device[16];         /* ... of this port only ("" = every port) */
	/* out: failure (rpc_fail*) */
	int code;                /* 0 while no error */
	char message[512];
	json_object *data;       /* owned by the call; may be NULL */
};

/* A method: 0 on success (call->result), < 0 after rpc_fail*(). */
typedef int (*rpc_method_fn)(struct rpc_call *call);

struct rpc_method {
	const char *name;   /* "rings.set" */
	bool needs_admin;   /* mutating: RPC_ACCESS_ADMIN required */
	rpc_method_fn fn;
};

struct rpc_dispatch {
	const struct rpc_method *methods;
	size_t n_methods;
	void *userdata;     /* given to every call */
};

/* The outcome of one line. */
struct rpc_reply {
	char *text;           /* response line ending in "\n" (malloc'ed), NULL for a notification */
	size_t len;           /* strlen(text) */
	bool subscribe;       /* subscribe the connection (after sending text) ... */
	unsigned int events;  /* ... to these event kinds ... */
	char device[16];      /* ... of this port ("" = every port) */
	/* for the transport's log */
	int code;             /* 0, or the error code answered */
	char method[32];      /* the method called ("" when the envelope was invalid), cut */
	bool mutating;        /* the method needs admin access */
};

/**
 * rpc_handle() - run one request line.
 * @d: the method table.
 * @line: the line without its "\n" (a trailing "\r" is ignored); need not be
 *   NUL-terminated; at most RPC_LINE_MAX bytes (longer is answered -32600).
 * @len: bytes in @line.
 * @access: what the peer may do.
 * @conn: passed to the method as call->conn.
 * @ret: the reply; free with rpc_reply_free(). Untouched on failure.
 *
 * Parses the line (strict JSON, UTF-8, depth RPC_DEPTH_MAX), validates the
 * envelope, finds the method, checks @access, calls it and builds the
 * response or error object. A request without "id" is a notification: it is
 * run and ret->text is NULL (unless the envelope itself was invalid).
 * Return: 0, or -ENOMEM.
 */
int rpc_handle(const struct rpc_dispatch *d, const char *line, size_t len, enum rpc_access access,
	       void *conn, struct rpc_reply *ret);

/** rpc_reply_free() - free ret->text and zero @r. NULL is fine. */
void rpc_reply_free(struct rpc_reply *r);

/**
 * rpc_error_line() - an error response with id null, for errors the
 * transport finds itself (line too long, too many clients).
 * @data: taken over (may be NULL).
 * Return: the line ending in "\n" (malloc'ed), or NULL when out of memory.
 */
char *rpc_error_line(int code, json_object *data, const char *message);

/**
 * rpc_notification_line() - {"jsonrpc":"2.0","method":@method,"params":@params}.
 * @params: taken over.
 * Return: the line ending in "\n" (malloc'ed), or NULL when out of memory.
 */
char *rpc_notification_line(const char *method, json_object *params);

/**
 * rpc_fail() - record an error on @call.
 * @data: taken over (may be NULL).
 * Return: -EINVAL, so that a method can "return rpc_fail(...)".
 */
int rpc_fail(struct rpc_call *call, int code, json_object *data, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/**
 * rpc_fail_param() - record RPC_INVALID_PARAMS with data {field, value, allowed}.
 * @field: the parameter ("rx", "indir[3]"); NULL for the params as a whole.
 * @value: the offending value as text (NULL: no value); shown at most RPC_SHOW_MAX bytes.
 * @allowed: what would be accepted (NULL: not stated).
 * @fmt: the reason; the message is "@field: reason (allowed: @allowed)", each part
 *   only when given.
 * Return: -EINVAL.
 */
int rpc_fail_param(struct rpc_call *call, const char *field, const char *value,
		   const char *allowed, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/**
 * rpc_param_data() - {"field":..,"value":..,"allowed":..} as rpc_fail_param() builds
 * it (NULL arguments become JSON null), for errors whose message is already written.
 * Return: a new object, or NULL when out of memory.
 */
json_object *rpc_param_data(const char *field, const char *value, const char *allowed);

/**
 * rpc_show() - a client's value as text for messages: strings as they are,
 * anything else as compact JSON; control characters become '?', cut to
 * RPC_SHOW_MAX bytes with "...".
 * @buf: at least RPC_SHOW_MAX + 4 bytes.
 */
void rpc_show(json_object *v, char *buf, size_t len);

/** rpc_code_name() - "parse_error", "invalid_params", ...; NULL for an unknown code. */
const char *rpc_code_name(int code);

#endif
