/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Per-member health monitor: a state machine with an injected clock
 * (milliseconds). It decides when a probe is due, matches replies to
 * outstanding probes by sequence number, times probes out, and turns the
 * results into UP/DOWN transitions with rise/fall hysteresis. It builds no
 * packet and sends nothing: the caller sends the probe (ARP, ICMP echo, or
 * ICMP echo through the member) and feeds back what it saw.
 *
 * States:
 *   UNKNOWN  after init; not live. The first success goes straight to UP
 *            (no rise needed); `fall` consecutive failures go to DOWN.
 *   UP       live. `fall` consecutive failures go to DOWN.
 *   DOWN     not live. `rise` consecutive successes go to UP.
 * A success resets the failure streak and vice versa, so alternating
 * results never reach fall (or rise) when both are > 1. Both streaks are
 * reset on every transition.
 *
 * Probes: hf_health_due() returns true at most once per interval_ms (the
 * first one at init time, then interval_ms after the previous one was
 * handed out, so a late caller delays the cadence instead of bursting) and
 * gives the probe's 16-bit sequence number. Up to HF_HEALTH_MAX_OUTSTANDING
 * probes may be outstanding (timeout_ms > interval_ms); when the ring is
 * full the oldest is declared failed to make room (counted in `overflows`
 * and `timeouts`). A probe's deadline is sent_at + timeout_ms: a reply at
 * now < deadline is a success; at now >= deadline the probe has failed,
 * whether hf_health_tick() has run yet or not (a reply that comes too late
 * is ignored and the probe is failed by the next tick).
 *
 * Replies: hf_health_reply() with an unknown, duplicate or late sequence
 * number returns HF_HT_IGNORED and counts it in stats.ignored: a spoofed or
 * stale reply is counted, never trusted. Methods whose replies carry no
 * sequence number (ARP) use hf_health_reply_any(), which answers the oldest
 * outstanding probe that has not timed out.
 *
 * Link: hf_health_link(h, false) puts the member DOWN at once, drops the
 * outstanding probes (not counted as failures) and stops probing until the
 * link comes back; then probing resumes at once and the member needs `rise`
 * successes (the UNKNOWN "first reply" shortcut does not apply). The
 * monitor starts with the link assumed up: call hf_health_link(h, false, now)
 * right after init when it is not.
 *
 * Method none: UP at init, never probes; link down -> DOWN, link up -> UP.
 *
 * Transitions: every function that returns enum hf_health_transition
 * reports the change of state since the last report, once: several
 * failures in one tick give one HF_HT_DOWN. A transition caused inside
 * hf_health_due() (ring overflow) is reported by the next reporting call,
 * normally the caller's next hf_health_tick(). If the state went away and
 * came back between two reports, nothing is reported (but stats.transitions
 * counted both).
 *
 * The struct holds no pointer except to static strings, so it may be
 * copied (e.g. to keep a member's health state across a reload).
 *
 * Thread-safety: none. Each struct hf_health is owned, written and read by
 * one thread, the control lcore. Other threads (telemetry) must read a copy
 * published by the control lcore, not the struct itself.
 */
#ifndef HF_HEALTH_H
#define HF_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyperflow/config.h>
#include <hyperflow/probewin.h>

#define HF_HEALTH_MAX_OUTSTANDING 16   /* outstanding probes per member */
#define HF_HEALTH_REASON_MAX      32   /* hf_health_reason_str buffer size */

enum hf_health_state {
	HF_HEALTH_UNKNOWN = 0,
	HF_HEALTH_UP,
	HF_HEALTH_DOWN,
};

enum hf_health_transition {
	HF_HT_NONE = 0,   /* state as last reported */
	HF_HT_UP,         /* now UP (was not, at the last report) */
	HF_HT_DOWN,       /* now DOWN (was not, at the last report) */
	HF_HT_IGNORED,    /* hf_health_reply*: reply matched no live probe */
};

struct hf_health_stats {
	uint64_t probes_sent;   /* hf_health_due() returned true */
	uint64_t replies;       /* replies accepted (successes) */
	uint64_t timeouts;      /* probes failed (timeout or overflow) */
	uint64_t overflows;     /* of which evicted from a full ring */
	uint64_t ignored;       /* unknown/duplicate/late replies */
	uint64_t transitions;   /* state changes, reported or not */
};

struct hf_health_probe {
	uint64_t sent_at;
	uint16_t seq;
};

struct hf_health {
	/* Configuration (copied at init; zero rise/fall/interval read as 1). */
	enum hf_health_method method;
	uint32_t interval_ms;
	uint32_t timeout_ms;
	uint32_t rise;
	uint32_t fall;
	uint32_t target;                /* tunnel method: far-end IPv4, as configured */

	enum hf_health_state state;
	enum hf_health_state reported;  /* state as of the last returned transition */
	bool link_up;
	uint16_t next_seq;              /* sequence number of the next probe */
	uint32_t ok_streak;             /* consecutive successes */
	uint32_t fail_streak;           /* consecutive failures */
	uint64_t next_due;              /* time the next probe is due */

	/* Outstanding probes, oldest first: out[(out_head + i) % MAX], i < nb_out. */
	uint32_t out_head;
	uint32_t nb_out;
	struct hf_health_probe out[HF_HEALTH_MAX_OUTSTANDING];

	/* The last transition: when, why, and the count that goes with why. */
	uint64_t last_change;
	const char *reason;             /* static string, see hf_health_reason_str */
	uint32_t reason_count;          /* probes/replies behind it, 0 if none */

	struct hf_health_stats stats;
};

/*
 * Start monitoring with conf c at time now: state UNKNOWN (UP for method
 * none), link up, no probe outstanding, the first probe due at now, the
 * sequence numbers starting at 0 (set h->next_seq after init to start
 * elsewhere). Returns 0, or -EINVAL when h or c is NULL.
 */
int hf_health_init(struct hf_health *h, const struct hf_health_conf *c, uint64_t now);

/*
 * New settings c for a running monitor at now (a reload that changed only
 * the health block): the state, the last transition and the statistics are
 * kept; only the timers restart.
 *  - Same method and target: outstanding probes and both streaks are kept
 *    (their replies still answer the same question) and judged by the new
 *    timeout, rise and fall; the next probe is due interval_ms (the new
 *    one) after the last was sent, or at once if that has passed.
 *  - Another method or target: outstanding probes are dropped (not counted
 *    as failures; a late reply to one is ignored), both streaks restart,
 *    and a probe is due at once. A member that was UP stays UP until `fall`
 *    probes of the new kind fail; one that was DOWN needs `rise` successes.
 *  - Method none: UP at once when the link is up (as at init).
 * Returns the transition this caused (HF_HT_UP when switching to none),
 * else HF_HT_NONE; -EINVAL-like misuse (NULL) returns HF_HT_NONE.
 */
enum hf_health_transition hf_health_reconfigure(struct hf_health *h, const struct hf_health_conf *c,
						uint64_t now);

/*
 * Pacing: the next probe is due at `at` (the cadence goes on from there).
 * The control plane spreads its members' probes over the interval so they
 * do not all leave, and come back, in the same millisecond.
 */
static inline void
hf_health_set_next_due(struct hf_health *h, uint64_t at)
{
	h->next_due = at;
}

/* Would hf_health_due(h, now) hand out a probe? (It changes nothing.) */
static inline bool
hf_health_probe_pending(const struct hf_health *h, uint64_t now)
{
	return h->method != HF_HEALTH_NONE && h->link_up && now >= h->next_due;
}

/*
 * Is a probe due at now? When it is, returns true once, sets *seq to the
 * probe's sequence number and records the probe as outstanding, sent at
 * now: the caller must send it (a probe it fails to send simply times
 * out). Always false for method none and while the link is down.
 */
bool hf_health_due(struct hf_health *h, uint64_t now, uint16_t *seq);

/*
 * A reply to probe seq arrived at now. A success (HF_HT_UP or HF_HT_NONE)
 * when seq is outstanding and not timed out; otherwise HF_HT_IGNORED, or
 * the pending transition from hf_health_due() if there is one (the reply
 * is still counted in stats.ignored).
 */
enum hf_health_transition hf_health_reply(struct hf_health *h, uint16_t seq, uint64_t now);

/*
 * A reply that carries no sequence number (ARP) arrived at now: answers
 * the oldest outstanding probe that has not timed out, or HF_HT_IGNORED
 * when there is none.
 */
enum hf_health_transition hf_health_reply_any(struct hf_health *h, uint64_t now);

/*
 * Fail every outstanding probe whose deadline has passed (now >= sent_at +
 * timeout_ms), in send order. Returns HF_HT_DOWN (once) when that, or an
 * overflow in hf_health_due(), brought the member down; else HF_HT_NONE.
 * Call it at least every few milliseconds.
 */
enum hf_health_transition hf_health_tick(struct hf_health *h, uint64_t now);

/*
 * The member's port link went up or down at now. Down: DOWN at once
 * (HF_HT_DOWN unless already DOWN), outstanding probes dropped, no probe
 * due until link up. Up: a probe is due at once and the state stays DOWN
 * until `rise` successes (method none: UP at once, HF_HT_UP). Repeating the
 * current link state changes nothing (HF_HT_NONE).
 */
enum hf_health_transition hf_health_link(struct hf_health *h, bool up, uint64_t now);

/*
 * The outstanding probes in one 32-bit word for the workers, in the format
 * of probewin.h (hf_health_window_has tests a reply against it). The ring
 * holds at most HF_HEALTH_MAX_OUTSTANDING == 16 probes, and for icmp and
 * tunnel health the configuration keeps timeout_ms <= 16 x interval_ms,
 * so the probes still waiting are within 16 consecutive numbers and all
 * fit; an older one would already have timed out.
 */
uint32_t hf_health_window(const struct hf_health *h);

_Static_assert(HF_HEALTH_MAX_OUTSTANDING <= HF_PROBEWIN_PROBES, "the window word holds 16 probes");

/* UP only: UNKNOWN and DOWN are not live. */
static inline bool
hf_health_is_live(const struct hf_health *h)
{
	return h->state == HF_HEALTH_UP;
}

/* "unknown", "up", "down". */
const char *hf_health_state_str(enum hf_health_state s);

/* "none", "up", "down", "ignored". */
const char *hf_health_transition_str(enum hf_health_transition t);

/*
 * The last transition's reason with its count, e.g. "3 probes timed out",
 * "2 replies", "first reply", "link down", into buf (snprintf rules;
 * HF_HEALTH_REASON_MAX bytes are always enough). Returns buf. "" before the
 * first transition.
 */
const char *hf_health_reason_str(const struct hf_health *h, char *buf, size_t size);

#endif /* HF_HEALTH_H */
