/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Big-endian field access for the codecs (parse, ICMP, VRRP): whatever the
 * host's byte order, a 16-bit wire field is read and written as its value.
 *
 * Thread-safety: pure functions.
 */
#ifndef HF_BYTES_H
#define HF_BYTES_H

#include <stdint.h>

static inline uint16_t
hf_rd16(const uint8_t *p)
{
	return (uint16_t)((unsigned int)p[0] << 8 | p[1]);
}

static inline void
hf_wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Value of a big-endian (network order) word as stored in memory. */
static inline uint32_t
hf_be32(uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(v);
#else
	return v;
#endif
}

static inline uint16_t
hf_be16(uint16_t v)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap16(v);
#else
	return v;
#endif
}

#endif /* HF_BYTES_H */
