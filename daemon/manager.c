/* SPDX-License-Identifier: MIT */
/* The control thread: one libevent loop for signals, ports, the control
 * socket and the systemd watchdog. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "control.h"
#include "log.h"
#include "manager.h"
#include "notify.h"

struct manager {
	char *config_path;
	struct enad_config cfg;     /* as last read from the files */
	struct event_base *base;
	struct control *control;
	struct port **ports;
	unsigned int n_ports;
	struct event *sig_term, *sig_int, *sig_hup, *sig_usr2;
	struct event *watchdog_ev;
	bool faults;                /* ENAD_TEST_FAULTS=1: test hooks on SIGUSR2 */
	bool stopping;
	char restart_note[256];     /* keys changed by a reload that need a restart */
};

struct event_base *manager_event_base(const struct manager *m)
{
	return m->base;
}

const struct enad_config *manager_config(const struct manager *m)
{
	return &m->cfg;
}

unsigned int manager_n_ports(const struct manager *m)
{
	return m->n_ports;
}

struct port *manager_port(const struct manager *m, unsigned int i)
{
	return i < m->n_ports ? m->ports[i] : NULL;
}

struct port *manager_find_port(const struct manager *m, const char *name)
{
	if (!name || !*name)
		return m->n_ports == 1 ? m->ports[0] : NULL;
	for (unsigned int i = 0; i < m->n_ports; i++)
		if (!strcmp(port_name(m->ports[i]), name))
			return m->ports[i];
	return NULL;
}

void manager_set_log_level(struct manager *m, int level)
{
	log_set_level(level);
	log_info("log level %s", log_level_name(log_get_level()));
}

/* STATUS=: one line, kept current. */
static void manager_update_status(struct manager *m)
{
	char buf[1024];
	size_t len = 0;

	for (unsigned int i = 0; i < m->n_ports && len < sizeof(buf); i++) {
		struct port_info info;

		port_get_info(m->ports[i], &info);
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s: %s", i ? "; " : "", info.name,
					port_state_name(info.state));
		if (len >= sizeof(buf))
			break;
		if (info.state == PORT_UP)
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, ", %u queue(s), link %s",
						info.queues, info.link_up ? "up" : "down");
		else if (info.state_reason[0])
			len += (size_t)snprintf(buf + len, sizeof(buf) - len, " (%s)", info.state_reason);
	}
	if (!m->n_ports)
		snprintf(buf, sizeof(buf), "no ports configured");
	if (m->restart_note[0] && strlen(buf) + strlen(m->restart_note) + 3 < sizeof(buf))
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "; %s", m->restart_note);
	notify_status("%s", buf);
}

static void manager_port_event(void *userdata, struct port *p, const struct port_event *ev)
{
	struct manager *m = userdata;

	if (ev->kind == PORT_EVENT_STATE || ev->kind == PORT_EVENT_LINK)
		manager_update_status(m);
	if (m->control)
		control_port_event(m->control, p, ev);
}

/* WATCHDOG=1 only while every worker makes progress (the loop itself
 * does, or this timer would not run). */
static void manager_watchdog(evutil_socket_t fd, short what, void *arg)
{
	struct manager *m = arg;
	bool ok = true;

	for (unsigned int i = 0; i < m->n_ports; i++)
		if (!port_healthy(m->ports[i]))
			ok = false;
	if (ok)
		notify_watchdog();
	else
		log_err("a worker is stuck: not pinging the systemd watchdog");
}

/* ---- SIGHUP ---- */

static void note_restart(struct manager *m, const char *what)
{
	size_t len = strlen(m->restart_note);

	if (!len)
		len = (size_t)snprintf(m->restart_note, sizeof(m->restart_note), "restart needed for:");
	if (len < sizeof(m->restart_note))
		snprintf(m->restart_note + len, sizeof(m->restart_note) - len, " %s", what);
}

/* Copy knob @pp (value and has bit) from one section struct to another. */
static void copy_key(const struct param *pp, const void *from, uint64_t from_has, void *to,
		     uint64_t *to_has)
{
	union param_value v;
	uint64_t bit = PARAM_HAS(pp->id);

	param_load(pp, from, &v);
	param_store(pp, &v, to);
	*to_has = (*to_has & ~bit) | (from_has & bit);
}

/* Apply a reload's changes to one port; what was applied is copied into
 * @running, so the next reload compares against what really runs. */
