/*
 * Ouroboros - ipcpd-unicast: data transfer, writing toward a neighbour
 * (dt_priv.h).
 *
 * Queues and priority: a neighbour's lower flow takes packets directly
 * until its ring is full, except that while a packet of a flow of a
 * higher cube went toward that neighbour in the last DT_PRIO_MS (the
 * members' own messages do not count: cube_seen), packets of lower
 * cubes go in only while it holds fewer than DT_RING_PKTS not yet read
 * by the peer (FLOWGTXQLEN: two atomic loads); so a lone bulk flow
 * has the whole ring to ride out its reader's scheduling delays, and
 * a voice flow next to it waits behind at most DT_RING_PKTS of its
 * packets. Beyond that, packets wait in per-cube queues (dt_queue.h),
 * at most
 * DT_Q_PKTS per cube and DT_Q_BYTES per neighbour (beyond: dropped,
 * dt.drop_qfull; this member's own packets, from dt_send, only up to
 * DT_Q_LOCAL per cube: beyond, dt_send says -ENOBUFS and the flow
 * allocator keeps the packet in its flow, holding the writer back
 * with no loss and leaving the rest of the queue to transit), drained
 * highest cube first, before every new packet
 * to that neighbour and every DT_Q_RETRY_MS by a timer armed only
 * while something waits (the library has no writable event).
 *
 * ECN (congestion mb-ecn): what counts is the standing queue toward a
 * neighbour, S (standing.h): the least number of packets waiting (its
 * ring plus its queues) over the last DT_ECN_WIN_MS to twice that, not
 * the queue of the moment, which a burst fills (the flow allocator and
 * the reader of a ring work in batches of up to 64 packets) and the
 * reader empties a moment later: marking bursts cut senders that the
 * link could carry. The threshold T is what makes a packet wait
 * DT_ECN_WAIT_MS at the rate the neighbour took packets in the last
 * window, and at least DT_ECN_MIN packets. A packet going out carries
 * the mark max(mark it came with, 1 + (S - T) >> DT_ECN_SHIFT) once
 * S >= T: nothing while the queue drains within a window, then growing
 * with the queue; the sender's flow allocator reads the largest mark
 * along the path (fa_data.c).
 */
#include "dt_priv.h"

#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <string.h>

/* A flow's packet of cube toward nb: a higher cube than best effort
 * is active toward nb for DT_PRIO_MS. Only flows' packets count: the
 * members' own messages (keepalives every NBR_KA_MS, flow allocation,
 * directory) go in their cube but do not hold bulk data back, or a
 * keepalive at CUBE_VOICE every 250 ms would keep a lone bulk flow
 * to DT_RING_PKTS in the ring for good (its sender then waited for
 * DT_Q_RETRY_MS timers while the ring ran dry). */
static void cube_seen(struct dt_nb * nb,
                      uint8_t        cube,
                      uint64_t       eid)
{
        if (eid < DT_EID_FIRST || cube == CUBE_BE || cube < nb->top)
                return;

        nb->top    = cube;
        nb->top_ms = ipcp_now_ms();
}

/* Whether a packet of cube may go into nb's ring now, as far as
 * priority goes (a full ring still refuses it: -EAGAIN). */
static bool ring_ok(struct dt_nb * nb,
                    uint8_t        cube)
{
        size_t q = 0;

        if (fccntl(nb->fd, FLOWGTXQLEN, &q) < 0)
                q = 0; /* let the write say what is wrong */
        nb->ring = q;

        if (cube >= nb->top || q < DT_RING_PKTS)
                return true;

        if (ipcp_now_ms() - nb->top_ms > DT_PRIO_MS) {
                nb->top = cube; /* the higher cube went quiet */
                return true;
        }

        return false;
}

/* Write hdr (hl bytes) then len bytes of p as one packet on nb: 0 or
 * a negative errno (-EAGAIN: ring full). */
