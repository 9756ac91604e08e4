/*
 * tools-common: command line helpers and error strings shared by the
 * tools. The messages are part of the tools' interface (tests and man
 * pages quote them): change them here for all tools or not at all.
 */
#include "tools_common.h"

#include <ouroboros/errno.h>
#include <ouroboros/version.h>

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>

static const char * prog = "tool";

static const struct {
        const char *      name;
        const qosspec_t * qs;
} qos_names[] = {
        { "raw",           &qos_raw },
        { "raw_no_errors", &qos_raw_no_errors },
        { "raw_crypt",     &qos_raw_crypt },
        { "best",          &qos_best_effort },
        { "best_crypt",    &qos_best_effort_crypt },
        { "video",         &qos_video },
        { "video_crypt",   &qos_video_crypt },
        { "voice",         &qos_voice },
        { "voice_crypt",   &qos_voice_crypt },
        { "data",          &qos_data },
        { "data_crypt",    &qos_data_crypt },
};

#define N_QOS (sizeof(qos_names) / sizeof(qos_names[0]))

void tool_init(const char * name)
{
        prog = name;
        setvbuf(stdout, NULL, _IOLBF, 0);
        opterr = 0;
}

const char * tool_prog(void)
{
        return prog;
}

const char * tool_strerror(int err)
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
        case ETIMEDOUT:  return "timed out (the IRMd or the peer did not "
                                "answer in time)";
        default:         return strerror(err);
        }
}

int tool_strtol(const char * s, long min, long max, long * out)
{
        char * end;
        long   v;

        errno = 0;
        v = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0')
                return -EINVAL;
        *out = v;
        return v < min || v > max ? -ERANGE : 0;
}

int tool_parse_long(const char * opt, const char * arg, long min, long max,
                    long * out)
{
        long v = 0;
        int  r;

        r = tool_strtol(arg, min, max, &v);
        if (r == -EINVAL)
                fprintf(stderr, "%s: invalid value for %s: '%s'\n",
                        prog, opt, arg);
        else if (r == -ERANGE)
                fprintf(stderr, "%s: %s out of range: %ld "
                        "(allowed %ld..%ld)\n", prog, opt, v, min, max);
        else
                *out = v;
        return r;
}

int tool_parse_name(const char * arg, const char ** out)
{
        if (*arg == '\0') {
                fprintf(stderr, "%s: empty name\n", prog);
                return -EINVAL;
        }
        *out = arg;
        return 0;
}

int tool_qos_parse(const char * arg, qosspec_t * qs, const char ** name)
{
        size_t i;

        for (i = 0; i < N_QOS; ++i) {
                if (strcmp(arg, qos_names[i].name) == 0) {
                        *qs   = *qos_names[i].qs;
                        *name = qos_names[i].name;
                        return 0;
                }
        }
        fprintf(stderr, "%s: unknown QoS '%s' (try raw, best, video, "
                "voice, data or one with _crypt)\n", prog, arg);
        return -EINVAL;
}

static bool qos_eq(const qosspec_t * a, const qosspec_t * b)
{
        return a->delay == b->delay && a->bandwidth == b->bandwidth &&
                a->availability == b->availability && a->loss == b->loss &&
                a->ber == b->ber && a->in_order == b->in_order &&
                a->max_gap == b->max_gap && a->cypher_s == b->cypher_s &&
                a->timeout == b->timeout;
}

const char * tool_qos_name(const qosspec_t * qs)
{
        size_t i;

        for (i = 0; i < N_QOS; ++i)
                if (qos_eq(qs, qos_names[i].qs))
                        return qos_names[i].name;
        return "custom";
}

int tool_opt_error(int c, char ** argv)
{
        if (c == ':')
                fprintf(stderr, "%s: option %s needs a value "
                        "(see %s --help)\n", prog, argv[optind - 1], prog);
        else if (optopt != 0)
                fprintf(stderr, "%s: unknown option '-%c' "
                        "(see %s --help)\n", prog, optopt, prog);
        else
                fprintf(stderr, "%s: unknown option '%s' "
                        "(see %s --help)\n", prog, argv[optind - 1], prog);
        return TOOL_EXIT_USAGE;
}

int tool_opt_default(int c, char ** argv, void (* usage)(FILE * f))
{
        switch (c) {
        case 'h':
                usage(stdout);
                return 0;
        case 'V':
                tool_version();
                return 0;
        default:
                return tool_opt_error(c, argv);
        }
}

int tool_no_args(int argc, char ** argv)
{
        if (optind >= argc)
                return 0;
        fprintf(stderr, "%s: unexpected argument '%s' (see %s --help)\n",
                prog, argv[optind], prog);
        return TOOL_EXIT_USAGE;
}

void tool_version(void)
{
        printf("%s %s (API %d.%d.%d)\n", prog, OUROBOROS_PROJECT_VERSION,
               OUROBOROS_VERSION_MAJOR, OUROBOROS_VERSION_MINOR,
               OUROBOROS_VERSION_PATCH);
}
