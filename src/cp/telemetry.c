/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * rte_telemetry commands under /hyperflow/. They run on DPDK's telemetry
 * thread, each wholly under hf_runtime.lock (see runtime.h), so the
 * configuration and snapshot they read cannot be swapped or freed under
 * them; counters are read with relaxed loads. Replies stay under the telemetry output
 * limit (16 KiB) by paging: the cluster list returns names, one cluster's
 * detail is one call.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_telemetry.h>

#include <hyperflow/health.h>
#include <hyperflow/log.h>
#include <hyperflow/runtime.h>

#define NAMES_PER_PAGE 128
#define FLOW_SAMPLE    16

/* Callbacks take no user argument in DPDK 22.11: the one runtime lives here. */
static struct hf_runtime *tel_rt;
static bool tel_closing;

static int
body_config(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	static const char *const res[] = { "none", "rejected", "ok" };

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "file", rt->config_path);
	rte_tel_data_add_dict_int(d, "pid", (int)getpid());
	rte_tel_data_add_dict_string(d, "version", HF_VERSION);
	rte_tel_data_add_dict_u64(d, "loaded_at", rt->loaded_at);
	rte_tel_data_add_dict_u64(d, "generation", rt->generation);
	rte_tel_data_add_dict_u64(d, "config_generation", rt->config_generation);
	rte_tel_data_add_dict_u64(d, "reload_attempts", rt->reload_attempts);
	rte_tel_data_add_dict_u64(d, "last_reload_us", rt->last_reload_us);
	rte_tel_data_add_dict_string(d, "last_reload", res[rt->last_reload_ok + 1]);
	rte_tel_data_add_dict_string(d, "last_reload_msg", rt->last_reload_msg);
	rte_tel_data_add_dict_u64(d, "clusters", rt->cfg->nb_clusters);
	rte_tel_data_add_dict_u64(d, "members", rt->cfg->nb_members_total);
	rte_tel_data_add_dict_u64(d, "workers", rt->nb_workers);
	/* the health reply budget, per worker (dataplane.h, hf_config_probe_budget) */
	rte_tel_data_add_dict_u64(d, "probe_reply_pps", rt->dp != NULL ? rt->dp->probe_pps : 0);
	rte_tel_data_add_dict_u64(d, "uptime_ms", hf_tsc_to_ms(rte_rdtsc() - rt->start_tsc, rt->tsc_hz));
	return 0;
}

static int
body_clusters(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	struct rte_tel_data *names = rte_tel_data_alloc();
	unsigned long off = 0;
	uint32_t i, n;

	(void)cmd;
	if (names == NULL)
		return -ENOMEM;
	if (params != NULL && *params != '\0')
		off = strtoul(params, NULL, 10);
	rte_tel_data_start_dict(d);
	rte_tel_data_start_array(names, RTE_TEL_STRING_VAL);
	n = rt->cfg->nb_clusters;
	for (i = (uint32_t)(off < n ? off : n); i < n && i < off + NAMES_PER_PAGE; i++)
		rte_tel_data_add_array_string(names, rt->cfg->clusters[i].name);
	rte_tel_data_add_dict_u64(d, "total", n);
	rte_tel_data_add_dict_u64(d, "offset", off);
	rte_tel_data_add_dict_container(d, "names", names, 0);
	return 0;
}

static void
ports_of_mask(const struct hf_config *cfg, uint32_t mask, char *buf, size_t len)
{
	size_t off = 0;
	uint32_t p;

	buf[0] = '\0';
	for (p = 0; p < cfg->nb_ports && off < len; p++)
		if (mask & (1u << p))
			off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? " " : "",
						cfg->ports[p].name);
}

