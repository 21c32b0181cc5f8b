/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow table: the "list of operational flows". One per worker lcore,
 * bounded, set-associative (buckets of HF_FLOWTAB_WAYS entries; each key has
 * two candidate buckets, cuckoo-style), keyed by a cluster's normalised hash
 * fields, value = member uid. An entry idle for longer than the timeout is
 * expired: lookups ignore it and inserts reuse it. When every way of both
 * of a key's buckets holds a live entry and no entry can be moved to its
 * other bucket, an insert fails with -ENOSPC (counted as "full") and the
 * caller falls back to stateless bucket selection: a full table never fails
 * a packet. Random keys fill well over 90% of the capacity before the first
 * -ENOSPC.
 *
 * Time is whatever unit the caller uses consistently (TSC cycles in the
 * worker, milliseconds in tests); the timeout is in the same unit.
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
 * least HF_FLOWTAB_WAYS); 0 < timeout <= INT64_MAX (expiry compares
 * signed differences). NULL with errno set on failure (EINVAL, ENOMEM).
 */
struct hf_flowtab *hf_flowtab_create(uint32_t entries, uint64_t timeout);
void hf_flowtab_free(struct hf_flowtab *ft);

uint32_t hf_flowtab_capacity(const struct hf_flowtab *ft);

/* Bytes the table holds (buckets and header). */
size_t hf_flowtab_memory(const struct hf_flowtab *ft);

/*
 * Start loading the cache lines a lookup of k will read (its primary
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
 * up and inserts: h must be hf_flowtab_hash(k).
 */
HF_HOT_INLINE uint64_t hf_flowtab_hash(const struct hf_flow_key *k);
HF_HOT_INLINE void hf_flowtab_prefetch_h(const struct hf_flowtab *ft, uint64_t h);
HF_HOT_INLINE int hf_flowtab_lookup_h(struct hf_flowtab *ft, const struct hf_flow_key *k,
				      uint64_t h, uint64_t now, uint32_t *val);
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
HF_HOT_INLINE int hf_flowtab_lookup_ref(struct hf_flowtab *ft, const struct hf_flow_key *k,
					struct hf_flowtab_ref r, uint64_t now, uint32_t *val);

/* 1 and *val when a live entry exists (its last-seen becomes now), else 0. */
int hf_flowtab_lookup(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t now,
		      uint32_t *val);

/* Insert or overwrite key -> val. 0, or -ENOSPC when the bucket is full of live entries. */
int hf_flowtab_insert(struct hf_flowtab *ft, const struct hf_flow_key *k, uint32_t val,
		      uint64_t now);

/* Remove key if present; returns 1 when removed. */
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
 *   sig[4] (16-bit signatures, 0 = empty way), val[4], padding to 32 bytes,
 *   ent[4] = { key (16 bytes), last_seen (8 bytes) }
 * A lookup compares the four signatures at once and touches a key only
 * when its signature matches; a whole bucket is the two lines one
 * prefetch pair brings in. Four ways in two lines rather than eight in
 * four: a table far bigger than the cache pays per line fetched from
 * memory, and two adjacent lines cost the memory system about half of
 * what three or four scattered ones do (docs/performance.md).
 */
#define HF_FLOWTAB_CACHE_LINE 64
#define HF_FLOWTAB_SEED 0x9e3779b97f4a7c15ull

struct hf_flowtab_ent {
	struct hf_flow_key key;
	uint64_t last_seen;
};

struct hf_flowtab_bucket {
	uint16_t sig[HF_FLOWTAB_WAYS]; /* 0 = empty way */
	uint32_t val[HF_FLOWTAB_WAYS];
	uint8_t pad[2 * HF_FLOWTAB_CACHE_LINE - HF_FLOWTAB_WAYS * (sizeof(uint16_t) + sizeof(uint32_t)) -
		    HF_FLOWTAB_WAYS * sizeof(struct hf_flowtab_ent)];
	struct hf_flowtab_ent ent[HF_FLOWTAB_WAYS];
} __attribute__((aligned(2 * HF_FLOWTAB_CACHE_LINE)));

