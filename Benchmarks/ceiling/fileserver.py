#!/usr/bin/env python3
"""Reference file server for Benchmarks/storage: the same transfers with nothing else around them.

  python3 ceiling/fileserver.py PORT DIR [HOST]

  POST /<anything>  raw body → DIR/tmp-<n>, SHA-256 (hashlib/OpenSSL) while receiving, fsync,
                    rename to DIR/<n>, fsync DIR → 201 {"id": "<n>", "size": …, "sha256": …}
  GET  /<n>         DIR/<n> with sendfile(2) → 200 (Content-Length)

HTTP/1.1 keep-alive, Content-Length bodies only, one thread per connection. No auth, no
database, no rules: it shows what curl + loopback + hashing + the disk allow on this machine,
so an AppBase figure can be read against it. Loopback only; stops on SIGTERM.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = 1 << 20
_ids = itertools.count(1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = "."

    def log_message(self, *args):  # quiet
        pass

    def _reply(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or -1)
        if length < 0:
            self.close_connection = True
            return self._reply(411, b'{"error":"length required"}')
        n = next(_ids)
        tmp = os.path.join(self.root, f"tmp-{n}")
        h = hashlib.sha256()
        buf = bytearray(CHUNK)
        view = memoryview(buf)
        left = length
        with open(tmp, "wb", buffering=0) as f:
            while left > 0:
                got = self.rfile.readinto(view[: min(CHUNK, left)])
                if not got:
                    self.close_connection = True
                    os.unlink(tmp)
                    return
                h.update(view[:got])
                f.write(view[:got])
                left -= got
            os.fsync(f.fileno())
        final = os.path.join(self.root, str(n))
        os.rename(tmp, final)
        dfd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
        self._reply(201, json.dumps({"id": str(n), "size": length, "sha256": h.hexdigest()}).encode())

    def do_GET(self):
        name = self.path.lstrip("/").split("?")[0]
        path = os.path.join(self.root, name)
        if not name.isdigit() or not os.path.isfile(path):
            return self._reply(404, b'{"error":"not found"}')
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            self.wfile.flush()
            self.connection.sendfile(f)


def main() -> int:
    port, root = int(sys.argv[1]), sys.argv[2]
    host = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
    os.makedirs(root, exist_ok=True)
    Handler.root = root
    srv = ThreadingHTTPServer((host, port), Handler)
    srv.daemon_threads = True
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    import signal
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt))
    sys.exit(main())
