/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Weighted Maglev bucket table with rendezvous fail-over (see maglev.h).
 *
 * Control plane only (uses malloc). The result depends only on the members'
 * keys, weights and liveness, never on their order in the array, on memory
 * addresses or on the host's byte order:
 *   - keys enter as their big-endian integer value (ntohl);
 *   - the base table is populated visiting members in ascending key order;
 *   - rendezvous scores of distinct keys never tie (hf_mix32 is bijective).
 *
 * Base table: each member has a permutation of the buckets,
 *   slot(j) = (offset + j * skip) & (size - 1),  skip odd,
 * which visits every bucket once because an odd skip is coprime with a
 * power-of-two size. Members take turns (round robin); each round a member
 * earns `weight` credit and claims its next preferred free bucket once per
 * `max_weight` credit, until the table is full. Credit starts so that every
 * member claims one bucket in the first round, hence with size >= n every
 * member owns at least one bucket, and shares are proportional to weight
 * (equal weights: counts differ by at most one).
 *
 * Fail-over: a bucket whose owner is not live goes to the live member with
 * the highest hf_mix32(bucket * 0x9e3779b1 ^ hf_mix32(key)). Live members'
 * buckets never move, and a member that comes back takes exactly its own
 * buckets back.
 *
 * Changing any formula here moves tunnels between members after an upgrade
 * and breaks the HA pair's agreement during a rolling one; don't.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/hash.h>
#include <hyperflow/maglev.h>

#define MAGLEV_SEED_OFFSET 0x243f6a8885a308d3ull
#define MAGLEV_SEED_SKIP 0x13198a2e03707344ull
#define MAGLEV_BUCKET_MUL 0x9e3779b1u

/* Per-member scratch, in population (ascending key) order. */
struct mg_slot {
	uint32_t kval; /* key as a big-endian integer value */
	uint32_t idx;  /* index into the caller's array */
	uint32_t offset;
	uint32_t skip;
	uint32_t next; /* position reached in the permutation */
	uint32_t weight;
	uint64_t credit;
};

static int
mg_slot_cmp(const void *a, const void *b)
{
	const struct mg_slot *x = a;
	const struct mg_slot *y = b;

	if (x->kval != y->kval)
		return x->kval < y->kval ? -1 : 1;
	/* Duplicate keys are a configuration error; keep the order total. */
	return x->idx < y->idx ? -1 : (x->idx > y->idx);
}

static inline uint32_t
mg_score(uint32_t bucket, uint32_t key_mix)
{
	return hf_mix32(bucket * MAGLEV_BUCKET_MUL ^ key_mix);
}

static int
mg_check_args(const struct hf_maglev_member *m, uint32_t n, uint32_t size, const uint8_t *table)
{
	uint32_t i;

	if (m == NULL || table == NULL || n == 0 || n > HF_MAGLEV_MAX_MEMBERS)
		return -EINVAL;
	if (size == 0 || (size & (size - 1)) != 0 || size < n)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (m[i].weight == 0)
			return -EINVAL;
	return 0;
}

static void
mg_populate(struct mg_slot *s, uint32_t n, uint32_t size, uint8_t *table)
{
	const uint32_t mask = size - 1;
	uint32_t max_w = 0;
	uint32_t filled = 0;
	uint32_t i;

	for (i = 0; i < size; i++)
		table[i] = HF_MAGLEV_NONE;
	for (i = 0; i < n; i++)
		if (s[i].weight > max_w)
			max_w = s[i].weight;
	for (i = 0; i < n; i++)
		s[i].credit = max_w - s[i].weight; /* first round: one claim each */

	while (filled < size) {
		for (i = 0; i < n && filled < size; i++) {
			struct mg_slot *ms = &s[i];

			ms->credit += ms->weight;
			while (ms->credit >= max_w && filled < size) {
				uint32_t c = (ms->offset + ms->next * ms->skip) & mask;

				/* Terminates: the permutation covers every bucket. */
				while (table[c] != HF_MAGLEV_NONE) {
					ms->next++;
					c = (ms->offset + ms->next * ms->skip) & mask;
				}
				table[c] = (uint8_t)ms->idx;
				ms->next++;
				ms->credit -= max_w;
				filled++;
			}
		}
	}
}

int
hf_maglev_base(const struct hf_maglev_member *m, uint32_t n, uint32_t size, uint8_t *base)
{
	const uint32_t mask = size - 1;
	struct mg_slot *s;
	uint32_t i;
	int rc;

	rc = mg_check_args(m, n, size, base);
	if (rc != 0)
		return rc;
	s = malloc(sizeof(*s) * n);
	if (s == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		uint64_t kv = ntohl(m[i].key);

		s[i].kval = (uint32_t)kv;
		s[i].idx = i;
		s[i].offset = (uint32_t)(hf_mix64(kv ^ MAGLEV_SEED_OFFSET) >> 32) & mask;
		s[i].skip = ((uint32_t)(hf_mix64(kv ^ MAGLEV_SEED_SKIP) >> 32) & mask) | 1u;
		s[i].next = 0;
		s[i].weight = m[i].weight;
	}
	qsort(s, n, sizeof(*s), mg_slot_cmp);
	mg_populate(s, n, size, base);
	free(s);
	return 0;
}

int
hf_maglev_live(const struct hf_maglev_member *m, uint32_t n, uint32_t size, const uint8_t *base,
	       uint8_t *table)
{
	uint32_t live_idx[HF_MAGLEV_MAX_MEMBERS], live_mix[HF_MAGLEV_MAX_MEMBERS];
	uint32_t i, k, nb_live = 0;
	int rc;

	rc = mg_check_args(m, n, size, table);
	if (rc != 0 || base == NULL)
		return rc != 0 ? rc : -EINVAL;
	for (i = 0; i < n; i++)
		if (m[i].live) {
			live_idx[nb_live] = i; /* index order: ties go to the lower index */
			live_mix[nb_live] = hf_mix32(ntohl(m[i].key));
			nb_live++;
		}
	if (table != base)
		memcpy(table, base, size);
	if (nb_live == n)
		return 0;   /* every owner live: the base table as it is */
	for (i = 0; i < size; i++) {
		uint32_t best = HF_MAGLEV_NONE;
		uint32_t best_score = 0;

		if (table[i] < n && m[table[i]].live)
			continue;
		for (k = 0; k < nb_live; k++) {
			uint32_t sc = mg_score(i, live_mix[k]);

			if (best == HF_MAGLEV_NONE || sc > best_score) {
				best = live_idx[k];
				best_score = sc;
			}
		}
		table[i] = (uint8_t)best;
	}
	return 0;
}

int
hf_maglev_build(const struct hf_maglev_member *m, uint32_t n, uint32_t size, uint8_t *table)
{
	int rc = hf_maglev_base(m, n, size, table);

	return rc != 0 ? rc : hf_maglev_live(m, n, size, table, table);
}

uint32_t
hf_maglev_shares(const uint8_t *table, uint32_t size, uint32_t n, uint32_t *counts)
{
	uint32_t none = 0;
	uint32_t i;

	for (i = 0; i < n; i++)
		counts[i] = 0;
	for (i = 0; i < size; i++) {
		/* Anything that is not a member index counts as "no member". */
		if (table[i] < n)
			counts[table[i]]++;
		else
			none++;
	}
	return none;
}
