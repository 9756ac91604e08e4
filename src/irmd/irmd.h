/*
 * Ouroboros IRMd - internal interfaces between the daemon's modules.
 *
 *   main.c     options, runtime dir and lock, the epoll loop, signals,
 *              shutdown
 *   conn.c     client connections: accept, receive, dispatch, replies,
 *              parked requests (req.h)
 *   ipcp.c     IPCP processes: spawn, requests to IPCPs, death
 *   ipcp_mgmt.c the M_IPCP_* management requests and HELLO
 *   ipcp_stat.c M_IPCP_STAT: an IPCP's counters, relayed
 *   name.c     M_NAME_* and M_BIND_* / M_UNBIND_* requests
 *   proc.c     processes: announce, session end, auto-start
 *   flow.c     flow allocation, accept, dealloc, requests from IPCPs
 *   flow_reclaim.c  flows of dead processes, IPCPs, connections; expiry
 *   config.c   the --config file
 *   reg_*.c    the registries (pure data, unit tested)
 *
 * Everything runs on one thread; nothing blocks. Every pending operation
 * is a record with a deadline; each module reports its next deadline and
 * expires what is due.
 */
#ifndef OUROBOROS_IRMD_H
#define OUROBOROS_IRMD_H

#include "list.h"
#include "req.h"

#include "common/flow_shm.h"
#include "common/msg.h"

#include <ouroboros/irm.h>

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define IRMD_MAX_CONNS      4096
#define IRMD_FD_RESERVE     64    /* fds kept from flows for conns */
#define IRMD_MAX_PARKED     64    /* pending requests on one conn */
#define IRMD_IDLE_NS        (60 * 1000000000LL)  /* idle request conn */
#define IRMD_HELLO_NS       (5 * 1000000000LL)   /* IPCP start         */
#define IRMD_IPCP_REQ_NS    (15 * 1000000000LL)  /* IPCP request       */
#define IRMD_IPCP_LONG_NS   (120 * 1000000000LL) /* bootstrap, enroll  */
#define IRMD_IPCP_STAT_NS   (5 * 1000000000LL)   /* stat: below the
                                                    library's 10 s     */
#define IRMD_QUEUE_NS       (30 * 1000000000LL)  /* queued flow        */
#define IRMD_KILL_GRACE_NS  (2 * 1000000000LL)   /* SIGTERM -> SIGKILL */
#define IRMD_PROG_MAX       4096                 /* PATH_MAX           */

/* Configuration of this instance (main.c). */
struct irmd_cfg {
        bool                 to_stdout;
        bool                 debug;
        const char *         config;
        struct flow_shm_conf shm;
        char                 rundir[256];
};

extern struct irmd_cfg irmd_cfg;

/* Set by main to stop the loop (config failure, signal). */
void irmd_stop(int exit_code);

/* The loop's epoll instance. */
int  irmd_epoll_fd(void);

/* ---- conn.c ---- */

enum conn_kind {
        CONN_NEW = 0,  /* request connection (or not yet known) */
        CONN_SESSION,  /* announced process */
        CONN_IPCP,     /* an IPCP after HELLO */
        CONN_INTERNAL  /* the config runner: replies go to config.c */
};

struct conn {
        struct list_head  next;
        int               fd;
        int               refs;
        bool              dead;
        bool              spoke;   /* sent at least one message */
        pid_t             pid;     /* SO_PEERCRED */
        uid_t             uid;
        enum conn_kind    kind;
        int64_t           idle;    /* close if silent until then, 0 none */
        int               parked;  /* parked requests */
        struct reg_ipcp * ipcp;    /* CONN_IPCP */
};

int           conn_init(int listen_fd);
void          conn_fini(void);
void          conn_accept(void);
void          conn_event(struct conn * c);
void          conn_close(struct conn * c);
void          conn_gc(void);
int64_t       conn_next_deadline(void);
void          conn_expire(int64_t now);
struct conn * conn_internal(void);
void          conn_dispatch(struct conn * c, struct msg * m);

