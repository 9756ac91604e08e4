/*
 * Ouroboros - API integration tests over the local layer, one scenario
 * per argument: echo, stress, partial, flags, qlen, errors, leak.
 * Each forks a server child bound to a fresh name (see common.h) and
 * plays the client itself. Exit status 0 = pass.
 */
#include "common.h"

#include <pthread.h>

#define STRESS_N    10000
#define STRESS_MAX  8192

/* ---- echo: the server echoes every packet until the flow goes down */

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

static int test_echo(const char * name)
{
        struct t_pair p;
        char          out[2048];
        char          in[2048];
        uint16_t      frct = 0xffff;
        int           fd;
        int           i;

        t_pair_start(&p, name, echo_server, NULL);
        fd = t_alloc(name, NULL);
        /* raw (NULL qosspec) is not in order: no FRCT, as in the classic
         * API both FRCT commands are refused and nothing is written */
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &frct), -EPERM);
        CHECK_EQ(frct, 0xffff);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, FRCTFRTX), -EPERM);
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, NULL), -EINVAL);

        for (i = 1; i <= 200; ++i) {
                size_t len = (size_t) (i * 7 % 2000) + 1;
                memset(out, 'a' + i % 26, len);
                CHECK_EQ(flow_write(fd, out, len), len);
                CHECK_EQ(flow_read(fd, in, sizeof(in)), len);
                CHECK(memcmp(in, out, len) == 0);
        }

        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- stress: 10000 packets of random sizes, sequence and checksum */

static uint32_t fnv(const uint8_t * p,
                    size_t          n)
{
        uint32_t h = 2166136261u;

        while (n-- > 0)
                h = (h ^ *p++) * 16777619u;

        return h;
}

/* Packet i: u32 seq | u32 fnv of the rest | random bytes. */
static size_t make_pkt(size_t     max,
                       uint8_t *  buf,
                       uint32_t   i,
                       unsigned * seed)
{
        size_t   len = 1 + (size_t) rand_r(seed) % max;
        uint32_t h;
        size_t   k;

        if (len < 8)
                len = 8; /* room for the header; sizes 1..7 below */
        for (k = 8; k < len; ++k)
                buf[k] = (uint8_t) rand_r(seed);
        memcpy(buf, &i, 4);
        h = fnv(buf + 8, len - 8);
        memcpy(buf + 4, &h, 4);

        return len;
}

struct stress {
        int    fd;
        size_t max; /* STRESS_MAX, or less if the flow carries less */
};

static void * stress_writer(void * o)
{
        struct stress * s = o;
        static uint8_t  buf[STRESS_MAX];
        unsigned        seed = 42;
        uint32_t        i;

        for (i = 0; i < STRESS_N; ++i) {
                size_t len = make_pkt(s->max, buf, i, &seed);
                CHECK_EQ(flow_write(s->fd, buf, len), len);
                if (i % 1000 == 0) { /* a few tiny packets too */
                        CHECK_EQ(flow_write(s->fd, "x", 1), 1);
                }
        }

        return NULL;
}

static int test_stress(const char * name)
{
        static uint8_t buf[STRESS_MAX];
        struct t_pair  p;
        struct stress  s;
        pthread_t      th;
        uint32_t       i;

        t_pair_start(&p, name, echo_server, NULL);
        s.fd = t_alloc(name, NULL);
        CHECK(fccntl(s.fd, FLOWGMAXPKT, &s.max) == 0);
        if (s.max > STRESS_MAX)
                s.max = STRESS_MAX; /* a layer's packets may be smaller */
        CHECK(pthread_create(&th, NULL, stress_writer, &s) == 0);

        for (i = 0; i < STRESS_N; ++i) {
                ssize_t  n = flow_read(s.fd, buf, sizeof(buf));
                uint32_t seq;
                uint32_t h;
                CHECK(n >= 8);
                memcpy(&seq, buf, 4);
                memcpy(&h, buf + 4, 4);
                CHECK_EQ(seq, i);
                CHECK_EQ(h, fnv(buf + 8, (size_t) n - 8));
                if (i % 1000 == 0) {
                        CHECK_EQ(flow_read(s.fd, buf, sizeof(buf)), 1);
                        CHECK_EQ(buf[0], 'x');
                }
        }

        pthread_join(th, NULL);
        CHECK_EQ(flow_dealloc(s.fd), 0);
        printf("stress: %d packets intact and in order\n", STRESS_N);

        return t_pair_end(&p);
}

