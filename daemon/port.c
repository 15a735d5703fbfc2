/* SPDX-License-Identifier: MIT */
/* Port lifecycle: bring a device, its TAP, queues and workers up and down. */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <event2/event.h>
#include <numa.h>

#include <ena/ena.h>
#include <ena/eth.h>

#include "port_priv.h"

static const char *const state_names[PORT_STATE__COUNT] = {
	[PORT_PROBE] = "probe",
	[PORT_UP] = "up",
	[PORT_RECONFIGURE] = "reconfigure",
	[PORT_RESETTING] = "resetting",
	[PORT_FAILED] = "failed",
	[PORT_STOPPED] = "stopped",
};

const char *port_state_name(enum port_state state)
{
	return (unsigned int)state < PORT_STATE__COUNT ? state_names[state] : NULL;
}

static const char *const stat_names[PORT_STAT__COUNT] = {
	[PORT_STAT_TOTAL_RESETS] = "total_resets",
	[PORT_STAT_RESET_FAIL] = "reset_fail",
	[PORT_STAT_WD_EXPIRED] = "wd_expired",
	[PORT_STAT_BAD_TX_REQ_ID] = "bad_tx_req_id",
	[PORT_STAT_BAD_RX_REQ_ID] = "bad_rx_req_id",
	[PORT_STAT_BAD_RX_DESC_NUM] = "bad_rx_desc_num",
	[PORT_STAT_MISSING_TX_CMPL] = "missing_tx_cmpl",
	[PORT_STAT_RX_DESC_MALFORMED] = "rx_desc_malformed",
	[PORT_STAT_TX_DESC_MALFORMED] = "tx_desc_malformed",
	[PORT_STAT_INVALID_STATE] = "invalid_state",
	[PORT_STAT_MISSING_ADMIN_INTERRUPT] = "missing_admin_interrupt",
	[PORT_STAT_ADMIN_TO] = "admin_to",
	[PORT_STAT_DEVICE_REQUEST_RESET] = "device_request_reset",
	[PORT_STAT_FATAL_ERROR] = "fatal_error",
	[PORT_STAT_USER_RESET] = "user_reset",
	[PORT_STAT_INTERFACE_UP] = "interface_up",
	[PORT_STAT_INTERFACE_DOWN] = "interface_down",
};

const char *port_stat_name(unsigned int stat)
{
	return stat < PORT_STAT__COUNT ? stat_names[stat] : NULL;
}

void port_emit(struct port *p, const struct port_event *ev)
{
	if (p->hooks.event)
		p->hooks.event(p->hooks.userdata, p, ev);
}

void port_set_state(struct port *p, enum port_state state, const char *reason)
{
	struct port_event ev = { .kind = PORT_EVENT_STATE, .state = state, .reason = reason };

	if (p->state == state && !reason)
		return;
	snprintf(p->state_reason, sizeof(p->state_reason), "%s", reason ? reason : "");
	if (p->state != state)
		log_dev(state == PORT_FAILED ? LOG_ERR : LOG_INFO, &p->log, NULL, "state %s -> %s%s%s",
			port_state_name(p->state), port_state_name(state), reason ? ": " : "",
			reason ? reason : "");
	p->state = state;
	if (state == PORT_UP)
		p->up_since_us = port_now_us();
	else
		p->up_since_us = 0;
	port_emit(p, &ev);
}

/* ---- what the configuration means on this device ---- */

