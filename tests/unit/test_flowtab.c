/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table unit tests. Time is fake milliseconds; every test checks the
 * exact counters it expects.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/flowtab.h>
#include <hyperflow/hash.h>
#include <hyperflow/limits.h>

#define TIMEOUT 100 /* ms */

static struct hf_flow_key
mkkey(uint32_t i)
{
	struct hf_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src = 0xc6336400u + (i & 0xff); /* 198.51.100.x, host values are fine here */
	k.dst = 0xcb007100u ^ (i << 8);
	k.sport = (uint16_t)(i * 7919u);
	k.dport = 443;
	k.cluster = 3;
	k.proto = HF_IPPROTO_TCP;
	k.family = 4;
	return k;
}

/* Distinct for distinct i (hf_mix32 is a bijection), otherwise random-looking. */
static struct hf_flow_key
rndkey(uint32_t i)
{
	struct hf_flow_key k;
	uint32_t r = hf_mix32(i ^ 0x5bd1e995u);

	memset(&k, 0, sizeof(k));
	k.src = hf_mix32(i);
	k.dst = hf_mix32(r);
	k.sport = (uint16_t)r;
	k.dport = (uint16_t)(r >> 16);
	k.cluster = (uint16_t)(r % 7);
	k.proto = (r & 1) ? HF_IPPROTO_TCP : HF_IPPROTO_UDP;
	k.family = 4;
	return k;
}

static void
expect_stats(const struct hf_flowtab *ft, uint64_t entries, uint64_t inserts, uint64_t hits,
	uint64_t misses, uint64_t aged, uint64_t full)
{
	struct hf_flowtab_stats st;

	hf_flowtab_get_stats(ft, &st);
	assert_int_equal(st.entries, entries);
	assert_int_equal(st.inserts, inserts);
	assert_int_equal(st.hits, hits);
	assert_int_equal(st.misses, misses);
	assert_int_equal(st.aged, aged);
	assert_int_equal(st.full, full);
}

static int
count_cb(const struct hf_flow_key *k, uint32_t val, uint64_t last_seen, void *arg)
{
	(void)k;
	(void)val;
	(void)last_seen;
	(void)arg;
	return 0;
}

/* Entries live at now, counted through walk. */
static uint32_t
live_count(const struct hf_flowtab *ft, uint64_t now)
{
	return hf_flowtab_walk(ft, now, UINT32_MAX, count_cb, NULL);
}

static void
test_create_errors(void **state)
{
	struct hf_flowtab *ft;

	(void)state;
	errno = 0;
	assert_null(hf_flowtab_create(0, TIMEOUT));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(hf_flowtab_create(1024, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(hf_flowtab_create(HF_FLOWS_MAX + 1, TIMEOUT));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(hf_flowtab_create(UINT32_MAX, TIMEOUT));
	assert_int_equal(errno, EINVAL);

	ft = hf_flowtab_create(HF_FLOWS_MAX, TIMEOUT);
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_capacity(ft), HF_FLOWS_MAX);
	expect_stats(ft, 0, 0, 0, 0, 0, 0);
	hf_flowtab_free(ft);
	hf_flowtab_free(NULL);
}

/*
 * create refuses a timeout above INT64_MAX (the API's limit); INT64_MAX
 * itself works (kept in ticks of 2^43).
 */
static void
test_timeout_limit(void **state)
{
	struct hf_flow_key k = rndkey(1);
	struct hf_flowtab *ft;
	uint32_t val = 0;

	(void)state;
	errno = 0;
	assert_null(hf_flowtab_create(1024, (uint64_t)INT64_MAX + 1));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(hf_flowtab_create(1024, UINT64_MAX));
	assert_int_equal(errno, EINVAL);
	ft = hf_flowtab_create(1024, (uint64_t)INT64_MAX);
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &k, 7, 0), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &k, UINT64_MAX / 4, &val), 1);
	assert_int_equal(val, 7);
	hf_flowtab_free(ft);
}

static void
test_capacity_rounding(void **state)
{
	static const struct {
		uint32_t req;
		uint32_t cap;
	} cases[] = {
		{1, 4},
		{3, 4},
		{4, 4},
		{5, 8},
		{8, 8},
		{9, 16},
		{16, 16},
		{17, 32},
		{1000, 1024},
		{1024, 1024},
		{1025, 2048},
		{65536, 65536},
		{(1u << 20) - 1, 1u << 20},
		{(1u << 21) + 1, 1u << 22},
	};
	struct hf_flowtab *ft;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ft = hf_flowtab_create(cases[i].req, TIMEOUT);
		assert_non_null(ft);
		assert_int_equal(hf_flowtab_capacity(ft), cases[i].cap);
		hf_flowtab_free(ft);
	}
}

static void
test_insert_hit_miss(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(1024, TIMEOUT);
	struct hf_flow_key k = mkkey(1), other = mkkey(2);
	uint32_t val = 0;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_lookup(ft, &k, 0, &val), 0);
	expect_stats(ft, 0, 0, 0, 1, 0, 0);

	assert_int_equal(hf_flowtab_insert(ft, &k, 42, 10), 0);
	expect_stats(ft, 1, 1, 0, 1, 0, 0);

	hf_flowtab_prefetch(ft, &k);
	hf_flowtab_prefetch(ft, &other);
	assert_int_equal(hf_flowtab_lookup(ft, &k, 20, &val), 1);
	assert_int_equal(val, 42);
	expect_stats(ft, 1, 1, 1, 1, 0, 0);

	/* Unknown key: a miss, val untouched. */
	val = 7;
	assert_int_equal(hf_flowtab_lookup(ft, &other, 20, &val), 0);
	assert_int_equal(val, 7);
	expect_stats(ft, 1, 1, 1, 2, 0, 0);

	/* Hits keep hitting. */
	assert_int_equal(hf_flowtab_lookup(ft, &k, 30, &val), 1);
	assert_int_equal(val, 42);
	expect_stats(ft, 1, 1, 2, 2, 0, 0);
	hf_flowtab_free(ft);
}

