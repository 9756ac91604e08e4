/*
 * Ouroboros IRMd - entry point: options, the runtime directory and its
 * lock, the listening socket, the epoll loop, signals and shutdown.
 *
 * The loop waits on the listening socket, a signalfd (SIGINT, SIGTERM,
 * SIGHUP, SIGCHLD) and every connection, with a timeout computed from
 * the earliest deadline any module has. Nothing else ever blocks.
 */
#include "irmd.h"
#include "reg_flow.h"
#include "reg_ipcp.h"
#include "reg_name.h"
#include "reg_proc.h"
#include "reg_prog.h"

#include "common/log.h"
#include "common/rundir.h"
#include "common/timeutil.h"

#include <ouroboros/version.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

struct irmd_cfg irmd_cfg;

static struct {
        int  epfd;
        int  sfd;
        int  lfd;
        int  lock_fd;
        bool stop;
        int  exit_code;
        char sock_path[PATH_MAX];
        char lock_path[PATH_MAX];
} st = { -1, -1, -1, -1, false, 0, "", "" };

/* epoll tags for the two non-connection fds */
static int tag_listen;
static int tag_signal;

void irmd_stop(int exit_code)
{
        st.stop = true;
        if (exit_code != 0)
                st.exit_code = exit_code;
}

int irmd_epoll_fd(void)
{
        return st.epfd;
}

static void usage(FILE * f)
{
        fprintf(f,
                "Usage: irmd [OPTION]...\n"
                "The Ouroboros IPC Resource Manager daemon.\n\n"
                "  --stdout          log to stdout instead of syslog\n"
                "  --config PATH     execute the configuration file at start\n"
                "  --ring-size BYTES flow ring size per direction "
                "(power of two, %d..%d, default %d)\n"
                "  --max-pkts N      packets queued per direction "
                "(default %d)\n"
                "  --max-pkt BYTES   largest packet (<= ring-size/4, "
                "default %d)\n"
                "  --debug           log debug messages\n"
                "  --help            show this help\n"
                "  --version         show the version\n\n"
                "The runtime directory is $OUROBOROS_RUNDIR if set.\n",
                FLOW_SHM_RING_MIN, FLOW_SHM_RING_MAX, FLOW_SHM_RING_DEF,
                FLOW_SHM_PKTS_DEF, FLOW_SHM_MAX_PKT_DEF);
}

static int parse_size(const char * opt,
                      const char * s,
                      size_t *     out)
{
        char *             end;
        unsigned long long v;

        errno = 0;
        if (*s == '\0' || *s == '-')
                goto bad;
        v = strtoull(s, &end, 10);
        if (errno != 0 || *end != '\0' || v == 0 || v > SIZE_MAX / 2)
                goto bad;

        *out = (size_t) v;
        return 0;
 bad:
        fprintf(stderr, "irmd: invalid value for %s: '%s'\n", opt, s);
        return -EINVAL;
}

/* 0 to run, 1 to exit successfully, -1 to fail. */
static int parse_args(int    argc,
                      char * argv[])
{
        static const struct option opts[] = {
                { "stdout",    no_argument,       NULL, 's' },
                { "config",    required_argument, NULL, 'c' },
                { "ring-size", required_argument, NULL, 'r' },
                { "max-pkts",  required_argument, NULL, 'n' },
                { "max-pkt",   required_argument, NULL, 'm' },
                { "debug",     no_argument,       NULL, 'd' },
                { "help",      no_argument,       NULL, 'h' },
                { "version",   no_argument,       NULL, 'v' },
                { NULL, 0, NULL, 0 }
        };
        int c;

        flow_shm_conf_default(&irmd_cfg.shm);
        opterr = 0;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
                switch (c) {
                case 's': irmd_cfg.to_stdout = true; break;
                case 'd': irmd_cfg.debug = true; break;
                case 'c': irmd_cfg.config = optarg; break;
                case 'r':
                        if (parse_size("--ring-size", optarg,
                                       &irmd_cfg.shm.ring_size) < 0)
                                return -1;
                        break;
                case 'n':
                        if (parse_size("--max-pkts", optarg,
                                       &irmd_cfg.shm.max_pkts) < 0)
                                return -1;
                        break;
                case 'm':
                        if (parse_size("--max-pkt", optarg,
                                       &irmd_cfg.shm.max_pkt) < 0)
                                return -1;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                case 'v':
                        printf("irmd (Ouroboros) %s (API %d.%d.%d)\n",
                               OUROBOROS_PROJECT_VERSION,
                               OUROBOROS_VERSION_MAJOR,
                               OUROBOROS_VERSION_MINOR,
                               OUROBOROS_VERSION_PATCH);
                        return 1;
                default:
                        if (optopt != 0)
                                fprintf(stderr, "irmd: option '%s' needs "
                                        "a value or is unknown\n",
                                        argv[optind - 1]);
                        else
                                fprintf(stderr, "irmd: unknown option "
                                        "'%s'\n", argv[optind - 1]);
                        fprintf(stderr, "Try 'irmd --help'.\n");
                        return -1;
                }
        }

        if (optind < argc) {
                fprintf(stderr, "irmd: unexpected argument '%s'\n"
                        "Try 'irmd --help'.\n", argv[optind]);
                return -1;
        }

        if (flow_shm_conf_check(&irmd_cfg.shm) < 0) {
                fprintf(stderr, "irmd: invalid flow memory configuration "
                        "(ring-size %zu, max-pkts %zu, max-pkt %zu): "
                        "ring-size must be a power of two in [%d, %d] and "
                        "max-pkt at most ring-size/4\n",
                        irmd_cfg.shm.ring_size, irmd_cfg.shm.max_pkts,
                        irmd_cfg.shm.max_pkt, FLOW_SHM_RING_MIN,
                        FLOW_SHM_RING_MAX);
                return -1;
        }

        return 0;
}

