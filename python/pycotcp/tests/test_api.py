"""The explicit API, the socket module surface and the switch tool."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import finish, prog, wait_line

WRAP = [sys.executable, "-m", "pycotcp.wrapper"]


def py(procs, code, **kw):
    return finish(procs.start([sys.executable, "-c", code], **kw))


def test_console_scripts_on_path():
    for tool in ("pyco-wrapper", "pyco-vde-setup"):
        assert shutil.which(tool), "%s not on PATH" % tool
    out = subprocess.run(["pyco-wrapper", "-h"], capture_output=True,
                         text=True).stdout
    for opt in ("-a", "-d", "-f", "-l", "-c", "-g", "-6", "-m", "-e"):
        assert " %s " % opt in out or " %s," % opt in out, opt


SEED = r"""
from pycotcp.picotcpadapter import PicoTCPAdapter
from pycotcp.pycotcp import Pyco, DeviceInfo
import pycotcp.socket as socket
import sys
context = PicoTCPAdapter()
ioth = Pyco(context=context)
device = DeviceInfo(context=context).with_type("vde").with_name("web0") \
    .with_path(sys.argv[1]).with_address("10.40.0.55") \
    .with_netmask("255.255.255.0").create()
ioth.start_handler()
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, context=context)
sock.bind(("10.40.0.55", "5500"))
sock.listen(3)
print("READY", flush=True)
conn, address = sock.accept()
print("GOT", conn.recv(64).decode(), address[0], flush=True)
conn.close()
sock.close()
ioth.stop_handler()
"""


def test_seed_explicit_api(procs, vde):
    s = procs.start([sys.executable, "-c", SEED, vde])
    wait_line(s, "READY")
    c = procs.wrapped(["-e", "import socket; s = socket.create_connection("
                       "('10.40.0.55', 5500), 5); s.sendall(b'hi seed')"],
                      [], "10.40.0.2/24", vde, "lwip")
    assert finish(c)[0] == 0
    rc, out, err = finish(s)
    assert rc == 0, err
    assert "GOT hi seed 10.40.0.2" in out
    assert "using the lwip back-end instead" in err


MANY = r"""
import sys
from pycotcp.adapters import adapter_for
from pycotcp.pycotcp import DeviceInfo
import pycotcp.socket as socket
be, ctl = sys.argv[1], sys.argv[2]
a, b = adapter_for(be), adapter_for(be)
DeviceInfo(context=a).with_path(ctl).with_address("10.40.0.11/24").create()
DeviceInfo(context=b).with_path(ctl).with_address("10.40.0.12/24").create()
srv = socket.socket(context=a)
srv.bind(("10.40.0.11", 80))
srv.listen()
cli = socket.socket(context=b)
cli.settimeout(10)
cli.connect(("10.40.0.11", 80))
con, peer = srv.accept()
cli.sendall(b"two stacks, one process")
print(con.recv(100).decode(), flush=True)
for s in (cli, con, srv):
    s.close()
a.close(); b.close()
"""


@pytest.mark.parametrize("be", ["vdestack", "lwipv6"])
def test_two_stacks_in_one_process(procs, vde, be):
    from conftest import backend_problem
    why = backend_problem(be)
    if why:
        pytest.skip(why)
    rc, out, err = py(procs, MANY.replace("sys.argv[1], sys.argv[2]",
                                          "%r, %r" % (be, vde)))
    assert rc == 0, err
    assert "two stacks, one process" in out


def test_lwip_one_stack_per_process(procs):
    rc, out, err = py(procs, "from pycotcp.adapters import LwipAdapter\n"
                      "a = LwipAdapter(); a.stack\n"
                      "try:\n"
                      "    LwipAdapter().stack\n"
                      "except OSError as e:\n"
                      "    print('EBUSY', e.errno, e.strerror)\n"
                      "a.close(); LwipAdapter().stack; print('AGAIN')\n")
    assert rc == 0, err
    assert "EBUSY 16 the lwip back-end allows one stack per process" in out
    assert "AGAIN" in out


def test_device_builder_validation(procs, vde):
    code = r"""
