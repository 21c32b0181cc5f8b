/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo codec unit tests: build -> hf_pkt_parse round trips with both
 * checksums verified (by hf_inet_cksum and by an independent reference sum
 * here), echo replies built from requests, and malformed or truncated
 * requests refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <hyperflow/icmp.h>
#include <hyperflow/limits.h>
#include <hyperflow/pkt.h>

#define IP4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct hf_mac mac_a = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0a}};
static const struct hf_mac mac_b = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x0b}};
static const struct hf_mac mac_us = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};

#define SIP IP4(192, 0, 2, 250)
#define DIP IP4(198, 51, 100, 1)

/* Reference ones' complement sum, folded (0xffff over a correct region). */
static uint16_t
ref_sum(const uint8_t *p, uint32_t len)
{
	uint32_t sum = 0, i;

	for (i = 0; i < len; i++)
		sum += (i & 1) ? p[i] : (uint32_t)p[i] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
fill(uint8_t *p, uint32_t n, uint8_t seed)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(seed + i * 7);
}

/* Check a parsed IPv4 ICMP echo at l2 offset off with payload plen. */
static void
check_echo(const uint8_t *f, uint32_t len, uint16_t off, uint8_t type, uint32_t sip, uint32_t dip,
	uint16_t id, uint16_t seq, const uint8_t *payload, uint16_t plen, uint8_t ttl)
{
	struct hf_pkt_info pi;
	const uint8_t *l3 = f + off, *icmp = l3 + 20;

	assert_int_equal(hf_pkt_parse(f, len, &pi), HF_PKT_OK);
	assert_int_equal(pi.kind, HF_PKT_IPV4);
	assert_int_equal(pi.l2_len, off);
	assert_int_equal(pi.l3_len, 20);
	assert_int_equal(pi.proto, HF_IPPROTO_ICMP);
	assert_int_equal(pi.is_fragment, 0);
	assert_int_equal(pi.ttl, ttl);
	assert_int_equal(pi.src_key, sip);
	assert_int_equal(pi.dst_key, dip);
	assert_int_equal(pi.l4_valid, 1);
	assert_int_equal(pi.icmp_type, type);
	assert_int_equal(pi.icmp_code, 0);
	assert_int_equal(ntohs(pi.icmp_id), id);
	assert_int_equal(ntohs(pi.icmp_seq), seq);

	assert_int_equal(l3[0], 0x45);
	assert_int_equal(l3[1], 0);
	assert_int_equal(be16(l3 + 2), 20 + 8 + plen);
	assert_int_equal(be16(l3 + 4), 0);	/* IP id 0 */
	assert_int_equal(be16(l3 + 6), 0x4000); /* DF, offset 0 */
	assert_int_equal(hf_inet_cksum(l3, 20), 0);
	assert_int_equal(ref_sum(l3, 20), 0xffff);
	assert_int_equal(hf_inet_cksum(icmp, 8u + plen), 0);
	assert_int_equal(ref_sum(icmp, 8u + plen), 0xffff);
	if (plen > 0)
		assert_memory_equal(icmp + 8, payload, plen);
}

static void
test_build_roundtrip(void **state)
{
	uint8_t f[256], payload[100];
	uint16_t plen;
	int len;

	(void)state;
	fill(payload, sizeof(payload), 0x30);
	/* Odd, even, empty and padding-free lengths. */
	for (plen = 0; plen <= sizeof(payload); plen++) {
		uint32_t want = HF_ICMP_ECHO_FRAME_LEN(plen);
		uint32_t i;

		memset(f, 0xa5, sizeof(f));
		len = hf_icmp_echo_build(f, sizeof(f), &mac_b, &mac_a, SIP, DIP,
			HF_ICMP_ECHO_REQUEST, 0x1234, (uint16_t)(plen * 3), payload, plen, 64);
		assert_int_equal(len, want < 60 ? 60 : want);
		assert_memory_equal(f, mac_b.b, 6);
		assert_memory_equal(f + 6, mac_a.b, 6);
		assert_int_equal(be16(f + 12), HF_ETHERTYPE_IPV4);
		check_echo(f, (uint32_t)len, 14, 8, SIP, DIP, 0x1234, (uint16_t)(plen * 3), payload,
			plen, 64);
		for (i = want; i < (uint32_t)len; i++)
			assert_int_equal(f[i], 0); /* padding */
		assert_int_equal(f[len], 0xa5);	   /* nothing written past the frame */
	}

	len = hf_icmp_echo_build(
		f, sizeof(f), &mac_b, &mac_a, DIP, SIP, HF_ICMP_ECHO_REPLY, 1, 65535, NULL, 0, 1);
	assert_int_equal(len, 60);
	check_echo(f, 60, 14, 0, DIP, SIP, 1, 65535, NULL, 0, 1);
}

