/*
 * pyOuroboros - the management API (irm.h) as module functions of _dev.
 *
 * Thin: strings in, ints or lists of tuples out, a negative errno raised
 * as the matching ouroboros.errors exception. ouroboros.irm builds the
 * friendly API (enums, defaults, named tuples) on top. Every call talks
 * to the IRMd, so each releases the GIL.
 */
#include "pyouro.h"

#include <stdlib.h>
#include <string.h>

#define MOD_ERR(mod, err, what) \
        ouro_set_err(ouro_state_of_mod(mod), (err), (what))

static PyObject * ret_int(PyObject *   mod,
                          long         r,
                          const char * what)
{
        if (r < 0)
                return MOD_ERR(mod, (int) r, what);
        return PyLong_FromLong(r);
}

/* A list of what one() makes of each of the n elements (size bytes
 * each) of arr, which is freed; NULL with an exception set. */
static PyObject * list_of(void *       arr,
                          ssize_t      n,
                          size_t       size,
                          PyObject * (* one)(const void * e))
{
        PyObject * out = PyList_New(0);
        ssize_t    i;

        for (i = 0; out != NULL && i < n; i++) {
                PyObject * t = one((const char *) arr + (size_t) i * size);
                if (t == NULL || PyList_Append(out, t) < 0)
                        Py_CLEAR(out);
                Py_XDECREF(t);
        }
        free(arr);
        return out;
}

/* Calls that take one string, two strings, or a pid and a string:
 * the int they return, or the errno raised. */
#define STR_CALL(fn, label)                                             \
static PyObject * fn##_f(PyObject * mod,                                \
                         PyObject * args)                               \
{                                                                       \
        const char * a;                                                 \
        int          r;                                                 \
        if (!PyArg_ParseTuple(args, "s:" label, &a))                    \
                return NULL;                                            \
        Py_BEGIN_ALLOW_THREADS                                          \
        r = fn(a);                                                      \
        Py_END_ALLOW_THREADS                                            \
        return ret_int(mod, r, label);                                  \
}

#define TWO_STR_CALL(fn, label)                                         \
static PyObject * fn##_f(PyObject * mod,                                \
                         PyObject * args)                               \
{                                                                       \
        const char * a;                                                 \
        const char * b;                                                 \
        int          r;                                                 \
        if (!PyArg_ParseTuple(args, "ss:" label, &a, &b))               \
                return NULL;                                            \
        Py_BEGIN_ALLOW_THREADS                                          \
        r = fn(a, b);                                                   \
        Py_END_ALLOW_THREADS                                            \
        return ret_int(mod, r, label);                                  \
}

/* A string and an int that fn takes as an enum of type et. */
#define STR_INT_CALL(fn, et, label)                                     \
static PyObject * fn##_f(PyObject * mod,                                \
                         PyObject * args)                               \
{                                                                       \
        const char * a;                                                 \
        int          i;                                                 \
        long         r;                                                 \
        if (!PyArg_ParseTuple(args, "si:" label, &a, &i))               \
                return NULL;                                            \
        Py_BEGIN_ALLOW_THREADS                                          \
        r = fn(a, (et) i);                                              \
        Py_END_ALLOW_THREADS                                            \
        return ret_int(mod, r, label);                                  \
}

#define PID_STR_CALL(fn, label)                                         \
static PyObject * fn##_f(PyObject * mod,                                \
                         PyObject * args)                               \
{                                                                       \
        long         pid;                                               \
        const char * name;                                              \
        int          r;                                                 \
        if (!PyArg_ParseTuple(args, "ls:" label, &pid, &name))          \
                return NULL;                                            \
        if ((long) (pid_t) pid != pid) {                                \
                PyErr_SetString(PyExc_OverflowError,                    \
                                "pid out of range");                    \
                return NULL;                                            \
        }                                                               \
        Py_BEGIN_ALLOW_THREADS                                          \
        r = fn((pid_t) pid, name);                                      \
        Py_END_ALLOW_THREADS                                            \
        return ret_int(mod, r, label);                                  \
}

STR_INT_CALL(irm_create_ipcp, enum ipcp_type, "create_ipcp")

STR_CALL(irm_destroy_ipcp, "destroy_ipcp")

static PyObject * ipcp_tuple(const void * e)
{
        const struct ipcp_list_info * i = e;

        return Py_BuildValue("(liisss)", (long) i->pid, (int) i->type,
                             (int) i->state, i->name, i->layer, i->info);
}

static PyObject * irm_list_ipcps_f(PyObject * mod,
                                   PyObject * unused)
{
        struct ipcp_list_info * l = NULL;
        ssize_t                 n;

        (void) unused;
        Py_BEGIN_ALLOW_THREADS
        n = irm_list_ipcps(&l);
        Py_END_ALLOW_THREADS
        if (n < 0)
                return MOD_ERR(mod, (int) n, "list_ipcps");
        return list_of(l, n, sizeof(*l), ipcp_tuple);
}

