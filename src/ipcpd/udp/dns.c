/*
 * Ouroboros - DNS names of the udp layers (see dns.h): the name of a
 * hash, dynamic update (RFC 2136) and query with libldns.
 */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct udp_dns {
        int      family;              /* of the server                */
        uint8_t  addr[16];            /* the server, network order    */
        uint16_t port;
        char     zone[UDP_DNS_NAME_MAX + 1];
};

static bool ldh(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                (c >= '0' && c <= '9') || c == '-';
}

/* Characters of the labels of a hash of len bytes, with their dots. */
static size_t hash_part_len(size_t len)
{
        size_t hex = 2 * len;

        return hex + (hex + UDP_DNS_LABEL - 1) / UDP_DNS_LABEL;
}

int udp_dns_zone_check(const char * zone,
                       size_t       hash_len)
{
        size_t i;
        size_t n;
        size_t lab = 0;

        if (zone == NULL || zone[0] == '\0')
                return -EINVAL;

        n = strlen(zone);
        for (i = 0; i <= n; ++i) {
                if (zone[i] == '.' || zone[i] == '\0') {
                        if (lab == 0 || lab > 63 || zone[i - 1] == '-')
                                return -EINVAL;
                        lab = 0;
                        continue;
                }
                if (!ldh(zone[i]) || (lab == 0 && zone[i] == '-'))
                        return -EINVAL;
                ++lab;
        }

        if (hash_len > UDP_DNS_HASH_MAX ||
            hash_part_len(hash_len) + n > UDP_DNS_NAME_MAX)
                return -ENAMETOOLONG;

        return 0;
}

int udp_dns_name(char *          buf,
                 size_t          cap,
                 const char *    zone,
                 const uint8_t * hash,
                 size_t          len)
{
        static const char hex[] = "0123456789abcdef";
        size_t            i;
        size_t            o = 0;
        size_t            zl;

        if (len == 0 || len > UDP_DNS_HASH_MAX)
                return -EINVAL;

        zl = strlen(zone);
        if (hash_part_len(len) + zl > UDP_DNS_NAME_MAX ||
            hash_part_len(len) + zl + 1 > cap)
                return -ENAMETOOLONG;

        for (i = 0; i < 2 * len; ++i) {
                if (i > 0 && i % UDP_DNS_LABEL == 0)
                        buf[o++] = '.';
                buf[o++] = hex[(hash[i / 2] >> (i % 2 ? 0 : 4)) & 0xF];
        }
        buf[o++] = '.';
        memcpy(buf + o, zone, zl + 1);

        return (int) (o + zl);
}

int udp_dns_open(struct udp_dns ** out,
                 const char *      server,
                 uint16_t          port,
                 const char *      zone)
{
        struct udp_dns * d;

        if (server == NULL || udp_dns_zone_check(zone, 0) < 0)
                return -EINVAL;

        d = calloc(1, sizeof(*d));
        if (d == NULL)
                return -ENOMEM;

        if (inet_pton(AF_INET, server, d->addr) == 1) {
                d->family = AF_INET;
        } else if (inet_pton(AF_INET6, server, d->addr) == 1) {
                d->family = AF_INET6;
        } else {
                free(d);
                return -EINVAL;
        }

        d->port = port == 0 ? UDP_DNS_PORT : port;
        strcpy(d->zone, zone);

        *out = d;

        return 0;
}

void udp_dns_close(struct udp_dns * d)
{
        free(d);
}

/* A resolver asking only our server, with our timeouts. */
static ldns_resolver * resolver(const struct udp_dns * d)
{
        ldns_resolver * r;
        ldns_rdf *      ns;
        struct timeval  tv;

        r = ldns_resolver_new();
        if (r == NULL)
                return NULL;

        if (d->family == AF_INET)
                ns = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4, d->addr);
        else
                ns = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16, d->addr);
        if (ns == NULL || ldns_resolver_push_nameserver(r, ns) !=
            LDNS_STATUS_OK) {
                ldns_rdf_deep_free(ns);
                ldns_resolver_deep_free(r);
                return NULL;
        }
        ldns_rdf_deep_free(ns);  /* the resolver keeps a copy */

        tv.tv_sec  = UDP_DNS_TIMEOUT_MS / 1000;
        tv.tv_usec = (UDP_DNS_TIMEOUT_MS % 1000) * 1000;
        ldns_resolver_set_port(r, d->port);
        ldns_resolver_set_timeout(r, tv);
        ldns_resolver_set_retry(r, UDP_DNS_TRIES);
        ldns_resolver_set_retrans(r, 0);
        ldns_resolver_set_defnames(r, false);
        ldns_resolver_set_dnsrch(r, false);
        ldns_resolver_set_random(r, false);
        ldns_resolver_set_fallback(r, true);   /* TCP if truncated */

        return r;
}

/* The owner name of hash (or the zone, for hash NULL) as an absolute
 * ldns dname, or NULL. */
