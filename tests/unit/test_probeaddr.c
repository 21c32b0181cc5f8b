/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probe source address (RFC 5227 style) unit tests. A fake millisecond
 * clock is stepped one millisecond at a time and every action is recorded
 * with its time, so the exact probe count and schedule are checked.
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
#include <hyperflow/probeaddr.h>

#define IP4(a, b, c, d) htonl((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static const struct hf_mac our_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x01}};
static const struct hf_mac other_mac = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x99}};

struct ev {
	uint64_t t;
	enum hf_pa_action a;
	uint32_t ip;
};

/* Step every ms over [from, to), recording every action but NONE. */
static unsigned int
run(struct hf_probeaddr *pa, uint64_t from, uint64_t to, struct ev *ev, unsigned int max)
{
	unsigned int n = 0;
	uint64_t t;

	for (t = from; t < to; t++) {
		enum hf_pa_action a;
		uint32_t ip = 0;

		while ((a = hf_probeaddr_step(pa, t, &ip)) != HF_PA_NONE) {
			assert_true(n < max);
			ev[n].t = t;
			ev[n].a = a;
			ev[n].ip = ip;
			n++;
		}
	}
	return n;
}

static void
expect_ev(const struct ev *e, uint64_t t, enum hf_pa_action a, uint32_t ip)
{
	assert_int_equal(e->t, t);
	assert_string_equal(hf_pa_action_str(e->a), hf_pa_action_str(a));
	assert_int_equal(e->ip, ip);
}

static void
test_init_invalid(void **state)
{
	struct hf_probeaddr pa;
	uint32_t pool[HF_MAX_PROBE_POOL + 1];
	unsigned int i;

	(void)state;
	for (i = 0; i < HF_MAX_PROBE_POOL + 1; i++)
		pool[i] = IP4(192, 0, 2, 200 + i);
	assert_int_equal(hf_probeaddr_init(NULL, pool, 1, 0), -EINVAL);
	assert_int_equal(hf_probeaddr_init(&pa, NULL, 1, 0), -EINVAL);
	assert_int_equal(hf_probeaddr_init(&pa, pool, 0, 0), -EINVAL);
	assert_int_equal(hf_probeaddr_init(&pa, pool, HF_MAX_PROBE_POOL + 1, 0), -EINVAL);
	pool[3] = 0;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 4, 0), -EINVAL);
	assert_int_equal(hf_probeaddr_init(&pa, pool, 3, 0), 0);
	assert_int_equal(hf_probeaddr_init(&pa, pool, HF_MAX_PROBE_POOL, 0), -EINVAL);
}

/* No conflict: 3 probes 30 ms apart, bound 100 ms after the last, nothing after. */
static void
test_first_free(void **state)
{
	const uint32_t pool[2] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251)};
	struct hf_probeaddr pa;
	struct ev ev[16];
	unsigned int n;

	(void)state;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 2, 1000), 0);
	assert_int_equal(hf_probeaddr_bound(&pa), 0);
	assert_int_equal(hf_probeaddr_candidate(&pa), pool[0]);

	n = run(&pa, 1000, 1160, ev, 16);
	assert_int_equal(n, HF_PA_PROBE_NUM);
	expect_ev(&ev[0], 1000, HF_PA_SEND_PROBE, pool[0]);
	expect_ev(&ev[1], 1030, HF_PA_SEND_PROBE, pool[0]);
	expect_ev(&ev[2], 1060, HF_PA_SEND_PROBE, pool[0]);
	assert_int_equal(hf_probeaddr_bound(&pa), 0); /* one ms before: not yet */

	n = run(&pa, 1160, 20000, ev, 16);
	assert_int_equal(n, 1);
	expect_ev(&ev[0], 1160, HF_PA_BOUND, pool[0]);
	assert_int_equal(hf_probeaddr_bound(&pa), pool[0]);
	assert_int_equal(hf_probeaddr_candidate(&pa), 0);
	assert_int_equal(pa.stats.probes_sent, 3);
	assert_int_equal(pa.stats.rejected, 0);
	assert_int_equal(pa.stats.rounds, 1);
}

