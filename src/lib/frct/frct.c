/*
 * Ouroboros - FRCT, the state machine of one flow (frct.h): creation,
 * flags, what a packet received does, which packet goes out next, the
 * timers (peer timeout, keepalives) and the statistics. Sending is in
 * frct_tx.c, receiving in frct_rx.c, the wire format in frct_wire.c.
 *
 * Congestion control of reliable flows: CUBIC (RFC 9438, frct_cc.c;
 * slow start ends early when the RTT grows, HyStart++ RFC 9406),
 * with RACK-style loss detection over SACK (frct_tx.c).
 * Why CUBIC: a reliable flow must share a link fairly with kernel TCP,
 * which on Linux is CUBIC (the namespaces' TCP is pinned to it), and
 * with another reliable flow. The same growth curve, back-off (beta 0.7)
 * and Reno-friendly region give the same response to the same losses,
 * so two such flows, or one and a TCP flow, converge to equal shares;
 * fast convergence makes an established flow give way to a new one.
 * NewReno would get less than its share next to CUBIC on paths with a
 * large bandwidth-delay product. Loss-based, so a sender backs off when
 * a drop-tail queue overflows (a sender that ignores loss would starve
 * TCP). A loss with no queue of this flow's behind it (the RTTs of the
 * last two rounds near the path's minimum: frct_cc.c) is taken as
 * random, as TCP Veno does, and the window is reduced by 0.85 instead
 * of 0.7: on a lossy link (1% random loss) that gives about 1.5 times
 * the goodput of a sender that takes every loss for congestion, while a
 * loss at a full drop-tail queue (a shared bottleneck) gets the full
 * reduction, so fairness there is CUBIC's. At 5% random loss the window
 * stays a few packets but does not
 * collapse: SACK and RACK repair several losses per round trip without a
 * timeout, one window reduction per round trip with losses (not one per
 * loss), and the retransmission timeout backs off only while nothing
 * gets through; sending the oldest packet again restarts it, so a
 * recovery through a deep queue (a loss found a queue's delay late,
 * its retransmission waiting that long again) is not cut short by a
 * timeout and a restart from one packet. Sending is paced (frct_tx.c,
 * pace_hold) when an ack opens the window by many packets at once, so
 * a burst the size of the window does not overflow a short queue on
 * the path.
 *
 * Flags (FRCTSFLAGS), what each does here:
 *   RTX      reliable flows only: lost packets are sent again. Cleared,
 *            they are given up and a SKIP packet tells the receiver not
 *            to wait for them (in order, best effort, still acked and
 *            congestion controlled); set again, later losses are resent.
 *   RESCNTL  the sender keeps to the receiver's window. Cleared, it
 *            sends as congestion control lets it; the receiver still
 *            drops what goes beyond its memory (and a reliable flow
 *            resends it).
 *   LINGER   nothing here: frct_flushed says whether everything sent is
 *            acked, the library decides whether to wait for it.
 *
 * The largest message (LIM, frct_wire.h): the ends of a flow may take
 * different largest messages (OUROBOROS_MAX_MSG per process), and a
 * receiver drops a message over its own (its memory bound), so an
 * in-order or reliable sender keeps to the smaller of the two: it sends
 * its limit at the start (and again, backing off, until the peer's
 * came) and learns the peer's. Before it knows the peer's, a message
 * over FRCT_MAX_MSG_MIN (the smallest limit an end may have) waits
 * (-EAGAIN; FRCT_EV_WRITE when the limit comes: a round trip at the
 * start); once known, a message over it gets -EMSGSIZE, as one over
 * this end's own. Over-limit data still dropped by the receiver can only
 * come from a broken or hostile peer (counted in rx_bad).
 *
 * Peer timeout: any valid packet from the peer proves it alive. While
 * this end sends nothing for peer_timeout / 4 it sends a keepalive
 * (raw data written in place by the library counts: frct_sent; on
 * a reliable flow the peer acks it, which doubles as the zero window
 * probe); after peer_timeout of silence FRCT_EV_PEER is raised once and
 * the flow is finished.
 */
#include "frct_int.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define FLAGS_ALL (FRCT_F_RTX | FRCT_F_RESCNTL | FRCT_F_LINGER)
#define MS        1000000ull

static uint64_t mix(uint64_t x)   /* splitmix64's finaliser */
{
        x += 0x9e3779b97f4a7c15ull;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;

        return x ^ (x >> 31);
}

/* Header bytes of this flow's data packets, CRC trailer included. */
static size_t data_hdr(const struct frct_cfg * c)
{
        size_t n = c->reliable ? FRCT_HDR_MAX : c->in_order ? 9 : 1;

        return n + (c->crc ? FRCT_CRC_LEN : 0);
}

