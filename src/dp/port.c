/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ports: the DPDK devices the configuration names, one rx and one tx queue
 * per worker lcore (RSS spreads rx where the device has it).
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>

#include <hyperflow/log.h>
#include <hyperflow/rss.h>
#include <hyperflow/runtime.h>

const char *
hf_port_rss_str(enum hf_port_rss r)
{
	switch (r) {
	case HF_PORT_RSS_ONE_QUEUE: return "one-queue";
	case HF_PORT_RSS_SYMMETRIC: return "symmetric";
	case HF_PORT_RSS_ASYMMETRIC: return "asymmetric";
	default: return "none";
	}
}

/*
 * The symmetric key (rss.h), at least as long as any device's (40 or 52
 * bytes). Static: rte_eth_dev_configure keeps the pointer, and several
 * drivers read the key only when the port starts.
 */
static uint8_t hf_rss_key[64];

/*
 * The RSS hash types every port uses: those all of them offer, among IP,
 * TCP and UDP. Both directions of a conversation usually arrive on
 * different ports; they reach the same queue only if both ports hash the
 * same fields (and, docs/operations.md, spread them the same way).
 */
static uint64_t
common_rss_hf(struct hf_runtime *rt)
{
	uint64_t hf = RTE_ETH_RSS_IP | RTE_ETH_RSS_UDP | RTE_ETH_RSS_TCP;
	struct rte_eth_dev_info info;
	uint16_t pid;
	uint32_t i;

	for (i = 0; i < rt->cfg->nb_ports; i++)
		if (rte_eth_dev_get_port_by_name(rt->cfg->ports[i].device, &pid) == 0 &&
		    rte_eth_dev_info_get(pid, &info) == 0 && info.flow_type_rss_offloads != 0)
			hf &= info.flow_type_rss_offloads;
	return hf;
}

/*
 * Configure port pid for nq queues. With RSS, first with the symmetric key
 * (both directions of a conversation on one worker: shared flow-table
 * entries of device groups, docs/operations.md); a device that refuses the
 * key (-EINVAL, -ENOTSUP) is configured again with its own, and told.
 */
static int
port_configure(struct hf_runtime *rt, uint32_t pidx, uint16_t pid, uint16_t nq,
	       const struct rte_eth_dev_info *info, uint64_t rss_hf, struct rte_eth_conf *conf)
{
	const struct hf_port_conf *pc = &rt->cfg->ports[pidx];
	int ret;

	rt->port_rss[pidx] = nq > 1 ? HF_PORT_RSS_NONE : HF_PORT_RSS_ONE_QUEUE;
	if (nq > 1 && info->flow_type_rss_offloads != 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf->rx_adv_conf.rss_conf.rss_hf = rss_hf & info->flow_type_rss_offloads;
		if (info->hash_key_size > 0 && info->hash_key_size <= sizeof(hf_rss_key)) {
			hf_rss_symmetric_key(hf_rss_key, sizeof(hf_rss_key));
			conf->rx_adv_conf.rss_conf.rss_key = hf_rss_key;
			conf->rx_adv_conf.rss_conf.rss_key_len = info->hash_key_size;
			ret = rte_eth_dev_configure(pid, nq, nq, conf);
			if (ret == 0) {
				rt->port_rss[pidx] = HF_PORT_RSS_SYMMETRIC;
				return 0;
			}
			if (ret != -EINVAL && ret != -ENOTSUP)
				return ret;
		}
		conf->rx_adv_conf.rss_conf.rss_key = NULL;
		conf->rx_adv_conf.rss_conf.rss_key_len = 0;
		rt->port_rss[pidx] = HF_PORT_RSS_ASYMMETRIC;
		HF_LOG(main, WARNING,
		       "port '%s': the device takes no symmetric RSS key: the two directions of a "
		       "conversation may reach different workers (see docs/operations.md)",
		       pc->name);
	}
	return rte_eth_dev_configure(pid, nq, nq, conf);
}

static void
log_available(void)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid) {
		if (rte_eth_dev_get_name_by_port(pid, name) == 0)
			HF_LOG(main, ERR, "  available device: %s (port %u)", name, pid);
	}
}

