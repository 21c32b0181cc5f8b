/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP echo codec for the control plane: builds echo requests (health
 * probes, methods icmp and tunnel) and answers echo requests addressed to
 * us. Builders write complete Ethernet frames into caller buffers, padded
 * to HF_ETH_MIN_FRAME; parsing goes through hf_pkt_parse (pkt.h).
 *
 * Byte order: IPv4 addresses are network order (addr.h); the echo id and
 * sequence number are HOST order in every argument here (hf_pkt_info's
 * icmp_id/icmp_seq are network order: ntohs them before comparing).
 *
 * Thread-safety: pure functions, no state.
 */
#ifndef HF_ICMP_H
#define HF_ICMP_H

#include <stdint.h>

#include <hyperflow/addr.h>
#include <hyperflow/pkt.h>

#define HF_ICMP_ECHO_REPLY    0
#define HF_ICMP_ECHO_REQUEST  8

#define HF_ICMP_HLEN          8    /* type, code, checksum, id, seq */
#define HF_IPV4_HLEN          20   /* without options */
#define HF_ICMP_DEFAULT_TTL   64
/* Largest echo payload that fits an IPv4 datagram with a 20-byte header. */
#define HF_ICMP_PAYLOAD_MAX   (65535 - HF_IPV4_HLEN - HF_ICMP_HLEN)

/* Frame length of an untagged echo with payload_len bytes, before padding. */
#define HF_ICMP_ECHO_FRAME_LEN(payload_len) \
	(HF_ETH_HLEN + HF_IPV4_HLEN + HF_ICMP_HLEN + (payload_len))

/*
 * Build an untagged Ethernet + IPv4 + ICMP echo frame into buf: IPv4 header
 * without options, IP id 0, DF set, the given TTL, header checksum; ICMP
 * type (HF_ICMP_ECHO_REQUEST or HF_ICMP_ECHO_REPLY), code 0, id and seq
 * (host order), payload, checksum; zero padding up to 60 bytes. Returns the
 * frame length, -ENOSPC when buflen is too small, or -EINVAL for a bad
 * argument (NULL buffer or MAC, another type, payload NULL with a length,
 * payload_len > HF_ICMP_PAYLOAD_MAX).
 */
int hf_icmp_echo_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *eth_dst,
		       const struct hf_mac *eth_src, uint32_t sip, uint32_t dip, uint8_t type,
		       uint16_t id, uint16_t seq, const uint8_t *payload, uint16_t payload_len,
		       uint8_t ttl);

/*
 * Build into out the echo reply to the echo request req (len bytes, as
 * received): Ethernet destination = the request's source, source = our_mac,
 * VLAN tags kept as they were, IPv4 addresses swapped, TTL
 * HF_ICMP_DEFAULT_TTL, IP id 0, DF set, no IP options, type 0, same id, seq
 * and payload, both checksums recomputed, padded to 60. Returns the frame
 * length, -ENOSPC when outlen is too small, or -EINVAL when req is not a
 * well-formed IPv4 ICMP echo request: unparseable or truncated, not IPv4 or
 * not ICMP, a fragment, type != 8 or code != 0, a bad IPv4 header or ICMP
 * checksum, a multicast/broadcast Ethernet source, or an IP source or
 * destination in 0.0.0.0, 127/8 or 224/3 (multicast, reserved, broadcast:
 * never answered).
 * Whether the destination is one of our addresses is the caller's check.
 * req and out must not overlap.
 */
int hf_icmp_echo_reply_from_request(const uint8_t *req, uint32_t len, uint8_t *out,
				    uint32_t outlen, const struct hf_mac *our_mac);

/*
 * Echo id <-> member uid, for the icmp and tunnel health methods: the id
 * carries the member (only the low 16 bits of the uid; member uids are
 * below HF_MAX_MEMBERS_TOTAL, which fits), the sequence number the probe.
 * XOR with 0x4846 ("HF") keeps our ids away from the small ids of common
 * ping tools. Both are host order.
 */
#define HF_ICMP_ID_MAGIC 0x4846u

static inline uint16_t
hf_icmp_id_for(uint32_t uid)
{
	return (uint16_t)(HF_ICMP_ID_MAGIC ^ (uint16_t)uid);
}

static inline uint32_t
hf_icmp_uid_of_id(uint16_t id)
{
	return (uint32_t)(uint16_t)(id ^ HF_ICMP_ID_MAGIC);
}

#endif /* HF_ICMP_H */
