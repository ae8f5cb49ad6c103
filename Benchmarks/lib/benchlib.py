"""Shared helpers for the AppBase benchmarks (Python 3.11 stdlib only).

Importable (``from benchlib import ...``) and usable from shell scripts:

    python3 lib/benchlib.py free-port
    python3 lib/benchlib.py wait-port PORT [TIMEOUT_S] [PID]
    python3 lib/benchlib.py wait-http URL [TIMEOUT_S] [PID]
    python3 lib/benchlib.py rss PID                 -> "RSS_KIB HWM_KIB"
    python3 lib/benchlib.py wrk-parse FILE          -> JSON
    python3 lib/benchlib.py table < TSV             -> aligned table (first line = header)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field

# --------------------------------------------------------------------------------------
# Processes: only the PIDs started here are ever signalled.
# --------------------------------------------------------------------------------------

_started: list[subprocess.Popen] = []


def start_process(cmd: list[str], log_path: str, cwd: str | None = None,
                  env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start cmd in the background with stdout+stderr to log_path; remembered for stop_all()."""
    log = open(log_path, "ab")
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                            cwd=cwd, env=env)
    log.close()
    _started.append(proc)
    return proc


def stop_process(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after timeout — by this process's own PID only."""
    if proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
    except ProcessLookupError:
        pass


def stop_all() -> None:
    while _started:
        stop_process(_started.pop())


# --------------------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------------------

def free_port() -> int:
    """A port that was free on 127.0.0.1 a moment ago (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_ports(n: int) -> list[int]:
    socks, ports = [], []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
            ports.append(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()
    return ports


def _alive(pid: int | None) -> bool:
    if pid is None:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_port(port: int, timeout: float = 30.0, pid: int | None = None,
              host: str = "127.0.0.1") -> bool:
    """True once something accepts on host:port; False on timeout or if pid died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return False
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def wait_http(url: str, timeout: float = 30.0, pid: int | None = None) -> bool:
    """True once url answers 2xx."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return False
        try:
            with urllib.request.urlopen(url, timeout=1.0) as r:
                if 200 <= r.status < 300:
                    return True
        except Exception:
            pass
        time.sleep(0.1)
    return False


# --------------------------------------------------------------------------------------
# Memory
# --------------------------------------------------------------------------------------

def rss(pid: int) -> dict[str, int]:
    """{'rss_kib': VmRSS, 'hwm_kib': VmHWM} from /proc/PID/status (0 if absent)."""
    out = {"rss_kib": 0, "hwm_kib": 0}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    out["rss_kib"] = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    out["hwm_kib"] = int(line.split()[1])
    except OSError:
        pass
    return out


def cpu_seconds(pid: int) -> float:
    """utime + stime of process `pid` in seconds (/proc/PID/stat): the server's own CPU, which
    divided by the requests of a run gives a cost per request that drifts less than a rate."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (writes 5 to /proc/PID/clear_refs; needs root/owner)."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class RssSampler:
    """Samples VmRSS every `interval` seconds in a thread; .peak_kib is the max seen.

    Used together with VmHWM (reset_peak_rss): the sampler can miss a short spike,
    VmHWM cannot, but VmHWM is only resettable when clear_refs is writable.
    """

    def __init__(self, pid: int, interval: float = 0.01):
        self.pid, self.interval = pid, interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kib = max(self.peak_kib, rss(self.pid)["rss_kib"])
            self._stop.wait(self.interval)

    def __enter__(self) -> "RssSampler":
        self.peak_kib = rss(self.pid)["rss_kib"]
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, rss(self.pid)["rss_kib"])


def mib(kib: int | float | None) -> str:
    return "-" if kib is None else f"{kib / 1024:.1f} MiB"


# --------------------------------------------------------------------------------------
# wrk
# --------------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def _to_ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text.strip())
    if not m:
        raise ValueError(f"unparsable wrk duration: {text!r}")
    return float(m.group(1)) * _UNIT_MS[m.group(2)]


