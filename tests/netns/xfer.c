/*
 * Ouroboros - xfer: bulk transfers for the FRCT tests and benchmark
 * (tests/netns/test_frct*.sh, bench/frct/run), over a flow or, for the
 * baseline, over kernel TCP on the very same path.
 *
 *   xfer recv [-t SECS]
 *       Accept flows (the script binds the process to a name), a thread
 *       each; check every message (its checksum, its bytes, its sequence
 *       number) and print per flow, when the sender's END arrives (or
 *       nothing came for SECS, default 20):
 *       "RESULT msgs N bytes B ms T mbps G gaps P reorder O corrupt C
 *        end yes|no match yes|no qos L/I/E read R[ crypt bad B
 *        replay P]" (crypt: the flow's drop counters, FLOWGCRYPTST)
 *       A flow that goes down (FLOW_DOWN) is waited for, up to SECS,
 *       until it comes back up or its peer timeout finishes it.
 *       match: every message arrived once, in order, intact, and the
 *       stream's hash equals the sender's (in END). For a reliable flow
 *       the line is also sent back to the sender.
 *   xfer send NAME [-b BYTES] [-d SECS] [-m MSG]
 *              [-q rel|rel-nocrc|ord|raw] [-e] [-T MS] [-S SEED] [-i USEC]
 *       Allocate a flow (rel: loss 0, in order, ber 0 so a CRC;
 *       rel-nocrc: the same with ber 1, no CRC; ord: in order, not
 *       reliable, max_gap 200 ms; raw) with cypher_s 256 if -e and peer timeout MS (-T,
 *       default 120000), write BYTES (default 10 MB) or for SECS in
 *       messages of MSG bytes (default 8000; 16777216 for one 16 MiB
 *       message; -i: USEC between messages), then END. -S 0: the bytes are the text
 *       "plaintext-canary-" over and over (for captures). Prints "SENT msgs N bytes B ms T mbps G" and,
 *       on a reliable flow, the receiver's RESULT line (exit 1 unless it
 *       says match yes).
 *   xfer hold NAME -T MS [-q rel|raw] [-w SECS]
 *       Allocate a flow with peer timeout MS, write a small message every
 *       100 ms, and print each event: "EVENT DOWN|UP|PEER|DEALLOC <wall
 *       clock, ms since the epoch>", then for PEER "ERRORS read R write
 *       W" (both must be -EFLOWPEER). Exits 0 after PEER, 3 if none came
 *       within SECS (default 30). With -T 0 (no peer timer) the same
 *       for DEALLOC instead (the layer gave up on a flow down too long;
 *       both errors -EFLOWDOWN).
 *   xfer tcprecv PORT             kernel TCP (cubic) sink; prints RESULT
 *   xfer tcpsend ADDR PORT [-b BYTES] [-d SECS]   prints SENT
 *
 * Exit status: 0 pass, 1 a check failed, 2 setup error, 3 timeout.
 */
#define _POSIX_C_SOURCE 200809L

#include "check_util.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HDR      16            /* seq, len, sum, seed (32 bits each)   */
#define END_SEQ  0xffffffffu
#define END_LEN  (HDR + 16)    /* + msgs u32, hash u32, bytes u64     */
#define RES_LEN  256

/* The encryption counters of a flow: fccntl FLOWGCRYPTST (struct
 * flow_crypt_stats of fccntl.h, the same four u64). */
#ifndef FLOWGCRYPTST
#define FLOWGCRYPTST 00000040
#endif
struct xfer_crypt_st {
        uint64_t tx_pkts;
        uint64_t rx_pkts;
        uint64_t rx_bad;
        uint64_t rx_replay;
};

enum { EX_PASS = 0, EX_CHECK = 1, EX_SETUP = 2, EX_TIME = 3 };

static int64_t now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t wall_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_REALTIME, &t);
        return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct timespec ts_ms(long ms)
{
        struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

        return t;
}

/* Message seq of len bytes: header, then bytes from (seed, seq); seed
 * 0 gives the text CANARY over and over (the capture tests look for
 * it on the wire). */
