/* SPDX-License-Identifier: MIT */
/* sd_notify wrappers: readiness, status, reload, stop and watchdog for systemd. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "notify.h"

/* sd_notify() returns >0 sent, 0 no socket, <0 error: we return 0 or -errno. */
static int notify_send(const char *state)
{
	int r = sd_notify(/* unset_environment= */ 0, state);

	return r < 0 ? r : 0;
}

int notify_ready(void)
{
	return notify_send("READY=1");
}

int notify_status(const char *fmt, ...)
{
	char buf[1024 + sizeof("STATUS=")];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return notify_send(buf);
}

int notify_reloading(void)
{
	char buf[64];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ull + (unsigned long long)ts.tv_nsec / 1000ull);
	return notify_send(buf);
}

int notify_stopping(void)
{
	return notify_send("STOPPING=1");
}

int notify_watchdog(void)
{
	return notify_send("WATCHDOG=1");
}

int notify_watchdog_interval(uint64_t *ret_usec)
{
	uint64_t usec = 0;
	int r;

	r = sd_watchdog_enabled(/* unset_environment= */ 0, &usec);
	if (r < 0)
		return r;
	*ret_usec = r > 0 ? usec / 2 : 0;
	return 0;
}
