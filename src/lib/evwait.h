/*
 * Ouroboros - the process-local dispatcher of the process eventfd: it
 * turns the one eventfd peers signal into per-set wake-ups.
 *
 * Peers add a value to one eventfd per process when they change a flow
 * this process armed (flow_shm_arm): the flow's wake-up token
 * (flow_shm_set_token), a hint naming the flow. Each event set is a
 * watcher (struct ew_watch) with its own condition variable, generation
 * and, on request, its own eventfd (fset_fd). One thread at a time, the
 * poller, sleeps in poll() on the process eventfd; when it fires, the
 * poller reads (and so resets) the counter and hands the value to every
 * active watcher's dispatch callback, under the dispatcher lock. A value
 * that is exactly one valid token names the one flow to look at; any
 * other value (several signals summed, a local kick, a full counter,
 * garbage from a hostile peer) makes each watcher check all its members,
 * which costs a rescan and loses nothing. A watcher whose callback found
 * something is woken (generation bump, broadcast of its own condition
 * variable, its eventfd made readable); no other thread is.
 *
 * Who polls: a waiter with no poller around becomes the poller itself
 * (no thread hop: the single-threaded event loop wakes straight from
 * poll()). As soon as a second waiter, or an fset_fd user, needs the
 * eventfd watched while someone else may not be there, the dispatcher
 * starts one thread that is the poller from then on (a thread hop of a
 * few µs per wake-up for those processes; a handover between waiters
 * would wake a thread that has no event). If that thread cannot be
 * started, a poller that leaves wakes a waiting watcher to take over.
 *
 * The passive watcher (ew_watch_passive: the FRCT timer's, which must
 * see packets that land in a reliable flow nobody reads) polls only
 * when nobody else does: no waiter in poll(), no dispatcher thread, no
 * event loop that polls the eventfd itself (ew_fd_self). It never
 * counts as a second waiter (no dispatcher thread for it), any other
 * poller makes it leave poll() (a write to its own eventfd, once per
 * round), and when the last other poller leaves it takes over only
 * cover_ns later if nobody polled again by then: a waiter that comes
 * back to poll after each event (a loop around fevent) costs it no
 * wake-up per event, at most two per cover_ns. While it has nothing to
 * watch (not activated) it never polls: a condition variable and a
 * clock, as any watcher. A process with an event loop (an IPCP) thus
 * has one thread woken per signal, the loop's.
 *
 * Why nothing is lost (see also fqueue.c for the ready lists): a peer
 * signals the eventfd only after making its change visible in shared
 * memory, and the flow stays armed while it is in a set that waits.
 * A signal either comes before the poller's read(), and the dispatch
 * after that read sees the change (it loads the flow's state after the
 * read, which follows the peer's publish), or after it, and the counter
 * stays non-zero, so the next poll() returns at once. Someone polls
 * while anyone waits or any watcher has an fd: the thread, or a waiter
 * (which becomes the poller if there is none, and hands over when it
 * leaves). While the passive watcher is active, someone polls but for
 * gaps of at most cover_ns after the last other poller left (it is
 * told under the lock when that happens, or sees it when it wakes),
 * and a signal sent in such a gap stays in the counter until then. A waiter samples its generation under the lock after taking
 * its ready list, so a dispatch after that bumps it and the wait returns.
 * A waiter whose deadline passed (fevent with a zero timeout, a caller
 * that only ever polls) first reads the eventfd without waiting and
 * dispatches what it held, so a poll never misses what was signalled
 * before it, even when no thread sits in poll().
 *
 * The read off the packet's way (ew_poll_hot): a poller woken by the
 * eventfd first looks at the flow the last signal named (no system
 * call); if it has something, its watchers are woken at once and the
 * signal stays in the eventfd, marked unread, until the woken thread
 * served the flow: the next poll round (or the IPCP loop at the end of
 * its iteration, or a fevent's fairness read) reads and dispatches it
 * before anyone sleeps. Nothing is lost: an unread counter is
 * non-zero, so poll() cannot sleep on it, and a poll round that finds
 * it marked reads it without polling; signals for other flows summed
 * into it are dispatched by that read, one round later.
 */
#ifndef OUROBOROS_LIB_EVWAIT_H
#define OUROBOROS_LIB_EVWAIT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct ew_watch;

/* Called by the poller with the dispatcher lock held: look at the
 * flows hint names (a raw eventfd value, see above), or with hot only
 * at the one flow a valid token names (nothing else: no rescan), and
 * return EW_NEW if the watcher has something new for its waiters, plus
 * EW_NAMED if hint is a valid token of one of its flows. */
#define EW_NEW   1
#define EW_NAMED 2
typedef int (* ew_dispatch_t)(struct ew_watch * w,
                              uint64_t          hint,
                              bool              hot);

