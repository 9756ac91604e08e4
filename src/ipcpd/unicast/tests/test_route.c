/*
 * Unit test of the unicast IPCP's routing module (route.c) on its own,
 * as member 10 of a small layer. Around it, this file plays the modules
 * it talks to through uni.h and dt_route.h (nbr.c: adjacencies and
 * management messages; dt.c: which dt flows are live) and the
 * framework's timers on a virtual clock, and records what route.c
 * sends. Checked:
 *  - its LSA: originated at start, again once for a burst of adjacency
 *    changes (coalesced), listing exactly the live dt neighbours, with
 *    increasing sequence numbers, and every ls_t_update;
 *  - flooding: a new LSA goes on to the others (not back to the sender),
 *    a duplicate, a replay and garbage do not (and are counted);
 *  - the table: computed once per burst, shortest paths, link_state's
 *    lowest-address tie, lfa's alternate taken on the failure event
 *    before any recomputation, ecmp spreading flows over both paths,
 *    a failure routed around after the new LSA;
 *  - its own LSA coming back newer (a restart): written again past it;
 *  - a new management neighbour gets the whole database;
 *  - route_stat: "route.<dst>" and "link.<a>.<b>".
 *
 * The layer (member 10 is S):
 *
 *        20
 *       /  \
 *     10    40 --- 50
 *       \  /
 *        30
 */
#include "uni.h"
#include "dt_route.h"

#include "routing/lsa.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../../../../tests/check.h"

#define SELF 10

/* ---- what the other modules and the framework would be ---- */

struct uni_conf uni_conf;

uint64_t uni_addr(void)
{
        return SELF;
}

static uint64_t live[8];      /* dt neighbours up (dt.c's view) */
static size_t   n_live;
static uint64_t nbr_down;     /* nbr.c's view: this one is down */

bool dt_nb_live(uint64_t addr)
{
        size_t i;

        for (i = 0; i < n_live; ++i)
                if (live[i] == addr)
                        return true;

        return false;
}

size_t dt_nb_list(uint64_t * addrs,
                  size_t     max)
{
        size_t i;

        for (i = 0; i < n_live && i < max; ++i)
                addrs[i] = live[i];

        return n_live;
}

bool nbr_dt_up(uint64_t addr)
{
        return addr != nbr_down && dt_nb_live(addr);
}

static int        routes_changed;
static int        floods;
static uint64_t   flood_except;
static struct lsa flooded;       /* the last one, parsed */
static int        sent[128];     /* nbr_mgmt_send per address */

void dt_routes_changed(void)
{
        ++routes_changed;
}

int nbr_mgmt_flood(uint64_t       except,
                   enum mgmt_type t,
                   const void *   body,
                   size_t         len)
{
        CHECK_EQ(t, MGMT_LSA);
        CHECK_EQ(lsa_parse(body, len, &flooded), 0);
        flood_except = except;
        ++floods;

        return 2;
}

int nbr_mgmt_send(uint64_t       addr,
                  enum mgmt_type t,
                  const void *   body,
                  size_t         len)
{
        static struct lsa l;

        CHECK_EQ(t, MGMT_LSA);
        CHECK_EQ(lsa_parse(body, len, &l), 0);
        if (addr < 128)
                ++sent[addr];

        return 0;
}

static int64_t clock_ms = 1000;

int64_t ipcp_now_ms(void)
{
        return clock_ms;
}

struct ipcp_timer {
        int64_t       at;
        ipcp_timer_cb cb;
        void *        arg;
        bool          on;
};

static struct ipcp_timer timers[64];

struct ipcp_timer * ipcp_timer_add(int64_t       delay_ms,
                                   ipcp_timer_cb cb,
                                   void *        arg)
{
        size_t i;

        for (i = 0; i < 64; ++i) {
                if (!timers[i].on) {
                        timers[i].at  = clock_ms + delay_ms;
                        timers[i].cb  = cb;
                        timers[i].arg = arg;
                        timers[i].on  = true;
                        return &timers[i];
                }
        }

        return NULL;
}

void ipcp_timer_cancel(struct ipcp_timer * t)
{
        t->on = false;
}

