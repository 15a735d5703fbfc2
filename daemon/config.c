/* SPDX-License-Identifier: MIT */
/* Load, check, compare and print enad's INI configuration (libinih). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"
#include "params.h"

enum { CUR_NONE = -2, CUR_GLOBAL = -1 };

struct load_ctx {
	struct enad_config *cfg;
	struct config_error *err;
	int r;                  /* first error (negative errno), 0 while fine */
	uint16_t file;          /* index of the file being read in cfg->files */
	const char *data;       /* its content */
	size_t len, pos;
	unsigned int line;      /* number of the line last handed to inih */
	const char *text;       /* that line (for syntax errors) */
	size_t text_len;
	int cur;                /* CUR_NONE, CUR_GLOBAL or a device index */
	int global_header_file; /* file with the last [global], -1: none */
	int16_t header_file[CONFIG_PORTS_MAX]; /* same per device */
	uint32_t header_line[CONFIG_PORTS_MAX];
	uint32_t global_header_line;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Printable, bounded copy of untrusted text for a message. */
static void show(const char *text, size_t len, char *buf, size_t size)
{
	size_t n = 0, max = size > 44 ? 40 : size - 4;
	size_t i = 0;

	for (; i < len && text[i] && n < max; i++)
		buf[n++] = (text[i] >= 0x20 && text[i] < 0x7f) ? text[i] : '?';
	if (i < len && text[i]) {
		memcpy(buf + n, "...", 3);
		n += 3;
	}
	buf[n] = '\0';
}

static int error_set(struct config_error *err, int r, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int error_set(struct config_error *err, int r, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return r;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->line = line;
	return r;
}

static const char *file_name(const struct enad_config *cfg, uint16_t file)
{
	return file < cfg->n_files ? cfg->files[file] : "(none)";
}

/* Record the first error of a load; the message starts with "FILE:LINE: ". */
static int ctx_fail(struct load_ctx *c, int r, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int ctx_fail(struct load_ctx *c, int r, unsigned int line, const char *fmt, ...)
{
	char what[sizeof(c->err->msg)];
	va_list ap;

	if (c->r)
		return c->r;
	c->r = r;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line)
		error_set(c->err, r, line, "%s:%u: %s", file_name(c->cfg, c->file), line, what);
	else
		error_set(c->err, r, 0, "%s: %s", file_name(c->cfg, c->file), what);
	return r;
}

/* ---- defaults ---- */

static void section_defaults(enum param_scope scope, void *section)
{
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];
		union param_value v;

		if (p->scope == scope && param_default(p, &v) == 0)
			param_store(p, &v, section);
	}
}

void config_init(struct enad_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	section_defaults(PARAM_SCOPE_GLOBAL, &ret->global);
}

void config_device_defaults(const struct enad_global_config *global, const char *name,
			    struct enad_device_config *ret)
{
	memset(ret, 0, sizeof(*ret));
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	section_defaults(PARAM_SCOPE_DEVICE, ret);
	ret->log_level = global->log_level;
	ret->rss_indir.kind = PARAM_INDIR_DEFAULT;
}

void config_free(struct enad_config *config)
{
	if (!config)
		return;
	for (unsigned int i = 0; i < config->n_files; i++)
		free(config->files[i]);
	free(config->files);
	free(config->devices);
	memset(config, 0, sizeof(*config));
}

const struct enad_device_config *config_find_device(const struct enad_config *config,
						    const char *name)
{
	for (unsigned int i = 0; i < config->n_devices; i++)
		if (strcmp(config->devices[i].name, name) == 0)
			return &config->devices[i];
	return NULL;
}

static int device_index(const struct enad_config *cfg, const char *name)
{
	const struct enad_device_config *d = config_find_device(cfg, name);

	return d ? (int)(d - cfg->devices) : -1;
}

/* ---- sections ---- */

#define IFNAME_ALLOWED "1..15 printable characters, no '/', ':' or whitespace, not . or .."

