/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: the "list of operational flows". One per worker lcore,
 * bounded, set-associative (buckets of HF_FLOWTAB_WAYS entries; each key has
 * two candidate buckets, cuckoo-style), keyed by a cluster's normalised hash
 * fields, value = member uid. Lookups and inserts match a key by its 64-bit
 * fingerprint (hf_flowtab_hash); the key itself is kept beside it for walks
 * and removals (see Internals). An entry idle for longer than the timeout is
 * expired: lookups ignore it and inserts reuse it. When every way of both
 * of a key's buckets holds a live entry and no entry can be moved to its
 * other bucket, an insert fails with -ENOSPC (counted as "full") and the
 * caller falls back to stateless bucket selection: a full table never fails
 * a packet. Random keys fill well over 90% of the capacity before the first
 * -ENOSPC.
 *
 * Time is whatever unit the caller uses consistently (TSC cycles in the
 * worker, milliseconds in tests); the timeout is in the same unit. Entries
 * keep their last-seen time in 32-bit ticks of 2^shift units, shift the
 * least that brings the timeout to at most 2^20 ticks (0 for a timeout under
 * 2^20 units: exact): expiry is exact to within one tick, and an entry
 * must be swept (hf_flowtab_age reaching its bucket) within 2^11 timeouts
 * of its last use, or its tick difference wraps and it looks live again.
 * The worker sweeps a whole table in seconds (src/dp/worker.c).
 *
 * Thread-safety: single writer (the owning worker). Counters in
 * struct hf_flowtab_stats are written with relaxed atomic stores and may be
 * read from any thread through hf_flowtab_get_stats. hf_flowtab_walk is only
 * safe from the owning thread or while the owner is stopped.
 */
#ifndef HF_FLOWTAB_H
#define HF_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hyperflow/compiler.h>
#include <hyperflow/hash.h>

#define HF_FLOWTAB_WAYS 4

/* Normalised key: fields a cluster's hash mode does not use are zero. */
struct hf_flow_key {
	uint32_t src;      /* network order (IPv6: folded key) */
	uint32_t dst;
	uint16_t sport;    /* network order */
	uint16_t dport;
	uint16_t cluster;  /* cluster index in the snapshot's uid space */
	uint8_t proto;
	uint8_t family;    /* 4 or 6 */
};

struct hf_flowtab_stats {
	uint64_t entries;  /* live entries (approximate between age sweeps) */
	uint64_t inserts;
	uint64_t hits;
	uint64_t misses;
	uint64_t aged;     /* entries removed or reused because they expired */
	uint64_t full;     /* inserts refused: bucket full of live entries */
};

struct hf_flowtab;   /* defined below, for the inline lookup only */

/*
 * Table for at least `entries` flows (rounded up to a power of two, at
 * least HF_FLOWTAB_WAYS); 0 < timeout <= INT64_MAX. NULL with errno set
 * on failure (EINVAL, ENOMEM).
 */
struct hf_flowtab *hf_flowtab_create(uint32_t entries, uint64_t timeout);
void hf_flowtab_free(struct hf_flowtab *ft);

uint32_t hf_flowtab_capacity(const struct hf_flowtab *ft);

/* Bytes the table holds (buckets and header). */
size_t hf_flowtab_memory(const struct hf_flowtab *ft);

/*
 * Start loading the cache line a lookup of k will read (its primary
 * bucket). Optional: call it a few packets ahead of hf_flowtab_lookup in a
 * burst to overlap the memory latency of a large table.
 */
void hf_flowtab_prefetch(const struct hf_flowtab *ft, const struct hf_flow_key *k);

/*
 * The key hash differs between builds (CRC32-C where the compiler targets
 * SSE4.2, splitmix64 elsewhere; see hf_flowtab_hash below), and callers of
 * the _h functions compute it inline. Every translation unit must
 * therefore agree with src/dp/flowtab.c: the out-of-line functions that
 * take a caller's hash carry the variant in their link names, so a mix of
 * builds fails to link instead of missing its own entries.
 */
#if defined(__SSE4_2__) && defined(__x86_64__) && !defined(HF_FLOWTAB_NO_SIMD)
#define HF_FLOWTAB_HASH_CRC32C 1
#define hf_flowtab_insert_h hf_flowtab_insert_h_crc32c
#define hf_flowtab_lookup_slow_ hf_flowtab_lookup_slow_crc32c_
#else
#define hf_flowtab_insert_h hf_flowtab_insert_h_mix64
#define hf_flowtab_lookup_slow_ hf_flowtab_lookup_slow_mix64_
#endif

