/* SPDX-License-Identifier: MIT */
/* enasim command line parsing: one table gives every option its name,
 * argument, help and validation. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

struct sim_option {
	const char *name;      /* without the leading "--" */
	const char *arg;       /* NULL: flag without a value */
	const char *help;
	int (*set)(struct sim_options *o, const char *opt, const char *val, char *err,
		   size_t errlen);
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int parse_u64(const char *s, int base, uint64_t *ret)
{
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Decimal integer in [min, max]. */
static int get_uint(const char *opt, const char *val, uint64_t min, uint64_t max,
		    uint64_t *ret, char *err, size_t errlen)
{
	uint64_t v = 0;

	if (parse_u64(val, 10, &v) < 0 || v < min || v > max)
		return fail(err, errlen, "--%s: '%s' is not allowed; use an integer in %llu..%llu",
			    opt, val, (unsigned long long)min, (unsigned long long)max);
	*ret = v;
	return 0;
}

/* Hexadecimal ("0x" optional) in [min, max]. */
static int get_hex(const char *opt, const char *val, uint64_t min, uint64_t max, uint64_t *ret,
		   char *err, size_t errlen)
{
	uint64_t v = 0;

	if (parse_u64(val, 16, &v) < 0 || v < min || v > max)
		return fail(err, errlen, "--%s: '%s' is not allowed; use a hex value in 0x%llx..0x%llx",
			    opt, val, (unsigned long long)min, (unsigned long long)max);
	*ret = v;
	return 0;
}

static int get_bool(const char *opt, const char *val, bool *ret, char *err, size_t errlen)
{
	if (strcmp(val, "on") == 0)
		*ret = true;
	else if (strcmp(val, "off") == 0)
		*ret = false;
	else
		return fail(err, errlen, "--%s: '%s' is not allowed; use on or off", opt, val);
	return 0;
}

static int get_depth(const char *opt, const char *val, uint32_t *ret, char *err, size_t errlen)
{
	uint64_t v = 0;

	if (parse_u64(val, 10, &v) < 0 || v < 64 || v > 32768 || (v & (v - 1)))
		return fail(err, errlen,
			    "--%s: '%s' is not allowed; use a power of 2 in 64..32768", opt, val);
	*ret = (uint32_t)v;
	return 0;
}

static int get_path(const char *opt, const char *val, char *dst, char *err, size_t errlen)
{
	size_t n = strlen(val);

	if (n == 0 || n >= SIM_PATH_MAX)
		return fail(err, errlen, "--%s: path must be 1..%d characters long", opt,
			    SIM_PATH_MAX - 1);
	memcpy(dst, val, n + 1);
	return 0;
}

static int set_socket(struct sim_options *o, const char *opt, const char *val, char *err,
		      size_t errlen)
{
	return get_path(opt, val, o->socket_path, err, errlen);
}

static int set_ctl(struct sim_options *o, const char *opt, const char *val, char *err,
		   size_t errlen)
{
	return get_path(opt, val, o->ctl_path, err, errlen);
}

int sim_wire_parse(const char *spec, struct sim_wire *ret, char *err, size_t errlen)
{
	struct sim_wire w;
	const char *allowed = "use loop, tap:NAME[,netns=NS] or pair:PATH";

	memset(&w, 0, sizeof(w));
	if (strcmp(spec, "loop") == 0) {
		w.kind = SIM_WIRE_LOOP;
	} else if (strncmp(spec, "tap:", 4) == 0) {
		const char *name = spec + 4;
		const char *comma = strchr(name, ',');
		size_t n = comma ? (size_t)(comma - name) : strlen(name);

		w.kind = SIM_WIRE_TAP;
		if (n == 0 || n >= SIM_IFNAME_MAX || memchr(name, '/', n) || memchr(name, ' ', n))
			return fail(err, errlen,
				    "--wire: '%s': interface name must be 1..%d characters, no '/' or space",
				    spec, SIM_IFNAME_MAX - 1);
		memcpy(w.ifname, name, n);
		if (comma) {
			const char *ns = comma + 1;

			if (strncmp(ns, "netns=", 6) != 0)
				return fail(err, errlen, "--wire: '%s': unknown tap option '%s'; %s",
					    spec, ns, allowed);
			ns += 6;
			if (!*ns || strlen(ns) >= SIM_NETNS_MAX || strchr(ns, '/') ||
			    strchr(ns, ','))
				return fail(err, errlen,
					    "--wire: '%s': netns name must be 1..%d characters, no '/' or ','",
					    spec, SIM_NETNS_MAX - 1);
			strcpy(w.netns, ns);
		}
	} else if (strncmp(spec, "pair:", 5) == 0) {
		const char *path = spec + 5;

		w.kind = SIM_WIRE_PAIR;
		if (!*path || strlen(path) >= SIM_PATH_MAX)
			return fail(err, errlen, "--wire: '%s': pair path must be 1..%d characters",
				    spec, SIM_PATH_MAX - 1);
		strcpy(w.path, path);
	} else {
		return fail(err, errlen, "--wire: '%s' is not allowed; %s", spec, allowed);
	}
	*ret = w;
	return 0;
}

static int set_wire(struct sim_options *o, const char *opt, const char *val, char *err,
		    size_t errlen)
{
	return sim_wire_parse(val, &o->wire, err, errlen);
}

static int set_queues(struct sim_options *o, const char *opt, const char *val, char *err,
		      size_t errlen)
{
	uint64_t v = 0;
	int r = get_uint(opt, val, 1, SIM_MAX_QUEUES, &v, err, errlen);

	if (r == 0)
		o->profile.queues = (unsigned int)v;
	return r;
}

static int set_mac(struct sim_options *o, const char *opt, const char *val, char *err,
		   size_t errlen)
{
	unsigned int b[6];
	char tail;

	if (strlen(val) != 17 ||
	    sscanf(val, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return fail(err, errlen, "--%s: '%s' is not allowed; use xx:xx:xx:xx:xx:xx", opt,
			    val);
	if ((b[0] & 1) || !(b[0] | b[1] | b[2] | b[3] | b[4] | b[5]))
		return fail(err, errlen,
			    "--%s: '%s' is not allowed; use a non-zero unicast address (first octet even)",
			    opt, val);
	for (int i = 0; i < 6; i++)
		o->profile.mac[i] = (uint8_t)b[i];
	return 0;
}

static int set_max_mtu(struct sim_options *o, const char *opt, const char *val, char *err,
		       size_t errlen)
{
	uint64_t v = 0;
	int r = get_uint(opt, val, 128, 65535, &v, err, errlen);

	if (r == 0)
		o->profile.max_mtu = (uint32_t)v;
	return r;
}

static int set_llq(struct sim_options *o, const char *opt, const char *val, char *err,
		   size_t errlen)
{
	return get_bool(opt, val, &o->profile.llq, err, errlen);
}

static int set_llq_entry(struct sim_options *o, const char *opt, const char *val, char *err,
			 size_t errlen)
{
	if (strcmp(val, "128") == 0) {
		o->profile.llq_entry_sizes = ENA_LLQ_ENTRY_SIZE_128B;
		o->profile.llq_entry_recommended = ENA_LLQ_ENTRY_SIZE_128B;
	} else if (strcmp(val, "256") == 0) {
		o->profile.llq_entry_sizes = ENA_LLQ_ENTRY_SIZE_256B;
		o->profile.llq_entry_recommended = ENA_LLQ_ENTRY_SIZE_256B;
	} else if (strcmp(val, "both") == 0) {
		o->profile.llq_entry_sizes = ENA_LLQ_ENTRY_SIZE_128B | ENA_LLQ_ENTRY_SIZE_256B;
		o->profile.llq_entry_recommended = ENA_LLQ_ENTRY_SIZE_128B;
	} else {
		return fail(err, errlen, "--%s: '%s' is not allowed; use 128, 256 or both", opt, val);
	}
	return 0;
}

static int set_rx_depth(struct sim_options *o, const char *opt, const char *val, char *err,
			size_t errlen)
{
	return get_depth(opt, val, &o->profile.rx_depth, err, errlen);
}

static int set_tx_depth(struct sim_options *o, const char *opt, const char *val, char *err,
			size_t errlen)
{
	return get_depth(opt, val, &o->profile.tx_depth, err, errlen);
}

static int set_tx_offloads(struct sim_options *o, const char *opt, const char *val, char *err,
			   size_t errlen)
{
	uint64_t v = 0;
	int r = get_hex(opt, val, 0, 0xFF, &v, err, errlen);

	if (r == 0)
		o->profile.tx_offloads = (uint32_t)v;
	return r;
}

static int set_rx_offloads(struct sim_options *o, const char *opt, const char *val, char *err,
			   size_t errlen)
{
	uint64_t v = 0;
	int r = get_hex(opt, val, 0, 0xF, &v, err, errlen);

	if (r == 0)
		o->profile.rx_offloads = (uint32_t)v;
	return r;
}

static int set_eni_stats(struct sim_options *o, const char *opt, const char *val, char *err,
			 size_t errlen)
{
	return get_bool(opt, val, &o->profile.eni_stats, err, errlen);
}

static int set_keepalive_ms(struct sim_options *o, const char *opt, const char *val, char *err,
			    size_t errlen)
{
	uint64_t v = 0;
	int r = get_uint(opt, val, 1, 3600000, &v, err, errlen);

	if (r == 0)
		o->profile.keepalive_ms = (uint32_t)v;
	return r;
}

static int set_readless(struct sim_options *o, const char *opt, const char *val, char *err,
			size_t errlen)
{
	return get_bool(opt, val, &o->profile.readless, err, errlen);
}

static int set_admin_cmd_to(struct sim_options *o, const char *opt, const char *val, char *err,
			    size_t errlen)
{
	uint64_t v = 0;
	int r = get_uint(opt, val, 0, 15, &v, err, errlen);

	if (r == 0)
		o->profile.admin_cmd_to = (uint32_t)v;
	return r;
}

static int set_device_id(struct sim_options *o, const char *opt, const char *val, char *err,
			 size_t errlen)
{
	uint64_t v = 0;
	int r = get_hex(opt, val, 1, 0xFFFE, &v, err, errlen);

	if (r == 0)
		o->profile.device_id = (uint16_t)v;
	return r;
}

static int set_poll_us(struct sim_options *o, const char *opt, const char *val, char *err,
		       size_t errlen)
{
	uint64_t v = 0;
	int r = get_uint(opt, val, 0, 1000000, &v, err, errlen);

	if (r == 0)
		o->poll_us = (uint32_t)v;
	return r;
}

static int set_help(struct sim_options *o, const char *opt, const char *val, char *err,
		    size_t errlen)
{
	o->help = true;
	return 0;
}

static int set_version(struct sim_options *o, const char *opt, const char *val, char *err,
		       size_t errlen)
{
	o->version = true;
	return 0;
}

static const struct sim_option options[] = {
	{ "socket", "PATH", "vfio-user socket to serve (required)", set_socket },
	{ "ctl", "PATH", "JSON control socket (default PATH.ctl)", set_ctl },
	{ "wire", "SPEC", "loop | tap:NAME[,netns=NS] | pair:PATH (default loop)", set_wire },
	{ "queues", "N", "IO queue pairs, 1..128 (default 8)", set_queues },
	{ "mac", "MAC", "unicast MAC (default 02:00:00:ee:00:01)", set_mac },
	{ "max-mtu", "N", "maximum MTU, 128..65535 (default 9216)", set_max_mtu },
	{ "llq", "on|off", "LLQ (device TX placement, BAR2) (default on)", set_llq },
	{ "llq-entry", "128|256|both", "LLQ entry sizes offered (default both, 128 recommended)",
	  set_llq_entry },
	{ "rx-depth", "N", "max RX ring depth, power of 2 in 64..32768 (default 16384)",
	  set_rx_depth },
	{ "tx-depth", "N", "max TX ring depth, power of 2 in 64..32768 (default 1024)",
	  set_tx_depth },
	{ "tx-offloads", "HEX", "TX offload bits, 0..0xFF (default 0xFF)", set_tx_offloads },
	{ "rx-offloads", "HEX", "RX offload bits, 0..0xF (default 0xF)", set_rx_offloads },
	{ "eni-stats", "on|off", "ENI_STATS and CUSTOMER_METRICS capabilities (default on)",
	  set_eni_stats },
	{ "keepalive-ms", "N", "keep-alive period, 1..3600000 ms (default 1000)", set_keepalive_ms },
	{ "readless", "on|off", "readless MMIO register reads (default on)", set_readless },
	{ "admin-cmd-to", "N", "CAPS admin command timeout, 0..15 x 100 ms (default 0)",
	  set_admin_cmd_to },
	{ "device-id", "HEX", "PCI device id, 0x1..0xFFFE (default 0xEC20)", set_device_id },
	{ "poll-us", "N", "poll N µs after activity before sleeping, 0..1000000 (default 0)", set_poll_us },
	{ "help", NULL, "show this help", set_help },
	{ "version", NULL, "show the version", set_version },
};

void sim_options_usage(FILE *f)
{
	fprintf(f, "usage: enasim --socket PATH [OPTIONS]\n"
		   "       enasim ctl --ctl PATH VERB [ARGS...]\n\noptions:\n");
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++) {
		char left[48];

		snprintf(left, sizeof(left), "--%s%s%s", options[i].name, options[i].arg ? " " : "",
			 options[i].arg ? options[i].arg : "");
		fprintf(f, "  %-28s %s\n", left, options[i].help);
	}
}

static const struct sim_option *option_find(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof(options) / sizeof(options[0]); i++)
		if (strlen(options[i].name) == n && strncmp(options[i].name, name, n) == 0)
			return &options[i];
	return NULL;
}

int sim_options_parse(int argc, char **argv, struct sim_options *ret, char *err, size_t errlen)
{
	struct sim_options o;
	int r;

	memset(&o, 0, sizeof(o));
	sim_profile_init_default(&o.profile);
	o.wire.kind = SIM_WIRE_LOOP;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *eq, *val = NULL;
		const struct sim_option *opt;
		size_t n;

		if (strncmp(a, "--", 2) != 0 || !a[2])
			return fail(err, errlen, "unexpected argument '%s'; see --help", a);
		a += 2;
		eq = strchr(a, '=');
		n = eq ? (size_t)(eq - a) : strlen(a);
		opt = option_find(a, n);
		if (!opt)
			return fail(err, errlen, "unknown option '--%.*s'; see --help", (int)n, a);
		if (opt->arg) {
			if (eq)
				val = eq + 1;
			else if (i + 1 < argc)
				val = argv[++i];
			else
				return fail(err, errlen, "--%s needs a value: %s", opt->name, opt->arg);
		} else if (eq) {
			return fail(err, errlen, "--%s takes no value", opt->name);
		}
		r = opt->set(&o, opt->name, val, err, errlen);
		if (r < 0)
			return r;
	}
	if (!o.help && !o.version) {
		if (!o.socket_path[0])
			return fail(err, errlen, "--socket PATH is required; see --help");
		if (!o.ctl_path[0]) {
			if (strlen(o.socket_path) + 4 >= SIM_PATH_MAX)
				return fail(err, errlen,
					    "--socket: path too long to derive PATH.ctl; give --ctl PATH");
			snprintf(o.ctl_path, sizeof(o.ctl_path), "%s.ctl", o.socket_path);
		}
		if (strcmp(o.ctl_path, o.socket_path) == 0)
			return fail(err, errlen, "--ctl: must differ from --socket");
	}
	*ret = o;
	return 0;
}
