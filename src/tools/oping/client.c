/*
 * oping client: allocate a flow, send probes, match replies, print
 * ping(8)-style per-reply lines and the statistics summary.
 *
 * Two ways to run:
 *  - lock step (-i 0 without -f): one probe outstanding, the next one
 *    leaves as soon as the reply is in; a single thread, no hand-offs, so
 *    it measures the flow and nothing else;
 *  - paced (-i > 0) or flood (-f): the main thread sends, a reader thread
 *    collects replies; late, duplicate and out-of-order replies are counted.
 *
 * Replies are matched by the sequence number in the payload against a
 * bitmap window; the send time travels in the payload too.
 */
#include "oping.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEQ_WINDOW (1U << 20) /* replies older than this are not tracked */

struct stats {
        pthread_mutex_t lock;
        uint32_t        sent;      /* highest sequence number sent */
        uint64_t        recv;      /* unique replies */
        uint64_t        dup;
        uint64_t        ooo;       /* arrived after a later probe's reply */
        uint64_t        bogus;     /* not a reply of ours */
        uint32_t        max_seq;   /* highest sequence number received */
        double          min;       /* rtt, ns */
        double          max;
        double          sum;
        double          sumsq;
        uint8_t *       seen;      /* SEQ_WINDOW bits */
};

struct client {
        const struct oping_cfg * cfg;
        int                      fd;
        int64_t                  start;
        int64_t                  deadline;  /* ns, 0: none */
        atomic_int               sending;   /* writer still busy */
        _Atomic int64_t          last_sent; /* time of the last probe */
        atomic_int               err;       /* flow error seen by reader */
        struct stats             st;
};

static bool time_up(const struct client * cl)
{
        return tool_stopped() ||
                (cl->deadline != 0 && tool_now_ns() >= cl->deadline);
}

static double scale(const struct client * cl, double ns)
{
        return cl->cfg->usec ? ns / 1e3 : ns / 1e6;
}

static const char * unit(const struct client * cl)
{
        return cl->cfg->usec ? "us" : "ms";
}

/* -D: the time of day, as ping -D prints it: "[seconds.microseconds] ". */
static void print_tod(const struct oping_cfg * cfg)
{
        struct timespec now;

        if (!cfg->timeofday)
                return;
        clock_gettime(CLOCK_REALTIME, &now);
        printf("[%lld.%06ld] ", (long long) now.tv_sec, now.tv_nsec / 1000);
}

static void probe_fill(uint8_t * buf, size_t len, uint32_t seq)
{
        struct timespec now;
        uint32_t        w;
        uint64_t        t;

        clock_gettime(CLOCK_MONOTONIC, &now);
        w = htonl(OPING_MAGIC);
        memcpy(buf, &w, 4);
        w = htonl(seq);
        memcpy(buf + 4, &w, 4);
        t = (uint64_t) now.tv_sec;   /* echoed back to us: host order */
        memcpy(buf + 8, &t, 8);
        t = (uint64_t) now.tv_nsec;
        memcpy(buf + 16, &t, 8);
        if (len > OPING_HDR_LEN)
                memset(buf + OPING_HDR_LEN, 0x5a, len - OPING_HDR_LEN);
}

/* Account one reply; returns its sequence number, 0 if not ours. */
static uint32_t reply_handle(struct client * cl, const uint8_t * buf,
                             ssize_t len)
{
        struct stats *  st = &cl->st;
        struct timespec now;
        uint32_t        magic;
        uint32_t        seq;
        uint64_t        sec;
        uint64_t        nsec;
        uint32_t        bit;
        double          rtt;
        bool            dup;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (len < OPING_HDR_LEN)
                goto bogus;
        memcpy(&magic, buf, 4);
        memcpy(&seq, buf + 4, 4);
        memcpy(&sec, buf + 8, 8);
        memcpy(&nsec, buf + 16, 8);
        magic = ntohl(magic);
        seq   = ntohl(seq);

        pthread_mutex_lock(&st->lock);
        if (magic != OPING_MAGIC || seq == 0 || seq > st->sent ||
            nsec >= 1000000000ULL) {
                pthread_mutex_unlock(&st->lock);
                goto bogus;
        }
        rtt = (double) ((int64_t) now.tv_sec - (int64_t) sec) * 1e9 +
                (double) ((int64_t) now.tv_nsec - (int64_t) nsec);
        bit = seq % SEQ_WINDOW;
        dup = st->seen[bit / 8] & (1U << (bit % 8));
        if (dup) {
                ++st->dup;
        } else {
                st->seen[bit / 8] |= (uint8_t) (1U << (bit % 8));
                ++st->recv;
                if (seq < st->max_seq)
                        ++st->ooo;
                else
                        st->max_seq = seq;
                if (st->recv == 1 || rtt < st->min)
                        st->min = rtt;
                if (rtt > st->max)
                        st->max = rtt;
                st->sum   += rtt;
                st->sumsq += rtt * rtt;
        }
        pthread_mutex_unlock(&st->lock);

        if (!cl->cfg->quiet) {
                print_tod(cl->cfg);
                printf("%zd bytes from %s: seq=%u time=%.3f %s%s\n",
                       len, cl->cfg->name, seq, scale(cl, rtt), unit(cl),
                       dup ? " (DUP!)" : "");
        }
        return seq;
 bogus:
        pthread_mutex_lock(&st->lock);
        ++st->bogus;
        pthread_mutex_unlock(&st->lock);
        return 0;
}

