/*
 * lwip_netif.c - lwIP netif driver for VDE.
 *
 * Transmit: lwIP calls linkoutput in the context of whichever thread holds
 * the core lock; the frame is flattened and handed to vde_send().  While a
 * batch of received frames is fed to lwIP, pure ACKs are coalesced
 * (lwip_ackc.c).
 * Receive: one thread per interface polls the VDE data descriptor, reads
 * each frame straight into a pbuf and feeds it to ethernet_input() under
 * the core lock (cheaper than posting to the tcpip thread mailbox), in
 * batches of up to BATCH frames per wake-up where the plugin allows
 * non-blocking reads.
 * Link loss (the switch dies): the control descriptor hangs up; the link is
 * set down and every TCP connection using the interface is aborted, so
 * programs get ECONNABORTED instead of waiting for retransmission timers.
 * Closing an interface (stack teardown) drops connections the same way,
 * but those already closed by the application go without a RST.
 */
#include <errno.h>
#include <sys/epoll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <fcntl.h>
#include <unistd.h>

#include <libvdeplug.h>

#include "lwip/opt.h"
#include "lwip/etharp.h"
#include "lwip/ethip6.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcpip.h"
#include "netif/ethernet.h"

#include "lwip_ackc.h"
#include "lwip_netif.h"

#define FRAME_MAX VDE_ETHBUFSIZE /* largest frame VDE carries (jumbo) */
#define L2_HLEN (14 + 4)        /* Ethernet header and an 802.1Q tag */
#define SYN_MAX 128             /* larger frames are never bare SYNs */
#define BATCH 32        /* frames read per wake-up on vde:// networks */

struct ioth_vnif {
	struct netif netif;
	VDECONN *conn;
	pthread_t rx;
	int stop[2];            /* pipe: written to stop the rx thread */
	int running;
	int batch;              /* data descriptor readable with recv() */
	volatile int rx_len;    /* receive buffer size: MTU + L2_HLEN */
	int datafd;             /* vde_datafd() */
	int ep;                 /* the receive thread's epoll set */
	pthread_mutex_t rx_lock;        /* one reader at a time: in order */
	pthread_mutex_t reg_lock;       /* guards inline_readers */
	int inline_readers;     /* threads reading frames in lwip_wait.c */
	uint8_t mac[6];
	struct ioth_ackc ackc;  /* ACKs held while a batch is fed to lwIP */
};

static int vnif_send(void *arg, const void *frame, size_t len)
{
	struct ioth_vnif *v = arg;

	return vde_send(v->conn, frame, len, 0) < 0 ? -1 : 0;
}

static err_t vnif_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct ioth_vnif *v = netif->state;
	char buf[FRAME_MAX];
	const void *data = p->payload;
	u16_t len = p->tot_len;

	if (len > FRAME_MAX)
		return ERR_BUF;
	if (p->next != NULL || (netif->mtu > 1500 && len <= SYN_MAX)) {
		/* flatten; and a SYN of ours may need its MSS raised, done on
		 * a copy as lwIP keeps the segment to retransmit */
		pbuf_copy_partial(p, buf, len, 0);
		data = buf;
		ioth_mss_output(netif, (uint8_t *) buf, len);
	}
	if (ioth_ackc_output(&v->ackc, data, len, vnif_send, v))
		return ERR_OK;
	if (vnif_send(v, data, len) < 0)
		return ERR_IF;
	return ERR_OK;
}

static err_t vnif_init(struct netif *netif)
{
	netif->name[0] = 'v';
	netif->name[1] = 'd';
	netif->mtu = 1500;
	netif->hwaddr_len = 6;
	memcpy(netif->hwaddr, ((struct ioth_vnif *) netif->state)->mac, 6);
	netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP |
	               NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP |
	               NETIF_FLAG_MLD6;
	netif->output = etharp_output;
	netif->output_ip6 = ethip6_output;
	netif->linkoutput = vnif_linkoutput;
	return ERR_OK;
}

