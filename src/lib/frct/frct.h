/*
 * Ouroboros - FRCT, flow and retransmission control: the end-to-end
 * protocol of one flow, as a state machine with no I/O, no clock and no
 * threads of its own (the library drives it: src/lib/frct_flow.c).
 *
 * Every packet of a flow that crosses a layer that carries data (not a
 * spliced local flow) starts with an FRCT header (frct_wire.h has the
 * wire format and its parser). What the header carries depends on the
 * flow's QoS (struct frct_cfg):
 *   - every flow: a packet type, so a keepalive (peer timeout) is told
 *     from data even on a raw flow; a raw flow's data packet carries
 *     nothing else (the smallest header);
 *   - in_order: sequence numbers; a reordering buffer delivers in order,
 *     drops duplicates, and after max_gap ms skips a missing packet
 *     (not reliable) instead of stalling;
 *   - reliable (loss 0, also in order): acknowledgements (delayed,
 *     piggybacked), selective acknowledgements and fast retransmit,
 *     retransmission on timeout with RTT estimation and back-off, a
 *     receiver window (flow control), congestion control (the algorithm
 *     and why: top of frct.c);
 *   - in_order or reliable: messages larger than the packet size are
 *     fragmented and reassembled (up to max_msg; reassembly memory
 *     counts against the receiver's window); each end tells the other
 *     its max_msg (LIM) and a sender keeps to the smaller;
 *   - crc (ber 0): a CRC32 trailer; a corrupted packet is dropped (and so
 *     retransmitted on a reliable flow).
 *
 * Calls on one struct frct must be serialised by the caller (one lock
 * per flow in the library). Times are CLOCK_MONOTONIC nanoseconds given
 * by the caller. Every function returns 0 (or a count) or a negative
 * errno.
 */
#ifndef OUROBOROS_LIB_FRCT_H
#define OUROBOROS_LIB_FRCT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FRCT_MAX_MSG_DEF   (16u << 20)   /* 16 MiB */
/* The smallest limit an end may set (OUROBOROS_MAX_MSG's floor): what
 * a writer may send before it knows the peer's limit. */
#define FRCT_MAX_MSG_MIN   (4u << 10)
#define FRCT_MAX_MSG_MAX   (1u << 30)
#define FRCT_RCV_WND_DEF   (4u << 20)    /* bytes buffered for the reader */

/* The FRCT flags of fccntl.h (FRCTFRTX...), repeated so that this
 * module stands alone. */
#define FRCT_F_RTX      1u   /* retransmit (reliable flows) */
#define FRCT_F_RESCNTL  2u   /* flow control feedback (receiver window) */
#define FRCT_F_LINGER   4u   /* deliver unacknowledged data on dealloc */

struct frct_cfg {
        bool     in_order;
        bool     reliable;       /* implies in_order */
        bool     crc;            /* CRC32 trailer */
        uint32_t max_gap_ms;     /* in_order, not reliable: 0 = wait
                                    forever for a missing packet */
        uint32_t peer_timeout_ms; /* 0: no keepalives, no peer timeout */
        size_t   mtu;            /* largest packet the lower ring takes,
                                    header included (FLOWGMAXPKT of the
                                    flow memory, less encryption) */
        size_t   max_msg;        /* largest message, FRCT_MAX_MSG_DEF */
        size_t   rcv_wnd;        /* bytes, FRCT_RCV_WND_DEF */
        uint16_t flags;          /* FRCT_F_* in force at the start */
        uint64_t seed;           /* random: initial sequence numbers */
};

struct frct_stats {
        uint64_t tx_pkts;        /* packets handed out by frct_pop */
        uint64_t tx_bytes;
        uint64_t rtx;            /* retransmissions (all causes) */
        uint64_t fast_rtx;       /* of which on SACK / duplicate acks */
        uint64_t rto_fires;
        uint64_t paced;          /* times pacing held a packet back */
        uint64_t rx_pkts;        /* packets taken by frct_rcv */
        uint64_t rx_dups;        /* duplicates dropped */
        uint64_t rx_bad;         /* malformed, bad CRC, out of window */
        uint64_t rx_skipped;     /* packets given up on after max_gap */
        uint64_t ka_tx;
        uint64_t ka_rx;
        uint32_t srtt_us;
        uint32_t rto_us;
        uint32_t cwnd;           /* packets */
        uint32_t snd_wnd;        /* bytes the peer takes now */
};

struct frct;

/* A flow's FRCT state at time now: 0, -EINVAL (mtu too small for a
 * header and a byte, max_msg 0...), -ENOMEM. */
int     frct_create(struct frct **          f,
                    const struct frct_cfg * cfg,
                    uint64_t                now);

void    frct_destroy(struct frct * f);

/* Change the flags (FRCTSFLAGS): 0 or -EINVAL (an unknown bit, or RTX
 * on a flow that is not reliable). */
