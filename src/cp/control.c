/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control lcore (the EAL main lcore): drains the punt rings, answers
 * ARP for cluster IPs (proxy ARP), sends gratuitous ARP, publishes dataplane
 * snapshots through RCU, handles signals, idle exit and the status line.
 * It never exits the process: every failure is logged and survived.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

#include <hyperflow/log.h>
#include <hyperflow/outbox.h>
#include <hyperflow/ha.h>
#include <hyperflow/monitor.h>
#include <hyperflow/reload.h>
#include <hyperflow/runtime.h>

#define CTL_IDLE_SLEEP_US 100
#define CTL_SLOW_PASS_US  10000   /* a longer pass is logged with its parts */
#define HF_WARM_BYTES     ((size_t)96 << 20)   /* heap warmed for snapshots at start */

volatile sig_atomic_t hf_signal_quit;
volatile sig_atomic_t hf_signal_reload;

static inline void
ctl_count(struct hf_runtime *rt, enum hf_ctl_ctr c)
{
	hf_ctr_add(&rt->ctl_stats->ctl[c], 1);
}

static int
pidx_of_port(const struct hf_runtime *rt, uint16_t port_id)
{
	uint32_t i;

	for (i = 0; i < rt->nb_ports; i++)
		if (rt->ports[i].port_id == port_id)
			return (int)i;
	return -1;
}

static inline void
timing_set(uint64_t *field, uint64_t v)
{
	__atomic_store_n(field, v, __ATOMIC_RELAXED);
}

/* The publish asked for during this pass, if any, timed from the first ask. */
static void
publish_pending(struct hf_runtime *rt)
{
	struct hf_ctl_timing *t = &rt->timing;
	uint64_t us;

	if (!rt->publish_pending)
		return;
	if (hf_control_republish(rt) != 0)
		return;   /* still pending: tried again at the end of the next pass */
	rt->publish_pending = false;
	us = (rte_rdtsc() - rt->publish_pending_tsc) * 1000000 / rt->tsc_hz;
	timing_set(&t->publish_last_us, us);
	if (us > t->publish_max_us)
		timing_set(&t->publish_max_us, us);
}

/*
 * HA changed role: the workers must see the new `active` flag now (a Backup
 * stops forwarding before the other box starts), then a new Master tells
 * the clients where the cluster IPs are.
 */
static void
ha_event(struct hf_runtime *rt, enum hf_ha_event ev)
{
	if (ev == HF_HA_EV_NONE)
		return;
	/* now, not at the end of the pass; the same publish as any other
	 * (timed, carries whatever was pending, retried next pass if it fails) */
	hf_control_publish_later(rt);
	publish_pending(rt);
	if (ev == HF_HA_EV_MASTER)
		hf_outbox_garp_all(rt);
}

static void
handle_arp(struct hf_runtime *rt, const struct hf_dataplane *dp, int pidx,
	   const struct hf_pkt_info *pi)
{
	uint8_t frame[HF_ETH_MIN_FRAME];
	const struct hf_dp_cluster *cl;
	uint32_t c;
	int len;

	if (pi->arp_op != HF_ARP_OP_REQUEST) {
		hf_ctr_add(&rt->ctl_stats->drops[HF_DROP_PUNT_OTHER], 1);
		return;
	}
	c = hf_dp_ip_lookup(dp, pi->arp_tip);
	if (c == HF_CLTAB_MISS || (c & HF_DP_IP_LOCAL)) {
		hf_ctr_add(&rt->ctl_stats->drops[HF_DROP_PUNT_OTHER], 1);
		return;
	}
	ctl_count(rt, HF_CTL_ARP_REQUESTS);
	cl = &dp->clusters[c];
	if (!dp->active || !(cl->port_mask & (1u << pidx))) {
		hf_ctr_add(&rt->ctl_stats->drops[HF_DROP_ARP_NOT_SERVED], 1);
		return;
	}
	len = hf_arp_build(frame, sizeof(frame), &pi->arp_sha, &cl->mac, HF_ARP_OP_REPLY, &cl->mac,
			   cl->ip, &pi->arp_sha, pi->arp_sip);
	if (len > 0 && hf_outbox_send(rt, (uint32_t)pidx, frame, (uint16_t)len) == 0)
		ctl_count(rt, HF_CTL_ARP_REPLIES);
}

