/* SPDX-License-Identifier: MIT */
/* libena: bring up and drive an ENA device through VFIO or vfio-user.
 * No policy, no logging: functions return 0 or a negative errno, with a
 * sentence in ena_error_last(); device events arrive through callbacks. */
#ifndef ENA_ENA_H
#define ENA_ENA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ena/admin.h>
#include <ena/io.h>
#include <ena/regs.h>

struct ena_dev;
struct ena_bus;

/* DMA memory: CPU address, device address, usable size. */
struct ena_dma_mem {
	void *va;
	uint64_t iova;
	size_t size;
	/* private */
	int fd;
	size_t map_size;
	struct ena_bus *bus;
};

/* What the device told us at bring-up; every value validated. */
struct ena_dev_attrs {
	uint32_t version;            /* VERSION register */
	uint32_t controller_version; /* CONTROLLER_VERSION register */
	uint32_t dma_width;          /* bits, 32..48 */
	uint32_t reset_timeout_ms;
	uint32_t impl_id;
	uint32_t device_version;
	uint32_t supported_features; /* bit n = feature id n */
	uint32_t capabilities;       /* bit n = enum ena_capability */
	uint8_t mac[6];
	uint32_t max_mtu;
	/* queues (MAX_QUEUES_EXT, or MAX_QUEUES_NUM translated) */
	uint32_t max_tx_sq_num, max_tx_cq_num, max_rx_sq_num, max_rx_cq_num;
	uint32_t max_tx_sq_depth, max_tx_cq_depth, max_rx_sq_depth, max_rx_cq_depth;
	uint32_t max_tx_header_size;
	uint16_t max_per_packet_tx_descs, max_per_packet_rx_descs;
	struct ena_feat_offload offload;
	struct ena_feat_aenq aenq;      /* supported and enabled groups */
	bool has_llq;                   /* GET LLQ answered (feature bit 4) */
	struct ena_feat_llq llq;        /* device LLQ capabilities */
	bool has_hw_hints;
	struct ena_hw_hints hw_hints;
	uint16_t intr_delay_resolution; /* us per unit, >= 1 */
	bool has_link_config;
	struct ena_feat_link link;
	uint16_t rss_ind_table_min_log, rss_ind_table_max_log; /* 0 when unsupported */
	uint64_t customer_metrics_mask; /* supported customer metric ids */
	unsigned int msix_vectors;
};

/* Device events. Handlers run on the thread that calls
 * ena_dev_handle_admin_irq() or an admin command; they must not issue
 * admin commands themselves (record and return). */
struct ena_aenq_handlers {
	void (*link_change)(void *ctx, bool up);
	void (*keep_alive)(void *ctx, uint64_t rx_drops, uint64_t tx_drops, uint64_t rx_overruns);
	void (*fatal_error)(void *ctx, uint16_t syndrome);
	void (*warning)(void *ctx, uint16_t syndrome);
	/* NOTIFICATION/UPDATE_HINTS; the hints are already applied to the
	 * admin and readless timeouts when this runs. */
	void (*hints)(void *ctx, const struct ena_hw_hints *hints);
	void (*conf_notification)(void *ctx, uint64_t bitmap);
	void (*refresh_capabilities)(void *ctx);
	void (*device_request_reset)(void *ctx);
	/* Groups or syndromes we do not know; counted, never fatal. */
	void (*unknown)(void *ctx, uint16_t group, uint16_t syndrome);
};

struct ena_host_params {
	uint32_t os_type;          /* enum ena_os_type; 0 = ENA_OS_LINUX */
	const char *driver_name;   /* into os_dist_str; NULL = "enad" */
	uint8_t drv_major, drv_minor, drv_sub, drv_module_type;
	uint16_t num_cpus;         /* 0 = online CPUs */
	uint32_t driver_supported_features; /* ENA_HOST_FEAT_* */
};

struct ena_dev_params {
	int numa_node;          /* node for DMA memory, or -1 */
	bool admin_polling;     /* poll the ACQ instead of using MSI-X vector 0 */
	uint32_t aenq_groups;   /* groups to enable (masked with supported); 0 = ENA_AENQ_GROUPS_DEFAULT */
	struct ena_host_params host;
};

/* Counters named after the Linux driver's ena_admin_q_* and AENQ stats. */
struct ena_admin_stats {
	uint64_t submitted, completed, aborted, out_of_space, no_completion;
	uint64_t missing_admin_interrupt, bad_completion, status_errors;
	uint64_t aenq_events[ENA_AENQ_GROUPS_NUM];
	uint64_t aenq_unknown;
	uint64_t readless_reads, readless_timeouts;
};

struct ena_basic_stats {
	uint64_t tx_bytes, tx_pkts, rx_bytes, rx_pkts, rx_drops, tx_drops, rx_overruns;
};