static int device_add(struct load_ctx *c, const char *name, unsigned int line)
{
	struct enad_config *cfg = c->cfg;
	struct enad_device_config *devs;

	if (cfg->n_devices >= CONFIG_PORTS_MAX)
		return ctx_fail(c, -E2BIG, line, "[device %s]: too many ports (allowed: at most %d)",
				name, CONFIG_PORTS_MAX);
	devs = realloc(cfg->devices, (cfg->n_devices + 1) * sizeof(*devs));
	if (!devs)
		return ctx_fail(c, -ENOMEM, line, "out of memory");
	cfg->devices = devs;
	config_device_defaults(&cfg->global, name, &devs[cfg->n_devices]);
	devs[cfg->n_devices].section = (struct config_origin){ .file = c->file, .line = line };
	c->header_file[cfg->n_devices] = -1;
	cfg->n_devices++;
	return (int)cfg->n_devices - 1;
}

/* A "[...]" line (leading blanks gone): open that section. */
static int section_open(struct load_ctx *c, const char *text, size_t len)
{
	const char *close = memchr(text, ']', len);
	const char *in, *end, *rest;
	char shown[48];
	int idx;

	if (!close)
		return ctx_fail(c, -EINVAL, c->line, "section header without ']'");
	for (rest = close + 1; rest < text + len && is_blank(*rest); rest++)
		;
	if (rest < text + len && *rest != '#' && *rest != ';')
		return ctx_fail(c, -EINVAL, c->line, "text after a section header");
	in = text + 1;
	end = close;
	while (in < end && is_blank(*in))
		in++;
	while (end > in && is_blank(end[-1]))
		end--;
	show(in, (size_t)(end - in), shown, sizeof(shown));

	if ((size_t)(end - in) == 6 && memcmp(in, "global", 6) == 0) {
		if (c->global_header_file == c->file)
			return ctx_fail(c, -EINVAL, c->line,
					"[global]: section repeated in one file (first at line %u)",
					c->global_header_line);
		if (c->global_header_file < 0)
			c->cfg->global.section = (struct config_origin){ c->file, c->line };
		c->global_header_file = c->file;
		c->global_header_line = c->line;
		c->cur = CUR_GLOBAL;
		return 0;
	}
	if ((size_t)(end - in) >= 6 && memcmp(in, "device", 6) == 0 &&
	    (end - in == 6 || is_blank(in[6]))) {
		char name[PARAM_IFNAME_MAX + 1];
		const char *n = in + 6;
		size_t nlen;

		while (n < end && is_blank(*n))
			n++;
		nlen = (size_t)(end - n);
		show(n, nlen, shown, sizeof(shown));
		if (nlen == 0)
			return ctx_fail(c, -EINVAL, c->line,
					"[device]: missing interface name (allowed: [device NAME])");
		if (nlen >= PARAM_IFNAME_MAX)
			return ctx_fail(c, -EINVAL, c->line,
					"[device %s]: interface name too long (allowed: %s)", shown,
					IFNAME_ALLOWED);
		memcpy(name, n, nlen);
		name[nlen] = '\0';
		if (!param_ifname_valid(name))
			return ctx_fail(c, -EINVAL, c->line,
					"[device %s]: invalid interface name (allowed: %s)", shown,
					IFNAME_ALLOWED);
		idx = device_index(c->cfg, name);
		if (idx >= 0 && c->header_file[idx] == c->file)
			return ctx_fail(c, -EINVAL, c->line,
					"[device %s]: section repeated in one file (first at line %u)",
					name, c->header_line[idx]);
		if (idx < 0) {
			idx = device_add(c, name, c->line);
			if (idx < 0)
				return idx;
		}
		c->header_file[idx] = (int16_t)c->file;
		c->header_line[idx] = c->line;
		c->cur = idx;
		return 0;
	}
	return ctx_fail(c, -EINVAL, c->line, "[%s]: unknown section (allowed: [global], [device NAME])",
			shown);
}

/* ---- libinih callbacks ---- */

/* Hand inih one physical line at a time, so its line numbers are ours.
 * Section headers are handled here (inih would truncate long ones) and
 * passed on as blank lines; leading blanks are dropped so no line is
 * taken as a continuation of the previous value. */
