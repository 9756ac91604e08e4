/*
 * Ouroboros - irm: a parsed command and the functions of each group.
 *
 * Parsing (irm_parse and the *_parse functions) only checks the command
 * line and fills a struct irm_cmd; it never talks to the IRMd, so the
 * unit test in tests/ drives it directly. Running (irm_run and the *_run
 * functions) does the requests and prints results.
 *
 * Exit codes: IRM_OK, IRM_EUSAGE (the command line is wrong),
 * IRM_EFAIL (the operation failed: reported by the IRMd, or no IRMd).
 */
#ifndef OUROBOROS_IRM_CMD_H
#define OUROBOROS_IRM_CMD_H

#include "common/bind_cmd.h"
#include "common/ipcp_cmd.h"
#include "common/name_cmd.h"

#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define IRM_OK     0
#define IRM_EUSAGE 1
#define IRM_EFAIL  2

enum irm_group {
        G_TOP = 0,
        G_IPCP,
        G_NAME,
        G_BIND,
        G_UNBIND,
        G_LAYER
};

enum irm_op {
        OP_USAGE = 0,        /* print the usage of cmd->group */
        OP_IPCP_CREATE,
        OP_IPCP_DESTROY,
        OP_IPCP_BOOTSTRAP,
        OP_IPCP_ENROLL,
        OP_IPCP_CONNECT,
        OP_IPCP_DISCONNECT,
        OP_IPCP_LIST,
        OP_IPCP_STAT,
        OP_NAME_CREATE,
        OP_NAME_DESTROY,
        OP_NAME_REG,
        OP_NAME_UNREG,
        OP_NAME_LIST,
        OP_BIND_PROG,
        OP_BIND_PROC,
        OP_BIND_IPCP,
        OP_UNBIND_PROG,
        OP_UNBIND_PROC,
        OP_UNBIND_IPCP,
        OP_LAYER_GRAPH
};

struct irm_cmd {
        enum irm_op         op;
        enum irm_group      group;     /* for OP_USAGE */
        const char *        usage_of;  /* OP_USAGE of one subcommand */

        const char *        name;      /* IPCP name, or application name */
        const char *        layer;
        const char *        dst;
        const char *        ipcp;      /* bind/unbind ipcp I */
        const char *        prog;      /* as typed */
        pid_t               pid;

        enum ipcp_type      type;
        bool                has_type;
        bool                autobind;
        bool                autostart;

        const char *        component; /* NULL: both dt and mgmt */
        qosspec_t           qos;

        enum lb_policy      lb;

        /* ipcp commands as parsed (bootstrap options as written,
         * checked again by irm_boot_conf once the type is known). */
        struct ipcp_cmd     ic;

        /* name and bind commands as parsed (common/name_cmd.h,
         * common/bind_cmd.h); targets point into nc. */
        struct name_cmd     nc;
        struct bind_cmd     bc;

        const struct name_target * targets;
        size_t              n_targets;

        int                 n_args;    /* bind program ... -- args */
        char **             args;
};

/* Fill cmd from argv[1..argc): IRM_OK or IRM_EUSAGE (args_last_err()). */
int  irm_parse(int              argc,
               char **          argv,
               struct irm_cmd * cmd);

void irm_cmd_fini(struct irm_cmd * cmd);

/* Run a parsed command: an exit code; errors in args_last_err(). */
int  irm_run(const struct irm_cmd * cmd);

/* Print the usage of a group (or of one subcommand, sub != NULL). */
void irm_usage(enum irm_group group,
               const char *   sub,
               bool           to_stderr);

/* Group parsers: argv starts after the group word. */
int  ipcp_parse(int argc, char ** argv, struct irm_cmd * cmd);
int  name_parse(int argc, char ** argv, struct irm_cmd * cmd);
int  bind_parse(int argc, char ** argv, struct irm_cmd * cmd, bool unbind);
int  layer_parse(int argc, char ** argv, struct irm_cmd * cmd);

int  ipcp_run(const struct irm_cmd * cmd);
int  name_run(const struct irm_cmd * cmd);
int  bind_run(const struct irm_cmd * cmd);
int  layer_run(const struct irm_cmd * cmd);

/* The layer configuration for bootstrapping cmd as an IPCP of type t:
 * defaults plus the options given, checked against t. 0 or -1. */
int  irm_boot_conf(const struct irm_cmd * cmd,
                   enum ipcp_type         t,
                   struct layer_config *  conf);

/* Parse an IPCP type word; -1 and an error for an unknown one. */
int  irm_type_parse(const char * s);

/* Shared by the groups at run time (ipcp.c). */
int  irm_find_ipcp(const char *            name,
                   struct ipcp_list_info * out);

/* Record the error for a failed IRMd request: "<ctx>: <message>", with
 * the well-known cases spelt out. Returns IRM_EFAIL. */
int  irm_fail(int          err,
              const char * fmt,
              ...) __attribute__((format(printf, 2, 3)));

/* Message for a negative errno, ours included. */
const char * irm_strerror(int err);

#endif /* OUROBOROS_IRM_CMD_H */
