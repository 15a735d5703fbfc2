/* SPDX-License-Identifier: MIT */
/* A whole port against enasim's loop wire in a private netns: bring-up,
 * traffic through the TAP, reconfiguration with rollback, resets and the
 * watchdog. Run under TSan by `make check` (workers vs control thread). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "config.h"
#include "log.h"
#include "port.h"
#include "sim_harness.h"

#define ETH_P_TEST 0x88b5 /* IEEE local experimental ethertype */

static bool netns_ok;

struct fx {
	struct sim sim;
	struct event_base *base;
	struct port *port;
	struct enad_device_config cfg;
	int pkt_fd;
	unsigned int resets_seen, states_up, eni_events;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void on_event(void *userdata, struct port *p, const struct port_event *ev)
{
	struct fx *f = userdata;

	if (ev->kind == PORT_EVENT_RESET && ev->reset_done && ev->ok)
		f->resets_seen++;
	if (ev->kind == PORT_EVENT_ENI)
		f->eni_events++;
	if (ev->kind == PORT_EVENT_STATE && ev->state == PORT_UP)
		f->states_up++;
}

/* Run the control loop until @pred holds or @ms pass. */
static bool loop_until(struct fx *f, bool (*pred)(struct fx *), unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		if (pred(f))
			return true;
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
	return pred(f);
}

static void loop_for(struct fx *f, unsigned int ms)
{
	uint64_t end = now_ms() + ms;

	while (now_ms() < end) {
		event_base_loop(f->base, EVLOOP_NONBLOCK);
		usleep(2000);
	}
}

/* A raw socket on ena0: frames we send go TAP -> worker -> device -> loop
 * wire -> device -> worker -> TAP and come back as incoming frames. */
static int open_pkt(struct fx *f)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_TEST) };

	sll.sll_ifindex = (int)if_nametoindex("ena0");
	f->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ETH_P_TEST));
	if (f->pkt_fd < 0 || !sll.sll_ifindex)
		return -1;
	/* every frame of a burst must fit until we read them back */
	if (setsockopt(f->pkt_fd, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 16 << 20 }, sizeof(int)) < 0)
		return -1;
	return bind(f->pkt_fd, (struct sockaddr *)&sll, sizeof(sll));
}

/* Send @n frames of varied sizes tagged with @tag; count how many come back intact. */
static unsigned int roundtrip(struct fx *f, unsigned int n, uint32_t tag)
{
	uint8_t frame[1514], buf[2048];
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_TEST),
				  .sll_halen = 6 };
	unsigned int sent = 0, got = 0;
	uint64_t end;

	to.sll_ifindex = (int)if_nametoindex("ena0");
	memset(to.sll_addr, 0xff, 6);
	for (unsigned int i = 0; i < n; i++) {
		size_t len = 60 + (i * 37) % (sizeof(frame) - 60);

		memset(frame, 0xff, 6);
		memset(frame + 6, 0x02, 6);
		frame[12] = ETH_P_TEST >> 8;
		frame[13] = ETH_P_TEST & 0xff;
		memcpy(frame + 14, &tag, 4);
		memcpy(frame + 18, &i, 4);
		for (size_t k = 22; k < len; k++)
			frame[k] = (uint8_t)(k ^ i);
		if (sendto(f->pkt_fd, frame, len, 0, (struct sockaddr *)&to, sizeof(to)) == (ssize_t)len)
			sent++;
		if (i % 16 == 15)
			event_base_loop(f->base, EVLOOP_NONBLOCK);
	}
	end = now_ms() + 5000;
	while (got < sent && now_ms() < end) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t r = recvfrom(f->pkt_fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		uint32_t t, idx;
		bool ok = true;

		if (r < 0) {
			event_base_loop(f->base, EVLOOP_NONBLOCK);
			usleep(1000);
			continue;
		}
		if (from.sll_pkttype == PACKET_OUTGOING || r < 22)
			continue;
		memcpy(&t, buf + 14, 4);
		memcpy(&idx, buf + 18, 4);
		if (t != tag)
			continue;
		if ((size_t)r != 60 + (idx * 37) % (sizeof(frame) - 60))
			ok = false;
		for (ssize_t k = 22; ok && k < r; k++)
			ok = buf[k] == (uint8_t)(k ^ idx);
		got += ok;
	}
	return got;
}

static struct json_object *show(struct fx *f)
{
	return sim_show(&f->sim);
}

