"""The control plane through the release binary: a master key from the CLI, an app created over
HTTP and used on its port, the CLI managing that app's keys, delete to the trash, and a revoked
master key refused on the next request."""
import json
import os

import requests

from conftest import TIMEOUT


def test_master_key_and_api_created_app(server):
    master = server.cli("keys", "create", "--master", "--name", "ops")
    assert master.startswith("hs_live_")
    api = f"http://127.0.0.1:{server.master_port}/api"
    headers = {"X-Master-Key": master}

    assert requests.get(f"{api}/apps", timeout=TIMEOUT).status_code == 401
    r = requests.post(f"{api}/apps", json={"name": "clibuilt"}, headers=headers, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    info = r.json()
    assert info["state"] == "running" and info["source"] == "api"
    port, admin = info["port"], info["adminKey"]
    assert requests.get(f"http://127.0.0.1:{port}/admin/collections", headers={"X-API-Key": admin},
                        timeout=TIMEOUT).status_code == 200

    # The key CLI accepts an app the config file does not name, once the control plane made it.
    client = server.create_key(app="clibuilt")
    assert client.startswith("hs_live_") and client != admin

    r = requests.delete(f"{api}/apps/clibuilt", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    trash = r.json()["trash"]
    assert trash.startswith("data/.trash/clibuilt-")
    assert os.path.isfile(os.path.join(server.data, trash[len("data/"):], "app.sqlite"))
    assert not os.path.exists(os.path.join(server.data, "clibuilt"))

    listed = server.cli("keys", "list", "--master")
    key_id = listed.split()[0]
    as_json = json.loads(server.cli("keys", "list", "--master", "--json"))
    assert as_json and all(item["kind"] == "master" for item in as_json), as_json
    server.cli("keys", "revoke", "--master", "--id", key_id)
    r = requests.get(f"{api}/apps", headers=headers, timeout=TIMEOUT)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
