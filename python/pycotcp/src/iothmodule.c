/*
 * iothmodule.c - pycotcp._ioth: the CPython binding of libioth.
 *
 * One heap type, Stack, wraps a struct ioth.  Socket calls take the
 * descriptor returned by Stack.socket()/accept() and raw sockaddr bytes
 * (packed and unpacked in Python).  The GIL is released around every call
 * into the stack; errors raise OSError with the errno-specific subclass.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <errno.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>

#include "ioth.h"

typedef struct {
	PyObject_HEAD
	struct ioth *ioth;
} StackObject;

static PyObject *set_err(long r)
{
	errno = (int) -r;
	return PyErr_SetFromErrno(PyExc_OSError);
}

static int get_stack(StackObject *self, struct ioth **out)
{
	if (self->ioth == NULL) {
		errno = EBADF;
		PyErr_SetString(PyExc_OSError, "stack is closed");
		return -1;
	}
	*out = self->ioth;
	return 0;
}

#define STACK(self, s) struct ioth *s; \
	if (get_stack((StackObject *) (self), &s) < 0) return NULL

static int Stack_init(StackObject *self, PyObject *args, PyObject *kw)
{
	static char *kwlist[] = { "backend", NULL };
	const char *backend = NULL;
	struct ioth *s;
	int r;

	if (!PyArg_ParseTupleAndKeywords(args, kw, "|z", kwlist, &backend))
		return -1;
	if (self->ioth != NULL) {
		PyErr_SetString(PyExc_RuntimeError, "already initialised");
		return -1;
	}
	Py_BEGIN_ALLOW_THREADS
	r = ioth_new(backend, &s);
	Py_END_ALLOW_THREADS
	if (r < 0) {
		set_err(r);
		return -1;
	}
	self->ioth = s;
	return 0;
}

static void Stack_dealloc(StackObject *self)
{
	PyTypeObject *tp = Py_TYPE(self);

	if (self->ioth != NULL) {
		Py_BEGIN_ALLOW_THREADS
		ioth_delete(self->ioth);
		Py_END_ALLOW_THREADS
	}
	tp->tp_free(self);
	Py_DECREF(tp);
}

static PyObject *Stack_close(StackObject *self, PyObject *unused)
{
	struct ioth *s = self->ioth;

	(void) unused;
	self->ioth = NULL;
	if (s != NULL) {
		Py_BEGIN_ALLOW_THREADS
		ioth_delete(s);
		Py_END_ALLOW_THREADS
	}
	Py_RETURN_NONE;
}

static PyObject *Stack_backend(StackObject *self, void *closure)
{
	(void) closure;
	if (self->ioth == NULL)
		Py_RETURN_NONE;
	return PyUnicode_FromString(ioth_backend_name(self->ioth));
}

static PyObject *Stack_kernel(StackObject *self, void *closure)
{
	(void) closure;
	if (self->ioth == NULL)
		Py_RETURN_FALSE;
	return PyBool_FromLong(ioth_kernel_sockets(self->ioth) > 0);
}

#define CALL(expr) do { Py_BEGIN_ALLOW_THREADS r = (expr); \
	Py_END_ALLOW_THREADS } while (0)

static PyObject *Stack_if_add(PyObject *self, PyObject *args)
{
	const char *vnl;
	const char *ifname = NULL;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "s|z", &vnl, &ifname))
		return NULL;
	CALL(ioth_if_add(s, vnl, ifname));
	return r < 0 ? set_err(r) : PyLong_FromLong(r);
}

static PyObject *Stack_set_mac(PyObject *self, PyObject *args)
{
	int ifx;
	Py_buffer mac;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iy*", &ifx, &mac))
		return NULL;
	if (mac.len != 6) {
		PyBuffer_Release(&mac);
		PyErr_SetString(PyExc_ValueError, "a MAC address is 6 bytes");
		return NULL;
	}
	CALL(ioth_if_set_mac(s, ifx, mac.buf));
	PyBuffer_Release(&mac);
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_set_mtu(PyObject *self, PyObject *args)
{
	int ifx;
	unsigned int mtu;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iI", &ifx, &mtu))
		return NULL;
	CALL(ioth_if_set_mtu(s, ifx, mtu));
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

/* wait(fd, events, timeout): events ready (0 on timeout).  timeout in
 * seconds, None for no limit.  Signals run their handlers between
 * waits, as in select.poll (PEP 475). */
static double mono_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double) t.tv_sec + (double) t.tv_nsec / 1e9;
}

