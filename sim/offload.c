/* SPDX-License-Identifier: MIT */
/* enasim stateless offloads: checksums, TSO segmentation, GSO handoff. */
#include <errno.h>
#include <string.h>

#include "ena/io.h"
#include "offload.h"
#include "frame.h"

#define IPV6_HLEN 40
#define TCP_CSUM_OFF 16
#define UDP_CSUM_OFF 6

/* Header geometry resolved from the request (meta) and the frame. */
struct layout {
	uint16_t l3_off, l3_len;
	uint16_t l4_off, l4_len;
	uint8_t version;
	uint8_t proto;
	uint32_t ip_end;     /* end of the datagram per its IP header, bounded */
};

static int layout_get(const uint8_t *f, size_t len, const struct offload_req *req,
		      struct layout *ret)
{
	struct frame_info pi;
	struct layout l;

	frame_parse(f, len, &pi);
	memset(&l, 0, sizeof(l));
	l.l3_off = req->l3_off ? req->l3_off : pi.l3_off;
	if (!l.l3_off || l.l3_off + 20u > len)
		return -EINVAL;
	l.version = f[l.l3_off] >> 4;
	if (l.version == 4) {
		l.l3_len = req->l3_len ? req->l3_len : (uint16_t)((f[l.l3_off] & 0xfu) * 4u);
		if (l.l3_len < 20)
			return -EINVAL;
		l.proto = f[l.l3_off + 9];
	} else if (l.version == 6) {
		l.l3_len = req->l3_len ? req->l3_len : (pi.ip_version == 6 ? pi.l3_len : IPV6_HLEN);
		if (l.l3_len < IPV6_HLEN)
			return -EINVAL;
		l.proto = pi.ip_version == 6 && l.l3_off == pi.l3_off ? pi.ip_proto : f[l.l3_off + 6];
	} else {
		return -EINVAL;
	}
	if (req->l4_proto == ENA_L4_PROTO_TCP)
		l.proto = FRAME_IPPROTO_TCP;
	else if (req->l4_proto == ENA_L4_PROTO_UDP)
		l.proto = FRAME_IPPROTO_UDP;
	l.l4_off = (uint16_t)(l.l3_off + l.l3_len);
	if (l.proto == FRAME_IPPROTO_TCP) {
		if (l.l4_off + 20u > len)
			return -EINVAL;
		l.l4_len = req->l4_len ? req->l4_len : (uint16_t)((f[l.l4_off + 12] >> 4) * 4u);
		if (l.l4_len < 20)
			return -EINVAL;
	} else if (l.proto == FRAME_IPPROTO_UDP) {
		l.l4_len = 8;
	} else {
		return -EINVAL;
	}
	if ((size_t)l.l4_off + l.l4_len > len)
		return -EINVAL;
	if (l.version == 4)
		l.ip_end = l.l3_off + (uint32_t)get_be16(f + l.l3_off + 2);
	else
		l.ip_end = l.l3_off + IPV6_HLEN + (uint32_t)get_be16(f + l.l3_off + 4);
	if (l.ip_end > len || l.ip_end < (uint32_t)l.l4_off + l.l4_len)
		l.ip_end = (uint32_t)len;
	*ret = l;
	return 0;
}

static void ipv4_csum_set(uint8_t *ip, uint16_t hlen)
{
	put_be16(ip + 10, 0);
	put_be16(ip + 10, (uint16_t)~csum_fold(csum_add(0, ip, hlen)));
}

static uint16_t l4_csum_final(uint32_t sum, uint8_t proto)
{
	uint16_t c = (uint16_t)~csum_fold(sum);

	return c == 0 && proto == FRAME_IPPROTO_UDP ? 0xffff : c;
}

static int l3_checksum(uint8_t *f, size_t len, const struct offload_req *req)
{
	struct frame_info pi;
	uint16_t off, hlen;

	frame_parse(f, len, &pi);
	off = req->l3_off ? req->l3_off : pi.l3_off;
	if (!off || off + 20u > len)
		return -EINVAL;
	if ((f[off] >> 4) != 4)
		return 0; /* nothing to do for IPv6 */
	hlen = req->l3_len ? req->l3_len : (uint16_t)((f[off] & 0xfu) * 4u);
	if (hlen < 20 || (size_t)off + hlen > len)
		return -EINVAL;
	ipv4_csum_set(f + off, hlen);
	return 0;
}

int offload_checksum(uint8_t *f, size_t len, const struct offload_req *req)
{
	struct layout l;
	uint8_t *l4;
	uint32_t l4_len, sum;
	unsigned int field;

	if (req->l3_csum && l3_checksum(f, len, req) < 0)
		return -EINVAL;
	if (!req->l4_csum)
		return 0;
	if (layout_get(f, len, req, &l) < 0)
		return -EINVAL;
	l4 = f + l.l4_off;
	l4_len = l.ip_end - l.l4_off;
	field = l.proto == FRAME_IPPROTO_TCP ? TCP_CSUM_OFF : UDP_CSUM_OFF;
	if (req->l4_partial) {
		sum = 0; /* the field already holds the pseudo-header sum */
	} else {
		put_be16(l4 + field, 0);
		sum = frame_pseudo_sum(f + l.l3_off, l.proto, l4_len);
	}
	sum = csum_add(sum, l4, l4_len);
	put_be16(l4 + field, l4_csum_final(sum, l.proto));
	return 0;
}

