/*
 * Ouroboros - ipcpd-unicast: link-state routing (uni.h). The member's
 * link-state database (routing/lsdb.h), its routing policy
 * (routing/routing.h: link_state, lfa, ecmp) and the forwarding table
 * (routing/fwd.h) that dt.c reads through route_next_hop; all on the
 * loop thread, so the table has one reader, the loop thread itself.
 *
 * This member's LSA lists the neighbours its dt lower flows reach
 * (dt_nb_list), metric 1 each. It is originated again, with the next
 * sequence number, at once (a timer of 0 ms, so a burst of changes in
 * one pass of the loop makes one LSA) whenever a dt adjacency comes up
 * or goes down (route_adj from nbr.c, route_dt_event from dt.c when a
 * flow reports down), and every ls_t_update seconds; its lifetime is
 * ls_t_timeo seconds. It goes to every management neighbour
 * (nbr_mgmt_flood, MGMT_LSA). Sequence numbers start from the wall
 * clock (16 per second), so a restarted member starts ahead of the
 * LSAs it wrote before; if one of its own comes back newer anyway, it
 * writes its LSA again with that number + 1.
 *
 * An LSA received (route_rcv_lsa) that the database takes as new is
 * flooded on to every other management neighbour; a malformed one is
 * dropped, logged (rate-limited) and counted, a duplicate or older
 * one (a replay, a late copy) dropped and counted. A new management
 * adjacency gets the whole database.
 *
 * The table is computed again RT_COALESCE_MS after the first change of
 * the database's graph (lsdb_gen), so a burst of LSAs makes one
 * computation, and at least every ls_t_recalc seconds (LSAs whose
 * lifetime ran out leave then). Between computations route_next_hop
 * skips next hops whose adjacency is down (nbr_dt_up, dt_nb_live): with
 * lfa, traffic moves to the alternate on the failure event itself.
 */
#include "uni.h"
#include "dt_route.h"

#include "routing/fwd.h"
#include "routing/lsa.h"
#include "routing/lsdb.h"
#include "routing/routing.h"

#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define RT_COALESCE_MS  3     /* recompute this long after a change   */
#define RT_RETRY_MS     100   /* a computation out of memory: again   */
#define RT_LOG_MS       1000  /* at most one warning per kind         */
#define RT_SEQ_PER_S    16    /* sequence numbers per second of clock */

enum rt_ctr {
        R_LSA_RX = 0,
        R_LSA_NEW,
        R_LSA_DUP,
        R_LSA_BOGUS,
        R_LSA_REFUSED,
        R_LSA_OWN,
        R_LSA_SENT,
        R_LSA_SYNC,
        R_COMPUTE,
        R_COMPUTE_FAIL,
        R_COMPUTE_US_LAST,
        R_COMPUTE_US_MAX,
        R_CONVERGE_MS_LAST,
        R_MAX
};

static const char * const rt_ctr_name[R_MAX] = {
        [R_LSA_RX]           = "route.lsa_rx",
        [R_LSA_NEW]          = "route.lsa_new",
        [R_LSA_DUP]          = "route.lsa_dup_or_old",
        [R_LSA_BOGUS]        = "route.lsa_bogus",
        [R_LSA_REFUSED]      = "route.lsa_refused",
        [R_LSA_OWN]          = "route.lsa_own_newer",
        [R_LSA_SENT]         = "route.lsa_originated",
        [R_LSA_SYNC]         = "route.lsa_synced",
        [R_COMPUTE]          = "route.computations",
        [R_COMPUTE_FAIL]     = "route.compute_failed",
        [R_COMPUTE_US_LAST]  = "route.compute_us_last",
        [R_COMPUTE_US_MAX]   = "route.compute_us_max",
        [R_CONVERGE_MS_LAST] = "route.change_to_table_ms_last"
};

