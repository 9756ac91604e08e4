"""Flows: the Ouroboros application API in Python.

::

    from ouroboros.dev import *

    with flow_alloc("oecho") as f:      # client
        f.writeline("Hello, PyOuroboros!")
        print(f.readline())

    with flow_accept() as f:            # server
        f.writeline(f.readline())

A :class:`Flow` is message oriented: one ``write`` is one packet at the
reader, and ``read`` returns one packet. Errors are exceptions from
:mod:`ouroboros.errors` (``TimeoutError``, ``BlockingIOError``,
``FlowDownError``... all under :class:`OuroborosError`); blocking calls
release the GIL and Ctrl-C interrupts them with ``KeyboardInterrupt``.
"""

from typing import Optional, Union

from . import _dev
from ._enums import FEventType, FlowProperties, FRCTFlags
from .errors import (FlowDeallocatedError, FlowDownError, FlowPeerError,
                     FlowTimeoutError, FlowWouldBlockError,
                     NotSupportedError, OuroborosError)
from .qos import QoSSpec

__all__ = [
    "Flow", "flow_alloc", "flow_accept", "flow_join", "FlowProperties",
    "FRCTFlags",
    "QoSSpec", "FlowSet", "FEventQueue", "FEventType",
    "OuroborosError", "FlowDownError", "FlowPeerError",
    "FlowDeallocatedError", "FlowTimeoutError", "FlowWouldBlockError",
    "NotSupportedError",
]

Timeout = Optional[float]


def _qos_arg(qos: Optional[QoSSpec]):
    if qos is None:
        return None
    if not isinstance(qos, QoSSpec):
        raise TypeError("qos must be a QoSSpec or None, not %s"
                        % type(qos).__name__)
    return qos.to_tuple()


