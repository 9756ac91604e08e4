/*
 * Ouroboros - FRCT receiving: the reordering buffer, reassembly of
 * messages, the acknowledgements and window this end gives, and reads.
 *
 * Packets of in_order flows wait in a ring indexed by sequence number,
 * [rcv_nxt, rcv_high), at most FRCT_SEQ_WND ahead; the ring grows on
 * demand up to that. In-order packets leave it for the message being
 * reassembled (a list of packets, no copy), and whole messages join the
 * ready list that frct_read takes from. A raw flow's packet is a message
 * of its own. An empty message is dropped: frct_next_len could not tell
 * it from none (frct_send sends none).
 *
 * Memory: every packet held (ring, message being reassembled, ready
 * list) costs its payload and FRCT_PKT_COST against wnd (rcv_wnd, at
 * least max_msg so that the largest message fits); a packet that would
 * go beyond it is dropped, so a flow holds at most wnd, however small
 * its messages. The window advertised is what is left of wnd beyond
 * what is held in order (ready and being reassembled), from the ack on,
 * in payload bytes of full packets: a sender that keeps to it with full
 * packets never has one dropped here for room. A reliable flow keeps a
 * packet's room (gap_room) that packets after a gap never take, for the
 * one that fills it: else smaller packets (message ends), which cost
 * more than their payload, could fill the memory with SACKed packets
 * after a gap whose retransmission is then dropped for ever.
 *
 * Gaps: a reliable flow waits for the retransmission (or a SKIP, when
 * the peer cleared RTX). An in_order flow that is not reliable waits
 * max_gap ms after a later packet arrived (0: for ever, unless the
 * buffer fills), then gives up on the missing packets and any message
 * they were part of. A packet beyond the window on such a flow moves
 * the window up to it (the peer moved on).
 *
 * Acks: at once for a packet out of order, a duplicate, or one that
 * fills a gap; else every FRCT_ACK_EVERY packets or FRCT_ACK_DELAY
 * after the first one unacked. SACK blocks: the one holding the most
 * recent packet first, then the lowest others (RFC 2018).
 */
#include "frct_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static struct rxpkt ** rslot(const struct frct * f,
                             uint32_t            s)
{
        return &f->rq[s & (f->rcap - 1)];
}

static bool present(const struct frct * f,
                    uint32_t            s)
{
        return !seq_before(s, f->rcv_nxt) && seq_before(s, f->rcv_high) &&
                *rslot(f, s) != NULL;
}

/* Held in order: ready and being reassembled. */
static size_t in_order(const struct frct * f)
{
        return f->ready_cost + rxmsg_cost(&f->part);
}

static size_t held(const struct frct * f)
{
        return in_order(f) + f->ooo;
}

int frct_rx_init(struct frct * f)
{
        f->rcap = 64;
        f->rq   = calloc(f->rcap, sizeof(*f->rq));
        if (f->rq == NULL)
                return -ENOMEM;

        f->ack_at    = NEVER;
        f->gap_since = NEVER;
        f->adv_wnd   = frct_wnd_payload(f->wnd, f->mss);

        return 0;
}

static void pkts_free(struct rxpkt * p)
{
        while (p != NULL) {
                struct rxpkt * n = p->next;
                free(p);
                p = n;
        }
}

static void part_drop(struct frct * f)
{
        pkts_free(f->part.head);
        memset(&f->part, 0, sizeof(f->part));
        f->in_msg = false;
}

void frct_rx_fini(struct frct * f)
{
        uint32_t s;

        if (f->synced)
                for (s = f->rcv_nxt; s != f->rcv_high; ++s)
                        free(*rslot(f, s));
        free(f->rq);
        part_drop(f);
        while (f->ready != NULL) {
                struct rxmsg * m = f->ready;
                f->ready = m->next;
                pkts_free(m->head);
                free(m);
        }
}

static int rgrow(struct frct * f,
                 uint32_t      d)
{
        uint32_t        cap = f->rcap;
        struct rxpkt ** q;
        uint32_t        s;

        while (cap <= d)
                cap *= 2;
        q = calloc(cap, sizeof(*q));
        if (q == NULL)
                return -ENOMEM;
        for (s = f->rcv_nxt; s != f->rcv_high; ++s)
                q[s & (cap - 1)] = *rslot(f, s);
        free(f->rq);
        f->rq   = q;
        f->rcap = cap;

        return 0;
}

static void ready_push(struct frct *  f,
                       struct rxmsg * m)
{
        m->next = NULL;
        if (f->ready_tail != NULL)
                f->ready_tail->next = m;
        else
                f->ready = m;
        f->ready_tail    = m;
        f->ready_bytes  += m->len;
        f->ready_cost   += rxmsg_cost(m);
}