int           conn_send(struct conn * c, const struct msg * m);
/* Answer m on c with only a result. */
void          conn_reply(struct conn * c, const struct msg * m, int res);

void          req_park(struct req * r, struct conn * c, const struct msg * m);
void          req_init_reply(struct msg * rep, const struct req * r, int res);
/* Send rep (built with req_init_reply) and release r: 0, or the
 * send's error (then a request connection is closed). */
int           req_send(struct req * r, const struct msg * rep);
/* Answer with only a result and release r. */
void          req_fail(struct req * r, int res);
/* Release without answering. */
void          req_drop(struct req * r);
bool          req_alive(const struct req * r);

/* ---- ipcp.c ---- */

struct reg_ipcp;

/* Completion of a request to an IPCP; rep NULL on death or timeout
 * (res -EIPCP / -ETIMEDOUT). ipcp is valid during the call. */
typedef void (* ipcp_done_fn)(void *            ctx,
                              struct reg_ipcp * ipcp,
                              int               res,
                              const struct msg * rep);

/* A parked M_IPCP_CREATE, answered at HELLO (reg_ipcp.create). */
struct ipcp_create {
        struct req req;
};

int     ipcp_init(void);
void    ipcp_fini(void);
/* Path of the ipcpd-<type> binary: 0, or -EIPCPTYPE if none. */
int     ipcp_bin_path(enum ipcp_type t, char * buf, size_t len);
/* Start path --name name: its pid or -errno. */
pid_t   ipcp_spawn(const char * path, const char * name);
/* SIGTERM now, SIGKILL after IRMD_KILL_GRACE_NS unless reaped. */
void    ipcp_kill_later(pid_t pid);
/* Answer a pending M_IPCP_CREATE of e (T_PID on success). */
void    ipcp_create_done(struct reg_ipcp * e, int res);
/* Take e out of service and out of the registry (logs why). */
void    ipcp_gone(struct reg_ipcp * e, const char * why);
/* Send m (type set, id assigned here) to ipcp. done may be NULL. */
int     ipcp_send_req(struct reg_ipcp * ipcp,
                      struct msg *      m,
                      int64_t           timeo_ns,
                      ipcp_done_fn      done,
                      void *            ctx);
bool    ipcp_child_exit(pid_t pid, int status);
void    ipcp_conn_closed(struct conn * c);
int64_t ipcp_next_deadline(void);
void    ipcp_expire(int64_t now);
void    ipcp_on_reply(struct conn * c, const struct msg * m);

void    ipcp_h_create(struct conn * c, const struct msg * m);
void    ipcp_h_destroy(struct conn * c, const struct msg * m);
void    ipcp_h_list(struct conn * c, const struct msg * m);
void    ipcp_h_bootstrap(struct conn * c, const struct msg * m);
void    ipcp_h_enroll(struct conn * c, const struct msg * m);
void    ipcp_h_connect(struct conn * c, const struct msg * m);
void    ipcp_h_stat(struct conn * c, const struct msg * m);
void    ipcp_h_hello(struct conn * c, const struct msg * m);

/* ---- name.c ---- */

void    name_h_create(struct conn * c, const struct msg * m);
void    name_h_destroy(struct conn * c, const struct msg * m);
void    name_h_list(struct conn * c, const struct msg * m);
void    name_h_reg(struct conn * c, const struct msg * m);
void    name_h_bind_prog(struct conn * c, const struct msg * m);
void    name_h_unbind_prog(struct conn * c, const struct msg * m);
void    name_h_bind_proc(struct conn * c, const struct msg * m);
void    name_h_unbind_proc(struct conn * c, const struct msg * m);
/* A freshly registered IPCP in layer: nothing; an IPCP gone: forget. */
void    name_ipcp_gone(struct reg_ipcp * ipcp);

