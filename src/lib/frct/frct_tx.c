/*
 * Ouroboros - FRCT sending: the send queue, what acknowledgements do to
 * it, loss detection and retransmission.
 *
 * The queue is a ring of packets indexed by sequence number, [una, end):
 * [una, nxt) sent and not cumulatively acknowledged, [nxt, end) not sent
 * yet. A message is cut into packets of at most mss bytes when it is
 * queued. On a flow that is not reliable a packet is freed as soon as it
 * is handed out (una = nxt).
 *
 * Loss detection on reliable flows is RACK-like (RFC 8985): a packet in
 * flight is lost when a packet sent after it has been delivered (acked
 * or SACKed) and it is older than that packet's RTT plus a reordering
 * window (min RTT / 4, widened in steps when a retransmission proves
 * spurious: its ack came sooner than half the min RTT after it, i.e.
 * the original had arrived); a timer covers the packets not old enough
 * yet. When every retransmission of a recovery proves spurious (the
 * path reordered, it did not lose), the window reduction is undone
 * (as Linux does on DSACK). Time rather than a count of duplicate acks, so that a path that
 * reorders (jitter) does not cost a window reduction for every packet
 * overtaken. A tail loss probe (RFC 8985 section 7) resends the last
 * packet in flight when no ack came for two smoothed RTTs, so a loss at
 * the end of a burst is found by RACK from the probe's SACK rather than
 * by the timeout. The retransmission timeout (RFC 6298, frct_rtt.c)
 * marks everything in flight lost and restarts from one packet.
 *
 * The pipe (packets in flight, RFC 6675) counts TX_FLIGHT packets only:
 * SACKed and lost ones have left the network. A packet is sent (new or
 * again) while pipe < cwnd; new data also needs room in the peer's
 * window (RESCNTL), counted in payload bytes from una, and fewer than
 * FRCT_SEQ_WND packets outstanding.
 *
 * Acks are checked before anything is taken from them: an ack of data
 * never sent (beyond nxt) or a SACK block outside (ack, nxt] drops the
 * whole packet (counted as bad by the caller); an ack below una is old
 * and ignored. So a forged ack can neither free unsent data nor grow any
 * state.
 */
#include "frct_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define REO_STEPS_MAX 8

static struct txpkt * slot(const struct frct * f,
                           uint32_t            s)
{
        return &f->tq[s & (f->tcap - 1)];
}

static bool reliable(const struct frct * f)
{
        return f->cfg.reliable;
}

int frct_tx_init(struct frct * f)
{
        f->tcap = 64;
        f->tq   = calloc(f->tcap, sizeof(*f->tq));
        if (f->tq == NULL)
                return -ENOMEM;

        f->una = f->nxt = f->end = f->rtx_hint = f->isn;
        f->snd_wnd   = frct_wnd_payload(f->wnd, f->mss);  /* the peer's */
        f->rto_at    = NEVER;
        f->rack_at   = NEVER;
        f->tlp_at    = NEVER;
        f->rtx_high  = f->isn - 1;
        f->round_end = f->isn;
        f->probe_at  = NEVER;
        f->pace_at   = NEVER;
        f->pace_tok  = FRCT_PACE_BURST;
        f->reo_steps = 1;
        frct_rtt_init(&f->rtt);
        frct_cc_init(&f->cc);

        return 0;
}

void frct_tx_fini(struct frct * f)
{
        uint32_t s;

        for (s = f->una; s != f->end; ++s)
                free(slot(f, s)->data);
        free(f->tq);
}

/* Room in the ring for n more packets. */
static int grow(struct frct * f,
                uint32_t      n)
{
        uint32_t       used = f->end - f->una;
        uint32_t       cap  = f->tcap;
        struct txpkt * q;
        uint32_t       s;

        while (cap - used < n) {
                if (cap >= (1u << 30))
                        return -ENOMEM;
                cap *= 2;
        }
        if (cap == f->tcap)
                return 0;

        q = calloc(cap, sizeof(*q));
        if (q == NULL)
                return -ENOMEM;
        for (s = f->una; s != f->end; ++s)
                q[s & (cap - 1)] = *slot(f, s);
        free(f->tq);
        f->tq   = q;
        f->tcap = cap;

        return 0;
}

