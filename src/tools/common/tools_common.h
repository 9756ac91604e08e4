/*
 * tools-common - what oping, operf, ocbr and oecho share.
 *
 *  - command line: number and QoS parsing with the tools' messages,
 *    getopt error reporting, --version (tools_common.c);
 *  - error strings for Ouroboros error codes;
 *  - time and big-endian helpers (inline, below);
 *  - stopping (tools_stop.c): SIGINT and SIGTERM are blocked in every
 *    thread and taken by sigwait() in one, which sets the stop flag; a
 *    server registers its flows so that the stopping thread can release
 *    them all, which wakes the threads blocked reading them.
 *
 * Messages start with the program name given to tool_init(); everything
 * returns 0 or a negative errno unless said otherwise.
 */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H

#include <ouroboros/qos.h>

#include <endian.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* Exit status for bad options and fatal errors, shared by all tools. */
#define TOOL_EXIT_USAGE 2

/* Name messages with prog; stdout line buffered; getopt quiet. */
void tool_init(const char * prog);

const char * tool_prog(void);

/* Ouroboros error codes in words, else strerror(err); err > 0. */
const char * tool_strerror(int err);

/* Decimal long in min..max: 0, -EINVAL (not a number) or -ERANGE (in
 * range of long but not of min..max; *out then holds the value). */
int  tool_strtol(const char * s, long min, long max, long * out);

/* tool_strtol, with "PROG: invalid value for OPT: 'ARG'" or "PROG: OPT
 * out of range: V (allowed MIN..MAX)" on stderr when it fails. */
int  tool_parse_long(const char * opt, const char * arg, long min, long max,
                     long * out);

/* --- units (tools_units.c) --- */

/* A duration in ms: a whole number with an optional unit ms, s, m, h or
 * d (a bare number counts bare_ms each), in min_ms..max_ms. 0, or
 * -EINVAL / -ERANGE with a message naming opt. */
int  tool_parse_duration(const char * opt, const char * arg, long bare_ms,
                         long min_ms, long max_ms, long * out_ms);

/* A number with an optional k, M or G (powers of ten) into *out, in
 * 1..max; *unit tells whether a suffix was given. 0, or -EINVAL /
 * -ERANGE with a message naming opt. */
int  tool_parse_rate(const char * opt, const char * arg, uint64_t max,
                     uint64_t * out, bool * unit);

/* A non-empty NAME for -n, else "PROG: empty name" and -EINVAL. */
int  tool_parse_name(const char * arg, const char ** out);

/* A predefined QoS by name (raw, best, video, ... with _crypt); *name
 * points into a static table. Prints "unknown QoS" when it is none. */
int  tool_qos_parse(const char * arg, qosspec_t * qs, const char ** name);

/* The name of a predefined QoS spec equal to qs, else "custom". */
const char * tool_qos_name(const qosspec_t * qs);

/* Report what getopt_long returned for c == ':' or '?': missing value or
 * unknown option. Returns TOOL_EXIT_USAGE. */
int  tool_opt_error(int c, char ** argv);

/* The options every tool has, for the default: of its getopt switch:
 * -h (usage(stdout), 0), -V (version, 0), else a missing value or an
 * unknown option (message, TOOL_EXIT_USAGE). Returns the exit status. */
int  tool_opt_default(int c, char ** argv, void (* usage)(FILE * f));

/* After getopt: TOOL_EXIT_USAGE with a message if an argument is left. */
int  tool_no_args(int argc, char ** argv);

/* "PROG MAJOR.MINOR.PATCH" on stdout. */
void tool_version(void);

/* --- stopping (tools_stop.c) --- */

/* Block SIGINT and SIGTERM in the caller and every thread it creates
 * from now on, ignore SIGPIPE. Call before the first thread. */
int  tool_signals_block(void);

/* Wait for SIGINT or SIGTERM, set the stop flag, return the signal. */
int  tool_signals_wait(void);

/* A detached thread that does tool_signals_wait() (for clients, which
 * poll tool_stopped() in their bounded waits). */
int  tool_signals_thread(void);

/* After the options: tool_signals_block(), and for a client (!listen)
 * tool_signals_thread(). 0, or TOOL_EXIT_USAGE with a message. */
int  tool_start(bool listen);

bool tool_stopped(void);

/* Stop as if signalled: wakes whoever is in tool_signals_wait(). */
void tool_stop(void);

/* Flows of a server, so that a stopping thread can release them all.
 * Exactly one caller of tool_flows_take() or tool_flows_stop() gets a
 * given flow and must deallocate it. Add fails with -ECANCELED once
 * tool_flows_stop() was called: the caller deallocates the flow. */
