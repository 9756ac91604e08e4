"""Joining broadcast layers (flow_join, Flow.join) on a private IRMd: the
errors say which layer is not a broadcast one and why; with a broadcast
IPCP (ipcpd-broadcast of the build, skipped without one) joined flows
hear each other and never themselves, and so do two bcchat.py (the
broadcast chat example): on one member, and on two members under IRMds
of their own on this host, over a udp4 layer on the loopback (no root
needed)."""

import os
import signal
import subprocess
import sys

import pytest

from conftest import EXAMPLES, readline
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
def bc_ipcp(ouro):
    """A broadcast layer of one member on this host: (IPCP, layer)."""
    name = ouro.unique("bcipcp")
    layer = ouro.unique("bc")
    try:
        irm.create_ipcp(name, "broadcast")
    except errors.IPCPTypeError:
        pytest.skip("this build has no ipcpd-broadcast")
    try:
        irm.bootstrap_ipcp(name, layer)
        yield name, layer
    finally:
        if any(i.name == name for i in irm.list_ipcps()):
            irm.destroy_ipcp(name)


@pytest.fixture
def bc_layer(bc_ipcp):
    """The name of a broadcast layer of one member on this host."""
    return bc_ipcp[1]


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


def _stderr_line(p, timeo=10.0):
    """The next line p prints on stderr within timeo seconds."""
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(p.stderr, selectors.EVENT_READ)
    try:
        assert sel.select(timeo), "no line from %s on stderr" % (p.args,)
    finally:
        sel.close()
    return p.stderr.readline()


def test_bcchat_example(ouro, bc_layer):
    """Two bcchat.py on one broadcast layer: each line typed shows up
    once at the other, never at its writer; end of input and Ctrl-C
    leave with status 0."""
    chat = os.path.join(EXAMPLES, "bcchat.py")
    a = ouro.python([chat, bc_layer, "alice"], stdin=subprocess.PIPE)
    b = ouro.python([chat, bc_layer, "bob"], stdin=subprocess.PIPE)
    for p, nick in ((a, "alice"), (b, "bob")):
        assert _stderr_line(p).startswith("* %s joined %s" % (nick,
                                                              bc_layer))
    a.stdin.write("hello bob\n")
    a.stdin.flush()
    assert readline(b).rstrip("\n") == "alice: hello bob"
    # one line at a time: readline() sees no line already buffered
    for text in ("hi alice", "\u00e7a va?"):
        b.stdin.write(text + "\n")
        b.stdin.flush()
        # alice's first line is bob's: her own never comes back
        assert readline(a).rstrip("\n") == "bob: " + text
    a.stdin.close()                 # end of input
    assert a.wait(10) == 0
    b.send_signal(signal.SIGINT)    # Ctrl-C
    assert b.wait(10) == 0
    assert b.stdout.read() == ""    # nothing more came


def test_bcchat_not_a_broadcast_layer(ouro):
    chat = os.path.join(EXAMPLES, "bcchat.py")
    p = ouro.python([chat, ouro.layer, "x"], stdin=subprocess.DEVNULL)
    assert p.wait(10) == 1
    assert "is not a broadcast layer" in p.stderr.read()


def test_bcchat_layer_gone(ouro, bc_ipcp):
    """The broadcast IPCP destroyed under a chat: it says so, exits 1."""
    name, layer = bc_ipcp
    chat = os.path.join(EXAMPLES, "bcchat.py")
    p = ouro.python([chat, layer, "zed"], stdin=subprocess.PIPE)
    assert _stderr_line(p).startswith("* zed joined")
    irm.destroy_ipcp(name)
    assert p.wait(10) == 1
    assert "bcchat: %s went away" % layer in p.stderr.read()


def _free_udp_port():
    import socket
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_members(procs):
    """A broadcast layer "chat" of two members, each under an IRMd of
    its own on this host, over a udp4 layer on the loopback: bca
    (bootstrapped, IRMd A) and bcb (enrolled with bca and connected to
    it, IRMd B). Yields the environments of A and B."""
    import shutil
    import tempfile
    from conftest import _wait_socket, find_bin
    for t in ("irmd", "irm", "ipcpd-udp4", "ipcpd-broadcast"):
        if find_bin(t) is None:
            pytest.skip("no %s in this build" % t)
    irm_bin = find_bin("irm")
    top = tempfile.mkdtemp(prefix="pyouro-bc.")
    envs = []
    try:
        maps = os.path.join(top, "maps")
        os.mkdir(maps)
        ports = (_free_udp_port(), _free_udp_port())
        with open(os.path.join(maps, "ul.map"), "w") as m:
            m.write("127.0.0.1:%d bca\n127.0.0.1:%d bcb\n" % ports)
        for x in ("a", "b"):
            rundir = os.path.join(top, x)
            os.mkdir(rundir, 0o700)
            env = dict(os.environ, OUROBOROS_RUNDIR=rundir,
                       OUROBOROS_UDP_MAPDIR=maps)
            p = procs.start([find_bin("irmd"), "--stdout"], env=env,
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
            assert _wait_socket(rundir, p), "irmd %s did not start" % x
            envs.append(env)

        def irm(env, *args):
            r = subprocess.run([irm_bin] + list(args), env=env, text=True,
                               capture_output=True, timeout=30)
            assert r.returncode == 0, (args, r.stdout, r.stderr)

        a, b = envs
        irm(a, "ipcp", "bootstrap", "type", "udp4", "name", "ua", "layer",
            "ul", "ip", "127.0.0.1", "port", str(ports[0]))
        irm(b, "ipcp", "bootstrap", "type", "udp4", "name", "ub", "layer",
            "ul", "ip", "127.0.0.1", "port", str(ports[1]))
        irm(a, "ipcp", "bootstrap", "type", "broadcast", "name", "bca",
            "layer", "chat", "autobind")
        irm(a, "name", "register", "bca", "layer", "ul")
        irm(b, "ipcp", "enroll", "name", "bcb", "layer", "chat", "dst",
            "bca", "type", "broadcast", "autobind")
        irm(b, "ipcp", "connect", "name", "bcb", "dst", "bca")
        yield a, b
    finally:
        procs.kill_all()
        shutil.rmtree(top, ignore_errors=True)


def test_bcchat_two_members(ouro, procs, two_members):
    """bcchat.py under each of two IRMds, one broadcast layer over udp4
    between them: each line crosses once, never comes back."""
    a_env, b_env = two_members
    chat = os.path.join(EXAMPLES, "bcchat.py")
    a = procs.start([sys.executable, "-u", chat, "chat", "ann"],
                    env=a_env, stdin=subprocess.PIPE)
    b = procs.start([sys.executable, "-u", chat, "chat", "ben"],
                    env=b_env, stdin=subprocess.PIPE)
    for p, nick in ((a, "ann"), (b, "ben")):
        assert _stderr_line(p).startswith("* %s joined chat" % nick)
    for i in range(3):
        a.stdin.write("ping %d\n" % i)
        a.stdin.flush()
        assert readline(b).rstrip("\n") == "ann: ping %d" % i
        b.stdin.write("pong %d\n" % i)
        b.stdin.flush()
        assert readline(a).rstrip("\n") == "ben: pong %d" % i
    a.stdin.close()
    b.stdin.close()
    assert a.wait(10) == 0 and b.wait(10) == 0
    assert a.stdout.read() == "" and b.stdout.read() == ""
