"""The password-manager demo (Examples/password-manager, served at /app/ through `site_dir`) in
headless Chromium: two browsers signed in as the same user; one adds an entry with an attachment
(uploaded with a progress bar), the other sees it live; after a reload and unlock it is still
there; search; idle lock; the raw record and stored file, fetched with an admin key, hold no
plaintext; an insecure origin is refused. Screenshots under Tests/browser/screenshots/.

Runs the binary in APPBASE_BIN (default .build/debug/appbase) through the Tests/python harness."""
import os
import sys
import tempfile

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from conftest import TIMEOUT, Server  # noqa: E402  (the shared harness)

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from browser_support import CHROMEDRIVER, CHROMIUM, screenshot, severe  # noqa: E402  (the shared browser helpers)

EXAMPLE = os.path.abspath(os.path.join(HERE, "..", "..", "Examples", "password-manager"))
# Two PBKDF2 derivations of 600,000 iterations on a loaded 2-core machine, plus a start-up.
WAIT = 90
EMAIL = "ada@example.org"
MASTER = "correct horse battery staple"
SECRETS = ["mail.example.org", "ada-login", "Pa55-w0rd-XYZZY", "recovery codes in the drawer", "ATTACHMENT-PLAINTEXT-MARKER"]


@pytest.fixture
def server():
    extra = f'site_dir = "{EXAMPLE}"\n[apps.{{app}}.auth]\nargon2_memory_kib = 1024\nargon2_iterations = 1'
    s = Server(apps=("vault",), app_extra=extra).start()
    yield s
    s.kill()


def make_driver(*extra_arguments):
    """Headless Chromium; `vault.test` maps to loopback, an origin that is not a secure context."""
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,900",
                     "--host-resolver-rules=MAP vault.test 127.0.0.1, MAP *.appbase.local 127.0.0.1", *extra_arguments):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=webdriver.chrome.service.Service(CHROMEDRIVER), options=options)


@pytest.fixture
def drivers():
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("chromium and chromium-driver are not installed")
    made = []
    try:
        made.append(make_driver())
        made.append(make_driver())
        yield made
    finally:
        for d in made:
            d.quit()


def wait(driver, condition, message):
    return WebDriverWait(driver, WAIT).until(condition, message)


def visible(driver, element_id, message):
    return wait(driver, EC.visibility_of_element_located((By.ID, element_id)), message)


def text_of(driver, css):
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)


def message(driver):
    return text_of(driver, "#message") or ""


def fill(driver, element_id, value):
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(value)


def sign(driver, button):
    visible(driver, "auth", "no sign-in form")
    fill(driver, "email", EMAIL)
    fill(driver, "master", MASTER)
    driver.find_element(By.ID, button).click()
    visible(driver, "vault", f"the vault never opened: {message(driver)}")
    wait(driver, lambda d: text_of(d, "#live") == "live", "live updates never started")


def entry_sites(driver):
    return driver.execute_script("return [...document.querySelectorAll('#entries .entry-site')].map((e) => e.textContent)")


