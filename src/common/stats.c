/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include <hyperflow/runtime.h>

const char *const hf_drop_names[HF_DROP__MAX] = {
	[HF_DROP_MALFORMED_SHORT] = "malformed_short",
	[HF_DROP_MALFORMED_VLAN] = "malformed_vlan",
	[HF_DROP_MALFORMED_ARP] = "malformed_arp",
	[HF_DROP_MALFORMED_IPV4] = "malformed_ipv4",
	[HF_DROP_MALFORMED_IPV6] = "malformed_ipv6",
	[HF_DROP_UNMATCHED] = "unmatched",
	[HF_DROP_NO_MEMBER] = "no_member",
	[HF_DROP_HA_BACKUP] = "ha_backup",
	[HF_DROP_PUNT_FULL] = "punt_full",
	[HF_DROP_TX_FULL] = "tx_full",
	[HF_DROP_CLUSTER_NON_IP] = "cluster_non_ip",
	[HF_DROP_BRIDGE_SAME_PORT] = "bridge_same_port",
	[HF_DROP_ARP_NOT_SERVED] = "arp_not_served",
	[HF_DROP_PUNT_OTHER] = "punt_other",
	[HF_DROP_PUNT_LIMIT_ARP] = "punt_limit_arp",
	[HF_DROP_PUNT_LIMIT_LOCAL] = "punt_limit_local",
	[HF_DROP_PUNT_LIMIT_ICMP] = "punt_limit_icmp",
	[HF_DROP_PUNT_LIMIT_VRRP] = "punt_limit_vrrp",
	[HF_DROP_PUNT_LIMIT_PROBE] = "punt_limit_probe",
	[HF_DROP_FRAG_FULL] = "frag_full",
	[HF_DROP_FRAG_HOLD_FULL] = "frag_hold_full",
	[HF_DROP_FRAG_TIMEOUT] = "frag_timeout",
};

const char *const hf_ctl_names[HF_CTL__MAX] = {
	[HF_CTL_ARP_REQUESTS] = "arp_requests",
	[HF_CTL_ARP_REPLIES] = "arp_replies",
	[HF_CTL_GARP_SENT] = "garp_sent",
	[HF_CTL_TX_FULL] = "tx_full",
	[HF_CTL_ALLOC_FAIL] = "alloc_fail",
	[HF_CTL_RELOADS] = "reloads",
	[HF_CTL_RELOAD_FAILURES] = "reload_failures",
	[HF_CTL_PROBES_SENT] = "probes_sent",
	[HF_CTL_PROBE_REPLIES] = "probe_replies",
	[HF_CTL_PROBE_IGNORED] = "probe_ignored",
	[HF_CTL_MEMBER_UP] = "member_up",
	[HF_CTL_MEMBER_DOWN] = "member_down",
	[HF_CTL_MAC_RESOLVED] = "mac_resolved",
	[HF_CTL_ADDR_PROBES] = "addr_probes",
	[HF_CTL_ADDR_ANNOUNCED] = "addr_announced",
	[HF_CTL_ADDR_CONFLICTS] = "addr_conflicts",
	[HF_CTL_ECHO_REPLIES] = "echo_replies",
	[HF_CTL_LINK_CHANGES] = "link_changes",
	[HF_CTL_VRRP_SENT] = "vrrp_sent",
	[HF_CTL_VRRP_RX] = "vrrp_rx",
	[HF_CTL_VRRP_REJECTED] = "vrrp_rejected",
	[HF_CTL_HA_MASTER] = "ha_master",
	[HF_CTL_HA_BACKUP] = "ha_backup",
	[HF_CTL_IP_CONFLICTS] = "ip_conflicts",
	[HF_CTL_VRRP_CONFLICTS] = "vrrp_conflicts",
};

void
hf_stats_sum(const struct hf_lcore_stats *const *ls, unsigned int n, struct hf_stats_sum *out)
{
	unsigned int l, i;

	memset(out, 0, sizeof(*out));
	for (l = 0; l < n; l++) {
		const struct hf_lcore_stats *s = ls[l];

		if (s == NULL)
			continue;
		for (i = 0; i < HF_DROP__MAX; i++)
			out->drops[i] += hf_ctr_read(&s->drops[i]);
		for (i = 0; i < HF_CTL__MAX; i++)
			out->ctl[i] += hf_ctr_read(&s->ctl[i]);
		out->punted += hf_ctr_read(&s->punted);
		out->bridged += hf_ctr_read(&s->bridged);
		for (i = 0; i < HF_MAX_PORTS; i++) {
			out->port[i].rx += hf_ctr_read(&s->port[i].rx);
			out->port[i].tx += hf_ctr_read(&s->port[i].tx);
			out->port[i].tx_dropped += hf_ctr_read(&s->port[i].tx_dropped);
		}
		for (i = 0; i < HF_MAX_CLUSTERS; i++) {
			out->cluster[i].tx += hf_ctr_read(&s->cluster[i].tx);
			out->cluster[i].dropped += hf_ctr_read(&s->cluster[i].dropped);
		}
		for (i = 0; i < HF_MAX_MEMBERS_TOTAL; i++)
			out->member_tx[i] += hf_ctr_read(&s->member_tx[i]);
	}
	for (i = 0; i < HF_MAX_CLUSTERS; i++)
		out->cluster[i].rx = out->cluster[i].tx + out->cluster[i].dropped;
	for (i = 0; i < HF_DROP__MAX; i++)
		out->dropped += out->drops[i];
	for (i = 0; i < HF_MAX_PORTS; i++) {
		out->rx += out->port[i].rx;
		out->tx += out->port[i].tx;
	}
}

