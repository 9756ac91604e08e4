/*
 * Ouroboros - ipcpd-unicast: the flow allocator's data path and mb-ecn
 * (fa_priv.h).
 *
 * Sending: the framework calls flow_cb for an upper flow with packets.
 * While a flow of a higher cube is up, it only puts the flow on the
 * ready list of its cube and posts one drain (ipcp_loop_call), which
 * runs after every flow of the loop's iteration had its say and serves
 * the cubes in strict priority, highest first: up to FA_TX_FLOW packets
 * of a flow, FA_TX_BUDGET in all (the set is level-triggered: what is
 * left calls again). A flow that no higher cube outranks (the highest,
 * or all flows in one cube) is served at once, up to FA_TX_FLOW: the
 * detour would only cost it a loop iteration. Each
 * packet is read in place (ipcp_flow_peek), handed to dt_send with the
 * flow's cube and the peer's address and endpoint id, and released. A
 * full queue toward the next hop (-ENOBUFS) leaves the packet in the
 * upper flow and stops reading it for FA_BLOCK_MS: the application's
 * ring fills and its writes block, nothing is lost here. Packets with
 * no route are dropped and counted (the flow goes down after
 * FA_DOWN_MS, fa.c).
 *
 * Receiving: fa_rcv's payload is written into the upper flow once
 * (ipcp_flow_reserve / commit, or flow_write where the library has no
 * in-place writes); a full flow drops the packet (counted).
 *
 * mb-ecn (congestion 1): the receiver counts the packets of each flow
 * and those that arrived with an ECN mark, and sends the sender an
 * UPDATE with the counts and the highest mark when a marked packet
 * comes at least FA_UPD_MS after the last update (or at the next
 * tick), and an unmarked one with the counts every FA_UPD_IDLE_MS
 * while at least FA_UPD_PKTS packets came (slow start lives on them).
 * The sender paces each flow with a token bucket at a rate R (bytes/s,
 * from FA_CC_RATE_INIT).
 *
 * Slow start: every FA_CC_PERIOD_MS in which the flow ran out of
 * tokens R doubles, but only once per UPDATE heard since (no news of
 * the last doubling, no next one: a queue that fills delays the news
 * and so the growth), unless fewer than FA_UPD_PKTS packets went since
 * (large packets: the receiver would not report them). Each UPDATE gives the rate D at which the
 * receiver counted packets; R beyond FA_CC_SS_OVER * D means the path
 * does not carry what is sent: slow start ends with R = D
 * (fa.ss_ends). It ends too at the first mark, with R cut by at least
 * half but not below the last D.
 *
 * Then an UPDATE with m marked of p packets and highest mark e cuts R
 * by the fraction (m / p) * (1/32 + 15/32 * e/255), so by 3% for a
 * short queue up to half for a full one (multiplicative decrease,
 * growing with the congestion). After a cut, an UPDATE whose mark is
 * lower than any since is held (no cut, fa.cuts_held) until the
 * updates counted the packets sent up to the cut, or FA_CC_HOLD_MAX_MS:
 * a draining queue (dt's, and the one below it that dt cannot see)
 * keeps marking packets sent before the cut, and cutting for each of
 * them left the bottleneck idle; a mark as high or higher cuts again.
 * Every FA_CC_PERIOD_MS in which the flow ran out of tokens and no
 * marked UPDATE came for FA_CC_QUIET_MS (a standing queue: no growth),
 * R grows by FA_CC_AI times 1 + k / FA_CC_AI_STEP (at most
 * FA_CC_AI_MAX times), k the periods of growth, halved by each cut:
 * additive increase that speeds up while no mark comes, the same for
 * every flow whatever its rate, so flows that share a bottleneck still
 * converge to equal shares; and a cut only halves the speed, so a fast
 * flow that a mild mark cut by 3% regains it in a few periods. A cut
 * also sets a target halfway back to the rate before it: while R is
 * below, it grows by a quarter of the distance per period if that is
 * more (a large cut, such as the one that ends slow start, is half
 * regained in tens of milliseconds, and only the rest probed for).
 * After FA_CC_PROBE_MS without a marked UPDATE the path has room the
 * additive step is slow to find (a fast link, or a bottleneck that
 * went away): R grows by R / FA_CC_PROBE_DIV per period if that is
 * more (a flow that shares a bottleneck hears marks well before).
 * R stays within FA_CC_RATE_MIN and FA_CC_RATE_MAX. The bucket holds
 * FA_CC_BURST_MS of R (at least FA_CC_BURST): a bigger one let a fast
 * flow send tens of milliseconds' worth at once, which queues below
 * the layer (a receiving device's socket buffer) drop unseen. A flow out of
 * tokens is not read until they come back: back-pressure on the
 * application, no loss.
 *
 * The receiving application is a bottleneck too: its standing backlog
 * W (standing.h: the least it held unread over the last FA_RX_WIN_MS
 * to twice that), once it is at least T, what makes a packet wait
 * FA_RX_WAIT_MS at the rate it read in the last window and at least
 * FA_RX_MARK_MIN, marks a packet 1 + (W - T) >> FA_ECN_SHIFT; a packet
 * dropped because its flow is full counts as marked 255, so a sender
 * slows down for a slow reader.
 * With congestion none there are no updates and no pacing.
 */
