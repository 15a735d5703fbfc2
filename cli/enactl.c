/* SPDX-License-Identifier: MIT */
/* enactl's entry: global options, then one command from the verb table
 * (the help text is generated from that table). */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "enactl.h"

#define TIMEOUT_S_MAX 3600

struct verb {
	const char *name;
	int min_args, max_args;     /* arguments after the command word; -1: no limit */
	enactl_cmd_fn fn;
	const char *synopsis;       /* the arguments, for usage lines */
	const char *help;           /* one line */
	void (*help_more)(FILE *f); /* the command's own word list, or NULL */
};

static void rss_help(FILE *f);

static const struct verb verbs[] = {
	{ "list", 0, 0, cmd_list, "", "list the ports enad runs", NULL },
	{ "show", 0, 1, cmd_show, "[FIELD]",
	  "the port's settings (ethtool -i/-l/-g/-k); FIELD: one bare value",
	  cmd_show_help },
	{ "stats", 0, 2, cmd_stats, "[--queues] [--eni]",
	  "counters (ethtool -S); per queue, ENI allowances", NULL },
	{ "set", 2, -1, cmd_set, "WORD VALUE [WORD VALUE ...]",
	  "change settings (ethtool -G/-L/-C, MTU, ...)", cmd_set_help },
	{ "rss", 0, -1, cmd_rss, "[show] | indir ... | key HEX | hfunc toeplitz|crc32",
	  "RSS table, key and hash function (ethtool -x/-X)", rss_help },
	{ "reset", 0, 0, cmd_reset, "", "reset the device (reason USER_TRIGGER)", NULL },
	{ "watch", 0, 5, cmd_watch, "[link|reset|config|eni|state ...]",
	  "print events, one per line, until interrupted", NULL },
	{ "version", 0, 0, cmd_version, "", "versions of enactl, enad and the control API", NULL },
};

static const struct verb *verb_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, name) == 0)
			return &verbs[i];
	return NULL;
}

static void rss_help(FILE *f)
{
	fputs("\n"
	      "  rss [show]                 the indirection table, key and hash function\n"
	      "  rss indir E:Q [E:Q ...]    set table entry E to queue Q (FreeBSD style)\n"
	      "  rss indir Q0 Q1 ...        the whole table, one queue per entry\n"
	      "  rss indir equal N          spread the table over queues 0..N-1\n"
	      "  rss indir weight W0 W1 ... queue q gets Wq shares of the table\n"
	      "  rss key HEX                the Toeplitz key: 80 hex digits, ':' allowed\n"
	      "  rss hfunc toeplitz|crc32   the hash function\n",
	      f);
}

void enactl_cmd_help(FILE *f, const char *name)
{
	const struct verb *v = verb_find(name);

	if (!v)
		return;
	fprintf(f, "usage: enactl [-s SOCKET] [-i IFACE] [-j] %s%s%s\n\n%s\n", v->name,
		v->synopsis[0] ? " " : "", v->synopsis, v->help);
	if (v->help_more)
		v->help_more(f);
}

static void help(FILE *f)
{
	size_t i;

	fputs("usage: enactl [-s SOCKET] [-i IFACE] [-j] [COMMAND [ARGS...]]\n"
	      "\n"
	      "Manage a running enad over its control socket (protocol: daemon/CONTROL-API.md).\n"
	      "\n"
	      "Options:\n"
	      "  -s, --socket SOCKET     control socket (default: $ENACTL_SOCKET, else " ENACTL_SOCKET_DEFAULT ")\n"
	      "  -i, --interface IFACE   the port (its interface name); may be left out when enad runs one\n"
	      "  -j, --json              print enad's JSON result instead of text\n"
	      "  -h, --help              this help; 'enactl COMMAND --help' for one command\n"
	      "      --version           enactl's version\n"
	      "\n"
	      "Commands (without one, enactl runs 'show'):\n",
	      f);
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		char head[64];

		snprintf(head, sizeof(head), "%s %s", verbs[i].name, verbs[i].synopsis);
		if (strlen(head) > 24)
			fprintf(f, "  %s\n  %-24s %s\n", head, "", verbs[i].help);
		else
			fprintf(f, "  %-24s %s\n", head, verbs[i].help);
	}
	fputs("\nExit status: 0 done, 1 enad refused or cannot be reached, 2 usage error.\n", f);
}

/* Is @name usable as a Linux interface name (the kernel's dev_valid_name)? */
static bool ifname_valid(const char *name)
{
	size_t n = strlen(name), i;

	if (n == 0 || n >= 16 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c <= ' ' || c == '/' || c == ':' || c == 0x7f)
			return false;
	}
	return true;
}

/* The value of option @argv[*i]: "-sX", "--socket=X" or the next argument. */
static const char *option_value(struct enactl *e, int argc, char **argv, int *i,
				const char *shrt, const char *lng)
{
	const char *a = argv[*i];
	size_t ll = strlen(lng);

	if (strncmp(a, lng, ll) == 0 && a[ll] == '=')
		return a + ll + 1;
	if (strcmp(a, shrt) != 0 && strcmp(a, lng) != 0)
		return a + 2; /* -sPATH */
	if (*i + 1 >= argc) {
		enactl_usage(e, "%s needs a value", a);
		return NULL;
	}
	return argv[++*i];
}

static bool option_is(const char *a, const char *shrt, const char *lng)
{
	size_t ll = strlen(lng);

	return strcmp(a, lng) == 0 || (strncmp(a, lng, ll) == 0 && a[ll] == '=') ||
	       strncmp(a, shrt, 2) == 0;
}