/* Move the clock by ms, firing what falls due, earliest first. */
static void advance(int64_t ms)
{
        int64_t end = clock_ms + ms;
        size_t  i;
        size_t  best;

        for (;;) {
                best = 64;
                for (i = 0; i < 64; ++i)
                        if (timers[i].on && timers[i].at <= end &&
                            (best == 64 || timers[i].at < timers[best].at))
                                best = i;
                if (best == 64)
                        break;
                if (timers[best].at > clock_ms)
                        clock_ms = timers[best].at;
                timers[best].on = false;
                timers[best].cb(timers[best].arg);
        }
        clock_ms = end;
}

static const char * stat_want;
static uint64_t     stat_got;
static bool         stat_found;

int ipcp_stat_add(struct ipcp_stat * s,
                  const char *       name,
                  uint64_t           value)
{
        (void) s;

        if (stat_want != NULL && strcmp(name, stat_want) == 0) {
                stat_found = true;
                stat_got   = value;
        }

        return 0;
}

/* ---- helpers ---- */

static uint32_t seqs[128];

/* Member origin's LSA (seqno its next) listing nbrs, as nbr.c would
 * hand it over from neighbour from. */
static void rcv(uint64_t         from,
                uint64_t         origin,
                const uint64_t * nbrs,
                size_t           n)
{
        static struct lsa l;
        static uint8_t    buf[LSA_LEN_MAX];
        size_t            i;
        ssize_t           len;

        memset(&l, 0, sizeof(l));
        l.origin   = origin;
        l.seqno    = ++seqs[origin];
        l.lifetime = 60000;
        l.n        = (uint16_t) n;
        for (i = 0; i < n; ++i)
                l.nbrs[i] = (struct lsa_nbr) { nbrs[i], 1 };
        lsa_sort(&l);
        len = lsa_encode(buf, sizeof(buf), &l);
        CHECK(len > 0);
        route_rcv_lsa(from, buf, (size_t) len);
}

static uint64_t stat_of(const char * name)
{
        stat_want  = name;
        stat_found = false;
        CHECK_EQ(route_stat(NULL), 0);
        stat_want  = NULL;
        CHECK(stat_found);

        return stat_got;
}

static void set_live(const uint64_t * a,
                     size_t           n)
{
        memcpy(live, a, n * sizeof(*a));
        n_live = n;
}

/* Start member 10 with policy, neighbours 20 and 30 up, and the LSAs
 * of the others in: the graph above. */
static void start(const char * policy)
{
        static const uint64_t n10[] = { 20, 30 };
        static const uint64_t n20[] = { 10, 40 };
        static const uint64_t n30[] = { 10, 40 };
        static const uint64_t n40[] = { 20, 30, 50 };
        static const uint64_t n50[] = { 40 };
        int                   f;
        int                   rc;

        memset(&uni_conf, 0, sizeof(uni_conf));
        uni_conf.lc.ls_t_recalc = 4;
        uni_conf.lc.ls_t_update = 15;
        uni_conf.lc.ls_t_timeo  = 60;
        uni_conf.routing        = policy;
        n_live   = 0;
        nbr_down = 0;
        floods   = 0;

        CHECK_EQ(route_init(), 0);
        CHECK_EQ(floods, 1);             /* alone, at once */
        CHECK_EQ(flooded.origin, SELF);
        CHECK_EQ(flooded.n, 0);

        /* two adjacencies in one pass: one LSA */
        set_live(n10, 2);
        route_adj(20, NBR_DT, true);
        route_adj(30, NBR_DT, true);
        route_dt_event(30, true);
        CHECK_EQ(floods, 1);
        advance(0);
        CHECK_EQ(floods, 2);
        CHECK_EQ(flooded.n, 2);
        CHECK_EQ(flooded.nbrs[0].addr, 20);
        CHECK_EQ(flooded.nbrs[1].addr, 30);

        f  = floods;
        rc = routes_changed;
        rcv(20, 20, n20, 2);
        CHECK_EQ(floods, f + 1);          /* flooded on ... */
        CHECK_EQ(flood_except, 20);       /* ... not back */
        rcv(30, 30, n30, 2);
        rcv(20, 40, n40, 3);
        rcv(20, 50, n50, 1);
        CHECK_EQ(floods, f + 4);
        CHECK_EQ(routes_changed, rc);     /* not yet: coalescing */
        advance(10);
        CHECK_EQ(routes_changed, rc + 1); /* one computation */
}

