/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for flow hashing (src/dp/hash.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include <hyperflow/hash.h>
#include <hyperflow/rss.h>

#define A_192_0_2_10 0xc000020au
#define A_198_51_100_20 0xc6336414u

static const enum hf_hash_mode all_modes[] = {
	HF_HASH_DST_IP,
	HF_HASH_SRC_IP,
	HF_HASH_SRC_DST,
	HF_HASH_5TUPLE,
};

#define NB_MODES (sizeof(all_modes) / sizeof(all_modes[0]))

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
 * Golden values, computed by an independent Python model of the formulas
 * (murmur3 fmix32). If this test fails the hash changed, and every tunnel
 * would move to another member after an upgrade (and the two boxes of an HA
 * pair would disagree during a rolling upgrade). Do not "fix" the numbers.
 */
static void
test_golden(void **state)
{
	(void)state;
	assert_int_equal(hf_mix32(A_198_51_100_20), 0x1dcfd9f2);
	assert_int_equal(
		hf_hash_fields(HF_HASH_DST_IP, A_192_0_2_10, A_198_51_100_20, 6, 12345, 443),
		0x1dcfd9f2);
	assert_int_equal(
		hf_hash_fields(HF_HASH_SRC_IP, A_192_0_2_10, A_198_51_100_20, 6, 12345, 443),
		0x3391901c);
	assert_int_equal(
		hf_hash_fields(HF_HASH_SRC_DST, A_192_0_2_10, A_198_51_100_20, 6, 12345, 443),
		0x2094de33);
	assert_int_equal(
		hf_hash_fields(HF_HASH_5TUPLE, A_192_0_2_10, A_198_51_100_20, 6, 12345, 443),
		0x50b17117);
	assert_int_equal(hf_hash_fields(HF_HASH_5TUPLE, 0, 0, 0, 0, 0), 0xc506e6bc);
	assert_int_equal(hf_mix64(1), 0x5692161d100b05e5ull);
}

static void
test_src_dst_symmetric(void **state)
{
	uint32_t seed = 1;
	int i;

	(void)state;
	assert_int_equal(hf_hash_fields(HF_HASH_SRC_DST, A_192_0_2_10, A_198_51_100_20, 0, 0, 0),
		hf_hash_fields(HF_HASH_SRC_DST, A_198_51_100_20, A_192_0_2_10, 0, 0, 0));
	for (i = 0; i < 10000; i++) {
		uint32_t a = rnd(&seed), b = rnd(&seed);
		uint32_t ab = hf_hash_fields(HF_HASH_SRC_DST, a, b, 17, 1, 2);

		assert_int_equal(ab, hf_hash_fields(HF_HASH_SRC_DST, b, a, 6, 3, 4));
		/* Symmetric, but not blind: another pair gives another hash. */
		assert_int_not_equal(ab, hf_hash_fields(HF_HASH_SRC_DST, a, b ^ 1, 17, 1, 2));
		assert_int_not_equal(ab, hf_hash_fields(HF_HASH_SRC_DST, a ^ 0x100, b, 17, 1, 2));
	}
}

static void
test_dst_ip_ignores_rest(void **state)
{
	uint32_t seed = 7;
	int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		uint32_t d = rnd(&seed);
		uint32_t h = hf_hash_fields(HF_HASH_DST_IP, 0, d, 0, 0, 0);

		assert_int_equal(h, hf_mix32(d));
		assert_int_equal(h, hf_hash_fields(HF_HASH_DST_IP, rnd(&seed), d, 6,
					    (uint16_t)rnd(&seed), (uint16_t)rnd(&seed)));
		assert_int_not_equal(h, hf_hash_fields(HF_HASH_DST_IP, 0, d + 1, 0, 0, 0));
		/* src-ip is the mirror image. */
		assert_int_equal(
			hf_hash_fields(HF_HASH_SRC_IP, d, rnd(&seed), 17, 5, 6), hf_mix32(d));
	}
}

