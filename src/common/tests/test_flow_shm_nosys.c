/*
 * Ouroboros - the fast paths of the flow memory make no system call:
 * a write with room, a read of a queued packet, a non-blocking call that
 * finds the ring empty or full, and a call whose deadline has already
 * passed (what flow_read with a zero timeout comes to). A child process
 * runs them under a seccomp filter that kills it on any system call but
 * clock_gettime (the vDSO's fallback), exit and sigaltstack (ASan's).
 */

#include "common/flow_shm.h"
#include "common/timeutil.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define SKIP 77

/* ThreadSanitizer's runtime makes system calls of its own. */
#if defined(__SANITIZE_THREAD__)
#define UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UNDER_TSAN 1
#endif
#endif

#define ALLOW(nr)                                                       \
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (nr), 0, 1),                \
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int no_syscalls(void)
{
        struct sock_filter f[] = {
                BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                         offsetof(struct seccomp_data, nr)),
                ALLOW(__NR_clock_gettime),
                ALLOW(__NR_exit_group),
                ALLOW(__NR_exit),
                ALLOW(__NR_sigaltstack), /* ASan, before a noreturn call */
                BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
        };
        struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
                return -errno;

        return 0;
}

/* Runs in the child, under the filter: exit code 0 or the failed step. */
static int fast_paths(struct flow_shm * w,
                      struct flow_shm * r)
{
        static const uint8_t buf[64];
        struct timespec      past = ns_to_ts(now_ns() - NS_PER_MS);
        const void *         pkt;
        int                  i;

        for (i = 0; i < 1000; ++i) {
                if (flow_shm_peek(r, &pkt, false, &past) != -ETIMEDOUT)
                        return 10;
                if (flow_shm_peek(r, &pkt, true, NULL) != -EAGAIN)
                        return 11;
                if (flow_shm_write(w, buf, sizeof(buf), false, &past) != 64)
                        return 12;
                if (flow_shm_peek(r, &pkt, false, &past) != 64)
                        return 13;
                flow_shm_consume(r);
        }

        while (flow_shm_write(w, buf, sizeof(buf), true, NULL) == 64)
                ;
        for (i = 0; i < 1000; ++i) {
                if (flow_shm_write(w, buf, sizeof(buf), false, &past)
                    != -ETIMEDOUT)
                        return 14;
                if (flow_shm_write(w, buf, sizeof(buf), true, NULL)
                    != -EAGAIN)
                        return 15;
        }

        return 0;
}

int main(void)
{
        struct flow_shm_conf c = { 16384, 64, 1024 };
        struct flow_shm *    s[2];
        pid_t                pid;
        int                  status;
        int                  fd;

#ifdef UNDER_TSAN
        printf("test_flow_shm_nosys: SKIP (TSan makes system calls)\n");
        return SKIP;
#endif
        fd = flow_shm_create(&c);
        CHECK(fd >= 0);
        CHECK_EQ(flow_shm_map(fd, 0, -1, &s[0]), 0);
        CHECK_EQ(flow_shm_map(fd, 1, -1, &s[1]), 0);

        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                if (no_syscalls() < 0)
                        _exit(SKIP);
                _exit(fast_paths(s[0], s[1]));
        }

        CHECK_EQ(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status) && WEXITSTATUS(status) == SKIP) {
                printf("test_flow_shm_nosys: SKIP (no seccomp filters)\n");
                return SKIP;
        }
        if (WIFSIGNALED(status))
                fprintf(stderr, "killed by signal %d: a system call\n",
                        WTERMSIG(status));
        else if (WEXITSTATUS(status) != 0)
                fprintf(stderr, "step %d failed\n", WEXITSTATUS(status));
        CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        flow_shm_unmap(s[0]);
        flow_shm_unmap(s[1]);
        close(fd);
        printf("test_flow_shm_nosys: all passed\n");

        return 0;
}