/* ---- partial reads and FLOWFRNOPART */

static int partial_server(struct t_pair * p,
                          void *          arg)
{
        char     buf[1000];
        uint32_t flags;
        int      fd;
        int      i;
        int      k;

        (void) arg;

        fd = t_accept(NULL);
        t_wait(p); /* the client wrote its packets */

        for (i = 0; i < 10; ++i) { /* 1000 bytes in 100-byte chunks */
                CHECK_EQ(flow_read(fd, buf, 100), 100);
                for (k = 0; k < 100; ++k)
                        CHECK_EQ((uint8_t) buf[k], (uint8_t) (i * 100 + k));
        }
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 10); /* next packet */
        CHECK(memcmp(buf, "0123456789", 10) == 0);

        /* 300 bytes, read 250 then the rest of 50 */
        CHECK_EQ(flow_read(fd, buf, 250), 250);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 50);

        /* NOPART: too small a buffer is an error, the packet stays */
        CHECK_EQ(fccntl(fd, FLOWGFLAGS, &flags), 0);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, flags | FLOWFRNOPART), 0);
        CHECK_EQ(flow_read(fd, buf, 100), -EMSGSIZE);
        CHECK_EQ(flow_read(fd, buf, 100), -EMSGSIZE);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 1000);
        CHECK_EQ((uint8_t) buf[999], (uint8_t) 999);

        t_signal(p, 'D');
        t_wait(p);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_partial(const char * name)
{
        struct t_pair p;
        uint8_t       big[1000];
        int           fd;
        int           i;

        for (i = 0; i < 1000; ++i)
                big[i] = (uint8_t) i;

        t_pair_start(&p, name, partial_server, NULL);
        fd = t_alloc(name, NULL);
        CHECK_EQ(flow_write(fd, big, 1000), 1000);
        CHECK_EQ(flow_write(fd, "0123456789", 10), 10);
        CHECK_EQ(flow_write(fd, big, 300), 300);
        CHECK_EQ(flow_write(fd, big, 1000), 1000);
        t_signal(&p, 'W');
        t_wait(&p);
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- flags, qos, frct, fccntl errors */

static int flags_server(struct t_pair * p,
                        void *          arg)
{
        qosspec_t qs;
        qosspec_t got;
        uint16_t  frct;
        char      buf[16];
        int       fd;

        (void) arg;

        fd = t_accept(&qs);
        CHECK_EQ(qs.loss, 0);       /* the client asked for qos_data */
        CHECK_EQ(qs.in_order, 1);
        CHECK_EQ(qs.max_gap, 2000);
        CHECK_EQ(fccntl(fd, FLOWGQOSSPEC, &got), 0);
        CHECK_EQ(got.loss, 0);
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &frct), 0);
        CHECK(frct & FRCTFRTX);     /* reliable flows report FRCTFRTX */

        /* read-only: writes refused; reads fine */
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFRDONLY), 0);
        CHECK_EQ(flow_write(fd, "x", 1), -EPERM);
        t_wait(p);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 3);

        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT), 0);
        CHECK_EQ(flow_write(fd, "ack", 3), 3);
        t_wait(p);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_flags(const char * name)
{
        struct t_pair   p;
        qosspec_t       qs = qos_data;
        qosspec_t       crypt = qos_data_crypt;
        struct timespec ts;
        struct timespec set = { 1, 500000000 };
        uint32_t        flags;
        uint16_t        frct;
        size_t          q;
        char            buf[16];
        int             fd;

        crypt.cypher_s = 257; /* only up to AES-256: refused before sending */
        CHECK_EQ(flow_alloc(name, &crypt, NULL), -EINVAL);

        t_pair_start(&p, name, flags_server, NULL);
        fd = t_alloc(name, &qs);

        CHECK_EQ(fccntl(fd, FLOWGFLAGS, &flags), 0);
        CHECK_EQ(flags, FLOWFDEFAULT);

        /* write-only: reads refused */
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFWRONLY), 0);
        CHECK_EQ(fccntl(fd, FLOWGFLAGS, &flags), 0);
        CHECK_EQ(flags, FLOWFWRONLY);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EPERM);
        CHECK_EQ(flow_write(fd, "abc", 3), 3);
        t_signal(&p, '1');

        /* invalid access mode and unknown bits rejected, flags kept */
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFINVALID), -EINVAL);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, 0x40000000), -EINVAL);
        CHECK_EQ(fccntl(fd, FLOWGFLAGS, &flags), 0);
        CHECK_EQ(flags, FLOWFWRONLY);
        CHECK_EQ(fccntl(fd, FLOWSFLAGS, FLOWFRDWR), 0);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 3);

        /* timeouts: none set is -EPERM; set, read back; NULL clears */
        CHECK_EQ(fccntl(fd, FLOWGRCVTIMEO, &ts), -EPERM);
        CHECK_EQ(fccntl(fd, FLOWGSNDTIMEO, &ts), -EPERM);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &set), 0);
        CHECK_EQ(fccntl(fd, FLOWGRCVTIMEO, &ts), 0);
        CHECK(ts.tv_sec == 1 && ts.tv_nsec == 500000000);
        CHECK_EQ(fccntl(fd, FLOWSSNDTIMEO, &set), 0);
        CHECK_EQ(fccntl(fd, FLOWGSNDTIMEO, &ts), 0);
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, NULL), 0);
        CHECK_EQ(fccntl(fd, FLOWGRCVTIMEO, &ts), -EPERM);
        ts.tv_nsec = 2000000000L;
        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &ts), -EINVAL);

        /* qos_data is in order, so the flow has FRCT (the raw case is in
         * test_echo); loss 0 starts with FRCTFRTX, FRCTFRESCNTL and
         * FRCTFLINGER, unknown bits refused */
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, &frct), 0);
        CHECK_EQ(frct, FRCTFRTX | FRCTFRESCNTL | FRCTFLINGER);
        CHECK_EQ(fccntl(fd, FRCTSFLAGS, 0x8000), -EINVAL);

        /* bad commands and NULL arguments */
        CHECK_EQ(fccntl(fd, 0777777, 0), -EOPNOTSUPP);
        CHECK_EQ(fccntl(fd, FLOWGFLAGS, NULL), -EINVAL);
        CHECK_EQ(fccntl(fd, FLOWGQOSSPEC, NULL), -EINVAL);
        CHECK_EQ(fccntl(fd, FLOWGRXQLEN, NULL), -EINVAL);
        CHECK_EQ(fccntl(fd, FLOWGRCVTIMEO, NULL), -EINVAL);
        CHECK_EQ(fccntl(fd, FRCTGFLAGS, NULL), -EINVAL);
        CHECK_EQ(fccntl(-1, FLOWGRXQLEN, &q), -EBADF);
        CHECK_EQ(fccntl(fd + 1, FLOWGRXQLEN, &q), -ENOTALLOC);

        t_signal(&p, '2');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- queue lengths */

