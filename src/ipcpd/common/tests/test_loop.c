/*
 * Ouroboros - unit tests of the IPCP event loop (loop.c): timers run in
 * deadline order and never early, cancel (also from a callback and of
 * the running timer), fd callbacks, fds removed while their iteration
 * dispatches, ipcp_loop_call from many threads, no wake-up at all when
 * nothing is scheduled, and flows: a flow memory made here (as the IRMd
 * would) whose side 1 is adopted with ipcp_flow_adopt and watched with
 * ipcp_flow_watch, fed from side 0 by the loop thread and by another
 * thread while the loop sleeps, read one packet per callback (the set is
 * level-triggered), and closed (FLOW_DEALLOC, unwatch from the callback);
 * a flow unwatched by another flow's callback in the round that took
 * its event does not get it; a ping-pong that wakes the loop per
 * packet, with the eventfd read after the flow is served, loses no
 * other flow's signal and does not spin; an fd beside a flow whose
 * writer never pauses is served (not starved); the spin after an event
 * (OUROBOROS_IPCP_SPIN_US) polls without counting as iterations, ends
 * within its window at idle, and is off with 0.
 *
 * The process eventfd of the library is what side 0 must signal; the
 * test gets it as the IRMd does: it listens on irmd.sock of a private
 * runtime directory and takes it from M_PROC_ANNOUNCE (ipcp_dev_init).
 */
#include "ipcpd/common/ipcp.h"
#include "ipcpd/common/loop.h"

#include "common/flow_shm.h"
#include "common/msg.h"
#include "common/proto.h"
#include "lib/ipcp_dev.h"

#include "../../../../tests/check.h"
#include "irmd_script.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void stop_cb(void * arg)
{
        (void) arg;
        loop_stop();
}

/* ---- timers ---- */

struct tm_rec {
        int     order[8];
        int     n;
        int64_t start;
};

static struct tm_rec rec;

struct tm_arg {
        int     id;
        int64_t delay;
};

static void tm_cb(void * arg)
{
        struct tm_arg * a = arg;

        CHECK(ipcp_now_ms() - rec.start >= a->delay); /* never early */
        rec.order[rec.n++] = a->id;
}

static void test_timer_order(void)
{
        struct tm_arg a[] = {
                { 4, 60 }, { 1, 20 }, { 3, 40 }, { 2, 20 }, { 0, 0 }
        };
        size_t i;

        memset(&rec, 0, sizeof(rec));
        rec.start = ipcp_now_ms();
        for (i = 0; i < sizeof(a) / sizeof(*a); ++i)
                CHECK(ipcp_timer_add(a[i].delay, tm_cb, &a[i]) != NULL);
        CHECK(ipcp_timer_add(80, stop_cb, NULL) != NULL);

        CHECK_EQ(loop_run(), 0);
        CHECK_EQ(rec.n, 5);
        for (i = 0; i < 5; ++i) /* same deadline: in order of adding */
                CHECK_EQ(rec.order[i], (int) i);
}

static struct ipcp_timer * victim;
static struct ipcp_timer * self_t;
static int                 victim_ran;
static int                 self_ran;

static void victim_cb(void * arg)
{
        (void) arg;
        ++victim_ran;
}

static void killer_cb(void * arg)
{
        (void) arg;
        ipcp_timer_cancel(victim);
}

static void self_cb(void * arg)
{
        (void) arg;
        ++self_ran;
        ipcp_timer_cancel(self_t); /* running: a no-op */
}

static void test_timer_cancel(void)
{
        struct ipcp_timer * t;

        t = ipcp_timer_add(10, victim_cb, NULL);
        CHECK(t != NULL);
        ipcp_timer_cancel(t); /* before the loop runs */

        victim = ipcp_timer_add(40, victim_cb, NULL);
        CHECK(ipcp_timer_add(10, killer_cb, NULL) != NULL);
        self_t = ipcp_timer_add(20, self_cb, NULL);
        CHECK(ipcp_timer_add(60, stop_cb, NULL) != NULL);

        CHECK_EQ(loop_run(), 0);
        CHECK_EQ(victim_ran, 0);
        CHECK_EQ(self_ran, 1);
}

/* A timer that re-arms itself with delay 0 does not starve fds. */
static int rearm_n;

