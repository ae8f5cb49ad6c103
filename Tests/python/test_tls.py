"""HTTPS on the LAN against the real binary: the local CA, SNI for every kind of name, an app
created live, plain and TLS on one port, and the connection limits over TLS."""
import hashlib
import os
import socket
import ssl
import stat
import subprocess
import time
import warnings

import pytest
import requests

from conftest import BINARY, TIMEOUT, Server, free_port

TLS = '[tls]\nenabled = true\nplain = "redirect"\n'
SHORT = '[limits]\nheader_timeout_ms = 1000\nwrite_stall_timeout_ms = 1500\n'


@pytest.fixture(scope="module")
def tls_server():
    first = min(free_port(), 65535 - 40)
    s = Server(extra=TLS + SHORT + f"[ports]\nfirst = {first}\nlast = {first + 40}\n").start()
    yield s
    s.kill()


def ca_file(server):
    return os.path.join(server.data, "tls", "ca.pem")


def tls_socket(server, name, port=None, alpn=("h2", "http/1.1")):
    context = ssl.create_default_context(cafile=ca_file(server))
    if alpn:
        context.set_alpn_protocols(list(alpn))
    raw = socket.create_connection(("127.0.0.1", port or server.master_port), timeout=TIMEOUT)
    return context.wrap_socket(raw, server_hostname=name)


