/*
 * Ouroboros - the IPCP event loop: one thread, one poll() over the
 * wake-up eventfd of ipcp_loop_call, the pollable descriptor of the
 * framework's event set (fset_fd), and every fd added with ipcp_fd_add;
 * its timeout is the earliest timer, or none (an idle IPCP sleeps until
 * something happens: no periodic wake-up).
 *
 * One iteration: poll(), then the loop calls queued, the flow events
 * (fevent with a zero timeout into one fqueue, each flow's events given
 * to its callback in one call), the fds that poll() reported, the
 * timers that are due, and the post hook (ipcp.c sends its queued
 * requests there).
 *
 * Re-entrancy: a callback may add and remove fds, flows and timers,
 * itself included. The fds of an iteration are a snapshot (pollfd array
 * plus a serial number per entry): an entry removed meanwhile is not
 * found, one added (even under the same number) has a newer serial and
 * waits for the next poll(). Flows watched after this iteration's
 * fevent() carry its round number and are skipped until the next one.
 * A timer being run is off the heap; cancelling it is a no-op, and
 * timers added by callbacks never run in the same pass (sequence mark),
 * so a timer that re-arms itself with delay 0 cannot starve the loop.
 *
 * Why no wake-up is lost:
 * - Flow events: the set's descriptor is level-triggered (fqueue.c):
 *   readable while any member has unread packets or an unreported
 *   event. We call fevent() whenever poll() says it is readable; an
 *   event reported by fevent() is given to the callback; a packet the
 *   callback leaves unread keeps the descriptor readable, so poll()
 *   returns again at once. An event that arrives after fevent() made
 *   the descriptor unreadable makes it readable again, and the next
 *   poll() sees it. Who lights it: the loop polls the process eventfd
 *   (the one peers signal) itself, next to the set's descriptor, and
 *   dispatches what it reads (ipcp_dev_poll), so a peer's write wakes
 *   the loop with no library thread in between (ipcp_fset_fd); if
 *   another thread of the process read the signal first (a blocked
 *   flow_read, or the library's dispatcher thread that other waiters
 *   started), its dispatch lit the set's descriptor, which we poll too
 *   (src/lib/evwait.h, ew_fd_self). What this thread's own calls list
 *   (the dispatch of ipcp_dev_poll, fset_add from ipcp_flow_watch)
 *   does not light the set's descriptor (a write and a read of it per
 *   wake-up saved): after the last callback of an iteration, the loop
 *   asks ipcp_fset_ready instead and polls with a zero timeout while it
 *   is true (a flow left with packets, or listed by a callback), so the
 *   ready list is level-triggered as the descriptor would have been.
 *   When the process eventfd wakes the loop, the flow the last signal
 *   named is looked at first (ipcp_dev_poll_hot): if it has packets,
 *   they are sent before the eventfd is read, and the read (with the
 *   dispatch of whatever else it held) comes at the end of the
 *   iteration, before ipcp_fset_ready and the next poll(); the eventfd
 *   stays readable until then, so nothing waits on it meanwhile.
 *   Before ipcp_dev_init (a type that carries no data) the set's
 *   descriptor comes from fset_fd and the library's thread keeps it up
 *   to date.
 * - The awake flows: every time poll() returns, the loop marks the flow
 *   the last signal named awake (ipcp_fset_awake; up to four flows stay
 *   marked, e.g. a unicast IPCP's application and lower flow): their
 *   writers publish
 *   without signalling the process eventfd while the loop runs (a
 *   ping-pong's application answers into it while we yield: its write,
 *   and our poll and read of the eventfd, saved). ipcp_fset_ready looks
 *   at those flows itself, and before every poll() that may sleep the
 *   loop turns the marks off and looks once more (ipcp_fset_sleep,
 *   sleep_poll): a packet published before the mark went is seen
 *   there, one after it signals (flow_shm.c, "the awake flag"). An
 *   iteration that finds flows ready so polls no fd, but never two in
 *   a row, whichever way they found them (ready_no_poll), so fds and
 *   calls wait at most one iteration more.
 * - Loop calls: ipcp_loop_call appends to the queue under the lock and
 *   then writes the eventfd; the loop reads (resets) the eventfd before
 *   it takes the queue under the lock. A call appended before the take
 *   runs now; one appended after the take wrote the eventfd after our
 *   read, so the counter is non-zero and the next poll() returns at
 *   once. (A call appended between our read and our take runs now and
 *   leaves one spurious wake-up.)
 * - Timers: the timeout is computed from the heap after every callback
 *   of the iteration ran, rounded up to the millisecond, so poll()
 *   returns at or after the earliest deadline; timers are added only on
 *   the loop thread, never while it sleeps.
 * - Fds: plain level-triggered poll().
 *
 * Spinning (IPCP_SPIN_ENV, IPCP_SPIN_US by default): a wake-up from a
 * blocking poll() costs tens of µs in a VM (the idle CPU halts, the
 * waker sends an IPI), more than a round trip through a running IPCP.
 * So while the loop is busy, it polls with a zero timeout (yielding
 * the CPU before each poll, so a peer on the same CPU runs at once)
 * instead of sleeping, until spin_ns passed since the end of the last
 * iteration that found something. An idle loop spins for spin_ns after
 * its last event and then sleeps as before: nothing spins at idle; a
 * loop whose spins keep running out spins only now and then
 * (loop_poll). A spin is worth it only while the CPU would otherwise
 * halt: as soon as a yield let another task run on it (or one took the
 * CPU from us: a yield and a poll took more than SPIN_CUT_NS, where
 * alone they take 2-3 µs and with a switch to another process and
 * back 12-20; the clock, not a system call, tells), the spin ends and
 * the loop sleeps, so IPCPs (or any other work) sharing a CPU never
 * take turns spinning, and a woken peer on the same CPU costs no halt
 * anyway. A loop whose spins keep missing still yields once before it
 * sleeps, if its last iteration woke a process (ipcp_dev_signals), and
 * looks at the awake flows: the application it just woke on its CPU
 * answers meanwhile (when the scheduler lets the yield switch to it). The spin is the
 * same poll() over the same snapshot, only with a zero timeout, so the
 * argument above holds for it unchanged; a spin never outlasts the
 * earliest timer (its poll() timeout is recomputed after the spin).
 */
