/* SPDX-License-Identifier: MIT */
/* enactl's one print layer: JSON for -j, text rendered from the same JSON. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

#define JSON_FLAGS_PRETTY \
	(JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)
#define JSON_FLAGS_PLAIN (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
#define LABEL_COLUMN 24 /* where print_fields() values start, in tab stops of 8 */

void print_result(const struct enactl *e, struct json_object *result, print_render_fn render)
{
	if (e->json)
		print_json(e->out, result);
	else
		render(e, result);
}

void print_json(FILE *f, struct json_object *v)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(v, JSON_FLAGS_PRETTY));
}

void print_json_line(FILE *f, struct json_object *v)
{
	fprintf(f, "%s\n", json_object_to_json_string_ext(v, JSON_FLAGS_PLAIN));
}

bool print_lookup(struct json_object *obj, const char *path, struct json_object **ret)
{
	struct json_object *cur = obj;
	const char *p = path;

	for (;;) {
		size_t n = strcspn(p, ".");
		char name[128];

		if (n == 0 || n >= sizeof(name))
			return false;
		memcpy(name, p, n);
		name[n] = '\0';
		if (json_object_is_type(cur, json_type_object)) {
			if (!json_object_object_get_ex(cur, name, &cur))
				return false;
		} else if (json_object_is_type(cur, json_type_array)) {
			char *end;
			unsigned long i;

			if (!isdigit((unsigned char)name[0]))
				return false;
			errno = 0;
			i = strtoul(name, &end, 10);
			if (*end || errno || i >= json_object_array_length(cur))
				return false;
			cur = json_object_array_get_idx(cur, i);
		} else {
			return false;
		}
		if (!p[n])
			break;
		p += n + 1;
	}
	*ret = cur;
	return true;
}

void print_string(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

void print_value(FILE *f, struct json_object *v, enum print_fmt fmt)
{
	static const char *const words[][2] = {
		[PRINT_PLAIN] = { "off", "on" },
		[PRINT_YESNO] = { "no", "yes" },
		[PRINT_UPDOWN] = { "down", "up" },
	};
	size_t i;

	switch (json_object_get_type(v)) {
	case json_type_null:
		fputs("n/a", f);
		break;
	case json_type_boolean:
		fputs(words[fmt][json_object_get_boolean(v) ? 1 : 0], f);
		break;
	case json_type_string:
		print_string(f, json_object_get_string(v));
		break;
	case json_type_array:
		for (i = 0; i < json_object_array_length(v); i++) {
			if (i)
				fputc(' ', f);
			print_value(f, json_object_array_get_idx(v, i), fmt);
		}
		break;
	default: /* numbers exactly as JSON has them; objects compact */
		print_string(f, json_object_to_json_string_ext(v, JSON_FLAGS_PLAIN));
		break;
	}
}

void print_fields(FILE *f, struct json_object *obj, const struct print_field *fields, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct json_object *v = NULL;
		size_t col = strlen(fields[i].label) + 1;

		fprintf(f, "%s:", fields[i].label);
		do {
			fputc('\t', f);
			col = (col / 8 + 1) * 8;
		} while (col < LABEL_COLUMN);
		if (print_lookup(obj, fields[i].path, &v))
			print_value(f, v, fields[i].fmt);
		else
			fputs("n/a", f);
		fputc('\n', f);
	}
}

void print_counters(FILE *f, const char *prefix, struct json_object *obj)
{
	if (!json_object_is_type(obj, json_type_object))
		return;
	json_object_object_foreach(obj, name, v) {
		if (json_object_is_type(v, json_type_object)) {
			size_t len = strlen(prefix) + strlen(name) + 2;
			char *sub = malloc(len);

			if (!sub)
				continue;
			snprintf(sub, len, "%s%s_", prefix, name);
			print_counters(f, sub, v);
			free(sub);
			continue;
		}
		fputs("     ", f);
		print_string(f, prefix);
		print_string(f, name);
		fputs(": ", f);
		print_value(f, v, PRINT_PLAIN);
		fputc('\n', f);
	}
}

void print_hex_colon(FILE *f, const char *hex)
{
	size_t i, digits = 0;

	for (i = 0; hex[i]; i++) {
		if (isxdigit((unsigned char)hex[i]))
			digits++;
		else if (hex[i] != ':')
			break;
	}
	if (hex[i] || digits == 0 || digits % 2) {
		print_string(f, hex);
		return;
	}
	for (i = 0, digits = 0; hex[i]; i++) {
		if (hex[i] == ':')
			continue;
		if (digits && digits % 2 == 0)
			fputc(':', f);
		fputc(tolower((unsigned char)hex[i]), f);
		digits++;
	}
}

/* The string member @key of @data, or NULL. */
static const char *data_string(struct json_object *data, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

/* Append " (<label>: <value>)" unless the message already says <value>. */
static void error_detail(FILE *f, const char *msg, const char *label, const char *value)
{
	if (!value || !value[0] || strstr(msg, value))
		return;
	fprintf(f, " (%s: ", label);
	print_string(f, value);
	fputc(')', f);
}

void print_daemon_error(FILE *f, struct json_object *error)
{
	struct json_object *data = NULL, *v;
	const char *msg = "", *field;

	if (json_object_object_get_ex(error, "message", &v) && json_object_is_type(v, json_type_string))
		msg = json_object_get_string(v);
	if (!json_object_object_get_ex(error, "data", &data) ||
	    !json_object_is_type(data, json_type_object))
		data = NULL;

	fputs("enactl: ", f);
	field = data_string(data, "field");
	if (field && field[0] && !strstr(msg, field)) {
		print_string(f, field);
		fputs(": ", f);
	}
	print_string(f, msg[0] ? msg : "enad reported an error without a message");
	if (data) {
		/* A message that names the field says what was wrong with the value. */
		if (!field || !strstr(msg, field))
			error_detail(f, msg, "value", data_string(data, "value"));
		error_detail(f, msg, "allowed", data_string(data, "allowed"));
		error_detail(f, msg, "state", data_string(data, "state"));
		error_detail(f, msg, "needs", data_string(data, "required"));
		if (json_object_object_get_ex(data, "devices", &v) &&
		    json_object_is_type(v, json_type_array) && json_object_array_length(v) > 0) {
			fputs(" (ports: ", f);
			print_value(f, v, PRINT_PLAIN);
			fputc(')', f);
		}
		/* enad's message usually says it already ("rolled back ..."). */
		if (json_object_object_get_ex(data, "rolled_back", &v) &&
		    json_object_is_type(v, json_type_boolean) && !strstr(msg, "roll"))
			fputs(json_object_get_boolean(v) ? "; the previous configuration runs again"
							 : "; the previous configuration could not be restored",
			      f);
		if (json_object_object_get_ex(data, "reset", &v) &&
		    json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v) &&
		    !strstr(msg, "reset"))
			fputs("; the port is resetting", f);
	}
	fputc('\n', f);
}
