/*
 * Ouroboros - ipcpd-eth-dix and ipcpd-eth-llc: a layer over one
 * Ethernet segment (a Linux interface, or any libvdeplug URL). One
 * source, built twice (ETH_IPCP_LLC 0 or 1). This file is the shim's
 * transport: bootstrap (device, ethertype or SAP, MTU), frames in and
 * out, and the link state; everything else is the shim core's
 * (src/ipcpd/shim).
 *
 * Sending: a data frame is the header built in a small buffer and the
 * payload where it lies in the application's flow, one gathered send
 * (sendmsg on a raw socket; VDE gathers into one buffer). Management
 * messages are encoded whole. A name query goes to ff:ff:ff:ff:ff:ff.
 * Back-pressure: a device that will not take the frame (a full socket
 * buffer, or a queueing discipline such as tbf that refuses it with
 * ENOBUFS) answers the shim -EAGAIN (tx_full): the frame stays in the
 * application's flow, which the shim stops reading until we call
 * shim_tx_ready, on POLLOUT or after ETH_TX_RETRY_MS.
 * Receiving: batches of ETH_DEV_BATCH frames (one recvmmsg on a raw
 * socket), up to ETH_RX_BUDGET per wake-up; each is parsed
 * (eth_frame_parse) in the receive buffer and handed to the shim; a
 * frame for another MAC (a switch flooding unknown unicast, a
 * promiscuous interface) is counted with the foreign ones.
 *
 * Link: a Linux interface's state is followed through rtnetlink link
 * notifications (RTMGRP_LINK, no privileges needed); an interface
 * deleted and created again is opened again. A VDE plug has no
 * link, but its switch can go away: end of file on the control
 * connection (or a receive error) takes the link down, and the device
 * is reopened every ETH_REOPEN_MS with the same MAC until the switch
 * is back.
 */
#include "dev.h"
#include "frame.h"

#include "ipcpd/common/ipcp.h"
#include "ipcpd/shim/shim.h"

#include "common/hash.h"
#include "common/ipcp_conf.h"
#include "common/log.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef ETH_IPCP_LLC
#error "build with -DETH_IPCP_LLC=0 (eth-dix) or 1 (eth-llc)"
#endif

#define ETH_RX_BUDGET  64     /* frames received per wake-up (about) */
#define ETH_REOPEN_MS  1000   /* VDE: retry the switch */
#define ETH_TX_RETRY_MS 1     /* a full device without POLLOUT: retry */

static const uint8_t bcast_mac[ETH_ADDR_LEN] = {
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff
};

static struct {
        struct eth_link     link;
        struct eth_dev *    dev;
        struct shim *       sh;
        char                spec[256];
        struct eth_dev_conf dc;
        uint8_t             mac[ETH_ADDR_LEN];
        size_t              hdr;       /* header bytes in front of data */
        uint8_t *           rxbuf;     /* ETH_DEV_BATCH frames        */
        struct eth_rx       rx[ETH_DEV_BATCH];
        int                 nl;        /* rtnetlink socket, raw only   */
        int                 ctl;       /* VDE control fd, or -1        */
        bool                vde;
        bool                tx_wait;   /* POLLOUT asked after -EAGAIN  */
        struct ipcp_timer * tx_retry;  /* after -ENOBUFS, or -EAGAIN of
                                          a device without POLLOUT     */
        uint64_t            not_ours;  /* frames for another MAC       */
        uint64_t            foreign;   /* of devices closed before     */
        bool                gone;      /* raw: our interface deleted   */
        struct ipcp_timer * reopen;
} eth = { .nl = -1, .ctl = -1 };

/* ---- sending ---- */

static void tx_retry_cb(void * arg)
{
        (void) arg;

        eth.tx_retry = NULL;
        shim_tx_ready(eth.sh);
}

