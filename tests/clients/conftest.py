"""Fixtures for the client matrix: the integration suite's server and clients, plus a few more.

Everything in tests/integration/conftest.py (server, endpoint, creds, s3, make_s3, bucket, aws,
the failure-report hook that appends the server log, ...) is re-exported here unchanged, so the
matrix starts its server exactly as the integration suite does.
"""

import os
import pathlib

import pytest

from strata_server import load_integration_conftest

_harness = load_integration_conftest()
globals().update({k: v for k, v in vars(_harness).items() if not k.startswith("__")})

REGION = _harness.REGION


@pytest.fixture(scope="session")
def aws_multipart_env(server, tmp_path_factory) -> dict:
    """aws-cli environment as a user sets it up for an S3-compatible server: SigV4 everywhere
    (aws-cli v1 presigns with SigV2 otherwise), 8 MB multipart threshold, 5 MB parts."""
    home = tmp_path_factory.mktemp("aws-mp")
    config = home / "config"
    config.write_text(
        "[default]\n"
        f"region = {REGION}\n"
        "max_attempts = 1\n"
        "s3 =\n"
        "    multipart_threshold = 8MB\n"
        "    multipart_chunksize = 5MB\n"
        "    addressing_style = path\n"
        "    signature_version = s3v4\n"
    )
    env = _harness._clean_env()
    env.update(
        AWS_ACCESS_KEY_ID=server.creds.access_key,
        AWS_SECRET_ACCESS_KEY=server.creds.secret_key,
        AWS_DEFAULT_REGION=REGION,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.fixture(scope="session")
def aws_mp(server, aws_multipart_env):
    """Like `aws`, but SigV4 presigns, and files over 8 MB go up (and are copied) in 5 MB parts."""
    exe = _harness._require_cli("aws")

    def run(*args, check=True, timeout=180, input_bytes=None, cwd=None):
        argv = [exe, "--endpoint-url", server.endpoint, *map(str, args)]
        return _harness._run(argv, aws_multipart_env, check, timeout, input_bytes, cwd)

    return run


@pytest.fixture(scope="session")
def storage_options(server) -> dict:
    """fsspec/s3fs options as a pandas or Dask user passes them (`storage_options=`)."""
    return {
        "key": server.creds.access_key,
        "secret": server.creds.secret_key,
        "client_kwargs": {"endpoint_url": server.endpoint, "region_name": REGION},
        "config_kwargs": {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1}},
    }


@pytest.fixture
def s3fs_fs(storage_options):
    """A fresh s3fs filesystem (no listing cache shared between tests)."""
    s3fs = pytest.importorskip("s3fs", reason="install with tools/install-client-deps.sh")
    fs = s3fs.S3FileSystem(skip_instance_cache=True, use_listings_cache=False, **storage_options)
    return fs


def random_bytes(n: int, seed: int = 0) -> bytes:
    """Deterministic incompressible test data."""
    import random

    return random.Random(seed).randbytes(n)


@pytest.fixture
def tree(tmp_path) -> pathlib.Path:
    """A small directory tree: nested folders, an empty file, a 3 MiB file, a unicode name."""
    root = tmp_path / "tree"
    (root / "docs" / "deep" / "er").mkdir(parents=True)
    (root / "empty-dir").mkdir()
    (root / "docs" / "readme.txt").write_text("hello strata\n")
    (root / "docs" / "deep" / "er" / "data.bin").write_bytes(random_bytes(3 * 1024 * 1024 + 11, 1))
    (root / "docs" / "empty.txt").write_bytes(b"")
    (root / "caf\u00e9 \u00fcber.txt").write_text("unicode\n")
    os.symlink("docs/readme.txt", root / "link-to-readme")
    return root


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Lists every request the server answered 501 or 5xx, from its access log."""
    from strata_server import describe, server_errors

    server = _harness._SERVER
    if server is None or server.log_path is None:
        return
    not_implemented, failures = server_errors(server.log_tail(50_000_000))
    if not_implemented:
        terminalreporter.section("requests answered 501 NotImplemented (unsupported, by design)")
        for r in not_implemented:
            terminalreporter.write_line(describe(r))
    if failures:
        terminalreporter.section("requests answered 5xx (server bugs)", red=True)
        for r in failures:
            terminalreporter.write_line(describe(r))


def pytest_sessionfinish(session, exitstatus):
    """A 500 is never an acceptable answer: it fails the run even when every client coped."""
    from strata_server import server_errors

    server = _harness._SERVER
    if server is None or server.log_path is None or exitstatus != 0:
        return
    _, failures = server_errors(server.log_tail(50_000_000))
    if failures:
        session.exitstatus = 1
