"""GET /metrics on the master port, read by the reference Prometheus parser (prometheus_client)."""
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from conftest import TIMEOUT, Server


def scrape(server):
    r = requests.get(f"http://127.0.0.1:{server.master_port}/metrics", timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return {family.name: family for family in text_string_to_metric_families(r.text)}


def samples(families, family, name=None, **labels):
    return [s for s in families[family].samples
            if (name is None or s.name == name) and all(s.labels.get(k) == v for k, v in labels.items())]


def test_scrape_parses_and_counts_requests_by_route_pattern():
    server = Server(apps=("notes", "blog"), extra="[metrics]\nallow = [\"127.0.0.1\"]\nsample_interval_s = 1").start()
    try:
        for item in ("a", "b", "c"):
            r = requests.get(f"{server.url('notes')}/db/collections/todos/{item}", timeout=TIMEOUT)
            assert r.status_code in (401, 404), r.text
        requests.get(f"{server.url('blog')}/health", timeout=TIMEOUT)
        # Summaries travel over the bus; scrape until they are counted (bounded).
        families = None
        for _ in range(200):
            families = scrape(server)
            if "appbase_http_requests" in families and samples(
                    families, "appbase_http_requests", "appbase_http_requests_total", app="blog", route="/health"):
                break
            time.sleep(0.05)
        # The prometheus parser names a counter family without its `_total` suffix.
        counted = samples(families, "appbase_http_requests", "appbase_http_requests_total", app="notes")
        assert counted, families.keys()
        routes = {s.labels["route"] for s in counted}
        assert not any("/todos/a" in route for route in routes), routes  # patterns, never raw paths
        assert sum(s.value for s in counted) >= 3
        histogram = families["appbase_http_request_duration_seconds"]
        assert histogram.type == "histogram"
        assert any(s.name.endswith("_bucket") and s.labels.get("le") == "+Inf" for s in histogram.samples)
        states = samples(families, "appbase_app_state", app="notes", state="running")
        assert states and states[0].value == 1
        # Sampled gauges arrive within a couple of sample intervals.
        for _ in range(200):
            families = scrape(server)
            if ("appbase_app_records" in families and "appbase_http_open_connections" in families
                    and samples(families, "appbase_app_records", app="notes")):
                break
            time.sleep(0.05)
        assert samples(families, "appbase_app_records", app="notes")
        assert families["appbase_http_open_connections"].type == "gauge"
    finally:
        server.kill()


def test_scrape_outside_allow_list_needs_a_master_key():
    server = Server(extra="[metrics]\nallow = [\"10.0.0.0/8\"]").start()
    try:
        url = f"http://127.0.0.1:{server.master_port}/metrics"
        r = requests.get(url, timeout=TIMEOUT)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthorized"
        r = requests.get(url, headers={"X-Master-Key": "hs_live_not-a-key"}, timeout=TIMEOUT)
        assert r.status_code == 401
        master = server.cli("keys", "create", "--master", "--name", "scraper")
        r = requests.get(url, headers={"Authorization": f"Bearer {master}"}, timeout=TIMEOUT)
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    finally:
        server.kill()
