"""Python side of bench/ioth: the same protocol as ioth_bench.c, run under
pyco-wrapper (stacks) or plain python3 (kernel loopback).

    pybench.py serve PORT
    pybench.py client SERVER PORT ROUNDS BYTES
"""
import socket
import struct
import sys
import time


def recv_all(s, n):
    buf = bytearray(n)
    view = memoryview(buf)
    got = 0
    while got < n:
        k = s.recv_into(view[got:])
        if not k:
            raise ConnectionError("short read")
        got += k
    return bytes(buf)


def serve(port):
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("0.0.0.0", port))
    srv.listen(8)
    print("READY", flush=True)
    buf = bytearray(1 << 18)
    while True:
        c, _ = srv.accept()
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cmd = recv_all(c, 1)
        if cmd == b"R":
            try:
                while True:
                    c.sendall(recv_all(c, 64))
            except ConnectionError:
                pass
        else:
            n = struct.unpack("=Q", recv_all(c, 8))[0]
            got = 0
            while got < n:
                k = c.recv_into(buf, min(len(buf), n - got))
                if not k:
                    break
                got += k
            c.sendall(struct.pack("=Q", got))
            c.recv(1)
        c.close()


def client(host, port, rounds, nbytes):
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"R")
    msg = bytes(64)
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        s.sendall(msg)
        recv_all(s, 64)
        times.append(time.perf_counter() - t0)
    s.close()
    times.sort()
    s = socket.create_connection((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.sendall(b"B" + struct.pack("=Q", nbytes))
    chunk = bytes(1 << 18)
    t0 = time.perf_counter()
    sent = 0
    while sent < nbytes:
        part = chunk if nbytes - sent >= len(chunk) else chunk[:nbytes - sent]
        s.sendall(part)
        sent += len(part)
    assert struct.unpack("=Q", recv_all(s, 8))[0] == nbytes
    rate = nbytes / (time.perf_counter() - t0) / 1e6
    s.close()
    print("rtt_us=%.1f bulk_MBps=%.1f" % (times[rounds // 2] * 1e6, rate))


if sys.argv[1] == "serve":
    serve(int(sys.argv[2]))
else:
    client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
           int(sys.argv[5]))