/* A conflict after the second probe: the next candidate is probed at once. */
static void
test_conflict_moves_on(void **state)
{
	const uint32_t pool[3] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251), IP4(192, 0, 2, 252)};
	struct hf_probeaddr pa;
	struct ev ev[16];
	unsigned int n;

	(void)state;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 3, 0), 0);
	n = run(&pa, 0, 41, ev, 16);
	assert_int_equal(n, 2);
	/* Not about the candidate: no effect. */
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[1], 40), HF_PA_CONFLICT_NONE);
	assert_int_equal(hf_probeaddr_conflict(&pa, 0, 40), HF_PA_CONFLICT_NONE);
	assert_int_equal(hf_probeaddr_candidate(&pa), pool[0]);
	/* About it. */
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 40), HF_PA_CONFLICT_NEXT);
	assert_int_equal(hf_probeaddr_candidate(&pa), pool[1]);
	/* A late conflict for the abandoned candidate changes nothing. */
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 41), HF_PA_CONFLICT_NONE);

	n = run(&pa, 41, 1000, ev, 16);
	assert_int_equal(n, 4);
	expect_ev(&ev[0], 41, HF_PA_SEND_PROBE, pool[1]);
	expect_ev(&ev[1], 71, HF_PA_SEND_PROBE, pool[1]);
	expect_ev(&ev[2], 101, HF_PA_SEND_PROBE, pool[1]);
	expect_ev(&ev[3], 201, HF_PA_BOUND, pool[1]);
	assert_int_equal(hf_probeaddr_bound(&pa), pool[1]);
	assert_int_equal(pa.stats.probes_sent, 5);
	assert_int_equal(pa.stats.rejected, 1);
}

/* A conflict in the wait after the last probe, one ms before binding, still counts. */
static void
test_conflict_during_wait(void **state)
{
	const uint32_t pool[2] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251)};
	struct hf_probeaddr pa;
	struct ev ev[16];
	unsigned int n;

	(void)state;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 2, 0), 0);
	n = run(&pa, 0, 160, ev, 16);
	assert_int_equal(n, 3);
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 159), HF_PA_CONFLICT_NEXT);
	n = run(&pa, 160, 1000, ev, 16);
	assert_int_equal(n, 4);
	expect_ev(&ev[0], 160, HF_PA_SEND_PROBE, pool[1]);
	expect_ev(&ev[3], 320, HF_PA_BOUND, pool[1]);
}

/* Every candidate in use: EXHAUSTED once, then a new round after HF_PA_RETRY_MS. */
static void
test_exhausted(void **state)
{
	const uint32_t pool[3] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251), IP4(192, 0, 2, 252)};
	struct hf_probeaddr pa;
	struct ev ev[16];
	unsigned int n, i;
	uint64_t t = 0;

	(void)state;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 3, 0), 0);
	for (i = 0; i < 3; i++) {
		n = run(&pa, t, t + 10, ev, 16);
		assert_int_equal(n, 1);
		expect_ev(&ev[0], t, HF_PA_SEND_PROBE, pool[i]);
		assert_int_equal(hf_probeaddr_conflict(&pa, pool[i], t + 10), HF_PA_CONFLICT_NEXT);
		t += 10;
	}
	assert_int_equal(hf_probeaddr_candidate(&pa), 0);
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[2], t), HF_PA_CONFLICT_NONE);
	n = run(&pa, t, t + HF_PA_RETRY_MS, ev, 16);
	assert_int_equal(n, 1);
	expect_ev(&ev[0], t, HF_PA_EXHAUSTED, 0);
	assert_int_equal(hf_probeaddr_bound(&pa), 0);
	assert_int_equal(pa.stats.probes_sent, 3);
	assert_int_equal(pa.stats.rejected, 3);

	/* Retry: the first candidate again, exactly HF_PA_RETRY_MS after exhaustion. */
	n = run(&pa, t + HF_PA_RETRY_MS, t + HF_PA_RETRY_MS + 1000, ev, 16);
	assert_int_equal(n, 4);
	expect_ev(&ev[0], t + HF_PA_RETRY_MS, HF_PA_SEND_PROBE, pool[0]);
	expect_ev(&ev[3], t + HF_PA_RETRY_MS + 160, HF_PA_BOUND, pool[0]);
	assert_int_equal(pa.stats.rounds, 2);
	assert_int_equal(pa.stats.probes_sent, 6);
}

