"""A login storm runs on the bounded hashing pool: /health stays fast and overflow gets 503 + Retry-After."""
import threading
import time

import requests

from conftest import Server, register

# Throttles relaxed so every login reaches the hashing pool; a small queue so overflow shows.
STORM_CONFIG = "[auth]\nhash_threads = 1\nhash_queue = 8"
STORM_APP = ("[apps.{app}.auth]\nlogin_per_ip_and_email = { limit = 1000000, window = 1 }\n"
             "login_per_ip = { limit = 1000000, window = 1 }")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def health_latencies(url, count):
    s = requests.Session()
    out = []
    for _ in range(count):
        start = time.perf_counter()
        assert s.get(url, timeout=5).status_code == 200
        out.append((time.perf_counter() - start) * 1000)
    return out


def test_health_p99_stays_flat_during_login_storm():
    server = Server(extra=STORM_CONFIG, app_extra=STORM_APP).start()
    try:
        run_storm(server)
    finally:
        server.kill()


def run_storm(server):
    key = server.create_key()
    register(server.url(), key, "storm@example.org")
    health = f"{server.url()}/health"
    baseline = health_latencies(health, 300)

    stop = threading.Event()
    statuses = []
    lock = threading.Lock()

    def storm():
        s = requests.Session()
        for _ in range(200):
            if stop.is_set():
                return
            r = s.post(f"{server.url()}/auth/login", json={"email": "storm@example.org", "password": "wrong password!"},
                       headers={"X-API-Key": key}, timeout=30)
            with lock:
                statuses.append((r.status_code, r.headers.get("Retry-After")))
            if r.status_code == 503:
                time.sleep(0.05)  # a polite client honours Retry-After (shortened here)

    threads = [threading.Thread(target=storm) for _ in range(24)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    during = health_latencies(health, 300)
    stop.set()
    for t in threads:
        t.join(timeout=60)

    base_p99, storm_p99 = percentile(baseline, 0.99), percentile(during, 0.99)
    print(f"/health p99 baseline {base_p99:.2f} ms, during storm {storm_p99:.2f} ms, logins {len(statuses)}")
    assert storm_p99 < max(25.0, 5 * base_p99)
    codes = {code for code, _ in statuses}
    assert codes <= {401, 503}
    assert 503 in codes and 401 in codes  # the pool both served and shed load
    assert all(retry is not None for code, retry in statuses if code in (429, 503))