/* What a send returned, n; a full device becomes -EAGAIN, and the shim
 * hears shim_tx_ready when it may try again: on POLLOUT when the
 * socket buffer was full (-EAGAIN), after ETH_TX_RETRY_MS when the
 * queueing discipline refused the frame (-ENOBUFS: the socket stays
 * writable, no event will come) or the device cannot be polled for
 * writing. The frame itself stays in the application's flow. */
static ssize_t tx_full(ssize_t n)
{
        if (n != -EAGAIN && n != -ENOBUFS)
                return n;

        shim_count(eth.sh, n == -EAGAIN ? SHIM_C_TX_FULL : SHIM_C_TX_NOBUFS);

        if (n == -EAGAIN && eth_dev_tx_pollable(eth.dev) &&
            (eth.tx_wait ||
             ipcp_fd_mod(eth_dev_fd(eth.dev), POLLIN | POLLOUT) == 0)) {
                eth.tx_wait = true;
        } else if (eth.tx_retry == NULL) {
                eth.tx_retry = ipcp_timer_add(ETH_TX_RETRY_MS, tx_retry_cb,
                                              NULL);
        }

        return -EAGAIN;
}

static int eth_send_data(void *                   ctx,
                         const struct shim_addr * dst,
                         uint16_t                 d_eid,
                         uint16_t                 s_eid,
                         const struct iovec *     iov,
                         int                      iovcnt)
{
        uint8_t      room[ETH_FRAME_HEADROOM];
        struct iovec v[ETH_DEV_IOV_MAX];
        uint8_t *    frame;
        size_t       len = 0;
        ssize_t      n;
        int          i;

        (void) ctx;

        if (eth.dev == NULL)
                return -ENETDOWN;
        if (iovcnt <= 0 || iovcnt >= ETH_DEV_IOV_MAX)
                return -EINVAL;
        for (i = 0; i < iovcnt; ++i)
                len += iov[i].iov_len;

        /* The header goes in front of an empty payload at room's end. */
        n = eth_frame_push_data(&eth.link, room + sizeof(room), len,
                                sizeof(room), dst->u.mac, eth.mac, d_eid,
                                s_eid, &frame);
        if (n < 0)
                return (int) n;

        v[0].iov_base = frame;
        v[0].iov_len  = eth.hdr;
        memcpy(v + 1, iov, (size_t) iovcnt * sizeof(*iov));

        n = tx_full(eth_dev_sendv(eth.dev, v, iovcnt + 1));
        if (n < 0)
                return (int) n;

        shim_count(eth.sh, SHIM_C_TX_FRAMES);
        shim_count_n(eth.sh, SHIM_C_TX_BYTES, (uint64_t) n);

        return 0;
}

static int eth_send_mgmt(void *                   ctx,
                         const struct shim_addr * dst,
                         const struct mgmt_msg *  m)
{
        uint8_t buf[ETH_FRAME_HEADROOM + MGMT_MSG_MAX];
        ssize_t n;

        (void) ctx;

        if (eth.dev == NULL)
                return -ENETDOWN;

        n = eth_frame_put_mgmt(&eth.link, buf, sizeof(buf),
                               dst != NULL ? dst->u.mac : bcast_mac,
                               eth.mac, m);
        if (n < 0)
                return (int) n;

        n = tx_full(eth_dev_send(eth.dev, buf, (size_t) n));
        if (n < 0)
                return (int) n;

        shim_count(eth.sh, SHIM_C_TX_FRAMES);
        shim_count_n(eth.sh, SHIM_C_TX_BYTES, (uint64_t) n);

        return 0;
}

/* ---- receiving ---- */

static enum shim_ctr parse_ctr(int err)
{
        switch (err) {
        case -EBADMSG:
                return SHIM_C_DROP_RUNT;
        case -EPROTOTYPE:
        case -EOPNOTSUPP:
                return SHIM_C_DROP_TYPE;
        case -EMSGSIZE:
        case -EPROTO:
                return SHIM_C_DROP_LEN;
        default:
                return SHIM_C_DROP_BAD;
        }
}