from pycotcp.adapters import LwipAdapter
from pycotcp.pycotcp import DeviceInfo
a = LwipAdapter()
for call in ("with_address('1.2.3')", "with_name('a/b')",
             "with_mac('01:00:00:00:00:01')", "with_gateway('10.0.0.1/24')",
             "with_address6('10.0.0.1')"):
    try:
        eval("DeviceInfo(context=a)." + call)
        print("ACCEPTED", call)
    except ValueError as e:
        print("ValueError", e)
try:
    DeviceInfo(context=a).with_path(%r).with_address("fd00::1/48").create()
except OSError as e:
    print("OSError", e)
""" % vde
    rc, out, err = py(procs, code)
    assert rc == 0, err
    assert "ACCEPTED" not in out
    assert out.count("ValueError") == 5
    assert "lwip supports only /64 IPv6 prefixes" in out


API = r"""
import socket, errno, os
assert socket.socket is not None and socket.AF_INET == 2
assert socket.getaddrinfo("10.40.0.1", 7000, type=socket.SOCK_STREAM)[0][4] \
    == ("10.40.0.1", 7000)
assert socket.getaddrinfo("web", "7000")[0][4][0] == "10.40.0.1"
assert socket.gethostbyname("web") == "10.40.0.1"
assert socket.gethostbyname("10.40.0.1") == "10.40.0.1"
with socket.create_connection(("web", 7000), timeout=5) as s:
    assert s.gettimeout() == 5 and s.getblocking()
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    if os.environ.get("CHECK_NAMES") == "1":
        assert s.getsockname()[0] == "10.40.0.2"
    assert s.getpeername() == ("10.40.0.1", 7000)
    assert s.fileno() >= 0 and s.type == socket.SOCK_STREAM
    f = s.makefile("rwb")
    f.write(b"line one\n"); f.flush()
    assert f.readline() == b"line one\n"
    f.close()
    buf = bytearray(4)
    s.sendall(b"abcd")
    n = 0
    while n < 4:
        n += s.recv_into(memoryview(buf)[n:])
    assert buf == b"abcd"
    s.setblocking(False)
    try:
        s.recv(10)
        raise SystemExit("no BlockingIOError")
    except BlockingIOError:
        pass
    s.settimeout(0.3)
    try:
        s.recv(10)
        raise SystemExit("no timeout")
    except socket.timeout:
        pass
    s.shutdown(socket.SHUT_WR)
srv = socket.create_server(("", 7300))
if os.environ.get("CHECK_NAMES") == "1":
    assert srv.getsockname()[1] == 7300
srv.close()
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.settimeout(5)
assert u.connect_ex(("10.40.0.1", 7000)) == 0
u.send(b"udp")
assert u.recv(10) == b"udp"
u.close()
a, b = socket.socketpair()          # kernel AF_UNIX still works
a.send(b"k"); assert b.recv(1) == b"k"
print("API OK")
"""


def test_socket_module_surface(procs, vde, backend, tmp_path):
    p = procs.wrapped(prog("echo_server.py"), [7000, "-4"], "10.40.0.1/24",
                      vde, backend)
    wait_line(p, "READY")
    hosts = tmp_path / "hosts"
    hosts.write_text("10.40.0.1 web web.example\n")
    names = "0" if backend == "lwipv6" else "1"
    c = procs.wrapped(["-e", API], [], "10.40.0.2/24", vde, backend,
                      ("--hosts", str(hosts)), env={"CHECK_NAMES": names})
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "API OK" in out
    if backend == "lwipv6":
        pytest.skip("LWIPv6 1.5a misreports local addresses of IPv4 "
                    "sockets; getsockname() not checked")


def test_vde_setup_no_tap(procs, tmp_path):
    ctl = str(tmp_path / "s.ctl")
    env = {"PYCO_STATE_DIR": str(tmp_path / "st")}
    tool = [sys.executable, "-m", "pycotcp.vdesetup"]
    rc, out, err = finish(procs.start(tool + ["start", "--no-tap", ctl],
                                      env=env))
    assert rc == 0 and "started" in out, err
    try:
        rc, out, err = finish(procs.start(tool + ["start", "--no-tap", ctl],
                                          env=env))
        assert rc == 1 and "already running" in err
        rc, out, err = finish(procs.start(tool + ["status"], env=env))
        assert ctl in out and "running" in out
    finally:
        rc, out, err = finish(procs.start(tool + ["stop", ctl], env=env))
    assert rc == 0 and "stopped" in out, err
    assert not os.path.exists(ctl)
    rc, out, err = finish(procs.start(tool + ["stop", ctl], env=env))
    assert rc == 1 and "no switch started by pyco-vde-setup" in err, err
    rc, out, err = finish(procs.start(tool + ["start", "10.0.0.1", ctl],
                                      env=env))
    assert rc == 1 and "ADDR/BITS" in err


def test_every_socket_method(procs, vde, backend):
    """progs/walk_methods.py: each name of dir(socket.socket) works on the
    stack or raises EOPNOTSUPP, and none disturbs select() readiness."""
    p = procs.wrapped(prog("echo_server.py"), [7000, "-4"], "10.40.0.1/24",
                      vde, backend)
    wait_line(p, "READY")
    c = procs.wrapped(prog("walk_methods.py"), ["10.40.0.1", 7000],
                      "10.40.0.2/24", vde, backend)
    rc, out, err = finish(c, 120)
    assert rc == 0 and "WALK OK" in out, out + err


DUAL = r"""
import socket
assert socket.has_dualstack_ipv6()
srv = socket.create_server(("::", 7400), family=socket.AF_INET6,
                           dualstack_ipv6=True)
