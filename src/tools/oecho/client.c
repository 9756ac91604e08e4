/*
 * oecho client: allocate a flow, send one message, print the reply.
 */
#include "oecho.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

int oecho_client(const struct oecho_cfg * cfg)
{
        struct timespec to = tool_ms_ts(cfg->timeout_ms);
        qosspec_t       qs = cfg->qos;
        char            buf[OECHO_MAX_MSG + 1];
        ssize_t         n;
        int             fd;

        fd = flow_alloc(cfg->name, &qs, &to);
        if (fd < 0) {
                fprintf(stderr, "oecho: cannot allocate a flow to %s: %s\n",
                        cfg->name, fd == -ETIMEDOUT ? "timed out" :
                        tool_strerror(-fd));
                return fd;
        }

        if (fccntl(fd, FLOWSRCVTIMEO, &to) < 0)
                fprintf(stderr, "oecho: cannot set the reply timeout\n");

        n = flow_write(fd, cfg->message, strlen(cfg->message));
        if (n < 0) {
                fprintf(stderr, "oecho: cannot send to %s: %s\n", cfg->name,
                        tool_strerror((int) -n));
                flow_dealloc(fd);
                return (int) n;
        }

        n = flow_read(fd, buf, OECHO_MAX_MSG);
        if (n < 0) {
                fprintf(stderr, "oecho: no reply from %s: %s\n", cfg->name,
                        n == -ETIMEDOUT ? "timed out" :
                        tool_strerror((int) -n));
                flow_dealloc(fd);
                return (int) n;
        }
        buf[n] = '\0';

        printf("Server replied: %s\n", buf);

        flow_dealloc(fd);
        return 0;
}
