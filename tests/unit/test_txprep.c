/* SPDX-License-Identifier: MIT */
/* txprep: the TX offload decision for frames from the TAP - exact TSO and
 * checksum fields, software fallbacks, and malformed frames dropped without
 * reading past their end (every frame sits in a buffer of exactly its size). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pkt.h"
#include "tap.h"
#include "txprep.h"

#define BIG 70000

static const struct txprep_caps all_caps = {
	.csum4 = true, .csum6 = true, .tso4 = true, .tso6 = true, .tso_ecn = true,
};
static const struct pkt_flow flow = { 0x0a000001, 0x0a000002, 40000, 80 };

static uint8_t frame[BIG];

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Run txprep on an exact-size heap copy of @f (so ASan sees any overread).
 * @pkt keeps sentinel values in the fields txprep must not touch. */
static enum txprep_action prep(const struct tap_vnet *vh, const uint8_t *f, size_t len,
			       const struct txprep_caps *caps, struct ena_tx_pkt *pkt,
			       struct txprep_result *res)
{
	static const struct ena_tx_buf sentinel_buf;
	uint8_t *copy = malloc(len ? len : 1);
	enum txprep_action a;

	assert_non_null(copy);
	memcpy(copy, f, len);
	memset(pkt, 0xa5, sizeof(*pkt));
	pkt->bufs = &sentinel_buf;
	pkt->nr_bufs = 7;
	pkt->cookie = 0x1234567890ull;
	a = txprep_frame(vh, copy, len, caps, pkt, res);
	assert_int_equal(a, res->action);
	assert_ptr_equal(pkt->bufs, &sentinel_buf);
	assert_int_equal(pkt->nr_bufs, 7);
	assert_int_equal(pkt->cookie, 0x1234567890ull);
	/* txprep only reads */
	assert_memory_equal(copy, f, len);
	free(copy);
	return a;
}

static struct tap_vnet vh_tso(uint8_t type, uint16_t csum_start, uint16_t mss)
{
	return (struct tap_vnet){
		.gso_type = type, .needs_csum = true, .csum_start = csum_start, .csum_offset = 16,
		.gso_size = mss, .hdr_len = (uint16_t)(csum_start + 20),
	};
}

static struct tap_vnet vh_csum(uint16_t csum_start, uint16_t csum_offset)
{
	return (struct tap_vnet){ .needs_csum = true, .csum_start = csum_start,
				  .csum_offset = csum_offset };
}

/* Ethernet + IPv6 + TCP (20-byte header) + @payload bytes. */
static size_t tcp6(uint8_t *buf, size_t payload)
{
	uint8_t *ip = buf + PKT_ETH_LEN, *tcp = ip + 40;

	memset(buf, 0, PKT_ETH_LEN + 40 + PKT_TCP_LEN);
	buf[0] = 0x02;
	buf[6] = 0x02;
	put16(buf + 12, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(PKT_TCP_LEN + payload));
	ip[6] = 6;
	ip[7] = 64;
	ip[8] = 0xfd;
	ip[23] = 1;
	ip[24] = 0xfd;
	ip[39] = 2;
	put16(tcp, 40000);
	put16(tcp + 2, 80);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18;
	for (size_t i = 0; i < payload; i++)
		tcp[PKT_TCP_LEN + i] = pkt_pattern(3, i);
	return PKT_ETH_LEN + 40 + PKT_TCP_LEN + payload;
}

/* Ethernet + IPv6 + UDP + @payload bytes. */
static size_t udp6(uint8_t *buf, size_t payload)
{
	size_t len = tcp6(buf, 0);
	uint8_t *ip = buf + PKT_ETH_LEN, *udp = ip + 40;

	(void)len;
	ip[6] = 17;
	put16(ip + 4, (uint16_t)(PKT_UDP_LEN + payload));
	memset(udp, 0, PKT_UDP_LEN);
	put16(udp, 5000);
	put16(udp + 2, 5001);
	put16(udp + 4, (uint16_t)(PKT_UDP_LEN + payload));
	for (size_t i = 0; i < payload; i++)
		udp[PKT_UDP_LEN + i] = pkt_pattern(4, i);
	return PKT_ETH_LEN + 40 + PKT_UDP_LEN + payload;
}

/* Insert a VLAN tag of @tpid after the MAC addresses. */
static size_t add_vlan(uint8_t *buf, size_t len, uint16_t tpid, uint16_t tci)
{
	memmove(buf + 16, buf + 12, len - 12);
	put16(buf + 12, tpid);
	put16(buf + 14, tci);
	return len + 4;
}

