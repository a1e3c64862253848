"""Starts and stops the server under test for the client matrix, reusing tests/integration.

The integration suite's conftest.py owns how a server is started (free loopback port, fresh
--data folder, random root keys, readiness wait). This module loads it under its own name, so
pytest's conftest of this folder and the non-pytest runner (run_with_server.py) share one way.
"""

import importlib.util
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
INTEGRATION = HERE.parent / "integration"


def load_integration_conftest():
    """The tests/integration/conftest.py module, imported as `strata_integration_conftest`."""
    name = "strata_integration_conftest"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, INTEGRATION / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    sys.path.insert(0, str(INTEGRATION))  # for its helper imports (s3helpers)
    spec.loader.exec_module(module)
    return module


def server_errors(log_text: str):
    """Requests the server answered with 5xx, from its JSON access log (one object a line).

    Returns (not_implemented, failures): 501 answers (features a client tried that Strata does
    not have: acceptable, but worth listing) and every other 5xx (bugs: never acceptable).
    Lines that are not JSON access-log records are ignored, so this is empty on a server
    without an access log.
    """
    import json

    not_implemented, failures = [], []
    for line in log_text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            record = json.loads(line)
            status = int(record.get("status", 0))
        except (ValueError, TypeError, AttributeError):
            continue
        if status == 501:
            not_implemented.append(record)
        elif status >= 500:
            failures.append(record)
    return not_implemented, failures


def describe(record) -> str:
    """One access-log record as `status METHOD path (operation) ua`."""
    return (
        f"{record.get('status')} {record.get('method')} {record.get('path')} "
        f"op={record.get('operation')} ua={str(record.get('user_agent', ''))[:60]}"
    )
