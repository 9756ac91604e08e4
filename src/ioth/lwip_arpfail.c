/*
 * lwip_arpfail.c - connect() to an on-link address that nobody answers ARP
 * for fails with EHOSTUNREACH after IOTH_ARP_TRIES requests one second
 * apart, as on Linux (three probes, then the neighbour entry fails and the
 * pending connect() gets EHOSTUNREACH).  lwIP alone resends the SYN, and
 * an ARP request with it, until its SYN retries run out 31 s later, then
 * reports ECONNABORTED.
 *
 * While a connection is in SYN_SENT, a one-second lwIP timer (run by the
 * tcpip thread with the core lock held) looks up each such connection's
 * next hop (its destination when on the link, else the interface's
 * gateway) in the ARP table.  Unresolved, it sends another request; after
 * IOTH_ARP_TRIES of them the connection is dropped without a segment, its
 * netconn is told ERR_ABRT (the only errors lwIP's netconn layer takes
 * are its own), and the socket is marked so that lwip_sock.c reports
 * that abort as EHOSTUNREACH.  The timer stops when no connection is being made, so an
 * idle stack does not wake up for it.  IPv4 only: lwIP's IPv6 neighbour
 * cache has no public lookup.
 */
#include <string.h>

#include "lwip/opt.h"
#include "lwip/api.h"
#include "lwip/etharp.h"
#include "lwip/ip4.h"
#include "lwip/netif.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"

#include "lwip_sock.h"

#define IOTH_ARP_TRIES  3
#define TICK_MS         1000
#define MAXWATCH        64

struct watch {
	const struct tcp_pcb *pcb;
	u16_t lport;
	u16_t rport;
	int tries;
	int seen;
};

static struct watch w[MAXWATCH];
static int armed;

/* The ARP next hop of pcb and the interface to it; 0 if there is none
 * to watch (IPv6, no route, no gateway). */
static int next_hop(const struct tcp_pcb *pcb, struct netif **n,
                    ip4_addr_t *nh)
{
	const ip4_addr_t *dst;

	if (!IP_IS_V4(&pcb->remote_ip))
		return 0;
	dst = ip_2_ip4(&pcb->remote_ip);
	*n = ip4_route(dst);
	if (*n == NULL || !((*n)->flags & NETIF_FLAG_ETHARP))
		return 0;
	if (ip4_addr_netcmp(dst, netif_ip4_addr(*n), netif_ip4_netmask(*n)))
		ip4_addr_copy(*nh, *dst);
	else if (!ip4_addr_isany_val(*netif_ip4_gw(*n)))
		ip4_addr_copy(*nh, *netif_ip4_gw(*n));
	else
		return 0;
	return 1;
}

static struct watch *find(const struct tcp_pcb *pcb)
{
	struct watch *free_slot = NULL;
	int i;

	for (i = 0; i < MAXWATCH; i++) {
		if (w[i].pcb == pcb && w[i].lport == pcb->local_port &&
		    w[i].rport == pcb->remote_port)
			return &w[i];
		if (w[i].pcb == NULL && free_slot == NULL)
			free_slot = &w[i];
	}
	if (free_slot != NULL) {
		free_slot->pcb = pcb;
		free_slot->lport = pcb->local_port;
		free_slot->rport = pcb->remote_port;
		free_slot->tries = 0;
	}
	return free_slot;
}

static void unreachable(struct tcp_pcb *pcb)
{
	tcp_err_fn errf = pcb->errf;
	struct netconn *conn = pcb->callback_arg;

	if (conn != NULL)
		ioth_lwip_sock_unreachable(conn->socket);
	tcp_err(pcb, NULL);
	tcp_abandon(pcb, 0);    /* frees pcb; nothing is sent */
	if (errf != NULL)
		errf(conn, ERR_ABRT);
}

static void tick(void *arg)
{
	struct tcp_pcb *pcb;
	int connecting = 0;
	int again = 1;
	int i;

	(void) arg;
	for (i = 0; i < MAXWATCH; i++)
		w[i].seen = 0;
	while (again) {
		again = 0;
		for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
			struct netif *n;
			struct eth_addr *ea;
			const ip4_addr_t *ia;
			struct watch *x;
			ip4_addr_t nh;

			if (pcb->state != SYN_SENT)
				continue;
			connecting = 1;
			if (!next_hop(pcb, &n, &nh))
				continue;
			x = find(pcb);
			if (x == NULL || x->seen)
				continue;
			x->seen = 1;
			if (etharp_find_addr(n, &nh, &ea, &ia) >= 0) {
				x->tries = 0;
				continue;
			}
			if (++x->tries < IOTH_ARP_TRIES) {
				etharp_request(n, &nh);
				continue;
			}
			x->pcb = NULL;
			unreachable(pcb);       /* the list changed */
			again = 1;
			break;
		}
	}
	for (i = 0; i < MAXWATCH; i++)
		if (!w[i].seen)
			w[i].pcb = NULL;
	armed = connecting;
	if (armed)
		sys_timeout(TICK_MS, tick, NULL);
}

void ioth_arpfail_watch(void)
{
	LOCK_TCPIP_CORE();
	if (!armed) {
		armed = 1;
		sys_timeout(TICK_MS, tick, NULL);
	}
	UNLOCK_TCPIP_CORE();
}
