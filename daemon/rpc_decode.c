/* SPDX-License-Identifier: MIT */
/* Control-API parameters checked by JSON type, then parsed by the knob table. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rpc_decode.h"

static const char *const event_names[] = {
	[PORT_EVENT_STATE] = "state", [PORT_EVENT_LINK] = "link", [PORT_EVENT_RESET] = "reset",
	[PORT_EVENT_CONFIG] = "config", [PORT_EVENT_ENI] = "eni",
};

#define EVENT_WORDS "state, link, reset, config, eni"
#define IFNAME_ALLOWED "an interface name: 1..15 bytes, no '/', ':' or whitespace"
#define INDIR_WORDS "indir, indir_pairs, equal, weight"

/* Words a set method takes beyond the table's knobs of its group: each
 * becomes a value of PARAM_RSS_INDIR. */
static const char *const rss_indir_words[] = { "indir", "indir_pairs", "equal", "weight", NULL };

const char *rpc_event_name(unsigned int kind)
{
	return kind < sizeof(event_names) / sizeof(event_names[0]) ? event_names[kind] : NULL;
}

static bool word_in(const char *word, const char *const *words)
{
	for (; words && *words; words++)
		if (strcmp(word, *words) == 0)
			return true;
	return false;
}

/* A JSON type for messages: "string", "double" (a number with a fraction), ... */
static const char *type_name(json_object *v)
{
	return v ? json_type_to_name(json_object_get_type(v)) : "null";
}

/* A JSON string without NUL bytes, or NULL. */
static const char *plain_string(json_object *v)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

int rpc_params_only(struct rpc_call *call, bool with_device, const char *const *names)
{
	json_object_object_foreach(call->params, key, val) {
		char allowed[256];
		size_t pos = 0;

		(void)val;
		if ((with_device && strcmp(key, "device") == 0) || word_in(key, names))
			continue;
		allowed[0] = '\0';
		if (with_device)
			pos += (size_t)snprintf(allowed, sizeof(allowed), "device");
		for (const char *const *n = names; n && *n && pos < sizeof(allowed); n++)
			pos += (size_t)snprintf(allowed + pos, sizeof(allowed) - pos, "%s%s",
						pos ? ", " : "", *n);
		return rpc_fail_param(call, key, NULL, allowed[0] ? allowed : "no parameters",
				      "unknown parameter");
	}
	return 0;
}

int rpc_param_device(struct rpc_call *call, const char **ret)
{
	json_object *v;
	const char *s;
	char shown[RPC_SHOW_MAX + 4];

	if (!json_object_object_get_ex(call->params, "device", &v)) {
		*ret = NULL;
		return 0;
	}
	s = plain_string(v);
	rpc_show(v, shown, sizeof(shown));
	if (!s)
		return rpc_fail_param(call, "device", shown, IFNAME_ALLOWED,
				      "expected a string, got %s", type_name(v));
	if (!param_ifname_valid(s))
		return rpc_fail_param(call, "device", shown, IFNAME_ALLOWED,
				      "\"%s\" is not an interface name", shown);
	*ret = s;
	return 0;
}

