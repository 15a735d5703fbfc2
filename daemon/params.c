/* SPDX-License-Identifier: MIT */
/* The knob table and the one parser/formatter every interface uses. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "params.h"
#include "pci_sysfs.h"

_Static_assert(PARAM__COUNT <= 64, "has bits are one uint64_t");

static const char *const log_words[] = { "err", "warn", "info", "debug", NULL };
static const char *const llq_words[] = { "recommended", "normal", "large", "off", NULL };
static const char *const hfunc_words[] = { "toeplitz", "crc32", NULL };

#define FIELD_OF(type, member) .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)
#define GLOBAL(member) .scope = PARAM_SCOPE_GLOBAL, FIELD_OF(struct enad_global_config, member)
#define DEVICE(member) .scope = PARAM_SCOPE_DEVICE, FIELD_OF(struct enad_device_config, member)
#define RANGE(lo, hi) .type = PARAM_T_INT, .min = (lo), .max = (hi)
#define SPECIAL(v, word) .flags = PARAM_F_SPECIAL, .special = (v), .special_word = (word)

const struct param param_table[PARAM__COUNT] = {
	[PARAM_CONTROL_SOCKET] = {
		.id = PARAM_CONTROL_SOCKET, .key = "control_socket", .group = "global",
		.name = "control_socket", .type = PARAM_T_PATH, GLOBAL(control_socket),
		.apply = PARAM_APPLY_RESTART, .dflt = "/run/enad/enad.sock",
		.help = "unix socket enactl talks to (JSON-RPC 2.0, mode 0660)",
	},
	[PARAM_CONTROL_GROUP] = {
		.id = PARAM_CONTROL_GROUP, .key = "control_group", .group = "global",
		.name = "control_group", .type = PARAM_T_GROUP, GLOBAL(control_group),
		.apply = PARAM_APPLY_LIVE, .dflt = "enad",
		.help = "group owning the control socket; its members may use read-only methods",
	},
	[PARAM_ADMIN_GROUP] = {
		.id = PARAM_ADMIN_GROUP, .key = "admin_group", .group = "global",
		.name = "admin_group", .type = PARAM_T_GROUP, GLOBAL(admin_group),
		.apply = PARAM_APPLY_LIVE, .dflt = "root",
		.help = "root and members of this group may use mutating methods",
	},
	[PARAM_GLOBAL_LOG_LEVEL] = {
		.id = PARAM_GLOBAL_LOG_LEVEL, .key = "log_level", .group = "log", .name = "level",
		.type = PARAM_T_ENUM, .words = log_words, GLOBAL(log_level),
		.apply = PARAM_APPLY_LIVE, .dflt = "info",
		.help = "daemon log level, and the default of every port's log_level",
	},
	[PARAM_DEVICE] = {
		.id = PARAM_DEVICE, .key = "device", .group = "device", .name = "device",
		.type = PARAM_T_DEVICE, DEVICE(device), .apply = PARAM_APPLY_RESTART,
		.dflt_note = "required",
		.help = "the ENA function: pci:DDDD:BB:DD.F (VFIO) or vfio-user:/PATH (enasim)",
	},
	[PARAM_NUM_IO_QUEUES] = {
		.id = PARAM_NUM_IO_QUEUES, .key = "num_io_queues", .group = "channels",
		.name = "combined", RANGE(1, PARAM_QUEUES_MAX), SPECIAL(0, "auto"),
		DEVICE(num_io_queues), .apply = PARAM_APPLY_RECONFIGURE, .dflt = "0",
		.help = "IO queue pairs; auto = as many as the device, its MSI-X vectors and the CPUs allow",
	},
	[PARAM_RX_QUEUE_SIZE] = {
		.id = PARAM_RX_QUEUE_SIZE, .key = "rx_queue_size", .group = "rings", .name = "rx",
		RANGE(256, 16384), .flags = PARAM_F_POW2, DEVICE(rx_queue_size),
		.apply = PARAM_APPLY_RECONFIGURE, .dflt = "1024",
		.help = "RX descriptors per queue; more than the device maximum fails at start",
	},
	[PARAM_TX_QUEUE_SIZE] = {
		.id = PARAM_TX_QUEUE_SIZE, .key = "tx_queue_size", .group = "rings", .name = "tx",
		RANGE(256, 16384), .flags = PARAM_F_POW2, DEVICE(tx_queue_size),
		.apply = PARAM_APPLY_RECONFIGURE, .dflt = "1024",
		.help = "TX descriptors per queue; with large LLQ headers the device maximum may halve",
	},
	[PARAM_LLQ_POLICY] = {
		.id = PARAM_LLQ_POLICY, .key = "llq_policy", .group = "rings", .name = "llq_policy",
		.type = PARAM_T_ENUM, .words = llq_words, DEVICE(llq_policy),
		.apply = PARAM_APPLY_RESET, .dflt = "recommended",
		.help = "TX push mode: device-recommended header size, normal (96 B), large (224 B) or off (host mode)",
	},
	[PARAM_FORCE_LARGE_LLQ_HEADER] = {
		.id = PARAM_FORCE_LARGE_LLQ_HEADER, .key = "force_large_llq_header", .group = "rings",
		.name = "large_llq_header", .type = PARAM_T_BOOL, DEVICE(force_large_llq_header),
		.apply = PARAM_APPLY_RESET, .dflt = "off",
		.help = "push up to 224 B of headers (256 B LLQ entries) whatever the device recommends",
	},
	[PARAM_MTU] = {
		.id = PARAM_MTU, .key = "mtu", .group = "mtu", .name = "mtu", RANGE(128, 9216),
		DEVICE(mtu), .apply = PARAM_APPLY_RECONFIGURE, .dflt = "1500",
		.help = "MTU of the port and its TAP interface; more than the device maximum fails at start",
	},
	[PARAM_RSS_KEY] = {
		.id = PARAM_RSS_KEY, .key = "rss_key", .group = "rss", .name = "key",
		.type = PARAM_T_HEXKEY, DEVICE(rss_key), .apply = PARAM_APPLY_LIVE,
		.dflt_note = "random at start",
		.help = "Toeplitz hash key, 40 bytes, as the standard Toeplitz algorithm reads it",
	},
	[PARAM_RSS_HASH_FUNCTION] = {
		.id = PARAM_RSS_HASH_FUNCTION, .key = "rss_hash_function", .group = "rss",
		.name = "hfunc", .type = PARAM_T_ENUM, .words = hfunc_words,
		DEVICE(rss_hash_function), .apply = PARAM_APPLY_LIVE, .dflt = "toeplitz",
		.help = "RSS hash function, if the device supports choosing it",
	},
	[PARAM_RSS_INDIR] = {
		.id = PARAM_RSS_INDIR, .key = "rss_indir", .group = "rss", .name = "indir",
		.type = PARAM_T_INDIR, DEVICE(rss_indir), .apply = PARAM_APPLY_LIVE,
		.dflt_note = "entry i -> queue i % num_io_queues",
		.help = "RSS indirection table: default, equal N, weight W0 W1 ..., or the entries",
	},
	[PARAM_ENI_METRICS_SAMPLE_INTERVAL] = {
		.id = PARAM_ENI_METRICS_SAMPLE_INTERVAL, .key = "eni_metrics_sample_interval",
		.group = "eni", .name = "interval", RANGE(1, 3600), SPECIAL(0, "off"),
		DEVICE(eni_metrics_sample_interval), .apply = PARAM_APPLY_LIVE, .dflt = "0",
		.help = "seconds between ENI allowance metric samples",
	},
	[PARAM_RX_USECS] = {
		.id = PARAM_RX_USECS, .key = "rx_usecs", .group = "coalesce", .name = "rx_usecs",
		RANGE(0, 32767), DEVICE(rx_usecs), .apply = PARAM_APPLY_LIVE, .dflt = "20",
		.help = "static RX interrupt delay in microseconds (used when adaptive_rx is off)",
	},
	[PARAM_TX_USECS] = {
		.id = PARAM_TX_USECS, .key = "tx_usecs", .group = "coalesce", .name = "tx_usecs",
		RANGE(0, 32767), DEVICE(tx_usecs), .apply = PARAM_APPLY_LIVE, .dflt = "64",
		.help = "TX interrupt delay in microseconds",
	},
	[PARAM_ADAPTIVE_RX] = {
		.id = PARAM_ADAPTIVE_RX, .key = "adaptive_rx", .group = "coalesce",
		.name = "adaptive_rx", .type = PARAM_T_BOOL, DEVICE(adaptive_rx),
		.apply = PARAM_APPLY_LIVE, .dflt = "on",
		.help = "adapt the RX interrupt delay to the traffic (DIM)",
	},
	[PARAM_RX_COPYBREAK] = {
		.id = PARAM_RX_COPYBREAK, .key = "rx_copybreak", .group = "tunables",
		.name = "rx_copybreak", RANGE(0, 9216), DEVICE(rx_copybreak),
		.apply = PARAM_APPLY_LIVE, .dflt = "256",
		.help = "packets up to this many bytes are copied and their RX buffer reused at once",
	},
	[PARAM_TX_CHECKSUM] = {
		.id = PARAM_TX_CHECKSUM, .key = "tx_checksum", .group = "offload", .name = "tx",
		.type = PARAM_T_BOOL, DEVICE(tx_checksum), .apply = PARAM_APPLY_LIVE, .dflt = "on",
		.help = "TX checksum offload, where the device supports it",
	},
	[PARAM_RX_CHECKSUM] = {
		.id = PARAM_RX_CHECKSUM, .key = "rx_checksum", .group = "offload", .name = "rx",
		.type = PARAM_T_BOOL, DEVICE(rx_checksum), .apply = PARAM_APPLY_LIVE, .dflt = "on",
		.help = "RX checksum offload, where the device supports it",
	},
	[PARAM_TSO] = {
		.id = PARAM_TSO, .key = "tso", .group = "offload", .name = "tso",
		.type = PARAM_T_BOOL, DEVICE(tso), .apply = PARAM_APPLY_LIVE, .dflt = "on",
		.help = "TCP segmentation offload, where the device supports it",
	},
	[PARAM_FRAG_BYPASS] = {
		.id = PARAM_FRAG_BYPASS, .key = "frag_bypass", .group = "tunables",
		.name = "frag_bypass", .type = PARAM_T_BOOL, DEVICE(frag_bypass),
		.apply = PARAM_APPLY_RECONFIGURE, .dflt = "off",
		.help = "ask the device to bypass the per-ENI egress fragment PPS limit",
	},
	[PARAM_CPUS] = {
		.id = PARAM_CPUS, .key = "cpus", .group = "channels", .name = "cpus",
		.type = PARAM_T_CPUS, DEVICE(cpus), .apply = PARAM_APPLY_RECONFIGURE,
		.dflt_note = "the CPUs of the NUMA node",
		.help = "CPUs the queue workers run on",
	},
	[PARAM_PIN_WORKERS] = {
		.id = PARAM_PIN_WORKERS, .key = "pin_workers", .group = "channels",
		.name = "pin_workers", .type = PARAM_T_BOOL, DEVICE(pin_workers),
		.apply = PARAM_APPLY_RECONFIGURE, .dflt = "on",
		.help = "pin each worker to one of cpus, round robin; off: each may use all of them",
	},
	[PARAM_NUMA_NODE] = {
		.id = PARAM_NUMA_NODE, .key = "numa_node", .group = "channels", .name = "numa_node",
		RANGE(0, 1023), SPECIAL(-1, "from device"), DEVICE(numa_node),
		.apply = PARAM_APPLY_RECONFIGURE, .dflt = "-1",
		.help = "NUMA node for queue memory and workers",
	},
	[PARAM_KEEP_ALIVE_TIMEOUT_MS] = {
		.id = PARAM_KEEP_ALIVE_TIMEOUT_MS, .key = "keep_alive_timeout_ms",
		.group = "watchdog", .name = "keep_alive_timeout_ms", RANGE(100, 60000),
		SPECIAL(0, "off"), DEVICE(keep_alive_timeout_ms), .apply = PARAM_APPLY_LIVE,
		.dflt = "6000",
		.help = "reset the device when no keep-alive arrives for this long",
	},
	[PARAM_MISS_TX_TIMEOUT_S] = {
		.id = PARAM_MISS_TX_TIMEOUT_S, .key = "miss_tx_timeout_s", .group = "watchdog",
		.name = "miss_tx_timeout_s", RANGE(1, 60), SPECIAL(0, "off"),
		DEVICE(miss_tx_timeout_s), .apply = PARAM_APPLY_LIVE, .dflt = "5",
		.help = "a TX packet without completion for this long counts as missing",
	},
	[PARAM_MISS_TX_THRESHOLD] = {
		.id = PARAM_MISS_TX_THRESHOLD, .key = "miss_tx_threshold", .group = "watchdog",
		.name = "miss_tx_threshold", RANGE(1, 1024), DEVICE(miss_tx_threshold),
		.apply = PARAM_APPLY_LIVE, .dflt = "128",
		.help = "reset the device when a queue has more missing TX completions than this",
	},
	[PARAM_BUSY_POLL_US] = {
		.id = PARAM_BUSY_POLL_US, .key = "busy_poll_us", .group = "tunables",
		.name = "busy_poll_us", RANGE(1, 10000), SPECIAL(0, "off"), DEVICE(busy_poll_us),
		.apply = PARAM_APPLY_LIVE, .dflt = "50",
		.help = "a worker polls this long for more work before it sleeps on interrupts",
	},
	[PARAM_PERSISTENT_TAP] = {
		.id = PARAM_PERSISTENT_TAP, .key = "persistent_tap", .group = "device",
		.name = "persistent_tap", .type = PARAM_T_BOOL, DEVICE(persistent_tap),
		.apply = PARAM_APPLY_LIVE, .dflt = "off",
		.help = "keep the TAP interface (addresses, routes) across enad restarts",
	},
	[PARAM_DEVICE_LOG_LEVEL] = {
		.id = PARAM_DEVICE_LOG_LEVEL, .key = "log_level", .group = "log", .name = "level",
		.type = PARAM_T_ENUM, .words = log_words, DEVICE(log_level),
		.apply = PARAM_APPLY_LIVE, .dflt_note = "[global] log_level",
		.help = "log level of this port",
	},
};

const struct param *param_find(enum param_scope scope, const char *key)
{
	if (!key)
		return NULL;
	for (unsigned int i = 0; i < PARAM__COUNT; i++)
		if (param_table[i].scope == scope && strcmp(param_table[i].key, key) == 0)
			return &param_table[i];
	return NULL;
}

const struct param *param_find_api(const char *group, const char *name)
{
	if (!group || !name)
		return NULL;
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];

		if (p->scope == PARAM_SCOPE_DEVICE && strcmp(p->group, group) == 0 &&
		    strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

const char *param_apply_name(enum param_apply apply)
{
	static const char *const names[] = {
		[PARAM_APPLY_LIVE] = "live", [PARAM_APPLY_RECONFIGURE] = "reconfigure",
		[PARAM_APPLY_RESET] = "reset", [PARAM_APPLY_RESTART] = "restart",
	};

	return (unsigned int)apply < sizeof(names) / sizeof(names[0]) ? names[apply] : NULL;
}

const char *param_log_level_name(enum param_log_level level)
{
	return (unsigned int)level <= PARAM_LOG_DEBUG ? log_words[level] : NULL;
}

/* ---- messages ---- */

