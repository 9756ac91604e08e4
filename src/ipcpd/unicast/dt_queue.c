/*
 * Ouroboros - ipcpd-unicast: per-cube queues toward a neighbour
 * (dt_queue.h).
 */
#include "dt_queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct dtq_pkt * free_slots;
static size_t           n_free;

static struct dtq_pkt * pkt_get(size_t len)
{
        struct dtq_pkt * k;
        size_t           cap = len > DTQ_SLOT ? len : DTQ_SLOT;

        if (len <= DTQ_SLOT && free_slots != NULL) {
                k = free_slots;
                free_slots = k->next;
                --n_free;
                return k;
        }

        k = malloc(sizeof(*k) + cap);
        if (k != NULL)
                k->cap = cap;

        return k;
}

static void pkt_put(struct dtq_pkt * k)
{
        if (k->cap == DTQ_SLOT && n_free < DTQ_FREE_MAX) {
                k->next    = free_slots;
                free_slots = k;
                ++n_free;
                return;
        }

        free(k);
}

void dtq_trim(void)
{
        struct dtq_pkt * k;

        while ((k = free_slots) != NULL) {
                free_slots = k->next;
                free(k);
        }
        n_free = 0;
}

int dtq_push(struct dtq_set * s,
             uint8_t          cube,
             const uint8_t *  hdr,
             size_t           hl,
             const uint8_t *  p,
             size_t           len,
             size_t           max_pkts,
             size_t           max_bytes)
{
        struct dtq *     q;
        struct dtq_pkt * k;

        if (cube >= DT_CUBES)
                return -EINVAL;

        q = &s->q[cube];
        if (q->n >= max_pkts || s->bytes + hl + len > max_bytes)
                return -ENOBUFS;

        k = pkt_get(hl + len);
        if (k == NULL)
                return -ENOMEM;

        k->next = NULL;
        k->len  = hl + len;
        if (hl > 0)
                memcpy(k->data, hdr, hl);
        if (len > 0)
                memcpy(k->data + hl, p, len);

        if (q->tail == NULL)
                q->head = k;
        else
                q->tail->next = k;
        q->tail = k;
        ++q->n;
        ++s->n;
        s->bytes += k->len;

        return 0;
}

struct dtq_pkt * dtq_peek(const struct dtq_set * s,
                          uint8_t *              cube)
{
        int c;

        if (s->n == 0)
                return NULL;

        for (c = DT_CUBES - 1; c >= 0; --c) {
                if (s->q[c].head != NULL) {
                        *cube = (uint8_t) c;
                        return s->q[c].head;
                }
        }

        return NULL;
}

void dtq_pop(struct dtq_set * s,
             uint8_t          cube)
{
        struct dtq *     q = &s->q[cube];
        struct dtq_pkt * k = q->head;

        if (k == NULL)
                return;

        q->head = k->next;
        if (q->head == NULL)
                q->tail = NULL;
        --q->n;
        --s->n;
        s->bytes -= k->len;
        pkt_put(k);
}

size_t dtq_flush(struct dtq_set * s)
{
        size_t  n = s->n;
        uint8_t c;

        for (c = 0; c < DT_CUBES; ++c)
                while (s->q[c].head != NULL)
                        dtq_pop(s, c);

        return n;
}
