/*
 * Ouroboros - irm: running the ipcp commands.
 *
 * Commands that act on an existing IPCP look it up first, so that a
 * wrong name gives "no IPCP named X" whatever the IRMd would answer,
 * and so that what its type cannot do (enroll in an eth layer...) is
 * refused with the reason (common/ipcp_cmd.c) before asking; an IPCP
 * that answers -ENOTSUP gets the same words.
 */
#include "common/args.h"
#include "cmd.h"
#include "ustat.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int irm_find_ipcp(const char *            name,
                  struct ipcp_list_info * out)
{
        struct ipcp_list_info * list;
        ssize_t                 n;
        ssize_t                 i;
        int                     found = 0;

        n = irm_list_ipcps(&list);
        if (n < 0)
                return (int) n;

        for (i = 0; i < n && !found; ++i) {
                if (strcmp(list[i].name, name) != 0)
                        continue;
                found = 1;
                if (out != NULL)
                        *out = list[i];
        }

        free(list);

        return found;
}

/* The IPCP named name into info, or an error recorded. */
static int need_ipcp(const char *            name,
                     struct ipcp_list_info * info)
{
        int r = irm_find_ipcp(name, info);

        if (r < 0)
                return irm_fail(r, "cannot list IPCPs");
        if (r == 0) {
                args_err("no IPCP named %s", name);
                return IRM_EFAIL;
        }

        return IRM_OK;
}

static int create_fail(int            err,
                       const char *   name,
                       enum ipcp_type t)
{
        if (err == -EIPCPTYPE) {
                args_err("IPCP type %s is not available in this build",
                         irm_ipcp_type_str(t));
                return IRM_EFAIL;
        }

        if (err == -EEXIST) {
                args_err("an IPCP named %s already exists", name);
                return IRM_EFAIL;
        }

        return irm_fail(err, "cannot create IPCP %s", name);
}

/* The IPCP of type t cannot do op: IRM_EFAIL with the reason. */
static int unsupported(const struct irm_cmd * cmd,
                       enum ipcp_cmd_op       op,
                       enum ipcp_type         t)
{
        const char * why = ipcp_cmd_unsupported(op, t);

        if (why != NULL)
                args_err("%s", why);
        else
                args_err("IPCP %s (type %s) does not support %s", cmd->name,
                         irm_ipcp_type_str(t), ipcp_cmd_sub_word(op));

        return IRM_EFAIL;
}

static int run_create(const struct irm_cmd * cmd)
{
        pid_t pid = irm_create_ipcp(cmd->name, cmd->type);

        if (pid < 0)
                return create_fail((int) pid, cmd->name, cmd->type);

        return IRM_OK;
}

static int run_destroy(const struct irm_cmd * cmd)
{
        int r = need_ipcp(cmd->name, NULL);

        if (r != IRM_OK)
                return r;

        r = irm_destroy_ipcp(cmd->name);
        if (r == -ENOENT) {
                args_err("no IPCP named %s", cmd->name);
                return IRM_EFAIL;
        }
        if (r < 0)
                return irm_fail(r, "cannot destroy IPCP %s", cmd->name);

        return IRM_OK;
}

/* Bind the IPCP's process to its own name and to its layer. */
static int autobind(const char * name,
                    const char * layer)
{
        struct ipcp_list_info info;
        int                   r;

        r = need_ipcp(name, &info);
        if (r != IRM_OK)
                return r;

        if (layer == NULL || *layer == '\0')
                layer = info.layer;

        r = irm_bind_process(info.pid, name);
        if (r < 0)
                return irm_fail(r, "cannot bind IPCP %s to name %s",
                                name, name);

        if (*layer == '\0' || strcmp(layer, name) == 0)
                return IRM_OK;

        r = irm_bind_process(info.pid, layer);
        if (r < 0)
                return irm_fail(r, "cannot bind IPCP %s to name %s",
                                name, layer);

        return IRM_OK;
}

