/*
 * Ouroboros - bccheck: a broadcast layer checked end to end, for the
 * multi-host tests (tests/netns/test_broadcast.sh) and the broadcast
 * bench (bench/layers/run).
 *
 *   bccheck (-j LAYER | -u ADDR:PORT) -i ID [-n COUNT] [-I US] [-s MAX]
 *           [-g FILE] [-q MS] [-D MS] [-e ID[:N[:FROM]]]... [-p EVERY]
 *           [-l MS] [-L] [-f]
 *
 * Joins the broadcast layer LAYER (flow_join; retried for up to 10 s
 * until the layer takes it), or, for the kernel baseline, binds a UDP
 * socket to PORT and sends to ADDR (a broadcast address). Prints
 * "JOINED ID max M". Once FILE exists (-g; at once without it) writes
 * COUNT messages (default 1000; 0: a reader only), one every US
 * microseconds (-I, default 1000; 0 as fast as the flow takes them),
 * and reads all the while. Each message is
 *
 *   magic u32 "BCK1" | writer u32 | seq u32 | total u32 | len u32
 *   | sent u64 (CLOCK_MONOTONIC ns, one clock for every namespace)
 *   | sum u32 (FNV-1a of the message, this field as zeros) | payload
 *
 * all big-endian, len bytes in all (32..MAX, MAX from FLOWGMAXPKT,
 * lowered by -s; the size and payload bytes are a function of writer
 * and seq), so every message is checked whole. It ends when its own
 * messages are written and nothing has arrived for MS ms (-q, default
 * 1500), or at the deadline (-D, default 60000 ms after joining).
 * -f: every message exactly MAX bytes (for the bench).
 * -l MS: leave (report and deallocate) MS ms after the last message
 * written, whatever still arrives (a member leaving mid-stream).
 * -p EVERY prints "SENT seq" after every EVERY messages written.
 *
 * Report, one line per writer heard or expected:
 *   W id recv R [exp FROM-TO] missing M dup D [first missing: a-b,...]
 * then "ECHO n" (own messages read back), "CORRUPT n" (not a message
 * of this format, or not the one its header names), "RATE r msg/s"
 * (first to last message received), "LAT avg p50 p99 max us" (one-way,
 * sent to received), "SENT n", and "PASS" or "FAIL reason".
 *
 * At most once, always: any duplicate, own echo or corrupted message
 * fails. Exactly once where told (-e: the path from that writer was
 * stable and lossless): every message FROM..N-1 (N default COUNT, FROM
 * default 0; "@FILE" reads FROM from FILE when the run ends, for a
 * writer whose path came back during the run) of writer ID arrived.
 * -L: losses are only reported, never failed (the kernel baseline).
 * Over UDP the kernel loops a broadcast back to its sender: own echoes
 * are counted there, not failed.
 *
 * Exit status: 0 pass, 1 a check failed, 2 setup error (usage, join).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* ppoll */
#endif

#include "check_util.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC      0x42434b31u /* "BCK1" */
#define HDR_LEN    32
#define MAX_WRITER 64
#define MAX_TOTAL  (1u << 24)
#define MAX_EXP    32
#define BUF_MAX    65536
#define LAT_MAX    (1u << 20)
#define SHOW_GAPS  8

enum { EX_PASS = 0, EX_CHECK = 1, EX_SETUP = 2 };

struct writer {
        uint32_t  id;
        uint32_t  total;
        uint8_t * seen;   /* a count per seq, saturating at 255 */
        uint64_t  recv;
        uint64_t  dup;
};

struct expect {
        uint32_t     id;
        uint32_t     n;
        uint32_t     from;
        const char * from_file;
};

static struct {
        const char *  layer;
        const char *  udp;
        uint32_t      id;
        uint32_t      count;
        long          interval_us;
        size_t        max;
        const char *  go;
        long          quiet_ms;
        long          deadline_ms;
        long          every;
        long          leave_ms;
        bool          lossy;
        bool          fixed;
        struct expect exp[MAX_EXP];
        size_t        nexp;
} o;

