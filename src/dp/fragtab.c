/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragment table (see fragtab.h).
 *
 * Layout: sets of HF_FRAGTAB_WAYS (4) entries of one cache line each: the
 * key, the last-seen time, the ports, and up to HF_FRAG_HOLD held
 * fragments. A key lives in one set (hash of the key); a lookup compares
 * whole keys. Fragments are rare next to whole datagrams, so the table
 * is small (a thousand datagrams by default) and simple: no fingerprints,
 * no second bucket, no moves.
 *
 * Insert: an empty way, else an expired way that holds nothing, else the
 * least recently seen way whose first fragment came and that holds
 * nothing (evicted: a datagram in flight for longer than the others of its
 * set loses the ports its later fragments would need), else refused
 * (-ENOSPC, counted as full): only when every way holds fragments waiting
 * for their first one. An expired way that holds fragments waits for the
 * ager, which hands them back to be dropped and counted.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/fragtab.h>
#include <hyperflow/hash.h>

#define FRAG_LINE 64
#define FRAG_SEED 0x9e3779b97f4a7c15ull
#define FRAG_ENTRIES_MAX (1u << 24)

struct frag_ent {
	struct hf_frag_key key;
	uint64_t seen;	/* last fragment, caller's time unit */
	uint16_t sport; /* network order, when known */
	uint16_t dport;
	uint8_t used;
	uint8_t known; /* the first fragment was seen: ports valid */
	uint8_t nb_held;
	uint8_t pad;
	void *held[HF_FRAG_HOLD]; /* later fragments, in arrival order */
} __attribute__((aligned(FRAG_LINE)));

_Static_assert(sizeof(struct hf_frag_key) == 16, "fragment key must be 16 bytes, no padding");
_Static_assert(sizeof(struct frag_ent) == FRAG_LINE, "a fragment entry is one cache line");

/*
 * Thread-safety: every field is written by the owning worker only; stats
 * is also read by other threads (relaxed loads), on a line of its own.
 */
struct hf_fragtab {
	struct frag_ent *ent; /* nb_sets * HF_FRAGTAB_WAYS */
	uint32_t set_mask;    /* nb_sets - 1 */
	uint32_t nb_sets;
	uint32_t age_cursor; /* next set hf_fragtab_age scans */
	uint64_t timeout;
	struct hf_fragtab_stats stats __attribute__((aligned(FRAG_LINE)));
};

/* Single-writer counters: relaxed load + relaxed store, no atomic RMW. */
static inline void
ctr_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

static inline void
ctr_sub(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) - n, __ATOMIC_RELAXED);
}

static inline struct frag_ent *
set_of(const struct hf_fragtab *ft, const struct hf_frag_key *k)
{
	uint64_t w0, w1;

	memcpy(&w0, k, sizeof(w0));
	memcpy(&w1, (const uint8_t *)k + sizeof(w0), sizeof(w1));
	return &ft->ent[(size_t)((uint32_t)hf_mix64(hf_mix64(w0 ^ FRAG_SEED) ^ w1) & ft->set_mask) *
			HF_FRAGTAB_WAYS];
}

/* Live while now - seen <= timeout, and when now is older than seen. */
static inline bool
expired(const struct hf_fragtab *ft, const struct frag_ent *e, uint64_t now)
{
	return now > e->seen && now - e->seen > ft->timeout;
}

static inline void
clear(struct frag_ent *e)
{
	memset(e, 0, sizeof(*e));
}

/* The live entry of k in set s, or NULL. */
static struct frag_ent *
find(const struct hf_fragtab *ft, struct frag_ent *s, const struct hf_frag_key *k, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < HF_FRAGTAB_WAYS; i++)
		if (s[i].used && memcmp(&s[i].key, k, sizeof(*k)) == 0 && !expired(ft, &s[i], now))
			return &s[i];
	return NULL;
}

