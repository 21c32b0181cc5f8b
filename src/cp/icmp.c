/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo codec (see icmp.h). Every header field is written and read with
 * byte stores/loads or memcpy (no unaligned casts); every read of a request
 * is bounded by what hf_pkt_parse validated.
 */
#include <errno.h>
#include <string.h>

#include <hyperflow/bytes.h>
#include <hyperflow/icmp.h>

#define IPV4_DF 0x4000


/* Write an IPv4 header (no options) and an ICMP echo at l3; both checksummed. */
static void
put_ip_icmp(uint8_t *l3, uint32_t sip, uint32_t dip, uint8_t type, uint16_t id, uint16_t seq,
	const uint8_t *payload, uint16_t payload_len, uint8_t ttl)
{
	uint8_t *icmp = l3 + HF_IPV4_HLEN;
	uint16_t ck;

	l3[0] = 0x45;
	l3[1] = 0;
	hf_wr16(l3 + 2, (uint16_t)(HF_IPV4_HLEN + HF_ICMP_HLEN + payload_len));
	hf_wr16(l3 + 4, 0);
	hf_wr16(l3 + 6, IPV4_DF);
	l3[8] = ttl;
	l3[9] = HF_IPPROTO_ICMP;
	hf_wr16(l3 + 10, 0);
	memcpy(l3 + 12, &sip, 4);
	memcpy(l3 + 16, &dip, 4);
	ck = hf_inet_cksum(l3, HF_IPV4_HLEN);
	memcpy(l3 + 10, &ck, 2);

	icmp[0] = type;
	icmp[1] = 0;
	hf_wr16(icmp + 2, 0);
	hf_wr16(icmp + 4, id);
	hf_wr16(icmp + 6, seq);
	if (payload_len > 0)
		memcpy(icmp + HF_ICMP_HLEN, payload, payload_len);
	ck = hf_inet_cksum(icmp, HF_ICMP_HLEN + (uint32_t)payload_len);
	memcpy(icmp + 2, &ck, 2);
}

/* Zero-pad a frame of len bytes to the Ethernet minimum; returns the final length. */
static inline uint32_t
pad_frame(uint8_t *buf, uint32_t len)
{
	if (len >= HF_ETH_MIN_FRAME)
		return len;
	memset(buf + len, 0, HF_ETH_MIN_FRAME - len);
	return HF_ETH_MIN_FRAME;
}

static inline uint32_t
frame_need(uint32_t len)
{
	return len < HF_ETH_MIN_FRAME ? HF_ETH_MIN_FRAME : len;
}

int
hf_icmp_echo_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *eth_dst,
	const struct hf_mac *eth_src, uint32_t sip, uint32_t dip, uint8_t type, uint16_t id,
	uint16_t seq, const uint8_t *payload, uint16_t payload_len, uint8_t ttl)
{
	uint32_t len = HF_ICMP_ECHO_FRAME_LEN((uint32_t)payload_len);

	if (buf == NULL || eth_dst == NULL || eth_src == NULL)
		return -EINVAL;
	if (type != HF_ICMP_ECHO_REQUEST && type != HF_ICMP_ECHO_REPLY)
		return -EINVAL;
	if ((payload == NULL && payload_len > 0) || payload_len > HF_ICMP_PAYLOAD_MAX)
		return -EINVAL;
	if (buflen < frame_need(len))
		return -ENOSPC;

	memcpy(buf, eth_dst->b, 6);
	memcpy(buf + 6, eth_src->b, 6);
	hf_wr16(buf + 12, HF_ETHERTYPE_IPV4);
	put_ip_icmp(buf + HF_ETH_HLEN, sip, dip, type, id, seq, payload, payload_len, ttl);
	return (int)pad_frame(buf, len);
}

/* Never answered as source or destination: 0.0.0.0, 127/8, 224/3. */
static inline int
ip_unanswerable(uint32_t ip)
{
	uint8_t first;

	memcpy(&first, &ip, 1);
	return ip == 0 || first == 127 || first >= 224;
}

int
hf_icmp_echo_reply_from_request(const uint8_t *req, uint32_t len, uint8_t *out, uint32_t outlen,
	const struct hf_mac *our_mac)
{
	struct hf_pkt_info pi;
	const uint8_t *l3, *icmp;
	uint32_t tot, icmp_len, olen;
	struct hf_mac src;

	if (req == NULL || out == NULL || our_mac == NULL)
		return -EINVAL;
	if (hf_pkt_parse(req, len, &pi) != HF_PKT_OK)
		return -EINVAL;
	if (pi.kind != HF_PKT_IPV4 || pi.proto != HF_IPPROTO_ICMP || pi.is_fragment ||
		!pi.l4_valid || pi.icmp_type != HF_ICMP_ECHO_REQUEST || pi.icmp_code != 0)
		return -EINVAL;

	memcpy(src.b, req + 6, 6);
	if (hf_mac_is_multicast(&src))
		return -EINVAL;
	if (ip_unanswerable(pi.src_key) || ip_unanswerable(pi.dst_key))
		return -EINVAL;

	/* hf_pkt_parse checked l2_len + total length <= len, and total >= IHL + 8. */
	l3 = req + pi.l2_len;
	tot = hf_rd16(l3 + 2);
	icmp = l3 + pi.l3_len;
	icmp_len = tot - pi.l3_len;
	if (icmp_len < HF_ICMP_HLEN)
		return -EINVAL;
	if (hf_inet_cksum(l3, pi.l3_len) != 0 || hf_inet_cksum(icmp, icmp_len) != 0)
		return -EINVAL;

	olen = (uint32_t)pi.l2_len + HF_IPV4_HLEN + icmp_len;
	if (outlen < frame_need(olen))
		return -ENOSPC;

	/* L2: same tags, addresses swapped to come from us. */
	memcpy(out, req, pi.l2_len);
	memcpy(out, src.b, 6);
	memcpy(out + 6, our_mac->b, 6);
	put_ip_icmp(out + pi.l2_len, pi.dst_key, pi.src_key, HF_ICMP_ECHO_REPLY, hf_rd16(icmp + 4),
		hf_rd16(icmp + 6), icmp + HF_ICMP_HLEN, (uint16_t)(icmp_len - HF_ICMP_HLEN),
		HF_ICMP_DEFAULT_TTL);
	return (int)pad_frame(out, olen);
}
