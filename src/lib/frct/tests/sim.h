/*
 * Ouroboros tests - a discrete-event simulator for the FRCT state
 * machine: flows of two endpoints (side 0 writes, side 1 reads) over
 * links that lose, duplicate, delay with jitter (so packets overtake
 * each other), flip bits, and optionally serialise at a rate through a
 * drop-tail queue (a bottleneck several flows can share). Deterministic:
 * one seeded generator drives every random choice.
 *
 * The application on side 0 sends messages 0, 1, 2... whose bytes are
 * a function of their number and offset (msg_byte), so side 1 checks
 * each message it reads: intact, and numbered as expected.
 */
#ifndef OUROBOROS_FRCT_SIM_H
#define OUROBOROS_FRCT_SIM_H

#include "frct_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../../../tests/check.h"

#define SIM_MS     1000000ull
#define SIM_FLOWS  4

struct link {
        double   loss;
        double   dup;
        double   ber;        /* probability a packet has a bit flipped */
        uint64_t delay;      /* ns */
        uint64_t jitter;     /* ns, uniform on top of delay */
        uint64_t rate;       /* bits/s, 0: no serialisation */
        size_t   qlim;       /* bytes queued at most before the rate */
        bool     cut;        /* drops everything */
        uint64_t busy;       /* the queue drains at this time */
        uint64_t drops;      /* queue overflows */
};

struct ev {
        uint64_t  t;
        uint64_t  id;
        int       flow;
        int       side;      /* receiving endpoint */
        size_t    len;
        uint8_t * data;
};

struct flow {
        struct frct * ep[2];
        struct link * link[2];   /* link[i]: from side i */
        uint64_t      start;     /* side 0 writes from then */
        uint64_t      nmsg;      /* messages to send, 0 for ever */
        uint64_t      sent;      /* messages taken by frct_send */
        uint64_t      rcvd;      /* messages read */
        uint64_t      next_id;   /* the number side 1 expects next */
        uint64_t      bytes;     /* read */
        uint64_t      bytes_mark;
        size_t        (*size)(uint64_t i);
        bool          reader_off;  /* side 1 does not read */
        bool          ordered;     /* ids must be consecutive */
        bool          no_dups;     /* ids never repeat (in order) */
        bool          greedy;      /* side 0 ignores loss: a fixed,
                                      large window (a bad sender) */
        uint64_t      rx_batch;    /* ns: side 1 takes its packets in
                                      batches, every rx_batch (a reader
                                      that drains its ring when it is
                                      scheduled), 0: as they come */
        int           evs[2];      /* FRCT_EV_* seen */
        size_t        max_held;    /* side 1's memory, the most seen */
        uint64_t      desched;     /* ns, 0: side 0's output goes out
                                      as soon as it is due. Else the
                                      library's case of a writer that
                                      holds the flow's output (its
                                      lock) while it waits: the clock
                                      (and the packets it takes for
                                      the writer meanwhile) only
                                      ticks, retrying every ms while
                                      output is due; the writer sends
                                      when it runs, is then away
                                      desched ns (descheduled), and
                                      sleeps until the deadline it
                                      reads then, or a packet */
        uint64_t      w_back;      /* the writer goes to sleep then */
        uint64_t      w_wake;      /* and wakes then (NEVER: not yet
                                      asleep) */
        uint64_t      w_tick;      /* the clock's next try, at least */
};

struct sim {
        uint64_t    now;
        uint64_t    rng;
        uint64_t    ids;
        struct ev * heap;
        size_t      n;
        size_t      cap;
        struct flow fl[SIM_FLOWS];
        int         nfl;
        uint8_t *   buf;         /* a message, the largest */
        size_t      bufsz;
};

static inline uint64_t sim_rand(struct sim * s)
{
        /* xorshift64* */
        s->rng ^= s->rng >> 12;
        s->rng ^= s->rng << 25;
        s->rng ^= s->rng >> 27;

        return s->rng * 0x2545f4914f6cdd1dull;
}

static inline double sim_unif(struct sim * s)
{
        return (double) (sim_rand(s) >> 11) / (double) (1ull << 53);
}

static inline uint8_t msg_byte(uint64_t i,
                               size_t   j)
{
        return (uint8_t) (i * 131 + j * 7 + (j >> 9) + (i >> 8));
}