static void manager_apply_port(struct manager *m, struct port *p,
			       const struct enad_device_config *newsec,
			       struct enad_device_config *running,
			       const struct config_change *changes, size_t n)
{
	struct enad_device_config want = *port_config(p);
	struct port_error err;
	bool any = false;
	char what[64];
	int r;

	for (size_t i = 0; i < n; i++) {
		const struct config_change *c = &changes[i];

		if (c->kind != CONFIG_CHANGE_KEY || strcmp(c->device, port_name(p)))
			continue;
		if (c->apply == PARAM_APPLY_RESTART) {
			snprintf(what, sizeof(what), "%s.%s", c->device, c->param->key);
			log_dev(LOG_WARNING, port_log(p), "config",
				"%s changed in the configuration: restart enad to apply it", c->param->key);
			note_restart(m, what);
			continue;
		}
		copy_key(c->param, newsec, newsec->has, &want, &want.has);
		any = true;
	}
	if (!any)
		return;
	r = port_apply(p, &want, &err);
	if (r < 0) {
		log_dev_errno(LOG_ERR, port_log(p), "config", r, "reload: %s", err.msg);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct config_change *c = &changes[i];

		if (c->kind == CONFIG_CHANGE_KEY && !strcmp(c->device, port_name(p)) &&
		    c->apply != PARAM_APPLY_RESTART)
			copy_key(c->param, newsec, newsec->has, running, &running->has);
	}
	log_dev(LOG_INFO, port_log(p), "config", "reload applied");
}

/* SIGHUP: compare the files with what runs, apply what can change live,
 * and say what needs a restart. The running configuration (m->cfg) takes
 * only what was applied, so a change that needs a restart is reported
 * again by every reload until enad restarts (or the file is reverted). */
static void manager_reload(struct manager *m)
{
	struct enad_config nc;
	struct config_error e;
	struct config_change *changes = NULL;
	enum param_apply apply;
	size_t n = 0;
	int r;

	notify_reloading();
	log_info("reloading %s", m->config_path);
	r = config_load(m->config_path, &nc, &e);
	if (r < 0) {
		log_err("reload failed, keeping the running configuration: %s", e.msg);
		notify_status("reload failed: %s", e.msg);
		notify_ready();
		return;
	}
	r = config_diff(&m->cfg, &nc, &changes, &n, &apply);
	if (r < 0) {
		log_errno(r, "reload: %m");
		config_free(&nc);
		notify_ready();
		return;
	}
	m->restart_note[0] = 0;
	for (size_t i = 0; i < n; i++) {
		const struct config_change *c = &changes[i];
		char what[64];

		if (c->kind != CONFIG_CHANGE_KEY) {
			snprintf(what, sizeof(what), "[device %s] %s", c->device,
				 c->kind == CONFIG_CHANGE_DEVICE_ADDED ? "added" : "removed");
			log_warn("%s: restart enad to apply", what);
			note_restart(m, what);
		} else if (!c->device[0]) {
			if (c->apply == PARAM_APPLY_RESTART) {
				log_warn("%s changed: restart enad to apply", c->param->key);
				note_restart(m, c->param->key);
				continue;
			}
			copy_key(c->param, &nc.global, nc.global.has, &m->cfg.global, &m->cfg.global.has);
			if (c->param->id == PARAM_GLOBAL_LOG_LEVEL)
				manager_set_log_level(m, param_log_level_syslog(nc.global.log_level));
		}
	}
	if (m->control)
		control_reconfigure(m->control, &m->cfg.global);
	for (unsigned int i = 0; i < m->n_ports; i++) {
		const struct enad_device_config *sec = config_find_device(&nc, port_name(m->ports[i]));
		struct enad_device_config *running =
			(struct enad_device_config *)config_find_device(&m->cfg, port_name(m->ports[i]));

		if (sec && running)
			manager_apply_port(m, m->ports[i], sec, running, changes, n);
	}
	free(changes);
	config_free(&nc);
	log_info("reload done: %zu change(s)%s%s", n, m->restart_note[0] ? "; " : "", m->restart_note);
	manager_update_status(m);
	notify_ready();
}