static void
test_overwrite_same_key(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key k = mkkey(5);
	uint32_t val = 0;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &k, 1, 0), 0);
	assert_int_equal(hf_flowtab_insert(ft, &k, 2, 5), 0);
	assert_int_equal(hf_flowtab_insert(ft, &k, 3, 6), 0);
	expect_stats(ft, 1, 1, 0, 0, 0, 0);
	assert_int_equal(live_count(ft, 6), 1);
	assert_int_equal(hf_flowtab_lookup(ft, &k, 7, &val), 1);
	assert_int_equal(val, 3);
	expect_stats(ft, 1, 1, 1, 0, 0, 0);

	/* Overwriting also refreshes last_seen: live at 6 + TIMEOUT. */
	assert_int_equal(hf_flowtab_insert(ft, &k, 4, 50), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &k, 50 + TIMEOUT, &val), 1);
	assert_int_equal(val, 4);

	/* Overwriting an expired entry is a new flow in the old way. */
	assert_int_equal(hf_flowtab_insert(ft, &k, 9, 1000), 0);
	expect_stats(ft, 1, 2, 2, 0, 1, 0);
	assert_int_equal(hf_flowtab_lookup(ft, &k, 1001, &val), 1);
	assert_int_equal(val, 9);
	hf_flowtab_free(ft);
}

static void
test_remove(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key a = mkkey(1), b = mkkey(2);
	uint32_t val;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &a, 1, 0), 0);
	assert_int_equal(hf_flowtab_insert(ft, &b, 2, 0), 0);
	assert_int_equal(hf_flowtab_remove(ft, &a), 1);
	assert_int_equal(hf_flowtab_remove(ft, &a), 0);
	expect_stats(ft, 1, 2, 0, 0, 0, 0);
	assert_int_equal(hf_flowtab_lookup(ft, &a, 1, &val), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &b, 1, &val), 1);
	assert_int_equal(val, 2);
	expect_stats(ft, 1, 2, 1, 1, 0, 0);
	hf_flowtab_free(ft);
}

static void
test_aging_lookup(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key k = mkkey(9);
	uint32_t val;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &k, 4, 1000), 0);
	/* now - last_seen == timeout is still live. */
	assert_int_equal(hf_flowtab_lookup(ft, &k, 1000 + TIMEOUT, &val), 1);
	expect_stats(ft, 1, 1, 1, 0, 0, 0);
	/* One past the timeout after the last hit: a miss, and the way is freed. */
	assert_int_equal(hf_flowtab_lookup(ft, &k, 1000 + 2 * TIMEOUT + 1, &val), 0);
	expect_stats(ft, 0, 1, 1, 1, 1, 0);
	assert_int_equal(hf_flowtab_lookup(ft, &k, 1000 + 2 * TIMEOUT + 2, &val), 0);
	expect_stats(ft, 0, 1, 1, 2, 1, 0);
	assert_int_equal(live_count(ft, 0), 0);
	hf_flowtab_free(ft);
}

static void
test_aging_sweep(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key k = mkkey(9), young = mkkey(10);
	uint32_t val, nb;

	(void)state;
	assert_non_null(ft);
	nb = hf_flowtab_capacity(ft) / HF_FLOWTAB_WAYS;
	assert_int_equal(hf_flowtab_insert(ft, &k, 4, 0), 0);
	assert_int_equal(hf_flowtab_insert(ft, &young, 5, 50), 0);
	assert_int_equal(hf_flowtab_age(ft, TIMEOUT, nb), 0);
	expect_stats(ft, 2, 2, 0, 0, 0, 0);
	assert_int_equal(hf_flowtab_age(ft, TIMEOUT + 1, 0), 0);
	assert_int_equal(hf_flowtab_age(ft, TIMEOUT + 1, nb), 1);
	expect_stats(ft, 1, 2, 0, 0, 1, 0);
	assert_int_equal(hf_flowtab_age(ft, TIMEOUT + 1, UINT32_MAX), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &k, TIMEOUT + 1, &val), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &young, TIMEOUT + 1, &val), 1);
	assert_int_equal(val, 5);
	expect_stats(ft, 1, 2, 1, 1, 1, 0);
	hf_flowtab_free(ft);
}