static void rearm_cb(void * arg)
{
        (void) arg;
        if (++rearm_n < 100)
                CHECK(ipcp_timer_add(0, rearm_cb, NULL) != NULL);
}

/* ---- fds ---- */

static int  pa[2];
static int  pb[2];
static int  a_calls;
static int  b_calls;
static char a_got[8];

static void b_cb(void * arg,
                 int    fd,
                 short  revents)
{
        (void) arg;
        (void) fd;
        (void) revents;
        ++b_calls;
}

static void a_cb(void * arg,
                 int    fd,
                 short  revents)
{
        (void) arg;

        CHECK(revents & POLLIN);
        CHECK_EQ(read(fd, a_got + a_calls, 1), 1);
        ++a_calls;
        /* b is readable in this very iteration: it must not run. */
        ipcp_fd_del(pb[0]);
        if (a_calls == 2) {
                ipcp_fd_del(fd); /* itself */
                CHECK(ipcp_timer_add(30, stop_cb, NULL) != NULL);
        }
}

static void write_a(void * arg)
{
        CHECK_EQ(write(pa[1], arg, 1), 1);
}

static void test_fds(void)
{
        CHECK_EQ(pipe(pa), 0);
        CHECK_EQ(pipe(pb), 0);

        CHECK_EQ(ipcp_fd_add(pa[0], POLLIN, a_cb, NULL), 0);
        CHECK_EQ(ipcp_fd_add(pa[0], POLLIN, a_cb, NULL), -EEXIST);
        CHECK_EQ(ipcp_fd_add(pb[0], POLLIN, b_cb, NULL), 0);
        CHECK_EQ(ipcp_fd_mod(pb[1], POLLIN), -ENOENT);
        CHECK_EQ(ipcp_fd_mod(pb[0], POLLIN), 0);

        CHECK_EQ(write(pa[1], "x", 1), 1);
        CHECK_EQ(write(pb[1], "y", 1), 1);
        CHECK(ipcp_timer_add(20, write_a, "z") != NULL);
        CHECK(ipcp_timer_add(25, write_a, "w") != NULL); /* after del */

        rearm_n = 0;
        CHECK(ipcp_timer_add(0, rearm_cb, NULL) != NULL);

        CHECK_EQ(loop_run(), 0);
        CHECK_EQ(a_calls, 2);
        CHECK_EQ(b_calls, 0);
        CHECK(memcmp(a_got, "xz", 2) == 0);
        CHECK_EQ(rearm_n, 100);

        close(pa[0]);
        close(pa[1]);
        close(pb[0]);
        close(pb[1]);
}

/* ---- loop calls ---- */

#define N_THR   4
#define N_CALLS 2000

static pthread_t loop_thr;
static int       calls;
static int       off_thread;

static void count_cb(void * arg)
{
        (void) arg;
        if (!pthread_equal(pthread_self(), loop_thr))
                ++off_thread;
        if (++calls == N_THR * N_CALLS)
                loop_stop();
}

static void * caller(void * arg)
{
        int i;

        (void) arg;
        for (i = 0; i < N_CALLS; ++i) {
                CHECK_EQ(ipcp_loop_call(count_cb, NULL), 0);
                if (i % 256 == 0)
                        usleep(100); /* let the loop sleep now and then */
        }

        return NULL;
}

static void test_loop_call(void)
{
        pthread_t t[N_THR];
        int       i;

        loop_thr = pthread_self();
        for (i = 0; i < N_THR; ++i)
                CHECK_EQ(pthread_create(&t[i], NULL, caller, NULL), 0);

        CHECK_EQ(loop_run(), 0);
        for (i = 0; i < N_THR; ++i)
                pthread_join(t[i], NULL);

        CHECK_EQ(calls, N_THR * N_CALLS);
        CHECK_EQ(off_thread, 0);
}

/* ---- idle: no wake-up when nothing is scheduled ---- */

static uint64_t       it0;
static uint64_t       it1;
static atomic_bool    started;

static void mark0(void * arg)
{
        (void) arg;
        it0 = loop_iterations();
        atomic_store(&started, true);
}

static void mark1(void * arg)
{
        (void) arg;
        it1 = loop_iterations();
        loop_stop();
}

