/* SPDX-License-Identifier: MIT */
/* The knob table, param_parse() and the config loader against the file corpus. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "params.h"
#include "pkt.h"

#define DATA "tests/data/config"

/* Tests run from the source tree (tests/run does); ENAD_SRCDIR overrides. */
static void src_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("ENAD_SRCDIR");

	snprintf(buf, len, "%s/%s", dir ? dir : ".", rel);
}

static const struct param *dev_param(const char *key)
{
	const struct param *p = param_find(PARAM_SCOPE_DEVICE, key);

	assert_non_null(p);
	return p;
}

/* ---- the table ---- */

static void test_table_shape(void **state)
{
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];
		size_t limit = p->scope == PARAM_SCOPE_GLOBAL ? sizeof(struct enad_global_config)
							       : sizeof(struct enad_device_config);

		assert_int_equal(p->id, i);
		assert_non_null(p->key);
		assert_non_null(p->group);
		assert_non_null(p->name);
		assert_non_null(p->help);
		assert_true(p->help[0] != '\0');
		assert_non_null(param_apply_name(p->apply));
		assert_true(p->offset + p->size <= limit);
		assert_true(p->size > 0);
		assert_ptr_equal(param_find(p->scope, p->key), p);
		if (p->type == PARAM_T_ENUM)
			assert_non_null(p->words);
		if (p->type == PARAM_T_INT)
			assert_true(p->min <= p->max);
		/* a default is either parseable text or explained */
		if (!p->dflt)
			assert_non_null(p->dflt_note);
		for (unsigned int j = 0; j < i; j++)
			if (param_table[j].scope == p->scope) {
				assert_string_not_equal(param_table[j].key, p->key);
				assert_false(strcmp(param_table[j].group, p->group) == 0 &&
					     strcmp(param_table[j].name, p->name) == 0);
			}
	}
	/* the ethtool words of DESIGN.md */
	assert_ptr_equal(param_find_api("channels", "combined"), dev_param("num_io_queues"));
	assert_ptr_equal(param_find_api("rings", "rx"), dev_param("rx_queue_size"));
	assert_ptr_equal(param_find_api("rings", "tx"), dev_param("tx_queue_size"));
	assert_ptr_equal(param_find_api("rings", "large_llq_header"),
			 dev_param("force_large_llq_header"));
	assert_ptr_equal(param_find_api("coalesce", "rx_usecs"), dev_param("rx_usecs"));
	assert_ptr_equal(param_find_api("coalesce", "tx_usecs"), dev_param("tx_usecs"));
	assert_ptr_equal(param_find_api("coalesce", "adaptive_rx"), dev_param("adaptive_rx"));
	assert_ptr_equal(param_find_api("rss", "key"), dev_param("rss_key"));
	assert_ptr_equal(param_find_api("rss", "hfunc"), dev_param("rss_hash_function"));
	assert_ptr_equal(param_find_api("rss", "indir"), dev_param("rss_indir"));
	assert_ptr_equal(param_find_api("mtu", "mtu"), dev_param("mtu"));
	assert_ptr_equal(param_find_api("eni", "interval"), dev_param("eni_metrics_sample_interval"));
	assert_ptr_equal(param_find_api("log", "level"), dev_param("log_level"));
	assert_null(param_find_api("rings", "rx_mini"));
	assert_null(param_find(PARAM_SCOPE_GLOBAL, "mtu"));
	assert_null(param_find(PARAM_SCOPE_DEVICE, "control_socket"));
	assert_null(param_find(PARAM_SCOPE_DEVICE, NULL));
	assert_string_equal(param_apply_name(PARAM_APPLY_RECONFIGURE), "reconfigure");
	assert_null(param_apply_name((enum param_apply)99));
	assert_string_equal(param_log_level_name(PARAM_LOG_WARN), "warn");
	assert_null(param_log_level_name((enum param_log_level)4));
}

/* Every default parses, formats back to itself and is what a fresh section holds. */
static void test_table_defaults(void **state)
{
	struct enad_config cfg;
	struct enad_device_config dev;
	char text[PARAM_FORMAT_MAX];

	config_init(&cfg);
	config_device_defaults(&cfg.global, "ena0", &dev);
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];
		union param_value v, stored;

		if (!p->dflt) {
			assert_int_equal(param_default(p, &v), -ENOENT);
			continue;
		}
		assert_int_equal(param_default(p, &v), 0);
		assert_int_equal(param_format(p, &v, text, sizeof(text)), 0);
		assert_string_equal(text, p->dflt);
		param_load(p, p->scope == PARAM_SCOPE_GLOBAL ? (void *)&cfg.global : (void *)&dev,
			   &stored);
		assert_true(param_value_equal(p, &v, &stored));
	}
	assert_int_equal(dev.has, 0);
	assert_string_equal(dev.name, "ena0");
	assert_int_equal(dev.rx_queue_size, 1024);
	assert_int_equal(dev.numa_node, -1);
	assert_int_equal(dev.log_level, PARAM_LOG_INFO);
	assert_int_equal(dev.rss_indir.kind, PARAM_INDIR_DEFAULT);
	assert_string_equal(cfg.global.control_socket, "/run/enad/enad.sock");
	assert_string_equal(cfg.global.control_group, "enad");
	assert_string_equal(cfg.global.admin_group, "root");
	config_free(&cfg);
}

/* ---- param_parse ---- */

