/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health monitor unit tests. Time is a fake millisecond clock; every edge
 * (rise, fall, timeout deadline, probe cadence) is checked exactly at the
 * configured count or time and one step before it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <hyperflow/health.h>

static struct hf_health_conf
mkconf(enum hf_health_method m, uint32_t interval, uint32_t timeout, uint32_t rise, uint32_t fall)
{
	struct hf_health_conf c;

	memset(&c, 0, sizeof(c));
	c.method = m;
	c.interval_ms = interval;
	c.timeout_ms = timeout;
	c.rise = rise;
	c.fall = fall;
	return c;
}

static void
init(struct hf_health *h, uint32_t interval, uint32_t timeout, uint32_t rise, uint32_t fall,
	uint64_t now)
{
	struct hf_health_conf c = mkconf(HF_HEALTH_ARP, interval, timeout, rise, fall);

	assert_int_equal(hf_health_init(h, &c, now), 0);
}

/* A probe must be due exactly at now; returns its seq. */
static uint16_t
due(struct hf_health *h, uint64_t now)
{
	uint16_t seq = 0xdead;

	assert_true(hf_health_due(h, now, &seq));
	return seq;
}

static void
not_due(struct hf_health *h, uint64_t now)
{
	uint16_t seq = 0xbeef;

	assert_false(hf_health_due(h, now, &seq));
	assert_int_equal(seq, 0xbeef);
}

static void
assert_reason(const struct hf_health *h, const char *want)
{
	char buf[HF_HEALTH_REASON_MAX];

	assert_string_equal(hf_health_reason_str(h, buf, sizeof(buf)), want);
}

/* Bring a fresh monitor UP with one probe answered at now. */
static void
make_up(struct hf_health *h, uint64_t now)
{
	uint16_t s = due(h, now);

	assert_int_equal(hf_health_reply(h, s, now), HF_HT_UP);
	assert_true(hf_health_is_live(h));
}

/* One probe at now that times out: tick at the deadline returns the result. */
static enum hf_health_transition
fail_one(struct hf_health *h, uint64_t now)
{
	due(h, now);
	assert_int_equal(hf_health_tick(h, now + h->timeout_ms - 1), HF_HT_NONE);
	return hf_health_tick(h, now + h->timeout_ms);
}

static enum hf_health_transition
succeed_one(struct hf_health *h, uint64_t now)
{
	uint16_t s = due(h, now);

	return hf_health_reply(h, s, now + 1);
}

static void
test_init(void **state)
{
	struct hf_health h;
	struct hf_health_conf c = mkconf(HF_HEALTH_ICMP, 100, 300, 2, 3);

	(void)state;
	assert_int_equal(hf_health_init(NULL, &c, 0), -EINVAL);
	assert_int_equal(hf_health_init(&h, NULL, 0), -EINVAL);
	assert_int_equal(hf_health_init(&h, &c, 5000), 0);
	assert_int_equal(h.state, HF_HEALTH_UNKNOWN);
	assert_false(hf_health_is_live(&h));
	assert_int_equal(h.last_change, 5000);
	assert_reason(&h, "");
	assert_int_equal(h.stats.transitions, 0);
	assert_int_equal(hf_health_tick(&h, 5000), HF_HT_NONE);
	assert_string_equal(hf_health_state_str(HF_HEALTH_UNKNOWN), "unknown");
	assert_string_equal(hf_health_state_str(HF_HEALTH_UP), "up");
	assert_string_equal(hf_health_state_str(HF_HEALTH_DOWN), "down");
	assert_string_equal(hf_health_transition_str(HF_HT_IGNORED), "ignored");
}

/* First probe at init time, then exactly one per interval, seq increasing. */
static void
test_cadence(void **state)
{
	struct hf_health h;
	uint64_t t;
	uint32_t n = 0;
	uint16_t seq;

	(void)state;
	init(&h, 100, 300, 2, 3, 1000);
	not_due(&h, 999);
	for (t = 1000; t < 2000; t++) {
		if (hf_health_due(&h, t, &seq)) {
			assert_int_equal(t, 1000 + 100 * n);
			assert_int_equal(seq, n);
			n++;
		}
	}
	assert_int_equal(n, 10);
	assert_int_equal(h.stats.probes_sent, 10);

	/* A late caller delays the cadence; it never bursts to catch up. */
	assert_int_equal(due(&h, 2550), 10);
	not_due(&h, 2649);
	assert_int_equal(due(&h, 2650), 11);
}

