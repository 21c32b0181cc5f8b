/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VRRPv3 unit tests: the codec against hand-computed and captured
 * keepalived bytes, every parse rejection, and the RFC 5798 6.4 state
 * machine on a fake millisecond clock. The election tests run two or three
 * routers that exchange real frames (build -> hf_pkt_parse -> parse -> rx)
 * one millisecond at a time, so every timer edge is checked exactly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <hyperflow/pkt.h>
#include <hyperflow/vrrp.h>

static uint32_t
ip4(const char *s)
{
	uint32_t ip = 0;

	assert_int_equal(hf_ip4_parse(s, &ip), 0);
	return ip;
}

/* ---- Codec ---- */

/*
 * vrid 51, priority 100, Max Adver Int 100 cs, VIP 192.0.2.1, sent by
 * 192.0.2.2 to 224.0.0.18: the bytes hf_vrrp_build must write.
 *
 * IPv4 header checksum (id 0, checksum field 0), sum of the 16-bit words:
 *   45c0 + 0020 + 0000 + 0000 + ff70 + 0000 + c000 + 0202
 *              + e000 + 0012 = 0x2e764; fold: e764 + 2 = e766; ~ = 1899.
 * VRRP checksum (RFC 5798 5.2.8, IPv4 pseudo-header then the message):
 *   pseudo-header  c000 0202 (src) + e000 0012 (dst) + 0070 (0, proto 112)
 *                  + 000c (VRRP length 12)
 *   message        3133 (v3, type 1, vrid 51) + 6401 (prio 100, count 1)
 *                  + 0064 (rsvd 0, 100 cs) + 0000 (checksum) + c000 0201
 *   c000+0202+e000+0012+0070+000c+3133+6401+0064+c000+0201 = 0x2fa29;
 *   fold: fa29 + 2 = fa2b; ~ = 05d4.
 */
/* clang-format off */
static const uint8_t ref_frame[60] = {
	/* Ethernet: 224.0.0.18's MAC, the virtual router MAC for vrid 51 */
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x00, 0x00, 0x5e, 0x00, 0x01, 0x33, 0x08, 0x00,
	/* IPv4: ToS 0xc0, len 32, id 0, no DF, TTL 255, proto 112 */
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0xff, 0x70, 0x18, 0x99,
	0xc0, 0x00, 0x02, 0x02, 0xe0, 0x00, 0x00, 0x12,
	/* VRRP */
	0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x05, 0xd4, 0xc0, 0x00, 0x02, 0x01,
	/* padding */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
/* clang-format on */

/*
 * The same advert as keepalived v2.2.7 sent it (vrrp_version 3, vrid 51,
 * priority 100, advert_int 1, VIP 192.0.2.1/32 on an interface holding
 * 192.0.2.2/24), captured with tcpdump on the other end of a veth pair:
 * its first advert after "Entering MASTER STATE". The differences from
 * ref_frame: the Ethernet source is the interface MAC (keepalived uses the
 * virtual MAC only with use_vmac), the IP id counts adverts from 1 (hence
 * the IP checksum 1898 = 1899 - 1), and veth does not pad. The VRRP
 * message, checksum 05d4 included, is identical.
 */
/* clang-format off */
static const uint8_t keepalived_frame[46] = {
	0x01, 0x00, 0x5e, 0x00, 0x00, 0x12, 0x0e, 0x3c, 0xef, 0xa3, 0x76, 0x1d, 0x08, 0x00,
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x18, 0x98,
	0xc0, 0x00, 0x02, 0x02, 0xe0, 0x00, 0x00, 0x12,
	0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x05, 0xd4, 0xc0, 0x00, 0x02, 0x01,
};
/* clang-format on */

static int
build_ref(uint8_t *buf, uint32_t len)
{
	uint32_t vip = ip4("192.0.2.1");

	return hf_vrrp_build(buf, len, NULL, NULL, ip4("192.0.2.2"), htonl(HF_VRRP_MCAST_GROUP), 51,
		100, 100, &vip, 1);
}

static void
test_build_reference(void **state)
{
	uint8_t buf[128];

	(void)state;
	memset(buf, 0xaa, sizeof(buf));
	assert_int_equal(build_ref(buf, sizeof(buf)), 60);
	assert_memory_equal(buf, ref_frame, sizeof(ref_frame));
	assert_int_equal(buf[60], 0xaa); /* nothing written past the frame */
	/* The checksums are independently right: both fold to ffff. */
	assert_int_equal(hf_inet_cksum(buf + 14, 20), 0);
}

static void
test_parse_keepalived_capture(void **state)
{
	struct hf_vrrp_adv a;
	uint8_t ours[60];

	(void)state;
	memset(&a, 0x55, sizeof(a));
	assert_int_equal(
		hf_vrrp_parse(keepalived_frame, sizeof(keepalived_frame), NULL, &a), HF_VRRP_OK);
	assert_int_equal(a.src_ip, ip4("192.0.2.2"));
	assert_int_equal(a.dst_ip, ip4("224.0.0.18"));
	assert_int_equal(a.vrid, 51);
	assert_int_equal(a.priority, 100);
	assert_int_equal(a.max_adver_int_cs, 100);
	assert_int_equal(a.count, 1);
	assert_int_equal(a.nb_vips, 1);
	assert_int_equal(a.vips[0], ip4("192.0.2.1"));
	assert_false(a.cksum_compat);

	/* Our VRRP message is keepalived's, byte for byte. */
	assert_int_equal(build_ref(ours, sizeof(ours)), 60);
	assert_memory_equal(ours + 34, keepalived_frame + 34, 12);
	/* The IPv4 headers differ only in the id and its checksum. */
	assert_memory_equal(ours + 14, keepalived_frame + 14, 4);
	assert_memory_equal(ours + 20, keepalived_frame + 20, 4);
	assert_memory_equal(ours + 26, keepalived_frame + 26, 8);
}

static void
test_build_parse_roundtrip(void **state)
{
	struct hf_mac peer_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x07}};
	uint32_t vips[3] = {ip4("203.0.113.10"), ip4("203.0.113.11"), ip4("198.51.100.99")};
	struct hf_vrrp_adv a;
	struct hf_pkt_info pi;
	uint8_t buf[256];
	int n;

	(void)state;
	n = hf_vrrp_build(buf, sizeof(buf), NULL, &peer_mac, ip4("192.0.2.2"), ip4("198.51.100.7"),
		7, 254, 4095, vips, 3);
	assert_int_equal(HF_VRRP_FRAME_LEN(3), 14 + 20 + 8 + 12);
	assert_int_equal(n, 60); /* 54, padded */
	assert_memory_equal(buf, peer_mac.b, 6);
	assert_memory_equal(buf + 6, "\x00\x00\x5e\x00\x01\x07", 6);
	assert_int_equal(buf[34 + 4], 0x0f); /* 4 reserved bits 0, 4095 */
	assert_int_equal(buf[34 + 5], 0xff);

	assert_int_equal(hf_pkt_parse(buf, (uint32_t)n, &pi), HF_PKT_OK);
	assert_int_equal(pi.proto, HF_IPPROTO_VRRP);
	assert_int_equal(pi.ttl, 255);
	memset(&a, 0, sizeof(a));
	assert_int_equal(hf_vrrp_parse(buf, (uint32_t)n, &pi, &a), HF_VRRP_OK);
	assert_int_equal(a.src_ip, ip4("192.0.2.2"));
	assert_int_equal(a.dst_ip, ip4("198.51.100.7"));
	assert_int_equal(a.vrid, 7);
	assert_int_equal(a.priority, 254);
	assert_int_equal(a.max_adver_int_cs, 4095);
	assert_int_equal(a.count, 3);
	assert_int_equal(a.nb_vips, 3);
	assert_memory_equal(a.vips, vips, sizeof(vips));
	assert_false(a.cksum_compat);
}

