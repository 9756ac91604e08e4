/*
 * operf - command line, signals, wire helpers and error strings.
 *
 *   operf -l                       count (and echo) what clients send
 *   operf -n NAME [options]        send to NAME and report throughput
 */
#include "operf.h"

#include <ouroboros/errno.h>
#include <ouroboros/version.h>

#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t operf_stop;

static const struct {
        const char *      name;
        const qosspec_t * qs;
} qos_names[] = {
        { "raw", &qos_raw }, { "raw_no_errors", &qos_raw_no_errors },
        { "raw_crypt", &qos_raw_crypt },
        { "best", &qos_best_effort }, { "best_crypt", &qos_best_effort_crypt },
        { "video", &qos_video }, { "video_crypt", &qos_video_crypt },
        { "voice", &qos_voice }, { "voice_crypt", &qos_voice_crypt },
        { "data", &qos_data }, { "data_crypt", &qos_data_crypt },
};

static void usage(FILE * f)
{
        fprintf(f,
"Usage: operf -l [-Q]\n"
"       operf -n NAME [-d SECONDS] [-s SIZE] [-r RATE_PPS] [-e] [-q QOS]\n"
"             [-t TIMEOUT_MS] [-Q]\n"
"Measure the throughput of a flow to an operf server.\n"
"\n"
"  -l, --listen          run as server: count packets of every flow, echo\n"
"                        them when the client asks (-e)\n"
"  -n, --name NAME       name of the operf server\n"
"  -d, --duration SEC    how long to send, 1..86400 (default 10)\n"
"  -s, --size SIZE       packet size in bytes, %d..%d (default %d)\n"
"  -r, --rate PPS        packets per second, 0 = flood (default 0)\n"
"  -e, --echo            the server returns every packet; measure both ways\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      allocation and final report timeout (default 5000)\n"
"  -Q, --quiet           no per-second progress lines\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n",
                OPERF_HDR_LEN, OPERF_MAX_SIZE, OPERF_DEF_SIZE);
}

const char * operf_strerror(int err)
{
        switch (err) {
        case ENOTALLOC:  return "flow not allocated";
        case EIRMD:      return "cannot reach the IRMd (is irmd running?)";
        case EIPCP:      return "IPCP failure";
        case EIPCPSTATE: return "IPCP in wrong state";
        case EFLOWDOWN:  return "flow is down";
        case EFLOWPEER:  return "peer is unresponsive";
        case ENAME:      return "name not found";
        case ECRYPT:     return "encryption failure";
        default:         return strerror(err);
        }
}

void operf_u64_put(uint8_t * buf, uint64_t v)
{
        v = htobe64(v);
        memcpy(buf, &v, 8);
}

uint64_t operf_u64_get(const uint8_t * buf)
{
        uint64_t v;

        memcpy(&v, buf, 8);
        return be64toh(v);
}

void operf_hdr_put(uint8_t * buf, const struct operf_hdr * h)
{
        uint32_t m = htobe32(h->magic);

        memcpy(buf, &m, 4);
        buf[4] = h->type;
        buf[5] = h->flags;
        buf[6] = 0;
        buf[7] = 0;
        operf_u64_put(buf + 8, h->seq);
        operf_u64_put(buf + 16, h->ts);
}

int operf_hdr_get(const uint8_t * buf, size_t len, struct operf_hdr * h)
{
        uint32_t m;

        if (len < OPERF_HDR_LEN)
                return -EBADMSG;
        memcpy(&m, buf, 4);
        h->magic = be32toh(m);
        h->type  = buf[4];
        h->flags = buf[5];
        h->seq   = operf_u64_get(buf + 8);
        h->ts    = operf_u64_get(buf + 16);
        if (h->magic != OPERF_MAGIC)
                return -EBADMSG;
        if (h->type == OPERF_REPORT && len < OPERF_RPT_LEN)
                return -EBADMSG;
        return 0;
}

static int parse_long(const char * opt, const char * arg,
                      long min, long max, long * out)
{
        char * end;
        long   v;

        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno != 0 || end == arg || *end != '\0') {
                fprintf(stderr, "operf: invalid value for %s: '%s'\n",
                        opt, arg);
                return -EINVAL;
        }
        if (v < min || v > max) {
                fprintf(stderr, "operf: %s out of range: %ld "
                        "(allowed %ld..%ld)\n", opt, v, min, max);
                return -ERANGE;
        }
        *out = v;
        return 0;
}

