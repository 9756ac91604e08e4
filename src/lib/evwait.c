/*
 * Ouroboros - the dispatcher of the process eventfd: one poller at a
 * time (a waiter, or the dispatcher thread), per-watcher wake-ups. The
 * correctness argument is in evwait.h.
 */
#include "evwait.h"

#include "common/timeutil.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

static struct {
        pthread_mutex_t   lock;
        struct ew_watch * head;     /* active watchers */
        bool              polling;  /* a waiter or the thread polls */
        bool              thread;   /* the dispatcher thread runs */
        pthread_cond_t    idle;     /* polling turned false */
        int               efd;
        uint64_t          hot;      /* last value read that named a flow */
        bool              unread;   /* ew_poll_hot left a signal unread */
        struct ew_watch * pw;       /* the passive watcher, if any */
        bool              ppoll;    /* pw is in poll() */
        bool              pkicked;  /* told to leave it (pw's efd) */
        int               selfs;    /* ew_fd_self watchers: their owner
                                       polls the eventfd itself */
        int64_t           bare;     /* ns: nobody has polled since */
} ew = { .lock = PTHREAD_MUTEX_INITIALIZER,
         .idle = PTHREAD_COND_INITIALIZER, .efd = -1 };

void evwait_init(int efd)
{
        pthread_mutex_lock(&ew.lock);
        ew.efd    = efd;
        ew.hot    = 0;
        ew.unread = false;
        if (ew.pw != NULL) /* it may have something to poll now */
                pthread_cond_broadcast(&ew.pw->cond);
        pthread_mutex_unlock(&ew.lock);
}

int evwait_efd(void)
{
        int efd;

        pthread_mutex_lock(&ew.lock);
        efd = ew.efd;
        pthread_mutex_unlock(&ew.lock);

        return efd;
}

void ew_lock(void)
{
        pthread_mutex_lock(&ew.lock);
}

void ew_unlock(void)
{
        pthread_mutex_unlock(&ew.lock);
}

void ew_watch_init(struct ew_watch * w,
                   ew_dispatch_t     dispatch)
{
        pthread_condattr_t attr;

        w->next     = NULL;
        w->prev     = NULL;
        w->dispatch = dispatch;
        w->gen      = 0;
        w->wakeups  = 0;
        w->waiters  = 0;
        w->active   = 0;
        w->efd      = -1;
        w->lit      = false;
        w->self     = false;
        w->passive  = false;
        w->want     = false;
        w->cover_ns = 0;

        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_cond_init(&w->cond, &attr);
        pthread_condattr_destroy(&attr);
}

static void unlink_watch(struct ew_watch * w)
{
        if (w->prev != NULL)
                w->prev->next = w->next;
        else if (ew.head == w)
                ew.head = w->next;
        if (w->next != NULL)
                w->next->prev = w->prev;
        w->next = NULL;
        w->prev = NULL;
}

void ew_watch_fini(struct ew_watch * w)
{
        pthread_mutex_lock(&ew.lock);
        if (w->active > 0)
                unlink_watch(w);
        w->active = 0;
        if (w->efd >= 0)
                close(w->efd);
        w->efd = -1;
        if (w->self && ew.selfs > 0) /* 0: made before a fork */
                --ew.selfs;
        w->self = false;
        if (ew.pw == w)
                ew.pw = NULL;
        pthread_mutex_unlock(&ew.lock);

        pthread_cond_destroy(&w->cond);
}

void ew_activate(struct ew_watch * w)
{
        if (w->active++ > 0)
                return;

        w->prev = NULL;
        w->next = ew.head;
        if (ew.head != NULL)
                ew.head->prev = w;
        ew.head = w;
}

void ew_deactivate(struct ew_watch * w)
{
        if (w->active == 0 || --w->active > 0)
                return;

        unlink_watch(w);
}

void ew_for_each(ew_dispatch_t kind,
                 void (*      fn)(struct ew_watch *, void *),
                 void *       arg)
{
        struct ew_watch * w;

        for (w = ew.head; w != NULL; w = w->next)
                if (w->dispatch == kind)
                        fn(w, arg);
}

