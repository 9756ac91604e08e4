/*
 * lwip_ackc.h - ACK coalescing for a batch of received frames (see
 * lwip_ackc.c).  All calls are made with lwIP's core lock held.
 */
#ifndef IOTH_LWIP_ACKC_H
#define IOTH_LWIP_ACKC_H

#include <stddef.h>
#include <stdint.h>

/* IPv6 + TCP headers with the most options TCP allows */
#define IOTH_ACKC_FRAME_MAX (14 + 40 + 60)

typedef int (*ioth_ackc_send_fn)(void *arg, const void *frame, size_t len);

struct ioth_ackc {
	int active;             /* inside a batch */
	size_t len;             /* the held ACK's length, 0 if none */
	uint8_t frame[IOTH_ACKC_FRAME_MAX];
	uint8_t key[36];        /* its addresses and ports */
	size_t key_len;
	uint32_t seq;
	uint32_t ack;
};

/* Start holding pure ACKs back. */
void ioth_ackc_begin(struct ioth_ackc *c);
/* A frame lwIP sends during the batch: 1 if it was held (the caller sends
 * nothing), 0 if the caller must send it (a held ACK went out first). */
int ioth_ackc_output(struct ioth_ackc *c, const uint8_t *f, size_t len,
                     ioth_ackc_send_fn send, void *arg);
/* End of the batch: the held ACK, if any, goes out. */
void ioth_ackc_end(struct ioth_ackc *c, ioth_ackc_send_fn send, void *arg);

#endif /* IOTH_LWIP_ACKC_H */
