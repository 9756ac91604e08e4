"""Adapters: one per stack back-end of libioth.

An adapter owns one stack (created lazily) and is the ``context`` passed to
``Pyco``, ``DeviceInfo`` and ``pycotcp.socket.socket``.  The picoTCP names
of the original tool are accepted and mapped to the closest back-end.
"""
from __future__ import annotations

import errno
import sys
import threading
from typing import Optional

from pycotcp import _ioth

BACKENDS = tuple(_ioth.backends())
# old names of the original PycoTCP -> closest back-end here
ALIASES = {"picotcp": "lwip", "fdpicotcp": "lwip"}

_default: Optional["Adapter"] = None
_lock = threading.Lock()


class Adapter:
    """A TCP/IP stack of one back-end; the context of sockets and devices."""

    backend: str = "lwip"

    def __init__(self) -> None:
        self._stack: Optional[_ioth.Stack] = None
        self._lock = threading.Lock()
        self.devices: list = []

    @property
    def stack(self) -> "_ioth.Stack":
        """The underlying stack, created on first use."""
        with self._lock:
            if self._stack is None:
                self._stack = _new_stack(self.backend)
            return self._stack

    @property
    def active(self) -> bool:
        """True while the stack exists."""
        return self._stack is not None

    def close(self) -> None:
        """Delete the stack: its sockets and interfaces go away."""
        global _default
        with self._lock:
            stack, self._stack = self._stack, None
        if stack is not None:
            stack.close()
        with _lock:
            if _default is self:
                _default = None

    def __repr__(self) -> str:
        return "<%s backend=%s active=%s>" % (type(self).__name__,
                                              self.backend, self.active)


def _new_stack(backend: str) -> "_ioth.Stack":
    try:
        return _ioth.Stack(backend)
    except OSError as e:
        if e.errno == errno.EBUSY and backend == "lwip":
            raise OSError(errno.EBUSY, "the lwip back-end allows one stack "
                          "per process (lwIP keeps global state); use "
                          "vdestack or lwipv6 for more") from None
        if e.errno == errno.ENOSYS:
            raise OSError(errno.ENOSYS, "back-end %r is unavailable: its "
                          "library is not installed" % backend) from None
        raise


class LwipAdapter(Adapter):
    """lwIP 2.1.3 in this process (default, fastest; one per process)."""
    backend = "lwip"


class VdestackAdapter(Adapter):
    """A private Linux network namespace per stack: kernel sockets."""
    backend = "vdestack"


class Lwipv6Adapter(Adapter):
    """LWIPv6, the back-end of the original tool: many per process."""
    backend = "lwipv6"


def _notice(old: str) -> None:
    print("pycotcp: %s is not installable here; using the %s back-end "
          "instead" % (old, ALIASES[old.lower()]), file=sys.stderr)


class PicoTCPAdapter(LwipAdapter):
    """Old name: picoTCP is not packaged; mapped to lwip with a notice."""

    def __init__(self) -> None:
        _notice("picotcp")
        super().__init__()


class FDPicoTCPAdapter(LwipAdapter):
    """Old name: FDPicoTCP is not packaged; mapped to lwip with a notice."""

    def __init__(self) -> None:
        _notice("fdpicotcp")
        super().__init__()


_CLASSES = {"lwip": LwipAdapter, "vdestack": VdestackAdapter,
            "lwipv6": Lwipv6Adapter, "picotcp": PicoTCPAdapter,
            "fdpicotcp": FDPicoTCPAdapter}


def adapter_for(name: str) -> Adapter:
    """Return a new adapter for a back-end name (or an old picoTCP name)."""
    key = (name or "lwip").lower()
    if key not in _CLASSES:
        raise ValueError("unknown back-end %r: choose one of %s" % (
            name, ", ".join(list(BACKENDS) + sorted(ALIASES))))
    return _CLASSES[key]()


def set_default(adapter: Optional[Adapter]) -> None:
    """Make adapter the stack used by sockets created without context."""
    global _default
    with _lock:
        _default = adapter


def get_default() -> Optional[Adapter]:
    """The adapter used by sockets created without context, if any."""
    return _default
