/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker lcores: rx burst -> parse -> classify -> select -> rewrite -> tx
 * buffer, per DESIGN.md. No allocation, no locks, no syscalls, no logging
 * per packet; every drop is counted by reason in the worker's own counters.
 */
#include <errno.h>
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_prefetch.h>

#include <hyperflow/fastpath.h>
#include <hyperflow/log.h>
#include <hyperflow/runtime.h>

_Static_assert(HF_BURST <= HF_FP_BURST, "one rx burst is planned at once");

#define FDB_WAYS 4
#define FDB_SETS (HF_BRIDGE_FDB_SIZE / FDB_WAYS)
#define FDB_AGE_S 300
/*
 * Flow-table buckets swept per ~1 ms: the largest table (HF_FLOWS_MAX, 2^20
 * buckets) in ~16 s, 164 of the shortest timeouts (100 ms), well inside
 * the 2^11 timeouts within which flowtab.h needs every bucket swept.
 */
#define FLOW_AGE_BUDGET 64
/*
 * Fragment-table sets swept per ~1 ms: the largest table (HF_FRAGS_MAX,
 * 2^14 sets) in ~256 ms, the default (256 sets) in 4 ms; a held fragment
 * is dropped at most that long after its timeout.
 */
#define FRAG_AGE_BUDGET 64

struct hf_fdb_ent {
	uint64_t key;        /* MAC as 48-bit integer, 0 = empty */
	uint64_t seen_tsc;
	uint32_t pidx;
	uint32_t pad;
};

/* Set-associative: a MAC lives in one set of FDB_WAYS; the oldest entry of
 * a full set makes room. */
struct hf_fdb {
	uint64_t age_tsc;
	struct hf_fdb_ent e[FDB_SETS][FDB_WAYS];
};

static inline struct hf_fdb_ent *
fdb_set(struct hf_fdb *fdb, uint64_t key)
{
	return fdb->e[hf_mix64(key) & (FDB_SETS - 1)];
}

static inline void
fdb_learn(struct hf_fdb *fdb, uint64_t key, uint32_t pidx, uint64_t now)
{
	struct hf_fdb_ent *set = fdb_set(fdb, key), *victim = &set[0];
	unsigned int i;

	for (i = 0; i < FDB_WAYS; i++) {
		if (set[i].key == key) {
			victim = &set[i];
			break;
		}
		if (set[i].seen_tsc < victim->seen_tsc)
			victim = &set[i];
	}
	victim->key = key;
	victim->pidx = pidx;
	victim->seen_tsc = now;
}

static inline const struct hf_fdb_ent *
fdb_find(struct hf_fdb *fdb, uint64_t key, uint64_t now)
{
	const struct hf_fdb_ent *set = fdb_set(fdb, key);
	unsigned int i;

	for (i = 0; i < FDB_WAYS; i++)
		if (set[i].key == key && now - set[i].seen_tsc < fdb->age_tsc)
			return &set[i];
	return NULL;
}

/* Per-burst scratch, on the worker's stack. */
struct burst_ctx {
	struct hf_worker *w;
	const struct hf_dataplane *dp;
	struct hf_lcore_stats *st;
	uint64_t now;
	uint16_t in_pidx;
	uint16_t nb_drop;
	struct rte_mbuf *drop[HF_BURST];
};

static void
tx_error_cb(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	struct hf_txcb *cb = arg;

	rte_pktmbuf_free_bulk(pkts, unsent);
	hf_ctr_add(&cb->stats->port[cb->pidx].tx_dropped, unsent);
	hf_ctr_add(&cb->stats->drops[HF_DROP_TX_FULL], unsent);
}

static inline void
drop_pkt(struct burst_ctx *c, struct rte_mbuf *m, unsigned int reason)
{
	hf_ctr_add(&c->st->drops[reason], 1);
	c->drop[c->nb_drop++] = m;
}

/*
 * Port tx counts the frames the port took, when a buffer goes out (full, or
 * flushed by flush_all): no counter per frame. Refused frames are counted
 * by tx_error_cb.
 */
HF_HOT_INLINE void
tx_pkt(struct hf_worker *w, uint32_t pidx, uint16_t port_id, struct rte_mbuf *m)
{
	uint16_t sent = rte_eth_tx_buffer(port_id, (uint16_t)w->wid, w->txb[pidx], m);

	if (sent != 0)
		hf_ctr_add(&w->stats->port[pidx].tx, sent);
}

