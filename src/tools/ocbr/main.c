/*
 * ocbr - command line, signals, wire helpers and error strings.
 *
 *   ocbr -l [-i INTERVAL_MS]             count packets per interval
 *   ocbr -n NAME [-d SEC] [-s SIZE] [-r RATE_BPS | -f]
 */
#include "ocbr.h"

#include <ouroboros/errno.h>
#include <ouroboros/version.h>

#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile sig_atomic_t ocbr_stop;

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
"Usage: ocbr -l [-i INTERVAL_MS]\n"
"       ocbr -n NAME [-d SECONDS] [-s SIZE] [-r RATE_BPS | -f] [-q QOS]\n"
"            [-t TIMEOUT_MS]\n"
"Send a constant bit rate stream to an ocbr server, which reports what\n"
"arrives per interval and the loss counted from sequence numbers.\n"
"\n"
"  -l, --listen          run as server\n"
"  -i, --interval MS     server report interval, 10..3600000 (default 1000)\n"
"  -n, --name NAME       name of the ocbr server\n"
"  -d, --duration SEC    how long to send, 1..86400 (default 10)\n"
"  -s, --size SIZE       packet size in bytes, %d..%d (default %d)\n"
"  -r, --rate RATE       bit rate in bit/s, suffixes k, M, G allowed\n"
"                        (default %d)\n"
"  -f, --flood           send as fast as possible, ignore -r\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      allocation and final report timeout (default 5000)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n",
                OCBR_HDR_LEN, OCBR_MAX_SIZE, OCBR_DEF_SIZE, OCBR_DEF_RATE);
}

const char * ocbr_strerror(int err)
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

void ocbr_u64_put(uint8_t * buf, uint64_t v)
{
        v = htobe64(v);
        memcpy(buf, &v, 8);
}

uint64_t ocbr_u64_get(const uint8_t * buf)
{
        uint64_t v;

        memcpy(&v, buf, 8);
        return be64toh(v);
}

void ocbr_hdr_put(uint8_t * buf, uint8_t type, uint64_t seq, uint64_t ts)
{
        uint32_t m = htobe32(OCBR_MAGIC);

        memcpy(buf, &m, 4);
        buf[4] = type;
        buf[5] = buf[6] = buf[7] = 0;
        ocbr_u64_put(buf + 8, seq);
        ocbr_u64_put(buf + 16, ts);
}

int ocbr_hdr_get(const uint8_t * buf, size_t len, uint8_t * type,
                 uint64_t * seq, uint64_t * ts)
{
        uint32_t m;

        if (len < OCBR_HDR_LEN)
                return -EBADMSG;
        memcpy(&m, buf, 4);
        if (be32toh(m) != OCBR_MAGIC)
                return -EBADMSG;
        *type = buf[4];
        *seq  = ocbr_u64_get(buf + 8);
        *ts   = ocbr_u64_get(buf + 16);
        if (*type == OCBR_REPORT && len < OCBR_RPT_LEN)
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
                fprintf(stderr, "ocbr: invalid value for %s: '%s'\n",
                        opt, arg);
                return -EINVAL;
        }
        if (v < min || v > max) {
                fprintf(stderr, "ocbr: %s out of range: %ld "
                        "(allowed %ld..%ld)\n", opt, v, min, max);
                return -ERANGE;
        }
        *out = v;
        return 0;
}

/* A bit rate: digits with an optional k, M or G suffix (powers of 10). */
static int parse_rate(const char * arg, uint64_t * out)
{
        const uint64_t max = 100000000000ULL; /* 100 Gb/s */
        char *         end;
        double         v;

        errno = 0;
        v = strtod(arg, &end);
        if (errno != 0 || end == arg || *arg == '-')
                goto invalid;
        switch (*end) {
        case 'k': case 'K': v *= 1e3; ++end; break;
        case 'm': case 'M': v *= 1e6; ++end; break;
        case 'g': case 'G': v *= 1e9; ++end; break;
        default: break;
        }
        if (*end != '\0')
                goto invalid;
        if (v < 1 || v > (double) max) {
                fprintf(stderr, "ocbr: -r RATE out of range: %s "
                        "(allowed 1..100G bit/s)\n", arg);
                return -ERANGE;
        }
        *out = (uint64_t) v;
        return 0;
 invalid:
        fprintf(stderr, "ocbr: invalid value for -r RATE: '%s'\n", arg);
        return -EINVAL;
}

