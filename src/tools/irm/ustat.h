/*
 * Ouroboros - irm: a unicast IPCP's stat answer as people read it.
 *
 * A unicast member answers M_IPCP_STAT with counters and, by name, its
 * tables (src/ipcpd/unicast/uni.h, "stat"):
 *
 *   address           its address
 *   nbr.dt.<a>        an adjacency of component dt to address a (1 up)
 *   nbr.mgmt.<a>      the same for mgmt
 *   route.<d>         the next hop toward d
 *   route.alt.<d>     its loop-free alternate (routing lfa)
 *   route.paths.<d>   how many equal-cost next hops (routing ecmp)
 *   dir.<hash>        an address a name's hash (hex; the whole hash or
 *                     its first bytes, 16 hex digits at least) maps to;
 *                     one entry per address
 *   link.<a>.<b>      a link a -> b of the link-state database: metric
 *
 * Addresses are written in decimal. A name that only looks like one of
 * these (route.computations, dir.lookups) is a counter: a table key is
 * an address (digits) or, for dir, a hash (16 hex digits or more).
 *
 * Pure functions over the entries, so the unit test drives them with
 * answers made by hand; layer.c and ipcp_run.c call them.
 */
#ifndef OUROBOROS_IRM_USTAT_H
#define OUROBOROS_IRM_USTAT_H

#include <ouroboros/irm.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum ustat_kind {
        US_COUNTER = 0,
        US_ADDRESS,
        US_NBR_DT,
        US_NBR_MGMT,
        US_ROUTE,
        US_ROUTE_ALT,
        US_ROUTE_PATHS,
        US_DIR,
        US_LINK
};

/* What entry e is; for tables, its key(s): *a the address (nbr, route,
 * link's source), *b the link's destination, *key the hash of dir.
 * a, b, key may be NULL. */
enum ustat_kind ustat_kind(const struct ipcp_stat_entry * e,
                           uint64_t *                     a,
                           uint64_t *                     b,
                           const char **                  key);

/* Print a unicast member's answer: the address, then the tables
 * (neighbours, routes with their alternates and path counts, directory,
 * links), each sorted, then the other
 * counters in the IPCP's order. Returns 0 or -ENOMEM. */
int ustat_print(FILE *                         f,
                const struct ipcp_stat_entry * st,
                size_t                         n);

/* Print the layer's topology as Graphviz DOT (an undirected graph):
 * one node per address named in the links (the member itself, named
 * ipcp, highlighted), one edge per pair of members with a link either
 * way: labelled with the metric ("a/b" when the two ways differ),
 * dashed when only one way is advertised; adjacencies of the member
 * that no link shows yet are drawn dotted. 0 or -ENOMEM. */
int ugraph_print(FILE *                         f,
                 const char *                   layer,
                 const char *                   ipcp,
                 const struct ipcp_stat_entry * st,
                 size_t                         n);

#endif /* OUROBOROS_IRM_USTAT_H */