/* The kernel's count of frames it dropped on receipt: the ring's, or
 * the socket's (a VDE plug's datagram socket: 0, the switch drops). */
static int64_t rx_drops(void)
{
        int64_t d = eth_dev_rx_drops(eth.dev);

        return d == -ENOTSUP ? shim_sock_drops(eth_dev_fd(eth.dev)) : d;
}

static void rcv_frame(const uint8_t * buf,
                      size_t          n)
{
        struct eth_frame f;
        struct shim_addr from;
        bool             bcast;
        int              err;

        shim_count(eth.sh, SHIM_C_RX_FRAMES);
        shim_count_n(eth.sh, SHIM_C_RX_BYTES, n);

        err = eth_frame_parse(&eth.link, buf, n, &f);
        if (err < 0) {
                shim_count(eth.sh, parse_ctr(err));
                return;
        }

        bcast = memcmp(f.dst, bcast_mac, ETH_ADDR_LEN) == 0;
        if (!bcast && memcmp(f.dst, eth.mac, ETH_ADDR_LEN) != 0) {
                ++eth.not_ours;
                shim_count(eth.sh, SHIM_C_DROP_TYPE);
                return;
        }

        memset(&from, 0, sizeof(from));
        from.kind = SHIM_ADDR_MAC;
        memcpy(from.u.mac, f.src, ETH_ADDR_LEN);

        if (f.d_eid == 0)
                shim_rcv_mgmt(eth.sh, &from, bcast, f.payload, f.len);
        else if (bcast)
                shim_count(eth.sh, SHIM_C_DROP_BAD); /* data to all? */
        else
                shim_rcv_data(eth.sh, &from, f.d_eid, f.s_eid, f.payload,
                              f.len);
}

static void dev_lost(void);

static void rx_cb(void * arg,
                  int    fd,
                  short  revents)
{
        int n;
        int i;
        int j;

        (void) arg;
        (void) fd;

        if ((revents & POLLOUT) && eth.tx_wait) {
                eth.tx_wait = false;
                ipcp_fd_mod(eth_dev_fd(eth.dev), POLLIN);
                shim_tx_ready(eth.sh);
        }

        if (!(revents & (POLLIN | POLLERR | POLLHUP)))
                return;

        for (i = 0; i < ETH_RX_BUDGET; i += n) {
                n = eth_dev_recv_batch(eth.dev, eth.rx, ETH_DEV_BATCH);
                if (n == -EAGAIN)
                        break;
                if (n < 0) {
                        log_warn("Receiving on %s: %s.", eth.spec,
                                 strerror(-n));
                        if (eth.vde)
                                dev_lost();
                        return;
                }
                for (j = 0; j < n; ++j) {
                        if (eth.rx[j].len > 0) {
                                rcv_frame(eth.rx[j].frame,
                                          (size_t) eth.rx[j].len);
                        } else if (eth.rx[j].len == -EMSGSIZE) {
                                shim_count(eth.sh, SHIM_C_RX_FRAMES);
                                shim_count(eth.sh, SHIM_C_DROP_OVERSIZE);
                        }
                }
                eth_dev_rx_done(eth.dev);
                /* a full batch: more waited, the kernel may have
                 * dropped since the last look */
                shim_rx_batch_end(eth.sh, n < ETH_DEV_BATCH ? -1 :
                                  rx_drops());
                if (n < ETH_DEV_BATCH)
                        break;
        }
}

/* ---- link state ---- */

static void dev_reopen(void);

/* The interface's state; one deleted and created again under its name
 * (a new ifindex) is opened anew, the old socket being dead. */
static void link_check(void)
{
        unsigned idx;

        if (eth.dev == NULL)
                return; /* reopening */

        idx = if_nametoindex(eth.spec);
        if (idx != 0 && (eth.gone || (int) idx != eth.dev->ifindex)) {
                log_info("Interface %s was created again.", eth.spec);
                dev_reopen();
                return;
        }

        shim_link(eth.sh, eth_dev_link_up(eth.dev) == 1);
}

