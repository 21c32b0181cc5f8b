/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: set-associative, two candidate buckets per key (cuckoo-style).
 *
 * Layout (struct hf_flowtab_bucket in flowtab.h, where the worker's
 * inline hit path needs it): 128-byte buckets (two cache lines) of
 * HF_FLOWTAB_WAYS (4) ways: fingerprints, values and last-seen ticks in
 * the first line, keys in the second. Lookups and inserts match the
 * fingerprint (the 64-bit key hash, bit 0 set; at most once in a key's
 * two buckets: an insert with a fingerprint present overwrites that
 * entry) and read the first line only; remove confirms the key, walks
 * report it.
 *
 * Placement: the primary bucket is hash & mask (hf_flowtab_hash) and the
 * alternate bucket is primary ^ offset(fp >> 32). Because the offset
 * depends on the fingerprint alone, an entry's other bucket is known from
 * its bucket index and fingerprint, without rehashing its key. With two
 * choices and a bounded move search (below) the first refusal comes above
 * 90% fill (random keys: ~94%, test_fill_1m).
 *
 * Lookup: flowtab.h inlines a live hit in the primary bucket (the common
 * case); hf_flowtab_lookup_slow_ here does the rest (the alternate bucket,
 * expired entries, misses).
 *
 * Insert: overwrite the entry where its fingerprint is present; else take
 * a free way (empty first, then expired) in the primary bucket, then in
 * the alternate one;
 * else move one live entry of either bucket to its own alternate bucket
 * (search depth HF_FLOWTAB_MOVE_DEPTH, iterative deepening: at most
 * 2 * (4 + 20 + 84) buckets examined; after a failed search, none until an
 * entry leaves the table);
 * else -ENOSPC. Nothing is allocated after create.
 *
 * Expiry: an entry is live while tick(now) - seen <= timeout_ticks (and
 * when now is older than seen; ticks: flowtab.h). Expired entries count
 * in stats.entries until a lookup, insert, move or age sweep frees or
 * reuses them (stats.aged).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <hyperflow/flowtab.h>
#include <hyperflow/hash.h>
#include <hyperflow/limits.h>

#define HF_FLOWTAB_MOVE_DEPTH 3		 /* entries moved for one insert, at most */
#define HF_FLOWTAB_HUGE_ALIGN (2u << 20) /* big tables: align for transparent huge pages */

/* Where a key lives or would live. */
struct hf_flowtab_pos {
	uint32_t b1; /* primary bucket */
	uint32_t b2; /* alternate bucket (== b1 in a one-bucket table) */
	uint64_t fp;
};

/* A slot: bucket index and way. */
struct hf_flowtab_slot {
	uint32_t b;
	uint32_t way;
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

/* n entries left the table (removed, purged, aged or reused): room may have appeared. */
static inline void
entries_gone(struct hf_flowtab *ft, uint64_t n)
{
	ctr_sub(&ft->stats.entries, n);
	ft->moves_off = false;
}

static inline bool
expired(const struct hf_flowtab *ft, uint32_t seen, uint32_t now_tick)
{
	return hf_flowtab_expired_(ft, seen, now_tick);
}

static inline uint64_t
key_hash(const struct hf_flow_key *k)
{
	return hf_flowtab_hash(k);
}

/* The other bucket of an entry with fingerprint fp sitting in bucket b. */
static inline uint32_t
alt_bucket(const struct hf_flowtab *ft, uint32_t b, uint64_t fp)
{
	uint32_t off = hf_mix32((uint32_t)(fp >> 32)) & ft->mask;

	if (off == 0)
		off = ft->mask & 1; /* 1, or 0 in a one-bucket table */
	return b ^ off;
}

static inline struct hf_flowtab_pos
pos_of_hash(const struct hf_flowtab *ft, uint64_t h)
{
	struct hf_flowtab_pos p;

	p.b1 = (uint32_t)h & ft->mask;
	p.fp = hf_flowtab_fp_(h);
	p.b2 = alt_bucket(ft, p.b1, p.fp);
	return p;
}

/* Way of bucket bk holding fingerprint fp, or -1. */
static inline int
bucket_find(const struct hf_flowtab_bucket *bk, uint64_t fp)
{
	return hf_flowtab_find_(bk, fp);
}

/* Where fingerprint p->fp is: *b its bucket, the way; -1 if in neither. */
static inline int
pos_find(const struct hf_flowtab *ft, const struct hf_flowtab_pos *p, uint32_t *b)
{
	int way;

	*b = p->b1;
	way = bucket_find(&ft->bkt[p->b1], p->fp);
	if (way < 0 && p->b2 != p->b1) {
		*b = p->b2;
		way = bucket_find(&ft->bkt[p->b2], p->fp);
	}
	return way;
}

/* A way that can take a new entry: the first empty one, else the first expired one; -1 if none. */
static inline int
bucket_free_way(const struct hf_flowtab *ft, const struct hf_flowtab_bucket *bk, uint32_t t)
{
	int exp_way = -1;
	unsigned int i;

	for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
		if (bk->fp[i] == 0)
			return (int)i;
		if (exp_way < 0 && expired(ft, bk->seen[i], t))
			exp_way = (int)i;
	}
	return exp_way;
}

