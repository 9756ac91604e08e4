/*
 * Ouroboros IRMd - the --config file (format: doc/irmd.conf.example).
 *
 * One command per line, in the irm tool's grammar (irm(8)):
 *
 *   ipcp create|destroy|bootstrap|enroll|connect|disconnect ...
 *   name create|destroy|register|unregister ...
 *   bind program|process|ipcp ..., unbind program|process|ipcp ...
 *
 * Every command is read by the irm tool's own parser (common/ipcp_cmd.c
 * with the option table of common/ipcp_conf.c, common/name_cmd.c,
 * common/bind_cmd.c): the same words, abbreviations, checks and error
 * messages, and the same requests in the same order (T_CONF encoded by
 * the same function). What irm checks before a request (the name
 * exists, the IPCPs are operational, the process exists) is checked
 * here too, with the same words.
 *
 * '#' starts a comment, tokens are separated by blanks (no quoting).
 * The whole file is checked before anything runs; then each command is
 * turned into the same requests the irm tool sends and fed through the
 * normal handlers on an internal connection, one at a time, from the
 * event loop. Any failure stops the IRMd: "irmd: PATH:LINE: reason".
 */
#include "irmd.h"
#include "reg_ipcp.h"
#include "reg_name.h"

#include "common/args.h"
#include "common/bind_cmd.h"
#include "common/ipcp_cmd.h"
#include "common/ipcp_conf.h"
#include "common/ipcp_type.h"
#include "common/log.h"
#include "common/name_cmd.h"
#include "common/proto.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_TOKENS 128

struct cmd {
        struct list_head next;
        int              line;
        int              argc;
        char **          argv;
        int              step;  /* next request of this command */
};

static struct {
        const char *     path;
        struct list_head cmds;
        struct cmd *     cur;
        bool             waiting;  /* a request is in flight */
        bool             running;
        struct msg       m;
} cf = { NULL, LIST_HEAD_INIT(cf.cmds), NULL, false, false, { 0 } };

static char err_buf[512];

#define FAIL(...) do { snprintf(err_buf, sizeof(err_buf), __VA_ARGS__); \
                       return -EINVAL; } while (0)

/* The IPCP named name, or NULL and "no IPCP named N" (as irm says). */
static struct reg_ipcp * need_ipcp(const char * name)
{
        struct reg_ipcp * e = reg_ipcp_get(name);

        if (e == NULL)
                snprintf(err_buf, sizeof(err_buf), "no IPCP named %s", name);

        return e;
}

/* Step 0 of bootstrap and enroll: create the IPCP when it is missing
 * (1, the request in m), check its type when it exists (0). */
static int ipcp_ensure(struct cmd *            c,
                       const struct ipcp_cmd * ic,
                       struct msg *            m)
{
        struct reg_ipcp * e = reg_ipcp_get(ic->name);

        if (e == NULL) {
                if (!ic->has_type && ic->op == IPCP_CMD_BOOTSTRAP)
                        FAIL("no IPCP named %s (give 'type' to create it)",
                             ic->name);
                msg_init(m, M_IPCP_CREATE, 0, 0);
                msg_put_str(m, T_IPCP_NAME, ic->name);
                msg_put_u32(m, T_IPCP_TYPE, ic->type);
                return 1;
        }

        if (ic->has_type && e->type != ic->type)
                FAIL("IPCP %s is of type %s, not %s", ic->name,
                     ipcp_type_name(e->type), ipcp_type_name(ic->type));

        c->step = 1;

        return 0;
}

/* Step 2 and 3 of bootstrap and enroll with autobind: bind the IPCP's
 * process to its name, then to its layer (as irm does). */
static int ipcp_autobind(struct cmd *            c,
                         const struct ipcp_cmd * ic,
                         const struct reg_ipcp * e,
                         struct msg *            m)
{
        const char * layer = ic->layer != NULL ? ic->layer : e->layer;
        const char * name  = c->step == 2 ? ic->name : layer;

        if (!ic->autobind || c->step > 3)
                return 0;
        if (c->step == 3 && (*layer == '\0' || strcmp(layer, ic->name) == 0))
                return 0;

        msg_init(m, M_BIND_PROC, 0, 0);
        msg_put_u32(m, T_PID, (uint32_t) e->pid);
        msg_put_str(m, T_NAME, name);

        return 1;
}

/* Request number c->step of bootstrap or enroll. */
static int build_boot(struct cmd *            c,
                      const struct ipcp_cmd * ic,
                      struct msg *            m)
{
        struct layer_config conf;
        struct reg_ipcp *   e;

