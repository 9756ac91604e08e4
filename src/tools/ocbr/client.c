/*
 * ocbr client: send numbered DATA packets at a constant bit rate (or as
 * fast as the flow takes them with -f) for the requested duration, then
 * END, and print what was sent next to what the server reports.
 */
#include "ocbr.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct report {
        uint64_t pkts;
        uint64_t bytes;
        uint64_t lost;
        uint64_t ns;
};

/* Write one packet, riding out a full flow; 0 or a negative errno. */
static int send_pkt(int fd, const struct ocbr_cfg * cfg, const uint8_t * buf,
                    size_t len, int64_t until)
{
        struct timespec pause = { 0, 20000 };
        ssize_t         n;

        while (true) {
                n = flow_write(fd, buf, len);
                if (n >= 0)
                        return 0;
                if (n != -ETIMEDOUT && n != -EAGAIN && n != -ENOMEM) {
                        fprintf(stderr, "ocbr: write to %s failed: %s\n",
                                cfg->name, tool_strerror((int) -n));
                        return (int) n;
                }
                if (tool_stopped() || tool_now_ns() >= until)
                        return -ETIMEDOUT;
                if (n != -ETIMEDOUT)
                        nanosleep(&pause, NULL);
        }
}

/* Send for the duration; returns the number of packets sent or -errno. */
static int64_t send_all(int fd, const struct ocbr_cfg * cfg, uint8_t * buf,
                        int64_t * elapsed)
{
        double  gap = 0;   /* ns between packets */
        double  next;
        int64_t start = tool_now_ns();
        int64_t until = start + cfg->duration_ms * 1000000LL;
        int64_t now;
        int64_t sent = 0;
        int     ret;

        if (!cfg->flood)
                gap = (double) cfg->size * 8e9 / (double) cfg->rate_bps;
        next = (double) start;
        memset(buf, 0x3c, cfg->size);

        while (!tool_stopped()) {
                now = tool_now_ns();
                if (now >= until)
                        break;
                if (gap > 0) {
                        if ((double) now < next) {
                                tool_pace_wait(now, (int64_t) next,
                                               cfg->pace);
                                continue;
                        }
                        /* After a stall, resume the rate, no huge burst. */
                        if ((double) now - next > 1e8)
                                next = (double) now;
                        next += gap;
                }
                ocbr_hdr_put(buf, OCBR_DATA, (uint64_t) sent, (uint64_t) now);
                ret = send_pkt(fd, cfg, buf, cfg->size, until);
                if (ret == -ETIMEDOUT)
                        break;
                if (ret < 0)
                        return ret;
                ++sent;
        }

        *elapsed = tool_now_ns() - start;
        return sent;
}

static int get_report(int fd, const struct ocbr_cfg * cfg, uint8_t * buf,
                      struct report * r)
{
        int64_t  until = tool_now_ns() + cfg->timeout_ms * 1000000LL;
        uint64_t seq;
        uint64_t ts;
        uint8_t  type;
        ssize_t  n;

        while (tool_now_ns() < until) {
                n = flow_read(fd, buf, OCBR_MAX_SIZE);
                if (n == -ETIMEDOUT || n == -EAGAIN)
                        continue;
                if (n < 0)
                        return (int) n;
                if (ocbr_hdr_get(buf, (size_t) n, &type, &seq, &ts) < 0 ||
                    type != OCBR_REPORT)
                        continue;
                r->pkts  = tool_u64_get(buf + OCBR_HDR_LEN);
                r->bytes = tool_u64_get(buf + OCBR_HDR_LEN + 8);
                r->lost  = tool_u64_get(buf + OCBR_HDR_LEN + 16);
                r->ns    = tool_u64_get(buf + OCBR_HDR_LEN + 24);
                return 0;
        }

        return -ETIMEDOUT;
}

