/*
 * Ouroboros - irm: parsing of the ipcp commands and building the layer
 * configuration of a bootstrap (running them is in ipcp_run.c).
 *
 *   ipcp create name N type T
 *   ipcp destroy name N
 *   ipcp bootstrap name N layer L [type T] [options]
 *   ipcp enroll name N [layer L] [dst D] [type unicast|broadcast] [autobind]
 *   ipcp connect name N dst D [component dt|mgmt] [qos raw|best|...]
 *   ipcp disconnect name N dst D [component dt|mgmt]
 *   ipcp list
 */
#include "args.h"
#include "cmd.h"

#include "common/hash.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char * const subs[] = {
        "create", "destroy", "bootstrap", "enroll", "connect", "disconnect",
        "list"
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

enum { K_NAME = 0, K_LAYER, K_TYPE }; /* first three of boot_kws */

static const struct kw boot_kws[] = {
        { "name", true, false },
        { "layer", true, false },
        { "type", true, false },
        [3 + B_HASH]            = { "hash", true, false },
        [3 + B_AUTOBIND]        = { "autobind", false, false },
        [3 + B_ADDR]            = { "addr", true, false },
        [3 + B_EID]             = { "eid", true, false },
        [3 + B_TTL]             = { "ttl", true, false },
        [3 + B_ADDR_AUTH]       = { "addr_auth", true, false },
        [3 + B_DIRECTORY]       = { "directory", true, false },
        [3 + B_ROUTING]         = { "routing", true, false },
        [3 + B_CONGESTION]      = { "congestion", true, false },
        [3 + B_DHT_ALPHA]       = { "dht_alpha", true, false },
        [3 + B_DHT_K]           = { "dht_k", true, false },
        [3 + B_DHT_T_EXPIRE]    = { "dht_t_expire", true, false },
        [3 + B_DHT_T_REFRESH]   = { "dht_t_refresh", true, false },
        [3 + B_DHT_T_REPLICATE] = { "dht_t_replicate", true, false },
        [3 + B_LS_T_RECALC]     = { "ls_t_recalc", true, false },
        [3 + B_LS_T_UPDATE]     = { "ls_t_update", true, false },
        [3 + B_LS_T_TIMEO]      = { "ls_t_timeo", true, false },
        [3 + B_IP]              = { "ip", true, false },
        [3 + B_PORT]            = { "port", true, false },
        [3 + B_DNS]             = { "dns", true, false },
        [3 + B_DEV]             = { "dev", true, false },
        [3 + B_ETHERTYPE]       = { "ethertype", true, false },
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

static const char * const components[] = { "dt", "mgmt" };
static const char * const qos_words[]  = {
        "raw", "best", "voice", "video", "data"
};
static const char * const routings[]    = { "link_state", "lfa", "ecmp" };
static const char * const congestions[] = { "none", "mb-ecn" };
static const char * const enroll_types[] = { "unicast", "broadcast" };

int irm_type_parse(const char * s)
{
        int i = args_enum("IPCP type", s, type_words, ARRAY_LEN(type_words));

        return i < 0 ? -1 : (int) irm_ipcp_type_parse(type_words[i]);
}

static int check_name(const char * what,
                      const char * s,
                      size_t       max)
{
        return s == NULL ? 0 : args_str(what, s, max);
}

static int parse_create(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct arg a[argc > 0 ? argc : 1];
        size_t     n;
        const char * type;
        int          t;

        if (args_scan("ipcp create", argc, argv, create_kws,
                      ARRAY_LEN(create_kws), a, &n, NULL) < 0)
                return -1;

        cmd->name = args_get(a, n, 0);
        type      = args_get(a, n, 1);
        if (cmd->name == NULL)
                return args_err("ipcp create needs 'name'");
        if (type == NULL)
                return args_err("ipcp create needs 'type'");
        if (check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN) < 0)
                return -1;

        t = irm_type_parse(type);
        if (t < 0)
                return -1;

        cmd->type     = (enum ipcp_type) t;
        cmd->has_type = true;

        return 0;
}

static int parse_destroy(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct arg a[argc > 0 ? argc : 1];
        size_t     n;

        if (args_scan("ipcp destroy", argc, argv, destroy_kws,
                      ARRAY_LEN(destroy_kws), a, &n, NULL) < 0)
                return -1;

        cmd->name = args_get(a, n, 0);
        if (cmd->name == NULL)
                return args_err("ipcp destroy needs 'name'");

        return check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN);
}