int offload_tso(const uint8_t *f, size_t len, const struct offload_req *req, uint8_t *seg,
		size_t seg_cap, offload_emit_fn emit, void *ctx)
{
	struct layout l;
	size_t hdr, payload, off = 0;
	uint32_t seq0;
	uint16_t id0;
	uint8_t flags0;
	int nseg = 0;

	if (layout_get(f, len, req, &l) < 0 || l.proto != FRAME_IPPROTO_TCP || !req->mss)
		return -EINVAL;
	hdr = (size_t)l.l4_off + l.l4_len;
	payload = len - hdr;
	if (hdr + (payload < req->mss ? payload : req->mss) > seg_cap)
		return -EINVAL;
	id0 = get_be16(f + l.l3_off + 4);
	seq0 = get_be32(f + l.l4_off + 4);
	flags0 = f[l.l4_off + 13];
	do {
		size_t chunk = payload - off < req->mss ? payload - off : req->mss;
		bool last = off + chunk == payload;
		uint8_t *ip = seg + l.l3_off;
		uint8_t *tcp = seg + l.l4_off;
		uint8_t flags = flags0;
		uint32_t tcp_len = (uint32_t)(l.l4_len + chunk);

		memcpy(seg, f, hdr);
		memcpy(seg + hdr, f + hdr + off, chunk);
		if (l.version == 4) {
			put_be16(ip + 2, (uint16_t)(l.l3_len + tcp_len));
			put_be16(ip + 4, (uint16_t)(id0 + nseg));
			ipv4_csum_set(ip, l.l3_len);
		} else {
			put_be16(ip + 4, (uint16_t)(l.l3_len - IPV6_HLEN + tcp_len));
		}
		put_be32(tcp + 4, seq0 + (uint32_t)off);
		if (!last)
			flags &= (uint8_t)~(FRAME_TCP_FIN | FRAME_TCP_PSH);
		if (nseg)
			flags &= (uint8_t)~FRAME_TCP_CWR;
		tcp[13] = flags;
		put_be16(tcp + TCP_CSUM_OFF, 0);
		put_be16(tcp + TCP_CSUM_OFF,
			 l4_csum_final(csum_add(frame_pseudo_sum(ip, FRAME_IPPROTO_TCP, tcp_len), tcp,
						tcp_len),
				       FRAME_IPPROTO_TCP));
		emit(ctx, seg, hdr + chunk);
		nseg++;
		off += chunk;
	} while (off < payload);
	return nseg;
}

int offload_gso_prepare(uint8_t *f, size_t len, const struct offload_req *req,
			struct sim_gso *ret)
{
	struct layout l;
	uint8_t *ip, *tcp;
	size_t hdr;

	if (layout_get(f, len, req, &l) < 0 || l.proto != FRAME_IPPROTO_TCP || !req->mss)
		return -EINVAL;
	hdr = (size_t)l.l4_off + l.l4_len;
	if (len - l.l3_off > 0xffff || hdr > 0xffff)
		return -EINVAL;
	ip = f + l.l3_off;
	tcp = f + l.l4_off;
	if (l.version == 4) {
		put_be16(ip + 2, (uint16_t)(len - l.l3_off));
		ipv4_csum_set(ip, l.l3_len);
	} else {
		put_be16(ip + 4, (uint16_t)(len - l.l3_off - IPV6_HLEN));
	}
	put_be16(tcp + TCP_CSUM_OFF,
		 csum_fold(frame_pseudo_sum(ip, FRAME_IPPROTO_TCP, (uint32_t)(len - l.l4_off))));
	memset(ret, 0, sizeof(*ret));
	ret->type = l.version == 4 ? SIM_GSO_TCPV4 : SIM_GSO_TCPV6;
	ret->ecn = tcp[13] & FRAME_TCP_CWR;
	ret->needs_csum = true;
	ret->hdr_len = (uint16_t)hdr;
	ret->size = req->mss;
	ret->csum_start = l.l4_off;
	ret->csum_offset = TCP_CSUM_OFF;
	return 0;
}

int offload_csum_complete(uint8_t *f, size_t len, uint16_t start, uint16_t offset)
{
	uint16_t c;

	if ((size_t)start + offset + 2 > len)
		return -EINVAL;
	c = (uint16_t)~csum_fold(csum_add(0, f + start, len - start));
	put_be16(f + start + offset, c ? c : 0xffff);
	return 0;
}