static void
test_first_reply_from_unknown(void **state)
{
	struct hf_health h;
	uint16_t s;

	(void)state;
	init(&h, 100, 300, 5, 3, 0);
	s = due(&h, 0);
	assert_int_equal(hf_health_reply(&h, s, 7), HF_HT_UP); /* rise 5 not needed */
	assert_int_equal(h.state, HF_HEALTH_UP);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(h.last_change, 7);
	assert_reason(&h, "first reply");
	assert_int_equal(h.stats.replies, 1);
	assert_int_equal(h.stats.transitions, 1);
	assert_int_equal(h.nb_out, 0);
	/* Further successes change nothing. */
	assert_int_equal(succeed_one(&h, 100), HF_HT_NONE);
	assert_int_equal(h.stats.transitions, 1);
}

/* fall = 3: the third consecutive failure, at its exact deadline, and not before. */
static void
test_fall_exact(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 100, 50, 2, 3, 0);
	make_up(&h, 0);
	assert_int_equal(fail_one(&h, 100), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 200), HF_HT_NONE);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(h.fail_streak, 2);
	due(&h, 300);
	assert_int_equal(hf_health_tick(&h, 349), HF_HT_NONE);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(hf_health_tick(&h, 350), HF_HT_DOWN);
	assert_int_equal(h.state, HF_HEALTH_DOWN);
	assert_int_equal(h.last_change, 350);
	assert_reason(&h, "3 probes timed out");
	assert_int_equal(h.stats.timeouts, 3);
	assert_int_equal(h.stats.transitions, 2);
	/* Reported once; more failures stay DOWN quietly. */
	assert_int_equal(hf_health_tick(&h, 351), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 400), HF_HT_NONE);
	assert_int_equal(h.stats.transitions, 2);
}

/* fall = 1: a single failure is enough. */
static void
test_fall_one(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 100, 50, 1, 1, 0);
	make_up(&h, 0);
	assert_int_equal(fail_one(&h, 100), HF_HT_DOWN);
	assert_reason(&h, "1 probe timed out");
	assert_int_equal(succeed_one(&h, 200), HF_HT_UP);
	assert_reason(&h, "1 reply");
}

/* rise = 3 from DOWN: UP on the third consecutive reply, not the second. */
static void
test_rise_exact(void **state)
{
	struct hf_health h;
	uint16_t s;

	(void)state;
	init(&h, 100, 50, 3, 2, 0);
	make_up(&h, 0);
	assert_int_equal(fail_one(&h, 100), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 200), HF_HT_DOWN);
	assert_reason(&h, "2 probes timed out");

	assert_int_equal(succeed_one(&h, 300), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 400), HF_HT_NONE);
	assert_false(hf_health_is_live(&h));
	assert_int_equal(h.ok_streak, 2);
	s = due(&h, 500);
	assert_int_equal(hf_health_reply(&h, s, 549), HF_HT_UP); /* deadline 550 */
	assert_true(hf_health_is_live(&h));
	assert_int_equal(h.last_change, 549);
	assert_reason(&h, "3 replies");
	assert_int_equal(h.stats.transitions, 3);
}

/* From UNKNOWN, fall failures go to DOWN; fewer stay UNKNOWN. */
static void
test_fall_from_unknown(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 100, 50, 2, 3, 0);
	assert_int_equal(fail_one(&h, 0), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 100), HF_HT_NONE);
	assert_int_equal(h.state, HF_HEALTH_UNKNOWN);
	assert_int_equal(fail_one(&h, 200), HF_HT_DOWN);
	assert_int_equal(h.state, HF_HEALTH_DOWN);
	/* Out of DOWN the first reply is not enough: rise 2. */
	assert_int_equal(succeed_one(&h, 300), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 400), HF_HT_UP);
}

