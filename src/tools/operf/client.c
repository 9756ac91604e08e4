/*
 * operf client: send numbered DATA packets for the requested duration,
 * paced to a packet rate or as fast as the flow takes them, then END
 * (again every 100 ms until the REPORT arrives or the timeout passes: a
 * layer without retransmission may drop it); a reader thread collects
 * echoed packets (-e) and the server's REPORT.
 * Prints a progress line per second and a summary of both directions.
 */
#include "operf.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct client {
        const struct operf_cfg * cfg;
        int                      fd;
        uint64_t                 tx_pkts;
        uint64_t                 tx_bytes;
        int64_t                  tx_start;
        int64_t                  tx_end;
        _Atomic uint64_t         rx_pkts;   /* echoed DATA */
        _Atomic uint64_t         rx_bytes;
        _Atomic uint64_t         rtt_sum;   /* ns, echoed packets */
        atomic_int               end_sent;  /* END is on its way */
        int64_t                  end_time;
        atomic_int               err;
        atomic_bool              report;    /* set by the reader */
        uint64_t                 rpt_pkts;
        uint64_t                 rpt_bytes;
        uint64_t                 rpt_ns;
};

static void reply_handle(struct client * cl, const uint8_t * buf, ssize_t n)
{
        struct operf_hdr h;

        if (operf_hdr_get(buf, (size_t) n, &h) < 0)
                return;
        if (h.type == OPERF_DATA) {
                atomic_fetch_add(&cl->rx_pkts, 1);
                atomic_fetch_add(&cl->rx_bytes, (uint64_t) n);
                atomic_fetch_add(&cl->rtt_sum,
                                 (uint64_t) (tool_now_ns() - (int64_t) h.ts));
        } else if (h.type == OPERF_REPORT) {
                cl->rpt_pkts  = tool_u64_get(buf + OPERF_HDR_LEN);
                cl->rpt_bytes = tool_u64_get(buf + OPERF_HDR_LEN + 8);
                cl->rpt_ns    = tool_u64_get(buf + OPERF_HDR_LEN + 16);
                atomic_store(&cl->report, true);
        }
}

static void * reader(void * o)
{
        struct client * cl = o;
        uint8_t *       buf;
        ssize_t         n;

        buf = malloc(OPERF_MAX_SIZE);
        if (buf == NULL)
                return NULL;

        while (!atomic_load(&cl->report)) {
                n = flow_read(cl->fd, buf, OPERF_MAX_SIZE);
                if (n >= 0) {
                        reply_handle(cl, buf, n);
                        continue;
                }
                if (n != -ETIMEDOUT && n != -EAGAIN) {
                        if (atomic_exchange(&cl->err, (int) n) == 0)
                                fprintf(stderr, "operf: read from %s "
                                        "failed: %s\n", cl->cfg->name,
                                        tool_strerror((int) -n));
                        break;
                }
                if (atomic_load(&cl->err) != 0)
                        break;
                if (atomic_load(&cl->end_sent) &&
                    tool_now_ns() - cl->end_time >
                    cl->cfg->timeout_ms * 1000000LL)
                        break;
                if (tool_stopped() && atomic_load(&cl->end_sent) &&
                    tool_now_ns() - cl->end_time > 500000000LL)
                        break;
        }

        free(buf);
        return NULL;
}

/* Write one packet, riding out a full flow; 0 or a negative errno. */
static int send_pkt(struct client * cl, const uint8_t * buf, size_t len,
                    int64_t until)
{
        struct timespec pause = { 0, 20000 };
        ssize_t         n;

        while (true) {
                n = flow_write(cl->fd, buf, len);
                if (n >= 0)
                        return 0;
                if (n != -ETIMEDOUT && n != -EAGAIN && n != -ENOMEM) {
                        if (atomic_exchange(&cl->err, (int) n) == 0)
                                fprintf(stderr, "operf: write to %s "
                                        "failed: %s\n", cl->cfg->name,
                                        tool_strerror((int) -n));
                        return (int) n;
                }
                if (tool_stopped() || tool_now_ns() >= until)
                        return -ETIMEDOUT;
                if (n != -ETIMEDOUT)
                        nanosleep(&pause, NULL);
        }
}