static int parse_qos(const char * arg, struct operf_cfg * cfg)
{
        size_t i;

        for (i = 0; i < sizeof(qos_names) / sizeof(qos_names[0]); ++i) {
                if (strcmp(arg, qos_names[i].name) == 0) {
                        cfg->qos      = *qos_names[i].qs;
                        cfg->qos_name = qos_names[i].name;
                        return 0;
                }
        }
        fprintf(stderr, "operf: unknown QoS '%s' (try raw, best, video, "
                "voice, data or one with _crypt)\n", arg);
        return -EINVAL;
}

static void on_signal(int sig)
{
        (void) sig;
        operf_stop = 1;
}

static void signals_init(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char ** argv)
{
        static const struct option opts[] = {
                { "listen",   no_argument,       NULL, 'l' },
                { "name",     required_argument, NULL, 'n' },
                { "duration", required_argument, NULL, 'd' },
                { "size",     required_argument, NULL, 's' },
                { "rate",     required_argument, NULL, 'r' },
                { "echo",     no_argument,       NULL, 'e' },
                { "qos",      required_argument, NULL, 'q' },
                { "timeout",  required_argument, NULL, 't' },
                { "quiet",    no_argument,       NULL, 'Q' },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, 'V' },
                { NULL,       0,                 NULL, 0 }
        };
        struct operf_cfg cfg = {
                .name = NULL, .qos_name = "raw", .qos = qos_raw,
                .duration_s = 10, .size = OPERF_DEF_SIZE, .rate_pps = 0,
                .timeout_ms = 5000,
        };
        bool listen = false;
        long v;
        int  c;

        setvbuf(stdout, NULL, _IOLBF, 0);
        opterr = 0;

        while ((c = getopt_long(argc, argv, ":ln:d:s:r:eq:t:QhV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'n':
                        if (*optarg == '\0') {
                                fprintf(stderr, "operf: empty name\n");
                                return 2;
                        }
                        cfg.name = optarg;
                        break;
                case 'd':
                        if (parse_long("-d SECONDS", optarg, 1, 86400, &v))
                                return 2;
                        cfg.duration_s = v;
                        break;
                case 's':
                        if (parse_long("-s SIZE", optarg, OPERF_HDR_LEN,
                                       OPERF_MAX_SIZE, &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'r':
                        if (parse_long("-r RATE_PPS", optarg, 0, 100000000,
                                       &v))
                                return 2;
                        cfg.rate_pps = v;
                        break;
                case 'e':
                        cfg.echo = true;
                        break;
                case 'q':
                        if (parse_qos(optarg, &cfg))
                                return 2;
                        break;
                case 't':
                        if (parse_long("-t TIMEOUT_MS", optarg, 1, 86400000,
                                       &v))
                                return 2;
                        cfg.timeout_ms = v;
                        break;
                case 'Q':
                        cfg.quiet = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("operf %d.%d.%d\n", OUROBOROS_VERSION_MAJOR,
                               OUROBOROS_VERSION_MINOR,
                               OUROBOROS_VERSION_PATCH);
                        return 0;
                case ':':
                        fprintf(stderr, "operf: option %s needs a value "
                                "(see operf --help)\n", argv[optind - 1]);
                        return 2;
                default:
                        if (optopt != 0)
                                fprintf(stderr, "operf: unknown option "
                                        "'-%c' (see operf --help)\n", optopt);
                        else
                                fprintf(stderr, "operf: unknown option "
                                        "'%s' (see operf --help)\n",
                                        argv[optind - 1]);
                        return 2;
                }
        }

        if (optind < argc) {
                fprintf(stderr, "operf: unexpected argument '%s' "
                        "(see operf --help)\n", argv[optind]);
                return 2;
        }

        signals_init();

        if (listen)
                return operf_server(&cfg) < 0 ? 2 : 0;

        if (cfg.name == NULL) {
                fprintf(stderr, "operf: need -n NAME, or -l to listen "
                        "(see operf --help)\n");
                return 2;
        }

        return operf_client(&cfg) < 0 ? 1 : 0;
}
