/* SPDX-License-Identifier: MIT */
/* enad's logging: levels, journald structured fields or stderr lines, rate limits. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-journal.h>

#include "log.h"

#define LOG_IDENT "enad"
#define LOG_FIELDS_MAX 9	/* PRIORITY MESSAGE SYSLOG_IDENTIFIER ENA_* x4 ERRNO, +1 */
#define LOG_RECORD_FIELDS_MAX (LOG_FIELDS_MAX + 3)	/* + CODE_FILE/LINE/FUNC */

static int global_level = LOG_INFO;
static int target = LOG_TARGET_AUTO;
static log_capture_fn capture_fn;
static void *capture_userdata;

static const char *const level_names[] = {
	[LOG_ERR] = "err",
	[LOG_WARNING] = "warn",
	[LOG_INFO] = "info",
	[LOG_DEBUG] = "debug",
};

static int level_clamp(int level)
{
	if (level < LOG_ERR)
		return LOG_ERR;
	if (level > LOG_DEBUG)
		return LOG_DEBUG;
	return level;
}

void log_set_capture(log_capture_fn fn, void *userdata)
{
	capture_userdata = userdata;
	capture_fn = fn;
}

/* True when stderr is the stream systemd connected to the journal. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;
	int n = 0;

	if (!e || sscanf(e, "%llu:%llu%n", &dev, &ino, &n) != 2 || e[n] != '\0')
		return false;
	if (fstat(STDERR_FILENO, &st) < 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_setup(enum log_target t)
{
	if (t == LOG_TARGET_AUTO)
		t = stderr_is_journal() ? LOG_TARGET_JOURNAL : LOG_TARGET_STDERR;
	__atomic_store_n(&target, (int)t, __ATOMIC_RELAXED);
}

enum log_target log_get_target(void)
{
	int t = __atomic_load_n(&target, __ATOMIC_RELAXED);

	if (t == LOG_TARGET_AUTO) {
		log_setup(LOG_TARGET_AUTO);
		t = __atomic_load_n(&target, __ATOMIC_RELAXED);
	}
	return (enum log_target)t;
}

void log_set_level(int level)
{
	__atomic_store_n(&global_level, level_clamp(level), __ATOMIC_RELAXED);
}

int log_get_level(void)
{
	return __atomic_load_n(&global_level, __ATOMIC_RELAXED);
}

int log_level_from_name(const char *name)
{
	if (!name)
		return -EINVAL;
	for (int l = LOG_ERR; l <= LOG_DEBUG; l++)
		if (level_names[l] && strcmp(level_names[l], name) == 0)
			return l;
	if (strcmp(name, "error") == 0)
		return LOG_ERR;
	if (strcmp(name, "warning") == 0)
		return LOG_WARNING;
	return -EINVAL;
}

const char *log_level_name(int level)
{
	if (level < LOG_ERR || level > LOG_DEBUG)
		return NULL;
	return level_names[level];
}

void log_dev_init(struct log_dev *dev, const char *ifname, const char *device)
{
	memset(dev, 0, sizeof(*dev));
	if (ifname)
		snprintf(dev->ifname, sizeof(dev->ifname), "%s", ifname);
	if (device)
		snprintf(dev->device, sizeof(dev->device), "%s", device);
	dev->level = -1;
}

void log_dev_set_level(struct log_dev *dev, int level)
{
	__atomic_store_n(&dev->level, level < 0 ? -1 : level_clamp(level), __ATOMIC_RELAXED);
}

bool log_enabled(const struct log_dev *dev, int level)
{
	int max = -1;

	if (dev)
		max = __atomic_load_n(&dev->level, __ATOMIC_RELAXED);
	if (max < 0)
		max = __atomic_load_n(&global_level, __ATOMIC_RELAXED);
	return level <= max;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Append a "NAME=value" field to @iov, formatted into @buf at *@used. */
static void field_add(struct iovec *iov, size_t *n, char *buf, size_t size, size_t *used,
		      const char *name, const char *value)
{
	int len;

	if (!value || *n >= LOG_FIELDS_MAX || *used >= size)
		return;
	len = snprintf(buf + *used, size - *used, "%s=%s", name, value);
	if (len < 0)
		return;
	if ((size_t)len >= size - *used)
		len = (int)(size - *used - 1);
	iov[*n].iov_base = buf + *used;
	iov[*n].iov_len = (size_t)len;
	(*n)++;
	*used += (size_t)len + 1;
}

