/*
 * Ouroboros - a flow's FRCT made and ended: frf_create (the state
 * machine's configuration from the flow's QoS, its buffers, the
 * timer's entry, publication to the timer), frf_destroy and
 * frf_forget, and the OUROBOROS_FRCT_STATS line. See frct_flow.h.
 */
#include "frct_flow_priv.h"

#include "fqueue_priv.h"

#include "common/timeutil.h"

#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int frf_create(int              fd,
               struct ft_flow * f)
{
        struct frct_cfg cfg;
        struct frf *    r;
        size_t          max = flow_shm_max_pkt(f->shm);
        const qosspec_t * qs = &f->qs;
        int             ret;

        if (max <= f->ovh + 1 + FRCT_CRC_LEN)
                return -EINVAL;

        memset(&cfg, 0, sizeof(cfg));
        cfg.reliable = qs->loss == 0;
        cfg.in_order = qs->in_order != 0 || cfg.reliable;
        cfg.crc      = qs->ber == 0;
        /* A lost packet of a flow that is not reliable never comes:
         * no bound asked (UINT32_MAX) is FRF_MAX_GAP_DEF, so the flow
         * moves on; 0 waits for ever (until the buffer fills). */
        if (cfg.in_order && !cfg.reliable)
                cfg.max_gap_ms = qs->max_gap == UINT32_MAX ?
                        FRF_MAX_GAP_DEF : qs->max_gap;
        cfg.peer_timeout_ms = qs->timeout;
        cfg.mtu      = max - f->ovh;
        cfg.max_msg  = frf_max_msg();
        /* A whole message must fit the window it is reassembled in. */
        cfg.rcv_wnd  = cfg.max_msg + cfg.mtu > FRCT_RCV_WND_DEF ?
                cfg.max_msg + cfg.mtu : FRCT_RCV_WND_DEF;
        cfg.flags    = (uint16_t) (atomic_load(&f->frct) &
                                   (cfg.reliable ? FRCT_F_RTX | FRCT_F_RESCNTL |
                                    FRCT_F_LINGER : FRCT_F_RESCNTL |
                                    FRCT_F_LINGER));
        if (getrandom(&cfg.seed, sizeof(cfg.seed), 0) != sizeof(cfg.seed))
                cfg.seed = frf_now() ^ (uint64_t) fd << 32;

        r = calloc(1, sizeof(*r));
        if (r == NULL)
                return -ENOMEM;

        r->rxb = malloc(cfg.mtu);
        r->txb = f->cf != NULL ? malloc(cfg.mtu) : NULL;
        if (r->rxb == NULL || (f->cf != NULL && r->txb == NULL)) {
                ret = -ENOMEM;
                goto fail;
        }

        ret = frct_create(&r->fr, &cfg, frf_now());
        if (ret < 0)
                goto fail;

        frf_cond_init(&r->cond);
        pthread_mutex_init(&r->lock, NULL);
        pthread_mutex_init(&r->rx_lock, NULL);
        r->fd       = fd;
        r->gen      = atomic_load(&f->gen);
        r->raw      = !cfg.in_order;
        r->reliable = cfg.reliable;
        r->max_gap  = cfg.max_gap_ms;
        r->crc      = cfg.crc;
        r->mtu      = cfg.mtu;
        r->max_msg  = cfg.max_msg;
        atomic_init(&r->max_send, cfg.max_msg);
        r->ka_every = (uint64_t) cfg.peer_timeout_ms * NS_PER_MS / 8;
        atomic_store(&r->heard, frf_now());
        atomic_store(&r->said, frf_now());
        r->te.fd    = fd;
        r->te.gen   = r->gen;
        atomic_store(&r->te.due, frct_deadline(r->fr));
        /* A reliable flow acks what arrives whether or not the
         * application reads: its memory signals the process eventfd
         * when packets land in a drained ring, which wakes the timer
         * (frct_timer.h), but not while a reader waits in the ring
         * itself (frf_wait). */
        if (cfg.reliable) {
                r->te.tok = fq_token(fd, r->gen);
                r->shm    = f->shm;
                flow_shm_set_token(f->shm, r->te.tok);
                flow_shm_arm(f->shm, true);
        }

