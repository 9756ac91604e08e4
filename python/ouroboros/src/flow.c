/*
 * pyOuroboros - the Flow base type: one flow descriptor and the hot path.
 *
 * ouroboros.dev.Flow subclasses this type; read/write are inherited as
 * they are, so a read costs one C call. Timeouts are kept here, not in
 * the library: the library's timeout is set to at most OURO_SLICE so a
 * blocked call returns to check for signals (Ctrl-C) and the user's
 * deadline; fccntl is only called when the wanted slice changes.
 *
 * Allocation (alloc, join, accept) is in alloc.c, the flow's settings
 * (fccntl: timeouts, flags, QoS, queue lengths) in flow_ctl.c.
 */
#include "pyouro.h"

#include <structmember.h>

#include <stdarg.h>
#include <string.h>

PyObject * ouro_flow_not_alloc(FlowObject * self)
{
        ouro_state * st = ouro_state_of_type(Py_TYPE(self));
        if (st == NULL)
                return NULL;
        PyErr_SetString(st->dealloc_error,
                        "flow is not allocated (deallocated or never "
                        "allocated)");
        return NULL;
}

static PyObject * flow_new(PyTypeObject * tp,
                           PyObject *     args,
                           PyObject *     kw)
{
        FlowObject * self = (FlowObject *) tp->tp_alloc(tp, 0);
        (void) args;
        (void) kw;
        if (self == NULL)
                return NULL;
        self->fd        = -1;
        self->rcv_timeo = -1;
        self->snd_timeo = -1;
        self->c_rcv     = -1;
        self->c_snd     = -1;
        return (PyObject *) self;
}

static int flow_traverse(FlowObject * self,
                         visitproc    visit,
                         void *       arg)
{
        Py_VISIT(Py_TYPE(self));
        Py_VISIT(self->sets);
        Py_VISIT(self->dict);
        return 0;
}

static int flow_clear(FlowObject * self)
{
        Py_CLEAR(self->pending);
        Py_CLEAR(self->sets);
        Py_CLEAR(self->dict);
        return 0;
}

/* Drop the flow from every FlowSet that holds it. */
static void flow_leave_sets(FlowObject * self)
{
        PyObject * sets = self->sets;
        Py_ssize_t i;

        if (sets == NULL)
                return;
        self->sets = NULL;
        for (i = 0; i < PyList_GET_SIZE(sets); i++)
                ouro_fset_drop_flow(PyList_GET_ITEM(sets, i), self);
        Py_DECREF(sets);
}

static void flow_dealloc_type(FlowObject * self)
{
        PyTypeObject * tp = Py_TYPE(self);

        PyObject_GC_UnTrack(self);
        if (self->weakrefs != NULL)
                PyObject_ClearWeakRefs((PyObject *) self);
        if (self->fd >= 0) {
                /* no leaked flow: a dropped Flow releases its fd; that
                 * asks the IRMd (up to seconds): not with the GIL held */
                int fd = self->fd;
                self->fd = -1;
                Py_BEGIN_ALLOW_THREADS
                flow_dealloc(fd);
                Py_END_ALLOW_THREADS
        }
        flow_clear(self);
        PyMem_RawFree(self->scratch);
        self->scratch = NULL;
        tp->tp_free((PyObject *) self);
        Py_DECREF(tp);
}

int ouro_flow_adopt(FlowObject * f,
                    int          fd)
{
        f->fd    = fd;
        f->c_rcv = -1;
        f->c_snd = -1;
        Py_CLEAR(f->pending);
        return 0;
}

int ouro_flow_remove_set(FlowObject * f,
                         PyObject *   set)
{
        Py_ssize_t i;

        if (f->sets == NULL)
                return 0;
        for (i = 0; i < PyList_GET_SIZE(f->sets); i++) {
                if (PyList_GET_ITEM(f->sets, i) == set)
                        return PySequence_DelItem(f->sets, i);
        }
        return 0;
}

