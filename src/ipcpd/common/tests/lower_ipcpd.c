/*
 * Ouroboros - an IPCP type made to test lower flows (lower.c) for real:
 * built as ipcpd-broadcast into a directory of its own, which a test
 * gives the IRMd as $OUROBOROS_IPCPD_DIR (test_lower.sh). It runs the
 * real framework (ipcp_main) over the local layer:
 *
 *   bootstrap  listens for lower flows (ipcp_lower_listen), unless its
 *              name starts with "deaf"; one whose name starts with "no"
 *              refuses every request (-EACCES);
 *   accepted flows echo every packet back;
 *   connect    ipcp_lower_connect to dst (component, qos), proto 7; on
 *              success it sends "ping" and waits for the echo; one
 *              whose name starts with "flood" then connects to dst until
 *              refused, and tries bad arguments;
 *   stat       the module's counters (ipcp_lower_stat).
 *
 * What happens is printed on stdout, one line each, prefixed with the
 * IPCP's name (the IRMd started with --stdout keeps the IPCPs' stdout).
 *
 * The same binary is the client of hostile and well-behaved handshakes:
 *
 *   ipcpd-broadcast client DST good|refused|garbage|trailing|answer|silent
 *
 * allocates a flow to DST and sends a request (good, refused), bytes
 * that are no request (garbage, an answer, a request with a byte too
 * many), or nothing (silent); then checks what comes back: exit 0 if
 * the IPCP answered as it should (or closed the flow, for the bad ones).
 */
#include "ipcpd/common/ipcp.h"
#include "ipcpd/common/lower.h"

#include "common/proto.h"
#include "common/timeutil.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FLOWS 64

static struct {
        char layer[LAYER_MAX_LEN + 1];
        int  fds[MAX_FLOWS];
} lt;

#define say(...) do {                                   \
        printf("lower_ipcpd %s: ", ipcp_name());        \
        printf(__VA_ARGS__);                            \
        printf("\n");                                   \
        fflush(stdout);                                 \
} while (0)

static void keep(int fd)
{
        size_t i;

        for (i = 0; i < MAX_FLOWS; ++i) {
                if (lt.fds[i] < 0) {
                        lt.fds[i] = fd;
                        return;
                }
        }
}

static void drop(int fd)
{
        size_t i;

        for (i = 0; i < MAX_FLOWS; ++i)
                if (lt.fds[i] == fd)
                        lt.fds[i] = -1;

        ipcp_flow_unwatch(fd);
        flow_dealloc(fd);
}

/* An accepted flow: echo. */
static void on_echo(void * arg,
                    int    fd,
                    int    events)
{
        char    buf[2048];
        ssize_t n;

        (void) arg;
        (void) events;

        while ((n = flow_read(fd, buf, sizeof(buf))) >= 0)
                flow_write(fd, buf, (size_t) n);

        if (n != -EAGAIN) {
                say("flow %d gone: %zd", fd, n);
                drop(fd);
        }
}

/* A connected flow: the echo of our ping. */
static void on_pong(void * arg,
                    int    fd,
                    int    events)
{
        char    buf[16];
        ssize_t n;

        (void) arg;
        (void) events;

        while ((n = flow_read(fd, buf, sizeof(buf))) >= 0)
                if (n == 4 && memcmp(buf, "ping", 4) == 0)
                        say("PING OK fd %d", fd);

        if (n != -EAGAIN) {
                say("flow %d gone: %zd", fd, n);
                drop(fd);
        }
}

static int on_req(void *                    arg,
                  int                       fd,
                  const qosspec_t *         qs,
                  const struct lower_info * req,
                  struct lower_info *       ans)
{
        (void) arg;
        (void) qs;

        say("REQ comp %s layer %s name %s type %d proto %u",
            req->comp, req->layer, req->name, req->type, req->proto);

        if (strncmp(ipcp_name(), "no", 2) == 0)
                return -EACCES;