print("READY", flush=True)
for _ in range(2):
    c, peer = srv.accept()
    c.sendall(("%s %s" % (peer[0], c.getpeername()[0])).encode())
    c.close()
"""

DUAL_CLIENT = r"""
import socket, sys
for host in ("10.40.0.1", "fd00::1"):
    with socket.create_connection((host, 7400), timeout=10) as s:
        print("FROM", host, s.recv(100).decode(), flush=True)
"""


def test_create_server_dualstack(procs, vde, backend):
    s = procs.wrapped(["-e", DUAL], [], "10.40.0.1/24", vde, backend,
                      ("-6", "fd00::1/64"))
    wait_line(s, "READY")
    c = procs.wrapped(["-e", DUAL_CLIENT], [], "10.40.0.2/24", vde, backend,
                      ("-6", "fd00::2/64"))
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "FROM 10.40.0.1 " in out and "FROM fd00::1 " in out, out
    if backend == "lwipv6":
        pytest.skip("LWIPv6 1.5a returns garbage peer addresses for "
                    "accepted IPv6 sockets; addresses not checked")
    # accept() and getpeername() agree, v4-mapped as the kernel says
    assert "FROM 10.40.0.1 ::ffff:10.40.0.2 ::ffff:10.40.0.2" in out, out
    assert "FROM fd00::1 fd00::2 fd00::2" in out, out


NO_DUAL = r"""
import errno, socket
import pycotcp.socket as ps


def must_refuse(tag):
    assert not ps.has_dualstack_ipv6()
    try:
        ps.create_server(("::", 7401), family=ps.AF_INET6,
                         dualstack_ipv6=True)
        raise SystemExit("%s: dualstack_ipv6 silently ignored" % tag)
    except ValueError as e:
        print(tag, e)


must_refuse("NOSTACK")              # no stack at all: no dual-stack
# a stack that refuses IPV6_V6ONLY=0 (none of ours does): loud failure
from pycotcp.adapters import adapter_for, set_default
set_default(adapter_for("lwip"))
real = ps.socket.setsockopt
def setsockopt(self, level, name, value, optlen=None):
    if (level, name) == (ps.IPPROTO_IPV6, ps.IPV6_V6ONLY):
        raise OSError(errno.ENOPROTOOPT, "no dual-stack here")
    return real(self, level, name, value, optlen)
ps.socket.setsockopt = setsockopt
must_refuse("REFUSED")
s = ps.create_server(("::", 7401), family=ps.AF_INET6)
s.close()
print("V6 OK")
"""


def test_create_server_dualstack_unavailable(procs):
    rc, out, err = py(procs, NO_DUAL)
    assert rc == 0, out + err
    assert "NOSTACK dualstack_ipv6 not supported on this platform" in out
    assert "REFUSED dualstack_ipv6 not supported on this platform" in out
    assert "V6 OK" in out
