/*
 * bench-pair - the kernel baselines of bench/layers/run (see pair.h for
 * the wire format), and the CPU-time wrapper the script runs clients in.
 *
 *   bench-pair server (-u ADDR -p PORT | -v URL)
 *        echo PING, count DATA per session, answer END with REPORT;
 *        runs until SIGTERM/SIGINT
 *   bench-pair ping (-u ADDR -p PORT | -v URL) -c COUNT -s SIZE
 *        lock-step round trips, a lost probe is given up after 1 s;
 *        prints "ping: count= recv= lost= min_us= avg_us= p50_us=
 *        p90_us= p99_us= max_us="
 *   bench-pair flood (-u ADDR -p PORT | -v URL) -d SECS -s SIZE
 *        one echo (untimed, so the path is known: see flood()), then a
 *        one-way flood from blocking sends; the server's REPORT gives
 *        what arrived; prints "flood: sent= recv= lost= loss_pct=
 *        secs= pps= MBps=" with the rate measured at the receiver,
 *        first to last packet (as the operf server does)
 *   bench-pair cpu FILE CMD [ARG...]
 *        run CMD, then write "cpu_us=N" (user + system time of CMD
 *        and of the children it waited for), "vcs=N" and "ivcs=N"
 *        (their voluntary and involuntary context switches) to FILE;
 *        exits with CMD's status
 *
 * SIZE is the payload: the UDP datagram's, or for VDE what follows the
 * 14-byte Ethernet header (as an eth IPCP's SDU follows its headers).
 */
#include "pair.h"

#include <endian.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PING_TMO_MS  1000
#define END_TRIES    50      /* END resent every 100 ms: 5 s in all */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
        (void) sig;
        stop = 1;
}

static int64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (int64_t) ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void pair_msg_put(uint8_t * buf, const struct pair_msg * m)
{
        uint32_t magic   = htobe32(PAIR_MAGIC);
        uint64_t session = htobe64(m->session);
        uint64_t a       = htobe64(m->a);
        uint64_t b       = htobe64(m->b);

        memcpy(buf, &magic, 4);
        buf[4] = m->type;
        memset(buf + 5, 0, 3);
        memcpy(buf + 8, &session, 8);
        memcpy(buf + 16, &a, 8);
        memcpy(buf + 24, &b, 8);
}

int pair_msg_get(const uint8_t * buf, size_t len, struct pair_msg * m)
{
        uint32_t magic;
        uint64_t v;

        if (len < PAIR_HDR_LEN)
                return -EBADMSG;
        memcpy(&magic, buf, 4);
        if (be32toh(magic) != PAIR_MAGIC)
                return -EBADMSG;
        m->type = buf[4];
        memcpy(&v, buf + 8, 8);
        m->session = be64toh(v);
        memcpy(&v, buf + 16, 8);
        m->a = be64toh(v);
        memcpy(&v, buf + 24, 8);
        m->b = be64toh(v);
        return 0;
}

static int server(struct pair_ep * ep)
{
        static uint8_t  buf[PAIR_MAX_LEN];
        struct pair_msg m;
        uint64_t        session = 0;
        uint64_t        count   = 0;
        int64_t         first   = 0;
        int64_t         last    = 0;
        ssize_t         n;

        while (!stop) {
                n = ep->ops->recv(ep->t, buf, sizeof(buf), 200);
                if (n == 0 || n == -EINTR)
                        continue;
                if (n < 0)
                        return (int) n;
                if (pair_msg_get(buf, (size_t) n, &m) < 0)
                        continue;
                switch (m.type) {
                case PAIR_PING:
                        ep->ops->reply(ep->t, buf, (size_t) n);
                        break;
                case PAIR_DATA:
                        last = now_ns();
                        if (m.session != session) {
                                session = m.session;
                                count   = 0;
                                first   = last;
                        }
                        ++count;
                        break;
                case PAIR_END:
                        m.type = PAIR_REPORT;
                        m.a    = m.session == session ? count : 0;
                        m.b    = m.session == session ?
                                (uint64_t) (last - first) : 0;
                        pair_msg_put(buf, &m);
                        ep->ops->reply(ep->t, buf, PAIR_HDR_LEN);
                        break;
                default:
                        break;
                }
        }
        return 0;
}

static int cmp_i64(const void * a, const void * b)
{
        int64_t x = *(const int64_t *) a;
        int64_t y = *(const int64_t *) b;

        return (x > y) - (x < y);
}

static double pct_us(const int64_t * v, size_t n, double p)
{
        size_t i = (size_t) (p * (double) (n - 1) + 0.5);

        return (double) v[i] / 1000.0;
}

