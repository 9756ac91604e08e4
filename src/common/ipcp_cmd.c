/*
 * Ouroboros - the grammar of the ipcp commands (see ipcp_cmd.h).
 *
 * Bootstrap is scanned in two passes: the first sorts the words into
 * name, layer, type and options (only 'autobind' takes no value, and
 * every word that abbreviates it does so for every type, so this needs
 * no type), the second resolves and checks the options against the
 * type, or against each type in turn while it is not known.
 */
#include "ipcp_cmd.h"

#include "args.h"
#include "ipcp_conf.h"
#include "ipcp_type.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char * const subs[] = {
        "create", "destroy", "bootstrap", "enroll", "connect", "disconnect",
        "list", "stat"
};

/* IPCP types in the order of the grammar (and of messages). */
static const char * const type_words[] = {
        "unicast", "broadcast", "local", "udp4", "udp6", "eth-llc", "eth-dix"
};

static const struct kw create_kws[] = {
        { "name", true, false }, { "type", true, false },
};

static const struct kw destroy_kws[] = {
        { "name", true, false },
};

enum { E_NAME = 0, E_LAYER, E_DST, E_TYPE, E_AUTOBIND };

static const struct kw enroll_kws[] = {
        { "name", true, false }, { "layer", true, false },
        { "dst", true, false }, { "type", true, false },
        { "autobind", false, false },
};

enum { C_NAME = 0, C_DST, C_COMPONENT, C_QOS };

static const struct kw conn_kws[] = {
        { "name", true, false }, { "dst", true, false },
        { "component", true, false }, { "qos", true, false },
};

/* Bootstrap: these, then the options of ipcp_conf.h. */
enum { K_NAME = 0, K_LAYER, K_TYPE, K_N };

static const char * const boot_kws[K_N] = { "name", "layer", "type" };

static const char * const components[]   = { "dt", "mgmt" };
static const char * const qos_words[]    = {
        "raw", "best", "voice", "video", "data"
};
static const char * const enroll_types[] = { "unicast", "broadcast" };

/* Every name checked here, in one place. */
static int check_name(const char * what,
                      const char * s,
                      size_t       max)
{
        return s == NULL ? 0 : args_str(what, s, max);
}

int ipcp_cmd_sub(const char * w)
{
        int s = args_match(w, subs, ARRAY_LEN(subs));

        if (s < 0)
                return args_err("unknown ipcp command '%s' (expected one "
                                "of: create, destroy, bootstrap, enroll, "
                                "connect, disconnect, list, stat)", w);

        return s;
}

const char * ipcp_cmd_sub_word(enum ipcp_cmd_op op)
{
        return (size_t) op < ARRAY_LEN(subs) ? subs[op] : "?";
}

int ipcp_cmd_type(const char * s)
{
        int i = args_enum("IPCP type", s, type_words, ARRAY_LEN(type_words));

        return i < 0 ? i : ipcp_type_from_name(type_words[i]);
}

static int parse_create(int argc, char ** argv, struct ipcp_cmd * cmd)
{
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        const char * type;
        int          t;

        if (args_scan("ipcp create", argc, argv, create_kws,
                      ARRAY_LEN(create_kws), a, &n, NULL) < 0)
                return -EINVAL;

        cmd->name = args_get(a, n, 0);
        type      = args_get(a, n, 1);
        if (cmd->name == NULL)
                return args_err("ipcp create needs 'name'");
        if (type == NULL)
                return args_err("ipcp create needs 'type'");
        if (check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN) < 0)
                return -EINVAL;

        t = ipcp_cmd_type(type);
        if (t < 0)
                return -EINVAL;

        cmd->type     = (enum ipcp_type) t;
        cmd->has_type = true;

        return 0;
}

/* destroy and stat: name N */
static int parse_name_only(int argc, char ** argv, struct ipcp_cmd * cmd)
{
        const char * what = cmd->op == IPCP_CMD_STAT ? "ipcp stat"
                : "ipcp destroy";
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;

        if (args_scan(what, argc, argv, destroy_kws,
                      ARRAY_LEN(destroy_kws), a, &n, NULL) < 0)
                return -EINVAL;

        cmd->name = args_get(a, n, 0);
        if (cmd->name == NULL)
                return args_err("%s needs 'name'", what);

        return check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN);
}

/* "name, layer, type, <the options of t>" for messages. */
static const char * boot_list(enum ipcp_type t)
{
        static char             buf[1024];
        size_t                  off;
        size_t                  i;
        const struct ipcp_opt * o;

        off = (size_t) snprintf(buf, sizeof(buf), "name, layer, type");
        for (i = 0; (o = ipcp_opt_at(i)) != NULL; ++i)
                if (ipcp_opt_applies(o, t) && off < sizeof(buf))
                        off += (size_t) snprintf(buf + off,
                                                 sizeof(buf) - off, ", %s",
                                                 o->word);

        return buf;
}

