/*
 * Ouroboros - the bootstrap options of every IPCP type (see ipcp_conf.h).
 *
 * To add an option: append a row to opts[] (after the classic ones, so
 * that no abbreviation changes meaning), with a field of struct
 * layer_config and a T_C_* tag if the IPCP needs the value. Usage text,
 * man pages and doc/irmd.conf.example list the options too.
 */
#include "ipcp_conf.h"

#include "args.h"
#include "ipcp_type.h"
#include "name_check.h"
#include "proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define T_UNI IPCP_T(IPCP_UNICAST)
#define T_UDP (IPCP_T(IPCP_UDP4) | IPCP_T(IPCP_UDP6))
#define T_ETH (IPCP_T(IPCP_ETH_LLC) | IPCP_T(IPCP_ETH_DIX))
#define T_DIX IPCP_T(IPCP_ETH_DIX)
#define T_BC  IPCP_T(IPCP_BROADCAST)

#define FIELD(f) .off = offsetof(struct layer_config, f), \
                 .size = sizeof(((struct layer_config *) 0)->f)

static const char * const hashes[] = {
        "SHA3_224", "SHA3_256", "SHA3_384", "SHA3_512", NULL
};
static const char * const auths[]       = { "flat", NULL };
static const char * const dirs[]        = { "DHT", NULL };
static const char * const routings[]    = { "link_state", "lfa", "ecmp", NULL };
static const char * const congestions[] = { "none", "mb-ecn", NULL };

#define NUM(w, t, lo, hi, d, a, n, tg, f)                               \
        { .word = w, .kind = IPCP_OPT_NUM, .types = t, .min = lo,       \
          .max = hi, .def = d, .arg = a, .note = n, .tag = tg, FIELD(f) }
#define WORD(w, t, ws, d, n, tg)                                        \
        { .word = w, .kind = IPCP_OPT_WORD, .types = t, .words = ws,    \
          .def = d, .note = n, .tag = tg }