uint32_t port_effective_queues(const struct port *p, const struct enad_device_config *cfg)
{
	uint32_t n = cfg->num_io_queues;

	if (!n) {
		/* auto: one pair per CPU the workers may use, as the Linux driver
		 * takes one per online CPU */
		unsigned int cpus = (cfg->has & PARAM_HAS(PARAM_CPUS)) ? param_cpus_count(&cfg->cpus)
								   : (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus ? cpus : 1;
	}
	if (p->max_queues && n > p->max_queues)
		n = p->max_queues;
	return n;
}

unsigned int port_llq_entry_for(const struct port *p, const struct enad_device_config *cfg)
{
	const struct ena_dev_attrs *a = ena_dev_attrs(p->dev);

	if (cfg->llq_policy == PARAM_LLQ_OFF || !a->has_llq || !a->llq.max_llq_num)
		return 0;
	if (cfg->force_large_llq_header || cfg->llq_policy == PARAM_LLQ_LARGE)
		return (a->llq.entry_size_ctrl_supported & ENA_LLQ_ENTRY_SIZE_256B) ? 256 : 128;
	if (cfg->llq_policy == PARAM_LLQ_RECOMMENDED &&
	    a->llq.entry_size_recommended == ENA_LLQ_ENTRY_SIZE_256B &&
	    (a->llq.entry_size_ctrl_supported & ENA_LLQ_ENTRY_SIZE_256B))
		return 256;
	return 128;
}

struct worker_offloads port_offloads(const struct port *p)
{
	uint32_t tx = ena_dev_attrs(p->dev)->offload.tx;
	struct worker_offloads o = {
		.tx_csum4 = p->cfg.tx_checksum && (tx & ENA_OFFLOAD_TX_L4_IPV4_CSUM_PART),
		.tx_csum6 = p->cfg.tx_checksum && (tx & ENA_OFFLOAD_TX_L4_IPV6_CSUM_PART),
		.rx_csum = p->cfg.rx_checksum,
	};

	/* TSO needs the partial checksum of the same IP version */
	o.tso4 = p->cfg.tso && o.tx_csum4 && (tx & ENA_OFFLOAD_TX_TSO_IPV4);
	o.tso6 = p->cfg.tso && o.tx_csum6 && (tx & ENA_OFFLOAD_TX_TSO_IPV6);
	return o;
}

/* What the TAP may hand us: the kernel then does the rest. We offer
 * checksum offload and TSO whenever the user allows them: what the device
 * lacks for one IP version the worker completes in software, which is
 * still cheaper than the kernel doing it per segment. */
unsigned int port_tap_offloads(const struct port *p)
{
	bool csum = p->cfg.tx_checksum;

	return tap_offload_flags(csum, csum && p->cfg.tso, csum && p->cfg.tso, false);
}

/* The NUMA node of a PCI device from sysfs; -1 for vfio-user or unknown. */
static int port_device_numa_node(const char *devstr)
{
	char path[128];
	FILE *f;
	int node = -1;

	if (strncmp(devstr, "pci:", 4))
		return -1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/numa_node", devstr + 4);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &node) != 1 || node < 0 || node > 1023)
		node = -1;
	fclose(f);
	return node;
}

void port_allowed_cpus(struct param_cpus *ret)
{
	cpu_set_t set;

	memset(ret, 0, sizeof(*ret));
	if (sched_getaffinity(0, sizeof(set), &set) < 0) {
		long online = sysconf(_SC_NPROCESSORS_ONLN);

		CPU_ZERO(&set);
		for (long c = 0; c < online && c < CPU_SETSIZE; c++)
			CPU_SET((int)c, &set);
	}
	for (unsigned int c = 0; c < PARAM_CPUS_MAX && c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			param_cpus_set(ret, c);
}

/* The CPUs of @node (NUMA), or none. */
static void node_cpus(int node, struct param_cpus *ret)
{
	struct bitmask *bm;

	memset(ret, 0, sizeof(*ret));
	if (node < 0 || numa_available() < 0)
		return;
	bm = numa_allocate_cpumask();
	if (bm && numa_node_to_cpus(node, bm) == 0)
		for (unsigned int c = 0; c < bm->size && c < PARAM_CPUS_MAX; c++)
			if (numa_bitmask_isbitset(bm, c))
				param_cpus_set(ret, c);
	if (bm)
		numa_free_cpumask(bm);
}

struct cpus_text port_cpus_text(const struct param_cpus *cpus)
{
	union param_value v = { .cpus = *cpus };
	char buf[PARAM_FORMAT_MAX];
	struct cpus_text t;

	if (param_format(&param_table[PARAM_CPUS], &v, buf, sizeof(buf)) < 0)
		snprintf(buf, sizeof(buf), "?");
	/* a list that long is cut: the first ranges say enough */
	snprintf(t.s, sizeof(t.s), "%.250s%s", buf, strlen(buf) > 250 ? "..." : "");
	return t;
}

/* CPUs for the workers: the configured set, else the device node's, else
 * every CPU enad may run on; always only CPUs enad may run on (systemd's
 * CPUAffinity=, a cpuset), since a thread cannot be placed elsewhere.
 * pin_workers gives each worker one of them, round robin (as IRQ affinity
 * spreads a NIC's vectors); off lets each worker run on the whole set, so
 * the scheduler can move it away from a busy application thread that
 * shares the set. */
static void port_assign_cpus(struct port *p)
{
	struct param_cpus allowed, want;
	int cpus[PARAM_CPUS_MAX];
	cpu_set_t all;
	unsigned int n = 0;

	port_allowed_cpus(&allowed);
	memset(&want, 0, sizeof(want));
	if (p->cfg.has & PARAM_HAS(PARAM_CPUS)) {
		want = p->cfg.cpus;
		if (param_cpus_and(&want, &allowed) != param_cpus_count(&p->cfg.cpus))
			log_dev(LOG_WARNING, &p->log, "config",
				"cpus: enad may run only on CPUs %s: %s", port_cpus_text(&allowed).s,
				param_cpus_count(&want) ? "the others are left out"
							: "none of cpus is one, the default applies");
	}
	if (!param_cpus_count(&want)) {
		node_cpus(p->numa_node, &want);
		param_cpus_and(&want, &allowed);
	}
	if (!param_cpus_count(&want))
		want = allowed;
	CPU_ZERO(&all);
	for (unsigned int c = 0; c < PARAM_CPUS_MAX; c++)
		if (param_cpus_has(&want, c)) {
			cpus[n++] = (int)c;
			CPU_SET(c, &all);
		}
	for (unsigned int i = 0; i < PARAM_QUEUES_MAX; i++) {
		struct port_queue *q = &p->q[i];

		q->cpu = p->cfg.pin_workers && n ? cpus[i % n] : -1;
		q->cpus = all;
		if (q->cpu >= 0) {
			CPU_ZERO(&q->cpus);
			CPU_SET(q->cpu, &q->cpus);
		}
	}
}

/* ---- queues and workers ---- */

/* Add the live counters of queue @q (libena's and the worker's) to @s. */
static void port_queue_stats_add(const struct port_queue *q, struct port_queue_stats *s)
{
	if (q->qp) {
		struct ena_txq_stats tx;
		struct ena_rxq_stats rx;

		ena_txq_get_stats(ena_qpair_txq(q->qp), &tx);
		ena_rxq_get_stats(ena_qpair_rxq(q->qp), &rx);
		for (unsigned int k = 0; k < ENA_TXQ_STAT__COUNT; k++)
			s->tx.v[k] += tx.v[k];
		for (unsigned int k = 0; k < ENA_RXQ_STAT__COUNT; k++)
			s->rx.v[k] += rx.v[k];
	}
	if (q->worker) {
		/* struct worker_stats is all uint64_t counters: add them as an array */
		uint64_t add[sizeof(struct worker_stats) / sizeof(uint64_t)];
		uint64_t sum[sizeof(struct worker_stats) / sizeof(uint64_t)];
		struct worker_stats ws;

		_Static_assert(sizeof(struct worker_stats) % sizeof(uint64_t) == 0, "counters only");
		worker_get_stats(q->worker, &ws);
		memcpy(add, &ws, sizeof(add));
		memcpy(sum, &s->worker, sizeof(sum));
		for (size_t k = 0; k < sizeof(sum) / sizeof(sum[0]); k++)
			sum[k] += add[k];
		memcpy(&s->worker, sum, sizeof(sum));
	}
}

/* A queue about to go away leaves its counters behind, so they continue. */
static void port_retire_stats(struct port *p, unsigned int i)
{
	port_queue_stats_add(&p->q[i], &p->retired[i]);
}

void port_workers_stop(struct port *p)
{
	for (unsigned int i = 0; i < p->nq; i++)
		if (p->q[i].worker)
			worker_stop(p->q[i].worker);
}

void port_workers_start(struct port *p)
{
	for (unsigned int i = 0; i < p->nq; i++) {
		struct port_queue *q = &p->q[i];
		int r;

		if (!q->worker)
			continue;
		q->heartbeat_seen = worker_heartbeat(q->worker);
		r = worker_start(q->worker);
		if (r < 0) {
			log_dev_errno(LOG_ERR, &p->log, NULL, r, "start worker %u: %m", i);
			port_trigger_reset(p, ENA_RESET_DRIVER_INVALID_STATE);
		}
	}
}

/* Tear down every queue pair: workers are stopped first; after a device
 * reset the DESTROY commands are skipped by libena. Counters are kept. */
void port_queues_down(struct port *p)
{
	port_workers_stop(p);
	for (unsigned int i = 0; i < p->nq; i++) {
		struct port_queue *q = &p->q[i];
		int r;

		port_retire_stats(p, i);
		/* after a reset libena skips the DESTROY commands and says so */
		if (q->qp && (r = ena_qpair_destroy(q->qp)) < 0 && p->dev_up)
			log_dev_errno(LOG_WARNING, &p->log, NULL, r, "destroy queue %u: %m (%s)", i,
				      ena_error_last());
		q->qp = NULL;
		worker_destroy(q->worker);
		q->worker = NULL;
		if (q->irq_fd >= 0)
			close(q->irq_fd);
		q->irq_fd = -1;
	}
	p->nq = 0;
}

static int port_queue_up(struct port *p, unsigned int i, uint32_t tx_depth, uint32_t rx_depth)
{
	struct port_queue *q = &p->q[i];
	struct ena_qpair_params qp = {
		.index = i,
		.tx_depth = tx_depth,
		.rx_depth = rx_depth,
		.numa_node = p->numa_node,
		.llq_entry_size = p->llq_entry,
	};
	struct worker_params wp = {
		.index = i,
		.dev = p->dev,
		.notify_fd = p->notify_fd,
		.numa_node = p->numa_node,
		.cpus = q->cpus,
		.mtu = p->cfg.mtu,
		.busy_poll_us = p->cfg.busy_poll_us,
		.offloads = port_offloads(p),
		.log = &p->log,
	};
	int r;

	q->irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->irq_fd < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, errno, "queue %u: eventfd: %m", i);
	qp.irq_fd = q->irq_fd;
	r = ena_qpair_create(p->dev, &qp, &q->qp);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "create queue %u: %s", i,
				     ena_error_last());
	r = ena_qpair_set_moderation(q->qp, p->cfg.rx_usecs, p->cfg.tx_usecs, p->cfg.adaptive_rx);
	if (r < 0 && r != -EOPNOTSUPP)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "queue %u: coalescing: %s", i,
				     ena_error_last());
	ena_rxq_set_copybreak(ena_qpair_rxq(q->qp), p->cfg.rx_copybreak);
	wp.qp = q->qp;
	wp.tap_fd = tap_queue_fd(p->tap, i);
	r = worker_create(&wp, &q->worker);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "queue %u: buffers: %m", i);
	return 0;
}

