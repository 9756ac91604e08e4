/*
 * Ouroboros - routing policy lfa: the link_state next hop plus a
 * loop-free alternate per destination (RFC 5286, basic LFA).
 *
 * For source S, destination D and primary next hop P, a neighbour N
 * is loop-free when dist(N, D) < dist(N, S) + dist(S, D): N's own
 * shortest path to D does not come back through S. It also protects
 * the node P when dist(N, D) < dist(N, P) + dist(P, D). One Dijkstra
 * from each neighbour gives dist(N, .); dist(P, D) is dist(S, D) minus
 * the metric of S-P, as P starts a shortest path from S to D.
 *
 * Choice among the loop-free ones: node-protecting first, then the
 * lowest cost metric(S, N) + dist(N, D), then the lowest address (the
 * neighbours are tried in address order and only a better one
 * replaces the one kept).
 */
#include "pol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct routing * r,
                   size_t           n)
{
        void * p;

        if (n <= r->cap)
                return 0;

        p = realloc(r->prim, n * sizeof(*r->prim));
        if (p == NULL)
                return -ENOMEM;
        r->prim = p;
        p = realloc(r->alt, n * sizeof(*r->alt));
        if (p == NULL)
                return -ENOMEM;
        r->alt = p;
        p = realloc(r->cost, n * sizeof(*r->cost));
        if (p == NULL)
                return -ENOMEM;
        r->cost = p;
        p = realloc(r->prot, n * sizeof(*r->prot));
        if (p == NULL)
                return -ENOMEM;
        r->prot = p;
        r->cap  = n;

        return 0;
}

/* The primary's edge (index from the source's first) of every
 * destination: the lowest bit of its next-hop set. */
static void primaries(struct routing *     r,
                      const struct graph * g,
                      size_t               src,
                      size_t               deg)
{
        size_t v;
        size_t j;

        for (v = 0; v < g->n; ++v) {
                const uint64_t * nh = spf_nh(&r->spf, v);

                r->prim[v] = UINT32_MAX;
                r->alt[v]  = 0;
                r->cost[v] = GRAPH_INF;
                r->prot[v] = 0;
                if (v == src || r->spf.dist[v] == GRAPH_INF)
                        continue;
                for (j = 0; j < deg; ++j) {
                        if (nh[j / 64] >> (j % 64) & 1) {
                                r->prim[v] = (uint32_t) j;
                                break;
                        }
                }
        }
}

/* Offer neighbour j (metric c from the source) as the
 * alternate of every destination; r->nspf holds dist(nb, .). */
static void offer(struct routing *     r,
                  const struct graph * g,
                  size_t               src,
                  size_t               j,
                  uint64_t             c)
{
        const uint64_t * ds   = r->spf.dist;
        const uint64_t * dn   = r->nspf.dist;
        size_t           base = g->off[src];
        size_t           v;

        for (v = 0; v < g->n; ++v) {
                const struct graph_edge * pe;
                uint64_t                  cost;
                uint8_t                   prot;

                if (r->prim[v] == UINT32_MAX || r->prim[v] == j)
                        continue;
                if (dn[v] == GRAPH_INF || dn[v] >= dn[src] + ds[v])
                        continue;  /* not loop-free */

                pe   = &g->edges[base + r->prim[v]];
                prot = pe->to != v && dn[pe->to] != GRAPH_INF &&
                        dn[v] < dn[pe->to] + (ds[v] - pe->metric);
                cost = c + dn[v];
                if (prot < r->prot[v] ||
                    (prot == r->prot[v] && cost >= r->cost[v]))
                        continue;
                r->alt[v]  = (uint32_t) (j + 1);
                r->cost[v] = cost;
                r->prot[v] = prot;
        }
}

static int lfa_compute(struct routing *     r,
                       const struct graph * g,
                       size_t               src,
                       struct fwd_table *   t)
{
        size_t base = g->off[src];
        size_t deg  = g->off[src + 1] - base;
        size_t j;
        size_t v;
        size_t k = 0;
        int    ret;

        ret = routing_fill_sp(r, g, src, 1, t);
        if (ret < 0)
                return ret;

        ret = reserve(r, g->n);
        if (ret < 0)
                return ret;

        primaries(r, g, src, deg);

        for (j = 0; j < deg; ++j) {
                const struct graph_edge * e = &g->edges[base + j];

                ret = spf_run(&r->nspf, g, e->to, false);
                if (ret < 0)
                        return ret;
                offer(r, g, src, j, e->metric);
        }

        /* t's entries are the reachable destinations in node order. */
        for (v = 0; v < g->n; ++v) {
                if (r->prim[v] == UINT32_MAX)
                        continue;
                if (r->alt[v] != 0)
                        t->e[k].alt = g->addr[g->edges[base + r->alt[v] - 1].to];
                ++k;
        }

        return 0;
}

const struct routing_ops routing_lfa = {
        .name    = "lfa",
        .compute = lfa_compute
};