/* Format and deliver one message that already passed the level filter. */
static void log_emit(int level, int err, const struct log_dev *dev, const char *event,
		     const char *reset_reason, const char *file, int line, const char *func,
		     unsigned int suppressed, const char *fmt, va_list ap)
{
	char message[LOG_MESSAGE_MAX], text[LOG_MESSAGE_MAX + IFNAMSIZ + 16];
	char fieldbuf[LOG_MESSAGE_MAX + 1024], num[32];
	struct iovec fields[LOG_RECORD_FIELDS_MAX];
	size_t n_fields = 0, used = 0;
	int fmt_errno = err != 0 ? err : errno;
	enum log_target t = log_get_target();
	char code_file[512], code_line[32], code_func[256];
	size_t n_sent = 0;
	const char *ifname = dev && dev->ifname[0] ? dev->ifname : NULL;
	struct log_record rec;
	int len;

	errno = fmt_errno;
	len = vsnprintf(message, sizeof(message), fmt, ap);
	if (len >= 0 && suppressed > 0 && (size_t)len < sizeof(message))
		snprintf(message + len, sizeof(message) - (size_t)len,
			 " (%u similar messages suppressed)", suppressed);

	if (ifname)
		snprintf(text, sizeof(text), LOG_IDENT "[%s]: %s\n", ifname, message);
	else
		snprintf(text, sizeof(text), LOG_IDENT ": %s\n", message);
	if (text[strlen(text) - 1] != '\n')
		text[sizeof(text) - 2] = '\n';

	if (t == LOG_TARGET_JOURNAL) {
		snprintf(num, sizeof(num), "%d", level);
		field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "PRIORITY", num);
		field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "MESSAGE", message);
		field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "SYSLOG_IDENTIFIER",
			  LOG_IDENT);
		if (dev && dev->device[0])
			field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "ENA_DEVICE",
				  dev->device);
		field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "ENA_IFNAME", ifname);
		field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "ENA_EVENT", event);
		field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "ENA_RESET_REASON",
			  reset_reason);
		if (err != 0) {
			snprintf(num, sizeof(num), "%d", err);
			field_add(fields, &n_fields, fieldbuf, sizeof(fieldbuf), &used, "ERRNO", num);
		}
		/*
		 * The location goes to the journal through the call (which adds
		 * CODE_FUNC itself); the capture record shows all three as fields.
		 */
		n_sent = n_fields;
		snprintf(code_file, sizeof(code_file), "CODE_FILE=%s", file);
		snprintf(code_line, sizeof(code_line), "CODE_LINE=%d", line);
		snprintf(code_func, sizeof(code_func), "CODE_FUNC=%s", func);
		fields[n_fields++] = (struct iovec) { code_file, strlen(code_file) };
		fields[n_fields++] = (struct iovec) { code_line, strlen(code_line) };
		fields[n_fields++] = (struct iovec) { code_func, strlen(code_func) };
	}

	if (capture_fn) {
		rec = (struct log_record) {
			.level = level, .err = err, .target = t, .dev = dev, .event = event,
			.reset_reason = reset_reason, .file = file, .line = line, .func = func,
			.message = message, .text = text,
			.fields = t == LOG_TARGET_JOURNAL ? fields : NULL,
			.n_fields = t == LOG_TARGET_JOURNAL ? n_fields : 0,
		};
		if (capture_fn(&rec, capture_userdata))
			return;
	}

	if (t == LOG_TARGET_JOURNAL &&
	    sd_journal_sendv_with_location(code_file, code_line, func, fields, (int)n_sent) >= 0)
		return;
	write_all(STDERR_FILENO, text, strlen(text));
}

int log_internal(int level, int err, const struct log_dev *dev, const char *event,
		 const char *reset_reason, const char *file, int line, const char *func,
		 const char *fmt, ...)
{
	int saved_errno = errno;
	va_list ap;

	if (err < 0)
		err = -err;
	if (log_enabled(dev, level)) {
		va_start(ap, fmt);
		log_emit(level, err, dev, event, reset_reason, file, line, func, 0, fmt, ap);
		va_end(ap);
	}
	errno = saved_errno;
	return -err;
}

bool log_ratelimit_test(struct log_ratelimit *rl, uint64_t now_usec, unsigned int *ret_suppressed)
{
	bool pass;

	pthread_mutex_lock(&rl->lock);
	if (rl->begin_usec == 0 || now_usec - rl->begin_usec >= rl->interval_usec) {
		rl->begin_usec = now_usec ? now_usec : 1;
		rl->num = 0;
	}
	pass = rl->num < rl->burst;
	if (pass) {
		rl->num++;
		if (ret_suppressed)
			*ret_suppressed = rl->suppressed;
		rl->suppressed = 0;
	} else {
		rl->suppressed++;
	}
	pthread_mutex_unlock(&rl->lock);
	return pass;
}

int log_ratelimit_internal(struct log_ratelimit *rl, int level, const struct log_dev *dev,
			   const char *event, const char *file, int line, const char *func,
			   const char *fmt, ...)
{
	int saved_errno = errno;
	unsigned int suppressed = 0;
	struct timespec ts;
	va_list ap;

	if (!log_enabled(dev, level))
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (!log_ratelimit_test(rl, (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u,
				&suppressed))
		return 0;
	va_start(ap, fmt);
	log_emit(level, 0, dev, event, NULL, file, line, func, suppressed, fmt, ap);
	va_end(ap);
	errno = saved_errno;
	return 1;
}
