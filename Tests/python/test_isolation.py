"""Two apps in one process share nothing: keys, tokens, records and files of one are unknown to the other."""
import requests

from conftest import TIMEOUT, Server, register


def test_apps_are_isolated():
    server = Server(apps=("clinic", "school")).start()
    try:
        key_a, key_b = server.create_key("clinic"), server.create_key("school")
        a, b = server.url("clinic"), server.url("school")
        session = register(a, key_a, "nurse@example.org")
        token = session["accessToken"]

        # A's key on B, and on B's host through the control plane.
        r = requests.get(f"{b}/auth/me", headers={"X-API-Key": key_a, "Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        master = f"http://127.0.0.1:{server.master_port}"
        r = requests.get(f"{master}/auth/me", headers={"Host": "api.school.appbase.local", "X-API-Key": key_a,
                                                        "Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"

        # A's token with B's key.
        r = requests.get(f"{b}/auth/me", headers={"X-API-Key": key_b, "Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"

        # A's user does not exist in B.
        r = requests.post(f"{b}/auth/login", json={"email": "nurse@example.org", "password": "correct horse battery"},
                          headers={"X-API-Key": key_b}, timeout=TIMEOUT)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_credentials"

        # A record and a file written in A are not reachable in B (even by B's admin).
        headers_a = {"X-API-Key": key_a, "Authorization": f"Bearer {token}"}
        record = requests.post(f"{a}/db/collections/charts", json={"patient": "x"}, headers=headers_a, timeout=TIMEOUT).json()
        upload = requests.post(f"{a}/storage/buckets/scans/upload?name=scan.txt", data=b"scan",
                               headers={**headers_a, "Content-Type": "text/plain"}, timeout=TIMEOUT).json()
        admin_b = {"X-API-Key": server.create_key("school", admin=True)}
        assert requests.get(f"{b}/db/collections/charts/{record['id']}", headers=admin_b, timeout=TIMEOUT).status_code == 404
        assert requests.get(f"{b}/storage/buckets/scans/{upload['id']}", headers=admin_b, timeout=TIMEOUT).status_code == 404
        assert requests.get(f"{a}/db/collections/charts/{record['id']}", headers=headers_a, timeout=TIMEOUT).status_code == 200

        # Each app has its own directory.
        import os
        assert os.path.exists(os.path.join(server.data, "clinic", "app.sqlite"))
        assert os.path.exists(os.path.join(server.data, "school", "app.sqlite"))
    finally:
        server.kill()
