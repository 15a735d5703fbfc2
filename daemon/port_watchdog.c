/* SPDX-License-Identifier: MIT */
/* Detectors: device events, the 1 s watchdog tick and ENI sampling. Each
 * detector only calls port_trigger_reset(); port_reset.c recovers. */
#include <errno.h>
#include <stdint.h>
#include <sys/time.h>
#include <unistd.h>

#include "port_priv.h"

/* ---- AENQ handlers (control thread; no admin commands here) ---- */

static void aenq_link_change(void *ctx, bool up)
{
	struct port *p = ctx;
	struct port_event ev = { .kind = PORT_EVENT_LINK, .link_up = up };

	p->link_known = true;
	if (p->link_up == up)
		return;
	p->link_up = up;
	log_dev(LOG_INFO, &p->log, "link", "link %s", up ? "up" : "down");
	port_update_carrier(p);
	port_emit(p, &ev);
}

static void aenq_keep_alive(void *ctx, uint64_t rx_drops, uint64_t tx_drops, uint64_t rx_overruns)
{
	struct port *p = ctx;

	p->last_keep_alive_us = port_now_us();
	p->ka_rx_drops = rx_drops;
	p->ka_tx_drops = tx_drops;
	p->ka_rx_overruns = rx_overruns;
}

static void aenq_fatal_error(void *ctx, uint16_t syndrome)
{
	struct port *p = ctx;

	log_dev(LOG_ERR, &p->log, NULL, "device reports a fatal error (syndrome %#x)", syndrome);
	port_trigger_reset(p, ENA_RESET_GENERIC);
}

static void aenq_warning(void *ctx, uint16_t syndrome)
{
	struct port *p = ctx;

	log_dev(LOG_WARNING, &p->log, NULL, "device warning (syndrome %#x)", syndrome);
}

static void aenq_hints(void *ctx, const struct ena_hw_hints *hints)
{
	struct port *p = ctx;

	p->hints = *hints;
	p->hints_valid = true;
	log_dev(LOG_INFO, &p->log, NULL,
		"device hints: watchdog %u ms, missing TX %u ms / %u packets, admin %u ms",
		hints->driver_watchdog_timeout, hints->missing_tx_completion_timeout,
		hints->missed_tx_completion_count_threshold_to_reset,
		hints->admin_completion_tx_timeout);
}

static void aenq_conf_notification(void *ctx, uint64_t bitmap)
{
	struct port *p = ctx;

	log_dev(LOG_INFO, &p->log, NULL, "device configuration notification %#llx",
		(unsigned long long)bitmap);
}

static void aenq_device_request_reset(void *ctx)
{
	struct port *p = ctx;

	log_dev(LOG_WARNING, &p->log, NULL, "device requests a reset");
	port_trigger_reset(p, ENA_RESET_DEVICE_REQUEST);
}

static void aenq_unknown(void *ctx, uint16_t group, uint16_t syndrome)
{
	struct port *p = ctx;
	static struct log_ratelimit rl = LOG_RATELIMIT_INIT(60 * 1000000ull, 3);

	log_ratelimit(&rl, LOG_WARNING, &p->log, NULL, "unknown device event group %u syndrome %u",
		      group, syndrome);
}

void port_aenq_install(struct port *p)
{
	static const struct ena_aenq_handlers h = {
		.link_change = aenq_link_change,
		.keep_alive = aenq_keep_alive,
		.fatal_error = aenq_fatal_error,
		.warning = aenq_warning,
		.hints = aenq_hints,
		.conf_notification = aenq_conf_notification,
		.device_request_reset = aenq_device_request_reset,
		.unknown = aenq_unknown,
	};

	ena_dev_set_aenq_handlers(p->dev, &h, p);
}

/* ---- timeouts: explicit config, else the device's hint, else the default ---- */

