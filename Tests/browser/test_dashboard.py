"""The app dashboard in headless Chromium (Debian `chromium` + `chromium-driver`, selenium): first-run
setup through the link the server logs, sign out and in, create an API key, see a user registered
through the API, disable them (their open event stream ends), browse and edit a record (with the diff
shown before saving), upload a file twice and download the old version, read the audit log and its
chain status. A screenshot of every page goes to Tests/browser/screenshots/ (gitignored).

Flows that need an admin route another branch adds skip with "route not merged yet" while that
route answers 404 here.

Runs the binary in APPBASE_BIN (default .build/debug/appbase) on loopback ephemeral ports with a
temporary config and data dir, through the same harness as Tests/python."""
import json
import os
import re
import shutil
import sys
import tempfile
import threading
import time

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from browser_support import WAIT, make_driver, screenshot, text_of, wait  # noqa: E402
from conftest import TIMEOUT, Server  # noqa: E402  (the shared harness)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402

EMAIL = "ops@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server():
    s = Server(apps=("notes",)).start()
    yield s
    s.kill()


@pytest.fixture(scope="module")
def downloads():
    directory = tempfile.mkdtemp(prefix="appbase-dashboard-downloads-")
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module")
def driver(downloads):
    d = make_driver(downloads)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def admin_key(server):
    return server.create_key(admin=True, name="test-admin")


@pytest.fixture(scope="module")
def signed_in(server, driver):
    """Runs the first-run setup once for the module; later tests reuse the browser session."""
    first_run(server, driver)
    return driver


def visible(driver, css, message):
    return wait(driver, EC.visibility_of_element_located((By.CSS_SELECTOR, css)), message)


def fill(driver, element_id, text):
    field = visible(driver, f"#{element_id}", f"no #{element_id}")
    field.clear()
    field.send_keys(text)


def click_dialog_button(driver, label):
    button = wait(driver, lambda d: next((b for b in d.find_elements(By.CSS_SELECTOR, "dialog[open] button")
                                          if b.text == label), None), f"no dialog button {label!r}")
    button.click()


def go(driver, page):
    driver.execute_script("location.hash = arguments[0]", f"#/{page}")
    visible(driver, f"#page-{page}", f"the {page} page never opened")


def route_exists(server, admin_key, path):
    """False when the route answers 404 `No route for …` on this branch."""
    r = requests.get(server.url() + path, headers={"X-API-Key": admin_key}, timeout=TIMEOUT)
    return not (r.status_code == 404 and "No route" in r.text)


def severe(driver):
    """Script errors; answers with an error status (a refused sign-in is a 401) are not script errors."""
    return [e for e in driver.get_log("browser")
            if e.get("level") == "SEVERE" and "Failed to load resource" not in e.get("message", "")]


def first_run(server, driver):
    deadline = time.time() + WAIT
    link = None
    while time.time() < deadline and not link:
        found = re.search(r"http://127\.0\.0\.1:\d+/dashboard/setup#token=[A-Za-z0-9_-]+", server.read_log())
        link = found.group(0) if found else None
        time.sleep(0.1)
    assert link, "the server never logged a setup link: " + server.read_log()
    driver.get(link)
    visible(driver, "#setup-email", "no setup form")
    assert driver.title == "AppBase dashboard"
    screenshot(driver, "dashboard-setup.png")
    # Two different passwords: a plain-words error, nothing sent.
    fill(driver, "setup-email", EMAIL)
    fill(driver, "setup-password", PASSWORD)
    fill(driver, "setup-repeat", PASSWORD + "x")
    driver.find_element(By.ID, "setup-submit").click()
    wait(driver, lambda d: "different" in (text_of(d, "#setup-message") or ""), "no mismatch message")
    fill(driver, "setup-repeat", PASSWORD)
    driver.find_element(By.ID, "setup-submit").click()
    visible(driver, "#page-overview", "setup did not sign in")
    assert "#token=" not in driver.current_url, "the spent token must leave the address bar"
    assert text_of(driver, "#who") == EMAIL
    # The link is spent: the cookie is HttpOnly (invisible to scripts).
    assert "appbase_dashboard" not in driver.execute_script("return document.cookie")