static char *reader(char *str, int num, void *stream)
{
	struct load_ctx *c = stream;
	const char *start, *nl;
	size_t len;

	if (c->r || c->pos >= c->len)
		return NULL;
	start = c->data + c->pos;
	nl = memchr(start, '\n', c->len - c->pos);
	len = nl ? (size_t)(nl - start) : c->len - c->pos;
	c->pos += len + (nl ? 1 : 0);
	c->line++;
	if (len && start[len - 1] == '\r')
		len--;
	if (len > CONFIG_LINE_MAX) {
		ctx_fail(c, -EINVAL, c->line, "line too long (allowed: at most %d bytes)",
			 CONFIG_LINE_MAX);
		return NULL;
	}
	if (memchr(start, '\0', len)) {
		ctx_fail(c, -EINVAL, c->line, "NUL byte in line");
		return NULL;
	}
	if (c->line == 1 && len >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
		start += 3;
		len -= 3;
	}
	while (len && is_blank(*start)) {
		start++;
		len--;
	}
	c->text = start;
	c->text_len = len;
	if (num < 2 || len + 2 > (size_t)num) {
		ctx_fail(c, -EINVAL, c->line, "line too long (allowed: at most %d bytes)", num - 2);
		return NULL;
	}
	if (len && start[0] == '[') {
		if (section_open(c, start, len) < 0)
			return NULL;
		len = 0;
	}
	memcpy(str, start, len);
	str[len] = '\n';
	str[len + 1] = '\0';
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct load_ctx *c = user;
	struct enad_config *cfg = c->cfg;
	enum param_scope scope = c->cur == CUR_GLOBAL ? PARAM_SCOPE_GLOBAL : PARAM_SCOPE_DEVICE;
	struct config_origin *origin;
	const struct param *p;
	struct param_error perr;
	union param_value v;
	uint64_t *has;
	void *sect;
	char shown[48];

	if (c->r)
		return 0;
	show(name, strlen(name), shown, sizeof(shown));
	if (c->cur == CUR_NONE) {
		ctx_fail(c, -EINVAL, c->line,
			 "%s: key outside of a section (allowed: after [global] or [device NAME])",
			 shown);
		return 0;
	}
	p = param_find(scope, name);
	if (!p) {
		if (scope == PARAM_SCOPE_GLOBAL)
			ctx_fail(c, -EINVAL, c->line, "%s: unknown key in [global]", shown);
		else
			ctx_fail(c, -EINVAL, c->line, "%s: unknown key in [device %s]", shown,
				 cfg->devices[c->cur].name);
		return 0;
	}
	if (scope == PARAM_SCOPE_GLOBAL) {
		sect = &cfg->global;
		has = &cfg->global.has;
		origin = &cfg->global.origin[p->id];
	} else {
		sect = &cfg->devices[c->cur];
		has = &cfg->devices[c->cur].has;
		origin = &cfg->devices[c->cur].origin[p->id];
	}
	if ((*has & PARAM_HAS(p->id)) && origin->file == c->file) {
		ctx_fail(c, -EINVAL, c->line, "%s: duplicate key (first set at line %u)", p->key,
			 origin->line);
		return 0;
	}
	if (param_parse(p, value, &v, &perr) < 0) {
		ctx_fail(c, -EINVAL, c->line, "%s", perr.msg);
		return 0;
	}
	param_store(p, &v, sect);
	*has |= PARAM_HAS(p->id);
	*origin = (struct config_origin){ .file = c->file, .line = c->line };
	return 1;
}

/* ---- files ---- */

static int file_add(struct load_ctx *c, const char *name)
{
	struct enad_config *cfg = c->cfg;
	char **files;

	if (cfg->n_files > CONFIG_FILES_MAX)
		return error_set(c->err, c->r = -E2BIG, 0,
				 "%s: too many configuration files (allowed: at most %d drop-ins)",
				 name, CONFIG_FILES_MAX);
	files = realloc(cfg->files, (cfg->n_files + 1) * sizeof(*files));
	if (!files)
		return error_set(c->err, c->r = -ENOMEM, 0, "%s: out of memory", name);
	cfg->files = files;
	files[cfg->n_files] = strdup(name);
	if (!files[cfg->n_files])
		return error_set(c->err, c->r = -ENOMEM, 0, "%s: out of memory", name);
	c->file = (uint16_t)cfg->n_files++;
	return 0;
}

