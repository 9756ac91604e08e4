/*
 * Ouroboros - unit test of the IPCP command grammar shared by irm and
 * the IRMd's configuration file (ipcp_cmd.c, ipcp_conf.c): how words
 * resolve per IPCP type, defaults, value checks and their messages, and
 * the T_CONF block both front-ends send (same bytes for the same
 * configuration however it is spelt; decoded back to the same struct).
 */
#include "common/args.h"
#include "common/ipcp_cmd.h"
#include "common/ipcp_conf.h"
#include "common/proto.h"

#include <stdio.h>
#include <string.h>

static int          failures;
static const char * cur = "";

#define CHECK(c) do {                                                   \
                if (!(c)) {                                             \
                        fprintf(stderr, "%s:%d: %s failed (%s)\n",      \
                                __FILE__, __LINE__, #c, cur);           \
                        ++failures;                                     \
                }                                                       \
        } while (0)

static const char * word(const char * w, enum ipcp_type t)
{
        const struct ipcp_opt * o = ipcp_opt_match(w, t);

        return o == NULL ? "(none)" : o->word;
}

static void test_resolve(void)
{
        const struct ipcp_opt * o;
        const struct ipcp_opt * ab = ipcp_opt_match("autobind",
                                                    IPCP_INVALID);
        size_t                  i;
        int                     t;

        cur = "resolve";
        /* the type decides, classic meanings stay */
        CHECK(!strcmp(word("d", IPCP_ETH_DIX), "dev"));
        CHECK(!strcmp(word("d", IPCP_ETH_LLC), "dev"));
        CHECK(!strcmp(word("d", IPCP_UNICAST), "directory"));
        CHECK(!strcmp(word("d", IPCP_UDP4), "dns"));
        CHECK(!strcmp(word("d", IPCP_INVALID), "directory"));
        /* a type's own options first, then the common ones: "a" is
         * unicast's addr (as in the classic irm), autobind elsewhere */
        CHECK(!strcmp(word("a", IPCP_UNICAST), "addr"));
        CHECK(!strcmp(word("a", IPCP_ETH_DIX), "autobind"));
        CHECK(!strcmp(word("a", IPCP_INVALID), "autobind"));
        CHECK(!strcmp(word("au", IPCP_UNICAST), "autobind"));
        CHECK(!strcmp(word("h", IPCP_UNICAST), "hash"));
        CHECK(!strcmp(word("ad", IPCP_UNICAST), "addr"));
        CHECK(!strcmp(word("addr_", IPCP_UNICAST), "addr_auth"));
        CHECK(!strcmp(word("e", IPCP_UNICAST), "eid"));
        CHECK(!strcmp(word("e", IPCP_ETH_DIX), "ethertype"));
        CHECK(!strcmp(word("e", IPCP_ETH_LLC), "(none)"));
        CHECK(!strcmp(word("m", IPCP_ETH_LLC), "mtu"));
        CHECK(!strcmp(word("m", IPCP_UNICAST), "mtu"));
        CHECK(!strcmp(word("i", IPCP_UDP6), "ip"));
        CHECK(!strcmp(word("p", IPCP_UDP6), "port"));
        CHECK(!strcmp(word("h", IPCP_LOCAL), "hash"));
        CHECK(!strcmp(word("r", IPCP_UNICAST), "routing"));
        CHECK(!strcmp(word("c", IPCP_UNICAST), "congestion"));
        CHECK(!strcmp(word("dht", IPCP_UNICAST), "dht_alpha"));
        CHECK(!strcmp(word("ls", IPCP_UNICAST), "ls_t_recalc"));
        CHECK(!strcmp(word("addr", IPCP_LOCAL), "(none)"));
        CHECK(!strcmp(word("", IPCP_UNICAST), "(none)"));

        /* autobind is the only flag; every full option word names
         * itself for each type it applies to */
        for (i = 0; (o = ipcp_opt_at(i)) != NULL; ++i) {
                CHECK(o->kind != IPCP_OPT_FLAG || o == ab);
                CHECK(o->types != 0);
                for (t = 0; t < IPCP_INVALID; ++t) {
                        const struct ipcp_opt * m;
                        if (!ipcp_opt_applies(o, t))
                                continue;
                        m = ipcp_opt_match(o->word, t);
                        cur = o->word;
                        CHECK(m != NULL && !strcmp(m->word, o->word));
                }
        }

        cur = "resolve";
        CHECK(!strcmp(ipcp_types_str(IPCP_T(IPCP_UDP4) | IPCP_T(IPCP_UDP6)),
                      "udp4/udp6"));
        CHECK(!strcmp(ipcp_types_str(IPCP_T_ALL), "all"));
        CHECK(!strcmp(ipcp_opt_arg(ipcp_opt_match("routing", IPCP_UNICAST)),
                      "link_state|lfa|ecmp"));
}

