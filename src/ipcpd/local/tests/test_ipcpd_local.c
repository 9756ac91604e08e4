/*
 * Ouroboros - ipcpd-local against a scripted IRMd: this test listens on
 * irmd.sock of a private runtime directory, spawns the ipcpd-local given
 * as argv[1] and plays the IRMd's side of the protocol: hello, bootstrap,
 * reg (a hash of the wrong size is refused), query, a flow to an unknown
 * hash (-ENAME), the splice of a flow to a known one (answer first, then
 * FLOW_REQ_ARR, then FLOW_ALLOC_REPLY once the accept is reported),
 * unsupported requests, and a clean exit on SIGTERM and on EOF.
 */
#include "common/hash.h"
#include "common/msg.h"
#include "common/proto.h"

#include "../../../../tests/check.h"
#include "../../common/tests/irmd_script.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static struct msg m;
static struct msg r;
static uint32_t   next_id = 1;

/* Send a request of type to the IPCP and return its answer's result. */
static int request(int sock)
{
        CHECK_EQ(msg_send(sock, &m), 0);
        CHECK_EQ(msg_recv(sock, &r, 5000), 0);
        CHECK(r.flags & MSG_F_REPLY);
        CHECK_EQ(r.type, m.type);
        CHECK_EQ(r.id, m.id);

        return msg_result(&r);
}

static void start(uint16_t type)
{
        msg_init(&m, type, 0, next_id++);
}

static int hash_req(int             sock,
                    uint16_t        type,
                    const uint8_t * h,
                    size_t          len)
{
        start(type);
        msg_put_bytes(&m, T_HASH, h, len);

        return request(sock);
}

static void hello(int sock)
{
        char name[32];

        CHECK_EQ(msg_recv(sock, &m, 5000), 0);
        CHECK_EQ(m.type, M_IPCP_HELLO);
        CHECK_EQ(msg_get_str(msg_body(&m), T_IPCP_NAME, name, 31), 2);
        CHECK(strcmp(name, "lc") == 0);
        msg_init_reply(&r, &m, 0);
        CHECK_EQ(msg_send(sock, &r), 0);
}

static void bootstrap(int sock)
{
        int off;

        start(M_IPCPD_BOOTSTRAP);
        off = msg_open_sub(&m, T_CONF);
        msg_put_u32(&m, T_IPCP_TYPE, IPCP_LOCAL);
        msg_put_str(&m, T_LAYER, "lyr");
        msg_put_u32(&m, T_HASH_ALGO, HASH_SHA3_256);
        msg_close_sub(&m, off);
        CHECK_EQ(request(sock), 0);
        CHECK_EQ(request(sock), -EIPCPSTATE); /* twice */
}

static void splice(int             sock,
                   const uint8_t * h)
{
        uint32_t x = 7;
        uint32_t y = 8;
        uint32_t v;
        int32_t  res;

        start(M_IPCPD_FLOW_ALLOC);
        msg_put_u32(&m, T_FLOW_ID, x);
        msg_put_bytes(&m, T_HASH, h, 32);
        msg_put_qos(&m, T_QOS, &qos_raw);
        CHECK_EQ(request(sock), 0);          /* the answer comes first */

        CHECK_EQ(msg_recv(sock, &m, 5000), 0); /* then the arrival */
        CHECK_EQ(m.type, M_IPCP_FLOW_REQ_ARR);
        CHECK(!(m.flags & MSG_F_REPLY));
        CHECK_EQ(msg_get_u32(msg_body(&m), T_PEER_FLOW, &v), 0);
        CHECK_EQ(v, x);
        msg_init_reply(&r, &m, 0);
        msg_put_u32(&r, T_FLOW_ID, y);
        CHECK_EQ(msg_send(sock, &r), 0);

        start(M_IPCPD_FLOW_ALLOC_RESP);      /* the server accepted */
        msg_put_u32(&m, T_FLOW_ID, y);
        msg_put_i32(&m, T_RESULT, 0);
        CHECK_EQ(request(sock), 0);

        CHECK_EQ(msg_recv(sock, &m, 5000), 0);
        CHECK_EQ(m.type, M_IPCP_FLOW_ALLOC_REPLY);
        CHECK_EQ(msg_get_u32(msg_body(&m), T_FLOW_ID, &v), 0);
        CHECK_EQ(v, x);
        CHECK_EQ(msg_get_i32(msg_body(&m), T_RESULT, &res), 0);
        CHECK_EQ(res, 0);
        CHECK_EQ(msg_get_u32(msg_body(&m), T_PEER_FLOW, &v), 0);
        CHECK_EQ(v, y);
        msg_init_reply(&r, &m, 0);
        CHECK_EQ(msg_send(sock, &r), 0);

        start(M_IPCPD_FLOW_ALLOC_RESP);      /* unknown accepting half */
        msg_put_u32(&m, T_FLOW_ID, 99);
        msg_put_i32(&m, T_RESULT, 0);
        CHECK_EQ(request(sock), -ENOENT);

        start(M_IPCPD_FLOW_DEALLOC);
        msg_put_u32(&m, T_FLOW_ID, x);
        CHECK_EQ(request(sock), 0);
}

