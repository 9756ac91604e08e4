"""A kernel client in a network namespace made by the test reaches a stack
through the tap device of pyco-vde-setup (root only; nothing is added to
the host's own namespace); with --jumbo, kernel TCP and lwip exchange 9000-
byte packets both ways."""
import os
import shutil
import subprocess
import sys

import pytest

from conftest import backend_problem, finish, prog, wait_line

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("ip") is None
    or not os.path.exists("/dev/net/tun"),
    reason="needs root, iproute2 and /dev/net/tun to make a test namespace "
    "with a tap device")


def _netns_switch(tmp_path, extra=()):
    ns = "pycotest%d" % os.getpid()
    ctl = str(tmp_path / "tap.ctl")
    env = dict(os.environ, PYCO_STATE_DIR=str(tmp_path / "st"))
    tool = [sys.executable, "-m", "pycotcp.vdesetup"]
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "netns", "exec", ns, "ip", "link", "set", "lo",
                        "up"], check=True)
        r = subprocess.run(tool + ["start", "10.40.0.254/24", ctl,
                                   "--netns", ns] + list(extra), env=env,
                           capture_output=True, text=True, cwd=str(tmp_path))
        assert r.returncode == 0, r.stderr
        try:
            yield ns, ctl
        finally:
            subprocess.run(tool + ["stop", ctl], env=env,
                           capture_output=True, cwd=str(tmp_path))
    finally:
        subprocess.run(["ip", "netns", "del", ns])


@pytest.fixture
def netns_switch(tmp_path):
    yield from _netns_switch(tmp_path)


@pytest.fixture
def netns_jumbo_switch(tmp_path):
    yield from _netns_switch(tmp_path, ["--jumbo"])


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


SIZE = 4 * 1000 * 1000


def _counters(ns):
    """(rx bytes, rx packets, tx bytes, tx packets) of the tap in ns; rx
    is what the stacks sent to the kernel."""
    out = subprocess.run(
        ["ip", "netns", "exec", ns, "cat"] +
        ["/sys/class/net/pyco0/statistics/%s" % n for n in
         ("rx_bytes", "rx_packets", "tx_bytes", "tx_packets")],
        capture_output=True, text=True, check=True).stdout
    return [int(v) for v in out.split()]


def _mean_size(before, after, i):
    return (after[i] - before[i]) / max(1, after[i + 1] - before[i + 1])


def test_jumbo_kernel_and_lwip(procs, netns_jumbo_switch):
    if backend_problem("lwip"):
        pytest.skip(backend_problem("lwip"))
    ns, ctl = netns_jumbo_switch
    link = subprocess.run(["ip", "-n", ns, "link", "show", "pyco0"],
                          capture_output=True, text=True)
    assert "mtu 9000" in link.stdout, link.stdout + link.stderr
    mtu = ("--mtu", "9000")
    kernel = ["ip", "netns", "exec", ns, sys.executable, prog("bulk.py")]
    # lwip sends, the kernel receives: in 9000-byte packets (the kernel's
    # MSS reached lwip's connection)
    c0 = _counters(ns)
    s = procs.wrapped(prog("bulk.py"), ["serve", 7012, SIZE],
                      "10.40.0.1/24", ctl, "lwip", mtu)
    wait_line(s, "READY")
    rc, out, err = finish(procs.start(kernel + ["get", "10.40.0.1", "7012",
                                                str(SIZE)]), 120)
    assert rc == 0 and "BULK OK" in out, err
    c1 = _counters(ns)
    assert _mean_size(c0, c1, 0) > 8000, (c0, c1)
    # the kernel sends, lwip receives: also in 9000-byte packets (lwip's
    # SYN announced the jumbo MSS)
    k = procs.start(kernel + ["serve", "7013", str(SIZE)])
    wait_line(k, "READY")
    c = procs.wrapped(prog("bulk.py"), ["get", "10.40.0.254", 7013, SIZE],
                      "10.40.0.1/24", ctl, "lwip", mtu)
    rc, out, err = finish(c, 120)
    assert rc == 0 and "BULK OK" in out, err
    c2 = _counters(ns)
    assert _mean_size(c1, c2, 2) > 8000, (c1, c2)
