/*
 * pyOuroboros - declarations shared by the files of the _dev extension.
 *
 * _devmodule.c  module definition, module state, errors, timeouts
 * flow.c        the Flow base type (hot path: read/write, fccntl)
 * alloc.c       Flow._alloc/_join/_accept (interruptible allocation)
 * fset.c        FlowSet and FEventQueue (fset_t / fqueue_t)
 * irm.c         management functions (irm.h)
 *
 * No C globals: everything lives in the module state, reached from a type
 * with PyType_GetModuleByDef. Blocking calls release the GIL and run in
 * slices of OURO_SLICE seconds, checking for signals between slices, so
 * Ctrl-C interrupts them promptly.
 */
#ifndef PYOURO_H
#define PYOURO_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <ouroboros/dev.h>
#include <ouroboros/errno.h>
#include <ouroboros/fccntl.h>
#include <ouroboros/fqueue.h>
#include <ouroboros/irm.h>
#include <ouroboros/qos.h>

#include <stdbool.h>
#include <time.h>

#define OURO_SLICE        0.1          /* s, longest uninterruptible wait */
#define OURO_READ_DEFAULT (-1)  /* read(): the whole packet */
#define OURO_READ_SMALL   (64 * 1024) /* bytes read straight into a new
                                         bytes object; above, through the
                                         flow's scratch buffer */

typedef struct {
        PyTypeObject * flow_type;
        PyTypeObject * fset_type;
        PyTypeObject * fqueue_type;
        PyObject *     base_error;     /* errors.OuroborosError */
        PyObject *     dealloc_error;  /* errors.FlowDeallocatedError */
        PyObject *     err_map;        /* dict: errno -> exception class */
        PyObject *     event_type;     /* _enums.FEventType */
} ouro_state;

typedef struct {
        PyObject_HEAD
        int        fd;         /* -1 when not allocated */
        double     rcv_timeo;  /* user's read timeout, s, < 0: block */
        double     snd_timeo;  /* user's write timeout, s, < 0: block */
        double     c_rcv;      /* read timeout currently set in C */
        double     c_snd;      /* write timeout currently set in C */
        PyObject * pending;    /* bytes left over by readline, or NULL */
        char *     scratch;    /* FLOWGMAXPKT bytes for whole-packet
                                  reads of large packets, or NULL    */
        size_t     scratch_len;
        bool       scratch_busy; /* a read uses it (flag under the GIL) */
        PyObject * sets;       /* list of FlowSets holding this flow */
        PyObject * weakrefs;
        PyObject * dict;
} FlowObject;

typedef struct {
        PyObject_HEAD
        fset_t *   set;        /* NULL once destroyed */
        fset_t *   dead;       /* destroyed during a wait: freed after it */
        int        waiters;    /* waits in fevent (GIL released) */
        PyObject * flows;      /* dict: fd -> Flow */
        PyObject * weakrefs;
} FlowSetObject;

typedef struct {
        PyObject_HEAD
        fqueue_t * fq;
        PyObject * owner;      /* fd -> Flow dict of the last wait's set */
        Py_ssize_t left;       /* events not yet taken (approximate) */
        bool       busy;       /* being filled by a wait (GIL released) */
} FEventQueueObject;

extern PyModuleDef ouro_module_def;

/* _devmodule.c */
ouro_state * ouro_state_of_type(PyTypeObject * tp);
ouro_state * ouro_state_of_mod(PyObject * mod);
PyObject *   ouro_err_class(ouro_state * st, int err);
PyObject *   ouro_set_err(ouro_state * st, int err, const char * what);
/* As ouro_set_err, msg the whole text. */
PyObject *   ouro_set_err_text(ouro_state * st, int err, const char * msg);
int          ouro_parse_timeo(PyObject * o, double * out);
double       ouro_now(void);
void         ouro_ts(double s, struct timespec * ts);
PyObject *   ouro_qos_to_tuple(const qosspec_t * qs);
int          ouro_qos_from_obj(PyObject * o, qosspec_t * qs);

/* flow.c */
extern PyType_Spec ouro_flow_spec;
int          ouro_flow_adopt(FlowObject * f, int fd);
int          ouro_flow_remove_set(FlowObject * f, PyObject * set);
/* the error for a flow not allocated (or already released) */
PyObject *   ouro_flow_not_alloc(FlowObject * self);

/* err (negative errno) from the call what on flow self, as an exception */
#define FLOW_ERR(self, err, what) \
        ouro_set_err(ouro_state_of_type(Py_TYPE(self)), (err), (what))

/* flow_ctl.c: methods of Flow (fccntl) */
PyObject *   ouro_flow_set_rcv(FlowObject * self, PyObject * arg);
PyObject *   ouro_flow_set_snd(FlowObject * self, PyObject * arg);
PyObject *   ouro_flow_get_rcv(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_get_snd(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_get_qos_m(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_rxqlen(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_txqlen(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_set_flags_m(FlowObject * self, PyObject * arg);
PyObject *   ouro_flow_set_frct_m(FlowObject * self, PyObject * arg);
PyObject *   ouro_flow_get_frct_m(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_max_pkt_m(FlowObject * self, PyObject * unused);
PyObject *   ouro_flow_get_flags_m(FlowObject * self, PyObject * unused);

/* alloc.c: methods of Flow */
PyObject *   ouro_flow_alloc_m(FlowObject * self, PyObject * args,
                               PyObject * kw);
PyObject *   ouro_flow_join_m(FlowObject * self, PyObject * args,
                              PyObject * kw);
PyObject *   ouro_flow_accept_m(FlowObject * self, PyObject * args,
                                PyObject * kw);

/* fset.c */
extern PyType_Spec ouro_fset_spec;
extern PyType_Spec ouro_fqueue_spec;
int          ouro_fset_drop_flow(PyObject * set, FlowObject * f);

/* irm.c */
extern PyMethodDef ouro_irm_methods[];

#endif /* PYOURO_H */
