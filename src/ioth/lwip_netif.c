/*
 * lwip_netif.c - lwIP netif driver for VDE.
 *
 * Transmit: lwIP calls linkoutput in the context of whichever thread holds
 * the core lock; the frame is flattened and handed to vde_send().
 * Receive: one thread per interface polls the VDE data descriptor, reads
 * each frame straight into a pbuf and feeds it to ethernet_input() under
 * the core lock (cheaper than posting to the tcpip thread mailbox), in
 * batches of up to BATCH frames per wake-up where the plugin allows
 * non-blocking reads.
 * Link loss (the switch dies): the control descriptor hangs up; the link is
 * set down and every TCP connection using the interface is aborted, so
 * programs get ECONNABORTED instead of waiting for retransmission timers.
 */
#include <errno.h>
#include <poll.h>
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

#include "lwip_netif.h"

#define FRAME_MAX 1536
#define BATCH 32        /* frames read per wake-up on vde:// networks */

struct ioth_vnif {
	struct netif netif;
	VDECONN *conn;
	pthread_t rx;
	int stop[2];            /* pipe: written to stop the rx thread */
	int running;
	int batch;              /* data descriptor readable with recv() */
	uint8_t mac[6];
};

static err_t vnif_linkoutput(struct netif *netif, struct pbuf *p)
{
	struct ioth_vnif *v = netif->state;
	char buf[FRAME_MAX];
	const void *data = p->payload;
	u16_t len = p->tot_len;

	if (len > FRAME_MAX)
		return ERR_BUF;
	if (p->next != NULL) {
		pbuf_copy_partial(p, buf, len, 0);
		data = buf;
	}
	if (vde_send(v->conn, data, len, 0) < 0)
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

/* Abort TCP connections whose local address belongs to netif. */
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
				tcp_abort(pcb);
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
	int i;

	ioth_lwip_batch_begin();
	LOCK_TCPIP_CORE();
	for (i = 0; i < nb; i++)
		if (v->netif.input(p[i], &v->netif) != ERR_OK)
			pbuf_free(p[i]);
	UNLOCK_TCPIP_CORE();
	ioth_lwip_batch_end();
}

/* A receive buffer: frames are read straight into pbufs (no bounce copy).
 * PBUF_RAM, not PBUF_POOL: Debian's liblwip sizes its pool buffers
 * inconsistently and frames overrun them.  lwIP's allocator is malloc()
 * (MEM_LIBC_MALLOC), safe without the core lock. */
static struct pbuf *rx_pbuf(void)
{
	return pbuf_alloc(PBUF_RAW, FRAME_MAX, PBUF_RAM);
}

static void *vnif_rx(void *arg)
{
	struct ioth_vnif *v = arg;
	struct pollfd pfd[3];
	struct pbuf *p[BATCH];
	int nb;

	for (nb = 0; nb < BATCH; nb++)
		p[nb] = NULL;
	pfd[0].fd = vde_datafd(v->conn);
	pfd[0].events = POLLIN;
	pfd[1].fd = v->stop[0];
	pfd[1].events = POLLIN;
	pfd[2].fd = vde_ctlfd(v->conn);
	pfd[2].events = POLLIN;
	for (;;) {
		ssize_t n;
		nfds_t nfds = pfd[2].fd >= 0 ? 3 : 2;

		if (poll(pfd, nfds, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents)
			break;
		if (nfds == 3 && pfd[2].revents && ctl_closed(pfd[2].fd)) {
			/* the switch closed its control connection */
			link_lost(v);
			pfd[2].fd = -1;
			continue;
		}
		if (!(pfd[0].revents & POLLIN)) {
			if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
				link_lost(v);
				break;
			}
			continue;
		}
		nb = 0;
		do {
			if (p[nb] == NULL && (p[nb] = rx_pbuf()) == NULL) {
				/* out of memory: drop one frame, retry later */
				char drop[FRAME_MAX];
				if (nb == 0)
					vde_recv(v->conn, drop, FRAME_MAX, 0);
				break;
			}
			/* after the first frame, non-blocking reads straight
			 * from the data socket (what the vde plugin's
			 * vde_recv() does, minus its blocking flag) */
			n = nb == 0 ? vde_recv(v->conn, p[nb]->payload,
			                       FRAME_MAX, 0)
			    : recv(pfd[0].fd, p[nb]->payload, FRAME_MAX,
			           MSG_DONTWAIT);
			if (n >= 14) {  /* at least an Ethernet header */
				pbuf_realloc(p[nb], (u16_t) n);
				nb++;
			}
		} while (n > 0 && v->batch && nb < BATCH);
		if (nb > 0) {
			deliver(v, p, nb);
			while (nb > 0)
				p[--nb] = NULL;
		}
	}
	for (nb = 0; nb < BATCH; nb++)
		if (p[nb] != NULL)
			pbuf_free(p[nb]);
	return NULL;
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
	vde_close(v->conn);
	free(v);
}

struct netif *ioth_vnif_netif(struct ioth_vnif *v)
{
	return &v->netif;
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
