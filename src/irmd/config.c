/*
 * Ouroboros IRMd - the --config file (format: doc/irmd.conf.example).
 *
 * One command per line, the irm tool's grammar with full keywords:
 *
 *   ipcp create name N type T
 *   ipcp destroy name N
 *   ipcp bootstrap name N layer L [type T] [hash H] [OPTION VALUE]...
 *   ipcp enroll name N dst D [type T]
 *   ipcp connect name N dst D [component dt|mgmt] [qos Q]
 *   ipcp disconnect name N dst D [component dt|mgmt]
 *   name create N [lb round-robin|spillover]
 *   name destroy N
 *   name register N (ipcp I | layer L)...
 *   name unregister N (ipcp I | layer L)...
 *   bind program P name N [auto] [-- ARG...]
 *   bind process PID name N
 *   unbind program P [name N]
 *   unbind process PID [name N]
 *
 * '#' starts a comment, tokens are separated by blanks (no quoting).
 * The whole file is checked before anything runs; then each command is
 * turned into the same requests the irm tool sends and fed through the
 * normal handlers on an internal connection, one at a time, from the
 * event loop. Any failure stops the IRMd: "irmd: PATH:LINE: reason".
 */
#include "irmd.h"
#include "reg_ipcp.h"

#include "common/hash.h"
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
                       return -1; } while (0)

/* Options of ipcp bootstrap that go into T_CONF. */
enum kind { K_U32, K_STR, K_ROUTING, K_CONG };
static const struct {
        const char * key;
        uint16_t     tag;
        enum kind    kind;
        uint32_t     max;
} opts[] = {
        { "addr",            T_C_ADDR_SIZE,       K_U32,     8 },
        { "eid",             T_C_EID_SIZE,        K_U32,     8 },
        { "ttl",             T_C_MAX_TTL,         K_U32,     255 },
        { "routing",         T_C_ROUTING,         K_ROUTING, 2 },
        { "congestion",      T_C_CONGESTION,      K_CONG,    1 },
        { "dht_alpha",       T_C_DHT_ALPHA,       K_U32,     255 },
        { "dht_k",           T_C_DHT_K,           K_U32,     255 },
        { "dht_t_expire",    T_C_DHT_T_EXPIRE,    K_U32,     UINT32_MAX },
        { "dht_t_refresh",   T_C_DHT_T_REFRESH,   K_U32,     UINT32_MAX },
        { "dht_t_replicate", T_C_DHT_T_REPLICATE, K_U32,     UINT32_MAX },
        { "ls_t_recalc",     T_C_LS_T_RECALC,     K_U32,     UINT32_MAX },
        { "ls_t_update",     T_C_LS_T_UPDATE,     K_U32,     UINT32_MAX },
        { "ls_t_timeo",      T_C_LS_T_TIMEO,      K_U32,     UINT32_MAX },
        { "ip",              T_C_IP,              K_STR,     63 },
        { "port",            T_C_PORT,            K_U32,     65535 },
        { "dns",             T_C_DNS,             K_STR,     63 },
        { "dev",             T_C_DEV,             K_STR,     255 },
        { "ethertype",       T_C_ETHERTYPE,       K_U32,     65535 },
};
#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* Decimal like irm, or hex with 0x where irm takes it (hex). */
static int num(const char * s,
               uint32_t     max,
               bool         hex,
               uint32_t *   out)
{
        char *             end;
        unsigned long long v;
        bool               x = hex && (strncmp(s, "0x", 2) == 0 ||
                                       strncmp(s, "0X", 2) == 0);

        errno = 0;
        if (*s == '-' || *s == '\0')
                return -1;
        v = strtoull(s, &end, x ? 16 : 10);
        if (errno != 0 || *end != '\0' || v > max)
                return -1;
        *out = (uint32_t) v;

        return 0;
}

static int check_len(const char * what,
                     const char * s,
                     size_t       max)
{
        if (strlen(s) > max)
                FAIL("%s '%.32s...' is too long (max %zu)", what, s, max);

        return 0;
}

/* Value following argv[i] (key), or fail. */
#define VAL(i) ((i) + 1 < c->argc ? c->argv[(i) + 1] : NULL)

static int qos_parse(const char * s,
                     qosspec_t *  q)
{
        if (strcmp(s, "raw") == 0)        *q = qos_raw;
        else if (strcmp(s, "best") == 0)  *q = qos_best_effort;
        else if (strcmp(s, "voice") == 0) *q = qos_voice;
        else if (strcmp(s, "video") == 0) *q = qos_video;
        else if (strcmp(s, "data") == 0)  *q = qos_data;
        else return -1;

        return 0;
}