ssize_t frct_tx_send(struct frct * f,
                     const void *  buf,
                     size_t        len)
{
        const uint8_t * p    = buf;
        size_t          left = len;
        uint32_t        n;
        uint32_t        i;

        n = len == 0 ? 1 : (uint32_t) ((len + f->mss - 1) / f->mss);
        if (grow(f, n) < 0)
                return -ENOMEM;

        for (i = 0; i < n; ++i) {
                struct txpkt * t = slot(f, f->end + i);
                size_t         l = left < f->mss ? left : f->mss;

                t->data = malloc(l > 0 ? l : 1);
                if (t->data == NULL) {
                        while (i-- > 0) {
                                free(slot(f, f->end + i)->data);
                                slot(f, f->end + i)->data = NULL;
                        }
                        return -ENOMEM;
                }
                if (l > 0)
                        memcpy(t->data, p, l);
                t->len  = (uint32_t) l;
                t->fl   = (i == 0 ? FRCT_FL_FIRST : 0) |
                        (i == n - 1 ? FRCT_FL_LAST : 0);
                t->st   = TX_UNSENT;
                t->ntx  = 0;
                t->xmit = 0;
                p    += l;
                left -= l;
        }

        f->end    += n;
        f->unsent += len;

        return (ssize_t) len;
}

bool frct_tx_writable(const struct frct * f,
                      size_t              len)
{
        size_t lim;

        if (f->unsent == 0)
                return true;

        if (!reliable(f)) {
                lim = f->wnd;
        } else {
                /* Two windows' worth, so that acks find data to clock
                 * out while the writer is being woken; at least
                 * FRCT_SND_MIN; no more than the peer takes. */
                lim = 2 * (size_t) frct_cc_cwnd(&f->cc) * f->mss;
                if (lim < FRCT_SND_MIN)
                        lim = FRCT_SND_MIN;
                if ((f->flags & FRCT_F_RESCNTL) && lim > f->snd_wnd)
                        lim = f->snd_wnd;
        }

        return f->unsent + len <= lim;
}

static bool window_blocked(const struct frct * f)
{
        return (f->flags & FRCT_F_RESCNTL) && f->nxt != f->end &&
                f->flight + slot(f, f->nxt)->len > f->snd_wnd;
}

static bool can_new(const struct frct * f)
{
        if (f->nxt == f->end)
                return false;
        if (!reliable(f))
                return true;
        if (f->pipe >= frct_cc_cwnd(&f->cc))
                return false;
        if (f->nxt - f->una >= FRCT_SEQ_WND)
                return false;

        return !window_blocked(f);
}

/* A lost packet waits and the window lets it go. */
static bool rtx_due(const struct frct * f)
{
        return reliable(f) && (f->flags & FRCT_F_RTX) && f->nlost > 0 &&
                f->pipe < frct_cc_cwnd(&f->cc);
}

bool frct_tx_due(const struct frct * f,
                 uint64_t            now)
{
        if (!rtx_due(f) && !can_new(f))
                return false;

        return !reliable(f) || f->pace_at == NEVER || f->pace_at <= now;
}

/* The probe timeout: two smoothed RTTs, and the peer's ack delay
 * when a single packet is out; never beyond the RTO. */
static uint64_t pto(const struct frct * f)
{
        uint64_t p = 2 * f->rtt.srtt;
        uint64_t rto = frct_rtt_rto(&f->rtt, f->backoff);

        if (f->pipe <= 1)
                p += FRCT_ACK_DELAY;
        if (p < 2 * FRCT_G)
                p = 2 * FRCT_G;

        return p < rto ? p : rto;
}

