/* SPDX-License-Identifier: MIT */
/* TX offload preparation: parse a frame from the TAP and decide device offload or software fallback. */
#include <linux/if_ether.h>
#include <netinet/in.h>
#include <string.h>

#include "txprep.h"

#define IP4_HLEN_MIN 20
#define IP6_HLEN 40
#define TCP_HLEN_MIN 20
#define UDP_HLEN 8
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6
#define IP4_DF 0x4000u
#define IP4_FRAG_MASK 0x3fffu /* MF and fragment offset */

/* What the parser found; offsets are from the start of the frame. */
struct layers {
	size_t l3;        /* IP header offset (after Ethernet and VLAN tags) */
	size_t l4;        /* L4 header offset; 0 when not located */
	size_t ip_end;    /* end of the datagram per its IP header */
	uint16_t ethertype;
	uint8_t l4_proto; /* IPPROTO_* (IPv6: next header of the fixed header) */
	bool ipv4, ipv6;
	bool ipv4_frag;
	bool ipv4_df;
};

static uint16_t get_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static enum txprep_action decide(struct txprep_result *ret, enum txprep_action action,
				 const char *why)
{
	ret->action = action;
	ret->why = why;
	return action;
}

/*
 * Ethernet, VLAN tags and the IP header. Return: NULL when the frame is
 * fine as far as it got (ret->ipv4/ipv6 say whether an IP header was
 * found), else why it is malformed.
 */
static const char *parse_l2_l3(const uint8_t *f, size_t len, struct layers *ret)
{
	size_t off = ETH_HLEN;
	uint16_t type;

	memset(ret, 0, sizeof(*ret));
	if (len < ETH_HLEN)
		return "frame shorter than an Ethernet header";
	type = get_be16(f + 12);
	for (int tags = 0; tags < 2 && (type == ETH_P_8021Q || type == ETH_P_8021AD); tags++) {
		if (len < off + 4)
			return "VLAN tag beyond the end of the frame";
		type = get_be16(f + off + 2);
		off += 4;
	}
	ret->ethertype = type;
	ret->l3 = off;
	if (type == ETH_P_IP) {
		size_t ihl, tot;
		uint16_t frag;

		if (len < off + IP4_HLEN_MIN)
			return "IPv4 header beyond the end of the frame";
		if (f[off] >> 4 != 4)
			return "IPv4 ethertype with an IP version other than 4";
		ihl = (size_t)(f[off] & 0xf) * 4;
		if (ihl < IP4_HLEN_MIN)
			return "IPv4 header length (IHL) below 5";
		if (len < off + ihl)
			return "IPv4 options beyond the end of the frame";
		tot = get_be16(f + off + 2);
		if (tot < ihl)
			return "IPv4 total length shorter than its header";
		if (off + tot > len)
			return "IPv4 total length beyond the end of the frame";
		frag = get_be16(f + off + 6);
		ret->ipv4 = true;
		ret->ipv4_frag = (frag & IP4_FRAG_MASK) != 0;
		ret->ipv4_df = (frag & IP4_DF) != 0;
		ret->l4_proto = f[off + 9];
		ret->l4 = off + ihl;
		ret->ip_end = off + tot;
	} else if (type == ETH_P_IPV6) {
		size_t plen;

		if (len < off + IP6_HLEN)
			return "IPv6 header beyond the end of the frame";
		if (f[off] >> 4 != 6)
			return "IPv6 ethertype with an IP version other than 6";
		plen = get_be16(f + off + 4);
		if (plen == 0)
			return "IPv6 payload length 0 (jumbogram)";
		if (off + IP6_HLEN + plen > len)
			return "IPv6 payload length beyond the end of the frame";
		ret->ipv6 = true;
		ret->l4_proto = f[off + 6];
		ret->l4 = off + IP6_HLEN;
		ret->ip_end = off + IP6_HLEN + plen;
	}
	return NULL;
}

/* A frame with NEEDS_CSUM and no GSO. */
static enum txprep_action prep_csum(const struct tap_vnet *vh, const uint8_t *f, size_t len,
				    const struct txprep_caps *caps, struct ena_tx_pkt *pkt,
				    struct txprep_result *ret)
{
	struct layers l;
	const char *bad = parse_l2_l3(f, len, &l);
	size_t l4_min;
	bool tcp;

