"""The API reference at /docs in headless Chromium (Debian `chromium` + `chromium-driver`, selenium):
the page renders every operation of the port's /openapi.json grouped by tag, an operation opens
from the keyboard and shows its parameters, responses and error codes, the filter narrows the
list, no request leaves the server (no CDN), no console errors; screenshots of an app's and the
master's reference saved under Tests/browser/screenshots/ (gitignored)."""
import os
import sys

import pytest
import requests

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from browser_support import driver, screenshot, severe, text_of, wait  # noqa: E402,F401  (driver: the fixture)
from conftest import TIMEOUT, Server  # noqa: E402

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture(scope="module")
def server():
    s = Server(apps=("notes",)).start()
    yield s
    s.kill()


def operation_count(document):
    return sum(1 for item in document["paths"].values() for method in ("get", "head", "post", "put", "patch", "delete")
               if method in item)


def rendered(driver):
    return driver.execute_script("return document.body.dataset.operations || null;")


@pytest.mark.parametrize("port_of", ["app", "master"])
def test_docs_render_every_operation(server, driver, port_of):
    base = server.url() if port_of == "app" else f"http://127.0.0.1:{server.master_port}"
    document = requests.get(f"{base}/openapi.json", timeout=TIMEOUT).json()
    driver.get(f"{base}/docs")
    wait(driver, lambda d: rendered(d) is not None, "the reference never rendered")
    count = operation_count(document)
    assert int(rendered(driver)) == count
    assert len(driver.find_elements(By.CSS_SELECTOR, "details.op[data-search]")) == count
    # One section per tag that has operations, each in the table of contents.
    tags = {op["tags"][0] for item in document["paths"].values() for m, op in item.items() if isinstance(op, dict) and "tags" in op}
    headings = {h.text for h in driver.find_elements(By.CSS_SELECTOR, "#content section.tag > h2")}
    assert tags <= headings, tags - headings
    assert "Error codes" in headings
    # Nothing but this server was asked for anything (no CDN, no outside fonts).
    origins = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin);")
    assert set(origins) <= {base}, origins
    assert not severe(driver.get_log("browser"))
    screenshot(driver, f"docs-{port_of}.png")


def test_an_operation_opens_from_the_keyboard_and_the_filter_narrows(server, driver):
    driver.get(f"{server.url()}/docs")
    wait(driver, lambda d: rendered(d) is not None, "the reference never rendered")
    summary = driver.find_element(By.CSS_SELECTOR, "#op-createRecord > summary")
    driver.execute_script("arguments[0].focus();", summary)
    summary.send_keys(Keys.ENTER)
    wait(driver, lambda d: d.execute_script("return document.getElementById('op-createRecord').open;"),
         "Enter on the summary did not open the operation")
    body = text_of(driver, "#op-createRecord .body")
    assert "Parameters" in body and "collection" in body
    assert "Request body" in body and "Responses" in body
    assert "version_conflict" not in body and "payload_too_large" in body  # its own codes, not every code
    screenshot(driver, "docs-app-operation.png")

    box = driver.find_element(By.ID, "filter")
    box.send_keys("version_conflict")
    wait(driver, lambda d: "match" in (text_of(d, "#filter-count") or ""), "the filter never reported")
    visible = [e.get_attribute("id") for e in driver.find_elements(By.CSS_SELECTOR, "details.op[data-search]") if e.is_displayed()]
    assert "op-patchRecord" in visible and "op-replaceRecord" in visible
    assert "op-getHealth" not in visible
    screenshot(driver, "docs-app-filtered.png")
    # The error code links to its row of the error table.
    link = driver.find_element(By.CSS_SELECTOR, '#op-patchRecord a[href="#error-version-conflict"]')
    assert link is not None
