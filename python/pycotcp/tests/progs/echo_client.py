"""Unmodified echo client: TCP and UDP round trips to HOST PORT."""
import socket
import sys

host, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
with socket.socket(fam, socket.SOCK_STREAM) as s:
    s.settimeout(10)
    s.connect((host, port))
    for i in range(20):
        msg = ("message %d " % i).encode() * (i + 1)
        s.sendall(msg)
        got = b""
        while len(got) < len(msg):
            got += s.recv(65536)
        assert got == msg, (got, msg)
    peer = s.getpeername()
    assert peer[0] == host and peer[1] == port, peer
print("TCP OK", s.family.name, flush=True)
with socket.socket(fam, socket.SOCK_DGRAM) as u:
    u.settimeout(2)
    for attempt in range(5):
        u.sendto(b"datagram", (host, port))
        try:
            data, addr = u.recvfrom(100)
            break
        except socket.timeout:
            continue
    else:
        sys.exit("no UDP reply")
    assert data == b"datagram" and addr[0] == host, (data, addr)
print("UDP OK", flush=True)