/* Failures interrupted by a success never reach fall; likewise for rise. */
static void
test_flapping(void **state)
{
	struct hf_health h;
	uint64_t t = 0;
	int i;

	(void)state;
	init(&h, 100, 50, 2, 3, 0);
	make_up(&h, t);
	for (i = 0; i < 20; i++) {
		t += 100;
		assert_int_equal(fail_one(&h, t), HF_HT_NONE);
		t += 100;
		assert_int_equal(fail_one(&h, t), HF_HT_NONE);
		t += 100;
		assert_int_equal(succeed_one(&h, t), HF_HT_NONE);
		assert_true(hf_health_is_live(&h));
	}
	assert_int_equal(h.stats.transitions, 1);
	assert_int_equal(h.stats.timeouts, 40);

	/* Now DOWN; alternating success/failure never reaches rise 2. */
	t += 100;
	assert_int_equal(fail_one(&h, t), HF_HT_NONE);
	t += 100;
	assert_int_equal(fail_one(&h, t), HF_HT_NONE);
	t += 100;
	assert_int_equal(fail_one(&h, t), HF_HT_DOWN);
	for (i = 0; i < 20; i++) {
		t += 100;
		assert_int_equal(succeed_one(&h, t), HF_HT_NONE);
		t += 100;
		assert_int_equal(fail_one(&h, t), HF_HT_NONE);
		assert_false(hf_health_is_live(&h));
	}
	assert_int_equal(h.stats.transitions, 2);
}

/* timeout > interval: several probes outstanding, replies out of order. */
static void
test_several_outstanding(void **state)
{
	struct hf_health h;
	uint16_t s0, s1, s2, s3;

	(void)state;
	init(&h, 100, 350, 2, 3, 0);
	s0 = due(&h, 0);
	s1 = due(&h, 100);
	s2 = due(&h, 200);
	s3 = due(&h, 300);
	assert_int_equal(h.nb_out, 4);
	assert_int_equal(hf_health_tick(&h, 300), HF_HT_NONE);
	assert_int_equal(h.nb_out, 4);

	/* Reply to the third one first: success, first reply -> UP. */
	assert_int_equal(hf_health_reply(&h, s2, 310), HF_HT_UP);
	assert_int_equal(h.nb_out, 3);
	/* s0 times out at 350, s1 at 450: failures, in send order. */
	assert_int_equal(hf_health_tick(&h, 349), HF_HT_NONE);
	assert_int_equal(h.nb_out, 3);
	assert_int_equal(hf_health_tick(&h, 350), HF_HT_NONE);
	assert_int_equal(h.stats.timeouts, 1);
	assert_int_equal(hf_health_reply(&h, s0, 351), HF_HT_IGNORED); /* already failed */
	assert_int_equal(hf_health_reply(&h, s1, 449), HF_HT_NONE);    /* just in time */
	assert_int_equal(h.fail_streak, 0);
	assert_int_equal(hf_health_reply(&h, s3, 500), HF_HT_NONE);
	assert_int_equal(h.nb_out, 0);
	assert_int_equal(h.stats.replies, 3);
	assert_int_equal(h.stats.ignored, 1);
}

/* Several failures expiring in one tick: one HF_HT_DOWN. */
static void
test_many_failures_one_tick(void **state)
{
	struct hf_health h;
	uint64_t t;

	(void)state;
	init(&h, 10, 100, 2, 3, 0);
	make_up(&h, 0);
	for (t = 10; t <= 60; t += 10)
		due(&h, t);
	assert_int_equal(h.nb_out, 6);
	assert_int_equal(hf_health_tick(&h, 500), HF_HT_DOWN);
	assert_int_equal(h.stats.timeouts, 6);
	assert_int_equal(h.stats.transitions, 2);
	assert_int_equal(h.nb_out, 0);
	assert_int_equal(h.last_change, 500);
	assert_int_equal(hf_health_tick(&h, 501), HF_HT_NONE);
}

