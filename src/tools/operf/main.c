/*
 * operf - command line and wire helpers.
 *
 *   operf -l                       count (and echo) what clients send
 *   operf -n NAME [options]        send to NAME and report throughput
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

        tool_init("operf");

        while ((c = getopt_long(argc, argv, ":ln:d:s:r:eq:t:QhV",
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
                        if (tool_parse_long("-d SECONDS", optarg, 1, 86400, &v))
                                return 2;
                        cfg.duration_s = v;
                        break;
                case 's':
                        if (tool_parse_long("-s SIZE", optarg, OPERF_HDR_LEN,
                                            OPERF_MAX_SIZE, &v))
                                return 2;
                        cfg.size = (size_t) v;
                        break;
                case 'r':
                        if (tool_parse_long("-r RATE_PPS", optarg, 0, 100000000,
                                            &v))
                                return 2;
                        cfg.rate_pps = v;
                        break;
                case 'e':
                        cfg.echo = true;
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
                case 'Q':
                        cfg.quiet = true;
                        break;
                default:
                        return tool_opt_default(c, argv, usage);
                }
        }

        if (tool_no_args(argc, argv))
                return 2;

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