static uint64_t new_session(void)
{
        return ((uint64_t) getpid() << 32) ^ (uint64_t) now_ns();
}

static int ping(struct pair_ep * ep, long count, size_t size)
{
        static uint8_t  buf[PAIR_MAX_LEN];
        static uint8_t  in[PAIR_MAX_LEN];
        struct pair_msg m = { PAIR_PING, new_session(), 0, 0 };
        struct pair_msg r;
        int64_t *       rtt = calloc((size_t) count, sizeof(*rtt));
        int64_t         t0;
        int64_t         sum = 0;
        size_t          got = 0;
        ssize_t         n;
        long            i;

        if (rtt == NULL)
                return -ENOMEM;
        memset(buf, 0xa5, size);
        for (i = 0; i < count && !stop; ++i) {
                m.a = (uint64_t) i;
                pair_msg_put(buf, &m);
                t0 = now_ns();
                if (ep->ops->send(ep->t, buf, size) < 0) {
                        perror("bench-pair: send");
                        free(rtt);
                        return -EIO;
                }
                for (;;) {
                        int left = PING_TMO_MS -
                                (int) ((now_ns() - t0) / 1000000);
                        if (left <= 0)
                                break;
                        n = ep->ops->recv(ep->t, in, sizeof(in), left);
                        if (n <= 0) {
                                if (n == 0 || n == -EINTR)
                                        continue;
                                free(rtt);
                                return (int) n;
                        }
                        if (pair_msg_get(in, (size_t) n, &r) == 0 &&
                            r.type == PAIR_PING && r.session == m.session &&
                            r.a == m.a) {
                                rtt[got] = now_ns() - t0;
                                sum += rtt[got++];
                                break;
                        }
                }
        }
        if (got == 0) {
                fprintf(stderr, "bench-pair: no reply\n");
                free(rtt);
                return -ETIMEDOUT;
        }
        qsort(rtt, got, sizeof(*rtt), cmp_i64);
        printf("ping: count=%ld recv=%zu lost=%ld min_us=%.3f avg_us=%.3f "
               "p50_us=%.3f p90_us=%.3f p99_us=%.3f max_us=%.3f\n",
               i, got, i - (long) got, (double) rtt[0] / 1000.0,
               (double) sum / (double) got / 1000.0,
               pct_us(rtt, got, 0.50), pct_us(rtt, got, 0.90),
               pct_us(rtt, got, 0.99), (double) rtt[got - 1] / 1000.0);
        free(rtt);
        return 0;
}

/* Send m (type t) until an answer of type want in our session arrives
 * (for END: the data before it may still be queued at the server; END
 * follows it on the same path); the answer in *m. */
static int exchange(struct pair_ep *  ep,
                    struct pair_msg * m,
                    uint8_t           t,
                    uint8_t           want)
{
        uint8_t         buf[PAIR_MAX_LEN];
        struct pair_msg r;
        ssize_t         n;
        int             i;

        for (i = 0; i < END_TRIES; ++i) {
                m->type = t;
                pair_msg_put(buf, m);
                ep->ops->send(ep->t, buf, PAIR_HDR_LEN);
                while ((n = ep->ops->recv(ep->t, buf, sizeof(buf), 100)) > 0)
                        if (pair_msg_get(buf, (size_t) n, &r) == 0 &&
                            r.type == want && r.session == m->session) {
                                *m = r;
                                return 0;
                        }
        }
        return -ETIMEDOUT;
}

static int flood(struct pair_ep * ep, double secs, size_t size)
{
        static uint8_t  buf[PAIR_MAX_LEN];
        struct pair_msg m = { PAIR_DATA, new_session(), 0, 0 };
        int64_t         end;
        uint64_t        sent = 0;
        uint64_t        lost;
        double          dt;

        /* One echo first, untimed: the path is known end to end
         * before the first data packet, as a flow over a layer is
         * allocated before operf times it (the neighbour's address
         * resolved; a vde_switch, which forgets every address when
         * any port closes, taught the server's by its answer, or it
         * would send the flood to every port). */
        if (exchange(ep, &m, PAIR_PING, PAIR_PING) < 0) {
                fprintf(stderr, "bench-pair: no answer from the server\n");
                return -ETIMEDOUT;
        }
        m.type = PAIR_DATA;
        memset(buf, 0x5a, size);
        end = now_ns() + (int64_t) (secs * 1e9);
        while (!stop) {
                if ((sent & 63) == 0 && now_ns() >= end)
                        break;
                m.a = sent;
                pair_msg_put(buf, &m);
                if (ep->ops->send(ep->t, buf, size) < 0) {
                        if (errno == ENOBUFS || errno == EAGAIN)
                                continue; /* not sent: not counted */
                        perror("bench-pair: send");
                        return -EIO;
                }
                ++sent;
        }
        m.a = sent;
        if (exchange(ep, &m, PAIR_END, PAIR_REPORT) < 0) {
                fprintf(stderr, "bench-pair: no report from the server\n");
                return -ETIMEDOUT;
        }
        lost = sent > m.a ? sent - m.a : 0;
        dt   = (double) m.b / 1e9;
        printf("flood: sent=%llu recv=%llu lost=%llu loss_pct=%.3f "
               "secs=%.3f pps=%.0f MBps=%.2f\n",
               (unsigned long long) sent, (unsigned long long) m.a,
               (unsigned long long) lost,
               sent ? 100.0 * (double) lost / (double) sent : 0.0, dt,
               dt > 0 ? (double) m.a / dt : 0.0,
               dt > 0 ? (double) m.a * (double) size / dt / 1e6 : 0.0);
        return 0;
}