/* A value as shown in a message: printable, at most 40 bytes. */
static void show_value(const char *text, char *buf, size_t len)
{
	size_t n = 0, max = len > 44 ? 40 : len - 4;
	const char *s = text;

	for (; *s && n < max; s++)
		buf[n++] = (*s >= 0x20 && *s < 0x7f) ? *s : '?';
	if (*s) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	r = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	*pos = (size_t)r >= len - *pos ? len : *pos + (size_t)r;
}

void param_allowed(const struct param *p, char *buf, size_t len)
{
	size_t pos = 0;

	if (!len)
		return;
	buf[0] = '\0';
	switch (p->type) {
	case PARAM_T_INT:
		if (p->flags & PARAM_F_SPECIAL)
			append(buf, len, &pos, "%lld (%s) or ", (long long)p->special, p->special_word);
		append(buf, len, &pos, "%lld..%lld", (long long)p->min, (long long)p->max);
		if (p->flags & PARAM_F_POW2)
			append(buf, len, &pos, ", power of 2");
		break;
	case PARAM_T_BOOL:
		append(buf, len, &pos, "on|off");
		break;
	case PARAM_T_ENUM:
		for (unsigned int i = 0; p->words[i]; i++)
			append(buf, len, &pos, "%s%s", i ? "|" : "", p->words[i]);
		break;
	case PARAM_T_HEXKEY:
		append(buf, len, &pos, "%d hex digits, optionally colon-separated per byte",
		       PARAM_RSS_KEY_SIZE * 2);
		break;
	case PARAM_T_CPUS:
		append(buf, len, &pos, "CPUs and ranges in 0..%d separated by commas, e.g. 0-3,6",
		       PARAM_CPUS_MAX - 1);
		break;
	case PARAM_T_PATH:
		append(buf, len, &pos, "an absolute path of at most %d bytes", PARAM_PATH_MAX - 1);
		break;
	case PARAM_T_GROUP:
		append(buf, len, &pos,
		       "a group name: 1..%d letters, digits, '_', '-' or '.', starting with a letter or '_'",
		       PARAM_GROUP_MAX - 1);
		break;
	case PARAM_T_DEVICE:
		append(buf, len, &pos, "pci:DDDD:BB:DD.F or vfio-user:/PATH (at most %d bytes)",
		       PARAM_PATH_MAX - 1);
		break;
	case PARAM_T_INDIR:
		append(buf, len, &pos,
		       "default, equal N (1..%d), weight W0 W1 ... (1..%d weights 0..%d, not all 0), "
		       "or queues 0..%d, a power of 2 of them up to %d",
		       PARAM_QUEUES_MAX, PARAM_QUEUES_MAX, PARAM_WEIGHT_MAX, PARAM_QUEUES_MAX - 1,
		       PARAM_INDIR_MAX);
		break;
	}
}

