"""The exceptions of pyOuroboros.

Every error raised by the library derives from :class:`OuroborosError`,
itself an :class:`OSError` (``errno`` holds the C error code, ``strerror``
the text). Where Python has a matching built-in class, the exception also
derives from it, so ordinary handlers work::

    OuroborosError(OSError)
    ├── FlowTimeoutError(TimeoutError)        ETIMEDOUT: a timeout passed
    ├── FlowWouldBlockError(BlockingIOError)  EAGAIN: non-blocking, not ready
    ├── FlowDownError(ConnectionError)        EFLOWDOWN: the peer left
    │   └── FlowPeerError                     EFLOWPEER: peer unresponsive
    ├── FlowNotAllocatedError                 ENOTALLOC: no such flow
    │   └── FlowDeallocatedError              use after dealloc()
    ├── FlowPermissionError(PermissionError)  EPERM/EACCES: e.g. write on
    │                                         a read-only flow
    ├── InvalidArgumentError(ValueError)      EINVAL
    ├── MessageTooLongError(ValueError)       EMSGSIZE: packet too large
    ├── NotSupportedError                     ENOTSUP: e.g. joining with cypher_s
    ├── IRMdError                             EIRMD: no IRMd reachable
    ├── IPCPError                             EIPCP
    │   ├── IPCPTypeError                     EIPCPTYPE (no broadcast IPCP
    │   │                                     on this host, for flow_join)
    │   └── IPCPStateError                    EIPCPSTATE
    ├── OuroborosNameError                    ENAME: unknown name (for
    │                                         flow_join: no broadcast IPCP
    │                                         here in that layer)
    └── CryptoError                           ECRYPT

Bad arguments (a name that is not a str, a negative count...) raise the
usual :class:`TypeError` / :class:`ValueError` before anything is sent.
"""

import errno as _errno

__all__ = [
    "OuroborosError", "FlowTimeoutError", "FlowWouldBlockError",
    "FlowDownError", "FlowPeerError", "FlowNotAllocatedError",
    "FlowDeallocatedError", "FlowPermissionError", "InvalidArgumentError",
    "MessageTooLongError", "NotSupportedError", "IRMdError", "IPCPError",
    "IPCPTypeError", "IPCPStateError", "OuroborosNameError", "CryptoError",
    "ENOTALLOC", "EIPCPTYPE", "EIRMD", "EIPCP", "EIPCPSTATE", "EFLOWDOWN",
    "EFLOWPEER", "ENAME", "ECRYPT", "ERRNO_MAP",
]

# <ouroboros/errno.h>
ENOTALLOC = 1000
EIPCPTYPE = 1001
EIRMD = 1002
EIPCP = 1003
EIPCPSTATE = 1004
EFLOWDOWN = 1005
EFLOWPEER = 1006
ECRYPT = 1007  # the 0.21 numbering (0.22 swapped these two)
ENAME = 1008


class OuroborosError(OSError):
    """Base class of every pyOuroboros error (an OSError)."""


class FlowTimeoutError(OuroborosError, TimeoutError):
    """A timeout (flow receive/send timeout, or ``timeo``) passed."""


class FlowWouldBlockError(OuroborosError, BlockingIOError):
    """Non-blocking flow and nothing to read / no room to write."""


class FlowDownError(OuroborosError, ConnectionError):
    """The flow is down: the peer deallocated it or died."""


class FlowPeerError(FlowDownError):
    """The flow's peer stopped responding (peer timeout)."""


class FlowNotAllocatedError(OuroborosError):
    """The flow is not allocated."""


class FlowDeallocatedError(FlowNotAllocatedError):
    """The Flow was deallocated (or never allocated) and cannot be used."""

    def __init__(self, *args):
        if len(args) == 1:
            args = (ENOTALLOC, args[0])
        super().__init__(*args)


class FlowPermissionError(OuroborosError, PermissionError):
    """Not permitted, e.g. writing to a read-only flow."""


class InvalidArgumentError(OuroborosError, ValueError):
    """The library rejected an argument (EINVAL)."""


class MessageTooLongError(OuroborosError, ValueError):
    """The packet is larger than the flow carries (EMSGSIZE)."""


class NotSupportedError(OuroborosError):
    """Not supported (e.g. flow_join with cypher_s > 0)."""


class IRMdError(OuroborosError):
    """The IRMd cannot be reached (is it running? OUROBOROS_RUNDIR?)."""


class IPCPError(OuroborosError):
    """An IPCP failed or could not be reached."""


class IPCPTypeError(IPCPError):
    """No IPCP of the needed type (e.g. flow_join without a broadcast
    layer)."""


class IPCPStateError(IPCPError):
    """The IPCP is in the wrong state for the request."""


class OuroborosNameError(OuroborosError):
    """Naming error: the name is unknown or not reachable."""


class CryptoError(OuroborosError):
    """Cryptographic failure."""


ERRNO_MAP = {
    _errno.ETIMEDOUT: FlowTimeoutError,
    _errno.EAGAIN: FlowWouldBlockError,
    EFLOWDOWN: FlowDownError,
    EFLOWPEER: FlowPeerError,
    ENOTALLOC: FlowNotAllocatedError,
    _errno.EPERM: FlowPermissionError,
    _errno.EACCES: FlowPermissionError,
    _errno.EINVAL: InvalidArgumentError,
    _errno.EMSGSIZE: MessageTooLongError,
    _errno.ENOTSUP: NotSupportedError,
    EIRMD: IRMdError,
    EIPCP: IPCPError,
    EIPCPTYPE: IPCPTypeError,
    EIPCPSTATE: IPCPStateError,
    ENAME: OuroborosNameError,
    ECRYPT: CryptoError,
}
