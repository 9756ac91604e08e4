/*
 * pyOuroboros - allocating flows: Flow._alloc, Flow._join, Flow._accept.
 *
 * flow_accept is run in slices (the IRMd keeps the deadline, so a slice
 * that ends never loses a flow); between slices pending signals run.
 * flow_alloc / flow_join are not sliced: abandoning an allocation half
 * way could leave a flow at the peer. They run in a detached helper
 * thread while the caller waits on a condition variable in slices; on
 * Ctrl-C the caller leaves and the helper releases the flow if one still
 * arrives.
 */
#include "pyouro.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define FLOW_ERR(self, err, what) \
        ouro_set_err(ouro_state_of_type(Py_TYPE(self)), (err), (what))

/* ---- allocation ------------------------------------------------------ */

enum alloc_kind { K_ALLOC, K_JOIN };

struct alloc_job {
        pthread_mutex_t  mtx;
        pthread_cond_t   cond;
        enum alloc_kind  kind;
        char *           name;
        qosspec_t        qs;
        bool             has_timeo;
        struct timespec  timeo;
        bool             done;
        bool             abandoned;
        int              result;
};

static void job_free(struct alloc_job * j)
{
        pthread_mutex_destroy(&j->mtx);
        pthread_cond_destroy(&j->cond);
        free(j->name);
        free(j);
}

static void * job_run(void * o)
{
        struct alloc_job * j = o;
        const struct timespec * t = j->has_timeo ? &j->timeo : NULL;
        int  r;
        bool abandoned;

        if (j->kind == K_ALLOC)
                r = flow_alloc(j->name, &j->qs, t);
        else
                r = flow_join(j->name, &j->qs, t);

        pthread_mutex_lock(&j->mtx);
        j->result = r;
        j->done   = true;
        abandoned = j->abandoned;
        pthread_cond_signal(&j->cond);
        pthread_mutex_unlock(&j->mtx);

        if (abandoned) { /* the caller left (Ctrl-C): release the flow */
                if (r >= 0)
                        flow_dealloc(r);
                job_free(j);
        }
        return NULL;
}

/* Run flow_alloc/flow_join; returns fd >= 0, a negative errno, or
 * INT_MIN with a Python exception set (signal). */
static int flow_run_job(struct alloc_job * j)
{
        pthread_t      th;
        pthread_attr_t attr;
        int            r;

        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        r = pthread_create(&th, &attr, job_run, j);
        pthread_attr_destroy(&attr);
        if (r != 0) {
                job_free(j);
                return -r;
        }

        for (;;) {
                struct timespec until;
                bool            done;

                Py_BEGIN_ALLOW_THREADS
                clock_gettime(CLOCK_REALTIME, &until);
                until.tv_nsec += (long) (OURO_SLICE * 1e9);
                if (until.tv_nsec >= 1000000000L) {
                        until.tv_sec++;
                        until.tv_nsec -= 1000000000L;
                }
                pthread_mutex_lock(&j->mtx);
                if (!j->done)
                        pthread_cond_timedwait(&j->cond, &j->mtx, &until);
                done = j->done;
                pthread_mutex_unlock(&j->mtx);
                Py_END_ALLOW_THREADS

                if (done)
                        break;
                if (PyErr_CheckSignals() < 0) {
                        pthread_mutex_lock(&j->mtx);
                        done = j->done;
                        j->abandoned = !done;
                        pthread_mutex_unlock(&j->mtx);
                        if (done) {
                                if (j->result >= 0)
                                        flow_dealloc(j->result);
                                job_free(j);
                        }
                        return INT_MIN;
                }
        }
        r = j->result;
        job_free(j);
        return r;
}

/* Another thread allocated this Flow while we waited: do not leak fd. */
static int flow_adopt_new(FlowObject * self,
                          int          fd)
{
        if (self->fd >= 0) {
                Py_BEGIN_ALLOW_THREADS
                flow_dealloc(fd);
                Py_END_ALLOW_THREADS
                PyErr_SetString(PyExc_ValueError,
                                "flow was allocated by another call "
                                "meanwhile");
                return -1;
        }
        return ouro_flow_adopt(self, fd);
}

/* The errors of joining layer that say why in its terms. */
static PyObject * join_err(ouro_state * st,
                           int          err,
                           const char * layer)
{
        char msg[NAME_MAX_LEN + 200];

        if (err == -EIPCPTYPE)
                snprintf(msg, sizeof(msg), "flow_join: '%s' is not a "
                         "broadcast layer (this host has no broadcast "
                         "IPCP)", layer);
        else if (err == -ENAME)
                snprintf(msg, sizeof(msg), "flow_join: '%s' is not a "
                         "broadcast layer (no broadcast IPCP on this host "
                         "is in it, or it is not bootstrapped or enrolled "
                         "yet)", layer);
        else
                return ouro_set_err(st, err, "flow_join");

        return ouro_set_err_text(st, err, msg);
}

