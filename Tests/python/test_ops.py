"""`appbase doctor` and `appbase install` as the release binary runs them: a good setup passes; a
read-only data directory, a taken port and an unreachable avahi-daemon each fail with their
message and exit 1; `install --root` lays out a scratch system and is idempotent; the unit
passes `systemd-analyze verify`."""
import json
import os
import shutil
import socket
import stat
import subprocess
import tempfile

import pytest

from conftest import BINARY, ROOT, free_port


def write_config(directory, port, mdns=False, tls=False):
    path = os.path.join(directory, "appbase.toml")
    with open(path, "w") as f:
        f.write(f'[server]\nhost = "127.0.0.1"\nport = {port}\n[mdns]\nenabled = {str(mdns).lower()}\n'
                f"[tls]\nenabled = {str(tls).lower()}\n")
    return path


@pytest.fixture
def setup():
    directory = tempfile.mkdtemp(prefix="appbase-doctor-py-")
    data = os.path.join(directory, "data")
    os.mkdir(data, 0o700)
    yield directory, data
    shutil.rmtree(directory, ignore_errors=True)


def doctor(config, data, *extra, env=None, prefix=()):
    out = subprocess.run([*prefix, BINARY, "doctor", "--config", config, "--data-dir", data, "--json", *extra],
                         capture_output=True, text=True, timeout=120, env=env)
    report = json.loads(out.stdout)
    return out.returncode, report, {c["check"]: c for c in report["checks"]}


def test_a_good_setup_passes(setup):
    directory, data = setup
    config = write_config(directory, free_port(), tls=True)
    rc, report, checks = doctor(config, data, "--min-free-mb", "0")
    assert rc == 0 and report["ok"], report
    for check in ("config", "data_dir", "durability", "ports", "tls", "disk_space", "permissions"):
        assert checks[check]["status"] == "ok", checks[check]
    assert checks["mdns"]["status"] == "skipped"
    # The plain-words output ends with the verdict.
    text = subprocess.run([BINARY, "doctor", "--config", config, "--data-dir", data, "--min-free-mb", "0"],
                          capture_output=True, text=True, timeout=120)
    assert text.returncode == 0 and text.stdout.strip().endswith("All checks hold.")


def test_a_read_only_data_directory_fails(setup):
    directory, data = setup
    config = write_config(directory, free_port())
    if os.geteuid() == 0:
        # root writes through permission bits: make the file system itself read-only, in a
        # private mount namespace so nothing outside the test sees it.
        if shutil.which("unshare") is None:
            pytest.skip("needs unshare for a read-only bind mount as root")
        script = f'mount --bind "{data}" "{data}" && mount -o remount,bind,ro "{data}" && exec "$@"'
        prefix = ("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh")
        expected = "read-only file system"
    else:
        os.chmod(data, 0o500)
        prefix = ()
        expected = "may not create a file"
    rc, report, checks = doctor(config, data, prefix=prefix)
    assert rc == 1 and not report["ok"]
    assert checks["durability"]["status"] == "failed", checks["durability"]
    assert expected in checks["durability"]["message"]
    assert checks["durability"]["fix"]


def test_a_taken_port_fails(setup):
    directory, data = setup
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        config = write_config(directory, port)
        rc, report, checks = doctor(config, data)
    assert rc == 1
    assert checks["ports"]["status"] == "failed"
    assert checks["ports"]["message"] == f"port {port} ([server] port) is in use by another process"


def test_no_avahi_fails_and_disabling_mdns_skips_it(setup):
    directory, data = setup
    config = write_config(directory, free_port(), mdns=True)
    # libavahi-client reaches the daemon over the system D-Bus: point it at a socket that is not there.
    env = dict(os.environ, DBUS_SYSTEM_BUS_ADDRESS=f"unix:path={directory}/no-such-bus")
    rc, report, checks = doctor(config, data, env=env)
    assert rc == 1
    assert checks["mdns"]["status"] == "failed"
    assert "cannot reach avahi-daemon" in checks["mdns"]["message"]
    assert "[mdns] enabled = false" in checks["mdns"]["fix"]
    config = write_config(directory, free_port(), mdns=False)
    rc, report, checks = doctor(config, data, env=env)
    assert checks["mdns"]["status"] == "skipped" and "[mdns] enabled = false" in checks["mdns"]["message"]


