"""Flag enums whose values equal the C constants (fccntl.h, fqueue.h).

Pure Python so that the C extension can import it while it initialises;
tests check every value against the constants compiled into ``_dev``.
"""

from enum import IntFlag

__all__ = ["FlowProperties", "FEventType", "FRCTFlags"]


class FlowProperties(IntFlag):
    """Flow flags for :meth:`Flow.set_flags` / :meth:`Flow.get_flags`.

    The values are the ``FLOWF*`` flags of ``<ouroboros/fccntl.h>``.
    ``ReadOnly`` is 0 (the access mode field is ``flags & 3``).
    """

    ReadOnly = 0o0          # FLOWFRDONLY
    WriteOnly = 0o1         # FLOWFWRONLY
    ReadWrite = 0o2         # FLOWFRDWR
    Down = 0o4              # FLOWFDOWN
    NonBlockingRead = 0o1000    # FLOWFRNOBLOCK
    NonBlockingWrite = 0o2000   # FLOWFWNOBLOCK
    NonBlocking = 0o3000        # FLOWFNONBLOCK
    NoPartialRead = 0o10000     # FLOWFRNOPART
    NoPartialWrite = 0o20000    # FLOWFWNOPART


class FEventType(IntFlag):
    """Event types reported by :meth:`FEventQueue.next` (enum fqtype)."""

    FlowPkt = 1 << 0      # a packet is waiting
    FlowDown = 1 << 1     # the flow went down
    FlowUp = 1 << 2       # the flow came back up
    FlowAlloc = 1 << 3    # a flow was allocated
    FlowDealloc = 1 << 4  # the peer deallocated the flow
    FlowPeer = 1 << 5     # the peer timed out


class FRCTFlags(IntFlag):
    """FRCT flags of a flow that asked for in_order or loss=0
    (FRCTSFLAGS / FRCTGFLAGS, doc/qos.md). A raw flow has none:
    :meth:`Flow.get_frct_flags` raises ``PermissionError`` there."""

    Retransmit = 0o1        # FRCTFRTX: retransmit lost packets (loss=0)
    ResourceControl = 0o2   # FRCTFRESCNTL: window updates to the peer
    Linger = 0o4            # FRCTFLINGER: dealloc delivers what was written
