/*
 * Ouroboros - unit tests of ipcp_key_dup (key.c), the copy an IPCP
 * keeps of a flow's key-exchange blob: an absent or empty key frees
 * the copy held; a key is copied byte for byte (not aliased) and
 * replaces the one held; one above the bound is refused (-EINVAL) and
 * leaves the held copy as it was; a key of exactly the bound is taken.
 */
#include "ipcpd/common/ipcp.h"

#include "../../../../tests/check.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
        uint8_t         a[4]   = { 1, 2, 3, 4 };
        uint8_t         b[512];
        uint8_t *       held   = NULL;
        size_t          len    = 0;
        struct ipcp_key k;

        memset(b, 0x5a, sizeof(b));

        /* absent: nothing held */
        CHECK_EQ(ipcp_key_dup(NULL, 512, &held, &len), 0);
        CHECK(held == NULL && len == 0);
        k.p = NULL; k.len = 4;
        CHECK_EQ(ipcp_key_dup(&k, 512, &held, &len), 0);
        CHECK(held == NULL && len == 0);

        /* copied, not aliased */
        k.p = a; k.len = sizeof(a);
        CHECK_EQ(ipcp_key_dup(&k, 512, &held, &len), 0);
        CHECK(held != NULL && held != a && len == sizeof(a));
        CHECK(memcmp(held, a, sizeof(a)) == 0);

        /* too long: refused, the held copy kept */
        k.p = b; k.len = sizeof(b);
        CHECK_EQ(ipcp_key_dup(&k, sizeof(b) - 1, &held, &len), -EINVAL);
        CHECK(held != NULL && len == sizeof(a));
        CHECK(memcmp(held, a, sizeof(a)) == 0);

        /* exactly the bound: replaces it */
        CHECK_EQ(ipcp_key_dup(&k, sizeof(b), &held, &len), 0);
        CHECK(len == sizeof(b) && memcmp(held, b, sizeof(b)) == 0);

        /* empty: frees it */
        k.len = 0;
        CHECK_EQ(ipcp_key_dup(&k, sizeof(b), &held, &len), 0);
        CHECK(held == NULL && len == 0);

        printf("key: %d checks passed\n", (int) check_passed);

        return 0;
}