        /* FLOWGQOSSPEC reports what is in force (the fd is not out yet). */
        f->qs.in_order = cfg.in_order;
        if (cfg.in_order && !cfg.reliable)
                f->qs.max_gap = cfg.max_gap_ms;

        ret = frt_add(&r->te);
        if (ret < 0) {
                if (r->shm != NULL)
                        flow_shm_arm(r->shm, false);
                frct_destroy(r->fr);
                pthread_mutex_destroy(&r->lock);
                pthread_mutex_destroy(&r->rx_lock);
                pthread_cond_destroy(&r->cond);
                goto fail;
        }

        /* The flow is out in the table (ft_publish): the timer and
         * its dispatch (frct_timer.c) may look at it from now on, and
         * see r whole or not at all. A packet that landed before this
         * signalled a dispatch that could not see r, and the next
         * ones land in a ring that is not drained (no signal): the
         * timer looks at once, or they would wait unacked for a
         * deadline (a reader's or writer's call pumps them too). */
        __atomic_store_n(&f->fr, r, __ATOMIC_SEQ_CST);
        if (r->shm != NULL && flow_shm_rxqlen(r->shm) > 0)
                frt_due(&r->te, frf_now());

        return 0;
 fail:
        free(r->rxb);
        free(r->txb);
        free(r);
        return ret;
}

static void frf_free(struct frf * r)
{
        frct_destroy(r->fr);
        if (r->msg != NULL)
                explicit_bzero(r->msg, r->msg_len);
        free(r->msg);
        explicit_bzero(r->rxb, r->mtu);
        free(r->rxb);
        free(r->txb);
        free(r->wbuf);
        free(r);
}

/* $OUROBOROS_FRCT_STATS set: a flow's FRCT counters on stderr when it
 * ends (diagnostics: retransmissions and their causes, timer runs,
 * flushes that found the ring full). */
static void print_stats(const struct frf * r)
{
        struct frct_stats st;

        if (getenv(FRF_STATS_ENV) == NULL)
                return;

        frct_stats(r->fr, &st);
        fprintf(stderr, "frct stats fd %d: tx %llu pkts %llu bytes, rtx "
                "%llu (fast %llu), rto %llu, paced %llu, rx %llu pkts (dups %llu, "
                "bad %llu, skipped %llu), ka %llu/%llu, srtt %u us, rto "
                "%u us, cwnd %u, timer runs %llu, ring full %llu\n",
                r->fd,
                (unsigned long long) st.tx_pkts,
                (unsigned long long) st.tx_bytes,
                (unsigned long long) st.rtx,
                (unsigned long long) st.fast_rtx,
                (unsigned long long) st.rto_fires,
                (unsigned long long) st.paced,
                (unsigned long long) st.rx_pkts,
                (unsigned long long) st.rx_dups,
                (unsigned long long) (st.rx_bad + r->rx_bad),
                (unsigned long long) st.rx_skipped,
                (unsigned long long) st.ka_tx,
                (unsigned long long) st.ka_rx, st.srtt_us, st.rto_us,
                st.cwnd, (unsigned long long) atomic_load(&r->runs),
                (unsigned long long) atomic_load(&r->full));
}

void frf_destroy(struct frf * r)
{
        if (r == NULL)
                return;

        print_stats(r);
        frt_del(&r->te);
        if (r->shm != NULL)
                flow_shm_arm(r->shm, false);
        pthread_mutex_destroy(&r->lock);
        pthread_mutex_destroy(&r->rx_lock);
        pthread_cond_destroy(&r->cond);
        frf_free(r);
}

void frf_forget(struct frf * r)
{
        if (r != NULL)
                frf_free(r);
}

void frf_cond_init(pthread_cond_t * c)
{
        pthread_condattr_t a;

        pthread_condattr_init(&a);
        pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
        pthread_cond_init(c, &a);
        pthread_condattr_destroy(&a);
}