	if (bad)
		return decide(ret, TXPREP_DROP, bad);
	/* From here on the frame is sound; whatever the device cannot take,
	 * software finishes from csum_start/csum_offset alone. */
	if (!l.ipv4 && !l.ipv6)
		return decide(ret, TXPREP_SW_CSUM, "not IPv4 or IPv6");
	if (l.ipv4_frag)
		return decide(ret, TXPREP_SW_CSUM, "IPv4 fragment");
	if (l.l4_proto != IPPROTO_TCP && l.l4_proto != IPPROTO_UDP)
		return decide(ret, TXPREP_SW_CSUM,
			      l.ipv6 ? "IPv6 extension headers or not TCP/UDP" : "not TCP or UDP");
	tcp = l.l4_proto == IPPROTO_TCP;
	if (vh->csum_start != l.l4 || vh->csum_offset != (tcp ? TCP_CSUM_OFF : UDP_CSUM_OFF))
		return decide(ret, TXPREP_SW_CSUM, "checksum offsets are not the L4 header's");
	l4_min = tcp ? TCP_HLEN_MIN : UDP_HLEN;
	if (l.ip_end < l.l4 + l4_min)
		return decide(ret, TXPREP_DROP, "IP length shorter than the L4 header");
	if (!(l.ipv4 ? caps->csum4 : caps->csum6))
		return decide(ret, TXPREP_SW_CSUM, "no checksum offload for this IP version");
	if (l.l3 > UINT8_MAX || l.l4 - l.l3 > UINT8_MAX)
		return decide(ret, TXPREP_SW_CSUM, "headers too long for the meta descriptor");

	pkt->flags = ENA_TX_PKT_L4_CSUM | ENA_TX_PKT_L4_PARTIAL | (l.ipv4_df ? ENA_TX_PKT_DF : 0);
	pkt->l3_proto = l.ipv4 ? ENA_L3_PROTO_IPV4 : ENA_L3_PROTO_IPV6;
	pkt->l4_proto = tcp ? ENA_L4_PROTO_TCP : ENA_L4_PROTO_UDP;
	pkt->l3_hdr_off = (uint8_t)l.l3;
	pkt->l3_hdr_len = (uint8_t)(l.l4 - l.l3);
	pkt->l4_hdr_len = 0;
	pkt->mss = 0;
	return decide(ret, TXPREP_SEND, NULL);
}

/* A TCP GSO frame (TCPV4 or TCPV6). */
static enum txprep_action prep_gso(const struct tap_vnet *vh, const uint8_t *f, size_t len,
				   const struct txprep_caps *caps, struct ena_tx_pkt *pkt,
				   struct txprep_result *ret)
{
	bool v4 = vh->gso_type == VIRTIO_NET_HDR_GSO_TCPV4;
	struct layers l;
	const char *bad = parse_l2_l3(f, len, &l);
	size_t l4, doff, payload;
	bool ext = false;

	if (bad)
		return decide(ret, TXPREP_DROP, bad);
	if (v4 ? !l.ipv4 : !l.ipv6)
		return decide(ret, TXPREP_DROP, v4 ? "GSO TCPV4 on a frame that is not IPv4"
						   : "GSO TCPV6 on a frame that is not IPv6");
	if (l.ipv4_frag)
		return decide(ret, TXPREP_DROP, "GSO frame is an IPv4 fragment");
	/* Segments are cut from the whole frame: its IP length must say so. */
	if (l.ip_end != len)
		return decide(ret, TXPREP_DROP, "GSO frame length differs from its IP length");
	l4 = l.l4;
	if (l.l4_proto != IPPROTO_TCP) {
		/* IPv6 extension headers: only csum_start says where TCP starts. */
		if (!l.ipv6)
			return decide(ret, TXPREP_DROP, "GSO TCPV4 frame is not TCP");
		if (!vh->needs_csum || vh->csum_start < l.l4)
			return decide(ret, TXPREP_DROP, "GSO TCPV6 frame is not TCP");
		l4 = vh->csum_start;
		ext = true;
	}
	if (vh->needs_csum && (vh->csum_start != l4 || vh->csum_offset != TCP_CSUM_OFF))
		return decide(ret, TXPREP_DROP, "GSO checksum offsets are not the TCP header's");
	if (len < l4 + TCP_HLEN_MIN)
		return decide(ret, TXPREP_DROP, "TCP header beyond the end of the frame");
	doff = (size_t)(f[l4 + 12] >> 4) * 4;
	if (doff < TCP_HLEN_MIN)
		return decide(ret, TXPREP_DROP, "TCP data offset below 5");
	if (len < l4 + doff)
		return decide(ret, TXPREP_DROP, "TCP options beyond the end of the frame");