/*
 * An ARP (gratuitous, request or reply) whose sender claims a cluster IP
 * with another MAC than the cluster's: someone else uses our address.
 * Counted and logged (at most once a second), never answered or adopted.
 * The HA peer's frames carry the cluster MAC and are not conflicts.
 */
static bool
cluster_ip_conflict(struct hf_runtime *rt, const struct hf_dataplane *dp, int pidx,
		    const struct hf_pkt_info *pi, uint64_t now_ms)
{
	uint32_t c = hf_dp_ip_lookup(dp, pi->arp_sip);
	char ip[HF_IP4_STRLEN], mac[HF_MAC_STRLEN];

	if (c == HF_CLTAB_MISS || (c & HF_DP_IP_LOCAL) ||
	    hf_mac_eq(&pi->arp_sha, &dp->clusters[c].mac))
		return false;
	ctl_count(rt, HF_CTL_IP_CONFLICTS);
	if (now_ms - rt->conflict_logged_ms >= 1000) {
		rt->conflict_logged_ms = now_ms;
		HF_LOG(control, WARNING, "port '%s': %s claims cluster IP %s of '%s' (ARP %s); "
		       "ignored", rt->cfg->ports[pidx].name, hf_mac_str(&pi->arp_sha, mac),
		       hf_ip4_str(pi->arp_sip, ip), rt->cfg->clusters[c].name,
		       pi->arp_op == HF_ARP_OP_REPLY ? "reply" : "request");
	}
	return true;
}

/*
 * One punted frame. The snapshot is read from rt->dp at each use, never
 * kept across a handler: a handler may publish a new one and free the old.
 */
static void
handle_punt(struct hf_runtime *rt, struct rte_mbuf *m)
{
	struct hf_pkt_info pi;
	int pidx = pidx_of_port(rt, m->port);
	/* when the worker received it: replies are judged by their arrival */
	uint64_t rx_ms = hf_tsc_to_ms(*RTE_MBUF_DYNFIELD(m, rt->rx_tsc_off, uint64_t *), rt->tsc_hz);

	if (pidx < 0 || hf_pkt_parse(rte_pktmbuf_mtod(m, const uint8_t *),
				     rte_pktmbuf_data_len(m), &pi) != HF_PKT_OK) {
		hf_ctr_add(&rt->ctl_stats->drops[HF_DROP_PUNT_OTHER], 1);
		return;
	}
	if (pi.kind == HF_PKT_ARP) {
		bool ours;

		uint32_t c;

		if (cluster_ip_conflict(rt, rt->dp, pidx, &pi, rx_ms))
			return;
		ours = hf_monitor_arp(rt, (uint32_t)pidx, &pi, rx_ms);
		/* the monitor may have published a new snapshot: read it again */
		c = hf_dp_ip_lookup(rt->dp, pi.arp_tip);
		if (c != HF_CLTAB_MISS && !(c & HF_DP_IP_LOCAL))
			handle_arp(rt, rt->dp, pidx, &pi);
		else if (!ours)
			hf_ctr_add(&rt->ctl_stats->drops[HF_DROP_PUNT_OTHER], 1);
	} else if (pi.kind == HF_PKT_IPV4 && pi.proto == HF_IPPROTO_VRRP) {
		ha_event(rt, hf_ha_rx(rt, (uint32_t)pidx, &pi, rte_pktmbuf_mtod(m, const uint8_t *),
				      rte_pktmbuf_data_len(m), rx_ms));
	} else if (!hf_monitor_icmp(rt, (uint32_t)pidx, &pi, rte_pktmbuf_mtod(m, const uint8_t *),
				    rte_pktmbuf_data_len(m), rx_ms)) {
		hf_ctr_add(&rt->ctl_stats->drops[HF_DROP_PUNT_OTHER], 1);
	}
}

/* Handle every punted frame; returns how many. */
static unsigned int
drain_punts(struct hf_runtime *rt)
{
	struct rte_mbuf *pkts[HF_BURST];
	unsigned int w, i, n, total = 0;

	for (w = 0; w < rt->nb_workers; w++) {
		do {
			n = rte_ring_sc_dequeue_burst(rt->workers[w].punt, (void **)pkts, HF_BURST,
						      NULL);
			for (i = 0; i < n; i++) {
				handle_punt(rt, pkts[i]);
				rte_pktmbuf_free(pkts[i]);
			}
			total += n;
		} while (n == HF_BURST);
	}
	return total;
}

