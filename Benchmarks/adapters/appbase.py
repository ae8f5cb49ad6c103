"""AppBase side of compare-pocketbase, written against the API contract (see README.md).

Set-up equivalent to the PocketBase side:
  * a temporary TOML config with one app `bench` on its own port, a private --data-dir;
  * `appbase keys create` → an admin key (collections) and a client key (everything else);
  * collection `notes` with rules read/update/delete = owner, create = authenticated and
    an index on `n` (AppBase indexes ownerId/createdAt itself);
  * one user (POST /auth/register), 10,000 notes seeded through POST /db/batch (100 ops).
Every /auth, /db, /storage, /admin request carries X-API-Key; data routes also
Authorization: Bearer ACCESS (access tokens last 15 minutes: login() is called before
each scenario).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import sys
import time
import urllib.parse

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from benchlib import free_ports, start_process, stop_process, wait_http  # noqa: E402

from .common import (SetupError, Transfer, WrkTarget, check, curl_transfer,  # noqa: E402
                     find_records, padded_body_template, seed_note)

APP = "bench"
USER = ("bench-user@example.com", "bench-user-pass-123")
FILTER = "n >= 500 && n < 550"
SELECTIVE_FILTER = "g = 42"


class AppBase:
    key = "appbase"
    label = "AppBase"

    def __init__(self, repo_dir: str, workdir: str, log=print, binary: str | None = None):
        self.repo_dir = repo_dir
        self.binary = binary or os.path.join(repo_dir, ".build", "release", "appbase")
        self.data_dir = os.path.join(workdir, "appbase-data")
        self.config = os.path.join(workdir, "appbase.toml")
        self.logfile = os.path.join(workdir, "appbase.log")
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.master_port = 0
        self.port = 0
        self.base = ""
        self.s = requests.Session()
        self.admin_key = ""
        self.api_key = ""
        self.token = ""
        self.ids: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def install(self, build: bool = True) -> None:
        if build:
            self.log("swift build -c release --static-swift-stdlib")
            r = subprocess.run(["swift", "build", "-c", "release", "--static-swift-stdlib"], cwd=self.repo_dir)
            if r.returncode != 0:
                raise SetupError("'swift build -c release --static-swift-stdlib' failed — AppBase does not build right now")
        if not os.access(self.binary, os.X_OK):
            raise SetupError(f"{self.binary} not found (build AppBase or drop --skip-build)")

    def start(self) -> None:
        os.makedirs(self.data_dir, exist_ok=True)
        self.master_port, self.port = free_ports(2)
        with open(self.config, "w") as f:
            f.write(f'[server]\nhost = "127.0.0.1"\nport = {self.master_port}\n\n'
                    # wrk and 1,000 SSE subscribers are one address: the per-address caps are for clients.
                    '[limits]\nuncapped_addresses = ["127.0.0.1"]\n\n'
                    f'[apps.{APP}]\nport = {self.port}\n'
                    # 1,000 SSE subscribers of one user from one address exceed the default caps.
                    f'[apps.{APP}.realtime]\nmax_streams_per_user = 5000\nmax_streams_per_ip = 5000\n')
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = start_process([self.binary, "serve", "--config", self.config,
                                   "--data-dir", self.data_dir], self.logfile)
        if not wait_http(self.base + "/health", 30, self.proc.pid):
            raise SetupError(f"appbase did not answer GET /health on :{self.port}; see {self.logfile}")

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)

    def _create_key(self, name: str, admin: bool) -> str:
        cmd = [self.binary, "keys", "create", "--app", APP, "--name", name]
        if admin:
            cmd.append("--admin")
        cmd += ["--config", self.config, "--data-dir", self.data_dir]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        key = out.stdout.strip().splitlines()[-1].strip() if out.stdout.strip() else ""
        if out.returncode != 0 or not key:
            raise SetupError(f"{' '.join(cmd)} failed ({out.returncode}): {out.stdout}{out.stderr}")
        return key

    # ------------------------------------------------------------------ set-up
    def _hdr(self, admin: bool = False, auth: bool = True) -> dict:
        h = {"X-API-Key": self.admin_key if admin else self.api_key}
        if auth and self.token and not admin:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def setup(self) -> None:
        self.admin_key = self._create_key("bench-admin", admin=True)
        self.api_key = self._create_key("bench", admin=False)
        s, b = self.s, self.base
        collection = {
            "name": "notes",
            "rules": {"read": "owner", "create": "authenticated", "update": "owner",
                      "delete": "owner"},
            "indexes": [{"fields": ["n"]}, {"fields": ["g"]}],
        }
        r = s.post(f"{b}/admin/collections", headers=self._hdr(admin=True), json=collection)
        if r.status_code == 404:   # contract unclear on which port serves /admin: try the master
            r = s.post(f"http://127.0.0.1:{self.master_port}/admin/collections",
                       headers=self._hdr(admin=True), json=collection)
        check(r, 200, 201)
        r = check(s.post(f"{b}/auth/register", headers=self._hdr(auth=False),
                         json={"email": USER[0], "password": USER[1]}), 200, 201)
        self.token = r["accessToken"]

    def login(self) -> None:
        r = check(self.s.post(f"{self.base}/auth/login", headers=self._hdr(auth=False),
                              json={"email": USER[0], "password": USER[1]}), 200)
        self.token = r["accessToken"]

    def seed(self, count: int, workers: int = 4) -> float:
        """count notes owned by the user, 100 operations per POST /db/batch. Returns seconds."""
        t0 = time.monotonic()
        url = f"{self.base}/db/batch"
        hdr = self._hdr()

        def chunk(start: int) -> list[str]:
            ops = [{"op": "create", "collection": "notes", "data": seed_note(i)}
                   for i in range(start, min(start + 100, count))]
            with requests.Session() as s:
                r = check(s.post(url, headers=hdr, json={"operations": ops}, timeout=120))
            return [rec["id"] for rec in find_records(r) if "ownerId" in rec]

        ids: list[str] = []
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            for got in ex.map(chunk, range(0, count, 100)):
                ids += got
        if len(ids) < min(count, 1000):
            ids = self._list_ids(1000)   # the batch answer did not carry records: page the list
        self.ids = ids
        return time.monotonic() - t0

    def _list_ids(self, want: int) -> list[str]:
        ids: list[str] = []
        cursor = None
        for _ in range(want // 50 + 2):
            q = {"limit": "50"}
            if cursor:
                q["cursor"] = cursor
            r = check(self.s.get(f"{self.base}/db/collections/notes", headers=self._hdr(), params=q))
            ids += [it["id"] for it in r.get("items", [])]
            cursor = r.get("nextCursor")
            if not cursor or len(ids) >= want:
                break
        return ids

    # ------------------------------------------------------------------ scenarios
    def _notes(self, query: str = "") -> str:
        return f"{self.base}/db/collections/notes{query}"

    def wrk_target(self, scenario: str) -> WrkTarget:
        h = [f"X-API-Key: {self.api_key}", f"Authorization: Bearer {self.token}"]
        if scenario == "health":  # no credentials: the server's cheapest answer, the same-run reference
            return WrkTarget(f"{self.base}/health", "get.lua", [])
        if scenario == "create":
            return WrkTarget(self._notes(), "create.lua", h, body_template=padded_body_template({}))
        if scenario == "list":
            return WrkTarget(self._notes("?limit=50"), "get.lua", h)
        if scenario == "get":
            paths = [f"/db/collections/notes/{i}" for i in self.ids[:1000]]
            return WrkTarget(self._notes(), "get-rotate.lua", h, paths=paths)
        if scenario == "filter":
            q = "?filter=" + urllib.parse.quote(FILTER, safe="") + "&limit=50"
            return WrkTarget(self._notes(q), "get.lua", h)
        if scenario == "filter-eq":
            q = "?filter=" + urllib.parse.quote(SELECTIVE_FILTER, safe="") + "&limit=50"
            return WrkTarget(self._notes(q), "get.lua", h)
        raise KeyError(scenario)

    def sanity(self, scenario: str) -> str | None:
        if scenario == "health":
            r = self.s.get(self.wrk_target("health").url)
            return None if r.status_code == 200 else f"health -> {r.status_code} {r.text[:200]}"
        t = self.wrk_target(scenario)
        hdr = self._hdr()
        if scenario == "create":
            body = t.body_template.replace("__N__", "4242")
            r = self.s.post(t.url, headers={**hdr, "Content-Type": "application/json"}, data=body)
            return None if r.status_code == 201 else f"create -> {r.status_code} {r.text[:200]}"
        if scenario == "get":
            r = self.s.get(self.base + t.paths[0], headers=hdr)
            return None if r.status_code == 200 else f"get -> {r.status_code} {r.text[:200]}"
        r = self.s.get(t.url, headers=hdr)
        if r.status_code != 200:
            return f"{scenario} -> {r.status_code} {r.text[:200]}"
        items = r.json().get("items", [])
        if scenario == "filter-eq":
            ok = len(items) == 10 and all(it.get("g") == 42 for it in items)
            return None if ok else f"filter-eq: {len(items)} items, expected the 10 with g = 42"
        if len(items) != 50:
            return f"{scenario}: {len(items)} items, expected 50"
        if scenario == "filter" and not all(500 <= it.get("n", -1) < 550 for it in items):
            return "filter returned records outside 500 <= n < 550"
        return None

    def sse_config(self) -> dict:
        h = {"X-API-Key": self.api_key, "Authorization": f"Bearer {self.token}"}
        return {
            "mode": "appbase",
            "host": "127.0.0.1",
            "port": self.port,
            "subscribe": {"path": "/db/collections/notes/subscribe", "headers": h},
            "write": {"path": "/db/collections/notes", "headers": h,
                      "body": {"title": "", "body": "", "n": 0}, "sentAtField": "sentAt"},
        }

    def upload(self, path: str) -> tuple[Transfer, str | None]:
        name = os.path.basename(path)
        t = curl_transfer(["-X", "POST", "-T", path,
                           "-H", "Content-Type: application/octet-stream",
                           "-H", f"X-API-Key: {self.api_key}",
                           "-H", f"Authorization: Bearer {self.token}",
                           f"{self.base}/storage/buckets/files/upload?name={urllib.parse.quote(name)}"])
        ref = None
        if t.ok:
            try:
                ref = f"/storage/buckets/files/{json.loads(t.body)['id']}"
            except (ValueError, KeyError):
                t.ok = False
                t.body = "upload answer without id: " + t.body[:200]
        return t, ref

    def download(self, ref: str) -> Transfer:
        return curl_transfer(["-H", f"X-API-Key: {self.api_key}",
                              "-H", f"Authorization: Bearer {self.token}",
                              "-o", "/dev/null", self.base + ref])
