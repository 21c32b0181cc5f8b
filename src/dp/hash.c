/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Flow hashing (see hash.h). Every input enters as a host-order VALUE (the
 * big-endian integer of the wire bytes), so the result does not depend on
 * the host's byte order: both boxes of an HA pair, and every version of
 * this code, must map a packet to the same bucket.
 *
 * The formulas live in hash.h (hf_hash_fields_inline), inline for the
 * worker; they are part of the on-wire behaviour: changing them moves every
 * tunnel to another member after an upgrade. tests/unit/test_hash.c pins
 * golden values so an accidental change is caught.
 */
#include <hyperflow/hash.h>

uint32_t
hf_hash_fields(enum hf_hash_mode mode, uint32_t src, uint32_t dst, uint8_t proto, uint16_t sport,
	uint16_t dport)
{
	return hf_hash_fields_inline(mode, src, dst, proto, sport, dport);
}
