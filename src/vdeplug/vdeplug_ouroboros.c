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
 *   vde_recv       one message, never blocking: users poll vde_datafd
 *                  first. Woken by an event of the flow and no frame:
 *                  1, libvdeplug(3)'s "received but dropped" (vde_plug
 *                  ends at -1, so -1 EAGAIN only when the fd was not
 *                  readable either); 0 (EOF) once the layer is gone
 *   vde_datafd     the event set's pollable fd (fset_fd): readable while
 *                  a message waits or an event is unreported; vde_recv
 *                  reports events (fevent) when it finds no message, so
 *                  the fd never stays readable with nothing to read
 *   vde_ctlfd      a pipe that hangs up (POLLHUP, read 0) once the layer
 *                  is gone, as a switch's control socket: vde_plug
 *                  watches it to end
 *
 * MTU: as on Ethernet, the largest payload of a frame; a frame may be
 * mtu + 14 bytes (header) or mtu + 18 with an 802.1Q tag. Default and
 * ceiling: the layer's largest message less 18.
 *
 * The plugin writes to stderr, as libvdeplug's own plugins do: the
 * reason vde_open fails, frames refused or cut, and a summary of those
 * at vde_close.
 *
 * Threads: one thread may send while another receives (a stack's
 * output and input). Counters are atomic, the log line has a lock, and
 * a MSG_DONTWAIT send makes the flow's writes non-blocking under wlock
 * only for its own write: a blocking send that meets that moment
 * (EAGAIN) waits for wlock and writes again.
 */
#include "vde_url.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <fcntl.h>
#include <libvdeplug_mod.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define ETH_HDR      14
#define ETH_TAG      4       /* 802.1Q */
#define ETH_TPID     0x8100
#define LOG_GAP_S    1       /* at most one line per second per plug */

/* The first two fields are struct vdeconn's: libvdeplug fills them. */
struct vde_ouro {
        void *                  handle;
        struct vdeplug_module * module;

        int                     fd;      /* the joined flow */
        fset_t *                set;     /* holds fd; its fset_fd polls */
        fqueue_t *              fq;
        int                     efd;     /* fset_fd(set) */
        int                     ctl_r;   /* vde_ctlfd: a pipe's read end */
        atomic_int              ctl_w;   /* its write end; -1: gone */
        uint32_t                flags;   /* the flow's flags (blocking) */
        pthread_mutex_t         wlock;   /* a MSG_DONTWAIT write */
        size_t                  mtu;     /* largest frame payload */
        size_t                  max_pkt; /* largest flow_write */
        uint8_t *               scratch; /* max_pkt: a message cut short */
        char                    layer[VDE_URL_LAYER_MAX + 1];