/* Make way `way` of bucket b ready to be overwritten: an expired entry there is aged out. */
static inline void
slot_claim(struct hf_flowtab *ft, uint32_t b, uint32_t way)
{
	if (ft->bkt[b].fp[way] != 0) {
		ctr_add(&ft->stats.aged, 1);
		entries_gone(ft, 1);
	}
}

static inline void
slot_write(struct hf_flowtab *ft, uint32_t b, uint32_t way, uint64_t fp,
	const struct hf_flow_key *k, uint32_t val, uint32_t seen)
{
	struct hf_flowtab_bucket *bk = &ft->bkt[b];

	bk->key[way] = *k;
	bk->seen[way] = seen;
	bk->val[way] = val;
	bk->fp[way] = fp;
}

static inline void
slot_move(struct hf_flowtab *ft, struct hf_flowtab_slot from, struct hf_flowtab_slot to)
{
	const struct hf_flowtab_bucket *src = &ft->bkt[from.b];

	slot_write(ft, to.b, to.way, src->fp[from.way], &src->key[from.way], src->val[from.way],
		src->seen[from.way]);
}

/*
 * Find a chain of exactly `depth` moves freeing a way of bucket b (all of
 * whose ways hold live entries). On success path[0..depth-1] lists the
 * slots to move, from b outwards, path[depth] is the free slot at the end,
 * and true is returned.
 */
static bool
move_search(const struct hf_flowtab *ft, uint32_t b, uint32_t t, unsigned int depth,
	struct hf_flowtab_slot *path)
{
	const struct hf_flowtab_bucket *bk = &ft->bkt[b];
	unsigned int i;
	uint32_t a;
	int way;

	for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
		a = alt_bucket(ft, b, bk->fp[i]);
		if (a == b)
			continue;
		if (depth > 1) {
			/* a is full of live entries: a shorter search found nothing. */
			if (!move_search(ft, a, t, depth - 1, path + 1))
				continue;
		} else {
			way = bucket_free_way(ft, &ft->bkt[a], t);
			if (way < 0)
				continue;
			path[1] = (struct hf_flowtab_slot){a, (uint32_t)way};
		}
		path[0] = (struct hf_flowtab_slot){b, i};
		return true;
	}
	return false;
}

/*
 * Free a way in b1 or b2 (both full of live entries) by moving entries to
 * their alternate buckets, shortest chain first, primary bucket first.
 * Returns the freed slot in *slot, or false when no chain exists within
 * HF_FLOWTAB_MOVE_DEPTH moves.
 */
static bool
make_room(struct hf_flowtab *ft, const struct hf_flowtab_pos *p, uint32_t t,
	struct hf_flowtab_slot *slot)
{
	struct hf_flowtab_slot path[HF_FLOWTAB_MOVE_DEPTH + 1];
	unsigned int depth, i;
	bool found = false;

	/*
	 * A failed search examines up to 2 * (4 + 20 + 84) buckets (each
	 * depth scans the shallower ones again). Once one has failed, the
	 * table is as full as moves can make it: skip the search until an
	 * entry leaves, so that a table full of live flows refuses new ones
	 * at the cost of two bucket scans, and each departure pays for at
	 * most one more search.
	 */
	if (ft->moves_off)
		return false;
	for (depth = 1; depth <= HF_FLOWTAB_MOVE_DEPTH && !found; depth++) {
		found = move_search(ft, p->b1, t, depth, path);
		if (!found && p->b2 != p->b1)
			found = move_search(ft, p->b2, t, depth, path);
	}
	if (!found) {
		ft->moves_off = true;
		return false;
	}
	depth--;
	/* Move from the free end back towards the start. */
	slot_claim(ft, path[depth].b, path[depth].way);
	for (i = depth; i > 0; i--)
		slot_move(ft, path[i - 1], path[i]);
	*slot = path[0];
	return true;
}

