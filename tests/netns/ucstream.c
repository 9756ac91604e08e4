/*
 * Ouroboros - ucstream: steady traffic over flows, for the unicast
 * layer's multi-host tests (tests/netns/test_unicast_*.sh): how long
 * traffic stopped when a link failed (the re-route time), whether it
 * came back, and how it spread over flows.
 *
 *   ucstream NAME [-n FLOWS] [-d MS] [-i US] [-s SIZE] [-q QOS] [-g MS]
 *
 * Allocates FLOWS flows (default 1) to NAME, served by an echo server
 * (flowcheck server NAME), and on each writes a probe of SIZE bytes
 * (default 64, at least 16) every US microseconds (default 1000) for MS
 * milliseconds (default 10000): a sequence number, the send time and
 * the flow index. Every echo is checked (its flow, a sequence number
 * sent, its size).
 * Prints, per silence longer than -g MS (default 50) on a flow:
 *   "GAP flow F at T ms for L ms"   (T since the start)
 * and at the end:
 *   "flow F sent S recv R maxgap G"
 *   "TOTAL sent S recv R maxgap G bad B"
 * G is the longest time without an echo on a flow while probes went
 * out (from the last echo before the silence to the first after it);
 * after the last probe each flow waits up to 2 s for its echoes.
 * Exit status: 0 every flow got echoes and none was bad; 1 a check
 * failed (bad echo, a flow with no echo, a flow that went down); 2 a
 * setup error (usage, allocation).
 */
#define _POSIX_C_SOURCE 200809L

#include "check_util.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>
#include <ouroboros/qos.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_FLOWS 64
#define HDR       16 /* seq 4, flow 4, time 8 (ns, low 32 bits twice) */
#define MAX_SIZE  8192

struct sflow {
        int      fd;
        uint32_t seq;       /* next to send */
        long     recv;
        int64_t  last_echo; /* ms */
        int64_t  maxgap;
        bool     in_gap;
        bool     down;
};

static struct sflow flows[MAX_FLOWS];
static int64_t      t0;

