/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small read-mostly exact-match table: 64-bit key -> 32-bit value, open
 * addressing with linear probing, power-of-two slots at most half full.
 * Used for cluster IPs (key = IPv4, network order, widened) and cluster
 * MACs (key = hf_mac_key()).
 *
 * Thread-safety: built by the control plane with hf_addrtab_add, then
 * published inside an immutable dataplane snapshot; workers only call
 * hf_addrtab_lookup. Never modified after publication.
 */
#ifndef HF_ADDRTAB_H
#define HF_ADDRTAB_H

#include <stdint.h>

#include <hyperflow/compiler.h>
#include <hyperflow/hash.h>

#define HF_ADDRTAB_EMPTY UINT32_MAX   /* reserved value: slot unused */

struct hf_addrtab_ent {
	uint64_t key;
	uint32_t val;      /* HF_ADDRTAB_EMPTY when the slot is free */
	uint32_t pad;
};

struct hf_addrtab {
	uint32_t mask;     /* slots - 1 */
	uint32_t count;    /* keys stored */
	struct hf_addrtab_ent *ents;
};

/* Size for at least capacity keys (slots = pow2 >= 2 * capacity, min 16). 0 / -ENOMEM. */
int hf_addrtab_init(struct hf_addrtab *t, uint32_t capacity);
void hf_addrtab_free(struct hf_addrtab *t);

/* 0, -EEXIST when key is present (value untouched), -ENOSPC, -EINVAL (val reserved). */
int hf_addrtab_add(struct hf_addrtab *t, uint64_t key, uint32_t val);

/*
 * First slot for key: Fibonacci hashing, one multiply (the table is looked
 * up twice per packet; linear probing copes with what clustering is left).
 */
HF_HOT_INLINE uint32_t
hf_addrtab_slot(const struct hf_addrtab *t, uint64_t key)
{
	return (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & t->mask;
}

/* Value for key, or HF_ADDRTAB_EMPTY. */
HF_HOT_INLINE uint32_t
hf_addrtab_lookup(const struct hf_addrtab *t, uint64_t key)
{
	uint32_t i = hf_addrtab_slot(t, key);

	for (;;) {
		const struct hf_addrtab_ent *e = &t->ents[i];

		if (e->val == HF_ADDRTAB_EMPTY)
			return HF_ADDRTAB_EMPTY;
		if (e->key == key)
			return e->val;
		i = (i + 1) & t->mask;
	}
}

#endif /* HF_ADDRTAB_H */