static int
body_cluster(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	const struct hf_config *cfg;
	const struct hf_cluster_conf *cc;
	const struct hf_dp_cluster *cl;
	struct hf_stats_sum *s;
	char buf[256], ip[HF_IP4_STRLEN], mac[HF_MAC_STRLEN];
	uint32_t counts[HF_MAX_MEMBERS], mi, g;
	int ci, ret = 0;

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	s = malloc(sizeof(*s));
	if (s == NULL)
		return -ENOMEM;
	hf_runtime_stats(rt, s);
	cfg = rt->cfg;
	ci = hf_config_cluster_index(cfg, params);
	if (ci < 0) {
		ret = -ENOENT;
		goto out;
	}
	cc = &cfg->clusters[ci];
	cl = &rt->dp->clusters[ci];
	g = cl->member_base;
	hf_maglev_shares(cl->table, cl->bucket_mask + 1, cl->nb_members, counts);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", cc->name);
	rte_tel_data_add_dict_string(d, "type", hf_cluster_type_str(cc->type));
	rte_tel_data_add_dict_string(d, "ip", hf_ip4_str(cc->ip, ip));
	rte_tel_data_add_dict_string(d, "mac", hf_mac_str(&cc->mac, mac));
	rte_tel_data_add_dict_string(d, "hash", hf_hash_mode_str(cc->hash));
	rte_tel_data_add_dict_u64(d, "buckets", cc->buckets);
	ports_of_mask(cfg, cc->port_mask, buf, sizeof(buf));
	rte_tel_data_add_dict_string(d, "ports", buf);
	rte_tel_data_add_dict_string(d, "health", hf_health_method_str(cc->health.method));
	rte_tel_data_add_dict_u64(d, "rx", s->cluster[cl->stat].rx);
	rte_tel_data_add_dict_u64(d, "tx", s->cluster[cl->stat].tx);
	rte_tel_data_add_dict_u64(d, "dropped", s->cluster[cl->stat].dropped);
	rte_tel_data_add_dict_u64(d, "members_total", cl->nb_members);
	rte_tel_data_add_dict_u64(d, "members_live", cl->nb_live);
	for (mi = 0; mi < cc->nb_members; mi++, g++) {
		const struct hf_member_conf *mc = &cc->members[mi];
		const struct hf_dp_member *dm = &rt->dp->members[g];
		struct rte_tel_data *m = rte_tel_data_alloc();
		struct hf_mac mmac;

		if (m == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		rte_tel_data_start_dict(m);
		rte_tel_data_add_dict_string(m, "name", mc->name);
		rte_tel_data_add_dict_string(m, "ip", hf_ip4_str(mc->ip, ip));
		rte_tel_data_add_dict_string(m, "device", mc->device);
		rte_tel_data_add_dict_u64(m, "held", dm->held);
		/* member state from the published snapshot, never from rt->members,
		 * which the control lcore changes without the lock */
		memcpy(mmac.b, dm->eth, sizeof(mmac.b));
		rte_tel_data_add_dict_string(m, "mac", dm->mac_known ? hf_mac_str(&mmac, mac) :
					     "unresolved");
		rte_tel_data_add_dict_string(m, "port", cfg->ports[mc->port].name);
		rte_tel_data_add_dict_u64(m, "weight", mc->weight);
		rte_tel_data_add_dict_string(m, "admin", hf_admin_state_str(mc->state));
		rte_tel_data_add_dict_string(m, "health",
					     cc->health.method == HF_HEALTH_NONE ? "none" :
					     hf_health_state_str((enum hf_health_state)dm->health));
		rte_tel_data_add_dict_string(m, "state", hf_member_state_str(rt, g, mc));
		rte_tel_data_add_dict_u64(m, "buckets", counts[mi]);
		rte_tel_data_add_dict_u64(m, "tx", s->member_tx[rt->dp->members[g].stat]);
		/* DPDK restricts dict keys to [A-Za-z0-9_]-ish: key by position */
		snprintf(buf, sizeof(buf), "member%u", mi);
		rte_tel_data_add_dict_container(d, buf, m, 0);
	}
out:
	free(s);
	return ret;
}

static int
body_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	struct hf_stats_sum *s = malloc(sizeof(*s));
	char mac[HF_MAC_STRLEN], key[16];
	uint32_t p;

	(void)cmd;
	(void)params;
	if (s == NULL)
		return -ENOMEM;
	hf_runtime_stats(rt, s);
	rte_tel_data_start_dict(d);
	for (p = 0; p < rt->nb_ports; p++) {
		struct rte_tel_data *c = rte_tel_data_alloc();
		struct rte_eth_link link;

		if (c == NULL)
			break;
		memset(&link, 0, sizeof(link));
		rte_eth_link_get_nowait(rt->ports[p].port_id, &link);
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_string(c, "name", rt->cfg->ports[p].name);
		rte_tel_data_add_dict_string(c, "rss",
					     hf_port_rss_str((enum hf_port_rss)rt->port_rss[p]));
		rte_tel_data_add_dict_string(c, "device", rt->cfg->ports[p].device);
		rte_tel_data_add_dict_u64(c, "port_id", rt->ports[p].port_id);
		rte_tel_data_add_dict_string(c, "mac", hf_mac_str(&rt->ports[p].mac, mac));
		rte_tel_data_add_dict_string(c, "link", link.link_status ? "up" : "down");
		rte_tel_data_add_dict_u64(c, "speed_mbps", link.link_speed);
		rte_tel_data_add_dict_u64(c, "rx", s->port[p].rx);
		rte_tel_data_add_dict_u64(c, "tx", s->port[p].tx);
		rte_tel_data_add_dict_u64(c, "tx_dropped", s->port[p].tx_dropped);
		snprintf(key, sizeof(key), "port%u", p);
		rte_tel_data_add_dict_container(d, key, c, 0);
	}
	free(s);
	return 0;
}

