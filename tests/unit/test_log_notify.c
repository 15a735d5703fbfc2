/* SPDX-License-Identifier: MIT */
/* Logging (stderr lines, journal fields, levels, rate limits) and sd_notify datagrams. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../daemon/log.h"
#include "../../daemon/notify.h"

/* ---- capture ---- */

struct captured {
	unsigned int count;
	int level;
	int err;
	enum log_target target;
	char message[LOG_MESSAGE_MAX];
	char text[LOG_MESSAGE_MAX + 64];
	char fields[16][LOG_MESSAGE_MAX + 32];
	size_t n_fields;
	bool swallow;
};

static bool capture(const struct log_record *rec, void *userdata)
{
	struct captured *c = userdata;

	c->count++;
	c->level = rec->level;
	c->err = rec->err;
	c->target = rec->target;
	snprintf(c->message, sizeof(c->message), "%s", rec->message);
	snprintf(c->text, sizeof(c->text), "%s", rec->text);
	c->n_fields = rec->n_fields < 16 ? rec->n_fields : 16;
	for (size_t i = 0; i < c->n_fields; i++)
		snprintf(c->fields[i], sizeof(c->fields[i]), "%.*s", (int)rec->fields[i].iov_len,
			 (const char *)rec->fields[i].iov_base);
	return c->swallow;
}

static const char *field(const struct captured *c, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < c->n_fields; i++)
		if (strncmp(c->fields[i], name, len) == 0 && c->fields[i][len] == '=')
			return c->fields[i] + len + 1;
	return NULL;
}

static int setup(void **state)
{
	static struct captured c;

	memset(&c, 0, sizeof(c));
	c.swallow = true;
	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_TARGET_STDERR);
	log_set_level(LOG_INFO);
	log_set_capture(capture, &c);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	log_set_capture(NULL, NULL);
	log_set_level(LOG_INFO);
	log_setup(LOG_TARGET_STDERR);
	return 0;
}

/* Run @fn with stderr redirected to a pipe; return what it wrote. */
static void stderr_capture_begin(int *saved, int pipefd[2])
{
	assert_int_equal(pipe2(pipefd, O_CLOEXEC | O_NONBLOCK), 0);
	*saved = dup(STDERR_FILENO);
	assert_true(*saved >= 0);
	assert_int_equal(dup2(pipefd[1], STDERR_FILENO), STDERR_FILENO);
}

