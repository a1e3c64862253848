#!/usr/bin/env python3
"""Strata benchmark suite: one command, machine limits + S3 workloads + a null HTTP server.

    tools/bench/install.sh            # once: Debian packages, loadgen, ec_speed (warp optional)
    tools/bench/run.py --quick        # short run (~2-3 minutes)
    tools/bench/run.py                # full matrix (long)
    tools/bench/run.py --quick --minio   # also every line against MinIO (install.sh --with-minio)
    tools/bench/run.py --smoke        # CI's check that everything runs (~30 s); fails on any error

Starts strata-server on a temporary data folder (or uses --endpoint), measures the machine's
limits (loopback TCP, disk write+fsync and read, 4 KiB fsync rate, MD5/SHA-256 per core, ISA-L
encode), runs the same load against nginx as a null server (the box's HTTP ceiling), runs the
workloads against Strata (and with --minio, then against MinIO built from source, for
Strata/MinIO ratios), prints Markdown tables and writes JSON (--out).
See tools/bench/README.md for what each number means.
"""

from __future__ import annotations

import argparse
import datetime
import json
import mmap
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
BIN = HERE / ".bin"
sys.path.insert(0, str(HERE))
import report  # noqa: E402  (tools/bench/report.py renders tables from the JSON)

ALL_WORKLOADS = ["limits", "null", "put", "get", "head", "delete", "list", "listing", "multipart",
                 "complete", "mixed", "latency", "churn"]
# The latency workload (issue 8: "4 KiB GET at concurrency 16 at least 60% of the null server's
# rate with p99 under 1 ms"): 4 KiB GETs on 16 connections, closed loop, timed by wrk (loadgen
# latency, latency.go) against the null server and then each S3 server. A Go client's own
# scheduling adds ~1 ms to the p99 on these shared cores (latency.go says why).
LATENCY_SHARE = 0.6
OPTIONAL_WORKLOADS = ["warp"]
KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def parse_size(s: str) -> int:
    m = re.fullmatch(r"\s*(\d+)\s*(GiB|MiB|KiB|G|M|K|B)?\s*", s)
    if not m:
        raise argparse.ArgumentTypeError(f"bad size {s!r}")
    mult = {"GiB": GIB, "G": GIB, "MiB": MIB, "M": MIB, "KiB": KIB, "K": KIB, "B": 1, None: 1}
    return int(m.group(1)) * mult[m.group(2)]


def human_size(n: int) -> str:
    for unit, v in (("GiB", GIB), ("MiB", MIB), ("KiB", KIB)):
        if n >= v and n % v == 0:
            return f"{n // v}{unit}"
    return f"{n}B"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def block_device(path: Path) -> str | None:
    """The /proc/diskstats name of the device holding path (e.g. "vda"), or None."""
    try:
        st = os.stat(path)
        name = Path(f"/sys/dev/block/{os.major(st.st_dev)}:{os.minor(st.st_dev)}").resolve().name
    except OSError:
        return None
    return name if disk_counters(name) is not None else None


def disk_counters(name: str) -> tuple[int, int] | None:
    """(sectors written, sectors discarded) of a /proc/diskstats device, or None."""
    try:
        for line in Path("/proc/diskstats").read_text().splitlines():
            f = line.split()
            if len(f) >= 14 and f[2] == name:
                return int(f[9]), int(f[16]) if len(f) >= 17 else 0
    except (OSError, ValueError):
        pass
    return None


def settle_disk(name: str | None, timeout: float) -> float:
    """Waits until the data disk has written and discarded less than 1 MiB in each of two
    consecutive half seconds, at most `timeout` s; returns the seconds waited. A line's clean-up
    deletes its objects, and a server may free their blocks in the background (Strata's trash
    reaper, whose discards are synchronous here): the next line would otherwise pay for them
    (64 MiB PUT c2 ~700 instead of ~800 MB/s right after the c1 line's 5 GB)."""
    if not name:
        return 0.0
    start = time.monotonic()
    quiet = 0
    before = disk_counters(name)
    while before is not None and quiet < 2 and time.monotonic() - start < timeout:
        time.sleep(0.5)
        after = disk_counters(name)
        if after is None:
            break
        moved = (after[0] - before[0]) + (after[1] - before[1])  # 512-byte sectors
        quiet = quiet + 1 if moved * 512 < MIB else 0
        before = after
    return round(time.monotonic() - start, 1)


def settle_cpu(pids: list[int], timeout: float) -> float:
    """Waits until the processes used less than 5 % of a core in each of two consecutive half
    seconds, at most `timeout` s; returns the seconds waited. A server may finish the work a
    line left behind after the line (LevelDB compacting what was written): a latency line
    started meanwhile measures that work too (4 KiB GET c16 over the 1M-key index during a 3 s
    LevelDB compaction: 45-46k/s, p99 1.6-2.3 ms; at rest 55-61k/s, p99 0.6-0.7 ms)."""
    if not pids:
        return 0.0
    start = time.monotonic()
    quiet = 0
    before = cpu_seconds(pids)
    while quiet < 2 and time.monotonic() - start < timeout:
        time.sleep(0.5)
        after = cpu_seconds(pids)
        quiet = quiet + 1 if after - before < 0.025 else 0
        before = after
    return round(time.monotonic() - start, 1)


