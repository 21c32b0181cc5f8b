/* SPDX-License-Identifier: BSD-3-Clause */
#include <hyperflow/log.h>

RTE_LOG_REGISTER(hf_logtype_main, hyperflow.main, INFO);
RTE_LOG_REGISTER(hf_logtype_config, hyperflow.config, INFO);
RTE_LOG_REGISTER(hf_logtype_dataplane, hyperflow.dataplane, INFO);
RTE_LOG_REGISTER(hf_logtype_control, hyperflow.control, INFO);
RTE_LOG_REGISTER(hf_logtype_health, hyperflow.health, INFO);
RTE_LOG_REGISTER(hf_logtype_ha, hyperflow.ha, INFO);
RTE_LOG_REGISTER(hf_logtype_telemetry, hyperflow.telemetry, INFO);
