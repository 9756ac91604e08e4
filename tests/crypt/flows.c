/*
 * Ouroboros - encrypted flows (qos cypher_s > 0) end to end over the
 * local layer. One scenario per argument:
 *
 *   echo    2000 packets of 1..8192 random bytes echoed back, intact and
 *           in order; both ends read every packet in random-sized parts
 *   qos     FLOWGQOSSPEC shows cypher_s 256 on both ends (asked 256, and
 *           asked 128: any 1..256 means AES-256), 0 for a clear flow
 *   einval  cypher_s > 256 is -EINVAL; flow_join with cypher_s -ENOTSUP
 *   maxpkt  a clear flow carries max_pkt, an encrypted one max_pkt - 24
 *           (-EMSGSIZE above), and that largest packet arrives intact
 *   shm     a 64-byte marker written N times is in the flow memory for
 *           a clear flow, and absent from it for an encrypted flow: the
 *           acceptor (which never reads) scans its own mapping of the
 *           flow through /proc/self/mem, no privilege needed; as root
 *           the writer's mappings are scanned too
 *
 * Each forks a partner process; the name is fresh per run. Exit 0 =
 * pass. Self-contained on purpose: it uses only the public API.
 */
#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(c) do {                                                   \
        if (!(c)) {                                                     \
                fprintf(stderr, "[%d] %s:%d: CHECK(%s) failed\n",       \
                        getpid(), __FILE__, __LINE__, #c);              \
                exit(1);                                                \
        }                                                               \
} while (0)

#define CHECK_EQ(a, b) do {                                             \
        long long a_ = (long long) (a);                                 \
        long long b_ = (long long) (b);                                 \
        if (a_ != b_) {                                                 \
                fprintf(stderr, "[%d] %s:%d: %s == %lld, expected %lld\n", \
                        getpid(), __FILE__, __LINE__, #a, a_, b_);      \
                exit(1);                                                \
        }                                                               \
} while (0)

#define ECHO_N     2000
#define ECHO_MAX   8192
#define MAX_PKT    (1024 * 1024) /* the IRMd's default (flow_shm.h)     */
#define OVERHEAD   24           /* counter + GCM tag (doc/crypto.md)   */
#define MARK_LEN   64
#define MARK_N     100

static char name[64];

/* ---- partner process and step pipes */

struct pair {
        pid_t child;
        int   rd;
        int   wr;
};

static void sig(const struct pair * p,
                char                c)
{
        CHECK(write(p->wr, &c, 1) == 1);
}

static char wait_sig(const struct pair * p)
{
        char c = 0;

        if (read(p->rd, &c, 1) != 1) {
                fprintf(stderr, "[%d] partner gone\n", getpid());
                exit(1);
        }

        return c;
}

/* The child runs fn(p, arg) as the server bound to name. */
static void pair_start(struct pair * p,
                       int        (* fn)(struct pair *, void *),
                       void *        arg)
{
        int a[2];
        int b[2];
        int r;

        /* TEST_LAYER: another layer than the local one (as tests/api) */
        r = irm_reg_name_layer(name, getenv("TEST_LAYER") != NULL ?
                               getenv("TEST_LAYER") : "local");
        CHECK(r >= 0 || r == -EEXIST);
        CHECK(pipe(a) == 0 && pipe(b) == 0);

        p->child = fork();
        CHECK(p->child >= 0);
        if (p->child == 0) {
                close(a[0]);
                close(b[1]);
                p->rd = b[0];
                p->wr = a[1];
                CHECK_EQ(irm_bind_process(getpid(), name), 0);
                sig(p, 'R');
                exit(fn(p, arg));
        }

        close(a[1]);
        close(b[0]);
        p->rd = a[0];
        p->wr = b[1];
        CHECK_EQ(wait_sig(p), 'R');
}

static int pair_end(struct pair * p)
{
        int st;

        close(p->wr);
        CHECK(waitpid(p->child, &st, 0) == p->child);
        close(p->rd);

        return WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}

static int accept_(qosspec_t * qs)
{
        struct timespec to = { 10, 0 };
        int             fd = flow_accept(qs, &to);

        CHECK(fd >= 0);

        return fd;
}

static int alloc_(qosspec_t * qs)
{
        struct timespec to = { 10, 0 };
        int             fd = flow_alloc(name, qs, &to);

        if (fd < 0)
                fprintf(stderr, "flow_alloc: %d\n", fd);
        CHECK(fd >= 0);

        return fd;
}

static qosspec_t qos_crypt(uint16_t bits)
{
        qosspec_t qs = qos_raw;

        qs.cypher_s = bits;

        return qs;
}