/* Adds an in-order packet to the message being reassembled (taking it
 * over), a whole message to the ready list. */
static void reasm(struct frct *  f,
                  struct rxpkt * p)
{
        struct rxmsg * m;

        if (p->fl & FRCT_FL_FIRST) {
                if (f->in_msg) {   /* a message without its last */
                        part_drop(f);
                        f->st.rx_bad++;
                }
                f->in_msg = true;
        } else if (!f->in_msg) {   /* the rest of a message given up */
                free(p);
                return;
        }

        p->next = NULL;
        if (f->part.tail != NULL)
                f->part.tail->next = p;
        else
                f->part.head = p;
        f->part.tail = p;
        f->part.len += p->len;
        f->part.npkts++;

        if (f->part.len > f->cfg.max_msg) {
                part_drop(f);
                f->st.rx_bad++;
                return;
        }
        if (!(p->fl & FRCT_FL_LAST))
                return;

        m = f->part.len > 0 ? malloc(sizeof(*m)) : NULL;
        if (m == NULL) {    /* empty (never sent), or no memory */
                part_drop(f);
                return;
        }
        *m = f->part;
        memset(&f->part, 0, sizeof(f->part));
        f->in_msg = false;
        ready_push(f, m);
}

static struct rxpkt * take(struct frct * f,
                           uint32_t      s)
{
        struct rxpkt * p = *rslot(f, s);

        *rslot(f, s) = NULL;
        f->ooo -= p->len + FRCT_PKT_COST;

        return p;
}

/* Delivers what is in order. */
static void advance(struct frct * f)
{
        while (f->rcv_nxt != f->rcv_high && *rslot(f, f->rcv_nxt) != NULL) {
                reasm(f, take(f, f->rcv_nxt));
                f->rcv_nxt++;
        }
}

/* Stops waiting for anything before target. */
static void skip_to(struct frct * f,
                    uint32_t      target)
{
        while (seq_before(f->rcv_nxt, target) &&
               seq_before(f->rcv_nxt, f->rcv_high)) {
                if (*rslot(f, f->rcv_nxt) != NULL) {
                        reasm(f, take(f, f->rcv_nxt));
                } else {
                        f->st.rx_skipped++;
                        if (f->in_msg)
                                part_drop(f);
                }
                f->rcv_nxt++;
        }
        if (seq_before(f->rcv_nxt, target)) {  /* nothing held there */
                f->st.rx_skipped += target - f->rcv_nxt;
                if (f->in_msg)
                        part_drop(f);
                f->rcv_nxt = f->rcv_high = target;
        }
        advance(f);
}

/* When the first packet held beyond the gap at rcv_nxt arrived (the
 * time its gap's max_gap counts from), NEVER if there is no gap. Each
 * gap waits max_gap from the arrival of the packet after it, not from
 * when the gap before it was given up on: losses close together cost
 * max_gap once, not once each. */
static uint64_t gap_start(const struct frct * f)
{
        uint32_t s;

        for (s = f->rcv_nxt; s != f->rcv_high; s++)
                if (*rslot(f, s) != NULL)
                        return (*rslot(f, s))->at;

        return NEVER;
}

/* Gives up on the missing packets up to the next one held. */
static void skip_gap(struct frct * f)
{
        while (f->rcv_nxt != f->rcv_high && *rslot(f, f->rcv_nxt) == NULL) {
                f->st.rx_skipped++;
                if (f->in_msg)
                        part_drop(f);
                f->rcv_nxt++;
        }
        advance(f);
}

static struct rxpkt * pkt_new(const struct frct_hdr * h,
                              const uint8_t *         data,
                              size_t                  len)
{
        struct rxpkt * p = malloc(sizeof(*p) + len);

        if (p == NULL)
                return NULL;
        p->next = NULL;
        p->len  = (uint32_t) len;
        p->fl   = h->flags & (FRCT_FL_FIRST | FRCT_FL_LAST);
        if (len > 0)
                memcpy(p->data, data, len);

        return p;
}

static int rx_raw(struct frct *           f,
                  const struct frct_hdr * h,
                  const uint8_t *         data,
                  size_t                  len)
{
        struct rxpkt * p;
        struct rxmsg * m;

        if (h->flags & FRCT_FL_SEQ)
                return -EBADMSG;
        if (len == 0)   /* a reader could not tell it from none */
                return 0;
        if (held(f) + len + FRCT_PKT_COST > f->wnd) {
                f->st.rx_bad++;   /* the reader is behind: dropped */
                return 0;
        }

        p = pkt_new(h, data, len);
        m = malloc(sizeof(*m));
        if (p == NULL || m == NULL) {
                free(p);
                free(m);
                return -ENOMEM;
        }
        m->head  = m->tail = p;
        m->len   = len;
        m->npkts = 1;
        ready_push(f, m);

        return 0;
}