/* Create the configured queues (TAP queues follow), the RSS table and the
 * workers (not started). On failure what was created is torn down again. */
int port_queues_up(struct port *p)
{
	uint32_t nq = port_effective_queues(p, &p->cfg);
	uint32_t tx = p->cfg.tx_queue_size, rx = p->cfg.rx_queue_size;
	int r;

	if (tx > p->max_tx_depth) {
		log_dev(LOG_WARNING, &p->log, "config", "tx_queue_size %u above the device maximum %u: using %u",
			tx, p->max_tx_depth, p->max_tx_depth);
		tx = p->max_tx_depth;
	}
	if (rx > p->max_rx_depth) {
		log_dev(LOG_WARNING, &p->log, "config", "rx_queue_size %u above the device maximum %u: using %u",
			rx, p->max_rx_depth, p->max_rx_depth);
		rx = p->max_rx_depth;
	}
	p->rx_depth = rx;
	p->tx_depth = tx;
	/* Here, not only at bring-up: channels.set cpus/pin_workers reconfigures. */
	port_assign_cpus(p);
	r = tap_set_num_queues(p->tap, nq);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "TAP %u queues: %m", nq);
	for (unsigned int i = 0; i < nq; i++) {
		p->nq = i + 1;
		r = port_queue_up(p, i, tx, rx);
		if (r < 0)
			goto fail;
	}
	r = port_rss_apply(p, true, true);
	if (r < 0)
		goto fail;
	return 0;