/* Bound: conflicts are counted, the address kept, defended once per interval. */
static void
test_defend(void **state)
{
	const uint32_t pool[1] = {IP4(192, 0, 2, 250)};
	struct hf_probeaddr pa;
	struct ev ev[16];

	(void)state;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 1, 0), 0);
	assert_int_equal(run(&pa, 0, 200, ev, 16), 4);
	assert_int_equal(hf_probeaddr_bound(&pa), pool[0]);

	assert_int_equal(hf_probeaddr_conflict(&pa, IP4(192, 0, 2, 9), 500), HF_PA_CONFLICT_NONE);
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 1000), HF_PA_CONFLICT_DEFEND);
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 1001), HF_PA_CONFLICT_SEEN);
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 1000 + HF_PA_DEFEND_INTERVAL_MS - 1),
		HF_PA_CONFLICT_SEEN);
	assert_int_equal(hf_probeaddr_conflict(&pa, pool[0], 1000 + HF_PA_DEFEND_INTERVAL_MS),
		HF_PA_CONFLICT_DEFEND);
	assert_int_equal(pa.stats.conflicts, 4);
	assert_int_equal(pa.stats.defends, 2);
	assert_int_equal(hf_probeaddr_bound(&pa), pool[0]);
	assert_int_equal(run(&pa, 200, 30000, ev, 16), 0);
}

static void
parse_ok(const uint8_t *f, int len, struct hf_pkt_info *pi)
{
	assert_int_equal(len, HF_ETH_MIN_FRAME);
	assert_int_equal(hf_pkt_parse(f, (uint32_t)len, pi), HF_PKT_OK);
	assert_int_equal(pi->kind, HF_PKT_ARP);
}

static void
test_build(void **state)
{
	const uint32_t ip = IP4(192, 0, 2, 250);
	static const struct hf_mac zero = {{0}};
	uint8_t f[64];
	struct hf_pkt_info pi;
	unsigned int i;

	(void)state;
	parse_ok(f, hf_probeaddr_build(f, sizeof(f), &our_mac, NULL, ip, false), &pi);
	for (i = 0; i < 6; i++)
		assert_int_equal(f[i], 0xff);
	assert_memory_equal(f + 6, our_mac.b, 6);
	assert_int_equal(pi.arp_op, HF_ARP_OP_REQUEST);
	assert_memory_equal(pi.arp_sha.b, our_mac.b, 6);
	assert_int_equal(pi.arp_sip, 0);
	assert_memory_equal(pi.arp_tha.b, zero.b, 6);
	assert_int_equal(pi.arp_tip, ip);

	parse_ok(f, hf_probeaddr_build(f, sizeof(f), &our_mac, NULL, ip, true), &pi);
	assert_int_equal(pi.arp_op, HF_ARP_OP_REQUEST);
	assert_int_equal(pi.arp_sip, ip);
	assert_int_equal(pi.arp_tip, ip);

	assert_int_equal(hf_probeaddr_build(f, 59, &our_mac, NULL, ip, false), -ENOSPC);
	assert_int_equal(hf_probeaddr_build(f, sizeof(f), NULL, NULL, ip, false), -EINVAL);
}

