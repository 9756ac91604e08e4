/*
 * lwip_backlog.c - the listen backlog of the lwip back-end, enforced as
 * the kernel enforces it: a SYN for a listener whose accept queue is full
 * is dropped (the peer sends it again), never answered.
 *
 * Debian builds lwIP without TCP_LISTEN_BACKLOG: a listener answers every
 * SYN, and each completed handshake goes to the listening netconn's accept
 * mailbox, a ring of 128.  When it is full lwIP aborts the new connection
 * with a RST: a client, already connected, reads ECONNRESET where it
 * expected data and EOF (1-7 of 200 connections opened at once), or its
 * connect() fails.  So frames are looked at before lwIP sees them (with
 * the core lock held, in lwip_netif.c): a bare SYN to a listening port
 * whose queued connections, accepted or still in handshake, reach
 * min(backlog + 1, IOTH_ACCEPT_MAX) is dropped.
 */
#include "lwip/opt.h"
#include "lwip/api.h"
#include "lwip/tcp.h"
#include "lwip/priv/sockets_priv.h"
#include "lwip/priv/tcp_priv.h"

#include "lwip_netif.h"
#include "lwip_sock.h"
#include "lwip_tcpframe.h"

/* below the 128 entries of an lwIP mailbox, with room for handshakes
 * completing meanwhile */
#define IOTH_ACCEPT_MAX 112

/* Connections of listener l not yet accepted by the application. */
static int queued(struct tcp_pcb_listen *l)
{
	struct netconn *conn = l->callback_arg;
	struct lwip_sock *sk;
	struct tcp_pcb *pcb;
	int n = 0;

	if (conn == NULL)
		return 0;
	sk = lwip_socket_dbg_get_socket(conn->socket);
	if (sk != NULL && sk->rcvevent > 0)
		n = sk->rcvevent;
	for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next)
		if (pcb->state == SYN_RCVD && pcb->listener == l)
			n++;
	return n;
}

static int limit(struct tcp_pcb_listen *l)
{
	struct netconn *conn = l->callback_arg;
	int b = conn != NULL ? ioth_lwip_sock_backlog(conn->socket) : 0;

	b = b < 0 ? 1 : b + 1;
	return b < IOTH_ACCEPT_MAX ? b : IOTH_ACCEPT_MAX;
}

int ioth_backlog_drop(const uint8_t *f, size_t len)
{
	struct tcp_pcb_listen *l;
	struct ioth_tcpseg s;
	uint16_t port;
	uint8_t flags;

	if (ioth_tcpseg_find(f, len, &s) < 0)
		return 0;
	flags = f[s.tcp + 13];
	if ((flags & (IOTH_TCP_SYN | IOTH_TCP_ACK | IOTH_TCP_RST)) !=
	    IOTH_TCP_SYN)
		return 0;
	port = ioth_get16(f + s.tcp + 2);
	for (l = tcp_listen_pcbs.listen_pcbs; l != NULL; l = l->next)
		if (l->local_port == port)
			return queued(l) >= limit(l);
	return 0;
}