/*
 * The same operations with the key's hash computed once by the caller
 * (hf_flowtab_hash), for a worker that prefetches a burst and then looks
 * up and inserts: h must be hf_flowtab_hash(k). A lookup needs the hash
 * only (it matches the fingerprint); an insert also stores the key.
 */
HF_HOT_INLINE uint64_t hf_flowtab_hash(const struct hf_flow_key *k);
HF_HOT_INLINE void hf_flowtab_prefetch_h(const struct hf_flowtab *ft, uint64_t h);
HF_HOT_INLINE int hf_flowtab_lookup_h(struct hf_flowtab *ft, uint64_t h, uint64_t now,
				      uint32_t *val);
int hf_flowtab_insert_h(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t h,
			uint32_t val, uint64_t now);

/*
 * The same once more with the primary bucket located in advance: the
 * worker's first pass calls hf_flowtab_ref (which also prefetches the
 * bucket) and keeps the result; its second pass looks up with it.
 */
struct hf_flowtab_ref {
	struct hf_flowtab_bucket *bk;  /* primary bucket */
	uint64_t h;                    /* hf_flowtab_hash(key) */
};
HF_HOT_INLINE struct hf_flowtab_ref hf_flowtab_ref(const struct hf_flowtab *ft, uint64_t h);
HF_HOT_INLINE int hf_flowtab_lookup_ref(struct hf_flowtab *ft, struct hf_flowtab_ref r,
					uint64_t now, uint32_t *val);

/*
 * 1 and *val when a live entry with k's fingerprint exists (its last-seen
 * becomes now), else 0. The fingerprint carries 63 bits of the key (its
 * bucket index among them), so a key whose own entry is not there meets
 * another key's entry with probability n * 2^-63 for n live entries
 * (2^-43 with a million), and the lookup is then answered with that
 * key's value; an insert would take that entry over.
 */
int hf_flowtab_lookup(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t now,
		      uint32_t *val);

/* Insert or overwrite key -> val. 0, or -ENOSPC when the bucket is full of live entries. */
int hf_flowtab_insert(struct hf_flowtab *ft, const struct hf_flow_key *k, uint32_t val,
		      uint64_t now);

/* Remove key if present (fingerprint and key equal); returns 1 when removed. */
int hf_flowtab_remove(struct hf_flowtab *ft, const struct hf_flow_key *k);

/*
 * Incremental ager: scans up to `budget` buckets from where the last call
 * stopped, removing expired entries. Returns the number removed.
 */
uint32_t hf_flowtab_age(struct hf_flowtab *ft, uint64_t now, uint32_t budget);

/* Remove every entry whose value is val (a member removed); returns count. */
uint32_t hf_flowtab_purge_val(struct hf_flowtab *ft, uint32_t val);

void hf_flowtab_get_stats(const struct hf_flowtab *ft, struct hf_flowtab_stats *st);

/*
 * Call cb for up to max live entries; stops early when cb returns non-zero.
 * Returns the number of calls made.
 */
typedef int (*hf_flowtab_walk_cb)(const struct hf_flow_key *k, uint32_t val, uint64_t last_seen,
				  void *arg);
uint32_t hf_flowtab_walk(const struct hf_flowtab *ft, uint64_t now, uint32_t max,
			 hf_flowtab_walk_cb cb, void *arg);

/*
 * ---- Internals, in the header for the worker's inline hit path ----------
 * Nothing below is API: use the functions above.
 *
 * Layout: an array of 128-byte buckets (two adjacent cache lines,
 * 128-byte aligned), each of HF_FLOWTAB_WAYS (4) ways:
 *   line 0: fp[4] (64-bit fingerprints, 0 = empty way), val[4],
 *           seen[4] (last-seen ticks);
 *   line 1: key[4].
 * A lookup compares the four fingerprints at once and answers from line 0
 * alone: with a table far bigger than the cache every line fetched from
 * memory costs, and one line costs about half of two adjacent ones
 * (docs/performance.md). Inserts also write the key to line 1 (a store,
 * which does not wait for the line); removals and walks read it.
 */
#define HF_FLOWTAB_CACHE_LINE 64
#define HF_FLOWTAB_SEED 0x9e3779b97f4a7c15ull
#define HF_FLOWTAB_SEED2 0xc2b2ae3d27d4eb4full
#define HF_FLOWTAB_TICKS_MAX (1u << 20)   /* timeout in ticks, at most */

struct hf_flowtab_bucket {
	uint64_t fp[HF_FLOWTAB_WAYS];   /* 0 = empty way */
	uint32_t val[HF_FLOWTAB_WAYS];
	uint32_t seen[HF_FLOWTAB_WAYS]; /* last-seen, in ticks (hf_flowtab_tick_) */
	struct hf_flow_key key[HF_FLOWTAB_WAYS];
} __attribute__((aligned(2 * HF_FLOWTAB_CACHE_LINE)));

