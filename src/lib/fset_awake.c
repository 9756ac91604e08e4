/*
 * Ouroboros - the awake marks of event sets: the IPCP loop's set
 * (ipcp_fset_*) and the spin of fevent.
 *
 * A set polled by its owner (ipcp_fset_fd, the IPCP loop: evwait.h,
 * ew_fd_self) saves three system calls per wake-up: the owner reads the
 * process eventfd itself whenever poll() finds it readable, before each
 * fevent (so fevent neither reads it again for fairness nor, with a zero
 * timeout, before giving up); and what the owner's own calls list
 * (its dispatch, fset_add) does not light the set's fd, which would
 * only be turned off again by the same thread. The owner calls
 * ipcp_fset_ready after its last call into the set and before every
 * sleep, and does not sleep while it is true: the ready list is what
 * the lit fd would have said. Lists made by other threads light the fd
 * as for any set, so the argument above holds unchanged for them.
 */
#include "evwait.h"
#include "flow_table.h"
#include "fqueue_priv.h"
#include "fset_priv.h"
#include "ipcp_dev.h"

#include "common/api.h"
#include "common/env_num.h"
#include "common/flow_shm.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

/* Set lock held: turn the awake flag of marked slot k off (if its
 * flow is still there: else nothing signals anyway) and drop the slot.
 * Before a sleep, the caller then checks the member (awake_pending). */
void fs_awake_off(fset_t * set,
                  size_t   k)
{
        struct ft_flow * f;

        f = ft_get_gen(set->awake_fd[k], set->awake_gen[k]);
        if (f != NULL) {
                flow_shm_set_awake(f->shm, false);
                ft_put(f);
        }
        --set->awake_n;
        set->awake_fd[k]  = set->awake_fd[set->awake_n];
        set->awake_gen[k] = set->awake_gen[set->awake_n];
        if (set->awake_next >= set->awake_n)
                set->awake_next = 0;
}

/* Set lock held: every mark off. */
void fs_awake_all_off(fset_t * set)
{
        while (set->awake_n > 0)
                fs_awake_off(set, set->awake_n - 1);
}

/* Dispatcher and set lock held: list member fd if it has something
 * (the check after an awake flag turned off, or while it is on). */
void fs_awake_pending(fset_t * set,
                      int      fd)
{
        if (fd >= 0 && !set->inrdy[fd] && fs_still_pending(set, fd))
                fs_rdy_push(set, fd);
}

/* Set lock held, a slot free: mark member i awake if its flow is
 * plain (FRCT's timer watches its flows' signals) and armed by this
 * set alone (flow_shm_set_awake). */
static void mark(fset_t * set,
                 size_t   i)
{
        struct ft_flow * f;
        size_t           k;

        f = ft_get_gen(set->m[i].fd, set->m[i].gen);
        if (f == NULL)
                return;
        if (f->fr == NULL && set->m[i].armed &&
            flow_shm_set_awake(f->shm, true)) {
                k = set->awake_n++;
                set->awake_fd[k]  = set->m[i].fd;
                set->awake_gen[k] = set->m[i].gen;
        }
        ft_put(f);
}

OURO_API int ipcp_fset_fd(fset_t * set,
                          int *    proc_efd)
{
        int r;

        if (proc_efd == NULL)
                return -EINVAL;

        r = fs_set_fd(set, true);
        if (r >= 0)
                *proc_efd = evwait_efd();

        return r;
}

OURO_API void ipcp_dev_poll(void)
{
        ew_lock();
        ew_poll_now();
        ew_unlock();
}

OURO_API bool ipcp_dev_poll_hot(void)
{
        bool r;

        ew_lock();
        r = ew_poll_hot();
        ew_unlock();

        return r;
}

OURO_API bool ipcp_fset_ready(fset_t * set)
{
        size_t k;
        bool   r;

        if (set == NULL)
                return false;

        ew_lock();
        if (set->awake_n > 0) { /* their writers may not signal */
                pthread_mutex_lock(&set->lock);
                for (k = 0; k < set->awake_n; ++k)
                        fs_awake_pending(set, set->awake_fd[k]);
                pthread_mutex_unlock(&set->lock);
        }
        r = set->nrdy > 0;
        ew_unlock();

        return r;
}

/* Set lock held: is member i (index + 1, 0: none) marked? */
static bool marked(const fset_t * set,
                   size_t         i)
{
        size_t k;

        for (k = 0; k < set->awake_n; ++k)
                if (set->awake_fd[k] == set->m[i - 1].fd &&
                    set->awake_gen[k] == set->m[i - 1].gen)
                        return true;

        return false;
}