int rpc_param_bool(struct rpc_call *call, const char *name, bool *ret)
{
	json_object *v;
	char shown[RPC_SHOW_MAX + 4];

	if (!json_object_object_get_ex(call->params, name, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		rpc_show(v, shown, sizeof(shown));
		return rpc_fail_param(call, name, shown, "true|false", "expected a boolean, got %s",
				      type_name(v));
	}
	*ret = json_object_get_boolean(v);
	return 1;
}

/* An integer in [lo, hi]; anything else names @field. */
static int json_int(struct rpc_call *call, const char *field, json_object *v, int64_t lo,
		    int64_t hi, const char *allowed, int64_t *ret)
{
	char shown[RPC_SHOW_MAX + 4];
	int64_t i;

	rpc_show(v, shown, sizeof(shown));
	if (!json_object_is_type(v, json_type_int))
		return rpc_fail_param(call, field, shown, allowed, "expected an integer, got %s",
				      type_name(v));
	/* json-c saturates what does not fit 64 bits; saturated values are out of range too. */
	i = json_object_get_int64(v);
	if (i < lo || i > hi || (i == INT64_MAX && json_object_get_uint64(v) != (uint64_t)INT64_MAX))
		return rpc_fail_param(call, field, shown, allowed, "%s is out of range", shown);
	*ret = i;
	return 0;
}

int rpc_decode_value(struct rpc_call *call, const struct param *p, const char *field,
		     json_object *v, union param_value *ret)
{
	char allowed[160], shown[RPC_SHOW_MAX + 4], num[32];
	struct param_error perr;
	union param_value val;
	const char *text;

	param_allowed(p, allowed, sizeof(allowed));
	rpc_show(v, shown, sizeof(shown));
	switch (p->type) {
	case PARAM_T_INT:
		/* Text of the integer as the client wrote it; param_parse() checks the range. */
		if (!json_object_is_type(v, json_type_int))
			return rpc_fail_param(call, field, shown, allowed,
					      "expected an integer, got %s", type_name(v));
		if (json_object_get_int64(v) == INT64_MAX)
			snprintf(num, sizeof(num), "%" PRIu64, json_object_get_uint64(v));
		else
			snprintf(num, sizeof(num), "%" PRId64, json_object_get_int64(v));
		text = num;
		break;
	case PARAM_T_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return rpc_fail_param(call, field, shown, "true|false",
					      "expected a boolean, got %s", type_name(v));
		text = json_object_get_boolean(v) ? "on" : "off";
		break;
	case PARAM_T_INDIR:
		return rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "%s: decoded by rpc_decode_set", field);
	default:
		text = plain_string(v);
		if (!text)
			return rpc_fail_param(call, field, shown, allowed,
					      json_object_is_type(v, json_type_string)
						      ? "the string contains a NUL byte%s"
						      : "expected a string, got %s",
					      json_object_is_type(v, json_type_string) ? ""
										     : type_name(v));
		break;
	}
	if (param_parse(p, text, &val, &perr) < 0)
		return rpc_fail_param(call, field, text, perr.allowed, "%s", perr.reason);
	memcpy(ret, &val, sizeof(val));
	return 0;
}

/* ---- set methods ---- */

/* The knob "@group.set" takes for @word, or NULL. */
static const struct param *set_knob(const char *group, const char *word)
{
	const struct param *p = param_find_api(group, word);

	return p && p->apply != PARAM_APPLY_RESTART ? p : NULL;
}

static const char *const *extra_words(const char *group)
{
	return strcmp(group, "rss") == 0 ? rss_indir_words : NULL;
}

const char *rpc_set_words(const char *group, char *buf, size_t len)
{
	const char *const *extra = extra_words(group);
	size_t pos = 0;

	if (!len)
		return buf;
	buf[0] = '\0';
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];

		if (p->scope != PARAM_SCOPE_DEVICE || strcmp(p->group, group) != 0 ||
		    p->apply == PARAM_APPLY_RESTART || word_in(p->name, extra))
			continue;
		if (pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", p->name);
	}
	for (; extra && *extra; extra++)
		if (pos < len)
			pos += (size_t)snprintf(buf + pos, len - pos, "%s%s", pos ? ", " : "", *extra);
	return buf;
}

static void store(const struct param *p, const union param_value *v, struct enad_device_config *cfg)
{
	param_store(p, v, cfg);
	cfg->has |= PARAM_HAS(p->id);
	memset(&cfg->origin[p->id], 0, sizeof(cfg->origin[p->id]));
}

/* Text of an indirection spec for param_parse(): "[PREFIX ]V0 V1 ...". */
struct indir_text {
	char *buf;
	size_t len, pos;
};

