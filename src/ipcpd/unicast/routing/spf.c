/*
 * Ouroboros - Dijkstra's shortest paths over the routing graph
 * (graph.h), with an indexed binary min-heap on the distance so a
 * shorter path found later moves its node up in place (decrease-key)
 * instead of adding a second copy.
 *
 * Next-hop sets: a node first reached from the source gets the bit of
 * that edge; a node reached through u gets u's set; a path as short as
 * the best one known adds its set (union). With positive metrics a node
 * leaves the heap only after every node closer than it, so the set it
 * passes on is final.
 */
#include "graph.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct spf * s,
                   size_t       n,
                   size_t       words,
                   bool         with_nh)
{
        if (n > s->cap) {
                uint64_t * dist = realloc(s->dist, n * sizeof(*dist));
                if (dist == NULL)
                        return -ENOMEM;
                s->dist = dist;
                uint32_t * heap = realloc(s->heap, n * sizeof(*heap));
                if (heap == NULL)
                        return -ENOMEM;
                s->heap = heap;
                uint32_t * pos = realloc(s->pos, n * sizeof(*pos));
                if (pos == NULL)
                        return -ENOMEM;
                s->pos = pos;
                s->cap = n;
        }

        s->words = words;
        if (with_nh && n * words > s->nh_cap) {
                uint64_t * nh = realloc(s->nh, n * words * sizeof(*nh));
                if (nh == NULL)
                        return -ENOMEM;
                s->nh     = nh;
                s->nh_cap = n * words;
        }

        return 0;
}

static void heap_set(struct spf * s,
                     size_t       i,
                     uint32_t     v)
{
        s->heap[i] = v;
        s->pos[v]  = (uint32_t) (i + 1);
}

static void sift_up(struct spf * s,
                    size_t       i)
{
        uint32_t v = s->heap[i];

        while (i > 0) {
                size_t p = (i - 1) / 2;
                if (s->dist[s->heap[p]] <= s->dist[v])
                        break;
                heap_set(s, i, s->heap[p]);
                i = p;
        }
        heap_set(s, i, v);
}

static void sift_down(struct spf * s,
                      size_t       len,
                      size_t       i)
{
        uint32_t v = s->heap[i];

        for (;;) {
                size_t c = 2 * i + 1;
                if (c >= len)
                        break;
                if (c + 1 < len && s->dist[s->heap[c + 1]] < s->dist[s->heap[c]])
                        ++c;
                if (s->dist[s->heap[c]] >= s->dist[v])
                        break;
                heap_set(s, i, s->heap[c]);
                i = c;
        }
        heap_set(s, i, v);
}

int spf_run(struct spf *         s,
            const struct graph * g,
            size_t               src,
            bool                 with_nh)
{
        size_t deg   = g->off[src + 1] - g->off[src];
        size_t words = deg / 64 + 1;
        size_t len   = 0;
        size_t i;
        int    ret;

        ret = reserve(s, g->n, words, with_nh);
        if (ret < 0)
                return ret;

        for (i = 0; i < g->n; ++i)
                s->dist[i] = GRAPH_INF;
        memset(s->pos, 0, g->n * sizeof(*s->pos));
        if (with_nh)
                memset(s->nh, 0, g->n * words * sizeof(*s->nh));

        s->dist[src] = 0;
        heap_set(s, len++, (uint32_t) src);

        while (len > 0) {
                uint32_t u = s->heap[0];
                size_t   e;

                s->pos[u] = 0;
                if (--len > 0) {
                        s->heap[0] = s->heap[len];
                        sift_down(s, len, 0);
                }

                for (e = g->off[u]; e < g->off[u + 1]; ++e) {
                        uint32_t v = g->edges[e].to;
                        uint64_t d = s->dist[u] + g->edges[e].metric;
                        uint64_t * nv;
                        size_t     w;

                        if (d > s->dist[v])
                                continue;
                        nv = with_nh ? s->nh + (size_t) v * words : NULL;
                        if (d < s->dist[v]) {
                                bool fresh = s->dist[v] == GRAPH_INF;
                                s->dist[v] = d;
                                if (fresh)
                                        heap_set(s, len++, v);
                                sift_up(s, s->pos[v] - 1);
                                if (nv != NULL)
                                        memset(nv, 0, words * sizeof(*nv));
                        }
                        if (nv == NULL)
                                continue;
                        if (u == src) {
                                size_t j = e - g->off[src];
                                nv[j / 64] |= 1ULL << (j % 64);
                        } else {
                                const uint64_t * nu = s->nh + (size_t) u * words;
                                for (w = 0; w < words; ++w)
                                        nv[w] |= nu[w];
                        }
                }
        }

        return 0;
}

void spf_fini(struct spf * s)
{
        free(s->dist);
        free(s->nh);
        free(s->heap);
        free(s->pos);
        memset(s, 0, sizeof(*s));
}
