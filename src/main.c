/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * hyperflow: wires EAL, ports and lcores together. All behaviour lives in
 * the modules; this file parses options, starts things in order, and is the
 * only place that exits the process.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_pdump.h>

#include <hyperflow/config.h>
#include <hyperflow/log.h>
#include <hyperflow/runtime.h>

struct app_opts {
	const char *config;
	int check_only;
	uint32_t exit_when_idle_ms;
	const char *stats_file;
	uint32_t status_interval_ms;
};

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- -c FILE [options]\n"
		"       %s --check-config FILE\n"
		"       %s --help | --version | --eal-help\n"
		"EAL options (before --): e.g. -l 0,1 (main = control lcore, the others\n"
		"  workers), -a PCI_ADDRESS, --vdev DEVICE, --file-prefix NAME; without\n"
		"  hugepages --no-huge -m 512 --no-pci; all of them: hyperflow --eal-help\n"
		"options (after --):\n"
		"  -c, --config FILE         configuration file (libconfig)\n"
		"      --check-config        validate FILE, print every error, exit 0/1 (no EAL)\n"
		"      --exit-when-idle MS   stop after MS ms without a received packet\n"
		"      --stats-file FILE     write final counters to FILE as JSON\n"
		"      --status-interval MS  periodic status line on stdout (default 1000, 0 = off)\n"
		"  -h, --help                this text\n"
		"  -V, --version             print the version\n",
		prog, prog, prog);
}

static int
parse_u32(const char *s, uint32_t *v)
{
	char *end;
	unsigned long x;

	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || x > UINT32_MAX)
		return -EINVAL;
	*v = (uint32_t)x;
	return 0;
}

/* Returns 0, 1 for --help/--version (exit 0), or -1 on bad options. */
static int
parse_app_args(int argc, char **argv, struct app_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "exit-when-idle", required_argument, NULL, 'i' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "status-interval", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->status_interval_ms = 1000;
	optind = 1;
	while ((c = getopt_long(argc, argv, "c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'k':
			o->check_only = 1;
			break;
		case 'i':
			if (parse_u32(optarg, &o->exit_when_idle_ms) != 0) {
				fprintf(stderr, "hyperflow: --exit-when-idle: not a number: %s\n", optarg);
				return -1;
			}
			break;
		case 's':
			o->stats_file = optarg;
			break;
		case 't':
			if (parse_u32(optarg, &o->status_interval_ms) != 0) {
				fprintf(stderr, "hyperflow: --status-interval: not a number: %s\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout, argv[0]);
			return 1;
		case 'V':
			printf("hyperflow %s\n", HF_VERSION);
			return 1;
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "hyperflow: unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (o->config == NULL) {
		fprintf(stderr, "hyperflow: no configuration: give -c FILE after --\n");
		usage(stderr, argv[0]);
		return -1;
	}
	return 0;
}

/*
 * --help, --version and --eal-help before "--" (where a new user types
 * them): answered here, before EAL. --eal-help hands --help to EAL, which
 * prints its own options and exits. Returns 1 when one was answered, 0
 * when there is none. "--check-config FILE" there is the same as
 * "-- -c FILE --check-config": o is set so.
 */
static int
early_option(int eal_argc, char **argv, struct app_opts *o)
{
	for (int i = 1; i < eal_argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0) {
			if (i + 1 >= eal_argc) {
				fprintf(stderr, "hyperflow: --check-config: give the FILE to check\n");
				return -1;
			}
			o->config = argv[i + 1];
			o->check_only = 1;
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, argv[0]);
			return 1;
		}
		if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-V") == 0) {
			printf("hyperflow %s\n", HF_VERSION);
			return 1;
		}
		if (strcmp(argv[i], "--eal-help") == 0) {
			char *eal_argv[] = { argv[0], (char *)"--help", NULL };

			rte_eal_init(2, eal_argv);   /* prints EAL's usage and exits */
			return -1;
		}
	}
	return 0;
}

/* What to do about the EAL failures a first run meets: no hugepages. */
static void
eal_hint(int err, int eal_argc, char **argv)
{
	for (int i = 1; i < eal_argc; i++)
		if (strcmp(argv[i], "--no-huge") == 0)
			return;
	if (err == EACCES)
		fprintf(stderr, "hyperflow: hint: EAL found no usable hugepages. Run without "
			"them: add --no-huge -m 512 (and --no-pci for vdevs only) before --, "
			"or reserve some: dpdk-hugepages.py -p 2M --setup 1G (see hyperflow(8), "
			"HUGEPAGES)\n");
	else if (err == ENOMEM)
		fprintf(stderr, "hyperflow: hint: EAL could not get the memory it needs from the "
			"hugepages reserved: reserve more (dpdk-hugepages.py), give less "
			"with -m, or run without them: --no-huge -m 512\n");
}

/*
 * EAL's runtime directory (/var/run/dpdk/PREFIX for root) after
 * rte_eal_cleanup(): that removed the sockets but leaves the files a
 * secondary process would attach by (config, fbarray_*, hugepage_info).
 * With the primary gone nothing can attach any more, so remove those and
 * the directory. Files of a secondary still running (its mp_socket_*)
 * stay, and so does the directory then. Runs at exit, after DPDK's
 * telemetry has unlinked its socket (its atexit handler, registered
 * during rte_eal_init(), runs before this one); only once run_dir is set,
 * after a clean rte_eal_cleanup().
 */
static char run_dir[PATH_MAX];

static void
remove_runtime_dir(void)
{
	const char *dir = run_dir;
	DIR *d;
	struct dirent *e;

	if (dir[0] == '\0')
		return;
	d = opendir(dir);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, "config") == 0 || strcmp(e->d_name, "hugepage_info") == 0 ||
		    strncmp(e->d_name, "fbarray_", 8) == 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	if (rmdir(dir) != 0 && errno != ENOENT)
		fprintf(stderr, "hyperflow: left %s: %s\n", dir, strerror(errno));
}