static int parse_qos(const char * arg, struct ocbr_cfg * cfg)
{
        size_t i;

        for (i = 0; i < sizeof(qos_names) / sizeof(qos_names[0]); ++i) {
                if (strcmp(arg, qos_names[i].name) == 0) {
                        cfg->qos      = *qos_names[i].qs;
                        cfg->qos_name = qos_names[i].name;
                        return 0;
                }
        }
        fprintf(stderr, "ocbr: unknown QoS '%s' (try raw, best, video, "
                "voice, data or one with _crypt)\n", arg);
        return -EINVAL;
}

static void on_signal(int sig)
{
        (void) sig;
        ocbr_stop = 1;
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
                { "interval", required_argument, NULL, 'i' },
                { "name",     required_argument, NULL, 'n' },
                { "duration", required_argument, NULL, 'd' },
                { "size",     required_argument, NULL, 's' },
                { "rate",     required_argument, NULL, 'r' },
                { "flood",    no_argument,       NULL, 'f' },
                { "qos",      required_argument, NULL, 'q' },
                { "timeout",  required_argument, NULL, 't' },
                { "help",     no_argument,       NULL, 'h' },
                { "version",  no_argument,       NULL, 'V' },
                { NULL,       0,                 NULL, 0 }
        };
        struct ocbr_cfg cfg = {
                .name = NULL, .qos_name = "raw", .qos = qos_raw,
                .duration_s = 10, .size = OCBR_DEF_SIZE,
                .rate_bps = OCBR_DEF_RATE, .interval_ms = 1000,
                .timeout_ms = 5000,
        };
        bool listen = false;
        long v;
        int  c;

        setvbuf(stdout, NULL, _IOLBF, 0);
        opterr = 0;

        while ((c = getopt_long(argc, argv, ":li:n:d:s:r:fq:t:hV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'i':
                        if (parse_long("-i INTERVAL_MS", optarg, 10,
                                       3600000, &v))
                                return 2;
                        cfg.interval_ms = v;
                        break;
                case 'n':
                        if (*optarg == '\0') {
                                fprintf(stderr, "ocbr: empty name\n");
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
                        if (parse_long("-s SIZE", optarg, OCBR_HDR_LEN,
                                       OCBR_MAX_SIZE, &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'r':
                        if (parse_rate(optarg, &cfg.rate_bps))
                                return 2;
                        break;
                case 'f':
                        cfg.flood = true;
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
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("ocbr %d.%d.%d\n", OUROBOROS_VERSION_MAJOR,
                               OUROBOROS_VERSION_MINOR,
                               OUROBOROS_VERSION_PATCH);
                        return 0;
                case ':':
                        fprintf(stderr, "ocbr: option %s needs a value "
                                "(see ocbr --help)\n", argv[optind - 1]);
                        return 2;
                default:
                        if (optopt != 0)
                                fprintf(stderr, "ocbr: unknown option "
                                        "'-%c' (see ocbr --help)\n", optopt);
                        else
                                fprintf(stderr, "ocbr: unknown option "
                                        "'%s' (see ocbr --help)\n",
                                        argv[optind - 1]);
                        return 2;
                }
        }

        if (optind < argc) {
                fprintf(stderr, "ocbr: unexpected argument '%s' "
                        "(see ocbr --help)\n", argv[optind]);
                return 2;
        }

        signals_init();

        if (listen)
                return ocbr_server(&cfg) < 0 ? 2 : 0;

        if (cfg.name == NULL) {
                fprintf(stderr, "ocbr: need -n NAME, or -l to listen "
                        "(see ocbr --help)\n");
                return 2;
        }

        return ocbr_client(&cfg) < 0 ? 1 : 0;
}
