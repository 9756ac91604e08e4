"""ouroboros.aio: flows from asyncio, one loop, no thread per flow."""

import asyncio
import threading
import time

import pytest

from ouroboros import aio, errors


def run(coro, timeout=60):
    return asyncio.run(asyncio.wait_for(coro, timeout))


def test_async_read_write(server):
    name, _ = server("echo")

    async def main():
        f = await aio.alloc(name, timeo=10)
        with f:
            for i in range(50):
                await aio.write(f, b"ping %d" % i)
                assert await aio.read(f) == b"ping %d" % i
            await aio.writeline(f, "grüße ✓")
            assert await aio.readline(f) == "grüße ✓"
    run(main())


def test_async_many_flows_few_threads(server):
    name, _ = server("echo")
    n = 100

    async def one(i):
        f = await aio.alloc(name, timeo=10)
        with f:
            for j in range(5):
                await aio.write(f, b"%d/%d" % (i, j))
                assert await aio.read(f) == b"%d/%d" % (i, j)

    async def main():
        before = threading.active_count()
        await asyncio.gather(*(one(i) for i in range(n)))
        return threading.active_count() - before
    extra = run(main())
    assert extra <= 8, extra        # the executor and reactor, not 100


def test_async_accept_and_peer_down(self_name):
    async def main():
        acc = asyncio.ensure_future(aio.accept())
        await asyncio.sleep(0.05)
        c = await aio.alloc(self_name, timeo=10)
        s = await asyncio.wait_for(acc, 10)
        await aio.write(c, b"hi")
        assert await aio.read(s) == b"hi"
        reader = asyncio.ensure_future(aio.read(s))
        await asyncio.sleep(0.1)
        assert not reader.done()            # waiting, loop not blocked
        c.dealloc()
        with pytest.raises(errors.FlowDownError):
            await asyncio.wait_for(reader, 5)
        s.dealloc()
    run(main())


def test_async_read_does_not_block_loop(server):
    name, _ = server("hold")

    async def main():
        f = await aio.alloc(name, timeo=10)
        ticks = 0
        reader = asyncio.ensure_future(aio.read(f))
        t0 = time.monotonic()
        while time.monotonic() - t0 < 0.3:
            await asyncio.sleep(0.01)
            ticks += 1
        assert ticks > 10
        reader.cancel()
        f.dealloc()
    run(main())


def test_async_read_of_flow_deallocated_meanwhile(server):
    name, _ = server("hold")

    async def main():
        f = await aio.alloc(name, timeo=10)
        reader = asyncio.ensure_future(aio.read(f))
        await asyncio.sleep(0.1)
        f.dealloc()
        with pytest.raises(errors.FlowDeallocatedError):
            await asyncio.wait_for(reader, 5)
    run(main())


def test_reactor_ends_with_its_loop(server):
    # each event loop got a reactor thread (and accept thread) that never
    # ended, holding the loop and the flows of its FlowSet for ever.
    import gc
    import weakref

    def helpers():
        return [t for t in threading.enumerate()
                if t.name.startswith("ouroboros-aio-")]

    before = len(helpers())
    refs = []

    async def main(name):
        f = await aio.alloc(name, timeo=10)
        refs.append(weakref.ref(f))
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(aio.wait_readable(f), 0.2)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(aio.accept(), 0.2)

    for _ in range(3):
        run(main(server("echo")[0]))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (
            len(helpers()) > before or any(r() is not None for r in refs)):
        gc.collect()
        time.sleep(0.1)
    assert len(helpers()) <= before
    assert all(r() is None for r in refs)
