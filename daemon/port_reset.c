/* SPDX-License-Identifier: MIT */
/* The one recovery path: carrier off, quiesce, reset with the reason, bring
 * the device up again with every setting, carrier on; back off on failure. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "port_priv.h"

/* The counter a reset reason is counted in (Linux ena_stats_dev names). */
static int reason_stat(enum ena_reset_reason reason)
{
	switch (reason) {
	case ENA_RESET_KEEP_ALIVE_TO: return PORT_STAT_WD_EXPIRED;
	case ENA_RESET_ADMIN_TO: return PORT_STAT_ADMIN_TO;
	case ENA_RESET_MISS_TX_CMPL: return PORT_STAT_MISSING_TX_CMPL;
	case ENA_RESET_INV_RX_REQ_ID: return PORT_STAT_BAD_RX_REQ_ID;
	case ENA_RESET_INV_TX_REQ_ID: return PORT_STAT_BAD_TX_REQ_ID;
	case ENA_RESET_TOO_MANY_RX_DESCS: return PORT_STAT_BAD_RX_DESC_NUM;
	case ENA_RESET_DRIVER_INVALID_STATE: return PORT_STAT_INVALID_STATE;
	case ENA_RESET_RX_DESCRIPTOR_MALFORMED: return PORT_STAT_RX_DESC_MALFORMED;
	case ENA_RESET_TX_DESCRIPTOR_MALFORMED: return PORT_STAT_TX_DESC_MALFORMED;
	case ENA_RESET_MISSING_ADMIN_INTERRUPT: return PORT_STAT_MISSING_ADMIN_INTERRUPT;
	case ENA_RESET_DEVICE_REQUEST: return PORT_STAT_DEVICE_REQUEST_RESET;
	case ENA_RESET_GENERIC: return PORT_STAT_FATAL_ERROR;
	case ENA_RESET_USER_TRIGGER: return PORT_STAT_USER_RESET;
	default: return -1;
	}
}

void port_trigger_reset(struct port *p, enum ena_reset_reason reason)
{
	int stat;

	/* The first reason wins; triggers while a reset runs (device events
	 * during bring-up) describe the state being replaced. */
	if (p->reset_pending || p->state == PORT_STOPPED || p->state == PORT_RESETTING ||
	    p->state == PORT_PROBE)
		return;
	stat = reason_stat(reason);
	if (stat >= 0)
		p->stat[stat]++;
	p->reset_pending = true;
	p->reset_reason = reason;
	event_active(p->reset_ev, 0, 0);
}

/* The kernel driver dumps its counters on reset; so do we. */
static void port_log_stats(struct port *p)
{
	struct port_stats *s = malloc(sizeof(*s));
	char line[1024];
	size_t len = 0;

	if (!s)
		return;
	port_get_stats(p, s);
	for (unsigned int i = 0; i < PORT_STAT__COUNT; i++)
		if (s->v[i] && len < sizeof(line))
			len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%llu",
						port_stat_name(i), (unsigned long long)s->v[i]);
	log_dev(LOG_INFO, &p->log, "reset", "stats before reset:%s", len ? line : " none");
	for (unsigned int q = 0; q < s->n_queues; q++) {
		const struct port_queue_stats *qs = &s->queue[q];

		log_dev(LOG_INFO, &p->log, "reset",
			"queue %u: tx %llu pkts %llu B, missed_tx %llu, bad_req_id %llu; "
			"rx %llu pkts %llu B, bad_req_id %llu, bad_desc_num %llu; tap errors %llu",
			q, (unsigned long long)qs->tx.v[ENA_TXQ_STAT_CNT],
			(unsigned long long)qs->tx.v[ENA_TXQ_STAT_BYTES],
			(unsigned long long)qs->tx.v[ENA_TXQ_STAT_MISSED_TX],
			(unsigned long long)qs->tx.v[ENA_TXQ_STAT_BAD_REQ_ID],
			(unsigned long long)qs->rx.v[ENA_RXQ_STAT_CNT],
			(unsigned long long)qs->rx.v[ENA_RXQ_STAT_BYTES],
			(unsigned long long)qs->rx.v[ENA_RXQ_STAT_BAD_REQ_ID],
			(unsigned long long)qs->rx.v[ENA_RXQ_STAT_BAD_DESC_NUM],
			(unsigned long long)qs->worker.tap_tx_errors);
	}
	free(s);
}

void port_retry_schedule(struct port *p)
{
	struct timeval tv = { 0 };

	p->backoff_s = p->backoff_s ? p->backoff_s * 2 : PORT_BACKOFF_MIN_S;
	if (p->backoff_s > PORT_BACKOFF_MAX_S)
		p->backoff_s = PORT_BACKOFF_MAX_S;
	tv.tv_sec = p->backoff_s;
	event_add(p->retry_ev, &tv);
	log_dev(LOG_WARNING, &p->log, NULL, "next attempt in %u s", p->backoff_s);
}

void port_reset_run(evutil_socket_t fd, short what, void *arg)
{
	struct port *p = arg;
	/* a retry from FAILED resets (if at all) as an init error, but is
	 * still the recovery from the reason that started it */
	bool retry = !p->reset_pending && p->state == PORT_FAILED;
	enum ena_reset_reason reason = retry ? ENA_RESET_INIT_ERR : p->reset_reason;
	const char *rname = ena_reset_reason_name(p->reset_reason);
	struct port_event ev = { .kind = PORT_EVENT_RESET, .reason = rname };
	char why[200];
	int r;

	if (p->state == PORT_STOPPED)
		return;
	p->reset_pending = false;
	port_event_del(p->retry_ev);
	if (p->state != PORT_FAILED) {
		/* a fresh failure: FAILED retries keep the first start time */
		p->reset_start_us = port_now_us();
		p->stat[PORT_STAT_TOTAL_RESETS]++;
		log_dev_reset(&p->log, rname, "resetting the device: %s", rname);
		port_log_stats(p);
	}
	port_emit(p, &ev);
	port_set_state(p, PORT_RESETTING, retry ? "retrying" : rname);
	port_update_carrier(p);
	port_device_down(p, reason);

	r = port_bring_up(p);
	if (r < 0) {
		port_device_down(p, ENA_RESET_INIT_ERR);
		p->stat[PORT_STAT_RESET_FAIL]++;
		snprintf(why, sizeof(why), "recovery after %s failed: %s", rname, strerror(-r));
		port_set_state(p, PORT_FAILED, why);
		ev.reset_done = true;
		ev.ok = false;
		port_emit(p, &ev);
		port_retry_schedule(p);
		return;
	}
	p->backoff_s = 0;
	p->last_recovery_us = port_now_us() - p->reset_start_us;
	port_set_state(p, PORT_UP, NULL);
	port_update_carrier(p);
	log_dev_reset(&p->log, rname, "recovered from %s in %llu ms", rname,
		      (unsigned long long)p->last_recovery_us / 1000);
	ev.reset_done = true;
	ev.ok = true;
	ev.recovery_us = p->last_recovery_us;
	port_emit(p, &ev);
}