static int run_bootstrap(const struct irm_cmd * cmd)
{
        struct ipcp_list_info info;
        struct layer_config   conf;
        enum ipcp_type        t = cmd->type;
        char                  why[IPCP_INFO_MAX_LEN + 1];
        bool                  created;
        int                   r;

        r = irm_find_ipcp(cmd->name, &info);
        if (r < 0)
                return irm_fail(r, "cannot list IPCPs");

        if (r == 0 && !cmd->has_type) {
                args_err("no IPCP named %s (give 'type' to create it)",
                         cmd->name);
                return IRM_EFAIL;
        }

        if (r == 1) {
                if (cmd->has_type && info.type != cmd->type) {
                        args_err("IPCP %s is of type %s, not %s", cmd->name,
                                 irm_ipcp_type_str(info.type),
                                 irm_ipcp_type_str(cmd->type));
                        return IRM_EFAIL;
                }
                t = info.type;
        }

        if (irm_boot_conf(cmd, t, &conf) < 0)
                return IRM_EUSAGE;

        created = r == 0;
        r = irm_bootstrap_ipcp_info(cmd->name, &conf, why, sizeof(why));
        /* An IPCP this command created and could not bootstrap is of
         * no use: remove it, so the command can simply be repeated. */
        if (r < 0 && created && r != -EEXIST && r != -EIPCPTYPE)
                irm_destroy_ipcp(cmd->name);
        if (r < 0 && why[0] != '\0') {
                /* the IPCP's own reason: "no such interface veth9" */
                args_err("cannot bootstrap %s: %s", cmd->name, why);
                return IRM_EFAIL;
        }
        if (r == -EIPCPTYPE || r == -EEXIST)
                return create_fail(r, cmd->name, t);
        if (r == -EIPCPSTATE) {
                args_err("IPCP %s cannot be bootstrapped in its state "
                         "(already in a layer?)", cmd->name);
                return IRM_EFAIL;
        }
        if (r < 0)
                return irm_fail(r, "bootstrap of IPCP %s in layer %s failed",
                                cmd->name, cmd->layer);

        return cmd->autobind ? autobind(cmd->name, cmd->layer) : IRM_OK;
}

static int run_enroll(const struct irm_cmd * cmd)
{
        struct ipcp_list_info info;
        int                   r;

        r = irm_find_ipcp(cmd->name, &info);
        if (r < 0)
                return irm_fail(r, "cannot list IPCPs");

        if (r == 0) {
                pid_t pid = irm_create_ipcp(cmd->name, cmd->type);
                if (pid < 0 && pid != -EEXIST)
                        return create_fail((int) pid, cmd->name, cmd->type);
                info.type = cmd->type;
        } else if (cmd->has_type && info.type != cmd->type) {
                args_err("IPCP %s is of type %s, not %s", cmd->name,
                         irm_ipcp_type_str(info.type),
                         irm_ipcp_type_str(cmd->type));
                return IRM_EFAIL;
        } else if (ipcp_cmd_unsupported(IPCP_CMD_ENROLL,
                                        info.type) != NULL) {
                return unsupported(cmd, IPCP_CMD_ENROLL, info.type);
        }

        r = irm_enroll_ipcp_layer(cmd->name, cmd->layer, cmd->dst);
        if (r == -ENOTSUP)
                return unsupported(cmd, IPCP_CMD_ENROLL, info.type);
        if (r == -EIPCPSTATE) {
                args_err("IPCP %s cannot enroll in its state "
                         "(already in a layer?)", cmd->name);
                return IRM_EFAIL;
        }
        if (r == -ENAME) {
                args_err("enrollment of IPCP %s failed: no member answers "
                         "to %s in the layers below (is the name "
                         "registered there?)", cmd->name, cmd->dst);
                return IRM_EFAIL;
        }
        if (r == -EPERM && cmd->layer != NULL) {
                args_err("enrollment of IPCP %s failed: %s refused it "
                         "(is it a member of layer %s? its log says)",
                         cmd->name, cmd->dst, cmd->layer);
                return IRM_EFAIL;
        }
        if (r < 0)
                return irm_fail(r, "enrollment of IPCP %s with %s failed",
                                cmd->name, cmd->dst);

        return cmd->autobind ? autobind(cmd->name, cmd->layer) : IRM_OK;
}

static int run_conn(const struct irm_cmd * cmd)
{
        bool                      conn   = cmd->op == OP_IPCP_CONNECT;
        enum ipcp_cmd_op          op     = conn ? IPCP_CMD_CONNECT
                : IPCP_CMD_DISCONNECT;
        struct ipcp_list_info     info;
        const char * const *      comps;
        const char *              why;
        size_t                    i;
        int                       r;

        r = need_ipcp(cmd->name, &info);
        if (r != IRM_OK)
                return r;
        if (ipcp_cmd_unsupported(op, info.type) != NULL)
                return unsupported(cmd, op, info.type);
        why = ipcp_cmd_comp_unsupported(info.type, cmd->component);
        if (why != NULL) {
                args_err("%s", why);
                return IRM_EFAIL;
        }

        comps = ipcp_cmd_comps(info.type);
        for (i = 0; comps[i] != NULL; ++i) {
                const char * c = cmd->component != NULL ?
                        cmd->component : comps[i];

                if (conn)
                        r = irm_connect_ipcp(cmd->name, cmd->dst, c,
                                             cmd->qos);
                else
                        r = irm_disconnect_ipcp(cmd->name, cmd->dst, c);
                if (r == -ENOTSUP)
                        return unsupported(cmd, op, info.type);
                if (r == -EEXIST && conn) {
                        args_err("IPCP %s is already connected to %s (%s) "
                                 "with another QoS: disconnect first",
                                 cmd->name, cmd->dst, c);
                        return IRM_EFAIL;
                }
                if (r < 0)
                        return irm_fail(r, "%s of IPCP %s %s %s (%s) failed",
                                        conn ? "connect" : "disconnect",
                                        cmd->name, conn ? "to" : "from",
                                        cmd->dst, c);
                if (cmd->component != NULL)
                        break;
        }

        return IRM_OK;
}

