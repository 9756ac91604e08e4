/*
 * Ouroboros - UDP sockets of the udp4/udp6 layers (see sock.h): bind,
 * no fragmentation, payload size from the route's path MTU.
 */
#include "sock.h"
#include "dgram.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define IP4_HDR_LEN  20
#define IP6_HDR_LEN  40
#define UDPH_LEN     8

static int no_frag(int fd,
                   int family)
{
        int v;

        if (family == AF_INET) {
                v = IP_PMTUDISC_DO;
                return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &v,
                                  sizeof(v));
        }
        v = IPV6_PMTUDISC_DO;
        if (setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &v,
                       sizeof(v)) < 0)
                return -1;
        v = 1;
        return setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v));
}

static int sockaddr_of(int                       family,
                       const char *              ip,
                       uint16_t                  port,
                       struct sockaddr_storage * ss,
                       socklen_t *               len)
{
        struct sockaddr_in *  s4 = (struct sockaddr_in *) ss;
        struct sockaddr_in6 * s6 = (struct sockaddr_in6 *) ss;

        memset(ss, 0, sizeof(*ss));
        if (family == AF_INET) {
                s4->sin_family = AF_INET;
                s4->sin_port   = htons(port);
                *len = sizeof(*s4);
                if (ip != NULL && inet_pton(AF_INET, ip, &s4->sin_addr) != 1)
                        return -EINVAL;
        } else if (family == AF_INET6) {
                s6->sin6_family = AF_INET6;
                s6->sin6_port   = htons(port);
                *len = sizeof(*s6);
                if (ip != NULL &&
                    inet_pton(AF_INET6, ip, &s6->sin6_addr) != 1)
                        return -EINVAL;
        } else {
                return -EINVAL;
        }
        return 0;
}

/* Report every send error: without IP_RECVERR (IPV6_RECVERR) the
 * kernel hides ENOBUFS, a frame its queueing discipline refused, and
 * reports success for a datagram it dropped. With it, ICMP errors
 * also land in the error queue (drained by udp_sock_drain_errors) and
 * the next send or receive returns one once (retried by the sends). */
static void recv_err(int fd,
                     int family)
{
        int v = 1;

        if (family == AF_INET)
                (void) setsockopt(fd, IPPROTO_IP, IP_RECVERR, &v,
                                  sizeof(v));
        else
                (void) setsockopt(fd, IPPROTO_IPV6, IPV6_RECVERR, &v,
                                  sizeof(v));
}

/* Room for bursts: the kernel's default (~200 KiB) holds a few
 * hundred datagrams. FORCE works for root, above rmem_max/wmem_max;
 * otherwise what the sysctls allow. Failures are not errors. */
static void buffers(int fd)
{
        int v = UDP_SOCK_BUF;

        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0)
                setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
                setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

int udp_sock_open(int          family,
                  const char * ip,
                  uint16_t     port)
{
        struct sockaddr_storage ss;
        socklen_t               len;
        int                     fd;
        int                     ret;

        ret = sockaddr_of(family, ip, port, &ss, &len);
        if (ret < 0)
                return ret;

        fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (no_frag(fd, family) < 0 ||
            bind(fd, (struct sockaddr *) &ss, len) < 0) {
                ret = -errno;
                close(fd);
                return ret;
        }
        buffers(fd);
        recv_err(fd, family);
        return fd;
}

int udp_sock_port(int fd)
{
        struct sockaddr_storage ss;
        socklen_t               len = sizeof(ss);

        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return -errno;
        if (ss.ss_family == AF_INET)
                return ntohs(((struct sockaddr_in *) &ss)->sin_port);
        return ntohs(((struct sockaddr_in6 *) &ss)->sin6_port);
}

