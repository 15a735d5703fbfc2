/* SPDX-License-Identifier: MIT */
/* Multi-queue TAP with virtio-net header: queues, offloads, carrier, software GSO. */
#ifndef ENAD_TAP_H
#define ENAD_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include <linux/if_tun.h>
#include <linux/virtio_net.h>

/*
 * One TAP interface per port, created IFF_TAP|IFF_NO_PI|IFF_VNET_HDR|
 * IFF_MULTI_QUEUE: one file descriptor per queue (O_CLOEXEC|O_NONBLOCK).
 *
 * Every frame read from or written to a queue fd starts with a
 * TAP_VNET_HDR_LEN-byte struct virtio_net_hdr (little-endian, TUNSETVNETLE).
 * We use the 10-byte header without num_buffers: the kernel fills all of it
 * on read (with 12 bytes it leaves num_buffers unwritten), and the IP header
 * lands at offset 24, 4-byte aligned in an aligned buffer.
 *
 * The interface exists as long as one queue fd is open or it is persistent;
 * queue count changes keep at least one fd open, so addresses and routes
 * survive them.
 */

#define TAP_MAX_QUEUES 256		/* the kernel's MAX_TAP_QUEUES */
#define TAP_VNET_HDR_LEN 10		/* sizeof(struct virtio_net_hdr) */
#define TAP_DEFAULT_IFNAME "ena0"

struct tap;

/*
 * tap_offload_flags() - the TUNSETOFFLOAD mask for what the device can take.
 * @csum: TX checksum offload (L4 partial checksum); without it nothing else
 *        is offered and the kernel hands over finished frames only.
 * @tso4, @tso6, @tso_ecn: TCP segmentation offload for IPv4, IPv6, with ECN.
 * Returns a TUN_F_* mask.
 */
unsigned int tap_offload_flags(bool csum, bool tso4, bool tso6, bool tso_ecn);

/*
 * tap_open() - create the TAP @ifname, or attach to it if it already exists
 * (a persistent TAP left by a previous run).
 * @ifname: interface name (NULL: "ena0"); a pattern like "ena%d" lets the
 *          kernel choose, see tap_ifname().
 * @num_queues: queue fds to open, 1..TAP_MAX_QUEUES, all attached.
 * @offloads: TUN_F_* mask for TUNSETOFFLOAD (see tap_offload_flags()).
 * @ret_tap: the new TAP on success.
 * Returns 0, -EINVAL (bad name or count), -EEXIST/-EBUSY/-EPERM from the
 * kernel (e.g. the name belongs to a device that is not a multi-queue TAP),
 * or another -errno.
 */
int tap_open(const char *ifname, unsigned int num_queues, unsigned int offloads,
	     struct tap **ret_tap);

/*
 * tap_close() - close every queue fd and free @tap (NULL is fine). A
 * non-persistent TAP disappears; a persistent one stays for tap_open().
 */
void tap_close(struct tap *tap);

/* tap_ifname() - the interface name as given by the kernel at open. */
const char *tap_ifname(const struct tap *tap);

/* tap_ifindex() - the interface index (stable across renames). */
int tap_ifindex(const struct tap *tap);

/* tap_reopened() - true if tap_open() attached to an interface that already existed. */
bool tap_reopened(const struct tap *tap);

/* tap_num_queues() - number of open queue fds (attached or detached). */
unsigned int tap_num_queues(const struct tap *tap);

/* tap_queue_fd() - the fd of queue @qid, or -EINVAL if there is no such queue. */
int tap_queue_fd(const struct tap *tap, unsigned int qid);

/* tap_queue_attached() - whether queue @qid takes traffic (false if no such queue). */
bool tap_queue_attached(const struct tap *tap, unsigned int qid);

/*
 * tap_detach_queue() - stop the kernel from steering packets to queue @qid
 * (TUNSETQUEUE IFF_DETACH_QUEUE); the fd stays open and the interface stays.
 * A detached queue receives nothing (reads give EAGAIN). With every queue
 * detached the kernel drops what it would send to us.
 * Returns 0 (also when already detached), -EINVAL for a bad @qid, or -errno.
 */
int tap_detach_queue(struct tap *tap, unsigned int qid);

/* tap_attach_queue() - undo tap_detach_queue(); 0 if already attached, or -errno. */
int tap_attach_queue(struct tap *tap, unsigned int qid);

/*
 * tap_set_num_queues() - open new queue fds or close the highest ones so
 * that @num_queues (1..TAP_MAX_QUEUES) remain; the interface, its addresses
 * and routes stay. New queues are attached. On failure nothing changed.
 * Returns 0, -EINVAL or -errno.
 */
