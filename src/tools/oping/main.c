/*
 * oping - command line, signal handling and error strings.
 *
 *   oping -l                       serve: echo every probe back
 *   oping -n NAME [options]        ping NAME and print statistics
 */
#include "oping.h"

#include <ouroboros/errno.h>
#include <ouroboros/version.h>

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t oping_stop;

static const struct {
        const char *      name;
        const qosspec_t * qs;
} qos_names[] = {
        { "raw",        &qos_raw },
        { "raw_no_errors", &qos_raw_no_errors },
        { "raw_crypt",  &qos_raw_crypt },
        { "best",       &qos_best_effort },
        { "best_crypt", &qos_best_effort_crypt },
        { "video",      &qos_video },
        { "video_crypt", &qos_video_crypt },
        { "voice",      &qos_voice },
        { "voice_crypt", &qos_voice_crypt },
        { "data",       &qos_data },
        { "data_crypt", &qos_data_crypt },
};

static bool qos_eq(const qosspec_t * a, const qosspec_t * b)
{
        return a->delay == b->delay && a->bandwidth == b->bandwidth &&
                a->availability == b->availability && a->loss == b->loss &&
                a->ber == b->ber && a->in_order == b->in_order &&
                a->max_gap == b->max_gap && a->cypher_s == b->cypher_s &&
                a->timeout == b->timeout;
}

const char * oping_qos_name(const qosspec_t * qs)
{
        size_t i;

        for (i = 0; i < sizeof(qos_names) / sizeof(qos_names[0]); ++i)
                if (qos_eq(qs, qos_names[i].qs))
                        return qos_names[i].name;
        return "custom";
}

static void usage(FILE * f)
{
        fprintf(f,
"Usage: oping -l [-q QOS]\n"
"       oping -n NAME [-c COUNT] [-i INTERVAL_MS] [-s SIZE] [-f] [-w SECONDS]\n"
"             [-q QOS] [-t TIMEOUT_MS] [-Q] [-u]\n"
"Measure the round-trip time of a flow to NAME (ping for Ouroboros).\n"
"\n"
"  -l, --listen          run as server: echo every packet on every flow\n"
"  -n, --name NAME       name of the oping server to ping\n"
"  -c, --count COUNT     stop after COUNT probes (default: until interrupted)\n"
"  -i, --interval MS     time between probes in ms (default 1000);\n"
"                        0 = as fast as possible, one probe outstanding\n"
"  -s, --size SIZE       probe size in bytes, %d..%d (default %d)\n"
"  -f, --flood           send without waiting for replies (implies -Q;\n"
"                        default interval 0)\n"
"  -w, --deadline SEC    stop after SEC seconds whatever was received\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      flow allocation and reply timeout (default 2000)\n"
"  -Q, --quiet           print only the summary\n"
"  -u, --usec            print times in microseconds instead of ms\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n"
"\n"
"Exit status: 0 if replies were received, 1 if none, 2 on errors.\n",
                OPING_HDR_LEN, OPING_MAX_SIZE, OPING_DEF_SIZE);
}

