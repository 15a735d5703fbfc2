/* SPDX-License-Identifier: MIT */
/* One port per ENA device: its lifecycle, settings, watchdog and recovery. */
#ifndef ENAD_PORT_H
#define ENAD_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ena/ena.h>
#include <ena/eth.h>

#include "config.h"
#include "worker.h"

struct event_base;

/*
 * Every function here runs on the control thread (the libevent loop); only
 * the workers run elsewhere. A port is created from its [device NAME]
 * section; port_start() brings it up:
 *
 *   PROBE -> UP <-> RECONFIGURE ; UP -> RESETTING -> UP ;
 *   PROBE/RESETTING -> FAILED (retried with backoff) -> RESETTING ;
 *   any -> STOPPED (port_stop)
 *
 * The port's configuration (port_config()) is what the user asked for,
 * from the config file and then every accepted change; a reset restores
 * all of it. Runtime-decided values (random RSS key, spread table, CPUs)
 * are fixed at the first bring-up and kept across resets.
 */

enum port_state {
	PORT_PROBE,
	PORT_UP,
	PORT_RECONFIGURE,
	PORT_RESETTING,
	PORT_FAILED,
	PORT_STOPPED,
	PORT_STATE__COUNT
};

/** port_state_name() - "probe", "up", "reconfigure", "resetting", "failed", "stopped". */
const char *port_state_name(enum port_state state);

/* Global counters, named as the Linux driver's ethtool -S (struct ena_stats_dev). */
enum port_stat {
	PORT_STAT_TOTAL_RESETS,
	PORT_STAT_RESET_FAIL,
	PORT_STAT_WD_EXPIRED,
	PORT_STAT_BAD_TX_REQ_ID,
	PORT_STAT_BAD_RX_REQ_ID,
	PORT_STAT_BAD_RX_DESC_NUM,
	PORT_STAT_MISSING_TX_CMPL,
	PORT_STAT_RX_DESC_MALFORMED,
	PORT_STAT_TX_DESC_MALFORMED,
	PORT_STAT_INVALID_STATE,
	PORT_STAT_MISSING_ADMIN_INTERRUPT,
	PORT_STAT_ADMIN_TO,
	PORT_STAT_DEVICE_REQUEST_RESET,
	PORT_STAT_FATAL_ERROR,         /* DEV_STS fatal or AENQ FATAL_ERROR (enad's name) */
	PORT_STAT_USER_RESET,          /* device.reset (enad's name) */
	PORT_STAT_INTERFACE_UP,
	PORT_STAT_INTERFACE_DOWN,
	PORT_STAT__COUNT
};

/** port_stat_name() - "total_resets", ...; NULL when out of range. */
const char *port_stat_name(unsigned int stat);

/* What device.show reports. */
struct port_info {
	char name[PARAM_IFNAME_MAX];
	char device[PARAM_DEVICE_MAX];
	enum port_state state;
	char state_reason[160];       /* why FAILED / last reset, "" otherwise */
	int ifindex;                  /* 0 before the TAP exists */
	uint8_t mac[6];
	uint32_t mtu, max_mtu;
	bool link_up;                 /* device link (AENQ LINK_CHANGE) */
	bool carrier;                 /* what the TAP shows */
	unsigned int llq_entry_size;  /* 0 = host placement (LLQ off) */
	uint32_t llq_max_header;      /* bytes pushed with the descriptors; 0 without LLQ */
	bool large_llq_header;
	uint32_t queues, max_queues;
	uint32_t rx_depth, tx_depth, max_rx_depth, max_tx_depth;
	struct ena_feat_offload offload; /* the device's */
	bool tx_csum, rx_csum, tso;      /* in use */
	uint32_t version, controller_version, device_version;
	int numa_node;                /* the device's, -1 unknown */
	int cpus[PARAM_QUEUES_MAX];   /* per queue, -1 = not pinned */
	uint32_t rss_table_size;
	uint64_t up_since_us;         /* CLOCK_MONOTONIC of the last UP; 0 when not up */
	uint64_t last_recovery_us;    /* duration of the last reset recovery */
};

struct port_queue_stats {
	struct ena_txq_stats tx;
	struct ena_rxq_stats rx;
	struct worker_stats worker;
};

/* What stats.get reports. Counters continue across resets and queue
 * changes: a queue's counters are kept when the queue goes away. */
struct port_stats {
	uint64_t v[PORT_STAT__COUNT];
	struct ena_admin_stats admin;
	bool has_eni;                 /* the device has ENI stats and sampling ran once */
	struct ena_eni_stats eni;
	uint64_t eni_sample_realtime_us; /* wall-clock time of the sample (for humans) */
	uint64_t eni_sample_age_us;
	uint64_t keep_alive_rx_drops, keep_alive_tx_drops, keep_alive_rx_overruns;
	unsigned int n_queues;        /* queues currently configured */
	struct port_queue_stats queue[PARAM_QUEUES_MAX];
};

