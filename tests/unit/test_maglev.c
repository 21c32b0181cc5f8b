/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests for the consistent-hashing bucket table (src/dp/maglev.c). */
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

#include <hyperflow/maglev.h>

#define MAX_N 64

/*
 * Digests of two pinned tables (see test_golden), reproduced by an
 * independent Python model of the algorithm described in maglev.c.
 */
#define GOLDEN_4_4096 0x0f5b7ea5u
#define GOLDEN_4_4096_W 0xb5ef3a64u

/* Members 192.0.2.11, .12, ... (network order), weight 1, live. */
static void
mk_members(struct hf_maglev_member *m, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++) {
		m[i].key = htonl(0xc0000200u + 11 + i);
		m[i].weight = 1;
		m[i].live = true;
	}
}

static uint8_t *
build(const struct hf_maglev_member *m, uint32_t n, uint32_t size)
{
	uint8_t *t = malloc(sizeof(*t) * size);

	assert_non_null(t);
	assert_int_equal(hf_maglev_build(m, n, size, t), 0);
	return t;
}

/* Largest relative deviation from the ideal share, in percent. */
static double
worst_dev_pct(const uint32_t *counts, uint32_t n, const double *ideal)
{
	double worst = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		double d = ((double)counts[i] - ideal[i]) / ideal[i] * 100.0;

		if (d < 0)
			d = -d;
		if (d > worst)
			worst = d;
	}
	return worst;
}

static double
check_balance(uint32_t n, uint32_t size)
{
	struct hf_maglev_member m[MAX_N] = {{0}};
	uint32_t counts[MAX_N], i, min = UINT32_MAX, max = 0;
	double ideal[MAX_N], dev;
	uint8_t *t;

	mk_members(m, n);
	t = build(m, n, size);
	assert_int_equal(hf_maglev_shares(t, size, n, counts), 0);
	for (i = 0; i < n; i++) {
		ideal[i] = (double)size / n;
		if (counts[i] < min)
			min = counts[i];
		if (counts[i] > max)
			max = counts[i];
	}
	/* Equal weights: counts differ by at most one bucket. */
	assert_true(max - min <= 1);
	dev = worst_dev_pct(counts, n, ideal);
	assert_true(dev <= 5.0);
	free(t);
	return dev;
}

static void
test_balance(void **state)
{
	static const uint32_t big_n[] = {3, 5, 7, 10, 16};
	double worst = 0, dev;
	uint32_t n;
	size_t i;

	(void)state;
	for (n = 3; n <= 16; n++) {
		dev = check_balance(n, 4096);
		if (dev > worst)
			worst = dev;
	}
	print_message("balance: worst deviation N=3..16, size 4096: %.3f%%\n", worst);
	worst = 0;
	for (i = 0; i < sizeof(big_n) / sizeof(big_n[0]); i++) {
		dev = check_balance(big_n[i], 65536);
		if (dev > worst)
			worst = dev;
	}
	print_message("balance: worst deviation N=3,5,7,10,16, size 65536: %.4f%%\n", worst);
	/* Edge shapes: one member; as many members as buckets; 64 members. */
	check_balance(1, 64);
	check_balance(64, 4096);
	{
		struct hf_maglev_member m[MAX_N] = {{0}};
		uint32_t counts[MAX_N], k;
		uint8_t *t;

		mk_members(m, 64);
		t = build(m, 64, 64);
		hf_maglev_shares(t, 64, 64, counts);
		for (k = 0; k < 64; k++)
			assert_int_equal(counts[k], 1);
		free(t);
	}
}