static void
add_lcore(struct rte_tel_data *d, const char *name, const struct hf_lcore_stats *ls,
	  uint64_t loops)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	uint64_t rx = 0, tx = 0, dropped = 0;
	unsigned int i;

	if (c == NULL)
		return;
	for (i = 0; i < HF_MAX_PORTS; i++) {
		rx += hf_ctr_read(&ls->port[i].rx);
		tx += hf_ctr_read(&ls->port[i].tx);
	}
	for (i = 0; i < HF_DROP__MAX; i++)
		dropped += hf_ctr_read(&ls->drops[i]);
	rte_tel_data_start_dict(c);
	rte_tel_data_add_dict_u64(c, "rx", rx);
	rte_tel_data_add_dict_u64(c, "tx", tx);
	rte_tel_data_add_dict_u64(c, "dropped", dropped);
	rte_tel_data_add_dict_u64(c, "punted", hf_ctr_read(&ls->punted));
	rte_tel_data_add_dict_u64(c, "loops", loops);
	rte_tel_data_add_dict_container(d, name, c, 0);
}

static int
body_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	struct hf_stats_sum *s = malloc(sizeof(*s));
	struct rte_tel_data *drops, *ctl, *probe;
	char name[32], ip[HF_IP4_STRLEN];
	unsigned int i;

	(void)cmd;
	(void)params;
	drops = rte_tel_data_alloc();
	ctl = rte_tel_data_alloc();
	probe = rte_tel_data_alloc();
	if (s == NULL || drops == NULL || ctl == NULL || probe == NULL) {
		free(s);
		rte_tel_data_free(drops);
		rte_tel_data_free(ctl);
		rte_tel_data_free(probe);
		return -ENOMEM;
	}
	hf_runtime_stats(rt, s);
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "rx", s->rx);
	rte_tel_data_add_dict_u64(d, "tx", s->tx);
	rte_tel_data_add_dict_u64(d, "dropped", s->dropped);
	rte_tel_data_add_dict_u64(d, "punted", s->punted);
	rte_tel_data_add_dict_u64(d, "bridged", s->bridged);
	/* the bound probe address, and the candidate the published snapshot punts ARP for */
	rte_tel_data_start_dict(probe);
	rte_tel_data_add_dict_string(probe, "address", hf_ip4_str(rt->dp->local_ip, ip));
	rte_tel_data_add_dict_string(probe, "candidate", hf_ip4_str(rt->dp->probe_cand, ip));
	rte_tel_data_add_dict_container(d, "probe", probe, 0);
	rte_tel_data_start_dict(drops);
	for (i = 0; i < HF_DROP__MAX; i++)
		rte_tel_data_add_dict_u64(drops, hf_drop_names[i], s->drops[i]);
	rte_tel_data_add_dict_container(d, "drops", drops, 0);
	rte_tel_data_start_dict(ctl);
	for (i = 0; i < HF_CTL__MAX; i++)
		rte_tel_data_add_dict_u64(ctl, hf_ctl_names[i], s->ctl[i]);
	rte_tel_data_add_dict_container(d, "control", ctl, 0);
	for (i = 0; i < rt->nb_workers; i++) {
		snprintf(name, sizeof(name), "worker%u", i);
		add_lcore(d, name, rt->workers[i].stats,
			  __atomic_load_n(&rt->workers[i].loops, __ATOMIC_RELAXED));
	}
	add_lcore(d, "control_lcore", rt->ctl_stats, 0);
	free(s);
	return 0;
}

