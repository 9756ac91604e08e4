"""Two stacks on a private switch, every back-end through the same suite."""
import os
import signal
import time

import pytest

from conftest import finish, prog, wait_line

A4, B4 = "10.40.0.1/24", "10.40.0.2/24"
A6, B6 = "fd00::1/64", "fd00::2/64"


def server(procs, vde, backend, name, args, addr=A4, extra=("-6", A6)):
    p = procs.wrapped(prog(name), args, addr, vde, backend, extra)
    wait_line(p, "READY")
    return p


@pytest.mark.parametrize("family", ["ipv4", "ipv6"])
def test_tcp_udp_exchange(procs, vde, backend, family):
    server(procs, vde, backend, "echo_server.py", [7000])
    host = "10.40.0.1" if family == "ipv4" else "fd00::1"
    c = procs.wrapped(prog("echo_client.py"), [host, 7000], B4, vde, backend,
                      ("-6", B6))
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "TCP OK" in out and "UDP OK" in out


def test_bulk_10mb(procs, vde, backend):
    size = 10 * 1000 * 1000
    server(procs, vde, backend, "bulk.py", ["serve", 7001, size])
    c = procs.wrapped(prog("bulk.py"), ["get", "10.40.0.1", 7001, size], B4,
                      vde, backend)
    rc, out, err = finish(c, 120)
    assert rc == 0, err
    assert "BULK OK" in out


def tail_pair(procs, vde, backend, tmp_path, port, piece=65511):
    """A tail.py server that has filled its connection with sends of
    piece bytes (the client not reading yet: the stack holds that data)
    and printed SENT, and its client; returns (server, client, go file,
    SENT line's n and digest)."""
    s = server(procs, vde, backend, "tail.py", ["serve", port, piece])
    go = tmp_path / "go"
    c = procs.wrapped(prog("tail.py"), ["get", "10.40.0.1", port, go], B4,
                      vde, backend)
    wait_line(c, "CONNECTED")
    _, n, digest = wait_line(s, "SENT").split()
    return s, c, go, n, digest


@pytest.mark.parametrize("piece", [65511, 100], ids=["large", "small"])
def test_sent_data_outlives_sender(procs, vde, backend, tmp_path, piece):
    """Data a process sent, then close() and exit: every byte reaches the
    peer, as from a kernel socket.  The client starts reading only once
    the server has exited (or 1.5 s after its close, if its exit waits
    for the data to be acknowledged): whatever the server's stack still
    held at exit had to be sent after it (issue 9).  Small sends fill
    LWIPv6's queue of segments before its buffer: its close could not
    queue the FIN and aborted the connection (a RST, all data lost)."""
    s, c, go, n, digest = tail_pair(procs, vde, backend, tmp_path, 7010,
                                    piece)
    end = time.monotonic() + 1.5
    while s.poll() is None and time.monotonic() < end:
        time.sleep(0.01)
    go.touch()
    t0 = time.monotonic()
    exited = None                   # when the server exited, after go
    while c.poll() is None and time.monotonic() - t0 < 60:
        if exited is None and s.poll() is not None:
            exited = time.monotonic() - t0
        time.sleep(0.01)
    rc, out, err = finish(c, 1)
    src, _, serr = finish(s, 30)
    assert rc == 0, err
    assert out.split()[-3:] == ["GOT", n, digest], \
        (out, n, serr, "server exited %s s after go" % exited)
    assert src == 0, serr


def test_sender_exit_bounded_when_peer_gone(procs, vde, backend, tmp_path):
    """The wait at exit for sent data to be acknowledged is bounded: with
    the peer gone (killed, its window closed) the sender still exits,
    within the 5 s bound (plus a generous margin)."""
    s, c, go, n, digest = tail_pair(procs, vde, backend, tmp_path, 7011)
    os.killpg(c.pid, signal.SIGKILL)
    c.wait()
    t0 = time.monotonic()
    rc, _, err = finish(s, 60)
    assert rc == 0, err
    assert time.monotonic() - t0 < 20


def test_http_server_urllib(procs, vde, backend, tmp_path):
    www = tmp_path / "www"
    www.mkdir()
    (www / "index.html").write_text("served from a stack\n")
    s = procs.wrapped(["-m", "http.server"], [8000], A4, vde, backend,
                      cwd=str(www))
    wait_line(s, "Serving HTTP")
    code = ("import urllib.request;"
            "print(urllib.request.urlopen('http://10.40.0.1:8000/index.html',"
            " timeout=10).read().decode())")
    c = procs.wrapped(["-e", code], [], B4, vde, backend)
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "served from a stack" in out


def test_asyncio_echo(procs, vde, backend):
    server(procs, vde, backend, "aecho.py", ["serve", 7002])
    c = procs.wrapped(prog("aecho.py"), ["client", "10.40.0.1", 7002], B4,
                      vde, backend)
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "ASYNC OK" in out


def test_selectors_100_connections(procs, vde, backend):
    server(procs, vde, backend, "echo_server.py", [7003, "-4"], extra=())
    c = procs.wrapped(prog("many_clients.py"), ["10.40.0.1", 7003, 100], B4,
                      vde, backend)
    rc, out, err = finish(c, 120)
    if backend == "lwipv6" and rc != 0 and "AssertionError: 103" in err:
        pytest.skip("LWIPv6 1.5a aborted one of 100 simultaneous connects "
                    "(ECONNABORTED) on this loaded machine")
    assert rc == 0, err
    assert "MANY OK 100" in out


@pytest.mark.parametrize("kind", ["tcp", "udp"])
def test_socketserver(procs, vde, backend, kind):
    server(procs, vde, backend, "ss_servers.py", [kind, 7004], extra=())
    stype = "SOCK_STREAM" if kind == "tcp" else "SOCK_DGRAM"
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.%s)\n"
            "s.settimeout(10)\n"
            "s.connect(('10.40.0.1', 7004))\n"
            "s.send(b'shout\\n')\n"
            "print(s.recv(100).decode().strip())\n" % stype)
    c = procs.wrapped(["-e", code], [], B4, vde, backend)
    rc, out, err = finish(c)
    assert rc == 0, err
    assert out.strip() == "SHOUT"


def test_wsgi(procs, vde, backend):
    server(procs, vde, backend, "ss_servers.py", ["wsgi", 7005], extra=())
    code = ("import urllib.request;"
            "print(urllib.request.urlopen('http://10.40.0.1:7005/',"
            " timeout=10).read().decode())")
    c = procs.wrapped(["-e", code], [], B4, vde, backend)
    rc, out, err = finish(c)
    assert rc == 0, err
    assert "wsgi says hi to " in out
    if backend == "lwipv6":
        pytest.skip("LWIPv6 1.5a reports a wrong peer address for accepted "
                    "sockets (REMOTE_ADDR %r)" % out.split()[-1])
    assert "wsgi says hi to 10.40.0.2" in out
