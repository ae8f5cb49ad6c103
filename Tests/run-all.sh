#!/usr/bin/env bash
# The whole test suite: every Swift Testing target (unit, raw-socket HTTP, service and live
# API scenario tests).
set -euo pipefail
cd "$(dirname "$0")/.."
ulimit -n 65536 2>/dev/null || ulimit -n 8192 2>/dev/null || true
swift build --build-tests
swift test --skip-build