static int indir_text_init(struct indir_text *t, const char *prefix)
{
	t->len = PARAM_FORMAT_MAX;
	t->buf = malloc(t->len);
	if (!t->buf)
		return -ENOMEM;
	t->pos = (size_t)snprintf(t->buf, t->len, "%s", prefix);
	return 0;
}

static void indir_text_add(struct indir_text *t, int64_t v)
{
	int n = snprintf(t->buf + t->pos, t->len - t->pos, "%s%" PRId64, t->pos ? " " : "", v);

	/* Callers bound the count (PARAM_INDIR_MAX values of up to 5 digits). */
	if (n > 0 && (size_t)n < t->len - t->pos)
		t->pos += (size_t)n;
}

static bool table_size_ok(const struct port_rss *rss)
{
	uint32_t n = rss->table_size;

	return n > 0 && n <= PARAM_INDIR_MAX && (n & (n - 1)) == 0;
}

/* [a, b) is 1..5 decimal digits: *ret is their value. */
static bool small_number(const char *a, const char *b, uint32_t *ret)
{
	uint32_t v = 0;

	if (b <= a || b - a > 5)
		return false;
	for (; a < b; a++) {
		if (*a < '0' || *a > '9')
			return false;
		v = v * 10 + (uint32_t)(*a - '0');
	}
	*ret = v;
	return true;
}

/* "E:Q E:Q ..." (FreeBSD's rss.indir_table syntax) applied to the current table. */
static int decode_pairs(struct rpc_call *call, json_object *v, const struct port_rss *rss,
			struct indir_text *t)
{
	uint16_t table[PARAM_INDIR_MAX];
	char allowed[128], shown[RPC_SHOW_MAX + 4];
	const char *s = plain_string(v);
	unsigned int pairs = 0;

	snprintf(allowed, sizeof(allowed),
		 "ENTRY:QUEUE pairs separated by spaces, ENTRY 0..%u, QUEUE 0..%d",
		 rss->table_size - 1, PARAM_QUEUES_MAX - 1);
	rpc_show(v, shown, sizeof(shown));
	if (!s)
		return rpc_fail_param(call, "indir_pairs", shown, allowed,
				      "expected a string, got %s", type_name(v));
	memcpy(table, rss->table, rss->table_size * sizeof(table[0]));
	for (;;) {
		const char *tok, *colon;
		uint32_t e, q;

		while (*s == ' ' || *s == '\t' || *s == ',')
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && *s != ' ' && *s != '\t' && *s != ',')
			s++;
		colon = memchr(tok, ':', (size_t)(s - tok));
		if (!colon || !small_number(tok, colon, &e) || !small_number(colon + 1, s, &q) ||
		    e >= rss->table_size || q >= PARAM_QUEUES_MAX) {
			char pair[RPC_SHOW_MAX + 1];
			size_t n = (size_t)(s - tok);

			snprintf(pair, sizeof(pair), "%.*s", n > RPC_SHOW_MAX ? RPC_SHOW_MAX : (int)n,
				 tok);
			return rpc_fail_param(call, "indir_pairs", pair, allowed,
					      "\"%s\" is not an ENTRY:QUEUE pair in range", pair);
		}
		table[e] = (uint16_t)q;
		pairs++;
	}
	if (!pairs)
		return rpc_fail_param(call, "indir_pairs", shown, allowed, "no pair given");
	for (uint32_t i = 0; i < rss->table_size; i++)
		indir_text_add(t, table[i]);
	return 0;
}

/* A JSON array of 1..@max integers in [lo, hi] onto @t. */
static int decode_int_array(struct rpc_call *call, const char *field, json_object *v, size_t min,
			    size_t max, int64_t lo, int64_t hi, const char *allowed,
			    struct indir_text *t)
{
	char shown[RPC_SHOW_MAX + 4], name[32];
	size_t n;