static void
test_build_many_and_no_vips(void **state)
{
	uint32_t vips[20];
	struct hf_vrrp_adv a;
	uint8_t buf[HF_VRRP_FRAME_MAX];
	int n, i;

	(void)state;
	for (i = 0; i < 20; i++)
		vips[i] = htonl(0xcb007100u + (uint32_t)i); /* 203.0.113.i */
	n = hf_vrrp_build(buf, sizeof(buf), NULL, NULL, ip4("192.0.2.2"),
		htonl(HF_VRRP_MCAST_GROUP), 1, 100, 100, vips, 20);
	assert_int_equal(n, 14 + 20 + 8 + 80);
	assert_int_equal(hf_vrrp_parse(buf, (uint32_t)n, NULL, &a), HF_VRRP_OK);
	assert_int_equal(a.count, 20);
	assert_int_equal(a.nb_vips, HF_VRRP_MAX_VIPS);
	assert_memory_equal(a.vips, vips, sizeof(a.vips));

	/* No address at all: 42 bytes, padded to 60 with zeros. */
	memset(buf, 0xaa, sizeof(buf));
	n = hf_vrrp_build(buf, sizeof(buf), NULL, NULL, ip4("192.0.2.2"),
		htonl(HF_VRRP_MCAST_GROUP), 1, 100, 100, NULL, 0);
	assert_int_equal(n, 60);
	for (i = 42; i < 60; i++)
		assert_int_equal(buf[i], 0);
	assert_int_equal(hf_vrrp_parse(buf, (uint32_t)n, NULL, &a), HF_VRRP_OK);
	assert_int_equal(a.count, 0);

	/* 255 addresses fit HF_VRRP_FRAME_MAX exactly. */
	{
		uint32_t big[255];

		memset(big, 0xcb, sizeof(big));
		n = hf_vrrp_build(buf, sizeof(buf), NULL, NULL, ip4("192.0.2.2"),
			htonl(HF_VRRP_MCAST_GROUP), 1, 100, 100, big, 255);
		assert_int_equal(n, HF_VRRP_FRAME_MAX);
		assert_int_equal(hf_vrrp_parse(buf, (uint32_t)n, NULL, &a), HF_VRRP_OK);
		assert_int_equal(a.count, 255);
	}
}

static void
test_build_errors(void **state)
{
	uint32_t vip = ip4("192.0.2.1");
	uint32_t src = ip4("192.0.2.2");
	uint32_t grp = htonl(HF_VRRP_MCAST_GROUP);
	uint32_t vips[8] = {0};
	uint8_t buf[128];

	(void)state;
	assert_int_equal(
		hf_vrrp_build(buf, 59, NULL, NULL, src, grp, 1, 100, 100, &vip, 1), -ENOSPC);
	assert_int_equal(hf_vrrp_build(buf, 60, NULL, NULL, src, grp, 1, 100, 100, &vip, 1), 60);
	/* 8 addresses: 74 bytes. */
	assert_int_equal(
		hf_vrrp_build(buf, 73, NULL, NULL, src, grp, 1, 100, 100, vips, 8), -ENOSPC);
	assert_int_equal(hf_vrrp_build(buf, 74, NULL, NULL, src, grp, 1, 100, 100, vips, 8), 74);
	assert_int_equal(
		hf_vrrp_build(NULL, 128, NULL, NULL, src, grp, 1, 100, 100, &vip, 1), -EINVAL);
	assert_int_equal(
		hf_vrrp_build(buf, 128, NULL, NULL, src, grp, 0, 100, 100, &vip, 1), -EINVAL);
	assert_int_equal(
		hf_vrrp_build(buf, 128, NULL, NULL, src, grp, 1, 100, 0, &vip, 1), -EINVAL);
	assert_int_equal(
		hf_vrrp_build(buf, 128, NULL, NULL, src, grp, 1, 100, 4096, &vip, 1), -EINVAL);
	assert_int_equal(
		hf_vrrp_build(buf, 128, NULL, NULL, src, grp, 1, 100, 100, NULL, 1), -EINVAL);
}

/* Recompute both checksums of an untagged advert after a test edited it. */
static void
refix(uint8_t *f)
{
	uint8_t *ip = f + 14, *vr = f + 34;
	uint32_t vlen = (uint32_t)((ip[2] << 8 | ip[3]) - 20);
	uint8_t tmp[12 + 64];
	uint16_t ck;

	ip[10] = ip[11] = 0;
	ck = hf_inet_cksum(ip, 20);
	memcpy(ip + 10, &ck, 2);

	assert_true(vlen <= 64);
	memcpy(tmp, ip + 12, 8);
	tmp[8] = 0;
	tmp[9] = 112;
	tmp[10] = (uint8_t)(vlen >> 8);
	tmp[11] = (uint8_t)vlen;
	vr[6] = vr[7] = 0;
	memcpy(tmp + 12, vr, vlen);
	ck = hf_inet_cksum(tmp, 12 + vlen);
	memcpy(vr + 6, &ck, 2);
}

static int
parse_edited(uint8_t *f, uint32_t len)
{
	struct hf_vrrp_adv a;

	refix(f);
	return hf_vrrp_parse(f, len, NULL, &a);
}