/* An ARP frame from mac with the given fields, parsed. */
static struct hf_pkt_info
arp(const struct hf_mac *mac, uint16_t op, uint32_t sip, uint32_t tip)
{
	static const struct hf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	struct hf_pkt_info pi;
	uint8_t f[64];

	parse_ok(f, hf_arp_build(f, sizeof(f), &bcast, mac, op, mac, sip, &bcast, tip), &pi);
	return pi;
}

/* The frame-level rules, while probing and once bound. */
static void
test_arp_rules(void **state)
{
	const uint32_t pool[3] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251), IP4(192, 0, 2, 252)};
	const uint32_t other = IP4(192, 0, 2, 11);
	struct hf_probeaddr pa;
	struct hf_pkt_info pi;
	struct ev ev[16];

	(void)state;
	assert_int_equal(hf_probeaddr_init(&pa, pool, 3, 0), 0);
	assert_int_equal(run(&pa, 0, 1, ev, 16), 1);

	/* Our own probe looped back; unrelated ARP; a non-ARP frame. */
	pi = arp(&our_mac, HF_ARP_OP_REQUEST, 0, pool[0]);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 1), HF_PA_CONFLICT_NONE);
	pi = arp(&other_mac, HF_ARP_OP_REQUEST, other, IP4(192, 0, 2, 1));
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 1), HF_PA_CONFLICT_NONE);
	pi = arp(&other_mac, HF_ARP_OP_REQUEST, other, pool[0]); /* someone asks for it */
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 1), HF_PA_CONFLICT_NONE);
	pi.kind = HF_PKT_IPV4;
	pi.arp_sip = pool[0];
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 1), HF_PA_CONFLICT_NONE);
	assert_int_equal(hf_probeaddr_candidate(&pa), pool[0]);

	/* Another host's probe for the same candidate. */
	pi = arp(&other_mac, HF_ARP_OP_REQUEST, 0, pool[0]);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 2), HF_PA_CONFLICT_NEXT);
	assert_int_equal(hf_probeaddr_candidate(&pa), pool[1]);
	/* A reply from the candidate's owner. */
	pi = arp(&other_mac, HF_ARP_OP_REPLY, pool[1], 0);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 3), HF_PA_CONFLICT_NEXT);
	assert_int_equal(hf_probeaddr_candidate(&pa), pool[2]);

	/* pool[2] is free: bound. */
	assert_int_equal(run(&pa, 3, 1000, ev, 16), 4);
	expect_ev(&ev[3], 163, HF_PA_BOUND, pool[2]);

	/* Bound: a probe for our address is answered, not a conflict. */
	pi = arp(&other_mac, HF_ARP_OP_REQUEST, 0, pool[2]);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 2000), HF_PA_CONFLICT_NONE);
	/* Our own announcement: not a conflict. */
	pi = arp(&our_mac, HF_ARP_OP_REQUEST, pool[2], pool[2]);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 2000), HF_PA_CONFLICT_NONE);
	assert_int_equal(pa.stats.conflicts, 0);
	/* Someone else claiming it: defend. */
	pi = arp(&other_mac, HF_ARP_OP_REQUEST, pool[2], pool[2]);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 2000), HF_PA_CONFLICT_DEFEND);
	pi = arp(&other_mac, HF_ARP_OP_REPLY, pool[2], other);
	assert_int_equal(hf_probeaddr_arp(&pa, &pi, &our_mac, 2001), HF_PA_CONFLICT_SEEN);
	assert_int_equal(pa.stats.conflicts, 2);
	assert_int_equal(hf_probeaddr_bound(&pa), pool[2]);
}

/*
 * Two boxes with the same pool probing the same candidate at the same
 * moment each see the other's probe. Both backing off (RFC 5227's rule)
 * would move them in lockstep through the whole pool; instead the higher
 * MAC keeps the candidate and only the lower one moves on.
 */
