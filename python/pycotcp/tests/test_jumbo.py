"""Jumbo frames (--mtu / DeviceInfo.with_mtu): on a hub that carries them,
lwip's TCP sends segments as large as the MTU although Debian's lwIP is
built with TCP_MSS 1460 (src/ioth/lwip_mss.c), its receive window grows
past lwIP's fixed 64 KiB to 10 segments (src/ioth/lwip_wnd.c), and data
arrives intact.  A third plug on the hub sees every frame and records the
largest frame and the largest TCP window each address announced."""
import os
import shutil
import signal
import struct
import subprocess
import sys
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
def hub(procs, tmp_path):
    """A jumbo hub from pyco-vde-setup (vdeplug4's hub: vde_switch cuts
    frames at 1518 bytes), and a capture plug on it; yields (ctl, capture).
    """
    ctl = str(tmp_path / "hub.ctl")
    env = {"PYCO_STATE_DIR": str(tmp_path / "st")}
    tool = [sys.executable, "-m", "pycotcp.vdesetup"]
    rc, out, err = finish(procs.start(
        tool + ["start", "--no-tap", "--jumbo", "--hub", ctl], env=env))
    assert rc == 0 and "jumbo switch" in out, err
    cap = None
    try:
        rc, out, err = finish(procs.start(tool + ["status"], env=env))
        assert ctl in out and "running jumbo" in out, out + err
        cap = Capture(ctl)
        yield ctl, cap
    finally:
        if cap is not None:
            cap.stop()
        rc, out, err = finish(procs.start(tool + ["stop", ctl], env=env))
        assert rc == 0, err
        assert not os.path.exists(ctl)


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
        self.window = {}        # IPv4 source -> largest raw window field
        self.t = threading.Thread(target=self._read, daemon=True)
        self.t.start()

    def _read(self):
        f = self.p.stdout
        while True:
            head = f.read(2)
            if len(head) < 2:
                return
            n = struct.unpack("!H", head)[0]
            frame = f.read(n)
            if len(frame) < n:
                return
            self.frames += 1
            self.largest = max(self.largest, n)
            self._tcp(frame)

    def _tcp(self, f):
        """Note the window of an IPv4 TCP segment other than a SYN (whose
        window is never scaled)."""
        if len(f) < 54 or f[12:14] != b"\x08\x00" or f[23] != 6:
            return
        tcp = 14 + (f[14] & 0x0f) * 4
        if len(f) < tcp + 20 or f[tcp + 13] & 0x02:
            return
        src = ".".join(str(b) for b in f[26:30])
        wnd = struct.unpack("!H", f[tcp + 14:tcp + 16])[0]
        self.window[src] = max(self.window.get(src, 0), wnd)

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
    # the receiver's window, in units of 2 bytes (lwIP's scale factor 1):
    # lwIP's 64 KiB at 1500; 10 segments of 8960 bytes at 9000
    wnd = cap.window.get(B4.split("/")[0], 0) * 2
    if mtu == 9000:
        assert 65535 < wnd <= 10 * 8960, wnd
    else:
        assert 0 < wnd <= 65535, wnd


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


def test_wrapper_creates_jumbo_switch(procs, tmp_path):
    """pyco-wrapper -c with --mtu above 1500 creates a switch that carries
    the frames (a vde_switch would drop them and the transfer stall)."""
    if backend_problem("lwip"):
        pytest.skip(backend_problem("lwip"))
    ctl = str(tmp_path / "made.ctl")
    extra = ("--mtu", "9000")
    s = procs.wrapped(prog("bulk.py"), ["serve", 7014, SIZE], A4, ctl,
                      "lwip", extra + ("-c",),
                      env={"PYCO_STATE_DIR": str(tmp_path / "st")})
    wait_line(s, "READY")
    c = procs.wrapped(prog("bulk.py"), ["get", "10.40.0.1", 7014, SIZE], B4,
                      ctl, "lwip", extra)
    rc, out, err = finish(c, 120)
    assert rc == 0 and "BULK OK" in out, err
    rc, out, err = finish(s, 30)
    assert rc == 0, err
    assert not os.path.exists(ctl)      # stopped with the program
