/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reload decision (see reload.h). Pure: no EAL, no logging, no clock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/reload.h>

bool
hf_member_same_device(const struct hf_member_conf *a, const struct hf_member_conf *b)
{
	return a->ip == b->ip && a->port == b->port && a->has_mac == b->has_mac &&
	       (!a->has_mac || hf_mac_eq(&a->mac, &b->mac));
}

bool
hf_health_conf_same(const struct hf_health_conf *a, const struct hf_health_conf *b)
{
	return a->method == b->method && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise && a->fall == b->fall &&
	       a->target == b->target;
}

static const char *
ports_differ(const struct hf_config *a, const struct hf_config *b)
{
	uint32_t i;

	if (a->nb_ports != b->nb_ports)
		return "the number of ports changed";
	for (i = 0; i < a->nb_ports; i++) {
		const struct hf_port_conf *x = &a->ports[i], *y = &b->ports[i];

		if (strcmp(x->name, y->name) != 0 || strcmp(x->device, y->device) != 0 ||
		    x->has_mac != y->has_mac || (x->has_mac && !hf_mac_eq(&x->mac, &y->mac)))
			return "a port's name, device or MAC changed";
	}
	return NULL;
}

/* What is fixed at start: the ports, the flow and fragment tables (one per worker). */
static const char *
restart_needed(const struct hf_config *a, const struct hf_config *b)
{
	const char *why = ports_differ(a, b);

	if (why != NULL)
		return why;
	if (a->flow_size != b->flow_size || a->flow_timeout_ms != b->flow_timeout_ms)
		return "flows.size or flows.timeout_ms changed";
	if (a->frag_size != b->frag_size || a->frag_timeout_ms != b->frag_timeout_ms)
		return "fragments.size or fragments.timeout_ms changed";
	return NULL;
}

static bool
in_pool(const struct hf_config *cfg, uint32_t ip)
{
	uint32_t i;

	for (i = 0; i < cfg->nb_probe; i++)
		if (cfg->probe_pool[i] == ip)
			return true;
	return false;
}

static bool
pool_same(const struct hf_config *a, const struct hf_config *b)
{
	return a->nb_probe == b->nb_probe &&
	       memcmp(a->probe_pool, b->probe_pool, a->nb_probe * sizeof(a->probe_pool[0])) == 0;
}

static bool
ha_same(const struct hf_ha_conf *a, const struct hf_ha_conf *b)
{
	return a->enabled == b->enabled &&
	       (!a->enabled || (a->port == b->port && a->vrid == b->vrid &&
				a->priority == b->priority && a->advert_ms == b->advert_ms &&
				a->preempt == b->preempt && a->peer == b->peer));
}

/* Ports of nc that need a gratuitous ARP, given the same cluster oc before (or NULL). */
static uint32_t
announce_mask(const struct hf_cluster_conf *oc, const struct hf_cluster_conf *nc)
{
	if (oc == NULL || oc->ip != nc->ip || !hf_mac_eq(&oc->mac, &nc->mac))
		return nc->port_mask;
	return nc->port_mask & ~oc->port_mask;
}

static int
plan_alloc(struct hf_reload_plan *p, uint32_t nb_clusters, uint32_t nb_members)
{
	size_t nc = nb_clusters ? nb_clusters : 1, nm = nb_members ? nb_members : 1;

	p->cid = calloc(nc, sizeof(*p->cid));
	p->announce = calloc(nc, sizeof(*p->announce));
	p->mid = calloc(nm, sizeof(*p->mid));
	p->old_member = calloc(nm, sizeof(*p->old_member));
	p->fate = calloc(nm, sizeof(*p->fate));
	if (p->cid == NULL || p->announce == NULL || p->mid == NULL || p->old_member == NULL ||
	    p->fate == NULL) {
		hf_reload_plan_free(p);
		return -ENOMEM;
	}
	return 0;
}

/*
 * The old cluster of each new one, by name, in O(clusters): a cluster kept
 * by name keeps its id, so the old cluster holding that id is the one, if
 * its name matches (a removed cluster's id may go to a new cluster in the
 * same reload). Entries are old cluster indexes, or -1.
 */