static void
test_simultaneous_probe(void **state)
{
	const uint32_t pool[2] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251)};
	static const struct hf_mac lower = {{0x02, 0x00, 0x00, 0x00, 0x00, 0x00}};
	static const struct hf_mac higher = {{0x02, 0x00, 0x00, 0x00, 0x01, 0x00}};
	struct hf_probeaddr a, b;
	struct hf_pkt_info pa_probe, pb_probe;
	struct ev ev[16];
	unsigned int n;

	(void)state;
	/* a probes from our_mac, b from higher: both at once */
	assert_int_equal(hf_probeaddr_init(&a, pool, 2, 0), 0);
	assert_int_equal(hf_probeaddr_init(&b, pool, 2, 0), 0);
	assert_int_equal(run(&a, 0, 1, ev, 16), 1);
	assert_int_equal(run(&b, 0, 1, ev, 16), 1);
	pa_probe = arp(&our_mac, HF_ARP_OP_REQUEST, 0, pool[0]);
	pb_probe = arp(&higher, HF_ARP_OP_REQUEST, 0, pool[0]);

	/* b keeps pool[0]: a probe from a lower MAC is not a conflict */
	assert_int_equal(hf_probeaddr_arp(&b, &pa_probe, &higher, 1), HF_PA_CONFLICT_NONE);
	assert_int_equal(hf_probeaddr_candidate(&b), pool[0]);
	assert_int_equal(b.stats.rejected, 0);
	/* a moves on */
	assert_int_equal(hf_probeaddr_arp(&a, &pb_probe, &our_mac, 1), HF_PA_CONFLICT_NEXT);
	assert_int_equal(hf_probeaddr_candidate(&a), pool[1]);

	/* both finish: different addresses */
	n = run(&a, 1, 1000, ev, 16);
	assert_true(n >= 1);
	expect_ev(&ev[n - 1], 161, HF_PA_BOUND, pool[1]);
	n = run(&b, 1, 1000, ev, 16);
	expect_ev(&ev[n - 1], 160, HF_PA_BOUND, pool[0]);

	/* a lower MAC still loses to us once bound too: its probe is answered */
	pa_probe = arp(&lower, HF_ARP_OP_REQUEST, 0, pool[0]);
	assert_int_equal(hf_probeaddr_arp(&b, &pa_probe, &higher, 2000), HF_PA_CONFLICT_NONE);
	/* an announcement (sender = candidate) is a conflict whatever the MAC */
	assert_int_equal(hf_probeaddr_init(&b, pool, 2, 0), 0);
	pa_probe = arp(&lower, HF_ARP_OP_REQUEST, pool[0], pool[0]);
	assert_int_equal(hf_probeaddr_arp(&b, &pa_probe, &higher, 1), HF_PA_CONFLICT_NEXT);
}

/*
 * The tie between simultaneous probes must fall the same way on every
 * segment both boxes probe on. Box A (id 02:..:0a:01) and box B (id
 * 02:..:0b:01) meet on two segments; on the second, A's port MAC is the
 * higher one. Judged by the sender MAC alone, A would yield on the first
 * segment and B on the second: both give the candidate up. Our probes carry
 * the box's id in the target MAC (RFC 5227 leaves it unused), and a probe
 * that carries one is judged by it.
 */