struct round_trip {
	const char *key;   /* device scope unless global */
	bool global;
	const char *in;
	const char *out;   /* param_format() of the parsed value */
};

static const struct round_trip round_trips[] = {
	{ "num_io_queues", false, "0", "0" },
	{ "num_io_queues", false, "128", "128" },
	{ "rx_queue_size", false, "16384", "16384" },
	{ "rx_queue_size", false, "0256", "256" },
	{ "numa_node", false, "-1", "-1" },
	{ "numa_node", false, "3", "3" },
	{ "keep_alive_timeout_ms", false, "0", "0" },
	{ "adaptive_rx", false, "off", "off" },
	{ "persistent_tap", false, "on", "on" },
	{ "pin_workers", false, "off", "off" },
	{ "llq_policy", false, "large", "large" },
	{ "rss_hash_function", false, "crc32", "crc32" },
	{ "log_level", true, "err", "err" },
	{ "rss_key", false,
	  "6D5A56DA255B0EC24167253D43A38FB0D0CA2BCBAE7B30B477CB2DA38030F20C6A42B73BBEAC01FA",
	  "6d:5a:56:da:25:5b:0e:c2:41:67:25:3d:43:a3:8f:b0:d0:ca:2b:cb:ae:7b:30:b4:77:cb:2d:a3:"
	  "80:30:f2:0c:6a:42:b7:3b:be:ac:01:fa" },
	{ "cpus", false, "0-3, 8,10-11 ,9", "0-3,8-11" },
	{ "cpus", false, "1023", "1023" },
	{ "cpus", false, "0-1023", "0-1023" },
	{ "control_socket", true, "/run/x/enad.sock", "/run/x/enad.sock" },
	{ "control_group", true, "net_admins-2.x", "net_admins-2.x" },
	{ "device", false, "pci:0000:00:06.0", "pci:0000:00:06.0" },
	{ "device", false, "pci:ABCD:EF:1F.7", "pci:abcd:ef:1f.7" },
	{ "device", false, "vfio-user:/run/enasim/ena0.sock", "vfio-user:/run/enasim/ena0.sock" },
	{ "rss_indir", false, "default", "default" },
	{ "rss_indir", false, "equal  16", "equal 16" },
	{ "rss_indir", false, "weight 1 0 65535", "weight 1 0 65535" },
	{ "rss_indir", false, "3\t2 1 0", "3 2 1 0" },
	{ "rss_indir", false, "127", "127" },
};

static void test_parse_round_trip(void **state)
{
	char text[PARAM_FORMAT_MAX];

	for (size_t i = 0; i < sizeof(round_trips) / sizeof(round_trips[0]); i++) {
		const struct round_trip *t = &round_trips[i];
		const struct param *p =
			param_find(t->global ? PARAM_SCOPE_GLOBAL : PARAM_SCOPE_DEVICE, t->key);
		union param_value v, again;
		struct param_error err;

		assert_non_null(p);
		if (param_parse(p, t->in, &v, &err) != 0)
			fail_msg("%s = %s: %s", t->key, t->in, err.msg);
		assert_int_equal(param_format(p, &v, text, sizeof(text)), 0);
		assert_string_equal(text, t->out);
		assert_int_equal(param_parse(p, text, &again, NULL), 0);
		assert_true(param_value_equal(p, &v, &again));
	}
}

/* A value of each type, and the biggest ones, survive format -> parse. */
static void test_parse_round_trip_types(void **state)
{
	const struct param *indir = dev_param("rss_indir"), *cpus = dev_param("cpus");
	char text[PARAM_FORMAT_MAX];
	union param_value v, again;
	int types_seen = 0;

	memset(&v, 0, sizeof(v));
	v.indir.kind = PARAM_INDIR_LIST;
	v.indir.n = PARAM_INDIR_MAX;
	for (unsigned int i = 0; i < PARAM_INDIR_MAX; i++)
		v.indir.v[i] = (uint16_t)(PARAM_QUEUES_MAX - 1 - i % PARAM_QUEUES_MAX);
	assert_int_equal(param_format(indir, &v, text, sizeof(text)), 0);
	assert_int_equal(param_parse(indir, text, &again, NULL), 0);
	assert_true(param_value_equal(indir, &v, &again));
	assert_int_equal(param_format(indir, &v, text, 16), -ENOBUFS);

	/* every other CPU: the longest CPU list */
	memset(&v, 0, sizeof(v));
	for (unsigned int c = 0; c < PARAM_CPUS_MAX; c += 2)
		param_cpus_set(&v.cpus, c);
	assert_int_equal(param_format(cpus, &v, text, sizeof(text)), 0);
	assert_int_equal(param_parse(cpus, text, &again, NULL), 0);
	assert_true(param_value_equal(cpus, &v, &again));
	assert_int_equal(param_cpus_count(&again.cpus), PARAM_CPUS_MAX / 2);
	assert_true(param_cpus_has(&again.cpus, 1022));
	assert_false(param_cpus_has(&again.cpus, 1023));
	assert_false(param_cpus_has(&again.cpus, 5000));

	/* each type's default or a sample value round-trips */
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];

		if (param_default(p, &v) < 0)
			continue;
		types_seen |= 1 << p->type;
		assert_int_equal(param_format(p, &v, text, sizeof(text)), 0);
		assert_int_equal(param_parse(p, text, &again, NULL), 0);
		assert_true(param_value_equal(p, &v, &again));
	}
	/* defaults cover these; the round_trips table the rest */
	assert_true(types_seen & (1 << PARAM_T_INT));
	assert_true(types_seen & (1 << PARAM_T_BOOL));
	assert_true(types_seen & (1 << PARAM_T_ENUM));
	assert_true(types_seen & (1 << PARAM_T_PATH));
	assert_true(types_seen & (1 << PARAM_T_GROUP));
}

