/* SPDX-License-Identifier: MIT */
/* Changing a running port: check against the device, apply live or by
 * restarting the queues, roll back what fails. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "port_priv.h"

static uint64_t changed_keys(const struct enad_device_config *a, const struct enad_device_config *b,
			     enum param_apply *ret_apply)
{
	enum param_apply apply = PARAM_APPLY_LIVE;
	uint64_t mask = 0;

	for (unsigned int id = 0; id < PARAM__COUNT; id++) {
		const struct param *pp = &param_table[id];

		if (pp->scope != PARAM_SCOPE_DEVICE || !config_key_changed(pp, a, a->has, b, b->has))
			continue;
		mask |= PARAM_HAS(id);
		if (pp->apply > apply)
			apply = pp->apply;
	}
	*ret_apply = apply;
	return mask;
}

static int __attribute__((format(printf, 4, 5)))
refuse(struct port_error *err, const struct param *pp, const struct enad_device_config *want,
       const char *fmt, ...)
{
	union param_value v;
	char value[PARAM_FORMAT_MAX];
	va_list ap;
	size_t n;

	memset(err, 0, sizeof(*err));
	err->param = pp;
	param_load(pp, want, &v);
	if (param_format(pp, &v, value, sizeof(value)) < 0)
		snprintf(value, sizeof(value), "(unprintable)");
	/* long values (a whole table) are cut: the field and range say enough */
	n = strnlen(value, sizeof(err->value) - 1);
	memcpy(err->value, value, n);
	err->value[n] = 0;
	va_start(ap, fmt);
	vsnprintf(err->allowed, sizeof(err->allowed), fmt, ap);
	va_end(ap);
	snprintf(err->msg, sizeof(err->msg), "%s: %s is not possible on this device (allowed: %s)",
		 pp->name ? pp->name : pp->key, err->value, err->allowed);
	return -EINVAL;
}

int port_check(const struct port *p, const struct enad_device_config *want, struct port_error *err)
{
	const struct ena_dev_attrs *a;
	enum param_apply apply;
	uint64_t ch = changed_keys(&p->cfg, want, &apply);
	uint32_t max_tx, max_rx, nq;
	int maxq;

	memset(err, 0, sizeof(*err));
	for (unsigned int id = 0; id < PARAM__COUNT; id++) {
		const struct param *pp = &param_table[id];

		if ((ch & PARAM_HAS(id)) && pp->apply == PARAM_APPLY_RESTART)
			return refuse(err, pp, want, "%s (changing it needs an enad restart)",
				      "the current value");
	}
	if (!ch)
		return 0;
	if (!p->dev || !p->max_queues)
		return refuse(err, &param_table[PARAM_DEVICE], want, "a port that is up");
	a = ena_dev_attrs(p->dev);
	if (want->num_io_queues > p->max_queues)
		return refuse(err, &param_table[PARAM_NUM_IO_QUEUES], want, "1..%u", p->max_queues);
	if (ena_eth_max_depths(p->dev, port_llq_entry_for(p, want), &max_tx, &max_rx) < 0)
		return refuse(err, &param_table[PARAM_TX_QUEUE_SIZE], want, "a valid LLQ mode");
	if ((ch & PARAM_HAS(PARAM_TX_QUEUE_SIZE) || ch & PARAM_HAS(PARAM_FORCE_LARGE_LLQ_HEADER) ||
	     ch & PARAM_HAS(PARAM_LLQ_POLICY)) && want->tx_queue_size > max_tx)
		return refuse(err, &param_table[(ch & PARAM_HAS(PARAM_TX_QUEUE_SIZE)) ?
						 PARAM_TX_QUEUE_SIZE : PARAM_FORCE_LARGE_LLQ_HEADER],
			      want, "tx ring 256..%u, power of 2%s", max_tx,
			      port_llq_entry_for(p, want) == 256 ? " with large LLQ headers" : "");
	if ((ch & PARAM_HAS(PARAM_RX_QUEUE_SIZE)) && want->rx_queue_size > max_rx)
		return refuse(err, &param_table[PARAM_RX_QUEUE_SIZE], want, "256..%u, power of 2", max_rx);
	if ((ch & PARAM_HAS(PARAM_CPUS)) && (want->has & PARAM_HAS(PARAM_CPUS))) {
		struct param_cpus allowed, w = want->cpus;

		port_allowed_cpus(&allowed);
		if (param_cpus_and(&w, &allowed) != param_cpus_count(&want->cpus))
			return refuse(err, &param_table[PARAM_CPUS], want, "CPUs enad may run on: %s",
				      port_cpus_text(&allowed).s);
	}
	if ((ch & PARAM_HAS(PARAM_MTU)) && (want->mtu > a->max_mtu || want->mtu < ENA_MIN_MTU))
		return refuse(err, &param_table[PARAM_MTU], want, "%u..%u", ENA_MIN_MTU, a->max_mtu);
	nq = port_effective_queues(p, want);
	maxq = (want->has & PARAM_HAS(PARAM_RSS_INDIR)) ? param_indir_max_queue(&want->rss_indir) : -1;
	if (maxq >= (int)nq)
		return refuse(err, &param_table[(ch & PARAM_HAS(PARAM_NUM_IO_QUEUES)) ? PARAM_NUM_IO_QUEUES
										     : PARAM_RSS_INDIR],
			      want, "queues 0..%u in the indirection table (%u queue(s)); "
			      "the table sends to queue %d", nq - 1, nq, maxq);
	if ((ch & PARAM_HAS(PARAM_RSS_INDIR)) && want->rss_indir.kind == PARAM_INDIR_LIST &&
	    p->rss_log_size && want->rss_indir.n > (1u << p->rss_log_size))
		return refuse(err, &param_table[PARAM_RSS_INDIR], want, "at most %u entries",
			      1u << p->rss_log_size);
	if ((ch & PARAM_HAS(PARAM_RSS_INDIR)) && !p->rss_log_size)
		return refuse(err, &param_table[PARAM_RSS_INDIR], want, "nothing: the device has no RSS table");
	if (!(a->supported_features & ENA_FEAT_BIT(ENA_FEAT_INTERRUPT_MODERATION))) {
		if ((ch & PARAM_HAS(PARAM_RX_USECS)) && want->rx_usecs)
			return refuse(err, &param_table[PARAM_RX_USECS], want, "0 (no interrupt moderation)");
		if ((ch & PARAM_HAS(PARAM_TX_USECS)) && want->tx_usecs)
			return refuse(err, &param_table[PARAM_TX_USECS], want, "0 (no interrupt moderation)");
		if ((ch & PARAM_HAS(PARAM_ADAPTIVE_RX)) && want->adaptive_rx)
			return refuse(err, &param_table[PARAM_ADAPTIVE_RX], want, "off (no interrupt moderation)");
	}
	return 0;
}

