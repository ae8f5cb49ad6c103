"""The control-plane page in headless Chromium (Debian `chromium` + `chromium-driver`, selenium):
key prompt, create through the form (the app appears through the live event stream), stop,
start, delete, the port map, a wrong key, no console errors, and desktop and mobile screenshots
saved under Tests/browser/screenshots/ (gitignored).

Runs the binary in APPBASE_BIN (default .build/debug/appbase) on loopback ephemeral ports with
a temporary config and data dir, through the same harness as Tests/python."""
import json
import os
import sys

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from browser_support import make_driver, record_texts, screenshot, severe, text_of, wait  # noqa: E402  (shared with the dashboard's tests)
from conftest import TIMEOUT, Server, free_port  # noqa: E402  (the shared harness)

from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402


@pytest.fixture
def server():
    first = free_port()
    first = min(first, 65535 - 40)
    s = Server(apps=("notes",), extra=f"\n[ports]\nfirst = {first}\nlast = {first + 40}").start()
    yield s
    s.kill()


@pytest.fixture
def driver():
    d = make_driver()
    yield d
    d.quit()


def row(app):
    return (By.CSS_SELECTOR, f'#apps tr[data-app="{app}"]')


def state_of(driver, app):
    return text_of(driver, f'#apps tr[data-app="{app}"] [data-field="state"]')


def wait_state(driver, app, state):
    wait(driver, lambda d: state_of(d, app) == state, f"{app} never showed {state} (last: {state_of(driver, app)})")


def enter_key(driver, key):
    field = wait(driver, EC.visibility_of_element_located((By.ID, "master-key")), "no key prompt")
    field.clear()
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