static const struct ipcp_opt opts[] = {
        /* every type */
        { .word = "hash", .kind = IPCP_OPT_WORD, .types = IPCP_T_ALL,
          .words = hashes, .def = HASH_SHA3_256, .icase = true,
          .note = "SHA3_256", FIELD(hash) },
        { .word = "autobind", .kind = IPCP_OPT_FLAG, .types = IPCP_T_ALL },
        /* unicast */
        NUM("addr", T_UNI, 1, 8, 4, "<bytes>", "4", T_C_ADDR_SIZE,
            addr_size),
        NUM("eid", T_UNI, 1, 8, 8, "<bytes>", "8", T_C_EID_SIZE, eid_size),
        NUM("ttl", T_UNI, 1, 255, 60, "<n>", "60", T_C_MAX_TTL, max_ttl),
        WORD("addr_auth", T_UNI, auths, 0, NULL, 0),
        { .word = "directory", .kind = IPCP_OPT_WORD, .types = T_UNI,
          .words = dirs, .icase = true },
        { FIELD(routing), .word = "routing", .kind = IPCP_OPT_WORD,
          .types = T_UNI, .words = routings, .note = "link_state",
          .tag = T_C_ROUTING },
        { FIELD(congestion), .word = "congestion", .kind = IPCP_OPT_WORD,
          .types = T_UNI, .words = congestions, .def = 1,
          .note = "mb-ecn", .tag = T_C_CONGESTION },
        NUM("dht_alpha", T_UNI, 1, 255, 3, "<n>", "3", T_C_DHT_ALPHA,
            dht_alpha),
        NUM("dht_k", T_UNI, 1, 255, 8, "<n>", "8", T_C_DHT_K, dht_k),
        NUM("dht_t_expire", T_UNI, 1, UINT32_MAX, 86400, "<s>", "86400",
            T_C_DHT_T_EXPIRE, dht_t_expire),
        NUM("dht_t_refresh", T_UNI, 1, UINT32_MAX, 900, "<s>", "900",
            T_C_DHT_T_REFRESH, dht_t_refresh),
        NUM("dht_t_replicate", T_UNI, 1, UINT32_MAX, 900, "<s>", "900",
            T_C_DHT_T_REPLICATE, dht_t_replicate),
        NUM("ls_t_recalc", T_UNI, 1, UINT32_MAX, 4, "<s>", "4",
            T_C_LS_T_RECALC, ls_t_recalc),
        NUM("ls_t_update", T_UNI, 1, UINT32_MAX, 15, "<s>", "15",
            T_C_LS_T_UPDATE, ls_t_update),
        NUM("ls_t_timeo", T_UNI, 1, UINT32_MAX, 60, "<s>", "60",
            T_C_LS_T_TIMEO, ls_t_timeo),
        /* udp4, udp6 */
        { .word = "ip", .kind = IPCP_OPT_ADDR, .types = T_UDP,
          .required = true, .arg = "<address>", .tag = T_C_IP, FIELD(ip) },
        NUM("port", T_UDP, 1, 65535, 3435, "<n>", "3435", T_C_PORT, port),
        { .word = "dns", .kind = IPCP_OPT_ADDR, .types = T_UDP,
          .omit_0 = true, .arg = "<server>", .tag = T_C_DNS, FIELD(dns) },
        /* eth-llc, eth-dix */
        { .word = "dev", .kind = IPCP_OPT_STR, .types = T_ETH,
          .required = true, .arg = "<interface>", .tag = T_C_DEV,
          FIELD(dev) },
        { .word = "ethertype", .kind = IPCP_OPT_HEX, .types = T_DIX,
          .min = 0x0600, .max = 0xFFFF, .def = 0xA000, .arg = "<n>",
          .note = "0xA000", .tag = T_C_ETHERTYPE, FIELD(ethertype) },
        /* project additions: append only */
        { .word = "mtu", .kind = IPCP_OPT_NUM, .types = T_ETH, .min = 64,
          .max = 65535, .omit_0 = true, .arg = "<bytes>",
          .note = "the device's", .tag = T_C_MTU, FIELD(mtu) },
        /* broadcast: the layer's largest message (the same field and
         * tag as eth's mtu; a type has one of the two) */
        NUM("mtu", T_BC, 64, 65535, 1450, "<bytes>", "1450", T_C_MTU, mtu),
        /* unicast: the largest SDU the layer gives its flows (lower
         * flows must carry it plus the data transfer header) */
        /* unicast: the largest packet of the layer's flows; 1432 fits a
         * udp6 layer over 1500-byte Ethernet (1448) with the data
         * transfer header (15) and a raw lower flow's FRCT byte */
        NUM("mtu", T_UNI, 64, 65535, 1432, "<bytes>", "1432", T_C_MTU, mtu),
};

#define N_OPTS (sizeof(opts) / sizeof(opts[0]))

/* The types in the order of the grammar (for ipcp_types_str). */
static const enum ipcp_type type_order[] = {
        IPCP_UNICAST, IPCP_BROADCAST, IPCP_LOCAL, IPCP_UDP4, IPCP_UDP6,
        IPCP_ETH_LLC, IPCP_ETH_DIX
};

_Static_assert(IPCP_INVALID <= 8 * sizeof(unsigned), "types fit a set");
_Static_assert(sizeof(type_order) / sizeof(type_order[0]) == IPCP_INVALID,
               "every type in the grammar order");

const struct ipcp_opt * ipcp_opt_at(size_t i)
{
        return i < N_OPTS ? &opts[i] : NULL;
}

bool ipcp_opt_applies(const struct ipcp_opt * o,
                      enum ipcp_type          t)
{
        if ((unsigned) t >= IPCP_INVALID)
                return true;

        return (o->types & IPCP_T(t)) != 0;
}

size_t ipcp_opt_order(enum ipcp_type            t,
                      const struct ipcp_opt ** out,
                      size_t                   cap)
{
        size_t n = 0;
        size_t i;
        int    common;

        /* A type's own options first, then the common ones, so that a
         * classic abbreviation keeps its meaning for that type ("a" is
         * unicast's addr, as in the classic irm, where addr came before
         * autobind); without a type, the table's order. */
        for (common = 0; common < 2; ++common) {
                for (i = 0; i < N_OPTS && n < cap; ++i) {
                        if (!ipcp_opt_applies(&opts[i], t))
                                continue;
                        if ((unsigned) t < IPCP_INVALID &&
                            (opts[i].types == IPCP_T_ALL) != (common == 1))
                                continue;
                        if ((unsigned) t >= IPCP_INVALID && common == 1)
                                continue;
                        out[n++] = &opts[i];
                }
        }

        return n;
}