def test_an_invalid_configuration_fails_with_the_key(setup):
    directory, data = setup
    config = os.path.join(directory, "appbase.toml")
    with open(config, "w") as f:
        f.write("[server]\nport = 70000\n")
    rc, report, checks = doctor(config, data)
    assert rc == 1
    assert "server.port" in checks["config"]["message"] and "65535" in checks["config"]["message"]


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("useradd") is None, reason="useradd --root needs root")
def test_install_into_a_scratch_root_is_complete_and_idempotent():
    root = tempfile.mkdtemp(prefix="appbase-install-py-")
    try:
        os.makedirs(os.path.join(root, "etc"))
        for name in ("passwd", "group", "shadow", "gshadow", "login.defs"):
            if os.path.exists(f"/etc/{name}"):
                shutil.copy2(f"/etc/{name}", os.path.join(root, "etc", name))
        plan = subprocess.run([BINARY, "install", "--root", root, "--dry-run"], capture_output=True, text=True, timeout=120)
        assert plan.returncode == 0, plan.stderr
        assert "create the system user appbase" in plan.stdout and not os.path.exists(os.path.join(root, "usr"))

        first = subprocess.run([BINARY, "install", "--root", root], capture_output=True, text=True, timeout=300)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "AppBase is installed." in first.stdout
        assert "runuser -u appbase -- /usr/local/bin/appbase keys create --master" in first.stdout
        with open(os.path.join(root, "etc", "passwd")) as f:
            entry = next(line for line in f if line.startswith("appbase:")).split(":")
        assert entry[6].strip() == "/usr/sbin/nologin" and entry[5] == "/var/lib/appbase"
        state = os.stat(os.path.join(root, "var/lib/appbase"))
        assert stat.S_IMODE(state.st_mode) == 0o700 and state.st_uid == int(entry[2])
        binary = os.path.join(root, "usr/local/bin/appbase")
        assert stat.S_IMODE(os.stat(binary).st_mode) == 0o755
        assert subprocess.run([binary, "version"], capture_output=True, text=True).stdout.startswith("appbase ")
        with open(os.path.join(root, "etc/appbase/appbase.toml")) as f, \
                open(os.path.join(ROOT, "Configuration/appbase.production.toml")) as shipped:
            assert f.read() == shipped.read()
        with open(os.path.join(root, "etc/systemd/system/appbase.service")) as f:
            assert "ExecStart=/usr/local/bin/appbase serve --config /etc/appbase/appbase.toml --data-dir /var/lib/appbase" in f.read()

        # An edited configuration survives a second run, which changes nothing.
        with open(os.path.join(root, "etc/appbase/appbase.toml"), "a") as f:
            f.write("# edited\n")
        second = subprocess.run([BINARY, "install", "--root", root], capture_output=True, text=True, timeout=300)
        assert second.returncode == 0 and "nothing changed" in second.stdout, second.stdout
        with open(os.path.join(root, "etc/appbase/appbase.toml")) as f:
            assert f.read().endswith("# edited\n")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_install_refuses_bad_paths():
    out = subprocess.run([BINARY, "install", "--prefix", "opt/appbase", "--dry-run"], capture_output=True, text=True)
    assert out.returncode != 0 and "--prefix must be an absolute path" in out.stderr


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze here")
def test_the_unit_passes_systemd_analyze_verify():
    directory = tempfile.mkdtemp(prefix="appbase-unit-")
    try:
        with open(os.path.join(ROOT, "Configuration/appbase.service")) as f:
            unit = f.read()
        # verify checks that ExecStart's binary exists: use the one under test.
        with open(os.path.join(directory, "appbase.service"), "w") as f:
            f.write(unit.replace("/usr/local/bin/appbase", os.path.abspath(BINARY)))
        out = subprocess.run(["systemd-analyze", "verify", os.path.join(directory, "appbase.service")],
                             capture_output=True, text=True, timeout=120)
        complaints = [line for line in (out.stdout + out.stderr).splitlines() if "appbase.service" in line]
        assert not complaints, complaints
    finally:
        shutil.rmtree(directory, ignore_errors=True)
