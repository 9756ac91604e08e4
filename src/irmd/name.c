/*
 * Ouroboros IRMd - names and bindings: M_NAME_*, M_BIND_*, M_UNBIND_*.
 *
 * Error codes (besides -EBADMSG for a missing or malformed field and
 * -ENAMETOOLONG for an over-long string):
 *   unknown name            -ENAME
 *   unknown IPCP / binding  -ENOENT
 *   name already exists     -EEXIST
 *   empty name, bad policy, relative program path   -EINVAL
 *   bind of a pid that does not exist or never
 *   announced itself (and is no IPCP)               -ESRCH
 *   IPCP not operational    -EIPCPSTATE
 */
#include "irmd.h"
#include "reg_ipcp.h"
#include "reg_name.h"
#include "reg_proc.h"
#include "reg_prog.h"

#include "common/hash.h"
#include "common/log.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static int get_or_create(const char *       name,
                         struct reg_name ** n)
{
        int r;

        *n = reg_name_get(name);
        if (*n != NULL)
                return 0;

        r = reg_name_create(name, LB_RR, n);
        if (r == 0)
                log_info("Created name %s.", name);

        return r;
}

/* M_NAME_CREATE {T_NAME, [T_LB]}: -EEXIST, -EINVAL bad policy. */
void name_h_create(struct conn *      c,
                   const struct msg * m)
{
        char     name[NAME_MAX_LEN + 1];
        uint32_t lb = LB_RR;
        int      r;

        r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        if (r > 0 && msg_has(msg_body(m), T_LB) &&
            msg_get_u32(msg_body(m), T_LB, &lb) < 0)
                r = -EBADMSG;
        if (r > 0 && lb > LB_SPILL)
                r = -EINVAL;
        if (r > 0)
                r = reg_name_create(name, (enum lb_policy) lb, NULL);
        if (r == 0)
                log_info("Created name %s (%s).", name,
                         lb == LB_RR ? "round-robin" : "spillover");

        conn_reply(c, m, r > 0 ? 0 : r);
}

/* Fire-and-forget unregistration of n at every IPCP it is in. */
static void unreg_all(struct reg_name * n)
{
        struct list_head * p;

        list_for_each(p, &n->ipcps) {
                struct reg_name_ipcp * ri;
                struct reg_ipcp *      e;
                struct msg             out;
                uint8_t                h[HASH_MAX_LEN];
                int                    len;

                ri = list_entry(p, struct reg_name_ipcp, next);
                e  = reg_ipcp_get(ri->ipcp);
                if (e == NULL)
                        continue;
                len = reg_name_hash(n, e->hash, h);
                if (len < 0)
                        continue;
                msg_init(&out, M_IPCPD_UNREG, 0, 0);
                msg_put_bytes(&out, T_HASH, h, (size_t) len);
                ipcp_send_req(e, &out, IRMD_IPCP_REQ_NS, NULL, NULL);
        }
}

/* M_NAME_DESTROY {T_NAME}: -ENAME unknown. Unregisters it everywhere
 * and drops program and process bindings. */
void name_h_destroy(struct conn *      c,
                    const struct msg * m)
{
        char              name[NAME_MAX_LEN + 1];
        struct reg_name * n = NULL;
        int               r;

        r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        if (r > 0) {
                n = reg_name_get(name);
                if (n == NULL)
                        r = -ENAME;
        }
        if (r < 0) {
                conn_reply(c, m, r);
                return;
        }

        unreg_all(n);
        reg_prog_unbind_name(name);
        reg_name_destroy(n);
        log_info("Destroyed name %s.", name);
        conn_reply(c, m, 0);
}

static size_t n_procs_alive(const struct reg_name * n)
{
        size_t i;
        size_t cnt = 0;

        for (i = 0; i < n->n_pids; ++i)
                if (proc_alive(n->pids[i]))
                        ++cnt;

        return cnt;
}

/* M_NAME_LIST -> T_ENTRY* {T_NAME, T_LB, T_N_PROCS, T_N_PROGS,
 * T_N_LAYERS}. -EMSGSIZE if it does not fit. */
