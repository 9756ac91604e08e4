/*
 * pyOuroboros - FlowSet and FEventQueue: wait for events on many flows.
 *
 * A FlowSet owns an fset_t and a dict fd -> Flow so that FEventQueue.next
 * returns the very Flow object that was added. A Flow remembers the sets
 * holding it (a short list) and leaves them when deallocated, so a reused
 * fd never reports events to a stale set entry. Everything is O(1) per
 * flow and per event; no kernel fd per flow.
 */
#include "pyouro.h"

#include <structmember.h>

#include <string.h>

#define FSET_ERR(self, err, what) \
        ouro_set_err(ouro_state_of_type(Py_TYPE(self)), (err), (what))

static int fset_check(FlowSetObject * self)
{
        if (self->set == NULL) {
                PyErr_SetString(PyExc_ValueError,
                                "FlowSet has been destroyed");
                return -1;
        }
        return 0;
}

static FlowObject * as_flow(PyObject * self,
                            PyObject * o)
{
        ouro_state * st = ouro_state_of_type(Py_TYPE(self));

        if (st == NULL)
                return NULL;
        if (!PyObject_TypeCheck(o, st->flow_type)) {
                PyErr_Format(PyExc_TypeError, "expected a Flow, not %.100s",
                             Py_TYPE(o)->tp_name);
                return NULL;
        }
        return (FlowObject *) o;
}

static PyObject * fset_add_m(FlowSetObject * self,
                             PyObject *      o)
{
        FlowObject * f = as_flow((PyObject *) self, o);
        PyObject *   key;
        int          r;

        if (f == NULL || fset_check(self) < 0)
                return NULL;
        if (f->fd < 0) {
                ouro_state * st = ouro_state_of_type(Py_TYPE(self));
                if (st != NULL)
                        PyErr_SetString(st->dealloc_error,
                                        "cannot add a flow that is not "
                                        "allocated");
                return NULL;
        }
        key = PyLong_FromLong(f->fd);
        if (key == NULL)
                return NULL;
        r = PyDict_Contains(self->flows, key);
        if (r != 0) {
                Py_DECREF(key);
                if (r < 0)
                        return NULL;
                Py_RETURN_NONE; /* already in the set */
        }
        r = fset_add(self->set, f->fd);
        if (r < 0) {
                Py_DECREF(key);
                return FSET_ERR(self, r, "fset_add");
        }
        if (PyDict_SetItem(self->flows, key, o) < 0)
                goto fail;
        if (f->sets == NULL && (f->sets = PyList_New(0)) == NULL)
                goto fail_dict;
        if (PyList_Append(f->sets, (PyObject *) self) < 0)
                goto fail_dict;
        Py_DECREF(key);
        Py_RETURN_NONE;
 fail_dict:
        PyDict_DelItem(self->flows, key);
 fail:
        fset_del(self->set, f->fd);
        Py_DECREF(key);
        return NULL;
}

/* Remove flow f from set (called by the Flow on dealloc too). */
int ouro_fset_drop_flow(PyObject *   set,
                        FlowObject * f)
{
        FlowSetObject * self = (FlowSetObject *) set;
        PyObject *      key;
        int             r = 0;

        if (f->fd < 0 || self->flows == NULL)
                return 0;
        if (self->set != NULL)
                fset_del(self->set, f->fd);
        key = PyLong_FromLong(f->fd);
        if (key == NULL)
                return -1;
        if (PyDict_GetItemWithError(self->flows, key) == (PyObject *) f)
                r = PyDict_DelItem(self->flows, key);
        Py_DECREF(key);
        if (r < 0)
                PyErr_Clear();
        return r;
}

static PyObject * fset_remove_m(FlowSetObject * self,
                                PyObject *      o)
{
        FlowObject * f = as_flow((PyObject *) self, o);

        if (f == NULL || fset_check(self) < 0)
                return NULL;
        ouro_fset_drop_flow((PyObject *) self, f);
        if (ouro_flow_remove_set(f, (PyObject *) self) < 0)
                return NULL;
        Py_RETURN_NONE;
}

