/*
 * Ouroboros - benchmark of the flow shared memory: the single-thread fast
 * path, ping-pong round trips (blocking and busy-polling) and floods of
 * 64/1500/8192 B packets, between two threads and between two processes,
 * each next to a Unix SOCK_SEQPACKET socketpair doing the same in the
 * same run. Prints ns per operation; --quick runs a short smoke version
 * (the ctest), without it the real figures.
 */

#include "common/flow_shm.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do {                                                   \
        if (!(c)) {                                                     \
                fprintf(stderr, "%s:%d: CHECK(%s) failed\n",            \
                        __FILE__, __LINE__, #c);                        \
                exit(1);                                                \
        }                                                               \
} while (0)

#define MAX_PKT 8192

enum role { PING, ECHO, FLOOD_TX, FLOOD_RX };

struct job {
        enum role         role;
        struct flow_shm * s;     /* flow_shm, or NULL for the socket */
        int               sock;
        long              n;
        size_t            len;
        bool              spin;
        double            ns;    /* result of PING / FLOOD_RX */
};

static long scale = 1; /* divisor of the iteration counts (--quick) */

static ssize_t shm_recv(struct flow_shm * s,
                        bool              spin)
{
        const void * pkt;
        ssize_t      n;

        do
                n = flow_shm_peek(s, &pkt, spin, NULL);
        while (n == -EAGAIN);
        CHECK(n >= 0);
        flow_shm_consume(s);

        return n;
}

static void shm_send(struct flow_shm * s,
                     const void *      buf,
                     size_t            len,
                     bool              spin)
{
        ssize_t n;

        do
                n = flow_shm_write(s, buf, len, spin, NULL);
        while (n == -EAGAIN);
        CHECK(n == (ssize_t) len);
}

static void job_send(struct job * j,
                     const void * buf)
{
        if (j->s != NULL)
                shm_send(j->s, buf, j->len, j->spin);
        else
                CHECK(send(j->sock, buf, j->len, 0) == (ssize_t) j->len);
}

static void job_recv(struct job * j,
                     void *       buf)
{
        if (j->s != NULL)
                shm_recv(j->s, j->spin);
        else
                CHECK(recv(j->sock, buf, MAX_PKT, 0) >= 0);
}

static void * job_run(void * o)
{
        struct job * j = o;
        static __thread uint8_t buf[MAX_PKT];
        int64_t      t0 = 0;
        long         i;

        memset(buf, 0x5a, sizeof(buf));
        for (i = 0; i < j->n; ++i) {
                switch (j->role) {
                case PING:
                        if (i == 1000)
                                t0 = now_ns(); /* after a warm-up */
                        job_send(j, buf);
                        job_recv(j, buf);
                        break;
                case ECHO:
                        job_recv(j, buf);
                        job_send(j, buf);
                        break;
                case FLOOD_TX:
                        job_send(j, buf);
                        break;
                case FLOOD_RX:
                        job_recv(j, buf);
                        if (i == 0)
                                t0 = now_ns();
                        break;
                }
        }
        if (j->role == PING)
                j->ns = (double) (now_ns() - t0) / (double) (j->n - 1000);
        else if (j->role == FLOOD_RX)
                j->ns = (double) (now_ns() - t0) / (double) (j->n - 1);

        return NULL;
}

/* Run a (main role, peer role) pair on a flow or socketpair. */
static double run_pair(enum role main_role,
                       enum role peer_role,
                       bool      shm,
                       bool      fork_peer,
                       bool      spin,
                       long      n,
                       size_t    len)
{
        struct flow_shm_conf c;
        struct job           a = { main_role, NULL, -1, n, len, spin, 0 };
        struct job           b = { peer_role, NULL, -1, n, len, spin, 0 };
        int                  sv[2];
        int                  fd = -1;
        pthread_t            t;
        pid_t                pid = -1;

        if (shm) {
                flow_shm_conf_default(&c);
                c.max_pkt = MAX_PKT;
                fd = flow_shm_create(&c);
                CHECK(fd >= 0);
                CHECK(flow_shm_map(fd, 0, -1, &a.s) == 0);
        } else {
                CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
                a.sock = sv[0];
                b.sock = sv[1];
        }

        if (fork_peer) {
                pid = fork();
                CHECK(pid >= 0);
                if (pid == 0) {
                        alarm(60);
                        if (shm)
                                CHECK(flow_shm_map(fd, 1, -1, &b.s) == 0);
                        job_run(&b);
                        _exit(0);
                }
        } else {
                if (shm)
                        CHECK(flow_shm_map(fd, 1, -1, &b.s) == 0);
                CHECK(pthread_create(&t, NULL, job_run, &b) == 0);
        }

        job_run(&a);

        if (fork_peer) {
                CHECK(waitpid(pid, NULL, 0) == pid);
        } else {
                pthread_join(t, NULL);
                flow_shm_unmap(b.s);
        }

        if (shm) {
                flow_shm_unmap(a.s);
                close(fd);
        } else {
                close(sv[0]);
                close(sv[1]);
        }

        return a.ns;
}