/* A packet that never comes (dropped as forged) fails, not hangs. */
static void timeo(int fd)
{
        struct timespec t = { 10, 0 };

        CHECK_EQ(fccntl(fd, FLOWSRCVTIMEO, &t), 0);
}

/* ---- deterministic data: both ends know every packet */

static uint32_t rnd(uint32_t * s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;

        return *s;
}

static void fill(uint8_t * b,
                 size_t    n,
                 uint32_t  seed)
{
        size_t i;

        for (i = 0; i < n; ++i)
                b[i] = (uint8_t) (rnd(&seed) >> 7);
}

/* Read one packet of exactly len bytes in random-sized parts. */
static void read_parts(int       fd,
                       uint8_t * out,
                       size_t    len,
                       uint32_t * s)
{
        size_t  got = 0;
        size_t  want;
        ssize_t n;

        do {
                want = 1 + rnd(s) % (len + 16);
                n = flow_read(fd, out + got, want);
                if (n < 0)
                        fprintf(stderr, "flow_read: %zd\n", n);
                CHECK(n >= 0);
                CHECK((size_t) n == (want < len - got ? want : len - got));
                got += (size_t) n;
        } while (got < len);
}

/* ---- echo */

/* Largest echo packet: ECHO_MAX, or less if the flow carries less (a
 * layer's packets may be smaller); the same on both ends. */
static size_t echo_max(int fd)
{
        size_t max = 0;

        CHECK(fccntl(fd, FLOWGMAXPKT, &max) == 0);

        return max > ECHO_MAX || max == 0 ? ECHO_MAX : max;
}

static int echo_server(struct pair * p,
                       void *        arg)
{
        static uint8_t buf[ECHO_MAX];
        qosspec_t      qs;
        uint32_t       sz = 7;
        uint32_t       parts = 11;
        size_t         len;
        int            fd;
        int            i;

        (void) p;
        (void) arg;

        fd = accept_(&qs);
        CHECK_EQ(qs.cypher_s, 256);
        timeo(fd);
        for (i = 0; i < ECHO_N; ++i) {
                len = 1 + rnd(&sz) % echo_max(fd);
                read_parts(fd, buf, len, &parts);
                CHECK_EQ(flow_write(fd, buf, len), (ssize_t) len);
        }
        {       /* FLOWGCRYPTST: every packet opened, none dropped */
                struct flow_crypt_stats cs;
                CHECK_EQ(fccntl(fd, FLOWGCRYPTST, &cs), 0);
                CHECK(cs.rx_pkts >= ECHO_N && cs.tx_pkts >= ECHO_N);
                CHECK_EQ(cs.rx_bad + cs.rx_replay, 0);
                CHECK_EQ(fccntl(fd, FLOWGCRYPTST, NULL), -EINVAL);
        }
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWDOWN);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_echo(void)
{
        static uint8_t out[ECHO_MAX];
        static uint8_t in[ECHO_MAX];
        struct pair    p;
        qosspec_t      qs = qos_crypt(256);
        uint32_t       sz = 7;
        uint32_t       parts = 13;
        size_t         len;
        size_t         max;
        int            fd;
        int            i;

        pair_start(&p, echo_server, NULL);
        fd = alloc_(&qs);
        timeo(fd);
        max = echo_max(fd);
        for (i = 0; i < ECHO_N; ++i) {
                len = 1 + rnd(&sz) % max;
                fill(out, len, (uint32_t) i + 1);
                CHECK_EQ(flow_write(fd, out, len), (ssize_t) len);
                read_parts(fd, in, len, &parts);
                CHECK(memcmp(in, out, len) == 0);
        }
        CHECK_EQ(flow_dealloc(fd), 0);

        return pair_end(&p);
}

/* ---- qos */

static int qos_server(struct pair * p,
                      void *        arg)
{
        qosspec_t a;
        qosspec_t g;
        int       fd;
        int       k;

        (void) arg;

        for (k = 0; k < 3; ++k) {
                fd = accept_(&a);
                CHECK_EQ(fccntl(fd, FLOWGQOSSPEC, &g), 0);
                CHECK_EQ(g.cypher_s, a.cypher_s);
                CHECK_EQ(g.cypher_s, k < 2 ? 256 : 0);
                sig(p, 'A');
                wait_sig(p);
                CHECK_EQ(flow_dealloc(fd), 0);
        }

        return 0;
}