/* ENACTL_TIMEOUT: seconds to wait for each reply. */
static int timeout_from_env(struct enactl *e)
{
	const char *s = getenv("ENACTL_TIMEOUT");
	uint64_t v;

	if (!s || !s[0])
		return ENACTL_OK;
	if (enactl_parse_uint(e, "ENACTL_TIMEOUT", s, &v) != ENACTL_OK)
		return ENACTL_USAGE;
	if (v < 1 || v > TIMEOUT_S_MAX)
		return enactl_usage(e, "ENACTL_TIMEOUT: %s is out of range (allowed: 1..%d seconds)",
				    s, TIMEOUT_S_MAX);
	e->timeout_ms = (int)v * 1000;
	return ENACTL_OK;
}

/* Options answered on the spot (--help, --version): nothing more to run. */
#define OPTIONS_DONE (-1)

/* Parse the global options; *next = index of the command (argc: none).
 * Return: ENACTL_OK, ENACTL_USAGE, or OPTIONS_DONE. */
static int options(struct enactl *e, int argc, char **argv, int *next)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help(e->out);
			return OPTIONS_DONE;
		} else if (strcmp(a, "--version") == 0) {
			fprintf(e->out, "enactl %s\n", ENAD_VERSION);
			return OPTIONS_DONE;
		} else if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0) {
			e->json = true;
		} else if (option_is(a, "-s", "--socket")) {
			const char *s = option_value(e, argc, argv, &i, "-s", "--socket");

			if (!s)
				return ENACTL_USAGE;
			if (!s[0] || strlen(s) >= CLIENT_SOCKET_PATH_MAX)
				return enactl_usage(e, "-s: '%s' is not a usable socket path (allowed: 1..%d bytes)",
						    s, CLIENT_SOCKET_PATH_MAX - 1);
			e->socket = s;
		} else if (option_is(a, "-i", "--interface")) {
			const char *s = option_value(e, argc, argv, &i, "-i", "--interface");

			if (!s)
				return ENACTL_USAGE;
			if (!ifname_valid(s))
				return enactl_usage(e, "-i: '%s' is not an interface name (allowed: 1..15 bytes, no '/', ':' or spaces)",
						    s);
			e->iface = s;
		} else {
			return enactl_usage(e, "unknown option '%s'", a);
		}
	}
	*next = i;
	return timeout_from_env(e);
}

/* Run command argv[0] with its arguments, after checking them against the table. */
static int dispatch(struct enactl *e, int argc, char **argv)
{
	const struct verb *v = verb_find(argv[0]);
	int j, nargs = argc - 1;

	if (strcmp(argv[0], "help") == 0) {
		if (argc > 2 || (argc == 2 && !verb_find(argv[1])))
			return enactl_usage(e, "help: '%s' is not a command", argv[1]);
		if (argc == 2)
			enactl_cmd_help(e->out, argv[1]);
		else
			help(e->out);
		return ENACTL_OK;
	}
	if (!v) {
		char names[256] = "";
		size_t k;

		for (k = 0; k < sizeof(verbs) / sizeof(verbs[0]); k++)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s, ",
				 verbs[k].name);
		return enactl_usage(e, "'%s' is not a command (allowed: %shelp)", argv[0], names);
	}
	e->cmd = v->name;
	for (j = 1; j < argc; j++) {
		if (strcmp(argv[j], "--help") == 0 || (j == 1 && strcmp(argv[j], "-h") == 0)) {
			enactl_cmd_help(e->out, v->name);
			return ENACTL_OK;
		}
	}
	for (j = 1; j < argc; j++) {
		const char *a = argv[j];

		/* No command takes these; they are global options misplaced. */
		if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0 || option_is(a, "-s", "--socket") ||
		    option_is(a, "-i", "--interface"))
			return enactl_usage(e, "'%s' is a global option: put it before the command (enactl %s %s)",
					    a, a, v->name);
	}
	if (nargs < v->min_args || (v->max_args >= 0 && nargs > v->max_args)) {
		if (v->max_args == 0)
			return enactl_usage(e, "%s takes no arguments", v->name);
		return enactl_usage(e, "%s: wrong number of arguments (usage: %s %s)", v->name,
				    v->name, v->synopsis);
	}
	return v->fn(e, argc, argv);
}

static int run(struct enactl *e, int argc, char **argv)
{
	static char *show_argv[] = { "show", NULL };
	int next = argc, r = options(e, argc, argv, &next);

	if (r == OPTIONS_DONE)
		return ENACTL_OK;
	if (r != ENACTL_OK)
		return r;
	if (next == argc) /* no command: show */
		return dispatch(e, 1, show_argv);
	return dispatch(e, argc - next, argv + next);
}

int enactl_main(int argc, char **argv, FILE *out, FILE *err)
{
	const char *env = getenv("ENACTL_SOCKET");
	struct enactl e = {
		.socket = env && env[0] ? env : ENACTL_SOCKET_DEFAULT,
		.timeout_ms = CLIENT_TIMEOUT_MS_DEFAULT,
		.out = out,
		.err = err,
	};
	int status = argc > 0 ? run(&e, argc, argv) : ENACTL_USAGE;

	client_close(e.conn);
	if (fflush(out) != 0 || ferror(out)) {
		fputs("enactl: cannot write the output\n", err);
		if (status == ENACTL_OK)
			status = ENACTL_FAIL;
	}
	return status;
}
