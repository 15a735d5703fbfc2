/* SPDX-License-Identifier: MIT */
/* enad's knobs: one table gives each its config key, control-API name, type,
 * range, default, how a change applies and where the value lives; one parser
 * checks a knob the same way for the config file, the control API and enactl. */
#ifndef ENAD_PARAMS_H
#define ENAD_PARAMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits every parser shares. */
#define PARAM_RSS_KEY_SIZE 40       /* bytes; ENA's Toeplitz key */
#define PARAM_QUEUES_MAX 128        /* IO queue pairs, ENA hard cap */
#define PARAM_CPUS_MAX 1024         /* CPU numbers 0..1023 */
#define PARAM_INDIR_MAX 1024        /* entries in an explicit indirection list */
#define PARAM_WEIGHT_MAX 65535      /* one rss_indir weight */
#define PARAM_PATH_MAX 108          /* sun_path, with the NUL */
#define PARAM_DEVICE_MAX (10 + PARAM_PATH_MAX) /* "vfio-user:" + path */
#define PARAM_GROUP_MAX 33          /* group name, with the NUL */
#define PARAM_IFNAME_MAX 16         /* IFNAMSIZ, with the NUL */
#define PARAM_FORMAT_MAX 8192       /* param_format() never needs more */

/* Every knob, global ones first. The id is also the knob's bit in the
 * `has` word of its section (PARAM_HAS). */
enum param_id {
	/* [global] */
	PARAM_CONTROL_SOCKET,
	PARAM_CONTROL_GROUP,
	PARAM_ADMIN_GROUP,
	PARAM_GLOBAL_LOG_LEVEL,
	/* [device NAME] */
	PARAM_DEVICE,
	PARAM_NUM_IO_QUEUES,
	PARAM_RX_QUEUE_SIZE,
	PARAM_TX_QUEUE_SIZE,
	PARAM_LLQ_POLICY,
	PARAM_FORCE_LARGE_LLQ_HEADER,
	PARAM_MTU,
	PARAM_RSS_KEY,
	PARAM_RSS_HASH_FUNCTION,
	PARAM_RSS_INDIR,
	PARAM_ENI_METRICS_SAMPLE_INTERVAL,
	PARAM_RX_USECS,
	PARAM_TX_USECS,
	PARAM_ADAPTIVE_RX,
	PARAM_RX_COPYBREAK,
	PARAM_TX_CHECKSUM,
	PARAM_RX_CHECKSUM,
	PARAM_TSO,
	PARAM_FRAG_BYPASS,
	PARAM_CPUS,
	PARAM_PIN_WORKERS,
	PARAM_NUMA_NODE,
	PARAM_KEEP_ALIVE_TIMEOUT_MS,
	PARAM_MISS_TX_TIMEOUT_S,
	PARAM_MISS_TX_THRESHOLD,
	PARAM_BUSY_POLL_US,
	PARAM_PERSISTENT_TAP,
	PARAM_DEVICE_LOG_LEVEL,
	PARAM__COUNT
};

/* Presence bit of a knob in a section's `has` word (a partial update names
 * exactly the knobs it sets; "0 means unchanged" is never used). */
#define PARAM_HAS(id) (UINT64_C(1) << (id))

enum param_type {
	PARAM_T_INT,    /* integer in [min,max], or the special value */
	PARAM_T_BOOL,   /* on|off */
	PARAM_T_ENUM,   /* one word of p->words */
	PARAM_T_HEXKEY, /* 40 bytes as 80 hex digits, optionally "aa:bb:..." */
	PARAM_T_CPUS,   /* CPU list: "0-3,6" */
	PARAM_T_PATH,   /* absolute path that fits sun_path */
	PARAM_T_GROUP,  /* a group name (existence is checked at run time) */
	PARAM_T_DEVICE, /* pci:DDDD:BB:DD.F | vfio-user:/PATH */
	PARAM_T_INDIR,  /* equal N | weight W0 W1 ... | Q0 Q1 ... */
};

enum param_scope {
	PARAM_SCOPE_GLOBAL, /* [global] -> struct enad_global_config */
	PARAM_SCOPE_DEVICE, /* [device NAME] -> struct enad_device_config */
};

