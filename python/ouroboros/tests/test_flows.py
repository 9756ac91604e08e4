"""Flows end to end on a private IRMd: echo, text, QoS, timeouts, flags,
queue lengths, dealloc notification, errors."""

import gc
import time

import pytest

from ouroboros import errors
from ouroboros.dev import (Flow, FlowProperties, QoSSpec, flow_accept,
                           flow_alloc, flow_join)
from ouroboros.qos import PRESETS, qos_voice


def test_echo_server_subprocess(server):
    name, _ = server("echo")
    with flow_alloc(name, timeo=10) as f:
        for msg in (b"", b"x", bytes(range(256)) * 100):
            assert f.write(msg) == len(msg)
            assert f.read() == msg
    assert f.fd == -1


def test_alloc_method_on_existing_flow(server):
    name, _ = server("echo")
    f = Flow()
    f.alloc(name, timeo=10)
    f.write(b"1")
    assert f.read() == b"1"
    with pytest.raises(ValueError):
        f.alloc(name)               # already allocated
    f.dealloc()
    f.alloc(name, timeo=10)         # reuse the object
    f.write(b"2")
    assert f.read() == b"2"
    f.dealloc()


def test_messages_keep_boundaries(pair):
    c, s = pair()
    for i in range(20):
        c.write(b"m%d" % i)
    assert [s.read() for _ in range(20)] == [b"m%d" % i for i in range(20)]


def test_read_count_and_write_count(pair):
    c, s = pair()
    assert c.write(b"0123456789", 4) == 4
    assert s.read() == b"0123"
    c.write(b"abcdef")
    assert s.read(2) == b"ab"           # partial read, rest follows
    assert s.read() == b"cdef"
    c.write(bytearray(b"ba"))
    c.write(memoryview(b"xmv")[1:])
    assert s.read() == b"ba" and s.read() == b"mv"
    with pytest.raises(ValueError):
        c.write(b"abc", -1)


def test_write_count_beyond_buffer_writes_the_buffer(pair):
    """The seed: write(buf, count) writes "up to count bytes from buffer";
    a server echoing a short message with the count it expected must not
    crash."""
    c, s = pair()
    assert c.write(b"abc", 10) == 3
    assert s.read() == b"abc"
    assert c.write(bytearray(b"xy"), count=1 << 20) == 2
    assert s.read() == b"xy"


def test_text_utf8_not_truncated(pair):
    c, s = pair()
    text = "héllo wörld ✓ 🐍"
    assert c.writeline(text) == len(text)
    assert s.readline() == text
    assert c.writeline(text, 7) == 7
    assert s.readline() == text[:7]
    c.writeline(text)
    assert s.readline(3) == text[:3]     # rest kept for the next read
    assert s.get_rx_queue_len() == 1
    assert s.readline() == text[3:]
    c.write("ü".encode() * 3)
    assert s.readline() == "üüü"


def test_readline_rejects_invalid_utf8(pair):
    c, s = pair()
    c.write(b"\xff\xfe")
    with pytest.raises(UnicodeDecodeError):
        s.readline()


@pytest.mark.parametrize("name", sorted(n for n in PRESETS
                                        if not n.endswith("crypt")))
def test_qos_round_trip(pair, name):
    spec = PRESETS[name].replace(timeout=60000)
    c, s = pair(spec)
    assert c.get_qos() == spec
    assert s.get_qos() == spec


def test_accept_returns_peer_qos(self_name):
    import threading
    f = Flow()
    box = {}
    t = threading.Thread(target=lambda: box.setdefault(
        "c", flow_alloc(self_name, qos_voice, timeo=10)))
    t.start()
    q = f.accept(timeo=10)
    t.join()
    assert q == qos_voice
    f.dealloc()
    box["c"].dealloc()


