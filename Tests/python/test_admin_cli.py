"""`appbase admin create|list|remove` against a running server: the setup link disappears from AppInfo
once an admin exists, the new admin signs in at once, and a removed admin's session fails on the very
next request."""
import subprocess

import requests

from conftest import BINARY, TIMEOUT

PASSWORD = "correct horse battery"


def admin_cli(server, *args, stdin=None):
    return subprocess.run([BINARY, "admin", *args, "--config", server.config, "--data-dir", server.data],
                          input=stdin, capture_output=True, text=True, timeout=120)


def test_admin_lifecycle_mid_run(server):
    master = server.cli("keys", "create", "--master", "--name", "ops")
    info = requests.get(f"http://127.0.0.1:{server.master_port}/api/apps/notes", headers={"X-Master-Key": master},
                        timeout=TIMEOUT).json()
    assert "/dashboard/setup#token=" in info["dashboardSetup"]
    assert "has no dashboard admin yet" in server.read_log()

    refused = admin_cli(server, "create", "--app", "notes", "--email", "ops@example.com")
    assert refused.returncode != 0 and "password-stdin" in refused.stderr
    created = admin_cli(server, "create", "--app", "notes", "--email", "Ops@Example.com", "--password-stdin",
                        stdin=PASSWORD + "\n")
    assert created.returncode == 0, created.stderr
    assert PASSWORD not in created.stdout + created.stderr
    info = requests.get(f"http://127.0.0.1:{server.master_port}/api/apps/notes", headers={"X-Master-Key": master},
                        timeout=TIMEOUT).json()
    assert "dashboardSetup" not in info

    listed = admin_cli(server, "list", "--app", "notes", "--json")
    assert '"email":"ops@example.com"' in listed.stdout.replace(" ", "")

    session = requests.Session()
    r = session.post(server.url() + "/dashboard/api/session", json={"email": "ops@example.com", "password": PASSWORD},
                     timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert "HttpOnly" in r.headers["Set-Cookie"] and "SameSite=Strict" in r.headers["Set-Cookie"]
    csrf = r.json()["csrfToken"]
    assert session.get(server.url() + "/admin/collections", headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT).status_code == 200
    # Without the header the cookie counts for nothing.
    assert session.get(server.url() + "/admin/collections", timeout=TIMEOUT).status_code == 401

    removed = admin_cli(server, "remove", "--app", "notes", "--admin", "ops@example.com")
    assert removed.returncode == 0, removed.stderr
    r = session.get(server.url() + "/admin/collections", headers={"X-CSRF-Token": csrf}, timeout=TIMEOUT)
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
