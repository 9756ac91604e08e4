/*
 * Ouroboros IRMd - the --config file (format: doc/irmd.conf.example).
 *
 * One command per line, in the irm tool's grammar (irm(8)):
 *
 *   ipcp create|destroy|bootstrap|enroll|connect|disconnect ...
 *   name create|destroy|register|unregister ...
 *   bind program|process ..., unbind program|process ...
 *
 * The ipcp commands are read by the irm tool's own parser and option
 * table (common/ipcp_cmd.c, common/ipcp_conf.c): the same words,
 * abbreviations, checks and error messages, and the same requests
 * (T_CONF encoded by the same function). The name and bind commands
 * take full keywords.
 *
 * '#' starts a comment, tokens are separated by blanks (no quoting).
 * The whole file is checked before anything runs; then each command is
 * turned into the same requests the irm tool sends and fed through the
 * normal handlers on an internal connection, one at a time, from the
 * event loop. Any failure stops the IRMd: "irmd: PATH:LINE: reason".
 */
#include "irmd.h"
#include "reg_ipcp.h"

#include "common/args.h"
#include "common/ipcp_cmd.h"
#include "common/ipcp_conf.h"
#include "common/ipcp_type.h"
#include "common/log.h"
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

static int check_len(const char * what,
                     const char * s,
                     size_t       max)
{
        if (args_str(what, s, max) < 0)
                FAIL("%s", args_last_err());

        return 0;
}

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
                msg_init(m, M_IPCP_ENROLL, 0, 0);
                msg_put_str(m, T_IPCP_NAME, ic->name);
                msg_put_str(m, T_DST, ic->dst);
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
        bool                      con;

        if (ipcp_cmd_parse(c->argc - 1, c->argv + 1, &ic) < 0)
                FAIL("%s", args_last_err());
        if (ic.op == IPCP_CMD_LIST)
                FAIL("ipcp list has no use in a configuration file");
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
        if (need_ipcp(ic.name) == NULL)
                return -ENOENT;
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

static int build_name(struct cmd * c,
                      struct msg * m)
{
        const char * sub = c->argc > 1 ? c->argv[1] : "";
        const char * name = c->argc > 2 ? c->argv[2] : NULL;
        int          i;

        if (name == NULL)
                FAIL("name %s needs a name", sub);
        if (check_len("name", name, NAME_MAX_LEN) < 0)
                return -EINVAL;

        if (strcmp(sub, "create") == 0 || strcmp(sub, "destroy") == 0) {
                bool     create = sub[0] == 'c';
                uint32_t lb = LB_RR;
                if (c->step > 0)
                        return 0;
                if (create && c->argc == 5 && strcmp(c->argv[3], "lb") == 0) {
                        if (strcmp(c->argv[4], "round-robin") == 0)
                                lb = LB_RR;
                        else if (strcmp(c->argv[4], "spillover") == 0)
                                lb = LB_SPILL;
                        else
                                FAIL("unknown lb policy '%s'", c->argv[4]);
                } else if (c->argc != 3) {
                        FAIL("unexpected '%s'", c->argv[3]);
                }
                msg_init(m, create ? M_NAME_CREATE : M_NAME_DESTROY, 0, 0);
                msg_put_str(m, T_NAME, name);
                if (create)
                        msg_put_u32(m, T_LB, lb);
                return 1;
        }

        if (strcmp(sub, "register") && strcmp(sub, "unregister"))
                FAIL("unknown name command '%s'", sub);
        if (c->argc < 5 || (c->argc - 3) % 2 != 0)
                FAIL("name %s N (ipcp I | layer L)...", sub);
        for (i = 3; i < c->argc; i += 2) {
                bool ipcp = strcmp(c->argv[i], "ipcp") == 0;
                if (!ipcp && strcmp(c->argv[i], "layer") != 0)
                        FAIL("unexpected '%s'", c->argv[i]);
                if (check_len(ipcp ? "IPCP name" : "layer", c->argv[i + 1],
                              LAYER_MAX_LEN) < 0)
                        return -EINVAL;
        }

        i = 3 + 2 * c->step;
        if (i >= c->argc)
                return 0;

        msg_init(m, sub[0] == 'r' ? M_NAME_REG : M_NAME_UNREG, 0, 0);
        msg_put_str(m, T_NAME, name);
        msg_put_str(m, strcmp(c->argv[i], "ipcp") == 0 ? T_IPCP_NAME
                    : T_LAYER, c->argv[i + 1]);

