/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster tables on DPDK's rte_hash (see cltab.h): the tables' own
 * hash (hf_cltab_hash4/8, CRC32-C), which the burst computes once per key
 * for the filter and hands to rte_hash_lookup_with_hash_bulk_data; a key
 * compare of the key's size (rte_hash compares keys under 16 bytes with
 * libc memcmp); no extra flags (built, then read-only: no multi-writer, no RW
 * concurrency, no lock-free delete), sized twice the keys so that cuckoo
 * insertion always finds room. Every table gets a name of its own
 * (rte_hash names are process-wide and a new snapshot's tables are
 * created while the old ones still exist).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_hash.h>

#include <hyperflow/cltab.h>
#include <hyperflow/log.h>

_Static_assert(HF_CLTAB_BULK <= RTE_HASH_LOOKUP_BULK_MAX, "one bulk lookup per burst");

static uint32_t rte_seq;   /* for unique names; the control lcore creates */

static uint32_t
entries_for(uint32_t capacity)
{
	uint32_t e = capacity * 2;

	return e < 64 ? 64 : e;
}

static uint32_t
rte_hash4(const void *key, uint32_t len, uint32_t init)
{
	(void)len;
	(void)init;
	return hf_cltab_hash4(key);
}

static uint32_t
rte_hash8(const void *key, uint32_t len, uint32_t init)
{
	(void)len;
	(void)init;
	return hf_cltab_hash8(key);
}

/* rte_hash_cmp_eq_t: 0 when equal */
static int
rte_cmp4(const void *a, const void *b, size_t len)
{
	uint32_t x, y;

	(void)len;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

static int
rte_cmp8(const void *a, const void *b, size_t len)
{
	uint64_t x, y;

	(void)len;
	memcpy(&x, a, sizeof(x));
	memcpy(&y, b, sizeof(y));
	return x != y;
}

static void *
rte_create(const char *what, uint32_t key_len, uint32_t capacity, int socket)
{
	struct rte_hash_parameters p;
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash *h;

	snprintf(name, sizeof(name), "hf_%s_%u", what,
		 __atomic_fetch_add(&rte_seq, 1, __ATOMIC_RELAXED));
	if (key_len != 4 && key_len != 8) {
		errno = EINVAL;
		return NULL;
	}
	memset(&p, 0, sizeof(p));
	p.name = name;
	p.entries = entries_for(capacity);
	p.key_len = key_len;
	p.hash_func = key_len == 4 ? rte_hash4 : rte_hash8;
	p.hash_func_init_val = 0;
	p.socket_id = socket;
	h = rte_hash_create(&p);
	if (h == NULL) {
		errno = rte_errno ? rte_errno : ENOMEM;
		HF_LOG(dataplane, ERR, "rte_hash_create %s (%u entries, socket %d): %s", name,
		       p.entries, socket, rte_strerror(rte_errno));
		return NULL;
	}
	/* the program is a single (primary) process: a function pointer is safe */
	rte_hash_set_cmp_func(h, key_len == 4 ? rte_cmp4 : rte_cmp8);
	return h;
}

static int
rte_add(void *t, const void *key, uint32_t val)
{
	if (val == HF_CLTAB_MISS)
		return -EINVAL;
	/* rte_hash_add_key_data replaces a value: the first one stays, as in hf_addrtab */
	if (rte_hash_lookup(t, key) >= 0)
		return -EEXIST;
	return rte_hash_add_key_data(t, key, (void *)(uintptr_t)val);
}

static void
rte_lookup_bulk(const void *t, const void **keys, const uint32_t *hashes, uint32_t n,
		uint32_t *vals)
{
	void *data[HF_CLTAB_BULK];
	uint64_t hit = 0;
	uint32_t i;

	/* hash_sig_t is uint32_t; rte_hash does not write the hashes */
	rte_hash_lookup_with_hash_bulk_data(t, keys, (hash_sig_t *)(uintptr_t)hashes, n, &hit, data);
	for (i = 0; i < n; i++)
		vals[i] = (hit >> i) & 1 ? (uint32_t)(uintptr_t)data[i] : HF_CLTAB_MISS;
}

static void
rte_free_(void *t)
{
	rte_hash_free(t);
}

/*
 * An estimate: rte_hash does not say what it holds. Key slots (data
 * pointer and key, 16 bytes for the sizes used here) and buckets of 8
 * entries (signatures, key indexes, flags: 64 bytes) for a power of two of
 * entries.
 */
static size_t
rte_bytes(const void *t)
{
	const struct rte_hash *h = t;
	size_t entries = rte_hash_max_key_id(h) + 1;
	size_t buckets = rte_align32pow2((uint32_t)entries) / 8;

	return entries * 16 + buckets * 64;
}

static const struct hf_cltab_ops rte_ops = {
	.name = "rte_hash",
	.create = rte_create,
	.add = rte_add,
	.lookup_bulk = rte_lookup_bulk,
	.free = rte_free_,
	.bytes = rte_bytes,
};

const struct hf_cltab_ops *
hf_cltab_rte(void)
{
	return &rte_ops;
}
