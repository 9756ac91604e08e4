/*
 * lwip_wnd.c - TCP windows sized for jumbo segments on Debian's lwIP.
 *
 * Debian builds liblwip with a 64 KiB receive window (TCP_WND), a 64 KiB
 * send buffer (TCP_SND_BUF) and a window-update threshold of 5840 bytes:
 * sizes for 1460-byte segments.  With 8960-byte segments (lwip_mss.c) that
 * is 7 segments in flight, and a window update for almost every segment
 * the application reads.  For a connection whose MSS was raised above
 * lwIP's TCP_MSS, and whose peer accepted window scaling, this file sets
 *  - the receive window and the send buffer to IOTH_WND_SEGS segments
 *    (at most what lwIP's scale factor can announce, 2 x 64 KiB);
 *  - the window-update threshold to IOTH_WND_UPDATE_SEGS segments.
 * Every other connection keeps lwIP's own values exactly.
 *
 * Why 10 segments: a VDE switch forwards to a port through a datagram
 * socket whose default send buffer (net.core.wmem_default, 212992 bytes)
 * holds about 12 frames of 9 KB, as each takes a 16 KiB kernel buffer; the
 * switch drops a frame that does not fit, and lwIP, which has no SACK,
 * recovers from a loss only by timeout.  10 segments leave room for the
 * ACKs and a frame of slack (a 128 KiB window was measured to lose frames).
 *
 * lwIP applies the receive window in tcp_recved(), which its netconn layer
 * calls through the PLT; the definition below takes its place (exported
 * even where the rest is built with hidden visibility).  It keeps lwIP's
 * semantics: grow the window by what the application read, up to the
 * connection's maximum, and send a window update once the announced window
 * would grow by the threshold.
 *
 * lwIP's close resets the connection instead of sending a FIN when the
 * application left data unread, which it detects as a receive window
 * short of TCP_WND.  tcp_close() and tcp_shutdown() are wrapped the same
 * way (lwIP's own found with RTLD_NEXT) to translate a grown window back
 * into the terms lwIP expects first.  liblwipv6 is loaded with
 * RTLD_DEEPBIND (lwipv6.c), so none of this reaches it.
 */
#include <dlfcn.h>
#include <stddef.h>

#include "lwip/opt.h"
#include "lwip/tcp.h"
#include "lwip/priv/tcp_priv.h"

#include "lwip_netif.h"

#define IOTH_WND_SEGS          10U
#define IOTH_WND_UPDATE_SEGS   4U
/* the largest window lwIP can announce: 16-bit field << TCP_RCV_SCALE */
#define WND_ANNOUNCEABLE       ((tcpwnd_size_t) 0xffffU << TCP_RCV_SCALE)

static int jumbo(const struct tcp_pcb *pcb)
{
	return pcb->mss > TCP_MSS && (pcb->flags & TF_WND_SCALE);
}

/* The receive window (and send buffer) of a connection. */
static tcpwnd_size_t wnd_max(const struct tcp_pcb *pcb)
{
	tcpwnd_size_t w;

	if (!jumbo(pcb))
		return TCP_WND_MAX(pcb);
	w = (tcpwnd_size_t) pcb->mss * IOTH_WND_SEGS;
	if (w > WND_ANNOUNCEABLE)
		w = WND_ANNOUNCEABLE;
	return w > TCP_WND ? w : TCP_WND;
}

static tcpwnd_size_t update_threshold(const struct tcp_pcb *pcb)
{
	tcpwnd_size_t t;

	if (!jumbo(pcb))
		return TCP_WND_UPDATE_THRESHOLD;
	t = (tcpwnd_size_t) pcb->mss * IOTH_WND_UPDATE_SEGS;
	if (t > wnd_max(pcb) / 2)
		t = wnd_max(pcb) / 2;
	return t > TCP_WND_UPDATE_THRESHOLD ? t : TCP_WND_UPDATE_THRESHOLD;
}

void ioth_wnd_grow(struct tcp_pcb *pcb)
{
	tcpwnd_size_t extra;

	if (!jumbo(pcb) || wnd_max(pcb) <= TCP_WND)
		return;
	extra = wnd_max(pcb) - TCP_WND;
	pcb->rcv_wnd += extra;
	pcb->snd_buf += extra;
}

__attribute__((visibility("default")))
void tcp_recved(struct tcp_pcb *pcb, u16_t len)
{
	tcpwnd_size_t max;
	tcpwnd_size_t wnd;

	if (pcb == NULL || pcb->state == LISTEN)
		return;
	max = wnd_max(pcb);
	wnd = pcb->rcv_wnd + len;
	pcb->rcv_wnd = (wnd > max || wnd < pcb->rcv_wnd) ? max : wnd;
	if (tcp_update_rcv_ann_wnd(pcb) >= update_threshold(pcb)) {
		tcp_ack_now(pcb);
		tcp_output(pcb);
	}
}

/* Before lwIP's close: a window back at this connection's maximum means
 * everything was read, which lwIP recognises as TCP_WND_MAX; any other
 * value must not look like it. */
static void window_for_close(struct tcp_pcb *pcb)
{
	if (pcb == NULL || pcb->state == LISTEN || !jumbo(pcb))
		return;
	if (pcb->rcv_wnd == wnd_max(pcb))
		pcb->rcv_wnd = TCP_WND_MAX(pcb);
	else if (pcb->rcv_wnd == TCP_WND_MAX(pcb))
		pcb->rcv_wnd--;
}

static void *lwip_own(const char *name)
{
	void *f = dlsym(RTLD_NEXT, name);

	return f != NULL ? f : dlsym(RTLD_DEFAULT, name);
}

__attribute__((visibility("default")))
err_t tcp_close(struct tcp_pcb *pcb)
{
	static err_t (*lwip_close_fn)(struct tcp_pcb *);

	if (lwip_close_fn == NULL)
		lwip_close_fn = (err_t (*)(struct tcp_pcb *))
		                lwip_own("tcp_close");
	if (lwip_close_fn == NULL || lwip_close_fn == tcp_close)
		return ERR_ARG;
	window_for_close(pcb);
	return lwip_close_fn(pcb);
}

__attribute__((visibility("default")))
err_t tcp_shutdown(struct tcp_pcb *pcb, int shut_rx, int shut_tx)
{
	static err_t (*lwip_shutdown_fn)(struct tcp_pcb *, int, int);

	if (lwip_shutdown_fn == NULL)
		lwip_shutdown_fn = (err_t (*)(struct tcp_pcb *, int, int))
		                   lwip_own("tcp_shutdown");
	if (lwip_shutdown_fn == NULL || lwip_shutdown_fn == tcp_shutdown)
		return ERR_ARG;
	if (shut_rx && shut_tx)
		window_for_close(pcb);
	return lwip_shutdown_fn(pcb, shut_rx, shut_tx);
}
