/*
 * Ouroboros - a flow the acceptor cannot set up after the IRMd handed it
 * over (tests/flows/test_setupfail.sh): the server runs with
 * OUROBOROS_MAX_FLOWS=1 and holds one flow, so its second flow_accept
 * fails in the library (-ENFILE) after the IRMd's reply. The requester
 * of that flow must learn it at once: its flow_alloc fails, or its read
 * returns -EFLOWDOWN and FLOW_DEALLOC is raised, long before its timeout.
 */
#include "../api/common.h"

#define NAME "setupfail"

static void server(int ready,
                   int done)
{
        struct timespec to = t_ms(10000);
        int             fd;
        int             r;
        char            c;

        setenv("OUROBOROS_MAX_FLOWS", "1", 1); /* before any library use */
        t_serve_as(NAME);
        CHECK(write(ready, "R", 1) == 1);
        fd = flow_accept(NULL, &to);
        CHECK(fd >= 0);
        r = flow_accept(NULL, &to);
        printf("server: second accept: %d\n", r);
        CHECK_EQ(r, -ENFILE);
        CHECK(write(ready, "A", 1) == 1);
        CHECK(read(done, &c, 1) == 1);
        CHECK_EQ(flow_dealloc(fd), 0);
        exit(0);
}

int main(void)
{
        struct timespec to = t_ms(10000);
        struct timespec t0;
        struct timespec t1;
        fqueue_t *      fq;
        fset_t *        set;
        int             rp[2];
        int             dp[2];
        int             a;
        int             b;
        int             st;
        char            buf[16];
        char            c;
        long            ms;
        pid_t           pid;

        CHECK(pipe(rp) == 0 && pipe(dp) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                close(rp[0]);
                close(dp[1]);
                server(rp[1], dp[0]);
        }
        close(rp[1]);
        close(dp[0]);
        CHECK(read(rp[0], &c, 1) == 1 && c == 'R');

        a = flow_alloc(NAME, NULL, &to);
        CHECK(a >= 0);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        b = flow_alloc(NAME, NULL, &to);
        printf("client: second alloc: %d\n", b);
        if (b >= 0) {
                set = fset_create();
                fq  = fqueue_create();
                CHECK(set != NULL && fq != NULL);
                CHECK_EQ(fset_add(set, b), 0);
                CHECK_EQ(fevent(set, fq, &to), 1);
                CHECK_EQ(fqueue_next(fq), b);
                CHECK_EQ(fqueue_type(fq), FLOW_DEALLOC);
                CHECK_EQ(fccntl(b, FLOWSRCVTIMEO, &to), 0);
                CHECK_EQ(flow_read(b, buf, sizeof(buf)), -EFLOWDOWN);
                CHECK_EQ(flow_write(b, "x", 1), -EFLOWDOWN);
                fqueue_destroy(fq);
                fset_destroy(set);
                CHECK_EQ(flow_dealloc(b), 0);
        }
        clock_gettime(CLOCK_MONOTONIC, &t1);
        ms = (t1.tv_sec - t0.tv_sec) * 1000 +
                (t1.tv_nsec - t0.tv_nsec) / 1000000;
        printf("client: learnt it in %ld ms\n", ms);
        CHECK(ms < 5000);

        CHECK(read(rp[0], &c, 1) == 1 && c == 'A');
        CHECK(write(dp[1], "D", 1) == 1);
        CHECK(waitpid(pid, &st, 0) == pid);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        CHECK_EQ(flow_dealloc(a), 0);
        printf("setupfail: ok\n");

        return 0;
}
