/*
 * Ouroboros - FRCT round-trip time estimation (RFC 6298): smoothed RTT,
 * its variation, the retransmission timeout with a bounded exponential
 * back-off, and the smallest RTT seen (for RACK's reordering window and
 * CUBIC). Times in nanoseconds.
 */
#ifndef OUROBOROS_LIB_FRCT_RTT_H
#define OUROBOROS_LIB_FRCT_RTT_H

#include <stdbool.h>
#include <stdint.h>

#define FRCT_RTO_INIT  1000000000ull   /* RFC 6298: 1 s before a sample */
#define FRCT_RTO_MIN    200000000ull   /* as Linux: 200 ms */
#define FRCT_RTO_MAX  60000000000ull   /* RFC 6298: at least 60 s */
#define FRCT_G            1000000ull   /* clock granularity: 1 ms */

struct frct_rtt {
        bool     valid;
        uint64_t srtt;
        uint64_t rttvar;
        uint64_t rto;       /* without back-off */
        uint64_t min_rtt;   /* smallest sample of the last window */
        uint64_t min_at;    /* when min_rtt was taken */
};

void     frct_rtt_init(struct frct_rtt * r);

/* One RTT sample r (of a packet sent once: Karn) at time now. */
void     frct_rtt_sample(struct frct_rtt * r,
                         uint64_t          rtt,
                         uint64_t          now);

/* The timeout after backoff doublings, at most FRCT_RTO_MAX. */
uint64_t frct_rtt_rto(const struct frct_rtt * r,
                      unsigned                backoff);

#endif /* OUROBOROS_LIB_FRCT_RTT_H */