static int fset_forget_all(FlowSetObject * self,
                           bool            fresh)
{
        PyObject * k;
        PyObject * v;
        Py_ssize_t pos = 0;

        if (self->flows == NULL)
                return 0;
        while (PyDict_Next(self->flows, &pos, &k, &v))
                ouro_flow_remove_set((FlowObject *) v, (PyObject *) self);
        /* a fresh dict: an FEventQueue filled before keeps the old one,
         * so its events still name their flows (the seed's example
         * takes events after the with block destroyed the set) */
        if (fresh) {
                PyObject * d = PyDict_New();
                if (d == NULL)
                        return -1;
                Py_SETREF(self->flows, d);
        } else {
                PyDict_Clear(self->flows);
        }
        return 0;
}

static PyObject * fset_zero_m(FlowSetObject * self,
                              PyObject *      unused)
{
        (void) unused;
        if (fset_check(self) < 0)
                return NULL;
        if (fset_forget_all(self, true) < 0)
                return NULL;
        fset_zero(self->set);
        Py_RETURN_NONE;
}

static PyObject * fset_destroy_m(FlowSetObject * self,
                                 PyObject *      unused)
{
        (void) unused;
        if (self->set == NULL) /* destroying twice is harmless */
                Py_RETURN_NONE;
        if (fset_forget_all(self, true) < 0)
                return NULL;
        if (self->waiters > 0) /* in use by fevent: the last waiter frees */
                self->dead = self->set;
        else
                fset_destroy(self->set);
        self->set = NULL;
        Py_RETURN_NONE;
}

static PyObject * fset_has_m(FlowSetObject * self,
                             PyObject *      o)
{
        FlowObject * f = as_flow((PyObject *) self, o);

        if (f == NULL || fset_check(self) < 0)
                return NULL;
        if (f->fd < 0)
                Py_RETURN_FALSE;
        return PyBool_FromLong(fset_has(self->set, f->fd));
}

static int fset_contains(FlowSetObject * self,
                         PyObject *      o)
{
        PyObject * r = fset_has_m(self, o);
        int        b;

        if (r == NULL)
                return -1;
        b = r == Py_True;
        Py_DECREF(r);
        return b;
}

static Py_ssize_t fset_len(FlowSetObject * self)
{
        return self->flows ? PyDict_GET_SIZE(self->flows) : 0;
}

static PyObject * fset_iter(FlowSetObject * self)
{
        PyObject * vals;
        PyObject * it;

        /* iterate over a snapshot: the set may change while iterating */
        vals = self->flows ? PyDict_Values(self->flows) : PyList_New(0);
        if (vals == NULL)
                return NULL;
        it = PyObject_GetIter(vals);
        Py_DECREF(vals);
        return it;
}

/* A wait ends: the last one frees a set destroyed meanwhile. */
static void fset_unwait(FlowSetObject * self)
{
        if (--self->waiters == 0 && self->dead != NULL) {
                fset_destroy(self->dead);
                self->dead = NULL;
        }
}

