/* SPDX-License-Identifier: MIT */
/* Test packet builders and an independent Internet checksum, for tests that
 * check what crossed the device byte by byte. */
#ifndef TEST_PKT_H
#define TEST_PKT_H

#include <stddef.h>
#include <stdint.h>

#define PKT_ETH_LEN 14
#define PKT_IP4_LEN 20
#define PKT_UDP_LEN 8
#define PKT_TCP_LEN 20

struct pkt_flow {
	uint32_t saddr, daddr; /* host order */
	uint16_t sport, dport;
};

/* The Microsoft RSS verification key, in standard Toeplitz byte order. */
extern const uint8_t ms_rss_key[40];

/* Ethernet + IPv4 + UDP with @payload_len bytes of a pattern seeded by @seed.
 * Checksums are filled in unless @leave_csum (then L4 csum is 0 and the IP
 * header checksum is 0). Returns the frame length. */
size_t pkt_udp4(uint8_t *buf, const struct pkt_flow *f, size_t payload_len, uint32_t seed,
		int leave_csum);
/* Ethernet + IPv4 + TCP (20-byte header, ACK|PSH) with @payload_len bytes and
 * sequence @seq. With @pseudo_only the TCP checksum holds only the
 * pseudo-header sum (the partial-offload seed) and IP checksum 0. */
size_t pkt_tcp4(uint8_t *buf, const struct pkt_flow *f, uint32_t seq, size_t payload_len,
		uint32_t seed, int pseudo_only);
/* Ones-complement sum helpers. */
uint16_t pkt_csum(const void *data, size_t len, uint32_t initial);
/* 0 when the IPv4 header checksum and the TCP/UDP checksum are correct. */
int pkt_check_ip4_l4(const uint8_t *frame, size_t len);
/* The payload pattern byte at offset @i for @seed. */
static inline uint8_t pkt_pattern(uint32_t seed, size_t i)
{
	return (uint8_t)((seed * 131u) + i * 7u + (i >> 8));
}

#endif