static int fail(const struct param *p, struct param_error *err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(const struct param *p, struct param_error *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;
	err->param = p;
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	param_allowed(p, err->allowed, sizeof(err->allowed));
	snprintf(err->msg, sizeof(err->msg), "%s: %s (allowed: %s)", p->key, err->reason,
		 err->allowed);
	return -EINVAL;
}

/* ---- parsing ---- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decimal integer, optional '-'; the whole of s[0..len). -ERANGE beyond +-10^15. */
static int int_parse(const char *s, size_t len, int64_t *ret)
{
	bool neg = false;
	int64_t v = 0;
	size_t i = 0;

	if (len && s[0] == '-') {
		neg = true;
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		if (!is_digit(s[i]))
			return -EINVAL;
		if (v > 100000000000000LL)
			return -ERANGE;
		v = v * 10 + (s[i] - '0');
	}
	*ret = neg ? -v : v;
	return 0;
}

static bool is_pow2(int64_t v)
{
	return v > 0 && (v & (v - 1)) == 0;
}

static int parse_int(const struct param *p, const char *text, const char *shown,
		     union param_value *ret, struct param_error *err)
{
	int64_t v;
	int r = int_parse(text, strlen(text), &v);

	if (r == -EINVAL)
		return fail(p, err, "%s is not a number", shown);
	if (r == 0 && (p->flags & PARAM_F_SPECIAL) && v == p->special) {
		ret->i = v;
		return 0;
	}
	if (r < 0 || v < p->min || v > p->max)
		return fail(p, err, "%s is out of range", shown);
	if ((p->flags & PARAM_F_POW2) && !is_pow2(v))
		return fail(p, err, "%s is not a power of 2", shown);
	ret->i = v;
	return 0;
}

static int parse_enum(const struct param *p, const char *text, const char *shown,
		      union param_value *ret, struct param_error *err)
{
	for (unsigned int i = 0; p->words[i]; i++)
		if (strcmp(p->words[i], text) == 0) {
			ret->e = i;
			return 0;
		}
	return fail(p, err, "%s is not a known value", shown);
}

static int parse_hexkey(const struct param *p, const char *text, const char *shown,
			union param_value *ret, struct param_error *err)
{
	uint8_t key[PARAM_RSS_KEY_SIZE];
	size_t len = strlen(text);
	bool colons;

	if (len == PARAM_RSS_KEY_SIZE * 2)
		colons = false;
	else if (len == PARAM_RSS_KEY_SIZE * 3 - 1)
		colons = true;
	else
		return fail(p, err, "%s is not %d bytes of hex", shown, PARAM_RSS_KEY_SIZE);
	for (size_t i = 0; i < PARAM_RSS_KEY_SIZE; i++) {
		const char *h = text + i * (colons ? 3 : 2);
		int hi = hex_value(h[0]), lo = hex_value(h[1]);

		if (hi < 0 || lo < 0 || (colons && i + 1 < PARAM_RSS_KEY_SIZE && h[2] != ':'))
			return fail(p, err, "%s is not %d bytes of hex", shown, PARAM_RSS_KEY_SIZE);
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(ret->key, key, sizeof(key));
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static int parse_cpus(const struct param *p, const char *text, const char *shown,
		      union param_value *ret, struct param_error *err)
{
	struct param_cpus cpus;
	const char *s = text;

	memset(&cpus, 0, sizeof(cpus));
	for (;;) {
		const char *start, *end, *dash = NULL;
		int64_t lo, hi;

		while (is_blank(*s))
			s++;
		start = s;
		while (*s && *s != ',')
			s++;
		end = s;
		while (end > start && is_blank(end[-1]))
			end--;
		for (const char *q = start; q < end; q++)
			if (*q == '-' && q > start) {
				dash = q;
				break;
			}
		if (end == start)
			return fail(p, err, "%s is not a CPU list", shown);
		if (dash) {
			if (int_parse(start, (size_t)(dash - start), &lo) == -EINVAL ||
			    int_parse(dash + 1, (size_t)(end - dash - 1), &hi) == -EINVAL)
				return fail(p, err, "%s is not a CPU list", shown);
		} else {
			if (int_parse(start, (size_t)(end - start), &lo) == -EINVAL)
				return fail(p, err, "%s is not a CPU list", shown);
			hi = lo;
		}
		if (lo < 0 || hi < 0 || lo >= PARAM_CPUS_MAX || hi >= PARAM_CPUS_MAX)
			return fail(p, err, "%s: CPU out of range", shown);
		if (lo > hi)
			return fail(p, err, "%s: range %lld-%lld is backwards", shown, (long long)lo,
				    (long long)hi);
		for (int64_t c = lo; c <= hi; c++)
			param_cpus_set(&cpus, (unsigned int)c);
		if (!*s)
			break;
		s++; /* ',' */
	}
	ret->cpus = cpus;
	return 0;
}

static int parse_path(const struct param *p, const char *text, const char *shown, char *ret,
		      struct param_error *err)
{
	size_t len = strlen(text);

	if (text[0] != '/')
		return fail(p, err, "%s is not an absolute path", shown);
	if (len >= PARAM_PATH_MAX)
		return fail(p, err, "%s is too long", shown);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return fail(p, err, "%s contains a control character", shown);
	memcpy(ret, text, len + 1);
	return 0;
}

static int parse_group(const struct param *p, const char *text, const char *shown,
		       union param_value *ret, struct param_error *err)
{
	size_t len = strlen(text);
	char c0 = text[0];

	if (len == 0 || len >= PARAM_GROUP_MAX ||
	    !((c0 >= 'a' && c0 <= 'z') || (c0 >= 'A' && c0 <= 'Z') || c0 == '_'))
		return fail(p, err, "%s is not a valid group name", shown);
	for (size_t i = 1; i < len; i++) {
		char c = text[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
		      c == '_' || c == '-' || c == '.'))
			return fail(p, err, "%s is not a valid group name", shown);
	}
	memcpy(ret->str, text, len + 1);
	return 0;
}

#define PCI_PREFIX "pci:"
#define VFIO_USER_PREFIX "vfio-user:"

static int parse_device(const struct param *p, const char *text, const char *shown,
			union param_value *ret, struct param_error *err)
{
	size_t plen = strlen(PCI_PREFIX);

	if (strncmp(text, PCI_PREFIX, plen) == 0) {
		/* DDDD:BB:DD.F */
		static const char pattern[] = "xxxx:xx:xx.x";
		const char *a = text + plen;
		struct ena_pci_bdf bdf;
		char canon[ENA_PCI_BDF_STRLEN];

		/* The config wants the full form; libena (which also takes
		 * "BB:DD.F") decides the ranges and the canonical spelling, so
		 * the config accepts exactly what the bus will open. */
		if (strlen(a) != sizeof(pattern) - 1)
			return fail(p, err, "%s is not a PCI address", shown);
		for (size_t i = 0; pattern[i]; i++) {
			if (pattern[i] == 'x' ? hex_value(a[i]) < 0 : a[i] != pattern[i])
				return fail(p, err, "%s is not a PCI address", shown);
		}
		if (ena_pci_bdf_parse(a, &bdf) < 0 || ena_pci_bdf_format(&bdf, canon, sizeof(canon)) < 0)
			return fail(p, err, "%s: PCI device or function out of range", shown);
		snprintf(ret->str, sizeof(ret->str), "%s%s", PCI_PREFIX, canon);
		return 0;
	}
	plen = strlen(VFIO_USER_PREFIX);
	if (strncmp(text, VFIO_USER_PREFIX, plen) == 0) {
		const char *path = text + plen;
		size_t len = strlen(path);

		if (path[0] != '/')
			return fail(p, err, "%s: socket path is not absolute", shown);
		if (len >= PARAM_PATH_MAX)
			return fail(p, err, "%s: socket path is too long", shown);
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)path[i] < 0x20 || path[i] == 0x7f)
				return fail(p, err, "%s contains a control character", shown);
		memcpy(ret->str, text, plen + len + 1);
		return 0;
	}
	return fail(p, err, "%s is not a device string", shown);
}

