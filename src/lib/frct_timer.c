/*
 * Ouroboros - the FRCT clock of a process. See frct_timer.h.
 *
 * The thread sleeps in ew_wait on its own watcher (tw), so that it is
 * woken by a generation bump of tw: by frt_due (a deadline earlier than
 * the planned wake-up), by frt_add/frt_del, and by its dispatch
 * callback when a signal of the process eventfd names a flow of the
 * list with packets waiting in its ring. While it is the eventfd's
 * poller (no one else waits), a bump alone does not end its poll():
 * frt_due then also kicks the eventfd with the flow's token, which the
 * dispatch turns into a wake-up (t.kicked).
 *
 * Wake-ups are not lost: the thread samples tw's generation (under the
 * dispatcher lock) and sets wake to 0 before it scans the deadlines and
 * the pokes, and sets wake to the earliest deadline after; it sleeps
 * only if the generation did not move. frt_due stores a deadline, then
 * compares it with wake: a deadline stored during the scan sees 0 or
 * the new value, is earlier than that, and bumps the generation.
 *
 * Locks: the dispatcher lock (ew_lock) is taken before t.lock, never
 * the other way round; flows are taken (ft_get_gen) under neither.
 */
#include "frct_timer.h"

#include "evwait.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "frct_flow.h"

#include "common/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#define FRT_BATCH 64

static struct {
        pthread_mutex_t  lock;     /* head, running */
        pthread_once_t   once;
        struct frt_ent * head;
        bool             running;
        _Atomic uint64_t wake;     /* the thread's next wake-up, ns */
        _Atomic bool     kicked;   /* frt_due kicked the eventfd */
        struct ew_watch  tw;       /* the thread's (dispatcher lock) */
} t = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_ONCE_INIT, NULL, false,
        UINT64_MAX, false, { 0 } };

struct due_fd {
        int      fd;
        uint32_t gen;
};

static int  tw_dispatch(struct ew_watch * w,
                        uint64_t          hint,
                        bool              hot);

static void tw_init(void)
{
        ew_watch_init(&t.tw, tw_dispatch);
}

/* Wake the thread: a bump of tw, and, as it may be the eventfd's
 * poller, in poll(), a kick the dispatch answers (tok: a flow's token,
 * 0 for none). Not under t.lock (lock order). */
static void tw_wake(uint64_t tok)
{
        atomic_store(&t.kicked, true);
        ew_lock();
        ew_wake(&t.tw);
        ew_unlock();
        if (evwait_efd() >= 0)
                evwait_kick(tok != 0 ? tok : 1);
}

/* If packets wait, unread, in the ring of flow (fd, gen): poke it. */
static bool arrived(int      fd,
                    uint32_t gen)
{
        struct ft_flow * f = ft_get_gen(fd, gen);
        bool             r;

        if (f == NULL)
                return false;
        r = f->fr != NULL && flow_shm_rxqlen(f->shm) > 0;
        if (r)
                frf_poke(f);
        ft_put(f);

        return r;
}

#define TW_SCAN 64

/*
 * The dispatch callback (evwait.h), dispatcher lock held: a signal
 * naming a flow of the list pokes it if packets wait in its ring;
 * any other value (signals summed, a kick of 1) looks at every flow
 * of the list (hot: nothing but the named one). A kick of frt_due
 * wakes the thread in any case.
 */
static int tw_dispatch(struct ew_watch * w,
                       uint64_t          hint,
                       bool              hot)
{
        struct frt_ent * e;
        struct due_fd    d[TW_SCAN];
        size_t           n = 0;
        size_t           i;
        int              r = 0;

        (void) w;

        pthread_mutex_lock(&t.lock);
        for (e = t.head; e != NULL; e = e->next) {
                if (e->tok != 0 && e->tok == hint) {
                        n = 0;
                        d[n].fd    = e->fd;
                        d[n++].gen = e->gen;
                        r = EW_NAMED;
                        break;
                }
                if (!hot && e->tok != 0 && n < TW_SCAN) {
                        d[n].fd    = e->fd;
                        d[n++].gen = e->gen;
                }
        }
        if (hot && r == 0)
                n = 0;
        pthread_mutex_unlock(&t.lock);

        for (i = 0; i < n; ++i)
                if (arrived(d[i].fd, d[i].gen))
                        r |= EW_NEW;
        if (atomic_exchange(&t.kicked, false))
                r |= EW_NEW;

        return r;
}