/* A known frame, checksums computed by hand. */
static void
test_build_known_checksums(void **state)
{
	/* 192.0.2.250 -> 198.51.100.1, TTL 64, total 28, DF, id 1, seq 1, no payload. */
	const uint8_t payload[1] = {0};
	uint8_t f[64];

	(void)state;
	assert_int_equal(hf_icmp_echo_build(f, sizeof(f), &mac_b, &mac_a, SIP, DIP,
				 HF_ICMP_ECHO_REQUEST, 0x0001, 0x0001, payload, 0, 64),
		60);
	/*
	 * 4500 + 001c + 0000 + 4000 + 4001 + c000 + 02fa + c633 + 6401 = 0x2b24b
	 * -> 0xb24d, cksum 0x4db2. ICMP 0800 + 0001 + 0001 = 0x0802, cksum 0xf7fd.
	 */
	assert_int_equal(be16(f + 14 + 10), 0x4db2);
	assert_int_equal(be16(f + 34 + 2), 0xf7fd);
}

static void
test_build_errors(void **state)
{
	uint8_t f[256], payload[100] = {0};

	(void)state;
	assert_int_equal(
		hf_icmp_echo_build(f, 59, &mac_b, &mac_a, SIP, DIP, 8, 1, 1, NULL, 0, 64), -ENOSPC);
	assert_int_equal(
		hf_icmp_echo_build(f, 60, &mac_b, &mac_a, SIP, DIP, 8, 1, 1, NULL, 0, 64), 60);
	assert_int_equal(hf_icmp_echo_build(f, HF_ICMP_ECHO_FRAME_LEN(100) - 1, &mac_b, &mac_a, SIP,
				 DIP, 8, 1, 1, payload, 100, 64),
		-ENOSPC);
	assert_int_equal(hf_icmp_echo_build(f, HF_ICMP_ECHO_FRAME_LEN(100), &mac_b, &mac_a, SIP,
				 DIP, 8, 1, 1, payload, 100, 64),
		HF_ICMP_ECHO_FRAME_LEN(100));
	assert_int_equal(
		hf_icmp_echo_build(f, sizeof(f), &mac_b, &mac_a, SIP, DIP, 3, 1, 1, NULL, 0, 64),
		-EINVAL);
	assert_int_equal(
		hf_icmp_echo_build(f, sizeof(f), &mac_b, &mac_a, SIP, DIP, 8, 1, 1, NULL, 4, 64),
		-EINVAL);
	assert_int_equal(
		hf_icmp_echo_build(NULL, sizeof(f), &mac_b, &mac_a, SIP, DIP, 8, 1, 1, NULL, 0, 64),
		-EINVAL);
	assert_int_equal(
		hf_icmp_echo_build(f, sizeof(f), NULL, &mac_a, SIP, DIP, 8, 1, 1, NULL, 0, 64),
		-EINVAL);
	assert_int_equal(hf_icmp_echo_build(f, 65535 + 14, &mac_b, &mac_a, SIP, DIP, 8, 1, 1,
				 payload, HF_ICMP_PAYLOAD_MAX + 1, 64),
		-EINVAL);
}

/* A request from A (mac_a, SIP) to us (DIP); returns its length. */
static uint32_t
mk_request(uint8_t *f, uint32_t size, const uint8_t *payload, uint16_t plen)
{
	int len = hf_icmp_echo_build(f, size, &mac_us, &mac_a, SIP, DIP, HF_ICMP_ECHO_REQUEST,
		0xbeef, 42, payload, plen, 63);

	assert_true(len > 0);
	return (uint32_t)len;
}

