/*
 * Ouroboros - eth device on a Linux interface: an AF_PACKET raw socket
 * bound to the interface and to the layer's protocol (the ethertype of
 * eth-dix, ETH_P_802_2 for eth-llc), so the kernel filters out every
 * other frame. MTU, MAC and link state come from the interface
 * (SIOCGIFMTU, SIOCGIFHWADDR, SIOCGIFFLAGS); a smaller MTU may be
 * configured. Needs CAP_NET_RAW. Frames are received through a ring
 * the kernel writes into (dev_raw_ring.c), or with recvmmsg where the
 * ring cannot be had.
 */
#include "dev.h"
#include "dev_raw_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int ifreq_get(struct eth_dev * d,
                     unsigned long    req,
                     struct ifreq *   ifr)
{
        memset(ifr, 0, sizeof(*ifr));
        memcpy(ifr->ifr_name, d->name, IFNAMSIZ);
        if (ioctl(d->fd, req, ifr) < 0)
                return -errno;
        return 0;
}

static int raw_info(struct eth_dev * d)
{
        struct ifreq ifr;
        int          ret;

        ret = ifreq_get(d, SIOCGIFMTU, &ifr);
        if (ret < 0)
                return ret;
        if (ifr.ifr_mtu <= 0)
                return -EINVAL;
        d->mtu = (size_t) ifr.ifr_mtu;

        ret = ifreq_get(d, SIOCGIFHWADDR, &ifr);
        if (ret < 0)
                return ret;
        if (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER)
                return -EPROTONOSUPPORT;  /* not an Ethernet interface */
        memcpy(d->mac, ifr.ifr_hwaddr.sa_data, ETH_ADDR_LEN);
        return 0;
}

/* Room for bursts: a flood arrives faster than one thread wakes up.
 * Root may exceed net.core.rmem_max / wmem_max (the FORCE options);
 * otherwise the kernel caps the size, which is fine too. */
static void raw_bufs(int fd)
{
        int sz = ETH_DEV_RAW_BUF;

        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
}

static int raw_open(struct eth_dev *            d,
                    const char *                spec,
                    const struct eth_dev_conf * c)
{
        struct sockaddr_ll sll;
        int                one = 1;
        int                ret;

        if (strlen(spec) >= IFNAMSIZ || strchr(spec, '/') != NULL)
                return -EINVAL;
        if (c->mac != NULL)
                return -EINVAL;  /* the interface's own */
        snprintf(d->name, sizeof(d->name), "%s", spec);

        d->ifindex = (int) if_nametoindex(spec);
        if (d->ifindex == 0)
                return -ENODEV;

        d->fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                       htons(d->proto));
        if (d->fd < 0)
                return errno == EACCES ? -EPERM : -errno;

        /* A socket bound to one protocol never sees outgoing frames
         * (the kernel shows those to ETH_P_ALL sockets only); this and
         * the pkttype check in recv keep it so if that ever changes. */
        (void) setsockopt(d->fd, SOL_PACKET, PACKET_IGNORE_OUTGOING,
                          &one, sizeof(one));

        raw_bufs(d->fd);

        memset(&sll, 0, sizeof(sll));
        sll.sll_family   = AF_PACKET;
        sll.sll_protocol = htons(d->proto);
        sll.sll_ifindex  = d->ifindex;
        if (bind(d->fd, (struct sockaddr *) &sll, sizeof(sll)) < 0) {
                ret = errno == ENXIO ? -ENODEV : -errno;
                goto fail;
        }

        ret = raw_info(d);
        if (ret < 0)
                goto fail;
        /* A smaller MTU may be asked for, never a larger one. */
        if (c->mtu > d->mtu || (c->mtu != 0 && c->mtu < 64)) {
                ret = -EINVAL;
                goto fail;
        }
        if (c->mtu != 0)
                d->mtu = c->mtu;
        d->tx_poll = true;

        /* without a ring (refused, or not wanted) recvmmsg reads the
         * socket as it is, PACKET_VERSION or not */
        if (getenv("OUROBOROS_ETH_NO_RING") == NULL)
                (void) raw_ring_open(d);

        return 0;
 fail:
        close(d->fd);
        d->fd = -1;
        return ret;
}

static void raw_close(struct eth_dev * d)
{
        raw_ring_close(d);
        if (d->fd >= 0)
                close(d->fd);
        d->fd = -1;
}

