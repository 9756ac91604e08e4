/*
 * Ouroboros - runtime directory of an IRMd instance and connecting to it.
 */
#include "rundir.h"

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

static long long mono_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);

        return (long long) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int rundir_get(char * buf,
               size_t len)
{
        const char * env = getenv(RUNDIR_ENV);
        const char * xdg = getenv("XDG_RUNTIME_DIR");
        int          n;

        if (env != NULL && *env != '\0')
                n = snprintf(buf, len, "%s", env);
        else if (geteuid() == 0)
                n = snprintf(buf, len, "/run/ouroboros");
        else if (xdg != NULL && *xdg != '\0')
                n = snprintf(buf, len, "%s/ouroboros", xdg);
        else
                n = snprintf(buf, len, "/tmp/ouroboros-%u",
                             (unsigned) geteuid());

        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;

        return 0;
}

int rundir_path(char *       buf,
                size_t       len,
                const char * file)
{
        char dir[256];
        int  n;

        if (rundir_get(dir, sizeof(dir)) < 0)
                return -ENAMETOOLONG;

        n = snprintf(buf, len, "%s/%s", dir, file);
        if (n < 0 || (size_t) n >= len)
                return -ENAMETOOLONG;

        return 0;
}

int rundir_connect(void)
{
        struct sockaddr_un sa;
        long long          deadline;
        long               pause_us = 500;
        int                fd;
        int                r;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        if (rundir_path(sa.sun_path, sizeof(sa.sun_path), RUNDIR_SOCK) < 0)
                return -ENAMETOOLONG;

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK,
                    0);
        if (fd < 0)
                return -errno;

        /*
         * A blocking connect() to a Unix socket whose backlog is full
         * waits until the IRMd accepts, without a bound. Non-blocking,
         * a full backlog is EAGAIN at once: retry with a growing pause
         * up to RUNDIR_CONNECT_MS, then give up.
         */
        deadline = mono_ms() + RUNDIR_CONNECT_MS;
        for (;;) {
                r = connect(fd, (struct sockaddr *) &sa, sizeof(sa));
                if (r == 0 || (errno != EINTR && errno != EAGAIN))
                        break;
                if (errno == EAGAIN) {
                        struct timespec ts = { 0, pause_us * 1000L };
                        if (mono_ms() >= deadline) {
                                close(fd);
                                return -ETIMEDOUT;
                        }
                        nanosleep(&ts, NULL);
                        if (pause_us < 50000)
                                pause_us *= 2;
                }
        }

        if (r < 0) {
                close(fd);
                return -EIRMD;
        }

        /* O_NONBLOCK is the only status flag the socket was made with. */
        if (fcntl(fd, F_SETFL, 0) < 0) {
                r = -errno;
                close(fd);
                return r;
        }

        return fd;
}
