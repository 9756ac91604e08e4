"""Management of the local IRMd from Python, mirroring the ``irm`` tool.

::

    from ouroboros import irm

    irm.bootstrap_ipcp("local", "local", type="local")   # irm i b t local n local l local
    irm.register_name("oecho", layer="local")            # irm n r oecho l local
    irm.bind_program("./oecho.py", "oecho")              # irm b prog ./oecho.py n oecho
    irm.bind_process(os.getpid(), "oecho")               # irm b proc PID n oecho
    for i in irm.list_ipcps(): print(i.name, i.layer, i.state)

Every function raises an :mod:`ouroboros.errors` exception on failure
(:class:`IRMdError` when no IRMd runs); names, layers and paths are str.
"""

import os
import shutil
from enum import IntEnum
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

from . import _dev
from .errors import OuroborosError
from .qos import PRESETS, QoSSpec

__all__ = [
    "IPCPType", "IPCPState", "LBPolicy", "HashAlgo", "IPCPInfo", "NameInfo",
    "create_ipcp", "destroy_ipcp", "list_ipcps", "bootstrap_ipcp",
    "ipcp_stat", "enroll_ipcp", "connect_ipcp", "disconnect_ipcp", "bind_program",
    "unbind_program", "bind_process", "unbind_process", "create_name",
    "destroy_name", "list_names", "register_name", "unregister_name",
    "ipcp_type_supported", "sock_path",
]


class IPCPType(IntEnum):
    """IPCP types (enum ipcp_type of irm.h)."""
    LOCAL = _dev.IPCP_LOCAL
    UNICAST = _dev.IPCP_UNICAST
    BROADCAST = _dev.IPCP_BROADCAST
    UDP4 = _dev.IPCP_UDP4
    UDP6 = _dev.IPCP_UDP6
    ETH_LLC = _dev.IPCP_ETH_LLC
    ETH_DIX = _dev.IPCP_ETH_DIX

    @classmethod
    def parse(cls, v: Union["IPCPType", int, str]) -> "IPCPType":
        """Accept an IPCPType, an int, or a name as the irm tool spells
        it ("local", "unicast", "eth-dix", ...)."""
        if isinstance(v, str):
            key = v.strip().lower().replace("-", "_")
            try:
                return cls[key.upper()]
            except KeyError:
                raise ValueError("unknown IPCP type %r (one of %s)" % (
                    v, ", ".join(t.label for t in cls))) from None
        return cls(v)

    @property
    def label(self) -> str:
        """The name the irm tool uses."""
        return self.name.lower().replace("_", "-")


class IPCPState(IntEnum):
    """IPCP states (enum ipcp_state)."""
    NULL = 0
    BOOTING = 1
    OPERATIONAL = 2
    DOWN = 3


class LBPolicy(IntEnum):
    """Load balancing over the processes bound to a name."""
    ROUND_ROBIN = 0
    SPILLOVER = 1


class HashAlgo(IntEnum):
    """Directory hash of a layer."""
    SHA3_224 = 0
    SHA3_256 = 1
    SHA3_384 = 2
    SHA3_512 = 3


class IPCPInfo(NamedTuple):
    """One row of :func:`list_ipcps`; ``info`` is what a layer that
    carries data reports ("dev veth0 mtu 1500"), "" for the others."""
    pid: int
    type: IPCPType
    state: IPCPState
    name: str
    layer: str
    info: str = ""


class NameInfo(NamedTuple):
    """One row of :func:`list_names`."""
    name: str
    lb: LBPolicy
    n_procs: int
    n_progs: int
    n_layers: int


def _str(what: str, v: object) -> str:
    if not isinstance(v, str):
        raise TypeError("%s must be a str, not %s" % (what, type(v).__name__))
    if not v or "\0" in v:
        raise ValueError("%s must be a non-empty str without NUL" % what)
    return v


def create_ipcp(name: str, type: Union[IPCPType, int, str]) -> int:
    """Create an IPCP process; returns its pid."""
    return _dev.irm_create_ipcp(_str("name", name), int(IPCPType.parse(type)))


def destroy_ipcp(name: str) -> None:
    """Destroy the IPCP ``name``."""
    _dev.irm_destroy_ipcp(_str("name", name))


def list_ipcps() -> List[IPCPInfo]:
    """The IPCPs of this IRMd."""
    out = []
    for pid, t, st, name, layer, info in _dev.irm_list_ipcps():
        try:
            t = IPCPType(t)
        except ValueError:
            pass
        try:
            st = IPCPState(st)
        except ValueError:
            pass
        out.append(IPCPInfo(pid, t, st, name, layer, info))
    return out


