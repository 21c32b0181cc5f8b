/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker's per-frame work, in two steps per burst (src/dp/worker.c):
 *
 *   hf_fp_plan_burst()  first pass, the whole burst: parse every frame,
 *                    classify with at most one bulk lookup per cluster
 *                    table (cltab.h; their filters keep certain misses
 *                    out of it) and, for cluster frames, hash, build the
 *                    flow key and prefetch the bucket-table entry and the
 *                    flow-table bucket;
 *   hf_fp_forward()  second pass, cluster frames in order: pick the member
 *                    (flow table, else bucket table), rewrite the Ethernet
 *                    addresses, count.
 *
 * By the second pass the table lines of the whole burst are on their way
 * or in cache. Plain C, no DPDK (the cluster tables are reached through
 * their ops, rte_hash in the program): the worker, tests/bench/hf-microbench.c
 * (which measures exactly this code) and tests/unit/test_dataplane.c all
 * call these functions.
 *
 * Thread-safety: the calling worker's own flow table and counters, and a
 * snapshot it holds (RCU) for the whole burst.
 */
#ifndef HF_FASTPATH_H
#define HF_FASTPATH_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <hyperflow/compiler.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/fragtab.h>
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

/*
 * The end of the first pass for a frame classified by v (in fp->v):
 * cluster frames get their hash, flow key and prefetches; a fragment for a
 * 5-tuple cluster (the one mode that hashes ports) is planned as
 * HF_ACT_FRAG, its hash and key those of its own fields: right for a first
 * fragment, which carries the ports, and unused for a later one
 * (hf_fp_fragment). fast: pi comes from hf_pkt_parse_fast, which does not
 * read the ICMP header (l4_valid is 0): ICMP punted to the probe address
 * is parsed again through hf_pkt_parse, since the ICMP header says whether
 * it is a health reply (hf_dp_punt_ipv4_local).
 */
HF_COLD void hf_fp_punt_icmp_(const struct hf_dataplane *dp, const uint8_t *frame, uint32_t len,
			      struct hf_fp_plan *fp);

HF_HOT_INLINE void
hf_fp_plan_end_(const struct hf_dataplane *dp, const struct hf_flowtab *flows,
		const struct hf_pkt_info *pi, const uint8_t *frame, uint32_t len, bool fast,
		struct hf_fp_plan *fp)
{
	const struct hf_dp_cluster *cl;

	if (fp->v.action != HF_ACT_CLUSTER) {
		if (fast && fp->v.action == HF_ACT_PUNT && pi->proto == HF_IPPROTO_ICMP &&
		    pi->kind == HF_PKT_IPV4)
			hf_fp_punt_icmp_(dp, frame, len, fp);
		return;
	}
	cl = &dp->clusters[fp->v.cluster];
	fp->cl = cl;
	fp->hash = hf_dp_hash_key(pi, cl->hash_mode, cl->flow_id, &fp->key);
	__builtin_prefetch(&cl->table[fp->hash & cl->bucket_mask], 0, 3);
	if (flows != NULL)
		fp->fr = hf_flowtab_ref(flows, hf_flowtab_hash(&fp->key));
	if (pi->is_fragment && cl->hash_mode == HF_HASH_5TUPLE)
		fp->v.action = HF_ACT_FRAG;
}

HF_COLD void
hf_fp_punt_icmp_(const struct hf_dataplane *dp, const uint8_t *frame, uint32_t len,
		 struct hf_fp_plan *fp)
{
	struct hf_pkt_info pi;

	/* it parsed fast: it parses in full, the same fields and the ICMP header */
	if (hf_pkt_parse(frame, len, &pi) == HF_PKT_OK)
		fp->v.punt = hf_dp_punt_ipv4_local(dp, &pi);
}

/* Most frames hf_fp_plan_burst takes at once. */
#define HF_FP_BURST HF_CLTAB_BULK

/*
 * The keys of one cluster table for a burst: those its filter does not
 * rule out, each once per run of equal keys when asked (frames in a burst
 * mostly go to one cluster MAC), and which value each frame takes:
 * val[slot[i]], HF_CLTAB_MISS at val[HF_FP_MISS_SLOT_].
 */