static struct writer w[MAX_WRITER];
static size_t        nw;
static uint64_t      echoes;
static uint64_t      corrupt;
static uint64_t      nrecv;
static int64_t       first_ns;
static int64_t       last_ns;
static uint32_t *    lat_us;
static size_t        nlat;

static int64_t now_ns(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000000000 + t.tv_nsec;
}

static size_t msg_len(uint32_t id,
                      uint32_t seq,
                      size_t   max)
{
        return HDR_LEN + mix((uint64_t) id << 32 | seq) % (max - HDR_LEN + 1);
}

static void payload(uint8_t * p,
                    uint32_t  id,
                    uint32_t  seq,
                    size_t    len)
{
        uint64_t s = mix(((uint64_t) seq << 32 | id) ^ 0x5bd1e995);
        size_t   i;

        for (i = HDR_LEN; i < len; ++i) {
                if ((i - HDR_LEN) % 8 == 0)
                        s = mix(s);
                p[i] = s >> (8 * ((i - HDR_LEN) % 8));
        }
}

static size_t msg_make(uint8_t * p,
                       uint32_t  seq)
{
        size_t   len = o.fixed ? o.max : msg_len(o.id, seq, o.max);
        uint64_t t   = (uint64_t) now_ns();

        put32(p, MAGIC);
        put32(p + 4, o.id);
        put32(p + 8, seq);
        put32(p + 12, o.count);
        put32(p + 16, (uint32_t) len);
        put32(p + 20, t >> 32);
        put32(p + 24, (uint32_t) t);
        put32(p + 28, 0);
        payload(p, o.id, seq, len);
        put32(p + 28, fnv_sum(p, len, 28));

        return len;
}

static struct writer * writer_get(uint32_t id,
                                  uint32_t total)
{
        size_t i;

        for (i = 0; i < nw; ++i)
                if (w[i].id == id)
                        return w[i].total == total || w[i].seen == NULL ?
                                &w[i] : NULL;
        if (nw == MAX_WRITER)
                return NULL;
        w[nw].id    = id;
        w[nw].total = total;
        w[nw].seen  = calloc(total > 0 ? total : 1, 1);
        if (w[nw].seen == NULL) {
                fprintf(stderr, "bccheck: out of memory\n");
                exit(EX_SETUP);
        }

        return &w[nw++];
}

/* One message received. */
static void msg_take(const uint8_t * p,
                     size_t          len)
{
        static uint8_t  ref[BUF_MAX];
        struct writer * x;
        uint32_t        id;
        uint32_t        seq;
        uint32_t        total;
        int64_t         t = now_ns();
        int64_t         sent;

        ++nrecv;
        if (nrecv == 1)
                first_ns = t;
        last_ns = t;
        if (len < HDR_LEN || get32(p) != MAGIC || get32(p + 16) != len ||
            get32(p + 28) != fnv_sum(p, len, 28)) {
                ++corrupt;
                return;
        }
        id    = get32(p + 4);
        seq   = get32(p + 8);
        total = get32(p + 12);
        if (total > MAX_TOTAL || seq >= total) {
                ++corrupt;
                return;
        }
        payload(ref, id, seq, len);
        if (memcmp(ref + HDR_LEN, p + HDR_LEN, len - HDR_LEN) != 0) {
                ++corrupt;
                return;
        }
        if (id == o.id) {
                ++echoes;
                return;
        }
        x = writer_get(id, total);
        if (x == NULL) {
                ++corrupt;
                return;
        }
        if (x->seen[seq] > 0)
                ++x->dup;
        else
                ++x->recv;
        if (x->seen[seq] < 255)
                ++x->seen[seq];
        sent = (int64_t) ((uint64_t) get32(p + 20) << 32 | get32(p + 24));
        if (lat_us != NULL && nlat < LAT_MAX && t >= sent)
                lat_us[nlat++] = (uint32_t) ((t - sent) / 1000);
}