/* Next whitespace-separated token of *s: [*ret_tok, *ret_tok + *ret_len). */
static bool token_next(const char **s, const char **ret_tok, size_t *ret_len)
{
	const char *q = *s;

	while (is_blank(*q))
		q++;
	if (!*q)
		return false;
	*ret_tok = q;
	while (*q && !is_blank(*q))
		q++;
	*ret_len = (size_t)(q - *ret_tok);
	*s = q;
	return true;
}

static int parse_indir(const struct param *p, const char *text, const char *shown,
		       union param_value *ret, struct param_error *err)
{
	static struct param_indir zero;
	struct param_indir in = zero;
	const char *s = text, *tok;
	size_t len;
	int64_t v;

	if (!token_next(&s, &tok, &len))
		return fail(p, err, "empty value");
	if (len == 7 && memcmp(tok, "default", 7) == 0) {
		if (token_next(&s, &tok, &len))
			return fail(p, err, "%s: default takes no argument", shown);
		in.kind = PARAM_INDIR_DEFAULT;
	} else if (len == 5 && memcmp(tok, "equal", 5) == 0) {
		const char *ntok;
		size_t nlen;

		if (!token_next(&s, &ntok, &nlen) || token_next(&s, &tok, &len))
			return fail(p, err, "%s: equal takes one queue count", shown);
		if (int_parse(ntok, nlen, &v) == -EINVAL)
			return fail(p, err, "%s: queue count is not a number", shown);
		if (v < 1 || v > PARAM_QUEUES_MAX)
			return fail(p, err, "%s: queue count out of range", shown);
		in.kind = PARAM_INDIR_EQUAL;
		in.n = (uint16_t)v;
	} else if (len == 6 && memcmp(tok, "weight", 6) == 0) {
		uint64_t sum = 0;

		in.kind = PARAM_INDIR_WEIGHT;
		while (token_next(&s, &tok, &len)) {
			if (in.n == PARAM_QUEUES_MAX)
				return fail(p, err, "%s: more than %d weights", shown, PARAM_QUEUES_MAX);
			if (int_parse(tok, len, &v) == -EINVAL)
				return fail(p, err, "%s: weight %.*s is not a number", shown,
					    len > 20 ? 20 : (int)len, tok);
			if (v < 0 || v > PARAM_WEIGHT_MAX)
				return fail(p, err, "%s: weight %.*s is out of range", shown,
					    len > 20 ? 20 : (int)len, tok);
			in.v[in.n++] = (uint16_t)v;
			sum += (uint64_t)v;
		}
		if (in.n == 0)
			return fail(p, err, "%s: weight needs at least one weight", shown);
		if (sum == 0)
			return fail(p, err, "%s: all weights are 0", shown);
	} else {
		in.kind = PARAM_INDIR_LIST;
		s = text;
		while (token_next(&s, &tok, &len)) {
			if (in.n == PARAM_INDIR_MAX)
				return fail(p, err, "%s: more than %d entries", shown, PARAM_INDIR_MAX);
			if (int_parse(tok, len, &v) == -EINVAL)
				return fail(p, err, "%s: %.*s is not a queue number", shown,
					    len > 20 ? 20 : (int)len, tok);
			if (v < 0 || v >= PARAM_QUEUES_MAX)
				return fail(p, err, "%s: queue %.*s is out of range", shown,
					    len > 20 ? 20 : (int)len, tok);
			in.v[in.n++] = (uint16_t)v;
		}
		if (!is_pow2(in.n))
			return fail(p, err, "%s: %u entries is not a power of 2", shown, in.n);
	}
	ret->indir = in;
	return 0;
}