static int cpu(char ** argv)
{
        struct rusage ru;
        FILE *        f;
        pid_t         pid;
        int           st;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                execvp(argv[1], argv + 1);
                fprintf(stderr, "bench-pair: cannot run %s: %s\n", argv[1],
                        strerror(errno));
                _exit(127);
        }
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        getrusage(RUSAGE_CHILDREN, &ru);
        f = fopen(argv[0], "w");
        if (f != NULL) {
                fprintf(f, "cpu_us=%lld\n",
                        (long long) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
                        * 1000000LL + ru.ru_utime.tv_usec +
                        ru.ru_stime.tv_usec);
                fprintf(f, "vcs=%ld\nivcs=%ld\n", ru.ru_nvcsw, ru.ru_nivcsw);
                fclose(f);
        }
        return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void usage(FILE * f)
{
        fprintf(f,
"Usage: bench-pair server (-u ADDR -p PORT | -v URL)\n"
"       bench-pair ping   (-u ADDR -p PORT | -v URL) -c COUNT -s SIZE\n"
"       bench-pair flood  (-u ADDR -p PORT | -v URL) -d SECS -s SIZE\n"
"       bench-pair cpu FILE CMD [ARG...]\n"
"Kernel UDP and VDE baselines of bench/layers/run.\n");
}

int main(int argc, char ** argv)
{
        struct sigaction sa;
        struct pair_ep   ep;
        const char *     addr  = NULL;
        const char *     port  = NULL;
        const char *     url   = NULL;
        const char *     mode;
        long             count = 1000;
        double           secs  = 1.0;
        long             size  = 64;
        int              srv;
        int              ret;
        int              c;

        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        mode = argv[1];
        if (strcmp(mode, "cpu") == 0) {
                if (argc < 4) {
                        usage(stderr);
                        return 2;
                }
                ret = cpu(argv + 2);
                return ret < 0 ? 2 : ret;
        }
        optind = 2;
        while ((c = getopt(argc, argv, "u:p:v:c:d:s:h")) != -1) {
                switch (c) {
                case 'u': addr  = optarg; break;
                case 'p': port  = optarg; break;
                case 'v': url   = optarg; break;
                case 'c': count = strtol(optarg, NULL, 10); break;
                case 'd': secs  = strtod(optarg, NULL); break;
                case 's': size  = strtol(optarg, NULL, 10); break;
                case 'h': usage(stdout); return 0;
                default:  usage(stderr); return 2;
                }
        }
        if (size < PAIR_HDR_LEN || size > PAIR_MAX_LEN - 14 || count < 1 ||
            secs <= 0 || (url == NULL) == (addr == NULL || port == NULL)) {
                fprintf(stderr, "bench-pair: need -u ADDR -p PORT or -v "
                        "URL, SIZE %d..%d, COUNT and SECS > 0\n",
                        PAIR_HDR_LEN, PAIR_MAX_LEN - 14);
                return 2;
        }
        srv = strcmp(mode, "server") == 0;
        if (!srv && strcmp(mode, "ping") != 0 && strcmp(mode, "flood") != 0) {
                usage(stderr);
                return 2;
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        ret = url != NULL ? pair_vde_open(&ep, url, srv) :
                pair_udp_open(&ep, addr, port, srv);
        if (ret < 0) {
                fprintf(stderr, "bench-pair: cannot open %s: %s\n",
                        url != NULL ? url : addr, strerror(-ret));
                return 1;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (srv)
                ret = server(&ep);
        else if (strcmp(mode, "ping") == 0)
                ret = ping(&ep, count, (size_t) size);
        else
                ret = flood(&ep, secs, (size_t) size);
        ep.ops->close(ep.t);

        return ret < 0 ? 1 : 0;
}
