"""The data directory is owner-only after a real `appbase serve`, a key creation and an upload;
an older, looser tree is tightened at start-up (one log line); a group-writable one is refused."""
import os
import stat
import subprocess

import requests

from conftest import BINARY, TIMEOUT, Server


def loose_entries(root):
    """Every entry under root (and root) that is not a 0700 directory or a 0600 file."""
    loose = []
    for directory, names, files in os.walk(root):
        for path in [directory] + [os.path.join(directory, f) for f in files]:
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                continue
            expected = 0o700 if stat.S_ISDIR(info.st_mode) else 0o600
            if stat.S_IMODE(info.st_mode) != expected:
                loose.append(f"{path} {oct(stat.S_IMODE(info.st_mode))}")
    return loose


def test_tree_is_owner_only_after_serve_and_key_creation(server):
    key = server.create_key(admin=True)
    r = requests.post(f"{server.url()}/storage/buckets/docs/upload?name=a.txt", data=b"hello",
                      headers={"X-API-Key": key, "Content-Type": "text/plain"}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    for name in ["master.sqlite", "master.sqlite-wal", "master.sqlite-shm",
                 "notes/app.sqlite", "notes/app.sqlite-wal", "notes/app.sqlite-shm"]:
        assert os.path.exists(os.path.join(server.data, name)), name
    assert len(os.listdir(os.path.join(server.data, "notes", "storage", "blobs"))) == 1
    assert loose_entries(server.data) == []


def test_older_loose_tree_is_tightened_and_logged():
    s = Server().start()
    try:
        s.create_key()
        s.stop()
        for directory, names, files in os.walk(s.data):
            os.chmod(directory, 0o755)
            for f in files:
                os.chmod(os.path.join(directory, f), 0o644)
        s.start()
        assert loose_entries(s.data) == []
        assert "tightened permissions under" in s.read_log()
    finally:
        s.kill()


def test_group_writable_data_dir_is_refused():
    s = Server()
    os.makedirs(s.data)
    os.chmod(s.data, 0o770)
    out = subprocess.run([BINARY, "serve", "--config", s.config, "--data-dir", s.data],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "other users can write" in out.stderr and s.data in out.stderr, out.stderr
    assert os.listdir(s.data) == []
