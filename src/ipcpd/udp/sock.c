/*
 * Ouroboros - UDP sockets of the udp4/udp6 layers (see sock.h): bind,
 * no fragmentation, payload size from the route's path MTU.
 */
#include "sock.h"
#include "dgram.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
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

ssize_t udp_sock_max_payload(const struct sockaddr * peer,
                             socklen_t               len)
{
        int       v6 = peer->sa_family == AF_INET6;
        int       mtu;
        socklen_t mlen = sizeof(mtu);
        ssize_t   max;
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

        max = mtu - (v6 ? IP6_HDR_LEN : IP4_HDR_LEN) - UDPH_LEN - UDP_HDR_LEN;
        if (max <= 0)
                return -EMSGSIZE;
        return max < UDP_PAYLOAD_MAX ? max : UDP_PAYLOAD_MAX;
}

ssize_t udp_sock_send(int                     fd,
                      const uint8_t *         buf,
                      size_t                  n,
                      const struct sockaddr * peer,
                      socklen_t               len)
{
        ssize_t r;

        do
                r = sendto(fd, buf, n, 0, peer, len);
        while (r < 0 && errno == EINTR);
        if (r < 0)
                return errno == EWOULDBLOCK ? -EAGAIN : -errno;
        return r;
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
