/*
 * Ouroboros - unit test of the irm command line: prefix matching, the
 * seed's abbreviated commands, value checks and the error messages.
 * Needs no IRMd: only irm_parse and irm_boot_conf are called.
 */
#include "common/args.h"
#include "cmd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

#define CHECK(c) do {                                                   \
                if (!(c)) {                                             \
                        fprintf(stderr, "%s:%d: %s failed (line: %s)\n", \
                                __FILE__, __LINE__, #c, cur_line);      \
                        ++failures;                                     \
                }                                                       \
        } while (0)

static const char *   cur_line = "";
static struct irm_cmd cmd;
static char           words[4096];

/* Parse "irm <line>" with words split on spaces. */
static int parse(const char * line)
{
        char * argv[256];
        int    argc = 0;
        char * s;

        irm_cmd_fini(&cmd);
        cur_line = line;
        snprintf(words, sizeof(words), "%s", line);

        argv[argc++] = "irm";
        for (s = strtok(words, " "); s != NULL; s = strtok(NULL, " "))
                argv[argc++] = s;
        argv[argc] = NULL;

        return irm_parse(argc, argv, &cmd);
}

/* The line must fail as a usage error with msg in the message. */
static void bad(const char * line,
                const char * msg)
{
        int r = parse(line);

        CHECK(r == IRM_EUSAGE);
        if (strstr(args_last_err(), msg) == NULL) {
                fprintf(stderr, "line '%s': message '%s' lacks '%s'\n",
                        line, args_last_err(), msg);
                ++failures;
        }
}

static void test_match(void)
{
        static const char * const w[] = {
                "program", "process", "ipcp", "name", "auto"
        };

        cur_line = "args_match";
        CHECK(args_match("p", w, 5) == 0);
        CHECK(args_match("pro", w, 5) == 0);
        CHECK(args_match("prog", w, 5) == 0);
        CHECK(args_match("proc", w, 5) == 1);
        CHECK(args_match("process", w, 5) == 1);
        CHECK(args_match("i", w, 5) == 2);
        CHECK(args_match("n", w, 5) == 3);
        CHECK(args_match("a", w, 5) == 4);
        CHECK(args_match("x", w, 5) == -ENOENT);
        CHECK(args_match("", w, 5) == -ENOENT);
        CHECK(args_match("programs", w, 5) == -ENOENT);
}

static void test_seed(void)
{
        CHECK(parse("i b t local n local l local") == IRM_OK);
        CHECK(cmd.op == OP_IPCP_BOOTSTRAP);
        CHECK(cmd.has_type && cmd.type == IPCP_LOCAL);
        CHECK(cmd.name != NULL && strcmp(cmd.name, "local") == 0);
        CHECK(cmd.layer != NULL && strcmp(cmd.layer, "local") == 0);

        CHECK(parse("n r oecho l local") == IRM_OK);
        CHECK(cmd.op == OP_NAME_REG);
        CHECK(strcmp(cmd.name, "oecho") == 0);
        CHECK(cmd.n_targets == 1 && cmd.targets[0].layer);
        CHECK(cmd.n_targets == 1 && strcmp(cmd.targets[0].s, "local") == 0);

        CHECK(parse("b prog ./oecho.py n oecho") == IRM_OK);
        CHECK(cmd.op == OP_BIND_PROG);
        CHECK(strcmp(cmd.prog, "./oecho.py") == 0);
        CHECK(strcmp(cmd.name, "oecho") == 0);

        /* the same, spelt out, and in another order */
        CHECK(parse("ipcp bootstrap layer local name local type local")
              == IRM_OK);
        CHECK(cmd.op == OP_IPCP_BOOTSTRAP && cmd.type == IPCP_LOCAL);
        CHECK(parse("bind name oecho program /bin/true") == IRM_OK);
        CHECK(cmd.op == OP_BIND_PROG);
}