#include "fa_priv.h"

#include "common/log.h"
#include "lib/ipcp_dev.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <string.h>

static bool cc_on(void)
{
        return uni_conf.lc.congestion == 1;
}

/* ---- ready lists, strict priority ---- */

static void flow_cb(void * arg,
                    int    fd,
                    int    events);

void fa_flow_unready(struct fflow * f)
{
        struct fflow ** fp;
        size_t          c = f->cube;

        if (!f->ready)
                return;

        for (fp = &fa.ready[c]; *fp != NULL; fp = &(*fp)->r_next) {
                if (*fp == f) {
                        *fp = f->r_next;
                        if (fa.ready_tail[c] == &f->r_next)
                                fa.ready_tail[c] = fp;
                        break;
                }
        }

        f->ready  = false;
        f->r_next = NULL;
}

static void drain(void * arg)
{
        struct fflow * f;
        size_t         budget = FA_TX_BUDGET;
        size_t         n;
        int            c;

        (void) arg;

        fa.drain_posted = false;

        for (c = CUBE_MAX - 1; c >= 0; --c) {
                while (budget > 0 && fa.ready[c] != NULL) {
                        f = fa.ready[c];
                        fa_flow_unready(f);
                        n = budget < FA_TX_FLOW ? budget : FA_TX_FLOW;
                        budget -= n;
                        fa_tx(f, n, false);
                }
        }
}

/* Whether a flow of a higher cube than f's is up: then f waits for
 * the drain, after every flow of this round of events had its say. */
static bool outranked(const struct fflow * f)
{
        int c;

        for (c = CUBE_MAX - 1; c > (int) f->cube; --c)
                if (fa.n_up[c] > 0)
                        return true;

        return false;
}

static void make_ready(struct fflow * f)
{
        if (!f->ready) {
                f->ready  = true;
                f->r_next = NULL;
                *fa.ready_tail[f->cube] = f;
                fa.ready_tail[f->cube]  = &f->r_next;
        }

        if (!fa.drain_posted && ipcp_loop_call(drain, NULL) == 0)
                fa.drain_posted = true;
}

static void flow_cb(void * arg,
                    int    fd,
                    int    events)
{
        struct fflow * f = arg;

        (void) fd;

        if (!(events & FLOW_DEALLOC)) {
                if (!(events & FLOW_PKT))
                        return;
                if (outranked(f))
                        make_ready(f);
                else /* nobody to serve first: at once */
                        fa_tx(f, FA_TX_FLOW, false);
                return;
        }

        /* The application deallocated or died: send what it wrote. */
        if (fa_tx(f, SIZE_MAX, true))
                fa_flow_close(f, true);
}

static void unblock_cb(void * arg)
{
        struct fflow * f = arg;

        f->timer   = NULL; /* fired: freed by the framework */
        f->blocked = false;

        if (ipcp_flow_watch(f->fd, flow_cb, f) == 0)
                f->watched = true;
}

/* Stop reading f for ms. */
static void block(struct fflow * f,
                  int64_t        ms)
{
        if (f->blocked)
                return;

        f->timer = ipcp_timer_add(ms, unblock_cb, f);
        if (f->timer == NULL)
                return; /* stays watched: the level trigger retries */

        ++fa.ctr[FC_BLOCKED];
        ipcp_flow_unwatch(f->fd);
        f->watched = false;
        f->blocked = true;
        fa_flow_unready(f);
}

