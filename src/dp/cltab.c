/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cluster tables' pair and reference count, and their hf_addrtab
 * implementation for builds without EAL (see cltab.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <hyperflow/addrtab.h>
#include <hyperflow/cltab.h>

_Static_assert(HF_CLTAB_MISS == HF_ADDRTAB_EMPTY, "a miss reads the same from both tables");

struct at_tab {
	struct hf_addrtab t;
	uint32_t key_len;   /* 4 or 8 */
};

static uint64_t
at_key(const struct at_tab *a, const void *key)
{
	uint32_t k4;
	uint64_t k8;

	if (a->key_len == 4) {
		memcpy(&k4, key, sizeof(k4));
		return k4;
	}
	memcpy(&k8, key, sizeof(k8));
	return k8;
}

static void *
at_create(const char *what, uint32_t key_len, uint32_t capacity, int socket)
{
	struct at_tab *a;

	(void)what;
	(void)socket;
	if (key_len != 4 && key_len != 8) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return NULL;
	a->key_len = key_len;
	if (hf_addrtab_init(&a->t, capacity) != 0) {
		free(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}

static int
at_add(void *t, const void *key, uint32_t val)
{
	struct at_tab *a = t;

	return hf_addrtab_add(&a->t, at_key(a, key), val);
}

static void
at_lookup_bulk(const void *t, const void **keys, uint32_t n, uint32_t *vals)
{
	const struct at_tab *a = t;
	uint32_t i;

	for (i = 0; i < n; i++)
		vals[i] = hf_addrtab_lookup(&a->t, at_key(a, keys[i]));
}

static void
at_free(void *t)
{
	struct at_tab *a = t;

	if (a == NULL)
		return;
	hf_addrtab_free(&a->t);
	free(a);
}

static size_t
at_bytes(const void *t)
{
	const struct at_tab *a = t;

	return sizeof(*a) + ((size_t)a->t.mask + 1) * sizeof(struct hf_addrtab_ent);
}

static const struct hf_cltab_ops at_ops = {
	.name = "addrtab",
	.create = at_create,
	.add = at_add,
	.lookup_bulk = at_lookup_bulk,
	.free = at_free,
	.bytes = at_bytes,
};

const struct hf_cltab_ops *
hf_cltab_addrtab(void)
{
	return &at_ops;
}

struct hf_cltabs *
hf_cltabs_new(const struct hf_cltab_ops *ops, int socket, uint32_t ip_cap, uint32_t mac_cap)
{
	struct hf_cltabs *t = calloc(1, sizeof(*t));
	int err;

	if (t == NULL)
		return NULL;
	t->ops = ops;
	t->socket = socket;
	t->refs = 1;
	t->ip = ops->create("ip", 4, ip_cap, socket);
	if (t->ip == NULL)
		goto fail;
	t->mac = ops->create("mac", 8, mac_cap, socket);
	if (t->mac == NULL)
		goto fail;
	return t;
fail:
	err = errno ? errno : ENOMEM;
	if (t->ip != NULL)
		ops->free(t->ip);
	free(t);
	errno = err;
	return NULL;
}

void
hf_cltabs_put(struct hf_cltabs *t)
{
	if (t == NULL || --t->refs > 0)
		return;
	if (t->ip != NULL)
		t->ops->free(t->ip);
	if (t->mac != NULL)
		t->ops->free(t->mac);
	free(t);
}

size_t
hf_cltabs_bytes(const struct hf_cltabs *t)
{
	return sizeof(*t) + t->ops->bytes(t->ip) + t->ops->bytes(t->mac);
}
