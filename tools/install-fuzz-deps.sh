#!/usr/bin/env bash
# Installs what tools/fuzz.sh and tools/sanitize.sh need on Debian 12, idempotently, on top of
# tools/install-deps.sh: clang 14 with its libFuzzer and sanitizer runtimes.
set -euo pipefail
cd "$(dirname "$0")/.."

want=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
