/*
 * Ouroboros - ipcpd-broadcast's writes and pending queues (main.c,
 * "Full rings" and "Source throttling"): a packet goes out in place
 * when the flow allows, a full ring queues a copy behind the flow's
 * pending ones, a timer drains the queues, and local writers are left
 * unread while a neighbour's queue is high.
 */
#include "bc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* Write hdr (hl bytes, may be 0) and len bytes of p on f as one packet,
 * in place when the flow allows: len written or a negative errno. */
static int write_pkt(struct bflow *  f,
                     const uint8_t * hdr,
                     size_t          hl,
                     const void *    p,
                     size_t          len)
{
        void * buf;
        int    r = -ENOTSUP;

        if (!f->copy) {
                r = ipcp_flow_reserve(f->fd, hl + len, &buf);
                if (r == 0) {
                        if (hl > 0)
                                memcpy(buf, hdr, hl);
                        if (len > 0)
                                memcpy((uint8_t *) buf + hl, p, len);
                        r = ipcp_flow_commit(f->fd, hl + len);
                } else if (r == -ENOTSUP) {
                        f->copy = true;
                }
        }
        if (f->copy) {
                if (hl + len > bc.buf_len)
                        return -EMSGSIZE;
                if (hl > 0)
                        memcpy(bc.wbuf, hdr, hl);
                if (len > 0)
                        memcpy(bc.wbuf + hl, p, len);
                r = (int) flow_write(f->fd, bc.wbuf, hl + len);
        }

        return r;
}

static void retry_cb(void * arg);

/* Pending packets come from a cache of BC_QCACHE buffers of the
 * layer's largest packet when that is at most BC_QCACHE_SZ bytes (a
 * queue fills and drains at the flood's rate: no malloc and free per
 * packet then), else from malloc at their own size. */
static struct qpkt * qcache;
static size_t        qcache_n;

static bool q_cached(void)
{
        return bc.buf_len <= BC_QCACHE_SZ;
}

static struct qpkt * q_alloc(size_t len)
{
        struct qpkt * q;

        if (!q_cached())
                return malloc(sizeof(*q) + len);
        if (qcache == NULL)
                return malloc(sizeof(*q) + bc.buf_len);

        q      = qcache;
        qcache = q->next;
        --qcache_n;

        return q;
}

static void q_free(struct qpkt * q)
{
        if (!q_cached() || qcache_n >= BC_QCACHE) {
                free(q);
                return;
        }

        q->next = qcache;
        qcache  = q;
        ++qcache_n;
}

static void retry_arm(void)
{
        if (bc.retry == NULL)
                bc.retry = ipcp_timer_add(BC_Q_RETRY_MS, retry_cb, NULL);
}

/* Stop (pause true) or start again reading local writers' flows. */
static void throttle(bool on)
{
        struct bflow * f;

        if (bc.throttled == on)
                return;

        bc.throttled = on;
        if (on)
                ++bc.c[C_THROTTLED];
        for (f = bc.flows; f != NULL; f = f->next) {
                if (f->nb || f->paused == on)
                        continue;
                if (on) {
                        ipcp_flow_unwatch(f->fd);
                        f->paused = true;
                } else if (ipcp_flow_watch(f->fd, bc_flow_cb, f) == 0) {
                        f->paused = false;
                }
        }
}

/* Queue a copy of the packet behind f's pending ones: false if the
 * bounded queue is full (or out of memory). */
static bool enqueue(struct bflow *  f,
                    const uint8_t * hdr,
                    size_t          hl,
                    const void *    p,
                    size_t          len)
{
        struct qpkt * q;

        if (f->qn >= BC_Q_PKTS || f->qbytes + hl + len > BC_Q_BYTES)
                return false;

        q = q_alloc(hl + len);
        if (q == NULL)
                return false;

        q->next = NULL;
        q->len  = hl + len;
        if (hl > 0)
                memcpy(q->data, hdr, hl);
        if (len > 0)
                memcpy(q->data + hl, p, len);

        if (f->qtail == NULL) {
                f->qhead = q;
                f->prog  = ipcp_now_ms();
        } else {
                f->qtail->next = q;
        }
        f->qtail = q;
        ++f->qn;
        f->qbytes += q->len;
        ++bc.c[C_QUEUED];

        if (f->nb && f->qn > BC_Q_HIGH)
                throttle(true);
        retry_arm();

        return true;
}

