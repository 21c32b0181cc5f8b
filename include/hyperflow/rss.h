/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A symmetric RSS key: the Toeplitz hash under a key that repeats one
 * 16-bit pattern (0x6d5a, Woo and Park, "Scalable TCP Session Monitoring
 * with Symmetric Receive-side Scaling", 2012) gives the same value for
 * (src, dst, sport, dport) and (dst, src, dport, sport): each address is
 * two whole periods of the key, each port one, so swapping them swaps
 * equal windows. Both directions of a conversation then reach the same
 * rx queue, hence the same worker and its flow table: what clusters that
 * share devices (firewall sandwiches) need. Plain C, no EAL.
 */
#ifndef HF_RSS_H
#define HF_RSS_H

#include <stddef.h>
#include <stdint.h>

#define HF_RSS_SYM_PATTERN 0x6d5au

/* Fill key[0..len-1] with the repeated pattern (len even or odd: bytes alternate). */
static inline void
hf_rss_symmetric_key(uint8_t *key, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		key[i] = (i & 1) ? (uint8_t)(HF_RSS_SYM_PATTERN & 0xff) : (uint8_t)(HF_RSS_SYM_PATTERN >> 8);
}

#endif /* HF_RSS_H */