static int run_list(void)
{
        struct ipcp_list_info * list;
        ssize_t                 n;
        ssize_t                 i;
        int                     wn = 4;
        int                     wl = 5;
        bool                    info = false;

        n = irm_list_ipcps(&list);
        if (n < 0)
                return irm_fail((int) n, "cannot list IPCPs");

        if (n == 0) {
                printf("no IPCPs\n");
                return IRM_OK;
        }

        for (i = 0; i < n; ++i) {
                int ln = (int) strlen(list[i].name);
                int ll = (int) strlen(list[i].layer);
                wn = ln > wn ? ln : wn;
                wl = ll > wl ? ll : wl;
        }

        /* The info column (free text, last) only when some IPCP has
         * a line: the classic five columns stay as they were. */
        for (i = 0; i < n && !info; ++i)
                info = list[i].info[0] != '\0';

        printf("%8s  %-9s  %-*s  %-*s  %s%s\n", "pid", "type", wn, "name",
               wl, "layer", info ? "state        " : "state",
               info ? "info" : "");

        for (i = 0; i < n; ++i) {
                const char * st = irm_ipcp_state_str(list[i].state);

                printf("%8d  %-9s  %-*s  %-*s  %-*s%s%s\n",
                       (int) list[i].pid, irm_ipcp_type_str(list[i].type),
                       wn, list[i].name, wl,
                       list[i].layer[0] != '\0' ? list[i].layer : "-",
                       info ? 11 : 0, st, info ? "  " : "",
                       !info ? "" : list[i].info[0] != '\0' ?
                       list[i].info : "-");
        }

        free(list);

        return IRM_OK;
}

/* "name value" per counter, in the IPCP's order; a unicast member's
 * address, neighbours, routes, directory and links as tables first
 * (ustat.h). */
static int run_stat(const struct irm_cmd * cmd)
{
        struct ipcp_stat_entry * st;
        struct ipcp_list_info    info;
        ssize_t                  n;
        ssize_t                  i;
        int                      r;

        r = need_ipcp(cmd->name, &info);
        if (r != IRM_OK)
                return r;

        n = irm_ipcp_stat(cmd->name, &st);
        if (n == -ENOTSUP) {
                args_err("IPCP %s (type %s) keeps no counters", cmd->name,
                         irm_ipcp_type_str(info.type));
                return IRM_EFAIL;
        }
        if (n == -ENOENT) {
                args_err("no IPCP named %s", cmd->name);
                return IRM_EFAIL;
        }
        if (n == -EIPCPSTATE) {
                args_err("IPCP %s is still starting", cmd->name);
                return IRM_EFAIL;
        }
        if (n < 0)
                return irm_fail((int) n, "cannot get the counters of IPCP "
                                "%s", cmd->name);

        if (info.type == IPCP_UNICAST) {
                r = ustat_print(stdout, st, (size_t) n);
                free(st);
                return r < 0 ? irm_fail(r, "cannot print the state of "
                                        "IPCP %s", cmd->name) : IRM_OK;
        }

        for (i = 0; i < n; ++i)
                printf("%s %llu\n", st[i].name,
                       (unsigned long long) st[i].value);

        free(st);

        return IRM_OK;
}

int ipcp_run(const struct irm_cmd * cmd)
{
        switch (cmd->op) {
        case OP_IPCP_CREATE:
                return run_create(cmd);
        case OP_IPCP_DESTROY:
                return run_destroy(cmd);
        case OP_IPCP_BOOTSTRAP:
                return run_bootstrap(cmd);
        case OP_IPCP_ENROLL:
                return run_enroll(cmd);
        case OP_IPCP_CONNECT:
        case OP_IPCP_DISCONNECT:
                return run_conn(cmd);
        case OP_IPCP_LIST:
                return run_list();
        case OP_IPCP_STAT:
                return run_stat(cmd);
        default:
                args_err("internal error: not an ipcp command");
                return IRM_EFAIL;
        }
}
