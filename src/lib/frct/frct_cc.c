/*
 * Ouroboros - FRCT congestion control: CUBIC as RFC 9438 describes it
 * (C = 0.4, beta = 0.7, fast convergence, the Reno-friendly estimate),
 * with slow start below ssthresh. The window is in packets.
 *   W_cubic(t) = C (t - K)^3 + W_max,   K = cbrt(W_max (1 - beta) / C)
 * where t is the time since the last reduction. Growth in one ack is
 * at most half the window (RFC 9438 4.2: target within 1.5 cwnd).
 *
 * Random loss (TCP Veno, Fu and Liew 2003): when a loss is found, the
 * packets this flow keeps queued on the path are estimated as
 *   backlog = cwnd (rtt - min_rtt) / rtt
 * with rtt the smallest sample of the last two rounds (so that delayed
 * acks and jitter do not count as a queue). Below VENO_BACKLOG packets
 * the loss did not come from a queue overflowing, this flow's at least:
 * the path loses at random (a lossy link), and the window is reduced
 * by BETA_RANDOM (0.85) instead of beta. A loss at a full drop-tail
 * queue (a bottleneck shared with TCP or another flow) comes with its
 * queue delay and gets the full reduction, so the flow stays as fair
 * as CUBIC there (unit_frct_fair); on a randomly lossy path it keeps a
 * larger window than a sender that takes every loss for congestion.
 */
#include "frct_cc.h"

#include <math.h>
#include <stdbool.h>

#define HS_MIN_SAMPLES 8
#define HS_ETA_MIN     4000000ull    /* 4 ms */
#define HS_ETA_MAX    16000000ull    /* 16 ms */
#define HS_LOW_CWND    16

#define C_CUBIC  0.4
#define BETA     0.7
#define ALPHA    (3.0 * (1.0 - BETA) / (1.0 + BETA))

#define BETA_RANDOM  0.85
#define VENO_BACKLOG 3.0     /* packets */

void frct_cc_init(struct frct_cc * cc)
{
        cc->cwnd     = FRCT_CWND_INIT;
        cc->ssthresh = FRCT_CWND_MAX;
        cc->w_max    = 0;
        cc->k        = 0;
        cc->origin   = 0;
        cc->w_est    = 0;
        cc->epoch    = 0;
        cc->rnd_min  = UINT64_MAX;
        cc->last_min = UINT64_MAX;
        cc->rnd_samples = 0;
        cc->q_rnd    = UINT64_MAX;
        cc->q_last   = UINT64_MAX;
}

/*
 * HyStart++: in slow start, a round whose smallest RTT exceeds the last
 * round's by eta (an eighth of it, within 4..16 ms) means a queue is
 * building: go on in congestion avoidance before the queue overflows
 * (a burst of losses the size of the window).
 */
void frct_cc_rtt(struct frct_cc * cc,
                 uint64_t         rtt,
                 int              new_round)
{
        uint64_t eta;

        if (new_round) {
                cc->q_last = cc->q_rnd;
                cc->q_rnd  = UINT64_MAX;
        }
        if (rtt < cc->q_rnd)
                cc->q_rnd = rtt;

        if (cc->cwnd >= cc->ssthresh)
                return;

        if (new_round) {
                cc->last_min    = cc->rnd_min;
                cc->rnd_min     = UINT64_MAX;
                cc->rnd_samples = 0;
        }
        if (rtt < cc->rnd_min)
                cc->rnd_min = rtt;
        if (++cc->rnd_samples < HS_MIN_SAMPLES ||
            cc->last_min == UINT64_MAX || cc->cwnd < HS_LOW_CWND)
                return;

        eta = cc->last_min / 8;
        eta = eta < HS_ETA_MIN ? HS_ETA_MIN :
                eta > HS_ETA_MAX ? HS_ETA_MAX : eta;
        if (cc->rnd_min >= cc->last_min + eta)
                cc->ssthresh = cc->cwnd;
}

static void avoid(struct frct_cc * cc,
                  uint32_t         acked,
                  uint64_t         now,
                  uint64_t         min_rtt)
{
        double t;
        double target;

        if (cc->epoch == 0) {
                cc->epoch = now ? now : 1;
                if (cc->cwnd < cc->w_max) {
                        cc->k = cbrt((cc->w_max - cc->cwnd) / C_CUBIC);
                        cc->origin = cc->w_max;
                } else {
                        cc->k = 0;
                        cc->origin = cc->cwnd;
                }
                cc->w_est = cc->cwnd;
        }

        t = (double) (now - cc->epoch + min_rtt) / 1e9;
        target = cc->origin + C_CUBIC * pow(t - cc->k, 3);
        if (target > 1.5 * cc->cwnd)
                target = 1.5 * cc->cwnd;

        cc->w_est += ALPHA * acked / cc->cwnd;

        if (target > cc->cwnd)
                cc->cwnd += (target - cc->cwnd) * acked / cc->cwnd;
        else
                cc->cwnd += 0.01 * acked / cc->cwnd;

        if (cc->w_est > cc->cwnd)
                cc->cwnd = cc->w_est;
}

void frct_cc_ack(struct frct_cc * cc,
                 uint32_t         acked,
                 uint64_t         now,
                 uint64_t         min_rtt)
{
        if (cc->cwnd < cc->ssthresh) {
                double room = cc->ssthresh - cc->cwnd;
                if (acked <= room) {
                        cc->cwnd += acked;
                        acked = 0;
                } else {
                        cc->cwnd = cc->ssthresh;
                        acked -= (uint32_t) room;
                }
        }

        if (acked > 0)
                avoid(cc, acked, now, min_rtt);

        if (cc->cwnd > FRCT_CWND_MAX)
                cc->cwnd = FRCT_CWND_MAX;
}

static void reduce(struct frct_cc * cc)
{
        /* Fast convergence: give way to a newer flow. */
        if (cc->cwnd < cc->w_max)
                cc->w_max = cc->cwnd * (1.0 + BETA) / 2.0;
        else
                cc->w_max = cc->cwnd;

        cc->ssthresh = cc->cwnd * BETA;
        if (cc->ssthresh < 2)
                cc->ssthresh = 2;
        cc->epoch = 0;
}

/* Whether a loss came with no queue of this flow behind it. */
static bool random_loss(const struct frct_cc * cc,
                        uint64_t               min_rtt)
{
        uint64_t rtt = cc->q_rnd < cc->q_last ? cc->q_rnd : cc->q_last;

        if (min_rtt == 0 || rtt == UINT64_MAX || rtt < min_rtt)
                return false;

        return cc->cwnd * (double) (rtt - min_rtt) / (double) rtt <
                VENO_BACKLOG;
}

void frct_cc_loss(struct frct_cc * cc,
                  uint64_t         min_rtt)
{
        bool   rnd = random_loss(cc, min_rtt);
        double w   = cc->cwnd;

        reduce(cc);
        if (rnd) {
                cc->ssthresh = w * BETA_RANDOM;
                if (cc->ssthresh < 2)
                        cc->ssthresh = 2;
        }
        cc->cwnd = cc->ssthresh;
}

void frct_cc_rto(struct frct_cc * cc)
{
        reduce(cc);
        cc->cwnd = 1;
}

uint32_t frct_cc_cwnd(const struct frct_cc * cc)
{
        uint32_t w = (uint32_t) cc->cwnd;

        return w < 1 ? 1 : w;
}
