#!/usr/bin/env bash
# HTTPS cost, same run, same machine (issue 16):
#   1. keep-alive GET /health over TLS vs plain HTTP (wrk)            target ratio >= 0.6
#   2. new handshakes per second, full and resumed (openssl s_time)
#   3. a 1 GiB file over TLS vs plain (curl, one connection)            target ratio >= 0.5
#   4. the anchor: Debian's nginx terminating TLS for the same small and large files
#   5. handshakes vs the loop's other connections: /health latency under a handshake storm
# Usage: Benchmarks/tls/run.sh [path/to/release/appbase]   (env DURATION=10, CONNECTIONS=32)
set -euo pipefail
BENCH_DIR="$(cd "$(dirname "$0")/.." && pwd)"
. "$BENCH_DIR/lib/common.sh"
bench_install_trap
BIN="${1:-$REPO_DIR/.build/release/appbase}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-32}"
[ -x "$BIN" ] || bench_die "no binary at $BIN (swift build -c release)"
for tool in wrk curl openssl python3; do command -v "$tool" >/dev/null || bench_die "$tool is missing"; done

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') ($(nproc) cores); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# kTLS needs the kernel's TLS upper-layer protocol (CONFIG_TLS, module `tls`): probe it the way
# OpenSSL would enable it, with setsockopt(TCP_ULP, "tls") on a connected loopback socket.
ktls=$(python3 - <<'PY'
import socket
listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(1)
client = socket.create_connection(listener.getsockname()); server, _ = listener.accept()
try:
    server.setsockopt(socket.IPPROTO_TCP, 31, b"tls")  # TCP_ULP
    print("available (TCP_ULP tls accepted)")
except OSError as error:
    print(f"unavailable here (TCP_ULP tls: {error.strerror}): the kernel has no TLS ULP")
PY
)
echo "kTLS: $ktls; kernel $(uname -r)"
bench_mktemp WORK
PORT="$(bench_free_port)"
APP_PORT="$(bench_free_port)"
cat >"$WORK/appbase.toml" <<TOML
[server]
host = "127.0.0.1"
port = $PORT
access_log = false
[tls]
enabled = true
plain = "serve"
[apps.notes]
port = $APP_PORT
TOML
bench_start "$WORK/server.log" "$BIN" serve --config "$WORK/appbase.toml" --data-dir "$WORK/data"
SERVER_PID=$BENCH_LAST_PID
bench_wait_port "$PORT"
CA="$WORK/data/tls/ca.pem"
# The 1 GiB file, served as a static site file of app notes (a file body: sendfile in plain, the
# chunked cipher path under TLS).
mkdir -p "$WORK/data/notes/site"
head -c $((1024 * 1024 * 1024)) /dev/zero >"$WORK/data/notes/site/big.bin"
echo '{"status":"ok"}' >"$WORK/health.json"
RESOLVE=(--resolve "notes.appbase.local:$PORT:127.0.0.1")

wrk_rps() {  # wrk_rps URL → requests/s
    wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "$1" | awk '/Requests\/sec/ {print $2}'
}
download_mbps() {  # download_mbps URL [curl args…] → MB/s
    local url="$1"; shift
    curl -s -o /dev/null -w '%{speed_download}\n' "$@" "$url" | awk '{printf "%.0f\n", $1 / 1e6}'
}

plain_rps=$(wrk_rps "http://127.0.0.1:$PORT/health")
tls_rps=$(wrk_rps "https://127.0.0.1:$PORT/health")
echo "keep-alive GET /health: plain $plain_rps req/s, TLS $tls_rps req/s, ratio $(python3 -c "print(round($tls_rps/$plain_rps, 2))")"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
handshakes() {  # handshakes -new|-reuse → "rate/s, server CPU µs per handshake"
    local before after out count
    before=$(cpu_ticks)
    out=$(openssl s_time -connect "127.0.0.1:$PORT" "$1" -time "$DURATION" 2>/dev/null | grep 'connections in .* real seconds' | tail -1)
    after=$(cpu_ticks)
    count=$(echo "$out" | awk '{print $1}')
    echo "$out" | awk -v c="$count" -v t=$((after - before)) -v hz="$(getconf CLK_TCK)" \
        '{printf "%.0f/s, server CPU %.0f µs each", $1 / $4, (t / hz) * 1e6 / c}'
}
echo "handshakes (one client, openssl s_time): full $(handshakes -new); resumed $(handshakes -reuse)"

