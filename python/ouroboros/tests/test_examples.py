"""The example scripts, run as programs (the seed's walkthrough verbatim)."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import pytest

from conftest import (EXAMPLES, Procs, _wait_socket, find_bin,
                      start_example_server)


def _py_has_package(python):
    r = subprocess.run([python, "-c", "import ouroboros._dev"],
                       capture_output=True)
    return r.returncode == 0


@pytest.fixture
def fresh_irmd():
    """A second private IRMd with nothing in it, for verbatim commands."""
    rundir = tempfile.mkdtemp(prefix="pyouro-walk.")
    env = dict(os.environ, OUROBOROS_RUNDIR=rundir)
    log = open(os.path.join(rundir, "..", os.path.basename(rundir) + ".log"),
               "w")
    p = subprocess.Popen([find_bin("irmd"), "--stdout"], env=env,
                         stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)
    procs = Procs()
    try:
        assert _wait_socket(rundir, p), "irmd did not start"
        env["_IRMD_PID"] = str(p.pid)
        yield env, procs
    finally:
        procs.kill_all()
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
        os.unlink(log.name)
        shutil.rmtree(rundir, ignore_errors=True)


def _sh(cmd, env, cwd):
    r = subprocess.run(cmd, shell=True, env=env, cwd=cwd, capture_output=True,
                       text=True, timeout=30)
    assert r.returncode == 0, (cmd, r.stdout, r.stderr)
    return r.stdout


def _wait_bound(env, name, timeo=10):
    """Until a process is bound to name: the server announces itself at
    its first library call, just after it printed its banner."""
    deadline = time.monotonic() + timeo
    while time.monotonic() < deadline:
        out = subprocess.run([find_bin("irm"), "name", "list"], env=env,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            f = line.split()
            if f and f[0] == name and f[-3].isdigit() and int(f[-3]) > 0:
                return
        time.sleep(0.05)
    raise AssertionError("no process bound to %s:\n%s" % (name, out))


def test_seed_walkthrough_verbatim(fresh_irmd):
    """irm i b t local n local l local; irm n r oecho l local;
    irm b prog ./oecho.py n oecho; ./oecho.py -l &; ./oecho.py"""
    env, procs = fresh_irmd
    if not _py_has_package("/usr/bin/python3") and \
            "PYTHONPATH" not in env:
        pytest.fail("/usr/bin/python3 cannot import ouroboros: install the "
                    "package system-wide (scripts/test-python.sh does)")
    irm_dir = os.path.dirname(find_bin("irm"))
    env["PATH"] = irm_dir + os.pathsep + env["PATH"]
    cwd = EXAMPLES
    _sh("irm i b t local n local l local", env, cwd)
    _sh("irm n r oecho l local", env, cwd)
    _sh("irm b prog ./oecho.py n oecho", env, cwd)
    srv = procs.start(["./oecho.py", "-l"], env=env, cwd=cwd)
    assert srv.stdout.readline().strip() == "Starting the server."
    _wait_bound(env, "oecho")
    for _ in range(3):
        out = _sh("./oecho.py", env, cwd)
        assert out == "Hello, PyOuroboros!\n"
    srv.send_signal(signal.SIGTERM)
    out, _ = srv.communicate(timeout=10)
    assert "New flow." in out
    assert "Message from client is Hello, PyOuroboros!" in out


def test_oecho_started_as_python_script(fresh_irmd):
    """The seed's alternative: python oecho.py -l (bound by program)."""
    env, procs = fresh_irmd
    irm_bin = find_bin("irm")
    for cmd in (["i", "b", "t", "local", "n", "local", "l", "local"],
                ["n", "r", "oecho", "l", "local"],
                ["b", "prog", os.path.join(EXAMPLES, "oecho.py"),
                 "n", "oecho"]):
        subprocess.run([irm_bin] + cmd, env=env, check=True, timeout=30,
                       capture_output=True)
    srv = procs.start([sys.executable, "oecho.py", "-l"], env=env,
                      cwd=EXAMPLES)
    assert srv.stdout.readline().strip() == "Starting the server."
    _wait_bound(env, "oecho")
    r = subprocess.run([sys.executable, "oecho.py"], env=env, cwd=EXAMPLES,
                       capture_output=True, text=True, timeout=30)
    assert r.stdout == "Hello, PyOuroboros!\n", r.stderr


def test_flowset_echo_example_many_clients(ouro, procs):
    name, p = start_example_server(ouro, procs, "oecho_set.py", "set")
    r = subprocess.run([sys.executable, os.path.join(EXAMPLES, "oecho_set.py"),
                        "-n", name, "-c", "50", "-m", "20"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "50 clients x 20 lines: 0 failed" in r.stdout
    assert p.poll() is None


def test_asyncio_example(ouro, procs):
    name, p = start_example_server(ouro, procs, "oecho_async.py", "async")
    r = subprocess.run([sys.executable,
                        os.path.join(EXAMPLES, "oecho_async.py"),
                        "-n", name, "-c", "20", "-m", "10"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "20 async clients x 10 lines: 0 failed" in r.stdout
    assert p.poll() is None


DEAD = r'''
import os, sys, threading
from ouroboros import irm, errors
from ouroboros.dev import *
irm.bootstrap_ipcp("local", "local", type="local")
irm.register_name("me", layer="local")
irm.bind_process(os.getpid(), "me")
box = {}
t = threading.Thread(target=lambda: box.setdefault("s", flow_accept(timeo=10)))
t.start()
c = flow_alloc("me", timeo=10)
t.join()
s = box["s"]
c.write(b"before")
assert s.read() == b"before"
print("ready", flush=True)
sys.stdin.readline()                # the IRMd is killed now
def attempt(what, fn):
    try:
        fn()
        print(what, "ok")
    except errors.OuroborosError as e:
        print(what, type(e).__name__)
attempt("alloc", lambda: flow_alloc("me", timeo=2))
attempt("accept", lambda: flow_accept(timeo=0.5))
attempt("list", irm.list_ipcps)
s.set_rcv_timeout(2)
attempt("write", lambda: c.write(b"after"))
attempt("read", lambda: s.read())
c.dealloc()
s.dealloc()
print("done", flush=True)
'''


def test_dead_irmd_gives_clear_errors(fresh_irmd):
    env, procs = fresh_irmd
    p = procs.start([sys.executable, "-u", "-c", DEAD], env=env,
                    stdin=subprocess.PIPE)
    assert p.stdout.readline().strip() == "ready", p.stderr.read()
    os.kill(int(env["_IRMD_PID"]), signal.SIGKILL)
    time.sleep(0.5)
    out, err = p.communicate("go\n", timeout=60)
    assert p.returncode == 0, err
    lines = dict(l.split(" ", 1) for l in out.splitlines() if " " in l)
    assert lines["alloc"] in ("IRMdError",), out
    assert lines["accept"] in ("IRMdError",), out
    assert lines["list"] == "IRMdError", out
    # the existing flow: either still delivering or a clean FlowDownError
    assert lines["write"] in ("ok", "FlowDownError"), out
    assert lines["read"] in ("ok", "FlowDownError"), out
    assert out.rstrip().endswith("done")
