"""SIGKILL during a write load: every write that got a 2xx is there after restart, and the database is intact."""
import sqlite3
import threading

import requests

from conftest import TIMEOUT, Server, register


def test_sigkill_loses_no_acknowledged_write():
    server = Server().start()
    key = server.create_key()
    session = register(server.url(), key, "durable@example.org")
    headers = {"X-API-Key": key, "Authorization": f"Bearer {session['accessToken']}"}
    acknowledged = []
    lock = threading.Lock()
    stop = threading.Event()
    enough = threading.Event()  # 300 writes acknowledged: time to kill the server mid-load

    def writer(n):
        s = requests.Session()
        i = 0
        while not stop.is_set() and i < 2000:
            try:
                r = s.post(f"{server.url()}/db/collections/notes", json={"writer": n, "i": i, "pad": "x" * 100},
                           headers=headers, timeout=TIMEOUT)
            except requests.RequestException:
                return
            if 200 <= r.status_code < 300:
                with lock:
                    acknowledged.append(r.json()["id"])
                    if len(acknowledged) >= 300:
                        enough.set()
            i += 1

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    enough.wait(timeout=120)  # bounds a hang; the assertion below says whether it happened
    server.kill()  # SIGKILL mid-load
    stop.set()
    for t in threads:
        t.join(timeout=TIMEOUT)
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
