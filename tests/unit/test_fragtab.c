/* SPDX-License-Identifier: BSD-3-Clause */
/* Fragment table: fragments in order, out of order, interleaved, aged, a full table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <hyperflow/fragtab.h>

#define TIMEOUT 1000 /* ms */

/* A datagram from 198.51.100.7 to 203.0.113.9 over UDP, by id. */
static struct hf_frag_key
key(uint32_t id)
{
	struct hf_frag_key k;

	memset(&k, 0, sizeof(k));
	k.src = htonl(0xc6336407);
	k.dst = htonl(0xcb007109);
	k.id = id;
	k.cluster = 3;
	k.proto = 17;
	k.family = 4;
	return k;
}

static struct hf_fragtab_stats
stats(const struct hf_fragtab *ft)
{
	struct hf_fragtab_stats st;

	hf_fragtab_get_stats(ft, &st);
	return st;
}

static void
test_create(void **state)
{
	struct hf_fragtab *ft;

	(void)state;
	assert_null(hf_fragtab_create(0, TIMEOUT));
	assert_int_equal(errno, EINVAL);
	assert_null(hf_fragtab_create(16, 0));
	assert_int_equal(errno, EINVAL);
	ft = hf_fragtab_create(5, TIMEOUT);
	assert_non_null(ft);
	assert_int_equal(hf_fragtab_capacity(ft), 8);
	assert_true(hf_fragtab_memory(ft) >= 8 * 64);
	hf_fragtab_free(ft);
	hf_fragtab_free(NULL);
}

/* First fragment, then the later ones: each finds the ports. */
static void
test_in_order(void **state)
{
	struct hf_fragtab *ft = hf_fragtab_create(64, TIMEOUT);
	struct hf_frag_key k = key(0x1234);
	void *rel[HF_FRAG_HOLD];
	uint16_t sp = 0, dp = 0;
	int tail = 1;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(4500), htons(4500), 10, rel), 0);
	assert_int_equal(hf_fragtab_tail(ft, &k, &tail, 11, &sp, &dp), HF_FRAG_FORWARD);
	assert_int_equal(sp, htons(4500));
	assert_int_equal(dp, htons(4500));
	assert_int_equal(hf_fragtab_tail(ft, &k, &tail, 12, &sp, &dp), HF_FRAG_FORWARD);
	/* another id of the same flow is another datagram */
	k.id = 0x1235;
	assert_int_equal(hf_fragtab_tail(ft, &k, &tail, 13, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(stats(ft).heads, 1);
	assert_int_equal(stats(ft).tails, 2);
	assert_int_equal(stats(ft).held, 1);
	assert_int_equal(stats(ft).entries, 2);
	assert_int_equal(hf_fragtab_drain(ft, (struct hf_frag_expired[HF_FRAGTAB_SET_HOLD]){0},
				 HF_FRAGTAB_SET_HOLD),
		1);
	hf_fragtab_free(ft);
}

/* Later fragments before the first: held, handed back to it in arrival order. */
static void
test_out_of_order(void **state)
{
	struct hf_fragtab *ft = hf_fragtab_create(64, TIMEOUT);
	struct hf_frag_key k = key(7);
	void *rel[HF_FRAG_HOLD];
	int t[3];
	uint16_t sp = 0, dp = 0;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[2], 10, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[1], 11, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(sp, 0);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(500), htons(4500), 12, rel), 2);
	assert_ptr_equal(rel[0], &t[2]);
	assert_ptr_equal(rel[1], &t[1]);
	/* the rest follows the ports; nothing is handed back twice */
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[0], 13, &sp, &dp), HF_FRAG_FORWARD);
	assert_int_equal(sp, htons(500));
	assert_int_equal(dp, htons(4500));
	assert_int_equal(hf_fragtab_head(ft, &k, htons(500), htons(4500), 14, rel), 0);
	assert_int_equal(stats(ft).held, 2);
	assert_int_equal(stats(ft).released, 2);
	assert_int_equal(
		hf_fragtab_age(ft, 14 + TIMEOUT + 1, 1000,
			(struct hf_frag_expired[HF_FRAGTAB_SET_HOLD]){0}, HF_FRAGTAB_SET_HOLD),
		0);
	assert_int_equal(stats(ft).expired, 0);
	assert_int_equal(stats(ft).entries, 0);
	hf_fragtab_free(ft);
}