/* Our options, those after "--" (dash: its index, argc when absent). */
static int
parse_after_dash(int argc, char **argv, int dash, struct app_opts *o)
{
	char **app_argv = calloc((size_t)(argc - dash) + 2, sizeof(char *));
	int app_argc = 0, ret;

	if (app_argv == NULL)
		return -1;
	app_argv[app_argc++] = argv[0];
	for (int i = dash + 1; i < argc; i++)
		app_argv[app_argc++] = argv[i];
	ret = parse_app_args(app_argc, app_argv, o);
	free(app_argv);
	return ret;
}

static void
on_signal(int sig)
{
	if (sig == SIGHUP)
		hf_signal_reload = 1;
	else
		hf_signal_quit = 1;
}

static int
load_config(const char *path, struct hf_config **cfg)
{
	struct hf_errlist errs;
	int ret;

	hf_errlist_init(&errs);
	ret = hf_config_load(path, cfg, &errs);
	if (ret != 0) {
		fprintf(stderr, "hyperflow: %s: configuration rejected, %u error(s):\n", path,
			hf_errlist_count(&errs));
		hf_errlist_print(&errs, stderr);
	}
	return ret;
}

static struct rte_mempool *
make_pool(const struct hf_runtime *rt)
{
	/* fragments held for their first one (fragtab.h) take mbufs of their own */
	unsigned int n = rt->cfg->nb_ports * rt->nb_workers * (HF_NB_RXD + HF_NB_TXD + 2 * HF_BURST) +
			 rt->nb_workers * HF_PUNT_RING + rt->cfg->nb_ports * HF_CTL_RING + 4096 +
			 rt->nb_workers * rt->cfg->frag_size * HF_FRAG_HOLD;

	return rte_pktmbuf_pool_create("hf_mbuf", n, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				       (int)rte_socket_id());
}

