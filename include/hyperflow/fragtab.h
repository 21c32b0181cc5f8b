/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragment table: what a worker knows of the IP datagrams that reach a
 * 5-tuple cluster in fragments. One per worker lcore, bounded, 4-way
 * set-associative, no allocation after create. Keyed by (cluster, family,
 * src, dst, protocol, fragment id), which every fragment of a datagram
 * carries; the value is the L4 ports, which only the first fragment does.
 *
 *   first fragment  hf_fragtab_head: records the ports and hands back the
 *                   later fragments held for the datagram so far;
 *   later fragment  hf_fragtab_tail: the ports when the first fragment has
 *                   been seen, else the fragment itself is held (at most
 *                   HF_FRAG_HOLD per datagram) until the first one comes
 *                   or the entry times out.
 *
 * So every fragment is placed by its flow's 5-tuple, whatever the order
 * in which the fragments arrive (docs/architecture.md, "Fragments").
 * Held fragments are opaque pointers (mbufs in the worker); the table
 * never frees them: they come back from hf_fragtab_head, hf_fragtab_age
 * and hf_fragtab_drain, each exactly once.
 *
 * Room: a new datagram takes an empty way of its set, else an expired one
 * that holds nothing, else evicts the least recently seen datagram whose
 * first fragment came and that holds nothing; only a set whose four ways
 * all hold fragments waiting for their first one refuses (full).
 *
 * Expiry: an entry is live while now - last_seen <= timeout (time in any
 * unit the caller uses consistently: TSC cycles in the worker,
 * milliseconds in tests). An expired entry matches no fragment; one
 * without held fragments is reused by an insert, one with held fragments
 * waits for hf_fragtab_age, which hands them back.
 *
 * Thread-safety: single writer (the owning worker). The counters in
 * struct hf_fragtab_stats are written with relaxed atomic stores and may be
 * read from any thread through hf_fragtab_get_stats.
 */
#ifndef HF_FRAGTAB_H
#define HF_FRAGTAB_H

#include <stddef.h>
#include <stdint.h>

#define HF_FRAG_HOLD 4   /* later fragments held per datagram before its first one */
#define HF_FRAGTAB_WAYS 4
/* Held fragments one set can hand back at once: the least out[] of the ager and drain. */
#define HF_FRAGTAB_SET_HOLD (HF_FRAG_HOLD * HF_FRAGTAB_WAYS)

struct hf_frag_key {
	uint32_t src;      /* network order (IPv6: folded key, pkt.h) */
	uint32_t dst;
	uint32_t id;       /* IPv4 identification / IPv6 fragment id, host order */
	uint16_t cluster;  /* cluster stat id */
	uint8_t proto;     /* the protocol the fragments carry */
	uint8_t family;    /* 4 or 6 */
};

/* What hf_fragtab_tail did with a later fragment. */
enum hf_frag_tail {
	HF_FRAG_FORWARD = 0,  /* ports known: forward by them */
	HF_FRAG_HELD = 1,     /* kept until its first fragment arrives or the entry expires */
};

/* A held fragment handed back by the ager. */
struct hf_frag_expired {
	void *pkt;
	uint16_t cluster;  /* the key's cluster stat id */
};

struct hf_fragtab_stats {
	uint64_t entries;    /* datagrams tracked (approximate between age sweeps) */
	uint64_t heads;      /* first fragments recorded */
	uint64_t tails;      /* later fragments placed by recorded ports */
	uint64_t held;       /* later fragments held before their first fragment */
	uint64_t released;   /* held fragments handed back to a first fragment */
	uint64_t expired;    /* held fragments handed back by the ager or drain (no first fragment) */
	uint64_t aged;       /* entries removed or reused because they expired */
	uint64_t evicted;    /* entries of datagrams whose first fragment came, taken for another */
	uint64_t full;       /* no room for a new datagram: every way waits for a first fragment */
	uint64_t hold_full;  /* later fragment refused: HF_FRAG_HOLD already held */
};

struct hf_fragtab;

/*
 * Table for at least `entries` datagrams (rounded up to a power of two,
 * at least HF_FRAGTAB_WAYS); 0 < timeout <= INT64_MAX. NULL with errno
 * set on failure (EINVAL, ENOMEM).
 */
struct hf_fragtab *hf_fragtab_create(uint32_t entries, uint64_t timeout);

/* Frees the table; held fragments must have been drained (hf_fragtab_drain) first. */
void hf_fragtab_free(struct hf_fragtab *ft);

uint32_t hf_fragtab_capacity(const struct hf_fragtab *ft);
size_t hf_fragtab_memory(const struct hf_fragtab *ft);

/*
 * A first fragment with its ports (network order). Returns the number of
 * held later fragments of the datagram moved to rel[HF_FRAG_HOLD] (0 to
 * HF_FRAG_HOLD), in arrival order, for the caller to forward with the
 * first one; or -ENOSPC when the datagram could not be recorded (counted
 * as full): the first fragment is still placed by its own ports, the later
 * ones will not find them.
 */
int hf_fragtab_head(struct hf_fragtab *ft, const struct hf_frag_key *k, uint16_t sport,
		    uint16_t dport, uint64_t now, void **rel);

/*
 * A later fragment pkt. HF_FRAG_FORWARD with *sport, *dport set when the
 * datagram's first fragment was recorded; HF_FRAG_HELD when pkt is now
 * held (the caller must not touch it); -ENOSPC when there is no room for
 * a new datagram (counted as full), -ENOBUFS when the datagram already
 * holds HF_FRAG_HOLD fragments (counted as hold_full): pkt is the
 * caller's.
 */
int hf_fragtab_tail(struct hf_fragtab *ft, const struct hf_frag_key *k, void *pkt, uint64_t now,
		    uint16_t *sport, uint16_t *dport);

/*
 * Incremental ager: scans up to `budget` sets from where the last call
 * stopped, removing expired entries; their held fragments go to out (at
 * most max, max >= HF_FRAGTAB_SET_HOLD; a set whose held fragments do not
 * fit is left for the next call). Returns the number written to out.
 */
uint32_t hf_fragtab_age(struct hf_fragtab *ft, uint64_t now, uint32_t budget,
			struct hf_frag_expired *out, uint32_t max);

/*
 * Every held fragment, expired or not, to out (at most max,
 * max >= HF_FRAGTAB_SET_HOLD), removing
 * the entries they were held in: at shutdown. Returns the number written;
 * call again until it returns 0.
 */
uint32_t hf_fragtab_drain(struct hf_fragtab *ft, struct hf_frag_expired *out, uint32_t max);

void hf_fragtab_get_stats(const struct hf_fragtab *ft, struct hf_fragtab_stats *st);

#endif /* HF_FRAGTAB_H */
