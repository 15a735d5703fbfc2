/* SPDX-License-Identifier: MIT */
/* enad's logging: levels, journald structured fields or stderr lines, rate limits. */
#ifndef ENAD_LOG_H
#define ENAD_LOG_H

#include <net/if.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <syslog.h>

/*
 * Levels are syslog priorities: LOG_ERR (err), LOG_WARNING (warn), LOG_INFO
 * (info) and LOG_DEBUG (debug). A message is emitted when its level is <= the
 * effective level (the device's override if it has one, else the global).
 *
 * Where messages go: when stderr is connected to the journal (JOURNAL_STREAM
 * names stderr's dev:ino, as systemd sets it for StandardError=journal) every
 * message is sent natively with sd_journal_sendv_with_location() and the
 * fields PRIORITY, MESSAGE, SYSLOG_IDENTIFIER=enad, ENA_DEVICE, ENA_IFNAME,
 * ENA_EVENT, ENA_RESET_REASON and ERRNO (each only when known) and
 * CODE_FILE/CODE_LINE/CODE_FUNC. Otherwise one line per message is written to
 * stderr with a single write(): "enad[IFNAME]: MESSAGE" ("enad: MESSAGE"
 * without a device). If the journal send fails (other than journald being
 * absent, which sd-journal treats as success) the line goes to stderr.
 *
 * "%m" in a format prints strerror() of the error passed to the *_errno
 * macros (of errno when none is passed). Logging never changes errno.
 * Every function here is safe to call from any thread; log_set_capture()
 * and log_setup() are meant for start-up (and tests).
 */

/* Longest message kept; longer ones are truncated. */
#define LOG_MESSAGE_MAX 2048

enum log_target {
	LOG_TARGET_AUTO,	/* journal if stderr is the journal stream, else stderr */
	LOG_TARGET_STDERR,
	LOG_TARGET_JOURNAL,
};

/*
 * Who a message is about: one per port. Owned by the caller (embedded in the
 * port); the strings are copied in by log_dev_init().
 */
struct log_dev {
	char ifname[IFNAMSIZ];	/* TAP name, "" when not known yet */
	char device[128];	/* device string, e.g. "pci:0000:00:06.0", or "" */
	int level;		/* per-device override, -1 = follow the global level */
};

/* What the capture hook sees for each emitted message. */
struct log_record {
	int level;			/* LOG_ERR .. LOG_DEBUG */
	int err;			/* positive errno given to a *_errno call, or 0 */
	enum log_target target;		/* LOG_TARGET_STDERR or LOG_TARGET_JOURNAL */
	const struct log_dev *dev;	/* may be NULL */
	const char *event;		/* ENA_EVENT, may be NULL */
	const char *reset_reason;	/* ENA_RESET_REASON, may be NULL */
	const char *file;
	int line;
	const char *func;
	const char *message;		/* formatted message, no prefix, no newline */
	const char *text;		/* the stderr line including prefix and newline */
	const struct iovec *fields;	/* journal fields "NAME=value" (journal target only) */
	size_t n_fields;
};

/*
 * Capture hook for tests: called for every message that passes the level
 * filter, before it is written. Return true to swallow the message (nothing
 * is written), false to let it go out as usual. NULL removes the hook.
 */
typedef bool (*log_capture_fn)(const struct log_record *rec, void *userdata);
void log_set_capture(log_capture_fn fn, void *userdata);

/*
 * log_setup() - choose where messages go.
 * @target: LOG_TARGET_AUTO looks at JOURNAL_STREAM and stderr now; the others
 *          force a target. Without a call, AUTO is resolved on the first message.
 */
void log_setup(enum log_target target);

/* log_get_target() - the resolved target (never LOG_TARGET_AUTO). */
enum log_target log_get_target(void);

/* log_set_level() - set the global level (clamped to LOG_ERR..LOG_DEBUG). */
void log_set_level(int level);

/* log_get_level() - the global level. */
int log_get_level(void);

/*
 * log_level_from_name() - parse "err", "warn", "info" or "debug" (also
 * "error", "warning"). Returns the level or -EINVAL.
 */
int log_level_from_name(const char *name);

/* log_level_name() - "err", "warn", "info", "debug"; NULL for anything else. */
const char *log_level_name(int level);

/*
 * log_dev_init() - fill @dev. @ifname and @device may be NULL; longer strings
 * are truncated. The level override starts at -1 (follow the global level).
 */
void log_dev_init(struct log_dev *dev, const char *ifname, const char *device);