/* Grow the IPv4 header at @l3 by @extra option bytes (NOPs). */
static size_t add_ip4_options(uint8_t *buf, size_t len, size_t l3, size_t extra)
{
	uint8_t *ip = buf + l3;
	size_t ihl = (size_t)(ip[0] & 0xf) * 4;

	memmove(ip + ihl + extra, ip + ihl, len - l3 - ihl);
	memset(ip + ihl, 1, extra);
	ip[0] = (uint8_t)(0x40 | (ihl + extra) / 4);
	put16(ip + 2, (uint16_t)(get16(ip + 2) + extra));
	return len + extra;
}

/* Grow the TCP header at @l4 by @extra option bytes (NOPs); fix the IP length at @l3. */
static size_t add_tcp_options(uint8_t *buf, size_t len, size_t l3, size_t l4, size_t extra, bool v6)
{
	uint8_t *th = buf + l4;
	size_t doff = (size_t)(th[12] >> 4) * 4;

	memmove(th + doff + extra, th + doff, len - l4 - doff);
	memset(th + doff, 1, extra);
	th[12] = (uint8_t)(((doff + extra) / 4) << 4);
	if (v6)
		put16(buf + l3 + 4, (uint16_t)(get16(buf + l3 + 4) + extra));
	else
		put16(buf + l3 + 2, (uint16_t)(get16(buf + l3 + 2) + extra));
	return len + extra;
}

static void test_ipv4_tcp_tso(void **state)
{
	struct tap_vnet vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 34, 1448);
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	size_t len = pkt_tcp4(frame, &flow, 1000, 20000, 1, 1);

	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, ENA_TX_PKT_TSO | ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L3_CSUM |
					    ENA_TX_PKT_DF);
	assert_int_equal(pkt.l3_proto, ENA_L3_PROTO_IPV4);
	assert_int_equal(pkt.l4_proto, ENA_L4_PROTO_TCP);
	assert_int_equal(pkt.l3_hdr_off, 14);
	assert_int_equal(pkt.l3_hdr_len, 20);
	assert_int_equal(pkt.l4_hdr_len, 20);
	assert_int_equal(pkt.mss, 1448);
	assert_int_equal(res.hdr_len, 54);
	assert_int_equal(res.nsegs, 14); /* 20000 / 1448 = 13.8 */
	assert_null(res.why);

	/* Without DF the flag goes too. */
	put16(frame + 14 + 6, 0);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, ENA_TX_PKT_TSO | ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L3_CSUM);
	(void)state;
}

static void test_ipv4_options_tcp_options(void **state)
{
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	size_t len = pkt_tcp4(frame, &flow, 1, 3000, 2, 1);
	struct tap_vnet vh;

	len = add_ip4_options(frame, len, 14, 8);        /* IHL 7 */
	len = add_tcp_options(frame, len, 14, 42, 12, false); /* doff 8 */
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 42, 1000);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.l3_hdr_off, 14);
	assert_int_equal(pkt.l3_hdr_len, 28);
	assert_int_equal(pkt.l4_hdr_len, 32);
	assert_int_equal(pkt.mss, 1000);
	assert_int_equal(res.hdr_len, 14 + 28 + 32);
	assert_int_equal(res.nsegs, 3);
	(void)state;
}

static void test_ipv6_tcp_tso(void **state)
{
	struct tap_vnet vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV6, 54, 1428);
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	size_t len = tcp6(frame, 10000);

	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	/* No IPv4 header checksum and no DF for IPv6. */
	assert_int_equal(pkt.flags, ENA_TX_PKT_TSO | ENA_TX_PKT_L4_CSUM);
	assert_int_equal(pkt.l3_proto, ENA_L3_PROTO_IPV6);
	assert_int_equal(pkt.l4_proto, ENA_L4_PROTO_TCP);
	assert_int_equal(pkt.l3_hdr_off, 14);
	assert_int_equal(pkt.l3_hdr_len, 40);
	assert_int_equal(pkt.l4_hdr_len, 20);
	assert_int_equal(pkt.mss, 1428);
	assert_int_equal(res.nsegs, 8); /* 10000 / 1428 = 7.003 */

	/* TCP options on IPv6 */
	len = add_tcp_options(frame, len, 14, 54, 20, true);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.l4_hdr_len, 40);
	assert_int_equal(res.hdr_len, 14 + 40 + 40);
	(void)state;
}