/* Set the library's read (rcv) or write timeout to s seconds if needed. */
static int flow_set_c_timeo(FlowObject * self,
                            bool         rcv,
                            double       s)
{
        struct timespec ts;
        int             r;
        double *        cur = rcv ? &self->c_rcv : &self->c_snd;

        if (*cur == s)
                return 0;
        ouro_ts(s, &ts);
        r = fccntl(self->fd, rcv ? FLOWSRCVTIMEO : FLOWSSNDTIMEO, &ts);
        if (r < 0) {
                FLOW_ERR(self, r, "fccntl(set timeout)");
                return -1;
        }
        *cur = s;
        return 0;
}

/* Take up to count bytes of the readline leftover. */
static PyObject * flow_take_pending(FlowObject * self,
                                    Py_ssize_t   count)
{
        PyObject * p   = self->pending;
        Py_ssize_t len = PyBytes_GET_SIZE(p);
        PyObject * head;
        PyObject * rest;

        if (count >= len) {
                self->pending = NULL;
                return p;
        }
        head = PyBytes_FromStringAndSize(PyBytes_AS_STRING(p), count);
        if (head == NULL)
                return NULL;
        rest = PyBytes_FromStringAndSize(PyBytes_AS_STRING(p) + count,
                                         len - count);
        if (rest == NULL) {
                Py_DECREF(head);
                return NULL;
        }
        Py_SETREF(self->pending, rest);
        return head;
}

/*
 * PyArg_ParseTupleAndKeywords(fmt, kwl, ...) over the arguments of a
 * vectorcall method (the slow path: keywords or an odd count). True
 * when they parse; false with an exception set.
 */
static int parse_vector(PyObject * const * args,
                        Py_ssize_t         nargs,
                        PyObject *         kwnames,
                        const char *       fmt,
                        char **            kwl,
                        ...)
{
        PyObject * tup = PyTuple_New(nargs);
        PyObject * kw  = NULL;
        Py_ssize_t i;
        va_list    ap;
        int        ok;

        if (tup == NULL)
                return 0;
        for (i = 0; i < nargs; i++) {
                Py_INCREF(args[i]);
                PyTuple_SET_ITEM(tup, i, args[i]);
        }
        if (kwnames != NULL) {
                kw = PyDict_New();
                for (i = 0; kw && i < PyTuple_GET_SIZE(kwnames); i++)
                        PyDict_SetItem(kw, PyTuple_GET_ITEM(kwnames, i),
                                       args[nargs + i]);
        }
        va_start(ap, kwl);
        ok = PyArg_VaParseTupleAndKeywords(tup, kw, fmt, kwl, ap);
        va_end(ap);
        Py_DECREF(tup);
        Py_XDECREF(kw);
        return ok;
}

static int parse_count(PyObject *   o,
                       Py_ssize_t   dflt,
                       Py_ssize_t * out)
{
        Py_ssize_t c;

        if (o == NULL || o == Py_None) {
                *out = dflt;
                return 0;
        }
        if (!PyLong_Check(o) || PyBool_Check(o)) {
                PyErr_Format(PyExc_TypeError,
                             "count must be an int or None, not %.100s",
                             Py_TYPE(o)->tp_name);
                return -1;
        }
        c = PyLong_AsSsize_t(o);
        if (c == -1 && PyErr_Occurred())
                return -1;
        if (c < 0) {
                PyErr_SetString(PyExc_ValueError, "count must be >= 0");
                return -1;
        }
        *out = c;
        return 0;
}

#define IO_ERR   (-1)   /* an exception is set */
#define IO_AGAIN (-2)   /* nowait: the flow could not do it now */

/*
 * The loop of read and write: the C call is made with at most OURO_SLICE
 * of the flow's timeout at a time, the GIL released around it, so that
 * signals are seen while it waits. nowait: one try that does not block.
 * Returns the C call's count, IO_AGAIN, or IO_ERR.
 */
