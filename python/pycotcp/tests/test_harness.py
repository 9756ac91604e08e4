"""The test harness itself.  A back-end is skipped only when it is not
installed, and vdestack only for that or for want of user namespaces,
always with the reason; any other error at set-up fails.  Every test has
a timeout, and a hang fails naming its test."""
import errno
import os
import shutil
import subprocess
import sys
import time

import pytest

import conftest

TESTS = os.path.dirname(os.path.abspath(__file__))
INI = os.path.join(os.path.dirname(TESTS), "pytest.ini")
# one test on each back-end
SUBSET = ["-k", "tcp_udp_exchange and ipv4",
          os.path.join(TESTS, "test_net.py")]


def test_only_not_installed_skips(monkeypatch):
    from pycotcp import _ioth

    def failing(code):
        def stack(backend):
            raise OSError(code, os.strerror(code))
        return stack
    monkeypatch.setattr(_ioth, "Stack", failing(errno.ENOSYS))
    assert "lwip back-end not installed" in conftest.stack_problem("lwip")
    for code in (errno.EACCES, errno.ENOMEM, errno.EBUSY, errno.ENOENT):
        monkeypatch.setattr(_ioth, "Stack", failing(code))
        with pytest.raises(OSError) as e:
            conftest.stack_problem("lwip")
        assert e.value.errno == code


def test_installed_backends_run_here():
    """The default back-end is installed in any test environment (it is
    in scripts/deps/pycotcp.txt) and never skipped for another cause."""
    assert conftest.backend_problem("lwip") is None


def run_subset(tmp_path, env=None, wrap=()):
    cmd = list(wrap) + [sys.executable, "-P", "-m", "pytest", "-p",
                        "no:cacheprovider", "-q", "-rs"] + SUBSET
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                       cwd=str(tmp_path), env=dict(os.environ, **(env or {})))
    return r.returncode, r.stdout + r.stderr


def test_vdestack_skipped_without_user_namespaces(tmp_path):
    """The probe forced to fail (PYCO_TEST_FORCE_NO_USERNS): vdestack
    tests skip with the reason, lwip and lwipv6 ones run."""
    rc, out = run_subset(tmp_path, {conftest.FORCE_NO_USERNS: "1"})
    assert rc == 0, out
    assert "2 passed, 1 skipped" in out, out
    assert "vdestack needs a user namespace: user namespaces unavailable " \
        "(forced by PYCO_TEST_FORCE_NO_USERNS)" in out, out


def test_vdestack_skipped_with_user_namespaces_disabled(tmp_path):
    """For real: in a user namespace of its own whose limit of nested
    ones is 0 (the host is untouched), vdestack cannot make its
    namespace; its test skips, the others pass."""
    if shutil.which("unshare") is None or conftest.userns_problem():
        pytest.skip("needs unshare(1) and a user namespace to run in: %s"
                    % (conftest.userns_problem() or "no unshare(1)"))
    sh = ("echo 0 > /proc/sys/user/max_user_namespaces && exec \"$@\"")
    rc, out = run_subset(tmp_path, wrap=["unshare", "-U", "-r", "sh", "-c",
                                         sh, "sh"])
    assert rc == 0, out
    assert "2 passed, 1 skipped" in out, out
    assert "vdestack needs a user namespace: user namespaces disabled: " \
        "/proc/sys/user/max_user_namespaces is 0" in out, out


def test_every_test_has_a_timeout(request):
    assert request.config.getini("timeout") == "120"
    assert request.config.getini("timeout_method") == "signal"


def test_a_hang_fails_and_names_its_test(tmp_path):
    """Under pytest.ini (the timeout shortened to 2 s), a test that hangs
    fails with a timeout naming it, and the run goes on to the next."""
    (tmp_path / "test_hang.py").write_text(
        "import time\n"
        "def test_hangs_forever():\n"
        "    time.sleep(3600)\n"
        "def test_after_the_hang():\n"
        "    pass\n")
    t0 = time.monotonic()
    r = subprocess.run([sys.executable, "-P", "-m", "pytest", "-v", "-c",
                        INI, "-o", "timeout=2", "--rootdir", str(tmp_path),
                        str(tmp_path / "test_hang.py")],
                       capture_output=True, text=True, timeout=60,
                       cwd=str(tmp_path))
    out = r.stdout + r.stderr
    assert time.monotonic() - t0 < 30, out
    assert r.returncode == 1, out
    assert "test_hang.py::test_hangs_forever FAILED" in out, out
    assert "Failed: Timeout >2.0s" in out, out
    assert "test_hang.py::test_after_the_hang PASSED" in out, out