static void
test_simultaneous_probe_segments(void **state)
{
	const uint32_t pool[2] = {IP4(192, 0, 2, 250), IP4(192, 0, 2, 251)};
	static const struct hf_mac bcast = {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}};
	static const struct hf_mac id_a = {{0x02, 0x00, 0x00, 0x00, 0x0a, 0x01}};
	static const struct hf_mac id_b = {{0x02, 0x00, 0x00, 0x00, 0x0b, 0x01}};
	/* segment 2: A's port MAC is higher than B's */
	static const struct hf_mac a2 = {{0x02, 0x00, 0x00, 0x00, 0x0c, 0x02}};
	static const struct hf_mac b2 = {{0x02, 0x00, 0x00, 0x00, 0x0b, 0x02}};
	struct hf_probeaddr a, b;
	struct hf_pkt_info pi;
	struct ev ev[16];
	uint8_t f[64];

	(void)state;
	assert_int_equal(hf_probeaddr_init(&a, pool, 2, 0), 0);
	assert_int_equal(hf_probeaddr_init(&b, pool, 2, 0), 0);
	hf_probeaddr_set_id(&a, &id_a);
	hf_probeaddr_set_id(&b, &id_b);
	assert_int_equal(run(&a, 0, 1, ev, 16), 1);
	assert_int_equal(run(&b, 0, 1, ev, 16), 1);

	/* a probe carries the id in its target MAC; an announcement does not */
	parse_ok(f, hf_probeaddr_build(f, sizeof(f), &a2, &id_a, pool[0], false), &pi);
	assert_memory_equal(pi.arp_tha.b, id_a.b, 6);
	assert_memory_equal(pi.arp_sha.b, a2.b, 6);
	assert_memory_equal(f + 6, a2.b, 6);
	assert_int_equal(pi.arp_sip, 0);

	/* B hears A's probe on segment 2: A's id is lower, B keeps the candidate */
	assert_int_equal(hf_probeaddr_arp(&b, &pi, &b2, 1), HF_PA_CONFLICT_NONE);
	assert_int_equal(hf_probeaddr_candidate(&b), pool[0]);
	/* A hears B's probe on segment 2 (B's port MAC lower there): A yields */
	parse_ok(f, hf_probeaddr_build(f, sizeof(f), &b2, &id_b, pool[0], false), &pi);
	assert_int_equal(hf_probeaddr_arp(&a, &pi, &a2, 1), HF_PA_CONFLICT_NEXT);
	assert_int_equal(hf_probeaddr_candidate(&a), pool[1]);

	/* a probe without an id (a stock host) is judged by its sender MAC */
	assert_int_equal(hf_probeaddr_init(&b, pool, 2, 0), 0);
	hf_probeaddr_set_id(&b, &id_b);
	parse_ok(f,
		hf_arp_build(f, sizeof(f), &bcast, &a2, HF_ARP_OP_REQUEST, &a2, 0,
			&(struct hf_mac){{0}}, pool[0]),
		&pi);
	assert_int_equal(hf_probeaddr_arp(&b, &pi, &b2, 1), HF_PA_CONFLICT_NEXT);
}

/* Same inputs, same outputs: two instances driven identically agree. */
static void
test_deterministic(void **state)
{
	const uint32_t pool[2] = {IP4(198, 51, 100, 7), IP4(198, 51, 100, 8)};
	struct hf_probeaddr a, b;
	struct ev ea[16], eb[16];
	unsigned int na, nb;

	(void)state;
	assert_int_equal(hf_probeaddr_init(&a, pool, 2, 77), 0);
	assert_int_equal(hf_probeaddr_init(&b, pool, 2, 77), 0);
	na = run(&a, 77, 100, ea, 16);
	nb = run(&b, 77, 100, eb, 16);
	hf_probeaddr_conflict(&a, pool[0], 100);
	hf_probeaddr_conflict(&b, pool[0], 100);
	na += run(&a, 100, 1000, ea + na, 16 - na);
	nb += run(&b, 100, 1000, eb + nb, 16 - nb);
	assert_int_equal(na, nb);
	assert_int_equal(na, 5);
	assert_memory_equal(ea, eb, na * sizeof(ea[0]));
	assert_int_equal(hf_probeaddr_bound(&a), pool[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_invalid),
		cmocka_unit_test(test_first_free),
		cmocka_unit_test(test_conflict_moves_on),
		cmocka_unit_test(test_conflict_during_wait),
		cmocka_unit_test(test_exhausted),
		cmocka_unit_test(test_defend),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_arp_rules),
		cmocka_unit_test(test_simultaneous_probe),
		cmocka_unit_test(test_simultaneous_probe_segments),
		cmocka_unit_test(test_deterministic),
	};

	return cmocka_run_group_tests_name("probeaddr", tests, NULL, NULL);
}