static uint32_t find_lost(struct frct * f)
{
        uint32_t s = f->rtx_hint;

        if (seq_before(s, f->una) || seq_before(f->nxt, s))
                s = f->una;
        while (s != f->nxt && slot(f, s)->st != TX_LOST)
                ++s;
        if (s == f->nxt) { /* the hint was wrong: look from una */
                for (s = f->una; slot(f, s)->st != TX_LOST; ++s)
                        ;
        }

        return s;
}

static void put_hdr(const struct frct * f,
                    struct frct_hdr *   h,
                    uint32_t            s,
                    const struct txpkt * t)
{
        memset(h, 0, sizeof(*h));
        h->flags = FRCT_DATA;
        if (!f->cfg.in_order)
                return;

        h->flags |= FRCT_FL_SEQ | t->fl;
        h->seq    = s;
        if (reliable(f) ? f->una == f->isn :
            (uint32_t) (s - f->isn) < FRCT_ISN_PKTS) {
                h->flags |= FRCT_FL_ISN;
                h->isn    = f->isn;
        }
}

/*
 * Pacing: whether the next data packet of a reliable flow is held back
 * (then pace_at says until when). Tokens accrue at gain * cwnd / srtt
 * packets (gain 2 in slow start, 1.25 after, as Linux paces), at most
 * FRCT_PACE_BURST of them, and each packet sent takes one. An ack
 * clock that runs evenly finds tokens ready and never waits; an ack
 * that opens the window by many packets at once (the receiver read a
 * batch: one ack for all of it) gets a burst of FRCT_PACE_BURST, the
 * rest spread over the round trip in groups of FRCT_PACE_WAKE (one
 * timer wake-up each; fewer in a small window), rather than one burst the size of the window
 * that a short queue on the path (a switch port) overflows.
 */
static bool pace_hold(struct frct * f,
                      uint64_t      now)
{
        double cwnd = frct_cc_cwnd(&f->cc);
        double rate;
        double need;

        if (f->pace_at != NEVER && now < f->pace_at)
                return true;
        f->pace_at = NEVER;
        if (!f->rtt.valid || f->rtt.srtt == 0) {   /* no rate yet */
                f->pace_last = now;
                f->pace_tok  = FRCT_PACE_BURST;
                return false;
        }

        rate = (cwnd < f->cc.ssthresh ? 2.0 : 1.25) * cwnd /
                (double) f->rtt.srtt;
        if (now > f->pace_last)
                f->pace_tok += (double) (now - f->pace_last) * rate;
        if (f->pace_tok > FRCT_PACE_BURST)
                f->pace_tok = FRCT_PACE_BURST;
        f->pace_last = now;
        if (f->pace_tok >= 1.0)
                return false;

        /* Wait for FRCT_PACE_WAKE tokens, or a quarter window's when
         * that is less (never much more than srtt / 5). */
        need = cwnd / 4 < FRCT_PACE_WAKE ? cwnd / 4 : FRCT_PACE_WAKE;
        if (need < 1.0)
                need = 1.0;
        f->pace_at = now + 1 + (uint64_t) ((need - f->pace_tok) / rate);
        f->st.paced++;

        return true;
}