static void
member_rt_init(struct hf_runtime *rt, const struct hf_config *cfg, struct hf_member_rt *m,
	       uint32_t g)
{
	const struct hf_cluster_conf *cc;
	const struct hf_member_conf *mc = hf_config_member(cfg, g, &cc);

	hf_monitor_member_init(rt, m, cc, mc, g, cfg->nb_members_total, hf_monitor_now_ms(rt));
}

static void
reload_result(struct hf_runtime *rt, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
reload_result(struct hf_runtime *rt, bool ok, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&rt->lock);
	va_start(ap, fmt);
	vsnprintf(rt->last_reload_msg, sizeof(rt->last_reload_msg), fmt, ap);
	va_end(ap);
	rt->last_reload_ok = ok;
	rt->reload_attempts++;   /* last: a reader that sees it sees the outcome */
	pthread_mutex_unlock(&rt->lock);
	ctl_count(rt, ok ? HF_CTL_RELOADS : HF_CTL_RELOAD_FAILURES);
	if (ok)
		HF_LOG(config, NOTICE, "reload: %s", rt->last_reload_msg);
	else
		HF_LOG(config, ERR, "reload rejected, configuration unchanged: %s",
		       rt->last_reload_msg);
}

/* The runtime state of new member g under plan p, from the old members omem. */
static void
member_rt_carry(struct hf_runtime *rt, const struct hf_config *ncfg,
		const struct hf_reload_plan *p, const struct hf_member_rt *omem, uint32_t g,
		struct hf_member_rt *m, uint64_t now)
{
	switch (p->fate[g]) {
	case HF_MEMBER_KEEP:
		*m = omem[p->old_member[g]];
		break;
	case HF_MEMBER_RETIME:
		/* same device, new health block: state and learnt MAC stay, the
		 * timers restart; a change of state this causes (to method none:
		 * up) goes through the monitor after the swap (hf_monitor_settle),
		 * like any other transition */
		*m = omem[p->old_member[g]];
		hf_monitor_member_retime(m, &ncfg->clusters[ncfg->member_cluster[g]], g,
					 ncfg->nb_members_total, now);
		break;
	default:
		member_rt_init(rt, ncfg, m, g);
		break;
	}
}

/*
 * The queue of gratuitous ARPs for ncfg: announcements still waiting for
 * ring room keep going for the clusters that are still there (by name).
 */
static uint32_t *
announce_carry(struct hf_runtime *rt, const struct hf_config *ncfg)
{
	uint32_t *a = calloc(ncfg->nb_clusters ? ncfg->nb_clusters : 1, sizeof(*a));
	uint32_t ci, pending = 0;

	if (a == NULL)
		return NULL;
	for (ci = 0; ci < rt->cfg->nb_clusters && rt->announce_pending > 0; ci++) {
		int n;

		if (rt->announce[ci] == 0)
			continue;
		n = hf_config_cluster_index(ncfg, rt->cfg->clusters[ci].name);
		if (n >= 0 && (a[n] = rt->announce[ci] & ncfg->clusters[n].port_mask) != 0)
			pending++;
	}
	rt->announce_pending = pending;
	rt->announce_cursor = 0;
	return a;
}

/*
 * SIGHUP: parse and validate the whole file off the fast path, decide
 * with hf_reload_plan (reload.h) and apply the plan: on a refusal keep
 * everything as it is and say why; otherwise carry member state over as
 * the plan says, publish one snapshot, choose the probe address again and
 * restart VRRP where it says so, and announce changed clusters.
 */
