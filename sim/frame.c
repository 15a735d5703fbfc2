/* SPDX-License-Identifier: MIT */
/* enasim frame headers: parsing and Internet checksums (RFC 1071). */
#include <string.h>

#include "frame.h"

#define IPV6_HLEN 40
#define IPV6_EXT_MAX 8
#define NH_HOPOPTS 0
#define NH_ROUTING 43
#define NH_FRAGMENT 44
#define NH_AH 51
#define NH_DSTOPTS 60

uint32_t csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum;

	while (len >= 8) {
		acc += ((uint32_t)p[0] << 8 | p[1]) + ((uint32_t)p[2] << 8 | p[3]) +
		       ((uint32_t)p[4] << 8 | p[5]) + ((uint32_t)p[6] << 8 | p[7]);
		p += 8;
		len -= 8;
	}
	while (len >= 2) {
		acc += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffffu) + (sum >> 16);
	return (uint16_t)sum;
}

uint32_t frame_pseudo_sum(const uint8_t *l3, uint8_t proto, uint32_t l4_len)
{
	uint32_t sum;

	if ((l3[0] >> 4) == 4) {
		sum = csum_add(0, l3 + 12, 8);
	} else {
		sum = csum_add(0, l3 + 8, 32);
		sum += l4_len >> 16;
	}
	sum += l4_len & 0xffffu;
	sum += proto;
	return csum_fold(sum);
}

static void parse_l4(const uint8_t *f, struct frame_info *pi, uint16_t off)
{
	if (pi->frag && !pi->frag_first)
		return;
	if (pi->ip_proto == FRAME_IPPROTO_TCP && off + 20u <= pi->ip_end) {
		unsigned int doff = (f[off + 12] >> 4) * 4u;

		if (doff >= 20 && off + doff <= pi->ip_end) {
			pi->l4_off = off;
			pi->l4_len = (uint16_t)doff;
		}
	} else if (pi->ip_proto == FRAME_IPPROTO_UDP && off + 8u <= pi->ip_end) {
		pi->l4_off = off;
		pi->l4_len = 8;
	}
}

static void parse_ipv4(const uint8_t *f, size_t len, struct frame_info *pi)
{
	const uint8_t *ip = f + pi->l3_off;
	unsigned int ihl, tot, frag;

	if (len < pi->l3_off + 20u || (ip[0] >> 4) != 4)
		return;
	ihl = (ip[0] & 0xfu) * 4u;
	tot = get_be16(ip + 2);
	if (ihl < 20 || pi->l3_off + ihl > len || tot < ihl)
		return;
	pi->ip_version = 4;
	pi->l3_len = (uint16_t)ihl;
	pi->ip_proto = ip[9];
	pi->ip_end = pi->l3_off + tot < len ? pi->l3_off + tot : (uint32_t)len;
	frag = get_be16(ip + 6) & 0x3fffu; /* MF + offset */
	pi->frag = frag != 0;
	pi->frag_first = pi->frag && (frag & 0x1fffu) == 0;
	parse_l4(f, pi, (uint16_t)(pi->l3_off + ihl));
}

static void parse_ipv6(const uint8_t *f, size_t len, struct frame_info *pi)
{
	const uint8_t *ip = f + pi->l3_off;
	uint32_t off, end;
	uint8_t nh;

	if (len < pi->l3_off + (size_t)IPV6_HLEN || (ip[0] >> 4) != 6)
		return;
	end = pi->l3_off + IPV6_HLEN + get_be16(ip + 4);
	if (end > len)
		end = (uint32_t)len;
	off = pi->l3_off + IPV6_HLEN;
	nh = ip[6];
	for (int i = 0; i < IPV6_EXT_MAX; i++) {
		uint32_t hlen;

		if (nh != NH_HOPOPTS && nh != NH_ROUTING && nh != NH_DSTOPTS && nh != NH_FRAGMENT &&
		    nh != NH_AH)
			break;
		if (off + 8 > end)
			return;
		if (nh == NH_FRAGMENT) {
			uint16_t fo = get_be16(f + off + 2);

			hlen = 8;
			pi->frag = (fo & 0xfff9u) != 0; /* offset or M */
			pi->frag_first = pi->frag && (fo & 0xfff8u) == 0;
		} else if (nh == NH_AH) {
			hlen = (f[off + 1] + 2u) * 4u;
		} else {
			hlen = (f[off + 1] + 1u) * 8u;
		}
		pi->v6_ext = true;
		nh = f[off];
		off += hlen;
	}
	if (off > end || off - pi->l3_off > 0xffffu)
		return;
	pi->ip_version = 6;
	pi->l3_len = (uint16_t)(off - pi->l3_off);
	pi->ip_proto = nh;
	pi->ip_end = end;
	parse_l4(f, pi, (uint16_t)off);
}

void frame_parse(const uint8_t *f, size_t len, struct frame_info *ret)
{
	struct frame_info pi;

	memset(&pi, 0, sizeof(pi));
	if (len >= FRAME_ETH_HLEN) {
		pi.ethertype = get_be16(f + 12);
		pi.l3_off = FRAME_ETH_HLEN;
		if ((pi.ethertype == FRAME_ETH_P_8021Q || pi.ethertype == FRAME_ETH_P_8021AD) &&
		    len >= FRAME_ETH_HLEN + 4) {
			pi.ethertype = get_be16(f + 16);
			pi.l3_off = FRAME_ETH_HLEN + 4;
		}
		if (pi.ethertype == FRAME_ETH_P_IP)
			parse_ipv4(f, len, &pi);
		else if (pi.ethertype == FRAME_ETH_P_IPV6)
			parse_ipv6(f, len, &pi);
	}
	*ret = pi;
}

bool frame_ipv4_csum_ok(const uint8_t *f, const struct frame_info *pi)
{
	return pi->ip_version == 4 && csum_fold(csum_add(0, f + pi->l3_off, pi->l3_len)) == 0xffff;
}

int frame_l4_csum_check(const uint8_t *f, const struct frame_info *pi)
{
	uint32_t l4_len, sum;

	if (!pi->l4_off || pi->frag)
		return -1;
	l4_len = pi->ip_end - pi->l4_off;
	if (pi->ip_proto == FRAME_IPPROTO_UDP && pi->ip_version == 4 &&
	    get_be16(f + pi->l4_off + 6) == 0)
		return -1;
	sum = frame_pseudo_sum(f + pi->l3_off, pi->ip_proto, l4_len);
	sum = csum_add(sum, f + pi->l4_off, l4_len);
	return csum_fold(sum) == 0xffff ? 1 : 0;
}
