"""The audit log against the real binary: `appbase audit verify` names the entry a `sqlite3` edit
or deletion broke, and a SIGKILL under a write load leaves every acknowledged create with its
audit entry and a chain that verifies."""
import json
import os
import subprocess

import requests

from conftest import BINARY, TIMEOUT, Server, creates_until_sigkill, register


def verify(server, app="notes"):
    """`appbase audit verify --json`: (exit status, parsed result)."""
    out = subprocess.run([BINARY, "audit", "verify", "--app", app, "--json", "--config", server.config,
                          "--data-dir", server.data], capture_output=True, text=True, timeout=120)
    return out.returncode, json.loads(out.stdout)


def sqlite3_shell(server, sql, app="notes"):
    """Runs `sql` with the sqlite3 command-line shell, as an operator editing the file would."""
    subprocess.run(["sqlite3", os.path.join(server.data, app, "app.sqlite"), sql], check=True, timeout=60,
                   capture_output=True)


def make_entries(server, count):
    """Registers a user and creates `count` records: `count` + 1 audit entries (register, creates)."""
    key = server.create_key()
    session = register(server.url(), key, "audited@example.org")
    headers = {"X-API-Key": key, "Authorization": f"Bearer {session['accessToken']}"}
    for i in range(count):
        r = requests.post(f"{server.url()}/db/collections/notes", json={"i": i}, headers=headers, timeout=TIMEOUT)
        assert r.status_code == 201, r.text


def test_verify_names_the_row_sqlite3_edited():
    server = Server().start()
    try:
        make_entries(server, 6)
        status, result = verify(server)        # while the server runs: a WAL reader
        assert status == 0, result
        assert result["ok"] is True and result["firstBroken"] is None
        entries = result["entries"]
        assert entries >= 7

        sqlite3_shell(server, "UPDATE audit_log SET target = 'notes/someone-else' WHERE seq = 4")
        status, result = verify(server)
        assert status == 1
        assert result["ok"] is False and result["firstBroken"] == 4 and result["checkedThrough"] == 3

        text = subprocess.run([BINARY, "audit", "verify", "--app", "notes", "--config", server.config,
                               "--data-dir", server.data], capture_output=True, text=True, timeout=120)
        assert text.returncode == 1 and "BROKEN at seq 4" in text.stdout
    finally:
        server.kill()


def test_verify_fails_at_a_deleted_row():
    server = Server().start()
    try:
        make_entries(server, 6)
        sqlite3_shell(server, "DELETE FROM audit_log WHERE seq = 5")
        status, result = verify(server)
        assert status == 1
        assert result["firstBroken"] == 5 and "missing" in result["reason"]
        assert result["checkedThrough"] == 4
    finally:
        server.kill()


def test_sigkill_leaves_every_acknowledged_create_with_its_audit_entry():
    server = Server().start()
    key = server.create_key()
    session = register(server.url(), key, "audit-durable@example.org")
    headers = {"X-API-Key": key, "Authorization": f"Bearer {session['accessToken']}"}
    acknowledged = creates_until_sigkill(server, headers)
    assert len(acknowledged) >= 300

    # Without the server: the CLI reads the database as SIGKILL left it (WAL recovery included).
    status, result = verify(server)
    assert status == 0, result
    out = subprocess.run(["sqlite3", os.path.join(server.data, "notes", "app.sqlite"),
                          "SELECT target FROM audit_log WHERE action = 'record.create'"],
                         capture_output=True, text=True, timeout=60, check=True)
    audited = {line.removeprefix("notes/") for line in out.stdout.split()}
    missing = [record_id for record_id in acknowledged if record_id not in audited]
    assert missing == []