static int parse_bootstrap(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        size_t       i;
        const char * type;
        struct layer_config conf;

        if (args_scan("ipcp bootstrap", argc, argv, boot_kws,
                      ARRAY_LEN(boot_kws), a, &n, NULL) < 0)
                return -1;

        cmd->name  = args_get(a, n, K_NAME);
        cmd->layer = args_get(a, n, K_LAYER);
        type       = args_get(a, n, K_TYPE);
        for (i = 0; i < B_N; ++i)
                cmd->boot[i] = args_get(a, n, 3 + (int) i);
        cmd->autobind = cmd->boot[B_AUTOBIND] != NULL;

        if (cmd->name == NULL)
                return args_err("ipcp bootstrap needs 'name'");
        if (cmd->layer == NULL)
                return args_err("ipcp bootstrap needs 'layer'");
        if (check_name("IPCP name", cmd->name, IPCP_NAME_MAX_LEN) < 0 ||
            check_name("layer name", cmd->layer, LAYER_MAX_LEN) < 0)
                return -1;

        if (type != NULL) {
                int t = irm_type_parse(type);
                if (t < 0)
                        return -1;
                cmd->type     = (enum ipcp_type) t;
                cmd->has_type = true;
        }

        /* Values are checked now; against the type too when it is known
         * (otherwise once the existing IPCP's type is looked up). */
        return irm_boot_conf(cmd, cmd->has_type ? cmd->type : IPCP_INVALID,
                             &conf);
}

static int parse_enroll(int argc, char ** argv, struct irm_cmd * cmd)
{
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        const char * type;

        if (args_scan("ipcp enroll", argc, argv, enroll_kws,
                      ARRAY_LEN(enroll_kws), a, &n, NULL) < 0)
                return -1;

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
                return -1;

        if (cmd->dst == NULL)
                cmd->dst = cmd->layer;

        cmd->type = IPCP_UNICAST;
        if (type != NULL) {
                int t = args_enum("enroll type", type, enroll_types,
                                  ARRAY_LEN(enroll_types));
                if (t < 0)
                        return -1;
                cmd->type     = t == 0 ? IPCP_UNICAST : IPCP_BROADCAST;
                cmd->has_type = true;
        }

        return 0;
}

static int parse_conn(int argc, char ** argv, struct irm_cmd * cmd,
                      bool connect)
{
        static const qosspec_t * const qs[] = {
                &qos_raw, &qos_best_effort, &qos_voice, &qos_video, &qos_data
        };
        const char * what = connect ? "ipcp connect" : "ipcp disconnect";
        struct arg   a[argc > 0 ? argc : 1];
        size_t       n;
        const char * qos;
        int          i;

        /* disconnect takes no qos: scan without the last keyword */
        if (args_scan(what, argc, argv, conn_kws,
                      ARRAY_LEN(conn_kws) - (connect ? 0 : 1),
                      a, &n, NULL) < 0)
                return -1;

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
                return -1;

        if (cmd->component != NULL &&
            args_enum("component", cmd->component, components,
                      ARRAY_LEN(components)) < 0)
                return -1;

        cmd->qos = qos_raw;
        if (qos != NULL) {
                i = args_enum("qos", qos, qos_words, ARRAY_LEN(qos_words));
                if (i < 0)
                        return -1;
                cmd->qos = *qs[i];
        }

        return 0;
}

int ipcp_parse(int argc, char ** argv, struct irm_cmd * cmd)
{
        int s;

        cmd->group = G_IPCP;
        if (argc == 0 || strcmp(argv[0], "help") == 0) {
                cmd->op = OP_USAGE;
                return 0;
        }

        s = args_match(argv[0], subs, ARRAY_LEN(subs));
        if (s < 0)
                return args_err("unknown ipcp command '%s' (expected one "
                                "of: create, destroy, bootstrap, enroll, "
                                "connect, disconnect, list)", argv[0]);

        if (argc == 2 && strcmp(argv[1], "help") == 0) {
                cmd->op       = OP_USAGE;
                cmd->usage_of = subs[s];
                return 0;
        }

        --argc;
        ++argv;

        switch (s) {
        case 0:
                cmd->op = OP_IPCP_CREATE;
                return parse_create(argc, argv, cmd);
        case 1:
                cmd->op = OP_IPCP_DESTROY;
                return parse_destroy(argc, argv, cmd);
        case 2:
                cmd->op = OP_IPCP_BOOTSTRAP;
                return parse_bootstrap(argc, argv, cmd);
        case 3:
                cmd->op = OP_IPCP_ENROLL;
                return parse_enroll(argc, argv, cmd);
        case 4:
                cmd->op = OP_IPCP_CONNECT;
                return parse_conn(argc, argv, cmd, true);
        case 5:
                cmd->op = OP_IPCP_DISCONNECT;
                return parse_conn(argc, argv, cmd, false);
        default:
                cmd->op = OP_IPCP_LIST;
                if (argc > 0)
                        return args_err("ipcp list takes no arguments, "
                                        "not '%s'", argv[0]);
                return 0;
        }
}

