/*
 * Ouroboros - flowcheck: a flow checked end to end, for the multi-host
 * tests (tests/netns/).
 *
 *   flowcheck server NAME [-x N] [-s MAX]
 *       Bind this process to NAME (the script registers NAME in a layer),
 *       print READY, echo every packet of every flow (a thread per flow).
 *       A flow that goes down is kept (prints DOWN, then UP if it comes
 *       back); one deallocated by the peer or failing otherwise ends
 *       ("END fd after N: why").
 *       -x N: deallocate each flow after echoing N packets (prints
 *       "DEALLOC"); -s MAX: the largest packet if FLOWGMAXPKT is missing.
 *   flowcheck client NAME [-n COUNT] [-s MAX] [-w WINDOW] [-t MS] [-l]
 *                    [-C] [-r REORDER] [-S SEED]
 *       COUNT packets (default 10000) of random sizes 1..MAX, with MAX the
 *       flow's FLOWGMAXPKT (-s lowers it, or stands in for it where
 *       FLOWGMAXPKT is missing), at most WINDOW (default 16) unanswered.
 *       A packet is a function of the seed and its sequence number: its
 *       size, its bytes, and from 12 bytes on a header (sequence number,
 *       size, checksum), so every echo is checked whole. Prints
 *       "sent S recv R lost L dup D reorder O corrupt C max M seed X".
 *       Where MAX is the flow's own, a write of MAX + 1 bytes must then
 *       fail with -EMSGSIZE (never a silent drop).
 *       Exits 1 on corruption, and on loss, duplication or reordering,
 *       or an echo not back within MS (default 5000), unless -l (an
 *       impaired path: then an echo missing for 300 ms counts as lost);
 *       -C also tolerates corruption (bit flips on the path); -r REORDER
 *       tolerates up to REORDER packets out of order (a raw flow
 *       promises no order, and the kernel reorders a few frames of one
 *       sender across a tbf-limited veth: see backpressure.sh).
 *   flowcheck selftest
 *       The packet checks themselves: every packet of a run is recognised,
 *       and none with one bit flipped is taken for itself.
 *   flowcheck hold NAME [-i MS] [-b MS] [-u | -U | -D]
 *       Allocate a flow and send a small probe every MS (default 10),
 *       which the server echoes; print "UP" at the first echo. When the
 *       flow goes (FLOW_DOWN, FLOW_DEALLOC, FLOW_PEER, or a read or
 *       write error): print "EVENT <what> <ms since the last echo>",
 *       then "ERRORS read R write W down|gone" (both must now fail;
 *       down: the flow is marked down, FLOWFDOWN, and kept; gone:
 *       deallocated or finished); exits 0 if the
 *       event came within -b MS (default 5000) of the last echo.
 *       -u (a link flap): after FLOW_DOWN, wait for FLOW_UP ("FLOWUP")
 *       and for echoes again ("RESUMED <ms after FLOW_UP>"); exits 0 if
 *       both came, each within -b MS.
 *       -U (an outage on a layer without link state, udp): echoes stop
 *       ("GAP") and come back ("RESUMED") within -b MS of the last one,
 *       with no event and no write error meanwhile.
 *       -D (a peer that forgets the flow while it is down, e.g. its IPCP
 *       restarted): after FLOW_DOWN ("DOWN <ms>") wait for the flow to
 *       go ("GONE <ms after FLOW_DOWN>", then EVENT and ERRORS as
 *       above); exits 0 if it went within -b MS of the last echo.
 *
 * Exit status: 0 pass, 1 a check failed, 2 setup error (usage, flow
 * allocation), 3 nothing happened in time.
 */
#define _POSIX_C_SOURCE 200809L

#include "check_util.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef FLOWGMAXPKT
#define FLOWGMAXPKT 00000012 /* c-api.md; not in fccntl.h yet */
#endif

#define HDR_LEN   12
#define FAR_MS    300  /* -l: an echo missing this long is lost */
#define NEAR_SEQS 64   /* where a short packet's sequence number is sought */

enum { EX_PASS = 0, EX_CHECK = 1, EX_SETUP = 2, EX_TIME = 3 };

