"""Bad input and faults: clear messages, the right OSError subclasses, no
hangs and nothing left behind."""
import os
import signal
import subprocess
import sys
import time

import pytest

from conftest import finish, prog, wait_line
from pycotcp import switch as pswitch

WRAP = [sys.executable, "-m", "pycotcp.wrapper"]


def run_code(procs, code, vde, backend, addr="10.40.0.2/24", extra=()):
    p = procs.wrapped(["-e", code], [], addr, vde, backend, extra)
    return finish(p)


@pytest.mark.parametrize("addr,msg", [
    ("10.40.0.300/24", "invalid address"),
    ("10.40.0.1/33", "invalid address"),
    ("not-an-address", "invalid address"),
])
def test_bad_address(procs, vde, addr, msg):
    rc, out, err = finish(procs.start(WRAP + ["-e", "pass", "-a", addr,
                                              "-f", vde]))
    assert rc == 1 and msg in err, err


def test_bad_netmask(procs, vde):
    rc, out, err = finish(procs.start(WRAP + ["-e", "pass", "-a",
                                              "10.40.0.1", "-n",
                                              "255.0.255.0", "-f", vde]))
    assert rc == 1 and "invalid netmask" in err, err


def test_unknown_backend(procs, vde):
    rc, out, err = finish(procs.start(WRAP + ["-e", "pass", "-a",
                                              "10.40.0.1/24", "-f", vde,
                                              "-l", "nosuch"]))
    assert rc == 1 and "unknown back-end 'nosuch'" in err, err


def test_picotcp_name_mapped(procs, vde):
    rc, out, err = finish(procs.start(WRAP + ["-e", "print('ran')", "-a",
                                              "10.40.0.1/24", "-f", vde,
                                              "-l", "picotcp"]))
    assert rc == 0 and "ran" in out, err
    assert "picotcp is not installable here; using the lwip back-end" in err


def test_missing_switch(procs, tmp_path):
    rc, out, err = finish(procs.start(WRAP + ["-e", "pass", "-a",
                                              "10.40.0.1/24", "-f",
                                              str(tmp_path / "none.ctl")]))
    assert rc == 1 and "no VDE switch at" in err, err


def test_bad_url(procs, tmp_path):
    rc, out, err = finish(procs.start(WRAP + ["-e", "pass", "-a",
                                              "10.40.0.1/24", "-f",
                                              "bogus://x"]))
    assert rc == 1 and "unsupported VDE URL scheme 'bogus'" in err, err


def test_script_raises(procs, vde, backend):
    rc, out, err = run_code(procs, "raise RuntimeError('boom')", vde,
                            backend)
    assert rc == 1 and "RuntimeError: boom" in err


def test_create_switch_and_cleanup(procs, tmp_path):
    ctl = str(tmp_path / "auto.ctl")
    env = {"PYCO_STATE_DIR": str(tmp_path / "st")}
    p = procs.start(WRAP + ["-e", "import os; print(os.path.isdir(%r))" % ctl,
                            "-a", "10.40.0.1/24", "-f", ctl, "-c"], env=env)
    rc, out, err = finish(p)
    assert rc == 0 and "True" in out, err
    assert not os.path.exists(ctl), "switch left behind"
    p = procs.start(WRAP + ["-e", "raise SystemExit(3)", "-a", "10.40.0.1/24",
                            "-f", ctl, "-c"], env=env)
    rc, out, err = finish(p)
    assert rc == 3 and not os.path.exists(ctl)