fail:
	port_queues_down(p);
	return r;
}

/* ---- device ---- */

static int port_open_tap(struct port *p)
{
	const struct ena_dev_attrs *a = ena_dev_attrs(p->dev);
	uint32_t nq = port_effective_queues(p, &p->cfg);
	struct link_info li;
	int r;

	if (!p->tap) {
		r = tap_open(p->cfg.name, nq, port_tap_offloads(p), &p->tap);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "open TAP %s: %m", p->cfg.name);
		p->ifindex = tap_ifindex(p->tap);
		r = tap_set_persist(p->tap, p->cfg.persistent_tap);
		if (r < 0)
			log_dev_errno(LOG_WARNING, &p->log, NULL, r, "TAP persistence: %m");
		tap_set_carrier(p->tap, false);
		r = port_link_open(p);
		if (r < 0)
			return r;
		log_dev(LOG_INFO, &p->log, NULL, "%s TAP %s (ifindex %d)",
			tap_reopened(p->tap) ? "attached to" : "created", tap_ifname(p->tap), p->ifindex);
	} else {
		r = tap_set_offload(p->tap, port_tap_offloads(p));
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "TAP offloads: %m");
	}
	r = link_get_info(p->ls, p->ifindex, NULL, &li);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "%s", link_error_last());
	if (!li.has_mac || memcmp(li.mac, a->mac, 6)) {
		r = link_set_mac(p->ls, p->ifindex, a->mac);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "%s", link_error_last());
	}
	p->tap_mtu = p->cfg.mtu;
	if (li.mtu != p->cfg.mtu) {
		r = link_set_mtu(p->ls, p->ifindex, p->cfg.mtu);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "%s", link_error_last());
	}
	if (!(li.flags & IFF_UP)) {
		r = link_set_up(p->ls, p->ifindex, true);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "%s", link_error_last());
	}
	return 0;
}

