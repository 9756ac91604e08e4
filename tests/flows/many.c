/*
 * Ouroboros - many concurrent local flows between two processes through
 * one IRMd (tests/flows/test_many.sh): N flows allocated and held at
 * once, the IRMd's open descriptors counted in /proc before, while they
 * are held (at most one per flow: its flow memory) and after.
 *
 *   test-flows-many N IRMD_PID
 *
 * With "exhaust" as a third argument, the IRMd runs short of descriptors
 * before N (test_exhaust.sh lowers its limit): allocation must then fail
 * with -EMFILE or -ENFILE (not -EIPCP or -EIRMD), and work again once
 * flows are released.
 */
#include "../api/common.h"

#include <dirent.h>

static int n_fds(pid_t pid)
{
        char            path[64];
        DIR *           d;
        struct dirent * e;
        int             n = 0;

        snprintf(path, sizeof(path), "/proc/%d/fd", (int) pid);
        d = opendir(path);
        CHECK(d != NULL);
        while ((e = readdir(d)) != NULL)
                n += e->d_name[0] != '.';
        closedir(d);

        return n;
}

static bool exhaust;

static int server(struct t_pair * p,
                  void *          arg)
{
        struct timespec to  = t_ms(3000);
        int             n   = *(int *) arg;
        int *           fds = calloc((size_t) n, sizeof(*fds));
        int             i;
        int             fd;

        CHECK(fds != NULL);
        for (i = 0; i < n; ++i) {
                fds[i] = flow_accept(NULL, exhaust ? &to : NULL);
                if (exhaust && fds[i] == -ETIMEDOUT)
                        break; /* the requester ran out */
                if (fds[i] < 0) {
                        fprintf(stderr, "accept %d of %d: %d\n", i, n,
                                fds[i]);
                        return 1;
                }
        }
        n = i;
        t_signal(p, 'A'); /* all held */
        CHECK_EQ(t_wait(p), 'D');
        for (i = 0; i < n; ++i)
                CHECK_EQ(flow_dealloc(fds[i]), 0);
        free(fds);
        if (exhaust) { /* room again */
                fd = flow_accept(NULL, &to);
                CHECK(fd >= 0);
                CHECK_EQ(flow_dealloc(fd), 0);
        }

        return 0;
}

int main(int     argc,
         char ** argv)
{
        struct t_pair   p;
        struct timespec to = t_ms(30000);
        int             n;
        pid_t           irmd;
        int *           fds;
        int             before;
        int             held;
        int             after = 0;
        int             i;

        if (argc != 3 && (argc != 4 || strcmp(argv[3], "exhaust") != 0))
                return 2;
        exhaust = argc == 4;
        n    = atoi(argv[1]);
        irmd = (pid_t) atoi(argv[2]);
        fds  = calloc((size_t) n, sizeof(*fds));
        CHECK(n > 0 && irmd > 0 && fds != NULL);

        t_pair_start(&p, "many", server, &n);
        /* both sessions are up: what is left is per flow */
        CHECK(flow_accept(NULL, &(struct timespec) { 0, 0 }) == -EAGAIN);
        before = n_fds(irmd);

        for (i = 0; i < n; ++i) {
                fds[i] = flow_alloc("many", NULL, &to);
                if (exhaust && fds[i] < 0) {
                        printf("alloc %d: %d\n", i, fds[i]);
                        CHECK(fds[i] == -EMFILE || fds[i] == -ENFILE);
                        CHECK(i > 0);
                        break;
                }
                if (fds[i] < 0) {
                        fprintf(stderr, "alloc %d of %d: %d (IRMd fds "
                                "%d)\n", i, n, fds[i], n_fds(irmd));
                        return 1;
                }
        }
        CHECK(!exhaust || i < n);
        n = i;
        CHECK_EQ(t_wait(&p), 'A');
        held = n_fds(irmd);
        printf("IRMd fds: %d before, %d with %d flows\n", before, held, n);
        /* one per flow (its memory), a few spare for connections */
        CHECK(held - before <= n + 16);

        for (i = 0; i < n; ++i)
                CHECK_EQ(flow_dealloc(fds[i]), 0);
        t_signal(&p, 'D');
        if (exhaust) {
                i = flow_alloc("many", NULL, &to);
                CHECK(i >= 0);
                CHECK_EQ(flow_dealloc(i), 0);
        }
        CHECK_EQ(t_pair_end(&p), 0);
        for (i = 0; i < 50; ++i) {
                after = n_fds(irmd);
                if (after <= before)
                        break;
                usleep(100000);
        }
        printf("IRMd fds after: %d\n", after);
        CHECK(after <= before);
        free(fds);
        printf("many: ok\n");

        return 0;
}
