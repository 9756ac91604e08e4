/*
 * oecho - the smallest Ouroboros application: the client sends a message,
 * the server sends it back.
 *
 * main.c parses options, client.c sends and prints the reply, server.c
 * serves every flow in its own thread.
 */
#ifndef OECHO_H
#define OECHO_H

#include "tools_common.h"

#include <ouroboros/qos.h>

#include <stddef.h>
#include <time.h>

#define OECHO_MAX_MSG  4096
#define OECHO_SLICE_MS 100 /* server send timeout */

struct oecho_cfg {
        const char * name;
        const char * message;
        const char * qos_name;
        qosspec_t    qos;
        long         timeout_ms;
};

int  oecho_client(const struct oecho_cfg * cfg);

int  oecho_server(void);

#endif /* OECHO_H */
