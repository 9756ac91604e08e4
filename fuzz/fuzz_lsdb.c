/*
 * Ouroboros - libFuzzer target for the unicast routing core: a script
 * of LSAs (made up from a few bytes each, or raw bytes through the
 * decoder), clock steps and expiries fed to a small link-state
 * database (16 addresses, room for 12), with routes computed by every
 * policy between steps.
 *
 * Oracle: the database never holds more than its bound; every table is
 * sorted, names only reachable destinations other than the source,
 * with next hops that are distinct neighbours of the source and an
 * alternate that is not the primary; and its distances are the ones
 * Bellman-Ford finds over the adjacencies both ends advertise (read
 * back with lsdb_foreach), the same under all three policies.
 *
 * Sources: src/ipcpd/unicast/routing/lsa.c src/ipcpd/unicast/routing/lsdb.c src/ipcpd/unicast/routing/graph.c src/ipcpd/unicast/routing/spf.c src/ipcpd/unicast/routing/fwd.c src/ipcpd/unicast/routing/routing.c src/ipcpd/unicast/routing/link_state.c src/ipcpd/unicast/routing/lfa.c src/ipcpd/unicast/routing/ecmp.c
 */
#include "ipcpd/unicast/routing/routing.h"
#include "fuzz_input.h"

#include <stdlib.h>
#include <string.h>

#define ADDRS  16
#define MAXN   12
#define INF    UINT64_MAX

static struct lsa l;

/* The reference's picture: the live origins and their lists. */
struct ref {
        size_t            n;
        struct lsdb_entry e[MAXN];
        uint64_t          d[MAXN];
};

static int collect_fn(const struct lsdb_entry * e,
                      void *                    arg)
{
        struct ref * r = arg;

        if (r->n >= MAXN)
                abort();
        r->e[r->n++] = *e;
        return 0;
}

/* The metric a advertises towards b's origin, 0: none. */
static uint32_t metric(const struct lsdb_entry * a,
                       const struct lsdb_entry * b)
{
        size_t i;

        for (i = 0; i < a->n; ++i)
                if (a->nbrs[i].addr == b->origin)
                        return a->nbrs[i].metric;
        return 0;
}

/* Bellman-Ford from src over the adjacencies both ends advertise. */
static void reference(const struct lsdb * db,
                      uint64_t            now,
                      uint64_t            src,
                      struct ref *        r)
{
        size_t i;
        size_t a;
        size_t b;

        r->n = 0;
        lsdb_foreach(db, now, collect_fn, r);
        for (i = 0; i < r->n; ++i)
                r->d[i] = r->e[i].origin == src ? 0 : INF;
        for (i = 0; i < r->n; ++i)
                for (a = 0; a < r->n; ++a)
                        for (b = 0; b < r->n; ++b) {
                                uint32_t m = metric(&r->e[a], &r->e[b]);
                                if (r->d[a] != INF && m != 0 &&
                                    metric(&r->e[b], &r->e[a]) != 0 &&
                                    r->d[a] + m < r->d[b])
                                        r->d[b] = r->d[a] + m;
                        }
}

static uint64_t ref_dist(const struct ref * r,
                         uint64_t           addr)
{
        size_t i;

        for (i = 0; i < r->n; ++i)
                if (r->e[i].origin == addr)
                        return r->d[i];
        return INF;
}

static void check_table(const struct fwd_table * t,
                        const struct graph *     g,
                        const struct ref *       ref,
                        uint64_t                 src)
{
        ssize_t s = graph_find(g, src);
        size_t  i;
        size_t  j;
        size_t  k;

        for (i = 0; i < t->n; ++i) {
                const struct fwd_entry * e = &t->e[i];

                if (s < 0)
                        abort();
                if (i > 0 && e->dst <= t->e[i - 1].dst)
                        abort();
                if (e->dst == src || e->n == 0 || e->n > FWD_NH_MAX)
                        abort();
                if (e->dist != ref_dist(ref, e->dst))
                        abort();
                if (e->alt != 0 && e->alt == e->nh[0])
                        abort();
                for (j = 0; j < e->n; ++j) {
                        bool nb = false;
                        for (k = g->off[s]; k < g->off[s + 1]; ++k)
                                nb |= g->addr[g->edges[k].to] == e->nh[j];
                        if (!nb || (j > 0 && e->nh[j] <= e->nh[j - 1]))
                                abort();
                }
        }
        for (i = 0, j = 0; i < ref->n; ++i)
                j += ref->e[i].origin != src && ref->d[i] != INF;
        if (j != t->n)
                abort();
}

static void route(const struct lsdb * db,
                  uint64_t            now,
                  uint64_t            src)
{
        static const char * pol[] = { "link_state", "lfa", "ecmp" };
        struct ref          ref;
        struct graph *      g;
        size_t              p;

        reference(db, now, src, &ref);
        if (graph_build(&g, db, now) < 0)
                return;
        for (p = 0; p < 3; ++p) {
                struct routing *   r;
                struct fwd_table * t;

                if (routing_create(&r, pol[p], 2) < 0)
                        abort();
                if (routing_compute_graph(r, g, src, &t) >= 0) {
                        check_table(t, g, &ref, src);
                        fwd_table_free(t);
                }
                routing_destroy(r);
        }
        graph_destroy(g);
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        struct lsdb_cfg   cfg = { .max_nodes = MAXN, .hold = 1000 };
        struct input      in  = { data, size };
        struct lsdb *     db;
        struct lsdb_stats st;
        uint64_t          now = 0;

        if (lsdb_create(&db, &cfg) < 0)
                return 0;

        while (in.n > 0) {
                size_t i;
                size_t len;

                switch (take(&in, 1) % 5) {
                case 0:  /* a made-up LSA, sorted, maybe bogus */
                        memset(&l, 0, sizeof(l));
                        l.origin   = take(&in, 1) % (ADDRS + 1);
                        l.seqno    = (uint32_t) take(&in, 1) << 24 |
                                (uint32_t) take(&in, 1);
                        l.lifetime = (uint32_t) take(&in, 2);
                        l.n        = (uint16_t) (take(&in, 1) % 8);
                        if (l.lifetime == 0 && take(&in, 1) & 1)
                                l.n = 0;
                        for (i = 0; i < l.n; ++i) {
                                l.nbrs[i].addr   = take(&in, 1) % (ADDRS + 1);
                                l.nbrs[i].metric = (uint32_t) take(&in, 1);
                        }
                        lsa_sort(&l);
                        lsdb_update(db, &l, now);
                        break;
                case 1:  /* raw bytes through the decoder */
                        len = take(&in, 1);
                        if (len > in.n)
                                len = in.n;
                        if (lsa_parse(in.p, len, &l) == 0)
                                lsdb_update(db, &l, now);
                        in.p += len;
                        in.n -= len;
                        break;
                case 2:
                        now += take(&in, 2);
                        break;
                case 3:
                        lsdb_expire(db, now);
                        break;
                default:
                        route(db, now, take(&in, 1) % (ADDRS + 1));
                        break;
                }
                lsdb_stats(db, &st);
                if (st.nodes + st.tombstones > MAXN)
                        abort();
        }

        lsdb_destroy(db);

        return 0;
}
