/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests for the packet codec (src/dp/parse.c).
 *
 * Frames under test are copied into heap blocks of exactly their length, so
 * running this under valgrind or ASan catches any read past len.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/pkt.h>

#define IP4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct hf_mac mac_dst = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct hf_mac mac_src = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x02}};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32be(uint8_t *p, uint32_t v_be)
{
	memcpy(p, &v_be, 4);
}

/* Ethernet header plus tags; tags[] are TPIDs with TCIs tci[]. Returns l2 length. */
static uint32_t
put_eth(uint8_t *f, uint16_t ethertype, unsigned int nb_tags, const uint16_t *tpid,
	const uint16_t *tci)
{
	uint32_t off = 12;
	unsigned int i;

	memcpy(f, mac_dst.b, 6);
	memcpy(f + 6, mac_src.b, 6);
	for (i = 0; i < nb_tags; i++) {
		put16(f + off, tpid[i]);
		put16(f + off + 2, tci[i]);
		off += 4;
	}
	put16(f + off, ethertype);
	return off + 2;
}

/*
 * IPv4 header with ihl_words*4 bytes (options zero-filled) and l4len bytes
 * of L4 copied from l4. Returns the offset after the datagram.
 */
static uint32_t
put_ipv4(uint8_t *f, uint32_t off, unsigned int ihl_words, uint16_t frag, uint8_t proto,
	uint32_t src, uint32_t dst, const uint8_t *l4, uint32_t l4len)
{
	uint8_t *ip = f + off;
	uint32_t hl = ihl_words * 4;

	memset(ip, 0, hl);
	ip[0] = (uint8_t)(0x40 | ihl_words);
	put16(ip + 2, (uint16_t)(hl + l4len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, frag);
	ip[8] = 64;
	ip[9] = proto;
	put32be(ip + 12, src);
	put32be(ip + 16, dst);
	memcpy(ip + hl, l4, l4len);
	return off + hl + l4len;
}

static const uint8_t ip6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t ip6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02, 0xaa, 0xbb,
	0xcc, 0xdd, 0x00, 0x00, 0x00, 0x02};

static uint32_t
put_ipv6(uint8_t *f, uint32_t off, uint8_t nh, const uint8_t *l4, uint32_t l4len)
{
	uint8_t *ip = f + off;

	memset(ip, 0, 40);
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)l4len);
	ip[6] = nh;
	ip[7] = 32;
	memcpy(ip + 8, ip6_src, 16);
	memcpy(ip + 24, ip6_dst, 16);
	memcpy(ip + 40, l4, l4len);
	return off + 40 + l4len;
}

/* UDP/TCP-ish L4: ports then filler. */
static void
mk_ports(uint8_t *l4, uint32_t len, uint16_t sport, uint16_t dport)
{
	uint32_t i;

	for (i = 0; i < len; i++)
		l4[i] = (uint8_t)(0xa0 + i);
	put16(l4, sport);
	put16(l4 + 2, dport);
}

/* Parse a copy held in a heap block of exactly len bytes. */
static int
parse_exact(const uint8_t *frame, uint32_t len, struct hf_pkt_info *pi)
{
	uint8_t *copy = malloc(len == 0 ? 1 : len);
	int rc;

	assert_non_null(copy);
	memcpy(copy, frame, len);
	/* For len 0 hand a pointer to a 1-byte block; the parser must not touch it. */
	rc = hf_pkt_parse(copy, len, pi);
	free(copy);
	return rc;
}

static void
assert_no_arp_icmp(const struct hf_pkt_info *pi)
{
	assert_int_equal(pi->icmp_type, 0);
	assert_int_equal(pi->icmp_code, 0);
	assert_int_equal(pi->icmp_id, 0);
	assert_int_equal(pi->icmp_seq, 0);
	assert_int_equal(pi->arp_op, 0);
	assert_int_equal(pi->arp_sip, 0);
	assert_int_equal(pi->arp_tip, 0);
	assert_true(hf_mac_is_zero(&pi->arp_sha));
	assert_true(hf_mac_is_zero(&pi->arp_tha));
}

/* ---- frame makers shared by the good-frame and truncation tests ---- */

static uint32_t
mk_ipv4_tcp(uint8_t *f)
{
	uint8_t l4[20];
	uint32_t off = put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL);

	mk_ports(l4, sizeof(l4), 12345, 443);
	return put_ipv4(f, off, 5, 0x4000, HF_IPPROTO_TCP, IP4(192, 0, 2, 10),
		IP4(198, 51, 100, 20), l4, sizeof(l4));
}

/* IHL 6 (one option word), UDP, padded to 60 bytes with non-zero junk. */
static uint32_t
mk_ipv4_udp_opts_padded(uint8_t *f)
{
	uint8_t l4[8];
	uint32_t off = put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL);

	mk_ports(l4, sizeof(l4), 53, 40000);
	off = put_ipv4(f, off, 6, 0, HF_IPPROTO_UDP, IP4(203, 0, 113, 7), IP4(192, 0, 2, 1), l4,
		sizeof(l4));
	assert_int_equal(off, 14 + 24 + 8);
	memset(f + off, 0xee, 60 - off);
	return 60;
}

static uint32_t
mk_ipv4_icmp(uint8_t *f)
{
	uint8_t l4[16] = {8, 0, 0xde, 0xad, 0x12, 0x34, 0x00, 0x07, 1, 2, 3, 4, 5, 6, 7, 8};
	uint32_t off = put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL);

	return put_ipv4(f, off, 5, 0, HF_IPPROTO_ICMP, IP4(192, 0, 2, 250), IP4(198, 51, 100, 1),
		l4, sizeof(l4));
}