ssize_t frct_tx_next(struct frct *     f,
                     struct frct_hdr * h,
                     uint8_t *         buf,
                     size_t            cap,
                     uint64_t          now)
{
        struct txpkt * t;
        uint32_t       s;
        uint32_t       len;
        bool           rtx = rtx_due(f);

        if (!rtx && !can_new(f))
                return -EAGAIN;
        if (reliable(f)) {
                if (pace_hold(f, now))
                        return -EAGAIN;
                f->pace_tok -= 1.0;
        }

        if (rtx) {
                s = find_lost(f);
                t = slot(f, s);
                t->st = TX_FLIGHT;
                t->ntx++;
                f->nlost--;
                f->pipe++;
                f->rtx_hint = s + 1;
                if (seq_before(f->rtx_high, s))
                        f->rtx_high = s;
                f->st.rtx++;
                if (!f->rto_rec)
                        f->st.fast_rtx++;
                if (f->in_rec)
                        f->rec_rtx++;
        } else {
                s = f->nxt++;
                t = slot(f, s);
                f->unsent -= t->len;
                if (!reliable(f)) {
                        len = t->len;
                        if (len > cap)
                                return -ENOBUFS;
                        put_hdr(f, h, s, t);
                        memcpy(buf, t->data, len);
                        free(t->data);
                        t->data = NULL;
                        f->una  = f->nxt;
                        return len;
                }
                t->st  = TX_FLIGHT;
                t->ntx = 1;
                f->flight += t->len;
                f->pipe++;
        }

        if (t->len > cap)
                return -ENOBUFS;

        t->xmit = now;
        /* The oldest packet sent again gets a whole RTO for its ack
         * (as Linux re-arms on retransmitting the head): from its first
         * send, the loss's detection (an RTT) and the retransmission's
         * own trip through the queue that dropped it would take most
         * of the RTO, and a timeout in the middle of a recovery that
         * works restarts from one packet. */
        if (f->rto_at == NEVER || (rtx && s == f->una))
                f->rto_at = now + frct_rtt_rto(&f->rtt, f->backoff);
        if (f->rtt.valid && !f->tlp_sent && !f->in_rec)
                f->tlp_at = now + pto(f);
        put_hdr(f, h, s, t);
        memcpy(buf, t->data, t->len);

        return t->len;
}

/* A packet in flight is lost: wait for its retransmission, or, with
 * RTX cleared, give it up and tell the peer not to wait for it. */
static void mark_lost(struct frct *  f,
                      uint32_t       s,
                      struct txpkt * t)
{
        f->pipe--;
        if (f->flags & FRCT_F_RTX) {
                t->st = TX_LOST;
                f->nlost++;
                if (seq_before(s, f->rtx_hint))
                        f->rtx_hint = s;
                return;
        }

        t->st = TX_GONE;
        free(t->data);
        t->data = NULL;
        if (!f->skip_now || seq_before(f->skip_seq, s + 1))
                f->skip_seq = s + 1;
        f->skip_now = true;
}

static uint64_t reo_wnd(const struct frct * f)
{
        uint64_t w;

        if (!f->rtt.valid)
                return 0;
        w = f->rtt.min_rtt / 4 * f->reo_steps;

        return w < f->rtt.srtt ? w : f->rtt.srtt;
}

static void rack_detect(struct frct * f,
                        uint64_t      now)
{
        uint64_t reo = reo_wnd(f);
        bool     lost = false;
        uint32_t s;

        f->rack_at = NEVER;
        for (s = f->una; s != f->nxt; ++s) {
                struct txpkt * t = slot(f, s);
                uint64_t       due;
                bool           later = t->xmit > f->rack_xmit ||
                        (t->xmit == f->rack_xmit &&
                         !seq_before(s, f->rack_seq));

                /* Packets sent once go out in order of seq: past the
                 * last one sent again, the first sent later ends it. */
                if (later && t->ntx == 1 && seq_before(f->rtx_high, s))
                        break;
                if (t->st != TX_FLIGHT || later)
                        continue;
                due = t->xmit + f->rack_rtt + reo;
                if (due <= now) {
                        mark_lost(f, s, t);
                        lost = true;
                } else if (due < f->rack_at) {
                        f->rack_at = due;
                }
        }

        if (lost && !f->in_rec) {
                f->in_rec    = true;
                f->rec_point = f->nxt;
                f->cc_prior  = f->cc;
                f->undo_ok   = true;
                f->rec_rtx   = 0;
                f->rec_spur  = 0;
                frct_cc_loss(&f->cc, f->rtt.min_rtt == UINT64_MAX ? 0 :
                             f->rtt.min_rtt);
        }
}

/* A retransmission was not needed: if none of this recovery's were,
 * and none waits, it was reordering: back to the window before it. */
static void spurious(struct frct * f)
{
        if (!f->in_rec || !f->undo_ok)
                return;
        if (++f->rec_spur < f->rec_rtx || f->nlost > 0)
                return;

        f->cc      = f->cc_prior;
        f->in_rec  = false;
        f->undo_ok = false;
}