static ldns_rdf * dname(const struct udp_dns * d,
                        const uint8_t *        hash,
                        size_t                 len)
{
        char name[UDP_DNS_NAME_MAX + 2];
        int  n;

        if (hash == NULL) {
                n = (int) strlen(d->zone);
                memcpy(name, d->zone, n);
        } else {
                n = udp_dns_name(name, sizeof(name) - 1, d->zone, hash,
                                 len);
                if (n < 0)
                        return NULL;
        }
        name[n]     = '.';
        name[n + 1] = '\0';

        return ldns_dname_new_frm_str(name);
}

/* A send that failed: no route if sendto said so, else no answer in
 * time. libldns sends from an unconnected socket, so a port where
 * nothing listens (ICMP port unreachable) is a timeout too. */
static int net_err(ldns_status st,
                   int         err)
{
        if (st == LDNS_STATUS_MEM_ERR)
                return -ENOMEM;
        if (err == ENETUNREACH || err == EHOSTUNREACH)
                return -err;
        return -ETIMEDOUT;
}

static int rcode_err(ldns_pkt_rcode rc)
{
        switch (rc) {
        case LDNS_RCODE_NOERROR:
                return 0;
        case LDNS_RCODE_REFUSED:
        case LDNS_RCODE_NOTAUTH:
                return -EPERM;
        case LDNS_RCODE_NOTZONE:
        case LDNS_RCODE_NXDOMAIN:
                return -ENOENT;
        case LDNS_RCODE_SERVFAIL:
                return -EIO;
        default:
                return -EPROTO;
        }
}

static int rr_type(int family)
{
        return family == AF_INET ? LDNS_RR_TYPE_A : LDNS_RR_TYPE_AAAA;
}

/* The update RR: add (class IN) or delete this one record (class
 * NONE, TTL 0; RFC 2136 2.5.4). */
static ldns_rr * update_rr(const struct udp_dns *  d,
                           const uint8_t *         hash,
                           size_t                  len,
                           const struct sockaddr * addr,
                           bool                    add)
{
        ldns_rr *  rr;
        ldns_rdf * own;
        ldns_rdf * rd;

        if (addr->sa_family == AF_INET)
                rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_A, 4,
                        &((const struct sockaddr_in *) addr)->sin_addr);
        else
                rd = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_AAAA, 16,
                        &((const struct sockaddr_in6 *) addr)->sin6_addr);
        own = dname(d, hash, len);
        rr  = ldns_rr_new();
        if (rd == NULL || own == NULL || rr == NULL) {
                ldns_rdf_deep_free(rd);
                ldns_rdf_deep_free(own);
                ldns_rr_free(rr);
                return NULL;
        }

        ldns_rr_set_owner(rr, own);
        ldns_rr_set_type(rr, rr_type(addr->sa_family));
        ldns_rr_set_class(rr, add ? LDNS_RR_CLASS_IN : LDNS_RR_CLASS_NONE);
        ldns_rr_set_ttl(rr, add ? UDP_DNS_TTL : 0);
        if (!ldns_rr_push_rdf(rr, rd)) {
                ldns_rdf_deep_free(rd);
                ldns_rr_free(rr);
                return NULL;
        }

        return rr;
}

static int update(struct udp_dns *        d,
                  const uint8_t *         hash,
                  size_t                  len,
                  const struct sockaddr * addr,
                  bool                    add)
{
        ldns_resolver * r    = NULL;
        ldns_rr_list *  up   = NULL;
        ldns_rr *       rr   = NULL;
        ldns_rdf *      zone = NULL;
        ldns_pkt *      q    = NULL;
        ldns_pkt *      a    = NULL;
        ldns_status     st;
        int             ret  = -ENOMEM;

        if (d == NULL || hash == NULL || len == 0 ||
            len > UDP_DNS_HASH_MAX || addr == NULL ||
            (addr->sa_family != AF_INET && addr->sa_family != AF_INET6))
                return -EINVAL;

        r    = resolver(d);
        up   = ldns_rr_list_new();
        rr   = update_rr(d, hash, len, addr, add);
        zone = dname(d, NULL, 0);
        if (r == NULL || up == NULL || rr == NULL || zone == NULL)
                goto out;

        if (!ldns_rr_list_push_rr(up, rr))
                goto out;
        rr = NULL;  /* the list has it */

        q = ldns_update_pkt_new(zone, LDNS_RR_CLASS_IN, NULL, up, NULL);
        zone = NULL;  /* the packet has it, or freed it */
        if (q == NULL)
                goto out;
        ldns_pkt_set_rd(q, false);
        ldns_pkt_set_random_id(q);

        errno = 0;
        st = ldns_resolver_send_pkt(&a, r, q);
        if (st != LDNS_STATUS_OK || a == NULL)
                ret = net_err(st, errno);
        else
                ret = rcode_err(ldns_pkt_get_rcode(a));
 out:
        ldns_pkt_free(a);
        ldns_pkt_free(q);
        ldns_rdf_deep_free(zone);
        ldns_rr_free(rr);
        ldns_rr_list_deep_free(up);
        if (r != NULL)
                ldns_resolver_deep_free(r);

        return ret;
}

