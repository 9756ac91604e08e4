"""Unmodified selectors echo server: TCP on a dual-stack '::' socket (or
0.0.0.0 with -4) and UDP on IPv4 and IPv6; prints READY when listening."""
import selectors
import socket
import sys

port = int(sys.argv[1])
only4 = "-4" in sys.argv
sel = selectors.DefaultSelector()
if only4:
    lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("0.0.0.0", port))
else:
    lst = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    lst.bind(("::", port))
lst.listen(200)
lst.setblocking(False)
sel.register(lst, selectors.EVENT_READ, "accept")
udps = []
dual_udp = False
for fam, host in ((socket.AF_INET6, "::"), (socket.AF_INET, "0.0.0.0")):
    if only4 and fam == socket.AF_INET6 or dual_udp:
        continue
    u = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        try:
            u.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        except OSError:         # stack without V6ONLY: one dual socket
            dual_udp = True
    u.bind((host, port))
    u.setblocking(False)
    sel.register(u, selectors.EVENT_READ, "udp")
    udps.append(u)
print("READY", flush=True)
conns = 0
while True:
    for key, _ in sel.select():
        s = key.fileobj
        if key.data == "accept":
            c, _addr = s.accept()
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, "conn")
            conns += 1
        elif key.data == "udp":
            data, addr = s.recvfrom(65536)
            s.sendto(data, addr)
        else:
            try:
                data = s.recv(65536)
            except ConnectionError:
                data = b""
            if not data:
                sel.unregister(s)
                s.close()
                continue
            if data == b"QUIT":
                print("conns", conns, flush=True)
                sys.exit(0)
            s.setblocking(True)
            s.sendall(data)
            s.setblocking(False)
