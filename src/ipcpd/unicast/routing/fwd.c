/*
 * Ouroboros - forwarding tables and their lock-free publication to the
 * forwarding threads (the scheme and its argument are in fwd.h).
 */
#include "fwd.h"
#include "search.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

_Static_assert(offsetof(struct fwd_entry, dst) == 0,
               "fwd_lookup searches entries by their first field");

#define GRACE_STEP_NS  50000

struct fwd_table * fwd_table_alloc(size_t cap)
{
        struct fwd_table * t;

        t = malloc(sizeof(*t) + cap * sizeof(t->e[0]));
        if (t == NULL)
                return NULL;

        t->self = 0;
        t->gen  = 0;
        t->n    = 0;
        t->cap  = cap;

        return t;
}

void fwd_table_free(struct fwd_table * t)
{
        free(t);
}

const struct fwd_entry * fwd_lookup(const struct fwd_table * t,
                                    uint64_t                 dst)
{
        size_t i = search_u64(t->e, t->n, sizeof(t->e[0]), dst);

        return i < t->n ? &t->e[i] : NULL;
}

uint64_t fwd_pick(const struct fwd_entry * e,
                  uint32_t                 h,
                  bool                  (* up)(uint64_t a,
                                               void *   arg),
                  void *                   arg)
{
        uint64_t live[FWD_NH_MAX];
        size_t   n = 0;
        size_t   i;

        for (i = 0; i < e->n && i < FWD_NH_MAX; ++i)
                if (up(e->nh[i], arg))
                        live[n++] = e->nh[i];

        if (n > 0)
                return live[h % n];

        if (e->alt != 0 && up(e->alt, arg))
                return e->alt;

        return 0;
}

void fwd_init(struct fwd * f)
{
        size_t i;

        atomic_init(&f->cur, NULL);
        atomic_init(&f->epoch, 1);
        atomic_init(&f->readers, 0);
        for (i = 0; i < FWD_READERS_MAX; ++i)
                atomic_init(&f->slot[i].in, 0);
}

void fwd_fini(struct fwd * f)
{
        fwd_table_free(atomic_exchange(&f->cur, NULL));
}

int fwd_reader(struct fwd * f)
{
        int r = atomic_load(&f->readers);

        do {
                if (r >= FWD_READERS_MAX)
                        return -EMFILE;
        } while (!atomic_compare_exchange_weak(&f->readers, &r, r + 1));

        return r;
}

const struct fwd_table * fwd_enter(struct fwd * f,
                                   int          r)
{
        atomic_store(&f->slot[r].in, atomic_load(&f->epoch));

        return atomic_load(&f->cur);
}

void fwd_leave(struct fwd * f,
               int          r)
{
        atomic_store(&f->slot[r].in, 0);
}

void fwd_publish(struct fwd *       f,
                 struct fwd_table * t)
{
        struct fwd_table * old;
        uint64_t           g;
        int                n;
        int                i;

        old = atomic_exchange(&f->cur, t);
        g   = atomic_fetch_add(&f->epoch, 1) + 1;
        n   = atomic_load(&f->readers);

        for (i = 0; i < n; ++i) {
                for (;;) {
                        uint64_t in = atomic_load(&f->slot[i].in);
                        struct timespec ts = { 0, GRACE_STEP_NS };
                        if (in == 0 || in >= g)
                                break;
                        nanosleep(&ts, NULL);
                }
        }

        fwd_table_free(old);
}