static void
test_parse_rejects(void **state)
{
	struct hf_vrrp_adv a;
	uint8_t f[60];

	(void)state;
	/* The edit helper itself keeps a good frame good. */
	build_ref(f, sizeof(f));
	assert_int_equal(parse_edited(f, 60), HF_VRRP_OK);
	assert_memory_equal(f, ref_frame, 60);

	build_ref(f, sizeof(f));
	f[14 + 8] = 254;
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_TTL);

	build_ref(f, sizeof(f));
	f[34] = 0x21; /* VRRPv2 advertisement */
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_VERSION);

	build_ref(f, sizeof(f));
	f[34] = 0x32; /* v3, type 2 */
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_TYPE);

	/* A flipped bit in the message, checksums left as they were. */
	build_ref(f, sizeof(f));
	f[34 + 2] ^= 0x01;
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_ERR_CKSUM);
	build_ref(f, sizeof(f));
	f[34 + 6] ^= 0x80;
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_ERR_CKSUM);
	/* The source address is covered through the pseudo-header. */
	build_ref(f, sizeof(f));
	f[14 + 15] = 0x03;
	f[14 + 10] = f[14 + 11] = 0;
	{
		uint16_t ck = hf_inet_cksum(f + 14, 20);

		memcpy(f + 14 + 10, &ck, 2);
	}
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_ERR_CKSUM);
	/* A bad IPv4 header checksum. */
	build_ref(f, sizeof(f));
	f[14 + 11] ^= 0x01;
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_ERR_IP_CKSUM);

	/* Truncated: the IP datagram holds 6 bytes of VRRP. */
	build_ref(f, sizeof(f));
	f[14 + 3] = 20 + 6;
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_LEN);
	/* The address is missing (8 bytes of VRRP, count 1). */
	build_ref(f, sizeof(f));
	f[14 + 3] = 20 + 8;
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_LEN);
	/* Count larger than the packet: 2 announced, 1 present. */
	build_ref(f, sizeof(f));
	f[34 + 3] = 2;
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_LEN);
	/* Count smaller than the packet: trailing bytes are not accepted. */
	build_ref(f, sizeof(f));
	f[34 + 3] = 0;
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_LEN);
	/* The frame itself cut short: the IPv4 header claims more than there is. */
	build_ref(f, sizeof(f));
	assert_int_equal(hf_vrrp_parse(f, 45, NULL, &a), HF_VRRP_ERR_PROTO);
	assert_int_equal(hf_vrrp_parse(f, 10, NULL, &a), HF_VRRP_ERR_PROTO);

	/* Not VRRP: another protocol, a fragment, ARP. */
	build_ref(f, sizeof(f));
	f[14 + 9] = 17;
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_PROTO);
	build_ref(f, sizeof(f));
	f[14 + 6] = 0x20; /* MF */
	assert_int_equal(parse_edited(f, 60), HF_VRRP_ERR_PROTO);
	{
		struct hf_mac m = {{0x02, 0, 0, 0, 0, 1}};

		assert_int_equal(hf_arp_build(f, 60, &m, &m, HF_ARP_OP_REQUEST, &m,
					 ip4("192.0.2.2"), &m, ip4("192.0.2.1")),
			60);
		assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_ERR_PROTO);
	}
	assert_int_equal(hf_vrrp_parse(NULL, 60, NULL, &a), HF_VRRP_ERR_PROTO);
}

static void
test_parse_vlan_tagged(void **state)
{
	struct hf_vrrp_adv a;
	struct hf_pkt_info pi;
	uint8_t f[64];

	(void)state;
	/* 802.1Q tag, VLAN 42, inserted after the MAC addresses. */
	memcpy(f, ref_frame, 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = 0x00;
	f[15] = 42;
	memcpy(f + 16, ref_frame + 12, 48);
	assert_int_equal(hf_pkt_parse(f, 64, &pi), HF_PKT_OK);
	assert_int_equal(pi.nb_vlan, 1);
	assert_int_equal(hf_vrrp_parse(f, 64, &pi, &a), HF_VRRP_OK);
	assert_int_equal(a.vrid, 51);
	assert_int_equal(a.vips[0], ip4("192.0.2.1"));
	f[18 + 8] = 254; /* TTL: the IPv4 header starts at 18 */
	assert_int_equal(hf_vrrp_parse(f, 64, NULL, &a), HF_VRRP_ERR_IP_CKSUM);
}

/*
 * keepalived v2.2.7 in unicast mode (unicast_src_ip 192.0.2.2, unicast_peer
 * 192.0.2.3, otherwise as above), captured the same way. The pseudo-header
 * holds the unicast destination: replacing e000 0012 by c000 0203 in the
 * sum above gives 0x2fa29 - 0xe012 + 0xc203 = 0x2dc1a; fold: dc1c;
 * ~ = 23e3.
 */
/* clang-format off */
static const uint8_t keepalived_unicast_frame[46] = {
	0xf6, 0x86, 0xe8, 0x7a, 0x02, 0x7b, 0x0e, 0x3c, 0xef, 0xa3, 0x76, 0x1d, 0x08, 0x00,
	0x45, 0xc0, 0x00, 0x20, 0x00, 0x01, 0x00, 0x00, 0xff, 0x70, 0x36, 0xa7,
	0xc0, 0x00, 0x02, 0x02, 0xc0, 0x00, 0x02, 0x03,
	0x31, 0x33, 0x64, 0x01, 0x00, 0x64, 0x23, 0xe3, 0xc0, 0x00, 0x02, 0x01,
};
/* clang-format on */

static void
test_parse_unicast_checksum(void **state)
{
	struct hf_mac peer_mac = {{0xf6, 0x86, 0xe8, 0x7a, 0x02, 0x7b}};
	uint32_t vip = ip4("192.0.2.1");
	uint32_t peer = ip4("192.0.2.3");
	struct hf_vrrp_adv a;
	uint8_t f[60];

	(void)state;
	assert_int_equal(
		hf_vrrp_parse(keepalived_unicast_frame, sizeof(keepalived_unicast_frame), NULL, &a),
		HF_VRRP_OK);
	assert_int_equal(a.dst_ip, peer);
	assert_false(a.cksum_compat);

	/* Ours to the same peer: the same Ethernet destination and VRRP bytes. */
	assert_int_equal(hf_vrrp_build(f, 60, NULL, &peer_mac, ip4("192.0.2.2"), peer, 51, 100, 100,
				 &vip, 1),
		60);
	assert_memory_equal(f, keepalived_unicast_frame, 6);
	assert_memory_equal(f + 34, keepalived_unicast_frame + 34, 12);
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_OK);
	assert_false(a.cksum_compat);

	/*
	 * The old keepalived way: the unicast packet's checksum computed with
	 * 224.0.0.18 in the pseudo-header, i.e. the multicast frame's 05d4.
	 * Accepted, and flagged.
	 */
	f[40] = 0x05;
	f[41] = 0xd4;
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_OK);
	assert_true(a.cksum_compat);

	/* To the group, only the real pseudo-header is accepted. */
	memcpy(f, ref_frame, 60);
	f[40] = 0x23;
	f[41] = 0xe3;
	assert_int_equal(hf_vrrp_parse(f, 60, NULL, &a), HF_VRRP_ERR_CKSUM);
	/* And a unicast one wrong both ways is rejected. */
	memcpy(f, keepalived_unicast_frame, 46);
	f[41] ^= 0x10;
	assert_int_equal(hf_vrrp_parse(f, 46, NULL, &a), HF_VRRP_ERR_CKSUM);
}