/* Create the runtime dir, take the lock, bind the socket. */
static int rundir_setup(void)
{
        struct sockaddr_un sa;
        struct stat        sb;
        char               buf[32];
        mode_t             old;
        int                n;

        if (rundir_get(irmd_cfg.rundir, sizeof(irmd_cfg.rundir)) < 0 ||
            rundir_path(st.sock_path, sizeof(sa.sun_path), RUNDIR_SOCK) < 0 ||
            rundir_path(st.lock_path, sizeof(st.lock_path), RUNDIR_LOCK) < 0) {
                fprintf(stderr, "irmd: runtime directory path too long\n");
                return -1;
        }

        if (mkdir(irmd_cfg.rundir, 0700) < 0 && errno != EEXIST) {
                fprintf(stderr, "irmd: cannot create %s: %s\n",
                        irmd_cfg.rundir, strerror(errno));
                return -1;
        }
        if (stat(irmd_cfg.rundir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
                fprintf(stderr, "irmd: %s is not a directory\n",
                        irmd_cfg.rundir);
                return -1;
        }
        if (sb.st_uid != geteuid()) {
                fprintf(stderr, "irmd: %s is owned by another user\n",
                        irmd_cfg.rundir);
                return -1;
        }
        if (sb.st_mode & 077) /* not ours to chmod: it may be shared */
                fprintf(stderr, "irmd: warning: %s is accessible to other "
                        "users (mode %03o)\n", irmd_cfg.rundir,
                        (unsigned) (sb.st_mode & 0777));

        st.lock_fd = open(st.lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (st.lock_fd < 0) {
                fprintf(stderr, "irmd: cannot open %s: %s\n", st.lock_path,
                        strerror(errno));
                return -1;
        }

        if (flock(st.lock_fd, LOCK_EX | LOCK_NB) < 0) {
                long pid = 0;
                n = (int) pread(st.lock_fd, buf, sizeof(buf) - 1, 0);
                if (n > 0) {
                        buf[n] = '\0';
                        pid = strtol(buf, NULL, 10);
                }
                fprintf(stderr, "irmd: an IRMd (pid %ld) is already "
                        "running on %s\n", pid, irmd_cfg.rundir);
                close(st.lock_fd);
                st.lock_fd = -1;
                return -1;
        }

        n = snprintf(buf, sizeof(buf), "%d\n", getpid());
        if (ftruncate(st.lock_fd, 0) < 0 ||
            pwrite(st.lock_fd, buf, (size_t) n, 0) != n) {
                fprintf(stderr, "irmd: cannot write %s: %s\n", st.lock_path,
                        strerror(errno));
                return -1;
        }

        /* we hold the lock: any socket left is from a crashed IRMd */
        if (unlink(st.sock_path) == 0)
                fprintf(stderr, "irmd: removed stale socket %s\n",
                        st.sock_path);

        st.lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK |
                        SOCK_CLOEXEC, 0);
        if (st.lfd < 0) {
                fprintf(stderr, "irmd: socket: %s\n", strerror(errno));
                return -1;
        }

        memset(&sa, 0, sizeof(sa));
        sa.sun_family = AF_UNIX;
        strcpy(sa.sun_path, st.sock_path);

        old = umask(077);
        n = bind(st.lfd, (struct sockaddr *) &sa, sizeof(sa));
        umask(old);
        if (n < 0) {
                fprintf(stderr, "irmd: bind %s: %s\n", st.sock_path,
                        strerror(errno));
                return -1;
        }

        if (listen(st.lfd, 512) < 0) {
                fprintf(stderr, "irmd: listen: %s\n", strerror(errno));
                return -1;
        }

        return 0;
}

static void rundir_teardown(void)
{
        if (st.lfd >= 0) {
                close(st.lfd);
                unlink(st.sock_path);
        }
        if (st.lock_fd >= 0) {
                unlink(st.lock_path);
                close(st.lock_fd);
        }
}

static int loop_setup(void)
{
        struct epoll_event ev;
        sigset_t           set;
        struct rlimit      rl;

        /* room for IRMD_MAX_CONNS connections and the flow memfds */
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
                rl.rlim_cur = rl.rlim_max;
                setrlimit(RLIMIT_NOFILE, &rl);
        }

        signal(SIGPIPE, SIG_IGN);

        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return -errno;

        st.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (st.sfd < 0)
                return -errno;

        st.epfd = epoll_create1(EPOLL_CLOEXEC);
        if (st.epfd < 0)
                return -errno;

        ev.events   = EPOLLIN;
        ev.data.ptr = &tag_listen;
        if (epoll_ctl(st.epfd, EPOLL_CTL_ADD, st.lfd, &ev) < 0)
                return -errno;

        ev.data.ptr = &tag_signal;
        if (epoll_ctl(st.epfd, EPOLL_CTL_ADD, st.sfd, &ev) < 0)
                return -errno;

        return 0;
}

