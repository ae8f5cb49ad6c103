"""`appbase backup` and `appbase restore` against a real server: a backup taken under a
concurrent write, upload and delete load restores every write acknowledged before it began,
byte for byte; a restored app serves the same data; SSE clients of a restored app get `reset`;
damaged, truncated, wrong-app and wrong-version archives are refused with nothing changed."""
import gzip
import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
import threading
import time

import pytest
import requests

from conftest import BINARY, TIMEOUT, Server

# Bounds every load loop in count and time.
MAX_OPS = 400
MAX_SECONDS = 60


def run_cli(server, *args):
    return subprocess.run([BINARY, *args, "--config", server.config, "--data-dir", server.data],
                          capture_output=True, text=True, timeout=300)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def tree_state(root):
    """Every regular file under root with its inode (a swap or rewrite changes it) and, but for the
    live databases (a checkpoint may rewrite their pages), its SHA-256."""
    state = {}
    for directory, _, files in os.walk(root):
        for name in files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or name.endswith(("-wal", "-shm")):
                continue
            digest = None
            if not name.endswith(".sqlite"):
                with open(path, "rb") as f:
                    digest = sha256(f.read())
            state[os.path.relpath(path, root)] = (info.st_ino, digest)
    return state


class Load:
    """Writers of records and files (and deleters of some files) running until stopped."""

    def __init__(self, base, key):
        self.base, self.headers = base, {"X-API-Key": key}
        self.records = []  # (acknowledged_at, id, body)
        self.files = []  # (acknowledged_at, id, sha256 the API returned)
        self.deleted = set()
        self.stop = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self.write_records), threading.Thread(target=self.write_files)]

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=120)
        assert not self.errors, self.errors

    def write_records(self):
        deadline = time.time() + MAX_SECONDS
        for i in range(MAX_OPS):
            if self.stop.is_set() or time.time() > deadline:
                return
            body = {"n": i, "text": f"note {i} " + "x" * (i % 50)}
            r = requests.post(f"{self.base}/db/collections/notes", json=body, headers=self.headers, timeout=TIMEOUT)
            if r.status_code != 201:
                self.errors.append(r.text)
                return
            self.records.append((time.time(), r.json()["id"], body))

    def write_files(self):
        deadline = time.time() + MAX_SECONDS
        for i in range(MAX_OPS):
            if self.stop.is_set() or time.time() > deadline:
                return
            data = os.urandom(1000 + (i * 7919) % 200_000)
            r = requests.post(f"{self.base}/storage/buckets/docs/upload?name=f{i}.bin", data=data,
                              headers={**self.headers, "Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
            if r.status_code != 201 or r.json()["sha256"] != sha256(data):
                self.errors.append(r.text)
                return
            self.files.append((time.time(), r.json()["id"], r.json()["sha256"]))
            if i % 3 == 2:
                # Delete an older file: its blob is unlinked while backups may be linking it.
                victim = self.files[i - 2][1]
                if requests.delete(f"{self.base}/storage/buckets/docs/{victim}", headers=self.headers,
                                   timeout=TIMEOUT).status_code == 204:
                    self.deleted.add(victim)


def list_all(url, headers):
    """Every item of a paged listing, following `nextCursor` (bounded)."""
    items, cursor = [], None
    for _ in range(100):
        r = requests.get(url, params={"limit": 500, **({"cursor": cursor} if cursor else {})}, headers=headers, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        items += r.json()["items"]
        cursor = r.json().get("nextCursor")
        if not cursor:
            return items
    raise AssertionError("listing did not end")


def wait_serving(server, app="notes"):
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if requests.get(f"{server.url(app)}/health", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{app} does not serve again")


def test_backup_under_load_restores_every_acknowledged_write(tmp_path):
    server = Server().start()
    try:
        key = server.create_key(admin=True)
        load = Load(server.url(), key).start()
        # Let the load get going, then back up while it runs.
        deadline = time.time() + 30
        while (len(load.records) < 20 or len(load.files) < 10) and time.time() < deadline:
            time.sleep(0.05)
        began = time.time()
        archive = str(tmp_path / "notes.tar.gz")
        out = run_cli(server, "backup", "--app", "notes", "--out", archive)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == archive
        load.finish()

        before = [(i, b) for t, i, b in load.records if t < began]
        files_before = [(i, s) for t, i, s in load.files if t < began]
        assert before and files_before

        out = run_cli(server, "restore", "--app", "notes", "--from", archive)
        assert out.returncode == 0, out.stderr
        assert "running server stopped and restarted it" in out.stderr
        wait_serving(server)
        headers = {"X-API-Key": key}
        for record_id, body in before:
            r = requests.get(f"{server.url()}/db/collections/notes/{record_id}", headers=headers, timeout=TIMEOUT)
            assert r.status_code == 200, f"acknowledged record {record_id} lost: {r.text}"
            assert {k: r.json()[k] for k in body} == body
        # A record written after the backup began may or may not be there; if it is, it is intact.
        acknowledged = {i: b for _, i, b in load.records}
        for item in list_all(f"{server.url()}/db/collections/notes", headers):
            assert {k: item[k] for k in acknowledged[item["id"]]} == acknowledged[item["id"]]
        returned = {i: s for _, i, s in load.files}
        for file_id, digest in files_before:
            r = requests.get(f"{server.url()}/storage/buckets/docs/{file_id}", headers=headers, timeout=TIMEOUT)
            if file_id in load.deleted:
                continue  # deleted before or after the snapshot: either is a consistent state
            assert r.status_code == 200, f"acknowledged file {file_id} lost"
            assert sha256(r.content) == digest
        files = list_all(f"{server.url()}/storage/buckets/docs", headers)
        for item in files:
            r = requests.get(f"{server.url()}/storage/buckets/docs/{item['id']}", headers=headers, timeout=TIMEOUT)
            assert r.status_code == 200 and sha256(r.content) == returned[item["id"]] == item["sha256"]
        # The archive holds exactly the blobs the restored database references.
        blobs = os.listdir(os.path.join(server.data, "notes", "storage", "blobs"))
        assert len(blobs) == len(files)
    finally:
        server.kill()


def test_restored_copy_serves_the_same_data_and_the_app_list_shows_the_backup(tmp_path):
    server = Server().start()
    try:
        key = server.create_key(admin=True)
        headers = {"X-API-Key": key}
        for i in range(5):
            assert requests.post(f"{server.url()}/db/collections/notes", json={"n": i}, headers=headers,
                                 timeout=TIMEOUT).status_code == 201
        data = os.urandom(300_000)
        upload = requests.post(f"{server.url()}/storage/buckets/docs/upload?name=scan.bin", data=data,
                               headers={**headers, "Content-Type": "application/octet-stream"}, timeout=TIMEOUT).json()
        archive = str(tmp_path / "notes.tar.gz")
        assert run_cli(server, "backup", "--app", "notes", "--out", archive).returncode == 0
        out = run_cli(server, "restore", "--app", "notes", "--from", archive, "--as", "copy")
        assert out.returncode == 0, out.stderr

        master_key = server.cli("keys", "create", "--master", "--name", "test")
        info = requests.get(f"http://127.0.0.1:{server.master_port}/api/apps/copy",
                            headers={"X-Master-Key": master_key}, timeout=TIMEOUT)
        assert info.status_code == 200 and info.json()["state"] == "running", info.text
        copy = f"http://127.0.0.1:{info.json()['port']}"
        # The copy has the original's keys, records and files.
        original = list_all(f"{server.url()}/db/collections/notes", headers)
        restored = list_all(f"{copy}/db/collections/notes", headers)
        assert restored == original
        r = requests.get(f"{copy}/storage/buckets/docs/{upload['id']}", headers=headers, timeout=TIMEOUT)
        assert r.status_code == 200 and r.content == data

        notes = requests.get(f"http://127.0.0.1:{server.master_port}/api/apps/notes",
                             headers={"X-Master-Key": master_key}, timeout=TIMEOUT).json()
        assert notes["lastBackup"]["state"] == "done" and notes["lastBackup"]["origin"] == "cli"
        assert notes["lastBackup"]["size"] == os.path.getsize(archive)
        # --as a name that exists is refused.
        out = run_cli(server, "restore", "--app", "notes", "--from", archive, "--as", "copy")
        assert out.returncode != 0 and "already exists" in out.stderr
    finally:
        server.kill()


def test_sse_clients_of_a_restored_app_get_reset(tmp_path):
    server = Server().start()
    try:
        key = server.create_key(admin=True)
        headers = {"X-API-Key": key}
        requests.post(f"{server.url()}/db/collections/notes", json={"n": 0}, headers=headers, timeout=TIMEOUT)
        archive = str(tmp_path / "notes.tar.gz")
        assert run_cli(server, "backup", "--app", "notes", "--out", archive).returncode == 0
        # Changes after the backup: a client that saw them holds a position the restore undoes.
        for i in range(3):
            requests.post(f"{server.url()}/db/collections/notes", json={"n": i + 1}, headers=headers, timeout=TIMEOUT)
        position = read_ready(server, headers, None)
        assert run_cli(server, "restore", "--app", "notes", "--from", archive).returncode == 0
        wait_serving(server)
        # New writes after the restore must not make the old position look valid again.
        for i in range(5):
            requests.post(f"{server.url()}/db/collections/notes", json={"n": 10 + i}, headers=headers, timeout=TIMEOUT)
        events = read_events(server, headers, position)
        assert events[0][0] == "reset", events
    finally:
        server.kill()


def read_events(server, headers, since, limit=3):
    """The first `limit` (event, data) pairs of a stream resumed from `since`."""
    h = dict(headers)
    if since is not None:
        h["Last-Event-ID"] = str(since)
    events, name = [], None
    with requests.get(f"{server.url()}/db/collections/notes/subscribe", headers=h, stream=True, timeout=TIMEOUT) as r:
        assert r.status_code == 200, r.text
        for line in r.iter_lines(decode_unicode=True):
            if line.startswith("event:"):
                name = line.split(":", 1)[1].strip()
            elif line.startswith("data:") and name:
                events.append((name, json.loads(line.split(":", 1)[1])))
                if name == "ready" or len(events) >= limit:
                    return events
    return events


def read_ready(server, headers, since):
    events = read_events(server, headers, since)
    return [d for n, d in events if n == "ready"][0]["seq"]


# --- Refused archives ---------------------------------------------------------------------

def rewrite(archive, target, change):
    """Copies a gzip'd tar member by member through `change(name, bytes) -> bytes | None`."""
    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz", format=tarfile.USTAR_FORMAT) as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            data = change(member.name, data)
            if data is None:
                continue
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


@pytest.fixture(scope="module")
def refused_setup(tmp_path_factory):
    base = tmp_path_factory.mktemp("archives")
    server = Server(apps=("notes", "other")).start()
    key = server.create_key(admin=True)
    headers = {"X-API-Key": key}
    requests.post(f"{server.url()}/db/collections/notes", json={"n": 1}, headers=headers, timeout=TIMEOUT)
    requests.post(f"{server.url()}/storage/buckets/docs/upload?name=a.bin", data=os.urandom(5000),
                  headers={**headers, "Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    good = str(base / "good.tar.gz")
    assert run_cli(server, "backup", "--app", "notes", "--out", good).returncode == 0
    other = str(base / "other.tar.gz")
    assert run_cli(server, "backup", "--app", "other", "--out", other).returncode == 0
    yield server, base, good, other
    server.kill()


def make_variant(kind, base, good, other):
    target = str(base / f"{kind}.tar.gz")
    raw = open(good, "rb").read()
    if kind == "truncated":
        open(target, "wb").write(raw[: len(raw) // 2])
    elif kind == "corrupt-bytes":
        damaged = bytearray(raw)
        for offset in range(len(raw) // 2, len(raw) // 2 + 16):
            damaged[offset] ^= 0xFF
        open(target, "wb").write(bytes(damaged))
    elif kind == "not-gzip":
        open(target, "wb").write(gzip.decompress(raw))
    elif kind == "wrong-app":
        return other
    elif kind == "wrong-version":
        def bump(name, data):
            if name in ("appbase-backup.json", "manifest.json"):
                value = json.loads(data)
                value["format"] = 99
                return json.dumps(value).encode()
            return data
        rewrite(good, target, bump)
    elif kind == "checksum":
        def damage(name, data):
            if name.startswith("storage/blobs/"):
                return bytes([data[0] ^ 1]) + data[1:]
            return data
        rewrite(good, target, damage)
    elif kind == "missing-blob":
        def drop(name, data):
            return None if name.startswith("storage/blobs/") else data
        rewrite(good, target, drop)
    elif kind == "no-manifest":
        rewrite(good, target, lambda name, data: None if name == "manifest.json" else data)
    return target


@pytest.mark.parametrize("kind,message", [
    ("truncated", "truncated"),
    ("corrupt-bytes", "corrupt"),
    ("not-gzip", "not a gzip file"),
    ("wrong-app", 'holds app "other", not "notes"'),
    ("wrong-version", "format version 99"),
    ("checksum", "does not match its SHA-256"),
    ("missing-blob", "in the manifest but not in the archive"),
    ("no-manifest", "before its manifest"),
])
def test_a_bad_archive_is_refused_and_nothing_changes(refused_setup, kind, message):
    server, base, good, other = refused_setup
    archive = make_variant(kind, base, good, other)
    before = tree_state(server.data)
    out = run_cli(server, "restore", "--app", "notes", "--from", archive)
    assert out.returncode != 0
    assert message in out.stderr and "nothing was changed" in out.stderr, out.stderr
    assert tree_state(server.data) == before
    assert not [n for n in os.listdir(server.data) if n.startswith(".restore-")]
    assert requests.get(f"{server.url()}/health", timeout=TIMEOUT).status_code == 200


def test_restore_and_backup_without_a_server(tmp_path):
    server = Server().start()
    key = server.create_key(admin=True)
    headers = {"X-API-Key": key}
    r = requests.post(f"{server.url()}/db/collections/notes", json={"n": 1}, headers=headers, timeout=TIMEOUT)
    kept = r.json()["id"]
    server.stop()
    archive = str(tmp_path / "notes.tar.gz")
    out = run_cli(server, "backup", "--all", "--out", str(tmp_path))
    assert out.returncode == 0, out.stderr
    names = sorted(os.path.basename(p).split("-")[0] for p in out.stdout.split())
    assert names == ["master", "notes"]
    notes_archive = [p for p in out.stdout.split() if os.path.basename(p).startswith("notes-")][0]
    os.rename(notes_archive, archive)
    out = run_cli(server, "restore", "--app", "notes", "--from", archive)
    assert out.returncode == 0, out.stderr
    assert "replaced data is in" in out.stderr
    server.start()
    assert requests.get(f"{server.url()}/db/collections/notes/{kept}", headers=headers, timeout=TIMEOUT).status_code == 200
    server.kill()
