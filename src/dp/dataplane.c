/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Build the immutable dataplane snapshot from a configuration plus the
 * members' live state. Control-plane code: allocates, may be slow; the
 * result is what the fast path reads.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/dataplane.h>
#include <hyperflow/flowtab.h>

_Static_assert(HF_MAX_MEMBERS <= HF_MAGLEV_MAX_MEMBERS,
	       "a cluster's member indexes must fit a one-byte bucket");
_Static_assert(HF_MAX_MEMBERS < 255, "device slots and slot maps are one byte, 0xff unset");
_Static_assert(HF_MAX_CLUSTERS < 0xffff, "HF_DP_NO_FLOW_ID is no cluster's stat");

void
hf_dataplane_free(struct hf_dataplane *dp)
{
	if (dp == NULL)
		return;
	hf_cltabs_put(dp->cltabs);
	hf_addrtab_free(&dp->member_tab);
	free(dp->clusters);
	free(dp->members);
	free(dp->uid_to_member);
	free(dp->probe_src);
	free(dp->member_slot);
	free(dp->member_flow);
	free(dp->slot_members);
	free(dp->tables);
	free(dp);
}

static int
build_member(struct hf_dataplane *dp, const struct hf_dp_build *in,
	     const struct hf_cluster_conf *cc, const struct hf_member_conf *mc, uint32_t gidx,
	     struct hf_dp_member *m)
{
	const struct hf_member_view *rt = NULL;
	struct hf_mac mac;
	bool mac_known, healthy;

	if (mc->port >= dp->nb_ports)
		return -EINVAL;
	if (in->members != NULL)
		rt = (const struct hf_member_view *)((const char *)in->members +
						     gidx * (in->member_stride ? in->member_stride :
									 sizeof(*rt)));
	if (rt != NULL) {
		mac_known = rt->mac_known;
		mac = rt->mac;
		healthy = rt->healthy;
	} else {
		mac_known = mc->has_mac;
		mac = mc->mac;
		healthy = true;
	}
	memset(m, 0, sizeof(*m));
	if (mac_known)
		memcpy(&m->eth[0], mac.b, 6);
	memcpy(&m->eth[6], dp->ports[mc->port].mac.b, 6);
	m->pidx = mc->port;
	m->port_id = dp->ports[mc->port].port_id;
	m->stat = in->member_stat != NULL ? in->member_stat[gidx] : gidx;
	m->uid = m->stat;
	m->live = mac_known && healthy && mc->state == HF_ADMIN_UP;
	m->recovered_epoch = rt != NULL ? rt->recovered_epoch : 0;
	m->usable = mac_known && healthy && mc->state != HF_ADMIN_DOWN;
	m->mac_known = mac_known;
	m->healthy = healthy;
	m->health = rt != NULL ? rt->health : HF_DP_HEALTH_UP;
	if (cc->health.method == HF_HEALTH_ICMP)
		dp->probe_src[gidx] = mc->ip;
	else if (cc->health.method == HF_HEALTH_TUNNEL)
		dp->probe_src[gidx] = cc->health.target;
	return 0;
}

/*
 * Can cluster ci take the previous snapshot's table? Only when that one
 * was built from the same configuration (the table is a function of the
 * members' keys, weights, the table size and who is live) and the same
 * members are live.
 */
static bool
same_table(const struct hf_dp_build *in, uint32_t ci, uint32_t gbase,
	   const struct hf_maglev_member *mm, const struct hf_cluster_conf *cc)
{
	const struct hf_dataplane *prev = in->prev;
	uint32_t i;

	if (prev == NULL || prev->cfg_serial != in->cfg->serial || in->cfg->serial == 0 ||
	    ci >= prev->nb_clusters || prev->clusters[ci].nb_members != cc->nb_members ||
	    prev->clusters[ci].bucket_mask + 1 != cc->buckets)
		return false;
	for (i = 0; i < cc->nb_members; i++)
		if (prev->members[gbase + i].live != mm[i].live)
			return false;
	return true;
}

