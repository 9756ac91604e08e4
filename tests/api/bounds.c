/*
 * Ouroboros - API integration tests of arguments at the edge of their
 * range. Scenario huge: timeouts far beyond any deadline the clock can
 * hold (tv_sec near LONG_MAX) must behave as "practically forever", never
 * as an overflowed, already past or short deadline. Scenario emptyargs:
 * a program whose argv holds many empty strings announces itself without
 * overrunning a buffer. Scenario fsethas: a deallocated flow leaves its
 * sets, also for fset_has, so a new flow on the same descriptor is added
 * (and reported) when the caller asks fset_has first. Scenario partial:
 * a read smaller than the packet leaves the rest waiting, so fevent
 * reports FLOW_PKT and FLOWGRXQLEN counts it, on clear and encrypted
 * flows alike. Scenario maxpkt: fccntl FLOWGMAXPKT gives the largest
 * packet one flow_write takes (one byte more: -EMSGSIZE), smaller on an
 * encrypted flow by what encryption adds.
 */
#include "common.h"

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>

static const struct timespec huge  = { LONG_MAX, 999999999 };
static const struct timespec huge2 = { LONG_MAX / 1000000000 + 10, 0 };

static atomic_int fevent_done;
static fset_t *   fevent_set[2]; /* reachable: never freed, never leaked */
static fqueue_t * fevent_fq[2];

static void * fevent_thread(void * o)
{
        int i = o == &huge ? 0 : 1;

        fevent_set[i] = fset_create();
        fevent_fq[i]  = fqueue_create();
        CHECK(fevent_set[i] != NULL && fevent_fq[i] != NULL);
        fevent(fevent_set[i], fevent_fq[i], (const struct timespec *) o);
        atomic_store(&fevent_done, 1);

        return NULL;
}

static int huge_server(struct t_pair * p,
                       void *          arg)
{
        struct timespec to;
        char            buf[16];
        int64_t         t0;
        int             fd1;
        int             fd2;

        (void) arg;

        /* flow 1: the client allocates with a huge timeout; we accept
         * late, well after the IRMd grace of the library. */
        t_wait(p);
        usleep(1500 * 1000);
        fd1 = t_accept(NULL);

        /* flow 2: we accept with a huge timeout, the client comes late */
        t_signal(p, 'B');
        fd2 = flow_accept(NULL, &huge);
        CHECK(fd2 >= 0);

        /* a huge receive timeout blocks until the packet comes */
        CHECK_EQ(fccntl(fd2, FLOWSRCVTIMEO, &huge), 0);
        CHECK_EQ(fccntl(fd2, FLOWGRCVTIMEO, &to), 0);
        CHECK(to.tv_sec > 100L * 365 * 24 * 3600);
        CHECK(to.tv_nsec >= 0 && to.tv_nsec < 1000000000);
        CHECK_EQ(fccntl(fd2, FLOWSSNDTIMEO, &huge2), 0);
        t_signal(p, 'R');
        t0 = check_now_ms();
        CHECK_EQ(flow_read(fd2, buf, sizeof(buf)), 1);
        CHECK(check_now_ms() - t0 >= 400);
        CHECK_EQ(flow_write(fd2, "y", 1), 1);

        t_wait(p);
        CHECK_EQ(flow_dealloc(fd2), 0);
        CHECK_EQ(flow_dealloc(fd1), 0);

        return 0;
}

static int test_huge(const char * name)
{
        struct t_pair p;
        pthread_t     th[2];
        char          buf[16];
        int           fd1;
        int           fd2;

        /* fevent on an empty set: blocks, as good as for ever */
        CHECK(pthread_create(&th[0], NULL, fevent_thread,
                             (void *) &huge) == 0);
        CHECK(pthread_create(&th[1], NULL, fevent_thread,
                             (void *) &huge2) == 0);
        usleep(300 * 1000);
        CHECK_EQ(atomic_load(&fevent_done), 0);

        t_pair_start(&p, name, huge_server, NULL);

        t_signal(&p, 'A');
        fd1 = flow_alloc(name, NULL, &huge);
        CHECK(fd1 >= 0);

        CHECK_EQ(t_wait(&p), 'B');
        usleep(1500 * 1000);
        fd2 = t_alloc(name, NULL);

        CHECK_EQ(t_wait(&p), 'R');
        usleep(500 * 1000);
        CHECK_EQ(flow_write(fd2, "x", 1), 1);
        CHECK_EQ(flow_read(fd2, buf, sizeof(buf)), 1);

        t_signal(&p, 'E');
        CHECK_EQ(atomic_load(&fevent_done), 0);
        CHECK_EQ(flow_dealloc(fd2), 0);
        CHECK_EQ(flow_dealloc(fd1), 0);

        return t_pair_end(&p);
}