static ssize_t flow_io(FlowObject * self,
                       bool         rd,
                       void *       buf,
                       size_t       count,
                       bool         nowait)
{
        const char * what     = rd ? "read" : "write";
        double       timeo    = rd ? self->rcv_timeo : self->snd_timeo;
        double       deadline = 0;
        ssize_t      n;

        if (timeo >= 0)
                deadline = ouro_now() + timeo;

        for (;;) {
                double want = OURO_SLICE;
                int    fd   = self->fd;

                if (nowait) {
                        want = 0;
                } else if (timeo >= 0) {
                        double rem = deadline - ouro_now();
                        if (rem < want)
                                want = rem < 0 ? 0 : rem;
                }
                if (fd < 0) {
                        ouro_flow_not_alloc(self);
                        return IO_ERR;
                }
                if (flow_set_c_timeo(self, rd, want) < 0)
                        return IO_ERR;

                if (want == 0) { /* does not block: keep the GIL */
                        n = rd ? flow_read(fd, buf, count)
                                : flow_write(fd, buf, count);
                } else {
                        Py_BEGIN_ALLOW_THREADS
                        n = rd ? flow_read(fd, buf, count)
                                : flow_write(fd, buf, count);
                        Py_END_ALLOW_THREADS
                }
                if (n >= 0)
                        return n;
                if (n == -ETIMEDOUT || (n == -EAGAIN && want == 0)) {
                        if (nowait)
                                return IO_AGAIN;
                        if (PyErr_CheckSignals() < 0)
                                return IO_ERR;
                        if (timeo >= 0 && ouro_now() >= deadline) {
                                FLOW_ERR(self, ETIMEDOUT, what);
                                return IO_ERR;
                        }
                        continue;
                }
                if (n == -ENOTALLOC && self->fd < 0)
                        ouro_flow_not_alloc(self);
                else
                        FLOW_ERR(self, (int) n, what);
                return IO_ERR;
        }
}

/*
 * Read a whole packet of up to max bytes (max > OURO_READ_SMALL) through
 * the flow's scratch buffer, so that a small packet does not cost a
 * large allocation: one copy of what arrived into the bytes returned.
 * A second thread reading at the same time gets a buffer of its own.
 */
static PyObject * flow_read_whole(FlowObject * self,
                                  size_t       max,
                                  bool         nowait)
{
        PyObject * res = NULL;
        char *     buf;
        bool       own = false;
        ssize_t    n;

        if (self->scratch_busy || (self->scratch != NULL &&
                                   self->scratch_len < max)) {
                buf = PyMem_RawMalloc(max);
                own = true;
        } else {
                if (self->scratch == NULL) {
                        self->scratch     = PyMem_RawMalloc(max);
                        self->scratch_len = max;
                }
                buf = self->scratch;
        }
        if (buf == NULL)
                return PyErr_NoMemory();

        if (!own)
                self->scratch_busy = true;
        n = flow_io(self, true, buf, max, nowait);
        if (!own)
                self->scratch_busy = false;

        if (n == IO_AGAIN)
                res = Py_NewRef(Py_None);
        else if (n >= 0)
                res = PyBytes_FromStringAndSize(buf, n);
        if (own)
                PyMem_RawFree(buf);

        return res;
}

/*
 * Read one packet (or up to count bytes of it; OURO_READ_DEFAULT: the
 * whole packet, however large the flow lets it be). nowait: return None
 * at once when nothing is waiting (used by ouroboros.aio).
 */
