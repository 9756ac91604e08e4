"""The API surface without an IRMd: constants, QoS, errors, bad input."""

import errno
import os
import subprocess
import sys

import pytest

from ouroboros import _dev, errors, qos
from ouroboros.dev import *  # noqa: F401,F403  (what the seed does)
from ouroboros.dev import Flow, FlowProperties, QoSSpec, flow_alloc
from ouroboros.event import FEventQueue, FEventType, FlowSet


def test_star_import_has_seed_names():
    ns = {}
    exec("from ouroboros.dev import *", ns)
    for n in ("flow_alloc", "flow_accept", "flow_join", "Flow",
              "FlowProperties", "QoSSpec", "FlowSet", "FEventQueue",
              "FEventType"):
        assert n in ns, n


def test_flow_properties_equal_c_flags():
    P = FlowProperties
    assert P.ReadOnly == _dev.FLOWFRDONLY == 0
    assert P.WriteOnly == _dev.FLOWFWRONLY
    assert P.ReadWrite == _dev.FLOWFRDWR
    assert P.Down == _dev.FLOWFDOWN
    assert P.NonBlockingRead == _dev.FLOWFRNOBLOCK
    assert P.NonBlockingWrite == _dev.FLOWFWNOBLOCK
    assert P.NonBlocking == _dev.FLOWFNONBLOCK
    assert P.NoPartialRead == _dev.FLOWFRNOPART
    assert P.NoPartialWrite == _dev.FLOWFWNOPART


def test_event_types_equal_c():
    assert FEventType.FlowPkt == _dev.FLOW_PKT
    assert FEventType.FlowDown == _dev.FLOW_DOWN
    assert FEventType.FlowUp == _dev.FLOW_UP
    assert FEventType.FlowAlloc == _dev.FLOW_ALLOC
    assert FEventType.FlowDealloc == _dev.FLOW_DEALLOC
    assert FEventType.FlowPeer == _dev.FLOW_PEER


def test_errno_values_equal_c():
    for n in ("ENOTALLOC", "EIPCPTYPE", "EIRMD", "EIPCP", "EIPCPSTATE",
              "EFLOWDOWN", "EFLOWPEER", "ENAME", "ECRYPT"):
        assert getattr(errors, n) == getattr(_dev, n), n


def test_errno_values_are_classic():
    # the 0.21 numbering, which binaries built against 0.21 rely on
    assert (errors.ENOTALLOC, errors.EFLOWPEER) == (1000, 1006)
    assert (errors.ECRYPT, errors.ENAME) == (1007, 1008)
    assert (_dev.ECRYPT, _dev.ENAME) == (1007, 1008)


def test_qos_defaults_documented():
    q = QoSSpec()
    assert q.delay == 1000 * 1000          # 1000 s in ms
    assert q.bandwidth == 0
    assert q.availability == 0
    assert q.loss == qos.MILLION
    assert q.ber == qos.BILLION
    assert q.in_order == 0
    assert q.max_gap == qos.MILLION
    assert q.cypher_s == 0
    assert q.timeout == 120000 == _dev.DEFAULT_PEER_TIMEOUT


def test_qos_presets_equal_c():
    c = _dev.qos_presets()
    assert set(c) == set(qos.PRESETS)
    for name, spec in qos.PRESETS.items():
        assert spec.to_tuple() == c[name], name
        assert getattr(qos, "qos_" + name) is spec
    assert qos.qos_data.loss == 0 and qos.qos_data_crypt.cypher_s == 256


def test_qos_keywords_and_validation():
    q = QoSSpec(loss=0, cypher_s=256)
    assert q.loss == 0 and q.cypher_s == 256 and q.encrypted
    assert QoSSpec.from_tuple(q.to_tuple()) == q
    assert q.replace(cypher_s=0).cypher_s == 0
    with pytest.raises(ValueError):
        QoSSpec(delay=-1)
    with pytest.raises(ValueError):
        QoSSpec(cypher_s=1 << 16)
    with pytest.raises(TypeError):
        QoSSpec(loss="0")
    with pytest.raises(Exception):
        q.loss = 5      # frozen: presets cannot be changed by accident


