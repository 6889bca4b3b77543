"""Health probe: exit 0 when something accepts TCP connections on 127.0.0.1:PORT."""
import socket
import sys

try:
    socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.3).close()
except OSError as e:
    print(f"port {sys.argv[1]}: {e}")
    sys.exit(1)
