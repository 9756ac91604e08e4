/*
 * Ouroboros IRMd tests - helpers of the protocol tests (see tp.h).
 */
#include "tp.h"

#include "common/flow_shm.h"
#include "common/hash.h"

#include <ouroboros/errno.h>
#include <ouroboros/irm.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct msg tp_m;
struct msg tp_r;
char       tp_self[PATH_MAX];

/* ---- request builders ---- */

int tp_ipcp_create(struct th_irmd * d, const char * name, uint32_t type)
{
        msg_init(&tp_m, M_IPCP_CREATE, 0, 1);
        msg_put_str(&tp_m, T_IPCP_NAME, name);
        msg_put_u32(&tp_m, T_IPCP_TYPE, type);
        return th_req(d, &tp_m, &tp_r);
}

int tp_ipcp_bootstrap_hash(struct th_irmd * d, const char * name,
                           uint32_t type, const char * layer,
                           uint32_t algo)
{
        int off;

        msg_init(&tp_m, M_IPCP_BOOTSTRAP, 0, 2);
        msg_put_str(&tp_m, T_IPCP_NAME, name);
        off = msg_open_sub(&tp_m, T_CONF);
        msg_put_u32(&tp_m, T_IPCP_TYPE, type);
        msg_put_str(&tp_m, T_LAYER, layer);
        msg_put_u32(&tp_m, T_HASH_ALGO, algo);
        msg_close_sub(&tp_m, off);
        return th_req(d, &tp_m, &tp_r);
}

int tp_ipcp_bootstrap(struct th_irmd * d, const char * name,
                      uint32_t type, const char * layer)
{
        return tp_ipcp_bootstrap_hash(d, name, type, layer, HASH_SHA3_256);
}

int tp_name_reg(struct th_irmd * d, const char * name, uint16_t tag,
                const char * where)
{
        msg_init(&tp_m, M_NAME_REG, 0, 3);
        msg_put_str(&tp_m, T_NAME, name);
        msg_put_str(&tp_m, tag, where);
        return th_req(d, &tp_m, &tp_r);
}

int tp_bind_prog(struct th_irmd * d, const char * prog,
                 const char * name, bool autostart, const char * arg)
{
        msg_init(&tp_m, M_BIND_PROG, 0, 4);
        msg_put_str(&tp_m, T_PROG, prog);
        msg_put_str(&tp_m, T_NAME, name);
        msg_put_u8(&tp_m, T_AUTO, autostart);
        if (arg != NULL)
                msg_put_str(&tp_m, T_ARG, arg);
        return th_req(d, &tp_m, &tp_r);
}

void tp_local_layer(struct th_irmd * d)
{
        CHECK(tp_ipcp_create(d, "loc", IPCP_LOCAL) == 0);
        CHECK_EQ(tp_ipcp_bootstrap(d, "loc", IPCP_LOCAL, "L"), 0);
}

void tp_srv_start(struct th_irmd * d, struct app * a)
{
        th_mkdir(d);
        th_start(d, NULL);
        tp_local_layer(d);
        CHECK_EQ(tp_name_reg(d, "srv", T_LAYER, "L"), 0);
        CHECK_EQ(tp_bind_prog(d, "/test/srv", "srv", false, NULL), 0);
        CHECK_EQ(tp_announce(d, a, "/test/srv"), 0);
}

int tp_announce(struct th_irmd * d, struct app * a, const char * prog)
{
        struct msg * m = malloc(sizeof(*m));
        struct msg * r = malloc(sizeof(*r));
        int          res;

        CHECK(m != NULL && r != NULL);
        a->sess = th_connect(d);
        CHECK(a->sess >= 0);
        a->evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        CHECK(a->evfd >= 0);
        msg_init(m, M_PROC_ANNOUNCE, 0, 10);
        msg_put_str(m, T_PROG, prog);
        msg_put_str(m, T_ARG, "arg1");
        msg_put_fd(m, a->evfd);
        res = th_call(a->sess, m, r, 5000);
        free(m);
        free(r);

        return res;
}

void tp_get_flow(struct msg * r, int res, struct flow * f)
{
        struct stat st;

        memset(f, 0, sizeof(*f));
        f->res = res;
        f->memfd = f->peer_evfd = -1;
        if (res < 0)
                return;
        CHECK_EQ(msg_get_u32(msg_body(r), T_FLOW_ID, &f->id), 0);
        CHECK_EQ(msg_get_u8(msg_body(r), T_SIDE, &f->side), 0);
        CHECK_EQ(msg_get_u32(msg_body(r), T_PEER_PID, &f->peer_pid), 0);
        CHECK_EQ(msg_get_u32(msg_body(r), T_MAX_PKT, &f->max_pkt), 0);
        CHECK(msg_has(msg_body(r), T_QOS));
        msg_get_str(msg_body(r), T_NAME, f->name, NAME_MAX_LEN);
        CHECK_EQ(r->n_fds, 2);
        f->memfd     = msg_take_fd(r, 0);
        f->peer_evfd = msg_take_fd(r, 1);
        CHECK(fstat(f->memfd, &st) == 0);
        f->ino = st.st_ino;
}