static void
reload(struct hf_runtime *rt)
{
	struct hf_config *ncfg = NULL, *ocfg = rt->cfg;
	struct hf_errlist errs;
	struct hf_reload_plan plan;
	struct hf_reload_in in;
	struct hf_member_rt *nmem = NULL, *omem = rt->members;
	uint32_t *ocid = rt->cluster_stat, *omid = rt->member_stat;
	char buf[HF_ERR_FILE_MAX + HF_ERR_MSG_MAX + 16];
	uint64_t t0 = rte_rdtsc(), now;
	struct hf_dataplane *odp = NULL;
	uint32_t g, i, *nannounce;
	uint8_t *nbase, *obase;
	int ret;

	HF_LOG(config, INFO, "reload: reading %s", rt->config_path);
	hf_errlist_init(&errs);
	ret = hf_config_load(rt->config_path, &ncfg, &errs);
	if (ret != 0) {
		for (i = 0; i < errs.n; i++)
			HF_LOG(config, ERR, "%s", hf_err_format(&errs.e[i], buf, sizeof(buf)));
		reload_result(rt, false, "%u error(s); first: %s", hf_errlist_count(&errs),
			      errs.n > 0 ? hf_err_format(&errs.e[0], buf, sizeof(buf)) : "?");
		return;
	}
	memset(&in, 0, sizeof(in));
	in.old_cfg = ocfg;
	in.new_cfg = ncfg;
	in.ids = &rt->ids;
	in.old_cid = ocid;
	in.old_mid = omid;
	in.local_ip = rt->local_ip;
	if (hf_reload_plan(&in, &plan) != 0) {
		reload_result(rt, false, "out of memory");
		goto out;
	}
	if (plan.refused != NULL) {
		reload_result(rt, false, "%s: this cannot change at run time, restart hyperflow",
			      plan.refused);
		goto out;
	}
	nmem = calloc(ncfg->nb_members_total ? ncfg->nb_members_total : 1, sizeof(*nmem));
	if (nmem == NULL) {
		reload_result(rt, false, "out of memory");
		goto out;
	}
	now = hf_monitor_now_ms(rt);
	for (g = 0; g < ncfg->nb_members_total; g++)
		member_rt_carry(rt, ncfg, &plan, omem, g, &nmem[g], now);
	/* a Master hands over with priority 0, under the old vrid, before the
	 * swap, and stops forwarding at once (a cheap publish: the old
	 * configuration, every table taken over), not after the new build */
	if (plan.ha_restart) {
		hf_ha_shutdown(rt);
		hf_control_republish(rt);
	}
	nannounce = announce_carry(rt, ncfg);
	nbase = hf_dp_base_tables(ncfg);
	if (nannounce == NULL || nbase == NULL) {
		free(nannounce);
		free(nbase);
		reload_result(rt, false, "out of memory");
		goto out;
	}
	obase = rt->base_tables;
	pthread_mutex_lock(&rt->lock);
	rt->cfg = ncfg;
	rt->members = nmem;
	rt->cluster_stat = plan.cid;
	rt->member_stat = plan.mid;
	rt->base_tables = nbase;
	if (hf_control_publish(rt, &odp) != 0) {
		rt->cfg = ocfg;
		rt->members = omem;
		rt->cluster_stat = ocid;
		rt->member_stat = omid;
		rt->base_tables = obase;
		pthread_mutex_unlock(&rt->lock);
		free(nannounce);
		free(nbase);
		if (plan.ha_restart) {
			hf_ha_restart(rt);   /* back to the old settings */
			hf_control_republish(rt);
		}
		reload_result(rt, false, "snapshot build failed");
		goto out;
	}
	free(rt->announce);
	rt->announce = nannounce;
	free(obase);
	rt->ids = plan.ids;
	rt->loaded_at = (uint64_t)time(NULL);
	pthread_mutex_unlock(&rt->lock);
	hf_control_retire(rt, odp);
	/* members whose state the new settings changed (to method none: up) */
	hf_monitor_settle(rt);
	if (plan.reprobe) {
		/* the probe address is no longer ours to use: pick one again */
		rt->local_ip = 0;
		if (ncfg->nb_probe > 0 &&
		    hf_probeaddr_init(&rt->paddr, ncfg->probe_pool, ncfg->nb_probe,
				      hf_monitor_now_ms(rt)) == 0)
			hf_probeaddr_set_id(&rt->paddr, &rt->ports[0].mac);
		hf_control_republish(rt);
		HF_LOG(health, NOTICE, "probe pool changed: choosing a probe address again");
	}
	if (plan.ha_restart) {
		hf_ha_restart(rt);
		hf_control_republish(rt);   /* not active until elected again */
	}
	/* clients learn a new cluster MAC or address now, not when their cache expires */
	if (hf_ha_active(rt))
		for (i = 0; i < ncfg->nb_clusters; i++)
			if (plan.announce[i] != 0)
				hf_outbox_garp(rt, i, plan.announce[i]);
	/* parse, validate, plan, build and publish (the old snapshot is retired, freed by a later pass) */
	rt->last_reload_us = (rte_rdtsc() - t0) * 1000000 / rt->tsc_hz;
	rt->config_generation++;
	reload_result(rt, true, "%u cluster(s), %u member(s): %u kept, %u kept with new health "
		      "timers, %u new; %u cluster(s) announced; generation %lu, %lu us",
		      ncfg->nb_clusters, ncfg->nb_members_total, plan.nb_keep, plan.nb_retime,
		      plan.nb_fresh, plan.nb_announce, (unsigned long)rt->generation,
		      (unsigned long)rt->last_reload_us);
	/* the old generation is unreachable now: free it */
	ncfg = ocfg;
	nmem = omem;
	plan.cid = ocid;
	plan.mid = omid;
out:
	hf_config_free(ncfg);
	free(nmem);
	hf_reload_plan_free(&plan);
}

