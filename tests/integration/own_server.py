"""Starts a private strata-server for tests that need their own configuration (TLS, heal).

The session server of conftest.py is shared by every test; tests that change the server's
configuration or damage its drives start one of these instead, on free loopback ports.
"""

import json
import os
import pathlib
import secrets
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import Optional

import pytest
import requests

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


@dataclass
class OwnServer:
    process: subprocess.Popen
    http: Optional[str]  # "http://127.0.0.1:PORT", or None when HTTPS only
    https: Optional[str]
    access_key: str
    secret_key: str
    data_dir: pathlib.Path
    log_path: pathlib.Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def binary(name: str) -> str:
    """A binary built next to strata-server (STRATA_SERVER), e.g. strata-admin."""
    server = os.environ.get("STRATA_SERVER") or str(REPO_ROOT / "build" / "bin" / "strata-server")
    if name == "strata-server":
        path = server
    else:
        path = os.environ.get(name.upper().replace("-", "_")) or str(pathlib.Path(server).parent / name)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} is not built")
    return path


def start(tmp: pathlib.Path, config: dict, args=(), ca_file=None, ready_timeout=30) -> OwnServer:
    """Starts strata-server with `config` (a dict written as its JSON config) plus `args`.
    Returns once /health/ready answers 200 on every endpoint it serves."""
    if os.environ.get("STRATA_ENDPOINT"):
        pytest.skip("STRATA_ENDPOINT set: not starting private servers")
    tmp.mkdir(parents=True, exist_ok=True)
    data_dir = tmp / "data"
    config = dict(config)
    config.setdefault("data", str(data_dir))
    config_path = tmp / "config.json"
    config_path.write_text(json.dumps(config))
    access_key = "AK" + secrets.token_hex(9).upper()
    secret_key = secrets.token_urlsafe(30)[:40]
    env = dict(os.environ)
    env["STRATA_ROOT_ACCESS_KEY"] = access_key
    env["STRATA_ROOT_SECRET_KEY"] = secret_key
    log_path = tmp / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [binary("strata-server"), "--config", str(config_path), *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    http = https = None
    if "listen" in config:
        http = "http://" + config["listen"]
    if "tls" in config:
        https = "https://" + config["tls"]["listen"]
    server = OwnServer(process, http, https, access_key, secret_key, data_dir, log_path)
    deadline = time.monotonic() + ready_timeout
    pending = [e for e in (http, https) if e]
    last = "no answer yet"
    while pending:
        if process.poll() is not None:
            raise AssertionError(f"strata-server exited with {process.returncode}:\n{server.log()}")
        if time.monotonic() > deadline:
            server.stop()
            raise AssertionError(f"server not ready ({last}):\n{server.log()}")
        try:
            r = requests.get(pending[0] + "/health/ready", timeout=2, verify=ca_file or True)
            if r.status_code == 200:
                pending.pop(0)
                continue
            last = f"HTTP {r.status_code}"
        except requests.RequestException as e:
            last = repr(e)
        time.sleep(0.1)
    return server