static void test_defaults(void)
{
        struct layer_config c;

        cur = "defaults";
        ipcp_conf_init(&c, IPCP_UNICAST, "L");
        CHECK(c.type == IPCP_UNICAST && !strcmp(c.layer, "L"));
        CHECK(c.hash == HASH_SHA3_256 && c.addr_size == 4);
        CHECK(c.eid_size == 8 && c.max_ttl == 60 && c.routing == 0);
        CHECK(c.congestion == 1 && c.dht_alpha == 3 && c.dht_k == 8);
        CHECK(c.dht_t_expire == 86400 && c.dht_t_refresh == 900);
        CHECK(c.dht_t_replicate == 900 && c.ls_t_recalc == 4);
        CHECK(c.ls_t_update == 15 && c.ls_t_timeo == 60);
        CHECK(c.port == 3435 && c.ethertype == 0xA000 && c.mtu == 1432);
        CHECK(c.ip[0] == '\0' && c.dns[0] == '\0' && c.dev[0] == '\0');

        /* mtu: the device's for eth, 1450 for a broadcast layer, 1432
         * for a unicast one. */
        CHECK(!strcmp(word("m", IPCP_UNICAST), "mtu"));
        CHECK(ipcp_opt_match("mtu", IPCP_UNICAST)->def == 1432);

        /* link-state is link_state, mb_ecn is mb-ecn */
        c.routing = 1;
        CHECK(ipcp_conf_set(&c, ipcp_opt_match("routing", IPCP_UNICAST),
                            "link-state") == 0 && c.routing == 0);
        CHECK(ipcp_conf_set(&c, ipcp_opt_match("congestion", IPCP_UNICAST),
                            "mb_ecn") == 0 && c.congestion == 1);
        CHECK(ipcp_conf_set(&c, ipcp_opt_match("routing", IPCP_UNICAST),
                            "link-stat") < 0);
        ipcp_conf_init(&c, IPCP_ETH_DIX, "L");
        CHECK(c.mtu == 0);
        ipcp_conf_init(&c, IPCP_BROADCAST, "L");
        CHECK(c.mtu == 1450);
        CHECK(!strcmp(word("m", IPCP_BROADCAST), "mtu"));
        CHECK(ipcp_opt_match("mtu", IPCP_BROADCAST)->def == 1450);
        CHECK(ipcp_opt_match("mtu", IPCP_ETH_LLC)->def == 0);
        CHECK(ipcp_opt_match("mtu", IPCP_LOCAL) == NULL);
}