/* interval > timeout: one probe at a time; the deadline is sent_at + timeout. */
static void
test_interval_gt_timeout(void **state)
{
	struct hf_health h;
	uint16_t s;

	(void)state;
	init(&h, 100, 30, 2, 2, 0);
	s = due(&h, 0);
	not_due(&h, 29);
	assert_int_equal(hf_health_reply(&h, s, 29), HF_HT_UP);
	/* A reply at exactly the deadline is late, even before the tick. */
	s = due(&h, 100);
	assert_int_equal(hf_health_reply(&h, s, 130), HF_HT_IGNORED);
	assert_int_equal(h.nb_out, 1);
	assert_int_equal(h.stats.timeouts, 0);
	assert_int_equal(hf_health_tick(&h, 130), HF_HT_NONE);
	assert_int_equal(h.stats.timeouts, 1);
	assert_int_equal(h.nb_out, 0);
	/* Ticks between probes find nothing. */
	assert_int_equal(hf_health_tick(&h, 199), HF_HT_NONE);
	assert_int_equal(h.stats.timeouts, 1);
	assert_int_equal(fail_one(&h, 200), HF_HT_DOWN);
	assert_int_equal(h.last_change, 230);
}

/* Unknown, duplicate, stale and late replies are counted and change nothing. */
static void
test_ignored_replies(void **state)
{
	struct hf_health h;
	uint16_t s0, s1;

	(void)state;
	init(&h, 100, 300, 2, 3, 0);
	/* Spoofed reply with nothing outstanding: UNKNOWN stays UNKNOWN. */
	assert_int_equal(hf_health_reply(&h, 0, 0), HF_HT_IGNORED);
	assert_int_equal(h.state, HF_HEALTH_UNKNOWN);
	assert_int_equal(h.stats.ignored, 1);

	s0 = due(&h, 0);
	assert_int_equal(hf_health_reply(&h, (uint16_t)(s0 + 1), 1), HF_HT_IGNORED); /* unknown */
	assert_int_equal(h.state, HF_HEALTH_UNKNOWN);
	assert_int_equal(hf_health_reply(&h, s0, 2), HF_HT_UP);
	assert_int_equal(hf_health_reply(&h, s0, 3), HF_HT_IGNORED); /* duplicate */
	assert_int_equal(h.stats.ignored, 3);
	assert_int_equal(h.stats.replies, 1);

	/* Two failures, then a stale reply to a failed probe: still counting to fall. */
	s1 = due(&h, 100);
	assert_int_equal(hf_health_tick(&h, 400), HF_HT_NONE);
	due(&h, 400);
	assert_int_equal(hf_health_tick(&h, 700), HF_HT_NONE);
	assert_int_equal(h.fail_streak, 2);
	assert_int_equal(hf_health_reply(&h, s1, 701), HF_HT_IGNORED);
	assert_int_equal(h.fail_streak, 2);
	assert_int_equal(h.ok_streak, 0);
	assert_int_equal(h.stats.ignored, 4);
	assert_int_equal(fail_one(&h, 800), HF_HT_DOWN);
	assert_int_equal(h.stats.replies, 1);
}

/* Replies without a sequence number (ARP) answer the oldest live probe. */
static void
test_reply_any(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 100, 150, 2, 3, 0);
	assert_int_equal(hf_health_reply_any(&h, 0), HF_HT_IGNORED);
	due(&h, 0);
	due(&h, 100);
	assert_int_equal(hf_health_reply_any(&h, 120), HF_HT_UP);
	assert_int_equal(h.nb_out, 1);
	assert_int_equal(h.out[h.out_head].seq, 1);
	/* seq 1 (sent at 100) expired at 250: a reply at 260 answers nothing. */
	assert_int_equal(hf_health_reply_any(&h, 260), HF_HT_IGNORED);
	assert_int_equal(h.stats.ignored, 2);
	/* An expired probe ahead of a live one is skipped, not answered. */
	due(&h, 200);
	assert_int_equal(hf_health_reply_any(&h, 260), HF_HT_NONE);
	assert_int_equal(h.nb_out, 1);
	assert_int_equal(h.fail_streak, 0);
	assert_int_equal(hf_health_tick(&h, 260), HF_HT_NONE);
	assert_int_equal(h.stats.timeouts, 1);
	assert_int_equal(h.nb_out, 0);
}