#include "loop.h"
#include "loop_sched.h"
#include "loop_timer.h"
#include "ipcp.h"
#include "lib/ipcp_dev.h"

#include "common/log.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define IPCP_SPIN_ENV "OUROBOROS_IPCP_SPIN_US"
#define IPCP_SPIN_US  50      /* default; 0 turns spinning off */
#define IPCP_SPIN_MAX 1000000 /* at most 1 s */

struct fd_ent {
        int        fd;
        short      events;
        ipcp_fd_cb cb;
        void *     arg;
        uint64_t   serial;
};

struct flow_ent {
        ipcp_flow_cb cb;
        void *       arg;
        uint64_t     round; /* the round it was watched in */
        bool         on;
};


struct call {
        struct call * next;
        ipcp_timer_cb cb;
        void *        arg;
};

static struct {
        int                  efd;
        bool                 stop;
        uint64_t             iters;
        uint64_t             spins; /* zero-timeout polls that found nothing */
        int64_t              spin_ns; /* 0: never spin */
        int64_t              active;  /* ns, end of the last busy iteration */
        uint32_t             spin_miss; /* spins in a row that ran out */
        uint32_t             spin_skip; /* sleeps without a spin since */
        uint64_t             spin_cut;  /* spins ended: the CPU had work */
        uint64_t             spin_hit;  /* spins that found an event */
        uint64_t             spin_out;  /* spins that ran out */
        uint32_t             ready_run; /* ready iterations in a row */
        bool                 unpolled;  /* the last iteration looked at
                                           no fd (ready_no_poll) */
        bool                 woke;      /* the last iteration woke some
                                           process (ipcp_dev_signals) */
        void              (* post)(void);