static void
test_aging_incremental(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(4096, TIMEOUT);
	struct hf_flowtab_stats st;
	uint32_t i, nb, n = 2000, first, total = 0;
	struct hf_flow_key k;

	(void)state;
	assert_non_null(ft);
	nb = hf_flowtab_capacity(ft) / HF_FLOWTAB_WAYS;
	for (i = 0; i < n; i++) {
		k = rndkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, 0), 0);
	}
	/* Half the buckets, then the other half: each half removes part, together all. */
	first = hf_flowtab_age(ft, TIMEOUT + 1, nb / 2);
	assert_true(first > n / 4 && first < 3 * n / 4);
	hf_flowtab_get_stats(ft, &st);
	assert_int_equal(st.entries, n - first);
	assert_int_equal(st.aged, first);
	total = first + hf_flowtab_age(ft, TIMEOUT + 1, nb / 2);
	assert_int_equal(total, n);
	expect_stats(ft, 0, n, 0, 0, n, 0);

	/* Budget 1 per call: nb calls sweep everything once. */
	for (i = 0; i < n; i++) {
		k = rndkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, 1000), 0);
	}
	total = 0;
	for (i = 0; i < nb; i++)
		total += hf_flowtab_age(ft, 1000 + TIMEOUT + 1, 1);
	assert_int_equal(total, n);
	expect_stats(ft, 0, 2 * n, 0, 0, 2 * n, 0);
	hf_flowtab_free(ft);
}

static void
test_hit_refreshes(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key active = mkkey(1), idle = mkkey(2);
	uint64_t now, hits = 0;
	uint32_t val;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &active, 1, 0), 0);
	assert_int_equal(hf_flowtab_insert(ft, &idle, 2, 0), 0);
	for (now = 60; now <= 10000; now += 60) {
		assert_int_equal(hf_flowtab_lookup(ft, &active, now, &val), 1);
		assert_int_equal(val, 1);
		hits++;
		hf_flowtab_age(ft, now, UINT32_MAX);
	}
	expect_stats(ft, 1, 2, hits, 0, 1, 0);
	assert_int_equal(hf_flowtab_lookup(ft, &idle, now, &val), 0);
	expect_stats(ft, 1, 2, hits, 1, 1, 0);
	hf_flowtab_free(ft);
}

/* One bucket: the ninth live key finds no way; expired ways are reused. */
static void
test_full_one_bucket(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(1, TIMEOUT);
	struct hf_flow_key k;
	uint32_t i, val;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_capacity(ft), HF_FLOWTAB_WAYS);
	for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
		k = mkkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, i), 0);
	}
	k = mkkey(100);
	assert_int_equal(hf_flowtab_insert(ft, &k, 100, 10), -ENOSPC);
	assert_int_equal(hf_flowtab_insert(ft, &k, 100, 11), -ENOSPC);
	expect_stats(ft, HF_FLOWTAB_WAYS, HF_FLOWTAB_WAYS, 0, 0, 0, 2);
	for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
		k = mkkey(i);
		assert_int_equal(hf_flowtab_lookup(ft, &k, 20, &val), 1);
		assert_int_equal(val, i);
	}
	/* Overwriting a present key never needs a free way. */
	k = mkkey(3);
	assert_int_equal(hf_flowtab_insert(ft, &k, 33, 20), 0);
	expect_stats(ft, HF_FLOWTAB_WAYS, HF_FLOWTAB_WAYS, HF_FLOWTAB_WAYS, 0, 0, 2);

	/* All of them expire at 20 + TIMEOUT + 1: the new keys reuse their ways. */
	for (i = 100; i < 100 + HF_FLOWTAB_WAYS; i++) {
		k = mkkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, 20 + TIMEOUT + 1), 0);
	}
	expect_stats(ft, HF_FLOWTAB_WAYS, 2 * HF_FLOWTAB_WAYS, HF_FLOWTAB_WAYS, 0, HF_FLOWTAB_WAYS, 2);
	k = mkkey(200);
	assert_int_equal(hf_flowtab_insert(ft, &k, 200, 20 + TIMEOUT + 1), -ENOSPC);
	expect_stats(ft, HF_FLOWTAB_WAYS, 2 * HF_FLOWTAB_WAYS, HF_FLOWTAB_WAYS, 0, HF_FLOWTAB_WAYS, 3);
	for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
		k = mkkey(i);
		assert_int_equal(hf_flowtab_lookup(ft, &k, 20 + TIMEOUT + 1, &val), 0);
		k = mkkey(100 + i);
		assert_int_equal(hf_flowtab_lookup(ft, &k, 20 + TIMEOUT + 1, &val), 1);
		assert_int_equal(val, 100 + i);
	}
	expect_stats(ft, HF_FLOWTAB_WAYS, 2 * HF_FLOWTAB_WAYS, 2 * HF_FLOWTAB_WAYS, HF_FLOWTAB_WAYS,
		     HF_FLOWTAB_WAYS, 3);
	hf_flowtab_free(ft);
}

/*
 * Fill a table with live keys until the first -ENOSPC (some key's buckets
 * are full of live entries and no entry can move): every key inserted
 * before must still hit, with its own value, despite moves. After the
 * timeout the refused keys go in by reusing expired ways.
 */
