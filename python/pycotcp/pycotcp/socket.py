"""pycotcp.socket: a drop-in replacement of the standard socket module.

AF_INET/AF_INET6 sockets are created in the stack of a pycotcp adapter (the
``context`` argument, or the default one set by Pyco/pyco-wrapper); every
other family (AF_UNIX, socketpair...) stays a kernel socket.

* vdestack stacks hand out kernel sockets: the object is a plain socket
  on that descriptor, so everything (ssl included) behaves natively.
* lwip/lwipv6 stacks: the object wraps a user-space socket whose fileno()
  is a real descriptor that polls readable/writable with the socket, so
  select/selectors/asyncio work.  The stack socket is non-blocking and
  blocking mode/timeouts are implemented here with poll(), like CPython.
"""
from __future__ import annotations

import _socket
import errno as _errno
import os as _os
import select as _select
import socket as _std
import struct as _struct
import time as _time
from typing import Any, Optional, Tuple

from pycotcp import adapters as _adapters
from pycotcp import _resolve

# Everything of the standard module first (constants, exceptions, enums,
# helpers such as socketpair, inet_pton, SocketIO, getservbyname...).
for _name in dir(_std):
    if not _name.startswith("__"):
        globals()[_name] = getattr(_std, _name)
__all__ = list(getattr(_std, "__all__", []))

_SS = _std.socket
_POLLIN = _select.POLLIN
_POLLOUT = _select.POLLOUT
_TYPE_FLAGS = getattr(_std, "SOCK_NONBLOCK", 0) | getattr(_std,
                                                            "SOCK_CLOEXEC", 0)
_default_timeout: Optional[float] = None
_pyco_fds: dict = {}            # descriptors of user-space stack sockets

error = OSError
timeout = _std.timeout
has_ipv6 = True


def getdefaulttimeout() -> Optional[float]:
    """Default timeout of new sockets (None: blocking)."""
    return _default_timeout


def setdefaulttimeout(value: Optional[float]) -> None:
    """Set the default timeout of new sockets."""
    global _default_timeout
    _default_timeout = _check_timeout(value)
    _socket.setdefaulttimeout(value)


def _check_timeout(value: Optional[float]) -> Optional[float]:
    if value is None:
        return None
    value = float(value)
    if value != value or value < 0:
        raise ValueError("Timeout value out of range")
    return value


def _context(context) -> "_adapters.Adapter":
    ctx = context or _adapters.get_default()
    if ctx is None:
        raise OSError(_errno.ENETDOWN, "no pycotcp stack: create a Pyco "
                      "context or run under pyco-wrapper")
    return ctx


# --- addresses -------------------------------------------------------------

def _port(port: Any) -> int:
    if isinstance(port, str):           # the original PycoTCP accepted "80"
        if not port.isdigit():
            raise TypeError("'str' object cannot be interpreted as an "
                            "integer")
        port = int(port)
    if not isinstance(port, int):
        raise TypeError("'%s' object cannot be interpreted as an integer"
                        % type(port).__name__)
    if not 0 <= port <= 65535:
        raise OverflowError("bind(): port must be 0-65535.")
    return port


def _host(host: Any, family: int) -> str:
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("idna")
    if not isinstance(host, str):
        raise TypeError("str, bytes or bytearray expected, not %s"
                        % type(host).__name__)
    if host == "":
        return "0.0.0.0" if family == AF_INET else "::"
    if host == "<broadcast>" and family == AF_INET:
        return "255.255.255.255"
    for fam, text in _resolve.lookup(host):
        if fam == family:
            return text
        if fam == AF_INET and family == AF_INET6:
            return "::ffff:" + text
    raise gaierror(EAI_NONAME, "Name or service not known: %r (pycotcp "
                   "resolves numeric addresses and hosts files)" % host)


