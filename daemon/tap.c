/* SPDX-License-Identifier: MIT */
/* Multi-queue TAP with virtio-net header: queues, offloads, carrier, software GSO. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "tap.h"

#define TAP_IFF_FLAGS (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE)

struct tap {
	char ifname[IFNAMSIZ];
	int ifindex;
	bool reopened;
	unsigned int offloads;
	unsigned int num_queues;
	int fds[TAP_MAX_QUEUES];
	bool attached[TAP_MAX_QUEUES];
};

unsigned int tap_offload_flags(bool csum, bool tso4, bool tso6, bool tso_ecn)
{
	unsigned int f = 0;

	if (!csum)
		return 0;
	f |= TUN_F_CSUM;
	if (tso4)
		f |= TUN_F_TSO4;
	if (tso6)
		f |= TUN_F_TSO6;
	if (tso_ecn && (tso4 || tso6))
		f |= TUN_F_TSO_ECN;
	return f;
}

static bool ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (const char *p = name; *p; p++)
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f)
			return false;
	return true;
}

/* Open one queue fd of @name; on success the kernel's name is written back to @name. */
static int queue_open(char name[IFNAMSIZ], int *ret_fd)
{
	struct ifreq ifr;
	int fd, r;

	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, IFNAMSIZ);
	ifr.ifr_flags = TAP_IFF_FLAGS;
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	memcpy(name, ifr.ifr_name, IFNAMSIZ);
	name[IFNAMSIZ - 1] = '\0';
	*ret_fd = fd;
	return 0;
}

/* Device-wide settings, made once through any queue fd. */
static int tap_setup_vnet(int fd)
{
	int sz = TAP_VNET_HDR_LEN, le = 1;

	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0)
		return -errno;
	if (ioctl(fd, TUNSETVNETLE, &le) < 0)
		return -errno;
	return 0;
}

static void tap_close_from(struct tap *tap, unsigned int first)
{
	for (unsigned int q = tap->num_queues; q-- > first;) {
		close(tap->fds[q]);
		tap->fds[q] = -1;
		tap->attached[q] = false;
	}
	tap->num_queues = first;
}

int tap_open(const char *ifname, unsigned int num_queues, unsigned int offloads,
	     struct tap **ret_tap)
{
	struct tap *tap;
	int r;

	if (!ifname)
		ifname = TAP_DEFAULT_IFNAME;
	if (!ifname_valid(ifname) || num_queues < 1 || num_queues > TAP_MAX_QUEUES)
		return -EINVAL;
	tap = calloc(1, sizeof(*tap));
	if (!tap)
		return -ENOMEM;
	for (unsigned int q = 0; q < TAP_MAX_QUEUES; q++)
		tap->fds[q] = -1;
	snprintf(tap->ifname, sizeof(tap->ifname), "%s", ifname);
	tap->reopened = !strchr(ifname, '%') && if_nametoindex(ifname) != 0;

	r = queue_open(tap->ifname, &tap->fds[0]);
	if (r < 0)
		goto err_free;
	tap->attached[0] = true;
	tap->num_queues = 1;
	r = tap_setup_vnet(tap->fds[0]);
	if (r < 0)
		goto err_close;
	r = tap_set_offload(tap, offloads);
	if (r < 0)
		goto err_close;
	tap->ifindex = (int)if_nametoindex(tap->ifname);
	if (tap->ifindex == 0) {
		r = -errno;
		goto err_close;
	}
	r = tap_set_num_queues(tap, num_queues);
	if (r < 0)
		goto err_close;
	*ret_tap = tap;
	return 0;

err_close:
	tap_close_from(tap, 0);
err_free:
	free(tap);
	return r;
}

void tap_close(struct tap *tap)
{
	if (!tap)
		return;
	tap_close_from(tap, 0);
	free(tap);
}

const char *tap_ifname(const struct tap *tap)
{
	return tap->ifname;
}

int tap_ifindex(const struct tap *tap)
{
	return tap->ifindex;
}

bool tap_reopened(const struct tap *tap)
{
	return tap->reopened;
}

unsigned int tap_num_queues(const struct tap *tap)
{
	return tap->num_queues;
}

int tap_queue_fd(const struct tap *tap, unsigned int qid)
{
	if (qid >= tap->num_queues)
		return -EINVAL;
	return tap->fds[qid];
}

