"""1000 concurrent flows through the FlowSet echo server example."""

import time

from ouroboros.dev import flow_alloc
from ouroboros.event import FEventQueue, FEventType, FlowSet

from conftest import start_example_server

N = 1000


def test_thousand_concurrent_flows(ouro, procs):
    name, p = start_example_server(ouro, procs, "oecho_set.py", "set")
    t0 = time.monotonic()
    flows = [flow_alloc(name, timeo=20) for _ in range(N)]
    t_alloc = time.monotonic() - t0
    assert len({f.fd for f in flows}) == N
    for i, f in enumerate(flows):
        f.write(b"flow %d" % i)
    want = {f.fd: b"flow %d" % i for i, f in enumerate(flows)}
    fq = FEventQueue()
    got = {}
    deadline = time.monotonic() + 60
    with FlowSet(flows) as fs:
        while len(got) < N and time.monotonic() < deadline:
            fs.wait(fq, timeo=10)
            for f, t in fq:
                assert t == FEventType.FlowPkt
                got[f.fd] = f.read()
    assert got == want
    # every flow still works: a second round, all outstanding at once
    for f in flows:
        f.write(b"again")
    assert all(f.read() == b"again" for f in flows)
    for f in flows:
        f.dealloc()
    assert p.poll() is None, p.stderr.read()
    print("allocated %d flows in %.2f s" % (N, t_alloc))
