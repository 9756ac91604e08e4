/*
 * Ouroboros - API integration tests of the life of flows and processes
 * over the local layer, one scenario per argument: concurrent (dealloc
 * wakes a blocked reader; a blocked alloc does not stall other flows;
 * 40 threads of one process accept at once, beyond the 32 requests the
 * library sends on its session connection),
 * fork (the child starts afresh), noirmd (run without an IRMd: -EIRMD),
 * latency (64-byte ping-pong: every reply is the probe just sent, none
 * is lost, duplicated or late beyond a generous bound; the times are
 * printed, not checked).
 */
#include "common.h"

#include <pthread.h>

/* The server echoes every packet of arg (default 1) flows in turn. */

static int echo_server(struct t_pair * p,
                       void *          arg)
{
        static char buf[65536];
        ssize_t     n;
        int         fd;
        long        flows = arg != NULL ? (long) arg : 1;

        (void) p;

        while (flows-- > 0) { /* one flow after the other */
                fd = t_accept(NULL);
                while ((n = flow_read(fd, buf, sizeof(buf))) >= 0)
                        CHECK_EQ(flow_write(fd, buf, (size_t) n), n);
                CHECK_EQ(n, -EFLOWDOWN); /* the client deallocated */
                CHECK_EQ(flow_dealloc(fd), 0);
        }

        return 0;
}

/* ---- concurrent: dealloc wakes a blocked reader; a blocked alloc
 * does not stall other flows of the process */

struct blocked {
        int     fd;
        ssize_t r;
        int64_t ms;
};

static void * blocked_read(void * o)
{
        struct blocked * b = o;
        char             buf[16];
        int64_t          t0 = check_now_ms();

        b->r  = flow_read(b->fd, buf, sizeof(buf)); /* no timeout */
        b->ms = check_now_ms() - t0;

        return NULL;
}

static void * blocked_alloc(void * o)
{
        struct blocked * b  = o;
        struct timespec  to = t_ms(3000);
        int64_t          t0 = check_now_ms();
        char             name[80];

        snprintf(name, sizeof(name), "t-concurrent-noacc-%d", getpid());
        b->r  = flow_alloc(name, NULL, &to);
        b->ms = check_now_ms() - t0;

        return NULL;
}

static int noaccept_child(struct t_pair * p,
                          void *          arg)
{
        (void) arg;
        t_wait(p);

        return 0;
}

/* More threads waiting in flow_accept than the session takes (32): the
 * others use connections of their own; every one gets its flow. */
#define MANY_ACC 40

static void * accept_one(void * o)
{
        struct timespec to = t_ms(10000);

        *(int *) o = flow_accept(NULL, &to);

        return NULL;
}

static int many_acceptors(struct t_pair * p,
                          void *          arg)
{
        pthread_t th[MANY_ACC];
        int       fd[MANY_ACC];
        int       bad = 0;
        int       i;

        (void) arg;

        for (i = 0; i < MANY_ACC; ++i)
                CHECK(pthread_create(&th[i], NULL, accept_one, &fd[i]) == 0);
        t_signal(p, 'A');
        for (i = 0; i < MANY_ACC; ++i) {
                pthread_join(th[i], NULL);
                if (fd[i] < 0)
                        fprintf(stderr, "accept %d: %d\n", i, fd[i]);
                bad += fd[i] < 0;
        }
        for (i = 0; i < MANY_ACC; ++i)
                if (fd[i] >= 0)
                        flow_dealloc(fd[i]);

        return bad == 0 ? 0 : 1;
}

static int test_many_acceptors(const char * name)
{
        struct t_pair p;
        char          name3[80];
        int           fd[MANY_ACC];
        int           i;

        snprintf(name3, sizeof(name3), "%s-many", name);
        t_pair_start(&p, name3, many_acceptors, NULL);
        CHECK_EQ(t_wait(&p), 'A');
        usleep(300 * 1000); /* all of them parked */
        for (i = 0; i < MANY_ACC; ++i)
                fd[i] = t_alloc(name3, NULL);
        for (i = 0; i < MANY_ACC; ++i)
                CHECK_EQ(flow_dealloc(fd[i]), 0);

        return t_pair_end(&p);
}

static int test_concurrent(const char * name)
{
        struct t_pair  p;
        struct t_pair  q;
        struct blocked rd;
        struct blocked al;
        pthread_t      th[2];
        char           name2[80];
        char           buf[16];
        int64_t        t0;
        int            i;

        snprintf(name2, sizeof(name2), "t-concurrent-noacc-%d", getpid());
        t_pair_start(&q, name2, noaccept_child, NULL);
        t_pair_start(&p, name, echo_server, (void *) 10L);

        /* an alloc that will hang for 3 s in another thread ... */
        CHECK(pthread_create(&th[1], NULL, blocked_alloc, &al) == 0);
        usleep(100 * 1000);

        /* ... while this thread allocates, uses and releases flows */
        t0 = check_now_ms();
        for (i = 0; i < 10; ++i) {
                int fd = t_alloc(name, NULL);
                CHECK_EQ(flow_write(fd, "ping", 4), 4);
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 4);
                if (i < 9)
                        CHECK_EQ(flow_dealloc(fd), 0);
                else
                        rd.fd = fd;
        }
        CHECK(check_now_ms() - t0 < 2000);

        /* dealloc while another thread is blocked reading the flow */
        CHECK(pthread_create(&th[0], NULL, blocked_read, &rd) == 0);
        usleep(200 * 1000);
        t0 = check_now_ms();
        CHECK_EQ(flow_dealloc(rd.fd), 0);
        CHECK(check_now_ms() - t0 < 1000);
        pthread_join(th[0], NULL);
        CHECK_EQ(rd.r, -ENOTALLOC);
        CHECK(rd.ms >= 150 && rd.ms < 1500);

        pthread_join(th[1], NULL);
        CHECK_EQ(al.r, -ETIMEDOUT);
        t_signal(&q, 'E');

        return t_pair_end(&q) | t_pair_end(&p) | test_many_acceptors(name);
}

