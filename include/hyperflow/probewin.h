/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The outstanding health probes of one member in one 32-bit word, as the
 * control plane publishes them to the workers (hf_health_window, health.h)
 * and the workers test a reply against them (hf_dp_punt_ipv4_local,
 * dataplane.h): the last sequence number handed out in the high 16 bits
 * and, in the low 16, bit d set when probe (last - d) is outstanding. 0
 * when none is outstanding. Plain bit operations, shared by both sides so
 * that the data plane needs nothing of the health state machine.
 *
 * Thread-safety: the words live in an array written by the control lcore
 * only (relaxed stores) and read by workers (relaxed loads).
 */
#ifndef HF_PROBEWIN_H
#define HF_PROBEWIN_H

#include <stdbool.h>
#include <stdint.h>

#define HF_PROBEWIN_PROBES 16   /* probes one word can hold */

/* Is probe seq (host order) outstanding in window w? */
static inline bool
hf_health_window_has(uint32_t w, uint16_t seq)
{
	uint16_t d = (uint16_t)((w >> 16) - seq);

	return d < HF_PROBEWIN_PROBES && ((w >> d) & 1) != 0;
}

#endif /* HF_PROBEWIN_H */