/* ---- mb-ecn, sender ---- */

static void cc_start(struct fflow * f)
{
        f->rate       = FA_CC_RATE_INIT;
        f->tokens     = FA_CC_BURST;
        f->fill_at    = ipcp_now_ms();
        f->period_at  = f->fill_at;
        f->slow_start = true;
        f->limited    = false;
        f->calm       = 0;
        f->target     = 0;
        f->marked_at  = f->fill_at - FA_CC_PERIOD_MS;
        f->upd_at     = 0;
        f->tx_sent    = 0;
        f->tx_bytes   = 0;
        f->ss_at      = 0;
        f->ss_pkts    = 0;
        f->ss_rate    = 0;
        f->ss_fed     = true;
        f->ss_tx      = 0;
        f->rx_seen    = 0;
        f->hold_pkts  = 0;
        f->hold_ms    = 0;

}

/* One period of growth: double in slow start; else the additive step,
 * or a quarter of the way back to the rate before the last cut, or
 * after FA_CC_PROBE_MS without a mark 1/FA_CC_PROBE_DIV of the rate,
 * whichever is more. */
static void cc_grow(struct fflow * f,
                    int64_t        now)
{
        double ai;

        if (f->slow_start) {
                /* no news since the last doubling: wait for it, unless
                 * too few packets went for the receiver to report */
                if (!f->ss_fed && f->tx_sent - f->ss_tx >= FA_UPD_PKTS)
                        return;
                f->ss_fed = false;
                f->ss_tx  = f->tx_sent;
                f->rate  *= 2;
        } else {
                ai = FA_CC_AI * (1 + f->calm / FA_CC_AI_STEP);
                if (f->rate + 4 * ai < f->target)
                        ai = (f->target - f->rate) / 4;
                if (now - f->marked_at >= FA_CC_PROBE_MS &&
                    ai < f->rate / FA_CC_PROBE_DIV)
                        ai = f->rate / FA_CC_PROBE_DIV; /* no mark for long */
                f->rate += ai;
                if (f->calm < FA_CC_AI_STEP * (FA_CC_AI_MAX - 1))
                        ++f->calm;
        }

        if (f->rate > FA_CC_RATE_MAX)
                f->rate = FA_CC_RATE_MAX;
}

static void cc_refill(struct fflow * f,
                      int64_t        now)
{
        double  burst;
        int64_t periods;

        if (now > f->fill_at) {
                f->tokens += f->rate * (double) (now - f->fill_at) / 1000.0;
                f->fill_at = now;
        }

        burst = f->rate * FA_CC_BURST_MS / 1000.0;
        if (burst < FA_CC_BURST)
                burst = FA_CC_BURST;
        if (f->tokens > burst)
                f->tokens = burst;

        periods = (now - f->period_at) / FA_CC_PERIOD_MS;
        if (periods <= 0)
                return;

        f->period_at += periods * FA_CC_PERIOD_MS;
        if (!f->limited)
                return;

        f->limited = false;
        /* no growth while marks come: the queue stands */
        if (now - f->marked_at >= FA_CC_QUIET_MS)
                cc_grow(f, now);
}

/* Slow start: the rate the receiver counted since the last update,
 * D; a rate beyond FA_CC_SS_OVER times D is not reaching it (a
 * doubling takes FA_CC_PERIOD_MS, the news of it a few periods more):
 * a queue fills or a link drops, so slow start ends at D. */
static void ss_check(struct fflow *        f,
                     const struct fa_msg * m,
                     int64_t               now)
{
        double d;

        if (f->ss_at == 0 || now - f->ss_at < FA_UPD_MS / 2) {
                if (f->ss_at == 0)
                        f->ss_at = now;
                f->ss_pkts += m->pkts;
                return;
        }

        f->ss_pkts += m->pkts;
        if (f->tx_sent == 0 || f->ss_pkts == 0)
                return;
        d = (double) f->ss_pkts * (double) f->tx_bytes /
                (double) f->tx_sent * 1000.0 / (double) (now - f->ss_at);
        f->ss_at   = now;
        f->ss_pkts = 0;
        f->ss_rate = d;
        if (f->rate <= FA_CC_SS_OVER * d)
                return;

        f->rate       = d < FA_CC_RATE_MIN ? FA_CC_RATE_MIN : d;
        f->slow_start = false;
        f->calm       = 0;
        f->target     = 0;
        if (f->tokens > 0)
                f->tokens = 0;
        ++fa.ctr[FC_SS_END];
}

