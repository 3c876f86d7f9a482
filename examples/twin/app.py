"""The laptop twin's stand-in app (Python 3 standard library only).

Serves HTTP/1.1 on every port given on the command line. Each answer names the container
(`X-Node` header and body) and echoes what webfarm put in its environment that the twin's tests
read (the primary-only VISA variables, the Redis URL's presence). A websocket upgrade
(`Upgrade: websocket`) gets `101 Switching Protocols` and one text frame naming the node.
`app.py --check PORT` is the container's health check.
"""
import base64
import hashlib
import json
import os
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NODE = socket.gethostname()
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SHOWN = ("VISA_SCHEDULER_ENABLED", "VISA_VDI_CLEANUP_SESSIONS_ON_STARTUP")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet: the balancer logs requests
        pass

    def do_GET(self):
        if self.headers.get("Upgrade", "").lower() == "websocket":
            self.upgrade()
            return
        body = json.dumps(
            {
                "node": NODE,
                "port": self.server.server_address[1],
                "path": self.path,
                "machineid": self.headers.get("machineid"),
                "env": {k: os.environ.get(k) for k in SHOWN},
                "redis": bool(os.environ.get("VISA_VDI_REDIS_URL")),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Node", NODE)
        self.end_headers()
        self.wfile.write(body)

    def upgrade(self):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.send_header("X-Node", NODE)
        self.end_headers()
        text = ("hello from " + NODE).encode()
        self.wfile.write(bytes([0x81, len(text)]) + text)
        self.wfile.flush()
        self.close_connection = True


def check(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        return s.recv(12).startswith(b"HTTP/1.1 200")


def main(argv):
    if argv and argv[0] == "--check":
        sys.exit(0 if check(int(argv[1])) else 1)
    servers = [ThreadingHTTPServer(("0.0.0.0", int(p)), Handler) for p in argv or ["8080"]]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    servers[0].serve_forever()


if __name__ == "__main__":
    main(sys.argv[1:])
