"""/openapi.json of an app and of the master, against the release binary: openapi-spec-validator
accepts both documents, and schemathesis runs every operation against the live server and finds no
5xx and no answer that contradicts the document (status, content type, headers, body schema).

The app runs are made with a valid admin key and a valid user token; the master's with a master
key. Operations that end the credentials the run itself uses (logout, revoking the user's sessions,
resetting their password, disabling or deleting them, revoking keys) run in passes of their
own (revocations with the admin key alone, logout last), so they cannot turn the first pass into a wall of 401s. The change-feed stream
(`subscribe`) and the control plane's `/api/events` never end, so no answer can be checked: they
are left out here and covered by the stream tests. Each run is bounded (`--max-examples`, a fixed
seed, `--max-time`) so all of them together take under 3 minutes on 2 cores.
"""
import os
import shutil
import subprocess
import sys
import tempfile

import pytest
import requests

from conftest import TIMEOUT, Server, register

openapi_spec_validator = pytest.importorskip("openapi_spec_validator")

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "negative_data_rejection", "missing_required_header", "ignored_auth",
    "use_after_free", "ensure_resource_availability",
])
# positive_data_acceptance is not run: cursors are opaque, so no schema can say which strings a
# route accepts, and a random "valid" cursor is rightly a 400. unsupported_method is not run: it
# expects 405 for every method a path lacks, and a method the server does not know at all (QUERY)
# is answered 501 not_implemented before routing (RFC 9110 §9.1), not 405.

# Operations that revoke what the first pass authenticates with (besides logout).
CREDENTIAL_ENDING = ["revokeUserSessions", "revokeUserSession", "resetUserPassword", "deleteUser",
                     "updateUser", "revokeAPIKey", "dashboardSignOut"]
CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemathesis.toml")
STREAMS = {"app": ["subscribe"], "master": ["followEvents"]}
# schemathesis has no serializer for application/x-tar and application/zip bodies;
# Tests/AppBaseAPITests/Sites covers the archive upload.
UNSERIALIZABLE = ["uploadSite"]
# Each run's full report, for reading after a failure and for the closing note (.build/ is gitignored).
SUMMARY_DIR = os.path.join(os.path.dirname(__file__), "..", "..", ".build", "schemathesis")


def fetch_document(base):
    r = requests.get(f"{base}/openapi.json", timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/json"
    assert r.headers["ETag"].startswith('"')
    return r.json()


def schemathesis_available():
    return subprocess.run([sys.executable, "-m", "schemathesis.cli", "--version"], capture_output=True).returncode == 0


def schemathesis(name, schema_url, headers, *, include=(), exclude=(), examples=8, phases="examples,fuzzing,stateful",
                 max_time=50):
    """Runs schemathesis once; returns its summary. Fails the test with its report on any finding."""
    args = [sys.executable, "-m", "schemathesis.cli", "--config-file", CONFIG, "run", schema_url, "--checks", CHECKS,
            "--max-examples", str(examples), "--workers", "2", "--phases", phases, "--seed", "20261204",
            "--generation-database", "none", "--request-timeout", "20", "--no-color", "--suppress-health-check", "all",
            "--max-time", str(max_time)]
    for header in headers:
        args += ["-H", header]
    for operation in include:
        args += ["--include-operation-id", operation]
    for operation in exclude:
        args += ["--exclude-operation-id", operation]
    out = subprocess.run(args, capture_output=True, text=True, timeout=240, cwd=tempfile.gettempdir())
    report = out.stdout + out.stderr
    start = report.rfind("SUMMARY")
    summary = report[start - 40:] if start >= 0 else report[-3000:]
    os.makedirs(SUMMARY_DIR, exist_ok=True)
    with open(os.path.join(SUMMARY_DIR, f"schemathesis-{name}.txt"), "w") as f:
        f.write(report)
    print(f"\n--- schemathesis {name} ---\n{summary}")
    assert out.returncode == 0, report[-12000:]
    return summary


@pytest.fixture(scope="module")
def live():
    site = tempfile.mkdtemp(prefix="appbase-site-")
    with open(os.path.join(site, "index.html"), "w") as f:
        f.write("<!doctype html><title>site</title><p>hello</p>\n")
    server = Server(app_extra=f'site_dir = "{site}"').start()
    admin = server.create_key(admin=True, name="openapi admin")
    client = server.create_key(name="openapi client")
    master = server.cli("keys", "create", "--master", "--name", "openapi master")
    yield server, admin, client, master
    server.kill()
    shutil.rmtree(site, ignore_errors=True)
    shutil.rmtree(server.dir, ignore_errors=True)


def test_both_documents_are_valid_openapi_3_1(live):
    from openapi_spec_validator import validate
    server, _, _, _ = live
    for base in (server.url(), f"http://127.0.0.1:{server.master_port}"):
        document = fetch_document(base)
        assert document["openapi"].startswith("3.1")
        validate(document)


def test_docs_page_is_served_without_outside_resources(live):
    server, _, _, _ = live
    for base in (server.url(), f"http://127.0.0.1:{server.master_port}"):
        r = requests.get(f"{base}/docs", timeout=TIMEOUT)
        assert r.status_code == 200
        assert r.headers["Content-Type"] == "text/html; charset=utf-8"
        assert "default-src 'self'" in r.headers["Content-Security-Policy"]
        assert "http://" not in r.text and "https://" not in r.text  # no CDN, no outside fonts


@pytest.mark.skipif(not schemathesis_available(), reason="schemathesis is not installed")
def test_schemathesis_finds_nothing_on_the_app(live):
    server, admin, client, _ = live
    user = register(server.url(), client, "fuzz@example.com")
    url = f"{server.url()}/openapi.json"
    with_user = [f"X-API-Key: {admin}", f"Authorization: Bearer {user['accessToken']}"]
    schemathesis("app", url, with_user, exclude=CREDENTIAL_ENDING + ["logout"] + STREAMS["app"])
    # A bearer token is checked on every route when sent, so once the session is gone every request
    # carrying it is a 401: the revocations run with the admin key alone, logout last.
    schemathesis("app-revocations", url, [f"X-API-Key: {admin}"], include=CREDENTIAL_ENDING, phases="examples,fuzzing",
                 max_time=20)
    login = requests.post(f"{server.url()}/auth/login", json={"email": "fuzz@example.com", "password": "correct horse battery"},
                          headers={"X-API-Key": client}, timeout=TIMEOUT)
    token = login.json()["accessToken"] if login.status_code == 200 else user["accessToken"]
    schemathesis("app-logout", url, [f"X-API-Key: {admin}", f"Authorization: Bearer {token}"], include=["logout"],
                 phases="examples,fuzzing", max_time=10)


@pytest.mark.skipif(not schemathesis_available(), reason="schemathesis is not installed")
def test_schemathesis_finds_nothing_on_the_master(live):
    server, _, _, master = live
    url = f"http://127.0.0.1:{server.master_port}/openapi.json"
    schemathesis("master", url, [f"X-Master-Key: {master}"], exclude=STREAMS["master"] + UNSERIALIZABLE, examples=5,
                 max_time=40)
