"""One AppBase server for a benchmark script (Python 3.11 stdlib only).

Used by Benchmarks/auth and Benchmarks/storage:

    run = BenchRun(args.keep)              # temporary dir, EXIT/SIGTERM/SIGINT clean-up
    srv = AppBase(binary, run.tmp, app_toml="[apps.bench.storage]\\n...")
    srv.start(); key = srv.create_key("bench"); srv.register(email, password)

Only 127.0.0.1 is used; only the processes started here are signalled (benchlib.stop_all);
the temporary dir is removed on exit unless keep.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchlib import free_ports, start_process, stop_all, stop_process, wait_http  # noqa: E402

BENCH_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO_DIR = os.path.dirname(BENCH_DIR)
DEFAULT_BIN = os.path.join(REPO_DIR, ".build", "release", "appbase")
HOST = "127.0.0.1"


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    pass


class BenchRun:
    """Owns the temporary dir and the clean-up of everything this script started."""

    def __init__(self, keep: bool = False, tmp_parent: str | None = None):
        self.keep = keep
        self.tmp = tempfile.mkdtemp(prefix="appbase-bench.", dir=tmp_parent)
        self._done = False
        atexit.register(self.cleanup)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, _frame):
        log(f"signal {signum}: stopping")
        raise SystemExit(128 + signum)

    def cleanup(self) -> None:
        if self._done:
            return
        self._done = True
        stop_all()
        if self.keep:
            log(f"kept temporary dir {self.tmp}")
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)


def resolve_binary(skip_build: bool) -> str:
    """APPBASE_BIN (default .build/release/appbase); without --skip-build, `swift build -c release --static-swift-stdlib` first."""
    binary = os.environ.get("APPBASE_BIN") or DEFAULT_BIN
    if not skip_build:
        log(f"swift build -c release --static-swift-stdlib (in {REPO_DIR})")
        r = subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib"], cwd=REPO_DIR)
        if r.returncode != 0:
            raise SetupError("'swift build -c release --static-swift-stdlib' failed — AppBase does not build right now")
    if not os.access(binary, os.X_OK):
        raise SetupError(f"{binary} not found or not executable "
                         "(set APPBASE_BIN, or build AppBase / drop --skip-build)")
    return binary


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body or b"null")

    def text(self, limit: int = 400) -> str:
        return self.body[:limit].decode("utf-8", "replace")


class AppBase:
    """`appbase serve --config F --data-dir D` with [server] + one app `bench` on loopback."""

    APP = "bench"

    def __init__(self, binary: str, workdir: str, app_toml: str = "", limits_toml: str = "", extra_toml: str = ""):
        self.binary = binary
        self.workdir = workdir
        self.data_dir = os.path.join(workdir, "data")
        self.config = os.path.join(workdir, "appbase.toml")
        self.logfile = os.path.join(workdir, "appbase.log")
        self.app_toml = app_toml
        self.limits_toml = limits_toml
        self.extra_toml = extra_toml
        self.proc: subprocess.Popen | None = None
        self.master_port = self.port = 0
        self.api_key = ""
        self.token = ""
        self._conn: http.client.HTTPConnection | None = None

    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        os.makedirs(self.data_dir, exist_ok=True)
        self.master_port, self.port = free_ports(2)
        with open(self.config, "w") as f:
            f.write(f'[server]\nhost = "{HOST}"\nport = {self.master_port}\n\n'
                    # Load generators are one address: the per-address caps are for clients.
                    f'[limits]\nuncapped_addresses = ["{HOST}"]\n{self.limits_toml}\n'
                    f'[apps.{self.APP}]\nport = {self.port}\n\n{self.app_toml}\n{self.extra_toml}')
        self.proc = start_process([self.binary, "serve", "--config", self.config,
                                   "--data-dir", self.data_dir], self.logfile)
        if not wait_http(self.base + "/health", timeout, self.proc.pid):
            raise SetupError(f"appbase did not answer GET /health on :{self.port} within {timeout:.0f} s\n"
                             + self.log_tail())

    def stop(self) -> None:
        if self._conn:
            self._conn.close()
        if self.proc:
            stop_process(self.proc)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, n: int = 40) -> str:
        try:
            with open(self.logfile, "rb") as f:
                lines = f.read().decode("utf-8", "replace").splitlines()
            return "--- appbase log (tail) ---\n" + "\n".join(lines[-n:])
        except OSError:
            return "(no appbase log)"

    def create_key(self, name: str, admin: bool = False, app: str | None = None) -> str:
        """A key for `app` (default: the bench app; another app's key does not become self.api_key)."""
        cmd = [self.binary, "keys", "create", "--app", app or self.APP, "--name", name]
        if admin:
            cmd.append("--admin")
        cmd += ["--config", self.config, "--data-dir", self.data_dir]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        key = out.stdout.strip()
        if out.returncode != 0 or not key or "\n" in key:
            raise SetupError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stdout!r} {out.stderr!r}")
        if not admin and app in (None, self.APP):
            self.api_key = key
        return key

    # ------------------------------------------------------------------ HTTP (keep-alive)
    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float = 60.0) -> Response:
        """One request on a kept-alive connection (reopened once if the server closed it)."""
        for attempt in (1, 2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
            try:
                self._conn.request(method, path, body=body, headers=headers or {})
                r = self._conn.getresponse()
                data = r.read()
                if r.getheader("connection", "").lower() == "close":
                    self._conn.close()
                    self._conn = None
                return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
            except (http.client.HTTPException, ConnectionError, BrokenPipeError):
                if self._conn:
                    self._conn.close()
                self._conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def hdr(self, user: bool = True, extra: dict | None = None) -> dict:
        h = {"X-API-Key": self.api_key}
        if user and self.token:
            h["Authorization"] = f"Bearer {self.token}"
        if extra:
            h.update(extra)
        return h

    def post_json(self, path: str, obj, user: bool = False) -> Response:
        return self.request("POST", path, json.dumps(obj).encode(),
                            self.hdr(user=user, extra={"Content-Type": "application/json"}))

    def register(self, email: str, password: str) -> dict:
        r = self.post_json("/auth/register", {"email": email, "password": password})
        if r.status != 201:
            raise SetupError(f"POST /auth/register -> {r.status} {r.text()}")
        out = r.json()
        for k in ("user", "accessToken", "refreshToken", "expiresIn"):
            if k not in out:
                raise SetupError(f"POST /auth/register: no {k!r} in {r.text()}")
        self.token = out["accessToken"]
        return out

    def login(self, email: str, password: str) -> dict:
        r = self.post_json("/auth/login", {"email": email, "password": password})
        if r.status != 200:
            raise SetupError(f"POST /auth/login -> {r.status} {r.text()}")
        out = r.json()
        self.token = out["accessToken"]
        return out


def write_headers_file(path: str, headers: dict) -> str:
    """The WRK_HEADERS_FILE format of wrk/common.lua: one 'Name: value' a line (tokens stay off argv)."""
    with open(path, "w") as f:
        for k, v in headers.items():
            f.write(f"{k}: {v}\n")
    os.chmod(path, 0o600)
    return path
