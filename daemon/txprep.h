/* SPDX-License-Identifier: MIT */
/* TX offload preparation: parse a frame from the TAP and decide device offload or software fallback. */
#ifndef ENAD_TXPREP_H
#define ENAD_TXPREP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ena/eth.h>

#include "tap.h"

/*
 * The kernel hands the TAP frames that still need work: a partial L4
 * checksum (VIRTIO_NET_HDR_F_NEEDS_CSUM) or TCP segmentation (GSO). For
 * each such frame txprep parses Ethernet (up to two VLAN tags), IPv4 (with
 * options) or IPv6 (no extension headers for offloads), and TCP/UDP, and
 * says whether the device can finish it or software must. Frames that need
 * nothing are sent as they are without being parsed. Everything is checked
 * against the frame length before it is read: a malformed frame is dropped,
 * never read out of bounds.
 *
 * Offload settings follow the Linux driver (ena_tx_csum()): a checksum-only
 * frame gets L4_CSUM | L4_PARTIAL (the checksum field already holds the
 * pseudo-header sum); a TSO frame gets TSO | L4_CSUM (| L3_CSUM for IPv4)
 * without L4_PARTIAL, because the device's partial-TSO seed excludes the
 * length the kernel's seed includes; IPv4 frames with DF set get DF.
 */

/* What the device may be asked to do (the worker's offload settings). */
struct txprep_caps {
	bool csum4;   /* partial L4 checksum, IPv4 TCP/UDP */
	bool csum6;   /* partial L4 checksum, IPv6 TCP/UDP */
	bool tso4;    /* TSO, IPv4 TCP */
	bool tso6;    /* TSO, IPv6 TCP */
	bool tso_ecn; /* TSO of frames whose flow uses ECN (GSO_ECN) */
};

enum txprep_action {
	TXPREP_SEND,    /* post as is with the offload fields filled in (flags may be 0) */
	TXPREP_SW_CSUM, /* tap_csum_complete() in place, then post without offloads */
	TXPREP_SW_GSO,  /* tap_gso_segment() into nsegs frames, each complete */
	TXPREP_DROP,    /* malformed or unsupported: count and drop */
};

struct txprep_result {
	enum txprep_action action;
	uint32_t hdr_len; /* GSO frames: Ethernet through TCP header (repeated in each segment) */
	uint32_t nsegs;   /* GSO frames: segments the frame makes (1 with no payload) */
	const char *why;  /* DROP and software fallbacks: a static phrase for logs; else NULL */
};

/* Largest TSO MSS the device's meta descriptor carries (14 bits). */
#define TXPREP_TSO_MSS_MAX 0x3fffu

/**
 * txprep_frame() - decide how to send one frame read from the TAP.
 * @vh: the frame's virtio-net header as tap_vnet_parse() decoded it.
 * @frame, @len: the frame after the virtio-net header (read only; at most
 *               @len bytes are read).
 * @caps: what the device may be asked to do.
 * @pkt: for TXPREP_SEND, its flags, l3_proto, l4_proto, l3_hdr_off,
 *       l3_hdr_len, l4_hdr_len and mss are set (all 0 without offloads);
 *       bufs, nr_bufs and cookie are never touched. Otherwise untouched.
 * @ret: the decision.
 * Return: @ret->action.
 */
enum txprep_action txprep_frame(const struct tap_vnet *vh, const void *frame, size_t len,
				const struct txprep_caps *caps, struct ena_tx_pkt *pkt,
				struct txprep_result *ret);

/** txprep_action_name() - "send", "sw_csum", "sw_gso", "drop"; NULL when out of range. */
const char *txprep_action_name(unsigned int action);

#endif
