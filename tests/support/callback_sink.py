#!/usr/bin/env python3
"""A webhook receiver for the callback tests: it records every request it gets and answers by
the path asked for, and it checks each Standard Webhooks signature on its own, with Python's
hmac (not the node's code), against the secrets it was given.

    callback_sink.py [--tls CERT KEY] [--secret S]...

Prints `port N` once listening on 127.0.0.1 (a port the kernel picks). Paths:

    /ok                     200
    /status/CODE            CODE (a 3xx one with Location: /ok)
    /fail/N/CODE            CODE for the first N requests of each webhook-id, then 200
    /drop/N                 the connection closed unanswered for the first N, then 200
    /retry-after/SECONDS    503 with Retry-After: SECONDS once per webhook-id, then 200
    /hang                   never answers (until the client gives up)
    /slow/MS                200 after MS milliseconds
    GET /_log               the requests so far, as JSON (not recorded)
"""

import base64
import hashlib
import hmac
import json
import socketserver
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

secrets = []
requests = []
seen = {}  # (path, webhook-id) -> requests so far
lock = threading.Lock()


def key_of(secret):
    if secret.startswith("whsec_"):
        return base64.b64decode(secret[len("whsec_"):], validate=True)
    return secret.encode()


def signature_ok(headers, body):
    """Whether any v1 entry of webhook-signature is the HMAC of one of our secrets."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    given = headers.get("webhook-signature")
    if not (msg_id and stamp and given):
        return False
    signed = msg_id.encode() + b"." + stamp.encode() + b"." + body
    for entry in given.split(" "):
        version, _, sig = entry.partition(",")
        if version != "v1":
            continue
        for secret in secrets:
            expected = base64.b64encode(hmac.new(key_of(secret), signed, hashlib.sha256).digest())
            if hmac.compare_digest(expected, sig.encode()):
                return True
    return False


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, code, extra=None, body=b"{}"):
        self.send_response(code)
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/_log":
            with lock:
                body = json.dumps(requests).encode()
            self.answer(200, body=body)
        else:
            self.handle_callback()

    def do_POST(self):
        self.handle_callback()

    def do_PUT(self):
        self.handle_callback()

    def handle_callback(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = self.path.strip("/").split("/")
        msg_id = self.headers.get("webhook-id", "")
        with lock:
            n = seen.get((self.path, msg_id), 0) + 1
            seen[(self.path, msg_id)] = n
            requests.append({
                "path": self.path,
                "method": self.command,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "signature_ok": signature_ok(self.headers, body),
                "at": time.monotonic(),
                "nth": n,
                "client_port": self.client_address[1],
            })
        kind = parts[0]
        if kind == "ok":
            self.answer(200)
        elif kind == "status":
            code = int(parts[1])
            self.answer(code, {"Location": "/ok"} if 300 <= code < 400 else None)
        elif kind == "fail":
            self.answer(int(parts[2]) if n <= int(parts[1]) else 200)
        elif kind == "drop":
            if n <= int(parts[1]):
                self.close_connection = True
                self.connection.shutdown(2)
                return
            self.answer(200)
        elif kind == "retry-after":
            if n == 1:
                self.answer(503, {"Retry-After": parts[1]})
            else:
                self.answer(200)
        elif kind == "hang":
            time.sleep(3600)
        elif kind == "slow":
            time.sleep(int(parts[1]) / 1000)
            self.answer(200)
        else:
            self.answer(404)


class Server(socketserver.ThreadingMixIn, HTTPServer):
    daemon_threads = True
    request_queue_size = 1024


def main():
    args = sys.argv[1:]
    tls = None
    while args:
        if args[0] == "--tls":
            tls = (args[1], args[2])
            args = args[3:]
        elif args[0] == "--secret":
            secrets.append(args[1])
            args = args[2:]
        else:
            sys.exit("unknown argument " + args[0])
    server = Server(("127.0.0.1", 0), Handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(tls[0], tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print("port", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