static void progress(struct client * cl, int64_t now, int64_t * last_t,
                     uint64_t * last_tx, uint64_t * last_rx)
{
        int64_t  dt  = now - *last_t;
        uint64_t tx  = cl->tx_bytes - *last_tx;
        uint64_t rx  = atomic_load(&cl->rx_bytes) - *last_rx;

        printf("%7.2f s: sent %llu pkts, %.1f MB, %.1f Mb/s",
               (double) (now - cl->tx_start) / 1e9,
               (unsigned long long) cl->tx_pkts, (double) cl->tx_bytes / 1e6,
               tool_mbps(tx, dt));
        if (cl->cfg->echo)
                printf("; echoed %llu pkts, %.1f Mb/s",
                       (unsigned long long) atomic_load(&cl->rx_pkts),
                       tool_mbps(rx, dt));
        printf("\n");
        *last_t  = now;
        *last_tx = cl->tx_bytes;
        *last_rx = atomic_load(&cl->rx_bytes);
}

static void send_all(struct client * cl, uint8_t * buf)
{
        const struct operf_cfg * cfg = cl->cfg;
        struct operf_hdr         h = { OPERF_MAGIC, OPERF_DATA, 0, 0, 0 };
        int64_t                  now;
        int64_t                  until;
        int64_t                  next_tick;
        int64_t                  last_t;
        uint64_t                 last_tx = 0;
        uint64_t                 last_rx = 0;
        int64_t                  gap = 0;
        int64_t                  next;

        h.flags = cfg->echo ? OPERF_F_ECHO : 0;
        memset(buf, 0xa5, cfg->size);
        if (cfg->rate_pps > 0)
                gap = 1000000000LL / cfg->rate_pps;

        cl->tx_start = now = tool_now_ns();
        until     = now + cfg->duration_ms * 1000000LL;
        next_tick = now + 1000000000LL;
        last_t    = now;
        next      = now;

        while (!tool_stopped() && atomic_load(&cl->err) == 0) {
                now = tool_now_ns();
                if (now >= until)
                        break;
                if (now >= next_tick) {
                        if (!cfg->quiet)
                                progress(cl, now, &last_t, &last_tx,
                                         &last_rx);
                        next_tick += 1000000000LL;
                }
                if (gap > 0) {
                        if (now < next) {
                                tool_pace_wait(now, next, cfg->pace);
                                continue;
                        }
                        next += gap;
                }
                h.seq = cl->tx_pkts;
                h.ts  = (uint64_t) now;
                operf_hdr_put(buf, &h);
                if (send_pkt(cl, buf, cfg->size, until) < 0)
                        break;
                ++cl->tx_pkts;
                cl->tx_bytes += cfg->size;
        }
        cl->tx_end = tool_now_ns();
}

static void send_end(struct client * cl, uint8_t * buf)
{
        struct operf_hdr h = { OPERF_MAGIC, OPERF_END, 0, 0, 0 };
        struct timespec  tick = { 0, 1000000 };
        int64_t          until;
        int64_t          again;

        h.seq = cl->tx_pkts;
        cl->end_time = tool_now_ns();
        until = cl->end_time + cl->cfg->timeout_ms * 1000000LL;
        atomic_store(&cl->end_sent, 1);
        while (atomic_load(&cl->err) == 0 && !atomic_load(&cl->report)) {
                h.ts = (uint64_t) tool_now_ns();
                operf_hdr_put(buf, &h);
                if (send_pkt(cl, buf, OPERF_HDR_LEN, until) < 0)
                        break;
                again = tool_now_ns() + OPERF_SLICE_MS * 1000000LL;
                while (!atomic_load(&cl->report) && tool_now_ns() < again &&
                       atomic_load(&cl->err) == 0)
                        nanosleep(&tick, NULL);
                if (tool_now_ns() >= until || tool_stopped())
                        break;
        }
}