/* One bootstrap option into conf, by the irm tool's word and value
 * (irm_layer_config_set: the grammar's own table, so every option,
 * range and message is irm's). Values: str as written, int in
 * decimal, True for a flag. -1 with ValueError / TypeError set. */
static int set_opt(struct layer_config * conf,
                   PyObject *            key,
                   PyObject *            v)
{
        char         num[32];
        char         err[512];
        const char * k;
        const char * s;
        Py_ssize_t   n;

        if (!PyUnicode_Check(key)) {
                PyErr_SetString(PyExc_TypeError, "option names are str");
                return -1;
        }
        k = PyUnicode_AsUTF8AndSize(key, &n);
        if (k == NULL)
                return -1;
        if ((Py_ssize_t) strlen(k) != n) {
                PyErr_SetString(PyExc_ValueError, "option name contains NUL");
                return -1;
        }

        if (PyBool_Check(v)) {
                if (v != Py_True) /* a flag left out */
                        return 0;
                s = NULL;
        } else if (PyLong_Check(v)) {
                long long x = PyLong_AsLongLong(v);
                if (x == -1 && PyErr_Occurred())
                        return -1;
                snprintf(num, sizeof(num), "%lld", x);
                s = num;
        } else if (PyUnicode_Check(v)) {
                s = PyUnicode_AsUTF8AndSize(v, &n);
                if (s == NULL)
                        return -1;
                if ((Py_ssize_t) strlen(s) != n) { /* C would cut it */
                        PyErr_Format(PyExc_ValueError,
                                     "option %s contains NUL", k);
                        return -1;
                }
        } else {
                PyErr_Format(PyExc_TypeError,
                             "option %s must be a str or an int", k);
                return -1;
        }

        if (irm_layer_config_set(conf, k, s, err, sizeof(err)) < 0) {
                PyErr_SetString(PyExc_ValueError, err);
                return -1;
        }

        return 0;
}

/* conf for an IPCP of type in layer with the options of dict opts,
 * checked: 0, or -1 with ValueError / TypeError set. */
static int conf_from(int                   type,
                     const char *          layer,
                     PyObject *            opts,
                     struct layer_config * conf)
{
        PyObject * k;
        PyObject * v;
        Py_ssize_t pos = 0;
        char       err[512];

        if (strlen(layer) > LAYER_MAX_LEN) {
                PyErr_SetString(PyExc_ValueError, "layer name is too long");
                return -1;
        }
        if (type < 0 || type >= IPCP_INVALID) {
                PyErr_SetString(PyExc_ValueError, "unknown IPCP type");
                return -1;
        }
        irm_layer_config_init(conf, (enum ipcp_type) type, layer);
        while (PyDict_Next(opts, &pos, &k, &v))
                if (set_opt(conf, k, v) < 0)
                        return -1;
        if (irm_layer_config_check(conf, err, sizeof(err)) < 0) {
                PyErr_SetString(PyExc_ValueError, err);
                return -1;
        }

        return 0;
}

static PyObject * irm_check_conf_f(PyObject * mod,
                                   PyObject * args)
{
        const char *        layer;
        int                 type;
        PyObject *          opts;
        struct layer_config conf;

        (void) mod;
        if (!PyArg_ParseTuple(args, "isO!:check_conf", &type, &layer,
                              &PyDict_Type, &opts))
                return NULL;
        if (conf_from(type, layer, opts, &conf) < 0)
                return NULL;
        Py_RETURN_NONE;
}

static PyObject * irm_bootstrap_ipcp_f(PyObject * mod,
                                       PyObject * args)
{
        const char *        name;
        const char *        layer;
        int                 type;
        PyObject *          opts;
        struct layer_config conf;
        char                why[IPCP_INFO_MAX_LEN + 1];
        char                what[IPCP_INFO_MAX_LEN + 32];
        int                 r;

        if (!PyArg_ParseTuple(args, "sisO!:bootstrap_ipcp", &name, &type,
                              &layer, &PyDict_Type, &opts))
                return NULL;
        if (conf_from(type, layer, opts, &conf) < 0)
                return NULL;

        Py_BEGIN_ALLOW_THREADS
        r = irm_bootstrap_ipcp_info(name, &conf, why, sizeof(why));
        Py_END_ALLOW_THREADS
        if (r < 0 && why[0] != '\0') {
                /* the IPCP's own reason: "no such interface veth9" */
                snprintf(what, sizeof(what), "bootstrap_ipcp: %s", why);
                return MOD_ERR(mod, r, what);
        }
        return ret_int(mod, r, "bootstrap_ipcp");
}