static void
test_link_down_up(void **state)
{
	struct hf_health h;
	uint16_t s_old;
	uint64_t t;

	(void)state;
	init(&h, 100, 300, 2, 3, 0);
	make_up(&h, 0);
	s_old = due(&h, 100);
	due(&h, 200);

	/* Link up while up: nothing changes, probes stay outstanding. */
	assert_int_equal(hf_health_link(&h, true, 210), HF_HT_NONE);
	assert_int_equal(h.nb_out, 2);
	not_due(&h, 210);
	assert_int_equal(hf_health_link(&h, false, 250), HF_HT_DOWN);
	assert_int_equal(h.state, HF_HEALTH_DOWN);
	assert_false(hf_health_is_live(&h));
	assert_int_equal(h.last_change, 250);
	assert_reason(&h, "link down");
	assert_int_equal(h.nb_out, 0);
	assert_int_equal(h.stats.timeouts, 0); /* dropped, not failed */
	assert_int_equal(hf_health_link(&h, false, 260), HF_HT_NONE);
	/* No probes while down; old replies ignored; ticks quiet. */
	for (t = 250; t < 5000; t += 10) {
		not_due(&h, t);
		assert_int_equal(hf_health_tick(&h, t), HF_HT_NONE);
	}
	assert_int_equal(hf_health_reply(&h, s_old, 300), HF_HT_IGNORED);
	assert_int_equal(h.stats.probes_sent, 3);

	/* Link up: probing resumes at once, DOWN until rise (2) replies. */
	assert_int_equal(hf_health_link(&h, true, 5000), HF_HT_NONE);
	assert_int_equal(h.state, HF_HEALTH_DOWN);
	assert_int_equal(hf_health_link(&h, true, 5000), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 5000), HF_HT_NONE);
	assert_false(hf_health_is_live(&h));
	assert_int_equal(succeed_one(&h, 5100), HF_HT_UP);
	assert_reason(&h, "2 replies");
	assert_int_equal(h.stats.transitions, 3);
}

/* Link down from UNKNOWN, then up: the "first reply" shortcut is gone. */
static void
test_link_down_from_unknown(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 100, 300, 3, 3, 0);
	assert_int_equal(hf_health_link(&h, false, 0), HF_HT_DOWN);
	assert_int_equal(hf_health_link(&h, true, 10), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 10), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 110), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 210), HF_HT_UP);
}

/* After link up, an interrupted run of replies starts counting again. */
static void
test_link_up_rise_interrupted(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 100, 50, 2, 3, 0);
	make_up(&h, 0);
	assert_int_equal(fail_one(&h, 100), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 200), HF_HT_NONE);
	assert_int_equal(hf_health_link(&h, false, 300), HF_HT_DOWN);
	assert_int_equal(hf_health_link(&h, true, 400), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 400), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 500), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 600), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 700), HF_HT_UP);
}

/* A short link bounce: the probe is due at link up, not at the old cadence. */
static void
test_link_bounce_probes_at_once(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 1000, 300, 1, 3, 0);
	make_up(&h, 0);
	assert_int_equal(hf_health_link(&h, false, 100), HF_HT_DOWN);
	not_due(&h, 150);
	assert_int_equal(hf_health_link(&h, true, 150), HF_HT_NONE);
	assert_int_equal(due(&h, 150), 1);
	not_due(&h, 1149);
	assert_int_equal(hf_health_reply(&h, 1, 160), HF_HT_UP); /* rise 1 */
	assert_int_equal(due(&h, 1150), 2);
}

static void
test_method_none(void **state)
{
	struct hf_health h;
	struct hf_health_conf c = mkconf(HF_HEALTH_NONE, 100, 300, 2, 3);
	uint64_t t;

	(void)state;
	assert_int_equal(hf_health_init(&h, &c, 42), 0);
	assert_int_equal(h.state, HF_HEALTH_UP);
	assert_true(hf_health_is_live(&h));
	assert_reason(&h, "no health check");
	assert_int_equal(h.stats.transitions, 0);
	for (t = 42; t < 2000; t += 7) {
		not_due(&h, t);
		assert_int_equal(hf_health_tick(&h, t), HF_HT_NONE);
	}
	assert_int_equal(h.stats.probes_sent, 0);
	assert_int_equal(hf_health_reply(&h, 0, 100), HF_HT_IGNORED);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(hf_health_link(&h, false, 2000), HF_HT_DOWN);
	assert_false(hf_health_is_live(&h));
	not_due(&h, 2500);
	assert_int_equal(hf_health_link(&h, true, 3000), HF_HT_UP);
	assert_true(hf_health_is_live(&h));
	assert_reason(&h, "link up");
	assert_int_equal(h.last_change, 3000);
	not_due(&h, 3000);
	assert_int_equal(h.stats.transitions, 2);
}