int frct_create(struct frct **          fp,
                const struct frct_cfg * cfg,
                uint64_t                now)
{
        struct frct * f;

        if (fp == NULL || cfg == NULL || cfg->max_msg == 0 ||
            cfg->max_msg > FRCT_LIM_MASK ||
            cfg->rcv_wnd == 0 || cfg->mtu <= data_hdr(cfg) ||
            (cfg->flags & ~FLAGS_ALL))
                return -EINVAL;

        f = calloc(1, sizeof(*f));
        if (f == NULL)
                return -ENOMEM;

        f->cfg = *cfg;
        if (f->cfg.reliable)
                f->cfg.in_order = true;
        f->flags   = cfg->flags & (f->cfg.reliable ? FLAGS_ALL :
                                   (uint16_t) ~FRCT_F_RTX);
        f->mss     = cfg->mtu - data_hdr(&f->cfg);
        /* The largest message, its packets' records included, fits,
         * and on a reliable flow with the room kept free for the
         * packet that fills a gap (frct_rx.c) besides. */
        f->wnd     = (cfg->max_msg / f->mss + 1 + f->cfg.reliable) *
                (f->mss + FRCT_PKT_COST);
        if (f->wnd < cfg->rcv_wnd)
                f->wnd = cfg->rcv_wnd;
        f->isn     = (uint32_t) mix(cfg->seed);
        f->last_rx = now;
        f->last_tx = now;
        /* The limit goes out at once (LIM) and again until the peer's
         * came, on flows that cut messages. */
        f->lim_at  = NEVER;
        if (f->cfg.in_order) {
                f->lim_due = true;
                f->pop_due = true;
                f->lim_ivl = FRCT_LIM_IVL;
                f->lim_at  = now + f->lim_ivl;
        }

        if (frct_tx_init(f) < 0) {
                free(f);
                return -ENOMEM;
        }
        if (frct_rx_init(f) < 0) {
                frct_tx_fini(f);
                free(f);
                return -ENOMEM;
        }

        *fp = f;

        return 0;
}

void frct_destroy(struct frct * f)
{
        if (f == NULL)
                return;

        frct_tx_fini(f);
        frct_rx_fini(f);
        free(f);
}

int frct_set_flags(struct frct * f,
                   uint16_t      flags)
{
        if (flags & ~FLAGS_ALL)
                return -EINVAL;
        if ((flags & FRCT_F_RTX) && !f->cfg.reliable)
                return -EINVAL;

        f->flags = flags;
        if (f->cfg.reliable)
                frct_tx_set_rtx(f, flags & FRCT_F_RTX);

        return 0;
}

uint16_t frct_flags(const struct frct * f)
{
        return f->flags;
}

size_t frct_max_send(const struct frct * f)
{
        if (f->peer_lim > 0 && f->peer_lim < f->cfg.max_msg)
                return f->peer_lim;

        return f->cfg.max_msg;
}

/* Whether a message of len bytes may go at all: 0, -EMSGSIZE (over
 * this end's or the peer's limit), -EAGAIN (over the floor while the
 * peer's limit is not known). */
static int size_ok(const struct frct * f,
                   size_t              len)
{
        if (len > frct_max_send(f) || (!f->cfg.in_order && len > f->mss))
                return -EMSGSIZE;
        if (f->cfg.in_order && f->peer_lim == 0 && len > FRCT_MAX_MSG_MIN)
                return -EAGAIN;

        return 0;
}

bool frct_writable(const struct frct * f,
                   size_t              len)
{
        if (f->gone || size_ok(f, len) < 0)
                return false;

        return frct_tx_writable(f, len);
}

ssize_t frct_send(struct frct * f,
                  const void *  buf,
                  size_t        len,
                  uint64_t      now)
{
        (void) now;

        int r;

        if (f->gone)
                return -EFLOWPEER;
        r = size_ok(f, len);
        if (r == -EMSGSIZE)
                return r;
        if (len == 0)   /* frct_next_len would read it as none */
                return 0;
        if (buf == NULL)
                return -EINVAL;
        if (r < 0 || !frct_tx_writable(f, len)) {
                f->want_write = true;
                f->want_len   = len;
                return -EAGAIN;
        }

        return frct_tx_send(f, buf, len);
}

static bool has_ack(const struct frct * f)
{
        return f->cfg.reliable && f->synced;
}

/* Builds the next packet's header in h, its payload at pay: the
 * payload's length, -EAGAIN when nothing is due. */