/* What a snapshot of the runtime as it is now is built from. */
static void
build_input(struct hf_runtime *rt, struct hf_dp_build *in_)
{
	struct hf_dp_build in;
	uint32_t g;

	memset(&in, 0, sizeof(in));
	in.cfg = rt->cfg;
	in.ports = rt->ports;
	/* the health state each member reported, into the view the build reads */
	for (g = 0; g < rt->cfg->nb_members_total; g++)
		rt->members[g].view.health = (uint8_t)rt->members[g].health.reported;
	in.members = &rt->members[0].view;
	in.member_stride = sizeof(struct hf_member_rt);
	in.cluster_stat = rt->cluster_stat;
	in.member_stat = rt->member_stat;
	in.local_ip = rt->local_ip;
	in.probe_cand = rt->cfg->nb_probe > 0 ? hf_probeaddr_candidate(&rt->paddr) : 0;
	in.recover_epoch = rt->recover_epoch;
	in.hz = rt->tsc_hz;
	in.nb_workers = rt->nb_workers;
	in.probe_window = rt->probe_window;
	in.active = hf_ha_active(rt);
	in.prev = rt->dp;   /* clusters that did not change keep their tables */
	in.base = rt->base_tables;   /* the others only apply who is live */
	in.cltab_ops = hf_cltab_rte();
	/* the cluster tables where the workers read them: by the first port's NIC */
	in.cltab_socket = rt->cfg->nb_ports > 0 ? rte_eth_dev_socket_id(rt->ports[0].port_id) :
						   SOCKET_ID_ANY;
	*in_ = in;
}

int
hf_control_publish(struct hf_runtime *rt, struct hf_dataplane **old)
{
	struct hf_dp_build in;
	struct hf_dataplane *dp;

	build_input(rt, &in);
	in.generation = ++rt->generation;
	dp = hf_dataplane_build(&in);
	if (dp == NULL) {
		int err = errno;

		/* retried every pass until it works: said once, not every pass */
		if (!rt->publish_failing)
			HF_LOG(control, ERR, "dataplane snapshot build failed: %s; the workers keep "
			       "the previous snapshot, retrying", strerror(err));
		rt->publish_failing = true;
		return -err;
	}
	if (rt->publish_failing)
		HF_LOG(control, NOTICE, "dataplane snapshot published again");
	rt->publish_failing = false;
	*old = rt->dp;
	__atomic_store_n(&rt->dp, dp, __ATOMIC_RELEASE);
	timing_set(&rt->timing.publishes, rt->timing.publishes + 1);
	timing_set(&rt->timing.tables_rebuilt, rt->timing.tables_rebuilt + dp->nb_rebuilt);
	return 0;
}

/*
 * Free the retired snapshots that every worker has passed a quiescent
 * state since (none still reads them); the others wait for a later pass.
 */
static void
retire_poll(struct hf_runtime *rt)
{
	uint32_t i, k = 0;

	for (i = 0; i < rt->nb_retired; i++) {
		if (rte_rcu_qsbr_check(rt->qsbr, rt->retired[i].token, false) == 1)
			hf_dataplane_free(rt->retired[i].dp);
		else
			rt->retired[k++] = rt->retired[i];
	}
	rt->nb_retired = k;
}

