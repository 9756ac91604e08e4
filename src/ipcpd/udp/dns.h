/*
 * Ouroboros - name resolution of the udp4 and udp6 layers by DNS
 * (bootstrap option "dns ADDR"): registering a name is an RFC 2136
 * dynamic update that adds an A (udp4) or AAAA (udp6) record with the
 * IPCP's address; unregistering deletes that one record; a lookup is
 * a query for it. All go to one server, UDP port 53 (TCP if a reply
 * is truncated), without TSIG: the server must allow updates of the
 * zone from the IPCP's address.
 *
 * The DNS name of a name hash: its lowercase hex split into labels of
 * UDP_DNS_LABEL hex digits (the last may be shorter), under the zone
 * named after the layer:
 *
 *   hash 32 bytes, layer "udp.example"  ->
 *   0123...(32 hex).4567...(32 hex).udp.example
 *
 * So the layer name must be a DNS name (udp_dns_zone_check): labels of
 * letters, digits and '-' (neither first nor last) of 1..63 bytes,
 * separated by single dots, no trailing dot, and short enough that the
 * longest name fits in 253 characters. A record carries no port: the
 * members of a layer that use DNS share one port, the layer's.
 *
 * Each call is synchronous and may block up to about
 * UDP_DNS_TIMEOUT_MS * UDP_DNS_TRIES: callers run it outside the
 * IPCP's event loop. A handle holds only the server and the zone, and
 * each call makes its own resolver, so calls may run in parallel from
 * several threads.
 */
#ifndef OUROBOROS_IPCPD_UDP_DNS_H
#define OUROBOROS_IPCPD_UDP_DNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define UDP_DNS_PORT        53
#define UDP_DNS_LABEL       32     /* hex digits per label (max 63)   */
#define UDP_DNS_NAME_MAX    253    /* characters of a DNS name        */
#define UDP_DNS_HASH_MAX    64     /* bytes of the longest name hash  */
#define UDP_DNS_TTL         30     /* seconds, of the records we add  */
#define UDP_DNS_TIMEOUT_MS  1000   /* per try                         */
#define UDP_DNS_TRIES       2

struct udp_dns;

/* Whether zone can hold the names of hashes of hash_len bytes:
 * 0, -EINVAL (not a DNS name as above) or -ENAMETOOLONG. */
int  udp_dns_zone_check(const char * zone,
                        size_t       hash_len);

/* Write the DNS name of hash (len bytes) under zone into buf (cap
 * bytes, with the NUL). Returns its length, -EINVAL (len 0 or above
 * UDP_DNS_HASH_MAX) or -ENAMETOOLONG (above UDP_DNS_NAME_MAX or cap). */
int  udp_dns_name(char *          buf,
                  size_t          cap,
                  const char *    zone,
                  const uint8_t * hash,
                  size_t          len);

/* A handle for server (a numeric IPv4 or IPv6 address, either family
 * for either layer), port (0: UDP_DNS_PORT) and zone. 0 and *out, or
 * -EINVAL (bad address, or zone not a DNS name), -ENOMEM. */
int  udp_dns_open(struct udp_dns ** out,
                  const char *      server,
                  uint16_t          port,
                  const char *      zone);

void udp_dns_close(struct udp_dns * d);

/* Add (reg) or delete (unreg) the record of hash with addr (AF_INET:
 * A, AF_INET6: AAAA; its port is ignored). Adding a record that is
 * there, or deleting one that is not, succeeds. Returns 0, or
 *   -EPERM         the server refused (REFUSED, NOTAUTH: no update
 *                  allowed from here, or not the zone's server)
 *   -ENOENT        the zone does not exist there (NOTZONE, NXDOMAIN)
 *   -ETIMEDOUT     no answer (nothing listens on the server's port
 *                  looks the same: libldns does not report ICMP)
 *   -ENETUNREACH   no route to the server (or -EHOSTUNREACH)
 *   -EIO           a server failure (SERVFAIL), -EPROTO another
 *                  answer, -ENOMEM, -EINVAL (bad hash or family). */
int  udp_dns_reg(struct udp_dns *        d,
                 const uint8_t *         hash,
                 size_t                  len,
                 const struct sockaddr * addr);

int  udp_dns_unreg(struct udp_dns *        d,
                   const uint8_t *         hash,
                   size_t                  len,
                   const struct sockaddr * addr);

/* Look up the address of hash for family (AF_INET: A, AF_INET6:
 * AAAA); *out gets the first one, with port, and *olen its length.
 * Returns 0, -ENOENT (no such record), or an error as above. */
int  udp_dns_query(struct udp_dns *          d,
                   const uint8_t *           hash,
                   size_t                    len,
                   int                       family,
                   uint16_t                  port,
                   struct sockaddr_storage * out,
                   socklen_t *               olen);

/* The answer to a query for hash under zone, as wire bytes (what
 * udp_dns_query does with the server's reply; exposed for the fuzz
 * target fuzz_udp_dns): 0 with *out, -ENOENT (no address record owned
 * by that name), -EBADMSG (not a DNS message), an rcode's error as
 * above, -EINVAL. */
int  udp_dns_answer(const char *              zone,
                    const uint8_t *           hash,
                    size_t                    len,
                    const uint8_t *           wire,
                    size_t                    wlen,
                    int                       family,
                    uint16_t                  port,
                    struct sockaddr_storage * out,
                    socklen_t *               olen);

#endif /* OUROBOROS_IPCPD_UDP_DNS_H */