/* Send probe seq; retries while the flow is merely full. */
static int probe_send(struct client * cl, uint8_t * buf, uint32_t seq)
{
        struct timespec pause = { 0, 20000 };
        ssize_t         n;

        while (true) {
                probe_fill(buf, cl->cfg->size, seq);
                pthread_mutex_lock(&cl->st.lock);
                cl->st.sent = seq; /* before the write: replies are fast */
                cl->st.seen[(seq % SEQ_WINDOW) / 8] &=
                        (uint8_t) ~(1U << ((seq % SEQ_WINDOW) % 8));
                pthread_mutex_unlock(&cl->st.lock);
                n = flow_write(cl->fd, buf, cl->cfg->size);
                if (n >= 0)
                        break;
                pthread_mutex_lock(&cl->st.lock);
                cl->st.sent = seq - 1;
                pthread_mutex_unlock(&cl->st.lock);
                if (n != -ETIMEDOUT && n != -EAGAIN && n != -ENOMEM) {
                        fprintf(stderr, "oping: write to %s failed: %s\n",
                                cl->cfg->name, tool_strerror((int) -n));
                        return (int) n;
                }
                if (time_up(cl))
                        return -EINTR;
                if (n != -ETIMEDOUT)
                        nanosleep(&pause, NULL);
        }
        cl->last_sent = tool_now_ns();
        return 0;
}

static void read_error(struct client * cl, ssize_t n)
{
        if (n == -EFLOWDOWN || n == -EFLOWPEER || n == -ENOTALLOC)
                fprintf(stderr, "oping: flow to %s went down: %s\n",
                        cl->cfg->name, tool_strerror((int) -n));
        else
                fprintf(stderr, "oping: read from %s failed: %s\n",
                        cl->cfg->name, tool_strerror((int) -n));
        cl->err = (int) n;
}

static void run_lockstep(struct client * cl, uint8_t * sbuf, uint8_t * rbuf)
{
        const struct oping_cfg * cfg = cl->cfg;
        uint32_t                 seq;
        int64_t                  wait_end;
        ssize_t                  n;

        for (seq = 1; cfg->count == 0 || seq <= (uint64_t) cfg->count;
             ++seq) {
                if (time_up(cl) || probe_send(cl, sbuf, seq) < 0)
                        return;
                wait_end = cl->last_sent + cfg->timeout_ms * 1000000LL;
                while (true) {
                        n = flow_read(cl->fd, rbuf, cfg->size);
                        if (n >= 0) {
                                if (reply_handle(cl, rbuf, n) == seq)
                                        break;
                                continue;
                        }
                        if (n != -ETIMEDOUT && n != -EAGAIN) {
                                read_error(cl, n);
                                return;
                        }
                        if (time_up(cl))
                                return;
                        if (tool_now_ns() >= wait_end) {
                                if (!cfg->quiet) {
                                        print_tod(cfg);
                                        printf("no reply from %s: seq=%u "
                                               "(timeout %ld ms)\n",
                                               cfg->name, seq,
                                               cfg->timeout_ms);
                                }
                                break;
                        }
                }
        }
}

static void * reader(void * o)
{
        struct client * cl = o;
        uint8_t *       buf;
        ssize_t         n;
        int64_t         grace = 0;
        bool            all;

        buf = malloc(cl->cfg->size);
        if (buf == NULL) {
                cl->err = -ENOMEM;
                return NULL;
        }

        while (true) {
                n = flow_read(cl->fd, buf, cl->cfg->size);
                if (n >= 0) {
                        reply_handle(cl, buf, n);
                } else if (n != -ETIMEDOUT && n != -EAGAIN) {
                        read_error(cl, n);
                        break;
                }
                if (cl->deadline != 0 && tool_now_ns() >= cl->deadline)
                        break;
                if (cl->sending)
                        continue;
                /* Writer done: wait for what is still in flight. */
                pthread_mutex_lock(&cl->st.lock);
                all = cl->st.recv >= cl->st.sent;
                pthread_mutex_unlock(&cl->st.lock);
                if (all)
                        break;
                if (grace == 0)
                        grace = tool_stopped() ? tool_now_ns() + 100000000LL :
                                cl->last_sent + cl->cfg->timeout_ms * 1000000LL;
                if (tool_now_ns() >= grace)
                        break;
        }

        free(buf);
        return NULL;
}

