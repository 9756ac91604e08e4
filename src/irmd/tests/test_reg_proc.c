/* Ouroboros IRMd - unit test of the process registry. */
#include "irmd/reg_proc.h"
#include "../../../tests/check.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int main(void)
{
        char *            args[] = { "-l", "x" };
        struct reg_proc * p;
        int               efd = eventfd(0, EFD_CLOEXEC);
        int               efd2 = eventfd(0, EFD_CLOEXEC);

        CHECK(efd >= 0 && efd2 >= 0);
        CHECK_EQ(reg_proc_add(100, "/bin/oecho", 2, args, efd, &p), 0);
        CHECK_EQ(p->argc, 2);
        CHECK(strcmp(p->argv[1], "x") == 0);
        CHECK(p->argv[2] == NULL);
        CHECK_EQ(reg_proc_add(100, "/bin/oecho", 0, NULL, efd2, NULL),
                 -EEXIST);
        CHECK_EQ(reg_proc_add(0, "/bin/oecho", 0, NULL, efd2, NULL),
                 -EINVAL);
        CHECK_EQ(reg_proc_add(101, "/bin/o", REG_PROC_MAX_ARGS + 1, args,
                              efd2, NULL), -EINVAL);
        CHECK_EQ(reg_proc_add(101, "/bin/o", 0, NULL, efd2, NULL), 0);
        CHECK_EQ(reg_proc_count(), 2);
        CHECK(reg_proc_get(100) == p);
        CHECK(reg_proc_get(102) == NULL);

        reg_proc_del(p);
        CHECK(reg_proc_get(100) == NULL);
        CHECK(fcntl(efd, F_GETFD) < 0); /* the entry closed it */

        reg_proc_fini();
        CHECK_EQ(reg_proc_count(), 0);
        CHECK(fcntl(efd2, F_GETFD) < 0);

        printf("reg_proc: ok\n");
        return 0;
}