static uint32_t
mk_ipv6_udp(uint8_t *f)
{
	uint8_t l4[12];
	uint32_t off = put_eth(f, HF_ETHERTYPE_IPV6, 0, NULL, NULL);

	mk_ports(l4, sizeof(l4), 500, 4500);
	return put_ipv6(f, off, HF_IPPROTO_UDP, l4, sizeof(l4));
}

static uint32_t
mk_arp(uint8_t *f, uint16_t op)
{
	static const struct hf_mac sha = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x01}};
	static const struct hf_mac tha = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x02}};
	static const struct hf_mac bc = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	int n = hf_arp_build(f, 60, op == HF_ARP_OP_REQUEST ? &bc : &mac_dst, &mac_src, op, &sha,
		IP4(192, 0, 2, 11), &tha, IP4(192, 0, 2, 1));

	assert_int_equal(n, 60);
	return (uint32_t)n;
}

/* Outer 802.1ad (QinQ) tag then 802.1Q, carrying IPv4 TCP. */
static uint32_t
mk_qinq_tcp(uint8_t *f)
{
	static const uint16_t tpid[2] = {HF_ETHERTYPE_QINQ, HF_ETHERTYPE_VLAN};
	static const uint16_t tci[2] = {0x2064, 0x00c8}; /* prio 1 vid 100, vid 200 */
	uint8_t l4[20];
	uint32_t off = put_eth(f, HF_ETHERTYPE_IPV4, 2, tpid, tci);

	mk_ports(l4, sizeof(l4), 1000, 2000);
	return put_ipv4(f, off, 5, 0, HF_IPPROTO_TCP, IP4(192, 0, 2, 10), IP4(198, 51, 100, 20), l4,
		sizeof(l4));
}

/* ---- good frames ---- */

static void
test_ipv4_tcp(void **state)
{
	uint8_t f[128];
	struct hf_pkt_info pi;
	uint32_t len = mk_ipv4_tcp(f);

	(void)state;
	assert_int_equal(len, 54);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV4);
	assert_int_equal(pi.nb_vlan, 0);
	assert_int_equal(pi.l2_len, 14);
	assert_int_equal(pi.ethertype, HF_ETHERTYPE_IPV4);
	assert_int_equal(pi.vlan_tci, 0);
	assert_int_equal(pi.l3_len, 20);
	assert_int_equal(pi.proto, HF_IPPROTO_TCP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.is_fragment, 0); /* DF alone is not a fragment */
	assert_int_equal(pi.ttl, 64);
	assert_int_equal(pi.src_key, IP4(192, 0, 2, 10));
	assert_int_equal(pi.dst_key, IP4(198, 51, 100, 20));
	assert_int_equal(pi.sport, htons(12345));
	assert_int_equal(pi.dport, htons(443));
	assert_no_arp_icmp(&pi);
}

static void
test_ipv4_udp_options_padding(void **state)
{
	uint8_t f[128];
	struct hf_pkt_info pi;
	uint32_t len = mk_ipv4_udp_opts_padded(f);

	(void)state;
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV4);
	assert_int_equal(pi.nb_vlan, 0);
	assert_int_equal(pi.l2_len, 14);
	assert_int_equal(pi.ethertype, HF_ETHERTYPE_IPV4);
	assert_int_equal(pi.l3_len, 24);
	assert_int_equal(pi.proto, HF_IPPROTO_UDP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.ttl, 64);
	assert_int_equal(pi.src_key, IP4(203, 0, 113, 7));
	assert_int_equal(pi.dst_key, IP4(192, 0, 2, 1));
	assert_int_equal(pi.sport, htons(53));
	assert_int_equal(pi.dport, htons(40000));
	assert_no_arp_icmp(&pi);
}

static void
test_ipv4_icmp(void **state)
{
	uint8_t f[128];
	struct hf_pkt_info pi;
	uint32_t len = mk_ipv4_icmp(f);

	(void)state;
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV4);
	assert_int_equal(pi.l2_len, 14);
	assert_int_equal(pi.l3_len, 20);
	assert_int_equal(pi.proto, HF_IPPROTO_ICMP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.ttl, 64);
	assert_int_equal(pi.src_key, IP4(192, 0, 2, 250));
	assert_int_equal(pi.dst_key, IP4(198, 51, 100, 1));
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);
	assert_int_equal(pi.icmp_type, 8);
	assert_int_equal(pi.icmp_code, 0);
	assert_int_equal(pi.icmp_id, htons(0x1234));
	assert_int_equal(pi.icmp_seq, htons(7));
	assert_int_equal(pi.arp_op, 0);
}

static void
test_ipv6_udp(void **state)
{
	uint8_t f[128];
	struct hf_pkt_info pi;
	uint32_t len = mk_ipv6_udp(f);
	uint32_t w[4], src_key, dst_key;

	(void)state;
	memcpy(w, ip6_src, 16);
	src_key = w[0] ^ w[1] ^ w[2] ^ w[3];
	memcpy(w, ip6_dst, 16);
	dst_key = w[0] ^ w[1] ^ w[2] ^ w[3];
	/* Hand-folded: 20010db8 ^ 00000001, and 20010db8^00010002^aabbccdd^00000002. */
	assert_int_equal(src_key, htonl(0x20010db9));
	assert_int_equal(dst_key, htonl(0x20010db8u ^ 0x00010002u ^ 0xaabbccddu ^ 0x2u));

	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV6);
	assert_int_equal(pi.nb_vlan, 0);
	assert_int_equal(pi.l2_len, 14);
	assert_int_equal(pi.ethertype, HF_ETHERTYPE_IPV6);
	assert_int_equal(pi.l3_len, 40);
	assert_int_equal(pi.proto, HF_IPPROTO_UDP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.ttl, 32);
	assert_int_equal(pi.src_key, src_key);
	assert_int_equal(pi.dst_key, dst_key);
	assert_int_equal(pi.sport, htons(500));
	assert_int_equal(pi.dport, htons(4500));
	assert_no_arp_icmp(&pi);
}