static void heap_push(struct sim * s,
                      struct ev    e)
{
        size_t k;

        if (s->n == s->cap) {
                s->cap  = s->cap ? 2 * s->cap : 1024;
                s->heap = realloc(s->heap, s->cap * sizeof(*s->heap));
                CHECK(s->heap != NULL);
        }
        k = s->n++;
        while (k > 0) {
                size_t p = (k - 1) / 2;
                if (s->heap[p].t < e.t ||
                    (s->heap[p].t == e.t && s->heap[p].id < e.id))
                        break;
                s->heap[k] = s->heap[p];
                k = p;
        }
        s->heap[k] = e;
}

static struct ev heap_pop(struct sim * s)
{
        struct ev top = s->heap[0];
        struct ev last = s->heap[--s->n];
        size_t    k = 0;

        for (;;) {
                size_t c = 2 * k + 1;
                if (c >= s->n)
                        break;
                if (c + 1 < s->n && (s->heap[c + 1].t < s->heap[c].t ||
                    (s->heap[c + 1].t == s->heap[c].t &&
                     s->heap[c + 1].id < s->heap[c].id)))
                        ++c;
                if (last.t < s->heap[c].t ||
                    (last.t == s->heap[c].t && last.id < s->heap[c].id))
                        break;
                s->heap[k] = s->heap[c];
                k = c;
        }
        if (s->n > 0)
                s->heap[k] = last;

        return top;
}

static void sim_init(struct sim * s,
                     uint64_t     seed)
{
        memset(s, 0, sizeof(*s));
        s->rng   = seed * 0x9e3779b97f4a7c15ull + 1;
        s->now   = 1000 * SIM_MS;
        s->bufsz = FRCT_MAX_MSG_DEF;
        s->buf   = malloc(s->bufsz);
        CHECK(s->buf != NULL);
}

static void sim_fini(struct sim * s)
{
        int i;

        while (s->n > 0)
                free(heap_pop(s).data);
        free(s->heap);
        free(s->buf);
        for (i = 0; i < s->nfl; ++i) {
                frct_destroy(s->fl[i].ep[0]);
                frct_destroy(s->fl[i].ep[1]);
        }
}

static size_t size_small(uint64_t i)
{
        return 8 + (size_t) (i * 2654435761u % 3000);
}

/* Adds a flow with the same configuration at both ends. */
static struct flow * sim_flow(struct sim *            s,
                              const struct frct_cfg * c,
                              struct link *           fwd,
                              struct link *           rev)
{
        struct flow *   f = &s->fl[s->nfl++];
        struct frct_cfg cfg = *c;

        memset(f, 0, sizeof(*f));
        cfg.seed = sim_rand(s);
        CHECK(frct_create(&f->ep[0], &cfg, s->now) == 0);
        cfg.seed = sim_rand(s);
        CHECK(frct_create(&f->ep[1], &cfg, s->now) == 0);
        f->link[0] = fwd;
        f->link[1] = rev;
        f->start   = s->now;
        f->size    = size_small;
        f->ordered = c->reliable;
        f->no_dups = c->in_order;

        return f;
}

static void link_put(struct sim *    s,
                     int             flow,
                     int             from,
                     const uint8_t * pkt,
                     size_t          len)
{
        struct link * l = s->fl[flow].link[from];
        uint64_t      dep = s->now;
        int           copies = 1;
        int           c;

        if (l->cut || sim_unif(s) < l->loss)
                return;
        if (l->rate > 0) {
                uint64_t start = l->busy > s->now ? l->busy : s->now;
                if ((start - s->now) * l->rate / 8000000000ull > l->qlim) {
                        l->drops++;
                        return;
                }
                l->busy = start + len * 8000000000ull / l->rate;
                dep = l->busy;
        }
        if (sim_unif(s) < l->dup)
                copies = 2;

        for (c = 0; c < copies; ++c) {
                struct ev e;
                e.t    = dep + l->delay +
                        (l->jitter ? sim_rand(s) % l->jitter : 0);
                if (from == 0 && s->fl[flow].rx_batch > 0)
                        e.t += s->fl[flow].rx_batch - 1 -
                                (e.t - 1) % s->fl[flow].rx_batch;
                e.id   = s->ids++;
                e.flow = flow;
                e.side = !from;
                e.len  = len;
                e.data = malloc(len);
                CHECK(e.data != NULL);
                memcpy(e.data, pkt, len);
                if (sim_unif(s) < l->ber)
                        e.data[sim_rand(s) % len] ^=
                                (uint8_t) (1u << (sim_rand(s) % 8));
                heap_push(s, e);
        }
}

