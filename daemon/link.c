/* SPDX-License-Identifier: MIT */
/* The TAP as a network interface: MAC, MTU, up/down and change events over rtnetlink. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/rtnetlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/socket.h>

#include "link.h"

#define LINK_WATCH_RCVBUF (1 << 20)
#define LINK_WATCH_BATCH 256

struct link_sock {
	struct nl_sock *sk;
};

struct link_watch {
	struct nl_sock *sk;
	int ifindex;
	bool removed;
	struct link_info last;
	link_watch_fn fn;
	void *userdata;
};

static __thread char last_error[256];

const char *link_error_last(void)
{
	return last_error;
}

static int link_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int link_fail(int err, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	n = strlen(last_error);
	snprintf(last_error + n, sizeof(last_error) - n, ": %s", strerror(-err));
	return err;
}

/* libnl error (negative NLE_*) to negative errno: the one place this is decided. */
static int nl_to_errno(int nle)
{
	switch (nle < 0 ? -nle : nle) {
	case NLE_SUCCESS: return 0;
	case NLE_INTR: return -EINTR;
	case NLE_BAD_SOCK: return -EBADF;
	case NLE_AGAIN: return -EAGAIN;
	case NLE_NOMEM: return -ENOMEM;		/* also how libnl reports ENOBUFS */
	case NLE_EXIST: return -EEXIST;
	case NLE_INVAL: return -EINVAL;
	case NLE_RANGE: return -ERANGE;
	case NLE_MSGSIZE: return -EMSGSIZE;
	case NLE_OPNOTSUPP: return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT: return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND: return -ENODEV;
	case NLE_NOADDR: return -EADDRNOTAVAIL;
	case NLE_BUSY: return -EBUSY;
	case NLE_PROTO_MISMATCH: return -EPROTONOSUPPORT;
	case NLE_NOACCESS: return -EACCES;
	case NLE_PERM: return -EPERM;
	case NLE_NODEV: return -ENODEV;
	case NLE_DUMP_INTR: return -EINTR;
	case NLE_MSG_OVERFLOW:
	case NLE_MSG_TRUNC: return -EMSGSIZE;
	case NLE_MISSING_ATTR:
	case NLE_AF_MISMATCH:
	case NLE_OBJ_MISMATCH:
	case NLE_ATTRSIZE: return -EINVAL;
	case NLE_SEQ_MISMATCH:
	case NLE_MSG_TOOSHORT:
	case NLE_PARSE_ERR: return -EPROTO;
	default: return -EIO;
	}
}

static int nl_sock_new(struct nl_sock **ret)
{
	struct nl_sock *sk = nl_socket_alloc();
	int r;

	if (!sk)
		return -ENOMEM;
	r = nl_connect(sk, NETLINK_ROUTE);	/* libnl opens it SOCK_CLOEXEC */
	if (r < 0) {
		nl_socket_free(sk);
		return nl_to_errno(r);
	}
	*ret = sk;
	return 0;
}

int link_sock_open(struct link_sock **ret_ls)
{
	struct link_sock *ls = calloc(1, sizeof(*ls));
	int r;

	if (!ls)
		return link_fail(-ENOMEM, "open rtnetlink socket");
	r = nl_sock_new(&ls->sk);
	if (r < 0) {
		free(ls);
		return link_fail(r, "open rtnetlink socket");
	}
	*ret_ls = ls;
	return 0;
}

void link_sock_close(struct link_sock *ls)
{
	if (!ls)
		return;
	nl_socket_free(ls->sk);
	free(ls);
}

static void info_from_rtnl(struct rtnl_link *l, struct link_info *info)
{
	struct nl_addr *a = rtnl_link_get_addr(l);
	const char *name = rtnl_link_get_name(l);

	memset(info, 0, sizeof(*info));
	info->ifindex = rtnl_link_get_ifindex(l);
	if (name)
		snprintf(info->ifname, sizeof(info->ifname), "%s", name);
	info->mtu = rtnl_link_get_mtu(l);
	info->flags = rtnl_link_get_flags(l);
	info->operstate = rtnl_link_get_operstate(l);
	if (a && nl_addr_get_len(a) == sizeof(info->mac)) {
		memcpy(info->mac, nl_addr_get_binary_addr(a), sizeof(info->mac));
		info->has_mac = true;
	}
}