struct sample_ctx {
	struct rte_tel_data *arr;
	const struct hf_runtime *rt;
	uint64_t now;
};

static int
sample_cb(const struct hf_flow_key *k, uint32_t val, uint64_t last_seen, void *arg)
{
	struct sample_ctx *sc = arg;
	const struct hf_runtime *rt = sc->rt;
	const struct hf_dataplane *dp = rt->dp;
	char line[RTE_TEL_MAX_STRING_LEN], src[HF_IP4_STRLEN], dst[HF_IP4_STRLEN];
	const char *member = "?";
	uint32_t mi = HF_FLOW_UID(val) < dp->uid_cap ? dp->uid_to_member[HF_FLOW_UID(val)] : HF_DP_NONE;

	if (mi != HF_DP_NONE && mi < rt->cfg->nb_members_total)
		member = hf_config_member(rt->cfg, mi, NULL)->name;
	if (k->family == 6)
		snprintf(src, sizeof(src), "%08x", ntohl(k->src));
	else
		hf_ip4_str(k->src, src);
	if (k->family == 6)
		snprintf(dst, sizeof(dst), "%08x", ntohl(k->dst));
	else
		hf_ip4_str(k->dst, dst);
	/* fields the cluster's hash mode does not use are zero in the key */
	snprintf(line, sizeof(line), "%s%s%s%s%s -> %s, idle %lu ms",
		 k->family == 6 ? "ipv6 (folded) " : "",
		 k->src ? "src " : "", k->src ? src : "", k->dst ? " dst " : "", k->dst ? dst : "",
		 member, (unsigned long)hf_tsc_to_ms(sc->now - last_seen, rt->tsc_hz));
	if (k->proto != 0) {
		size_t n = strlen(line);

		snprintf(line + n, sizeof(line) - n, " (proto %u ports %u>%u)", k->proto,
			 ntohs(k->sport), ntohs(k->dport));
	}
	rte_tel_data_add_array_string(sc->arr, line);
	return 0;
}

/* The fragment tables' counters, summed over workers, as d's "fragments". */
static void
add_frags(const struct hf_runtime *rt, struct rte_tel_data *d)
{
	struct hf_fragtab_stats t, sum;
	struct rte_tel_data *f;
	uint64_t cap = 0;
	unsigned int w;

	memset(&sum, 0, sizeof(sum));
	for (w = 0; w < rt->nb_workers; w++) {
		if (rt->workers[w].frags == NULL)
			continue;
		hf_fragtab_get_stats(rt->workers[w].frags, &t);
		cap += hf_fragtab_capacity(rt->workers[w].frags);
		sum.entries += t.entries;
		sum.heads += t.heads;
		sum.tails += t.tails;
		sum.held += t.held;
		sum.released += t.released;
		sum.expired += t.expired;
		sum.aged += t.aged;
		sum.full += t.full;
		sum.hold_full += t.hold_full;
		sum.evicted += t.evicted;
	}
	f = rte_tel_data_alloc();
	if (f == NULL)
		return;
	rte_tel_data_start_dict(f);
	rte_tel_data_add_dict_u64(f, "capacity", cap);
	rte_tel_data_add_dict_u64(f, "entries", sum.entries);
	rte_tel_data_add_dict_u64(f, "heads", sum.heads);
	rte_tel_data_add_dict_u64(f, "tails", sum.tails);
	rte_tel_data_add_dict_u64(f, "held", sum.held);
	rte_tel_data_add_dict_u64(f, "released", sum.released);
	rte_tel_data_add_dict_u64(f, "expired", sum.expired);
	rte_tel_data_add_dict_u64(f, "aged", sum.aged);
	rte_tel_data_add_dict_u64(f, "evicted", sum.evicted);
	rte_tel_data_add_dict_u64(f, "full", sum.full);
	rte_tel_data_add_dict_u64(f, "hold_full", sum.hold_full);
	rte_tel_data_add_dict_container(d, "fragments", f, 0);
}