SOCKET_FAULTS = r"""
import socket, errno, select, time
s = socket.socket()
s.settimeout(5)
try:
    s.connect(('10.40.0.1', 9))
except ConnectionRefusedError as e:
    print('REFUSED', e.errno == errno.ECONNREFUSED)
s.close()
s = socket.socket()
s.settimeout(1.5)
t = time.monotonic()
try:
    s.connect(('10.40.0.99', 80))
except OSError as e:
    print('NOWHERE %s %.1f' % (type(e).__name__, time.monotonic() - t))
s.settimeout(0.3)
for op in (lambda: s.send(b'x'), lambda: s.recv(1)):
    try:
        op()                # the connect may still run: no data yet
        print('USED AFTER TIMEOUT')
    except (TimeoutError, OSError) as e:
        print('UNUSABLE', type(e).__name__)
s.close()
s = socket.socket()
s.setblocking(False)
t = time.monotonic()
r = s.connect_ex(('10.40.0.1', 7000))
w = select.select([], [s], [], 5)[1]
print('NB OK', r in (0, errno.EINPROGRESS), time.monotonic() - t < 0.5,
      bool(w), s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR))
s.setblocking(True)
s.sendall(b'nb')
print('NB ECHO', s.recv(10))
s.close()
s = socket.socket()
s.setblocking(False)
r = s.connect_ex(('10.40.0.1', 9))
w = select.select([], [s], [], 5)[1]
print('NB REFUSED', r == errno.ECONNREFUSED or (bool(w) and s.getsockopt(
    socket.SOL_SOCKET, socket.SO_ERROR) == errno.ECONNREFUSED))
s.close()
left = socket.socket()
left.setblocking(False)
t = time.monotonic()
r = left.connect_ex(('10.40.0.99', 80))
w = select.select([], [left], [], 0.5)[1]
print('NB NOWHERE', r == errno.EINPROGRESS, bool(w),
      '%.1f' % (time.monotonic() - t))
# left connecting: the stack is deleted at exit, at once
a = socket.socket()
a.bind(('0.0.0.0', 7100))
a.listen()
b = socket.socket()
try:
    b.bind(('0.0.0.0', 7100))
    b.listen()
    print('NO EADDRINUSE')
except OSError as e:
    print('INUSE', e.errno == errno.EADDRINUSE)
try:
    socket.create_connection(('no.such.name', 80), timeout=1)
except socket.gaierror as e:
    print('GAIERROR')
try:
    s.send(b'x')
except OSError as e:
    print('CLOSED', e.errno == errno.EBADF)
"""


def test_socket_errors(procs, vde, backend):
    p = procs.wrapped(prog("echo_server.py"), [7000, "-4"], "10.40.0.1/24",
                      vde, backend)
    wait_line(p, "READY")
    t = time.monotonic()
    rc, out, err = run_code(procs, SOCKET_FAULTS, vde, backend)
    took = time.monotonic() - t
    assert rc == 0, err
    assert "REFUSED True" in out
    assert "GAIERROR" in out
    assert "CLOSED True" in out
    # connects honour timeouts and non-blocking mode (LWIPv6 1.5a's own
    # connect blocked ~12 s whatever they were: src/ioth/lwipv6_conn.c)
    assert "NOWHERE TimeoutError 1." in out, out
    assert out.count("UNUSABLE") == 2, out
    assert "NB OK True True True 0" in out, out
    assert "NB ECHO b'nb'" in out, out
    assert "NB REFUSED True" in out, out
    assert "NB NOWHERE True False 0.5" in out, out
    # ... and the program ends without waiting for the connect still
    # running (the kernel's takes ~1.5 + 1 s of timeouts, and start-up;
    # waiting for LWIPv6's own connect would add ~12 s). 8 s was too
    # tight on a loaded machine (8.1 s with the tests run in parallel)
    assert took < 11, "%.1f s: %s" % (took, out)
    # LWIPv6 1.5a binds a port in use: libioth refuses (lwipv6_port.c)
    assert "INUSE True" in out, out


FULL_SERVER = r"""
import socket, sys
lst = socket.create_server(('0.0.0.0', 7200))
print('READY', flush=True)
c, _ = lst.accept()
sys.stdin.readline()        # reads nothing: the client's sends fill up
"""

FULL_CLIENT = r"""
import socket, time
s = socket.create_connection(('10.40.0.1', 7200), timeout=5)
s.settimeout(1)
longest = sent = short = 0
try:
    for i in range(2000):
        t = time.monotonic()
        n = s.send(b'x' * 60000)
        longest = max(longest, time.monotonic() - t)
        sent += n
        short += n < 60000
    print('NEVER FULL', sent)
except TimeoutError:
    longest = max(longest, time.monotonic() - t)
    print('FULL %d %d %.1f' % (sent, short, longest))
s.setblocking(False)
t = time.monotonic()
try:
    s.send(b'y' * 60000)        # what room an ACK may have made
except BlockingIOError:
    pass
print('NB %.1f' % (time.monotonic() - t))
s.settimeout(0.5)
t = time.monotonic()
try:
    s.sendall(b'z' * 200000)
    print('SENDALL SENT')
except TimeoutError:
    print('SENDALL TIMEOUT %.1f' % (time.monotonic() - t))
"""


def test_send_timeout_when_full(procs, vde, backend):
    # a send larger than the room ends by its timeout (LWIPv6 1.5a takes
    # a whole message before it returns: src/ioth/lwipv6.c bounds it)
    p = procs.wrapped(["-e", FULL_SERVER], [], "10.40.0.1/24", vde, backend,
                      stdin=subprocess.PIPE)
    wait_line(p, "READY")
    rc, out, err = run_code(procs, FULL_CLIENT, vde, backend)
    assert rc == 0, err
    assert "FULL " in out, out
    full = out.split("FULL ")[1].split()
    assert float(full[2]) < 2.0, out        # no send outlasts 1 s by far
    assert "NB 0.0" in out, out             # a non-blocking one: at once
    assert "SENDALL TIMEOUT 0.5" in out, out


