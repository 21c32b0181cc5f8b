/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Exact-match address table (see addrtab.h). Built by the control plane;
 * hf_addrtab_lookup (inline in the header) is the only worker-side call.
 */
#include <errno.h>
#include <stdlib.h>

#include <hyperflow/addrtab.h>

#define ADDRTAB_MIN_SLOTS 16u
#define ADDRTAB_MAX_SLOTS (1u << 31)

int
hf_addrtab_init(struct hf_addrtab *t, uint32_t capacity)
{
	uint32_t slots = ADDRTAB_MIN_SLOTS;
	uint32_t i;

	if (t == NULL)
		return -EINVAL;
	t->mask = 0;
	t->count = 0;
	t->ents = NULL;
	if (capacity > ADDRTAB_MAX_SLOTS / 2)
		return -ENOMEM;
	while (slots < 2 * capacity)
		slots <<= 1;

	t->ents = calloc(slots, sizeof(*t->ents));
	if (t->ents == NULL)
		return -ENOMEM;
	for (i = 0; i < slots; i++)
		t->ents[i].val = HF_ADDRTAB_EMPTY;
	t->mask = slots - 1;
	return 0;
}

void
hf_addrtab_free(struct hf_addrtab *t)
{
	if (t == NULL)
		return;
	free(t->ents);
	t->ents = NULL;
	t->mask = 0;
	t->count = 0;
}

int
hf_addrtab_add(struct hf_addrtab *t, uint64_t key, uint32_t val)
{
	uint32_t i;

	if (t == NULL || t->ents == NULL || val == HF_ADDRTAB_EMPTY)
		return -EINVAL;

	i = hf_addrtab_slot(t, key);
	for (;;) {
		struct hf_addrtab_ent *e = &t->ents[i];

		if (e->val == HF_ADDRTAB_EMPTY)
			break;
		if (e->key == key)
			return -EEXIST;
		i = (i + 1) & t->mask;
	}
	/* At most half full, so lookups always meet an empty slot quickly. */
	if (t->count >= (t->mask + 1) / 2)
		return -ENOSPC;
	t->ents[i].key = key;
	t->ents[i].val = val;
	t->count++;
	return 0;
}
