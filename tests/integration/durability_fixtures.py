"""A private strata-server per test, on a data folder the test owns, for fault injection that
must not disturb the shared session server: removing drive folders, flipping bytes in shard
files, SIGKILL and restart on the same data.

Import the fixture into a test module: `from durability_fixtures import private_server`.
"""

import os
import pathlib
import secrets
import signal
import subprocess
from typing import List, Optional

import boto3
import pytest

from conftest import (REGION, STOP_TIMEOUT_S, Creds, Server, _free_port, _server_binary,
                      _wait_ready, client_config)


class PrivateServer:
    """One strata-server process at a time over one data folder; start, kill -9, restart."""

    def __init__(self, root: pathlib.Path, extra_args: Optional[List[str]] = None):
        self.root = root
        self.extra_args = list(extra_args or [])  # more strata-server flags, every start
        self.data_dir = root / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.creds = Creds("AK" + secrets.token_hex(9).upper(), secrets.token_urlsafe(30)[:40])
        self.server: Optional[Server] = None
        self.logs: List[pathlib.Path] = []

    # --- lifecycle

    def start(self) -> Server:
        assert self.server is None or self.server.process.poll() is not None, "already running"
        env = dict(os.environ)
        env["STRATA_ROOT_ACCESS_KEY"] = self.creds.access_key
        env["STRATA_ROOT_SECRET_KEY"] = self.creds.secret_key
        last_error = None
        for _ in range(3):  # a free port can be taken between probing and binding
            port = _free_port()
            log_path = self.root / f"server{len(self.logs)}.log"
            self.logs.append(log_path)
            with open(log_path, "wb") as log:
                process = subprocess.Popen(
                    [_server_binary(), "--listen", f"127.0.0.1:{port}", "--data",
                     str(self.data_dir), *self.extra_args],
                    env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            server = Server(f"http://127.0.0.1:{port}", self.creds, process, log_path,
                            self.data_dir)
            try:
                _wait_ready(server)
                self.server = server
                return server
            except RuntimeError as e:
                last_error = e
                if process.poll() is None:
                    process.kill()
                    process.wait()
                if "address already in use" not in server.log_tail().lower():
                    break
        raise last_error

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        if self.server and self.server.process.poll() is None:
            self.server.process.send_signal(signal.SIGKILL)
            self.server.process.wait()

    def stop(self) -> None:
        """SIGTERM and a clean exit (code 0) within the suite's limit."""
        if not self.server or self.server.process.poll() is not None:
            return
        self.server.process.send_signal(signal.SIGTERM)
        try:
            code = self.server.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.server.process.kill()
            self.server.process.wait()
            pytest.fail(f"private strata-server ignored SIGTERM\n{self.log_tail()}")
        assert code == 0, f"private strata-server exited {code}\n{self.log_tail()}"

    def restart(self) -> Server:
        self.kill()
        return self.start()

    # --- clients and layout

    def s3(self, **config_overrides):
        assert self.server is not None
        return boto3.session.Session().client(
            "s3", endpoint_url=self.server.endpoint,
            aws_access_key_id=self.creds.access_key,
            aws_secret_access_key=self.creds.secret_key,
            region_name=REGION, config=client_config(**config_overrides))

    def drive(self, name: str) -> pathlib.Path:
        """A virtual drive folder of the embedded default layout, e.g. drive('nvme2')."""
        return self.data_dir / "drives" / name

    def shard_files(self, name: str) -> List[pathlib.Path]:
        chunks = self.drive(name) / "chunks"
        if not chunks.exists():
            return []
        return sorted(p for p in chunks.rglob("*") if p.is_file())

    def log_tail(self, max_chars: int = 6000) -> str:
        if not self.logs:
            return "(no log)"
        text = self.logs[-1].read_text(errors="replace")
        return "--- private server log ---\n" + text[-max_chars:]


@pytest.fixture
def private_server(tmp_path):
    """A started PrivateServer on a fresh data folder; killed after the test (its log tail is
    printed, which pytest shows for failing tests)."""
    if os.environ.get("STRATA_ENDPOINT"):
        pytest.skip("needs to start its own strata-server (STRATA_ENDPOINT is set)")
    ps = PrivateServer(tmp_path)
    try:
        ps.start()
    except RuntimeError as e:
        pytest.fail(str(e), pytrace=False)
    yield ps
    print(ps.log_tail())
    ps.kill()
