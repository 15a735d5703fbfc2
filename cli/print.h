/* SPDX-License-Identifier: MIT */
/* enactl's one print layer: -j prints the daemon's JSON result, text is
 * rendered from that same JSON, so the two can never disagree. Fields the
 * daemon adds later are tolerated; fields it leaves out print as "n/a". */
#ifndef ENACTL_PRINT_H
#define ENACTL_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

struct enactl;

/* How a value is spelled in text. */
enum print_fmt {
	PRINT_PLAIN,  /* booleans on|off (what `set` takes back) */
	PRINT_YESNO,  /* booleans yes|no */
	PRINT_UPDOWN, /* booleans up|down */
};

/* One "Label:<tabs>value" line of a section: the value at @path. */
struct print_field {
	const char *label;
	const char *path;     /* dotted path into the object: "rings.rx_max" */
	enum print_fmt fmt;
};

/* Text rendering of one command's result. */
typedef void (*print_render_fn)(const struct enactl *e, struct json_object *result);

/**
 * print_result() - print @result (may be NULL: JSON null) to e->out as
 * pretty JSON with -j, else through @render.
 */
void print_result(const struct enactl *e, struct json_object *result, print_render_fn render);

/**
 * print_daemon_error() - one stderr line for a JSON-RPC error object: "enactl: "
 * and the message, plus what error.data adds that the message does not say
 * (field, allowed values, the ports, the state, whether a change was rolled back).
 */
void print_daemon_error(FILE *f, struct json_object *error);

/** print_json() - @v as pretty JSON and a newline (JSON null for NULL). */
void print_json(FILE *f, struct json_object *v);

/** print_json_line() - @v as compact JSON on one line (event streams). */
void print_json_line(FILE *f, struct json_object *v);

/**
 * print_lookup() - find the value at a dotted @path ("llq.large_header";
 * a numeric component indexes an array).
 * @ret: the value (borrowed; NULL for JSON null); untouched when not found.
 * Return: true when the path exists.
 */
bool print_lookup(struct json_object *obj, const char *path, struct json_object **ret);

/**
 * print_value() - the text form of @v: strings as they are (control
 * characters escaped, so a hostile daemon cannot drive the terminal),
 * numbers as JSON writes them, booleans per @fmt, null as "n/a", arrays
 * space separated, objects as compact JSON.
 */
void print_value(FILE *f, struct json_object *v, enum print_fmt fmt);

/** print_string() - @s with control characters and DEL escaped as \xNN. */
void print_string(FILE *f, const char *s);

/** print_fields() - one aligned "Label:\tvalue" line per field of @obj. */
void print_fields(FILE *f, struct json_object *obj, const struct print_field *fields, size_t n);

/**
 * print_counters() - ethtool -S lines, "     <prefix><name>: <value>", for
 * every member of @obj; nested objects add "<name>_" to the prefix.
 */
void print_counters(FILE *f, const char *prefix, struct json_object *obj);

/**
 * print_hex_colon() - a hex string as colon-separated bytes ("6d:5a:...").
 * Anything that is not an even run of hex digits (colons ignored) prints as it is.
 */
void print_hex_colon(FILE *f, const char *hex);

#endif
