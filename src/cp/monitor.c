/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Member monitoring on the control lcore: picks the probe source address
 * (RFC 5227 probing of probe.pool), resolves and refreshes member MACs by
 * ARP, runs each member's health state machine (ARP, ICMP, or ICMP through
 * the member to a far-end target), watches port links, and republishes the
 * dataplane snapshot when a member changes state. Replies are trusted only
 * when they match what was asked: the member's address, on the member's
 * port, answering an outstanding probe.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>

#include <hyperflow/icmp.h>
#include <hyperflow/log.h>
#include <hyperflow/outbox.h>
#include <hyperflow/monitor.h>
#include <hyperflow/probeaddr.h>

#define ARP_RESOLVE_MS  100     /* unresolved member: ask this often */
#define ARP_REFRESH_MS  HF_MAC_REFRESH_MS   /* resolved member: refresh this often */
#define LINK_POLL_MS    50

static const struct hf_mac bcast = { { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
static const struct hf_mac zero_mac = { { 0 } };

static inline void
count(struct hf_runtime *rt, enum hf_ctl_ctr c)
{
	hf_ctr_add(&rt->ctl_stats->ctl[c], 1);
}

/* The candidate the published snapshot punts ARP for is out of date. */
static bool
candidate_stale(const struct hf_runtime *rt)
{
	uint32_t cand = rt->cfg->nb_probe > 0 ? hf_probeaddr_candidate(&rt->paddr) : 0;

	return rt->dp != NULL && rt->dp->probe_cand != cand;
}

/* One of our own ports' MACs (our probes seen on another port are not conflicts). */
static bool
is_port_mac(const struct hf_runtime *rt, const struct hf_mac *mac)
{
	uint32_t p;

	for (p = 0; p < rt->nb_ports; p++)
		if (hf_mac_eq(&rt->ports[p].mac, mac))
			return true;
	return false;
}

uint64_t
hf_monitor_now_ms(const struct hf_runtime *rt)
{
	return hf_tsc_to_ms(rte_rdtsc(), rt->tsc_hz);
}

/*
 * Member g's place in the probe cadence: the members' first probes are
 * spread evenly over each one's interval from `from`, so 16,384 members at
 * a 1 s interval send (and get answered) about 16 probes a millisecond,
 * never 16,384 at once: no probe is lost for room in the send ring, and no
 * reply for room in the punt budget.
 */
static uint64_t
probe_phase(const struct hf_cluster_conf *cc, uint32_t g, uint32_t nb_members, uint64_t from)
{
	uint64_t n = nb_members ? nb_members : 1;

	return from + (uint64_t)g % n * cc->health.interval_ms / n;
}

/* Member g's probe and MAC-resolution cadences, placed from `from`. */
static void
place(struct hf_member_rt *m, const struct hf_cluster_conf *cc, uint32_t g, uint32_t nb_members,
      uint64_t from)
{
	uint64_t at = probe_phase(cc, g, nb_members, from);

	hf_health_set_next_due(&m->health, at);
	m->arp_next_ms = at;
}

void
hf_monitor_member_init(struct hf_runtime *rt, struct hf_member_rt *m,
		       const struct hf_cluster_conf *cc, const struct hf_member_conf *mc, uint32_t g,
		       uint32_t nb_members, uint64_t now)
{
	memset(m, 0, sizeof(*m));
	m->view.mac_known = mc->has_mac;
	m->view.mac = mc->mac;
	hf_health_init(&m->health, &cc->health, now);
	place(m, cc, g, nb_members, now);
	if (!rt->link_up[mc->port])
		hf_health_link(&m->health, false, now);
	m->view.healthy = hf_health_is_live(&m->health);
}

void
hf_monitor_member_retime(struct hf_member_rt *m, const struct hf_cluster_conf *cc, uint32_t g,
			 uint32_t nb_members, uint64_t now)
{
	bool other = m->health.method != cc->health.method || m->health.target != cc->health.target;

	hf_health_reconfigure(&m->health, &cc->health, now);
	/* probes of another kind start now: in the member's place, not all at once */
	if (other)
		hf_health_set_next_due(&m->health, probe_phase(cc, g, nb_members, now));
}

int
hf_monitor_init(struct hf_runtime *rt)
{
	const struct hf_config *cfg = rt->cfg;
	uint64_t now = hf_monitor_now_ms(rt);
	struct rte_eth_link link;
	uint32_t p;

	for (p = 0; p < rt->nb_ports; p++) {
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(rt->ports[p].port_id, &link);
		rt->link_up[p] = link.link_status != 0;
	}
	if (cfg->nb_probe > 0) {
		int ret = hf_probeaddr_init(&rt->paddr, cfg->probe_pool, cfg->nb_probe, now);

		if (ret == 0)
			hf_probeaddr_set_id(&rt->paddr, &rt->ports[0].mac);
		return ret;
	}
	return 0;
}

/*
 * Member events (up, down, MAC learnt) are logged one line each up to
 * MEMBER_LOG_PER_S a second; beyond that a storm (16,384 members coming up
 * at start, a switch failing under 1,000 of them) is summed up once a
 * second: the counters have every event, and the control lcore does not
 * spend its passes writing thousands of lines.
 */
#define MEMBER_LOG_PER_S 100

static void
member_log_flush(struct hf_runtime *rt, uint64_t now)
{
	if (now - rt->member_log_window_ms < 1000)
		return;
	if (rt->member_log_suppressed > 0)
		HF_LOG(health, NOTICE, "%u more member event(s) (up, down, MAC learnt) in the last "
		       "second, not logged one by one; see the control counters",
		       rt->member_log_suppressed);
	rt->member_log_window_ms = now;
	rt->member_log_n = 0;
	rt->member_log_suppressed = 0;
}

static bool
member_log_ok(struct hf_runtime *rt, uint64_t now)
{
	member_log_flush(rt, now);
	if (rt->member_log_n < MEMBER_LOG_PER_S) {
		rt->member_log_n++;
		return true;
	}
	rt->member_log_suppressed++;
	return false;
}

/* Change a member's live state after a health transition. */
static void
apply_transition(struct hf_runtime *rt, uint32_t g, enum hf_health_transition t, bool *dirty)
{
	struct hf_member_rt *m = &rt->members[g];
	const struct hf_cluster_conf *cc;
	const struct hf_member_conf *mc;
	char reason[HF_HEALTH_REASON_MAX];
	bool live;

	if (t != HF_HT_UP && t != HF_HT_DOWN)
		return;
	*dirty = true;   /* the published health state changes (telemetry reads it) */
	live = hf_health_is_live(&m->health);
	if (live == m->view.healthy)
		return;
	m->view.healthy = live;
	if (live) {
		/* the member takes its buckets back, see HF_FLOW_VAL */
		if (++rt->recover_epoch == 0)
			rt->recover_epoch = 1;
		m->view.recovered_epoch = rt->recover_epoch;
	}
	mc = hf_config_member(rt->cfg, g, &cc);
	count(rt, live ? HF_CTL_MEMBER_UP : HF_CTL_MEMBER_DOWN);
	if (member_log_ok(rt, hf_monitor_now_ms(rt)))
		HF_LOG(health, NOTICE, "cluster '%s' member '%s': %s (%s)", cc->name, mc->name,
		       live ? "up" : "down",
		       hf_health_reason_str(&m->health, reason, sizeof(reason)));
	*dirty = true;
}

/*
 * Tell the workers which echo replies answer one of member g's outstanding
 * probes (dataplane.h, probe punt kind). Single writer: a relaxed store,
 * only when the word changes.
 */
static void
sync_window(struct hf_runtime *rt, uint32_t g)
{
	uint32_t uid = rt->member_stat[g], w;

	if (uid >= HF_MAX_MEMBERS_TOTAL)
		return;
	w = hf_health_window(&rt->members[g].health);
	if (__atomic_load_n(&rt->probe_window[uid], __ATOMIC_RELAXED) != w)
		__atomic_store_n(&rt->probe_window[uid], w, __ATOMIC_RELAXED);
}

static void
send_arp_request(struct hf_runtime *rt, uint32_t pidx, uint32_t sip, uint32_t tip)
{
	uint8_t frame[HF_ETH_MIN_FRAME];
	const struct hf_mac *pm = &rt->ports[pidx].mac;
	int len;

	len = hf_arp_build(frame, sizeof(frame), &bcast, pm, HF_ARP_OP_REQUEST, pm, sip, &zero_mac,
			   tip);
	if (len > 0)
		hf_outbox_send(rt, pidx, frame, (uint16_t)len);
}

static void
send_probe(struct hf_runtime *rt, uint32_t g, const struct hf_cluster_conf *cc,
	   const struct hf_member_conf *mc, uint16_t seq)
{
	struct hf_member_rt *m = &rt->members[g];
	uint8_t frame[128];
	uint32_t dip;
	int len;

	count(rt, HF_CTL_PROBES_SENT);
	if (cc->health.method == HF_HEALTH_ARP) {
		send_arp_request(rt, mc->port, rt->local_ip, mc->ip);
		return;
	}
	if (!m->view.mac_known)
		return;   /* cannot address it yet: the probe times out */
	dip = cc->health.method == HF_HEALTH_TUNNEL ? cc->health.target : mc->ip;
	len = hf_icmp_echo_build(frame, sizeof(frame), &m->view.mac, &rt->ports[mc->port].mac,
				 rt->local_ip, dip, HF_ICMP_ECHO_REQUEST,
				 hf_icmp_id_for(rt->member_stat[g]), seq, (const uint8_t *)"hyperflow",
				 9, HF_ICMP_DEFAULT_TTL);
	if (len > 0)
		hf_outbox_send(rt, mc->port, frame, (uint16_t)len);
}

static void
poll_links(struct hf_runtime *rt, uint64_t now, bool *dirty)
{
	const struct hf_config *cfg = rt->cfg;
	struct rte_eth_link link;
	uint32_t p, ci, mi, g;

	for (p = 0; p < rt->nb_ports; p++) {
		bool up;

		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(rt->ports[p].port_id, &link) != 0)
			continue;
		up = link.link_status != 0;
		if (up == rt->link_up[p])
			continue;
		rt->link_up[p] = up;
		count(rt, HF_CTL_LINK_CHANGES);
		HF_LOG(health, NOTICE, "port '%s': link %s", cfg->ports[p].name, up ? "up" : "down");
		for (ci = 0, g = 0; ci < cfg->nb_clusters; ci++)
			for (mi = 0; mi < cfg->clusters[ci].nb_members; mi++, g++)
				if (cfg->clusters[ci].members[mi].port == p) {
					struct hf_health *h = &rt->members[g].health;

					apply_transition(rt, g, hf_health_link(h, up, now), dirty);
					/* probing resumes: in the member's place, not all at once */
					if (up)
						hf_health_set_next_due(h, probe_phase(&cfg->clusters[ci],
										      g, cfg->nb_members_total,
										      now));
				}
	}
}

static void
rephase(struct hf_runtime *rt, uint64_t now)
{
	const struct hf_config *cfg = rt->cfg;
	uint32_t g;

	for (g = 0; g < cfg->nb_members_total; g++)
		place(&rt->members[g], &cfg->clusters[cfg->member_cluster[g]], g,
		      cfg->nb_members_total, now);
}

void
hf_monitor_settle(struct hf_runtime *rt)
{
	bool dirty = false;
	uint32_t g;

	for (g = 0; g < rt->cfg->nb_members_total; g++) {
		struct hf_member_rt *m = &rt->members[g];
		bool live = hf_health_is_live(&m->health);

		if (live != m->view.healthy)
			apply_transition(rt, g, live ? HF_HT_UP : HF_HT_DOWN, &dirty);
	}
	if (dirty)
		hf_control_publish_later(rt);
}

static void
poll_probeaddr(struct hf_runtime *rt, uint64_t now, bool *dirty)
{
	uint8_t frame[HF_ETH_MIN_FRAME];
	char ip[HF_IP4_STRLEN];
	enum hf_pa_action a;
	uint32_t cand, p;
	int len;

	if (rt->cfg->nb_probe == 0)
		return;
	while ((a = hf_probeaddr_step(&rt->paddr, now, &cand)) != HF_PA_NONE) {
		switch (a) {
		case HF_PA_SEND_PROBE:
			for (p = 0; p < rt->nb_ports; p++) {
				len = hf_probeaddr_build(frame, sizeof(frame), &rt->ports[p].mac,
							 &rt->paddr.id, cand, false);
				if (len > 0 && hf_outbox_send(rt, p, frame, (uint16_t)len) == 0)
					count(rt, HF_CTL_ADDR_PROBES);
			}
			break;
		case HF_PA_BOUND:
			rt->local_ip = cand;
			*dirty = true;
			/* no probe went out before: start every member's cadence now, spread */
			rephase(rt, now);
			HF_LOG(health, NOTICE, "probe source address %s taken (nobody answered for it)",
			       hf_ip4_str(cand, ip));
			for (p = 0; p < rt->nb_ports; p++) {
				len = hf_probeaddr_build(frame, sizeof(frame), &rt->ports[p].mac,
							 NULL, cand, true);
				if (len > 0 && hf_outbox_send(rt, p, frame, (uint16_t)len) == 0)
					count(rt, HF_CTL_ADDR_ANNOUNCED);
			}
			break;
		case HF_PA_EXHAUSTED:
			HF_LOG(health, ERR, "every address of probe.pool is in use by another host; "
			       "health checks wait, retrying in %u ms", HF_PA_RETRY_MS);
			break;
		default:
			break;
		}
	}
	/* the workers punt ARP about the candidate: keep them told which it is */
	if (candidate_stale(rt))
		*dirty = true;
}

/* Room in port p's control send ring beyond what answers and adverts need. */
static inline bool
ctl_room(struct hf_runtime *rt, uint32_t p)
{
	if (rte_ring_free_count(rt->ctl_tx[p]) > HF_CTL_RESERVE)
		return true;
	__atomic_store_n(&rt->timing.probes_deferred, rt->timing.probes_deferred + 1,
			 __ATOMIC_RELAXED);
	return false;
}

void
hf_monitor_poll(struct hf_runtime *rt)
{
	const struct hf_config *cfg = rt->cfg;
	uint64_t now = hf_monitor_now_ms(rt);
	bool dirty = false;
	uint32_t ci, mi, g = 0;
	uint16_t seq;

	if (now - rt->link_polled_ms >= LINK_POLL_MS) {
		rt->link_polled_ms = now;
		poll_links(rt, now, &dirty);
	}
	poll_probeaddr(rt, now, &dirty);
	member_log_flush(rt, now);
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[ci];

		for (mi = 0; mi < cc->nb_members; mi++, g++) {
			const struct hf_member_conf *mc = &cc->members[mi];
			struct hf_member_rt *m = &rt->members[g];

			apply_transition(rt, g, hf_health_tick(&m->health, now), &dirty);
			if (rt->local_ip == 0)
				continue;
			/* room for the probe (and for replies, adverts, GARP after it)
			 * in the port's send ring, or it waits for the next pass */
			if (hf_health_probe_pending(&m->health, now) && !ctl_room(rt, mc->port))
				continue;
			if (hf_health_due(&m->health, now, &seq))
				send_probe(rt, g, cc, mc, seq);
			if (cc->health.method == HF_HEALTH_ICMP || cc->health.method == HF_HEALTH_TUNNEL)
				sync_window(rt, g);
			/* MAC resolution, for members whose MAC is not configured; in the
			 * member's place (see place) and only with room, like probes */
			if (!mc->has_mac && (int64_t)(now - m->arp_next_ms) >= 0 &&
			    cc->health.method != HF_HEALTH_ARP && ctl_room(rt, mc->port)) {
				send_arp_request(rt, mc->port, rt->local_ip, mc->ip);
				m->arp_next_ms = now + (m->view.mac_known ? ARP_REFRESH_MS : ARP_RESOLVE_MS);
			}
		}
	}
	if (dirty)
		hf_control_publish_later(rt);
}