int param_parse(const struct param *p, const char *text, union param_value *ret,
		struct param_error *err)
{
	char shown[48];

	if (!p || !text || !ret)
		return -EINVAL;
	show_value(text, shown, sizeof(shown));
	if (!text[0])
		return fail(p, err, "empty value");
	switch (p->type) {
	case PARAM_T_INT:
		return parse_int(p, text, shown, ret, err);
	case PARAM_T_BOOL:
		if (strcmp(text, "on") == 0)
			ret->b = true;
		else if (strcmp(text, "off") == 0)
			ret->b = false;
		else
			return fail(p, err, "%s is not on or off", shown);
		return 0;
	case PARAM_T_ENUM:
		return parse_enum(p, text, shown, ret, err);
	case PARAM_T_HEXKEY:
		return parse_hexkey(p, text, shown, ret, err);
	case PARAM_T_CPUS:
		return parse_cpus(p, text, shown, ret, err);
	case PARAM_T_PATH: {
		char path[PARAM_PATH_MAX];
		int r = parse_path(p, text, shown, path, err);

		if (r == 0)
			memcpy(ret->str, path, strlen(path) + 1);
		return r;
	}
	case PARAM_T_GROUP:
		return parse_group(p, text, shown, ret, err);
	case PARAM_T_DEVICE:
		return parse_device(p, text, shown, ret, err);
	case PARAM_T_INDIR:
		return parse_indir(p, text, shown, ret, err);
	}
	return -EINVAL;
}