int tap_set_num_queues(struct tap *tap, unsigned int num_queues);

/* tap_set_offload() - TUNSETOFFLOAD with a TUN_F_* mask. Returns 0 or -errno. */
int tap_set_offload(struct tap *tap, unsigned int offloads);

/* tap_get_offload() - the mask last set (at open or with tap_set_offload()). */
unsigned int tap_get_offload(const struct tap *tap);

/* tap_set_persist() - keep the interface after the last fd closes (TUNSETPERSIST). */
int tap_set_persist(struct tap *tap, bool persist);

/* tap_set_carrier() - link carrier as the host sees it (TUNSETCARRIER). 0 or -errno. */
int tap_set_carrier(struct tap *tap, bool carrier);

/*
 * The virtio-net header of one frame, in host byte order. gso_type is the
 * VIRTIO_NET_HDR_GSO_* value without the ECN bit (that is gso_ecn).
 */
struct tap_vnet {
	uint8_t gso_type;	/* VIRTIO_NET_HDR_GSO_NONE, _TCPV4, _TCPV6, _UDP, ... */
	bool gso_ecn;		/* VIRTIO_NET_HDR_GSO_ECN: the TCP flow uses ECN */
	bool needs_csum;	/* VIRTIO_NET_HDR_F_NEEDS_CSUM: csum_start/offset are valid */
	bool data_valid;	/* VIRTIO_NET_HDR_F_DATA_VALID */
	uint16_t hdr_len;	/* the kernel's hint; for TAP it is the linear length */
	uint16_t gso_size;	/* MSS for GSO frames */
	uint16_t csum_start;	/* offset from the Ethernet header where summing starts */
	uint16_t csum_offset;	/* where the sum goes, relative to csum_start */
};

/*
 * tap_vnet_parse() - decode the header at the start of what a queue fd read.
 * @buf, @len: the whole read (header and frame).
 * @ret: the decoded header.
 * Returns 0; -EINVAL if @len is shorter than the header, a GSO frame has
 * gso_size 0, or csum_start/csum_offset point outside the frame;
 * -EOPNOTSUPP for a GSO type we do not know.
 */
int tap_vnet_parse(const void *buf, size_t len, struct tap_vnet *ret);

/* tap_vnet_build() - encode @vh into the TAP_VNET_HDR_LEN bytes at @buf. */
void tap_vnet_build(void *buf, const struct tap_vnet *vh);

/*
 * tap_vnet_build_rx() - the header for a frame the device received: no GSO,
 * VIRTIO_NET_HDR_F_DATA_VALID when @csum_verified (the device checked the L4
 * checksum). Note: tun's write path ignores DATA_VALID today (checked on
 * Linux 6.18: a bad UDP checksum is dropped with or without it), so the
 * kernel verifies again; the flag states the truth for any reader that uses it.
 */
void tap_vnet_build_rx(void *buf, bool csum_verified);

/*
 * tap_gso_segment() - cut a TCP GSO frame (IPv4 or IPv6, optionally behind
 * up to two VLAN tags) into frames of at most gso_size payload each, for a
 * device without TSO. Each output frame is complete: IPv4 total length, ID
 * (+1 per segment) and header checksum, IPv6 payload length, TCP sequence
 * number, flags (FIN and PSH only on the last segment, CWR only on the first)
 * and TCP checksum.
 * @vh: the parsed header (gso_type TCPV4 or TCPV6).
 * @frame, @len: the frame after the virtio-net header.
 * @segs: caller buffers, @max_segs of them; iov_len is the capacity on entry
 *        and the frame length on return.
 * Returns the number of segments; -EINVAL for a malformed frame or header,
 * -EOPNOTSUPP for other GSO types, -ENOBUFS if @max_segs or a buffer is too
 * small. Nothing is written on failure. No allocation.
 */
int tap_gso_segment(const struct tap_vnet *vh, const void *frame, size_t len, struct iovec *segs,
		    unsigned int max_segs);

/*
 * tap_csum_complete() - finish the checksum of a CHECKSUM_PARTIAL frame in
 * place (a device without checksum offload): sum from csum_start to the end
 * and store it at csum_start + csum_offset.
 * Returns 0 (also when @vh has no NEEDS_CSUM), or -EINVAL if the offsets do
 * not fit in @len.
 */
int tap_csum_complete(const struct tap_vnet *vh, void *frame, size_t len);

#endif
