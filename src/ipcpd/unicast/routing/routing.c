/*
 * Ouroboros - the routing facade (routing.h): policy lookup by name,
 * the computation context, and the shortest-path table fill that every
 * policy starts from.
 */
#include "pol.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const struct {
        const char *               name;
        const struct routing_ops * ops;
} policies[] = {
        { "link_state", &routing_link_state },
        { "link-state", &routing_link_state },
        { "lfa",        &routing_lfa        },
        { "ecmp",       &routing_ecmp       },
};

static const struct routing_ops * find_ops(const char * name)
{
        size_t i;

        if (name == NULL)
                return NULL;

        for (i = 0; i < sizeof(policies) / sizeof(policies[0]); ++i)
                if (strcmp(policies[i].name, name) == 0)
                        return policies[i].ops;

        return NULL;
}

const char * routing_policy(const char * name)
{
        const struct routing_ops * ops = find_ops(name);

        return ops == NULL ? NULL : ops->name;
}

int routing_create(struct routing ** r,
                   const char *      policy,
                   size_t            max_nh)
{
        const struct routing_ops * ops = find_ops(policy);
        struct routing *           c;

        if (ops == NULL || max_nh > FWD_NH_MAX)
                return -EINVAL;

        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return -ENOMEM;

        c->ops    = ops;
        c->max_nh = max_nh == 0 ? FWD_NH_MAX : max_nh;
        *r        = c;

        return 0;
}

void routing_destroy(struct routing * r)
{
        if (r == NULL)
                return;

        spf_fini(&r->spf);
        spf_fini(&r->nspf);
        free(r->prim);
        free(r->alt);
        free(r->cost);
        free(r->prot);
        free(r);
}

const char * routing_name(const struct routing * r)
{
        return r->ops->name;
}

int routing_fill_sp(struct routing *     r,
                    const struct graph * g,
                    size_t               src,
                    size_t               max_nh,
                    struct fwd_table *   t)
{
        size_t base = g->off[src];
        size_t deg  = g->off[src + 1] - base;
        size_t v;
        int    ret;

        ret = spf_run(&r->spf, g, src, true);
        if (ret < 0)
                return ret;

        t->n = 0;
        for (v = 0; v < g->n; ++v) {
                const uint64_t *   nh = spf_nh(&r->spf, v);
                struct fwd_entry * e;
                size_t             j;

                if (v == src || r->spf.dist[v] == GRAPH_INF)
                        continue;

                e       = &t->e[t->n++];
                e->dst  = g->addr[v];
                e->dist = r->spf.dist[v];
                e->alt  = 0;
                e->n    = 0;
                for (j = 0; j < deg && e->n < max_nh; ++j)
                        if (nh[j / 64] >> (j % 64) & 1)
                                e->nh[e->n++] = g->addr[g->edges[base + j].to];
        }

        return 0;
}

int routing_compute_graph(struct routing *     r,
                          const struct graph * g,
                          uint64_t             self,
                          struct fwd_table **  t)
{
        struct fwd_table * tab;
        ssize_t            src;
        int                ret;

        tab = fwd_table_alloc(g->n);
        if (tab == NULL)
                return -ENOMEM;
        tab->self = self;

        src = graph_find(g, self);
        if (src >= 0) {
                ret = r->ops->compute(r, g, (size_t) src, tab);
                if (ret < 0) {
                        fwd_table_free(tab);
                        return ret;
                }
        }

        *t = tab;

        return (int) tab->n;
}

int routing_compute(struct routing *    r,
                    const struct lsdb * db,
                    uint64_t            self,
                    uint64_t            now,
                    struct fwd_table ** t)
{
        struct graph * g;
        int            ret;

        ret = graph_build(&g, db, now);
        if (ret < 0)
                return ret;

        ret = routing_compute_graph(r, g, self, t);
        if (ret >= 0)
                (*t)->gen = lsdb_gen(db);

        graph_destroy(g);

        return ret;
}
