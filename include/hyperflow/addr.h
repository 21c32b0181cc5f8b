/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Address helpers shared by config, codec and control plane.
 *
 * Convention for the whole project: an IPv4 address is a uint32_t in
 * NETWORK byte order (exactly the 4 bytes of the packet), a MAC is
 * struct hf_mac (6 bytes, wire order).
 */
#ifndef HF_ADDR_H
#define HF_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hyperflow/compiler.h>

struct hf_mac {
	uint8_t b[6];
};

#define HF_IP4_STRLEN  16   /* "255.255.255.255" + NUL */
#define HF_MAC_STRLEN  18   /* "aa:bb:cc:dd:ee:ff" + NUL */

/* Parse dotted quad into network order. Returns 0 or -EINVAL. */
int hf_ip4_parse(const char *s, uint32_t *ip_be);
/* Format network-order IPv4; returns buf. */
const char *hf_ip4_str(uint32_t ip_be, char buf[HF_IP4_STRLEN]);

/* Parse "aa:bb:cc:dd:ee:ff" (hex, either case). Returns 0 or -EINVAL. */
int hf_mac_parse(const char *s, struct hf_mac *mac);
const char *hf_mac_str(const struct hf_mac *mac, char buf[HF_MAC_STRLEN]);

static inline bool
hf_mac_is_zero(const struct hf_mac *m)
{
	return (m->b[0] | m->b[1] | m->b[2] | m->b[3] | m->b[4] | m->b[5]) == 0;
}

static inline bool
hf_mac_is_multicast(const struct hf_mac *m)
{
	return (m->b[0] & 1) != 0;   /* includes broadcast */
}

static inline bool
hf_mac_eq(const struct hf_mac *a, const struct hf_mac *b)
{
	return a->b[0] == b->b[0] && a->b[1] == b->b[1] && a->b[2] == b->b[2] &&
	       a->b[3] == b->b[3] && a->b[4] == b->b[4] && a->b[5] == b->b[5];
}

/* MAC as a 48-bit integer key (wire order, big-endian), for tables. */
static inline uint64_t
hf_mac_key(const uint8_t b[6])
{
	return ((uint64_t)b[0] << 40) | ((uint64_t)b[1] << 32) | ((uint64_t)b[2] << 24) |
	       ((uint64_t)b[3] << 16) | ((uint64_t)b[4] << 8) | (uint64_t)b[5];
}

/*
 * hf_mac_key of the 6 bytes at p, read as one 8-byte load: p must have 8
 * readable bytes (a frame's destination MAC, of an Ethernet header).
 */
HF_HOT_INLINE uint64_t
hf_mac_key8(const uint8_t *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap64(w) >> 16;
#else
	return w >> 16;
#endif
}

#endif /* HF_ADDR_H */