static PyObject * flow_alloc_join(FlowObject *    self,
                                  PyObject *      args,
                                  PyObject *      kw,
                                  enum alloc_kind kind)
{
        static char *      kwl[] = { "name", "qos", "timeo", NULL };
        PyObject *         no;
        const char *       name;
        Py_ssize_t         nlen;
        PyObject *         qo = Py_None;
        PyObject *         to = Py_None;
        double             timeo;
        struct alloc_job * j;
        int                fd;
        const char *       what = kind == K_ALLOC ? "flow_alloc" : "flow_join";

        if (!PyArg_ParseTupleAndKeywords(args, kw, "O|OO", kwl,
                                         &no, &qo, &to))
                return NULL;
        if (!PyUnicode_Check(no)) {
                PyErr_Format(PyExc_TypeError, "name must be a str, not %.100s",
                             Py_TYPE(no)->tp_name);
                return NULL;
        }
        name = PyUnicode_AsUTF8AndSize(no, &nlen);
        if (name == NULL)
                return NULL;
        if (nlen == 0 || nlen > NAME_MAX_LEN ||
            (Py_ssize_t) strlen(name) != nlen) {
                PyErr_Format(PyExc_ValueError,
                             "name must be 1..%d bytes without NUL",
                             NAME_MAX_LEN);
                return NULL;
        }
        if (ouro_parse_timeo(to, &timeo) < 0)
                return NULL;
        if (self->fd >= 0) {
                PyErr_SetString(PyExc_ValueError,
                                "flow is already allocated; dealloc() it "
                                "first");
                return NULL;
        }

        j = calloc(1, sizeof(*j));
        if (j == NULL)
                return PyErr_NoMemory();
        j->name = strdup(name);
        if (j->name == NULL) {
                free(j);
                return PyErr_NoMemory();
        }
        if (ouro_qos_from_obj(qo, &j->qs) < 0) {
                free(j->name);
                free(j);
                return NULL;
        }
        pthread_mutex_init(&j->mtx, NULL);
        pthread_cond_init(&j->cond, NULL);
        j->kind      = kind;
        j->has_timeo = timeo >= 0;
        ouro_ts(timeo, &j->timeo);

        {
                fd = flow_run_job(j); /* frees j */
                if (fd == INT_MIN)
                        return NULL;
                if (fd < 0 && kind == K_JOIN)
                        return join_err(ouro_state_of_type(Py_TYPE(self)),
                                        fd, name);
                if (fd < 0)
                        return ouro_set_err(ouro_state_of_type(Py_TYPE(self)),
                                            fd, what);
        }
        if (flow_adopt_new(self, fd) < 0)
                return NULL;
        Py_RETURN_NONE;
}

PyObject * ouro_flow_alloc_m(FlowObject * self,
                               PyObject *   args,
                               PyObject *   kw)
{
        return flow_alloc_join(self, args, kw, K_ALLOC);
}

PyObject * ouro_flow_join_m(FlowObject * self,
                              PyObject *   args,
                              PyObject *   kw)
{
        return flow_alloc_join(self, args, kw, K_JOIN);
}

/* _accept(timeo=None) -> qos tuple of the peer's request */
PyObject * ouro_flow_accept_m(FlowObject * self,
                                PyObject *   args,
                                PyObject *   kw)
{
        static char *   kwl[] = { "timeo", NULL };
        PyObject *      to = Py_None;
        double          timeo;
        double          deadline = 0;
        qosspec_t       qs;
        int             fd;

        if (!PyArg_ParseTupleAndKeywords(args, kw, "|O", kwl, &to))
                return NULL;
        if (ouro_parse_timeo(to, &timeo) < 0)
                return NULL;
        if (self->fd >= 0) {
                PyErr_SetString(PyExc_ValueError,
                                "flow is already allocated; dealloc() it "
                                "first");
                return NULL;
        }
        if (timeo >= 0)
                deadline = ouro_now() + timeo;

        for (;;) {
                double          want = OURO_SLICE * 2;
                struct timespec ts;

                if (timeo >= 0) {
                        double rem = deadline - ouro_now();
                        if (rem < want)
                                want = rem < 0 ? 0 : rem;
                }
                ouro_ts(want, &ts);
                memset(&qs, 0, sizeof(qs));
                Py_BEGIN_ALLOW_THREADS
                fd = flow_accept(&qs, &ts);
                Py_END_ALLOW_THREADS
                if (fd >= 0)
                        break;
                if (fd == -ETIMEDOUT || fd == -EAGAIN) {
                        if (PyErr_CheckSignals() < 0)
                                return NULL;
                        if (timeo >= 0 && ouro_now() >= deadline)
                                return FLOW_ERR(self, fd, "flow_accept");
                        continue;
                }
                return FLOW_ERR(self, fd, "flow_accept");
        }
        if (flow_adopt_new(self, fd) < 0)
                return NULL;
        return ouro_qos_to_tuple(&qs);
}

