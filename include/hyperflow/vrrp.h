/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * VRRPv3 (RFC 5798), IPv4 only: the advertisement codec and the per-router
 * state machine of section 6.4, with an injected clock (milliseconds). It
 * sends nothing and owns no socket: the caller parses frames punted by the
 * workers, feeds adverts to hf_vrrp_rx(), calls hf_vrrp_tick() at least at
 * the deadline hf_vrrp_next_timeout() gives, and acts on struct
 * hf_vrrp_out (build and send an advert, become active or passive).
 *
 * Wire format (what hf_vrrp_build writes, byte for byte what keepalived 2.x
 * sends except for the Ethernet source and the IP id, see below):
 *   Ethernet  dst 01:00:5e:00:00:12 (224.0.0.18) or the caller's MAC for a
 *             unicast peer; src 00:00:5e:00:01:<vrid> (RFC 5798 7.3);
 *             ethertype 0x0800, no VLAN tag.
 *   IPv4      version 4, IHL 5, ToS 0xc0 (precedence "internetwork
 *             control", as keepalived), id 0 (the caller may stamp its
 *             own, hf_vrrp_stamp_id), no DF, TTL 255, protocol 112,
 *             header checksum.
 *   VRRP      version 3, type 1 (advertisement), vrid, priority, count,
 *             4 reserved bits + 12-bit Max Adver Int (centiseconds),
 *             checksum, count IPv4 addresses.
 *   Padding   zeros up to 60 bytes (not part of the IP datagram).
 * The VRRP checksum covers the IPv4 pseudo-header (source, destination as
 * in the IP header, zero, protocol 112, VRRP length) followed by the VRRP
 * message (RFC 5798 5.2.8; keepalived, Linux, FRR and Wireshark all do
 * this for IPv4). The IPv6-style pseudo-header the RFC text cites sums to
 * the same value, since the length is below 65536.
 *
 * State machine (RFC 5798 6.4), timers in milliseconds:
 *   Advertisement_Interval  conf.advert_ms (sent as advert_ms / 10 cs)
 *   Master_Adver_Interval   learned in BACKUP from the master's adverts
 *                           (starts as Advertisement_Interval)
 *   Skew_Time               ((256 - priority) * Master_Adver_Interval) / 256,
 *                           in ms, rounded down (the RFC works in cs;
 *                           keepalived, like this, in finer units)
 *   Master_Down_Interval    3 * Master_Adver_Interval + Skew_Time
 *   INIT    after hf_vrrp_init() and hf_vrrp_shutdown(); adverts ignored.
 *           hf_vrrp_start(): priority 255 (address owner) -> MASTER at once
 *           (advert sent), else BACKUP with the master-down timer running.
 *   BACKUP  timer expiry -> MASTER (advert sent). Advert with priority 0 ->
 *           timer = Skew_Time. Advert with priority >= ours, or any advert
 *           when preempt is off -> learn Master_Adver_Interval, timer =
 *           Master_Down_Interval. Lower priority with preempt on -> ignored,
 *           so the timer runs out and we take over (no immediate preemption:
 *           the RFC's rule, and keepalived's).
 *   MASTER  an advert every Advertisement_Interval. Advert with priority 0
 *           -> send one at once. Higher priority, or equal priority from a
 *           greater primary address (unsigned, big-endian) -> BACKUP with
 *           the sender's interval. Anything else is ignored.
 *   Adverts for another vrid are ignored and counted. An advert from our
 *   own primary address is ours (looped back: ignored, counted as rx_own)
 *   when its IPv4 id is conf.ip_id, or conf.ip_id is 0. With another id it
 *   was sent by someone else holding our address (two boxes bound the same
 *   probe address): counted as rx_conflict, reported with
 *   HF_VRRP_OUT_CONFLICT, and then handled as any other router's advert
 *   (a BACKUP follows it; RFC 5798 cannot order two equal addresses, so a
 *   MASTER yields to one of equal priority when its IP id is greater).
 *   Timers fire at now >= deadline exactly.
 *
 * Thread-safety: the codec functions are pure. Each struct hf_vrrp is owned,
 * written and read by one thread, the control lcore; other threads
 * (telemetry) read a copy the control lcore publishes, never the struct
 * itself. The struct holds no pointer except to static strings, so it may
 * be copied.
 */
