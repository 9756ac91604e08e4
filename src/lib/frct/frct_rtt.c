/*
 * Ouroboros - FRCT round-trip time estimation, RFC 6298 section 2:
 *   first sample R:  SRTT = R, RTTVAR = R/2
 *   then:            RTTVAR = 3/4 RTTVAR + 1/4 |SRTT - R|
 *                    SRTT   = 7/8 SRTT + 1/8 R
 *   RTO = SRTT + max(G, 4 RTTVAR), within [FRCT_RTO_MIN, FRCT_RTO_MAX].
 * The minimum RTT is kept over a 10 s window, so a route change that
 * lengthens the path is taken in.
 */
#include "frct_rtt.h"

#define MIN_RTT_WIN 10000000000ull

void frct_rtt_init(struct frct_rtt * r)
{
        r->valid   = false;
        r->srtt    = 0;
        r->rttvar  = 0;
        r->rto     = FRCT_RTO_INIT;
        r->min_rtt = UINT64_MAX;
        r->min_at  = 0;
}

void frct_rtt_sample(struct frct_rtt * r,
                     uint64_t          rtt,
                     uint64_t          now)
{
        uint64_t var;

        if (rtt == 0)
                rtt = 1;

        if (!r->valid) {
                r->srtt   = rtt;
                r->rttvar = rtt / 2;
                r->valid  = true;
        } else {
                uint64_t d = r->srtt > rtt ? r->srtt - rtt : rtt - r->srtt;
                r->rttvar = (3 * r->rttvar + d) / 4;
                r->srtt   = (7 * r->srtt + rtt) / 8;
        }

        var = 4 * r->rttvar;
        r->rto = r->srtt + (var > FRCT_G ? var : FRCT_G);
        if (r->rto < FRCT_RTO_MIN)
                r->rto = FRCT_RTO_MIN;
        if (r->rto > FRCT_RTO_MAX)
                r->rto = FRCT_RTO_MAX;

        if (rtt <= r->min_rtt || now - r->min_at > MIN_RTT_WIN) {
                r->min_rtt = rtt;
                r->min_at  = now;
        }
}

uint64_t frct_rtt_rto(const struct frct_rtt * r,
                      unsigned                backoff)
{
        uint64_t rto = r->rto;

        while (backoff-- > 0 && rto < FRCT_RTO_MAX)
                rto *= 2;

        return rto < FRCT_RTO_MAX ? rto : FRCT_RTO_MAX;
}
