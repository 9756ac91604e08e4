/*
 * Ouroboros - the routing core of the unicast IPCP: from the link-state
 * database (lsdb.h) to a forwarding table (fwd.h), by one of the
 * routing policies the layer was bootstrapped with:
 *
 *   link_state  (also spelled link-state) one next hop per destination,
 *               on a shortest path; ties to the lowest address
 *   lfa         the same primary next hop, plus a loop-free alternate
 *               (RFC 5286): a neighbour N other than the primary with
 *               dist(N, D) < dist(N, S) + dist(S, D), so a packet S
 *               hands to N does not come back. Node-protecting ones
 *               (dist(N, D) < dist(N, P) + dist(P, D), P the primary)
 *               first, then the cheapest path S-N-D, then the lowest
 *               address
 *   ecmp        every next hop that starts a shortest path (up to
 *               max_nh, lowest addresses first)
 *
 * Costs: one Dijkstra for link_state and ecmp, one more per neighbour
 * of the source for lfa; building the graph is O(E log N).
 *
 * A struct routing holds the scratch memory of the computation: one per
 * routing thread, not thread-safe. The tables it returns are the
 * caller's (publish them with fwd_publish, or fwd_table_free).
 */
#ifndef OUROBOROS_IPCPD_UNICAST_ROUTING_H
#define OUROBOROS_IPCPD_UNICAST_ROUTING_H

#include "fwd.h"
#include "graph.h"
#include "lsdb.h"

struct routing;

/* The canonical name of a policy given by a user (link_state for
 * link-state too), or NULL if there is no such policy. */
const char * routing_policy(const char * name);

/* A routing context for policy; max_nh bounds ecmp's next hops
 * (1..FWD_NH_MAX, 0: FWD_NH_MAX; ignored by the others). Returns 0,
 * -EINVAL (unknown policy, max_nh too large) or -ENOMEM. */
int          routing_create(struct routing ** r,
                            const char *      policy,
                            size_t            max_nh);

void         routing_destroy(struct routing * r);

/* The canonical name of r's policy. */
const char * routing_name(const struct routing * r);

/* Compute self's table over db's graph at now (lsdb_expire first, so
 * that gone members are out). Returns the number of destinations (0
 * when self is not in the graph: no live LSA of its own) with the
 * table in *t, or -ENOMEM. */
int          routing_compute(struct routing *    r,
                             const struct lsdb * db,
                             uint64_t            self,
                             uint64_t            now,
                             struct fwd_table ** t);

/* The same over a graph already built (to build it once for several
 * policies, or to time the paths alone). */
int          routing_compute_graph(struct routing *     r,
                                   const struct graph * g,
                                   uint64_t             self,
                                   struct fwd_table **  t);

#endif /* OUROBOROS_IPCPD_UNICAST_ROUTING_H */
