/*
 * Ouroboros - FRCT congestion control of reliable flows: CUBIC (RFC
 * 9438) with its Reno-friendly region, counted in packets, and a slow
 * start that ends when the RTT grows (HyStart++, RFC 9406, without its
 * conservative phase). A loss while the path holds no queue of this
 * flow reduces the window less (TCP Veno's loss differentiation).
 * Why CUBIC: top of frct.c.
 */
#ifndef OUROBOROS_LIB_FRCT_CC_H
#define OUROBOROS_LIB_FRCT_CC_H

#include <stdint.h>

#define FRCT_CWND_INIT  10       /* RFC 6928 */
#define FRCT_CWND_MAX   16384    /* packets; below the sequence window */

struct frct_cc {
        double   cwnd;
        double   ssthresh;
        double   w_max;      /* window before the last reduction */
        double   k;          /* time (s) to grow back to w_max */
        double   origin;
        double   w_est;      /* Reno-friendly estimate */
        uint64_t epoch;      /* start of this avoidance epoch, 0 none */
        uint64_t rnd_min;    /* HyStart: smallest RTT of this round */
        uint64_t last_min;   /* and of the last one */
        uint32_t rnd_samples;
        uint64_t q_rnd;      /* smallest RTT of this round (always) */
        uint64_t q_last;     /* and of the last one */
};

void     frct_cc_init(struct frct_cc * cc);

/* acked packets newly delivered at now; min_rtt in ns (0 unknown). */
void     frct_cc_ack(struct frct_cc * cc,
                     uint32_t         acked,
                     uint64_t         now,
                     uint64_t         min_rtt);

/* An RTT sample (ns); a new round starts with new_round. */
void     frct_cc_rtt(struct frct_cc * cc,
                     uint64_t         rtt,
                     int              new_round);

/* A loss found by SACK or reordering: one reduction per episode.
 * min_rtt (ns, 0 unknown) is the path's base RTT: a loss with no queue
 * behind it (the RTTs of the last rounds near min_rtt) is taken as
 * random, not congestion, and reduces the window less (frct_cc.c). */
void     frct_cc_loss(struct frct_cc * cc,
                      uint64_t         min_rtt);

/* A retransmission timeout: back to one packet, slow start. */
void     frct_cc_rto(struct frct_cc * cc);

uint32_t frct_cc_cwnd(const struct frct_cc * cc);

#endif /* OUROBOROS_LIB_FRCT_CC_H */