static int32_t *
old_clusters(const struct hf_reload_in *in, const struct hf_reload_plan *p)
{
	const struct hf_config *ocfg = in->old_cfg, *ncfg = in->new_cfg;
	int32_t *by_cid = malloc(HF_MAX_CLUSTERS * sizeof(*by_cid));
	int32_t *oc = calloc(ncfg->nb_clusters ? ncfg->nb_clusters : 1, sizeof(*oc));
	uint32_t ci;

	if (by_cid == NULL || oc == NULL) {
		free(by_cid);
		free(oc);
		return NULL;
	}
	for (ci = 0; ci < HF_MAX_CLUSTERS; ci++)
		by_cid[ci] = -1;
	for (ci = 0; ci < ocfg->nb_clusters; ci++)
		if (in->old_cid[ci] < HF_MAX_CLUSTERS)
			by_cid[in->old_cid[ci]] = (int32_t)ci;
	for (ci = 0; ci < ncfg->nb_clusters; ci++) {
		int32_t o = p->cid[ci] < HF_MAX_CLUSTERS ? by_cid[p->cid[ci]] : -1;

		if (o >= 0 && strcmp(ocfg->clusters[o].name, ncfg->clusters[ci].name) != 0)
			o = -1;
		oc[ci] = o;
	}
	free(by_cid);
	return oc;
}

int
hf_reload_plan(const struct hf_reload_in *in, struct hf_reload_plan *p)
{
	const struct hf_config *ocfg = in->old_cfg, *ncfg = in->new_cfg;
	int32_t *old_ci;
	uint32_t ci, mi, g;

	memset(p, 0, sizeof(*p));
	p->refused = restart_needed(ocfg, ncfg);
	if (p->refused != NULL)
		return 0;
	if (plan_alloc(p, ncfg->nb_clusters, ncfg->nb_members_total) != 0)
		return -ENOMEM;
	p->ids = *in->ids;
	if (hf_ids_assign(&p->ids, ocfg, in->old_cid, in->old_mid, ncfg, p->cid, p->mid,
			  p->old_member) != 0) {
		p->refused = "no free cluster or member id";
		return 0;
	}
	old_ci = old_clusters(in, p);
	if (old_ci == NULL) {
		hf_reload_plan_free(p);
		return -ENOMEM;
	}
	for (ci = 0, g = 0; ci < ncfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *nc = &ncfg->clusters[ci];
		const struct hf_cluster_conf *oc = old_ci[ci] >= 0 ? &ocfg->clusters[old_ci[ci]] : NULL;

		p->announce[ci] = announce_mask(oc, nc);
		if (p->announce[ci] != 0)
			p->nb_announce++;
		for (mi = 0; mi < nc->nb_members; mi++, g++) {
			const struct hf_cluster_conf *occ = NULL;
			const struct hf_member_conf *omc =
				p->old_member[g] >= 0
					? hf_config_member(ocfg, (uint32_t)p->old_member[g], &occ)
					: NULL;

			if (omc == NULL || !hf_member_same_device(omc, &nc->members[mi])) {
				p->fate[g] = HF_MEMBER_FRESH;
				p->nb_fresh++;
			} else if (hf_health_conf_same(&occ->health, &nc->health)) {
				p->fate[g] = HF_MEMBER_KEEP;
				p->nb_keep++;
			} else {
				p->fate[g] = HF_MEMBER_RETIME;
				p->nb_retime++;
			}
		}
	}
	free(old_ci);
	/* the address in use (or, while none is bound, the pool probed) is gone */
	p->reprobe = !pool_same(ocfg, ncfg) && !in_pool(ncfg, in->local_ip);
	p->ha_restart = !ha_same(&ocfg->ha, &ncfg->ha) || p->reprobe;
	return 0;
}

void
hf_reload_plan_free(struct hf_reload_plan *p)
{
	free(p->cid);
	free(p->mid);
	free(p->old_member);
	free(p->fate);
	free(p->announce);
	p->cid = p->mid = NULL;
	p->old_member = NULL;
	p->fate = NULL;
	p->announce = NULL;
}

const char *
hf_member_fate_str(enum hf_member_fate f)
{
	switch (f) {
	case HF_MEMBER_FRESH:
		return "fresh";
	case HF_MEMBER_KEEP:
		return "keep";
	case HF_MEMBER_RETIME:
		return "retime";
	}
	return "invalid";
}