void fa_rcv_update(struct fflow *        f,
                   const struct fa_msg * m)
{
        int64_t now;
        double  cut;
        double  before;

        ++fa.ctr[FC_UPD_IN];

        if (!cc_on())
                return;

        f->rx_seen += m->pkts;
        now         = ipcp_now_ms();

        if (f->slow_start && m->pkts > 0) {
                f->ss_fed = true;
                ss_check(f, m, now);
        }
        if (m->marked == 0 || m->pkts == 0)
                return;

        f->marked_at = now;

        /* Marks on packets sent before the last cut, from a queue
         * shorter than any since: that cut is already working, the
         * queue drains; no second cut for it. */
        if (f->rx_seen < f->hold_pkts && now < f->hold_ms &&
            m->ecn < f->hold_ecn) {
                f->hold_ecn = m->ecn;
                ++fa.ctr[FC_CUT_HELD];
                return;
        }

        cut = (double) m->marked / (double) m->pkts *
                (1.0 / 32 + 15.0 / 32 * (double) m->ecn / 255.0);
        if (f->slow_start && cut < 0.5)
                cut = 0.5; /* it overshot by at least its last doubling */

        before        = f->rate;
        /* the step halves: the rate is near what the path carries */
        f->calm       = f->slow_start ? 0 : f->calm / 2;
        f->slow_start = false;
        f->rate      *= 1.0 - cut;
        if (f->rate < f->ss_rate && f->ss_rate < before)
                f->rate = f->ss_rate; /* ends slow start: what arrived */
        f->ss_rate    = 0;
        if (f->rate < FA_CC_RATE_MIN)
                f->rate = FA_CC_RATE_MIN;
        f->target = f->rate + (before - f->rate) / 2;
        if (f->tokens > 0)
                f->tokens *= 1.0 - cut;
        f->hold_pkts = f->tx_sent;
        f->hold_ms   = now + FA_CC_HOLD_MAX_MS;
        f->hold_ecn  = m->ecn;
        ++fa.ctr[FC_RATE_DOWN];
}

/* ---- mb-ecn, receiver ---- */

static void send_update(struct fflow * f,
                        int64_t        now)
{
        struct fa_msg m;

        memset(&m, 0, sizeof(m));
        m.type   = FA_UPDATE;
        m.s_addr = uni_addr();
        m.s_eid  = f->eid;
        m.d_eid  = f->peer_eid;
        m.pkts   = f->rx_pkts;
        m.marked = f->rx_marked;
        m.ecn    = f->rx_ecn;

        f->rx_pkts   = 0;
        f->rx_marked = 0;
        f->rx_ecn    = 0;
        f->upd_at    = now;
        ++fa.ctr[FC_UPD_OUT];

        fa_send(f->peer_addr, &m);
}

void fa_cc_tick(struct fflow * f,
                int64_t        now)
{
        if (!cc_on() || f->state != FS_UP)
                return;

        if (f->rx_marked > 0 && now - f->upd_at >= FA_UPD_MS)
                send_update(f, now);
}

/* ---- the data path ---- */

void fa_set_down(struct fflow * f,
                 bool           down)
{
        uint32_t fl;

        f->down = down;

        if (fccntl(f->fd, FLOWGFLAGS, &fl) < 0)
                return;

        fl = down ? (fl | FLOWFDOWN) : (fl & ~(uint32_t) FLOWFDOWN);
        if (fccntl(f->fd, FLOWSFLAGS, fl) < 0)
                log_warn("Could not mark flow %u %s.", f->flow_id,
                         down ? "down" : "up");
}

int fa_flow_up(struct fflow * f)
{
        int err;

        ipcp_flow_nonblock(f->fd);

        err = ipcp_flow_watch(f->fd, flow_cb, f);
        if (err < 0)
                return err;

        f->watched = true;
        f->state   = FS_UP;
        ++fa.ctr[FC_FLOWS];
        ++fa.n_up[f->cube];
        ++fa.ctr[FC_FLOWS_TOTAL];

        if (cc_on())
                cc_start(f);

        return 0;
}