static PyObject * fset_wait_m(FlowSetObject * self,
                              PyObject *      args,
                              PyObject *      kw)
{
        static char *       kwl[] = { "fq", "timeo", NULL };
        PyObject *          fqo;
        PyObject *          to = Py_None;
        FEventQueueObject * fq;
        ouro_state *        st;
        double              timeo;
        double              deadline = 0;
        ssize_t             n;

        if (!PyArg_ParseTupleAndKeywords(args, kw, "O|O:wait", kwl,
                                         &fqo, &to))
                return NULL;
        st = ouro_state_of_type(Py_TYPE(self));
        if (st == NULL)
                return NULL;
        if (!PyObject_TypeCheck(fqo, st->fqueue_type)) {
                PyErr_Format(PyExc_TypeError,
                             "expected an FEventQueue, not %.100s",
                             Py_TYPE(fqo)->tp_name);
                return NULL;
        }
        fq = (FEventQueueObject *) fqo;
        if (ouro_parse_timeo(to, &timeo) < 0 || fset_check(self) < 0)
                return NULL;
        if (fq->busy) { /* fevent would fill it from two threads */
                PyErr_SetString(PyExc_RuntimeError,
                                "FEventQueue is in use by another wait");
                return NULL;
        }
        if (timeo >= 0)
                deadline = ouro_now() + timeo;

        Py_INCREF(self); /* stay alive while the GIL is released */
        Py_INCREF(fq);
        self->waiters++; /* destroy() defers fset_destroy to us */
        fq->busy = true;
        for (;;) {
                double          want = OURO_SLICE;
                struct timespec ts;
                fset_t *        set = self->set;

                if (set == NULL) {
                        fset_check(self);
                        goto fail;
                }
                if (timeo >= 0) {
                        double rem = deadline - ouro_now();
                        if (rem < want)
                                want = rem < 0 ? 0 : rem;
                }
                ouro_ts(want, &ts);
                Py_BEGIN_ALLOW_THREADS
                n = fevent(set, fq->fq, &ts);
                Py_END_ALLOW_THREADS
                if (n > 0)
                        break;
                if (n == 0 || n == -ETIMEDOUT || n == -EAGAIN) {
                        if (PyErr_CheckSignals() < 0)
                                goto fail;
                        if (timeo >= 0 && ouro_now() >= deadline) {
                                ouro_set_err(st, ETIMEDOUT, "FlowSet.wait");
                                goto fail;
                        }
                        continue;
                }
                ouro_set_err(st, (int) n, "fevent");
                goto fail;
        }
        if (self->set == NULL) { /* destroyed while we waited */
                fset_check(self);
                goto fail;
        }
        fset_unwait(self);
        fq->busy = false;
        Py_INCREF(self->flows);
        Py_XSETREF(fq->owner, self->flows);
        fq->left = n;
        Py_DECREF(fq);
        Py_DECREF(self);
        return PyLong_FromSsize_t(n);
 fail:
        fset_unwait(self);
        fq->busy = false;
        Py_DECREF(fq);
        Py_DECREF(self);
        return NULL;
}

static PyObject * fset_new(PyTypeObject * tp,
                           PyObject *     args,
                           PyObject *     kw)
{
        FlowSetObject * self;

        (void) args;
        (void) kw;
        self = (FlowSetObject *) tp->tp_alloc(tp, 0);
        if (self == NULL)
                return NULL;
        self->flows = PyDict_New();
        if (self->flows == NULL) {
                Py_DECREF(self);
                return NULL;
        }
        self->set = fset_create();
        if (self->set == NULL) {
                Py_DECREF(self);
                return PyErr_NoMemory();
        }
        return (PyObject *) self;
}

static int fset_init(FlowSetObject * self,
                     PyObject *      args,
                     PyObject *      kw)
{
        static char * kwl[] = { "flows", NULL };
        PyObject *    flows = Py_None;
        PyObject *    it;
        PyObject *    o;

        if (!PyArg_ParseTupleAndKeywords(args, kw, "|O:FlowSet", kwl, &flows))
                return -1;
        if (flows == Py_None)
                return 0;
        it = PyObject_GetIter(flows);
        if (it == NULL)
                return -1;
        while ((o = PyIter_Next(it)) != NULL) {
                PyObject * r = fset_add_m(self, o);
                Py_DECREF(o);
                if (r == NULL) {
                        Py_DECREF(it);
                        return -1;
                }
                Py_DECREF(r);
        }
        Py_DECREF(it);
        return PyErr_Occurred() ? -1 : 0;
}

static int fset_traverse(FlowSetObject * self,
                         visitproc       visit,
                         void *          arg)
{
        Py_VISIT(Py_TYPE(self));
        Py_VISIT(self->flows);
        return 0;
}

static int fset_clear(FlowSetObject * self)
{
        Py_CLEAR(self->flows);
        return 0;
}