static void
test_full_table(void **state)
{
	const uint32_t req = 1024, tries = 4096, again = req * 7 / 10;
	struct hf_flowtab *ft = hf_flowtab_create(req, TIMEOUT);
	uint32_t i, ok = 0, refused = 0, val, first_fail = UINT32_MAX;
	bool accepted[4096];
	struct hf_flowtab_stats st;
	struct hf_flow_key k;
	int rc;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < tries; i++) {
		k = rndkey(i);
		rc = hf_flowtab_insert(ft, &k, i, 0);
		accepted[i] = rc == 0;
		if (rc == 0) {
			ok++;
		} else {
			assert_int_equal(rc, -ENOSPC);
			if (first_fail == UINT32_MAX)
				first_fail = i;
			refused++;
		}
	}
	assert_true(first_fail != UINT32_MAX);
	assert_true(first_fail >= req * 9 / 10);
	assert_true(ok <= req);
	assert_true(ok >= first_fail);
	expect_stats(ft, ok, ok, 0, 0, 0, refused);
	assert_int_equal(live_count(ft, 0), ok);

	/* Every accepted key hits with its value, despite moves; every refused key misses. */
	for (i = 0; i < tries; i++) {
		k = rndkey(i);
		val = UINT32_MAX;
		assert_int_equal(hf_flowtab_lookup(ft, &k, 1, &val), accepted[i]);
		if (accepted[i])
			assert_int_equal(val, i);
	}
	expect_stats(ft, ok, ok, ok, refused, 0, refused);

	/* At 1 + TIMEOUT + 1 nothing is live: new keys go into empty and expired ways. */
	for (i = tries; i < tries + again; i++) {
		k = rndkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, TIMEOUT + 2), 0);
	}
	hf_flowtab_get_stats(ft, &st);
	assert_int_equal(st.inserts, ok + again);
	assert_int_equal(st.entries + st.aged, st.inserts);
	assert_true(st.aged > 0);
	assert_int_equal(st.full, refused);
	assert_int_equal(live_count(ft, TIMEOUT + 2), again);
	/* A sweep leaves exactly the new keys. */
	assert_int_equal(hf_flowtab_age(ft, TIMEOUT + 2, UINT32_MAX), ok + again - st.aged - again);
	expect_stats(ft, again, ok + again, ok, refused, ok, refused);
	hf_flowtab_free(ft);
}

/* A table that refused inserts takes new keys again, up to a high fill, once flows go away. */
static void
test_full_recovers(void **state)
{
	const uint32_t req = 2048;
	struct hf_flowtab *ft = hf_flowtab_create(req, TIMEOUT);
	struct hf_flowtab_stats st;
	uint32_t i, purged;
	struct hf_flow_key k;

	(void)state;
	assert_non_null(ft);
	for (i = 0;; i++) {
		k = rndkey(i);
		if (hf_flowtab_insert(ft, &k, i % 2, 0) != 0)
			break;
	}
	hf_flowtab_get_stats(ft, &st);
	assert_true(st.entries >= req * 9 / 10);
	assert_int_equal(st.full, 1);
	purged = hf_flowtab_purge_val(ft, 1);
	assert_true(purged > st.entries / 3);
	for (i = 1u << 20;; i++) {
		k = rndkey(i);
		if (hf_flowtab_insert(ft, &k, 5, 1) != 0)
			break;
	}
	hf_flowtab_get_stats(ft, &st);
	assert_true(st.entries >= req * 9 / 10);
	assert_int_equal(st.full, 2);
	assert_int_equal(st.entries, live_count(ft, 1));
	hf_flowtab_free(ft);
}

static void
test_purge_val(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(1024, TIMEOUT);
	uint32_t i, val, n = 300, with1 = 0;
	struct hf_flow_key k;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < n; i++) {
		k = rndkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i % 3, 0), 0);
		if (i % 3 == 1)
			with1++;
	}
	assert_int_equal(hf_flowtab_purge_val(ft, 1), with1);
	expect_stats(ft, n - with1, n, 0, 0, 0, 0);
	assert_int_equal(hf_flowtab_purge_val(ft, 1), 0);
	assert_int_equal(hf_flowtab_purge_val(ft, 77), 0);
	for (i = 0; i < n; i++) {
		k = rndkey(i);
		if (i % 3 == 1) {
			assert_int_equal(hf_flowtab_lookup(ft, &k, 1, &val), 0);
		} else {
			assert_int_equal(hf_flowtab_lookup(ft, &k, 1, &val), 1);
			assert_int_equal(val, i % 3);
		}
	}
	expect_stats(ft, n - with1, n, n - with1, with1, 0, 0);
	/* Expired entries with the value go too; they are purged, not aged. */
	assert_int_equal(hf_flowtab_purge_val(ft, 0), n / 3);
	expect_stats(ft, n / 3, n, n - with1, with1, 0, 0);
	assert_int_equal(hf_flowtab_purge_val(ft, 2), n / 3);
	expect_stats(ft, 0, n, n - with1, with1, 0, 0);
	hf_flowtab_free(ft);
}

struct walk_ctx {
	uint32_t calls;
	uint32_t stop_after; /* return 1 on this call; 0 = never */
	uint64_t val_sum;
	bool bad;
};

static int
walk_cb(const struct hf_flow_key *k, uint32_t val, uint64_t last_seen, void *arg)
{
	struct walk_ctx *c = arg;
	struct hf_flow_key want = mkkey(val);

	c->calls++;
	c->val_sum += val;
	/* Young keys are 100..104, inserted at 200. */
	if (memcmp(k, &want, sizeof(want)) != 0 || val < 100 || last_seen != 200)
		c->bad = true;
	return c->stop_after != 0 && c->calls == c->stop_after;
}

