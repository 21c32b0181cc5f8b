/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet codec over a plain byte view: the same code runs on an mbuf's data
 * and on a pcap record. Parsing never writes to the packet and never reads
 * past len. Builders write complete frames into caller buffers.
 *
 * Thread-safety: pure functions, no state.
 */
#ifndef HF_PKT_H
#define HF_PKT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <hyperflow/compiler.h>
#include <hyperflow/addr.h>
#include <hyperflow/bytes.h>

#define HF_ETHERTYPE_IPV4 0x0800
#define HF_ETHERTYPE_ARP  0x0806
#define HF_ETHERTYPE_VLAN 0x8100
#define HF_ETHERTYPE_QINQ 0x88a8
#define HF_ETHERTYPE_IPV6 0x86dd

#define HF_IPPROTO_ICMP 1
#define HF_IPPROTO_TCP  6
#define HF_IPPROTO_UDP  17
#define HF_IPPROTO_VRRP 112
#define HF_IPPROTO_SCTP 132

#define HF_ARP_OP_REQUEST 1
#define HF_ARP_OP_REPLY   2

#define HF_ETH_HLEN       14
#define HF_ARP_FRAME_LEN  42   /* eth + ARP, before padding */
#define HF_ETH_MIN_FRAME  60   /* without FCS */

/* What the frame carries (after up to two VLAN tags). */
enum hf_pkt_kind {
	HF_PKT_OTHER = 0,   /* well-formed Ethernet, another ethertype */
	HF_PKT_ARP,
	HF_PKT_IPV4,
	HF_PKT_IPV6,
};

/* Parse result: 0 = good, else why the frame is malformed. */
enum hf_pkt_err {
	HF_PKT_OK = 0,
	HF_PKT_ERR_SHORT,     /* shorter than an Ethernet header */
	HF_PKT_ERR_VLAN,      /* VLAN tag truncated or more than two tags */
	HF_PKT_ERR_ARP,       /* truncated, or not Ethernet/IPv4 ARP (htype 1, ptype 0x0800, 6/4) */
	HF_PKT_ERR_IPV4,      /* truncated, version != 4, IHL < 5, total length inconsistent */
	HF_PKT_ERR_IPV6,      /* truncated, version != 6, payload length past the frame */
	HF_PKT_ERR__MAX
};

struct hf_pkt_info {
	uint8_t kind;          /* enum hf_pkt_kind */
	uint8_t nb_vlan;       /* 0, 1 or 2 tags */
	uint16_t l2_len;       /* Ethernet header plus tags */
	uint16_t ethertype;    /* inner ethertype, host order */
	uint16_t vlan_tci;     /* outer tag's TCI, host order, when nb_vlan > 0 */
	uint16_t l3_len;       /* IPv4 header length (IHL*4) or 40 for IPv6 */
	uint8_t proto;         /* IPv4 protocol / IPv6 next header (after a Fragment header) */
	uint8_t l4_valid;      /* 1 when sport/dport (or ICMP fields) were read */
	uint8_t is_fragment;   /* IPv4: MF set or offset != 0; IPv6: a Fragment header, not atomic */
	uint8_t ttl;           /* IPv4 TTL / IPv6 hop limit */
	uint16_t frag_off;     /* fragment offset in 8-byte units when is_fragment, else 0 */
	/*
	 * Flow keys: for IPv4 the addresses themselves (network order); for
	 * IPv6 the XOR of the four 32-bit words of each address. Hashing uses
	 * only these, so both families share one code path.
	 */
	uint32_t src_key;
	uint32_t dst_key;
	uint16_t sport;        /* TCP/UDP/SCTP, network order; 0 when !l4_valid */
	uint16_t dport;
	uint32_t frag_id;      /* IPv4 identification / IPv6 fragment id, host order; 0 when !is_fragment */
	/* ICMP (IPv4) when proto == 1 and l4_valid */
	uint8_t icmp_type;
	uint8_t icmp_code;
	uint16_t icmp_id;      /* network order */
	uint16_t icmp_seq;     /* network order */
	/* ARP when kind == HF_PKT_ARP */
	uint16_t arp_op;       /* host order */
	uint32_t arp_sip;      /* network order */
	uint32_t arp_tip;      /* network order */
	struct hf_mac arp_sha;
	struct hf_mac arp_tha;
};

