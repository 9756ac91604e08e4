/*
 * Ouroboros - the FRCT clock of a process. See frct_timer.h.
 *
 * The thread sleeps in ew_wait on its own watcher (tw), so that it is
 * woken by a generation bump of tw: by frt_due (a deadline earlier than
 * the planned wake-up), by frt_add/frt_del, and by its dispatch
 * callback when a signal of the process eventfd names a reliable flow
 * (armed, tok set) with packets waiting in its ring.
 *
 * tw is the dispatcher's passive watcher (evwait.h), active only while
 * reliable flows exist (t.armed): without one, its dispatch is never
 * called and the thread is a clock that never polls; with some, it
 * polls the eventfd only when no other thread of the process does (an
 * event loop, a waiter in fevent, the dispatcher thread), so that a
 * packet is never a wake-up for it as well as for the thread that
 * serves it, and never makes the dispatcher start a thread of its own.
 * Its dispatch costs a look-up of the flow a signal names (no lock, no
 * walk of the list); only a value that names no flow (signals summed,
 * a kick) walks the list. While it polls, a bump also ends its poll()
 * (ew_wake writes its own eventfd).
 *
 * Wake-ups are not lost: the thread samples tw's generation (under the
 * dispatcher lock) and sets wake to 0 before it scans the deadlines and
 * the pokes, and sets wake to the earliest deadline after; it sleeps
 * only if the generation did not move. frt_due stores a deadline, then
 * reads wake: 0 (a scan under way, which may have read the old value)
 * or a later wake-up than the new deadline bumps the generation.
 *
 * Acks of a flow nobody reads: a reliable flow's memory signals the
 * process eventfd when packets land in its drained ring (frf_create
 * arms it). Whoever polls the eventfd dispatches that signal to tw too
 * (an active watcher): the flow is poked and the thread woken. If
 * nobody polls, the signal stays in the counter until the thread does,
 * at most FRT_COVER after the last other poller left (evwait.h), so
 * the ack leaves within the ack delay plus FRT_COVER, far below any
 * retransmission timeout of the sender (FRCT_RTO_MIN).
 *
 * Locks: the dispatcher lock (ew_lock) is taken before t.lock, never
 * the other way round; flows are taken (ft_get_gen) never under
 * t.lock (the dispatch takes them under the dispatcher lock).
 */
#include "frct_timer.h"

#include "evwait.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "frct_flow.h"
#include "frct_flow_priv.h"

#include "common/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <unistd.h>

#define FRT_BATCH 64
#define FRT_COVER 5000000 /* ns: see the top, and evwait.h */

static struct {
        pthread_mutex_t  lock;     /* head, running */
        pthread_once_t   once;
        struct frt_ent * head;
        bool             running;
        _Atomic uint64_t wake;     /* the thread's next wake-up, ns */
        struct ew_watch  tw;       /* the thread's (dispatcher lock);
                                      active: reliable flows (tok) */
} t = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_ONCE_INIT, NULL, false,
        UINT64_MAX, { 0 } };

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
        /* Without its own eventfd it polls nothing: a clock still. */
        (void) ew_watch_passive(&t.tw, FRT_COVER);
}

/* Wake the thread (a bump of tw; if it is in poll(), ew_wake ends
 * that too). Not under t.lock (lock order). */
static void tw_wake(void)
{
        ew_lock();
        ew_wake(&t.tw);
        ew_unlock();
}

/* If packets wait, unread, in the ring of flow (fd, gen), a reliable
 * one (tok, when given, its token): poke it. Named: it is such a flow. */
static bool arrived(int      fd,
                    uint32_t gen,
                    uint64_t tok,
                    bool *   named)
{
        struct ft_flow * f = ft_get_gen(fd, gen);
        struct frf *     fr;
        bool             r = false;

        if (f == NULL)
                return false;
        /* frf_create may be setting it up this moment (frct_flow.c) */
        fr = __atomic_load_n(&f->fr, __ATOMIC_SEQ_CST);
        if (fr != NULL && fr->te.tok != 0 && (tok == 0 || fr->te.tok == tok)) {
                *named = true;
                r = flow_shm_rxqlen(f->shm) > 0;
                if (r)
                        frf_poke(f);
        }
        ft_put(f);

        return r;
}

