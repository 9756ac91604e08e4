/*
 * lwip_tcpframe.c - locating a TCP segment inside an Ethernet frame
 * (IPv4 without fragments, or IPv6 with TCP as the first next header).
 */
#include "lwip_tcpframe.h"

int ioth_tcpseg_find(const uint8_t *f, size_t len, struct ioth_tcpseg *s)
{
	const uint8_t *ip = f + IOTH_ETH_HLEN;
	size_t ihl;
	size_t tot;

	if (len < IOTH_ETH_HLEN + IOTH_IP4_HLEN + IOTH_TCP_HLEN)
		return -1;
	s->ip = IOTH_ETH_HLEN;
	switch (ioth_get16(f + 12)) {
	case 0x0800:
		ihl = (size_t) (ip[0] & 0x0f) * 4;
		tot = ioth_get16(ip + 2);
		if ((ip[0] >> 4) != 4 || ihl < IOTH_IP4_HLEN || ip[9] != 6 ||
		    (ioth_get16(ip + 6) & 0x3fff) != 0 ||   /* a fragment */
		    tot < ihl + IOTH_TCP_HLEN || IOTH_ETH_HLEN + tot > len)
			return -1;
		s->v6 = 0;
		s->tcp = IOTH_ETH_HLEN + ihl;
		s->tcplen = tot - ihl;
		return 0;
	case 0x86dd:
		if (len < IOTH_ETH_HLEN + IOTH_IP6_HLEN + IOTH_TCP_HLEN)
			return -1;
		tot = ioth_get16(ip + 4);
		if ((ip[0] >> 4) != 6 || ip[6] != 6 || tot < IOTH_TCP_HLEN ||
		    IOTH_ETH_HLEN + IOTH_IP6_HLEN + tot > len)
			return -1;
		s->v6 = 1;
		s->tcp = IOTH_ETH_HLEN + IOTH_IP6_HLEN;
		s->tcplen = tot;
		return 0;
	default:
		return -1;
	}
}
