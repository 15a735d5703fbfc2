/* SPDX-License-Identifier: MIT */
/* enactl's argv checks: strict numbers, on|off, and the two error lines
 * (usage: exit 2, failure: exit 1). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enactl.h"

int enactl_usage(struct enactl *e, const char *fmt, ...)
{
	va_list ap;

	fputs("enactl: ", e->err);
	va_start(ap, fmt);
	vfprintf(e->err, fmt, ap);
	va_end(ap);
	if (e->cmd)
		fprintf(e->err, "\n(see 'enactl %s --help')\n", e->cmd);
	else
		fputs("\n(see 'enactl --help')\n", e->err);
	return ENACTL_USAGE;
}

int enactl_fail(struct enactl *e, const char *fmt, ...)
{
	va_list ap;

	fputs("enactl: ", e->err);
	va_start(ap, fmt);
	vfprintf(e->err, fmt, ap);
	va_end(ap);
	fputc('\n', e->err);
	return ENACTL_FAIL;
}

int enactl_parse_uint(struct enactl *e, const char *what, const char *text, uint64_t *ret)
{
	unsigned long long v;
	char *end;

	/* strtoull alone takes spaces, signs ("-1" wraps) and "0x": only digits here. */
	if (!isdigit((unsigned char)text[0]))
		return enactl_usage(e, "%s: '%s' is not a number (allowed: digits, 0..%lld)", what,
				    text, (long long)INT64_MAX);
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end)
		return enactl_usage(e, "%s: '%s' is not a number (allowed: digits, 0..%lld)", what,
				    text, (long long)INT64_MAX);
	if (errno == ERANGE || v > INT64_MAX)
		return enactl_usage(e, "%s: '%s' is too large (allowed: 0..%lld)", what, text,
				    (long long)INT64_MAX);
	*ret = v;
	return ENACTL_OK;
}

int enactl_parse_bool(struct enactl *e, const char *what, const char *text, bool *ret)
{
	if (strcmp(text, "on") == 0)
		*ret = true;
	else if (strcmp(text, "off") == 0)
		*ret = false;
	else
		return enactl_usage(e, "%s: '%s' is not on or off (allowed: on, off)", what, text);
	return ENACTL_OK;
}

bool enactl_want_help(const char *arg)
{
	return strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0;
}