/* Which types an option applies to (bit per enum ipcp_type). */
#define T_BIT(t) (1u << (t))
#define T_ALL    0xffu
#define T_UNI    T_BIT(IPCP_UNICAST)
#define T_UDP    (T_BIT(IPCP_UDP4) | T_BIT(IPCP_UDP6))
#define T_ETH    (T_BIT(IPCP_ETH_LLC) | T_BIT(IPCP_ETH_DIX))

static const unsigned opt_types[B_N] = {
        [B_HASH] = T_ALL, [B_AUTOBIND] = T_ALL,
        [B_ADDR] = T_UNI, [B_EID] = T_UNI, [B_TTL] = T_UNI,
        [B_ADDR_AUTH] = T_UNI, [B_DIRECTORY] = T_UNI, [B_ROUTING] = T_UNI,
        [B_CONGESTION] = T_UNI, [B_DHT_ALPHA] = T_UNI, [B_DHT_K] = T_UNI,
        [B_DHT_T_EXPIRE] = T_UNI, [B_DHT_T_REFRESH] = T_UNI,
        [B_DHT_T_REPLICATE] = T_UNI, [B_LS_T_RECALC] = T_UNI,
        [B_LS_T_UPDATE] = T_UNI, [B_LS_T_TIMEO] = T_UNI,
        [B_IP] = T_UDP, [B_PORT] = T_UDP, [B_DNS] = T_UDP,
        [B_DEV] = T_ETH, [B_ETHERTYPE] = T_BIT(IPCP_ETH_DIX),
};

/* Numeric options: where they go and their range. */
static int boot_num(const struct irm_cmd * cmd,
                    enum boot_opt          o,
                    unsigned long          min,
                    unsigned long          max,
                    unsigned long *        v)
{
        if (cmd->boot[o] == NULL)
                return 0;

        return args_num(boot_kws[3 + o].word, cmd->boot[o], min, max,
                        o == B_ETHERTYPE, v);
}

static int boot_nums(const struct irm_cmd * cmd,
                     struct layer_config *  c)
{
        unsigned long v[B_N];
        size_t        i;

        v[B_ADDR]            = c->addr_size;
        v[B_EID]             = c->eid_size;
        v[B_TTL]             = c->max_ttl;
        v[B_DHT_ALPHA]       = c->dht_alpha;
        v[B_DHT_K]           = c->dht_k;
        v[B_DHT_T_EXPIRE]    = c->dht_t_expire;
        v[B_DHT_T_REFRESH]   = c->dht_t_refresh;
        v[B_DHT_T_REPLICATE] = c->dht_t_replicate;
        v[B_LS_T_RECALC]     = c->ls_t_recalc;
        v[B_LS_T_UPDATE]     = c->ls_t_update;
        v[B_LS_T_TIMEO]      = c->ls_t_timeo;
        v[B_PORT]            = c->port;
        v[B_ETHERTYPE]       = c->ethertype;

        if (boot_num(cmd, B_ADDR, 1, 8, &v[B_ADDR]) < 0 ||
            boot_num(cmd, B_EID, 1, 8, &v[B_EID]) < 0 ||
            boot_num(cmd, B_TTL, 1, 255, &v[B_TTL]) < 0 ||
            boot_num(cmd, B_DHT_ALPHA, 1, 255, &v[B_DHT_ALPHA]) < 0 ||
            boot_num(cmd, B_DHT_K, 1, 255, &v[B_DHT_K]) < 0 ||
            boot_num(cmd, B_PORT, 1, 65535, &v[B_PORT]) < 0 ||
            boot_num(cmd, B_ETHERTYPE, 0x0600, 0xFFFF, &v[B_ETHERTYPE]) < 0)
                return -1;

        for (i = B_DHT_T_EXPIRE; i <= B_LS_T_TIMEO; ++i)
                if (boot_num(cmd, (enum boot_opt) i, 1, UINT32_MAX, &v[i]) < 0)
                        return -1;

        c->addr_size       = (uint8_t) v[B_ADDR];
        c->eid_size        = (uint8_t) v[B_EID];
        c->max_ttl         = (uint8_t) v[B_TTL];
        c->dht_alpha       = (uint8_t) v[B_DHT_ALPHA];
        c->dht_k           = (uint8_t) v[B_DHT_K];
        c->dht_t_expire    = (uint32_t) v[B_DHT_T_EXPIRE];
        c->dht_t_refresh   = (uint32_t) v[B_DHT_T_REFRESH];
        c->dht_t_replicate = (uint32_t) v[B_DHT_T_REPLICATE];
        c->ls_t_recalc     = (uint32_t) v[B_LS_T_RECALC];
        c->ls_t_update     = (uint32_t) v[B_LS_T_UPDATE];
        c->ls_t_timeo      = (uint32_t) v[B_LS_T_TIMEO];
        c->port            = (uint16_t) v[B_PORT];
        c->ethertype       = (uint16_t) v[B_ETHERTYPE];

