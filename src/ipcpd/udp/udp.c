/*
 * Ouroboros - the udp4 and udp6 IPCPs (see udp.h): bootstrap, and the
 * transport ops the shim core calls (send a data or management
 * datagram, find a name, publish a name, counters, close). Everything
 * runs on the framework's loop thread; DNS work runs in the worker of
 * names.c and comes back here through ipcp_loop_call.
 *
 * Receiving: the socket is watched for POLLIN; each wake-up reads up
 * to UDP_RX_BUDGET datagrams, many per recvmmsg, into slots of the
 * layer's largest datagram (UDP_RX_MEM bytes in all), and hands each
 * payload where it lies to the shim. Sending: header and payload go out in one
 * sendmsg (the payload read in place from the flow); a full socket
 * buffer (-EAGAIN) also watches POLLOUT until it drains, then tells the
 * shim (shim_tx_ready); a datagram the queueing discipline refused
 * (-ENOBUFS, which the kernel reports only with IP_RECVERR on) tells
 * it after UDP_TX_RETRY_MS. Either way the packet stays in the
 * application's flow: back-pressure, no loss inside the host.
 */
#include "udp.h"
#include "dgram.h"
#include "dns.h"
#include "names.h"
#include "sock.h"

#include "ipcpd/common/ipcp.h"
#include "ipcpd/mgmt/be.h"
#include "shim.h"

#include "common/hash.h"
#include "common/ipcp_conf.h"
#include "common/log.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UDP_IOV_MAX      8
#define UDP_TX_RETRY_MS  1  /* after -ENOBUFS: no POLLOUT will come */

static struct {
        enum ipcp_type          type;
        int                     family;
        int                     fd;
        struct sockaddr_storage self;
        socklen_t               self_len;
        size_t                  max;
        bool                    pollout;
        struct ipcp_timer *     tx_retry;
        uint64_t                icmp_errors; /* drained error queue  */
        struct shim *           sh;
        struct udp_names *      names;
        struct udp_sock_batch   rx;
} u = { .fd = -1 };

/* ---- addresses ---- */

static void to_shim(const struct sockaddr_storage * ss,
                    struct shim_addr *              a)
{
        memset(a, 0, sizeof(*a));
        if (ss->ss_family == AF_INET) {
                a->kind = SHIM_ADDR_IN4;
                memcpy(&a->u.in4, ss, sizeof(a->u.in4));
        } else {
                a->kind = SHIM_ADDR_IN6;
                memcpy(&a->u.in6, ss, sizeof(a->u.in6));
                a->u.in6.sin6_flowinfo = 0;
        }
}

static const struct sockaddr * to_sock(const struct shim_addr * a,
                                       socklen_t *              len)
{
        if (a->kind == SHIM_ADDR_IN4 && u.family == AF_INET) {
                *len = sizeof(a->u.in4);
                return (const struct sockaddr *) &a->u.in4;
        }
        if (a->kind == SHIM_ADDR_IN6 && u.family == AF_INET6) {
                *len = sizeof(a->u.in6);
                return (const struct sockaddr *) &a->u.in6;
        }
        return NULL;
}

/* ---- sending ---- */

static void tx_retry_cb(void * arg)
{
        (void) arg;

        u.tx_retry = NULL;
        if (u.sh != NULL)
                shim_tx_ready(u.sh);
}

/* What a send returned, r. A full socket buffer (-EAGAIN) watches
 * POLLOUT until it drains (rx_cb then tells the shim); a datagram the
 * queueing discipline refused (-ENOBUFS, reported thanks to
 * IP_RECVERR) retries after UDP_TX_RETRY_MS, as the socket stays
 * writable. Both are -EAGAIN to the shim, which keeps the packet in
 * the application's flow. */
