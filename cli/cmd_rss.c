/* SPDX-License-Identifier: MIT */
/* enactl rss: the indirection table, key and hash function like ethtool -x
 * (rss.get), and changes to them like ethtool -X (rss.set). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "enactl.h"
#include "print.h"

#define INDIR_PER_ROW 8

static void render(const struct enactl *e, struct json_object *r)
{
	static const char *const hfuncs_default[] = { "toeplitz", "crc32" };
	struct json_object *v = NULL, *indir = NULL, *hfuncs = NULL;
	const char *hfunc = NULL;
	FILE *f = e->out;
	size_t i, n;

	fputs("RX flow hash indirection table for ", f);
	if (json_object_object_get_ex(r, "device", &v) && json_object_is_type(v, json_type_string))
		print_string(f, json_object_get_string(v));
	else
		fputs(e->iface ? e->iface : "the port", f);
	if (json_object_object_get_ex(r, "queues", &v) && json_object_is_type(v, json_type_int))
		fprintf(f, " with %lld RX ring(s)", (long long)json_object_get_int64(v));
	fputs(":\n", f);
	if (!json_object_object_get_ex(r, "indir", &indir) ||
	    !json_object_is_type(indir, json_type_array) || json_object_array_length(indir) == 0) {
		fputs("Operation not supported\n", f);
		indir = NULL;
	}
	n = indir ? json_object_array_length(indir) : 0;
	for (i = 0; i < n; i++) {
		struct json_object *q = json_object_array_get_idx(indir, i);

		if (i % INDIR_PER_ROW == 0)
			fprintf(f, "%5zu: ", i);
		if (json_object_is_type(q, json_type_int))
			fprintf(f, " %5lld", (long long)json_object_get_int64(q));
		else
			fprintf(f, " %5s", "?");
		if (i % INDIR_PER_ROW == INDIR_PER_ROW - 1 || i == n - 1)
			fputc('\n', f);
	}

	fputs("RSS hash key:\n", f);
	if (json_object_object_get_ex(r, "key", &v) && json_object_is_type(v, json_type_string) &&
	    json_object_get_string_len(v) > 0)
		print_hex_colon(f, json_object_get_string(v));
	else
		fputs("Operation not supported", f);
	fputc('\n', f);

	fputs("RSS hash function:\n", f);
	if (json_object_object_get_ex(r, "hfunc", &v) && json_object_is_type(v, json_type_string))
		hfunc = json_object_get_string(v);
	if (!json_object_object_get_ex(r, "hfuncs", &hfuncs) ||
	    !json_object_is_type(hfuncs, json_type_array))
		hfuncs = NULL;
	n = hfuncs ? json_object_array_length(hfuncs) : sizeof(hfuncs_default) / sizeof(hfuncs_default[0]);
	for (i = 0; i < n; i++) {
		const char *name = hfuncs ? json_object_get_string(json_object_array_get_idx(hfuncs, i))
					  : hfuncs_default[i];

		if (!name)
			continue;
		fputs("    ", f);
		print_string(f, name);
		fprintf(f, ": %s\n", hfunc && strcmp(hfunc, name) == 0 ? "on" : "off");
	}
}

static int rss_show(struct enactl *e)
{
	struct json_object *params = enactl_params(e), *result = NULL;
	int r = enactl_call(e, "rss.get", params, &result);

	json_object_put(params);
	if (r == ENACTL_OK)
		print_result(e, result, render);
	json_object_put(result);
	return r;
}

/* "E:Q" with two strict numbers. */
static int parse_pair(struct enactl *e, const char *tok)
{
	const char *colon = strchr(tok, ':');
	char entry[24];
	uint64_t v;
	size_t n = colon ? (size_t)(colon - tok) : 0;

	if (!colon || n == 0 || n >= sizeof(entry) || strchr(colon + 1, ':'))
		return enactl_usage(e, "rss indir: '%s' is not ENTRY:QUEUE (allowed: pairs like 0:5)", tok);
	memcpy(entry, tok, n);
	entry[n] = '\0';
	if (enactl_parse_uint(e, "rss indir entry", entry, &v) != ENACTL_OK ||
	    enactl_parse_uint(e, "rss indir queue", colon + 1, &v) != ENACTL_OK)
		return ENACTL_USAGE;
	return ENACTL_OK;
}

/* The numbers @argv[0..argc-1] as a JSON array, or NULL after a usage message. */
static struct json_object *uint_array(struct enactl *e, const char *what, int argc, char **argv)
{
	struct json_object *a = json_object_new_array();
	int i;

	for (i = 0; a && i < argc; i++) {
		uint64_t v;

		if (enactl_parse_uint(e, what, argv[i], &v) != ENACTL_OK) {
			json_object_put(a);
			return NULL;
		}
		json_object_array_add(a, json_object_new_int64((int64_t)v));
	}
	return a;
}

