/* SPDX-License-Identifier: MIT */
/* libena's control path against a real enasim process over vfio-user:
 * bring-up, feature round trips, stats, AENQ events, injected faults and a
 * misbehaving device. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <ena/ena.h>

#include "ena_dev.h"
#include "sim_harness.h"
#include "pkt.h"

struct events {
	int keep_alives;
	int link_up, link_down;
	int fatal, request_reset, hints, unknown;
	uint16_t last_unknown_group;
	struct ena_hw_hints last_hints;
};

static void on_link(void *ctx, bool up)
{
	struct events *e = ctx;

	if (up)
		e->link_up++;
	else
		e->link_down++;
}

static void on_keep_alive(void *ctx, uint64_t rx, uint64_t tx, uint64_t ov)
{
	((struct events *)ctx)->keep_alives++;
}

static void on_fatal(void *ctx, uint16_t syndrome)
{
	((struct events *)ctx)->fatal++;
}

static void on_request_reset(void *ctx)
{
	((struct events *)ctx)->request_reset++;
}

static void on_hints(void *ctx, const struct ena_hw_hints *h)
{
	struct events *e = ctx;

	e->hints++;
	e->last_hints = *h;
}

static void on_unknown(void *ctx, uint16_t group, uint16_t syndrome)
{
	struct events *e = ctx;

	e->unknown++;
	e->last_unknown_group = group;
}

static const struct ena_aenq_handlers handlers = {
	.link_change = on_link,
	.keep_alive = on_keep_alive,
	.fatal_error = on_fatal,
	.device_request_reset = on_request_reset,
	.hints = on_hints,
	.unknown = on_unknown,
};

struct fixture {
	struct sim sim;
	struct ena_dev *dev;
	struct events ev;
};

static const struct ena_dev_params params = {
	.numa_node = -1,
	.host = {
		.driver_name = "enad-test",
		.drv_major = 0, .drv_minor = 1, .drv_sub = 0, .drv_module_type = 'u',
		.num_cpus = 2,
		.driver_supported_features = ENA_HOST_FEAT_INTERRUPT_MODERATION |
					     ENA_HOST_FEAT_RSS_CONFIGURABLE_FUNCTION_KEY,
	},
};

/* Short admin timeout (--admin-cmd-to 5 = 500 ms) keeps fault tests quick. */
static const char *const sim_args[] = {
	"--queues", "4", "--max-mtu", "9001", "--mac", "02:11:22:33:44:55",
	"--admin-cmd-to", "5", NULL,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int r;

	assert_non_null(f);
	r = sim_start(&f->sim, sim_args);
	if (r < 0) {
		fprintf(stderr, "enasim did not start: %s\n", strerror(-r));
		free(f);
		return -1;
	}
	r = ena_dev_open(f->sim.devstr, &f->dev);
	if (r < 0) {
		fprintf(stderr, "open: %s: %s\n", strerror(-r), ena_error_last());
		sim_stop(&f->sim);
		free(f);
		return -1;
	}
	ena_dev_set_aenq_handlers(f->dev, &handlers, &f->ev);
	r = ena_dev_init(f->dev, &params);
	if (r < 0) {
		fprintf(stderr, "init: %s: %s\n", strerror(-r), ena_error_last());
		ena_dev_close(f->dev);
		sim_stop(&f->sim);
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	ena_dev_close(f->dev);
	sim_stop(&f->sim);
	free(f);
	return 0;
}

/* Process admin/AENQ interrupts until @done says so or ~@max_ms passes. */
static void pump_events(struct fixture *f, int max_ms, bool (*done)(const struct events *))
{
	int fd = ena_dev_admin_irq_fd(f->dev);

	for (int waited = 0; waited < max_ms && !(done && done(&f->ev)); waited += 50) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		if (poll(&p, 1, 50) == 1)
			assert_true(ena_dev_handle_admin_irq(f->dev) >= 0);
	}
}

static int json_int(struct json_object *o, const char *path)
{
	struct json_object *v = json_path(o, path);

	if (!v)
		fail_msg("enasim show has no %s", path);
	return json_object_get_int(v);
}

static const char *json_str(struct json_object *o, const char *path)
{
	struct json_object *v = json_path(o, path);

	if (!v)
		fail_msg("enasim show has no %s", path);
	return json_object_get_string(v);
}