def _find_ipcp(name: str) -> Optional[IPCPInfo]:
    for i in list_ipcps():
        if i.name == name:
            return i
    return None


# Options go to the C library by the irm tool's words and values
# (irm_layer_config_set: one table, irm's checks and messages). The
# struct layer_config field names are accepted too, and the index of a
# word option.
_WORDS = {"routing": ("link_state", "lfa", "ecmp"),
          "congestion": ("none", "mb-ecn")}
_OPT_ALIASES = {"addr_size": "addr", "eid_size": "eid", "max_ttl": "ttl"}


def _opt(k: str, v: object) -> Tuple[str, object]:
    k = _OPT_ALIASES.get(k, k)
    if k == "hash" and isinstance(v, int) and not isinstance(v, bool):
        v = HashAlgo(v).name
    elif k in _WORDS and isinstance(v, int) and not isinstance(v, bool):
        if not 0 <= v < len(_WORDS[k]):
            raise ValueError("%s must be one of %s" %
                             (k, "|".join(_WORDS[k])))
        v = _WORDS[k][v]
    elif k == "congestion" and v == "mb_ecn":
        v = "mb-ecn"
    return k, v


def bootstrap_ipcp(name: str, layer: str,
                   type: Union[IPCPType, int, str, None] = None,
                   **options: Union[int, str]) -> None:
    """Bootstrap IPCP ``name`` into a new layer ``layer``.

    Like ``irm ipcp bootstrap``, the IPCP is created first (``type`` is
    then needed) if none of that name exists. Options by type, with the
    irm tool's names: ``hash`` (a :class:`HashAlgo` or "SHA3_256"),
    unicast ``addr``, ``eid``, ``ttl``, ``routing`` ("link_state", "lfa",
    "ecmp"), ``congestion`` ("none", "mb-ecn"), ``dht_*``, ``ls_t_*``,
    ``mtu``; udp ``ip``, ``port``, ``dns``; eth ``dev``, ``ethertype``,
    ``mtu``.
    Values as irm takes them (str, or int). A bad or missing option
    raises ValueError with irm's message; an IPCP that fails gives its
    reason in the exception ("no such interface veth9").
    """
    _str("name", name)
    _str("layer", layer)
    opts = {}
    for k, v in options.items():
        k, v = _opt(k, v)
        if k in opts:
            raise ValueError("option %r given twice" % k)
        opts[k] = v
    info = _find_ipcp(name)
    if info is None:
        if type is None:
            raise ValueError("IPCP %r does not exist; give its type" % name)
        t = IPCPType.parse(type)
        _dev.irm_check_conf(int(t), layer, opts)  # before creating it
        create_ipcp(name, t)
    else:
        t = info.type if type is None else IPCPType.parse(type)
    _dev.irm_bootstrap_ipcp(name, int(t), layer, opts)


def ipcp_stat(name: str) -> List[Tuple[str, int]]:
    """The counters of IPCP ``name`` as (counter, value), in the IPCP's
    order, like ``irm ipcp stat``; a type without counters (local)
    raises the error of ENOTSUP."""
    return _dev.irm_ipcp_stat(_str("name", name))


def enroll_ipcp(name: str, dst: str,
                type: Union[IPCPType, int, str, None] = None,
                layer: Optional[str] = None) -> None:
    """Enroll IPCP ``name`` with ``dst`` (a layer or peer name), creating
    it (default type unicast) if needed, like ``irm ipcp enroll``. With
    ``layer``, the member reached must be of that layer (a member of
    another refuses: ``PermissionError``)."""
    _str("name", name)
    _str("dst", dst)
    if layer is not None:
        _str("layer", layer)
    if _find_ipcp(name) is None:
        create_ipcp(name, IPCPType.parse(type or IPCPType.UNICAST))
    _dev.irm_enroll_ipcp(name, dst, layer)


def connect_ipcp(name: str, dst: str, component: str = "dt",
                 qos: Union[QoSSpec, str, None] = None) -> None:
    """Connect a component ("dt" or "mgmt") of IPCP ``name`` to ``dst``;
    ``qos`` a QoSSpec or a preset name ("raw", "best_effort", "voice",
    "video", "data"; "best" is accepted for "best_effort")."""
    if isinstance(qos, str):
        qos = PRESETS["best_effort" if qos == "best" else qos]
    _dev.irm_connect_ipcp(_str("name", name), _str("dst", dst),
                          _str("component", component),
                          None if qos is None else qos.to_tuple())