static void test_parse_errors(void **state)
{
	const struct param *p = dev_param("rx_queue_size");
	union param_value v, sentinel;
	struct param_error err;

	memset(&v, 0xa5, sizeof(v));
	sentinel = v;
	assert_int_equal(param_parse(p, "300", &v, &err), -EINVAL);
	assert_memory_equal(&v, &sentinel, sizeof(v)); /* untouched */
	assert_ptr_equal(err.param, p);
	assert_string_equal(err.reason, "300 is not a power of 2");
	assert_string_equal(err.allowed, "256..16384, power of 2");
	assert_string_equal(err.msg,
			    "rx_queue_size: 300 is not a power of 2 (allowed: 256..16384, power of 2)");
	assert_int_equal(param_parse(p, "128", &v, &err), -EINVAL);
	assert_string_equal(err.reason, "128 is out of range");
	assert_int_equal(param_parse(p, " 512", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "+512", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "-", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "0x400", &v, NULL), -EINVAL);
	assert_memory_equal(&v, &sentinel, sizeof(v));

	/* control characters never reach a message */
	p = dev_param("mtu");
	assert_int_equal(param_parse(p, "15\x01\x1b[2J", &v, &err), -EINVAL);
	assert_string_equal(err.msg, "mtu: 15??[2J is not a number (allowed: 128..9216)");

	p = dev_param("adaptive_rx");
	assert_int_equal(param_parse(p, "true", &v, &err), -EINVAL);
	assert_int_equal(param_parse(p, "ON", &v, &err), -EINVAL);
	p = dev_param("rss_key");
	assert_int_equal(param_parse(p, "6d:5a", &v, NULL), -EINVAL);
	/* colons everywhere or nowhere */
	assert_int_equal(param_parse(p,
				     "6d5a:56da:255b:0ec2:4167:253d:43a3:8fb0:d0ca:2bcb:ae7b:30b4:"
				     "77cb:2da3:8030:f20c:6a42:b73b:beac:01fa",
				     &v, NULL),
			 -EINVAL);
	p = dev_param("cpus");
	assert_int_equal(param_parse(p, "-1", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "1-", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "1024", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, ",", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "0,", &v, NULL), -EINVAL);
	p = dev_param("device");
	assert_int_equal(param_parse(p, "pci:0000:00:06.8", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "pci:00:06.0", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "pci:0000:00:06.0 ", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "vfio-user:", &v, NULL), -EINVAL);
	p = dev_param("rss_indir");
	assert_int_equal(param_parse(p, "equal", &v, &err), -EINVAL);
	assert_string_equal(err.reason, "equal: equal takes one queue count");
	assert_int_equal(param_parse(p, "equal 4 4", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "equal 129", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "weight", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "weight 65536", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "default 1", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "   ", &v, &err), -EINVAL);
	assert_string_equal(err.reason, "empty value");
	p = param_find(PARAM_SCOPE_GLOBAL, "control_group");
	assert_int_equal(param_parse(p, "-x", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(p, "a b", &v, NULL), -EINVAL);
	assert_int_equal(param_parse(NULL, "1", &v, NULL), -EINVAL);
}

static void test_indir_max_queue(void **state)
{
	const struct param *p = dev_param("rss_indir");
	union param_value v;

	assert_int_equal(param_parse(p, "equal 4", &v, NULL), 0);
	assert_int_equal(param_indir_max_queue(&v.indir), 3);
	assert_int_equal(param_parse(p, "weight 1 0 3 0 0", &v, NULL), 0);
	assert_int_equal(param_indir_max_queue(&v.indir), 2);
	assert_int_equal(param_parse(p, "0 7 2 1", &v, NULL), 0);
	assert_int_equal(param_indir_max_queue(&v.indir), 7);
	assert_int_equal(param_parse(p, "default", &v, NULL), 0);
	assert_int_equal(param_indir_max_queue(&v.indir), -1);
}

static void test_ifname(void **state)
{
	assert_true(param_ifname_valid("ena0"));
	assert_true(param_ifname_valid("a"));
	assert_true(param_ifname_valid("abcdefghijklmno")); /* 15 */
	assert_false(param_ifname_valid("abcdefghijklmnop"));
	assert_false(param_ifname_valid(""));
	assert_false(param_ifname_valid("."));
	assert_false(param_ifname_valid(".."));
	assert_true(param_ifname_valid("..."));
	assert_false(param_ifname_valid("a/b"));
	assert_false(param_ifname_valid("a b"));
	assert_false(param_ifname_valid("a:1"));
	assert_false(param_ifname_valid("a\tb"));
	assert_false(param_ifname_valid(NULL));
}

/* ---- the corpus ---- */

/* "# expect: N: REST" on the first line -> "PATH:N: REST". */
static void expected_error(const char *path, char *buf, size_t len, unsigned int *ret_line)
{
	char first[1024];
	FILE *f = fopen(path, "re");
	char *rest;

	assert_non_null(f);
	assert_non_null(fgets(first, sizeof(first), f));
	fclose(f);
	first[strcspn(first, "\n")] = '\0';
	if (strncmp(first, "# expect: ", 10) != 0)
		fail_msg("%s: first line is not '# expect: N: message'", path);
	*ret_line = (unsigned int)strtoul(first + 10, &rest, 10);
	assert_true(*ret_line > 0);
	assert_true(rest[0] == ':');
	snprintf(buf, len, "%s:%u%s", path, *ret_line, rest);
}

static void test_bad_files(void **state)
{
	char pattern[PATH_MAX];
	glob_t g;

	src_path(pattern, sizeof(pattern), DATA "/bad-*.conf");
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 40);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		struct enad_config cfg, sentinel;
		struct config_error err;
		char expected[2048];
		unsigned int line;
		int r;

		expected_error(g.gl_pathv[i], expected, sizeof(expected), &line);
		memset(&cfg, 0x5a, sizeof(cfg));
		sentinel = cfg;
		r = config_load(g.gl_pathv[i], &cfg, &err);
		if (r >= 0)
			fail_msg("%s loaded", g.gl_pathv[i]);
		assert_memory_equal(&cfg, &sentinel, sizeof(cfg));
		if (strcmp(err.msg, expected) != 0)
			fail_msg("%s:\n  got      %s\n  expected %s", g.gl_pathv[i], err.msg, expected);
		assert_int_equal(err.line, line);
	}
	globfree(&g);
}