/* Drop the TCP connections whose local address belongs to netif.  Those
 * still open are aborted (a RST: the peer learns at once).  Those the
 * application closed, whose FIN is out, are freed without a RST: a kernel
 * would let them finish after the process ended, and a RST behind the FIN
 * makes the peer's lwIP report ECONNRESET instead of the EOF it has
 * queued. */
static int closed_by_us(const struct tcp_pcb *pcb)
{
	return pcb->state == FIN_WAIT_1 || pcb->state == FIN_WAIT_2 ||
	       pcb->state == CLOSING || pcb->state == LAST_ACK;
}

static void abort_conns(struct netif *netif)
{
	struct tcp_pcb *pcb;
	int again = 1;

	while (again) {
		again = 0;
		for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
			int mine = 0;
			if (IP_IS_V4(&pcb->local_ip))
				mine = ip4_addr_cmp(ip_2_ip4(&pcb->local_ip),
				                    netif_ip4_addr(netif));
			else
				mine = netif_get_ip6_addr_match(netif,
				         ip_2_ip6(&pcb->local_ip)) >= 0;
			if (mine) {
				tcp_abandon(pcb, !closed_by_us(pcb));
				again = 1;
				break;
			}
		}
	}
}

static void link_lost(struct ioth_vnif *v)
{
	LOCK_TCPIP_CORE();
	netif_set_link_down(&v->netif);
	abort_conns(&v->netif);
	UNLOCK_TCPIP_CORE();
}

/* True if the control stream reached EOF or failed; data is discarded. */
static int ctl_closed(int fd)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

	if (n == 0)
		return 1;
	if (n < 0)
		return errno != EAGAIN && errno != EINTR;
	return 0;
}

/* Feed nb received frames to lwIP under one acquisition of the core lock;
 * lwIP owns each pbuf from here (input frees it, or we do on error). */
static void deliver(struct ioth_vnif *v, struct pbuf **p, int nb)
{
	struct ioth_syn syn;
	int i;
	int s;

	ioth_lwip_batch_begin();
	LOCK_TCPIP_CORE();
	if (nb > 1)
		ioth_ackc_begin(&v->ackc);
	for (i = 0; i < nb; i++) {
		if (ioth_backlog_drop(p[i]->payload, p[i]->len)) {
			pbuf_free(p[i]);
			continue;
		}
		s = ioth_mss_input_peek(&v->netif, p[i]->payload, p[i]->len,
		                        &syn);
		if (v->netif.input(p[i], &v->netif) != ERR_OK)
			pbuf_free(p[i]);
		else if (s)
			ioth_mss_input_apply(&syn);
	}
	ioth_ackc_end(&v->ackc, vnif_send, v);
	UNLOCK_TCPIP_CORE();
	ioth_lwip_batch_end();
}

/* A receive buffer: frames are read straight into pbufs (no bounce copy).
 * PBUF_RAM, not PBUF_POOL: Debian's liblwip sizes its pool buffers
 * inconsistently and frames overrun them.  lwIP's allocator is malloc()
 * (MEM_LIBC_MALLOC), safe without the core lock. */
static struct pbuf *rx_pbuf(const struct ioth_vnif *v)
{
	return pbuf_alloc(PBUF_RAW, (u16_t) v->rx_len, PBUF_RAM);
}

/* One frame into p: vde_recv() where the plugin frames data itself (it
 * may block; the descriptor was reported readable), else a non-blocking
 * recv() straight from the switch's datagram socket (what the vde
 * plugin's vde_recv() does, minus its blocking flag). */
static ssize_t rx_one(struct ioth_vnif *v, void *p, size_t len)
{
	if (!v->batch)
		return vde_recv(v->conn, p, len, 0);
	return recv(v->datafd, p, len, MSG_DONTWAIT);
}

