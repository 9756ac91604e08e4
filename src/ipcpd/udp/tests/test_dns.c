/*
 * DNS names of the udp layers: zone checks and the name of a hash
 * (always), and with the argument "live" registration, lookup and
 * deletion against the named that dns.sh starts (127.0.0.1 and ::1,
 * zones udp.test and udp6.test open to updates, ro.test closed), a
 * port where nothing listens and a server that never answers.
 */
#include "dns.h"

#include <ldns/ldns.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../../tests/check.h"

static void zone_test(void)
{
        char big[300];

        CHECK(udp_dns_zone_check("udp", 32) == 0);
        CHECK(udp_dns_zone_check("udp.example.org", 64) == 0);
        CHECK(udp_dns_zone_check("a-b.C9", 32) == 0);
        CHECK(udp_dns_zone_check("", 32) == -EINVAL);
        CHECK(udp_dns_zone_check(".udp", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("udp.", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("a..b", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("-a", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("a-", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("a-.b", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("my layer", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("a_b", 32) == -EINVAL);
        CHECK(udp_dns_zone_check("caf\xc3\xa9", 32) == -EINVAL);

        /* A 63-byte label passes, 64 does not. */
        memset(big, 'a', 64);
        big[63] = '\0';
        CHECK(udp_dns_zone_check(big, 32) == 0);
        big[63] = 'a';
        big[64] = '\0';
        CHECK(udp_dns_zone_check(big, 32) == -EINVAL);

        /* 64-byte hash: 128 hex in 4 labels, 132 with dots; the zone
         * may have 121 characters. */
        memset(big, 'a', 121);
        for (int i = 60; i < 121; i += 61)
                big[i] = '.';
        big[121] = '\0';
        CHECK(udp_dns_zone_check(big, 64) == 0);
        CHECK(udp_dns_zone_check(big, 32) == 0);
        big[121] = 'a';
        big[122] = '\0';
        CHECK(udp_dns_zone_check(big, 64) == -ENAMETOOLONG);
        CHECK(udp_dns_zone_check(big, 32) == 0);
        CHECK(udp_dns_zone_check("udp", 65) == -ENAMETOOLONG);
}

static void name_test(void)
{
        uint8_t h[64];
        char    buf[300];
        char    want[300];
        int     n;

        for (int i = 0; i < 64; ++i)
                h[i] = (uint8_t) ((i % 16) * 17);

        n = udp_dns_name(buf, sizeof(buf), "udp", h, 32);
        strcpy(want, "00112233445566778899aabbccddeeff"
               ".00112233445566778899aabbccddeeff.udp");
        CHECK(n == (int) strlen(want));
        CHECK(strcmp(buf, want) == 0);

        /* 28 bytes: 56 hex, the second label of 24. */
        n = udp_dns_name(buf, sizeof(buf), "a.b", h, 28);
        CHECK(n == 56 + 1 + 1 + 3);
        CHECK(strcmp(buf + 33, "00112233445566778899aabb.a.b") == 0);

        n = udp_dns_name(buf, sizeof(buf), "x", h, 64);
        CHECK(n == 128 + 4 + 1);
        CHECK(buf[32] == '.' && buf[65] == '.' && buf[98] == '.');

        CHECK(udp_dns_name(buf, sizeof(buf), "x", h, 0) == -EINVAL);
        CHECK(udp_dns_name(buf, sizeof(buf), "x", h, 65) == -EINVAL);
        CHECK(udp_dns_name(buf, 67, "x", h, 32) == -ENAMETOOLONG);
        CHECK(udp_dns_name(buf, 68, "x", h, 32) == 67);
}

static void open_test(void)
{
        struct udp_dns * d;

        CHECK(udp_dns_open(&d, "10.0.0.1.", 0, "udp") == -EINVAL);
        CHECK(udp_dns_open(&d, "dns.example", 0, "udp") == -EINVAL);
        CHECK(udp_dns_open(&d, "10.0.0.1", 0, "my layer") == -EINVAL);
        CHECK(udp_dns_open(&d, "10.0.0.1", 0, "udp") == 0);
        udp_dns_close(d);
        CHECK(udp_dns_open(&d, "fd00::53", 0, "udp") == 0);
        udp_dns_close(d);
}

static struct sockaddr_storage addr(const char * ip)
{
        struct sockaddr_storage ss;

        memset(&ss, 0, sizeof(ss));
        if (inet_pton(AF_INET, ip, &((struct sockaddr_in *) &ss)->sin_addr)
            == 1) {
                ss.ss_family = AF_INET;
                return ss;
        }
        CHECK(inet_pton(AF_INET6, ip,
                        &((struct sockaddr_in6 *) &ss)->sin6_addr) == 1);
        ss.ss_family = AF_INET6;

        return ss;
}

/* The address found for h is ip (and the port is set), or nothing. */
static int found(struct udp_dns * d,
                 const uint8_t *  h,
                 int              family,
                 const char *     ip)
{
        struct sockaddr_storage ss;
        socklen_t               len;
        char                    s[INET6_ADDRSTRLEN];
        const void *            a;
        int                     ret;

        ret = udp_dns_query(d, h, 32, family, 3435, &ss, &len);
        if (ret < 0) {
                if (ret != -ENOENT)
                        fprintf(stderr, "query: %d\n", ret);
                return ret;
        }
        CHECK(ss.ss_family == family);
        if (family == AF_INET) {
                CHECK(len == sizeof(struct sockaddr_in));
                CHECK(ntohs(((struct sockaddr_in *) &ss)->sin_port) == 3435);
                a = &((struct sockaddr_in *) &ss)->sin_addr;
        } else {
                CHECK(len == sizeof(struct sockaddr_in6));
                CHECK(ntohs(((struct sockaddr_in6 *) &ss)->sin6_port)
                      == 3435);
                a = &((struct sockaddr_in6 *) &ss)->sin6_addr;
        }
        CHECK(inet_ntop(family, a, s, sizeof(s)) != NULL);
        if (ip != NULL && strcmp(s, ip) != 0) {
                fprintf(stderr, "found %s, want %s\n", s, ip);
                return -EBADMSG;
        }

        return 0;
}

static void live_v4(const char * server)
{
        struct udp_dns *        d;
        struct sockaddr_storage a1 = addr("10.1.2.3");
        struct sockaddr_storage a2 = addr("10.1.2.4");
        uint8_t                 h[32];
        uint8_t                 other[32];

        memset(h, 0xA5, sizeof(h));
        memset(other, 0x5A, sizeof(other));

        CHECK(udp_dns_open(&d, server, 0, "udp.test") == 0);

        CHECK(found(d, h, AF_INET, NULL) == -ENOENT);
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a1) == 0);
        CHECK(found(d, h, AF_INET, "10.1.2.3") == 0);
        /* Again: no change. */
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a1) == 0);
        CHECK(found(d, h, AF_INET, "10.1.2.3") == 0);
        CHECK(found(d, other, AF_INET, NULL) == -ENOENT);
        /* No AAAA for it. */
        CHECK(found(d, h, AF_INET6, NULL) == -ENOENT);

        /* A second member registers the name; deleting the first
         * leaves the second. */
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a2) == 0);
        CHECK(udp_dns_unreg(d, h, 32, (struct sockaddr *) &a1) == 0);
        CHECK(found(d, h, AF_INET, "10.1.2.4") == 0);
        CHECK(udp_dns_unreg(d, h, 32, (struct sockaddr *) &a2) == 0);
        CHECK(found(d, h, AF_INET, NULL) == -ENOENT);
        /* Deleting what is not there succeeds. */
        CHECK(udp_dns_unreg(d, h, 32, (struct sockaddr *) &a2) == 0);

        CHECK(udp_dns_reg(d, h, 0, (struct sockaddr *) &a1) == -EINVAL);
        udp_dns_close(d);

        /* A zone without updates, one the server does not serve. */
        CHECK(udp_dns_open(&d, server, 0, "ro.test") == 0);
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a1) == -EPERM);
        CHECK(found(d, h, AF_INET, NULL) == -ENOENT);
        udp_dns_close(d);
        CHECK(udp_dns_open(&d, server, 0, "nothere.test") == 0);
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a1) == -EPERM);
        CHECK(found(d, h, AF_INET, NULL) == -EPERM);
        udp_dns_close(d);
}

