/*
 * Ouroboros - the layer's graph as the routing policies see it, built
 * from the link-state database, and shortest paths over it (Dijkstra
 * with an indexed binary heap, O((N + E) log N)).
 *
 * An adjacency counts only when both ends advertise it (the
 * bidirectional check): a member that lists a neighbour which does not
 * list it back, or which has no live LSA, gets no edge to it. Each
 * direction keeps the metric its own end advertised, so paths may be
 * asymmetric.
 *
 * Nodes are numbered 0..n-1 in increasing address order and a node's
 * edges are in increasing order of the neighbour's address, so
 * everything computed from a graph is deterministic: ties between
 * equal-cost paths are broken towards the lower address.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_GRAPH_H
#define OUROBOROS_IPCPD_UNICAST_GRAPH_H

#include "lsdb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GRAPH_INF  UINT64_MAX

struct graph_edge {
        uint32_t to;
        uint32_t metric;
};

struct graph {
        size_t              n;      /* nodes */
        size_t              m;      /* directed edges */
        uint64_t *          addr;   /* [n], increasing */
        size_t *            off;    /* [n + 1]: edges of i at off[i].. */
        struct graph_edge * edges;  /* [m] */
};

/* Build the graph of db's live origins at now. Returns 0 and the graph
 * in *g, or -ENOMEM. */
int     graph_build(struct graph **     g,
                    const struct lsdb * db,
                    uint64_t            now);

void    graph_destroy(struct graph * g);

/* The index of addr, or -ENOENT. */
ssize_t graph_find(const struct graph * g,
                   uint64_t             addr);

/*
 * Shortest paths from one node. Scratch memory that lives across runs
 * (one per routing thread): spf_run sizes it to the graph.
 *
 * With next hops, nh(v) is the set of the source's edges (bit j: the
 * j-th edge of the source, off[src] + j) that start a shortest path to
 * v: every equal-cost first hop, for ecmp and for the tie-breaking of
 * the single-path policies.
 */
struct spf {
        size_t     cap;     /* nodes the buffers hold */
        size_t     words;   /* 64-bit words per next-hop set */
        size_t     nh_cap;  /* words the nh buffer holds */
        uint64_t * dist;    /* [n]; GRAPH_INF: unreachable */
        uint64_t * nh;      /* [n * words] */
        uint32_t * heap;
        uint32_t * pos;     /* heap position + 1; 0: not in the heap */
};

/* Run from src (an index); with_nh fills nh. Returns 0 or -ENOMEM. */
int     spf_run(struct spf *         s,
                const struct graph * g,
                size_t               src,
                bool                 with_nh);

/* The next-hop set of v after a run with next hops. */
static inline const uint64_t * spf_nh(const struct spf * s,
                                      size_t             v)
{
        return s->nh + v * s->words;
}

void    spf_fini(struct spf * s);

#endif /* OUROBOROS_IPCPD_UNICAST_GRAPH_H */
