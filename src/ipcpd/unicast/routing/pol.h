/*
 * Ouroboros - what the routing policies (link_state.c, lfa.c, ecmp.c)
 * share with the routing facade (routing.c): the ops table of a policy
 * and the context it computes in. Internal to the routing library.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_POL_H
#define OUROBOROS_IPCPD_UNICAST_POL_H

#include "routing.h"

struct routing {
        const struct routing_ops * ops;
        size_t                     max_nh;
        struct spf                 spf;   /* from the source */
        struct spf                 nspf;  /* from a neighbour (lfa) */
        /* lfa, per destination: the primary's edge, the best
         * alternate's edge + 1 (0: none), its cost, node protection */
        uint32_t *                 prim;
        uint32_t *                 alt;
        uint64_t *                 cost;
        uint8_t *                  prot;
        size_t                     cap;   /* of the four above */
};

struct routing_ops {
        const char * name;
        /* Fill t (room for g->n entries) with the paths from src. */
        int       (* compute)(struct routing *     r,
                              const struct graph * g,
                              size_t               src,
                              struct fwd_table *   t);
};

extern const struct routing_ops routing_link_state;
extern const struct routing_ops routing_lfa;
extern const struct routing_ops routing_ecmp;

/* Shortest paths from src into t: per reachable destination, the
 * first max_nh next hops (lowest addresses) of its equal-cost set. */
int routing_fill_sp(struct routing *     r,
                    const struct graph * g,
                    size_t               src,
                    size_t               max_nh,
                    struct fwd_table *   t);

#endif /* OUROBOROS_IPCPD_UNICAST_POL_H */
