/*
 * Ouroboros IRMd tests - helpers of the protocol tests: requests built
 * with msg.h, application sessions, flows, acceptors in child processes
 * and waiting for conditions or log lines. tp_m / tp_r are the request
 * and reply buffers (one thread, one request at a time).
 */
#ifndef OUROBOROS_IRMD_TESTS_TP_H
#define OUROBOROS_IRMD_TESTS_TP_H

#include "th.h"

#include <ouroboros/irm.h>

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

extern struct msg tp_m;
extern struct msg tp_r;
extern char       tp_self[PATH_MAX];   /* this test binary */

/* An application session: announce as prog with a fresh eventfd. */
struct app {
        int sess;
        int evfd;
};

/* The reply to an alloc or accept. */
struct flow {
        int      res;
        uint32_t id;
        uint8_t  side;
        uint32_t peer_pid;
        uint32_t max_pkt;
        int      memfd;
        int      peer_evfd;
        ino_t    ino;
        char     name[NAME_MAX_LEN + 1];
};

/* An acceptor in a child process (tp_child_*). */
struct child {
        pid_t pid;
        int   res_rd;  /* flow results from the child */
        int   cmd_wr;  /* commands to the child */
};

int   tp_ipcp_create(struct th_irmd * d, const char * name, uint32_t type);
int   tp_ipcp_bootstrap(struct th_irmd * d, const char * name,
                        uint32_t type, const char * layer);
/* As tp_ipcp_bootstrap, in hash algorithm algo (that one: SHA3_256). */
int   tp_ipcp_bootstrap_hash(struct th_irmd * d, const char * name,
                             uint32_t type, const char * layer,
                             uint32_t algo);
int   tp_name_reg(struct th_irmd * d, const char * name, uint16_t tag,
                  const char * where);
int   tp_bind_prog(struct th_irmd * d, const char * prog,
                   const char * name, bool autostart, const char * arg);
/* Create and bootstrap IPCP "loc" in layer "L". */
void  tp_local_layer(struct th_irmd * d);
/* A fresh IRMd with a local layer, name "srv" in it bound to program
 * /test/srv, and this process announced as /test/srv (session a). */
void  tp_srv_start(struct th_irmd * d, struct app * a);

int   tp_announce(struct th_irmd * d, struct app * a, const char * prog);
void  tp_get_flow(struct msg * r, int res, struct flow * f);
/* timeo_ms < 0: no T_TIMEO. */
void  tp_flow_alloc(struct th_irmd * d, const char * name,
                    int64_t timeo_ms, struct flow * f);
/* The same with QoS qs (tp_flow_alloc asks qos_data). */
void  tp_flow_alloc_qos(struct th_irmd * d, const char * name,
                        int64_t timeo_ms, const qosspec_t * qs,
                        struct flow * f);
void  tp_flow_accept(struct th_irmd * d, int64_t timeo_ms,
                     struct flow * f);
int   tp_flow_dealloc(struct th_irmd * d, uint32_t id);

/* Child: announce as prog, accept once, report (tp_child_result), then
 * obey tp_child_cmd: 'd' dealloc (returns the result), 'q' quit
 * (returns the exit status). */
void  tp_child_start(struct th_irmd * d, struct child * c,
                     const char * prog, int64_t timeo);
void  tp_child_result(struct child * c, struct flow * f);
int   tp_child_cmd(struct child * c, char cmd);

/* A child with n accepts parked at once. */
pid_t tp_multi_acceptor(struct th_irmd * d, const char * prog, int n);
/* Two multi-acceptors (2 accepts each) then four allocations to name:
 * got[0..3] the acceptor pids, got[4..5] the two servers. */
void  tp_lb_round(struct th_irmd * d, const char * name, pid_t * got);

bool  tp_wait_for(bool (* cond)(void *), void * arg, int ms);
bool  tp_peer_dead(void * shm);
bool  tp_is_down(void * shm);
bool  tp_wait_log(const struct th_irmd * d, const char * s, int ms);
int   tp_log_count(const struct th_irmd * d, const char * s);
int   tp_n_fds(pid_t pid);
/* Wait up to 3 s until the IRMd holds n flow memories (memfds). */
bool  tp_memfds_are(const struct th_irmd * d, int n);
void  tp_write_file(const char * path, const char * text);

/* Scenarios of test_daemon.c. */
void  t_fuzz(void);
void  t_flood(void);
void  t_instances(void);
void  t_config(void);
void  t_options(void);
/* test_review.c */
void  t_review(void);
/* test_limits.c */
void  t_stall(void);
void  t_names(void);
void  t_hello_rate(void);

/* test_flows.c */
void  t_flows_lost(void);
void  t_flows_cancel(void);
void  t_flows_recycle(void);
/* test_flows_data.c */
void  t_flows_data(void);
void  t_flows_noannounce(void);

/* test_join.c */
void  t_join(void);

/* test_layers.c */
void  t_layers(void);

/* test_layer_choice.c */
void  t_layer_choice(void);

#endif /* OUROBOROS_IRMD_TESTS_TP_H */