static int sync_start(struct frct *           f,
                      const struct frct_hdr * h)
{
        if (f->synced) {
                if ((h->flags & FRCT_FL_ISN) && f->isn_known &&
                    h->isn != f->peer_isn)
                        return -EBADMSG;
                return 0;
        }

        if (h->flags & FRCT_FL_ISN) {
                if ((uint32_t) (h->seq - h->isn) >= FRCT_SEQ_WND)
                        return -EBADMSG;
                f->rcv_nxt   = h->isn;
                f->peer_isn  = h->isn;
                f->isn_known = true;
        } else if (f->cfg.reliable) {
                return -EBADMSG;  /* the sender would still send it */
        } else {
                f->rcv_nxt = h->seq;
        }
        f->rcv_high = f->last_seq = f->rcv_nxt;
        f->synced   = true;

        return 0;
}

/* What a reliable flow keeps free for the packet at rcv_nxt: the
 * packets after a gap never take it, so the gap can always be filled
 * (were they to fill the memory, its retransmission would find no
 * room, and they were SACKed: the sender freed them). */
static size_t gap_room(const struct frct * f)
{
        return f->cfg.reliable ? f->mss + FRCT_PKT_COST : 0;
}

/* No room for a packet (d after rcv_nxt): an unreliable flow stops
 * waiting for its gap (memory wins over max_gap); else it is dropped. */
static bool room(struct frct * f,
                 size_t        len,
                 int32_t       d)
{
        len += FRCT_PKT_COST + (d > 0 ? gap_room(f) : 0);
        if (held(f) + len <= f->wnd)
                return true;
        if (!f->cfg.reliable && f->rcv_nxt != f->rcv_high) {
                skip_gap(f);
                if (held(f) + len <= f->wnd)
                        return true;
        }
        f->st.rx_bad++;

        return false;
}

static void acked_later(struct frct * f,
                        uint64_t      now)
{
        if (++f->unacked >= FRCT_ACK_EVERY)
                f->ack_now = true;
        else if (f->ack_at == NEVER)
                f->ack_at = now + FRCT_ACK_DELAY;
}

int frct_rx_data(struct frct *           f,
                 const struct frct_hdr * h,
                 const uint8_t *         data,
                 size_t                  len,
                 uint64_t                now)
{
        bool           rel = f->cfg.reliable;
        struct rxpkt * p;
        int32_t        d;

        if (!f->cfg.in_order)
                return rx_raw(f, h, data, len);
        if (!(h->flags & FRCT_FL_SEQ) || sync_start(f, h) < 0)
                return -EBADMSG;

        d = seq_diff(h->seq, f->rcv_nxt);
        if (d >= 0 && (uint32_t) d >= FRCT_SEQ_WND) {
                if (rel)
                        return -EBADMSG;
                skip_to(f, h->seq - FRCT_SEQ_WND + 1);
                d = seq_diff(h->seq, f->rcv_nxt);
        }
        if (d < 0 || present(f, h->seq)) {
                f->st.rx_dups++;
                f->ack_now = rel;
                return 0;
        }
        if (!room(f, len, d)) {
                f->ack_now = rel;
                return 0;
        }
        d = seq_diff(h->seq, f->rcv_nxt);   /* room() may skip */
        if (d < 0) {
                f->st.rx_dups++;
                return 0;
        }
        if ((uint32_t) d >= f->rcap && rgrow(f, (uint32_t) d) < 0)
                return -ENOMEM;

        p = pkt_new(h, data, len);
        if (p == NULL)
                return -ENOMEM;
        p->at = now;
        *rslot(f, h->seq) = p;
        f->ooo     += len + FRCT_PKT_COST;
        f->last_seq = h->seq;
        if (!seq_before(h->seq, f->rcv_high))
                f->rcv_high = h->seq + 1;

        if (d == 0) {
                bool gap = f->rcv_high != h->seq + 1;
                advance(f);
                if (rel && (gap || f->rcv_nxt != f->rcv_high))
                        f->ack_now = true;
                else if (rel)
                        acked_later(f, now);
                f->gap_since = gap_start(f);
        } else {
                f->ack_now = rel;
                if (f->gap_since == NEVER)
                        f->gap_since = now;
        }

        return 0;
}