static int
write_stats(const struct hf_runtime *rt, const char *path)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (f == NULL) {
		HF_LOG(main, ERR, "cannot write stats file %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = hf_stats_write_json(rt, f);
	if (fclose(f) != 0 && ret == 0)
		ret = -errno;
	return ret;
}

/* What the bounded tables cost, once at start (all sized by the config). */
static void
log_memory(const struct hf_runtime *rt)
{
	size_t pool = (size_t)rt->pool->size * (rt->pool->elt_size + rt->pool->header_size +
						   rt->pool->trailer_size);
	size_t flows = 0, frags = 0, counters = (rt->nb_workers + 1) * sizeof(struct hf_lcore_stats);
	unsigned int w;

	for (w = 0; w < rt->nb_workers; w++) {
		if (rt->workers[w].flows != NULL)
			flows += hf_flowtab_memory(rt->workers[w].flows);
		if (rt->workers[w].frags != NULL)
			frags += hf_fragtab_memory(rt->workers[w].frags);
	}
	HF_LOG(main, INFO, "memory: mbufs %u = %.1f MiB, flow tables %u x %u entries = %.1f MiB, "
	       "fragment tables %u x %u datagrams = %.1f KiB, "
	       "snapshot %.1f KiB (x2 during a reload), counters %.1f MiB",
	       rt->pool->size, pool / 1048576.0, rt->nb_workers, rt->cfg->flow_size,
	       flows / 1048576.0, rt->nb_workers, rt->cfg->frag_size, frags / 1024.0,
	       rt->dp->bytes / 1024.0, counters / 1048576.0);
}

static int
run(struct hf_runtime *rt)
{
	unsigned int lcore, w = 0;
	int ret;

	if (rte_lcore_count() < 2 || rte_lcore_count() - 1 > HF_MAX_WORKERS) {
		HF_LOG(main, ERR, "need 1..%d worker lcores besides the main (control) lcore, have %u; "
		       "give e.g. -l 0,1", HF_MAX_WORKERS, rte_lcore_count() - 1);
		return -EINVAL;
	}
	rt->nb_workers = rte_lcore_count() - 1;
	rt->pool = make_pool(rt);
	if (rt->pool == NULL) {
		HF_LOG(main, ERR, "mbuf pool: %s", rte_strerror(rte_errno));
		return -rte_errno;
	}
	ret = hf_ports_init(rt);
	if (ret != 0)
		return ret;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		rt->workers[w].wid = w;
		rt->workers[w].lcore = lcore;
		w++;
	}
	ret = hf_control_init(rt);
	if (ret != 0) {
		HF_LOG(main, ERR, "control plane init: %s", strerror(-ret));
		return ret;
	}
	for (w = 0; w < rt->nb_workers; w++) {
		ret = hf_worker_setup(rt, &rt->workers[w]);
		if (ret != 0) {
			HF_LOG(main, ERR, "worker %u setup: %s", w, strerror(-ret));
			return ret;
		}
	}
	ret = hf_telemetry_init(rt);
	if (ret != 0)
		return ret;
	HF_LOG(main, INFO, "%s: %u port(s), %u cluster(s), %u member(s), %u worker(s)",
	       rt->cfg->path, rt->cfg->nb_ports, rt->cfg->nb_clusters, rt->cfg->nb_members_total,
	       rt->nb_workers);
	log_memory(rt);
	for (w = 0; w < rt->nb_workers; w++) {
		ret = rte_eal_remote_launch(hf_worker_main, &rt->workers[w], rt->workers[w].lcore);
		if (ret != 0) {
			HF_LOG(main, ERR, "launch worker %u: %s", w, strerror(-ret));
			__atomic_store_n(&rt->stop, 1, __ATOMIC_RELEASE);
			rte_eal_mp_wait_lcore();
			return ret;
		}
	}
	hf_control_main(rt);
	rte_eal_mp_wait_lcore();
	return 0;
}

