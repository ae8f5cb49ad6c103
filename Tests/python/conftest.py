"""Fixtures that run the real `appbase` binary on loopback ports over a temporary data dir."""
import os
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import requests

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# A request that gets no answer within this long never will: generous, for a loaded and
# 3x slower machine. It bounds a hang; no test asserts how fast an answer came.
TIMEOUT = 30
BINARY = os.environ.get("APPBASE_BIN", os.path.join(ROOT, ".build", "debug", "appbase"))


def free_port():
    return free_ports(1)[0]


def free_ports(count):
    """`count` distinct free ports: every socket stays bound until all are chosen, so the kernel
    cannot hand the same ephemeral port out twice (a master and an app on one port fail the config)."""
    sockets = []
    try:
        for _ in range(count):
            s = socket.socket()
            sockets.append(s)
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class Server:
    """One `appbase serve` process with its own config, data dir and ports."""

    def __init__(self, apps=("notes",), extra="", app_extra=""):
        self.dir = tempfile.mkdtemp(prefix="appbase-py-")
        self.data = os.path.join(self.dir, "data")
        self.config = os.path.join(self.dir, "appbase.toml")
        chosen = free_ports(1 + len(apps))
        self.master_port = chosen[0]
        self.ports = dict(zip(apps, chosen[1:]))
        lines = ['[server]', 'host = "127.0.0.1"', f"port = {self.master_port}", "access_log = false", extra]
        for app, port in self.ports.items():
            lines += [f"[apps.{app}]", f"port = {port}"]
            if app_extra:
                lines += [line.replace("{app}", app) for line in app_extra.splitlines()]
        with open(self.config, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.proc = None

    def start(self):
        self.log = open(os.path.join(self.dir, "server.log"), "ab")
        self.proc = subprocess.Popen(
            [BINARY, "serve", "--config", self.config, "--data-dir", self.data],
            stdout=self.log, stderr=self.log)
        deadline = time.time() + 120
        for port in [self.master_port, *self.ports.values()]:
            while True:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if self.proc.poll() is not None:
                    raise RuntimeError(f"server exited with {self.proc.returncode}: {self.read_log()}")
                if time.time() > deadline:
                    raise RuntimeError("server did not start: " + self.read_log())
                time.sleep(0.05)
        return self

    def read_log(self):
        with open(os.path.join(self.dir, "server.log"), "rb") as f:
            return f.read().decode(errors="replace")[-4000:]

    def url(self, app="notes"):
        return f"http://127.0.0.1:{self.ports[app]}"

    def cli(self, *args):
        out = subprocess.run([BINARY, *args, "--config", self.config, "--data-dir", self.data],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"appbase {' '.join(args)} failed: {out.stderr}")
        return out.stdout.strip()

    def create_key(self, app="notes", admin=False, name="test"):
        args = ["keys", "create", "--app", app, "--name", name]
        if admin:
            args.append("--admin")
        return self.cli(*args)

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self):
        self.kill(signal.SIGTERM)


@pytest.fixture
def server():
    s = Server().start()
    yield s
    s.kill()


def register(base, key, email, password="correct horse battery"):
    r = requests.post(f"{base}/auth/register", json={"email": email, "password": password},
                      headers={"X-API-Key": key}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    return r.json()


def creates_until_sigkill(server, headers, collection="notes", writers=8, enough=300, body=None):
    """Creates records from `writers` threads (each at most 2,000) until `enough` are acknowledged,
    then SIGKILLs the server mid-load; returns the ids of every acknowledged (2xx) create."""
    import threading
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()
    reached = threading.Event()

    def writer(n):
        s = requests.Session()
        i = 0
        while not stop.is_set() and i < 2000:
            try:
                r = s.post(f"{server.url()}/db/collections/{collection}",
                           json=body(n, i) if body else {"writer": n, "i": i},
                           headers=headers, timeout=TIMEOUT)
            except requests.RequestException:
                return
            if 200 <= r.status_code < 300:
                with lock:
                    acknowledged.append(r.json()["id"])
                    if len(acknowledged) >= enough:
                        reached.set()
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    reached.wait(timeout=120)  # bounds a hang; the caller's assertion says whether it happened
    server.kill()  # SIGKILL mid-load
    stop.set()
    for t in threads:
        t.join(timeout=TIMEOUT)
    return acknowledged
