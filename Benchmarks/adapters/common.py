"""What both adapters share: HTTP calls with clear failures, seed data, curl transfers."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field

import requests

# One ~200-byte note body shared by both servers (PocketBase adds its `owner` field;
# the padding is adjusted so both bodies have the same size).
CREATE_BODY_BYTES = 200
SEED_BODY_TEXT = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
                  "incididunt ut labore et dolore magna aliqua.")


class SetupError(RuntimeError):
    pass


def check(resp: requests.Response, *ok: int) -> dict | list | None:
    """Return the JSON body if resp.status_code is in ok (default 2xx), else raise SetupError."""
    good = resp.status_code in ok if ok else 200 <= resp.status_code < 300
    if not good:
        raise SetupError(f"{resp.request.method} {resp.request.path_url} -> {resp.status_code}: "
                         f"{resp.text[:500]}")
    if not resp.content:
        return None
    try:
        return resp.json()
    except ValueError:
        return None


def seed_note(i: int) -> dict:
    # g = i % 1000: an indexed field with 10 records per value (the selective filter, issue 13).
    return {"title": f"note {i}", "body": SEED_BODY_TEXT, "n": i, "g": i % 1000}


def padded_body_template(extra: dict, target: int = CREATE_BODY_BYTES) -> str:
    """A JSON template {"title","body","n":__N__,...extra} padded to `target` bytes.

    "__N__" stands for a 4-digit-ish integer (wrk replaces it), counted as 4 bytes.
    """
    def render(pad: int) -> str:
        obj = {"title": "benchmark note", "body": "x" * pad, "n": "__N__", **extra}
        return json.dumps(obj, separators=(",", ":")).replace('"__N__"', "__N__")
    base = len(render(0)) - len("__N__") + 4
    return render(max(0, target - base))


def find_records(obj, key: str = "id") -> list[dict]:
    """All dicts (recursively) that carry `key` — record extraction from unknown batch shapes."""
    out: list[dict] = []
    if isinstance(obj, dict):
        if key in obj and isinstance(obj[key], str):
            out.append(obj)
        else:
            for v in obj.values():
                out += find_records(v, key)
    elif isinstance(obj, list):
        for v in obj:
            out += find_records(v, key)
    return out


@dataclass
class Transfer:
    ok: bool
    status: int
    seconds: float
    bytes: int
    body: str = ""

    @property
    def mb_per_s(self) -> float | None:
        return (self.bytes / 1e6 / self.seconds) if self.ok and self.seconds > 0 else None


def curl_transfer(args: list[str], timeout: float = 300.0) -> Transfer:
    """Run curl with -w reporting; args must include the URL and either -T/-F or -o."""
    body_file = f"/tmp/.bench-curl-{os.getpid()}-{time.monotonic_ns()}.out"
    cmd = ["curl", "-sS", "--max-time", str(int(timeout)), "-H", "Expect:",
           "-w", "%{http_code} %{time_total} %{size_upload} %{size_download}"] + args
    if "-o" not in args:
        cmd += ["-o", body_file]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 10)
        parts = proc.stdout.strip().split()
        status = int(parts[0]) if parts else 0
        seconds = float(parts[1]) if len(parts) > 1 else 0.0
        up = int(float(parts[2])) if len(parts) > 2 else 0
        down = int(float(parts[3])) if len(parts) > 3 else 0
        body = ""
        if os.path.exists(body_file):
            with open(body_file, "rb") as f:
                body = f.read(4096).decode("utf-8", "replace")
        ok = proc.returncode == 0 and 200 <= status < 300
        if not ok and proc.stderr:
            body = (body + "\n" + proc.stderr).strip()
        return Transfer(ok, status, seconds, max(up, down), body)
    finally:
        if os.path.exists(body_file):
            os.unlink(body_file)


@dataclass
class WrkTarget:
    """One wrk scenario for one server: the URL, the Lua script and its input files."""
    url: str
    script: str
    headers: list[str] = field(default_factory=list)
    body_template: str | None = None
    paths: list[str] | None = None