static void
test_ipv6_no_ports(void **state)
{
	uint8_t f[128], l4[16];
	struct hf_pkt_info pi;
	uint32_t off, len;

	(void)state;
	mk_ports(l4, sizeof(l4), 1, 2);

	/* Hop-by-hop options first: ports not read. */
	off = put_eth(f, HF_ETHERTYPE_IPV6, 0, NULL, NULL);
	len = put_ipv6(f, off, 0, l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV6);
	assert_int_equal(pi.proto, 0);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.sport, 0);
	assert_int_equal(pi.dport, 0);

	/* Fragment header of a later fragment (offset 1, M): a fragment, no ports. */
	l4[0] = HF_IPPROTO_UDP;
	put16(l4 + 2, 1 << 3 | 1);
	len = put_ipv6(f, off, 44, l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.is_fragment, 1);
	assert_int_equal(pi.l4_valid, 0);
	mk_ports(l4, sizeof(l4), 1, 2);

	/* TCP with only 3 bytes of payload: no ports. */
	len = put_ipv6(f, off, HF_IPPROTO_TCP, l4, 3);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.sport, 0);

	/* SCTP with 4 bytes: ports. */
	len = put_ipv6(f, off, HF_IPPROTO_SCTP, l4, 4);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.sport, htons(1));
	assert_int_equal(pi.dport, htons(2));

	/* ICMP fields are IPv4-only. */
	len = put_ipv6(f, off, HF_IPPROTO_ICMP, l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.icmp_type, 0);
}

static void
check_arp(uint16_t op)
{
	uint8_t f[64];
	struct hf_pkt_info pi;
	uint32_t len = mk_arp(f, op);

	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_ARP);
	assert_int_equal(pi.nb_vlan, 0);
	assert_int_equal(pi.l2_len, 14);
	assert_int_equal(pi.ethertype, HF_ETHERTYPE_ARP);
	assert_int_equal(pi.l3_len, 0);
	assert_int_equal(pi.proto, 0);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.src_key, 0);
	assert_int_equal(pi.dst_key, 0);
	assert_int_equal(pi.arp_op, op);
	assert_int_equal(pi.arp_sip, IP4(192, 0, 2, 11));
	assert_int_equal(pi.arp_tip, IP4(192, 0, 2, 1));
	assert_memory_equal(pi.arp_sha.b, "\x02\x00\x00\x00\x01\x01", 6);
	assert_memory_equal(pi.arp_tha.b, "\x02\x00\x00\x00\x01\x02", 6);
}

static void
test_arp_request(void **state)
{
	(void)state;
	check_arp(HF_ARP_OP_REQUEST);
}

static void
test_arp_reply(void **state)
{
	(void)state;
	check_arp(HF_ARP_OP_REPLY);
}

static void
test_vlan_one(void **state)
{
	static const uint16_t tpid[1] = {HF_ETHERTYPE_VLAN};
	static const uint16_t tci[1] = {0xa00a}; /* prio 5, vid 10 */
	uint8_t f[128], l4[8];
	struct hf_pkt_info pi;
	uint32_t off, len;

	(void)state;
	mk_ports(l4, sizeof(l4), 7, 9);
	off = put_eth(f, HF_ETHERTYPE_IPV4, 1, tpid, tci);
	assert_int_equal(off, 18);
	len = put_ipv4(
		f, off, 5, 0, HF_IPPROTO_UDP, IP4(192, 0, 2, 3), IP4(192, 0, 2, 4), l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV4);
	assert_int_equal(pi.nb_vlan, 1);
	assert_int_equal(pi.l2_len, 18);
	assert_int_equal(pi.ethertype, HF_ETHERTYPE_IPV4);
	assert_int_equal(pi.vlan_tci, 0xa00a);
	assert_int_equal(pi.l3_len, 20);
	assert_int_equal(pi.proto, HF_IPPROTO_UDP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.src_key, IP4(192, 0, 2, 3));
	assert_int_equal(pi.dst_key, IP4(192, 0, 2, 4));
	assert_int_equal(pi.sport, htons(7));
	assert_int_equal(pi.dport, htons(9));
}

static void
test_vlan_two(void **state)
{
	uint8_t f[128];
	struct hf_pkt_info pi;
	uint32_t len = mk_qinq_tcp(f);

	(void)state;
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV4);
	assert_int_equal(pi.nb_vlan, 2);
	assert_int_equal(pi.l2_len, 22);
	assert_int_equal(pi.ethertype, HF_ETHERTYPE_IPV4);
	assert_int_equal(pi.vlan_tci, 0x2064); /* the outer tag's */
	assert_int_equal(pi.l3_len, 20);
	assert_int_equal(pi.proto, HF_IPPROTO_TCP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.ttl, 64);
	assert_int_equal(pi.src_key, IP4(192, 0, 2, 10));
	assert_int_equal(pi.dst_key, IP4(198, 51, 100, 20));
	assert_int_equal(pi.sport, htons(1000));
	assert_int_equal(pi.dport, htons(2000));
}