static int
body_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	struct hf_flowtab_stats t, sum;
	struct sample_ctx sc;
	uint64_t cap = 0;
	unsigned int w;

	(void)cmd;
	(void)params;
	memset(&sum, 0, sizeof(sum));
	for (w = 0; w < rt->nb_workers; w++) {
		if (rt->workers[w].flows == NULL)
			continue;
		hf_flowtab_get_stats(rt->workers[w].flows, &t);
		cap += hf_flowtab_capacity(rt->workers[w].flows);
		sum.entries += t.entries;
		sum.inserts += t.inserts;
		sum.hits += t.hits;
		sum.misses += t.misses;
		sum.aged += t.aged;
		sum.full += t.full;
	}
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "workers", rt->nb_workers);
	rte_tel_data_add_dict_u64(d, "capacity", cap);
	rte_tel_data_add_dict_u64(d, "entries", sum.entries);
	rte_tel_data_add_dict_u64(d, "inserts", sum.inserts);
	rte_tel_data_add_dict_u64(d, "hits", sum.hits);
	rte_tel_data_add_dict_u64(d, "misses", sum.misses);
	rte_tel_data_add_dict_u64(d, "aged", sum.aged);
	rte_tel_data_add_dict_u64(d, "full", sum.full);
	add_frags(rt, d);
	sc.arr = rte_tel_data_alloc();
	if (sc.arr == NULL)
		return 0;
	rte_tel_data_start_array(sc.arr, RTE_TEL_STRING_VAL);
	sc.rt = rt;
	sc.now = rte_rdtsc();
	/* Best effort: entries are read while their worker may update them. */
	if (rt->nb_workers > 0 && rt->workers[0].flows != NULL)
		hf_flowtab_walk(rt->workers[0].flows, sc.now, FLOW_SAMPLE, sample_cb, &sc);
	rte_tel_data_add_dict_container(d, "sample", sc.arr, 0);
	return 0;
}

static int
body_ha(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct hf_runtime *rt = tel_rt;
	const struct hf_ha_conf *ha = &rt->cfg->ha;
	const struct hf_vrrp *v = &rt->vrrp;
	char buf[HF_VRRP_REASON_MAX], ip[HF_IP4_STRLEN];

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "enabled", ha->enabled);
	rte_tel_data_add_dict_string(d, "active", rt->dp->active ? "yes" : "no");
	if (!ha->enabled) {
		rte_tel_data_add_dict_string(d, "state", "disabled");
		return 0;
	}
	rte_tel_data_add_dict_string(d, "state", hf_vrrp_state_str(v->state));
	rte_tel_data_add_dict_string(d, "port", rt->cfg->ports[ha->port].name);
	rte_tel_data_add_dict_u64(d, "vrid", ha->vrid);
	rte_tel_data_add_dict_u64(d, "priority", ha->priority);
	rte_tel_data_add_dict_u64(d, "advert_ms", ha->advert_ms);
	rte_tel_data_add_dict_int(d, "preempt", ha->preempt);
	/* as published: rt->local_ip changes on the control lcore without the lock */
	rte_tel_data_add_dict_string(d, "address", hf_ip4_str(rt->dp->local_ip, ip));
	rte_tel_data_add_dict_u64(d, "master_down_ms", hf_vrrp_master_down_ms(v));
	rte_tel_data_add_dict_string(d, "master_ip", hf_ip4_str(v->master_ip, ip));
	rte_tel_data_add_dict_u64(d, "master_priority", v->master_priority);
	rte_tel_data_add_dict_string(d, "last_reason", hf_vrrp_reason_str(v, buf, sizeof(buf)));
	rte_tel_data_add_dict_u64(d, "transitions", v->stats.transitions);
	rte_tel_data_add_dict_u64(d, "became_master", v->stats.became_master);
	rte_tel_data_add_dict_u64(d, "became_backup", v->stats.became_backup);
	rte_tel_data_add_dict_u64(d, "adverts_sent", v->stats.adverts_sent);
	rte_tel_data_add_dict_u64(d, "adverts_rx", v->stats.adverts_rx);
	rte_tel_data_add_dict_u64(d, "address_conflicts", v->stats.rx_conflict);
	return 0;
}

