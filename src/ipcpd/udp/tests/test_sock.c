/*
 * udp4/udp6 sockets over loopback: bind and a port in use, the largest
 * payload from the route's MTU, a datagram of that size delivered and
 * one byte more refused with -EMSGSIZE (no fragmentation), datagrams
 * too long for the receive buffer reported, bad addresses refused.
 * IPv6 parts are skipped (with a message) if the host has no ::1.
 */
#include "sock.h"
#include "dgram.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../../tests/check.h"

static uint8_t buf[70000];

static ssize_t recv_wait(int                       fd,
                         uint8_t *                 b,
                         size_t                    cap,
                         struct sockaddr_storage * from,
                         socklen_t *               len)
{
        struct pollfd pfd = { fd, POLLIN, 0 };

        if (poll(&pfd, 1, 2000) != 1)
                return -ETIMEDOUT;
        return udp_sock_recv(fd, b, cap, from, len);
}

static void family_test(int          family,
                        const char * lo,
                        ssize_t      hdrs)
{
        struct sockaddr_storage to;
        struct sockaddr_storage from;
        socklen_t               tlen;
        socklen_t               flen;
        int                     a;
        int                     b;
        int                     port;
        ssize_t                 max;

        a = udp_sock_open(family, lo, 0);
        CHECK(a >= 0);
        b = udp_sock_open(family, lo, 0);
        CHECK(b >= 0);
        port = udp_sock_port(b);
        CHECK(port > 0);

        /* The port is taken. */
        CHECK(udp_sock_open(family, lo, (uint16_t) port) == -EADDRINUSE);

        memset(&to, 0, sizeof(to));
        if (family == AF_INET) {
                struct sockaddr_in * s = (struct sockaddr_in *) &to;
                s->sin_family = AF_INET;
                s->sin_port   = htons((uint16_t) port);
                inet_pton(AF_INET, lo, &s->sin_addr);
                tlen = sizeof(*s);
        } else {
                struct sockaddr_in6 * s = (struct sockaddr_in6 *) &to;
                s->sin6_family = AF_INET6;
                s->sin6_port   = htons((uint16_t) port);
                inet_pton(AF_INET6, lo, &s->sin6_addr);
                tlen = sizeof(*s);
        }

        /* lo has an MTU of 65536. */
        max = udp_sock_max_payload((struct sockaddr *) &to, tlen);
        fprintf(stderr, "%s: largest payload %zd\n", lo, max);
        CHECK(max == (65536 - hdrs - 8 - UDP_HDR_LEN < UDP_PAYLOAD_MAX ?
                      65536 - hdrs - 8 - UDP_HDR_LEN : UDP_PAYLOAD_MAX));

        /* The interface holding lo says the same; the peer's port does
         * not matter. */
        CHECK(udp_sock_if_payload((struct sockaddr *) &to) == max);

        memset(buf, 0x5a, sizeof(buf));
        CHECK(udp_sock_send(a, buf, (size_t) max + UDP_HDR_LEN,
                            (struct sockaddr *) &to, tlen)
              == max + UDP_HDR_LEN);
        CHECK(recv_wait(b, buf, sizeof(buf), &from, &flen)
              == max + UDP_HDR_LEN);
        CHECK(udp_sock_port(a) ==
              ntohs(((struct sockaddr_in *) &from)->sin_port));
        if (family == AF_INET6) {   /* v4 stops at 65507 anyway */
                CHECK(udp_sock_send(a, buf, (size_t) max + UDP_HDR_LEN + 1,
                                    (struct sockaddr *) &to, tlen)
                      == -EMSGSIZE);
        }

        /* Header and payload in two pieces, one datagram. */
        {
                uint8_t      hdr[UDP_HDR_LEN] = { 0, 7, 0, 9 };
                struct iovec iov[2] = { { hdr, UDP_HDR_LEN },
                                        { buf + 100, 30 } };

                buf[100] = 0x42;
                CHECK(udp_sock_sendv(a, iov, 2, (struct sockaddr *) &to,
                                     tlen) == 34);
                CHECK(recv_wait(b, buf, sizeof(buf), &from, &flen) == 34);
                CHECK(buf[1] == 7 && buf[3] == 9 && buf[4] == 0x42);
        }

        /* Many per call: three datagrams, the last longer than a slot. */
        {
                struct udp_sock_batch           bt;
                const uint8_t *                 p;
                const struct sockaddr_storage * f;
                int                             r;

                CHECK(udp_sock_batch_init(&bt, 100, 1000, 4) == 0);
                CHECK(bt.n == 4);
                CHECK(udp_sock_recv_batch(b, &bt) == -EAGAIN);
                buf[0] = 1;
                CHECK(udp_sock_send(a, buf, 10, (struct sockaddr *) &to,
                                    tlen) == 10);
                CHECK(udp_sock_send(a, buf, 100, (struct sockaddr *) &to,
                                    tlen) == 100);
                CHECK(udp_sock_send(a, buf, 101, (struct sockaddr *) &to,
                                    tlen) == 101);
                usleep(20000);
                r = udp_sock_recv_batch(b, &bt);
                CHECK(r == 3);
                CHECK(udp_sock_batch_get(&bt, 0, &p, &f) == 10);
                CHECK(p[0] == 1 && f->ss_family == family);
                CHECK(udp_sock_batch_get(&bt, 1, &p, &f) == 100);
                CHECK(udp_sock_batch_get(&bt, 2, &p, &f) == -EMSGSIZE);
                CHECK(udp_sock_recv_batch(b, &bt) == -EAGAIN);
                udp_sock_batch_fini(&bt);
                CHECK(udp_sock_batch_init(&bt, 100, 10, 4) == 0);
                CHECK(bt.n == 1);
                udp_sock_batch_fini(&bt);
        }

        /* Too long for the reader's buffer: reported, not truncated. */
        CHECK(udp_sock_send(a, buf, 100, (struct sockaddr *) &to, tlen)
              == 100);
        CHECK(recv_wait(b, buf, 50, &from, &flen) == -EMSGSIZE);
        CHECK(udp_sock_recv(b, buf, sizeof(buf), &from, &flen) == -EAGAIN);

        close(a);
        close(b);
}

int main(void)
{
        int fd;

        family_test(AF_INET, "127.0.0.1", 20);

        fd = udp_sock_open(AF_INET6, "::1", 0);
        if (fd == -EADDRNOTAVAIL || fd == -EAFNOSUPPORT) {
                fprintf(stderr, "no IPv6 loopback: udp6 part skipped\n");
        } else {
                CHECK(fd >= 0);
                close(fd);
                family_test(AF_INET6, "::1", 40);
        }

        CHECK(udp_sock_open(AF_INET, "::1", 0) == -EINVAL);
        CHECK(udp_sock_open(AF_INET6, "127.0.0.1", 0) == -EINVAL);
        CHECK(udp_sock_open(AF_INET, "300.1.1.1", 0) == -EINVAL);
        CHECK(udp_sock_open(AF_UNIX, NULL, 0) == -EINVAL);
        /* An address no interface has. */
        CHECK(udp_sock_open(AF_INET, "192.0.2.1", 0) == -EADDRNOTAVAIL);
        {
                struct sockaddr_in s;

                memset(&s, 0, sizeof(s));
                s.sin_family = AF_INET;
                inet_pton(AF_INET, "192.0.2.1", &s.sin_addr);
                CHECK(udp_sock_if_payload((struct sockaddr *) &s)
                      == -EADDRNOTAVAIL);
        }

        printf("udp sockets: ok\n");
        return 0;
}
