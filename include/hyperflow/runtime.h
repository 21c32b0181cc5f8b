/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running appliance: what main wires together and the lcores share.
 *
 * Thread-safety:
 *  - hf_runtime.dp: written by the control lcore only (release store of a
 *    new immutable snapshot, old one freed after rte_rcu_qsbr_synchronize);
 *    read by workers with an acquire load once per loop iteration.
 *  - hf_runtime.stop: written by the control lcore (release), read by
 *    workers (acquire).
 *  - hf_worker: fields are the worker's own except last_rx_tsc and stats,
 *    which the control lcore and telemetry read with relaxed loads.
 *  - rings: punt rings are single-producer (worker) single-consumer
 *    (control); ctl_tx rings are single-producer (control) single-consumer
 *    (worker 0, which sends on its own tx queues).
 *  - cfg, members, cluster_stat, member_stat, dp (the pointer swap and the
 *    freeing of the old snapshot) and the reload status change only on the
 *    control lcore, under `lock`; the telemetry thread reads them under
 *    `lock`. Workers never take it.
 *  - everything else is set up by main before the lcores start and is
 *    read-only afterwards.
 */
#ifndef HF_RUNTIME_H
#define HF_RUNTIME_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include <hyperflow/config.h>
#include <hyperflow/dataplane.h>
#include <hyperflow/flowtab.h>
#include <hyperflow/fragtab.h>
#include <hyperflow/ids.h>
#include <hyperflow/probeaddr.h>
#include <hyperflow/vrrp.h>
#include <hyperflow/stats.h>

#define HF_BURST        32
#define HF_PUNT_RING    4096
#define HF_CTL_RING     1024
#define HF_CTL_RESERVE  128    /* ring room probes leave for replies, adverts, GARP */
#define HF_CTL_GARP_ROOM 32    /* ring room gratuitous ARPs leave for replies, adverts */
#define HF_RETIRED_MAX  32     /* snapshots waiting for their grace period, at most */
#define HF_NB_RXD       1024
#define HF_NB_TXD       1024
#define HF_TX_DRAIN_US  100

struct hf_fdb;
struct hf_member_rt;   /* monitor.h */
struct hf_worker;

/*
 * How the control loop keeps up (telemetry /hyperflow/control,
 * scripts/bench-control.sh). Single writer, the control lcore, with
 * relaxed stores; readers load each field relaxed.
 */
struct hf_ctl_timing {
	uint64_t passes;           /* control-loop passes */
	uint64_t pass_max_us;      /* longest pass (idle sleep excluded) */
	uint64_t pass_max_at_ms;   /* when it ended, ms since start */
	uint64_t publishes;        /* snapshots published */
	uint64_t publish_last_us;  /* last: from the first change of a pass to the new snapshot swapped in */
	uint64_t publish_max_us;
	uint64_t tables_rebuilt;   /* bucket tables built anew, all publishes together */
	uint64_t probes_deferred;  /* probes that waited a pass for room in the send ring */
};

/* Argument of a tx buffer's error callback: whose counters to charge. */
struct hf_txcb {
	struct hf_lcore_stats *stats;
	uint32_t pidx;
};

struct hf_worker {
	unsigned int wid;              /* queue index on every port and RCU thread id */
	unsigned int lcore;
	struct hf_runtime *rt;
	struct rte_ring *punt;         /* to the control lcore */
	struct hf_lcore_stats *stats;
	struct hf_flowtab *flows;
	struct hf_fragtab *frags;      /* fragments of 5-tuple clusters (fragtab.h) */
	struct hf_fdb *fdb;            /* bridge forwarding database, per worker */
	uint64_t last_rx_tsc;          /* relaxed store by the worker */
	uint64_t loops;                /* relaxed store by the worker */
	uint64_t punt_tat[HF_PUNT__MAX];  /* punt rate limiters (GCRA), see dataplane.h */
	struct rte_eth_dev_tx_buffer *txb[HF_MAX_PORTS];   /* by config port index */
	struct hf_txcb txcb[HF_MAX_PORTS];
} __attribute__((aligned(64)));

