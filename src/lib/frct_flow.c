/*
 * Ouroboros - driving FRCT on a flow through an IPCP: its state, the
 * receive pump, the output flush, the clock and the events. The data
 * calls of the API are in frct_io.c, a flow's FRCT made and ended in
 * frct_flow_life.c. See frct_flow.h (and its locks).
 */
#include "frct_flow_priv.h"

#include "common/env_num.h"
#include "evwait.h"
#include "flow_crypt.h"
#include "fqueue_priv.h"
#include "local_msg.h"

#include "common/crypt.h"
#include "common/timeutil.h"

#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FRF_FLUSH_RETRY_NS 1000000ull   /* 1 ms */
#define FRF_BATCH_ACK 8                 /* an ack every 8 pkts of a batch */

size_t frf_max_msg(void)
{
        static _Atomic size_t v;
        static int            warned;
        size_t                m = atomic_load(&v);

        if (m != 0)
                return m;

        m = (size_t) env_num(FRF_MAX_MSG_ENV, FRCT_MAX_MSG_MIN, FRCT_MAX_MSG_MAX,
                             FRCT_MAX_MSG_DEF, &warned);
        atomic_store(&v, m);

        return m;
}

uint64_t frf_now(void)
{
        return (uint64_t) now_ns();
}

/* lock held: the next deadline to the timer; while output waits for
 * room in the ring (no_room) or for wr_lock (flush), FRF_FLUSH_RETRY_NS
 * from now at the latest: no ack may come to retry it (everything sent
 * was acked). */
void frf_set_due(struct frf * r)
{
        uint64_t d = frct_deadline(r->fr);
        uint64_t soon;

        if (atomic_load(&r->no_room) || atomic_load(&r->flush)) {
                soon = frf_now() + FRF_FLUSH_RETRY_NS;
                if (soon < d)
                        d = soon;
        }
        frt_due(&r->te, d);
}

/* lock held: after anything that may change what is readable. */
void frf_changed(struct frf * r)
{
        atomic_store(&r->ready, frct_next_len(r->fr) > 0);
        atomic_store(&r->max_send, frct_max_send(r->fr));
        ++r->seq;
        pthread_cond_broadcast(&r->cond);
        frf_set_due(r);
}

void frf_kick(const struct frf * r)
{
        evwait_kick(fq_token(r->fd, r->gen));
}

static void on_events(struct frf * r,
                      int          ev)
{
        if (ev & FRCT_EV_PEER) {
                atomic_store(&r->gone, true);
                atomic_store(&r->peer_ev, true);
        }
        if (ev & (FRCT_EV_PEER | FRCT_EV_READ))
                frf_kick(r);
}

/* Feed the state machine one packet from a private copy: whether an
 * ack is due at once (frct_ack_due). */
bool frf_rcv(struct frf *    r,
             const uint8_t * pkt,
             size_t          len)
{
        bool was = atomic_load(&r->ready);
        bool ack;

        pthread_mutex_lock(&r->lock);
        if (frct_rcv(r->fr, pkt, len, frf_now()) < 0)
                ++r->rx_bad;
        frf_changed(r);
        ack = frct_ack_due(r->fr);
        pthread_mutex_unlock(&r->lock);

        if (frct_peer_gone(r->fr) && !atomic_exchange(&r->gone, true)) {
                atomic_store(&r->peer_ev, true);
                frf_kick(r);
        } else if (!was && atomic_load(&r->ready)) {
                frf_kick(r); /* a set waiting on this flow looks */
        }

        return ack;
}

/* Raw flows: whether the state machine is to be told (again) of data
 * now (*now), at most every ka_every since *last. */
static bool tell_now(const struct frf * r,
                     _Atomic uint64_t * last,
                     uint64_t *         now)
{
        if (r->ka_every == 0)
                return false;

        *now = frf_now();
        if (*now - atomic_load(last) < r->ka_every)
                return false;
        atomic_store(last, *now);

        return true;
}