#define HF_FP_MISS_SLOT_ HF_FP_BURST
struct hf_fp_keys_ {
	const void *keys[HF_FP_BURST];
	uint32_t hashes[HF_FP_BURST];
	uint32_t val[HF_FP_BURST + 1];
	uint8_t slot[HF_FP_BURST];
};
/* The gathering's state, in registers. */
struct hf_fp_run_ {
	uint32_t nk;                /* keys gathered */
	uint32_t last_slot;         /* the previous frame's slot */
	uint64_t last;              /* and key; none: HF_FP_NO_KEY_ */
};
#define HF_FP_NO_KEY_ UINT64_MAX    /* no key is: they have at most 48 bits */

/*
 * Frame i's key (key: its bytes, kv: the same as a number, h_fn: its
 * hash) into k, unless f rules it out (a certain miss) or, with runs, it
 * repeats the previous frame's key (then the same slot).
 */
HF_HOT_INLINE void
hf_fp_key_(struct hf_fp_keys_ *k, struct hf_fp_run_ *r, const struct hf_cltab_filter *f,
	   uint32_t i, const void *key, uint64_t kv, uint32_t (*h_fn)(const void *), bool runs)
{
	uint32_t h;

	if (!runs || kv != r->last) {
		r->last = kv;
		r->last_slot = HF_FP_MISS_SLOT_;
		h = h_fn(key);
		if (hf_cltab_filter_maybe(f, h)) {
			k->keys[r->nk] = key;
			k->hashes[r->nk] = h;
			r->last_slot = r->nk++;
		}
	}
	k->slot[i] = (uint8_t)r->last_slot;
}

/* One bulk lookup of table tab for k's keys, none when there are none. */
HF_HOT_INLINE void
hf_fp_lookup_(const struct hf_cltabs *ct, const void *tab, struct hf_fp_keys_ *k,
	      const struct hf_fp_run_ *r)
{
	k->val[HF_FP_MISS_SLOT_] = HF_CLTAB_MISS;
	if (r->nk != 0)
		ct->ops->lookup_bulk(tab, k->keys, k->hashes, r->nk, k->val);
}

/*
 * First pass for n frames (frames[i]: lens[i] bytes; n <= HF_FP_BURST)
 * into plan[0..n-1]:
 *
 *   parse each frame: the common one (untagged IPv4 without options)
 *   inline (hf_pkt_parse_fast), the rest through hf_pkt_parse; a
 *   malformed one gets a drop verdict;
 *   hash the ip table key of every IPv4 and ARP frame (hf_cltab_hash4);
 *   those its filter does not rule out go to one lookup_bulk
 *   (rte_hash_lookup_with_hash_bulk_data in the program); none: no call;
 *   hf_dp_classify_ip each frame; the unicast ones it leaves undecided
 *   have their destination MAC filtered and looked up the same way, a
 *   MAC equal to the previous frame's once;
 *   hf_dp_classify_mac those; then hash, flow key and prefetches for the
 *   cluster frames (hf_fp_plan_end_).
 *
 * The verdicts are those hf_dp_classify gives frame by frame.
 */
