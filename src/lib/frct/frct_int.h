/*
 * Ouroboros - FRCT internals shared by the state machine's files:
 * frct.c (the flow: create, receive dispatch, pop, timers), frct_tx.c
 * (send queue, acks taken, loss detection, retransmission), frct_rx.c
 * (reordering, reassembly, acks given, reads).
 */
#ifndef OUROBOROS_LIB_FRCT_INT_H
#define OUROBOROS_LIB_FRCT_INT_H

#include "frct.h"
#include "frct_cc.h"
#include "frct_rtt.h"
#include "frct_wire.h"

#define NEVER          UINT64_MAX
/* Packets between the oldest unacknowledged and the next new one the
 * sender may have, and how far ahead of the next expected packet the
 * receiver buffers: bounds both ends' per-packet state. */
#define FRCT_SEQ_WND   (1u << 15)
#define FRCT_ACK_DELAY 5000000ull   /* delayed ack: 5 ms */
#define FRCT_ACK_EVERY 2            /* ack at least every 2nd packet */
#define FRCT_ISN_PKTS  64           /* in_order: ISN on the first 64 */
#define FRCT_SND_MIN   (256u << 10) /* bytes a writer may queue unsent */
/* LIM (frct_wire.h) is sent again after these while the peer's is
 * not known, doubling up to the second. */
#define FRCT_LIM_IVL   200000000ull   /* 200 ms */
#define FRCT_LIM_IVL_MAX 3200000000ull /* 3.2 s */
/* Pacing (frct_tx.c): packets that may leave back to back, and how
 * many a paced sender waits for before it sends again. */
#ifndef FRCT_PACE_BURST   /* -DFRCT_PACE_BURST=1000000: no pacing */
#define FRCT_PACE_BURST 32
#endif
#ifndef FRCT_PACE_WAKE
#define FRCT_PACE_WAKE  16
#endif

/* Serial arithmetic on 32-bit sequence numbers (RFC 1982). */
static inline int32_t seq_diff(uint32_t a,
                               uint32_t b)
{
        return (int32_t) (a - b);
}

static inline int seq_before(uint32_t a,
                             uint32_t b)
{
        return seq_diff(a, b) < 0;
}

enum tx_state {
        TX_UNSENT = 0,
        TX_FLIGHT,     /* sent, in the pipe */
        TX_LOST,       /* deemed lost, waiting for its retransmission */
        TX_SACKED,     /* selectively acknowledged */
        TX_GONE        /* given up (RTX cleared): freed */
};

struct txpkt {
        uint8_t * data;
        uint32_t  len;
        uint8_t   fl;      /* FRCT_FL_FIRST / FRCT_FL_LAST */
        uint8_t   st;      /* enum tx_state */
        uint16_t  ntx;     /* transmissions */
        uint64_t  xmit;    /* time of the last one */
};

struct rxpkt {
        struct rxpkt * next;
        uint64_t       at;    /* arrival (max_gap counts from it) */
        uint32_t       len;
        uint8_t        fl;
        uint8_t        data[];
};

struct rxmsg {
        struct rxmsg * next;
        struct rxpkt * head;
        struct rxpkt * tail;
        size_t         len;
        size_t         npkts;
};

/* What a packet held for the reader costs beyond its payload (its
 * record and the allocator's), counted against the window so that
 * tiny messages cannot hold more memory than large ones. */
#define FRCT_PKT_COST  64

static inline size_t rxmsg_cost(const struct rxmsg * m)
{
        return m->len + m->npkts * FRCT_PKT_COST;
}

/* The payload of full packets that fits in free bytes (and 32 bits). */
static inline uint32_t frct_wnd_payload(size_t free,
                                        size_t mss)
{
        size_t w = free / (mss + FRCT_PKT_COST) * mss;

        return (uint32_t) (w > UINT32_MAX ? UINT32_MAX : w);
}

struct frct {
        struct frct_cfg   cfg;
        uint16_t          flags;
        size_t            mss;        /* payload bytes per packet */
        size_t            wnd;        /* receive memory: rcv_wnd, and at
                                         least max_msg */
        bool              gone;
        int               ev;         /* FRCT_EV_* for the next tick */
        uint64_t          last_rx;
        uint64_t          last_tx;
        bool              ka_now;
        bool              pop_due;    /* a tick made output due: the
                                         deadline is now until frct_pop
                                         has taken all of it */
        /* The peer's limit (LIM), in-order and reliable flows. */
        size_t            peer_lim;   /* 0: not known yet */
        bool              lim_due;    /* send ours in the next packet */
        uint64_t          lim_at;     /* and again then, while unknown */
        uint64_t          lim_ivl;