/*
 * Detection time: interval 50, timeout 50, fall 3. A member that answers
 * every probe at once until t and nothing from t on is DOWN by
 * t + fall * interval + interval at the latest, and not before
 * t + (fall - 1) * interval + timeout (no premature DOWN). Every stop time
 * over two intervals, the loop running every millisecond.
 */
static void
test_detection_time(void **state)
{
	const uint32_t interval = 50, timeout = 50, fall = 3;
	uint64_t stop, t, down_at;

	(void)state;
	for (stop = 1000; stop < 1000 + 2 * interval; stop++) {
		struct hf_health h;
		uint16_t seq;

		init(&h, interval, timeout, 2, fall, 0);
		down_at = 0;
		for (t = 0; t < stop + 10 * interval && down_at == 0; t++) {
			if (hf_health_tick(&h, t) == HF_HT_DOWN)
				down_at = t;
			if (hf_health_due(&h, t, &seq) && t < stop)
				assert_int_not_equal(hf_health_reply(&h, seq, t), HF_HT_IGNORED);
			if (t < stop && t > 0)
				assert_true(hf_health_is_live(&h));
		}
		assert_int_not_equal(down_at, 0);
		assert_true(down_at <= stop + fall * interval + interval);
		assert_true(down_at >= stop + (fall - 1) * interval + timeout);
		assert_int_equal(h.state, HF_HEALTH_DOWN);
	}
}

/* A full ring evicts the oldest as a failure; the DOWN is reported by the next tick. */
static void
test_ring_overflow(void **state)
{
	struct hf_health h;
	uint64_t t;
	uint32_t i;

	(void)state;
	init(&h, 10, 100000, 2, 3, 0);
	make_up(&h, 0); /* seq 0 answered */
	for (i = 1; i <= HF_HEALTH_MAX_OUTSTANDING; i++)
		due(&h, i * 10);
	assert_int_equal(h.nb_out, HF_HEALTH_MAX_OUTSTANDING);
	assert_int_equal(h.stats.overflows, 0);

	t = (HF_HEALTH_MAX_OUTSTANDING + 1) * 10;
	assert_int_equal(due(&h, t), HF_HEALTH_MAX_OUTSTANDING + 1);
	assert_int_equal(h.nb_out, HF_HEALTH_MAX_OUTSTANDING);
	assert_int_equal(h.stats.overflows, 1);
	assert_int_equal(h.stats.timeouts, 1);
	assert_int_equal(hf_health_reply(&h, 1, t), HF_HT_IGNORED); /* evicted */
	due(&h, t + 10);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(hf_health_tick(&h, t + 10), HF_HT_NONE);
	due(&h, t + 20);
	assert_int_equal(h.state, HF_HEALTH_DOWN); /* third eviction */
	assert_int_equal(h.stats.overflows, 3);
	/* Reported by the next reporting call, even an ignored reply (still counted). */
	assert_int_equal(hf_health_reply(&h, 2, t + 20), HF_HT_DOWN);
	assert_int_equal(h.stats.ignored, 2);
	assert_int_equal(hf_health_tick(&h, t + 20), HF_HT_NONE);
	assert_int_equal(hf_health_reply(&h, 2, t + 21), HF_HT_IGNORED);
	assert_reason(&h, "3 probes timed out");
	/* The remaining outstanding probes are still answerable, in the ring's order. */
	assert_int_equal(hf_health_reply(&h, 4, t + 30), HF_HT_NONE);
	assert_int_equal(hf_health_reply(&h, 5, t + 30), HF_HT_UP);
}

/* A DOWN inside hf_health_due and an UP before the next report: nothing reported. */
static void
test_down_up_between_reports(void **state)
{
	struct hf_health h;
	uint32_t i;

	(void)state;
	init(&h, 10, 100000, 1, 1, 0);
	make_up(&h, 0);
	for (i = 1; i <= HF_HEALTH_MAX_OUTSTANDING + 1; i++)
		due(&h, i * 10);
	assert_int_equal(h.state, HF_HEALTH_DOWN);
	assert_int_equal(hf_health_reply(&h, 2, 200), HF_HT_NONE);
	assert_int_equal(h.state, HF_HEALTH_UP);
	assert_int_equal(h.stats.transitions, 3);
	assert_int_equal(hf_health_tick(&h, 200), HF_HT_NONE);
}