struct ew_watch {
        struct ew_watch * next;     /* active list (dispatcher lock) */
        struct ew_watch * prev;
        ew_dispatch_t     dispatch;
        pthread_cond_t    cond;     /* CLOCK_MONOTONIC */
        uint64_t          gen;      /* bumped on every wake-up */
        uint64_t          wakeups;  /* returns from the cond wait (tests) */
        int               waiters;  /* threads in ew_wait */
        int               active;   /* reasons to be on the list */
        int               efd;      /* fset_fd, -1 until asked */
        bool              lit;      /* efd is readable */
        bool              self;     /* ew_fd_self: owner polls for it */
        pthread_t         owner;    /* the thread that called ew_fd_self */
        bool              passive;  /* ew_watch_passive */
        bool              want;     /* passive: tell it when polls end */
        int64_t           cover_ns; /* passive: its gap, see the top */
};

/* Use efd as the process eventfd (after it was created). */
void     evwait_init(int efd);

/* The process eventfd, -1 if none. */
int      evwait_efd(void);

void     ew_lock(void);

void     ew_unlock(void);

void     ew_watch_init(struct ew_watch * w,
                       ew_dispatch_t     dispatch);

/* Deactivated first; closes the efd. */
void     ew_watch_fini(struct ew_watch * w);

/* Dispatcher lock held: take part in dispatches (counted). */
void     ew_activate(struct ew_watch * w);

void     ew_deactivate(struct ew_watch * w);

/* Dispatcher lock held: dispatch what the eventfd holds now, without
 * waiting (a thread in poll() then finds it empty). */
void     ew_poll_now(void);

/*
 * Dispatcher lock held, for a poller that found the eventfd readable:
 * look first at the flow of the last signal that named one (a
 * ping-pong's only flow), without reading the eventfd. True if that
 * flow had something new (its watchers are woken): the signal is left
 * unread, to be read (ew_poll_now, or the next poll round) after the
 * caller served the flow, so that read is not on the packet's way.
 * False: nothing found, read the eventfd as usual.
 */
bool     ew_poll_hot(void);

/* Dispatcher lock held: the last eventfd value that named a flow (a
 * token, see fqueue.c), 0 if none yet. */
uint64_t ew_hot(void);

/* Dispatcher lock held: call fn on every active watcher of one kind,
 * those whose dispatch callback is kind (an event set's, the FRCT
 * timer's). */
void     ew_for_each(ew_dispatch_t kind,
                     void (*      fn)(struct ew_watch *, void *),
                     void *       arg);

/*
 * Dispatcher lock held: wait until w->gen differs from g. Returns 0, or
 * -ETIMEDOUT at abstime (CLOCK_MONOTONIC, NULL = forever). The lock is
 * dropped while sleeping and held again on return. The passive
 * watcher polls the eventfd meanwhile only as the top says, and only
 * while it is active.
 */
int      ew_wait(struct ew_watch *       w,
                 uint64_t                g,
                 const struct timespec * abstime);

/* Dispatcher lock held: wake w's waiters (a local change). */
void     ew_wake(struct ew_watch * w);

/* Dispatcher lock held: make w's eventfd readable or not; never
 * readable by its owner's hand (ew_fd_self). */
void     ew_light(struct ew_watch * w,
                  bool              on);

/*
 * Dispatcher lock not held: make w (initialised, not yet waited on) the
 * process's passive watcher (one at most; see the top): it polls the
 * eventfd only while active and nobody else polls, and takes over
 * cover_ns after the last other poller left. Its eventfd (made here)
 * is how others make it leave poll(); ew_wake does so too. 0 or a
 * negative errno.
 */
int      ew_watch_passive(struct ew_watch * w,
                          int64_t           cover_ns);

/* Dispatcher lock held: w's eventfd (made on first use, which also
 * starts the dispatcher thread), or a negative errno. */
int      ew_fd(struct ew_watch * w);

/*
 * Dispatcher lock held: w's eventfd for an event loop that polls the
 * process eventfd itself (evwait_efd) next to it and calls ew_poll_now
 * when that is readable: no dispatcher thread is started for it, so a
 * peer's signal wakes the loop with no thread hop. The calling thread
 * becomes w's owner: what the owner itself lists does not light w's fd
 * (ew_light skips the write, and so the read that would turn it off):
 * the owner looks at w's ready list before it sleeps instead. Nothing
 * is lost: a signal is read either by the owner, which dispatches it
 * and then looks at the ready list (and does so again before every
 * sleep, see ew_is_owner), or by another poller (a waiter, or the
 * thread that other waiters started), whose dispatch lights w's fd,
 * which the loop also polls. -EAGAIN before the process eventfd exists.
 */
int      ew_fd_self(struct ew_watch * w);

/* Dispatcher lock held: the calling thread is w's owner (ew_fd_self),
 * which must check w's readiness itself before it sleeps. */
bool     ew_is_owner(const struct ew_watch * w);

/* Add val to the process eventfd (a local change the poller must
 * dispatch: a flow's token, or 1 for "look at everything"). */
void     evwait_kick(uint64_t val);

/* Child after fork: fresh locks, no eventfd, no thread. */
void     evwait_reset_child(void);

#endif /* OUROBOROS_LIB_EVWAIT_H */
