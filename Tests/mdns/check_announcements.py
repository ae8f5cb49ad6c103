"""Drives `appbase serve` inside the avahi sandbox namespace and checks what avahi sees.

Every wait polls with a deadline; nothing sleeps as synchronisation. Exit status 0 = all passed.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

WAIT = 30  # seconds any one expectation may take on a loaded 2-core machine; bounds a hang only


def run(namespace, *args, timeout=15):
    """Runs a command inside the namespace; returns (exit code, stdout)."""
    try:
        out = subprocess.run(["ip", "netns", "exec", namespace, *args], capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return 124, ""
    return out.returncode, out.stdout


def browse(namespace):
    """Resolved `_http._tcp` services: {name: (host, address, port, txt)} from `avahi-browse -rpt`."""
    _, out = run(namespace, "avahi-browse", "-rpt", "_http._tcp")
    services = {}
    for line in out.splitlines():
        fields = line.split(";")
        if fields[0] != "=" or len(fields) < 10:
            continue
        name = fields[3].replace("\\032", " ").replace("\\035", "#")
        services[name] = (fields[6], fields[7], int(fields[8]), fields[9])
    return services


def resolve(namespace, name):
    """The address avahi resolves `name` to, or None."""
    code, out = run(namespace, "avahi-resolve", "-4", "-n", name, timeout=10)
    parts = out.split()
    return parts[1] if code == 0 and len(parts) == 2 and parts[0] == name else None


def wait_for(what, check):
    deadline = time.time() + WAIT
    while True:
        value = check()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)  # poll interval between checks, not synchronisation


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--sandbox", required=True)
    parser.add_argument("--namespace", required=True)
    args = parser.parse_args()
    ns = args.namespace

    # Unique names: another run's leftovers (or a parallel test) must not collide with ours.
    tag = f"{os.getpid() % 10000}{random.randint(10, 99)}"
    apps = {f"mdns-a{tag}": 3101, f"mdns-b{tag}": 3102}
    master = 8080
    work = tempfile.mkdtemp(prefix="appbase-mdns-")
    config = os.path.join(work, "appbase.toml")
    with open(config, "w") as f:
        f.write(f'[server]\nhost = "127.0.0.1"\nport = {master}\naccess_log = false\n')
        for app, port in apps.items():
            f.write(f"[apps.{app}]\nport = {port}\n")
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "wb")
    # A collision made on purpose before the server starts: another program owns app a's
    # service name.
    app_a = next(iter(apps))
    squatters = [
        subprocess.Popen(["ip", "netns", "exec", ns, "avahi-publish", "-s", app_a, "_http._tcp", "9999", "squatter=1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
    ]
    wait_for("the squatter", lambda: browse(ns).get(app_a))
    server = subprocess.Popen(["ip", "netns", "exec", ns, args.binary, "serve", "--config", config,
                               "--data-dir", os.path.join(work, "data")], stdout=log, stderr=log)
    passed = []

    def server_log():
        with open(log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def check(name, condition, detail=""):
        if not condition:
            raise AssertionError(f"{name}: {detail}")
        passed.append(name)
        print(f"ok - {name}")

    def announced(app):
        # A renamed service ("<app> #2") counts: its TXT names the app.
        for service in browse(ns).values():
            if service[2] == apps[app] and f'"app={app}"' in service[3]:
                return service
        return None

    try:
        # 1. Announced: each app's service with its TXT, the control plane, and the host names.
        for app, port in apps.items():
            host, address, service_port, txt = wait_for(f"{app} in avahi-browse", lambda: announced(app))
            check(f"{app}: _http._tcp on port {port} at 127.0.0.1", address == "127.0.0.1" and service_port == port,
                  f"{host} {address} {service_port}")
            check(f"{app}: TXT app, api, version",
                  all(part in txt for part in (f'"app={app}"', '"api=/"', '"version=')), txt)
            for name in (f"api.{app}.appbase.local", f"dashboard.{app}.appbase.local", f"{app}.appbase.local"):
                check(f"resolves {name}", wait_for(name, lambda: resolve(ns, name)) == "127.0.0.1")
        check(f"service name collision: {app_a} announced as '{app_a} #2'",
              browse(ns).get(f"{app_a} #2", (0, 0, 0))[2] == apps[app_a] and "is taken" in server_log())
        for squatter in squatters:
            squatter.terminate()
            squatter.wait(timeout=WAIT)
        control = wait_for("the control plane service", lambda: browse(ns).get("AppBase"))
        check("control plane: AppBase on the master port", control[2] == master and '"api=/api"' in control[3], str(control))
        check("resolves appbase.local", resolve(ns, "appbase.local") == "127.0.0.1")

        # 2. avahi-daemon restarts: the server keeps serving and announces everything again.
        with open("/run/avahi-daemon/pid") as f:
            daemon = int(f.read().strip())
        os.kill(daemon, signal.SIGTERM)
        wait_for("avahi-daemon to exit", lambda: not os.path.exists(f"/proc/{daemon}"))
        wait_for("the server to notice", lambda: "lost avahi-daemon" in server_log())
        code, _ = run(ns, "curl", "-s", "-o", "/dev/null", "-f", f"http://127.0.0.1:{master}/health", timeout=10)
        check("serves without a daemon", code == 0 and server.poll() is None, f"curl exit {code}")
        subprocess.run(["bash", args.sandbox, "start"], check=True, capture_output=True, timeout=60)
        for app in apps:
            wait_for(f"{app} re-announced after the daemon restart", lambda: announced(app))
            check(f"{app}: re-announced after avahi-daemon restarted", True)
        check(f"resolves api.{next(iter(apps))}.appbase.local again",
              wait_for("re-resolve", lambda: resolve(ns, f"api.{next(iter(apps))}.appbase.local")) == "127.0.0.1")

        # 3. Withdrawn: a graceful stop takes every name and service off the network.
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=WAIT)
        check("server stopped cleanly", server.returncode == 0, f"exit {server.returncode}")
        for app in apps:
            # Normally withdrawn on the app's own `stopping` event from the bus before the client
            # closes; nothing orders the announcer's handling before its stop, so this is reported,
            # not asserted (the withdrawal itself is asserted below either way).
            how = "its stopping event" if f"withdrew app.{app}.service" in server_log() else "closing the client"
            print(f"note - {app}: withdrawn by {how}")
        wait_for("services withdrawn", lambda: not any(app in browse(ns) for app in apps) or None)
        check("services withdrawn after shutdown", True)
        wait_for("names withdrawn", lambda: all(resolve(ns, f"api.{app}.appbase.local") is None for app in apps) or None)
        check("host names withdrawn after shutdown", True)
    except Exception as error:  # report with the server's log, then fail
        print(f"not ok - {error}\n--- server log (tail) ---\n{server_log()[-4000:]}", file=sys.stderr)
        return 1
    finally:
        for squatter in squatters:
            if squatter.poll() is None:
                squatter.kill()
                squatter.wait(timeout=WAIT)
        if server.poll() is None:
            server.kill()
            server.wait(timeout=WAIT)
        log.close()
    print(f"{len(passed)} mDNS checks passed")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
