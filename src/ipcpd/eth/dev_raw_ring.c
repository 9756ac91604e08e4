/*
 * Ouroboros - the receive ring of a raw eth device (PACKET_RX_RING,
 * TPACKET_V2): the kernel writes each frame into a slot of a ring this
 * process maps, in the context that delivers it (for a veth, the
 * sender's CPU), so the IPCP reads frames where they lie: no system
 * call and no copy per batch on the receiving side, only the one copy
 * into the application's flow. A device without it (an old kernel, no
 * memory for the ring) receives with recvmmsg as before (dev_raw.c).
 *
 * The ring: RING_BYTES in blocks of RING_BLOCK_FRAMES slots of frame_sz
 * bytes, frame_sz the least power of two that holds the slot header,
 * the address and a frame of the device's MTU; a longer frame arrives
 * cut (tp_len > tp_snaplen) and is reported -EMSGSIZE.
 *
 * Slots are handed back (TP_STATUS_KERNEL) by raw_ring_done, after the
 * caller is through with the frames of a batch, and at the start of the
 * next batch: the kernel reports the socket readable while the slot it
 * wrote last is still ours, so a slot kept across poll() would wake the
 * loop for nothing.
 *
 * Drops: the kernel counts what found the ring full in the socket's
 * statistics (PACKET_STATISTICS, reset on each read: summed here), not
 * in sk_drops (SO_MEMINFO) as for a socket without ring.
 */
#include "dev_raw_ring.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define RING_BYTES        (8 << 20)
#define RING_BLOCK_FRAMES 32

static struct tpacket2_hdr * slot(const struct eth_dev * d,
                                  unsigned               i)
{
        return (struct tpacket2_hdr *) (d->ring + (size_t) i * d->frame_sz);
}

int raw_ring_open(struct eth_dev * d)
{
        struct tpacket_req req;
        int                v = TPACKET_V2;
        size_t             need;
        size_t             fs = 2048;
        void *             m;

        /* slot header, address, the MAC header's alignment, the frame */
        need = TPACKET_ALIGN(TPACKET2_HDRLEN) + 16 + ETH_MAC_HDR_LEN +
                d->mtu + 4;
        while (fs < need)
                fs <<= 1;

        if (setsockopt(d->fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0)
                return -errno;

        memset(&req, 0, sizeof(req));
        req.tp_frame_size = (unsigned) fs;
        req.tp_block_size = (unsigned) (fs * RING_BLOCK_FRAMES);
        req.tp_block_nr   = (unsigned) (RING_BYTES / req.tp_block_size);
        if (req.tp_block_nr < 4)
                req.tp_block_nr = 4;
        req.tp_frame_nr   = req.tp_block_nr * RING_BLOCK_FRAMES;
        if (setsockopt(d->fd, SOL_PACKET, PACKET_RX_RING, &req,
                       sizeof(req)) < 0)
                return -errno;

        m = mmap(NULL, (size_t) req.tp_block_size * req.tp_block_nr,
                 PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, 0);
        if (m == MAP_FAILED) {
                v = -errno;
                /* no ring after all, or frames would go only to it */
                memset(&req, 0, sizeof(req));
                (void) setsockopt(d->fd, SOL_PACKET, PACKET_RX_RING, &req,
                                  sizeof(req));
                return v;
        }

        d->ring     = m;
        d->ring_len = (size_t) req.tp_block_size * req.tp_block_nr;
        d->frame_sz = fs;
        d->nframes  = req.tp_frame_nr;
        d->head     = 0;
        d->held     = 0;

        return 0;
}

void raw_ring_close(struct eth_dev * d)
{
        if (d->ring != NULL)
                munmap(d->ring, d->ring_len);
        d->ring = NULL;
}

void raw_ring_done(struct eth_dev * d)
{
        unsigned i = (d->head + d->nframes - d->held) % d->nframes;

        for (; d->held > 0; --d->held, i = (i + 1) % d->nframes)
                __atomic_store_n(&slot(d, i)->tp_status, TP_STATUS_KERNEL,
                                 __ATOMIC_RELEASE);
}

int raw_ring_batch(struct eth_dev * d,
                   struct eth_rx *  rx,
                   int              n)
{
        struct tpacket2_hdr * h;
        struct sockaddr_ll *  sll;
        uint8_t *             fr;
        uint32_t              st;
        int                   got = 0;

        raw_ring_done(d);

        while (got < n) {
                h  = slot(d, d->head);
                st = __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE);
                if (!(st & TP_STATUS_USER))
                        break;

                sll = (struct sockaddr_ll *)
                        ((uint8_t *) h + TPACKET_ALIGN(sizeof(*h)));
                fr  = (uint8_t *) h + h->tp_mac;
                rx[got].frame = fr;
                if (sll->sll_pkttype == PACKET_OUTGOING)
                        rx[got].len = 0;
                else if (h->tp_len > h->tp_snaplen ||
                         h->tp_mac + h->tp_snaplen > d->frame_sz)
                        rx[got].len = -EMSGSIZE;
                else if (!eth_dev_proto_match(d->proto, fr, h->tp_snaplen)) {
                        ++d->foreign;
                        rx[got].len = 0;
                } else {
                        rx[got].len = (ssize_t) h->tp_snaplen;
                }

                ++got;
                ++d->held;
                d->head = (d->head + 1) % d->nframes;
        }

        return got > 0 ? got : -EAGAIN;
}

ssize_t raw_ring_recv(struct eth_dev * d,
                      uint8_t *        buf,
                      size_t           cap)
{
        struct eth_rx rx;
        int           skip;
        int           n;

        for (skip = 0; skip < ETH_DEV_SKIP_MAX; ++skip) {
                n = raw_ring_batch(d, &rx, 1);
                if (n < 0)
                        return n;
                if (rx.len == 0)
                        continue;   /* sent by this host, or foreign */
                if (rx.len < 0 || (size_t) rx.len >= cap) {
                        raw_ring_done(d);
                        return -EMSGSIZE;
                }
                memcpy(buf, rx.frame, (size_t) rx.len);
                raw_ring_done(d);
                return rx.len;
        }

        raw_ring_done(d);

        return -EAGAIN;
}

int64_t raw_ring_drops(struct eth_dev * d)
{
        struct tpacket_stats st;
        socklen_t            len = sizeof(st);

        if (getsockopt(d->fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
                return -errno;

        d->ring_drops += st.tp_drops;

        return (int64_t) d->ring_drops;
}
