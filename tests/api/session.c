/*
 * Ouroboros - API integration tests of the process's session with the
 * IRMd. Scenario manyargs: a program run with 1000 arguments (more than
 * the IRMd keeps) still announces itself and uses Ouroboros. Scenario
 * silent: an IRMd that accepts connections but never answers gives
 * -ETIMEDOUT ("did not answer in time") after the 5 s announce timeout,
 * not -EIRMD ("no IRMd"); with nothing listening it is -EIRMD at once.
 * Run silent with OUROBOROS_RUNDIR set to an empty directory of its own.
 */
#include "common.h"

#include <sys/socket.h>
#include <sys/un.h>

#define N_ARGS 1000

static int manyargs_child(void)
{
        struct timespec zero = { 0, 0 };

        /* the first call that talks to the IRMd announces the process:
         * -EAGAIN is "announced, and no flow waiting" */
        CHECK_EQ(flow_accept(NULL, &zero), -EAGAIN);

        return 0;
}

static int test_manyargs(char ** argv)
{
        static char   bufs[N_ARGS][8];
        static char * args[N_ARGS + 4];
        int           i;

        args[0] = argv[0];
        args[1] = "manyargs";
        args[2] = "child";
        for (i = 0; i < N_ARGS; ++i) {
                snprintf(bufs[i], sizeof(bufs[i]), "a%d", i);
                args[i + 3] = bufs[i];
        }
        args[N_ARGS + 3] = NULL;

        CHECK(t_run_self(args));

        return 0;
}

static int test_silent(void)
{
        struct sockaddr_un sa;
        struct timespec    to = t_ms(1000);
        const char *       dir = getenv("OUROBOROS_RUNDIR");
        int64_t            t0;
        int64_t            dt;
        int                fd;
        int                r;

        CHECK(dir != NULL);

        /* nobody there: -EIRMD at once */
        t0 = check_now_ms();
        CHECK_EQ(flow_alloc("silent", NULL, &to), -EIRMD);
        CHECK(check_now_ms() - t0 < 2000);

        /* an IRMd that takes connections and never answers */
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/irmd.sock", dir);
        fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        CHECK(fd >= 0);
        CHECK_EQ(bind(fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
        CHECK_EQ(listen(fd, 16), 0);

        t0 = check_now_ms();
        r  = flow_alloc("silent", NULL, &to);
        dt = check_now_ms() - t0;
        printf("silent IRMd: flow_alloc %d after %lld ms\n", r,
               (long long) dt);
        CHECK_EQ(r, -ETIMEDOUT);
        CHECK(dt >= 4000 && dt < 30000);

        close(fd);
        unlink(sa.sun_path);

        return 0;
}

int main(int     argc,
         char ** argv)
{
        if (argc < 2) {
                fprintf(stderr, "usage: %s manyargs|silent\n", argv[0]);
                return 2;
        }

        if (strcmp(argv[1], "manyargs") == 0)
                return argc > 2 ? manyargs_child() : test_manyargs(argv);
        if (strcmp(argv[1], "silent") == 0)
                return test_silent();

        fprintf(stderr, "unknown scenario %s\n", argv[1]);
        return 2;
}