static int64_t now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t now_us(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

static const qosspec_t * qos_of(const char * s)
{
        static const struct {
                const char *      name;
                const qosspec_t * qs;
        } q[] = {
                { "raw", &qos_raw }, { "best", &qos_best_effort },
                { "video", &qos_video }, { "voice", &qos_voice },
                { "data", &qos_data }
        };
        size_t i;

        for (i = 0; i < sizeof(q) / sizeof(q[0]); ++i)
                if (strcmp(s, q[i].name) == 0)
                        return q[i].qs;

        return NULL;
}

static void usage(void)
{
        fprintf(stderr, "usage: ucstream NAME [-n FLOWS] [-d MS] [-i US] "
                "[-s SIZE] [-q raw|best|video|voice|data] [-g MS]\n");
        exit(2);
}

static long num(const char * s,
                long         lo,
                long         hi)
{
        char * end;
        long   v = strtol(s, &end, 10);

        if (*s == '\0' || *end != '\0' || v < lo || v > hi)
                usage();

        return v;
}

/* An echo on flow i: checked, counted, gaps noted. 0 or -1 (bad). */
static int echo_in(int             i,
                   const uint8_t * p,
                   ssize_t         n,
                   size_t          size,
                   long            gap_ms)
{
        struct sflow * f = &flows[i];
        int64_t        t = now_ms();
        uint32_t       seq;

        if ((size_t) n != size || get32(p + 4) != (uint32_t) i) {
                printf("BAD flow %d: %zd bytes, flow field %u\n", i, n,
                       get32(p + 4));
                return -1;
        }
        seq = get32(p);
        if (seq >= f->seq) {
                printf("BAD flow %d: seq %u never sent\n", i, seq);
                return -1;
        }

        if (f->last_echo > 0 && t - f->last_echo > gap_ms) {
                printf("GAP flow %d at %lld ms for %lld ms\n", i,
                       (long long) (f->last_echo - t0),
                       (long long) (t - f->last_echo));
                fflush(stdout);
        }
        if (f->last_echo > 0 && t - f->last_echo > f->maxgap)
                f->maxgap = t - f->last_echo;
        f->last_echo = t;
        f->recv++;

        return 0;
}

int main(int argc, char ** argv)
{
        const qosspec_t * qs      = &qos_raw;
        long              nflows  = 1;
        long              dur_ms  = 10000;
        long              intv_us = 1000;
        long              size    = 64;
        long              gap_ms  = 50;
        long              bad     = 0;
        uint8_t           buf[MAX_SIZE];
        struct timespec   to = { 5, 0 };
        fset_t *          set;
        fqueue_t *        fq;
        const char *      name;
        int64_t           next;
        int64_t           end;
        int64_t           t;
        long              sent = 0;
        long              recv = 0;
        int64_t           maxgap = 0;
        bool              fail = false;
        int               c;
        int               i;
        int               fd;
        ssize_t           r;

        if (argc < 2 || argv[1][0] == '-')
                usage();
        name = argv[1];
        optind = 2;
        while ((c = getopt(argc, argv, "n:d:i:s:q:g:")) != -1) {
                switch (c) {
                case 'n': nflows = num(optarg, 1, MAX_FLOWS); break;
                case 'd': dur_ms = num(optarg, 1, 3600000); break;
                case 'i': intv_us = num(optarg, 10, 10000000); break;
                case 's': size = num(optarg, HDR, MAX_SIZE); break;
                case 'g': gap_ms = num(optarg, 1, 600000); break;
                case 'q':
                        qs = qos_of(optarg);
                        if (qs == NULL)
                                usage();
                        break;
                default: usage();
                }
        }
        if (optind != argc)
                usage();

        set = fset_create();
        fq  = fqueue_create();
        if (set == NULL || fq == NULL) {
                fprintf(stderr, "ucstream: no event set\n");
                return 2;
        }

        for (i = 0; i < nflows; ++i) {
                qosspec_t q = *qs;
                fd = flow_alloc(name, &q, &to);
                if (fd < 0) {
                        fprintf(stderr, "ucstream: flow_alloc %s (flow %d):"
                                " %d\n", name, i, fd);
                        return 2;
                }
                if (fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT | FLOWFRNOBLOCK
                           | FLOWFWNOBLOCK) < 0 || fset_add(set, fd) < 0) {
                        fprintf(stderr, "ucstream: flow setup failed\n");
                        return 2;
                }
                flows[i].fd = fd;
        }
        printf("ALLOCATED %ld\n", nflows);
        fflush(stdout);

        memset(buf, 0, sizeof(buf));
        t0   = now_ms();
        next = now_us();
        end  = t0 + dur_ms;
        for (;;) {
                t = now_ms();
                if (t >= end + 2000)
                        break;
                if (t >= end) {
                        for (i = 0; i < nflows; ++i)
                                if (flows[i].recv < (long) flows[i].seq &&
                                    !flows[i].down)
                                        break;
                        if (i == nflows)
                                break; /* every echo is back */
                }
                while (t < end && now_us() >= next) {
                        for (i = 0; i < nflows; ++i) {
                                struct sflow * f = &flows[i];
                                int64_t        us = now_us();
                                if (f->down)
                                        continue;
                                put32(buf, f->seq);
                                put32(buf + 4, (uint32_t) i);
                                put32(buf + 8, (uint32_t) (us >> 32));
                                put32(buf + 12, (uint32_t) us);
                                r = flow_write(f->fd, buf, (size_t) size);
                                if (r == -EAGAIN)
                                        continue; /* full: not sent */
                                if (r < 0) {
                                        printf("DOWN flow %d: write %zd at "
                                               "%lld ms\n", i, r, (long long)
                                               (now_ms() - t0));
                                        f->down = true;
                                        fail = true;
                                        continue;
                                }
                                f->seq++;
                                sent++;
                        }
                        next += intv_us;
                }
                to.tv_sec  = 0;
                to.tv_nsec = 1000000;
                r = fevent(set, fq, &to);
                if (r == -ETIMEDOUT)
                        continue;
                if (r < 0) {
                        fprintf(stderr, "ucstream: fevent %zd\n", r);
                        return 1;
                }
                while ((fd = fqueue_next(fq)) >= 0) {
                        for (i = 0; i < nflows && flows[i].fd != fd; ++i)
                                ;
                        if (i == nflows)
                                continue;
                        if (fqueue_type(fq) != FLOW_PKT) {
                                if (fqueue_type(fq) == FLOW_DOWN ||
                                    fqueue_type(fq) == FLOW_DEALLOC ||
                                    fqueue_type(fq) == FLOW_PEER) {
                                        printf("EVENT flow %d: %d at %lld "
                                               "ms\n", i, fqueue_type(fq),
                                               (long long) (now_ms() - t0));
                                        fflush(stdout);
                                }
                                continue;
                        }
                        while ((r = flow_read(fd, buf, sizeof(buf))) > 0)
                                if (echo_in(i, buf, r, (size_t) size,
                                            gap_ms) < 0)
                                        ++bad;
                }
        }

        for (i = 0; i < nflows; ++i) {
                struct sflow * f = &flows[i];
                int64_t        last = f->last_echo > 0 ? f->last_echo : t0;
                if (end - last > gap_ms) {
                        printf("GAP flow %d at %lld ms for %lld ms "
                               "(no echo after it)\n", i,
                               (long long) (last - t0),
                               (long long) (end - last));
                        if (end - last > f->maxgap)
                                f->maxgap = end - last;
                }
                printf("flow %d sent %u recv %ld maxgap %lld\n", i, f->seq,
                       f->recv, (long long) f->maxgap);
                recv += f->recv;
                maxgap = f->maxgap > maxgap ? f->maxgap : maxgap;
                if (f->recv == 0)
                        fail = true;
                flow_dealloc(f->fd);
        }
        printf("TOTAL sent %ld recv %ld maxgap %lld bad %ld\n", sent, recv,
               (long long) maxgap, bad);

        fqueue_destroy(fq);
        fset_destroy(set);

        return fail || bad > 0 ? 1 : 0;
}