static void
test_vlan_arp(void **state)
{
	static const uint16_t tpid[1] = {HF_ETHERTYPE_VLAN};
	static const uint16_t tci[1] = {42};
	uint8_t arp[64], f[128];
	struct hf_pkt_info pi;
	uint32_t off;

	(void)state;
	mk_arp(arp, HF_ARP_OP_REPLY);
	off = put_eth(f, HF_ETHERTYPE_ARP, 1, tpid, tci);
	memcpy(f + off, arp + 14, 28);
	assert_int_equal(parse_exact(f, off + 28, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_ARP);
	assert_int_equal(pi.nb_vlan, 1);
	assert_int_equal(pi.vlan_tci, 42);
	assert_int_equal(pi.l2_len, 18);
	assert_int_equal(pi.arp_op, HF_ARP_OP_REPLY);
	assert_int_equal(pi.arp_sip, IP4(192, 0, 2, 11));
	/* One byte short of the ARP header. */
	assert_int_equal(parse_exact(f, off + 27, &pi), HF_PKT_ERR_ARP);
}

static void
test_other_ethertype(void **state)
{
	static const uint16_t tpid[1] = {HF_ETHERTYPE_VLAN};
	static const uint16_t tci[1] = {5};
	uint8_t f[64];
	struct hf_pkt_info pi;
	uint32_t off;

	(void)state;
	memset(f, 0x5a, sizeof(f));
	put_eth(f, 0x88cc, 0, NULL, NULL); /* LLDP */
	assert_int_equal(parse_exact(f, 60, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_OTHER);
	assert_int_equal(pi.nb_vlan, 0);
	assert_int_equal(pi.l2_len, 14);
	assert_int_equal(pi.ethertype, 0x88cc);
	assert_int_equal(pi.l3_len, 0);
	assert_int_equal(pi.proto, 0);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.src_key, 0);
	assert_int_equal(pi.dst_key, 0);
	assert_no_arp_icmp(&pi);

	/* A bare Ethernet header is a good frame too. */
	assert_int_equal(parse_exact(f, 14, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_OTHER);

	off = put_eth(f, 0x8847, 1, tpid, tci); /* MPLS behind a tag */
	assert_int_equal(parse_exact(f, off, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_OTHER);
	assert_int_equal(pi.nb_vlan, 1);
	assert_int_equal(pi.l2_len, 18);
	assert_int_equal(pi.ethertype, 0x8847);
	assert_int_equal(pi.vlan_tci, 5);
}

/* ---- malformed frames ---- */

/*
 * Every truncation 0..len-1 of a frame: a good parse only from min_ok on
 * (the datagram's end; beyond is padding), and then identical to the full
 * frame's result; below it the expected error (or SHORT/VLAN in the L2
 * part).
 */
static void
check_truncations(const uint8_t *f, uint32_t len, uint32_t l2_len, uint32_t min_ok, int l3_err)
{
	struct hf_pkt_info full, pi;
	uint32_t l;

	assert_int_equal(parse_exact(f, len, &full), HF_PKT_OK);
	for (l = 0; l < len; l++) {
		int rc = parse_exact(f, l, &pi);

		if (l >= min_ok) {
			assert_int_equal(rc, HF_PKT_OK);
			assert_memory_equal(&pi, &full, sizeof(pi));
		} else if (l < HF_ETH_HLEN) {
			assert_int_equal(rc, HF_PKT_ERR_SHORT);
		} else if (l < l2_len) {
			assert_int_equal(rc, HF_PKT_ERR_VLAN);
		} else {
			assert_int_equal(rc, l3_err);
		}
	}
}

static void
test_truncations(void **state)
{
	uint8_t f[128];
	uint32_t len;

	(void)state;
	len = mk_ipv4_tcp(f);
	check_truncations(f, len, 14, len, HF_PKT_ERR_IPV4);
	len = mk_ipv4_udp_opts_padded(f);
	check_truncations(f, len, 14, 14 + 24 + 8, HF_PKT_ERR_IPV4);
	len = mk_ipv4_icmp(f);
	check_truncations(f, len, 14, len, HF_PKT_ERR_IPV4);
	len = mk_ipv6_udp(f);
	check_truncations(f, len, 14, len, HF_PKT_ERR_IPV6);
	len = mk_arp(f, HF_ARP_OP_REQUEST);
	check_truncations(f, len, 14, HF_ARP_FRAME_LEN, HF_PKT_ERR_ARP);
	len = mk_qinq_tcp(f);
	check_truncations(f, len, 22, len, HF_PKT_ERR_IPV4);
}

static void
test_ipv4_bad_version_ihl(void **state)
{
	uint8_t f[128], l4[8];
	struct hf_pkt_info pi;
	uint32_t len;

	(void)state;
	mk_ports(l4, sizeof(l4), 1, 2);
	len = put_ipv4(f, put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL), 5, 0, HF_IPPROTO_UDP,
		IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);

	f[14] = 0x65; /* version 6 behind ethertype IPv4 */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	f[14] = 0x55;
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	f[14] = 0x44; /* IHL 4 */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	f[14] = 0x40; /* IHL 0 */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	f[14] = 0x4f; /* IHL 15 = 60 bytes, frame holds 28 */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	f[14] = 0x47; /* IHL 7 = 28 bytes == total length: good, no L4 bytes */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l3_len, 28);
	assert_int_equal(pi.l4_valid, 0);
	f[14] = 0x48; /* IHL 8 = 32 > total length 28 and > frame */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
}

static void
test_ipv4_bad_total_length(void **state)
{
	uint8_t f[128], l4[8];
	struct hf_pkt_info pi;
	uint32_t len;

	(void)state;
	mk_ports(l4, sizeof(l4), 1, 2);
	len = put_ipv4(f, put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL), 5, 0, HF_IPPROTO_UDP,
		IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4, sizeof(l4));
	assert_int_equal(len, 42);

	put16(f + 16, 19); /* < IHL*4 */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	put16(f + 16, 0);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	put16(f + 16, 29); /* one past the frame */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	put16(f + 16, 0xffff);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV4);
	put16(f + 16, 20); /* header only: fine, no ports */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.sport, 0);
	put16(f + 16, 23); /* 3 L4 bytes: not enough for ports */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	put16(f + 16, 24); /* 4 L4 bytes: ports */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.dport, htons(2));
}