/* log_dev_set_level() - per-device override; -1 returns to the global level. */
void log_dev_set_level(struct log_dev *dev, int level);

/* log_enabled() - would a message of @level about @dev (NULL: none) go out? */
bool log_enabled(const struct log_dev *dev, int level);

/*
 * log_internal() - the one entry point behind the macros below.
 * @level: LOG_ERR..LOG_DEBUG; @err: errno (either sign) for %m and ERRNO=, or 0;
 * @dev, @event, @reset_reason: optional structured fields (NULL: absent).
 * Returns -abs(@err), so that "return log_errno(r, ...)" logs and returns r.
 */
int log_internal(int level, int err, const struct log_dev *dev, const char *event,
		 const char *reset_reason, const char *file, int line, const char *func,
		 const char *fmt, ...) __attribute__((format(printf, 9, 10)));

#define log_full_errno(level, err, dev, event, ...) \
	log_internal((level), (err), (dev), (event), NULL, __FILE__, __LINE__, __func__, __VA_ARGS__)

/* Messages about the daemon as a whole. */
#define log_err(...) log_full_errno(LOG_ERR, 0, NULL, NULL, __VA_ARGS__)
#define log_warn(...) log_full_errno(LOG_WARNING, 0, NULL, NULL, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, NULL, NULL, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, NULL, NULL, __VA_ARGS__)
/* Log at err (warn) with %m = strerror(err) and evaluate to -abs(err). */
#define log_errno(err, ...) log_full_errno(LOG_ERR, (err), NULL, NULL, __VA_ARGS__)
#define log_warn_errno(err, ...) log_full_errno(LOG_WARNING, (err), NULL, NULL, __VA_ARGS__)

/* Messages about one port; @event is the ENA_EVENT ("link", "config", ...) or NULL. */
#define log_dev(level, dev, event, ...) log_full_errno((level), 0, (dev), (event), __VA_ARGS__)
#define log_dev_errno(level, dev, event, err, ...) \
	log_full_errno((level), (err), (dev), (event), __VA_ARGS__)
/* A device reset: ENA_EVENT=reset and ENA_RESET_REASON=@reason, at warn. */
#define log_dev_reset(dev, reason, ...) \
	log_internal(LOG_WARNING, 0, (dev), "reset", (reason), __FILE__, __LINE__, __func__, __VA_ARGS__)

/*
 * Datapath debug messages: compiled out (arguments not evaluated, format still
 * checked) unless built with -DENAD_DEBUG.
 */
#ifdef ENAD_DEBUG
#define log_dp_debug(dev, ...) log_dev(LOG_DEBUG, (dev), NULL, __VA_ARGS__)
#else
#define log_dp_debug(dev, ...) \
	do { if (0) log_dev(LOG_DEBUG, (dev), NULL, __VA_ARGS__); } while (0)
#endif

/*
 * Rate limiting: at most @burst messages per @interval_usec for one key. The
 * key is a struct log_ratelimit the caller owns: a static one at a call site,
 * or one per port for per-device limits. When a new interval opens after
 * messages were dropped, the next message carries
 * " (N similar messages suppressed)".
 */
struct log_ratelimit {
	uint64_t interval_usec;
	unsigned int burst;
	/* private */
	pthread_mutex_t lock;
	uint64_t begin_usec;
	unsigned int num;
	unsigned int suppressed;
};

#define LOG_RATELIMIT_INIT(interval_usec_, burst_) \
	{ .interval_usec = (interval_usec_), .burst = (burst_), .lock = PTHREAD_MUTEX_INITIALIZER }

/*
 * log_ratelimit_test() - take one message from @rl's budget at @now_usec
 * (CLOCK_MONOTONIC). Returns true if the message may go out; then
 * *@ret_suppressed (may be NULL) is how many were dropped since the last one
 * that went out, and the count restarts.
 */
bool log_ratelimit_test(struct log_ratelimit *rl, uint64_t now_usec, unsigned int *ret_suppressed);

/*
 * log_ratelimit_internal() - behind log_ratelimit(). Messages filtered by
 * level do not use the budget. Returns 1 if the message was emitted, 0 if not.
 */
int log_ratelimit_internal(struct log_ratelimit *rl, int level, const struct log_dev *dev,
			   const char *event, const char *file, int line, const char *func,
			   const char *fmt, ...) __attribute__((format(printf, 8, 9)));

#define log_ratelimit(rl, level, dev, event, ...) \
	log_ratelimit_internal((rl), (level), (dev), (event), __FILE__, __LINE__, __func__, __VA_ARGS__)

#endif