static ssize_t raw_send(struct eth_dev * d,
                        const uint8_t *  frame,
                        size_t           len)
{
        ssize_t n;

        do
                n = send(d->fd, frame, len, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static ssize_t raw_sendv(struct eth_dev *     d,
                         const struct iovec * iov,
                         int                  iovcnt,
                         size_t               len)
{
        struct msghdr mh;
        ssize_t       n;

        (void) len;

        memset(&mh, 0, sizeof(mh));
        mh.msg_iov    = (struct iovec *) iov;
        mh.msg_iovlen = (size_t) iovcnt;

        do
                n = sendmsg(d->fd, &mh, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return n;
}

static ssize_t raw_recv(struct eth_dev * d,
                        uint8_t *        buf,
                        size_t           cap)
{
        struct sockaddr_ll sll;
        socklen_t          slen;
        ssize_t            n;
        int                skip;

        if (d->ring != NULL)
                return raw_ring_recv(d, buf, cap);

        for (skip = 0; skip < ETH_DEV_SKIP_MAX; ++skip) {
                slen = sizeof(sll);
                n = recvfrom(d->fd, buf, cap, MSG_TRUNC,
                             (struct sockaddr *) &sll, &slen);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EWOULDBLOCK ? -EAGAIN : -errno;
                if (sll.sll_pkttype == PACKET_OUTGOING)
                        continue;   /* sent from this host */
                if ((size_t) n >= cap)
                        return -EMSGSIZE;
                if (!eth_dev_proto_match(d->proto, buf, (size_t) n)) {
                        ++d->foreign;
                        continue;   /* e.g. VLAN-tagged */
                }
                return n;
        }
        return -EAGAIN;  /* the fd stays readable: the caller comes back */
}

static int raw_recv_batch(struct eth_dev * d,
                          struct eth_rx *  rx,
                          int              n)
{
        struct mmsghdr     mm[ETH_DEV_BATCH];
        struct iovec       iov[ETH_DEV_BATCH];
        struct sockaddr_ll sll[ETH_DEV_BATCH];
        int                got;
        int                i;
        size_t             len;

        if (d->ring != NULL)
                return raw_ring_batch(d, rx, n);

        memset(mm, 0, sizeof(mm[0]) * (size_t) n);
        for (i = 0; i < n; ++i) {
                iov[i].iov_base          = rx[i].buf;
                iov[i].iov_len           = rx[i].cap;
                mm[i].msg_hdr.msg_iov    = &iov[i];
                mm[i].msg_hdr.msg_iovlen = 1;
                mm[i].msg_hdr.msg_name   = &sll[i];
                mm[i].msg_hdr.msg_namelen = sizeof(sll[i]);
        }

        do
                got = recvmmsg(d->fd, mm, (unsigned) n, MSG_DONTWAIT, NULL);
        while (got < 0 && errno == EINTR);
        if (got < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        if (got == 0)
                return -EAGAIN;

        for (i = 0; i < got; ++i) {
                len = mm[i].msg_len;
                rx[i].frame = rx[i].buf;
                if (sll[i].sll_pkttype == PACKET_OUTGOING)
                        rx[i].len = 0;
                else if (len >= rx[i].cap ||
                         (mm[i].msg_hdr.msg_flags & MSG_TRUNC))
                        rx[i].len = -EMSGSIZE;
                else if (!eth_dev_proto_match(d->proto, rx[i].buf, len)) {
                        ++d->foreign;
                        rx[i].len = 0;
                } else {
                        rx[i].len = (ssize_t) len;
                }
        }

        return got;
}

static int raw_link_up(struct eth_dev * d)
{
        struct ifreq ifr;
        int          ret;

        ret = ifreq_get(d, SIOCGIFFLAGS, &ifr);
        if (ret < 0)
                return ret == -ENXIO ? -ENODEV : ret;
        return (ifr.ifr_flags & IFF_UP) && (ifr.ifr_flags & IFF_RUNNING);
}

static void raw_rx_done(struct eth_dev * d)
{
        if (d->ring != NULL)
                raw_ring_done(d);
}

/* Without a ring the kernel counts drops in the socket's own count
 * (SO_MEMINFO on its fd, eth_dev_rx_drops). */
static int64_t raw_rx_drops(struct eth_dev * d)
{
        return d->ring != NULL ? raw_ring_drops(d) : -ENOTSUP;
}

const struct eth_dev_ops eth_dev_raw_ops = {
        .kind    = "raw",
        .open    = raw_open,
        .close   = raw_close,
        .send    = raw_send,
        .sendv   = raw_sendv,
        .recv    = raw_recv,
        .recv_batch = raw_recv_batch,
        .link_up = raw_link_up,
        .rx_done = raw_rx_done,
        .rx_drops = raw_rx_drops
};