struct ena_eni_stats {
	uint64_t bw_in_allowance_exceeded;
	uint64_t bw_out_allowance_exceeded;
	uint64_t pps_allowance_exceeded;
	uint64_t conntrack_allowance_exceeded;
	uint64_t linklocal_allowance_exceeded;
};

/* Customer metrics (GET_STATS type 4), by enum ena_customer_metric_id. */
struct ena_customer_metrics {
	uint64_t supported; /* bit per metric id */
	uint64_t value[ENA_METRIC__COUNT];
};

/**
 * ena_dev_open() - open a device by its string and map its registers.
 * @devstr: "vfio-user:/run/enasim/ena0.sock" or "pci:0000:00:06.0".
 * @ret: receives the handle; untouched on failure.
 */
int ena_dev_open(const char *devstr, struct ena_dev **ret);

/** ena_dev_close() - tear down admin queues and release the device. NULL ok. */
void ena_dev_close(struct ena_dev *dev);

/**
 * ena_dev_init() - bring the device up in the reference drivers' order:
 * readless setup, reset (NORMAL), version and DMA-width checks, admin
 * queue and AENQ, host attributes, device attributes, queue limits, AENQ
 * groups, offloads, HW hints, LLQ caps, customer metrics, interrupt
 * moderation, RSS caps; then the admin interrupt (unless polling) and the
 * AENQ head doorbell. Safe to call again after ena_dev_reset().
 * Return: 0, -ETIME (readless or reset timeout), -EPROTO (device values out
 * of range), -ETIMEDOUT (admin timeout), other -errno.
 */
int ena_dev_init(struct ena_dev *dev, const struct ena_dev_params *params);

/**
 * ena_dev_reset() - reset the device with @reason (written to DEV_CTL,
 * extended reasons when the device supports them), fail outstanding admin
 * commands and drop admin state. ena_dev_init() brings it back.
 */
int ena_dev_reset(struct ena_dev *dev, enum ena_reset_reason reason);

/** ena_dev_attrs() - attributes read at the last successful init. */
const struct ena_dev_attrs *ena_dev_attrs(const struct ena_dev *dev);

/** ena_dev_set_aenq_handlers() - install event callbacks (copied). */
void ena_dev_set_aenq_handlers(struct ena_dev *dev, const struct ena_aenq_handlers *h, void *ctx);

/** ena_dev_admin_irq_fd() - eventfd of MSI-X vector 0 (admin + AENQ), -1 if polling. */
int ena_dev_admin_irq_fd(const struct ena_dev *dev);

/**
 * ena_dev_handle_admin_irq() - consume the vector-0 event and process the
 * AENQ (dispatching handlers). Call when the fd is readable, and
 * periodically in polling mode. Return: events processed or -errno.
 */
int ena_dev_handle_admin_irq(struct ena_dev *dev);

/**
 * ena_dev_read_status() - read DEV_STS (readless or direct).
 * Return: 0 with *ret set, -ETIME when the device did not answer.
 */
int ena_dev_read_status(struct ena_dev *dev, uint32_t *ret);

/**
 * ena_dev_admin_failed() - true once the admin queue stopped (timeout,
 * bad completion); *ret_reason then says which reset reason applies
 * (ADMIN_TO or MISSING_ADMIN_INTERRUPT).
 */
bool ena_dev_admin_failed(const struct ena_dev *dev, enum ena_reset_reason *ret_reason);

/** ena_dev_aenq_has_keep_alive() - a keep-alive sits unprocessed in the AENQ. */
bool ena_dev_aenq_has_keep_alive(struct ena_dev *dev);

void ena_dev_admin_stats(const struct ena_dev *dev, struct ena_admin_stats *ret);

/** Admin command timeout in use (CAPS, default 3 s, HW hint override). */
uint32_t ena_dev_admin_timeout_us(const struct ena_dev *dev);

/**
 * ena_dev_dma_alloc() - zeroed memory the device can reach (rings, packet
 * buffers): memfd-backed, hugepages when reserved, preferring @numa_node
 * (-1 = any). @ret is untouched on failure.
 */
int ena_dev_dma_alloc(struct ena_dev *dev, size_t size, int numa_node, struct ena_dma_mem *ret);
/** ena_dev_dma_free() - release memory from ena_dev_dma_alloc(); zeroed mem is ok. */
void ena_dev_dma_free(struct ena_dma_mem *mem);

/* ---- features ---- */

/** ena_dev_set_mtu() - SET_FEATURE MTU; @mtu in [ENA_MIN_MTU, max_mtu]. */
int ena_dev_set_mtu(struct ena_dev *dev, uint32_t mtu);
/**
 * ena_dev_set_frag_bypass() - SET_FEATURE FRAG_BYPASS: exempt IPv4
 * fragments from the per-ENI egress fragment PPS limit (or not).
 * Return: 0, -EOPNOTSUPP (feature not offered), an admin error.
 */
