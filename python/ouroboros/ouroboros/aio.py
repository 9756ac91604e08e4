"""asyncio support: await flows without a thread per flow.

::

    import asyncio
    from ouroboros import aio

    async def serve():
        while True:
            f = await aio.accept()
            asyncio.create_task(echo(f))

    async def echo(f):
        with f:
            while True:
                try:
                    line = await aio.readline(f)
                except aio.FlowDownError:
                    return
                await aio.writeline(f, line)

How it works: each event loop gets one reactor thread that waits on a
:class:`FlowSet` of the flows being awaited (``fevent`` with the GIL
released) and hands readiness to the loop with ``call_soon_threadsafe``;
the read itself happens on the loop thread. Accepts run in one accept
thread per loop, allocations in the loop's default executor. So a loop
with 1000 flows uses two helper threads, not 1000.

A flow added to the reactor's FlowSet joins the wait at once (the library
wakes a waiting ``fevent`` when its set changes); ``REACTOR_SLICE`` only
bounds how long a deallocated flow's waiters take to be told. A write
that finds the flow full is retried with a short back-off.
"""

import asyncio
import threading
import weakref
from typing import Dict, List, Optional, Tuple

from ._enums import FEventType
from .dev import Flow, flow_alloc
from .errors import FlowDownError, FlowTimeoutError, OuroborosError
from .event import FEventQueue, FlowSet
from .qos import QoSSpec

__all__ = ["accept", "alloc", "read", "readline", "write", "writeline",
           "wait_readable", "FlowDownError", "REACTOR_SLICE"]

REACTOR_SLICE = 0.5         # s, rescan for flows deallocated meanwhile
_ACCEPT_SLICE = 0.2         # s, per flow_accept call of the accept thread
_WRITE_BACKOFF = (0.0005, 0.01)