void port_update_carrier(struct port *p)
{
	bool on = p->link_up && p->state == PORT_UP;
	int r;

	if (!p->tap)
		return;
	r = tap_set_carrier(p->tap, on);
	if (r < 0)
		log_dev_errno(LOG_WARNING, &p->log, "link", r, "carrier %s: %m", on ? "on" : "off");
}

static void port_admin_irq(evutil_socket_t fd, short what, void *arg)
{
	struct port *p = arg;
	int r = ena_dev_handle_admin_irq(p->dev);

	if (r < 0 && r != -EAGAIN)
		log_dev_errno(LOG_WARNING, &p->log, NULL, r, "admin interrupt: %s", ena_error_last());
}

static int port_device_init(struct port *p)
{
	struct ena_dev_params params = {
		.numa_node = p->numa_node,
		.host = {
			.os_type = ENA_OS_LINUX,
			.driver_name = "enad",
			.drv_major = 0, .drv_minor = 1, .drv_sub = 0,
			.driver_supported_features = ENA_HOST_FEAT_RX_OFFSET |
				ENA_HOST_FEAT_INTERRUPT_MODERATION |
				ENA_HOST_FEAT_RSS_CONFIGURABLE_FUNCTION_KEY |
				ENA_HOST_FEAT_TX_IPV6_CSUM_OFFLOAD,
		},
	};
	const struct ena_dev_attrs *a;
	int r, fd;

	if (!p->dev) {
		r = ena_dev_open(p->cfg.device, &p->dev);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "open %s: %s", p->cfg.device,
					     ena_error_last());
		port_aenq_install(p);
	}
	r = ena_dev_init(p->dev, &params);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "device init: %s", ena_error_last());
	p->dev_up = true;
	a = ena_dev_attrs(p->dev);
	p->hints_valid = a->has_hw_hints;
	p->hints = a->hw_hints;
	p->last_keep_alive_us = port_now_us();

	fd = ena_dev_admin_irq_fd(p->dev);
	port_event_free(&p->admin_ev);
	if (fd >= 0) {
		p->admin_ev = event_new(p->base, fd, EV_READ | EV_PERSIST, port_admin_irq, p);
		if (!p->admin_ev || event_add(p->admin_ev, NULL) < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, ENOMEM, "admin interrupt event: %m");
	}

	p->max_queues = a->max_tx_sq_num;
	if (a->max_tx_cq_num < p->max_queues)
		p->max_queues = a->max_tx_cq_num;
	if (a->max_rx_sq_num < p->max_queues)
		p->max_queues = a->max_rx_sq_num;
	if (a->max_rx_cq_num < p->max_queues)
		p->max_queues = a->max_rx_cq_num;
	if (a->msix_vectors > 1 && a->msix_vectors - 1 < p->max_queues)
		p->max_queues = a->msix_vectors - 1;
	if (p->max_queues > PARAM_QUEUES_MAX)
		p->max_queues = PARAM_QUEUES_MAX;

	p->llq_entry = port_llq_entry_for(p, &p->cfg);
	if (p->llq_entry) {
		r = ena_dev_set_llq(p->dev, p->llq_entry);
		if (r == -EOPNOTSUPP) {
			log_dev(LOG_WARNING, &p->log, NULL, "LLQ with %u-byte entries refused (%s): host placement",
				p->llq_entry, ena_error_last());
			p->llq_entry = 0;
		} else if (r < 0) {
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "LLQ: %s", ena_error_last());
		} else if (p->llq_entry == 128 && p->cfg.force_large_llq_header) {
			log_dev(LOG_WARNING, &p->log, NULL, "device cannot take 256-byte LLQ entries: 96-byte headers");
		}
	}
	if (p->llq_entry && a->llq.max_llq_num < p->max_queues)
		p->max_queues = a->llq.max_llq_num;
	if (!p->max_queues)
		return log_dev_errno(LOG_ERR, &p->log, NULL, EPROTO, "device offers no IO queues");
	r = ena_eth_max_depths(p->dev, p->llq_entry, &p->max_tx_depth, &p->max_rx_depth);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "ring limits: %s", ena_error_last());

	if (p->cfg.mtu > a->max_mtu)
		return log_dev_errno(LOG_ERR, &p->log, "config", ERANGE,
				     "mtu %u above the device maximum %u", p->cfg.mtu, a->max_mtu);
	r = ena_dev_set_mtu(p->dev, p->cfg.mtu);
	if (r < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "set mtu %u: %s", p->cfg.mtu,
				     ena_error_last());

	if (p->cfg.frag_bypass) {
		r = ena_dev_set_frag_bypass(p->dev, true);
		if (r == -EOPNOTSUPP)
			log_dev(LOG_WARNING, &p->log, "config", "frag_bypass: %s", ena_error_last());
		else if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "frag_bypass: %s", ena_error_last());
	}
	/* The device reports link changes through the AENQ; until it says
	 * otherwise the link is up (a fresh port), or stays as last reported. */
	if (!p->link_known)
		p->link_up = true;
	return 0;
}