int ena_dev_set_frag_bypass(struct ena_dev *dev, bool enable);
int ena_dev_get_link(struct ena_dev *dev, struct ena_feat_link *ret);
int ena_dev_get_hw_hints(struct ena_dev *dev, struct ena_hw_hints *ret);
/**
 * ena_dev_set_llq() - negotiate LLQ the way the reference drivers do:
 * inline header, multiple descriptors per entry, 2 descriptors before the
 * header, @entry_size 128 (96-byte headers) or 256 (224-byte headers),
 * accelerated-mode flags enabled. -EOPNOTSUPP when the device cannot.
 */
int ena_dev_set_llq(struct ena_dev *dev, unsigned int entry_size);
/** ena_dev_set_aenq_groups() - enable exactly @groups (must be supported). */
int ena_dev_set_aenq_groups(struct ena_dev *dev, uint32_t groups);

/**
 * ena_rss_get_function() / ena_rss_set_function() - hash function, key and
 * init value. @key is 40 bytes in standard Toeplitz order (the Microsoft
 * verification key 6d 5a 56 da ... gives the published hashes): the device
 * reads its key byte-reversed, so libena reverses it on the wire.
 * @func: ENA_HASH_TOEPLITZ or ENA_HASH_CRC32, must be supported.
 */
int ena_rss_get_function(struct ena_dev *dev, enum ena_hash_function *ret_func,
			 uint8_t ret_key[ENA_RSS_KEY_SIZE], uint32_t *ret_init_val);
int ena_rss_set_function(struct ena_dev *dev, enum ena_hash_function func,
			 const uint8_t key[ENA_RSS_KEY_SIZE], uint32_t init_val);
/** Hash inputs per protocol (ENA_RSS_L* bits), and the sort flags. */
int ena_rss_get_hash_input(struct ena_dev *dev, uint16_t ret_selected[ENA_RSS_PROTO_NUM],
			   uint16_t ret_supported[ENA_RSS_PROTO_NUM], uint16_t *ret_sort);
int ena_rss_set_hash_input(struct ena_dev *dev, const uint16_t selected[ENA_RSS_PROTO_NUM],
			   uint16_t sort);
/**
 * ena_rss_get_indir() / ena_rss_set_indir() - indirection table of
 * 2^@log_size entries, each a device RX SQ index (from CREATE_SQ).
 * get: @max_entries is the capacity of @ret_table.
 */
int ena_rss_get_indir(struct ena_dev *dev, uint16_t *ret_table, size_t max_entries,
		      unsigned int *ret_log_size);
int ena_rss_set_indir(struct ena_dev *dev, const uint16_t *table, unsigned int log_size);

/* ---- RSS hash helpers (rss.c) ---- */
/**
 * ena_rss_toeplitz() - standard Toeplitz hash of @data (network byte order
 * tuple: source address, destination address, source port, destination
 * port) with @key in standard order. At most 36 input bytes are used.
 */
uint32_t ena_rss_toeplitz(const uint8_t key[ENA_RSS_KEY_SIZE], const uint8_t *data, size_t len);
/** ena_rss_crc32() - CRC-32C of @data seeded with @init_val (our CRC32 model). */
uint32_t ena_rss_crc32(uint32_t init_val, const uint8_t *data, size_t len);
/** ena_rss_indir_fill_default() - entry i -> queue i % nqueues (Linux default). */
void ena_rss_indir_fill_default(uint16_t *table, size_t entries, unsigned int nqueues);

/* ---- statistics ---- */
int ena_dev_get_basic_stats(struct ena_dev *dev, struct ena_basic_stats *ret);
/** ENI allowance counters; -EOPNOTSUPP without the ENI_STATS capability. */
int ena_dev_get_eni_stats(struct ena_dev *dev, struct ena_eni_stats *ret);
/** Customer metrics; -EOPNOTSUPP without the CUSTOMER_METRICS capability. */
int ena_dev_get_customer_metrics(struct ena_dev *dev, struct ena_customer_metrics *ret);

/* ---- names ---- */
const char *ena_reset_reason_name(unsigned int reason);
int ena_reset_reason_from_name(const char *name);
const char *ena_admin_status_name(unsigned int status);
/** ena_admin_status_to_errno() - the one place device status becomes errno. */
int ena_admin_status_to_errno(unsigned int status);
const char *ena_aenq_group_name(unsigned int group);
const char *ena_feature_name(unsigned int feature_id);

/** ena_error_last() - sentence describing the last failure on this thread. */
const char *ena_error_last(void);

#endif /* ENA_ENA_H */
