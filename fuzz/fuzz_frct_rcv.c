/*
 * Ouroboros - libFuzzer target for the FRCT state machine (src/lib/frct)
 * against a hostile peer: the input is a script. Its first byte picks
 * the flow (raw, in_order, reliable; CRC; max_gap), then each step is
 * one of: an arbitrary packet, a crafted data packet with a sequence
 * number near the one expected, a crafted ack near what was sent (SACK
 * blocks and window chosen by the input), a message sent, packets
 * popped, messages read, time passing (ticks), flags changed.
 *
 * Oracle, after every step: no crash or sanitizer report; the memory
 * held for the reader (payload and per-packet records) never exceeds
 * the window; the sender's counters
 * agree with its queue (bytes in flight and unsent, packets in the pipe
 * and lost) and it never has more than FRCT_SEQ_WND packets
 * outstanding; the receiver never buffers beyond FRCT_SEQ_WND.
 *
 * Sources: src/lib/frct/frct.c src/lib/frct/frct_tx.c src/lib/frct/frct_rx.c src/lib/frct/frct_cc.c src/lib/frct/frct_rtt.c src/lib/frct/frct_wire.c
 * Libs: -lz -lm
 */
#include "lib/frct/frct_int.h"
#include "fuzz_input.h"

#include <stdlib.h>
#include <string.h>

#define MTU  200
#define MS   1000000ull

static void check(const struct frct * f)
{
        size_t   flight = 0;
        size_t   unsent = 0;
        uint32_t pipe = 0;
        uint32_t lost = 0;
        uint32_t s;

        if (f->ready_cost + rxmsg_cost(&f->part) + f->ooo > f->wnd ||
            f->ready_bytes > f->ready_cost)
                abort();
        if (f->synced && f->rcv_high - f->rcv_nxt > FRCT_SEQ_WND)
                abort();
        if (f->rcap > FRCT_SEQ_WND)
                abort();
        if (f->cfg.reliable && f->nxt - f->una > FRCT_SEQ_WND)
                abort();
        for (s = f->una; s != f->nxt; ++s) {
                const struct txpkt * t = &f->tq[s & (f->tcap - 1)];
                flight += t->len;
                pipe += t->st == TX_FLIGHT;
                lost += t->st == TX_LOST;
        }
        for (s = f->nxt; s != f->end; ++s)
                unsent += f->tq[s & (f->tcap - 1)].len;
        if (flight != f->flight || unsent != f->unsent ||
            pipe != f->pipe || lost != f->nlost)
                abort();
}

static void put(struct frct *     f,
                struct frct_hdr * h,
                struct input *    in,
                uint64_t          now)
{
        uint8_t pkt[MTU + 64];
        ssize_t n;
        size_t  plen = take(in, 1) % 80;
        size_t  i;

        if (f->cfg.crc)
                h->flags |= FRCT_FL_CRC;
        n = frct_hdr_put(pkt, sizeof(pkt), h);
        if (n < 0)
                return;
        if (frct_hdr_type(h) != FRCT_DATA)
                plen = 0;
        for (i = 0; i < plen; ++i)
                pkt[n + i] = (uint8_t) take(in, 1);
        n += (ssize_t) plen;
        if (f->cfg.crc)
                n = (ssize_t) frct_crc_put(pkt, (size_t) n);
        frct_rcv(f, pkt, (size_t) n, now);
}

static void crafted_data(struct frct *  f,
                         struct input * in,
                         uint64_t       now)
{
        struct frct_hdr h;
        uint32_t        base = f->synced ? f->rcv_nxt : 1000;

        memset(&h, 0, sizeof(h));
        h.flags = FRCT_DATA | (uint8_t) (take(in, 1) & 0xbc);
        h.seq   = base + (uint32_t) (int8_t) take(in, 1);
        h.isn   = h.seq - (uint32_t) (take(in, 1) % 4);
        if (h.flags & FRCT_FL_ACK)
                h.ack = f->una + (uint32_t) (take(in, 1) % 8);
        h.wnd = (uint32_t) take(in, 2) << 4;
        put(f, &h, in, now);
}

static void crafted_ack(struct frct *  f,
                        struct input * in,
                        uint64_t       now)
{
        struct frct_hdr h;
        int             i;

        memset(&h, 0, sizeof(h));
        h.flags = (uint8_t) (take(in, 1) % 4 == 0 ? FRCT_SKIP | FRCT_FL_SEQ :
                             FRCT_ACK) | FRCT_FL_ACK;
        h.seq   = f->rcv_nxt + (uint32_t) (take(in, 1) % 64);
        h.ack   = f->una + (uint32_t) (take(in, 1) % 32) - 2;
        h.wnd   = (uint32_t) take(in, 3);
        h.nsack = (uint8_t) (take(in, 1) % (FRCT_SACK_MAX + 1));
        for (i = 0; i < h.nsack; ++i) {
                h.sack[i].start = h.ack + (uint32_t) (take(in, 1) % 32);
                h.sack[i].end   = h.sack[i].start + 1 +
                        (uint32_t) (take(in, 1) % 16);
        }
        put(f, &h, in, now);
}

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static uint8_t  msg[4096 + 16];
        struct input    in = { data, size };
        struct frct_cfg c;
        struct frct *   f;
        uint64_t        now = 1000 * MS;
        uint8_t         mode = (uint8_t) take(&in, 1);
        uint8_t         pkt[MTU];
        int             steps = 0;

        memset(&c, 0, sizeof(c));
        c.in_order        = (mode & 3) != 0;
        c.reliable        = (mode & 3) >= 2;
        c.crc             = mode & 4;
        c.max_gap_ms      = mode & 8 ? 10 : 0;
        c.peer_timeout_ms = 1000;
        c.mtu             = MTU;
        c.max_msg         = 4096;
        c.rcv_wnd         = 8192;
        c.flags           = FRCT_F_RESCNTL | (c.reliable ? FRCT_F_RTX : 0);
        c.seed            = 1;
        if (frct_create(&f, &c, now) < 0)
                abort();

        while (in.n > 0 && steps++ < 2000) {
                size_t  len;
                ssize_t n;
                int     k;

                switch (take(&in, 1) % 8) {
                case 0:
                        len = take(&in, 1) % MTU;
                        len = len < in.n ? len : in.n;
                        memcpy(pkt, in.p, len);
                        in.p += len;
                        in.n -= len;
                        frct_rcv(f, pkt, len, now);
                        break;
                case 1:
                        crafted_data(f, &in, now);
                        break;
                case 2:
                        crafted_ack(f, &in, now);
                        break;
                case 3:
                        len = take(&in, 2) % sizeof(msg);
                        n = frct_send(f, msg, len, now);
                        if (n >= 0 && (size_t) n != len)
                                abort();
                        break;
                case 4:
                        for (k = 0; k < 64; ++k)
                                if (frct_pop(f, pkt, sizeof(pkt), now) <= 0)
                                        break;
                        break;
                case 5:
                        while (frct_read(f, msg, sizeof(msg), now) > 0)
                                ;
                        break;
                case 6:
                        now += take(&in, 2) * MS / 16;
                        if (frct_deadline(f) <= now)
                                frct_tick(f, now);
                        break;
                default:
                        frct_set_flags(f, (uint16_t) (take(&in, 1) & 7));
                        break;
                }
                check(f);
        }

        frct_destroy(f);

        return 0;
}
