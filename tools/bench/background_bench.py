#!/usr/bin/env python3
"""Background work vs foreground GET latency (issue 8: "background work - heal, scrub, lifecycle
transitions - costs the foreground GET p99 less than 20%").

    tools/bench/background_bench.py [--server BIN] [--fill-mib 384] [--seconds 5] [--rounds 2]
                                    [--threads 4] [--rate-mib 64] [--busy-rate-mib N]
                                    [--phases LIST]
                                    [--client loadgen|boto3] [--access-log FILE]
                                    [--out FILE.json]

Starts strata-server (--server, default build/bin/strata-server) on a temporary data folder with
the embedded default tiers (nvme 2+2, hdd 4+2, virtual drives on one disk) and a 1-second
lifecycle day, fills --fill-mib of 4 MiB objects under big/ (erasure coded on nvme) and one 4 KiB
object small/0000 (inline in the index), then measures foreground 4 KiB GETs - a steady closed
loop of --threads clients for --seconds - in a sequence of windows of these kinds:

  idle       nothing in the background
  heal       one nvme drive's shard files are deleted and an operator heal pass rebuilds them
             (POST /strata/admin/v1/heal?grace=0, signed by the root key; the server's default
             pass rate applies); repeated (delete, heal) until the window ends
  scrub      operator passes with nothing to heal (every block of every shard verified),
             repeated until the window ends
  lifecycle  a rule moves big/ to GLACIER (nvme -> hdd tier) at transition_mb_per_second =
             --rate-mib (server default 64; 0 = unthrottled), and while clients are served
             (the GET loop here) at transition_busy_mb_per_second = --busy-rate-mib (server
             default 8; 0 = no lower cap); the window starts when the first object has
             moved. Once per run (the data moves for good): --fill-mib must outlast the
             window ("covered" says which part of it had the copy running)

Default sequence: idle, then (heal, idle, scrub, idle) x --rounds, lifecycle, idle. Every
background window sits between two idle ones, and its "p99 vs idle" is against the mean p99 of
those two neighbours, so slow drift of a shared machine shows up as idle spread rather than as
background cost; the table gives the median over a kind's windows and each window's value.
Idle spread = (max - min) / mean of the idle windows' p99: the noise floor of the comparison.

The GET client is tools/bench/.bin/loadgen ("bench -op get -null-key small/0000": its raw SigV4
client since 2026-11-26, one inline key, no preparation) when present, else boto3 threads
(--client boto3; much noisier). With the raw client the idle p99 is ~0.3 ms (it was ~1-3 ms with
minio-go), so the same background work shows as a larger share of it.
Background MB/s: heal/scrub = shard bytes read + written during the window
(strata_heal_bytes_{read,written}_total; read r / written w); lifecycle = logical bytes
transitioned (strata_lifecycle_transition_bytes_total). The harness itself polls the heal status
every 0.25 s, and /metrics once a second during a lifecycle window, on one keep-alive
connection (10 scrapes a second on new connections cost the GET p99 about as much as the
transition did). Prints a Markdown table and writes every window as JSON (--out). About 70 s
with the defaults. Client and server share the machine: compare runs made back to back.
"""

from __future__ import annotations

import argparse
import json
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
from pathlib import Path

import boto3
import requests
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

REPO = Path(__file__).resolve().parents[2]
LOADGEN = Path(__file__).resolve().parent / ".bin" / "loadgen"
MIB = 1 << 20
BUCKET = "bgbench"
SMALL_KEY = "small/0000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(endpoint, ak, sk, pool=4):
    return boto3.session.Session().client(
        "s3", endpoint_url=endpoint, aws_access_key_id=ak, aws_secret_access_key=sk,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                      max_pool_connections=pool))


# One keep-alive connection for the harness's own scrapes: a new connection per scrape also
# costs the server an accept and a hand-off, inside the window being measured.
METRICS_SESSION = requests.Session()