	rpc_show(v, shown, sizeof(shown));
	if (!json_object_is_type(v, json_type_array))
		return rpc_fail_param(call, field, shown, allowed, "expected an array, got %s",
				      type_name(v));
	n = json_object_array_length(v);
	if (n < min || n > max) {
		if (min == max)
			return rpc_fail_param(call, field, shown, allowed,
					      "%zu entries, the table has %zu", n, max);
		return rpc_fail_param(call, field, shown, allowed, "%zu entries, not %zu..%zu", n,
				      min, max);
	}
	for (size_t i = 0; i < n; i++) {
		int64_t x;

		snprintf(name, sizeof(name), "%s[%zu]", field, i);
		if (json_int(call, name, json_object_array_get_idx(v, i), lo, hi, allowed, &x) < 0)
			return -EINVAL;
		indir_text_add(t, x);
	}
	return 0;
}

/* indir, indir_pairs, equal or weight -> PARAM_RSS_INDIR. */
static int decode_indir(struct rpc_call *call, const char *word, json_object *v,
			const struct port_rss *rss, struct enad_device_config *cfg)
{
	const struct param *p = &param_table[PARAM_RSS_INDIR];
	struct param_error perr;
	struct indir_text t;
	union param_value *val = NULL;
	char allowed[128];
	bool table_word = strcmp(word, "indir") == 0 || strcmp(word, "indir_pairs") == 0;
	int64_t n;
	int r;

	if (table_word && !table_size_ok(rss))
		return rpc_fail_param(call, word, NULL, NULL,
				      "the device has no configurable indirection table");
	r = indir_text_init(&t, strcmp(word, "weight") == 0 ? "weight" : "");
	if (r < 0)
		return rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "out of memory");
	if (strcmp(word, "indir") == 0) {
		snprintf(allowed, sizeof(allowed), "%u queue numbers 0..%d", rss->table_size,
			 PARAM_QUEUES_MAX - 1);
		r = decode_int_array(call, word, v, rss->table_size, rss->table_size, 0,
				     PARAM_QUEUES_MAX - 1, allowed, &t);
	} else if (strcmp(word, "indir_pairs") == 0) {
		r = decode_pairs(call, v, rss, &t);
	} else if (strcmp(word, "equal") == 0) {
		snprintf(allowed, sizeof(allowed), "1..%d (queues 0..N-1)", PARAM_QUEUES_MAX);
		r = json_int(call, word, v, 1, PARAM_QUEUES_MAX, allowed, &n);
		if (r == 0)
			t.pos = (size_t)snprintf(t.buf, t.len, "equal %" PRId64, n);
	} else {
		snprintf(allowed, sizeof(allowed), "1..%d weights 0..%d, not all 0",
			 PARAM_QUEUES_MAX, PARAM_WEIGHT_MAX);
		r = decode_int_array(call, word, v, 1, PARAM_QUEUES_MAX, 0, PARAM_WEIGHT_MAX,
				     allowed, &t);
	}
	if (r < 0)
		goto out;
	val = malloc(sizeof(*val));
	if (!val) {
		r = rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "out of memory");
		goto out;
	}
	/* The one parser decides (e.g. weights that are all 0). */
	r = param_parse(p, t.buf, val, &perr);
	if (r < 0) {
		char shown[RPC_SHOW_MAX + 4];

		rpc_show(v, shown, sizeof(shown));
		r = rpc_fail_param(call, word, shown, NULL, "%s", perr.reason);
		goto out;
	}
	store(p, val, cfg);
out:
	free(val);
	free(t.buf);
	return r;
}

int rpc_decode_set(struct rpc_call *call, const char *group, const struct port_rss *rss,
		   struct enad_device_config *cfg)
{
	const char *const *extra = extra_words(group);
	const char *indir_word = NULL;
	char words[256];
	unsigned int given = 0;