static void
print_summary(const struct hf_runtime *rt)
{
	struct hf_stats_sum *s = malloc(sizeof(*s));

	if (s == NULL)
		return;
	hf_runtime_stats(rt, s);
	HF_LOG(main, INFO, "final: rx %lu, tx %lu, dropped %lu, punted %lu",
	       (unsigned long)s->rx, (unsigned long)s->tx, (unsigned long)s->dropped,
	       (unsigned long)s->punted);
	free(s);
}

int
main(int argc, char **argv)
{
	struct app_opts opts;
	struct hf_runtime *rt;
	struct hf_config *cfg = NULL;
	int dash, eal_argc, ret;
	unsigned int w;

	/*
	 * The control lcore builds a snapshot (megabytes at 1,024 clusters) and
	 * frees the previous one on every publish. Left to its defaults, glibc
	 * maps each such block fresh and unmaps it on free, so every publish
	 * pays a page fault per 4 KiB (about 20 ms a publish at 1,024 x 16):
	 * keep them in the heap, and keep the heap's freed memory for reuse.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);

	/* EAL options stop at "--"; ours follow it. Parse ours first so that
	 * --check-config needs no EAL at all. */
	for (dash = 1; dash < argc; dash++)
		if (strcmp(argv[dash], "--") == 0)
			break;
	eal_argc = dash;
	memset(&opts, 0, sizeof(opts));
	ret = early_option(eal_argc, argv, &opts);
	if (ret != 0)
		return ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	if (!opts.check_only) {
		ret = parse_after_dash(argc, argv, dash, &opts);
		if (ret != 0)
			return ret > 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	}
	if (load_config(opts.config, &cfg) != 0)
		return EXIT_FAILURE;
	if (opts.check_only) {
		printf("%s: OK: %u port(s), %u cluster(s), %u member(s)\n", opts.config, cfg->nb_ports,
		       cfg->nb_clusters, cfg->nb_members_total);
		hf_config_free(cfg);
		return EXIT_SUCCESS;
	}

	atexit(remove_runtime_dir);
	ret = rte_eal_init(eal_argc, argv);
	if (ret < 0) {
		fprintf(stderr, "hyperflow: EAL init failed: %s\n", rte_strerror(rte_errno));
		eal_hint(rte_errno, eal_argc, argv);
		hf_config_free(cfg);
		return EXIT_FAILURE;
	}
	/* lets dpdk-dumpcap / dpdk-pdump capture the ports (needs shared memory:
	 * a hugepage setup, not --no-huge) */
	if (rte_pdump_init() != 0)
		HF_LOG(main, INFO, "packet capture (pdump) unavailable: %s", rte_strerror(rte_errno));
	rt = calloc(1, sizeof(*rt));
	if (rt == NULL)
		return EXIT_FAILURE;
	rt->cfg = cfg;
	rt->config_path = opts.config;
	rt->exit_when_idle_ms = opts.exit_when_idle_ms;
	rt->stats_file = opts.stats_file;
	rt->status_interval_ms = opts.status_interval_ms;
	rt->tsc_hz = rte_get_tsc_hz();
	rt->start_tsc = rte_rdtsc();
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_signal);

	ret = run(rt);
	if (ret == 0) {
		print_summary(rt);
		if (rt->stats_file != NULL && write_stats(rt, rt->stats_file) != 0)
			ret = -EIO;
	}
	hf_telemetry_fini(rt);
	for (w = 0; w < rt->nb_workers; w++)
		hf_worker_teardown(&rt->workers[w]);
	hf_control_fini(rt);
	hf_ports_close(rt);
	rte_pdump_uninit();
	hf_config_free(rt->cfg);
	/* rt itself stays: the telemetry thread may still hold a pointer to it
	 * until rte_eal_cleanup() stops that thread. */
	if (rte_eal_cleanup() == 0)
		snprintf(run_dir, sizeof(run_dir), "%s", rte_eal_get_runtime_dir());
	return ret == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
