/*
 * pyOuroboros - the Flow type's settings, through fccntl: timeouts
 * (kept here, see flow.c), flags, FRCT flags, QoS, queue lengths and
 * the largest packet. The method table is flow.c's.
 */
#include "pyouro.h"

static PyObject * timeo_out(double t)
{
        if (t < 0)
                Py_RETURN_NONE;
        return PyFloat_FromDouble(t);
}

/* Set *slot (self's rcv_timeo or snd_timeo) from arg: None, seconds. */
static PyObject * timeo_set(FlowObject * self,
                            PyObject *   arg,
                            double *     slot)
{
        double t;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        if (ouro_parse_timeo(arg, &t) < 0)
                return NULL;
        *slot = t;
        Py_RETURN_NONE;
}

PyObject * ouro_flow_set_rcv(FlowObject * self,
                             PyObject *   arg)
{
        return timeo_set(self, arg, &self->rcv_timeo);
}

PyObject * ouro_flow_set_snd(FlowObject * self,
                             PyObject *   arg)
{
        return timeo_set(self, arg, &self->snd_timeo);
}

PyObject * ouro_flow_get_rcv(FlowObject * self,
                             PyObject *   unused)
{
        (void) unused;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        return timeo_out(self->rcv_timeo);
}

PyObject * ouro_flow_get_snd(FlowObject * self,
                             PyObject *   unused)
{
        (void) unused;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        return timeo_out(self->snd_timeo);
}

PyObject * ouro_flow_get_qos_m(FlowObject * self,
                               PyObject *   unused)
{
        qosspec_t qs;
        int       r;

        (void) unused;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        memset(&qs, 0, sizeof(qs));
        r = fccntl(self->fd, FLOWGQOSSPEC, &qs);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(FLOWGQOSSPEC)");
        return ouro_qos_to_tuple(&qs);
}

static PyObject * flow_qlen(FlowObject * self,
                            int          cmd)
{
        size_t n = 0;
        int    r;

        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        r = fccntl(self->fd, cmd, &n);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(queue length)");
        n += (cmd == FLOWGRXQLEN && self->pending != NULL);
        return PyLong_FromSize_t(n);
}

PyObject * ouro_flow_rxqlen(FlowObject * self,
                            PyObject *   unused)
{
        (void) unused;
        return flow_qlen(self, FLOWGRXQLEN);
}

PyObject * ouro_flow_txqlen(FlowObject * self,
                            PyObject *   unused)
{
        (void) unused;
        return flow_qlen(self, FLOWGTXQLEN);
}

PyObject * ouro_flow_set_flags_m(FlowObject * self,
                                 PyObject *   arg)
{
        unsigned long f;
        int           r;

        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        if (!PyLong_Check(arg)) {
                PyErr_Format(PyExc_TypeError,
                             "flags must be FlowProperties or int, not %.100s",
                             Py_TYPE(arg)->tp_name);
                return NULL;
        }
        f = PyLong_AsUnsignedLong(arg);
        if (f == (unsigned long) -1 && PyErr_Occurred())
                return NULL;
        if (f > UINT32_MAX || (f & FLOWFACCMODE) == FLOWFINVALID) {
                PyErr_SetString(PyExc_ValueError,
                                "invalid flow flags (WriteOnly|ReadWrite "
                                "together is invalid)");
                return NULL;
        }
        r = fccntl(self->fd, FLOWSFLAGS, (uint32_t) f);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(FLOWSFLAGS)");
        Py_RETURN_NONE;
}

/* FRCTSFLAGS: -EPERM (no FRCT: a raw flow) raises as any error. */
PyObject * ouro_flow_set_frct_m(FlowObject * self,
                                PyObject *   arg)
{
        unsigned long f;
        int           r;

        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        if (!PyLong_Check(arg)) {
                PyErr_Format(PyExc_TypeError,
                             "FRCT flags must be FRCTFlags or int, not "
                             "%.100s", Py_TYPE(arg)->tp_name);
                return NULL;
        }
        f = PyLong_AsUnsignedLong(arg);
        if (f == (unsigned long) -1 && PyErr_Occurred())
                return NULL;
        if (f > UINT16_MAX) {
                PyErr_SetString(PyExc_ValueError, "invalid FRCT flags");
                return NULL;
        }
        r = fccntl(self->fd, FRCTSFLAGS, (uint16_t) f);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(FRCTSFLAGS)");
        Py_RETURN_NONE;
}

PyObject * ouro_flow_get_frct_m(FlowObject * self,
                                PyObject *   unused)
{
        uint16_t f = 0;
        int      r;

        (void) unused;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        r = fccntl(self->fd, FRCTGFLAGS, &f);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(FRCTGFLAGS)");
        return PyLong_FromUnsignedLong(f);
}

PyObject * ouro_flow_max_pkt_m(FlowObject * self,
                               PyObject *   unused)
{
        size_t n = 0;
        int    r;

        (void) unused;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        r = fccntl(self->fd, FLOWGMAXPKT, &n);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(FLOWGMAXPKT)");
        return PyLong_FromSize_t(n);
}

PyObject * ouro_flow_get_flags_m(FlowObject * self,
                                 PyObject *   unused)
{
        uint32_t f = 0;
        int      r;

        (void) unused;
        if (self->fd < 0)
                return ouro_flow_not_alloc(self);
        r = fccntl(self->fd, FLOWGFLAGS, &f);
        if (r < 0)
                return FLOW_ERR(self, r, "fccntl(FLOWGFLAGS)");
        return PyLong_FromUnsignedLong(f);
}
