/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Probe source address: the control plane's own IPv4 address for ARP and
 * ICMP health probes, picked from the configured pool RFC 5227 style
 * (IPv4 Address Conflict Detection), with an injected clock in ms.
 *
 * Candidates are tried in pool order, deterministically (no random delay:
 * the pool is ours, not a shared DHCP range). For each candidate:
 *   - HF_PA_PROBE_NUM ARP probes (sender IP 0.0.0.0, target = candidate),
 *     the first at once, then HF_PA_PROBE_INTERVAL_MS apart;
 *   - then HF_PA_ANNOUNCE_WAIT_MS after the last probe with no conflict:
 *     the candidate is bound (HF_PA_BOUND, reported once).
 * With the defaults: probes at t, t+30, t+60; bound at t+160.
 *
 * A conflict while probing (hf_probeaddr_conflict() with the candidate's
 * IP, or hf_probeaddr_arp() finding one) abandons the candidate and probes
 * the next one at once. What counts as a conflict while probing: any ARP
 * (request or reply) whose sender IP is the candidate, or an ARP probe from
 * another host for the same target (sender IP 0.0.0.0, target = candidate)
 * that wins the tie: its target MAC, when not zero, is the sending box's id
 * (our probes carry ours there, hf_probeaddr_set_id(); RFC 5227 leaves the
 * field unused) and wins when higher than our id; a probe without one (a
 * stock host) wins when its sender MAC is higher than the MAC we probe
 * from on that port (compared as bytes, wire order). The box id makes the
 * tie fall the same way on every segment two boxes both probe on, whatever
 * the order of their port MACs there.
 * That last rule departs from RFC 5227 section 2.1.1, where both probers
 * back off: two boxes of an HA pair with the same pool, started together,
 * would then give up the same candidates in lockstep and never bind. With
 * it the higher id keeps the candidate and the lower one moves on, so the
 * pair always ends with two addresses; a stock RFC 5227 host that loses the
 * tie backs off on seeing our probes, and one that announces anyway is
 * caught by the sender-IP rule. When every candidate conflicted, step reports
 * HF_PA_EXHAUSTED once, then, HF_PA_RETRY_MS later, starts over with the
 * first candidate (the RFC's rate-limited retry).
 *
 * Defending (RFC 5227 section 2.4, option (c)): once bound, the address is
 * never given up. A conflict for the bound address (an ARP from another MAC
 * with sender IP = ours) is counted in `conflicts`, and
 * hf_probeaddr_conflict() returns HF_PA_CONFLICT_DEFEND when the caller
 * should broadcast one ARP announcement (hf_probeaddr_build(..., true)) to
 * re-assert the address: at most once per HF_PA_DEFEND_INTERVAL_MS, other
 * conflicts in between return HF_PA_CONFLICT_SEEN (counted in `conflicts`
 * only). An ARP probe for the bound address (sender 0.0.0.0) is not a
 * conflict: the caller answers it with an ordinary ARP reply. Announcing
 * the address after HF_PA_BOUND (gratuitous ARP) is the caller's job.
 *
 * Thread-safety: none. A struct hf_probeaddr is owned, written and read by
 * the control lcore only; it holds no pointer, so a copy may be published.
 */
#ifndef HF_PROBEADDR_H
#define HF_PROBEADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <hyperflow/addr.h>
#include <hyperflow/limits.h>
#include <hyperflow/pkt.h>

#define HF_PA_PROBE_NUM            3      /* ARP probes per candidate */
#define HF_PA_PROBE_INTERVAL_MS    30     /* between two probes */
#define HF_PA_ANNOUNCE_WAIT_MS     100    /* after the last probe, then bound */
#define HF_PA_RETRY_MS             10000  /* after EXHAUSTED, start over */
#define HF_PA_DEFEND_INTERVAL_MS   10000  /* at most one defence per interval */

enum hf_pa_action {
	HF_PA_NONE = 0,     /* nothing to do now */
	HF_PA_SEND_PROBE,   /* send an ARP probe for *probe_ip */
	HF_PA_BOUND,        /* *probe_ip is ours from now on (reported once) */
	HF_PA_EXHAUSTED,    /* every candidate was in use (reported once per round) */
};

enum hf_pa_state {
	HF_PA_ST_PROBING = 0,   /* probing pool[idx] (or waiting after the last probe) */
	HF_PA_ST_BOUND,
	HF_PA_ST_EXHAUSTED,     /* waiting HF_PA_RETRY_MS before the next round */
};

enum hf_pa_conflict {
	HF_PA_CONFLICT_NONE = 0,   /* not about our candidate or address */
	HF_PA_CONFLICT_NEXT,       /* candidate abandoned, the next one is probed */
	HF_PA_CONFLICT_DEFEND,     /* bound address: send one ARP announcement now */
	HF_PA_CONFLICT_SEEN,       /* bound address: defended recently, counted only */
};

struct hf_probeaddr_stats {
	uint64_t probes_sent;   /* HF_PA_SEND_PROBE returned */
	uint64_t rejected;      /* candidates abandoned on a conflict */
	uint64_t rounds;        /* passes over the pool started (1 after init) */
	uint64_t conflicts;     /* conflicts for the bound address */
	uint64_t defends;       /* HF_PA_CONFLICT_DEFEND returned */
};

struct hf_probeaddr {
	uint32_t pool[HF_MAX_PROBE_POOL];  /* network order */
	uint32_t nb_pool;
	enum hf_pa_state state;
	bool reported;          /* BOUND/EXHAUSTED already returned by step */
	uint32_t idx;           /* candidate being probed */
	uint32_t nb_probes;     /* probes sent for it */
	uint64_t next_at;       /* next probe, bind time, or retry time */
	uint32_t bound_ip;      /* network order; 0 unless BOUND */
	bool has_id;            /* id is set: judge other boxes' probes by theirs */
	struct hf_mac id;       /* this box's id, carried in our probes */
	bool defended;          /* last_defend is valid */
	uint64_t last_defend;
	struct hf_probeaddr_stats stats;
};

/*
 * Start probing the pool (n candidates, network order, 1..HF_MAX_PROBE_POOL;
 * no candidate may be 0) at now: the first probe is due at once. Returns 0
 * or -EINVAL.
 */
int hf_probeaddr_init(struct hf_probeaddr *pa, const uint32_t *pool, uint32_t n, uint64_t now);

/*
 * This box's id for simultaneous probes (see above): one MAC of ours,
 * the same on every port (the first port's), carried in our probes' target
 * MAC. Call after hf_probeaddr_init(), which clears it.
 */
void hf_probeaddr_set_id(struct hf_probeaddr *pa, const struct hf_mac *id);

/*
 * Advance to now. Returns what the caller must do; *probe_ip is set for
 * HF_PA_SEND_PROBE and HF_PA_BOUND (left alone otherwise). One action per
 * call: call it until it returns HF_PA_NONE, or every few milliseconds.
 */
enum hf_pa_action hf_probeaddr_step(struct hf_probeaddr *pa, uint64_t now, uint32_t *probe_ip);

/*
 * The caller saw an ARP that conflicts with ip at now (see above for what
 * conflicts). Only ip equal to the current candidate while probing, or to
 * the bound address, has an effect.
 */
enum hf_pa_conflict hf_probeaddr_conflict(struct hf_probeaddr *pa, uint32_t ip, uint64_t now);

/*
 * Apply the conflict rules above to a parsed ARP frame (pi->kind ==
 * HF_PKT_ARP; anything else is HF_PA_CONFLICT_NONE) seen at now, where
 * our_mac is the MAC the probes are sent from on the port it arrived on
 * (frames from it never conflict; it breaks the tie between simultaneous
 * probes), and call hf_probeaddr_conflict() when it conflicts. Frames from
 * our other ports' MACs are the caller's to skip.
 */
enum hf_pa_conflict hf_probeaddr_arp(struct hf_probeaddr *pa, const struct hf_pkt_info *pi,
				     const struct hf_mac *our_mac, uint64_t now);

/* The bound address (network order), or 0 while none is. */
static inline uint32_t
hf_probeaddr_bound(const struct hf_probeaddr *pa)
{
	return pa->state == HF_PA_ST_BOUND ? pa->bound_ip : 0;
}

/* The candidate being probed, or 0 when bound or exhausted. */
uint32_t hf_probeaddr_candidate(const struct hf_probeaddr *pa);

/*
 * Build the broadcast ARP frame for ip from mac into buf: a probe
 * (announce false: request, sender IP 0.0.0.0, target ip, target MAC id,
 * or zero when id is NULL) or an announcement (announce true: request,
 * sender and target IP = ip, target MAC zero). Returns the frame length
 * (60), -ENOSPC, or -EINVAL for a NULL mac.
 */
int hf_probeaddr_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *mac,
		       const struct hf_mac *id, uint32_t ip, bool announce);

const char *hf_pa_action_str(enum hf_pa_action a);

#endif /* HF_PROBEADDR_H */
