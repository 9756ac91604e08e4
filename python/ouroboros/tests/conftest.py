"""pytest fixtures: a private IRMd with a local layer for the whole run.

The IRMd runs in its own OUROBOROS_RUNDIR (a temporary directory) so the
tests never touch a system IRMd; every process a test starts is killed and
the directory removed at the end, also when a test fails.

Binaries are taken from $OURO_BIN (the build's bin/ directory) if set,
else from PATH, /usr/local/sbin and /usr/local/bin.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
EXAMPLES = os.path.abspath(os.path.join(HERE, "..", "..", "examples"))

# The library reads OUROBOROS_RUNDIR on first use: set it before anything
# of ouroboros is used in this process.
_RUNDIR = tempfile.mkdtemp(prefix="pyouro-test.")
os.chmod(_RUNDIR, 0o700)
os.environ["OUROBOROS_RUNDIR"] = _RUNDIR
_LOGDIR = tempfile.mkdtemp(prefix="pyouro-log.")


def find_bin(name):
    d = os.environ.get("OURO_BIN")
    if d:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    p = shutil.which(name)
    if p:
        return p
    for d in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return None


class Procs:
    """Processes started by tests; all killed at the end."""

    def __init__(self):
        self.procs = []

    def start(self, args, **kw):
        kw.setdefault("env", os.environ.copy())
        kw.setdefault("stdout", subprocess.PIPE)
        kw.setdefault("stderr", subprocess.PIPE)
        kw.setdefault("text", True)
        p = subprocess.Popen(args, start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def kill_all(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + 3
        for p in self.procs:
            try:
                p.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait()
        for p in self.procs:
            for s in (p.stdin, p.stdout, p.stderr):
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass
        self.procs.clear()


class Env:
    """What the tests get: the rundir, the binaries, helpers."""

    def __init__(self, rundir, irmd_proc, irm_bin, procs):
        self.rundir = rundir
        self.irmd_proc = irmd_proc
        self.irm_bin = irm_bin
        self.procs = procs
        self.layer = "local"

    def unique(self, base="t"):
        return "%s-%s" % (base, uuid.uuid4().hex[:10])

    def serve_self(self, name=None):
        """Register a fresh name and bind this (pytest) process to it."""
        from ouroboros import irm
        name = name or self.unique()
        irm.register_name(name, layer=self.layer)
        irm.bind_process(os.getpid(), name)
        return name

    def python(self, args, **kw):
        return self.procs.start([sys.executable, "-u"] + list(args), **kw)

    def irm(self, *args, check=True):
        r = subprocess.run([self.irm_bin] + list(args), capture_output=True,
                           text=True, timeout=30)
        if check and r.returncode != 0:
            raise AssertionError("irm %s failed: %s%s" % (
                " ".join(args), r.stdout, r.stderr))
        return r

    def assert_irmd_alive(self):
        assert self.irmd_proc.poll() is None, "the IRMd died"


def _wait_socket(rundir, proc, timeo=10.0):
    """Wait until the IRMd accepts connections: its socket file exists
    from bind(), a moment before it listens."""
    import socket as _socket
    sock = os.path.join(rundir, "irmd.sock")
    deadline = time.monotonic() + timeo
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with _socket.socket(_socket.AF_UNIX, _socket.SOCK_SEQPACKET) as s:
                s.connect(sock)
            return True
        except OSError:
            time.sleep(0.02)
    return False


@pytest.fixture(scope="session")
def ouro(request):
    irmd = find_bin("irmd")
    irm_bin = find_bin("irm")
    if irmd is None:
        pytest.fail("irmd not found: set OURO_BIN to the build's bin/")
    log = open(os.path.join(_LOGDIR, "irmd.log"), "w")
    procs = Procs()
    p = subprocess.Popen([irmd, "--stdout"], stdout=log,
                         stderr=subprocess.STDOUT, start_new_session=True)

    def fin():
        procs.kill_all()
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        log.close()
        shutil.rmtree(_RUNDIR, ignore_errors=True)
        if os.environ.get("PYOURO_KEEP_LOG"):
            print("irmd log kept in", _LOGDIR, file=sys.stderr)
        else:
            shutil.rmtree(_LOGDIR, ignore_errors=True)

    request.addfinalizer(fin)
    if not _wait_socket(_RUNDIR, p):
        with open(os.path.join(_LOGDIR, "irmd.log")) as f:
            pytest.fail("irmd did not start:\n" + f.read()[-2000:])

    from ouroboros import irm
    irm.bootstrap_ipcp("local", "local", type="local")
    return Env(_RUNDIR, p, irm_bin, procs)


@pytest.fixture
def procs(ouro):
    """Per-test processes, killed when the test ends."""
    pr = Procs()
    yield pr
    pr.kill_all()


SERVER = r'''
import os, sys
from ouroboros.dev import *
from ouroboros import irm
name = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else "echo"
irm.bind_process(os.getpid(), name)
print("ready", flush=True)
if mode == "idle":                  # bound, but never accepts
    sys.stdin.readline()
    sys.exit(0)
while True:
    f = flow_accept()
    if mode == "echo":
        try:
            while True:
                f.write(f.read())
        except FlowDownError:
            f.dealloc()
    elif mode == "hold":
        sys.stdin.readline()        # keep the flow until told
        f.dealloc()
    elif mode == "close":
        f.dealloc()
'''


@pytest.fixture
def server(ouro, procs):
    """start(mode="echo") -> name: a server process bound to a new name.

    Modes: echo (echo every packet until the peer leaves), idle (bound
    but never accepting), hold (accept,
    keep the flow until a line on stdin), close (accept and dealloc).
    """
    from ouroboros import irm

    def start(mode="echo"):
        name = ouro.unique("srv")
        irm.register_name(name, layer=ouro.layer)
        p = procs.start([sys.executable, "-u", "-c", SERVER, name, mode],
                        stdin=subprocess.PIPE)
        line = p.stdout.readline()
        assert line.strip() == "ready", p.stderr.read()
        return name, p

    return start


@pytest.fixture(scope="session")
def self_name(ouro):
    """A name bound to this pytest process (for in-process flow pairs)."""
    return ouro.serve_self()


@pytest.fixture
def pair(self_name):
    """make(qos=None) -> (client, server): two ends of one local flow, both
    in this process; deallocated after the test."""
    import threading
    from ouroboros.dev import flow_accept, flow_alloc
    made = []

    def make(qos=None):
        box = {}

        def acc():
            try:
                box["s"] = flow_accept(timeo=10)
            except BaseException as e:      # handed to the test
                box["e"] = e

        t = threading.Thread(target=acc)
        t.start()
        c = flow_alloc(self_name, qos, timeo=10)
        t.join(15)
        if "e" in box:
            raise box["e"]
        made.extend([c, box["s"]])
        return c, box["s"]

    yield make
    for f in made:
        f.dealloc()


def bind_announced(pid, name, timeo=10.0):
    """Bind process pid to name once it has announced itself to the IRMd
    (at its first call into the library; the IRMd refuses, with ESRCH,
    to bind a process that has not)."""
    import errno
    from ouroboros import errors, irm
    deadline = time.monotonic() + timeo
    while True:
        try:
            irm.bind_process(pid, name)
            return
        except errors.OuroborosError as e:
            if e.errno != errno.ESRCH or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def start_example_server(ouro, procs, script, base):
    """Start python/examples/<script> -l -n <fresh name>, registered in
    the test layer, and bind it once it serves: (name, process)."""
    from ouroboros import irm
    name = ouro.unique(base)
    irm.register_name(name, layer=ouro.layer)
    p = procs.start([sys.executable, "-u", os.path.join(EXAMPLES, script),
                     "-l", "-n", name])
    assert p.stdout.readline().startswith("Serving"), p.stderr.read()
    bind_announced(p.pid, name)
    return name, p


def pytest_unconfigure(config):
    """Remove the run's directories even when no test used the IRMd."""
    shutil.rmtree(_RUNDIR, ignore_errors=True)
    if not os.environ.get("PYOURO_KEEP_LOG"):
        shutil.rmtree(_LOGDIR, ignore_errors=True)