/* How a port spreads what it receives over the workers' rx queues. */
enum hf_port_rss {
	HF_PORT_RSS_ONE_QUEUE = 0,   /* one worker: nothing to spread */
	HF_PORT_RSS_SYMMETRIC,       /* RSS with a symmetric key (rss.h) */
	HF_PORT_RSS_ASYMMETRIC,      /* RSS, but the device refused the symmetric key */
	HF_PORT_RSS_NONE,            /* several queues, no RSS: the device decides */
};

const char *hf_port_rss_str(enum hf_port_rss r);

/*
 * The first line (cfg, dp, qsbr, ...) is read by every worker on every
 * loop and written only at start-up and on a reload; the control lcore's
 * frequent writes (the lock, taken on every control loop with HA; the
 * VRRP and probe state) live further down, so they do not pull that line
 * away from the workers.
 */
struct hf_runtime {
	struct hf_config *cfg;
	struct hf_dataplane *dp;
	struct rte_rcu_qsbr *qsbr;
	struct rte_mempool *pool;
	unsigned int nb_workers;
	struct hf_worker workers[HF_MAX_WORKERS];
	struct hf_lcore_stats *ctl_stats;
	struct rte_ring *ctl_tx[HF_MAX_PORTS];
	uint32_t nb_ports;
	struct hf_dp_port ports[HF_MAX_PORTS];   /* by config port index */
	struct hf_member_rt *members;            /* control plane view, config order */
	struct hf_ids ids;                       /* stable ids, see ids.h */
	uint32_t *cluster_stat;                  /* id per config cluster */
	uint32_t *member_stat;                   /* id per config member */
	uint8_t *base_tables;                    /* hf_dp_base_tables(cfg) */
	uint8_t port_rss[HF_MAX_PORTS];          /* enum hf_port_rss, by config port index */
	/*
	 * Outstanding health probes per member uid (HF_MAX_MEMBERS_TOTAL
	 * words, hf_health_window), read by workers through the snapshot:
	 * written by the control lcore only, relaxed stores (dataplane.h).
	 */
	uint32_t *probe_window;
	uint64_t generation;
	/* control vs telemetry, never workers; on a line of its own */
	pthread_mutex_t lock __attribute__((aligned(64)));
	/* control plane state (control lcore only) */
	struct hf_probeaddr paddr;               /* probe source address selection */
	uint32_t local_ip;                       /* bound probe address, 0 = none yet */
	uint16_t recover_epoch;                  /* see HF_FLOW_VAL */
	bool link_up[HF_MAX_PORTS];
	uint64_t link_polled_ms;
	struct hf_vrrp vrrp;                     /* HA state machine, see ha.h */
	bool vrrp_stopped;                       /* shut down: do not restart */
	uint64_t conflict_logged_ms;             /* rate limit of the conflict log line */
	/* a change this pass must publish: modules below the loop set it with
	 * hf_control_publish_later, the loop publishes once at the end of the pass */
	bool publish_pending;
	bool publish_failing;                    /* the last build failed (said once) */
	uint64_t member_log_window_ms;           /* member events logged this second, */
	uint32_t member_log_n;                   /* see monitor.c */
	uint32_t member_log_suppressed;
	bool slow_pass_logged;                   /* rate limit of the slow-pass line */
	uint64_t slow_pass_logged_ms;
	uint64_t publish_pending_tsc;            /* when it was first asked for */
	/* gratuitous ARPs waiting for ring room: per cluster (config index) the
	 * ports still to announce on, see hf_outbox_announce */
	uint32_t *announce;
	uint32_t announce_pending;               /* clusters with ports left */
	uint32_t announce_cursor;
	struct hf_ctl_timing timing;
	/* snapshots swapped out, waiting for their RCU grace period */
	struct {
		struct hf_dataplane *dp;
		uint64_t token;                  /* rte_rcu_qsbr_start after the swap */
	} retired[HF_RETIRED_MAX];
	uint32_t nb_retired;
	bool vrrp_conflict_logged;               /* vrrp_conflict_logged_ms is valid */
	uint64_t vrrp_conflict_logged_ms;        /* rate limit of the VRRP conflict line */
	/* outcome of the last (re)load, for logs and telemetry */
	uint64_t loaded_at;                      /* unix seconds */
	uint64_t config_generation;              /* configurations loaded: 1 + good reloads */
	uint64_t reload_attempts;
	uint64_t last_reload_us;                 /* duration of the last good reload */
	int last_reload_ok;                      /* 1 ok, 0 rejected, -1 none yet */
	char last_reload_msg[512];
	uint64_t tsc_hz;
	uint64_t start_tsc;
	int rx_tsc_off;                          /* mbuf dynfield: TSC when a worker punted it */
	int stop;
	/* options */
	const char *config_path;
	uint32_t exit_when_idle_ms;
	const char *stats_file;
	uint32_t status_interval_ms;             /* 0 = no periodic status line */
};