static int test_qos(void)
{
        static const uint16_t ask[] = { 256, 128, 0 };
        struct pair           p;
        qosspec_t             qs;
        qosspec_t             g;
        int                   fd;
        int                   k;

        pair_start(&p, qos_server, NULL);
        for (k = 0; k < 3; ++k) {
                qs = qos_crypt(ask[k]);
                fd = alloc_(&qs);
                CHECK_EQ(fccntl(fd, FLOWGQOSSPEC, &g), 0);
                CHECK_EQ(g.cypher_s, ask[k] > 0 ? 256 : 0);
                if (ask[k] == 0) {      /* no counters on a clear flow */
                        struct flow_crypt_stats cs;
                        CHECK_EQ(fccntl(fd, FLOWGCRYPTST, &cs), -EPERM);
                }
                wait_sig(&p);
                sig(&p, 'D');
                CHECK_EQ(flow_dealloc(fd), 0);
        }

        return pair_end(&p);
}

/* ---- einval */

static int test_einval(void)
{
        struct timespec to = { 1, 0 };
        qosspec_t       qs = qos_crypt(257);

        CHECK_EQ(flow_alloc(name, &qs, &to), -EINVAL);
        qs.cypher_s = UINT16_MAX;
        CHECK_EQ(flow_alloc(name, &qs, &to), -EINVAL);
        qs.cypher_s = 256;
        CHECK_EQ(flow_join(name, &qs, &to), -ENOTSUP);

        return 0;
}

/* ---- maxpkt */

static int maxpkt_server(struct pair * p,
                         void *        arg)
{
        static uint8_t buf[MAX_PKT + 1];
        static uint8_t exp[MAX_PKT];
        qosspec_t      qs;
        int            fd;

        (void) p;
        (void) arg;

        fd = accept_(&qs);
        CHECK_EQ(qs.cypher_s, 0);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), MAX_PKT);
        CHECK_EQ(flow_dealloc(fd), 0);

        fd = accept_(&qs);
        CHECK_EQ(qs.cypher_s, 256);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), MAX_PKT - OVERHEAD);
        fill(exp, MAX_PKT - OVERHEAD, 99);
        CHECK(memcmp(buf, exp, MAX_PKT - OVERHEAD) == 0);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 0); /* empty packet */
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