/* w as a keyword of bootstrap (name, layer, type: its index in
 * boot_kws) or an option of type t (t may be IPCP_INVALID): the keyword
 * index, K_N (the option in *o), or -1. */
static int boot_match(const char *             w,
                      enum ipcp_type           t,
                      const struct ipcp_opt ** o)
{
        const char *            words[K_N + IPCP_CMD_MAX_OPTS];
        const struct ipcp_opt * order[IPCP_CMD_MAX_OPTS];
        size_t                  n_opts;
        size_t                  n;
        int                     k;

        n_opts = ipcp_opt_order(t, order, ARRAY_LEN(order));
        for (n = 0; n < K_N; ++n)
                words[n] = boot_kws[n];
        for (n = 0; n < n_opts; ++n)
                words[K_N + n] = order[n]->word;

        k = args_match(w, words, K_N + n_opts);
        if (k < K_N)
                return k;
        *o = order[k - K_N];

        return K_N;
}

/* First pass: name, layer, type and the options as written, each word
 * resolved as for type t (IPCP_INVALID: any type), which decides
 * whether a word is the flag (autobind) or takes a value. */
static int boot_scan(int argc, char ** argv, struct ipcp_cmd * cmd,
                     const char ** type, enum ipcp_type t_as)
{
        const char ** kv[K_N] = { &cmd->name, &cmd->layer, type };
        int           i;

        for (i = 0; i < argc; ++i) {
                const struct ipcp_opt * o = NULL;
                int                     k = boot_match(argv[i], t_as, &o);

                if (k < 0) {
                        int t = *type != NULL ? ipcp_type_from_name(*type)
                                : -1;
                        return args_err("unknown word '%s' for ipcp "
                                        "bootstrap (expected one of: %s)",
                                        argv[i], boot_list(t < 0 ?
                                        IPCP_INVALID : (enum ipcp_type) t));
                }

                if (o == NULL && *kv[k] != NULL)
                        return args_err("'%s' given twice", boot_kws[k]);
                if (o != NULL && o->kind == IPCP_OPT_FLAG) {
                        cmd->autobind = true;
                        continue;
                }
                if (i + 1 >= argc)
                        return args_err("'%s' needs a value",
                                        o != NULL ? o->word : boot_kws[k]);
                ++i;
                if (o == NULL) {
                        *kv[k] = argv[i];
                        continue;
                }
                if (cmd->n_opts == IPCP_CMD_MAX_OPTS)
                        return args_err("too many options (at most %d)",
                                        IPCP_CMD_MAX_OPTS);
                cmd->opts[cmd->n_opts].word  = argv[i - 1];
                cmd->opts[cmd->n_opts++].val = argv[i];
        }

        return 0;
}

/*
 * The options of cmd into conf for type t: -ENOENT when a word is not
 * an option of t, -EINVAL for a bad value or one given twice.
 */
static int boot_opts(const struct ipcp_cmd * cmd,
                     enum ipcp_type          t,
                     struct layer_config *   conf)
{
        const struct ipcp_opt * seen[IPCP_CMD_MAX_OPTS];
        size_t                  i;
        size_t                  j;

        ipcp_conf_init(conf, t, cmd->layer);

        for (i = 0; i < cmd->n_opts; ++i) {
                const char *            w = cmd->opts[i].word;
                const struct ipcp_opt * o = ipcp_opt_match(w, t);

                if (o == NULL) {
                        args_err("'%s' is not an option of IPCP type %s",
                                 w, ipcp_type_name(t));
                        return -ENOENT;
                }
                for (j = 0; j < i; ++j)
                        if (seen[j] == o) {
                                args_err("'%s' given twice", o->word);
                                return -EINVAL;
                        }
                seen[i] = o;
                if (ipcp_conf_set(conf, o, cmd->opts[i].val) < 0)
                        return -EINVAL;
        }

        return 0;
}