def _pack(family: int, address: Any) -> bytes:
    if not isinstance(address, tuple):
        raise TypeError("%s address must be tuple, not %s" % (
            "AF_INET" if family == AF_INET else "AF_INET6",
            type(address).__name__))
    if family == AF_INET:
        if len(address) != 2:
            raise TypeError("AF_INET address must be a pair (host, port)")
        host, port = address
        return (_struct.pack("=H", AF_INET) + _struct.pack("!H", _port(port))
                + inet_pton(AF_INET, _host(host, AF_INET)) + bytes(8))
    if not 2 <= len(address) <= 4:
        raise TypeError("AF_INET6 address must be a tuple (host, port[, "
                        "flowinfo[, scopeid]])")
    host, port = address[0], address[1]
    flow = address[2] if len(address) > 2 else 0
    scope = address[3] if len(address) > 3 else 0
    return (_struct.pack("=H", AF_INET6) + _struct.pack("!HI", _port(port),
                                                        flow)
            + inet_pton(AF_INET6, _host(host, AF_INET6))
            + _struct.pack("=I", scope))


def _unpack(raw: bytes, family: int = AF_INET) -> Any:
    """A Python address from raw sockaddr bytes; an IPv4 address on an
    AF_INET6 socket (lwip reports dual-stack peers so) is v4-mapped, as
    the kernel gives it."""
    if len(raw) < 2:
        return None
    fam = _struct.unpack("=H", raw[:2])[0]
    if fam == AF_INET and len(raw) >= 8:
        host = inet_ntop(AF_INET, raw[4:8])
        port = _struct.unpack("!H", raw[2:4])[0]
        if family == AF_INET6:
            return ("::ffff:" + host, port, 0, 0)
        return (host, port)
    if fam == AF_INET6 and len(raw) >= 24:
        port, flow = _struct.unpack("!HI", raw[2:8])
        scope = _struct.unpack("=I", raw[24:28])[0] if len(raw) >= 28 else 0
        return (inet_ntop(AF_INET6, raw[8:24]), port, flow, scope)
    return None


# --- the socket class ------------------------------------------------------