        struct fd_ent *      fds;
        size_t               n_fds;
        size_t               cap_fds;
        uint64_t             serial;

        struct pollfd *      pfd;   /* the snapshot of an iteration */
        uint64_t *           pser;  /* serial of each pfd */
        size_t               cap_pfd;

        fset_t *             set;
        fqueue_t *           fq;
        int                  set_fd;
        int                  proc_efd; /* polled by us, or -1 */
        struct flow_ent *    flows; /* by flow descriptor */
        size_t               n_flows;
        uint64_t             round;

        pthread_mutex_t      lock;  /* the call queue */
        struct call *        c_head;
        struct call **       c_tail;
} lp = {
        .efd    = -1,
        .set_fd = -1,
        .proc_efd = -1,
        .lock   = PTHREAD_MUTEX_INITIALIZER,
        .c_tail = &lp.c_head
};

int64_t ipcp_now_ms(void)
{
        return now_ns() / 1000000;
}

/* ---- loop calls ---- */

int ipcp_loop_call(ipcp_timer_cb cb,
                   void *        arg)
{
        struct call * c;
        uint64_t      one = 1;
        int           efd;

        if (cb == NULL)
                return -EINVAL;

        c = malloc(sizeof(*c));
        if (c == NULL)
                return -ENOMEM;

        c->next = NULL;
        c->cb   = cb;
        c->arg  = arg;

        pthread_mutex_lock(&lp.lock);
        *lp.c_tail = c;
        lp.c_tail  = &c->next;
        efd        = lp.efd;
        pthread_mutex_unlock(&lp.lock);

        /* After the append (see the top). A full counter (EAGAIN) is
         * readable anyway. */
        if (efd >= 0 && write(efd, &one, sizeof(one)) < 0 && errno != EAGAIN)
                log_err("Loop wake-up failed: %s.", strerror(errno));

        return 0;
}

static void run_calls(void)
{
        struct call * c;
        uint64_t      cnt;

        if (read(lp.efd, &cnt, sizeof(cnt)) < 0 && errno != EAGAIN)
                log_err("Loop wake-up read failed: %s.", strerror(errno));

        pthread_mutex_lock(&lp.lock);
        c          = lp.c_head;
        lp.c_head  = NULL;
        lp.c_tail  = &lp.c_head;
        pthread_mutex_unlock(&lp.lock);

        while (c != NULL) {
                struct call * n = c->next;
                c->cb(c->arg);
                free(c);
                c = n;
        }
}

/* ---- fds ---- */

static struct fd_ent * fd_find(int fd)
{
        size_t i;

        for (i = 0; i < lp.n_fds; ++i)
                if (lp.fds[i].fd == fd)
                        return &lp.fds[i];

        return NULL;
}

int ipcp_fd_add(int        fd,
                short      events,
                ipcp_fd_cb cb,
                void *     arg)
{
        struct fd_ent * e;

        if (fd < 0 || cb == NULL)
                return -EINVAL;

        if (fd_find(fd) != NULL)
                return -EEXIST;

        if (lp.n_fds == lp.cap_fds) {
                size_t cap = lp.cap_fds * 2 + 8;
                e = realloc(lp.fds, cap * sizeof(*e));
                if (e == NULL)
                        return -ENOMEM;
                lp.fds     = e;
                lp.cap_fds = cap;
        }

        e         = &lp.fds[lp.n_fds++];
        e->fd     = fd;
        e->events = events;
        e->cb     = cb;
        e->arg    = arg;
        e->serial = ++lp.serial;

        return 0;
}

int ipcp_fd_mod(int   fd,
                short events)
{
        struct fd_ent * e = fd_find(fd);

        if (e == NULL)
                return -ENOENT;

        e->events = events;

        return 0;
}

void ipcp_fd_del(int fd)
{
        struct fd_ent * e = fd_find(fd);

        if (e == NULL)
                return;

        *e = lp.fds[--lp.n_fds]; /* the snapshot is by serial: safe */
}