void ew_light(struct ew_watch * w,
              bool              on)
{
        uint64_t v = 1;
        ssize_t  n;

        if (w->efd < 0 || w->lit == on)
                return;
        if (on && ew_is_owner(w))
                return; /* it looks at the list before sleeping */

        /* The set's eventfd is ours alone: its counter is 0 or 1. */
        if (on)
                n = write(w->efd, &v, sizeof(v));
        else
                n = read(w->efd, &v, sizeof(v));
        (void) n;

        w->lit = on;
}

/* Lock held: make the passive watcher leave poll() (it looks at why
 * when it is back). */
static void kick_passive(void)
{
        uint64_t one = 1;
        ssize_t  n;

        if (!ew.ppoll || ew.pkicked)
                return;

        n = write(ew.pw->efd, &one, sizeof(one));
        (void) n;
        ew.pkicked = true;
}

void ew_wake(struct ew_watch * w)
{
        ++w->gen;
        pthread_cond_broadcast(&w->cond);
        if (w == ew.pw)
                kick_passive();
}

/* Lock held: hand the eventfd value to every active watcher (hot:
 * only the flow it names, see ew_poll_hot); true if one found
 * something new. */
static bool dispatch_all(uint64_t hint,
                         bool     hot)
{
        struct ew_watch * w;
        bool              found = false;
        int               r;

        for (w = ew.head; w != NULL; w = w->next) {
                r = w->dispatch(w, hint, hot);
                if (r & EW_NAMED)
                        ew.hot = hint;
                if (r & EW_NEW) {
                        ew_wake(w);
                        found = true;
                }
        }

        return found;
}

/* Lock held: read the eventfd (without waiting) and dispatch it. */
static void read_dispatch(void)
{
        uint64_t val = 0;

        ew.unread = false;
        if (ew.efd < 0 || read(ew.efd, &val, sizeof(val)) < 0 || val == 0)
                return;

        dispatch_all(val, false);
}

uint64_t ew_hot(void)
{
        return ew.hot;
}

bool ew_poll_hot(void)
{
        if (ew.efd < 0 || ew.hot == 0 || ew.unread)
                return false;

        ew.unread = dispatch_all(ew.hot, true);

        return ew.unread;
}

/* Lock held, polling set: poll the eventfd until abstime (NULL:
 * forever) and dispatch what came, the flow last signalled first (and
 * then the signal stays unread until the next round, see evwait.h); a
 * signal left unread by then is read without polling. The lock is
 * dropped while polling. */
static void poll_round(const struct timespec * abstime)
{
        struct pollfd pfd = { .fd = ew.efd, .events = POLLIN };
        int           r;

        if (ew.unread) {
                read_dispatch();
                return;
        }

        pthread_mutex_unlock(&ew.lock);
        r = poll(&pfd, 1, abstime == NULL ? -1 : ts_ms_left(abstime));
        pthread_mutex_lock(&ew.lock);

        if (r > 0 && !ew_poll_hot())
                read_dispatch();
}

static void * ew_thread(void * arg)
{
        (void) arg;

        pthread_mutex_lock(&ew.lock);
        for (;;) {
                while (ew.polling || ew.efd < 0) /* a waiter polls */
                        pthread_cond_wait(&ew.idle, &ew.lock);
                ew.polling = true;
                poll_round(NULL);
                ew.polling = false;
        }

        return NULL;
}

/* Lock held: start the dispatcher thread (once). */
static void start_thread(void)
{
        pthread_t      tid;
        pthread_attr_t attr;

        if (ew.thread)
                return;

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        ew.thread = pthread_create(&tid, &attr, ew_thread, NULL) == 0;
        pthread_attr_destroy(&attr);

        /* A waiter may sit in poll() for good: make it return (a
         * value that names no flow, so a rescan, once). */
        if (ew.thread && ew.polling && ew.efd >= 0) {
                uint64_t one = 1;
                ssize_t  n   = write(ew.efd, &one, sizeof(one));
                (void) n;
        }
}

