/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stable ids for clusters and members across reloads. Counters, flow-table
 * entries and health state are keyed by these ids, not by position in the
 * configuration, so a reload that keeps a cluster or member (same name)
 * keeps its id, and with it its counters and tracked flows. New ones get
 * ids next-fit (round robin), so an id freed by a removal is reused as late
 * as possible and stale flow entries have aged out long before.
 *
 * Thread-safety: owned by the control lcore.
 */
#ifndef HF_IDS_H
#define HF_IDS_H

#include <stdint.h>

#include <hyperflow/config.h>
#include <hyperflow/limits.h>

struct hf_ids {
	uint32_t next_cluster;
	uint32_t next_member;
	uint8_t cluster_used[HF_MAX_CLUSTERS];
	uint8_t member_used[HF_MAX_MEMBERS_TOTAL];
};

void hf_ids_init(struct hf_ids *ids);

/*
 * Ids for cfg given the previous configuration and its ids (old may be
 * NULL at start). cid gets cfg->nb_clusters entries, mid gets
 * cfg->nb_members_total (config order). old_member_of[i] receives, for each
 * member of cfg, the index of the same member (cluster name + member name)
 * in old, or -1. Ids of clusters and members that disappeared are freed.
 * Returns 0, or -ENOSPC when the id space is exhausted (ids untouched).
 */
int hf_ids_assign(struct hf_ids *ids, const struct hf_config *old, const uint32_t *old_cid,
		  const uint32_t *old_mid, const struct hf_config *cfg, uint32_t *cid, uint32_t *mid,
		  int32_t *old_member_of);

#endif /* HF_IDS_H */