struct hf_flowtab *
hf_flowtab_create(uint32_t entries, uint64_t timeout)
{
	struct hf_flowtab *ft = NULL;
	uint32_t cap = HF_FLOWTAB_WAYS;
	size_t align;
	void *mem = NULL;
	int rc;

	if (entries == 0 || timeout == 0 || timeout > (uint64_t)INT64_MAX || entries > HF_FLOWS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	while (cap < entries)
		cap <<= 1;

	rc = posix_memalign(&mem, HF_FLOWTAB_CACHE_LINE, sizeof(*ft));
	if (rc != 0) {
		errno = ENOMEM;
		return NULL;
	}
	ft = mem;
	memset(ft, 0, sizeof(*ft));
	ft->nb_buckets = cap / HF_FLOWTAB_WAYS;
	ft->mask = ft->nb_buckets - 1;
	while ((timeout >> ft->shift) > HF_FLOWTAB_TICKS_MAX)
		ft->shift++;
	ft->timeout_ticks = (uint32_t)(timeout >> ft->shift);
	ft->bkt_size = (size_t)ft->nb_buckets * sizeof(struct hf_flowtab_bucket);

	align = ft->bkt_size >= HF_FLOWTAB_HUGE_ALIGN ? HF_FLOWTAB_HUGE_ALIGN
						      : sizeof(struct hf_flowtab_bucket);
	mem = NULL;
	rc = posix_memalign(&mem, align, ft->bkt_size);
	if (rc != 0) {
		free(ft);
		errno = ENOMEM;
		return NULL;
	}
#ifdef MADV_HUGEPAGE
	/* Fewer TLB misses on random bucket access; advisory, failure is harmless. */
	if (align == HF_FLOWTAB_HUGE_ALIGN)
		(void)madvise(mem, ft->bkt_size, MADV_HUGEPAGE);
#endif
	memset(mem, 0, ft->bkt_size);
	ft->bkt = mem;
	return ft;
}

void
hf_flowtab_free(struct hf_flowtab *ft)
{
	if (ft == NULL)
		return;
	free(ft->bkt);
	free(ft);
}

size_t
hf_flowtab_memory(const struct hf_flowtab *ft)
{
	return ft->bkt_size + sizeof(*ft);
}

uint32_t
hf_flowtab_capacity(const struct hf_flowtab *ft)
{
	return ft->nb_buckets * HF_FLOWTAB_WAYS;
}

void
hf_flowtab_prefetch(const struct hf_flowtab *ft, const struct hf_flow_key *k)
{
	hf_flowtab_prefetch_h(ft, key_hash(k));
}

int
hf_flowtab_lookup(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t now, uint32_t *val)
{
	return hf_flowtab_lookup_h(ft, key_hash(k), now, val);
}

int
hf_flowtab_lookup_slow_(struct hf_flowtab *ft, uint64_t h, uint64_t now, uint32_t *val)
{
	struct hf_flowtab_pos p = pos_of_hash(ft, h);
	uint32_t b, t = hf_flowtab_tick_(ft, now);
	struct hf_flowtab_bucket *bk;
	int way;

	way = pos_find(ft, &p, &b);
	bk = &ft->bkt[b];
	if (way < 0) {
		ctr_add(&ft->stats.misses, 1);
		return 0;
	}
	if (expired(ft, bk->seen[way], t)) {
		/* The fingerprint is in no other way of its buckets: free this one, it is a miss. */
		bk->fp[way] = 0;
		ctr_add(&ft->stats.aged, 1);
		entries_gone(ft, 1);
		ctr_add(&ft->stats.misses, 1);
		return 0;
	}
	bk->seen[way] = t;
	*val = bk->val[way];
	ctr_add(&ft->stats.hits, 1);
	return 1;
}

int
hf_flowtab_insert(struct hf_flowtab *ft, const struct hf_flow_key *k, uint32_t val, uint64_t now)
{
	return hf_flowtab_insert_h(ft, k, key_hash(k), val, now);
}

int
hf_flowtab_insert_h(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t h, uint32_t val,
		    uint64_t now)
{
	struct hf_flowtab_pos p = pos_of_hash(ft, h);
	uint32_t t = hf_flowtab_tick_(ft, now);
	struct hf_flowtab_slot slot;
	struct hf_flowtab_bucket *bk;
	int way;

	way = pos_find(ft, &p, &slot.b);
	if (way >= 0) {
		bk = &ft->bkt[slot.b];
		if (expired(ft, bk->seen[way], t)) {
			/* The old flow aged out; this is a new one in its way. */
			ctr_add(&ft->stats.aged, 1);
			ctr_add(&ft->stats.inserts, 1);
		}
		bk->val[way] = val;
		bk->seen[way] = t;
		bk->key[way] = *k;
		return 0;
	}

	slot.b = p.b1;
	way = bucket_free_way(ft, &ft->bkt[p.b1], t);
	if (way < 0 && p.b2 != p.b1) {
		slot.b = p.b2;
		way = bucket_free_way(ft, &ft->bkt[p.b2], t);
	}
	if (way >= 0) {
		slot.way = (uint32_t)way;
		slot_claim(ft, slot.b, slot.way);
	} else if (!make_room(ft, &p, t, &slot)) {
		ctr_add(&ft->stats.full, 1);
		return -ENOSPC;
	}
	slot_write(ft, slot.b, slot.way, p.fp, k, val, t);
	ctr_add(&ft->stats.entries, 1);
	ctr_add(&ft->stats.inserts, 1);
	return 0;
}

int
hf_flowtab_remove(struct hf_flowtab *ft, const struct hf_flow_key *k)
{
	struct hf_flowtab_pos p = pos_of_hash(ft, key_hash(k));
	uint32_t b;
	int way;

	way = pos_find(ft, &p, &b);
	/* a fingerprint match, confirmed: keys have no padding (flowtab.h) */
	if (way < 0 || memcmp(&ft->bkt[b].key[way], k, sizeof(*k)) != 0)
		return 0;
	ft->bkt[b].fp[way] = 0;
	entries_gone(ft, 1);
	return 1;
}

uint32_t
hf_flowtab_age(struct hf_flowtab *ft, uint64_t now, uint32_t budget)
{
	struct hf_flowtab_bucket *bk;
	uint32_t removed = 0, b, n, t = hf_flowtab_tick_(ft, now);
	unsigned int i;

	if (budget > ft->nb_buckets)
		budget = ft->nb_buckets;
	b = ft->age_cursor;
	for (n = 0; n < budget; n++) {
		bk = &ft->bkt[b];
		for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
			if (bk->fp[i] != 0 && expired(ft, bk->seen[i], t)) {
				bk->fp[i] = 0;
				removed++;
			}
		}
		b = (b + 1) & ft->mask;
	}
	ft->age_cursor = b;
	if (removed > 0) {
		ctr_add(&ft->stats.aged, removed);
		entries_gone(ft, removed);
	}
	return removed;
}

