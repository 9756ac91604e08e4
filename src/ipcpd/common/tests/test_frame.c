/*
 * Ouroboros - the IPCP framework's side of the IRMd protocol, against a
 * scripted IRMd: this test listens on irmd.sock of a private runtime
 * directory, spawns frame_ipcpd (argv[1], an IPCP type that carries
 * data) and checks: the announce comes before the hello (the IRMd has
 * the IPCP's eventfd before it hands flows); bootstrap and enroll
 * answers carry T_MAX_PKT and T_INFO (T_INFO alone on failure) after
 * the op's own fields; a query answered later (IPCP_LATER, ipcp_answer)
 * with its type and id, after an answer to a later request; stat
 * entries, also a full answer; flow memory handed with FLOW_ALLOC and
 * an accepting FLOW_ALLOC_RESP is adopted (the IPCP talks on it and
 * echoes what the "application" writes on side 0); a FLOW_ALLOC
 * without or with bad flow memory is refused; dealloc closes the
 * IPCP's side; SIGTERM ends the process cleanly after ops->fini.
 */
#include "common/flow_shm.h"
#include "common/msg.h"
#include "common/proto.h"
#include "common/timeutil.h"

#include "../../../../tests/check.h"
#include "irmd_script.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

static struct msg m;
static struct msg r;
static uint32_t   next_id = 1;
static int        ipcp_efd = -1; /* the IPCP's eventfd, from announce */
static uint8_t    hash[32];

static void start(uint16_t type)
{
        msg_init(&m, type, 0, next_id++);
}

static void recv_answer(int      sock,
                        uint16_t type,
                        uint32_t id)
{
        CHECK_EQ(msg_recv(sock, &r, 5000), 0);
        CHECK(r.flags & MSG_F_REPLY);
        CHECK_EQ(r.type, type);
        CHECK_EQ(r.id, id);
}

/* Send m and return its answer's result (the answer in r). */
static int request(int sock)
{
        CHECK_EQ(msg_send(sock, &m), 0);
        recv_answer(sock, m.type, m.id);

        return msg_result(&r);
}

/* Accept the announce and the hello, in that order. */
static int greet(int lsock)
{
        char name[32];
        int  c;

        c = accept(lsock, NULL, NULL);
        CHECK(c >= 0);
        CHECK_EQ(msg_recv(c, &m, 5000), 0);
        CHECK_EQ(m.type, M_PROC_ANNOUNCE);
        ipcp_efd = msg_take_fd(&m, 0);
        CHECK(ipcp_efd >= 0);
        msg_init_reply(&r, &m, 0);
        CHECK_EQ(msg_send(c, &r), 0); /* c stays open: the session */

        c = accept(lsock, NULL, NULL);
        CHECK(c >= 0);
        CHECK_EQ(msg_recv(c, &m, 5000), 0);
        CHECK_EQ(m.type, M_IPCP_HELLO);
        CHECK_EQ(msg_get_str(msg_body(&m), T_IPCP_NAME, name, 31), 2);
        msg_init_reply(&r, &m, 0);
        CHECK_EQ(msg_send(c, &r), 0);

        return c;
}

static int bootstrap(int          sock,
                     const char * layer)
{
        int off;

        start(M_IPCPD_BOOTSTRAP);
        off = msg_open_sub(&m, T_CONF);
        msg_put_str(&m, T_LAYER, layer);
        msg_close_sub(&m, off);

        return request(sock);
}

