/*
 * ocbr server: accept flows, one thread each; count DATA packets per
 * reporting interval, detect loss from gaps in the sequence numbers and
 * print a line per interval; on END, report the totals to the client and
 * print the flow's summary.
 *
 * A flow thread blocks in flow_read() without a timeout until the first
 * packet and after END; in between it wakes every OCBR_SLICE_MS so that
 * the interval lines the user asked for (-i) come on time even when
 * nothing arrives, and a flow silent for -t (the classic server timeout)
 * ends. A stopping server deallocates the flow, which wakes
 * the thread to print its summary (tools_server.c).
 */
#include "ocbr.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct flow {
        int      fd;
        long     interval_ms;
        long     idle_ms;   /* end the flow after this long silent */
        uint64_t pkts;
        uint64_t bytes;
        uint64_t next_seq;  /* expected sequence number */
        uint64_t gaps;      /* packets skipped by the sequence */
        uint64_t late;      /* below the expected sequence number */
        int64_t  first;
        int64_t  last;
        uint64_t i_pkts;    /* this interval */
        uint64_t i_bytes;
        uint64_t i_gaps;
        int64_t  i_start;
        bool     done;
};

static void interval_line(struct flow * f, int64_t now)
{
        printf("[flow %d] %8.3f s: %llu pkts, %llu bytes, %.3f Mb/s, "
               "%llu lost\n", f->fd, (double) (now - f->first) / 1e9,
               (unsigned long long) f->i_pkts,
               (unsigned long long) f->i_bytes,
               tool_mbps(f->i_bytes, now - f->i_start),
               (unsigned long long) f->i_gaps);
        f->i_pkts  = 0;
        f->i_bytes = 0;
        f->i_gaps  = 0;
        f->i_start = now;
}

/* Loss: from the sender's count if known, else from sequence gaps. */
static uint64_t flow_lost(const struct flow * f, uint64_t sent)
{
        if (sent == UINT64_MAX)
                return f->gaps;
        return sent > f->pkts ? sent - f->pkts : 0;
}

static void flow_summary(struct flow * f, uint64_t sent)
{
        int64_t dt = f->last - f->first;

        printf("[flow %d] total: %llu packets, %llu bytes in %.3f s, "
               "%.3f Mb/s, %llu lost", f->fd, (unsigned long long) f->pkts,
               (unsigned long long) f->bytes, (double) dt / 1e9,
               tool_mbps(f->bytes, dt),
               (unsigned long long) flow_lost(f, sent));
        if (sent != UINT64_MAX)
                printf(" of %llu sent", (unsigned long long) sent);
        if (f->late > 0)
                printf(", %llu late or duplicate",
                       (unsigned long long) f->late);
        printf("\n");
        f->done = true;
}

static void send_report(struct flow * f, uint8_t * buf, uint64_t sent)
{
        struct timespec pause = { 0, 1000000 };
        ssize_t         n;
        int             tries = 50;

        ocbr_hdr_put(buf, OCBR_REPORT, 0, (uint64_t) tool_now_ns());
        tool_u64_put(buf + OCBR_HDR_LEN, f->pkts);
        tool_u64_put(buf + OCBR_HDR_LEN + 8, f->bytes);
        tool_u64_put(buf + OCBR_HDR_LEN + 16, flow_lost(f, sent));
        tool_u64_put(buf + OCBR_HDR_LEN + 24, (uint64_t) (f->last - f->first));
        while ((n = flow_write(f->fd, buf, OCBR_RPT_LEN)) < 0 &&
               (n == -EAGAIN || n == -ENOMEM || n == -ETIMEDOUT) &&
               --tries > 0)
                nanosleep(&pause, NULL);
        if (n < 0)
                fprintf(stderr, "ocbr: [flow %d] cannot send report: %s\n",
                        f->fd, tool_strerror((int) -n));
}