static PyObject *Stack_wait(PyObject *self, PyObject *args)
{
	PyObject *tmo = Py_None;
	double end = -1.0;
	int fd;
	int events;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "ii|O", &fd, &events, &tmo))
		return NULL;
	if (tmo != Py_None) {
		double secs = PyFloat_AsDouble(tmo);
		if (secs == -1.0 && PyErr_Occurred())
			return NULL;
		end = mono_now() + (secs > 0 ? secs : 0);
	}
	for (;;) {
		double left = end < 0 ? -1.0 : end - mono_now();
		int ms = end < 0 ? -1 : left <= 0 ? 0 : left > 2e6 ?
		         2000000000 : (int) (left * 1000.0 + 0.999);

		CALL(ioth_wait(s, fd, events, ms));
		if (r != -EINTR)
			break;
		if (PyErr_CheckSignals() < 0)
			return NULL;
	}
	return r < 0 ? set_err(r) : PyLong_FromLong(r);
}

static PyObject *Stack_addr_add(PyObject *self, PyObject *args)
{
	int ifx;
	int fam;
	int bits;
	Py_buffer a;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iiy*i", &ifx, &fam, &a, &bits))
		return NULL;
	if ((fam == AF_INET && a.len != 4) || (fam == AF_INET6 && a.len != 16)) {
		PyBuffer_Release(&a);
		PyErr_SetString(PyExc_ValueError, "bad packed address length");
		return NULL;
	}
	CALL(ioth_addr_add(s, ifx, fam, a.buf, bits));
	PyBuffer_Release(&a);
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_route_add(PyObject *self, PyObject *args)
{
	int fam;
	Py_buffer a;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iy*", &fam, &a))
		return NULL;
	if ((fam == AF_INET && a.len != 4) || (fam == AF_INET6 && a.len != 16)) {
		PyBuffer_Release(&a);
		PyErr_SetString(PyExc_ValueError, "bad packed address length");
		return NULL;
	}
	CALL(ioth_route_add(s, fam, a.buf));
	PyBuffer_Release(&a);
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_autoconf(PyObject *self, PyObject *args)
{
	int ifx;
	int fam;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "ii", &ifx, &fam))
		return NULL;
	CALL(ioth_autoconf(s, ifx, fam));
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_socket(PyObject *self, PyObject *args)
{
	int d, t, p = 0;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "ii|i", &d, &t, &p))
		return NULL;
	CALL(ioth_socket(s, d, t, p));
	return r < 0 ? set_err(r) : PyLong_FromLong(r);
}

static PyObject *Stack_set_nonblock(PyObject *self, PyObject *args)
{
	int fd, on;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "ip", &fd, &on))
		return NULL;
	CALL(ioth_set_nonblock(s, fd, on));
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

/* bind/connect: (fd, sockaddr bytes).  connect returns 0 or the errno
 * (EINPROGRESS...) instead of raising, like connect_ex. */
static PyObject *addr_call(PyObject *self, PyObject *args, int which)
{
	int fd;
	Py_buffer a;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iy*", &fd, &a))
		return NULL;
	if (which == 0)
		CALL(ioth_bind(s, fd, a.buf, (socklen_t) a.len));
	else
		CALL(ioth_connect(s, fd, a.buf, (socklen_t) a.len));
	PyBuffer_Release(&a);
	if (which == 1)
		return PyLong_FromLong(r < 0 ? -r : 0);
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_bind(PyObject *self, PyObject *args)
{
	return addr_call(self, args, 0);
}

static PyObject *Stack_connect(PyObject *self, PyObject *args)
{
	return addr_call(self, args, 1);
}

static PyObject *Stack_listen(PyObject *self, PyObject *args)
{
	int fd, backlog;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "ii", &fd, &backlog))
		return NULL;
	CALL(ioth_listen(s, fd, backlog));
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_accept(PyObject *self, PyObject *args)
{
	int fd;
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	CALL(ioth_accept(s, fd, (struct sockaddr *) &ss, &l));
	if (r < 0)
		return set_err(r);
	if (l > sizeof(ss))
		l = sizeof(ss);
	return Py_BuildValue("(ly#)", r, (char *) &ss, (Py_ssize_t) l);
}

static PyObject *Stack_recv(PyObject *self, PyObject *args)
{
	int fd, flags = 0;
	Py_ssize_t n;
	PyObject *buf;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "in|i", &fd, &n, &flags))
		return NULL;
	if (n < 0) {
		PyErr_SetString(PyExc_ValueError, "negative buffersize in recv");
		return NULL;
	}
	buf = PyBytes_FromStringAndSize(NULL, n);
	if (buf == NULL)
		return NULL;
	CALL(ioth_recvfrom(s, fd, PyBytes_AS_STRING(buf), (size_t) n, flags,
	                   NULL, NULL));
	if (r < 0) {
		Py_DECREF(buf);
		return set_err(r);
	}
	if (r != n)
		_PyBytes_Resize(&buf, r);
	return buf;
}