/* ---- applying ---- */

static int apply_moderation(struct port *p)
{
	int r;

	for (unsigned int i = 0; i < p->nq; i++) {
		r = ena_qpair_set_moderation(p->q[i].qp, p->cfg.rx_usecs, p->cfg.tx_usecs,
					     p->cfg.adaptive_rx);
		if (r < 0 && !(r == -EOPNOTSUPP && !p->cfg.rx_usecs && !p->cfg.tx_usecs))
			return log_dev_errno(LOG_ERR, &p->log, "config", r, "queue %u coalescing: %s", i,
					     ena_error_last());
	}
	return 0;
}

/* Settings applied while the queues exist; the workers are quiesced by the caller. */
static int apply_queue_settings(struct port *p, uint64_t ch)
{
	struct worker_offloads o = port_offloads(p);
	int r;

	if (ch & (PARAM_HAS(PARAM_RX_USECS) | PARAM_HAS(PARAM_TX_USECS) | PARAM_HAS(PARAM_ADAPTIVE_RX))) {
		r = apply_moderation(p);
		if (r < 0)
			return r;
	}
	for (unsigned int i = 0; i < p->nq; i++) {
		ena_rxq_set_copybreak(ena_qpair_rxq(p->q[i].qp), p->cfg.rx_copybreak);
		worker_set_offloads(p->q[i].worker, &o);
		worker_set_busy_poll(p->q[i].worker, p->cfg.busy_poll_us);
	}
	return 0;
}

/* Settings of the port as a whole (no queue restart needed). */
static int apply_port_settings(struct port *p, uint64_t ch, bool rss_table)
{
	int r;

	if (ch & (PARAM_HAS(PARAM_TX_CHECKSUM) | PARAM_HAS(PARAM_TSO))) {
		r = tap_set_offload(p->tap, port_tap_offloads(p));
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, "config", r, "TAP offloads: %m");
	}
	if (ch & (PARAM_HAS(PARAM_RSS_KEY) | PARAM_HAS(PARAM_RSS_HASH_FUNCTION)) || rss_table) {
		r = port_rss_apply(p, ch & (PARAM_HAS(PARAM_RSS_KEY) | PARAM_HAS(PARAM_RSS_HASH_FUNCTION)),
				   rss_table);
		if (r < 0)
			return r;
	}
	if (ch & PARAM_HAS(PARAM_PERSISTENT_TAP)) {
		r = tap_set_persist(p->tap, p->cfg.persistent_tap);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, "config", r, "TAP persistence: %m");
	}
	if (ch & PARAM_HAS(PARAM_DEVICE_LOG_LEVEL))
		log_dev_set_level(&p->log, param_log_level_syslog(p->cfg.log_level));
	if (ch & PARAM_HAS(PARAM_ENI_METRICS_SAMPLE_INTERVAL))
		port_eni_reschedule(p);
	return 0;
}

