/*
 * oecho server: accept flows and serve each in its own thread, sending
 * every message back as it came. Messages are printed with unprintable
 * bytes shown as '.'.
 */
#include "oecho.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static atomic_int active; /* flow threads still running */

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
        struct timespec slice = oecho_ms_ts(OECHO_SLICE_MS);
        int             fd = (int) (intptr_t) o;
        char            buf[OECHO_MAX_MSG * 2];
        ssize_t         n;

        fccntl(fd, FLOWSRCVTIMEO, &slice);
        fccntl(fd, FLOWSSNDTIMEO, &slice);

        while (!oecho_stop) {
                n = flow_read(fd, buf, sizeof(buf));
                if (n == -ETIMEDOUT || n == -EAGAIN)
                        continue;
                if (n < 0) {
                        printf("Flow %d closed (%s).\n", fd,
                               n == -EFLOWDOWN ? "client left" :
                               oecho_strerror((int) -n));
                        break;
                }
                print_msg(fd, buf, n);
                n = flow_write(fd, buf, (size_t) n);
                if (n < 0) {
                        printf("Flow %d: cannot reply: %s\n", fd,
                               oecho_strerror((int) -n));
                        break;
                }
        }

        flow_dealloc(fd);
        atomic_fetch_sub(&active, 1);
        return NULL;
}

int oecho_server(void)
{
        struct timespec slice = oecho_ms_ts(OECHO_SLICE_MS);
        qosspec_t       qs;
        pthread_t       t;
        int             fd;
        int             i;

        printf("Starting the oecho server; Ctrl-C to stop.\n");

        while (!oecho_stop) {
                fd = flow_accept(&qs, &slice);
                if (fd == -ETIMEDOUT || fd == -EAGAIN || fd == -EINTR)
                        continue;
                if (fd < 0) {
                        fprintf(stderr, "oecho: accept failed: %s\n",
                                oecho_strerror(-fd));
                        nanosleep(&slice, NULL);
                        continue;
                }
                printf("New flow %d%s.\n", fd,
                       qs.cypher_s > 0 ? " (encrypted)" : "");
                atomic_fetch_add(&active, 1);
                if (pthread_create(&t, NULL, serve,
                                   (void *) (intptr_t) fd) != 0) {
                        fprintf(stderr, "oecho: cannot start a thread\n");
                        atomic_fetch_sub(&active, 1);
                        flow_dealloc(fd);
                        continue;
                }
                pthread_detach(t);
        }

        for (i = 0; i < 50 && atomic_load(&active) > 0; ++i)
                nanosleep(&slice, NULL);

        printf("oecho server stopped.\n");
        return 0;
}