const struct ipcp_opt * ipcp_opt_match(const char *   w,
                                       enum ipcp_type t)
{
        const struct ipcp_opt * order[N_OPTS];
        const char *            words[N_OPTS];
        size_t                  n;
        size_t                  i;
        int                     k;

        n = ipcp_opt_order(t, order, N_OPTS);
        for (i = 0; i < n; ++i)
                words[i] = order[i]->word;

        k = args_match(w, words, n);

        return k < 0 ? NULL : order[k];
}

const char * ipcp_opt_arg(const struct ipcp_opt * o)
{
        static _Thread_local char buf[128];
        size_t      off = 0;
        size_t      i;

        if (o->kind != IPCP_OPT_WORD)
                return o->arg != NULL ? o->arg : "";

        buf[0] = '\0';
        for (i = 0; o->words[i] != NULL && off < sizeof(buf); ++i)
                off += (size_t) snprintf(buf + off, sizeof(buf) - off,
                                         "%s%s", i > 0 ? "|" : "",
                                         o->words[i]);

        return buf;
}

const char * ipcp_types_str(unsigned types)
{
        static _Thread_local char buf[128];
        size_t      off = 0;
        size_t      i;

        if ((types & IPCP_T_ALL) == IPCP_T_ALL)
                return "all";

        buf[0] = '\0';
        for (i = 0; i < IPCP_INVALID && off < sizeof(buf); ++i)
                if (types & IPCP_T(type_order[i]))
                        off += (size_t) snprintf(buf + off,
                                                 sizeof(buf) - off, "%s%s",
                                                 off > 0 ? "/" : "",
                                                 ipcp_type_name(
                                                         type_order[i]));

        return buf;
}

/* Store v in the field of o (1, 2 or 4 bytes wide). */
static void store(struct layer_config *   conf,
                  const struct ipcp_opt * o,
                  unsigned long           v)
{
        uint8_t * p = (uint8_t *) conf + o->off;
        uint8_t   u8  = (uint8_t) v;
        uint16_t  u16 = (uint16_t) v;
        uint32_t  u32 = (uint32_t) v;

        switch (o->size) {
        case 1:
                memcpy(p, &u8, 1);
                break;
        case 2:
                memcpy(p, &u16, 2);
                break;
        case 4:
                memcpy(p, &u32, 4);
                break;
        default:
                break;
        }
}

static unsigned long load(const struct layer_config * conf,
                          const struct ipcp_opt *     o)
{
        const uint8_t * p = (const uint8_t *) conf + o->off;
        uint8_t         u8;
        uint16_t        u16;
        uint32_t        u32;

        switch (o->size) {
        case 1:
                memcpy(&u8, p, 1);
                return u8;
        case 2:
                memcpy(&u16, p, 2);
                return u16;
        case 4:
                memcpy(&u32, p, 4);
                return u32;
        default:
                return 0;
        }
}

static bool has_num(const struct ipcp_opt * o)
{
        return o->size > 0 && (o->kind == IPCP_OPT_NUM ||
                               o->kind == IPCP_OPT_HEX ||
                               o->kind == IPCP_OPT_WORD);
}

/* v is a value of numeric option o (0 standing for "not given" when
 * o->omit_0). */
static bool num_ok(const struct ipcp_opt * o,
                   unsigned long           v)
{
        size_t n = 0;

        if (o->kind == IPCP_OPT_WORD) {
                while (o->words[n] != NULL)
                        ++n;
                return v < n;
        }

        return (o->omit_0 && v == 0) || (v >= o->min && v <= o->max);
}