/* An ARP reply or request from a member's address: learn its MAC. */
static void
member_arp(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi, uint64_t now,
	   bool *dirty)
{
	const struct hf_config *cfg = rt->cfg;
	const struct hf_member_ref *refs = NULL;
	char mac[HF_MAC_STRLEN];
	bool matched = false;
	uint32_t i, n;

	/* the members at this address, in O(1): one per cluster it serves */
	n = hf_config_members_at(cfg, pi->arp_sip, &refs);
	for (i = 0; i < n; i++) {
		uint32_t g = refs[i].g;
		const struct hf_cluster_conf *cc;
		const struct hf_member_conf *mc = hf_config_member(cfg, g, &cc);
		struct hf_member_rt *m = &rt->members[g];

		if (mc->port != pidx)
			continue;
		matched = true;
		if (mc->has_mac && !hf_mac_eq(&mc->mac, &pi->arp_sha)) {
			/* configured MACs are not overridden by the wire */
			count(rt, HF_CTL_PROBE_IGNORED);
			continue;
		}
		if (!m->view.mac_known || !hf_mac_eq(&m->view.mac, &pi->arp_sha)) {
			/* one change a second at most: two hosts answering for
			 * one address must not make us rebuild per frame */
			if (m->view.mac_known && now - m->mac_changed_ms < 1000) {
				count(rt, HF_CTL_PROBE_IGNORED);
				continue;
			}
			m->mac_changed_ms = now;
			if (!member_log_ok(rt, now))
				;   /* counted in mac_resolved, summed up in the next second */
			else if (m->view.mac_known)
				HF_LOG(health, WARNING,
				       "cluster '%s' member '%s': MAC changed to %s", cc->name,
				       mc->name, hf_mac_str(&pi->arp_sha, mac));
			else
				HF_LOG(health, INFO, "cluster '%s' member '%s': MAC %s",
				       cc->name, mc->name, hf_mac_str(&pi->arp_sha, mac));
			m->view.mac = pi->arp_sha;
			m->view.mac_known = true;
			m->arp_next_ms = now + ARP_REFRESH_MS;
			count(rt, HF_CTL_MAC_RESOLVED);
			*dirty = true;
		}
		if (cc->health.method == HF_HEALTH_ARP && pi->arp_op == HF_ARP_OP_REPLY &&
		    pi->arp_tip == rt->local_ip) {
			enum hf_health_transition t = hf_health_reply_any(&m->health, now);

			count(rt, t == HF_HT_IGNORED ? HF_CTL_PROBE_IGNORED :
						       HF_CTL_PROBE_REPLIES);
			apply_transition(rt, g, t, dirty);
		}
	}
	if (!matched && pi->arp_op == HF_ARP_OP_REPLY && pi->arp_tip == rt->local_ip)
		count(rt, HF_CTL_PROBE_IGNORED);
}