bool tap_queue_attached(const struct tap *tap, unsigned int qid)
{
	return qid < tap->num_queues && tap->attached[qid];
}

static int tap_queue_set_attached(struct tap *tap, unsigned int qid, bool attach)
{
	struct ifreq ifr;

	if (qid >= tap->num_queues)
		return -EINVAL;
	if (tap->attached[qid] == attach)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = attach ? IFF_ATTACH_QUEUE : IFF_DETACH_QUEUE;
	if (ioctl(tap->fds[qid], TUNSETQUEUE, &ifr) < 0)
		return -errno;
	tap->attached[qid] = attach;
	return 0;
}

int tap_detach_queue(struct tap *tap, unsigned int qid)
{
	return tap_queue_set_attached(tap, qid, false);
}

int tap_attach_queue(struct tap *tap, unsigned int qid)
{
	return tap_queue_set_attached(tap, qid, true);
}

int tap_set_num_queues(struct tap *tap, unsigned int num_queues)
{
	unsigned int old = tap->num_queues;
	struct ifreq ifr;
	int r;

	if (num_queues < 1 || num_queues > TAP_MAX_QUEUES || old < 1)
		return -EINVAL;
	if (num_queues <= old) {
		tap_close_from(tap, num_queues);
		return 0;
	}
	/* Attach by the current name: the interface may have been renamed. */
	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(tap->fds[0], TUNGETIFF, &ifr) < 0)
		return -errno;
	memcpy(tap->ifname, ifr.ifr_name, IFNAMSIZ);
	tap->ifname[IFNAMSIZ - 1] = '\0';
	for (unsigned int q = old; q < num_queues; q++) {
		char name[IFNAMSIZ];

		memcpy(name, tap->ifname, IFNAMSIZ);
		r = queue_open(name, &tap->fds[q]);
		if (r == 0 && strcmp(name, tap->ifname) != 0) {
			/* renamed again in between: we created a stranger */
			close(tap->fds[q]);
			r = -EAGAIN;
		}
		if (r < 0) {
			tap->fds[q] = -1;
			tap_close_from(tap, old);
			return r;
		}
		tap->attached[q] = true;
		tap->num_queues = q + 1;
	}
	return 0;
}

int tap_set_offload(struct tap *tap, unsigned int offloads)
{
	if (ioctl(tap->fds[0], TUNSETOFFLOAD, (unsigned long)offloads) < 0)
		return -errno;
	tap->offloads = offloads;
	return 0;
}

unsigned int tap_get_offload(const struct tap *tap)
{
	return tap->offloads;
}

int tap_set_persist(struct tap *tap, bool persist)
{
	if (ioctl(tap->fds[0], TUNSETPERSIST, (unsigned long)persist) < 0)
		return -errno;
	return 0;
}

int tap_set_carrier(struct tap *tap, bool carrier)
{
	int on = carrier;

	if (ioctl(tap->fds[0], TUNSETCARRIER, &on) < 0)
		return -errno;
	return 0;
}

/* ---- virtio-net header ---- */

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

int tap_vnet_parse(const void *buf, size_t len, struct tap_vnet *ret)
{
	const uint8_t *h = buf;
	struct tap_vnet vh;
	size_t frame_len;

	if (len < TAP_VNET_HDR_LEN)
		return -EINVAL;
	frame_len = len - TAP_VNET_HDR_LEN;
	vh = (struct tap_vnet) {
		.gso_type = h[1] & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN,
		.gso_ecn = h[1] & VIRTIO_NET_HDR_GSO_ECN,
		.needs_csum = h[0] & VIRTIO_NET_HDR_F_NEEDS_CSUM,
		.data_valid = h[0] & VIRTIO_NET_HDR_F_DATA_VALID,
		.hdr_len = get_le16(h + 2),
		.gso_size = get_le16(h + 4),
		.csum_start = get_le16(h + 6),
		.csum_offset = get_le16(h + 8),
	};
	switch (vh.gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
	case VIRTIO_NET_HDR_GSO_UDP:
#ifdef VIRTIO_NET_HDR_GSO_UDP_L4
	case VIRTIO_NET_HDR_GSO_UDP_L4:
#endif
		if (vh.gso_size == 0)
			return -EINVAL;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (vh.needs_csum &&
	    (size_t)vh.csum_start + vh.csum_offset + 2 > frame_len)
		return -EINVAL;
	*ret = vh;
	return 0;
}

void tap_vnet_build(void *buf, const struct tap_vnet *vh)
{
	uint8_t *h = buf;

	h[0] = (vh->needs_csum ? VIRTIO_NET_HDR_F_NEEDS_CSUM : 0) |
	       (vh->data_valid ? VIRTIO_NET_HDR_F_DATA_VALID : 0);
	h[1] = vh->gso_type | (vh->gso_ecn ? VIRTIO_NET_HDR_GSO_ECN : 0);
	put_le16(h + 2, vh->hdr_len);
	put_le16(h + 4, vh->gso_size);
	put_le16(h + 6, vh->csum_start);
	put_le16(h + 8, vh->csum_offset);
}

void tap_vnet_build_rx(void *buf, bool csum_verified)
{
	struct tap_vnet vh = { .data_valid = csum_verified };

	tap_vnet_build(buf, &vh);
}

/* ---- Internet checksum (RFC 1071), summed in host order, stored as is ---- */

static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	uint32_t w32;
	uint16_t w16 = 0;

	while (len >= 4) {
		memcpy(&w32, p, 4);
		sum += w32;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		memcpy(&w16, p, 2);
		sum += w16;
		p += 2;
		len -= 2;
	}
	if (len) {
		w16 = 0;
		memcpy(&w16, p, 1);	/* the odd byte, padded with zero after it */
		sum += w16;
	}
	return sum;
}

