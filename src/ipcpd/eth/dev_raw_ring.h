/*
 * Ouroboros - the receive ring of a raw eth device (dev_raw_ring.c),
 * for dev_raw.c only.
 */
#ifndef OUROBOROS_IPCPD_ETH_DEV_RAW_RING_H
#define OUROBOROS_IPCPD_ETH_DEV_RAW_RING_H

#include "dev.h"

/* Map a ring on d's socket (bound, d->mtu known): 0, or -errno (then
 * the device receives without one). */
int     raw_ring_open(struct eth_dev * d);

void    raw_ring_close(struct eth_dev * d);

/* Up to n frames where they lie in the ring (rx[i].frame), held until
 * raw_ring_done or the next batch: the count, or -EAGAIN. */
int     raw_ring_batch(struct eth_dev * d,
                       struct eth_rx *  rx,
                       int              n);

/* Hand the held slots back to the kernel. */
void    raw_ring_done(struct eth_dev * d);

/* One frame copied into buf, as eth_dev_recv. */
ssize_t raw_ring_recv(struct eth_dev * d,
                      uint8_t *        buf,
                      size_t           cap);

/* Frames the kernel dropped for a full ring since the device opened,
 * or -errno. */
int64_t raw_ring_drops(struct eth_dev * d);

#endif /* OUROBOROS_IPCPD_ETH_DEV_RAW_RING_H */