static void run_fds(size_t first,
                    size_t n)
{
        size_t i;
        size_t j;

        for (i = first; i < n; ++i) {
                struct pollfd * p = &lp.pfd[i];
                struct fd_ent * e = NULL;
                ipcp_fd_cb      cb;

                if (p->revents == 0)
                        continue;

                for (j = 0; j < lp.n_fds; ++j)
                        if (lp.fds[j].serial == lp.pser[i])
                                e = &lp.fds[j];
                if (e == NULL)
                        continue; /* removed during this iteration */

                cb = e->cb;
                cb(e->arg, p->fd, p->revents);

                if (!(p->revents & POLLNVAL))
                        continue;
                /* Closed but not removed: it would spin. */
                e = fd_find(p->fd);
                if (e != NULL && e->serial == lp.pser[i]) {
                        log_warn("Fd %d was closed while watched.", p->fd);
                        ipcp_fd_del(p->fd);
                }
        }
}

/* ---- flows ---- */

static void set_fini(void)
{
        fqueue_destroy(lp.fq);
        fset_destroy(lp.set);
        lp.fq       = NULL;
        lp.set      = NULL;
        lp.set_fd   = -1;
        lp.proc_efd = -1;
}

static int set_init(void)
{
        lp.set = fset_create();
        lp.fq  = fqueue_create();
        if (lp.set == NULL || lp.fq == NULL)
                goto fail;

        lp.set_fd = ipcp_fset_fd(lp.set, &lp.proc_efd);
        if (lp.set_fd == -EAGAIN) { /* no session: the library's thread */
                lp.proc_efd = -1;
                lp.set_fd   = fset_fd(lp.set);
        }
        if (lp.set_fd < 0)
                goto fail;

        return 0;
 fail:
        set_fini();

        return -ENOMEM;
}

int ipcp_flow_watch(int          fd,
                    ipcp_flow_cb cb,
                    void *       arg)
{
        struct flow_ent * f;
        int               r;

        if (fd < 0)
                return -EBADF;

        if (cb == NULL)
                return -EINVAL;

        if (lp.set == NULL && (r = set_init()) < 0)
                return r;

        if ((size_t) fd >= lp.n_flows) {
                size_t n = lp.n_flows * 2 > (size_t) fd + 1 ?
                        lp.n_flows * 2 : (size_t) fd + 1;
                f = realloc(lp.flows, n * sizeof(*f));
                if (f == NULL)
                        return -ENOMEM;
                memset(f + lp.n_flows, 0, (n - lp.n_flows) * sizeof(*f));
                lp.flows   = f;
                lp.n_flows = n;
        }

        f = &lp.flows[fd];
        /* A flow deallocated without unwatch left the set by itself. */
        if (f->on && fset_has(lp.set, fd))
                return -EEXIST;

        r = fset_add(lp.set, fd);
        if (r < 0)
                return r == -ENOTALLOC ? -EBADF : r;

        f->cb    = cb;
        f->arg   = arg;
        f->round = lp.round;
        f->on    = true;

        return 0;
}

void ipcp_flow_unwatch(int fd)
{
        if (fd < 0 || (size_t) fd >= lp.n_flows || !lp.flows[fd].on)
                return;

        lp.flows[fd].on = false;
        fset_del(lp.set, fd);
}

/* Give each flow's events to its callback, one call per flow. */
static void run_flows(void)
{
        static const struct timespec zero = { 0, 0 };
        int                          fd;
        int                          next;
        int                          ev;

        ++lp.round; /* flows watched from here on wait for the next */

        if (fevent(lp.set, lp.fq, &zero) <= 0)
                return;

        fd = fqueue_next(lp.fq);
        while (fd >= 0) {
                struct flow_ent * f;

                ev = (int) fqueue_type(lp.fq);
                while ((next = fqueue_next(lp.fq)) == fd)
                        ev |= (int) fqueue_type(lp.fq);

                f = (size_t) fd < lp.n_flows ? &lp.flows[fd] : NULL;
                if (f != NULL && f->on && f->round != lp.round)
                        f->cb(f->arg, fd, ev);

                fd = next;
        }
}

