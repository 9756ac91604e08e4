/*
 * lwip_ackc.c - ACK coalescing.
 *
 * lwIP acknowledges every second full segment it receives, so a receiver
 * fed a batch of frames in one go (lwip_netif.c reads up to 32 per
 * wake-up) answers with a burst of ACKs, each of which crosses the switch
 * and wakes the sender, though the last one says all the others say.
 * While a batch is fed to lwIP, a pure ACK (no data, no SYN, FIN, RST or
 * URG) is held back; a later pure ACK of the same connection that
 * acknowledges more (same sequence number, higher acknowledgement number)
 * replaces it, and anything else sends it first.  The held ACK goes out at
 * the end of the batch, before the core lock is released.
 *
 * A duplicate ACK (same acknowledgement number) never replaces another,
 * so the loss signal fast retransmit relies on reaches the sender intact;
 * window updates with an unchanged acknowledgement number are sent as
 * they are.  The effect is that of a receiver that delays its ACK until
 * it has read what arrived together, as Linux's GRO does.
 */
#include <string.h>

#include "lwip_ackc.h"
#include "lwip_tcpframe.h"

/* The connection key of a segment (addresses, then ports); its length. */
static size_t seg_key(const uint8_t *f, const struct ioth_tcpseg *s,
                      uint8_t key[36])
{
	size_t alen = s->v6 ? 32 : 8;

	memcpy(key, f + s->ip + (s->v6 ? 8 : 12), alen);
	memcpy(key + alen, f + s->tcp, 4);
	return alen + 4;
}

static int pure_ack(const uint8_t *f, size_t len, struct ioth_tcpseg *s)
{
	const uint8_t *tcp;

	if (len > IOTH_ACKC_FRAME_MAX || ioth_tcpseg_find(f, len, s) < 0)
		return 0;
	tcp = f + s->tcp;
	return (tcp[13] & (IOTH_TCP_SYN | IOTH_TCP_FIN | IOTH_TCP_RST |
	                   IOTH_TCP_URG | IOTH_TCP_ACK)) == IOTH_TCP_ACK &&
	       (size_t) (tcp[12] >> 4) * 4 == s->tcplen;
}

static void hold(struct ioth_ackc *c, const uint8_t *f, size_t len,
                 const struct ioth_tcpseg *s)
{
	memcpy(c->frame, f, len);
	c->len = len;
	c->key_len = seg_key(f, s, c->key);
	c->seq = ioth_get32(f + s->tcp + 4);
	c->ack = ioth_get32(f + s->tcp + 8);
}

/* True if the pure ACK f acknowledges more than the held one on the same
 * connection and says nothing else new. */
static int supersedes(const struct ioth_ackc *c, const uint8_t *f,
                      const struct ioth_tcpseg *s)
{
	uint8_t key[36];
	uint32_t ack = ioth_get32(f + s->tcp + 8);

	return seg_key(f, s, key) == c->key_len &&
	       memcmp(key, c->key, c->key_len) == 0 &&
	       ioth_get32(f + s->tcp + 4) == c->seq &&
	       (int32_t) (ack - c->ack) > 0;
}

static void flush(struct ioth_ackc *c, ioth_ackc_send_fn send, void *arg)
{
	if (c->len > 0) {
		/* a lost ACK is recovered by the next one, as on a wire */
		send(arg, c->frame, c->len);
		c->len = 0;
	}
}

void ioth_ackc_begin(struct ioth_ackc *c)
{
	c->active = 1;
	c->len = 0;
}

int ioth_ackc_output(struct ioth_ackc *c, const uint8_t *f, size_t len,
                     ioth_ackc_send_fn send, void *arg)
{
	struct ioth_tcpseg s;
	int pure;

	if (!c->active)
		return 0;
	pure = pure_ack(f, len, &s);
	if (pure && c->len > 0 && supersedes(c, f, &s)) {
		hold(c, f, len, &s);
		return 1;
	}
	flush(c, send, arg);
	if (!pure)
		return 0;
	hold(c, f, len, &s);
	return 1;
}

void ioth_ackc_end(struct ioth_ackc *c, ioth_ackc_send_fn send, void *arg)
{
	flush(c, send, arg);
	c->active = 0;
}
