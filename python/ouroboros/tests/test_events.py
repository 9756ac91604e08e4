"""FlowSet / FEventQueue with several flows."""

import os
import time

import pytest

from ouroboros import errors
from ouroboros.event import FEventQueue, FEventType, FlowSet


def test_events_return_the_same_flow_objects(pair):
    flows = [pair() for _ in range(3)]
    servers = [s for _, s in flows]
    fq = FEventQueue()
    with FlowSet(servers) as fs:
        assert len(fs) == 3
        assert all(s in fs for s in servers)
        flows[0][0].write(b"a")
        flows[2][0].write(b"c")
        n = fs.wait(fq, timeo=5)
        assert n == 2
        got = {}
        for f, t in fq:
            assert t == FEventType.FlowPkt
            assert isinstance(t, FEventType)
            got[id(f)] = f.read()
        assert got == {id(servers[0]): b"a", id(servers[2]): b"c"}
        assert fq.next() is None


def test_seed_style_next(pair):
    c, s = pair()
    fq = FEventQueue()
    with FlowSet([s]) as fs:
        c.writeline("line")
        fs.wait(fq)
    f2, t = fq.next()
    assert f2 is s
    if t == FEventType.FlowPkt:
        assert f2.readline() == "line"
    assert fq.next() is None


def test_wait_timeout(pair):
    c, s = pair()
    fq = FEventQueue()
    fs = FlowSet([s])
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        fs.wait(fq, timeo=0.3)
    assert 0.28 <= time.monotonic() - t0 < 3
    with pytest.raises(TimeoutError):
        fs.wait(fq, timeo=0)
    fs.destroy()


def test_add_remove_zero(pair):
    (c1, s1), (c2, s2) = pair(), pair()
    fq = FEventQueue()
    fs = FlowSet()
    fs.add(s1)
    fs.add(s1)                  # twice is once
    fs.add(s2)
    assert len(fs) == 2
    fs.remove(s1)
    assert s1 not in fs and len(fs) == 1
    c1.write(b"1")
    c2.write(b"2")
    fs.wait(fq, timeo=5)
    assert [f for f, _ in fq] == [s2]
    assert s2.read() == b"2"
    fs.zero()
    assert len(fs) == 0 and s2 not in fs
    with pytest.raises(TimeoutError):
        fs.wait(fq, timeo=0.1)
    assert set(FlowSet([s1, s2])) == {s1, s2}
    fs.destroy()
    with pytest.raises(ValueError):
        fs.wait(fq)


def test_peer_dealloc_event(pair):
    c, s = pair()
    fq = FEventQueue()
    with FlowSet([s]) as fs:
        c.dealloc()
        fs.wait(fq, timeo=5)
        types = FEventType(0)
        for f, t in fq:
            assert f is s
            types |= t
        assert types & (FEventType.FlowDealloc | FEventType.FlowDown)
    with pytest.raises(errors.FlowDownError):
        s.read()


def test_deallocated_flow_leaves_its_sets(pair):
    c, s = pair()
    fs1, fs2 = FlowSet([s]), FlowSet([s])
    s.dealloc()
    assert len(fs1) == 0 and len(fs2) == 0
    fs1.destroy()
    fs2.destroy()


def test_many_flows_one_set(pair):
    flows = [pair() for _ in range(40)]
    fq = FEventQueue()
    fs = FlowSet(s for _, s in flows)
    for c, _ in flows[::2]:
        c.write(b"even")
    seen = set()
    deadline = time.monotonic() + 5
    while len(seen) < 20 and time.monotonic() < deadline:
        fs.wait(fq, timeo=1)
        for f, t in fq:
            assert f.read() == b"even"
            seen.add(f.fd)
    assert seen == {s.fd for _, s in flows[::2]}
    fs.destroy()