/* ---- the loop ---- */

/* IPCP_SPIN_ENV in µs, or the default; bad values keep the default. */
static int64_t spin_budget(void)
{
        const char * s = getenv(IPCP_SPIN_ENV);
        char *       end;
        long         v;

        if (s == NULL || *s == '\0')
                return IPCP_SPIN_US * 1000LL;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || *end != '\0' || v < 0 || v > IPCP_SPIN_MAX) {
                log_warn("Bad %s '%s': spinning %d us.", IPCP_SPIN_ENV, s,
                         IPCP_SPIN_US);
                return IPCP_SPIN_US * 1000LL;
        }

        return v * 1000LL;
}

int loop_init(bool flows)
{
        lp.spin_ns = spin_budget();
        lp.active  = INT64_MIN / 2;
        lp.spins   = 0;
        lp.spin_miss = 0;
        lp.spin_skip = 0;
        lp.spin_cut  = 0;
        lp.spin_hit  = 0;
        lp.spin_out  = 0;

        lp.efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (lp.efd < 0)
                return -errno;

        if (flows && set_init() < 0) {
                close(lp.efd);
                lp.efd = -1;
                return -ENOMEM;
        }

        return 0;
}

void loop_fini(void)
{
        struct call * c;

        while ((c = lp.c_head) != NULL) {
                lp.c_head = c->next;
                free(c);
        }
        lp.c_tail = &lp.c_head;

        loop_timers_fini();

        free(lp.fds);
        lp.fds     = NULL;
        lp.n_fds   = 0;
        lp.cap_fds = 0;
        free(lp.pfd);
        free(lp.pser);
        lp.pfd     = NULL;
        lp.pser    = NULL;
        lp.cap_pfd = 0;

        free(lp.flows);
        lp.flows   = NULL;
        lp.n_flows = 0;
        set_fini();

        if (lp.efd >= 0)
                close(lp.efd);
        pthread_mutex_lock(&lp.lock);
        lp.efd = -1;
        pthread_mutex_unlock(&lp.lock);
}

void loop_stop(void)
{
        lp.stop = true;
}

void loop_set_post(void (* post)(void))
{
        lp.post = post;
}

uint64_t loop_iterations(void)
{
        return lp.iters;
}

uint64_t loop_spins(void)
{
        return lp.spins;
}

uint64_t loop_spins_cut(void)
{
        return lp.spin_cut;
}

int loop_stat(struct ipcp_stat * s)
{
        int r = 0;

        r |= ipcp_stat_add(s, "loop.iterations", lp.iters);
        r |= ipcp_stat_add(s, "loop.spin_hits", lp.spin_hit);
        r |= ipcp_stat_add(s, "loop.spin_cuts", lp.spin_cut);
        r |= ipcp_stat_add(s, "loop.spin_runouts", lp.spin_out);
        r |= ipcp_stat_add(s, "loop.spin_polls", lp.spins);
        r |= loop_sched_stat(s);

        return r < 0 ? -EMSGSIZE : 0;
}

/* Fill the pollfd snapshot: [0] wake-up, [1] the set and [2] the
 * process eventfd if any, fds. */