static void
test_deterministic(void **state)
{
	struct hf_maglev_member m[16], r[16], s[16];
	uint32_t perm[16], i, b, n = 16, seed = 12345;
	uint8_t *t1, *t2, *tr, *ts;

	(void)state;
	mk_members(m, n);
	m[3].weight = 3;
	m[9].live = false;
	t1 = build(m, n, 4096);
	t2 = build(m, n, 4096);
	assert_memory_equal(t1, t2, 4096 * sizeof(*t1));

	/* Reversed and shuffled arrays: same key -> bucket assignment. */
	for (i = 0; i < n; i++) {
		r[i] = m[n - 1 - i];
		perm[i] = i;
	}
	for (i = n - 1; i > 0; i--) {
		uint32_t j, tmp;

		seed = seed * 1103515245u + 12345u;
		j = (seed >> 8) % (i + 1);
		tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	for (i = 0; i < n; i++)
		s[i] = m[perm[i]];
	tr = build(r, n, 4096);
	ts = build(s, n, 4096);
	for (b = 0; b < 4096; b++) {
		assert_int_equal(r[tr[b]].key, m[t1[b]].key);
		assert_int_equal(s[ts[b]].key, m[t1[b]].key);
	}
	free(t1);
	free(t2);
	free(tr);
	free(ts);
}

/*
 * FNV-1a over the table's values, two bytes each (little-endian), as when
 * buckets were 16-bit: the pinned tables have no "none" bucket, so their
 * digests hold across the change to one byte.
 */
static uint32_t
table_digest(const uint8_t *t, uint32_t size)
{
	uint32_t h = 2166136261u, i;

	for (i = 0; i < size; i++) {
		h = (h ^ t[i]) * 16777619u;
		h *= 16777619u; /* the high byte: 0 */
	}
	return h;
}

/*
 * Pinned output. If this fails, the same configuration now gives another
 * table: every tunnel moves after an upgrade, and the two boxes of an HA
 * pair disagree during a rolling upgrade. Change only on purpose.
 */
static void
test_golden(void **state)
{
	struct hf_maglev_member m[4] = {{0}};
	uint8_t *t;

	(void)state;
	mk_members(m, 4);
	t = build(m, 4, 4096);
	assert_int_equal(table_digest(t, 4096), GOLDEN_4_4096);
	free(t);
	m[2].live = false;
	m[1].weight = 2;
	t = build(m, 4, 4096);
	assert_int_equal(table_digest(t, 4096), GOLDEN_4_4096_W);
	free(t);
}

/* Mark member d (and e, when != UINT32_MAX) down: only their buckets move. */
static void
check_disruption(uint32_t n, uint32_t size, uint32_t d, double *worst_ratio)
{
	struct hf_maglev_member m[MAX_N] = {{0}};
	uint32_t moved[MAX_N], i, b, nb_moved = 0, min = UINT32_MAX, max = 0;
	uint8_t *base, *t, *back;

	mk_members(m, n);
	base = build(m, n, size);
	m[d].live = false;
	t = build(m, n, size);
	memset(moved, 0, sizeof(moved));
	for (b = 0; b < size; b++) {
		if (base[b] != d) {
			assert_int_equal(t[b], base[b]);
			continue;
		}
		assert_int_not_equal(t[b], d);
		assert_true(t[b] < n);
		moved[t[b]]++;
		nb_moved++;
	}
	assert_true(nb_moved > 0);
	for (i = 0; i < n; i++) {
		if (i == d)
			continue;
		if (moved[i] < min)
			min = moved[i];
		if (moved[i] > max)
			max = moved[i];
	}
	/* Spread over every survivor. */
	assert_true(min >= 1);
	if (n <= 8)
		assert_true(max < 2 * min);
	if ((double)max / min > *worst_ratio)
		*worst_ratio = (double)max / min;

	/* Back live: exactly the original table. */
	m[d].live = true;
	back = build(m, n, size);
	assert_memory_equal(back, base, size * sizeof(*base));
	free(base);
	free(t);
	free(back);
}

static void
test_disruption(void **state)
{
	double worst8 = 0, worst16 = 0;
	uint32_t n, d;

	(void)state;
	for (n = 3; n <= 16; n++)
		for (d = 0; d < n; d++)
			check_disruption(n, 4096, d, n <= 8 ? &worst8 : &worst16);
	print_message("disruption: worst survivor max/min of moved buckets: N<=8 %.2f, "
		      "N=9..16 %.2f\n",
		worst8, worst16);
}

static void
test_two_down(void **state)
{
	struct hf_maglev_member m[8] = {{0}};
	uint32_t counts[8], b;
	uint8_t *base, *t;

	(void)state;
	mk_members(m, 8);
	base = build(m, 8, 4096);
	m[2].live = false;
	m[5].live = false;
	t = build(m, 8, 4096);
	for (b = 0; b < 4096; b++) {
		if (base[b] != 2 && base[b] != 5)
			assert_int_equal(t[b], base[b]);
		else
			assert_true(t[b] != 2 && t[b] != 5 && t[b] < 8);
	}
	assert_int_equal(hf_maglev_shares(t, 4096, 8, counts), 0);
	assert_int_equal(counts[2], 0);
	assert_int_equal(counts[5], 0);
	/* 6 survivors, 4096/6 = 683 each; rendezvous keeps them within 10%. */
	for (b = 0; b < 8; b++)
		if (b != 2 && b != 5)
			assert_in_range(counts[b], 614, 751);
	free(base);
	free(t);
}

static void
check_weights(uint32_t size)
{
	struct hf_maglev_member m[4] = {{0}};
	uint32_t counts[4], i;
	double ideal[4], dev;
	uint8_t *t;

	mk_members(m, 4);
	for (i = 0; i < 4; i++) {
		m[i].weight = i + 1;
		ideal[i] = (double)size * (i + 1) / 10.0;
	}
	t = build(m, 4, size);
	assert_int_equal(hf_maglev_shares(t, size, 4, counts), 0);
	dev = worst_dev_pct(counts, 4, ideal);
	print_message("weights 1,2,3,4 size %u: %u %u %u %u, worst deviation %.3f%%\n", size,
		counts[0], counts[1], counts[2], counts[3], dev);
	assert_true(dev <= 5.0);
	free(t);
}

static void
test_weights(void **state)
{
	struct hf_maglev_member m[3] = {{0}};
	uint32_t counts[3];
	uint8_t *t;

	(void)state;
	check_weights(4096);
	check_weights(65536);

	/* Extreme ratio: the light members still own a bucket each. */
	mk_members(m, 3);
	m[2].weight = 1000;
	t = build(m, 3, 64);
	hf_maglev_shares(t, 64, 3, counts);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 1);
	assert_int_equal(counts[2], 62);
	free(t);
}