static int
port_setup(struct hf_runtime *rt, uint32_t pidx, uint64_t rss_hf)
{
	const struct hf_port_conf *pc = &rt->cfg->ports[pidx];
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_ether_addr ea;
	uint16_t pid, q, nb_rxd = HF_NB_RXD, nb_txd = HF_NB_TXD;
	uint16_t nq = (uint16_t)rt->nb_workers;
	char mac[HF_MAC_STRLEN];
	int ret;

	if (rte_eth_dev_get_port_by_name(pc->device, &pid) != 0) {
		HF_LOG(main, ERR, "%s:%d: port '%s': no DPDK device named '%s' (give it with -a or --vdev)",
		       rt->cfg->path, pc->line, pc->name, pc->device);
		log_available();
		return -ENODEV;
	}
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ret;
	if (info.max_rx_queues < nq || info.max_tx_queues < nq) {
		HF_LOG(main, ERR, "port '%s' (%s): %u workers need %u rx and tx queues, device has %u rx, %u tx",
		       pc->name, pc->device, nq, nq, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	memset(&conf, 0, sizeof(conf));
	/* No MBUF_FAST_FREE: bridged floods send one mbuf on several ports. */
	ret = port_configure(rt, pidx, pid, nq, &info, rss_hf, &conf);
	if (ret != 0) {
		HF_LOG(main, ERR, "port '%s': configure failed: %s", pc->name, rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	for (q = 0; q < nq; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, nb_rxd, rte_eth_dev_socket_id(pid), NULL,
					     rt->pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(pid, q, nb_txd, rte_eth_dev_socket_id(pid), NULL);
		if (ret != 0) {
			HF_LOG(main, ERR, "port '%s': queue %u setup failed: %s", pc->name, q,
			       rte_strerror(-ret));
			return ret;
		}
	}
	if (pc->has_mac) {
		memcpy(ea.addr_bytes, pc->mac.b, 6);
		if (rte_eth_dev_default_mac_addr_set(pid, &ea) != 0)
			HF_LOG(main, INFO, "port '%s': device keeps its MAC; %s used as source anyway",
			       pc->name, hf_mac_str(&pc->mac, mac));
		rt->ports[pidx].mac = pc->mac;
	} else {
		ret = rte_eth_macaddr_get(pid, &ea);
		if (ret != 0)
			return ret;
		memcpy(rt->ports[pidx].mac.b, ea.addr_bytes, 6);
	}
	rt->ports[pidx].port_id = pid;
	ret = rte_eth_dev_start(pid);
	if (ret != 0) {
		HF_LOG(main, ERR, "port '%s': start failed: %s", pc->name, rte_strerror(-ret));
		return ret;
	}
	/* Frames for cluster MACs are not addressed to the port's own MAC. */
	ret = rte_eth_promiscuous_enable(pid);
	if (ret != 0 && ret != -ENOTSUP)
		HF_LOG(main, WARNING, "port '%s': promiscuous mode: %s", pc->name, rte_strerror(-ret));
	HF_LOG(main, INFO, "port '%s' = %s (port %u), mac %s, %u queue(s), rss %s", pc->name,
	       pc->device, pid, hf_mac_str(&rt->ports[pidx].mac, mac), nq,
	       hf_port_rss_str((enum hf_port_rss)rt->port_rss[pidx]));
	if (rt->port_rss[pidx] == HF_PORT_RSS_NONE)
		HF_LOG(main, WARNING,
		       "port '%s': %u queues but no RSS: the device spreads frames its own way; the "
		       "two directions of a conversation may reach different workers",
		       pc->name, nq);
	return 0;
}

int
hf_ports_init(struct hf_runtime *rt)
{
	uint64_t rss_hf = common_rss_hf(rt);
	uint32_t i;
	int ret;

	rt->nb_ports = 0;   /* counts started ports, so a failure closes only those */
	for (i = 0; i < rt->cfg->nb_ports; i++) {
		ret = port_setup(rt, i, rss_hf);
		if (ret != 0)
			return ret;
		rt->nb_ports = i + 1;
	}
	return 0;
}

void
hf_ports_close(struct hf_runtime *rt)
{
	uint32_t i;

	for (i = 0; i < rt->nb_ports; i++) {
		uint16_t pid = rt->ports[i].port_id;

		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
}