/* The default layer options of an IPCP type (as irm_layer_config_init). */
static void conf_defaults(struct msg *   m,
                          enum ipcp_type t,
                          const bool *   given)
{
        static const struct { uint16_t tag; uint32_t v; enum ipcp_type t; }
        defs[] = {
                { T_C_ADDR_SIZE,   4,      IPCP_UNICAST },
                { T_C_EID_SIZE,    8,      IPCP_UNICAST },
                { T_C_MAX_TTL,     60,     IPCP_UNICAST },
                { T_C_ROUTING,     0,      IPCP_UNICAST },
                { T_C_CONGESTION,  1,      IPCP_UNICAST },
                { T_C_LS_T_RECALC, 4,      IPCP_UNICAST },
                { T_C_LS_T_UPDATE, 15,     IPCP_UNICAST },
                { T_C_LS_T_TIMEO,  60,     IPCP_UNICAST },
                { T_C_PORT,        3435,   IPCP_UDP4 },
                { T_C_PORT,        3435,   IPCP_UDP6 },
                { T_C_ETHERTYPE,   0xA000, IPCP_ETH_DIX },
        };
        size_t i;
        size_t k;

        for (i = 0; i < sizeof(defs) / sizeof(defs[0]); ++i) {
                if (defs[i].t != t)
                        continue;
                for (k = 0; k < N_OPTS; ++k)
                        if (opts[k].tag == defs[i].tag && given[k])
                                break;
                if (k == N_OPTS)
                        msg_put_u32(m, defs[i].tag, defs[i].v);
        }
}

/* ipcp bootstrap: with step 0 possibly a create. */
static int build_bootstrap(struct cmd * c,
                           struct msg * m,
                           bool         dry)
{
        const char *      name = NULL;
        const char *      layer = NULL;
        enum ipcp_type    type = IPCP_INVALID;
        int               hash = HASH_SHA3_256;
        bool              given[N_OPTS];
        struct reg_ipcp * e;
        int               i;
        int               off;
        size_t            k;

        memset(given, 0, sizeof(given));
        for (i = 2; i < c->argc; i += 2) {
                const char * key = c->argv[i];
                const char * v   = VAL(i);
                if (v == NULL)
                        FAIL("'%s' needs a value", key);
                if (strcmp(key, "name") == 0) {
                        name = v;
                } else if (strcmp(key, "layer") == 0) {
                        layer = v;
                } else if (strcmp(key, "type") == 0) {
                        int t = ipcp_type_from_name(v);

                        if (t < 0)
                                FAIL("unknown IPCP type '%s'", v);
                        type = (enum ipcp_type) t;
                } else if (strcmp(key, "hash") == 0) {
                        hash = hash_algo_parse(v);
                        if (hash < 0)
                                FAIL("unknown hash '%s'", v);
                } else {
                        for (k = 0; k < N_OPTS; ++k)
                                if (strcmp(key, opts[k].key) == 0)
                                        break;
                        if (k == N_OPTS)
                                FAIL("unknown bootstrap option '%s'", key);
                        given[k] = true;
                }
        }

        if (name == NULL || layer == NULL)
                FAIL("ipcp bootstrap needs name and layer");
        if (check_len("IPCP name", name, IPCP_NAME_MAX_LEN) < 0 ||
            check_len("layer name", layer, LAYER_MAX_LEN) < 0)
                return -1;

        e = dry ? NULL : reg_ipcp_get(name);
        if (!dry && c->step == 0 && e == NULL) {
                if (type == IPCP_INVALID)
                        FAIL("IPCP %s does not exist and no type given",
                             name);
                msg_init(m, M_IPCP_CREATE, 0, 0);
                msg_put_str(m, T_IPCP_NAME, name);
                msg_put_u32(m, T_IPCP_TYPE, type);
                return 1;
        }
        if (!dry && c->step == 0)
                c->step = 1; /* exists: no create */
        if (!dry && c->step > 1)
                return 0;
        if (e != NULL && type != IPCP_INVALID && type != e->type)
                FAIL("IPCP %s is of type %s", name,
                     ipcp_type_name(e->type));
        if (e != NULL)
                type = e->type;

        msg_init(m, M_IPCP_BOOTSTRAP, 0, 0);
        msg_put_str(m, T_IPCP_NAME, name);
        off = msg_open_sub(m, T_CONF);
        msg_put_u32(m, T_IPCP_TYPE, type);
        msg_put_str(m, T_LAYER, layer);
        msg_put_u32(m, T_HASH_ALGO, (uint32_t) hash);
        conf_defaults(m, type, given);
        for (i = 2; i < c->argc; i += 2) {
                const char * val = VAL(i);
                uint32_t     v;
                for (k = 0; k < N_OPTS; ++k)
                        if (strcmp(c->argv[i], opts[k].key) == 0)
                                break;
                if (k == N_OPTS || val == NULL)
                        continue;
                switch (opts[k].kind) {
                case K_STR:
                        if (check_len(opts[k].key, val, opts[k].max) < 0)
                                return -1;
                        msg_put_str(m, opts[k].tag, val);
                        continue;
                case K_ROUTING:
                        if (strcmp(val, "link_state") == 0)  v = 0;
                        else if (strcmp(val, "lfa") == 0)    v = 1;
                        else if (strcmp(val, "ecmp") == 0)   v = 2;
                        else FAIL("unknown routing '%s'", val);
                        break;
                case K_CONG:
                        if (strcmp(val, "none") == 0)        v = 0;
                        else if (strcmp(val, "mb-ecn") == 0) v = 1;
                        else FAIL("unknown congestion '%s'", val);
                        break;
                default:
                        if (num(val, opts[k].max,
                                opts[k].tag == T_C_ETHERTYPE, &v) < 0)
                                FAIL("bad value '%s' for %s", val,
                                     opts[k].key);
                        break;
                }
                msg_put_u32(m, opts[k].tag, v);
        }
        msg_close_sub(m, off);

        return 1;
}