/* ---- formatting ---- */

static int cpus_format(const struct param_cpus *cpus, char *buf, size_t len, size_t *pos)
{
	bool first = true;

	for (unsigned int c = 0; c < PARAM_CPUS_MAX; c++) {
		unsigned int end = c;

		if (!param_cpus_has(cpus, c))
			continue;
		while (end + 1 < PARAM_CPUS_MAX && param_cpus_has(cpus, end + 1))
			end++;
		if (end == c)
			append(buf, len, pos, "%s%u", first ? "" : ",", c);
		else
			append(buf, len, pos, "%s%u-%u", first ? "" : ",", c, end);
		first = false;
		c = end;
	}
	return 0;
}

int param_format(const struct param *p, const union param_value *v, char *buf, size_t len)
{
	size_t pos = 0;

	if (!len)
		return -ENOBUFS;
	buf[0] = '\0';
	switch (p->type) {
	case PARAM_T_INT:
		append(buf, len, &pos, "%lld", (long long)v->i);
		break;
	case PARAM_T_BOOL:
		append(buf, len, &pos, "%s", v->b ? "on" : "off");
		break;
	case PARAM_T_ENUM: {
		unsigned int n = 0;

		while (p->words[n])
			n++;
		if (v->e >= n)
			return -EINVAL;
		append(buf, len, &pos, "%s", p->words[v->e]);
		break;
	}
	case PARAM_T_HEXKEY:
		for (size_t i = 0; i < PARAM_RSS_KEY_SIZE; i++)
			append(buf, len, &pos, "%s%02x", i ? ":" : "", v->key[i]);
		break;
	case PARAM_T_CPUS:
		cpus_format(&v->cpus, buf, len, &pos);
		break;
	case PARAM_T_PATH:
	case PARAM_T_GROUP:
	case PARAM_T_DEVICE:
		append(buf, len, &pos, "%.*s", (int)sizeof(v->str), v->str);
		break;
	case PARAM_T_INDIR:
		switch (v->indir.kind) {
		case PARAM_INDIR_DEFAULT:
			append(buf, len, &pos, "default");
			break;
		case PARAM_INDIR_EQUAL:
			append(buf, len, &pos, "equal %u", v->indir.n);
			break;
		case PARAM_INDIR_WEIGHT:
		case PARAM_INDIR_LIST:
			if (v->indir.kind == PARAM_INDIR_WEIGHT)
				append(buf, len, &pos, "weight");
			for (unsigned int i = 0; i < v->indir.n && i < PARAM_INDIR_MAX; i++)
				append(buf, len, &pos, "%s%u", pos ? " " : "", v->indir.v[i]);
			break;
		}
		break;
	}
	return pos >= len ? -ENOBUFS : 0;
}

