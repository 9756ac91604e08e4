/*
 * Ouroboros IRMd tests - a fake ipcpd-local speaking proto.h, so the
 * IRMd can be tested without the real IPCP: says hello, accepts
 * bootstrap and registrations, and splices flows like the local layer
 * (FLOW_ALLOC X -> FLOW_REQ_ARR {peer X} -> Y; FLOW_ALLOC_RESP Y ->
 * FLOW_ALLOC_REPLY {X, result, peer Y}). Exits on EOF from the IRMd.
 * Installed also as ipcpd-unicast, ipcpd-eth-dix, ipcpd-udp6 and
 * ipcpd-broadcast (a hub on one host, fake_ipcpd_bcast.c) (its
 * type follows argv[0]: any ipcpd-<type>); as unicast (or any type,
 * named ans*) it answers every M_IPCPD_QUERY positively (named slow*:
 * 300 ms late) and accepts enrollment, so the IRMd's query path and
 * enrollment can be tested. Every type but local carries data: flows
 * go through it, not spliced (fake_ipcpd_data.c). With FAKE_IPCPD_LOG=PATH it appends a line per bootstrap,
 * enroll, connect, disconnect, register and unregister it gets: "NAME
 * TYPE HEX-OF-BODY", so a test can compare the requests two front-ends
 * make.
 *
 * As an eth-dix, eth-llc, udp4 or udp6 IPCP it answers bootstrap as
 * those do: T_MAX_PKT and T_INFO ("dev D mtu M", "ip A port P"); a dev
 * whose name starts with "missing" fails with -ENODEV and the reason
 * "no such interface D" in T_INFO. Those types refuse enroll, connect
 * and disconnect with -ENOTSUP and answer M_IPCPD_STAT with counters
 * of the requests it got ("bootstraps", "registrations", "stats");
 * the local type has no stat (-ENOTSUP); one named badstat* answers a
 * counter name with a space.
 */
#include "fake_ipcpd.h"

#include "common/hash.h"
#include "common/ipcp_type.h"
#include "common/msg.h"
#include "common/proto.h"
#include "common/rundir.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_PAIRS 1024

static struct pair {
        uint32_t x;
        uint32_t y;
        uint32_t req; /* id of our FLOW_REQ_ARR */
        bool     used;
} pairs[MAX_PAIRS];

int               sock;
uint32_t          next_id = 1;
struct msg        in;
struct msg        out;
static uint32_t   type = IPCP_LOCAL;
static const char * name;
static uint64_t   n_boot;
static uint64_t   n_reg;
static uint64_t   n_stat;

/* The layers that carry data, which this fake plays. */
static bool carries_data(void)
{
        return type == IPCP_UDP4 || type == IPCP_UDP6 ||
               type == IPCP_ETH_LLC || type == IPCP_ETH_DIX;
}

/* M_IPCPD_BOOTSTRAP as an eth or udp IPCP answers it. */
static void boot_reply(void)
{
        struct msg_view conf;
        char            s[256] = "";
        char            info[300];
        uint32_t        mtu  = 0;
        uint32_t        port = 0;
        bool            eth  = type == IPCP_ETH_LLC || type == IPCP_ETH_DIX;

        if (msg_sub(msg_body(&in), T_CONF, 0, &conf) < 0 ||
            msg_get_str(conf, eth ? T_C_DEV : T_C_IP, s, 255) < 0) {
                reply(-EINVAL);
                return;
        }

        if (eth && strncmp(s, "missing", 7) == 0) {
                msg_init_reply(&out, &in, -ENODEV);
                snprintf(info, sizeof(info), "no such interface %s", s);
                msg_put_str(&out, T_INFO, info);
                msg_send(sock, &out);
                return;
        }

        if (eth) {
                msg_get_u32(conf, T_C_MTU, &mtu);
                if (mtu == 0)
                        mtu = 1500;
                snprintf(info, sizeof(info), "dev %s mtu %u", s,
                         (unsigned) mtu);
        } else {
                msg_get_u32(conf, T_C_PORT, &port);
                mtu = type == IPCP_UDP4 ? 1472 : 1452;
                snprintf(info, sizeof(info), "ip %s port %u", s,
                         (unsigned) port);
        }

        msg_init_reply(&out, &in, 0);
        msg_put_u32(&out, T_MAX_PKT, mtu);
        msg_put_str(&out, T_INFO, info);
        msg_send(sock, &out);
}