const char * ipcp_cmd_unsupported(enum ipcp_cmd_op op,
                                  enum ipcp_type   t)
{
        static const char * const enroll[] = {
                [IPCP_LOCAL]    = "local layers have no enrollment: the "
                                  "local layer is this system alone, "
                                  "bootstrap it",
                [IPCP_UDP4]     = "udp4 layers have no enrollment: bootstrap "
                                  "every member with the same layer name",
                [IPCP_UDP6]     = "udp6 layers have no enrollment: bootstrap "
                                  "every member with the same layer name",
                [IPCP_ETH_LLC]  = "eth-llc layers have no enrollment: "
                                  "bootstrap every member with the same "
                                  "layer name",
                [IPCP_ETH_DIX]  = "eth-dix layers have no enrollment: "
                                  "bootstrap every member with the same "
                                  "layer name",
                [IPCP_INVALID]  = NULL
        };
        static const char * const conn[] = {
                [IPCP_LOCAL]    = "local layers have no connections: the "
                                  "local layer is this system alone",
                [IPCP_UDP4]     = "udp4 layers have no connections: members "
                                  "reach each other directly over IP",
                [IPCP_UDP6]     = "udp6 layers have no connections: members "
                                  "reach each other directly over IP",
                [IPCP_ETH_LLC]  = "eth-llc layers have no connections: "
                                  "members reach each other directly on "
                                  "the segment",
                [IPCP_ETH_DIX]  = "eth-dix layers have no connections: "
                                  "members reach each other directly on "
                                  "the segment",
                [IPCP_INVALID]  = NULL
        };

        if ((unsigned) t >= IPCP_INVALID)
                return NULL;

        switch (op) {
        case IPCP_CMD_ENROLL:
                return enroll[t];
        case IPCP_CMD_CONNECT:
        case IPCP_CMD_DISCONNECT:
                return conn[t];
        default:
                return NULL;
        }
}

const char * const * ipcp_cmd_comps(enum ipcp_type t)
{
        static const char * const both[]    = { "mgmt", "dt", NULL };
        static const char * const dt_only[] = { "dt", NULL };

        return t == IPCP_BROADCAST ? dt_only : both;
}

const char * ipcp_cmd_comp_unsupported(enum ipcp_type t,
                                       const char *   comp)
{
        if (t == IPCP_BROADCAST && comp != NULL && strcmp(comp, "dt") != 0)
                return "broadcast layers have only the 'dt' component: "
                       "connect with 'component dt' or none";

        return NULL;
}

int ipcp_cmd_conf(const struct ipcp_cmd * cmd,
                  enum ipcp_type          t,
                  struct layer_config *   conf)
{
        if (boot_opts(cmd, t, conf) < 0 || ipcp_conf_check(conf) < 0)
                return -EINVAL;

        return 0;
}

/* Without a type: the options must suit some type. The error shown is
 * the first bad value, else the first type's. */
static int boot_any_type(const struct ipcp_cmd * cmd)
{
        struct layer_config conf;
        char                first[256] = "";
        char                value[256] = "";
        size_t              i;
        int                 r;

        for (i = 0; i < ARRAY_LEN(type_words); ++i) {
                r = boot_opts(cmd, (enum ipcp_type)
                              ipcp_type_from_name(type_words[i]), &conf);
                if (r == 0)
                        return 0;
                if (first[0] == '\0')
                        snprintf(first, sizeof(first), "%s",
                                 args_last_err());
                if (r == -EINVAL && value[0] == '\0')
                        snprintf(value, sizeof(value), "%s",
                                 args_last_err());
        }

        return args_err("%s", value[0] != '\0' ? value : first);
}

/* Scan as the type the command names: each word is read as that
 * type's (its abbreviations, and whether it takes a value), whatever
 * its place, so "type unicast ... a 2" is addr 2. A command that
 * names no type, or that its type does not read, is scanned without
 * one (the table's order: a lone "a" at the end is autobind; an
 * option of another type is refused by name, boot_opts). */
static int boot_scan_typed(int argc, char ** argv, struct ipcp_cmd * cmd,
                           const char ** type)
{
        const struct ipcp_cmd base = *cmd;
        size_t                i;
        int                   t;

        for (i = 0; i < ARRAY_LEN(type_words); ++i) {
                t = ipcp_type_from_name(type_words[i]);
                *cmd  = base;
                *type = NULL;
                if (boot_scan(argc, argv, cmd, type, (enum ipcp_type) t) == 0
                    && *type != NULL && ipcp_cmd_type(*type) == t)
                        return 0;
        }

        *cmd  = base;
        *type = NULL;

        return boot_scan(argc, argv, cmd, type, IPCP_INVALID);
}

static int parse_bootstrap(int argc, char ** argv, struct ipcp_cmd * cmd)
{
        struct layer_config conf;
        const char *        type = NULL;

        if (boot_scan_typed(argc, argv, cmd, &type) < 0)
                return -EINVAL;

        if (cmd->name == NULL)
                return args_err("ipcp bootstrap needs 'name'");
        if (cmd->layer == NULL)
                return args_err("ipcp bootstrap needs 'layer'");
        if (check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN) < 0 ||
            check_name("layer name", cmd->layer, LAYER_MAX_LEN) < 0)
                return -EINVAL;

        if (type == NULL)
                return boot_any_type(cmd);

        if (ipcp_cmd_type(type) < 0)
                return -EINVAL;
        cmd->type     = (enum ipcp_type) ipcp_type_from_name(type);
        cmd->has_type = true;

        return ipcp_cmd_conf(cmd, cmd->type, &conf);
}