static void
test_reply_from_request(void **state)
{
	uint8_t req[256], out[256], payload[56];
	uint32_t len;
	int n;

	(void)state;
	fill(payload, sizeof(payload), 1);
	len = mk_request(req, sizeof(req), payload, sizeof(payload));
	memset(out, 0xa5, sizeof(out));
	n = hf_icmp_echo_reply_from_request(req, len, out, sizeof(out), &mac_us);
	assert_int_equal(n, (int)len);
	assert_memory_equal(out, mac_a.b, 6);
	assert_memory_equal(out + 6, mac_us.b, 6);
	check_echo(out, (uint32_t)n, 14, 0, DIP, SIP, 0xbeef, 42, payload, sizeof(payload),
		HF_ICMP_DEFAULT_TTL);
	assert_int_equal(out[n], 0xa5);

	/* Small payload: padded to 60, padding ignored on input too. */
	len = mk_request(req, sizeof(req), payload, 3);
	assert_int_equal(len, 60);
	n = hf_icmp_echo_reply_from_request(req, len, out, sizeof(out), &mac_us);
	assert_int_equal(n, 60);
	check_echo(out, 60, 14, 0, DIP, SIP, 0xbeef, 42, payload, 3, HF_ICMP_DEFAULT_TTL);
	assert_int_equal(out[14 + 28 + 3], 0);
	/* The reply to the reply is not an echo request. */
	assert_int_equal(
		hf_icmp_echo_reply_from_request(out, 60, req, sizeof(req), &mac_us), -EINVAL);

	/* Output too small. */
	len = mk_request(req, sizeof(req), payload, sizeof(payload));
	assert_int_equal(hf_icmp_echo_reply_from_request(req, len, out, len - 1, &mac_us), -ENOSPC);
	len = mk_request(req, sizeof(req), payload, 0);
	assert_int_equal(hf_icmp_echo_reply_from_request(req, len, out, 59, &mac_us), -ENOSPC);
	assert_int_equal(hf_icmp_echo_reply_from_request(NULL, len, out, 60, &mac_us), -EINVAL);
	assert_int_equal(hf_icmp_echo_reply_from_request(req, len, out, 60, NULL), -EINVAL);
}

/* Insert a VLAN tag after the MACs of frame f (len bytes); returns the new length. */
static uint32_t
add_vlan(uint8_t *f, uint32_t len, uint16_t tci)
{
	memmove(f + 16, f + 12, len - 12);
	f[12] = 0x81;
	f[13] = 0x00;
	f[14] = (uint8_t)(tci >> 8);
	f[15] = (uint8_t)tci;
	return len + 4;
}

static void
test_reply_vlan(void **state)
{
	uint8_t req[256], out[256], payload[40];
	uint32_t len;
	int n;

	(void)state;
	fill(payload, sizeof(payload), 9);
	len = add_vlan(req, mk_request(req, sizeof(req), payload, sizeof(payload)), 0x2064);
	n = hf_icmp_echo_reply_from_request(req, len, out, sizeof(out), &mac_us);
	assert_int_equal(n, (int)len);
	assert_memory_equal(out, mac_a.b, 6);
	assert_memory_equal(out + 6, mac_us.b, 6);
	assert_memory_equal(out + 12, req + 12, 4); /* tag kept */
	check_echo(out, (uint32_t)n, 18, 0, DIP, SIP, 0xbeef, 42, payload, sizeof(payload),
		HF_ICMP_DEFAULT_TTL);
}

/* A request with 4 bytes of IP options: the reply has none, same ICMP. */
static void
test_reply_ip_options(void **state)
{
	uint8_t req[256], out[256], payload[16];
	uint32_t len;
	uint16_t ck;
	int n;

	(void)state;
	fill(payload, sizeof(payload), 3);
	len = mk_request(req, sizeof(req), payload, sizeof(payload));
	memmove(req + 38, req + 34, len - 34);
	memset(req + 34, 1, 4); /* four NOPs */
	len += 4;
	req[14] = 0x46;
	req[16] = 0;
	req[17] = (uint8_t)(req[17] + 4);
	req[24] = req[25] = 0;
	ck = hf_inet_cksum(req + 14, 24);
	memcpy(req + 24, &ck, 2);
	assert_int_equal(ref_sum(req + 14, 24), 0xffff);

	n = hf_icmp_echo_reply_from_request(req, len, out, sizeof(out), &mac_us);
	assert_int_equal(n, (int)len - 4);
	check_echo(out, (uint32_t)n, 14, 0, DIP, SIP, 0xbeef, 42, payload, sizeof(payload),
		HF_ICMP_DEFAULT_TTL);
}

static void
expect_rejected(const uint8_t *req, uint32_t len)
{
	uint8_t out[256];

	assert_int_equal(
		hf_icmp_echo_reply_from_request(req, len, out, sizeof(out), &mac_us), -EINVAL);
}

/* Recompute the IPv4 header checksum after a mutation (untagged, no options). */
static void
fix_ip_cksum(uint8_t *f)
{
	uint16_t ck;

	f[24] = f[25] = 0;
	ck = hf_inet_cksum(f + 14, 20);
	memcpy(f + 24, &ck, 2);
}

static void
fix_icmp_cksum(uint8_t *f, uint32_t icmp_len)
{
	uint16_t ck;

	f[36] = f[37] = 0;
	ck = hf_inet_cksum(f + 34, icmp_len);
	memcpy(f + 36, &ck, 2);
}

