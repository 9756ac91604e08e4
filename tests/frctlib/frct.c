/*
 * Ouroboros - FRCT as the library drives it, end to end between two
 * processes over the layer $TEST_LAYER (tests/frctlib/test_*.sh run it
 * over the local layer and over layers that carry data):
 *
 *   frct reliable  10 MB in 64 KiB messages on qos_data, then dealloc at
 *                  once: all of it arrives, in order, byte-identical
 *   frct big       one 16 MiB message (qos_data) arrives whole;
 *                  FLOWGMAXPKT says 16 MiB, one byte more is refused
 *                  (-EMSGSIZE); with $OUROBOROS_MAX_MSG set, the same
 *                  for that size
 *   frct limits    the reader takes 64 KiB messages at most
 *                  (OUROBOROS_MAX_MSG=65536 in the server), the writer
 *                  16 MiB: a 2 MiB message gets -EMSGSIZE at the
 *                  writer (it was lost silently before), FLOWGMAXPKT
 *                  says 64 KiB then, and the flow goes on: the
 *                  next messages (64 KiB, 100 bytes) arrive intact
 *   frct flags     FRCTSFLAGS/FRCTGFLAGS: defaults, set and clear, RTX
 *                  refused without loss 0, -EPERM on raw flows; LINGER
 *                  makes flow_dealloc wait for a stopped peer
 *   frct peer      the server stops itself (SIGSTOP) after the accept:
 *                  a flow with a 1 s peer timeout raises FLOW_PEER once
 *                  within 3 s, then reads and writes fail with
 *                  -EFLOWPEER (raw and reliable); on a spliced flow
 *                  ("peer local") nothing comes: no keepalives
 *   frct threads   a process with only spliced flows starts no timer
 *                  thread; one with a flow through an IPCP does
 */
#include "../api/common.h"

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>

static int64_t now_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

#define STREAM   (10u << 20)
#define CHUNK    (64u << 10)
#define BIG      (16u << 20)

static uint8_t pat(size_t i)
{
        return (uint8_t) (i * 131 + (i >> 13));
}

static void fill(uint8_t * b,
                 size_t    off,
                 size_t    n)
{
        size_t i;

        for (i = 0; i < n; ++i)
                b[i] = pat(off + i);
}

static bool same(const uint8_t * b,
                 size_t          off,
                 size_t          n)
{
        size_t i;

        for (i = 0; i < n; ++i)
                if (b[i] != pat(off + i))
                        return false;

        return true;
}

static bool is_local(void)
{
        const char * l = getenv("TEST_LAYER");

        return l == NULL || strcmp(l, "local") == 0;
}

/* ---- reliable: a stream of messages, dealloc right after the last */