static void
test_all_down(void **state)
{
	struct hf_maglev_member m[5] = {{0}};
	uint32_t counts[5], i;
	uint8_t *t;

	(void)state;
	mk_members(m, 5);
	for (i = 0; i < 5; i++)
		m[i].live = false;
	t = build(m, 5, 1024);
	for (i = 0; i < 1024; i++)
		assert_int_equal(t[i], HF_MAGLEV_NONE);
	assert_int_equal(hf_maglev_shares(t, 1024, 5, counts), 1024);
	for (i = 0; i < 5; i++)
		assert_int_equal(counts[i], 0);

	/* One left: it takes every bucket. */
	m[3].live = true;
	free(t);
	t = build(m, 5, 1024);
	assert_int_equal(hf_maglev_shares(t, 1024, 5, counts), 0);
	assert_int_equal(counts[3], 1024);
	free(t);
}

static void
test_shares(void **state)
{
	static const uint8_t t[8] = {0, 1, 1, HF_MAGLEV_NONE, 2, 1, HF_MAGLEV_NONE, 7};
	uint32_t counts[3] = {99, 99, 99};

	(void)state;
	/* 7 is not a member of a 3-member table: counted as no member. */
	assert_int_equal(hf_maglev_shares(t, 8, 3, counts), 3);
	assert_int_equal(counts[0], 1);
	assert_int_equal(counts[1], 3);
	assert_int_equal(counts[2], 1);
}

