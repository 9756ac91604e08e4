/*
 * Ouroboros - the process-local handle on one side of a flow's shared
 * memory, shared by flow_shm.c (the data path) and flow_shm_ctl.c
 * (creation, mapping, states and events). Internal.
 */
#ifndef OUROBOROS_COMMON_FLOW_SHM_PRIV_H
#define OUROBOROS_COMMON_FLOW_SHM_PRIV_H

#include "flow_shm.h"
#include "flow_shm_layout.h"

#include <errno.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

struct flow_shm {
        /* Read-only after map. */
        uint8_t *          base;
        size_t             map_len;
        dev_t              dev;     /* the memfd's, for flow_shm_cache.c */
        ino_t              ino;
        struct shm_hdr *   hdr;
        struct shm_chan *  tx;
        struct shm_chan *  rx;
        uint8_t *          txring;
        uint8_t *          rxring;
        uint64_t           ring;
        uint64_t           mask;
        uint64_t           max_pkts;
        uint64_t           max_pkt;
        int                side;
        int                ev_fd;   /* peer process's eventfd */
        int64_t            spin_ns; /* poll this long before sleeping */

        _Atomic bool       closed;  /* flow_shm_close called */
        _Atomic bool       broken;  /* peer wrote garbage */

        /* What flow_shm_events reported last (any thread). */
        _Atomic bool       down_seen;
        _Atomic bool       dealloc_seen;

        /* Writer thread only. */
        alignas(64) uint64_t tail;
        uint64_t           tpkts;
        uint64_t           head_c;  /* cached peer head */
        uint64_t           hpkts_c; /* cached peer hpkts */
        uint64_t           win;     /* wrap at this offset (see ring) */
        uint64_t           wake_head;  /* sleeping until head >= */
        uint64_t           wake_hpkts; /* and hpkts >= these */
        bool               reserved;   /* flow_shm_reserve holds room */
        uint64_t           res_len;    /* for this many bytes, */
        uint64_t           res_need;   /* needing these at tail */
        uint32_t           wspin_miss; /* waits whose poll failed, in a row */
        uint32_t           wspin_skip; /* waits that did not poll since */

        /* Reader thread only. */
        alignas(64) uint64_t head;
        uint64_t           hpkts;
        uint64_t           tail_c;  /* cached peer tail */
        uint64_t           next;    /* head after the peeked record */
        bool               peeked;
        uint32_t           rspin_miss; /* as wspin_miss, for the reader */
        uint32_t           rspin_skip;
};

static inline enum flow_side_state state_of(const struct shm_hdr * hdr,
                                     int                    side)
{
        uint32_t st = atomic_load(&hdr->state[side]);

        return st > FLOW_SIDE_DEAD ? FLOW_SIDE_DEAD : st;
}

static inline bool side_gone(enum flow_side_state st)
{
        return st == FLOW_SIDE_CLOSED || st == FLOW_SIDE_DEAD;
}

/* The wake-up hint side asked for (flow_shm_set_token), clamped to
 * what flow_shm.h allows: the reader wrote it, it may be garbage. */
static inline uint64_t evtok_of(const struct shm_hdr * hdr,
                                int                    side)
{
        uint64_t tok = atomic_load(&hdr->evtok[side]);

        return tok == 0 || tok > FLOW_SHM_TOKEN_MAX ? 1 : tok;
}

/* Wake-ups this thread sent: futex wakes and eventfd signals
 * (flow_shm_signals). */
extern _Thread_local uint64_t shm_signals;

/* Add val to an eventfd (-1: none). The process eventfd is
 * non-blocking: a full counter (-EAGAIN) is already readable. */
static inline void evfd_signal(int      fd,
                               uint64_t val)
{
        if (fd < 0)
                return;

        ++shm_signals;

        while (write(fd, &val, sizeof(val)) < 0 && errno == EINTR)
                ;
}

/* The mapping cache (flow_shm_cache.c): take a parked mapping of the
 * memfd (dev, ino) of len bytes (NULL if none), or park one. */
void *  shm_cache_take(dev_t  dev,
                       ino_t  ino,
                       size_t len);

void    shm_cache_park(void * base,
                       size_t len,
                       dev_t  dev,
                       ino_t  ino);

#endif /* OUROBOROS_COMMON_FLOW_SHM_PRIV_H */