static struct {
        bool                on;
        uint64_t            self;
        struct lsdb *       db;
        struct routing *    r;
        struct fwd          fwd;
        int                 reader;
        uint32_t            seqno;     /* of our last LSA            */
        uint32_t            lifetime;  /* ms, of ours                */
        uint64_t            gen;       /* lsdb_gen of the table      */
        bool                table;     /* one was published          */
        int64_t             changed;   /* first change not computed  */
        struct ipcp_timer * t_orig;
        struct ipcp_timer * t_comp;
        struct ipcp_timer * t_update;
        struct ipcp_timer * t_recalc;
        int64_t             update_ms;
        int64_t             recalc_ms;
        struct lsa          lsa;       /* scratch, 16 KiB            */
        uint8_t             buf[LSA_LEN_MAX];
        uint64_t            nbrs[LSA_NBRS_MAX];
        int64_t             last_log[R_MAX];
        uint64_t            c[R_MAX];
} rt;

#define WARN_RL(k, ...) do {                                            \
                int64_t now_ = ipcp_now_ms();                           \
                if (now_ - rt.last_log[k] >= RT_LOG_MS) {               \
                        rt.last_log[k] = now_;                          \
                        log_warn(__VA_ARGS__);                          \
                }                                                       \
        } while (0)

static uint64_t now_ms(void)
{
        return (uint64_t) ipcp_now_ms();
}

/* ---- the forwarding table ---- */

static void compute_cb(void * arg);

/* The database changed: compute soon (one computation per burst). */
static void compute_soon(void)
{
        if (rt.changed == 0)
                rt.changed = ipcp_now_ms();
        if (rt.t_comp == NULL)
                rt.t_comp = ipcp_timer_add(RT_COALESCE_MS, compute_cb, NULL);
}

static int64_t mono_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);

        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Compute and publish the table if the graph changed (or force). */
static void compute(bool force)
{
        struct fwd_table * t;
        uint64_t           now = now_ms();
        uint64_t           gen;
        int64_t            t0;
        int64_t            us;
        int                n;

        lsdb_expire(rt.db, now);
        gen = lsdb_gen(rt.db);
        if (rt.table && gen == rt.gen && !force) {
                rt.changed = 0;
                return;
        }

        t0 = mono_us();
        n  = routing_compute(rt.r, rt.db, rt.self, now, &t);
        if (n < 0) {
                ++rt.c[R_COMPUTE_FAIL];
                WARN_RL(R_COMPUTE_FAIL, "Routing computation failed: %d.",
                        n);
                if (rt.t_comp == NULL)
                        rt.t_comp = ipcp_timer_add(RT_RETRY_MS, compute_cb,
                                                   NULL);
                return;
        }

        fwd_publish(&rt.fwd, t);
        us = mono_us() - t0;

        ++rt.c[R_COMPUTE];
        rt.c[R_COMPUTE_US_LAST] = (uint64_t) us;
        if ((uint64_t) us > rt.c[R_COMPUTE_US_MAX])
                rt.c[R_COMPUTE_US_MAX] = (uint64_t) us;
        if (rt.changed != 0)
                rt.c[R_CONVERGE_MS_LAST] =
                        (uint64_t) (ipcp_now_ms() - rt.changed);
        rt.changed = 0;
        rt.gen     = gen;
        rt.table   = true;

        dt_routes_changed();
}

static void compute_cb(void * arg)
{
        (void) arg;

        rt.t_comp = NULL;
        compute(false);
}

static bool nh_up(uint64_t a,
                  void *   arg)
{
        (void) arg;

        return dt_nb_live(a) && nbr_dt_up(a);
}

/* Spread flows over equal-cost next hops: a 32-bit mix of the key. */
static uint32_t key_hash(uint64_t key)
{
        key ^= key >> 33;
        key *= 0xff51afd7ed558ccdULL;
        key ^= key >> 33;

        return (uint32_t) key;
}

