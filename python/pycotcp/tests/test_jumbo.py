"""Jumbo frames (--mtu / DeviceInfo.with_mtu): on a hub that carries them,
lwip's TCP sends segments as large as the MTU although Debian's lwIP is
built with TCP_MSS 1460 (src/ioth/lwip_mss.c), and data arrives intact.
A third plug on the hub sees every frame and records the largest."""
import os
import shutil
import signal
import struct
import subprocess
import threading
import time

import pytest

from conftest import backend_problem, finish, prog, wait_line

A4, B4 = "10.40.0.1/24", "10.40.0.2/24"
SIZE = 3 * 1000 * 1000

pytestmark = pytest.mark.skipif(shutil.which("vde_plug") is None,
                                reason="vde_plug (vdeplug4) not installed")


def _stop(p):
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


@pytest.fixture
def hub(tmp_path):
    """vdeplug4's hub (it carries 9234-byte frames; vde_switch cuts them at
    1518), and a capture plug on it; yields (ctl, capture)."""
    ctl = str(tmp_path / "hub.ctl")
    h = subprocess.Popen(["vde_plug", "null://", "hub://" + ctl],
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, start_new_session=True)
    cap = None
    try:
        for _ in range(250):
            if os.path.exists(os.path.join(ctl, "ctl")):
                break
            time.sleep(0.02)
        else:
            pytest.fail("hub did not start: %s" % h.stderr.read())
        cap = Capture(ctl)
        yield ctl, cap
    finally:
        if cap is not None:
            cap.stop()
        _stop(h)
        h.stderr.close()


class Capture:
    """vde_plug with one URL joins stdin/stdout to the network: frames come
    out as a 2-byte big-endian length and the frame."""

    def __init__(self, ctl):
        self.p = subprocess.Popen(["vde_plug", "vde://" + ctl],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        self.largest = 0
        self.frames = 0
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        f = self.p.stdout
        while True:
            head = f.read(2)
            if len(head) < 2:
                return
            n = struct.unpack("!H", head)[0]
            if len(f.read(n)) < n:
                return
            self.frames += 1
            self.largest = max(self.largest, n)

    def stop(self):
        self.p.stdin.close()
        _stop(self.p)
        self.t.join(5)
        self.p.stdout.close()


def transfer(procs, ctl, mtu):
    extra = ("--mtu", str(mtu))
    s = procs.wrapped(prog("bulk.py"), ["serve", 7011, SIZE], A4, ctl,
                      "lwip", extra)
    wait_line(s, "READY")
    c = procs.wrapped(prog("bulk.py"), ["get", "10.40.0.1", 7011, SIZE], B4,
                      ctl, "lwip", extra)
    rc, out, err = finish(c, 120)
    assert rc == 0, err
    assert "BULK OK" in out


@pytest.mark.parametrize("mtu", [9000, 1500])
def test_lwip_segments_fill_mtu(procs, hub, mtu):
    if backend_problem("lwip"):
        pytest.skip(backend_problem("lwip"))
    ctl, cap = hub
    transfer(procs, ctl, mtu)
    time.sleep(0.2)
    # full-size IP packets in Ethernet frames (+14), none larger
    assert cap.largest == mtu + 14, (cap.largest, cap.frames)


def test_bad_mtu(procs, hub):
    ctl, _ = hub
    p = procs.wrapped(["-e", "pass"], [], A4, ctl, "lwip", ("--mtu", "67"))
    rc, out, err = finish(p)
    assert rc != 0 and "MTU" in err, err


def test_lwipv6_mtu_refused(procs, hub):
    if backend_problem("lwipv6"):
        pytest.skip(backend_problem("lwipv6"))
    ctl, _ = hub
    p = procs.wrapped(["-e", "pass"], [], A4, ctl, "lwipv6",
                      ("--mtu", "9000"))
    rc, out, err = finish(p)
    assert rc != 0 and "cannot set MTU 9000 on lwipv6" in err, err
