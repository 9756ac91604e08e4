/*
 * Ouroboros - ipcpd-unicast: the flow allocator's periodic work and its
 * stat answer (fa_priv.h). Every FA_TICK_MS while flows exist: each
 * flow's peer is looked up in the forwarding table (no route for
 * FA_DOWN_MS marks the upper flow down, a route back marks it up), and
 * ECN counts a receiver holds are sent when due (fa_data.c).
 */
#include "fa_priv.h"
#include "dir_fa.h"

#include "common/log.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

/* ---- the tick: paths, pending updates ---- */

static void check_path(struct fflow * f,
                       int64_t        now)
{
        struct ipcp_hash h;
        bool             routed;

        if (f->state != FS_UP)
                return;

        routed = f->peer_addr == uni_addr() ||
                route_next_hop(f->peer_addr, f->eid) != 0;
        if (routed) {
                f->no_route = 0;
                if (f->down) {
                        log_info("Flow %u: path to %" PRIu64 " is back.",
                                 f->flow_id, f->peer_addr);
                        fa_set_down(f, false);
                }
                return;
        }

        if (f->no_route == 0) {
                f->no_route = now;
                return;
        }

        if (!f->down && now - f->no_route >= FA_DOWN_MS) {
                log_info("Flow %u: no path to %" PRIu64 " for %d ms, "
                         "down.", f->flow_id, f->peer_addr, FA_DOWN_MS);
                ++fa.ctr[FC_FLOWS_DOWN];
                fa_set_down(f, true);
                if (f->requester) {
                        h.p   = f->hash;
                        h.len = uni_conf.hash_len;
                        dir_forget(h, f->peer_addr);
                }
        }
}

void fa_tick(void * arg)
{
        int64_t        now = ipcp_now_ms();
        struct fflow * f;
        size_t         i;

        (void) arg;

        fa.tick        = NULL; /* fired: freed by the framework */
        fa.strays_left = FA_STRAY_MAX;

        for (i = 0; i < FA_BUCKETS; ++i) {
                for (f = fa.eids[i]; f != NULL; f = f->e_next) {
                        check_path(f, now);
                        fa_cc_tick(f, now);
                }
        }

        if (fa.on && fa.n_flows > 0)
                fa.tick = ipcp_timer_add(FA_TICK_MS, fa_tick, NULL);
}


static const char * const ctr_names[FC_COUNT] = {
        [FC_FLOWS]        = "fa.flows",
        [FC_FLOWS_TOTAL]  = "fa.flows_total",
        [FC_FLOWS_FAILED] = "fa.flows_failed",
        [FC_FLOWS_DOWN]   = "fa.flows_down",
        [FC_TX_PKTS]      = "fa.tx_pkts",
        [FC_RX_PKTS]      = "fa.rx_pkts",
        [FC_DROP_EID]     = "fa.drop_eid",
        [FC_DROP_FULL]    = "fa.drop_full",
        [FC_DROP_TX]      = "fa.drop_tx",
        [FC_DROP_MSG]     = "fa.drop_msg",
        [FC_BLOCKED]      = "fa.blocked",
        [FC_ECN_MARKED]   = "fa.ecn_marked",
        [FC_UPD_OUT]      = "fa.updates_out",
        [FC_UPD_IN]       = "fa.updates_in",
        [FC_RATE_DOWN]    = "fa.rate_decreases",
        [FC_CUT_HELD]     = "fa.cuts_held",
        [FC_SS_END]       = "fa.ss_ends",
        [FC_DEALLOC_RETX] = "fa.dealloc_retx",
        [FC_DEALLOC_LOST] = "fa.dealloc_lost"
};

int fa_stat(struct ipcp_stat * s)
{
        struct fflow * f;
        char           name[48];
        size_t         i;
        int            c;

        for (c = 0; c < FC_COUNT; ++c)
                if (ipcp_stat_add(s, ctr_names[c], fa.ctr[c]) < 0)
                        return -EMSGSIZE;

        if (uni_conf.lc.congestion != 1)
                return 0;

        /* mb-ecn: each sending flow's rate, bytes/s */
        for (i = 0; i < FA_BUCKETS; ++i) {
                for (f = fa.eids[i]; f != NULL; f = f->e_next) {
                        if (f->state != FS_UP)
                                continue;
                        snprintf(name, sizeof(name), "fa.rate.%" PRIu64,
                                 f->eid);
                        if (ipcp_stat_add(s, name, (uint64_t) f->rate) < 0)
                                return -EMSGSIZE;
                }
        }

        return 0;
}
