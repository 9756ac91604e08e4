/*
 * Ouroboros - integration test of the ouroboros:// libvdeplug plugin,
 * through the libvdeplug API as any VDE user calls it (run by
 * tests/vdeplug/test_*.sh, with VDEPLUGIN_PATH set to the build's plugin
 * folder and a private IRMd).
 *
 *   test-vdeplug-plugs errors LAYER   URLs refused before joining (EINVAL,
 *                                     a clear line on stderr), and LAYER,
 *                                     which must not be a broadcast layer
 *   test-vdeplug-plugs pair URL1 URL2 a plug on each URL (any libvdeplug
 *                                     URL: a switch bridged to a layer by
 *                                     vde_plug): frames cross both ways
 *   test-vdeplug-plugs hub LAYER      three plugs on the broadcast layer
 *                                     LAYER: frames cross every way,
 *                                     never back to the sender, datafd
 *                                     readable exactly while a frame
 *                                     waits, EMSGSIZE above the MTU, a
 *                                     frame cut to a short buffer
 */
#include "../../../tests/check.h"

#include <errno.h>
#include <libvdeplug.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define WAIT_MS  5000  /* a frame crosses a local layer in well under */
#define QUIET_MS 300   /* what "nothing arrives" waits */
#define BURST    20

static char         url[512];
static const char * vde_url_layer;  /* the layer under test */

static VDECONN * plug(const char * layer,
                      const char * opts)
{
        snprintf(url, sizeof(url), "ouroboros://%s%s", layer, opts);
        errno = 0;
        return vde_open(url, "vdeplug test", NULL);
}

/* vde_open must fail with errno err. */
static void refused(const char * layer,
                    const char * opts,
                    int          err)
{
        VDECONN * c = plug(layer, opts);

        if (c != NULL || errno != err)
                fprintf(stderr, "%s: got %p errno %d (%s), want errno %d\n",
                        url, (void *) c, errno, strerror(errno), err);
        CHECK(c == NULL);
        CHECK_EQ(errno, err);
        if (c != NULL)
                vde_close(c);
}

static int readable(VDECONN * c,
                    int       ms)
{
        struct pollfd p = { .fd = vde_datafd(c), .events = POLLIN };
        int           r;

        do
                r = poll(&p, 1, ms);
        while (r < 0 && errno == EINTR);

        return r > 0 && (p.revents & POLLIN);
}

/* A frame: broadcast destination, a local source, type 0x88b5 (local
 * experimental) or an 802.1Q tag, then id and filler up to len bytes. */
static void frame(uint8_t * f,
                  size_t    len,
                  uint32_t  id,
                  bool      tagged)
{
        size_t i;

        memset(f, 0xff, 6);
        memcpy(f + 6, "\x02\x00\x00\x00\x00\x01", 6);
        if (tagged) {
                memcpy(f + 12, "\x81\x00\x00\x07\x88\xb5", 6);
        } else {
                f[12] = 0x88;
                f[13] = 0xb5;
        }
        for (i = 18; i < len; ++i)
                f[i] = (uint8_t) (id + i);
        if (len >= 22)
                memcpy(f + 18, &id, sizeof(id));
}

/* c gets exactly the len-byte frame f within WAIT_MS. */
static void gets(VDECONN *       c,
                 const uint8_t * f,
                 size_t          len)
{
        uint8_t buf[VDE_ETHBUFSIZE];
        ssize_t n;

        CHECK(readable(c, WAIT_MS));
        n = vde_recv(c, buf, sizeof(buf), 0);
        CHECK_EQ(n, (ssize_t) len);
        CHECK(n == (ssize_t) len && memcmp(buf, f, len) == 0);
}

/* c has nothing: its fd stays quiet and vde_recv says EAGAIN. */
static void quiet(VDECONN * c,
                  int       ms)
{
        uint8_t buf[VDE_ETHBUFSIZE];
        ssize_t n;

        CHECK(!readable(c, ms));
        errno = 0;
        n = vde_recv(c, buf, sizeof(buf), 0);
        CHECK_EQ(n, -1);
        CHECK_EQ(errno, EAGAIN);
}

/* A new plug is quiet: its data fd (the join's own event was
 * reported at open) and its control fd (the layer is there). */
static void settle(VDECONN * c)
{
        struct pollfd p = { .fd = vde_ctlfd(c), .events = POLLIN };

        CHECK(!readable(c, 0));
        CHECK(vde_ctlfd(c) >= 0);
        CHECK_EQ(poll(&p, 1, 0), 0);
}

