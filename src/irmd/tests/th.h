/*
 * Ouroboros IRMd tests - harness: a private IRMd per test (own
 * OUROBOROS_RUNDIR under /tmp), request helpers on msg.h, and cleanup
 * that kills every IRMd started and removes the directories even when a
 * check fails (atexit, and SIGALRM as a watchdog).
 */
#ifndef OUROBOROS_IRMD_TESTS_TH_H
#define OUROBOROS_IRMD_TESTS_TH_H

#include "common/msg.h"
#include "common/proto.h"

#include "../../../tests/check.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

struct th_irmd {
        pid_t pid;
        char  dir[64];
        char  sock[128];
        char  log[128];
};

/* Set up the harness: irmd path, fake ipcpd dir, watchdog seconds. */
void  th_init(const char * irmd,
              const char * ipcpd_dir,
              int          watchdog_s);

/* Make a fresh private runtime dir (removed at exit). */
void  th_mkdir(struct th_irmd * d);

/* Start an IRMd on d->dir with extra args (NULL-terminated); wait until
 * its socket answers. Returns its pid (registered for cleanup). */
pid_t th_start(struct th_irmd * d,
               const char **    args);

/* Run irmd with args on d->dir to completion: exit status, output in
 * out (size n). */
int   th_run(struct th_irmd * d,
             const char **    args,
             char *           out,
             size_t           n);

/* Stop an IRMd with SIGTERM and wait: exit status. */
int   th_stop(struct th_irmd * d);

bool  th_alive(pid_t pid);

/* Connect to d's socket: fd. */
int   th_connect(const struct th_irmd * d);

/* Send m on fd and receive the reply into rep (timeout ms): result. */
int   th_call(int          fd,
              struct msg * m,
              struct msg * rep,
              int          timeo_ms);

/* One-shot: connect, call, close. */
int   th_req(const struct th_irmd * d,
             struct msg *           m,
             struct msg *           rep);

/* Count IPCPs in a list reply. */
int   th_ipcp_list(const struct th_irmd * d);

/* Does d's log contain s? */
bool  th_log_has(const struct th_irmd * d,
                 const char *           s);

void  th_sleep_ms(int ms);

#endif /* OUROBOROS_IRMD_TESTS_TH_H */