void ipcp_conf_init(struct layer_config * conf,
                    enum ipcp_type        t,
                    const char *          layer)
{
        size_t i;

        memset(conf, 0, sizeof(*conf));
        conf->type = t;

        /* Backwards, so that of two options on one field (mtu) the
         * first row's default is the field's for the other types... */
        for (i = N_OPTS; i-- > 0;)
                if (has_num(&opts[i]))
                        store(conf, &opts[i], opts[i].def);
        /* ...and t's option's default is the field's for t. */
        for (i = 0; i < N_OPTS; ++i)
                if (has_num(&opts[i]) && ipcp_opt_applies(&opts[i], t))
                        store(conf, &opts[i], opts[i].def);

        /* A layer name that does not fit is left empty, so that a
         * bootstrap request refuses the configuration (-EINVAL). */
        if (layer != NULL && strnlen(layer, LAYER_MAX_LEN + 1) <= LAYER_MAX_LEN)
                strcpy(conf->layer, layer);
}

/* a and b are the same word, '-' and '_' alike ("link-state" is
 * link_state), case ignored if icase. */
static bool same_word(const char * a,
                      const char * b,
                      bool         icase)
{
        for (; *a != '\0' && *b != '\0'; ++a, ++b) {
                if ((*a == '-' || *a == '_') && (*b == '-' || *b == '_'))
                        continue;
                if (*a == *b || (icase && strncasecmp(a, b, 1) == 0))
                        continue;
                return false;
        }

        return *a == *b;
}

static int set_word(struct layer_config *   conf,
                    const struct ipcp_opt * o,
                    const char *            val)
{
        size_t n;
        size_t i;

        for (n = 0; o->words[n] != NULL; ++n)
                ;

        for (i = 0; i < n; ++i) {
                if (same_word(val, o->words[i], o->icase)) {
                        store(conf, o, i);
                        return 0;
                }
        }

        return args_enum(o->word, val, o->words, n);
}

static int set_addr(struct layer_config *   conf,
                    const struct ipcp_opt * o,
                    const char *            val)
{
        int           af = conf->type == IPCP_UDP6 ? AF_INET6 : AF_INET;
        unsigned char addr[16];

        if (args_str(o->word, val, o->size - 1) < 0)
                return -EINVAL;

        if (inet_pton(af, val, addr) != 1)
                return args_err("%s must be an %s address, not '%s'",
                                o->word, af == AF_INET ? "IPv4" : "IPv6",
                                val);

        strcpy((char *) conf + o->off, val);

        return 0;
}

int ipcp_conf_set(struct layer_config *   conf,
                  const struct ipcp_opt * o,
                  const char *            val)
{
        unsigned long v;

        switch (o->kind) {
        case IPCP_OPT_NUM:
        case IPCP_OPT_HEX:
                if (args_num(o->word, val, o->min, o->max,
                             o->kind == IPCP_OPT_HEX, &v) < 0)
                        return -EINVAL;
                store(conf, o, v);
                return 0;
        case IPCP_OPT_WORD:
                return set_word(conf, o, val);
        case IPCP_OPT_ADDR:
                return set_addr(conf, o, val);
        case IPCP_OPT_STR:
                if (args_str(o->word, val, o->size - 1) < 0)
                        return -EINVAL;
                strcpy((char *) conf + o->off, val);
                return 0;
        default:
                return 0;
        }
}

/* Timers that contradict each other (unicast): what is wrong, or NULL.
 * An LSA or a directory entry must outlive the period that refreshes
 * it, or the layer forgets its links and names between refreshes. */
static const char * timers_bad(const struct layer_config * conf)
{
        if (conf->type != IPCP_UNICAST)
                return NULL;
        if (conf->ls_t_timeo <= conf->ls_t_update)
                return "ls_t_timeo must be longer than ls_t_update (a "
                        "link-state advertisement would expire before "
                        "it is sent again)";
        if (conf->dht_t_expire <= conf->dht_t_refresh)
                return "dht_t_expire must be longer than dht_t_refresh "
                        "(a registration would expire before it is "
                        "refreshed)";
        if (conf->dht_t_expire <= conf->dht_t_replicate)
                return "dht_t_expire must be longer than dht_t_replicate "
                        "(an entry would expire before it is replicated)";
        return NULL;
}

int ipcp_conf_check(const struct layer_config * conf)
{
        const char * t = ipcp_type_name(conf->type);
        const char * bad;
        size_t       i;

        for (i = 0; i < N_OPTS; ++i) {
                const struct ipcp_opt * o = &opts[i];

                if (!o->required || !ipcp_opt_applies(o, conf->type))
                        continue;
                if (((const char *) conf + o->off)[0] == '\0')
                        return args_err("bootstrap of a%s %s IPCP needs "
                                        "'%s'", t[0] == 'e' ? "n" : "", t,
                                        o->word);
        }

        bad = timers_bad(conf);
        if (bad != NULL)
                return args_err("%s", bad);

        return 0;
}