/* What must hold of a reliable sender once its output is out: with
 * data not acknowledged (unsent or in flight) a timer that makes
 * progress is armed (retransmission, tail probe, reordering, pacing,
 * zero window probe), else the flow can stall for good. */
static void check_armed(const struct frct * f)
{
        if (!f->cfg.reliable || f->gone || f->una == f->end)
                return;
        if (frct_tx_deadline(f) != NEVER)
                return;
        fprintf(stderr, "nothing armed: una %u nxt %u end %u unsent %zu "
                "flight %zu pipe %u nlost %u cwnd %u snd_wnd %u\n",
                f->una, f->nxt, f->end, f->unsent, f->flight, f->pipe,
                f->nlost, frct_cc_cwnd(&f->cc), f->snd_wnd);
        CHECK(false);
}

static void pump(struct sim * s,
                 int          i,
                 int          side)
{
        struct frct * f = s->fl[i].ep[side];
        uint8_t       pkt[65536];
        ssize_t       n;

        while ((n = frct_pop(f, pkt, sizeof(pkt), s->now)) > 0)
                link_put(s, i, side, pkt, (size_t) n);
        CHECK(n == 0);
        check_armed(f);
}

static void app_write(struct sim * s,
                      int          i)
{
        struct flow * f = &s->fl[i];
        ssize_t       n;

        if (s->now < f->start || frct_peer_gone(f->ep[0]))
                return;
        if (f->greedy)
                f->ep[0]->cc.cwnd = f->ep[0]->cc.ssthresh = 1000;
        while (f->nmsg == 0 || f->sent < f->nmsg) {
                size_t len = f->size(f->sent);
                size_t j;
                for (j = 0; j < len; ++j)
                        s->buf[j] = msg_byte(f->sent, j);
                if (len >= 8)
                        memcpy(s->buf, &f->sent, 8);
                n = frct_send(f->ep[0], s->buf, len, s->now);
                if (n == -EAGAIN) {
                        CHECK(!frct_writable(f->ep[0], len));
                        break;
                }
                CHECK_EQ(n, (ssize_t) len);
                f->sent++;
                pump(s, i, 0);
        }
}

/* Checks a message read: intact and numbered as the flow promises. */
static void check_msg(struct flow *   f,
                      const uint8_t * m,
                      size_t          len)
{
        uint64_t id = f->next_id;
        size_t   j;

        if (len >= 8)
                memcpy(&id, m, 8);
        if (f->ordered)
                CHECK_EQ(id, f->next_id);
        else if (f->no_dups && f->rcvd > 0)
                CHECK(id >= f->next_id);
        CHECK_EQ(len, f->size(id));
        for (j = len >= 8 ? 8 : 0; j < len; ++j)
                if (m[j] != msg_byte(id, j)) {
                        fprintf(stderr, "msg %llu byte %zu bad\n",
                                (unsigned long long) id, j);
                        CHECK(false);
                }
        f->next_id = id + 1;
        f->rcvd++;
        f->bytes += len;
}

static void app_read(struct sim * s,
                     int          i)
{
        struct flow * f = &s->fl[i];
        size_t        held = f->ep[1]->ready_bytes + f->ep[1]->part.len +
                f->ep[1]->ooo;
        ssize_t       n;

        if (held > f->max_held)
                f->max_held = held;
        if (f->reader_off)
                return;
        while ((n = frct_next_len(f->ep[1])) > 0) {
                CHECK(frct_read(f->ep[1], s->buf, (size_t) n - 1, s->now)
                      == -EMSGSIZE);
                n = frct_read(f->ep[1], s->buf, s->bufsz, s->now);
                CHECK(n >= 0);
                check_msg(f, s->buf, (size_t) n);
        }
        pump(s, i, 1);
}

