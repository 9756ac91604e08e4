/*
 * Ouroboros - routing policy link_state: one next hop per destination,
 * on a shortest path (ties to the lowest neighbour address).
 */
#include "pol.h"

static int ls_compute(struct routing *     r,
                      const struct graph * g,
                      size_t               src,
                      struct fwd_table *   t)
{
        return routing_fill_sp(r, g, src, 1, t);
}

const struct routing_ops routing_link_state = {
        .name    = "link_state",
        .compute = ls_compute
};