        atomic_ulong            tx_big;    /* refused: above the MTU */
        atomic_ulong            tx_runt;   /* refused: no Ethernet header */
        atomic_ulong            rx_cut;    /* cut to the caller's buffer */
        atomic_ulong            rx_empty;  /* empty messages skipped */
        pthread_mutex_t         log_lock;
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
        pthread_mutex_lock(&c->log_lock);
        if (c->logged.tv_sec != 0 && now.tv_sec - c->logged.tv_sec <
            LOG_GAP_S) {
                ++c->quiet;
                pthread_mutex_unlock(&c->log_lock);
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
        pthread_mutex_unlock(&c->log_lock);
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

static void plug_free(struct vde_ouro * c)
{
        if (c->set != NULL)
                fset_destroy(c->set);
        if (c->fq != NULL)
                fqueue_destroy(c->fq);
        if (c->fd >= 0)
                flow_dealloc(c->fd);
        if (c->ctl_r >= 0)
                close(c->ctl_r);
        if (atomic_load(&c->ctl_w) >= 0)
                close(atomic_load(&c->ctl_w));
        free(c->scratch);
        pthread_mutex_destroy(&c->wlock);
        pthread_mutex_destroy(&c->log_lock);
        free(c);
}

/*
 * Report the set's events (fevent) so that its fd goes quiet: one pass
 * reports every event waiting (a FLOW_PKT stays while a packet does,
 * and the caller reads it). -ENOTALLOC when the flow was deallocated.
 */
static int drain_events(struct vde_ouro * c)
{
        struct timespec zero = { 0, 0 };
        int             gone = 0;

        if (fevent(c->set, c->fq, &zero) <= 0)
                return 0;

        while (fqueue_next(c->fq) >= 0) {
                if (fqueue_type(c->fq) == FLOW_DEALLOC)
                        gone = -ENOTALLOC;
        }

        return gone;
}

/* The event set whose fd is vde_datafd. */
static int plug_set(struct vde_ouro * c)
{
        int p[2];
        int r;

        if (pipe2(p, O_CLOEXEC | O_NONBLOCK) < 0)
                return -errno;
        c->ctl_r = p[0];
        atomic_store(&c->ctl_w, p[1]);

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
        c->fd    = -1;
        c->efd   = -1;
        c->ctl_r = -1;
        atomic_init(&c->ctl_w, -1);
        pthread_mutex_init(&c->wlock, NULL);
        pthread_mutex_init(&c->log_lock, NULL);
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
        c->flags = FLOWFRDWR | FLOWFWNOPART | FLOWFRNOPART | FLOWFRNOBLOCK;
        r = fccntl(c->fd, FLOWSFLAGS, c->flags);
        if (r == 0)
                r = plug_set(c);
        if (r == 0)     /* the join's own event: the fd starts quiet */
                r = drain_events(c);
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

/* One frame; nb: do not wait for room (see Threads at the top). */
static ssize_t write_frame(struct vde_ouro * c,
                           const void *      buf,
                           size_t            len,
                           bool              nb)
{
        ssize_t r;

        if (!nb) {
                r = flow_write(c->fd, buf, len);
                if (r != -EAGAIN)
                        return r;
                pthread_mutex_lock(&c->wlock);  /* a nb write was on */
                r = flow_write(c->fd, buf, len);
                pthread_mutex_unlock(&c->wlock);
                return r;
        }

        pthread_mutex_lock(&c->wlock);
        r = fccntl(c->fd, FLOWSFLAGS, c->flags | FLOWFWNOBLOCK);
        if (r == 0) {
                r = flow_write(c->fd, buf, len);
                fccntl(c->fd, FLOWSFLAGS, c->flags);
        }
        pthread_mutex_unlock(&c->wlock);

        return r;
}

static ssize_t ouro_send(VDECONN *    conn,
                         const void * buf,
                         size_t       len,
                         int          flags)
{
        struct vde_ouro * c = (struct vde_ouro *) conn;
        ssize_t           r;

        if (buf == NULL || len < ETH_HDR) {
                plug_log(c, "frame of %zu bytes refused: shorter than an "
                         "Ethernet header (%lu so far)", len,
                         atomic_fetch_add(&c->tx_runt, 1) + 1);
                errno = EINVAL;
                return -1;
        }

        if (len > frame_max(c, buf)) {
                plug_log(c, "frame of %zu bytes refused: above mtu %zu "
                         "(%lu so far)", len, c->mtu,
                         atomic_fetch_add(&c->tx_big, 1) + 1);
                errno = EMSGSIZE;
                return -1;
        }

        r = write_frame(c, buf, len, flags & MSG_DONTWAIT);
        if (r == -EMSGSIZE) {   /* the layer's limit changed */
                plug_log(c, "frame of %zu bytes refused by the layer "
                         "(%lu so far)", len,
                         atomic_fetch_add(&c->tx_big, 1) + 1);
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

        plug_log(c, "frame of %zd bytes cut to the %zu-byte buffer (%lu so "
                 "far)", r, len, atomic_fetch_add(&c->rx_cut, 1) + 1);
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

/* The layer is gone: the control pipe hangs up, vde_recv says EOF. */
static ssize_t plug_gone(struct vde_ouro * c,
                         int               err)
{
        int w = atomic_exchange(&c->ctl_w, -1);

        if (w >= 0) {
                plug_log(c, "layer gone: %s", ouro_strerror(err));
                close(w);
        }

        return 0;
}

static bool fd_readable(int fd)
{
        struct pollfd p = { .fd = fd, .events = POLLIN };

        return poll(&p, 1, 0) > 0;
}

static ssize_t ouro_recv(VDECONN * conn,
                         void *    buf,
                         size_t    len,
                         int       flags)
{
        struct vde_ouro * c = (struct vde_ouro *) conn;
        bool              woken;
        ssize_t           r;

        (void) flags;   /* never blocks: see the top of the file */

        if (atomic_load(&c->ctl_w) < 0)
                return 0;

        r = read_one(c, buf, len);
        if (r == -EAGAIN) {
                /* An event, not a frame, may have made the fd readable:
                 * report it (fevent) so that the fd goes quiet. */
                woken = fd_readable(c->efd);
                r = drain_events(c);
                if (r == 0)
                        r = read_one(c, buf, len);
                if (r == -EAGAIN && woken)
                        return 1;       /* libvdeplug(3): "dropped" */
                if (r == -EAGAIN) {
                        errno = EAGAIN; /* nothing, and no poll said so */
                        return -1;
                }
        }
        if (r == 0) {   /* an empty message: not a frame */
                atomic_fetch_add(&c->rx_empty, 1);
                return 1;
        }
        if (r < 0)
                return plug_gone(c, (int) -r);

        return r;
}

static int ouro_datafd(VDECONN * conn)
{
        return ((struct vde_ouro *) conn)->efd;
}

static int ouro_ctlfd(VDECONN * conn)
{
        return ((struct vde_ouro *) conn)->ctl_r;
}

static int ouro_close(VDECONN * conn)
{
        struct vde_ouro * c     = (struct vde_ouro *) conn;
        unsigned long     big   = atomic_load(&c->tx_big);
        unsigned long     runt  = atomic_load(&c->tx_runt);
        unsigned long     cut   = atomic_load(&c->rx_cut);
        unsigned long     empty = atomic_load(&c->rx_empty);

        if (big + runt + cut + empty > 0)
                fprintf(stderr, "ouroboros://%s: %lu frames refused above "
                        "mtu %zu, %lu runts refused, %lu frames cut, %lu "
                        "empty messages skipped\n", c->layer, big, c->mtu,
                        runt, cut, empty);

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