static int reliable_server(struct t_pair * p,
                           void *          arg)
{
        static uint8_t buf[CHUNK];
        struct timespec to = t_ms(30000);
        qosspec_t       qs;
        size_t          got = 0;
        ssize_t         n;
        int             fd;

        (void) arg;
        fd = t_accept(&qs);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
        t_signal(p, 'A');
        while (got < STREAM) {
                n = flow_read(fd, buf, sizeof(buf));
                if (n < 0)
                        fprintf(stderr, "read at %zu: %zd\n", got, n);
                CHECK_EQ(n, CHUNK);
                CHECK(same(buf, got, (size_t) n));
                got += (size_t) n;
        }
        /* the requester is gone once it delivered everything */
        n = flow_read(fd, buf, sizeof(buf));
        CHECK(n == -EFLOWDOWN || n == -ETIMEDOUT);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_reliable(const char * name)
{
        static uint8_t buf[CHUNK];
        struct t_pair  p;
        qosspec_t      qs = qos_data;
        size_t         sent;
        int            fd;

        t_pair_start(&p, name, reliable_server, NULL);
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        for (sent = 0; sent < STREAM; sent += CHUNK) {
                fill(buf, sent, CHUNK);
                CHECK_EQ(flow_write(fd, buf, CHUNK), CHUNK);
        }
        CHECK_EQ(flow_dealloc(fd), 0); /* lingers until delivered */

        return t_pair_end(&p);
}

/* ---- big: one 16 MiB message, or $OUROBOROS_MAX_MSG bytes if set
 * (the largest message, doc/qos.md: the test runs it both ways) */

static size_t big_len(void)
{
        const char * s = getenv("OUROBOROS_MAX_MSG");

        return s != NULL ? (size_t) strtoull(s, NULL, 10) : BIG;
}

static int big_server(struct t_pair * p,
                      void *          arg)
{
        struct timespec to = t_ms(60000);
        size_t          big = big_len();
        uint8_t *       buf = malloc(big + 1);
        qosspec_t       qs;
        int             fd;

        (void) arg;
        CHECK(buf != NULL);
        fd = t_accept(&qs);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
        t_signal(p, 'A');
        CHECK_EQ(flow_read(fd, buf, big + 1), big);
        CHECK(same(buf, 0, big));
        CHECK_EQ(flow_write(fd, "ok", 2), 2);
        CHECK_EQ(t_wait(p), 'E');
        CHECK_EQ(flow_dealloc(fd), 0);
        free(buf);

        return 0;
}

static int test_big(const char * name)
{
        struct t_pair   p;
        struct timespec to = t_ms(60000);
        qosspec_t       qs = qos_data;
        size_t          big = big_len();
        uint8_t *       buf = malloc(big + 1);
        size_t          max;
        char            ok[4];
        int             fd;

        CHECK(buf != NULL);
        fill(buf, 0, big + 1);
        t_pair_start(&p, name, big_server, NULL);
        fd = t_alloc(name, &qs);
        CHECK_EQ(fccntl(fd, FLOWGMAXPKT, &max), 0);
        CHECK_EQ(max, big);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
        CHECK_EQ(t_wait(&p), 'A');
        CHECK_EQ(flow_write(fd, buf, big + 1), -EMSGSIZE);
        CHECK_EQ(flow_write(fd, buf, big), big);
        CHECK_EQ(flow_read(fd, ok, sizeof(ok)), 2);
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);
        free(buf);

        return t_pair_end(&p);
}

/* ---- limits: the reader's largest message is smaller */

#define LIM_READER (64u << 10)
/* Over the spliced flow's packet (1 MiB): cut, and the old reader
 * dropped it whole (local_msg.c); through an IPCP FRCT's did. */
#define LIM_OVER   (2u << 20)

static int limits_server(struct t_pair * p,
                         void *          arg)
{
        static uint8_t  buf[LIM_OVER];
        struct timespec to = t_ms(30000);
        qosspec_t       qs;
        int             fd;

        (void) arg;
        /* A process of its own: its limit is read at its first flow. */
        CHECK_EQ(setenv("OUROBOROS_MAX_MSG", "65536", 1), 0);
        fd = t_accept(&qs);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
        t_signal(p, 'A');
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), LIM_READER);
        CHECK(same(buf, 0, LIM_READER));
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 100);
        CHECK(same(buf, 1, 100));
        CHECK_EQ(flow_write(fd, "ok", 2), 2);
        CHECK_EQ(t_wait(p), 'E');
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_limits(const char * name)
{
        static uint8_t  buf[LIM_OVER + 1];
        struct t_pair   p;
        struct timespec to = t_ms(30000);
        qosspec_t       qs = qos_data;
        size_t          max;
        char            ok[4];
        int             fd;

        fill(buf, 0, sizeof(buf));
        t_pair_start(&p, name, limits_server, NULL);
        fd = t_alloc(name, &qs);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &to), 0);
        CHECK_EQ(fccntl(fd, FLOWSSNDTIMEO, &to), 0);
        CHECK_EQ(t_wait(&p), 'A');
        /* Over the reader's limit: refused, not lost (a blocking
         * write waits for the reader's limit if it did not come). */
        CHECK_EQ(flow_write(fd, buf, LIM_OVER), -EMSGSIZE);
        CHECK_EQ(fccntl(fd, FLOWGMAXPKT, &max), 0);
        CHECK_EQ(max, LIM_READER);
        CHECK_EQ(flow_write(fd, buf, LIM_READER + 1), -EMSGSIZE);
        CHECK_EQ(flow_write(fd, buf, LIM_READER), LIM_READER);
        CHECK_EQ(flow_write(fd, buf + 1, 100), 100);
        CHECK_EQ(flow_read(fd, ok, sizeof(ok)), 2);
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- flags */