int ioth_vnif_rx(struct ioth_vnif *v)
{
	struct pbuf *p[BATCH];
	ssize_t n;
	int nb = 0;

	pthread_mutex_lock(&v->rx_lock);
	do {
		p[nb] = rx_pbuf(v);
		if (p[nb] == NULL) {
			/* out of memory: drop one frame, retry later */
			char drop[FRAME_MAX];
			if (nb == 0)
				rx_one(v, drop, sizeof(drop));
			break;
		}
		n = rx_one(v, p[nb]->payload, p[nb]->len);
		if (n >= 14) {  /* at least an Ethernet header */
			pbuf_realloc(p[nb], (u16_t) n);
			nb++;
		} else {
			pbuf_free(p[nb]);
		}
	} while (n > 0 && v->batch && nb < BATCH);
	if (nb > 0)
		deliver(v, p, nb);
	pthread_mutex_unlock(&v->rx_lock);
	return nb;
}

int ioth_vnif_datafd(const struct ioth_vnif *v)
{
	return v->batch ? v->datafd : -1;
}

/* The receive thread watches the data socket only while no application
 * thread reads it inline (lwip_wait.c). */
void ioth_vnif_inline_enter(struct ioth_vnif *v)
{
	pthread_mutex_lock(&v->reg_lock);
	if (v->inline_readers++ == 0)
		epoll_ctl(v->ep, EPOLL_CTL_DEL, v->datafd, NULL);
	pthread_mutex_unlock(&v->reg_lock);
}

void ioth_vnif_inline_leave(struct ioth_vnif *v)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &v->datafd };

	pthread_mutex_lock(&v->reg_lock);
	if (--v->inline_readers == 0)
		epoll_ctl(v->ep, EPOLL_CTL_ADD, v->datafd, &ev);
	pthread_mutex_unlock(&v->reg_lock);
}

static void *vnif_rx(void *arg)
{
	struct ioth_vnif *v = arg;
	struct epoll_event ev[3];
	int ctl = vde_ctlfd(v->conn);

	for (;;) {
		int n = epoll_wait(v->ep, ev, 3, -1);
		int k;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		for (k = 0; k < n; k++) {
			if (ev[k].data.ptr == v->stop)
				return NULL;
			if (ev[k].data.ptr == &v->conn) {
				if (!ctl_closed(ctl))
					continue;
				/* the switch closed its control connection */
				link_lost(v);
				epoll_ctl(v->ep, EPOLL_CTL_DEL, ctl, NULL);
			} else if (ev[k].events & EPOLLIN) {
				ioth_vnif_rx(v);
			} else if (ev[k].events & (EPOLLERR | EPOLLHUP)) {
				link_lost(v);
				return NULL;
			}
		}
	}
	return NULL;
}

/* The receive thread's epoll set: stop pipe, control and data sockets. */
static int rx_setup(struct ioth_vnif *v)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ctl = vde_ctlfd(v->conn);

	v->datafd = vde_datafd(v->conn);
	v->ep = epoll_create1(EPOLL_CLOEXEC);
	if (v->ep < 0)
		return -errno;
	ev.data.ptr = v->stop;
	if (epoll_ctl(v->ep, EPOLL_CTL_ADD, v->stop[0], &ev) < 0)
		return -errno;
	ev.data.ptr = &v->datafd;
	if (epoll_ctl(v->ep, EPOLL_CTL_ADD, v->datafd, &ev) < 0)
		return -errno;
	ev.data.ptr = &v->conn;
	if (ctl >= 0 && epoll_ctl(v->ep, EPOLL_CTL_ADD, ctl, &ev) < 0)
		return -errno;
	return 0;
}

static void random_mac(uint8_t mac[6])
{
	if (getrandom(mac, 6, 0) != 6) {
		unsigned int x = (unsigned int) getpid() ^ (unsigned int) rand();
		memcpy(mac, &x, 4);
		mac[4] = (uint8_t) rand();
		mac[5] = (uint8_t) rand();
	}
	mac[0] = (uint8_t) ((mac[0] & 0xfe) | 0x02);    /* local unicast */
}