/* Fold and complement: the 16 bits to store (in memory order) as the checksum. */
static uint16_t csum_finish(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- software GSO for TCP ---- */

#define ETH_HLEN_ 14
#define ETH_P_IP_ 0x0800
#define ETH_P_IPV6_ 0x86dd
#define ETH_P_8021Q_ 0x8100
#define ETH_P_8021AD_ 0x88a8
#define IPPROTO_TCP_ 6
#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_PSH 0x08
#define TCP_FLAG_CWR 0x80

struct tcp_frame {
	size_t l3;		/* IP header offset */
	size_t l4;		/* TCP header offset */
	size_t hdrlen;		/* up to the end of the TCP header */
	bool ipv6;
};

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Locate the IP and TCP headers of a TCP GSO frame and check them against @vh. */
static int tcp_frame_parse(const struct tap_vnet *vh, const uint8_t *f, size_t len,
			   struct tcp_frame *ret)
{
	size_t off = ETH_HLEN_, l4;
	uint16_t type;
	size_t doff;

	if (len < ETH_HLEN_)
		return -EINVAL;
	type = get_be16(f + 12);
	for (int tags = 0; tags < 2 && (type == ETH_P_8021Q_ || type == ETH_P_8021AD_); tags++) {
		if (len < off + 4)
			return -EINVAL;
		type = get_be16(f + off + 2);
		off += 4;
	}
	if (type == ETH_P_IP_) {
		if (vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV4 || len < off + 20 ||
		    f[off] >> 4 != 4 || (f[off] & 0xf) < 5)
			return -EINVAL;
		if (f[off + 9] != IPPROTO_TCP_ || (get_be16(f + off + 6) & 0x3fff) != 0)
			return -EINVAL;	/* not TCP, or a fragment */
		l4 = off + (size_t)(f[off] & 0xf) * 4;
		if (vh->needs_csum && vh->csum_start != l4)
			return -EINVAL;
	} else if (type == ETH_P_IPV6_) {
		if (vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV6 || len < off + 40 || f[off] >> 4 != 6)
			return -EINVAL;
		if (vh->needs_csum)
			l4 = vh->csum_start;	/* after any extension headers */
		else if (f[off + 6] == IPPROTO_TCP_)
			l4 = off + 40;
		else
			return -EINVAL;
		if (l4 < off + 40)
			return -EINVAL;
	} else {
		return -EINVAL;
	}
	if (vh->needs_csum && vh->csum_offset != 16)
		return -EINVAL;
	if (len < l4 + 20)
		return -EINVAL;
	doff = (size_t)(f[l4 + 12] >> 4) * 4;
	if (doff < 20 || len < l4 + doff)
		return -EINVAL;
	*ret = (struct tcp_frame) { .l3 = off, .l4 = l4, .hdrlen = l4 + doff,
				    .ipv6 = type == ETH_P_IPV6_ };
	return 0;
}

/* Fill in lengths, ID, seq, flags and checksums of segment @i of @n in @s. */
static void tcp_segment_fix(const struct tcp_frame *t, uint8_t *s, size_t seg_len,
			    unsigned int i, unsigned int n, uint32_t seq)
{
	uint8_t *ip = s + t->l3, *th = s + t->l4;
	size_t tcp_len = seg_len - t->l4;
	uint16_t pseudo[2];
	uint64_t sum;

	if (t->ipv6) {
		put_be16(ip + 4, (uint16_t)(seg_len - t->l3 - 40));
		sum = csum_add(0, ip + 8, 32);
	} else {
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;

		put_be16(ip + 2, (uint16_t)(seg_len - t->l3));
		put_be16(ip + 4, (uint16_t)(get_be16(ip + 4) + i));
		put_be16(ip + 10, 0);
		memcpy(ip + 10, &(uint16_t) { csum_finish(csum_add(0, ip, ihl)) }, 2);
		sum = csum_add(0, ip + 12, 8);
	}
	put_be16((uint8_t *)&pseudo[0], IPPROTO_TCP_);
	put_be16((uint8_t *)&pseudo[1], (uint16_t)tcp_len);
	sum = csum_add(sum, (const uint8_t *)pseudo, sizeof(pseudo));

	th[4] = (uint8_t)(seq >> 24);
	th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8);
	th[7] = (uint8_t)seq;
	if (i + 1 < n)
		th[13] &= (uint8_t)~(TCP_FLAG_FIN | TCP_FLAG_PSH);
	if (i > 0)
		th[13] &= (uint8_t)~TCP_FLAG_CWR;
	put_be16(th + 16, 0);
	memcpy(th + 16, &(uint16_t) { csum_finish(csum_add(sum, th, tcp_len)) }, 2);
}

