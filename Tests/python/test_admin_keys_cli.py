"""`appbase keys` and `/admin/api-keys` share one code path: each sees and revokes the other's keys,
and a revocation either way fails the key on its very next request."""
import json

import requests

from conftest import TIMEOUT


def probe(server, key):
    """A request any valid key gets past authentication with (400: the body lacks fields)."""
    return requests.post(f"{server.url()}/auth/login", json={}, headers={"X-API-Key": key}, timeout=TIMEOUT)


def test_cli_and_http_share_keys(server):
    admin = server.create_key(admin=True, name="cli admin")
    headers = {"X-API-Key": admin}

    # A key made by the CLI is listed over HTTP (newest first, never its secret).
    listed = requests.get(f"{server.url()}/admin/api-keys", headers=headers, timeout=TIMEOUT)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert items[0]["name"] == "cli admin" and items[0]["kind"] == "admin" and items[0]["revokedAt"] is None
    assert admin not in listed.text

    # A key made over HTTP is listed by the CLI and works at once.
    made = requests.post(f"{server.url()}/admin/api-keys", json={"name": "http client", "kind": "client"},
                         headers=headers, timeout=TIMEOUT)
    assert made.status_code == 201, made.text
    secret, key_id = made.json()["secret"], made.json()["key"]["id"]
    assert made.headers.get("Cache-Control") == "no-store"
    cli_keys = json.loads(server.cli("keys", "list", "--app", "notes", "--json"))
    assert any(k["id"] == key_id and k["name"] == "http client" and k["kind"] == "client" for k in cli_keys)
    assert secret not in json.dumps(cli_keys)
    assert probe(server, secret).status_code == 400

    # Revoked by the CLI: refused on the next request, shown revoked over HTTP.
    server.cli("keys", "revoke", "--app", "notes", "--id", key_id)
    refused = probe(server, secret)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "invalid_api_key"
    active = requests.get(f"{server.url()}/admin/api-keys?active=true", headers=headers, timeout=TIMEOUT).json()["items"]
    assert key_id not in [k["id"] for k in active]

    # Revoked over HTTP: the CLI lists it revoked.
    cli_key = server.create_key(name="cli client")
    cli_id = [k["id"] for k in json.loads(server.cli("keys", "list", "--app", "notes", "--json")) if k["name"] == "cli client"][0]
    revoked = requests.delete(f"{server.url()}/admin/api-keys/{cli_id}", headers=headers, timeout=TIMEOUT)
    assert revoked.status_code == 200 and revoked.json()["key"]["revokedAt"] is not None
    assert probe(server, cli_key).status_code == 401
    after = [k for k in json.loads(server.cli("keys", "list", "--app", "notes", "--json")) if k["id"] == cli_id]
    assert after and after[0]["revokedAt"] is not None