class Flow(_dev.Flow):
    """One Ouroboros flow.

    ``Flow()`` makes an unallocated flow; :meth:`alloc`, :meth:`accept`
    or :meth:`join` allocate it (the module functions :func:`flow_alloc`,
    :func:`flow_accept` and :func:`flow_join` do both). Use it in a
    ``with`` statement, or call :meth:`dealloc`; a Flow that is garbage
    collected is deallocated too.

    Inherited from the C core (see their docstrings): ``read(count=None)
    -> bytes``, ``write(buf, count=None) -> int``, ``dealloc()``,
    ``set_rcv_timeout(t)``, ``get_rcv_timeout()``, ``set_snd_timeout(t)``,
    ``get_snd_timeout()``, ``get_rx_queue_len()``, ``get_tx_queue_len()``
    and the read-only property ``fd``.
    """

    __slots__ = ()

    def alloc(self, name: str, qos: Optional[QoSSpec] = None,
              timeo: Timeout = None) -> None:
        """Allocate this flow to ``name`` (a str).

        :param qos: a :class:`QoSSpec`, None for raw.
        :param timeo: seconds to wait, None to block.
        :raises FlowTimeoutError: no answer within ``timeo``.
        :raises OuroborosNameError: the name is not reachable.
        :raises InvalidArgumentError: ``cypher_s`` above 256.
        """
        self._alloc(name, _qos_arg(qos), timeo)

    def accept(self, timeo: Timeout = None) -> QoSSpec:
        """Accept an incoming flow into this object.

        Returns the QoS the peer asked for.
        :raises FlowTimeoutError: nothing arrived within ``timeo``.
        """
        return QoSSpec.from_tuple(self._accept(timeo))

    def join(self, name: str, qos: Optional[QoSSpec] = None,
             timeo: Timeout = None) -> None:
        """Join the broadcast layer ``name`` (through its broadcast IPCP
        on this host): what this flow writes reaches every other flow
        joined to the layer, never this one; it reads what they write.

        :raises IPCPTypeError: this host has no broadcast IPCP at all.
        :raises OuroborosNameError: no broadcast IPCP here is in layer
            ``name`` (or it is not bootstrapped or enrolled yet).
        :raises NotSupportedError: ``cypher_s`` > 0 (no pairwise peer).
        :raises FlowTimeoutError: no answer within ``timeo``.
        """
        self._join(name, _qos_arg(qos), timeo)

    def __enter__(self) -> "Flow":
        return self

    def __exit__(self, *exc) -> None:
        self.dealloc()

    def readline(self, count: Optional[int] = None) -> str:
        """Read one packet as text (UTF-8), at most ``count`` characters.

        With ``count``, characters beyond it are kept and returned by the
        next ``readline``/``read``. :raises UnicodeDecodeError: if the
        packet is not UTF-8.
        """
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError("count must be an int or None, not %s"
                                % type(count).__name__)
            if count < 0:
                raise ValueError("count must be >= 0")
        text = self.read().decode("utf-8")
        if count is not None and len(text) > count:
            # keep the rest for the next read, before any older leftover
            self._pending = text[count:].encode("utf-8") + (self._pending
                                                            or b"")
            text = text[:count]
        return text

    def writeline(self, line: str, count: Optional[int] = None) -> int:
        """Write ``line[:count]`` (a str) as one UTF-8 packet.

        Returns the number of characters written.
        """
        if not isinstance(line, str):
            raise TypeError("writeline() takes a str, not %s; use write() "
                            "for bytes" % type(line).__name__)
        if count is not None:
            if isinstance(count, bool) or not isinstance(count, int):
                raise TypeError("count must be an int or None, not %s"
                                % type(count).__name__)
            if count < 0:
                raise ValueError("count must be >= 0")
            line = line[:count]
        self.write(line.encode("utf-8"))
        return len(line)

    def get_qos(self) -> QoSSpec:
        """The QoSSpec of this flow."""
        return QoSSpec.from_tuple(self._get_qos())

    def set_flags(self, flags: Union[FlowProperties, int]) -> None:
        """Set the flow flags (:class:`FlowProperties`), e.g.
        ``FlowProperties.ReadWrite | FlowProperties.NonBlockingRead``."""
        if isinstance(flags, bool) or not isinstance(flags, int):
            raise TypeError("flags must be FlowProperties or int, not %s"
                            % type(flags).__name__)
        self._set_flags(int(flags))

    def get_flags(self) -> FlowProperties:
        """The flow flags as :class:`FlowProperties`."""
        return FlowProperties(self._get_flags())

    def set_frct_flags(self, flags: Union[FRCTFlags, int]) -> None:
        """Set the FRCT flags (:class:`FRCTFlags`) of an in-order or
        reliable flow; raises ``PermissionError`` on a raw flow and
        ``InvalidArgumentError`` for Retransmit without loss=0."""
        if isinstance(flags, bool) or not isinstance(flags, int):
            raise TypeError("FRCT flags must be FRCTFlags or int, not %s"
                            % type(flags).__name__)
        self._set_frct_flags(int(flags))

    def get_frct_flags(self) -> FRCTFlags:
        """The FRCT flags as :class:`FRCTFlags` (``PermissionError`` on a
        raw flow)."""
        return FRCTFlags(self._get_frct_flags())

    @property
    def allocated(self) -> bool:
        """True while the flow is allocated."""
        return self.fd >= 0


def flow_alloc(name: str, qos: Optional[QoSSpec] = None,
               timeo: Timeout = None) -> Flow:
    """Allocate a new flow to ``name``; see :meth:`Flow.alloc`."""
    f = Flow()
    f.alloc(name, qos, timeo)
    return f


def flow_accept(timeo: Timeout = None) -> Flow:
    """Accept the next incoming flow; see :meth:`Flow.accept`.

    The QoS the peer asked for is ``flow.get_qos()``.
    """
    f = Flow()
    f.accept(timeo)
    return f


def flow_join(name: str, qos: Optional[QoSSpec] = None,
              timeo: Timeout = None) -> Flow:
    """Join the broadcast layer ``name``; see :meth:`Flow.join`."""
    f = Flow()
    f.join(name, qos, timeo)
    return f


from .event import FEventQueue, FlowSet  # noqa: E402  (re-export)
