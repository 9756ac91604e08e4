/*
 * Ouroboros IRMd tests - harness (see th.h).
 */
#define _XOPEN_SOURCE 700
#include "th.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_ITEMS 16

static const char * irmd_path;
static pid_t        pids[MAX_ITEMS];
static char         dirs[MAX_ITEMS][64];
static int          n_pids;
static int          n_dirs;
static pid_t        owner;

static int rm_one(const char *        p,
                  const struct stat * sb,
                  int                 flag,
                  struct FTW *        ftw)
{
        (void) sb;
        (void) flag;
        (void) ftw;

        remove(p);

        return 0;
}

static void cleanup(void)
{
        int i;

        if (getpid() != owner)
                return;

        for (i = 0; i < n_pids; ++i) {
                int k;
                if (pids[i] <= 0)
                        continue;
                kill(pids[i], SIGTERM);
                for (k = 0; k < 300; ++k) {
                        if (waitpid(pids[i], NULL, WNOHANG) != 0)
                                break;
                        usleep(10000);
                }
                if (k == 300) {
                        kill(pids[i], SIGKILL);
                        waitpid(pids[i], NULL, 0);
                }
                pids[i] = 0;
        }

        for (i = 0; i < n_dirs; ++i) {
                if (getenv("TH_KEEP") != NULL) {
                        fprintf(stderr, "kept %s\n", dirs[i]);
                        continue;
                }
                nftw(dirs[i], rm_one, 8, FTW_DEPTH | FTW_PHYS);
        }
        n_dirs = 0;
}

static void on_alarm(int sig)
{
        (void) sig;
        fprintf(stderr, "watchdog: test took too long\n");
        cleanup();
        _exit(2);
}

void th_init(const char * irmd,
             const char * ipcpd_dir,
             int          watchdog_s)
{
        irmd_path = irmd;
        owner     = getpid();
        if (ipcpd_dir != NULL)
                setenv("OUROBOROS_IPCPD_DIR", ipcpd_dir, 1);
        signal(SIGPIPE, SIG_IGN);
        signal(SIGALRM, on_alarm);
        atexit(cleanup);
        alarm((unsigned) watchdog_s);
}

void th_mkdir(struct th_irmd * d)
{
        strcpy(d->dir, "/tmp/irmd-test.XXXXXX");
        CHECK(mkdtemp(d->dir) != NULL);
        CHECK(n_dirs < MAX_ITEMS);
        strcpy(dirs[n_dirs++], d->dir);
        snprintf(d->sock, sizeof(d->sock), "%s/irmd.sock", d->dir);
        snprintf(d->log, sizeof(d->log), "%s/irmd.log", d->dir);
        d->pid = 0;
}

void th_sleep_ms(int ms)
{
        struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

        while (nanosleep(&t, &t) < 0 && errno == EINTR)
                ;
}

static pid_t spawn(struct th_irmd * d,
                   const char **    args,
                   int              out_fd)
{
        const char * argv[32];
        int          n = 0;
        pid_t        pid;

        argv[n++] = irmd_path;
        argv[n++] = "--stdout";
        argv[n++] = "--debug";
        while (args != NULL && *args != NULL && n < 31)
                argv[n++] = *args++;
        argv[n] = NULL;

        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
                setenv("OUROBOROS_RUNDIR", d->dir, 1);
                dup2(out_fd, STDOUT_FILENO);
                dup2(out_fd, STDERR_FILENO);
                execv(irmd_path, (char **) argv);
                _exit(127);
        }

        return pid;
}

int th_connect(const struct th_irmd * d)
{
        struct sockaddr_un sa;
        int                fd;

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0);
        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, d->sock);
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                close(fd);
                return -errno;
        }

        return fd;
}

pid_t th_start(struct th_irmd * d,
               const char **    args)
{
        int fd;
        int i;

        fd = open(d->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        CHECK(fd >= 0);
        d->pid = spawn(d, args, fd);
        close(fd);
        CHECK(n_pids < MAX_ITEMS);
        pids[n_pids++] = d->pid;

        for (i = 0; i < 500; ++i) {
                int c = th_connect(d);
                if (c >= 0) {
                        close(c);
                        return d->pid;
                }
                CHECK(waitpid(d->pid, NULL, WNOHANG) == 0);
                th_sleep_ms(10);
        }

        fprintf(stderr, "IRMd did not come up\n");
        exit(1);
}

int th_run(struct th_irmd * d,
           const char **    args,
           char *           out,
           size_t           n)
{
        int     p[2];
        int     status;
        size_t  got = 0;
        ssize_t r;
        pid_t   pid;
        int     slot;

        CHECK(pipe(p) == 0);
        for (slot = 0; slot < n_pids && pids[slot] != 0; ++slot)
                ;
        CHECK(slot < MAX_ITEMS);
        pid = spawn(d, args, p[1]);
        pids[slot] = pid; /* the watchdog's cleanup stops it too */
        if (slot == n_pids)
                ++n_pids;
        close(p[1]);
        while (got + 1 < n && (r = read(p[0], out + got, n - got - 1)) > 0)
                got += (size_t) r;
        out[got] = '\0';
        close(p[0]);
        CHECK(waitpid(pid, &status, 0) == pid);
        pids[slot] = 0;

        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

int th_stop(struct th_irmd * d)
{
        int status;
        int i;

        kill(d->pid, SIGTERM);
        CHECK(waitpid(d->pid, &status, 0) == d->pid);
        for (i = 0; i < n_pids; ++i)
                if (pids[i] == d->pid)
                        pids[i] = 0;
        d->pid = 0;

        return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

bool th_alive(pid_t pid)
{
        return waitpid(pid, NULL, WNOHANG) == 0;
}

int th_call(int          fd,
            struct msg * m,
            struct msg * rep,
            int          timeo_ms)
{
        int r;

        r = msg_send(fd, m);
        if (r < 0)
                return r;

        r = msg_recv(fd, rep, timeo_ms);
        if (r < 0)
                return r;

        CHECK(rep->flags & MSG_F_REPLY);
        CHECK_EQ(rep->type, m->type);
        CHECK_EQ(rep->id, m->id);

        return msg_result(rep);
}

int th_req(const struct th_irmd * d,
           struct msg *           m,
           struct msg *           rep)
{
        int fd = th_connect(d);
        int r;

        CHECK(fd >= 0);
        r = th_call(fd, m, rep, 10000);
        close(fd);

        return r;
}

int th_ipcp_list(const struct th_irmd * d)
{
        static struct msg m;
        static struct msg rep;
        int               r;

        msg_init(&m, M_IPCP_LIST, 0, 4242);
        r = th_req(d, &m, &rep);
        if (r < 0)
                return r;
        r = (int) msg_count(msg_body(&rep), T_ENTRY);
        msg_fini(&rep);

        return r;
}

bool th_log_has(const struct th_irmd * d,
                const char *           s)
{
        static char buf[1 << 20];
        FILE *      f = fopen(d->log, "r");
        size_t      n;

        if (f == NULL)
                return false;
        n = fread(buf, 1, sizeof(buf) - 1, f);
        buf[n] = '\0';
        fclose(f);

        return strstr(buf, s) != NULL;
}
