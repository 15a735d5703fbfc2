/* SPDX-License-Identifier: MIT */
/* sd_notify wrappers: readiness, status, reload, stop and watchdog for systemd. */
#ifndef ENAD_NOTIFY_H
#define ENAD_NOTIFY_H

#include <stdint.h>

/*
 * Every function here sends one datagram to $NOTIFY_SOCKET and is a no-op
 * returning 0 when that variable is unset (not started by systemd with
 * Type=notify). They return 0 or a negative errno from sd_notify().
 */

/* notify_ready() - "READY=1": every listener is open, ports are up. Also ends a reload. */
int notify_ready(void);

/*
 * notify_status() - "STATUS=<text>", printf-style. Newlines in the text
 * become spaces; text beyond 1 KiB is cut.
 */
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * notify_reloading() - "RELOADING=1" with "MONOTONIC_USEC=<CLOCK_MONOTONIC now>"
 * (Type=notify-reload, systemd >= 253, requires it). Send notify_ready()
 * when the reload is done.
 */
int notify_reloading(void);

/* notify_stopping() - "STOPPING=1": shutdown has begun. */
int notify_stopping(void);

/* notify_watchdog() - "WATCHDOG=1": keep-alive ping for WatchdogSec=. */
int notify_watchdog(void);

/*
 * notify_watchdog_interval() - how often to call notify_watchdog().
 * @ret_usec: half of the WatchdogSec= the service manager set for this
 *            process, or 0 when the watchdog is off.
 * Returns 0 or -errno (a malformed WATCHDOG_USEC); @ret_usec is untouched then.
 */
int notify_watchdog_interval(uint64_t *ret_usec);

#endif