/* What rss.get reports. */
struct port_rss {
	uint32_t table_size;
	uint16_t table[PARAM_INDIR_MAX]; /* queue numbers 0..queues-1 */
	uint8_t key[PARAM_RSS_KEY_SIZE];
	enum param_hfunc hfunc;
	bool crc32_supported;
};

/* Why a change was refused or failed: field, value, what is allowed. */
struct port_error {
	const struct param *param;  /* NULL when not about one field */
	char value[64];
	char allowed[160];
	char msg[400];
	bool rolled_back;           /* the old configuration is running again */
	bool reset;                 /* rollback failed too: the port resets */
};

enum port_event_kind {
	PORT_EVENT_STATE,  /* state changed: .state, .reason */
	PORT_EVENT_LINK,   /* device link changed: .link_up */
	PORT_EVENT_RESET,  /* reset began (.reset_done false) or ended (true, .recovery_us, .ok) */
	PORT_EVENT_CONFIG, /* a setting changed: .param (NULL for several), .value */
	PORT_EVENT_ENI,    /* an allowance counter grew: .eni */
};

struct port_event {
	enum port_event_kind kind;
	enum port_state state;
	const char *reason;          /* reset reason name / state reason; may be NULL */
	bool link_up;
	bool reset_done, ok;
	uint64_t recovery_us;
	const struct param *param;
	const char *value;
	const struct ena_eni_stats *eni;
};

struct port;

struct port_hooks {
	/* Every event; runs on the control thread, must not free the port. */
	void (*event)(void *userdata, struct port *port, const struct port_event *ev);
	void *userdata;
};

/**
 * port_create() - a port for one [device NAME] section; nothing is opened.
 * @base: the control loop (timers, irq fd, link watch).
 * @cfg: the section (copied).
 * @hooks: event sink (copied; may be NULL).
 * @ret: the port; untouched on failure.
 */
int port_create(struct event_base *base, const struct enad_device_config *cfg,
		const struct port_hooks *hooks, struct port **ret);

/**
 * port_start() - PROBE: open the device, bring it up, create the TAP,
 * queues and workers, apply every setting, carrier from the device link.
 * On failure the port is FAILED and retries by itself (backoff 1 s doubling
 * to 60 s); the TAP is kept once it exists.
 * Return: 0 when UP, else the first error (already logged).
 */
int port_start(struct port *port);

/**
 * port_stop() - STOPPED: stop workers, destroy queues, reset the device
 * with SHUTDOWN, close it, remove the TAP unless persistent_tap.
 */
void port_stop(struct port *port);

/** port_free() - stop (if needed) and free. NULL is fine. */
void port_free(struct port *port);

enum port_state port_state(const struct port *port);
const char *port_name(const struct port *port);
/** port_config() - the configuration the port runs (and restores after a reset). */
const struct enad_device_config *port_config(const struct port *port);
const struct log_dev *port_log(const struct port *port);

void port_get_info(const struct port *port, struct port_info *ret);
/** port_get_stats() - counters now (reads libena and worker counters; no admin command). */
void port_get_stats(const struct port *port, struct port_stats *ret);
/** port_get_rss() - the table, key and function in use (as set; no admin command). */
void port_get_rss(const struct port *port, struct port_rss *ret);

/**
 * port_check() - would port_apply(@want) be accepted? Checks every changed
 * key against the device's limits (queues, ring depths, MTU, indirection
 * entries < queues, hash function supported, ...).
 * Return: 0 or -EINVAL with @err naming the field, value and allowed range.
 */
int port_check(const struct port *port, const struct enad_device_config *want,
	       struct port_error *err);

/**
 * port_apply() - make @want the port's configuration, transactionally:
 * live keys are set at once; queue count, ring sizes and MTU restart the
 * IO queues (RECONFIGURE); the LLQ header policy resets the device. A
 * change the device refuses, or one that fails midway, is undone and the
 * old configuration runs again (err->rolled_back); if that fails too the
 * port resets (err->reset). An accepted change is kept across resets and
 * emits PORT_EVENT_CONFIG.
 * @want: a whole device section: port_config() with some keys changed.
 * Return: 0; -EINVAL (refused before anything changed, @err says why);
 * -EBUSY (the port is not UP; nothing changed); another -errno (failed and
 * rolled back, @err says what happened).
 */
int port_apply(struct port *port, const struct enad_device_config *want, struct port_error *err);

/**
 * port_trigger_reset() - ask for a reset with @reason; the first reason
 * wins until the reset runs (on the next loop iteration). Counted in the
 * matching port_stat. Ignored while STOPPED.
 */
void port_trigger_reset(struct port *port, enum ena_reset_reason reason);

/**
 * port_healthy() - for the systemd watchdog: every running worker's
 * heartbeat moved since the previous call. (Only call it once per
 * watchdog period; a port that is not UP counts as healthy.)
 */
bool port_healthy(struct port *port);

/** port_stall_worker() - fault injection for tests: worker @queue stops making progress. */
int port_stall_worker(struct port *port, unsigned int queue);

#endif