def read_response(sock):
    """Reads one HTTP/1.1 response with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise AssertionError(f"closed before the head: {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head.decode(), body


def get(sock, path, host):
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    return read_response(sock)


def wait_closed(sock, limit=15):
    """True when the server closes the connection within `limit` seconds."""
    sock.settimeout(0.5)
    deadline = time.time() + limit
    while time.time() < deadline:
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True
    return False


def test_ca_files_are_private_and_export_ca_prints_the_same_pem(tls_server):
    directory = os.path.join(tls_server.data, "tls")
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(os.path.join(directory, "ca.key")).st_mode) == 0o600
    with open(ca_file(tls_server)) as f:
        pem = f.read()
    assert tls_server.cli("tls", "export-ca") == pem.strip()
    served = requests.get(f"http://127.0.0.1:{tls_server.master_port}/ca/appbase-ca.pem", timeout=TIMEOUT)
    assert served.status_code == 200 and served.text == pem
    der = requests.get(f"http://127.0.0.1:{tls_server.master_port}/ca/appbase-ca.crt", timeout=TIMEOUT).content
    assert der == ssl.PEM_cert_to_DER_cert(pem)
    info = requests.get(f"http://127.0.0.1:{tls_server.master_port}/ca/info", timeout=TIMEOUT).json()
    assert info["sha256"] == ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())


@pytest.mark.parametrize("name", ["appbase.local", "api.notes.appbase.local", "dashboard.notes.appbase.local",
                                  "notes.appbase.local", "localhost", "127.0.0.1"])
def test_each_kind_of_name_verifies_over_sni(tls_server, name):
    with tls_socket(tls_server, name) as sock:
        assert sock.version() in ("TLSv1.3", "TLSv1.2")
        assert sock.selected_alpn_protocol() == "http/1.1"
        # The certificate is chosen by SNI; the Host header routes (a site has no /health).
        head, body = get(sock, "/health", "appbase.local" if name == "notes.appbase.local" else name)
        assert head.startswith("HTTP/1.1 200"), head
        assert b'"ok"' in body


def test_an_apps_own_port_speaks_tls_too(tls_server):
    with tls_socket(tls_server, "api.notes.appbase.local", port=tls_server.ports["notes"]) as sock:
        head, _ = get(sock, "/health", "api.notes.appbase.local")
        assert head.startswith("HTTP/1.1 200")


def test_curl_with_the_ca_and_keep_alive(tls_server):
    port = tls_server.master_port
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-o", "/dev/null", "--cacert", ca_file(tls_server), "--resolve", f"api.notes.appbase.local:{port}:127.0.0.1",
                          "-w", "%{http_code} %{http_version} %{num_connects}\n",
                          f"https://api.notes.appbase.local:{port}/health", f"https://api.notes.appbase.local:{port}/health"],
                         capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0, out.stderr
    lines = [line for line in out.stdout.splitlines() if line.startswith("200 ")]
    assert lines == ["200 1.1 1", "200 1.1 0"], out.stdout


def test_wrong_name_and_old_versions_are_refused(tls_server):
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_socket(tls_server, "api.ghost.appbase.local")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(ca_file(tls_server))
    # Security level 0 lets this client offer TLS 1.0/1.1 at all: the refusal must be the server's.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
        context.maximum_version = ssl.TLSVersion.TLSv1_1
    raw = socket.create_connection(("127.0.0.1", tls_server.master_port), timeout=TIMEOUT)
    with pytest.raises(ssl.SSLError):
        context.wrap_socket(raw, server_hostname="appbase.local")
    raw.close()


def test_resumption_with_a_ticket(tls_server):
    context = ssl.create_default_context(cafile=ca_file(tls_server))
    context.maximum_version = ssl.TLSVersion.TLSv1_2  # Python exposes session reuse reliably on 1.2
    first = context.wrap_socket(socket.create_connection(("127.0.0.1", tls_server.master_port), timeout=TIMEOUT),
                                server_hostname="appbase.local")
    get(first, "/health", "appbase.local")
    session = first.session
    first.close()
    second = context.wrap_socket(socket.create_connection(("127.0.0.1", tls_server.master_port), timeout=TIMEOUT),
                                 server_hostname="appbase.local", session=session)
    get(second, "/health", "appbase.local")
    assert second.session_reused
    second.close()


def test_plain_http_on_the_same_port(tls_server):
    base = f"http://127.0.0.1:{tls_server.master_port}"
    assert requests.get(f"{base}/health", timeout=TIMEOUT).status_code == 200
    browser = {"Upgrade-Insecure-Requests": "1", "Host": f"appbase.local:{tls_server.master_port}"}
    r = requests.get(f"{base}/?x=1", headers=browser, allow_redirects=False, timeout=TIMEOUT)
    assert r.status_code == 308
    assert r.headers["Location"] == f"https://appbase.local:{tls_server.master_port}/?x=1"
    # API clients (no Upgrade-Insecure-Requests) are served; /ca and /health always are.
    assert requests.get(f"{base}/", timeout=TIMEOUT).status_code == 200
    page = requests.get(f"{base}/ca", headers=browser, allow_redirects=False, timeout=TIMEOUT)
    assert page.status_code == 200 and "Trust this server" in page.text
    assert requests.get(f"{base}/health", headers=browser, allow_redirects=False, timeout=TIMEOUT).status_code == 200


def test_an_app_created_live_gets_its_names_and_loses_them_when_deleted(tls_server):
    key = tls_server.cli("keys", "create", "--master", "--name", "tls-test")
    base = f"http://127.0.0.1:{tls_server.master_port}"
    r = requests.post(f"{base}/api/apps", json={"name": "clinic"}, headers={"X-Master-Key": key}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    with tls_socket(tls_server, "api.clinic.appbase.local") as sock:
        head, _ = get(sock, "/health", "api.clinic.appbase.local")
        assert head.startswith("HTTP/1.1 200"), head
    r = requests.delete(f"{base}/api/apps/clinic", headers={"X-Master-Key": key}, timeout=TIMEOUT)
    assert r.status_code in (200, 204), r.text
    with pytest.raises(ssl.SSLCertVerificationError):
        tls_socket(tls_server, "api.clinic.appbase.local")


def test_app_info_links_are_https_and_work_with_the_ca(tls_server):
    """With TLS on, every URL AppInfo gives (what the control page links to) is https, and each
    answers over TLS with a certificate the CA vouches for; the dashboard setup link too."""
    key = tls_server.cli("keys", "create", "--master", "--name", "tls-links")
    info = requests.get(f"http://127.0.0.1:{tls_server.master_port}/api/apps/notes", headers={"X-Master-Key": key},
                        timeout=TIMEOUT).json()
    urls = info["urls"]
    assert all(url.startswith("https://") for url in urls.values()), urls
    assert info["dashboardSetup"].startswith(urls["direct"] + "/dashboard/setup#token="), info
    for kind in ("api", "dashboard", "direct"):
        host = urls[kind].split("://")[1].rsplit(":", 1)[0]
        port = int(urls[kind].rsplit(":", 1)[1])
        with tls_socket(tls_server, host, port=port) as sock:
            head, _ = get(sock, "/health", host)
            assert head.startswith("HTTP/1.1 200"), (kind, head)


def test_garbage_instead_of_a_client_hello(tls_server):
    # 0x16 then nonsense: a TLS alert at most, then the server closes.
    with socket.create_connection(("127.0.0.1", tls_server.master_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"\x16\x03\x01\x00\x10" + b"\xde\xad\xbe\xef" * 4)
        assert wait_closed(sock)
    # No 0x16: plain HTTP, which answers nonsense with 400 and closes.
    with socket.create_connection(("127.0.0.1", tls_server.master_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"\x00\x01\x02 garbage\r\n\r\n")
        data = sock.recv(65536)
        assert data.startswith(b"HTTP/1.1 400"), data
    # The server still serves TLS.
    with tls_socket(tls_server, "appbase.local") as sock:
        assert get(sock, "/health", "appbase.local")[0].startswith("HTTP/1.1 200")


def test_a_stalled_handshake_times_out(tls_server):
    with socket.create_connection(("127.0.0.1", tls_server.master_port), timeout=TIMEOUT) as sock:
        sock.sendall(b"\x16\x03\x01")  # the start of a record, then nothing
        started = time.time()
        assert wait_closed(sock, limit=15)
        assert time.time() - started >= 0.5  # not closed at once: the header timeout (1 s) ended it


def test_a_client_that_never_reads_hits_the_write_stall_timeout(tls_server):
    raw = socket.socket()
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(TIMEOUT)
    raw.connect(("127.0.0.1", tls_server.master_port))
    context = ssl.create_default_context(cafile=ca_file(tls_server))
    sock = context.wrap_socket(raw, server_hostname="appbase.local")
    request = b"GET /ca HTTP/1.1\r\nHost: appbase.local\r\n\r\n"
    count = 2000
    sock.sendall(request * count)  # several MiB of answers that nobody reads
    time.sleep(4)  # beyond the 1.5 s write-stall timeout, reading nothing
    received = b""
    sock.settimeout(5)
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                break
            received += chunk
    except (ConnectionResetError, ssl.SSLError, OSError):
        pass
    assert received.count(b"HTTP/1.1 200") < count


def test_a_download_over_tls_matches_the_upload(tls_server):
    key = tls_server.create_key(admin=True, name="tls-download")
    payload = os.urandom(3 * 1024 * 1024 + 17)
    r = requests.post(f"{tls_server.url()}/storage/buckets/docs/upload?name=blob.bin", data=payload,
                      headers={"X-API-Key": key, "Content-Type": "application/octet-stream"}, timeout=TIMEOUT)
    assert r.status_code == 201, r.text
    file_id = r.json()["id"]
    port = tls_server.ports["notes"]
    with tls_socket(tls_server, "api.notes.appbase.local", port=port) as sock:
        sock.sendall(f"GET /storage/buckets/docs/{file_id} HTTP/1.1\r\nHost: api.notes.appbase.local\r\nX-API-Key: {key}\r\n\r\n".encode())
        head, body = read_response(sock)
        assert head.startswith("HTTP/1.1 200"), head
        assert hashlib.sha256(body).digest() == hashlib.sha256(payload).digest()
        # Keep-alive after a file: the next request on the same connection is answered.
        assert get(sock, "/health", "api.notes.appbase.local")[0].startswith("HTTP/1.1 200")


def test_tls_off_serves_plain_only():
    s = Server().start()
    try:
        assert requests.get(f"http://127.0.0.1:{s.master_port}/ca", timeout=TIMEOUT).status_code == 404
        assert not os.path.exists(os.path.join(s.data, "tls"))
    finally:
        s.kill()


def test_pipelined_requests_over_tls_are_answered_in_order(tls_server):
    with tls_socket(tls_server, "appbase.local") as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: appbase.local\r\n\r\n"
                     b"GET /ca/info HTTP/1.1\r\nHost: appbase.local\r\n\r\n"
                     b"GET /nope HTTP/1.1\r\nHost: appbase.local\r\n\r\n")
        first, second, third = (read_response(sock) for _ in range(3))
        assert first[0].startswith("HTTP/1.1 200") and b'"ok"' in first[1]
        assert second[0].startswith("HTTP/1.1 200") and b'"sha256"' in second[1]
        assert third[0].startswith("HTTP/1.1 404")


def test_a_malformed_request_inside_tls_gets_400_over_tls(tls_server):
    with tls_socket(tls_server, "appbase.local") as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        head, body = read_response(sock)
        assert head.startswith("HTTP/1.1 400"), head
        assert b'"bad_request"' in body


def test_a_chunked_request_body_over_tls(tls_server):
    key = tls_server.create_key(name="tls-chunked")
    body = b'{"email":"chunked@example.org","password":"correct horse battery"}'
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7]) for i in range(0, len(body), 7)) + b"0\r\n\r\n"
    with tls_socket(tls_server, "api.notes.appbase.local", port=tls_server.ports["notes"]) as sock:
        sock.sendall(b"POST /auth/register HTTP/1.1\r\nHost: api.notes.appbase.local\r\nX-API-Key: " + key.encode()
                     + b"\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (chunks[:20], chunks[20:]):  # two TLS records, split mid-chunk
            sock.sendall(piece)
        head, answer = read_response(sock)
        assert head.startswith("HTTP/1.1 201"), (head, answer)


def test_a_refusal_at_the_connection_cap_is_answered_inside_tls():
    # Two slots per address and port; both held by requests whose heads never finish (busy, so
    # not reaped): the next connections are refused, each in the protocol it speaks.
    s = Server(extra=TLS + '[limits]\nmax_connections_per_address_per_port = 2\nheader_timeout_ms = 5000\n').start()
    holders = []
    try:
        for _ in range(2):
            holder = socket.create_connection(("127.0.0.1", s.master_port), timeout=TIMEOUT)
            holder.sendall(b"GET /health HTTP/1.1\r\nHost: appbase.local\r\n")
            holders.append(holder)
        time.sleep(0.5)  # margin for the server to read both heads' first bytes (busy from then on: never reaped)
        context = ssl.create_default_context(cafile=ca_file(s))
        # A TLS client completes its handshake and reads a 503 it can decrypt, without asking.
        with context.wrap_socket(socket.create_connection(("127.0.0.1", s.master_port), timeout=TIMEOUT),
                                 server_hostname="appbase.local") as sock:
            head, body = read_response(sock)
            assert head.startswith("HTTP/1.1 503"), head
            assert b'"server_busy"' in body
            assert "retry-after: 1" in head.lower()
            assert wait_closed(sock)
        # One that sends its request first gets the same.
        with context.wrap_socket(socket.create_connection(("127.0.0.1", s.master_port), timeout=TIMEOUT),
                                 server_hostname="appbase.local") as sock:
            head, _ = get(sock, "/health", "appbase.local")
            assert head.startswith("HTTP/1.1 503"), head
        # A plain client on the same port gets it in plain HTTP.
        with socket.create_connection(("127.0.0.1", s.master_port), timeout=TIMEOUT) as sock:
            head, body = get(sock, "/health", "appbase.local")
            assert head.startswith("HTTP/1.1 503"), head
            assert b'"server_busy"' in body
        # Once a slot is free, TLS is served again.
        holders.pop().close()
        deadline = time.time() + TIMEOUT
        while True:
            with tls_socket(s, "appbase.local") as sock:
                head, _ = get(sock, "/health", "appbase.local")
            if head.startswith("HTTP/1.1 200") or time.time() > deadline:
                break
            time.sleep(0.1)
        assert head.startswith("HTTP/1.1 200"), head
    finally:
        for holder in holders:
            holder.close()
        s.kill()


def test_export_ca_without_a_data_directory_says_what_to_do(tls_server):
    missing = os.path.join(tls_server.dir, "no-such-data")
    out = subprocess.run([BINARY, "tls", "export-ca", "--config", tls_server.config, "--data-dir", missing],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode != 0
    assert out.stdout == ""
    assert "does not exist" in out.stderr and "appbase serve --data-dir" in out.stderr, out.stderr
    assert not os.path.exists(missing)  # no stray directory (or CA) for a mistyped path