static int qlen_server(struct t_pair * p,
                       void *          arg)
{
        char   buf[64];
        size_t q = 99;
        int    fd;
        int    i;

        (void) arg;

        fd = t_accept(NULL);
        t_wait(p); /* 5 written */
        CHECK_EQ(fccntl(fd, FLOWGRXQLEN, &q), 0);
        CHECK_EQ(q, 5);
        CHECK_EQ(fccntl(fd, FLOWGTXQLEN, &q), 0);
        CHECK_EQ(q, 0);
        t_signal(p, 'C');
        t_wait(p); /* the client checked its side */
        for (i = 0; i < 5; ++i)
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 10);
        CHECK_EQ(fccntl(fd, FLOWGRXQLEN, &q), 0);
        CHECK_EQ(q, 0);
        t_signal(p, 'R');
        t_wait(p);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_qlen(const char * name)
{
        struct t_pair p;
        size_t        q = 99;
        int           fd;
        int           i;

        t_pair_start(&p, name, qlen_server, NULL);
        fd = t_alloc(name, NULL);
        for (i = 0; i < 5; ++i)
                CHECK_EQ(flow_write(fd, "0123456789", 10), 10);
        CHECK_EQ(fccntl(fd, FLOWGTXQLEN, &q), 0);
        CHECK_EQ(q, 5);
        CHECK_EQ(fccntl(fd, FLOWGRXQLEN, &q), 0);
        CHECK_EQ(q, 0);
        t_signal(&p, 'W');
        t_wait(&p);
        t_signal(&p, 'K');
        t_wait(&p); /* server read all 5 */
        CHECK_EQ(fccntl(fd, FLOWGTXQLEN, &q), 0);
        CHECK_EQ(q, 0);
        t_signal(&p, 'E');
        CHECK_EQ(flow_dealloc(fd), 0);

        return t_pair_end(&p);
}

