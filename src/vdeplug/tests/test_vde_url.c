/*
 * Ouroboros - unit test of the ouroboros:// URL parser (vdeplug/vde_url.h):
 * the layer name, mtu=N, and every way a URL can be wrong.
 */
#include "vdeplug/vde_url.h"

#include "../../../tests/check.h"

#include <errno.h>
#include <string.h>

static struct vde_url u;
static char           err[VDE_URL_ERR_LEN];

static int parse(const char * s)
{
        return vde_url_parse(s, &u, err, sizeof(err));
}

static void test_good(void)
{
        CHECK(parse("hub") == 0);
        CHECK(strcmp(u.layer, "hub") == 0);
        CHECK(u.mtu == 0);
        CHECK(err[0] == '\0');

        CHECK(parse("hub/mtu=1400") == 0);
        CHECK(strcmp(u.layer, "hub") == 0);
        CHECK(u.mtu == 1400);

        CHECK(parse("my.layer/") == 0);
        CHECK(strcmp(u.layer, "my.layer") == 0);
        CHECK(parse("hub//mtu=68/") == 0);
        CHECK(u.mtu == 68);
        CHECK(parse("hub/mtu=65535") == 0);
        CHECK(u.mtu == 65535);
}

static void test_bad(void)
{
        char longest[VDE_URL_LAYER_MAX + 2];

        CHECK(parse(NULL) == -EINVAL);
        CHECK(parse("") == -EINVAL);
        CHECK(strstr(err, "no layer name") != NULL);
        CHECK(parse("/mtu=1400") == -EINVAL);

        CHECK(parse("hub/speed=10") == -EINVAL);
        CHECK(strstr(err, "unknown option 'speed=10'") != NULL);
        CHECK(parse("hub/mtu") == -EINVAL);
        CHECK(strstr(err, "mtu takes a number") != NULL);
        CHECK(parse("hub/mtu=") == -EINVAL);
        CHECK(parse("hub/mtu=abc") == -EINVAL);
        CHECK(parse("hub/mtu=-1400") == -EINVAL);
        CHECK(parse("hub/mtu=+1400") == -EINVAL);
        CHECK(parse("hub/mtu=1400x") == -EINVAL);
        CHECK(parse("hub/mtu=67") == -EINVAL);
        CHECK(parse("hub/mtu=65536") == -EINVAL);
        CHECK(parse("hub/mtu=99999999999999999999") == -EINVAL);
        CHECK(parse("hub/mtu=1400/mtu=1300") == -EINVAL);
        CHECK(strstr(err, "twice") != NULL);
        CHECK(parse("hub/mtux=1") == -EINVAL);
        CHECK(parse("hub/mtu=01400") == -EINVAL);  /* as written, or not */

        memset(longest, 'x', sizeof(longest) - 1);
        longest[sizeof(longest) - 1] = '\0';
        CHECK(parse(longest) == -EINVAL);
        longest[VDE_URL_LAYER_MAX] = '\0';
        CHECK(parse(longest) == 0);
}

int main(void)
{
        check_keep_going = true;

        test_good();
        test_bad();

        return check_report("vde_url");
}
