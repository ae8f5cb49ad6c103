"""HTTPS in a real browser: Debian's headless Chromium trusts the server's CA through its NSS
database (certutil from libnss3-tools), resolves *.appbase.local to 127.0.0.1, and opens an app's
static site over https: it must be a secure context (WebCrypto, service workers) and call the
app's API over https with no certificate error. A plain-HTTP navigation is upgraded (308).

Runs the binary in APPBASE_BIN through the same harness as Tests/python."""
import io
import os
import shutil
import sys
import tarfile

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The harness (Tests/python/conftest.py, on the path through the control page's test) and that
# test's Chromium locations, screenshot folder and wait bound.
from browser_support import LOCAL_NAMES, SCREENSHOTS, WAIT, make_driver, trusting_home  # noqa: E402  (the shared browser helpers)
from conftest import TIMEOUT, Server  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

INDEX = b"""<!doctype html><html><head><meta charset="utf-8"><title>notes over https</title>
<script type="module" src="/app.js"></script></head><body><p id="out">loading</p></body></html>"""
APP_JS = b"""const out = document.getElementById('out');
document.body.dataset.secure = String(window.isSecureContext);
document.body.dataset.crypto = String(typeof crypto.subtle?.digest === 'function');
fetch(`https://api.notes.appbase.local:${location.port}/health`)
  .then((r) => r.json())
  .then((body) => { document.body.dataset.api = body.status; out.textContent = 'api: ' + body.status; })
  .catch((error) => { document.body.dataset.api = 'error: ' + error.message; });
"""


def site_archive():
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in (("index.html", INDEX), ("app.js", APP_JS)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def server():
    s = Server(apps=("notes",), extra='\n[tls]\nenabled = true\nplain = "redirect"\n').start()
    yield s
    s.kill()


@pytest.fixture
def home(server):
    directory = trusting_home(server.cli("tls", "export-ca"))
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def driver(home):
    # Chromium on Linux reads the trust store from $HOME/.pki/nssdb: the fixture's home has the CA.
    d = make_driver(arguments=(f"--user-data-dir={os.path.join(home, 'profile')}",
                               LOCAL_NAMES),
                    home=home)
    d.set_window_size(1024, 700)
    yield d
    d.quit()


def test_an_apps_site_over_https_is_a_secure_context_and_calls_its_api(server, driver):
    key = server.cli("keys", "create", "--master", "--name", "browser")
    r = requests.put(f"http://127.0.0.1:{server.master_port}/api/apps/notes/site", data=site_archive(),
                     headers={"X-Master-Key": key, "Content-Type": "application/x-tar"}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    port = server.master_port
    driver.get(f"https://notes.appbase.local:{port}/")
    wait = WebDriverWait(driver, WAIT)
    wait.until(lambda d: d.execute_script("return document.body && document.body.dataset.api"),
               f"the page never called the API: {driver.page_source[:500]}")
    data = driver.execute_script("return Object.assign({}, document.body.dataset)")
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SCREENSHOTS, "tls-site.png"))
    assert driver.title == "notes over https"  # not a certificate interstitial
    assert data["secure"] == "true"
    assert data["crypto"] == "true"
    assert data["api"] == "ok", data

    # A plain navigation carries Upgrade-Insecure-Requests: it lands on https.
    driver.get(f"http://notes.appbase.local:{port}/")
    wait.until(lambda d: d.current_url.startswith("https://"), f"not upgraded: {driver.current_url}")
    assert driver.current_url == f"https://notes.appbase.local:{port}/"


def test_the_ca_page_stays_on_plain_http(server, driver):
    port = server.master_port
    driver.get(f"http://appbase.local:{port}/ca")
    wait = WebDriverWait(driver, WAIT)
    wait.until(lambda d: ":" in (d.execute_script("return document.getElementById('ca-fingerprint').textContent") or ""),
               "the fingerprint never appeared")
    assert driver.current_url.startswith("http://")
    fingerprint = driver.execute_script("return document.getElementById('ca-fingerprint').textContent")
    info = requests.get(f"http://127.0.0.1:{port}/ca/info", timeout=TIMEOUT).json()
    assert fingerprint == info["sha256"]
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SCREENSHOTS, "tls-ca-page.png"))