uint64_t route_next_hop(uint64_t dst,
                        uint64_t flow_key)
{
        const struct fwd_table * t;
        const struct fwd_entry * e;
        uint64_t                 nh = 0;

        if (!rt.on)
                return 0;

        t = fwd_enter(&rt.fwd, rt.reader);
        if (t != NULL) {
                e = fwd_lookup(t, dst);
                if (e != NULL)
                        nh = fwd_pick(e, key_hash(flow_key), nh_up, NULL);
        }
        fwd_leave(&rt.fwd, rt.reader);

        return nh;
}

/* ---- this member's LSA ---- */

/* Write our LSA with the next sequence number, take it and flood it. */
static void originate(void)
{
        struct lsa * l = &rt.lsa;
        size_t       n;
        size_t       i;
        ssize_t      len;
        int          r;

        n = dt_nb_list(rt.nbrs, LSA_NBRS_MAX);
        if (n > LSA_NBRS_MAX) {
                WARN_RL(R_LSA_SENT, "%zu neighbours: only %d advertised.",
                        n, LSA_NBRS_MAX);
                n = LSA_NBRS_MAX;
        }

        l->origin   = rt.self;
        l->seqno    = ++rt.seqno;
        l->lifetime = rt.lifetime;
        l->n        = (uint16_t) n;
        for (i = 0; i < n; ++i) {
                l->nbrs[i].addr   = rt.nbrs[i];
                l->nbrs[i].metric = LSA_METRIC_DEF;
        }
        lsa_sort(l);

        r = lsdb_update(rt.db, l, now_ms());
        if (r < 0) {
                log_err("Own LSA refused by the database: %d.", r);
                return;
        }

        len = lsa_encode(rt.buf, sizeof(rt.buf), l);
        if (len < 0) {
                log_err("Own LSA not encoded: %zd.", len);
                return;
        }

        ++rt.c[R_LSA_SENT];
        nbr_mgmt_flood(0, MGMT_LSA, rt.buf, (size_t) len);
        compute_soon();
}

static void orig_cb(void * arg)
{
        (void) arg;

        rt.t_orig = NULL;
        originate();
}

/* Our adjacencies changed: a new LSA as soon as this pass of the loop
 * is over (changes of one pass make one LSA). */
static void originate_soon(void)
{
        if (rt.t_orig == NULL)
                rt.t_orig = ipcp_timer_add(0, orig_cb, NULL);
        if (rt.t_orig == NULL)
                originate();
}

static void update_cb(void * arg)
{
        (void) arg;

        rt.t_update = ipcp_timer_add(rt.update_ms, update_cb, NULL);
        originate();
}

static void recalc_cb(void * arg)
{
        (void) arg;

        rt.t_recalc = ipcp_timer_add(rt.recalc_ms, recalc_cb, NULL);
        compute(true);
}

void route_dt_event(uint64_t addr,
                    bool     live)
{
        (void) addr;
        (void) live;

        if (rt.on)
                originate_soon();
}

/* ---- LSAs of others ---- */

void route_rcv_lsa(uint64_t        from,
                   const uint8_t * buf,
                   size_t          len)
{
        int r;

        if (!rt.on)
                return;

        ++rt.c[R_LSA_RX];

        r = lsa_parse(buf, len, &rt.lsa);
        if (r < 0) {
                ++rt.c[R_LSA_BOGUS];
                WARN_RL(R_LSA_BOGUS, "Malformed LSA of %zu bytes from %llu "
                        "dropped: %d.", len, (unsigned long long) from, r);
                return;
        }

        if (rt.lsa.origin == rt.self) {
                /* ours, from before a restart: supersede it */
                if (lsa_seq_newer(rt.lsa.seqno, rt.seqno)) {
                        ++rt.c[R_LSA_OWN];
                        rt.seqno = rt.lsa.seqno;
                        originate();
                } else {
                        ++rt.c[R_LSA_DUP];
                }
                return;
        }

        r = lsdb_update(rt.db, &rt.lsa, now_ms());
        if (r == 1) {
                ++rt.c[R_LSA_NEW];
                nbr_mgmt_flood(from, MGMT_LSA, buf, len);
                compute_soon();
        } else if (r == 0) {
                ++rt.c[R_LSA_DUP];
        } else {
                ++rt.c[R_LSA_REFUSED];
                WARN_RL(R_LSA_REFUSED, "LSA of %llu from %llu refused: %d.",
                        (unsigned long long) rt.lsa.origin,
                        (unsigned long long) from, r);
        }
}