plain_dl=$(download_mbps "http://notes.appbase.local:$PORT/big.bin" "${RESOLVE[@]}")
tls_dl=$(download_mbps "https://notes.appbase.local:$PORT/big.bin" "${RESOLVE[@]}" --cacert "$CA")
echo "1 GiB download: plain $plain_dl MB/s, TLS $tls_dl MB/s, ratio $(python3 -c "print(round($tls_dl/$plain_dl, 2))")"
# The client's own ceiling: curl receives and decrypts on one thread, so its CPU time for the
# TLS download bounds the rate whatever the server does (1 GiB ÷ curl's user+system seconds).
# With the server on the other core, that is the most any server could reach here.
if [ -x /usr/bin/time ]; then
    curl_cpu=$( { /usr/bin/time -f '%U %S' curl -s -o /dev/null "${RESOLVE[@]}" --cacert "$CA" \
        "https://notes.appbase.local:$PORT/big.bin" >/dev/null; } 2>&1 | tail -1)
    python3 - "$curl_cpu" "$tls_dl" "$plain_dl" <<'PY'
import sys
user, system = map(float, sys.argv[1].split())
tls, plain = float(sys.argv[2]), float(sys.argv[3])
cap = (1 << 30) / (user + system) / 1e6
print(f"client ceiling: curl spends {user:.2f} s user + {system:.2f} s system per GiB over TLS, so no server "
      f"can deliver more than {cap:.0f} MB/s to it here (ratio {cap / plain:.2f} of plain); "
      f"AppBase reached {tls / cap:.0%} of that ceiling")
PY
else
    echo "client ceiling: not measured (/usr/bin/time missing: apt-get install time)"
fi
echo "server RSS after the downloads: $(bench_rss "$SERVER_PID") KiB"

# Handshakes vs the loop's other connections: wrk's latency on keep-alive TLS /health, alone and
# while two clients open new TLS connections as fast as they can.
latency() { wrk -t1 -c8 -d"${DURATION}s" --latency "https://127.0.0.1:$PORT/health" | awk '/ 50%| 99%|Requests\/sec/ {printf "%s %s  ", $1, $2} END {print ""}'; }
echo "keep-alive TLS /health, alone:              $(latency)"
openssl s_time -connect "127.0.0.1:$PORT" -new -time $((DURATION + 2)) >/dev/null 2>&1 &
STORM1=$!
openssl s_time -connect "127.0.0.1:$PORT" -new -time $((DURATION + 2)) >/dev/null 2>&1 &
STORM2=$!
BENCH_PIDS+=("$STORM1" "$STORM2")
sleep 1
echo "keep-alive TLS /health, under a handshake storm: $(latency)"
wait "$STORM1" "$STORM2" 2>/dev/null || true

if command -v nginx >/dev/null; then
    NGINX_PORT="$(bench_free_port)"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=localhost \
        -keyout "$WORK/nginx.key" -out "$WORK/nginx.pem" >/dev/null 2>&1
    cp "$WORK/data/notes/site/big.bin" "$WORK/big.bin" 2>/dev/null || ln -sf "$WORK/data/notes/site/big.bin" "$WORK/big.bin"
    cat >"$WORK/nginx.conf" <<NGINX
worker_processes 1;
user root;  # the worker reads files in the 0700 temporary directory
daemon off;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log off;
    sendfile on;
    server {
        listen 127.0.0.1:$NGINX_PORT ssl;
        ssl_certificate $WORK/nginx.pem;
        ssl_certificate_key $WORK/nginx.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $WORK;
        location = /health { default_type application/json; alias $WORK/health.json; }
    }
}
NGINX
    bench_start "$WORK/nginx.log" nginx -c "$WORK/nginx.conf" -p "$WORK"
    bench_wait_port "$NGINX_PORT"
    nginx_rps=$(wrk_rps "https://127.0.0.1:$NGINX_PORT/health")
    nginx_dl=$(download_mbps "https://127.0.0.1:$NGINX_PORT/big.bin" -k)
    nginx_full=$(openssl s_time -connect "127.0.0.1:$NGINX_PORT" -new -time "$DURATION" 2>/dev/null | awk '/connections in .* real seconds/ {print $1/$4}' | tail -1)
    echo "nginx (1 worker) over TLS: /health $nginx_rps req/s, 1 GiB $nginx_dl MB/s, full handshakes/s $nginx_full"
else
    echo "nginx: not installed (apt-get install nginx-light) — no anchor this run"
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