/* What the library accepts from a caller (ipcp_conf_valid). */
static void test_valid(void)
{
        struct layer_config c;
        int                 t;

        cur = "valid";
        for (t = 0; t < IPCP_INVALID; ++t) {
                ipcp_conf_init(&c, t, "L");
                CHECK(ipcp_conf_valid(&c) == (t != IPCP_UDP4 &&
                                              t != IPCP_UDP6 &&
                                              t != IPCP_ETH_LLC &&
                                              t != IPCP_ETH_DIX));
        }
        ipcp_conf_init(&c, IPCP_UDP4, "L");
        strcpy(c.ip, "1.2.3.4");
        CHECK(ipcp_conf_valid(&c));
        strcpy(c.dns, "::1");
        CHECK(!ipcp_conf_valid(&c));
        c.type = IPCP_UDP6;
        CHECK(!ipcp_conf_valid(&c));
        strcpy(c.ip, "::2");
        CHECK(ipcp_conf_valid(&c));
        c.port = 0;
        CHECK(!ipcp_conf_valid(&c));

        ipcp_conf_init(&c, IPCP_ETH_DIX, "L");
        strcpy(c.dev, "veth0");
        CHECK(ipcp_conf_valid(&c));
        c.mtu = 10;
        CHECK(!ipcp_conf_valid(&c));
        c.mtu = 64;
        CHECK(ipcp_conf_valid(&c));
        c.ethertype = 0x05FF;
        CHECK(!ipcp_conf_valid(&c));
        c.type = IPCP_ETH_LLC;  /* llc has no ethertype */
        CHECK(ipcp_conf_valid(&c));
        memset(c.dev, 'x', sizeof(c.dev));
        CHECK(!ipcp_conf_valid(&c));

        ipcp_conf_init(&c, IPCP_UNICAST, "L");
        c.dht_k = 0;
        CHECK(!ipcp_conf_valid(&c));
        ipcp_conf_init(&c, IPCP_UNICAST, "L");
        c.routing = 3;
        CHECK(!ipcp_conf_valid(&c));
        ipcp_conf_init(&c, IPCP_LOCAL, "L");
        c.hash = (enum hash_algo) 4;
        CHECK(!ipcp_conf_valid(&c));
        ipcp_conf_init(&c, IPCP_LOCAL, "");
        CHECK(!ipcp_conf_valid(&c));
        ipcp_conf_init(&c, IPCP_INVALID, "L");
        CHECK(!ipcp_conf_valid(&c));
}

/* Parse a line of words (the irm command line after "irm ipcp", or a
 * configuration line after "ipcp"). */
static int parse(const char * line, struct ipcp_cmd * c)
{
        static char buf[1024];
        static char * argv[128];
        int           argc = 0;
        char *        s;

        cur = line;
        snprintf(buf, sizeof(buf), "%s", line);
        for (s = strtok(buf, " "); s != NULL; s = strtok(NULL, " "))
                argv[argc++] = s;
        argv[argc] = NULL;
        args_clear_err();

        return ipcp_cmd_parse(argc, argv, c);
}

/* The T_CONF bytes of bootstrap line for type t, or -1. */
static int conf_bytes(const char *   line,
                      enum ipcp_type t,
                      struct msg *   m)
{
        struct ipcp_cmd     c;
        struct layer_config conf;
        struct layer_config back;
        struct msg_view     v;

        if (parse(line, &c) < 0 ||
            ipcp_cmd_conf(&c, t == IPCP_INVALID ? c.type : t, &conf) < 0)
                return -1;

        msg_init(m, M_IPCP_BOOTSTRAP, 0, 0);
        CHECK(ipcp_conf_put(m, &conf) == 0);

        /* and back */
        CHECK(msg_sub(msg_body(m), T_CONF, 0, &v) == 0);
        CHECK(ipcp_conf_get(v, &back) == 0);
        CHECK(memcmp(&back, &conf, sizeof(conf)) == 0);

        return 0;
}

static void same(const char * a, const char * b)
{
        static struct msg ma;
        static struct msg mb;

        CHECK(conf_bytes(a, IPCP_INVALID, &ma) == 0);
        CHECK(conf_bytes(b, IPCP_INVALID, &mb) == 0);
        cur = b;
        CHECK(ma.len == mb.len && memcmp(ma.buf, mb.buf, ma.len) == 0);
}