int ioth_vnif_open(const char *vnl, const char *ifname, struct ioth_vnif **out)
{
	struct vde_open_args args = { .port = 0, .group = NULL, .mode = 0700 };
	struct ioth_vnif *v;
	int err;

	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	v->stop[0] = v->stop[1] = -1;
	v->ep = -1;
	pthread_mutex_init(&v->rx_lock, NULL);
	pthread_mutex_init(&v->reg_lock, NULL);
	v->rx_len = 1500 + L2_HLEN;
	errno = 0;
	v->conn = vde_open((char *) vnl, (char *) "ioth", &args);
	if (v->conn == NULL) {
		err = errno != 0 ? -errno : -ENOENT;
		free(v);
		return err;
	}
	/* the vde plugin's data descriptor is the switch's datagram socket:
	 * batch reads there; other plugins may frame or decapsulate */
	v->batch = strncmp(vnl, "vde://", 6) == 0 || strstr(vnl, "://") == NULL;
	if (pipe2(v->stop, O_CLOEXEC) < 0) {
		err = -errno;
		goto fail;
	}
	err = rx_setup(v);
	if (err < 0)
		goto fail;
	random_mac(v->mac);
	LOCK_TCPIP_CORE();
	if (netif_add_noaddr(&v->netif, v, vnif_init, ethernet_input) == NULL) {
		UNLOCK_TCPIP_CORE();
		err = -ENOMEM;
		goto fail;
	}
	if (ifname != NULL) {
		v->netif.name[0] = ifname[0];
		v->netif.name[1] = ifname[1] != '\0' ? ifname[1] : '0';
	}
	netif_create_ip6_linklocal_address(&v->netif, 1);
	netif_set_link_up(&v->netif);
	netif_set_up(&v->netif);
	if (netif_default == NULL)
		netif_set_default(&v->netif);
	UNLOCK_TCPIP_CORE();
	err = -pthread_create(&v->rx, NULL, vnif_rx, v);
	if (err < 0) {
		LOCK_TCPIP_CORE();
		netif_remove(&v->netif);
		UNLOCK_TCPIP_CORE();
		goto fail;
	}
	v->running = 1;
	*out = v;
	return 0;
fail:
	if (v->stop[0] >= 0) {
		close(v->stop[0]);
		close(v->stop[1]);
	}
	if (v->ep >= 0)
		close(v->ep);
	vde_close(v->conn);
	free(v);
	return err;
}

void ioth_vnif_close(struct ioth_vnif *v)
{
	if (v == NULL)
		return;
	if (v->running) {
		if (write(v->stop[1], "x", 1) < 0) {
			/* the pipe cannot be full: one byte, written once */
		}
		pthread_join(v->rx, NULL);
	}
	LOCK_TCPIP_CORE();
	abort_conns(&v->netif);
	netif_set_down(&v->netif);
	netif_remove(&v->netif);
	UNLOCK_TCPIP_CORE();
	close(v->stop[0]);
	close(v->stop[1]);
	close(v->ep);
	vde_close(v->conn);
	free(v);
}

struct netif *ioth_vnif_netif(struct ioth_vnif *v)
{
	return &v->netif;
}

int ioth_vnif_set_mtu(struct ioth_vnif *v, unsigned int mtu)
{
	if (mtu < 68 || mtu > VDE_ETHBUFSIZE - L2_HLEN)
		return -EINVAL;
	LOCK_TCPIP_CORE();
	v->netif.mtu = (u16_t) mtu;
#if LWIP_IPV6 && LWIP_ND6_ALLOW_RA_UPDATES
	v->netif.mtu6 = (u16_t) mtu;
#endif
	v->rx_len = (int) mtu + L2_HLEN;
	UNLOCK_TCPIP_CORE();
	return 0;
}

int ioth_vnif_set_mac(struct ioth_vnif *v, const uint8_t mac[6])
{
	struct netif *n = &v->netif;

	LOCK_TCPIP_CORE();
	netif_set_down(n);
	memcpy(n->hwaddr, mac, 6);
	/* the link-local address derives from the MAC */
	netif_ip6_addr_set_state(n, 0, IP6_ADDR_INVALID);
	netif_create_ip6_linklocal_address(n, 1);
	netif_set_up(n);
	UNLOCK_TCPIP_CORE();
	return 0;
}