static PyObject *Stack_recvfrom_into(PyObject *self, PyObject *args)
{
	int fd, flags = 0;
	Py_buffer b;
	Py_ssize_t n = -1;
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iw*|ni", &fd, &b, &n, &flags))
		return NULL;
	if (n < 0 || n > b.len)
		n = b.len;
	memset(&ss, 0, sizeof(ss));
	CALL(ioth_recvfrom(s, fd, b.buf, (size_t) n, flags,
	                   (struct sockaddr *) &ss, &l));
	PyBuffer_Release(&b);
	if (r < 0)
		return set_err(r);
	if (l > sizeof(ss))
		l = sizeof(ss);
	return Py_BuildValue("(ly#)", r, (char *) &ss, (Py_ssize_t) l);
}

static PyObject *Stack_recv_into(PyObject *self, PyObject *args)
{
	int fd, flags = 0;
	Py_buffer b;
	Py_ssize_t n = -1;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iw*|ni", &fd, &b, &n, &flags))
		return NULL;
	if (n < 0 || n > b.len)
		n = b.len;
	CALL(ioth_recvfrom(s, fd, b.buf, (size_t) n, flags, NULL, NULL));
	PyBuffer_Release(&b);
	return r < 0 ? set_err(r) : PyLong_FromLong(r);
}

static PyObject *Stack_sendto(PyObject *self, PyObject *args)
{
	int fd, flags = 0;
	Py_buffer b;
	Py_buffer a = { 0 };
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iy*|iz*", &fd, &b, &flags, &a))
		return NULL;
	CALL(ioth_sendto(s, fd, b.buf, (size_t) b.len, flags,
	                 a.buf != NULL ? a.buf : NULL,
	                 (socklen_t) (a.buf != NULL ? a.len : 0)));
	PyBuffer_Release(&b);
	if (a.obj != NULL || a.buf != NULL)
		PyBuffer_Release(&a);
	return r < 0 ? set_err(r) : PyLong_FromLong(r);
}

static PyObject *Stack_shutdown(PyObject *self, PyObject *args)
{
	int fd, how;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "ii", &fd, &how))
		return NULL;
	CALL(ioth_shutdown(s, fd, how));
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_close_fd(PyObject *self, PyObject *args)
{
	int fd;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	CALL(ioth_close(s, fd));
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *Stack_getsockopt(PyObject *self, PyObject *args)
{
	int fd, level, name;
	Py_ssize_t buflen = 0;
	char buf[1024];
	socklen_t l;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iii|n", &fd, &level, &name, &buflen))
		return NULL;
	if (buflen < 0 || buflen > (Py_ssize_t) sizeof(buf)) {
		errno = EINVAL;
		return PyErr_SetFromErrno(PyExc_OSError);
	}
	l = buflen == 0 ? sizeof(int) : (socklen_t) buflen;
	memset(buf, 0, sizeof(buf));
	CALL(ioth_getsockopt(s, fd, level, name, buf, &l));
	if (r < 0)
		return set_err(r);
	if (buflen == 0) {
		int v;
		memcpy(&v, buf, sizeof(v));
		return PyLong_FromLong(v);
	}
	return PyBytes_FromStringAndSize(buf, l);
}

static PyObject *Stack_setsockopt(PyObject *self, PyObject *args)
{
	int fd, level, name;
	Py_buffer b;
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "iiiy*", &fd, &level, &name, &b))
		return NULL;
	CALL(ioth_setsockopt(s, fd, level, name, b.buf, (socklen_t) b.len));
	PyBuffer_Release(&b);
	return r < 0 ? set_err(r) : (Py_INCREF(Py_None), Py_None);
}

static PyObject *name_call(PyObject *self, PyObject *args, int peer)
{
	int fd;
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);
	long r;
	STACK(self, s);

	if (!PyArg_ParseTuple(args, "i", &fd))
		return NULL;
	memset(&ss, 0, sizeof(ss));
	if (peer)
		CALL(ioth_getpeername(s, fd, (struct sockaddr *) &ss, &l));
	else
		CALL(ioth_getsockname(s, fd, (struct sockaddr *) &ss, &l));
	if (r < 0)
		return set_err(r);
	if (l > sizeof(ss))
		l = sizeof(ss);
	return PyBytes_FromStringAndSize((char *) &ss, l);
}

static PyObject *Stack_getsockname(PyObject *self, PyObject *args)
{
	return name_call(self, args, 0);
}

static PyObject *Stack_getpeername(PyObject *self, PyObject *args)
{
	return name_call(self, args, 1);
}