struct opts {
        const char * name;
        long         count;
        size_t       max;      /* -s, 0 if not given */
        long         window;
        long         timeo_ms;
        bool         tolerate; /* -l */
        long         reorder;  /* -r */
        bool         corrupt;  /* -C */
        uint64_t     seed;
        long         dealloc_after;
        long         interval_ms;
        long         bound_ms;
        bool         flap;
        bool         gone;     /* -D */
        bool         ride;
};

static int64_t now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct timespec ts_ms(long ms)
{
        struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

        return t;
}

/* ---- packets: everything follows from (seed, seq) */

static size_t pkt_size(uint64_t seed,
                       uint32_t seq,
                       size_t   max)
{
        return 1 + mix(seed ^ ((uint64_t) seq << 20)) % max;
}

/* The packet of seq, into p (room for max bytes); returns its size. */
static size_t pkt_make(uint8_t * p,
                       uint64_t  seed,
                       uint32_t  seq,
                       size_t    max)
{
        size_t   len = pkt_size(seed, seq, max);
        uint64_t s   = mix(seed + seq);
        size_t   i;

        for (i = 0; i < len; ++i) {
                if (i % 8 == 0)
                        s = mix(s);
                p[i] = s >> (8 * (i % 8));
        }
        if (len >= HDR_LEN) {
                put32(p, seq);
                put32(p + 4, (uint32_t) len);
                put32(p + 8, fnv_sum(p, len, 8));
        }

        return len;
}

/*
 * The sequence number of a received packet, or -1 if it is no packet we
 * sent (corrupt). A packet shorter than the header is recognised by its
 * whole content, looked for among the sequence numbers near next.
 */
static long pkt_identify(const uint8_t * p,
                         size_t          len,
                         uint64_t        seed,
                         size_t          max,
                         long            count,
                         long            next,
                         uint8_t *       scratch)
{
        long     s;
        long     d;
        uint32_t seq;

        if (len >= HDR_LEN) {
                seq = get32(p);
                if (seq >= (uint64_t) count || get32(p + 4) != len)
                        return -1;
                if (pkt_make(scratch, seed, seq, max) != len ||
                    memcmp(scratch, p, len) != 0)
                        return -1;
                return seq;
        }

        for (d = 0; d <= NEAR_SEQS; ++d) {
                for (s = next - d; s <= next + d; s += d > 0 ? 2 * d : 1) {
                        if (s < 0 || s >= count)
                                continue;
                        if (pkt_size(seed, s, max) != len)
                                continue;
                        pkt_make(scratch, seed, s, max);
                        if (memcmp(scratch, p, len) == 0)
                                return s;
                }
        }

        return -1;
}

/* ---- common */

/* The largest packet to send: FLOWGMAXPKT, or cap if smaller or if
 * FLOWGMAXPKT fails; *exact tells whether it is the flow's own. */
static size_t flow_max(int          fd,
                       size_t       cap,
                       const char * who,
                       bool *       exact)
{
        size_t m = 0;
        int    r;

        r = fccntl(fd, FLOWGMAXPKT, &m);
        if (exact != NULL)
                *exact = r >= 0 && m > 0 && (cap == 0 || cap >= m);
        if (r < 0 || m == 0) {
                if (cap == 0) {
                        fprintf(stderr, "%s: FLOWGMAXPKT failed (%d) and "
                                "no -s MAX\n", who, r);
                        exit(EX_SETUP);
                }
                return cap;
        }

        return cap > 0 && cap < m ? cap : m;
}

static int alloc_flow(const char * name,
                      long         timeo_ms)
{
        struct timespec to = ts_ms(timeo_ms);
        int             fd;

        fd = flow_alloc(name, NULL, &to);
        if (fd < 0) {
                fprintf(stderr, "flow_alloc %s: %d\n", name, fd);
                exit(EX_SETUP);
        }

        return fd;
}

/* ---- server */

struct srv_flow {
        int    fd;
        long   dealloc_after;
        size_t cap;
};