/* ---- emptyargs: argv of empty strings (/proc/self/cmdline "\0\0...") */

#define N_EMPTY 4000

static int test_emptyargs(char ** argv)
{
        char * args[N_EMPTY + 4];
        int    i;

        args[0] = argv[0];
        args[1] = "emptyargs";
        args[2] = "child";
        for (i = 3; i < N_EMPTY + 3; ++i)
                args[i] = "";
        args[i] = NULL;

        CHECK(t_run_self(args));

        return 0;
}

static int emptyargs_child(void)
{
        struct timespec zero = { 0, 0 };

        /* the first call that talks to the IRMd announces the process */
        CHECK(flow_alloc("bounds-nobody-serves-this", NULL, &zero) < 0);

        return 0;
}

/* ---- fsethas: fset_has of a deallocated flow's descriptor */

static int fsethas_server(struct t_pair * p,
                          void *          arg)
{
        int fd1;
        int fd2;

        (void) arg;

        fd1 = t_accept(NULL);
        fd2 = t_accept(NULL);
        CHECK_EQ(t_wait(p), 'W');
        CHECK_EQ(flow_write(fd2, "p", 1), 1);
        t_wait(p);
        CHECK_EQ(flow_dealloc(fd2), 0);
        CHECK_EQ(flow_dealloc(fd1), 0);

        return 0;
}

static int test_fsethas(const char * name)
{
        struct t_pair   p;
        struct timespec to = t_ms(5000);
        fset_t *        set = fset_create();
        fqueue_t *      fq  = fqueue_create();
        int             fd;
        int             fd2;

        CHECK(set != NULL && fq != NULL);
        t_pair_start(&p, name, fsethas_server, NULL);

        fd = t_alloc(name, NULL);
        CHECK_EQ(fset_add(set, fd), 0);
        CHECK(fset_has(set, fd));
        CHECK_EQ(flow_dealloc(fd), 0);
        CHECK(!fset_has(set, fd)); /* it left the set */

        fd2 = t_alloc(name, NULL);
        CHECK_EQ(fd2, fd);         /* lowest free: the same number */
        if (!fset_has(set, fd2))
                CHECK_EQ(fset_add(set, fd2), 0);
        CHECK(fset_has(set, fd2));

        t_signal(&p, 'W');
        CHECK_EQ(fevent(set, fq, &to), 1);
        CHECK_EQ(fqueue_next(fq), fd2);
        CHECK_EQ(fqueue_type(fq), FLOW_PKT);

        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd2), 0);
        fset_destroy(set);
        fqueue_destroy(fq);

        return t_pair_end(&p);
}

/* ---- partial: the rest of a partly read packet is still "waiting" */