HF_HOT_INLINE void
hf_fp_plan_burst(const struct hf_dataplane *dp, const struct hf_flowtab *flows,
		 const uint8_t *const *frames, const uint32_t *lens, uint32_t n,
		 struct hf_fp_plan *plan)
{
	const struct hf_cltabs *ct = dp->cltabs;
	struct hf_pkt_info pi[HF_FP_BURST];
	struct hf_fp_keys_ ipk, mack;
	struct hf_fp_run_ r = { 0, HF_FP_MISS_SLOT_, HF_FP_NO_KEY_ };
	uint32_t ipkey[HF_FP_BURST];
	uint64_t mackey[HF_FP_BURST];
	uint32_t i, fast = 0, open = 0;

	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			__builtin_prefetch(frames[i + 1], 0, 3);
		if (__builtin_expect(hf_pkt_parse_fast(frames[i], lens[i], &pi[i]), 1)) {
			pi[i].l4_valid = 0;   /* not read: see hf_fp_plan_end_ */
			fast |= 1u << i;
		} else {
			int err = hf_pkt_parse(frames[i], lens[i], &pi[i]);

			if (err != HF_PKT_OK) {
				plan[i].v.action = HF_ACT_DROP;
				plan[i].v.drop = hf_drop_of_pkt_err(err);
				continue;
			}
		}
		open |= 1u << i;
		ipk.slot[i] = HF_FP_MISS_SLOT_;
		if (hf_dp_ip_key(&pi[i], &ipkey[i]))
			hf_fp_key_(&ipk, &r, &ct->ipf, i, &ipkey[i], ipkey[i], hf_cltab_hash4,
				   false);
	}
	hf_fp_lookup_(ct, ct->ip, &ipk, &r);
	r = (struct hf_fp_run_){ 0, HF_FP_MISS_SLOT_, HF_FP_NO_KEY_ };
	for (i = 0; i < n; i++) {
		struct hf_verdict v = { HF_ACT_DROP, HF_DROP_UNMATCHED, 0, 0 };

		if (!(open >> i & 1))
			continue;
		if (hf_dp_classify_ip(dp, &pi[i], ipk.val[ipk.slot[i]], &v)) {
			plan[i].v = v;
			open &= ~(1u << i);
			continue;
		}
		mack.slot[i] = HF_FP_MISS_SLOT_;
		if (!(frames[i][0] & 1)) {
			mackey[i] = hf_mac_key8(frames[i]);
			hf_fp_key_(&mack, &r, &ct->macf, i, &mackey[i], mackey[i], hf_cltab_hash8,
				   true);
		}
	}
	hf_fp_lookup_(ct, ct->mac, &mack, &r);
	for (i = 0; i < n; i++) {
		if (open >> i & 1)
			plan[i].v = hf_dp_classify_mac(dp, &pi[i], mack.val[mack.slot[i]]);
		if (plan[i].v.action != HF_ACT_DROP)
			hf_fp_plan_end_(dp, flows, &pi[i], frames[i], lens[i], fast >> i & 1,
					&plan[i]);
	}
}