        if (c->step == 0) {
                int r = ipcp_ensure(c, ic, m);
                if (r != 0)
                        return r;
        }

        e = need_ipcp(ic->name);
        if (e == NULL)
                return -ENOENT;
        if (c->step > 1)
                return ipcp_autobind(c, ic, e, m);

        if (ic->op == IPCP_CMD_ENROLL) {
                if (ipcp_cmd_unsupported(ic->op, e->type) != NULL)
                        FAIL("%s", ipcp_cmd_unsupported(ic->op, e->type));
                msg_init(m, M_IPCP_ENROLL, 0, 0);
                msg_put_str(m, T_IPCP_NAME, ic->name);
                msg_put_str(m, T_DST, ic->dst);
                if (ic->layer != NULL)
                        msg_put_str(m, T_LAYER, ic->layer);
                return 1;
        }

        if (ipcp_cmd_conf(ic, e->type, &conf) < 0)
                FAIL("%s", args_last_err());
        msg_init(m, M_IPCP_BOOTSTRAP, 0, 0);
        msg_put_str(m, T_IPCP_NAME, ic->name);
        if (ipcp_conf_put(m, &conf) < 0)
                FAIL("ipcp bootstrap: request too large");

        return 1;
}

/*
 * The ipcp commands, parsed by the irm tool's parser (common/ipcp_cmd.c)
 * and turned into the requests irm sends, in the same order: a missing
 * IPCP is created first; connect without a component does mgmt, then dt.
 */
static int build_ipcp(struct cmd * c,
                      struct msg * m,
                      bool         dry)
{
        static const char * const both[] = { "mgmt", "dt" };
        struct ipcp_cmd           ic;
        struct reg_ipcp *         e;
        bool                      con;

        if (ipcp_cmd_parse(c->argc - 1, c->argv + 1, &ic) < 0)
                FAIL("%s", args_last_err());
        if (ic.op == IPCP_CMD_LIST || ic.op == IPCP_CMD_STAT)
                FAIL("ipcp %s has no use in a configuration file",
                     ipcp_cmd_sub_word(ic.op));
        if (dry)
                return 0;

        switch (ic.op) {
        case IPCP_CMD_BOOTSTRAP:
        case IPCP_CMD_ENROLL:
                return build_boot(c, &ic, m);
        case IPCP_CMD_CREATE:
                if (c->step > 0)
                        return 0;
                msg_init(m, M_IPCP_CREATE, 0, 0);
                msg_put_str(m, T_IPCP_NAME, ic.name);
                msg_put_u32(m, T_IPCP_TYPE, ic.type);
                return 1;
        case IPCP_CMD_DESTROY:
                if (c->step > 0)
                        return 0;
                if (need_ipcp(ic.name) == NULL)
                        return -ENOENT;
                msg_init(m, M_IPCP_DESTROY, 0, 0);
                msg_put_str(m, T_IPCP_NAME, ic.name);
                return 1;
        default:
                break;
        }

        if (c->step > (ic.component != NULL ? 0 : 1))
                return 0;
        e = need_ipcp(ic.name);
        if (e == NULL)
                return -ENOENT;
        if (ipcp_cmd_unsupported(ic.op, e->type) != NULL)
                FAIL("%s", ipcp_cmd_unsupported(ic.op, e->type));
        con = ic.op == IPCP_CMD_CONNECT;
        msg_init(m, con ? M_IPCP_CONNECT : M_IPCP_DISCONNECT, 0, 0);
        msg_put_str(m, T_IPCP_NAME, ic.name);
        msg_put_str(m, T_DST, ic.dst);
        msg_put_str(m, T_COMPONENT, ic.component != NULL ? ic.component
                    : both[c->step]);
        if (con)
                msg_put_qos(m, T_QOS, &ic.qos);

        return 1;
}

/* Step 0 of name register and unregister, checked as irm checks: the
 * name (unregister), every target; a missing name is created first
 * (1, the request in m), as irm does, else on to step 1 (0). */
static int name_check(struct cmd *            c,
                      const struct name_cmd * nc,
                      struct msg *            m)
{
        bool               exists = reg_name_get(nc->name) != NULL;
        struct list_head * p;
        size_t             t;

        if (nc->op == NAME_CMD_UNREG && !exists)
                FAIL("name %s not found", nc->name);

