/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Consistent-hashing bucket table (Maglev-style, weighted).
 *
 * The base table is built over ALL configured members of a cluster, live or
 * not, from per-member permutations seeded by the member's identity key (its
 * IP, or its device's key: hf_member_conf.key), so the same configuration
 * gives the same table on every start and on both boxes of an HA pair. Then each bucket whose owner is not live is
 * handed to the live member with the highest hf_mix32-based score for
 * (bucket, member key) (rendezvous hashing). Hence:
 *   - only a removed/dead member's buckets move, spread over the others;
 *   - when it comes back it takes exactly its own buckets back;
 *   - shares are proportional to weight (equal weights: within 1 bucket).
 *
 * Thread-safety: pure functions; tables are built by the control plane and
 * published read-only in a dataplane snapshot.
 */
#ifndef HF_MAGLEV_H
#define HF_MAGLEV_H

#include <stdbool.h>
#include <stdint.h>

#define HF_MAGLEV_NONE 0xffu   /* bucket value when no member is live */
#define HF_MAGLEV_MAX_MEMBERS 254u   /* a bucket is one byte: indexes 0..253 */

struct hf_maglev_member {
	uint32_t key;      /* identity: hf_member_conf.key, network order (unique per cluster) */
	uint32_t weight;   /* >= 1 */
	bool live;         /* may receive new flows */
};

/*
 * Fill table[0..size-1] with member indexes (0..n-1) or HF_MAGLEV_NONE.
 * size must be a power of two >= n (so bucket = hash & (size - 1));
 * n <= HF_MAGLEV_MAX_MEMBERS. One byte per bucket: the worker reads one
 * bucket per packet, from tables of every cluster, and a narrower table
 * keeps more of them in cache. Returns 0, -EINVAL on bad arguments,
 * -ENOMEM.
 */
int hf_maglev_build(const struct hf_maglev_member *m, uint32_t n, uint32_t size, uint8_t *table);

/*
 * hf_maglev_build in two steps, for a control plane that rebuilds tables
 * as members come and go: the base table over all members (liveness plays
 * no part: compute it once per configuration), then the live table from it
 * (a copy, each bucket of a member that is not live given to the live
 * member with the highest score). hf_maglev_build(m, ...) equals
 * hf_maglev_base then hf_maglev_live with the same m. base and table may
 * be the same buffer. Same arguments and returns as hf_maglev_build.
 */
int hf_maglev_base(const struct hf_maglev_member *m, uint32_t n, uint32_t size, uint8_t *base);
int hf_maglev_live(const struct hf_maglev_member *m, uint32_t n, uint32_t size, const uint8_t *base,
		   uint8_t *table);

/* Count buckets per member into counts[0..n-1]; returns buckets with NONE. */
uint32_t hf_maglev_shares(const uint8_t *table, uint32_t size, uint32_t n, uint32_t *counts);

#endif /* HF_MAGLEV_H */