class socket(_SS):
    """socket(family=AF_INET, type=SOCK_STREAM, proto=0, fileno=None,
    context=None) -- a socket in a pycotcp stack (see the module doc)."""

    __slots__ = ("_pyco", "_pyco_fd", "_pyco_timeout", "_pyco_ctx")

    def __init__(self, family: int = -1, type: int = -1, proto: int = -1,
                 fileno: Optional[int] = None, context=None) -> None:
        self._pyco = None
        self._pyco_fd = -1
        self._pyco_ctx = None
        self._pyco_timeout = _default_timeout
        if fileno is not None:
            if fileno in _pyco_fds:
                raise OSError(_errno.EOPNOTSUPP, "a user-space stack socket "
                              "cannot be wrapped again (ssl, fromfd and dup "
                              "need the vdestack back-end)")
            _SS.__init__(self, family, type, proto, fileno)
            return
        if family == -1:
            family = AF_INET
        if type == -1:
            type = SOCK_STREAM
        if proto == -1:
            proto = 0
        if family not in (AF_INET, AF_INET6):
            _SS.__init__(self, family, type, proto)
            return
        ctx = _context(context)
        stack = ctx.stack
        fd = stack.socket(family, type & ~_TYPE_FLAGS, proto)
        if stack.kernel_sockets:
            _SS.__init__(self, family, type, proto, fd)
            return
        self._pyco_setup(ctx, stack, fd, family, type & ~_TYPE_FLAGS, proto)
        if type & getattr(_std, "SOCK_NONBLOCK", 0):
            self._pyco_timeout = 0.0

    def _pyco_setup(self, ctx, stack, fd, family, type, proto) -> None:
        try:
            stack.set_nonblock(fd, True)
            _SS.__init__(self, family, type, proto, fd)
        except BaseException:
            stack.close_fd(fd)
            raise
        self._pyco = stack
        self._pyco_fd = fd
        self._pyco_ctx = ctx
        _pyco_fds[fd] = True

    @property
    def context(self):
        """The adapter of this socket (None for kernel sockets)."""
        return self._pyco_ctx

    # --- blocking and timeouts ---------------------------------------------

    def settimeout(self, value: Optional[float]) -> None:
        if self._pyco is None:
            return _SS.settimeout(self, value)
        self._pyco_timeout = _check_timeout(value)

    def gettimeout(self) -> Optional[float]:
        if self._pyco is None:
            return _SS.gettimeout(self)
        return self._pyco_timeout

    def setblocking(self, flag: bool) -> None:
        if self._pyco is None:
            return _SS.setblocking(self, flag)
        self._pyco_timeout = None if flag else 0.0

    def getblocking(self) -> bool:
        if self._pyco is None:
            return _SS.getblocking(self)
        return self._pyco_timeout != 0.0

    @property
    def timeout(self) -> Optional[float]:
        return self.gettimeout()

    def _stack(self):
        if self._pyco_fd < 0 or _SS.fileno(self) < 0:
            raise OSError(_errno.EBADF, "Bad file descriptor")
        return self._pyco

    def _wait(self, events: int, deadline: Optional[float]) -> None:
        # the stack's own wait: on lwip the waiting thread reads frames
        # itself, one thread switch per packet less than poll() here
        st = self._stack()
        if deadline is None:
            st.wait(self._pyco_fd, events, None)
            return
        left = deadline - _time.monotonic()
        if left <= 0 or not st.wait(self._pyco_fd, events, left):
            raise timeout("timed out")

    def _io(self, events: int, fn, *args):
        t = self._pyco_timeout
        if t == 0.0:
            return fn(*args)
        deadline = None if t is None else _time.monotonic() + t
        while True:
            try:
                return fn(*args)
            except BlockingIOError:
                pass
            self._wait(events, deadline)
            self._stack()               # closed while waiting?

    # --- connection set-up -------------------------------------------------

    def bind(self, address) -> None:
        if self._pyco is None:
            return _SS.bind(self, address)
        self._stack().bind(self._pyco_fd, _pack(self.family, address))

    def listen(self, backlog: int = 128) -> None:
        if self._pyco is None:
            return _SS.listen(self, backlog)
        self._stack().listen(self._pyco_fd, min(max(backlog, 0), 255))

    def accept(self):
        if self._pyco is None:
            return _SS.accept(self)
        st = self._stack()
        fd, raw = self._io(_POLLIN, st.accept, self._pyco_fd)
        sock = socket.__new__(type(self))
        try:
            sock._pyco = None
            sock._pyco_ctx = None
            sock._pyco_fd = -1
            sock._pyco_timeout = _default_timeout
            sock._pyco_setup(self._pyco_ctx, st, fd, self.family,
                             self.type, self.proto)
        except BaseException:
            raise
        return sock, _unpack(raw, self.family)

    def _connect(self, address, raising: bool) -> int:
        st = self._stack()
        err = st.connect(self._pyco_fd, _pack(self.family, address))
        if err in (_errno.EINPROGRESS, _errno.EALREADY):
            t = self._pyco_timeout
            if t == 0.0:
                if raising:
                    raise BlockingIOError(err, _os.strerror(err))
                return err
            deadline = None if t is None else _time.monotonic() + t
            while True:
                try:
                    self._wait(_POLLOUT, deadline)
                except timeout:
                    if raising:
                        raise
                    return _errno.EAGAIN
                err = st.getsockopt(self._pyco_fd, SOL_SOCKET, SO_ERROR)
                if err != 0:
                    break
                err = st.connect(self._pyco_fd, _pack(self.family, address))
                if err in (0, _errno.EISCONN):
                    err = 0
                    break
                if err not in (_errno.EINPROGRESS, _errno.EALREADY):
                    break
        if err and raising:
            raise OSError(err, _os.strerror(err))
        return err

    def connect(self, address) -> None:
        if self._pyco is None:
            return _SS.connect(self, address)
        self._connect(address, True)

    def connect_ex(self, address) -> int:
        if self._pyco is None:
            return _SS.connect_ex(self, address)
        return self._connect(address, False)

    # --- data --------------------------------------------------------------

    def recv(self, bufsize: int, flags: int = 0) -> bytes:
        if self._pyco is None:
            return _SS.recv(self, bufsize, flags)
        st = self._stack()
        return self._io(_POLLIN, st.recv, self._pyco_fd, bufsize, flags)

    def recv_into(self, buffer, nbytes: int = 0, flags: int = 0) -> int:
        if self._pyco is None:
            return _SS.recv_into(self, buffer, nbytes, flags)
        st = self._stack()
        return self._io(_POLLIN, st.recv_into, self._pyco_fd, buffer,
                        nbytes or -1, flags)

    def recvfrom(self, bufsize: int, flags: int = 0):
        if self._pyco is None:
            return _SS.recvfrom(self, bufsize, flags)
        buf = bytearray(bufsize)
        n, raw = self.recvfrom_into(buf, bufsize, flags)
        return bytes(buf[:n]), raw

    def recvfrom_into(self, buffer, nbytes: int = 0, flags: int = 0):
        if self._pyco is None:
            return _SS.recvfrom_into(self, buffer, nbytes, flags)
        st = self._stack()
        n, raw = self._io(_POLLIN, st.recvfrom_into, self._pyco_fd, buffer,
                          nbytes or -1, flags)
        return n, (_unpack(raw, self.family) if self.type == SOCK_DGRAM
                   else None)

    def send(self, data, flags: int = 0) -> int:
        if self._pyco is None:
            return _SS.send(self, data, flags)
        st = self._stack()
        return self._io(_POLLOUT, st.sendto, self._pyco_fd, data, flags)

    def sendall(self, data, flags: int = 0) -> None:
        if self._pyco is None:
            return _SS.sendall(self, data, flags)
        st = self._stack()
        view = memoryview(data).cast("B")
        t = self._pyco_timeout
        deadline = None if t is None else _time.monotonic() + t
        total = len(view)
        sent = 0
        while sent < total:
            try:
                sent += st.sendto(self._pyco_fd, view[sent:sent + 1048576],
                                  flags)
                continue
            except BlockingIOError:
                if t == 0.0:
                    raise
            self._wait(_POLLOUT, deadline)
            self._stack()

    def sendto(self, data, flags_or_addr, addr=None) -> int:
        if self._pyco is None:
            if addr is None:
                return _SS.sendto(self, data, flags_or_addr)
            return _SS.sendto(self, data, flags_or_addr, addr)
        if addr is None:
            flags, addr = 0, flags_or_addr
        else:
            flags = flags_or_addr
        st = self._stack()
        raw = _pack(self.family, addr)
        if self.type == SOCK_STREAM:    # the kernel ignores it on TCP
            return self._io(_POLLOUT, st.sendto, self._pyco_fd, data, flags)
        return self._io(_POLLOUT, st.sendto, self._pyco_fd, data, flags, raw)

    def sendfile(self, file, offset: int = 0, count: Optional[int] = None):
        if self._pyco is None:
            return _SS.sendfile(self, file, offset, count)
        return self._sendfile_use_send(file, offset, count)

    def _sendfile_use_sendfile(self, file, offset: int = 0,
                               count: Optional[int] = None):
        if self._pyco is None:
            return _SS._sendfile_use_sendfile(self, file, offset, count)
        # os.sendfile() would write to the readiness descriptor
        return self._sendfile_use_send(file, offset, count)

    # --- options and names -------------------------------------------------

    def getsockopt(self, level: int, optname: int, buflen: int = 0):
        if self._pyco is None:
            if buflen:
                return _SS.getsockopt(self, level, optname, buflen)
            return _SS.getsockopt(self, level, optname)
        return self._stack().getsockopt(self._pyco_fd, level, optname, buflen)

    def setsockopt(self, level: int, optname: int, value, optlen=None):
        if self._pyco is None:
            if optlen is not None:
                return _SS.setsockopt(self, level, optname, value, optlen)
            return _SS.setsockopt(self, level, optname, value)
        if value is None:
            raw = bytes(optlen or 0)
        elif isinstance(value, (bytes, bytearray, memoryview)):
            raw = bytes(value)
        else:
            raw = _struct.pack("i", int(value))
        self._stack().setsockopt(self._pyco_fd, level, optname, raw)

    def getsockname(self):
        if self._pyco is None:
            return _SS.getsockname(self)
        return _unpack(self._stack().getsockname(self._pyco_fd), self.family)

    def getpeername(self):
        if self._pyco is None:
            return _SS.getpeername(self)
        return _unpack(self._stack().getpeername(self._pyco_fd), self.family)

    def shutdown(self, how: int) -> None:
        if self._pyco is None:
            return _SS.shutdown(self, how)
        self._stack().shutdown(self._pyco_fd, how)

    # --- life cycle --------------------------------------------------------

    def _real_close(self, _ss=_socket.socket) -> None:
        if self._pyco is None:
            return _ss.close(self)
        fd = self._pyco_fd
        if fd < 0:
            return
        self._pyco_fd = -1
        _pyco_fds.pop(fd, None)
        _ss.detach(self)
        try:
            self._pyco.close_fd(fd)
        except OSError:
            pass

    def detach(self) -> int:
        if self._pyco is None:
            return _SS.detach(self)
        raise OSError(_errno.EOPNOTSUPP, "detach() would leak the stack "
                      "socket; not supported by user-space stacks")

    def dup(self):
        if self._pyco is None:
            return _SS.dup(self)
        raise OSError(_errno.EOPNOTSUPP, "dup() is not supported by "
                      "user-space stacks")

    def get_inheritable(self) -> bool:
        if self._pyco is None:
            return _SS.get_inheritable(self)
        return False

    def set_inheritable(self, inheritable: bool) -> None:
        if self._pyco is None:
            return _SS.set_inheritable(self, inheritable)
        if inheritable:
            raise OSError(_errno.EOPNOTSUPP, "a user-space stack socket "
                          "lives in this process and cannot be inherited")

    def __del__(self) -> None:
        try:
            if self._pyco is not None:
                self._real_close()
            elif _SS.fileno(self) >= 0:
                _SS.close(self)
        except (AttributeError, OSError):
            pass