static const char * ev_name(int e)
{
        switch (e) {
        case FLOW_DOWN:    return "FLOW_DOWN";
        case FLOW_UP:      return "FLOW_UP";
        case FLOW_DEALLOC: return "FLOW_DEALLOC";
        case FLOW_PEER:    return "FLOW_PEER";
        default:           return "other";
        }
}

static bool flow_is_down(int fd)
{
        uint32_t fl = 0;

        return fccntl(fd, FLOWGFLAGS, &fl) == 0 && (fl & FLOWFDOWN);
}

/*
 * Echo what is waiting on f. True when the flow is done with: -x N
 * reached, or an error that is not the flow being down for a while
 * (a link flap: FLOW_UP follows).
 */
static bool srv_drain(struct srv_flow * f,
                      uint8_t *         buf,
                      size_t            max,
                      long *            n,
                      const char **     why)
{
        ssize_t r;
        ssize_t w;

        for (;;) {
                r = flow_read(f->fd, buf, max);
                if (r == -EAGAIN)
                        return false;
                if (r < 0) {
                        *why = "read error";
                        return !flow_is_down(f->fd);
                }
                w = flow_write(f->fd, buf, r);
                if (w != r && !flow_is_down(f->fd)) {
                        printf("WRITE %d %zd of %zd\n", f->fd, w, r);
                        *why = "write error";
                        return true;
                }
                if (++*n == f->dealloc_after) {
                        *why = NULL;
                        return true;
                }
        }
}

static void * srv_echo(void * arg)
{
        struct srv_flow * f    = arg;
        size_t            max  = flow_max(f->fd, f->cap, "server", NULL) + 1;
        uint8_t *         buf  = malloc(max);
        fset_t *          set  = fset_create();
        fqueue_t *        fq   = fqueue_create();
        const char *      why  = "fevent failed";
        bool              done = false;
        long              n    = 0;
        int               e;

        if (buf == NULL || set == NULL || fq == NULL ||
            fset_add(set, f->fd) < 0 ||
            fccntl(f->fd, FLOWSFLAGS, FLOWFDEFAULT | FLOWFRNOBLOCK) < 0) {
                fprintf(stderr, "server: flow %d setup failed\n", f->fd);
                exit(EX_SETUP);
        }

        while (!done && fevent(set, fq, NULL) >= 0) {
                while (!done && fqueue_next(fq) >= 0) {
                        e = fqueue_type(fq);
                        if (e == FLOW_PKT) {
                                done = srv_drain(f, buf, max, &n, &why);
                                continue;
                        }
                        printf("%s %d after %ld\n", e == FLOW_DOWN ? "DOWN" :
                               e == FLOW_UP ? "UP" : ev_name(e), f->fd, n);
                        fflush(stdout);
                        if (e != FLOW_DOWN && e != FLOW_UP) {
                                why  = ev_name(e);
                                done = true;
                        }
                }
        }

        if (why == NULL)
                printf("DEALLOC %d after %ld\n", f->fd, n);
        else
                printf("END %d after %ld: %s\n", f->fd, n, why);
        fflush(stdout);
        flow_dealloc(f->fd);
        fset_destroy(set);
        fqueue_destroy(fq);
        free(buf);
        free(f);

        return NULL;
}

static int server(const struct opts * o)
{
        struct srv_flow * f;
        pthread_t         th;
        int               r;
        int               fd;

        r = irm_bind_process(getpid(), o->name);
        if (r < 0) {
                fprintf(stderr, "bind %d to %s: %d\n", getpid(), o->name, r);
                return EX_SETUP;
        }
        printf("READY\n");
        fflush(stdout);

        for (;;) {
                fd = flow_accept(NULL, NULL);
                if (fd < 0) {
                        fprintf(stderr, "flow_accept: %d\n", fd);
                        return EX_SETUP;
                }
                printf("FLOW %d\n", fd);
                fflush(stdout);
                f = malloc(sizeof(*f));
                if (f == NULL)
                        return EX_SETUP;
                f->fd            = fd;
                f->dealloc_after = o->dealloc_after;
                f->cap           = o->max;
                if (pthread_create(&th, NULL, srv_echo, f) != 0) {
                        fprintf(stderr, "pthread_create failed\n");
                        return EX_SETUP;
                }
                pthread_detach(th);
        }
}

