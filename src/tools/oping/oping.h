/*
 * oping - measure round-trip latency over an Ouroboros flow.
 *
 * Shared between main.c (options, signals), client.c (sends probes,
 * matches replies, prints ping-like statistics) and server.c (echoes every
 * packet on all its flows from one fset/fevent loop).
 *
 * A probe carries a magic, a sequence number and the send time; the
 * server returns it unchanged, so the client needs no per-probe state to
 * compute the round trip.
 */
#ifndef OPING_H
#define OPING_H

#include <ouroboros/qos.h>

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define OPING_MAGIC     0x4f50494eU /* "OPIN" */
#define OPING_HDR_LEN   24          /* magic, seq, tv_sec, tv_nsec */
#define OPING_MAX_SIZE  65536
#define OPING_DEF_SIZE  64
#define OPING_SLICE_MS  100         /* blocked calls check signals */

struct oping_cfg {
        const char * name;        /* destination (client) */
        const char * qos_name;
        qosspec_t    qos;
        long         count;       /* 0: until interrupted */
        long         interval_ms; /* between probes */
        size_t       size;        /* bytes per probe */
        long         deadline_s;  /* 0: none */
        long         timeout_ms;  /* allocation and reply timeout */
        bool         flood;       /* do not wait for replies */
        bool         quiet;       /* no per-reply lines */
        bool         usec;        /* report times in microseconds */
};

/* Set by SIGINT/SIGTERM; every loop polls it at least every slice. */
extern volatile sig_atomic_t oping_stop;

int  oping_client(const struct oping_cfg * cfg);

int  oping_server(const struct oping_cfg * cfg);

const char * oping_strerror(int err);

/* The name of a predefined QoS spec equal to qs, else "custom". */
const char * oping_qos_name(const qosspec_t * qs);

static inline struct timespec oping_ms_ts(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        return ts;
}

static inline int64_t oping_now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#endif /* OPING_H */