static PyObject * stat_tuple(const void * e)
{
        const struct ipcp_stat_entry * s = e;

        return Py_BuildValue("(sK)", s->name,
                             (unsigned long long) s->value);
}

static PyObject * irm_ipcp_stat_f(PyObject * mod,
                                  PyObject * args)
{
        struct ipcp_stat_entry * l = NULL;
        const char *             name;
        ssize_t                  n;

        if (!PyArg_ParseTuple(args, "s:ipcp_stat", &name))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        n = irm_ipcp_stat(name, &l);
        Py_END_ALLOW_THREADS
        if (n < 0)
                return MOD_ERR(mod, (int) n, "ipcp_stat");
        return list_of(l, n, sizeof(*l), stat_tuple);
}

/* irm_enroll_ipcp(name, dst, layer or None) */
static PyObject * irm_enroll_ipcp_f(PyObject * mod,
                                    PyObject * args)
{
        const char * name;
        const char * dst;
        const char * layer;
        int          r;

        if (!PyArg_ParseTuple(args, "ssz:enroll_ipcp", &name, &dst, &layer))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        r = irm_enroll_ipcp_layer(name, layer, dst);
        Py_END_ALLOW_THREADS
        return ret_int(mod, r, "enroll_ipcp");
}

static PyObject * irm_connect_ipcp_f(PyObject * mod,
                                     PyObject * args)
{
        const char * name;
        const char * dst;
        const char * comp;
        PyObject *   qo;
        qosspec_t    qs;
        int          r;

        if (!PyArg_ParseTuple(args, "sssO:connect_ipcp", &name, &dst, &comp,
                              &qo))
                return NULL;
        if (ouro_qos_from_obj(qo, &qs) < 0)
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        r = irm_connect_ipcp(name, dst, comp, qs);
        Py_END_ALLOW_THREADS
        return ret_int(mod, r, "connect_ipcp");
}

static PyObject * irm_disconnect_ipcp_f(PyObject * mod,
                                        PyObject * args)
{
        const char * name;
        const char * dst;
        const char * comp;
        int          r;

        if (!PyArg_ParseTuple(args, "sss:disconnect_ipcp", &name, &dst,
                              &comp))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        r = irm_disconnect_ipcp(name, dst, comp);
        Py_END_ALLOW_THREADS
        return ret_int(mod, r, "disconnect_ipcp");
}

static PyObject * irm_bind_program_f(PyObject * mod,
                                     PyObject * args)
{
        const char * prog;
        const char * name;
        int          autostart;
        PyObject *   argl;
        char **      argv;
        Py_ssize_t   argc;
        Py_ssize_t   i;
        int          r;

        if (!PyArg_ParseTuple(args, "sspO!:bind_program", &prog, &name,
                              &autostart, &PyList_Type, &argl))
                return NULL;
        argc = PyList_GET_SIZE(argl);
        argv = calloc((size_t) argc + 1, sizeof(*argv));
        if (argv == NULL)
                return PyErr_NoMemory();
        for (i = 0; i < argc; i++) {
                PyObject * a = PyList_GET_ITEM(argl, i);
                if (!PyUnicode_Check(a)) {
                        free(argv);
                        PyErr_SetString(PyExc_TypeError,
                                        "program arguments must be str");
                        return NULL;
                }
                argv[i] = (char *) PyUnicode_AsUTF8(a);
                if (argv[i] == NULL) {
                        free(argv);
                        return NULL;
                }
        }
        Py_BEGIN_ALLOW_THREADS
        r = irm_bind_program(prog, name, autostart, (int) argc, argv);
        Py_END_ALLOW_THREADS
        free(argv);
        return ret_int(mod, r, "bind_program");
}

static PyObject * irm_unbind_program_f(PyObject * mod,
                                       PyObject * args)
{
        const char * prog;
        const char * name = NULL;
        int          r;

        if (!PyArg_ParseTuple(args, "sz:unbind_program", &prog, &name))
                return NULL;
        Py_BEGIN_ALLOW_THREADS
        r = irm_unbind_program(prog, name);
        Py_END_ALLOW_THREADS
        return ret_int(mod, r, "unbind_program");
}

PID_STR_CALL(irm_bind_process, "bind_process")
PID_STR_CALL(irm_unbind_process, "unbind_process")

STR_INT_CALL(irm_create_name, enum lb_policy, "create_name")

STR_CALL(irm_destroy_name, "destroy_name")

static PyObject * name_tuple(const void * e)
{
        const struct name_info * i = e;

        return Py_BuildValue("(sinnn)", i->name, (int) i->pol,
                             (Py_ssize_t) i->n_procs,
                             (Py_ssize_t) i->n_progs,
                             (Py_ssize_t) i->n_layers);
}