static void fset_dealloc(FlowSetObject * self)
{
        PyTypeObject * tp = Py_TYPE(self);

        PyObject_GC_UnTrack(self);
        if (self->weakrefs != NULL)
                PyObject_ClearWeakRefs((PyObject *) self);
        fset_forget_all(self, false);
        if (self->set != NULL)
                fset_destroy(self->set);
        fset_clear(self);
        tp->tp_free((PyObject *) self);
        Py_DECREF(tp);
}

static PyObject * fset_enter(PyObject * self,
                             PyObject * unused)
{
        (void) unused;
        Py_INCREF(self);
        return self;
}

static PyObject * fset_exit(FlowSetObject * self,
                            PyObject *      args)
{
        PyObject * r = fset_destroy_m(self, NULL);
        (void) args;
        if (r == NULL)
                return NULL;
        Py_DECREF(r);
        Py_RETURN_FALSE;
}

static PyMethodDef fset_methods[] = {
        { "add", (PyCFunction) fset_add_m, METH_O,
          "add(flow) -> None\n\nAdd an allocated Flow to the set." },
        { "remove", (PyCFunction) fset_remove_m, METH_O,
          "remove(flow) -> None\n\nRemove a Flow (no error if absent)." },
        { "zero", (PyCFunction) fset_zero_m, METH_NOARGS,
          "zero() -> None\n\nRemove all flows." },
        { "has", (PyCFunction) fset_has_m, METH_O,
          "has(flow) -> bool" },
        { "wait", (PyCFunction) (void (*)(void)) fset_wait_m,
          METH_VARARGS | METH_KEYWORDS,
          "wait(fq, timeo=None) -> int\n\nWait until a flow in the set "
          "has an event and fill the FEventQueue fq; returns the number "
          "of events. Raises TimeoutError when timeo (seconds) passes." },
        { "destroy", (PyCFunction) fset_destroy_m, METH_NOARGS,
          "destroy() -> None\n\nRelease the set (harmless if repeated)." },
        { "__enter__", (PyCFunction) fset_enter, METH_NOARGS, NULL },
        { "__exit__", (PyCFunction) fset_exit, METH_VARARGS, NULL },
        { NULL, NULL, 0, NULL }
};

static PyMemberDef fset_members[] = {
        { "__weaklistoffset__", T_PYSSIZET,
          offsetof(FlowSetObject, weakrefs), READONLY, NULL },
        { NULL, 0, 0, 0, NULL }
};

static PyType_Slot fset_slots[] = {
        { Py_tp_new, fset_new },
        { Py_tp_init, fset_init },
        { Py_tp_dealloc, fset_dealloc },
        { Py_tp_traverse, fset_traverse },
        { Py_tp_clear, fset_clear },
        { Py_tp_methods, fset_methods },
        { Py_tp_members, fset_members },
        { Py_tp_iter, fset_iter },
        { Py_sq_contains, fset_contains },
        { Py_sq_length, fset_len },
        { Py_mp_length, fset_len },
        { Py_tp_doc,
          "FlowSet(flows=None)\n\nA set of flows to wait on together. "
          "Use as a context manager, or call destroy()." },
        { 0, NULL }
};

PyType_Spec ouro_fset_spec = {
        .name      = "ouroboros._dev.FlowSet",
        .basicsize = sizeof(FlowSetObject),
        .flags     = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE |
                     Py_TPFLAGS_HAVE_GC,
        .slots     = fset_slots,
};

/* ---- FEventQueue ----------------------------------------------------- */

static PyObject * fq_new(PyTypeObject * tp,
                         PyObject *     args,
                         PyObject *     kw)
{
        FEventQueueObject * self;

        (void) args;
        (void) kw;
        self = (FEventQueueObject *) tp->tp_alloc(tp, 0);
        if (self == NULL)
                return NULL;
        self->fq = fqueue_create();
        if (self->fq == NULL) {
                Py_DECREF(self);
                return PyErr_NoMemory();
        }
        return (PyObject *) self;
}