static uint64_t keep_alive_timeout_us(const struct port *p)
{
	const struct ena_dev_attrs *a = ena_dev_attrs(p->dev);

	if (!(a->aenq.enabled_groups & (1u << ENA_AENQ_KEEP_ALIVE)))
		return 0; /* nothing to watch: the reference drivers disarm too */
	if (p->cfg.has & PARAM_HAS(PARAM_KEEP_ALIVE_TIMEOUT_MS))
		return (uint64_t)p->cfg.keep_alive_timeout_ms * 1000;
	if (p->hints_valid && p->hints.driver_watchdog_timeout) {
		if (p->hints.driver_watchdog_timeout == ENA_HW_HINTS_NO_TIMEOUT)
			return 0;
		return (uint64_t)p->hints.driver_watchdog_timeout * 1000;
	}
	return (uint64_t)p->cfg.keep_alive_timeout_ms * 1000;
}

static uint64_t miss_tx_timeout_us(const struct port *p)
{
	if (p->cfg.has & PARAM_HAS(PARAM_MISS_TX_TIMEOUT_S))
		return (uint64_t)p->cfg.miss_tx_timeout_s * 1000000;
	if (p->hints_valid && p->hints.missing_tx_completion_timeout) {
		if (p->hints.missing_tx_completion_timeout == ENA_HW_HINTS_NO_TIMEOUT)
			return 0;
		return (uint64_t)p->hints.missing_tx_completion_timeout * 1000;
	}
	return (uint64_t)p->cfg.miss_tx_timeout_s * 1000000;
}

static uint32_t miss_tx_threshold(const struct port *p)
{
	if (!(p->cfg.has & PARAM_HAS(PARAM_MISS_TX_THRESHOLD)) && p->hints_valid &&
	    p->hints.missed_tx_completion_count_threshold_to_reset)
		return p->hints.missed_tx_completion_count_threshold_to_reset;
	return p->cfg.miss_tx_threshold;
}

/* ---- detectors ---- */

static void check_keep_alive(struct port *p, uint64_t now)
{
	uint64_t timeout = keep_alive_timeout_us(p);

	if (!timeout || now - p->last_keep_alive_us <= timeout)
		return;
	if (ena_dev_aenq_has_keep_alive(p->dev)) {
		log_dev(LOG_ERR, &p->log, NULL,
			"keep-alive waits unprocessed in the AENQ: admin interrupt lost");
		port_trigger_reset(p, ENA_RESET_MISSING_ADMIN_INTERRUPT);
		return;
	}
	log_dev(LOG_ERR, &p->log, NULL, "no keep-alive for %llu ms (timeout %llu ms)",
		(unsigned long long)(now - p->last_keep_alive_us) / 1000,
		(unsigned long long)timeout / 1000);
	port_trigger_reset(p, ENA_RESET_KEEP_ALIVE_TO);
}

static void check_admin(struct port *p)
{
	enum ena_reset_reason reason;
	uint32_t sts;

	if (ena_dev_admin_failed(p->dev, &reason)) {
		log_dev(LOG_ERR, &p->log, NULL, "admin queue stopped: %s", ena_error_last());
		port_trigger_reset(p, reason);
		return;
	}
	if (ena_dev_read_status(p->dev, &sts) == 0 && (sts & ENA_DEV_STS_FATAL_ERROR)) {
		log_dev(LOG_ERR, &p->log, NULL, "device status: fatal error (DEV_STS %#x)", sts);
		port_trigger_reset(p, ENA_RESET_GENERIC);
	}
}