static void * run_loop(void * arg)
{
        (void) arg;
        CHECK_EQ(loop_run(), 0);
        return NULL;
}

/* Iterations of the loop over 1 s in which nothing happens. */
static uint64_t idle_iterations(void)
{
        pthread_t t;

        atomic_store(&started, false);
        CHECK_EQ(ipcp_loop_call(mark0, NULL), 0);
        CHECK_EQ(pthread_create(&t, NULL, run_loop, NULL), 0);
        while (!atomic_load(&started))
                usleep(1000);
        sleep(1);
        CHECK_EQ(ipcp_loop_call(mark1, NULL), 0);
        pthread_join(t, NULL);

        return it1 - it0;
}

static void test_idle(void)
{
        struct ipcp_timer * far;
        int                 fds[2];

        /* Nothing at all: the one iteration is mark1's own wake-up. */
        CHECK_EQ(idle_iterations(), 1);

        /* An fd that never fires and a timer far away change nothing. */
        CHECK_EQ(pipe(fds), 0);
        CHECK_EQ(ipcp_fd_add(fds[0], POLLIN, b_cb, NULL), 0);
        far = ipcp_timer_add(60 * 1000, stop_cb, NULL);
        CHECK(far != NULL);

        CHECK_EQ(idle_iterations(), 1);

        ipcp_timer_cancel(far);
        ipcp_fd_del(fds[0]);
        close(fds[0]);
        close(fds[1]);
}

/* ---- spinning after an event ---- */

static uint64_t sp0;
static uint64_t sp1;
static int64_t  cpu0;
static int64_t  cpu1;

static int64_t thread_cpu_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);

        return (int64_t) t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void spin_mark0(void * arg)
{
        (void) arg;
        it0  = loop_iterations();
        sp0  = loop_spins();
        cpu0 = thread_cpu_ns();
        atomic_store(&started, true);
}

static void spin_mark1(void * arg)
{
        (void) arg;
        it1  = loop_iterations();
        sp1  = loop_spins();
        cpu1 = thread_cpu_ns();
        loop_stop();
}

/* With spin us: one event, then 400 ms of nothing; the loop thread on
 * CPU cpu (-1: anywhere). */
static void spin_run_on(const char * us,
                        int          cpu)
{
        pthread_attr_t a;
        cpu_set_t      set;
        pthread_t      t;

        loop_fini();
        CHECK_EQ(setenv("OUROBOROS_IPCP_SPIN_US", us, 1), 0);
        CHECK_EQ(loop_init(false), 0);

        atomic_store(&started, false);
        CHECK_EQ(ipcp_loop_call(spin_mark0, NULL), 0);
        pthread_attr_init(&a);
        if (cpu >= 0) {
                CPU_ZERO(&set);
                CPU_SET(cpu, &set);
                CHECK_EQ(pthread_attr_setaffinity_np(&a, sizeof(set), &set),
                         0);
        }
        CHECK_EQ(pthread_create(&t, &a, run_loop, NULL), 0);
        pthread_attr_destroy(&a);
        while (!atomic_load(&started))
                usleep(1000);
        usleep(400 * 1000);
        CHECK_EQ(ipcp_loop_call(spin_mark1, NULL), 0);
        pthread_join(t, NULL);
}

static void spin_run(const char * us)
{
        spin_run_on(us, -1);
}

static atomic_bool hog_stop;

static void * hog(void * arg)
{
        (void) arg;
        while (!atomic_load(&hog_stop))
                ; /* runnable all the time */
        return NULL;
}

/* A task that wants the loop's CPU (a busy thread on it): the spin
 * ends at its first yield and the loop sleeps, rather than taking
 * turns with it for the whole window. */