void tp_flow_alloc(struct th_irmd * d, const char * name,
                   int64_t timeo_ms, struct flow * f)
{
        tp_flow_alloc_qos(d, name, timeo_ms, &qos_data, f);
}

void tp_flow_alloc_qos(struct th_irmd * d, const char * name,
                       int64_t timeo_ms, const qosspec_t * qs,
                       struct flow * f)
{
        int fd = th_connect(d);
        int res;

        CHECK(fd >= 0);
        msg_init(&tp_m, M_FLOW_ALLOC, 0, 20);
        msg_put_str(&tp_m, T_NAME, name);
        msg_put_qos(&tp_m, T_QOS, qs);
        if (timeo_ms >= 0)
                msg_put_u64(&tp_m, T_TIMEO, (uint64_t) timeo_ms * 1000000);
        res = th_call(fd, &tp_m, &tp_r, 20000);
        tp_get_flow(&tp_r, res, f);
        close(fd);
}

void tp_flow_accept(struct th_irmd * d, int64_t timeo_ms,
                    struct flow * f)
{
        int fd = th_connect(d);
        int res;

        CHECK(fd >= 0);
        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 21);
        if (timeo_ms >= 0)
                msg_put_u64(&tp_m, T_TIMEO, (uint64_t) timeo_ms * 1000000);
        res = th_call(fd, &tp_m, &tp_r, 20000);
        tp_get_flow(&tp_r, res, f);
        close(fd);
}

int tp_flow_dealloc(struct th_irmd * d, uint32_t id)
{
        msg_init(&tp_m, M_FLOW_DEALLOC, 0, 22);
        msg_put_u32(&tp_m, T_FLOW_ID, id);
        return th_req(d, &tp_m, &tp_r);
}

/* ---- an acceptor in a child process ---- */

/* Child: announce as prog, accept once (timeo), report, obey commands:
 * 'd' dealloc, 'q' quit. */
void tp_child_start(struct th_irmd * d, struct child * c,
                    const char * prog, int64_t timeo)
{
        int r[2];
        int w[2];

        CHECK(pipe(r) == 0 && pipe(w) == 0);
        c->pid = fork();
        CHECK(c->pid >= 0);
        if (c->pid == 0) {
                struct app  a;
                struct flow f;
                char        cmd;
                close(r[0]);
                close(w[1]);
                if (tp_announce(d, &a, prog) != 0)
                        _exit(3);
                tp_flow_accept(d, timeo, &f);
                if (write(r[1], &f, sizeof(f)) != sizeof(f))
                        _exit(4);
                while (read(w[0], &cmd, 1) == 1) {
                        int res = -1;
                        if (cmd == 'q')
                                _exit(0);
                        if (cmd == 'd')
                                res = tp_flow_dealloc(d, f.id);
                        if (write(r[1], &res, sizeof(res)) < 0)
                                _exit(5);
                }
                _exit(0);
        }
        close(r[1]);
        close(w[0]);
        c->res_rd = r[0];
        c->cmd_wr = w[1];
}

void tp_child_result(struct child * c, struct flow * f)
{
        CHECK_EQ(read(c->res_rd, f, sizeof(*f)), sizeof(*f));
}

int tp_child_cmd(struct child * c, char cmd)
{
        int res = 0;

        CHECK_EQ(write(c->cmd_wr, &cmd, 1), 1);
        if (cmd == 'q') {
                int st;
                CHECK_EQ(waitpid(c->pid, &st, 0), c->pid);
                close(c->res_rd);
                close(c->cmd_wr);
                return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        }
        CHECK_EQ(read(c->res_rd, &res, sizeof(res)), sizeof(res));

        return res;
}

bool tp_wait_for(bool (* cond)(void *), void * arg, int ms)
{
        int i;

        for (i = 0; i < ms / 10; ++i) {
                if (cond(arg))
                        return true;
                th_sleep_ms(10);
        }

        return cond(arg);
}

bool tp_peer_dead(void * arg)
{
        return flow_shm_peer_state(arg) == FLOW_SIDE_DEAD;
}

bool tp_is_down(void * arg)
{
        return flow_shm_is_down(arg);
}

