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

#endif /* HF_BYTES_H */