void
hf_runtime_stats(const struct hf_runtime *rt, struct hf_stats_sum *sum)
{
	const struct hf_lcore_stats *ls[HF_MAX_WORKERS + 1];
	unsigned int i;

	for (i = 0; i < rt->nb_workers; i++)
		ls[i] = rt->workers[i].stats;
	ls[i++] = rt->ctl_stats;
	hf_stats_sum(ls, i, sum);
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", (unsigned char)*s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

const char *
hf_member_state_str(const struct hf_runtime *rt, uint32_t g, const struct hf_member_conf *mc)
{
	const struct hf_dp_member *m = &rt->dp->members[g];

	if (mc->state == HF_ADMIN_DOWN)
		return "down";
	/* the published view: rt->members changes under telemetry */
	if (!m->mac_known)
		return "unresolved";
	if (!m->healthy)
		return "failed";
	if (mc->state == HF_ADMIN_DRAIN)
		return "drain";
	/* out because another leg of its device is (configuration.md, Devices) */
	if (m->held)
		return "held";
	return m->live ? "up" : "down";
}

int
hf_stats_write_json(const struct hf_runtime *rt, FILE *f)
{
	const struct hf_config *cfg = rt->cfg;
	const struct hf_dataplane *dp = rt->dp;
	struct hf_stats_sum *s = malloc(sizeof(*s));
	uint32_t i, ci, mi, g = 0;

	if (s == NULL)
		return -ENOMEM;
	hf_runtime_stats(rt, s);
	fprintf(f, "{\n  \"hyperflow\": {\"version\": \"%s\", \"config\": ", HF_VERSION);
	json_str(f, cfg->path);
	fprintf(f, ", \"workers\": %u, \"uptime_ms\": %lu},\n", rt->nb_workers,
		(unsigned long)hf_tsc_to_ms(rte_rdtsc() - rt->start_tsc, rt->tsc_hz));
	/* the probe source address: bound, or the candidate still being probed */
	{
		const struct hf_probeaddr *pa = &rt->paddr;
		char ip[HF_IP4_STRLEN];
		const char *st = "exhausted";

		if (cfg->nb_probe == 0)
			st = "none";
		else if (pa->state == HF_PA_ST_BOUND)
			st = "bound";
		else if (pa->state == HF_PA_ST_PROBING)
			st = "probing";

		fprintf(f, "  \"probe\": {\"state\": \"%s\", \"address\": \"%s\"", st,
			hf_ip4_str(rt->local_ip, ip));
		fprintf(f, ", \"candidate\": \"%s\", \"rejected\": %lu, \"rounds\": %lu},\n",
			hf_ip4_str(cfg->nb_probe ? hf_probeaddr_candidate(pa) : 0, ip),
			(unsigned long)pa->stats.rejected, (unsigned long)pa->stats.rounds);
	}
	fprintf(f, "  \"totals\": {\"rx\": %lu, \"tx\": %lu, \"dropped\": %lu, \"punted\": %lu, "
		   "\"bridged\": %lu},\n",
		(unsigned long)s->rx, (unsigned long)s->tx, (unsigned long)s->dropped,
		(unsigned long)s->punted, (unsigned long)s->bridged);
	fprintf(f, "  \"drops\": {");
	for (i = 0; i < HF_DROP__MAX; i++)
		fprintf(f, "%s\"%s\": %lu", i ? ", " : "", hf_drop_names[i],
			(unsigned long)s->drops[i]);
	fprintf(f, "},\n  \"ports\": [");
	for (i = 0; i < rt->nb_ports; i++) {
		fprintf(f, "%s\n    {\"name\": ", i ? "," : "");
		json_str(f, cfg->ports[i].name);
		fprintf(f, ", \"device\": ");
		json_str(f, cfg->ports[i].device);
		fprintf(f, ", \"rx\": %lu, \"tx\": %lu, \"tx_dropped\": %lu}",
			(unsigned long)s->port[i].rx, (unsigned long)s->port[i].tx,
			(unsigned long)s->port[i].tx_dropped);
	}
	fprintf(f, "\n  ],\n  \"clusters\": [");
	for (ci = 0; ci < cfg->nb_clusters; ci++) {
		const struct hf_cluster_conf *cc = &cfg->clusters[ci];
		const struct hf_cluster_sum *cs = &s->cluster[dp->clusters[ci].stat];

		fprintf(f, "%s\n    {\"name\": ", ci ? "," : "");
		json_str(f, cc->name);
		fprintf(f, ", \"rx\": %lu, \"tx\": %lu, \"dropped\": %lu, \"members\": [",
			(unsigned long)cs->rx, (unsigned long)cs->tx, (unsigned long)cs->dropped);
		for (mi = 0; mi < cc->nb_members; mi++, g++) {
			fprintf(f, "%s\n      {\"name\": ", mi ? "," : "");
			json_str(f, cc->members[mi].name);
			fprintf(f, ", \"state\": \"%s\", \"tx\": %lu}",
				hf_member_state_str(rt, g, &cc->members[mi]),
				(unsigned long)s->member_tx[dp->members[g].stat]);
		}
		fprintf(f, "\n    ]}");
	}
	fprintf(f, "\n  ],\n  \"control\": {");
	for (i = 0; i < HF_CTL__MAX; i++)
		fprintf(f, "%s\"%s\": %lu", i ? ", " : "", hf_ctl_names[i], (unsigned long)s->ctl[i]);
	fprintf(f, "}\n}\n");
	free(s);
	return 0;
}