static void test_spin_shared(void)
{
        pthread_attr_t a;
        cpu_set_t      set;
        pthread_t      h;
        uint64_t       cut;
        int            cpu = -1;
        int            i;

        CHECK_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
        for (i = 0; i < CPU_SETSIZE && cpu < 0; ++i)
                if (CPU_ISSET(i, &set))
                        cpu = i;
        CHECK(cpu >= 0);

        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        pthread_attr_init(&a);
        CHECK_EQ(pthread_attr_setaffinity_np(&a, sizeof(set), &set), 0);
        atomic_store(&hog_stop, false);
        CHECK_EQ(pthread_create(&h, &a, hog, NULL), 0);
        pthread_attr_destroy(&a);

        /* 200 ms of spin window, shared with the hog. */
        cut = loop_spins_cut();
        spin_run_on("200000", cpu);
        printf("spin, CPU shared: %llu empty polls, cut %llu\n",
               (unsigned long long) (sp1 - sp0),
               (unsigned long long) (loop_spins_cut() - cut));
        CHECK(loop_spins_cut() > cut);
        CHECK(sp1 - sp0 <= 20); /* without the cut: ~70 here */
        CHECK_EQ(it1 - it0, 1);

        atomic_store(&hog_stop, true);
        pthread_join(h, NULL);

        loop_fini();
        CHECK_EQ(unsetenv("OUROBOROS_IPCP_SPIN_US"), 0);
        CHECK_EQ(loop_init(false), 0);
}

static void test_spin(void)
{
        int i;

        /* 50 ms: the loop polls after mark0, then sleeps; the empty
         * polls are no iterations, and the CPU spent is the spin's.
         * (A loaded machine may keep the loop thread off the CPU for
         * the whole window: try again.) */
        for (i = 0; i < 3; ++i) {
                spin_run("50000");
                if (sp1 > sp0)
                        break;
        }
        CHECK(sp1 > sp0);
        CHECK_EQ(it1 - it0, 1);
        CHECK(cpu1 - cpu0 < 200 * 1000000LL); /* of 400 ms idle */

        /* Off. */
        spin_run("0");
        CHECK_EQ(sp1, sp0);
        CHECK_EQ(it1 - it0, 1);

        /* Back to the default for the other tests. */
        loop_fini();
        CHECK_EQ(unsetenv("OUROBOROS_IPCP_SPIN_US"), 0);
        CHECK_EQ(loop_init(false), 0);
}

/* ---- flows ---- */

static int             lsock = -1;
static int             proc_efd = -1;   /* the library's, from announce */
static struct flow_shm * app;           /* side 0: "the application" */
static int             fl_pkts;
static int             fl_calls;
static int             fl_dealloc;
static char            fl_got[4];

/* Play the IRMd for ipcp_dev_init: answer the announce, keep its fd. */
static void * irmd(void * arg)
{
        static struct msg m;
        int               c;

        (void) arg;
        c = accept(lsock, NULL, NULL);
        CHECK(c >= 0);
        CHECK_EQ(msg_recv(c, &m, 5000), 0);
        CHECK_EQ(m.type, M_PROC_ANNOUNCE);
        proc_efd = msg_take_fd(&m, 0);
        CHECK(proc_efd >= 0);
        msg_fini(&m);
        msg_init_reply(&m, &m, 0);
        CHECK_EQ(msg_send(c, &m), 0);
        /* c stays open: the session lives as long as the process. */

        return NULL;
}

static void announce(void)
{
        char      dir[] = "/tmp/ouro-loop-XXXXXX";
        char      path[64];
        pthread_t t;

        CHECK(mkdtemp(dir) != NULL);
        setenv("OUROBOROS_RUNDIR", dir, 1);
        lsock = script_listen(dir);
        CHECK_EQ(pthread_create(&t, NULL, irmd, NULL), 0);

        CHECK_EQ(ipcp_dev_init(), 0);
        pthread_join(t, NULL);

        snprintf(path, sizeof(path), "%s/irmd.sock", dir);
        unlink(path);
        rmdir(dir);
}

static void app_write(void * arg)
{
        CHECK_EQ(flow_shm_write(app, arg, 1, true, NULL), 1);
}

static void app_close(void * arg)
{
        (void) arg;
        flow_shm_close(app);
}

static void * late_writer(void * arg)
{
        (void) arg;
        usleep(200 * 1000); /* the loop sleeps: no timer, nothing */
        app_write("d");
        return NULL;
}

static void flow_cb(void * arg,
                    int    fd,
                    int    events)
{
        char buf[8];

        (void) arg;
        ++fl_calls;

        if (events & FLOW_PKT) {
                /* One packet per call: the set calls again for more. */
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 1);
                fl_got[fl_pkts++] = buf[0];
                if (fl_pkts == 4)
                        CHECK(ipcp_timer_add(10, app_close, NULL) != NULL);
        }

        if (events & FLOW_DEALLOC) {
                ++fl_dealloc;
                ipcp_flow_unwatch(fd);
                CHECK_EQ(flow_dealloc(fd), 0);
                CHECK(ipcp_timer_add(50, stop_cb, NULL) != NULL);
        }
}

