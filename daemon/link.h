/* SPDX-License-Identifier: MIT */
/* The TAP as a network interface: MAC, MTU, up/down and change events over rtnetlink. */
#ifndef ENAD_LINK_H
#define ENAD_LINK_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

/* From <linux/if.h>, which cannot be included together with <net/if.h>. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

/*
 * Functions return 0 or a negative errno; on failure link_error_last()
 * holds a sentence for the log ("set mtu 9500 on ena0 (ifindex 7): Numerical
 * result out of range"). Out-parameters are untouched on failure.
 */

/* link_error_last() - the sentence for this thread's last failure here. */
const char *link_error_last(void);

/* A snapshot of an interface. */
struct link_info {
	int ifindex;
	char ifname[IFNAMSIZ];
	uint32_t mtu;
	unsigned int flags;	/* IFF_UP, IFF_RUNNING, IFF_LOWER_UP, ... */
	uint8_t operstate;	/* IF_OPER_* */
	bool has_mac;
	uint8_t mac[6];
};

/* An rtnetlink socket for requests (one per control thread). */
struct link_sock;

/* link_sock_open() - connect a NETLINK_ROUTE socket (close-on-exec). 0 or -errno. */
int link_sock_open(struct link_sock **ret_ls);

/* link_sock_close() - close and free (NULL is fine). */
void link_sock_close(struct link_sock *ls);

/*
 * link_get_info() - read an interface by index (@ifindex > 0) or else by
 * @ifname. Returns 0, -ENODEV if there is none, or -errno.
 */
int link_get_info(struct link_sock *ls, int ifindex, const char *ifname,
		  struct link_info *ret_info);

/* link_set_mtu() - set the MTU (the kernel checks the TAP's range 68..65521). */
int link_set_mtu(struct link_sock *ls, int ifindex, uint32_t mtu);

/* link_set_mac() - set the Ethernet address; a TAP takes it while up. */
int link_set_mac(struct link_sock *ls, int ifindex, const uint8_t mac[6]);

/* link_set_up() - administrative state: IFF_UP on (@up) or off. */
int link_set_up(struct link_sock *ls, int ifindex, bool up);

/*
 * Change events for one interface from RTNLGRP_LINK, on a socket of their
 * own, for a libevent loop: watch link_watch_fd() for reading and call
 * link_watch_dispatch(). Each event compares with the previous snapshot, so
 * a change we make ourselves (reverting an MTU) is reported once too.
 */
enum {
	LINK_CHANGE_MTU = 1u << 0,
	LINK_CHANGE_ADMIN = 1u << 1,	/* IFF_UP */
	LINK_CHANGE_NAME = 1u << 2,
	LINK_CHANGE_CARRIER = 1u << 3,	/* IFF_LOWER_UP */
	LINK_CHANGE_MAC = 1u << 4,
	LINK_CHANGE_REMOVED = 1u << 5,	/* the interface is gone; no more events */
};

struct link_event {
	unsigned int changes;	/* LINK_CHANGE_* bits */
	struct link_info old;	/* previous snapshot */
	struct link_info cur;	/* now (for REMOVED: the last one known) */
};

/*
 * Called from link_watch_dispatch() for every change. It may use a
 * link_sock (e.g. to revert the MTU) but must not close the watch.
 */
typedef void (*link_watch_fn)(const struct link_event *ev, void *userdata);

struct link_watch;

/*
 * link_watch_open() - subscribe to RTNLGRP_LINK and take the first snapshot
 * of @ifindex. The socket is non-blocking and close-on-exec.
 * Returns 0, -ENODEV if the interface does not exist, or -errno.
 */
int link_watch_open(int ifindex, link_watch_fn fn, void *userdata, struct link_watch **ret_watch);

/* link_watch_fd() - the fd to poll for reading. */
int link_watch_fd(const struct link_watch *w);

/*
 * link_watch_dispatch() - read every pending message and call the callback
 * for changes of our interface. After a receive buffer overrun the state is
 * read again and compared, so no change is lost. Returns 0 or -errno.
 */
int link_watch_dispatch(struct link_watch *w);

/* link_watch_close() - unsubscribe and free (NULL is fine). */
void link_watch_close(struct link_watch *w);

#endif