/* Several datagrams at once, of one flow and of others: each keeps its own. */
static void
test_interleaved(void **state)
{
	struct hf_fragtab *ft = hf_fragtab_create(256, TIMEOUT);
	struct hf_frag_key a = key(100), b = key(101), c = key(100);
	void *rel[HF_FRAG_HOLD];
	int ta[2], tb[2], tc;
	uint16_t sp, dp;

	(void)state;
	assert_non_null(ft);
	c.family = 6; /* same fields, the other family */
	assert_int_equal(hf_fragtab_tail(ft, &a, &ta[0], 1, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_tail(ft, &b, &tb[0], 2, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_tail(ft, &c, &tc, 3, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_tail(ft, &a, &ta[1], 4, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_tail(ft, &b, &tb[1], 5, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_head(ft, &b, htons(2), htons(4500), 6, rel), 2);
	assert_ptr_equal(rel[0], &tb[0]);
	assert_ptr_equal(rel[1], &tb[1]);
	assert_int_equal(hf_fragtab_head(ft, &a, htons(1), htons(4500), 7, rel), 2);
	assert_ptr_equal(rel[0], &ta[0]);
	assert_ptr_equal(rel[1], &ta[1]);
	assert_int_equal(hf_fragtab_tail(ft, &a, &ta[0], 8, &sp, &dp), HF_FRAG_FORWARD);
	assert_int_equal(sp, htons(1));
	assert_int_equal(hf_fragtab_tail(ft, &b, &tb[0], 8, &sp, &dp), HF_FRAG_FORWARD);
	assert_int_equal(sp, htons(2));
	assert_int_equal(hf_fragtab_head(ft, &c, htons(3), htons(4500), 9, rel), 1);
	assert_ptr_equal(rel[0], &tc);
	assert_int_equal(stats(ft).entries, 3);
	hf_fragtab_free(ft);
}

/* Timeouts: held fragments come back once, with their cluster; stale ports are forgotten. */
static void
test_aging(void **state)
{
	struct hf_fragtab *ft = hf_fragtab_create(64, TIMEOUT);
	struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD];
	struct hf_frag_key a = key(1), b = key(2);
	void *rel[HF_FRAG_HOLD];
	int ta, tb;
	uint16_t sp, dp;
	uint32_t n = 0, i;

	(void)state;
	assert_non_null(ft);
	assert_int_equal(hf_fragtab_tail(ft, &a, &ta, 0, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_head(ft, &b, htons(9), htons(4500), 0, rel), 0);
	/* a fragment keeps its datagram alive */
	assert_int_equal(hf_fragtab_tail(ft, &b, &tb, TIMEOUT, &sp, &dp), HF_FRAG_FORWARD);
	/* nothing expires at exactly the timeout */
	assert_int_equal(hf_fragtab_age(ft, TIMEOUT, 1000, out, HF_FRAGTAB_SET_HOLD), 0);
	assert_int_equal(stats(ft).entries, 2);
	/* a: expired, its held fragment handed back; b: still live */
	for (i = 0; i < 16; i++)
		n += hf_fragtab_age(ft, TIMEOUT + 1, 1, out + n, HF_FRAGTAB_SET_HOLD - n);
	assert_int_equal(n, 1);
	assert_ptr_equal(out[0].pkt, &ta);
	assert_int_equal(out[0].cluster, 3);
	assert_int_equal(stats(ft).expired, 1);
	assert_int_equal(stats(ft).aged, 1);
	assert_int_equal(stats(ft).entries, 1);
	/* a's first fragment, late: a datagram of its own, nothing held any more */
	assert_int_equal(hf_fragtab_head(ft, &a, htons(8), htons(4500), TIMEOUT + 2, rel), 0);
	/* b expired without a sweep: its ports are not used, a later fragment is held */
	assert_int_equal(hf_fragtab_tail(ft, &b, &tb, 2 * TIMEOUT + 1, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_drain(ft, out, HF_FRAGTAB_SET_HOLD), 1);
	assert_ptr_equal(out[0].pkt, &tb);
	assert_int_equal(hf_fragtab_drain(ft, out, HF_FRAGTAB_SET_HOLD), 0);
	hf_fragtab_free(ft);
}

/*
 * One set of four ways. Datagrams waiting for their first fragment are
 * never evicted: a fifth finds no room. Once their first fragments came,
 * the least recently seen gives way to a new datagram; an expired entry
 * that holds nothing is reused first; one that holds fragments waits for
 * the ager.
 */
static void
test_full(void **state)
{
	struct hf_fragtab *ft = hf_fragtab_create(4, TIMEOUT);
	struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD];
	struct hf_frag_key k;
	void *rel[HF_FRAG_HOLD];
	int t[HF_FRAG_HOLD + 1];
	uint16_t sp, dp;
	uint32_t i;

	(void)state;
	assert_non_null(ft);
	for (i = 0; i < 4; i++) {
		k = key(i);
		assert_int_equal(hf_fragtab_tail(ft, &k, &t[i], i, &sp, &dp), HF_FRAG_HELD);
	}
	k = key(4);
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[4], 4, &sp, &dp), -ENOSPC);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(1), htons(2), 4, rel), -ENOSPC);
	assert_int_equal(stats(ft).full, 2);
	/* a datagram holds HF_FRAG_HOLD fragments, no more */
	k = key(3);
	for (i = 1; i < HF_FRAG_HOLD; i++)
		assert_int_equal(hf_fragtab_tail(ft, &k, &t[i], 5, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[0], 5, &sp, &dp), -ENOBUFS);
	assert_int_equal(stats(ft).hold_full, 1);

	/* the first fragments of 0 and 1 come; a new datagram evicts 0, the older */
	k = key(0);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(1), htons(2), 10, rel), 1);
	k = key(1);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(1), htons(2), 11, rel), 1);
	k = key(4);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(1), htons(2), 12, rel), 0);
	assert_int_equal(stats(ft).evicted, 1);
	k = key(1);
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[0], 13, &sp, &dp), HF_FRAG_FORWARD);
	/* 0's straggler finds nothing: held, in the place of 4 (now the older) */
	k = key(0);
	assert_int_equal(hf_fragtab_tail(ft, &k, &t[0], 14, &sp, &dp), HF_FRAG_HELD);
	assert_int_equal(stats(ft).evicted, 2);
	assert_int_equal(stats(ft).entries, 4);

	/* expired and holding nothing (1): reused before anything is evicted */
	k = key(5);
	assert_int_equal(hf_fragtab_head(ft, &k, htons(1), htons(2), 13 + TIMEOUT + 1, rel), 0);
	assert_int_equal(stats(ft).aged, 1);
	assert_int_equal(stats(ft).evicted, 2);
	/* expired and holding fragments (2, 3): handed back by the ager, not before */
	assert_int_equal(hf_fragtab_age(ft, 13 + TIMEOUT + 1, 1, out, HF_FRAG_HOLD), 0);
	assert_int_equal(hf_fragtab_age(ft, 13 + TIMEOUT + 1, 1, out, HF_FRAGTAB_SET_HOLD),
		1 + HF_FRAG_HOLD);
	assert_int_equal(stats(ft).expired, 1 + HF_FRAG_HOLD);
	assert_int_equal(stats(ft).entries, 2);
	assert_int_equal(hf_fragtab_drain(ft, out, HF_FRAGTAB_SET_HOLD), 1);
	assert_ptr_equal(out[0].pkt, &t[0]);
	hf_fragtab_free(ft);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_aging),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
