"""Walk every name of the standard socket.socket on a stack socket.

usage (under pyco-wrapper): walk_methods.py HOST PORT   (an echo server)

Each name of dir(socket.socket) is checked by CHECKS below: it works on
the stack, or (user-space stacks: lwip, lwipv6) raises OSError(EOPNOTSUPP);
a name missing from CHECKS (a later Python) must be refused that way.
Before each check, echoed data is queued on the socket; after it, select()
must still see queued data and writability, and the echo must carry what
the check sent: a method acting on the readiness descriptor behind
fileno() is caught.  Prints "WALK OK <count>".
"""
import errno
import os
import pickle
import select
import socket
import sys
import tempfile
import weakref

import pycotcp.socket as ps

STD = ps._std.socket                    # the standard library's class
HOST, PORT = sys.argv[1], int(sys.argv[2])
PRIME = b"prime\n"


def conn():
    s = socket.create_connection((HOST, PORT), timeout=10)
    s.settimeout(None)
    return s


t = conn()
US = t._pyco is not None                # lwip/lwipv6: not kernel sockets
LWIPV6 = US and t.context.backend == "lwipv6"


def refused(fn, *args, **kw):
    """User-space stacks: OSError(EOPNOTSUPP); kernel: the kernel's."""
    try:
        r = fn(*args, **kw)
    except OSError as e:
        assert not US or e.errno == errno.EOPNOTSUPP, (fn, e)
        return e
    assert not US, "%r did not raise EOPNOTSUPP" % (fn,)
    return r


def readable(s, secs):
    return s in select.select([s], [], [], secs)[0]


def writable(s, secs):
    return s in select.select([], [s], [], secs)[1]


def take(s, n):
    buf = b""
    while len(buf) < n:
        d = s.recv(n - len(buf))
        assert d, "EOF"
        buf += d
    return buf


def closed_after(fn):
    u = conn()
    fn(u)
    assert u.fileno() == -1, u


def tmpfile(data):
    f = tempfile.TemporaryFile()
    f.write(data)
    f.seek(0)
    return f


# --- one check per name ------------------------------------------------------

def c_listener(s):
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.bind(("", 0))
    lst.listen(1)
    lst.setblocking(False)
    try:
        lst.accept()
        raise AssertionError("accept() without a pending connection")
    except BlockingIOError:
        pass
    lst.close()


def c_connect(s):
    u = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u.settimeout(10)
    u.connect((HOST, PORT))
    u.sendall(b"c")
    assert take(u, 1) == b"c"
    u.close()


def c_connect_ex(s):
    u = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    u.settimeout(10)
    assert u.connect_ex((HOST, PORT)) == 0
    u.close()


def c_detach(s):
    u = conn()
    r = refused(u.detach)
    if isinstance(r, int):
        os.close(r)
    else:
        u.close()


def c_dup(s):
    u = conn()
    r = refused(u.dup)
    if isinstance(r, STD):
        r.close()
    u.close()


def c_set_inheritable(s):
    if US:
        s.set_inheritable(False)
        refused(s.set_inheritable, True)
    else:
        s.set_inheritable(True)
        assert s.get_inheritable()
        s.set_inheritable(False)
    assert not s.get_inheritable()


def c_timeouts(s):
    s.settimeout(2.5)
    assert s.gettimeout() == 2.5 and s.timeout == 2.5 and s.getblocking()
    s.setblocking(False)
    assert s.gettimeout() == 0.0 and not s.getblocking()
    s.setblocking(True)
    assert s.gettimeout() is None and s.getblocking()


def c_recv(s):
    assert take(s, len(PRIME)) == PRIME


def c_recv_into(s):
    buf = bytearray(len(PRIME))
    n = 0
    while n < len(buf):
        n += s.recv_into(memoryview(buf)[n:])
    assert buf == PRIME


def c_recvfrom(s):
    buf = b""
    while len(buf) < len(PRIME):
        d, addr = s.recvfrom(len(PRIME) - len(buf))
        buf += d
    assert buf == PRIME


def c_recvfrom_into(s):
    buf = bytearray(len(PRIME))
    n = 0
    while n < len(buf):
        k, addr = s.recvfrom_into(memoryview(buf)[n:])
        n += k
    assert buf == PRIME


def c_recvmsg(s):
    r = refused(s.recvmsg, 100)
    if not US:
        assert PRIME.startswith(r[0])