def test_encrypted_flow_seed_example(self_name):
    """The seed's QoSSpec(loss=0, cypher_s=256): reliable and encrypted."""
    import threading
    box = {}
    q = QoSSpec(loss=0, cypher_s=256)
    t = threading.Thread(target=lambda: box.setdefault(
        "c", flow_alloc(self_name, q, timeo=10)))
    t.start()
    f = flow_accept(timeo=10)
    t.join()
    c = box["c"]
    try:
        assert c.get_qos().cypher_s == 256 and f.get_qos().cypher_s == 256
        text = "geheim \u00e9\u00e8 \u2603 " * 50
        c.writeline(text)
        assert f.readline() == text
        f.write(b"\x00\xffback")
        assert c.read() == b"\x00\xffback"
    finally:
        c.dealloc()
        f.dealloc()


def test_encryption_strength_out_of_range(self_name):
    with pytest.raises(errors.InvalidArgumentError):
        flow_alloc(self_name, QoSSpec(cypher_s=512), timeo=2)




def test_alloc_unknown_name_fails_fast(ouro):
    t0 = time.monotonic()
    with pytest.raises(errors.OuroborosError):
        flow_alloc(ouro.unique("nobody"), timeo=5)
    assert time.monotonic() - t0 < 5


def test_timeouts_get_set(pair):
    c, s = pair()
    assert s.get_rcv_timeout() is None
    assert s.get_snd_timeout() is None
    s.set_rcv_timeout(0.5)
    s.set_snd_timeout(1.25)
    assert s.get_rcv_timeout() == 0.5
    assert s.get_snd_timeout() == 1.25
    s.set_rcv_timeout(None)
    assert s.get_rcv_timeout() is None
    with pytest.raises(ValueError):
        s.set_rcv_timeout(-1)
    with pytest.raises(TypeError):
        s.set_snd_timeout("1")


def test_read_timeout_raises_timeouterror(pair):
    c, s = pair()
    s.set_rcv_timeout(0.3)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        s.read()
    dt = time.monotonic() - t0
    assert 0.28 <= dt < 2.0, dt
    s.set_rcv_timeout(0)
    with pytest.raises(TimeoutError):
        s.read()
    c.write(b"late")                    # the flow still works after
    assert s.read() == b"late"


def test_accept_timeout(ouro):
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        flow_accept(timeo=0.3)
    assert 0.28 <= time.monotonic() - t0 < 3
    with pytest.raises(BlockingIOError):
        flow_accept(timeo=0)


def test_nonblocking_read(pair):
    c, s = pair()
    s.set_flags(FlowProperties.ReadWrite | FlowProperties.NonBlockingRead)
    assert s.get_flags() & FlowProperties.NonBlockingRead
    with pytest.raises(BlockingIOError):
        s.read()
    c.write(b"now")
    assert s.read() == b"now"


def test_nonblocking_write_full_flow(pair):
    c, s = pair()
    c.set_flags(FlowProperties.ReadWrite | FlowProperties.NonBlocking)
    n = 0
    with pytest.raises(BlockingIOError):
        while n < 100000:
            c.write(b"x" * 1000)
            n += 1
    assert n > 0
    assert c.get_tx_queue_len() == n
    assert s.get_rx_queue_len() == n
    assert s.read() == b"x" * 1000
    c.write(b"y")                       # room again


def test_write_timeout_on_full_flow(pair):
    c, s = pair()
    c.set_snd_timeout(0.2)
    t0 = time.monotonic()
    with pytest.raises(TimeoutError):
        for _ in range(100000):
            c.write(b"z" * 1000)
    assert time.monotonic() - t0 < 5


def test_flags(pair):
    c, s = pair()
    fl = c.get_flags()
    assert isinstance(fl, FlowProperties)
    assert fl & 3 == FlowProperties.ReadWrite
    c.set_flags(FlowProperties.ReadWrite | FlowProperties.NoPartialRead)
    assert c.get_flags() == FlowProperties.ReadWrite | \
        FlowProperties.NoPartialRead
    s.write(b"0123456789")
    with pytest.raises(errors.MessageTooLongError):
        c.read(4)                       # no partial reads
    assert c.read() == b"0123456789"
    with pytest.raises(ValueError):
        c.set_flags(FlowProperties.WriteOnly | FlowProperties.ReadWrite)


