/* SPDX-License-Identifier: MIT */
/* Per-thread "why did that fail" sentence for libena callers. */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

static __thread char last_error[512];

int ena_error_set(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

const char *ena_error_last(void)
{
	return last_error;
}

void ena_error_clear(void)
{
	last_error[0] = '\0';
}
