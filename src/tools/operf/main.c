/*
 * operf - command line and wire helpers.
 *
 *   operf -l                       count (and echo) what clients send
 *   operf -n NAME [options]        send to NAME and report throughput
 *
 * Besides its own options it takes the classic operf's (0.21):
 * --server-name, -t/--test uni|bi, -r with k/M/G as bit/s, -f, --sleep,
 * -d with units.
 */
#include "operf.h"

#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE * f)
{
        fprintf(f,
"Usage: operf -l [-Q]\n"
"       operf -n NAME [-d DURATION] [-s SIZE] [-r RATE | -f] [-e] [-q QOS]\n"
"             [-t TIMEOUT_MS | -t uni|bi] [-Q]\n"
"Measure the throughput of a flow to an operf server.\n"
"\n"
"  -l, --listen          run as server: count packets of every flow, echo\n"
"                        them when the client asks (-e)\n"
"  -n, --name NAME       name of the operf server\n"
"      --server-name NAME  the same (classic name)\n"
"  -d, --duration TIME   how long to send (default 10s, at most 1d); a\n"
"                        bare number is seconds, units ms, s, m, h, d\n"
"  -s, --size SIZE       packet size in bytes, %d..%d (default %d)\n"
"  -r, --rate RATE       a bare number is packets per second, 0 = flood\n"
"                        (default 0); with k, M or G a bit rate (10M)\n"
"  -f, --flood           send as fast as possible (-r 0)\n"
"  -e, --echo            the server returns every packet; measure both ways\n"
"  -t, --test TYPE       classic test type: uni (default) or bi (= -e)\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      allocation and final report timeout (default 5000);\n"
"                        -t takes a test type when given uni or bi\n"
"  -Q, --quiet           no per-second progress lines\n"
"      --sleep           wait for each send time asleep (least CPU;\n"
"                        default: sleep, then spin the last 100 us,\n"
"                        yielding the CPU at each turn)\n"
"  -h, --help            show this help and exit\n"
"  -V, --version         show the version and exit\n",
                OPERF_HDR_LEN, OPERF_MAX_SIZE, OPERF_DEF_SIZE);
}

/* -t/--test: "uni" or "bi" (the classic operf's test types). */
static int parse_test(const char * arg, bool * echo)
{
        if (strcmp(arg, "uni") == 0 || strcmp(arg, "bi") == 0) {
                *echo = strcmp(arg, "bi") == 0;
                return 0;
        }
        fprintf(stderr, "operf: invalid test type '%s' (uni or bi)\n", arg);
        return -EINVAL;
}

void operf_hdr_put(uint8_t * buf, const struct operf_hdr * h)
{
        uint32_t m = htobe32(h->magic);

        memcpy(buf, &m, 4);
        buf[4] = h->type;
        buf[5] = h->flags;
        buf[6] = 0;
        buf[7] = 0;
        tool_u64_put(buf + 8, h->seq);
        tool_u64_put(buf + 16, h->ts);
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
        h->seq   = tool_u64_get(buf + 8);
        h->ts    = tool_u64_get(buf + 16);
        if (h->magic != OPERF_MAGIC)
                return -EBADMSG;
        if (h->type == OPERF_REPORT && len < OPERF_RPT_LEN)
                return -EBADMSG;
        return 0;
}

int main(int argc, char ** argv)
{
        static const struct option opts[] = {
                { "listen",   no_argument,       NULL, 'l' },
                { "name",     required_argument, NULL, 'n' },
                { "server-name", required_argument, NULL, 'n' },
                { "test",     required_argument, NULL, 'T' },
                { "flood",    no_argument,       NULL, 'f' },
                { "sleep",    no_argument,       NULL, 'S' },
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
                .duration_ms = 10000, .size = OPERF_DEF_SIZE, .rate_pps = 0,
                .timeout_ms = 5000,
        };
        bool     listen   = false;
        bool     unit     = false;
        uint64_t rate_bps = 0;
        long     v;
        int  c;

        tool_init("operf");

        while ((c = getopt_long(argc, argv, ":ln:d:s:r:feq:t:QhV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'n':
                        if (tool_parse_name(optarg, &cfg.name))
                                return 2;
                        break;
                case 'd':
                        if (tool_parse_duration("-d DURATION", optarg, 1000,
                                                1, 86400000, &v))
                                return 2;
                        cfg.duration_ms = v;
                        break;
                case 's':
                        if (tool_parse_long("-s SIZE", optarg, OPERF_HDR_LEN,
                                            OPERF_MAX_SIZE, &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'r': /* bare: packets/s; k, M, G: bit/s */
                        rate_bps = 0;
                        if (tool_strtol(optarg, 0, 100000000, &v) == 0) {
                                cfg.rate_pps = v;
                                break;
                        }
                        if (tool_parse_rate("-r RATE", optarg,
                                            100000000000ULL, &rate_bps,
                                            &unit))
                                return 2;
                        if (!unit) {
                                fprintf(stderr, "operf: -r RATE: a bare "
                                        "number is packets/s, 0..100000000;"
                                        " bit/s take k, M or G\n");
                                return 2;
                        }
                        break;
                case 'f':
                        cfg.rate_pps = 0;
                        rate_bps     = 0;
                        break;
                case 'T':
                        if (parse_test(optarg, &cfg.echo))
                                return 2;
                        break;
                case 'S':
                        cfg.pace = TOOL_PACE_SLEEP;
                        break;
                case 'e':
                        cfg.echo = true;
                        break;
                case 'q':
                        if (tool_qos_parse(optarg, &cfg.qos,
                                           &cfg.qos_name))
                                return 2;
                        break;
                case 't': /* classic: a test type; ours: a timeout */
                        if (strcmp(optarg, "uni") == 0 ||
                            strcmp(optarg, "bi") == 0) {
                                parse_test(optarg, &cfg.echo);
                                break;
                        }
                        if (tool_parse_long("-t TIMEOUT_MS", optarg, 1,
                                            86400000, &v))
                                return 2;
                        cfg.timeout_ms = v;
                        break;
                case 'Q':
                        cfg.quiet = true;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

        if (rate_bps > 0) { /* a bit rate: packets of -s SIZE per second */
                cfg.rate_pps = (long) (rate_bps / (cfg.size * 8));
                if (cfg.rate_pps == 0)
                        cfg.rate_pps = 1;
        }

        if (!listen && cfg.name == NULL) {
                fprintf(stderr, "operf: need -n NAME, or -l to listen "
                        "(see operf --help)\n");
                return 2;
        }

        if (tool_start(listen))
                return 2;

        if (listen)
                return operf_server(&cfg) < 0 ? 2 : 0;

        return operf_client(&cfg) < 0 ? 1 : 0;
}
