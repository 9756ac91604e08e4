/*
 * Ouroboros - ipcpd-unicast: the standing length of a queue and how
 * long it makes a packet wait, for congestion marks (dt_tx.c: the
 * queue toward a neighbour; fa_data.c: the backlog of a receiving
 * application).
 *
 * The standing length is the least length seen over the last window to
 * twice that: a burst that is taken before the window ends never
 * counts, a queue that does not drain does. After a quiet time
 * (nothing seen for two windows) it starts from nothing, so a queue
 * must stand a whole window before it counts. The queue's drain rate
 * is the number of packets that went through it in the last whole
 * window (a counter the caller keeps), so the standing length is also
 * a wait: length / rate. Marking on that wait instead of a fixed length
 * keeps a fast link's queue long enough to work in batches and a slow
 * link's short.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_STANDING_H
#define OUROBOROS_IPCPD_UNICAST_STANDING_H

#include <stddef.h>
#include <stdint.h>

struct standing {
        int64_t  at;   /* start of this window (ms)           */
        size_t   min;  /* least length seen in it             */
        size_t   prev; /* ... in the one before               */
        uint64_t n_at; /* the caller's counter at its start   */
        uint64_t done; /* packets through in the one before   */
};

/* The mark for an excess x (standing_excess): 0, or 1 and one more
 * per 1 << shift beyond, at most 255. */
static inline uint8_t standing_mark(size_t x,
                                    int    shift)
{
        if (x == 0)
                return 0;

        x = ((x - 1) >> shift) + 1;

        return x > 255 ? 255 : (uint8_t) x;
}

/* A length len seen at now (ms), cnt packets through so far, windows
 * of win ms: the standing length. */
static inline size_t standing_see(struct standing * s,
                                  int64_t           now,
                                  size_t            len,
                                  uint64_t          cnt,
                                  int64_t           win)
{
        if (now - s->at >= win) {
                if (now - s->at < 2 * win) {
                        s->prev = s->min;
                        s->done = cnt - s->n_at;
                } else {
                        s->prev = 0;
                        s->done = 0;
                }
                s->min  = len;
                s->at   = now;
                s->n_at = cnt;
        } else if (len < s->min) {
                s->min = len;
        }

        return s->min < s->prev ? s->min : s->prev;
}

/* Whether the standing length sl reaches what waiting wait ms makes at
 * the last window's rate, and min_len: 0 if not, else 1 + how far
 * beyond. */
static inline size_t standing_excess(const struct standing * s,
                                     size_t                  sl,
                                     size_t                  min_len,
                                     int64_t                 wait,
                                     int64_t                 win)
{
        uint64_t t = s->done * (uint64_t) wait / (uint64_t) win;

        if (t < min_len)
                t = min_len;

        return sl >= t ? sl - (size_t) t + 1 : 0;
}

#endif /* OUROBOROS_IPCPD_UNICAST_STANDING_H */