def test_first_run_sign_out_and_in(server, signed_in):
    driver = signed_in
    visible(driver, "#overview-stats", "no overview figures")
    screenshot(driver, "dashboard-overview.png")
    driver.find_element(By.ID, "sign-out").click()
    visible(driver, "#signin-email", "no sign-in form after signing out")
    # The setup link is single use.
    answer = requests.get(server.url() + "/dashboard/api/session", timeout=TIMEOUT)
    assert answer.status_code == 401
    fill(driver, "signin-email", EMAIL)
    fill(driver, "signin-password", "wrong password")
    driver.find_element(By.ID, "signin-submit").click()
    wait(driver, lambda d: "do not match" in (text_of(d, "#signin-message") or ""), "no plain-words sign-in error")
    screenshot(driver, "dashboard-sign-in.png")
    fill(driver, "signin-password", PASSWORD)
    driver.find_element(By.ID, "signin-submit").click()
    visible(driver, "#page-overview", "sign-in did not open the dashboard")
    # A reload keeps the session (the CSRF token is fetched again).
    driver.refresh()
    visible(driver, "#page-overview", "a reload lost the session")
    # Narrow screens: the same page, tables as cards.
    driver.set_window_size(420, 860)
    go(driver, "collections")
    screenshot(driver, "dashboard-narrow-collections.png")
    driver.set_window_size(1280, 800)
    go(driver, "overview")
    assert not severe(driver), severe(driver)


