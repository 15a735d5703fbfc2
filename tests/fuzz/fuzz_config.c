/* SPDX-License-Identifier: MIT */
/* libFuzzer harness: the config parser and param_parse() on arbitrary input.
 *
 * First byte even: the rest is a config file. A file that loads must print
 * and load back to the same configuration.
 * First byte odd: the second byte picks a knob, the rest is its value. A
 * value that parses must format and parse back to the same value. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "params.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void config_round_trip(const char *data, size_t size)
{
	struct enad_config cfg, again;
	struct config_error err;
	struct config_change *changes = NULL;
	size_t n = 0, len = 0;
	char *text = NULL;
	FILE *f;

	if (config_load_buffer("fuzz.conf", data, size, &cfg, &err) < 0) {
		if (!err.msg[0] || !memchr(err.msg, '\0', sizeof(err.msg)))
			abort(); /* a failure always says why */
		return;
	}
	f = open_memstream(&text, &len);
	if (!f)
		abort();
	if (config_print(&cfg, f, CONFIG_PRINT_DEFAULTS | CONFIG_PRINT_ORIGIN) < 0)
		abort();
	fclose(f);
	if (config_load_buffer("printed.conf", text, len, &again, &err) < 0) {
		fprintf(stderr, "printed config does not load: %s\n%s", err.msg, text);
		abort();
	}
	if (config_diff(&cfg, &again, &changes, &n, NULL) < 0 || n != 0) {
		fprintf(stderr, "printed config differs (%s)\n%s", n ? changes[0].device : "?", text);
		abort();
	}
	free(changes);
	free(text);
	config_free(&again);
	config_free(&cfg);
}

static void param_round_trip(const struct param *p, const char *value)
{
	static char text[PARAM_FORMAT_MAX];
	union param_value v, again;
	struct param_error err;

	if (param_parse(p, value, &v, &err) < 0) {
		if (err.param != p || !err.msg[0])
			abort();
		return;
	}
	if (param_format(p, &v, text, sizeof(text)) < 0)
		abort();
	if (param_parse(p, text, &again, &err) < 0) {
		fprintf(stderr, "%s: '%s' formats as '%s', which fails: %s\n", p->key, value, text,
			err.msg);
		abort();
	}
	if (!param_value_equal(p, &v, &again))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value;

	if (size < 1)
		return 0;
	if ((data[0] & 1) == 0) {
		config_round_trip((const char *)data + 1, size - 1);
		return 0;
	}
	if (size < 2)
		return 0;
	value = malloc(size - 1);
	if (!value)
		return 0;
	memcpy(value, data + 2, size - 2);
	value[size - 2] = '\0';
	param_round_trip(&param_table[data[1] % PARAM__COUNT], value);
	free(value);
	return 0;
}