int     frct_set_flags(struct frct * f,
                       uint16_t      flags);
uint16_t frct_flags(const struct frct * f);

/*
 * Sending. frct_send takes a whole message of len bytes (copied: the
 * caller's buffer is free on return) and splits it into packets of at
 * most cfg.mtu bytes; frct_pop hands out the next packet to put on the
 * wire (new data, a retransmission, an ack, a keepalive): its length
 * (written to buf, cap >= cfg.mtu), or 0 when nothing is due now.
 * Every call of frct_pop that returns a packet is one transmission: the
 * caller encrypts it with a fresh nonce and writes it.
 * frct_send returns len, -EAGAIN (window full, or, on an in-order or
 * reliable flow, len > FRCT_MAX_MSG_MIN before the peer's limit is
 * known: call again after frct_writable turns true), -EMSGSIZE (len >
 * max_msg or > the peer's limit, or > mtu less the header on a raw
 * flow), -EFLOWPEER (the peer timed out).
 */
ssize_t frct_send(struct frct * f,
                  const void *  buf,
                  size_t        len,
                  uint64_t      now);

ssize_t frct_pop(struct frct * f,
                 uint8_t *     buf,
                 size_t        cap,
                 uint64_t      now);

/* Whether frct_send would take a message of len bytes now. */
bool    frct_writable(const struct frct * f,
                      size_t              len);

/* The largest message this end may send: the smaller of max_msg and
 * the peer's limit once known (in-order and reliable flows: the LIM
 * field, frct_wire.h); max_msg while it is not (or on a raw flow). */
size_t  frct_max_send(const struct frct * f);

/*
 * Receiving. frct_rcv takes one packet as it came off the wire
 * (decrypted): 0 (taken; it may have made messages readable and
 * packets due for frct_pop, e.g. an ack), -EBADMSG (malformed, bad CRC:
 * dropped and counted). Then frct_next_len gives the length of the
 * next whole message ready for the reader (0 none), and frct_read
 * copies it out: its length, or -EMSGSIZE when cap is smaller (nothing
 * is consumed; the library reads it whole into a buffer of its own
 * then, for partial reads).
 */
int     frct_rcv(struct frct *   f,
                 const uint8_t * pkt,
                 size_t          len,
                 uint64_t        now);

ssize_t frct_next_len(const struct frct * f);

/* Whether an ack is due at once (every FRCT_ACK_EVERY packets, or one
 * out of order; or this end's LIM, asked for by the peer): a caller that takes a batch of packets sends it
 * before taking the rest, so the sender is not answered with one ack
 * for the whole batch (which it would answer with a burst). */
bool    frct_ack_due(const struct frct * f);

ssize_t frct_read(struct frct * f,
                  void *        buf,
                  size_t        cap,
                  uint64_t      now);

/*
 * Time. frct_deadline is the earliest time frct_tick has work
 * (retransmission timer, delayed ack, keepalive, max_gap, peer
 * timeout), UINT64_MAX if none: a flow that is idle and has no peer
 * timeout never needs a wake-up. frct_tick does what is due at now and
 * returns FRCT_EV_* bits of what happened; the packets it made due are
 * for frct_pop, and until frct_pop has taken them all (returned 0) the
 * deadline stays 0: a caller that could not send them at once (another
 * thread held the output) is not told to sleep until the next timer.
 * A reliable flow with data not acknowledged always has a deadline
 * that makes progress (retransmission, tail probe, pacing, zero window
 * probe), besides the keepalive.
 */
#define FRCT_EV_PEER    1   /* the peer has been silent peer_timeout_ms:
                               raised once; from then on frct_send and
                               frct_read fail with -EFLOWPEER */
#define FRCT_EV_READ    2   /* messages became readable (max_gap) */
#define FRCT_EV_WRITE   4   /* the window opened */

uint64_t frct_deadline(const struct frct * f);

int      frct_tick(struct frct * f,
                   uint64_t      now);

/* A raw flow's data packet went out without frct_pop (the library
 * writes them in place) at now: the peer hears from this end, so no
 * keepalive is due before now + peer_timeout / 4 (keepalives go only
 * while this end is idle). Called at most every few seconds is
 * enough: the library rate-limits it. */
void     frct_sent(struct frct * f,
                   uint64_t      now);

/* Whether every message sent has been acknowledged (linger: the
 * library keeps a flow that is being deallocated until this turns true,
 * the peer times out, or a bound passes). Always true on a flow that
 * is not reliable. */
bool     frct_flushed(const struct frct * f);

/* Whether the peer timed out (FRCT_EV_PEER was raised). */
bool     frct_peer_gone(const struct frct * f);

void     frct_stats(const struct frct * f,
                    struct frct_stats * st);

#endif /* OUROBOROS_LIB_FRCT_H */
