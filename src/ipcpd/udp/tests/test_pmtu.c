/*
 * udp4/udp6 sockets on a link of a smaller MTU: run by pmtu.sh in a
 * network namespace whose route to PEER4 and PEER6 goes over a veth of
 * MTU MTU. The largest payload is the MTU minus the IP, UDP and our
 * headers; a datagram of that payload leaves, one byte more is refused
 * with -EMSGSIZE (it would need fragments).
 *   usage: test_udp_pmtu LOCAL4 PEER4 LOCAL6 PEER6 MTU
 */
#include "sock.h"
#include "dgram.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../../tests/check.h"

static uint8_t buf[9000];

static void check(int          family,
                  const char * local,
                  const char * peer,
                  ssize_t      want)
{
        struct sockaddr_storage ss;
        socklen_t               len;
        ssize_t                 max;
        int                     fd;

        memset(&ss, 0, sizeof(ss));
        if (family == AF_INET) {
                struct sockaddr_in * s = (struct sockaddr_in *) &ss;
                s->sin_family = AF_INET;
                s->sin_port   = htons(UDP_PORT_DEFAULT);
                CHECK(inet_pton(AF_INET, peer, &s->sin_addr) == 1);
                len = sizeof(*s);
        } else {
                struct sockaddr_in6 * s = (struct sockaddr_in6 *) &ss;
                s->sin6_family = AF_INET6;
                s->sin6_port   = htons(UDP_PORT_DEFAULT);
                CHECK(inet_pton(AF_INET6, peer, &s->sin6_addr) == 1);
                len = sizeof(*s);
        }

        max = udp_sock_max_payload((struct sockaddr *) &ss, len);
        fprintf(stderr, "%s: largest payload %zd (want %zd)\n", peer, max,
                want);
        CHECK(max == want);

        /* The interface of our own address: the same MTU here. */
        {
                struct sockaddr_storage me = ss;

                if (family == AF_INET)
                        inet_pton(AF_INET, local,
                                  &((struct sockaddr_in *) &me)->sin_addr);
                else
                        inet_pton(AF_INET6, local,
                                  &((struct sockaddr_in6 *) &me)->sin6_addr);
                CHECK(udp_sock_if_payload((struct sockaddr *) &me) == want);
        }

        fd = udp_sock_open(family, local, UDP_PORT_DEFAULT);
        CHECK(fd >= 0);
        CHECK(udp_sock_open(family, local, UDP_PORT_DEFAULT)
              == -EADDRINUSE);
        memset(buf, 0x33, sizeof(buf));
        CHECK(udp_sock_send(fd, buf, (size_t) max + UDP_HDR_LEN,
                            (struct sockaddr *) &ss, len)
              == max + UDP_HDR_LEN);
        CHECK(udp_sock_send(fd, buf, (size_t) max + UDP_HDR_LEN + 1,
                            (struct sockaddr *) &ss, len) == -EMSGSIZE);
        close(fd);
}

int main(int    argc,
         char * argv[])
{
        int mtu;

        if (argc != 6) {
                fprintf(stderr, "usage: %s L4 P4 L6 P6 MTU\n", argv[0]);
                return 2;
        }
        mtu = atoi(argv[5]);
        check(AF_INET, argv[1], argv[2], mtu - 20 - 8 - UDP_HDR_LEN);
        check(AF_INET6, argv[3], argv[4], mtu - 40 - 8 - UDP_HDR_LEN);
        printf("udp path MTU: ok\n");
        return 0;
}