static void fastpath(size_t len)
{
        struct flow_shm_conf c;
        struct flow_shm *    s[2];
        static uint8_t       buf[MAX_PKT];
        const void *         pkt;
        long                 n = 2000000 / scale;
        int64_t              t0;
        long                 i;
        int                  fd;

        flow_shm_conf_default(&c);
        c.max_pkt = MAX_PKT;
        fd = flow_shm_create(&c);
        CHECK(fd >= 0);
        CHECK(flow_shm_map(fd, 0, -1, &s[0]) == 0);
        CHECK(flow_shm_map(fd, 1, -1, &s[1]) == 0);

        t0 = now_ns();
        for (i = 0; i < n; ++i) {
                CHECK(flow_shm_write(s[0], buf, len, true, NULL) ==
                      (ssize_t) len);
                CHECK(flow_shm_peek(s[1], &pkt, true, NULL) == (ssize_t) len);
                flow_shm_consume(s[1]);
        }
        printf("fast path, 1 thread, write+peek+consume %5zu B: %7.1f ns\n",
               len, (double) (now_ns() - t0) / (double) n);

        flow_shm_unmap(s[0]);
        flow_shm_unmap(s[1]);
        close(fd);
}

static void pingpong(bool fork_peer,
                     bool spin)
{
        long   n = (spin ? 400000 : 100000) / scale + 1001;
        double shm;
        double sock;

        shm  = run_pair(PING, ECHO, true, fork_peer, spin, n, 64);
        sock = run_pair(PING, ECHO, false, fork_peer, false, n, 64);
        printf("ping-pong %-7s %-8s 64 B round trip: %8.0f ns"
               "  (unix seqpacket %8.0f ns, ratio %.2f)\n",
               fork_peer ? "process" : "thread",
               spin ? "busypoll" : "blocking", shm, sock, sock / shm);
}

static void flood(bool   fork_peer,
                  size_t len)
{
        long   n = (len <= 64 ? 2000000 : 400000) / scale + 2;
        double shm;
        double sock;

        shm  = run_pair(FLOOD_RX, FLOOD_TX, true, fork_peer, false, n, len);
        sock = run_pair(FLOOD_RX, FLOOD_TX, false, fork_peer, false, n, len);
        printf("flood     %-7s blocking %5zu B: %7.1f ns/pkt %6.2f Gbit/s"
               "  (unix seqpacket %7.1f ns/pkt, ratio %.2f)\n",
               fork_peer ? "process" : "thread", len, shm,
               (double) len * 8 / shm, sock, sock / shm);
}

static int cpus(void)
{
        cpu_set_t set;

        if (sched_getaffinity(0, sizeof(set), &set) < 0)
                return 1;

        return CPU_COUNT(&set);
}

int main(int    argc,
         char * argv[])
{
        size_t sizes[] = { 64, 1500, 8192 };
        int    f;
        int    i;

        if (argc > 1 && strcmp(argv[1], "--quick") == 0)
                scale = 50;
        alarm(120);
        setvbuf(stdout, NULL, _IOLBF, 0);

        printf("flow_shm benchmark (%d CPUs usable)%s\n",
               cpus(), scale > 1 ? ", quick" : "");
        fastpath(64);
        fastpath(1500);
        for (f = 0; f < 2; ++f) {
                pingpong(f, false);
                if (cpus() > 1) /* busy-polling needs a CPU each */
                        pingpong(f, true);
        }
        for (f = 0; f < 2; ++f)
                for (i = 0; i < 3; ++i)
                        flood(f, sizes[i]);

        return 0;
}