static int partial_server(struct t_pair * p,
                          void *          arg)
{
        uint8_t   pkt[100];
        qosspec_t qs;
        int       fd;

        memset(pkt, 'p', sizeof(pkt));
        fd = t_accept(&qs);
        CHECK_EQ(qs.cypher_s, *(uint16_t *) arg);
        CHECK_EQ(t_wait(p), 'W');
        CHECK_EQ(flow_write(fd, pkt, sizeof(pkt)), sizeof(pkt));
        t_wait(p);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_partial(const char * name)
{
        static uint16_t bits[] = { 0, 256 };
        struct timespec to     = t_ms(5000);
        struct timespec zero   = { 0, 0 };
        uint8_t         buf[100];
        size_t          q;
        int             i;

        for (i = 0; i < 2; ++i) {
                struct t_pair p;
                qosspec_t     qs  = qos_raw;
                fset_t *      set = fset_create();
                fqueue_t *    fq  = fqueue_create();
                int           fd;

                CHECK(set != NULL && fq != NULL);
                t_pair_start(&p, name, partial_server, &bits[i]);
                qs.cypher_s = bits[i];
                fd = t_alloc(name, &qs);
                CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
                t_signal(&p, 'W');

                CHECK_EQ(flow_read(fd, buf, 10), 10);
                CHECK_EQ(fccntl(fd, FLOWGRXQLEN, &q), 0);
                CHECK_EQ(q, 1);
                CHECK_EQ(fset_add(set, fd), 0);
                CHECK_EQ(fevent(set, fq, &zero), 1);
                CHECK_EQ(fqueue_next(fq), fd);
                CHECK_EQ(fqueue_type(fq), FLOW_PKT);

                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 90);
                CHECK_EQ(fccntl(fd, FLOWGRXQLEN, &q), 0);
                CHECK_EQ(q, 0);
                CHECK_EQ(fevent(set, fq, &zero), -ETIMEDOUT);

                t_signal(&p, 'E');
                CHECK_EQ(flow_dealloc(fd), 0);
                fset_destroy(set);
                fqueue_destroy(fq);
                CHECK_EQ(t_pair_end(&p), 0);
        }

        return 0;
}

/* ---- maxpkt: FLOWGMAXPKT is what one flow_write carries */

static int maxpkt_server(struct t_pair * p,
                         void *          arg)
{
        static uint8_t buf[1 << 21];
        qosspec_t      qs;
        ssize_t        n;
        int            fd;

        (void) arg;
        fd = t_accept(&qs);
        CHECK_EQ(t_wait(p), 'W');
        /* the largest packet arrives whole, then the flow ends */
        n = flow_read(fd, buf, sizeof(buf));
        CHECK(n > 0);
        CHECK_EQ(buf[n - 1], 'm');
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWDOWN);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_maxpkt(const char * name)
{
        static uint8_t buf[(1 << 21) + 1];
        size_t         mp[2];
        size_t         q;
        int            i;

        memset(buf, 'm', sizeof(buf));
        CHECK_EQ(fccntl(-1, FLOWGMAXPKT, &q), -EBADF);

        for (i = 0; i < 2; ++i) {
                struct t_pair p;
                qosspec_t     qs = qos_raw;
                int           fd;

                t_pair_start(&p, name, maxpkt_server, NULL);
                qs.cypher_s = i == 0 ? 0 : 256;
                fd = t_alloc(name, &qs);
                CHECK_EQ(fccntl(fd, FLOWGMAXPKT, NULL), -EINVAL);
                CHECK_EQ(fccntl(fd, FLOWGMAXPKT, &mp[i]), 0);
                CHECK(mp[i] > 0 && mp[i] < sizeof(buf));
                CHECK_EQ(flow_write(fd, buf, mp[i] + 1), -EMSGSIZE);
                CHECK_EQ(flow_write(fd, buf, mp[i]), mp[i]);
                t_signal(&p, 'W');
                CHECK_EQ(flow_dealloc(fd), 0);
                CHECK_EQ(t_pair_end(&p), 0);
        }

        /* encryption takes its header and tag from every packet */
        CHECK(mp[1] < mp[0]);
        CHECK(mp[0] - mp[1] <= 64);

        return 0;
}

int main(int     argc,
         char ** argv)
{
        char name[64];

        if (argc < 2) {
                fprintf(stderr, "usage: %s huge|emptyargs|fsethas|partial|maxpkt\n", argv[0]);
                return 2;
        }

        snprintf(name, sizeof(name), "bounds-%s-%d", argv[1], (int) getpid());

        if (strcmp(argv[1], "huge") == 0)
                return test_huge(name);
        if (strcmp(argv[1], "emptyargs") == 0)
                return argc > 2 ? emptyargs_child() : test_emptyargs(argv);
        if (strcmp(argv[1], "fsethas") == 0)
                return test_fsethas(name);
        if (strcmp(argv[1], "partial") == 0)
                return test_partial(name);
        if (strcmp(argv[1], "maxpkt") == 0)
                return test_maxpkt(name);

        fprintf(stderr, "unknown scenario %s\n", argv[1]);
        return 2;
}