/* Reset and close what the device side holds; the TAP stays. */
void port_device_down(struct port *p, enum ena_reset_reason reason)
{
	port_event_del(p->eni_ev);
	if (p->dev && p->dev_up) {
		int r = ena_dev_reset(p->dev, reason);

		if (r < 0)
			log_dev_errno(LOG_WARNING, &p->log, NULL, r, "reset (%s): %s",
				      ena_reset_reason_name(reason), ena_error_last());
	}
	p->dev_up = false;
	port_queues_down(p);
	port_event_free(&p->admin_ev);
}

/* Everything from an opened (or freshly reset) device to UP. */
int port_bring_up(struct port *p)
{
	int r;

	r = port_device_init(p);
	if (r < 0)
		return r;
	if (!p->rss_key_chosen) {
		if (p->cfg.has & PARAM_HAS(PARAM_RSS_KEY))
			memcpy(p->rss_key, p->cfg.rss_key, sizeof(p->rss_key));
		else if (getrandom(p->rss_key, sizeof(p->rss_key), 0) != sizeof(p->rss_key))
			return log_dev_errno(LOG_ERR, &p->log, NULL, errno, "random RSS key: %m");
		p->rss_key_chosen = true;
	}
	r = port_open_tap(p);
	if (r < 0)
		return r;
	r = port_queues_up(p);
	if (r < 0)
		return r;
	port_workers_start(p);
	event_add(p->tick_ev, &(struct timeval){ .tv_sec = PORT_TICK_MS / 1000 });
	port_eni_reschedule(p);
	return 0;
}