def metrics(endpoint) -> dict[str, float]:
    out = {}
    for line in METRICS_SESSION.get(endpoint + "/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, _, value = line.partition(" ")
            try:
                out[name] = float(value)
            except ValueError:
                pass
    return out


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


class Server:
    """strata-server on a temporary data folder (embedded default tiers)."""

    def __init__(self, binary: str, rate_mib: int, access_log: str | None,
                 busy_rate_mib: int | None = None):
        self.work = Path(tempfile.mkdtemp(prefix="strata-bg-bench-"))
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.ak, self.sk = "BGBENCHACCESSKEY0000", "bg-bench-secret-key-0123456789abcdef"
        config = {"listen": f"127.0.0.1:{self.port}", "data": str(self.work / "data"),
                  "lifecycle": {"day_seconds": 1, "interval_seconds": 1,
                                "transition_mb_per_second": rate_mib}}
        if busy_rate_mib is not None:
            config["lifecycle"]["transition_busy_mb_per_second"] = busy_rate_mib
        (self.work / "config.json").write_text(json.dumps(config))
        env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=self.ak, STRATA_ROOT_SECRET_KEY=self.sk)
        self.log = open(self.work / "server.log", "wb")
        self.proc = subprocess.Popen([binary, "--config", str(self.work / "config.json"),
                                      "--access-log", access_log or str(self.work / "access.log")],
                                     env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.endpoint + "/health/ready", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("server did not start:\n" +
                                   (self.work / "server.log").read_text(errors="replace"))
            time.sleep(0.1)

    @property
    def drives(self) -> Path:
        return self.work / "data" / "drives"

    def admin(self, method: str, path: str) -> requests.Response:
        url = self.endpoint + "/strata/admin/v1/" + path
        req = AWSRequest(method=method, url=url, data=b"")
        S3SigV4Auth(Credentials(self.ak, self.sk), "s3", "us-east-1").add_auth(req)
        return requests.request(method, url, headers=dict(req.headers), data=b"", timeout=30)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.work, ignore_errors=True)


def measure_gets(server: Server, args) -> dict:
    """Closed-loop 4 KiB GETs of SMALL_KEY on args.threads clients for args.seconds."""
    if args.client == "loadgen":
        cmd = [str(LOADGEN), "bench", "-endpoint", f"127.0.0.1:{server.port}",
               "-access-key", server.ak, "-secret-key", server.sk, "-bucket", BUCKET,
               "-op", "get", "-size", "4KiB", "-concurrency", str(args.threads),
               "-duration", f"{args.seconds}s", "-null-key", SMALL_KEY,
               "-server-pid", str(server.proc.pid), "-quiet"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=args.seconds + 120)
        if r.returncode != 0:
            raise RuntimeError(f"loadgen failed: {r.stderr[-2000:]}")
        doc = json.loads(r.stdout)
        if doc.get("errors"):
            raise RuntimeError(f"loadgen GET errors: {doc.get('first_error')}")
        lat = doc["latency_ms"]
        return {"gets": doc["ops"], "gets_per_s": doc["ops_per_s"], "p50_ms": lat["p50"],
                "p99_ms": lat["p99"], "p999_ms": lat["p999"], "max_ms": lat["max"],
                "server_cpu_pct": doc.get("server_cpu_pct"),
                "client_cpu_pct": doc.get("client_cpu_pct")}
    out: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + args.seconds

    def worker():
        s3 = client(server.endpoint, server.ak, server.sk)
        mine = []
        while time.monotonic() < deadline:
            t = time.perf_counter()
            s3.get_object(Bucket=BUCKET, Key=SMALL_KEY)["Body"].read()
            mine.append(time.perf_counter() - t)
        with lock:
            out.extend(mine)

    start = time.monotonic()
    ts = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    took = time.monotonic() - start
    return {"gets": len(out), "gets_per_s": round(len(out) / took, 1),
            "p50_ms": round(statistics.median(out) * 1e3, 3),
            "p99_ms": round(pct(out, 0.99) * 1e3, 3), "p999_ms": round(pct(out, 0.999) * 1e3, 3),
            "max_ms": round(max(out) * 1e3, 3), "server_cpu_pct": None, "client_cpu_pct": None}


def wait_heal_idle(server: Server, timeout=600) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        status = server.admin("GET", "heal/status").json()
        if status.get("state") != "running" or time.monotonic() > deadline:
            return status
        time.sleep(0.25)


def delete_drive_shards(server: Server, drive: str) -> int:
    n = 0
    for p in (server.drives / drive / "chunks").glob("*/*"):
        if p.is_file():
            p.unlink()
            n += 1
    return n


