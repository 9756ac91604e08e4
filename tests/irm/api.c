/*
 * Ouroboros - test of the management API (irm.h) as a C program sees it,
 * run by test_api.sh: "test-irm-api offline" needs no IRMd (argument
 * checks, defaults, strings, -EIRMD); "test-irm-api online" runs against
 * the private IRMd of the test, with ipcpd-local available.
 */
#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include "../check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char long_name[NAME_MAX_LEN + 2];

static void offline(void)
{
        struct layer_config     c;
        struct ipcp_list_info * ipcps = (void *) 1;
        struct name_info *      names = (void *) 1;
        struct ipcp_stat_entry * st   = (void *) 1;
        char *                  argv[] = { "-l", NULL };
        char                    err[256];

        /* strings */
        CHECK(strcmp(irm_ipcp_type_str(IPCP_LOCAL), "local") == 0);
        CHECK(strcmp(irm_ipcp_type_str(IPCP_ETH_DIX), "eth-dix") == 0);
        CHECK(irm_ipcp_type_str(IPCP_INVALID) == NULL);
        CHECK(irm_ipcp_type_parse("udp6") == IPCP_UDP6);
        CHECK(irm_ipcp_type_parse("eth-llc") == IPCP_ETH_LLC);
        CHECK(irm_ipcp_type_parse("Local") == IPCP_INVALID);
        CHECK(irm_ipcp_type_parse(NULL) == IPCP_INVALID);
        CHECK(strcmp(irm_ipcp_state_str(IPCP_STATE_OPERATIONAL),
                     "operational") == 0);
        CHECK(irm_ipcp_state_str((enum ipcp_state) 99) == NULL);
        CHECK(irm_ipcp_type_supported(IPCP_UNICAST));
        CHECK(!irm_ipcp_type_supported(IPCP_INVALID));
        CHECK(irm_sock_path() != NULL &&
              strstr(irm_sock_path(), "irmd.sock") != NULL);

        /* documented defaults */
        irm_layer_config_init(&c, IPCP_UNICAST, "norm");
        CHECK(c.type == IPCP_UNICAST && strcmp(c.layer, "norm") == 0);
        CHECK(c.hash == HASH_SHA3_256);
        CHECK(c.addr_size == 4 && c.eid_size == 8 && c.max_ttl == 60);
        CHECK(c.routing == 0 && c.congestion == 1);
        CHECK(c.dht_alpha == 3 && c.dht_k == 8);
        CHECK(c.dht_t_expire == 86400 && c.dht_t_refresh == 900);
        CHECK(c.dht_t_replicate == 900);
        CHECK(c.ls_t_recalc == 4 && c.ls_t_update == 15);
        CHECK(c.ls_t_timeo == 60 && c.mtu == 1432);
        CHECK(c.port == 3435 && c.ethertype == 0xA000);

        /* arguments are checked before anything is sent */
        memset(long_name, 'x', NAME_MAX_LEN + 1);
        CHECK(irm_create_ipcp(NULL, IPCP_LOCAL) == -EINVAL);
        CHECK(irm_create_ipcp("", IPCP_LOCAL) == -EINVAL);
        CHECK(irm_create_ipcp(long_name, IPCP_LOCAL) == -ENAMETOOLONG);
        CHECK(irm_create_ipcp("a", IPCP_INVALID) == -EINVAL);
        CHECK(irm_destroy_ipcp(NULL) == -EINVAL);
        CHECK(irm_bootstrap_ipcp("a", NULL) == -EINVAL);
        irm_layer_config_init(&c, IPCP_LOCAL, long_name); /* left empty */
        CHECK(irm_bootstrap_ipcp("a", &c) == -EINVAL);
        irm_layer_config_init(&c, IPCP_UDP4, "u");        /* no ip */
        CHECK(irm_bootstrap_ipcp("a", &c) == -EINVAL);
        irm_layer_config_init(&c, IPCP_ETH_DIX, "e");     /* no dev */
        CHECK(irm_bootstrap_ipcp("a", &c) == -EINVAL);
        strcpy(c.dev, "veth0");                           /* mtu < 64 */
        c.mtu = 63;
        CHECK(irm_bootstrap_ipcp("a", &c) == -EINVAL);
        irm_layer_config_init(&c, IPCP_UDP6, "u");        /* not IPv6 */
        strcpy(c.ip, "10.0.0.1");
        CHECK(irm_bootstrap_ipcp("a", &c) == -EINVAL);
        CHECK(irm_enroll_ipcp("a", "") == -EINVAL);
        CHECK(irm_connect_ipcp("a", "b", "data", qos_raw) == -EINVAL);
        CHECK(irm_disconnect_ipcp("a", "b", NULL) == -EINVAL);
        CHECK(irm_bind_program("/bin/true", long_name, false, 0, NULL)
              == -ENAMETOOLONG);
        CHECK(irm_bind_program("/bin/true", "n", true, 1, NULL) == -EINVAL);
        CHECK(irm_bind_program("no-such-prog-xyz", "n", false, 0, NULL)
              == -ENOENT);
        CHECK(irm_bind_process(0, "n") == -EINVAL);
        CHECK(irm_bind_process(1, NULL) == -EINVAL);
        CHECK(irm_create_name("n", (enum lb_policy) 7) == -EINVAL);
        CHECK(irm_reg_name("n", long_name) == -ENAMETOOLONG);
        CHECK(irm_reg_name_layer(NULL, "l") == -EINVAL);
        CHECK(irm_list_ipcps(NULL) == -EINVAL);

        /* names are UTF-8 text without control characters (no line
         * breaks, no terminal escapes): refused before anything is sent */
        CHECK(irm_create_name("a\nb", LB_RR) == -EINVAL);
        CHECK(irm_create_ipcp("\xff", IPCP_LOCAL) == -EINVAL);
        CHECK(irm_reg_name_layer("ok", "\x1b[2J") == -EINVAL);
        CHECK(irm_reg_name("c1\xc2\x85", "ipcp") == -EINVAL);
        CHECK(irm_bind_process(1, "tab\there") == -EINVAL);
        CHECK(irm_enroll_ipcp("a", "\xed\xa0\x80") == -EINVAL);
        irm_layer_config_init(&c, IPCP_LOCAL, "l\r");
        CHECK(irm_bootstrap_ipcp("a", &c) == -EINVAL);
        CHECK(flow_alloc("a\nb", NULL, NULL) == -EINVAL);
        CHECK(flow_join("\xff", NULL, NULL) == -EINVAL);
        CHECK(irm_create_name("caf\xc3\xa9", LB_RR) == -EIRMD); /* sent */

        /* options by irm's words, with irm's one-line errors */
        irm_layer_config_init(&c, IPCP_ETH_DIX, "eth");
        CHECK(irm_layer_config_check(&c, err, sizeof(err)) == -EINVAL);
        CHECK(strcmp(err, "bootstrap of an eth-dix IPCP needs 'dev'") == 0);
        CHECK(irm_layer_config_set(&c, "d", "veth0", err, sizeof(err)) == 0);
        CHECK(strcmp(c.dev, "veth0") == 0 && err[0] == '\0');
        CHECK(irm_layer_config_set(&c, "mtu", "9000", NULL, 0) == 0);
        CHECK(c.mtu == 9000);
        CHECK(irm_layer_config_set(&c, "ethertype", "0xA001", err,
                                   sizeof(err)) == 0 && c.ethertype == 0xA001);
        CHECK(irm_layer_config_set(&c, "mtu", "63", err, sizeof(err))
              == -EINVAL);
        CHECK(strcmp(err, "mtu must be 64..65535") == 0);
        CHECK(irm_layer_config_set(&c, "ip", "10.0.0.1", err, sizeof(err))
              == -ENOENT);
        CHECK(strcmp(err, "'ip' is not an option of IPCP type eth-dix") == 0);
        CHECK(irm_layer_config_set(&c, "dev", NULL, err, 8) == -EINVAL);
        CHECK(strlen(err) == 7); /* cut to the buffer */
        CHECK(irm_layer_config_check(&c, err, sizeof(err)) == 0);
        irm_layer_config_init(&c, IPCP_UDP6, "ip6");
        CHECK(irm_layer_config_set(&c, "d", "fd00::53", NULL, 0) == 0);
        CHECK(strcmp(c.dns, "fd00::53") == 0);
        CHECK(irm_layer_config_set(&c, "ip", "10.0.0.1", err, sizeof(err))
              == -EINVAL);
        CHECK(strcmp(err, "ip must be an IPv6 address, not '10.0.0.1'") == 0);
        CHECK(irm_layer_config_set(NULL, "ip", "::1", err, sizeof(err))
              == -EINVAL);
        CHECK(irm_ipcp_stat("a", NULL) == -EINVAL);
        CHECK(irm_ipcp_stat("a\n", &st) == -EINVAL && st == NULL);

        /* no IRMd: every request says so, lists come back NULL */
        CHECK(irm_create_ipcp("a", IPCP_LOCAL) == -EIRMD);
        CHECK(irm_list_ipcps(&ipcps) == -EIRMD && ipcps == NULL);
        CHECK(irm_list_names(&names) == -EIRMD && names == NULL);
        CHECK(irm_create_name("n", LB_SPILL) == -EIRMD);
        CHECK(irm_bind_program("/bin/true", "n", true, 1, argv) == -EIRMD);
        CHECK(irm_unbind_process(getpid(), NULL) == -EIRMD);
        CHECK(irm_reg_name_layer("n", "l") == -EIRMD);
        CHECK(irm_ipcp_stat("a", &st) == -EIRMD && st == NULL);
        irm_layer_config_init(&c, IPCP_LOCAL, "l");
        CHECK(irm_bootstrap_ipcp_info("a", &c, err, sizeof(err)) == -EIRMD);
        CHECK(err[0] == '\0');
}