bool
hf_monitor_arp(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi, uint64_t rx_ms)
{
	uint64_t now = rx_ms;
	uint8_t frame[HF_ETH_MIN_FRAME];
	const struct hf_mac *pm = &rt->ports[pidx].mac;
	uint32_t cand = rt->cfg->nb_probe > 0 ? hf_probeaddr_candidate(&rt->paddr) : 0;
	enum hf_pa_conflict c;
	bool dirty = false, ours = false;
	int len;

	if (rt->cfg->nb_probe > 0 && !is_port_mac(rt, &pi->arp_sha)) {
		c = hf_probeaddr_arp(&rt->paddr, pi, pm, now);
		if (c != HF_PA_CONFLICT_NONE) {
			char ip[HF_IP4_STRLEN], mac[HF_MAC_STRLEN];

			count(rt, HF_CTL_ADDR_CONFLICTS);
			if (now - rt->conflict_logged_ms >= 1000) {   /* at most once a second */
				rt->conflict_logged_ms = now;
				HF_LOG(health, WARNING, "port '%s': %s claims %s%s",
				       rt->cfg->ports[pidx].name, hf_mac_str(&pi->arp_sha, mac),
				       hf_ip4_str(pi->arp_sip != 0 ? pi->arp_sip : pi->arp_tip, ip),
				       c == HF_PA_CONFLICT_NEXT ? " while we probe it: trying the "
								  "next pool address" : "");
			}
			if (c == HF_PA_CONFLICT_DEFEND) {
				len = hf_probeaddr_build(frame, sizeof(frame), pm, NULL,
							 rt->local_ip, true);
				if (len > 0 && hf_outbox_send(rt, pidx, frame, (uint16_t)len) == 0)
					count(rt, HF_CTL_ADDR_ANNOUNCED);
			}
			ours = true;
		}
	}
	if (pi->arp_sip != 0)
		member_arp(rt, pidx, pi, now, &dirty);
	/* who-has our probe address: answer from this port */
	if (pi->arp_op == HF_ARP_OP_REQUEST && rt->local_ip != 0 && pi->arp_tip == rt->local_ip &&
	    pi->arp_sip != rt->local_ip) {
		len = hf_arp_build(frame, sizeof(frame), &pi->arp_sha, pm, HF_ARP_OP_REPLY, pm,
				   rt->local_ip, &pi->arp_sha, pi->arp_sip);
		if (len > 0)
			hf_outbox_send(rt, pidx, frame, (uint16_t)len);
		ours = true;
	}
	if (candidate_stale(rt))
		dirty = true;
	if (dirty)
		hf_control_publish_later(rt);
	/* ARP about the candidate was the probe logic's, conflict or not */
	return ours || pi->arp_tip == rt->local_ip || pi->arp_tip == 0 ||
	       (cand != 0 && (pi->arp_tip == cand || pi->arp_sip == cand));
}

