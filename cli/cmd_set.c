/* SPDX-License-Identifier: MIT */
/* enactl set WORD VALUE ...: each CLI word is a parameter of one control-API
 * method; words of one method go in one call, the calls run in the order
 * their methods first appear. Values are checked for syntax here, for range
 * by enad (whose parameter table says what is allowed). */
#include <string.h>

#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

enum set_type {
	SET_UINT, /* decimal number */
	SET_BOOL, /* on|off */
	SET_WORD, /* a word enad checks */
	SET_CPUS, /* a CPU list enad checks: digits, '-' and ',' */
};

static const struct set_word {
	const char *word;   /* on the command line: "rx-queue-size" */
	const char *method; /* "rings.set" */
	const char *param;  /* its parameter: "rx" */
	enum set_type type;
	const char *value;  /* the value's syntax, for help */
	const char *help;
} set_words[] = {
	{ "rx-queue-size", "rings.set", "rx", SET_UINT, "N", "RX ring size (ethtool -G rx)" },
	{ "tx-queue-size", "rings.set", "tx", SET_UINT, "N", "TX ring size (ethtool -G tx)" },
	{ "large-llq-header", "rings.set", "large_llq_header", SET_BOOL, "on|off",
	  "large LLQ headers; halves the TX maximum, resets the device" },
	{ "queues", "channels.set", "combined", SET_UINT, "N", "queue pairs (ethtool -L combined)" },
	{ "cpus", "channels.set", "cpus", SET_CPUS, "LIST", "CPUs the queue workers run on: 0-3,6" },
	{ "pin-workers", "channels.set", "pin_workers", SET_BOOL, "on|off",
	  "pin each worker to one of the cpus (on) or let it use all of them (off)" },
	{ "mtu", "mtu.set", "mtu", SET_UINT, "N", "MTU" },
	{ "rx-usecs", "coalesce.set", "rx_usecs", SET_UINT, "N", "RX interrupt delay (ethtool -C rx-usecs)" },
	{ "tx-usecs", "coalesce.set", "tx_usecs", SET_UINT, "N", "TX interrupt delay (ethtool -C tx-usecs)" },
	{ "adaptive-rx", "coalesce.set", "adaptive_rx", SET_BOOL, "on|off",
	  "adaptive RX interrupt moderation (ethtool -C adaptive-rx)" },
	{ "eni-interval", "eni.set_interval", "interval", SET_UINT, "S",
	  "ENI metrics sampling interval in seconds, 0 = off" },
	{ "log-level", "log.set_level", "level", SET_WORD, "err|warn|info|debug",
	  "log level of the port, or of enad without -i" },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* One method call and the words that went into it. */
struct set_call {
	const char *method;
	struct json_object *params;
	char words[256]; /* "rx-queue-size 2048 tx-queue-size 2048", for messages */
};

static const struct set_word *set_word_find(const char *word)
{
	size_t i;

	for (i = 0; i < N(set_words); i++)
		if (strcmp(set_words[i].word, word) == 0)
			return &set_words[i];
	return NULL;
}

static int unknown_word(struct enactl *e, const char *word)
{
	char allowed[512] = "";
	size_t i;

	for (i = 0; i < N(set_words); i++)
		snprintf(allowed + strlen(allowed), sizeof(allowed) - strlen(allowed), "%s%s",
			 i ? ", " : "", set_words[i].word);
	return enactl_usage(e, "set: '%s' is not a setting (allowed: %s)", word, allowed);
}

/* The JSON value of @text for @w, or NULL after a usage message. */
static struct json_object *set_value(struct enactl *e, const struct set_word *w, const char *text)
{
	uint64_t n;
	bool b;

	switch (w->type) {
	case SET_UINT:
		if (enactl_parse_uint(e, w->word, text, &n) != ENACTL_OK)
			return NULL;
		return json_object_new_int64((int64_t)n);
	case SET_BOOL:
		if (enactl_parse_bool(e, w->word, text, &b) != ENACTL_OK)
			return NULL;
		return json_object_new_boolean(b);
	case SET_WORD:
		if (!text[0] || strlen(text) > 32 || strspn(text, "abcdefghijklmnopqrstuvwxyz") != strlen(text)) {
			enactl_usage(e, "%s: '%s' is not a word (allowed: %s)", w->word, text, w->value);
			return NULL;
		}
		return json_object_new_string(text);
	case SET_CPUS:
		if (!text[0] || strlen(text) > 255 || strspn(text, "0123456789-,") != strlen(text)) {
			enactl_usage(e, "%s: '%.40s' is not a CPU list (allowed: numbers and ranges, "
				     "such as 0-3,6)", w->word, text);
			return NULL;
		}
		return json_object_new_string(text);
	}
	return NULL;
}

/* Group the pairs of argv into calls. Return: number of calls, or -1 after a usage message. */
static int set_build(struct enactl *e, int argc, char **argv, struct set_call *calls)
{
	int i, ncalls = 0;

	if ((argc - 1) % 2)
		return enactl_usage(e, "set: '%s' needs a value", argv[argc - 1]), -1;
	for (i = 1; i < argc; i += 2) {
		const struct set_word *w = set_word_find(argv[i]);
		struct json_object *v;
		struct set_call *c = NULL;
		int k;

		if (!w)
			return unknown_word(e, argv[i]), -1;
		for (k = 1; k < i; k += 2)
			if (strcmp(argv[k], argv[i]) == 0)
				return enactl_usage(e, "set: '%s' is given twice", argv[i]), -1;
		v = set_value(e, w, argv[i + 1]);
		if (!v)
			return -1;
		for (k = 0; k < ncalls; k++)
			if (strcmp(calls[k].method, w->method) == 0)
				c = &calls[k];
		if (!c) {
			c = &calls[ncalls++];
			c->method = w->method;
			c->params = enactl_params(e);
			if (!c->params) {
				json_object_put(v);
				return enactl_fail(e, "out of memory"), -1;
			}
		}
		json_object_object_add(c->params, w->param, v);
		snprintf(c->words + strlen(c->words), sizeof(c->words) - strlen(c->words), "%s%s %.40s",
			 c->words[0] ? " " : "", w->word, argv[i + 1]);
	}
	return ncalls;
}

static void render_nothing(const struct enactl *e, struct json_object *result)
{
	/* Like ethtool -G/-L/-C: a change that worked says nothing. */
}

int cmd_set(struct enactl *e, int argc, char **argv)
{
	struct set_call calls[N(set_words)] = { 0 };
	int ncalls = set_build(e, argc, argv, calls);
	int i, r = ncalls < 0 ? ENACTL_USAGE : ENACTL_OK;

	for (i = 0; i < ncalls && r == ENACTL_OK; i++) {
		struct json_object *result = NULL;

		r = enactl_call(e, calls[i].method, calls[i].params, &result);
		if (r == ENACTL_OK)
			print_result(e, result, render_nothing);
		else if (i > 0) {
			int k;

			fputs("enactl: these were applied before:", e->err);
			for (k = 0; k < i; k++)
				fprintf(e->err, "%s %s", k ? "," : "", calls[k].words);
			fputc('\n', e->err);
		}
		json_object_put(result);
	}
	for (i = 0; i < (int)N(set_words); i++)
		json_object_put(calls[i].params);
	return r;
}

void cmd_set_help(FILE *f)
{
	size_t i;

	fputs("\nWORD VALUE pairs for one method go to enad in one call; the calls run\n"
	      "in the order their first word appears. WORD VALUE:\n", f);
	for (i = 0; i < N(set_words); i++) {
		char head[48];

		snprintf(head, sizeof(head), "%s %s", set_words[i].word, set_words[i].value);
		fprintf(f, "  %s\n      %s (%s %s)\n", head, set_words[i].help,
			set_words[i].method, set_words[i].param);
	}
	fputs("\nenad checks the ranges; an error names the field and what is allowed.\n", f);
}