        ans->proto = (uint16_t) (req->proto + 1);
        strcpy(ans->layer, lt.layer);

        if (fccntl(fd, FLOWSFLAGS, FLOWFRDWR | FLOWFNONBLOCK) < 0 ||
            ipcp_flow_watch(fd, on_echo, NULL) < 0)
                return -ENOMEM;
        keep(fd);

        return 0;
}

static void on_conn(void *                    arg,
                    int                       fd,
                    int                       result,
                    const struct lower_info * ans)
{
        char * dst = arg;

        if (fd < 0) {
                say("CONNECTED %s result %d", dst, result);
                free(dst);
                return;
        }

        say("CONNECTED %s result %d comp %s layer %s name %s type %d "
            "proto %u", dst, result, ans->comp, ans->layer, ans->name,
            ans->type, ans->proto);
        free(dst);

        if (fccntl(fd, FLOWSFLAGS, FLOWFRDWR | FLOWFNONBLOCK) < 0 ||
            ipcp_flow_watch(fd, on_pong, NULL) < 0) {
                flow_dealloc(fd);
                return;
        }
        keep(fd);
        flow_write(fd, "ping", 4);
}

static int lt_bootstrap(struct msg_view      conf,
                        struct ipcp_attach * at)
{
        int r;

        (void) at;

        if (msg_get_str(conf, T_LAYER, lt.layer, LAYER_MAX_LEN) < 0)
                return -EINVAL;

        if (strncmp(ipcp_name(), "deaf", 4) == 0) {
                say("DEAF");
                return 0;
        }

        r = ipcp_lower_listen(on_req, NULL);
        say("LISTEN %d", r);
        if (r == 0)
                say("LISTEN again %d", ipcp_lower_listen(on_req, NULL));

        return r;
}

/* An IPCP named flood*: more connects to dst until refused, then bad
 * ones. */
static void flood(const char *              dst,
                  const qosspec_t *         qs,
                  struct lower_info *       req)
{
        char * arg;
        int    n = 1;
        int    r;

        do {
                arg = strdup(dst);
                r = ipcp_lower_connect(dst, qs, 30000, req, on_conn, arg);
                if (r < 0)
                        free(arg);
                else
                        ++n;
        } while (r == 0 && n < 1000);
        say("FLOOD %d in flight, then %d", n, r);

        req->comp[0] = '\0';
        say("FLOOD empty comp: %d",
            ipcp_lower_connect(dst, qs, 3000, req, on_conn, NULL));
        strcpy(req->comp, "dt");
        say("FLOOD bad dst: %d",
            ipcp_lower_connect("a\nb", qs, 3000, req, on_conn, NULL));
        say("FLOOD no timeout: %d",
            ipcp_lower_connect(dst, qs, 0, req, on_conn, NULL));
}

static int lt_connect(const char *      dst,
                      const char *      comp,
                      const qosspec_t * qs)
{
        bool              flooding = strncmp(ipcp_name(), "flood", 5) == 0;
        struct lower_info req;
        char *            arg;
        int               r;

        memset(&req, 0, sizeof(req));
        req.proto = 7;
        snprintf(req.comp, sizeof(req.comp), "%s", comp);
        strcpy(req.layer, lt.layer);

        arg = strdup(dst);
        if (arg == NULL)
                return -ENOMEM;

        r = ipcp_lower_connect(dst, qs, flooding ? 30000 : 3000, &req,
                               on_conn, arg);
        say("CONNECT %s %s: %d", dst, comp, r);
        if (r < 0)
                free(arg);

        if (r == 0 && flooding)
                flood(dst, qs, &req);

        return r;
}

static int lt_stat(struct ipcp_stat * s)
{
        return ipcp_lower_stat(s);
}

static void lt_fini(void)
{
        size_t i;

        for (i = 0; i < MAX_FLOWS; ++i)
                if (lt.fds[i] >= 0)
                        drop(lt.fds[i]);
        say("FINI");
}