static int sent(ssize_t r)
{
        if (r == -EAGAIN || r == -ENOBUFS)
                shim_count(u.sh, r == -EAGAIN ? SHIM_C_TX_FULL :
                           SHIM_C_TX_NOBUFS);
        if (r == -EAGAIN && !u.pollout) {
                if (ipcp_fd_mod(u.fd, POLLIN | POLLOUT) == 0)
                        u.pollout = true;
                else
                        r = -ENOBUFS; /* no POLLOUT: the timer then */
        }
        if (r == -ENOBUFS) {
                if (u.tx_retry == NULL)
                        u.tx_retry = ipcp_timer_add(UDP_TX_RETRY_MS,
                                                    tx_retry_cb, NULL);
                r = -EAGAIN;
        }
        if (r < 0)
                return (int) r;

        shim_count(u.sh, SHIM_C_TX_FRAMES);
        shim_count_n(u.sh, SHIM_C_TX_BYTES, (uint64_t) r);

        return 0;
}

static int udp_send_data(void *                   ctx,
                         const struct shim_addr * dst,
                         uint16_t                 d_eid,
                         uint16_t                 s_eid,
                         const struct iovec *     iov,
                         int                      iovcnt)
{
        const struct sockaddr * sa;
        socklen_t               len;
        uint8_t                 hdr[UDP_HDR_LEN];
        struct iovec            v[UDP_IOV_MAX + 1];
        size_t                  n = 0;
        int                     i;

        (void) ctx;

        sa = to_sock(dst, &len);
        if (sa == NULL || iovcnt < 0 || iovcnt > UDP_IOV_MAX ||
            d_eid == 0 || s_eid == 0)
                return -EINVAL;

        be_put16(hdr, d_eid);
        be_put16(hdr + 2, s_eid);
        v[0].iov_base = hdr;
        v[0].iov_len  = UDP_HDR_LEN;
        for (i = 0; i < iovcnt; ++i) {
                v[i + 1] = iov[i];
                n += iov[i].iov_len;
        }
        if (n > u.max)
                return -EMSGSIZE;

        return sent(udp_sock_sendv(u.fd, v, iovcnt + 1, sa, len));
}

static int udp_send_mgmt(void *                   ctx,
                         const struct shim_addr * dst,
                         const struct mgmt_msg *  m)
{
        const struct sockaddr * sa;
        socklen_t               len;
        uint8_t                 buf[UDP_HDR_LEN + MGMT_MSG_MAX];
        ssize_t                 n;

        (void) ctx;

        if (dst == NULL)
                return -EOPNOTSUPP;  /* no broadcast over UDP */

        sa = to_sock(dst, &len);
        if (sa == NULL)
                return -EINVAL;

        n = udp_dgram_put_mgmt(buf, sizeof(buf), m);
        if (n < 0)
                return (int) n;

        return sent(udp_sock_send(u.fd, buf, (size_t) n, sa, len));
}

/* ---- receiving ---- */

static void rx_one(const uint8_t *                 buf,
                   size_t                          n,
                   const struct sockaddr_storage * from)
{
        struct udp_dgram d;
        struct shim_addr a;
        int              err;

        shim_count(u.sh, SHIM_C_RX_FRAMES);
        shim_count_n(u.sh, SHIM_C_RX_BYTES, n);

        err = udp_dgram_parse(buf, n, &d);
        if (err == -EBADMSG) {
                shim_count(u.sh, SHIM_C_DROP_RUNT);
                return;
        }
        if (err < 0) {
                shim_count(u.sh, err == -EMSGSIZE ? SHIM_C_DROP_OVERSIZE
                           : SHIM_C_DROP_BAD);
                return;
        }
        if (from->ss_family != u.family) {
                shim_count(u.sh, SHIM_C_DROP_BAD);
                return;
        }

        to_shim(from, &a);
        if (d.d_eid == 0)
                shim_rcv_mgmt(u.sh, &a, false, d.payload, d.len);
        else
                shim_rcv_data(u.sh, &a, d.d_eid, d.s_eid, d.payload,
                              d.len);
}