static void
test_walk(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(256, TIMEOUT);
	struct walk_ctx c;
	struct hf_flow_key k;
	uint32_t i;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < 10; i++) {
		k = mkkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, 0), 0);
	}
	for (i = 100; i < 105; i++) {
		k = mkkey(i);
		assert_int_equal(hf_flowtab_insert(ft, &k, i, 200), 0);
	}

	memset(&c, 0, sizeof(c));
	assert_int_equal(hf_flowtab_walk(ft, 250, UINT32_MAX, walk_cb, &c), 5);
	assert_int_equal(c.calls, 5);
	assert_int_equal(c.val_sum, 100 + 101 + 102 + 103 + 104);
	assert_false(c.bad);

	memset(&c, 0, sizeof(c));
	assert_int_equal(hf_flowtab_walk(ft, 250, 3, walk_cb, &c), 3);
	assert_int_equal(c.calls, 3);
	assert_false(c.bad);

	memset(&c, 0, sizeof(c));
	assert_int_equal(hf_flowtab_walk(ft, 250, 0, walk_cb, &c), 0);
	assert_int_equal(c.calls, 0);

	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	assert_int_equal(hf_flowtab_walk(ft, 250, UINT32_MAX, walk_cb, &c), 2);
	assert_int_equal(c.calls, 2);

	/* At 100 all fifteen are live (young ones from the future count as live). */
	assert_int_equal(live_count(ft, 100), 15);
	assert_int_equal(live_count(ft, 200 + TIMEOUT + 1), 0);
	/* Walking changes nothing. */
	expect_stats(ft, 15, 15, 0, 0, 0, 0);
	hf_flowtab_free(ft);
}

static void
test_key_fields_distinct(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key keys[8];
	uint32_t i, val;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < 8; i++)
		keys[i] = mkkey(1);
	keys[1].src ^= 1;
	keys[2].dst ^= 0x80000000u;
	keys[3].sport ^= 1;
	keys[4].dport ^= 0x100;
	keys[5].cluster ^= 1;
	keys[6].proto = HF_IPPROTO_UDP;
	keys[7].family = 6;
	for (i = 0; i < 8; i++)
		assert_int_equal(hf_flowtab_insert(ft, &keys[i], 1000 + i, 0), 0);
	expect_stats(ft, 8, 8, 0, 0, 0, 0);
	for (i = 0; i < 8; i++) {
		assert_int_equal(hf_flowtab_lookup(ft, &keys[i], 1, &val), 1);
		assert_int_equal(val, 1000 + i);
	}
	/* Removing one leaves the seven others. */
	assert_int_equal(hf_flowtab_remove(ft, &keys[6]), 1);
	for (i = 0; i < 8; i++)
		assert_int_equal(hf_flowtab_lookup(ft, &keys[i], 2, &val), i != 6);
	expect_stats(ft, 7, 8, 15, 1, 0, 0);
	hf_flowtab_free(ft);
}

/* The all-zero key is a key like any other. */
static void
test_zero_key(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(64, TIMEOUT);
	struct hf_flow_key z;
	uint32_t val;

	(void)state;
	assert_non_null(ft);
	memset(&z, 0, sizeof(z));
	assert_int_equal(hf_flowtab_lookup(ft, &z, 0, &val), 0);
	assert_int_equal(hf_flowtab_insert(ft, &z, 0, 0), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &z, 0, &val), 1);
	assert_int_equal(val, 0);
	expect_stats(ft, 1, 1, 1, 1, 0, 0);
	hf_flowtab_free(ft);
}

#define MODEL_KEYS 160

struct model_ent {
	bool present; /* live in the table */
	bool stale;   /* expired: the table may still hold it until it is freed */
	uint32_t val;
	uint64_t last_seen;
};

/*
 * Times are base + n * unit: unit 1 keeps the timeout under 2^20 (exact
 * times), unit 2^20 makes it 100 * 2^20 (ticks of 2^7), and a base near
 * 2^32 ticks takes the ticks across their 32-bit wrap.
 */
static void
model_run(uint32_t entries, uint64_t seed, uint64_t base, uint64_t unit,
	  struct hf_flowtab_stats *out)
{
	struct hf_flowtab *ft = hf_flowtab_create(entries, TIMEOUT * unit);
	struct model_ent m[MODEL_KEYS];
	uint64_t removed = 0, purged = 0, now = base, rng = seed;
	uint32_t i, op, idx, val, live, step;
	struct hf_flowtab_stats st;
	struct hf_flow_key k;
	int rc;

