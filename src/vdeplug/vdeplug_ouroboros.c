/*
 * Ouroboros - libvdeplug plugin: "ouroboros://LAYER[/mtu=N]" plugs a VDE
 * user into a hub made of an Ouroboros broadcast layer. The plug joins
 * LAYER (flow_join); every frame it sends is one message on the layer,
 * delivered to every other joined application (and never back to it).
 *
 *   vde_open_real  parse the URL (vde_url.c), join, check the MTU against
 *                  what the flow carries (FLOWGMAXPKT)
 *   vde_send       one frame, one flow_write; a frame above the MTU or
 *                  the flow's largest message fails with EMSGSIZE,
 *                  counted and logged (rate-limited), never dropped
 *                  silently
 *   vde_recv       one message, never blocking (-1 EAGAIN when none):
 *                  users poll vde_datafd first; 0 (EOF) once the layer
 *                  is gone, as a closed switch
 *   vde_datafd     the event set's pollable fd (fset_fd): readable while
 *                  a message waits or an event is unreported; vde_recv
 *                  reports events (fevent) when it finds no message, so
 *                  the fd never stays readable with nothing to read
 *   vde_ctlfd      -1: there is no control connection (as vxvde, udp)
 *
 * MTU: as on Ethernet, the largest payload of a frame; a frame may be
 * mtu + 14 bytes (header) or mtu + 18 with an 802.1Q tag. Default and
 * ceiling: the layer's largest message less 18.
 *
 * The plugin writes to stderr, as libvdeplug's own plugins do: the
 * reason vde_open fails, frames refused or cut, and a summary of those
 * at vde_close.
 */
#include "vde_url.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <libvdeplug_mod.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define ETH_HDR      14
#define ETH_TAG      4       /* 802.1Q */
#define ETH_TPID     0x8100
#define LOG_GAP_S    1       /* at most one line per second per plug */
#define RECV_SKIP    16      /* empty messages skipped per vde_recv */

/* The first two fields are struct vdeconn's: libvdeplug fills them. */
struct vde_ouro {
        void *                  handle;
        struct vdeplug_module * module;

        int                     fd;      /* the joined flow */
        fset_t *                set;     /* holds fd; its fset_fd polls */
        fqueue_t *              fq;
        int                     efd;     /* fset_fd(set) */
        uint32_t                flags;   /* the flow's flags now */
        size_t                  mtu;     /* largest frame payload */
        size_t                  max_pkt; /* largest flow_write */
        uint8_t *               scratch; /* max_pkt: a message cut short */
        char                    layer[VDE_URL_LAYER_MAX + 1];

        unsigned long           tx_big;    /* refused: above the MTU */
        unsigned long           tx_runt;   /* refused: no Ethernet header */
        unsigned long           rx_cut;    /* cut to the caller's buffer */
        unsigned long           rx_empty;  /* empty messages skipped */
        unsigned long           quiet;     /* lines not logged since */
        struct timespec         logged;    /* the last line logged */
};

static const char * ouro_strerror(int err)
{
        switch (err) {
        case EIPCPTYPE:  return "no broadcast IPCP on this host";
        case ENAME:      return "no broadcast IPCP in that layer";
        case EIRMD:      return "cannot reach the IRMd (is irmd running?)";
        case EIPCP:      return "the broadcast IPCP did not answer";
        case EIPCPSTATE: return "the broadcast IPCP is not ready";
        case ENOTALLOC:  return "the flow is gone";
        case EFLOWDOWN:  return "the flow is down";
        case EFLOWPEER:  return "the broadcast IPCP is unresponsive";
        case ETIMEDOUT:  return "timed out";
        default:         return err < ENOTALLOC ? strerror(err) :
                                 "unknown Ouroboros error";
        }
}

/* The project's own errors as the closest system errno, for callers. */
static int sys_errno(int err)
{
        switch (err) {
        case ENOTALLOC:  return EBADF;
        case EIPCPTYPE:  return EPROTOTYPE;
        case EIRMD:      return ECONNREFUSED;
        case EIPCP:      return EHOSTUNREACH;
        case EIPCPSTATE: return EAGAIN;
        case EFLOWDOWN:  return ENETDOWN;
        case EFLOWPEER:  return ETIMEDOUT;
        case ECRYPT:     return EACCES;
        case ENAME:      return ENOENT;
        default:         return err;
        }
}

/* One line on stderr, at most one per LOG_GAP_S; counts what it skips. */
static void plug_log(struct vde_ouro * c,
                     const char *      fmt,
                     ...)
{
        struct timespec now;
        va_list         ap;

        clock_gettime(CLOCK_MONOTONIC, &now);
        if (c->logged.tv_sec != 0 && now.tv_sec - c->logged.tv_sec <
            LOG_GAP_S) {
                ++c->quiet;
                return;
        }

        fprintf(stderr, "ouroboros://%s: ", c->layer);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        if (c->quiet > 0)
                fprintf(stderr, " (%lu more not logged)", c->quiet);
        fputc('\n', stderr);

        c->quiet  = 0;
        c->logged = now;
}

