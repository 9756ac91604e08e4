/*
 * bench-pair's VDE transport (pair.h): raw Ethernet frames through
 * libvdeplug, ethertype 0x88b5 (IEEE local experimental). The client
 * is 02:0b:00:00:00:01, the server 02:0b:00:00:00:02; each takes only
 * frames of that ethertype addressed to it, and the server replies to
 * the source of the last frame.
 */
#include "pair.h"

#include <errno.h>
#include <libvdeplug.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define ETH_HDR   14
#define ETYPE_HI  0x88
#define ETYPE_LO  0xb5

struct vde {
        VDECONN * conn;
        uint8_t   me[6];
        uint8_t   peer[6];
        uint8_t   frame[ETH_HDR + PAIR_MAX_LEN];
};

static const uint8_t mac_client[6] = { 0x02, 0x0b, 0, 0, 0, 1 };
static const uint8_t mac_server[6] = { 0x02, 0x0b, 0, 0, 0, 2 };

static ssize_t vde_put(struct vde * v, const uint8_t * dst,
                       const uint8_t * buf, size_t len)
{
        ssize_t n;

        if (len > PAIR_MAX_LEN)
                return -EMSGSIZE;
        memcpy(v->frame, dst, 6);
        memcpy(v->frame + 6, v->me, 6);
        v->frame[12] = ETYPE_HI;
        v->frame[13] = ETYPE_LO;
        memcpy(v->frame + ETH_HDR, buf, len);
        n = vde_send(v->conn, v->frame, ETH_HDR + len, 0);
        return n < 0 ? n : (ssize_t) len;
}

static ssize_t vdet_send(void * t, const uint8_t * buf, size_t len)
{
        return vde_put(t, mac_server, buf, len);
}

static ssize_t vdet_reply(void * t, const uint8_t * buf, size_t len)
{
        struct vde * v = t;

        return vde_put(v, v->peer, buf, len);
}

static ssize_t vdet_recv(void * t, uint8_t * buf, size_t len, int tmo_ms)
{
        struct vde *  v   = t;
        struct pollfd pfd = { vde_datafd(v->conn), POLLIN, 0 };
        ssize_t       n;

        for (;;) {
                n = poll(&pfd, 1, tmo_ms);
                if (n <= 0)
                        return n < 0 ? -errno : 0;
                n = vde_recv(v->conn, v->frame, sizeof(v->frame), 0);
                if (n < 0)
                        return -errno;
                if (n < ETH_HDR || memcmp(v->frame, v->me, 6) != 0 ||
                    v->frame[12] != ETYPE_HI || v->frame[13] != ETYPE_LO)
                        continue; /* not ours: wait for the next */
                memcpy(v->peer, v->frame + 6, 6);
                n -= ETH_HDR;
                if ((size_t) n > len)
                        n = (ssize_t) len;
                memcpy(buf, v->frame + ETH_HDR, (size_t) n);
                return n;
        }
}

static void vdet_close(void * t)
{
        struct vde * v = t;

        vde_close(v->conn);
        free(v);
}

static const struct pair_ops vde_ops = {
        .send  = vdet_send,
        .recv  = vdet_recv,
        .reply = vdet_reply,
        .close = vdet_close,
};

int pair_vde_open(struct pair_ep * ep, const char * url, int server)
{
        struct vde * v = calloc(1, sizeof(*v));
        char *       u = strdup(url);

        if (v == NULL || u == NULL) {
                free(v);
                free(u);
                return -ENOMEM;
        }
        v->conn = vde_open(u, "bench-pair", NULL);
        free(u);
        if (v->conn == NULL) {
                free(v);
                return errno > 0 ? -errno : -EIO;
        }
        memcpy(v->me, server ? mac_server : mac_client, 6);
        ep->ops = &vde_ops;
        ep->t   = v;
        return 0;
}