static void
test_err_strings(void **state)
{
	int e;

	(void)state;
	assert_string_equal(hf_vrrp_err_str(HF_VRRP_OK), "ok");
	assert_string_equal(hf_vrrp_err_str(HF_VRRP_ERR_TTL), "TTL is not 255");
	for (e = 1; e < HF_VRRP_ERR__MAX; e++) {
		assert_non_null(hf_vrrp_err_str(e));
		assert_string_not_equal(hf_vrrp_err_str(e), "unknown VRRP error");
		assert_string_not_equal(hf_vrrp_err_str(e), hf_vrrp_err_str(e - 1));
	}
	assert_string_equal(hf_vrrp_err_str(HF_VRRP_ERR__MAX), "unknown VRRP error");
	assert_string_equal(hf_vrrp_err_str(-1), "unknown VRRP error");
	assert_string_equal(hf_vrrp_state_str(HF_VRRP_INIT), "init");
	assert_string_equal(hf_vrrp_state_str(HF_VRRP_BACKUP), "backup");
	assert_string_equal(hf_vrrp_state_str(HF_VRRP_MASTER), "master");
}

/* ---- State machine, one router ---- */

static struct hf_vrrp_conf
mkconf(uint8_t prio, uint32_t advert_ms, bool preempt, const char *ip)
{
	struct hf_vrrp_conf c;

	memset(&c, 0, sizeof(c));
	c.vrid = 51;
	c.priority = prio;
	c.advert_ms = advert_ms;
	c.preempt = preempt;
	c.primary_ip = ip4(ip);
	return c;
}

static struct hf_vrrp_adv
mkadv(const char *src, uint8_t prio, uint16_t cs)
{
	struct hf_vrrp_adv a;

	memset(&a, 0, sizeof(a));
	a.src_ip = ip4(src);
	a.dst_ip = htonl(HF_VRRP_MCAST_GROUP);
	a.vrid = 51;
	a.priority = prio;
	a.max_adver_int_cs = cs;
	a.count = 1;
	a.nb_vips = 1;
	a.vips[0] = ip4("192.0.2.1");
	return a;
}

static void
start_ok(struct hf_vrrp *v, const struct hf_vrrp_conf *c, uint64_t now)
{
	struct hf_vrrp_out o;

	assert_int_equal(hf_vrrp_init(v, c, now), 0);
	assert_int_equal(v->state, HF_VRRP_INIT);
	hf_vrrp_start(v, now, &o);
	assert_int_not_equal(o.flags, 0);
}

static void
test_init_invalid(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.2");
	struct hf_vrrp v;

	(void)state;
	assert_int_equal(hf_vrrp_init(NULL, &c, 0), -EINVAL);
	assert_int_equal(hf_vrrp_init(&v, NULL, 0), -EINVAL);
	c.vrid = 0;
	assert_int_equal(hf_vrrp_init(&v, &c, 0), -EINVAL);
	c = mkconf(0, 1000, true, "192.0.2.2");
	assert_int_equal(hf_vrrp_init(&v, &c, 0), -EINVAL);
	c = mkconf(100, 9, true, "192.0.2.2");
	assert_int_equal(hf_vrrp_init(&v, &c, 0), -EINVAL);
	c = mkconf(100, 40951, true, "192.0.2.2");
	assert_int_equal(hf_vrrp_init(&v, &c, 0), -EINVAL);
	c = mkconf(100, 40950, true, "192.0.2.2");
	assert_int_equal(hf_vrrp_init(&v, &c, 0), 0);
	assert_int_equal(v.advert_cs, 4095);
	c = mkconf(100, 1005, true, "192.0.2.2");
	assert_int_equal(hf_vrrp_init(&v, &c, 7), 0);
	assert_int_equal(v.advert_ms, 1000);
	assert_int_equal(v.advert_cs, 100);
	assert_int_equal(v.state, HF_VRRP_INIT);
	assert_false(hf_vrrp_is_master(&v));
	assert_true(hf_vrrp_next_timeout(&v, 7) == HF_VRRP_NO_TIMEOUT);
}