int param_default(const struct param *p, union param_value *ret)
{
	if (!p->dflt)
		return -ENOENT;
	return param_parse(p, p->dflt, ret, NULL);
}

/* ---- where values live ---- */

static bool int_signed(const struct param *p)
{
	return p->min < 0 || ((p->flags & PARAM_F_SPECIAL) && p->special < 0);
}

void param_load(const struct param *p, const void *section, union param_value *ret)
{
	const char *field = (const char *)section + p->offset;

	memset(ret, 0, sizeof(*ret));
	switch (p->type) {
	case PARAM_T_INT:
		if (p->size == sizeof(int32_t)) {
			int32_t s;
			uint32_t u;

			memcpy(&s, field, sizeof(s));
			memcpy(&u, field, sizeof(u));
			ret->i = int_signed(p) ? (int64_t)s : (int64_t)u;
		} else {
			memcpy(&ret->i, field, sizeof(ret->i));
		}
		break;
	case PARAM_T_BOOL:
		memcpy(&ret->b, field, sizeof(ret->b));
		break;
	case PARAM_T_ENUM:
		memcpy(&ret->e, field, sizeof(ret->e));
		break;
	case PARAM_T_HEXKEY:
		memcpy(ret->key, field, sizeof(ret->key));
		break;
	case PARAM_T_CPUS:
		memcpy(&ret->cpus, field, sizeof(ret->cpus));
		break;
	case PARAM_T_PATH:
	case PARAM_T_GROUP:
	case PARAM_T_DEVICE:
		memcpy(ret->str, field, p->size);
		ret->str[p->size - 1] = '\0';
		break;
	case PARAM_T_INDIR:
		memcpy(&ret->indir, field, sizeof(ret->indir));
		break;
	}
}