const char * oping_strerror(int err)
{
        switch (err) {
        case ENOTALLOC:  return "flow not allocated";
        case EIPCPTYPE:  return "unknown IPCP type";
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

static int parse_long(const char * opt, const char * arg,
                      long min, long max, long * out)
{
        char * end;
        long   v;

        errno = 0;
        v = strtol(arg, &end, 10);
        if (errno != 0 || end == arg || *end != '\0') {
                fprintf(stderr, "oping: invalid value for %s: '%s'\n",
                        opt, arg);
                return -EINVAL;
        }
        if (v < min || v > max) {
                fprintf(stderr, "oping: %s out of range: %ld "
                        "(allowed %ld..%ld)\n", opt, v, min, max);
                return -ERANGE;
        }
        *out = v;
        return 0;
}

static int parse_qos(const char * arg, struct oping_cfg * cfg)
{
        size_t i;

        for (i = 0; i < sizeof(qos_names) / sizeof(qos_names[0]); ++i) {
                if (strcmp(arg, qos_names[i].name) == 0) {
                        cfg->qos      = *qos_names[i].qs;
                        cfg->qos_name = qos_names[i].name;
                        return 0;
                }
        }
        fprintf(stderr, "oping: unknown QoS '%s' (try raw, best, video, "
                "voice, data or one with _crypt)\n", arg);
        return -EINVAL;
}

static void on_signal(int sig)
{
        (void) sig;
        oping_stop = 1;
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
                { "count",    required_argument, NULL, 'c' },
                { "interval", required_argument, NULL, 'i' },
                { "size",     required_argument, NULL, 's' },
                { "flood",    no_argument,       NULL, 'f' },
                { "deadline", required_argument, NULL, 'w' },
                { "qos",      required_argument, NULL, 'q' },
                { "timeout",  required_argument, NULL, 't' },
                { "quiet",    no_argument,       NULL, 'Q' },
                { "usec",     no_argument,       NULL, 'u' },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, 'V' },
                { NULL,       0,                 NULL, 0 }
        };
        struct oping_cfg cfg = {
                .name = NULL, .qos_name = "raw", .qos = qos_raw,
                .count = 0, .interval_ms = 1000, .size = OPING_DEF_SIZE,
                .deadline_s = 0, .timeout_ms = 2000,
        };
        bool listen = false;
        bool interval_set = false;
        long v;
        int  c;

        setvbuf(stdout, NULL, _IOLBF, 0);
        opterr = 0;

        while ((c = getopt_long(argc, argv, ":ln:c:i:s:fw:q:t:QuhV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'n':
                        if (*optarg == '\0') {
                                fprintf(stderr, "oping: empty name\n");
                                return 2;
                        }
                        cfg.name = optarg;
                        break;
                case 'c':
                        if (parse_long("-c COUNT", optarg, 1,
                                       1000000000, &v))
                                return 2;
                        cfg.count = v;
                        break;
                case 'i':
                        if (parse_long("-i INTERVAL_MS", optarg, 0,
                                       3600000, &v))
                                return 2;
                        cfg.interval_ms = v;
                        interval_set    = true;
                        break;
                case 's':
                        if (parse_long("-s SIZE", optarg, OPING_HDR_LEN,
                                       OPING_MAX_SIZE, &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'f':
                        cfg.flood = true;
                        cfg.quiet = true;
                        break;
                case 'w':
                        if (parse_long("-w SECONDS", optarg, 1, 86400 * 365,
                                       &v))
                                return 2;
                        cfg.deadline_s = v;
                        break;
                case 'q':
                        if (parse_qos(optarg, &cfg))
                                return 2;
                        break;
                case 't':
                        if (parse_long("-t TIMEOUT_MS", optarg, 1,
                                       86400000, &v))
                                return 2;
                        cfg.timeout_ms = v;
                        break;
                case 'Q':
                        cfg.quiet = true;
                        break;
                case 'u':
                        cfg.usec = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("oping %d.%d.%d\n", OUROBOROS_VERSION_MAJOR,
                               OUROBOROS_VERSION_MINOR,
                               OUROBOROS_VERSION_PATCH);
                        return 0;
                case ':':
                        fprintf(stderr, "oping: option %s needs a value "
                                "(see oping --help)\n", argv[optind - 1]);
                        return 2;
                default:
                        if (optopt != 0)
                                fprintf(stderr, "oping: unknown option "
                                        "'-%c' (see oping --help)\n", optopt);
                        else
                                fprintf(stderr, "oping: unknown option "
                                        "'%s' (see oping --help)\n",
                                        argv[optind - 1]);
                        return 2;
                }
        }

        if (optind < argc) {
                fprintf(stderr, "oping: unexpected argument '%s' "
                        "(see oping --help)\n", argv[optind]);
                return 2;
        }

        if (cfg.flood && !interval_set)
                cfg.interval_ms = 0;

        signals_init();

        if (listen)
                return oping_server(&cfg) < 0 ? 2 : 0;

        if (cfg.name == NULL) {
                fprintf(stderr, "oping: need -n NAME to ping, or -l to "
                        "listen (see oping --help)\n");
                return 2;
        }

        return oping_client(&cfg);
}