        for (t = 0; t < nc->n_targets; ++t) {
                const struct name_target * tg    = &nc->targets[t];
                bool                       found = false;
                bool                       up    = false;

                list_for_each(p, reg_ipcp_all()) {
                        struct reg_ipcp * e;
                        e = list_entry(p, struct reg_ipcp, next);
                        if (strcmp(tg->layer ? e->layer : e->name,
                                   tg->s) != 0)
                                continue;
                        found = true;
                        up |= e->state == IPCP_STATE_OPERATIONAL;
                }
                if (name_cmd_check_target(tg, found, up) < 0)
                        FAIL("%s", args_last_err());
        }

        if (nc->op == NAME_CMD_UNREG || exists) {
                c->step = 1;
                return 0;
        }

        /* step 0 again after the reply: the name exists then */
        msg_init(m, M_NAME_CREATE, 0, 0);
        msg_put_str(m, T_NAME, nc->name);
        msg_put_u32(m, T_LB, LB_RR);

        return 1;
}

/* Request number c->step of a name command. */
static int name_step(struct cmd *            c,
                     const struct name_cmd * nc,
                     struct msg *            m)
{
        const struct name_target * tg;
        bool                       reg = nc->op == NAME_CMD_REG;
        int                        r;

        switch (nc->op) {
        case NAME_CMD_CREATE:
        case NAME_CMD_DESTROY:
                if (c->step > 0)
                        return 0;
                if (nc->op == NAME_CMD_DESTROY &&
                    reg_name_get(nc->name) == NULL)
                        FAIL("name %s not found", nc->name);
                msg_init(m, nc->op == NAME_CMD_CREATE ? M_NAME_CREATE :
                         M_NAME_DESTROY, 0, 0);
                msg_put_str(m, T_NAME, nc->name);
                if (nc->op == NAME_CMD_CREATE)
                        msg_put_u32(m, T_LB, nc->lb);
                return 1;
        default:
                break;
        }

        if (c->step == 0) {
                r = name_check(c, nc, m);
                if (r != 0)
                        return r;
        }

        if ((size_t) c->step > nc->n_targets)
                return 0;

        tg = &nc->targets[c->step - 1];
        msg_init(m, reg ? M_NAME_REG : M_NAME_UNREG, 0, 0);
        msg_put_str(m, T_NAME, nc->name);
        msg_put_str(m, tg->layer ? T_LAYER : T_IPCP_NAME, tg->s);

        return 1;
}

/* The name commands, parsed by irm's parser (common/name_cmd.c) and
 * turned into the requests irm sends, in the same order. */
static int build_name(struct cmd * c,
                      struct msg * m,
                      bool         dry)
{
        struct name_cmd nc;
        int             r = 0;

        if (name_cmd_parse(c->argc - 1, c->argv + 1, &nc) < 0)
                FAIL("%s", args_last_err());
        if (nc.op == NAME_CMD_LIST)
                FAIL("name list has no use in a configuration file");

        if (!dry)
                r = name_step(c, &nc, m);

        name_cmd_fini(&nc);

        return r;
}

/* The bind and unbind commands, parsed by irm's parser
 * (common/bind_cmd.c) into the request irm sends. A program is
 * resolved when the file is read (with the IRMd's $PATH). */
static int build_bind(struct cmd * c,
                      struct msg * m,
                      bool         unbind,
                      bool         dry)
{
        struct bind_cmd   bc;
        struct reg_ipcp * e;
        char              path[PATH_MAX];
        pid_t             pid;
        int               i;

        if (bind_cmd_parse(unbind, c->argc - 1, c->argv + 1, &bc) < 0)
                FAIL("%s", args_last_err());

        if (bc.obj == BIND_CMD_PROGRAM) {
                if (bind_cmd_path(bc.prog, path, unbind) < 0)
                        FAIL("%s", args_last_err());
                if (dry || c->step > 0)
                        return 0;
                msg_init(m, unbind ? M_UNBIND_PROG : M_BIND_PROG, 0, 0);
                msg_put_str(m, T_PROG, path);
                if (bc.name != NULL)
                        msg_put_str(m, T_NAME, bc.name);
                if (!unbind)
                        msg_put_u8(m, T_AUTO, bc.autostart ? 1 : 0);
                for (i = 0; i < bc.n_args; ++i)
                        msg_put_str(m, T_ARG, bc.args[i]);
                return 1;
        }

        if (dry || c->step > 0)
                return 0;

        pid = bc.pid;
        if (bc.obj == BIND_CMD_IPCP) {
                e = need_ipcp(bc.ipcp);
                if (e == NULL)
                        return -ENOENT;
                pid = e->pid;
        } else if (!unbind && bind_cmd_check_pid(pid) < 0) {
                FAIL("%s", args_last_err());
        }

        msg_init(m, unbind ? M_UNBIND_PROC : M_BIND_PROC, 0, 0);
        msg_put_u32(m, T_PID, (uint32_t) pid);
        if (bc.name != NULL)
                msg_put_str(m, T_NAME, bc.name);

        return 1;
}