bool fa_tx(struct fflow * f,
           size_t         budget,
           bool           force)
{
        const void * pkt;
        ssize_t      n;
        int          r;
        bool         cc = cc_on() && !force;
        int64_t      now = cc ? ipcp_now_ms() : 0;

        if (cc)
                cc_refill(f, now);

        while (budget-- > 0) {
                if (cc && f->tokens <= 0) {
                        f->limited = true;
                        block(f, 1 + (int64_t) (-f->tokens * 1000.0 /
                                                f->rate));
                        break;
                }

                n = ipcp_flow_peek(f->fd, &pkt);
                if (n == -EAGAIN || n == -EFLOWDOWN)
                        break; /* empty; or down (either side) */
                if (n < 0) { /* broken or closed memory */
                        log_warn("Flow %u: %zd, closing it.", f->flow_id, n);
                        fa_flow_close(f, true);
                        return false;
                }

                r = dt_send(f->peer_addr, f->cube, f->peer_eid, pkt,
                            (size_t) n);
                if (r == -ENOBUFS && !force) { /* keep it: push back */
                        block(f, FA_BLOCK_MS);
                        break;
                }

                ipcp_flow_consume(f->fd);
                if (r < 0) {
                        ++fa.ctr[FC_DROP_TX];
                        continue;
                }

                ++fa.ctr[FC_TX_PKTS];
                if (cc) {
                        f->tokens   -= (double) n;
                        f->tx_bytes += (uint64_t) n;
                        ++f->tx_sent;
                }
        }

        return true;
}

/* mb-ecn: count the packet, with the mark it came with or the one the
 * application's flow gives it (its backlog, or a drop), and tell the
 * sender when due. */
static void cc_count(struct fflow * f,
                     uint8_t        ecn)
{
        int64_t now;

        ++f->rx_pkts;
        ++f->rx_total;
        if (ecn > 0) {
                ++fa.ctr[FC_ECN_MARKED];
                ++f->rx_marked;
                if (ecn > f->rx_ecn)
                        f->rx_ecn = ecn;
                now = ipcp_now_ms();
                if (now - f->upd_at >= FA_UPD_MS)
                        send_update(f, now);
        } else if (f->rx_pkts >= FA_UPD_PKTS) {
                /* unmarked: the count, for the sender's slow start */
                now = ipcp_now_ms();
                if (now - f->upd_at >= FA_UPD_IDLE_MS)
                        send_update(f, now);
        }

        if (f->rx_pkts == UINT32_MAX) { /* keep the ratio */
                f->rx_pkts   /= 2;
                f->rx_marked /= 2;
                if (f->rx_pkts == 0)
                        f->rx_pkts = 1;
        }
}

void fa_deliver(struct fflow *  f,
                const uint8_t * buf,
                size_t          len,
                uint8_t         ecn)
{
        static struct log_rate rl;
        void *                 p;
        ssize_t                r;
        size_t                 q = 0;
        uint8_t                m;

        if (cc_on() && fccntl(f->fd, FLOWGTXQLEN, &q) == 0) {
                q = standing_see(&f->rx_q, ipcp_now_ms(), q, f->rx_total,
                                 FA_RX_WIN_MS);
                m = standing_mark(standing_excess(&f->rx_q, q,
                                                  FA_RX_MARK_MIN,
                                                  FA_RX_WAIT_MS,
                                                  FA_RX_WIN_MS),
                                  FA_ECN_SHIFT);
                if (m > ecn)
                        ecn = m;
        }

        if (!f->no_reserve) {
                r = ipcp_flow_reserve(f->fd, len, &p);
                if (r == 0) {
                        memcpy(p, buf, len);
                        r = ipcp_flow_commit(f->fd, len);
                        goto done;
                }
                if (r != -ENOTSUP)
                        goto done;
                f->no_reserve = true;
        }

        r = flow_write(f->fd, buf, len);
 done:
        if (r >= 0) {
                ++fa.ctr[FC_RX_PKTS];
                if (cc_on())
                        cc_count(f, ecn);
                return;
        }

        ++fa.ctr[FC_DROP_FULL];
        if (cc_on() && r == -EAGAIN)
                cc_count(f, 255); /* the application is behind */
        if (log_rate_ok(&rl, LOG_LVL_DBG, "undelivered"))
                log_dbg("Flow %u: packet of %zu bytes not delivered: %zd.",
                        f->flow_id, len, r);
}
