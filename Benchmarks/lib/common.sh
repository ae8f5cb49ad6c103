# Shared shell helpers for the AppBase benchmarks. Source it:  . "$BENCH_DIR/lib/common.sh"
# Every background process is started through bench_start, remembered by PID, and
# bench_cleanup (installed as the EXIT trap) signals exactly those PIDs — nothing else.

BENCH_DIR="${BENCH_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}"
REPO_DIR="${REPO_DIR:-$(cd "$BENCH_DIR/.." && pwd)}"
BENCHLIB="$BENCH_DIR/lib/benchlib.py"
CEILING_BIN="$BENCH_DIR/bin/bare-libuv"

BENCH_PIDS=()
BENCH_TMPDIRS=()
BENCH_KEEP_TMP="${BENCH_KEEP_TMP:-0}"

bench_log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
bench_die() { bench_log "ERROR: $*"; exit 1; }

bench_cleanup() {
    local pid
    for pid in "${BENCH_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${BENCH_PIDS[@]}"; do
        # Bounded wait, then SIGKILL the same PID.
        local i
        for i in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    done
    BENCH_PIDS=()
    if [ "$BENCH_KEEP_TMP" != 1 ]; then
        local d
        for d in "${BENCH_TMPDIRS[@]}"; do
            [ -n "$d" ] && [ -d "$d" ] && rm -rf -- "$d"
        done
    else
        bench_log "kept temporary dirs: ${BENCH_TMPDIRS[*]}"
    fi
}

bench_install_trap() {
    trap bench_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
}

# bench_mktemp VAR — creates a temporary dir (removed on exit) and stores its path in VAR.
# (Not "$(bench_mktemp)": a subshell could not record the dir for the cleanup.)
bench_mktemp() {
    local d
    d="$(mktemp -d "${TMPDIR:-/tmp}/appbase-bench.XXXXXX")" || bench_die "mktemp failed"
    BENCH_TMPDIRS+=("$d")
    printf -v "$1" '%s' "$d"
}

# bench_start LOGFILE CMD ARGS...   → sets BENCH_LAST_PID
bench_start() {
    local log="$1"; shift
    "$@" >>"$log" 2>&1 </dev/null &
    BENCH_LAST_PID=$!
    BENCH_PIDS+=("$BENCH_LAST_PID")
}

bench_free_port() { python3 "$BENCHLIB" free-port; }

# bench_wait_port PORT [TIMEOUT] [PID]
bench_wait_port() { python3 "$BENCHLIB" wait-port "$@"; }

# bench_rss PID → "RSS_KIB HWM_KIB"
bench_rss() { python3 "$BENCHLIB" rss "$1"; }

bench_raise_nofile() {
    local hard
    hard="$(ulimit -Hn)"
    if [ "$hard" = unlimited ]; then ulimit -n 65536 2>/dev/null || true
    else ulimit -n "$hard" 2>/dev/null || true; fi
}

bench_require() {
    local missing=() t
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || missing+=("$t"); done
    if [ "${#missing[@]}" -gt 0 ]; then
        bench_die "missing tools: ${missing[*]} (apt-get install -y libuv1-dev libhttp-parser-dev wrk)"
    fi
}

# Installs the ceiling's build dependencies when absent (idempotent, quiet).
bench_ensure_apt_deps() {
    local need=()
    [ -f /usr/include/uv.h ] || need+=(libuv1-dev)
    [ -f /usr/include/http_parser.h ] || need+=(libhttp-parser-dev)
    command -v wrk >/dev/null 2>&1 || need+=(wrk)
    if [ "${#need[@]}" -gt 0 ]; then
        bench_log "apt-get install -y ${need[*]}"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
            || bench_die "apt-get install ${need[*]} failed"
    fi
}

# The ceiling: bare libuv + http_parser, fixed 15-byte JSON body.
bench_build_ceiling() {
    bench_ensure_apt_deps
    mkdir -p "$BENCH_DIR/bin"
    gcc -O2 -Wall -o "$CEILING_BIN" "$BENCH_DIR/ceiling/bare-libuv.c" -luv -lhttp_parser \
        || bench_die "building the ceiling failed"
}

# bench_swift_build: the README's release build in the repo; non-zero on failure.
bench_swift_build() {
    bench_log "swift build -c release --static-swift-stdlib (in $REPO_DIR)"
    if ! (cd "$REPO_DIR" && swift build -c release --static-swift-stdlib); then
        bench_log "ERROR: 'swift build -c release --static-swift-stdlib' failed — AppBase does not build right now."
        return 1
    fi
    [ -x "$REPO_DIR/.build/release/appbase" ] || { bench_log "ERROR: .build/release/appbase missing after build"; return 1; }
}