/* A raw data packet came: the peer is alive. The state machine only
 * sees control packets of a raw flow, so it is told with a keepalive
 * made here, at most every timeout/8. */
void frf_heard(struct frf * r)
{
        uint8_t  ka[1 + FRCT_CRC_LEN];
        size_t   n = 1;
        uint64_t now;

        if (!tell_now(r, &r->heard, &now))
                return;

        ka[0] = FRCT_KA;
        if (r->crc) {
                ka[0] |= FRCT_FL_CRC;
                n = frct_crc_put(ka, 1);
        }
        pthread_mutex_lock(&r->lock);
        frct_rcv(r->fr, ka, n, now);
        frf_set_due(r);
        pthread_mutex_unlock(&r->lock);
}

/* A raw data packet went out (in place, not through frct_pop): this
 * end is not idle, no keepalive is due. The state machine is told at
 * most every timeout/8, so its keepalive deadline (timeout/4 after
 * the last transmission it knows of) stays ahead of the data. */
void frf_said(struct frf * r)
{
        uint64_t now;

        if (!tell_now(r, &r->said, &now))
                return;

        pthread_mutex_lock(&r->lock);
        frct_sent(r->fr, now);
        frf_set_due(r);
        pthread_mutex_unlock(&r->lock);
}

/* Run the clock: what is due at now, and its consequences. */
void frf_tick(struct ft_flow * f,
              uint64_t         now)
{
        struct frf * r = f->fr;
        int          ev;

        pthread_mutex_lock(&r->lock);
        ev = frct_tick(r->fr, now);
        frf_changed(r);
        pthread_mutex_unlock(&r->lock);

        on_events(r, ev);
        frf_try_flush(f);
}

/*
 * wr_lock held: hand the ring every packet the state machine has due.
 * Room is reserved before a packet is taken (frct_pop is one
 * transmission), so a full ring leaves packets with FRCT, not lost.
 * A clear packet is built in the room itself; an encrypted one in txb
 * (private) and sealed into the room, with a fresh nonce each time.
 */
int frf_flush(struct ft_flow *        f,
              bool                    nonblock,
              const struct timespec * abstime)
{
        struct frf * r = f->fr;
        void *       p;
        ssize_t      n;
        int          ret;

        atomic_store(&r->flush, false);
        /* only the timer's deadline reads it: no order needed */
        atomic_store_explicit(&r->no_room, false, memory_order_relaxed);
        for (;;) {
                ret = flow_shm_reserve(f->shm, r->mtu + f->ovh, &p,
                                       nonblock, abstime);
                if (ret < 0) {
                        if (ret == -EAGAIN || ret == -ETIMEDOUT) {
                                atomic_store_explicit(&r->no_room, true,
                                        memory_order_relaxed);
                                atomic_fetch_add_explicit(&r->full, 1,
                                        memory_order_relaxed);
                                pthread_mutex_lock(&r->lock);
                                frf_set_due(r); /* the timer tries again */
                                pthread_mutex_unlock(&r->lock);
                                return 0;
                        }
                        return ret;
                }

                pthread_mutex_lock(&r->lock);
                n = frct_pop(r->fr, f->cf != NULL ? r->txb : p, r->mtu,
                             frf_now());
                frf_set_due(r);
                pthread_mutex_unlock(&r->lock);
                if (n <= 0)
                        return (int) n; /* the reservation lapses */

                if (f->cf != NULL) {
                        n = fc_seal(f, r->txb, (size_t) n, p,
                                    r->mtu + f->ovh);
                        if (n < 0)
                                return (int) n; /* the room lapses */
                }
                ret = flow_shm_commit(f->shm, (size_t) n);
                if (ret < 0)
                        return ret;
        }
}

/* Let go of wr_lock after acting on notes (flush) left meanwhile. A
 * ring without room is not retried here (no_room): the timer does, and
 * a retry here would spin while the peer cannot empty the ring (it may
 * be spinning the same way, for room in the ring toward this end). */