static void
test_owner_is_master_at_once(void **state)
{
	struct hf_vrrp_conf c = mkconf(255, 1000, true, "192.0.2.1");
	struct hf_vrrp_out o;
	struct hf_vrrp v;
	char buf[HF_VRRP_REASON_MAX];

	(void)state;
	assert_int_equal(hf_vrrp_init(&v, &c, 100), 0);
	hf_vrrp_start(&v, 100, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT | HF_VRRP_OUT_BECAME_MASTER);
	assert_int_equal(o.advert_priority, 255);
	assert_true(hf_vrrp_is_master(&v));
	assert_string_equal(
		hf_vrrp_out_str(&o, buf, sizeof(buf)), "address owner (priority 255) at startup");
	assert_int_equal(v.stats.became_master, 1);
	assert_int_equal(v.stats.adverts_sent, 1);

	/* A second start is a no-op. */
	hf_vrrp_start(&v, 150, &o);
	assert_int_equal(o.flags, 0);

	/* Adverts every 1000 ms, exactly. */
	assert_int_equal(hf_vrrp_next_timeout(&v, 100), 1000);
	hf_vrrp_tick(&v, 1099, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(hf_vrrp_next_timeout(&v, 1099), 1);
	hf_vrrp_tick(&v, 1100, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT);
	assert_int_equal(o.advert_priority, 255);
	assert_null(o.reason);
	/* A late tick delays the cadence instead of bursting. */
	hf_vrrp_tick(&v, 2600, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT);
	hf_vrrp_tick(&v, 3599, &o);
	assert_int_equal(o.flags, 0);
	hf_vrrp_tick(&v, 3600, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT);
	assert_int_equal(v.stats.adverts_sent, 4);
	assert_int_equal(v.stats.transitions, 1);
}

static void
test_master_down_exact(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.2");
	struct hf_vrrp_out o;
	struct hf_vrrp v;
	char buf[HF_VRRP_REASON_MAX];

	(void)state;
	assert_int_equal(hf_vrrp_init(&v, &c, 0), 0);
	hf_vrrp_start(&v, 1000, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_BECAME_BACKUP);
	assert_string_equal(o.reason, "startup");
	assert_int_equal(v.state, HF_VRRP_BACKUP);
	/* Skew = (156 * 1000) / 256 = 609; down = 3 * 1000 + 609 = 3609. */
	assert_int_equal(hf_vrrp_skew_ms(&v), 609);
	assert_int_equal(hf_vrrp_master_down_ms(&v), 3609);
	assert_int_equal(hf_vrrp_next_timeout(&v, 1000), 3609);

	hf_vrrp_tick(&v, 1000 + 3608, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.state, HF_VRRP_BACKUP);
	assert_int_equal(hf_vrrp_next_timeout(&v, 1000 + 3608), 1);
	hf_vrrp_tick(&v, 1000 + 3609, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT | HF_VRRP_OUT_BECAME_MASTER);
	assert_int_equal(o.advert_priority, 100);
	assert_string_equal(hf_vrrp_out_str(&o, buf, sizeof(buf)), "master down interval expired");
	assert_string_equal(
		hf_vrrp_reason_str(&v, buf, sizeof(buf)), "master down interval expired");
	assert_int_equal(v.last_change, 4609);
	assert_true(hf_vrrp_is_master(&v));
	assert_int_equal(hf_vrrp_next_timeout(&v, 4609), 1000);
	assert_int_equal(v.stats.became_backup, 1);
	assert_int_equal(v.stats.became_master, 1);
	assert_int_equal(v.stats.transitions, 2);
}

static void
test_backup_learns_interval(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.2");
	struct hf_vrrp_adv a = mkadv("192.0.2.3", 200, 200);
	struct hf_vrrp_out o;
	struct hf_vrrp v;

	(void)state;
	start_ok(&v, &c, 0);
	hf_vrrp_rx(&v, &a, 500, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.master_adver_ms, 2000);
	assert_int_equal(v.master_ip, ip4("192.0.2.3"));
	assert_int_equal(v.master_priority, 200);
	/* 3 * 2000 + (156 * 2000) / 256 = 6000 + 1218. */
	assert_int_equal(hf_vrrp_master_down_ms(&v), 7218);
	assert_int_equal(hf_vrrp_next_timeout(&v, 500), 7218);
	hf_vrrp_tick(&v, 500 + 7217, &o);
	assert_int_equal(o.flags, 0);
	hf_vrrp_tick(&v, 500 + 7218, &o);
	assert_true(o.flags & HF_VRRP_OUT_BECAME_MASTER);
	/* Our own adverts keep our configured interval. */
	assert_int_equal(hf_vrrp_next_timeout(&v, 500 + 7218), 1000);

	/* Max Adver Int 0 is read as 1 cs, not as "no master". */
	start_ok(&v, &c, 0);
	a = mkadv("192.0.2.3", 200, 0);
	hf_vrrp_rx(&v, &a, 0, &o);
	assert_int_equal(v.master_adver_ms, 10);
}

static void
test_backup_rx_rules(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.2");
	struct hf_vrrp_adv a;
	struct hf_vrrp_out o;
	struct hf_vrrp v;

	(void)state;
	start_ok(&v, &c, 0);
	/* Equal priority resets the timer (>= ours). */
	a = mkadv("192.0.2.3", 100, 100);
	hf_vrrp_rx(&v, &a, 1000, &o);
	assert_int_equal(hf_vrrp_next_timeout(&v, 1000), 3609);
	/* Lower priority with preempt: ignored, the timer keeps running. */
	a = mkadv("192.0.2.4", 99, 100);
	hf_vrrp_rx(&v, &a, 2000, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.stats.rx_ignored, 1);
	assert_int_equal(hf_vrrp_next_timeout(&v, 2000), 2609);
	assert_int_equal(v.master_ip, ip4("192.0.2.3"));
	/* Another vrid: ignored and counted. */
	a = mkadv("192.0.2.3", 200, 100);
	a.vrid = 52;
	hf_vrrp_rx(&v, &a, 3000, &o);
	assert_int_equal(v.stats.rx_wrong_vrid, 1);
	assert_int_equal(hf_vrrp_next_timeout(&v, 3000), 1609);
	/* Our own address (looped back): ignored and counted. */
	a = mkadv("192.0.2.2", 200, 100);
	hf_vrrp_rx(&v, &a, 3000, &o);
	assert_int_equal(v.stats.rx_own, 1);
	assert_int_equal(hf_vrrp_next_timeout(&v, 3000), 1609);
	assert_int_equal(v.stats.adverts_rx, 4);
	assert_int_equal(v.state, HF_VRRP_BACKUP);

	/* Without preempt, a lower priority master is followed. */
	c = mkconf(100, 1000, false, "192.0.2.2");
	start_ok(&v, &c, 0);
	a = mkadv("192.0.2.4", 1, 100);
	hf_vrrp_rx(&v, &a, 3000, &o);
	assert_int_equal(hf_vrrp_next_timeout(&v, 3000), 3609);
	assert_int_equal(v.master_ip, ip4("192.0.2.4"));
	assert_int_equal(v.stats.rx_ignored, 0);

	/* In INIT every advert is ignored. */
	assert_int_equal(hf_vrrp_init(&v, &c, 0), 0);
	hf_vrrp_rx(&v, &a, 10, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.state, HF_VRRP_INIT);
	assert_int_equal(v.stats.rx_ignored, 1);
	hf_vrrp_tick(&v, 100000, &o);
	assert_int_equal(o.flags, 0);
}

static void
test_master_rx_rules(void **state)
{
	struct hf_vrrp_conf c = mkconf(255, 1000, true, "192.0.2.10");
	struct hf_vrrp_adv a;
	struct hf_vrrp_out o;
	struct hf_vrrp v;
	char buf[HF_VRRP_REASON_MAX];

	(void)state;
	c.priority = 100;
	start_ok(&v, &c, 0);
	hf_vrrp_tick(&v, 3609, &o);
	assert_true(hf_vrrp_is_master(&v));

	/* Lower priority, equal priority from a lower address: ignored. */
	a = mkadv("192.0.2.3", 99, 100);
	hf_vrrp_rx(&v, &a, 4000, &o);
	assert_int_equal(o.flags, 0);
	a = mkadv("192.0.2.9", 100, 100);
	hf_vrrp_rx(&v, &a, 4000, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.stats.rx_ignored, 2);
	assert_true(hf_vrrp_is_master(&v));

	/* Priority 0 from another router: advertise at once, timer restarted. */
	a = mkadv("192.0.2.3", 0, 100);
	hf_vrrp_rx(&v, &a, 4100, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT);
	assert_int_equal(o.advert_priority, 100);
	assert_int_equal(hf_vrrp_next_timeout(&v, 4100), 1000);
	assert_int_equal(v.stats.rx_prio_zero, 1);
	assert_true(hf_vrrp_is_master(&v));

	/* Higher priority: BACKUP, with the sender's interval. */
	a = mkadv("192.0.2.3", 200, 300);
	hf_vrrp_rx(&v, &a, 5000, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_BECAME_BACKUP);
	assert_string_equal(hf_vrrp_out_str(&o, buf, sizeof(buf)),
		"preempted by higher priority advert from 192.0.2.3 (priority 200)");
	assert_int_equal(v.state, HF_VRRP_BACKUP);
	assert_int_equal(v.master_adver_ms, 3000);
	assert_int_equal(hf_vrrp_next_timeout(&v, 5000), 9000 + (156 * 3000) / 256);
	assert_int_equal(v.stats.became_backup, 2);
}

/*
 * An advert from our own primary address that we did not send (issue #24:
 * two boxes bound the same probe address). Our adverts carry our IP ID
 * (hf_vrrp_stamp_id); one with another ID is counted as a conflict and
 * handled like any other router's advert, not dropped as our own: a Backup
 * follows it, so a second box with our address does not also become
 * Master; two Masters with the same priority and address keep the one
 * with the greater IP ID.
 */
static void
test_own_address_conflict(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.10");
	uint32_t vip = ip4("192.0.2.1");
	struct hf_vrrp_adv a;
	struct hf_pkt_info pi;
	struct hf_vrrp_out o;
	struct hf_vrrp v;
	uint8_t f[64];
	char buf[HF_VRRP_REASON_MAX];
	int len;

	(void)state;
	/* the IP ID goes on the wire, with a valid header checksum, and back */
	len = hf_vrrp_build(f, sizeof(f), NULL, NULL, ip4("192.0.2.10"), htonl(HF_VRRP_MCAST_GROUP),
		51, 100, 100, &vip, 1);
	assert_int_equal(len, 60);
	assert_int_equal(hf_vrrp_stamp_id(f, (uint32_t)len, 0x1234), 0);
	assert_int_equal(f[18], 0x12);
	assert_int_equal(f[19], 0x34);
	assert_int_equal(hf_pkt_parse(f, (uint32_t)len, &pi), HF_PKT_OK);
	assert_int_equal(hf_vrrp_parse(f, (uint32_t)len, &pi, &a), HF_VRRP_OK);
	assert_int_equal(a.ip_id, 0x1234);
	assert_int_equal(hf_vrrp_stamp_id(f, 20, 1), -EINVAL);

	c.ip_id = 0x0101;
	start_ok(&v, &c, 0);
	assert_int_equal(v.state, HF_VRRP_BACKUP);

	/* our own advert heard back: ignored, as before */
	a = mkadv("192.0.2.10", 100, 100);
	a.ip_id = 0x0101;
	hf_vrrp_rx(&v, &a, 1000, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.stats.rx_own, 1);
	assert_int_equal(v.stats.rx_conflict, 0);

	/* another box with our address, Master already: a conflict, and followed */
	a.ip_id = 0x0202;
	hf_vrrp_rx(&v, &a, 2000, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_CONFLICT);
	assert_int_equal(o.peer_ip, ip4("192.0.2.10"));
	assert_int_equal(v.stats.rx_conflict, 1);
	assert_int_equal(v.stats.rx_own, 1);
	assert_int_equal(v.master_ip, ip4("192.0.2.10"));
	/* the master-down timer restarted at 2000: still BACKUP where it would have fired */
	hf_vrrp_tick(&v, 3609, &o);
	assert_int_equal(v.state, HF_VRRP_BACKUP);
	hf_vrrp_tick(&v, 2000 + hf_vrrp_master_down_ms(&v), &o);
	assert_true(hf_vrrp_is_master(&v));

	/* Master: the same priority and address with a lower IP ID: we stay */
	a.ip_id = 0x0001;
	hf_vrrp_rx(&v, &a, 9000, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_CONFLICT);
	assert_true(hf_vrrp_is_master(&v));
	/* ... with a greater one: we yield */
	a.ip_id = 0x0202;
	hf_vrrp_rx(&v, &a, 9100, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_CONFLICT | HF_VRRP_OUT_BECAME_BACKUP);
	assert_int_equal(v.state, HF_VRRP_BACKUP);
	assert_string_equal(hf_vrrp_out_str(&o, buf, sizeof(buf)),
		"address conflict: equal priority, higher IP ID"
		" from 192.0.2.10 (priority 100)");
	assert_int_equal(v.stats.rx_conflict, 3);

	/* ip_id 0 (not told): every advert from our address is our own */
	c.ip_id = 0;
	start_ok(&v, &c, 0);
	hf_vrrp_rx(&v, &a, 1000, &o);
	assert_int_equal(o.flags, 0);
	assert_int_equal(v.stats.rx_own, 1);
	assert_int_equal(v.stats.rx_conflict, 0);
}

/*
 * Equal priorities: the greater primary address wins, compared as an
 * unsigned big-endian number. 198.51.100.1 > 192.0.2.10, although in a
 * little-endian load 192.0.2.10 (0x0a0200c0) would look greater than
 * 198.51.100.1 (0x016433c6): this catches a host-order comparison.
 */
static void
test_tie_break_byte_order(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.10");
	struct hf_vrrp_adv a;
	struct hf_vrrp_out o;
	struct hf_vrrp v;
	char buf[HF_VRRP_REASON_MAX];

	(void)state;
	start_ok(&v, &c, 0);
	hf_vrrp_tick(&v, 3609, &o);
	a = mkadv("198.51.100.1", 100, 100);
	hf_vrrp_rx(&v, &a, 4000, &o);
	assert_int_equal(o.flags, HF_VRRP_OUT_BECAME_BACKUP);
	assert_string_equal(hf_vrrp_out_str(&o, buf, sizeof(buf)),
		"preempted by equal priority advert with higher address from 198.51.100.1 "
		"(priority 100)");

	c = mkconf(100, 1000, true, "198.51.100.1");
	start_ok(&v, &c, 0);
	hf_vrrp_tick(&v, 3609, &o);
	a = mkadv("192.0.2.10", 100, 100);
	hf_vrrp_rx(&v, &a, 4000, &o);
	assert_int_equal(o.flags, 0);
	assert_true(hf_vrrp_is_master(&v));
}

static void
test_shutdown(void **state)
{
	struct hf_vrrp_conf c = mkconf(255, 1000, true, "192.0.2.1");
	struct hf_vrrp_out o;
	struct hf_vrrp v;

	(void)state;
	/* MASTER: one last advert with priority 0. */
	start_ok(&v, &c, 0);
	assert_true(hf_vrrp_shutdown(&v, 500, &o));
	assert_int_equal(o.flags, HF_VRRP_OUT_SEND_ADVERT | HF_VRRP_OUT_STOPPED);
	assert_int_equal(o.advert_priority, 0);
	assert_string_equal(o.reason, "shutdown");
	assert_int_equal(v.state, HF_VRRP_INIT);
	assert_true(hf_vrrp_next_timeout(&v, 500) == HF_VRRP_NO_TIMEOUT);
	assert_int_equal(v.stats.adverts_sent, 2);
	hf_vrrp_tick(&v, 5000, &o);
	assert_int_equal(o.flags, 0);
	/* Already stopped: nothing. */
	assert_false(hf_vrrp_shutdown(&v, 600, &o));
	assert_int_equal(o.flags, 0);
	/* It can start again. */
	hf_vrrp_start(&v, 700, &o);
	assert_true(o.flags & HF_VRRP_OUT_BECAME_MASTER);

	/* BACKUP: stops without a word. */
	c = mkconf(100, 1000, true, "192.0.2.2");
	start_ok(&v, &c, 0);
	assert_false(hf_vrrp_shutdown(&v, 500, &o));
	assert_int_equal(o.flags, HF_VRRP_OUT_STOPPED);
	assert_int_equal(v.stats.adverts_sent, 0);
	assert_int_equal(v.state, HF_VRRP_INIT);
}

static void
test_count_bad(void **state)
{
	struct hf_vrrp_conf c = mkconf(100, 1000, true, "192.0.2.2");
	struct hf_vrrp v;

	(void)state;
	assert_int_equal(hf_vrrp_init(&v, &c, 0), 0);
	hf_vrrp_count_bad(&v, HF_VRRP_ERR_CKSUM);
	hf_vrrp_count_bad(&v, HF_VRRP_ERR_CKSUM);
	hf_vrrp_count_bad(&v, HF_VRRP_ERR_TTL);
	hf_vrrp_count_bad(&v, HF_VRRP_OK);
	hf_vrrp_count_bad(&v, HF_VRRP_ERR__MAX);
	hf_vrrp_count_bad(&v, -3);
	assert_int_equal(v.stats.rx_bad[HF_VRRP_ERR_CKSUM], 2);
	assert_int_equal(v.stats.rx_bad[HF_VRRP_ERR_TTL], 1);
	assert_int_equal(v.stats.rx_bad[HF_VRRP_OK], 0);
}

/* ---- Several routers exchanging real frames ---- */

#define SIM_NODES 3
#define SIM_QUEUE 16

struct node {
	struct hf_vrrp v;
	bool up;	       /* ticks and receives */
	bool deaf;	       /* receives nothing (its adverts still go out) */
	int64_t became_master; /* time of the last BECAME_MASTER, -1 = never */
	int64_t became_backup; /* time of the last BECAME_BACKUP (not startup) */
	uint64_t frames_rx;
};

struct sim {
	struct node n[SIM_NODES];
	int nb;
	struct {
		int from;
		uint8_t prio;
	} q[SIM_QUEUE];
	int qlen;
};

static void
sim_handle(struct sim *s, int i, const struct hf_vrrp_out *o, uint64_t now)
{
	if (o->flags & HF_VRRP_OUT_SEND_ADVERT) {
		assert_true(s->qlen < SIM_QUEUE);
		s->q[s->qlen].from = i;
		s->q[s->qlen].prio = o->advert_priority;
		s->qlen++;
	}
	if (o->flags & HF_VRRP_OUT_BECAME_MASTER)
		s->n[i].became_master = (int64_t)now;
	if ((o->flags & HF_VRRP_OUT_BECAME_BACKUP) && o->peer_ip != 0)
		s->n[i].became_backup = (int64_t)now;
}

/* Deliver the queued adverts, as frames, to every other live router. */
static void
sim_drain(struct sim *s, uint64_t now)
{
	uint32_t vip = ip4("192.0.2.1");
	struct hf_vrrp_adv a;
	struct hf_pkt_info pi;
	struct hf_vrrp_out o;
	uint8_t f[64];
	int k = 0, j, len;

	while (k < s->qlen) {
		const struct hf_vrrp *tx = &s->n[s->q[k].from].v;

		len = hf_vrrp_build(f, sizeof(f), NULL, NULL, tx->primary_ip,
			htonl(HF_VRRP_MCAST_GROUP), tx->vrid, s->q[k].prio, tx->advert_cs, &vip, 1);
		assert_int_equal(len, 60);
		assert_int_equal(hf_pkt_parse(f, (uint32_t)len, &pi), HF_PKT_OK);
		assert_int_equal(hf_vrrp_parse(f, (uint32_t)len, &pi, &a), HF_VRRP_OK);
		assert_int_equal(a.priority, s->q[k].prio);
		for (j = 0; j < s->nb; j++) {
			if (j == s->q[k].from || !s->n[j].up || s->n[j].deaf)
				continue;
			s->n[j].frames_rx++;
			hf_vrrp_rx(&s->n[j].v, &a, now, &o);
			sim_handle(s, j, &o, now);
		}
		k++;
	}
	s->qlen = 0;
}

static void
sim_add(struct sim *s, uint8_t prio, bool preempt, const char *ip)
{
	struct hf_vrrp_conf c = mkconf(prio, 1000, preempt, ip);
	struct node *n = &s->n[s->nb++];

	memset(n, 0, sizeof(*n));
	assert_int_equal(hf_vrrp_init(&n->v, &c, 0), 0);
	n->became_master = -1;
	n->became_backup = -1;
}

static void
sim_start(struct sim *s, int i, uint64_t now)
{
	struct hf_vrrp_out o;

	s->n[i].up = true;
	hf_vrrp_start(&s->n[i].v, now, &o);
	sim_handle(s, i, &o, now);
	sim_drain(s, now);
}

/* Run the clock from `from` to `to` inclusive, 1 ms at a time. */
static void
sim_run(struct sim *s, uint64_t from, uint64_t to)
{
	struct hf_vrrp_out o;
	uint64_t t;
	int i;

	for (t = from; t <= to; t++) {
		for (i = 0; i < s->nb; i++) {
			if (!s->n[i].up)
				continue;
			hf_vrrp_tick(&s->n[i].v, t, &o);
			sim_handle(s, i, &o, t);
		}
		sim_drain(s, t);
	}
}

static void
test_election_higher_priority_wins(void **state)
{
	static struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sim_add(&s, 200, true, "192.0.2.2");
	sim_add(&s, 100, true, "192.0.2.3");
	sim_start(&s, 0, 0);
	sim_start(&s, 1, 0);
	sim_run(&s, 1, 20000);

	/* A: 3 * 1000 + (56 * 1000) / 256 = 3218, before B's 3609. */
	assert_int_equal(s.n[0].became_master, 3218);
	assert_true(hf_vrrp_is_master(&s.n[0].v));
	assert_int_equal(s.n[1].v.state, HF_VRRP_BACKUP);
	assert_int_equal(s.n[1].became_master, -1);
	assert_int_equal(s.n[1].v.stats.became_master, 0);
	assert_int_equal(s.n[1].v.master_ip, ip4("192.0.2.2"));
	assert_int_equal(s.n[1].v.master_priority, 200);
	/* Adverts at 3218, 4218, ..., 19218. */
	assert_int_equal(s.n[0].v.stats.adverts_sent, 17);
	assert_int_equal(s.n[1].frames_rx, 17);
	assert_int_equal(s.n[1].v.stats.adverts_rx, 17);
	assert_int_equal(s.n[0].v.stats.adverts_rx, 0);
}

static void
test_election_equal_priority_address_wins(void **state)
{
	static struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sim_add(&s, 100, true, "192.0.2.2");
	sim_add(&s, 100, true, "192.0.2.3");
	sim_start(&s, 0, 0);
	sim_start(&s, 1, 0);
	sim_run(&s, 1, 10000);

	/* Both time out at 3609 and advertise; the lower address yields. */
	assert_int_equal(s.n[0].became_master, 3609);
	assert_int_equal(s.n[1].became_master, 3609);
	assert_int_equal(s.n[0].became_backup, 3609);
	assert_int_equal(s.n[1].became_backup, -1);
	assert_int_equal(s.n[0].v.state, HF_VRRP_BACKUP);
	assert_true(hf_vrrp_is_master(&s.n[1].v));
	assert_int_equal(s.n[0].v.master_ip, ip4("192.0.2.3"));
	assert_int_equal(s.n[0].v.stats.became_master, 1);
	assert_int_equal(s.n[0].v.stats.became_backup, 2);
}

/*
 * Preemption, as RFC 5798 6.4.2 has it: a higher-priority backup with
 * preempt ignores the lower-priority master's adverts, so it takes over
 * when its master-down timer, started when it started, runs out (not at
 * the first advert); the old master then yields to its first advert.
 */
static void
test_preempt(void **state)
{
	static struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sim_add(&s, 100, true, "192.0.2.2");
	sim_add(&s, 200, true, "192.0.2.3");
	sim_start(&s, 0, 0);
	sim_run(&s, 1, 5000);
	assert_int_equal(s.n[0].became_master, 3609);

	sim_start(&s, 1, 5000);
	sim_run(&s, 5001, 5000 + 3217);
	assert_int_equal(s.n[1].v.state, HF_VRRP_BACKUP);
	assert_true(hf_vrrp_is_master(&s.n[0].v));
	/* It heard A's adverts (5609, 6609, 7609) and ignored them. */
	assert_int_equal(s.n[1].v.stats.adverts_rx, 3);
	assert_int_equal(s.n[1].v.stats.rx_ignored, 3);

	sim_run(&s, 5000 + 3218, 20000);
	assert_int_equal(s.n[1].became_master, 5000 + 3218);
	assert_int_equal(s.n[0].became_backup, 5000 + 3218);
	assert_true(hf_vrrp_is_master(&s.n[1].v));
	assert_int_equal(s.n[0].v.state, HF_VRRP_BACKUP);
	assert_int_equal(s.n[0].v.stats.became_master, 1);
	assert_int_equal(s.n[1].v.stats.became_master, 1);
	{
		char buf[HF_VRRP_REASON_MAX];

		assert_string_equal(hf_vrrp_reason_str(&s.n[0].v, buf, sizeof(buf)),
			"preempted by higher priority advert from 192.0.2.3 (priority 200)");
	}
}

static void
test_no_preempt(void **state)
{
	static struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sim_add(&s, 100, true, "192.0.2.2");
	sim_add(&s, 200, false, "192.0.2.3");
	sim_start(&s, 0, 0);
	sim_run(&s, 1, 5000);
	sim_start(&s, 1, 5000);
	sim_run(&s, 5001, 30000);

	/* B never takes over while A's adverts arrive. */
	assert_int_equal(s.n[1].v.state, HF_VRRP_BACKUP);
	assert_int_equal(s.n[1].became_master, -1);
	assert_true(hf_vrrp_is_master(&s.n[0].v));
	assert_int_equal(s.n[1].v.master_ip, ip4("192.0.2.2"));
	assert_int_equal(s.n[1].v.stats.rx_ignored, 0);

	/* A dies silently after its advert at 29609: B takes over at 29609 + 3218. */
	s.n[0].up = false;
	sim_run(&s, 30001, 29609 + 3217);
	assert_int_equal(s.n[1].v.state, HF_VRRP_BACKUP);
	sim_run(&s, 29609 + 3218, 40000);
	assert_int_equal(s.n[1].became_master, 29609 + 3218);
}

/* A master that shuts down hands over after Skew_Time, not 3 intervals. */
static void
test_priority_zero_release(void **state)
{
	static struct sim s;
	struct hf_vrrp_out o;
	char buf[HF_VRRP_REASON_MAX];

	(void)state;
	memset(&s, 0, sizeof(s));
	sim_add(&s, 100, true, "192.0.2.2");
	sim_add(&s, 50, true, "192.0.2.3");
	sim_start(&s, 0, 0);
	sim_start(&s, 1, 0);
	sim_run(&s, 1, 10000);
	assert_true(hf_vrrp_is_master(&s.n[0].v));

	assert_true(hf_vrrp_shutdown(&s.n[0].v, 10000, &o));
	assert_int_equal(o.advert_priority, 0);
	sim_handle(&s, 0, &o, 10000);
	sim_drain(&s, 10000);
	s.n[0].up = false;
	assert_int_equal(s.n[1].v.stats.rx_prio_zero, 1);

	/* Skew for priority 50: (206 * 1000) / 256 = 804. */
	assert_int_equal(hf_vrrp_next_timeout(&s.n[1].v, 10000), 804);
	sim_run(&s, 10001, 10803);
	assert_int_equal(s.n[1].v.state, HF_VRRP_BACKUP);
	sim_run(&s, 10804, 11000);
	assert_int_equal(s.n[1].became_master, 10804);
	assert_string_equal(hf_vrrp_reason_str(&s.n[1].v, buf, sizeof(buf)),
		"master released (priority 0), skew time expired");
}

/* The owner (255) takes over at once and a higher priority backup yields. */
static void
test_owner_preempts_at_once(void **state)
{
	static struct sim s;

	(void)state;
	memset(&s, 0, sizeof(s));
	sim_add(&s, 100, true, "192.0.2.2");
	sim_add(&s, 255, true, "192.0.2.1");
	sim_start(&s, 0, 0);
	sim_run(&s, 1, 5000);
	assert_true(hf_vrrp_is_master(&s.n[0].v));
	sim_start(&s, 1, 5000);
	assert_int_equal(s.n[1].became_master, 5000);
	assert_int_equal(s.n[0].became_backup, 5000);
	sim_run(&s, 5001, 15000);
	assert_true(hf_vrrp_is_master(&s.n[1].v));
	assert_int_equal(s.n[0].v.state, HF_VRRP_BACKUP);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_reference),
		cmocka_unit_test(test_parse_keepalived_capture),
		cmocka_unit_test(test_build_parse_roundtrip),
		cmocka_unit_test(test_build_many_and_no_vips),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_vlan_tagged),
		cmocka_unit_test(test_parse_unicast_checksum),
		cmocka_unit_test(test_err_strings),
		cmocka_unit_test(test_init_invalid),
		cmocka_unit_test(test_owner_is_master_at_once),
		cmocka_unit_test(test_master_down_exact),
		cmocka_unit_test(test_backup_learns_interval),
		cmocka_unit_test(test_backup_rx_rules),
		cmocka_unit_test(test_master_rx_rules),
		cmocka_unit_test(test_own_address_conflict),
		cmocka_unit_test(test_tie_break_byte_order),
		cmocka_unit_test(test_shutdown),
		cmocka_unit_test(test_count_bad),
		cmocka_unit_test(test_election_higher_priority_wins),
		cmocka_unit_test(test_election_equal_priority_address_wins),
		cmocka_unit_test(test_preempt),
		cmocka_unit_test(test_no_preempt),
		cmocka_unit_test(test_priority_zero_release),
		cmocka_unit_test(test_owner_preempts_at_once),
	};

	return cmocka_run_group_tests_name("vrrp", tests, NULL, NULL);
}
