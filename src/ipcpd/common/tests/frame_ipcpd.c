/*
 * Ouroboros - an IPCP type made for test_frame: every op of the
 * framework in a few lines, so the scripted IRMd of test_frame can check
 * what the framework makes of their results. It carries data (adopts
 * flow memory) and echoes every packet of a flow it holds.
 *
 *   bootstrap: layer "bad" fails with -ENODEV and a reason (T_INFO);
 *              otherwise max_pkt 1400, info "dev test0 mtu 1400"
 *   enroll:    adds T_LAYER "lyr" to the answer, max_pkt 1000; with
 *              dst "late" IPCP_LATER (ipcp_req_tok), answered 50 ms
 *              later by ipcp_answer_ext: T_LAYER "late", max_pkt 900,
 *              info "mtu 900"; dst "latebad": -ECONNREFUSED, info
 *              "refused"
 *   query:     IPCP_LATER; answered -ENAME by a timer 50 ms later
 *   stat:      two counters; from the second call on, as many as fit
 *   flow_alloc / accepting flow_alloc_resp: says "hello" / "resp" on
 *              the adopted flow, then echoes what comes
 *   fini:      creates $OUROBOROS_RUNDIR/fini
 * Anything unexpected aborts: test_frame checks the exit status.
 */
#include "ipcpd/common/ipcp.h"

#include "common/proto.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fqueue.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FLOWS 8

static struct {
        bool     used;
        uint32_t id;
        int      fd;
} flows[MAX_FLOWS];

static int n_stat;

static void need(bool c)
{
        if (!c)
                abort();
}

static int fr_bootstrap(struct msg_view      conf,
                        struct ipcp_attach * at)
{
        char layer[LAYER_MAX_LEN + 1];

        need(msg_get_str(conf, T_LAYER, layer, LAYER_MAX_LEN) > 0);
        if (strcmp(layer, "bad") == 0) {
                strcpy(at->info, "dev nope: no such device");
                at->max_pkt = 9000; /* not sent on failure */
                return -ENODEV;
        }

        at->max_pkt = 1400;
        strcpy(at->info, "dev test0 mtu 1400");

        return 0;
}

struct late_enroll {
        ipcp_tok_t tok;
        bool       bad;
};

static void answer_enroll(void * arg)
{
        struct late_enroll * l = arg;
        struct ipcp_attach   at;
        struct msg           extra;

        memset(&at, 0, sizeof(at));
        msg_init(&extra, 0, 0, 0);
        need(msg_put_str(&extra, T_LAYER, "late") == 0);
        at.max_pkt = 900;
        strcpy(at.info, l->bad ? "refused" : "mtu 900");
        need(ipcp_answer_ext(l->tok, l->bad ? -ECONNREFUSED : 0, &extra,
                             &at) == 0);
        need(ipcp_answer_ext(l->tok, 0, NULL, NULL) == -ENOENT);
        free(l);
}

static int fr_enroll(const char *         dst,
                     struct msg *         rep,
                     struct ipcp_attach * at)
{
        if (strncmp(dst, "late", 4) == 0) {
                struct late_enroll * l = malloc(sizeof(*l));

                need(l != NULL);
                l->tok = ipcp_req_tok();
                l->bad = strcmp(dst, "latebad") == 0;
                need(ipcp_timer_add(50, answer_enroll, l) != NULL);
                return IPCP_LATER;
        }

        need(strcmp(dst, "peer") == 0);
        need(msg_put_str(rep, T_LAYER, "lyr") == 0);
        at->max_pkt = 1000;

        return 0;
}

struct later {
        ipcp_tok_t tok;
};

static void answer_query(void * arg)
{
        struct later * l = arg;

        need(ipcp_answer(l->tok, -ENAME) == 0);
        need(ipcp_answer(l->tok, 0) == -ENOENT); /* answered once */
        free(l);
}

static int fr_query(struct ipcp_hash h,
                    ipcp_tok_t       tok)
{
        struct later * l = malloc(sizeof(*l));

        (void) h;
        need(l != NULL);
        l->tok = tok;
        need(ipcp_timer_add(50, answer_query, l) != NULL);

        return IPCP_LATER;
}

static int fr_stat(struct ipcp_stat * s)
{
        char name[32];
        int  i;

        if (n_stat++ == 0) {
                need(ipcp_stat_add(s, "rx_runt", 3) == 0);
                need(ipcp_stat_add(s, "tx_pkts", 1ULL << 40) == 0);
                return 0;
        }

        for (i = 0; ; ++i) {
                snprintf(name, sizeof(name), "counter_%d", i);
                if (ipcp_stat_add(s, name, (uint64_t) i) == -EMSGSIZE)
                        break;
        }
        need(i > 1000);

        return 0;
}

static void echo(void * arg,
                 int    fd,
                 int    events)
{
        char buf[64];

        (void) arg;
        if (events & FLOW_PKT) {
                ssize_t n = flow_read(fd, buf, sizeof(buf));
                need(n > 0);
                need(flow_write(fd, buf, (size_t) n) == n);
        }
}

static int keep(uint32_t     id,
                int          fd,
                const char * hello)
{
        int i;

        need(fd >= 0);
        for (i = 0; i < MAX_FLOWS && flows[i].used; ++i)
                ;
        need(i < MAX_FLOWS);
        flows[i].used = true;
        flows[i].id = id;
        flows[i].fd = fd;
        need(flow_write(fd, hello, strlen(hello)) == (ssize_t) strlen(hello));
        need(ipcp_flow_watch(fd, echo, NULL) == 0);

        return 0;
}

static int fr_flow_alloc(const struct ipcp_flow_req * r)
{
        need(r->key.p != NULL && r->key.len == 32 && r->key.p[0] == 0xab);
        need(r->hash.len == 32);

        return keep(r->flow_id, r->fd, "hello");
}

static int fr_flow_alloc_resp(const struct ipcp_flow_resp * r)
{
        if (r->result < 0) {
                need(r->fd == -1);
                return 0;
        }

        return keep(r->flow_id, r->fd, "resp");
}

static int fr_flow_dealloc(uint32_t flow_id)
{
        int i;

        for (i = 0; i < MAX_FLOWS; ++i) {
                if (flows[i].used && flows[i].id == flow_id) {
                        ipcp_flow_unwatch(flows[i].fd);
                        need(flow_dealloc(flows[i].fd) == 0);
                        flows[i].used = false;
                }
        }

        return 0;
}

static void fr_fini(void)
{
        char path[512];
        int  fd;

        snprintf(path, sizeof(path), "%s/fini", getenv("OUROBOROS_RUNDIR"));
        fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
        need(fd >= 0);
        close(fd);
}

static const struct ipcp_ops fr_ops = {
        .bootstrap       = fr_bootstrap,
        .enroll          = fr_enroll,
        .query           = fr_query,
        .flow_alloc      = fr_flow_alloc,
        .flow_alloc_resp = fr_flow_alloc_resp,
        .flow_dealloc    = fr_flow_dealloc,
        .stat            = fr_stat,
        .fini            = fr_fini,
        .carries_data    = true
};

int main(int     argc,
         char ** argv)
{
        return ipcp_main(argc, argv, IPCP_LOCAL, &fr_ops);
}