static void
test_bad_args(void **state)
{
	struct hf_maglev_member m[8] = {{0}};
	uint8_t t[128];

	(void)state;
	mk_members(m, 8);
	assert_int_equal(hf_maglev_build(m, 8, 100, t), -EINVAL); /* not a power of two */
	assert_int_equal(hf_maglev_build(m, 8, 96, t), -EINVAL);
	assert_int_equal(hf_maglev_build(m, 8, 0, t), -EINVAL);
	assert_int_equal(hf_maglev_build(m, 0, 64, t), -EINVAL);
	assert_int_equal(hf_maglev_build(m, 8, 4, t), -EINVAL); /* size < n */
	assert_int_equal(hf_maglev_build(NULL, 8, 64, t), -EINVAL);
	assert_int_equal(hf_maglev_build(m, 8, 64, NULL), -EINVAL);
	m[5].weight = 0;
	assert_int_equal(hf_maglev_build(m, 8, 64, t), -EINVAL);
	m[5].weight = 1;
	assert_int_equal(hf_maglev_build(m, 8, 8, t), 0); /* size == n is fine */
	assert_int_equal(hf_maglev_build(m, 8, 128, t), 0);
}

/* One byte per bucket: 254 members fit (indexes 0..253, 255 is "none"), 255 do not. */
static void
test_member_limit(void **state)
{
	struct hf_maglev_member m[HF_MAGLEV_MAX_MEMBERS + 1] = {{0}};
	uint32_t counts[HF_MAGLEV_MAX_MEMBERS], k;
	uint8_t t[256];

	(void)state;
	mk_members(m, HF_MAGLEV_MAX_MEMBERS + 1);
	assert_int_equal(hf_maglev_build(m, HF_MAGLEV_MAX_MEMBERS + 1, 256, t), -EINVAL);
	assert_int_equal(hf_maglev_build(m, HF_MAGLEV_MAX_MEMBERS, 256, t), 0);
	assert_int_equal(hf_maglev_shares(t, 256, HF_MAGLEV_MAX_MEMBERS, counts), 0);
	/* 256 buckets over 254 members: two members own two buckets, the others one */
	for (k = 0; k < HF_MAGLEV_MAX_MEMBERS; k++)
		assert_in_range(counts[k], 1, 2);
	/* the last member down: its buckets go to the others, never to "none" */
	m[HF_MAGLEV_MAX_MEMBERS - 1].live = false;
	assert_int_equal(hf_maglev_build(m, HF_MAGLEV_MAX_MEMBERS, 256, t), 0);
	assert_int_equal(hf_maglev_shares(t, 256, HF_MAGLEV_MAX_MEMBERS, counts), 0);
	assert_int_equal(counts[HF_MAGLEV_MAX_MEMBERS - 1], 0);
}

/*
 * The two steps (base over all members once, then who is live) give
 * exactly hf_maglev_build's table, for any live set and weights; the base
 * does not depend on liveness.
 */
static void
test_base_then_live(void **state)
{
	struct hf_maglev_member m[16];
	uint8_t base[4096], base2[4096], t[4096];
	uint8_t *whole;
	uint32_t mask, i;

	(void)state;
	mk_members(m, 16);
	for (i = 0; i < 16; i++)
		m[i].weight = 1 + i % 3;
	assert_int_equal(hf_maglev_base(m, 16, 4096, base), 0);
	for (mask = 0; mask < (1u << 16); mask += 4099) {
		for (i = 0; i < 16; i++)
			m[i].live = (mask >> i) & 1;
		whole = build(m, 16, 4096);
		assert_int_equal(hf_maglev_live(m, 16, 4096, base, t), 0);
		assert_memory_equal(t, whole, 4096);
		assert_int_equal(hf_maglev_base(m, 16, 4096, base2), 0);
		assert_memory_equal(base2, base, 4096);
		/* in place: the base buffer becomes the live table */
		memcpy(base2, base, sizeof(base2));
		assert_int_equal(hf_maglev_live(m, 16, 4096, base2, base2), 0);
		assert_memory_equal(base2, whole, 4096);
		free(whole);
	}
	assert_int_equal(hf_maglev_live(m, 16, 4096, NULL, t), -EINVAL);
	assert_int_equal(hf_maglev_base(m, 0, 4096, base), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_golden),
		cmocka_unit_test(test_disruption),
		cmocka_unit_test(test_two_down),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_all_down),
		cmocka_unit_test(test_shares),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_member_limit),
		cmocka_unit_test(test_base_then_live),
	};

	return cmocka_run_group_tests_name("maglev", tests, NULL, NULL);
}