#define CANARY "plaintext-canary-"
static void msg_fill(uint8_t * p,
                     size_t    len,
                     uint64_t  seed,
                     uint32_t  seq)
{
        size_t   i;
        uint64_t w = 0;

        for (i = HDR; i < len; ++i) {
                if (seed == 0)
                        p[i] = (uint8_t) CANARY[(i - HDR) %
                                                (sizeof(CANARY) - 1)];
                else if ((i - HDR) % 8 == 0)
                        w = mix(seed ^ ((uint64_t) seq << 32) ^ (i / 8));
                if (seed != 0)
                        p[i] = (uint8_t) (w >> (8 * ((i - HDR) % 8)));
        }
        put32(p, seq);
        put32(p + 4, (uint32_t) len);
        put32(p + 12, (uint32_t) seed);
        put32(p + 8, 0);
        put32(p + 8, fnv_sum(p, len, 8));
}

/* FNV-1a continued over a message's bytes: the stream's hash. */
static uint32_t hash_more(uint32_t        h,
                          const uint8_t * p,
                          size_t          len)
{
        size_t i;

        for (i = 0; i < len; ++i)
                h = (h ^ p[i]) * 16777619u;
        return h;
}

static void qos_of(qosspec_t * qs,
                   const char * q,
                   bool         crypt,
                   uint32_t     timeout)
{
        if (strcmp(q, "rel") == 0)
                *qs = qos_data;
        else if (strcmp(q, "rel-nocrc") == 0) {
                *qs = qos_data;
                qs->ber = 1; /* bit errors allowed: no CRC */
        }
        else if (strcmp(q, "ord") == 0) {
                *qs = qos_best_effort;
                qs->max_gap = 200; /* skip a lost packet after 200 ms */
        }
        else
                *qs = qos_raw;
        qs->cypher_s = crypt ? 256 : 0;
        qs->timeout  = timeout;
}

/* ---- recv */

/* The flow is down for a while (FLOWFDOWN), not gone. */
static bool flow_down(int fd)
{
        uint32_t fl = 0;

        return fccntl(fd, FLOWGFLAGS, &fl) == 0 && (fl & FLOWFDOWN);
}

struct rx_arg {
        int       fd;
        qosspec_t qs;
        long      idle_s;
};