def disconnect_ipcp(name: str, dst: str, component: str = "dt") -> None:
    """Undo :func:`connect_ipcp`."""
    _dev.irm_disconnect_ipcp(_str("name", name), _str("dst", dst),
                             _str("component", component))


def _prog_path(prog: str) -> str:
    _str("prog", prog)
    if os.sep not in prog:
        found = shutil.which(prog)
        if found is None:
            raise FileNotFoundError("program %r not found in PATH" % prog)
        prog = found
    return os.path.realpath(prog)


def bind_program(prog: str, name: str, auto: bool = False,
                 args: Sequence[str] = ()) -> None:
    """Bind program ``prog`` (resolved to an absolute path) to ``name``.

    A process started from it (for a script run as ``python3 x.py``, the
    script) is bound to ``name`` when it starts. ``auto`` lets the IRMd
    start it with ``args`` when a flow arrives and nobody waits.
    """
    _dev.irm_bind_program(_prog_path(prog), _str("name", name), bool(auto),
                          [_str("argument", a) for a in args])


def unbind_program(prog: str, name: Optional[str] = None) -> None:
    """Unbind ``prog`` from ``name`` (from every name if None)."""
    _dev.irm_unbind_program(_prog_path(prog),
                            None if name is None else _str("name", name))


def _pid(pid: int) -> int:
    if isinstance(pid, bool) or not isinstance(pid, int):
        raise TypeError("pid must be an int")
    if pid <= 0:
        raise ValueError("pid must be > 0")
    return pid


def bind_process(pid: int, name: str) -> None:
    """Bind the running process ``pid`` to ``name``."""
    _dev.irm_bind_process(_pid(pid), _str("name", name))


def unbind_process(pid: int, name: str) -> None:
    """Unbind process ``pid`` from ``name``."""
    _dev.irm_unbind_process(_pid(pid), _str("name", name))


def create_name(name: str, lb: Union[LBPolicy, str] = LBPolicy.ROUND_ROBIN
                ) -> None:
    """Create ``name`` with a load-balancing policy ("round-robin" or
    "spillover")."""
    if isinstance(lb, str):
        lb = LBPolicy[lb.upper().replace("-", "_")]
    _dev.irm_create_name(_str("name", name), int(lb))


def destroy_name(name: str) -> None:
    """Destroy ``name``."""
    _dev.irm_destroy_name(_str("name", name))


def list_names() -> List[NameInfo]:
    """The names known to the IRMd."""
    out = []
    for name, pol, procs, progs, layers in _dev.irm_list_names():
        try:
            pol = LBPolicy(pol)
        except ValueError:
            pass
        out.append(NameInfo(name, pol, procs, progs, layers))
    return out


def register_name(name: str, layer: Optional[str] = None,
                  ipcp: Optional[str] = None) -> int:
    """Register ``name`` in a layer (every IPCP of it) or with one IPCP,
    creating the name if needed (like ``irm name register``). Returns the
    number of IPCPs it was registered with."""
    _str("name", name)
    if (layer is None) == (ipcp is None):
        raise ValueError("give exactly one of layer= or ipcp=")
    if all(n.name != name for n in list_names()):
        try:
            create_name(name)
        except OuroborosError:
            if all(n.name != name for n in list_names()):
                raise
    if layer is not None:
        return _dev.irm_reg_name_layer(name, _str("layer", layer))
    _dev.irm_reg_name(name, _str("ipcp", ipcp))
    return 1


def unregister_name(name: str, layer: Optional[str] = None,
                    ipcp: Optional[str] = None) -> int:
    """Undo :func:`register_name`."""
    _str("name", name)
    if (layer is None) == (ipcp is None):
        raise ValueError("give exactly one of layer= or ipcp=")
    if layer is not None:
        return _dev.irm_unreg_name_layer(name, _str("layer", layer))
    _dev.irm_unreg_name(name, _str("ipcp", ipcp))
    return 1


def ipcp_type_supported(type: Union[IPCPType, int, str]) -> bool:
    """True when this IRMd build provides IPCPs of ``type``."""
    return _dev.irm_ipcp_type_supported(int(IPCPType.parse(type)))


def sock_path() -> str:
    """Path of the IRMd socket this process talks to."""
    return _dev.irm_sock_path()