	assert_non_null(ft);
	memset(m, 0, sizeof(m));
	for (step = 0; step < 200000; step++) {
		rng ^= rng << 13;
		rng ^= rng >> 7;
		rng ^= rng << 17;
		op = (uint32_t)(rng % 100);
		idx = (uint32_t)((rng >> 8) % MODEL_KEYS);
		val = (uint32_t)((rng >> 24) % 5);
		k = rndkey(idx);
		if ((rng >> 40) % 8 == 0)
			now += unit;
		for (i = 0; i < MODEL_KEYS; i++) {
			if (m[i].present && now - m[i].last_seen > TIMEOUT * unit) {
				m[i].present = false;
				m[i].stale = true;
			}
		}
		if (op < 45) {
			uint32_t got = 0xdead;

			rc = hf_flowtab_lookup(ft, &k, now, &got);
			assert_int_equal(rc, m[idx].present);
			if (rc == 1) {
				assert_int_equal(got, m[idx].val);
				m[idx].last_seen = now;
			}
			m[idx].stale = false; /* an expired entry found is freed */
		} else if (op < 85) {
			rc = hf_flowtab_insert(ft, &k, val, now);
			if (rc == 0) {
				m[idx] = (struct model_ent){true, false, val, now};
			} else {
				assert_int_equal(rc, -ENOSPC);
				assert_false(m[idx].present);
				m[idx].stale = false; /* held, it would have been overwritten */
			}
		} else if (op < 93) {
			rc = hf_flowtab_remove(ft, &k);
			if (m[idx].present)
				assert_int_equal(rc, 1);
			else if (!m[idx].stale)
				assert_int_equal(rc, 0);
			removed += (uint64_t)rc;
			m[idx].present = false;
			m[idx].stale = false;
		} else if (op < 98) {
			hf_flowtab_age(ft, now, 3);
		} else if (op < 99) {
			purged += hf_flowtab_purge_val(ft, val);
			for (i = 0; i < MODEL_KEYS; i++) {
				if (m[i].val == val) {
					m[i].present = false;
					m[i].stale = false;
				}
			}
		} else if ((rng >> 50) % 8 == 0) {
			now += TIMEOUT / 2 * unit;
		}
		if (step % 1000 == 0) {
			live = 0;
			for (i = 0; i < MODEL_KEYS; i++)
				live += m[i].present;
			assert_int_equal(live_count(ft, now), live);
			hf_flowtab_get_stats(ft, &st);
			assert_int_equal(st.inserts, st.entries + st.aged + removed + purged);
			assert_true(st.entries <= hf_flowtab_capacity(ft));
			assert_true(st.entries >= live);
		}
	}
	hf_flowtab_get_stats(ft, out);
	hf_flowtab_free(ft);
}

/*
 * Random operations against a plain reference model with a fake clock:
 * lookups, removes and walks must agree exactly and the counters must
 * balance, on a crowded table (mostly full) and a roomy one (mostly aging).
 */
static void
test_model(void **state)
{
	struct hf_flowtab_stats st;
	static const struct {
		uint64_t base, unit;
	} clocks[] = {
		{0, 1},
		{((1ull << 32) - (1ull << 26)) << 7, 1ull << 20}, /* ticks of 2^7 wrap mid-run */
	};
	unsigned int c;

	(void)state;
	for (c = 0; c < sizeof(clocks) / sizeof(clocks[0]); c++) {
		model_run(64, 88172645463325252ull, clocks[c].base, clocks[c].unit, &st);
		assert_true(st.full > 1000);
		assert_true(st.aged > 0);
		model_run(256, 0x2545f4914f6cdd1dull, clocks[c].base, clocks[c].unit, &st);
		assert_int_equal(st.full, 0);
		assert_true(st.aged > 1000);
	}
}

/*
 * Fill ratio: a table created for 1<<20 entries takes random distinct keys
 * until the first -ENOSPC. Two-choice buckets with moves keep going well
 * past 90% of the 1M keys (measured with 4-way buckets and moves up to 3
 * deep: the first refusal at 984,510 keys, 98.5% of the keys and 93.9%
 * of the capacity).
 */
static void
test_fill_1m(void **state)
{
	const uint32_t n = 1000000;
	struct hf_flowtab *ft = hf_flowtab_create(1u << 20, 30000);
	uint32_t i, ok = 0, val;
	struct hf_flow_key k;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < n; i++) {
		k = rndkey(i);
		if (hf_flowtab_insert(ft, &k, i, i / 1000) != 0)
			break;
		ok++;
	}
	printf("# flowtab fill: %u of %u random keys before the first -ENOSPC "
	       "(%.1f%% of the keys, %.1f%% of capacity %u)\n",
		ok, n, 100.0 * ok / n, 100.0 * ok / hf_flowtab_capacity(ft),
		hf_flowtab_capacity(ft));
	assert_true(ok >= n / 10 * 9);
	expect_stats(ft, ok, ok, 0, 0, 0, ok == n ? 0 : 1);
	for (i = 0; i < ok; i += 7) {
		k = rndkey(i);
		assert_int_equal(hf_flowtab_lookup(ft, &k, 2000, &val), 1);
		assert_int_equal(val, i);
	}
	hf_flowtab_free(ft);
}

static uint32_t
fill_count(struct hf_flowtab *ft, const struct hf_flow_key *keys, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (hf_flowtab_insert(ft, &keys[i], i, 0) != 0)
			break;
	return i;
}

/* Every key of keys[0..n-1] finds its own value (its index), and the table holds n entries. */
static void
expect_all_distinct(struct hf_flowtab *ft, const struct hf_flow_key *keys, uint32_t n)
{
	struct hf_flowtab_stats st;
	uint32_t i, val;

	hf_flowtab_get_stats(ft, &st);
	assert_int_equal(st.entries, n);
	for (i = 0; i < n; i++) {
		val = UINT32_MAX;
		assert_int_equal(hf_flowtab_lookup(ft, &keys[i], 1, &val), 1);
		assert_int_equal(val, i);
	}
}

/*
 * Structured keys, as traffic makes them (the hash must not be fooled by
 * keys that differ in a few bits, or in one key word only): every one of
 * 901,120 5-tuples over 64 sources x 64 destinations x 220 source ports,
 * every one of 786,432 dst-ip keys over 1024 clusters x 768 destinations,
 * and 2^20 src-dst keys of one cluster (random addresses, the rest of the
 * key equal) fit a table for 2^20 flows (2^21 for the last), as random
 * keys do (test_fill_1m), each a distinct entry that finds its own value:
 * no two share a fingerprint. (Two CRC32-C chains over the plain words,
 * without the rotate of hf_flowtab_hash's second chain, merged ~120 of the
 * src-dst keys.)
 */
