"""What the browser tests share: headless Debian Chromium through selenium, bounded waits, one-step
text reads and screenshots under Tests/browser/screenshots/ (gitignored)."""
import os
import shutil
import subprocess
import tempfile

import pytest

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCREENSHOTS = os.path.join(HERE, "screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CERTUTIL = shutil.which("certutil")
# Bounds a wait that would otherwise hang; generous for a loaded 2-core machine.
WAIT = 30
# The mDNS names the server answers to, resolved to loopback by Chromium itself (the sandbox has no
# nss-mdns), so pages are opened by the names a LAN user types.
LOCAL_NAMES = "--host-resolver-rules=MAP *.appbase.local 127.0.0.1, MAP appbase.local 127.0.0.1"


def make_driver(downloads=None, arguments=(), home=None):
    """A 1280×800 headless Chromium with the browser console recorded; skips the test where Chromium
    or its driver is missing. `downloads`: a directory that receives downloads without a prompt.
    `arguments`: more Chromium switches. `home`: the $HOME Chromium runs with (it reads its NSS trust
    store from $HOME/.pki/nssdb)."""
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("chromium and chromium-driver are not installed")
    options = webdriver.ChromeOptions()
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    options.add_argument("--disable-gpu")
    options.add_argument("--window-size=1280,800")
    for argument in arguments:
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if downloads:
        options.add_experimental_option("prefs", {"download.default_directory": downloads,
                                                  "download.prompt_for_download": False})
    service = Service(CHROMEDRIVER, env=dict(os.environ, HOME=home)) if home else Service(CHROMEDRIVER)
    d = webdriver.Chrome(service=service, options=options)
    d.set_window_size(1280, 800)
    if downloads:
        d.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
    return d


def wait(driver, condition, message):
    return WebDriverWait(driver, WAIT).until(condition, message)


def text_of(driver, css):
    """The text of the first element matching `css`, or None, read in one step: the pages re-render
    as events arrive, so a found element may be replaced a moment later."""
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.textContent : null;", css)


def record_texts(driver, element_id, name):
    """From now on, every text the element shows is appended to `window[name]` in the page (read it
    with `driver.execute_script(f"return window.{name}")`): proves what a page showed in passing."""
    driver.execute_script("""
        window[arguments[1]] = [];
        new MutationObserver(() => window[arguments[1]].push(document.getElementById(arguments[0]).textContent))
            .observe(document.getElementById(arguments[0]), {childList: true, characterData: true, subtree: true});
    """, element_id, name)


def screenshot(driver, name):
    os.makedirs(SCREENSHOTS, exist_ok=True)
    driver.save_screenshot(os.path.join(SCREENSHOTS, name))


def severe(entries):
    """The SEVERE entries of a browser console log (`driver.get_log("browser")`)."""
    return [e for e in entries if e.get("level") == "SEVERE"]


def trusting_home(pem):
    """A new directory to run Chromium with as $HOME: its NSS database ($HOME/.pki/nssdb, where
    Chromium on Linux reads its trust store) trusts the CA in `pem` (PEM text) for TLS servers.
    Skips the test where certutil (libnss3-tools) is missing. The caller removes the directory."""
    if not CERTUTIL:
        pytest.skip("certutil (libnss3-tools) is not installed")
    directory = tempfile.mkdtemp(prefix="appbase-nss-")
    nss = os.path.join(directory, ".pki", "nssdb")
    os.makedirs(nss)
    subprocess.run([CERTUTIL, "-d", f"sql:{nss}", "-N", "--empty-password"], check=True, timeout=60)
    ca = os.path.join(directory, "appbase-ca.pem")
    with open(ca, "w") as f:
        f.write(pem + "\n")
    subprocess.run([CERTUTIL, "-d", f"sql:{nss}", "-A", "-t", "C,,", "-n", "AppBase test CA", "-i", ca],
                   check=True, timeout=60)
    return directory


@pytest.fixture
def driver():
    """A fresh `make_driver()` for one test, quit afterwards (import it into a test module to use it)."""
    d = make_driver()
    yield d
    d.quit()