int  tool_flows_add(int fd);

bool tool_flows_take(int fd);

/* No more adds; calls release(fd, arg) for every registered flow, outside
 * the lock (release NULL: flow_dealloc). Returns how many. */
int  tool_flows_stop(void (* release)(int fd, void * arg), void * arg);

/* Server threads that must finish before the process exits. */
void tool_threads_enter(void);

void tool_threads_leave(void);

/* Wait up to ms for every entered thread to leave; false if some did not. */
bool tool_threads_wait(long ms);

/* --- server skeleton (tools_server.c) --- */

/* Serve flow fd (peer asked for qs) in a thread of its own; 0 if it
 * did, else a negative errno and the flow is released for it. The
 * thread ends with tool_flow_release(fd), then tool_threads_leave(). */
typedef int (* tool_flow_start_t)(int fd, const qosspec_t * qs, void * arg);

/* Accept flows in a thread, hand each to start(); wait in the caller for
 * SIGINT or SIGTERM (or a lost IRMd), then release every flow and wait
 * (bounded) for the flow threads to leave. Returns 0, -EIRMD if the IRMd
 * was lost, or a negative errno if it could not start. */
int  tool_server_run(tool_flow_start_t start, void * arg);

/* Deallocate fd unless a stopping server already did. */
void tool_flow_release(int fd);

/* Block in flow_accept() until a flow comes (its fd) or the tool stops
 * (-ECANCELED). Without an IRMd (-EIRMD) it says so once and stops the
 * tool (tool_irmd_lost() then holds); other failures are reported when
 * they change and retried after pauses that grow to 5 s. */
int  tool_accept(qosspec_t * qs);

/* True once tool_accept() stopped the tool because the IRMd is gone. */
bool tool_irmd_lost(void);

/* Run fn(arg) in a detached thread; "PROG: cannot start a thread". */
int  tool_thread_start(void * (* fn)(void *), void * arg);

/* Give fd a receive timeout of ms only while want holds, else block;
 * *timed is the current setting (false for a new flow), so fccntl() is
 * called only when it changes. */
void tool_rcv_timeo(int fd, bool * timed, bool want, long ms);

/* --- time and wire helpers --- */

static inline int64_t tool_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * How a paced sender waits for its next send time: MIXED (default)
 * sleeps until 100 us before it and spins the rest (precise, cheap),
 * yielding at each turn: a process that shares the CPU (the IPCP the
 * sender feeds, pinned with it) runs first instead of waiting for the
 * spinner's slice to end; on an idle CPU sched_yield returns at once;
 * SLEEP sleeps all of it (classic --sleep: least CPU, the scheduler's
 * jitter); SPIN never sleeps (classic --spin: a CPU busy, least jitter).
 */
enum tool_pace {
        TOOL_PACE_MIXED = 0,
        TOOL_PACE_SLEEP,
        TOOL_PACE_SPIN
};

/* One wait towards next (tool_now_ns time) from now; the caller loops
 * until now >= next. */
static inline void tool_pace_wait(int64_t now, int64_t next,
                                  enum tool_pace mode)
{
        struct timespec s;
        int64_t         d = next - now;

        if (mode == TOOL_PACE_SPIN || d <= 0)
                return;
        if (mode == TOOL_PACE_MIXED) {
                if (d <= 200000) {
                        sched_yield();
                        return;
                }
                d -= 100000;
        }
        s.tv_sec  = (time_t) (d / 1000000000LL);
        s.tv_nsec = (long) (d % 1000000000LL);
        nanosleep(&s, NULL);
}

static inline struct timespec tool_ms_ts(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

        return ts;
}

static inline struct timespec tool_ns_ts(int64_t ns)
{
        struct timespec ts = { (time_t) (ns / 1000000000LL),
                               (long) (ns % 1000000000LL) };

        return ts;
}

/* Megabit per second for bytes in ns; 0 for an empty interval. */
static inline double tool_mbps(uint64_t bytes, int64_t ns)
{
        return ns > 0 ? (double) bytes * 8e3 / (double) ns : 0;
}

static inline void tool_u64_put(uint8_t * buf, uint64_t v)
{
        v = htobe64(v);
        memcpy(buf, &v, 8);
}

static inline uint64_t tool_u64_get(const uint8_t * buf)
{
        uint64_t v;

        memcpy(&v, buf, 8);
        return be64toh(v);
}

#endif /* TOOLS_COMMON_H */
