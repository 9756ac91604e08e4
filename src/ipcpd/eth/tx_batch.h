/*
 * Ouroboros - the eth IPCP's send batch: data frames are built into
 * slots of one buffer as the shim hands them over (the payload copied
 * once, the shim releasing it from the application's flow at once) and
 * go out together, one system call for up to ETH_DEV_BATCH of them
 * (eth_dev_send_batch: sendmmsg on a raw socket), when the shim ends a
 * round of sends (its flush) or the batch is full.
 *
 * Back-pressure without loss: frames the device refuses (-EAGAIN: a
 * full socket buffer; -ENOBUFS: a queueing discipline such as tbf)
 * stay in the batch, in order, and go first when it drains; while any
 * wait, the batch takes no new frame. A frame the device rejects for
 * good (e.g. -ENETDOWN) is dropped and counted.
 */
#ifndef OUROBOROS_IPCPD_ETH_TX_BATCH_H
#define OUROBOROS_IPCPD_ETH_TX_BATCH_H

#include "dev.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct eth_txb {
        uint8_t *    buf;               /* ETH_DEV_BATCH slots         */
        size_t       slot;              /* bytes per slot: one frame   */
        struct iovec v[ETH_DEV_BATCH];  /* the frames, first..n-1 wait */
        int          first;
        int          n;
        bool         blocked;           /* the device refused: wait    */
        uint64_t     frames;            /* sent, for the counters      */
        uint64_t     bytes;
        uint64_t     dropped;           /* refused for good, or flushed
                                           away by eth_txb_clear       */
};

/* Slots of slot bytes (the largest frame). 0 or -ENOMEM. */
int       eth_txb_init(struct eth_txb * b,
                       size_t           slot);

void      eth_txb_fini(struct eth_txb * b);

/* The slot the next frame goes in (slot bytes), or NULL when the
 * batch is full or frames wait for a full device. */
uint8_t * eth_txb_slot(struct eth_txb * b);

/* The frame of len bytes built in the slot eth_txb_slot gave joins
 * the batch. */
void      eth_txb_add(struct eth_txb * b,
                      size_t           len);

/* Frames in the batch, not sent yet. */
int       eth_txb_pending(const struct eth_txb * b);

/* Send what the batch holds: 0 once it is empty, or -EAGAIN / -ENOBUFS
 * when the device took only part of it (the rest waits, in order). */
int       eth_txb_flush(struct eth_txb * b,
                        struct eth_dev * d);

/* Drop what waits (the device is going away), counted in dropped. */
void      eth_txb_clear(struct eth_txb * b);

#endif /* OUROBOROS_IPCPD_ETH_TX_BATCH_H */
