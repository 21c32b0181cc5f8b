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

#include <stddef.h>
#include <stdint.h>

#define HF_FLOWTAB_WAYS 8

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

struct hf_flowtab;

/*
 * Table for at least `entries` flows (rounded up to a power of two, at
 * least HF_FLOWTAB_WAYS); timeout > 0. NULL with errno set on failure.
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
 * The same operations with the key's hash computed once by the caller
 * (hf_flowtab_hash), for a worker that prefetches a burst and then looks
 * up and inserts: h must be hf_flowtab_hash(k).
 */
uint64_t hf_flowtab_hash(const struct hf_flow_key *k);
void hf_flowtab_prefetch_h(const struct hf_flowtab *ft, uint64_t h);
int hf_flowtab_lookup_h(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t h,
			uint64_t now, uint32_t *val);
int hf_flowtab_insert_h(struct hf_flowtab *ft, const struct hf_flow_key *k, uint64_t h,
			uint32_t val, uint64_t now);

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

#endif /* HF_FLOWTAB_H */