static int snapshot(size_t * first)
{
        size_t n = lp.n_fds + 3;
        size_t i;

        if (n > lp.cap_pfd) {
                struct pollfd * p = realloc(lp.pfd, n * sizeof(*p));
                uint64_t *      s;
                if (p == NULL)
                        return -ENOMEM;
                lp.pfd = p;
                s = realloc(lp.pser, n * sizeof(*s));
                if (s == NULL)
                        return -ENOMEM;
                lp.pser    = s;
                lp.cap_pfd = n;
        }

        n = 0;
        lp.pfd[n].fd     = lp.efd;
        lp.pfd[n].events = POLLIN;
        lp.pser[n++]     = 0;
        if (lp.set_fd >= 0) {
                lp.pfd[n].fd     = lp.set_fd;
                lp.pfd[n].events = POLLIN;
                lp.pser[n++]     = 0;
        }
        if (lp.set_fd >= 0 && lp.proc_efd >= 0) {
                lp.pfd[n].fd     = lp.proc_efd;
                lp.pfd[n].events = POLLIN;
                lp.pser[n++]     = 0;
        }
        *first = n;
        for (i = 0; i < lp.n_fds; ++i, ++n) {
                lp.pfd[n].fd     = lp.fds[i].fd;
                lp.pfd[n].events = lp.fds[i].events;
                lp.pser[n]       = lp.fds[i].serial;
        }

        return (int) n;
}

/*
 * poll() the snapshot: while the last busy iteration ended less than
 * spin_ns ago, with a zero timeout (yielding before each), then with
 * the timeout of the earliest timer (see the top). A spin that ran out
 * is a miss; after SPIN_MISS_MAX misses in a row (events come further
 * apart than spin_ns: a slow peer, or a loaded machine whose other
 * tasks take the CPU we yield), only one sleep in SPIN_RETRY spins,
 * until a spin finds something again. A spin also ends, and the loop
 * sleeps, when a yield and a poll took longer than SPIN_CUT_NS: a
 * yield ran another task (one switch each way), or one preempted us;
 * either way the CPU has other work, which a spin would
 * only take turns with (see the top). That is a miss too: a loop whose
 * CPU keeps having other work when it would spin (several IPCPs on one
 * CPU) soon tries only before one sleep in SPIN_RETRY, and the probe
 * (a yield that switches, and back) costs little; one that finds an
 * event between cuts (an IPCP that woke its application on its CPU,
 * then waits for the wire) keeps spinning.
 */
#define SPIN_MISS_MAX 8
#define SPIN_RETRY    16
#define SPIN_CUT_NS   8000 /* a poll and a yield that took longer ran
                              another task (measured here: 2-3 µs
                              alone, 12-20 µs with a switch and back) */

/* The set has members listed by this thread (see the top). */
static bool flows_ready(void)
{
        return lp.proc_efd >= 0 && ipcp_fset_ready(lp.set);
}

/* Every poll() of the loop: the fds were looked at. */
static int poll_fds(nfds_t n,
                    int    timeout)
{
        lp.unpolled = false;

        return poll(lp.pfd, n, timeout);
}

/* Flows found ready without a poll(): *ready, and 0 (no fd looked
 * at); every revents cleared, so the iteration does not run the fds
 * of the last one again. But never twice in a row: a writer that
 * keeps the awake flow non-empty whenever the loop would sleep, while
 * each iteration empties it (a unicast IPCP feeding an eth IPCP at the
 * rate it sends), took this path at every iteration through the
 * sleeping poll and the spin, which reset the count of ready_run, and
 * the fds (the device's socket: what the peer sent), calls and their
 * events waited until the writer paused: 1.2 s in a 2-hop flood, long
 * enough for a unicast neighbour to call the adjacency silent. So a
 * second one looks at the fds with a zero timeout instead. */
static int ready_no_poll(nfds_t n,
                         bool * ready)
{
        nfds_t i;

        *ready = true;
        if (lp.unpolled)
                return poll_fds(n, 0);

        for (i = 0; i < n; ++i)
                lp.pfd[i].revents = 0;
        lp.unpolled = true;

        return 0;
}

/*
 * The sleeping poll(): first the awake flow's mark goes (see the top);
 * if that finds it with packets, no sleep: *ready, and 0 (no fd
 * looked at).
 */
static int sleep_poll(nfds_t n,
                      bool * ready)
{
        int t = loop_timeout_ms();

        if (t != 0 && lp.proc_efd >= 0 && ipcp_fset_sleep(lp.set))
                return ready_no_poll(n, ready);

        return poll_fds(n, t);
}