static int put_name_entry(struct msg *             rep,
                          const struct list_head * p)
{
        struct reg_name * n = list_entry(p, struct reg_name, next);
        int               r = 0;

        r |= msg_put_str(rep, T_NAME, n->name);
        r |= msg_put_u32(rep, T_LB, n->pol);
        r |= msg_put_u32(rep, T_N_PROCS, (uint32_t) n_procs_alive(n));
        r |= msg_put_u32(rep, T_N_PROGS,
                         (uint32_t) reg_prog_count_name(n->name));
        r |= msg_put_u32(rep, T_N_LAYERS, (uint32_t) reg_name_n_layers(n));

        return r;
}

void name_h_list(struct conn *      c,
                 const struct msg * m)
{
        irmd_reply_list(c, m, reg_name_all(), put_name_entry);
}

/* A registration job over one or more IPCPs. */
struct reg_job {
        struct req req;
        char       name[NAME_MAX_LEN + 1];
        bool       unreg;
        int        outstanding;
        int        count;
        int        err;
        bool       ipcp_failed; /* err is an IPCP's answer */
};

static void reg_job_finish(struct reg_job * j)
{
        struct msg out;
        int        res = j->count > 0 ? 0 : j->err;

        req_init_reply(&out, &j->req, res);
        if (res == 0)
                msg_put_u32(&out, T_COUNT, (uint32_t) j->count);
        req_send(&j->req, &out);
        free(j);
}

static void reg_done(void *             ctx,
                     struct reg_ipcp *  e,
                     int                res,
                     const struct msg * rep)
{
        struct reg_job *  j = ctx;
        struct reg_name * n = reg_name_get(j->name);

        (void) rep;

        if (res == -ETIMEDOUT)
                res = -EIPCP;

        if (res == 0) {
                ++j->count;
                if (n != NULL && !j->unreg &&
                    e->state == IPCP_STATE_OPERATIONAL &&
                    reg_name_add_ipcp(n, e->name, e->layer) == 0)
                        log_info("Registered %s with IPCP %s (layer %s).",
                                 j->name, e->name, e->layer);
        } else if (!j->ipcp_failed) {
                /* the first IPCP's refusal says more than the
                 * placeholders (-ENOENT: no IPCP, -EEXIST) */
                j->ipcp_failed = true;
                j->err         = res;
        }

        if (--j->outstanding == 0)
                reg_job_finish(j);
}

/* Send (un)registration of n to e for job j: 0 or -errno. */
static int reg_one(struct reg_job *  j,
                   struct reg_name * n,
                   struct reg_ipcp * e)
{
        struct msg out;
        uint8_t    h[HASH_MAX_LEN];
        int        len;
        int        r;

        len = reg_name_hash(n, e->hash, h);
        if (len < 0)
                return len;

        msg_init(&out, j->unreg ? M_IPCPD_UNREG : M_IPCPD_REG, 0, 0);
        msg_put_bytes(&out, T_HASH, h, (size_t) len);

        if (j->unreg) {
                /* forget at once: flows must not be sent there anymore */
                reg_name_del_ipcp(n, e->name);
                log_info("Unregistered %s from IPCP %s.", n->name, e->name);
        }

        ++j->outstanding;
        r = ipcp_send_req(e, &out, IRMD_IPCP_REQ_NS, reg_done, j);
        if (r < 0)
                --j->outstanding;

        return r;
}

/*
 * M_NAME_REG / M_NAME_UNREG {T_NAME, T_IPCP_NAME | T_LAYER} -> T_COUNT
 * Registration creates the name if needed. With T_IPCP_NAME: -ENOENT
 * unknown IPCP, -EIPCPSTATE not operational, -EEXIST already registered
 * there (reg) / -ENOENT not registered there (unreg). With T_LAYER: every
 * operational IPCP of the layer where the name is not yet (reg) / is
 * (unreg) registered; -ENOENT if the layer has no operational IPCP (or,
 * unreg, the name is in none of them), -EEXIST if the name is in all of
 * them already. Unreg of an unknown name: -ENAME. Otherwise the first
 * IPCP error if no IPCP succeeded.
 */