/* How a changed value reaches a running daemon, mildest first. */
enum param_apply {
	PARAM_APPLY_LIVE,        /* applied at once, traffic keeps flowing */
	PARAM_APPLY_RECONFIGURE, /* applied live; IO queues stop and restart */
	PARAM_APPLY_RESET,       /* applied live through a device reset */
	PARAM_APPLY_RESTART,     /* needs the port re-created or enad restarted */
};

/* PARAM_T_INT flags */
#define PARAM_F_POW2 0x1u    /* value must be a power of two */
#define PARAM_F_SPECIAL 0x2u /* p->special is allowed outside [min,max] */

enum param_log_level { PARAM_LOG_ERR, PARAM_LOG_WARN, PARAM_LOG_INFO, PARAM_LOG_DEBUG };
enum param_llq_policy { PARAM_LLQ_RECOMMENDED, PARAM_LLQ_NORMAL, PARAM_LLQ_LARGE, PARAM_LLQ_OFF };
enum param_hfunc { PARAM_HFUNC_TOEPLITZ, PARAM_HFUNC_CRC32 };

/* A CPU set: bit n of bits[n / 64] = CPU n. */
struct param_cpus {
	uint64_t bits[PARAM_CPUS_MAX / 64];
};

enum param_indir_kind {
	PARAM_INDIR_DEFAULT, /* entry i -> queue i % queues (not parsed; the absent value) */
	PARAM_INDIR_EQUAL,   /* spread over queues 0..n-1 */
	PARAM_INDIR_WEIGHT,  /* queue q gets v[q] shares, n weights */
	PARAM_INDIR_LIST,    /* explicit entries v[0..n-1], n a power of 2, repeated to fill */
};

struct param_indir {
	enum param_indir_kind kind;
	uint16_t n;                  /* EQUAL: queues; WEIGHT/LIST: entries in v */
	uint16_t v[PARAM_INDIR_MAX];
};

/* One parsed value; the member follows p->type. */
union param_value {
	int64_t i;                          /* PARAM_T_INT */
	bool b;                             /* PARAM_T_BOOL */
	unsigned int e;                     /* PARAM_T_ENUM: index into p->words */
	uint8_t key[PARAM_RSS_KEY_SIZE];    /* PARAM_T_HEXKEY */
	struct param_cpus cpus;             /* PARAM_T_CPUS */
	char str[PARAM_DEVICE_MAX];         /* PARAM_T_PATH, PARAM_T_GROUP, PARAM_T_DEVICE */
	struct param_indir indir;           /* PARAM_T_INDIR */
};

struct param {
	enum param_id id;
	const char *key;          /* config key: "rx_queue_size" */
	const char *group;        /* control-API method group: "rings" (rings.get/set) */
	const char *name;         /* control-API / enactl word (ethtool's): "rx" */
	enum param_type type;
	enum param_scope scope;
	enum param_apply apply;
	int64_t min, max;         /* PARAM_T_INT range */
	unsigned int flags;       /* PARAM_F_* */
	int64_t special;          /* PARAM_F_SPECIAL: the extra value ... */
	const char *special_word; /* ... and what it means ("off", "auto") */
	const char *const *words; /* PARAM_T_ENUM: NULL-terminated word list */
	const char *dflt;         /* default as param_parse() text; NULL = decided at run time */
	const char *dflt_note;    /* with dflt NULL: what happens ("random at start") */
	size_t offset, size;      /* the field in the section struct */
	const char *help;         /* one line: what the knob means */
};

/* The table, indexed by enum param_id. */
extern const struct param param_table[PARAM__COUNT];

/* Why param_parse() refused a value. msg = "<key>: <reason> (allowed: <allowed>)",
 * e.g. "rx_queue_size: 300 is not a power of 2 (allowed: 256..16384, power of 2)";
 * reason and allowed are there separately for callers that name the field
 * their own way (the control API's JSON error data, enactl). */
struct param_error {
	const struct param *param;
	char reason[160];
	char allowed[160];
	char msg[400];
};

/**
 * param_find() - look a knob up by its config key.
 * @scope: the section kind the key appears in.
 * @key: config key, e.g. "mtu".
 * Return: the table entry, or NULL when @scope has no such key.
 */
const struct param *param_find(enum param_scope scope, const char *key);