static void test_vlan_tagged(void **state)
{
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	struct tap_vnet vh;
	size_t len;

	/* QinQ (802.1ad outer, 802.1Q inner) UDP with a partial checksum */
	len = pkt_udp4(frame, &flow, 300, 5, 0);
	len = add_vlan(frame, len, 0x8100, 100);
	len = add_vlan(frame, len, 0x88a8, 200);
	vh = vh_csum(22 + 20, 6);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL | ENA_TX_PKT_DF);
	assert_int_equal(pkt.l3_hdr_off, 22);
	assert_int_equal(pkt.l3_hdr_len, 20);
	assert_int_equal(pkt.l4_proto, ENA_L4_PROTO_UDP);

	/* one tag, TCP TSO */
	len = pkt_tcp4(frame, &flow, 1, 5000, 3, 1);
	len = add_vlan(frame, len, 0x8100, 7);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 38, 1448);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.l3_hdr_off, 18);
	assert_int_equal(res.hdr_len, 58);
	assert_int_equal(res.nsegs, 4);

	/* two tags, TCP TSO */
	len = add_vlan(frame, len, 0x88a8, 8);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 42, 1448);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.l3_hdr_off, 22);

	/* a third tag is not parsed: the frame is not IP to us */
	len = add_vlan(frame, len, 0x8100, 9);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 46, 1448);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	(void)state;
}

static void test_udp_needs_csum(void **state)
{
	struct tap_vnet vh = vh_csum(34, 6);
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	size_t len = pkt_udp4(frame, &flow, 1000, 6, 0);

	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL | ENA_TX_PKT_DF);
	assert_int_equal(pkt.l3_proto, ENA_L3_PROTO_IPV4);
	assert_int_equal(pkt.l4_proto, ENA_L4_PROTO_UDP);
	assert_int_equal(pkt.l3_hdr_off, 14);
	assert_int_equal(pkt.l3_hdr_len, 20);
	assert_int_equal(pkt.l4_hdr_len, 0);
	assert_int_equal(pkt.mss, 0);

	/* TCP checksum only */
	len = pkt_tcp4(frame, &flow, 1, 100, 7, 1);
	vh = vh_csum(34, 16);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL | ENA_TX_PKT_DF);
	assert_int_equal(pkt.l4_proto, ENA_L4_PROTO_TCP);

	/* IPv6 UDP */
	len = udp6(frame, 200);
	vh = vh_csum(54, 6);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL);
	assert_int_equal(pkt.l3_proto, ENA_L3_PROTO_IPV6);
	assert_int_equal(pkt.l3_hdr_len, 40);
	(void)state;
}

static void test_plain_frame(void **state)
{
	struct tap_vnet vh = { 0 };
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	size_t len = pkt_udp4(frame, &flow, 10, 8, 0);

	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.flags, 0);
	assert_int_equal(pkt.l3_proto, 0);
	assert_int_equal(pkt.l4_proto, 0);
	assert_int_equal(pkt.l3_hdr_off, 0);
	assert_int_equal(pkt.l3_hdr_len, 0);
	assert_int_equal(pkt.l4_hdr_len, 0);
	assert_int_equal(pkt.mss, 0);
	/* Not parsed: even a non-IP frame goes as is. */
	put16(frame + 12, 0x88b5);
	assert_int_equal(prep(&vh, frame, 60, &all_caps, &pkt, &res), TXPREP_SEND);
	/* But a runt is no Ethernet frame. */
	assert_int_equal(prep(&vh, frame, 13, &all_caps, &pkt, &res), TXPREP_DROP);
	assert_non_null(res.why);
	(void)state;
}

