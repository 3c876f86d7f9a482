#!/usr/bin/env python3
"""A tiny HTTP responder for the e2e tests: answers every request with its name (or the
address:port it was reached on), `/health` with "ok", and writes its pid to --pidfile."""
import argparse
import http.server
import os
import threading


def handler(name):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = 'HTTP/1.1'

        def do_GET(self):
            addr, port = self.connection.getsockname()[:2]
            body = ('ok' if self.path == '/health' else (name or f'{addr}:{port}')).encode()
            self.send_response(200)
            self.send_header('Content-Type', 'text/plain')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--listen', action='append', required=True, help='address:port')
    parser.add_argument('--name', default='')
    parser.add_argument('--pidfile', default='')
    args = parser.parse_args()
    servers = []
    for listen in args.listen:
        addr, port = listen.rsplit(':', 1)
        http.server.ThreadingHTTPServer.allow_reuse_address = True
        server = http.server.ThreadingHTTPServer((addr, int(port)), handler(args.name))
        server.daemon_threads = True
        servers.append(server)
    if args.pidfile:
        with open(args.pidfile, 'w') as f:
            f.write(f'{os.getpid()}\n')
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print('ready', flush=True)
    servers[0].serve_forever()


main()