        return 1;
}

/* Resolve a program like the irm tool: a path, or a name in $PATH. */
static int resolve(const char * p,
                   char *       out)
{
        const char * path = getenv("PATH");
        char         buf[PATH_MAX];

        if (strchr(p, '/') != NULL)
                return realpath(p, out) != NULL ? 0 : -1;

        while (path != NULL && *path != '\0') {
                const char * e = strchr(path, ':');
                size_t       n = e != NULL ? (size_t) (e - path)
                                           : strlen(path);
                if (snprintf(buf, sizeof(buf), "%.*s/%s", (int) n, path,
                             p) < (int) sizeof(buf) &&
                    access(buf, X_OK) == 0 && realpath(buf, out) != NULL)
                        return 0;
                path = e != NULL ? e + 1 : NULL;
        }

        return -1;
}

static int build_bind(struct cmd * c,
                      struct msg * m)
{
        bool         unbind = c->argv[0][0] == 'u';
        const char * what = c->argc > 1 ? c->argv[1] : "";
        const char * obj = c->argc > 2 ? c->argv[2] : NULL;
        const char * name = NULL;
        bool         autostart = false;
        int          dashes = c->argc;
        char         prog[PATH_MAX];
        unsigned long pid = 0;
        int          i;

        if (c->step > 0)
                return 0;
        if (obj == NULL)
                FAIL("%s %s needs an argument", c->argv[0], what);

        for (i = 3; i < c->argc; ++i) {
                if (strcmp(c->argv[i], "name") == 0 && i + 1 < c->argc) {
                        name = c->argv[++i];
                } else if (strcmp(c->argv[i], "auto") == 0 && !unbind &&
                           what[0] == 'p' && what[1] == 'r') {
                        autostart = true;
                } else if (strcmp(c->argv[i], "--") == 0 && !unbind &&
                           strcmp(what, "program") == 0) {
                        dashes = i + 1;
                        break;
                } else {
                        FAIL("unexpected '%s'", c->argv[i]);
                }
        }

        if (name == NULL && !unbind)
                FAIL("%s %s needs a name", c->argv[0], what);
        if (name != NULL && check_len("name", name, NAME_MAX_LEN) < 0)
                return -EINVAL;

        if (strcmp(what, "program") == 0) {
                if (resolve(obj, prog) < 0)
                        FAIL("program '%s' not found", obj);
                msg_init(m, unbind ? M_UNBIND_PROG : M_BIND_PROG, 0, 0);
                msg_put_str(m, T_PROG, prog);
                if (!unbind)
                        msg_put_u8(m, T_AUTO, autostart);
                for (i = dashes; i < c->argc; ++i)
                        msg_put_str(m, T_ARG, c->argv[i]);
        } else if (strcmp(what, "process") == 0) {
                if (args_num("process", obj, 1, INT32_MAX, false, &pid) < 0)
                        FAIL("%s", args_last_err());
                msg_init(m, unbind ? M_UNBIND_PROC : M_BIND_PROC, 0, 0);
                msg_put_u32(m, T_PID, (uint32_t) pid);
        } else {
                FAIL("unknown %s target '%s'", c->argv[0], what);
        }

        if (name != NULL)
                msg_put_str(m, T_NAME, name);

        return 1;
}

/* Request number c->step of command c into m: 1, 0 when done, -1. */
static int build(struct cmd * c,
                 struct msg * m,
                 bool         dry)
{
        static const char * const groups[] = {
                "ipcp", "bind", "unbind", "name"
        };
        const char * top = c->argv[0];

        /* the first word abbreviates as on irm's command line */
        switch (args_match(top, groups, ARRAY_LEN(groups))) {
        case 0:
                return build_ipcp(c, m, dry);
        case 1:
        case 2:
                return build_bind(c, m);
        case 3:
                return build_name(c, m);
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

/* What failed, worded as irm words it where irm says more. */
static const char * reply_err(int res)
{
        static char buf[512];
        char        name[IPCP_NAME_MAX_LEN + 1] = "";
        uint32_t    t;

        msg_get_str(msg_body(&cf.m), T_IPCP_NAME, name, IPCP_NAME_MAX_LEN);
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

void config_on_reply(const struct msg * m)
{
        int res = msg_result(m);

        if (!cf.running || !cf.waiting)
                return;

        cf.waiting = false;
        if (res < 0) {
                config_abort(reply_err(res));
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