static void live_v6(const char * server)
{
        struct udp_dns *        d;
        struct sockaddr_storage a6 = addr("fd00::1:2");
        uint8_t                 h[32];

        memset(h, 0x3C, sizeof(h));

        CHECK(udp_dns_open(&d, server, 0, "udp6.test") == 0);
        CHECK(found(d, h, AF_INET6, NULL) == -ENOENT);
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a6) == 0);
        CHECK(found(d, h, AF_INET6, "fd00::1:2") == 0);
        CHECK(found(d, h, AF_INET, NULL) == -ENOENT);
        CHECK(udp_dns_unreg(d, h, 32, (struct sockaddr *) &a6) == 0);
        CHECK(found(d, h, AF_INET6, NULL) == -ENOENT);
        udp_dns_close(d);
}

/* No route to the server: at once. Nothing on the port, or a socket
 * that never answers: a timeout within the tries. */
static void live_faults(void)
{
        struct udp_dns *        d;
        struct sockaddr_storage a1 = addr("10.1.2.3");
        struct sockaddr_in      sin;
        socklen_t               len = sizeof(sin);
        uint8_t                 h[32];
        int64_t                 t0;
        int                     fd;

        memset(h, 1, sizeof(h));

        /* The namespace has only lo. */
        CHECK(udp_dns_open(&d, "10.9.9.9", 0, "udp.test") == 0);
        t0 = check_now_ms();
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a1)
              == -ENETUNREACH);
        CHECK(found(d, h, AF_INET, NULL) == -ENETUNREACH);
        CHECK(check_now_ms() - t0 < 1000);
        udp_dns_close(d);

        CHECK(udp_dns_open(&d, "127.0.0.1", 9, "udp.test") == 0);
        CHECK(udp_dns_reg(d, h, 32, (struct sockaddr *) &a1)
              == -ETIMEDOUT);
        udp_dns_close(d);

        fd = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK(fd >= 0);
        memset(&sin, 0, sizeof(sin));
        sin.sin_family      = AF_INET;
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        CHECK(bind(fd, (struct sockaddr *) &sin, sizeof(sin)) == 0);
        CHECK(getsockname(fd, (struct sockaddr *) &sin, &len) == 0);

        CHECK(udp_dns_open(&d, "127.0.0.1", ntohs(sin.sin_port),
                           "udp.test") == 0);
        t0 = check_now_ms();
        CHECK(found(d, h, AF_INET, NULL) == -ETIMEDOUT);
        CHECK(check_now_ms() - t0 <
              2 * UDP_DNS_TIMEOUT_MS * UDP_DNS_TRIES + 1000);
        udp_dns_close(d);
        close(fd);
}

