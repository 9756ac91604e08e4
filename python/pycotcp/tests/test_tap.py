"""A kernel client in a network namespace made by the test reaches a stack
through the tap device of pyco-vde-setup (root only; nothing is added to
the host's own namespace)."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import finish, wait_line

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None
    or not os.path.exists("/dev/net/tun"),
    reason="needs root, iproute2 and /dev/net/tun to make a test namespace "
    "with a tap device")


@pytest.fixture
def netns_switch(tmp_path):
    ns = "pycotest%d" % os.getpid()
    ctl = str(tmp_path / "tap.ctl")
    env = dict(os.environ, PYCO_STATE_DIR=str(tmp_path / "st"))
    tool = [sys.executable, "-m", "pycotcp.vdesetup"]
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo",
                        "up"], check=True)
        r = subprocess.run(tool + ["start", "10.40.0.254/24", ctl,
                                   "--netns", ns], env=env,
                           capture_output=True, text=True, cwd=str(tmp_path))
        assert r.returncode == 0, r.stderr
        try:
            yield ns, ctl
        finally:
            subprocess.run(tool + ["stop", ctl], env=env,
                           capture_output=True, cwd=str(tmp_path))
    finally:
        subprocess.run(["ip", "netns", "del", ns])


def test_kernel_client_through_tap(procs, netns_switch, backend, tmp_path):
    ns, ctl = netns_switch
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("stack page for the kernel\n")
    s = procs.wrapped(["-m", "http.server"], [8000], "10.40.0.1/24", ctl,
                      backend, cwd=str(www))
    wait_line(s, "Serving HTTP")
    code = ("import urllib.request;print(urllib.request.urlopen("
            "'http://10.40.0.1:8000/index.html', timeout=10).read().decode())")
    c = procs.start(["ip", "netns", "exec", ns, sys.executable, "-c", code])
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "stack page for the kernel" in out
    # the tap lives only in the test namespace
    host = subprocess.run(["ip", "link", "show", "pyco0"],
                          capture_output=True)
    assert host.returncode != 0
