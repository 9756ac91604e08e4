/*
 * Ouroboros - ipcpd-broadcast's membership: bootstrap (the first
 * member), enrollment of a new member (it fetches the layer's
 * configuration over an "enroll" lower flow, wire.h) and a member's
 * answer to it.
 */
#include "bc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static void expire_cb(void * arg)
{
        (void) arg;

        bc_dup_expire(bc.dup, ipcp_now_ms());
        bc.expire = ipcp_timer_add(BC_EXPIRE_MS, expire_cb, NULL);
}

/* Take the configuration c and start: 0 or a negative errno, with the
 * reason in at. */
int bc_operate(const struct bc_conf * c,
                   struct ipcp_attach *   at)
{
        int n;
        int err;

        n = hash_name(c->hash, c->layer, bc.lhash);
        if (n < 0)
                return n;

        bc.buf_len = (size_t) c->mtu + BC_HDR_LEN + 1;
        bc.rbuf    = malloc(bc.buf_len);
        bc.wbuf    = malloc(bc.buf_len);
        bc.dup     = bc_dup_create(BC_DUP_ORIGINS, BC_DUP_IDLE_MS,
                                   BC_DUP_HOLD_MS);
        if (bc.rbuf == NULL || bc.wbuf == NULL || bc.dup == NULL) {
                free(bc.rbuf);
                free(bc.wbuf);
                bc.rbuf = NULL;
                bc.wbuf = NULL;
                bc_dup_destroy(bc.dup);
                bc.dup = NULL;
                return -ENOMEM;
        }
        bc.lhash_len = (size_t) n;
        bc.conf      = *c;

        if (getrandom(&bc.id, sizeof(bc.id), 0) != sizeof(bc.id) ||
            bc.id == 0)
                bc.id = (uint64_t) ipcp_now_ms() << 20 ^ (uint64_t) getpid();

        if (!bc.listening) {
                err = ipcp_lower_listen(bc_lower_cb, NULL);
                if (err < 0 && err != -EALREADY)
                        log_warn("Not accepting lower flows: %d.", err);
                else
                        bc.listening = true;
        }

        bc.expire = ipcp_timer_add(BC_EXPIRE_MS, expire_cb, NULL);
        bc.state  = BC_OPER;

        at->max_pkt = c->mtu;
        snprintf(at->info, sizeof(at->info), "mtu %u neighbours %zu",
                 c->mtu, bc.n_nb);

        log_info("Member %016llx of broadcast layer %s (%s, mtu %u).",
                 (unsigned long long) bc.id, c->layer,
                 hash_algo_str(c->hash), c->mtu);

        return 0;
}

int bc_bootstrap(struct msg_view      conf,
                        struct ipcp_attach * at)
{
        struct layer_config lc;
        struct bc_conf      c;
        int                 err;

        if (bc.state != BC_INIT)
                return -EIPCPSTATE;

        err = ipcp_conf_get(conf, &lc);
        if (err < 0) {
                snprintf(at->info, sizeof(at->info), "bad configuration");
                return err;
        }
        if (lc.type != IPCP_BROADCAST)
                return -EIPCPTYPE;
        if (lc.mtu < BC_MTU_MIN) {
                snprintf(at->info, sizeof(at->info), "bad mtu %u", lc.mtu);
                return -EINVAL;
        }

        memset(&c, 0, sizeof(c));
        snprintf(c.layer, sizeof(c.layer), "%s", lc.layer);
        c.hash = lc.hash;
        c.mtu  = lc.mtu;

        return bc_operate(&c, at);
}

/* ---- enrollment: the new member's side ---- */

static void enr_end(int                    err,
                    const struct bc_conf * c)
{
        struct ipcp_enrolling * e = bc.enr;
        struct ipcp_attach      at;
        struct msg *            extra;

        bc.enr = NULL;
        if (e->t != NULL)
                ipcp_timer_cancel(e->t);
        if (e->fd >= 0) {
                ipcp_flow_unwatch(e->fd);
                flow_dealloc(e->fd);
        }

        memset(&at, 0, sizeof(at));
        extra = NULL;
        if (err == 0) {
                err = bc_operate(c, &at);
                extra = malloc(sizeof(*extra));
                if (extra == NULL && err == 0)
                        err = -ENOMEM;
        }
        if (err == 0) {
                msg_init(extra, 0, 0, 0);
                if (msg_put_str(extra, T_LAYER, c->layer) < 0 ||
                    msg_put_u32(extra, T_HASH_ALGO, (uint32_t) c->hash) < 0)
                        err = -ENOMEM;
        }

        if (err < 0) {
                bc.state = BC_INIT;
                if (at.info[0] == '\0')
                        snprintf(at.info, sizeof(at.info),
                                 "enrollment with %.160s failed: %.40s",
                                 e->dst, strerror(-err));
                log_warn("Enrollment with %s failed: %d.", e->dst, err);
        } else {
                log_info("Enrolled with %s.", e->dst);
        }

        if (ipcp_answer_ext(e->tok, err, extra, &at) < 0)
                log_warn("Could not answer the enrollment request.");

        free(extra);
        free(e);
}

