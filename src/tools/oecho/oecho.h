/*
 * oecho - the smallest Ouroboros application: the client sends a message,
 * the server sends it back.
 *
 * main.c parses options, client.c sends and prints the reply, server.c
 * serves every flow in its own thread.
 */
#ifndef OECHO_H
#define OECHO_H

#include <ouroboros/qos.h>

#include <signal.h>
#include <stddef.h>
#include <time.h>

#define OECHO_MAX_MSG  4096
#define OECHO_SLICE_MS 100

struct oecho_cfg {
        const char * name;
        const char * message;
        const char * qos_name;
        qosspec_t    qos;
        long         timeout_ms;
};

extern volatile sig_atomic_t oecho_stop;

int  oecho_client(const struct oecho_cfg * cfg);

int  oecho_server(void);

const char * oecho_strerror(int err);

static inline struct timespec oecho_ms_ts(long ms)
{
        struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
        return ts;
}

#endif /* OECHO_H */
