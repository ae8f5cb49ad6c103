"""The key CLI against a running server: a created key works at once, a revoked one fails on the very next request."""
import requests

from conftest import TIMEOUT


def test_create_then_revoke_mid_run(server):
    key = server.create_key()
    assert key.startswith("hs_live_") and len(key) >= 40
    headers = {"X-API-Key": key}
    r = requests.post(f"{server.url()}/auth/login", json={"email": "nobody@example.org", "password": "x" * 12},
                      headers=headers, timeout=TIMEOUT)
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"

    listed = server.cli("keys", "list", "--app", "notes", "--json")
    assert key not in listed and '"kind":"client"' in listed.replace(" ", "")
    key_id = [line for line in server.cli("keys", "list", "--app", "notes").splitlines() if "test" in line][0].split()[0]
    server.cli("keys", "revoke", "--app", "notes", "--id", key_id)

    r = requests.post(f"{server.url()}/auth/login", json={"email": "nobody@example.org", "password": "x" * 12},
                      headers=headers, timeout=TIMEOUT)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "invalid_api_key"


def test_cli_refuses_unregistered_app(server):
    import subprocess
    from conftest import BINARY
    out = subprocess.run([BINARY, "keys", "create", "--app", "notez", "--name", "x", "--config", server.config,
                          "--data-dir", server.data], capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert "notez" in out.stderr
    import os
    assert not os.path.exists(os.path.join(server.data, "notez"))