static void stderr_capture_end(int saved, int pipefd[2], char *buf, size_t size)
{
	ssize_t n;

	assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
	close(saved);
	close(pipefd[1]);
	n = read(pipefd[0], buf, size - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
}

/* ---- log ---- */

static void test_stderr_format(void **state)
{
	struct captured *c = *state;
	struct log_dev dev;
	char out[4096];
	int saved, p[2];

	log_dev_init(&dev, "ena7", "vfio-user:/run/enasim/ena7.sock");
	log_set_capture(NULL, NULL);
	stderr_capture_begin(&saved, p);
	log_info("hello %d", 5);
	log_dev(LOG_WARNING, &dev, "link", "carrier %s", "up");
	log_debug("not shown at info");
	stderr_capture_end(saved, p, out, sizeof(out));
	assert_string_equal(out, "enad: hello 5\nenad[ena7]: carrier up\n");

	/* The capture hook sees the same line; a message that is too long is cut, not lost. */
	log_set_capture(capture, c);
	log_dev(LOG_ERR, &dev, NULL, "%s", "x");
	assert_string_equal(c->text, "enad[ena7]: x\n");
	assert_string_equal(c->message, "x");
	assert_int_equal(c->target, LOG_TARGET_STDERR);
	assert_int_equal(c->n_fields, 0);
	char big[3 * LOG_MESSAGE_MAX];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_info("%s", big);
	assert_int_equal(strlen(c->message), LOG_MESSAGE_MAX - 1);
	assert_int_equal(c->text[strlen(c->text) - 1], '\n');
}

static void test_levels(void **state)
{
	struct captured *c = *state;
	struct log_dev dev;

	log_dev_init(&dev, "ena0", NULL);
	log_set_level(LOG_WARNING);
	assert_int_equal(log_get_level(), LOG_WARNING);
	log_info("filtered");
	log_debug("filtered");
	assert_int_equal(c->count, 0);
	log_warn("w");
	log_err("e");
	assert_int_equal(c->count, 2);
	assert_int_equal(c->level, LOG_ERR);

	/* per-device override, both ways */
	log_dev_set_level(&dev, LOG_DEBUG);
	log_dev(LOG_DEBUG, &dev, NULL, "dev debug");
	assert_int_equal(c->count, 3);
	log_debug("global debug still filtered");
	assert_int_equal(c->count, 3);
	log_dev_set_level(&dev, LOG_ERR);
	log_dev(LOG_WARNING, &dev, NULL, "dev warn filtered");
	assert_int_equal(c->count, 3);
	log_dev_set_level(&dev, -1);
	log_dev(LOG_WARNING, &dev, NULL, "dev warn follows global");
	assert_int_equal(c->count, 4);
	assert_true(log_enabled(NULL, LOG_ERR));
	assert_false(log_enabled(NULL, LOG_INFO));

	/* clamped, and names round-trip */
	log_set_level(99);
	assert_int_equal(log_get_level(), LOG_DEBUG);
	log_set_level(0);
	assert_int_equal(log_get_level(), LOG_ERR);
	for (int l = LOG_ERR; l <= LOG_DEBUG; l++) {
		if (l == LOG_NOTICE)
			continue;
		assert_non_null(log_level_name(l));
		assert_int_equal(log_level_from_name(log_level_name(l)), l);
	}
	assert_null(log_level_name(LOG_NOTICE));
	assert_null(log_level_name(LOG_CRIT));
	assert_int_equal(log_level_from_name("warning"), LOG_WARNING);
	assert_int_equal(log_level_from_name("error"), LOG_ERR);
	assert_int_equal(log_level_from_name("loud"), -EINVAL);
	assert_int_equal(log_level_from_name(NULL), -EINVAL);
}

static int create_rx_queue(unsigned int qid)
{
	return log_errno(-ENOMEM, "create rx queue %u: %m", qid);
}

static void test_log_errno(void **state)
{
	struct captured *c = *state;

	errno = EBUSY;
	assert_int_equal(create_rx_queue(3), -ENOMEM);
	assert_int_equal(errno, EBUSY);	/* logging leaves errno alone */
	assert_string_equal(c->message, "create rx queue 3: Cannot allocate memory");
	assert_int_equal(c->err, ENOMEM);
	assert_int_equal(c->level, LOG_ERR);
	/* a positive errno works too, and the result is negative */
	assert_int_equal(log_warn_errno(ENOENT, "open %s: %m", "x"), -ENOENT);
	assert_string_equal(c->message, "open x: No such file or directory");
	/* filtered messages still return the error */
	log_set_level(LOG_ERR);
	c->count = 0;
	assert_int_equal(log_warn_errno(-EIO, "quiet"), -EIO);
	assert_int_equal(c->count, 0);
	/* no error: %m is errno, result 0 */
	errno = EACCES;
	assert_int_equal(log_errno(0, "plain %m"), 0);
	assert_string_equal(c->message, "plain Permission denied");
}

static void test_ratelimit(void **state)
{
	struct captured *c = *state;
	struct log_ratelimit rl = LOG_RATELIMIT_INIT(1000000, 3);
	unsigned int suppressed = 77;
	uint64_t t = 5000000;

	for (int i = 0; i < 3; i++) {
		assert_true(log_ratelimit_test(&rl, t + (uint64_t)i, &suppressed));
		assert_int_equal(suppressed, 0);
	}
	for (int i = 0; i < 5; i++)
		assert_false(log_ratelimit_test(&rl, t + 500000, &suppressed));
	assert_true(log_ratelimit_test(&rl, t + 1000000, &suppressed));
	assert_int_equal(suppressed, 5);
	assert_true(log_ratelimit_test(&rl, t + 1000001, &suppressed));
	assert_int_equal(suppressed, 0);

	/* The macro: a long interval, burst 2, keyed by the struct */
	static struct log_ratelimit site = LOG_RATELIMIT_INIT(3600ull * 1000000, 2);
	static struct log_ratelimit other = LOG_RATELIMIT_INIT(3600ull * 1000000, 2);
	int emitted = 0;

	for (int i = 0; i < 5; i++)
		emitted += log_ratelimit(&site, LOG_WARNING, NULL, NULL, "bad frame %d", i);
	assert_int_equal(emitted, 2);
	assert_int_equal(c->count, 2);
	assert_string_equal(c->message, "bad frame 1");
	/* another key has its own budget; filtered levels do not spend it */
	assert_int_equal(log_ratelimit(&other, LOG_DEBUG, NULL, NULL, "filtered"), 0);
	assert_int_equal(log_ratelimit(&other, LOG_WARNING, NULL, NULL, "a"), 1);
	assert_int_equal(log_ratelimit(&other, LOG_WARNING, NULL, NULL, "b"), 1);
	assert_int_equal(log_ratelimit(&other, LOG_WARNING, NULL, NULL, "c"), 0);

	/* the summary rides on the next message of a new interval */
	struct log_ratelimit fast = LOG_RATELIMIT_INIT(20000, 1);

	assert_int_equal(log_ratelimit(&fast, LOG_WARNING, NULL, NULL, "first"), 1);
	assert_int_equal(log_ratelimit(&fast, LOG_WARNING, NULL, NULL, "dropped"), 0);
	assert_int_equal(log_ratelimit(&fast, LOG_WARNING, NULL, NULL, "dropped"), 0);
	usleep(30000);
	assert_int_equal(log_ratelimit(&fast, LOG_WARNING, NULL, NULL, "again"), 1);
	assert_string_equal(c->message, "again (2 similar messages suppressed)");
}

static void set_journal_stream(int fd)
{
	struct stat st;
	char buf[64];

	assert_int_equal(fstat(fd, &st), 0);
	snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	assert_int_equal(setenv("JOURNAL_STREAM", buf, 1), 0);
}

static void test_journal_fields(void **state)
{
	struct captured *c = *state;
	struct log_dev dev;
	char line[32];
	int expect_line;

	log_dev_init(&dev, "ena0", "pci:0000:00:06.0");

	/* JOURNAL_STREAM naming stderr selects the journal */
	set_journal_stream(STDERR_FILENO);
	log_setup(LOG_TARGET_AUTO);
	assert_int_equal(log_get_target(), LOG_TARGET_JOURNAL);

	expect_line = __LINE__ + 1;
	log_dev_reset(&dev, "keep_alive_to", "no keep-alive for %u ms", 3000u);
	assert_int_equal(c->target, LOG_TARGET_JOURNAL);
	assert_string_equal(field(c, "PRIORITY"), "4");
	assert_string_equal(field(c, "MESSAGE"), "no keep-alive for 3000 ms");
	assert_string_equal(field(c, "SYSLOG_IDENTIFIER"), "enad");
	assert_string_equal(field(c, "ENA_DEVICE"), "pci:0000:00:06.0");
	assert_string_equal(field(c, "ENA_IFNAME"), "ena0");
	assert_string_equal(field(c, "ENA_EVENT"), "reset");
	assert_string_equal(field(c, "ENA_RESET_REASON"), "keep_alive_to");
	assert_string_equal(field(c, "CODE_FUNC"), "test_journal_fields");
	assert_non_null(strstr(field(c, "CODE_FILE"), "test_log_notify.c"));
	snprintf(line, sizeof(line), "%d", expect_line);
	assert_string_equal(field(c, "CODE_LINE"), line);
	assert_null(field(c, "ERRNO"));

	/* optional fields are absent when not given; ERRNO when there is one */
	log_errno(-ETIMEDOUT, "admin command: %m");
	assert_string_equal(field(c, "PRIORITY"), "3");
	assert_string_equal(field(c, "ERRNO"), "110");
	assert_null(field(c, "ENA_DEVICE"));
	assert_null(field(c, "ENA_IFNAME"));
	assert_null(field(c, "ENA_EVENT"));
	assert_null(field(c, "ENA_RESET_REASON"));
	log_dev(LOG_INFO, &dev, "config", "mtu %u", 9001u);
	assert_string_equal(field(c, "ENA_EVENT"), "config");
	assert_null(field(c, "ENA_RESET_REASON"));

	/*
	 * The real send: sd_journal_sendv_with_location() succeeds into a
	 * running journald and silently drops the message without one (it
	 * treats a missing socket as success), so nothing reaches stderr either way.
	 */
	{
		char out[512];
		int saved, p[2];

		c->swallow = false;
		stderr_capture_begin(&saved, p);
		set_journal_stream(STDERR_FILENO);	/* stderr is now the pipe */
		log_setup(LOG_TARGET_AUTO);
		log_dev(LOG_DEBUG, &dev, "eni", "filtered at info");
		log_dev(LOG_INFO, &dev, "eni", "bw_in_allowance_exceeded %u", 4u);
		stderr_capture_end(saved, p, out, sizeof(out));
		assert_int_equal(c->target, LOG_TARGET_JOURNAL);
		assert_string_equal(field(c, "ENA_EVENT"), "eni");
		assert_string_equal(out, "");
	}

	/* a different dev:ino, or garbage, means plain stderr */
	assert_int_equal(setenv("JOURNAL_STREAM", "1:2", 1), 0);
	log_setup(LOG_TARGET_AUTO);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
	assert_int_equal(setenv("JOURNAL_STREAM", "12x:3", 1), 0);
	log_setup(LOG_TARGET_AUTO);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
	unsetenv("JOURNAL_STREAM");
	log_setup(LOG_TARGET_AUTO);
	assert_int_equal(log_get_target(), LOG_TARGET_STDERR);
}

static void test_dp_debug_compiled_out(void **state)
{
	struct captured *c = *state;
	struct log_dev dev;
	int evaluated = 0;

	log_dev_init(&dev, "ena0", NULL);
	log_set_level(LOG_DEBUG);
	log_dp_debug(&dev, "rx qid %d", evaluated++);
#ifdef ENAD_DEBUG
	assert_int_equal(c->count, 1);
	assert_int_equal(evaluated, 1);
#else
	assert_int_equal(c->count, 0);
	assert_int_equal(evaluated, 0);
#endif
}

/* ---- notify ---- */

struct notify_sock {
	char dir[64];
	char path[96];
	int fd;
};

static int notify_setup(void **state)
{
	static struct notify_sock ns;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	snprintf(ns.dir, sizeof(ns.dir), "/tmp/enad-notify-XXXXXX");
	assert_non_null(mkdtemp(ns.dir));
	snprintf(ns.path, sizeof(ns.path), "%s/notify", ns.dir);
	ns.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(ns.fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", ns.path);
	assert_int_equal(bind(ns.fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", ns.path, 1), 0);
	*state = &ns;
	return 0;
}

static int notify_teardown(void **state)
{
	struct notify_sock *ns = *state;

	unsetenv("NOTIFY_SOCKET");
	close(ns->fd);
	unlink(ns->path);
	rmdir(ns->dir);
	return 0;
}

/* Receive one datagram (waiting up to a second); "" if none. */
static void notify_recv(const struct notify_sock *ns, char *buf, size_t size)
{
	struct timeval tv = { .tv_sec = 1 };
	ssize_t n;

	setsockopt(ns->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	n = recv(ns->fd, buf, size - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
}

static bool notify_pending(const struct notify_sock *ns)
{
	char b;

	return recv(ns->fd, &b, 1, MSG_DONTWAIT | MSG_PEEK) >= 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void test_notify_datagrams(void **state)
{
	struct notify_sock *ns = *state;
	unsigned long long mono;
	uint64_t before, after;
	char buf[2048];
	int n = 0;

	assert_int_equal(notify_ready(), 0);
	notify_recv(ns, buf, sizeof(buf));
	assert_string_equal(buf, "READY=1");

	assert_int_equal(notify_status("%u ports up\nqueues %u", 2u, 8u), 0);
	notify_recv(ns, buf, sizeof(buf));
	assert_string_equal(buf, "STATUS=2 ports up queues 8");

	before = now_usec();
	assert_int_equal(notify_reloading(), 0);
	after = now_usec();
	notify_recv(ns, buf, sizeof(buf));
	assert_int_equal(sscanf(buf, "RELOADING=1\nMONOTONIC_USEC=%llu%n", &mono, &n), 1);
	assert_int_equal((size_t)n, strlen(buf));
	assert_true(mono >= before && mono <= after);

	assert_int_equal(notify_stopping(), 0);
	notify_recv(ns, buf, sizeof(buf));
	assert_string_equal(buf, "STOPPING=1");

	assert_int_equal(notify_watchdog(), 0);
	notify_recv(ns, buf, sizeof(buf));
	assert_string_equal(buf, "WATCHDOG=1");
	assert_false(notify_pending(ns));

	/* without NOTIFY_SOCKET: nothing sent, no error */
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_ready(), 0);
	assert_int_equal(notify_status("x"), 0);
	assert_int_equal(notify_reloading(), 0);
	assert_int_equal(notify_stopping(), 0);
	assert_int_equal(notify_watchdog(), 0);
	assert_false(notify_pending(ns));
	assert_int_equal(setenv("NOTIFY_SOCKET", ns->path, 1), 0);

	/* a socket nobody listens on is an error */
	assert_int_equal(setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1), 0);
	assert_true(notify_ready() < 0);
	assert_int_equal(setenv("NOTIFY_SOCKET", ns->path, 1), 0);
}

static void test_watchdog_interval(void **state)
{
	char pid[32];
	uint64_t usec = 123;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	assert_int_equal(notify_watchdog_interval(&usec), 0);
	assert_int_equal(usec, 0);

	setenv("WATCHDOG_USEC", "3000000", 1);
	setenv("WATCHDOG_PID", pid, 1);
	assert_int_equal(notify_watchdog_interval(&usec), 0);
	assert_int_equal(usec, 1500000);

	/* meant for another process */
	setenv("WATCHDOG_PID", "1", 1);
	assert_int_equal(notify_watchdog_interval(&usec), 0);
	assert_int_equal(usec, 0);

	/* malformed: error, out-parameter untouched */
	setenv("WATCHDOG_PID", pid, 1);
	setenv("WATCHDOG_USEC", "soon", 1);
	usec = 77;
	assert_true(notify_watchdog_interval(&usec) < 0);
	assert_int_equal(usec, 77);
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

int main(void)
{
	const struct CMUnitTest log_tests[] = {
		cmocka_unit_test_setup_teardown(test_stderr_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_log_errno, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ratelimit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_journal_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dp_debug_compiled_out, setup, teardown),
	};
	const struct CMUnitTest notify_tests[] = {
		cmocka_unit_test_setup_teardown(test_notify_datagrams, notify_setup, notify_teardown),
		cmocka_unit_test(test_watchdog_interval),
	};
	int r;

	r = cmocka_run_group_tests_name("log", log_tests, NULL, NULL);
	r += cmocka_run_group_tests_name("notify", notify_tests, NULL, NULL);
	return r;
}