void frf_wr_unlock(struct ft_flow * f)
{
        struct frf * r = f->fr;

        for (;;) {
                if (atomic_exchange(&r->flush, false))
                        frf_flush(f, true, NULL);
                pthread_mutex_unlock(&f->wr_lock);
                if (!atomic_load(&r->flush) ||
                    pthread_mutex_trylock(&f->wr_lock) != 0)
                        return;
        }
}

/* Output may be due: flush it now, or leave it to the writer. */
void frf_try_flush(struct ft_flow * f)
{
        struct frf * r = f->fr;

        if (pthread_mutex_trylock(&f->wr_lock) == 0) {
                frf_flush(f, true, NULL);
                frf_wr_unlock(f);
                return;
        }

        atomic_store(&r->flush, true);
        pthread_mutex_lock(&r->lock);
        ++r->seq;
        pthread_cond_broadcast(&r->cond); /* a writer waiting for room */
        pthread_mutex_unlock(&r->lock);
        /* The holder may have let go before it saw the note. */
        if (pthread_mutex_trylock(&f->wr_lock) == 0) {
                frf_flush(f, true, NULL);
                frf_wr_unlock(f);
        }
}

/*
 * rx_lock held: take the packets of the ring. The first one is waited
 * for (unless nonblock) until abstime, the rest only taken if there.
 * In-order and reliable flows: every packet goes to frct_rcv from a
 * private copy (decrypted into it on an encrypted flow). Raw flows:
 * control packets only; it stops at the first data packet, which the
 * reader takes in place (frct_io.c). In a batch (packets that came
 * while the reader was descheduled) an ack that is due goes out every
 * FRF_BATCH_ACK packets: one ack for the whole batch would open the
 * sender's window by the batch at once, and the sender's burst
 * overflows the small queues of a path (on bench/frct's VDE path, a
 * switch's send buffer toward a descheduled process); an ack every
 * second packet (FRCT_ACK_EVERY) cost more CPU than it saved here.
 * Returns packets taken, or the ring's error when none was.
 */
ssize_t frf_pump(struct ft_flow *        f,
                 bool                    nonblock,
                 const struct timespec * abstime)
{
        struct frf *  r = f->fr;
        const void *  pkt;
        ssize_t       n;
        ssize_t       cnt = 0;

        for (;;) {
                if (r->raw) {
                        const uint8_t * d;
                        size_t          dl;
                        n = frf_raw_head(f, &d, &dl, nonblock, abstime);
                        return n < 0 ? (cnt > 0 ? cnt : n) : cnt + 1;
                }
                if (f->cf == NULL) {
                        n = flow_shm_peek(f->shm, &pkt, nonblock, abstime);
                        if (n >= 0) {
                                if ((size_t) n <= r->mtu)
                                        memcpy(r->rxb, pkt, (size_t) n);
                                flow_shm_consume(f->shm);
                                if ((size_t) n > r->mtu) {
                                        ++r->rx_bad;
                                        continue;
                                }
                        }
                } else {
                        n = fc_read(f, r->rxb, r->mtu, false, nonblock,
                                    abstime);
                }
                if (n < 0)
                        return cnt > 0 ? cnt : n;

                ++cnt;
                nonblock = true;
                if (frf_rcv(r, r->rxb, (size_t) n) &&
                    cnt % FRF_BATCH_ACK == 0)
                        frf_try_flush(f);
        }
}

/*
 * rx_lock held: frf_pump, waiting for the first packet until abstime.
 * A reliable flow's ring signals no one meanwhile (this thread waits
 * in it): disarmed, then armed again, and what came in between (no
 * signal: the ring was not drained) is taken before leaving.
 */
static ssize_t pump_waiting(struct ft_flow *        f,
                            const struct timespec * abstime)
{
        struct frf * r = f->fr;
        ssize_t      n;
        ssize_t      m;

        if (r->shm == NULL)
                return frf_pump(f, false, abstime);

        flow_shm_arm(r->shm, false);
        n = frf_pump(f, false, abstime);
        flow_shm_arm(r->shm, true);
        if (flow_shm_rxqlen(r->shm) == 0)
                return n;

        m = frf_pump(f, true, NULL);
        if (m <= 0)
                return n;

        return n > 0 ? n + m : m;
}