#define TW_SCAN 64

/*
 * The dispatch callback (evwait.h), dispatcher lock held, only while
 * reliable flows exist (tw active): a signal naming one of them pokes
 * it if packets wait in its ring (no lock, no walk); any other value
 * that names no flow (signals summed, a kick of 1) looks at every
 * reliable flow of the list, unless hot (nothing but a named one).
 */
static int tw_dispatch(struct ew_watch * w,
                       uint64_t          hint,
                       bool              hot)
{
        struct frt_ent * e;
        struct due_fd    d[TW_SCAN];
        size_t           n = 0;
        size_t           i;
        bool             named = false;
        int              r = 0;
        int              fd;

        (void) w;

        fd = fq_token_fd(hint);
        if (fd >= 0) {
                if (arrived(fd, atomic_load(&ft_entry(fd)->gen), hint,
                            &named))
                        r = EW_NEW;
                return r | (named ? EW_NAMED : 0);
        }
        if (hot)
                return 0;

        pthread_mutex_lock(&t.lock);
        for (e = t.head; e != NULL && n < TW_SCAN; e = e->next) {
                if (e->tok != 0) {
                        d[n].fd    = e->fd;
                        d[n++].gen = e->gen;
                }
        }
        pthread_mutex_unlock(&t.lock);

        for (i = 0; i < n; ++i)
                if (arrived(d[i].fd, d[i].gen, 0, &named))
                        r = EW_NEW;

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
                        /* NULL: frf_create is not done with it */
                        if (__atomic_load_n(&f->fr, __ATOMIC_ACQUIRE))
                                frf_on_timer(f, now);
                        ft_put(f);
                }
        }
        t.running = false;
        atomic_store(&t.wake, UINT64_MAX);
        pthread_mutex_unlock(&t.lock);

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
        if (r == 0 && e->tok != 0) {
                /* A reliable flow: tw watches the eventfd (and looks
                 * again at whether it must poll). */
                ew_lock();
                ew_activate(&t.tw);
                ew_wake(&t.tw);
                ew_unlock();
        } else if (r == 0 && atomic_load(&e->due) < atomic_load(&t.wake)) {
                tw_wake();
        }

        return r < 0 ? -EAGAIN : 0;
}

void frt_del(struct frt_ent * e)
{
        struct frt_ent ** pp;
        bool              last;
        bool              found = false;

        pthread_mutex_lock(&t.lock);
        for (pp = &t.head; *pp != NULL; pp = &(*pp)->next) {
                if (*pp == e) {
                        *pp = e->next;
                        found = true;
                        break;
                }
        }
        last = t.head == NULL && t.running;
        pthread_mutex_unlock(&t.lock);
        if (found && e->tok != 0) {
                ew_lock();
                ew_deactivate(&t.tw);
                ew_unlock();
        }
        if (last)
                tw_wake(); /* the thread ends */
}

void frt_due(struct frt_ent * e,
             uint64_t         due)
{
        uint64_t w;

        atomic_store(&e->due, due);
        w = atomic_load(&t.wake);
        /* 0: the thread is scanning, and may have read e->due before
         * this store: it must look again. */
        if (w != 0 && due >= w)
                return;

        tw_wake();
}

void frt_reset_child(void)
{
        pthread_mutex_init(&t.lock, NULL);
        if (t.tw.passive && t.tw.efd >= 0) /* the parent's */
                close(t.tw.efd);
        t.tw.efd = -1;
        pthread_once(&t.once, tw_init);
        tw_init();
        t.head    = NULL;
        t.running = false;
        atomic_store(&t.wake, UINT64_MAX);
}