/* Cluster ci's fields and members (their own state; devices come after). */
static int
build_cluster(struct hf_dataplane *dp, const struct hf_dp_build *in, uint32_t ci, uint32_t gbase)
{
	const struct hf_config *cfg = in->cfg;
	const struct hf_cluster_conf *cc = &cfg->clusters[ci];
	struct hf_dp_cluster *cl = &dp->clusters[ci];
	uint32_t i;
	int ret;

	if (cc->nb_members == 0 || cc->nb_members > HF_MAX_MEMBERS || cc->group >= cfg->nb_clusters)
		return -EINVAL;
	cl->member_base = gbase;
	cl->nb_members = (uint16_t)cc->nb_members;
	cl->hash_mode = (uint8_t)cc->hash;
	cl->type = (uint8_t)cc->type;
	cl->port_mask = cc->port_mask;
	cl->ip = cc->ip;
	cl->mac = cc->mac;
	cl->stat = in->cluster_stat != NULL ? in->cluster_stat[ci] : ci;
	cl->flow_id = (uint16_t)cl->stat;   /* a grouped cluster's is set by build_devices */
	cl->bucket_mask = cc->buckets - 1;
	for (i = 0; i < cc->nb_members; i++) {
		ret = build_member(dp, in, cc, &cc->members[i], gbase + i, &dp->members[gbase + i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* The newer of two recovery epochs (0 = none; they wrap). */
static uint16_t
later_epoch(uint16_t a, uint16_t b)
{
	if (a == 0 || b == 0)
		return a != 0 ? a : b;
	return (int16_t)(a - b) >= 0 ? a : b;
}

/*
 * A device is live (usable) only while every one of its legs is: a leg
 * that fails its health check, loses its link or is set drain/down takes
 * the device out of every cluster of its group at once, and it comes back
 * to all of them at once, with the latest recovery of any leg. Also lays
 * out the device slots (hf_dp_twin_).
 */
static int
build_devices(struct hf_dataplane *dp, const struct hf_dp_build *in)
{
	const struct hf_config *cfg = in->cfg;
	uint32_t d, k, ci, off = 0;

	if (cfg->nb_devices == 0)
		return 0;
	dp->member_slot = calloc(dp->nb_members, sizeof(*dp->member_slot));
	dp->member_flow = malloc(dp->nb_members * sizeof(*dp->member_flow));
	for (ci = 0; ci < cfg->nb_clusters; ci++)
		if (cfg->clusters[ci].members[0].device[0] != '\0')
			off += cfg->clusters[ci].nb_members;
	dp->slot_members = malloc(off ? off : 1);
	if (dp->member_slot == NULL || dp->member_flow == NULL || dp->slot_members == NULL)
		return -ENOMEM;
	/* no flow id: a member outside every group is nobody's twin (hf_dp_twin_) */
	for (k = 0; k < dp->nb_members; k++)
		dp->member_flow[k] = HF_DP_NO_FLOW_ID;
	memset(dp->slot_members, HF_MAGLEV_NONE, off ? off : 1);
	/*
	 * The group's flow id: the least stat of its clusters (stats stay
	 * with a cluster's name across reloads, so the id does too unless
	 * that cluster goes). Gathered in the group's first cluster, whose
	 * flow_id starts as its own stat, then handed to the others: O(C).
	 */
	for (ci = 0, off = 0; ci < cfg->nb_clusters; ci++)
		if (cfg->clusters[ci].members[0].device[0] != '\0') {
			struct hf_dp_cluster *cl = &dp->clusters[ci];
			struct hf_dp_cluster *lead = &dp->clusters[cfg->clusters[ci].group];

			cl->slot_member = &dp->slot_members[off];
			off += cfg->clusters[ci].nb_members;
			if (cl->stat < lead->flow_id)
				lead->flow_id = (uint16_t)cl->stat;
		}
	for (ci = 0; ci < cfg->nb_clusters; ci++)
		if (cfg->clusters[ci].members[0].device[0] != '\0')
			dp->clusters[ci].flow_id = dp->clusters[cfg->clusters[ci].group].flow_id;
	for (d = 0; d < cfg->nb_devices; d++) {
		const struct hf_device_conf *dc = &cfg->devices[d];
		bool live = true, usable = true;
		uint16_t epoch = 0;

		for (k = 0; k < dc->nb_legs; k++) {
			const struct hf_dp_member *m = &dp->members[cfg->device_legs[dc->first_leg + k]];

			live = live && m->live;
			usable = usable && m->usable;
			epoch = later_epoch(epoch, m->recovered_epoch);
		}
		for (k = 0; k < dc->nb_legs; k++) {
			uint32_t g = cfg->device_legs[dc->first_leg + k];
			struct hf_dp_member *m = &dp->members[g];
			struct hf_dp_cluster *cl = &dp->clusters[cfg->member_cluster[g]];

			if (dc->slot >= cl->nb_members || cl->slot_member == NULL)
				return -EINVAL;
			m->held = (m->live && !live) || (m->usable && !usable);
			m->live = live;
			m->usable = usable;
			m->recovered_epoch = epoch;
			dp->member_slot[g] = (uint8_t)dc->slot;
			dp->member_flow[g] = cl->flow_id;
			((uint8_t *)cl->slot_member)[dc->slot] = (uint8_t)(g - cl->member_base);
		}
	}
	/* every slot of a grouped cluster names one of its members */
	for (k = 0; k < off; k++)
		if (dp->slot_members[k] == HF_MAGLEV_NONE)
			return -EINVAL;
	return 0;
}

/* Cluster ci's bucket table, from its members' (device-wide) liveness. */
static int
build_table(struct hf_dataplane *dp, const struct hf_dp_build *in, uint32_t ci, uint32_t toff)
{
	uint8_t *table = &dp->tables[toff];
	const struct hf_cluster_conf *cc = &in->cfg->clusters[ci];
	struct hf_dp_cluster *cl = &dp->clusters[ci];
	struct hf_maglev_member mm[HF_MAX_MEMBERS];
	uint32_t i;
	int ret;

	cl->nb_live = 0;
	for (i = 0; i < cc->nb_members; i++) {
		mm[i].key = cc->members[i].key;
		mm[i].weight = cc->members[i].weight;
		mm[i].live = dp->members[cl->member_base + i].live;
		cl->nb_live += mm[i].live;
	}
	cl->table = table;
	if (same_table(in, ci, cl->member_base, mm, cc)) {
		memcpy(table, in->prev->clusters[ci].table, cc->buckets);
		return 0;
	}
	/* with the configuration's base tables, only who is live is applied */
	if (in->base != NULL)
		ret = hf_maglev_live(mm, cc->nb_members, cc->buckets, &in->base[toff], table);
	else
		ret = hf_maglev_build(mm, cc->nb_members, cc->buckets, table);
	if (ret < 0)
		return ret;
	dp->nb_rebuilt++;
	return 0;
}

uint8_t *
hf_dp_base_tables(const struct hf_config *cfg)
{
	struct hf_maglev_member mm[HF_MAX_MEMBERS];
	uint32_t ci, i, toff = 0;
	size_t tsize = 0;
	uint8_t *base;

	for (ci = 0; ci < cfg->nb_clusters; ci++)
		tsize += cfg->clusters[ci].buckets;
	base = malloc(tsize ? tsize : 1);
	if (base == NULL)
		return NULL;
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[ci];

		if (cc->nb_members == 0 || cc->nb_members > HF_MAX_MEMBERS)
			goto fail;
		for (i = 0; i < cc->nb_members; i++) {
			mm[i].key = cc->members[i].key;
			mm[i].weight = cc->members[i].weight;
			mm[i].live = true;
		}
		if (hf_maglev_base(mm, cc->nb_members, cc->buckets, &base[toff]) != 0)
			goto fail;
		toff += cc->buckets;
	}
	return base;
fail:
	free(base);
	errno = EINVAL;
	return NULL;
}

/*
 * May the snapshot take the previous one's cluster tables? Their keys are
 * the configuration's cluster IPs and MACs, the port MACs and the probe
 * address: a publish for a member's state change (the common one) keeps
 * all of them, a reload or a new probe address does not.
 */
static bool
same_cltabs(const struct hf_cltabs *t, const struct hf_dp_build *in,
	    const struct hf_cltab_ops *ops, const struct hf_dataplane *dp)
{
	uint32_t p;

	if (t == NULL || t->ops != ops || t->socket != in->cltab_socket || t->cfg_serial == 0 ||
	    t->cfg_serial != in->cfg->serial || t->local_ip != in->local_ip ||
	    t->nb_ports != dp->nb_ports)
		return false;
	for (p = 0; p < dp->nb_ports; p++)
		if (t->port_mac[p] != hf_mac_key(dp->ports[p].mac.b))
			return false;
	return true;
}

static int
build_cltabs(struct hf_dataplane *dp, const struct hf_dp_build *in)
{
	const struct hf_config *cfg = in->cfg;
	const struct hf_cltab_ops *ops = in->cltab_ops ? in->cltab_ops : hf_cltab_addrtab();
	struct hf_cltabs *t;
	uint32_t ci;
	int ret;

	if (in->prev != NULL && same_cltabs(in->prev->cltabs, in, ops, dp)) {
		dp->cltabs = in->prev->cltabs;
		dp->cltabs->refs++;
		return 0;
	}
	t = hf_cltabs_new(ops, in->cltab_socket, cfg->nb_clusters + 1,
			  cfg->nb_clusters + dp->nb_ports);
	if (t == NULL)
		return -errno;
	dp->cltabs = t;
	t->cfg_serial = cfg->serial;
	t->local_ip = in->local_ip;
	t->nb_ports = dp->nb_ports;
	for (ci = 0; ci < dp->nb_ports; ci++)
		t->port_mac[ci] = hf_mac_key(dp->ports[ci].mac.b);
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[ci];

		ret = hf_cltabs_add_ip(t, cc->ip, ci);
		if (ret < 0)
			return ret;
		/* Clusters may share a MAC: the first one in config order takes frames by MAC. */
		ret = hf_cltabs_add_mac(t, hf_mac_key(cc->mac.b), ci);
		if (ret < 0 && ret != -EEXIST)
			return ret;
	}
	for (ci = 0; ci < dp->nb_ports; ci++) {
		/* a port MAC equal to a cluster MAC stays the cluster's */
		ret = hf_cltabs_add_mac(t, hf_mac_key(dp->ports[ci].mac.b), HF_DP_MAC_PORT | ci);
		if (ret < 0 && ret != -EEXIST)
			return ret;
	}
	if (in->local_ip != 0) {
		ret = hf_cltabs_add_ip(t, in->local_ip, HF_DP_IP_LOCAL);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int
build_tables(struct hf_dataplane *dp, const struct hf_dp_build *in)
{
	const struct hf_config *cfg = in->cfg;
	uint32_t ci, g;
	int ret;

	ret = build_cltabs(dp, in);
	if (ret < 0)
		return ret;
	/* members whose ARP replies we ask for: ARP health, or a MAC to resolve */
	ret = hf_addrtab_init(&dp->member_tab, cfg->nb_members_total);
	if (ret < 0)
		return ret;
	for (ci = 0, g = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[ci];
		uint32_t mi;

		for (mi = 0; mi < cc->nb_members; mi++, g++) {
			if (cc->health.method != HF_HEALTH_ARP && cc->members[mi].has_mac)
				continue;
			/* members of several clusters may share an address: the first is enough */
			ret = hf_addrtab_add(&dp->member_tab, cc->members[mi].ip, g);
			if (ret < 0 && ret != -EEXIST)
				return ret;
		}
	}
	return 0;
}

/*
 * Punt limits per worker; burst = 100 ms worth. A kind that RSS spreads
 * over the rx queues (IPv4 to the probe address: icmp) is shared out among
 * the workers. The kinds it cannot spread are given in full to every
 * worker: ARP is not IP, so RSS leaves all of it on one queue (arp,
 * local), VRRP is one flow (vrrp), and a member's replies hash to one
 * queue (the probe kind, budget from hf_config_probe_budget); a share
 * would cut their limit by the worker count. What that costs is at most
 * nb_workers times a limit at the control lcore, and only when a NIC
 * spreads such frames after all.
 */
static void
set_punt_limits(struct hf_dataplane *dp, const struct hf_dp_build *in)
{
	struct hf_probe_budget pb;
	const struct hf_punt_conf *pc = &in->cfg->punt;
	const uint32_t pps[HF_PUNT__MAX] = {
		[HF_PUNT_ARP] = pc->arp_pps,
		[HF_PUNT_LOCAL] = pc->local_pps,
		[HF_PUNT_ICMP] = pc->icmp_pps,
		[HF_PUNT_VRRP] = pc->vrrp_pps,
	};
	uint64_t hz = in->hz ? in->hz : 1000, nw = in->nb_workers ? in->nb_workers : 1;
	unsigned int k;

	for (k = 0; k < HF_PUNT_PROBE; k++) {
		uint64_t rate = k == HF_PUNT_ICMP ? pps[k] / nw : pps[k], burst;

		if (rate == 0)
			rate = 1;
		burst = rate / 10 > 8 ? rate / 10 : 8;
		dp->punt_period[k] = hz / rate ? hz / rate : 1;
		dp->punt_tau[k] = (burst - 1) * dp->punt_period[k];
	}
	hf_config_probe_budget(in->cfg, in->cfg->nb_clusters, &pb);
	dp->probe_pps = pb.pps;
	/* a floor for a box that probes nothing: a stray reply still gets through */
	if (pb.pps < 10)
		pb.pps = 10;
	if (pb.burst < pb.pps / 10)
		pb.burst = pb.pps / 10;
	if (pb.burst < 8)
		pb.burst = 8;
	dp->punt_period[HF_PUNT_PROBE] = hz / pb.pps ? hz / pb.pps : 1;
	dp->punt_tau[HF_PUNT_PROBE] = (pb.burst - 1) * dp->punt_period[HF_PUNT_PROBE];
}

struct hf_dataplane *
hf_dataplane_build(const struct hf_dp_build *in)
{
	const struct hf_config *cfg = in->cfg;
	struct hf_dataplane *dp;
	uint32_t ci, gbase = 0, toff = 0, uid_cap = 0;
	size_t tsize = 0;
	int ret = -ENOMEM;

	if (cfg == NULL || in->ports == NULL || cfg->nb_ports > HF_MAX_PORTS ||
	    cfg->nb_clusters > HF_MAX_CLUSTERS || cfg->nb_members_total > HF_MAX_MEMBERS_TOTAL) {
		errno = EINVAL;
		return NULL;
	}
	dp = calloc(1, sizeof(*dp));
	if (dp == NULL)
		goto fail;
	dp->generation = in->generation;
	dp->nb_ports = cfg->nb_ports;
	memcpy(dp->ports, in->ports, cfg->nb_ports * sizeof(dp->ports[0]));
	dp->nb_clusters = cfg->nb_clusters;
	dp->nb_members = cfg->nb_members_total;
	dp->local_ip = in->local_ip;
	dp->probe_cand = in->probe_cand;
	dp->unmatched = (uint8_t)cfg->unmatched;
	dp->active = in->active;
	dp->ha_enabled = cfg->ha.enabled;
	dp->recover_epoch = in->recover_epoch;
	dp->cfg_serial = cfg->serial;
	dp->probe_window = in->probe_window;
	set_punt_limits(dp, in);
	for (ci = 0; ci < cfg->nb_clusters; ci++)
		tsize += cfg->clusters[ci].buckets;
	dp->clusters = calloc(cfg->nb_clusters ? cfg->nb_clusters : 1, sizeof(*dp->clusters));
	dp->members = calloc(dp->nb_members ? dp->nb_members : 1, sizeof(*dp->members));
	dp->tables = malloc((tsize ? tsize : 1) * sizeof(*dp->tables));
	dp->probe_src = calloc(dp->nb_members ? dp->nb_members : 1, sizeof(*dp->probe_src));
	if (dp->clusters == NULL || dp->members == NULL || dp->tables == NULL ||
	    dp->probe_src == NULL)
		goto fail;
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		ret = build_cluster(dp, in, ci, gbase);
		if (ret < 0)
			goto fail;
		gbase += cfg->clusters[ci].nb_members;
	}
	if (gbase != dp->nb_members) {
		ret = -EINVAL;
		goto fail;
	}
	ret = build_devices(dp, in);
	if (ret < 0)
		goto fail;
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		ret = build_table(dp, in, ci, toff);
		if (ret < 0)
			goto fail;
		toff += cfg->clusters[ci].buckets;
	}
	for (ci = 0; ci < dp->nb_members; ci++)
		if (dp->members[ci].uid + 1 > uid_cap)
			uid_cap = dp->members[ci].uid + 1;
	if (uid_cap > 0xffff) {   /* uids must fit HF_FLOW_UID */
		ret = -EINVAL;
		goto fail;
	}
	dp->uid_cap = (uint16_t)uid_cap;
	dp->uid_to_member = malloc((uid_cap ? uid_cap : 1) * sizeof(uint32_t));
	if (dp->uid_to_member == NULL)
		goto fail;
	for (ci = 0; ci < uid_cap; ci++)
		dp->uid_to_member[ci] = HF_DP_NONE;
	for (ci = 0; ci < dp->nb_members; ci++)
		dp->uid_to_member[dp->members[ci].uid] = ci;
	ret = build_tables(dp, in);
	if (ret < 0)
		goto fail;
	dp->bytes = sizeof(*dp) + dp->nb_clusters * sizeof(*dp->clusters) +
		    dp->nb_members * sizeof(*dp->members) + tsize * sizeof(*dp->tables) +
		    uid_cap * sizeof(uint32_t) + dp->nb_members * sizeof(*dp->probe_src) +
		    hf_cltabs_bytes(dp->cltabs) +
		    ((size_t)dp->member_tab.mask + 1) * sizeof(struct hf_addrtab_ent);
	return dp;
fail:
	hf_dataplane_free(dp);
	errno = -ret;
	return NULL;
}