static PyObject *mod_parse_addr(PyObject *mod, PyObject *args)
{
	const char *text;
	unsigned char a[16];
	int fam, bits, r;

	(void) mod;
	if (!PyArg_ParseTuple(args, "s", &text))
		return NULL;
	r = ioth_parse_addr(text, &fam, a, &bits);
	if (r < 0) {
		PyErr_Format(PyExc_ValueError, "invalid address: %R",
		             PyTuple_GET_ITEM(args, 0));
		return NULL;
	}
	return Py_BuildValue("(iy#i)", fam, (char *) a,
	                     (Py_ssize_t) (fam == AF_INET ? 4 : 16), bits);
}

static PyObject *mod_backends(PyObject *mod, PyObject *unused)
{
	const char *const *b = ioth_backends();
	PyObject *l = PyList_New(0);

	(void) mod;
	(void) unused;
	if (l == NULL)
		return NULL;
	for (; *b != NULL; b++) {
		PyObject *u = PyUnicode_FromString(*b);
		if (u == NULL || PyList_Append(l, u) < 0) {
			Py_XDECREF(u);
			Py_DECREF(l);
			return NULL;
		}
		Py_DECREF(u);
	}
	return l;
}

#define M(name, flags) { #name, (PyCFunction) Stack_##name, flags, NULL }

static PyMethodDef Stack_methods[] = {
	M(close, METH_NOARGS),
	M(if_add, METH_VARARGS),
	M(set_mac, METH_VARARGS),
	M(set_mtu, METH_VARARGS),
	M(wait, METH_VARARGS),
	M(addr_add, METH_VARARGS),
	M(route_add, METH_VARARGS),
	M(autoconf, METH_VARARGS),
	M(socket, METH_VARARGS),
	M(set_nonblock, METH_VARARGS),
	M(bind, METH_VARARGS),
	M(connect, METH_VARARGS),
	M(listen, METH_VARARGS),
	M(accept, METH_VARARGS),
	M(recv, METH_VARARGS),
	M(recv_into, METH_VARARGS),
	M(recvfrom_into, METH_VARARGS),
	M(sendto, METH_VARARGS),
	M(shutdown, METH_VARARGS),
	M(close_fd, METH_VARARGS),
	M(getsockopt, METH_VARARGS),
	M(setsockopt, METH_VARARGS),
	M(getsockname, METH_VARARGS),
	M(getpeername, METH_VARARGS),
	{ NULL, NULL, 0, NULL }
};

static PyGetSetDef Stack_getset[] = {
	{ "backend", (getter) Stack_backend, NULL, "back-end name", NULL },
	{ "kernel_sockets", (getter) Stack_kernel, NULL,
	  "True if descriptors are kernel sockets", NULL },
	{ NULL, NULL, NULL, NULL, NULL }
};

static PyType_Slot Stack_slots[] = {
	{ Py_tp_init, Stack_init },
	{ Py_tp_dealloc, Stack_dealloc },
	{ Py_tp_methods, Stack_methods },
	{ Py_tp_getset, Stack_getset },
	{ Py_tp_new, PyType_GenericNew },
	{ Py_tp_doc, (void *) "Stack(backend=None): one TCP/IP stack." },
	{ 0, NULL }
};

static PyType_Spec Stack_spec = {
	.name = "pycotcp._ioth.Stack",
	.basicsize = sizeof(StackObject),
	.flags = Py_TPFLAGS_DEFAULT,
	.slots = Stack_slots,
};

static int mod_exec(PyObject *m)
{
	PyObject *t = PyType_FromModuleAndSpec(m, &Stack_spec, NULL);

	if (t == NULL)
		return -1;
	if (PyModule_AddObjectRef(m, "Stack", t) < 0) {
		Py_DECREF(t);
		return -1;
	}
	Py_DECREF(t);
	return 0;
}

static PyMethodDef mod_methods[] = {
	{ "parse_addr", mod_parse_addr, METH_VARARGS,
	  "parse_addr('ADDR[/BITS]') -> (family, packed, bits or -1)" },
	{ "backends", mod_backends, METH_NOARGS, "names of the back-ends" },
	{ NULL, NULL, 0, NULL }
};

static PyModuleDef_Slot mod_slots[] = {
	{ Py_mod_exec, mod_exec },
	{ 0, NULL }
};

static struct PyModuleDef mod_def = {
	PyModuleDef_HEAD_INIT,
	.m_name = "pycotcp._ioth",
	.m_doc = "Binding of libioth (Internet of Threads stacks).",
	.m_size = 0,
	.m_methods = mod_methods,
	.m_slots = mod_slots,
};

PyMODINIT_FUNC PyInit__ioth(void)
{
	return PyModuleDef_Init(&mod_def);
}
