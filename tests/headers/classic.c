/*
 * Ouroboros - a program written the way programs for the classic (0.21)
 * API are: C89, -D_POSIX_C_SOURCE=200809L, only the classic headers, and
 * every call of the application API. check.sh builds it with each C
 * compiler in C89 and runs it as a server and a client over a local
 * layer.
 *
 *   classic -l            serve: echo packets of one flow, then exit
 *   classic NAME          client: allocate a flow to NAME and check it
 *
 * Exit status 0 when every check passed; a failed check prints its line.
 */
#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>
#include <ouroboros/qos.h>
#include <ouroboros/version.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_SIZE 2048

#define CHECK(c) do {                                                   \
                if (!(c)) {                                             \
                        printf("classic:%d: check failed: %s\n",        \
                               __LINE__, #c);                           \
                        exit(EXIT_FAILURE);                             \
                }                                                       \
        } while (0)

#if OUROBOROS_VERSION_MAJOR != 0 || OUROBOROS_VERSION_MINOR != 21
#error "the headers do not say API 0.21"
#endif

static int server_main(void)
{
        fset_t *        set;
        fqueue_t *      fq;
        struct timespec timeo = {10, 0};
        qosspec_t       qs;
        char            buf[BUF_SIZE];
        ssize_t         n;
        int             fd;
        int             done = 0;

        printf("Starting the server.\n");
        fflush(stdout);

        set = fset_create();
        fq  = fqueue_create();
        CHECK(set != NULL && fq != NULL);
        CHECK(fqueue_type(fq) == 0); /* nothing fetched yet */

        fd = flow_accept(&qs, &timeo);
        CHECK(fd >= 0);
        CHECK(qs.cypher_s == qos_raw.cypher_s && qs.in_order == 0);

        CHECK(fset_add(set, fd) == 0);
        CHECK(fset_has(set, fd));

        while (!done) {
                CHECK(fevent(set, fq, &timeo) > 0);
                while (fqueue_next(fq) == fd) {
                        enum fqtype t = fqueue_type(fq);
                        switch (t) {
                        case FLOW_PKT:
                                n = flow_read(fd, buf, sizeof(buf));
                                CHECK(n > 0);
                                CHECK(flow_write(fd, buf, (size_t) n) == n);
                                break;
                        case FLOW_DEALLOC:
                                done = 1;
                                break;
                        case FLOW_DOWN:
                        case FLOW_UP:
                        case FLOW_ALLOC:
                        case FLOW_PEER:
                        default:
                                break;
                        }
                }
        }

        fset_del(set, fd);
        CHECK(!fset_has(set, fd));
        fset_zero(set);
        CHECK(flow_dealloc(fd) == 0);
        fqueue_destroy(fq);
        fset_destroy(set);

        printf("Server done.\n");

        return 0;
}

static int client_main(const char * name)
{
        struct timespec timeo = {10, 0};
        struct timespec zero  = {0, 0};
        struct timespec t;
        qosspec_t       qs    = qos_raw;
        qosspec_t       got;
        uint32_t        flags;
        uint16_t        frct  = 0;
        size_t          qlen;
        char            msg[]  = "Client says hi!";
        char            buf[BUF_SIZE];
        ssize_t         n;
        int             fd;

        fd = flow_alloc(name, &qs, &timeo);
        CHECK(fd >= 0);

        CHECK(fccntl(fd, FLOWSRCVTIMEO, &timeo) == 0);
        CHECK(fccntl(fd, FLOWGRCVTIMEO, &t) == 0);
        CHECK(t.tv_sec == 10 && t.tv_nsec == 0);
        CHECK(fccntl(fd, FLOWSSNDTIMEO, &timeo) == 0);
        CHECK(fccntl(fd, FLOWGSNDTIMEO, &t) == 0);
        CHECK(fccntl(fd, FLOWGQOSSPEC, &got) == 0);
        CHECK(got.in_order == qos_raw.in_order && got.loss == qos_raw.loss);
        CHECK(fccntl(fd, FLOWGFLAGS, &flags) == 0);
        CHECK((flags & FLOWFACCMODE) == FLOWFRDWR);
        CHECK(fccntl(fd, FLOWSFLAGS, FLOWFDEFAULT) == 0);
        CHECK(fccntl(fd, FLOWGRXQLEN, &qlen) == 0 && qlen == 0);
        CHECK(fccntl(fd, FLOWGTXQLEN, &qlen) == 0);

        /* a raw flow has no FRCT: the classic API answers -EPERM */
        CHECK(fccntl(fd, FRCTGFLAGS, &frct) == -EPERM);
        CHECK(fccntl(fd, FRCTSFLAGS, FRCTFRTX) == -EPERM);

        CHECK(flow_write(fd, msg, sizeof(msg)) == (ssize_t) sizeof(msg));
        n = flow_read(fd, buf, sizeof(buf));
        CHECK(n == (ssize_t) sizeof(msg));
        CHECK(memcmp(buf, msg, sizeof(msg)) == 0);

        /* nothing more: a non-blocking read says so */
        CHECK(fccntl(fd, FLOWSFLAGS, FLOWFRDWR | FLOWFRNOBLOCK) == 0);
        CHECK(flow_read(fd, buf, sizeof(buf)) == -EAGAIN);

        CHECK(flow_dealloc(fd) == 0);
        CHECK(flow_read(fd, buf, sizeof(buf)) < 0);

        /* the project error codes have their 0.21 numbers */
        CHECK(ENOTALLOC == 1000 && EIRMD == 1002 && EFLOWDOWN == 1005);
        CHECK(ECRYPT == 1007 && ENAME == 1008);

        /* no broadcast layer here: joining fails, it does not hang */
        CHECK(flow_join("classic.no.such.layer", NULL, &zero) < 0);

        printf("Server replied with %.*s\n", (int) n, buf);

        return 0;
}

int main(int     argc,
         char ** argv)
{
        if (argc == 2 && strcmp(argv[1], "-l") == 0)
                return server_main();

        if (argc == 2)
                return client_main(argv[1]);

        printf("Usage: classic -l | classic NAME\n");

        return EXIT_FAILURE;
}
