/*
 * Ouroboros - processes with only local flows, or none, do not wake up
 * (tests/flows/test_idle.sh): an IRMd, its local IPCP, a server blocked
 * in flow_read on an idle flow and a client holding that flow with a
 * thread blocked in fevent, are watched for SECS seconds; together
 * they may switch context at most a few times (the bound is generous:
 * one periodic timer anywhere would exceed it).
 *
 *   test-flows-idle SECS IRMD_PID IPCP_PID
 */
#include "../api/common.h"

#include <dirent.h>
#include <pthread.h>

/* Context switches of every thread of pid. */
static long switches(pid_t pid)
{
        char            path[320];
        char            line[128];
        DIR *           d;
        struct dirent * e;
        long            n = 0;

        snprintf(path, sizeof(path), "/proc/%d/task", (int) pid);
        d = opendir(path);
        CHECK(d != NULL);
        while ((e = readdir(d)) != NULL) {
                FILE * f;
                long   v;
                if (e->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "/proc/%d/task/%s/status",
                         (int) pid, e->d_name);
                f = fopen(path, "r");
                if (f == NULL)
                        continue; /* the thread just left */
                while (fgets(line, sizeof(line), f) != NULL)
                        if (sscanf(line, "voluntary_ctxt_switches: %ld",
                                   &v) == 1 ||
                            sscanf(line, "nonvoluntary_ctxt_switches: %ld",
                                   &v) == 1)
                                n += v;
                fclose(f);
        }
        closedir(d);

        return n;
}

/* The server: one flow accepted and read (blocks until the client's
 * "x"), then it answers "y" and reads until the client deallocates. */
static int server(struct t_pair * p,
                  void *          arg)
{
        char buf[8];
        int  fd;

        (void) arg;
        fd = flow_accept(NULL, NULL);
        CHECK(fd >= 0);
        t_signal(p, 'A');
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), 1);
        CHECK_EQ(flow_write(fd, "y", 1), 1);
        CHECK_EQ(flow_read(fd, buf, sizeof(buf)), -EFLOWDOWN);
        CHECK_EQ(flow_dealloc(fd), 0);

        return 0;
}

/* A thread of the client that waits in fevent on its flow. */
static void * waiter(void * o)
{
        fqueue_t * fq  = fqueue_create();
        fset_t *   set = fset_create();

        CHECK(fq != NULL && set != NULL);
        CHECK_EQ(fset_add(set, *(int *) o), 0);
        CHECK_EQ(fevent(set, fq, NULL), 1);
        fqueue_destroy(fq);
        fset_destroy(set);

        return NULL;
}

int main(int     argc,
         char ** argv)
{
        struct t_pair p;
        pthread_t     th;
        pid_t         pids[4];
        long          before[4];
        const char *  who[4] = { "irmd", "ipcp", "server", "client" };
        long          total = 0;
        int           secs;
        int           fd;
        int           i;

        if (argc != 4)
                return 2;
        secs    = atoi(argv[1]);
        pids[0] = (pid_t) atoi(argv[2]);
        pids[1] = (pid_t) atoi(argv[3]);
        pids[3] = getpid();

        t_pair_start(&p, "idle", server, NULL);
        pids[2] = p.child;
        fd = flow_alloc("idle", NULL, NULL);
        CHECK(fd >= 0);
        CHECK_EQ(t_wait(&p), 'A');
        CHECK_EQ(pthread_create(&th, NULL, waiter, &fd), 0);
        usleep(200000); /* everyone settles into its wait */

        for (i = 0; i < 4; ++i)
                before[i] = switches(pids[i]);
        sleep((unsigned) secs);
        for (i = 0; i < 4; ++i) {
                long d = switches(pids[i]) - before[i];
                printf("%s (pid %d): %ld context switches in %d s\n",
                       who[i], (int) pids[i], d, secs);
                total += d;
        }
        /* the main thread sleeping here is one switch; allow a few */
        CHECK(total <= 8);

        CHECK_EQ(flow_write(fd, "x", 1), 1); /* the "y" wakes the waiter */
        CHECK_EQ(pthread_join(th, NULL), 0);
        CHECK_EQ(flow_dealloc(fd), 0);
        CHECK_EQ(t_pair_end(&p), 0);
        printf("idle: ok\n");

        return 0;
}
