/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet codec over a plain byte view (see pkt.h).
 *
 * Runs once per packet on the worker lcores: no allocation, no loop except
 * over VLAN tags, every header field read with byte loads or memcpy (no
 * unaligned casts), and every read bounded by len. No DPDK dependency, so
 * the same code parses pcap records in the tools and tests.
 *
 * On error, *pi is partially filled and must not be used; only the return
 * value is meaningful.
 */
#include <errno.h>
#include <string.h>

#include <hyperflow/bytes.h>
#include <hyperflow/pkt.h>

#define IPV4_HDR_MIN 20
#define IPV6_HDR_LEN 40
#define ARP_HDR_LEN 28
#define VLAN_TAG_LEN 4
#define MAX_VLAN_TAGS 2

#define IPV4_MF 0x2000
#define IPV4_OFF_MASK 0x1fff
#define IPV6_NH_FRAG 44
#define IPV6_FRAG_HLEN 8
#define IPV6_OFF_MASK 0xfff8
#define IPV6_M 0x0001


/*
 * L4 fields. l4len is what the IP header says is there (never more than the
 * frame holds); trailing Ethernet padding is not L4 data.
 */
static inline void
parse_l4(const uint8_t *l4, uint32_t l4len, struct hf_pkt_info *pi, int allow_icmp)
{
	switch (pi->proto) {
	case HF_IPPROTO_TCP:
	case HF_IPPROTO_UDP:
	case HF_IPPROTO_SCTP:
		if (l4len >= 4) {
			memcpy(&pi->sport, l4, 2);
			memcpy(&pi->dport, l4 + 2, 2);
			pi->l4_valid = 1;
		}
		break;
	case HF_IPPROTO_ICMP:
		if (allow_icmp && l4len >= 8) {
			pi->icmp_type = l4[0];
			pi->icmp_code = l4[1];
			memcpy(&pi->icmp_id, l4 + 4, 2);
			memcpy(&pi->icmp_seq, l4 + 6, 2);
			pi->l4_valid = 1;
		}
		break;
	default:
		break;
	}
}

static inline int
parse_ipv4(const uint8_t *l3, uint32_t avail, struct hf_pkt_info *pi)
{
	uint32_t ihl, tot;

	if (avail < IPV4_HDR_MIN || (l3[0] >> 4) != 4)
		return HF_PKT_ERR_IPV4;
	ihl = (l3[0] & 0x0fu) * 4u;
	if (ihl < IPV4_HDR_MIN || ihl > avail)
		return HF_PKT_ERR_IPV4;
	tot = hf_rd16(l3 + 2);
	if (tot < ihl || tot > avail)
		return HF_PKT_ERR_IPV4;

	pi->kind = HF_PKT_IPV4;
	pi->l3_len = (uint16_t)ihl;
	pi->is_fragment = (hf_rd16(l3 + 6) & (IPV4_MF | IPV4_OFF_MASK)) != 0;
	pi->ttl = l3[8];
	pi->proto = l3[9];
	memcpy(&pi->src_key, l3 + 12, 4);
	memcpy(&pi->dst_key, l3 + 16, 4);
	if (pi->is_fragment) {
		pi->frag_id = hf_rd16(l3 + 4);
		pi->frag_off = hf_rd16(l3 + 6) & IPV4_OFF_MASK;
	}
	/* a first fragment carries the L4 header: its ports are its flow's (no ICMP fields) */
	if (pi->frag_off == 0)
		parse_l4(l3 + ihl, tot - ihl, pi, !pi->is_fragment);
	return HF_PKT_OK;
}

static inline uint32_t
ip6_fold(const uint8_t *a)
{
	uint32_t w[4];

	memcpy(w, a, sizeof(w));
	return w[0] ^ w[1] ^ w[2] ^ w[3];
}

static inline int
parse_ipv6(const uint8_t *l3, uint32_t avail, struct hf_pkt_info *pi)
{
	uint32_t plen;

	if (avail < IPV6_HDR_LEN || (l3[0] >> 4) != 6)
		return HF_PKT_ERR_IPV6;
	plen = hf_rd16(l3 + 4);
	if (plen > avail - IPV6_HDR_LEN)
		return HF_PKT_ERR_IPV6;

	pi->kind = HF_PKT_IPV6;
	pi->l3_len = IPV6_HDR_LEN;
	pi->proto = l3[6];
	pi->ttl = l3[7];
	pi->src_key = ip6_fold(l3 + 8);
	pi->dst_key = ip6_fold(l3 + 24);
	if (pi->proto == IPV6_NH_FRAG) {
		/*
		 * A Fragment header directly after the fixed header: proto is
		 * the protocol it carries, and the first fragment's ports are
		 * read as a whole datagram's. Offset 0 with M clear is an
		 * atomic fragment (RFC 6946): a whole datagram.
		 */
		const uint8_t *fh = l3 + IPV6_HDR_LEN;
		uint16_t om;

		if (plen < IPV6_FRAG_HLEN)
			return HF_PKT_ERR_IPV6;
		om = hf_rd16(fh + 2);
		pi->proto = fh[0];
		pi->is_fragment = (om & (IPV6_OFF_MASK | IPV6_M)) != 0;
		if (pi->is_fragment) {
			pi->frag_off = om >> 3;
			pi->frag_id = (uint32_t)hf_rd16(fh + 4) << 16 | hf_rd16(fh + 6);
		}
		if (pi->frag_off == 0)
			parse_l4(fh + IPV6_FRAG_HLEN, plen - IPV6_FRAG_HLEN, pi, 0);
		return HF_PKT_OK;
	}
	parse_l4(l3 + IPV6_HDR_LEN, plen, pi, 0);
	return HF_PKT_OK;
}

