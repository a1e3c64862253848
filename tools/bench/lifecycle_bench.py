#!/usr/bin/env python3
"""Lifecycle transition benchmark (issue 5): the foreground GET p99 of small objects while a
transition of everything runs, against the same GETs with the worker idle. Now one phase of
tools/bench/background_bench.py (issue 8), which this runs as

    tools/bench/background_bench.py --phases idle,lifecycle,idle [its options]

e.g. tools/bench/lifecycle_bench.py --server build/bin/strata-server --rate-mib 0
"""

import os
import sys
from pathlib import Path

if __name__ == "__main__":
    bench = Path(__file__).resolve().parent / "background_bench.py"
    os.execv(sys.executable,
             [sys.executable, str(bench), "--phases", "idle,lifecycle,idle", *sys.argv[1:]])