/* A way of set s for a new entry of k, initialised; NULL (counted) when none. */
static struct frag_ent *
room(struct hf_fragtab *ft, struct frag_ent *s, const struct hf_frag_key *k, uint64_t now)
{
	struct frag_ent *e = NULL, *lru = NULL;
	unsigned int i;

	for (i = 0; i < HF_FRAGTAB_WAYS && e == NULL; i++)
		if (!s[i].used)
			e = &s[i];
	for (i = 0; i < HF_FRAGTAB_WAYS && e == NULL; i++) {
		if (s[i].nb_held == 0 && expired(ft, &s[i], now)) {
			e = &s[i];
			ctr_add(&ft->stats.aged, 1);
			ctr_sub(&ft->stats.entries, 1);
		}
	}
	/*
	 * Else the least recently seen datagram whose first fragment came and
	 * that holds nothing: most likely complete, its entry kept only for
	 * stragglers. Datagrams still waiting for their first fragment are
	 * never evicted.
	 */
	for (i = 0; i < HF_FRAGTAB_WAYS && e == NULL; i++)
		if (s[i].known && s[i].nb_held == 0 && (lru == NULL || s[i].seen < lru->seen))
			lru = &s[i];
	if (e == NULL && lru != NULL) {
		e = lru;
		ctr_add(&ft->stats.evicted, 1);
		ctr_sub(&ft->stats.entries, 1);
	}
	if (e == NULL) {
		ctr_add(&ft->stats.full, 1);
		return NULL;
	}
	clear(e);
	e->key = *k;
	e->used = 1;
	e->seen = now;
	ctr_add(&ft->stats.entries, 1);
	return e;
}