class PassLoop:
    """Runs operator heal passes back to back (optionally deleting one drive's shards before
    each) on a thread until stop(); records how much of the time a pass was running."""

    def __init__(self, server: Server, damage_drive: str | None):
        self.server, self.damage_drive = server, damage_drive
        self.stop_event = threading.Event()
        self.passes = 0
        self.shards_deleted = 0
        self.shards_rewritten = 0
        self.errors: list[str] = []
        self.busy_s = 0.0
        self.thread = threading.Thread(target=self.run)

    def start(self):
        self.thread.start()
        return self

    def run(self):
        while not self.stop_event.is_set():
            if self.damage_drive:
                self.shards_deleted += delete_drive_shards(self.server, self.damage_drive)
            t0 = time.monotonic()
            r = self.server.admin("POST", "heal?grace=0")
            if r.status_code != 202:
                self.errors.append(f"POST heal: {r.status_code} {r.text[:200]}")
                return
            status = wait_heal_idle(self.server)
            self.busy_s += time.monotonic() - t0
            self.passes += 1
            self.shards_rewritten += status.get("shards_rewritten", 0)
            if status.get("state") != "done":
                self.errors.append(f"heal pass ended {status.get('state')}: {status}")
                return

    def stop(self):
        self.stop_event.set()
        self.thread.join()


