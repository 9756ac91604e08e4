/*
 * Ouroboros - routing policy ecmp: every neighbour that starts a
 * shortest path to a destination (up to the context's max_nh, lowest
 * addresses first); the data path spreads flows over them (fwd_pick).
 */
#include "pol.h"

static int ecmp_compute(struct routing *     r,
                        const struct graph * g,
                        size_t               src,
                        struct fwd_table *   t)
{
        return routing_fill_sp(r, g, src, r->max_nh, t);
}

const struct routing_ops routing_ecmp = {
        .name    = "ecmp",
        .compute = ecmp_compute
};