static void nl_cb(void * arg,
                  int    fd,
                  short  revents)
{
        uint8_t                 buf[8192] __attribute__((aligned(4)));
        const struct nlmsghdr * h;
        const struct ifinfomsg * ifi;
        ssize_t                 n;
        size_t                  len;

        (void) arg;
        (void) revents;

        /* Any link event: ask the interface itself; but note when ours
         * is deleted (its index may be given to the next one). */
        while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
                len = (size_t) n;
                for (h = (const struct nlmsghdr *) buf; NLMSG_OK(h, len);
                     h = NLMSG_NEXT(h, len)) {
                        if (h->nlmsg_type != RTM_DELLINK ||
                            h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
                                continue;
                        ifi = NLMSG_DATA(h);
                        if (eth.dev != NULL &&
                            ifi->ifi_index == eth.dev->ifindex)
                                eth.gone = true;
                }
        }

        link_check();
}

static int nl_open(void)
{
        struct sockaddr_nl sa;
        int                fd;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    NETLINK_ROUTE);
        if (fd < 0)
                return -errno;

        memset(&sa, 0, sizeof(sa));
        sa.nl_family = AF_NETLINK;
        sa.nl_groups = RTMGRP_LINK;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                close(fd);
                return -errno;
        }

        return fd;
}

static void ctl_cb(void * arg,
                   int    fd,
                   short  revents);

/* Watch the device's descriptors: 0 or -ENOMEM. */
static int dev_watch(void)
{
        int err;

        err = ipcp_fd_add(eth_dev_fd(eth.dev), POLLIN, rx_cb, NULL);
        if (err < 0)
                return err;

        eth.ctl = eth_dev_ctl_fd(eth.dev);
        if (eth.ctl >= 0 && ipcp_fd_add(eth.ctl, POLLIN, ctl_cb, NULL) < 0)
                eth.ctl = -1; /* then a receive error tells */

        return 0;
}

static void dev_unwatch(void)
{
        ipcp_fd_del(eth_dev_fd(eth.dev));
        if (eth.ctl >= 0)
                ipcp_fd_del(eth.ctl);
        eth.ctl     = -1;
        eth.tx_wait = false;
        if (eth.tx_retry != NULL)
                ipcp_timer_cancel(eth.tx_retry);
        eth.tx_retry = NULL;
}

static void dev_close(void)
{
        eth.foreign += eth_dev_foreign(eth.dev);
        eth_dev_close(eth.dev);
        eth.dev = NULL;
}

static void reopen_cb(void * arg)
{
        int err;

        (void) arg;

        eth.reopen = NULL;

        err = eth_dev_open(eth.spec, &eth.dc, &eth.dev);
        if (err == 0 && dev_watch() == 0) {
                eth_dev_mac(eth.dev, eth.mac); /* a new interface's */
                log_info("Device %s is back.", eth.spec);
                if (eth.vde)
                        shim_link(eth.sh, true);
                else
                        link_check();
                shim_tx_ready(eth.sh);
                return;
        }

        if (err == 0)
                dev_close();

        eth.reopen = ipcp_timer_add(ETH_REOPEN_MS, reopen_cb, NULL);
}

/* Close the device and open it again (now, then every ETH_REOPEN_MS). */
static void dev_reopen(void)
{
        eth.gone = false;
        dev_unwatch();
        dev_close();
        shim_link(eth.sh, false);

        if (eth.reopen == NULL)
                reopen_cb(NULL);
}

/* The VDE switch went away: link down, retry until it is back. */
static void dev_lost(void)
{
        log_warn("VDE switch %s is gone: link down.", eth.spec);

        dev_unwatch();
        dev_close();
        shim_link(eth.sh, false);

        if (eth.reopen == NULL)
                eth.reopen = ipcp_timer_add(ETH_REOPEN_MS, reopen_cb, NULL);
}