def test_wait_is_interruptible_and_releases_gil(pair):
    import threading
    c, s = pair()
    fq = FEventQueue()
    fs = FlowSet([s])
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(1)
            time.sleep(0.01)
    t = threading.Thread(target=ticker)
    t.start()
    with pytest.raises(TimeoutError):
        fs.wait(fq, timeo=0.5)
    stop.set()
    t.join()
    assert len(ticks) > 20          # the other thread ran meanwhile
    fs.destroy()


# A subprocess with its own in-process flow pair: for defects that only
# show as a crash (PYTHONMALLOC=debug poisons freed objects, and
# MALLOC_PERTURB_ freed C memory).
_SUB_PAIR = r'''
import os, sys, threading, uuid
from ouroboros import irm
from ouroboros.dev import flow_accept, flow_alloc
from ouroboros.event import FEventQueue, FlowSet
name = "sub-" + uuid.uuid4().hex[:10]
irm.register_name(name, layer="local")
irm.bind_process(os.getpid(), name)
box = {}
t = threading.Thread(target=lambda: box.update(s=flow_accept(timeo=10)))
t.start()
c = flow_alloc(name, timeo=10)
t.join()
s = box.pop("s")
'''


def _run_sub(ouro, body, **env):
    import subprocess
    import sys
    e = dict(os.environ, **env)
    r = subprocess.run([sys.executable, "-c", _SUB_PAIR + body], env=e,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr[-2000:])
    return r.stdout


def test_next_keeps_the_flow_alive_while_making_the_event(ouro):
    # fq.next() looked the Flow up (a borrowed reference) and then ran
    # Python code (FEventType(t)); a flow removed from the set meanwhile
    # was freed and then returned.
    out = _run_sub(ouro, r'''
import gc, sys
fq = FEventQueue()
fs = FlowSet([s])
fd = s.fd
del s
c.write(b"x")
assert fs.wait(fq, timeo=5) == 1
def prof(frame, event, arg):
    if event == "call":
        sys.setprofile(None)
        for f in list(fs):
            fs.remove(f)
        del f
        gc.collect()
sys.setprofile(prof)
ev = fq.next()
sys.setprofile(None)
f, t = ev
print("ok", type(f).__name__, f.fd == fd)
''', PYTHONMALLOC="debug")
    assert "ok Flow True" in out


def test_destroy_while_another_thread_waits(ouro):
    # destroy() freed the fset_t that a wait in another thread was still
    # using (the GIL is released during fevent).
    out = _run_sub(ouro, r'''
import os
import time
fq = FEventQueue()
fs = FlowSet([s])
res = {}
def waiter():
    try:
        res["n"] = fs.wait(fq)
    except ValueError as e:
        res["e"] = e
th = threading.Thread(target=waiter)
th.start()
time.sleep(0.3)
fs.destroy()
c.write(b"x")                 # wakes the waiter inside fevent
th.join(5)
assert not th.is_alive() and res, res
print("ok")
''', MALLOC_PERTURB_="165",
                   GLIBC_TUNABLES="glibc.malloc.tcache_count=0")
    assert "ok" in out


def test_queue_used_by_a_wait_is_not_shared(pair):
    # fevent fills the queue with the GIL released: a second wait on the
    # same queue, or next() from another thread, raced with it.
    import threading
    (c1, s1), (c2, s2) = pair(), pair()
    fq = FEventQueue()
    fs1, fs2 = FlowSet([s1]), FlowSet([s2])
    res = {}
    th = threading.Thread(target=lambda: res.update(n=fs1.wait(fq, 10)))
    th.start()
    time.sleep(0.3)
    with pytest.raises(RuntimeError):
        fs2.wait(fq, 1)
    with pytest.raises(RuntimeError):
        fq.next()
    c1.write(b"x")
    th.join(5)
    assert res == {"n": 1}
    f, t = fq.next()
    assert f is s1 and t == FEventType.FlowPkt
    assert s1.read() == b"x"
    fs1.destroy()
    fs2.destroy()