static PyObject * flow_read_impl(FlowObject * self,
                                 Py_ssize_t   count,
                                 bool         nowait)
{
        PyObject * buf;
        ssize_t    n;

        if (self->fd < 0)
                return ouro_flow_not_alloc(self);

        if (self->pending != NULL)
                return flow_take_pending(self, count < 0 ? PY_SSIZE_T_MAX
                                                         : count);

        if (count < 0) {
                size_t max = 0;
                if (fccntl(self->fd, FLOWGMAXPKT, &max) < 0 || max == 0)
                        max = OURO_READ_SMALL;
                if (max > OURO_READ_SMALL)
                        return flow_read_whole(self, max, nowait);
                count = (Py_ssize_t) max;
        }

        buf = PyBytes_FromStringAndSize(NULL, count);
        if (buf == NULL)
                return NULL;

        n = flow_io(self, true, PyBytes_AS_STRING(buf), (size_t) count,
                    nowait);
        if (n < 0) {
                Py_DECREF(buf);
                if (n == IO_AGAIN)
                        Py_RETURN_NONE;
                return NULL;
        }

        if (n != count && _PyBytes_Resize(&buf, n) < 0)
                return NULL;
        return buf;
}

static PyObject * flow_read_m(FlowObject *       self,
                              PyObject * const * args,
                              Py_ssize_t         nargs,
                              PyObject *         kwnames)
{
        Py_ssize_t count = OURO_READ_DEFAULT;

        if (kwnames != NULL || nargs > 1) {
                static char * kwl[] = { "count", NULL };
                PyObject *    c     = NULL;

                if (!parse_vector(args, nargs, kwnames, "|O:read", kwl, &c) ||
                    parse_count(c, OURO_READ_DEFAULT, &count) < 0)
                        return NULL;
        } else if (nargs == 1 &&
                   parse_count(args[0], OURO_READ_DEFAULT, &count) < 0) {
                return NULL;
        }
        return flow_read_impl(self, count, false);
}

static PyObject * flow_read_nowait(FlowObject * self,
                                   PyObject *   arg)
{
        Py_ssize_t count;
        if (parse_count(arg, OURO_READ_DEFAULT, &count) < 0)
                return NULL;
        return flow_read_impl(self, count, true);
}

/* Write buf[:count]; nowait returns None when the flow cannot take it. */
static PyObject * flow_write_impl(FlowObject * self,
                                  PyObject *   obj,
                                  PyObject *   cnt,
                                  bool         nowait)
{
        Py_buffer  view;
        Py_ssize_t count;
        ssize_t    n;
        PyObject * ret = NULL;

        if (PyUnicode_Check(obj)) {
                PyErr_SetString(PyExc_TypeError,
                                "write() takes bytes-like data, not str; "
                                "use writeline() for text");
                return NULL;
        }
        if (PyObject_GetBuffer(obj, &view, PyBUF_SIMPLE) < 0)
                return NULL;
        if (parse_count(cnt, view.len, &count) < 0)
                goto out;
        if (count > view.len)   /* the seed: "up to count bytes" */
                count = view.len;
        if (self->fd < 0) {
                ouro_flow_not_alloc(self);
                goto out;
        }
        n = flow_io(self, false, view.buf, (size_t) count, nowait);
        if (n == IO_AGAIN) {
                Py_INCREF(Py_None);
                ret = Py_None;
        } else if (n >= 0) {
                ret = PyLong_FromSsize_t(n);
        }
 out:
        PyBuffer_Release(&view);
        return ret;
}

static PyObject * flow_write_m(FlowObject *       self,
                               PyObject * const * args,
                               Py_ssize_t         nargs,
                               PyObject *         kwnames)
{
        PyObject * buf = NULL;
        PyObject * cnt = NULL;

        if (kwnames == NULL && nargs >= 1 && nargs <= 2) {
                buf = args[0];
                cnt = nargs == 2 ? args[1] : NULL;
        } else {
                static char * kwl[] = { "buf", "count", NULL };

                if (!parse_vector(args, nargs, kwnames, "O|O:write", kwl,
                                  &buf, &cnt))
                        return NULL;
        }
        return flow_write_impl(self, buf, cnt, false);
}

static PyObject * flow_write_nowait(FlowObject * self,
                                    PyObject *   arg)
{
        return flow_write_impl(self, arg, NULL, true);
}

