"""Unmodified bulk transfer: 'serve PORT SIZE' sends SIZE pseudo-random
bytes to the first client; 'get HOST PORT SIZE' checks their SHA-256."""
import hashlib
import random
import socket
import sys
import time


def data(size):
    rnd = random.Random(42)
    chunk = bytes(rnd.getrandbits(8) for _ in range(65536))
    out = bytearray()
    i = 0
    while len(out) < size:
        out += chunk[i % 7:] + chunk[:i % 7]
        i += 1
    return bytes(out[:size])


if sys.argv[1] == "serve":
    port, size = int(sys.argv[2]), int(sys.argv[3])
    payload = data(size)
    srv = socket.create_server(("", port))
    print("READY", flush=True)
    c, _ = srv.accept()
    c.sendall(payload)
    c.close()
    srv.close()
else:
    host, port, size = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    want = hashlib.sha256(data(size)).hexdigest()
    s = socket.create_connection((host, port), timeout=30)
    h = hashlib.sha256()
    n = 0
    t0 = time.monotonic()
    buf = bytearray(262144)
    while True:
        k = s.recv_into(buf)
        if not k:
            break
        h.update(memoryview(buf)[:k])
        n += k
    dt = time.monotonic() - t0
    assert n == size, (n, size)
    assert h.hexdigest() == want, "corrupted data"
    print("BULK OK %.1f MB/s" % (n / dt / 1e6), flush=True)