_Static_assert(sizeof(struct hf_flow_key) == 16, "flow key must be 16 bytes, no padding");
_Static_assert(HF_FLOWTAB_WAYS == 4, "bucket layout assumes 4 ways");
_Static_assert(sizeof(struct hf_flowtab_bucket) == 2 * HF_FLOWTAB_CACHE_LINE,
	       "bucket must be two cache lines");

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
	uint64_t timeout;
	uint32_t age_cursor; /* next bucket hf_flowtab_age scans */
	bool moves_off;      /* a move search failed and no entry left since (make_room) */
	size_t bkt_size;     /* bytes of bkt */
	struct hf_flowtab_stats stats __attribute__((aligned(HF_FLOWTAB_CACHE_LINE)));
};

/*
 * The key's 64-bit hash: bucket index from the low bits, signature from the
 * top 16. Any function of the key alone will do (the table never rehashes:
 * an entry's other bucket comes from its signature), and nothing outside
 * the owning worker sees it, so it may differ between builds. Inline: the
 * worker computes it once per frame in its first pass.
 *   x86-64 with SSE4.2: CRC32-C over the two key words (two instructions,
 *   as rte_hash_crc does), spread to 64 bits by a Fibonacci multiply: the
 *   low bits of the product are a bijection of the CRC's low bits, the top
 *   16 depend on all 32.
 *   elsewhere: two rounds of the splitmix64 finaliser.
 */
#ifdef HF_FLOWTAB_HASH_CRC32C
#include <nmmintrin.h>
HF_HOT_INLINE uint64_t
hf_flowtab_hash(const struct hf_flow_key *k)
{
	uint64_t w0, w1;

	memcpy(&w0, k, sizeof(w0));
	memcpy(&w1, (const uint8_t *)k + sizeof(w0), sizeof(w1));
	return _mm_crc32_u64(_mm_crc32_u64((uint32_t)HF_FLOWTAB_SEED, w0), w1) * HF_FLOWTAB_SEED;
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

/* The signature: the hash's top 16 bits, the lowest forced to 1 (0 marks an empty way). */
HF_HOT_INLINE uint16_t
hf_flowtab_sig_(uint64_t h)
{
	return (uint16_t)(h >> 48) | 1;
}

#if defined(__SSE4_1__) && !defined(HF_FLOWTAB_NO_SIMD)
#include <smmintrin.h>
HF_HOT_INLINE bool
hf_flowtab_key_eq_(const struct hf_flow_key *a, const struct hf_flow_key *b)
{
	__m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(const void *)a),
				  _mm_loadu_si128((const __m128i *)(const void *)b));

	return _mm_testz_si128(x, x) != 0;
}
#else
HF_HOT_INLINE bool
hf_flowtab_key_eq_(const struct hf_flow_key *a, const struct hf_flow_key *b)
{
	uint64_t a0, a1, b0, b1;

	memcpy(&a0, a, sizeof(a0));
	memcpy(&a1, (const uint8_t *)a + sizeof(a0), sizeof(a1));
	memcpy(&b0, b, sizeof(b0));
	memcpy(&b1, (const uint8_t *)b + sizeof(b0), sizeof(b1));
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}
#endif

/*
 * Live while now - last_seen <= timeout, and when now is older than
 * last_seen (the signed difference is negative). hf_flowtab_create
 * refuses a timeout above INT64_MAX, so the cast keeps its value.
 */
HF_HOT_INLINE bool
hf_flowtab_expired_(const struct hf_flowtab *ft, uint64_t last_seen, uint64_t now)
{
	return (int64_t)(now - last_seen) > (int64_t)ft->timeout;
}

/*
 * Ways of a bucket whose signature is sig: a mask with HF_FLOWTAB_SIG_LANE
 * bits per way (the lowest set for a match), all ways compared at once.
 * SSE2 where the compiler targets it (the four signatures loaded into the
 * low half, the high lanes zero: sig is never 0, so they never match);
 * elsewhere the same in one 64-bit word, exact (no lane reports a match it
 * does not have).
 */
