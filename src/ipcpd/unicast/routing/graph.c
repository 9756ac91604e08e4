/*
 * Ouroboros - building the routing graph from the link-state database
 * (graph.h). Two passes over the live origins: collect and sort them by
 * address, then keep each advertised adjacency whose far end is live
 * and advertises it back (binary searches in sorted lists, so
 * O(E log N) in all).
 */
#include "graph.h"
#include "search.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(offsetof(struct lsa_nbr, addr) == 0,
               "lists() searches neighbours by their first field");

struct collect {
        struct lsdb_entry * e;
        size_t              n;
};

static int collect_fn(const struct lsdb_entry * e,
                      void *                    arg)
{
        struct collect * c = arg;

        c->e[c->n++] = *e;

        return 0;
}

static int cmp_entry(const void * a,
                     const void * b)
{
        const struct lsdb_entry * x = a;
        const struct lsdb_entry * y = b;

        return x->origin < y->origin ? -1 : x->origin > y->origin;
}

static ssize_t find_in(const uint64_t * addr,
                       size_t           n,
                       uint64_t         a)
{
        size_t i = search_u64(addr, n, sizeof(*addr), a);

        return i < n ? (ssize_t) i : -ENOENT;
}

/* Does e list a among its (sorted) neighbours? */
static bool lists(const struct lsdb_entry * e,
                  uint64_t                  a)
{
        return search_u64(e->nbrs, e->n, sizeof(e->nbrs[0]), a) < e->n;
}

ssize_t graph_find(const struct graph * g,
                   uint64_t             addr)
{
        return find_in(g->addr, g->n, addr);
}

static struct graph * alloc_graph(size_t n,
                                  size_t m)
{
        struct graph * g = calloc(1, sizeof(*g));

        if (g == NULL)
                return NULL;

        g->addr  = malloc((n + 1) * sizeof(*g->addr));
        g->off   = malloc((n + 1) * sizeof(*g->off));
        g->edges = malloc((m + 1) * sizeof(*g->edges));
        if (g->addr == NULL || g->off == NULL || g->edges == NULL) {
                graph_destroy(g);
                return NULL;
        }

        return g;
}

int graph_build(struct graph **     out,
                const struct lsdb * db,
                uint64_t            now)
{
        struct lsdb_stats st;
        struct collect    c;
        struct graph *    g;
        size_t            m = 0;
        size_t            i;
        size_t            j;

        lsdb_stats(db, &st);
        c.n = 0;
        c.e = malloc((st.nodes + 1) * sizeof(*c.e));
        if (c.e == NULL)
                return -ENOMEM;
        lsdb_foreach(db, now, collect_fn, &c);
        qsort(c.e, c.n, sizeof(*c.e), cmp_entry);

        for (i = 0; i < c.n; ++i)
                m += c.e[i].n;  /* an upper bound */

        g = alloc_graph(c.n, m);
        if (g == NULL) {
                free(c.e);
                return -ENOMEM;
        }

        g->n = c.n;
        for (i = 0; i < c.n; ++i)
                g->addr[i] = c.e[i].origin;

        for (i = 0; i < c.n; ++i) {
                g->off[i] = g->m;
                for (j = 0; j < c.e[i].n; ++j) {
                        const struct lsa_nbr * nb = &c.e[i].nbrs[j];
                        ssize_t                k;

                        k = find_in(g->addr, g->n, nb->addr);
                        if (k < 0 || !lists(&c.e[k], c.e[i].origin))
                                continue;
                        g->edges[g->m].to     = (uint32_t) k;
                        g->edges[g->m].metric = nb->metric;
                        ++g->m;
                }
        }
        g->off[c.n] = g->m;

        free(c.e);
        *out = g;

        return 0;
}

void graph_destroy(struct graph * g)
{
        if (g == NULL)
                return;

        free(g->addr);
        free(g->off);
        free(g->edges);
        free(g);
}
