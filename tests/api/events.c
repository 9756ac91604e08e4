/*
 * Ouroboros - API integration tests of timeouts, non-blocking calls and
 * event sets over the local layer. Scenarios: timeouts, fqueue.
 */
#include "common.h"

#include <pthread.h>

#define MAX_FD 64

/* ---- timeouts and non-blocking calls */

static int idle_server(struct t_pair * p,
                       void *          arg)
{
        int fd;

        (void) arg;

        fd = t_accept(NULL);
        t_wait(p); /* never reads: the client fills the ring */
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int noaccept_server(struct t_pair * p,
                           void *          arg)
{
        (void) arg;

        t_wait(p); /* bound, never accepts */

        return 0;
}

static void check_took(int64_t t0,
                       int64_t min_ms,
                       int64_t max_ms)
{
        int64_t d = check_now_ms() - t0;

        if (d < min_ms || d > max_ms) {
                fprintf(stderr, "took %lld ms, expected %lld..%lld\n",
                        (long long) d, (long long) min_ms,
                        (long long) max_ms);
                exit(1);
        }
}

static int test_timeouts(const char * name)
{
        struct t_pair   p;
        struct timespec to;
        struct timespec zero = { 0, 0 };
        char            name2[80];
        char            buf[1024];
        uint32_t        flags;
        int64_t         t0;
        int             fd;
        int             i;
        ssize_t         r;

        /* accept: nothing arrives */
        to = t_ms(300);
        t0 = check_now_ms();
        CHECK_EQ(flow_accept(NULL, &to), -ETIMEDOUT);
        check_took(t0, 290, 1500);
        t0 = check_now_ms();
        CHECK_EQ(flow_accept(NULL, &zero), -EAGAIN);
        check_took(t0, 0, 500);

        /* alloc: the server is bound but never accepts */
        snprintf(name2, sizeof(name2), "%s-noacc", name);
        t_pair_start(&p, name2, noaccept_server, NULL);
        to = t_ms(500);
        t0 = check_now_ms();
        CHECK_EQ(flow_alloc(name2, NULL, &to), -ETIMEDOUT);
        check_took(t0, 490, 2000);
        t_signal(&p, 'E');
        CHECK_EQ(t_pair_end(&p), 0);

        t_pair_start(&p, name, idle_server, NULL);
        fd = t_alloc(name, NULL);

        /* read: receive timeout */
        to = t_ms(200);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
        t0 = check_now_ms();
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -ETIMEDOUT);
        check_took(t0, 190, 1000);

        /* non-blocking read: at once */
        CHECK_EQ(fccntl(fd, FLOWGFLAGS, &flags), 0);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, flags | FLOWFNONBLOCK), 0);
        t0 = check_now_ms();
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EAGAIN);
        check_took(t0, 0, 50);

        /* non-blocking write: fill the ring until -EAGAIN */
        for (i = 0; i < 1000000; ++i) {
                r = flow_write(fd, buf, sizeof(buf));
                if (r < 0)
                        break;
                CHECK_EQ(r, sizeof(buf));
        }
        CHECK_EQ(r, -EAGAIN);
        CHECK(i > 0);

        /* blocking write with a send timeout on the full ring */
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, flags), 0);
        to = t_ms(200);
        CHECK_EQ(fccntl(fd, FLOWSSNDTIMEO, &to), 0);
        t0 = check_now_ms();
        CHECK_EQ(flow_write(fd, buf, sizeof(buf)), -ETIMEDOUT);
        check_took(t0, 190, 1000);

        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- event sets */

/* Wait up to ms for events; ev[fd] |= type of each. Returns the count. */
static ssize_t collect(fset_t *   set,
                       fqueue_t * fq,
                       long       ms,
                       int *      ev)
{
        struct timespec to = t_ms(ms);
        ssize_t         n;
        int             fd;

        memset(ev, 0, sizeof(int) * MAX_FD);
        n = fevent(set, fq, &to);
        if (n <= 0)
                return n;

        while ((fd = fqueue_next(fq)) >= 0) {
                CHECK(fd < MAX_FD);
                ev[fd] |= fqueue_type(fq);
        }
        CHECK_EQ(fd, -ENOENT);

        return n;
}

struct waiter {
        int     fd;
        ssize_t n;
        int     ev;
};

static void * fevent_thread(void * o)
{
        struct waiter * w   = o;
        fset_t *        set = fset_create();
        fqueue_t *      fq  = fqueue_create();
        struct timespec to  = t_ms(5000);

        CHECK(set != NULL && fq != NULL);
        CHECK_EQ(fset_add(set, w->fd), 0);
        w->n = fevent(set, fq, &to);
        if (w->n > 0) {
                CHECK_EQ(fqueue_next(fq), w->fd);
                w->ev = fqueue_type(fq);
        }
        fset_destroy(set);
        fqueue_destroy(fq);

        return NULL;
}