/* ---- client */

struct tally {
        long      recv;
        long      dup;
        long      reorder;
        long      corrupt;
        long      highest;
        long      next;    /* highest + 1: where short packets are sought */
        uint8_t * seen;    /* one bit per sequence number */
};

static void tally_add(struct tally * t,
                      long           seq)
{
        if (seq < 0) {
                ++t->corrupt;
                return;
        }
        if (t->seen[seq / 8] & (1 << (seq % 8))) {
                ++t->dup;
                return;
        }
        t->seen[seq / 8] |= 1 << (seq % 8);
        ++t->recv;
        if (seq < t->highest)
                ++t->reorder;
        else
                t->highest = seq;
        t->next = t->highest + 1;
}

static int client(const struct opts * o)
{
        struct timespec to;
        struct tally    t = { .highest = -1 };
        uint8_t *       out;
        uint8_t *       in;
        uint8_t *       scratch;
        size_t          max;
        size_t          len;
        long            sent = 0;
        long            base = 0;
        long            outstanding = 0;
        long            lost;
        ssize_t         r;
        bool            exact;
        int             fd;
        int             ret;

        fd  = alloc_flow(o->name, o->timeo_ms);
        max = flow_max(fd, o->max, "client", &exact);
        out = malloc(max + 1);
        in  = malloc(max + 1);
        scratch = malloc(max + 1);
        t.seen  = calloc(o->count / 8 + 1, 1);
        if (out == NULL || in == NULL || scratch == NULL || t.seen == NULL) {
                fprintf(stderr, "client: no memory\n");
                return EX_SETUP;
        }
        to = ts_ms(o->tolerate ? FAR_MS : o->timeo_ms);
        if (fccntl(fd, FLOWSRCVTIMEO, &to) < 0) {
                fprintf(stderr, "client: FLOWSRCVTIMEO failed\n");
                return EX_SETUP;
        }

        while (sent < o->count || outstanding > 0) {
                while (sent < o->count && outstanding < o->window) {
                        len = pkt_make(out, o->seed, sent, max);
                        r = flow_write(fd, out, len);
                        if (r != (ssize_t) len) {
                                fprintf(stderr, "write of seq %ld (%zu B): "
                                        "%zd\n", sent, len, r);
                                return EX_CHECK;
                        }
                        ++sent;
                        ++outstanding;
                }
                r = flow_read(fd, in, max + 1);
                if (r == -ETIMEDOUT && o->tolerate) {
                        base = sent; /* all lost on the way */
                        outstanding = 0;
                        continue;
                }
                if (r < 0) {
                        fprintf(stderr, "read after %ld sent, %ld back "
                                "(max %zu): %zd\n", sent, t.recv, max, r);
                        return r == -ETIMEDOUT ? EX_TIME : EX_CHECK;
                }
                tally_add(&t, pkt_identify(in, r, o->seed, max, o->count,
                                           t.next, scratch));
                if (!o->tolerate) {
                        if (outstanding > 0)
                                --outstanding;
                        continue;
                }
                /* what was sent before the highest echo is back, lost
                 * or late: only what came after it is outstanding */
                if (t.next > base)
                        base = t.next;
                outstanding = sent - base;
        }

        if (o->tolerate) /* late duplicates */
                while ((r = flow_read(fd, in, max + 1)) >= 0)
                        tally_add(&t, pkt_identify(in, r, o->seed, max,
                                                   o->count, t.next, scratch));

        lost = o->count - t.recv;
        printf("sent %ld recv %ld lost %ld dup %ld reorder %ld corrupt %ld "
               "max %zu seed %llu\n", sent, t.recv, lost, t.dup, t.reorder,
               t.corrupt, max, (unsigned long long) o->seed);

        ret = EX_PASS;
        if (exact) { /* one byte more than the flow carries: refused */
                r = flow_write(fd, out, max + 1);
                printf("write of %zu B: %zd\n", max + 1, r);
                if (r != -EMSGSIZE)
                        ret = EX_CHECK;
        }
        if (t.corrupt > 0 && !o->corrupt)
                ret = EX_CHECK;
        if ((lost > 0 || t.dup > 0 || t.reorder > o->reorder) &&
            !o->tolerate)
                ret = EX_CHECK;
        if (t.recv == 0)
                ret = EX_CHECK; /* nothing at all came back */

        flow_dealloc(fd);
        free(out);
        free(in);
        free(scratch);
        free(t.seen);

        return ret;
}

