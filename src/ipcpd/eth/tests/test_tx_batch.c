/*
 * The eth IPCP's send batch (tx_batch.h) over a fake device:
 *  - frames go out in order, one device call for the batch;
 *  - a device that takes part of the batch: the rest waits, in order,
 *    the batch takes no new frame until it drained (no loss, no
 *    reordering), -EAGAIN and -ENOBUFS alike;
 *  - a full batch takes no new frame until flushed;
 *  - a frame refused for good is dropped and counted, the rest go;
 *  - eth_txb_clear drops (and counts) what waits.
 */
#include "tx_batch.h"

#include <errno.h>
#include <string.h>

#include "../../../../tests/check.h"

static int     room;          /* frames the device takes, -1: any */
static int     err = -EAGAIN; /* what it says when it takes none  */
static uint8_t got[256];      /* first payload byte of each frame */
static int     ngot;
static int     calls;

static ssize_t fake_batch(struct eth_dev *     d,
                          const struct iovec * v,
                          int                  n)
{
        const uint8_t * p;
        int             i;

        (void) d;
        ++calls;
        for (i = 0; i < n && room != 0; ++i) {
                p = v[i].iov_base;
                if (p[ETH_MAC_HDR_LEN] == 0xee) /* a bad one */
                        return i > 0 ? i : -ENETDOWN;
                got[ngot++] = p[ETH_MAC_HDR_LEN];
                if (room > 0)
                        --room;
        }

        return i > 0 ? i : err;
}

static const struct eth_dev_ops fake_ops = {
        .kind       = "fake",
        .send_batch = fake_batch
};

static void add(struct eth_txb * b,
                uint8_t          tag)
{
        uint8_t * s = eth_txb_slot(b);

        CHECK(s != NULL);
        memset(s, 0, ETH_MAC_HDR_LEN);
        memset(s + ETH_MAC_HDR_LEN, tag, 6);
        eth_txb_add(b, ETH_MAC_HDR_LEN + 6);
}

int main(void)
{
        struct eth_dev d;
        struct eth_txb b;
        int            i;

        memset(&d, 0, sizeof(d));
        d.ops = &fake_ops;
        d.mtu = 1500;
        CHECK(eth_txb_init(&b, ETH_MAC_HDR_LEN + 1500) == 0);

        /* in order, one call */
        room = -1;
        for (i = 0; i < 5; ++i)
                add(&b, (uint8_t) i);
        CHECK(eth_txb_pending(&b) == 5);
        CHECK(eth_txb_flush(&b, &d) == 0 && calls == 1);
        CHECK(ngot == 5 && b.frames == 5 &&
              b.bytes == 5 * (ETH_MAC_HDR_LEN + 6));
        for (i = 0; i < 5; ++i)
                CHECK(got[i] == i);
        CHECK(eth_txb_flush(&b, &d) == 0 && calls == 1); /* empty */

        /* part of it: the rest waits, nothing new joins */
        ngot = 0;
        room = 3;
        for (i = 0; i < 8; ++i)
                add(&b, (uint8_t) (10 + i));
        CHECK(eth_txb_flush(&b, &d) == -EAGAIN);
        CHECK(ngot == 3 && eth_txb_pending(&b) == 5);
        CHECK(eth_txb_slot(&b) == NULL);
        err  = -ENOBUFS; /* a queueing discipline: the same */
        room = 0;
        CHECK(eth_txb_flush(&b, &d) == -ENOBUFS && ngot == 3);
        CHECK(eth_txb_slot(&b) == NULL);
        room = -1;
        CHECK(eth_txb_flush(&b, &d) == 0 && ngot == 8);
        for (i = 0; i < 8; ++i)
                CHECK(got[i] == 10 + i);
        CHECK(eth_txb_slot(&b) != NULL && eth_txb_pending(&b) == 0);

        /* full: no new frame until it went */
        ngot = 0;
        for (i = 0; i < ETH_DEV_BATCH; ++i)
                add(&b, (uint8_t) i);
        CHECK(eth_txb_slot(&b) == NULL && !b.blocked);
        CHECK(eth_txb_flush(&b, &d) == 0 && ngot == ETH_DEV_BATCH);

        /* refused for good: dropped, counted, the rest go */
        ngot = 0;
        add(&b, 1);
        add(&b, 0xee);
        add(&b, 2);
        CHECK(eth_txb_flush(&b, &d) == 0);
        CHECK(ngot == 2 && got[0] == 1 && got[1] == 2 && b.dropped == 1);

        /* the device goes: what waits is dropped and counted */
        room = 0;
        err  = -EAGAIN;
        add(&b, 3);
        add(&b, 4);
        CHECK(eth_txb_flush(&b, &d) == -EAGAIN);
        eth_txb_clear(&b);
        CHECK(b.dropped == 3 && eth_txb_pending(&b) == 0);
        CHECK(eth_txb_slot(&b) != NULL);

        eth_txb_fini(&b);
        CHECK(eth_txb_slot(&b) == NULL);

        printf("PASS\n");

        return 0;
}