static int count_sqs(struct json_object *s, const char *dir, int *ret_depth)
{
	struct json_object *sqs = json_path(s, "queues.sq");
	int n = 0;

	for (size_t i = 0; sqs && i < json_object_array_length(sqs); i++) {
		struct json_object *q = json_object_array_get_idx(sqs, i);

		if (strcmp(json_object_get_string(json_path(q, "direction")), dir))
			continue;
		n++;
		if (ret_depth)
			*ret_depth = json_object_get_int(json_path(q, "depth"));
	}
	return n;
}

static const char *last_reset_reason(struct fx *f, char *buf, size_t len)
{
	struct json_object *s = show(f), *arr = json_path(s, "reset_reasons");

	buf[0] = 0;
	/* the last reason that is not the NORMAL reset of a bring-up */
	for (size_t i = 0; arr && i < json_object_array_length(arr); i++) {
		const char *n = json_object_get_string(json_path(json_object_array_get_idx(arr, i), "name"));

		if (strcmp(n, "normal"))
			snprintf(buf, len, "%s", n);
	}
	json_object_put(s);
	return buf;
}

static int setup(void **state)
{
	static const char *const args[] = { "--wire", "loop", "--queues", "4", "--max-mtu", "9216",
					    NULL };
	struct port_hooks hooks = { .event = on_event };
	struct enad_global_config g = { 0 };
	struct fx *f = calloc(1, sizeof(*f));

	*state = f;
	if (!netns_ok)
		return 0;
	f->pkt_fd = -1;
	if (sim_start(&f->sim, args) < 0)
		return -1;
	g.log_level = PARAM_LOG_INFO;
	config_device_defaults(&g, "ena0", &f->cfg);
	if (strlen(f->sim.devstr) >= sizeof(f->cfg.device))
		return -1;
	memcpy(f->cfg.device, f->sim.devstr, strlen(f->sim.devstr) + 1);
	f->cfg.has |= PARAM_HAS(PARAM_DEVICE);
	f->cfg.num_io_queues = 2;
	f->cfg.keep_alive_timeout_ms = 1500;
	f->cfg.has |= PARAM_HAS(PARAM_KEEP_ALIVE_TIMEOUT_MS);
	f->base = event_base_new();
	hooks.userdata = f;
	if (!f->base || port_create(f->base, &f->cfg, &hooks, &f->port) < 0)
		return -1;
	if (port_start(f->port) < 0)
		return -1;
	return open_pkt(f);
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->pkt_fd >= 0)
		close(f->pkt_fd);
	port_free(f->port);
	if (f->base)
		event_base_free(f->base);
	sim_stop(&f->sim);
	free(f);
	return 0;
}

#define NEED_NETNS() \
	do { \
		if (!netns_ok) { \
			print_message("skipped: needs root and a network namespace\n"); \
			return; \
		} \
	} while (0)

static void test_bring_up(void **state)
{
	struct fx *f = *state;
	struct port_info info;
	struct json_object *s;
	int depth = 0;

	NEED_NETNS();
	port_get_info(f->port, &info);
	assert_int_equal(info.state, PORT_UP);
	assert_int_equal(info.queues, 2);
	assert_int_equal(info.ifindex, (int)if_nametoindex("ena0"));
	s = show(f);
	assert_int_equal(count_sqs(s, "tx", NULL), 2);
	assert_int_equal(count_sqs(s, "rx", &depth), 2);
	assert_int_equal(depth, 1024);
	assert_int_equal(json_object_get_int(json_path(s, "mtu")), 1500);
	json_object_put(s);
	/* (the TAP's queue count is checked by tests/integration, where
	 * `ip netns exec` gives /sys/class/net the right namespace) */
	assert_int_equal(roundtrip(f, 200, 1), 200);
}

static void test_reconfigure_queues_and_rings(void **state)
{
	struct fx *f = *state;
	struct enad_device_config want;
	struct port_error err;
	struct port_stats *st = malloc(sizeof(*st));
	uint64_t before = 0, after = 0;
	struct json_object *s;
	int depth = 0;

	NEED_NETNS();
	assert_int_equal(roundtrip(f, 100, 2), 100);
	port_get_stats(f->port, st);
	for (unsigned int q = 0; q < PARAM_QUEUES_MAX; q++)
		before += st->queue[q].tx.v[ENA_TXQ_STAT_CNT];
	for (unsigned int n = 1; n <= 4; n++) {
		want = *port_config(f->port);
		want.num_io_queues = n == 4 ? 3 : n;
		want.rx_queue_size = n % 2 ? 512 : 2048;
		want.has |= PARAM_HAS(PARAM_NUM_IO_QUEUES) | PARAM_HAS(PARAM_RX_QUEUE_SIZE);
		assert_int_equal(port_apply(f->port, &want, &err), 0);
		assert_int_equal(port_state(f->port), PORT_UP);
		s = show(f);
		assert_int_equal(count_sqs(s, "rx", &depth), (int)want.num_io_queues);
		assert_int_equal(depth, (int)want.rx_queue_size);
		json_object_put(s);
		assert_int_equal(roundtrip(f, 100, 10 + n), 100);
	}
	port_get_stats(f->port, st);
	for (unsigned int q = 0; q < PARAM_QUEUES_MAX; q++)
		after += st->queue[q].tx.v[ENA_TXQ_STAT_CNT];
	/* counters continue across queue changes */
	assert_true(after >= before + 400);
	free(st);
}