static void test_fallbacks(void **state)
{
	struct txprep_caps caps = all_caps;
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	struct tap_vnet vh;
	size_t len;

	/* IPv6 checksum without IPv6 checksum offload: software; IPv4 still offloaded */
	caps.csum6 = false;
	len = udp6(frame, 100);
	vh = vh_csum(54, 6);
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SW_CSUM);
	assert_non_null(res.why);
	len = pkt_udp4(frame, &flow, 100, 1, 0);
	vh = vh_csum(34, 6);
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SEND);
	caps.csum4 = false;
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SW_CSUM);

	/* TSO missing for the IP version: software GSO with the right count */
	caps = all_caps;
	caps.tso6 = false;
	len = tcp6(frame, 3000);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV6, 54, 1000);
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SW_GSO);
	assert_int_equal(res.nsegs, 3);
	assert_int_equal(res.hdr_len, 74);
	caps.tso4 = false;
	len = pkt_tcp4(frame, &flow, 1, 2897, 1, 1);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 34, 1448);
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SW_GSO);
	assert_int_equal(res.nsegs, 3); /* 1448 + 1448 + 1 */
	/* no payload: one segment */
	len = pkt_tcp4(frame, &flow, 1, 0, 1, 1);
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SW_GSO);
	assert_int_equal(res.nsegs, 1);

	/* ECN flow without TSO_ECN */
	caps = all_caps;
	caps.tso_ecn = false;
	len = pkt_tcp4(frame, &flow, 1, 5000, 1, 1);
	vh.gso_ecn = true;
	assert_int_equal(prep(&vh, frame, len, &caps, &pkt, &res), TXPREP_SW_GSO);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);

	/* MSS beyond the meta descriptor's 14 bits */
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 34, 16384);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SW_GSO);
	assert_int_equal(res.nsegs, 1);

	/* not IP, or the offsets are not the L4 header's: software from the offsets */
	len = pkt_udp4(frame, &flow, 100, 1, 0);
	vh = vh_csum(34, 6);
	put16(frame + 12, 0x88b5);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SW_CSUM);
	put16(frame + 12, 0x0800);
	vh = vh_csum(40, 2);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SW_CSUM);
	vh = vh_csum(34, 16); /* TCP's offset on a UDP frame */
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SW_CSUM);
	/* not TCP/UDP (ICMP) */
	frame[14 + 9] = 1;
	vh = vh_csum(34, 2);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SW_CSUM);
	/* an IPv4 fragment */
	frame[14 + 9] = 17;
	put16(frame + 14 + 6, 0x2000);
	vh = vh_csum(34, 6);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SW_CSUM);
	(void)state;
}

static void test_malformed(void **state)
{
	struct txprep_result res;
	struct ena_tx_pkt pkt;
	struct tap_vnet vh;
	size_t len;

	/* IHL < 5 */
	len = pkt_udp4(frame, &flow, 100, 1, 0);
	vh = vh_csum(34, 6);
	frame[14] = 0x44;
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	assert_non_null(res.why);
	/* IHL beyond the frame */
	frame[14] = 0x4f;
	assert_int_equal(prep(&vh, frame, 34 + 20, &all_caps, &pkt, &res), TXPREP_DROP);
	/* IP version does not match the ethertype */
	frame[14] = 0x65;
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	frame[14] = 0x45;
	/* total length beyond the frame, and shorter than the header */
	put16(frame + 16, (uint16_t)(len - 14 + 1));
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	put16(frame + 16, 19);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	/* total length shorter than IP + UDP headers */
	put16(frame + 16, 24);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	put16(frame + 16, (uint16_t)(len - 14));
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	/* csum_start / csum_offset outside the frame */
	vh = vh_csum((uint16_t)len, 6);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	vh = vh_csum(34, (uint16_t)(len - 34 - 1));
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	vh = vh_csum(0xffff, 0xffff);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);

	/* IPv6 payload length 0 (jumbogram) or beyond the frame */
	len = udp6(frame, 50);
	vh = vh_csum(54, 6);
	put16(frame + 18, 0);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	put16(frame + 18, (uint16_t)(len - 54 + 1));
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);

	/* GSO: wrong family, not TCP, fragment, bad doff, length mismatch, UDP GSO */
	len = pkt_tcp4(frame, &flow, 1, 4000, 1, 1);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV6, 34, 1448);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 34, 1448);
	frame[14 + 9] = 17;
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	frame[14 + 9] = 6;
	put16(frame + 14 + 6, 0x2001);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	put16(frame + 14 + 6, 0x4000);
	frame[34 + 12] = 4 << 4;
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	frame[34 + 12] = 15 << 4; /* 60-byte TCP header: fits, still fine */
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_SEND);
	assert_int_equal(pkt.l4_hdr_len, 60);
	frame[34 + 12] = 5 << 4;
	assert_int_equal(prep(&vh, frame, len - 1, &all_caps, &pkt, &res), TXPREP_DROP);
	vh.csum_start = 38;
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_UDP, 34, 1448);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 34, 0);
	assert_int_equal(prep(&vh, frame, len, &all_caps, &pkt, &res), TXPREP_DROP);
	(void)state;
}