def test_control_page(server, driver):
    key = server.cli("keys", "create", "--master", "--name", "ui")
    base = f"http://127.0.0.1:{server.master_port}"
    api = {"X-Master-Key": key}

    driver.get(base + "/")
    assert driver.title == "AppBase control plane"
    enter_key(driver, key)
    wait(driver, EC.visibility_of_element_located((By.ID, "console")), "the console never opened")
    wait(driver, EC.text_to_be_present_in_element((By.ID, "stream-status"), "live"), "the event stream never went live")
    wait_state(driver, "notes", "running")
    notes_port = str(server.ports["notes"])
    assert text_of(driver, '#apps tr[data-app="notes"] td:nth-child(3)') == notes_port

    # Every announcement the page makes (aria-live) is recorded from here on: lifecycle
    # announcements come only from the event stream, so they prove the live path.
    record_texts(driver, "announcer", "__announced")

    # Create through the form; the admin key is shown once.
    driver.find_element(By.ID, "app-name").send_keys("webtest")
    driver.find_element(By.ID, "create-button").click()
    wait(driver, EC.visibility_of_element_located((By.ID, "created")), "no one-time admin key panel")
    admin_key = driver.find_element(By.ID, "created-key").get_attribute("value")
    assert admin_key
    # Beside it, the new app's one-time dashboard setup link, on the dashboard's host name.
    setup = driver.find_element(By.ID, "created-setup-link").get_attribute("href")
    assert setup.startswith(f"http://dashboard.webtest.appbase.local:{server.master_port}/dashboard/setup#token="), setup
    assert "once" in driver.find_element(By.CSS_SELECTOR, "#created .warning").text
    wait_state(driver, "webtest", "running")
    wait(driver, lambda d: "webtest is running." in d.execute_script("return window.__announced"),
         "the running state did not arrive through the event stream")
    info = requests.get(f"{base}/api/apps/webtest", headers=api, timeout=TIMEOUT).json()
    app_port = str(info["port"])
    # The admin key the page showed works on the new app.
    assert requests.get(f"http://127.0.0.1:{app_port}/admin/collections", headers={"X-API-Key": admin_key},
                        timeout=TIMEOUT).status_code == 200

    # The port map lists both apps' ports.
    wait(driver, EC.presence_of_element_located((By.CSS_SELECTOR, f'#ports tr[data-port="{app_port}"]')),
         "the new app's port is not in the port map")
    port_row = text_of(driver, f'#ports tr[data-port="{app_port}"]')
    assert "webtest" in port_row and "assigned" in port_row
    assert driver.find_elements(By.CSS_SELECTOR, f'#ports tr[data-port="{notes_port}"]')

    # Host-name links for the new app.
    links = driver.execute_script(
        "return [...document.querySelectorAll('#apps tr[data-app=\"webtest\"] .hosts a')].map((a) => a.href)")
    assert any("api.webtest.appbase.local" in link for link in links), links
    screenshot(driver, "control-desktop-created.png")
    driver.find_element(By.ID, "dismiss-key").click()
    wait(driver, EC.invisibility_of_element_located((By.ID, "created")), "the admin key panel stayed open")
    assert driver.find_element(By.ID, "created-key").get_attribute("value") == "", "the key must not linger in the page"
    assert not driver.find_element(By.ID, "created-setup").is_displayed()
    screenshot(driver, "control-desktop.png")

    # Stop and start.
    toggle = (By.CSS_SELECTOR, '#apps tr[data-app="webtest"] button[data-action="toggle"]')
    wait(driver, EC.text_to_be_present_in_element(toggle, "Stop"), "no Stop button")
    driver.find_element(*toggle).click()
    wait_state(driver, "webtest", "stopped")
    wait(driver, EC.text_to_be_present_in_element(toggle, "Start"), "no Start button after stopping")
    wait(driver, EC.element_to_be_clickable(toggle), "Start stayed disabled")
    driver.find_element(*toggle).click()
    wait_state(driver, "webtest", "running")

    # The phone layout, with both apps on screen.
    driver.set_window_size(390, 844)
    wait(driver, lambda d: d.execute_script("return window.innerWidth") <= 420, "the window did not shrink")
    header_cells = driver.find_elements(By.CSS_SELECTOR, "#apps thead th")
    assert all(not cell.is_displayed() or cell.size["width"] <= 1 for cell in header_cells), "the table header shows on a phone"
    overflow = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page scrolls sideways on a phone by {overflow}px"
    screenshot(driver, "control-mobile-top.png")
    driver.execute_script("document.getElementById('apps-title').scrollIntoView()")
    screenshot(driver, "control-mobile-apps.png")
    driver.set_window_size(1280, 800)

    # Delete, confirmed in the dialog; cancel first leaves the app alone.
    delete = (By.CSS_SELECTOR, '#apps tr[data-app="webtest"] button[data-action="delete"]')
    wait(driver, EC.element_to_be_clickable(delete), "no Delete button")
    driver.find_element(*delete).click()
    wait(driver, EC.visibility_of_element_located((By.ID, "confirm-delete")), "no confirmation dialog")
    screenshot(driver, "control-confirm-delete.png")
    driver.find_element(By.CSS_SELECTOR, '#confirm-delete button[value="cancel"]').click()
    wait(driver, EC.invisibility_of_element_located((By.ID, "confirm-delete")), "the dialog stayed open")
    assert state_of(driver, "webtest") == "running"
    driver.find_element(*delete).click()
    wait(driver, EC.visibility_of_element_located((By.ID, "confirm-button")), "no confirmation dialog")
    driver.find_element(By.ID, "confirm-button").click()
    wait(driver, EC.invisibility_of_element_located(row("webtest")), "the deleted app is still listed")
    assert requests.get(f"{base}/api/apps/webtest", headers=api, timeout=TIMEOUT).status_code == 404
    wait(driver, lambda d: "grace" in (text_of(d, f'#ports tr[data-port="{app_port}"]') or ""),
         "the deleted app's port is not shown in its grace period")

    problems = severe(driver.get_log("browser"))
    assert not problems, f"console errors: {problems}"

    # A wrong key: back to the prompt, with a message. The 401 itself is the only console entry.
    driver.find_element(By.ID, "sign-out").click()
    enter_key(driver, "not-a-master-key")
    message = wait(driver, EC.visibility_of_element_located((By.ID, "login-message")), "no message for a wrong key")
    assert "not accepted" in message.text
    assert not driver.find_element(By.ID, "console").is_displayed()
    assert driver.execute_script("return sessionStorage.getItem('appbase.masterKey')") is None
    screenshot(driver, "control-wrong-key.png")
    problems = [e for e in severe(driver.get_log("browser")) if "401" not in e.get("message", "")]
    assert not problems, f"console errors: {problems}"


def test_revoked_key_mid_session_returns_to_prompt(server, driver):
    key = server.cli("keys", "create", "--master", "--name", "ui")
    base = f"http://127.0.0.1:{server.master_port}"
    driver.get(base + "/")
    enter_key(driver, key)
    wait(driver, EC.text_to_be_present_in_element((By.ID, "stream-status"), "live"), "the event stream never went live")
    listing = json.loads(server.cli("keys", "list", "--master", "--json"))
    key_id = next(record["id"] for record in listing if record["name"] == "ui")
    server.cli("keys", "revoke", "--master", "--id", key_id)
    # The next poll (every 5 s) or create answers 401: the page must go back to the prompt.
    driver.find_element(By.ID, "app-name").send_keys("afterrevoke")
    driver.find_element(By.ID, "create-button").click()
    try:
        wait(driver, EC.visibility_of_element_located((By.ID, "login")), "still in the console with a revoked key")
    except TimeoutException:
        pytest.fail(server.read_log())
    assert "not accepted" in driver.find_element(By.ID, "login-message").text