void name_h_reg(struct conn *      c,
                const struct msg * m)
{
        char               name[NAME_MAX_LEN + 1];
        char               ipcp[IPCP_NAME_MAX_LEN + 1];
        char               layer[LAYER_MAX_LEN + 1];
        bool               unreg = m->type == M_NAME_UNREG;
        bool               by_layer;
        struct reg_name *  n = NULL;
        struct reg_job *   j;
        struct list_head * p;
        int                r;

        r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        by_layer = !msg_has(msg_body(m), T_IPCP_NAME);
        if (r > 0 && by_layer)
                r = irmd_get_str(msg_body(m), T_LAYER, layer, LAYER_MAX_LEN);
        else if (r > 0)
                r = irmd_get_str(msg_body(m), T_IPCP_NAME, ipcp,
                                 IPCP_NAME_MAX_LEN);
        if (r > 0 && !by_layer && reg_ipcp_get(ipcp) == NULL)
                r = -ENOENT;
        if (r > 0 && unreg && (n = reg_name_get(name)) == NULL)
                r = -ENAME;
        if (r > 0 && !unreg)
                r = get_or_create(name, &n);
        if (r < 0) {
                conn_reply(c, m, r);
                return;
        }

        j = calloc(1, sizeof(*j));
        if (j == NULL) {
                conn_reply(c, m, -ENOMEM);
                return;
        }
        strcpy(j->name, name);
        j->unreg = unreg;
        j->err   = -ENOENT;
        req_park(&j->req, c, m);
        ++j->outstanding; /* held while sending */

        if (!by_layer) {
                struct reg_ipcp * e = reg_ipcp_get(ipcp);
                bool              has = reg_name_has_ipcp(n, ipcp);
                if (e->state != IPCP_STATE_OPERATIONAL && !unreg)
                        j->err = -EIPCPSTATE;
                else if (!unreg && has)
                        j->err = -EEXIST;
                else if (unreg && !has)
                        j->err = -ENOENT;
                else if ((r = reg_one(j, n, e)) < 0)
                        j->err = r;
        } else {
                list_for_each(p, reg_ipcp_all()) {
                        struct reg_ipcp * e;
                        e = list_entry(p, struct reg_ipcp, next);
                        if (e->state != IPCP_STATE_OPERATIONAL ||
                            strcmp(e->layer, layer) != 0)
                                continue;
                        if (reg_name_has_ipcp(n, e->name) != unreg) {
                                /* nothing to do at this one */
                                if (!unreg && j->err == -ENOENT)
                                        j->err = -EEXIST;
                                continue;
                        }
                        r = reg_one(j, n, e);
                        if (r < 0 && (j->err == -ENOENT || j->err == -EEXIST))
                                j->err = r;
                }
        }

        if (--j->outstanding == 0)
                reg_job_finish(j);
}

/* Bind every running process of program path to name. */
static void bind_running(const char *      path,
                         struct reg_name * n)
{
        struct list_head * p;

        list_for_each(p, reg_proc_all()) {
                struct reg_proc * pr = list_entry(p, struct reg_proc, next);
                if (strcmp(pr->prog, path) == 0 &&
                    reg_name_bind_pid(n, pr->pid) == 0)
                        log_info("Bound process %d to %s.", pr->pid,
                                 n->name);
        }
}

/*
 * M_BIND_PROG {T_PROG, T_NAME, [T_AUTO], T_ARG*}: creates the name if
 * needed; running processes of the program are bound too.
 * -EINVAL relative path, bad T_AUTO or more than 64 args, -EEXIST bound.
 */
void name_h_bind_prog(struct conn *      c,
                      const struct msg * m)
{
        char              prog[IRMD_PROG_MAX];
        char              name[NAME_MAX_LEN + 1];
        char *            args[REG_PROG_MAX_ARGS];
        uint8_t           autostart = 0;
        size_t            argc = msg_count(msg_body(m), T_ARG);
        struct reg_name * n;
        int               r;

        memset(args, 0, sizeof(args));
        r = irmd_get_str(msg_body(m), T_PROG, prog, sizeof(prog) - 1);
        if (r > 0)
                r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        if (r > 0 && prog[0] != '/')
                r = -EINVAL;
        if (r > 0 && msg_has(msg_body(m), T_AUTO) &&
            msg_get_u8(msg_body(m), T_AUTO, &autostart) < 0)
                r = -EBADMSG;
        if (r > 0 && (autostart > 1 || argc > REG_PROG_MAX_ARGS))
                r = -EINVAL;
        if (r > 0) {
                int e = irmd_get_args(msg_body(m), args, argc);
                if (e < 0)
                        r = e;  /* r > 0 is "ok so far" here */
        }
        if (r > 0)
                r = get_or_create(name, &n);
        if (r >= 0)
                r = reg_prog_bind(prog, name, autostart, (int) argc, args);
        if (r == 0) {
                log_info("Bound program %s to %s%s.", prog, name,
                         autostart ? " (auto-start)" : "");
                bind_running(prog, n);
                flow_kick();
        }

        irmd_free_args(args, REG_PROG_MAX_ARGS);

        conn_reply(c, m, r > 0 ? 0 : r);
}

