/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster tables: cluster IPs and cluster MACs, looked up by the
 * worker's first pass a whole burst at a time (hf_fp_plan_burst).
 *
 *   ip   4-byte keys, IPv4 in network order -> cluster index, or
 *        HF_DP_IP_LOCAL (the probe address)
 *   mac  8-byte keys, hf_mac_key() as a uint64_t in host order ->
 *        the first cluster with that MAC, or HF_DP_MAC_PORT | port index
 *
 * The tables are reached through a small interface (struct hf_cltab_ops)
 * so that the core needs no EAL: the running program uses DPDK's rte_hash
 * (hf_cltab_rte(), src/dp/cltab_rte.c, rte_hash_lookup_with_hash_bulk_data
 * over the burst), and a build without ops (unit tests, fuzzers, tools) the
 * project's own hf_addrtab (hf_cltab_addrtab()). Both give the same values
 * for the same keys; tests/unit/test_cltab_rte.c checks that against EAL.
 *
 * Every table has a pre-filter in front of it (struct hf_cltab_filter),
 * built with it: a clear bit is a certain miss, and the burst then skips
 * the table for that key (hf_fp_plan_burst). Frames to a cluster MAC with
 * a far destination, the common case, so skip the ip table altogether.
 * The tables hash with hf_cltab_hash4/8 (rte_hash through its hash_func),
 * so the one hash serves the filter and the lookup.
 *
 * Thread-safety: built by the control lcore (or main before the workers
 * start) while no one reads them, then read-only: workers and the control
 * lcore look up concurrently, which rte_hash allows without a writer and
 * without its RW_CONCURRENCY flags. A struct hf_cltabs is shared by the
 * snapshots built from the same keys (same configuration, port MACs and
 * probe address: hf_dataplane_build); refs counts them, and the last
 * hf_cltabs_put (hf_dataplane_free of the last snapshot, after its RCU
 * grace period) frees it. refs is only touched by the thread that builds
 * and frees snapshots, the control lcore.
 */
#ifndef HF_CLTAB_H
#define HF_CLTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE4_2__)
#include <nmmintrin.h>
#endif

#include <hyperflow/hash.h>
#include <hyperflow/limits.h>

#define HF_CLTAB_MISS UINT32_MAX   /* value of an absent key */
#define HF_CLTAB_BULK 32           /* most keys one lookup_bulk takes (<= rte_hash's 64) */
/*
 * Filter bits per key of a table's capacity (rounded up to a power of two
 * of 64-bit words): at 1,024 keys (8 KB) a random absent key passes it (a
 * false "maybe") 0.2-0.4 % of the time; docs/performance.md has the
 * measurements.
 */
#define HF_CLTAB_FILTER_BITS 32

/*
 * The tables' hash of a key: CRC32-C (one instruction on x86 with SSE4.2),
 * else a multiplicative mix. rte_hash is created with it as its hash_func.
 */
static inline uint32_t
hf_cltab_hash4(const void *key)
{
	uint32_t k;

	memcpy(&k, key, sizeof(k));
#if defined(__SSE4_2__)
	return _mm_crc32_u32(0, k);
#else
	return hf_mix32(k);
#endif
}

static inline uint32_t
hf_cltab_hash8(const void *key)
{
	uint64_t k;

	memcpy(&k, key, sizeof(k));
#if defined(__SSE4_2__)
	return (uint32_t)_mm_crc32_u64(0, k);
#else
	return hf_mix32((uint32_t)k ^ hf_mix32((uint32_t)(k >> 32)));
#endif
}

/*
 * A one-word Bloom filter per key: the hash picks a 64-bit word and two
 * bits in it; a key was added only if both are set. No false negatives:
 * every added key passes. mask + 1 words, a power of two.
 */
struct hf_cltab_filter {
	uint64_t *w;
	uint32_t mask;
};

static inline uint64_t
hf_cltab_filter_bits_(uint32_t h)
{
	return (UINT64_C(1) << (h & 63)) | (UINT64_C(1) << ((h >> 6) & 63));
}

/* false: the key with hash h is certainly absent; true: it may be present */
static inline bool
hf_cltab_filter_maybe(const struct hf_cltab_filter *f, uint32_t h)
{
	uint64_t b = hf_cltab_filter_bits_(h);

	return (f->w[(h >> 12) & f->mask] & b) == b;
}

struct hf_cltab_ops {
	const char *name;
	/*
	 * A table for up to capacity keys of key_len bytes, on NUMA socket
	 * socket (-1: any). what names it in logs ("ip", "mac"). NULL with
	 * errno set on failure.
	 */
	void *(*create)(const char *what, uint32_t key_len, uint32_t capacity, int socket);
	/* 0; -EEXIST when key is present (value untouched); -ENOSPC; -EINVAL */
	int (*add)(void *t, const void *key, uint32_t val);
	/*
	 * vals[i] for keys[i] (hashes[i]: its hf_cltab_hash4/8), HF_CLTAB_MISS
	 * when absent; 1 <= n <= HF_CLTAB_BULK
	 */
	void (*lookup_bulk)(const void *t, const void **keys, const uint32_t *hashes, uint32_t n,
			    uint32_t *vals);
	void (*free)(void *t);
	size_t (*bytes)(const void *t);   /* memory it holds (an estimate for rte_hash) */
};

/* rte_hash (needs EAL; in the DPDK shell library). */
const struct hf_cltab_ops *hf_cltab_rte(void);
/* hf_addrtab: no EAL. */
const struct hf_cltab_ops *hf_cltab_addrtab(void);

struct hf_cltabs {
	const struct hf_cltab_ops *ops;
	void *ip;
	void *mac;
	struct hf_cltab_filter ipf;   /* in front of ip */
	struct hf_cltab_filter macf;  /* in front of mac */
	uint32_t refs;          /* snapshots holding it */
	int socket;
	/* the keys' sources: a build from the same ones shares these tables */
	uint64_t cfg_serial;    /* hf_config.serial (0: never shared) */
	uint32_t local_ip;
	uint32_t nb_ports;
	uint64_t port_mac[HF_MAX_PORTS];  /* hf_mac_key of each port */
};

/*
 * Empty tables for ip_cap and mac_cap keys, refs = 1. NULL with errno on
 * failure.
 */
struct hf_cltabs *hf_cltabs_new(const struct hf_cltab_ops *ops, int socket, uint32_t ip_cap,
				uint32_t mac_cap);
/*
 * Adds an ip key (IPv4, network order) or a mac key (hf_mac_key) to its
 * table and its filter: ops->add's result.
 */
int hf_cltabs_add_ip(struct hf_cltabs *t, uint32_t key, uint32_t val);
int hf_cltabs_add_mac(struct hf_cltabs *t, uint64_t key, uint32_t val);
/* One reference less; frees the tables with the last. NULL is harmless. */
void hf_cltabs_put(struct hf_cltabs *t);
size_t hf_cltabs_bytes(const struct hf_cltabs *t);

/* One key's value, HF_CLTAB_MISS when absent (control plane, tests). */
static inline uint32_t
hf_cltab_get(const struct hf_cltabs *t, const void *tab, const void *key)
{
	uint32_t h = tab == t->ip ? hf_cltab_hash4(key) : hf_cltab_hash8(key);
	uint32_t v;

	if (!hf_cltab_filter_maybe(tab == t->ip ? &t->ipf : &t->macf, h))
		return HF_CLTAB_MISS;
	t->ops->lookup_bulk(tab, &key, &h, 1, &v);
	return v;
}

#endif /* HF_CLTAB_H */