static void * fail(const char * url,
                   int          err,
                   const char * fmt,
                   ...)
{
        va_list ap;

        fprintf(stderr, "ouroboros://%s: ", url);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);

        errno = err;
        return NULL;
}

static int plug_flags(struct vde_ouro * c,
                      uint32_t          flags)
{
        int r;

        if (flags == c->flags)
                return 0;
        r = fccntl(c->fd, FLOWSFLAGS, flags);
        if (r < 0)
                return r;
        c->flags = flags;
        return 0;
}

static void plug_free(struct vde_ouro * c)
{
        if (c->set != NULL)
                fset_destroy(c->set);
        if (c->fq != NULL)
                fqueue_destroy(c->fq);
        if (c->fd >= 0)
                flow_dealloc(c->fd);
        free(c->scratch);
        free(c);
}

/* The event set whose fd is vde_datafd. */
static int plug_set(struct vde_ouro * c)
{
        int r;

        c->set = fset_create();
        c->fq  = fqueue_create();
        if (c->set == NULL || c->fq == NULL)
                return -ENOMEM;
        r = fset_add(c->set, c->fd);
        if (r < 0)
                return r;
        c->efd = fset_fd(c->set);
        return c->efd < 0 ? c->efd : 0;
}

static VDECONN * ouro_open(char *                 url,
                           char *                 descr,
                           int                    version,
                           struct vde_open_args * args)
{
        struct vde_ouro * c;
        struct vde_url    u;
        char              err[VDE_URL_ERR_LEN];
        int               r;

        (void) descr;   /* a broadcast layer has no port to describe */
        (void) version;
        (void) args;    /* port, group and mode are a switch's */

        if (vde_url_parse(url, &u, err, sizeof(err)) < 0)
                return fail(url, EINVAL, "%s", err);

        c = calloc(1, sizeof(*c));
        if (c == NULL)
                return fail(url, ENOMEM, "out of memory");
        c->fd  = -1;
        c->efd = -1;
        memcpy(c->layer, u.layer, sizeof(c->layer));

        r = flow_join(u.layer, NULL, NULL);
        if (r < 0) {
                plug_free(c);
                return fail(url, sys_errno(-r), "cannot join layer %s: %s",
                            u.layer, ouro_strerror(-r));
        }
        c->fd = r;

        r = fccntl(c->fd, FLOWGMAXPKT, &c->max_pkt);
        if (r < 0) {
                plug_free(c);
                return fail(url, sys_errno(-r), "cannot get the largest "
                            "message: %s", ouro_strerror(-r));
        }
        if (c->max_pkt < VDE_URL_MTU_MIN + ETH_HDR + ETH_TAG) {
                plug_free(c);
                return fail(url, EMSGSIZE, "layer %s carries messages of "
                            "%zu bytes at most, too small for Ethernet",
                            u.layer, c->max_pkt);
        }
        c->mtu = c->max_pkt - ETH_HDR - ETH_TAG;
        if (u.mtu > c->mtu) {
                plug_free(c);
                return fail(url, EINVAL, "mtu %zu too large: layer %s "
                            "carries messages of %zu bytes, frames of mtu "
                            "%zu at most", u.mtu, u.layer, c->max_pkt,
                            c->mtu);
        }
        if (u.mtu != 0)
                c->mtu = u.mtu;

        c->scratch = malloc(c->max_pkt);
        if (c->scratch == NULL) {
                plug_free(c);
                return fail(url, ENOMEM, "out of memory");
        }

        /* Reads never block nor split a message; writes keep whole. */
        c->flags = FLOWFDEFAULT;
        r = plug_flags(c, FLOWFRDWR | FLOWFWNOPART | FLOWFRNOPART |
                       FLOWFRNOBLOCK);
        if (r == 0)
                r = plug_set(c);
        if (r < 0) {
                plug_free(c);
                return fail(url, sys_errno(-r), "cannot set up the flow: "
                            "%s", ouro_strerror(-r));
        }

        return (VDECONN *) c;
}

/* The largest frame of len bytes starting with buf the plug may send. */
static size_t frame_max(const struct vde_ouro * c,
                        const uint8_t *         buf)
{
        uint16_t type = (uint16_t) (buf[12] << 8 | buf[13]);

        return c->mtu + ETH_HDR + (type == ETH_TPID ? ETH_TAG : 0);
}