/* Drop every packet pending for f; the count. */
size_t bc_q_flush(struct bflow * f)
{
        struct qpkt * q;
        size_t        n = f->qn;

        while (f->qhead != NULL) {
                q = f->qhead;
                f->qhead = q->next;
                q_free(q);
        }
        f->qtail  = NULL;
        f->qn     = 0;
        f->qbytes = 0;

        return n;
}

/* Write f's pending packets in order while its ring takes them. */
static void drain(struct bflow * f)
{
        struct qpkt * q;
        int           r;
        bool          prog = false;

        while (f->qhead != NULL) {
                q = f->qhead;
                r = write_pkt(f, NULL, 0, q->data, q->len);
                if (r == -EAGAIN)
                        break;
                if (r >= 0) {
                        ++f->tx;
                        prog = true;
                } else if (r == -EMSGSIZE) {
                        ++bc.c[C_TOO_BIG];
                }
                /* else going down: its own callback removes it */
                f->qhead = q->next;
                if (f->qhead == NULL)
                        f->qtail = NULL;
                --f->qn;
                f->qbytes -= q->len;
                q_free(q);
        }

        if (prog)
                f->prog = ipcp_now_ms();
}

/* Every BC_Q_RETRY_MS while something is pending or writers paused. */
static void retry_cb(void * arg)
{
        struct bflow * f;
        int64_t        now = ipcp_now_ms();
        bool           high = false;
        bool           busy = false;
        size_t         n;

        (void) arg;

        bc.retry = NULL;

        for (f = bc.flows; f != NULL; f = f->next) {
                if (f->qn == 0)
                        continue;
                drain(f);
                if (f->qn > 0 && now - f->prog >= BC_STUCK_MS) {
                        n = bc_q_flush(f);
                        f->stuck = true;
                        f->stuck_drops += n;
                        bc.c[C_STUCK] += n;
                        log_warn("%s%s%s stuck for %d ms: %zu pending "
                                 "messages dropped, dropping to it until "
                                 "it reads again.", f->nb ? "Neighbour " :
                                 "Joined flow", f->nb ? f->name : "",
                                 f->nb ? "" : " of an application",
                                 BC_STUCK_MS, n);
                }
                if (f->nb && f->qn > BC_Q_LOW)
                        high = true;
                if (f->qn > 0)
                        busy = true;
        }

        if (bc.throttled && !high)
                throttle(false);
        if (busy || bc.throttled)
                retry_arm();
}

/* Send the packet (hdr, hl bytes, then len bytes of p) on f, behind
 * what is pending for it: true if sent or queued; a drop is counted. */
bool bc_put(struct bflow *  f,
                const uint8_t * hdr,
                size_t          hl,
                const void *    p,
                size_t          len)
{
        int r;

        if (f->qn > 0) {
                drain(f);
                if (f->qn > 0) {
                        if (enqueue(f, hdr, hl, p, len))
                                return true;
                        ++f->full;
                        ++bc.c[C_RING_FULL];
                        WARN_RL(C_RING_FULL, "Pending queue of %s%s full: "
                                "message dropped.", f->nb ? "neighbour " :
                                "an application", f->nb ? f->name : "");
                        return false;
                }
        }

        r = write_pkt(f, hdr, hl, p, len);
        if (r >= 0) {
                ++f->tx;
                if (f->stuck) {
                        f->stuck = false;
                        log_info("%s%s reads again.", f->nb ? "Neighbour " :
                                 "A joined application", f->nb ? f->name : "");
                }
                return true;
        }

        if (r == -EAGAIN) {
                if (!f->stuck && enqueue(f, hdr, hl, p, len))
                        return true;
                if (f->stuck) {
                        ++f->stuck_drops;
                        ++bc.c[C_STUCK];
                } else {
                        ++f->full;
                        ++bc.c[C_RING_FULL];
                }
        } else if (r == -EMSGSIZE) {
                ++bc.c[C_TOO_BIG];
                WARN_RL(C_TOO_BIG, "Message of %zu bytes too big for %s "
                        "%s: dropped.", hl + len, f->nb ? "neighbour" :
                        "flow", f->nb ? f->name : "of an application");
        }
        /* else going down: its own callback removes it */

        return false;
}

void bc_q_fini(void)
{
        struct qpkt * q;

        while (qcache != NULL) {
                q      = qcache;
                qcache = q->next;
                free(q);
        }
        qcache_n = 0;

        if (bc.retry != NULL)
                ipcp_timer_cancel(bc.retry);
        bc.retry     = NULL;
        bc.throttled = false;
}
