"""Not collected by default (no test_ prefix): run by
test_cleanup.py::test_sigterm_mid_run_leaves_nothing in a child pytest,
which it kills with SIGTERM while this test hangs."""

import json
import os
import sys
import time


def _children(pid):
    out = []
    for t in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, t)) as f:
            out += [int(c) for c in f.read().split()]
    return out


def test_hang(ouro, procs):
    srv = procs.start([sys.executable, "-c", "import time; time.sleep(120)"])
    deadline = time.monotonic() + 10
    while not _children(ouro.irmd_proc.pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    info = {"irmd": ouro.irmd_proc.pid, "server": srv.pid,
            "ipcps": _children(ouro.irmd_proc.pid), "rundir": ouro.rundir}
    with open(os.environ["PYOURO_HANG_INFO"] + ".tmp", "w") as f:
        json.dump(info, f)
    os.rename(os.environ["PYOURO_HANG_INFO"] + ".tmp",
              os.environ["PYOURO_HANG_INFO"])
    time.sleep(50)          # killed long before