/* ---- transports: a joined flow, or a UDP socket (kernel baseline) */

static int    fd = -1;      /* flow or socket */
static int    pfd = -1;     /* pollable */
static fset_t * set;
static fqueue_t * fq;
static struct sockaddr_in dst;

static int join_layer(void)
{
        struct timespec to  = { 1, 0 };
        int64_t         end = now_ns() + 10 * 1000000000LL;
        size_t          m   = 0;
        int             r;

        while ((r = flow_join(o.layer, NULL, &to)) < 0) {
                if (now_ns() > end || r == -EIPCPTYPE) {
                        fprintf(stderr, "bccheck: flow_join %s: %d\n",
                                o.layer, r);
                        return -1;
                }
                usleep(100000);
        }
        fd  = r;
        set = fset_create();
        fq  = fqueue_create();
        if (set == NULL || fq == NULL || fset_add(set, fd) < 0 ||
            fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT | FLOWFRNOBLOCK) < 0 ||
            (pfd = fset_fd(set)) < 0) {
                fprintf(stderr, "bccheck: cannot set up the flow\n");
                return -1;
        }
        if (fccntl(fd, FLOWGMAXPKT, &m) == 0 && m > 0 && m < o.max)
                o.max = m;

        return 0;
}

static int open_udp(void)
{
        struct sockaddr_in a;
        char               host[64];
        char *             c;
        int                one = 1;
        int                big = 8 << 20;

        if (strlen(o.udp) >= sizeof(host))
                return -1;
        strcpy(host, o.udp);
        c = strrchr(host, ':');
        if (c == NULL)
                return -1;
        *c = '\0';
        memset(&dst, 0, sizeof(dst));
        dst.sin_family = AF_INET;
        dst.sin_port   = htons((uint16_t) atoi(c + 1));
        if (inet_pton(AF_INET, host, &dst.sin_addr) != 1)
                return -1;
        fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -1;
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
        memset(&a, 0, sizeof(a));
        a.sin_family      = AF_INET;
        a.sin_port        = dst.sin_port;
        a.sin_addr.s_addr = htonl(INADDR_ANY);
        if (bind(fd, (struct sockaddr *) &a, sizeof(a)) < 0) {
                perror("bccheck: bind");
                return -1;
        }
        pfd = fd;
        if (o.max > 1472)
                o.max = 1472;

        return 0;
}

/* 1 written, 0 try later (flow full), -1 error. */
static int xmit(const uint8_t * p,
                size_t          len)
{
        ssize_t r;

        if (o.udp != NULL) {
                r = sendto(fd, p, len, 0, (struct sockaddr *) &dst,
                           sizeof(dst));
                if (r < 0 && (errno == EAGAIN || errno == ENOBUFS))
                        return 0;
                return r == (ssize_t) len ? 1 : -1;
        }
        r = flow_write(fd, p, len);
        if (r == -EAGAIN)
                return 0;
        if (r < 0)
                fprintf(stderr, "bccheck: flow_write: %zd\n", r);

        return r == (ssize_t) len ? 1 : -1;
}

/* Read everything waiting: the number of messages, or -1. */
static long drain(void)
{
        static uint8_t buf[BUF_MAX];
        ssize_t        r;
        long           n = 0;

        while (1) {
                if (o.udp != NULL) {
                        r = recv(fd, buf, sizeof(buf), 0);
                        if (r < 0)
                                return errno == EAGAIN ? n : -1;
                } else {
                        r = flow_read(fd, buf, sizeof(buf));
                        if (r == -EAGAIN) {
                                /* events keep the set's fd readable */
                                struct timespec z = { 0, 0 };
                                fevent(set, fq, &z);
                                while (fqueue_next(fq) >= 0)
                                        ;
                                return n;
                        }
                        if (r < 0) {
                                fprintf(stderr, "bccheck: flow_read: %zd\n",
                                        r);
                                return -1;
                        }
                }
                msg_take(buf, (size_t) r);
                ++n;
        }
}