static int info_get(struct nl_sock *sk, int ifindex, const char *ifname, struct link_info *ret)
{
	struct rtnl_link *l = NULL;
	int r;

	r = rtnl_link_get_kernel(sk, ifindex > 0 ? ifindex : 0, ifindex > 0 ? NULL : ifname, &l);
	if (r < 0)
		return nl_to_errno(r);
	info_from_rtnl(l, ret);
	rtnl_link_put(l);
	return 0;
}

int link_get_info(struct link_sock *ls, int ifindex, const char *ifname,
		  struct link_info *ret_info)
{
	int r;

	if (ifindex <= 0 && (!ifname || !ifname[0]))
		return link_fail(-EINVAL, "read link: no ifindex or name");
	r = info_get(ls->sk, ifindex, ifname, ret_info);
	if (r < 0)
		return link_fail(r, "read link %s (ifindex %d)", ifname ? ifname : "?", ifindex);
	return 0;
}

/* Send one RTM_NEWLINK/SETLINK for @ifindex with what @changes carries. */
static int link_change(struct link_sock *ls, int ifindex, struct rtnl_link *changes)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	int r;

	if (!orig)
		return -ENOMEM;
	rtnl_link_set_ifindex(orig, ifindex);
	r = rtnl_link_change(ls->sk, orig, changes, 0);
	rtnl_link_put(orig);
	return r < 0 ? nl_to_errno(r) : 0;
}

int link_set_mtu(struct link_sock *ls, int ifindex, uint32_t mtu)
{
	struct rtnl_link *c;
	int r;

	if (ifindex <= 0 || mtu == 0)
		return link_fail(-EINVAL, "set mtu %u on ifindex %d", mtu, ifindex);
	c = rtnl_link_alloc();
	if (!c)
		return link_fail(-ENOMEM, "set mtu %u on ifindex %d", mtu, ifindex);
	rtnl_link_set_mtu(c, mtu);
	r = link_change(ls, ifindex, c);
	rtnl_link_put(c);
	if (r < 0)
		return link_fail(r, "set mtu %u on ifindex %d", mtu, ifindex);
	return 0;
}

int link_set_mac(struct link_sock *ls, int ifindex, const uint8_t mac[6])
{
	struct rtnl_link *c;
	struct nl_addr *a;
	int r;

	if (ifindex <= 0)
		return link_fail(-EINVAL, "set mac on ifindex %d", ifindex);
	c = rtnl_link_alloc();
	a = nl_addr_build(AF_LLC, mac, 6);
	if (!c || !a) {
		r = -ENOMEM;
		goto out;
	}
	rtnl_link_set_addr(c, a);
	r = link_change(ls, ifindex, c);
out:
	nl_addr_put(a);
	rtnl_link_put(c);
	if (r < 0)
		return link_fail(r, "set mac %02x:%02x:%02x:%02x:%02x:%02x on ifindex %d",
				 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], ifindex);
	return 0;
}

int link_set_up(struct link_sock *ls, int ifindex, bool up)
{
	struct rtnl_link *c;
	int r;

	if (ifindex <= 0)
		return link_fail(-EINVAL, "set ifindex %d %s", ifindex, up ? "up" : "down");
	c = rtnl_link_alloc();
	if (!c)
		return link_fail(-ENOMEM, "set ifindex %d %s", ifindex, up ? "up" : "down");
	if (up)
		rtnl_link_set_flags(c, IFF_UP);
	else
		rtnl_link_unset_flags(c, IFF_UP);
	r = link_change(ls, ifindex, c);
	rtnl_link_put(c);
	if (r < 0)
		return link_fail(r, "set ifindex %d %s", ifindex, up ? "up" : "down");
	return 0;
}

/* ---- change events ---- */

static unsigned int info_diff(const struct link_info *a, const struct link_info *b)
{
	unsigned int c = 0;

	if (a->mtu != b->mtu)
		c |= LINK_CHANGE_MTU;
	if ((a->flags ^ b->flags) & IFF_UP)
		c |= LINK_CHANGE_ADMIN;
	if ((a->flags ^ b->flags) & IFF_LOWER_UP)
		c |= LINK_CHANGE_CARRIER;
	if (strcmp(a->ifname, b->ifname) != 0)
		c |= LINK_CHANGE_NAME;
	if (a->has_mac != b->has_mac || memcmp(a->mac, b->mac, sizeof(a->mac)) != 0)
		c |= LINK_CHANGE_MAC;
	return c;
}