struct hf_fragtab *
hf_fragtab_create(uint32_t entries, uint64_t timeout)
{
	struct hf_fragtab *ft;
	uint32_t n = HF_FRAGTAB_WAYS;

	if (entries == 0 || entries > FRAG_ENTRIES_MAX || timeout == 0 || timeout > INT64_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (n < entries)
		n <<= 1;
	ft = aligned_alloc(FRAG_LINE, sizeof(*ft));
	if (ft == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(ft, 0, sizeof(*ft));
	ft->ent = aligned_alloc(FRAG_LINE, (size_t)n * sizeof(struct frag_ent));
	if (ft->ent == NULL) {
		free(ft);
		errno = ENOMEM;
		return NULL;
	}
	memset(ft->ent, 0, (size_t)n * sizeof(struct frag_ent));
	ft->nb_sets = n / HF_FRAGTAB_WAYS;
	ft->set_mask = ft->nb_sets - 1;
	ft->timeout = timeout;
	return ft;
}

void
hf_fragtab_free(struct hf_fragtab *ft)
{
	if (ft == NULL)
		return;
	free(ft->ent);
	free(ft);
}

uint32_t
hf_fragtab_capacity(const struct hf_fragtab *ft)
{
	return ft->nb_sets * HF_FRAGTAB_WAYS;
}

size_t
hf_fragtab_memory(const struct hf_fragtab *ft)
{
	return sizeof(*ft) + (size_t)hf_fragtab_capacity(ft) * sizeof(struct frag_ent);
}

int
hf_fragtab_head(struct hf_fragtab *ft, const struct hf_frag_key *k, uint16_t sport, uint16_t dport,
	uint64_t now, void **rel)
{
	struct frag_ent *s = set_of(ft, k), *e = find(ft, s, k, now);
	int n = 0;

	if (e == NULL && (e = room(ft, s, k, now)) == NULL)
		return -ENOSPC;
	/* a repeated first fragment (or an id reused) takes the ports it carries */
	e->known = 1;
	e->sport = sport;
	e->dport = dport;
	e->seen = now;
	if (e->nb_held > 0) {
		n = e->nb_held;
		memcpy(rel, e->held, (size_t)n * sizeof(*rel));
		memset(e->held, 0, sizeof(e->held));
		e->nb_held = 0;
		ctr_add(&ft->stats.released, (uint64_t)n);
	}
	ctr_add(&ft->stats.heads, 1);
	return n;
}

int
hf_fragtab_tail(struct hf_fragtab *ft, const struct hf_frag_key *k, void *pkt, uint64_t now,
	uint16_t *sport, uint16_t *dport)
{
	struct frag_ent *s = set_of(ft, k), *e = find(ft, s, k, now);

	if (e != NULL && e->known) {
		e->seen = now;
		*sport = e->sport;
		*dport = e->dport;
		ctr_add(&ft->stats.tails, 1);
		return HF_FRAG_FORWARD;
	}
	if (e == NULL && (e = room(ft, s, k, now)) == NULL)
		return -ENOSPC;
	if (e->nb_held == HF_FRAG_HOLD) {
		ctr_add(&ft->stats.hold_full, 1);
		return -ENOBUFS;
	}
	e->held[e->nb_held++] = pkt;
	e->seen = now;
	ctr_add(&ft->stats.held, 1);
	return HF_FRAG_HELD;
}

/*
 * Hand back the held fragments of the ways of set s that match (expired,
 * or all when drain), removing those entries, if they all fit in out[n,
 * max). Returns the new n, or UINT32_MAX when they do not fit (nothing
 * done).
 */
static uint32_t
sweep_set(struct hf_fragtab *ft, struct frag_ent *s, uint64_t now, bool drain,
	struct hf_frag_expired *out, uint32_t n, uint32_t max)
{
	uint32_t need = 0, i, j;

	for (i = 0; i < HF_FRAGTAB_WAYS; i++)
		if (s[i].used && (drain ? s[i].nb_held > 0 : expired(ft, &s[i], now)))
			need += s[i].nb_held;
	if (need > max - n)
		return UINT32_MAX;
	for (i = 0; i < HF_FRAGTAB_WAYS; i++) {
		struct frag_ent *e = &s[i];

		if (!e->used || !(drain ? e->nb_held > 0 : expired(ft, e, now)))
			continue;
		for (j = 0; j < e->nb_held; j++) {
			out[n].pkt = e->held[j];
			out[n].cluster = e->key.cluster;
			n++;
		}
		ctr_add(&ft->stats.expired, e->nb_held);
		if (!drain)
			ctr_add(&ft->stats.aged, 1);
		ctr_sub(&ft->stats.entries, 1);
		clear(e);
	}
	return n;
}

uint32_t
hf_fragtab_age(struct hf_fragtab *ft, uint64_t now, uint32_t budget, struct hf_frag_expired *out,
	uint32_t max)
{
	uint32_t n = 0, r;

	if (budget > ft->nb_sets)
		budget = ft->nb_sets;
	for (; budget > 0; budget--) {
		r = sweep_set(ft, &ft->ent[(size_t)ft->age_cursor * HF_FRAGTAB_WAYS], now, false,
			out, n, max);
		if (r == UINT32_MAX)
			break;
		n = r;
		ft->age_cursor = (ft->age_cursor + 1) & ft->set_mask;
	}
	return n;
}

uint32_t
hf_fragtab_drain(struct hf_fragtab *ft, struct hf_frag_expired *out, uint32_t max)
{
	uint32_t n = 0, r, s;

	for (s = 0; s < ft->nb_sets; s++) {
		r = sweep_set(ft, &ft->ent[(size_t)s * HF_FRAGTAB_WAYS], 0, true, out, n, max);
		if (r == UINT32_MAX)
			break;
		n = r;
	}
	return n;
}

void
hf_fragtab_get_stats(const struct hf_fragtab *ft, struct hf_fragtab_stats *st)
{
	st->entries = __atomic_load_n(&ft->stats.entries, __ATOMIC_RELAXED);
	st->heads = __atomic_load_n(&ft->stats.heads, __ATOMIC_RELAXED);
	st->tails = __atomic_load_n(&ft->stats.tails, __ATOMIC_RELAXED);
	st->held = __atomic_load_n(&ft->stats.held, __ATOMIC_RELAXED);
	st->released = __atomic_load_n(&ft->stats.released, __ATOMIC_RELAXED);
	st->expired = __atomic_load_n(&ft->stats.expired, __ATOMIC_RELAXED);
	st->aged = __atomic_load_n(&ft->stats.aged, __ATOMIC_RELAXED);
	st->full = __atomic_load_n(&ft->stats.full, __ATOMIC_RELAXED);
	st->hold_full = __atomic_load_n(&ft->stats.hold_full, __ATOMIC_RELAXED);
	st->evicted = __atomic_load_n(&ft->stats.evicted, __ATOMIC_RELAXED);
}