/* Key/value command of one request; keys[] allowed, req[] required. */
static int kv(struct cmd *  c,
              int           from,
              const char ** keys,
              const char ** vals,
              size_t        n)
{
        int    i;
        size_t k;

        for (i = from; i < c->argc; i += 2) {
                for (k = 0; k < n; ++k)
                        if (strcmp(c->argv[i], keys[k]) == 0)
                                break;
                if (k == n)
                        FAIL("unexpected '%s'", c->argv[i]);
                if (VAL(i) == NULL)
                        FAIL("'%s' needs a value", c->argv[i]);
                vals[k] = VAL(i);
        }

        return 0;
}

static int build_ipcp(struct cmd * c,
                      struct msg * m,
                      bool         dry)
{
        const char * keys[] = { "name", "type", "dst", "component", "qos",
                                "layer" };
        const char * v[6] = { NULL, NULL, NULL, NULL, NULL, NULL };
        const char * sub = c->argc > 1 ? c->argv[1] : "";
        qosspec_t    qs = qos_raw;

        if (strcmp(sub, "bootstrap") == 0)
                return build_bootstrap(c, m, dry);
        if (c->step > 0)
                return 0;
        if (kv(c, 2, keys, v, 6) < 0)
                return -1;
        if (v[0] == NULL)
                FAIL("ipcp %s needs a name", sub);
        if (check_len("IPCP name", v[0], IPCP_NAME_MAX_LEN) < 0)
                return -1;
        if (v[1] != NULL && ipcp_type_from_name(v[1]) < 0)
                FAIL("unknown IPCP type '%s'", v[1]);
        if (v[3] != NULL && strcmp(v[3], "dt") && strcmp(v[3], "mgmt"))
                FAIL("component must be dt or mgmt");
        if (v[4] != NULL && qos_parse(v[4], &qs) < 0)
                FAIL("unknown qos '%s'", v[4]);

        if (strcmp(sub, "create") == 0) {
                if (v[1] == NULL)
                        FAIL("ipcp create needs a type");
                msg_init(m, M_IPCP_CREATE, 0, 0);
                msg_put_str(m, T_IPCP_NAME, v[0]);
                msg_put_u32(m, T_IPCP_TYPE, ipcp_type_from_name(v[1]));
        } else if (strcmp(sub, "destroy") == 0) {
                msg_init(m, M_IPCP_DESTROY, 0, 0);
                msg_put_str(m, T_IPCP_NAME, v[0]);
        } else if (strcmp(sub, "enroll") == 0) {
                const char * dst = v[2] != NULL ? v[2] : v[5];
                if (dst == NULL)
                        FAIL("ipcp enroll needs dst or layer");
                msg_init(m, M_IPCP_ENROLL, 0, 0);
                msg_put_str(m, T_IPCP_NAME, v[0]);
                msg_put_str(m, T_DST, dst);
        } else if (strcmp(sub, "connect") == 0 ||
                   strcmp(sub, "disconnect") == 0) {
                bool con = sub[0] == 'c';
                if (v[2] == NULL)
                        FAIL("ipcp %s needs dst", sub);
                msg_init(m, con ? M_IPCP_CONNECT : M_IPCP_DISCONNECT, 0, 0);
                msg_put_str(m, T_IPCP_NAME, v[0]);
                msg_put_str(m, T_DST, v[2]);
                msg_put_str(m, T_COMPONENT, v[3] != NULL ? v[3] : "dt");
                if (con)
                        msg_put_qos(m, T_QOS, &qs);
        } else {
                FAIL("unknown ipcp command '%s'", sub);
        }

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
                return -1;

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
                        return -1;
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
        uint32_t     pid = 0;
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
                return -1;

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
                if (num(obj, INT32_MAX, false, &pid) < 0 || pid == 0)
                        FAIL("bad pid '%s'", obj);
                msg_init(m, unbind ? M_UNBIND_PROC : M_BIND_PROC, 0, 0);
                msg_put_u32(m, T_PID, pid);
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
        const char * top = c->argv[0];

        if (strcmp(top, "ipcp") == 0)
                return build_ipcp(c, m, dry);
        if (strcmp(top, "name") == 0)
                return build_name(c, m);
        if (strcmp(top, "bind") == 0 || strcmp(top, "unbind") == 0)
                return build_bind(c, m);

        FAIL("unknown command '%s'", top);
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

void config_on_reply(const struct msg * m)
{
        int res = msg_result(m);

        if (!cf.running || !cf.waiting)
                return;

        cf.waiting = false;
        if (res < 0) {
                config_abort(irmd_strerror(res));
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