static void summary(struct client * cl)
{
        int64_t  dt = cl->tx_end - cl->tx_start;
        uint64_t rx = atomic_load(&cl->rx_pkts);
        uint64_t rb = atomic_load(&cl->rx_bytes);
        uint64_t lost;

        printf("\n--- %s operf statistics ---\n", cl->cfg->name);
        printf("sent:     %llu packets, %llu bytes in %.3f s: %.0f pkt/s, "
               "%.2f MB/s, %.2f Mb/s\n", (unsigned long long) cl->tx_pkts,
               (unsigned long long) cl->tx_bytes, (double) dt / 1e9,
               dt > 0 ? (double) cl->tx_pkts * 1e9 / (double) dt : 0,
               dt > 0 ? (double) cl->tx_bytes * 1e3 / (double) dt : 0,
               tool_mbps(cl->tx_bytes, dt));
        if (cl->cfg->echo)
                printf("echoed:   %llu packets (%llu lost), %.0f pkt/s, "
                       "%.2f Mb/s, avg rtt %.3f ms\n",
                       (unsigned long long) rx,
                       (unsigned long long) (cl->tx_pkts > rx ?
                                             cl->tx_pkts - rx : 0),
                       dt > 0 ? (double) rx * 1e9 / (double) dt : 0,
                       tool_mbps(rb, dt),
                       rx > 0 ? (double) atomic_load(&cl->rtt_sum) /
                       (double) rx / 1e6 : 0);
        if (!atomic_load(&cl->report)) {
                printf("server:   no report received\n");
                return;
        }
        lost = cl->tx_pkts > cl->rpt_pkts ? cl->tx_pkts - cl->rpt_pkts : 0;
        printf("server:   %llu of %llu packets received, %llu lost "
               "(%g%% loss), %llu bytes in %.3f s: %.0f pkt/s, %.2f MB/s, "
               "%.2f Mb/s\n", (unsigned long long) cl->rpt_pkts,
               (unsigned long long) cl->tx_pkts, (unsigned long long) lost,
               cl->tx_pkts > 0 ? 100.0 * (double) lost /
               (double) cl->tx_pkts : 0,
               (unsigned long long) cl->rpt_bytes, (double) cl->rpt_ns / 1e9,
               cl->rpt_ns > 0 ? (double) cl->rpt_pkts * 1e9 /
               (double) cl->rpt_ns : 0,
               cl->rpt_ns > 0 ? (double) cl->rpt_bytes * 1e3 /
               (double) cl->rpt_ns : 0,
               tool_mbps(cl->rpt_bytes, (int64_t) cl->rpt_ns));
}

int operf_client(const struct operf_cfg * cfg)
{
        struct client * cl;
        struct timespec to    = tool_ms_ts(cfg->timeout_ms);
        struct timespec slice = tool_ms_ts(OPERF_SLICE_MS);
        qosspec_t       qs    = cfg->qos;
        uint8_t *       buf;
        pthread_t       rd;
        int             ret = -ENOMEM;

        cl  = calloc(1, sizeof(*cl));
        buf = malloc(cfg->size);
        if (cl == NULL || buf == NULL) {
                fprintf(stderr, "operf: out of memory\n");
                goto out;
        }
        cl->cfg = cfg;

        cl->fd = flow_alloc(cfg->name, &qs, &to);
        if (cl->fd < 0) {
                fprintf(stderr, "operf: cannot allocate a flow to %s: %s\n",
                        cfg->name, cl->fd == -ETIMEDOUT ? "timed out" :
                        tool_strerror(-cl->fd));
                ret = cl->fd;
                goto out;
        }

        if (fccntl(cl->fd, FLOWSRCVTIMEO, &slice) < 0 ||
            fccntl(cl->fd, FLOWSSNDTIMEO, &slice) < 0)
                fprintf(stderr, "operf: cannot set flow timeouts\n");

        if (pthread_create(&rd, NULL, reader, cl) != 0) {
                fprintf(stderr, "operf: cannot start reader thread\n");
                flow_dealloc(cl->fd);
                goto out;
        }

        printf("operf to %s: %zu-byte packets, %s, %g s%s (%s QoS)\n",
               cfg->name, cfg->size, cfg->rate_pps > 0 ? "paced" : "flood",
               cfg->duration_ms / 1000.0, cfg->echo ? ", echo" : "", cfg->qos_name);
        if (cfg->rate_pps > 0)
                printf("rate %ld packets/s\n", cfg->rate_pps);

        send_all(cl, buf);
        send_end(cl, buf);
        pthread_join(rd, NULL);

        summary(cl);
        flow_dealloc(cl->fd);

        ret = atomic_load(&cl->report) && cl->tx_pkts > 0 ? 0 : -EIO;
 out:
        free(buf);
        free(cl);
        return ret;
}