static ssize_t next_pkt(struct frct *     f,
                        struct frct_hdr * h,
                        uint8_t *         pay,
                        size_t            cap,
                        uint64_t          now)
{
        ssize_t n;

        memset(h, 0, sizeof(*h));
        if (f->skip_now) {
                f->skip_now = false;
                h->flags = FRCT_SKIP | FRCT_FL_SEQ;
                h->seq   = f->skip_seq;
                n = 0;
        } else if (f->lim_due) {
                h->flags = has_ack(f) ? FRCT_ACK : FRCT_KA;
                n = 0;
        } else {
                n = frct_tx_next(f, h, pay, cap, now);
                if (n == -EAGAIN && f->ack_now && has_ack(f))
                        h->flags = FRCT_ACK;
                else if (n == -EAGAIN && f->ka_now)
                        h->flags = FRCT_KA;
                else if (n < 0)
                        return n;
                if (n < 0)
                        n = 0;
        }

        if (has_ack(f))
                frct_rx_fill_ack(f, h);
        /* LIM: when due, and on every keepalive. */
        if (f->cfg.in_order && !(h->flags & FRCT_FL_SEQ) &&
            (f->lim_due || frct_hdr_type(h) == FRCT_KA)) {
                f->lim_due = false;
                h->flags  |= FRCT_FL_ISN;
                h->lim     = (uint32_t) f->cfg.max_msg |
                        (f->peer_lim == 0 ? FRCT_LIM_ASK : 0);
        }
        if (f->cfg.crc)
                h->flags |= FRCT_FL_CRC;

        return n;
}

ssize_t frct_pop(struct frct * f,
                 uint8_t *     buf,
                 size_t        cap,
                 uint64_t      now)
{
        struct frct_hdr h;
        size_t          hmax = f->cfg.mtu - f->mss -
                (f->cfg.crc ? FRCT_CRC_LEN : 0);
        ssize_t         n;
        ssize_t         hl;

        if (f->gone)
                return 0;
        if (buf == NULL || cap < f->cfg.mtu)
                return -EINVAL;

        if (f->ack_at <= now) {
                f->ack_now = has_ack(f);
                f->ack_at  = NEVER;
        }

        n = next_pkt(f, &h, buf + hmax, f->mss, now);
        if (n == -EAGAIN) {
                f->ack_now = false;
                f->ka_now  = false;
                f->pop_due = false;
                return 0;
        }
        if (n < 0)
                return n;

        hl = frct_hdr_put(buf, hmax, &h);
        if (hl < 0)
                return hl;
        if (n > 0)
                memmove(buf + hl, buf + hmax, (size_t) n);
        n += hl;
        if (f->cfg.crc)
                n = (ssize_t) frct_crc_put(buf, (size_t) n);

        if (h.flags & FRCT_FL_ACK) {
                f->ack_now = false;
                f->ack_at  = NEVER;
                f->unacked = 0;
        }
        if (frct_hdr_type(&h) == FRCT_KA)
                f->st.ka_tx++;
        f->ka_now  = false;
        f->last_tx = now;
        f->st.tx_pkts++;
        f->st.tx_bytes += (uint64_t) n;

        return n;
}

static int check_flags(const struct frct *     f,
                       const struct frct_hdr * h)
{
        bool crc = h->flags & FRCT_FL_CRC;

        if (crc != f->cfg.crc)
                return -EBADMSG;
        if ((h->flags & FRCT_FL_ACK) && !f->cfg.reliable)
                return -EBADMSG;
        if (frct_hdr_type(h) == FRCT_SKIP && !f->cfg.reliable)
                return -EBADMSG;
        if ((h->flags & FRCT_FL_ISN) && !(h->flags & FRCT_FL_SEQ) &&
            !f->cfg.in_order)
                return -EBADMSG;   /* LIM on a raw flow */

        return 0;
}

static int take(struct frct *           f,
                const struct frct_hdr * h,
                const uint8_t *         pay,
                size_t                  plen,
                uint64_t                now)
{
        if ((h->flags & FRCT_FL_ACK) && frct_tx_ack(f, h, now) < 0)
                return -EBADMSG;
        if ((h->flags & FRCT_FL_ISN) && !(h->flags & FRCT_FL_SEQ)) {
                f->peer_lim = h->lim & FRCT_LIM_MASK;
                f->lim_at   = NEVER;
                if (h->lim & FRCT_LIM_ASK)   /* answered at once */
                        f->lim_due = f->pop_due = true;
        }

        switch (frct_hdr_type(h)) {
        case FRCT_DATA:
                return frct_rx_data(f, h, pay, plen, now);
        case FRCT_KA:
                f->st.ka_rx++;
                f->ack_now = has_ack(f);
                return 0;
        case FRCT_SKIP:
                return frct_rx_skip(f, h);
        default:
                return 0;
        }
}

