"""Unmodified socketserver servers: 'tcp PORT' or 'udp PORT' (upper-case
echo) or 'wsgi PORT' (wsgiref app)."""
import socketserver
import sys


class TCPHandler(socketserver.StreamRequestHandler):
    def handle(self):
        self.wfile.write(self.rfile.readline().upper())


class UDPHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        sock.sendto(data.upper(), self.client_address)


def app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"wsgi says hi to ", environ["REMOTE_ADDR"].encode()]


kind, port = sys.argv[1], int(sys.argv[2])
if kind == "wsgi":
    from wsgiref.simple_server import make_server
    srv = make_server("", port, app)
else:
    cls = socketserver.TCPServer if kind == "tcp" else socketserver.UDPServer
    srv = cls(("", port), TCPHandler if kind == "tcp" else UDPHandler)
print("READY", flush=True)
srv.serve_forever()