static void enr_timeout(void * arg)
{
        (void) arg;

        bc.enr->t = NULL;
        enr_end(-ETIMEDOUT, NULL);
}

static void enr_flow_cb(void * arg,
                        int    fd,
                        int    events)
{
        uint8_t        buf[BC_ENR_ANS_MAX + 1];
        struct bc_conf c;
        ssize_t        n;

        (void) arg;

        n = flow_read(fd, buf, sizeof(buf));
        if (n == -EAGAIN) {
                if (events & (FLOW_DEALLOC | FLOW_DOWN))
                        enr_end(-ECONNRESET, NULL);
                return;
        }
        if (n < 0) {
                enr_end(n == -EFLOWDOWN ? -ECONNRESET : (int) n, NULL);
                return;
        }

        memset(&c, 0, sizeof(c));
        if (bc_enr_ans_parse(buf, (size_t) n, &c) < 0) {
                ++bc.c[C_MALFORMED];
                log_warn("Malformed enrollment answer from %s.",
                         bc.enr->dst);
                enr_end(-EBADMSG, NULL);
                return;
        }

        enr_end(0, &c);
}

static void enr_conn_cb(void *                    arg,
                        int                       fd,
                        int                       result,
                        const struct lower_info * ans)
{
        uint8_t buf[BC_ENR_REQ_LEN];
        ssize_t n;
        int     err;

        (void) arg;
        (void) ans;

        if (fd < 0) {
                enr_end(result < 0 ? result : -EIPCP, NULL);
                return;
        }

        bc.enr->fd = fd;
        ipcp_flow_nonblock(fd);

        n   = bc_enr_req_put(buf, sizeof(buf));
        err = (int) flow_write(fd, buf, (size_t) n);
        if (err >= 0)
                err = ipcp_flow_watch(fd, enr_flow_cb, NULL);
        if (err >= 0) {
                bc.enr->t = ipcp_timer_add(LOWER_HANDSHAKE_MS, enr_timeout,
                                           NULL);
                if (bc.enr->t != NULL)
                        return;
                err = -ENOMEM;
        }

        enr_end(err, NULL);
}

int bc_enroll(const char *         dst,
              struct msg *         rep,
              struct ipcp_attach * at)
{
        int err;

        (void) rep;
        (void) at;

        if (bc.state != BC_INIT)
                return -EIPCPSTATE;

        err = ipcp_enroll_lower(&bc.enr, dst, BC_COMP_ENROLL, BC_VERSION,
                                BC_CONNECT_MS, enr_conn_cb, NULL);
        if (err < 0)
                return err;

        bc.state = BC_ENROLLING;

        return IPCP_LATER;
}

/* ---- enrollment: the member's side ---- */

static void mbr_close(struct pend * e)
{
        ipcp_flow_unwatch(e->fd);
        flow_dealloc(e->fd);
        free(e);
}

static void mbr_timeout(void * arg)
{
        struct pend * e = arg;

        e->t = NULL;
        mbr_close(e);
}

static void mbr_end(struct pend * e)
{
        if (e->t != NULL)
                ipcp_timer_cancel(e->t);
        mbr_close(e);
}

static void mbr_flow_cb(void * arg,
                        int    fd,
                        int    events)
{
        struct pend * e = arg;
        uint8_t       buf[BC_ENR_ANS_MAX];
        ssize_t       n;

        n = flow_read(fd, buf, sizeof(buf));
        if (n == -EAGAIN) {
                if (events & (FLOW_DEALLOC | FLOW_DOWN))
                        mbr_end(e); /* the new member is done */
                return;
        }
        if (n < 0) {
                mbr_end(e);
                return;
        }

        if (e->answered || bc_enr_req_parse(buf, (size_t) n) < 0) {
                ++bc.c[C_MALFORMED];
                log_warn("Malformed enrollment request from %s.", e->dst);
                mbr_end(e);
                return;
        }

        e->answered = true; /* wait for the new member to close */
        n = bc_enr_ans_put(buf, sizeof(buf), &bc.conf);
        if (n < 0 || flow_write(fd, buf, (size_t) n) < 0) {
                log_warn("Could not answer the enrollment of %s.", e->dst);
                mbr_end(e);
                return;
        }

        ++bc.c[C_ENROLLED_OTHERS];
        log_info("Sent the layer's configuration to %s.", e->dst);
}

/* ---- enrollment: accepting the new member's flow ---- */

int bc_accept_enroll(int                       fd,
                         const struct lower_info * req)
{
        struct pend * e;

        e = calloc(1, sizeof(*e));
        if (e == NULL)
                return -ENOMEM;

        e->fd = fd;
        snprintf(e->dst, sizeof(e->dst), "%s", req->name);
        ipcp_flow_nonblock(fd);
        if (ipcp_flow_watch(fd, mbr_flow_cb, e) < 0) {
                free(e);
                return -ENOMEM;
        }
        e->t = ipcp_timer_add(BC_ENR_HOLD_MS, mbr_timeout, e);
        if (e->t == NULL) {
                ipcp_flow_unwatch(fd);
                free(e);
                return -ENOMEM;
        }

        return 0;
}

