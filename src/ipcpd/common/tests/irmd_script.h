/*
 * Ouroboros - for tests that play the IRMd's side of the protocol with
 * an IPCP: listen on irmd.sock of a private runtime directory and start
 * an IPCP binary that connects to it. Include after tests/check.h.
 */
#ifndef OUROBOROS_IPCPD_TESTS_IRMD_SCRIPT_H
#define OUROBOROS_IPCPD_TESTS_IRMD_SCRIPT_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

/* A listening irmd.sock in dir. */
static inline int script_listen(const char * dir)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int                s;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/irmd.sock", dir);
        s = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        CHECK(s >= 0);
        CHECK(bind(s, (struct sockaddr *) &sa, sizeof(sa)) == 0);
        CHECK(listen(s, 4) == 0);

        return s;
}

/* Run IPCP binary bin as "--name name --stdout" against dir. */
static inline pid_t script_spawn(const char * bin,
                                 const char * dir,
                                 const char * name)
{
        pid_t pid = fork();

        CHECK(pid >= 0);
        if (pid == 0) {
                setenv("OUROBOROS_RUNDIR", dir, 1);
                execl(bin, bin, "--name", name, "--stdout", (char *) NULL);
                _exit(127);
        }

        return pid;
}

#endif /* OUROBOROS_IPCPD_TESTS_IRMD_SCRIPT_H */