static void test_attach(int sock)
{
        char     s[256];
        uint32_t v;

        CHECK_EQ(bootstrap(sock, "bad"), -ENODEV);
        CHECK(msg_get_str(msg_body(&r), T_INFO, s, 255) > 0);
        CHECK(strcmp(s, "dev nope: no such device") == 0);
        CHECK(!msg_has(msg_body(&r), T_MAX_PKT));

        CHECK_EQ(bootstrap(sock, "lyr"), 0);
        CHECK_EQ(msg_get_u32(msg_body(&r), T_MAX_PKT, &v), 0);
        CHECK_EQ(v, 1400);
        CHECK(msg_get_str(msg_body(&r), T_INFO, s, 255) > 0);
        CHECK(strcmp(s, "dev test0 mtu 1400") == 0);

        start(M_IPCPD_ENROLL);
        msg_put_str(&m, T_DST, "peer");
        CHECK_EQ(request(sock), 0);
        CHECK(msg_get_str(msg_body(&r), T_LAYER, s, 255) > 0);
        CHECK(strcmp(s, "lyr") == 0);
        CHECK_EQ(msg_get_u32(msg_body(&r), T_MAX_PKT, &v), 0);
        CHECK_EQ(v, 1000);
        CHECK(!msg_has(msg_body(&r), T_INFO));

        /* answered later, with the op's fields and the report */
        start(M_IPCPD_ENROLL);
        msg_put_str(&m, T_DST, "late");
        CHECK_EQ(request(sock), 0);
        CHECK(msg_get_str(msg_body(&r), T_LAYER, s, 255) > 0);
        CHECK(strcmp(s, "late") == 0);
        CHECK_EQ(msg_get_u32(msg_body(&r), T_MAX_PKT, &v), 0);
        CHECK_EQ(v, 900);
        CHECK(msg_get_str(msg_body(&r), T_INFO, s, 255) > 0);
        CHECK(strcmp(s, "mtu 900") == 0);

        start(M_IPCPD_ENROLL);
        msg_put_str(&m, T_DST, "latebad");
        CHECK_EQ(request(sock), -ECONNREFUSED);
        CHECK(!msg_has(msg_body(&r), T_LAYER));
        CHECK(!msg_has(msg_body(&r), T_MAX_PKT));
        CHECK(msg_get_str(msg_body(&r), T_INFO, s, 255) > 0);
        CHECK(strcmp(s, "refused") == 0);
}

static void test_later(int sock)
{
        uint32_t q;
        uint32_t g;

        start(M_IPCPD_QUERY);
        msg_put_bytes(&m, T_HASH, hash, sizeof(hash));
        q = m.id;
        CHECK_EQ(msg_send(sock, &m), 0);

        start(M_IPCPD_REG); /* no op: -ENOTSUP, answered at once */
        msg_put_bytes(&m, T_HASH, hash, sizeof(hash));
        g = m.id;
        CHECK_EQ(msg_send(sock, &m), 0);

        recv_answer(sock, M_IPCPD_REG, g);
        CHECK_EQ(msg_result(&r), -ENOTSUP);
        recv_answer(sock, M_IPCPD_QUERY, q);
        CHECK_EQ(msg_result(&r), -ENAME);
}

static void test_stat(int sock)
{
        struct msg_iter it;
        struct msg_view e;
        char            name[64];
        uint64_t        v;
        size_t          n = 0;

        start(M_IPCPD_STAT);
        CHECK_EQ(request(sock), 0);
        /* The type's two, then the loop's (loop.*). */
        CHECK(msg_count(msg_body(&r), T_ENTRY) > 2);
        CHECK_EQ(msg_sub(msg_body(&r), T_ENTRY, 1, &e), 0);
        CHECK(msg_get_str(e, T_NAME, name, 63) > 0);
        CHECK(strcmp(name, "tx_pkts") == 0);
        CHECK_EQ(msg_get_u64(e, T_VALUE, &v), 0);
        CHECK_EQ(v, 1ULL << 40);
        CHECK_EQ(msg_sub(msg_body(&r), T_ENTRY, 2, &e), 0);
        CHECK(msg_get_str(e, T_NAME, name, 63) > 0);
        CHECK(strncmp(name, "loop.", 5) == 0);

        start(M_IPCPD_STAT); /* as many as fit: still one valid answer */
        CHECK_EQ(request(sock), 0);
        msg_iter_init(&it, msg_body(&r));
        while (msg_iter_sub(&it, T_ENTRY, &e) == 0) {
                CHECK_EQ(msg_get_u64(e, T_VALUE, &v), 0);
                CHECK_EQ(v, n++);
        }
        CHECK(n > 1000);
}

/* Flow memory for the IPCP: side 0 mapped here, as the application. */
static int new_flow(struct flow_shm ** app)
{
        struct flow_shm_conf conf;
        int                  memfd;

        flow_shm_conf_default(&conf);
        memfd = flow_shm_create(&conf);
        CHECK(memfd >= 0);
        CHECK_EQ(flow_shm_map(memfd, 0, ipcp_efd, app), 0);

        return memfd;
}

static void put_side(int memfd)
{
        int efd = eventfd(0, EFD_CLOEXEC); /* the application's */

        CHECK(efd >= 0);
        msg_put_u8(&m, T_SIDE, 1);
        msg_put_u32(&m, T_PEER_PID, (uint32_t) getpid());
        msg_put_qos(&m, T_QOS, &qos_raw);
        msg_put_fd(&m, memfd);
        msg_put_fd(&m, efd);
}

