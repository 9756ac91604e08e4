/*
 * lwip_netif.h - lwIP network interface driver moving Ethernet frames to
 * and from a libvdeplug connection (one receive thread per interface).
 */
#ifndef IOTH_LWIP_NETIF_H
#define IOTH_LWIP_NETIF_H

#include <stddef.h>
#include <stdint.h>

struct netif;
struct ioth_vnif;

/* Open vnl and add the interface to lwIP (caller must NOT hold the core
 * lock).  Returns 0 and *out, or -errno. */
int ioth_vnif_open(const char *vnl, const char *ifname,
                   struct ioth_vnif **out);
void ioth_vnif_close(struct ioth_vnif *v);
struct netif *ioth_vnif_netif(struct ioth_vnif *v);
int ioth_vnif_set_mac(struct ioth_vnif *v, const uint8_t mac[6]);

/* Read up to a batch of frames and feed them to lwIP (any thread; one at
 * a time per interface).  Returns the number of frames. */
int ioth_vnif_rx(struct ioth_vnif *v);
/* The data descriptor application threads may read through
 * ioth_vnif_rx() while they wait, or -1 if only the receive thread can
 * (plugins that frame data themselves). */
int ioth_vnif_datafd(const struct ioth_vnif *v);
/* A thread starts/stops reading frames inline: the receive thread stops
 * watching the data descriptor while any does. */
void ioth_vnif_inline_enter(struct ioth_vnif *v);
void ioth_vnif_inline_leave(struct ioth_vnif *v);

/* lwip_wait.c.  start/stop bracket a stack's life (stop wakes waiters and
 * returns when none remains); add_if makes an interface readable inline.
 * ioth_lwip_wait() waits until ready(arg) & events (POLLIN/POLLOUT) is
 * non-zero or timeout_ms passes (-1: no limit), reading frames meanwhile;
 * fd is the socket's pollable descriptor and serial tells sockets that
 * reuse a descriptor number apart.  Returns the ready events, 0 on
 * timeout, -EINTR on a signal or -EBADF when the stack shuts down. */
int ioth_lwip_wait_start(void);
void ioth_lwip_wait_add_if(struct ioth_vnif *v);
void ioth_lwip_wait_stop(void);
int ioth_lwip_wait(int fd, unsigned long serial, int events, int timeout_ms,
                   int (*ready)(void *arg), void *arg);

/* Set the interface MTU (68..VDE's largest frame less headers). */
int ioth_vnif_set_mtu(struct ioth_vnif *v, unsigned int mtu);

/* Jumbo-frame TCP (lwip_mss.c); all a no-op while the MTU is <= 1500.
 * output: raise the MSS option of an outgoing SYN frame to fit the MTU.
 * input_peek: before lwIP sees frame f, note a SYN whose MSS exceeds
 * lwIP's TCP_MSS (returns 1); input_apply, after lwIP processed it and with
 * the core lock still held, raises the connection's send MSS to match. */
struct ioth_syn {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint16_t mss;
	int v6;
	int ack;
};
void ioth_mss_output(const struct netif *n, uint8_t *f, size_t len);
int ioth_mss_input_peek(const struct netif *n, uint8_t *f, size_t len,
                        struct ioth_syn *syn);
void ioth_mss_input_apply(const struct ioth_syn *syn);

/* Jumbo-sized TCP windows (lwip_wnd.c): once a connection's MSS has been
 * raised, grow its receive window and send buffer to match. */
struct tcp_pcb;
void ioth_wnd_grow(struct tcp_pcb *pcb);

/* Listen backlog (lwip_backlog.c): 1 if frame f is a SYN for a listener
 * whose accept queue is full, to be dropped before lwIP sees it (with the
 * core lock held). */
int ioth_backlog_drop(const uint8_t *f, size_t len);

/* Provided by the back-end (lwip.c): the receive thread calls begin before
 * it takes the core lock to feed frames and end after releasing it;
 * socket readiness changes in between are applied by end. */
void ioth_lwip_batch_begin(void);
void ioth_lwip_batch_end(void);

#endif /* IOTH_LWIP_NETIF_H */
