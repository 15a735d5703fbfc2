/* SPDX-License-Identifier: MIT */
/* enad's configuration: /etc/enad/enad.conf plus its enad.conf.d drop-ins,
 * parsed into one struct whose has bits also let it carry a partial update. */
#ifndef ENAD_CONFIG_H
#define ENAD_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "params.h"

#define CONFIG_DEFAULT_PATH "/etc/enad/enad.conf"
#define CONFIG_PORTS_MAX 64          /* [device NAME] sections */
#define CONFIG_FILES_MAX 64          /* files read from enad.conf.d/ */
#define CONFIG_FILE_SIZE_MAX (1u << 20) /* bytes per file */
#define CONFIG_LINE_MAX 8192         /* bytes per line, without the newline */

/* Where a key (or a section header) was read: config->files[file], line. */
struct config_origin {
	uint16_t file;
	uint32_t line; /* 0: not from a file (default, or a control-API update) */
};

/* [global]. Absent keys hold their defaults; `has` says which were given. */
struct enad_global_config {
	uint64_t has; /* PARAM_HAS(id) of the keys given */
	char control_socket[PARAM_PATH_MAX];
	char control_group[PARAM_GROUP_MAX];
	char admin_group[PARAM_GROUP_MAX];
	enum param_log_level log_level;
	struct config_origin section;
	struct config_origin origin[PARAM__COUNT];
};

/* [device NAME]: one port. Absent keys hold their defaults (log_level: the
 * global one); `has` says which were given. Keys whose default is decided at
 * run time (rss_key random, rss_indir spread, cpus from the NUMA node) are
 * meaningful only with their has bit. */
struct enad_device_config {
	uint64_t has;
	char name[PARAM_IFNAME_MAX];   /* TAP interface name */
	char device[PARAM_DEVICE_MAX]; /* pci:DDDD:BB:DD.F | vfio-user:/PATH */
	uint32_t num_io_queues;        /* 0 = as many as device and CPUs allow */
	uint32_t rx_queue_size;
	uint32_t tx_queue_size;
	enum param_llq_policy llq_policy;
	bool force_large_llq_header;
	uint32_t mtu;
	uint8_t rss_key[PARAM_RSS_KEY_SIZE];
	enum param_hfunc rss_hash_function;
	struct param_indir rss_indir;
	uint32_t eni_metrics_sample_interval; /* s, 0 = off */
	uint32_t rx_usecs;
	uint32_t tx_usecs;
	bool adaptive_rx;
	uint32_t rx_copybreak;
	bool tx_checksum;
	bool rx_checksum;
	bool tso;
	bool frag_bypass;
	struct param_cpus cpus;
	bool pin_workers;
	int32_t numa_node;              /* -1 = the device's */
	uint32_t keep_alive_timeout_ms; /* 0 = off */
	uint32_t miss_tx_timeout_s;     /* 0 = off */
	uint32_t miss_tx_threshold;
	uint32_t busy_poll_us;          /* 0 = off */
	bool persistent_tap;
	enum param_log_level log_level;
	struct config_origin section;   /* the first [device NAME] line */
	struct config_origin origin[PARAM__COUNT];
};

struct enad_config {
	struct enad_global_config global;
	struct enad_device_config *devices; /* in order of first appearance */
	unsigned int n_devices;
	char **files;                       /* files read, in order; origins index this */
	unsigned int n_files;
};

/* Why a load failed: "FILE:LINE: KEY: REASON (allowed: ...)". */
struct config_error {
	char msg[PARAM_PATH_MAX * 4 + 1024];
	unsigned int line; /* 0 when not about one line */
};

/**
 * config_load() - read @path, then the files "@path.d/NAME.conf" in name order.
 * @path: main file, normally CONFIG_DEFAULT_PATH; it must exist. Its
 *   drop-in directory "@path.d" may be missing.
 * @ret: the merged, validated configuration; untouched on failure. Free
 *   with config_free().
 * @err: filled on failure (may be NULL).
 *
 * A later file overrides earlier ones key by key; a [device NAME] in two
 * files is one port. Unknown sections or keys, bad values, a key twice in
 * one file, a port without `device`, two ports on one device and
 * conflicting keys fail. Not thread-safe: it sets libinih's options.
 *
 * Return: 0; -EINVAL for a bad configuration; -ENOENT, -EACCES, -EFBIG,
 * -E2BIG (too many files or ports) ...; -ENOMEM.
 */