#ifndef HF_VRRP_H
#define HF_VRRP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hyperflow/addr.h>
#include <hyperflow/pkt.h>

#define HF_VRRP_VERSION          3
#define HF_VRRP_TYPE_ADVERT      1
#define HF_VRRP_TTL              255
#define HF_VRRP_TOS              0xc0
#define HF_VRRP_HLEN             8        /* fixed header, before the addresses */
#define HF_VRRP_PRIO_OWNER       255
#define HF_VRRP_PRIO_STOP        0        /* "master is leaving" */
#define HF_VRRP_MAX_ADVER_CS     4095     /* 12-bit field */
#define HF_VRRP_MAX_VIPS         16       /* addresses kept by hf_vrrp_parse */
#define HF_VRRP_MCAST_GROUP      0xe0000012u   /* 224.0.0.18, HOST order */
#define HF_VRRP_NO_TIMEOUT       UINT64_MAX

/* Frame length of an advert with n addresses, before padding to 60. */
#define HF_VRRP_FRAME_LEN(n)     (HF_ETH_HLEN + 20 + HF_VRRP_HLEN + 4 * (n))
/* Largest frame hf_vrrp_build writes (255 addresses). */
#define HF_VRRP_FRAME_MAX        HF_VRRP_FRAME_LEN(255)

/* Why hf_vrrp_parse rejected a frame. */
enum hf_vrrp_err {
	HF_VRRP_OK = 0,
	HF_VRRP_ERR_PROTO,      /* not IPv4 protocol 112, or an IP fragment */
	HF_VRRP_ERR_TTL,        /* IPv4 TTL != 255 */
	HF_VRRP_ERR_VERSION,    /* VRRP version != 3 */
	HF_VRRP_ERR_TYPE,       /* VRRP type != 1 (advertisement) */
	HF_VRRP_ERR_LEN,        /* shorter than 8 bytes, or IP payload != 8 + 4 * count */
	HF_VRRP_ERR_CKSUM,      /* VRRP checksum (with the pseudo-header) wrong */
	HF_VRRP_ERR_IP_CKSUM,   /* IPv4 header checksum wrong */
	HF_VRRP_ERR__MAX
};

/* A parsed advertisement. Addresses are network order. */
struct hf_vrrp_adv {
	uint32_t src_ip;            /* IPv4 source: the sender's primary address */
	uint32_t dst_ip;            /* IPv4 destination */
	uint8_t vrid;
	uint8_t priority;
	uint16_t max_adver_int_cs;  /* 12 bits, centiseconds */
	uint8_t count;              /* addresses in the packet */
	uint8_t nb_vips;            /* min(count, HF_VRRP_MAX_VIPS) kept in vips */
	uint16_t ip_id;             /* IPv4 identification, host order */
	/*
	 * The checksum only matched with 224.0.0.18 as the pseudo-header
	 * destination although the packet was sent unicast: what older
	 * keepalived releases send in unicast mode (and current ones with
	 * unicast_checksum_compat).
	 */
	bool cksum_compat;
	uint32_t vips[HF_VRRP_MAX_VIPS];
};

/*
 * Build an untagged VRRPv3 advertisement (see the format above) into buf.
 *   src_mac: unused, kept for the caller's symmetry with the other
 *            builders; the Ethernet source is 00:00:5e:00:01:<vrid>
 *   eth_dst: NULL for 01:00:5e:00:00:12, or the unicast peer's MAC
 *   src_ip:  our primary address; dst_ip: 224.0.0.18 or the unicast peer
 *            (both network order; the group is htonl(HF_VRRP_MCAST_GROUP))
 *   max_adver_int_cs: centiseconds, 1..4095
 *   vips:    nvips addresses, network order (may be NULL when nvips is 0)
 * Returns the frame length (at least 60), -ENOSPC when buflen is too small,
 * -EINVAL for a NULL buf, vrid 0, an interval of 0 or over 4095, or NULL
 * vips with nvips > 0.
 */
int hf_vrrp_build(uint8_t *buf, uint32_t buflen, const struct hf_mac *src_mac,
		  const struct hf_mac *eth_dst, uint32_t src_ip, uint32_t dst_ip, uint8_t vrid,
		  uint8_t priority, uint16_t max_adver_int_cs, const uint32_t *vips,
		  uint8_t nvips);

