#!/usr/bin/env bash
# The whole test suite: every Swift Testing target (unit, raw-socket HTTP, service and live API
# scenario tests), then the Python tests that drive the real release binary (SIGKILL durability,
# CLI key revocation mid-run, login storm, signals), the control page in headless Chromium, then
# the mDNS test against a real avahi-daemon.
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true
swift build --build-tests
swift test --skip-build
# The pages' ES modules that can run outside a browser (the SSE reader), under node:test.
if command -v node >/dev/null; then node --test Tests/js/; fi
# The SDK's hand-written declarations against a typed usage file (Debian's node-typescript).
if command -v tsc >/dev/null; then tsc --noEmit -p Tests/js/types; fi
# The Python tests drive the binary that ships: the README's release build (static Swift runtime).
swift build -c release --static-swift-stdlib
python3 -m pip install -q pytest requests prometheus-client >/dev/null 2>&1 || true
python3 -m pip install -q openapi-spec-validator "schemathesis>=4,<5" >/dev/null 2>&1 || true  # Tests/python/test_openapi.py
APPBASE_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/appbase" python3 -m pytest -q Tests/python
# The control-plane page in headless Chromium (skips where chromium or selenium is missing).
APPBASE_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/appbase" python3 -m pytest -q Tests/browser
# mDNS against a real avahi-daemon in a network-namespace sandbox (skips where there is none).
APPBASE_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/appbase" bash Tests/mdns/run
# The offline install bundle installed into a fresh Debian 12 root without network, then doctor and
# /health on port 80 there (slow: only when asked, or as root with debootstrap; skips with the reason).
if [ "${APPBASE_BUNDLE_TEST:-}" = 1 ] || { [ "$(id -u)" = 0 ] && command -v debootstrap >/dev/null; }; then
    APPBASE_BIN="$(swift build -c release --static-swift-stdlib --show-bin-path)/appbase" bash Tests/bundle/run
else
    echo "SKIP Tests/bundle: set APPBASE_BUNDLE_TEST=1, or run as root with debootstrap installed"
fi