_Static_assert(sizeof(struct hf_flow_key) == 16, "flow key must be 16 bytes, no padding");
_Static_assert(HF_FLOWTAB_WAYS == 4, "bucket layout assumes 4 ways");
_Static_assert(sizeof(struct hf_flowtab_bucket) == 2 * HF_FLOWTAB_CACHE_LINE,
	       "bucket must be two cache lines");
_Static_assert(offsetof(struct hf_flowtab_bucket, key) == HF_FLOWTAB_CACHE_LINE,
	       "fingerprints, values and times must fill the first line");

/*
 * Thread-safety: every field is written by the owning worker only. stats
 * is also read by other threads (hf_flowtab_get_stats) with relaxed atomic
 * loads; it sits on its own cache line so that readers do not disturb the
 * bucket pointer and parameters the worker reads per packet.
 */
struct hf_flowtab {
	struct hf_flowtab_bucket *bkt;
	uint32_t mask;       /* nb_buckets - 1 */
	uint32_t nb_buckets;
	uint32_t shift;      /* a tick is 2^shift time units */
	uint32_t timeout_ticks; /* timeout >> shift, <= HF_FLOWTAB_TICKS_MAX */
	uint32_t age_cursor; /* next bucket hf_flowtab_age scans */
	bool moves_off;      /* a move search failed and no entry left since (make_room) */
	size_t bkt_size;     /* bytes of bkt */
	struct hf_flowtab_stats stats __attribute__((aligned(HF_FLOWTAB_CACHE_LINE)));
};

/*
 * The key's 64-bit hash, which is also its fingerprint: bucket index from
 * the low bits, the alternate bucket's offset from the high 32 (so an
 * entry's other bucket is known from its fingerprint, without its key),
 * and all 64 (bit 0 forced to 1: 0 marks an empty way) compared on
 * lookup. Nothing outside the owning worker sees it, so it may differ
 * between builds. Inline: the worker computes it once per frame in its
 * first pass.
 *   x86-64 with SSE4.2: one CRC32-C chain over the two key words for the
 *   low half, and for the high half another over the words rotated by 32
 *   bits, in the opposite order and from another seed (four CRC
 *   instructions and two rotates in two independent chains). The rotate
 *   matters: CRC is linear and reduces its message modulo one polynomial,
 *   so two chains over the plain words depend on a word only through the
 *   same 32 bits of it, and keys that differ in one word only (src-dst
 *   keys of one cluster, 5-tuples with the same ports) would collide in
 *   all 64 bits with probability 2^-32 (test_fill_structured). With the
 *   rotate the map is still linear, of rank 63 (CRC keeps the message's
 *   parity, so the halves' parities agree): two keys that differ in one
 *   word collide only when the difference is the one vector the map
 *   sends to 0, and random keys with probability 2^-63.
 *   elsewhere: two rounds of the splitmix64 finaliser.
 */
#ifdef HF_FLOWTAB_HASH_CRC32C
#include <nmmintrin.h>
HF_HOT_INLINE uint64_t
hf_flowtab_hash(const struct hf_flow_key *k)
{
	uint64_t w0, w1, lo, hi;

	memcpy(&w0, k, sizeof(w0));
	memcpy(&w1, (const uint8_t *)k + sizeof(w0), sizeof(w1));
	lo = _mm_crc32_u64(_mm_crc32_u64((uint32_t)HF_FLOWTAB_SEED, w0), w1);
	hi = _mm_crc32_u64(_mm_crc32_u64((uint32_t)HF_FLOWTAB_SEED2, w1 << 32 | w1 >> 32),
			   w0 << 32 | w0 >> 32);
	return lo | hi << 32;
}
#else
HF_HOT_INLINE uint64_t
hf_flowtab_hash(const struct hf_flow_key *k)
{
	uint64_t w0, w1;

	memcpy(&w0, k, sizeof(w0));
	memcpy(&w1, (const uint8_t *)k + sizeof(w0), sizeof(w1));
	return hf_mix64(hf_mix64(w0 ^ HF_FLOWTAB_SEED) ^ w1);
}
#endif

/* The fingerprint stored and compared: the hash with bit 0 set (never 0). */
HF_HOT_INLINE uint64_t
hf_flowtab_fp_(uint64_t h)
{
	return h | 1;
}

#if defined(__SSE4_1__) && !defined(HF_FLOWTAB_NO_SIMD)
#include <smmintrin.h>
/*
 * Ways of a bucket whose fingerprint is fp: bit i set where way i matches.
 * Two 64-bit compares of two ways each; the pack (signed saturation, so
 * all-ones stays all-ones) leaves each way's result in one 32-bit lane
 * of one register, whose four sign bits are the mask.
 */