/* M_IPCPD_STAT: what it counted, in a fixed order. */
static void stat_reply(void)
{
        const char * names[] = { "bootstraps", "registrations", "stats" };

        /* an IPCP named badstat* answers a name irm could not print */
        if (strncmp(name, "badstat", 7) == 0)
                names[1] = "bad name";
        uint64_t     vals[]  = { n_boot, n_reg, n_stat };
        size_t       i;
        int          off;

        msg_init_reply(&out, &in, 0);
        for (i = 0; i < 3; ++i) {
                off = msg_open_sub(&out, T_ENTRY);
                msg_put_str(&out, T_NAME, names[i]);
                msg_put_u64(&out, T_VALUE, vals[i]);
                msg_close_sub(&out, off);
        }
        msg_send(sock, &out);
}

/* One line per management request when FAKE_IPCPD_LOG is set. */
static void log_request(void)
{
        const char *    path = getenv("FAKE_IPCPD_LOG");
        struct msg_view v    = msg_body(&in);
        char            line[2 * MSG_MAX + 512];
        size_t          off;
        size_t          i;
        int             fd;

        if (path == NULL)
                return;

        off = (size_t) snprintf(line, sizeof(line), "%s %u ", name,
                                (unsigned) in.type);
        for (i = 0; i < v.len && off + 3 < sizeof(line); ++i)
                off += (size_t) snprintf(line + off, sizeof(line) - off,
                                         "%02x", v.p[i]);
        line[off++] = '\n';

        fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0600);
        if (fd < 0)
                return;
        if (write(fd, line, off) < 0)
                perror("fake ipcpd: log");
        close(fd);
}

void reply(int res)
{
        msg_init_reply(&out, &in, res);
        msg_send(sock, &out);
}

static struct pair * find(uint32_t x, uint32_t y, uint32_t req)
{
        int i;

        for (i = 0; i < MAX_PAIRS; ++i) {
                if (!pairs[i].used)
                        continue;
                if ((x && pairs[i].x == x) || (y && pairs[i].y == y) ||
                    (req && pairs[i].req == req))
                        return &pairs[i];
        }

        return NULL;
}

static void alloc_reply(uint32_t x, int32_t res, uint32_t y)
{
        msg_init(&out, M_IPCP_FLOW_ALLOC_REPLY, 0, next_id++);
        msg_put_u32(&out, T_FLOW_ID, x);
        msg_put_i32(&out, T_RESULT, res);
        if (y != 0)
                msg_put_u32(&out, T_PEER_FLOW, y);
        msg_send(sock, &out);
}

static void on_request(void)
{
        struct msg_view v = msg_body(&in);
        const void *    h;
        size_t          hl;
        qosspec_t       qs;
        uint32_t        id;
        int32_t         res;
        struct pair *   p;
        int             i;

        if (in.type == M_IPCPD_BOOTSTRAP || in.type == M_IPCPD_ENROLL ||
            in.type == M_IPCPD_CONNECT || in.type == M_IPCPD_DISCONNECT ||
            in.type == M_IPCPD_REG || in.type == M_IPCPD_UNREG)
                log_request();

        if (type == IPCP_BROADCAST) {
                if (bc_request())
                        return;
        } else if (type != IPCP_LOCAL && data_request()) {
                return;
        }

        switch (in.type) {
        case M_IPCPD_QUERY:
                /* one named slow* answers 300 ms late */
                if (strncmp(name, "slow", 4) == 0)
                        usleep(300000);
                reply(type == IPCP_UNICAST || strncmp(name, "ans", 3) == 0 ?
                      0 : -ENAME);
                break;
        case M_IPCPD_ENROLL:
                if (type != IPCP_UNICAST) {
                        reply(-ENOTSUP);
                        break;
                }
                msg_init_reply(&out, &in, 0);
                msg_put_str(&out, T_LAYER, "enrolled");
                msg_put_u32(&out, T_HASH_ALGO, HASH_SHA3_256);
                msg_send(sock, &out);
                break;
        case M_IPCPD_CONNECT:
        case M_IPCPD_DISCONNECT:
                reply(type == IPCP_LOCAL || carries_data() ? -ENOTSUP : 0);
                break;
        case M_IPCPD_BOOTSTRAP:
                ++n_boot;
                if (carries_data())
                        boot_reply();
                else
                        reply(0);
                break;
        case M_IPCPD_STAT:
                ++n_stat;
                if (type == IPCP_LOCAL)
                        reply(-ENOTSUP);
                else
                        stat_reply();
                break;
        case M_IPCPD_REG:
                ++n_reg;
                reply(0);
                break;
        case M_IPCPD_FLOW_DEALLOC:
        case M_IPCPD_UNREG:
                reply(0);
                break;
        case M_IPCPD_FLOW_ALLOC:
                if (msg_get_u32(v, T_FLOW_ID, &id) < 0 ||
                    msg_get_bytes(v, T_HASH, &h, &hl) < 0 ||
                    msg_get_qos(v, T_QOS, &qs) < 0) {
                        reply(-EBADMSG);
                        break;
                }
                for (i = 0; i < MAX_PAIRS && pairs[i].used; ++i)
                        ;
                if (i == MAX_PAIRS) {
                        reply(-ENOMEM);
                        break;
                }
                reply(0);
                pairs[i].used = true;
                pairs[i].x    = id;
                pairs[i].y    = 0;
                pairs[i].req  = next_id;
                msg_init(&out, M_IPCP_FLOW_REQ_ARR, 0, next_id++);
                msg_put_bytes(&out, T_HASH, h, hl);
                msg_put_qos(&out, T_QOS, &qs);
                msg_put_u32(&out, T_PEER_FLOW, id);
                msg_send(sock, &out);
                break;
        case M_IPCPD_FLOW_ALLOC_RESP:
                if (msg_get_u32(v, T_FLOW_ID, &id) < 0 ||
                    msg_get_i32(v, T_RESULT, &res) < 0) {
                        reply(-EBADMSG);
                        break;
                }
                reply(0);
                p = find(0, id, 0);
                if (p != NULL) {
                        alloc_reply(p->x, res, res == 0 ? p->y : 0);
                        p->used = false;
                }
                break;
        default:
                reply(-ENOTSUP);
                break;
        }
}

