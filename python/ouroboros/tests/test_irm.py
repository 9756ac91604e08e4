"""ouroboros.irm: managing the IRMd from Python."""

import os
import subprocess
import sys

import pytest

from ouroboros import errors, irm
from ouroboros.dev import flow_alloc

from conftest import EXAMPLES, bind_announced, readline


def test_list_ipcps_has_local_layer(ouro):
    rows = irm.list_ipcps()
    local = [i for i in rows if i.name == "local"]
    assert len(local) == 1
    i = local[0]
    assert i.type == irm.IPCPType.LOCAL and i.layer == "local"
    assert i.state == irm.IPCPState.OPERATIONAL and i.pid > 0


def test_create_bootstrap_destroy_second_layer(ouro):
    name = ouro.unique("ipcp")
    layer = ouro.unique("layer")
    pid = irm.create_ipcp(name, "local")
    assert pid > 0
    irm.bootstrap_ipcp(name, layer)
    assert any(i.name == name and i.layer == layer
               for i in irm.list_ipcps())
    srv = ouro.unique("n")
    assert irm.register_name(srv, layer=layer) == 1
    irm.unregister_name(srv, layer=layer)
    irm.destroy_ipcp(name)
    assert all(i.name != name for i in irm.list_ipcps())


def test_bootstrap_creates_when_type_given(ouro):
    name = ouro.unique("ipcp")
    irm.bootstrap_ipcp(name, ouro.unique("layer"), type=irm.IPCPType.LOCAL,
                       hash="SHA3_512")
    assert any(i.name == name for i in irm.list_ipcps())
    irm.destroy_ipcp(name)
    with pytest.raises(ValueError):
        irm.bootstrap_ipcp(ouro.unique("none"), "x")    # no type to create


def test_names(ouro):
    n = ouro.unique("name")
    irm.create_name(n, "spillover")
    row = [x for x in irm.list_names() if x.name == n][0]
    assert row.lb == irm.LBPolicy.SPILLOVER and row.n_layers == 0
    assert irm.register_name(n, layer="local") == 1
    assert [x for x in irm.list_names() if x.name == n][0].n_layers == 1
    irm.unregister_name(n, layer="local")
    irm.register_name(n, ipcp="local")
    irm.unregister_name(n, ipcp="local")
    irm.destroy_name(n)
    assert all(x.name != n for x in irm.list_names())


def test_bind_program_then_process_is_bound(ouro, procs):
    """bind program + start it: the process gets the name."""
    n = ouro.unique("prog")
    irm.register_name(n, layer="local")
    script = os.path.join(EXAMPLES, "oecho_set.py")
    irm.bind_program(script, n)
    assert [x for x in irm.list_names() if x.name == n][0].n_progs == 1
    p = procs.start([sys.executable, "-u", script, "-l", "-n", n])
    assert readline(p).startswith("Serving")
    import time
    deadline = time.monotonic() + 10      # bound when it announces itself
    while [x for x in irm.list_names() if x.name == n][0].n_procs == 0:
        assert time.monotonic() < deadline, "process never bound"
        time.sleep(0.02)
    with flow_alloc(n, timeo=10) as f:
        f.writeline("via program binding")
        assert f.readline() == "via program binding"
    irm.unbind_program(script, n)
    assert [x for x in irm.list_names() if x.name == n][0].n_progs == 0


def test_bind_process(ouro, procs):
    import errno
    n = ouro.unique("proc")
    irm.register_name(n, layer="local")
    # only a process that uses Ouroboros (announced to the IRMd) binds
    p = procs.start([sys.executable, "-c", "import time; time.sleep(60)"])
    with pytest.raises(errors.OuroborosError) as e:
        irm.bind_process(p.pid, n)
    assert e.value.errno == errno.ESRCH
    with pytest.raises(errors.OuroborosError):
        irm.bind_process(1, n)
    q = procs.start([sys.executable, "-c",
                     "import time\n"
                     "from ouroboros import dev\n"
                     "try:\n"
                     "    dev.flow_accept(timeo=0)\n"
                     "except Exception:\n"
                     "    pass\n"
                     "time.sleep(60)\n"])
    bind_announced(q.pid, n)
    irm.unbind_process(q.pid, n)