/* ---- options */

static void usage(void)
{
        fprintf(stderr,
                "usage: bccheck (-j LAYER | -u ADDR:PORT) -i ID [-n COUNT] "
                "[-I US] [-s MAX]\n"
                "               [-g FILE] [-q MS] [-D MS] "
                "[-e ID[:N[:FROM|:@FILE]]]... [-p EVERY] [-l MS] [-L] [-f]\n");
        exit(EX_SETUP);
}

static long num(const char * s,
                long         lo)
{
        char * end;
        long   v;

        if (s == NULL)
                usage();
        v = strtol(s, &end, 10);
        if (*s == '\0' || *end != '\0' || v < lo)
                usage();

        return v;
}

static void add_expect(char * s)
{
        struct expect * e;
        char *          c;
        char *          d;

        if (o.nexp == MAX_EXP)
                usage();
        e = &o.exp[o.nexp++];
        c = strchr(s, ':');
        if (c != NULL)
                *c++ = '\0';
        e->id = (uint32_t) num(s, 0);
        e->n  = UINT32_MAX; /* COUNT, once it is known */
        if (c == NULL)
                return;
        d = strchr(c, ':');
        if (d != NULL)
                *d++ = '\0';
        e->n = (uint32_t) num(c, 0);
        if (d == NULL)
                return;
        if (*d == '@')
                e->from_file = d + 1;
        else
                e->from = (uint32_t) num(d, 0);
}

static void opts(int    argc,
                 char * argv[])
{
        int i;

        o.count       = 1000;
        o.interval_us = 1000;
        o.max         = 1400;
        o.quiet_ms    = 1500;
        o.deadline_ms = 60000;
        o.id          = UINT32_MAX;
        for (i = 1; i < argc; ++i) {
                const char * a = argv[i];
                char *       v = i + 1 < argc ? argv[i + 1] : NULL;

                if (strcmp(a, "-L") == 0 || strcmp(a, "-f") == 0) {
                        o.lossy |= a[1] == 'L';
                        o.fixed |= a[1] == 'f';
                        continue;
                }
                if (a[0] != '-' || a[1] == '\0' || a[2] != '\0' || v == NULL)
                        usage();
                ++i;
                switch (a[1]) {
                case 'j': o.layer = v; break;
                case 'u': o.udp = v; break;
                case 'i': o.id = (uint32_t) num(v, 0); break;
                case 'n': o.count = (uint32_t) num(v, 0); break;
                case 'I': o.interval_us = num(v, 0); break;
                case 's': o.max = (size_t) num(v, HDR_LEN); break;
                case 'g': o.go = v; break;
                case 'q': o.quiet_ms = num(v, 1); break;
                case 'D': o.deadline_ms = num(v, 1); break;
                case 'e': add_expect(v); break;
                case 'p': o.every = num(v, 1); break;
                case 'l': o.leave_ms = num(v, 0); break;
                default: usage();
                }
        }
        if ((o.layer == NULL) == (o.udp == NULL) || o.id == UINT32_MAX ||
            o.count > MAX_TOTAL || o.max > BUF_MAX)
                usage();
        for (i = 0; i < (int) o.nexp; ++i)
                if (o.exp[i].n == UINT32_MAX)
                        o.exp[i].n = o.count;
}

/* ---- the report */

static int cmp_u32(const void * a,
                   const void * b)
{
        uint32_t x = *(const uint32_t *) a;
        uint32_t y = *(const uint32_t *) b;

        return x < y ? -1 : x > y;
}

static struct writer * writer_find(uint32_t id)
{
        size_t i;

