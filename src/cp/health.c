/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-member health monitor (see health.h). Pure state machine: no
 * allocation, no logging, no clock of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <hyperflow/health.h>

/* Reasons: static strings, compared by address in hf_health_reason_str. */
static const char R_TIMEOUTS[] = "probes timed out";
static const char R_REPLIES[] = "replies";
static const char R_FIRST_REPLY[] = "first reply";
static const char R_LINK_DOWN[] = "link down";
static const char R_LINK_UP[] = "link up";
static const char R_NO_CHECK[] = "no health check";

static inline uint32_t
at_least_one(uint32_t v)
{
	return v == 0 ? 1 : v;
}

static void
set_state(struct hf_health *h, enum hf_health_state s, uint64_t now, const char *reason,
	uint32_t count)
{
	h->state = s;
	h->ok_streak = 0;
	h->fail_streak = 0;
	h->last_change = now;
	h->reason = reason;
	h->reason_count = count;
	h->stats.transitions++;
}

/* The change since the last report, reported once. */
static enum hf_health_transition
report(struct hf_health *h)
{
	if (h->state == h->reported)
		return HF_HT_NONE;
	h->reported = h->state;
	switch (h->state) {
	case HF_HEALTH_UP:
		return HF_HT_UP;
	case HF_HEALTH_DOWN:
		return HF_HT_DOWN;
	default:
		/* Nothing goes back to UNKNOWN. */
		return HF_HT_NONE;
	}
}

static void
on_success(struct hf_health *h, uint64_t now)
{
	h->stats.replies++;
	h->fail_streak = 0;
	h->ok_streak++;
	if (h->state == HF_HEALTH_UNKNOWN)
		set_state(h, HF_HEALTH_UP, now, R_FIRST_REPLY, 0);
	else if (h->state == HF_HEALTH_DOWN && h->ok_streak >= h->rise)
		set_state(h, HF_HEALTH_UP, now, R_REPLIES, h->ok_streak);
}

static void
on_failure(struct hf_health *h, uint64_t now)
{
	h->stats.timeouts++;
	h->ok_streak = 0;
	h->fail_streak++;
	if (h->state != HF_HEALTH_DOWN && h->fail_streak >= h->fall)
		set_state(h, HF_HEALTH_DOWN, now, R_TIMEOUTS, h->fail_streak);
}

static inline struct hf_health_probe *
out_at(struct hf_health *h, uint32_t i)
{
	return &h->out[(h->out_head + i) % HF_HEALTH_MAX_OUTSTANDING];
}

static void
out_pop_oldest(struct hf_health *h)
{
	h->out_head = (h->out_head + 1) % HF_HEALTH_MAX_OUTSTANDING;
	h->nb_out--;
}

/* Remove entry i (0 = oldest), keeping the others in send order. */
static void
out_remove(struct hf_health *h, uint32_t i)
{
	for (; i + 1 < h->nb_out; i++)
		*out_at(h, i) = *out_at(h, i + 1);
	h->nb_out--;
}

static inline bool
out_expired(const struct hf_health *h, const struct hf_health_probe *p, uint64_t now)
{
	return now - p->sent_at >= h->timeout_ms;
}

/* The settings of c, as the monitor uses them (zero rise/fall/interval read as 1). */
static void
set_conf(struct hf_health *h, const struct hf_health_conf *c)
{
	h->method = c->method;
	h->interval_ms = at_least_one(c->interval_ms);
	h->timeout_ms = at_least_one(c->timeout_ms);
	h->rise = at_least_one(c->rise);
	h->fall = at_least_one(c->fall);
	h->target = c->target;
}

int
hf_health_init(struct hf_health *h, const struct hf_health_conf *c, uint64_t now)
{
	if (h == NULL || c == NULL)
		return -EINVAL;

	memset(h, 0, sizeof(*h));
	set_conf(h, c);
	h->link_up = true;
	h->next_due = now;
	h->last_change = now;
	h->reason = "";
	if (h->method == HF_HEALTH_NONE) {
		h->state = HF_HEALTH_UP;
		h->reason = R_NO_CHECK;
	} else {
		h->state = HF_HEALTH_UNKNOWN;
	}
	h->reported = h->state;
	return 0;
}

enum hf_health_transition
hf_health_reconfigure(struct hf_health *h, const struct hf_health_conf *c, uint64_t now)
{
	uint64_t last_sent;
	bool same;

	if (h == NULL || c == NULL)
		return HF_HT_NONE;
	same = c->method == h->method && c->target == h->target;
	last_sent = h->next_due >= h->interval_ms ? h->next_due - h->interval_ms : 0;
	set_conf(h, c);
	if (same) {
		h->next_due = last_sent + h->interval_ms;
		return report(h);
	}
	h->nb_out = 0;
	h->out_head = 0;
	h->ok_streak = 0;
	h->fail_streak = 0;
	h->next_due = now;
	if (h->method == HF_HEALTH_NONE && h->link_up && h->state != HF_HEALTH_UP)
		set_state(h, HF_HEALTH_UP, now, R_NO_CHECK, 0);
	return report(h);
}

