"""Fixtures: a private VDE switch per test, programs run under pyco-wrapper
in their own processes, and cleanup of every process and switch."""
import errno
import functools
import os
import signal
import subprocess
import sys
import time

import pytest

from pycotcp import switch as pswitch

PROGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "progs")
BACKENDS = ["lwip", "vdestack", "lwipv6"]


# errno of unshare(CLONE_NEWUSER) when user namespaces cannot be made:
# EPERM (seccomp in containers, a chroot, kernel.unprivileged_userns_clone
# 0), EINVAL (kernel without them), ENOSPC/EUSERS (limit 0 or reached)
USERNS_UNAVAILABLE = (errno.EPERM, errno.EINVAL, errno.ENOSPC, errno.EUSERS)
FORCE_NO_USERNS = "PYCO_TEST_FORCE_NO_USERNS"  # for test_harness.py only
UNSHARE_PROBE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
os._exit(0 if libc.unshare(0x10000000) == 0 else ctypes.get_errno())
"""


@functools.lru_cache(maxsize=None)
def userns_problem():
    """Why a user namespace (vdestack makes one per stack) cannot be
    created here, or None; probed in a child process."""
    if os.environ.get(FORCE_NO_USERNS):
        return "user namespaces unavailable (forced by %s)" % FORCE_NO_USERNS
    try:
        with open("/proc/sys/user/max_user_namespaces") as f:
            if int(f.read()) == 0:
                return "user namespaces disabled: " \
                    "/proc/sys/user/max_user_namespaces is 0"
    except (OSError, ValueError):
        pass
    rc = subprocess.run([sys.executable, "-c", UNSHARE_PROBE]).returncode
    if rc in USERNS_UNAVAILABLE:
        return "cannot create a user namespace: unshare(CLONE_NEWUSER): " \
            "%s" % os.strerror(rc)
    return None


def stack_problem(backend):
    """"back-end not installed" (ENOSYS), the one reason to skip at
    stack creation, or None; any other error is raised (a failure)."""
    from pycotcp import _ioth
    try:
        st = _ioth.Stack(backend)
    except OSError as e:
        if e.errno == errno.ENOSYS:
            return "%s back-end not installed: %s" % (backend, e.strerror)
        raise
    st.close()
    return None


@functools.lru_cache(maxsize=None)
def backend_problem(backend):
    """Why a back-end cannot run here (not installed; for vdestack, no user
    namespaces), or None.  Nothing else skips: other errors fail."""
    # vdestack first: without user namespaces its stack creation fails
    # (EPERM or ENOSPC), and that cause, found by its own probe, skips.
    if backend == "vdestack":
        why = userns_problem()
        if why:
            return "vdestack needs a user namespace: %s" % why
    return stack_problem(backend)


@pytest.fixture(params=BACKENDS)
def backend(request):
    why = backend_problem(request.param)
    if why:
        pytest.skip(why)
    return request.param


@pytest.fixture
def vde(tmp_path):
    """A private switch (no tap), stopped at the end even on failure."""
    os.environ["PYCO_STATE_DIR"] = str(tmp_path / "state")
    ctl = str(tmp_path / "sw.ctl")
    pswitch.start(ctl)
    try:
        yield ctl
    finally:
        try:
            pswitch.stop(ctl)
        except pswitch.SwitchError:
            pass


class Procs:
    """Start programs (each in its own process group); kill all at the end."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.procs = []

    def start(self, argv, **kw):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                  "all_proxy", "ALL_PROXY", "no_proxy"):
            env.pop(k, None)
        env.update(kw.pop("env", {}))
        p = subprocess.Popen(argv, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True,
                             cwd=kw.pop("cwd", str(self.tmp)), env=env,
                             start_new_session=True, **kw)
        self.procs.append(p)
        return p

    def wrapped(self, prog, args, addr, ctl, backend, extra=(), **kw):
        """Run a program (script path, ['-m', mod] or ['-e', code])."""
        head = [prog] if isinstance(prog, str) else list(prog)
        argv = [sys.executable, "-m", "pycotcp.wrapper"] + head + \
            ["-a", addr, "-f", ctl, "-l", backend] + list(extra) + \
            ["--"] + [str(a) for a in args]
        return self.start(argv, **kw)

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGTERM)
                    p.wait(5)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(p.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
                    p.wait()
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()


@pytest.fixture
def procs(tmp_path):
    pr = Procs(tmp_path)
    try:
        yield pr
    finally:
        pr.cleanup()


def prog(name):
    return os.path.join(PROGS, name)


def wait_line(p, word, timeout=20):
    """Read p's stdout until a line contains word; fail on exit/timeout."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    end = time.monotonic() + timeout
    seen = []
    while time.monotonic() < end:
        if not sel.select(max(0.0, end - time.monotonic())):
            break
        line = p.stdout.readline()
        if not line:
            break
        seen.append(line)
        if word in line:
            sel.close()
            return line
    sel.close()
    err = ""
    if p.poll() is not None:
        err = p.stderr.read()
    pytest.fail("no %r from %s; stdout %r stderr %r" % (word, p.args, seen,
                                                       err))


def finish(p, timeout=60):
    """Wait for p; return (rc, stdout, stderr)."""
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, err = p.communicate()
        pytest.fail("%s hung; stdout %r stderr %r" % (p.args, out, err))
    return p.returncode, out, err