def c_recvmsg_into(s):
    r = refused(s.recvmsg_into, [bytearray(100)])
    if not US:
        assert r[0] > 0


def c_sendmsg(s):
    r = refused(s.sendmsg, [b"sm"])
    return None if US else b"sm"


def c_sendmsg_afalg(s):
    refused(s.sendmsg_afalg, [b"af"], op=0)


def c_accept_c(s):
    refused(s._accept)


def c_send(s):
    n = s.send(b"s1")
    assert n == 2
    return b"s1"


def c_sendall(s):
    s.sendall(b"sa" * 1000)
    return b"sa" * 1000


def c_sendto(s):
    assert s.sendto(b"st", (HOST, PORT)) == 2
    return b"st"


def c_sendfile(s):
    assert s.sendfile(tmpfile(b"sendfile")) == 8
    return b"sendfile"


def c_sendfile_use_send(s):
    assert s._sendfile_use_send(tmpfile(b"usesend")) == 7
    return b"usesend"


def c_sendfile_use_sendfile(s):
    assert s._sendfile_use_sendfile(tmpfile(b"usesendfile")) == 11
    return b"usesendfile"


def c_check_sendfile_params(s):
    assert s._check_sendfile_params(tmpfile(b""), 0, None) is None
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u._check_sendfile_params(tmpfile(b""), 0, None)
        raise AssertionError("sendfile accepted on a datagram socket")
    except ValueError:
        pass
    u.close()


def c_makefile(s):
    f = s.makefile("rwb")
    assert f.readline() == PRIME
    f.write(b"mf\n")
    f.flush()
    assert f.readline() == b"mf\n"
    f.close()
    assert s.fileno() >= 0


def c_shutdown(s):
    u = conn()
    u.settimeout(10)
    u.shutdown(socket.SHUT_WR)
    if not LWIPV6:                      # documented: it sends no FIN
        assert u.recv(10) == b""        # the echo server closes on EOF
    u.close()


def c_decref(s):
    u = conn()
    f = u.makefile("rb")
    u.close()
    assert u.fileno() >= 0              # the file still uses it
    f.close()                           # -> _decref_socketios
    assert u.fileno() == -1
    closed_after(lambda v: (setattr(v, "_io_refs", 1),
                            setattr(v, "_closed", True),
                            v._decref_socketios()))


def c_pickle(s):
    for fn in (lambda: pickle.dumps(s), s.__getstate__, s.__reduce__,
               lambda: s.__reduce_ex__(2)):
        try:
            fn()
            raise AssertionError("a socket was pickled")
        except TypeError:
            pass


def c_new_init(s):
    u = socket.socket.__new__(type(s))
    u.__init__(socket.AF_INET, socket.SOCK_STREAM)
    assert u.fileno() >= 0 and (u._pyco is not None) == US
    u.close()


def c_subclass(s):
    class Sub(type(s)):
        pass
    u = Sub(socket.AF_INET, socket.SOCK_STREAM)
    assert isinstance(u, STD)
    u.close()