static void test_ipcp(void)
{
        struct layer_config c;

        CHECK(parse("ipcp create name a type unicast") == IRM_OK);
        CHECK(cmd.op == OP_IPCP_CREATE && cmd.type == IPCP_UNICAST);
        CHECK(parse("i c t eth-dix n a") == IRM_OK);
        CHECK(cmd.op == OP_IPCP_CREATE && cmd.type == IPCP_ETH_DIX);
        CHECK(parse("i de n a") == IRM_OK && cmd.op == OP_IPCP_DESTROY);
        CHECK(parse("i d n a") == IRM_OK && cmd.op == OP_IPCP_DESTROY);
        CHECK(parse("i di n a dst b") == IRM_OK);
        CHECK(cmd.op == OP_IPCP_DISCONNECT && cmd.component == NULL);
        CHECK(parse("i l") == IRM_OK && cmd.op == OP_IPCP_LIST);
        /* stat, a project addition: 's' abbreviates nothing classic */
        CHECK(parse("ipcp stat name e1") == IRM_OK);
        CHECK(cmd.op == OP_IPCP_STAT && strcmp(cmd.name, "e1") == 0);
        CHECK(parse("i s n e1") == IRM_OK && cmd.op == OP_IPCP_STAT);
        CHECK(parse("i s") == IRM_EUSAGE);
        CHECK(strcmp(args_last_err(), "ipcp stat needs 'name'") == 0);
        CHECK(parse("ipcp stat help") == IRM_OK && cmd.op == OP_USAGE);
        CHECK(cmd.usage_of != NULL && !strcmp(cmd.usage_of, "stat"));
        CHECK(parse("ipcp") == IRM_OK && cmd.op == OP_USAGE);
        CHECK(cmd.group == G_IPCP);
        CHECK(parse("ipcp help") == IRM_OK && cmd.op == OP_USAGE);
        CHECK(parse("ipcp bootstrap help") == IRM_OK && cmd.op == OP_USAGE);
        CHECK(cmd.usage_of != NULL && !strcmp(cmd.usage_of, "bootstrap"));

        /* enroll: dst defaults to the layer, type unicast */
        CHECK(parse("i e n a l norm a") == IRM_OK); /* 'a' = autobind */
        CHECK(cmd.op == OP_IPCP_ENROLL && strcmp(cmd.dst, "norm") == 0);
        CHECK(cmd.autobind && cmd.type == IPCP_UNICAST && !cmd.has_type);
        CHECK(parse("i e n a d peer t broadcast") == IRM_OK);
        CHECK(strcmp(cmd.dst, "peer") == 0 && cmd.type == IPCP_BROADCAST);
        CHECK(cmd.layer == NULL);

        /* connect */
        CHECK(parse("i co n a d b c dt q voice") == IRM_OK);
        CHECK(cmd.op == OP_IPCP_CONNECT && !strcmp(cmd.component, "dt"));
        CHECK(cmd.qos.delay == qos_voice.delay);
        CHECK(parse("i co n a d b") == IRM_OK);
        CHECK(cmd.qos.delay == qos_raw.delay && cmd.component == NULL);

        /* bootstrap options and the configuration they give */
        CHECK(parse("i b n u l norm t unicast a addr 2 eid 4 ttl 9 "
                    "r lfa co none dht_k 16 ls_t_recalc 1 h SHA3_512")
              == IRM_OK);
        CHECK(cmd.autobind);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(c.type == IPCP_UNICAST && strcmp(c.layer, "norm") == 0);
        CHECK(c.addr_size == 2 && c.eid_size == 4 && c.max_ttl == 9);
        CHECK(c.routing == 1 && c.congestion == 0 && c.dht_k == 16);
        CHECK(c.ls_t_recalc == 1 && c.hash == HASH_SHA3_512);
        CHECK(c.dht_alpha == 3 && c.ls_t_update == 15);

        CHECK(parse("i b n u l norm t unicast") == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(c.hash == HASH_SHA3_256 && c.addr_size == 4);
        CHECK(c.eid_size == 8 && c.max_ttl == 60 && c.routing == 0);
        CHECK(c.congestion == 1 && c.dht_alpha == 3 && c.dht_k == 8);
        CHECK(c.dht_t_expire == 86400 && c.dht_t_refresh == 900);
        CHECK(c.dht_t_replicate == 900 && c.ls_t_recalc == 4);
        CHECK(c.ls_t_update == 15 && c.ls_t_timeo == 60);

        CHECK(parse("i b n e l eth t eth-dix dev veth0 ethertype 0xA001")
              == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(c.ethertype == 0xA001 && strcmp(c.dev, "veth0") == 0);
        CHECK(parse("i b n e l eth t eth-dix dev veth0") == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(c.ethertype == 0xA000);

        CHECK(parse("i b n x l udp t udp4 ip 10.0.0.1 port 4000 dns 1.1.1.1")
              == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(c.port == 4000 && !strcmp(c.ip, "10.0.0.1"));
        CHECK(!strcmp(c.dns, "1.1.1.1"));
        CHECK(parse("i b n x l udp t udp6 ip ::1") == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0 && c.port == 3435);

        /* options resolve among those of the type (ipcp_conf.c) */
        CHECK(parse("i b n e l eth t eth-llc d veth0 m 9000 a") == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(!strcmp(c.dev, "veth0") && c.mtu == 9000 && cmd.autobind);
        CHECK(parse("i b n u l n t unicast d DHT addr_a flat") == IRM_OK);
        CHECK(parse("i b n x l udp t udp4 i 10.0.0.1 d 10.0.0.2 p 9")
              == IRM_OK);
        CHECK(irm_boot_conf(&cmd, cmd.type, &c) == 0);
        CHECK(!strcmp(c.dns, "10.0.0.2") && c.port == 9);

        /* without a type the type-specific checks wait for run time */
        CHECK(parse("i b n x l y addr 2") == IRM_OK && !cmd.has_type);
        CHECK(irm_boot_conf(&cmd, IPCP_LOCAL, &c) < 0);
        CHECK(strstr(args_last_err(), "'addr' is not an option of IPCP "
                     "type local") != NULL);
}

static void test_name_bind(void)
{
        CHECK(parse("n c srv lb spillover") == IRM_OK);
        CHECK(cmd.op == OP_NAME_CREATE && cmd.lb == LB_SPILL);
        CHECK(parse("n c srv") == IRM_OK && cmd.lb == LB_RR);
        CHECK(parse("n d srv") == IRM_OK && cmd.op == OP_NAME_DESTROY);
        CHECK(parse("n u srv i a l b i c") == IRM_OK);
        CHECK(cmd.op == OP_NAME_UNREG && cmd.n_targets == 3);
        CHECK(cmd.n_targets == 3 && !cmd.targets[0].layer);
        CHECK(cmd.n_targets == 3 && cmd.targets[1].layer);
        CHECK(cmd.n_targets == 3 && !strcmp(cmd.targets[2].s, "c"));
        CHECK(parse("n l") == IRM_OK && cmd.op == OP_NAME_LIST);
        /* the name is the first word, even if it looks like a keyword */
        CHECK(parse("n r layer l x") == IRM_OK);
        CHECK(strcmp(cmd.name, "layer") == 0);

        CHECK(parse("b proc 42 n x") == IRM_OK);
        CHECK(cmd.op == OP_BIND_PROC && cmd.pid == 42);
        CHECK(parse("b i ipcp0 n x") == IRM_OK && cmd.op == OP_BIND_IPCP);
        CHECK(parse("b prog oecho n x a -- -l --foo") == IRM_OK);
        CHECK(cmd.autostart && cmd.n_args == 2);
        CHECK(cmd.n_args == 2 && strcmp(cmd.args[1], "--foo") == 0);
        CHECK(parse("u prog oecho") == IRM_OK && cmd.op == OP_UNBIND_PROG);
        CHECK(cmd.name == NULL);
        CHECK(parse("u proc 7 n x") == IRM_OK && cmd.op == OP_UNBIND_PROC);
        CHECK(parse("u i a n x") == IRM_OK && cmd.op == OP_UNBIND_IPCP);
        CHECK(parse("bind") == IRM_OK && cmd.op == OP_USAGE);
        CHECK(cmd.group == G_BIND);
        CHECK(parse("unbind help") == IRM_OK && cmd.group == G_UNBIND);
        CHECK(parse("") == IRM_OK && cmd.op == OP_USAGE);
        CHECK(parse("h") == IRM_OK && cmd.op == OP_USAGE);
}

static void test_errors(void)
{
        char line[1024];
        char n256[257];

        bad("foo", "unknown command 'foo' (expected one of: ipcp, bind, "
            "unbind, name, layer, help)");
        bad("ipcp frob", "unknown ipcp command 'frob'");
        bad("name frob x", "unknown name command 'frob'");
        bad("ipcp create name", "'name' needs a value");
        bad("ipcp create name a", "ipcp create needs 'type'");
        bad("ipcp create type local", "ipcp create needs 'name'");
        bad("ipcp create name a type foo", "unknown IPCP type 'foo' "
            "(expected one of: unicast, broadcast, local, udp4, udp6, "
            "eth-llc, eth-dix)");
        bad("ipcp create name a name b type local", "'name' given twice");
        bad("ipcp create name a type local bogus 1",
            "unknown word 'bogus' for ipcp create");
        bad("i b n a l b t unicast addr 9", "addr must be 1..8");
        bad("i b n a l b t unicast addr 0", "addr must be 1..8");
        bad("i b n a l b t unicast addr x2", "addr must be a number");
        bad("i b n a l b t unicast addr 2x", "addr must be a number");
        bad("i b n a l b t unicast addr -1", "addr must be a number");
        bad("i b n a l b t unicast ttl 256", "ttl must be 1..255");
        bad("i b n a l b t unicast ls_t_timeo 99999999999",
            "ls_t_timeo must be 1..4294967295");
        bad("i b n a l b t udp4 ip 1.2.3.4 port 70000",
            "port must be 1..65535");
        bad("i b n a l b t eth-dix dev d ethertype 0x10",
            "ethertype must be 0x0600..0xFFFF");
        bad("i b n a l b t eth-dix dev d ethertype 0xZZ",
            "ethertype must be a number");
        bad("i b n a l b t unicast routing foo", "unknown routing 'foo'");
        bad("i b n a l b t unicast congestion x", "unknown congestion 'x'");
        bad("i b n a l b t unicast hash MD5", "unknown hash 'MD5'");
        bad("i b n a l b t unicast addr_auth x", "unknown addr_auth 'x'");
        bad("i b n a l b t local addr 2",
            "'addr' is not an option of IPCP type local");
        bad("i b n a l b t eth-llc dev d ethertype 0xA000",
            "'ethertype' is not an option of IPCP type eth-llc");
        bad("i b n a l b t udp4", "needs 'ip'");
        bad("i b n a l b t udp4 ip ::1", "ip must be an IPv4 address");
        bad("i b n a l b t eth-llc", "needs 'dev'");
        bad("i b n a l b t eth-llc d x m 63", "mtu must be 64..65535");
        bad("i b n a l b t unicast m 63", "mtu must be 64..65535");
        bad("i b n a l b t unicast directory x", "unknown directory 'x'");
        bad("i b n a t local", "ipcp bootstrap needs 'layer'");
        bad("i e n a", "ipcp enroll needs 'layer' or 'dst'");
        bad("i e n a l b t local", "unknown enroll type 'local'");
        bad("i co n a", "ipcp connect needs 'dst'");
        bad("i co n a d b c foo", "unknown component 'foo'");
        bad("i co n a d b q fast", "unknown qos 'fast'");
        bad("i di n a d b q raw", "unknown word 'q' for ipcp disconnect");
        bad("i l x", "ipcp list takes no arguments");
        bad("n c", "name create needs a name");
        bad("n c a lb foo", "unknown lb policy 'foo'");
        bad("n r a", "name register needs 'ipcp' or 'layer'");
        bad("n r a layer", "'layer' needs a value");
        bad("n d a b", "unknown word 'b' for name destroy");
        bad("b prog x", "bind program needs 'name'");
        bad("b n x", "bind needs 'program', 'process' or 'ipcp'");
        bad("b prog x proc 1 n y", "not several");
        bad("b proc abc n y", "process must be a number");
        bad("b proc 0 n y", "process must be 1..");
        bad("b proc 1 n y auto", "'auto' applies to programs only");
        bad("b prog x n y -- a", "arguments after '--' need 'auto'");
        bad("u i a", "unbind ipcp needs 'name'");
        bad("u prog x a", "unknown word 'a' for unbind");

        memset(n256, 'x', 256);
        n256[256] = '\0';
        snprintf(line, sizeof(line), "ipcp create name %s type local", n256);
        bad(line, "IPCP name is too long (256 bytes, at most 255)");
        snprintf(line, sizeof(line), "name create %s", n256);
        bad(line, "name is too long (256 bytes, at most 255)");
        snprintf(line, sizeof(line), "b prog x n %s", n256);
        bad(line, "name is too long");
        snprintf(line, sizeof(line), "i b n a t local l %s", n256);
        bad(line, "layer name is too long");
        n256[255] = '\0';  /* 255 fits */
        snprintf(line, sizeof(line), "name create %s", n256);
        CHECK(parse(line) == IRM_OK);
}

/* irm layer graph L (a project addition). */
static void test_layer(void)
{
        char line[600];
        char n256[257];

        CHECK(parse("layer graph net1") == IRM_OK);
        CHECK(cmd.op == OP_LAYER_GRAPH);
        CHECK(cmd.layer != NULL && strcmp(cmd.layer, "net1") == 0);
        CHECK(parse("l g net1") == IRM_OK);
        CHECK(cmd.op == OP_LAYER_GRAPH);
        CHECK(parse("layer graph graph") == IRM_OK);
        CHECK(strcmp(cmd.layer, "graph") == 0);
        CHECK(parse("layer") == IRM_OK);
        CHECK(cmd.op == OP_USAGE && cmd.group == G_LAYER);
        CHECK(parse("layer help") == IRM_OK);
        CHECK(cmd.op == OP_USAGE && cmd.group == G_LAYER);
        CHECK(parse("layer graph help") == IRM_OK);
        CHECK(cmd.op == OP_USAGE && cmd.usage_of != NULL &&
              strcmp(cmd.usage_of, "graph") == 0);
        bad("layer graph", "missing the layer name");
        bad("layer graph a b", "unexpected 'b' after the layer name");
        bad("layer frob a", "unknown layer command 'frob'");
        memset(n256, 'x', 256);
        n256[256] = '\0';
        snprintf(line, sizeof(line), "layer graph %s", n256);
        bad(line, "layer name is too long");
}

int main(void)
{
        test_match();
        test_seed();
        test_ipcp();
        test_name_bind();
        test_errors();
        test_layer();

        irm_cmd_fini(&cmd);

        if (failures > 0) {
                fprintf(stderr, "unit_irm_parse: %d failure(s)\n", failures);
                return 1;
        }

        printf("unit_irm_parse: all passed\n");

        return 0;
}