bool tp_wait_log(const struct th_irmd * d, const char * s, int ms)
{
        int i;

        for (i = 0; i < ms / 10; ++i) {
                if (th_log_has(d, s))
                        return true;
                th_sleep_ms(10);
        }

        return th_log_has(d, s);
}

int tp_n_fds(pid_t pid)
{
        char            path[64];
        DIR *           dir;
        struct dirent * e;
        int             n = 0;

        snprintf(path, sizeof(path), "/proc/%d/fd", pid);
        dir = opendir(path);
        CHECK(dir != NULL);
        while ((e = readdir(dir)) != NULL)
                if (e->d_name[0] != '.')
                        ++n;
        closedir(dir);

        return n;
}


/* The flow memories among pid's descriptors. */
static int n_memfds(pid_t pid)
{
        char            path[300];
        char            link[300];
        DIR *           dir;
        struct dirent * e;
        ssize_t         n;
        int             cnt = 0;

        snprintf(path, sizeof(path), "/proc/%d/fd", pid);
        dir = opendir(path);
        CHECK(dir != NULL);
        while ((e = readdir(dir)) != NULL) {
                snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid,
                         e->d_name);
                n = readlink(path, link, sizeof(link) - 1);
                if (n <= 0)
                        continue;
                link[n] = '\0';
                if (strstr(link, "memfd:ouroboros-flow") != NULL)
                        ++cnt;
        }
        closedir(dir);

        return cnt;
}

bool tp_memfds_are(const struct th_irmd * d, int n)
{
        int i;

        for (i = 0; i < 300; ++i) {
                if (n_memfds(d->pid) == n)
                        return true;
                th_sleep_ms(10);
        }

        return false;
}

/* Occurrences of s in d's log. */
int tp_log_count(const struct th_irmd * d, const char * s)
{
        static char buf[1 << 20];
        FILE *      f = fopen(d->log, "r");
        size_t      n;
        int         cnt = 0;
        char *      p;

        if (f == NULL)
                return 0;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);
        for (p = strstr(buf, s); p != NULL; p = strstr(p + 1, s))
                ++cnt;

        return cnt;
}

/* A child with n accepts parked at once (one connection each), which
 * deallocates what it gets and exits when all are answered. */
pid_t tp_multi_acceptor(struct th_irmd * d, const char * prog, int n)
{
        pid_t pid = fork();

        CHECK(pid >= 0);
        if (pid == 0) {
                struct app a;
                int        fds[8];
                int        i;
                if (tp_announce(d, &a, prog) != 0)
                        _exit(3);
                for (i = 0; i < n; ++i) {
                        fds[i] = th_connect(d);
                        msg_init(&tp_m, M_FLOW_ACCEPT, 0, 30 + i);
                        msg_put_u64(&tp_m, T_TIMEO, 5000000000ULL);
                        if (msg_send(fds[i], &tp_m) < 0)
                                _exit(4);
                }
                for (i = 0; i < n; ++i) {
                        if (msg_recv(fds[i], &tp_r, 10000) < 0)
                                _exit(5);
                        msg_fini(&tp_r);
                        close(fds[i]);
                }
                _exit(0);
        }

        return pid;
}

/* Two servers with two parked accepts each; four allocations. */
void tp_lb_round(struct th_irmd * d, const char * name, pid_t * got)
{
        pid_t p[2];
        int   i;
        int   st;

        for (i = 0; i < 2; ++i) {
                int before = tp_log_count(d, "waits for a flow");
                p[i] = tp_multi_acceptor(d, "/test/lb", 2);
                /* in bind order: the first is parked before the second */
                for (st = 0; st < 300 &&
                     tp_log_count(d, "waits for a flow") < before + 2; ++st)
                        th_sleep_ms(10);
                CHECK(tp_log_count(d, "waits for a flow") >= before + 2);
        }

        for (i = 0; i < 4; ++i) {
                struct flow f;
                tp_flow_alloc(d, name, 5000, &f);
                CHECK_EQ(f.res, 0);
                got[i] = (pid_t) f.peer_pid;
                CHECK(got[i] == p[0] || got[i] == p[1]);
                CHECK_EQ(tp_flow_dealloc(d, f.id), 0);
                close(f.memfd);
                close(f.peer_evfd);
        }

        for (i = 0; i < 2; ++i) {
                CHECK_EQ(waitpid(p[i], &st, 0), p[i]);
                CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }

        got[4] = p[0];
        got[5] = p[1];
}

void tp_write_file(const char * path, const char * text)
{
        FILE * f = fopen(path, "w");

        CHECK(f != NULL);
        fputs(text, f);
        fclose(f);
}