/* A reply carrying rr (text), as the server's wire bytes. */
static uint8_t * reply_wire(const char * rr,
                            size_t *     len)
{
        ldns_pkt * p = ldns_pkt_new();
        ldns_rr *  r = NULL;
        uint8_t *  w = NULL;

        CHECK(p != NULL);
        CHECK(ldns_rr_new_frm_str(&r, rr, 0, NULL, NULL) == LDNS_STATUS_OK);
        ldns_pkt_set_qr(p, true);
        CHECK(ldns_pkt_push_rr(p, LDNS_SECTION_ANSWER, r));
        CHECK(ldns_pkt2wire(&w, p, len) == LDNS_STATUS_OK);
        ldns_pkt_free(p);

        return w;
}

/* The address comes only from a record owned by the name asked for. */
static void answer_test(void)
{
        static const uint8_t    h[4] = { 0xde, 0xad, 0xbe, 0xef };
        struct sockaddr_storage ss;
        socklen_t               sl = 0;
        size_t                  n;
        uint8_t *               w;

        w = reply_wire("deadbeef.l.test. 60 IN A 10.1.2.3", &n);
        CHECK_EQ(udp_dns_answer("l.test", h, 4, w, n, AF_INET, 3435, &ss,
                                &sl), 0);
        CHECK_EQ(sl, sizeof(struct sockaddr_in));
        CHECK_EQ(ntohl(((struct sockaddr_in *) &ss)->sin_addr.s_addr),
                 0x0a010203);
        CHECK_EQ(ntohs(((struct sockaddr_in *) &ss)->sin_port), 3435);
        /* no AAAA in it */
        CHECK_EQ(udp_dns_answer("l.test", h, 4, w, n, AF_INET6, 3435, &ss,
                                &sl), -ENOENT);
        free(w);

        w = reply_wire("other.l.test. 60 IN A 10.9.9.9", &n);
        CHECK_EQ(udp_dns_answer("l.test", h, 4, w, n, AF_INET, 3435, &ss,
                                &sl), -ENOENT);
        free(w);

        CHECK_EQ(udp_dns_answer("l.test", h, 4, (const uint8_t *) "xx", 2,
                                AF_INET, 3435, &ss, &sl), -EBADMSG);
}

int main(int    argc,
         char * argv[])
{
        check_keep_going = true;

        zone_test();
        name_test();
        open_test();
        answer_test();

        if (argc > 1 && strcmp(argv[1], "live") == 0) {
                live_v4("127.0.0.1");
                live_v6("::1");
                /* Either family reaches the server for either layer. */
                live_v6("127.0.0.1");
                live_faults();
        }

        return check_report("udp dns");
}