/* Pass 2 for a cluster frame: the member's port, or dropped (counted) with the reason. */
HF_HOT_INLINE void
forward_cluster(struct burst_ctx *c, const struct hf_dataplane *dp, struct hf_flowtab *flows,
		struct hf_lcore_stats *st, uint64_t now, struct rte_mbuf *m,
		const struct hf_fp_plan *fp)
{
	const struct hf_dp_member *mb;
	uint8_t drop;

	mb = hf_fp_forward(dp, flows, st, rte_pktmbuf_mtod(m, uint8_t *), fp, now, &drop);
	if (unlikely(mb == NULL)) {
		drop_pkt(c, m, drop);
		return;
	}
	tx_pkt(c->w, mb->pidx, mb->port_id, m);
}

static uint8_t *
mbuf_eth(void *pkt)
{
	return rte_pktmbuf_mtod((struct rte_mbuf *)pkt, uint8_t *);
}

/*
 * Pass 2 for a fragment of a 5-tuple cluster: held in the fragment table,
 * or sent to its flow's member with the fragments held for it (after it),
 * or dropped (counted) with them.
 */
static void
forward_frag(struct burst_ctx *c, const struct hf_dataplane *dp, struct hf_flowtab *flows,
	     struct hf_lcore_stats *st, uint64_t now, struct rte_mbuf *m,
	     const struct hf_fp_plan *fp)
{
	struct hf_fp_frag r;
	unsigned int i;

	hf_fp_fragment(dp, flows, c->w->frags, st, rte_pktmbuf_mtod(m, uint8_t *),
		       rte_pktmbuf_data_len(m), m, mbuf_eth, fp, now, &r);
	if (r.held)
		return;
	if (r.mb == NULL) {
		/* the drop list holds a burst; released fragments are freed here */
		drop_pkt(c, m, r.drop);
		hf_ctr_add(&st->drops[r.drop], r.nb_rel);
		for (i = 0; i < r.nb_rel; i++)
			rte_pktmbuf_free(r.rel[i]);
		return;
	}
	tx_pkt(c->w, r.mb->pidx, r.mb->port_id, m);
	for (i = 0; i < r.nb_rel; i++)
		tx_pkt(c->w, r.mb->pidx, r.mb->port_id, r.rel[i]);
}

/* Held fragments whose first fragment never came: counted (frag_timeout) and freed. */
static void
age_frags(struct hf_worker *w, uint64_t now)
{
	struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD * 4];
	uint32_t n, i;

	n = hf_fp_frag_age(w->frags, w->stats, now, FRAG_AGE_BUDGET, out, RTE_DIM(out));
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(out[i].pkt);
}

/* The worker stops: fragments still held are dropped, counted (frag_timeout). */
static void
drop_held_frags(struct hf_worker *w)
{
	struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD * 4];
	uint32_t n, i;

	while ((n = hf_fp_frag_drain(w->frags, w->stats, out, RTE_DIM(out))) > 0)
		for (i = 0; i < n; i++)
			rte_pktmbuf_free(out[i].pkt);
}

static inline void
bridge(struct burst_ctx *c, struct rte_mbuf *m, const uint8_t *eth)
{
	struct hf_fdb *fdb = c->w->fdb;
	const struct hf_dataplane *dp = c->dp;
	uint32_t p, nb_out;

	if (!(eth[6] & 1))
		fdb_learn(fdb, hf_mac_key(eth + 6), c->in_pidx, c->now);
	if (!(eth[0] & 1)) {
		const struct hf_fdb_ent *de = fdb_find(fdb, hf_mac_key(eth), c->now);

		if (de != NULL) {
			if (de->pidx == c->in_pidx) {
				drop_pkt(c, m, HF_DROP_BRIDGE_SAME_PORT);
				return;
			}
			hf_ctr_add(&c->st->bridged, 1);
			tx_pkt(c->w, de->pidx, dp->ports[de->pidx].port_id, m);
			return;
		}
	}
	/* broadcast, multicast or unknown unicast: flood to every other port */
	nb_out = dp->nb_ports - 1;
	if (nb_out == 0) {
		drop_pkt(c, m, HF_DROP_UNMATCHED);
		return;
	}
	hf_ctr_add(&c->st->bridged, 1);
	if (nb_out > 1)
		rte_mbuf_refcnt_update(m, (int16_t)(nb_out - 1));
	for (p = 0; p < dp->nb_ports; p++)
		if (p != c->in_pidx)
			tx_pkt(c->w, p, dp->ports[p].port_id, m);
}

/*
 * The control lcore judges replies by when they arrived, not when it got to
 * them. Read the clock now, after rx_burst (punts are rate-limited: rare):
 * the loop's own timestamp predates the burst.
 */
static inline void
punt_stamp(struct burst_ctx *c, struct rte_mbuf *m)
{
	*RTE_MBUF_DYNFIELD(m, c->w->rt->rx_tsc_off, uint64_t *) = rte_rdtsc();
}

