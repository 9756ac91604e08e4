/*
 * Ouroboros - runtime directory of an IRMd instance and connecting to it.
 */
#include "rundir.h"

#include <ouroboros/errno.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

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
        int                fd;
        int                r;

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        if (rundir_path(sa.sun_path, sizeof(sa.sun_path), RUNDIR_SOCK) < 0)
                return -ENAMETOOLONG;

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;

        do
                r = connect(fd, (struct sockaddr *) &sa, sizeof(sa));
        while (r < 0 && errno == EINTR);

        if (r < 0) {
                close(fd);
                return -EIRMD;
        }

        return fd;
}