/* Send one live LSA of the database to the neighbour in arg. */
static int sync_one(const struct lsdb_entry * e,
                    void *                    arg)
{
        uint64_t *   to = arg;
        struct lsa * l  = &rt.lsa;
        ssize_t      len;

        if (e->n > LSA_NBRS_MAX)
                return 0;

        l->origin   = e->origin;
        l->seqno    = e->seqno;
        l->lifetime = e->left > LSA_LIFETIME_MAX ? LSA_LIFETIME_MAX :
                (uint32_t) e->left;
        l->n        = (uint16_t) e->n;
        memcpy(l->nbrs, e->nbrs, e->n * sizeof(*e->nbrs));

        len = lsa_encode(rt.buf, sizeof(rt.buf), l);
        if (len < 0)
                return 0;

        if (nbr_mgmt_send(*to, MGMT_LSA, rt.buf, (size_t) len) == 0)
                ++rt.c[R_LSA_SYNC];

        return 0;
}

void route_adj(uint64_t      addr,
               enum nbr_comp comp,
               bool          up)
{
        if (!rt.on)
                return;

        if (comp == NBR_DT) {
                originate_soon();
                return;
        }

        if (comp == NBR_MGMT && up)
                lsdb_foreach(rt.db, now_ms(), sync_one, &addr);
}

/* ---- stat ---- */

struct stat_ctx {
        struct ipcp_stat * s;
        int                r;
};

static int stat_links(const struct lsdb_entry * e,
                      void *                    arg)
{
        struct stat_ctx * c = arg;
        char              name[64];
        size_t            i;

        for (i = 0; i < e->n; ++i) {
                snprintf(name, sizeof(name), "link.%llu.%llu",
                         (unsigned long long) e->origin,
                         (unsigned long long) e->nbrs[i].addr);
                c->r |= ipcp_stat_add(c->s, name, e->nbrs[i].metric);
        }

        return c->r < 0 ? 1 : 0;
}

int route_stat(struct ipcp_stat * s)
{
        const struct fwd_table * t;
        const struct fwd_entry * e;
        struct lsdb_stats        st;
        struct stat_ctx          c = { s, 0 };
        char                     name[64];
        uint64_t                 nh;
        size_t                   i;
        int                      k;

        if (!rt.on)
                return 0;

        for (k = 0; k < R_MAX; ++k)
                c.r |= ipcp_stat_add(s, rt_ctr_name[k], rt.c[k]);

        lsdb_stats(rt.db, &st);
        c.r |= ipcp_stat_add(s, "route.nodes", st.nodes);
        c.r |= ipcp_stat_add(s, "route.lsa_expired", st.expired);
        c.r |= ipcp_stat_add(s, "route.seqno", rt.seqno);

        t = fwd_enter(&rt.fwd, rt.reader);
        c.r |= ipcp_stat_add(s, "route.destinations", t == NULL ? 0 : t->n);
        for (i = 0; t != NULL && i < t->n; ++i) {
                e  = &t->e[i];
                nh = fwd_pick(e, 0, nh_up, NULL);
                snprintf(name, sizeof(name), "route.%llu",
                         (unsigned long long) e->dst);
                c.r |= ipcp_stat_add(s, name, nh != 0 ? nh : e->nh[0]);
                if (e->alt != 0) {
                        snprintf(name, sizeof(name), "route.alt.%llu",
                                 (unsigned long long) e->dst);
                        c.r |= ipcp_stat_add(s, name, e->alt);
                }
                if (e->n > 1) {
                        snprintf(name, sizeof(name), "route.paths.%llu",
                                 (unsigned long long) e->dst);
                        c.r |= ipcp_stat_add(s, name, e->n);
                }
        }
        fwd_leave(&rt.fwd, rt.reader);

        lsdb_foreach(rt.db, now_ms(), stat_links, &c);

        return c.r < 0 ? -EMSGSIZE : 0;
}