/*
 * Parse Ethernet, up to two 802.1Q/802.1ad tags, then ARP, IPv4 (+TCP/UDP/
 * SCTP ports when present and not a later fragment; ICMP header when not a
 * fragment) or IPv6 (+ports when the next header is TCP/UDP/SCTP directly,
 * or behind a Fragment header of a first fragment). Fragments carry their
 * id and offset (frag_id, frag_off). Returns
 * HF_PKT_OK with *pi filled, or an hf_pkt_err. Never reads past len.
 */
int hf_pkt_parse(const uint8_t *data, uint32_t len, struct hf_pkt_info *pi);

const char *hf_pkt_err_str(int err);

/* A big-endian 32-bit mask as it applies to a native load of the same bytes. */
static inline uint32_t
hf_be32_mask_(uint32_t m)
{
	return hf_be32(m);
}

/*
 * The worker's common frame parsed inline: untagged IPv4 with a 20-byte
 * header whose total length fits the frame, not a fragment. Returns true and sets kind,
 * proto, is_fragment, src_key, dst_key, sport and dport to exactly what
 * hf_pkt_parse gives for the same frame (tests/unit/test_parse.c compares
 * the two over generated, mutated and random frames); the other fields of
 * *pi are not written. Returns false, writing nothing, for every other
 * frame (tagged, options, fragment, ARP, IPv6, other, malformed): the caller then
 * runs hf_pkt_parse, which decides. Never reads past len.
 */
HF_HOT_INLINE bool
hf_pkt_parse_fast(const uint8_t *d, uint32_t len, struct hf_pkt_info *pi)
{
	/* Wire constants as they read in native order from the frame. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const uint32_t et_ver = 0x00450008u;   /* 08 00 45 (xx): IPv4, version 4, IHL 5 */
	const uint16_t frag_mask = 0xff3fu;    /* MF and fragment offset */
#else
	const uint32_t et_ver = 0x08004500u;
	const uint16_t frag_mask = 0x3fffu;
#endif
	uint32_t w, tot;
	uint16_t fo;
	uint8_t proto;

	if (len < HF_ETH_HLEN + 20)
		return false;
	memcpy(&w, d + 12, 4);
	if ((w & hf_be32_mask_(0xffffff00u)) != et_ver)
		return false;
	tot = hf_rd16(d + 16);
	/* 20 <= total length <= what the frame holds after the Ethernet header */
	if (tot - 20 > len - HF_ETH_HLEN - 20)
		return false;
	memcpy(&fo, d + 20, 2);
	/* fragments go the slow way: their ports and id matter (fastpath.h) */
	if (fo & frag_mask)
		return false;
	proto = d[23];
	pi->kind = HF_PKT_IPV4;
	pi->proto = proto;
	pi->is_fragment = 0;
	memcpy(&pi->src_key, d + 26, 4);
	memcpy(&pi->dst_key, d + 30, 4);
	pi->sport = 0;
	pi->dport = 0;
	if (tot >= 24 &&
	    (proto == HF_IPPROTO_UDP || proto == HF_IPPROTO_TCP || proto == HF_IPPROTO_SCTP)) {
		memcpy(&pi->sport, d + 34, 2);
		memcpy(&pi->dport, d + 36, 2);
	}
	return true;
}

/*
 * Build an ARP frame (Ethernet header, no VLAN tag, then ARP) into buf,
 * padded with zeros to HF_ETH_MIN_FRAME. Returns the frame length (60) or
 * -ENOSPC when buflen < 60.
 *   eth_dst/eth_src: Ethernet header addresses
 *   op: HF_ARP_OP_REQUEST or HF_ARP_OP_REPLY
 *   sha/sip, tha/tip: ARP sender and target fields (IPs network order)
 */
int hf_arp_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *eth_dst,
		 const struct hf_mac *eth_src, uint16_t op, const struct hf_mac *sha, uint32_t sip,
		 const struct hf_mac *tha, uint32_t tip);

/* Internet checksum (RFC 1071) over len bytes, returned in network order. */
uint16_t hf_inet_cksum(const void *data, uint32_t len);


#endif /* HF_PKT_H */
