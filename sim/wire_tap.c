/* SPDX-License-Identifier: MIT */
/* enasim TAP wire: a TAP interface (with virtio-net header, so whole TSO
 * frames cross it) created inside a network namespace by a helper thread. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/virtio_net.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "wire.h"

struct wire_tap {
	struct wire w;
	int fd;
};

struct tap_open {
	const char *ifname;
	const char *netns;
	int fd;
	int err;
};

static int tap_set_up(const char *ifname)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int r = 0;

	if (s < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) {
		r = -errno;
	} else if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
			r = -errno;
	}
	close(s);
	return r;
}

/* Runs in its own thread: setns() changes only this thread's namespace,
 * and the TAP is created where its creator lives. */
static void *tap_open_thread(void *arg)
{
	struct tap_open *t = arg;
	struct ifreq ifr;
	unsigned int offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN;
	int hdr_size = sizeof(struct virtio_net_hdr);
	int fd;

	t->fd = -1;
	if (t->netns && t->netns[0]) {
		char path[128];
		int ns;

		snprintf(path, sizeof(path), "/run/netns/%s", t->netns);
		ns = open(path, O_RDONLY | O_CLOEXEC);
		if (ns < 0) {
			t->err = -errno;
			return NULL;
		}
		if (setns(ns, CLONE_NEWNET) < 0) {
			t->err = -errno;
			close(ns);
			return NULL;
		}
		close(ns);
	}
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		t->err = -errno;
		return NULL;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", t->ifname);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr_size) < 0 ||
	    ioctl(fd, TUNSETOFFLOAD, offloads) < 0) {
		t->err = -errno;
		close(fd);
		return NULL;
	}
	t->err = tap_set_up(t->ifname);
	if (t->err < 0) {
		close(fd);
		return NULL;
	}
	t->fd = fd;
	return NULL;
}

static int tap_send(struct wire *w, const uint8_t *frame, size_t len, const struct sim_gso *gso)
{
	struct wire_tap *t = (struct wire_tap *)w;
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)frame, len } };
	ssize_t n;

	memset(&h, 0, sizeof(h));
	if (gso && gso->type != SIM_GSO_NONE) {
		h.gso_type = gso->type == SIM_GSO_TCPV4 ? VIRTIO_NET_HDR_GSO_TCPV4
							: VIRTIO_NET_HDR_GSO_TCPV6;
		if (gso->ecn)
			h.gso_type |= VIRTIO_NET_HDR_GSO_ECN;
		h.hdr_len = gso->hdr_len;
		h.gso_size = gso->size;
	}
	if (gso && gso->needs_csum) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = gso->csum_start;
		h.csum_offset = gso->csum_offset;
	}
	n = writev(t->fd, iov, 2);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(h) + len ? 0 : -EIO;
}

static ssize_t tap_recv(struct wire *w, uint8_t *buf, size_t cap, struct sim_gso *ret_gso)
{
	struct wire_tap *t = (struct wire_tap *)w;
	struct virtio_net_hdr h;
	struct iovec iov[2] = { { &h, sizeof(h) }, { buf, cap } };
	ssize_t n = readv(t->fd, iov, 2);
	uint8_t type;

	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(h))
		return -EIO;
	memset(ret_gso, 0, sizeof(*ret_gso));
	type = h.gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (type == VIRTIO_NET_HDR_GSO_TCPV4)
		ret_gso->type = SIM_GSO_TCPV4;
	else if (type == VIRTIO_NET_HDR_GSO_TCPV6)
		ret_gso->type = SIM_GSO_TCPV6;
	else if (type != VIRTIO_NET_HDR_GSO_NONE)
		return -EPROTO; /* UDP fragmentation offload was not enabled */
	ret_gso->ecn = h.gso_type & VIRTIO_NET_HDR_GSO_ECN;
	ret_gso->needs_csum = h.flags & VIRTIO_NET_HDR_F_NEEDS_CSUM;
	ret_gso->hdr_len = h.hdr_len;
	ret_gso->size = h.gso_size;
	ret_gso->csum_start = h.csum_start;
	ret_gso->csum_offset = h.csum_offset;
	return n - (ssize_t)sizeof(h);
}

static int tap_fd(struct wire *w)
{
	return ((struct wire_tap *)w)->fd;
}

static void tap_destroy(struct wire *w)
{
	struct wire_tap *t = (struct wire_tap *)w;

	close(t->fd);
	free(t);
}

static const struct wire_ops tap_ops = {
	.send = tap_send,
	.recv = tap_recv,
	.fd = tap_fd,
	.destroy = tap_destroy,
};

int wire_tap_create(const char *ifname, const char *netns, struct wire **ret)
{
	struct tap_open op = { .ifname = ifname, .netns = netns, .fd = -1 };
	struct wire_tap *t;
	pthread_t th;
	int r;

	if (!ifname || !ifname[0] || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	r = pthread_create(&th, NULL, tap_open_thread, &op);
	if (r)
		return -r;
	pthread_join(th, NULL);
	if (op.fd < 0)
		return op.err ? op.err : -EIO;
	t = calloc(1, sizeof(*t));
	if (!t) {
		close(op.fd);
		return -ENOMEM;
	}
	t->fd = op.fd;
	t->w.ops = &tap_ops;
	t->w.gso = true;
	t->w.kind = "tap";
	*ret = &t->w;
	return 0;
}