/* Name of the last reset reason the device recorded. */
static const char *last_reset_reason(struct json_object *show)
{
	struct json_object *arr = json_path(show, "reset_reasons");
	size_t n;

	assert_non_null(arr);
	n = json_object_array_length(arr);
	assert_true(n > 0);
	return json_str(json_object_array_get_idx(arr, n - 1), "name");
}

static void test_bringup_attributes(void **state)
{
	struct fixture *f = *state;
	const struct ena_dev_attrs *a = ena_dev_attrs(f->dev);
	static const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct json_object *show = sim_show(&f->sim);

	assert_memory_equal(a->mac, mac, 6);
	assert_int_equal(a->max_mtu, 9001);
	assert_int_equal(a->max_rx_sq_num, 4);
	assert_int_equal(a->max_tx_sq_num, 4);
	assert_int_equal(a->dma_width, 48);
	assert_true(a->controller_version >= 1);
	assert_true(a->has_llq);
	assert_true(a->aenq.supported_groups & (1u << ENA_AENQ_KEEP_ALIVE));
	assert_int_equal(a->aenq.enabled_groups, ENA_AENQ_GROUPS_DEFAULT & a->aenq.supported_groups);
	assert_int_equal(a->rss_ind_table_max_log, 7);
	assert_int_equal(a->msix_vectors, 5);
	assert_true(a->intr_delay_resolution >= 1);

	assert_non_null(show);
	/* The probe reset is NORMAL, exactly once. */
	assert_int_equal(json_object_array_length(json_path(show, "reset_reasons")), 1);
	assert_string_equal(last_reset_reason(show), "normal");
	/* The host info page the device read is ours. */
	assert_int_equal(json_int(show, "host_info.os_type"), ENA_OS_LINUX);
	assert_int_equal(json_int(show, "host_info.num_cpus"), 2);
	assert_int_equal(json_int(show, "host_info.driver_version"), 0 | (1 << 8) | ('u' << 24));
	assert_int_equal(json_int(show, "host_info.driver_supported_features"), 0x14);
	assert_int_equal(json_int(show, "host_info.spec_version"), ENA_SPEC_VERSION);
	assert_non_null(strstr(json_str(show, "host_info.os_dist_str"), "enad-test"));
	json_object_put(show);
}

static void test_frag_bypass(void **state)
{
	struct fixture *f = *state;
	struct json_object *show;

	assert_int_equal(ena_dev_set_frag_bypass(f->dev, true), 0);
	show = sim_show(&f->sim);
	assert_true(json_object_get_boolean(json_path(show, "frag_bypass")));
	json_object_put(show);
	assert_int_equal(ena_dev_set_frag_bypass(f->dev, false), 0);
	show = sim_show(&f->sim);
	assert_false(json_object_get_boolean(json_path(show, "frag_bypass")));
	json_object_put(show);
}

static void test_mtu(void **state)
{
	struct fixture *f = *state;
	struct json_object *show;
	struct ena_aq_feature cmd;
	struct ena_feat_mtu too_big = { .mtu = 9002 };

	assert_int_equal(ena_dev_set_mtu(f->dev, 1500), 0);
	show = sim_show(&f->sim);
	assert_int_equal(json_int(show, "mtu"), 1500);
	json_object_put(show);
	assert_int_equal(ena_dev_set_mtu(f->dev, 9001), 0);
	/* libena refuses out-of-range values before the device sees them... */
	assert_int_equal(ena_dev_set_mtu(f->dev, 9002), -EINVAL);
	assert_int_equal(ena_dev_set_mtu(f->dev, 127), -EINVAL);
	/* ...and the device refuses them too when asked directly. */
	memset(&cmd, 0, sizeof(cmd));
	assert_int_equal(ena_set_feature(f->dev, ENA_FEAT_MTU, 0, &too_big, sizeof(too_big), 0, 0),
			 -EINVAL);
	show = sim_show(&f->sim);
	assert_int_equal(json_int(show, "mtu"), 9001);
	json_object_put(show);
}