/* ---- public lifecycle ---- */

int port_create(struct event_base *base, const struct enad_device_config *cfg,
		const struct port_hooks *hooks, struct port **ret)
{
	struct port *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->base = base;
	p->cfg = *cfg;
	if (hooks)
		p->hooks = *hooks;
	log_dev_init(&p->log, cfg->name, cfg->device);
	if (cfg->has & PARAM_HAS(PARAM_DEVICE_LOG_LEVEL))
		log_dev_set_level(&p->log, param_log_level_syslog(cfg->log_level));
	p->state = PORT_PROBE;
	p->numa_node = cfg->numa_node >= 0 ? cfg->numa_node : port_device_numa_node(cfg->device);
	p->eni_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(60 * 1000000ull, 5);
	for (unsigned int i = 0; i < PARAM_QUEUES_MAX; i++)
		p->q[i].irq_fd = -1;
	p->notify_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->notify_fd < 0)
		goto fail;
	p->tick_ev = event_new(base, -1, EV_PERSIST, port_watchdog_tick, p);
	p->eni_ev = event_new(base, -1, EV_PERSIST, port_eni_sample, p);
	p->reset_ev = event_new(base, -1, 0, port_reset_run, p);
	p->retry_ev = event_new(base, -1, 0, port_reset_run, p);
	p->notify_ev = event_new(base, p->notify_fd, EV_READ | EV_PERSIST, port_watchdog_tick, p);
	if (!p->tick_ev || !p->eni_ev || !p->reset_ev || !p->retry_ev || !p->notify_ev ||
	    event_add(p->notify_ev, NULL) < 0)
		goto fail;
	*ret = p;
	return 0;
fail:
	port_free(p);
	return -ENOMEM;
}

int port_start(struct port *p)
{
	int r;

	if (p->state != PORT_PROBE)
		return -EALREADY;
	p->reset_start_us = port_now_us();
	r = port_bring_up(p);
	if (r < 0) {
		char why[160];

		p->reset_reason = ENA_RESET_INIT_ERR;
		snprintf(why, sizeof(why), "bring-up failed: %s", strerror(-r));
		port_device_down(p, ENA_RESET_INIT_ERR);
		p->stat[PORT_STAT_RESET_FAIL]++;
		port_set_state(p, PORT_FAILED, why);
		port_retry_schedule(p);
		return r;
	}
	p->stat[PORT_STAT_INTERFACE_UP]++;
	port_set_state(p, PORT_UP, NULL);
	port_update_carrier(p);
	log_dev(LOG_INFO, &p->log, NULL, "up: %u queue(s), rings rx %u tx %u, %s, mtu %u, link %s",
		p->nq, p->rx_depth, p->tx_depth,
		p->llq_entry ? (p->llq_entry == 256 ? "LLQ 256 B" : "LLQ 128 B") : "host TX placement",
		p->cfg.mtu, p->link_up ? "up" : "down");
	return 0;
}

void port_stop(struct port *p)
{
	if (!p || p->state == PORT_STOPPED)
		return;
	port_event_del(p->tick_ev);
	port_event_del(p->retry_ev);
	port_event_del(p->reset_ev);
	p->reset_pending = false;
	if (p->state == PORT_UP)
		p->stat[PORT_STAT_INTERFACE_DOWN]++;
	port_set_state(p, PORT_STOPPED, NULL);
	port_update_carrier(p);
	port_device_down(p, ENA_RESET_SHUTDOWN);
	ena_dev_close(p->dev);
	p->dev = NULL;
	port_link_close(p);
	tap_close(p->tap);
	p->tap = NULL;
}

void port_free(struct port *p)
{
	if (!p)
		return;
	port_stop(p);
	port_event_free(&p->tick_ev);
	port_event_free(&p->eni_ev);
	port_event_free(&p->reset_ev);
	port_event_free(&p->retry_ev);
	port_event_free(&p->notify_ev);
	if (p->notify_fd >= 0)
		close(p->notify_fd);
	free(p);
}

enum port_state port_state(const struct port *p)
{
	return p->state;
}

const char *port_name(const struct port *p)
{
	return p->cfg.name;
}

