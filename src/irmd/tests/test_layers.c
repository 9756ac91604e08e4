/*
 * Ouroboros IRMd tests - the management side of the layers that carry
 * data, with the fake IPCP installed as ipcpd-eth-dix and ipcpd-udp6:
 * the T_MAX_PKT / T_INFO of a bootstrap answer, the reason of a failed
 * one relayed to the client (made printable), T_INFO in M_IPCP_LIST,
 * and M_IPCP_STAT relayed as M_IPCPD_STAT.
 */
#include "tp.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <string.h>

/* Bootstrap eth-dix IPCP name with dev (and mtu when not 0): result,
 * the reply in tp_r. */
static int boot_eth(struct th_irmd * d,
                    const char *     name,
                    const char *     dev,
                    uint32_t         mtu)
{
        int off;

        msg_init(&tp_m, M_IPCP_BOOTSTRAP, 0, 30);
        msg_put_str(&tp_m, T_IPCP_NAME, name);
        off = msg_open_sub(&tp_m, T_CONF);
        msg_put_u32(&tp_m, T_IPCP_TYPE, IPCP_ETH_DIX);
        msg_put_str(&tp_m, T_LAYER, "eth");
        msg_put_str(&tp_m, T_C_DEV, dev);
        if (mtu != 0)
                msg_put_u32(&tp_m, T_C_MTU, mtu);
        msg_close_sub(&tp_m, off);

        return th_req(d, &tp_m, &tp_r);
}

/* The T_INFO of IPCP name in a fresh M_IPCP_LIST into info: 0, or
 * -ENOENT when it has none. */
static int list_info(struct th_irmd * d,
                     const char *     name,
                     char *           info)
{
        struct msg_view e;
        char            n[IPCP_NAME_MAX_LEN + 1];
        size_t          i;

        msg_init(&tp_m, M_IPCP_LIST, 0, 31);
        CHECK_EQ(th_req(d, &tp_m, &tp_r), 0);
        for (i = 0; msg_sub(msg_body(&tp_r), T_ENTRY, i, &e) == 0; ++i) {
                CHECK(msg_get_str(e, T_IPCP_NAME, n, sizeof(n) - 1) > 0);
                if (strcmp(n, name) != 0)
                        continue;
                return msg_get_str(e, T_INFO, info, PROTO_INFO_MAX) < 0 ?
                        -ENOENT : 0;
        }

        CHECK(false);
        return -1;
}

static int stat_req(struct th_irmd * d,
                    const char *     name)
{
        msg_init(&tp_m, M_IPCP_STAT, 0, 32);
        if (name != NULL)
                msg_put_str(&tp_m, T_IPCP_NAME, name);

        return th_req(d, &tp_m, &tp_r);
}

/* Entry i of a stat reply is "name" with value v. */
static void check_entry(size_t       i,
                        const char * name,
                        uint64_t     v)
{
        struct msg_view e;
        char            n[NAME_MAX_LEN + 1];
        uint64_t        got;

        CHECK_EQ(msg_sub(msg_body(&tp_r), T_ENTRY, i, &e), 0);
        CHECK(msg_get_str(e, T_NAME, n, NAME_MAX_LEN) > 0);
        CHECK(strcmp(n, name) == 0);
        CHECK_EQ(msg_get_u64(e, T_VALUE, &got), 0);
        CHECK_EQ(got, v);
}

void t_layers(void)
{
        struct th_irmd d;
        char           info[PROTO_INFO_MAX + 1];

        th_mkdir(&d);
        th_start(&d, NULL);

        CHECK_EQ(tp_ipcp_create(&d, "e", IPCP_ETH_DIX), 0);

        /* a failed bootstrap: the IPCP's reason, printable */
        CHECK_EQ(boot_eth(&d, "e", "missing0", 0), -ENODEV);
        CHECK(msg_get_str(msg_body(&tp_r), T_INFO, info,
                          PROTO_INFO_MAX) > 0);
        CHECK(strcmp(info, "no such interface missing0") == 0);
        CHECK_EQ(boot_eth(&d, "e", "missing\x1b[2J\n", 0), -ENODEV);
        CHECK(msg_get_str(msg_body(&tp_r), T_INFO, info,
                          PROTO_INFO_MAX) > 0);
        CHECK(strcmp(info, "no such interface missing?[2J?") == 0);
        CHECK_EQ(list_info(&d, "e", info), -ENOENT);

        /* then it works: the info line is kept and listed */
        CHECK_EQ(boot_eth(&d, "e", "veth0", 9000), 0);
        CHECK(msg_get_str(msg_body(&tp_r), T_INFO, info,
                          PROTO_INFO_MAX) > 0);
        CHECK(strcmp(info, "dev veth0 mtu 9000") == 0);
        CHECK_EQ(list_info(&d, "e", info), 0);
        CHECK(strcmp(info, "dev veth0 mtu 9000") == 0);
        CHECK(th_log_has(&d, "operational in layer eth (SHA3_256, dev "
                         "veth0 mtu 9000)"));

        /* stat, relayed in the IPCP's order */
        CHECK_EQ(stat_req(&d, "e"), 0);
        CHECK_EQ(msg_count(msg_body(&tp_r), T_ENTRY), 3);
        check_entry(0, "bootstraps", 3);
        check_entry(1, "registrations", 0);
        check_entry(2, "stats", 1);
        CHECK_EQ(stat_req(&d, "nope"), -ENOENT);
        CHECK_EQ(tp_ipcp_create(&d, "badstat", IPCP_ETH_DIX), 0);
        CHECK_EQ(stat_req(&d, "badstat"), -EIPCP);
        CHECK_EQ(msg_count(msg_body(&tp_r), T_ENTRY), 0);
        CHECK_EQ(stat_req(&d, NULL), -EBADMSG);

        /* before bootstrap too; a type without counters says so */
        CHECK_EQ(tp_ipcp_create(&d, "u", IPCP_UDP6), 0);
        CHECK_EQ(stat_req(&d, "u"), 0);
        check_entry(0, "bootstraps", 0);
        CHECK_EQ(tp_ipcp_create(&d, "loc", IPCP_LOCAL), 0);
        CHECK_EQ(stat_req(&d, "loc"), -ENOTSUP);
        CHECK_EQ(list_info(&d, "loc", info), -ENOENT);

        /* the fake refuses what these types do not do */
        msg_init(&tp_m, M_IPCP_ENROLL, 0, 33);
        msg_put_str(&tp_m, T_IPCP_NAME, "u");
        msg_put_str(&tp_m, T_DST, "x");
        CHECK_EQ(th_req(&d, &tp_m, &tp_r), -ENOTSUP);

        CHECK_EQ(th_stop(&d), 0);
}
