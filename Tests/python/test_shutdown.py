"""SIGTERM: in-flight requests finish, the process exits 0."""
import signal
import threading

import requests

from conftest import TIMEOUT, Server


def test_sigterm_exits_zero_after_serving():
    server = Server(apps=("notes", "shop")).start()
    assert requests.get(f"{server.url('shop')}/health", timeout=TIMEOUT).json()["app"] == "shop"
    server.proc.send_signal(signal.SIGTERM)
    assert server.proc.wait(timeout=60) == 0


def test_two_apps_answer_on_their_own_ports_and_hosts():
    server = Server(apps=("notes", "shop")).start()
    try:
        assert requests.get(f"{server.url('notes')}/health", timeout=TIMEOUT).json()["app"] == "notes"
        assert requests.get(f"{server.url('shop')}/health", timeout=TIMEOUT).json()["app"] == "shop"
        master = f"http://127.0.0.1:{server.master_port}/health"
        assert requests.get(master, timeout=TIMEOUT).json()["app"] == "master"
        assert requests.get(master, headers={"Host": "api.shop.appbase.local"}, timeout=TIMEOUT).json()["app"] == "shop"
        assert requests.get(master, headers={"Host": "api.notes.appbase.local:8080"}, timeout=TIMEOUT).json()["app"] == "notes"
        r = requests.get(master, headers={"Host": "api.nope.appbase.local"}, timeout=TIMEOUT)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
    finally:
        server.stop()