static PyObject * irm_list_names_f(PyObject * mod,
                                   PyObject * unused)
{
        struct name_info * l = NULL;
        ssize_t            n;

        (void) unused;
        Py_BEGIN_ALLOW_THREADS
        n = irm_list_names(&l);
        Py_END_ALLOW_THREADS
        if (n < 0)
                return MOD_ERR(mod, (int) n, "list_names");
        return list_of(l, n, sizeof(*l), name_tuple);
}

TWO_STR_CALL(irm_reg_name, "reg_name")
TWO_STR_CALL(irm_unreg_name, "unreg_name")
TWO_STR_CALL(irm_reg_name_layer, "reg_name_layer")
TWO_STR_CALL(irm_unreg_name_layer, "unreg_name_layer")

static PyObject * irm_type_supported_f(PyObject * mod,
                                       PyObject * arg)
{
        long t = PyLong_AsLong(arg);
        (void) mod;
        if (t == -1 && PyErr_Occurred())
                return NULL;
        if (t < 0 || t >= IPCP_INVALID)
                Py_RETURN_FALSE;
        return PyBool_FromLong(irm_ipcp_type_supported((enum ipcp_type) t));
}

static PyObject * irm_sock_path_f(PyObject * mod,
                                  PyObject * unused)
{
        const char * p = irm_sock_path();
        (void) mod;
        (void) unused;
        if (p == NULL)
                Py_RETURN_NONE;
        return PyUnicode_DecodeFSDefault(p);
}

PyMethodDef ouro_irm_methods[] = {
        { "irm_create_ipcp", irm_create_ipcp_f, METH_VARARGS,
          "irm_create_ipcp(name, type) -> pid" },
        { "irm_destroy_ipcp", irm_destroy_ipcp_f, METH_VARARGS,
          "irm_destroy_ipcp(name)" },
        { "irm_list_ipcps", irm_list_ipcps_f, METH_NOARGS,
          "irm_list_ipcps() -> [(pid, type, state, name, layer, info)]" },
        { "irm_bootstrap_ipcp", irm_bootstrap_ipcp_f, METH_VARARGS,
          "irm_bootstrap_ipcp(name, type, layer, options: dict)" },
        { "irm_check_conf", irm_check_conf_f, METH_VARARGS,
          "irm_check_conf(type, layer, options: dict): ValueError if bad" },
        { "irm_ipcp_stat", irm_ipcp_stat_f, METH_VARARGS,
          "irm_ipcp_stat(name) -> [(counter, value)]" },
        { "irm_enroll_ipcp", irm_enroll_ipcp_f, METH_VARARGS,
          "irm_enroll_ipcp(name, dst, layer or None)" },
        { "irm_connect_ipcp", irm_connect_ipcp_f, METH_VARARGS,
          "irm_connect_ipcp(name, dst, component, qos)" },
        { "irm_disconnect_ipcp", irm_disconnect_ipcp_f, METH_VARARGS,
          "irm_disconnect_ipcp(name, dst, component)" },
        { "irm_bind_program", irm_bind_program_f, METH_VARARGS,
          "irm_bind_program(prog, name, autostart, argv: list)" },
        { "irm_unbind_program", irm_unbind_program_f, METH_VARARGS,
          "irm_unbind_program(prog, name or None)" },
        { "irm_bind_process", irm_bind_process_f, METH_VARARGS,
          "irm_bind_process(pid, name)" },
        { "irm_unbind_process", irm_unbind_process_f, METH_VARARGS,
          "irm_unbind_process(pid, name)" },
        { "irm_create_name", irm_create_name_f, METH_VARARGS,
          "irm_create_name(name, lb_policy)" },
        { "irm_destroy_name", irm_destroy_name_f, METH_VARARGS,
          "irm_destroy_name(name)" },
        { "irm_list_names", irm_list_names_f, METH_NOARGS,
          "irm_list_names() -> [(name, pol, n_procs, n_progs, n_layers)]" },
        { "irm_reg_name", irm_reg_name_f, METH_VARARGS,
          "irm_reg_name(name, ipcp)" },
        { "irm_unreg_name", irm_unreg_name_f, METH_VARARGS,
          "irm_unreg_name(name, ipcp)" },
        { "irm_reg_name_layer", irm_reg_name_layer_f, METH_VARARGS,
          "irm_reg_name_layer(name, layer) -> count" },
        { "irm_unreg_name_layer", irm_unreg_name_layer_f, METH_VARARGS,
          "irm_unreg_name_layer(name, layer) -> count" },
        { "irm_ipcp_type_supported", irm_type_supported_f, METH_O,
          "irm_ipcp_type_supported(type) -> bool" },
        { "irm_sock_path", irm_sock_path_f, METH_NOARGS,
          "irm_sock_path() -> str" },
        { NULL, NULL, 0, NULL }
};
