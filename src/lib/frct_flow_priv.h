/*
 * Ouroboros - the per-flow FRCT state of the library and what
 * frct_flow.c (state, pump, flush, clock) shares with frct_io.c (the
 * data calls). Internal. See frct_flow.h for the locks.
 */
#ifndef OUROBOROS_LIB_FRCT_FLOW_PRIV_H
#define OUROBOROS_LIB_FRCT_FLOW_PRIV_H

#include "frct_flow.h"
#include "frct_timer.h"
#include "frct/frct.h"
#include "frct/frct_wire.h"

#include "common/flow_shm.h"

#include <pthread.h>
#include <stdatomic.h>

struct frf {
        pthread_mutex_t  lock;     /* fr, seq, rx_bad               */
        pthread_cond_t   cond;     /* seq changed (CLOCK_MONOTONIC) */
        pthread_mutex_t  rx_lock;  /* the one consumer of the ring  */
        struct frct *    fr;
        uint64_t         seq;      /* bumped on every change        */
        uint64_t         rx_bad;   /* dropped here: malformed, big  */
        int              fd;
        uint32_t         gen;
        bool             raw;      /* neither in order nor reliable */
        bool             reliable; /* loss 0                         */
        bool             down_seen; /* the ring closed: gaps released */
        uint32_t         max_gap;  /* ms, in order and not reliable  */
        bool             crc;      /* ber 0: CRC32 trailers         */
        size_t           mtu;      /* an FRCT packet: max_pkt - ovh */
        size_t           max_msg;
        _Atomic size_t   max_send; /* frct_max_send, kept by
                                      frf_changed: no lock per write */
        uint64_t         ka_every; /* raw: tell fr of data this often */
        _Atomic uint64_t heard;    /* raw: last time told           */
        _Atomic uint64_t said;     /* raw: last data sent, told     */
        uint8_t *        rxb;      /* private copy of a packet (rx_lock) */
        bool             pend;     /* raw, encrypted: a data payload */
        size_t           pend_off; /* waits in rxb here (rx_lock)    */
        size_t           pend_len;
        uint8_t *        wbuf;     /* ipcp_flow_reserve, in order   */
        size_t           wcap;
        void *           resv_p;   /* the ring's room (raw, wr_lock) */
        size_t           resv_len;
        uint8_t *        txb;      /* a packet to encrypt (wr_lock)  */
        uint8_t *        msg;      /* a message read in parts (rd_lock) */
        size_t           msg_len;
        size_t           msg_off;
        bool             resv;     /* ipcp_flow_reserve holds wr_lock */
        bool             peeked;   /* ipcp_flow_peek handed msg out  */
        _Atomic bool     flush;    /* output due, wr_lock was busy  */
        _Atomic bool     no_room;  /* output waits for ring room    */
        _Atomic bool     ready;    /* a whole message waits in fr   */
        _Atomic bool     gone;     /* the peer timed out            */
        _Atomic bool     peer_ev;  /* FLOW_PEER not reported yet    */
        struct frt_ent   te;       /* the timer's entry (due)       */
        struct flow_shm * shm;     /* armed: reliable flows (below) */
        _Atomic uint64_t runs;     /* frf_on_timer calls (stats)    */
        _Atomic uint64_t full;     /* flushes, ring full (stats)    */
};

uint64_t frf_now(void);
void     frf_set_due(struct frf * r);
void     frf_changed(struct frf * r);
void     frf_kick(const struct frf * r);
bool     frf_rcv(struct frf *    r,
                 const uint8_t * pkt,
                 size_t          len);
void     frf_heard(struct frf * r);
void     frf_said(struct frf * r);
void     frf_tick(struct ft_flow * f,
                  uint64_t         now);
int      frf_flush(struct ft_flow *        f,
                   bool                    nonblock,
                   const struct timespec * abstime);
void     frf_try_flush(struct ft_flow * f);
ssize_t  frf_pump(struct ft_flow *        f,
                  bool                    nonblock,
                  const struct timespec * abstime);
const struct timespec * frf_until(struct frf *            r,
                                  const struct timespec * abstime,
                                  struct timespec *       buf);
bool     frf_passed(const struct timespec * abstime);
int      frf_wait(struct ft_flow *        f,
                  uint64_t                seq,
                  const struct timespec * abstime);
void     frf_cond_init(pthread_cond_t * c);

/* 0, or why the flow takes no more data: -ENOTALLOC (being
 * deallocated), -EFLOWPEER, -EFLOWDOWN (down, or the peer side left). */
int      frf_state(const struct ft_flow * f);

/* rx_lock held, raw flow: swallow control packets at the head of the
 * ring; the data packet under it: its payload (*d, *len; in the ring
 * for a clear flow, in rxb for an encrypted one, then pend_len is set)
 * and 1, or the ring's error. */
ssize_t  frf_raw_head(struct ft_flow *        f,
                      const uint8_t **        d,
                      size_t *                len,
                      bool                    nonblock,
                      const struct timespec * abstime);

#endif /* OUROBOROS_LIB_FRCT_FLOW_PRIV_H */