static void test_rss_function_and_key(void **state)
{
	struct fixture *f = *state;
	uint8_t key[ENA_RSS_KEY_SIZE];
	enum ena_hash_function func;
	uint32_t init;
	struct json_object *show;
	char reversed_hex[2 * ENA_RSS_KEY_SIZE + 1];

	assert_int_equal(ena_rss_set_function(f->dev, ENA_HASH_TOEPLITZ, ms_rss_key, 0xffffffff), 0);
	assert_int_equal(ena_rss_get_function(f->dev, &func, key, &init), 0);
	assert_int_equal(func, ENA_HASH_TOEPLITZ);
	assert_int_equal(init, 0xffffffff);
	assert_memory_equal(key, ms_rss_key, sizeof(key));

	/* On the wire the key is byte-reversed: that is what the device holds. */
	for (int i = 0; i < ENA_RSS_KEY_SIZE; i++)
		sprintf(reversed_hex + 2 * i, "%02x", ms_rss_key[ENA_RSS_KEY_SIZE - 1 - i]);
	show = sim_show(&f->sim);
	assert_string_equal(json_str(show, "rss.key"), reversed_hex);
	assert_string_equal(json_str(show, "rss.function"), "toeplitz");
	json_object_put(show);

	assert_int_equal(ena_rss_set_function(f->dev, ENA_HASH_CRC32, ms_rss_key, 0), 0);
	assert_int_equal(ena_rss_get_function(f->dev, &func, NULL, &init), 0);
	assert_int_equal(func, ENA_HASH_CRC32);
	assert_int_equal(init, 0);
	show = sim_show(&f->sim);
	assert_string_equal(json_str(show, "rss.function"), "crc32");
	json_object_put(show);
	assert_int_equal(ena_rss_set_function(f->dev, 3, ms_rss_key, 0), -EINVAL);
}

static void test_rss_hash_input(void **state)
{
	struct fixture *f = *state;
	uint16_t sel[ENA_RSS_PROTO_NUM], sup[ENA_RSS_PROTO_NUM], sort;

	assert_int_equal(ena_rss_get_hash_input(f->dev, sel, sup, &sort), 0);
	assert_true(sup[ENA_RSS_TCP4] & ENA_RSS_L4_SP);
	memset(sel, 0, sizeof(sel));
	sel[ENA_RSS_TCP4] = ENA_RSS_L3_SA | ENA_RSS_L3_DA;
	sel[ENA_RSS_UDP6] = ENA_RSS_L3_SA | ENA_RSS_L3_DA | ENA_RSS_L4_SP | ENA_RSS_L4_DP;
	assert_int_equal(ena_rss_set_hash_input(f->dev, sel, ENA_RSS_INPUT_L3_SORT | ENA_RSS_INPUT_L4_SORT), 0);
	memset(sel, 0xff, sizeof(sel));
	assert_int_equal(ena_rss_get_hash_input(f->dev, sel, NULL, &sort), 0);
	assert_int_equal(sel[ENA_RSS_TCP4], ENA_RSS_L3_SA | ENA_RSS_L3_DA);
	assert_int_equal(sel[ENA_RSS_UDP6], 0x3c);
	assert_int_equal(sel[ENA_RSS_IP4], 0);
	/* A field the device does not support is refused before sending. */
	sel[ENA_RSS_NOT_IP] = ENA_RSS_L4_DP;
	assert_int_equal(ena_rss_set_hash_input(f->dev, sel, 0), -EINVAL);
}

static void test_rss_indirection_needs_rx_queues(void **state)
{
	struct fixture *f = *state;
	uint16_t table[128];
	unsigned int log = 0;

	assert_int_equal(ena_rss_get_indir(f->dev, table, 128, &log), 0);
	assert_int_equal(log, 7);
	/* No RX queue exists yet: the device refuses entries naming none. */
	memset(table, 0, sizeof(table));
	assert_int_equal(ena_rss_set_indir(f->dev, table, 7), -EINVAL);
	/* Sizes outside the device's range never reach it. */
	assert_int_equal(ena_rss_set_indir(f->dev, table, 8), -EINVAL);
	assert_int_equal(ena_rss_get_indir(f->dev, table, 64, &log), -ENOSPC);
}