# Methods of the standard socket that work as inherited on a user-space
# stack socket: they only use the methods above (or fileno(), which is
# meant to be the readiness descriptor), or are object's own.
_INHERITED_OK = frozenset({
    "__new__", "__getattribute__", "__getstate__", "__repr__", "__enter__",
    "__exit__", "close", "fileno", "makefile", "_check_sendfile_params",
    "_decref_socketios", "_sendfile_use_send"})


def _refused(name: str):
    std = getattr(_SS, name)

    def method(self, *args, **kw):
        if self._pyco is None:
            return std(self, *args, **kw)
        raise OSError(_errno.EOPNOTSUPP, "%s() is not supported by "
                      "user-space stacks (lwip, lwipv6); vdestack sockets "
                      "are kernel sockets" % name)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = std.__doc__
    return method


# Every other method of socket.socket (recvmsg, recvmsg_into, sendmsg,
# sendmsg_afalg, _accept, and any a later Python adds) would act on the
# readiness descriptor behind fileno() and corrupt readiness: refuse it.
for _name in sorted(set(vars(_socket.socket)) | set(vars(_SS))):
    if _name in vars(socket) or _name in _INHERITED_OK or \
            not callable(getattr(_SS, _name)) or \
            isinstance(getattr(_SS, _name), type):
        continue
    setattr(socket, _name, _refused(_name))