        for (i = 0; i < nw; ++i)
                if (w[i].id == id)
                        return &w[i];

        return NULL;
}

/* The missing seqs of x in [from, to): their number; the first ranges
 * printed to out. */
static uint64_t missing(const struct writer * x,
                        uint32_t              from,
                        uint32_t              to,
                        char *                out,
                        size_t                len)
{
        uint64_t m     = 0;
        uint32_t s     = from;
        int      shown = 0;
        size_t   k     = 0;

        out[0] = '\0';
        while (s < to) {
                uint32_t e;

                if (x != NULL && s < x->total && x->seen[s] > 0) {
                        ++s;
                        continue;
                }
                for (e = s; e < to && !(x != NULL && e < x->total &&
                                        x->seen[e] > 0); ++e)
                        ;
                m += e - s;
                if (shown++ < SHOW_GAPS && k < len) {
                        int r = e - 1 == s ?
                                snprintf(out + k, len - k, "%s%u",
                                         k ? "," : "", s) :
                                snprintf(out + k, len - k, "%s%u-%u",
                                         k ? "," : "", s, e - 1);
                        if (r > 0)
                                k += (size_t) r;
                }
                s = e;
        }

        return m;
}

static uint32_t read_from(const struct expect * e)
{
        FILE *        f;
        unsigned long v = 0;

        if (e->from_file == NULL)
                return e->from;
        f = fopen(e->from_file, "r");
        if (f == NULL || fscanf(f, "%lu", &v) != 1) {
                fprintf(stderr, "bccheck: no FROM in %s\n", e->from_file);
                v = 0;
        }
        if (f != NULL)
                fclose(f);

        return (uint32_t) v;
}

static int report(uint64_t sent)
{
        const char * why = NULL;
        char         gaps[256];
        uint64_t     dups = 0;
        size_t       i;
        size_t       j;

        for (i = 0; i < nw; ++i) {
                const struct expect * e = NULL;

                for (j = 0; j < o.nexp; ++j)
                        if (o.exp[j].id == w[i].id)
                                e = &o.exp[j];
                dups += w[i].dup;
                if (e != NULL)
                        continue;
                printf("W %u recv %lu of %u dup %lu\n", w[i].id,
                       (unsigned long) w[i].recv, w[i].total,
                       (unsigned long) w[i].dup);
        }
        for (j = 0; j < o.nexp; ++j) {
                const struct expect * e    = &o.exp[j];
                struct writer *       x    = writer_find(e->id);
                uint32_t              from = read_from(e);
                uint64_t              m;

                if (x != NULL && x->total != e->n) {
                        printf("W %u sends %u messages, expected %u\n",
                               e->id, x->total, e->n);
                        why = why ? why : "a writer's count is not the one expected";
                }
                m = missing(x, from, e->n, gaps, sizeof(gaps));
                printf("W %u recv %lu of %u exp %u-%u missing %lu dup %lu%s%s\n",
                       e->id, x ? (unsigned long) x->recv : 0UL,
                       x ? x->total : e->n, from, e->n ? e->n - 1 : 0,
                       (unsigned long) m, x ? (unsigned long) x->dup : 0UL,
                       m ? " first missing: " : "", gaps);
                if (m > 0 && !o.lossy && why == NULL)
                        why = "messages missing on a stable path";
        }
        printf("ECHO %lu\nCORRUPT %lu\n", (unsigned long) echoes,
               (unsigned long) corrupt);
        if (nrecv > 1 && last_ns > first_ns)
                printf("RATE %.1f msg/s over %ld ms\n",
                       (double) (nrecv - 1) * 1e9 / (double) (last_ns - first_ns),
                       (long) ((last_ns - first_ns) / 1000000));
        else
                printf("RATE nan msg/s\n");
        if (nlat > 0) {
                double sum = 0;

                qsort(lat_us, nlat, sizeof(*lat_us), cmp_u32);
                for (i = 0; i < nlat; ++i)
                        sum += lat_us[i];
                printf("LAT avg %.1f p50 %u p99 %u max %u us\n",
                       sum / (double) nlat, lat_us[nlat / 2],
                       lat_us[(nlat - 1) * 99 / 100], lat_us[nlat - 1]);
        } else {
                printf("LAT nan\n");
        }
        printf("SENT %lu\n", (unsigned long) sent);
        if (dups > 0)
                why = "duplicates";
        else if (echoes > 0 && o.udp == NULL)
                why = "own messages came back";
        else if (corrupt > 0)
                why = "corrupted messages";
        if (why != NULL) {
                printf("FAIL %s\n", why);
                return EX_CHECK;
        }
        printf("PASS\n");

        return EX_PASS;
}