def fill(server: Server, fill_mib: int) -> list[str]:
    s3 = client(server.endpoint, server.ak, server.sk, pool=8)
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(Bucket=BUCKET, Key=SMALL_KEY, Body=os.urandom(4096))
    big = [f"big/{i:04d}" for i in range(max(1, fill_mib // 4))]
    blob = os.urandom(4 * MIB)
    lock = threading.Lock()
    todo = list(big)

    def put():
        c = client(server.endpoint, server.ak, server.sk)
        while True:
            with lock:
                if not todo:
                    return
                k = todo.pop()
            c.put_object(Bucket=BUCKET, Key=k, Body=blob)

    ts = [threading.Thread(target=put) for _ in range(2)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return big


def run_phase(server: Server, name: str, args, state: dict) -> dict:
    before = metrics(server.endpoint)
    t0 = time.monotonic()
    extra: dict = {}
    loop = None
    if name == "heal":
        loop = PassLoop(server, damage_drive="nvme1").start()
    elif name == "scrub":
        loop = PassLoop(server, damage_drive=None).start()
    elif name == "lifecycle":
        if state.get("transitioned"):
            raise RuntimeError("the lifecycle phase can run once (it moves big/ for good)")
        s3 = client(server.endpoint, server.ak, server.sk)
        s3.put_bucket_lifecycle_configuration(Bucket=BUCKET, LifecycleConfiguration={"Rules": [
            {"ID": "cold", "Status": "Enabled", "Filter": {"Prefix": "big/"},
             "Transitions": [{"Days": 1, "StorageClass": "GLACIER"}]}]})
        state["transitioned"] = True
        # The next worker pass (<= 1 s) starts the copy: the window starts with it.
        deadline = time.monotonic() + 10
        while (metrics(server.endpoint).get("strata_lifecycle_transition_bytes_total", 0) == 0
               and time.monotonic() < deadline):
            time.sleep(0.05)
        before = metrics(server.endpoint)
        t0 = time.monotonic()
        finished: list[float] = []
        stop_watch = threading.Event()

        # When the copy of everything ends, if it does within the window; checked once a
        # second: scraping /metrics ten times a second (as before 2026-11-26) was itself about
        # half of the p99 cost this window measured (median +45 % -> +21 %, same binary).
        def watch():
            while not stop_watch.wait(1.0):
                m = metrics(server.endpoint).get("strata_lifecycle_transition_bytes_total", 0)
                if m >= state["total_bytes"]:
                    finished.append(time.monotonic())
                    return

        watcher = threading.Thread(target=watch)
        watcher.start()
    gets = measure_gets(server, args)
    window_end = time.monotonic()
    after = metrics(server.endpoint)
    window = window_end - t0

    def delta(m):
        return after.get(m, 0.0) - before.get(m, 0.0)

    covered = None
    if loop is not None:
        loop.stop()
        covered = min(1.0, loop.busy_s / window)
        extra = {"passes": loop.passes, "shards_deleted": loop.shards_deleted,
                 "shards_rewritten": loop.shards_rewritten, "errors": loop.errors}
        read, written = delta("strata_heal_bytes_read_total"), delta("strata_heal_bytes_written_total")
        extra["read_mb_per_s"] = round(read / window / 1e6, 1)
        extra["written_mb_per_s"] = round(written / window / 1e6, 1)
        bg_bytes = read + written
    elif name == "lifecycle":
        stop_watch.set()
        watcher.join()
        moved_in_window = delta("strata_lifecycle_transition_bytes_total")
        covered = min(1.0, (finished[0] - t0) / window) if finished else 1.0
        # The rest of the copy (not measured) must end before the next window.
        deadline = time.monotonic() + 600
        while (metrics(server.endpoint).get("strata_lifecycle_transition_bytes_total", 0) <
               state["total_bytes"] and time.monotonic() < deadline):
            time.sleep(1.0)  # a scrape counts as a request: frequent ones hold the busy rate
        extra = {"moved_in_window_mb": round(moved_in_window / 1e6, 1),
                 "transition_s": round(time.monotonic() - t0, 2), "rate_mib": args.rate_mib,
                 "busy_rate_mib": args.busy_rate_mib}
        bg_bytes = moved_in_window
    else:
        bg_bytes = 0.0
    result = {"phase": name, "window_s": round(window, 2), "background_mb_per_s":
              round(bg_bytes / window / 1e6, 1), "covered": covered, **gets, **extra}
    print(f"  {name:10s} p50 {gets['p50_ms']:.3f} ms  p99 {gets['p99_ms']:.3f} ms  "
          f"{gets['gets_per_s']:.0f} GET/s  background {result['background_mb_per_s']} MB/s"
          + (f"  covered {covered:.0%}" if covered is not None else ""), file=sys.stderr)
    return result


def default_phases(rounds: int) -> list[str]:
    """Every background window between two idle ones: the machine's drift (other processes)
    shows in the idles around it, and each window is compared with its own neighbours."""
    seq = ["idle"]
    for _ in range(rounds):
        seq += ["heal", "idle", "scrub", "idle"]
    return seq + ["lifecycle", "idle"]


def summarize(results: list[dict]) -> dict[str, dict]:
    """Per phase kind: medians over its windows; p99 vs idle from each window's neighbours."""
    for i, r in enumerate(results):
        if r["phase"] == "idle":
            r["p99_vs_idle_pct"] = None
            continue
        near = [results[j]["p99_ms"] for j in (i - 1, i + 1)
                if 0 <= j < len(results) and results[j]["phase"] == "idle"]
        r["idle_p99_near_ms"] = statistics.mean(near) if near else None
        r["p99_vs_idle_pct"] = (round((r["p99_ms"] / r["idle_p99_near_ms"] - 1) * 100, 1)
                                if near else None)
    out: dict[str, dict] = {}
    for kind in dict.fromkeys(r["phase"] for r in results):
        rs = [r for r in results if r["phase"] == kind]
        med = lambda f: statistics.median(r[f] for r in rs)  # noqa: E731
        row = {"windows": len(rs), "gets_per_s": med("gets_per_s"), "p50_ms": med("p50_ms"),
               "p99_ms": med("p99_ms"), "background_mb_per_s": med("background_mb_per_s")}
        if kind == "idle":
            p99s = [r["p99_ms"] for r in rs]
            row["p99_spread_pct"] = (round((max(p99s) - min(p99s)) / statistics.mean(p99s) * 100,
                                           1) if len(rs) > 1 else None)
        else:
            vs = [r["p99_vs_idle_pct"] for r in rs if r["p99_vs_idle_pct"] is not None]
            row["p99_vs_idle_pct"] = statistics.median(vs) if vs else None
            row["p99_vs_idle_each"] = vs
            row["covered"] = min(r["covered"] for r in rs)
            if kind in ("heal", "scrub"):
                row["read_mb_per_s"] = med("read_mb_per_s")
                row["written_mb_per_s"] = med("written_mb_per_s")
        out[kind] = row
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--server", default=str(REPO / "build" / "bin" / "strata-server"))
    ap.add_argument("--fill-mib", type=int, default=384)
    ap.add_argument("--seconds", type=float, default=5, help="length of each measured window")
    ap.add_argument("--rounds", type=int, default=2,
                    help="heal and scrub windows each (default sequence: see --phases)")
    ap.add_argument("--threads", type=int, default=4, help="foreground GET clients")
    ap.add_argument("--rate-mib", type=int, default=64, help="transition_mb_per_second (0: none)")
    ap.add_argument("--busy-rate-mib", type=int, help="transition_busy_mb_per_second (0: none; "
                    "default: the server's, 8)")
    ap.add_argument("--phases", help="comma-separated windows, in order; lifecycle at most "
                    "once (default: idle, then (heal, idle, scrub, idle) x rounds, lifecycle, idle)")
    ap.add_argument("--client", choices=["loadgen", "boto3"],
                    default="loadgen" if LOADGEN.exists() else "boto3")
    ap.add_argument("--access-log", help="the server's access log file (default: in its temporary "
                    "data folder, on the drives' disk; /dev/null shows the cost of writing it)")
    ap.add_argument("--out", help="JSON results file")
    args = ap.parse_args()
    phases = ([p.strip() for p in args.phases.split(",") if p.strip()] if args.phases
              else default_phases(args.rounds))
    for p in phases:
        if p not in ("idle", "heal", "scrub", "lifecycle"):
            ap.error(f"unknown phase {p!r}")
    if phases.count("lifecycle") > 1:
        ap.error("lifecycle can run once")

    server = Server(args.server, args.rate_mib, args.access_log, args.busy_rate_mib)
    try:
        t = time.monotonic()
        big = fill(server, args.fill_mib)
        state = {"total_bytes": len(big) * 4 * MIB}
        print(f"filled {len(big)} x 4 MiB in {time.monotonic() - t:.1f} s", file=sys.stderr)
        # Warm-up: connections, caches, the first GETs' allocations (not reported).
        warm = argparse.Namespace(**{**vars(args), "seconds": min(2.0, args.seconds)})
        measure_gets(server, warm)
        results = [run_phase(server, p, args, state) for p in phases]
        status = wait_heal_idle(server)
        if "heal" in phases:
            assert status.get("state") == "done", status
        if "lifecycle" in phases:
            s3 = client(server.endpoint, server.ak, server.sk)
            head = s3.head_object(Bucket=BUCKET, Key=big[0])
            assert head.get("StorageClass") == "GLACIER", head
    finally:
        server.stop()

    summary = summarize(results)
    print(f"\nBackground work vs foreground GET: {args.threads} closed-loop clients "
          f"({args.client}) of one 4 KiB inline object, {args.seconds:g} s windows; "
          f"{len(big)} x 4 MiB on nvme 2+2; transition throttle "
          f"{args.rate_mib or 'none'} MiB/s, while serving "
          f"{'server default' if args.busy_rate_mib is None else args.busy_rate_mib or 'none'}"
          f"; medians over windows\n")
    print("| phase | windows | background MB/s | covered | GET/s | GET p50 ms | GET p99 ms "
          "| p99 vs neighbouring idle (each) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for kind, r in summary.items():
        bg = "-" if kind == "idle" else f"{r['background_mb_per_s']:.0f}"
        if kind in ("heal", "scrub"):
            bg += f" (r {r['read_mb_per_s']:.0f} / w {r['written_mb_per_s']:.0f})"
        cov = "-" if kind == "idle" else f"{r['covered']:.0%}"
        if kind == "idle":
            vs = (f"spread {r['p99_spread_pct']:.0f} %" if r["p99_spread_pct"] is not None
                  else "-")
        elif r["p99_vs_idle_pct"] is None:
            vs = "-"
        else:
            vs = (f"{r['p99_vs_idle_pct']:+.0f} % (" +
                  ", ".join(f"{v:+.0f}" for v in r["p99_vs_idle_each"]) + ")")
        print(f"| {kind} | {r['windows']} | {bg} | {cov} | {r['gets_per_s']:.0f} | "
              f"{r['p50_ms']:.3f} | {r['p99_ms']:.3f} | {vs} |")
    print("\nIdle spread: (max - min) / mean of the idle windows' p99, the noise floor of "
          "'p99 vs idle'.")
    if args.out:
        Path(args.out).write_text(json.dumps(
            {"kind": "background", "threads": args.threads, "seconds": args.seconds,
             "client": args.client, "fill_mib": len(big) * 4, "rate_mib": args.rate_mib,
             "busy_rate_mib": args.busy_rate_mib,
             "server": args.server, "summary": summary, "windows": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