#if defined(__SSE2__) && !defined(HF_FLOWTAB_NO_SIMD)
#include <emmintrin.h>
#define HF_FLOWTAB_SIG_LANE 2
HF_HOT_INLINE uint32_t
hf_flowtab_sig_match_(const struct hf_flowtab_bucket *bk, uint16_t sig)
{
	__m128i v = _mm_loadl_epi64((const __m128i *)(const void *)bk->sig);

	return (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig)));
}
#else
#define HF_FLOWTAB_SIG_LANE 1
/* Bit i set where 16-bit lane i of w equals sig (ways 0-3 of a word). */
HF_HOT_INLINE uint32_t
hf_flowtab_sig_match_word_(uint64_t w, uint16_t sig)
{
	const uint64_t lo = 0x7fff7fff7fff7fffull;
	uint64_t x = w ^ (sig * 0x0001000100010001ull);

	/* bit 15 of exactly the lanes of x that are zero */
	x = ~(((x & lo) + lo) | x | lo);
	/* gather bits 0, 16, 32, 48 of x >> 15 into bits 45..48 (no carries) */
	return (uint32_t)(((x >> 15) * 0x0000200040008001ull) >> 45) & 0xf;
}

HF_HOT_INLINE uint32_t
hf_flowtab_sig_match_(const struct hf_flowtab_bucket *bk, uint16_t sig)
{
	uint64_t w;

	memcpy(&w, bk->sig, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	/* lane i of the word is memory lane 3 - i: reverse the lanes */
	w = (w >> 48) | ((w >> 16) & 0xffff0000ull) | ((w << 16) & 0xffff00000000ull) | (w << 48);
#endif
	return hf_flowtab_sig_match_word_(w, sig);
}
#endif

/* Way of bucket bk holding key k, or -1. */
HF_HOT_INLINE int
hf_flowtab_find_(const struct hf_flowtab_bucket *bk, uint16_t sig, const struct hf_flow_key *k)
{
	uint32_t m = hf_flowtab_sig_match_(bk, sig);

	while (m != 0) {
		unsigned int way = (unsigned int)__builtin_ctz(m) / HF_FLOWTAB_SIG_LANE;

		if (hf_flowtab_key_eq_(&bk->ent[way].key, k))
			return (int)way;
		m &= ~(((1u << HF_FLOWTAB_SIG_LANE) - 1) << (way * HF_FLOWTAB_SIG_LANE));
	}
	return -1;
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
	const uint8_t *bk = (const uint8_t *)r.bk;

	/* the whole bucket: signatures, values and keys */
	__builtin_prefetch(bk, 1, 3);
	__builtin_prefetch(bk + HF_FLOWTAB_CACHE_LINE, 1, 3);
	return r;
}

HF_HOT_INLINE void
hf_flowtab_prefetch_h(const struct hf_flowtab *ft, uint64_t h)
{
	(void)hf_flowtab_ref(ft, h);
}

/* Everything but a live hit in the primary bucket (src/dp/flowtab.c). */
int hf_flowtab_lookup_slow_(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t h,
			    uint64_t now, uint32_t *val);

HF_HOT_INLINE int
hf_flowtab_lookup_ref(struct hf_flowtab *ft, const struct hf_flow_key *k, struct hf_flowtab_ref r,
		      uint64_t now, uint32_t *val)
{
	uint32_t m = hf_flowtab_sig_match_(r.bk, hf_flowtab_sig_(r.h));

	/* the common case in straight code: the first way with the signature holds the key */
	if (__builtin_expect(m != 0, 1)) {
		unsigned int way = (unsigned int)__builtin_ctz(m) / HF_FLOWTAB_SIG_LANE;
		struct hf_flowtab_ent *e = &r.bk->ent[way];

		if (__builtin_expect(hf_flowtab_key_eq_(&e->key, k) &&
					     !hf_flowtab_expired_(ft, e->last_seen, now),
				     1)) {
			e->last_seen = now;
			*val = r.bk->val[way];
			__atomic_store_n(&ft->stats.hits,
					 __atomic_load_n(&ft->stats.hits, __ATOMIC_RELAXED) + 1,
					 __ATOMIC_RELAXED);
			return 1;
		}
	}
	/* another way, the alternate bucket, an expired entry or a miss */
	return hf_flowtab_lookup_slow_(ft, k, r.h, now, val);
}

HF_HOT_INLINE int
hf_flowtab_lookup_h(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t h, uint64_t now,
		    uint32_t *val)
{
	struct hf_flowtab_ref r = {&ft->bkt[(uint32_t)h & ft->mask], h};

	return hf_flowtab_lookup_ref(ft, k, r, now, val);
}

#endif /* HF_FLOWTAB_H */