/*
 * Write id (host order) into the IPv4 identification of an advert
 * hf_vrrp_build wrote into frame (len bytes) and fix the IPv4 header
 * checksum (the VRRP checksum does not cover it). Returns 0, or -EINVAL
 * when frame is NULL or shorter than the Ethernet and IPv4 headers.
 */
int hf_vrrp_stamp_id(uint8_t *frame, uint32_t len, uint16_t id);

/*
 * Check and decode an advert. pi is frame's hf_pkt_parse() result (it must
 * have returned HF_PKT_OK), or NULL to have it parsed here (an unparseable
 * frame is then HF_VRRP_ERR_PROTO). Checks, in this order: IPv4 protocol
 * 112 not fragmented (PROTO), at least the fixed header (LEN), IP header
 * checksum (IP_CKSUM), TTL 255 (TTL), version 3 (VERSION), type 1 (TYPE),
 * IP payload == 8 + 4 * count (LEN), VRRP checksum (CKSUM; the pseudo-
 * header with the packet's destination, then, for a unicast destination,
 * with 224.0.0.18, see cksum_compat). The vrid is the state machine's
 * check. Returns HF_VRRP_OK with *out filled, or an hf_vrrp_err (*out then
 * undefined).
 */
int hf_vrrp_parse(const uint8_t *frame, uint32_t len, const struct hf_pkt_info *pi,
		  struct hf_vrrp_adv *out);

/* "ok", "TTL is not 255", ... for an hf_vrrp_err. */
const char *hf_vrrp_err_str(int err);

/* The Ethernet source of every advert for vrid: 00:00:5e:00:01:<vrid>. */
void hf_vrrp_vmac(uint8_t vrid, struct hf_mac *mac);

/* ---- State machine ---- */

enum hf_vrrp_state {
	HF_VRRP_INIT = 0,
	HF_VRRP_BACKUP,
	HF_VRRP_MASTER,
};

struct hf_vrrp_conf {
	uint8_t vrid;          /* 1..255 */
	uint8_t priority;      /* 1..255, 255 = address owner */
	uint32_t advert_ms;    /* 10..40950; sent as advert_ms / 10 centiseconds */
	bool preempt;
	uint32_t primary_ip;   /* our address, network order: source and tie-break */
	uint16_t ip_id;        /* IPv4 id of our adverts; 0: every advert from
				  primary_ip is taken as our own */
};

/* hf_vrrp_out.flags */
#define HF_VRRP_OUT_SEND_ADVERT   (1u << 0)   /* build and send an advert now */
#define HF_VRRP_OUT_BECAME_MASTER (1u << 1)   /* go active (gratuitous ARP) */
#define HF_VRRP_OUT_BECAME_BACKUP (1u << 2)   /* go passive */
#define HF_VRRP_OUT_STOPPED       (1u << 3)   /* hf_vrrp_shutdown: now INIT */
#define HF_VRRP_OUT_CONFLICT      (1u << 4)   /* an advert from our address, not ours */

/*
 * What a call asks the caller to do. flags == 0 means nothing. reason is a
 * static string for a transition (NULL when there is none); peer_ip and
 * peer_priority are the advert behind it (0 when it was a timer).
 */
struct hf_vrrp_out {
	uint32_t flags;
	uint8_t advert_priority;   /* with SEND_ADVERT: the priority to put in it */
	uint8_t peer_priority;
	uint32_t peer_ip;          /* network order */
	const char *reason;
};

struct hf_vrrp_stats {
	uint64_t adverts_sent;     /* SEND_ADVERT handed out (priority 0 included) */
	uint64_t adverts_rx;       /* adverts given to hf_vrrp_rx, any vrid */
	uint64_t rx_wrong_vrid;    /* ... for another vrid (ignored) */
	uint64_t rx_own;           /* ... from our own primary address (ignored) */
	uint64_t rx_conflict;      /* ... from our primary address, not sent by us */
	uint64_t rx_ignored;       /* ... ignored by the rules (INIT, lower priority) */
	uint64_t rx_prio_zero;     /* ... with priority 0 for our vrid */
	uint64_t rx_bad[HF_VRRP_ERR__MAX];  /* the caller's parse errors, by reason */
	uint64_t transitions;      /* state changes */
	uint64_t became_master;
	uint64_t became_backup;
};