static void on_reply(void)
{
        struct pair * p;
        uint32_t      y;
        int           res = msg_result(&in);

        if (in.type == M_IPCP_HELLO) {
                if (res < 0) {
                        fprintf(stderr, "fake ipcpd: hello refused %d\n",
                                res);
                        exit(1);
                }
                return;
        }

        if (type != IPCP_LOCAL && data_reply())
                return;

        if (in.type != M_IPCP_FLOW_REQ_ARR)
                return;

        p = find(0, 0, in.id);
        if (p == NULL)
                return;
        if (res < 0 || msg_get_u32(msg_body(&in), T_FLOW_ID, &y) < 0) {
                alloc_reply(p->x, res < 0 ? res : -EBADMSG, 0);
                p->used = false;
                return;
        }
        p->y   = y;
        p->req = 0;
}

int main(int    argc,
         char * argv[])
{
        const char * base = strrchr(argv[0], '/');
        int          t;

        if (argc == 3 && strcmp(argv[1], "--name") == 0)
                name = argv[2];
        if (name == NULL) {
                fprintf(stderr, "usage: %s --name NAME\n", argv[0]);
                return 1;
        }

        base = base != NULL ? base + 1 : argv[0];
        t    = strncmp(base, "ipcpd-", 6) == 0 ?
                ipcp_type_from_name(base + 6) : -1;
        if (t >= 0)
                type = (uint32_t) t;

        /* a real IPCP announces through the library before it takes
         * flows (proto.h) */
        if (type != IPCP_LOCAL && data_init() < 0) {
                fprintf(stderr, "fake ipcpd: cannot announce\n");
                return 1;
        }

        sock = rundir_connect();
        if (sock < 0)
                return 1;

        msg_init(&out, M_IPCP_HELLO, 0, next_id++);
        msg_put_u32(&out, T_PID, (uint32_t) getpid());
        msg_put_str(&out, T_IPCP_NAME, name);
        msg_put_u32(&out, T_IPCP_TYPE, type);
        if (getenv("FAKE_IPCPD_SILENT") != NULL)
                pause(); /* never says hello */
        if (msg_send(sock, &out) < 0)
                return 1;

        for (;;) {
                int r;
                if (type == IPCP_BROADCAST && !bc_wait(sock))
                        continue;
                if (type != IPCP_LOCAL && type != IPCP_BROADCAST &&
                    !data_wait(sock))
                        continue;
                r = msg_recv(sock, &in, type != IPCP_LOCAL ? 0 : -1);
                if (r == -EPIPE)
                        return 0;
                if (r < 0)
                        continue;
                if (in.flags & MSG_F_REPLY)
                        on_reply();
                else
                        on_request();
                msg_fini(&in);
        }
}