static int test_errors(const char * layer)
{
        refused("", "", EINVAL);
        refused("", "/mtu=1400", EINVAL);
        refused(layer, "/speed=10", EINVAL);
        refused(layer, "/mtu", EINVAL);
        refused(layer, "/mtu=big", EINVAL);
        refused(layer, "/mtu=70000", EINVAL);
        refused(layer, "/mtu=1400/mtu=1400", EINVAL);

        /* Not a broadcast layer: no broadcast IPCP on the host or none in
         * that layer (EIPCPTYPE, ENAME). */
        errno = 0;
        CHECK(plug(layer, "") == NULL);
        if (errno != EPROTOTYPE && errno != ENOENT)
                fprintf(stderr, "%s: errno %d (%s)\n", url, errno,
                        strerror(errno));
        CHECK(errno == EPROTOTYPE || errno == ENOENT);

        return check_report("vdeplug errors");
}

static void cross(VDECONN * from,
                  VDECONN * to1,
                  VDECONN * to2,
                  uint32_t  id)
{
        uint8_t f[200];

        frame(f, sizeof(f), id, false);
        CHECK_EQ(vde_send(from, f, sizeof(f), 0), (ssize_t) sizeof(f));
        gets(to1, f, sizeof(f));
        gets(to2, f, sizeof(f));
        CHECK(!readable(to1, 0));
        CHECK(!readable(to2, 0));
}

static void test_burst(VDECONN * a,
                       VDECONN * b)
{
        uint8_t  f[BURST][100];
        uint8_t  buf[VDE_ETHBUFSIZE];
        uint32_t i;
        int      got = 0;
        int64_t  end;
        ssize_t  n;

        for (i = 0; i < BURST; ++i) {
                frame(f[i], sizeof(f[i]), 1000 + i, i % 2);
                /* every third without waiting: the queue has room */
                CHECK_EQ(vde_send(a, f[i], sizeof(f[i]),
                                  i % 3 == 0 ? MSG_DONTWAIT : 0), 100);
        }
        /* Level-triggered: readable until the last one is read. */
        end = check_now_ms() + WAIT_MS;
        while (got < BURST && check_now_ms() < end) {
                if (!readable(b, (int) (end - check_now_ms())))
                        break;
                n = vde_recv(b, buf, sizeof(buf), 0);
                if (n == 1)     /* woken by an event: no frame */
                        continue;
                CHECK_EQ(n, 100);
                CHECK(n == 100 && memcmp(buf, f[got], 100) == 0);
                ++got;
        }
        CHECK_EQ(got, BURST);
        CHECK(!readable(b, 0));
}

/* Read what c has (100-byte frames): how many. */
static int drain(VDECONN * c)
{
        uint8_t buf[VDE_ETHBUFSIZE];
        int     n = 0;
        ssize_t r;

        while (readable(c, QUIET_MS)) {
                r = vde_recv(c, buf, sizeof(buf), 0);
                if (r == 100)
                        ++n;
                else if (r != 1)
                        break;
        }

        return n;
}

static void test_sizes(VDECONN * a,
                       VDECONN * b,
                       VDECONN * c)
{
        static uint8_t big[65536];
        uint8_t        f[200];
        uint8_t        buf[100];
        VDECONN *      s;

        /* Above what the layer carries: refused, whatever the MTU. */
        frame(big, sizeof(big), 7, false);
        errno = 0;
        CHECK_EQ(vde_send(a, big, sizeof(big), 0), -1);
        CHECK_EQ(errno, EMSGSIZE);
        errno = 0;
        CHECK_EQ(vde_send(a, big, 4, 0), -1);  /* no Ethernet header */
        CHECK_EQ(errno, EINVAL);

        /* mtu=100: 114 bytes pass, 118 with a tag, one more fails. */
        s = plug(vde_url_layer, "/mtu=100");
        CHECK(s != NULL);
        if (s == NULL)
                return;
        settle(s);
        frame(big, 114, 8, false);
        CHECK_EQ(vde_send(s, big, 114, 0), 114);
        gets(a, big, 114);
        gets(b, big, 114);
        gets(c, big, 114);
        frame(big, 118, 9, true);
        CHECK_EQ(vde_send(s, big, 118, 0), 118);
        gets(a, big, 118);
        gets(b, big, 118);
        gets(c, big, 118);
        frame(big, 115, 10, false);
        errno = 0;
        CHECK_EQ(vde_send(s, big, 115, 0), -1);
        CHECK_EQ(errno, EMSGSIZE);
        frame(big, 119, 11, true);
        errno = 0;
        CHECK_EQ(vde_send(s, big, 119, 0), -1);
        CHECK_EQ(errno, EMSGSIZE);
        quiet(a, QUIET_MS);
        quiet(b, 0);
        quiet(c, 0);
        vde_close(s);

        /* A frame longer than the reader's buffer is cut, as recv(2). */
        frame(f, sizeof(f), 12, false);
        CHECK_EQ(vde_send(a, f, sizeof(f), 0), (ssize_t) sizeof(f));
        CHECK(readable(b, WAIT_MS));
        CHECK_EQ(vde_recv(b, buf, sizeof(buf), 0), (ssize_t) sizeof(buf));
        CHECK(memcmp(buf, f, sizeof(buf)) == 0);
        CHECK(!readable(b, 0));
        gets(c, f, sizeof(f));
}