static void run_paced(struct client * cl, uint8_t * sbuf)
{
        const struct oping_cfg * cfg = cl->cfg;
        struct timespec          next;
        int64_t                  t;
        uint32_t                 seq;
        pthread_t                rd;

        cl->sending = 1;
        if (pthread_create(&rd, NULL, reader, cl) != 0) {
                fprintf(stderr, "oping: cannot start reader thread\n");
                cl->err = -ENOMEM;
                return;
        }

        t = tool_now_ns();
        for (seq = 1; cfg->count == 0 || seq <= (uint64_t) cfg->count;
             ++seq) {
                if (time_up(cl) || cl->err != 0 ||
                    probe_send(cl, sbuf, seq) < 0)
                        break;
                if (cfg->interval_ms == 0)
                        continue;
                /* Sleep to the next slot in slices so signals are seen. */
                t += cfg->interval_ms * 1000000LL;
                while (!time_up(cl) && tool_now_ns() < t) {
                        int64_t s = t - tool_now_ns();
                        if (s > OPING_SLICE_MS * 1000000LL)
                                s = OPING_SLICE_MS * 1000000LL;
                        next.tv_sec  = s / 1000000000LL;
                        next.tv_nsec = s % 1000000000LL;
                        if (s > 0)
                                nanosleep(&next, NULL);
                }
        }
        cl->sending = 0;
        pthread_join(rd, NULL);
}

static void summary(struct client * cl)
{
        struct stats * st = &cl->st;
        double         loss = 0;
        double         avg;
        double         var;

        if (st->sent > 0)
                loss = 100.0 * (double) (st->sent - st->recv) / st->sent;

        printf("\n--- %s ping statistics ---\n", cl->cfg->name);
        printf("%u packets transmitted, %llu received, ", st->sent,
               (unsigned long long) st->recv);
        if (st->dup > 0)
                printf("+%llu duplicates, ", (unsigned long long) st->dup);
        if (st->ooo > 0)
                printf("%llu out-of-order, ", (unsigned long long) st->ooo);
        printf("%g%% packet loss, time %.0fms\n", loss,
               (double) (tool_now_ns() - cl->start) / 1e6);
        if (st->bogus > 0)
                printf("%llu unexpected packets ignored\n",
                       (unsigned long long) st->bogus);
        if (st->recv == 0)
                return;
        avg = st->sum / (double) st->recv;
        var = st->sumsq / (double) st->recv - avg * avg;
        printf("rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f %s\n",
               scale(cl, st->min), scale(cl, avg), scale(cl, st->max),
               scale(cl, var > 0 ? sqrt(var) : 0), unit(cl));
}

int oping_client(const struct oping_cfg * cfg)
{
        struct client   cl;
        struct timespec to = tool_ms_ts(cfg->timeout_ms);
        struct timespec slice = tool_ms_ts(cfg->timeout_ms < OPING_SLICE_MS ?
                                            cfg->timeout_ms : OPING_SLICE_MS);
        qosspec_t       qs = cfg->qos;
        uint8_t *       sbuf;
        uint8_t *       rbuf;
        int             ret;

        memset(&cl, 0, sizeof(cl));
        cl.cfg = cfg;
        pthread_mutex_init(&cl.st.lock, NULL);
        cl.st.seen = calloc(SEQ_WINDOW / 8, 1);
        sbuf = malloc(cfg->size);
        rbuf = malloc(cfg->size);
        if (cl.st.seen == NULL || sbuf == NULL || rbuf == NULL) {
                fprintf(stderr, "oping: out of memory\n");
                ret = 2;
                goto out;
        }

        cl.fd = flow_alloc(cfg->name, &qs, &to);
        if (cl.fd < 0) {
                fprintf(stderr, "oping: cannot allocate a flow to %s: %s\n",
                        cfg->name, cl.fd == -ETIMEDOUT ?
                        "timed out" : tool_strerror(-cl.fd));
                ret = 2;
                goto out;
        }

        /* Bounded waits, so that signals and deadlines are honoured. */
        if (fccntl(cl.fd, FLOWSRCVTIMEO, &slice) < 0 ||
            fccntl(cl.fd, FLOWSSNDTIMEO, &slice) < 0)
                fprintf(stderr, "oping: cannot set flow timeouts\n");

        printf("Pinging %s with %zu bytes of data (%s QoS)%s:\n", cfg->name,
               cfg->size, cfg->qos_name, cfg->flood ? ", flood" : "");

        cl.start = tool_now_ns();
        if (cfg->deadline_ms > 0)
                cl.deadline = cl.start + cfg->deadline_ms * 1000000LL;

        if (cfg->interval_ms == 0 && !cfg->flood)
                run_lockstep(&cl, sbuf, rbuf);
        else
                run_paced(&cl, sbuf);

        summary(&cl);
        flow_dealloc(cl.fd);

        if (cl.err != 0 && cl.st.recv == 0)
                ret = 2;
        else
                ret = cl.st.recv > 0 ? 0 : 1;
 out:
        free(rbuf);
        free(sbuf);
        free(cl.st.seen);
        pthread_mutex_destroy(&cl.st.lock);
        return ret;
}