static const struct enad_device_config *port(const struct enad_config *cfg, const char *name)
{
	const struct enad_device_config *d = config_find_device(cfg, name);

	if (!d)
		fail_msg("no port %s", name);
	return d;
}

static void check_minimal(const struct enad_config *cfg)
{
	const struct enad_device_config *d = port(cfg, "ena0");

	assert_int_equal(cfg->n_devices, 1);
	assert_int_equal(cfg->global.has, 0);
	assert_int_equal(d->has, PARAM_HAS(PARAM_DEVICE));
	assert_string_equal(d->device, "pci:0000:00:06.0");
	assert_int_equal(d->origin[PARAM_DEVICE].line, 3);
	assert_int_equal(d->section.line, 2);
	assert_int_equal(d->num_io_queues, 0);
	assert_int_equal(d->rx_queue_size, 1024);
	assert_int_equal(d->tx_queue_size, 1024);
	assert_int_equal(d->llq_policy, PARAM_LLQ_RECOMMENDED);
	assert_false(d->force_large_llq_header);
	assert_int_equal(d->mtu, 1500);
	assert_int_equal(d->rss_hash_function, PARAM_HFUNC_TOEPLITZ);
	assert_int_equal(d->rss_indir.kind, PARAM_INDIR_DEFAULT);
	assert_int_equal(d->eni_metrics_sample_interval, 0);
	assert_int_equal(d->rx_usecs, 20);
	assert_int_equal(d->tx_usecs, 64);
	assert_true(d->adaptive_rx);
	assert_int_equal(d->rx_copybreak, 256);
	assert_true(d->tx_checksum && d->rx_checksum && d->tso);
	assert_false(d->frag_bypass);
	assert_int_equal(param_cpus_count(&d->cpus), 0);
	assert_true(d->pin_workers);
	assert_int_equal(d->numa_node, -1);
	assert_int_equal(d->keep_alive_timeout_ms, 6000);
	assert_int_equal(d->miss_tx_timeout_s, 5);
	assert_int_equal(d->miss_tx_threshold, 128);
	assert_int_equal(d->busy_poll_us, 50);
	assert_false(d->persistent_tap);
	assert_int_equal(d->log_level, PARAM_LOG_INFO);
}

static void check_empty(const struct enad_config *cfg)
{
	assert_int_equal(cfg->n_devices, 0);
	assert_null(cfg->devices);
	assert_int_equal(cfg->global.log_level, PARAM_LOG_INFO);
}

static void check_full(const struct enad_config *cfg)
{
	const struct enad_device_config *d = port(cfg, "ena7");
	static const uint16_t weights[] = { 1, 1, 2, 2, 0, 0, 0, 4 };

	assert_string_equal(cfg->global.control_socket, "/run/enad-test/ctl.sock");
	assert_string_equal(cfg->global.control_group, "netops");
	assert_string_equal(cfg->global.admin_group, "netadmin");
	assert_int_equal(cfg->global.log_level, PARAM_LOG_DEBUG);
	/* every key given */
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const uint64_t has = param_table[i].scope == PARAM_SCOPE_GLOBAL ? cfg->global.has
										 : d->has;

		assert_true(has & PARAM_HAS(i));
	}
	assert_string_equal(d->device, "vfio-user:/run/enasim/ena7.sock");
	assert_int_equal(d->num_io_queues, 8);
	assert_int_equal(d->rx_queue_size, 4096);
	assert_int_equal(d->tx_queue_size, 512);
	assert_int_equal(d->llq_policy, PARAM_LLQ_LARGE);
	assert_true(d->force_large_llq_header);
	assert_int_equal(d->mtu, 9001);
	assert_memory_equal(d->rss_key, ms_rss_key, sizeof(ms_rss_key));
	assert_int_equal(d->rss_hash_function, PARAM_HFUNC_CRC32);
	assert_int_equal(d->rss_indir.kind, PARAM_INDIR_WEIGHT);
	assert_int_equal(d->rss_indir.n, 8);
	assert_memory_equal(d->rss_indir.v, weights, sizeof(weights));
	assert_int_equal(d->eni_metrics_sample_interval, 60);
	assert_int_equal(d->rx_usecs, 0);
	assert_int_equal(d->tx_usecs, 32767);
	assert_false(d->adaptive_rx);
	assert_int_equal(d->rx_copybreak, 0);
	assert_false(d->tx_checksum || d->rx_checksum || d->tso);
	assert_true(d->frag_bypass);
	assert_int_equal(param_cpus_count(&d->cpus), 7);
	assert_true(param_cpus_has(&d->cpus, 10) && !param_cpus_has(&d->cpus, 9));
	assert_false(d->pin_workers);
	assert_int_equal(d->numa_node, 1);
	assert_int_equal(d->keep_alive_timeout_ms, 0);
	assert_int_equal(d->miss_tx_timeout_s, 0);
	assert_int_equal(d->miss_tx_threshold, 1024);
	assert_int_equal(d->busy_poll_us, 0);
	assert_true(d->persistent_tap);
	assert_int_equal(d->log_level, PARAM_LOG_WARN);
}