void
hf_control_retire(struct hf_runtime *rt, struct hf_dataplane *old)
{
	if (old == NULL)
		return;
	if (rt->nb_retired == HF_RETIRED_MAX) {
		/* as many snapshots as we keep are waiting: the oldest must go
		 * first, so wait for the workers once, as a plain publish would */
		rte_rcu_qsbr_check(rt->qsbr, rt->retired[0].token, true);
		hf_dataplane_free(rt->retired[0].dp);
		memmove(&rt->retired[0], &rt->retired[1],
			(HF_RETIRED_MAX - 1) * sizeof(rt->retired[0]));
		rt->nb_retired--;
	}
	/* the token after the swap: a worker that reports past it has left old */
	rt->retired[rt->nb_retired].token = rte_rcu_qsbr_start(rt->qsbr);
	rt->retired[rt->nb_retired++].dp = old;
	retire_poll(rt);
}

/* Publish under the lock that keeps telemetry off half-swapped state. */
int
hf_control_republish(struct hf_runtime *rt)
{
	struct hf_dataplane *old = NULL;
	int ret;

	pthread_mutex_lock(&rt->lock);
	ret = hf_control_publish(rt, &old);
	pthread_mutex_unlock(&rt->lock);
	/* the wait for the workers is outside the lock: telemetry never waits on it,
	 * and it reads rt->dp under the lock, so it never sees old again */
	hf_control_retire(rt, old);
	return ret;
}

static const struct rte_mbuf_dynfield rx_tsc_desc = {
	.name = "hyperflow_rx_tsc",
	.size = sizeof(uint64_t),
	.align = __alignof__(uint64_t),
};

/*
 * Before any worker runs: build, then free, as many snapshots as can be
 * alive at once (the one in force, the retired ones, the next; at most
 * HF_WARM_BYTES of them, at least 2), so the
 * heap (which main.c tells to keep freed memory) holds their pages and a
 * publish under traffic does not fault megabytes in (20-50 ms at 1,024
 * clusters on the machines this was measured on). Best effort.
 */
static void
warm_heap(struct hf_runtime *rt)
{
	struct hf_dataplane *dp[HF_RETIRED_MAX + 1];
	size_t each = rt->dp->bytes ? rt->dp->bytes : 1;
	uint32_t i, n, want = (uint32_t)RTE_MIN((size_t)RTE_DIM(dp), HF_WARM_BYTES / each);
	struct hf_dp_build in;

	build_input(rt, &in);
	for (n = 0; n < RTE_MAX(want, 2u); n++) {
		dp[n] = hf_dataplane_build(&in);
		if (dp[n] == NULL)
			break;
	}
	for (i = 0; i < n; i++)
		hf_dataplane_free(dp[i]);
}

int
hf_control_init(struct hf_runtime *rt)
{
	const struct hf_config *cfg = rt->cfg;
	char name[RTE_RING_NAMESIZE];
	uint32_t g, p;
	int32_t *om;
	size_t sz;
	int ret;

	pthread_mutex_init(&rt->lock, NULL);
	rt->rx_tsc_off = rte_mbuf_dynfield_register(&rx_tsc_desc);
	if (rt->rx_tsc_off < 0)
		return -rte_errno;
	rt->ctl_stats = rte_zmalloc("hf_ctl_stats", sizeof(*rt->ctl_stats), 64);
	sz = rte_rcu_qsbr_get_memsize(rt->nb_workers);
	rt->qsbr = rte_zmalloc("hf_qsbr", sz, RTE_CACHE_LINE_SIZE);
	rt->members = calloc(cfg->nb_members_total ? cfg->nb_members_total : 1,
			     sizeof(*rt->members));
	rt->cluster_stat = calloc(cfg->nb_clusters ? cfg->nb_clusters : 1, sizeof(uint32_t));
	rt->member_stat = calloc(cfg->nb_members_total ? cfg->nb_members_total : 1,
				 sizeof(uint32_t));
	rt->announce = calloc(cfg->nb_clusters ? cfg->nb_clusters : 1, sizeof(uint32_t));
	rt->base_tables = hf_dp_base_tables(cfg);
	rt->probe_window = calloc(HF_MAX_MEMBERS_TOTAL, sizeof(uint32_t));
	om = calloc(cfg->nb_members_total ? cfg->nb_members_total : 1, sizeof(int32_t));
	if (rt->ctl_stats == NULL || rt->qsbr == NULL || rt->members == NULL ||
	    rt->cluster_stat == NULL || rt->member_stat == NULL || rt->probe_window == NULL ||
	    rt->announce == NULL || rt->base_tables == NULL ||
	    om == NULL) {
		free(om);
		return -ENOMEM;
	}
	hf_ids_init(&rt->ids);
	ret = hf_ids_assign(&rt->ids, NULL, NULL, NULL, cfg, rt->cluster_stat, rt->member_stat, om);
	free(om);
	if (ret != 0)
		return ret;
	if (rte_rcu_qsbr_init(rt->qsbr, rt->nb_workers) != 0)
		return -rte_errno;
	for (p = 0; p < rt->nb_ports; p++) {
		snprintf(name, sizeof(name), "hf_ctl_tx_%u", p);
		rt->ctl_tx[p] = rte_ring_create(name, HF_CTL_RING, rte_socket_id(),
						RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rt->ctl_tx[p] == NULL)
			return -rte_errno;
	}
	ret = hf_monitor_init(rt);
	if (ret != 0)
		return ret;
	for (g = 0; g < cfg->nb_members_total; g++)
		member_rt_init(rt, cfg, &rt->members[g], g);
	rt->loaded_at = (uint64_t)time(NULL);
	rt->config_generation = 1;
	rt->last_reload_ok = -1;
	snprintf(rt->last_reload_msg, sizeof(rt->last_reload_msg), "loaded at start");
	ret = hf_control_republish(rt);
	if (ret == 0)
		warm_heap(rt);
	return ret;
}