static const char * const groups[] = { "ipcp", "bind", "unbind", "name" };

enum { G_IPCP = 0, G_BIND, G_UNBIND, G_NAME };

/* Request number c->step of command c into m: 1, 0 when done, -1. */
static int build(struct cmd * c,
                 struct msg * m,
                 bool         dry)
{
        const char * top = c->argv[0];
        int          g;

        /* the first word abbreviates as on irm's command line */
        g = args_match(top, groups, ARRAY_LEN(groups));
        switch (g) {
        case G_IPCP:
                return build_ipcp(c, m, dry);
        case G_BIND:
        case G_UNBIND:
                return build_bind(c, m, g == G_UNBIND, dry);
        case G_NAME:
                return build_name(c, m, dry);
        default:
                FAIL("unknown command '%s' (expected one of: ipcp, bind, "
                     "unbind, name)", top);
        }
}

static void cmd_free(struct cmd * c)
{
        int i;

        for (i = 0; i < c->argc; ++i)
                free(c->argv[i]);
        free(c->argv);
        free(c);
}

static int tokenize(char *       line,
                    struct cmd * c)
{
        char * save;
        char * tok;

        c->argv = calloc(MAX_TOKENS, sizeof(char *));
        if (c->argv == NULL)
                FAIL("out of memory");

        for (tok = strtok_r(line, " \t\r\n", &save); tok != NULL;
             tok = strtok_r(NULL, " \t\r\n", &save)) {
                if (tok[0] == '#')
                        break;
                if (c->argc == MAX_TOKENS)
                        FAIL("too many words (max %d)", MAX_TOKENS);
                c->argv[c->argc] = strdup(tok);
                if (c->argv[c->argc] == NULL)
                        FAIL("out of memory");
                ++c->argc;
        }

        return 0;
}

int config_load(const char * path)
{
        FILE *       f;
        char         line[4096];
        int          ln = 0;
        struct cmd * c;

        cf.path = path;

        f = fopen(path, "r");
        if (f == NULL) {
                fprintf(stderr, "irmd: %s: %s\n", path, strerror(errno));
                return -1;
        }

        while (fgets(line, sizeof(line), f) != NULL) {
                ++ln;
                if (strchr(line, '\n') == NULL && !feof(f)) {
                        snprintf(err_buf, sizeof(err_buf), "line too long");
                        goto fail;
                }
                c = calloc(1, sizeof(*c));
                if (c == NULL) {
                        snprintf(err_buf, sizeof(err_buf), "out of memory");
                        goto fail;
                }
                c->line = ln;
                if (tokenize(line, c) < 0 || (c->argc > 0 &&
                                              build(c, &cf.m, true) < 0)) {
                        cmd_free(c);
                        goto fail;
                }
                if (c->argc == 0) {
                        cmd_free(c);
                        continue;
                }
                list_add_tail(&c->next, &cf.cmds);
        }

        fclose(f);

        return 0;
 fail:
        fprintf(stderr, "irmd: %s:%d: %s\n", path, ln, err_buf);
        fclose(f);
        config_fini();
        return -1;
}

void config_start(void)
{
        cf.running = !list_empty(&cf.cmds);
        cf.cur     = NULL;
        if (cf.running)
                cf.cur = list_entry(cf.cmds.nxt, struct cmd, next);
}

bool config_ready(void)
{
        return cf.running && !cf.waiting;
}

static void config_abort(const char * reason)
{
        fprintf(stderr, "irmd: %s:%d: %s\n", cf.path, cf.cur->line, reason);
        log_err("%s:%d: %s", cf.path, cf.cur->line, reason);
        cf.running = false;
        irmd_stop(1);
}

void config_step(void)
{
        int r;

        while (cf.running && !cf.waiting) {
                r = build(cf.cur, &cf.m, false);
                if (r < 0) {
                        config_abort(err_buf);
                        return;
                }
                if (r == 0) {
                        if (cf.cur->next.nxt == &cf.cmds) {
                                cf.running = false;
                                log_info("Configuration %s applied.",
                                         cf.path);
                                return;
                        }
                        cf.cur = list_entry(cf.cur->next.nxt, struct cmd,
                                            next);
                        continue;
                }
                cf.waiting = true;
                cf.m.id    = 0;
                conn_dispatch(conn_internal(), &cf.m);
                return; /* the reply may come now or later */
        }
}