static void rx_cb(void * arg,
                  int    fd,
                  short  revents)
{
        const struct sockaddr_storage * from;
        const uint8_t *                 buf;
        ssize_t                         n;
        size_t                          got = 0;
        int                             r;
        int                             i;

        (void) arg;

        if (revents & POLLERR) /* ICMP errors: poll stays POLLERR */
                u.icmp_errors += (uint64_t) udp_sock_drain_errors(fd);

        if ((revents & POLLOUT) && u.pollout) {
                ipcp_fd_mod(fd, POLLIN);
                u.pollout = false;
                shim_tx_ready(u.sh);
        }

        /* At most UDP_RX_BUDGET per wake-up: the socket stays readable
         * (level-triggered), so the rest comes at the next one. */
        while (got < UDP_RX_BUDGET) {
                r = udp_sock_recv_batch(fd, &u.rx);
                if (r < 0)  /* -EAGAIN, or an ICMP error reported late */
                        break;
                for (i = 0; i < r; ++i) {
                        n = udp_sock_batch_get(&u.rx, (size_t) i, &buf,
                                               &from);
                        if (n < 0) {  /* longer than our largest */
                                shim_count(u.sh, SHIM_C_RX_FRAMES);
                                shim_count(u.sh, SHIM_C_DROP_OVERSIZE);
                                continue;
                        }
                        rx_one(buf, (size_t) n, from);
                }
                /* a full batch: more waited, the kernel may have
                 * dropped */
                shim_rx_batch_end(u.sh, (size_t) r < u.rx.n ? -1 :
                                  shim_sock_drops(fd));
                got += (size_t) r;
                if ((size_t) r < u.rx.n)
                        break;
        }
}

/* ---- names ---- */

/* The end of a registration's DNS update, on the loop thread. */
static void dns_reg_done(void *          arg,
                         const uint8_t * hash,
                         size_t          len,
                         uint32_t        tok,
                         int             err)
{
        struct ipcp_hash h = { hash, len };

        (void) arg;

        if (u.sh != NULL)
                shim_reg_done(u.sh, h, tok, err);
        else
                ipcp_answer(tok, err);
}

/* A DNS answer, on the loop thread. */
static void dns_answer(void *                          arg,
                       uint32_t                        id,
                       const struct sockaddr_storage * addr,
                       socklen_t                       len,
                       int                             err)
{
        struct shim_addr a;

        (void) arg;
        (void) len;

        if (u.sh == NULL)
                return;
        if (err < 0) {
                shim_resolved(u.sh, id, NULL, 0, err);
                return;
        }
        to_shim(addr, &a);
        shim_resolved(u.sh, id, &a, 1, 0);
}

static int udp_resolve(void *             ctx,
                       struct ipcp_hash   h,
                       uint32_t           id,
                       struct shim_addr * out,
                       size_t             max)
{
        struct sockaddr_storage ss;
        socklen_t               len;
        int                     r;

        (void) ctx;

        if (max < 1)
                return -EINVAL;

        r = udp_names_find(u.names, h.p, h.len, id, &ss, &len);
        if (r == IPCP_LATER)
                return SHIM_LATER; /* DNS: shim_resolved comes later */
        if (r != 0)
                return r;

        to_shim(&ss, &out[0]);

        return 1;
}

static int udp_reg(void *           ctx,
                   struct ipcp_hash h)
{
        int r;

        (void) ctx;

        r = udp_names_reg(u.names, h.p, h.len, ipcp_req_tok());

        return r == IPCP_LATER ? SHIM_LATER : r;
}

static int udp_unreg(void *           ctx,
                     struct ipcp_hash h)
{
        (void) ctx;

        return udp_names_unreg(u.names, h.p, h.len);
}

static int udp_stat(void *             ctx,
                    struct ipcp_stat * s)
{
        int err;

        (void) ctx;

        err = ipcp_stat_add(s, "icmp_errors", u.icmp_errors);
        if (err < 0)
                return err;

