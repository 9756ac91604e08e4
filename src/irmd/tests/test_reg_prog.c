/* Ouroboros IRMd - unit test of the program registry. */
#include "irmd/reg_prog.h"
#include "../../../tests/check.h"

#include <errno.h>
#include <string.h>

int main(void)
{
        char *            args[] = { "-l", "--port", "7" };
        char *            many[REG_PROG_MAX_ARGS + 1];
        struct reg_prog * p;
        struct reg_bind * b;
        int               i;

        for (i = 0; i <= REG_PROG_MAX_ARGS; ++i)
                many[i] = "x";

        CHECK_EQ(reg_prog_bind("/bin/oecho", "oecho", true, 3, args), 0);
        CHECK_EQ(reg_prog_bind("/bin/oecho", "oecho", false, 0, NULL),
                 -EEXIST);
        CHECK_EQ(reg_prog_bind("/bin/oecho", "echo2", false, 0, NULL), 0);
        CHECK_EQ(reg_prog_bind("oecho", "x", false, 0, NULL), -EINVAL);
        CHECK_EQ(reg_prog_bind("/bin/x", "", false, 0, NULL), -EINVAL);
        CHECK_EQ(reg_prog_bind("/bin/x", "x", false, -1, NULL), -EINVAL);
        CHECK_EQ(reg_prog_bind("/bin/x", "x", false,
                               REG_PROG_MAX_ARGS + 1, many), -EINVAL);
        CHECK_EQ(reg_prog_bind("/bin/x", "x", false, REG_PROG_MAX_ARGS,
                               many), 0);
        CHECK_EQ(reg_prog_bind("/bin/oping", "oecho", false, 0, NULL), 0);

        p = reg_prog_get("/bin/oecho");
        CHECK(p != NULL);
        CHECK_EQ(p->n_binds, 2);
        CHECK(reg_prog_get("/bin/none") == NULL);
        CHECK_EQ(reg_prog_count_name("oecho"), 2);
        CHECK_EQ(reg_prog_count_name("echo2"), 1);

        b = reg_prog_auto("oecho", &p);
        CHECK(b != NULL);
        CHECK(strcmp(p->path, "/bin/oecho") == 0);
        CHECK_EQ(b->argc, 4);
        CHECK(strcmp(b->argv[0], "/bin/oecho") == 0);
        CHECK(strcmp(b->argv[1], "-l") == 0);
        CHECK(strcmp(b->argv[3], "7") == 0);
        CHECK(b->argv[4] == NULL);
        CHECK(reg_prog_auto("echo2", NULL) == NULL);

        CHECK_EQ(reg_prog_unbind("/bin/oecho", "zz"), -ENOENT);
        CHECK_EQ(reg_prog_unbind("/bin/none", NULL), -ENOENT);
        CHECK_EQ(reg_prog_unbind("/bin/oecho", "oecho"), 1);
        CHECK(reg_prog_auto("oecho", NULL) == NULL);
        CHECK_EQ(reg_prog_count_name("oecho"), 1);

        reg_prog_unbind_name("oecho");
        CHECK_EQ(reg_prog_count_name("oecho"), 0);
        CHECK(reg_prog_get("/bin/oping") == NULL); /* last binding gone */

        CHECK_EQ(reg_prog_unbind("/bin/oecho", NULL), 1);
        CHECK(reg_prog_get("/bin/oecho") == NULL);

        reg_prog_fini();
        CHECK(list_empty(reg_prog_all()));

        printf("reg_prog: ok\n");
        return 0;
}