static void test_stats(void **state)
{
	struct fixture *f = *state;
	struct ena_basic_stats b;
	struct ena_eni_stats e;
	struct ena_customer_metrics m;
	struct ena_admin_stats s;

	memset(&b, 0xff, sizeof(b));
	assert_int_equal(ena_dev_get_basic_stats(f->dev, &b), 0);
	assert_int_equal(b.tx_pkts, 0);
	assert_int_equal(b.rx_drops, 0);
	memset(&e, 0xff, sizeof(e));
	assert_int_equal(ena_dev_get_eni_stats(f->dev, &e), 0);
	assert_int_equal(e.pps_allowance_exceeded, 0);
	assert_int_equal(ena_dev_get_customer_metrics(f->dev, &m), 0);
	assert_int_equal(m.supported, ENA_CUSTOMER_METRICS_SUPPORT_MASK);
	ena_dev_admin_stats(f->dev, &s);
	assert_true(s.submitted >= 10);
	assert_int_equal(s.submitted, s.completed);
	assert_int_equal(s.no_completion, 0);
}

static void test_link_config(void **state)
{
	struct fixture *f = *state;
	struct ena_feat_link l;

	assert_int_equal(ena_dev_get_link(f->dev, &l), 0);
	assert_int_equal(l.speed, 25000);
}

static bool two_keep_alives(const struct events *e)
{
	return e->keep_alives >= 2;
}

static void test_keep_alive_arrives(void **state)
{
	struct fixture *f = *state;

	pump_events(f, 10000, two_keep_alives);
	assert_true(f->ev.keep_alives >= 2);
	/* The link came up when the group was enabled. */
	assert_true(f->ev.link_up >= 1);
}

static bool link_went_down(const struct events *e)
{
	return e->link_down >= 1;
}

static bool link_back_up(const struct events *e)
{
	return e->link_up >= 2;
}

static void test_link_change_delivered(void **state)
{
	struct fixture *f = *state;

	pump_events(f, 2000, NULL); /* the initial link-up */
	assert_int_equal(sim_ctl(&f->sim, NULL, "link", "down", NULL), 0);
	pump_events(f, 5000, link_went_down);
	assert_int_equal(f->ev.link_down, 1);
	assert_int_equal(sim_ctl(&f->sim, NULL, "link", "up", NULL), 0);
	pump_events(f, 5000, link_back_up);
	assert_true(f->ev.link_up >= 2);
}

static bool got_fatal(const struct events *e)
{
	return e->fatal >= 1;
}

static void test_fatal_status(void **state)
{
	struct fixture *f = *state;
	uint32_t sts = 0;

	assert_int_equal(ena_dev_read_status(f->dev, &sts), 0);
	assert_false(sts & ENA_DEV_STS_FATAL_ERROR);
	assert_int_equal(sim_ctl(&f->sim, NULL, "fatal", NULL), 0);
	assert_int_equal(ena_dev_read_status(f->dev, &sts), 0);
	assert_true(sts & ENA_DEV_STS_FATAL_ERROR);
	pump_events(f, 5000, got_fatal);
	assert_int_equal(f->ev.fatal, 1);
	/* A reset clears it and the device comes back. */
	assert_int_equal(ena_dev_reset(f->dev, ENA_RESET_GENERIC), 0);
	assert_int_equal(ena_dev_init(f->dev, &params), 0);
	assert_int_equal(ena_dev_read_status(f->dev, &sts), 0);
	assert_false(sts & ENA_DEV_STS_FATAL_ERROR);
}

static bool got_request(const struct events *e)
{
	return e->request_reset >= 1;
}

static void test_device_request_reset(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_ctl(&f->sim, NULL, "request-reset", NULL), 0);
	pump_events(f, 5000, got_request);
	assert_int_equal(f->ev.request_reset, 1);
}

static bool got_hints(const struct events *e)
{
	return e->hints >= 1;
}

static void test_hints_update_timeouts(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(sim_ctl(&f->sim, NULL, "notify-hints", "admin_completion_tx_timeout=700",
				 "driver_watchdog_timeout=4000", NULL), 0);
	pump_events(f, 5000, got_hints);
	assert_int_equal(f->ev.hints, 1);
	assert_int_equal(f->ev.last_hints.driver_watchdog_timeout, 4000);
	assert_int_equal(ena_dev_admin_timeout_us(f->dev), 700000);
}