        /* Sending: packets [una, end) in the ring, [una, nxt) sent. */
        struct txpkt *    tq;
        uint32_t          tcap;       /* power of two */
        uint32_t          isn;
        uint32_t          una;
        uint32_t          nxt;
        uint32_t          end;
        size_t            unsent;     /* payload bytes in [nxt, end) */
        size_t            flight;     /* payload bytes in [una, nxt) */
        uint32_t          pipe;       /* TX_FLIGHT packets */
        uint32_t          nlost;      /* TX_LOST packets */
        uint32_t          rtx_hint;   /* no TX_LOST before it */
        uint32_t          snd_wnd;    /* bytes the peer takes from una */
        bool              want_write;
        size_t            want_len;   /* of the refused frct_send */
        bool              skip_now;   /* RTX cleared: tell the gap */
        uint32_t          skip_seq;   /* the peer need not wait below */
        struct frct_rtt   rtt;
        unsigned          backoff;
        uint64_t          rto_at;
        uint64_t          probe_at;   /* zero window probe */
        struct frct_cc    cc;
        bool              in_rec;
        bool              rto_rec;
        struct frct_cc    cc_prior;   /* before this recovery */
        bool              undo_ok;    /* it may prove spurious */
        uint32_t          rec_rtx;    /* retransmissions in it */
        uint32_t          rec_spur;   /* of which proved spurious */
        uint32_t          rec_point;
        uint64_t          rack_xmit;  /* latest send time delivered */
        uint64_t          rack_rtt;
        uint64_t          rack_at;    /* reordering timer */
        uint32_t          rack_seq;   /* the packet that set rack_xmit */
        uint32_t          rtx_high;   /* highest seq ever sent again */
        uint64_t          tlp_at;     /* tail loss probe */
        bool              tlp_sent;
        unsigned          reo_steps;
        unsigned          recoveries;
        uint32_t          round_end;  /* HyStart: this round's last */
        double            pace_tok;   /* packets that may go now */
        uint64_t          pace_last;  /* pace_tok counted up to then */
        uint64_t          pace_at;    /* held by pacing until then */

        /* Receiving: packets [rcv_nxt, rcv_high) in the ring. */
        bool              synced;
        bool              isn_known;
        uint32_t          peer_isn;
        uint32_t          rcv_nxt;
        uint32_t          rcv_high;
        uint32_t          last_seq;   /* most recent packet buffered */
        struct rxpkt **   rq;
        uint32_t          rcap;       /* power of two */
        size_t            ooo;        /* bytes in the ring */
        struct rxmsg      part;       /* message being reassembled */
        bool              in_msg;
        struct rxmsg *    ready;
        struct rxmsg *    ready_tail;
        size_t            ready_bytes;
        size_t            ready_cost; /* payload and FRCT_PKT_COST each */
        uint64_t          gap_since;  /* waiting for rcv_nxt since */
        bool              ack_now;
        uint64_t          ack_at;
        uint32_t          unacked;
        uint32_t          adv_wnd;    /* last window advertised */

        struct frct_stats st;
};

/* frct_tx.c */
int      frct_tx_init(struct frct * f);
void     frct_tx_fini(struct frct * f);
ssize_t  frct_tx_send(struct frct * f,
                      const void *  buf,
                      size_t        len);
bool     frct_tx_writable(const struct frct * f,
                          size_t              len);
/* Whether frct_tx_next has a data packet (new or again) at now. */
bool     frct_tx_due(const struct frct * f,
                     uint64_t            now);
/* The next data packet, new or retransmitted: header h filled but for
 * the ack fields, payload copied to buf (room for mss bytes); the
 * payload's length, -EAGAIN when none is due. */
ssize_t  frct_tx_next(struct frct *     f,
                      struct frct_hdr * h,
                      uint8_t *         buf,
                      size_t            cap,
                      uint64_t          now);
int      frct_tx_ack(struct frct *           f,
                     const struct frct_hdr * h,
                     uint64_t                now);
void     frct_tx_tick(struct frct * f,
                      uint64_t      now);
int      frct_tx_set_rtx(struct frct * f,
                         bool          on);
uint64_t frct_tx_deadline(const struct frct * f);

/* frct_rx.c */
int      frct_rx_init(struct frct * f);
void     frct_rx_fini(struct frct * f);
int      frct_rx_data(struct frct *           f,
                      const struct frct_hdr * h,
                      const uint8_t *         data,
                      size_t                  len,
                      uint64_t                now);
int      frct_rx_skip(struct frct *           f,
                      const struct frct_hdr * h);
void     frct_rx_fill_ack(struct frct *     f,
                          struct frct_hdr * h);
ssize_t  frct_rx_next_len(const struct frct * f);
ssize_t  frct_rx_read(struct frct * f,
                      void *        buf,
                      size_t        cap,
                      uint64_t      now);
void     frct_rx_tick(struct frct * f,
                      uint64_t      now);
uint64_t frct_rx_deadline(const struct frct * f);

#endif /* OUROBOROS_LIB_FRCT_INT_H */