static int fqueue_server(struct t_pair * p,
                         void *          arg)
{
        struct waiter w[2];
        pthread_t     th[2];
        fset_t *      set = fset_create();
        fqueue_t *    fq  = fqueue_create();
        uint32_t      flags;
        char          buf[64];
        int           ev[MAX_FD];
        int           fd[3];
        int           i;

        (void) arg;
        CHECK(set != NULL && fq != NULL);

        for (i = 0; i < 3; ++i) {
                fd[i] = t_accept(NULL);
                CHECK(fd[i] < MAX_FD);
                CHECK_EQ(fset_add(set, fd[i]), 0);
        }

        /* 1. packets waiting on flows 0 and 2 */
        t_wait(p);
        CHECK_EQ(collect(set, fq, 2000, ev), 2);
        CHECK_EQ(ev[fd[0]], FLOW_PKT);
        CHECK_EQ(ev[fd[1]], 0);
        CHECK_EQ(ev[fd[2]], FLOW_PKT);
        CHECK_EQ(flow_read(fd[0], buf, sizeof(buf)), 1);
        CHECK_EQ(flow_read(fd[2], buf, sizeof(buf)), 1);
        CHECK_EQ(collect(set, fq, 100, ev), -ETIMEDOUT);

        /* 2. asleep in fevent when the packet comes */
        t_signal(p, 'B');
        CHECK_EQ(collect(set, fq, 5000, ev), 1);
        CHECK_EQ(ev[fd[1]], FLOW_PKT);
        CHECK_EQ(flow_read(fd[1], buf, sizeof(buf)), 1);

        /* 3. the peer marks flow 1 down, then up */
        t_signal(p, 'B');
        CHECK_EQ(collect(set, fq, 5000, ev), 1);
        CHECK_EQ(ev[fd[1]], FLOW_DOWN);
        CHECK_EQ(fccntl(fd[1], FLOWGFLAGS, &flags), 0);
        CHECK(flags & FLOWFDOWN);
        CHECK_EQ(flow_write(fd[1], "x", 1), -EFLOWDOWN);
        t_signal(p, 'B');
        CHECK_EQ(collect(set, fq, 5000, ev), 1);
        CHECK_EQ(ev[fd[1]], FLOW_UP);
        CHECK_EQ(fccntl(fd[1], FLOWGFLAGS, &flags), 0);
        CHECK(!(flags & FLOWFDOWN));
        CHECK_EQ(flow_write(fd[1], "x", 1), 1);

        /* 4. two threads, two sets, one wake-up each */
        for (i = 0; i < 2; ++i) {
                w[i].fd = fd[i];
                w[i].n  = 0;
                CHECK(pthread_create(&th[i], NULL, fevent_thread,
                                     &w[i]) == 0);
        }
        usleep(100 * 1000);
        t_signal(p, 'B');
        for (i = 0; i < 2; ++i) {
                pthread_join(th[i], NULL);
                CHECK_EQ(w[i].n, 1);
                CHECK_EQ(w[i].ev, FLOW_PKT);
                CHECK_EQ(flow_read(fd[i], buf, sizeof(buf)), 1);
        }

        /* 5. the peer deallocates flow 2 */
        t_signal(p, 'B');
        CHECK_EQ(collect(set, fq, 5000, ev), 1);
        CHECK_EQ(ev[fd[2]], FLOW_DEALLOC);
        CHECK_EQ(flow_read(fd[2], buf, sizeof(buf)), -EFLOWDOWN);
        fset_del(set, fd[2]);
        CHECK(!fset_has(set, fd[2]));
        CHECK_EQ(flow_dealloc(fd[2]), 0);

        t_signal(p, 'E');
        t_wait(p);
        for (i = 0; i < 2; ++i)
                CHECK_EQ(flow_dealloc(fd[i]), 0);
        fset_destroy(set);
        fqueue_destroy(fq);

        return 0;
}

static int test_fqueue(const char * name)
{
        struct t_pair p;
        uint32_t      flags;
        char          buf[8];
        int           fd[3];
        int           i;

        t_pair_start(&p, name, fqueue_server, NULL);
        for (i = 0; i < 3; ++i)
                fd[i] = t_alloc(name, NULL);

        CHECK_EQ(flow_write(fd[0], "a", 1), 1);
        CHECK_EQ(flow_write(fd[2], "c", 1), 1);
        t_signal(&p, '1');

        CHECK_EQ(t_wait(&p), 'B');
        usleep(100 * 1000); /* let it fall asleep */
        CHECK_EQ(flow_write(fd[1], "b", 1), 1);

        CHECK_EQ(t_wait(&p), 'B');
        usleep(100 * 1000);
        CHECK_EQ(fccntl(fd[1], FLOWGFLAGS, &flags), 0);
        CHECK_EQ(fccntl(fd[1], FLOWSFLAGS, flags | FLOWFDOWN), 0);
        CHECK_EQ(fccntl(fd[1], FLOWGFLAGS, &flags), 0);
        CHECK(flags & FLOWFDOWN);
        CHECK_EQ(flow_write(fd[1], "x", 1), -EFLOWDOWN);

        CHECK_EQ(t_wait(&p), 'B');
        usleep(100 * 1000);
        CHECK_EQ(fccntl(fd[1], FLOWSFLAGS, flags & ~FLOWFDOWN), 0);
        CHECK_EQ(flow_read(fd[1], buf, sizeof(buf)), 1); /* its "x" */

        CHECK_EQ(t_wait(&p), 'B');
        usleep(100 * 1000);
        CHECK_EQ(flow_write(fd[0], "a", 1), 1);
        CHECK_EQ(flow_write(fd[1], "b", 1), 1);

        CHECK_EQ(t_wait(&p), 'B');
        usleep(100 * 1000);
        CHECK_EQ(flow_dealloc(fd[2]), 0);

        CHECK_EQ(t_wait(&p), 'E');
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd[0]), 0);
        CHECK_EQ(flow_dealloc(fd[1]), 0);

        return t_pair_end(&p);
}

int main(int     argc,
         char ** argv)
{
        char name[64];

        if (argc < 2) {
                fprintf(stderr, "usage: %s timeouts|fqueue\n", argv[0]);
                return 2;
        }

        snprintf(name, sizeof(name), "t-%s-%d", argv[1], getpid());

        if (strcmp(argv[1], "timeouts") == 0)
                return test_timeouts(name);
        if (strcmp(argv[1], "fqueue") == 0)
                return test_fqueue(name);

        fprintf(stderr, "unknown test %s\n", argv[1]);

        return 2;
}