static int parse_enroll(int argc, char ** argv, struct ipcp_cmd * cmd)
{
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        const char * type;
        int          t;

        if (args_scan("ipcp enroll", argc, argv, enroll_kws,
                      ARRAY_LEN(enroll_kws), a, &n, NULL) < 0)
                return -EINVAL;

        cmd->name     = args_get(a, n, E_NAME);
        cmd->layer    = args_get(a, n, E_LAYER);
        cmd->dst      = args_get(a, n, E_DST);
        type          = args_get(a, n, E_TYPE);
        cmd->autobind = args_get(a, n, E_AUTOBIND) != NULL;

        if (cmd->name == NULL)
                return args_err("ipcp enroll needs 'name'");
        if (cmd->layer == NULL && cmd->dst == NULL)
                return args_err("ipcp enroll needs 'layer' or 'dst'");
        if (check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN) < 0 ||
            check_name("layer name", cmd->layer, LAYER_MAX_LEN) < 0 ||
            check_name("dst", cmd->dst, NAME_MAX_LEN) < 0)
                return -EINVAL;

        if (cmd->dst == NULL)
                cmd->dst = cmd->layer;

        cmd->type = IPCP_UNICAST;
        if (type != NULL) {
                t = args_enum("enroll type", type, enroll_types,
                              ARRAY_LEN(enroll_types));
                if (t < 0)
                        return -EINVAL;
                cmd->type     = t == 0 ? IPCP_UNICAST : IPCP_BROADCAST;
                cmd->has_type = true;
        }

        return 0;
}

static int parse_conn(int argc, char ** argv, struct ipcp_cmd * cmd)
{
        static const qosspec_t * const qs[] = {
                &qos_raw, &qos_best_effort, &qos_voice, &qos_video, &qos_data
        };
        bool         connect = cmd->op == IPCP_CMD_CONNECT;
        const char * what = connect ? "ipcp connect" : "ipcp disconnect";
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        const char * qos;
        int          i;

        /* disconnect takes no qos: scan without the last keyword */
        if (args_scan(what, argc, argv, conn_kws,
                      ARRAY_LEN(conn_kws) - (connect ? 0 : 1),
                      a, &n, NULL) < 0)
                return -EINVAL;

        cmd->name      = args_get(a, n, C_NAME);
        cmd->dst       = args_get(a, n, C_DST);
        cmd->component = args_get(a, n, C_COMPONENT);
        qos            = args_get(a, n, C_QOS);

        if (cmd->name == NULL)
                return args_err("%s needs 'name'", what);
        if (cmd->dst == NULL)
                return args_err("%s needs 'dst'", what);
        if (check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN) < 0 ||
            check_name("dst", cmd->dst, NAME_MAX_LEN) < 0)
                return -EINVAL;

        if (cmd->component != NULL &&
            args_enum("component", cmd->component, components,
                      ARRAY_LEN(components)) < 0)
                return -EINVAL;

        cmd->qos = qos_raw;
        if (qos != NULL) {
                i = args_enum("qos", qos, qos_words, ARRAY_LEN(qos_words));
                if (i < 0)
                        return -EINVAL;
                cmd->qos = *qs[i];
        }

        return 0;
}

int ipcp_cmd_parse(int               argc,
                   char **           argv,
                   struct ipcp_cmd * cmd)
{
        int s;

        memset(cmd, 0, sizeof(*cmd));
        cmd->type = IPCP_INVALID;
        cmd->qos  = qos_raw;

        if (argc < 1)
                return args_err("ipcp needs a command (expected one of: "
                                "create, destroy, bootstrap, enroll, "
                                "connect, disconnect, list, stat)");

        s = ipcp_cmd_sub(argv[0]);
        if (s < 0)
                return -EINVAL;

        cmd->op = (enum ipcp_cmd_op) s;
        --argc;
        ++argv;

        switch (cmd->op) {
        case IPCP_CMD_CREATE:
                return parse_create(argc, argv, cmd);
        case IPCP_CMD_DESTROY:
        case IPCP_CMD_STAT:
                return parse_name_only(argc, argv, cmd);
        case IPCP_CMD_BOOTSTRAP:
                return parse_bootstrap(argc, argv, cmd);
        case IPCP_CMD_ENROLL:
                return parse_enroll(argc, argv, cmd);
        case IPCP_CMD_CONNECT:
        case IPCP_CMD_DISCONNECT:
                return parse_conn(argc, argv, cmd);
        default:
                if (argc > 0)
                        return args_err("ipcp list takes no arguments, "
                                        "not '%s'", argv[0]);
                return 0;
        }
}