/* Compare @cur with the last snapshot, report and remember it. */
static void watch_update(struct link_watch *w, const struct link_info *cur, bool removed)
{
	struct link_event ev = { .old = w->last, .cur = *cur };

	if (w->removed)
		return;
	ev.changes = removed ? LINK_CHANGE_REMOVED : info_diff(&w->last, cur);
	if (removed) {
		ev.cur = w->last;
		w->removed = true;
	}
	w->last = ev.cur;
	if (ev.changes)
		w->fn(&ev, w->userdata);
}

static void watch_parse_obj(struct nl_object *obj, void *arg)
{
	struct link_info *info = arg;

	info_from_rtnl((struct rtnl_link *)obj, info);
}

static int watch_msg(struct nl_msg *msg, void *arg)
{
	struct link_watch *w = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	const struct ifinfomsg *ifi;
	struct link_info info;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return NL_SKIP;
	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return NL_SKIP;
	ifi = nlmsg_data(nlh);
	if (ifi->ifi_index != w->ifindex)
		return NL_SKIP;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		watch_update(w, &w->last, true);
		return NL_SKIP;
	}
	memset(&info, 0, sizeof(info));
	info.ifindex = -1;
	if (nl_msg_parse(msg, watch_parse_obj, &info) < 0 || info.ifindex != w->ifindex)
		return NL_SKIP;
	watch_update(w, &info, false);
	return NL_SKIP;
}

/* After an overrun: read the state again; gone means removed. */
static int watch_resync(struct link_watch *w)
{
	struct link_info info;
	struct nl_sock *sk;
	int r;

	r = nl_sock_new(&sk);
	if (r < 0)
		return r;
	r = info_get(sk, w->ifindex, NULL, &info);
	nl_socket_free(sk);
	if (r == -ENODEV) {
		watch_update(w, &w->last, true);
		return 0;
	}
	if (r < 0)
		return r;
	watch_update(w, &info, false);
	return 0;
}

int link_watch_open(int ifindex, link_watch_fn fn, void *userdata, struct link_watch **ret_watch)
{
	struct link_watch *w;
	struct nl_sock *sk;
	int r;

	if (ifindex <= 0 || !fn)
		return link_fail(-EINVAL, "watch ifindex %d", ifindex);
	w = calloc(1, sizeof(*w));
	if (!w)
		return link_fail(-ENOMEM, "watch ifindex %d", ifindex);
	w->ifindex = ifindex;
	w->fn = fn;
	w->userdata = userdata;
	w->sk = nl_socket_alloc();
	if (!w->sk) {
		r = -ENOMEM;
		goto err_free;
	}
	nl_socket_disable_seq_check(w->sk);
	nl_socket_modify_cb(w->sk, NL_CB_VALID, NL_CB_CUSTOM, watch_msg, w);
	r = nl_connect(w->sk, NETLINK_ROUTE);
	if (r == 0)
		r = nl_socket_add_membership(w->sk, RTNLGRP_LINK);
	if (r == 0)
		r = nl_socket_set_nonblocking(w->sk);
	if (r == 0)
		r = nl_socket_set_buffer_size(w->sk, LINK_WATCH_RCVBUF, 0);
	if (r < 0) {
		r = nl_to_errno(r);
		goto err_sock;
	}
	/* Snapshot after subscribing, so no change falls in between. */
	r = nl_sock_new(&sk);
	if (r < 0)
		goto err_sock;
	r = info_get(sk, ifindex, NULL, &w->last);
	nl_socket_free(sk);
	if (r < 0)
		goto err_sock;
	*ret_watch = w;
	return 0;

err_sock:
	nl_socket_free(w->sk);
err_free:
	free(w);
	return link_fail(r, "watch ifindex %d", ifindex);
}

int link_watch_fd(const struct link_watch *w)
{
	return nl_socket_get_fd(w->sk);
}

int link_watch_dispatch(struct link_watch *w)
{
	/* A bounded batch: if more is pending the fd stays readable. */
	for (int batch = 0; batch < LINK_WATCH_BATCH; batch++) {
		int r = nl_recvmsgs_default(w->sk);

		if (r >= 0)
			continue;
		r = nl_to_errno(r);
		if (r == -EAGAIN)
			return 0;
		if (r == -EINTR)
			continue;
		if (r == -ENOMEM) {	/* ENOBUFS: we missed messages */
			r = watch_resync(w);
			if (r < 0)
				return link_fail(r, "resync link ifindex %d", w->ifindex);
			continue;
		}
		return link_fail(r, "read link events");
	}
	return 0;
}

void link_watch_close(struct link_watch *w)
{
	if (!w)
		return;
	nl_socket_free(w->sk);
	free(w);
}
