"""Unmodified selectors client: N concurrent connections to HOST PORT, each
sends its own message and waits for the echo."""
import selectors
import socket
import sys

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sel = selectors.DefaultSelector()
pending = {}
for i in range(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    err = s.connect_ex((host, port))
    assert err in (0, 115), err       # EINPROGRESS
    msg = b"conn-%04d" % i
    pending[s] = [msg, b""]
    sel.register(s, selectors.EVENT_WRITE)
done = 0
while done < n:
    events = sel.select(timeout=20)
    if not events:
        sys.exit("stalled with %d of %d done" % (done, n))
    for key, ev in events:
        s = key.fileobj
        msg, got = pending[s]
        if ev & selectors.EVENT_WRITE:
            soerr = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            assert soerr == 0, soerr
            s.send(msg)
            sel.modify(s, selectors.EVENT_READ)
        else:
            got += s.recv(100)
            pending[s][1] = got
            if got == msg:
                sel.unregister(s)
                s.close()
                done += 1
print("MANY OK", done, flush=True)