static void start_writer(void * arg)
{
        pthread_t * t = arg;

        CHECK_EQ(pthread_create(t, NULL, late_writer, NULL), 0);
}

/* A flow memory: side 0 mapped here (the application), side 1 adopted
 * as a flow of this process, whose descriptor is returned. */
static int new_flow(uint32_t           id,
                    struct flow_shm ** shm)
{
        struct flow_shm_conf conf;
        int                  memfd;
        int                  fd;

        flow_shm_conf_default(&conf);
        memfd = flow_shm_create(&conf);
        CHECK(memfd >= 0);
        CHECK_EQ(flow_shm_map(memfd, 0, proc_efd, shm), 0);

        fd = ipcp_flow_adopt(id, memfd, 1, eventfd(0, EFD_CLOEXEC),
                             getpid(), &qos_raw);
        CHECK(fd >= 0);

        return fd;
}

static void test_flows(void)
{
        pthread_t t;
        int       fd;

        announce();

        fd = new_flow(42, &app);

        CHECK_EQ(ipcp_flow_watch(-1, flow_cb, NULL), -EBADF);
        CHECK_EQ(ipcp_flow_watch(fd + 1, flow_cb, NULL), -EBADF);
        CHECK_EQ(ipcp_flow_watch(fd, flow_cb, NULL), 0);
        CHECK_EQ(ipcp_flow_watch(fd, flow_cb, NULL), -EEXIST);

        /* Three at once (level-triggered: three calls), then one from
         * another thread while the loop sleeps without a timer. */
        CHECK(ipcp_timer_add(10, app_write, "a") != NULL);
        CHECK(ipcp_timer_add(10, app_write, "b") != NULL);
        CHECK(ipcp_timer_add(10, app_write, "c") != NULL);
        CHECK(ipcp_timer_add(20, start_writer, &t) != NULL);

        CHECK_EQ(loop_run(), 0);
        pthread_join(t, NULL);

        CHECK_EQ(fl_pkts, 4);
        CHECK(memcmp(fl_got, "abcd", 4) == 0);
        CHECK_EQ(fl_dealloc, 1);
        CHECK(fl_calls >= 5);

        flow_shm_unmap(app);
}

/* Two flows with a packet each in one round: the first callback
 * unwatches the other, whose event, already taken, must not be given. */
static int pair_fd[2];
static int pair_calls;

static void pair_cb(void * arg,
                    int    fd,
                    int    events)
{
        int  other = pair_fd[0] == fd ? pair_fd[1] : pair_fd[0];
        char buf[8];

        (void) arg;
        CHECK(events & FLOW_PKT);
        ++pair_calls;
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 1);
        ipcp_flow_unwatch(other);
        ipcp_flow_unwatch(fd);
        CHECK(ipcp_timer_add(50, stop_cb, NULL) != NULL);
}

static void test_flow_removal(void)
{
        struct flow_shm * shm[2];
        int               i;

        for (i = 0; i < 2; ++i) {
                pair_fd[i] = new_flow(50 + i, &shm[i]);
                CHECK_EQ(flow_shm_write(shm[i], "p", 1, true, NULL), 1);
        }
        /* Listed as they join: both in the first round. */
        for (i = 0; i < 2; ++i)
                CHECK_EQ(ipcp_flow_watch(pair_fd[i], pair_cb, NULL), 0);

        CHECK_EQ(loop_run(), 0);
        CHECK_EQ(pair_calls, 1);

        for (i = 0; i < 2; ++i) {
                CHECK_EQ(flow_dealloc(pair_fd[i]), 0);
                flow_shm_unmap(shm[i]);
        }
}

/* Ping-pong through the loop, as an IPCP sees it: another thread
 * writes one packet at a time to flow 0 and waits until the loop took
 * it, so every packet wakes the loop from its sleep through the process
 * eventfd, and flow 0 is the flow of the last signal (the loop serves
 * it before it reads the eventfd, ipcp_dev_poll_hot). Every 8th round
 * flow 1 gets a packet right behind flow 0's, its signal summed with
 * the one the loop leaves unread: it must arrive too. The loop must not
 * spin meanwhile: a few iterations per packet. */