int main(int    argc,
         char * argv[])
{
        static uint8_t buf[BUF_MAX];
        int64_t        start;
        int64_t        next;
        int64_t        quiet_since;
        int64_t        end;
        int64_t        done_ns = 0;
        uint64_t       sent = 0;
        bool           going;
        int            r;

        opts(argc, argv);
        setvbuf(stdout, NULL, _IOLBF, 0);
        lat_us = malloc(LAT_MAX * sizeof(*lat_us));
        if (o.layer != NULL ? join_layer() < 0 : open_udp() < 0) {
                fprintf(stderr, "bccheck: cannot open %s\n",
                        o.layer ? o.layer : o.udp);
                return EX_SETUP;
        }
        if (o.max < HDR_LEN) {
                fprintf(stderr, "bccheck: the flow takes %zu bytes, less "
                        "than a header\n", o.max);
                return EX_SETUP;
        }
        printf("JOINED %u max %zu\n", o.id, o.max);
        start       = now_ns();
        end         = start + o.deadline_ms * 1000000LL;
        going       = o.go == NULL;
        next        = start;
        quiet_since = start;
        while (1) {
                int64_t t = now_ns();
                long    got;
                int64_t wait_ns;

                if (t >= end) {
                        printf("DEADLINE after %ld ms\n", o.deadline_ms);
                        break;
                }
                if (!going && access(o.go, F_OK) == 0) {
                        going = true;
                        next  = t;
                }
                while (going && sent < o.count && t >= next) {
                        size_t len = msg_make(buf, (uint32_t) sent);

                        r = xmit(buf, len);
                        if (r < 0)
                                { report(sent); return EX_CHECK; }
                        if (r == 0)
                                break;
                        ++sent;
                        if (o.every > 0 && sent % o.every == 0)
                                printf("SENT %lu\n", (unsigned long) sent);
                        next += o.interval_us * 1000LL;
                        if (o.interval_us > 0)
                                t = now_ns();
                        if (sent % 64 == 0)
                                break; /* read now and then */
                }
                if (going && sent == o.count && done_ns == 0)
                        done_ns = t;
                if (done_ns > 0 && o.leave_ms > 0 &&
                    t - done_ns >= o.leave_ms * 1000000LL)
                        break;
                if (going && sent == o.count &&
                    t - quiet_since >= o.quiet_ms * 1000000LL)
                        break;
                if (going && sent < o.count)
                        wait_ns = next > t ? next - t : 0;
                else
                        wait_ns = 50000000;
                {
                        struct pollfd   p  = { pfd, POLLIN, 0 };
                        struct timespec to = { wait_ns / 1000000000,
                                               wait_ns % 1000000000 };

                        if (ppoll(&p, 1, &to, NULL) < 0 && errno != EINTR)
                                return EX_SETUP;
                }
                got = drain();
                if (got < 0)
                        { report(sent); return EX_CHECK; }
                if (got > 0 || !going || sent < o.count)
                        quiet_since = now_ns();
        }
        r = report(sent);
        if (fd >= 0 && o.layer != NULL)
                flow_dealloc(fd);

        return r;
}