/* The whole process stops (its FRCT does not ack) for 0.6 s: a child
 * continues it; 'T' tells the peer before the stop. */
static void stop_a_while(struct t_pair * p)
{
        pid_t c = fork();

        CHECK(c >= 0);
        if (c == 0) {
                usleep(600000);
                kill(getppid(), SIGCONT);
                _exit(0);
        }
        t_signal(p, 'T');
        raise(SIGSTOP);
        waitpid(c, NULL, 0);
}

static int flags_server(struct t_pair * p,
                        void *          arg)
{
        char      buf[64];
        qosspec_t qs;
        int       fd;
        int       i;

        (void) arg;
        for (i = 0; i < 4; ++i) {
                fd = t_accept(&qs);
                t_signal(p, 'A');
                if (t_wait(p) == 'S') /* stopped for 0.6 s */
                        stop_a_while(p);
                while (flow_read(fd, buf, sizeof(buf)) > 0)
                        ;
                CHECK_EQ(flow_dealloc(fd), 0);
        }

        return 0;
}

/* flow_dealloc after a write to a peer process stopped for 0.6 s (the
 * peer's FRCT acks what arrives whether or not it reads, so a slow
 * reader would not do): ms taken. */
static long dealloc_ms(int              fd,
                       struct t_pair *  p)
{
        int64_t t0;

        t_signal(p, 'S');
        CHECK_EQ(t_wait(p), 'T');
        usleep(50000); /* it stopped */
        CHECK_EQ(flow_write(fd, "x", 1), 1);
        t0 = now_ns();
        CHECK_EQ(flow_dealloc(fd), 0);

        return (long) ((now_ns() - t0) / 1000000);
}

static int test_flags(const char * name)
{
        struct t_pair p;
        qosspec_t     qs;
        uint16_t      fl;
        long          ms;
        int           fd;

        t_pair_start(&p, name, flags_server, NULL);

        /* reliable: all three at first; each set and cleared */
        qs = qos_data;
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &fl), 0);
        CHECK_EQ(fl, FRCTFRTX | FRCTFRESCNTL | FRCTFLINGER);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, 0), 0);
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &fl), 0);
        CHECK_EQ(fl, 0);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, FRCTFRTX | FRCTFRESCNTL), 0);
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &fl), 0);
        CHECK_EQ(fl, FRCTFRTX | FRCTFRESCNTL);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, 0x10), -EINVAL);
        /* without LINGER the dealloc does not wait for the reader */
        ms = dealloc_ms(fd, &p);
        printf("dealloc without linger: %ld ms\n", ms);
        fflush(stdout);
        CHECK(ms < 400);

        /* LINGER: the dealloc waits until the peer acked the data */
        qs = qos_data;
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        ms = dealloc_ms(fd, &p);
        printf("dealloc with linger: %ld ms\n", ms);
        CHECK(ms >= 400 && ms < 5000);

        /* in order, not reliable: lingers, no RTX */
        qs = qos_best_effort;
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &fl), 0);
        CHECK_EQ(fl, FRCTFLINGER);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, 0), 0);
        /* what is in force: no bound asked is 100 ms through a layer;
         * a spliced flow has nothing to wait for */
        CHECK_EQ(fccntl(fd, FLOWGQOSSPEC, &qs), 0);
        CHECK_EQ(qs.max_gap, is_local() ? UINT32_MAX : 100);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, FRCTFRTX), -EINVAL);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, FRCTFLINGER), 0);
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &fl), 0);
        CHECK_EQ(fl, FRCTFLINGER);
        t_signal(&p, 'N');
        CHECK_EQ(flow_dealloc(fd), 0);

        /* raw: no FRCT flags, on any layer */
        qs = qos_raw;
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &fl), -EPERM);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, FRCTFLINGER), -EPERM);
        t_signal(&p, 'N');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- peer: the peer application stops */

static int peer_server(struct t_pair * p,
                       void *          arg)
{
        qosspec_t qs;
        int       fd;

        (void) arg;
        fd = t_accept(&qs);
        t_signal(p, 'A');
        raise(SIGSTOP); /* its IPCPs stay up: only FRCT can tell */
        t_wait(p);
        flow_dealloc(fd);

        return 0;
}