static void session(int sock)
{
        uint8_t h[HASH_MAX_LEN];
        uint8_t other[HASH_MAX_LEN];

        CHECK_EQ(hash_name(HASH_SHA3_256, "srv", h), 32);
        CHECK_EQ(hash_name(HASH_SHA3_256, "nobody", other), 32);

        hello(sock);
        CHECK_EQ(hash_req(sock, M_IPCPD_REG, h, 32), -EIPCPSTATE);
        bootstrap(sock);

        CHECK_EQ(hash_req(sock, M_IPCPD_REG, h, 28), -EINVAL);
        CHECK_EQ(hash_req(sock, M_IPCPD_REG, h, 32), 0);
        CHECK_EQ(hash_req(sock, M_IPCPD_REG, h, 32), 0); /* idempotent */
        CHECK_EQ(hash_req(sock, M_IPCPD_QUERY, h, 32), 0);
        CHECK_EQ(hash_req(sock, M_IPCPD_QUERY, other, 32), -ENAME);

        start(M_IPCPD_FLOW_ALLOC);            /* unknown name */
        msg_put_u32(&m, T_FLOW_ID, 5);
        msg_put_bytes(&m, T_HASH, other, 32);
        msg_put_qos(&m, T_QOS, &qos_raw);
        CHECK_EQ(request(sock), -ENAME);

        splice(sock, h);

        start(M_IPCPD_ENROLL);
        msg_put_str(&m, T_DST, "x");
        CHECK_EQ(request(sock), -ENOTSUP);
        start(M_IPCPD_CONNECT);
        msg_put_str(&m, T_DST, "x");
        msg_put_str(&m, T_COMPONENT, "dt");
        CHECK_EQ(request(sock), -ENOTSUP);

        CHECK_EQ(hash_req(sock, M_IPCPD_UNREG, h, 32), 0);
        CHECK_EQ(hash_req(sock, M_IPCPD_UNREG, h, 32), -ENAME);
        CHECK_EQ(hash_req(sock, M_IPCPD_QUERY, h, 32), -ENAME);
}

static int exit_status(pid_t pid)
{
        int st;
        int i;

        for (i = 0; i < 500; ++i) {
                if (waitpid(pid, &st, WNOHANG) == pid)
                        return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
                usleep(10000);
        }

        kill(pid, SIGKILL);
        return -1;
}

int main(int     argc,
         char ** argv)
{
        char  dir[] = "/tmp/ipcpd-local-test.XXXXXX";
        char  path[128];
        pid_t pid;
        int   ls;
        int   sock;

        CHECK(argc == 2);
        CHECK(mkdtemp(dir) != NULL);
        ls = script_listen(dir);

        /* 1. the whole protocol, then EOF: the IPCP exits 0 */
        pid  = script_spawn(argv[1], dir, "lc");
        sock = accept(ls, NULL, NULL);
        CHECK(sock >= 0);
        session(sock);
        close(sock);
        CHECK_EQ(exit_status(pid), 0);

        /* 2. SIGTERM: a clean exit */
        pid  = script_spawn(argv[1], dir, "lc");
        sock = accept(ls, NULL, NULL);
        CHECK(sock >= 0);
        hello(sock);
        kill(pid, SIGTERM);
        CHECK_EQ(exit_status(pid), 0);
        close(sock);

        close(ls);
        snprintf(path, sizeof(path), "%s/irmd.sock", dir);
        unlink(path);
        rmdir(dir);
        return check_report("ipcpd-local");
}
