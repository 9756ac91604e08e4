/*
 * lwip_mss.c - TCP segments as large as the interface MTU (jumbo frames)
 * on Debian's lwIP, whose TCP_MSS is fixed at 1460 when it is built.
 *
 * lwIP announces min(TCP_MSS, MTU - headers) in its SYNs and caps the MSS
 * it learns from a peer at TCP_MSS.  On an interface whose MTU exceeds 1500
 * this file does, at the Ethernet level, what a larger TCP_MSS would do:
 *  - outgoing SYNs: the MSS option is raised to MTU - headers (lwIP takes
 *    segments of any size on input, so the announcement is true);
 *  - incoming SYNs: the peer's MSS option is read before lwIP sees the
 *    frame, and once lwIP has made or updated the connection's PCB, its
 *    send MSS (and the initial congestion window derived from it) is raised
 *    to min(peer's MSS, MTU - headers).
 * A peer that announces 1460 or less (or nothing) gets exactly what lwIP
 * alone would have given it.
 */
#include <string.h>
#include <arpa/inet.h>

#include "lwip/opt.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "lwip_netif.h"
#include "lwip_tcpframe.h"

/* lwIP's initial congestion window for an MSS (RFC 3390), as in tcp_in.c */
#define INITIAL_CWND(mss) \
	((tcpwnd_size_t) LWIP_MIN(4U * (mss), LWIP_MAX(2U * (mss), 4380U)))

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t) (v >> 8);
	p[1] = (uint8_t) v;
}

/* Locate a TCP SYN in frame; 0 if it is one, -1 otherwise. */
static int find_syn(const uint8_t *f, size_t len, struct ioth_tcpseg *s)
{
	if (ioth_tcpseg_find(f, len, s) < 0 || !(f[s->tcp + 13] & IOTH_TCP_SYN))
		return -1;
	return 0;
}

/* The MSS option of a SYN, or NULL. */
static uint8_t *mss_option(uint8_t *tcp, size_t tcplen)
{
	size_t hl = (size_t) (tcp[12] >> 4) * 4;
	size_t i = IOTH_TCP_HLEN;

	if (hl < IOTH_TCP_HLEN || hl > tcplen)
		return NULL;
	while (i < hl) {
		uint8_t kind = tcp[i];
		if (kind == 0)                  /* end of options */
			return NULL;
		if (kind == 1) {                /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= hl || tcp[i + 1] < 2 || i + tcp[i + 1] > hl)
			return NULL;
		if (kind == 2 && tcp[i + 1] == 4)
			return tcp + i + 2;
		i += tcp[i + 1];
	}
	return NULL;
}

/* The largest MSS the interface carries for this IP version. */
static uint16_t if_mss(const struct netif *n, int v6)
{
	u16_t mtu = v6 ? netif_mtu6(n) : n->mtu;
	u16_t hdr = (u16_t) ((v6 ? IOTH_IP6_HLEN : IOTH_IP4_HLEN) +
	                     IOTH_TCP_HLEN);

	return mtu > hdr ? (uint16_t) (mtu - hdr) : 0;
}

void ioth_mss_output(const struct netif *n, uint8_t *f, size_t len)
{
	struct ioth_tcpseg s;
	uint8_t *tcp;
	uint8_t *opt;
	uint16_t old;
	uint16_t mss;
	uint32_t sum;

	if (n->mtu <= 1500 || find_syn(f, len, &s) < 0)
		return;
	tcp = f + s.tcp;
	opt = mss_option(tcp, s.tcplen);
	mss = if_mss(n, s.v6);
	if (opt == NULL || (old = ioth_get16(opt)) >= mss)
		return;
	put16(opt, mss);
	/* incremental checksum update (RFC 1624: HC' = ~(~HC + ~m + m')) */
	sum = (uint16_t) ~ioth_get16(tcp + 16);
	sum += (uint16_t) ~old;
	sum += mss;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	put16(tcp + 16, (uint16_t) ~sum);
}

int ioth_mss_input_peek(const struct netif *n, uint8_t *f, size_t len,
                        struct ioth_syn *syn)
{
	struct ioth_tcpseg s;
	const uint8_t *ip;
	uint8_t *tcp;
	uint8_t *opt;
	uint16_t mss;

	if (n->mtu <= 1500 || find_syn(f, len, &s) < 0)
		return 0;
	ip = f + s.ip;
	tcp = f + s.tcp;
	opt = mss_option(tcp, s.tcplen);
	if (opt == NULL)
		return 0;
	mss = ioth_get16(opt);
	if (mss > if_mss(n, s.v6))
		mss = if_mss(n, s.v6);
	if (mss <= TCP_MSS)
		return 0;
	syn->mss = mss;
	syn->v6 = s.v6;
	syn->ack = (tcp[13] & IOTH_TCP_ACK) != 0;
	syn->sport = ioth_get16(tcp);
	syn->dport = ioth_get16(tcp + 2);
	if (s.v6) {
		memcpy(syn->src, ip + 8, 16);
		memcpy(syn->dst, ip + 24, 16);
	} else {
		memcpy(syn->src, ip + 12, 4);
		memcpy(syn->dst, ip + 16, 4);
	}
	return 1;
}

static int addr_is(const ip_addr_t *a, int v6, const uint8_t *raw)
{
	if (v6)
		return IP_IS_V6(a) && memcmp(ip_2_ip6(a)->addr, raw, 16) == 0;
	return IP_IS_V4(a) && memcmp(&ip_2_ip4(a)->addr, raw, 4) == 0;
}

void ioth_mss_input_apply(const struct ioth_syn *syn)
{
	struct tcp_pcb *pcb;

	for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
		if (pcb->local_port != syn->dport ||
		    pcb->remote_port != syn->sport ||
		    !addr_is(&pcb->remote_ip, syn->v6, syn->src) ||
		    !addr_is(&pcb->local_ip, syn->v6, syn->dst))
			continue;
		if (syn->ack) {
			/* our connect completed just now: nothing but the SYN
			 * was sent, so the initial window is redone too */
			if (pcb->state != ESTABLISHED ||
			    pcb->snd_nxt != pcb->lastack || pcb->mss >= syn->mss)
				return;
			pcb->mss = syn->mss;
			pcb->cwnd = INITIAL_CWND(pcb->mss);
			ioth_wnd_grow(pcb);
		} else if (pcb->state == SYN_RCVD && pcb->mss < syn->mss) {
			/* the window is set from mss when the ACK arrives */
			pcb->mss = syn->mss;
			ioth_wnd_grow(pcb);
		}
		return;
	}
}