static int find_ipcp(const char *            name,
                     struct ipcp_list_info * out)
{
        struct ipcp_list_info * l;
        ssize_t                 n = irm_list_ipcps(&l);
        ssize_t                 i;
        int                     found = 0;

        for (i = 0; i < n; ++i)
                if (strcmp(l[i].name, name) == 0) {
                        *out = l[i];
                        found = 1;
                }
        free(l);

        return found;
}

static int find_name(const char *       name,
                     struct name_info * out)
{
        struct name_info * l;
        ssize_t            n = irm_list_names(&l);
        ssize_t            i;
        int                found = 0;

        for (i = 0; i < n; ++i)
                if (strcmp(l[i].name, name) == 0) {
                        *out = l[i];
                        found = 1;
                }
        free(l);

        return found;
}

static void online(void)
{
        struct layer_config   c;
        struct ipcp_list_info i;
        struct name_info      ni;
        struct ipcp_stat_entry * st = (void *) 1;
        char *                argv[] = { "-l", NULL };
        char                  err[IPCP_INFO_MAX_LEN + 1];
        pid_t                 pid;

        pid = irm_create_ipcp("api-lo", IPCP_LOCAL);
        CHECK(pid > 0);
        CHECK(irm_create_ipcp("api-lo", IPCP_LOCAL) == -EEXIST);
        CHECK(find_ipcp("api-lo", &i) && i.pid == pid);
        CHECK(i.type == IPCP_LOCAL && i.state == IPCP_STATE_NULL);
        CHECK(irm_destroy_ipcp("api-lo") == 0);
        CHECK(!find_ipcp("api-lo", &i));
        CHECK(irm_destroy_ipcp("api-lo") == -ENOENT);

        /* bootstrap creates the IPCP from conf->type */
        irm_layer_config_init(&c, IPCP_LOCAL, "api-layer");
        CHECK(irm_bootstrap_ipcp_info("api-boot", &c, err, sizeof(err)) == 0);
        CHECK(err[0] == '\0'); /* the local IPCP has no info line */
        CHECK(find_ipcp("api-boot", &i));
        CHECK(i.state == IPCP_STATE_OPERATIONAL);
        CHECK(strcmp(i.layer, "api-layer") == 0 && i.info[0] == '\0');
        /* and keeps no counters */
        CHECK(irm_ipcp_stat("api-boot", &st) == -ENOTSUP && st == NULL);
        CHECK(irm_ipcp_stat("api-none", &st) == -ENOENT);
        CHECK(irm_bootstrap_ipcp("api-boot", &c) == -EIPCPSTATE);

        /* names */
        CHECK(irm_create_name("api-n", LB_SPILL) == 0);
        CHECK(irm_create_name("api-n", LB_SPILL) == -EEXIST);
        CHECK(find_name("api-n", &ni) && ni.pol == LB_SPILL);
        CHECK(irm_reg_name_layer("api-n", "api-layer") == 1);
        CHECK(irm_reg_name("api-n2", "api-boot") == 0);
        CHECK(find_name("api-n", &ni) && ni.n_layers == 1);
        CHECK(irm_unreg_name_layer("api-n", "api-layer") == 1);
        CHECK(irm_unreg_name("api-n2", "api-boot") == 0);
        CHECK(irm_bind_program("/bin/sh", "api-n", true, 1, argv) == 0);
        CHECK(find_name("api-n", &ni) && ni.n_progs == 1);
        CHECK(irm_unbind_program("/bin/sh", NULL) == 0);
        CHECK(irm_bind_process(getpid(), "api-n") == 0);
        CHECK(find_name("api-n", &ni) && ni.n_procs == 1);
        CHECK(irm_unbind_process(getpid(), "api-n") == 0);
        CHECK(irm_destroy_name("api-n") == 0);
        CHECK(irm_destroy_name("api-n") == -ENAME);
        CHECK(irm_destroy_ipcp("api-boot") == 0);
}

int main(int    argc,
         char * argv[])
{
        char what[32];

        if (argc != 2) {
                fprintf(stderr, "usage: %s offline|online\n", argv[0]);
                return 2;
        }

        check_keep_going = true;

        if (strcmp(argv[1], "offline") == 0)
                offline();
        else
                online();

        snprintf(what, sizeof(what), "irm api %s", argv[1]);

        return check_report(what);
}
