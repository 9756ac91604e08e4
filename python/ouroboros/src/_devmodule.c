/*
 * pyOuroboros - the _dev extension module: module definition and state,
 * mapping of negative errnos to the exceptions of ouroboros.errors,
 * timeout and QoS conversions shared by the types in flow.c and fset.c.
 *
 * Multi-phase init (PEP 489), heap types, no C globals: the module may be
 * loaded in several interpreters.
 */
#include "pyouro.h"

#include <limits.h>
#include <string.h>

ouro_state * ouro_state_of_mod(PyObject * mod)
{
        return (ouro_state *) PyModule_GetState(mod);
}

#if PY_VERSION_HEX < 0x030B0000
/* PyType_GetModuleByDef is 3.11+: walk the MRO for our heap types. */
static PyObject * PyType_GetModuleByDef(PyTypeObject * tp,
                                        PyModuleDef *  def)
{
        PyObject * mro = tp->tp_mro;
        Py_ssize_t i;

        for (i = 0; mro != NULL && i < PyTuple_GET_SIZE(mro); i++) {
                PyTypeObject * t = (PyTypeObject *) PyTuple_GET_ITEM(mro, i);
                PyObject *     m;

                if (!(t->tp_flags & Py_TPFLAGS_HEAPTYPE))
                        continue;
                m = PyType_GetModule(t);
                if (m == NULL) {
                        PyErr_Clear();
                        continue;
                }
                if (PyModule_GetDef(m) == def)
                        return m;
        }
        PyErr_SetString(PyExc_TypeError, "not a type of ouroboros._dev");
        return NULL;
}
#endif

ouro_state * ouro_state_of_type(PyTypeObject * tp)
{
        PyObject * mod = PyType_GetModuleByDef(tp, &ouro_module_def);
        if (mod == NULL)
                return NULL;
        return ouro_state_of_mod(mod);
}

static const char * ouro_strerror(int err)
{
        switch (err) {
        case ENOTALLOC:
                return "flow is not allocated";
        case EIPCPTYPE:
                return "no IPCP of a suitable type (e.g. no broadcast layer)";
        case EIRMD:
                return "cannot reach the IRMd (is irmd running, is "
                       "OUROBOROS_RUNDIR right?)";
        case EIPCP:
                return "failed to communicate with the IPCP";
        case EIPCPSTATE:
                return "IPCP is in the wrong state";
        case EFLOWDOWN:
                return "flow is down (the peer left or deallocated)";
        case EFLOWPEER:
                return "flow peer is unresponsive";
        case ENAME:
                return "naming error (name unknown or not reachable)";
        case ECRYPT:
                return "cryptographic error";
        case ETIMEDOUT:
                return "timed out (the IRMd or the peer did not answer in "
                       "time)";
        case EAGAIN:
                return "no data / no room, and the flow is non-blocking";
        default:
                return strerror(err);
        }
}

/* The exception class for errno err (borrowed), NULL on error. */
PyObject * ouro_err_class(ouro_state * st,
                          int          err)
{
        PyObject * key;
        PyObject * cls;

        key = PyLong_FromLong(err < 0 ? -err : err);
        if (key == NULL)
                return NULL;
        cls = PyDict_GetItemWithError(st->err_map, key); /* borrowed */
        Py_DECREF(key);
        if (cls == NULL && !PyErr_Occurred())
                cls = st->base_error;
        return cls;
}

/* Sets the exception for errno err (either sign) and returns NULL. */
PyObject * ouro_set_err(ouro_state * st,
                        int          err,
                        const char * what)
{
        char msg[256];

        snprintf(msg, sizeof(msg), "%s: %s", what,
                 ouro_strerror(err < 0 ? -err : err));

        return ouro_set_err_text(st, err, msg);
}

PyObject * ouro_set_err_text(ouro_state * st,
                             int          err,
                             const char * msg)
{
        PyObject * cls;
        PyObject * exc;

        if (err < 0)
                err = -err;

        if (st == NULL)
                return NULL;

        cls = ouro_err_class(st, err);
        if (cls == NULL)
                return NULL;

        exc = PyObject_CallFunction(cls, "is", err, msg);
        if (exc == NULL)
                return NULL;
        PyErr_SetObject((PyObject *) Py_TYPE(exc), exc);
        Py_DECREF(exc);
        return NULL;
}