	payload = len - l4 - doff;
	ret->hdr_len = (uint32_t)(l4 + doff);
	ret->nsegs = payload == 0 ? 1u : (uint32_t)((payload + vh->gso_size - 1) / vh->gso_size);

	if (!(v4 ? caps->tso4 : caps->tso6))
		return decide(ret, TXPREP_SW_GSO, "no TSO for this IP version");
	if (ext)
		return decide(ret, TXPREP_SW_GSO, "IPv6 extension headers");
	if (vh->gso_ecn && !caps->tso_ecn)
		return decide(ret, TXPREP_SW_GSO, "ECN flow and no TSO_ECN");
	if (vh->gso_size > TXPREP_TSO_MSS_MAX)
		return decide(ret, TXPREP_SW_GSO, "gso_size beyond the device's MSS field");
	if (l.l3 > UINT8_MAX || l4 - l.l3 > UINT8_MAX)
		return decide(ret, TXPREP_SW_GSO, "headers too long for the meta descriptor");

	pkt->flags = ENA_TX_PKT_TSO | ENA_TX_PKT_L4_CSUM | (v4 ? ENA_TX_PKT_L3_CSUM : 0) |
		     (l.ipv4_df ? ENA_TX_PKT_DF : 0);
	pkt->l3_proto = v4 ? ENA_L3_PROTO_IPV4 : ENA_L3_PROTO_IPV6;
	pkt->l4_proto = ENA_L4_PROTO_TCP;
	pkt->l3_hdr_off = (uint8_t)l.l3;
	pkt->l3_hdr_len = (uint8_t)(l4 - l.l3);
	pkt->l4_hdr_len = (uint8_t)doff;
	pkt->mss = vh->gso_size;
	return decide(ret, TXPREP_SEND, NULL);
}

enum txprep_action txprep_frame(const struct tap_vnet *vh, const void *frame, size_t len,
				const struct txprep_caps *caps, struct ena_tx_pkt *pkt,
				struct txprep_result *ret)
{
	const uint8_t *f = frame;

	memset(ret, 0, sizeof(*ret));
	if (len < ETH_HLEN)
		return decide(ret, TXPREP_DROP, "frame shorter than an Ethernet header");
	/* tap_vnet_parse() checked this too; the frame may come from elsewhere. */
	if (vh->needs_csum && (size_t)vh->csum_start + vh->csum_offset + 2 > len)
		return decide(ret, TXPREP_DROP, "checksum offsets beyond the end of the frame");
	switch (vh->gso_type) {
	case VIRTIO_NET_HDR_GSO_NONE:
		break;
	case VIRTIO_NET_HDR_GSO_TCPV4:
	case VIRTIO_NET_HDR_GSO_TCPV6:
		if (vh->gso_size == 0)
			return decide(ret, TXPREP_DROP, "GSO frame with gso_size 0");
		return prep_gso(vh, f, len, caps, pkt, ret);
	default:
		/* UFO/USO are never offered to the TAP (tap_offload_flags()). */
		return decide(ret, TXPREP_DROP, "GSO type other than TCPV4/TCPV6");
	}
	if (vh->needs_csum)
		return prep_csum(vh, f, len, caps, pkt, ret);
	pkt->flags = 0;
	pkt->l3_proto = ENA_L3_PROTO_UNKNOWN;
	pkt->l4_proto = ENA_L4_PROTO_UNKNOWN;
	pkt->l3_hdr_off = 0;
	pkt->l3_hdr_len = 0;
	pkt->l4_hdr_len = 0;
	pkt->mss = 0;
	return decide(ret, TXPREP_SEND, NULL);
}

const char *txprep_action_name(unsigned int action)
{
	static const char *const names[] = {
		[TXPREP_SEND] = "send",
		[TXPREP_SW_CSUM] = "sw_csum",
		[TXPREP_SW_GSO] = "sw_gso",
		[TXPREP_DROP] = "drop",
	};

	return action < sizeof(names) / sizeof(names[0]) ? names[action] : NULL;
}
