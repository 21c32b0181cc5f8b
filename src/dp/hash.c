/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow hashing (see hash.h). Every input enters as a host-order VALUE (the
 * big-endian integer of the wire bytes), so the result does not depend on
 * the host's byte order: both boxes of an HA pair, and every version of
 * this code, must map a packet to the same bucket.
 *
 * The formulas below are part of the on-wire behaviour: changing them moves
 * every tunnel to another member after an upgrade. tests/unit/test_hash.c
 * pins golden values so an accidental change is caught.
 */
#include <arpa/inet.h>

#include <hyperflow/hash.h>

/* Added between steps so that zero inputs do not stay at the fixed point 0. */
#define HASH_STEP 0x9e3779b9u

static inline uint32_t
hash_fields(enum hf_hash_mode mode, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
	uint16_t dport)
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
		h = hf_mix32(src + HASH_STEP);
		h = hf_mix32(h ^ dst);
		h = hf_mix32(h + HASH_STEP + ((uint32_t)sport << 16 | dport));
		return hf_mix32(h ^ proto);
	case HF_HASH_DST_IP:
	default:
		return hf_mix32(dst);
	}
}

uint32_t
hf_hash_pkt(const struct hf_pkt_info *pi, enum hf_hash_mode mode)
{
	return hash_fields(mode, ntohl(pi->src_key), ntohl(pi->dst_key), pi->proto,
		ntohs(pi->sport), ntohs(pi->dport));
}

uint32_t
hf_hash_fields(enum hf_hash_mode mode, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
	uint16_t dport)
{
	return hash_fields(mode, src, dst, proto, sport, dport);
}