static void
test_reject_malformed(void **state)
{
	uint8_t req[256], orig[256], payload[32];
	uint32_t len, l, icmp_len = 8 + sizeof(payload);
	int n;

	(void)state;
	fill(payload, sizeof(payload), 5);
	len = mk_request(orig, sizeof(orig), payload, sizeof(payload));
	assert_int_equal(len, 74);

	/* Truncated anywhere: refused. */
	for (l = 0; l < len; l++)
		expect_rejected(orig, l);

	/* Not an echo request: echo reply, destination unreachable, code != 0. */
	memcpy(req, orig, len);
	req[34] = HF_ICMP_ECHO_REPLY;
	fix_icmp_cksum(req, icmp_len);
	expect_rejected(req, len);
	req[34] = 3;
	fix_icmp_cksum(req, icmp_len);
	expect_rejected(req, len);
	req[34] = 8;
	req[35] = 1;
	fix_icmp_cksum(req, icmp_len);
	expect_rejected(req, len);
	req[35] = 0;
	fix_icmp_cksum(req, icmp_len);
	n = hf_icmp_echo_reply_from_request(req, len, orig + 100, 100, &mac_us);
	assert_int_equal(n, (int)len); /* restored: accepted again */

	/* Bad checksums. */
	memcpy(req, orig, len);
	req[24] ^= 0x01;
	expect_rejected(req, len);
	memcpy(req, orig, len);
	req[36] ^= 0x80;
	expect_rejected(req, len);
	memcpy(req, orig, len);
	req[60] ^= 0xff; /* payload byte */
	expect_rejected(req, len);

	/* Not ICMP (UDP), fragment (MF, then offset), not IPv4. */
	memcpy(req, orig, len);
	req[23] = HF_IPPROTO_UDP;
	fix_ip_cksum(req);
	expect_rejected(req, len);
	memcpy(req, orig, len);
	req[20] = 0x60; /* DF + MF */
	fix_ip_cksum(req);
	expect_rejected(req, len);
	memcpy(req, orig, len);
	req[21] = 0x10; /* offset 16 */
	fix_ip_cksum(req);
	expect_rejected(req, len);
	memcpy(req, orig, len);
	req[12] = 0x86;
	req[13] = 0xdd;
	expect_rejected(req, len);
	len = (uint32_t)hf_arp_build(
		req, sizeof(req), &mac_us, &mac_a, HF_ARP_OP_REQUEST, &mac_a, SIP, &mac_us, DIP);
	expect_rejected(req, len);
	len = 74;

	/* Total length says less than an ICMP header. */
	memcpy(req, orig, len);
	req[16] = 0;
	req[17] = 27;
	fix_ip_cksum(req);
	expect_rejected(req, len);

	/* Addresses never answered: multicast/broadcast Ethernet source, 0/127/224+ IPs. */
	memcpy(req, orig, len);
	req[6] = 0x01;
	expect_rejected(req, len);
	memcpy(req, orig, len);
	memset(req + 6, 0xff, 6);
	expect_rejected(req, len);
	{
		const uint32_t bad[] = {
			0,
			0xffffffffu,
			IP4(224, 0, 0, 1),
			IP4(239, 1, 2, 3),
			IP4(127, 0, 0, 1),
			IP4(240, 0, 0, 1),
		};
		unsigned int i, which;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			for (which = 0; which < 2; which++) {
				memcpy(req, orig, len);
				memcpy(req + (which ? 30 : 26), &bad[i], 4);
				fix_ip_cksum(req);
				expect_rejected(req, len);
			}
		}
	}
}

static void
test_id_helpers(void **state)
{
	uint32_t uid;

	(void)state;
	assert_int_equal(hf_icmp_id_for(0), 0x4846);
	assert_int_equal(hf_icmp_id_for(1), 0x4847);
	assert_int_equal(hf_icmp_uid_of_id(0x4846), 0);
	for (uid = 0; uid < HF_MAX_MEMBERS_TOTAL; uid++) {
		assert_int_equal(hf_icmp_uid_of_id(hf_icmp_id_for(uid)), uid);
		if (uid > 0)
			assert_int_not_equal(hf_icmp_id_for(uid), hf_icmp_id_for(uid - 1));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_roundtrip),
		cmocka_unit_test(test_build_known_checksums),
		cmocka_unit_test(test_build_errors),
		cmocka_unit_test(test_reply_from_request),
		cmocka_unit_test(test_reply_vlan),
		cmocka_unit_test(test_reply_ip_options),
		cmocka_unit_test(test_reject_malformed),
		cmocka_unit_test(test_id_helpers),
	};

	return cmocka_run_group_tests_name("icmp", tests, NULL, NULL);
}