static inline int
parse_arp(const uint8_t *a, uint32_t avail, struct hf_pkt_info *pi)
{
	if (avail < ARP_HDR_LEN || hf_rd16(a) != 1 || hf_rd16(a + 2) != HF_ETHERTYPE_IPV4 || a[4] != 6 ||
		a[5] != 4)
		return HF_PKT_ERR_ARP;

	pi->kind = HF_PKT_ARP;
	pi->arp_op = hf_rd16(a + 6);
	memcpy(pi->arp_sha.b, a + 8, 6);
	memcpy(&pi->arp_sip, a + 14, 4);
	memcpy(pi->arp_tha.b, a + 18, 6);
	memcpy(&pi->arp_tip, a + 24, 4);
	return HF_PKT_OK;
}

int
hf_pkt_parse(const uint8_t *data, uint32_t len, struct hf_pkt_info *pi)
{
	uint32_t off = HF_ETH_HLEN;
	uint16_t et;

	memset(pi, 0, sizeof(*pi));
	if (len < HF_ETH_HLEN)
		return HF_PKT_ERR_SHORT;

	et = hf_rd16(data + 12);
	while (et == HF_ETHERTYPE_VLAN || et == HF_ETHERTYPE_QINQ) {
		if (pi->nb_vlan == MAX_VLAN_TAGS || len - off < VLAN_TAG_LEN)
			return HF_PKT_ERR_VLAN;
		if (pi->nb_vlan == 0)
			pi->vlan_tci = hf_rd16(data + off);
		et = hf_rd16(data + off + 2);
		off += VLAN_TAG_LEN;
		pi->nb_vlan++;
	}
	pi->l2_len = (uint16_t)off;
	pi->ethertype = et;

	switch (et) {
	case HF_ETHERTYPE_IPV4:
		return parse_ipv4(data + off, len - off, pi);
	case HF_ETHERTYPE_IPV6:
		return parse_ipv6(data + off, len - off, pi);
	case HF_ETHERTYPE_ARP:
		return parse_arp(data + off, len - off, pi);
	default:
		pi->kind = HF_PKT_OTHER;
		return HF_PKT_OK;
	}
}

static const char *const pkt_err_names[HF_PKT_ERR__MAX] = {
	[HF_PKT_OK] = "ok",
	[HF_PKT_ERR_SHORT] = "frame shorter than an Ethernet header",
	[HF_PKT_ERR_VLAN] = "VLAN tag truncated or more than two tags",
	[HF_PKT_ERR_ARP] = "ARP truncated or not Ethernet/IPv4",
	[HF_PKT_ERR_IPV4] = "IPv4 header malformed or truncated",
	[HF_PKT_ERR_IPV6] = "IPv6 header malformed or truncated",
};

const char *
hf_pkt_err_str(int err)
{
	if (err < 0 || err >= HF_PKT_ERR__MAX)
		return "unknown parse error";
	return pkt_err_names[err];
}

int
hf_arp_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *eth_dst,
	const struct hf_mac *eth_src, uint16_t op, const struct hf_mac *sha, uint32_t sip,
	const struct hf_mac *tha, uint32_t tip)
{
	uint8_t *a = buf + HF_ETH_HLEN;

	if (buf == NULL || buflen < HF_ETH_MIN_FRAME)
		return -ENOSPC;

	memcpy(buf, eth_dst->b, 6);
	memcpy(buf + 6, eth_src->b, 6);
	hf_wr16(buf + 12, HF_ETHERTYPE_ARP);
	hf_wr16(a, 1);
	hf_wr16(a + 2, HF_ETHERTYPE_IPV4);
	a[4] = 6;
	a[5] = 4;
	hf_wr16(a + 6, op);
	memcpy(a + 8, sha->b, 6);
	memcpy(a + 14, &sip, 4);
	memcpy(a + 18, tha->b, 6);
	memcpy(a + 24, &tip, 4);
	memset(buf + HF_ARP_FRAME_LEN, 0, HF_ETH_MIN_FRAME - HF_ARP_FRAME_LEN);
	return HF_ETH_MIN_FRAME;
}

uint16_t
hf_inet_cksum(const void *data, uint32_t len)
{
	const uint8_t *p = data;
	uint64_t sum = 0;
	uint32_t i;
	uint16_t res;
	uint8_t out[2];

	/* Sum of big-endian 16-bit words; an odd last byte is the high half. */
	for (i = 0; i + 1 < len; i += 2)
		sum += hf_rd16(p + i);
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);

	hf_wr16(out, (uint16_t)~sum);
	memcpy(&res, out, 2);
	return res;
}