static PyObject * fq_next_m(FEventQueueObject * self,
                            PyObject *          unused)
{
        ouro_state * st;

        (void) unused;
        if (self->busy) {
                PyErr_SetString(PyExc_RuntimeError,
                                "FEventQueue is being filled by a wait");
                return NULL;
        }
        if (self->owner == NULL)
                Py_RETURN_NONE;
        st = ouro_state_of_type(Py_TYPE(self));
        if (st == NULL)
                return NULL;
        for (;;) {
                PyObject *      owner = self->owner; /* fd -> Flow */
                PyObject *      key;
                PyObject *      flow;
                PyObject *      ev;
                int             fd = fqueue_next(self->fq);
                int             t;

                if (fd < 0) {
                        self->left = 0;
                        Py_RETURN_NONE;
                }
                t = fqueue_type(self->fq);
                if (self->left > 0)
                        self->left--;
                key = PyLong_FromLong(fd);
                if (key == NULL)
                        return NULL;
                flow = PyDict_GetItemWithError(owner, key);
                Py_DECREF(key);
                if (flow == NULL) {
                        if (PyErr_Occurred())
                                return NULL;
                        continue; /* removed since the wait */
                }
                if (((FlowObject *) flow)->fd != fd)
                        continue;
                /* FEventType(t) runs Python code that may drop the dict's
                 * reference (remove, zero, another thread): hold one */
                Py_INCREF(flow);
                ev = PyObject_CallFunction(st->event_type, "i", t);
                if (ev == NULL) {
                        Py_DECREF(flow);
                        return NULL;
                }
                return Py_BuildValue("(NN)", flow, ev);
        }
}

static PyObject * fq_iternext(FEventQueueObject * self)
{
        PyObject * r = fq_next_m(self, NULL);

        if (r == Py_None) {
                Py_DECREF(r);
                return NULL; /* StopIteration */
        }
        return r;
}

static PyObject * fq_iter(PyObject * self)
{
        Py_INCREF(self);
        return self;
}

static Py_ssize_t fq_len(FEventQueueObject * self)
{
        return self->left;
}

static int fq_traverse(FEventQueueObject * self,
                       visitproc           visit,
                       void *              arg)
{
        Py_VISIT(Py_TYPE(self));
        Py_VISIT(self->owner);
        return 0;
}

static int fq_clear(FEventQueueObject * self)
{
        Py_CLEAR(self->owner);
        return 0;
}

static void fq_dealloc(FEventQueueObject * self)
{
        PyTypeObject * tp = Py_TYPE(self);

        PyObject_GC_UnTrack(self);
        fq_clear(self);
        if (self->fq != NULL)
                fqueue_destroy(self->fq);
        tp->tp_free((PyObject *) self);
        Py_DECREF(tp);
}

static PyMethodDef fq_methods[] = {
        { "next", (PyCFunction) fq_next_m, METH_NOARGS,
          "next() -> (Flow, FEventType) or None\n\nThe next event: the "
          "Flow object that was added to the FlowSet and the event type; "
          "None when no event is left. The queue is also iterable: "
          "for f, t in fq: ..." },
        { NULL, NULL, 0, NULL }
};

static PyType_Slot fq_slots[] = {
        { Py_tp_new, fq_new },
        { Py_tp_dealloc, fq_dealloc },
        { Py_tp_traverse, fq_traverse },
        { Py_tp_clear, fq_clear },
        { Py_tp_methods, fq_methods },
        { Py_tp_iter, fq_iter },
        { Py_tp_iternext, fq_iternext },
        { Py_sq_length, fq_len },
        { Py_tp_doc,
          "FEventQueue()\n\nEvents filled in by FlowSet.wait(); take them "
          "with next() or by iterating." },
        { 0, NULL }
};

PyType_Spec ouro_fqueue_spec = {
        .name      = "ouroboros._dev.FEventQueue",
        .basicsize = sizeof(FEventQueueObject),
        .flags     = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE |
                     Py_TPFLAGS_HAVE_GC,
        .slots     = fq_slots,
};