class _Reactor:
    """One per event loop: waits on the awaited flows in a thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.fset = FlowSet()
        self.fq = FEventQueue()
        self.lock = threading.Lock()
        self.waiters: Dict[int, List[Tuple[Flow, asyncio.Future]]] = {}
        self.handled = threading.Event()
        self.kick = threading.Event()
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="ouroboros-aio-reactor")
        self.thread.start()
        # accept side
        self.acc_lock = threading.Lock()
        self.acc_waiters: List[asyncio.Future] = []
        self.acc_ready: List[Flow] = []
        self.acc_thread: Optional[threading.Thread] = None
        self.acc_wake = threading.Event()

    # -- readiness ---------------------------------------------------
    def watch(self, flow: Flow) -> "asyncio.Future[None]":
        fut = self.loop.create_future()
        with self.lock:
            self.waiters.setdefault(flow.fd, []).append((flow, fut))
            if flow not in self.fset:
                self.fset.add(flow)
                self.kick.set()
        return fut

    def _run(self) -> None:
        try:
            self._loop_events()
        finally:
            self._end()

    def _end(self) -> None:
        """The loop is closed: release its flows and its entry."""
        self.stop = True
        self.acc_wake.set()
        with self.lock:
            futs = [fut for ws in self.waiters.values() for _, fut in ws]
            self.waiters.clear()
            self.fset.destroy()
        if _reactors.get(self.loop) is self:
            _reactors.pop(self.loop, None)
        if futs:                # the loop still runs: retry on a new one
            try:
                self.loop.call_soon_threadsafe(_wake_all, futs)
            except RuntimeError:
                pass

    def _loop_events(self) -> None:
        while not self.stop and not self.loop.is_closed():
            try:
                if len(self.fset) == 0:
                    self.kick.wait(0.5)
                    self.kick.clear()
                    continue
                self.fset.wait(self.fq, REACTOR_SLICE)
            except FlowTimeoutError:
                self._wake_stale()
                continue
            except OuroborosError:
                self._wake_stale()
                continue
            ready = {}
            for f, t in self.fq:
                ready[f.fd] = (f, ready.get(f.fd, (f, 0))[1] | int(t))
            if not ready:
                continue
            self.handled.clear()
            try:
                self.loop.call_soon_threadsafe(self._deliver, ready)
            except RuntimeError:       # loop closed
                return
            # Let the loop consume before rescanning: packets still queued
            # would be reported again at once.
            self.handled.wait(1.0)

    def _wake_stale(self) -> None:
        """Wake waiters whose flow was deallocated meanwhile (the read
        then raises FlowDeallocatedError instead of hanging)."""
        with self.lock:
            stale = [fd for fd, ws in self.waiters.items()
                     if ws and ws[0][0].fd != fd]
            futs = [fut for fd in stale for _, fut in self.waiters.pop(fd)]
        if futs:
            try:
                self.loop.call_soon_threadsafe(_wake_all, futs)
            except RuntimeError:
                pass

    def _deliver(self, ready) -> None:
        try:
            with self.lock:
                for fd, (flow, ev) in ready.items():
                    ws = self.waiters.pop(fd, None)
                    gone = ev & (FEventType.FlowDown | FEventType.FlowDealloc
                                 | FEventType.FlowPeer)
                    if not ws or gone:
                        # unread backlog or dead flow: stop watching it;
                        # the next await reads the backlog directly
                        self.fset.remove(flow)
                    for _, fut in ws or ():
                        if not fut.done():
                            fut.set_result(None)
        finally:
            self.handled.set()

    # -- accept --------------------------------------------------------
    def accept(self) -> "asyncio.Future[Flow]":
        fut = self.loop.create_future()
        with self.acc_lock:
            if self.acc_ready:
                fut.set_result(self.acc_ready.pop(0))
                return fut
            self.acc_waiters.append(fut)
            if self.acc_thread is None:
                self.acc_thread = threading.Thread(
                    target=self._accept_run, daemon=True,
                    name="ouroboros-aio-accept")
                self.acc_thread.start()
        self.acc_wake.set()
        return fut

    def _accept_run(self) -> None:
        while not self.stop and not self.loop.is_closed():
            with self.acc_lock:
                want = any(not w.done() for w in self.acc_waiters)
                self.acc_waiters = [w for w in self.acc_waiters
                                    if not w.done()]
            if not want:
                self.acc_wake.wait(0.5)
                self.acc_wake.clear()
                continue
            f = Flow()
            try:
                f.accept(_ACCEPT_SLICE)
            except FlowTimeoutError:
                continue
            except OuroborosError:
                self.acc_wake.wait(_ACCEPT_SLICE)
                continue
            try:
                self.loop.call_soon_threadsafe(self._give, f)
            except RuntimeError:
                f.dealloc()
                return

    def _give(self, f: Flow) -> None:
        with self.acc_lock:
            while self.acc_waiters:
                w = self.acc_waiters.pop(0)
                if not w.done():
                    w.set_result(f)
                    return
            self.acc_ready.append(f)

    def close(self) -> None:
        self.stop = True
        self.handled.set()
        self.kick.set()
        self.acc_wake.set()


def _wake_all(futs) -> None:
    for fut in futs:
        if not fut.done():
            fut.set_result(None)


_reactors: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Reactor]" \
    = weakref.WeakKeyDictionary()


def _reactor() -> _Reactor:
    loop = asyncio.get_running_loop()
    r = _reactors.get(loop)
    if r is None or r.stop:
        r = _reactors[loop] = _Reactor(loop)
    return r


async def wait_readable(flow: Flow) -> None:
    """Wait until ``flow`` has a packet (or went down)."""
    if flow.get_rx_queue_len() > 0:
        return
    fut = _reactor().watch(flow)
    # a packet may have landed before the flow joined the set
    if flow.get_rx_queue_len() > 0:
        fut.cancel()
        return
    await fut


async def read(flow: Flow, count: Optional[int] = None) -> bytes:
    """Read one packet without blocking the event loop."""
    while True:
        data = flow._read_nowait(count)
        if data is not None:
            return data
        await wait_readable(flow)


async def readline(flow: Flow, count: Optional[int] = None) -> str:
    """Read one packet as text (see :meth:`Flow.readline`)."""
    while flow._pending is None and flow.get_rx_queue_len() == 0:
        await wait_readable(flow)
    return flow.readline(count)


async def write(flow: Flow, buf: bytes, count: Optional[int] = None) -> int:
    """Write one packet; waits (without blocking the loop) while the flow
    is full."""
    if count is not None:
        buf = memoryview(buf)[:count]
    delay = _WRITE_BACKOFF[0]
    while True:
        n = flow._write_nowait(buf)
        if n is not None:
            return n
        await asyncio.sleep(delay)
        delay = min(delay * 2, _WRITE_BACKOFF[1])


async def writeline(flow: Flow, line: str,
                    count: Optional[int] = None) -> int:
    """Write ``line[:count]`` as one UTF-8 packet; returns characters."""
    if not isinstance(line, str):
        raise TypeError("writeline() takes a str, not %s"
                        % type(line).__name__)
    if count is not None:
        if isinstance(count, bool) or not isinstance(count, int) \
                or count < 0:
            raise ValueError("count must be an int >= 0")
        line = line[:count]
    await write(flow, line.encode("utf-8"))
    return len(line)


async def accept() -> Flow:
    """Accept the next incoming flow without blocking the event loop."""
    return await _reactor().accept()


async def alloc(name: str, qos: Optional[QoSSpec] = None,
                timeo: Optional[float] = None) -> Flow:
    """Allocate a flow to ``name`` without blocking the event loop."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, flow_alloc, name, qos, timeo)