static ssize_t ouro_send(VDECONN *    conn,
                         const void * buf,
                         size_t       len,
                         int          flags)
{
        struct vde_ouro * c = (struct vde_ouro *) conn;
        uint32_t          ff;
        ssize_t           r;

        if (buf == NULL || len < ETH_HDR) {
                ++c->tx_runt;
                plug_log(c, "frame of %zu bytes refused: shorter than an "
                         "Ethernet header (%lu so far)", len, c->tx_runt);
                errno = EINVAL;
                return -1;
        }

        if (len > frame_max(c, buf)) {
                ++c->tx_big;
                plug_log(c, "frame of %zu bytes refused: above mtu %zu "
                         "(%lu so far)", len, c->mtu, c->tx_big);
                errno = EMSGSIZE;
                return -1;
        }

        ff = c->flags & ~(uint32_t) FLOWFWNOBLOCK;
        if (flags & MSG_DONTWAIT)
                ff |= FLOWFWNOBLOCK;
        r = plug_flags(c, ff);
        if (r == 0)
                r = flow_write(c->fd, buf, len);
        if (r == -EMSGSIZE) {   /* the layer's limit changed */
                ++c->tx_big;
                plug_log(c, "frame of %zu bytes refused by the layer "
                         "(%lu so far)", len, c->tx_big);
        }
        if (r < 0) {
                errno = sys_errno((int) -r);
                return -1;
        }

        return r;
}

/* A message longer than the caller's buffer: cut, as recv(2) does. */
static ssize_t recv_cut(struct vde_ouro * c,
                        void *            buf,
                        size_t            len)
{
        ssize_t r;

        r = flow_read(c->fd, c->scratch, c->max_pkt);
        if (r < 0)
                return r;

        ++c->rx_cut;
        plug_log(c, "frame of %zd bytes cut to the %zu-byte buffer (%lu so "
                 "far)", r, len, c->rx_cut);
        memcpy(buf, c->scratch, len);

        return (ssize_t) len;
}

/* One message into buf; a longer one is cut. */
static ssize_t read_one(struct vde_ouro * c,
                        void *            buf,
                        size_t            len)
{
        ssize_t r;

        r = flow_read(c->fd, buf, len);
        if (r == -EMSGSIZE)
                r = recv_cut(c, buf, len);

        return r;
}

/* No message: report the set's events so that its fd goes quiet. */
static int drain_events(struct vde_ouro * c)
{
        struct timespec zero = { 0, 0 };
        int             gone = 0;

        while (fevent(c->set, c->fq, &zero) > 0) {
                while (fqueue_next(c->fq) >= 0) {
                        if (fqueue_type(c->fq) == FLOW_DEALLOC)
                                gone = -ENOTALLOC;
                }
        }

        return gone;
}

static ssize_t ouro_recv(VDECONN * conn,
                         void *    buf,
                         size_t    len,
                         int       flags)
{
        struct vde_ouro * c = (struct vde_ouro *) conn;
        ssize_t           r = -EAGAIN;
        int               i;

        (void) flags;   /* never blocks: see the top of the file */

        for (i = 0; i < RECV_SKIP; ++i) {
                r = read_one(c, buf, len);
                if (r == -EAGAIN) {
                        /* once more after the events: one came first */
                        r = drain_events(c);
                        if (r == 0)
                                r = read_one(c, buf, len);
                }
                if (r != 0)
                        break;
                ++c->rx_empty;  /* not a frame; 0 would mean EOF */
        }

        if (r == 0)
                r = -EAGAIN;
        if (r == -EAGAIN) {
                errno = EAGAIN;
                return -1;
        }
        if (r < 0) {
                plug_log(c, "layer gone: %s", ouro_strerror((int) -r));
                return 0;       /* EOF, as a switch that closed */
        }

        return r;
}

static int ouro_datafd(VDECONN * conn)
{
        return ((struct vde_ouro *) conn)->efd;
}

static int ouro_ctlfd(VDECONN * conn)
{
        (void) conn;
        return -1;
}

static int ouro_close(VDECONN * conn)
{
        struct vde_ouro * c = (struct vde_ouro *) conn;

        if (c->tx_big + c->tx_runt + c->rx_cut + c->rx_empty > 0)
                fprintf(stderr, "ouroboros://%s: %lu frames refused above "
                        "mtu %zu, %lu runts refused, %lu frames cut, %lu "
                        "empty messages skipped\n", c->layer, c->tx_big,
                        c->mtu, c->tx_runt, c->rx_cut, c->rx_empty);

        plug_free(c);
        return 0;
}

__attribute__((visibility("default")))
struct vdeplug_module vdeplug_ops = {
        .vde_open_real = ouro_open,
        .vde_recv      = ouro_recv,
        .vde_send      = ouro_send,
        .vde_datafd    = ouro_datafd,
        .vde_ctlfd     = ouro_ctlfd,
        .vde_close     = ouro_close
};