static void check_multi(const struct enad_config *cfg)
{
	const struct enad_device_config *a = port(cfg, "ena0"), *b = port(cfg, "ena1"),
					*c = port(cfg, "tap-2");

	assert_int_equal(cfg->n_devices, 3);
	assert_ptr_equal(a, &cfg->devices[0]); /* order of appearance */
	assert_ptr_equal(c, &cfg->devices[2]);
	assert_int_equal(a->mtu, 9001);            /* inline comment dropped */
	assert_string_equal(a->device, "pci:0000:00:06.0");
	assert_string_equal(b->device, "pci:0000:00:0a.7"); /* normalised */
	assert_int_equal(b->rss_indir.kind, PARAM_INDIR_EQUAL);
	assert_int_equal(b->rss_indir.n, 4);
	assert_int_equal(c->rss_indir.kind, PARAM_INDIR_LIST);
	assert_int_equal(c->rss_indir.n, 4);
	assert_int_equal(c->rss_indir.v[1], 1);
	/* [global] came after ena0: log_level still inherited */
	assert_int_equal(cfg->global.log_level, PARAM_LOG_WARN);
	assert_int_equal(a->log_level, PARAM_LOG_WARN);
	assert_false(a->has & PARAM_HAS(PARAM_DEVICE_LOG_LEVEL));
	assert_int_equal(c->log_level, PARAM_LOG_DEBUG);
	assert_int_equal(c->section.line, 15);
}

static void check_crlf(const struct enad_config *cfg)
{
	const struct enad_device_config *d = port(cfg, "ena0");

	assert_string_equal(d->device, "vfio-user:/run/enasim/ena0.sock");
	assert_int_equal(d->rx_queue_size, 2048);
	assert_memory_equal(d->rss_key, ms_rss_key, sizeof(ms_rss_key));
	assert_int_equal(d->origin[PARAM_RX_QUEUE_SIZE].line, 4);
}

static void check_limits(const struct enad_config *cfg)
{
	const struct enad_device_config *d = port(cfg, "ena0");

	assert_string_equal(d->device, "pci:ffff:ff:1f.7");
	assert_int_equal(d->num_io_queues, 128);
	assert_int_equal(d->rx_queue_size, 16384);
	assert_int_equal(d->tx_queue_size, 256);
	assert_int_equal(d->mtu, 128);
	assert_int_equal(d->numa_node, 1023);
	assert_true(param_cpus_has(&d->cpus, 1023));
	assert_int_equal(param_cpus_count(&d->cpus), 1);
	assert_int_equal(d->rx_copybreak, 9216);
	assert_true(d->has & PARAM_HAS(PARAM_RSS_INDIR));
	assert_int_equal(d->rss_indir.kind, PARAM_INDIR_DEFAULT);
}

static const struct {
	const char *file;
	void (*check)(const struct enad_config *cfg);
} good_files[] = {
	{ "good-minimal.conf", check_minimal }, { "good-empty.conf", check_empty },
	{ "good-full.conf", check_full },       { "good-multi.conf", check_multi },
	{ "good-crlf.conf", check_crlf },       { "good-limits.conf", check_limits },
};

static void test_good_files(void **state)
{
	char pattern[PATH_MAX];
	glob_t g;

	src_path(pattern, sizeof(pattern), DATA "/good-*.conf");
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	/* every good file has a check here */
	assert_int_equal(g.gl_pathc, sizeof(good_files) / sizeof(good_files[0]));
	globfree(&g);
	for (size_t i = 0; i < sizeof(good_files) / sizeof(good_files[0]); i++) {
		struct enad_config cfg;
		struct config_error err;
		char path[1024];

		src_path(path, sizeof(path), DATA "/");
		strncat(path, good_files[i].file, sizeof(path) - strlen(path) - 1);
		if (config_load(path, &cfg, &err) != 0)
			fail_msg("%s: %s", path, err.msg);
		assert_int_equal(cfg.n_files, 1);
		assert_string_equal(cfg.files[0], path);
		good_files[i].check(&cfg);
		config_free(&cfg);
		assert_null(cfg.devices);
	}
}

/* ---- drop-ins ---- */

