/* SPDX-License-Identifier: MIT */
/* enad's entry point: arguments, configuration, then the manager runs the daemon. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "manager.h"

#ifndef ENAD_VERSION
#define ENAD_VERSION "0.0.0"
#endif

/* Exit statuses: 0 ok, 1 failed (bad configuration, start-up failure), 2 usage. */
enum { EXIT_USAGE = 2 };

struct options {
	const char *config_path;
	bool foreground;
	bool check_config;
	bool verbose;
	bool version;
	bool help;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: enad [--config PATH] [--foreground]\n"
		"       enad --check-config [--config PATH] [-v|--verbose]\n"
		"       enad --version | --help\n"
		"\n"
		"Userspace driver for the Amazon Elastic Network Adapter.\n"
		"\n"
		"options:\n"
		"  -c, --config PATH   configuration file (default %s;\n"
		"                      drop-ins are read from PATH.d/*.conf)\n"
		"  -f, --foreground    log to stderr, never to the journal. enad never\n"
		"                      daemonizes (it is a Type=notify service), so this\n"
		"                      only chooses where log lines go\n"
		"  -t, --check-config  validate the configuration and exit: 0 when it is\n"
		"                      good, 1 with FILE:LINE: KEY: REASON when it is not\n"
		"  -v, --verbose       with --check-config: print the effective configuration,\n"
		"                      every key with its value and where it came from\n"
		"  -V, --version       print the version and exit\n"
		"  -h, --help          print this help and exit\n",
		CONFIG_DEFAULT_PATH);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line naming what was wrong, then the hint; returns the usage exit status. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("enad: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'enad --help'.\n", stderr);
	return EXIT_USAGE;
}

/* The whole command line is checked before anything is done: "--version
 * --bogus" is a usage error too. Returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "check-config", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c;

	/* Our own messages (usage_error), not getopt's. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:ftvVh", longopts, NULL)) != -1) {
		const char *arg = argv[optind - 1];

		switch (c) {
		case 'c':
			if (!optarg[0])
				return usage_error("--config: empty path");
			o->config_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 't':
			o->check_config = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'V':
			o->version = true;
			break;
		case 'h':
			o->help = true;
			break;
		case ':':
			return usage_error("option '%s' needs an argument", arg);
		default:
			/* A known long option given "=VALUE" comes back with its optopt. */
			if (strncmp(arg, "--", 2) == 0 && optopt)
				return usage_error("option '%.*s' takes no argument",
						   (int)strcspn(arg, "="), arg);
			if (strncmp(arg, "--", 2) == 0)
				return usage_error("unknown option '%s'", arg);
			return usage_error("unknown option '-%c'", optopt);
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (o->verbose && !o->check_config)
		return usage_error("--verbose only goes with --check-config");
	if (o->help) {
		usage(stdout);
		return EXIT_SUCCESS;
	}
	if (o->version) {
		printf("enad %s\n", ENAD_VERSION);
		return EXIT_SUCCESS;
	}
	return -1;
}

static int load(const char *path, struct enad_config *ret)
{
	struct config_error err;
	int r;

	r = config_load(path, ret, &err);
	if (r < 0) {
		/* The message already starts with FILE:LINE (or FILE: for I/O errors). */
		if (err.msg[0])
			fprintf(stderr, "enad: %s\n", err.msg);
		else
			fprintf(stderr, "enad: %s: %s\n", path, strerror(-r));
		return r;
	}
	return 0;
}

static int check_config(const struct options *o)
{
	struct enad_config cfg;
	int rc = EXIT_SUCCESS;

	if (load(o->config_path, &cfg) < 0)
		return EXIT_FAILURE;
	if (o->verbose && config_print(&cfg, stdout, CONFIG_PRINT_DEFAULTS | CONFIG_PRINT_ORIGIN) < 0) {
		fprintf(stderr, "enad: cannot print the configuration: write error\n");
		rc = EXIT_FAILURE;
	}
	if (rc == EXIT_SUCCESS)
		printf("enad: configuration OK: %u port(s) (%s)\n", cfg.n_devices, o->config_path);
	config_free(&cfg);
	if (fflush(stdout) != 0)
		rc = EXIT_FAILURE;
	return rc;
}

static int run(const struct options *o)
{
	struct enad_config cfg;
	struct manager *m = NULL;
	int level, r;

	if (load(o->config_path, &cfg) < 0)
		return EXIT_FAILURE;
	log_setup(o->foreground ? LOG_TARGET_STDERR : LOG_TARGET_AUTO);
	level = log_level_from_name(param_log_level_name(cfg.global.log_level));
	if (level >= 0)
		log_set_level(level);

	/* manager_new() takes cfg's contents over, also when it fails. */
	r = manager_new(o->config_path, &cfg, &m);
	if (r < 0) {
		log_errno(r, "cannot start: %m");
		return EXIT_FAILURE;
	}
	r = manager_run(m);
	manager_free(m);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	struct options o = { .config_path = CONFIG_DEFAULT_PATH };
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	/* A client that goes away must cost a write error, not the daemon. */
	signal(SIGPIPE, SIG_IGN);
	if (o.check_config)
		return check_config(&o);
	return run(&o);
}