/*
 * M_UNBIND_PROG {T_PROG, [T_NAME]}: -ENOENT no such binding. Running
 * processes stay bound until they exit or are unbound.
 */
void name_h_unbind_prog(struct conn *      c,
                        const struct msg * m)
{
        char prog[IRMD_PROG_MAX];
        char name[NAME_MAX_LEN + 1];
        bool all = !msg_has(msg_body(m), T_NAME);
        int  r;

        r = irmd_get_str(msg_body(m), T_PROG, prog, sizeof(prog) - 1);
        if (r > 0 && !all)
                r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        if (r > 0)
                r = reg_prog_unbind(prog, all ? NULL : name);
        if (r > 0)
                log_info("Unbound program %s from %s.", prog,
                         all ? "all names" : name);

        conn_reply(c, m, r > 0 ? 0 : r);
}

/* Read T_PID: 0 or -errno. */
static int get_pid(const struct msg * m,
                   pid_t *            pid)
{
        uint32_t v;

        if (msg_get_u32(msg_body(m), T_PID, &v) < 0)
                return -EBADMSG;
        if (v == 0 || v > INT32_MAX)
                return -EINVAL;

        *pid = (pid_t) v;

        return 0;
}

/*
 * M_BIND_PROC {T_PID, T_NAME}: the process must be one this IRMd knows:
 * it announced itself (it uses the library) or it is an IPCP; creates
 * the name if needed. -ESRCH no such process (or not one of ours),
 * -EEXIST already bound, -ENOSPC too many processes on the name.
 */
void name_h_bind_proc(struct conn *      c,
                      const struct msg * m)
{
        char              name[NAME_MAX_LEN + 1];
        struct reg_name * n;
        pid_t             pid = 0;
        int               r;

        r = get_pid(m, &pid);
        if (r == 0)
                r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
        if (r >= 0 && (!proc_alive(pid) ||
                       (reg_proc_get(pid) == NULL &&
                        reg_ipcp_by_pid(pid) == NULL)))
                r = -ESRCH;
        if (r >= 0)
                r = get_or_create(name, &n);
        if (r >= 0)
                r = reg_name_bind_pid(n, pid);
        if (r == 0) {
                log_info("Bound process %d to %s.", pid, name);
                flow_kick();
        } else if (r == -ESRCH) {
                log_dbg("Bind of process %d refused: not a process of "
                        "ours.", pid);
        }

        conn_reply(c, m, r > 0 ? 0 : r);
}

/*
 * M_UNBIND_PROC {T_PID, [T_NAME]}: -ENAME unknown name, -ENOENT not
 * bound (to that name / to any name).
 */
void name_h_unbind_proc(struct conn *      c,
                        const struct msg * m)
{
        char              name[NAME_MAX_LEN + 1];
        struct reg_name * n;
        pid_t             pid = 0;
        int               r;

        r = get_pid(m, &pid);
        if (r == 0 && msg_has(msg_body(m), T_NAME)) {
                r = irmd_get_str(msg_body(m), T_NAME, name, NAME_MAX_LEN);
                if (r > 0) {
                        n = reg_name_get(name);
                        r = n == NULL ? -ENAME : reg_name_unbind_pid(n, pid);
                }
                if (r == 0)
                        log_info("Unbound process %d from %s.", pid, name);
        } else if (r == 0) {
                r = reg_name_unbind_pid_all(pid) > 0 ? 0 : -ENOENT;
                if (r == 0)
                        log_info("Unbound process %d from all names.", pid);
        }

        conn_reply(c, m, r > 0 ? 0 : r);
}

void name_ipcp_gone(struct reg_ipcp * e)
{
        size_t n = reg_name_del_ipcp_all(e->name);

        if (n > 0)
                log_info("Unregistered %zu name(s) from IPCP %s.", n,
                         e->name);
}