	json_object_object_foreach(call->params, key, val) {
		const struct param *p;

		if (strcmp(key, "device") == 0)
			continue;
		if (word_in(key, extra)) {
			if (indir_word)
				return rpc_fail_param(call, key, NULL, "one of " INDIR_WORDS,
						      "given with %s; at most one of them", indir_word);
			indir_word = key;
			if (decode_indir(call, key, val, rss, cfg) < 0)
				return -EINVAL;
			given++;
			continue;
		}
		p = set_knob(group, key);
		if (!p)
			return rpc_fail_param(call, key, NULL,
					      rpc_set_words(group, words, sizeof(words)),
					      "unknown parameter of %s.set", group);
		{
			union param_value *v = malloc(sizeof(*v));

			if (!v)
				return rpc_fail(call, RPC_INTERNAL_ERROR, NULL, "out of memory");
			if (rpc_decode_value(call, p, key, val, v) < 0) {
				free(v);
				return -EINVAL;
			}
			store(p, v, cfg);
			free(v);
		}
		given++;
	}
	if (!given)
		return rpc_fail_param(call, NULL, NULL, rpc_set_words(group, words, sizeof(words)),
				      "%s.set needs at least one parameter", group);
	return 0;
}

int rpc_decode_events(struct rpc_call *call, unsigned int *ret)
{
	json_object *v;
	char shown[RPC_SHOW_MAX + 4], name[32];
	unsigned int mask = 0;
	size_t n;

	if (!json_object_object_get_ex(call->params, "events", &v)) {
		*ret = RPC_EVENTS_ALL;
		return 0;
	}
	rpc_show(v, shown, sizeof(shown));
	if (!json_object_is_type(v, json_type_array))
		return rpc_fail_param(call, "events", shown, EVENT_WORDS,
				      "expected an array of event names, got %s", type_name(v));
	n = json_object_array_length(v);
	if (n == 0)
		return rpc_fail_param(call, "events", shown, EVENT_WORDS, "no event named");
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(v, i);
		const char *s = plain_string(e);
		unsigned int k;

		snprintf(name, sizeof(name), "events[%zu]", i);
		rpc_show(e, shown, sizeof(shown));
		for (k = 0; s && rpc_event_name(k); k++)
			if (strcmp(s, rpc_event_name(k)) == 0)
				break;
		if (!s || !rpc_event_name(k))
			return rpc_fail_param(call, name, shown, EVENT_WORDS, "not an event name");
		mask |= 1u << k;
	}
	*ret = mask;
	return 0;
}

/* ---- rendering configured values ---- */

json_object *rpc_knob_json(const struct param *p, const struct enad_device_config *cfg)
{
	union param_value *v = malloc(sizeof(*v));
	json_object *o = NULL;
	char *text;

	if (!v)
		return NULL;
	param_load(p, cfg, v);
	switch (p->type) {
	case PARAM_T_INT:
		o = json_object_new_int64(v->i);
		break;
	case PARAM_T_BOOL:
		o = json_object_new_boolean(v->b);
		break;
	case PARAM_T_HEXKEY:
		/* random at start unless given; as rss.get shows keys: plain hex */
		if (cfg->has & PARAM_HAS(p->id)) {
			char hex[PARAM_RSS_KEY_SIZE * 2 + 1];

			for (size_t i = 0; i < PARAM_RSS_KEY_SIZE; i++)
				snprintf(hex + 2 * i, 3, "%02x", v->key[i]);
			o = json_object_new_string(hex);
		}
		break;
	case PARAM_T_CPUS:
		if (!(cfg->has & PARAM_HAS(p->id)))
			break; /* decided at run time */
		/* fall through */
	default:
		text = malloc(PARAM_FORMAT_MAX);
		if (text && param_format(p, v, text, PARAM_FORMAT_MAX) == 0)
			o = json_object_new_string(text);
		free(text);
		break;
	}
	free(v);
	return o;
}

json_object *rpc_group_config(const char *group, const struct enad_device_config *cfg)
{
	json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];

		if (p->scope != PARAM_SCOPE_DEVICE || strcmp(p->group, group) != 0 ||
		    p->apply == PARAM_APPLY_RESTART)
			continue;
		json_object_object_add(o, p->name, rpc_knob_json(p, cfg));
	}
	return o;
}
