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
at_lookup_bulk(const void *t, const void **keys, const uint32_t *hashes, uint32_t n,
	       uint32_t *vals)
{
	const struct at_tab *a = t;
	uint32_t i;

	(void)hashes;   /* it hashes its own way */
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

/* A filter of HF_CLTAB_FILTER_BITS per key for capacity keys; 0 or -1 (errno). */
static int
filter_init(struct hf_cltab_filter *f, uint32_t capacity)
{
	uint64_t bits = (uint64_t)capacity * HF_CLTAB_FILTER_BITS;
	uint32_t words = 1;

	while ((uint64_t)words * 64 < bits)
		words <<= 1;
	f->w = aligned_alloc(64, words < 8 ? 64 : (size_t)words * sizeof(uint64_t));
	if (f->w == NULL)
		return -1;
	memset(f->w, 0, (size_t)words * sizeof(uint64_t));
	f->mask = words - 1;
	return 0;
}

static void
filter_add(struct hf_cltab_filter *f, uint32_t h)
{
	f->w[(h >> 12) & f->mask] |= hf_cltab_filter_bits_(h);
}

/* key (hash h) -> val into table tab and its filter f */
static int
add_key(struct hf_cltabs *t, void *tab, struct hf_cltab_filter *f, const void *key, uint32_t h,
	uint32_t val)
{
	int ret = t->ops->add(tab, key, val);

	if (ret == 0 || ret == -EEXIST)
		filter_add(f, h);
	return ret;
}

int
hf_cltabs_add_ip(struct hf_cltabs *t, uint32_t key, uint32_t val)
{
	return add_key(t, t->ip, &t->ipf, &key, hf_cltab_hash4(&key), val);
}

int
hf_cltabs_add_mac(struct hf_cltabs *t, uint64_t key, uint32_t val)
{
	return add_key(t, t->mac, &t->macf, &key, hf_cltab_hash8(&key), val);
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
	if (filter_init(&t->ipf, ip_cap) != 0 || filter_init(&t->macf, mac_cap) != 0)
		goto fail;
	return t;
fail:
	err = errno ? errno : ENOMEM;
	if (t->ip != NULL)
		ops->free(t->ip);
	if (t->mac != NULL)
		ops->free(t->mac);
	free(t->ipf.w);
	free(t->macf.w);
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
	free(t->ipf.w);
	free(t->macf.w);
	free(t);
}

size_t
hf_cltabs_bytes(const struct hf_cltabs *t)
{
	return sizeof(*t) + t->ops->bytes(t->ip) + t->ops->bytes(t->mac) +
	       ((size_t)t->ipf.mask + 1 + t->macf.mask + 1) * sizeof(uint64_t);
}