del _name

SocketType = socket


def fromfd(fd: int, family: int, type: int, proto: int = 0) -> socket:
    """Duplicate a kernel socket descriptor into a socket object."""
    if fd in _pyco_fds:
        raise OSError(_errno.EOPNOTSUPP, "fromfd() needs a kernel socket")
    return socket(family, type, proto, _os.dup(fd))


# --- resolution --------------------------------------------------------------

def getaddrinfo(host, port, family: int = 0, type: int = 0, proto: int = 0,
                flags: int = 0):
    """Resolve numeric addresses and hosts-file names (no DNS)."""
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("idna")
    if port is None:
        pnum = 0
    elif isinstance(port, int):
        pnum = port
    elif isinstance(port, (str, bytes)):
        p = port.decode() if isinstance(port, bytes) else port
        if p.isdigit():
            pnum = int(p)
        elif flags & AI_NUMERICSERV:
            raise gaierror(EAI_NONAME, "Name or service not known")
        else:
            try:
                pnum = getservbyname(p)
            except OSError:
                raise gaierror(EAI_SERVICE, "Servname not supported for "
                               "ai_socktype") from None
    else:
        raise TypeError("getaddrinfo() argument 2 must be integer or string")
    if host is None:
        if flags & AI_PASSIVE:
            addrs = [(AF_INET, "0.0.0.0"), (AF_INET6, "::")]
        else:
            addrs = [(AF_INET, "127.0.0.1"), (AF_INET6, "::1")]
    else:
        if flags & AI_NUMERICHOST:
            n = _resolve.numeric(host)
            addrs = [n] if n else []
        else:
            addrs = _resolve.lookup(host)
        if not addrs:
            raise gaierror(EAI_NONAME, "Name or service not known: %r "
                           "(pycotcp resolves numeric addresses and hosts "
                           "files only)" % host)
    if family not in (0, AF_UNSPEC):
        addrs = [a for a in addrs if a[0] == family]
        if not addrs:
            raise gaierror(EAI_ADDRFAMILY if host else EAI_FAMILY,
                           "Address family for hostname not supported")
    kinds = [(SOCK_STREAM, IPPROTO_TCP), (SOCK_DGRAM, IPPROTO_UDP)]
    if type:
        kinds = [(t, p) for t, p in kinds if t == type] or [(type, proto)]
    if proto:
        kinds = [(t, p) for t, p in kinds if p == proto] or \
            [(kinds[0][0], proto)]
    canon = host if (flags & AI_CANONNAME) and host else ""
    out = []
    for fam, text in addrs:
        sa = (text, pnum) if fam == AF_INET else (text, pnum, 0, 0)
        for t, p in kinds:
            out.append((_std.AddressFamily(fam), _std.SocketKind(t), p,
                        canon, sa))
            canon = ""
    return out


