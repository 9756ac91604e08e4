/* Ouroboros IRMd - unit test of the IPCP registry. */
#include "common/ipcp_type.h"
#include "irmd/reg_ipcp.h"
#include "../../../tests/check.h"

#include <errno.h>
#include <string.h>

int main(void)
{
        struct reg_ipcp * e;
        char              longname[IPCP_NAME_MAX_LEN + 2];

        CHECK_EQ(reg_ipcp_count(), 0);
        CHECK_EQ(reg_ipcp_add("a", IPCP_LOCAL, 100, &e), 0);
        CHECK_EQ(e->state, IPCP_STATE_NULL);
        CHECK(e->conn == NULL);
        CHECK_EQ(reg_ipcp_add("a", IPCP_UNICAST, 101, NULL), -EEXIST);
        CHECK_EQ(reg_ipcp_add("b", IPCP_UNICAST, 100, NULL), -EEXIST);
        CHECK_EQ(reg_ipcp_add("", IPCP_LOCAL, 102, NULL), -EINVAL);
        CHECK_EQ(reg_ipcp_add("c", IPCP_INVALID, 102, NULL), -EINVAL);
        CHECK_EQ(reg_ipcp_add("c", (enum ipcp_type) -1, 102, NULL), -EINVAL);
        CHECK_EQ(reg_ipcp_add("c", IPCP_LOCAL, 0, NULL), -EINVAL);
        memset(longname, 'x', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        CHECK_EQ(reg_ipcp_add(longname, IPCP_LOCAL, 103, NULL), -EINVAL);
        longname[IPCP_NAME_MAX_LEN] = '\0';
        CHECK_EQ(reg_ipcp_add(longname, IPCP_LOCAL, 103, NULL), 0);
        CHECK_EQ(reg_ipcp_add("b", IPCP_UNICAST, 104, NULL), 0);
        CHECK_EQ(reg_ipcp_count(), 3);

        CHECK(reg_ipcp_get("a") == e);
        CHECK(reg_ipcp_get("zz") == NULL);
        CHECK(reg_ipcp_by_pid(100) == e);
        CHECK(reg_ipcp_by_pid(99) == NULL);
        CHECK(reg_ipcp_by_pid(104) == reg_ipcp_get("b"));

        reg_ipcp_set_state(e, IPCP_STATE_BOOTING);
        reg_ipcp_set_state(e, IPCP_STATE_NULL);
        reg_ipcp_set_state(e, IPCP_STATE_BOOTING);
        reg_ipcp_set_state(e, IPCP_STATE_OPERATIONAL);
        CHECK_EQ(e->state, IPCP_STATE_OPERATIONAL);
        reg_ipcp_set_state(e, IPCP_STATE_DOWN);

        /* creation order */
        CHECK(list_entry(reg_ipcp_all()->nxt, struct reg_ipcp, next) == e);

        reg_ipcp_del(e);
        CHECK(reg_ipcp_get("a") == NULL);
        CHECK_EQ(reg_ipcp_count(), 2);
        CHECK_EQ(reg_ipcp_add("a", IPCP_LOCAL, 100, NULL), 0);

        CHECK(strcmp(ipcp_type_name(IPCP_ETH_DIX), "eth-dix") == 0);
        CHECK(ipcp_type_name(IPCP_INVALID) == NULL);
        CHECK_EQ(ipcp_type_from_name("udp6"), IPCP_UDP6);
        CHECK_EQ(ipcp_type_from_name("loc"), -EINVAL);
        CHECK_EQ(ipcp_type_from_name(NULL), -EINVAL);
        CHECK(strcmp(ipcp_state_name(IPCP_STATE_OPERATIONAL),
                     "operational") == 0);

        reg_ipcp_fini();
        CHECK_EQ(reg_ipcp_count(), 0);

        printf("reg_ipcp: ok\n");
        return 0;
}