static void
test_5tuple_fields_matter(void **state)
{
	uint32_t s = A_192_0_2_10, d = A_198_51_100_20;
	uint32_t h = hf_hash_fields(HF_HASH_5TUPLE, s, d, 6, 40000, 443);
	uint32_t seen[65536 / 32];
	uint32_t p, collisions = 0;

	(void)state;
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, s, d, 6, 40001, 443));
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, s, d, 6, 40000, 444));
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, s, d, 17, 40000, 443));
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, s + 1, d, 6, 40000, 443));
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, s, d + 1, 6, 40000, 443));
	/* Swapping ports or addresses is another flow (5-tuple is not symmetric). */
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, s, d, 6, 443, 40000));
	assert_int_not_equal(h, hf_hash_fields(HF_HASH_5TUPLE, d, s, 6, 40000, 443));

	/* Every source port of one client gives a distinct hash (low 16 bits spread). */
	memset(seen, 0, sizeof(seen));
	for (p = 0; p < 65536; p++) {
		uint32_t v = hf_hash_fields(HF_HASH_5TUPLE, s, d, 6, (uint16_t)p, 443) & 0xffff;

		if (seen[v / 32] & (1u << (v % 32)))
			collisions++;
		seen[v / 32] |= 1u << (v % 32);
	}
	/* Random: about 65536/e = 24109 collisions into 65536 slots; allow slack. */
	assert_in_range(collisions, 22000, 26500);
}

static void
fill_pi(struct hf_pkt_info *pi, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
	uint16_t dport)
{
	memset(pi, 0, sizeof(*pi));
	pi->kind = HF_PKT_IPV4;
	pi->src_key = htonl(src);
	pi->dst_key = htonl(dst);
	pi->proto = proto;
	pi->sport = htons(sport);
	pi->dport = htons(dport);
	pi->l4_valid = sport != 0 || dport != 0;
}

static void
test_pkt_equals_fields(void **state)
{
	struct hf_pkt_info pi;
	uint32_t seed = 99;
	size_t m;
	int i;

	(void)state;
	/* The byte view: src_key holds the wire bytes c0 00 02 0a. */
	memset(&pi, 0, sizeof(pi));
	memcpy(&pi.src_key, "\xc0\x00\x02\x0a", 4);
	memcpy(&pi.dst_key, "\xc6\x33\x64\x14", 4);
	memcpy(&pi.sport, "\x30\x39", 2); /* 12345 */
	memcpy(&pi.dport, "\x01\xbb", 2); /* 443 */
	pi.proto = 6;
	assert_int_equal(hf_hash_pkt(&pi, HF_HASH_5TUPLE), 0x50b17117);
	assert_int_equal(hf_hash_pkt(&pi, HF_HASH_DST_IP), 0x1dcfd9f2);

	for (i = 0; i < 10000; i++) {
		uint32_t s = rnd(&seed), d = rnd(&seed), r = rnd(&seed);
		uint8_t proto = (uint8_t)(r >> 24);
		uint16_t sp = (uint16_t)r, dp = (uint16_t)(r >> 8);

		fill_pi(&pi, s, d, proto, sp, dp);
		for (m = 0; m < NB_MODES; m++)
			assert_int_equal(hf_hash_pkt(&pi, all_modes[m]),
				hf_hash_fields(all_modes[m], s, d, proto, sp, dp));
	}
}

/* 10,000 consecutive address values into 4096 buckets. */
static void
check_spread(enum hf_hash_mode mode)
{
	static uint32_t cnt[4096];
	uint32_t i, max = 0, empty = 0;

	memset(cnt, 0, sizeof(cnt));
	for (i = 0; i < 10000; i++) {
		uint32_t v = A_198_51_100_20 + i;
		uint32_t h;

		switch (mode) {
		case HF_HASH_DST_IP:
			h = hf_hash_fields(mode, A_192_0_2_10, v, 0, 0, 0);
			break;
		case HF_HASH_SRC_IP:
		case HF_HASH_SRC_DST:
			h = hf_hash_fields(mode, v, A_192_0_2_10, 0, 0, 0);
			break;
		case HF_HASH_5TUPLE:
		default:
			/* One client, one server, source ports varying. */
			h = hf_hash_fields(mode, A_192_0_2_10, A_198_51_100_20, 17,
				(uint16_t)(1024 + i), 4500);
			break;
		}
		cnt[h & 4095]++;
	}
	for (i = 0; i < 4096; i++) {
		if (cnt[i] > max)
			max = cnt[i];
		if (cnt[i] == 0)
			empty++;
	}
	/* Mean 2.44: no bucket above 5x mean; empties near 4096*e^-2.44 = 357. */
	assert_true(max * 4096 <= 5 * 10000);
	assert_in_range(empty, 250, 470);
}