/* Sequence numbers wrap at 16 bits and still match. */
static void
test_seq_wrap(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 10, 100, 2, 3, 0);
	h.next_seq = 65534;
	assert_int_equal(due(&h, 0), 65534);
	assert_int_equal(due(&h, 10), 65535);
	assert_int_equal(due(&h, 20), 0);
	assert_int_equal(hf_health_reply(&h, 0, 25), HF_HT_UP);
	assert_int_equal(hf_health_reply(&h, 65535, 25), HF_HT_NONE);
	assert_int_equal(hf_health_reply(&h, 65534, 25), HF_HT_NONE);
	assert_int_equal(h.nb_out, 0);
}

/* Zero rise/fall/interval read as 1 (config validation forbids them anyway). */
static void
test_zero_conf(void **state)
{
	struct hf_health h;

	(void)state;
	init(&h, 0, 0, 0, 0, 0);
	assert_int_equal(h.interval_ms, 1);
	assert_int_equal(h.rise, 1);
	assert_int_equal(h.fall, 1);
	due(&h, 0);
	not_due(&h, 0);
	assert_int_equal(hf_health_tick(&h, 1), HF_HT_DOWN);
	assert_int_equal(due(&h, 1), 1);
	assert_int_equal(hf_health_reply(&h, 1, 2), HF_HT_IGNORED); /* age 1 = timeout */
	assert_int_equal(due(&h, 2), 2);
	assert_int_equal(hf_health_reply(&h, 2, 2), HF_HT_UP);
}

/* Same method: state, streaks and outstanding probes kept; the new interval
 * counts from the last probe, the new fall decides. */
static void
test_reconfigure_same_method(void **state)
{
	struct hf_health h;
	struct hf_health_conf c = mkconf(HF_HEALTH_ARP, 300, 500, 3, 2);
	uint16_t s2;

	(void)state;
	init(&h, 100, 300, 2, 3, 0);
	make_up(&h, 0);
	due(&h, 100);
	s2 = due(&h, 200);                     /* outstanding across the change */
	assert_int_equal(hf_health_tick(&h, 400), HF_HT_NONE);   /* the probe of 100 failed */
	assert_int_equal(hf_health_reconfigure(&h, &c, 410), HF_HT_NONE);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(h.stats.transitions, 1);
	assert_int_equal(h.fail_streak, 1);
	assert_int_equal(h.nb_out, 1);
	/* the last probe went at 200: the next is due at 200 + 300 */
	not_due(&h, 499);
	due(&h, 500);
	/* the probe of 200 now has 500 ms: a reply at 650 counts */
	assert_int_equal(hf_health_reply(&h, s2, 650), HF_HT_NONE);
	assert_int_equal(h.fail_streak, 0);
	/* the new fall (2): two failures in a row bring it down */
	assert_int_equal(hf_health_tick(&h, 1000), HF_HT_NONE);   /* the probe of 500 failed */
	assert_int_equal(fail_one(&h, 1000), HF_HT_DOWN);
	assert_reason(&h, "2 probes timed out");
}