static int apply_mtu(struct port *p)
{
	int r = ena_dev_set_mtu(p->dev, p->cfg.mtu);

	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, "config", r, "set mtu %u: %s", p->cfg.mtu,
				     ena_error_last());
	if (p->tap_mtu != p->cfg.mtu) {
		p->tap_mtu = p->cfg.mtu;
		r = link_set_mtu(p->ls, p->ifindex, p->cfg.mtu);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, "config", r, "%s", link_error_last());
	}
	return 0;
}

/* Queue count, ring sizes, MTU: stop the queues, change, start again. */
static int reconfigure(struct port *p, uint64_t ch)
{
	int r = 0;

	port_set_state(p, PORT_RECONFIGURE, NULL);
	port_queues_down(p);
	if (ch & PARAM_HAS(PARAM_MTU))
		r = apply_mtu(p);
	if (!r && (ch & PARAM_HAS(PARAM_FRAG_BYPASS))) {
		r = ena_dev_set_frag_bypass(p->dev, p->cfg.frag_bypass);
		if (r < 0)
			log_dev_errno(LOG_ERR, &p->log, "config", r, "frag_bypass: %s", ena_error_last());
	}
	if (!r) {
		port_set_state(p, PORT_RECONFIGURE, NULL);
		r = port_queues_up(p);
	}
	return r;
}

static void emit_changes(struct port *p, uint64_t ch)
{
	char value[PARAM_FORMAT_MAX];

	for (unsigned int id = 0; id < PARAM__COUNT; id++) {
		const struct param *pp = &param_table[id];
		struct port_event ev = { .kind = PORT_EVENT_CONFIG, .param = pp, .value = value };
		union param_value v;

		if (!(ch & PARAM_HAS(id)))
			continue;
		param_load(pp, &p->cfg, &v);
		if (param_format(pp, &v, value, sizeof(value)) < 0)
			value[0] = 0;
		log_dev(LOG_INFO, &p->log, "config", "%s = %s", pp->key, value);
		port_emit(p, &ev);
	}
}

int port_apply(struct port *p, const struct enad_device_config *want, struct port_error *err)
{
	struct enad_device_config old = p->cfg;
	enum param_apply apply;
	uint64_t ch;
	int r;

	memset(err, 0, sizeof(*err));
	if (p->state != PORT_UP) {
		snprintf(err->msg, sizeof(err->msg), "%s is %s; try again when it is up", p->cfg.name,
			 port_state_name(p->state));
		return -EBUSY;
	}
	r = port_check(p, want, err);
	if (r < 0)
		return r;
	ch = changed_keys(&p->cfg, want, &apply);
	if (!ch)
		return 0;
	p->cfg = *want;

	if (apply == PARAM_APPLY_RESET) {
		/* the LLQ entry size is negotiated once per device reset */
		emit_changes(p, ch);
		port_trigger_reset(p, ENA_RESET_NORMAL);
		return 0;
	}
	if (apply == PARAM_APPLY_RECONFIGURE) {
		r = reconfigure(p, ch);
		if (!r)
			r = apply_port_settings(p, ch, false);
	} else {
		port_workers_stop(p);
		r = apply_queue_settings(p, ch);
		if (!r)
			r = apply_port_settings(p, ch, ch & PARAM_HAS(PARAM_RSS_INDIR));
	}
	if (!r) {
		port_workers_start(p);
		port_set_state(p, PORT_UP, NULL);
		emit_changes(p, ch);
		return 0;
	}

	/* roll back to what ran before */
	snprintf(err->msg, sizeof(err->msg), "the device refused the change (%s)", strerror(-r));
	p->cfg = old;
	if (apply == PARAM_APPLY_RECONFIGURE) {
		int rr = reconfigure(p, ch);

		if (!rr)
			rr = apply_port_settings(p, ch, false);
		err->rolled_back = rr == 0;
	} else {
		err->rolled_back = apply_queue_settings(p, ch) == 0 &&
				   apply_port_settings(p, ch, ch & PARAM_HAS(PARAM_RSS_INDIR)) == 0;
	}
	if (err->rolled_back) {
		port_workers_start(p);
		port_set_state(p, PORT_UP, NULL);
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			 "; rolled back to the previous configuration");
		log_dev(LOG_WARNING, &p->log, "config", "%s", err->msg);
	} else {
		err->reset = true;
		snprintf(err->msg + strlen(err->msg), sizeof(err->msg) - strlen(err->msg),
			 "; rollback failed too, the port resets");
		log_dev(LOG_ERR, &p->log, "config", "%s", err->msg);
		port_set_state(p, PORT_UP, NULL);
		port_trigger_reset(p, ENA_RESET_DRIVER_INVALID_STATE);
	}
	return r;
}