static int test_maxpkt(void)
{
        static uint8_t buf[MAX_PKT + 1];
        struct pair    p;
        qosspec_t      qs = qos_raw;
        int            fd;

        pair_start(&p, maxpkt_server, NULL);

        fd = alloc_(&qs);
        CHECK_EQ(flow_write(fd, buf, MAX_PKT + 1), -EMSGSIZE);
        CHECK_EQ(flow_write(fd, buf, MAX_PKT), MAX_PKT);
        CHECK_EQ(flow_dealloc(fd), 0);

        qs = qos_crypt(256);
        fd = alloc_(&qs);
        CHECK_EQ(flow_write(fd, buf, MAX_PKT), -EMSGSIZE);
        CHECK_EQ(flow_write(fd, buf, MAX_PKT - OVERHEAD + 1), -EMSGSIZE);
        fill(buf, MAX_PKT - OVERHEAD, 99);
        CHECK_EQ(flow_write(fd, buf, MAX_PKT - OVERHEAD),
                 MAX_PKT - OVERHEAD);
        CHECK_EQ(flow_write(fd, buf, 0), 0);

        CHECK_EQ(pair_end(&p), 0); /* the server read them all */
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

/* ---- shm: what the flow memory of the writer holds */

static const uint8_t * marker(void)
{
        static uint8_t m[MARK_LEN];
        size_t         i;

        for (i = 0; i < MARK_LEN; ++i) /* unlikely anywhere by chance */
                m[i] = (uint8_t) ("OUROBOROS-CRYPT-MARKER:"[i % 23] ^ i);

        return m;
}

/* Occurrences of the marker in the flow mappings of pid, or -1 if it
 * has none. Flow memory is a memfd: "/memfd:<name> (deleted)". */
static long scan(pid_t pid)
{
        char      path[64];
        char      line[512];
        FILE *    maps;
        uint8_t * buf;
        int       mem;
        long      found = -1;
        uintptr_t lo;
        uintptr_t hi;
        size_t    i;

        snprintf(path, sizeof(path), "/proc/%d/maps", (int) pid);
        maps = fopen(path, "r");
        CHECK(maps != NULL);
        snprintf(path, sizeof(path), "/proc/%d/mem", (int) pid);
        mem = open(path, O_RDONLY);
        CHECK(mem >= 0);

        while (fgets(line, sizeof(line), maps) != NULL) {
                if (strstr(line, "/memfd:") == NULL)
                        continue;
                CHECK(sscanf(line, "%" SCNxPTR "-%" SCNxPTR, &lo, &hi) == 2);
                CHECK(hi > lo && hi - lo <= (1UL << 30));
                buf = malloc(hi - lo);
                CHECK(buf != NULL);
                CHECK(pread(mem, buf, hi - lo, (off_t) lo) ==
                      (ssize_t) (hi - lo));
                if (found < 0)
                        found = 0;
                for (i = 0; i + MARK_LEN <= hi - lo; ++i)
                        if (buf[i] == marker()[0] &&
                            memcmp(buf + i, marker(), MARK_LEN) == 0)
                                ++found;
                free(buf);
        }

        close(mem);
        fclose(maps);

        return found;
}

/* The writer: allocates with the qos in arg, writes the marker MARK_N
 * times, says so, and holds the flow until told to go. */
static int shm_writer(struct pair * p,
                      void *        arg)
{
        qosspec_t qs = qos_crypt((uint16_t) (uintptr_t) arg);
        int       fd;
        int       i;

        wait_sig(p); /* the parent is accepting */
        fd = alloc_(&qs);
        for (i = 0; i < MARK_N; ++i)
                CHECK_EQ(flow_write(fd, marker(), MARK_LEN), MARK_LEN);
        sig(p, 'W');
        wait_sig(p);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

/* The parent accepts (and never reads), the child writes. Stores the
 * marker count in the acceptor's flow memory in *mine and, as root, in
 * the writer's in *theirs (else -2). */
static void shm_run(uint16_t bits,
                    long *   mine,
                    long *   theirs)
{
        struct pair p;
        qosspec_t   qs;
        int         a[2];
        int         b[2];
        int         fd;

        CHECK(pipe(a) == 0 && pipe(b) == 0);
        p.child = fork();
        CHECK(p.child >= 0);
        if (p.child == 0) {
                close(a[0]);
                close(b[1]);
                p.rd = b[0];
                p.wr = a[1];
                exit(shm_writer(&p, (void *) (uintptr_t) bits));
        }
        close(a[1]);
        close(b[0]);
        p.rd = a[0];
        p.wr = b[1];

        sig(&p, 'G');
        fd = accept_(&qs);
        CHECK_EQ(qs.cypher_s, bits);
        CHECK_EQ(wait_sig(&p), 'W');
        *mine   = scan(getpid());
        *theirs = geteuid() == 0 ? scan(p.child) : -2;
        sig(&p, 'D');
        CHECK_EQ(pair_end(&p), 0);
        CHECK_EQ(flow_dealloc(fd), 0);
}

static int test_shm(void)
{
        long plain;
        long crypt;
        long plain_w;
        long crypt_w;
        int  r;

        /* TEST_LAYER: another layer than the local one (as tests/api) */
        r = irm_reg_name_layer(name, getenv("TEST_LAYER") != NULL ?
                               getenv("TEST_LAYER") : "local");
        CHECK(r >= 0 || r == -EEXIST);
        CHECK_EQ(irm_bind_process(getpid(), name), 0);

        shm_run(0, &plain, &plain_w);
        shm_run(256, &crypt, &crypt_w);
        printf("marker (%d x %d B) in the acceptor's flow memory: "
               "clear flow %ld, encrypted flow %ld\n", MARK_N, MARK_LEN,
               plain, crypt);

        CHECK(plain >= 0 && crypt >= 0);  /* a flow mapping was found */
        CHECK_EQ(plain, MARK_N);          /* the scan does see plaintext */
        CHECK_EQ(crypt, 0);               /* and there is none */

        if (plain_w == -2) {
                printf("the writer's memory was not scanned (that needs "
                       "root); the acceptor's was\n");
                return 0;
        }

        printf("in the writer's flow memory: clear flow %ld, encrypted "
               "flow %ld\n", plain_w, crypt_w);
        CHECK(plain_w >= 0 && crypt_w >= 0);
        CHECK_EQ(plain_w, MARK_N);
        CHECK_EQ(crypt_w, 0);

        return 0;
}

int main(int    argc,
         char * argv[])
{
        const char * t = argc > 1 ? argv[1] : "";

        snprintf(name, sizeof(name), "crypt-%s-%d", t, (int) getpid());
        signal(SIGPIPE, SIG_IGN);

        if (strcmp(t, "echo") == 0)
                return test_echo();
        if (strcmp(t, "qos") == 0)
                return test_qos();
        if (strcmp(t, "einval") == 0)
                return test_einval();
        if (strcmp(t, "maxpkt") == 0)
                return test_maxpkt();
        if (strcmp(t, "shm") == 0)
                return test_shm();

        fprintf(stderr, "usage: %s echo|qos|einval|maxpkt|shm\n", argv[0]);

        return 2;
}