static void * rx_flow(void * o)
{
        struct rx_arg * a   = o;
        size_t          cap = (16u << 20) + 4096;
        uint8_t *       buf = malloc(cap);
        uint8_t *       ref = malloc(cap);
        struct timespec to  = ts_ms(a->idle_s * 1000);
        uint64_t        msgs = 0, bytes = 0, gaps = 0, reord = 0, bad = 0;
        uint32_t        next = 0;
        uint32_t        h    = 2166136261u;
        bool            end  = false, match = false;
        int64_t         t0   = 0, t1;
        int64_t         t_down = 0;
        ssize_t         r;
        char            res[RES_LEN];
        char            cst[96] = "";
        struct xfer_crypt_st st;
        int             e;

        if (buf == NULL || ref == NULL)
                goto out;

        fccntl(a->fd, FLOWSRCVTIMEO, &to);
        for (;;) {
                uint32_t seq;
                size_t   len;

                r = flow_read(a->fd, buf, cap);
                if (r == -EFLOWDOWN && flow_down(a->fd) &&
                    (t_down != 0 || (t_down = now_ms()) != 0) &&
                    now_ms() - t_down < a->idle_s * 1000) {
                        /* the layer's link or peer is down: wait for
                           FLOW_UP (or FRCT's FLOW_PEER) */
                        nanosleep(&(struct timespec) { 0, 20000000 },
                                  NULL);
                        continue;
                }
                if (r < 0)
                        break;
                t_down = 0;
                len    = (size_t) r;

                if (t0 == 0)
                        t0 = now_ms();
                if (len < HDR || get32(buf + 4) != len ||
                    fnv_sum(buf, len, 8) != get32(buf + 8)) {
                        ++bad;
                        continue;
                }
                seq = get32(buf);
                if (seq == END_SEQ && len == END_LEN) {
                        uint64_t b = (uint64_t) get32(buf + 24) << 32 |
                                get32(buf + 28);
                        match = get32(buf + 16) == msgs && next == msgs &&
                                get32(buf + 20) == h && b == bytes &&
                                gaps == 0 && reord == 0 && bad == 0;
                        end = true;
                        break;
                }
                if (seq < next) {
                        ++reord;
                        continue;
                }
                if (seq > next)
                        gaps += seq - next;
                next = seq + 1;
                msg_fill(ref, len, get32(buf + 12), seq);
                if (memcmp(ref + HDR, buf + HDR, len - HDR) != 0) {
                        ++bad;
                        continue;
                }
                ++msgs;
                bytes += len;
                h = hash_more(h, buf, len);
        }
        t1 = now_ms();
        if (t0 == 0)
                t0 = t1;
        if (a->qs.cypher_s > 0) {
                memset(&st, 0, sizeof(st));
                e = fccntl(a->fd, FLOWGCRYPTST, &st);
                if (e < 0)
                        snprintf(cst, sizeof(cst), " crypt err %d", e);
                else
                        snprintf(cst, sizeof(cst), " crypt bad %llu "
                                 "replay %llu",
                                 (unsigned long long) st.rx_bad,
                                 (unsigned long long) st.rx_replay);
        }
        snprintf(res, sizeof(res), "RESULT msgs %llu bytes %llu ms %lld "
                 "mbps %.2f gaps %llu reorder %llu corrupt %llu end %s "
                 "match %s qos %u/%u/%u read %zd%s",
                 (unsigned long long) msgs, (unsigned long long) bytes,
                 (long long) (t1 - t0),
                 t1 > t0 ? bytes * 8.0 / 1000.0 / (double) (t1 - t0) : 0.0,
                 (unsigned long long) gaps, (unsigned long long) reord,
                 (unsigned long long) bad, end ? "yes" : "no",
                 match ? "yes" : "no", a->qs.loss, a->qs.in_order,
                 a->qs.cypher_s, end ? 0 : r, cst);
        printf("%s\n", res);
        fflush(stdout);
        if (end && a->qs.loss == 0) {
                flow_write(a->fd, res, strlen(res) + 1);
                /* the sender deallocates once it has the answer */
                to = ts_ms(10000);
                fccntl(a->fd, FLOWSRCVTIMEO, &to);
                flow_read(a->fd, buf, cap);
        }
 out:
        flow_dealloc(a->fd);
        free(buf);
        free(ref);
        free(a);
        return NULL;
}

static int do_recv(long idle_s)
{
        printf("READY\n");
        fflush(stdout);
        for (;;) {
                struct rx_arg * a = calloc(1, sizeof(*a));
                pthread_t       t;

                if (a == NULL)
                        return EX_SETUP;
                a->idle_s = idle_s;
                a->fd = flow_accept(&a->qs, NULL);
                if (a->fd < 0) {
                        fprintf(stderr, "flow_accept: %d\n", a->fd);
                        free(a);
                        return EX_SETUP;
                }
                if (pthread_create(&t, NULL, rx_flow, a) != 0)
                        return EX_SETUP;
                pthread_detach(t);
        }
}

/* ---- send */