/* Lock held: someone polls the eventfd, or will when it sleeps (the
 * owner of an ew_fd_self watcher), other than the passive watcher. */
static bool covered(void)
{
        return ew.polling || ew.thread || ew.selfs > 0;
}

/* Lock held: a waiter stopped polling. If nobody else polls, the
 * passive watcher (if it has anything to watch) is told, and takes
 * over cover_ns later unless someone polls again by then. */
static void poller_left(void)
{
        struct ew_watch * p = ew.pw;

        if (p == NULL || p->active == 0 || covered())
                return;

        ew.bare = now_ns();
        if (p->want) {
                p->want = false;
                pthread_cond_broadcast(&p->cond);
        }
}

/* Lock held: a poller left; wake one waiting watcher to take over (not
 * the passive one: poller_left). */
static void hand_over(void)
{
        struct ew_watch * w;

        if (ew.thread)
                return;

        for (w = ew.head; w != NULL; w = w->next) {
                if (w->waiters > 0 && !w->passive) {
                        pthread_cond_broadcast(&w->cond);
                        return;
                }
        }
}

void ew_poll_now(void)
{
        read_dispatch();
}

/* Lock held: the passive watcher polls the eventfd and its own efd
 * (kick_passive) until abstime; what the eventfd held is dispatched. */
static void passive_round(struct ew_watch *       w,
                          const struct timespec * abstime)
{
        struct pollfd pfd[2] = { { .fd = ew.efd, .events = POLLIN },
                                 { .fd = w->efd, .events = POLLIN } };
        uint64_t      v;
        ssize_t       n;
        int           r;

        if (ew.unread) {
                read_dispatch();
                return;
        }

        ew.ppoll   = true;
        ew.pkicked = false;
        pthread_mutex_unlock(&ew.lock);
        r = poll(pfd, 2, abstime == NULL ? -1 : ts_ms_left(abstime));
        pthread_mutex_lock(&ew.lock);
        ew.ppoll = false;
        ++w->wakeups;

        if (r > 0 && (pfd[1].revents & POLLIN)) {
                n = read(w->efd, &v, sizeof(v));
                (void) n;
        }
        if (r > 0 && (pfd[0].revents & POLLIN))
                read_dispatch();
}

/* Lock held: the passive watcher's wait (see evwait.h). */
static int passive_wait(struct ew_watch *       w,
                        uint64_t                g,
                        const struct timespec * abstime)
{
        struct timespec until;
        bool            told = false;
        int64_t         t;
        int64_t         at;
        int             r = 0;

        ++w->waiters;
        while (w->gen == g) {
                t = now_ns();
                if (abstime != NULL && ts_to_ns(abstime) <= t) {
                        r = -ETIMEDOUT;
                        break;
                }
                w->want = false;
                at = -1;
                if (w->active > 0 && ew.efd >= 0 && !covered()) {
                        if (t - ew.bare >= w->cover_ns) {
                                passive_round(w, abstime);
                                continue;
                        }
                        /* Nobody polls since ew.bare: take over at
                         * ew.bare + cover_ns unless someone does. */
                        at = ew.bare + w->cover_ns;
                } else if (told && w->active > 0) {
                        /* Someone polls again already (a waiter that
                         * comes back after each event): do not ask to
                         * be told of every leave, look in cover_ns. */
                        at = t + w->cover_ns;
                }
                told = false;
                if (at >= 0) {
                        until = ns_to_ts(at);
                        if (abstime != NULL && ts_to_ns(abstime) < at)
                                until = *abstime;
                        pthread_cond_timedwait(&w->cond, &ew.lock, &until);
                        ++w->wakeups;
                        continue;
                }
                /* Someone else polls: told when that ends. */
                w->want = w->active > 0;
                if (abstime == NULL)
                        pthread_cond_wait(&w->cond, &ew.lock);
                else
                        pthread_cond_timedwait(&w->cond, &ew.lock, abstime);
                ++w->wakeups;
                told = w->active > 0 && !w->want; /* poller_left */
        }
        w->want = false;
        --w->waiters;

        return r;
}