static void test_link_state(void)
{
        static const uint64_t only30[] = { 30 };
        static const uint64_t n50[]    = { 40 };
        static uint8_t        junk[]   = { 1, 0, 0, 9, 0, 0 };
        uint32_t              seq;
        int                   f;
        int                   rc;

        start("link_state");

        CHECK_EQ(route_next_hop(20, 1), 20);
        CHECK_EQ(route_next_hop(30, 1), 30);
        CHECK_EQ(route_next_hop(40, 1), 20);  /* tie: lowest address */
        CHECK_EQ(route_next_hop(50, 7), 20);
        CHECK_EQ(route_next_hop(60, 1), 0);   /* unknown */
        CHECK_EQ(stat_of("route.50"), 20);
        CHECK_EQ(stat_of("link.40.50"), 1);
        CHECK_EQ(stat_of("route.nodes"), 5);

        /* a duplicate, a replay, garbage: not flooded, counted */
        f = floods;
        --seqs[50];
        rcv(40, 50, n50, 1);                  /* the same seqno again */
        seqs[50] -= 2;
        rcv(40, 50, n50, 1);                  /* an older one */
        seqs[50] += 2;
        route_rcv_lsa(40, junk, sizeof(junk));
        route_rcv_lsa(40, junk, 0);
        CHECK_EQ(floods, f);
        CHECK_EQ(stat_of("route.lsa_dup_or_old"), 2);
        CHECK_EQ(stat_of("route.lsa_bogus"), 2);

        /* 20 fails: with link_state no next hop until the table is new */
        nbr_down = 20;
        CHECK_EQ(route_next_hop(40, 1), 0);
        set_live(only30, 1);
        rc  = routes_changed;
        seq = (uint32_t) stat_of("route.seqno");
        route_dt_event(20, false);
        advance(0);
        CHECK_EQ(flooded.origin, SELF);
        CHECK_EQ(flooded.n, 1);
        CHECK_EQ(flooded.seqno, seq + 1);
        advance(10);
        CHECK_EQ(routes_changed, rc + 1);
        CHECK_EQ(route_next_hop(40, 1), 30);
        CHECK_EQ(route_next_hop(50, 1), 30);
        CHECK_EQ(route_next_hop(20, 1), 30);  /* around, via 40 */
        CHECK_EQ(stat_of("route.change_to_table_ms_last") <= 10, 1);

        /* our own LSA from before a restart comes back newer */
        f   = floods;
        seq = flooded.seqno;
        seqs[SELF] = seq + 100;
        rcv(30, SELF, only30, 1);
        CHECK_EQ(floods, f + 1);
        CHECK_EQ(flooded.origin, SELF);
        CHECK_EQ(flooded.seqno, seq + 102); /* past the one received */

        /* a new management neighbour gets the whole database */
        memset(sent, 0, sizeof(sent));
        route_adj(30, NBR_MGMT, true);
        CHECK_EQ(sent[30], 5);

        /* refreshed every ls_t_update, the same content */
        f = floods;
        rc = routes_changed;
        advance(15000);
        CHECK(floods >= f + 1);
        CHECK_EQ(flooded.origin, SELF);
        CHECK_EQ(flooded.n, 1);

        route_fini();
}

static void test_lfa(void)
{
        start("lfa");

        CHECK_EQ(route_next_hop(40, 1), 20);
        CHECK_EQ(stat_of("route.alt.40"), 30);

        /* 20 fails: the alternate at once, no LSA, no computation */
        nbr_down = 20;
        CHECK_EQ(route_next_hop(40, 1), 30);
        CHECK_EQ(route_next_hop(50, 1), 30);

        route_fini();
}

static void test_ecmp(void)
{
        int      n20 = 0;
        int      n30 = 0;
        uint64_t k;
        uint64_t nh;

        start("ecmp");

        for (k = 16; k < 16 + 64; ++k) {
                nh = route_next_hop(50, k);
                CHECK(nh == 20 || nh == 30);
                n20 += nh == 20;
                n30 += nh == 30;
                CHECK_EQ(route_next_hop(50, k), nh);  /* per flow */
        }
        CHECK(n20 > 8 && n30 > 8);
        CHECK_EQ(stat_of("route.paths.50"), 2);

        nbr_down = 30;
        for (k = 16; k < 16 + 16; ++k)
                CHECK_EQ(route_next_hop(50, k), 20);

        route_fini();
}

int main(void)
{
        test_link_state();
        test_lfa();
        test_ecmp();

        printf("test_route: %d checks passed\n", (int) check_passed);

        return 0;
}