static void test_dropins(void **state)
{
	char path[1024], expect[PATH_MAX];
	const struct enad_device_config *a, *b;
	struct enad_config cfg;
	struct config_error err;

	src_path(path, sizeof(path), DATA "/dropin/enad.conf");
	if (config_load(path, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	/* main, then 10-, 20-, 30- in name order; README and .hidden.conf skipped */
	assert_int_equal(cfg.n_files, 4);
	assert_string_equal(cfg.files[0], path);
	snprintf(expect, sizeof(expect), "%s.d/10-queues.conf", path);
	assert_string_equal(cfg.files[1], expect);
	snprintf(expect, sizeof(expect), "%s.d/30-override.conf", path);
	assert_string_equal(cfg.files[3], expect);

	assert_int_equal(cfg.n_devices, 2);
	a = port(&cfg, "ena0");
	b = port(&cfg, "ena1");
	/* [device ena0] merged over three files; the last value wins */
	assert_int_equal(a->rx_queue_size, 4096);
	assert_int_equal(a->origin[PARAM_RX_QUEUE_SIZE].file, 3);
	assert_int_equal(a->origin[PARAM_RX_QUEUE_SIZE].line, 3);
	assert_int_equal(a->num_io_queues, 4);
	assert_int_equal(a->origin[PARAM_NUM_IO_QUEUES].file, 1);
	assert_int_equal(a->mtu, 1500);
	assert_int_equal(a->origin[PARAM_MTU].file, 0);
	assert_int_equal(a->section.file, 0);
	assert_string_equal(b->device, "vfio-user:/run/enasim/ena1.sock");
	assert_int_equal(b->section.file, 2);
	/* [global] log_level overridden in 20-ena1.conf; both ports inherit it */
	assert_int_equal(cfg.global.log_level, PARAM_LOG_DEBUG);
	assert_int_equal(cfg.global.origin[PARAM_GLOBAL_LOG_LEVEL].file, 2);
	assert_int_equal(a->log_level, PARAM_LOG_DEBUG);
	assert_int_equal(b->log_level, PARAM_LOG_DEBUG);
	config_free(&cfg);
}

/* @template with each "@" replaced by the main file's path */
static void expect_load_error(const char *rel, const char *template)
{
	char path[1024], expected[4 * PATH_MAX];
	struct enad_config cfg;
	struct config_error err;
	size_t n = 0;

	src_path(path, sizeof(path), rel);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	for (const char *t = template; *t && n + sizeof(path) < sizeof(expected); t++) {
		if (*t == '@') {
			memcpy(expected + n, path, strlen(path));
			n += strlen(path);
		} else {
			expected[n++] = *t;
		}
	}
	expected[n] = '\0';
	assert_string_equal(err.msg, expected);
}

static void test_dropin_errors(void **state)
{
	expect_load_error(DATA "/dropin-bad/enad.conf",
			  "@.d/50-bad.conf:2: tx_queue_size: 1000 is not a power of 2 "
			  "(allowed: 256..16384, power of 2)");
	expect_load_error(DATA "/dropin-conflict/enad.conf",
			  "@.d/20-llq.conf:2: force_large_llq_header: on conflicts with "
			  "llq_policy = off at @:3 (allowed: off when llq_policy is normal or off)");
	expect_load_error(DATA "/dropin-samedev/enad.conf",
			  "@.d/10-ena1.conf:2: device: pci:0000:00:06.0 is already used by "
			  "[device ena0] at @:2 (allowed: one port per device)");
}

/* A temporary directory tree, removed by the test that made it. */
static void write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char path[1024];

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (de->d_type == DT_DIR)
			rm_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void test_limits(void **state)
{
	char dir[] = "/tmp/test_config.XXXXXX", path[1024], name[PATH_MAX];
	struct enad_config cfg;
	struct config_error err;
	char *big;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/enad.conf", dir);

	/* missing main file */
	assert_int_equal(config_load(path, &cfg, &err), -ENOENT);
	snprintf(name, sizeof(name), "%s: cannot open: No such file or directory", path);
	assert_string_equal(err.msg, name);

	/* no drop-in directory is fine; 64 drop-ins are fine, 65 are not */
	write_file(path, "[device ena0]\ndevice = pci:0000:00:06.0\n");
	assert_int_equal(config_load(path, &cfg, &err), 0);
	config_free(&cfg);
	snprintf(name, sizeof(name), "%s.d", path);
	assert_int_equal(mkdir(name, 0700), 0);
	for (int i = 0; i < CONFIG_FILES_MAX; i++) {
		snprintf(name, sizeof(name), "%s.d/%02d.conf", path, i);
		write_file(name, "[device ena0]\nmtu = 9000\n");
	}
	assert_int_equal(config_load(path, &cfg, &err), 0);
	assert_int_equal(cfg.n_files, CONFIG_FILES_MAX + 1);
	assert_int_equal(cfg.devices[0].origin[PARAM_MTU].file, CONFIG_FILES_MAX);
	config_free(&cfg);
	snprintf(name, sizeof(name), "%s.d/99.conf", path);
	write_file(name, "");
	assert_int_equal(config_load(path, &cfg, &err), -E2BIG);
	snprintf(name, sizeof(name), "%s.d: too many configuration files (allowed: at most 64)",
		 path);
	assert_string_equal(err.msg, name);

	/* a directory named like a drop-in */
	snprintf(name, sizeof(name), "%s.d/99.conf", path);
	unlink(name);
	snprintf(name, sizeof(name), "%s.d/00.conf", path);
	unlink(name);
	assert_int_equal(mkdir(name, 0700), 0);
	assert_int_equal(config_load(path, &cfg, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "00.conf: not a regular file"));
	rm_tree(dir);

	/* file size and NUL bytes */
	big = calloc(1, CONFIG_FILE_SIZE_MAX + 1);
	assert_non_null(big);
	memset(big, '#', CONFIG_FILE_SIZE_MAX + 1);
	for (size_t i = 99; i < CONFIG_FILE_SIZE_MAX + 1; i += 100)
		big[i] = '\n';
	assert_int_equal(config_load_buffer("big", big, CONFIG_FILE_SIZE_MAX + 1, &cfg, &err),
			 -EFBIG);
	assert_string_equal(err.msg, "big: file too large (allowed: at most 1048576 bytes)");
	big[CONFIG_FILE_SIZE_MAX - 1] = '\n';
	assert_int_equal(config_load_buffer("big", big, CONFIG_FILE_SIZE_MAX, &cfg, &err), 0);
	config_free(&cfg);
	free(big);
	assert_int_equal(config_load_buffer("nul", "[global]\nlog_level = in\0fo\n", 27, &cfg, &err),
			 -EINVAL);
	assert_string_equal(err.msg, "nul:2: NUL byte in line");
	assert_int_equal(config_load_buffer("empty", NULL, 0, &cfg, &err), 0);
	config_free(&cfg);
	config_free(NULL);
}

/* ---- the installed file ---- */

static void test_installed_conf(void **state)
{
	char path[1024], line[512];
	struct enad_config cfg;
	struct config_error err;
	bool seen[PARAM__COUNT] = { false };
	bool global = false;
	FILE *f;

	src_path(path, sizeof(path), "conf/enad.conf");
	if (config_load(path, &cfg, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(cfg.n_devices, 1);
	assert_string_equal(cfg.devices[0].name, "ena0");
	assert_string_equal(cfg.devices[0].device, "vfio-user:/run/enasim/ena0.sock");
	assert_int_equal(cfg.devices[0].has, PARAM_HAS(PARAM_DEVICE));
	assert_int_equal(cfg.global.has, 0);
	config_free(&cfg);

	/* every key is there, and each commented default is the table's */
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char *eq, *key = line[0] == '#' ? line + 1 : line;
		const struct param *p;

		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "[global]", 8) == 0)
			global = true;
		else if (strncmp(line, "[device", 7) == 0)
			global = false;
		eq = strstr(key, " = ");
		if (!eq || strchr(key, ' ') != eq)
			continue;
		*eq = '\0';
		p = param_find(global ? PARAM_SCOPE_GLOBAL : PARAM_SCOPE_DEVICE, key);
		if (!p)
			continue;
		seen[p->id] = true;
		if (p->dflt && line[0] == '#' && p->id != PARAM_DEVICE_LOG_LEVEL)
			if (strcmp(eq + 3, p->dflt) != 0)
				fail_msg("conf/enad.conf: %s = %s, the table says %s", key, eq + 3,
					 p->dflt);
	}
	fclose(f);
	for (unsigned int i = 0; i < PARAM__COUNT; i++)
		if (!seen[i])
			fail_msg("conf/enad.conf lacks %s", param_table[i].key);
}

/* ---- print and diff ---- */

static void print_reload(const char *rel, unsigned int flags)
{
	char path[1024];
	struct enad_config cfg, again;
	struct config_error err;
	struct config_change *changes = NULL;
	enum param_apply apply;
	size_t n = 99, len = 0;
	char *text = NULL;
	FILE *f;

	src_path(path, sizeof(path), rel);
	assert_int_equal(config_load(path, &cfg, &err), 0);
	f = open_memstream(&text, &len);
	assert_non_null(f);
	assert_int_equal(config_print(&cfg, f, flags), 0);
	fclose(f);
	if (config_load_buffer("printed", text, len, &again, &err) != 0)
		fail_msg("%s\n%s", err.msg, text);
	assert_int_equal(config_diff(&cfg, &again, &changes, &n, &apply), 0);
	if (n)
		fail_msg("%s: %s changed after print/reload:\n%s", rel, changes[0].param->key, text);
	assert_null(changes);
	assert_int_equal(apply, PARAM_APPLY_LIVE);
	assert_int_equal(again.n_devices, cfg.n_devices);
	if (flags & CONFIG_PRINT_ORIGIN)
		assert_non_null(strstr(text, "  # "));
	free(text);
	config_free(&again);
	config_free(&cfg);
}

static void test_print(void **state)
{
	print_reload(DATA "/good-full.conf", 0);
	print_reload(DATA "/good-full.conf", CONFIG_PRINT_DEFAULTS | CONFIG_PRINT_ORIGIN);
	print_reload(DATA "/good-multi.conf", CONFIG_PRINT_DEFAULTS | CONFIG_PRINT_ORIGIN);
	print_reload(DATA "/good-multi.conf", 0);
	print_reload(DATA "/dropin/enad.conf", CONFIG_PRINT_DEFAULTS);
	print_reload("conf/enad.conf", CONFIG_PRINT_DEFAULTS | CONFIG_PRINT_ORIGIN);
}

static void load_text(const char *text, struct enad_config *ret)
{
	struct config_error err;

	if (config_load_buffer("t.conf", text, strlen(text), ret, &err) != 0)
		fail_msg("%s", err.msg);
}

static const struct config_change *find_change(const struct config_change *v, size_t n,
					       const char *device, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i].device, device) == 0 &&
		    (key ? v[i].param && strcmp(v[i].param->key, key) == 0 : !v[i].param))
			return &v[i];
	return NULL;
}

