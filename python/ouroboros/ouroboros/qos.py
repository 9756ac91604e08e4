"""Quality of Service specifications for flow allocation.

A :class:`QoSSpec` tells the network what a flow needs. It mirrors the C
``qosspec_t`` of ``<ouroboros/qos.h>`` field for field::

    delay:        In ms, default 1000 s (MILLION ms)
    bandwidth:    In bits / s, default 0
    availability: Class of 9s, default 0
    loss:         Packet loss in ppm, default MILLION
    ber:          Bit error rate, errors per billion bits, default BILLION
    in_order:     In-order delivery, enables FRCT, default 0
    max_gap:      Maximum interruption in ms, default MILLION
    cypher_s:     Requested encryption strength in bits, default 0 (none)
    timeout:      Timeout for the flow to declare the peer dead, in ms,
                  default 120000 (DEFAULT_PEER_TIMEOUT)

``loss=0`` asks for a reliable flow (retransmission). ``delay``,
``bandwidth`` and ``availability`` pick the flow's priority class in a
unicast layer, and the layer when several reach the name: with
``availability > 0`` a unicast layer (it routes around failures),
otherwise the first layer to answer (doc/qos.md, flow_alloc(3)). The
presets of the C library are available as ``qos_raw``,
``qos_best_effort``, ``qos_video``, ``qos_voice``, ``qos_data`` and their
``*_crypt`` variants (and by short name in :data:`PRESETS`).
"""

from dataclasses import dataclass, fields, replace
from typing import Dict, Tuple

__all__ = [
    "QoSSpec", "MILLION", "BILLION", "DEFAULT_PEER_TIMEOUT", "PRESETS",
    "qos_raw", "qos_raw_no_errors", "qos_raw_crypt", "qos_best_effort",
    "qos_best_effort_crypt", "qos_video", "qos_video_crypt", "qos_voice",
    "qos_voice_crypt", "qos_data", "qos_data_crypt",
]

MILLION = 1000 * 1000
BILLION = 1000 * 1000 * 1000
DEFAULT_PEER_TIMEOUT = 120000  # ms
_U8, _U16, _U32, _U64 = 2**8 - 1, 2**16 - 1, 2**32 - 1, 2**64 - 1

_LIMITS = {
    "delay": _U32, "bandwidth": _U64, "availability": _U8, "loss": _U32,
    "ber": _U32, "in_order": _U8, "max_gap": _U32, "cypher_s": _U16,
    "timeout": _U32,
}


@dataclass(frozen=True)
class QoSSpec:
    """What a flow asks of the network (see the module documentation).

    Immutable; derive a variant with :meth:`replace`, e.g.
    ``qos_data.replace(timeout=5000)``.
    """

    delay: int = MILLION
    bandwidth: int = 0
    availability: int = 0
    loss: int = MILLION
    ber: int = BILLION
    in_order: int = 0
    max_gap: int = MILLION
    cypher_s: int = 0
    timeout: int = DEFAULT_PEER_TIMEOUT

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool):
                object.__setattr__(self, f.name, int(v))
                v = int(v)
            if not isinstance(v, int):
                raise TypeError("QoSSpec.%s must be an int, not %s"
                                % (f.name, type(v).__name__))
            if not 0 <= v <= _LIMITS[f.name]:
                raise ValueError("QoSSpec.%s=%d out of range 0..%d"
                                 % (f.name, v, _LIMITS[f.name]))

    def replace(self, **changes: int) -> "QoSSpec":
        """A copy of this spec with some fields changed."""
        return replace(self, **changes)

    def to_tuple(self) -> Tuple[int, ...]:
        """The nine fields in C struct order."""
        return (self.delay, self.bandwidth, self.availability, self.loss,
                self.ber, self.in_order, self.max_gap, self.cypher_s,
                self.timeout)

    @classmethod
    def from_tuple(cls, t: Tuple[int, ...]) -> "QoSSpec":
        """Build a spec from the nine fields in C struct order."""
        return cls(*t)

    @property
    def encrypted(self) -> bool:
        """True when the spec asks for encryption (cypher_s > 0)."""
        return self.cypher_s > 0


def _p(delay, bandwidth, availability, loss, ber, in_order, max_gap,
       cypher_s):
    return QoSSpec(delay, bandwidth, availability, loss, ber, in_order,
                   max_gap, cypher_s, DEFAULT_PEER_TIMEOUT)


# The presets of <ouroboros/qos.h>, same values.
qos_raw = _p(_U32, 0, 0, 1, 1, 0, _U32, 0)
qos_raw_no_errors = _p(_U32, 0, 0, 1, 0, 0, _U32, 0)
qos_raw_crypt = _p(_U32, 0, 0, 1, 0, 0, _U32, 256)
qos_best_effort = _p(_U32, 0, 0, 1, 0, 1, _U32, 0)
qos_best_effort_crypt = _p(_U32, 0, 0, 1, 0, 1, _U32, 256)
qos_video = _p(100, _U64, 3, 1, 0, 1, 100, 0)
qos_video_crypt = _p(100, _U64, 3, 1, 0, 1, 100, 256)
qos_voice = _p(50, 100000, 5, 1, 0, 1, 50, 0)
qos_voice_crypt = _p(50, 100000, 5, 1, 0, 1, 50, 256)
qos_data = _p(1000, 0, 0, 0, 0, 1, 2000, 0)
qos_data_crypt = _p(1000, 0, 0, 0, 0, 1, 2000, 256)

PRESETS: Dict[str, QoSSpec] = {
    "raw": qos_raw,
    "raw_no_errors": qos_raw_no_errors,
    "raw_crypt": qos_raw_crypt,
    "best_effort": qos_best_effort,
    "best_effort_crypt": qos_best_effort_crypt,
    "video": qos_video,
    "video_crypt": qos_video_crypt,
    "voice": qos_voice,
    "voice_crypt": qos_voice_crypt,
    "data": qos_data,
    "data_crypt": qos_data_crypt,
}
