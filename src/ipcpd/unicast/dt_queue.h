/*
 * Ouroboros - ipcpd-unicast: the queues of data transfer toward one
 * neighbour, one per QoS cube, served in strict priority (the highest
 * cube first). A packet waits here only while the neighbour's lower
 * flow will not take it (dt.c); it is stored as it goes out (header
 * included), so draining is one write per packet.
 *
 * Bounded per cube in packets and per neighbour in bytes: a push
 * beyond either bound fails and the caller counts the drop.
 *
 * Packets of up to DTQ_SLOT bytes are kept in slots that go back to a
 * free list when sent (at most DTQ_FREE_MAX of them, shared by every
 * queue of the process), so a queue in steady use allocates nothing.
 * One thread (the loop thread) uses all queues.
 */
#ifndef OUROBOROS_IPCPD_UNICAST_DT_QUEUE_H
#define OUROBOROS_IPCPD_UNICAST_DT_QUEUE_H

#include "wire_dt.h"

#include <stddef.h>
#include <stdint.h>

#define DTQ_SLOT      2048   /* bytes of a reusable slot */
#define DTQ_FREE_MAX  1024   /* slots kept for reuse      */

struct dtq_pkt {
        struct dtq_pkt * next;
        size_t           len;
        size_t           cap;   /* bytes of data */
        uint8_t          data[];
};

struct dtq {
        struct dtq_pkt * head;
        struct dtq_pkt * tail;
        size_t           n;
};

struct dtq_set {
        struct dtq q[DT_CUBES];
        size_t     n;       /* packets in all cubes */
        size_t     bytes;   /* and their bytes      */
};

/* Queue a copy of hdr (hl bytes) and p (len bytes) as one packet in
 * cube: 0, -ENOBUFS (cube holds max_pkts, or the set would exceed
 * max_bytes) or -ENOMEM. */
int              dtq_push(struct dtq_set * s,
                          uint8_t          cube,
                          const uint8_t *  hdr,
                          size_t           hl,
                          const uint8_t *  p,
                          size_t           len,
                          size_t           max_pkts,
                          size_t           max_bytes);

/* The next packet to send (highest cube first) with its cube in
 * *cube, or NULL when all are empty. */
struct dtq_pkt * dtq_peek(const struct dtq_set * s,
                          uint8_t *              cube);

/* Free the head of cube. */
void             dtq_pop(struct dtq_set * s,
                         uint8_t          cube);

/* Free everything; returns how many packets that was. */
size_t           dtq_flush(struct dtq_set * s);

/* Release the free list (at exit). */
void             dtq_trim(void);

#endif /* OUROBOROS_IPCPD_UNICAST_DT_QUEUE_H */