static void test_reset_reasons_recorded(void **state)
{
	struct fixture *f = *state;
	struct json_object *show;

	assert_int_equal(ena_dev_reset(f->dev, ENA_RESET_USER_TRIGGER), 0);
	assert_int_equal(ena_dev_init(f->dev, &params), 0);
	/* 16 and above travel in the extended bits once the device says it can. */
	assert_int_equal(ena_dev_reset(f->dev, ENA_RESET_MISSING_ADMIN_INTERRUPT), 0);
	assert_int_equal(ena_dev_init(f->dev, &params), 0);
	show = sim_show(&f->sim);
	{
		struct json_object *arr = json_path(show, "reset_reasons");
		size_t n = json_object_array_length(arr);

		assert_true(n >= 4);
		assert_string_equal(json_str(json_object_array_get_idx(arr, n - 4), "name"), "user_trigger");
		assert_string_equal(json_str(json_object_array_get_idx(arr, n - 3), "name"), "normal");
		assert_string_equal(json_str(json_object_array_get_idx(arr, n - 2), "name"),
				    "missing_admin_interrupt");
		assert_string_equal(json_str(json_object_array_get_idx(arr, n - 1), "name"), "normal");
	}
	json_object_put(show);
}

static void test_admin_timeout(void **state)
{
	struct fixture *f = *state;
	struct ena_admin_stats s;
	enum ena_reset_reason why = ENA_RESET_NORMAL;
	struct ena_feat_link l;

	assert_int_equal(sim_ctl(&f->sim, NULL, "admin-drop", "on", NULL), 0);
	assert_int_equal(ena_dev_get_link(f->dev, &l), -ETIMEDOUT);
	ena_dev_admin_stats(f->dev, &s);
	assert_int_equal(s.no_completion, 1);
	assert_true(ena_dev_admin_failed(f->dev, &why));
	assert_int_equal(why, ENA_RESET_ADMIN_TO);
	/* Nothing more goes to a stopped queue. */
	assert_int_equal(ena_dev_get_link(f->dev, &l), -ENODEV);

	assert_int_equal(sim_ctl(&f->sim, NULL, "admin-drop", "off", NULL), 0);
	assert_int_equal(ena_dev_reset(f->dev, why), 0);
	assert_int_equal(ena_dev_init(f->dev, &params), 0);
	assert_false(ena_dev_admin_failed(f->dev, NULL));
	assert_int_equal(ena_dev_get_link(f->dev, &l), 0);
	{
		struct json_object *show = sim_show(&f->sim);
		struct json_object *arr = json_path(show, "reset_reasons");
		size_t n = json_object_array_length(arr);

		assert_string_equal(json_str(json_object_array_get_idx(arr, n - 2), "name"), "admin_to");
		json_object_put(show);
	}
}

static void test_admin_delay_still_completes(void **state)
{
	struct fixture *f = *state;
	struct ena_feat_link l;

	assert_int_equal(sim_ctl(&f->sim, NULL, "admin-delay", "200", NULL), 0);
	assert_int_equal(ena_dev_get_link(f->dev, &l), 0);
	assert_int_equal(sim_ctl(&f->sim, NULL, "admin-delay", "0", NULL), 0);
}

static void test_missing_admin_interrupt(void **state)
{
	struct fixture *f = *state;
	enum ena_reset_reason why;
	struct ena_admin_stats s;
	struct ena_feat_link l;

	/* Vector 0 is shared with the AENQ: consume what is pending (the
	 * link-up) so only the command's own interrupt could wake us. */
	assert_int_equal(sim_ctl(&f->sim, NULL, "keepalive", "off", NULL), 0);
	pump_events(f, 300, NULL);
	assert_int_equal(sim_ctl(&f->sim, NULL, "no-admin-irq", "on", NULL), 0);
	assert_int_equal(ena_dev_get_link(f->dev, &l), -ETIMEDOUT);
	ena_dev_admin_stats(f->dev, &s);
	assert_int_equal(s.missing_admin_interrupt, 1);
	assert_true(ena_dev_admin_failed(f->dev, &why));
	assert_int_equal(why, ENA_RESET_MISSING_ADMIN_INTERRUPT);
	assert_int_equal(sim_ctl(&f->sim, NULL, "no-admin-irq", "off", NULL), 0);
}

static void test_stale_phase_completion(void **state)
{
	struct fixture *f = *state;
	struct ena_feat_link l;

	assert_int_equal(sim_ctl(&f->sim, NULL, "acq-fault", "stale-phase", NULL), 0);
	/* A completion with the wrong phase is not a completion. */
	assert_int_equal(ena_dev_get_link(f->dev, &l), -ETIMEDOUT);
}

