#!/usr/bin/env python3
"""Lifecycle transition benchmark (issue 5): transition throughput, and the foreground GET p99 of
small objects while a transition of everything runs, against the same p99 with the worker idle.

    tools/bench/lifecycle_bench.py [--server BIN] [--fill-mib 128] [--rate-mib 64] [--seconds 8]

Starts strata-server on a temporary data folder (embedded default tiers: nvme 2+2, hdd 4+2) with
a 1-second lifecycle day, fills --fill-mib of 4 MiB objects under big/ plus 200 small 4 KiB
objects, measures small GETs (2 client threads) for --seconds with no rule, then puts a rule
moving big/ to GLACIER after 1 day and measures the same GETs until every big object is GLACIER.
Transition MB/s: bytes moved / time from the rule's PUT (includes the wait for the next pass,
<= 1 s), and steady state (first object finished to last).
Prints a Markdown table. Takes about a minute with the defaults.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import json
from pathlib import Path

import boto3
import requests
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
MIB = 1 << 20


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(endpoint, ak, sk):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                      max_pool_connections=4))


def metric(endpoint, name) -> float:
    for line in requests.get(endpoint + "/metrics", timeout=5).text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def get_latencies(endpoint, ak, sk, bucket, keys, stop: threading.Event, threads=2):
    """Runs GETs of `keys` round-robin on `threads` clients until stop; returns latencies (s)."""
    out: list[float] = []
    lock = threading.Lock()

    def worker(i):
        s3 = client(endpoint, ak, sk)
        mine = []
        n = i
        while not stop.is_set():
            t = time.perf_counter()
            s3.get_object(Bucket=bucket, Key=keys[n % len(keys)])["Body"].read()
            mine.append(time.perf_counter() - t)
            n += threads
        with lock:
            out.extend(mine)

    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    return ts, out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--server", default=str(REPO / "build" / "bin" / "strata-server"))
    ap.add_argument("--fill-mib", type=int, default=128)
    ap.add_argument("--rate-mib", type=int, default=64, help="transition_mb_per_second")
    ap.add_argument("--seconds", type=float, default=8, help="idle measurement length")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="strata-lc-bench-"))
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    ak, sk = "LCBENCHACCESSKEY", "lc-bench-secret-key-0123456789abcdef"
    config = {"listen": f"127.0.0.1:{port}", "data": str(work / "data"),
              "lifecycle": {"day_seconds": 1, "interval_seconds": 1,
                            "transition_mb_per_second": args.rate_mib}}
    (work / "config.json").write_text(json.dumps(config))
    env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=ak, STRATA_ROOT_SECRET_KEY=sk)
    log = open(work / "server.log", "wb")
    proc = subprocess.Popen([args.server, "--config", str(work / "config.json")], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(endpoint + "/health/ready", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                print((work / "server.log").read_text(), file=sys.stderr)
                return 1
            time.sleep(0.1)

        s3 = client(endpoint, ak, sk)
        bucket = "lcbench"
        s3.create_bucket(Bucket=bucket)
        big = [f"big/{i:04d}" for i in range(max(1, args.fill_mib // 4))]
        blob = os.urandom(4 * MIB)
        for k in big:
            s3.put_object(Bucket=bucket, Key=k, Body=blob)
        small = [f"small/{i:04d}" for i in range(200)]
        for k in small:
            s3.put_object(Bucket=bucket, Key=k, Body=os.urandom(4096))
        total_bytes = len(big) * len(blob)

        # Idle: no rule, the worker scans nothing.
        stop = threading.Event()
        ts, idle = get_latencies(endpoint, ak, sk, bucket, small, stop)
        time.sleep(args.seconds)
        stop.set()
        for t in ts:
            t.join()

        # Transition everything under big/ while the same GETs run.
        stop = threading.Event()
        ts, busy = get_latencies(endpoint, ak, sk, bucket, small, stop)
        rule_put = time.monotonic()
        s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
            {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": "big/"},
             "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})
        first = None
        while True:
            moved = metric(endpoint, "strata_lifecycle_transition_bytes_total")
            if moved > 0 and first is None:
                first = time.monotonic()
            if moved >= total_bytes or time.monotonic() - rule_put > 600:
                break
            time.sleep(0.1)
        done = time.monotonic()
        stop.set()
        for t in ts:
            t.join()
        for k in big[:3]:
            assert s3.head_object(Bucket=bucket, Key=k).get("StorageClass") == "GLACIER"
            assert s3.get_object(Bucket=bucket, Key=k)["Body"].read() == blob

        mb = total_bytes / MIB
        # The objects are older than a day when the rule lands: the next pass (<= 1 s) starts.
        overall = mb / max(done - rule_put, 1e-9)
        # Steady state: from the first completed object to the last.
        steady = (mb - 4) / max(done - first, 1e-9) if first and len(big) > 1 else float("nan")
        print(f"\nLifecycle transition benchmark: {len(big)} x 4 MiB ({mb:.0f} MiB) nvme 2+2 -> "
              f"hdd 4+2, throttle {args.rate_mib or 'none'} MiB/s, 2 GET threads of 4 KiB "
              f"objects\n")
        print("| phase | GETs | p50 ms | p99 ms | max ms |")
        print("|---|---:|---:|---:|---:|")
        for name, lat in (("worker idle", idle), ("transition running", busy)):
            print(f"| {name} | {len(lat)} | {statistics.median(lat) * 1e3:.2f} | "
                  f"{pct(lat, 0.99) * 1e3:.2f} | {max(lat) * 1e3:.2f} |")
        print(f"\nTransition: {mb:.0f} MiB in {done - rule_put:.1f} s from the rule's PUT = "
              f"{overall:.1f} MiB/s (includes up to 1 s until the next pass); steady state "
              f"{steady:.1f} MiB/s.")
        return 0
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