/* Another method (or target): state kept, probes dropped uncounted, probe at once. */
static void
test_reconfigure_other_method(void **state)
{
	struct hf_health h;
	struct hf_health_conf icmp = mkconf(HF_HEALTH_ICMP, 100, 300, 2, 3);
	struct hf_health_conf tun = mkconf(HF_HEALTH_TUNNEL, 100, 300, 2, 3);
	uint16_t s;

	(void)state;
	init(&h, 100, 300, 2, 3, 0);
	make_up(&h, 0);
	s = due(&h, 100);
	assert_int_equal(hf_health_reconfigure(&h, &icmp, 150), HF_HT_NONE);
	assert_true(hf_health_is_live(&h));
	assert_int_equal(h.nb_out, 0);
	assert_int_equal(h.stats.timeouts, 0);
	/* the old probe's reply, still within its timeout: ignored */
	assert_int_equal(hf_health_reply(&h, s, 150), HF_HT_IGNORED);
	due(&h, 150);                          /* the new kind probes at once */
	/* a new target is another question too */
	tun.target = 0x01020304;
	assert_int_equal(hf_health_reconfigure(&h, &tun, 170), HF_HT_NONE);
	assert_int_equal(h.nb_out, 0);
	due(&h, 170);
	tun.target = 0x05060708;
	assert_int_equal(hf_health_reconfigure(&h, &tun, 180), HF_HT_NONE);
	assert_int_equal(h.nb_out, 0);
	/* UP stays UP until fall failures of the new kind (each probe is sent
	 * when the previous one times out: the clock only moves forward) */
	assert_int_equal(fail_one(&h, 180), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 480), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 780), HF_HT_DOWN);
	/* a DOWN member stays DOWN across a change and needs rise successes */
	assert_int_equal(hf_health_reconfigure(&h, &icmp, 1100), HF_HT_NONE);
	assert_false(hf_health_is_live(&h));
	assert_int_equal(succeed_one(&h, 1100), HF_HT_NONE);
	assert_int_equal(succeed_one(&h, 1200), HF_HT_UP);
}

/* To method none: UP at once (link up), probes stop; from none: UP kept. */
static void
test_reconfigure_none(void **state)
{
	struct hf_health h;
	struct hf_health_conf none = mkconf(HF_HEALTH_NONE, 100, 300, 2, 3);
	struct hf_health_conf arp = mkconf(HF_HEALTH_ARP, 100, 300, 2, 3);

	(void)state;
	init(&h, 100, 300, 2, 3, 0);
	assert_int_equal(fail_one(&h, 0), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 300), HF_HT_NONE);
	assert_int_equal(fail_one(&h, 600), HF_HT_DOWN);
	assert_int_equal(hf_health_reconfigure(&h, &none, 1000), HF_HT_UP);
	assert_true(hf_health_is_live(&h));
	assert_reason(&h, "no health check");
	not_due(&h, 5000);
	assert_int_equal(hf_health_reconfigure(&h, &arp, 6000), HF_HT_NONE);
	assert_true(hf_health_is_live(&h));
	due(&h, 6000);
	/* link down, then none: stays down until the link comes back */
	assert_int_equal(hf_health_link(&h, false, 6100), HF_HT_DOWN);
	assert_int_equal(hf_health_reconfigure(&h, &none, 6200), HF_HT_NONE);
	assert_false(hf_health_is_live(&h));
	assert_int_equal(hf_health_link(&h, true, 6300), HF_HT_UP);
	assert_int_equal(hf_health_reconfigure(NULL, &none, 6300), HF_HT_NONE);
	assert_int_equal(hf_health_reconfigure(&h, NULL, 6300), HF_HT_NONE);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init),
		cmocka_unit_test(test_reconfigure_same_method),
		cmocka_unit_test(test_reconfigure_other_method),
		cmocka_unit_test(test_reconfigure_none),
		cmocka_unit_test(test_cadence),
		cmocka_unit_test(test_first_reply_from_unknown),
		cmocka_unit_test(test_fall_exact),
		cmocka_unit_test(test_fall_one),
		cmocka_unit_test(test_rise_exact),
		cmocka_unit_test(test_fall_from_unknown),
		cmocka_unit_test(test_flapping),
		cmocka_unit_test(test_several_outstanding),
		cmocka_unit_test(test_many_failures_one_tick),
		cmocka_unit_test(test_interval_gt_timeout),
		cmocka_unit_test(test_ignored_replies),
		cmocka_unit_test(test_reply_any),
		cmocka_unit_test(test_link_down_up),
		cmocka_unit_test(test_link_down_from_unknown),
		cmocka_unit_test(test_link_up_rise_interrupted),
		cmocka_unit_test(test_link_bounce_probes_at_once),
		cmocka_unit_test(test_method_none),
		cmocka_unit_test(test_detection_time),
		cmocka_unit_test(test_ring_overflow),
		cmocka_unit_test(test_down_up_between_reports),
		cmocka_unit_test(test_seq_wrap),
		cmocka_unit_test(test_zero_conf),
	};

	return cmocka_run_group_tests_name("health", tests, NULL, NULL);
}