void param_store(const struct param *p, const union param_value *v, void *section)
{
	char *field = (char *)section + p->offset;

	switch (p->type) {
	case PARAM_T_INT:
		if (p->size == sizeof(int32_t)) {
			int32_t s = (int32_t)v->i;

			memcpy(field, &s, sizeof(s));
		} else {
			memcpy(field, &v->i, sizeof(v->i));
		}
		break;
	case PARAM_T_BOOL:
		memcpy(field, &v->b, sizeof(v->b));
		break;
	case PARAM_T_ENUM:
		memcpy(field, &v->e, sizeof(v->e));
		break;
	case PARAM_T_HEXKEY:
		memcpy(field, v->key, sizeof(v->key));
		break;
	case PARAM_T_CPUS:
		memcpy(field, &v->cpus, sizeof(v->cpus));
		break;
	case PARAM_T_PATH:
	case PARAM_T_GROUP:
	case PARAM_T_DEVICE:
		snprintf(field, p->size, "%s", v->str);
		break;
	case PARAM_T_INDIR:
		memcpy(field, &v->indir, sizeof(v->indir));
		break;
	}
}

bool param_value_equal(const struct param *p, const union param_value *a,
		       const union param_value *b)
{
	switch (p->type) {
	case PARAM_T_INT:
		return a->i == b->i;
	case PARAM_T_BOOL:
		return a->b == b->b;
	case PARAM_T_ENUM:
		return a->e == b->e;
	case PARAM_T_HEXKEY:
		return memcmp(a->key, b->key, sizeof(a->key)) == 0;
	case PARAM_T_CPUS:
		return memcmp(&a->cpus, &b->cpus, sizeof(a->cpus)) == 0;
	case PARAM_T_PATH:
	case PARAM_T_GROUP:
	case PARAM_T_DEVICE:
		return strncmp(a->str, b->str, sizeof(a->str)) == 0;
	case PARAM_T_INDIR:
		if (a->indir.kind != b->indir.kind || a->indir.n != b->indir.n)
			return false;
		if (a->indir.kind == PARAM_INDIR_WEIGHT || a->indir.kind == PARAM_INDIR_LIST)
			return memcmp(a->indir.v, b->indir.v,
				      a->indir.n * sizeof(a->indir.v[0])) == 0;
		return true;
	}
	return false;
}

/* ---- helpers ---- */

bool param_ifname_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	if (len == 0 || len >= PARAM_IFNAME_MAX || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= 0x20 || c >= 0x7f || c == '/' || c == ':')
			return false;
	}
	return true;
}

unsigned int param_cpus_and(struct param_cpus *a, const struct param_cpus *b)
{
	for (size_t i = 0; i < PARAM_CPUS_MAX / 64; i++)
		a->bits[i] &= b->bits[i];
	return param_cpus_count(a);
}

unsigned int param_cpus_count(const struct param_cpus *cpus)
{
	unsigned int n = 0;

	for (size_t i = 0; i < PARAM_CPUS_MAX / 64; i++)
		n += (unsigned int)__builtin_popcountll(cpus->bits[i]);
	return n;
}

int param_indir_max_queue(const struct param_indir *indir)
{
	int max = -1;

	switch (indir->kind) {
	case PARAM_INDIR_DEFAULT:
		return -1;
	case PARAM_INDIR_EQUAL:
		return indir->n - 1;
	case PARAM_INDIR_WEIGHT:
		for (unsigned int i = 0; i < indir->n; i++)
			if (indir->v[i])
				max = (int)i;
		return max;
	case PARAM_INDIR_LIST:
		for (unsigned int i = 0; i < indir->n; i++)
			if (indir->v[i] > max)
				max = indir->v[i];
		return max;
	}
	return -1;
}
