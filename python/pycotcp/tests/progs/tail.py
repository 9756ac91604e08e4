"""Data a process sent must outlive it, as with kernel sockets.

'serve PORT [PIECE]' accepts one client, fills the connection with
sends of PIECE bytes (default 65511) until it takes no more for a
second (the client does not read yet, so the stack still holds what it
took: its send buffer, behind a closed window), prints 'SENT n
sha256', closes and exits at once.
'get HOST PORT GOFILE' connects, prints CONNECTED, waits for GOFILE to
exist, then reads to EOF and prints 'GOT n sha256'."""
import hashlib
import os
import select
import socket
import sys
import time

if sys.argv[1] == "serve":
    srv = socket.create_server(("", int(sys.argv[2])))
    print("READY", flush=True)
    c, _ = srv.accept()
    c.setblocking(False)
    chunk = bytes(range(251)) * 261         # 65511 bytes, no period of 2^k
    piece = int(sys.argv[3]) if len(sys.argv) > 3 else len(chunk)
    data = memoryview(chunk * 3)
    h = hashlib.sha256()
    sent = 0
    last = time.monotonic()
    while time.monotonic() - last < 1:     # until no progress for 1 s
        off = sent % len(chunk)
        try:
            k = c.send(data[off:off + min(piece, len(chunk))])
        except BlockingIOError:
            select.select([], [c], [], 0.5)
            continue
        h.update(data[off:off + k])
        sent += k
        last = time.monotonic()
    print("SENT %d %s" % (sent, h.hexdigest()), flush=True)
    c.close()
    srv.close()
else:
    host, port, go = sys.argv[2], int(sys.argv[3]), sys.argv[4]
    s = socket.create_connection((host, port), timeout=10)
    print("CONNECTED", flush=True)
    end = time.monotonic() + 30
    while not os.path.exists(go) and time.monotonic() < end:
        time.sleep(0.01)
    h = hashlib.sha256()
    n = 0
    while True:
        try:
            b = s.recv(65536)
        except socket.timeout:
            print("TIMEOUT", flush=True)
            break
        except ConnectionResetError:
            print("RESET", flush=True)
            break
        if not b:
            break
        h.update(b)
        n += len(b)
    print("GOT %d %s" % (n, h.hexdigest()), flush=True)
