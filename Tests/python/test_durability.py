"""SIGKILL during a write load: every write that got a 2xx is there after restart, and the database is intact."""
import sqlite3

import requests

from conftest import TIMEOUT, Server, creates_until_sigkill, register


def test_sigkill_loses_no_acknowledged_write():
    server = Server().start()
    key = server.create_key()
    session = register(server.url(), key, "durable@example.org")
    headers = {"X-API-Key": key, "Authorization": f"Bearer {session['accessToken']}"}
    acknowledged = creates_until_sigkill(server, headers, body=lambda n, i: {"writer": n, "i": i, "pad": "x" * 100})
    assert len(acknowledged) >= 300

    db = sqlite3.connect(f"{server.data}/notes/app.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()

    server.start()
    try:
        missing = []
        for record_id in acknowledged:
            r = requests.get(f"{server.url()}/db/collections/notes/{record_id}", headers=headers, timeout=TIMEOUT)
            if r.status_code != 200:
                missing.append((record_id, r.status_code))
        assert missing == []
    finally:
        server.kill()
