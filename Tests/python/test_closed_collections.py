"""With implicit_collections = false, unknown collections are 404 for writes, reads and subscriptions alike."""
import requests

from conftest import TIMEOUT, Server, register


def test_unknown_collection_is_404_everywhere_when_implicit_creation_is_off():
    server = Server(app_extra="[apps.{app}.database]\nimplicit_collections = false").start()
    try:
        key = server.create_key()
        token = register(server.url(), key, "closed@example.org")["accessToken"]
        headers = {"X-API-Key": key, "Authorization": f"Bearer {token}"}
        base = f"{server.url()}/db/collections/ghosts"
        assert requests.post(base, json={"a": 1}, headers=headers, timeout=TIMEOUT).status_code == 404
        assert requests.get(base, headers=headers, timeout=TIMEOUT).status_code == 404
        r = requests.get(f"{base}/subscribe", headers=headers, timeout=TIMEOUT, stream=True)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    finally:
        server.kill()
