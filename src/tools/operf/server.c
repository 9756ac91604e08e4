/*
 * operf server: accept flows and serve each in its own thread: count
 * DATA packets and bytes, echo them if the client set the echo flag,
 * print a progress line per second and, on END, report the totals to
 * the client and print the flow's summary.
 *
 * A flow thread blocks in flow_read() without a timeout while nothing
 * comes; only while packets flow does it wake every OPERF_SLICE_MS for
 * the progress line. A stopping server deallocates the flow, which wakes
 * the thread to print its summary (tools_server.c).
 */
#include "operf.h"

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
        bool     quiet;
        uint64_t pkts;
        uint64_t bytes;
        uint64_t echoed;
        int64_t  first;   /* first DATA packet */
        int64_t  last;    /* last DATA packet */
        bool     done;    /* summary printed */
};

static void flow_summary(struct flow * f, uint64_t sent)
{
        int64_t  dt = f->last - f->first;
        uint64_t lost = sent > f->pkts ? sent - f->pkts : 0;

        printf("[flow %d] received %llu packets, %llu bytes in %.3f s: "
               "%.0f pkt/s, %.2f MB/s, %.2f Mb/s", f->fd,
               (unsigned long long) f->pkts, (unsigned long long) f->bytes,
               (double) dt / 1e9,
               dt > 0 ? (double) f->pkts * 1e9 / (double) dt : 0,
               dt > 0 ? (double) f->bytes * 1e3 / (double) dt : 0,
               tool_mbps(f->bytes, dt));
        if (sent != UINT64_MAX)
                printf(", %llu lost", (unsigned long long) lost);
        if (f->echoed > 0)
                printf(", %llu echoed", (unsigned long long) f->echoed);
        printf("\n");
        f->done = true;
}

static void send_report(struct flow * f, uint8_t * buf)
{
        struct operf_hdr h = { OPERF_MAGIC, OPERF_REPORT, 0, 0, 0 };
        struct timespec  pause = { 0, 1000000 };
        ssize_t          n;
        int              tries = 50;

        h.ts = (uint64_t) tool_now_ns();
        operf_hdr_put(buf, &h);
        tool_u64_put(buf + OPERF_HDR_LEN, f->pkts);
        tool_u64_put(buf + OPERF_HDR_LEN + 8, f->bytes);
        tool_u64_put(buf + OPERF_HDR_LEN + 16,
                      (uint64_t) (f->last - f->first));
        while ((n = flow_write(f->fd, buf, OPERF_RPT_LEN)) < 0 &&
               (n == -EAGAIN || n == -ENOMEM || n == -ETIMEDOUT) &&
               --tries > 0)
                nanosleep(&pause, NULL);
        if (n < 0)
                fprintf(stderr, "operf: [flow %d] cannot send report: %s\n",
                        f->fd, tool_strerror((int) -n));
}

/*
 * Echo a packet back. A full flow is back-pressure from a client slower
 * than its own flood (or descheduled for a while): wait for room, as a
 * stream echo server would, rather than drop the echo and have the
 * client count it lost. Gives up only when the flow fails or the server
 * stops. 0 or a negative errno.
 */
static int echo_write(struct flow * f, const uint8_t * buf, size_t n)
{
        ssize_t r;

        while ((r = flow_write(f->fd, buf, n)) < 0) {
                if (r != -ETIMEDOUT && r != -EAGAIN && r != -ENOMEM)
                        return (int) r;
                if (tool_stopped())
                        return (int) r;
        }

        return 0;
}

static void handle(struct flow * f, uint8_t * buf, ssize_t n)
{
        struct operf_hdr h;
        int64_t          now;

        if (operf_hdr_get(buf, (size_t) n, &h) < 0)
                return;
        switch (h.type) {
        case OPERF_DATA:
                now = tool_now_ns();
                if (f->pkts == 0)
                        f->first = now;
                f->last = now;
                ++f->pkts;
                f->bytes += (uint64_t) n;
                if ((h.flags & OPERF_F_ECHO) &&
                    echo_write(f, buf, (size_t) n) == 0)
                        ++f->echoed;
                break;
        case OPERF_END: /* again when a REPORT was lost: answer each */
                send_report(f, buf);
                if (!f->done)
                        flow_summary(f, h.seq);
                break;
        default:
                break;
        }
}

static void * serve(void * o)
{
        struct flow     f;
        struct timespec wto = tool_ms_ts(OPERF_SLICE_MS);
        uint8_t *       buf;
        int64_t         tick;
        int64_t         last_t;
        uint64_t        last_b = 0;
        bool            timed = false; /* a new flow blocks */
        ssize_t         n;
        int64_t         now;

        memcpy(&f, o, sizeof(f));
        free(o);
        buf = malloc(OPERF_MAX_SIZE);
        if (buf == NULL)
                goto out;

        fccntl(f.fd, FLOWSSNDTIMEO, &wto);
        last_t = tool_now_ns();
        tick   = last_t + 1000000000LL;

        while (true) {
                tool_rcv_timeo(f.fd, &timed, !f.quiet && f.bytes != last_b,
                               OPERF_SLICE_MS);
                n = flow_read(f.fd, buf, OPERF_MAX_SIZE);
                now = tool_now_ns();
                if (!timed && now >= tick) { /* after a wait: new second */
                        last_t = now;
                        last_b = f.bytes;
                        tick   = now + 1000000000LL;
                }
                if (n >= 0) {
                        handle(&f, buf, n);
                } else if (n != -ETIMEDOUT && n != -EAGAIN) {
                        if (!f.done && !tool_stopped())
                                printf("[flow %d] %s.\n", f.fd,
                                       n == -EFLOWDOWN ? "peer left" :
                                       tool_strerror((int) -n));
                        break;
                }
                if (now < tick)
                        continue;
                if (!f.quiet && f.bytes != last_b)
                        printf("[flow %d] %7.2f s: %llu pkts, %.1f MB, "
                               "%.1f Mb/s\n", f.fd,
                               (double) (now - f.first) / 1e9,
                               (unsigned long long) f.pkts,
                               (double) f.bytes / 1e6,
                               tool_mbps(f.bytes - last_b, now - last_t));
                last_t = now;
                last_b = f.bytes;
                tick   = now + 1000000000LL;
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
        const struct operf_cfg * cfg = o;
        struct flow *            f;

        (void) qs;
        f = calloc(1, sizeof(*f));
        if (f == NULL) {
                fprintf(stderr, "operf: out of memory\n");
                return -ENOMEM;
        }
        f->fd    = fd;
        f->quiet = cfg->quiet;
        printf("[flow %d] new flow.\n", fd);
        if (tool_thread_start(serve, f) < 0) {
                free(f);
                return -ENOMEM;
        }
        return 0;
}

int operf_server(const struct operf_cfg * cfg)
{
        int r;

        printf("operf server listening; Ctrl-C to stop.\n");
        r = tool_server_run(flow_start, (void *) cfg);
        if (r < 0)
                return r;
        printf("operf server stopped.\n");
        return 0;
}