/* Parse one file's content into c->cfg (a file after file_add()). */
static int buffer_parse(struct load_ctx *c, const char *data, size_t len)
{
	/* libinih's options are process globals (Debian builds them as such):
	 * set ours for this parse and put the caller's back. */
	int saved_max = ini_max_line, saved_alloc = ini_initial_alloc;
	bool saved_stack = ini_use_stack, saved_realloc = ini_allow_realloc;
	bool saved_multi = ini_allow_multiline, saved_bom = ini_allow_bom;
	bool saved_inline = ini_allow_inline_comments, saved_stop = ini_stop_on_first_error;
	bool saved_novalue = ini_allow_no_value;
	char *saved_start = ini_start_comment_prefixes, *saved_prefixes = ini_inline_comment_prefixes;
	static char start_prefixes[] = "#;", inline_prefixes[] = "#;";
	int r;

	if (len > CONFIG_FILE_SIZE_MAX)
		return ctx_fail(c, -EFBIG, 0, "file too large (allowed: at most %u bytes)",
				CONFIG_FILE_SIZE_MAX);
	c->data = data;
	c->len = len;
	c->pos = 0;
	c->line = 0;
	c->cur = CUR_NONE;

	ini_max_line = CONFIG_LINE_MAX + 3;
	ini_initial_alloc = CONFIG_LINE_MAX + 3;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_allow_multiline = false;
	ini_allow_bom = false;
	ini_allow_inline_comments = true;
	ini_start_comment_prefixes = start_prefixes;
	ini_inline_comment_prefixes = inline_prefixes;
	ini_stop_on_first_error = true;
	ini_allow_no_value = false;
	r = ini_parse_stream(reader, c, handler, c);
	ini_max_line = saved_max;
	ini_initial_alloc = saved_alloc;
	ini_use_stack = saved_stack;
	ini_allow_realloc = saved_realloc;
	ini_allow_multiline = saved_multi;
	ini_allow_bom = saved_bom;
	ini_allow_inline_comments = saved_inline;
	ini_start_comment_prefixes = saved_start;
	ini_inline_comment_prefixes = saved_prefixes;
	ini_stop_on_first_error = saved_stop;
	ini_allow_no_value = saved_novalue;

	if (c->r)
		return c->r;
	if (r == -2)
		return ctx_fail(c, -ENOMEM, 0, "out of memory");
	if (r != 0) {
		char shown[48];

		show(c->text, c->text_len, shown, sizeof(shown));
		return ctx_fail(c, -EINVAL, (unsigned int)r,
				"%s: not a section header, key = value or comment", shown);
	}
	return 0;
}

static int file_load(struct load_ctx *c, const char *path)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	int fd, r;

	r = file_add(c, path);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		r = -errno;
		return ctx_fail(c, r, 0, "cannot open: %s", strerror(-r));
	}
	if (fstat(fd, &st) < 0) {
		r = -errno;
		ctx_fail(c, r, 0, "cannot stat: %s", strerror(-r));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		r = ctx_fail(c, -EINVAL, 0, "not a regular file");
		goto out_close;
	}
	if (st.st_size > CONFIG_FILE_SIZE_MAX) {
		r = ctx_fail(c, -EFBIG, 0, "file too large (allowed: at most %u bytes)",
			     CONFIG_FILE_SIZE_MAX);
		goto out_close;
	}
	/* One byte more than the limit, to notice a file that grew. */
	data = malloc(CONFIG_FILE_SIZE_MAX + 1);
	if (!data) {
		r = ctx_fail(c, -ENOMEM, 0, "out of memory");
		goto out_close;
	}
	for (;;) {
		ssize_t n = read(fd, data + len, CONFIG_FILE_SIZE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			ctx_fail(c, r, 0, "cannot read: %s", strerror(-r));
			goto out_free;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > CONFIG_FILE_SIZE_MAX)
			break;
	}
	r = buffer_parse(c, data, len);
out_free:
	free(data);
out_close:
	close(fd);
	return r;
}