KILLED = r"""
import socket, sys, time
s = socket.create_connection(('10.40.0.1', 7000), timeout=5)
s.sendall(b'ping'); assert s.recv(10) == b'ping'
print('CONNECTED', flush=True)
sys.stdin.readline()            # the switch is killed meanwhile
t = time.monotonic()
try:
    for i in range(100):
        s.sendall(b'x' * 1000)
        s.recv(10)
    print('NO ERROR')
except OSError as e:
    print('ERROR %s %.1f' % (type(e).__name__, time.monotonic() - t))
"""


def test_switch_killed_mid_connection(procs, vde, backend):
    p = procs.wrapped(prog("echo_server.py"), [7000, "-4"], "10.40.0.1/24",
                      vde, backend)
    wait_line(p, "READY")
    c = procs.start(WRAP + ["-e", KILLED, "-a", "10.40.0.2/24", "-f", vde,
                            "-l", backend], stdin=subprocess.PIPE)
    wait_line(c, "CONNECTED")
    with open(vde + ".pid") as f:
        os.kill(int(f.read()), signal.SIGKILL)
    time.sleep(0.5)
    c.stdin.write("go\n")
    c.stdin.flush()
    rc, out, err = finish(c, 60)
    assert rc == 0, err
    assert "ERROR" in out, out
    if backend == "lwip":       # the link loss aborts connections at once
        assert "ConnectionAbortedError" in out, out


KILL_SERVER = r"""
import socket
lst = socket.create_server(('0.0.0.0', 7100))
print('READY', flush=True)
c, _ = lst.accept()
c.settimeout(1)
idle = 0
while idle < 2:
    try:
        d = c.recv(65536)
    except TimeoutError:
        idle += 1
        continue
    except OSError as e:
        print('SERVER %s' % type(e).__name__, flush=True)
        break
    if not d:
        print('SERVER EOF', flush=True)
        break
    idle = 0
    try:
        c.sendall(d)
    except OSError as e:
        print('SERVER %s' % type(e).__name__, flush=True)
        break
print('SERVER DONE', flush=True)
"""

KILL_CLIENT = r"""
import socket, time
s = socket.create_connection(('10.40.0.1', 7100), timeout=5)
s.settimeout(1)
msg = b'e' * 8192
t = None
try:
    for i in range(100000):
        s.sendall(msg)
        got = 0
        while got < len(msg):
            d = s.recv(len(msg) - got)
            if not d:
                raise EOFError
            got += len(d)
        if i == 2:
            print('STREAMING', flush=True)
            t = time.monotonic()
    print('NO ERROR')
except (OSError, EOFError) as e:
    print('ERROR %s %.1f' % (type(e).__name__, time.monotonic() - t))
"""


def test_switch_killed_mid_echo(procs, vde, backend, tmp_path):
    """The switch dies during 8 KB echoes with timeouts set on both sides:
    both processes see an error or their timeouts, none blocks for ever
    (LWIPv6 did, 3 kills in 23: its receive ignored the timeout), and both
    exit cleanly (an LWIPv6 process aborted at exit on a heap its stack
    thread had corrupted, 1 test run in 3: a write semaphore signalled
    after it was freed, src/ioth/lwipv6_fix.c).  lwipv6 is tried 3
    times."""
    for rep in range(3 if backend == "lwipv6" else 1):
        ctl = vde
        if rep > 0:
            ctl = str(tmp_path / ("sw%d.ctl" % rep))
            pswitch.start(ctl)
        srv = procs.wrapped(["-e", KILL_SERVER], [], "10.40.0.1/24", ctl,
                            backend)
        wait_line(srv, "READY")
        cli = procs.wrapped(["-e", KILL_CLIENT], [], "10.40.0.2/24", ctl,
                            backend)
        wait_line(cli, "STREAMING")
        time.sleep(0.2)
        with open(ctl + ".pid") as f:
            os.kill(int(f.read()), signal.SIGKILL)
        rc, out, err = finish(cli, 30)
        assert rc == 0 and "ERROR" in out, (rep, out, err)
        rc, out, err = finish(srv, 30)
        assert rc == 0 and "SERVER DONE" in out, (rep, out, err)
        if rep > 0:
            try:
                pswitch.stop(ctl)
            except pswitch.SwitchError:
                pass