/* ---- errors: bad fds, NULL buffers, oversize, closed flows */

static int errors_server(struct t_pair * p,
                         void *          arg)
{
        char buf[16];
        int  fd;

        (void) arg;

        fd = t_accept(NULL);
        t_wait(p);                 /* the client wrote one and left */
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 2); /* queued first */
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWDOWN);
        CHECK_EQ(flow_write(fd, "x", 1), -EFLOWDOWN);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_errors(const char * name)
{
        struct t_pair   p;
        struct timespec bad = { 0, -1 };
        static char     huge[(1 << 20) + 1]; /* max_pkt + 1 */
        char            longname[NAME_MAX_LEN + 2];
        char            buf[16];
        fset_t *        set;
        fqueue_t *      fq;
        int             fd;

        /* argument checks before anything is contacted */
        CHECK_EQ(flow_alloc(NULL, NULL, NULL), -EINVAL);
        CHECK_EQ(flow_alloc("", NULL, NULL), -EINVAL);
        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        CHECK_EQ(flow_alloc(longname, NULL, NULL), -ENAMETOOLONG);
        CHECK_EQ(flow_alloc(name, NULL, &bad), -EINVAL);
        CHECK_EQ(flow_accept(NULL, &bad), -EINVAL);

        /* descriptors */
        CHECK_EQ(flow_write(-1, "x", 1), -EBADF);
        CHECK_EQ(flow_read(-1, buf, 1), -EBADF);
        CHECK_EQ(flow_write(1 << 24, "x", 1), -EBADF);
        CHECK_EQ(flow_dealloc(-5), -EBADF);
        CHECK_EQ(flow_write(7, "x", 1), -ENOTALLOC);
        CHECK_EQ(flow_read(7, buf, 1), -ENOTALLOC);
        CHECK_EQ(flow_dealloc(7), -ENOTALLOC);

        /* an unknown name fails, not hangs */
        {
                struct timespec to = t_ms(3000);
                int64_t         t0 = check_now_ms();
                CHECK(flow_alloc("no-such-name-here", NULL, &to) < 0);
                CHECK(check_now_ms() - t0 < 2500);
                /* no broadcast layer: an error, never a crash */
                CHECK(flow_join("no-such-layer", NULL, &to) < 0);
        }

        /* event sets */
        set = fset_create();
        fq  = fqueue_create();
        CHECK(set != NULL && fq != NULL);
        CHECK_EQ(fset_add(set, -1), -EBADF);
        CHECK_EQ(fset_add(set, 9), -ENOTALLOC);
        CHECK_EQ(fset_add(NULL, 0), -EINVAL);
        CHECK_EQ(fevent(NULL, fq, NULL), -EINVAL);
        CHECK_EQ(fevent(set, NULL, NULL), -EINVAL);
        CHECK_EQ(fqueue_next(fq), -ENOENT);
        CHECK_EQ(fqueue_next(NULL), -EINVAL);

        t_pair_start(&p, name, errors_server, NULL);
        fd = t_alloc(name, NULL);
        CHECK_EQ(flow_write(fd, NULL, 5), -EINVAL);
        CHECK_EQ(flow_read(fd, NULL, 5), -EINVAL);
        CHECK_EQ(flow_write(fd, huge, sizeof(huge)), -EMSGSIZE);
        CHECK_EQ(flow_write(fd, "ok", 2), 2);
        CHECK_EQ(fset_add(set, fd), 0);
        CHECK(fset_has(set, fd));
        CHECK_EQ(flow_dealloc(fd), 0);
        CHECK_EQ(flow_dealloc(fd), -ENOTALLOC);    /* double dealloc */
        CHECK_EQ(flow_write(fd, "x", 1), -ENOTALLOC);
        CHECK_EQ(flow_read(fd, buf, 1), -ENOTALLOC);
        CHECK_EQ(fccntl(fd, FLOWGFLAGS, buf), -ENOTALLOC);
        {       /* a deallocated flow leaves the set */
                struct timespec z = { 0, 0 };
                CHECK_EQ(fevent(set, fq, &z), -ETIMEDOUT);
                CHECK(!fset_has(set, fd));
        }
        t_signal(&p, 'G');

        fset_destroy(set);
        fqueue_destroy(fq);

        return t_pair_end(&p);
}