def test_irm_errors(ouro):
    with pytest.raises(errors.OuroborosError):
        irm.destroy_ipcp(ouro.unique("nope"))
    with pytest.raises(errors.OuroborosError):
        irm.destroy_name(ouro.unique("nope"))
    with pytest.raises(errors.OuroborosError):
        irm.register_name(ouro.unique("n"), layer=ouro.unique("nolayer"))
    with pytest.raises(TypeError):
        irm.create_name(5)
    with pytest.raises(ValueError):
        irm.create_ipcp("x", "no-such-type")
    with pytest.raises(TypeError):
        irm.bind_process("12", "x")
    with pytest.raises(ValueError):
        irm.register_name("x")                      # neither layer nor ipcp
    with pytest.raises(FileNotFoundError):
        irm.bind_program("no-such-program-anywhere", "x")


def test_type_support_and_parse(ouro):
    assert irm.ipcp_type_supported("local")
    assert irm.IPCPType.parse("eth-dix") == irm.IPCPType.ETH_DIX
    assert irm.IPCPType.ETH_LLC.label == "eth-llc"
    assert irm.sock_path().endswith("irmd.sock")
    assert irm.sock_path().startswith(ouro.rundir)


def test_irm_tool_sees_python_changes(ouro):
    n = ouro.unique("seen")
    irm.create_name(n)
    if ouro.irm_bin is None:
        pytest.fail("irm tool not found")
    out = ouro.irm("name", "list").stdout
    assert n in out
    irm.destroy_name(n)


def test_enroll_and_connect_fail_cleanly(ouro):
    import time
    t0 = time.monotonic()
    with pytest.raises(errors.OuroborosError):
        irm.connect_ipcp("local", ouro.unique("peer"), "dt", "best")
    with pytest.raises(errors.OuroborosError):
        irm.connect_ipcp(ouro.unique("noipcp"), "x", "mgmt")
    with pytest.raises(errors.OuroborosError):
        irm.disconnect_ipcp(ouro.unique("noipcp"), "x")
    name = ouro.unique("enr")
    with pytest.raises(errors.OuroborosError):
        irm.enroll_ipcp(name, ouro.unique("nolayer"), type="local")
    assert time.monotonic() - t0 < 30
    for i in irm.list_ipcps():
        if i.name == name:
            irm.destroy_ipcp(name)


def test_pid_is_not_truncated(ouro):
    # the pid was parsed as a C long and cast to pid_t: 2**32 + pid bound
    # (or unbound) the process pid.
    name = ouro.unique("pid")
    irm.create_name(name)
    with pytest.raises((OverflowError, ValueError)):
        irm.bind_process(2 ** 32 + os.getpid(), name)
    with pytest.raises((OverflowError, ValueError)):
        irm.unbind_process(2 ** 32 + os.getpid(), name)
    irm.destroy_name(name)


def test_bootstrap_options_are_irms(ouro):
    # one option table (src/common/ipcp_conf.c): irm's checks and words
    lay = ouro.unique("layer")
    with pytest.raises(ValueError, match="'mtu' is not an option of IPCP "
                       "type local"):
        irm.bootstrap_ipcp("local", lay, mtu=1500)
    with pytest.raises(ValueError, match=r"^unknown hash 'MD5' \(expected "
                       "one of: SHA3_224"):
        irm.bootstrap_ipcp("local", lay, hash="MD5")
    # checked before an IPCP is created, whatever this build has
    name = ouro.unique("eth")
    with pytest.raises(ValueError, match="^bootstrap of an eth-dix IPCP "
                       "needs 'dev'$"):
        irm.bootstrap_ipcp(name, lay, type="eth-dix", mtu=1500)
    with pytest.raises(ValueError, match="^mtu must be 64..65535$"):
        irm.bootstrap_ipcp(name, lay, type="eth-llc", dev="lo", mtu=63)
    with pytest.raises(ValueError, match="^ethertype must be "
                       "0x0600..0xFFFF$"):
        irm.bootstrap_ipcp(name, lay, type="eth-dix", dev="lo",
                           ethertype=0x5FF)
    with pytest.raises(ValueError, match="^ip must be an IPv6 address"):
        irm.bootstrap_ipcp(name, lay, type="udp6", ip="10.0.0.1")
    with pytest.raises(ValueError, match="^'dev' is not an option of IPCP "
                       "type udp4$"):
        irm.bootstrap_ipcp(name, lay, type="udp4", ip="10.0.0.1", dev="x")
    assert all(i.name != name for i in irm.list_ipcps())
    # the words and the old field names and indexes still work
    irm.bootstrap_ipcp(ouro.unique("lo"), ouro.unique("layer"),
                       type="local", hash=irm.HashAlgo.SHA3_384)