def test_password_manager_two_browsers(server, drivers):
    key = server.create_key("vault", name="web")
    admin = {"X-API-Key": server.create_key("vault", admin=True, name="admin")}
    port = server.ports["vault"]
    url = f"http://localhost:{port}/app/#key={key}"
    first, second = drivers

    first.get(url)
    assert first.title.startswith("Vault")
    sign(first, "sign-up")
    assert "#key" not in first.current_url, "the key stayed in the address bar"
    second.get(url)
    sign(second, "sign-in")
    screenshot(second, "pm-empty-vault.png")

    # The first browser adds an entry with an attachment, uploaded with a progress bar.
    fill(first, "site", SECRETS[0])
    fill(first, "username", SECRETS[1])
    fill(first, "password", SECRETS[2])
    fill(first, "notes", SECRETS[3])
    attachment = os.path.join(tempfile.mkdtemp(prefix="pm-"), "recovery.txt")
    with open(attachment, "w") as f:
        f.write((SECRETS[4] + "\n") * 20000)  # ~560 KB: progress events along the way
    first.find_element(By.ID, "attachment").send_keys(attachment)
    first.execute_script("""
        window.__progress = [];
        const bar = document.getElementById('upload-progress');
        const set = Object.getOwnPropertyDescriptor(HTMLProgressElement.prototype, 'value').set;
        Object.defineProperty(bar, 'value', {set(v) { window.__progress.push(v); set.call(this, v); }, get() { return this.getAttribute('value'); }});
    """)
    first.find_element(By.ID, "add").click()
    wait(first, lambda d: SECRETS[0] in entry_sites(d), f"the entry never showed in the first browser: {message(first)}")
    progress = [float(v) for v in first.execute_script("return window.__progress")]
    assert progress and progress[-1] == 1.0, progress
    screenshot(first, "pm-first-added.png")

    # The second browser sees it live, without a reload, and can open the attachment.
    wait(second, lambda d: SECRETS[0] in entry_sites(d), "the entry never arrived live in the second browser")
    second.find_element(By.CSS_SELECTOR, '#entries button[data-action="attachment"]').click()
    wait(second, lambda d: "Decrypted recovery.txt" in message(d), f"the attachment did not decrypt: {message(second)}")
    screenshot(second, "pm-second-live.png")

    # Search over the decrypted entries.
    fill(first, "site", "other.example.net")
    first.find_element(By.ID, "add").click()
    wait(second, lambda d: len(entry_sites(d)) == 2, "the second entry never arrived")
    fill(second, "search", "ada-log")
    wait(second, lambda d: entry_sites(d) == [SECRETS[0]], f"search shows {entry_sites(second)}")
    screenshot(second, "pm-search.png")

    # After a reload the session is kept, the vault is locked, and unlocking shows the data.
    second.get(f"http://localhost:{port}/app/?idle=5")
    visible(second, "unlock", "a reload did not ask to unlock")
    fill(second, "unlock-master", MASTER)
    second.find_element(By.CSS_SELECTOR, "#unlock-form button").click()
    visible(second, "vault", f"unlock failed: {message(second)}")
    wait(second, lambda d: sorted(entry_sites(d)) == sorted([SECRETS[0], "other.example.net"]), "the data is gone after a reload")
    # Idle for 5 s (the ?idle= above): the vault locks and forgets what it decrypted.
    visible(second, "unlock", "the vault did not lock after idle time")
    assert entry_sites(second) == []
    screenshot(second, "pm-locked.png")

    # What the server stores is ciphertext only, for records and files alike.
    records = requests.get(f"{server.url('vault')}/db/collections/vault", headers=admin, timeout=TIMEOUT)
    assert records.status_code == 200 and len(records.json()["items"]) == 2
    meta = requests.get(f"{server.url('vault')}/db/collections/vault_meta", headers=admin, timeout=TIMEOUT).text
    files = requests.get(f"{server.url('vault')}/storage/buckets/attachments", headers=admin, timeout=TIMEOUT).json()["items"]
    assert len(files) == 1 and files[0]["name"] == "attachment.bin"
    stored = requests.get(f"{server.url('vault')}/storage/buckets/attachments/{files[0]['id']}", headers=admin, timeout=TIMEOUT).content
    assert len(stored) > 500_000
    for secret in SECRETS:
        for raw in (records.text, meta, stored.decode("latin-1"), files[0]["name"]):
            assert secret not in raw, f"{secret!r} is stored in plaintext"
    assert MASTER not in records.text + meta

    problems = [e for d in drivers for e in severe(d.get_log("browser"))]
    assert not problems, f"console errors: {problems}"

    # Not a secure context (a plain-HTTP host name): the page refuses and stores nothing.
    second.get(f"http://vault.test:{port}/app/#key={key}")
    visible(second, "insecure", "an insecure origin was not refused")
    for section in ("auth", "connect", "vault", "account"):
        assert not second.find_element(By.ID, section).is_displayed(), f"#{section} shows on an insecure origin"
    screenshot(second, "pm-insecure-refused.png")
    after = requests.get(f"{server.url('vault')}/db/collections/vault", headers=admin, timeout=TIMEOUT).json()["items"]
    assert len(after) == 2


def test_password_manager_as_hosted_site(server):
    """The same folder published as the app's static site (`PUT /api/apps/:name/site`) and opened
    at `http://vault.appbase.local:<master port>/`: the page finds its API at
    `api.vault.appbase.local` and imports the SDK from there (the site's CSP allows exactly that).
    Until the HTTPS issue lands that origin is plain HTTP, so Chromium is told to treat it as
    secure; without that flag the page refuses (see the test above)."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("chromium and chromium-driver are not installed")
    import io
    import tarfile
    master = {"X-Master-Key": server.cli("keys", "create", "--master", "--name", "site")}
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        for name in sorted(os.listdir(EXAMPLE)):
            if name.endswith((".html", ".js", ".css", ".svg")):
                tar.add(os.path.join(EXAMPLE, name), arcname=name)
    base = f"http://127.0.0.1:{server.master_port}"
    published = requests.put(f"{base}/api/apps/vault/site", data=archive.getvalue(),
                             headers={**master, "Content-Type": "application/x-tar"}, timeout=TIMEOUT)
    assert published.status_code == 200, published.text
    key = server.create_key("vault", name="site")
    site = f"http://vault.appbase.local:{server.master_port}"
    driver = make_driver(f"--unsafely-treat-insecure-origin-as-secure={site}")
    try:
        driver.get(f"{site}/#key={key}")
        sign(driver, "sign-up")
        fill(driver, "site", "hosted.example.org")
        driver.find_element(By.ID, "add").click()
        wait(driver, lambda d: entry_sites(d) == ["hosted.example.org"], f"no entry: {message(driver)}")
        screenshot(driver, "pm-hosted-site.png")
        problems = severe(driver.get_log("browser"))
        assert not problems, f"console errors: {problems}"
    finally:
        driver.quit()
    admin = {"X-API-Key": server.create_key("vault", admin=True, name="admin")}
    stored = requests.get(f"{server.url('vault')}/db/collections/vault", headers=admin, timeout=TIMEOUT)
    assert len(stored.json()["items"]) == 1 and "hosted.example.org" not in stored.text
