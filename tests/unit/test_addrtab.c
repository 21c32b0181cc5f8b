/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the exact-match address table (src/dp/addrtab.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <hyperflow/addr.h>
#include <hyperflow/addrtab.h>

#define IP4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void
test_add_lookup_miss(void **state)
{
	struct hf_addrtab t;

	(void)state;
	assert_int_equal(hf_addrtab_init(&t, 4), 0);
	assert_int_equal(t.mask, 15);
	assert_int_equal(t.count, 0);
	assert_int_equal(hf_addrtab_lookup(&t, IP4(192, 0, 2, 1)), HF_ADDRTAB_EMPTY);

	assert_int_equal(hf_addrtab_add(&t, IP4(192, 0, 2, 1), 0), 0);
	assert_int_equal(hf_addrtab_add(&t, IP4(192, 0, 2, 2), 7), 0);
	assert_int_equal(hf_addrtab_add(&t, 0, 9), 0); /* key 0 is an ordinary key */
	assert_int_equal(t.count, 3);
	assert_int_equal(hf_addrtab_lookup(&t, IP4(192, 0, 2, 1)), 0);
	assert_int_equal(hf_addrtab_lookup(&t, IP4(192, 0, 2, 2)), 7);
	assert_int_equal(hf_addrtab_lookup(&t, 0), 9);
	assert_int_equal(hf_addrtab_lookup(&t, IP4(192, 0, 2, 3)), HF_ADDRTAB_EMPTY);
	assert_int_equal(
		hf_addrtab_lookup(&t, (uint64_t)IP4(192, 0, 2, 1) << 32), HF_ADDRTAB_EMPTY);
	hf_addrtab_free(&t);
	assert_null(t.ents);
	assert_int_equal(t.count, 0);
	hf_addrtab_free(&t); /* twice is harmless */
}

static void
test_exists_and_reserved(void **state)
{
	struct hf_addrtab t;

	(void)state;
	assert_int_equal(hf_addrtab_init(&t, 2), 0);
	assert_int_equal(hf_addrtab_add(&t, 42, 1), 0);
	assert_int_equal(hf_addrtab_add(&t, 42, 2), -EEXIST);
	assert_int_equal(hf_addrtab_lookup(&t, 42), 1); /* value untouched */
	assert_int_equal(hf_addrtab_add(&t, 43, HF_ADDRTAB_EMPTY), -EINVAL);
	assert_int_equal(hf_addrtab_lookup(&t, 43), HF_ADDRTAB_EMPTY);
	assert_int_equal(t.count, 1);
	assert_int_equal(hf_addrtab_add(NULL, 1, 1), -EINVAL);
	assert_int_equal(hf_addrtab_init(NULL, 1), -EINVAL);
	hf_addrtab_free(&t);
}

static void
test_capacity(void **state)
{
	static const struct {
		uint32_t capacity;
		uint32_t slots;
	} sizes[] = {
		{0, 16},
		{1, 16},
		{8, 16},
		{9, 32},
		{16, 32},
		{17, 64},
		{1000, 2048},
		{1024, 2048},
		{1025, 4096},
	};
	struct hf_addrtab t;
	uint32_t i, k;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(hf_addrtab_init(&t, sizes[i].capacity), 0);
		assert_int_equal(t.mask + 1, sizes[i].slots);
		for (k = 0; k < t.mask + 1; k++)
			assert_int_equal(t.ents[k].val, HF_ADDRTAB_EMPTY);
		/* At least capacity keys fit; at most half the slots are used. */
		for (k = 0; k < sizes[i].slots / 2; k++)
			assert_int_equal(hf_addrtab_add(&t, 1000 + k, k), 0);
		assert_true(k >= sizes[i].capacity);
		assert_int_equal(hf_addrtab_add(&t, 1000 + k, k), -ENOSPC);
		/* Full: a present key still says -EEXIST, and everything is found. */
		assert_int_equal(hf_addrtab_add(&t, 1000, 5), -EEXIST);
		assert_int_equal(t.count, sizes[i].slots / 2);
		for (k = 0; k < sizes[i].slots / 2; k++)
			assert_int_equal(hf_addrtab_lookup(&t, 1000 + k), k);
		assert_int_equal(hf_addrtab_lookup(&t, 999), HF_ADDRTAB_EMPTY);
		hf_addrtab_free(&t);
	}
	assert_int_equal(hf_addrtab_init(&t, UINT32_MAX), -ENOMEM);
	assert_null(t.ents);
}

