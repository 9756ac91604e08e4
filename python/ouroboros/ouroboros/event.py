"""Event API: wait for activity on many flows at once.

::

    fq = FEventQueue()
    with FlowSet([f1, f2, f3]) as fset:
        fset.wait(fq, timeo=1.0)        # TimeoutError if nothing happens
        for f, t in fq:                 # same Flow objects as added
            if t == FEventType.FlowPkt:
                msg = f.readline()

``FEventQueue.next()`` returns ``(flow, type)`` or ``None`` when the queue
is empty, so ``while (ev := fq.next()) is not None: f, t = ev`` works too.
A flow that is deallocated leaves every set it was in.
"""

from . import _dev
from ._enums import FEventType

__all__ = ["FlowSet", "FEventQueue", "FEventType"]

FlowSet = _dev.FlowSet
FEventQueue = _dev.FEventQueue