bool
hf_monitor_icmp(struct hf_runtime *rt, uint32_t pidx, const struct hf_pkt_info *pi,
		const uint8_t *frame, uint32_t len, uint64_t rx_ms)
{
	const struct hf_config *cfg = rt->cfg;
	uint64_t now = rx_ms;
	uint8_t out[1600];
	uint32_t uid, g;
	bool dirty = false;
	int n;

	if (pi->kind != HF_PKT_IPV4 || pi->proto != HF_IPPROTO_ICMP || !pi->l4_valid ||
	    rt->local_ip == 0 || pi->dst_key != rt->local_ip)
		return false;
	if (pi->icmp_type == HF_ICMP_ECHO_REQUEST) {
		n = hf_icmp_echo_reply_from_request(frame, len, out, sizeof(out),
						    &rt->ports[pidx].mac);
		if (n > 0 && hf_outbox_send(rt, pidx, out, (uint16_t)n) == 0)
			count(rt, HF_CTL_ECHO_REPLIES);
		return true;
	}
	if (pi->icmp_type != HF_ICMP_ECHO_REPLY)
		return false;
	uid = hf_icmp_uid_of_id(ntohs(pi->icmp_id));
	g = uid < rt->dp->uid_cap ? rt->dp->uid_to_member[uid] : HF_DP_NONE;
	if (g != HF_DP_NONE) {
		const struct hf_cluster_conf *cc;
		const struct hf_member_conf *mc = hf_config_member(cfg, g, &cc);
		uint32_t want = cc->health.method == HF_HEALTH_TUNNEL ? cc->health.target : mc->ip;

		if ((cc->health.method == HF_HEALTH_ICMP || cc->health.method == HF_HEALTH_TUNNEL) &&
		    mc->port == pidx && pi->src_key == want) {
			enum hf_health_transition t =
				hf_health_reply(&rt->members[g].health, ntohs(pi->icmp_seq), now);

			count(rt, t == HF_HT_IGNORED ? HF_CTL_PROBE_IGNORED : HF_CTL_PROBE_REPLIES);
			sync_window(rt, g);
			apply_transition(rt, g, t, &dirty);
			if (dirty)
				hf_control_publish_later(rt);
			return true;
		}
	}
	count(rt, HF_CTL_PROBE_IGNORED);
	return true;
}