/* ---- hold */

#define GAP_MS 300 /* -U: echoes missing this long are a gap */

enum hold_state { H_START, H_UP, H_DOWN, H_BACK, H_GAP };

static int hold_gone(int          fd,
                     const char * what,
                     int64_t      last_echo,
                     long         bound_ms)
{
        struct timespec to = ts_ms(1000);
        int64_t         d  = now_ms() - last_echo;
        char            buf[64];
        ssize_t         r;
        ssize_t         w;

        uint32_t        fl = FLOWFDEFAULT;

        printf("EVENT %s %lld\n", what, (long long) d);
        fflush(stdout);
        /* blocking reads again; FLOWFDOWN as it is (clearing it would
         * bring the flow up) */
        fccntl(fd, FLOWGFLAGS, &fl);
        fccntl(fd, FLOWSFLAGS, fl & ~FLOWFRNOBLOCK);
        fccntl(fd, FLOWSRCVTIMEO, &to);
        while ((r = flow_read(fd, buf, sizeof(buf))) >= 0)
                ; /* what was still in flight */
        w = flow_write(fd, "probe", 5);
        printf("ERRORS read %zd write %zd %s\n", r, w,
               flow_is_down(fd) ? "down" : "gone");
        fflush(stdout);
        flow_dealloc(fd);
        if (r >= 0 || r == -ETIMEDOUT || r == -EAGAIN || w >= 0)
                return EX_CHECK;

        return d <= bound_ms ? EX_PASS : EX_TIME;
}

