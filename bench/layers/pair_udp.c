/*
 * bench-pair's UDP transport (pair.h): one socket, IPv4 or IPv6 by the
 * address given. A server binds ADDR:PORT and answers whoever sent the
 * last datagram; a client connects to ADDR:PORT, so that only the
 * server's datagrams reach it.
 */
#include "pair.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct udp {
        int                     fd;
        struct sockaddr_storage peer;
        socklen_t               peer_len;
};

static ssize_t udp_send(void * t, const uint8_t * buf, size_t len)
{
        struct udp * u = t;

        return send(u->fd, buf, len, 0);
}

static ssize_t udp_recv(void * t, uint8_t * buf, size_t len, int tmo_ms)
{
        struct udp *  u   = t;
        struct pollfd pfd = { u->fd, POLLIN, 0 };
        ssize_t       n;

        /* Try first: under load the next datagram is usually queued. */
        u->peer_len = sizeof(u->peer);
        n = recvfrom(u->fd, buf, len, MSG_DONTWAIT,
                     (struct sockaddr *) &u->peer, &u->peer_len);
        if (n >= 0)
                return n;
        if (errno != EAGAIN)
                return -errno;
        n = poll(&pfd, 1, tmo_ms);
        if (n <= 0)
                return n < 0 ? -errno : 0;
        u->peer_len = sizeof(u->peer);
        n = recvfrom(u->fd, buf, len, MSG_DONTWAIT,
                     (struct sockaddr *) &u->peer, &u->peer_len);
        if (n < 0)
                return errno == EAGAIN ? 0 : -errno;
        return n;
}

static ssize_t udp_reply(void * t, const uint8_t * buf, size_t len)
{
        struct udp * u = t;

        return sendto(u->fd, buf, len, 0, (struct sockaddr *) &u->peer,
                      u->peer_len);
}

static void udp_close(void * t)
{
        struct udp * u = t;

        close(u->fd);
        free(u);
}

static const struct pair_ops udp_ops = {
        .send  = udp_send,
        .recv  = udp_recv,
        .reply = udp_reply,
        .close = udp_close,
};

int pair_udp_open(struct pair_ep * ep, const char * addr, const char * port,
                  int server)
{
        struct addrinfo   hints;
        struct addrinfo * ai;
        struct udp *      u;
        int               ret;

        memset(&hints, 0, sizeof(hints));
        hints.ai_socktype = SOCK_DGRAM;
        hints.ai_flags    = AI_NUMERICHOST | AI_NUMERICSERV;
        if (getaddrinfo(addr, port, &hints, &ai) != 0)
                return -EINVAL;
        u = calloc(1, sizeof(*u));
        if (u == NULL) {
                freeaddrinfo(ai);
                return -ENOMEM;
        }
        u->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (u->fd < 0) {
                ret = -errno;
                goto fail;
        }
        if ((server ? bind(u->fd, ai->ai_addr, ai->ai_addrlen) :
             connect(u->fd, ai->ai_addr, ai->ai_addrlen)) < 0) {
                ret = -errno;
                close(u->fd);
                goto fail;
        }
        freeaddrinfo(ai);
        ep->ops = &udp_ops;
        ep->t   = u;
        return 0;
 fail:
        freeaddrinfo(ai);
        free(u);
        return ret;
}