/* The earlier of abstime and the flow's deadline, into buf. */
const struct timespec * frf_until(struct frf *            r,
                                  const struct timespec * abstime,
                                  struct timespec *       buf)
{
        uint64_t due = atomic_load(&r->te.due);

        if (due == UINT64_MAX || due > INT64_MAX)
                return abstime;
        if (abstime != NULL && (uint64_t) ts_to_ns(abstime) <= due)
                return abstime;

        *buf = ns_to_ts((int64_t) due);

        return buf;
}

/* Whether abstime passed (never for NULL). */
bool frf_passed(const struct timespec * abstime)
{
        return abstime != NULL && ts_to_ns(abstime) <= now_ns();
}

/*
 * Wait until something changed since seq (a packet came, the clock
 * ran) or abstime: pump the ring ourselves if no one else is, else
 * sleep until whoever does tells us. -ETIMEDOUT when abstime passed,
 * else 0.
 */
int frf_wait(struct ft_flow *        f,
             uint64_t                seq,
             const struct timespec * abstime)
{
        struct frf *            r = f->fr;
        struct timespec         tb;
        const struct timespec * until = frf_until(r, abstime, &tb);
        ssize_t                 n;
        bool                    moved;
        int                     ret = 0;

        if (pthread_mutex_trylock(&r->rx_lock) == 0) {
                /* Something changed on the way here (the clock ran,
                 * or left output for the writer, who may be the
                 * caller): no sleep in the ring, where only a packet
                 * wakes it. Else until the deadline as it is now. */
                pthread_mutex_lock(&r->lock);
                moved = r->seq != seq;
                until = frf_until(r, abstime, &tb);
                pthread_mutex_unlock(&r->lock);
                if (moved) {
                        pthread_mutex_unlock(&r->rx_lock);
                        return 0;
                }
                n = pump_waiting(f, until);
                pthread_mutex_unlock(&r->rx_lock);
                if (n > 0) {
                        frf_try_flush(f);
                        return 0;
                }
                if (n != -ETIMEDOUT)
                        return (int) n;
        } else {
                pthread_mutex_lock(&r->lock);
                while (r->seq == seq && ret == 0) {
                        if (until == NULL)
                                ret = -pthread_cond_wait(&r->cond, &r->lock);
                        else
                                ret = -pthread_cond_timedwait(&r->cond,
                                                              &r->lock,
                                                              until);
                }
                pthread_mutex_unlock(&r->lock);
                if (ret == 0)
                        return 0;
        }

        if (frf_passed(abstime))
                return -ETIMEDOUT;

        if (atomic_load(&r->te.due) <= frf_now())
                frf_tick(f, frf_now());

        return 0;
}

int frf_state(const struct ft_flow * f)
{
        if (atomic_load(&f->state) != FT_ALLOC)
                return -ENOTALLOC; /* flow_dealloc under way */
        if (atomic_load(&f->fr->gone))
                return -EFLOWPEER;
        if (flow_shm_is_down(f->shm) ||
            flow_shm_peer_state(f->shm) >= FLOW_SIDE_CLOSED)
                return -EFLOWDOWN;

        return 0;
}

void frf_wake(struct ft_flow * f)
{
        struct frf * r = f->fr;

        if (r == NULL)
                return;

        pthread_mutex_lock(&r->lock);
        ++r->seq;
        pthread_cond_broadcast(&r->cond);
        pthread_mutex_unlock(&r->lock);
}

void frf_poke(struct ft_flow * f)
{
        struct frf * r = f->fr;

        atomic_store(&r->te.poke, true);
}