static void test_diff(void **state)
{
	struct enad_config a, b;
	struct config_change *ch;
	const struct config_change *c;
	enum param_apply apply;
	size_t n;

	load_text("[global]\nlog_level = info\n"
		  "[device ena0]\ndevice = pci:0000:00:06.0\nmtu = 1500\nrx_usecs = 20\n"
		  "[device ena1]\ndevice = pci:0000:00:07.0\n",
		  &a);
	/* mtu back to its default: not a change; rx_usecs dropped but was the default */
	load_text("[device ena0]\ndevice = pci:0000:00:06.0\nrss_key = "
		  "6d5a56da255b0ec24167253d43a38fb0d0ca2bcbae7b30b477cb2da38030f20c6a42b73bbeac01fa\n"
		  "tx_usecs = 100\nllq_policy = large\nnum_io_queues = 2\n"
		  "[device ena1]\ndevice = pci:0000:00:07.0\n",
		  &b);
	assert_int_equal(config_diff(&a, &b, &ch, &n, &apply), 0);
	assert_int_equal(n, 4);
	c = find_change(ch, n, "ena0", "rss_key");
	assert_non_null(c);
	assert_int_equal(c->kind, CONFIG_CHANGE_KEY);
	assert_int_equal(c->apply, PARAM_APPLY_LIVE);
	assert_int_equal(find_change(ch, n, "ena0", "tx_usecs")->apply, PARAM_APPLY_LIVE);
	assert_int_equal(find_change(ch, n, "ena0", "llq_policy")->apply, PARAM_APPLY_RESET);
	assert_int_equal(find_change(ch, n, "ena0", "num_io_queues")->apply,
			 PARAM_APPLY_RECONFIGURE);
	assert_null(find_change(ch, n, "ena0", "mtu"));
	assert_int_equal(apply, PARAM_APPLY_RESET);
	free(ch);

	/* the reverse: rss_key goes back to random, a change too */
	assert_int_equal(config_diff(&b, &a, &ch, &n, NULL), 0);
	assert_int_equal(n, 4);
	assert_non_null(find_change(ch, n, "ena0", "rss_key"));
	free(ch);
	config_free(&b);

	/* ports added and removed, device strings, global keys, inherited log level */
	load_text("[global]\nlog_level = debug\ncontrol_socket = /run/other.sock\n"
		  "[device ena0]\ndevice = pci:0000:00:08.0\n"
		  "[device ena2]\ndevice = pci:0000:00:07.0\n",
		  &b);
	assert_int_equal(config_diff(&a, &b, &ch, &n, &apply), 0);
	assert_int_equal(apply, PARAM_APPLY_RESTART);
	c = find_change(ch, n, "", "log_level");
	assert_non_null(c);
	assert_int_equal(c->param->scope, PARAM_SCOPE_GLOBAL);
	assert_int_equal(c->apply, PARAM_APPLY_LIVE);
	assert_int_equal(find_change(ch, n, "", "control_socket")->apply, PARAM_APPLY_RESTART);
	assert_int_equal(find_change(ch, n, "ena0", "device")->apply, PARAM_APPLY_RESTART);
	assert_non_null(find_change(ch, n, "ena0", "log_level")); /* inherited debug */
	assert_int_equal(find_change(ch, n, "ena1", NULL)->kind, CONFIG_CHANGE_DEVICE_REMOVED);
	assert_int_equal(find_change(ch, n, "ena2", NULL)->kind, CONFIG_CHANGE_DEVICE_ADDED);
	assert_int_equal(n, 6);
	free(ch);
	config_free(&b);

	/* identical */
	assert_int_equal(config_diff(&a, &a, &ch, &n, &apply), 0);
	assert_int_equal(n, 0);
	assert_null(ch);
	assert_int_equal(apply, PARAM_APPLY_LIVE);
	config_free(&a);
}