static void
test_ipv4_icmp_short(void **state)
{
	uint8_t f[128];
	uint8_t l4[7] = {0, 0, 0, 0, 0x12, 0x34, 0};
	struct hf_pkt_info pi;
	uint32_t len;

	(void)state;
	len = put_ipv4(f, put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL), 5, 0, HF_IPPROTO_ICMP,
		IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.icmp_id, 0);
}

static void
test_ipv6_bad(void **state)
{
	uint8_t f[128], l4[8];
	struct hf_pkt_info pi;
	uint32_t len;

	(void)state;
	mk_ports(l4, sizeof(l4), 1, 2);
	len = put_ipv6(
		f, put_eth(f, HF_ETHERTYPE_IPV6, 0, NULL, NULL), HF_IPPROTO_UDP, l4, sizeof(l4));
	assert_int_equal(len, 62);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);

	f[14] = 0x40; /* version 4 behind ethertype IPv6 */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV6);
	f[14] = 0x70;
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV6);
	f[14] = 0x6f; /* traffic class bits do not matter */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);

	put16(f + 18, 9); /* payload one past the frame */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV6);
	put16(f + 18, 0xffff);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV6);
	put16(f + 18, 0); /* no payload: fine, no ports */
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	/* Shorter than the fixed header. */
	assert_int_equal(parse_exact(f, 14 + 39, &pi), HF_PKT_ERR_IPV6);
}

static void
test_three_tags(void **state)
{
	static const uint16_t tpid3[3] = {HF_ETHERTYPE_QINQ, HF_ETHERTYPE_VLAN, HF_ETHERTYPE_VLAN};
	static const uint16_t tpid3b[3] = {HF_ETHERTYPE_VLAN, HF_ETHERTYPE_VLAN, HF_ETHERTYPE_QINQ};
	static const uint16_t tci[3] = {1, 2, 3};
	uint8_t f[128], l4[8] = {0};
	struct hf_pkt_info pi;
	uint32_t off;

	(void)state;
	memset(f, 0, sizeof(f));
	off = put_eth(f, HF_ETHERTYPE_IPV4, 3, tpid3, tci);
	put_ipv4(f, off, 5, 0, HF_IPPROTO_UDP, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4, 0);
	assert_int_equal(parse_exact(f, off + 20, &pi), HF_PKT_ERR_VLAN);
	off = put_eth(f, HF_ETHERTYPE_IPV4, 3, tpid3b, tci);
	assert_int_equal(parse_exact(f, off + 20, &pi), HF_PKT_ERR_VLAN);
	/* Truncated inside the first tag. */
	assert_int_equal(parse_exact(f, 16, &pi), HF_PKT_ERR_VLAN);
}

static void
test_arp_bad_fields(void **state)
{
	static const struct {
		uint32_t off;
		uint8_t val;
	} bad[] = {
		{14, 0x01}, /* htype 0x0101 */
		{15, 0x06}, /* htype 6 (IEEE 802) */
		{16, 0x86}, /* ptype 0x8600 */
		{17, 0x01}, /* ptype 0x0801 */
		{18, 8},    /* hlen */
		{19, 16},   /* plen */
	};
	uint8_t f[64], g[64];
	struct hf_pkt_info pi;
	size_t i;

	(void)state;
	mk_arp(f, HF_ARP_OP_REQUEST);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(g, f, sizeof(g));
		assert_int_not_equal(g[bad[i].off], bad[i].val);
		g[bad[i].off] = bad[i].val;
		assert_int_equal(parse_exact(g, 60, &pi), HF_PKT_ERR_ARP);
	}
	assert_int_equal(parse_exact(f, 60, &pi), HF_PKT_OK);
	assert_int_equal(parse_exact(f, 41, &pi), HF_PKT_ERR_ARP);
}

