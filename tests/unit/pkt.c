/* SPDX-License-Identifier: MIT */
/* Test packet builders and an independent Internet checksum. */
#include <arpa/inet.h>
#include <string.h>

#include "pkt.h"

const uint8_t ms_rss_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

uint16_t pkt_csum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += (uint32_t)(p[0] << 8 | p[1]);
	if (len)
		sum += (uint32_t)p[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	uint32_t s = 0;

	for (int i = 12; i < 20; i += 2)
		s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	return s + proto + (uint32_t)l4_len;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static uint8_t *eth_ip4(uint8_t *buf, const struct pkt_flow *f, uint8_t proto, size_t l4_len)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0xee, 0, 1 }, src[6] = { 0x02, 0, 0, 0xee, 0, 2 };
	uint8_t *ip = buf + PKT_ETH_LEN;

	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put16(buf + 12, 0x0800);
	memset(ip, 0, PKT_IP4_LEN);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(PKT_IP4_LEN + l4_len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF */
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, f->saddr);
	put32(ip + 16, f->daddr);
	return ip;
}

size_t pkt_udp4(uint8_t *buf, const struct pkt_flow *f, size_t payload_len, uint32_t seed,
		int leave_csum)
{
	size_t l4_len = PKT_UDP_LEN + payload_len;
	uint8_t *ip = eth_ip4(buf, f, 17, l4_len);
	uint8_t *udp = ip + PKT_IP4_LEN;

	put16(udp, f->sport);
	put16(udp + 2, f->dport);
	put16(udp + 4, (uint16_t)l4_len);
	put16(udp + 6, 0);
	for (size_t i = 0; i < payload_len; i++)
		udp[PKT_UDP_LEN + i] = pkt_pattern(seed, i);
	if (!leave_csum) {
		uint16_t c = pkt_csum(udp, l4_len, pseudo_sum(ip, 17, l4_len));

		put16(udp + 6, c ? c : 0xffff);
		put16(ip + 10, pkt_csum(ip, PKT_IP4_LEN, 0));
	}
	return PKT_ETH_LEN + PKT_IP4_LEN + l4_len;
}

size_t pkt_tcp4(uint8_t *buf, const struct pkt_flow *f, uint32_t seq, size_t payload_len,
		uint32_t seed, int pseudo_only)
{
	size_t l4_len = PKT_TCP_LEN + payload_len;
	uint8_t *ip = eth_ip4(buf, f, 6, l4_len);
	uint8_t *tcp = ip + PKT_IP4_LEN;

	memset(tcp, 0, PKT_TCP_LEN);
	put16(tcp, f->sport);
	put16(tcp + 2, f->dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, 1);
	tcp[12] = 5 << 4;
	tcp[13] = 0x18; /* ACK | PSH */
	put16(tcp + 14, 0xffff);
	for (size_t i = 0; i < payload_len; i++)
		tcp[PKT_TCP_LEN + i] = pkt_pattern(seed, i);
	if (pseudo_only) {
		/* Partial offload: the checksum field seeds the device with the
		 * folded pseudo-header sum (not inverted). */
		uint16_t c = (uint16_t)~pkt_csum(NULL, 0, pseudo_sum(ip, 6, l4_len));

		put16(tcp + 16, c);
	} else {
		put16(tcp + 16, pkt_csum(tcp, l4_len, pseudo_sum(ip, 6, l4_len)));
		put16(ip + 10, pkt_csum(ip, PKT_IP4_LEN, 0));
	}
	return PKT_ETH_LEN + PKT_IP4_LEN + l4_len;
}

int pkt_check_ip4_l4(const uint8_t *frame, size_t len)
{
	const uint8_t *ip = frame + PKT_ETH_LEN;
	size_t ip_total, l4_len;

	if (len < PKT_ETH_LEN + PKT_IP4_LEN || (ip[0] >> 4) != 4)
		return -1;
	if (pkt_csum(ip, (size_t)(ip[0] & 0xf) * 4, 0) != 0)
		return -2;
	ip_total = (size_t)(ip[2] << 8 | ip[3]);
	if (ip_total + PKT_ETH_LEN > len)
		return -3;
	l4_len = ip_total - (size_t)(ip[0] & 0xf) * 4;
	if (pkt_csum(ip + (ip[0] & 0xf) * 4, l4_len, pseudo_sum(ip, ip[9], l4_len)) != 0)
		return -4;
	return 0;
}
