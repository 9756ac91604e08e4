/*
 * lwip_tcpframe.h - locating a TCP segment inside an Ethernet frame, for
 * the frame-level TCP helpers of the lwip back-end (lwip_mss.c,
 * lwip_ackc.c).
 */
#ifndef IOTH_LWIP_TCPFRAME_H
#define IOTH_LWIP_TCPFRAME_H

#include <stddef.h>
#include <stdint.h>

#define IOTH_ETH_HLEN   14
#define IOTH_IP4_HLEN   20
#define IOTH_IP6_HLEN   40
#define IOTH_TCP_HLEN   20

/* TCP header flags (byte 13) */
#define IOTH_TCP_FIN    0x01
#define IOTH_TCP_SYN    0x02
#define IOTH_TCP_RST    0x04
#define IOTH_TCP_ACK    0x10
#define IOTH_TCP_URG    0x20

/* Where a TCP segment lies in a frame (offsets from the frame's start). */
struct ioth_tcpseg {
	int v6;
	size_t ip;              /* IP header */
	size_t tcp;             /* TCP header */
	size_t tcplen;          /* TCP header, options and payload */
};

/* 0 and *s if frame f (len bytes) carries an unfragmented IPv4 or IPv6
 * TCP segment whose lengths are consistent, -1 otherwise. */
int ioth_tcpseg_find(const uint8_t *f, size_t len, struct ioth_tcpseg *s);

static inline uint16_t ioth_get16(const uint8_t *p)
{
	return (uint16_t) (p[0] << 8 | p[1]);
}

static inline uint32_t ioth_get32(const uint8_t *p)
{
	return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 |
	       (uint32_t) p[2] << 8 | p[3];
}

#endif /* IOTH_LWIP_TCPFRAME_H */
