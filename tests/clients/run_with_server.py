#!/usr/bin/env python3
"""Runs one client test command (go test, node --test, mvn test) against a fresh strata-server.

    run_with_server.py [--cwd DIR] [--timeout S] -- COMMAND ARGS...

Starts $STRATA_SERVER (or build/bin/strata-server) on a free loopback port with fresh data and
random root keys, exactly as tests/integration does, and runs COMMAND with
STRATA_ENDPOINT, STRATA_ROOT_ACCESS_KEY and STRATA_ROOT_SECRET_KEY set. COMMAND's output goes
straight to ours, so CI reads the runner's own summary lines (go test, node --test, Surefire).
Afterwards the server gets SIGTERM and must exit 0. The exit code is COMMAND's, or 1 if the
server died, hung on SIGTERM or exited non-zero; on failure the tail of the server log is
printed, with every request it answered with 5xx or NotImplemented.
"""

import argparse
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from strata_server import describe, load_integration_conftest, server_errors  # noqa: E402


def interesting_log_lines(text: str) -> str:
    """Log lines that name a 5xx, NotImplemented or an error: what the lead routes to a layer."""
    pattern = re.compile(r"NotImplemented|\b5\d\d\b|error|warn", re.IGNORECASE)
    lines = [l for l in text.splitlines() if pattern.search(l)]
    return "\n".join(lines[-60:]) if lines else "(none)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cwd", default=None)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")

    harness = load_integration_conftest()
    with tempfile.TemporaryDirectory(prefix="strata-clients-") as tmp:
        try:
            server = harness._start_server(pathlib.Path(tmp))
        except Exception as e:  # noqa: BLE001 (RuntimeError, or pytest.exit for a missing binary)
            print(f"cannot start strata-server: {e}", file=sys.stderr)
            return 1
        env = dict(os.environ)
        env.update(
            STRATA_ENDPOINT=server.endpoint,
            STRATA_ROOT_ACCESS_KEY=server.creds.access_key,
            STRATA_ROOT_SECRET_KEY=server.creds.secret_key,
        )
        print(f"strata-server at {server.endpoint}; running: {' '.join(command)}", flush=True)
        try:
            code = subprocess.run(command, cwd=args.cwd, env=env, timeout=args.timeout).returncode
        except subprocess.TimeoutExpired:
            print(f"\n{command[0]} did not finish within {args.timeout:.0f} s", flush=True)
            code = 1
        except FileNotFoundError:
            print(f"`{command[0]}` is not on PATH: run tools/install-client-deps.sh", flush=True)
            code = 1

        process = server.process
        server_ok = True
        if process.poll() is not None:
            print(f"strata-server died during the tests (exit {process.returncode})")
            server_ok = False
        else:
            process.send_signal(signal.SIGTERM)
            try:
                rc = process.wait(timeout=30)
                if rc != 0:
                    print(f"strata-server exited {rc} after SIGTERM, expected 0")
                    server_ok = False
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                print("strata-server did not exit within 30 s of SIGTERM")
                server_ok = False
        not_implemented, failures = server_errors(server.log_tail(50_000_000))
        if not_implemented:
            print("--- requests answered 501 NotImplemented (unsupported, by design) ---")
            print("\n".join(describe(r) for r in not_implemented))
        if failures:
            print("--- requests answered 5xx (server bugs: the run fails) ---")
            print("\n".join(describe(r) for r in failures))
            server_ok = False
        if code != 0 or not server_ok:
            log = server.log_tail(200_000)
            print("--- strata-server log: errors, 5xx, NotImplemented ---")
            print(interesting_log_lines(log))
            print("--- strata-server log (tail) ---")
            print(log[-6000:])
        return code if code != 0 else (0 if server_ok else 1)


if __name__ == "__main__":
    sys.exit(main())
