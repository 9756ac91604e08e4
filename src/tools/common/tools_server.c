/*
 * tools-common: the server skeleton of operf, ocbr and oecho.
 *
 * An acceptor thread blocks in flow_accept() without a timeout and hands
 * each flow to the tool's start(), which serves it in a thread of its
 * own; the calling thread waits for SIGINT or SIGTERM. Then every flow is
 * deallocated, which wakes its thread; the threads print their summaries
 * and leave, and tool_server_run() returns. The acceptor may still be
 * blocked in flow_accept() then: no call wakes it, it holds no flow, and
 * the process exits around it.
 */
#include "tools_common.h"

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>

#define ACCEPT_PAUSE_MS 100  /* first pause after a failed accept */
#define ACCEPT_MAX_MS   5000 /* pauses double up to this */
#define STOP_WAIT_MS    2000 /* for the flow threads' summaries */

static struct {
        tool_flow_start_t start;
        void *            arg;
} srv;

static volatile bool irmd_lost;

bool tool_irmd_lost(void)
{
        return irmd_lost;
}

/*
 * A server without its IRMd can never accept again (a new IRMd does not
 * know this process): say so once and stop as if signalled. Other
 * failures are printed when they change and retried with pauses that
 * double up to ACCEPT_MAX_MS, so a failing server neither spins nor
 * floods its output.
 */
int tool_accept(qosspec_t * qs)
{
        struct timespec pause;
        long            pause_ms = ACCEPT_PAUSE_MS;
        int             last     = 0;
        int             fd;

        while (!tool_stopped()) {
                fd = flow_accept(qs, NULL);
                if (fd >= 0)
                        return fd;
                if (fd == -ETIMEDOUT || fd == -EAGAIN || fd == -EINTR)
                        continue;
                if (fd == -EIRMD) {
                        irmd_lost = true;
                        fprintf(stderr, "%s: %s; stopping\n", tool_prog(),
                                tool_strerror(EIRMD));
                        tool_stop();
                        break;
                }
                if (fd != last)
                        fprintf(stderr, "%s: accept failed: %s (retrying)\n",
                                tool_prog(), tool_strerror(-fd));
                last = fd;
                pause = tool_ms_ts(pause_ms);
                nanosleep(&pause, NULL);
                if (pause_ms < ACCEPT_MAX_MS)
                        pause_ms *= 2;
        }

        return -ECANCELED;
}

int tool_thread_start(void * (* fn)(void *), void * arg)
{
        pthread_t t;

        if (pthread_create(&t, NULL, fn, arg) != 0) {
                fprintf(stderr, "%s: cannot start a thread\n", tool_prog());
                return -ENOMEM;
        }
        pthread_detach(t);
        return 0;
}

void tool_rcv_timeo(int fd, bool * timed, bool want, long ms)
{
        struct timespec ts = tool_ms_ts(ms);

        if (want == *timed)
                return;
        fccntl(fd, FLOWSRCVTIMEO, want ? &ts : NULL);
        *timed = want;
}

static void * acceptor(void * o)
{
        qosspec_t qs;
        int       fd;

        (void) o;

        while ((fd = tool_accept(&qs)) >= 0) {
                tool_threads_enter();
                if (tool_flows_add(fd) < 0) { /* stopping, or no memory */
                        tool_threads_leave();
                        flow_dealloc(fd);
                        continue;
                }
                if (srv.start(fd, &qs, srv.arg) < 0) {
                        tool_threads_leave();
                        if (tool_flows_take(fd))
                                flow_dealloc(fd);
                }
        }

        return NULL;
}

int tool_server_run(tool_flow_start_t start, void * arg)
{
        int r;

        srv.start = start;
        srv.arg   = arg;

        r = tool_thread_start(acceptor, NULL);
        if (r < 0)
                return r;

        tool_signals_wait();

        tool_flows_stop(NULL, NULL);
        tool_threads_wait(STOP_WAIT_MS);

        return irmd_lost ? -EIRMD : 0;
}

void tool_flow_release(int fd)
{
        if (tool_flows_take(fd))
                flow_dealloc(fd);
}