def test_api_keys(server, signed_in, admin_key):
    driver = signed_in
    if not route_exists(server, admin_key, "/admin/api-keys"):
        go(driver, "keys")
        screenshot(driver, "dashboard-keys.png")
        pytest.skip("route not merged yet: GET /admin/api-keys")
    go(driver, "keys")
    fill(driver, "key-name", "browser test app")
    driver.find_element(By.ID, "key-create").click()
    secret = visible(driver, "#new-key-secret", "the new key was not shown").text
    assert secret.startswith("hs_live_")
    screenshot(driver, "dashboard-keys.png")
    r = requests.post(server.url() + "/auth/register", headers={"X-API-Key": secret},
                      json={"email": "made-with-ui-key@example.com", "password": PASSWORD}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text


def read_stream(response, seen, ended):
    try:
        for line in response.iter_lines(decode_unicode=True):
            if line:
                seen.append(line)
    except requests.RequestException:
        pass
    ended.set()


def test_users_disable_ends_stream(server, signed_in, admin_key):
    driver = signed_in
    client = server.create_key(name="browser-client")
    r = requests.post(server.url() + "/auth/register", headers={"X-API-Key": client},
                      json={"email": "ann@example.com", "password": PASSWORD}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    token = r.json()["accessToken"]
    stream = requests.get(server.url() + "/db/collections/diary/subscribe",
                          headers={"X-API-Key": client, "Authorization": f"Bearer {token}"}, stream=True, timeout=WAIT)
    assert stream.status_code == 200, stream.text
    seen, ended = [], threading.Event()
    threading.Thread(target=read_stream, args=(stream, seen, ended), daemon=True).start()

    go(driver, "users")
    row = visible(driver, 'tr[data-user="ann@example.com"]', "the registered user is not listed")
    screenshot(driver, "dashboard-users.png")
    row.find_element(By.CSS_SELECTOR, 'button[data-action="toggle"]').click()
    click_dialog_button(driver, "Disable user")
    wait(driver, lambda d: (text_of(d, 'tr[data-user="ann@example.com"] .pill') or "") == "disabled",
         "the user never showed as disabled")
    assert ended.wait(WAIT), "the disabled user's event stream stayed open"
    assert any("auth_revoked" in line for line in seen), seen
    assert requests.get(server.url() + "/auth/me", headers={"X-API-Key": client, "Authorization": f"Bearer {token}"},
                        timeout=TIMEOUT).status_code == 401


def test_browse_and_edit_record(server, signed_in, admin_key):
    driver = signed_in
    r = requests.post(server.url() + "/db/collections/tasks", headers={"X-API-Key": admin_key},
                      json={"title": "water the plants", "status": "open"}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    record_id = r.json()["id"]
    requests.post(server.url() + "/db/collections/tasks", headers={"X-API-Key": admin_key},
                  json={"title": "done already", "status": "closed"}, timeout=TIMEOUT)
    go(driver, "collections")
    visible(driver, '[data-collection="tasks"]', "the tasks collection is not listed").click()
    fill(driver, "record-filter", 'status = "open"')
    driver.find_element(By.ID, "record-search").click()
    wait(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#records tbody tr")) == 1, "the filter did not narrow the list")
    screenshot(driver, "dashboard-collections.png")
    driver.find_element(By.CSS_SELECTOR, f'[data-record="{record_id}"]').click()
    editor = visible(driver, "#record-json", "no record editor")
    record = json.loads(editor.get_attribute("value"))
    record["status"] = "done"
    driver.execute_script("arguments[0].value = arguments[1]", editor, json.dumps(record, indent=2))
    click_dialog_button(driver, "Review changes")
    diff = visible(driver, "#record-diff", "no diff before saving").text
    assert '-   "status": "open"' in diff and '+   "status": "done"' in diff, diff
    screenshot(driver, "dashboard-record-diff.png")
    click_dialog_button(driver, "Save")
    wait(driver, lambda d: "Record saved" in (text_of(d, "#collections-message") or ""), "no saved message")
    stored = requests.get(f"{server.url()}/db/collections/tasks/{record_id}", headers={"X-API-Key": admin_key},
                          timeout=TIMEOUT).json()
    assert stored["status"] == "done" and stored["version"] == 2


def test_upload_and_download_old_version(server, signed_in, downloads, tmp_path):
    driver = signed_in
    go(driver, "storage")
    fill(driver, "bucket-name", "docs")
    driver.find_element(By.CSS_SELECTOR, "#page-storage form:not(.toolbar) button[type=submit]").click()
    visible(driver, "#upload-file", "no upload form for the new bucket")
    source = tmp_path / "notes.txt"
    for version, text in ((1, "first draft\n"), (2, "second draft\n")):
        source.write_text(text)
        driver.find_element(By.ID, "upload-file").send_keys(str(source))
        driver.find_element(By.ID, "upload-submit").click()
        wait(driver, lambda d: f"(version {version})" in (text_of(d, "#storage-message") or ""), f"upload {version} did not finish")
        assert driver.find_element(By.ID, "upload-progress").get_attribute("value") == "1"
    screenshot(driver, "dashboard-storage.png")
    visible(driver, '[data-versions="notes.txt"]', "no versions button").click()
    visible(driver, '#versions tr[data-version="1"]', "version 1 is not listed")
    screenshot(driver, "dashboard-storage-versions.png")
    driver.find_element(By.CSS_SELECTOR, '[data-download-version="1"]').click()
    target = os.path.join(downloads, "notes.txt")
    deadline = time.time() + WAIT
    while time.time() < deadline and not os.path.exists(target):
        time.sleep(0.1)
    assert os.path.exists(target), os.listdir(downloads)
    with open(target) as f:
        assert f.read() == "first draft\n"
    click_dialog_button(driver, "Close")


def test_audit_log_and_live(server, signed_in, admin_key):
    driver = signed_in
    go(driver, "live")
    wait(driver, lambda d: (text_of(d, "#live-status") or "") == "live", "the live view never connected")
    requests.post(server.url() + "/db/collections/tasks", headers={"X-API-Key": admin_key},
                  json={"title": "seen live"}, timeout=TIMEOUT)
    wait(driver, lambda d: "seen live" in (text_of(d, "#live-events") or ""), "the change never appeared live")
    screenshot(driver, "dashboard-live.png")
    go(driver, "audit")
    if not route_exists(server, admin_key, "/admin/audit-log"):
        screenshot(driver, "dashboard-audit.png")
        pytest.skip("route not merged yet: GET /admin/audit-log")
    visible(driver, "#chain-status", "no chain status")
    assert text_of(driver, "#chain-status") == "chain intact"
    wait(driver, lambda d: "dashboard.login" in (text_of(d, "#audit-list") or ""), "the sign-in is not in the audit log")
    screenshot(driver, "dashboard-audit.png")
    assert not severe(driver), severe(driver)