int ew_wait(struct ew_watch *       w,
            uint64_t                g,
            const struct timespec * abstime)
{
        bool tried = false;
        int  r     = 0;

        if (w->passive)
                return passive_wait(w, g, abstime);

        ++w->waiters;
        while (w->gen == g) {
                if (abstime != NULL && ts_to_ns(abstime) <= now_ns()) {
                        /* A poll (zero timeout) or the deadline: look
                         * once at what peers signalled, even if nobody
                         * has polled for it yet. */
                        if (!tried) {
                                tried = true;
                                ew_poll_now();
                                continue;
                        }
                        r = -ETIMEDOUT;
                        break;
                }
                if (!ew.polling && !ew.thread && ew.efd >= 0) {
                        kick_passive(); /* we poll: it need not */
                        ew.polling = true;
                        poll_round(abstime);
                        ew.polling = false;
                        pthread_cond_signal(&ew.idle);
                        if (w->gen == g || w->waiters > 1)
                                hand_over();
                        poller_left();
                        continue;
                }
                /* Someone else polls: a second waiter. Have a thread
                 * poll from now on, so no waiter is ever woken only to
                 * take over polling from another. */
                if (ew.polling && !ew.thread)
                        start_thread();
                if (abstime == NULL)
                        pthread_cond_wait(&w->cond, &ew.lock);
                else if (pthread_cond_timedwait(&w->cond, &ew.lock,
                                                abstime) == ETIMEDOUT &&
                         w->gen == g) {
                        r = -ETIMEDOUT;
                        break;
                }
                ++w->wakeups;
        }
        --w->waiters;

        return r;
}

static int watch_efd(struct ew_watch * w)
{
        if (w->efd < 0) {
                w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
                if (w->efd < 0)
                        return -errno;
                w->lit = false;
        }

        return w->efd;
}

int ew_fd_self(struct ew_watch * w)
{
        int r;

        if (ew.efd < 0)
                return -EAGAIN;

        r = watch_efd(w);
        if (r >= 0) {
                if (!w->self)
                        ++ew.selfs;
                w->self  = true;
                w->owner = pthread_self();
                kick_passive(); /* the owner polls from now on */
        }

        return r;
}

bool ew_is_owner(const struct ew_watch * w)
{
        return w->self && pthread_equal(w->owner, pthread_self());
}

int ew_watch_passive(struct ew_watch * w,
                     int64_t           cover_ns)
{
        int r;

        pthread_mutex_lock(&ew.lock);
        r = watch_efd(w);
        if (r >= 0) {
                w->passive  = true;
                w->cover_ns = cover_ns;
                ew.pw       = w;
        }
        pthread_mutex_unlock(&ew.lock);

        return r < 0 ? r : 0;
}

int ew_fd(struct ew_watch * w)
{
        int r = watch_efd(w);

        if (r < 0)
                return r;

        start_thread();
        if (!ew.thread) /* nobody would keep the fd up to date */
                return -EAGAIN;
        kick_passive();

        return w->efd;
}

void evwait_kick(uint64_t val)
{
        int efd;

        pthread_mutex_lock(&ew.lock);
        efd = ew.efd;
        pthread_mutex_unlock(&ew.lock);

        if (efd >= 0) {
                ssize_t n = write(efd, &val, sizeof(val));
                (void) n;
        }
}

void evwait_reset_child(void)
{
        pthread_mutex_init(&ew.lock, NULL);
        pthread_cond_init(&ew.idle, NULL);
        ew.head    = NULL;
        ew.polling = false;
        ew.thread  = false;
        ew.efd     = -1;
        ew.hot     = 0;
        ew.unread  = false;
        ew.ppoll   = false;
        ew.pkicked = false;
        ew.selfs   = 0;
        ew.bare    = 0;
        /* ew.pw stays: its owner (frt_reset_child) made it anew. */
}
