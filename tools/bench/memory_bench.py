#!/usr/bin/env python3
"""Server memory under load (issue 8's memory targets), on a server this script starts.

  tools/bench/memory_bench.py [--server-bin build/bin/strata-server] [--idle 1000]
                              [--uploads 64] [--upload-size 64MiB] [--duration 20]

1. Idle keep-alive connections: opens --idle connections, each sends one request and then
   stays open; reports the server's RSS before and with them (target: 1000 under 64 MiB).
2. Concurrent large uploads: loadgen PUTs --upload-size objects at concurrency --uploads for
   --duration seconds while the RSS is sampled every 50 ms; reports the peak (target: 64
   concurrent uploads under 512 MiB; bodies stream, so the peak should not depend on the size).
Prints a table and writes JSON with --out. Needs tools/bench/install.sh (loadgen).
"""

import argparse
import json
import secrets
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import Loadgen, Strata, log, newest_server_binary, parse_size, rss_mb  # noqa: E402


def idle_connections(endpoint: str, count: int) -> list[socket.socket]:
    host, port = endpoint.rsplit(":", 1)
    request = (f"GET /health/ready HTTP/1.1\r\nHost: {endpoint}\r\n"
               "Connection: keep-alive\r\n\r\n").encode()
    conns = []
    for i in range(count):
        s = socket.create_connection((host, int(port)), timeout=10)
        s.sendall(request)
        s.recv(4096)  # the answer; the connection then idles
        conns.append(s)
        if (i + 1) % 250 == 0:
            log(f"  {i + 1}/{count} idle connections open")
    return conns


def peak_rss_during(pid: int, action) -> tuple[float, object]:
    peak = [rss_mb(pid) or 0.0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mb(pid) or 0.0)
            time.sleep(0.05)

    t = threading.Thread(target=sample)
    t.start()
    try:
        result = action()
    finally:
        stop.set()
        t.join()
    return peak[0], result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--server-bin", type=Path, default=None)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--uploads", type=int, default=64)
    ap.add_argument("--upload-size", default="64MiB")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--out", type=Path)
    a = ap.parse_args()
    binary = a.server_bin or newest_server_binary()
    if binary is None:
        print("no strata-server binary found: pass --server-bin", file=sys.stderr)
        return 2
    access, secret = "BENCH" + secrets.token_hex(6).upper(), secrets.token_urlsafe(30)[:40]
    results: dict = {"server": str(binary)}
    with tempfile.TemporaryDirectory(prefix="strata-mem-") as tmp:
        server = Strata(binary, Path(tmp) / "data", access, secret)
        pid = server.proc.pid
        try:
            time.sleep(1)
            results["rss_start_mb"] = rss_mb(pid)
            log(f"idle: opening {a.idle} keep-alive connections")
            conns = idle_connections(server.endpoint, a.idle)
            time.sleep(1)
            results["idle_connections"] = a.idle
            results["rss_idle_mb"] = rss_mb(pid)
            for c in conns:
                c.close()
            lg = Loadgen(server.endpoint, access, secret, signed=False, quiet=True)
            size = parse_size(a.upload_size)
            log(f"uploads: {a.uploads} concurrent PUTs of {a.upload_size} for {a.duration:.0f} s")
            peak, put = peak_rss_during(pid, lambda: lg.run(
                "bench", ["-op", "put", "-size", str(size), "-concurrency", str(a.uploads),
                          "-duration", f"{a.duration}s"], [pid], timeout=a.duration * 4 + 600))
            results["uploads"] = a.uploads
            results["upload_size"] = size
            results["rss_upload_peak_mb"] = peak
            results["put"] = put
        finally:
            server.stop()
    idle_delta = (results["rss_idle_mb"] or 0) - (results["rss_start_mb"] or 0)
    rows = [
        ("RSS at start", f"{results['rss_start_mb']} MiB", ""),
        (f"RSS with {a.idle} idle keep-alive connections", f"{results['rss_idle_mb']} MiB",
         f"+{idle_delta:.1f} MiB; target < 64 MiB: "
         f"{'met' if results['rss_idle_mb'] and results['rss_idle_mb'] < 64 else 'not met'}"),
        (f"peak RSS, {a.uploads} concurrent {a.upload_size} PUTs",
         f"{results['rss_upload_peak_mb']} MiB",
         f"target < 512 MiB: {'met' if results['rss_upload_peak_mb'] < 512 else 'not met'}"),
        ("PUT throughput meanwhile", f"{results['put'].get('mb_per_s', '?')} MB/s",
         f"{results['put'].get('ops', '?')} objects"),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\n{'measure'.ljust(width)}  {'value':>12}  note")
    for name, value, note in rows:
        print(f"{name.ljust(width)}  {value:>12}  {note}")
    if a.out:
        a.out.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