static void
test_distribution(void **state)
{
	size_t m;

	(void)state;
	for (m = 0; m < NB_MODES; m++)
		check_spread(all_modes[m]);
}


/* Toeplitz over in[0..n-1] with key (at least n + 4 bytes), as a NIC computes RSS. */
static uint32_t
toeplitz(const uint8_t *key, const uint8_t *in, size_t n)
{
	uint32_t h = 0, win = (uint32_t)key[0] << 24 | key[1] << 16 | key[2] << 8 | key[3];
	size_t i;
	int b;

	for (i = 0; i < n; i++)
		for (b = 7; b >= 0; b--) {
			if (in[i] >> b & 1)
				h ^= win;
			win = win << 1 | (key[i + 4] >> b & 1);
		}
	return h;
}

/* IPv4 + TCP input of RSS: src, dst, sport, dport, in network order. */
static void
rss_in(uint8_t *in, uint32_t src, uint32_t dst, uint16_t sp, uint16_t dp)
{
	memcpy(in, &src, 4);
	memcpy(in + 4, &dst, 4);
	in[8] = (uint8_t)(sp >> 8);
	in[9] = (uint8_t)sp;
	in[10] = (uint8_t)(dp >> 8);
	in[11] = (uint8_t)dp;
}

static void
test_rss_symmetric_key(void **state)
{
	/* the Microsoft key most NICs default to: not symmetric */
	static const uint8_t ms_key[40] = {
		0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
		0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
		0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
	uint8_t key[52], a[36], b[36];
	uint32_t x = 0x12345678, i, ms_same = 0;

	(void)state;
	hf_rss_symmetric_key(key, sizeof(key));
	assert_int_equal(key[0], 0x6d);
	assert_int_equal(key[1], 0x5a);
	assert_int_equal(key[51], 0x5a);
	/* vectors of the RSS specification (Microsoft key): the Toeplitz here is the NIC's */
	rss_in(a, htonl(0x420995bb), htonl(0xa18e6450), 2794, 1766);   /* 66.9.149.187:2794 -> 161.142.100.80:1766 */
	assert_int_equal(toeplitz(ms_key, a, 12), 0x51ccc178);
	assert_int_equal(toeplitz(ms_key, a, 8), 0x323e8fc2);
	for (i = 0; i < 10000; i++) {
		uint32_t s, d;
		uint16_t sp, dp;

		x = x * 1103515245u + 12345u; s = x;
		x = x * 1103515245u + 12345u; d = x;
		x = x * 1103515245u + 12345u; sp = (uint16_t)x; dp = (uint16_t)(x >> 16);
		rss_in(a, s, d, sp, dp);
		rss_in(b, d, s, dp, sp);
		/* 4-tuple and addresses only (IPv4 without ports): both symmetric */
		assert_int_equal(toeplitz(key, a, 12), toeplitz(key, b, 12));
		assert_int_equal(toeplitz(key, a, 8), toeplitz(key, b, 8));
		/* IPv6 addresses: 16 bytes each, also whole periods of the key */
		memset(a, 0, sizeof(a));
		memset(b, 0, sizeof(b));
		memcpy(a, &s, 4); memcpy(a + 12, &x, 4); memcpy(a + 16, &d, 4);
		memcpy(b, &d, 4); memcpy(b + 16, &s, 4); memcpy(b + 28, &x, 4);
		assert_int_equal(toeplitz(key, a, 32), toeplitz(key, b, 32));
		rss_in(a, s, d, sp, dp);
		rss_in(b, d, s, dp, sp);
		ms_same += toeplitz(ms_key, a, 12) == toeplitz(ms_key, b, 12);
	}
	/* the test can tell: the default key sends the directions apart */
	assert_true(ms_same < 10);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_src_dst_symmetric),
		cmocka_unit_test(test_dst_ip_ignores_rest),
		cmocka_unit_test(test_5tuple_fields_matter),
		cmocka_unit_test(test_pkt_equals_fields),
		cmocka_unit_test(test_distribution),
		cmocka_unit_test(test_rss_symmetric_key),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