static int do_send(const char * name,
                   uint64_t     total,
                   long         secs,
                   size_t       msg,
                   const char * q,
                   bool         crypt,
                   uint32_t     timeout,
                   uint64_t     seed,
                   long         gap_us)
{
        qosspec_t       qs;
        struct timespec to = ts_ms(10000);
        uint8_t *       buf;
        uint64_t        bytes = 0;
        uint32_t        seq   = 0;
        uint32_t        h     = 2166136261u;
        int64_t         t0;
        int64_t         t1;
        ssize_t         r;
        int             fd;
        int             i;
        int             ret = EX_PASS;
        bool            rel;

        if (msg < HDR + 4 || msg > (16u << 20))
                return EX_SETUP;
        buf = malloc(msg > RES_LEN ? msg : RES_LEN);
        if (buf == NULL)
                return EX_SETUP;

        qos_of(&qs, q, crypt, timeout);
        rel = qs.loss == 0;
        fd  = flow_alloc(name, &qs, &to);
        if (fd < 0) {
                fprintf(stderr, "flow_alloc %s: %d\n", name, fd);
                free(buf);
                return EX_SETUP;
        }

        t0 = now_ms();
        while (secs > 0 ? now_ms() - t0 < secs * 1000 : bytes < total) {
                size_t len = msg;

                if (secs == 0 && total - bytes < len)
                        len = total - bytes < HDR + 4 ? HDR + 4 :
                                (size_t) (total - bytes);
                msg_fill(buf, len, seed, seq);
                r = flow_write(fd, buf, len);
                if (r != (ssize_t) len) {
                        fprintf(stderr, "flow_write %zu: %zd\n", len, r);
                        ret = EX_CHECK;
                        goto out;
                }
                h = hash_more(h, buf, len);
                bytes += len;
                ++seq;
                if (gap_us > 0)
                        nanosleep(&(struct timespec) { gap_us / 1000000,
                                  (gap_us % 1000000) * 1000 }, NULL);
        }
        t1 = now_ms();

        put32(buf, END_SEQ);
        put32(buf + 4, END_LEN);
        put32(buf + 12, (uint32_t) seed);
        put32(buf + 16, seq);
        put32(buf + 20, h);
        put32(buf + 24, (uint32_t) (bytes >> 32));
        put32(buf + 28, (uint32_t) bytes);
        put32(buf + 8, 0);
        put32(buf + 8, fnv_sum(buf, END_LEN, 8));
        for (i = 0; i < (rel ? 1 : 5); ++i) { /* unreliable: resend */
                flow_write(fd, buf, END_LEN);
                if (!rel)
                        nanosleep(&(struct timespec) { 0, 50000000 }, NULL);
        }
        if (!rel) /* no linger: what is on the way needs time to land */
                nanosleep(&(struct timespec) { 2, 0 }, NULL);
        printf("SENT msgs %u bytes %llu ms %lld mbps %.2f\n", seq,
               (unsigned long long) bytes, (long long) (t1 - t0),
               t1 > t0 ? bytes * 8.0 / 1000.0 / (double) (t1 - t0) : 0.0);
        fflush(stdout);

        if (rel) {
                to = ts_ms(300000); /* the test's own limit is shorter */
                fccntl(fd, FLOWSRCVTIMEO, &to);
                r = flow_read(fd, buf, RES_LEN);
                if (r <= 0) {
                        printf("no answer from the receiver: %zd\n", r);
                        ret = EX_TIME;
                } else {
                        buf[r - 1] = '\0';
                        printf("%s\n", (char *) buf);
                        if (strstr((char *) buf, "match yes") == NULL)
                                ret = EX_CHECK;
                }
        }
 out:
        flow_dealloc(fd);
        free(buf);
        return ret;
}

/* ---- hold */

static const char * ev_name(int e)
{
        switch (e) {
        case FLOW_DOWN:    return "DOWN";
        case FLOW_UP:      return "UP";
        case FLOW_PEER:    return "PEER";
        case FLOW_DEALLOC: return "DEALLOC";
        default:           return NULL;
        }
}