void frf_on_timer(struct ft_flow * f,
                  uint64_t         now)
{
        struct frf * r = f->fr;

        atomic_fetch_add_explicit(&r->runs, 1, memory_order_relaxed);

        /* Acks, keepalives; on a raw flow up to the first data
         * packet (opened into rxb on an encrypted one), which then
         * proves the peer alive while the reader leaves it there. */
        if (pthread_mutex_trylock(&r->rx_lock) == 0) {
                frf_pump(f, true, NULL);
                pthread_mutex_unlock(&r->rx_lock);
        }

        frf_tick(f, now);

        /* Nothing came of it (output waits for room): not before 1 ms. */
        if (atomic_load(&r->te.due) <= now)
                frt_due(&r->te, now + 1000000);
}

int frf_events(struct ft_flow * f,
               int              ev)
{
        struct frf * r = f->fr;

        if ((ev & FLOW_PKT) && pthread_mutex_trylock(&r->rx_lock) == 0) {
                frf_pump(f, true, NULL); /* keepalives are not FLOW_PKT */
                pthread_mutex_unlock(&r->rx_lock);
                /* A raw flow answers nothing it receives: only its
                 * clock makes output (keepalives). */
                if (!r->raw)
                        frf_try_flush(f);
        }

        ev &= ~FLOW_PKT;
        if (frf_readable(f))
                ev |= FLOW_PKT;
        if (atomic_exchange(&r->peer_ev, false))
                ev |= FLOW_PEER;

        return ev;
}

bool frf_pending(const struct ft_flow * f)
{
        return atomic_load(&f->fr->ready) || atomic_load(&f->fr->peer_ev);
}

bool frf_readable(const struct ft_flow * f)
{
        struct frf * r = f->fr;

        if (r->raw)
                return r->pend || flow_shm_rxqlen(f->shm) > 0;

        return atomic_load(&r->ready) || r->msg_len > 0;
}

size_t frf_max_write(const struct ft_flow * f)
{
        const struct frf * r = f->fr;

        if (r->raw)
                return r->mtu - 1 - (r->crc ? FRCT_CRC_LEN : 0);

        /* The smaller of the two ends' limits, once the peer's came. */
        return atomic_load(&r->max_send);
}

size_t frf_rxqlen(const struct ft_flow * f)
{
        const struct frf * r = f->fr;
        size_t             q = flow_shm_rxqlen(f->shm);

        if (r->raw)
                return q + r->pend;

        return q + (atomic_load(&r->ready) || r->msg_len > 0);
}

size_t ft_max_write(const struct ft_flow * f)
{
        if (f->fr != NULL)
                return frf_max_write(f);
        if (lmsg_on(f))
                return lmsg_max(f);

        return flow_shm_max_pkt(f->shm) - f->ovh;
}

int frf_set_flags(struct ft_flow * f,
                  uint16_t         flags)
{
        struct frf * r = f->fr;
        int          ret;

        pthread_mutex_lock(&r->lock);
        ret = frct_set_flags(r->fr, flags);
        frf_set_due(r);
        pthread_mutex_unlock(&r->lock);

        return ret;
}

void frf_linger(struct ft_flow * f)
{
        struct frf *    r = f->fr;
        struct timespec dl = ns_to_ts(ns_after((int64_t) FRF_LINGER_MS *
                                               NS_PER_MS));
        uint64_t        seq;
        bool            done;

        if (r->raw || !(atomic_load(&f->frct) & FRCTFLINGER))
                return;

        if (!r->reliable) { /* nothing to wait for but the layer */
                pthread_mutex_lock(&f->wr_lock);
                frf_flush(f, false, &dl);
                frf_wr_unlock(f);
                lmsg_linger(f);
                return;
        }

        pthread_mutex_lock(&f->wr_lock);
        for (;;) {
                frf_flush(f, false, &dl);
                pthread_mutex_lock(&r->lock);
                done = frct_flushed(r->fr) || frct_peer_gone(r->fr);
                seq  = r->seq;
                pthread_mutex_unlock(&r->lock);
                if (done || flow_shm_is_down(f->shm) ||
                    flow_shm_peer_state(f->shm) >= FLOW_SIDE_CLOSED ||
                    frf_wait(f, seq, &dl) < 0)
                        break;
        }
        frf_wr_unlock(f);
}
