#!/usr/bin/env bash
# Runs the client matrix's Python (pytest, run_with_server.py) with the venv that
# tools/install-client-deps.sh made: $STRATA_CLIENTS_HOME/venv (default ~/.cache/strata-clients).
set -euo pipefail
home="${STRATA_CLIENTS_HOME:-$HOME/.cache/strata-clients}"
python="$home/venv/bin/python"
if [[ ! -x "$python" ]]; then
  echo "no client venv at $home/venv: run tools/install-client-deps.sh" >&2
  exit 1
fi
exec "$python" "$@"