def test_read_only_and_write_only(pair):
    c, s = pair()
    c.set_flags(FlowProperties.ReadOnly)
    with pytest.raises(errors.FlowPermissionError):
        c.write(b"no")
    with pytest.raises(PermissionError):
        c.writeline("no")
    s.set_flags(FlowProperties.WriteOnly)
    with pytest.raises(errors.FlowPermissionError):
        s.read()
    s.write(b"ok")
    assert c.read() == b"ok"


def test_queue_lengths(pair):
    c, s = pair()
    assert c.get_tx_queue_len() == 0 and s.get_rx_queue_len() == 0
    for i in range(7):
        c.write(b"%d" % i)
    assert c.get_tx_queue_len() == 7
    assert s.get_rx_queue_len() == 7
    s.read()
    s.read()
    assert s.get_rx_queue_len() == 5
    assert c.get_tx_queue_len() == 5


def test_message_too_long(pair):
    c, s = pair()
    with pytest.raises(errors.MessageTooLongError):
        c.write(b"x" * ((1 << 20) + 1))     # above max_pkt (1 MiB)
    big = b"y" * 65536
    c.write(big)
    assert s.read() == big
    big = b"z" * (1 << 20)
    c.write(big)
    assert s.read(1 << 20) == big


def test_read_default_is_the_whole_packet(pair):
    # read() without a count returns whole packets of any size the flow
    # carries (up to its FLOWGMAXPKT), small ones as they are
    c, s = pair()
    for size in (1, 65535, 65536, 65537, 200000, 1 << 20, 3):
        pkt = bytes((i * 7 + size) & 0xff for i in range(size))
        c.write(pkt)
        assert s.read() == pkt


def test_peer_dealloc_raises_flowdown(pair):
    c, s = pair()
    c.write(b"last words")
    c.dealloc()
    assert s.read() == b"last words"    # queued data first
    with pytest.raises(errors.FlowDownError):
        s.read()
    with pytest.raises(ConnectionError):
        s.write(b"x")


def test_peer_process_death_raises_flowdown(server, ouro):
    name, p = server("hold")
    f = flow_alloc(name, timeo=10)
    f.set_rcv_timeout(10)
    p.kill()
    t0 = time.monotonic()
    with pytest.raises(errors.FlowDownError):
        f.read()
    assert time.monotonic() - t0 < 5
    f.dealloc()


def test_use_after_dealloc_and_double_dealloc(pair):
    c, s = pair()
    c.dealloc()
    c.dealloc()
    with pytest.raises(errors.FlowDeallocatedError) as ei:
        c.write(b"x")
    assert "not allocated" in str(ei.value)
    with pytest.raises(errors.FlowNotAllocatedError):
        c.read()
    with pytest.raises(errors.FlowDeallocatedError):
        c.get_qos()


def test_with_statement_deallocates(server):
    name, _ = server("echo")
    with flow_alloc(name, timeo=10) as f:
        f.writeline("x")
        assert f.readline() == "x"
    assert not f.allocated
    with pytest.raises(errors.FlowDeallocatedError):
        f.readline()


def test_dropped_flow_releases_fd(self_name):
    import threading
    box = {}
    t = threading.Thread(target=lambda: box.setdefault(
        "s", flow_accept(timeo=10)))
    t.start()
    c = flow_alloc(self_name, timeo=10)
    t.join()
    s = box.pop("s")
    s.set_rcv_timeout(5)
    del c
    gc.collect()
    with pytest.raises(errors.FlowDownError):
        s.read()
    s.dealloc()