/* rss indir E:Q ... | Q0 Q1 ... | equal N | weight W0 W1 ... -> params. */
static int indir_params(struct enactl *e, int argc, char **argv, struct json_object *params)
{
	struct json_object *v, *table;
	char *joined = NULL, *pairs = NULL, *tok, *save;
	size_t len = 0, plen = 0;
	int i, npairs = 0, nplain = 0, r = ENACTL_OK;
	FILE *m, *pm;

	if (strcmp(argv[0], "equal") == 0) {
		uint64_t n;

		if (argc != 2)
			return enactl_usage(e, "rss indir equal takes one number (rss indir equal N)");
		if (enactl_parse_uint(e, "rss indir equal", argv[1], &n) != ENACTL_OK)
			return ENACTL_USAGE;
		json_object_object_add(params, "equal", json_object_new_int64((int64_t)n));
		return ENACTL_OK;
	}
	if (strcmp(argv[0], "weight") == 0) {
		if (argc < 2)
			return enactl_usage(e, "rss indir weight needs a weight per queue (rss indir weight W0 W1 ...)");
		v = uint_array(e, "rss indir weight", argc - 1, argv + 1);
		if (!v)
			return ENACTL_USAGE;
		json_object_object_add(params, "weight", v);
		return ENACTL_OK;
	}
	/* Pairs or a whole table; an argument may hold several, space separated
	 * (FreeBSD's sysctl dev.ena.0.rss.indir_table="0:1 5:0"). */
	m = open_memstream(&joined, &len);
	if (!m)
		return enactl_fail(e, "out of memory");
	for (i = 0; i < argc; i++)
		fprintf(m, "%s%s", i ? " " : "", argv[i]);
	if (fclose(m) != 0) {
		free(joined);
		return enactl_fail(e, "out of memory");
	}
	pm = open_memstream(&pairs, &plen);
	table = json_object_new_array();
	if (!pm || !table)
		r = enactl_fail(e, "out of memory");
	for (tok = strtok_r(joined, " \t", &save); tok && r == ENACTL_OK;
	     tok = strtok_r(NULL, " \t", &save)) {
		uint64_t q;

		if (strchr(tok, ':')) {
			r = parse_pair(e, tok);
			fprintf(pm, "%s%s", npairs++ ? " " : "", tok);
		} else {
			r = enactl_parse_uint(e, "rss indir queue", tok, &q);
			if (r == ENACTL_OK)
				json_object_array_add(table, json_object_new_int64((int64_t)q));
			nplain++;
		}
	}
	if (pm && fclose(pm) != 0 && r == ENACTL_OK)
		r = enactl_fail(e, "out of memory");
	if (r == ENACTL_OK && npairs && nplain)
		r = enactl_usage(e, "rss indir: give ENTRY:QUEUE pairs or one queue per entry, not both");
	else if (r == ENACTL_OK && !npairs && !nplain)
		r = enactl_usage(e, "rss indir needs entries (rss indir 0:5 5:0 | equal N | weight W...)");
	if (r == ENACTL_OK && npairs) {
		json_object_object_add(params, "indir_pairs", json_object_new_string(pairs));
	} else if (r == ENACTL_OK) {
		json_object_object_add(params, "indir", table);
		table = NULL;
	}
	json_object_put(table);
	free(pairs);
	free(joined);
	return r;
}

static void render_nothing(const struct enactl *e, struct json_object *result)
{
	/* Like ethtool -X: a change that worked says nothing. */
}

static int rss_set(struct enactl *e, int argc, char **argv)
{
	struct json_object *params = enactl_params(e), *result = NULL;
	const char *sub = argv[0];
	int r = ENACTL_OK;

	if (!params)
		return enactl_fail(e, "out of memory");
	if (strcmp(sub, "indir") == 0) {
		r = argc < 2 ? enactl_usage(e, "rss indir needs entries (rss indir 0:5 5:0 | equal N | weight W...)")
			     : indir_params(e, argc - 1, argv + 1, params);
	} else if (strcmp(sub, "key") == 0) {
		if (argc != 2)
			r = enactl_usage(e, "rss key takes one argument (rss key HEX)");
		else if (!argv[1][0] || strspn(argv[1], "0123456789abcdefABCDEF:") != strlen(argv[1]))
			r = enactl_usage(e, "rss key: '%s' is not hex (allowed: 80 hex digits, ':' between bytes allowed)",
					 argv[1]);
		else
			json_object_object_add(params, "key", json_object_new_string(argv[1]));
	} else if (strcmp(sub, "hfunc") == 0) {
		if (argc != 2)
			r = enactl_usage(e, "rss hfunc takes one argument (rss hfunc toeplitz|crc32)");
		else if (!argv[1][0] || strlen(argv[1]) > 32 ||
			 strspn(argv[1], "abcdefghijklmnopqrstuvwxyz0123456789") != strlen(argv[1]))
			r = enactl_usage(e, "rss hfunc: '%s' is not a hash function name (allowed: toeplitz, crc32)",
					 argv[1]);
		else
			json_object_object_add(params, "hfunc", json_object_new_string(argv[1]));
	} else {
		r = enactl_usage(e, "rss: '%s' is not a subcommand (allowed: show, indir, key, hfunc)", sub);
	}
	if (r == ENACTL_OK) {
		r = enactl_call(e, "rss.set", params, &result);
		if (r == ENACTL_OK)
			print_result(e, result, render_nothing);
	}
	json_object_put(result);
	json_object_put(params);
	return r;
}

int cmd_rss(struct enactl *e, int argc, char **argv)
{
	if (argc == 1 || strcmp(argv[1], "show") == 0) {
		if (argc > 2)
			return enactl_usage(e, "rss show takes no arguments");
		return rss_show(e);
	}
	return rss_set(e, argc - 1, argv + 1);
}