int tap_gso_segment(const struct tap_vnet *vh, const void *frame, size_t len, struct iovec *segs,
		    unsigned int max_segs)
{
	const uint8_t *f = frame;
	struct tcp_frame t;
	size_t payload, mss;
	unsigned int n;
	uint32_t seq;
	int r;

	if (vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV4 && vh->gso_type != VIRTIO_NET_HDR_GSO_TCPV6)
		return vh->gso_type == VIRTIO_NET_HDR_GSO_NONE ? -EINVAL : -EOPNOTSUPP;
	mss = vh->gso_size;
	if (mss == 0)
		return -EINVAL;
	r = tcp_frame_parse(vh, f, len, &t);
	if (r < 0)
		return r;
	payload = len - t.hdrlen;
	n = payload == 0 ? 1 : (unsigned int)((payload + mss - 1) / mss);
	if (n > max_segs)
		return -ENOBUFS;
	/* Check every buffer before writing any. */
	for (unsigned int i = 0; i < n; i++) {
		size_t chunk = payload - (size_t)i * mss < mss ? payload - (size_t)i * mss : mss;

		if (!segs[i].iov_base || segs[i].iov_len < t.hdrlen + chunk)
			return -ENOBUFS;
	}
	seq = (uint32_t)f[t.l4 + 4] << 24 | (uint32_t)f[t.l4 + 5] << 16 |
	      (uint32_t)f[t.l4 + 6] << 8 | f[t.l4 + 7];
	for (unsigned int i = 0; i < n; i++) {
		size_t off = (size_t)i * mss;
		size_t chunk = payload - off < mss ? payload - off : mss;
		uint8_t *s = segs[i].iov_base;

		memcpy(s, f, t.hdrlen);
		memcpy(s + t.hdrlen, f + t.hdrlen + off, chunk);
		tcp_segment_fix(&t, s, t.hdrlen + chunk, i, n, seq + (uint32_t)off);
		segs[i].iov_len = t.hdrlen + chunk;
	}
	return (int)n;
}

int tap_csum_complete(const struct tap_vnet *vh, void *frame, size_t len)
{
	uint8_t *f = frame;
	uint16_t csum;

	if (!vh->needs_csum)
		return 0;
	if ((size_t)vh->csum_start + vh->csum_offset + 2 > len)
		return -EINVAL;
	/* The field holds the pseudo-header sum; it is summed in with the rest. */
	csum = csum_finish(csum_add(0, f + vh->csum_start, len - vh->csum_start));
	if (csum == 0)
		csum = 0xffff;	/* a UDP 0 means "no checksum"; -0 is the same sum */
	memcpy(f + vh->csum_start + vh->csum_offset, &csum, 2);
	return 0;
}