/* t.lock held: the flows due at now or poked into d (at most
 * FRT_BATCH), and the earliest deadline of the others. */
static size_t collect(uint64_t        now,
                      struct due_fd * d,
                      uint64_t *      next)
{
        struct frt_ent * e;
        size_t           n = 0;

        *next = UINT64_MAX;
        for (e = t.head; e != NULL; e = e->next) {
                uint64_t due = atomic_load(&e->due);
                if (n < FRT_BATCH && (due <= now ||
                    atomic_exchange(&e->poke, false))) {
                        d[n].fd    = e->fd;
                        d[n++].gen = e->gen;
                } else if (due < *next) {
                        *next = due;
                }
        }

        return n;
}

static void * timer_main(void * arg)
{
        struct due_fd   d[FRT_BATCH];
        struct timespec ts;
        uint64_t        next;
        uint64_t        now;
        uint64_t        g;
        size_t          n;
        size_t          i;

        (void) arg;

        ew_lock();
        ew_activate(&t.tw);
        ew_unlock();

        for (;;) {
                ew_lock();
                g = t.tw.gen;
                ew_unlock();
                atomic_store(&t.wake, 0);

                pthread_mutex_lock(&t.lock);
                if (t.head == NULL)
                        break;
                now = (uint64_t) now_ns();
                n   = collect(now, d, &next);
                pthread_mutex_unlock(&t.lock);

                if (n == 0) {
                        atomic_store(&t.wake, next);
                        ts = ns_to_ts((int64_t) (next > INT64_MAX ?
                                                 INT64_MAX : next));
                        ew_lock();
                        ew_wait(&t.tw, g, next == UINT64_MAX ? NULL : &ts);
                        ew_unlock();
                        continue;
                }
                for (i = 0; i < n; ++i) {
                        struct ft_flow * f = ft_get_gen(d[i].fd, d[i].gen);
                        if (f == NULL)
                                continue; /* being deallocated */
                        if (f->fr != NULL)
                                frf_on_timer(f, now);
                        ft_put(f);
                }
        }
        t.running = false;
        atomic_store(&t.wake, UINT64_MAX);
        pthread_mutex_unlock(&t.lock);

        ew_lock();
        ew_deactivate(&t.tw);
        ew_unlock();

        return NULL;
}

int frt_add(struct frt_ent * e)
{
        pthread_attr_t a;
        pthread_t      th;
        int            r = 0;

        pthread_once(&t.once, tw_init);

        atomic_store(&e->poke, false);
        pthread_mutex_lock(&t.lock);
        e->next = t.head;
        t.head  = e;
        if (!t.running) {
                pthread_attr_init(&a);
                pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
                r = -pthread_create(&th, &a, timer_main, NULL);
                pthread_attr_destroy(&a);
                if (r == 0)
                        t.running = true;
                else
                        t.head = e->next;
        }
        pthread_mutex_unlock(&t.lock);
        if (r == 0 && atomic_load(&e->due) < atomic_load(&t.wake))
                tw_wake(e->tok);

        return r < 0 ? -EAGAIN : 0;
}

void frt_del(struct frt_ent * e)
{
        struct frt_ent ** pp;
        bool              last;

        pthread_mutex_lock(&t.lock);
        for (pp = &t.head; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == e) {
                        *pp = e->next;
                        break;
                }
        }
        last = t.head == NULL && t.running;
        pthread_mutex_unlock(&t.lock);
        if (last)
                tw_wake(0); /* the thread ends */
}

void frt_due(struct frt_ent * e,
             uint64_t         due)
{
        atomic_store(&e->due, due);
        if (due >= atomic_load(&t.wake))
                return;

        tw_wake(e->tok);
}

void frt_reset_child(void)
{
        pthread_mutex_init(&t.lock, NULL);
        pthread_once(&t.once, tw_init);
        tw_init();
        t.head    = NULL;
        t.running = false;
        atomic_store(&t.wake, UINT64_MAX);
        atomic_store(&t.kicked, false);
}
