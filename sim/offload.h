/* SPDX-License-Identifier: MIT */
/* enasim stateless offloads: TX checksum completion, TSO segmentation and
 * the GSO description handed to wires that accept whole GSO frames. */
#ifndef ENASIM_OFFLOAD_H
#define ENASIM_OFFLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What the driver asked for, from the descriptors and the meta cache. */
struct offload_req {
	bool l3_csum;         /* IPv4 header checksum */
	bool l4_csum;         /* TCP/UDP checksum */
	bool l4_partial;      /* the L4 checksum field holds the pseudo-header sum */
	bool tso;
	uint16_t mss;
	uint16_t l3_off;      /* 0: taken from the frame */
	uint16_t l3_len;      /* 0: taken from the frame */
	uint16_t l4_len;      /* TCP header bytes; 0: taken from the frame */
	uint8_t l4_proto;     /* ENA_L4_PROTO_TCP/UDP; 0: taken from the frame */
};

enum sim_gso_type {
	SIM_GSO_NONE = 0,
	SIM_GSO_TCPV4,
	SIM_GSO_TCPV6,
};

/* A frame as a wire carries it: whole GSO frames keep their segmentation
 * and checksum duties (virtio_net_hdr semantics). */
struct sim_gso {
	uint8_t type;         /* enum sim_gso_type */
	bool ecn;
	bool needs_csum;      /* complete the checksum at csum_start + csum_offset */
	uint16_t hdr_len;
	uint16_t size;        /* MSS */
	uint16_t csum_start;
	uint16_t csum_offset;
};

/**
 * offload_checksum() - complete the requested IPv4 header and TCP/UDP
 * checksums of frame @f in place (no-op when none is requested).
 * Return: 0, or -EINVAL when the headers are not inside the frame.
 */
int offload_checksum(uint8_t *f, size_t len, const struct offload_req *req);

/* Receives each segment; @seg is valid during the call only. */
typedef void (*offload_emit_fn)(void *ctx, const uint8_t *seg, size_t len);

/**
 * offload_tso() - cut TCP frame @f into segments of at most @req->mss
 * payload bytes: per segment IPv4 total length, ID and header checksum (or
 * IPv6 payload length), TCP sequence number, FIN/PSH only on the last and
 * CWR only on the first, TCP checksum. Built one at a time in @seg.
 * Return: the number of segments, or -EINVAL (not TCP, headers outside the
 * frame, MSS 0, or a segment larger than @seg_cap).
 */
int offload_tso(const uint8_t *f, size_t len, const struct offload_req *req, uint8_t *seg,
		size_t seg_cap, offload_emit_fn emit, void *ctx);

/**
 * offload_gso_prepare() - make TSO frame @f ready to cross a GSO-capable
 * wire whole: IP length and IPv4 header checksum for the whole frame, TCP
 * checksum field = pseudo-header sum, and @ret describing it.
 * Return: 0 or -EINVAL (as offload_tso(), or the frame is over 64 KiB).
 */
int offload_gso_prepare(uint8_t *f, size_t len, const struct offload_req *req,
			struct sim_gso *ret);

/**
 * offload_csum_complete() - finish a partial checksum: the 16-bit field at
 * @start + @offset holds the seed; sum [start, len) and store it there.
 * Return: 0 or -EINVAL when the field is outside the frame.
 */
int offload_csum_complete(uint8_t *f, size_t len, uint16_t start, uint16_t offset);

#endif /* ENASIM_OFFLOAD_H */