/* ---- leak: 100 alloc/dealloc cycles leave no fd behind */

static int leak_server(struct t_pair * p,
                       void *          arg)
{
        char buf[16];
        int  before = -1;
        int  i;

        (void) arg;

        for (i = 0; i < 100; ++i) {
                int fd = t_accept(NULL);
                if (i == 1)
                        before = t_count_fds(); /* after lazy init */
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 4);
                CHECK_EQ(flow_write(fd, "pong", 4), 4);
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWDOWN);
                CHECK_EQ(flow_dealloc(fd), 0);
        }

        CHECK(t_count_fds() <= before);
        t_signal(p, 'L');

        return 0;
}

static int test_leak(const char * name)
{
        struct t_pair p;
        char          buf[16];
        int           before = -1;
        int           i;

        t_pair_start(&p, name, leak_server, NULL);
        for (i = 0; i < 100; ++i) {
                int fd = t_alloc(name, NULL);
                CHECK(fd == 0); /* lowest free descriptor, reused */
                if (i == 1)
                        before = t_count_fds();
                CHECK_EQ(flow_write(fd, "ping", 4), 4);
                CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 4);
                CHECK_EQ(flow_dealloc(fd), 0);
        }
        CHECK(t_count_fds() <= before);
        t_wait(&p);
        printf("leak: %d fds before and after 100 cycles\n", before);

        return t_pair_end(&p);
}

int main(int     argc,
         char ** argv)
{
        char name[64];

        if (argc < 2) {
                fprintf(stderr, "usage: %s echo|stress|partial|flags|"
                        "qlen|errors|leak\n", argv[0]);
                return 2;
        }

        snprintf(name, sizeof(name), "t-%s-%d", argv[1], getpid());

        if (strcmp(argv[1], "echo") == 0)
                return test_echo(name);
        if (strcmp(argv[1], "stress") == 0)
                return test_stress(name);
        if (strcmp(argv[1], "partial") == 0)
                return test_partial(name);
        if (strcmp(argv[1], "flags") == 0)
                return test_flags(name);
        if (strcmp(argv[1], "qlen") == 0)
                return test_qlen(name);
        if (strcmp(argv[1], "errors") == 0)
                return test_errors(name);
        if (strcmp(argv[1], "leak") == 0)
                return test_leak(name);

        fprintf(stderr, "unknown test %s\n", argv[1]);

        return 2;
}