static void expect(struct flow_shm * app,
                   const char *      s)
{
        struct timespec dl = ns_to_ts(now_ns() + 5000000000LL);
        const void *    p;
        ssize_t         n;

        n = flow_shm_peek(app, &p, false, &dl);
        CHECK_EQ(n, (ssize_t) strlen(s));
        CHECK(memcmp(p, s, strlen(s)) == 0);
        flow_shm_consume(app);
}

static void flow_alloc(uint32_t id,
                       int      memfd)
{
        uint8_t key[32] = { 0xab };

        start(M_IPCPD_FLOW_ALLOC);
        msg_put_u32(&m, T_FLOW_ID, id);
        msg_put_bytes(&m, T_HASH, hash, sizeof(hash));
        msg_put_bytes(&m, T_PUBKEY, key, sizeof(key));
        if (memfd >= 0)
                put_side(memfd);
        else
                msg_put_qos(&m, T_QOS, &qos_raw);
}

static void test_flows(int sock)
{
        struct flow_shm * a;
        struct flow_shm * b;
        int               memfd;
        int               bad;

        /* Requester side: adopted, the IPCP speaks and echoes. */
        memfd = new_flow(&a);
        flow_alloc(5, memfd);
        CHECK_EQ(request(sock), 0);
        close(memfd);
        expect(a, "hello");
        CHECK_EQ(flow_shm_write(a, "ping", 4, false, NULL), 4);
        expect(a, "ping");

        /* No flow memory, bad flow memory: refused. */
        flow_alloc(6, -1);
        CHECK_EQ(request(sock), -EBADMSG);
        bad = memfd_create("not-a-flow", MFD_CLOEXEC);
        CHECK(bad >= 0);
        CHECK_EQ(ftruncate(bad, 4096), 0);
        flow_alloc(7, bad);
        CHECK(request(sock) < 0);
        close(bad);

        /* Acceptor side: refused (nothing handed), then accepted. */
        start(M_IPCPD_FLOW_ALLOC_RESP);
        msg_put_u32(&m, T_FLOW_ID, 8);
        msg_put_i32(&m, T_RESULT, -ECONNREFUSED);
        CHECK_EQ(request(sock), 0);

        memfd = new_flow(&b);
        start(M_IPCPD_FLOW_ALLOC_RESP);
        msg_put_u32(&m, T_FLOW_ID, 9);
        msg_put_i32(&m, T_RESULT, 0);
        put_side(memfd);
        CHECK_EQ(request(sock), 0);
        close(memfd);
        expect(b, "resp");
        CHECK_EQ(flow_shm_write(b, "pong", 4, false, NULL), 4);
        expect(b, "pong");

        /* Dealloc: the IPCP closes its side. */
        start(M_IPCPD_FLOW_DEALLOC);
        msg_put_u32(&m, T_FLOW_ID, 5);
        CHECK_EQ(request(sock), 0);
        {
                struct timespec dl = ns_to_ts(now_ns() + 5000000000LL);
                const void *    p;
                CHECK_EQ(flow_shm_peek(a, &p, false, &dl), -EFLOWDOWN);
        }
        CHECK_EQ(flow_shm_write(b, "more", 4, false, NULL), 4);
        expect(b, "more"); /* the other flow lives on */

        flow_shm_unmap(a);
        flow_shm_unmap(b);
}

int main(int     argc,
         char ** argv)
{
        char        dir[] = "/tmp/ouro-frame-XXXXXX";
        char        path[256];
        struct stat st;
        int         lsock;
        int         sock;
        int         status;
        pid_t       pid;

        if (argc != 2) {
                fprintf(stderr, "usage: %s FRAME_IPCPD\n", argv[0]);
                return 2;
        }

        memset(hash, 0x5a, sizeof(hash));
        signal(SIGPIPE, SIG_IGN);
        CHECK(mkdtemp(dir) != NULL);
        lsock = script_listen(dir);
        pid   = script_spawn(argv[1], dir, "fr");
        sock  = greet(lsock);

        test_attach(sock);
        test_later(sock);
        test_stat(sock);
        test_flows(sock);

        CHECK_EQ(kill(pid, SIGTERM), 0);
        CHECK_EQ(waitpid(pid, &status, 0), pid);
        CHECK(WIFEXITED(status));
        CHECK_EQ(WEXITSTATUS(status), 0);
        snprintf(path, sizeof(path), "%s/fini", dir);
        CHECK_EQ(stat(path, &st), 0);

        unlink(path);
        snprintf(path, sizeof(path), "%s/irmd.sock", dir);
        unlink(path);
        rmdir(dir);
        close(sock);
        close(lsock);

        printf("%d checks passed\n", atomic_load(&check_passed));

        return 0;
}