OURO_API void ipcp_fset_awake(fset_t * set)
{
        int    fd;
        size_t i;
        size_t k;

        if (set == NULL)
                return;

        ew_lock();
        if (!ew_is_owner(&set->w)) {
                ew_unlock();
                return;
        }
        fd = fq_token_fd(ew_hot());
        pthread_mutex_lock(&set->lock);
        i = fd >= 0 && fd < set->size ? set->pos[fd] : 0;
        if (i != 0 && !marked(set, i)) {
                if (set->awake_n == AWAKE_MAX) { /* the oldest goes */
                        int old = set->awake_fd[set->awake_next];
                        k = set->awake_next;
                        fs_awake_off(set, k);
                        fs_awake_pending(set, old);
                        set->awake_next = (k + 1) % AWAKE_MAX;
                }
                mark(set, i - 1);
        }
        /* The flows marked before the last sleep, again, while slots
         * are free: the application the loop serves writes its next
         * packet unsignalled though the loop slept meanwhile (what
         * woke it was the lower flow's packet). */
        for (k = 0; k < set->recent_n && set->awake_n < AWAKE_MAX; ++k) {
                i = set->pos[set->recent_fd[k]];
                if (i != 0 && set->m[i - 1].gen == set->recent_gen[k] &&
                    !marked(set, i))
                        mark(set, i - 1);
        }
        set->recent_n = 0;
        pthread_mutex_unlock(&set->lock);
        ew_unlock();
}

/* Dispatcher and set lock held: every mark off (A1, flow_shm.c),
 * then the marked members looked at once more (A2). */
static void unmark(fset_t * set)
{
        int    fds[AWAKE_MAX];
        size_t n = set->awake_n;
        size_t k;

        memcpy(fds, set->awake_fd, n * sizeof(*fds));
        /* Remembered: the loop marks them again when it wakes
         * (ipcp_fset_awake); fevent's spin marked its recent ones. */
        memcpy(set->recent_fd, set->awake_fd, n * sizeof(*fds));
        memcpy(set->recent_gen, set->awake_gen,
               n * sizeof(*set->awake_gen));
        set->recent_n = n;
        fs_awake_all_off(set);                 /* A1 */
        for (k = 0; k < n; ++k)
                fs_awake_pending(set, fds[k]); /* A2 */
}

OURO_API bool ipcp_fset_sleep(fset_t * set)
{
        bool r;

        if (set == NULL)
                return false;

        ew_lock();
        pthread_mutex_lock(&set->lock);
        unmark(set);
        pthread_mutex_unlock(&set->lock);
        r = set->nrdy > 0;
        ew_unlock();

        return r;
}

/*
 * fevent's spin. An application that waits for the answer to what it
 * just sent (a ping-pong, a request and its reply through an IPCP)
 * sleeps for tens of µs; waking it costs its IPCP an eventfd write and
 * it a poll() wake-up on a CPU that halted meanwhile (an IPI: tens of
 * µs in a VM). So before fevent sleeps, the flows of the last packets
 * it returned (up to AWAKE_MAX) are marked awake, as the IPCP loop
 * marks its flows, and polled for up to OUROBOROS_SPIN_US (FLOW_SHM_RSPIN_US
 * by default, 0 for never): a packet that comes meanwhile is taken
 * without a signal or a wake-up on either side. The marks go before
 * the sleep, and the marked flows are looked at once more (unmark: the
 * A1/A2 argument of flow_shm.c), so no packet is left unsignalled.
 *
 * Only a set with no fd (fset_fd's poller would miss the unsignalled
 * packets), not the IPCP loop's (it spins itself), and one spinner per
 * set: a second waiter sleeps as before, and a packet on a marked flow
 * is the spinner's. Other members' signals wait in the eventfd until
 * the spin ends (at most the spin's length; a spin that found
 * something returns, and fevent's fairness read takes them).
 *
 * As the IPCP loop's (src/ipcpd/common/loop.c, "Spinning"), a spin
 * yields the CPU after its first FS_SPIN_PAUSE_NS (a peer on the same
 * CPU runs first), ends when a yield ran another task (a yield that
 * took over FS_SPIN_CUT_NS by the clock: the CPU has other work) and
 * counts as a miss if it found nothing; after FS_SPIN_MISS_MAX misses
 * in a row, the set spins before one wait in FS_SPIN_RETRY only,
 * until a spin finds something. A process that may run on one CPU
 * only never spins. The cost is CPU time while the answer travels
 * (bench/layers shows it per round trip).
 */