/* GCRA per punt kind, so a flood of one kind cannot starve the others. */
static inline bool
punt_allowed(struct burst_ctx *c, unsigned int kind)
{
	uint64_t *tat = &c->w->punt_tat[kind];
	uint64_t t = *tat > c->now ? *tat : c->now;

	if (t - c->now > c->dp->punt_tau[kind])
		return false;
	*tat = t + c->dp->punt_period[kind];
	return true;
}

/*
 * Two passes over a burst. The first parses and classifies every frame and,
 * for cluster frames, hashes and prefetches the bucket-table entry and the
 * flow-table bucket; the second selects, rewrites and sends, by then mostly
 * from cache. Frames keep their order.
 */
static inline void
process_burst(struct burst_ctx *c, struct rte_mbuf **pkts, uint16_t n)
{
	/* the burst's invariants in locals: counter stores cannot make the compiler reload them */
	const struct hf_dataplane *dp = c->dp;
	struct hf_flowtab *flows = c->w->flows;
	struct hf_lcore_stats *st = c->st;
	const uint64_t now = c->now;
	struct hf_fp_plan plan[HF_BURST];
	const uint8_t *frames[HF_BURST];
	uint32_t lens[HF_BURST];
	uint16_t i;

	for (i = 0; i < n; i++) {
		frames[i] = rte_pktmbuf_mtod(pkts[i], const uint8_t *);
		lens[i] = rte_pktmbuf_data_len(pkts[i]);
	}
	hf_fp_plan_burst(dp, flows, frames, lens, n, plan);
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];
		const struct hf_fp_plan *fp = &plan[i];

		if (likely(fp->v.action == HF_ACT_CLUSTER)) {
			forward_cluster(c, dp, flows, st, now, m, fp);
			continue;
		}
		switch (fp->v.action) {
		case HF_ACT_PUNT:
			if (unlikely(!punt_allowed(c, fp->v.punt))) {
				drop_pkt(c, m, HF_DROP_PUNT_LIMIT_ARP + fp->v.punt);
				break;
			}
			punt_stamp(c, m);
			if (unlikely(rte_ring_sp_enqueue(c->w->punt, m) != 0))
				drop_pkt(c, m, HF_DROP_PUNT_FULL);
			else
				hf_ctr_add(&c->st->punted, 1);
			break;
		case HF_ACT_BRIDGE:
			bridge(c, m, rte_pktmbuf_mtod(m, const uint8_t *));
			break;
		case HF_ACT_FRAG:
			forward_frag(c, dp, flows, st, now, m, fp);
			break;
		default:
			drop_pkt(c, m, fp->v.drop);
			break;
		}
	}
	if (c->nb_drop > 0) {
		rte_pktmbuf_free_bulk(c->drop, c->nb_drop);
		c->nb_drop = 0;
	}
}

/* Worker 0 sends what the control lcore queued, on its own tx queues. */
static void
drain_control(struct hf_worker *w)
{
	struct hf_runtime *rt = w->rt;
	struct rte_mbuf *pkts[HF_BURST];
	uint32_t p, i, n;

	for (p = 0; p < rt->nb_ports; p++) {
		n = rte_ring_sc_dequeue_burst(rt->ctl_tx[p], (void **)pkts, HF_BURST, NULL);
		for (i = 0; i < n; i++)
			tx_pkt(w, p, rt->ports[p].port_id, pkts[i]);
	}
}

static void
flush_all(struct hf_worker *w)
{
	struct hf_runtime *rt = w->rt;
	uint32_t p;

	uint16_t sent;

	for (p = 0; p < rt->nb_ports; p++) {
		sent = rte_eth_tx_buffer_flush(rt->ports[p].port_id, (uint16_t)w->wid, w->txb[p]);
		if (sent != 0)
			hf_ctr_add(&w->stats->port[p].tx, sent);
	}
}