static void
test_fragments(void **state)
{
	/* MF; offset 1; MF and offset 1; the last offset; DF and MF */
	static const uint16_t frags[] = {0x2000, 0x0001, 0x2001, 0x1fff, 0x6000};
	uint8_t f[128], l4[16];
	struct hf_pkt_info pi;
	uint32_t off, len;
	size_t i;

	(void)state;
	mk_ports(l4, sizeof(l4), 1111, 2222);
	off = put_eth(f, HF_ETHERTYPE_IPV4, 0, NULL, NULL);
	for (i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		bool first = (frags[i] & 0x1fff) == 0;

		len = put_ipv4(f, off, 5, frags[i], HF_IPPROTO_UDP, IP4(192, 0, 2, 1),
			IP4(192, 0, 2, 2), l4, sizeof(l4));
		assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
		assert_int_equal(pi.kind, HF_PKT_IPV4);
		assert_int_equal(pi.is_fragment, 1);
		assert_int_equal(pi.proto, HF_IPPROTO_UDP);
		assert_int_equal(pi.frag_id, 0x1234);
		assert_int_equal(pi.frag_off, frags[i] & 0x1fff);
		/* the first fragment carries the L4 header: its ports are the flow's */
		assert_int_equal(pi.l4_valid, first);
		assert_int_equal(pi.sport, first ? htons(1111) : 0);
		assert_int_equal(pi.dport, first ? htons(2222) : 0);
		assert_int_equal(pi.src_key, IP4(192, 0, 2, 1));
	}
	/* ICMP fragment: no ICMP fields. */
	len = put_ipv4(f, off, 5, 0x2000, HF_IPPROTO_ICMP, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4,
		sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.icmp_type, 0);
	/* A first fragment too short for the ports: none. */
	len = put_ipv4(f, off, 5, 0x2000, HF_IPPROTO_UDP, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4,
		3);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.is_fragment, 1);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.sport, 0);
	/* DF only, offset 0: not a fragment. */
	len = put_ipv4(f, off, 5, 0x4000, HF_IPPROTO_UDP, IP4(192, 0, 2, 1), IP4(192, 0, 2, 2), l4,
		sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.sport, htons(1111));
	assert_int_equal(pi.frag_id, 0);
	assert_int_equal(pi.frag_off, 0);
}

/* IPv6 Fragment header (RFC 8200 4.5) of 8 bytes, then l4len bytes of l4. */
static uint32_t
put_ipv6_frag(uint8_t *f, uint32_t off, uint8_t nh, uint16_t offset, bool more, uint32_t id,
	const uint8_t *l4, uint32_t l4len)
{
	uint8_t fl[64];

	assert_true(l4len + 8 <= sizeof(fl));
	fl[0] = nh;
	fl[1] = 0;
	put16(fl + 2, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	put32be(fl + 4, htonl(id));
	memcpy(fl + 8, l4, l4len);
	return put_ipv6(f, off, 44, fl, l4len + 8);
}

static void
test_ipv6_fragments(void **state)
{
	uint8_t f[128], l4[16];
	struct hf_pkt_info pi;
	uint32_t off, len;

	(void)state;
	mk_ports(l4, sizeof(l4), 4500, 4500);
	off = put_eth(f, HF_ETHERTYPE_IPV6, 0, NULL, NULL);

	/* First fragment: the upper protocol and its ports, and the 32-bit id. */
	len = put_ipv6_frag(f, off, HF_IPPROTO_UDP, 0, true, 0xdeadbeef, l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV6);
	assert_int_equal(pi.is_fragment, 1);
	assert_int_equal(pi.proto, HF_IPPROTO_UDP);
	assert_int_equal(pi.frag_id, 0xdeadbeef);
	assert_int_equal(pi.frag_off, 0);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.sport, htons(4500));
	assert_int_equal(pi.dport, htons(4500));

	/* A later fragment: the upper protocol, no ports. */
	len = put_ipv6_frag(f, off, HF_IPPROTO_UDP, 185, false, 0xdeadbeef, l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.is_fragment, 1);
	assert_int_equal(pi.proto, HF_IPPROTO_UDP);
	assert_int_equal(pi.frag_id, 0xdeadbeef);
	assert_int_equal(pi.frag_off, 185);
	assert_int_equal(pi.l4_valid, 0);
	assert_int_equal(pi.sport, 0);

	/* An atomic fragment (offset 0, M clear; RFC 6946) is a whole datagram. */
	len = put_ipv6_frag(f, off, HF_IPPROTO_UDP, 0, false, 7, l4, sizeof(l4));
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.proto, HF_IPPROTO_UDP);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.dport, htons(4500));

	/* A payload shorter than the Fragment header it names: malformed. */
	len = put_ipv6(f, off, 44, l4, 7);
	assert_int_equal(parse_exact(f, len, &pi), HF_PKT_ERR_IPV6);
}

/* Deterministic xorshift32. */
static uint32_t
rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

/*
 * Random corruption of good frames and random lengths: must never crash
 * or read past len (valgrind/ASan), and a good result must be consistent.
 */
static void
test_fuzz(void **state)
{
	uint8_t base[6][128], f[128];
	uint32_t blen[6];
	uint32_t seed = 0x12345678;
	struct hf_pkt_info pi;
	int i, j;

	(void)state;
	blen[0] = mk_ipv4_tcp(base[0]);
	blen[1] = mk_ipv4_udp_opts_padded(base[1]);
	blen[2] = mk_ipv4_icmp(base[2]);
	blen[3] = mk_ipv6_udp(base[3]);
	blen[4] = mk_arp(base[4], HF_ARP_OP_REPLY);
	blen[5] = mk_qinq_tcp(base[5]);
	for (i = 0; i < 20000; i++) {
		uint32_t k = rnd(&seed) % 6;
		uint32_t len = rnd(&seed) % (blen[k] + 1);
		int nflip = 1 + (int)(rnd(&seed) % 4);
		int rc;

		memcpy(f, base[k], blen[k]);
		for (j = 0; j < nflip; j++)
			f[rnd(&seed) % blen[k]] = (uint8_t)rnd(&seed);
		rc = parse_exact(f, len, &pi);
		assert_true(rc >= HF_PKT_OK && rc < HF_PKT_ERR__MAX);
		if (rc != HF_PKT_OK)
			continue;
		assert_true(pi.nb_vlan <= 2);
		assert_int_equal(pi.l2_len, 14 + 4 * pi.nb_vlan);
		assert_true(pi.l2_len <= len);
		if (pi.kind == HF_PKT_IPV4 || pi.kind == HF_PKT_IPV6)
			assert_true(pi.l2_len + pi.l3_len <= len);
		if (pi.kind == HF_PKT_ARP)
			assert_true(pi.l2_len + 28u <= len);
		if (pi.l4_valid)
			assert_int_equal(pi.is_fragment, 0);
	}
}

