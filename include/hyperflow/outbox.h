/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control plane's transmit side (src/cp/outbox.c), a leaf below the
 * control loop: frames the control plane builds (probes, ARP replies,
 * gratuitous ARP, VRRP adverts) go to worker 0 through one single-producer
 * ring per port (hf_runtime.ctl_tx), and worker 0 sends them on its own tx
 * queue. The modules (monitor, HA) and the loop send through here; nothing
 * here calls up into the loop.
 *
 * Thread-safety: control lcore only (the rings' single producer).
 */
#ifndef HF_OUTBOX_H
#define HF_OUTBOX_H

#include <stdint.h>

struct hf_runtime;

/* Queue a frame for worker 0 to send on port pidx. 0 or -errno (counted). */
int hf_outbox_send(struct hf_runtime *rt, uint32_t pidx, const uint8_t *frame, uint16_t len);

/* Gratuitous ARP for cluster ci (config index) on the ports of port_mask (queued). */
void hf_outbox_garp(struct hf_runtime *rt, uint32_t ci, uint32_t port_mask);
/* Forget every queued announcement; hf_outbox_announce does it when the box is not Master. */
void hf_outbox_garp_cancel(struct hf_runtime *rt);

/* Gratuitous ARP for every cluster IP on the ports it serves (queued). */
void hf_outbox_garp_all(struct hf_runtime *rt);

/* Send queued gratuitous ARPs while the rings have room; the loop calls it every pass. */
void hf_outbox_announce(struct hf_runtime *rt);

#endif /* HF_OUTBOX_H */