def c_compare(s):
    u = conn()
    assert s == s and s != u and s.__eq__(u) is NotImplemented
    assert hash(s) == hash(s)
    for op in ("__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(s, op)(u) is NotImplemented
    u.close()


def c_repr(s):
    r = repr(s)
    assert "raddr=" in r and str(PORT) in r, r
    assert str(s) == r and format(s, "") == r


def c_attrs(s):
    assert s.family == socket.AF_INET and s.type == socket.SOCK_STREAM
    assert s.proto in (0, socket.IPPROTO_TCP)
    assert s._closed is False and s._io_refs == 0
    assert isinstance(s.__doc__, str) and isinstance(s.__slots__,
                                                     (list, tuple))
    assert type(s) is socket.socket and isinstance(s, STD)
    assert s.__module__ == socket.__name__


def c_getattr(s):
    assert s.__getattribute__("family") == socket.AF_INET
    assert "recv" in s.__dir__()
    assert s.__sizeof__() > 0
    assert weakref.ref(s)() is s
    s.__setattr__("_closed", False)
    try:
        s.__delattr__("no_such_attribute")
        raise AssertionError("deleted a missing attribute")
    except AttributeError:
        pass
    assert type(s).__subclasshook__(object) is NotImplemented


def c_context(s):
    with conn() as u:
        assert u.__enter__() is u and u.fileno() >= 0
    assert u.fileno() == -1
    closed_after(lambda v: v.__exit__(None, None, None))


def c_names(s):
    assert s.getpeername() == (HOST, PORT)
    assert s.getsockname()[1] > 0
    assert s.fileno() >= 0


def c_options(s):
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0


def c_inheritable(s):
    assert s.get_inheritable() is False


CHECKS = {
    "_accept": c_accept_c, "accept": c_listener, "bind": c_listener,
    "listen": c_listener, "connect": c_connect, "connect_ex": c_connect_ex,
    "detach": c_detach, "dup": c_dup,
    "close": lambda s: closed_after(lambda u: u.close()),
    "_real_close": lambda s: closed_after(lambda u: u._real_close()),
    "__del__": lambda s: closed_after(lambda u: u.__del__()),
    "__enter__": c_context, "__exit__": c_context,
    "_decref_socketios": c_decref, "_closed": c_attrs, "_io_refs": c_attrs,
    "family": c_attrs, "type": c_attrs, "proto": c_attrs,
    "__doc__": c_attrs, "__slots__": c_attrs, "__class__": c_attrs,
    "__module__": c_attrs, "fileno": c_names, "getpeername": c_names,
    "getsockname": c_names, "getsockopt": c_options,
    "setsockopt": c_options, "get_inheritable": c_inheritable,
    "set_inheritable": c_set_inheritable, "getblocking": c_timeouts,
    "gettimeout": c_timeouts, "setblocking": c_timeouts,
    "settimeout": c_timeouts, "timeout": c_timeouts, "recv": c_recv,
    "recv_into": c_recv_into, "recvfrom": c_recvfrom,
    "recvfrom_into": c_recvfrom_into, "recvmsg": c_recvmsg,
    "recvmsg_into": c_recvmsg_into, "send": c_send, "sendall": c_sendall,
    "sendto": c_sendto, "sendmsg": c_sendmsg,
    "sendmsg_afalg": c_sendmsg_afalg, "sendfile": c_sendfile,
    "_sendfile_use_send": c_sendfile_use_send,
    "_sendfile_use_sendfile": c_sendfile_use_sendfile,
    "_check_sendfile_params": c_check_sendfile_params,
    "makefile": c_makefile, "shutdown": c_shutdown,
    "__getstate__": c_pickle, "__reduce__": c_pickle,
    "__reduce_ex__": c_pickle, "__new__": c_new_init,
    "__init__": c_new_init, "__init_subclass__": c_subclass,
    "__subclasshook__": c_getattr, "__eq__": c_compare,
    "__ne__": c_compare, "__hash__": c_compare, "__lt__": c_compare,
    "__le__": c_compare, "__gt__": c_compare, "__ge__": c_compare,
    "__repr__": c_repr, "__str__": c_repr, "__format__": c_repr,
    "__getattribute__": c_getattr, "__setattr__": c_getattr,
    "__delattr__": c_getattr, "__dir__": c_getattr,
    "__sizeof__": c_getattr, "__weakref__": c_getattr,
}


def unlisted(name):
    def check(s):
        attr = getattr(s, name)
        if callable(attr):
            refused(attr)
    return check


def verify(s, name, i, expected):
    """Queued data is seen by select(), the echo holds expected."""
    marker = b"\nV%d\n" % i
    s.sendall(marker)
    assert readable(s, 5), "after %s: select() misses queued data" % name
    s.settimeout(5)
    data = b""
    while not data.endswith(marker):
        d = s.recv(65536)
        assert d, "after %s: EOF" % name
        data += d
    s.settimeout(None)
    if expected:
        assert expected in data, "after %s: %r not echoed" % (name, expected)
    if US:
        assert not readable(s, 0), "after %s: readable, nothing queued" % name
    assert writable(s, 2), "after %s: select() says not writable" % name


names = dir(STD)
for i, name in enumerate(names):
    t.sendall(PRIME)
    assert readable(t, 5), "before %s: echo not seen" % name
    check = CHECKS.get(name) or unlisted(name)
    try:
        expected = check(t)
    except BaseException:
        print("FAILED at", name, flush=True)
        raise
    verify(t, name, i, expected)
t.close()
print("WALK OK", len(names), "user-space" if US else "kernel", flush=True)