static void check_queues(struct port *p, uint64_t now)
{
	uint64_t timeout = miss_tx_timeout_us(p);
	uint32_t threshold = miss_tx_threshold(p);

	for (unsigned int i = 0; i < p->nq; i++) {
		struct port_queue *q = &p->q[i];
		enum ena_reset_reason reason;

		if (!q->qp)
			continue;
		if (timeout)
			ena_txq_check_missing(ena_qpair_txq(q->qp), now, timeout, threshold);
		if (ena_txq_failed(ena_qpair_txq(q->qp), &reason) ||
		    ena_rxq_failed(ena_qpair_rxq(q->qp), &reason)) {
			log_dev(LOG_ERR, &p->log, NULL, "queue %u failed: %s", i,
				ena_reset_reason_name(reason));
			port_trigger_reset(p, reason);
			return;
		}
		if (q->worker && worker_failed(q->worker)) {
			port_trigger_reset(p, ENA_RESET_DRIVER_INVALID_STATE);
			return;
		}
		if (ena_rxq_check_empty(ena_qpair_rxq(q->qp)) && q->worker)
			worker_wake(q->worker);
	}
}

void port_watchdog_tick(evutil_socket_t fd, short what, void *arg)
{
	struct port *p = arg;
	uint64_t now;

	if (fd >= 0) {
		uint64_t v;

		/* a worker saw its queue fail: check at once */
		if (read(fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			log_dev_errno(LOG_WARNING, &p->log, NULL, errno, "worker notification: %m");
	}
	if (p->state != PORT_UP || p->reset_pending || !p->dev_up)
		return;
	if (!p->admin_ev)
		ena_dev_handle_admin_irq(p->dev); /* admin polling mode: the AENQ too */
	now = port_now_us();
	check_admin(p);
	if (!p->reset_pending)
		check_keep_alive(p, now);
	if (!p->reset_pending)
		check_queues(p, now);
}

/* ---- ENI allowance metrics ---- */

void port_eni_reschedule(struct port *p)
{
	const struct ena_dev_attrs *a;
	struct timeval tv;

	port_event_del(p->eni_ev);
	if (!p->dev || !p->dev_up || !p->cfg.eni_metrics_sample_interval)
		return;
	a = ena_dev_attrs(p->dev);
	if (!(a->capabilities & (1u << ENA_CAP_ENI_STATS))) {
		log_dev(LOG_INFO, &p->log, "eni", "device has no ENI statistics: sampling off");
		return;
	}
	tv.tv_sec = p->cfg.eni_metrics_sample_interval;
	tv.tv_usec = 0;
	event_add(p->eni_ev, &tv);
}

void port_eni_sample(evutil_socket_t fd, short what, void *arg)
{
	static const char *const names[] = {
		"bw_in_allowance_exceeded", "bw_out_allowance_exceeded", "pps_allowance_exceeded",
		"conntrack_allowance_exceeded", "linklocal_allowance_exceeded",
	};
	struct port *p = arg;
	struct ena_eni_stats s, old = p->eni;
	const uint64_t *nv = (const uint64_t *)&s, *ov = (const uint64_t *)&old;
	struct timeval tv;
	bool had = p->has_eni, grew = false;
	int r;

	if (p->state != PORT_UP || !p->dev_up)
		return;
	r = ena_dev_get_eni_stats(p->dev, &s);
	if (r < 0) {
		log_dev_errno(LOG_WARNING, &p->log, "eni", r, "ENI statistics: %s", ena_error_last());
		return;
	}
	p->eni = s;
	p->has_eni = true;
	p->eni_sample_us = port_now_us();
	gettimeofday(&tv, NULL);
	p->eni_sample_realtime_us = (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
	if (!had)
		return;
	_Static_assert(sizeof(s) == sizeof(names) / sizeof(names[0]) * sizeof(uint64_t), "eni names");
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (nv[i] <= ov[i])
			continue;
		grew = true;
		log_ratelimit(&p->eni_rl, LOG_WARNING, &p->log, "eni", "%s grew by %llu to %llu",
			      names[i], (unsigned long long)(nv[i] - ov[i]),
			      (unsigned long long)nv[i]);
	}
	if (grew) {
		struct port_event ev = { .kind = PORT_EVENT_ENI, .eni = &p->eni };

		port_emit(p, &ev);
	}
}