static void manager_signal(evutil_socket_t sig, short what, void *arg)
{
	struct manager *m = arg;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		log_info("%s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		m->stopping = true;
		event_base_loopbreak(m->base);
		break;
	case SIGHUP:
		manager_reload(m);
		break;
	case SIGUSR2:
		if (!m->faults)
			break;
		log_warn("test fault: stalling worker 0 of every port");
		for (unsigned int i = 0; i < m->n_ports; i++)
			port_stall_worker(m->ports[i], 0);
		break;
	}
}

/* ---- lifecycle ---- */

int manager_new(const char *config_path, struct enad_config *config, struct manager **ret)
{
	struct manager *m = calloc(1, sizeof(*m));
	const char *faults = getenv("ENAD_TEST_FAULTS");

	if (!m || !(m->config_path = strdup(config_path)) || !(m->base = event_base_new())) {
		config_free(config);
		manager_free(m);
		return -ENOMEM;
	}
	m->cfg = *config;
	memset(config, 0, sizeof(*config));
	m->faults = faults && !strcmp(faults, "1");
	*ret = m;
	return 0;
}

static int manager_add_signal(struct manager *m, int sig, struct event **ret)
{
	*ret = evsignal_new(m->base, sig, manager_signal, m);
	if (!*ret || event_add(*ret, NULL) < 0)
		return -ENOMEM;
	return 0;
}

int manager_run(struct manager *m)
{
	struct port_hooks hooks = { .event = manager_port_event, .userdata = m };
	uint64_t wd_usec = 0;
	unsigned int up = 0;
	int r;

	signal(SIGPIPE, SIG_IGN);
	if (manager_add_signal(m, SIGTERM, &m->sig_term) < 0 ||
	    manager_add_signal(m, SIGINT, &m->sig_int) < 0 ||
	    manager_add_signal(m, SIGHUP, &m->sig_hup) < 0 ||
	    manager_add_signal(m, SIGUSR2, &m->sig_usr2) < 0)
		return log_errno(ENOMEM, "signal handlers: %m");
	r = control_open(m, &m->cfg.global, &m->control);
	if (r < 0)
		return r;

	m->ports = calloc(m->cfg.n_devices ? m->cfg.n_devices : 1, sizeof(*m->ports));
	if (!m->ports)
		return log_errno(ENOMEM, "ports: %m");
	for (unsigned int i = 0; i < m->cfg.n_devices; i++) {
		r = port_create(m->base, &m->cfg.devices[i], &hooks, &m->ports[i]);
		if (r < 0)
			return log_errno(r, "port %s: %m", m->cfg.devices[i].name);
		m->n_ports = i + 1;
	}
	/* a port that cannot come up now is FAILED and keeps trying by itself */
	for (unsigned int i = 0; i < m->n_ports; i++)
		if (port_start(m->ports[i]) == 0)
			up++;

	r = notify_watchdog_interval(&wd_usec);
	if (r < 0)
		log_warn_errno(r, "WATCHDOG_USEC: %m; watchdog pings off");
	if (wd_usec) {
		struct timeval tv = { .tv_sec = (time_t)(wd_usec / 1000000),
				      .tv_usec = (suseconds_t)(wd_usec % 1000000) };

		m->watchdog_ev = event_new(m->base, -1, EV_PERSIST, manager_watchdog, m);
		if (!m->watchdog_ev || event_add(m->watchdog_ev, &tv) < 0)
			return log_errno(ENOMEM, "watchdog timer: %m");
	}
	manager_update_status(m);
	notify_ready();
	log_info("enad %s ready: %u of %u port(s) up", ENAD_VERSION, up, m->n_ports);

	event_base_dispatch(m->base);

	notify_stopping();
	notify_status("stopping");
	control_close(m->control);
	m->control = NULL;
	for (unsigned int i = 0; i < m->n_ports; i++)
		port_stop(m->ports[i]);
	log_info("stopped");
	return 0;
}

void manager_free(struct manager *m)
{
	if (!m)
		return;
	control_close(m->control);
	for (unsigned int i = 0; i < m->n_ports; i++)
		port_free(m->ports[i]);
	free(m->ports);
	if (m->watchdog_ev)
		event_free(m->watchdog_ev);
	if (m->sig_term)
		event_free(m->sig_term);
	if (m->sig_int)
		event_free(m->sig_int);
	if (m->sig_hup)
		event_free(m->sig_hup);
	if (m->sig_usr2)
		event_free(m->sig_usr2);
	if (m->base)
		event_base_free(m->base);
	config_free(&m->cfg);
	free(m->config_path);
	free(m);
}
