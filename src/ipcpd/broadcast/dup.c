/*
 * Ouroboros - the broadcast layer's duplicate filter (see dup.h).
 *
 * The origins live in an array allocated once; a hash table of chains
 * (indices) finds them, a doubly-linked list (indices) keeps them in
 * order of last sight, most recent at the head; unused entries form a
 * free list through the same next index.
 */
#include "dup.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WORDS (BC_DUP_WIN / 64)
#define NIL   UINT32_MAX

_Static_assert(BC_DUP_WIN % 64 == 0, "whole words");

struct origin {
        uint64_t id;
        uint64_t bits[WORDS]; /* bit s % BC_DUP_WIN: seq s taken */
        int64_t  last;
        uint32_t top;
        uint32_t hnext;       /* hash chain, or free list        */
        uint32_t prev;        /* order of sight                  */
        uint32_t next;
};

struct bc_dup {
        struct origin * o;
        uint32_t *      bucket;
        uint32_t        nbuckets; /* a power of 2 */
        uint32_t        max;
        uint32_t        n;
        uint32_t        head;     /* most recently seen  */
        uint32_t        tail;     /* least recently seen */
        uint32_t        free;
        int64_t         idle_ms;
        int64_t         hold_ms;
        uint64_t        evicted;
};

static uint32_t slot(const struct bc_dup * d,
                     uint64_t              id)
{
        id *= 0x9e3779b97f4a7c15ull;
        return (uint32_t) (id >> 32) & (d->nbuckets - 1);
}

struct bc_dup * bc_dup_create(size_t  max,
                              int64_t idle_ms,
                              int64_t hold_ms)
{
        struct bc_dup * d;
        uint32_t        i;

        if (max == 0 || max >= NIL / 2)
                return NULL;

        d = calloc(1, sizeof(*d));
        if (d == NULL)
                return NULL;

        d->nbuckets = 1;
        while (d->nbuckets < 2 * max)
                d->nbuckets <<= 1;

        d->o      = calloc(max, sizeof(*d->o));
        d->bucket = malloc(d->nbuckets * sizeof(*d->bucket));
        if (d->o == NULL || d->bucket == NULL) {
                bc_dup_destroy(d);
                return NULL;
        }

        for (i = 0; i < d->nbuckets; ++i)
                d->bucket[i] = NIL;
        for (i = 0; i < max; ++i)
                d->o[i].hnext = i + 1 < max ? i + 1 : NIL;

        d->max     = (uint32_t) max;
        d->free    = 0;
        d->head    = NIL;
        d->tail    = NIL;
        d->idle_ms = idle_ms;
        d->hold_ms = hold_ms;

        return d;
}

void bc_dup_destroy(struct bc_dup * d)
{
        if (d == NULL)
                return;
        free(d->o);
        free(d->bucket);
        free(d);
}

static void unlink_order(struct bc_dup * d,
                         uint32_t        i)
{
        struct origin * o = &d->o[i];

        if (o->prev != NIL)
                d->o[o->prev].next = o->next;
        else
                d->head = o->next;
        if (o->next != NIL)
                d->o[o->next].prev = o->prev;
        else
                d->tail = o->prev;
}

static void push_head(struct bc_dup * d,
                      uint32_t        i)
{
        struct origin * o = &d->o[i];

        o->prev = NIL;
        o->next = d->head;
        if (d->head != NIL)
                d->o[d->head].prev = i;
        d->head = i;
        if (d->tail == NIL)
                d->tail = i;
}

static void drop(struct bc_dup * d,
                 uint32_t        i)
{
        uint32_t * pp = &d->bucket[slot(d, d->o[i].id)];

        while (*pp != i)
                pp = &d->o[*pp].hnext;
        *pp = d->o[i].hnext;

        unlink_order(d, i);
        d->o[i].hnext = d->free;
        d->free       = i;
        --d->n;
}

static uint32_t find(const struct bc_dup * d,
                     uint64_t              id)
{
        uint32_t i;

        for (i = d->bucket[slot(d, id)]; i != NIL; i = d->o[i].hnext)
                if (d->o[i].id == id)
                        return i;

        return NIL;
}

static bool test_set(struct origin * o,
                     uint32_t        seq)
{
        uint32_t b   = seq % BC_DUP_WIN;
        uint64_t bit = 1ull << (b % 64);
        bool     was = (o->bits[b / 64] & bit) != 0;

        o->bits[b / 64] |= bit;

        return was;
}

static void clear(struct origin * o,
                  uint32_t        seq)
{
        uint32_t b = seq % BC_DUP_WIN;

        o->bits[b / 64] &= ~(1ull << (b % 64));
}

/* Slide o's window up to seq (above top). */
static void slide(struct origin * o,
                  uint32_t        seq)
{
        uint32_t d = seq - o->top;
        uint32_t s;

        if (d >= BC_DUP_WIN)
                memset(o->bits, 0, sizeof(o->bits));
        else
                for (s = o->top + 1; s != seq + 1; ++s)
                        clear(o, s);

        o->top = seq;
}

/* A new entry for id, evicting if need be: its index or NIL. */
static uint32_t add(struct bc_dup * d,
                    uint64_t        id,
                    int64_t         now)
{
        struct origin * o;
        uint32_t        i;
        uint32_t        h;

        if (d->free == NIL) {
                if (now - d->o[d->tail].last < d->hold_ms)
                        return NIL;
                drop(d, d->tail);
                ++d->evicted;
        }

        i       = d->free;
        o       = &d->o[i];
        d->free = o->hnext;

        memset(o->bits, 0, sizeof(o->bits));
        o->id    = id;
        o->last  = now;
        h        = slot(d, id);
        o->hnext = d->bucket[h];
        d->bucket[h] = i;
        push_head(d, i);
        ++d->n;

        return i;
}

enum bc_dup_res bc_dup_check(struct bc_dup * d,
                             uint64_t        origin,
                             uint32_t        seq,
                             int64_t         now_ms)
{
        struct origin * o;
        uint32_t        i;
        int32_t         dist;

        i = find(d, origin);
        if (i == NIL) {
                i = add(d, origin, now_ms);
                if (i == NIL)
                        return BC_DUP_FULL;
                o      = &d->o[i];
                o->top = seq;
                test_set(o, seq);
                return BC_DUP_NEW;
        }

        o       = &d->o[i];
        o->last = now_ms;
        if (d->head != i) {
                unlink_order(d, i);
                push_head(d, i);
        }

        dist = (int32_t) (seq - o->top);
        if (dist > 0) {
                slide(o, seq);
                test_set(o, seq);
                return BC_DUP_NEW;
        }
        if (dist <= -BC_DUP_WIN)
                return BC_DUP_OLD;

        return test_set(o, seq) ? BC_DUP_SEEN : BC_DUP_NEW;
}

size_t bc_dup_expire(struct bc_dup * d,
                     int64_t         now_ms)
{
        size_t n = 0;

        while (d->tail != NIL && now_ms - d->o[d->tail].last >= d->idle_ms) {
                drop(d, d->tail);
                ++n;
        }

        return n;
}

size_t bc_dup_count(const struct bc_dup * d)
{
        return d->n;
}

uint64_t bc_dup_evicted(const struct bc_dup * d)
{
        return d->evicted;
}