        return udp_names_stat(u.names, s);
}

static void udp_fini(void * ctx)
{
        (void) ctx;

        if (u.tx_retry != NULL)
                ipcp_timer_cancel(u.tx_retry);
        u.tx_retry = NULL;
        if (u.fd >= 0) {
                ipcp_fd_del(u.fd);
                close(u.fd);
                u.fd = -1;
        }
        u.sh = NULL;
        udp_names_close(u.names);
        u.names = NULL;
        udp_sock_batch_fini(&u.rx);
}

/* ---- bootstrap ---- */

int udp_map_path(char *       buf,
                 size_t       len,
                 const char * layer)
{
        const char * dir = getenv(UDP_MAPDIR_ENV);
        int          n;

        if (strchr(layer, '/') != NULL || strcmp(layer, ".") == 0 ||
            strcmp(layer, "..") == 0 || layer[0] == '\0')
                return -EINVAL;

        if (dir == NULL || dir[0] == '\0')
                dir = UDP_MAPDIR_DEFAULT;

        n = snprintf(buf, len, "%s/%s.map", dir, layer);
        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;

        return 0;
}

static int sock_fail(struct ipcp_attach *        at,
                     const struct layer_config * lc,
                     int                         err)
{
        switch (err) {
        case -EADDRINUSE:
                snprintf(at->info, sizeof(at->info),
                         "port %u is in use on %s", lc->port, lc->ip);
                break;
        case -EADDRNOTAVAIL:
                snprintf(at->info, sizeof(at->info),
                         "address %s is not on this host", lc->ip);
                break;
        case -EACCES:
                snprintf(at->info, sizeof(at->info),
                         "port %u needs privileges", lc->port);
                break;
        case -EINVAL:
                snprintf(at->info, sizeof(at->info),
                         "%s is not a numeric %s address", lc->ip,
                         u.family == AF_INET ? "IPv4" : "IPv6");
                break;
        default:
                snprintf(at->info, sizeof(at->info),
                         "cannot open a socket on %s port %u: %s", lc->ip,
                         lc->port, strerror(-err));
                break;
        }

        log_err("Bootstrap failed: %s.", at->info);

        return err;
}

static int names_open(struct ipcp_attach *        at,
                      const struct layer_config * lc,
                      size_t                      hlen)
{
        char path[512];
        int  line;
        int  err;

        if (lc->dns[0] != '\0') {
                err = udp_dns_zone_check(lc->layer, hlen);
                if (err < 0) {
                        snprintf(at->info, sizeof(at->info),
                                 "layer name %.*s is not a DNS name%s", 64,
                                 lc->layer, err == -ENAMETOOLONG ?
                                 " (too long)" : "");
                        return err;
                }
                err = udp_names_dns(&u.names, lc->dns, lc->layer, &u.self,
                                    dns_answer, dns_reg_done, NULL);
                if (err < 0)
                        snprintf(at->info, sizeof(at->info),
                                 "cannot use DNS server %s: %s", lc->dns,
                                 strerror(-err));
                return err;
        }

        err = udp_map_path(path, sizeof(path), lc->layer);
        if (err < 0) {
                snprintf(at->info, sizeof(at->info),
                         "layer name %.*s cannot name a mapping file", 64,
                         lc->layer);
                return err;
        }

        err = udp_names_map(&u.names, path, u.family, lc->port, lc->hash,
                            &line);
        if (err < 0 && line > 0)
                snprintf(at->info, sizeof(at->info),
                         "bad mapping file %.*s line %d: %s", 160, path,
                         line, strerror(-err));
        else if (err < 0)
                snprintf(at->info, sizeof(at->info),
                         "cannot read mapping file %.*s: %s", 160, path,
                         strerror(-err));

        return err;
}

static int udp_bootstrap(struct msg_view      conf,
                         struct ipcp_attach * at)
{
        struct layer_config   lc;
        struct shim_transport t;
        ssize_t               max;
        int                   hlen;
        int                   err;

