/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's per-frame work, in two steps per burst (src/dp/worker.c):
 *
 *   hf_fp_plan()     first pass, every frame of the burst: parse, classify
 *                    and, for cluster frames, hash, build the flow key and
 *                    prefetch the bucket-table entry and the flow-table
 *                    bucket;
 *   hf_fp_forward()  second pass, cluster frames in order: pick the member
 *                    (flow table, else bucket table), rewrite the Ethernet
 *                    addresses, count.
 *
 * By the second pass the table lines of the whole burst are on their way
 * or in cache. Plain C, no DPDK: the worker, tests/bench/hf-microbench.c
 * (which measures exactly this code) and tests/unit/test_dataplane.c all
 * call these functions.
 *
 * Thread-safety: the calling worker's own flow table and counters, and a
 * snapshot it holds (RCU) for the whole burst.
 */
#ifndef HF_FASTPATH_H
#define HF_FASTPATH_H

#include <stdint.h>
#include <string.h>

#include <hyperflow/compiler.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/hash.h>
#include <hyperflow/pkt.h>
#include <hyperflow/stats.h>

/* What the first pass learnt about one frame. */
struct hf_fp_plan {
	struct hf_verdict v;
	const struct hf_dp_cluster *cl;   /* cluster frames: &dp->clusters[v.cluster] */
	uint32_t hash;             /* cluster frames: hf_hash_pkt for the cluster's mode */
	struct hf_flowtab_ref fr;  /* cluster frames with a flow table: the key's bucket and hash */
	struct hf_flow_key key;    /* cluster frames: hf_dp_flow_key for the cluster's mode */
};

HF_COLD void hf_fp_plan_slow_(const struct hf_dataplane *dp, const struct hf_flowtab *flows,
			      const uint8_t *frame, uint32_t len, struct hf_fp_plan *fp);

/*
 * The first pass after parsing; always inlined in both of hf_fp_plan's
 * branches. fast: pi comes from hf_pkt_parse_fast, which does not read the
 * ICMP header (l4_valid is 0): ICMP punted to the probe address is planned
 * again through hf_pkt_parse, since the ICMP header says whether it is a
 * health reply (hf_dp_punt_ipv4_local).
 */
HF_HOT_INLINE void
hf_fp_plan_parsed_(const struct hf_dataplane *dp, const struct hf_flowtab *flows,
		   const struct hf_pkt_info *pi, const uint8_t *frame, uint32_t len, bool fast,
		   struct hf_fp_plan *fp)
{
	const struct hf_dp_cluster *cl;

	fp->v = hf_dp_classify(dp, pi, frame);
	if (fp->v.action != HF_ACT_CLUSTER) {
		if (fast && fp->v.action == HF_ACT_PUNT && pi->proto == HF_IPPROTO_ICMP)
			hf_fp_plan_slow_(dp, flows, frame, len, fp);
		return;
	}
	cl = &dp->clusters[fp->v.cluster];
	fp->cl = cl;
	fp->hash = hf_dp_hash_key(pi, cl->hash_mode, (uint16_t)cl->stat, &fp->key);
	__builtin_prefetch(&cl->table[fp->hash & cl->bucket_mask], 0, 3);
	if (flows != NULL)
		fp->fr = hf_flowtab_ref(flows, hf_flowtab_hash(&fp->key));
}

/* hf_fp_plan for every frame but the common one: tagged, IPv6, ARP, options, malformed. */
HF_COLD void
hf_fp_plan_slow_(const struct hf_dataplane *dp, const struct hf_flowtab *flows,
		 const uint8_t *frame, uint32_t len, struct hf_fp_plan *fp)
{
	struct hf_pkt_info pi;
	int err = hf_pkt_parse(frame, len, &pi);

	if (err != HF_PKT_OK) {
		fp->v.action = HF_ACT_DROP;
		fp->v.drop = hf_drop_of_pkt_err(err);
		return;
	}
	hf_fp_plan_parsed_(dp, flows, &pi, frame, len, false, fp);
}

/*
 * First pass for one frame of len bytes. The common frame (untagged IPv4
 * without options) is parsed inline (hf_pkt_parse_fast) and the rest of
 * the pass is compiled for it, its few fields in registers and its kind
 * (IPv4) folded in; every other frame goes out of line through
 * hf_pkt_parse, and a malformed one gets a drop verdict (and ICMP to the
 * probe address, see hf_fp_plan_parsed_).
 */
HF_HOT_INLINE void
hf_fp_plan(const struct hf_dataplane *dp, const struct hf_flowtab *flows, const uint8_t *frame,
	   uint32_t len, struct hf_fp_plan *fp)
{
	struct hf_pkt_info pi;

	if (__builtin_expect(hf_pkt_parse_fast(frame, len, &pi), 1)) {
		pi.l4_valid = 0;   /* not read: hf_dp_punt_ipv4_local's ICMP test folds away */
		hf_fp_plan_parsed_(dp, flows, &pi, frame, len, true, fp);
	} else {
		hf_fp_plan_slow_(dp, flows, frame, len, fp);
	}
}

/*
 * Second pass for a cluster frame planned by hf_fp_plan: the member it
 * goes to, with eth (the frame's first 12 bytes) rewritten to that
 * member's header and the cluster's and member's tx counted; or NULL
 * with *drop set (HA backup, no live member) and the cluster's dropped
 * counted. The caller sends the frame, or drops it by *drop.
 */
HF_HOT_INLINE const struct hf_dp_member *
hf_fp_forward(const struct hf_dataplane *dp, struct hf_flowtab *flows, struct hf_lcore_stats *st,
	      uint8_t *eth, const struct hf_fp_plan *fp, uint64_t now, uint8_t *drop)
{
	const struct hf_dp_cluster *cl = fp->cl;
	struct hf_cluster_ctr *cc = &st->cluster[cl->stat];
	const struct hf_dp_member *mb;
	uint32_t mi;

	if (__builtin_expect(!dp->active, 0)) {
		hf_ctr_add(&cc->dropped, 1);
		*drop = HF_DROP_HA_BACKUP;
		return NULL;
	}
	mi = hf_dp_select_hashed(dp, cl, fp->hash, &fp->key, fp->fr, flows, now);
	if (__builtin_expect(mi == HF_DP_NONE, 0)) {
		hf_ctr_add(&cc->dropped, 1);
		*drop = HF_DROP_NO_MEMBER;
		return NULL;
	}
	mb = &dp->members[mi];
	/* only the Ethernet addresses change: 12 bytes from the member's template */
	memcpy(eth, mb->eth, 12);
	hf_ctr_add(&cc->tx, 1);
	hf_ctr_add(&st->member_tx[mb->stat], 1);
	return mb;
}

#endif /* HF_FASTPATH_H */