static int test_hub(void)
{
        VDECONN * a;
        VDECONN * b;
        VDECONN * c;

        a = plug(vde_url_layer, "");
        b = plug(vde_url_layer, "/");
        c = plug(vde_url_layer, "");
        CHECK(a != NULL && b != NULL && c != NULL);
        CHECK(vde_datafd(a) >= 0 && vde_datafd(b) >= 0);
        CHECK(vde_datafd(a) != vde_datafd(b));

        settle(a);
        settle(b);
        settle(c);

        cross(a, b, c, 1);
        cross(b, a, c, 2);
        cross(c, a, b, 3);
        quiet(a, QUIET_MS);   /* nothing came back to a writer */
        quiet(b, 0);
        quiet(c, 0);

        test_burst(a, b);
        CHECK_EQ(drain(c), BURST);  /* c got a's burst too */
        test_burst(c, a);
        CHECK_EQ(drain(b), BURST);
        quiet(a, 0);
        quiet(b, 0);
        quiet(c, 0);

        test_sizes(a, b, c);

        CHECK_EQ(vde_close(a), 0);
        CHECK_EQ(vde_close(b), 0);
        CHECK_EQ(vde_close(c), 0);

        return check_report("vdeplug hub");
}

/* A plug on any URL. */
static VDECONN * open_url(const char * u)
{
        VDECONN * c;

        errno = 0;
        c = vde_open((char *) u, "vdeplug test", NULL);
        if (c == NULL)
                fprintf(stderr, "cannot open %s: %s\n", u, strerror(errno));

        return c;
}

/* f from one to the other: a bridge may take a moment to come up
 * (vde_plug joining), so the first frame is sent until it arrives. */
static void pair_cross(VDECONN * from,
                       VDECONN * to,
                       uint32_t  id,
                       bool      retry)
{
        uint8_t f[300];
        uint8_t buf[VDE_ETHBUFSIZE];
        int64_t end = check_now_ms() + WAIT_MS;
        ssize_t n = -1;

        frame(f, sizeof(f), id, false);
        do {
                CHECK_EQ(vde_send(from, f, sizeof(f), 0), (ssize_t) sizeof(f));
                while (readable(to, retry ? 200 : WAIT_MS)) {
                        n = vde_recv(to, buf, sizeof(buf), 0);
                        if (n == (ssize_t) sizeof(f) &&
                            memcmp(buf, f, sizeof(f)) == 0)
                                return;
                }
        } while (retry && check_now_ms() < end);

        fprintf(stderr, "frame %u did not cross (last recv %zd)\n", id, n);
        CHECK(false);
}

static int test_pair(const char * u1,
                     const char * u2)
{
        VDECONN * a = open_url(u1);
        VDECONN * b = open_url(u2);
        uint32_t  i;

        CHECK(a != NULL && b != NULL);
        if (a == NULL || b == NULL)
                return check_report("vdeplug pair");

        pair_cross(a, b, 1, true);
        pair_cross(b, a, 2, true);
        for (i = 0; i < BURST; ++i) {
                pair_cross(a, b, 100 + i, false);
                pair_cross(b, a, 200 + i, false);
        }

        vde_close(a);
        vde_close(b);

        return check_report("vdeplug pair");
}

int main(int    argc,
         char * argv[])
{
        check_keep_going = true;

        if (argc == 4 && strcmp(argv[1], "pair") == 0)
                return test_pair(argv[2], argv[3]);
        if (argc != 3) {
                fprintf(stderr, "usage: %s errors|hub LAYER\n"
                        "       %s pair URL1 URL2\n", argv[0], argv[0]);
                return 2;
        }
        vde_url_layer = argv[2];

        if (strcmp(argv[1], "errors") == 0)
                return test_errors(argv[2]);
        if (strcmp(argv[1], "hub") == 0)
                return test_hub();

        fprintf(stderr, "%s: unknown mode %s\n", argv[0], argv[1]);
        return 2;
}