static int write_pkt(struct dt_nb *  nb,
                     const uint8_t * hdr,
                     size_t          hl,
                     const uint8_t * p,
                     size_t          len)
{
        void *  buf;
        ssize_t r;

        if (!nb->copy) {
                r = ipcp_flow_reserve(nb->fd, hl + len, &buf);
                if (r == 0) {
                        memcpy(buf, hdr, hl);
                        if (len > 0)
                                memcpy((uint8_t *) buf + hl, p, len);
                        return ipcp_flow_commit(nb->fd, hl + len);
                }
                if (r != -ENOTSUP)
                        return (int) r;
                nb->copy = true;
        }

        if (hl + len > dt.buf_len)
                return -EMSGSIZE;
        memcpy(dt.wbuf, hdr, hl);
        if (len > 0)
                memcpy(dt.wbuf + hl, p, len);
        r = flow_write(nb->fd, dt.wbuf, hl + len);

        return r < 0 ? (int) r : 0;
}

static void count_write_err(struct dt_nb * nb,
                            int            r)
{
        if (r == -EMSGSIZE) {
                ++dt.c[C_DROP_SIZE];
                WARN_RL(C_DROP_SIZE, "Packet too big for the lower flow "
                        "to %llu: dropped.", (unsigned long long) nb->addr);
        } else {
                ++dt.c[C_DROP_DOWN]; /* going down: its event follows */
        }
}

static void retry_cb(void * arg);

static void retry_arm(void)
{
        if (dt.retry == NULL)
                dt.retry = ipcp_timer_add(DT_Q_RETRY_MS, retry_cb, NULL);
}

/* Write what waits for nb, highest cube first, while its ring takes
 * it. */
static void drain(struct dt_nb * nb)
{
        struct dtq_pkt * k;
        uint8_t          cube;
        int              r;

        while ((k = dtq_peek(&nb->q, &cube)) != NULL) {
                if (!ring_ok(nb, cube))
                        return;
                r = write_pkt(nb, k->data, k->len, NULL, 0);
                if (r == -EAGAIN)
                        return;
                if (r == 0)
                        ++nb->tx;
                else
                        count_write_err(nb, r);
                dtq_pop(&nb->q, cube);
        }
}

static void retry_cb(void * arg)
{
        struct dt_nb * nb;
        bool           busy = false;

        (void) arg;

        dt.retry = NULL;

        for (nb = dt.nbs; nb != NULL; nb = nb->next) {
                if (nb->q.n == 0)
                        continue;
                drain(nb);
                if (nb->q.n > 0)
                        busy = true;
        }

        if (busy)
                retry_arm();
}

/* Raise the ecn byte of hdr to nb's congestion mark. */
static void ecn_mark(struct dt_nb * nb,
                     uint8_t *      hdr)
{
        size_t  off = (size_t) dt.fmt.addr_size + 2;
        size_t  s;
        uint8_t m;

        s = standing_see(&nb->ecn, ipcp_now_ms(), nb->ring + nb->q.n,
                         nb->tx, DT_ECN_WIN_MS);
        m = standing_mark(standing_excess(&nb->ecn, s, DT_ECN_MIN,
                                          DT_ECN_WAIT_MS, DT_ECN_WIN_MS),
                          DT_ECN_SHIFT);
        if (m > hdr[off]) {
                hdr[off] = m;
                ++dt.c[C_ECN_MARKED];
        }
}

int dt_nb_put(struct dt_nb *  nb,
              uint8_t         cube,
              uint64_t        eid,
              uint8_t *       hdr,
              size_t          hl,
              const uint8_t * p,
              size_t          len,
              size_t          qmax)
{
        bool    ok = true;
        uint8_t qc;
        int     r;

        cube_seen(nb, cube, eid);

        if (nb->q.n > 0) {
                drain(nb);
                /* what still waits goes first, unless this is higher */
                if (dtq_peek(&nb->q, &qc) != NULL && qc >= cube)
                        ok = false;
        }
        if (ok)
                ok = ring_ok(nb, cube);

        if (dt.ecn)
                ecn_mark(nb, hdr);

        if (ok) {
                r = write_pkt(nb, hdr, hl, p, len);
                if (r == 0) {
                        ++nb->tx;
                        return 0;
                }
                if (r != -EAGAIN) {
                        count_write_err(nb, r);
                        return r;
                }
        }

        r = dtq_push(&nb->q, cube, hdr, hl, p, len, qmax, DT_Q_BYTES);
        if (r < 0)
                return -ENOBUFS;

        ++dt.c[C_QUEUED];
        if (nb->q.n > nb->qmax)
                nb->qmax = nb->q.n;
        retry_arm();

        return 0;
}