/**
 * param_find_api() - look a device knob up by its control-API words.
 * @group: method group, e.g. "rings".
 * @name: parameter word, e.g. "rx".
 * Return: the device-scope entry, or NULL.
 */
const struct param *param_find_api(const char *group, const char *name);

/**
 * param_parse() - parse and check one value of knob @p.
 * @p: the knob.
 * @text: the value as written (already trimmed of surrounding whitespace).
 * @ret: the value on success; untouched on failure.
 * @err: filled on failure (may be NULL).
 * Return: 0, or -EINVAL when @text is not an allowed value.
 */
int param_parse(const struct param *p, const char *text, union param_value *ret,
		struct param_error *err);

/**
 * param_format() - write a value the way param_parse() reads it back.
 * @p: the knob.
 * @v: the value (valid for @p).
 * @buf: output, NUL-terminated; PARAM_FORMAT_MAX bytes always suffice.
 * @len: size of @buf.
 * Return: 0, or -ENOBUFS when @buf is too small (its content is then unspecified).
 */
int param_format(const struct param *p, const union param_value *v, char *buf, size_t len);

/**
 * param_allowed() - describe the allowed values of @p ("256..16384, power of 2").
 * @buf: output, NUL-terminated, truncated to @len.
 */
void param_allowed(const struct param *p, char *buf, size_t len);

/**
 * param_default() - the default value of @p.
 * @ret: the value on success; untouched on failure.
 * Return: 0, or -ENOENT when the default is decided at run time (p->dflt NULL).
 */
int param_default(const struct param *p, union param_value *ret);

/**
 * param_load() - read the value of @p out of its section struct.
 * @section: a struct enad_global_config or enad_device_config, per p->scope.
 * @ret: the value.
 */
void param_load(const struct param *p, const void *section, union param_value *ret);

/**
 * param_store() - write a value of @p into its section struct (not the has bit).
 * @v: a value param_parse() accepted for @p.
 * @section: a struct enad_global_config or enad_device_config, per p->scope.
 */
void param_store(const struct param *p, const union param_value *v, void *section);

/**
 * param_value_equal() - compare two values of @p (only the meaningful bytes).
 */
bool param_value_equal(const struct param *p, const union param_value *a,
		       const union param_value *b);

/**
 * param_ifname_valid() - is @name usable as a Linux interface name?
 * 1..15 bytes, printable, no '/', ':' or whitespace, not "." or "..".
 */
bool param_ifname_valid(const char *name);

/** param_apply_name() - "live", "reconfigure", "reset", "restart"; NULL if out of range. */
const char *param_apply_name(enum param_apply apply);

/** param_log_level_syslog() - the syslog priority (LOG_ERR..LOG_DEBUG) of a level. */
static inline int param_log_level_syslog(enum param_log_level level)
{
	static const int prio[] = { 3 /* LOG_ERR */, 4 /* LOG_WARNING */, 6 /* LOG_INFO */, 7 /* LOG_DEBUG */ };

	return (unsigned int)level < 4 ? prio[level] : 6;
}

/** param_log_level_name() - "err", "warn", "info", "debug"; NULL if out of range. */
const char *param_log_level_name(enum param_log_level level);

/**
 * param_cpus_count() - number of CPUs in @cpus.
 */
unsigned int param_cpus_count(const struct param_cpus *cpus);

/** param_cpus_and() - @a &= @b. Return: the CPUs left in @a. */
unsigned int param_cpus_and(struct param_cpus *a, const struct param_cpus *b);

/** param_cpus_has() - is CPU @cpu in @cpus? */
static inline bool param_cpus_has(const struct param_cpus *cpus, unsigned int cpu)
{
	return cpu < PARAM_CPUS_MAX && (cpus->bits[cpu / 64] >> (cpu % 64)) & 1;
}

/** param_cpus_set() - add CPU @cpu (< PARAM_CPUS_MAX) to @cpus. */
static inline void param_cpus_set(struct param_cpus *cpus, unsigned int cpu)
{
	cpus->bits[cpu / 64] |= UINT64_C(1) << (cpu % 64);
}

/**
 * param_indir_max_queue() - the highest queue an indirection spec sends to.
 * Return: the queue number, or -1 for PARAM_INDIR_DEFAULT (any configured queue).
 */
int param_indir_max_queue(const struct param_indir *indir);

#endif