def wait_http(url: str, timeout: float = 15.0, proc: subprocess.Popen | None = None) -> bool:
    """True once url answers below 500; False after timeout or as soon as proc has exited."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=1) as r:
                if r.status < 500:
                    return True
        except urllib.error.HTTPError as e:  # any HTTP answer means it is up
            if e.code < 500:
                return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return None


# ---------------------------------------------------------------- machine description


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of the processes (all their threads) so far, in seconds."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14, 15 of stat)
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_info(data_dir: Path) -> dict:
    info: dict = {"kernel": platform.release(), "cores": os.cpu_count()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        for line in out.splitlines():
            k, _, v = line.partition(":")
            if k.strip() == "Model name":
                info["cpu"] = v.strip()
            if k.strip() == "Hypervisor vendor":
                info["hypervisor"] = v.strip()
    except OSError:
        pass
    try:
        mem = Path("/proc/meminfo").read_text().split("\n")[0].split()[1]
        info["memory_gib"] = round(int(mem) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    try:
        df = subprocess.run(["df", "-hT", str(data_dir)], capture_output=True, text=True).stdout
        dev, fstype, size = df.splitlines()[1].split()[:3]
        info["disk"] = f"{dev} ({fstype}, {size})"
        base = os.path.basename(os.path.realpath(dev))
        rot = Path(f"/sys/block/{base}/queue/rotational")
        if rot.exists():
            info["disk"] += ", rotational" if rot.read_text().strip() == "1" else ", non-rotational"
    except (OSError, IndexError, ValueError):
        pass
    try:
        info["os"] = Path("/etc/debian_version").read_text().strip()
        info["os"] = "Debian " + info["os"]
    except OSError:
        pass
    return info


# ---------------------------------------------------------------- machine limits


def limit_loopback(seconds: float) -> dict:
    """Loopback TCP throughput: the best of loadgen's own Go sender/receiver with 1 and 2
    streams (256 KiB writes, the client's network stack) and iperf3 (1 stream) when installed."""
    out: dict = {}
    exe = BIN / "loadgen"
    if exe.exists():
        for streams in (1, 2):
            r = subprocess.run([str(exe), "loopback", "-streams", str(streams), "-duration",
                                f"{seconds}s"], capture_output=True, text=True, timeout=120)
            try:
                out[f"go_{streams}_stream"] = json.loads(r.stdout)["mb_per_s"]
            except (ValueError, KeyError):
                pass
    if shutil.which("iperf3"):
        port = free_port()
        srv = subprocess.Popen(["iperf3", "-s", "-1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(0.3)
            r = subprocess.run(["iperf3", "-c", "127.0.0.1", "-p", str(port), "-t",
                                str(max(1, int(seconds))), "-J"],
                               capture_output=True, text=True, timeout=seconds + 30)
            bps = json.loads(r.stdout)["end"]["sum_received"]["bits_per_second"]
            out["iperf3_1_stream"] = round(bps / 8 / 1e6, 1)
        except (subprocess.SubprocessError, KeyError, ValueError) as e:
            log(f"  iperf3 failed ({e})")
        finally:
            srv.kill()
            srv.wait()
    if out:
        best = max(out, key=out.get)
        return {"mb_per_s": out[best], "tool": best.replace("_", " "), "all": out}
    return {"mb_per_s": None, "tool": "none"}


def limit_disk(data_dir: Path, size: int) -> dict:
    """Sequential write of `size` bytes in 1 MiB writes + fsync (time includes the fsync);
    then, with the file's pages dropped from the page cache, a sequential read."""
    path = data_dir / "bench-disk.tmp"
    chunk = os.urandom(MIB)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.time()
        for _ in range(size // MIB):
            os.write(fd, chunk)
        os.fsync(fd)
        write_s = time.time() - start
    finally:
        os.close(fd)
    fd = os.open(path, os.O_RDONLY)
    read_tool = "buffered read after posix_fadvise(DONTNEED)"
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        try:  # O_DIRECT when the file system supports it: certain not to hit the cache
            dfd = os.open(path, os.O_RDONLY | os.O_DIRECT)
            os.close(fd)
            fd = dfd
            read_tool = "O_DIRECT read"
        except OSError:
            pass
        buf = mmap.mmap(-1, MIB)  # page aligned, as O_DIRECT needs
        start = time.time()
        total = 0
        while True:
            n = os.readv(fd, [buf])
            if n <= 0:
                break
            total += n
        read_s = time.time() - start
    finally:
        os.close(fd)
        path.unlink(missing_ok=True)
    return {
        "write_fsync_mb_per_s": round(size / write_s / 1e6, 1),
        "read_mb_per_s": round(total / read_s / 1e6, 1),
        "bytes": size,
        "read_tool": read_tool,
    }


def limit_fsync(data_dir: Path, seconds: float, threads: int = 1) -> dict:
    """4 KiB appends, each followed by fsync, for `seconds`, by `threads` threads each on its
    own file (concurrent fsyncs share journal commits, as a server's concurrent PUTs do)."""
    counts = [0] * threads

    def worker(i: int) -> None:
        path = data_dir / f"bench-fsync-{i}.tmp"
        block = os.urandom(4096)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            end = time.time() + seconds
            while time.time() < end:
                os.write(fd, block)
                os.fsync(fd)
                counts[i] += 1
        finally:
            os.close(fd)
            path.unlink(missing_ok=True)

    start = time.time()
    ts = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    el = time.time() - start
    n = sum(counts)
    return {"per_s": round(n / el, 0), "latency_ms": round(el * threads / max(n, 1) * 1000, 3),
            "threads": threads}


def limit_hash(algo: str, seconds: int) -> float | None:
    """openssl speed -evp ALGO over 1 MiB buffers, one core, in MB/s."""
    try:
        out = subprocess.run(["openssl", "speed", "-evp", algo, "-bytes", str(MIB), "-seconds",
                              str(seconds)], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        f = line.split()
        if f and f[0].lower() == algo and f[-1].endswith("k"):
            return round(float(f[-1][:-1]) / 1000, 1)  # openssl prints 1000s of bytes/s
    return None


def limit_isal(seconds: float) -> dict | None:
    exe = BIN / "ec_speed"
    if not exe.exists():
        return None
    out = subprocess.run([str(exe), "--seconds", str(seconds)], capture_output=True, text=True)
    try:
        return json.loads(out.stdout)["isal_encode_mb_per_s"]
    except (ValueError, KeyError):
        return None


def limit_codec(seconds: float, data_dir: Path, quick: bool) -> dict | None:
    """Strata's erasure paths vs raw ISA-L, degraded read and heal (.bin/strata-codec-bench)."""
    exe = BIN / "strata-codec-bench"
    if not exe.exists():
        return None
    out = subprocess.run([str(exe), "--seconds", str(seconds), "--store-mib",
                          "32" if quick else "128", "--dir", str(data_dir)],
                         capture_output=True, text=True)
    try:
        return json.loads(out.stdout)["schemes"]
    except (ValueError, KeyError):
        return None


def measure_limits(data_dir: Path, quick: bool, smoke: bool = False) -> dict:
    """The machine's limits; smoke: the shortest runs that still exercise every measurement."""
    secs = 0.5 if smoke else 1 if quick else 3
    lim: dict = {}
    log("limits: loopback TCP")
    lim["loopback_tcp"] = limit_loopback(secs)
    log("limits: disk write+fsync / read")
    lim["disk"] = limit_disk(data_dir, 32 * MIB if smoke else 256 * MIB if quick else GIB)
    log("limits: 4 KiB fsync rate")
    lim["fsync_4k"] = limit_fsync(data_dir, secs)
    lim["fsync_4k_16"] = limit_fsync(data_dir, secs, threads=16)
    log("limits: MD5 / SHA-256 (openssl speed)")
    lim["md5_mb_per_s"] = limit_hash("md5", max(1, int(secs)))  # whole seconds only
    lim["sha256_mb_per_s"] = limit_hash("sha256", max(1, int(secs)))
    log("limits: ISA-L encode")
    lim["isal_encode_mb_per_s"] = limit_isal(secs / 2)
    log("limits: erasure codec, degraded read, heal (strata-codec-bench)")
    lim["codec"] = limit_codec(secs / 2, data_dir, quick or smoke)
    return lim


# ---------------------------------------------------------------- servers


class ServerProcess:
    """A server process the run started (self.proc), logging to self.logf: stopped with
    SIGTERM, killed after 20 s."""

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()


class Strata(ServerProcess):
    """strata-server on a temporary data folder."""

    def __init__(self, binary: Path, data_dir: Path, access: str, secret: str):
        self.port = free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        self.data_dir = data_dir
        self.log_path = data_dir.parent / "strata-server.log"
        env = dict(os.environ, STRATA_ROOT_ACCESS_KEY=access, STRATA_ROOT_SECRET_KEY=secret)
        self.logf = open(self.log_path, "w")
        self.proc = subprocess.Popen([str(binary), "--listen", self.endpoint, "--data",
                                      str(data_dir)], env=env, stdout=self.logf,
                                     stderr=subprocess.STDOUT)
        if not wait_http(f"http://{self.endpoint}/health/ready"):
            self.stop()
            raise RuntimeError(f"strata-server did not become ready; see {self.log_path}")



NGINX_CONF = """\
daemon off;
master_process on;
user root;
worker_processes auto;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    client_max_body_size 0;
    # PUT bodies are read into memory before the answer (mirror_request_body below): a null
    # server that answered before reading would let the client stop sending.
    client_body_buffer_size 128m;
    # sendfile from this VM's ext4 measured slower (1.0 GB/s) than reads into 1 MiB buffers
    # (2.2 GB/s) for 64 MiB GETs: the null server should show the box's best.
    sendfile off;
    output_buffers 2 1m;
    tcp_nodelay on;
    keepalive_requests 10000000;
    keepalive_timeout 120s;
    default_type application/octet-stream;
    server {{
        listen 127.0.0.1:{port} backlog=4096 reuseport;
        root {d}/www;
        location / {{
            if ($request_method = PUT) {{ rewrite ^ /_put last; }}
            if ($request_method = DELETE) {{ return 204; }}
        }}
        # The mirror module reads the whole request body before the content phase; the static
        # module then refuses PUT (405), which error_page turns into an empty 200.
        location = /_put {{
            mirror /_mirror;
            mirror_request_body on;
            error_page 405 =200 /_ok;
        }}
        location = /_mirror {{ internal; return 204; }}
        location = /_ok {{ internal; return 200; }}
    }}
}}
"""


class Nginx:
    """nginx as the null server: GET/HEAD serve a static file, PUT reads the body into memory
    and answers 200, DELETE answers 204."""

    BUCKET = "null"

    def __init__(self, work: Path, sizes: list[int]):
        self.dir = work / "nginx"
        (self.dir / "www" / self.BUCKET).mkdir(parents=True, exist_ok=True)
        for s in sizes:
            p = self.dir / "www" / self.BUCKET / self.key(s)
            with open(p, "wb") as f:
                chunk = os.urandom(min(s, MIB))
                left = s
                while left > 0:
                    f.write(chunk[: min(left, len(chunk))])
                    left -= len(chunk)
        self.port = free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        (self.dir / "nginx.conf").write_text(NGINX_CONF.format(d=self.dir, port=self.port))
        exe = shutil.which("nginx") or "/usr/sbin/nginx"
        self.proc = subprocess.Popen([exe, "-c", str(self.dir / "nginx.conf"), "-p",
                                      str(self.dir)], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        if not wait_http(f"http://{self.endpoint}/"):
            self.stop()
            raise RuntimeError("nginx did not start: " + (self.dir / "error.log").read_text()
                               if (self.dir / "error.log").exists() else "nginx did not start")

    @staticmethod
    def key(size: int) -> str:
        return f"obj-{size}"

    @property
    def pids(self) -> list[int]:
        pids = [self.proc.pid]
        try:
            children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text()
            pids += [int(p) for p in children.split()]
        except OSError:
            pass
        return pids

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


MINIO_DRIVES = 4


def minio_version(binary: Path) -> str | None:
    """The Go module version the binary was built from (install.sh pins it), or None."""
    try:
        out = subprocess.run(["go", "version", "-m", str(binary)], capture_output=True,
                             text=True, timeout=30,
                             env=dict(os.environ, PATH=os.environ.get("PATH", "") +
                                      ":/usr/local/go/bin")).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 3 and f[0] == "mod" and f[1] == "github.com/minio/minio":
            return f[2]
    return None


class MinIO(ServerProcess):
    """MinIO built from source (install.sh --with-minio), the benchmark peer of run.py --minio:
    one node over 4 drive folders under the run's data root, so it erasure-codes 2+2 (MinIO's
    default parity for a 4-drive set is EC:2) like Strata's embedded default tier. Nothing of
    it is linked into Strata; it only answers the same loadgen lines."""

    def __init__(self, binary: Path, work: Path, access: str, secret: str):
        self.root = work / "minio"
        for i in range(1, MINIO_DRIVES + 1):
            (self.root / f"d{i}").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.endpoint = f"127.0.0.1:{self.port}"
        console = f"127.0.0.1:{free_port()}"
        self.log_path = work / "minio.log"
        env = dict(os.environ, MINIO_ROOT_USER=access, MINIO_ROOT_PASSWORD=secret,
                   # The drive folders share the root file system, which MinIO refuses by
                   # default; a 1-byte threshold lifts only that check (MINIO_CI_CD would
                   # also shrink its buffer pool and change its trash purging).
                   MINIO_ROOTDRIVE_THRESHOLD_SIZE="1",
                   MINIO_UPDATE="off",  # no update checks: the machine has no internet
                   MINIO_BROWSER="off")  # no console UI; --console-address still binds a port
        self.logf = open(self.log_path, "a")  # a second start (workloads) appends
        # "{1...4}" is MinIO's own ellipsis syntax (not a shell expansion): one erasure set.
        self.proc = subprocess.Popen([str(binary), "server", "--address", self.endpoint,
                                      "--console-address", console,
                                      str(self.root / f"d{{1...{MINIO_DRIVES}}}")],
                                     env=env, stdout=self.logf, stderr=subprocess.STDOUT)
        if not wait_http(f"http://{self.endpoint}/minio/health/ready", timeout=60,
                         proc=self.proc):
            self.stop()
            raise RuntimeError(f"minio did not become ready; see {self.log_path} "
                               "(run.py --keep-data keeps it)")



# ---------------------------------------------------------------- load generator


class Loadgen:
    def __init__(self, endpoint: str, access: str, secret: str, signed: bool, quiet: bool):
        self.exe = BIN / "loadgen"
        if not self.exe.exists():
            raise SystemExit(f"{self.exe} is missing: run tools/bench/install.sh first")
        self.endpoint, self.access, self.secret = endpoint, access, secret
        self.signed, self.quiet = signed, quiet

    def run(self, sub: str, args: list[str], pids: list[int], endpoint: str | None = None,
            bucket: str = "bench", timeout: float = 1800) -> dict:
        cmd = [str(self.exe), sub, "-endpoint", endpoint or self.endpoint, "-access-key",
               self.access, "-secret-key", self.secret, "-bucket", bucket,
               "-server-pid", ",".join(map(str, pids))]
        if self.signed:
            cmd.append("-signed-payload")
        if self.quiet:
            cmd.append("-quiet")
        cmd += args
        try:
            out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=None, text=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f}s"}
        lines = [l for l in out.stdout.splitlines() if l.startswith("{")]
        if not lines:
            return {"error": f"loadgen exited {out.returncode} without a result"}
        return json.loads(lines[-1])


def bench_line(lg: Loadgen, op: str, size: int, conc: int, duration: float, pids: list[int],
               endpoint: str | None = None, bucket: str = "bench",
               null_key: str | None = None, client: str = "raw") -> dict:
    args = ["-op", op, "-size", str(size), "-concurrency", str(conc), "-duration",
            f"{duration}s", "-client", client]
    if null_key:
        args += ["-null-key", null_key]
    r = lg.run("bench", args, pids, endpoint=endpoint, bucket=bucket,
               timeout=duration * 4 + 600)
    r.setdefault("op", op)
    r.setdefault("size", size)
    r.setdefault("concurrency", conc)
    return r


def fmt_line(r: dict) -> str:
    if "error" in r:
        return f"error: {r['error']}"
    lat = r.get("latency_ms") or {}
    s = f"{r.get('ops_per_s', 0):>9.1f} ops/s"
    if r.get("mb_per_s"):
        s += f" {r['mb_per_s']:>8.1f} MB/s"
    s += f"  p50 {lat.get('p50', '-')} p99 {lat.get('p99', '-')} ms"
    s += f"  cpu srv {r.get('server_cpu_pct')}% cli {r.get('client_cpu_pct')}%"
    if r.get("errors"):
        s += f"  errors {r['errors']} ({r.get('first_error', '')[:80]})"
    return s


# ---------------------------------------------------------------- warp validation


def warp_validate(endpoint: str, access: str, secret: str, pids: list[int], duration: float,
                  work: Path, lg: Loadgen) -> dict:
    """Runs warp and loadgen on the same workloads (4 KiB PUT and GET at concurrency 16)
    and reports both, so loadgen's numbers can be checked against warp's: loadgen on
    minio-go, warp's own client library, and on its raw client (rawclient.go), which the
    bench lines use."""
    warp = BIN / "warp"
    if not warp.exists():
        return {"available": False, "error": "tools/bench/.bin/warp not installed "
                "(tools/bench/install.sh --with-warp)"}
    if not shutil.which("zstd"):
        return {"available": False, "error": "zstd (Debian) is needed to read warp's output"}
    out: dict = {"available": True, "lines": []}
    for op in ("put", "get"):
        bench = work / f"warp-{op}"
        cmd = [str(warp), op, "--host", endpoint, "--access-key", access, "--secret-key",
               secret, "--obj.size", "4KiB", "--concurrent", "16", "--duration",
               f"{int(duration)}s", "--noclear", "--disable-sha256-payload",
               "--bucket", f"warp-{op}", "--benchdata", str(bench), "--no-color"]
        if op == "get":
            cmd += ["--objects", "256"]
        log(f"  warp {op} 4KiB c16")
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=duration * 4 + 300)
        w = parse_warp(Path(str(bench) + ".csv.zst"), op.upper())
        own = bench_line(lg, op, 4 * KIB, 16, duration, pids, client="minio")
        raw = bench_line(lg, op, 4 * KIB, 16, duration, pids)
        out["lines"].append({"op": op, "size": 4 * KIB, "concurrency": 16, "warp": w,
                             "loadgen": own, "loadgen_raw": raw})
    return out


def parse_warp(path: Path, op: str) -> dict:
    """Throughput and latency percentiles from warp's per-operation CSV (--benchdata).
    Like warp's analysis, only operations inside the window where every thread was running
    count."""
    if not path.exists():
        return {"error": f"warp wrote no {path.name}"}
    text = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, text=True).stdout
    rows = [l.split("\t") for l in text.splitlines()]
    if len(rows) < 2:
        return {"error": "warp recorded no operations"}
    head = rows[0]
    ix = {k: i for i, k in enumerate(head)}

    def ts(s: str) -> float:
        # 2026-11-25T12:20:11.591408354Z -> seconds (nanoseconds trimmed to microseconds)
        main, _, frac = s.rstrip("Z").partition(".")
        t = datetime.datetime.fromisoformat(main).replace(tzinfo=datetime.timezone.utc)
        return t.timestamp() + float("0." + (frac or "0"))

    ops = [r for r in rows[1:] if len(r) == len(head) and r[ix["op"]] == op]
    errors = sum(1 for r in ops if r[ix["error"]])
    ok = [r for r in ops if not r[ix["error"]]]
    by_thread: dict[str, list[tuple[float, float]]] = {}
    for r in ok:
        by_thread.setdefault(r[ix["thread"]], []).append((ts(r[ix["start"]]), ts(r[ix["end"]])))
    lo = max(min(s for s, _ in v) for v in by_thread.values())
    hi = min(max(e for _, e in v) for v in by_thread.values())
    inside = [r for r in ok if ts(r[ix["start"]]) >= lo and ts(r[ix["end"]]) <= hi]
    durs = sorted(int(r[ix["duration_ns"]]) / 1e6 for r in inside)
    n = len(durs)

    def rank(q: float) -> float:
        return round(durs[max(0, -(-int(q * n * 1000) // 1000) - 1)], 3) if n else 0.0

    el = hi - lo
    return {
        "ops": n, "errors": errors, "window_s": round(el, 3),
        "ops_per_s": round(n / el, 1) if el > 0 else 0.0,
        "latency_ms": {"p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99),
                       "p999": rank(0.999), "max": round(durs[-1], 3) if n else 0.0},
    }


class LinePeer:
    """The other server of an interleaved comparison (run.py --minio): it runs each workload
    line right after Strata has run it, while Strata idles, so the two lines of a pair are
    minutes closer than in two sequential passes. This machine's speed drifts over minutes
    (a 64 MiB PUT line moved 0.2-0.3 of its ratio between runs): pairs compare like with like.
    Each line records the idle server's CPU meanwhile (idle_peer_cpu_pct)."""

    def __init__(self, name: str, server: MinIO, skip: set[str]):
        self.name, self.server, self.skip = name, server, skip
        self.max_rss = 0.0
        self.error: str | None = None


def run_line(lg: Loadgen, name: str, line: tuple[str, int, int], plan: dict, pids: list[int],
             proc: subprocess.Popen | None, log_path: Path | None,
             idle_pids: list[int]) -> dict:
    """One workload line on the server lg.endpoint points at, from a quiet disk. Raises
    RuntimeError if the server exited."""
    op, s, c = line
    settled = settle_disk(plan.get("disk"), plan.get("settle_timeout", 60))
    log(f"{name:6} {op:6} {human_size(s):>6} c{c}" + (f" (disk settled {settled} s)"
                                                       if settled > 1.5 else ""))
    idle_before, t0 = cpu_seconds(idle_pids), time.monotonic()
    r = bench_line(lg, op, s, c, plan["duration"], pids)
    if idle_pids:
        r["idle_peer_cpu_pct"] = round(
            100 * (cpu_seconds(idle_pids) - idle_before) / max(time.monotonic() - t0, 1e-3), 1)
    r["settle_s"] = settled
    if proc:
        r["server_rss_mb"] = rss_mb(proc.pid)
    log("      " + fmt_line(r) + (f" (idle {r['idle_peer_cpu_pct']} % CPU)"
                                  if "idle_peer_cpu_pct" in r else ""))
    if proc and proc.poll() is not None:
        raise RuntimeError(f"{name} server exited ({proc.returncode}); see {log_path}")
    return r


def run_server(lg: Loadgen, name: str, lines: list[tuple[str, int, int]], workloads: list[str],
               plan: dict, pids: list[int], proc: subprocess.Popen | None,
               log_path: Path | None = None, peer: LinePeer | None = None) -> dict:
    """Runs the workload lines, listing, multipart, complete and mixed workloads (those selected)
    against the server lg.endpoint points at, `name` ("strata" or "minio") in the progress
    log. `proc` (when run.py started the server) gives the RSS after each line and stops the
    run if the server exits. With a `peer`, each line not in peer.skip also runs on the peer
    right after, into the line's "minio" entry (a peer that fails stops being used)."""
    out: dict = {"lines": [], "listing": None, "multipart": None, "complete": None,
                 "mixed": None, "latency": None, "churn": None}
    max_rss = 0.0
    tag = f"{name:6}"
    for line in lines:
        interleave = peer is not None and peer.error is None and line[0] not in peer.skip
        r = run_line(lg, name, line, plan, pids, proc, log_path,
                     peer.server.pids if interleave else [])
        max_rss = max(max_rss, r.get("server_rss_mb") or 0)
        out["lines"].append(r)
        if interleave:
            saved, lg.endpoint = lg.endpoint, peer.server.endpoint
            try:
                r["minio"] = run_line(lg, peer.name, line, plan, peer.server.pids,
                                      peer.server.proc, peer.server.log_path, pids)
                peer.max_rss = max(peer.max_rss, r["minio"].get("server_rss_mb") or 0)
            except RuntimeError as e:
                peer.error = str(e)
                log(f"{peer.name}: {e}")
            finally:
                lg.endpoint = saved

    if "listing" in workloads:
        keys, prefixes = plan["listing_keys"], plan["listing_prefixes"]
        log(f"{tag} listing: populating {keys} keys over {prefixes} prefixes")
        pop = lg.run("populate", ["-keys", str(keys), "-prefixes", str(prefixes),
                                  "-concurrency", "32"], pids, bucket="listing", timeout=3600)
        log("      " + fmt_line(pop))
        lst = {"populate": pop}
        if not pop.get("errors") and "error" not in pop:
            lst.update(lg.run("listing", ["-keys", str(keys), "-prefixes", str(prefixes)], pids,
                              bucket="listing", timeout=3600))
        out["listing"] = lst
        log("      " + report.listing_summary(lst))

    if "multipart" in workloads:
        log(f"{tag} multipart {human_size(plan['mp_size'])} in {human_size(plan['part_size'])} "
            f"parts, {plan['part_parallel']} in parallel")
        mp = lg.run("multipart", ["-size", str(plan["mp_size"]), "-part-size",
                                  str(plan["part_size"]), "-parallel", str(plan["part_parallel"])],
                    pids, bucket="multipart", timeout=1800)
        if proc:
            mp["server_rss_mb"] = rss_mb(proc.pid)
        out["multipart"] = mp
        log("      " + (f"{mp.get('mb_per_s')} MB/s" if mp.get("available") else
                        f"not available: {mp.get('error', '')[:120]}"))

    if "complete" in workloads:
        log(f"{tag} CompleteMultipartUpload latency: {plan['complete_parts']} parts of "
            f"{human_size(plan['complete_part_size'])}, median of {plan['complete_reps']}")
        cm = lg.run("complete", ["-parts", plan["complete_parts"], "-part-size",
                                 str(plan["complete_part_size"]), "-reps",
                                 str(plan["complete_reps"])],
                    pids, bucket="complete", timeout=3600)
        out["complete"] = cm
        log("      " + report.complete_summary(cm))

    if "latency" in workloads:
        settled = (settle_disk(plan.get("disk"), plan.get("settle_timeout", 60)) +
                   settle_cpu(pids, plan.get("settle_timeout", 60)))
        log(f"{tag} latency: get 4KiB c16, wrk" + (f" (settled {settled:g} s)"
                                                   if settled > 1.5 else ""))
        r = latency_line(lg, plan["duration"], pids)
        r["settle_s"] = settled
        log("      " + fmt_line(r))
        out["latency"] = r

    if "mixed" in workloads:
        mx = plan["mixed"]
        log(f"{tag} mixed pipeline profile, {mx['duration']:g} s: ingest "
            f"{human_size(mx['ingest_size'])} c{mx['ingest_conc']}, training "
            f"{human_size(mx['train_size'])} c{mx['train_conc']}, inference "
            f"{human_size(mx['infer_size'])} c{mx['infer_conc']}, checkpoint burst "
            f"{mx['burst_streams']} x {human_size(mx['burst_size'])}")
        args = ["-duration", f"{mx['duration']}s"]
        for k in ("ingest_size", "ingest_conc", "train_size", "train_conc", "infer_size",
                  "infer_conc", "burst_streams", "burst_size", "burst_part_size"):
            args += ["-" + k.replace("_", "-"), str(mx[k])]
        mr = lg.run("mixed", args, pids, bucket="mixed",
                    timeout=mx["duration"] * 4 + 600)
        if proc:
            mr["server_rss_mb"] = rss_mb(proc.pid)
            max_rss = max(max_rss, mr["server_rss_mb"] or 0)
        out["mixed"] = mr
        log("      " + report.mixed_summary(mr))

    if "churn" in workloads:
        ch = plan["churn"]
        log(f"{tag} churn: list a/ (1000 keys) next to {ch['dead']} keys of "
            f"{human_size(ch['dead_size'])} deleted at once: {ch['baseline']:g} s before, "
            f"{ch['after']:g} s after")
        cr = lg.run("churn", ["-dead", str(ch["dead"]), "-dead-size", str(ch["dead_size"]),
                              "-baseline", f"{ch['baseline']}s", "-after", f"{ch['after']}s"],
                    pids, bucket="churn", timeout=ch["dead"] / 50 + ch["after"] + 600)
        if proc:
            cr["server_rss_mb"] = rss_mb(proc.pid)
            max_rss = max(max_rss, cr["server_rss_mb"] or 0)
        out["churn"] = cr
        log("      " + report.churn_summary(cr))
        if proc and proc.poll() is not None:
            raise RuntimeError(f"{name} server exited ({proc.returncode}); see {log_path}")
    out["max_rss_mb"] = max_rss
    return out


def run_minio(lg: Loadgen, binary: Path, work: Path, lines: list[tuple[str, int, int]],
              workloads: list[str], plan: dict, results: dict,
              lines_done: LinePeer | None = None) -> None:
    """The same lines and workloads against MinIO (started here, stopped after), attached to
    Strata's: results["strata"][i]["minio"], results[listing|multipart|complete|mixed]["minio"],
    and a results["minio"] summary (binary, version, drives, RSS, interleaved). `lines_done`:
    the lines already ran interleaved with Strata's (LinePeer; `lines` is then empty)."""
    summary: dict = {"binary": str(binary), "version": minio_version(binary),
                     "drives": MINIO_DRIVES, "interleaved": lines_done is not None}
    results["minio"] = summary
    if lines_done is not None:
        if lines_done.error:
            summary["error"] = lines_done.error
            return
        if not workloads:
            summary["max_rss_mb"] = lines_done.max_rss
            return
    try:
        peer = MinIO(binary, work, lg.access, lg.secret)
    except (OSError, RuntimeError) as e:
        summary["error"] = str(e)
        log(f"minio: {e}")
        return
    saved = lg.endpoint
    lg.endpoint = peer.endpoint
    try:
        m = run_server(lg, "minio", lines, workloads, plan, peer.pids, peer.proc,
                       peer.log_path)
    except RuntimeError as e:
        summary["error"] = str(e)
        log(f"minio: {summary['error']}")
        return
    finally:
        lg.endpoint = saved
        peer.stop()
    summary["max_rss_mb"] = max(m["max_rss_mb"], lines_done.max_rss if lines_done else 0.0)
    by_line = {(mr.get("op"), mr.get("size"), mr.get("concurrency")): mr for mr in m["lines"]}
    for r in results["strata"]:
        mr = by_line.get((r.get("op"), r.get("size"), r.get("concurrency")))
        if mr is not None:
            r["minio"] = mr
    for k in ("listing", "multipart", "complete", "mixed", "latency", "churn"):
        if m[k] is not None:
            if results.get(k) is None:
                results[k] = {}
            results[k]["minio"] = m[k]


def latency_line(lg: Loadgen, duration: float, pids: list[int], endpoint: str | None = None,
                 bucket: str = "bench", null_key: str | None = None) -> dict:
    """The latency workload on one server: 4 KiB GETs, 16 connections, closed loop, wrk."""
    args = ["-size", str(4 * KIB), "-concurrency", "16", "-duration", f"{duration}s"]
    if null_key:
        args += ["-null-key", null_key]
    return lg.run("latency", args, pids, endpoint=endpoint, bucket=bucket,
                  timeout=duration * 4 + 600)


def null_latency(lg: Loadgen, nginx: "Nginx", results: dict, duration: float) -> None:
    """The latency workload on the null server: the rate the target's share is taken of."""
    log("null  latency: get 4KiB c16, wrk")
    r = latency_line(lg, duration, nginx.pids, nginx.endpoint, Nginx.BUCKET,
                     null_key=Nginx.key(4 * KIB))
    log("      " + fmt_line(r))
    results["latency"] = {"share": LATENCY_SHARE, "null": r}


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="short run: a few seconds per workload, a reduced matrix")
    ap.add_argument("--smoke", action="store_true",
                    help="CI's check that the suite works (~30 s): every workload but warp at "
                    "its smallest (4 KiB at concurrency 4 for 1 s, 1000 listing keys, 32 MiB "
                    "multipart, 3 s mixed, churn of 2000 keys); exits non-zero if any line "
                    "reports an error, a workload produced no result or report.py cannot render "
                    "the JSON")
    ap.add_argument("--workloads", default=",".join(ALL_WORKLOADS),
                    help=f"comma-separated, from {','.join(ALL_WORKLOADS + OPTIONAL_WORKLOADS)}")
    ap.add_argument("--duration", type=float, help="seconds per line (default 10, --quick 2)")
    ap.add_argument("--sizes", help="object sizes, e.g. 4KiB,64MiB (default 4KiB,64KiB,1MiB,"
                    "64MiB; --quick 4KiB,64MiB)")
    ap.add_argument("--concurrency", help="e.g. 1,16 (default 1,16,64; --quick 16)")
    ap.add_argument("--listing-keys", type=int, help="keys for the listing workload "
                    "(default 1000000; --quick 10000)")
    ap.add_argument("--listing-prefixes", type=int, default=1000)
    ap.add_argument("--multipart-size", type=parse_size,
                    help="multipart object size (default 1GiB; --quick 128MiB)")
    ap.add_argument("--part-size", type=parse_size, default=16 * MIB)
    ap.add_argument("--part-parallel", type=int, default=8)
    ap.add_argument("--complete-parts", help="part counts for the CompleteMultipartUpload "
                    "latency workload (default 1,10,100,1000; --quick 1,10)")
    ap.add_argument("--complete-part-size", type=parse_size, default=5 * MIB,
                    help="size of every part there (S3's minimum, 5 MiB)")
    ap.add_argument("--complete-reps", type=int,
                    help="completions per part count; the median is reported (default 3; "
                    "--smoke 1)")
    ap.add_argument("--mixed-duration", type=float,
                    help="seconds of the mixed pipeline profile (default 30; --quick 6; "
                    "--smoke 3)")
    ap.add_argument("--mixed-burst-size", type=parse_size,
                    help="size of each of the 4 checkpoint uploads in the mixed profile "
                    "(default 256MiB; --quick 64MiB; --smoke 10MiB)")
    ap.add_argument("--churn-keys", type=int,
                    help="keys of 4 KiB deleted next to the listed prefix in the churn workload "
                    "(default 50000; --quick 20000; --smoke 2000)")
    ap.add_argument("--churn-after", type=float,
                    help="seconds of listing after the churn workload's delete (default 15; "
                    "--quick 10; --smoke 3)")
    ap.add_argument("--endpoint", help="use a running server at HOST:PORT instead of starting one")
    ap.add_argument("--server-pid", type=int, help="with --endpoint: pid to report CPU for")
    ap.add_argument("--access-key", default=os.environ.get("AWS_ACCESS_KEY_ID", "benchadmin"))
    ap.add_argument("--secret-key", default=os.environ.get("AWS_SECRET_ACCESS_KEY",
                                                           "bench-secret-key-1234"))
    ap.add_argument("--server-bin", type=Path, help="strata-server binary (default: the newest "
                    "of build*/bin/strata-server)")
    ap.add_argument("--data-root", type=Path, default=Path(tempfile.gettempdir()),
                    help="folder for the temporary data dir (and the disk limits)")
    ap.add_argument("--ec-overhead", type=float, default=2.0,
                    help="bytes written per byte stored by the server's default tier "
                    "(2.0 for the embedded default's 2+2)")
    ap.add_argument("--signed-payload", action="store_true",
                    help="sign PUT bodies (aws-chunked) instead of UNSIGNED-PAYLOAD")
    ap.add_argument("--minio", action="store_true",
                    help="also run every workload against MinIO (install.sh --with-minio) and "
                    "print Strata/MinIO ratios: each line right after Strata's, the other "
                    "workloads after Strata stops")
    ap.add_argument("--minio-skip", default="",
                    help="workloads not to run against MinIO, e.g. listing (its 1M-key "
                    "population takes ~25 min at MinIO's small-PUT rate here)")
    ap.add_argument("--minio-sequential", action="store_true",
                    help="with --minio: run MinIO's lines after all of Strata's (one server up "
                         "at a time) instead of each right after Strata's")
    ap.add_argument("--minio-bin", type=Path, default=BIN / "minio",
                    help="the MinIO server binary (default .bin/minio)")
    ap.add_argument("--out", type=Path, default=Path("bench-results.json"))
    ap.add_argument("--keep-data", action="store_true")
    a = ap.parse_args()

    smoke = a.smoke
    if smoke and a.quick:
        ap.error("--smoke and --quick are different modes: choose one")
    quick = a.quick
    mode = "smoke" if smoke else "quick" if quick else "full"

    def pick(given, full, quick_v, smoke_v):
        """The option's value: given on the command line, else the mode's default."""
        if given is not None:
            return given
        return smoke_v if smoke else quick_v if quick else full

    duration = pick(a.duration, 10.0, 2.0, 1.0)
    sizes = [parse_size(s) for s in pick(a.sizes, "4KiB,64KiB,1MiB,64MiB", "4KiB,64MiB",
                                         "4KiB").split(",")]
    concs = [int(c) for c in pick(a.concurrency, "1,16,64", "16", "4").split(",")]
    listing_keys = pick(a.listing_keys, 1_000_000, 10_000, 1000)
    mp_size = pick(a.multipart_size, GIB, 128 * MIB, 32 * MIB)
    # Every part is 5 MiB (S3's minimum for all but the last; no server flag lowers it), so
    # 1000 parts upload 5 GiB per completion: ~80 s for 3 runs here, too long for --quick.
    complete_parts = pick(a.complete_parts, "1,10,100,1000", "1,10", "1")
    complete_reps = pick(a.complete_reps, 3, 3, 1)
    # The mixed pipeline profile: its classes' sizes and concurrency per mode (README.md).
    mixed = {"duration": pick(a.mixed_duration, 30.0, 6.0, 3.0),
             "ingest_size": pick(None, MIB, MIB, 64 * KIB), "ingest_conc": 4,
             "train_size": pick(None, 64 * MIB, 16 * MIB, MIB), "train_conc": 2,
             "infer_size": 4 * KIB, "infer_conc": 8,
             "burst_streams": 4,
             "burst_size": pick(a.mixed_burst_size, 256 * MIB, 64 * MIB, 10 * MIB),
             "burst_part_size": pick(None, 16 * MIB, 16 * MIB, 5 * MIB)}
    # The churn workload (listing next to a bulk delete): keys deleted, listing before/after.
    churn = {"dead": pick(a.churn_keys, 50_000, 20_000, 2000), "dead_size": 4 * KIB,
             "baseline": pick(None, 3.0, 2.0, 1.0),
             "after": pick(a.churn_after, 15.0, 10.0, 3.0)}
    workloads = [w.strip() for w in a.workloads.split(",") if w.strip()]
    for w in workloads:
        if w not in ALL_WORKLOADS + OPTIONAL_WORKLOADS:
            ap.error(f"unknown workload {w!r}")
    minio_bin = a.minio_bin.resolve()
    if a.minio and not minio_bin.is_file():
        ap.error(f"--minio: {minio_bin} is missing: run tools/bench/install.sh --with-minio")
    if a.minio and len(a.secret_key) < 8:
        ap.error("--minio: MinIO needs a secret key of at least 8 characters")
    plan = {"duration": duration, "listing_keys": listing_keys,
            "listing_prefixes": a.listing_prefixes, "mp_size": mp_size,
            "part_size": a.part_size, "part_parallel": a.part_parallel,
            "complete_parts": complete_parts, "complete_part_size": a.complete_part_size,
            "complete_reps": complete_reps, "mixed": mixed, "churn": churn}

    # The matrix. The large-object targets are at 2 streams: add that line for the
    # largest size. DELETE of large objects measures the same index work as small ones, so
    # it runs at the smallest and largest size only.
    lines: list[tuple[str, int, int]] = []
    for op in ("put", "get", "head", "delete"):
        if op not in workloads:
            continue
        op_sizes = sizes if op != "delete" else sorted({min(sizes), max(sizes)})
        for s in op_sizes:
            cs = list(concs)
            if s >= 64 * MIB and op in ("put", "get") and 2 not in cs:
                cs = sorted(cs + [2])
            if (quick or smoke) and s >= 64 * MIB:
                cs = [2]
            for c in cs:
                lines.append((op, s, c))
    if "list" in workloads:
        lines += [("list", 4 * KIB, c) for c in concs]

    quiet = not sys.stderr.isatty()
    work = Path(tempfile.mkdtemp(prefix="strata-bench-", dir=a.data_root))
    data_dir = work / "data"
    data_dir.mkdir()
    # Each server line starts on a quiet data disk (settle_disk); a smoke run waits briefly.
    plan["disk"] = block_device(data_dir)
    plan["settle_timeout"] = 5 if smoke else 60
    results: dict = {
        "schema": 1,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).as_posix()] + sys.argv[1:]),
        "mode": mode,
        "duration_s": duration,
        "payload": "aws-chunked signed" if a.signed_payload else "UNSIGNED-PAYLOAD",
        "ec_overhead": a.ec_overhead,
        "machine": machine_info(data_dir),
        "limits": None,
        "null": [],
        "strata": [],
        "listing": None,
        "multipart": None,
        "complete": None,
        "mixed": None,
        "latency": None,
        "churn": None,
        "warp_validation": None,
        "minio": None,
    }
    t_start = time.time()
    results["machine"]["loadavg_start"] = os.getloadavg()[0]
    server: Strata | None = None
    minio_running: MinIO | None = None  # up while the interleaved lines run
    try:
        if "limits" in workloads:
            results["limits"] = measure_limits(data_dir, quick, smoke)
            lim = results["limits"]
            log(f"  loopback {lim['loopback_tcp']['mb_per_s']} MB/s, disk write+fsync "
                f"{lim['disk']['write_fsync_mb_per_s']} MB/s, read {lim['disk']['read_mb_per_s']}"
                f" MB/s, fsync {lim['fsync_4k']['per_s']}/s (16 threads {lim['fsync_4k_16']['per_s']}/s), md5 {lim['md5_mb_per_s']} MB/s,"
                f" sha256 {lim['sha256_mb_per_s']} MB/s, isa-l {lim['isal_encode_mb_per_s']}")

        lg = Loadgen(a.endpoint or "", a.access_key, a.secret_key, a.signed_payload, quiet)

        if "null" in workloads and (lines or "latency" in workloads):
            if not (shutil.which("nginx") or Path("/usr/sbin/nginx").exists()):
                log("null: nginx is not installed (tools/bench/install.sh); skipped")
            else:
                nginx = Nginx(work, sorted({s for _, s, _ in lines} |
                                           ({4 * KIB} if "latency" in workloads else set())))
                try:
                    for op, s, c in lines:
                        if op == "list":
                            continue
                        log(f"null  {op:6} {human_size(s):>6} c{c}")
                        r = bench_line(lg, op, s, c, duration, nginx.pids, nginx.endpoint,
                                       Nginx.BUCKET, null_key=Nginx.key(s))
                        log("      " + fmt_line(r))
                        results["null"].append(r)
                    if "latency" in workloads:
                        null_latency(lg, nginx, results, duration)
                finally:
                    nginx.stop()

        pids: list[int] = []
        if a.endpoint:
            lg.endpoint = a.endpoint
            pids = [a.server_pid] if a.server_pid else []
        elif any(w in workloads for w in ("put", "get", "head", "delete", "list", "listing",
                                           "multipart", "complete", "mixed", "latency", "churn",
                                           "warp")):
            binary = a.server_bin or newest_server_binary()
            if binary is None:
                raise SystemExit("no strata-server binary: build it or pass --server-bin")
            results["server_binary"] = str(binary)
            server = Strata(binary, data_dir, a.access_key, a.secret_key)
            lg.endpoint = server.endpoint
            pids = server.pids

        skip = {w.strip() for w in a.minio_skip.split(",") if w.strip()}
        minio_lines = [line for line in lines if line[0] not in skip]
        minio_workloads = [w for w in workloads if w not in skip]
        line_peer: LinePeer | None = None
        if a.minio and server and minio_lines and not a.minio_sequential:
            # Interleaved (LinePeer): MinIO runs each line right after Strata; it is up for
            # the lines only, so every other workload still has one server on the cores.
            try:
                minio_running = MinIO(minio_bin, work, a.access_key, a.secret_key)
                line_peer = LinePeer("minio", minio_running, skip)
            except (OSError, RuntimeError) as e:
                log(f"minio: {e}; its lines run after Strata's instead")
        strata = run_server(lg, "strata", lines, [] if line_peer else workloads, plan, pids,
                            server.proc if server else None,
                            server.log_path if server else None, line_peer)
        if minio_running:
            minio_running.stop()
            minio_running = None
            rest = run_server(lg, "strata", [], workloads, plan, pids,
                              server.proc if server else None,
                              server.log_path if server else None)
            rest["lines"] = strata["lines"]
            rest["max_rss_mb"] = max(rest["max_rss_mb"], strata["max_rss_mb"])
            strata = rest
        results["strata"] = strata["lines"]
        for k in ("listing", "multipart", "complete", "mixed", "churn"):
            results[k] = strata[k]
        if strata["latency"] is not None:
            results["latency"] = dict(results["latency"] or {}, strata=strata["latency"])

        if "warp" in workloads:
            log("warp validation")
            results["warp_validation"] = warp_validate(lg.endpoint, a.access_key, a.secret_key,
                                                       pids, duration, work, lg)
        if server:
            results["server_max_rss_mb"] = strata["max_rss_mb"]
            # MinIO's workloads (and with --minio-sequential its lines) run after Strata has
            # stopped, as the null server ran before it started: one server at a time on the
            # shared cores for everything but the interleaved lines.
            server.stop()
            server = None
        if a.minio and (lines or any(w in workloads for w in ("listing", "multipart", "complete",
                                                                "mixed", "latency", "churn"))):
            run_minio(lg, minio_bin, work, [] if line_peer else minio_lines, minio_workloads,
                      plan, results, line_peer)
    finally:
        if server:
            server.stop()
        if minio_running:
            minio_running.stop()
        results["total_s"] = round(time.time() - t_start, 1)
        results["machine"]["loadavg_end"] = os.getloadavg()[0]
        a.out.write_text(json.dumps(results, indent=1) + "\n")
        if not a.keep_data:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"data kept in {work}")

    print(report.render(results))
    log(f"results written to {a.out} ({results['total_s']} s)")
    if smoke:
        problems = smoke_problems(results, workloads, a.out)
        for p in problems:
            log(f"smoke: FAILED: {p}")
        if problems:
            return 1
        log(f"smoke: passed ({results['total_s']} s)")
    failed = [r for r in results["strata"] if "error" in r]
    minio_failed = a.minio and (results.get("minio") or {}).get("error")
    return 1 if failed or minio_failed else 0


def smoke_problems(res: dict, workloads: list[str], out: Path) -> list[str]:
    """What makes a --smoke run fail: a line that reports errors, a selected workload without
    its result, a JSON file report.py cannot render. Empty when the run is sound."""
    problems: list[str] = []

    def check(name: str, r: dict | None) -> None:
        """A loadgen result: present, no "error", no errors > 0."""
        if not r:
            problems.append(f"{name}: no result")
        elif r.get("error"):
            problems.append(f"{name}: {str(r['error'])[:200]}")
        elif r.get("errors"):
            problems.append(f"{name}: {r['errors']} errors ({str(r.get('first_error'))[:200]})")

    if "limits" in workloads:
        lim = res.get("limits") or {}
        for name, v in (("loopback TCP", (lim.get("loopback_tcp") or {}).get("mb_per_s")),
                        ("disk write", (lim.get("disk") or {}).get("write_fsync_mb_per_s")),
                        ("disk read", (lim.get("disk") or {}).get("read_mb_per_s")),
                        ("fsync rate", (lim.get("fsync_4k") or {}).get("per_s")),
                        ("MD5 speed", lim.get("md5_mb_per_s")),
                        ("SHA-256 speed", lim.get("sha256_mb_per_s")),
                        ("ISA-L encode (.bin/ec_speed)", lim.get("isal_encode_mb_per_s")),
                        ("codec bench (.bin/strata-codec-bench)", lim.get("codec"))):
            if not v:
                problems.append(f"limits: no {name}")
    lines = list(res.get("strata", []))
    want_ops = [w for w in ("put", "get", "head", "delete", "list") if w in workloads]
    for op in want_ops:
        if not any(r.get("op") == op for r in lines):
            problems.append(f"strata {op}: no result")
    for r in lines:
        check(f"strata {r.get('op')} {human_size(r.get('size') or 0)} c{r.get('concurrency')}", r)
    if "null" in workloads:
        if not res.get("null"):
            problems.append("null server: no result (is nginx installed?)")
        for r in res.get("null", []):
            check(f"null {r.get('op')} {human_size(r.get('size') or 0)} c{r.get('concurrency')}",
                  r)
    if "listing" in workloads:
        lst = res.get("listing") or {}
        check("listing populate", lst.get("populate"))
        check("listing", lst if lst else None)
        if lst and lst.get("full_listing_keys") != lst.get("keys"):
            problems.append(f"listing: listed {lst.get('full_listing_keys')} of "
                            f"{lst.get('keys')} keys")
    if "multipart" in workloads:
        mp = res.get("multipart") or {}
        if not mp.get("available"):
            problems.append(f"multipart: no result ({str(mp.get('error'))[:200]})")
    if "complete" in workloads:
        cm = res.get("complete")
        check("complete", cm)
        if cm and not cm.get("lines"):
            problems.append("complete: no lines")
    if "mixed" in workloads:
        mx = res.get("mixed")
        check("mixed", mx)
        for c in (mx or {}).get("classes") or []:
            check(f"mixed {c.get('class')}", c)
            # The split of inference by the burst's window may be empty in a short run.
            if not c.get("ops") and c.get("class") in ("ingest", "training", "inference"):
                problems.append(f"mixed {c.get('class')}: no operations completed")
        b = (mx or {}).get("burst") or {}
        if mx and b.get("uploads") != b.get("streams"):
            problems.append(f"mixed: {b.get('uploads')} of {b.get('streams')} checkpoint "
                            "uploads completed")
    if "churn" in workloads:
        ch = res.get("churn")
        check("churn", ch)
        if ch and not ch.get("error"):
            if not ch.get("windows") or not ch.get("baseline_pages"):
                problems.append("churn: no page listed before or after the delete")
            if ch.get("cleanup_error"):
                problems.append(f"churn: cleanup: {ch['cleanup_error'][:200]}")
    if "latency" in workloads:
        lat = res.get("latency") or {}
        if "null" in workloads:
            check("latency (null server)", lat.get("null"))
        check("latency", lat.get("strata"))
    # The JSON as written must render with report.py's own command line.
    r = subprocess.run([sys.executable, str(HERE / "report.py"), str(out)], capture_output=True,
                       text=True)
    if r.returncode != 0 or not r.stdout.strip():
        problems.append(f"report.py {out} failed ({r.returncode}): {r.stderr.strip()[-300:]}")
    return problems


def newest_server_binary() -> Path | None:
    cands = [p for p in REPO.glob("build*/bin/strata-server") if p.is_file()]
    return max(cands, key=lambda p: p.stat().st_mtime) if cands else None


if __name__ == "__main__":
    sys.exit(main())