/* ---- start, stop ---- */

int route_init(void)
{
        const struct layer_config * lc = &uni_conf.lc;
        struct lsdb_cfg             cfg;
        uint64_t                    life;
        int                         err;

        memset(&rt, 0, sizeof(rt));

        rt.self = uni_addr();
        if (rt.self == 0 || uni_conf.routing == NULL)
                return -EINVAL;

        life = (uint64_t) (lc->ls_t_timeo > 0 ? lc->ls_t_timeo : 60) * 1000;
        rt.lifetime  = life > LSA_LIFETIME_MAX ? LSA_LIFETIME_MAX :
                (uint32_t) life;
        rt.update_ms = (int64_t) (lc->ls_t_update > 0 ? lc->ls_t_update :
                                  15) * 1000;
        rt.recalc_ms = (int64_t) (lc->ls_t_recalc > 0 ? lc->ls_t_recalc :
                                  4) * 1000;
        rt.seqno     = (uint32_t) time(NULL) * RT_SEQ_PER_S;

        memset(&cfg, 0, sizeof(cfg));
        cfg.hold = rt.lifetime > LSDB_HOLD_DEF ? rt.lifetime : LSDB_HOLD_DEF;

        err = lsdb_create(&rt.db, &cfg);
        if (err < 0)
                goto fail_db;

        err = routing_create(&rt.r, uni_conf.routing, 0);
        if (err < 0)
                goto fail_routing;

        fwd_init(&rt.fwd);
        rt.reader = fwd_reader(&rt.fwd);
        if (rt.reader < 0) {
                err = rt.reader;
                goto fail_reader;
        }

        rt.t_update = ipcp_timer_add(rt.update_ms, update_cb, NULL);
        rt.t_recalc = ipcp_timer_add(rt.recalc_ms, recalc_cb, NULL);
        if (rt.t_update == NULL || rt.t_recalc == NULL) {
                err = -ENOMEM;
                goto fail_timers;
        }

        rt.on = true;
        originate();  /* alone in the graph, until adjacencies come */
        compute(true);

        log_info("Routing %s: LSAs every %u s, lifetime %u s, "
                 "recomputed at least every %u s.", routing_name(rt.r),
                 lc->ls_t_update, rt.lifetime / 1000, lc->ls_t_recalc);

        return 0;

 fail_timers:
        if (rt.t_update != NULL)
                ipcp_timer_cancel(rt.t_update);
        if (rt.t_recalc != NULL)
                ipcp_timer_cancel(rt.t_recalc);
 fail_reader:
        fwd_fini(&rt.fwd);
        routing_destroy(rt.r);
 fail_routing:
        lsdb_destroy(rt.db);
 fail_db:
        memset(&rt, 0, sizeof(rt));
        return err;
}

void route_fini(void)
{
        if (!rt.on)
                return;

        rt.on = false;

        if (rt.t_orig != NULL)
                ipcp_timer_cancel(rt.t_orig);
        if (rt.t_comp != NULL)
                ipcp_timer_cancel(rt.t_comp);
        if (rt.t_update != NULL)
                ipcp_timer_cancel(rt.t_update);
        if (rt.t_recalc != NULL)
                ipcp_timer_cancel(rt.t_recalc);

        fwd_fini(&rt.fwd);
        routing_destroy(rt.r);
        lsdb_destroy(rt.db);
        memset(&rt, 0, sizeof(rt));
}
