"""Joining broadcast layers (flow_join, Flow.join) on a private IRMd: the
errors say which layer is not a broadcast one and why; with a broadcast
IPCP (ipcpd-broadcast of the build, skipped without one) joined flows
hear each other and never themselves."""

import pytest

from ouroboros import errors, irm
from ouroboros.dev import Flow, QoSSpec, flow_join


def test_join_without_broadcast_ipcp(ouro):
    with pytest.raises(errors.IPCPTypeError) as ei:
        flow_join("no-such-broadcast-layer", timeo=2)
    assert ei.value.errno == errors.EIPCPTYPE
    assert "'no-such-broadcast-layer' is not a broadcast layer" \
        in str(ei.value)
    assert "no broadcast IPCP" in str(ei.value)


def test_join_a_local_layer(ouro):
    # the local layer exists but is not a broadcast layer
    with pytest.raises(errors.IPCPTypeError) as ei:
        Flow().join(ouro.layer, timeo=2)
    assert "'%s' is not a broadcast layer" % ouro.layer in str(ei.value)


def test_join_encrypted_is_not_supported(ouro):
    with pytest.raises(errors.NotSupportedError):
        flow_join("any-layer", QoSSpec(cypher_s=256), timeo=2)


def test_join_bad_names(ouro):
    with pytest.raises(ValueError):
        flow_join("", timeo=2)
    with pytest.raises(TypeError):
        flow_join(b"bytes", timeo=2)


@pytest.fixture
def bc_layer(ouro):
    """A broadcast layer of one member on this host: its name."""
    name = ouro.unique("bcipcp")
    layer = ouro.unique("bc")
    try:
        irm.create_ipcp(name, "broadcast")
    except errors.IPCPTypeError:
        pytest.skip("this build has no ipcpd-broadcast")
    try:
        irm.bootstrap_ipcp(name, layer)
        yield layer
    finally:
        irm.destroy_ipcp(name)


def test_join_other_layer_with_a_broadcast_ipcp(bc_layer):
    with pytest.raises(errors.OuroborosNameError) as ei:
        flow_join("not-" + bc_layer, timeo=2)
    assert ei.value.errno == errors.ENAME
    assert "'not-%s' is not a broadcast layer" % bc_layer in str(ei.value)
    assert "bootstrapped or enrolled" in str(ei.value)


def test_joined_flows_hear_each_other(bc_layer):
    with flow_join(bc_layer, timeo=5) as a, Flow() as b, Flow() as c:
        b.join(bc_layer, timeo=5)
        c.join(bc_layer, timeo=5)
        a.write(b"from a")
        assert b.read() == b"from a"
        assert c.read() == b"from a"
        c.writeline("from c")
        assert a.readline() == "from c"
        assert b.readline() == "from c"
        for f in (a, b, c):     # nothing comes back to its writer
            f.set_rcv_timeout(0.3)
            with pytest.raises(errors.FlowTimeoutError):
                f.read()