static void test_refused_changes(void **state)
{
	struct fx *f = *state;
	struct enad_device_config want;
	struct port_error err;

	NEED_NETNS();
	want = *port_config(f->port);
	want.num_io_queues = 64;
	assert_int_equal(port_apply(f->port, &want, &err), -EINVAL);
	assert_ptr_equal(err.param, &param_table[PARAM_NUM_IO_QUEUES]);
	assert_string_equal(err.allowed, "1..4");

	want = *port_config(f->port);
	want.mtu = 9500;
	assert_int_equal(port_apply(f->port, &want, &err), -EINVAL);
	assert_ptr_equal(err.param, &param_table[PARAM_MTU]);
	assert_non_null(strstr(err.msg, "9216"));

	want = *port_config(f->port);
	want.rss_indir.kind = PARAM_INDIR_LIST;
	want.rss_indir.n = 2;
	want.rss_indir.v[0] = 0;
	want.rss_indir.v[1] = 5;
	want.has |= PARAM_HAS(PARAM_RSS_INDIR);
	assert_int_equal(port_apply(f->port, &want, &err), -EINVAL);
	assert_ptr_equal(err.param, &param_table[PARAM_RSS_INDIR]);
	/* nothing changed */
	assert_int_equal(port_config(f->port)->mtu, 1500);
	assert_false(port_config(f->port)->has & PARAM_HAS(PARAM_RSS_INDIR));
	assert_int_equal(roundtrip(f, 50, 20), 50);
}

static void test_rollback(void **state)
{
	struct fx *f = *state;
	struct enad_device_config want;
	struct port_error err;
	struct json_object *s;

	NEED_NETNS();
	assert_int_equal(sim_ctl(&f->sim, NULL, "fail-next", "create-sq", NULL), 0);
	want = *port_config(f->port);
	want.num_io_queues = 4;
	want.has |= PARAM_HAS(PARAM_NUM_IO_QUEUES);
	assert_true(port_apply(f->port, &want, &err) < 0);
	assert_true(err.rolled_back);
	assert_false(err.reset);
	assert_non_null(strstr(err.msg, "rolled back"));
	assert_int_equal(port_config(f->port)->num_io_queues, 2);
	s = show(f);
	assert_int_equal(count_sqs(s, "tx", NULL), 2);
	json_object_put(s);
	assert_int_equal(roundtrip(f, 100, 30), 100);
}

static void test_live_settings(void **state)
{
	static const uint8_t key[40] = { 0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2 };
	struct fx *f = *state;
	struct enad_device_config want;
	struct port_error err;
	struct port_rss rss;

	NEED_NETNS();
	want = *port_config(f->port);
	memcpy(want.rss_key, key, sizeof(key));
	want.rss_indir.kind = PARAM_INDIR_EQUAL;
	want.rss_indir.n = 1;
	want.rx_usecs = 40;
	want.has |= PARAM_HAS(PARAM_RSS_KEY) | PARAM_HAS(PARAM_RSS_INDIR) | PARAM_HAS(PARAM_RX_USECS);
	assert_int_equal(port_apply(f->port, &want, &err), 0);
	port_get_rss(f->port, &rss);
	assert_memory_equal(rss.key, key, sizeof(key));
	assert_int_equal(rss.table_size, 128);
	for (unsigned int i = 0; i < rss.table_size; i++)
		assert_int_equal(rss.table[i], 0);
	assert_int_equal(roundtrip(f, 50, 40), 50);

	/* a port's log level follows the global one when not set itself (a
	 * reload changing [global] log_level hands the port this) */
	want = *port_config(f->port);
	assert_false(want.has & PARAM_HAS(PARAM_DEVICE_LOG_LEVEL));
	assert_false(log_enabled(port_log(f->port), LOG_DEBUG));
	want.log_level = PARAM_LOG_DEBUG;
	assert_int_equal(port_apply(f->port, &want, &err), 0);
	assert_true(log_enabled(port_log(f->port), LOG_DEBUG));
}

