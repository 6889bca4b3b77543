"""A stand-in service: `fake_service.py NAME [PORT]`.

With a port it serves HTTP on 127.0.0.1:PORT (GET /health answers "ok");
without one it is a worker that logs a line every few seconds.
"""
import http.server
import sys
import time

name = sys.argv[1]
port = int(sys.argv[2]) if len(sys.argv) > 2 else None


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok\n" if self.path == "/health" else f"{name} is up\n".encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        print(f"[{name}] {self.address_string()} {fmt % args}", flush=True)


if port is None:
    print(f"[{name}] started", flush=True)
    while True:
        time.sleep(5)
        print(f"[{name}] processed 0 jobs", flush=True)
else:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"[{name}] listening on http://127.0.0.1:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"[{name}] stopping", flush=True)
