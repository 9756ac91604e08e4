/*
 * ocbr - command line and wire helpers.
 *
 *   ocbr -l [-i INTERVAL] [-t IDLE]       count packets per interval
 *   ocbr -n NAME [-d DURATION] [-s SIZE] [-r RATE_BPS | -f]
 *
 * Besides its own options it takes the classic ocbr's (0.21):
 * --server-name (--server_apn), -t as the server timeout, --sleep,
 * --spin, durations and intervals with units.
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
"Usage: ocbr -l [-i INTERVAL] [-t IDLE]\n"
"       ocbr -n NAME [-d DURATION] [-s SIZE] [-r RATE | -f] [-q QOS]\n"
"            [-t TIMEOUT_MS]\n"
"Send a constant bit rate stream to an ocbr server, which reports what\n"
"arrives per interval and the loss counted from sequence numbers.\n"
"\n"
"  -l, --listen          run as server\n"
"  -i, --interval TIME   server report interval, 10ms..1h (default 1000ms);\n"
"                        a bare number is ms, units ms, s, m, h\n"
"  -t, --timeout TIME    with -l: end a flow after TIME without packets\n"
"                        (the classic server timeout; a bare number is\n"
"                        seconds; default: wait for the client's end)\n"
"  -n, --name NAME       name of the ocbr server\n"
"      --server-name NAME  the same (classic names, also --server_apn)\n"
"  -d, --duration TIME   how long to send, up to 1d (default 10s); a bare\n"
"                        number is seconds, units ms, s, m, h, d\n"
"  -s, --size SIZE       packet size in bytes, %d..%d (default %d)\n"
"  -r, --rate RATE       bit rate in bit/s, suffixes k, M, G allowed\n"
"                        (default %d)\n"
"  -f, --flood           send as fast as possible, ignore -r\n"
"  -q, --qos QOS         raw, raw_no_errors, best, video, voice, data, or\n"
"                        one of these with _crypt (default raw)\n"
"  -t, --timeout MS      client: allocation and final report timeout\n"
"                        (default 5000)\n"
"      --sleep           wait for each send time asleep (least CPU)\n"
"      --spin            wait for each send time busy (least jitter);\n"
"                        default: sleep, then spin the last 100 us,\n"
"                        yielding the CPU at each turn\n"
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

int main(int argc, char ** argv)
{
        static const struct option opts[] = {
                { "listen",   no_argument,       NULL, 'l' },
                { "interval", required_argument, NULL, 'i' },
                { "name",     required_argument, NULL, 'n' },
                { "server-name", required_argument, NULL, 'n' },
                { "server_apn", required_argument, NULL, 'n' },
                { "sleep",    no_argument,       NULL, 'S' },
                { "spin",     no_argument,       NULL, 'P' },
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
                .duration_ms = 10000, .size = OCBR_DEF_SIZE,
                .rate_bps = OCBR_DEF_RATE, .interval_ms = 1000,
                .timeout_ms = 5000,
        };
        const char * timeout = NULL;
        bool         listen  = false;
        bool         unit;
        long         v;
        int  c;

        tool_init("ocbr");

        while ((c = getopt_long(argc, argv, ":li:n:d:s:r:fq:t:hV",
                                opts, NULL)) != -1) {
                switch (c) {
                case 'l':
                        listen = true;
                        break;
                case 'i':
                        if (tool_parse_duration("-i INTERVAL", optarg, 1, 10,
                                                3600000, &v))
                                return 2;
                        cfg.interval_ms = v;
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
                        if (tool_parse_long("-s SIZE", optarg, OCBR_HDR_LEN,
                                            OCBR_MAX_SIZE, &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'r':
                        if (tool_parse_rate("-r RATE", optarg,
                                            100000000000ULL, &cfg.rate_bps,
                                            &unit))
                                return 2;
                        break;
                case 'S':
                        cfg.pace = TOOL_PACE_SLEEP;
                        break;
                case 'P':
                        cfg.pace = TOOL_PACE_SPIN;
                        break;
                case 'f':
                        cfg.flood = true;
                        break;
                case 'q':
                        if (tool_qos_parse(optarg, &cfg.qos,
                                           &cfg.qos_name))
                                return 2;
                        break;
                case 't': /* its meaning depends on -l: parsed below */
                        timeout = optarg;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

        if (timeout != NULL && listen &&
            tool_parse_duration("-t TIMEOUT", timeout, 1000, 1, 86400000,
                                &cfg.idle_ms))
                return 2;
        if (timeout != NULL && !listen &&
            tool_parse_long("-t TIMEOUT_MS", timeout, 1, 86400000,
                            &cfg.timeout_ms))
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
