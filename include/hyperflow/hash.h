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

#include <hyperflow/compiler.h>
#include <hyperflow/bytes.h>
#include <hyperflow/config.h>
#include <hyperflow/pkt.h>

/* Added between steps so that zero inputs do not stay at the fixed point 0. */
#define HF_HASH_STEP 0x9e3779b9u

/* murmur3 finalizer: a bijective 32-bit mix. */
HF_HOT_INLINE uint32_t
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
 * The hash of bare fields (host-order values). The formulas are part of
 * the on-wire behaviour: changing them moves every tunnel to another
 * member after an upgrade, and the two boxes of an HA pair must agree.
 * tests/unit/test_hash.c pins golden values.
 *   dst-ip:  mix32(dst)
 *   src-ip:  mix32(src)
 *   src-dst: symmetric: hash(a, b) == hash(b, a)
 *   5-tuple: src, dst, proto, sport, dport (ports 0 when absent)
 */
HF_HOT_INLINE uint32_t
hf_hash_fields_inline(enum hf_hash_mode mode, uint32_t src, uint32_t dst, uint8_t proto,
		      uint16_t sport, uint16_t dport)
{
	uint32_t lo, hi, h;

	switch (mode) {
	case HF_HASH_SRC_IP:
		return hf_mix32(src);
	case HF_HASH_SRC_DST:
		lo = src < dst ? src : dst;
		hi = src < dst ? dst : src;
		return hf_mix32(hf_mix32(lo) * 31u + hf_mix32(hi));
	case HF_HASH_5TUPLE:
		h = hf_mix32(src + HF_HASH_STEP);
		h = hf_mix32(h ^ dst);
		h = hf_mix32(h + HF_HASH_STEP + ((uint32_t)sport << 16 | dport));
		return hf_mix32(h ^ proto);
	case HF_HASH_DST_IP:
	default:
		return hf_mix32(dst);
	}
}

/*
 * Hash of a parsed packet for a cluster's mode. Addresses enter as the
 * big-endian integer value of their 4 bytes (ntohl of src_key/dst_key).
 * Inline: the worker calls it once per cluster frame.
 */
HF_HOT_INLINE uint32_t
hf_hash_pkt(const struct hf_pkt_info *pi, enum hf_hash_mode mode)
{
	switch (mode) {
	case HF_HASH_DST_IP:
		return hf_mix32(hf_be32(pi->dst_key));
	case HF_HASH_SRC_IP:
		return hf_mix32(hf_be32(pi->src_key));
	default:
		return hf_hash_fields_inline(mode, hf_be32(pi->src_key), hf_be32(pi->dst_key),
					     pi->proto, hf_be16(pi->sport), hf_be16(pi->dport));
	}
}

/* The same from bare fields (host-order values), for tools and tests. */
uint32_t hf_hash_fields(enum hf_hash_mode mode, uint32_t src, uint32_t dst, uint8_t proto,
			uint16_t sport, uint16_t dport);

#endif /* HF_HASH_H */
