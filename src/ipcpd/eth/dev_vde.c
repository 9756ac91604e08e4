/*
 * Ouroboros - eth device on a VDE network through libvdeplug: any URL
 * it knows (vde:///path/to/switch, vxvde://, ptp://, ...). libvdeplug
 * has no MTU query (vde_switch carries 1518-byte frames, vdeplug4's
 * switch:// 9216), so the MTU is a bootstrap option, ETH_DEV_VDE_MTU
 * by default. A VDE plug has no MAC address: the device takes the one
 * given, or a random locally administered unicast one. A VDE network
 * delivers every frame on it, so recv drops foreign protocols here.
 */
#include "dev.h"

#include <errno.h>
#include <fcntl.h>
#include <libvdeplug.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

static int vde_random_mac(uint8_t * mac)
{
        if (getrandom(mac, ETH_ADDR_LEN, 0) != ETH_ADDR_LEN)
                return -EIO;
        mac[0] = (uint8_t) ((mac[0] & 0xfc) | 0x02);  /* local, unicast */
        return 0;
}

static int vde_dev_open(struct eth_dev *            d,
                        const char *                spec,
                        const struct eth_dev_conf * c)
{
        VDECONN * conn;
        int       fl;
        int       ret;

        if (c->mtu != 0 && (c->mtu < 64 || c->mtu > ETH_DEV_MTU_MAX))
                return -EINVAL;
        d->mtu = c->mtu != 0 ? c->mtu : ETH_DEV_VDE_MTU;

        if (c->mac != NULL) {
                if (c->mac[0] & 0x01)
                        return -EINVAL;  /* multicast */
                memcpy(d->mac, c->mac, ETH_ADDR_LEN);
        } else {
                ret = vde_random_mac(d->mac);
                if (ret < 0)
                        return ret;
        }

        errno = 0;
        conn = vde_open((char *) spec, "ouroboros eth", NULL);
        if (conn == NULL)
                return errno != 0 ? -errno : -ECONNREFUSED;

        d->fd = vde_datafd(conn);
        fl = fcntl(d->fd, F_GETFL);
        if (d->fd < 0 || fl < 0 ||
            fcntl(d->fd, F_SETFL, fl | O_NONBLOCK) < 0) {
                vde_close(conn);
                return -EIO;
        }
        d->txbuf = malloc(ETH_MAC_HDR_LEN + d->mtu);
        if (d->txbuf == NULL) {
                vde_close(conn);
                return -ENOMEM;
        }
        d->vde = conn;
        /* vde_switch's plugin sends on its datafd, a datagram socket:
         * POLLOUT when the switch takes frames again. */
        d->tx_poll = strncmp(spec, "vde://", 6) == 0;
        return 0;
}

static void vde_dev_close(struct eth_dev * d)
{
        if (d->vde != NULL)
                vde_close(d->vde);
        free(d->txbuf);
        d->txbuf = NULL;
        d->vde = NULL;
        d->fd  = -1;
}

static ssize_t vde_dev_send(struct eth_dev * d,
                            const uint8_t *  frame,
                            size_t           len)
{
        ssize_t n;

        do
                n = vde_send(d->vde, frame, len, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static ssize_t vde_dev_sendv(struct eth_dev *     d,
                             const struct iovec * iov,
                             int                  iovcnt,
                             size_t               len)
{
        size_t off = 0;
        int    i;

        for (i = 0; i < iovcnt; ++i) {
                memcpy(d->txbuf + off, iov[i].iov_base, iov[i].iov_len);
                off += iov[i].iov_len;
        }

        return vde_dev_send(d, d->txbuf, len);
}

static ssize_t vde_dev_recv(struct eth_dev * d,
                            uint8_t *        buf,
                            size_t           cap)
{
        ssize_t n;
        int     skip;

        for (skip = 0; skip < ETH_DEV_SKIP_MAX; ++skip) {
                n = vde_recv(d->vde, buf, cap, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
                if (n == 0)
                        return -ECONNRESET;  /* the switch went away */
                /* libvdeplug truncates silently: a full buffer may be a
                 * longer frame, so a frame must be shorter than cap. */
                if ((size_t) n >= cap)
                        return -EMSGSIZE;
                if (!eth_dev_proto_match(d->proto, buf, (size_t) n)) {
                        ++d->foreign;
                        continue;
                }
                return n;
        }
        return -EAGAIN;  /* the fd stays readable: the caller comes back */
}

static int vde_dev_ctl_fd(const struct eth_dev * d)
{
        return d->vde != NULL ? vde_ctlfd(d->vde) : -1;
}

static int vde_dev_link_up(struct eth_dev * d)
{
        (void) d;
        return 1;
}

const struct eth_dev_ops eth_dev_vde_ops = {
        .kind    = "vde",
        .open    = vde_dev_open,
        .close   = vde_dev_close,
        .send    = vde_dev_send,
        .sendv   = vde_dev_sendv,
        .recv    = vde_dev_recv,
        .link_up = vde_dev_link_up,
        .ctl_fd  = vde_dev_ctl_fd
};
