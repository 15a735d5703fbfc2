/* SPDX-License-Identifier: MIT */
/* The port's insides, shared by port*.c only. */
#ifndef ENAD_PORT_PRIV_H
#define ENAD_PORT_PRIV_H

#include <time.h>

#include <event2/event.h>

#include "link.h"
#include "log.h"
#include "port.h"
#include "tap.h"

#define PORT_RSS_LOG_SIZE 7        /* 128 entries, the Linux default (ENA_RX_RSS_TABLE_LOG_SIZE) */
#define PORT_BACKOFF_MIN_S 1
#define PORT_BACKOFF_MAX_S 60
#define PORT_TICK_MS 1000          /* watchdog period, as the Linux timer service */
#define PORT_DEFAULT_MISS_TX_MS 5000

static inline uint64_t port_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* event_free() does not take NULL. */
static inline void port_event_free(struct event **ev)
{
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

static inline void port_event_del(struct event *ev)
{
	if (ev)
		event_del(ev);
}

struct port_queue {
	struct ena_qpair *qp;
	struct worker *worker;
	int irq_fd;
	int cpu;                /* the one CPU the worker is pinned to; -1 = not pinned */
	cpu_set_t cpus;         /* the worker's affinity */
	uint64_t heartbeat_seen;
};

struct port {
	struct event_base *base;
	struct port_hooks hooks;
	struct enad_device_config cfg; /* what the user asked for; restored after resets */
	struct log_dev log;
	enum port_state state;
	char state_reason[160];

	/* device */
	struct ena_dev *dev;
	bool dev_up;                   /* ena_dev_init succeeded since the last reset */
	unsigned int llq_entry;        /* 0, 128 or 256 */
	uint32_t max_queues, max_tx_depth, max_rx_depth;
	int numa_node;                 /* resolved: config or device, -1 unknown */
	bool link_up;
	bool link_known;               /* an AENQ LINK_CHANGE arrived */

	/* runtime-decided values, fixed at first bring-up */
	bool rss_key_chosen;
	uint8_t rss_key[PARAM_RSS_KEY_SIZE];
	unsigned int rss_log_size;     /* 0 = the device has no RSS table */
	uint16_t rss_table[PARAM_INDIR_MAX];

	/* host side */
	struct tap *tap;
	struct link_sock *ls;
	struct link_watch *lw;
	struct event *lw_ev;
	int ifindex;
	uint32_t tap_mtu;              /* the MTU we set on the TAP */

	/* queues */
	unsigned int nq;
	uint32_t rx_depth, tx_depth;    /* ring sizes in use (config clamped to the device) */
	struct port_queue q[PARAM_QUEUES_MAX];
	struct port_queue_stats retired[PARAM_QUEUES_MAX]; /* counters of queues torn down */

	/* control loop plumbing */
	struct event *admin_ev;        /* admin/AENQ MSI-X eventfd */
	struct event *tick_ev;         /* watchdog, every PORT_TICK_MS */
	struct event *eni_ev;          /* ENI sampling */
	struct event *reset_ev;        /* deferred reset (active when triggered) */
	struct event *retry_ev;        /* FAILED: next attempt */
	struct event *notify_ev;       /* workers' failure eventfd */
	int notify_fd;

	/* reset state */
	bool reset_pending;
	enum ena_reset_reason reset_reason;
	uint64_t reset_start_us;
	unsigned int backoff_s;
	uint64_t up_since_us;
	uint64_t last_recovery_us;

	/* watchdog */
	uint64_t last_keep_alive_us;
	uint64_t ka_rx_drops, ka_tx_drops, ka_rx_overruns;
	bool hints_valid;
	struct ena_hw_hints hints;

	/* ENI */
	bool has_eni;
	struct ena_eni_stats eni;
	uint64_t eni_sample_us, eni_sample_realtime_us;
	struct log_ratelimit eni_rl;

	uint64_t stat[PORT_STAT__COUNT];
};

/* port.c */
void port_set_state(struct port *p, enum port_state state, const char *reason);
void port_emit(struct port *p, const struct port_event *ev);
int port_queues_up(struct port *p);

/** port_allowed_cpus() - the CPUs enad's threads may run on (its affinity). */
void port_allowed_cpus(struct param_cpus *ret);

/* A CPU list as the config file writes it, for messages ("0-3,6"), cut
 * after 250 characters. */
struct cpus_text {
	char s[256];
};
struct cpus_text port_cpus_text(const struct param_cpus *cpus);
void port_queues_down(struct port *p);
void port_workers_stop(struct port *p);
void port_workers_start(struct port *p);
int port_bring_up(struct port *p);
void port_device_down(struct port *p, enum ena_reset_reason reason);
void port_update_carrier(struct port *p);
struct worker_offloads port_offloads(const struct port *p);
unsigned int port_tap_offloads(const struct port *p);
uint32_t port_effective_queues(const struct port *p, const struct enad_device_config *cfg);
unsigned int port_llq_entry_for(const struct port *p, const struct enad_device_config *cfg);

/* port_rss.c */
int port_rss_apply(struct port *p, bool function, bool table);
void port_rss_fill_table(const struct param_indir *indir, unsigned int nq, uint16_t *table,
			 unsigned int entries);

/* port_watchdog.c */
void port_watchdog_tick(evutil_socket_t fd, short what, void *arg);
void port_aenq_install(struct port *p);
void port_eni_reschedule(struct port *p);
void port_eni_sample(evutil_socket_t fd, short what, void *arg);

/* port_reset.c */
void port_reset_run(evutil_socket_t fd, short what, void *arg);
void port_retry_schedule(struct port *p);

/* port_link.c */
int port_link_open(struct port *p);
void port_link_close(struct port *p);

#endif