static ssize_t payload_of(int mtu,
                          int v6)
{
        ssize_t max;

        max = mtu - (v6 ? IP6_HDR_LEN : IP4_HDR_LEN) - UDPH_LEN - UDP_HDR_LEN;
        if (max <= 0)
                return -EMSGSIZE;
        return max < UDP_PAYLOAD_MAX ? max : UDP_PAYLOAD_MAX;
}

static bool same_ip(const struct sockaddr * a,
                    const struct sockaddr * b)
{
        if (a == NULL || a->sa_family != b->sa_family)
                return false;
        if (a->sa_family == AF_INET)
                return ((const struct sockaddr_in *) a)->sin_addr.s_addr ==
                        ((const struct sockaddr_in *) b)->sin_addr.s_addr;
        return memcmp(&((const struct sockaddr_in6 *) a)->sin6_addr,
                      &((const struct sockaddr_in6 *) b)->sin6_addr,
                      sizeof(struct in6_addr)) == 0;
}

ssize_t udp_sock_if_payload(const struct sockaddr * self)
{
        struct ifaddrs * ifs;
        struct ifaddrs * i;
        struct ifreq     ifr;
        int              fd;
        ssize_t          ret = -EADDRNOTAVAIL;

        if (self->sa_family != AF_INET && self->sa_family != AF_INET6)
                return -EINVAL;
        if (getifaddrs(&ifs) < 0)
                return -errno;

        for (i = ifs; i != NULL; i = i->ifa_next)
                if (same_ip(i->ifa_addr, self))
                        break;

        if (i != NULL) {
                memset(&ifr, 0, sizeof(ifr));
                strncpy(ifr.ifr_name, i->ifa_name, IFNAMSIZ - 1);
                fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                if (fd < 0 || ioctl(fd, SIOCGIFMTU, &ifr) < 0)
                        ret = -errno;
                else
                        ret = payload_of(ifr.ifr_mtu,
                                         self->sa_family == AF_INET6);
                if (fd >= 0)
                        close(fd);
        }

        freeifaddrs(ifs);

        return ret;
}

ssize_t udp_sock_max_payload(const struct sockaddr * peer,
                             socklen_t               len)
{
        int       v6 = peer->sa_family == AF_INET6;
        int       mtu;
        socklen_t mlen = sizeof(mtu);
        int       fd;
        int       ret;

        if (peer->sa_family != AF_INET && !v6)
                return -EINVAL;
        /* IP_MTU needs a connected socket: a throwaway one. */
        fd = socket(peer->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (no_frag(fd, peer->sa_family) < 0 || connect(fd, peer, len) < 0 ||
            getsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP,
                       v6 ? IPV6_MTU : IP_MTU, &mtu, &mlen) < 0) {
                ret = -errno;
                close(fd);
                return ret;
        }
        close(fd);

        return payload_of(mtu, v6);
}

/* A send error that may be an earlier ICMP error of another peer,
 * which the kernel reports once at the next send: not for this
 * datagram. A full buffer or queue is this datagram's. */
static bool stale(int err)
{
        return err != EAGAIN && err != EWOULDBLOCK && err != ENOBUFS &&
                err != EINTR;
}

static ssize_t send_msg(int                   fd,
                        const struct msghdr * mh)
{
        ssize_t r;
        int     tries = 0;

        for (;;) {
                r = sendmsg(fd, mh, 0);
                if (r >= 0)
                        return r;
                if (errno == EINTR || (stale(errno) && tries++ == 0))
                        continue;
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        }
}

ssize_t udp_sock_sendv(int                     fd,
                       const struct iovec *    iov,
                       int                     iovcnt,
                       const struct sockaddr * peer,
                       socklen_t               len)
{
        struct msghdr mh;

        memset(&mh, 0, sizeof(mh));
        mh.msg_name    = (void *) peer;
        mh.msg_namelen = len;
        mh.msg_iov     = (struct iovec *) iov;
        mh.msg_iovlen  = (size_t) iovcnt;

        return send_msg(fd, &mh);
}

