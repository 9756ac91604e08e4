/*
 * oecho server: accept flows and serve each in its own thread, sending
 * every message back as it came. Messages are printed with unprintable
 * bytes shown as '.'.
 *
 * Reads block without a timeout; a stopping server deallocates the
 * flows, which wakes their threads (tools_server.c).
 */
#include "oecho.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void print_msg(int fd, const char * buf, ssize_t n)
{
        char    out[81];
        ssize_t i;
        ssize_t len = n < 80 ? n : 80;

        for (i = 0; i < len; ++i)
                out[i] = isprint((unsigned char) buf[i]) ? buf[i] : '.';
        out[len] = '\0';
        printf("Flow %d: message from client: %s%s\n", fd, out,
               n > 80 ? "..." : "");
}

static void * serve(void * o)
{
        struct timespec wto = tool_ms_ts(OECHO_SLICE_MS);
        int             fd = (int) (intptr_t) o;
        char            buf[OECHO_MAX_MSG * 2];
        ssize_t         n;

        fccntl(fd, FLOWSSNDTIMEO, &wto);

        while (true) {
                n = flow_read(fd, buf, sizeof(buf));
                if (n == -ETIMEDOUT || n == -EAGAIN)
                        continue;
                if (n < 0) {
                        if (!tool_stopped())
                                printf("Flow %d closed (%s).\n", fd,
                                       n == -EFLOWDOWN ? "client left" :
                                       tool_strerror((int) -n));
                        break;
                }
                print_msg(fd, buf, n);
                n = flow_write(fd, buf, (size_t) n);
                if (n < 0) {
                        printf("Flow %d: cannot reply: %s\n", fd,
                               tool_strerror((int) -n));
                        break;
                }
        }

        tool_flow_release(fd);
        tool_threads_leave();
        return NULL;
}

static int flow_start(int fd, const qosspec_t * qs, void * o)
{
        (void) o;
        printf("New flow %d%s.\n", fd,
               qs->cypher_s > 0 ? " (encrypted)" : "");
        return tool_thread_start(serve, (void *) (intptr_t) fd);
}

int oecho_server(void)
{
        int r;

        printf("Starting the oecho server; Ctrl-C to stop.\n");
        r = tool_server_run(flow_start, NULL);
        if (r < 0)
                return r;
        printf("oecho server stopped.\n");
        return 0;
}