def test_many_sequential_allocations_do_not_leak(server):
    name, _ = server("echo")
    fds = set()
    for i in range(200):
        with flow_alloc(name, timeo=10) as f:
            fds.add(f.fd)
            f.write(b"%d" % i)
            assert f.read() == b"%d" % i
    assert len(fds) <= 4, fds       # descriptors are reused


def test_two_accepts_into_one_flow_do_not_leak(self_name):
    # both calls passed the "not allocated" check, and the second accept
    # overwrote the fd of the first: that flow was never released.
    import threading
    f = Flow()
    errs = []

    def acc():
        try:
            f.accept(timeo=10)
        except ValueError as e:
            errs.append(e)

    ths = [threading.Thread(target=acc) for _ in range(2)]
    for t in ths:
        t.start()
    time.sleep(0.2)
    c1 = flow_alloc(self_name, timeo=10)
    c2 = flow_alloc(self_name, timeo=10)
    for t in ths:
        t.join(15)
    try:
        assert len(errs) == 1 and f.allocated
        f.write(b"x")
        got = []
        for c in (c1, c2):
            c.set_rcv_timeout(2)
            try:
                got.append(c.read())
            except (errors.FlowDownError, errors.FlowTimeoutError) as e:
                got.append(type(e))
        assert sorted(map(str, got)) == sorted(
            [str(b"x"), str(errors.FlowDownError)]), got
    finally:
        for x in (f, c1, c2):
            x.dealloc()


def test_garbage_collected_flow_releases_the_gil(ouro, server):
    # tp_dealloc called flow_dealloc (a request to the IRMd, up to 2 s)
    # with the GIL held: every thread stopped while a dropped Flow went.
    import os
    import signal
    import threading
    c = flow_alloc(server("hold")[0], timeo=10)
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    th = threading.Thread(target=ticker)
    th.start()
    os.kill(ouro.irmd_proc.pid, signal.SIGSTOP)
    try:
        t0 = time.monotonic()
        del c                       # the last reference: tp_dealloc
        t1 = time.monotonic()
    finally:
        os.kill(ouro.irmd_proc.pid, signal.SIGCONT)
        stop.set()
        th.join()
    during = [t for t in ticks if t0 < t < t1]
    assert t1 - t0 < 0.5 or len(during) > 5, (t1 - t0, len(during))


def test_frct_flags_and_largest_message(pair):
    """FRCT flags on in-order and reliable flows, local ones included
    (doc/qos.md); PermissionError on raw flows; a reliable flow carries
    messages up to 16 MiB, whole, through the ring in pieces."""
    from ouroboros.dev import FRCTFlags
    from ouroboros.qos import qos_best_effort, qos_data, qos_raw
    F = FRCTFlags
    c, s = pair(qos_data)
    assert c.get_frct_flags() == F.Retransmit | F.ResourceControl | F.Linger
    c.set_frct_flags(F.Retransmit)
    assert c.get_frct_flags() == F.Retransmit
    c.set_frct_flags(0)
    assert c.get_frct_flags() == 0
    assert c.get_max_packet() == 16 << 20
    big = bytes(range(256)) * (1 << 16)          # 16 MiB
    import threading
    t = threading.Thread(target=c.write, args=(big,))
    t.start()
    got = s.read(len(big) + 1)
    t.join(30)
    assert got == big

    c, s = pair(qos_best_effort)
    assert c.get_frct_flags() == F.Linger        # in-order: linger
    c.set_frct_flags(0)
    assert s.get_frct_flags() == F.Linger        # each end its own
    with pytest.raises(errors.InvalidArgumentError):
        c.set_frct_flags(F.Retransmit)           # needs loss=0
    c.set_frct_flags(F.Linger)
    assert c.get_frct_flags() == F.Linger

    c, s = pair(qos_raw)
    with pytest.raises(PermissionError):
        c.get_frct_flags()
    with pytest.raises(PermissionError):
        c.set_frct_flags(F.Linger)
    assert c.get_max_packet() < 16 << 20