/* A packet got to the peer (acked or SACKed for the first time). */
static void delivered(struct frct *        f,
                      uint32_t             s,
                      const struct txpkt * t,
                      uint64_t             now)
{
        uint64_t rtt = now - t->xmit;

        if (t->ntx > 1 && f->rtt.valid && rtt < f->rtt.min_rtt / 2) {
                /* The original arrived: this retransmission was not
                 * needed. Wait longer for reordered packets. */
                if (f->reo_steps < REO_STEPS_MAX)
                        f->reo_steps++;
                spurious(f);
                return;
        }
        if (t->ntx == 1) {
                int new_round = !seq_before(s, f->round_end);
                if (new_round)
                        f->round_end = f->nxt;
                frct_rtt_sample(&f->rtt, rtt, now);
                frct_cc_rtt(&f->cc, rtt, new_round);
        }
        if (t->xmit > f->rack_xmit || (t->xmit == f->rack_xmit &&
            seq_before(f->rack_seq, s))) {
                f->rack_xmit = t->xmit;
                f->rack_seq  = s;
                f->rack_rtt  = rtt;
        }
}

static void leave(struct frct *  f,
                  struct txpkt * t)
{
        if (t->st == TX_FLIGHT)
                f->pipe--;
        else if (t->st == TX_LOST)
                f->nlost--;
}

static int check_ack(const struct frct *     f,
                     const struct frct_hdr * h)
{
        int i;

        if (seq_before(f->nxt, h->ack))
                return -EBADMSG;
        for (i = 0; i < h->nsack; ++i) {
                const struct frct_sack * b = &h->sack[i];
                if (!seq_before(b->start, b->end) ||
                    seq_before(f->nxt, b->end) ||
                    seq_before(b->start, h->ack))
                        return -EBADMSG;
        }

        return 0;
}

static uint32_t take_sacks(struct frct *           f,
                           const struct frct_hdr * h,
                           uint64_t                now)
{
        uint32_t newly = 0;
        uint32_t s;
        int      i;

        for (i = 0; i < h->nsack; ++i) {
                for (s = h->sack[i].start; s != h->sack[i].end; ++s) {
                        struct txpkt * t = slot(f, s);
                        if (t->st == TX_SACKED || t->st == TX_GONE)
                                continue;
                        leave(f, t);
                        t->st = TX_SACKED;
                        delivered(f, s, t, now);
                        free(t->data);
                        t->data = NULL;
                        ++newly;
                }
        }

        return newly;
}

int frct_tx_ack(struct frct *           f,
                const struct frct_hdr * h,
                uint64_t                now)
{
        uint32_t newly    = 0;
        bool     limited  = 2 * f->pipe >= frct_cc_cwnd(&f->cc);
        bool     advanced = false;

        if (seq_before(h->ack, f->una))
                return 0;   /* older than what we know */
        if (check_ack(f, h) < 0)
                return -EBADMSG;

        while (seq_before(f->una, h->ack)) {
                struct txpkt * t = slot(f, f->una);
                if (t->st != TX_SACKED && t->st != TX_GONE) {
                        leave(f, t);
                        delivered(f, f->una, t, now);
                        ++newly;
                }
                f->flight -= t->len;
                free(t->data);
                t->data = NULL;
                f->una++;
                advanced = true;
        }

        newly += take_sacks(f, h, now);
        f->snd_wnd = h->wnd;

        if (advanced) {
                f->backoff = 0;
                f->rto_at  = f->una == f->nxt ? NEVER :
                        now + frct_rtt_rto(&f->rtt, 0);
                if (f->in_rec && !seq_before(f->una, f->rec_point)) {
                        f->in_rec  = false;
                        f->rto_rec = false;
                        /* RACK: back to the narrow reordering window
                         * after 16 recoveries. */
                        if (++f->recoveries % 16 == 0)
                                f->reo_steps = 1;
                }
        }

        if (newly > 0) {
                f->tlp_sent = false;
                f->tlp_at   = NEVER;
                if (f->pipe > 0 && !f->in_rec && f->rtt.valid)
                        f->tlp_at = now + pto(f);
                if (!f->in_rec && limited)
                        frct_cc_ack(&f->cc, newly, now, f->rtt.min_rtt ==
                                    UINT64_MAX ? 0 : f->rtt.min_rtt);
                else if (!limited)   /* the writer is the limit */
                        f->cc.epoch = 0;
                rack_detect(f, now);
        }

        return 0;
}