static void
fmt_rate(char *buf, size_t len, double pps)
{
	if (pps >= 1e6)
		snprintf(buf, len, "%.2fM", pps / 1e6);
	else if (pps >= 1e3)
		snprintf(buf, len, "%.1fk", pps / 1e3);
	else
		snprintf(buf, len, "%.0f", pps);
}

/* One line: rx/tx pps per port, live members per cluster, drops so far. */
static void
print_status(struct hf_runtime *rt, struct hf_stats_sum *prev, double secs)
{
	struct hf_stats_sum *now = malloc(sizeof(*now));
	const struct hf_dataplane *dp = rt->dp;
	char line[1024], rx[16], tx[16];
	size_t off = 0;
	uint32_t i;

	if (now == NULL)
		return;
	hf_runtime_stats(rt, now);
	off += (size_t)snprintf(line, sizeof(line), "status:");
	for (i = 0; i < rt->nb_ports && off < sizeof(line) - 80; i++) {
		fmt_rate(rx, sizeof(rx), (double)(now->port[i].rx - prev->port[i].rx) / secs);
		fmt_rate(tx, sizeof(tx), (double)(now->port[i].tx - prev->port[i].tx) / secs);
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s rx %s tx %s pps;",
					rt->cfg->ports[i].name, rx, tx);
	}
	for (i = 0; i < dp->nb_clusters && off < sizeof(line) - 80; i++)
		off += (size_t)snprintf(line + off, sizeof(line) - off, " %s %u/%u up;",
					rt->cfg->clusters[i].name, dp->clusters[i].nb_live,
					dp->clusters[i].nb_members);
	if (i < dp->nb_clusters)
		off += (size_t)snprintf(line + off, sizeof(line) - off, " (+%u clusters);",
					dp->nb_clusters - i);
	snprintf(line + off, sizeof(line) - off, " %sdropped %lu",
		 rt->cfg->ha.enabled ? (dp->active ? "MASTER; " : "BACKUP; ") : "",
		 (unsigned long)now->dropped);
	printf("%s\n", line);
	fflush(stdout);
	memcpy(prev, now, sizeof(*now));
	free(now);
}

static bool
idle_for(struct hf_runtime *rt, uint64_t now, uint64_t idle_tsc)
{
	unsigned int w;

	for (w = 0; w < rt->nb_workers; w++) {
		uint64_t last = __atomic_load_n(&rt->workers[w].last_rx_tsc, __ATOMIC_RELAXED);

		/* signed: a worker's stamp may be a little newer than now */
		if ((int64_t)(now - last) < (int64_t)idle_tsc)
			return false;
	}
	return true;
}

