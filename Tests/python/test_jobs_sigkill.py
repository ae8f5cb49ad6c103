"""A job running when the server is SIGKILLed runs again after the restart (at-least-once).

Uses the test-only job kind `test.interrupt`, switched on per app by
`[apps.<name>.jobs] test_interrupt_job = true` (off by default): it appends `start <attempt>`
to `data/<app>/test-interrupt.log`, fsyncs, then waits ten minutes.
"""
import os
import time

import requests

from conftest import TIMEOUT, Server


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def wait_for(condition, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def interrupt_job(server, admin):
    r = requests.get(f"{server.url()}/admin/jobs?kind=test.interrupt", headers={"X-API-Key": admin}, timeout=TIMEOUT)
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert len(items) == 1, items
    return items[0]


def test_job_interrupted_by_sigkill_runs_again_after_restart():
    server = Server(extra="[metrics]\nsample_interval_s = 1",
                    app_extra="[apps.{app}.jobs]\ntest_interrupt_job = true").start()
    log = os.path.join(server.data, "notes", "test-interrupt.log")
    try:
        wait_for(lambda: read_lines(log) == ["start 1"], "the first try")
        admin = server.create_key(admin=True)
        job = interrupt_job(server, admin)
        assert job["state"] == "running" and job["attempts"] == 1, job

        server.kill()  # SIGKILL while the job runs: nothing records its end
        assert read_lines(log) == ["start 1"]
        server.start()

        wait_for(lambda: read_lines(log) == ["start 1", "start 2"], "the second try after the restart")
        job = interrupt_job(server, admin)
        assert job["state"] == "running" and job["attempts"] == 2, job
        assert job["lastError"].startswith("interrupted"), job

        # The sampler counts the queue's jobs by kind and state for /metrics.
        series = 'appbase_jobs{app="notes",kind="test.interrupt",state="running"} 1'
        wait_for(lambda: series in requests.get(f"http://127.0.0.1:{server.master_port}/metrics", timeout=TIMEOUT).text,
                 "the job gauge in /metrics")
    finally:
        server.kill()


def test_test_job_is_off_by_default(server):
    admin = server.create_key(admin=True)
    r = requests.get(f"{server.url()}/admin/jobs?kind=test.interrupt", headers={"X-API-Key": admin}, timeout=TIMEOUT)
    assert r.status_code == 200 and r.json()["items"] == [], r.text
    assert not os.path.exists(os.path.join(server.data, "notes", "test-interrupt.log"))