static void test_unknown_command_id(void **state)
{
	struct fixture *f = *state;
	enum ena_reset_reason why;
	struct ena_admin_stats s;
	struct ena_feat_link l;

	assert_int_equal(sim_ctl(&f->sim, NULL, "acq-fault", "unknown-id", NULL), 0);
	assert_int_equal(ena_dev_get_link(f->dev, &l), -EPROTO);
	ena_dev_admin_stats(f->dev, &s);
	assert_int_equal(s.bad_completion, 1);
	assert_true(ena_dev_admin_failed(f->dev, &why));
	assert_int_equal(why, ENA_RESET_ADMIN_TO);
}

static void test_bad_values_refused_at_init(void **state)
{
	struct fixture *f = *state;
	static const char *const faults[] = { "bad-max-queues", "bad-dev-attr" };

	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(ena_dev_reset(f->dev, ENA_RESET_NORMAL), 0);
		assert_int_equal(sim_ctl(&f->sim, NULL, "acq-fault", faults[i], NULL), 0);
		assert_int_equal(ena_dev_init(f->dev, &params), -EPROTO);
		assert_non_null(strstr(ena_error_last(), "device reports"));
	}
	/* And a well-behaved device comes back. */
	assert_int_equal(ena_dev_reset(f->dev, ENA_RESET_NORMAL), 0);
	assert_int_equal(ena_dev_init(f->dev, &params), 0);
}

static void test_unknown_aenq_group_counted(void **state)
{
	struct fixture *f = *state;
	struct ena_dev *dev = f->dev;
	struct ena_aenq_entry *ring = dev->aenq.va;
	struct ena_aenq_entry *e;
	struct ena_admin_stats s;

	/* Quiesce the device's own events, then plant one it never sends. */
	assert_int_equal(sim_ctl(&f->sim, NULL, "keepalive", "off", NULL), 0);
	pump_events(f, 300, NULL);
	e = &ring[dev->aenq_head & (ENA_AENQ_QUEUE_DEPTH - 1)];
	memset(e, 0, sizeof(*e));
	e->common.group = 11;
	e->common.syndrome = 3;
	e->common.flags = dev->aenq_phase;
	assert_true(ena_dev_handle_admin_irq(dev) >= 1);
	ena_dev_admin_stats(dev, &s);
	assert_int_equal(s.aenq_unknown, 1);
	assert_int_equal(f->ev.unknown, 1);
	assert_int_equal(f->ev.last_unknown_group, 11);
}

static void test_create_queue_validation(void **state)
{
	struct fixture *f = *state;
	struct ena_dma_mem ring;
	struct ena_aq_create_cq cq;
	struct ena_aq_create_sq sq;
	struct ena_aq_destroy_cq dcq;
	struct ena_acq_create_cq_resp cq_resp;
	struct ena_acq_entry resp;

	assert_int_equal(ena_dma_alloc(f->dev->bus, 256 * 16, -1, &ring), 0);
	memset(&cq, 0, sizeof(cq));
	cq.common.opcode = ENA_ADMIN_CREATE_CQ;
	cq.cq_caps_1 = ENA_CQ_CAPS1_INTERRUPT_MODE_ENABLED;
	cq.cq_caps_2 = 4;
	cq.cq_depth = 256;
	cq.msix_vector = 1;
	ena_mem_addr_set(&cq.cq_ba, ring.iova);
	/* ena_admin_exec() hands back the whole 64-byte completion entry. */
	assert_int_equal(ena_admin_exec(f->dev, &cq, sizeof(cq), &resp), 0);
	memcpy(&cq_resp, &resp, sizeof(cq_resp));

	/* An SQ bound to a CQ that does not exist: ILLEGAL_PARAMETER. */
	memset(&sq, 0, sizeof(sq));
	sq.common.opcode = ENA_ADMIN_CREATE_SQ;
	sq.sq_identity = ENA_SQ_DIRECTION_RX << ENA_SQ_IDENTITY_DIRECTION_SHIFT;
	sq.sq_caps_2 = ENA_PLACEMENT_HOST;
	sq.sq_caps_3 = ENA_SQ_CAPS3_PHYS_CONTIGUOUS;
	sq.cq_idx = 200;
	sq.sq_depth = 256;
	ena_mem_addr_set(&sq.sq_ba, ring.iova);
	assert_int_equal(ena_admin_exec(f->dev, &sq, sizeof(sq), &resp), -EINVAL);
	assert_int_equal(resp.common.status, ENA_ADMIN_ILLEGAL_PARAMETER);

	/* A depth that is not a power of two. */
	sq.cq_idx = cq_resp.cq_idx;
	sq.sq_depth = 300;
	assert_int_equal(ena_admin_exec(f->dev, &sq, sizeof(sq), NULL), -EINVAL);

	/* The injected allocation failure becomes -ENOMEM. */
	sq.sq_depth = 256;
	assert_int_equal(sim_ctl(&f->sim, NULL, "fail-next", "create-sq", NULL), 0);
	assert_int_equal(ena_admin_exec(f->dev, &sq, sizeof(sq), &resp), -ENOMEM);
	assert_int_equal(resp.common.status, ENA_ADMIN_RESOURCE_ALLOCATION_FAILURE);

	memset(&dcq, 0, sizeof(dcq));
	dcq.common.opcode = ENA_ADMIN_DESTROY_CQ;
	dcq.cq_idx = cq_resp.cq_idx;
	assert_int_equal(ena_admin_exec(f->dev, &dcq, sizeof(dcq), NULL), 0);
	/* Destroying it twice is an error, not a crash. */
	assert_int_equal(ena_admin_exec(f->dev, &dcq, sizeof(dcq), NULL), -EINVAL);
	ena_dma_free(&ring);
}