bool ipcp_conf_valid(const struct layer_config * conf)
{
        int           af = conf->type == IPCP_UDP6 ? AF_INET6 : AF_INET;
        unsigned char addr[16];
        size_t        i;

        if (ipcp_type_name(conf->type) == NULL ||
            memchr(conf->layer, '\0', sizeof(conf->layer)) == NULL ||
            name_check(conf->layer, LAYER_MAX_LEN) < 0)
                return false;

        for (i = 0; i < N_OPTS; ++i) {
                const struct ipcp_opt * o = &opts[i];
                const char *            s = (const char *) conf + o->off;

                if (o->size == 0 || !ipcp_opt_applies(o, conf->type))
                        continue;
                if (has_num(o)) {
                        if (!num_ok(o, load(conf, o)))
                                return false;
                        continue;
                }
                if (memchr(s, '\0', o->size) == NULL)
                        return false;
                if (s[0] == '\0') {
                        if (o->required)
                                return false;
                        continue;
                }
                if (o->kind == IPCP_OPT_ADDR && inet_pton(af, s, addr) != 1)
                        return false;
        }

        return timers_bad(conf) == NULL;
}

int ipcp_conf_put(struct msg *                m,
                  const struct layer_config * conf)
{
        int    off = msg_open_sub(m, T_CONF);
        int    r   = 0;
        size_t i;

        if (off < 0)
                return off;

        r |= msg_put_u32(m, T_IPCP_TYPE, (uint32_t) conf->type);
        r |= msg_put_str(m, T_LAYER, conf->layer);
        r |= msg_put_u32(m, T_HASH_ALGO, (uint32_t) conf->hash);

        for (i = 0; i < N_OPTS; ++i) {
                const struct ipcp_opt * o = &opts[i];
                const char *            s = (const char *) conf + o->off;

                if (o->tag == 0 || !ipcp_opt_applies(o, conf->type))
                        continue;
                if (has_num(o)) {
                        if (!o->omit_0 || load(conf, o) != 0)
                                r |= msg_put_u32(m, o->tag,
                                                 (uint32_t) load(conf, o));
                } else if (!o->omit_0 || s[0] != '\0') {
                        r |= msg_put_str(m, o->tag, s);
                }
        }

        if (r != 0)
                return -EMSGSIZE;

        msg_close_sub(m, off);

        return 0;
}

int ipcp_conf_get(struct msg_view       v,
                  struct layer_config * conf)
{
        uint32_t type;
        uint32_t u;
        size_t   i;

        if (msg_get_u32(v, T_IPCP_TYPE, &type) < 0 ||
            ipcp_type_name((enum ipcp_type) type) == NULL)
                return -EBADMSG;

        ipcp_conf_init(conf, (enum ipcp_type) type, NULL);
        if (msg_get_str(v, T_LAYER, conf->layer, LAYER_MAX_LEN) < 0)
                return -EBADMSG;
        if (msg_has(v, T_HASH_ALGO)) {
                if (msg_get_u32(v, T_HASH_ALGO, &u) < 0)
                        return -EBADMSG;
                if (u > HASH_SHA3_512)
                        return -EINVAL;
                conf->hash = (enum hash_algo) u;
        }

        for (i = 0; i < N_OPTS; ++i) {
                const struct ipcp_opt * o = &opts[i];
                char *                  s = (char *) conf + o->off;

                if (o->tag == 0 || !ipcp_opt_applies(o, conf->type))
                        continue;
                if (!msg_has(v, o->tag)) {
                        if (o->required)
                                return -EBADMSG;
                        continue;
                }
                if (!has_num(o)) {
                        if (msg_get_str(v, o->tag, s, o->size - 1) < 0)
                                return -EBADMSG;
                        continue;
                }
                if (msg_get_u32(v, o->tag, &u) < 0)
                        return -EBADMSG;
                if (!num_ok(o, u))
                        return -EINVAL;
                store(conf, o, u);
        }

        return 0;
}