def gethostbyname(hostname: str) -> str:
    """IPv4 address of a numeric or hosts-file name."""
    if hostname == "":
        return "0.0.0.0"
    for fam, text in _resolve.lookup(hostname):
        if fam == AF_INET:
            return text
    raise gaierror(EAI_NONAME, "Name or service not known: %r" % hostname)


def gethostbyname_ex(hostname: str):
    """(name, aliases, IPv4 addresses) from numeric or hosts-file data."""
    addrs = [t for f, t in _resolve.lookup(hostname) if f == AF_INET]
    if not addrs:
        raise gaierror(EAI_NONAME, "Name or service not known: %r" % hostname)
    return hostname, [], addrs


def gethostbyaddr(ip_address: str):
    """(name, aliases, [address]) from the hosts files."""
    found = _resolve.reverse(ip_address)
    if found is None:
        if _resolve.numeric(ip_address) is None and \
                _resolve.lookup(ip_address):
            return gethostbyaddr(_resolve.lookup(ip_address)[0][1])
        raise herror(1, "Unknown host")
    return found[0], found[1], [_resolve.numeric(ip_address)[1]]


def getfqdn(name: str = "") -> str:
    """Fully qualified name from the hosts files, else name itself."""
    name = name.strip()
    if not name or name in ("0.0.0.0", "::"):
        name = gethostname()
    try:
        return gethostbyaddr(name)[0]
    except OSError:
        return name