static void test_same_request(void)
{
        static struct msg   m;
        struct ipcp_cmd     c;
        struct layer_config conf;
        struct msg_view     v;
        uint32_t            u;
        char                s[64];

        same("bootstrap name u layer l type unicast addr 2 eid 4 ttl 9 "
             "addr_auth flat directory DHT routing ecmp congestion none "
             "dht_alpha 2 dht_k 3 dht_t_expire 40 dht_t_refresh 5 "
             "dht_t_replicate 6 ls_t_recalc 7 ls_t_update 8 ls_t_timeo 9 "
             "hash SHA3_384 autobind",
             "b n u l l t unicast au a 2 ei 4 tt 9 addr_ flat d dht r ecmp "
             "c none dht_a 2 dht_k 3 dht_t_e 40 dht_t_ref 5 dht_t_rep 6 "
             "ls_t_r 7 ls_t_u 8 ls_t_t 9 h sha3_384");
        /* the options changed the request, all of them */
        same("bootstrap name u layer l type unicast addr_auth flat",
             "bootstrap name u layer l type unicast directory DHT");
        CHECK(conf_bytes("b n u l l t unicast", IPCP_INVALID, &m) == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(msg_get_u32(v, T_C_ROUTING, &u) == 0 && u == 0);
        CHECK(!msg_has(v, T_C_PORT) && !msg_has(v, T_C_DEV));

        same("bootstrap name e layer l type eth-dix dev veth0 ethertype "
             "0x0801 mtu 9000", "b t eth-dix m 9000 e 2049 d veth0 n e l l");
        CHECK(conf_bytes("b n e l l t eth-dix d veth0", IPCP_INVALID, &m)
              == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(msg_get_u32(v, T_C_ETHERTYPE, &u) == 0 && u == 0xA000);
        CHECK(!msg_has(v, T_C_MTU));  /* the device's */
        CHECK(msg_get_str(v, T_C_DEV, s, sizeof(s) - 1) == 5);
        CHECK(conf_bytes("b n e l l t eth-llc d veth0 m 1500", IPCP_INVALID,
                         &m) == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(!msg_has(v, T_C_ETHERTYPE));
        CHECK(msg_get_u32(v, T_C_MTU, &u) == 0 && u == 1500);

        /* broadcast: mtu sent always, 1450 by default */
        CHECK(conf_bytes("b n b l l t broadcast", IPCP_INVALID, &m) == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(msg_get_u32(v, T_C_MTU, &u) == 0 && u == 1450);
        CHECK(conf_bytes("b n b l l t broadcast m 9000", IPCP_INVALID, &m)
              == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(msg_get_u32(v, T_C_MTU, &u) == 0 && u == 9000);

        /* unicast: timers that contradict each other are refused */
        CHECK(conf_bytes("b n u l l t unicast ls_t_update 60 ls_t_timeo 1",
                         IPCP_INVALID, &m) < 0);
        CHECK(conf_bytes("b n u l l t unicast ls_t_update 59", IPCP_INVALID,
                         &m) == 0);
        CHECK(conf_bytes("b n u l l t unicast ls_t_update 60 ls_t_timeo 60",
                         IPCP_INVALID, &m) < 0);
        CHECK(conf_bytes("b n u l l t unicast dht_t_expire 1", IPCP_INVALID,
                         &m) < 0);
        CHECK(conf_bytes("b n u l l t unicast dht_t_expire 901 "
                         "dht_t_replicate 901", IPCP_INVALID, &m) < 0);
        CHECK(conf_bytes("b n u l l t unicast dht_t_expire 901",
                         IPCP_INVALID, &m) == 0);

        /* unicast: mtu sent always, 1432 by default */
        CHECK(conf_bytes("b n u l l t unicast", IPCP_INVALID, &m) == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(msg_get_u32(v, T_C_MTU, &u) == 0 && u == 1432);
        CHECK(conf_bytes("b n u l l t unicast mtu 63", IPCP_INVALID, &m)
              < 0);

        same("bootstrap name p layer l type udp6 ip ::1 port 1 dns ::2",
             "b n p l l t udp6 i ::1 p 1 d ::2");
        CHECK(conf_bytes("b n p l l t udp4 ip 1.2.3.4", IPCP_INVALID, &m)
              == 0);
        CHECK(msg_sub(msg_body(&m), T_CONF, 0, &v) == 0);
        CHECK(!msg_has(v, T_C_DNS));
        CHECK(msg_get_u32(v, T_C_PORT, &u) == 0 && u == 3435);

        /* without a type: checked against the type found at run time */
        CHECK(parse("bootstrap name x layer y d eth0", &c) == 0);
        CHECK(!c.has_type && c.n_opts == 1);
        CHECK(ipcp_cmd_conf(&c, IPCP_ETH_LLC, &conf) == 0);
        CHECK(!strcmp(conf.dev, "eth0"));
        CHECK(ipcp_cmd_conf(&c, IPCP_UNICAST, &conf) < 0);
        CHECK(!strcmp(args_last_err(), "unknown directory 'eth0' "
                      "(expected one of: DHT)"));
        CHECK(parse("bootstrap name x layer y autobind", &c) == 0);
        CHECK(c.autobind && c.n_opts == 0);

        /* "a" as the named type reads it, wherever the type is */
        CHECK(parse("b n x l y t unicast a 2", &c) == 0);
        CHECK(!c.autobind && c.n_opts == 1);
        CHECK(ipcp_cmd_conf(&c, IPCP_UNICAST, &conf) == 0);
        CHECK(conf.addr_size == 2);
        CHECK(parse("b a 3 n x l y t unicast", &c) == 0);
        CHECK(ipcp_cmd_conf(&c, IPCP_UNICAST, &conf) == 0);
        CHECK(conf.addr_size == 3 && !c.autobind);
        CHECK(parse("b n x l y a t eth-dix d veth0", &c) == 0);
        CHECK(c.autobind && c.n_opts == 1);
        CHECK(parse("b n x l y t unicast au", &c) == 0);
        CHECK(c.autobind && c.n_opts == 0);
        /* read by no type as written: without one (a lone a: autobind) */
        CHECK(parse("b n x l y t unicast a", &c) == 0);
        CHECK(c.autobind && c.n_opts == 0);
}

/* line must fail with exactly msg. */
static void bad(const char * line,
                const char * msg)
{
        struct ipcp_cmd c;

        CHECK(parse(line, &c) < 0);
        if (strcmp(args_last_err(), msg) != 0) {
                fprintf(stderr, "'%s': '%s', expected '%s'\n", line,
                        args_last_err(), msg);
                ++failures;
        }
}

static void test_errors(void)
{
        bad("bootstrap name a layer b type unicast addr 9",
            "addr must be 1..8");
        bad("bootstrap name a layer b type unicast addr_auth x",
            "unknown addr_auth 'x' (expected one of: flat)");
        bad("bootstrap name a layer b type unicast directory x",
            "unknown directory 'x' (expected one of: DHT)");
        bad("bootstrap name a layer b type unicast hash MD5",
            "unknown hash 'MD5' (expected one of: SHA3_224, SHA3_256, "
            "SHA3_384, SHA3_512)");
        bad("bootstrap name a layer b type eth-dix dev d mtu 10",
            "mtu must be 64..65535");
        bad("bootstrap name a layer b type broadcast mtu 63",
            "mtu must be 64..65535");
        bad("bootstrap name a layer b type eth-dix dev d mtu x",
            "mtu must be a number (64..65535), not 'x'");
        bad("bootstrap name a layer b type eth-dix dev d e 0x10",
            "ethertype must be 0x0600..0xFFFF");
        bad("bootstrap name a layer b type eth-llc dev d ethertype 0xA000",
            "'ethertype' is not an option of IPCP type eth-llc");
        bad("bootstrap name a layer b type eth-llc", "bootstrap of an "
            "eth-llc IPCP needs 'dev'");
        bad("bootstrap name a layer b type udp4", "bootstrap of a udp4 "
            "IPCP needs 'ip'");
        bad("bootstrap name a layer b type udp6 ip 1.2.3.4",
            "ip must be an IPv6 address, not '1.2.3.4'");
        bad("bootstrap name a layer b type udp4 ip 1.2.3.4 dns x",
            "dns must be an IPv4 address, not 'x'");
        bad("bootstrap name a layer b type local addr 2",
            "'addr' is not an option of IPCP type local");
        bad("bootstrap name a layer b type unicast addr 2 ad 3",
            "'addr' given twice");
        bad("bootstrap name a layer b addr 2 addr 3", "'addr' given twice");
        bad("bootstrap name a layer b addr 9", "addr must be 1..8");
        bad("bootstrap name a layer b mtu 9", "mtu must be 64..65535");
        bad("bootstrap name a name b layer c", "'name' given twice");
        bad("bootstrap name a layer b type unicast addr", "'addr' needs a "
            "value");
        bad("bootstrap name a layer", "'layer' needs a value");
        bad("bootstrap name a", "ipcp bootstrap needs 'layer'");
        bad("bootstrap name a layer b type foo", "unknown IPCP type 'foo' "
            "(expected one of: unicast, broadcast, local, udp4, udp6, "
            "eth-llc, eth-dix)");
        bad("bootstrap name a layer b type local x 1", "unknown word 'x' "
            "for ipcp bootstrap (expected one of: name, layer, type, hash, "
            "autobind)");
        bad("enroll name a", "ipcp enroll needs 'layer' or 'dst'");
        bad("enroll name a layer b type local", "unknown enroll type "
            "'local' (expected one of: unicast, broadcast)");
        bad("connect name a dst b qos fast", "unknown qos 'fast' (expected "
            "one of: raw, best, voice, video, data)");
        bad("disconnect name a dst b qos raw", "unknown word 'qos' for ipcp "
            "disconnect (expected one of: name, dst, component)");
        bad("frob", "unknown ipcp command 'frob' (expected one of: create, "
            "destroy, bootstrap, enroll, connect, disconnect, list, stat)");
}

/* What each type refuses, and why (one line, the type named). */
static void test_unsupported(void)
{
        const char * w;

        CHECK(ipcp_cmd_unsupported(IPCP_CMD_ENROLL, IPCP_UNICAST) == NULL);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_ENROLL, IPCP_BROADCAST) == NULL);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_CONNECT, IPCP_UNICAST) == NULL);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_BOOTSTRAP, IPCP_ETH_DIX) == NULL);

        /* components: broadcast has dt alone */
        CHECK(!strcmp(ipcp_cmd_comps(IPCP_UNICAST)[0], "mgmt"));
        CHECK(!strcmp(ipcp_cmd_comps(IPCP_UNICAST)[1], "dt"));
        CHECK(ipcp_cmd_comps(IPCP_UNICAST)[2] == NULL);
        CHECK(!strcmp(ipcp_cmd_comps(IPCP_BROADCAST)[0], "dt"));
        CHECK(ipcp_cmd_comps(IPCP_BROADCAST)[1] == NULL);
        CHECK(ipcp_cmd_comp_unsupported(IPCP_BROADCAST, NULL) == NULL);
        CHECK(ipcp_cmd_comp_unsupported(IPCP_BROADCAST, "dt") == NULL);
        w = ipcp_cmd_comp_unsupported(IPCP_BROADCAST, "mgmt");
        CHECK(w != NULL && strstr(w, "broadcast") != NULL &&
              strchr(w, '\n') == NULL);
        CHECK(ipcp_cmd_comp_unsupported(IPCP_UNICAST, "mgmt") == NULL);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_ENROLL, IPCP_INVALID) == NULL);
        w = ipcp_cmd_unsupported(IPCP_CMD_ENROLL, IPCP_ETH_DIX);
        CHECK(w != NULL && strcmp(w, "eth-dix layers have no enrollment: "
                                  "bootstrap every member with the same "
                                  "layer name") == 0);
        w = ipcp_cmd_unsupported(IPCP_CMD_DISCONNECT, IPCP_UDP6);
        CHECK(w != NULL && strncmp(w, "udp6 layers have no connections: ",
                                   33) == 0);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_CONNECT, IPCP_ETH_LLC) != NULL);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_ENROLL, IPCP_UDP4) != NULL);
        CHECK(ipcp_cmd_unsupported(IPCP_CMD_ENROLL, IPCP_LOCAL) != NULL);
        CHECK(strchr(ipcp_cmd_unsupported(IPCP_CMD_CONNECT, IPCP_LOCAL),
                     '\n') == NULL);
}

int main(void)
{
        test_unsupported();
        test_resolve();
        test_defaults();
        test_valid();
        test_same_request();
        test_errors();

        if (failures > 0) {
                fprintf(stderr, "unit_ipcp_conf: %d failure(s)\n", failures);
                return 1;
        }

        printf("unit_ipcp_conf: all passed\n");

        return 0;
}