static void reap(void)
{
        int   status;
        pid_t pid;

        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
                if (ipcp_child_exit(pid, status))
                        continue;
                if (proc_child_exit(pid, status))
                        continue;
                log_dbg("Reaped child %d.", pid);
        }
}

static void on_signals(void)
{
        struct signalfd_siginfo si;

        while (read(st.sfd, &si, sizeof(si)) == (ssize_t) sizeof(si)) {
                switch (si.ssi_signo) {
                case SIGCHLD:
                        reap();
                        break;
                case SIGHUP:
                        log_info("SIGHUP ignored.");
                        break;
                default:
                        log_info("Caught %s, shutting down.",
                                 strsignal((int) si.ssi_signo));
                        irmd_stop(0);
                        break;
                }
        }
}

static int next_timeout(void)
{
        int64_t dl[4];
        int64_t min = 0;
        int64_t now;
        size_t  i;

        dl[0] = conn_next_deadline();
        dl[1] = ipcp_next_deadline();
        dl[2] = flow_next_deadline();
        dl[3] = 0;

        for (i = 0; i < 4; ++i)
                if (dl[i] != 0 && (min == 0 || dl[i] < min))
                        min = dl[i];

        if (config_ready())
                return 0;
        if (min == 0)
                return -1;

        now = now_ns();
        if (min <= now)
                return 0;
        if ((min - now) / NS_PER_MS >= INT32_MAX)
                return INT32_MAX;

        return (int) ((min - now + NS_PER_MS - 1) / NS_PER_MS);
}

static void loop(void)
{
        struct epoll_event evs[64];

        while (!st.stop) {
                int     n;
                int     i;
                int64_t now;

                n = epoll_wait(st.epfd, evs, 64, next_timeout());
                if (n < 0 && errno != EINTR) {
                        log_err("epoll_wait: %s", strerror(errno));
                        irmd_stop(1);
                        break;
                }

                for (i = 0; i < n; ++i) {
                        if (evs[i].data.ptr == &tag_listen)
                                conn_accept();
                        else if (evs[i].data.ptr == &tag_signal)
                                on_signals();
                        else
                                conn_event(evs[i].data.ptr);
                }

                if (config_ready())
                        config_step();

                now = now_ns();
                conn_expire(now);
                ipcp_expire(now);
                flow_expire(now);
                conn_gc();
        }
}

int main(int    argc,
         char * argv[])
{
        int r;

        r = parse_args(argc, argv);
        if (r != 0)
                exit(r > 0 ? EXIT_SUCCESS : EXIT_FAILURE);

        log_init("irmd", irmd_cfg.to_stdout,
                 irmd_cfg.debug ? LOG_LVL_DBG : LOG_LVL_INFO);

        if (irmd_cfg.config != NULL && config_load(irmd_cfg.config) < 0)
                exit(EXIT_FAILURE);

        if (rundir_setup() < 0) {
                rundir_teardown();
                config_fini();
                exit(EXIT_FAILURE);
        }

        if (loop_setup() < 0 || conn_init(st.lfd) < 0 || ipcp_init() < 0) {
                fprintf(stderr, "irmd: initialisation failed: %s\n",
                        strerror(errno));
                rundir_teardown();
                exit(EXIT_FAILURE);
        }

        log_info("IRMd started on %s (ring %zu B, %zu pkts, max pkt %zu B).",
                 irmd_cfg.rundir, irmd_cfg.shm.ring_size,
                 irmd_cfg.shm.max_pkts, irmd_cfg.shm.max_pkt);

        config_start();

        loop();

        /* reverse order: flows down, IPCPs stopped, then the registries */
        flow_fini();
        ipcp_fini();
        proc_fini();
        config_fini();
        conn_fini();
        reg_flow_fini();
        reg_proc_fini();
        reg_name_fini();
        reg_prog_fini();
        reg_ipcp_fini();

        rundir_teardown();
        close(st.sfd);
        close(st.epfd);

        log_info("IRMd stopped.");
        log_fini();

        return st.exit_code == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