static void
test_fill_structured(void **state)
{
	const uint32_t n5 = 64 * 64 * 220, nd = 1024 * 768, nsd = 1u << 20;
	struct hf_flow_key *keys = calloc(n5 > nd ? n5 : nd, sizeof(*keys));
	struct hf_flowtab *ft;
	uint32_t i, ok;

	(void)state;
	assert_non_null(keys);
	for (i = 0; i < n5; i++) {
		keys[i].src = htonl(0xc6336400u | (i & 63));          /* 198.51.100.0/26 */
		keys[i].dst = htonl(0xcb007100u | ((i >> 6) & 63));   /* 203.0.113.0/26 */
		keys[i].sport = htons((uint16_t)(1024 + (i >> 12)));
		keys[i].dport = htons(4500);
		keys[i].cluster = 3;
		keys[i].proto = HF_IPPROTO_UDP;
		keys[i].family = 4;
	}
	ft = hf_flowtab_create(1u << 20, 30000);
	assert_non_null(ft);
	ok = fill_count(ft, keys, n5);
	printf("# flowtab structured 5-tuple: %u of %u keys\n", ok, n5);
	assert_int_equal(ok, n5);
	expect_all_distinct(ft, keys, n5);
	hf_flowtab_free(ft);

	memset(keys, 0, (size_t)nd * sizeof(*keys));
	for (i = 0; i < nd; i++) {
		uint32_t d = i % 768;

		keys[i].dst = htonl((d < 256 ? 0xc0000200u : d < 512 ? 0xc6336400u : 0xcb007100u) |
				    (d & 255));
		keys[i].cluster = (uint16_t)(i / 768);
		keys[i].family = 4;
	}
	ft = hf_flowtab_create(1u << 20, 30000);
	assert_non_null(ft);
	ok = fill_count(ft, keys, nd);
	printf("# flowtab structured dst-ip: %u of %u keys\n", ok, nd);
	assert_int_equal(ok, nd);
	expect_all_distinct(ft, keys, nd);
	hf_flowtab_free(ft);
	free(keys);

	keys = calloc(nsd, sizeof(*keys));
	assert_non_null(keys);
	for (i = 0; i < nsd; i++) {
		struct hf_flow_key r = rndkey(i);

		keys[i].src = r.src;
		keys[i].dst = r.dst;
		keys[i].cluster = 5;
		keys[i].family = 4;
	}
	ft = hf_flowtab_create(2 * nsd, 30000);
	assert_non_null(ft);
	ok = fill_count(ft, keys, nsd);
	printf("# flowtab structured src-dst: %u of %u keys\n", ok, nsd);
	assert_int_equal(ok, nsd);
	expect_all_distinct(ft, keys, nsd);
	hf_flowtab_free(ft);
	free(keys);
}

/*
 * Two keys whose hashes agree in one 32-bit half (found by search: a
 * birthday collision among 2^18 keys is all but certain) share a bucket
 * in a one-bucket table and are still told apart: the fingerprint is all
 * 64 bits, in every way position. Removing one by key leaves the other,
 * and removing with a wrong key that has the right half removes nothing.
 */
struct half_ent {
	uint32_t half;
	uint32_t i;
};

static int
half_cmp(const void *a, const void *b)
{
	const struct half_ent *x = a, *y = b;

	return x->half < y->half ? -1 : x->half > y->half;
}

/* Two keys (indexes for rndkey) whose hashes share 32 bits at bit `shift`. */
static bool
find_half_pair(unsigned int shift, uint32_t *ia, uint32_t *ib)
{
	enum { N = 1u << 18 };
	struct half_ent *e = malloc(N * sizeof(*e));
	struct hf_flow_key k;
	bool found = false;
	uint32_t i;

	assert_non_null(e);
	for (i = 0; i < N; i++) {
		k = rndkey(i);
		e[i].half = (uint32_t)(hf_flowtab_hash(&k) >> shift);
		e[i].i = i;
	}
	qsort(e, N, sizeof(*e), half_cmp);
	for (i = 1; i < N && !found; i++) {
		struct hf_flow_key ka = rndkey(e[i - 1].i), kb = rndkey(e[i].i);

		if (e[i].half == e[i - 1].half && hf_flowtab_hash(&ka) != hf_flowtab_hash(&kb)) {
			*ia = e[i - 1].i;
			*ib = e[i].i;
			found = true;
		}
	}
	free(e);
	return found;
}