/* The name command in flight failed with res: its message, as irm
 * words it, into args_last_err(); false when that is only the context. */
static bool name_err(int res)
{
        struct name_cmd nc;
        bool            known;

        if (name_cmd_parse(cf.cur->argc - 1, cf.cur->argv + 1, &nc) < 0)
                return true;

        known = true;
        if (cf.m.type == M_NAME_CREATE && nc.op == NAME_CMD_CREATE &&
            res == -EEXIST)
                args_err("name %s already exists", nc.name);
        else if (cf.m.type == M_NAME_DESTROY &&
                 (res == -ENOENT || res == -ENAME))
                args_err("name %s not found", nc.name);
        else if (cf.m.type == M_NAME_CREATE ||
                 cf.m.type == M_NAME_DESTROY) {
                args_err("cannot %s name %s", cf.m.type == M_NAME_CREATE ?
                         "create" : "destroy", nc.name);
                known = false;
        } else
                known = name_cmd_reg_err(&nc, &nc.targets[cf.cur->step - 1],
                                         res);

        name_cmd_fini(&nc);

        return known;
}

/* The same for a bind or unbind command. */
static bool bind_err(int  res,
                     bool unbind)
{
        struct bind_cmd bc;
        char            path[PATH_MAX] = "";
        uint32_t        pid = 0;

        if (bind_cmd_parse(unbind, cf.cur->argc - 1, cf.cur->argv + 1,
                           &bc) < 0)
                return true;

        msg_get_str(msg_body(&cf.m), T_PROG, path, sizeof(path) - 1);
        msg_get_u32(msg_body(&cf.m), T_PID, &pid);

        return bind_cmd_err(&bc, path, (pid_t) pid, res);
}

/* What failed, worded as irm words it where irm says more; rep is the
 * failed reply. */
static const char * reply_err(int                res,
                              const struct msg * rep)
{
        static char buf[PATH_MAX + 512];
        char        name[IPCP_NAME_MAX_LEN + 1] = "";
        char        info[PROTO_INFO_MAX + 1];
        uint32_t    t;
        int         g = args_match(cf.cur->argv[0], groups,
                                   ARRAY_LEN(groups));
        bool        known;

        if (g == G_NAME || g == G_BIND || g == G_UNBIND) {
                known = g == G_NAME ? name_err(res)
                        : bind_err(res, g == G_UNBIND);
                snprintf(buf, sizeof(buf), "%s%s%s", args_last_err(),
                         known ? "" : ": ", known ? "" : irmd_strerror(res));
                return buf;
        }

        msg_get_str(msg_body(&cf.m), T_IPCP_NAME, name, IPCP_NAME_MAX_LEN);
        if (cf.m.type == M_IPCP_BOOTSTRAP &&
            msg_get_str(msg_body(rep), T_INFO, info, PROTO_INFO_MAX) > 0) {
                snprintf(buf, sizeof(buf), "cannot bootstrap %s: %s", name,
                         info);
                return buf;
        }
        if (cf.m.type == M_IPCP_CREATE && res == -EIPCPTYPE &&
            msg_get_u32(msg_body(&cf.m), T_IPCP_TYPE, &t) == 0) {
                snprintf(buf, sizeof(buf), "IPCP type %s is not available "
                         "in this build", ipcp_type_name(t));
                return buf;
        }
        if (cf.m.type == M_IPCP_CREATE && res == -EEXIST) {
                snprintf(buf, sizeof(buf), "an IPCP named %s already "
                         "exists", name);
                return buf;
        }

        return irmd_strerror(res);
}

/* A registration in a layer that changed nothing failed (as in irm). */
static bool reg_none(const struct msg * m)
{
        uint32_t count = 0;

        if ((cf.m.type != M_NAME_REG && cf.m.type != M_NAME_UNREG) ||
            !msg_has(msg_body(&cf.m), T_LAYER))
                return false;

        msg_get_u32(msg_body(m), T_COUNT, &count);

        return count == 0;
}

void config_on_reply(const struct msg * m)
{
        int res = msg_result(m);

        if (!cf.running || !cf.waiting)
                return;

        cf.waiting = false;
        if (res < 0 || (res == 0 && reg_none(m))) {
                config_abort(reply_err(res, m));
                return;
        }

        ++cf.cur->step;
}

void config_fini(void)
{
        struct list_head * p;
        struct list_head * t;

        list_for_each_safe(p, t, &cf.cmds) {
                list_del(p);
                cmd_free(list_entry(p, struct cmd, next));
        }
        cf.running = false;
}
