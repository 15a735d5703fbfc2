/* SPDX-License-Identifier: MIT */
/* The port's TAP as the host sees it: `ip link set ena0 mtu N` reaches the
 * device, or is refused and reverted. */
#include <errno.h>
#include <stdio.h>

#include "port_priv.h"

static void port_revert_mtu(struct port *p, uint32_t wanted, const char *why)
{
	int r;

	log_dev(LOG_WARNING, &p->log, "config", "mtu %u refused: %s; back to %u", wanted, why,
		p->cfg.mtu);
	r = link_set_mtu(p->ls, p->ifindex, p->cfg.mtu);
	if (r < 0)
		log_dev_errno(LOG_ERR, &p->log, "config", r, "%s", link_error_last());
}

static void port_link_event(const struct link_event *ev, void *userdata)
{
	struct port *p = userdata;
	uint32_t mtu = ev->cur.mtu, max;
	struct enad_device_config want;
	struct port_error err;
	char why[200];

	if (ev->changes & LINK_CHANGE_REMOVED) {
		log_dev(LOG_ERR, &p->log, "link", "TAP %s was deleted; it comes back with the next reset",
			ev->old.ifname);
		return;
	}
	if (ev->changes & LINK_CHANGE_NAME)
		log_dev(LOG_WARNING, &p->log, "link", "TAP renamed %s -> %s; control requests still use %s",
			ev->old.ifname, ev->cur.ifname, p->cfg.name);
	if (!(ev->changes & LINK_CHANGE_MTU) || mtu == p->cfg.mtu)
		return;
	max = p->dev ? ena_dev_attrs(p->dev)->max_mtu : 0;
	if (p->state != PORT_UP) {
		snprintf(why, sizeof(why), "port is %s", port_state_name(p->state));
		port_revert_mtu(p, mtu, why);
		return;
	}
	if (mtu < ENA_MIN_MTU || mtu > max) {
		snprintf(why, sizeof(why), "allowed %u..%u", ENA_MIN_MTU, max);
		port_revert_mtu(p, mtu, why);
		return;
	}
	want = p->cfg;
	want.mtu = mtu;
	want.has |= PARAM_HAS(PARAM_MTU);
	if (port_apply(p, &want, &err) < 0) {
		port_revert_mtu(p, mtu, err.msg);
		return;
	}
	log_dev(LOG_INFO, &p->log, "config", "mtu %u from the host applied to the device", mtu);
}

static void port_link_readable(evutil_socket_t fd, short what, void *arg)
{
	struct port *p = arg;
	int r = link_watch_dispatch(p->lw);

	if (r < 0)
		log_dev_errno(LOG_WARNING, &p->log, "link", r, "link events: %m");
}

int port_link_open(struct port *p)
{
	int r;

	if (!p->ls && (r = link_sock_open(&p->ls)) < 0)
		return log_dev_errno(LOG_ERR, &p->log, NULL, r, "rtnetlink: %m");
	if (!p->lw) {
		r = link_watch_open(p->ifindex, port_link_event, p, &p->lw);
		if (r < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, r, "link events: %m");
		p->lw_ev = event_new(p->base, link_watch_fd(p->lw), EV_READ | EV_PERSIST,
				     port_link_readable, p);
		if (!p->lw_ev || event_add(p->lw_ev, NULL) < 0)
			return log_dev_errno(LOG_ERR, &p->log, NULL, ENOMEM, "link event: %m");
	}
	return 0;
}

void port_link_close(struct port *p)
{
	port_event_free(&p->lw_ev);
	link_watch_close(p->lw);
	p->lw = NULL;
	link_sock_close(p->ls);
	p->ls = NULL;
}