/* ---- the client ---- */

static ssize_t read_within(int    fd,
                           void * buf,
                           size_t len,
                           int    ms)
{
        struct timespec t = ns_to_ts((int64_t) ms * 1000000);

        fccntl(fd, FLOWSRCVTIMEO, &t);

        return flow_read(fd, buf, len);
}

static int client(const char * dst,
                  const char * mode)
{
        struct lower_info req;
        struct lower_info ans;
        uint8_t           buf[LOWER_INFO_MAX + 1];
        struct timespec   t = { 5, 0 };
        int64_t           start;
        ssize_t           n;
        int               fd;

        fd = flow_alloc(dst, NULL, &t);
        if (fd < 0) {
                printf("client: flow_alloc %s: %d\n", dst, fd);
                return 1;
        }

        memset(&req, 0, sizeof(req));
        req.kind  = strcmp(mode, "answer") == 0 ? LOWER_ANS : LOWER_REQ;
        req.type  = IPCP_BROADCAST;
        req.proto = 3;
        strcpy(req.comp, "dt");
        strcpy(req.name, "client");
        n = lower_info_write(&req, buf, sizeof(buf));
        if (strcmp(mode, "trailing") == 0)
                buf[n++] = 0;
        if (strcmp(mode, "garbage") == 0)
                n = snprintf((char *) buf, sizeof(buf), "hello, world");

        start = now_ns();
        if (strcmp(mode, "silent") != 0 && flow_write(fd, buf, n) != n) {
                printf("client: write failed\n");
                return 1;
        }

        n = read_within(fd, buf, sizeof(buf), 8000);
        if (strcmp(mode, "good") != 0 && strcmp(mode, "refused") != 0) {
                /* a bad handshake: the flow is closed, nothing said */
                printf("client %s: read %zd after %lld ms\n", mode, n,
                       (long long) ((now_ns() - start) / 1000000));
                return n == -EFLOWDOWN ? 0 : 1;
        }

        if (n < 0 || lower_info_parse(buf, (size_t) n, &ans) < 0) {
                printf("client: no answer: %zd\n", n);
                return 1;
        }
        printf("client: ANS result %d comp %s layer %s name %s type %d "
               "proto %u\n", ans.result, ans.comp, ans.layer, ans.name,
               ans.type, ans.proto);

        if (ans.kind != LOWER_ANS || ans.type != IPCP_BROADCAST ||
            strcmp(ans.name, dst) != 0 || strcmp(ans.comp, "dt") != 0)
                return 1;

        if (strcmp(mode, "refused") == 0) {
                n = read_within(fd, buf, sizeof(buf), 3000);
                printf("client: then %zd\n", n);
                return ans.result == -EACCES && n == -EFLOWDOWN ? 0 : 1;
        }

        if (ans.result != 0 || ans.proto != 4)
                return 1;

        if (flow_write(fd, "echo me", 7) != 7)
                return 1;
        n = read_within(fd, buf, sizeof(buf), 3000);
        if (n != 7 || memcmp(buf, "echo me", 7) != 0) {
                printf("client: echo %zd\n", n);
                return 1;
        }
        printf("client: ECHO OK\n");
        flow_dealloc(fd);

        return 0;
}

int main(int     argc,
         char ** argv)
{
        static const struct ipcp_ops ops = {
                .bootstrap    = lt_bootstrap,
                .connect      = lt_connect,
                .stat         = lt_stat,
                .fini         = lt_fini,
                .carries_data = true
        };
        size_t i;

        if (argc == 4 && strcmp(argv[1], "client") == 0)
                return client(argv[2], argv[3]);

        for (i = 0; i < MAX_FLOWS; ++i)
                lt.fds[i] = -1;

        return ipcp_main(argc, argv, IPCP_BROADCAST, &ops);
}