#define HOT_ROUNDS 200

static struct flow_shm * hot_shm[2];
static int               hot_fd[2];
static _Atomic int       hot_got[2];

static void hot_cb(void * arg,
                   int    fd,
                   int    events)
{
        char buf[8];
        int  i = fd == hot_fd[0] ? 0 : 1;

        (void) arg;
        if (!(events & FLOW_PKT))
                return;
        /* One packet per call: the ready list brings the loop back. */
        if (flow_read(fd, buf, sizeof(buf)) == 1)
                atomic_fetch_add(&hot_got[i], 1);
}

/* Until flow i got n packets (5 s at most). */
static bool hot_wait(int i,
                     int n)
{
        int64_t end = check_now_ms() + 5000;

        while (atomic_load(&hot_got[i]) < n && check_now_ms() < end)
                usleep(100);

        return atomic_load(&hot_got[i]) >= n;
}

static void * hot_writer(void * arg)
{
        int r;
        int n1 = 0;

        (void) arg;
        for (r = 1; r <= HOT_ROUNDS; ++r) {
                CHECK_EQ(flow_shm_write(hot_shm[0], "h", 1, true, NULL), 1);
                if (r % 8 == 0) {
                        CHECK_EQ(flow_shm_write(hot_shm[1], "o", 1, true,
                                                NULL), 1);
                        ++n1;
                }
                CHECK(hot_wait(0, r));
                CHECK(hot_wait(1, n1));
                usleep(200); /* the loop goes back to sleep */
        }
        CHECK_EQ(ipcp_loop_call(stop_cb, NULL), 0);

        return NULL;
}

static void test_hot_flow(void)
{
        pthread_t t;
        uint64_t  it0;
        int       i;

        for (i = 0; i < 2; ++i) {
                hot_fd[i] = new_flow(60 + i, &hot_shm[i]);
                CHECK_EQ(ipcp_flow_watch(hot_fd[i], hot_cb, NULL), 0);
        }

        it0 = loop_iterations();
        CHECK_EQ(pthread_create(&t, NULL, hot_writer, NULL), 0);
        CHECK_EQ(loop_run(), 0);
        pthread_join(t, NULL);

        CHECK_EQ(atomic_load(&hot_got[0]), HOT_ROUNDS);
        CHECK_EQ(atomic_load(&hot_got[1]), HOT_ROUNDS / 8);
        /* One iteration per round, two when flow 1's packet came along
         * (read with the deferred eventfd, served in the next one), and
         * the stop: 227. An eventfd left unread until the next poll()
         * would cost one more per round. */
        CHECK(loop_iterations() - it0 < HOT_ROUNDS * 14 / 10);

        for (i = 0; i < 2; ++i) {
                ipcp_flow_unwatch(hot_fd[i]);
                CHECK_EQ(flow_dealloc(hot_fd[i]), 0);
                flow_shm_unmap(hot_shm[i]);
        }
}

/* A flow whose writer never pauses, read whole at each callback, must
 * not keep the loop from its fds: each iteration empties the flow and
 * the writer has written again by the time the loop would sleep (the
 * sleeping poll and the spin then found the flow ready, looked at no
 * fd, and started over: an eth IPCP sending a unicast IPCP's flood did
 * not read its socket for 1.2 s). An eventfd made readable while the
 * writer runs must be served within 500 ms. */
static struct flow_shm * busy_shm;
static int               busy_fd;
static int               busy_efd;
static _Atomic int       busy_stop;
static _Atomic int64_t   busy_lit;   /* ms the eventfd was written */
static _Atomic int64_t   busy_seen;  /* ms its callback ran */
static _Atomic long      busy_pkts;

static void busy_flow_cb(void * arg,
                         int    fd,
                         int    events)
{
        const void * p;
        int          i;

        (void) arg;
        if (!(events & FLOW_PKT))
                return;
        /* what there is, up to a budget, as the IPCPs do (64) */
        for (i = 0; i < 64 && ipcp_flow_peek(fd, &p) > 0; ++i) {
                ipcp_flow_consume(fd);
                atomic_fetch_add(&busy_pkts, 1);
        }
}

