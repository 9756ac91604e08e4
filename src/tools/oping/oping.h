/*
 * oping - measure round-trip latency over an Ouroboros flow.
 *
 * Shared between main.c (options), client.c (sends probes,
 * matches replies, prints ping-like statistics) and server.c (echoes every
 * packet on all its flows from one fset/fevent loop).
 *
 * A probe carries a magic, a sequence number and the send time; the
 * server returns it unchanged, so the client needs no per-probe state to
 * compute the round trip.
 */
#ifndef OPING_H
#define OPING_H

#include "tools_common.h"

#include <ouroboros/qos.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define OPING_MAGIC     0x4f50494eU /* "OPIN" */
#define OPING_HDR_LEN   24          /* magic, seq, tv_sec, tv_nsec */
#define OPING_MAX_SIZE  (1024 * 1024)
#define OPING_DEF_SIZE  64
#define OPING_SLICE_MS  100         /* client waits check the stop flag */

struct oping_cfg {
        const char * name;        /* destination (client) */
        const char * qos_name;
        qosspec_t    qos;
        long         count;       /* 0: until interrupted */
        long         interval_ms; /* between probes */
        size_t       size;        /* bytes per probe */
        long         deadline_ms; /* 0: none */
        long         timeout_ms;  /* allocation and reply timeout */
        bool         flood;       /* do not wait for replies */
        bool         quiet;       /* no per-reply lines */
        bool         usec;        /* report times in microseconds */
        bool         timeofday;   /* [seconds.micro] before each line */
};

int  oping_client(const struct oping_cfg * cfg);

int  oping_server(const struct oping_cfg * cfg);

#endif /* OPING_H */
