/* SPDX-License-Identifier: MIT */
/* enasim frame headers: Ethernet/IP/TCP/UDP parsing and Internet
 * checksums, shared by TX offloads, RX checksum status and RSS. */
#ifndef ENASIM_FRAME_H
#define ENASIM_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FRAME_ETH_HLEN 14
#define FRAME_ETH_P_IP 0x0800
#define FRAME_ETH_P_IPV6 0x86dd
#define FRAME_ETH_P_8021Q 0x8100
#define FRAME_ETH_P_8021AD 0x88a8
#define FRAME_IPPROTO_TCP 6
#define FRAME_IPPROTO_UDP 17
#define FRAME_TCP_FIN 0x01
#define FRAME_TCP_PSH 0x08
#define FRAME_TCP_CWR 0x80

/* Where the headers of one frame are; every offset is inside the frame. */
struct frame_info {
	uint16_t ethertype;
	uint16_t l3_off;      /* = L2 header length */
	uint16_t l3_len;      /* IP header incl. IPv6 extension headers */
	uint8_t ip_version;   /* 4, 6 or 0 (not IP) */
	uint8_t ip_proto;     /* upper-layer protocol number */
	bool frag;            /* IPv4 fragment or IPv6 fragment header */
	bool frag_first;      /* a fragment that still carries the L4 header */
	bool v6_ext;          /* IPv6 with extension headers */
	uint16_t l4_off;      /* 0 when there is no parsed TCP/UDP header */
	uint16_t l4_len;      /* TCP header length or 8 for UDP */
	uint32_t ip_end;      /* end of the IP datagram (bounded by the frame) */
};

/**
 * frame_parse() - locate the L2/L3/L4 headers of @f.
 * @ret: always filled (ip_version 0 when the frame is not IPv4/IPv6 or its
 * IP header is truncated).
 */
void frame_parse(const uint8_t *f, size_t len, struct frame_info *ret);

/** csum_add() - add @len bytes (big-endian 16-bit words; an odd last byte
 * is padded) to the running one's-complement sum @sum. */
uint32_t csum_add(uint32_t sum, const void *data, size_t len);

/** csum_fold() - fold a running sum to 16 bits (not complemented). */
uint16_t csum_fold(uint32_t sum);

/** frame_pseudo_sum() - running sum of the IPv4/IPv6 pseudo header of the
 * datagram at @l3 (version from the header) for @proto and @l4_len. */
uint32_t frame_pseudo_sum(const uint8_t *l3, uint8_t proto, uint32_t l4_len);

/** frame_ipv4_csum_ok() - true when the IPv4 header checksum verifies. */
bool frame_ipv4_csum_ok(const uint8_t *f, const struct frame_info *pi);

/**
 * frame_l4_csum_check() - verify the TCP/UDP checksum of a parsed frame.
 * Return: 1 good, 0 bad, -1 not checkable (no L4 header, fragment, or an
 * IPv4 UDP datagram without checksum).
 */
int frame_l4_csum_check(const uint8_t *f, const struct frame_info *pi);

static inline uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get_be32(const uint8_t *p)
{
	return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif /* ENASIM_FRAME_H */