def test_exception_hierarchy():
    E = errors
    for cls in (E.FlowTimeoutError, E.FlowWouldBlockError, E.FlowDownError,
                E.FlowPeerError, E.FlowNotAllocatedError,
                E.FlowDeallocatedError, E.FlowPermissionError,
                E.InvalidArgumentError, E.MessageTooLongError,
                E.NotSupportedError, E.IRMdError, E.IPCPError,
                E.IPCPTypeError, E.IPCPStateError, E.OuroborosNameError,
                E.CryptoError):
        assert issubclass(cls, E.OuroborosError)
        assert issubclass(cls, OSError)
    assert issubclass(E.FlowTimeoutError, TimeoutError)
    assert issubclass(E.FlowWouldBlockError, BlockingIOError)
    assert issubclass(E.FlowDownError, ConnectionError)
    assert issubclass(E.FlowPermissionError, PermissionError)
    e = E.FlowDownError(E.EFLOWDOWN, "x")
    assert e.errno == E.EFLOWDOWN
    assert E.ERRNO_MAP[errno.ETIMEDOUT] is E.FlowTimeoutError


def test_unallocated_flow_use_raises_clearly():
    f = Flow()
    assert f.fd == -1 and not f.allocated
    for call in (lambda: f.read(), lambda: f.write(b"x"),
                 lambda: f.readline(), lambda: f.writeline("x"),
                 f.get_qos, f.get_flags, f.get_rx_queue_len,
                 f.get_tx_queue_len, f.get_rcv_timeout,
                 lambda: f.set_rcv_timeout(1.0)):
        with pytest.raises(errors.FlowDeallocatedError):
            call()
    f.dealloc()
    f.dealloc()         # harmless
    assert "not allocated" in repr(f)


def test_bad_argument_types():
    f = Flow()
    with pytest.raises(TypeError):
        flow_alloc(42)
    with pytest.raises(TypeError):
        flow_alloc(b"name")
    with pytest.raises(ValueError):
        flow_alloc("")
    with pytest.raises(ValueError):
        flow_alloc("a\0b")
    with pytest.raises(ValueError):
        flow_alloc("x" * 300)
    with pytest.raises(TypeError):
        flow_alloc("x", qos="fast")
    with pytest.raises(TypeError):
        flow_alloc("x", timeo="1")
    with pytest.raises(ValueError):
        flow_alloc("x", timeo=-1)
    with pytest.raises(TypeError):
        f.write("text")             # str needs writeline
    with pytest.raises(TypeError):
        f.writeline(b"bytes")
    with pytest.raises(ValueError):
        f.read(-1)
    with pytest.raises(TypeError):
        f.read("10")
    with pytest.raises(ValueError):
        f.readline(-3)
    with pytest.raises(ValueError):
        f.writeline("abc", -1)
    with pytest.raises(TypeError):
        FlowSet([1, 2])
    with pytest.raises(TypeError):
        FlowSet().wait("not a queue")
    with pytest.raises(TypeError):
        f.set_flags("ReadOnly")


def test_flowset_without_flows():
    fq = FEventQueue()
    assert fq.next() is None
    assert list(fq) == []
    with FlowSet() as fs:
        assert len(fs) == 0
        assert Flow() not in fs
        with pytest.raises(errors.FlowDeallocatedError):
            fs.add(Flow())
    fs.destroy()            # harmless again
    with pytest.raises(ValueError):
        fs.add(Flow())


def test_no_irmd_gives_irmd_error(tmp_path):
    code = ("from ouroboros.dev import *\n"
            "from ouroboros.errors import IRMdError\n"
            "from ouroboros import irm\n"
            "for call in (lambda: flow_alloc('x', timeo=1),\n"
            "             lambda: flow_accept(timeo=0.2),\n"
            "             irm.list_ipcps):\n"
            "    try:\n"
            "        call()\n"
            "    except IRMdError as e:\n"
            "        print('IRMdError', e.errno)\n")
    env = dict(os.environ, OUROBOROS_RUNDIR=str(tmp_path / "none"))
    r = subprocess.run([sys.executable, "-c", code], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["IRMdError", str(errors.EIRMD)] * 3


def test_strerror_does_not_truncate_the_errno():
    from ouroboros import _dev
    assert _dev.strerror(2) == os.strerror(2)
    # a C long cast to int: 2**32 + 2 was ENOENT's text
    with pytest.raises((OverflowError, ValueError)):
        _dev.strerror(2 ** 32 + 2)