static int hold(const struct opts * o)
{
        enum hold_state st = H_START;
        struct timespec to;
        fset_t *        set;
        fqueue_t *      fq;
        int64_t         last_echo = now_ms();
        int64_t         next_tx   = 0;
        int64_t         t_down    = 0;
        int64_t         t_up      = 0;
        int64_t         t;
        char            buf[64];
        ssize_t         r;
        int             fd;
        int             e;

        fd  = alloc_flow(o->name, 5000);
        set = fset_create();
        fq  = fqueue_create();
        if (set == NULL || fq == NULL || fset_add(set, fd) < 0 ||
            fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT | FLOWFRNOBLOCK) < 0) {
                fprintf(stderr, "hold: event set setup failed\n");
                return EX_SETUP;
        }

        for (;;) {
                t = now_ms();
                if (t >= next_tx) {
                        r = flow_write(fd, "probe", 5);
                        if (r < 0 && st == H_START) {
                                fprintf(stderr, "first write: %zd\n", r);
                                return EX_SETUP;
                        }
                        if (r < 0 && o->ride) {
                                printf("WRITE %zd\n", r);
                                return EX_CHECK;
                        }
                        if (r < 0 && st == H_UP && !o->flap && !o->gone) {
                                snprintf(buf, sizeof(buf), "write=%zd", r);
                                return hold_gone(fd, buf, last_echo,
                                                 o->bound_ms);
                        }
                        next_tx = t + o->interval_ms;
                }
                if (o->ride && st == H_UP && t - last_echo > GAP_MS) {
                        printf("GAP\n");
                        fflush(stdout);
                        t_down = last_echo;
                        st = H_GAP;
                }
                if (st == H_GAP && t - last_echo > o->bound_ms) {
                        printf("NO ECHO again %lld ms after the last\n",
                               (long long) (t - last_echo));
                        return EX_TIME;
                }
                if (st == H_UP && t - last_echo > o->bound_ms) {
                        printf("NO EVENT after %lld ms without echoes\n",
                               (long long) (t - last_echo));
                        return EX_TIME;
                }
                if (st == H_START && t - last_echo > 5000) {
                        printf("NO ECHO in 5 s\n");
                        return EX_SETUP;
                }
                if ((st == H_DOWN && t - t_down > 60000) ||
                    (st == H_BACK && t - t_up > o->bound_ms)) {
                        printf("STUCK %s\n", st == H_DOWN ?
                               "down (no FLOW_UP in 60 s)" :
                               "up (no echo after FLOW_UP)");
                        return EX_TIME;
                }
                to = ts_ms(next_tx > t ? next_tx - t : 0);
                r = fevent(set, fq, &to);
                if (r == -ETIMEDOUT)
                        continue;
                if (r < 0) {
                        fprintf(stderr, "fevent: %zd\n", r);
                        return EX_CHECK;
                }
                while (fqueue_next(fq) >= 0) {
                        e = fqueue_type(fq);
                        if (e == FLOW_PKT) {
                                while ((r = flow_read(fd, buf, sizeof(buf)))
                                       > 0) {
                                        last_echo = now_ms();
                                        if (st == H_START) {
                                                printf("UP\n");
                                                st = H_UP;
                                        } else if (st == H_GAP) {
                                                printf("RESUMED %lld\n",
                                                       (long long)
                                                       (last_echo - t_down));
                                                fflush(stdout);
                                                flow_dealloc(fd);
                                                return EX_PASS;
                                        } else if (st == H_BACK) {
                                                printf("RESUMED %lld\n",
                                                       (long long)
                                                       (last_echo - t_up));
                                                fflush(stdout);
                                                flow_dealloc(fd);
                                                return EX_PASS;
                                        }
                                        fflush(stdout);
                                }
                                if (r < 0 && r != -EAGAIN && st == H_UP &&
                                    !o->flap && !o->gone) {
                                        snprintf(buf, sizeof(buf),
                                                 "read=%zd", r);
                                        return hold_gone(fd, buf, last_echo,
                                                         o->bound_ms);
                                }
                                continue;
                        }
                        if (o->ride && e != FLOW_PKT) {
                                printf("EVENT %s in a gap\n", ev_name(e));
                                return EX_CHECK;
                        }
                        if (o->gone && e == FLOW_DOWN && st == H_UP) {
                                t_down = now_ms();
                                printf("DOWN %lld\n",
                                       (long long) (t_down - last_echo));
                                fflush(stdout);
                                st = H_DOWN;
                                continue;
                        }
                        if (o->gone && e == FLOW_DEALLOC && st == H_DOWN) {
                                printf("GONE %lld\n",
                                       (long long) (now_ms() - t_down));
                                return hold_gone(fd, ev_name(e), last_echo,
                                                 o->bound_ms);
                        }
                        if (o->flap && e == FLOW_DOWN && st == H_UP) {
                                t_down = now_ms();
                                printf("DOWN %lld\n",
                                       (long long) (t_down - last_echo));
                                fflush(stdout);
                                if (t_down - last_echo > o->bound_ms)
                                        return EX_TIME;
                                st = H_DOWN;
                                continue;
                        }
                        if (o->flap && e == FLOW_UP && st == H_DOWN) {
                                t_up = now_ms();
                                printf("FLOWUP %lld\n",
                                       (long long) (t_up - t_down));
                                fflush(stdout);
                                st = H_BACK;
                                continue;
                        }
                        if (!o->flap && !o->gone && e != FLOW_UP &&
                            st != H_START)
                                return hold_gone(fd, ev_name(e), last_echo,
                                                 o->bound_ms);
                        printf("event %s in state %d\n", ev_name(e), st);
                        fflush(stdout);
                        if ((o->flap || o->gone) && e != FLOW_UP &&
                            e != FLOW_DOWN)
                                return EX_CHECK;
                }
        }
}

/* ---- the checks checked */

