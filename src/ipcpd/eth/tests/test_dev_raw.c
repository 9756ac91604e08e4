/*
 * eth devices on Linux interfaces (AF_PACKET): run by dev_raw.sh inside
 * a network namespace of its own, on the two ends A and B of a veth
 * pair whose MTU is MTU. Runs the device scenario (dev_test.h), checks
 * that frames sent out of A by one device are not received by another
 * device on A, then checks the MTU and MAC read from the interface,
 * link state down and up again, an unknown interface and a caller
 * without CAP_NET_RAW, and that frames the kernel dropped for a device
 * that did not read are counted (eth_dev_rx_drops). Frames are read
 * through the receive ring, or with recvmmsg when OUROBOROS_ETH_NO_RING
 * is set (dev_raw.sh runs both; the device must be using the one asked
 * for).
 *   usage: test_eth_dev_raw A B MTU
 */
#include "dev_test.h"

#include <linux/sock_diag.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void link_set(const char * ifname,
                     const char * state)
{
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "ip link set %s %s", ifname, state);
        CHECK(system(cmd) == 0);
}

static int link_wait(struct eth_dev * d,
                     int              want)
{
        int ret = -1;

        for (int i = 0; i < 200; ++i) {
                ret = eth_dev_link_up(d);
                if (ret == want)
                        break;
                usleep(10000);
        }
        return ret;
}

/* What another device on the same interface sent out is not received
 * there (it left the host; a real wire does not bring it back). */
static void outgoing(const char * a,
                     const char * b)
{
        struct eth_link  dix = { ETH_DIX, ETH_DIX_TYPE_DEF, 0 };
        struct eth_dev * d1  = dev_open(a, ETH_DIX_TYPE_DEF);
        struct eth_dev * d2  = dev_open(a, ETH_DIX_TYPE_DEF);
        struct eth_dev * db  = dev_open(b, ETH_DIX_TYPE_DEF);

        send_data(d1, &dix, BCAST, 60, 8);
        recv_data(db, &dix, 60, 8);
        expect_none(d2);
        eth_dev_close(db);
        eth_dev_close(d2);
        eth_dev_close(d1);
}

/* The kernel's drops at d: the ring's (eth_dev_rx_drops), or without
 * one the socket's own count (what the IPCP asks the shim for). */
static int64_t rx_drops(struct eth_dev * d)
{
        uint32_t  mi[SK_MEMINFO_VARS];
        socklen_t len = sizeof(mi);
        int64_t   n   = eth_dev_rx_drops(d);

        if (n != -ENOTSUP)
                return n;
        CHECK(d->ring == NULL);
        CHECK(getsockopt(eth_dev_fd(d), SOL_SOCKET, SO_MEMINFO, mi, &len)
              == 0);

        return (int64_t) mi[SK_MEMINFO_DROPS];
}

/* 6000 frames of 1300 bytes at b, which reads none: more than its
 * ring or socket buffer (8 MiB) holds; the drops are counted, and what
 * was kept is read intact. */
static void drops(const char * a,
                  const char * b)
{
        struct eth_link  dix = { ETH_DIX, ETH_DIX_TYPE_DEF, 0 };
        struct eth_dev * da  = dev_open(a, ETH_DIX_TYPE_DEF);
        struct eth_dev * db  = dev_open(b, ETH_DIX_TYPE_DEF);
        uint8_t          mac[6];
        int64_t          d0;
        int64_t          d1;
        int              i;

        CHECK((db->ring != NULL) == (getenv("OUROBOROS_ETH_NO_RING") == NULL));
        d0 = rx_drops(db);
        CHECK(d0 == 0);
        eth_dev_mac(db, mac);
        for (i = 0; i < 6000; ++i)
                send_data(da, &dix, mac, 1300, 5);
        d1 = rx_drops(db);
        printf("dropped %lld of 6000 (%s)\n", (long long) d1,
               db->ring != NULL ? "ring" : "recvmmsg");
        CHECK(d1 > 0 && d1 < 6000);
        CHECK(rx_drops(db) == d1); /* a sum, not reset on reading */
        recv_data(db, &dix, 1300, 5);
        eth_dev_close(db);
        eth_dev_close(da);
}

int main(int    argc,
         char * argv[])
{
        struct eth_dev_conf c = { ETH_DIX_TYPE_DEF, 0, NULL };
        struct eth_dev *    d;
        uint8_t             mac[6];
        struct ifreq        ifr;
        int                 s;

        if (argc != 4) {
                fprintf(stderr, "usage: %s A B MTU\n", argv[0]);
                return 2;
        }

        dev_scenario(argv[1], argv[2]);
        outgoing(argv[1], argv[2]);
        drops(argv[1], argv[2]);

        CHECK(eth_dev_open(argv[1], &c, &d) == 0);
        CHECK(eth_dev_mtu(d) == (size_t) atoi(argv[3]));

        /* The MAC is the interface's. */
        s = socket(AF_INET, SOCK_DGRAM, 0);
        CHECK(s >= 0);
        memset(&ifr, 0, sizeof(ifr));
        snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[1]);
        CHECK(ioctl(s, SIOCGIFHWADDR, &ifr) == 0);
        close(s);
        eth_dev_mac(d, mac);
        CHECK(memcmp(mac, ifr.ifr_hwaddr.sa_data, 6) == 0);

        /* Link state: our end down, then the peer's end down. */
        CHECK(eth_dev_link_up(d) == 1);
        link_set(argv[1], "down");
        CHECK(link_wait(d, 0) == 0);
        link_set(argv[1], "up");
        CHECK(link_wait(d, 1) == 1);
        link_set(argv[2], "down");
        CHECK(link_wait(d, 0) == 0);  /* no carrier */
        link_set(argv[2], "up");
        CHECK(link_wait(d, 1) == 1);
        eth_dev_close(d);

        /* Unknown interface, a name too long, a MAC of our own. */
        CHECK(eth_dev_open("ouro-no-such0", &c, &d) == -ENODEV);
        CHECK(eth_dev_open("a-name-longer-than-ifnamsiz", &c, &d)
              == -EINVAL);
        c.mac = mac;
        CHECK(eth_dev_open(argv[1], &c, &d) == -EINVAL);
        c.mac = NULL;

        /* A smaller MTU may be asked for, a larger one not. */
        c.mtu = 1000;
        CHECK(eth_dev_open(argv[1], &c, &d) == 0);
        CHECK(eth_dev_mtu(d) == 1000);
        eth_dev_close(d);
        c.mtu = (size_t) atoi(argv[3]) + 1;
        CHECK(eth_dev_open(argv[1], &c, &d) == -EINVAL);

        /* Without CAP_NET_RAW: -EPERM (root drops it as nobody). */
        c.mtu = 0;
        CHECK(setgid(65534) == 0 && setuid(65534) == 0);
        CHECK(eth_dev_open(argv[1], &c, &d) == -EPERM);

        printf("eth dev raw: ok\n");
        return 0;
}