def getnameinfo(sockaddr, flags: int):
    """(host, port) text for a socket address, numerically or via hosts."""
    host, port = sockaddr[0], sockaddr[1]
    if _resolve.numeric(host) is None:
        raise gaierror(EAI_NONAME, "Name or service not known")
    if not flags & NI_NUMERICHOST:
        try:
            host = gethostbyaddr(host)[0]
        except OSError:
            if flags & NI_NAMEREQD:
                raise gaierror(EAI_NONAME, "Name or service not known") \
                    from None
    serv = str(port)
    if not flags & NI_NUMERICSERV:
        try:
            serv = getservbyport(port, "udp" if flags & NI_DGRAM else "tcp")
        except OSError:
            pass
    return host, serv


def has_dualstack_ipv6() -> bool:
    """True if the default stack takes IPv4 connections on an IPv6 socket
    (IPV6_V6ONLY off), probed as the standard library does; False without
    a stack."""
    try:
        with socket(AF_INET6, SOCK_STREAM) as sock:
            sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)
            return True
    except OSError:
        return False


def create_connection(address, timeout=_std._GLOBAL_DEFAULT_TIMEOUT,
                      source_address=None, *, all_errors: bool = False):
    """Connect to (host, port) trying every resolved address in turn."""
    host, port = address
    errors = []
    for af, kind, proto, _c, sa in getaddrinfo(host, port, 0, SOCK_STREAM):
        sock = None
        try:
            sock = socket(af, kind, proto)
            if timeout is not _std._GLOBAL_DEFAULT_TIMEOUT:
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sa)
            errors.clear()
            return sock
        except OSError as exc:
            errors.append(exc)
            if sock is not None:
                sock.close()
    if not errors:
        raise OSError("getaddrinfo returns an empty list")
    if all_errors:
        raise ExceptionGroup("create_connection failed", errors)
    raise errors[0]


def create_server(address, *, family: int = AF_INET, backlog=None,
                  reuse_port: bool = False, dualstack_ipv6: bool = False):
    """A listening TCP socket bound to address."""
    if reuse_port:
        raise ValueError("SO_REUSEPORT not supported by pycotcp stacks")
    if dualstack_ipv6 and family != AF_INET6:
        raise ValueError("dualstack_ipv6 requires AF_INET6 family")
    if dualstack_ipv6 and not has_dualstack_ipv6():
        raise ValueError("dualstack_ipv6 not supported on this platform")
    sock = socket(family, SOCK_STREAM)
    try:
        sock.setsockopt(SOL_SOCKET, SO_REUSEADDR, 1)
        if family == AF_INET6:
            if dualstack_ipv6:
                sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 0)
            else:
                try:
                    sock.setsockopt(IPPROTO_IPV6, IPV6_V6ONLY, 1)
                except OSError:
                    pass        # lwipv6: IPv6 sockets are always dual
        sock.bind(address)
        if backlog is None:
            sock.listen()
        else:
            sock.listen(backlog)
        return sock
    except BaseException:
        sock.close()
        raise


__all__ += ["getaddrinfo", "gethostbyname", "gethostbyname_ex",
            "gethostbyaddr", "getfqdn", "getnameinfo", "create_connection",
            "create_server", "has_dualstack_ipv6", "fromfd", "socket",
            "SocketType", "getdefaulttimeout", "setdefaulttimeout"]