static void ctl_cb(void * arg,
                   int    fd,
                   short  revents)
{
        uint8_t buf[256];
        ssize_t n;

        (void) arg;
        (void) revents;

        n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
                dev_lost();
}

/* ---- the rest of the transport ---- */

static int eth_stat(void *             ctx,
                    struct ipcp_stat * s)
{
        int err;

        (void) ctx;

        err = ipcp_stat_add(s, "drop_foreign_proto", eth.foreign +
                            (eth.dev != NULL ? eth_dev_foreign(eth.dev) : 0));
        if (err == 0)
                err = ipcp_stat_add(s, "drop_other_mac", eth.not_ours);
        if (err == 0)
                err = ipcp_stat_add(s, "link_up", eth.dev != NULL &&
                                    eth_dev_link_up(eth.dev) == 1);

        return err;
}

static void eth_fini(void * ctx)
{
        (void) ctx;

        if (eth.reopen != NULL)
                ipcp_timer_cancel(eth.reopen);
        eth.reopen = NULL;
        if (eth.nl >= 0) {
                ipcp_fd_del(eth.nl);
                close(eth.nl);
        }
        eth.nl = -1;
        if (eth.dev != NULL) {
                dev_unwatch();
                eth_dev_close(eth.dev);
        }
        eth.dev = NULL;
        free(eth.rxbuf);
        eth.rxbuf = NULL;
}

/* ---- bootstrap ---- */

static int open_fail(int                         err,
                     struct ipcp_attach *        at,
                     const struct layer_config * c)
{
        switch (err) {
        case -ENODEV:
                snprintf(at->info, sizeof(at->info),
                         "unknown interface %.200s", c->dev);
                break;
        case -EPERM:
        case -EACCES:
                snprintf(at->info, sizeof(at->info),
                         "no permission for raw sockets on %.200s "
                         "(needs CAP_NET_RAW)", c->dev);
                break;
        case -ENOENT:
        case -ECONNREFUSED:
                snprintf(at->info, sizeof(at->info),
                         "VDE switch not running at %.200s", c->dev);
                break;
        case -EPROTONOSUPPORT:
                snprintf(at->info, sizeof(at->info),
                         "%.200s is not an Ethernet interface", c->dev);
                break;
        case -EINVAL:
                if (c->mtu != 0)
                        snprintf(at->info, sizeof(at->info),
                                 "bad mtu %u for %.200s", c->mtu, c->dev);
                else
                        snprintf(at->info, sizeof(at->info),
                                 "bad device %.200s", c->dev);
                break;
        default:
                snprintf(at->info, sizeof(at->info), "cannot open %.200s: %.40s",
                         c->dev, strerror(-err));
                break;
        }

        return err;
}

static const struct shim_transport eth_transport = {
        .name      = ETH_IPCP_LLC ? "eth-llc" : "eth-dix",
        .send_data = eth_send_data,
        .send_mgmt = eth_send_mgmt,
        .stat      = eth_stat,
        .fini      = eth_fini
};

static int eth_bootstrap(struct msg_view      conf,
                         struct ipcp_attach * at)
{
        struct layer_config   c;
        struct shim_transport t = eth_transport;
        ssize_t               max;
        size_t                cap;
        int                   hlen;
        int                   err;
        int                   i;

        if (eth.sh != NULL)
                return -EIPCPSTATE;

        memset(&c, 0, sizeof(c));
        err = ipcp_conf_get(conf, &c);
        if (err < 0) {
                snprintf(at->info, sizeof(at->info), "bad configuration");
                return err;
        }
        if (c.type != (ETH_IPCP_LLC ? IPCP_ETH_LLC : IPCP_ETH_DIX))
                return -EIPCPTYPE;
        if (c.dev[0] == '\0') {
                snprintf(at->info, sizeof(at->info), "missing dev");
                return -EINVAL;
        }
        hlen = hash_len(c.hash);
        if (hlen < 0)
                return -EINVAL;