static void
test_mac_and_ip_keys(void **state)
{
	static const struct hf_mac macs[3] = {
		{{0x00, 0x00, 0x5e, 0x00, 0x01, 0x01}},
		{{0x00, 0x00, 0x5e, 0x00, 0x01, 0x02}},
		{{0x02, 0x00, 0x00, 0x00, 0x01, 0x01}},
	};
	struct hf_mac other = {{0x00, 0x00, 0x5e, 0x00, 0x02, 0x01}};
	struct hf_addrtab ips, mt;
	uint32_t i;

	(void)state;
	assert_int_equal(hf_addrtab_init(&mt, 3), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(hf_addrtab_add(&mt, hf_mac_key(macs[i].b), 100 + i), 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(hf_addrtab_lookup(&mt, hf_mac_key(macs[i].b)), 100 + i);
	assert_int_equal(hf_addrtab_lookup(&mt, hf_mac_key(other.b)), HF_ADDRTAB_EMPTY);
	assert_int_equal(hf_addrtab_add(&mt, 0x00005e000101ull, 1), -EEXIST);

	assert_int_equal(hf_addrtab_init(&ips, 3), 0);
	assert_int_equal(hf_addrtab_add(&ips, IP4(192, 0, 2, 1), 0), 0);
	assert_int_equal(hf_addrtab_add(&ips, IP4(198, 51, 100, 1), 1), 0);
	assert_int_equal(hf_addrtab_add(&ips, IP4(203, 0, 113, 1), 2), 0);
	assert_int_equal(hf_addrtab_lookup(&ips, IP4(198, 51, 100, 1)), 1);
	assert_int_equal(hf_addrtab_lookup(&ips, IP4(203, 0, 113, 1)), 2);
	assert_int_equal(hf_addrtab_lookup(&ips, IP4(203, 0, 113, 2)), HF_ADDRTAB_EMPTY);
	/* A MAC key never hits the IP table (48-bit vs 32-bit values). */
	assert_int_equal(hf_addrtab_lookup(&ips, hf_mac_key(macs[0].b)), HF_ADDRTAB_EMPTY);
	hf_addrtab_free(&mt);
	hf_addrtab_free(&ips);
}

static void
test_many_keys(void **state)
{
	struct hf_addrtab t;
	uint32_t i;

	(void)state;
	assert_int_equal(hf_addrtab_init(&t, 10000), 0);
	assert_int_equal(t.mask + 1, 32768);
	for (i = 0; i < 10000; i++) {
		/* Sequential IPv4 values and MAC-shaped keys interleaved. */
		uint64_t key = (i & 1) ? (0x020000000000ull | i) : (uint64_t)htonl(0xc6330000u + i);

		assert_int_equal(hf_addrtab_add(&t, key, i), 0);
	}
	assert_int_equal(t.count, 10000);
	for (i = 0; i < 10000; i++) {
		uint64_t key = (i & 1) ? (0x020000000000ull | i) : (uint64_t)htonl(0xc6330000u + i);

		assert_int_equal(hf_addrtab_lookup(&t, key), i);
	}
	for (i = 10000; i < 20000; i++)
		assert_int_equal(
			hf_addrtab_lookup(&t, 0x020000000000ull | (i | 1)), HF_ADDRTAB_EMPTY);
	hf_addrtab_free(&t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_lookup_miss),
		cmocka_unit_test(test_exists_and_reserved),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_mac_and_ip_keys),
		cmocka_unit_test(test_many_keys),
	};

	return cmocka_run_group_tests_name("addrtab", tests, NULL, NULL);
}