#define FS_SPIN_PAUSE_NS 2000
#define FS_SPIN_CUT_NS   8000
#define FS_SPIN_MISS_MAX 8
#define FS_SPIN_RETRY    16

/* The spin's length (ns), 0 if this thread may run on one CPU only;
 * looked up again at most once a second (the affinity may change). */
static int64_t spin_budget(void)
{
        static _Thread_local bool    known;
        static _Thread_local int64_t at;
        static _Thread_local int64_t ns;
        static int                   warned;
        cpu_set_t                    cpus;
        int64_t                      t = now_ns();

        if (known && t - at < 1000000000LL)
                return ns;
        known = true;
        at    = t;
        ns = 0;
        if (sysconf(_SC_NPROCESSORS_ONLN) < 2 ||
            (sched_getaffinity(0, sizeof(cpus), &cpus) == 0 &&
             CPU_COUNT(&cpus) < 2))
                return 0;
        ns = (int64_t) env_num(FLOW_SHM_SPIN_ENV, 0, FLOW_SHM_SPIN_MAX_US,
                               FLOW_SHM_RSPIN_US, &warned) * 1000;

        return ns;
}

void fs_note(fset_t *              set,
             const struct fq_ent * e,
             size_t                n)
{
        size_t i;
        size_t k;

        pthread_mutex_lock(&set->lock);
        set->recent_n = 0;
        for (i = 0; i < n && set->recent_n < AWAKE_MAX; ++i) {
                size_t j = set->pos[e[i].fd];
                if (e[i].ev != FLOW_PKT || j == 0)
                        continue;
                for (k = 0; k < set->recent_n; ++k)
                        if (set->recent_fd[k] == e[i].fd)
                                break;
                if (k < set->recent_n)
                        continue;
                set->recent_fd[k]  = e[i].fd;
                set->recent_gen[k] = set->m[j - 1].gen;
                ++set->recent_n;
        }
        pthread_mutex_unlock(&set->lock);
}

/* Dispatcher lock held: has the spin something? */
static bool spin_found(fset_t * set,
                       uint64_t g)
{
        size_t k;

        pthread_mutex_lock(&set->lock);
        for (k = 0; k < set->awake_n; ++k)
                fs_awake_pending(set, set->awake_fd[k]);
        pthread_mutex_unlock(&set->lock);

        return set->nrdy > 0 || set->w.gen != g;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield" ::: "memory");
#endif
}

/* Set lock held: mark the members of the last packets. */
static size_t mark_recent(fset_t * set)
{
        size_t k;
        size_t i;

        for (k = 0; k < set->recent_n; ++k) {
                i = set->pos[set->recent_fd[k]];
                if (i != 0 && set->m[i - 1].gen == set->recent_gen[k])
                        mark(set, i - 1);
        }

        return set->awake_n;
}

bool fs_spin(fset_t *                set,
             uint64_t                g,
             const struct timespec * abstime)
{
        int64_t budget;
        int64_t start;
        int64_t end;
        int64_t t;
        bool    found = false;
        int     i;

        if (set->spinning || set->fdref > 0 || !set->armed ||
            set->awake_n > 0 || set->recent_n == 0)
                return false;

        pthread_mutex_lock(&set->lock);
        if (set->spin_miss >= FS_SPIN_MISS_MAX &&
            ++set->spin_skip % FS_SPIN_RETRY != 0) {
                pthread_mutex_unlock(&set->lock);
                return false;
        }
        budget = spin_budget();
        start  = now_ns();
        end    = start + budget;
        if (abstime != NULL && ts_to_ns(abstime) < end)
                end = ts_to_ns(abstime);
        if (end <= start || mark_recent(set) == 0) {
                pthread_mutex_unlock(&set->lock);
                return false;
        }
        set->spinning = true;
        pthread_mutex_unlock(&set->lock);

        while (!(found = spin_found(set, g))) {
                ew_unlock();
                for (i = 0; i < 32; ++i)
                        cpu_relax();
                t = now_ns();
                if (t - start >= FS_SPIN_PAUSE_NS) {
                        sched_yield(); /* a peer on our CPU first */
                        if (now_ns() - t > FS_SPIN_CUT_NS)
                                t = end; /* it ran: the CPU has work */
                }
                ew_lock();
                if (t >= end)
                        break;
        }

        pthread_mutex_lock(&set->lock);
        unmark(set);
        set->spinning = false;
        found = found || set->nrdy > 0 || set->w.gen != g;
        if (found)
                set->spin_miss = 0;
        else if (set->spin_miss < FS_SPIN_MISS_MAX)
                ++set->spin_miss;
        pthread_mutex_unlock(&set->lock);

        return found;
}