/* Exactly-sized copy for hf_pkt_parse_fast, like parse_exact. */
static bool
parse_fast_exact(const uint8_t *frame, uint32_t len, struct hf_pkt_info *pi)
{
	uint8_t *copy = malloc(len == 0 ? 1 : len);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, frame, len);
	ok = hf_pkt_parse_fast(copy, len, pi);
	free(copy);
	return ok;
}

/*
 * hf_pkt_parse_fast against hf_pkt_parse on good, mutated and truncated
 * frames of every kind, mutations aimed at the bytes the fast path
 * decides on (ethertype, version/IHL, total length, fragment field,
 * protocol): where the fast path takes a frame, the full parser accepts it
 * with the same kind, protocol, fragment flag, addresses and ports; where
 * the full parser finds untagged IPv4 without options and not a fragment,
 * the fast path takes it (it really is the common path); and a refused
 * frame is left as it was.
 */
static void
test_parse_fast_agrees(void **state)
{
	static const uint8_t hot[] = {12, 13, 14, 16, 17, 20, 21, 23};
	uint8_t base[6][128], f[128];
	uint32_t blen[6], seed = 0x9e3779b9u, taken = 0, common = 0;
	struct hf_pkt_info full, fast;
	int i, j;

	(void)state;
	blen[0] = mk_ipv4_tcp(base[0]);
	blen[1] = mk_ipv4_udp_opts_padded(base[1]);
	blen[2] = mk_ipv4_icmp(base[2]);
	blen[3] = mk_ipv6_udp(base[3]);
	blen[4] = mk_arp(base[4], HF_ARP_OP_REPLY);
	blen[5] = mk_qinq_tcp(base[5]);
	for (i = 0; i < 200000; i++) {
		uint32_t k = rnd(&seed) % 6, len = blen[k];
		int nflip = (int)(rnd(&seed) % 3), rc;
		bool ok;

		memcpy(f, base[k], blen[k]);
		if (rnd(&seed) % 4 == 0)
			len = rnd(&seed) % (blen[k] + 1);
		for (j = 0; j < nflip; j++) {
			uint32_t at = rnd(&seed) % 2 ? hot[rnd(&seed) % sizeof(hot)]
						    : rnd(&seed) % blen[k];
			uint32_t r = rnd(&seed);

			/* small values matter most: lengths near the limits, protocols, IHL 5 */
			f[at] = (uint8_t)(r % 3 == 0 ? r >> 8 : r % 3 == 1 ? (r >> 8) % 64 : f[at] ^ (1u << (r >> 8) % 8));
		}
		memset(&fast, 0xa5, sizeof(fast));
		ok = parse_fast_exact(f, len, &fast);
		rc = parse_exact(f, len, &full);
		if (rc == HF_PKT_OK && full.kind == HF_PKT_IPV4 && full.nb_vlan == 0 &&
		    full.l3_len == 20 && !full.is_fragment) {
			assert_true(ok);
			common++;
		}
		if (!ok) {
			uint8_t untouched[sizeof(fast)];

			memset(untouched, 0xa5, sizeof(untouched));
			assert_memory_equal(&fast, untouched, sizeof(fast));
			continue;
		}
		taken++;
		assert_int_equal(rc, HF_PKT_OK);
		assert_int_equal(fast.kind, full.kind);
		assert_int_equal(fast.proto, full.proto);
		assert_int_equal(fast.is_fragment, full.is_fragment);
		assert_int_equal(fast.src_key, full.src_key);
		assert_int_equal(fast.dst_key, full.dst_key);
		assert_int_equal(fast.sport, full.sport);
		assert_int_equal(fast.dport, full.dport);
	}
	printf("# parse_fast: took %u of 200000 frames, the full parser's untagged IPv4 "
	       "without options: %u\n", taken, common);
	assert_int_equal(taken, common);
	assert_true(taken > 20000);
}

/* ---- builder and checksum ---- */