/* ---- fork: the child starts afresh; inherited flows are not usable */

static int test_fork(const char * name)
{
        struct t_pair p;
        struct t_pair q;
        char          name2[80];
        char          buf[16];
        pid_t         pid;
        int           st;
        int           fd;

        snprintf(name2, sizeof(name2), "%s-child", name);
        t_pair_start(&q, name2, echo_server, NULL);
        t_pair_start(&p, name, echo_server, NULL);
        fd = t_alloc(name, NULL);
        CHECK_EQ(flow_write(fd, "one", 3), 3);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 3);

        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                int cfd;
                CHECK_EQ(flow_write(fd, "x", 1), -ENOTALLOC);
                CHECK_EQ(flow_read(fd, buf, 1), -ENOTALLOC);
                cfd = t_alloc(name2, NULL); /* announces itself anew */
                CHECK_EQ(cfd, 0);
                CHECK_EQ(flow_write(cfd, "kid", 3), 3);
                CHECK_EQ(flow_read(cfd, buf, sizeof(buf)), 3);
                CHECK_EQ(flow_dealloc(cfd), 0);
                exit(0);
        }
        CHECK(waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

        /* the parent's flow still works */
        CHECK_EQ(flow_write(fd, "two", 3), 3);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 3);
        CHECK(memcmp(buf, "two", 3) == 0);
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p) | t_pair_end(&q);
}

/* ---- noirmd: without an IRMd, calls fail with -EIRMD */

static int test_noirmd(void)
{
        struct timespec to = t_ms(100);

        CHECK_EQ(flow_alloc("anything", NULL, &to), -EIRMD);
        CHECK_EQ(flow_accept(NULL, &to), -EIRMD);
        CHECK_EQ(flow_write(0, "x", 1), -ENOTALLOC);

        return 0;
}

/* ---- latency: blocking 64-byte ping-pong. Checked: every reply is
 * the probe just sent (its sequence number and pattern), none is missing
 * (a 2 s receive timeout turns a lost packet into a failure, not a hang),
 * none is extra (nothing left queued at the end), and no round trip takes
 * a whole second (a lost wake-up, on a loaded machine still far off).
 * The percentiles are printed, not checked. */

#define LAT_N      5000
#define LAT_MAX_NS 1000000000LL

static int cmp_i64(const void * a,
                   const void * b)
{
        int64_t x = *(const int64_t *) a;
        int64_t y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

/* Probe i: u32 sequence number, then bytes that depend on it. */
static void lat_fill(uint8_t * buf,
                     uint32_t  i)
{
        size_t k;

        memcpy(buf, &i, sizeof(i));
        for (k = sizeof(i); k < 64; ++k)
                buf[k] = (uint8_t) (i * 31 + k);
}

static int test_latency(const char * name)
{
        static int64_t  rtt[LAT_N];
        struct t_pair   p;
        struct timespec t0;
        struct timespec t1;
        struct timespec to = t_ms(2000);
        uint8_t         out[64];
        uint8_t         in[128];
        int64_t         sum = 0;
        size_t          q;
        int             fd;
        int             i;

        t_pair_start(&p, name, echo_server, NULL);
        fd = t_alloc(name, NULL);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);

        for (i = 0; i < LAT_N + 500; ++i) { /* the first 500 warm up */
                lat_fill(out, (uint32_t) i);
                clock_gettime(CLOCK_MONOTONIC, &t0);
                CHECK_EQ(flow_write(fd, out, 64), 64);
                CHECK_EQ(flow_read(fd, in, sizeof(in)), 64);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                CHECK(memcmp(in, out, 64) == 0);
                if (i < 500)
                        continue;
                rtt[i - 500] = (t1.tv_sec - t0.tv_sec) * 1000000000LL +
                        (t1.tv_nsec - t0.tv_nsec);
                CHECK(rtt[i - 500] > 0 && rtt[i - 500] < LAT_MAX_NS);
                sum += rtt[i - 500];
        }

        /* no reply left over: nothing queued, a non-blocking read waits */
        CHECK_EQ(fccntl(fd, FLOWGRXQLEN, &q), 0);
        CHECK_EQ(q, 0);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFRDWR | FLOWFRNOBLOCK), 0);
        CHECK_EQ(flow_read(fd, in, sizeof(in)), -EAGAIN);

        qsort(rtt, LAT_N, sizeof(*rtt), cmp_i64);
        printf("latency: 64 B round trip over %d: avg %.2f us, "
               "p50 %.2f us, p99 %.2f us, max %.2f us\n", LAT_N,
               sum / 1000.0 / LAT_N, rtt[LAT_N / 2] / 1000.0,
               rtt[LAT_N * 99 / 100] / 1000.0, rtt[LAT_N - 1] / 1000.0);

        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

int main(int     argc,
         char ** argv)
{
        char name[64];

        if (argc < 2) {
                fprintf(stderr, "usage: %s concurrent|fork|noirmd|latency\n",
                        argv[0]);
                return 2;
        }

        snprintf(name, sizeof(name), "t-%s-%d", argv[1], getpid());

        if (strcmp(argv[1], "concurrent") == 0)
                return test_concurrent(name);
        if (strcmp(argv[1], "fork") == 0)
                return test_fork(name);
        if (strcmp(argv[1], "noirmd") == 0)
                return test_noirmd();
        if (strcmp(argv[1], "latency") == 0)
                return test_latency(name);

        fprintf(stderr, "unknown test %s\n", argv[1]);

        return 2;
}