int frct_rcv(struct frct *   f,
             const uint8_t * pkt,
             size_t          len,
             uint64_t        now)
{
        struct frct_hdr h;
        size_t          off;
        size_t          plen;
        int             r;

        if (f->gone)
                return 0;
        if (pkt == NULL)
                return -EINVAL;

        if (frct_parse(pkt, len, &h, &off, &plen) < 0 ||
            check_flags(f, &h) < 0) {
                f->st.rx_bad++;
                return -EBADMSG;
        }

        r = take(f, &h, pkt + off, plen, now);
        if (r == -EBADMSG)
                f->st.rx_bad++;
        if (r < 0)
                return r;

        f->st.rx_pkts++;
        if (now > f->last_rx)
                f->last_rx = now;
        if (f->want_write && (frct_writable(f, f->want_len) ||
                              size_ok(f, f->want_len) == -EMSGSIZE)) {
                f->want_write = false;
                f->ev |= FRCT_EV_WRITE;
        }

        return 0;
}

ssize_t frct_next_len(const struct frct * f)
{
        if (f->gone)
                return -EFLOWPEER;

        return frct_rx_next_len(f);
}

ssize_t frct_read(struct frct * f,
                  void *        buf,
                  size_t        cap,
                  uint64_t      now)
{
        if (f->gone)
                return -EFLOWPEER;
        if (buf == NULL && cap > 0)
                return -EINVAL;

        return frct_rx_read(f, buf, cap, now);
}

static uint64_t min64(uint64_t a,
                      uint64_t b)
{
        return a < b ? a : b;
}

uint64_t frct_deadline(const struct frct * f)
{
        uint64_t d;
        uint64_t to = f->cfg.peer_timeout_ms * MS;

        if (f->gone)
                return NEVER;
        if (f->ev != 0 || f->pop_due)
                return 0;

        d = min64(frct_tx_deadline(f), frct_rx_deadline(f));
        d = min64(d, f->lim_at);
        if (to > 0) {
                d = min64(d, f->last_rx + to);
                d = min64(d, f->last_tx + to / 4);
        }

        return d;
}

int frct_tick(struct frct * f,
              uint64_t      now)
{
        uint64_t to = f->cfg.peer_timeout_ms * MS;
        int      ev;

        if (f->gone)
                return 0;

        if (to > 0 && now >= f->last_rx + to) {
                f->gone = true;
                f->ev   = 0;
                return FRCT_EV_PEER;
        }

        frct_tx_tick(f, now);
        frct_rx_tick(f, now);

        if (now >= f->lim_at) {   /* the peer's LIM has not come */
                f->lim_due = true;
                f->lim_ivl = f->lim_ivl * 2 > FRCT_LIM_IVL_MAX ?
                        FRCT_LIM_IVL_MAX : f->lim_ivl * 2;
                f->lim_at  = now + f->lim_ivl;
        }

        if (to > 0 && now >= f->last_tx + to / 4)
                f->ka_now = true;
        /* What the tick made due stays due until popped: a caller that
         * cannot send it at once (another thread holds the output)
         * sees the deadline now, not the next timer, which may be the
         * keepalive once acks took everything in flight. */
        f->pop_due = f->skip_now || f->ka_now || f->lim_due ||
                (f->ack_now && has_ack(f)) || frct_tx_due(f, now);
        if (f->want_write && frct_writable(f, f->want_len)) {
                f->want_write = false;
                f->ev |= FRCT_EV_WRITE;
        }

        ev    = f->ev;
        f->ev = 0;

        return ev;
}

void frct_sent(struct frct * f,
               uint64_t      now)
{
        if (now > f->last_tx)
                f->last_tx = now;
}

bool frct_flushed(const struct frct * f)
{
        return !f->cfg.reliable || f->una == f->end;
}

bool frct_ack_due(const struct frct * f)
{
        return (f->ack_now && has_ack(f)) || f->lim_due;
}

bool frct_peer_gone(const struct frct * f)
{
        return f->gone;
}

void frct_stats(const struct frct * f,
                struct frct_stats * st)
{
        *st = f->st;
        st->srtt_us = (uint32_t) (f->rtt.srtt / 1000);
        st->rto_us  = (uint32_t) (frct_rtt_rto(&f->rtt, f->backoff) / 1000);
        st->cwnd    = f->cfg.reliable ? frct_cc_cwnd(&f->cc) : 0;
        st->snd_wnd = f->snd_wnd > f->flight ?
                (uint32_t) (f->snd_wnd - f->flight) : 0;
}