        eth.link.kind      = ETH_IPCP_LLC ? ETH_LLC : ETH_DIX;
        eth.link.ethertype = ETH_IPCP_LLC ? 0 : c.ethertype;
        eth.link.sap       = ETH_LLC_SAP;
        if (eth_link_check(&eth.link) < 0) {
                snprintf(at->info, sizeof(at->info), "bad ethertype 0x%04x",
                         c.ethertype);
                return -EINVAL;
        }
        eth.hdr = eth_frame_hdr_len(&eth.link);

        snprintf(eth.spec, sizeof(eth.spec), "%s", c.dev);
        eth.vde      = strstr(eth.spec, "://") != NULL;
        eth.dc.proto = ETH_IPCP_LLC ? ETH_DEV_PROTO_LLC : c.ethertype;
        eth.dc.mtu   = c.mtu;
        eth.dc.mac   = NULL;

        err = eth_dev_open(eth.spec, &eth.dc, &eth.dev);
        if (err < 0)
                return open_fail(err, at, &c);

        eth_dev_mac(eth.dev, eth.mac);
        eth.dc.mac = eth.vde ? eth.mac : NULL; /* the same on reopen */

        max = eth_frame_max_payload(&eth.link, eth_dev_mtu(eth.dev));
        if (max <= 0) {
                snprintf(at->info, sizeof(at->info), "bad mtu %zu for %.200s",
                         eth_dev_mtu(eth.dev), c.dev);
                err = -EINVAL;
                goto fail;
        }

        cap = ETH_MAC_HDR_LEN + eth_dev_mtu(eth.dev) + 1;
        eth.rxbuf = malloc(cap * ETH_DEV_BATCH);
        if (eth.rxbuf == NULL) {
                err = -ENOMEM;
                goto fail;
        }
        for (i = 0; i < ETH_DEV_BATCH; ++i) {
                eth.rx[i].buf = eth.rxbuf + (size_t) i * cap;
                eth.rx[i].cap = cap;
        }

        t.max_payload = (size_t) max;
        t.layer       = c.layer;
        err = shim_start(&t, NULL, (size_t) hlen, &eth.sh);
        if (err < 0)
                goto fail;

        err = dev_watch();
        if (err < 0)
                goto fail; /* the shim's fini closes the rest */

        if (!eth.vde) {
                eth.nl = nl_open();
                if (eth.nl < 0 ||
                    ipcp_fd_add(eth.nl, POLLIN, nl_cb, NULL) < 0) {
                        log_warn("No link notifications: %d.", eth.nl);
                        if (eth.nl >= 0)
                                close(eth.nl);
                        eth.nl = -1;
                }
                link_check();
        }

        at->max_pkt = (size_t) max;
        snprintf(at->info, sizeof(at->info),
                 "dev %.200s mtu %zu mac %02x:%02x:%02x:%02x:%02x:%02x",
                 eth.spec, eth_dev_mtu(eth.dev), eth.mac[0], eth.mac[1],
                 eth.mac[2], eth.mac[3], eth.mac[4], eth.mac[5]);

        log_info("Bootstrapped %s in layer %s: %s, max payload %zd.",
                 t.name, c.layer, at->info, max);

        return 0;
 fail:
        if (eth.sh == NULL) {
                free(eth.rxbuf);
                eth.rxbuf = NULL;
                eth_dev_close(eth.dev);
                eth.dev = NULL;
        }
        return err;
}

int main(int    argc,
         char * argv[])
{
        struct ipcp_ops ops;

        memset(&ops, 0, sizeof(ops));
        shim_ipcp_ops(&ops);
        ops.bootstrap = eth_bootstrap;

        return ipcp_main(argc, argv,
                         ETH_IPCP_LLC ? IPCP_ETH_LLC : IPCP_ETH_DIX, &ops);
}