        return 0;
}

static int boot_words(const struct irm_cmd * cmd,
                      struct layer_config *  c)
{
        static const char * const hashes[]  = {
                "SHA3_224", "SHA3_256", "SHA3_384", "SHA3_512"
        };
        static const char * const auths[] = { "flat" };
        static const char * const dirs[]  = { "DHT" };
        const char * const *      b = cmd->boot;
        int                       i;

        if (b[B_HASH] != NULL) {
                i = hash_algo_parse(b[B_HASH]);
                if (i < 0)
                        return args_enum("hash", b[B_HASH], hashes,
                                         ARRAY_LEN(hashes));
                c->hash = (enum hash_algo) i;
        }

        if (b[B_ADDR_AUTH] != NULL &&
            args_enum("addr_auth", b[B_ADDR_AUTH], auths, 1) < 0)
                return -1;

        if (b[B_DIRECTORY] != NULL && strcasecmp(b[B_DIRECTORY], "DHT") != 0)
                return args_enum("directory", b[B_DIRECTORY], dirs, 1);

        if (b[B_ROUTING] != NULL) {
                i = args_enum("routing", b[B_ROUTING], routings,
                              ARRAY_LEN(routings));
                if (i < 0)
                        return -1;
                c->routing = (uint8_t) i;
        }

        if (b[B_CONGESTION] != NULL) {
                i = args_enum("congestion", b[B_CONGESTION], congestions,
                              ARRAY_LEN(congestions));
                if (i < 0)
                        return -1;
                c->congestion = (uint8_t) i;
        }

        return 0;
}

static int boot_strs(const struct irm_cmd * cmd,
                     enum ipcp_type         t,
                     struct layer_config *  c)
{
        const char * const * b   = cmd->boot;
        int                  af  = t == IPCP_UDP6 ? AF_INET6 : AF_INET;
        unsigned char        addr[16];

        if (check_name("ip", b[B_IP], sizeof(c->ip) - 1) < 0 ||
            check_name("dns", b[B_DNS], sizeof(c->dns) - 1) < 0 ||
            check_name("dev", b[B_DEV], sizeof(c->dev) - 1) < 0)
                return -1;

        if (t == IPCP_INVALID) /* address families need the type */
                return 0;

        if (b[B_IP] != NULL) {
                if (inet_pton(af, b[B_IP], addr) != 1)
                        return args_err("ip must be an %s address, not '%s'",
                                        af == AF_INET ? "IPv4" : "IPv6",
                                        b[B_IP]);
                strcpy(c->ip, b[B_IP]);
        }

        if (b[B_DNS] != NULL) {
                if (inet_pton(af, b[B_DNS], addr) != 1)
                        return args_err("dns must be an %s address, not "
                                        "'%s'", af == AF_INET ?
                                        "IPv4" : "IPv6", b[B_DNS]);
                strcpy(c->dns, b[B_DNS]);
        }

        if (b[B_DEV] != NULL)
                strcpy(c->dev, b[B_DEV]);

        return 0;
}

int irm_boot_conf(const struct irm_cmd * cmd,
                  enum ipcp_type         t,
                  struct layer_config *  conf)
{
        size_t i;

        irm_layer_config_init(conf, t == IPCP_INVALID ? IPCP_UNICAST : t,
                              cmd->layer);

        if (boot_nums(cmd, conf) < 0 || boot_words(cmd, conf) < 0 ||
            boot_strs(cmd, t, conf) < 0)
                return -1;

        if (t == IPCP_INVALID)
                return 0;

        for (i = 0; i < B_N; ++i)
                if (cmd->boot[i] != NULL && !(opt_types[i] & T_BIT(t)))
                        return args_err("'%s' is not an option of IPCP "
                                        "type %s", boot_kws[3 + i].word,
                                        irm_ipcp_type_str(t));

        if ((t == IPCP_UDP4 || t == IPCP_UDP6) && cmd->boot[B_IP] == NULL)
                return args_err("bootstrap of a %s IPCP needs 'ip'",
                                irm_ipcp_type_str(t));

        if ((t == IPCP_ETH_LLC || t == IPCP_ETH_DIX) &&
            cmd->boot[B_DEV] == NULL)
                return args_err("bootstrap of an %s IPCP needs 'dev'",
                                irm_ipcp_type_str(t));

        return 0;
}