static int do_hold(const char * name,
                   const char * q,
                   uint32_t     timeout,
                   long         wait_s)
{
        qosspec_t       qs;
        struct timespec to = ts_ms(10000);
        fset_t *        set;
        fqueue_t *      fq;
        int64_t         end;
        uint8_t         buf[64];
        uint32_t        seq = 0;
        int             fd;
        int             e;

        qos_of(&qs, q, false, timeout);
        fd = flow_alloc(name, &qs, &to);
        if (fd < 0) {
                fprintf(stderr, "flow_alloc %s: %d\n", name, fd);
                return EX_SETUP;
        }
        set = fset_create();
        fq  = fqueue_create();
        if (set == NULL || fq == NULL || fset_add(set, fd) < 0)
                return EX_SETUP;
        printf("UP\n");
        fflush(stdout);

        end = now_ms() + wait_s * 1000;
        while (now_ms() < end) {
                struct timespec t = ts_ms(100);
                uint32_t        fl;

                fccntl(fd, FLOWGFLAGS, &fl);
                fccntl(fd, FLOWSFLAGS, fl | FLOWFWNOBLOCK);
                msg_fill(buf, sizeof(buf), 0, seq++);
                flow_write(fd, buf, sizeof(buf)); /* fails while down */
                if (fevent(set, fq, &t) <= 0)
                        continue;
                while (fqueue_next(fq) >= 0) {
                        const char * n = ev_name(fqueue_type(fq));
                        ssize_t      r;
                        ssize_t      w;

                        if (n == NULL)
                                continue;
                        printf("EVENT %s %lld\n", n, (long long) wall_ms());
                        fflush(stdout);
                        if (fqueue_type(fq) != (timeout > 0 ? FLOW_PEER
                                                : FLOW_DEALLOC))
                                continue;
                        fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT | FLOWFNONBLOCK);
                        r = flow_read(fd, buf, sizeof(buf));
                        w = flow_write(fd, buf, sizeof(buf));
                        printf("ERRORS read %zd write %zd\n", r, w);
                        e = timeout > 0 ? -EFLOWPEER : -EFLOWDOWN;
                        e = r == e && w == e ? EX_PASS : EX_CHECK;
                        flow_dealloc(fd);
                        fqueue_destroy(fq);
                        fset_destroy(set);
                        return e;
                }
        }
        printf("NO %s EVENT in %ld s\n", timeout > 0 ? "PEER" : "DEALLOC",
               wait_s);
        flow_dealloc(fd);
        fqueue_destroy(fq);
        fset_destroy(set);
        return EX_TIME;
}

/* ---- kernel TCP baseline */

static int tcp_cubic(int s)
{
        return setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, "cubic", 5);
}

static int do_tcprecv(int port)
{
        struct sockaddr_in a = { 0 };
        static uint8_t     buf[1 << 16];
        int                s;
        int                c;
        int                one = 1;

        s = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        a.sin_family = AF_INET;
        a.sin_port   = htons((uint16_t) port);
        if (s < 0 || bind(s, (struct sockaddr *) &a, sizeof(a)) < 0 ||
            listen(s, 8) < 0)
                return EX_SETUP;
        printf("READY\n");
        fflush(stdout);
        while ((c = accept(s, NULL, NULL)) >= 0) {
                uint64_t bytes = 0;
                int64_t  t0    = 0;
                int64_t  t1;
                ssize_t  r;

                tcp_cubic(c);
                while ((r = read(c, buf, sizeof(buf))) > 0) {
                        if (t0 == 0)
                                t0 = now_ms();
                        bytes += (uint64_t) r;
                }
                t1 = now_ms();
                printf("RESULT tcp bytes %llu ms %lld mbps %.2f\n",
                       (unsigned long long) bytes, (long long) (t1 - t0),
                       t1 > t0 ? bytes * 8.0 / 1000.0 / (double) (t1 - t0)
                       : 0.0);
                fflush(stdout);
                close(c);
        }
        return EX_SETUP;
}