static int selftest(void)
{
        const size_t max  = 1500;
        uint64_t     seed = 42;
        uint8_t      p[1500];
        uint8_t      scratch[1500];
        struct tally t = { .highest = -1 };
        size_t       len;
        size_t       bit;
        long         seq;
        int          bad = 0;

        for (seq = 0; seq < 5000; ++seq) {
                len = pkt_make(p, seed, seq, max);
                if (pkt_identify(p, len, seed, max, 5000, seq, scratch)
                    != seq) {
                        printf("seq %ld (%zu B) not recognised\n", seq, len);
                        ++bad;
                }
                bit = mix(seq) % (len * 8);
                p[bit / 8] ^= 1 << (bit % 8);
                if (pkt_identify(p, len, seed, max, 5000, seq, scratch)
                    == seq) {
                        printf("seq %ld (%zu B) with bit %zu flipped taken "
                               "for itself\n", seq, len, bit);
                        ++bad;
                }
        }

        t.seen = calloc(2, 1);
        if (t.seen == NULL)
                return EX_SETUP;
        tally_add(&t, 0);
        tally_add(&t, 2);
        tally_add(&t, 1);  /* late */
        tally_add(&t, 2);  /* again */
        tally_add(&t, -1); /* unrecognised */
        if (t.recv != 3 || t.reorder != 1 || t.dup != 1 || t.corrupt != 1) {
                printf("tally: recv %ld reorder %ld dup %ld corrupt %ld\n",
                       t.recv, t.reorder, t.dup, t.corrupt);
                ++bad;
        }
        free(t.seen);
        printf("selftest: %s\n", bad == 0 ? "PASS" : "FAIL");

        return bad == 0 ? EX_PASS : EX_CHECK;
}

/* ---- command line */

static void usage(void)
{
        fprintf(stderr,
"usage: flowcheck selftest\n"
"       flowcheck server NAME [-x N] [-s MAX]\n"
"       flowcheck client NAME [-n COUNT] [-s MAX] [-w WINDOW] [-t MS]\n"
"                        [-l] [-C] [-r REORDER] [-S SEED]\n"
"       flowcheck hold NAME [-i MS] [-b MS] [-u | -U | -D]\n");
        exit(EX_SETUP);
}

static long num(const char * s)
{
        char * end;
        long   v;

        errno = 0;
        v = strtol(s, &end, 0);
        if (errno != 0 || *end != '\0' || v < 0)
                usage();

        return v;
}

int main(int argc, char ** argv)
{
        struct opts o = {
                .count = 10000, .window = 16, .timeo_ms = 5000,
                .interval_ms = 10, .bound_ms = 5000,
        };
        const char * mode;
        int          c;

        if (argc == 2 && strcmp(argv[1], "selftest") == 0)
                return selftest();
        if (argc < 3)
                usage();
        mode   = argv[1];
        o.name = argv[2];
        o.seed = mix((uint64_t) time(NULL) ^ (uint64_t) getpid() << 32);
        optind = 3;
        while ((c = getopt(argc, argv, "n:s:w:t:lCr:S:x:i:b:uUD")) != -1) {
                switch (c) {
                case 'n': o.count         = num(optarg); break;
                case 's': o.max           = num(optarg); break;
                case 'w': o.window        = num(optarg); break;
                case 't': o.timeo_ms      = num(optarg); break;
                case 'l': o.tolerate      = true;        break;
                case 'C': o.corrupt       = true;        break;
                case 'r': o.reorder       = num(optarg); break;
                case 'S': o.seed          = num(optarg); break;
                case 'x': o.dealloc_after = num(optarg); break;
                case 'i': o.interval_ms   = num(optarg); break;
                case 'b': o.bound_ms      = num(optarg); break;
                case 'u': o.flap          = true;        break;
                case 'U': o.ride          = true;        break;
                case 'D': o.gone          = true;        break;
                default:  usage();
                }
        }
        if (optind != argc || o.count < 1 || o.window < 1 ||
            o.interval_ms < 1)
                usage();

        if (strcmp(mode, "server") == 0)
                return server(&o);
        if (strcmp(mode, "client") == 0)
                return client(&o);
        if (strcmp(mode, "hold") == 0)
                return hold(&o);
        usage();

        return EX_SETUP;
}
