/*
 * Ouroboros - the eth device facade: picks the back-end (raw or VDE)
 * from the spec and forwards to its ops table.
 */
#include "dev.h"
#include "ipcpd/mgmt/be.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int eth_dev_open(const char *                spec,
                 const struct eth_dev_conf * c,
                 struct eth_dev **           out)
{
        struct eth_dev * d;
        int              ret;

        if (spec == NULL || *spec == '\0' || c == NULL)
                return -EINVAL;
        if (c->proto != ETH_DEV_PROTO_LLC && c->proto < ETH_TYPE_MIN)
                return -EINVAL;

        d = calloc(1, sizeof(*d));
        if (d == NULL)
                return -ENOMEM;
        d->fd    = -1;
        d->proto = c->proto;
        d->ops   = strstr(spec, "://") != NULL ?
                &eth_dev_vde_ops : &eth_dev_raw_ops;

        ret = d->ops->open(d, spec, c);
        if (ret < 0) {
                free(d);
                return ret;
        }
        *out = d;
        return 0;
}

void eth_dev_close(struct eth_dev * d)
{
        if (d == NULL)
                return;
        d->ops->close(d);
        free(d);
}

int eth_dev_fd(const struct eth_dev * d)
{
        return d->fd;
}

ssize_t eth_dev_send(struct eth_dev * d,
                     const uint8_t *  frame,
                     size_t           len)
{
        if (len < ETH_MAC_HDR_LEN)
                return -EINVAL;
        if (len > ETH_MAC_HDR_LEN + d->mtu)
                return -EMSGSIZE;
        return d->ops->send(d, frame, len);
}

ssize_t eth_dev_sendv(struct eth_dev *     d,
                      const struct iovec * iov,
                      int                  iovcnt)
{
        size_t len = 0;
        int    i;

        if (iovcnt <= 0 || iovcnt > ETH_DEV_IOV_MAX)
                return -EINVAL;
        for (i = 0; i < iovcnt; ++i)
                len += iov[i].iov_len;
        if (len < ETH_MAC_HDR_LEN || iov[0].iov_len < ETH_MAC_HDR_LEN)
                return -EINVAL;
        if (len > ETH_MAC_HDR_LEN + d->mtu)
                return -EMSGSIZE;
        return d->ops->sendv(d, iov, iovcnt, len);
}

bool eth_dev_tx_pollable(const struct eth_dev * d)
{
        return d->tx_poll;
}

uint64_t eth_dev_foreign(const struct eth_dev * d)
{
        return d->foreign;
}

int eth_dev_ctl_fd(const struct eth_dev * d)
{
        return d->ops->ctl_fd != NULL ? d->ops->ctl_fd(d) : -1;
}

ssize_t eth_dev_recv(struct eth_dev * d,
                     uint8_t *        buf,
                     size_t           cap)
{
        return d->ops->recv(d, buf, cap);
}

int eth_dev_recv_batch(struct eth_dev * d,
                       struct eth_rx *  rx,
                       int              n)
{
        ssize_t r;
        int     i;

        if (n <= 0 || n > ETH_DEV_BATCH)
                return -EINVAL;
        if (d->ops->recv_batch != NULL)
                return d->ops->recv_batch(d, rx, n);

        for (i = 0; i < n; ++i) {
                r = d->ops->recv(d, rx[i].buf, rx[i].cap);
                if (r == -EAGAIN)
                        break;
                if (r < 0 && r != -EMSGSIZE)
                        return i > 0 ? i : (int) r;
                rx[i].frame = rx[i].buf;
                rx[i].len   = r;
        }

        return i > 0 ? i : -EAGAIN;
}

void eth_dev_rx_done(struct eth_dev * d)
{
        if (d->ops->rx_done != NULL)
                d->ops->rx_done(d);
}

int64_t eth_dev_rx_drops(struct eth_dev * d)
{
        return d->ops->rx_drops != NULL ? d->ops->rx_drops(d) : -ENOTSUP;
}

size_t eth_dev_mtu(const struct eth_dev * d)
{
        return d->mtu;
}

void eth_dev_mac(const struct eth_dev * d,
                 uint8_t *              mac)
{
        memcpy(mac, d->mac, ETH_ADDR_LEN);
}

int eth_dev_link_up(struct eth_dev * d)
{
        return d->ops->link_up(d);
}

bool eth_dev_proto_match(uint16_t        proto,
                         const uint8_t * frame,
                         size_t          len)
{
        uint16_t t;

        if (len < ETH_MAC_HDR_LEN)
                return false;
        t = be_get16(frame + 2 * ETH_ADDR_LEN);
        if (proto == ETH_DEV_PROTO_LLC)
                return t < ETH_TYPE_MIN;
        return t == proto;
}