double ouro_now(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

void ouro_ts(double s, struct timespec * ts)
{
        if (s < 0)
                s = 0;
        ts->tv_sec  = (time_t) s;
        ts->tv_nsec = (long) ((s - (double) ts->tv_sec) * 1e9);
        if (ts->tv_nsec >= 1000000000L) {
                ts->tv_sec++;
                ts->tv_nsec -= 1000000000L;
        }
}

/* None -> -1 (block); a non-negative real number of seconds otherwise. */
int ouro_parse_timeo(PyObject * o,
                     double *   out)
{
        double d;

        if (o == NULL || o == Py_None) {
                *out = -1;
                return 0;
        }
        if (PyBool_Check(o) || !(PyFloat_Check(o) || PyLong_Check(o))) {
                PyErr_Format(PyExc_TypeError,
                             "timeout must be None or a number of seconds, "
                             "not %.100s", Py_TYPE(o)->tp_name);
                return -1;
        }
        d = PyFloat_AsDouble(o);
        if (d == -1 && PyErr_Occurred())
                return -1;
        if (!(d >= 0) || d > 1e9) {
                PyErr_SetString(PyExc_ValueError,
                                "timeout must be >= 0 seconds (or None to "
                                "block)");
                return -1;
        }
        *out = d;
        return 0;
}

PyObject * ouro_qos_to_tuple(const qosspec_t * qs)
{
        return Py_BuildValue("(kKkkkkkkk)",
                             (unsigned long) qs->delay,
                             (unsigned long long) qs->bandwidth,
                             (unsigned long) qs->availability,
                             (unsigned long) qs->loss,
                             (unsigned long) qs->ber,
                             (unsigned long) qs->in_order,
                             (unsigned long) qs->max_gap,
                             (unsigned long) qs->cypher_s,
                             (unsigned long) qs->timeout);
}

static int qos_field(PyObject *          seq,
                     Py_ssize_t          i,
                     unsigned long long  max,
                     unsigned long long * out)
{
        PyObject *         v = PySequence_Fast_GET_ITEM(seq, i);
        unsigned long long x;

        if (!PyLong_Check(v) || PyBool_Check(v)) {
                PyErr_Format(PyExc_TypeError,
                             "QoS field %zd must be an int, not %.100s",
                             i, Py_TYPE(v)->tp_name);
                return -1;
        }
        x = PyLong_AsUnsignedLongLong(v);
        if (x == (unsigned long long) -1 && PyErr_Occurred()) {
                PyErr_Clear();
                PyErr_Format(PyExc_ValueError,
                             "QoS field %zd out of range", i);
                return -1;
        }
        if (x > max) {
                PyErr_Format(PyExc_ValueError,
                             "QoS field %zd out of range (max %llu)", i, max);
                return -1;
        }
        *out = x;
        return 0;
}

/* o: None (qos_raw) or a sequence of the nine fields in C order. */
int ouro_qos_from_obj(PyObject *  o,
                      qosspec_t * qs)
{
        PyObject *         seq;
        unsigned long long v[9];
        static const unsigned long long max[9] = {
                UINT32_MAX, UINT64_MAX, UINT8_MAX, UINT32_MAX, UINT32_MAX,
                UINT8_MAX, UINT32_MAX, UINT16_MAX, UINT32_MAX
        };
        Py_ssize_t         i;

        if (o == NULL || o == Py_None) {
                *qs = qos_raw;
                return 0;
        }
        seq = PySequence_Fast(o, "qos must be a sequence of 9 ints");
        if (seq == NULL)
                return -1;
        if (PySequence_Fast_GET_SIZE(seq) != 9) {
                Py_DECREF(seq);
                PyErr_SetString(PyExc_ValueError,
                                "qos must have exactly 9 fields");
                return -1;
        }
        for (i = 0; i < 9; i++) {
                if (qos_field(seq, i, max[i], &v[i]) < 0) {
                        Py_DECREF(seq);
                        return -1;
                }
        }
        Py_DECREF(seq);

        memset(qs, 0, sizeof(*qs));
        qs->delay        = (uint32_t) v[0];
        qs->bandwidth    = (uint64_t) v[1];
        qs->availability = (uint8_t) v[2];
        qs->loss         = (uint32_t) v[3];
        qs->ber          = (uint32_t) v[4];
        qs->in_order     = (uint8_t) v[5];
        qs->max_gap      = (uint32_t) v[6];
        qs->cypher_s     = (uint16_t) v[7];
        qs->timeout      = (uint32_t) v[8];
        return 0;
}

static PyObject * mod_strerror(PyObject * self,
                               PyObject * arg)
{
        long err = PyLong_AsLong(arg);
        (void) self;
        if (err == -1 && PyErr_Occurred())
                return NULL;
        if (err < -INT_MAX || err > INT_MAX) {
                PyErr_SetString(PyExc_OverflowError, "errno out of range");
                return NULL;
        }
        if (err < 0)
                err = -err;
        return PyUnicode_FromString(ouro_strerror((int) err));
}

static PyObject * mod_qos_presets(PyObject * self,
                                  PyObject * unused)
{
        PyObject * d = PyDict_New();
        struct { const char * n; const qosspec_t * q; } p[] = {
                { "raw",               &qos_raw },
                { "raw_no_errors",     &qos_raw_no_errors },
                { "raw_crypt",         &qos_raw_crypt },
                { "best_effort",       &qos_best_effort },
                { "best_effort_crypt", &qos_best_effort_crypt },
                { "video",             &qos_video },
                { "video_crypt",       &qos_video_crypt },
                { "voice",             &qos_voice },
                { "voice_crypt",       &qos_voice_crypt },
                { "data",              &qos_data },
                { "data_crypt",        &qos_data_crypt },
        };
        size_t i;

        (void) self;
        (void) unused;
        if (d == NULL)
                return NULL;
        for (i = 0; i < sizeof(p) / sizeof(p[0]); i++) {
                PyObject * t = ouro_qos_to_tuple(p[i].q);
                if (t == NULL || PyDict_SetItemString(d, p[i].n, t) < 0) {
                        Py_XDECREF(t);
                        Py_DECREF(d);
                        return NULL;
                }
                Py_DECREF(t);
        }
        return d;
}

static PyMethodDef mod_methods[] = {
        { "strerror", mod_strerror, METH_O,
          "strerror(err) -> str: text for an (Ouroboros) errno." },
        { "qos_presets", mod_qos_presets, METH_NOARGS,
          "qos_presets() -> dict: the C library's qosspec_t presets "
          "as 9-tuples." },
        { NULL, NULL, 0, NULL }
};

static int add_int(PyObject * m, const char * n, long v)
{
        return PyModule_AddIntConstant(m, n, v);
}

static int add_constants(PyObject * m)
{
        if (add_int(m, "FLOWFRDONLY", FLOWFRDONLY) < 0 ||
            add_int(m, "FLOWFWRONLY", FLOWFWRONLY) < 0 ||
            add_int(m, "FLOWFRDWR", FLOWFRDWR) < 0 ||
            add_int(m, "FLOWFACCMODE", FLOWFACCMODE) < 0 ||
            add_int(m, "FLOWFDOWN", FLOWFDOWN) < 0 ||
            add_int(m, "FLOWFRNOBLOCK", FLOWFRNOBLOCK) < 0 ||
            add_int(m, "FLOWFWNOBLOCK", FLOWFWNOBLOCK) < 0 ||
            add_int(m, "FLOWFNONBLOCK", FLOWFNONBLOCK) < 0 ||
            add_int(m, "FLOWFRNOPART", FLOWFRNOPART) < 0 ||
            add_int(m, "FLOWFWNOPART", FLOWFWNOPART) < 0 ||
            add_int(m, "FLOWFDEFAULT", FLOWFDEFAULT) < 0 ||
            add_int(m, "FLOWFINVALID", FLOWFINVALID) < 0 ||
            add_int(m, "FRCTFRTX", FRCTFRTX) < 0 ||
            add_int(m, "FRCTFRESCNTL", FRCTFRESCNTL) < 0 ||
            add_int(m, "FRCTFLINGER", FRCTFLINGER) < 0 ||
            add_int(m, "FLOW_PKT", FLOW_PKT) < 0 ||
            add_int(m, "FLOW_DOWN", FLOW_DOWN) < 0 ||
            add_int(m, "FLOW_UP", FLOW_UP) < 0 ||
            add_int(m, "FLOW_ALLOC", FLOW_ALLOC) < 0 ||
            add_int(m, "FLOW_DEALLOC", FLOW_DEALLOC) < 0 ||
            add_int(m, "FLOW_PEER", FLOW_PEER) < 0 ||
            add_int(m, "ENOTALLOC", ENOTALLOC) < 0 ||
            add_int(m, "EIPCPTYPE", EIPCPTYPE) < 0 ||
            add_int(m, "EIRMD", EIRMD) < 0 ||
            add_int(m, "EIPCP", EIPCP) < 0 ||
            add_int(m, "EIPCPSTATE", EIPCPSTATE) < 0 ||
            add_int(m, "EFLOWDOWN", EFLOWDOWN) < 0 ||
            add_int(m, "EFLOWPEER", EFLOWPEER) < 0 ||
            add_int(m, "ENAME", ENAME) < 0 ||
            add_int(m, "ECRYPT", ECRYPT) < 0 ||
            add_int(m, "DEFAULT_PEER_TIMEOUT", DEFAULT_PEER_TIMEOUT) < 0 ||
            add_int(m, "READ_DEFAULT", OURO_READ_DEFAULT) < 0 ||
            add_int(m, "IPCP_LOCAL", IPCP_LOCAL) < 0 ||
            add_int(m, "IPCP_UNICAST", IPCP_UNICAST) < 0 ||
            add_int(m, "IPCP_BROADCAST", IPCP_BROADCAST) < 0 ||
            add_int(m, "IPCP_UDP4", IPCP_UDP4) < 0 ||
            add_int(m, "IPCP_UDP6", IPCP_UDP6) < 0 ||
            add_int(m, "IPCP_ETH_LLC", IPCP_ETH_LLC) < 0 ||
            add_int(m, "IPCP_ETH_DIX", IPCP_ETH_DIX) < 0 ||
            add_int(m, "IPCP_INVALID", IPCP_INVALID) < 0)
                return -1;
        return PyModule_AddObject(m, "SLICE", PyFloat_FromDouble(OURO_SLICE));
}

static int add_type(PyObject *      m,
                    PyType_Spec *   spec,
                    PyTypeObject ** out)
{
        PyObject * t = PyType_FromModuleAndSpec(m, spec, NULL);
        if (t == NULL)
                return -1;
        *out = (PyTypeObject *) t;
        return PyModule_AddType(m, (PyTypeObject *) t);
}

static int load_errors(PyObject *   m,
                       ouro_state * st)
{
        PyObject * errors;
        PyObject * enums;

        errors = PyImport_ImportModule("ouroboros.errors");
        if (errors == NULL)
                return -1;
        st->base_error    = PyObject_GetAttrString(errors, "OuroborosError");
        st->dealloc_error = PyObject_GetAttrString(errors,
                                                   "FlowDeallocatedError");
        st->err_map       = PyObject_GetAttrString(errors, "ERRNO_MAP");
        Py_DECREF(errors);
        if (st->base_error == NULL || st->dealloc_error == NULL ||
            st->err_map == NULL)
                return -1;
        if (!PyDict_Check(st->err_map)) {
                PyErr_SetString(PyExc_TypeError, "ERRNO_MAP must be a dict");
                return -1;
        }

        enums = PyImport_ImportModule("ouroboros._enums");
        if (enums == NULL)
                return -1;
        st->event_type = PyObject_GetAttrString(enums, "FEventType");
        Py_DECREF(enums);
        if (st->event_type == NULL)
                return -1;

        (void) m;
        return 0;
}

static int mod_exec(PyObject * m)
{
        ouro_state * st = ouro_state_of_mod(m);

        if (add_type(m, &ouro_flow_spec, &st->flow_type) < 0)
                return -1;
        if (add_type(m, &ouro_fset_spec, &st->fset_type) < 0)
                return -1;
        if (add_type(m, &ouro_fqueue_spec, &st->fqueue_type) < 0)
                return -1;
        if (PyModule_AddFunctions(m, ouro_irm_methods) < 0)
                return -1;
        if (add_constants(m) < 0)
                return -1;
        return load_errors(m, st);
}

static int mod_traverse(PyObject * m,
                        visitproc  visit,
                        void *     arg)
{
        ouro_state * st = ouro_state_of_mod(m);
        Py_VISIT(st->flow_type);
        Py_VISIT(st->fset_type);
        Py_VISIT(st->fqueue_type);
        Py_VISIT(st->base_error);
        Py_VISIT(st->dealloc_error);
        Py_VISIT(st->err_map);
        Py_VISIT(st->event_type);
        return 0;
}

static int mod_clear(PyObject * m)
{
        ouro_state * st = ouro_state_of_mod(m);
        Py_CLEAR(st->flow_type);
        Py_CLEAR(st->fset_type);
        Py_CLEAR(st->fqueue_type);
        Py_CLEAR(st->base_error);
        Py_CLEAR(st->dealloc_error);
        Py_CLEAR(st->err_map);
        Py_CLEAR(st->event_type);
        return 0;
}

static void mod_free(void * m)
{
        mod_clear((PyObject *) m);
}

static PyModuleDef_Slot mod_slots[] = {
        { Py_mod_exec, mod_exec },
        { 0, NULL }
};

PyModuleDef ouro_module_def = {
        PyModuleDef_HEAD_INIT,
        .m_name     = "ouroboros._dev",
        .m_doc      = "Low-level binding of libouroboros-dev (dev.h, "
                      "fccntl.h, fqueue.h, irm.h). Use ouroboros.dev.",
        .m_size     = sizeof(ouro_state),
        .m_methods  = mod_methods,
        .m_slots    = mod_slots,
        .m_traverse = mod_traverse,
        .m_clear    = mod_clear,
        .m_free     = mod_free,
};

PyMODINIT_FUNC PyInit__dev(void)
{
        return PyModuleDef_Init(&ouro_module_def);
}