int frct_rx_skip(struct frct *           f,
                 const struct frct_hdr * h)
{
        int32_t d;

        if (!f->cfg.reliable)
                return -EBADMSG;
        if (!f->synced)
                return 0;

        d = seq_diff(h->seq, f->rcv_nxt);
        if (d > 0 && (uint32_t) d > FRCT_SEQ_WND)
                return -EBADMSG;
        if (d > 0)
                skip_to(f, h->seq);
        f->ack_now = true;

        return 0;
}

static uint32_t window(const struct frct * f)
{
        size_t used = in_order(f) + gap_room(f);

        return frct_wnd_payload(used < f->wnd ? f->wnd - used : 0, f->mss);
}

static void fill_sacks(const struct frct * f,
                       struct frct_hdr *   h)
{
        uint32_t s;
        uint32_t b;

        h->nsack = 0;
        if (present(f, f->last_seq) && f->last_seq != f->rcv_nxt) {
                s = b = f->last_seq;
                while (present(f, b - 1))
                        --b;
                while (present(f, s + 1))
                        ++s;
                h->sack[0].start = b;
                h->sack[0].end   = s + 1;
                h->nsack = 1;
        }

        s = f->rcv_nxt;
        while (h->nsack < FRCT_SACK_MAX && seq_before(s, f->rcv_high)) {
                if (*rslot(f, s) == NULL) {
                        ++s;
                        continue;
                }
                for (b = s; seq_before(s, f->rcv_high) && *rslot(f, s); ++s)
                        ;
                if (h->nsack > 0 && h->sack[0].start == b)
                        continue;
                h->sack[h->nsack].start = b;
                h->sack[h->nsack].end   = s;
                h->nsack++;
        }
}

void frct_rx_fill_ack(struct frct *     f,
                      struct frct_hdr * h)
{
        h->flags |= FRCT_FL_ACK;
        h->ack    = f->rcv_nxt;
        h->wnd    = window(f);
        f->adv_wnd = h->wnd;
        fill_sacks(f, h);
}

ssize_t frct_rx_next_len(const struct frct * f)
{
        return f->ready == NULL ? 0 : (ssize_t) f->ready->len;
}

ssize_t frct_rx_read(struct frct * f,
                     void *        buf,
                     size_t        cap,
                     uint64_t      now)
{
        struct rxmsg * m = f->ready;
        struct rxpkt * p;
        uint8_t *      o = buf;
        size_t         len;
        uint32_t       w;

        if (m == NULL)
                return -EAGAIN;
        if (m->len > cap)
                return -EMSGSIZE;

        for (p = m->head; p != NULL; p = p->next) {
                if (p->len > 0)
                        memcpy(o, p->data, p->len);
                o += p->len;
        }
        len = m->len;
        f->ready = m->next;
        if (f->ready == NULL)
                f->ready_tail = NULL;
        f->ready_bytes -= len;
        f->ready_cost  -= rxmsg_cost(m);
        pkts_free(m->head);
        free(m);

        /* Tell a sender the window may have held up that it opened. */
        w = window(f);
        if (f->cfg.reliable && f->synced && f->adv_wnd < f->wnd / 2 &&
            w >= f->adv_wnd + 2 * f->mss && f->ack_at > now)
                f->ack_at = now;

        return (ssize_t) len;
}

void frct_rx_tick(struct frct * f,
                  uint64_t      now)
{
        if (f->ack_at <= now) {
                f->ack_now = f->cfg.reliable && f->synced;
                f->ack_at  = NEVER;
        }

        while (!f->cfg.reliable && f->cfg.max_gap_ms > 0 &&
               f->gap_since != NEVER &&
               now >= f->gap_since + f->cfg.max_gap_ms * 1000000ull) {
                struct rxmsg * tail = f->ready_tail;
                uint32_t       nxt  = f->rcv_nxt;
                skip_gap(f);
                if (f->ready_tail != tail)
                        f->ev |= FRCT_EV_READ;
                f->gap_since = gap_start(f);
                if (f->rcv_nxt == nxt) {   /* nothing was missing */
                        if (f->gap_since != NEVER)
                                f->gap_since = now;
                        break;
                }
        }
}

uint64_t frct_rx_deadline(const struct frct * f)
{
        uint64_t d = f->ack_at;
        uint64_t g;

        if (!f->cfg.reliable && f->cfg.max_gap_ms > 0 &&
            f->gap_since != NEVER) {
                g = f->gap_since + f->cfg.max_gap_ms * 1000000ull;
                if (g < d)
                        d = g;
        }

        return d;
}