HF_HOT_INLINE uint32_t
hf_flowtab_fp_match_(const struct hf_flowtab_bucket *bk, uint64_t fp)
{
	__m128i f = _mm_set1_epi64x((long long)fp);
	__m128i a = _mm_cmpeq_epi64(_mm_load_si128((const __m128i *)(const void *)&bk->fp[0]), f);
	__m128i b = _mm_cmpeq_epi64(_mm_load_si128((const __m128i *)(const void *)&bk->fp[2]), f);

	return (uint32_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_packs_epi32(a, b)));
}
#else
/* Ways of a bucket whose fingerprint is fp: bit i set where way i matches. */
HF_HOT_INLINE uint32_t
hf_flowtab_fp_match_(const struct hf_flowtab_bucket *bk, uint64_t fp)
{
	return (uint32_t)(bk->fp[0] == fp) | (uint32_t)(bk->fp[1] == fp) << 1 |
	       (uint32_t)(bk->fp[2] == fp) << 2 | (uint32_t)(bk->fp[3] == fp) << 3;
}
#endif

/* A time in ticks (see the top of this file). */
HF_HOT_INLINE uint32_t
hf_flowtab_tick_(const struct hf_flowtab *ft, uint64_t now)
{
	return (uint32_t)(now >> ft->shift);
}

/*
 * Live while tick(now) - seen <= timeout_ticks, and when tick(now) is
 * older than seen (the signed difference is negative).
 */
HF_HOT_INLINE bool
hf_flowtab_expired_(const struct hf_flowtab *ft, uint32_t seen, uint32_t now_tick)
{
	return (int32_t)(now_tick - seen) > (int32_t)ft->timeout_ticks;
}

/* Way of bucket bk holding fingerprint fp, or -1. A fingerprint is in at most one way of a key's two buckets. */
HF_HOT_INLINE int
hf_flowtab_find_(const struct hf_flowtab_bucket *bk, uint64_t fp)
{
	uint32_t m = hf_flowtab_fp_match_(bk, fp);

	return m != 0 ? __builtin_ctz(m) : -1;
}

/*
 * Locate and prefetch the primary bucket. Always inlined (as every
 * HF_HOT_INLINE): GCC takes a function made of prefetches for free of side
 * effects ("pure") and may drop a call to it that it has not inlined yet.
 */
HF_HOT_INLINE struct hf_flowtab_ref
hf_flowtab_ref(const struct hf_flowtab *ft, uint64_t h)
{
	struct hf_flowtab_ref r = {&ft->bkt[(uint32_t)h & ft->mask], h};

	/* fingerprints, values and times: all a hit reads and writes */
	__builtin_prefetch(r.bk, 1, 3);
	return r;
}

HF_HOT_INLINE void
hf_flowtab_prefetch_h(const struct hf_flowtab *ft, uint64_t h)
{
	(void)hf_flowtab_ref(ft, h);
}

/* Everything but a live hit in the primary bucket (src/dp/flowtab.c). */
int hf_flowtab_lookup_slow_(struct hf_flowtab *ft, uint64_t h, uint64_t now, uint32_t *val);

HF_HOT_INLINE int
hf_flowtab_lookup_ref(struct hf_flowtab *ft, struct hf_flowtab_ref r, uint64_t now, uint32_t *val)
{
	int way = hf_flowtab_find_(r.bk, hf_flowtab_fp_(r.h));
	uint32_t t = hf_flowtab_tick_(ft, now);

	/* the common case in straight code: a live entry in the primary bucket */
	if (__builtin_expect(way >= 0 && !hf_flowtab_expired_(ft, r.bk->seen[way], t), 1)) {
		r.bk->seen[way] = t;
		*val = r.bk->val[way];
		__atomic_store_n(&ft->stats.hits,
				 __atomic_load_n(&ft->stats.hits, __ATOMIC_RELAXED) + 1,
				 __ATOMIC_RELAXED);
		return 1;
	}
	/* the alternate bucket, an expired entry or a miss */
	return hf_flowtab_lookup_slow_(ft, r.h, now, val);
}

HF_HOT_INLINE int
hf_flowtab_lookup_h(struct hf_flowtab *ft, uint64_t h, uint64_t now, uint32_t *val)
{
	struct hf_flowtab_ref r = {&ft->bkt[(uint32_t)h & ft->mask], h};

	return hf_flowtab_lookup_ref(ft, r, now, val);
}

#endif /* HF_FLOWTAB_H */