static int loop_poll(nfds_t n,
                     bool * ready)
{
        bool    cut = false;
        int64_t t;
        int     r;

        /* Ready: a look at the fds first, but only every other time
         * in a row (a ping-pong's answer, found ready after the
         * application ran, goes out one system call sooner; fds and
         * calls still wait at most one iteration). */
        if (*ready && ++lp.ready_run % 2 == 1)
                return ready_no_poll(n, ready);
        if (*ready)
                return poll_fds(n, 0);
        lp.ready_run = 0;

        if (lp.spin_ns == 0 || now_ns() - lp.active >= lp.spin_ns)
                return sleep_poll(n, ready);

        if (lp.spin_miss >= SPIN_MISS_MAX && ++lp.spin_skip % SPIN_RETRY != 0) {
                /* No spin, but one yield if the iteration woke a
                 * process: an application on our CPU answers into
                 * the awake flow meanwhile (no signal, no wake-up of
                 * ours). One that woke nobody sleeps at once. */
                if (!lp.woke)
                        return sleep_poll(n, ready);
                sched_yield();
                if (!flows_ready())
                        return sleep_poll(n, ready);
                ++lp.spin_hit;
                return ready_no_poll(n, ready);
        }

        while ((t = now_ns()) - lp.active < lp.spin_ns && loop_timeout_ms() != 0) {
                /* First: an application this iteration woke on our
                 * CPU runs now, before a system call of ours. */
                sched_yield();
                if (flows_ready()) { /* it wrote to the awake flow */
                        lp.spin_miss = 0;
                        ++lp.spin_hit;
                        return ready_no_poll(n, ready);
                }
                r = poll_fds(n, 0);
                if (r != 0) {
                        if (r > 0) {
                                lp.spin_miss = 0;
                                ++lp.spin_hit;
                        }
                        return r;
                }
                ++lp.spins;
                if (now_ns() - t > SPIN_CUT_NS) { /* it had work: sleep */
                        cut = true;
                        break;
                }
        }
        if (cut)
                ++lp.spin_cut;
        else
                ++lp.spin_out;

        if (lp.spin_miss < SPIN_MISS_MAX)
                ++lp.spin_miss;

        return sleep_poll(n, ready);
}

int loop_run(void)
{
        size_t   first;
        bool     ready;
        bool     unread = false;
        bool     busy;
        uint64_t sig;
        int      n;
        int      r;

        lp.stop = false;
        run_calls(); /* any queued before the loop ran */
        ready = flows_ready();
        lp.active = now_ns(); /* a start is busy: spin as after an event */

        while (!lp.stop) {
                n = snapshot(&first);
                if (n < 0)
                        return n;

                r = loop_poll((nfds_t) n, &ready);
                if (r < 0 && errno != EINTR)
                        return -errno;
                ++lp.iters;
                if (r < 0)
                        continue;
                if (first >= 3) /* out of poll(): the hot flow awake */
                        ipcp_fset_awake(lp.set);
                sig = ipcp_dev_signals();

                if (lp.pfd[0].revents != 0)
                        run_calls();
                if (first == 3 && lp.pfd[2].revents != 0) {
                        /* Lists flows, see the top; the flow of the
                         * last signal before reading the eventfd. */
                        unread = ipcp_dev_poll_hot();
                        if (!unread)
                                ipcp_dev_poll();
                        ready = true;
                }
                busy = r > 0 || ready;
                if (first >= 2 && (ready || lp.pfd[1].revents != 0))
                        run_flows();
                run_fds(first, (size_t) n);
                loop_run_timers();
                if (lp.post != NULL)
                        lp.post();
                if (unread) /* off the packet's way, before a sleep */
                        ipcp_dev_poll();
                unread = false;
                ready = flows_ready(); /* after everything that lists */
                lp.woke = ipcp_dev_signals() != sig;
                if (busy || ready) /* the spin counts from here */
                        lp.active = now_ns();
                loop_sched_iter(lp.active);
        }

        return 0;
}