/* How the control loop keeps up: single-writer fields, read relaxed. */
static int
body_control(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct hf_ctl_timing *t = &tel_rt->timing;
	const struct hf_lcore_stats *cs = tel_rt->ctl_stats;
	const struct hf_dataplane *dp = tel_rt->dp;
	uint64_t live = 0;
	uint32_t ci;

	(void)cmd;
	(void)params;
	for (ci = 0; ci < dp->nb_clusters; ci++)
		live += dp->clusters[ci].nb_live;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_u64(d, "members", dp->nb_members);
	rte_tel_data_add_dict_u64(d, "members_live", live);
	rte_tel_data_add_dict_u64(d, "passes", __atomic_load_n(&t->passes, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "pass_max_us",
				  __atomic_load_n(&t->pass_max_us, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "pass_max_at_ms",
				  __atomic_load_n(&t->pass_max_at_ms, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "publishes", __atomic_load_n(&t->publishes, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "publish_last_us",
				  __atomic_load_n(&t->publish_last_us, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "publish_max_us",
				  __atomic_load_n(&t->publish_max_us, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "tables_rebuilt",
				  __atomic_load_n(&t->tables_rebuilt, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "probes_deferred",
				  __atomic_load_n(&t->probes_deferred, __ATOMIC_RELAXED));
	rte_tel_data_add_dict_u64(d, "probes_sent", hf_ctr_read(&cs->ctl[HF_CTL_PROBES_SENT]));
	rte_tel_data_add_dict_u64(d, "probe_replies", hf_ctr_read(&cs->ctl[HF_CTL_PROBE_REPLIES]));
	rte_tel_data_add_dict_u64(d, "ctl_tx_full", hf_ctr_read(&cs->ctl[HF_CTL_TX_FULL]));
	rte_tel_data_add_dict_u64(d, "ctl_alloc_fail", hf_ctr_read(&cs->ctl[HF_CTL_ALLOC_FAIL]));
	rte_tel_data_add_dict_u64(d, "member_up", hf_ctr_read(&cs->ctl[HF_CTL_MEMBER_UP]));
	rte_tel_data_add_dict_u64(d, "member_down", hf_ctr_read(&cs->ctl[HF_CTL_MEMBER_DOWN]));
	rte_tel_data_add_dict_u64(d, "vrrp_sent", hf_ctr_read(&cs->ctl[HF_CTL_VRRP_SENT]));
	return 0;
}

/* Every command runs under the lock, and not at all once shutdown began. */
#define LOCKED_CMD(n)                                                                   \
	static int tel_##n(const char *cmd, const char *params, struct rte_tel_data *d) \
	{                                                                               \
		int ret = -EAGAIN;                                                      \
		pthread_mutex_lock(&tel_rt->lock);                                      \
		if (!tel_closing)                                                       \
			ret = body_##n(cmd, params, d);                                 \
		pthread_mutex_unlock(&tel_rt->lock);                                    \
		return ret;                                                             \
	}
LOCKED_CMD(config)
LOCKED_CMD(clusters)
LOCKED_CMD(cluster)
LOCKED_CMD(ports)
LOCKED_CMD(stats)
LOCKED_CMD(flows)
LOCKED_CMD(ha)
LOCKED_CMD(control)

int
hf_telemetry_init(struct hf_runtime *rt)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/hyperflow/config", tel_config, "Configuration file, generation, last reload." },
		{ "/hyperflow/clusters", tel_clusters, "Cluster names. Parameter: offset." },
		{ "/hyperflow/cluster", tel_cluster, "One cluster with its members. Parameter: name." },
		{ "/hyperflow/ports", tel_ports, "Ports: link and counters." },
		{ "/hyperflow/stats", tel_stats, "Totals, drops by reason, per lcore." },
		{ "/hyperflow/flows", tel_flows, "Flow tables: counters and a sample." },
		{ "/hyperflow/ha", tel_ha, "High availability state." },
		{ "/hyperflow/control", tel_control,
		  "Control loop: passes, longest pass, publishes and their latency, probes." },
	};
	unsigned int i;
	int ret;

	tel_rt = rt;
	for (i = 0; i < RTE_DIM(cmds); i++) {
		ret = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (ret != 0) {
			HF_LOG(telemetry, ERR, "cannot register %s: %s", cmds[i].cmd, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

void
hf_telemetry_fini(struct hf_runtime *rt)
{
	if (tel_rt != rt)
		return;
	pthread_mutex_lock(&rt->lock);
	tel_closing = true;
	pthread_mutex_unlock(&rt->lock);
}
