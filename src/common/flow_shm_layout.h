/*
 * Ouroboros - the layout of a flow's shared memory (see flow_shm.c for
 * the map and the wake-up protocol). Internal to flow_shm.c and its
 * tests, which use it to play a corrupt or malicious peer.
 */
#ifndef OUROBOROS_COMMON_FLOW_SHM_LAYOUT_H
#define OUROBOROS_COMMON_FLOW_SHM_LAYOUT_H

#include <assert.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdint.h>

#define SHM_MAGIC    0x4f55524fU /* "OURO" */
#define SHM_VERSION  6U
#define SHM_HDR_SIZE 4096U
#define SHM_LINE     128         /* two cache lines: defeats pair prefetch */
#define REC_HDR      8U
#define REC_WRAP     UINT32_MAX
#define SEALS_NEEDED (F_SEAL_SHRINK | F_SEAL_GROW)

static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock free");
static_assert(ATOMIC_INT_LOCK_FREE == 2, "32-bit atomics must be lock free");

struct shm_chan {
        alignas(SHM_LINE) _Atomic uint64_t tail;  /* bytes published */
        _Atomic uint64_t                   tpkts; /* packets published */
        _Atomic uint64_t                   lost;  /* lost before it, as the
                                                     writer counts them */
        alignas(SHM_LINE) _Atomic uint64_t head;  /* bytes consumed */
        _Atomic uint64_t                   hpkts; /* packets consumed */
        alignas(SHM_LINE) _Atomic uint32_t rseq;  /* reader sleeps here */
        _Atomic uint32_t                   rwaiters;
        _Atomic uint32_t                   rwoken;  /* wake under way */
        alignas(SHM_LINE) _Atomic uint32_t wseq;  /* writer sleeps here */
        _Atomic uint32_t                   wwaiters;
        _Atomic uint32_t                   wwoken;
        _Atomic uint64_t                   whead;   /* wake the writer at */
        _Atomic uint64_t                   whpkts;  /* head, hpkts >= these */
};

struct shm_hdr {
        alignas(SHM_LINE) uint32_t magic;
        uint32_t                   version;
        uint64_t                   total_size;
        uint64_t                   hdr_size;
        uint64_t                   ring_size;
        uint64_t                   max_pkts;
        uint64_t                   max_pkt;
        uint64_t                   chan_off;   /* offsetof(chan) */
        uint64_t                   ring_off[2];
        alignas(SHM_LINE) _Atomic uint32_t state[2];
        _Atomic uint32_t           evseq;      /* bumped on state change */
        _Atomic uint32_t           armed[2];   /* fsets watching side i */
        _Atomic uint64_t           evtok[2];   /* side i's wake-up hint */
        _Atomic uint32_t           awake[2];   /* side i's poller is out
                                                  of poll(), see flow_shm.c */
        _Atomic uint32_t           max_msg[2]; /* side i's largest message
                                                  (0: not said yet) */
        struct shm_chan            chan[2];    /* written by side i */
};

static_assert(sizeof(struct shm_hdr) <= SHM_HDR_SIZE, "header too large");

struct rec {
        uint32_t len; /* payload bytes, or REC_WRAP */
        uint32_t tag; /* (uint32_t) stream offset of this record */
};

#endif /* OUROBOROS_COMMON_FLOW_SHM_LAYOUT_H */
