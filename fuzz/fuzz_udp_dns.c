/*
 * Ouroboros - libFuzzer target for the udp layers' reading of a DNS
 * server's answer (udp_dns_answer: libldns decodes the message, we pick
 * the address record owned by the name asked for); the input is the
 * answer. The first byte chooses the family.
 *
 * Oracle: an accepted answer gives an address of the family asked for,
 * with the port asked for, and a length that fits it.
 *
 * Sources: src/ipcpd/udp/dns.c
 * Libs: -lldns
 */
#include "ipcpd/udp/dns.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerTestOneInput(const uint8_t * data,
                           size_t          size)
{
        static const uint8_t    hash[32] = { 0x12, 0x34, 0x56, 0x78 };
        struct sockaddr_storage ss;
        socklen_t               len = 0;
        int                     family;

        if (size < 1)
                return 0;

        family = data[0] & 1 ? AF_INET6 : AF_INET;
        if (udp_dns_answer("layer.test", hash, sizeof(hash), data + 1,
                           size - 1, family, 3435, &ss, &len) != 0)
                return 0;

        if (ss.ss_family != family)
                abort();
        if (family == AF_INET &&
            (len != sizeof(struct sockaddr_in) ||
             ntohs(((struct sockaddr_in *) &ss)->sin_port) != 3435))
                abort();
        if (family == AF_INET6 &&
            (len != sizeof(struct sockaddr_in6) ||
             ntohs(((struct sockaddr_in6 *) &ss)->sin6_port) != 3435))
                abort();

        return 0;
}