static void summary(const struct ocbr_cfg * cfg, int64_t sent, int64_t dt,
                    const struct report * r, int rret)
{
        printf("\n--- %s ocbr statistics ---\n", cfg->name);
        printf("sent:     %lld packets, %llu bytes in %.3f s: %.0f pkt/s, "
               "%.2f MB/s, %.2f Mb/s\n", (long long) sent,
               (unsigned long long) sent * cfg->size, (double) dt / 1e9,
               dt > 0 ? (double) sent * 1e9 / (double) dt : 0,
               dt > 0 ? (double) sent * (double) cfg->size * 1e3 /
               (double) dt : 0,
               tool_mbps((uint64_t) sent * cfg->size, dt));
        if (rret < 0) {
                printf("server:   no report (%s)\n", rret == -ETIMEDOUT ?
                       "timed out" : tool_strerror(-rret));
                return;
        }
        printf("server:   %llu of %lld packets received, %llu lost "
               "(%g%% loss), %llu bytes in %.3f s: %.0f pkt/s, %.2f MB/s, "
               "%.2f Mb/s\n", (unsigned long long) r->pkts, (long long) sent,
               (unsigned long long) r->lost,
               sent > 0 ? 100.0 * (double) r->lost / (double) sent : 0,
               (unsigned long long) r->bytes, (double) r->ns / 1e9,
               r->ns > 0 ? (double) r->pkts * 1e9 / (double) r->ns : 0,
               r->ns > 0 ? (double) r->bytes * 1e3 / (double) r->ns : 0,
               tool_mbps(r->bytes, (int64_t) r->ns));
}

int ocbr_client(const struct ocbr_cfg * cfg)
{
        struct timespec to    = tool_ms_ts(cfg->timeout_ms);
        struct timespec slice = tool_ms_ts(OCBR_SLICE_MS);
        qosspec_t       qs    = cfg->qos;
        struct report   r = { 0, 0, 0, 0 };
        uint8_t *       buf;
        int64_t         sent;
        int64_t         dt = 0;
        int             rret;
        int             fd;

        buf = malloc(OCBR_MAX_SIZE);
        if (buf == NULL) {
                fprintf(stderr, "ocbr: out of memory\n");
                return -ENOMEM;
        }

        fd = flow_alloc(cfg->name, &qs, &to);
        if (fd < 0) {
                fprintf(stderr, "ocbr: cannot allocate a flow to %s: %s\n",
                        cfg->name, fd == -ETIMEDOUT ? "timed out" :
                        tool_strerror(-fd));
                free(buf);
                return fd;
        }
        if (fccntl(fd, FLOWSRCVTIMEO, &slice) < 0 ||
            fccntl(fd, FLOWSSNDTIMEO, &slice) < 0)
                fprintf(stderr, "ocbr: cannot set flow timeouts\n");

        if (cfg->flood)
                printf("ocbr to %s: %zu-byte packets, flood, %g s "
                       "(%s QoS)\n", cfg->name, cfg->size,
                       cfg->duration_ms / 1000.0,
                       cfg->qos_name);
        else
                printf("ocbr to %s: %zu-byte packets at %llu bit/s "
                       "(%.1f pkt/s), %g s (%s QoS)\n", cfg->name, cfg->size,
                       (unsigned long long) cfg->rate_bps,
                       (double) cfg->rate_bps / 8.0 / (double) cfg->size,
                       cfg->duration_ms / 1000.0, cfg->qos_name);

        sent = send_all(fd, cfg, buf, &dt);
        if (sent < 0) {
                flow_dealloc(fd);
                free(buf);
                return (int) sent;
        }

        ocbr_hdr_put(buf, OCBR_END, (uint64_t) sent, (uint64_t) tool_now_ns());
        rret = send_pkt(fd, cfg, buf, OCBR_HDR_LEN,
                        tool_now_ns() + cfg->timeout_ms * 1000000LL);
        if (rret == 0)
                rret = get_report(fd, cfg, buf, &r);

        summary(cfg, sent, dt, &r, rret);
        flow_dealloc(fd);
        free(buf);

        return rret < 0 ? rret : 0;
}