static PyObject * flow_dealloc_m(FlowObject * self,
                                 PyObject *   unused)
{
        int fd = self->fd;
        int r;

        (void) unused;
        if (fd < 0) /* double dealloc is harmless */
                Py_RETURN_NONE;
        flow_leave_sets(self);
        self->fd = -1;
        Py_CLEAR(self->pending);
        Py_BEGIN_ALLOW_THREADS
        r = flow_dealloc(fd);
        Py_END_ALLOW_THREADS
        if (r < 0 && r != -ENOTALLOC)
                return FLOW_ERR(self, r, "flow_dealloc");
        Py_RETURN_NONE;
}

static PyObject * flow_get_fd(FlowObject * self,
                              void *       closure)
{
        (void) closure;
        return PyLong_FromLong(self->fd);
}

static PyObject * flow_get_pending(FlowObject * self,
                                   void *       closure)
{
        (void) closure;
        if (self->pending == NULL)
                Py_RETURN_NONE;
        Py_INCREF(self->pending);
        return self->pending;
}

static int flow_set_pending(FlowObject * self,
                            PyObject *   v,
                            void *       closure)
{
        (void) closure;
        if (v == NULL || v == Py_None || (PyBytes_Check(v) &&
                                          PyBytes_GET_SIZE(v) == 0)) {
                Py_CLEAR(self->pending);
                return 0;
        }
        if (!PyBytes_Check(v)) {
                PyErr_SetString(PyExc_TypeError, "_pending must be bytes");
                return -1;
        }
        Py_INCREF(v);
        Py_XSETREF(self->pending, v);
        return 0;
}

static PyObject * flow_repr(FlowObject * self)
{
        if (self->fd < 0)
                return PyUnicode_FromFormat("<%s (not allocated)>",
                                            Py_TYPE(self)->tp_name);
        return PyUnicode_FromFormat("<%s fd=%d>", Py_TYPE(self)->tp_name,
                                    self->fd);
}