uint32_t
hf_flowtab_purge_val(struct hf_flowtab *ft, uint32_t val)
{
	struct hf_flowtab_bucket *bk;
	uint32_t removed = 0, b;
	unsigned int i;

	for (b = 0; b < ft->nb_buckets; b++) {
		bk = &ft->bkt[b];
		for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
			if (bk->fp[i] != 0 && bk->val[i] == val) {
				bk->fp[i] = 0;
				removed++;
			}
		}
	}
	if (removed > 0)
		entries_gone(ft, removed);
	return removed;
}

void
hf_flowtab_get_stats(const struct hf_flowtab *ft, struct hf_flowtab_stats *st)
{
	st->entries = __atomic_load_n(&ft->stats.entries, __ATOMIC_RELAXED);
	st->inserts = __atomic_load_n(&ft->stats.inserts, __ATOMIC_RELAXED);
	st->hits = __atomic_load_n(&ft->stats.hits, __ATOMIC_RELAXED);
	st->misses = __atomic_load_n(&ft->stats.misses, __ATOMIC_RELAXED);
	st->aged = __atomic_load_n(&ft->stats.aged, __ATOMIC_RELAXED);
	st->full = __atomic_load_n(&ft->stats.full, __ATOMIC_RELAXED);
}

uint32_t
hf_flowtab_walk(
	const struct hf_flowtab *ft, uint64_t now, uint32_t max, hf_flowtab_walk_cb cb, void *arg)
{
	const struct hf_flowtab_bucket *bk;
	uint32_t visited = 0, b, t = hf_flowtab_tick_(ft, now), age;
	unsigned int i;

	if (max == 0)
		return 0;
	for (b = 0; b < ft->nb_buckets; b++) {
		bk = &ft->bkt[b];
		for (i = 0; i < HF_FLOWTAB_WAYS; i++) {
			if (bk->fp[i] == 0 || expired(ft, bk->seen[i], t))
				continue;
			visited++;
			/* last seen to within a tick; a seen tick ahead of now is now */
			age = (int32_t)(t - bk->seen[i]) > 0 ? t - bk->seen[i] : 0;
			if (cb(&bk->key[i], bk->val[i], now - ((uint64_t)age << ft->shift), arg) != 0 ||
				visited == max)
				return visited;
		}
	}
	return visited;
}