static void handle(struct flow * f, uint8_t * buf, ssize_t n, int64_t now)
{
        uint64_t seq;
        uint64_t ts;
        uint8_t  type;

        if (ocbr_hdr_get(buf, (size_t) n, &type, &seq, &ts) < 0)
                return;
        if (type == OCBR_END) {
                if (f->pkts > 0 && f->i_pkts > 0)
                        interval_line(f, now);
                send_report(f, buf, seq);
                flow_summary(f, seq);
                return;
        }
        if (type != OCBR_DATA)
                return;
        if (f->pkts == 0) {
                f->first   = now;
                f->i_start = now;
        }
        f->last = now;
        ++f->pkts;
        ++f->i_pkts;
        f->bytes   += (uint64_t) n;
        f->i_bytes += (uint64_t) n;
        if (seq > f->next_seq) {
                f->gaps   += seq - f->next_seq;
                f->i_gaps += seq - f->next_seq;
        }
        if (seq < f->next_seq)
                ++f->late;
        else
                f->next_seq = seq + 1;
}

static void * serve(void * o)
{
        struct flow     f;
        struct timespec wto = tool_ms_ts(OCBR_SLICE_MS);
        uint8_t *       buf;
        bool            timed = false; /* a new flow blocks */
        ssize_t         n;
        int64_t         now;

        memcpy(&f, o, sizeof(f));
        free(o);
        buf = malloc(OCBR_MAX_SIZE);
        if (buf == NULL)
                goto out;
        fccntl(f.fd, FLOWSSNDTIMEO, &wto);

        while (true) {
                tool_rcv_timeo(f.fd, &timed, f.pkts > 0 && !f.done,
                               OCBR_SLICE_MS);
                n = flow_read(f.fd, buf, OCBR_MAX_SIZE);
                now = tool_now_ns();
                if (n >= 0) {
                        handle(&f, buf, n, now);
                } else if (n != -ETIMEDOUT && n != -EAGAIN) {
                        if (!f.done && !tool_stopped())
                                printf("[flow %d] %s.\n", f.fd,
                                       n == -EFLOWDOWN ? "peer left" :
                                       tool_strerror((int) -n));
                        break;
                }
                if (f.pkts > 0 && !f.done &&
                    now - f.i_start >= f.interval_ms * 1000000LL)
                        interval_line(&f, now);
                if (f.pkts > 0 && !f.done && f.idle_ms > 0 &&
                    now - f.last >= f.idle_ms * 1000000LL) {
                        printf("[flow %d] no packet for %ld ms: ending.\n",
                               f.fd, f.idle_ms);
                        break;
                }
        }

        if (!f.done && f.pkts > 0)
                flow_summary(&f, UINT64_MAX);
        free(buf);
 out:
        tool_flow_release(f.fd);
        printf("[flow %d] closed.\n", f.fd);
        tool_threads_leave();
        return NULL;
}

static int flow_start(int fd, const qosspec_t * qs, void * o)
{
        const struct ocbr_cfg * cfg = o;
        struct flow *           f;

        (void) qs;
        f = calloc(1, sizeof(*f));
        if (f == NULL) {
                fprintf(stderr, "ocbr: out of memory\n");
                return -ENOMEM;
        }
        f->fd          = fd;
        f->interval_ms = cfg->interval_ms;
        f->idle_ms     = cfg->idle_ms;
        printf("[flow %d] new flow.\n", fd);
        if (tool_thread_start(serve, f) < 0) {
                free(f);
                return -ENOMEM;
        }
        return 0;
}

int ocbr_server(const struct ocbr_cfg * cfg)
{
        int r;

        printf("ocbr server listening, reporting every %ld ms; "
               "Ctrl-C to stop.\n", cfg->interval_ms);
        r = tool_server_run(flow_start, (void *) cfg);
        if (r < 0)
                return r;
        printf("ocbr server stopped.\n");
        return 0;
}
