/*
 * Ouroboros - unit test of rundir_connect (common/rundir.h): no IRMd
 * gives -EIRMD at once, and an IRMd whose backlog is full (it never
 * accepts) gives -ETIMEDOUT after RUNDIR_CONNECT_MS instead of blocking
 * forever; a listening IRMd gives a blocking descriptor.
 */
#include "common/rundir.h"

#include "../../../tests/check.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static char dir[] = "/tmp/ouro-rundir-XXXXXX";
static char path[100];

static long long now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int listen_here(int backlog)
{
        struct sockaddr_un sa;
        int                fd;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
        CHECK(fd >= 0);
        CHECK(bind(fd, (struct sockaddr *) &sa, sizeof(sa)) == 0);
        CHECK(listen(fd, backlog) == 0);

        return fd;
}

static void test_no_irmd(void)
{
        CHECK(rundir_connect() == -EIRMD);
}

static void test_listening(void)
{
        int l = listen_here(8);
        int fd = rundir_connect();

        CHECK(fd >= 0);
        CHECK((fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
        CHECK((fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
        close(fd);
        close(l);
        unlink(path);
}

static void test_backlog_full(void)
{
        int       l = listen_here(0);
        int       held[64];
        int       n = 0;
        int       r;
        long long t0;

        /* Fill the backlog with non-blocking connects nobody accepts. */
        while (n < 64) {
                struct sockaddr_un sa;
                int                fd;
                memset(&sa, 0, sizeof(sa));
                sa.sun_family = AF_UNIX;
                snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0);
                CHECK(fd >= 0);
                if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                        CHECK(errno == EAGAIN);
                        close(fd);
                        break;
                }
                held[n++] = fd;
        }
        CHECK(n < 64);

        t0 = now_ms();
        r  = rundir_connect();
        CHECK(r == -ETIMEDOUT);
        CHECK(now_ms() - t0 >= RUNDIR_CONNECT_MS - 100);
        CHECK(now_ms() - t0 < RUNDIR_CONNECT_MS * 3);

        while (n > 0)
                close(held[--n]);
        close(l);
        unlink(path);
}

int main(void)
{
        CHECK(mkdtemp(dir) != NULL);
        setenv(RUNDIR_ENV, dir, 1);
        snprintf(path, sizeof(path), "%s/%s", dir, RUNDIR_SOCK);

        test_no_irmd();
        test_listening();
        test_backlog_full();

        rmdir(dir);

        return check_report("rundir");
}