/* ---- proc.c ---- */

void    proc_h_announce(struct conn * c, struct msg * m);
void    proc_conn_closed(struct conn * c);
bool    proc_child_exit(pid_t pid, int status);
/* Auto-start a program bound to name if allowed: 0, -ENOENT none. */
int     proc_autostart(const char * name);
/* pid called accept (an auto-started program is no longer starting). */
void    proc_accepting(pid_t pid);
/* Is pid alive (kill(pid, 0))? */
bool    proc_alive(pid_t pid);
void    proc_fini(void);

/* ---- flow.c ---- */

void    flow_h_alloc(struct conn * c, const struct msg * m);
void    flow_h_accept(struct conn * c, const struct msg * m);
void    flow_h_join(struct conn * c, const struct msg * m);
void    flow_h_dealloc(struct conn * c, const struct msg * m);
void    flow_h_ack(struct conn * c, const struct msg * m);
void    flow_h_cancel(struct conn * c, const struct msg * m);
void    flow_h_req_arr(struct conn * c, const struct msg * m);
void    flow_h_alloc_reply(struct conn * c, const struct msg * m);
void    flow_h_dealloc_arr(struct conn * c, const struct msg * m);
/* Reclaim everything held by pid (process gone). */
size_t  flow_proc_gone(pid_t pid);
/* Pending requests of a closed connection. */
void    flow_conn_closed(struct conn * c);
/* An IPCP died: mark its flows down, fail pending ones. */
void    flow_ipcp_gone(struct reg_ipcp * ipcp);
/* A process became able to accept (bound to a new name...). */
void    flow_kick(void);
int64_t flow_next_deadline(void);
void    flow_expire(int64_t now);
/* Shutdown: mark every flow memory down. */
void    flow_fini(void);

/* ---- config.c ---- */

/* Parse the file: 0 or -1 after printing "irmd: PATH:LINE: reason". */
int     config_load(const char * path);
/* Executing, one request at a time, from the loop: config_ready says
 * a step can be taken now (the loop then does not sleep). */
void    config_start(void);
bool    config_ready(void);
void    config_step(void);
void    config_on_reply(const struct msg * m);
void    config_fini(void);

/* ---- util ---- */

/* "Operation not permitted", or our codes: "IPCP type not available"... */
const char * irmd_strerror(int err);

/* Read the required non-empty string field tag of v into buf (at most
 * max bytes): its length, -EBADMSG if missing, -EINVAL if empty, or the
 * error of msg_get_str (-ENAMETOOLONG...). */
int          irmd_get_str(struct msg_view v,
                          uint16_t        tag,
                          char *          buf,
                          size_t          max);

/* Every name in v (T_NAME, T_IPCP_NAME, T_LAYER, T_DST, also inside
 * T_CONF) follows common/name_check.h: 0, -EINVAL, -ENAMETOOLONG or
 * -EBADMSG (malformed nested block). One pass. */
int          irmd_check_names(struct msg_view v);

/* The argc T_ARG fields of v (argc counted and checked against the size
 * of args by the caller) as new strings in args[0..argc): 0, -EBADMSG
 * for an embedded NUL, -ENOMEM. One pass over v. */
int          irmd_get_args(struct msg_view v,
                           char **         args,
                           size_t          argc);

/* Free args[0..n), the NULL ones included. */
void         irmd_free_args(char ** args,
                            size_t  n);

/* Write the entry at p into the open T_ENTRY block of rep: 0 or -errno. */
typedef int (* irmd_put_entry_fn)(struct msg *             rep,
                                  const struct list_head * p);

/* Answer a list request m on c: one T_ENTRY per element of head, or
 * only -EMSGSIZE when they do not fit in one message. */
void         irmd_reply_list(struct conn *            c,
                             const struct msg *       m,
                             const struct list_head * head,
                             irmd_put_entry_fn        put);

#endif /* OUROBOROS_IRMD_H */