static bool reset_done(struct fx *f)
{
	return f->resets_seen > 0 && port_state(f->port) == PORT_UP;
}

static void test_user_reset_restores_settings(void **state)
{
	struct fx *f = *state;
	struct enad_device_config want;
	struct port_error err;
	struct json_object *s;
	char reason[64];
	int depth = 0;

	NEED_NETNS();
	want = *port_config(f->port);
	want.mtu = 9000;
	want.tx_queue_size = 512;
	want.has |= PARAM_HAS(PARAM_MTU) | PARAM_HAS(PARAM_TX_QUEUE_SIZE);
	assert_int_equal(port_apply(f->port, &want, &err), 0);
	port_trigger_reset(f->port, ENA_RESET_USER_TRIGGER);
	assert_true(loop_until(f, reset_done, 10000));
	assert_string_equal(last_reset_reason(f, reason, sizeof(reason)), "user_trigger");
	s = show(f);
	assert_int_equal(json_object_get_int(json_path(s, "mtu")), 9000);
	assert_int_equal(count_sqs(s, "tx", &depth), 2);
	assert_int_equal(depth, 512);
	json_object_put(s);
	assert_int_equal(roundtrip(f, 100, 50), 100);
}

static void test_keep_alive_watchdog(void **state)
{
	struct fx *f = *state;
	struct port_stats *st = malloc(sizeof(*st));
	char reason[64];

	NEED_NETNS();
	loop_for(f, 100);
	assert_int_equal(sim_ctl(&f->sim, NULL, "keepalive", "off", NULL), 0);
	assert_true(loop_until(f, reset_done, 15000));
	assert_string_equal(last_reset_reason(f, reason, sizeof(reason)), "keep_alive_to");
	port_get_stats(f->port, st);
	assert_int_equal(st->v[PORT_STAT_WD_EXPIRED], 1);
	assert_int_equal(st->v[PORT_STAT_TOTAL_RESETS], 1);
	free(st);
	assert_int_equal(sim_ctl(&f->sim, NULL, "keepalive", "on", NULL), 0);
	assert_int_equal(roundtrip(f, 100, 60), 100);
}

static void test_corrupt_tx_req_id(void **state)
{
	struct fx *f = *state;
	char reason[64];

	NEED_NETNS();
	assert_int_equal(sim_ctl(&f->sim, NULL, "corrupt", "tx-req-id", NULL), 0);
	roundtrip(f, 20, 70); /* some of these trip the fault */
	assert_true(loop_until(f, reset_done, 10000));
	assert_string_equal(last_reset_reason(f, reason, sizeof(reason)), "inv_tx_req_id");
	assert_int_equal(roundtrip(f, 100, 71), 100);
}

static bool eni_grew(struct fx *f)
{
	struct port_stats *st = malloc(sizeof(*st));
	bool grew;

	port_get_stats(f->port, st);
	grew = st->has_eni && st->eni.pps_allowance_exceeded > 0;
	free(st);
	return grew || f->eni_events > 0;
}

static void test_eni_sampling(void **state)
{
	struct fx *f = *state;
	struct enad_device_config want;
	struct port_error err;

	NEED_NETNS();
	want = *port_config(f->port);
	want.eni_metrics_sample_interval = 1;
	want.has |= PARAM_HAS(PARAM_ENI_METRICS_SAMPLE_INTERVAL);
	assert_int_equal(port_apply(f->port, &want, &err), 0);
	loop_for(f, 1200); /* first sample: the baseline */
	assert_int_equal(sim_ctl(&f->sim, NULL, "allowance", "pps", "100", NULL), 0);
	for (unsigned int i = 0; i < 5 && !f->eni_events; i++) {
		roundtrip(f, 300, 80 + i);
		loop_for(f, 300);
	}
	assert_true(loop_until(f, eni_grew, 5000));
	assert_true(f->eni_events > 0);
}

static int group_setup(void **state)
{
	if (geteuid() != 0 || unshare(CLONE_NEWNET) < 0 || access("/dev/net/tun", R_OK | W_OK) < 0)
		return 0;
	netns_ok = true;
	log_setup(LOG_TARGET_STDERR);
	log_set_level(LOG_WARNING);
	return 0;
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_bring_up),
		T(test_reconfigure_queues_and_rings),
		T(test_refused_changes),
		T(test_rollback),
		T(test_live_settings),
		T(test_user_reset_restores_settings),
		T(test_keep_alive_watchdog),
		T(test_corrupt_tx_req_id),
		T(test_eni_sampling),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
