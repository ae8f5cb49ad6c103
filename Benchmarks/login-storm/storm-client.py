#!/usr/bin/env python3
"""One login-storm client for Benchmarks/login-storm/run: its own process, one keep-alive connection.

  storm-client.py --port P --headers-file F --body-file B --seconds S --max-logins N

Sends POST /auth/login (the body from B, headers from F: the key stays off the command line) to
127.0.0.1:P one after another until S seconds passed, N logins were sent or SIGTERM arrives; after a
503 it waits 50 ms, as a polite client honouring Retry-After would (shortened). On exit it prints
one JSON line: {"401": n, "503": n, "other": n, "errors": n, "503_without_retry_after": n}.
"""

from __future__ import annotations

import argparse
import http.client
import json
import signal
import sys
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--headers-file", required=True)
    ap.add_argument("--body-file", required=True)
    ap.add_argument("--seconds", type=float, required=True)
    ap.add_argument("--max-logins", type=int, default=100_000)
    args = ap.parse_args()

    headers = {}
    with open(args.headers_file) as f:
        for line in f:
            name, _, value = line.rstrip("\n").partition(":")
            if name:
                headers[name] = value.strip()
    with open(args.body_file, "rb") as f:
        body = f.read()

    counts = {"401": 0, "503": 0, "other": 0, "errors": 0, "503_without_retry_after": 0}
    stopping = False

    def on_term(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)
    deadline = time.monotonic() + args.seconds
    conn: http.client.HTTPConnection | None = None
    for _ in range(args.max_logins):
        if stopping or time.monotonic() > deadline:
            break
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
            conn.request("POST", "/auth/login", body=body, headers=headers)
            r = conn.getresponse()
            r.read()
            key = str(r.status) if r.status in (401, 503) else "other"
            counts[key] += 1
            if r.status == 503:
                if r.getheader("Retry-After") is None:
                    counts["503_without_retry_after"] += 1
                time.sleep(0.05)
            if r.getheader("connection", "").lower() == "close":
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            counts["errors"] += 1
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.05)
    print(json.dumps(counts), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