static void
test_half_hash_collision(void **state)
{
	static const unsigned int shifts[] = {0, 32};
	struct hf_flow_key a, b, k;
	struct hf_flowtab *ft;
	uint32_t ia = 0, ib = 0, i, pos, s, val;

	(void)state;
	for (s = 0; s < 2; s++) {
		assert_true(find_half_pair(shifts[s], &ia, &ib));
		a = rndkey(ia);
		b = rndkey(ib);
		for (pos = 0; pos + 2 <= HF_FLOWTAB_WAYS; pos++) {
			ft = hf_flowtab_create(HF_FLOWTAB_WAYS, TIMEOUT);
			assert_non_null(ft);
			for (i = 0; i < pos; i++) {
				k = mkkey(i);
				assert_int_equal(hf_flowtab_insert(ft, &k, 900 + i, 0), 0);
			}
			assert_int_equal(hf_flowtab_insert(ft, &a, 100, 0), 0);
			assert_int_equal(hf_flowtab_lookup(ft, &b, 1, &val), 0);
			assert_int_equal(hf_flowtab_insert(ft, &b, 101, 0), 0);
			assert_int_equal(hf_flowtab_lookup(ft, &a, 1, &val), 1);
			assert_int_equal(val, 100);
			assert_int_equal(hf_flowtab_lookup(ft, &b, 1, &val), 1);
			assert_int_equal(val, 101);
			assert_int_equal(live_count(ft, 1), pos + 2);
			assert_int_equal(hf_flowtab_remove(ft, &a), 1);
			assert_int_equal(hf_flowtab_lookup(ft, &a, 1, &val), 0);
			assert_int_equal(hf_flowtab_lookup(ft, &b, 1, &val), 1);
			assert_int_equal(val, 101);
			hf_flowtab_free(ft);
		}
	}
}

/*
 * Remove confirms the key: a key with another key's fingerprint (planted
 * by overwriting the stored key, as a fingerprint collision would leave it)
 * does not remove the entry, and a walk reports the stored key.
 */
static int
first_key_cb(const struct hf_flow_key *k, uint32_t val, uint64_t last_seen, void *arg)
{
	(void)val;
	(void)last_seen;
	memcpy(arg, k, sizeof(*k));
	return 1;
}

static void
test_remove_checks_key(void **state)
{
	struct hf_flowtab *ft = hf_flowtab_create(HF_FLOWTAB_WAYS, TIMEOUT);
	struct hf_flow_key a = mkkey(1), other = mkkey(2), seen;
	uint32_t val;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &a, 7, 0), 0);
	/* one bucket, one entry: way 0 holds a; store another key there */
	ft->bkt[0].key[0] = other;
	assert_int_equal(hf_flowtab_remove(ft, &a), 0);
	assert_int_equal(hf_flowtab_lookup(ft, &a, 1, &val), 1);
	assert_int_equal(val, 7);
	assert_int_equal(hf_flowtab_walk(ft, 1, UINT32_MAX, first_key_cb, &seen), 1);
	assert_memory_equal(&seen, &other, sizeof(other));
	ft->bkt[0].key[0] = a;
	assert_int_equal(hf_flowtab_remove(ft, &a), 1);
	assert_int_equal(live_count(ft, 1), 0);
	hf_flowtab_free(ft);
}

/*
 * A timeout of 2^20 units or more is kept in ticks of 2^shift units:
 * expiry to within one tick, never early by more than a tick, and walks
 * report last-seen to within a tick.
 */
struct seen_ctx {
	uint64_t last_seen;
	uint32_t calls;
};

static int
seen_cb(const struct hf_flow_key *k, uint32_t val, uint64_t last_seen, void *arg)
{
	struct seen_ctx *c = arg;

	(void)k;
	(void)val;
	c->last_seen = last_seen;
	c->calls++;
	return 0;
}

static void
test_coarse_ticks(void **state)
{
	const uint64_t tmo = 1ull << 30, tick = 1ull << 10, t0 = 5 * tmo + 123;
	struct hf_flowtab *ft = hf_flowtab_create(64, tmo);
	struct hf_flow_key k = mkkey(9);
	struct seen_ctx c = {0, 0};
	uint32_t val;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_flowtab_insert(ft, &k, 3, t0), 0);
	/* live a whole timeout after, less one tick; gone two ticks past it */
	assert_int_equal(live_count(ft, t0 + tmo - tick), 1);
	assert_int_equal(live_count(ft, t0 + tmo + 2 * tick), 0);
	assert_int_equal(hf_flowtab_walk(ft, t0 + 1000 * tick, UINT32_MAX, seen_cb, &c), 1);
	assert_true(c.last_seen <= t0 + tick && c.last_seen + tick >= t0);
	/* a hit refreshes it in ticks too */
	assert_int_equal(hf_flowtab_lookup(ft, &k, t0 + tmo / 2, &val), 1);
	assert_int_equal(val, 3);
	assert_int_equal(live_count(ft, t0 + tmo / 2 + tmo - tick), 1);
	assert_int_equal(hf_flowtab_lookup(ft, &k, t0 + tmo / 2 + tmo + 2 * tick, &val), 0);
	expect_stats(ft, 0, 1, 1, 1, 1, 0);
	hf_flowtab_free(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_errors),
		cmocka_unit_test(test_timeout_limit),
		cmocka_unit_test(test_capacity_rounding),
		cmocka_unit_test(test_insert_hit_miss),
		cmocka_unit_test(test_overwrite_same_key),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_aging_lookup),
		cmocka_unit_test(test_aging_sweep),
		cmocka_unit_test(test_aging_incremental),
		cmocka_unit_test(test_hit_refreshes),
		cmocka_unit_test(test_full_one_bucket),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_full_recovers),
		cmocka_unit_test(test_purge_val),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_key_fields_distinct),
		cmocka_unit_test(test_zero_key),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_fill_1m),
		cmocka_unit_test(test_half_hash_collision),
		cmocka_unit_test(test_remove_checks_key),
		cmocka_unit_test(test_coarse_ticks),
		cmocka_unit_test(test_fill_structured),
	};

	return cmocka_run_group_tests_name("flowtab", tests, NULL, NULL);
}