static void
test_arp_build_roundtrip(void **state)
{
	static const struct hf_mac bc = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct hf_mac sha = {{0x00, 0x00, 0x5e, 0x00, 0x01, 0x33}};
	static const struct hf_mac zero = {{0}};
	uint8_t buf[80];
	struct hf_pkt_info pi;
	int n, i;

	(void)state;
	memset(buf, 0xcc, sizeof(buf));
	assert_int_equal(hf_arp_build(buf, 59, &bc, &sha, HF_ARP_OP_REQUEST, &sha,
				 IP4(192, 0, 2, 1), &zero, IP4(192, 0, 2, 9)),
		-ENOSPC);
	assert_int_equal(buf[0], 0xcc); /* nothing written */

	n = hf_arp_build(buf, sizeof(buf), &bc, &sha, HF_ARP_OP_REQUEST, &sha, IP4(192, 0, 2, 1),
		&zero, IP4(192, 0, 2, 9));
	assert_int_equal(n, HF_ETH_MIN_FRAME);
	for (i = HF_ARP_FRAME_LEN; i < HF_ETH_MIN_FRAME; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(buf[60], 0xcc); /* nothing past the frame */
	/* Wire layout spot checks. */
	assert_memory_equal(buf, bc.b, 6);
	assert_memory_equal(buf + 6, sha.b, 6);
	assert_memory_equal(buf + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x01", 10);
	assert_memory_equal(buf + 28, "\xc0\x00\x02\x01", 4);
	assert_memory_equal(buf + 38, "\xc0\x00\x02\x09", 4);

	assert_int_equal(parse_exact(buf, (uint32_t)n, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_ARP);
	assert_int_equal(pi.arp_op, HF_ARP_OP_REQUEST);
	assert_true(hf_mac_eq(&pi.arp_sha, &sha));
	assert_true(hf_mac_eq(&pi.arp_tha, &zero));
	assert_int_equal(pi.arp_sip, IP4(192, 0, 2, 1));
	assert_int_equal(pi.arp_tip, IP4(192, 0, 2, 9));

	n = hf_arp_build(buf, 60, &mac_dst, &mac_src, HF_ARP_OP_REPLY, &mac_src,
		IP4(203, 0, 113, 5), &mac_dst, IP4(198, 51, 100, 6));
	assert_int_equal(n, 60);
	assert_int_equal(parse_exact(buf, (uint32_t)n, &pi), HF_PKT_OK);
	assert_int_equal(pi.arp_op, HF_ARP_OP_REPLY);
	assert_true(hf_mac_eq(&pi.arp_sha, &mac_src));
	assert_true(hf_mac_eq(&pi.arp_tha, &mac_dst));
	assert_int_equal(pi.arp_sip, IP4(203, 0, 113, 5));
	assert_int_equal(pi.arp_tip, IP4(198, 51, 100, 6));
}

static uint16_t
be16_of(uint16_t net)
{
	return ntohs(net);
}

static void
test_inet_cksum(void **state)
{
	/* RFC 1071 section 3 example: one's complement sum 0xddf2. */
	static const uint8_t rfc[8] = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
	/*
	 * 192.0.2.10 -> 198.51.100.20, ICMP, id 0xabcd, DF, TTL 64, length 84.
	 * Hand sum: 4500+0054+abcd+4000+4001+c000+020a+c633+6414 = 0x35d73,
	 * folded 0x5d76, complemented 0xa289.
	 */
	uint8_t hdr[20] = {0x45, 0x00, 0x00, 0x54, 0xab, 0xcd, 0x40, 0x00, 0x40, 0x01, 0x00, 0x00,
		0xc0, 0x00, 0x02, 0x0a, 0xc6, 0x33, 0x64, 0x14};
	uint16_t c;

	(void)state;
	assert_int_equal(be16_of(hf_inet_cksum(rfc, sizeof(rfc))), 0x220d);
	/* Odd length: last byte padded with zero: 0x0001 + 0xf200 = 0xf201. */
	assert_int_equal(be16_of(hf_inet_cksum(rfc, 3)), 0x0dfe);
	assert_int_equal(be16_of(hf_inet_cksum(rfc, 0)), 0xffff);

	c = hf_inet_cksum(hdr, sizeof(hdr));
	assert_int_equal(be16_of(c), 0xa289);
	/* Network order: stored as-is, bytes a2 89. */
	memcpy(hdr + 10, &c, 2);
	assert_int_equal(hdr[10], 0xa2);
	assert_int_equal(hdr[11], 0x89);
	/* A header carrying its checksum verifies to zero. */
	assert_int_equal(hf_inet_cksum(hdr, sizeof(hdr)), 0);
	hdr[8] = 63;
	assert_int_not_equal(hf_inet_cksum(hdr, sizeof(hdr)), 0);
}

static void
test_err_str(void **state)
{
	int i, j;

	(void)state;
	for (i = 0; i < HF_PKT_ERR__MAX; i++) {
		assert_non_null(hf_pkt_err_str(i));
		assert_true(strlen(hf_pkt_err_str(i)) > 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(hf_pkt_err_str(i), hf_pkt_err_str(j));
	}
	assert_string_equal(hf_pkt_err_str(-1), "unknown parse error");
	assert_string_equal(hf_pkt_err_str(HF_PKT_ERR__MAX), "unknown parse error");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_udp_options_padding),
		cmocka_unit_test(test_ipv4_icmp),
		cmocka_unit_test(test_ipv6_udp),
		cmocka_unit_test(test_ipv6_no_ports),
		cmocka_unit_test(test_arp_request),
		cmocka_unit_test(test_arp_reply),
		cmocka_unit_test(test_vlan_one),
		cmocka_unit_test(test_vlan_two),
		cmocka_unit_test(test_vlan_arp),
		cmocka_unit_test(test_other_ethertype),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_ipv4_bad_version_ihl),
		cmocka_unit_test(test_ipv4_bad_total_length),
		cmocka_unit_test(test_ipv4_icmp_short),
		cmocka_unit_test(test_ipv6_bad),
		cmocka_unit_test(test_three_tags),
		cmocka_unit_test(test_arp_bad_fields),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_parse_fast_agrees),
		cmocka_unit_test(test_arp_build_roundtrip),
		cmocka_unit_test(test_inet_cksum),
		cmocka_unit_test(test_err_str),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