int config_load(const char *path, struct enad_config *ret, struct config_error *err);

/**
 * config_load_buffer() - parse one in-memory file (no drop-in directory).
 * @name: the file name used in messages.
 * @data: file content, need not be NUL-terminated.
 * @len: bytes in @data (at most CONFIG_FILE_SIZE_MAX).
 * @ret, @err, return: as config_load().
 */
int config_load_buffer(const char *name, const char *data, size_t len, struct enad_config *ret,
		       struct config_error *err);

/**
 * config_init() - a configuration with every global default and no port.
 * @ret: filled; free with config_free().
 */
void config_init(struct enad_config *ret);

/**
 * config_free() - release what a configuration owns and zero it. NULL is fine.
 */
void config_free(struct enad_config *config);

/**
 * config_find_device() - the port named @name, or NULL.
 */
const struct enad_device_config *config_find_device(const struct enad_config *config,
						    const char *name);

/**
 * config_device_defaults() - a port @name with every default (log_level
 * from @global) and no has bit.
 * @global: the global section, for inherited values.
 * @name: the TAP name (truncated to 15 bytes; check with param_ifname_valid()).
 * @ret: filled.
 */
void config_device_defaults(const struct enad_global_config *global, const char *name,
			    struct enad_device_config *ret);

enum config_change_kind {
	CONFIG_CHANGE_KEY,            /* a key's effective value changed */
	CONFIG_CHANGE_DEVICE_ADDED,   /* a new [device NAME] */
	CONFIG_CHANGE_DEVICE_REMOVED, /* a port is gone */
};

struct config_change {
	enum config_change_kind kind;
	char device[PARAM_IFNAME_MAX]; /* "" for a [global] key */
	const struct param *param;     /* CONFIG_CHANGE_KEY only */
	enum param_apply apply;        /* how it can be applied; RESTART for added/removed */
};

/**
 * config_diff() - what changed from @old to @new, key by key.
 * @old: the running configuration.
 * @new: the candidate (e.g. reloaded on SIGHUP).
 * @ret_changes: malloc'ed array (free()), NULL when nothing changed; untouched on failure.
 * @ret_n: number of changes; untouched on failure.
 * @ret_apply: the most disruptive apply of all changes (PARAM_APPLY_LIVE when
 *   none; may be NULL); untouched on failure.
 *
 * Effective values are compared: dropping a key that was set to its
 * default changes nothing; keys decided at run time (rss_key, rss_indir,
 * cpus) change when they are given in one and not the other. Adding or
 * removing a port is a change of kind ADDED/REMOVED with apply RESTART
 * (of that port only).
 *
 * Return: 0 or -ENOMEM.
 */
int config_diff(const struct enad_config *old, const struct enad_config *new,
		struct config_change **ret_changes, size_t *ret_n, enum param_apply *ret_apply);

/**
 * config_key_changed() - does knob @p differ between two sections?
 * @a, @b: section structs of @p's scope; @has_a, @has_b: their has words.
 * Knobs decided at run time (no default) count "not given" as a value of
 * its own; a port's log_level always has a value (the global one).
 */
bool config_key_changed(const struct param *p, const void *a, uint64_t has_a, const void *b,
			uint64_t has_b);

#define CONFIG_PRINT_DEFAULTS 0x1u /* keys not given too (defaults) */
#define CONFIG_PRINT_ORIGIN 0x2u   /* "# FILE:LINE" / "# default" after each key */

/**
 * config_print() - write the effective configuration as a file config_load() reads back.
 * @config: the configuration.
 * @f: where to.
 * @flags: CONFIG_PRINT_*. Keys decided at run time and not given are
 *   written commented out.
 * Return: 0, or -EIO on a write error.
 */
int config_print(const struct enad_config *config, FILE *f, unsigned int flags);

#endif
