/*
 * ocbr - command line and wire helpers.
 *
 *   ocbr -l [-i INTERVAL_MS]             count packets per interval
 *   ocbr -n NAME [-d SEC] [-s SIZE] [-r RATE_BPS | -f]
 */
#include "ocbr.h"

#include <endian.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void ocbr_hdr_put(uint8_t * buf, uint8_t type, uint64_t seq, uint64_t ts)
{
        uint32_t m = htobe32(OCBR_MAGIC);

        memcpy(buf, &m, 4);
        buf[4] = type;
        buf[5] = buf[6] = buf[7] = 0;
        tool_u64_put(buf + 8, seq);
        tool_u64_put(buf + 16, ts);
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
        *seq  = tool_u64_get(buf + 8);
        *ts   = tool_u64_get(buf + 16);
        if (*type == OCBR_REPORT && len < OCBR_RPT_LEN)
                return -EBADMSG;
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

        tool_init("ocbr");

        while ((c = getopt_long(argc, argv, ":li:n:d:s:r:fq:t:hV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'i':
                        if (tool_parse_long("-i INTERVAL_MS", optarg, 10,
                                            3600000, &v))
                                return 2;
                        cfg.interval_ms = v;
                        break;
                case 'n':
                        if (tool_parse_name(optarg, &cfg.name))
                                return 2;
                        break;
                case 'd':
                        if (tool_parse_long("-d SECONDS", optarg, 1, 86400, &v))
                                return 2;
                        cfg.duration_s = v;
                        break;
                case 's':
                        if (tool_parse_long("-s SIZE", optarg, OCBR_HDR_LEN,
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
                        if (tool_qos_parse(optarg, &cfg.qos,
                                           &cfg.qos_name))
                                return 2;
                        break;
                case 't':
                        if (tool_parse_long("-t TIMEOUT_MS", optarg, 1,
                                            86400000, &v))
                                return 2;
                        cfg.timeout_ms = v;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

        if (!listen && cfg.name == NULL) {
                fprintf(stderr, "ocbr: need -n NAME, or -l to listen "
                        "(see ocbr --help)\n");
                return 2;
        }

        if (tool_start(listen))
                return 2;

        if (listen)
                return ocbr_server(&cfg) < 0 ? 2 : 0;

        return ocbr_client(&cfg) < 0 ? 1 : 0;
}
