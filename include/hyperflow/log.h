/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log types, one per module, registered with RTE_LOG_REGISTER in
 * src/common/log.c as hyperflow.<module>. Raise one with EAL's
 * --log-level=hyperflow.health:debug (or hyperflow.*:debug).
 * Never log per packet.
 */
#ifndef HF_LOG_H
#define HF_LOG_H

#include <rte_log.h>

extern int hf_logtype_main;
extern int hf_logtype_config;
extern int hf_logtype_dataplane;
extern int hf_logtype_control;
extern int hf_logtype_health;
extern int hf_logtype_ha;
extern int hf_logtype_telemetry;

#define HF_LOG(mod, level, fmt, ...) \
	rte_log(RTE_LOG_##level, hf_logtype_##mod, "hyperflow." #mod ": " fmt "\n", ##__VA_ARGS__)

#endif /* HF_LOG_H */
