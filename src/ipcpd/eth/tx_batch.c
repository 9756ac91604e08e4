/*
 * Ouroboros - the eth IPCP's send batch (tx_batch.h).
 */
#include "tx_batch.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdlib.h>

int eth_txb_init(struct eth_txb * b,
                 size_t           slot)
{
        b->buf = malloc(slot * ETH_DEV_BATCH);
        if (b->buf == NULL)
                return -ENOMEM;
        b->slot    = slot;
        b->first   = 0;
        b->n       = 0;
        b->blocked = false;
        b->frames  = 0;
        b->bytes   = 0;
        b->dropped = 0;

        return 0;
}

void eth_txb_fini(struct eth_txb * b)
{
        free(b->buf);
        b->buf = NULL;
        eth_txb_clear(b);
}

uint8_t * eth_txb_slot(struct eth_txb * b)
{
        if (b->buf == NULL || b->blocked || b->n == ETH_DEV_BATCH)
                return NULL;

        return b->buf + (size_t) b->n * b->slot;
}

void eth_txb_add(struct eth_txb * b,
                 size_t           len)
{
        b->v[b->n].iov_base = b->buf + (size_t) b->n * b->slot;
        b->v[b->n].iov_len  = len;
        ++b->n;
}

int eth_txb_pending(const struct eth_txb * b)
{
        return b->n - b->first;
}

int eth_txb_flush(struct eth_txb * b,
                  struct eth_dev * d)
{
        ssize_t r;
        int     i;

        while (b->first < b->n) {
                r = eth_dev_send_batch(d, b->v + b->first,
                                       b->n - b->first);
                if (r == -EAGAIN || r == -ENOBUFS) {
                        b->blocked = true;
                        return (int) r;
                }
                if (r < 0) {    /* this frame cannot go: dropped */
                        ++b->dropped;
                        ++b->first;
                        continue;
                }
                for (i = 0; i < r; ++i)
                        b->bytes += b->v[b->first + i].iov_len;
                b->frames += (uint64_t) r;
                b->first  += (int) r;
        }

        b->first   = 0;
        b->n       = 0;
        b->blocked = false;

        return 0;
}

void eth_txb_clear(struct eth_txb * b)
{
        b->dropped += (uint64_t) (b->n - b->first);
        b->first   = 0;
        b->n       = 0;
        b->blocked = false;
}
