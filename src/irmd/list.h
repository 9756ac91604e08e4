/*
 * Ouroboros IRMd - a minimal intrusive doubly-linked list.
 *
 * Registries are small (tens to thousands of entries) and mostly walked,
 * so a list is the simplest structure that keeps deletion O(1) while an
 * entry is known.
 */
#ifndef OUROBOROS_IRMD_LIST_H
#define OUROBOROS_IRMD_LIST_H

#include <stdbool.h>
#include <stddef.h>

struct list_head {
        struct list_head * nxt;
        struct list_head * prv;
};

#define LIST_HEAD_INIT(h) { &(h), &(h) }

static inline void list_init(struct list_head * h)
{
        h->nxt = h;
        h->prv = h;
}

static inline bool list_empty(const struct list_head * h)
{
        return h->nxt == h;
}

static inline void list_add_tail(struct list_head * n,
                                 struct list_head * h)
{
        n->prv       = h->prv;
        n->nxt       = h;
        h->prv->nxt  = n;
        h->prv       = n;
}

static inline void list_del(struct list_head * n)
{
        n->prv->nxt = n->nxt;
        n->nxt->prv = n->prv;
        n->nxt      = n;
        n->prv      = n;
}

#define list_entry(p, type, member) \
        ((type *) ((char *) (p) - offsetof(type, member)))

/* Safe against deletion of the current entry. */
#define list_for_each_safe(p, t, h) \
        for ((p) = (h)->nxt, (t) = (p)->nxt; (p) != (h); \
             (p) = (t), (t) = (p)->nxt)

#define list_for_each(p, h) \
        for ((p) = (h)->nxt; (p) != (h); (p) = (p)->nxt)

#endif /* OUROBOROS_IRMD_LIST_H */
