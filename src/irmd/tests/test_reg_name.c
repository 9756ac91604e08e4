/* Ouroboros IRMd - unit test of the name registry. */
#include "irmd/reg_name.h"
#include "../../../tests/check.h"

#include <errno.h>
#include <string.h>

static pid_t accepting[4];

static bool ok(pid_t pid, void * arg)
{
        size_t i;

        (void) arg;
        for (i = 0; i < 4; ++i)
                if (accepting[i] == pid)
                        return true;
        return false;
}

int main(void)
{
        struct reg_name * n;
        struct reg_name * s;
        uint8_t           h[HASH_MAX_LEN];
        char              longname[NAME_MAX_LEN + 2];
        int               len;

        CHECK_EQ(reg_name_create("oecho", LB_RR, &n), 0);
        CHECK_EQ(reg_name_create("oecho", LB_SPILL, NULL), -EEXIST);
        CHECK_EQ(reg_name_create("", LB_RR, NULL), -EINVAL);
        CHECK_EQ(reg_name_create("x", (enum lb_policy) 7, NULL), -EINVAL);
        memset(longname, 'n', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        CHECK_EQ(reg_name_create(longname, LB_RR, NULL), -EINVAL);
        CHECK_EQ(reg_name_create("spill", LB_SPILL, &s), 0);
        CHECK_EQ(reg_name_count(), 2);
        CHECK(reg_name_get("oecho") == n);
        CHECK(reg_name_get("nope") == NULL);

        /* hashes */
        len = hash_name(HASH_SHA3_256, "oecho", h);
        CHECK_EQ(len, 32);
        CHECK(reg_name_by_hash(HASH_SHA3_256, h, 32) == n);
        CHECK(reg_name_by_hash(HASH_SHA3_224, h, 28) == NULL);
        CHECK(reg_name_by_hash(HASH_SHA3_256, h, 31) == NULL);
        len = hash_name(HASH_SHA3_512, "spill", h);
        CHECK(reg_name_by_hash(HASH_SHA3_512, h, (size_t) len) == s);
        CHECK_EQ(reg_name_hash(n, (enum hash_algo) 9, h), -EINVAL);

        /* bound processes: bind order, duplicates */
        CHECK_EQ(reg_name_bind_pid(n, 10), 0);
        CHECK_EQ(reg_name_bind_pid(n, 11), 0);
        CHECK_EQ(reg_name_bind_pid(n, 12), 0);
        CHECK_EQ(reg_name_bind_pid(n, 11), -EEXIST);
        CHECK_EQ(reg_name_bind_pid(n, 0), -EINVAL);
        CHECK(reg_name_has_pid(n, 12));
        CHECK(!reg_name_has_pid(n, 13));

        /* round robin over the accepting ones */
        accepting[0] = 10; accepting[1] = 11; accepting[2] = 12;
        CHECK_EQ(reg_name_pick(n, ok, NULL), 10);
        CHECK_EQ(reg_name_pick(n, ok, NULL), 11);
        CHECK_EQ(reg_name_pick(n, ok, NULL), 12);
        CHECK_EQ(reg_name_pick(n, ok, NULL), 10);
        accepting[1] = 0;
        CHECK_EQ(reg_name_pick(n, ok, NULL), 12);
        CHECK_EQ(reg_name_pick(n, ok, NULL), 10);
        accepting[0] = accepting[2] = 0;
        CHECK_EQ(reg_name_pick(n, ok, NULL), 0);

        /* spillover: always the first in bind order */
        CHECK_EQ(reg_name_bind_pid(s, 20), 0);
        CHECK_EQ(reg_name_bind_pid(s, 21), 0);
        accepting[0] = 20; accepting[1] = 21;
        CHECK_EQ(reg_name_pick(s, ok, NULL), 20);
        CHECK_EQ(reg_name_pick(s, ok, NULL), 20);
        accepting[0] = 0;
        CHECK_EQ(reg_name_pick(s, ok, NULL), 21);

        /* unbinding */
        CHECK_EQ(reg_name_unbind_pid(n, 11), 0);
        CHECK_EQ(reg_name_unbind_pid(n, 11), -ENOENT);
        CHECK_EQ(n->n_pids, 2);
        CHECK_EQ(reg_name_bind_pid(s, 10), 0);
        CHECK_EQ(reg_name_unbind_pid_all(10), 2);
        CHECK_EQ(reg_name_unbind_pid_all(10), 0);
        CHECK_EQ(n->n_pids, 1);

        /* registrations */
        CHECK_EQ(reg_name_add_ipcp(n, "local", "L"), 0);
        CHECK_EQ(reg_name_add_ipcp(n, "local", "L"), -EEXIST);
        CHECK_EQ(reg_name_add_ipcp(n, "u1", "net"), 0);
        CHECK_EQ(reg_name_add_ipcp(n, "u2", "net"), 0);
        CHECK_EQ(reg_name_n_layers(n), 2);
        CHECK(reg_name_has_ipcp(n, "u1"));
        CHECK_EQ(reg_name_add_ipcp(s, "u1", "net"), 0);
        CHECK_EQ(reg_name_del_ipcp_all("u1"), 2);
        CHECK(!reg_name_has_ipcp(n, "u1"));
        CHECK_EQ(reg_name_del_ipcp(n, "u1"), -ENOENT);
        CHECK_EQ(reg_name_del_ipcp(n, "u2"), 0);
        CHECK_EQ(reg_name_n_layers(n), 1);

        reg_name_destroy(s);
        CHECK(reg_name_get("spill") == NULL);
        CHECK_EQ(reg_name_count(), 1);

        reg_name_fini();
        CHECK_EQ(reg_name_count(), 0);

        printf("reg_name: ok\n");
        return 0;
}