static void rto_fire(struct frct * f,
                     uint64_t      now)
{
        uint32_t s;

        f->st.rto_fires++;
        if (frct_rtt_rto(&f->rtt, f->backoff) < FRCT_RTO_MAX)
                f->backoff++;

        for (s = f->una; s != f->nxt; ++s)
                if (slot(f, s)->st == TX_FLIGHT)
                        mark_lost(f, s, slot(f, s));
        if (!(f->flags & FRCT_F_RTX)) {
                f->skip_now = true;
                f->skip_seq = f->nxt;
        }

        frct_cc_rto(&f->cc);
        f->undo_ok   = false;
        f->in_rec    = true;
        f->rto_rec   = true;
        f->rec_point = f->nxt;
        f->rack_at   = NEVER;
        f->tlp_at    = NEVER;
        f->rto_at    = now + frct_rtt_rto(&f->rtt, f->backoff);
}

/* No ack for a while: resend the last packet in flight, so its SACK
 * tells which packets before it were lost. */
static void tail_probe(struct frct * f,
                       uint64_t      now)
{
        uint32_t s = f->nxt;

        f->tlp_at = NEVER;
        if (f->in_rec || f->pipe == 0 || f->tlp_sent ||
            !(f->flags & FRCT_F_RTX))
                return;
        while (s != f->una && slot(f, s - 1)->st != TX_FLIGHT)
                --s;
        if (s == f->una)
                return;
        --s;
        slot(f, s)->st = TX_LOST;
        f->pipe--;
        f->nlost++;
        if (seq_before(s, f->rtx_hint))
                f->rtx_hint = s;
        f->tlp_sent = true;
        f->rto_at   = now + frct_rtt_rto(&f->rtt, f->backoff);
}

void frct_tx_tick(struct frct * f,
                  uint64_t      now)
{
        if (!reliable(f))
                return;

        if (f->rto_at <= now) {
                if (f->una == f->nxt)
                        f->rto_at = NEVER;
                else
                        rto_fire(f, now);
        }

        if (f->rack_at <= now)
                rack_detect(f, now);

        if (f->tlp_at <= now)
                tail_probe(f, now);

        if (f->pace_at <= now)   /* frct_pop sends what waited */
                f->pace_at = NEVER;

        /* Zero window probe: a keepalive, which the peer acks. */
        if (f->una == f->nxt && window_blocked(f) &&
            now >= f->last_tx + frct_rtt_rto(&f->rtt, 0))
                f->ka_now = true;
}

uint64_t frct_tx_deadline(const struct frct * f)
{
        uint64_t d = f->rto_at;

        if (!reliable(f))
                return NEVER;
        if (f->rack_at < d)
                d = f->rack_at;
        if (f->tlp_at < d)
                d = f->tlp_at;
        if (f->pace_at < d)
                d = f->pace_at;
        if (f->una == f->nxt && window_blocked(f) &&
            f->last_tx + frct_rtt_rto(&f->rtt, 0) < d)
                d = f->last_tx + frct_rtt_rto(&f->rtt, 0);

        return d;
}

int frct_tx_set_rtx(struct frct * f,
                    bool          on)
{
        uint32_t s;

        if (on || f->nlost == 0)
                return 0;

        /* Give up on what waits for a retransmission. */
        for (s = f->una; s != f->nxt; ++s) {
                struct txpkt * t = slot(f, s);
                if (t->st != TX_LOST)
                        continue;
                f->nlost--;
                f->pipe++;   /* mark_lost takes it off again */
                mark_lost(f, s, t);
        }

        return 0;
}
