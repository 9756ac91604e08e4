"""Ctrl-C (SIGINT) interrupts blocked calls promptly with KeyboardInterrupt."""

import signal
import sys
import time

import pytest

from conftest import readline

SCRIPT = r'''
import sys, time
from ouroboros.dev import *
from ouroboros.event import FEventQueue, FlowSet
what, name = sys.argv[1], sys.argv[2]
f = None
if what in ("read", "wait", "write"):
    f = flow_alloc(name, timeo=10)
    if what == "write":
        f.set_flags(FlowProperties.ReadWrite | FlowProperties.NonBlockingWrite)
        try:
            while True:
                f.write(b"x" * 1000)
        except BlockingIOError:
            pass
        f.set_flags(FlowProperties.ReadWrite)
print("blocked", flush=True)
try:
    if what == "read":
        f.read()
    elif what == "write":
        f.write(b"y" * 1000)
    elif what == "alloc":
        flow_alloc(name)
    elif what == "accept":
        flow_accept()
    elif what == "wait":
        FlowSet([f]).wait(FEventQueue())
except KeyboardInterrupt:
    print("KeyboardInterrupt", flush=True)
    if f is not None:
        f.dealloc()
    sys.exit(3)
print("returned", flush=True)
'''


@pytest.mark.parametrize("what", ["read", "write", "accept", "wait",
                                  "alloc"])
def test_sigint_interrupts_blocked_call(ouro, server, procs, what):
    name, _ = server("idle" if what == "alloc" else "hold")
    p = procs.start([sys.executable, "-u", "-c", SCRIPT, what, name])
    assert readline(p).strip() == "blocked", p.stderr.read()
    time.sleep(0.5)                     # well inside the blocking call
    assert p.poll() is None
    t0 = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=10)
    dt = time.monotonic() - t0
    assert "KeyboardInterrupt" in out, (out, err)
    assert p.returncode == 3
    assert dt < 2.0, dt                 # promptly (~0.1 s; slack for load)
    ouro.assert_irmd_alive()