/* When a flow's endpoint next acts on its own: its deadline; side 0
 * of a flow with desched: its clock (no sooner than it retries) and
 * its writer. */
static uint64_t ep_next(const struct sim *  s,
                        const struct flow * f,
                        int                 k)
{
        uint64_t d = frct_deadline(f->ep[k]);

        if (k == 1 || f->desched == 0)
                return d;
        if (d < f->w_tick)
                d = f->w_tick;
        if (f->w_wake == NEVER && f->w_back < d)
                d = f->w_back > s->now ? f->w_back : s->now;
        if (f->w_wake < d)
                d = f->w_wake;

        return d;
}

static uint64_t sim_next(const struct sim * s,
                         uint64_t           end)
{
        uint64_t t = end;
        int      i;
        int      k;

        if (s->n > 0 && s->heap[0].t < t)
                t = s->heap[0].t;
        for (i = 0; i < s->nfl; ++i) {
                if (s->fl[i].start > s->now && s->fl[i].start < t)
                        t = s->fl[i].start;
                for (k = 0; k < 2; ++k) {
                        uint64_t d = ep_next(s, &s->fl[i], k);
                        if (d < t)
                                t = d;
                }
        }

        return t > s->now ? t : s->now;
}

/* Side 0's writer ran (sent what was due): away desched from now. */
static void writer_ran(struct sim *  s,
                       struct flow * f)
{
        f->w_back = s->now + f->desched;
        f->w_wake = NEVER;
}

/* Side 0 of a flow with desched: the clock ticks (it cannot send);
 * the writer reads its deadline when it comes back, and runs when that
 * is due: it ticks if due, writes and sends. */
static void desched_step(struct sim * s,
                         int          i)
{
        struct flow * f  = &s->fl[i];
        struct frct * ep = f->ep[0];

        if (frct_deadline(ep) <= s->now && s->now >= f->w_tick) {
                f->evs[0] |= frct_tick(ep, s->now);
                f->w_tick  = s->now + SIM_MS;
        }
        if (f->w_wake == NEVER && s->now >= f->w_back)
                f->w_wake = frct_deadline(ep);
        if (f->w_wake > s->now)
                return;

        if (frct_deadline(ep) <= s->now)
                f->evs[0] |= frct_tick(ep, s->now);
        app_write(s, i);
        pump(s, i, 0);
        writer_ran(s, f);
}

/* Runs until end (ns) or until done() says so. */
static void sim_run(struct sim * s,
                    uint64_t     end,
                    bool         (*done)(const struct sim *))
{
        int i;
        int k;

        for (i = 0; i < s->nfl; ++i) {
                app_write(s, i);
                if (s->fl[i].desched > 0)
                        writer_ran(s, &s->fl[i]);
        }

        while (s->now < end && (done == NULL || !done(s))) {
                s->now = sim_next(s, end);
                while (s->n > 0 && s->heap[0].t <= s->now) {
                        struct ev e = heap_pop(s);
                        struct flow * f = &s->fl[e.flow];
                        frct_rcv(f->ep[e.side], e.data, e.len, s->now);
                        free(e.data);
                        if (e.side == 1) {
                                app_read(s, e.flow);
                        } else if (f->desched > 0 && f->w_wake == NEVER) {
                                /* away: the clock takes it, ticks */
                                f->evs[0] |= frct_tick(f->ep[0], s->now);
                                f->w_tick  = s->now + SIM_MS;
                                continue;
                        } else {
                                app_write(s, e.flow);
                        }
                        pump(s, e.flow, e.side);
                        if (e.side == 0 && f->desched > 0)
                                writer_ran(s, f);
                }
                for (i = 0; i < s->nfl; ++i) {
                        for (k = 0; k < 2; ++k) {
                                struct frct * ep = s->fl[i].ep[k];
                                if (k == 0 && s->fl[i].desched > 0) {
                                        desched_step(s, i);
                                        continue;
                                }
                                if (frct_deadline(ep) <= s->now)
                                        s->fl[i].evs[k] |=
                                                frct_tick(ep, s->now);
                                pump(s, i, k);
                        }
                        app_read(s, i);
                        if (s->fl[i].desched == 0)
                                app_write(s, i);
                }
        }
}

#endif /* OUROBOROS_FRCT_SIM_H */