/* Polling mode (DPDK's control_poll_interval): no admin interrupt at all;
 * commands complete by polling the ACQ and events by calling
 * ena_dev_handle_admin_irq() periodically. */
static void test_polling_mode(void **state)
{
	struct sim sim;
	struct ena_dev *dev;
	struct events ev = { 0 };
	struct ena_dev_params p = params;
	struct ena_feat_link l;

	p.admin_polling = true;
	assert_int_equal(sim_start(&sim, sim_args), 0);
	assert_int_equal(ena_dev_open(sim.devstr, &dev), 0);
	ena_dev_set_aenq_handlers(dev, &handlers, &ev);
	assert_int_equal(ena_dev_init(dev, &p), 0);
	assert_int_equal(ena_dev_admin_irq_fd(dev), -1);
	/* Even with the device's interrupt withheld, commands complete. */
	assert_int_equal(sim_ctl(&sim, NULL, "no-admin-irq", "on", NULL), 0);
	assert_int_equal(ena_dev_get_link(dev, &l), 0);
	{
		struct json_object *show = sim_show(&sim);

		assert_int_equal(json_int(show, "intr_mask"), ENA_INTR_MASK_ADMIN);
		json_object_put(show);
	}
	for (int i = 0; i < 200 && ev.keep_alives < 2; i++) {
		assert_true(ena_dev_handle_admin_irq(dev) >= 0);
		usleep(50000);
	}
	assert_true(ev.keep_alives >= 2);
	assert_true(ev.link_up >= 1);
	ena_dev_close(dev);
	sim_stop(&sim);
}

static void test_open_errors(void **state)
{
	struct ena_dev *dev = (struct ena_dev *)0x1;

	assert_int_equal(ena_dev_open("nonsense", &dev), -EINVAL);
	assert_ptr_equal(dev, (struct ena_dev *)0x1);
	assert_non_null(strstr(ena_error_last(), "vfio-user:PATH"));
	assert_true(ena_dev_open("vfio-user:/nonexistent/ena.sock", &dev) < 0);
	assert_ptr_equal(dev, (struct ena_dev *)0x1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_polling_mode),
		T(test_bringup_attributes),
		T(test_mtu),
		T(test_frag_bypass),
		T(test_rss_function_and_key),
		T(test_rss_hash_input),
		T(test_rss_indirection_needs_rx_queues),
		T(test_stats),
		T(test_link_config),
		T(test_keep_alive_arrives),
		T(test_link_change_delivered),
		T(test_fatal_status),
		T(test_device_request_reset),
		T(test_hints_update_timeouts),
		T(test_reset_reasons_recorded),
		T(test_admin_timeout),
		T(test_admin_delay_still_completes),
		T(test_missing_admin_interrupt),
		T(test_stale_phase_completion),
		T(test_unknown_command_id),
		T(test_bad_values_refused_at_init),
		T(test_unknown_aenq_group_counted),
		T(test_create_queue_validation),
	};

	return cmocka_run_group_tests_name("libena_sim", tests, NULL, NULL);
}
