/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow hashing: the fields a cluster names, mixed into 32 bits. Defined on
 * values, not on host endianness, so both boxes of an HA pair and every
 * start compute the same hash for the same packet.
 *
 * Thread-safety: pure functions.
 */
#ifndef HF_HASH_H
#define HF_HASH_H

#include <stdint.h>

#include <hyperflow/config.h>
#include <hyperflow/pkt.h>

/* murmur3 finalizer: a bijective 32-bit mix. */
static inline uint32_t
hf_mix32(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* 64-bit mix (splitmix64 finalizer). */
static inline uint64_t
hf_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

/*
 * Hash of a parsed packet for a cluster's mode. Addresses enter as the
 * big-endian integer value of their 4 bytes (ntohl of src_key/dst_key).
 *   dst-ip:  mix32(dst)
 *   src-ip:  mix32(src)
 *   src-dst: symmetric: hash(a, b) == hash(b, a)
 *   5-tuple: src, dst, proto, sport, dport (ports 0 when absent)
 */
uint32_t hf_hash_pkt(const struct hf_pkt_info *pi, enum hf_hash_mode mode);

/* The same from bare fields (host-order values), for tools and tests. */
uint32_t hf_hash_fields(enum hf_hash_mode mode, uint32_t src, uint32_t dst, uint8_t proto,
			uint16_t sport, uint16_t dport);

#endif /* HF_HASH_H */