ssize_t udp_sock_send(int                     fd,
                      const uint8_t *         buf,
                      size_t                  n,
                      const struct sockaddr * peer,
                      socklen_t               len)
{
        struct iovec iov = { (void *) buf, n };

        return udp_sock_sendv(fd, &iov, 1, peer, len);
}

int udp_sock_drain_errors(int fd)
{
        uint8_t       buf[64];
        uint8_t       ctl[512];
        struct iovec  iov = { buf, sizeof(buf) };
        struct msghdr mh;
        int           n = 0;

        for (;;) {
                memset(&mh, 0, sizeof(mh));
                mh.msg_iov        = &iov;
                mh.msg_iovlen     = 1;
                mh.msg_control    = ctl;
                mh.msg_controllen = sizeof(ctl);
                if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
                        if (errno == EINTR)
                                continue;
                        return n;
                }
                ++n;
        }
}

ssize_t udp_sock_recv(int                       fd,
                      uint8_t *                 buf,
                      size_t                    cap,
                      struct sockaddr_storage * from,
                      socklen_t *               len)
{
        ssize_t r;

        do {
                *len = sizeof(*from);
                r = recvfrom(fd, buf, cap, MSG_TRUNC,
                             (struct sockaddr *) from, len);
        } while (r < 0 && errno == EINTR);
        if (r < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return (size_t) r > cap ? -EMSGSIZE : r;
}

int udp_sock_batch_init(struct udp_sock_batch * b,
                        size_t                  slot,
                        size_t                  mem,
                        size_t                  max_n)
{
        size_t n = slot > 0 ? mem / slot : 0;

        memset(b, 0, sizeof(*b));
        if (slot == 0 || max_n == 0)
                return -EINVAL;
        if (n < 1)
                n = 1;
        if (n > max_n)
                n = max_n;

        b->n    = n;
        b->slot = slot;
        b->buf  = malloc(n * slot);
        b->msgs = calloc(n, sizeof(*b->msgs));
        b->iov  = calloc(n, sizeof(*b->iov));
        b->from = calloc(n, sizeof(*b->from));
        if (b->buf == NULL || b->msgs == NULL || b->iov == NULL ||
            b->from == NULL) {
                udp_sock_batch_fini(b);
                return -ENOMEM;
        }

        return 0;
}

void udp_sock_batch_fini(struct udp_sock_batch * b)
{
        free(b->buf);
        free(b->msgs);
        free(b->iov);
        free(b->from);
        memset(b, 0, sizeof(*b));
}

int udp_sock_recv_batch(int                     fd,
                        struct udp_sock_batch * b)
{
        size_t i;
        int    r;

        for (i = 0; i < b->n; ++i) {
                b->iov[i].iov_base = b->buf + i * b->slot;
                b->iov[i].iov_len  = b->slot;
                memset(&b->msgs[i].msg_hdr, 0, sizeof(b->msgs[i].msg_hdr));
                b->msgs[i].msg_hdr.msg_iov     = &b->iov[i];
                b->msgs[i].msg_hdr.msg_iovlen  = 1;
                b->msgs[i].msg_hdr.msg_name    = &b->from[i];
                b->msgs[i].msg_hdr.msg_namelen = sizeof(b->from[i]);
        }

        do
                r = recvmmsg(fd, b->msgs, (unsigned) b->n, MSG_DONTWAIT,
                             NULL);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return r == 0 ? -EAGAIN : r;
}

ssize_t udp_sock_batch_get(const struct udp_sock_batch *    b,
                           size_t                           i,
                           const uint8_t **                 buf,
                           const struct sockaddr_storage ** from)
{
        if (b->msgs[i].msg_hdr.msg_flags & MSG_TRUNC)
                return -EMSGSIZE;
        *buf  = b->buf + i * b->slot;
        *from = &b->from[i];
        return (ssize_t) b->msgs[i].msg_len;
}