static int wait_peer(int  fd,
                     long limit_ms)
{
        fset_t *        set = fset_create();
        fqueue_t *      fq  = fqueue_create();
        struct timespec to  = t_ms(limit_ms);
        int             got = 0;
        int             n;

        CHECK(set != NULL && fq != NULL);
        CHECK_EQ(fset_add(set, fd), 0);
        while (got == 0) {
                n = (int) fevent(set, fq, &to);
                if (n == -ETIMEDOUT)
                        break;
                CHECK(n > 0);
                while (fqueue_next(fq) >= 0)
                        if (fqueue_type(fq) == FLOW_PEER)
                                ++got;
        }
        /* once only */
        if (got > 0)
                CHECK_EQ(fevent(set, fq, &(struct timespec) { 0, 0 }),
                         -ETIMEDOUT);
        fset_destroy(set);
        fqueue_destroy(fq);

        return got;
}

static int peer_one(const char *      name,
                    const qosspec_t * spec)
{
        struct t_pair p;
        qosspec_t     qs = *spec;
        char          buf[8];
        int64_t       t0;
        long          ms;
        int           st;
        int           fd;

        qs.timeout = 1000;
        t_pair_start(&p, name, peer_server, NULL);
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        CHECK(waitpid(p.child, &st, WUNTRACED) == p.child && WIFSTOPPED(st));
        t0 = now_ns();

        if (is_local()) {
                CHECK_EQ(wait_peer(fd, 2500), 0); /* spliced: none */
        } else {
                CHECK_EQ(wait_peer(fd, 3000), 1);
                ms = (long) ((now_ns() - t0) / 1000000);
                printf("FLOW_PEER after %ld ms\n", ms);
                fflush(stdout);
                CHECK(ms < 3000);
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWPEER);
                CHECK_EQ(flow_write(fd, "x", 1), -EFLOWPEER);
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWPEER);
        }

        kill(p.child, SIGCONT);
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

static int test_peer(const char * name)
{
        CHECK_EQ(peer_one(name, &qos_raw), 0);
        CHECK_EQ(peer_one(name, &qos_data), 0);

        return 0;
}

/* ---- threads: the timer exists only with flows through an IPCP */

static int threads(void)
{
        DIR *           d = opendir("/proc/self/task");
        struct dirent * e;
        int             n = 0;

        CHECK(d != NULL);
        while ((e = readdir(d)) != NULL)
                n += e->d_name[0] != '.';
        closedir(d);

        return n;
}

static int threads_server(struct t_pair * p,
                          void *          arg)
{
        qosspec_t qs;
        int       fd;

        (void) arg;
        fd = t_accept(&qs);
        t_signal(p, 'A');
        t_wait(p);
        flow_dealloc(fd);

        return 0;
}

static int test_threads(const char * name)
{
        struct t_pair p;
        qosspec_t     qs = qos_data;
        int           before;
        int           fd;

        t_pair_start(&p, name, threads_server, NULL);
        before = threads();
        fd = t_alloc(name, &qs);
        CHECK_EQ(t_wait(&p), 'A');
        usleep(100000);
        printf("threads: %d before the flow, %d with it\n", before,
               threads());
        if (is_local())
                CHECK_EQ(threads(), before);
        else
                CHECK_EQ(threads(), before + 1);
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);
        usleep(100000);
        CHECK_EQ(threads(), before); /* the timer left with the flow */

        return t_pair_end(&p);
}

int main(int    argc,
         char * argv[])
{
        char name[64];

        if (argc < 2) {
                fprintf(stderr, "usage: %s reliable|big|limits|flags|"
                        "peer|threads\n", argv[0]);
                return 2;
        }

        snprintf(name, sizeof(name), "t-frct-%s-%d", argv[1], getpid());

        if (strcmp(argv[1], "reliable") == 0)
                return test_reliable(name);
        if (strcmp(argv[1], "big") == 0)
                return test_big(name);
        if (strcmp(argv[1], "flags") == 0)
                return test_flags(name);
        if (strcmp(argv[1], "limits") == 0)
                return test_limits(name);
        if (strcmp(argv[1], "peer") == 0)
                return test_peer(name);
        if (strcmp(argv[1], "threads") == 0)
                return test_threads(name);

        fprintf(stderr, "unknown scenario %s\n", argv[1]);

        return 2;
}