/* Every truncation of a sound frame is dropped, and nothing is read past it. */
static void truncations(const struct tap_vnet *vh, size_t len)
{
	for (size_t n = 0; n < len; n++) {
		struct txprep_result res;
		struct ena_tx_pkt pkt;

		if (prep(vh, frame, n, &all_caps, &pkt, &res) != TXPREP_DROP)
			fail_msg("a %zu-byte prefix of a %zu-byte frame was not dropped (%s)", n, len,
				 txprep_action_name(res.action));
	}
}

static void test_truncated(void **state)
{
	struct tap_vnet vh;
	size_t len;

	len = pkt_udp4(frame, &flow, 64, 1, 0);
	vh = vh_csum(34, 6);
	truncations(&vh, len);
	len = pkt_tcp4(frame, &flow, 1, 3000, 1, 1);
	len = add_vlan(frame, len, 0x8100, 3);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV4, 38, 1448);
	truncations(&vh, len);
	len = tcp6(frame, 100);
	vh = vh_tso(VIRTIO_NET_HDR_GSO_TCPV6, 54, 1448);
	truncations(&vh, len);
	(void)state;
}

/* Random bytes and headers: never a crash or an overread (ASan, valgrind),
 * and whatever is offloaded lies inside the frame. */
static void test_random_frames(void **state)
{
	static const uint8_t gso_types[] = { 0, 1, 3, 4, 5, 0x7f };
	unsigned int seed = 12345;
	uint8_t buf[256];

	for (int it = 0; it < 20000; it++) {
		struct txprep_result res;
		struct ena_tx_pkt pkt;
		struct tap_vnet vh;
		size_t len = (size_t)rand_r(&seed) % sizeof(buf);
		size_t base;

		/* Start from a sound frame half of the time, then flip bytes. */
		memset(buf, 0x5a, sizeof(buf));
		base = it & 1 ? pkt_tcp4(buf, &flow, 1, 150, 1, 1) : pkt_udp4(buf, &flow, 150, 1, 0);
		(void)base;
		for (int k = rand_r(&seed) % 6; k > 0; k--)
			buf[rand_r(&seed) % 80] = (uint8_t)rand_r(&seed);
		if (rand_r(&seed) % 3 == 0)
			put16(buf + 12, rand_r(&seed) & 1 ? 0x86dd : 0x8100);
		vh = (struct tap_vnet){
			.gso_type = gso_types[(unsigned int)rand_r(&seed) % sizeof(gso_types)],
			.needs_csum = rand_r(&seed) & 1,
			.gso_size = (uint16_t)(rand_r(&seed) % 3000),
			.csum_start = (uint16_t)(rand_r(&seed) % 100),
			.csum_offset = (uint16_t)(rand_r(&seed) % 20),
		};
		prep(&vh, buf, len, &all_caps, &pkt, &res);
		if (res.action == TXPREP_SEND && pkt.flags) {
			assert_true((size_t)pkt.l3_hdr_off + pkt.l3_hdr_len + pkt.l4_hdr_len <= len);
			assert_true(pkt.l3_hdr_len >= 20);
		}
		if (res.action == TXPREP_SW_GSO)
			assert_true(res.hdr_len <= len && res.nsegs >= 1);
		if (res.action == TXPREP_SW_CSUM)
			assert_true((size_t)vh.csum_start + vh.csum_offset + 2 <= len);
	}
	(void)state;
}

static void test_action_names(void **state)
{
	assert_string_equal(txprep_action_name(TXPREP_SEND), "send");
	assert_string_equal(txprep_action_name(TXPREP_SW_CSUM), "sw_csum");
	assert_string_equal(txprep_action_name(TXPREP_SW_GSO), "sw_gso");
	assert_string_equal(txprep_action_name(TXPREP_DROP), "drop");
	assert_null(txprep_action_name(TXPREP_DROP + 1));
	(void)state;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp_tso),
		cmocka_unit_test(test_ipv4_options_tcp_options),
		cmocka_unit_test(test_ipv6_tcp_tso),
		cmocka_unit_test(test_vlan_tagged),
		cmocka_unit_test(test_udp_needs_csum),
		cmocka_unit_test(test_plain_frame),
		cmocka_unit_test(test_fallbacks),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_random_frames),
		cmocka_unit_test(test_action_names),
	};

	return cmocka_run_group_tests_name("txprep", tests, NULL, NULL);
}