int udp_dns_reg(struct udp_dns *        d,
                const uint8_t *         hash,
                size_t                  len,
                const struct sockaddr * addr)
{
        return update(d, hash, len, addr, true);
}

int udp_dns_unreg(struct udp_dns *        d,
                  const uint8_t *         hash,
                  size_t                  len,
                  const struct sockaddr * addr)
{
        return update(d, hash, len, addr, false);
}

/* The first address record of the answer owned by own into out: 0 or
 * -ENOENT. A record for another name (a confused or hostile server)
 * is not an answer. */
static int answer_addr(ldns_pkt *                a,
                       const ldns_rdf *          own,
                       int                       family,
                       uint16_t                  port,
                       struct sockaddr_storage * out,
                       socklen_t *               olen)
{
        ldns_rr_list * l;
        ldns_rdf *     rd = NULL;
        size_t         want = family == AF_INET ? 4 : 16;
        size_t         i;
        int            ret = -ENOENT;

        l = ldns_pkt_rr_list_by_type(a, rr_type(family),
                                     LDNS_SECTION_ANSWER);
        for (i = 0; l != NULL && i < ldns_rr_list_rr_count(l); ++i) {
                ldns_rr * rr = ldns_rr_list_rr(l, i);
                if (ldns_rr_owner(rr) == NULL ||
                    ldns_dname_compare(ldns_rr_owner(rr), own) != 0)
                        continue;
                rd = ldns_rr_rdf(rr, 0);
                break;
        }
        if (rd == NULL || ldns_rdf_size(rd) != want)
                goto out;

        memset(out, 0, sizeof(*out));
        if (family == AF_INET) {
                struct sockaddr_in * s = (struct sockaddr_in *) out;

                s->sin_family = AF_INET;
                s->sin_port   = htons(port);
                memcpy(&s->sin_addr, ldns_rdf_data(rd), 4);
                *olen = sizeof(*s);
        } else {
                struct sockaddr_in6 * s = (struct sockaddr_in6 *) out;

                s->sin6_family = AF_INET6;
                s->sin6_port   = htons(port);
                memcpy(&s->sin6_addr, ldns_rdf_data(rd), 16);
                *olen = sizeof(*s);
        }
        ret = 0;
 out:
        ldns_rr_list_deep_free(l);

        return ret;
}

int udp_dns_answer(const char *              zone,
                   const uint8_t *           hash,
                   size_t                    len,
                   const uint8_t *           wire,
                   size_t                    wlen,
                   int                       family,
                   uint16_t                  port,
                   struct sockaddr_storage * out,
                   socklen_t *               olen)
{
        struct udp_dns d;
        ldns_rdf *     own;
        ldns_pkt *     a = NULL;
        int            ret;

        if (zone == NULL || wire == NULL || out == NULL || olen == NULL ||
            (family != AF_INET && family != AF_INET6) ||
            strlen(zone) >= sizeof(d.zone))
                return -EINVAL;

        memset(&d, 0, sizeof(d));
        strcpy(d.zone, zone);
        own = dname(&d, hash, len);
        if (own == NULL)
                return -EINVAL;

        if (ldns_wire2pkt(&a, wire, wlen) != LDNS_STATUS_OK || a == NULL)
                ret = -EBADMSG;
        else if ((ret = rcode_err(ldns_pkt_get_rcode(a))) == 0)
                ret = answer_addr(a, own, family, port, out, olen);

        ldns_pkt_free(a);
        ldns_rdf_deep_free(own);

        return ret;
}

int udp_dns_query(struct udp_dns *          d,
                  const uint8_t *           hash,
                  size_t                    len,
                  int                       family,
                  uint16_t                  port,
                  struct sockaddr_storage * out,
                  socklen_t *               olen)
{
        ldns_resolver * r;
        ldns_rdf *      own;
        ldns_pkt *      a = NULL;
        ldns_status     st;
        int             ret = -ENOMEM;

        if (d == NULL || hash == NULL || len == 0 ||
            len > UDP_DNS_HASH_MAX || out == NULL || olen == NULL ||
            (family != AF_INET && family != AF_INET6))
                return -EINVAL;

        r   = resolver(d);
        own = dname(d, hash, len);
        if (r == NULL || own == NULL)
                goto out;

        errno = 0;
        st = ldns_resolver_query_status(&a, r, own, rr_type(family),
                                        LDNS_RR_CLASS_IN, LDNS_RD);
        if (st != LDNS_STATUS_OK || a == NULL)
                ret = net_err(st, errno);
        else if ((ret = rcode_err(ldns_pkt_get_rcode(a))) == 0)
                ret = answer_addr(a, own, family, port, out, olen);
 out:
        ldns_pkt_free(a);
        ldns_rdf_deep_free(own);
        if (r != NULL)
                ldns_resolver_deep_free(r);

        return ret;
}