struct hf_vrrp {
	/* Configuration (copied at init). */
	uint8_t vrid;
	uint8_t priority;
	bool preempt;
	uint32_t advert_ms;              /* Advertisement_Interval, multiple of 10 */
	uint16_t advert_cs;              /* the same, as sent */
	uint32_t primary_ip;
	uint16_t ip_id;                  /* of our adverts, 0 = unknown */

	enum hf_vrrp_state state;
	uint32_t master_adver_ms;        /* Master_Adver_Interval */
	uint64_t master_down_at;         /* BACKUP: when the master is declared down */
	const char *down_reason;         /* BACKUP: the reason if master_down_at fires */
	uint64_t adver_at;               /* MASTER: when the next advert is due */

	/* The current master as last heard in BACKUP (0 = none yet). */
	uint32_t master_ip;
	uint8_t master_priority;

	/* The last transition. */
	uint64_t last_change;
	const char *reason;              /* static string, "" before the first */
	uint32_t reason_ip;              /* its advert's sender, 0 for a timer */
	uint8_t reason_priority;

	struct hf_vrrp_stats stats;
};

/*
 * Configure v (state INIT, counters zero) at time now. Returns 0, or
 * -EINVAL for a NULL argument, vrid 0, priority 0, or advert_ms outside
 * 10..40950 (it is rounded down to a multiple of 10).
 */
int hf_vrrp_init(struct hf_vrrp *v, const struct hf_vrrp_conf *c, uint64_t now);

/*
 * The Startup event: from INIT, priority 255 -> MASTER (SEND_ADVERT,
 * BECAME_MASTER), else BACKUP (BECAME_BACKUP) with Master_Adver_Interval =
 * Advertisement_Interval and the master-down timer started at now. Does
 * nothing (out->flags 0) unless v is in INIT.
 */
void hf_vrrp_start(struct hf_vrrp *v, uint64_t now, struct hf_vrrp_out *out);

/* Run the timers at now: master down (BACKUP) or advert due (MASTER). */
void hf_vrrp_tick(struct hf_vrrp *v, uint64_t now, struct hf_vrrp_out *out);

/* A well-formed advert (hf_vrrp_parse returned OK) arrived at now. */
void hf_vrrp_rx(struct hf_vrrp *v, const struct hf_vrrp_adv *a, uint64_t now,
		struct hf_vrrp_out *out);

/*
 * The Shutdown event: -> INIT (STOPPED). Returns true, with SEND_ADVERT
 * and advert_priority 0, when v was MASTER: the caller sends that last
 * advert so a backup takes over after Skew_Time instead of
 * Master_Down_Interval.
 */
bool hf_vrrp_shutdown(struct hf_vrrp *v, uint64_t now, struct hf_vrrp_out *out);

/*
 * Milliseconds from now until the next timer (0 when one is due), or
 * HF_VRRP_NO_TIMEOUT in INIT.
 */
uint64_t hf_vrrp_next_timeout(const struct hf_vrrp *v, uint64_t now);

/* The caller's parse error err (an hf_vrrp_err) counted in stats.rx_bad. */
void hf_vrrp_count_bad(struct hf_vrrp *v, int err);

static inline bool
hf_vrrp_is_master(const struct hf_vrrp *v)
{
	return v->state == HF_VRRP_MASTER;
}

/* Skew_Time and Master_Down_Interval for the current Master_Adver_Interval. */
uint32_t hf_vrrp_skew_ms(const struct hf_vrrp *v);
uint32_t hf_vrrp_master_down_ms(const struct hf_vrrp *v);

/* "init", "backup", "master". */
const char *hf_vrrp_state_str(enum hf_vrrp_state s);

#define HF_VRRP_REASON_MAX 96   /* always enough for hf_vrrp_out_str */

/*
 * The reason of out with its advert, e.g. "higher priority advert from
 * 192.0.2.3 (priority 200)", or "master down interval expired", into buf
 * (snprintf rules). "" when out has no reason. Returns buf.
 */
const char *hf_vrrp_out_str(const struct hf_vrrp_out *out, char *buf, size_t size);

/* The same for v's last transition ("" before the first). */
const char *hf_vrrp_reason_str(const struct hf_vrrp *v, char *buf, size_t size);

#endif /* HF_VRRP_H */
