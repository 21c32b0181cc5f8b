/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <hyperflow/ids.h>

void
hf_ids_init(struct hf_ids *ids)
{
	memset(ids, 0, sizeof(*ids));
}

static int
find_cluster(const struct hf_config *cfg, const char *name)
{
	return cfg != NULL ? hf_config_cluster_index(cfg, name) : -1;
}

/* Global index of the first member of cluster ci. */
static uint32_t
member_base(const struct hf_config *cfg, uint32_t ci)
{
	uint32_t i, base = 0;

	for (i = 0; i < ci; i++)
		base += cfg->clusters[i].nb_members;
	return base;
}

static int
find_member(const struct hf_cluster_conf *cc, const char *name)
{
	uint32_t i;

	for (i = 0; i < cc->nb_members; i++)
		if (strcmp(cc->members[i].name, name) == 0)
			return (int)i;
	return -1;
}

static uint32_t
take(uint8_t *used, uint32_t cap, uint32_t *next)
{
	uint32_t i;

	for (i = 0; i < cap; i++) {
		uint32_t id = (*next + i) % cap;

		if (!used[id]) {
			used[id] = 1;
			*next = (id + 1) % cap;
			return id;
		}
	}
	return UINT32_MAX;
}

int
hf_ids_assign(struct hf_ids *ids, const struct hf_config *old, const uint32_t *old_cid,
	      const uint32_t *old_mid, const struct hf_config *cfg, uint32_t *cid, uint32_t *mid,
	      int32_t *old_member_of)
{
	struct hf_ids next = *ids;
	uint32_t ci, mi, g = 0;

	/* free what disappears, keep what stays */
	if (old != NULL) {
		uint32_t og = 0;

		for (ci = 0; ci < old->nb_clusters; ci++) {
			const struct hf_cluster_conf *oc = &old->clusters[ci];
			int nc = find_cluster(cfg, oc->name);

			if (nc < 0)
				next.cluster_used[old_cid[ci]] = 0;
			for (mi = 0; mi < oc->nb_members; mi++, og++)
				if (nc < 0 || find_member(&cfg->clusters[nc], oc->members[mi].name) < 0)
					next.member_used[old_mid[og]] = 0;
		}
	}
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[ci];
		int oc = find_cluster(old, cc->name);
		uint32_t obase = oc >= 0 ? member_base(old, (uint32_t)oc) : 0;

		if (oc >= 0)
			cid[ci] = old_cid[oc];
		else
			cid[ci] = take(next.cluster_used, HF_MAX_CLUSTERS, &next.next_cluster);
		if (cid[ci] == UINT32_MAX)
			return -ENOSPC;
		for (mi = 0; mi < cc->nb_members; mi++, g++) {
			int om = oc >= 0 ? find_member(&old->clusters[oc], cc->members[mi].name) : -1;

			if (om >= 0) {
				mid[g] = old_mid[obase + (uint32_t)om];
				old_member_of[g] = (int32_t)(obase + (uint32_t)om);
			} else {
				mid[g] = take(next.member_used, HF_MAX_MEMBERS_TOTAL, &next.next_member);
				old_member_of[g] = -1;
			}
			if (mid[g] == UINT32_MAX)
				return -ENOSPC;
		}
	}
	*ids = next;
	return 0;
}