/* The has bits carry a partial update: store only what is given. */
static void test_partial_update(void **state)
{
	struct enad_config cfg;
	struct enad_device_config update, *d;
	union param_value v;
	const struct param *p = param_find_api("rings", "rx");

	load_text("[device ena0]\ndevice = pci:0000:00:06.0\ntx_queue_size = 512\n", &cfg);
	d = &cfg.devices[0];
	config_device_defaults(&cfg.global, "ena0", &update);
	assert_int_equal(param_parse(p, "4096", &v, NULL), 0);
	param_store(p, &v, &update);
	update.has |= PARAM_HAS(p->id);
	for (unsigned int i = 0; i < PARAM__COUNT; i++)
		if (update.has & PARAM_HAS(i)) {
			param_load(&param_table[i], &update, &v);
			param_store(&param_table[i], &v, d);
			d->has |= PARAM_HAS(i);
		}
	assert_int_equal(d->rx_queue_size, 4096);
	assert_int_equal(d->tx_queue_size, 512);
	assert_string_equal(d->device, "pci:0000:00:06.0");
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_table_defaults),
		cmocka_unit_test(test_parse_round_trip),
		cmocka_unit_test(test_parse_round_trip_types),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_indir_max_queue),
		cmocka_unit_test(test_ifname),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_good_files),
		cmocka_unit_test(test_dropins),
		cmocka_unit_test(test_dropin_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_installed_conf),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_partial_update),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