def test_ipcp_stat_and_info(ouro):
    # the local IPCP keeps no counters and reports no attachment
    with pytest.raises(errors.NotSupportedError):
        irm.ipcp_stat("local")
    with pytest.raises(errors.OuroborosError):
        irm.ipcp_stat(ouro.unique("none"))
    local = [i for i in irm.list_ipcps() if i.name == "local"][0]
    assert local.info == ""


def test_string_option_with_nul_is_refused(ouro):
    # ip/dns/dev were copied with strcpy: "eth0\0x" became "eth0"
    with pytest.raises(ValueError):
        irm.bootstrap_ipcp("local", ouro.unique("layer"), dev="lo\0x")


def _raw_create_ipcp(rundir, name):
    """M_IPCP_CREATE with ``name`` (bytes) straight on the IRMd's socket,
    past irm's and the library's checks: the IRMd's result."""
    import socket
    import struct
    m = struct.pack("<HHI", 32, 0, 1)                       # M_IPCP_CREATE
    m += struct.pack("<HH", 4, len(name)) + name            # T_IPCP_NAME
    m += struct.pack("<HHI", 5, 4, 0)                       # T_IPCP_TYPE
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.settimeout(10)
        s.connect(os.path.join(rundir, "irmd.sock"))
        s.send(m)
        rep = s.recv(65536)
    tag, n, res = struct.unpack_from("<HHi", rep, 8)        # T_RESULT
    assert tag == 1 and n == 4
    return res


@pytest.mark.parametrize("bad", ["a\nINFO: forged", "\x1b[2Jx", "c1\x85",
                                 "tab\t"])
def test_names_are_text_without_control_characters(ouro, bad):
    with pytest.raises(errors.InvalidArgumentError):
        irm.create_name(bad)
    with pytest.raises(errors.InvalidArgumentError):
        irm.create_ipcp(bad, "local")
    assert all(x.name != bad for x in irm.list_names())


def test_irmd_refuses_names_that_are_not_utf8(ouro):
    import errno
    assert _raw_create_ipcp(ouro.rundir, b"\xff\xfe") == -errno.EINVAL
    assert _raw_create_ipcp(ouro.rundir, b"a\nb") == -errno.EINVAL
    r = subprocess.run([ouro.irm_bin, "ipcp", "create", "name", b"\xff",
                        "type", "local"], capture_output=True, timeout=30)
    assert r.returncode == 1 and r.stderr.count(b"\n") == 1, r.stderr
    # so the lists always decode
    irm.list_ipcps()
    irm.list_names()


def test_silent_irmd_is_reported_as_a_timeout():
    # an IRMd that takes connections but never answers is busy or stuck,
    # not absent: FlowTimeoutError "... did not answer in time" after the
    # library's 5 s, not IRMdError "cannot reach the IRMd"
    import shutil
    import socket
    import tempfile
    d = tempfile.mkdtemp(prefix="pyouro-silent.")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
            s.bind(os.path.join(d, "irmd.sock"))
            s.listen(4)
            r = subprocess.run(
                [sys.executable, "-c",
                 "from ouroboros.dev import flow_alloc\n"
                 "flow_alloc('x', timeo=1)\n"],
                env=dict(os.environ, OUROBOROS_RUNDIR=d),
                capture_output=True, text=True, timeout=60)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    assert r.returncode != 0
    assert "FlowTimeoutError" in r.stderr, r.stderr
    assert "did not answer in time" in r.stderr, r.stderr