/* Signal flags: set by handlers, consumed by the control lcore. */
extern volatile sig_atomic_t hf_signal_quit;
extern volatile sig_atomic_t hf_signal_reload;

/* src/dp/port.c: find, configure and start every configured port. */
int hf_ports_init(struct hf_runtime *rt);
void hf_ports_close(struct hf_runtime *rt);

/* src/dp/worker.c */
int hf_worker_setup(struct hf_runtime *rt, struct hf_worker *w);
void hf_worker_teardown(struct hf_worker *w);
int hf_worker_main(void *arg);

/* src/cp/control.c */
int hf_control_init(struct hf_runtime *rt);
int hf_control_main(struct hf_runtime *rt);
void hf_control_fini(struct hf_runtime *rt);
/*
 * Build a snapshot from rt->cfg and rt->members and swap it in; *old gets
 * the previous one, to hand to hf_control_retire. Caller holds rt->lock.
 * 0 or -errno (nothing swapped).
 */
int hf_control_publish(struct hf_runtime *rt, struct hf_dataplane **old);
/*
 * Free old once every worker has passed a quiescent state (not under
 * rt->lock). The control loop does not wait for it: old joins the
 * retired snapshots, freed by a later pass when the grace period is over;
 * only when HF_RETIRED_MAX are waiting does it wait for the oldest.
 */
void hf_control_retire(struct hf_runtime *rt, struct hf_dataplane *old);
/* Publish and retire: what the control lcore calls after a change. */
int hf_control_republish(struct hf_runtime *rt);

/*
 * Ask for one publish at the end of this control-loop pass: however many
 * members change state in a pass, the workers get one new snapshot, and
 * only the clusters whose live set changed have their tables rebuilt.
 */
static inline void
hf_control_publish_later(struct hf_runtime *rt)
{
	if (!rt->publish_pending) {
		rt->publish_pending = true;
		rt->publish_pending_tsc = rte_rdtsc();
	}
}

/* TSC to milliseconds without overflow, whatever the uptime. */
static inline uint64_t
hf_tsc_to_ms(uint64_t tsc, uint64_t hz)
{
	return tsc / hz * 1000 + tsc % hz * 1000 / hz;
}

/* src/cp/telemetry.c: register the /hyperflow/... commands. */
int hf_telemetry_init(struct hf_runtime *rt);
/* Stop answering (before the runtime is torn down). */
void hf_telemetry_fini(struct hf_runtime *rt);

/* src/common/stats.c: sum all lcores' counters. */
void hf_runtime_stats(const struct hf_runtime *rt, struct hf_stats_sum *sum);
int hf_stats_write_json(const struct hf_runtime *rt, FILE *f);
/* "up", "drain", "down", "failed" (health), "unresolved" (no MAC yet). */
const char *hf_member_state_str(const struct hf_runtime *rt, uint32_t g,
				const struct hf_member_conf *mc);

#endif /* HF_RUNTIME_H */