const struct enad_device_config *port_config(const struct port *p)
{
	return &p->cfg;
}

const struct log_dev *port_log(const struct port *p)
{
	return &p->log;
}

void port_get_info(const struct port *p, struct port_info *ret)
{
	const struct ena_dev_attrs *a = p->dev ? ena_dev_attrs(p->dev) : NULL;
	struct port_info *i = ret;

	memset(i, 0, sizeof(*i));
	snprintf(i->name, sizeof(i->name), "%s", p->cfg.name);
	snprintf(i->device, sizeof(i->device), "%s", p->cfg.device);
	i->state = p->state;
	snprintf(i->state_reason, sizeof(i->state_reason), "%s", p->state_reason);
	i->ifindex = p->ifindex;
	i->mtu = p->cfg.mtu;
	i->link_up = p->link_up;
	i->carrier = p->link_up && p->state == PORT_UP;
	i->llq_entry_size = p->llq_entry;
	i->llq_max_header = p->llq_entry ? p->llq_entry - 32 : 0;
	i->large_llq_header = p->llq_entry == 256;
	i->queues = p->nq;
	i->max_queues = p->max_queues;
	/* before the first bring-up: what the configuration asks for */
	i->rx_depth = p->rx_depth ? p->rx_depth : p->cfg.rx_queue_size;
	i->tx_depth = p->tx_depth ? p->tx_depth : p->cfg.tx_queue_size;
	i->max_rx_depth = p->max_rx_depth;
	i->max_tx_depth = p->max_tx_depth;
	i->numa_node = p->numa_node;
	i->rss_table_size = p->rss_log_size ? 1u << p->rss_log_size : 0;
	i->up_since_us = p->up_since_us;
	i->last_recovery_us = p->last_recovery_us;
	for (unsigned int q = 0; q < PARAM_QUEUES_MAX; q++)
		i->cpus[q] = q < p->nq ? p->q[q].cpu : -1;
	if (a) {
		struct worker_offloads o = port_offloads(p);

		memcpy(i->mac, a->mac, 6);
		i->max_mtu = a->max_mtu;
		i->offload = a->offload;
		i->tx_csum = o.tx_csum4 || o.tx_csum6;
		i->rx_csum = o.rx_csum;
		i->tso = o.tso4 || o.tso6;
		i->version = a->version;
		i->controller_version = a->controller_version;
		i->device_version = a->device_version;
	}
}

void port_get_stats(const struct port *p, struct port_stats *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->v, p->stat, sizeof(ret->v));
	if (p->dev)
		ena_dev_admin_stats(p->dev, &ret->admin);
	ret->has_eni = p->has_eni;
	ret->eni = p->eni;
	ret->eni_sample_realtime_us = p->eni_sample_realtime_us;
	ret->eni_sample_age_us = p->has_eni ? port_now_us() - p->eni_sample_us : 0;
	ret->keep_alive_rx_drops = p->ka_rx_drops;
	ret->keep_alive_tx_drops = p->ka_tx_drops;
	ret->keep_alive_rx_overruns = p->ka_rx_overruns;
	ret->n_queues = p->nq;
	for (unsigned int i = 0; i < PARAM_QUEUES_MAX; i++) {
		const struct port_queue *q = &p->q[i];
		struct port_queue_stats *s = &ret->queue[i];

		*s = p->retired[i];
		if (i < p->nq)
			port_queue_stats_add(q, s);
	}
}

int port_stall_worker(struct port *p, unsigned int queue)
{
	if (queue >= p->nq || !p->q[queue].worker)
		return -ENOENT;
	worker_stall(p->q[queue].worker);
	return 0;
}

bool port_healthy(struct port *p)
{
	bool ok = true;

	if (p->state != PORT_UP)
		return true;
	for (unsigned int i = 0; i < p->nq; i++) {
		struct port_queue *q = &p->q[i];
		uint64_t hb;

		if (!q->worker || !worker_running(q->worker))
			continue;
		hb = worker_heartbeat(q->worker);
		if (hb == q->heartbeat_seen) {
			log_dev(LOG_ERR, &p->log, NULL, "worker %u made no progress", i);
			ok = false;
		}
		q->heartbeat_seen = hb;
	}
	return ok;
}