def parse_wrk(text: str) -> dict:
    """Parse `wrk --latency` output into req/s, p50/p75/p90/p99 (ms), totals and errors."""
    out: dict = {"rps": None, "p50_ms": None, "p75_ms": None, "p90_ms": None, "p99_ms": None,
                 "requests": None, "non2xx": 0, "socket_errors": 0, "duration_s": None}
    m = re.search(r"Requests/sec:\s+([\d.]+)", text)
    if m:
        out["rps"] = float(m.group(1))
    for pct in ("50", "75", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", text, re.M)
        if m:
            out[f"p{pct}_ms"] = _to_ms(m.group(1))
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if m:
        out["requests"] = int(m.group(1))
        out["duration_s"] = _to_ms(m.group(2) + m.group(3)) / 1000.0
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    if m:
        out["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = sum(int(g) for g in m.groups())
    return out


def run_wrk(url: str, duration: str = "10s", threads: int = 1, connections: int = 64,
            script: str | None = None, env: dict[str, str] | None = None,
            timeout_s: str = "5s", log_path: str | None = None) -> dict:
    """Run wrk --latency against url and return parse_wrk(output) (+ 'raw')."""
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}", f"--timeout={timeout_s}",
           "--latency"]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    secs = _to_ms(duration if re.search(r"[a-z]$", duration) else duration + "s") / 1000.0
    proc = subprocess.run(cmd, capture_output=True, text=True, env=full_env, timeout=secs + 60)
    raw = proc.stdout + proc.stderr
    if log_path:
        with open(log_path, "a") as f:
            f.write("$ " + " ".join(cmd) + "\n" + raw + "\n")
    result = parse_wrk(raw)
    result["raw"] = raw
    result["exit"] = proc.returncode
    return result


# --------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------

def format_table(headers: list[str], rows: list[list], align: str | None = None) -> str:
    """Aligned plain-text table. align: one char per column, 'l' or 'r' (default: l then r...)."""
    cells = [[("" if c is None else str(c)) for c in r] for r in [headers] + rows]
    ncol = max(len(r) for r in cells)
    for r in cells:
        r += [""] * (ncol - len(r))
    widths = [max(len(r[i]) for r in cells) for i in range(ncol)]
    align = align or ("l" + "r" * (ncol - 1))
    def fmt(r: list[str]) -> str:
        return "  ".join(c.ljust(w) if a == "l" else c.rjust(w)
                         for c, w, a in zip(r, widths, align)).rstrip()
    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)


def fnum(x: float | None, digits: int = 0, suffix: str = "") -> str:
    if x is None:
        return "-"
    return f"{x:,.{digits}f}{suffix}"


def fms(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:.2f} ms" if x < 100 else f"{x:.0f} ms"


def ratio(a: float | None, b: float | None) -> str:
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


# --------------------------------------------------------------------------------------
# Misc
# --------------------------------------------------------------------------------------

def percentile(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * pct / 100.0
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def require_tools(*names: str) -> list[str]:
    return [n for n in names if shutil.which(n) is None]


def raise_nofile(target: int = 65536) -> int:
    """Raise this process's RLIMIT_NOFILE soft limit (children inherit it). Returns the new soft limit."""
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if want > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError):
            pass
    return soft


def _cli(argv: list[str]) -> int:
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    cmd, args = argv[0], argv[1:]
    if cmd == "free-port":
        print(free_port())
    elif cmd == "wait-port":
        pid = int(args[2]) if len(args) > 2 else None
        return 0 if wait_port(int(args[0]), float(args[1]) if len(args) > 1 else 30.0, pid) else 1
    elif cmd == "wait-http":
        pid = int(args[2]) if len(args) > 2 else None
        return 0 if wait_http(args[0], float(args[1]) if len(args) > 1 else 30.0, pid) else 1
    elif cmd == "rss":
        r = rss(int(args[0]))
        print(r["rss_kib"], r["hwm_kib"])
    elif cmd == "wrk-parse":
        with open(args[0]) as f:
            print(json.dumps(parse_wrk(f.read())))
    elif cmd == "table":
        lines = [l.rstrip("\n").split("\t") for l in sys.stdin if l.strip()]
        if lines:
            print(format_table(lines[0], lines[1:]))
    else:
        print(f"unknown command {cmd}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_cli(sys.argv[1:]))


def cpu_model() -> str:
    """The CPU's `model name` from /proc/cpuinfo, printed beside every ratio: figures from
    different machines can then be told apart."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"
