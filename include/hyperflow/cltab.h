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
 * (hf_cltab_rte(), src/dp/cltab_rte.c, rte_hash_lookup_bulk_data over the
 * burst), and a build without ops (unit tests, fuzzers, tools) the
 * project's own hf_addrtab (hf_cltab_addrtab()). Both give the same values
 * for the same keys; tests/unit/test_cltab_rte.c checks that against EAL.
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

#include <stddef.h>
#include <stdint.h>

#include <hyperflow/limits.h>

#define HF_CLTAB_MISS UINT32_MAX   /* value of an absent key */
#define HF_CLTAB_BULK 32           /* most keys one lookup_bulk takes (<= rte_hash's 64) */

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
	/* vals[i] for keys[i], HF_CLTAB_MISS when absent; 1 <= n <= HF_CLTAB_BULK */
	void (*lookup_bulk)(const void *t, const void **keys, uint32_t n, uint32_t *vals);
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
/* One reference less; frees the tables with the last. NULL is harmless. */
void hf_cltabs_put(struct hf_cltabs *t);
size_t hf_cltabs_bytes(const struct hf_cltabs *t);

/* One key's value, HF_CLTAB_MISS when absent (control plane, tests). */
static inline uint32_t
hf_cltab_get(const struct hf_cltabs *t, const void *tab, const void *key)
{
	uint32_t v;

	t->ops->lookup_bulk(tab, &key, 1, &v);
	return v;
}

#endif /* HF_CLTAB_H */
