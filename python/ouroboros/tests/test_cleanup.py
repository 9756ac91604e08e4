"""A run killed mid-test (SIGTERM: a suite's time limit, CI, kill) leaves
no IRMd, IPCP, server or runtime directory behind."""

import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_sigterm_mid_run_leaves_nothing(tmp_path):
    info = tmp_path / "info.json"
    env = dict(os.environ, PYOURO_HANG_INFO=str(info))
    env.pop("OUROBOROS_RUNDIR", None)
    p = subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p",
                          "no:cacheprovider",
                          os.path.join(HERE, "_hang_for_kill.py")],
                         env=env, cwd=str(tmp_path), stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while not info.exists():
            assert p.poll() is None, p.stdout.read()
            assert time.monotonic() < deadline, "the child run did not start"
            time.sleep(0.05)
        pids = json.loads(info.read_text())
        assert pids["ipcps"], "the child's IRMd has no IPCP"
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode != 0, out
    deadline = time.monotonic() + 5
    left = []
    for pid in [pids["irmd"], pids["server"]] + pids["ipcps"]:
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if not _gone(pid):
            left.append(pid)
            os.kill(pid, signal.SIGKILL)
    assert not left, "left running: %s\n%s" % (left, out)
    assert not os.path.exists(pids["rundir"]), out