bool
hf_health_due(struct hf_health *h, uint64_t now, uint16_t *seq)
{
	struct hf_health_probe *p;

	if (!hf_health_probe_pending(h, now))
		return false;

	if (h->nb_out == HF_HEALTH_MAX_OUTSTANDING) {
		/* Make room: the oldest has waited longest, it fails. */
		out_pop_oldest(h);
		h->stats.overflows++;
		on_failure(h, now);
	}
	p = out_at(h, h->nb_out);
	p->seq = h->next_seq;
	p->sent_at = now;
	h->nb_out++;

	*seq = h->next_seq++;
	h->next_due = now + h->interval_ms;
	h->stats.probes_sent++;
	return true;
}

enum hf_health_transition
hf_health_reply(struct hf_health *h, uint16_t seq, uint64_t now)
{
	enum hf_health_transition t;
	uint32_t i;

	for (i = 0; i < h->nb_out; i++) {
		struct hf_health_probe *p = out_at(h, i);

		if (p->seq != seq)
			continue;
		if (out_expired(h, p, now))
			break; /* late: the next tick fails it */
		out_remove(h, i);
		on_success(h, now);
		return report(h);
	}
	h->stats.ignored++;
	t = report(h);
	return t == HF_HT_NONE ? HF_HT_IGNORED : t;
}

enum hf_health_transition
hf_health_reply_any(struct hf_health *h, uint64_t now)
{
	enum hf_health_transition t;
	uint32_t i;

	/* Expired probes form a prefix (constant timeout, send order). */
	for (i = 0; i < h->nb_out; i++) {
		if (out_expired(h, out_at(h, i), now))
			continue;
		out_remove(h, i);
		on_success(h, now);
		return report(h);
	}
	h->stats.ignored++;
	t = report(h);
	return t == HF_HT_NONE ? HF_HT_IGNORED : t;
}

enum hf_health_transition
hf_health_tick(struct hf_health *h, uint64_t now)
{
	while (h->nb_out > 0 && out_expired(h, out_at(h, 0), now)) {
		out_pop_oldest(h);
		on_failure(h, now);
	}
	return report(h);
}

enum hf_health_transition
hf_health_link(struct hf_health *h, bool up, uint64_t now)
{
	if (up == h->link_up)
		return report(h);

	h->link_up = up;
	h->nb_out = 0;
	h->out_head = 0;
	h->ok_streak = 0;
	h->fail_streak = 0;
	if (!up) {
		if (h->state != HF_HEALTH_DOWN)
			set_state(h, HF_HEALTH_DOWN, now, R_LINK_DOWN, 0);
	} else if (h->method == HF_HEALTH_NONE) {
		set_state(h, HF_HEALTH_UP, now, R_LINK_UP, 0);
	} else {
		h->next_due = now;
	}
	return report(h);
}

const char *
hf_health_state_str(enum hf_health_state s)
{
	switch (s) {
	case HF_HEALTH_UNKNOWN:
		return "unknown";
	case HF_HEALTH_UP:
		return "up";
	case HF_HEALTH_DOWN:
		return "down";
	}
	return "invalid";
}

const char *
hf_health_transition_str(enum hf_health_transition t)
{
	switch (t) {
	case HF_HT_NONE:
		return "none";
	case HF_HT_UP:
		return "up";
	case HF_HT_DOWN:
		return "down";
	case HF_HT_IGNORED:
		return "ignored";
	}
	return "invalid";
}

const char *
hf_health_reason_str(const struct hf_health *h, char *buf, size_t size)
{
	const char *r = h->reason != NULL ? h->reason : "";

	if (buf == NULL || size == 0)
		return buf;
	if (h->reason_count == 1 && r == R_TIMEOUTS)
		snprintf(buf, size, "1 probe timed out");
	else if (h->reason_count == 1 && r == R_REPLIES)
		snprintf(buf, size, "1 reply");
	else if (h->reason_count > 0)
		snprintf(buf, size, "%u %s", h->reason_count, r);
	else
		snprintf(buf, size, "%s", r);
	return buf;
}

uint32_t
hf_health_window(const struct hf_health *h)
{
	uint16_t last = (uint16_t)(h->next_seq - 1);
	uint32_t i, mask = 0;

	for (i = 0; i < h->nb_out; i++) {
		uint16_t d = (uint16_t)(last -
					h->out[(h->out_head + i) % HF_HEALTH_MAX_OUTSTANDING].seq);

		if (d < 16)
			mask |= 1u << d;
	}
	return mask != 0 ? (uint32_t)last << 16 | mask : 0;
}