static int name_compare(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool dropin_name(const char *name)
{
	size_t len = strlen(name);

	return name[0] != '.' && len > 5 && strcmp(name + len - 5, ".conf") == 0;
}

/* @path.d/NAME.conf in name order. */
static int dropins_load(struct load_ctx *c, const char *path)
{
	char *names[CONFIG_FILES_MAX];
	unsigned int n = 0;
	struct dirent *de;
	char *dir, *file;
	DIR *d;
	int r = 0;

	if (asprintf(&dir, "%s.d", path) < 0)
		return error_set(c->err, c->r = -ENOMEM, 0, "%s: out of memory", path);
	d = opendir(dir);
	if (!d) {
		r = errno == ENOENT || errno == ENOTDIR ? 0 : -errno;
		if (r < 0)
			error_set(c->err, c->r = r, 0, "%s: cannot open directory: %s", dir,
				  strerror(-r));
		free(dir);
		return r;
	}
	while ((de = readdir(d))) {
		if (!dropin_name(de->d_name))
			continue;
		if (n == CONFIG_FILES_MAX) {
			r = error_set(c->err, c->r = -E2BIG, 0,
				      "%s: too many configuration files (allowed: at most %d)", dir,
				      CONFIG_FILES_MAX);
			goto out;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			r = error_set(c->err, c->r = -ENOMEM, 0, "%s: out of memory", dir);
			goto out;
		}
		n++;
	}
	qsort(names, n, sizeof(names[0]), name_compare);
	for (unsigned int i = 0; i < n && r == 0; i++) {
		if (asprintf(&file, "%s/%s", dir, names[i]) < 0) {
			r = error_set(c->err, c->r = -ENOMEM, 0, "%s: out of memory", dir);
			break;
		}
		r = file_load(c, file);
		free(file);
	}
out:
	for (unsigned int i = 0; i < n; i++)
		free(names[i]);
	closedir(d);
	free(dir);
	return r;
}

/* ---- whole-configuration checks ---- */

static bool origin_before(struct config_origin a, struct config_origin b)
{
	return a.file < b.file || (a.file == b.file && a.line < b.line);
}

/* "line 5" in the same file as @here, else "FILE:5". */
static void origin_ref(const struct enad_config *cfg, struct config_origin at,
		       struct config_origin here, char *buf, size_t len)
{
	if (at.file == here.file)
		snprintf(buf, len, "line %u", at.line);
	else
		snprintf(buf, len, "%s:%u", file_name(cfg, at.file), at.line);
}

static int fail_at(struct load_ctx *c, struct config_origin at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct load_ctx *c, struct config_origin at, const char *fmt, ...)
{
	char what[sizeof(c->err->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	c->file = at.file;
	return ctx_fail(c, -EINVAL, at.line, "%s", what);
}

static void value_show(const struct param *p, const void *section, char *buf, size_t len)
{
	union param_value v;
	char text[PARAM_FORMAT_MAX];

	param_load(p, section, &v);
	if (param_format(p, &v, text, sizeof(text)) < 0)
		snprintf(text, sizeof(text), "?");
	show(text, strlen(text), buf, len);
}

/* Two keys of @d that cannot be set together: report at the later one. */
static int conflict(struct load_ctx *c, const struct enad_device_config *d, enum param_id a,
		    const char *allowed_a, enum param_id b, const char *allowed_b)
{
	const struct param *pa = &param_table[a], *pb = &param_table[b];
	char va[48], vb[48], ref[PARAM_PATH_MAX * 2];
	struct config_origin oa = d->origin[a], ob = d->origin[b];

	value_show(pa, d, va, sizeof(va));
	value_show(pb, d, vb, sizeof(vb));
	if (!(d->has & PARAM_HAS(b)) || ((d->has & PARAM_HAS(a)) && origin_before(ob, oa))) {
		/* a is the later (or only) one */
		if (d->has & PARAM_HAS(b)) {
			origin_ref(c->cfg, ob, oa, ref, sizeof(ref));
			return fail_at(c, oa, "%s: %s conflicts with %s = %s at %s (allowed: %s)",
				       pa->key, va, pb->key, vb, ref, allowed_a);
		}
		return fail_at(c, oa, "%s: %s conflicts with %s = %s (default) (allowed: %s)",
			       pa->key, va, pb->key, vb, allowed_a);
	}
	if (d->has & PARAM_HAS(a)) {
		origin_ref(c->cfg, oa, ob, ref, sizeof(ref));
		return fail_at(c, ob, "%s: %s conflicts with %s = %s at %s (allowed: %s)", pb->key,
			       vb, pa->key, va, ref, allowed_b);
	}
	return fail_at(c, ob, "%s: %s conflicts with %s = %s (default) (allowed: %s)", pb->key, vb,
		       pa->key, va, allowed_b);
}

static int device_check(struct load_ctx *c, struct enad_device_config *d)
{
	struct enad_config *cfg = c->cfg;

	if (!(d->has & PARAM_HAS(PARAM_DEVICE)))
		return fail_at(c, d->section, "device: required key missing in [device %s]", d->name);
	for (struct enad_device_config *o = cfg->devices; o < d; o++)
		if (strcmp(o->device, d->device) == 0) {
			char ref[PARAM_PATH_MAX * 2];

			origin_ref(cfg, o->origin[PARAM_DEVICE], d->origin[PARAM_DEVICE], ref,
				   sizeof(ref));
			return fail_at(c, d->origin[PARAM_DEVICE],
				       "device: %s is already used by [device %s] at %s "
				       "(allowed: one port per device)",
				       d->device, o->name, ref);
		}
	if (!(d->has & PARAM_HAS(PARAM_DEVICE_LOG_LEVEL)))
		d->log_level = cfg->global.log_level;

	if (d->force_large_llq_header &&
	    (d->llq_policy == PARAM_LLQ_OFF || d->llq_policy == PARAM_LLQ_NORMAL))
		return conflict(c, d, PARAM_FORCE_LARGE_LLQ_HEADER,
				"off when llq_policy is normal or off", PARAM_LLQ_POLICY,
				"recommended|large when force_large_llq_header is on");

	if ((d->has & PARAM_HAS(PARAM_RSS_INDIR)) && d->num_io_queues &&
	    param_indir_max_queue(&d->rss_indir) >= (int)d->num_io_queues) {
		char allowed_indir[64], allowed_queues[64];

		snprintf(allowed_indir, sizeof(allowed_indir), "queues 0..%u", d->num_io_queues - 1);
		snprintf(allowed_queues, sizeof(allowed_queues), "0 (auto) or %d..%d",
			 param_indir_max_queue(&d->rss_indir) + 1, PARAM_QUEUES_MAX);
		return conflict(c, d, PARAM_RSS_INDIR, allowed_indir, PARAM_NUM_IO_QUEUES,
				allowed_queues);
	}
	return 0;
}

static int config_check(struct load_ctx *c)
{
	for (unsigned int i = 0; i < c->cfg->n_devices; i++) {
		int r = device_check(c, &c->cfg->devices[i]);

		if (r < 0)
			return r;
	}
	return 0;
}

static void ctx_init(struct load_ctx *c, struct enad_config *cfg, struct config_error *err)
{
	memset(c, 0, sizeof(*c));
	c->cfg = cfg;
	c->err = err;
	c->global_header_file = -1;
	c->cur = CUR_NONE;
	config_init(cfg);
	if (err) {
		err->msg[0] = '\0';
		err->line = 0;
	}
}

int config_load(const char *path, struct enad_config *ret, struct config_error *err)
{
	struct enad_config cfg;
	struct load_ctx c;
	int r;

	if (!path || !ret)
		return -EINVAL;
	ctx_init(&c, &cfg, err);
	r = file_load(&c, path);
	if (r == 0)
		r = dropins_load(&c, path);
	if (r == 0)
		r = config_check(&c);
	if (r < 0) {
		config_free(&cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}

int config_load_buffer(const char *name, const char *data, size_t len, struct enad_config *ret,
		       struct config_error *err)
{
	struct enad_config cfg;
	struct load_ctx c;
	int r;

	if (!name || (!data && len) || !ret)
		return -EINVAL;
	ctx_init(&c, &cfg, err);
	r = file_add(&c, name);
	if (r == 0)
		r = buffer_parse(&c, data, len);
	if (r == 0)
		r = config_check(&c);
	if (r < 0) {
		config_free(&cfg);
		return r;
	}
	*ret = cfg;
	return 0;
}

/* ---- diff ---- */

struct changes {
	struct config_change *v;
	size_t n, cap;
	enum param_apply worst;
};

static int change_add(struct changes *ch, enum config_change_kind kind, const char *device,
		      const struct param *p, enum param_apply apply)
{
	if (ch->n == ch->cap) {
		size_t cap = ch->cap ? ch->cap * 2 : 16;
		struct config_change *v = realloc(ch->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		ch->v = v;
		ch->cap = cap;
	}
	ch->v[ch->n] = (struct config_change){ .kind = kind, .param = p, .apply = apply };
	snprintf(ch->v[ch->n].device, sizeof(ch->v[ch->n].device), "%s", device ? device : "");
	ch->n++;
	if (apply > ch->worst)
		ch->worst = apply;
	return 0;
}

bool config_key_changed(const struct param *p, const void *a, uint64_t has_a, const void *b,
			uint64_t has_b)
{
	union param_value va, vb;
	bool ga = has_a & PARAM_HAS(p->id), gb = has_b & PARAM_HAS(p->id);

	if (!p->dflt && p->id != PARAM_DEVICE_LOG_LEVEL) {
		if (!ga && !gb)
			return false;
		if (ga != gb)
			return true;
	}
	param_load(p, a, &va);
	param_load(p, b, &vb);
	return !param_value_equal(p, &va, &vb);
}

static int section_diff(struct changes *ch, enum param_scope scope, const char *device,
			const void *a, uint64_t has_a, const void *b, uint64_t has_b)
{
	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];

		if (p->scope == scope && config_key_changed(p, a, has_a, b, has_b) &&
		    change_add(ch, CONFIG_CHANGE_KEY, device, p, p->apply) < 0)
			return -ENOMEM;
	}
	return 0;
}

int config_diff(const struct enad_config *old, const struct enad_config *new,
		struct config_change **ret_changes, size_t *ret_n, enum param_apply *ret_apply)
{
	struct changes ch = { .worst = PARAM_APPLY_LIVE };

	if (!old || !new || !ret_changes || !ret_n)
		return -EINVAL;
	if (section_diff(&ch, PARAM_SCOPE_GLOBAL, NULL, &old->global, old->global.has, &new->global,
			 new->global.has) < 0)
		goto fail;
	for (unsigned int i = 0; i < old->n_devices; i++) {
		const struct enad_device_config *a = &old->devices[i];
		const struct enad_device_config *b = config_find_device(new, a->name);

		if (!b) {
			if (change_add(&ch, CONFIG_CHANGE_DEVICE_REMOVED, a->name, NULL,
				       PARAM_APPLY_RESTART) < 0)
				goto fail;
			continue;
		}
		if (section_diff(&ch, PARAM_SCOPE_DEVICE, a->name, a, a->has, b, b->has) < 0)
			goto fail;
	}
	for (unsigned int i = 0; i < new->n_devices; i++)
		if (!config_find_device(old, new->devices[i].name) &&
		    change_add(&ch, CONFIG_CHANGE_DEVICE_ADDED, new->devices[i].name, NULL,
			       PARAM_APPLY_RESTART) < 0)
			goto fail;
	*ret_changes = ch.v;
	*ret_n = ch.n;
	if (ret_apply)
		*ret_apply = ch.worst;
	return 0;
fail:
	free(ch.v);
	return -ENOMEM;
}

/* ---- print ---- */

static void section_print(const struct enad_config *cfg, enum param_scope scope,
			  const void *section, uint64_t has, const struct config_origin *origin,
			  FILE *f, unsigned int flags)
{
	char text[PARAM_FORMAT_MAX];

	for (unsigned int i = 0; i < PARAM__COUNT; i++) {
		const struct param *p = &param_table[i];
		bool given = has & PARAM_HAS(p->id);
		union param_value v;

		if (p->scope != scope || (!given && !(flags & CONFIG_PRINT_DEFAULTS)))
			continue;
		if (!given && !p->dflt && p->id != PARAM_DEVICE_LOG_LEVEL) {
			fprintf(f, "# %s = (%s)\n", p->key, p->dflt_note ? p->dflt_note : "not set");
			continue;
		}
		param_load(p, section, &v);
		if (param_format(p, &v, text, sizeof(text)) < 0)
			continue;
		fprintf(f, "%s = %s", p->key, text);
		if (flags & CONFIG_PRINT_ORIGIN) {
			if (given && origin[p->id].line)
				fprintf(f, "  # %s:%u", file_name(cfg, origin[p->id].file),
					origin[p->id].line);
			else if (given)
				fprintf(f, "  # set");
			else if (p->id == PARAM_DEVICE_LOG_LEVEL)
				fprintf(f, "  # from [global]");
			else
				fprintf(f, "  # default");
		}
		fputc('\n', f);
	}
}

int config_print(const struct enad_config *config, FILE *f, unsigned int flags)
{
	fprintf(f, "[global]\n");
	section_print(config, PARAM_SCOPE_GLOBAL, &config->global, config->global.has,
		      config->global.origin, f, flags);
	for (unsigned int i = 0; i < config->n_devices; i++) {
		const struct enad_device_config *d = &config->devices[i];

		fprintf(f, "\n[device %s]\n", d->name);
		section_print(config, PARAM_SCOPE_DEVICE, d, d->has, d->origin, f, flags);
	}
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	return 0;
}
