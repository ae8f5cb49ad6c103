"""Deleting a collection leaves a marker in the change log: a client resuming past it gets `reset`."""
import requests

from conftest import TIMEOUT, Server, register


def read_events(response, wanted, limit=50):
    events, current = [], {}
    for raw in response.iter_lines(decode_unicode=True):
        if raw is None:
            continue
        if raw == "":
            if current:
                events.append(current)
                if current.get("event") in wanted:
                    return events
            current = {}
            if len(events) >= limit:
                return events
            continue
        if raw.startswith(":"):
            continue
        key, _, value = raw.partition(":")
        current[key] = value.lstrip(" ")
    return events


def test_resume_across_a_collection_drop_resets():
    server = Server().start()
    try:
        key, admin = server.create_key(), server.create_key(admin=True)
        token = register(server.url(), key, "drop@example.org")["accessToken"]
        headers = {"X-API-Key": key, "Authorization": f"Bearer {token}"}
        base = f"{server.url()}/db/collections/notes"
        for i in range(3):
            assert requests.post(base, json={"i": i}, headers=headers, timeout=TIMEOUT).status_code == 201
        listed = requests.get(base, headers=headers, timeout=TIMEOUT)
        since = int(listed.headers["X-Change-Seq"])
        assert requests.delete(f"{server.url()}/admin/collections/notes", headers={"X-API-Key": admin},
                               timeout=TIMEOUT).status_code == 204
        with requests.get(f"{base}/subscribe?since={since}", headers=headers, stream=True, timeout=TIMEOUT) as stream:
            assert stream.status_code == 200
            events = read_events(stream, {"reset"})
        reset = [e for e in events if e.get("event") == "reset"]
        assert reset and "collection_deleted" in reset[0]["data"]
    finally:
        server.kill()