/* hf_fp_plan_burst for one frame. */
static inline void
hf_fp_plan(const struct hf_dataplane *dp, const struct hf_flowtab *flows, const uint8_t *frame,
	   uint32_t len, struct hf_fp_plan *fp)
{
	hf_fp_plan_burst(dp, flows, &frame, &len, 1, fp);
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

/* What the second pass did with a fragment (hf_fp_fragment). */
struct hf_fp_frag {
	const struct hf_dp_member *mb;  /* the member this fragment and rel[] go to; NULL: held or dropped */
	uint8_t held;          /* the fragment is held in the fragment table: leave it alone */
	uint8_t drop;          /* mb == NULL and !held: why this fragment and rel[] are dropped */
	uint8_t nb_rel;        /* fragments held before this first one, now released */
	void *rel[HF_FRAG_HOLD];  /* send them after it, in this order (or drop them by drop) */
};

/*
 * Second pass for a fragment planned as HF_ACT_FRAG (frame: its len
 * bytes, pkt: what the fragment table holds for it, an mbuf in the
 * worker). Every fragment of a datagram goes where its flow's whole
 * datagrams go, the member hf_dp_select_hashed picks for its 5-tuple:
 *   first fragment: by its own ports (the plan's hash and key); records
 *                   them in frags and releases the later fragments held
 *                   for the datagram, which go to the same member;
 *   later fragment: by the ports its first fragment recorded; held when
 *                   the first has not come yet (res->held); dropped
 *                   (HF_DROP_FRAG_FULL, HF_DROP_FRAG_HOLD_FULL) when it
 *                   can be neither.
 * Without a fragment table (frags NULL) every fragment goes by its own
 * fields, the way it did before the table. Rewrites this frame's and the
 * released frames' Ethernet addresses (eth_of(pkt): a frame's first byte)
 * and counts them, as hf_fp_forward does; HA backup and no live member
 * drop them all. The caller sends or drops this frame and rel[].
 */
HF_COLD void
hf_fp_fragment(const struct hf_dataplane *dp, struct hf_flowtab *flows, struct hf_fragtab *frags,
	       struct hf_lcore_stats *st, uint8_t *frame, uint32_t len, void *pkt,
	       uint8_t *(*eth_of)(void *pkt), const struct hf_fp_plan *fp, uint64_t now,
	       struct hf_fp_frag *res)
{
	const struct hf_dp_cluster *cl = fp->cl;
	struct hf_cluster_ctr *cc = &st->cluster[cl->stat];
	struct hf_flowtab_ref fr = fp->fr;
	struct hf_flow_key key = fp->key;
	struct hf_frag_key fk;
	struct hf_pkt_info pi;
	uint32_t hash = fp->hash, mi, i;
	int n;

	memset(res, 0, sizeof(*res));
	if (!dp->active) {
		hf_ctr_add(&cc->dropped, 1);
		res->drop = HF_DROP_HA_BACKUP;
		return;
	}
	/* planned from the same bytes: it parses */
	(void)hf_pkt_parse(frame, len, &pi);
	memset(&fk, 0, sizeof(fk));
	fk.src = pi.src_key;
	fk.dst = pi.dst_key;
	fk.id = pi.frag_id;
	fk.cluster = (uint16_t)cl->stat;   /* the stat id: drops are counted by it */
	fk.proto = pi.proto;
	fk.family = hf_dp_family_(&pi);
	if (frags != NULL && pi.frag_off == 0) {
		n = hf_fragtab_head(frags, &fk, pi.sport, pi.dport, now, res->rel);
		/* a full table (counted there) only means its later fragments find nothing */
		res->nb_rel = (uint8_t)(n > 0 ? n : 0);
	} else if (frags != NULL) {
		n = hf_fragtab_tail(frags, &fk, pkt, now, &pi.sport, &pi.dport);
		if (n == HF_FRAG_HELD) {
			res->held = 1;
			return;
		}
		if (n < 0) {
			hf_ctr_add(&cc->dropped, 1);
			res->drop = n == -ENOBUFS ? HF_DROP_FRAG_HOLD_FULL : HF_DROP_FRAG_FULL;
			return;
		}
		/* the flow's hash and key, with its first fragment's ports */
		hash = hf_dp_hash_key(&pi, cl->hash_mode, cl->flow_id, &key);
		if (flows != NULL)
			fr = hf_flowtab_ref(flows, hf_flowtab_hash(&key));
	}
	mi = hf_dp_select_hashed(dp, cl, hash, &key, fr, flows, now);
	if (mi == HF_DP_NONE) {
		hf_ctr_add(&cc->dropped, 1 + (uint64_t)res->nb_rel);
		res->drop = HF_DROP_NO_MEMBER;
		return;
	}
	res->mb = &dp->members[mi];
	memcpy(frame, res->mb->eth, 12);
	for (i = 0; i < res->nb_rel; i++)
		memcpy(eth_of(res->rel[i]), res->mb->eth, 12);
	hf_ctr_add(&cc->tx, 1 + (uint64_t)res->nb_rel);
	hf_ctr_add(&st->member_tx[res->mb->stat], 1 + (uint64_t)res->nb_rel);
}

/*
 * The fragment table's ager for the worker: held fragments whose first
 * fragment never came, to out (max >= HF_FRAGTAB_SET_HOLD), counted as
 * drops (frag_timeout) and as their clusters' dropped. Returns how many;
 * the caller frees them.
 */
/* n held fragments in out that will never be sent: counted, returned. */
static inline uint32_t
hf_fp_frag_dropped_(struct hf_lcore_stats *st, const struct hf_frag_expired *out, uint32_t n)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		hf_ctr_add(&st->cluster[out[i].cluster].dropped, 1);
	hf_ctr_add(&st->drops[HF_DROP_FRAG_TIMEOUT], n);
	return n;
}

HF_COLD uint32_t
hf_fp_frag_age(struct hf_fragtab *frags, struct hf_lcore_stats *st, uint64_t now,
	       uint32_t budget, struct hf_frag_expired *out, uint32_t max)
{
	return hf_fp_frag_dropped_(st, out, hf_fragtab_age(frags, now, budget, out, max));
}

/*
 * The same for every fragment still held, when the worker stops: they
 * will never be sent. Returns how many went to out; call until 0.
 */
HF_COLD uint32_t
hf_fp_frag_drain(struct hf_fragtab *frags, struct hf_lcore_stats *st, struct hf_frag_expired *out,
		 uint32_t max)
{
	return hf_fp_frag_dropped_(st, out, hf_fragtab_drain(frags, out, max));
}

#endif /* HF_FASTPATH_H */