static PyMethodDef flow_methods[] = {
        { "read", (PyCFunction) (void (*)(void)) flow_read_m,
          METH_FASTCALL | METH_KEYWORDS,
          "read(count=None) -> bytes\n\nRead one packet, at most count "
          "bytes of it (default: the whole packet, however large; the "
          "rest of a longer packet comes with the next read).\n"
          "Raises TimeoutError (receive timeout), BlockingIOError "
          "(non-blocking, nothing waiting), FlowDownError (peer left)." },
        { "write", (PyCFunction) (void (*)(void)) flow_write_m,
          METH_FASTCALL | METH_KEYWORDS,
          "write(buf, count=None) -> int\n\nWrite up to count bytes "
          "of the bytes-like buf (default: all) as one packet: "
          "buf[:count], so a count larger than the buffer writes the "
          "whole buffer. Returns the number of bytes written." },
        { "_read_nowait", (PyCFunction) flow_read_nowait, METH_O,
          "_read_nowait(count) -> bytes or None (nothing waiting)." },
        { "_write_nowait", (PyCFunction) flow_write_nowait, METH_O,
          "_write_nowait(buf) -> int or None (no room)." },
        { "_alloc", (PyCFunction) (void (*)(void)) ouro_flow_alloc_m,
          METH_VARARGS | METH_KEYWORDS,
          "_alloc(name, qos=None, timeo=None): allocate (low level)." },
        { "_join", (PyCFunction) (void (*)(void)) ouro_flow_join_m,
          METH_VARARGS | METH_KEYWORDS,
          "_join(name, qos=None, timeo=None): join a broadcast layer." },
        { "_accept", (PyCFunction) (void (*)(void)) ouro_flow_accept_m,
          METH_VARARGS | METH_KEYWORDS,
          "_accept(timeo=None) -> qos tuple: accept (low level)." },
        { "dealloc", (PyCFunction) flow_dealloc_m, METH_NOARGS,
          "dealloc() -> None\n\nRelease the flow; the peer is told at "
          "once. Calling it again is harmless." },
        { "set_rcv_timeout", (PyCFunction) ouro_flow_set_rcv, METH_O,
          "set_rcv_timeout(timeo) -> None\n\nTimeout in seconds for "
          "blocking reads; None blocks forever." },
        { "set_snd_timeout", (PyCFunction) ouro_flow_set_snd, METH_O,
          "set_snd_timeout(timeo) -> None\n\nTimeout in seconds for "
          "blocking writes; None blocks forever." },
        { "get_rcv_timeout", (PyCFunction) ouro_flow_get_rcv, METH_NOARGS,
          "get_rcv_timeout() -> float or None (blocking)." },
        { "get_snd_timeout", (PyCFunction) ouro_flow_get_snd, METH_NOARGS,
          "get_snd_timeout() -> float or None (blocking)." },
        { "_get_qos", (PyCFunction) ouro_flow_get_qos_m, METH_NOARGS,
          "_get_qos() -> 9-tuple (low level)." },
        { "get_rx_queue_len", (PyCFunction) ouro_flow_rxqlen, METH_NOARGS,
          "get_rx_queue_len() -> int\n\nPackets waiting to be read." },
        { "get_tx_queue_len", (PyCFunction) ouro_flow_txqlen, METH_NOARGS,
          "get_tx_queue_len() -> int\n\nPackets written but not yet "
          "taken by the peer / lower layer." },
        { "_set_flags", (PyCFunction) ouro_flow_set_flags_m, METH_O,
          "_set_flags(int) (low level)." },
        { "_get_flags", (PyCFunction) ouro_flow_get_flags_m, METH_NOARGS,
          "_get_flags() -> int (low level)." },
        { "_set_frct_flags", (PyCFunction) ouro_flow_set_frct_m, METH_O,
          "_set_frct_flags(int) (low level)." },
        { "_get_frct_flags", (PyCFunction) ouro_flow_get_frct_m, METH_NOARGS,
          "_get_frct_flags() -> int (low level)." },
        { "get_max_packet", (PyCFunction) ouro_flow_max_pkt_m, METH_NOARGS,
          "get_max_packet() -> int\n\nThe largest write on this flow "
          "(FLOWGMAXPKT): a packet on a raw flow, a message (16 MiB by "
          "default) on an in-order or reliable one." },
        { NULL, NULL, 0, NULL }
};

static PyMemberDef flow_members[] = {
        { "__weaklistoffset__", T_PYSSIZET,
          offsetof(FlowObject, weakrefs), READONLY, NULL },
        { "__dictoffset__", T_PYSSIZET,
          offsetof(FlowObject, dict), READONLY, NULL },
        { NULL, 0, 0, 0, NULL }
};

static PyGetSetDef flow_getset[] = {
        { "fd", (getter) flow_get_fd, NULL,
          "The flow descriptor, -1 when not allocated.", NULL },
        { "_pending", (getter) flow_get_pending, (setter) flow_set_pending,
          "Bytes left over by readline(count) (internal).", NULL },
        { NULL, NULL, NULL, NULL, NULL }
};

static PyType_Slot flow_slots[] = {
        { Py_tp_new, flow_new },
        { Py_tp_dealloc, flow_dealloc_type },
        { Py_tp_traverse, flow_traverse },
        { Py_tp_clear, flow_clear },
        { Py_tp_methods, flow_methods },
        { Py_tp_members, flow_members },
        { Py_tp_getset, flow_getset },
        { Py_tp_repr, flow_repr },
        { Py_tp_doc, "Flow base type (use ouroboros.dev.Flow)." },
        { 0, NULL }
};

PyType_Spec ouro_flow_spec = {
        .name      = "ouroboros._dev.Flow",
        .basicsize = sizeof(FlowObject),
        .flags     = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE |
                     Py_TPFLAGS_HAVE_GC,
        .slots     = flow_slots,
};
