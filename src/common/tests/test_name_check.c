/*
 * Ouroboros - unit test of the name rule (common/name_check.h): what is
 * a valid name, and how text from a client is escaped for a log line.
 */
#include "common/name_check.h"

#include "../../../tests/check.h"

#include <errno.h>
#include <string.h>

static void test_valid(void)
{
        char longest[256];

        memset(longest, 'x', 255);
        longest[255] = '\0';

        CHECK(name_check("oecho", 255) == 0);
        CHECK(name_check("a b-c_d.e:f/g@h", 255) == 0);
        CHECK(name_check("caf\xc3\xa9", 255) == 0);              /* é */
        CHECK(name_check("\xe5\x90\x8d\xe5\x89\x8d", 255) == 0); /* 名前 */
        CHECK(name_check("\xf0\x9f\x90\x8d", 255) == 0);         /* U+1F40D */
        CHECK(name_check("\xc2\xa0", 255) == 0);      /* U+00A0, after C1 */
        CHECK(name_check("\xf4\x8f\xbf\xbf", 255) == 0);          /* U+10FFFF */
        CHECK(name_check(longest, 255) == 0);
}

static void test_invalid(void)
{
        char toolong[257];

        memset(toolong, 'x', 256);
        toolong[256] = '\0';

        CHECK(name_check(NULL, 255) == -EINVAL);
        CHECK(name_check("", 255) == -EINVAL);
        CHECK(name_check(toolong, 255) == -ENAMETOOLONG);
        CHECK(name_check("abcd", 3) == -ENAMETOOLONG);
        CHECK(name_check("a\nb", 255) == -EINVAL);       /* forged log line */
        CHECK(name_check("\x1b[31mred", 255) == -EINVAL); /* terminal escape */
        CHECK(name_check("tab\there", 255) == -EINVAL);
        CHECK(name_check("del\x7f", 255) == -EINVAL);
        CHECK(name_check("\xc2\x85", 255) == -EINVAL);    /* C1: NEL */
        CHECK(name_check("\xc2\x9b", 255) == -EINVAL);    /* C1: CSI */
        CHECK(name_check("\xff", 255) == -EINVAL);        /* not UTF-8 */
        CHECK(name_check("\x80x", 255) == -EINVAL);       /* continuation */
        CHECK(name_check("\xc0\xaf", 255) == -EINVAL);    /* overlong '/' */
        CHECK(name_check("\xe0\x80\xaf", 255) == -EINVAL);
        CHECK(name_check("\xf0\x80\x80\xaf", 255) == -EINVAL);
        CHECK(name_check("\xed\xa0\x80", 255) == -EINVAL); /* surrogate */
        CHECK(name_check("\xf4\x90\x80\x80", 255) == -EINVAL); /* > 10FFFF */
        CHECK(name_check("\xe5\x90", 255) == -EINVAL);    /* cut short */
        CHECK(name_check("\xe5\x90x", 255) == -EINVAL);
        CHECK(name_check_bytes("a\0b", 3, 255) == -EINVAL);
        CHECK(name_check_bytes("ab", 0, 255) == -EINVAL);
}

static void test_escape(void)
{
        char out[64];

        CHECK(name_escape(out, sizeof(out), "a\nb", 3) == 6);
        CHECK(strcmp(out, "a\\x0ab") == 0);
        name_escape(out, sizeof(out), "\x1b[1m\xff caf\xc3\xa9", 11);
        CHECK(strcmp(out, "\\x1b[1m\\xff caf\xc3\xa9") == 0);
        name_escape(out, sizeof(out), "\xc2\x85", 2);
        CHECK(strcmp(out, "\\xc2\\x85") == 0);
        /* a short buffer: cut at a whole character or escape */
        CHECK(name_escape(out, 6, "ab\ncd", 5) == 2);
        CHECK(strcmp(out, "ab") == 0);
        CHECK(name_escape(out, 1, "ab", 2) == 0 && out[0] == '\0');
}

int main(void)
{
        check_keep_going = true;

        test_valid();
        test_invalid();
        test_escape();

        return check_report(NULL);
}