static int do_tcpsend(const char * addr,
                      int          port,
                      uint64_t     total,
                      long         secs)
{
        struct sockaddr_in a = { 0 };
        static uint8_t     buf[1 << 16];
        uint64_t           bytes = 0;
        int64_t            t0;
        int64_t            t1;
        int                s;

        a.sin_family = AF_INET;
        a.sin_port   = htons((uint16_t) port);
        s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0 || inet_pton(AF_INET, addr, &a.sin_addr) != 1)
                return EX_SETUP;
        if (tcp_cubic(s) < 0) {
                fprintf(stderr, "TCP_CONGESTION cubic: %s\n",
                        strerror(errno));
                return EX_SETUP;
        }
        if (connect(s, (struct sockaddr *) &a, sizeof(a)) < 0) {
                fprintf(stderr, "connect: %s\n", strerror(errno));
                return EX_SETUP;
        }
        memset(buf, 0x5a, sizeof(buf));
        t0 = now_ms();
        while (secs > 0 ? now_ms() - t0 < secs * 1000 : bytes < total) {
                size_t  n = sizeof(buf);
                ssize_t r;

                if (secs == 0 && total - bytes < n)
                        n = (size_t) (total - bytes);
                r = write(s, buf, n);
                if (r <= 0)
                        return EX_CHECK;
                bytes += (uint64_t) r;
        }
        shutdown(s, SHUT_WR);
        while (read(s, buf, sizeof(buf)) > 0)
                ; /* until the receiver has it all and closes */
        t1 = now_ms();
        close(s);
        printf("SENT tcp bytes %llu ms %lld mbps %.2f\n",
               (unsigned long long) bytes, (long long) (t1 - t0),
               t1 > t0 ? bytes * 8.0 / 1000.0 / (double) (t1 - t0) : 0.0);
        return EX_PASS;
}

static void usage(void)
{
        fprintf(stderr, "usage: xfer recv [-t SECS] | send NAME [-b BYTES] "
                "[-d SECS] [-m MSG] [-q rel|rel-nocrc|ord|raw] [-e] [-T MS] "
                "[-S SEED] [-i USEC] | hold NAME -T MS [-q rel|raw] [-w SECS] | "
                "tcprecv PORT | tcpsend ADDR PORT [-b BYTES] [-d SECS]\n");
        exit(EX_SETUP);
}

int main(int    argc,
         char * argv[])
{
        const char * mode;
        const char * q       = "rel";
        uint64_t     total   = 10000000;
        uint64_t     seed    = 1;
        long         secs    = 0;
        long         idle    = 20;
        long         wait_s  = 30;
        long         gap_us  = 0;
        size_t       msg     = 8000;
        uint32_t     timeout = DEFAULT_PEER_TIMEOUT;
        bool         crypt   = false;
        int          pos     = 2;
        int          o;

        if (argc < 2)
                usage();
        mode = argv[1];
        if (strcmp(mode, "send") == 0 || strcmp(mode, "hold") == 0 ||
            strcmp(mode, "tcprecv") == 0)
                pos = 3;
        else if (strcmp(mode, "tcpsend") == 0)
                pos = 4;
        if (argc < pos)
                usage();
        optind = pos;
        while ((o = getopt(argc, argv, "b:d:m:q:eT:S:t:w:i:")) != -1) {
                switch (o) {
                case 'b': total   = strtoull(optarg, NULL, 0); break;
                case 'd': secs    = strtol(optarg, NULL, 0);   break;
                case 'm': msg     = strtoul(optarg, NULL, 0);  break;
                case 'q': q       = optarg;                    break;
                case 'e': crypt   = true;                      break;
                case 'T': timeout = (uint32_t) strtoul(optarg, NULL, 0);
                          break;
                case 'S': seed    = strtoull(optarg, NULL, 0); break;
                case 't': idle    = strtol(optarg, NULL, 0);   break;
                case 'w': wait_s  = strtol(optarg, NULL, 0);   break;
                case 'i': gap_us  = strtol(optarg, NULL, 0);   break;
                default:  usage();
                }
        }
        if (strcmp(mode, "recv") == 0)
                return do_recv(idle);
        if (strcmp(mode, "send") == 0)
                return do_send(argv[2], total, secs, msg, q, crypt, timeout,
                               seed, gap_us);
        if (strcmp(mode, "hold") == 0)
                return do_hold(argv[2], q, timeout, wait_s);
        if (strcmp(mode, "tcprecv") == 0)
                return do_tcprecv(atoi(argv[2]));
        if (strcmp(mode, "tcpsend") == 0)
                return do_tcpsend(argv[2], atoi(argv[3]), total, secs);
        usage();
        return EX_SETUP;
}