int
hf_worker_main(void *arg)
{
	struct hf_worker *w = arg;
	struct hf_runtime *rt = w->rt;
	struct rte_mbuf *pkts[HF_BURST];
	const uint64_t drain_tsc = rt->tsc_hz * HF_TX_DRAIN_US / 1000000;
	const uint64_t age_tsc = rt->tsc_hz / 1000;
	uint64_t prev_flush = rte_rdtsc(), prev_age = prev_flush, loops = 0;
	struct burst_ctx c;
	uint32_t p;

	memset(&c, 0, sizeof(c));
	c.w = w;
	c.st = w->stats;
	rte_rcu_qsbr_thread_register(rt->qsbr, w->wid);
	rte_rcu_qsbr_thread_online(rt->qsbr, w->wid);
	HF_LOG(dataplane, INFO, "worker %u on lcore %u: %u port(s), queue %u", w->wid, w->lcore,
	       rt->nb_ports, w->wid);
	while (!__atomic_load_n(&rt->stop, __ATOMIC_ACQUIRE)) {
		bool got = false;

		c.dp = __atomic_load_n(&rt->dp, __ATOMIC_ACQUIRE);
		c.now = rte_rdtsc();
		for (p = 0; p < rt->nb_ports; p++) {
			uint16_t n = rte_eth_rx_burst(rt->ports[p].port_id, (uint16_t)w->wid, pkts,
						      HF_BURST);

			if (n == 0)
				continue;
			got = true;
			c.in_pidx = (uint16_t)p;
			hf_ctr_add(&c.st->port[p].rx, n);
			process_burst(&c, pkts, n);
		}
		if (got)
			__atomic_store_n(&w->last_rx_tsc, c.now, __ATOMIC_RELAXED);
		if (w->wid == 0)
			drain_control(w);
		if (!got || c.now - prev_flush > drain_tsc) {
			flush_all(w);
			prev_flush = c.now;
		}
		if (c.now - prev_age > age_tsc) {
			if (w->flows != NULL)
				hf_flowtab_age(w->flows, c.now, FLOW_AGE_BUDGET);
			if (w->frags != NULL)
				age_frags(w, c.now);
			prev_age = c.now;
		}
		__atomic_store_n(&w->loops, ++loops, __ATOMIC_RELAXED);
		rte_rcu_qsbr_quiescent(rt->qsbr, w->wid);
	}
	if (w->wid == 0)
		drain_control(w);
	flush_all(w);
	if (w->frags != NULL)
		drop_held_frags(w);
	rte_rcu_qsbr_thread_offline(rt->qsbr, w->wid);
	rte_rcu_qsbr_thread_unregister(rt->qsbr, w->wid);
	HF_LOG(dataplane, INFO, "worker %u stopped", w->wid);
	return 0;
}

int
hf_worker_setup(struct hf_runtime *rt, struct hf_worker *w)
{
	int socket = (int)rte_lcore_to_socket_id(w->lcore);
	char name[RTE_RING_NAMESIZE];
	uint32_t p;

	w->rt = rt;
	w->stats = rte_zmalloc_socket("hf_lcore_stats", sizeof(*w->stats), 64, socket);
	w->fdb = rte_zmalloc_socket("hf_fdb", sizeof(*w->fdb), 64, socket);
	if (w->stats == NULL || w->fdb == NULL)
		return -ENOMEM;
	w->fdb->age_tsc = rt->tsc_hz * FDB_AGE_S;
	snprintf(name, sizeof(name), "hf_punt_%u", w->wid);
	w->punt = rte_ring_create(name, HF_PUNT_RING, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (w->punt == NULL)
		return -rte_errno;
	w->flows = hf_flowtab_create(rt->cfg->flow_size,
				     rt->tsc_hz / 1000 * (uint64_t)rt->cfg->flow_timeout_ms);
	if (w->flows == NULL)
		return -errno;
	w->frags = hf_fragtab_create(rt->cfg->frag_size,
				     rt->tsc_hz / 1000 * (uint64_t)rt->cfg->frag_timeout_ms);
	if (w->frags == NULL)
		return -errno;
	for (p = 0; p < rt->nb_ports; p++) {
		w->txb[p] = rte_zmalloc_socket("hf_txb", RTE_ETH_TX_BUFFER_SIZE(HF_BURST), 0, socket);
		if (w->txb[p] == NULL)
			return -ENOMEM;
		rte_eth_tx_buffer_init(w->txb[p], HF_BURST);
		w->txcb[p].stats = w->stats;
		w->txcb[p].pidx = p;
		rte_eth_tx_buffer_set_err_callback(w->txb[p], tx_error_cb, &w->txcb[p]);
	}
	w->last_rx_tsc = rte_rdtsc();
	return 0;
}

void
hf_worker_teardown(struct hf_worker *w)
{
	uint32_t p;

	if (w->rt == NULL)
		return;
	for (p = 0; p < HF_MAX_PORTS; p++)
		rte_free(w->txb[p]);
	if (w->frags != NULL) {
		struct hf_frag_expired out[HF_FRAGTAB_SET_HOLD];
		uint32_t n, i;

		/* none left when the worker ran (drop_held_frags); a worker that never ran */
		while ((n = hf_fragtab_drain(w->frags, out, RTE_DIM(out))) > 0)
			for (i = 0; i < n; i++)
				rte_pktmbuf_free(out[i].pkt);
		hf_fragtab_free(w->frags);
	}
	hf_flowtab_free(w->flows);
	rte_ring_free(w->punt);
	rte_free(w->fdb);
	rte_free(w->stats);
}