static void busy_fd_cb(void * arg,
                       int    fd,
                       short  revents)
{
        uint64_t v;

        (void) arg;
        (void) revents;
        if (read(fd, &v, sizeof(v)) == sizeof(v) &&
            atomic_load(&busy_seen) == 0)
                atomic_store(&busy_seen, check_now_ms());
        atomic_store(&busy_stop, 1);
        CHECK(ipcp_timer_add(20, stop_cb, NULL) != NULL);
}

/* On the loop's CPU, as a unicast IPCP beside its eth IPCP: a few
 * packets, then the CPU to the loop (which empties the flow, 64 a
 * callback), whose yield before it sleeps gives the CPU back to the
 * writer, which writes again: the flow is empty at the end of every
 * iteration and full again when the loop looks before it sleeps. */
static void * busy_writer(void * arg)
{
        uint64_t one = 1;
        int64_t  t0  = check_now_ms();
        int      i;

        (void) arg;
        while (!atomic_load(&busy_stop) && check_now_ms() - t0 < 3000) {
                for (i = 0; i < 8; ++i)
                        if (flow_shm_write(busy_shm, "w", 1, false, NULL) < 0)
                                break; /* full: the loop catches up */
                if (atomic_load(&busy_lit) == 0 &&
                    check_now_ms() - t0 >= 100 &&
                    atomic_load(&busy_pkts) > 0) {
                        atomic_store(&busy_lit, check_now_ms());
                        if (write(busy_efd, &one, sizeof(one)) !=
                            (ssize_t) sizeof(one))
                                abort();
                }
                sched_yield();
        }
        atomic_store(&busy_stop, 1);
        if (ipcp_loop_call(stop_cb, NULL) != 0)
                abort();

        return NULL;
}

static void test_fds_not_starved(void)
{
        pthread_t t;
        int64_t   wait;
        cpu_set_t one;
        cpu_set_t all;

        CHECK_EQ(pthread_getaffinity_np(pthread_self(), sizeof(all), &all),
                 0);
        CPU_ZERO(&one);
        for (int c = 0; c < CPU_SETSIZE; ++c) { /* the first we may use */
                if (CPU_ISSET(c, &all)) {
                        CPU_SET(c, &one);
                        break;
                }
        }
        CHECK_EQ(pthread_setaffinity_np(pthread_self(), sizeof(one), &one),
                 0);

        busy_fd  = new_flow(70, &busy_shm);
        busy_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        CHECK(busy_efd >= 0);
        CHECK_EQ(ipcp_flow_watch(busy_fd, busy_flow_cb, NULL), 0);
        CHECK_EQ(ipcp_fd_add(busy_efd, POLLIN, busy_fd_cb, NULL), 0);

        CHECK_EQ(pthread_create(&t, NULL, busy_writer, NULL), 0);
        CHECK_EQ(loop_run(), 0);
        pthread_join(t, NULL);
        CHECK_EQ(pthread_setaffinity_np(pthread_self(), sizeof(all), &all),
                 0);

        CHECK(atomic_load(&busy_lit) > 0);
        CHECK(atomic_load(&busy_seen) > 0);
        wait = atomic_load(&busy_seen) - atomic_load(&busy_lit);
        printf("test_loop: an fd beside a flow that never empties: served "
               "after %lld ms (%ld packets read)\n", (long long) wait,
               atomic_load(&busy_pkts));
        CHECK(wait < 500);

        ipcp_fd_del(busy_efd);
        close(busy_efd);
        ipcp_flow_unwatch(busy_fd);
        CHECK_EQ(flow_dealloc(busy_fd), 0);
        flow_shm_unmap(busy_shm);
}

int main(void)
{
        CHECK_EQ(loop_init(false), 0);

        test_timer_order();
        test_timer_cancel();
        test_fds();
        test_loop_call();
        test_idle();
        test_spin();
        test_spin_shared();
        test_flows();
        test_flow_removal();
        test_hot_flow();
        test_fds_not_starved();

        loop_fini();
        close(lsock);

        printf("%d checks passed\n", atomic_load(&check_passed));

        return 0;
}