        if (u.sh != NULL)
                return -EIPCPSTATE;

        err = ipcp_conf_get(conf, &lc);
        if (err < 0) {
                snprintf(at->info, sizeof(at->info), "bad configuration");
                return err;
        }
        if (lc.type != u.type)
                return -EIPCPTYPE;
        hlen = hash_len(lc.hash);
        if (hlen < 0 || lc.ip[0] == '\0')
                return -EINVAL;

        u.fd = udp_sock_open(u.family, lc.ip, lc.port);
        if (u.fd < 0) {
                err  = u.fd;
                u.fd = -1;
                return sock_fail(at, &lc, err);
        }

        u.self_len = sizeof(u.self);
        if (getsockname(u.fd, (struct sockaddr *) &u.self, &u.self_len) < 0) {
                err = -errno;
                goto fail_sock;
        }

        /* The MTU of the interface holding the address; an address
         * that is local by a route only (127.0.0.2 on lo 127.0.0.1/8):
         * the route's. */
        max = udp_sock_if_payload((struct sockaddr *) &u.self);
        if (max == -EADDRNOTAVAIL)
                max = udp_sock_max_payload((struct sockaddr *) &u.self,
                                           u.self_len);
        if (max < 0) {
                err = (int) max;
                snprintf(at->info, sizeof(at->info),
                         "no MTU for the interface of %s: %s", lc.ip,
                         strerror(-err));
                goto fail_sock;
        }
        u.max = (size_t) max;

        /* Slots one byte longer than the largest datagram of ours, so
         * a longer one shows as truncated. */
        err = udp_sock_batch_init(&u.rx, u.max + UDP_HDR_LEN + 1,
                                  UDP_RX_MEM, UDP_RX_BUDGET);
        if (err < 0)
                goto fail_sock;

        err = names_open(at, &lc, (size_t) hlen);
        if (err < 0)
                goto fail_batch;

        err = ipcp_fd_add(u.fd, POLLIN, rx_cb, NULL);
        if (err < 0)
                goto fail_names;

        memset(&t, 0, sizeof(t));
        t.name        = u.family == AF_INET ? "udp4" : "udp6";
        t.layer       = lc.layer;
        t.max_payload = u.max;
        t.send_data   = udp_send_data;
        t.send_mgmt   = udp_send_mgmt;
        t.resolve     = udp_resolve;
        t.reg         = udp_reg;
        t.unreg       = udp_unreg;
        t.stat        = udp_stat;
        t.fini        = udp_fini;

        err = shim_start(&t, NULL, (size_t) hlen, &u.sh);
        if (err < 0)
                goto fail_fd;

        at->max_pkt = u.max;
        snprintf(at->info, sizeof(at->info), "ip %s port %u%s%s", lc.ip,
                 lc.port, lc.dns[0] != '\0' ? " dns " : "", lc.dns);

        log_info("Bootstrapped in layer %s: %s, largest packet %zu, "
                 "names from %s.", lc.layer, at->info, u.max,
                 lc.dns[0] != '\0' ? "DNS" : "the mapping file");

        return 0;

 fail_fd:
        ipcp_fd_del(u.fd);
 fail_names:
        udp_names_close(u.names);
        u.names = NULL;
 fail_batch:
        udp_sock_batch_fini(&u.rx);
 fail_sock:
        close(u.fd);
        u.fd = -1;
        if (at->info[0] != '\0')
                log_err("Bootstrap failed: %s.", at->info);
        return err;
}

int udp_ipcp_main(int            argc,
                  char **        argv,
                  enum ipcp_type type)
{
        struct ipcp_ops ops;

        memset(&ops, 0, sizeof(ops));
        shim_ipcp_ops(&ops);
        ops.bootstrap = udp_bootstrap;

        u.type   = type;
        u.family = type == IPCP_UDP6 ? AF_INET6 : AF_INET;

        return ipcp_main(argc, argv, type, &ops);
}