/* A pass over CTL_SLOW_PASS_US: where the time went, at most once a second. */
static void
slow_pass(struct hf_runtime *rt, uint64_t t0, const uint64_t *t, unsigned int punts,
	  uint64_t pass_us)
{
	uint64_t now_ms = hf_monitor_now_ms(rt), hz = rt->tsc_hz;

	if (rt->slow_pass_logged && now_ms - rt->slow_pass_logged_ms < 1000)
		return;
	rt->slow_pass_logged = true;
	rt->slow_pass_logged_ms = now_ms;
	HF_LOG(control, INFO, "slow control pass: %lu us (punted frames %u: %lu us, monitor %lu us, "
	       "HA %lu us, publish %lu us, announce %lu us)", (unsigned long)pass_us, punts,
	       (unsigned long)((t[0] - t0) * 1000000 / hz), (unsigned long)((t[1] - t[0]) * 1000000 / hz),
	       (unsigned long)((t[2] - t[1]) * 1000000 / hz), (unsigned long)((t[3] - t[2]) * 1000000 / hz),
	       (unsigned long)(pass_us - (t[3] - t0) * 1000000 / hz));
}

int
hf_control_main(struct hf_runtime *rt)
{
	const uint64_t idle_tsc = rt->tsc_hz / 1000 * rt->exit_when_idle_ms;
	const uint64_t status_tsc = rt->tsc_hz / 1000 * rt->status_interval_ms;
	struct hf_stats_sum *prev = calloc(1, sizeof(*prev));
	uint64_t last_status = rte_rdtsc();

	if (hf_ha_active(rt))
		hf_outbox_garp_all(rt);   /* with HA: when becoming Master */
	for (;;) {
		uint64_t now, pass_tsc, pass_us, t[4];
		unsigned int busy;

		if (hf_signal_quit) {
			HF_LOG(control, INFO, "signal received, stopping");
			break;
		}
		if (hf_signal_reload) {
			hf_signal_reload = 0;
			reload(rt);
		}
		/* replies first: a probe answered while this lcore was busy must not
		 * be timed out by the tick below */
		pass_tsc = rte_rdtsc();
		busy = drain_punts(rt);
		t[0] = rte_rdtsc();
		hf_monitor_poll(rt);
		t[1] = rte_rdtsc();
		ha_event(rt, hf_ha_poll(rt, hf_monitor_now_ms(rt)));
		t[2] = rte_rdtsc();
		publish_pending(rt);
		retire_poll(rt);
		t[3] = rte_rdtsc();
		hf_outbox_announce(rt);
		pass_us = (rte_rdtsc() - pass_tsc) * 1000000 / rt->tsc_hz;
		if (pass_us > CTL_SLOW_PASS_US)
			slow_pass(rt, pass_tsc, t, busy, pass_us);
		timing_set(&rt->timing.passes, rt->timing.passes + 1);
		if (pass_us > rt->timing.pass_max_us) {
			timing_set(&rt->timing.pass_max_us, pass_us);
			timing_set(&rt->timing.pass_max_at_ms,
				   hf_tsc_to_ms(rte_rdtsc() - rt->start_tsc, rt->tsc_hz));
		}
		if (busy == 0)
			rte_delay_us_sleep(CTL_IDLE_SLEEP_US);
		now = rte_rdtsc();
		if (rt->exit_when_idle_ms > 0 && idle_for(rt, now, idle_tsc)) {
			HF_LOG(control, INFO, "no packet for %u ms, stopping", rt->exit_when_idle_ms);
			break;
		}
		if (status_tsc > 0 && prev != NULL && now - last_status >= status_tsc) {
			print_status(rt, prev, (double)(now - last_status) / (double)rt->tsc_hz);
			last_status = now;
		}
	}
	/* answer what is still queued, hand over HA, let the workers send it and stop */
	drain_punts(rt);
	hf_ha_shutdown(rt);
	__atomic_store_n(&rt->stop, 1, __ATOMIC_RELEASE);
	free(prev);
	return 0;
}

void
hf_control_fini(struct hf_runtime *rt)
{
	uint32_t p;

	for (p = 0; p < HF_MAX_PORTS; p++) {
		struct rte_mbuf *m;

		if (rt->ctl_tx[p] == NULL)
			continue;
		while (rte_ring_sc_dequeue(rt->ctl_tx[p], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		rte_ring_free(rt->ctl_tx[p]);
	}
	/* the workers have stopped: nothing reads a snapshot any more */
	while (rt->nb_retired > 0)
		hf_dataplane_free(rt->retired[--rt->nb_retired].dp);
	hf_dataplane_free(rt->dp);
	rt->dp = NULL;
	free(rt->members);
	free(rt->cluster_stat);
	free(rt->member_stat);
	free(rt->announce);
	free(rt->base_tables);
	free(rt->probe_window);
	rte_free(rt->qsbr);
	rte_free(rt->ctl_stats);
}
