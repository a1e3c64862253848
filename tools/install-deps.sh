#!/usr/bin/env bash
# Installs everything Strata needs on Debian 12, idempotently.
#   tools/install-deps.sh          build dependencies (Debian packages only)
#   tools/install-deps.sh --test   also the test clients: s3cmd and rclone (Debian), and the
#                                  pinned Python packages in tests/integration/requirements.txt
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(build-essential cmake ninja-build ccache pkg-config
                libboost1.81-dev libssl-dev libleveldb-dev libisal-dev
                nlohmann-json3-dev catch2 libpugixml-dev)
test_packages=(s3cmd rclone python3-pip)

want=("${build_packages[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test_packages[@]}")

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

if [[ "${1:-}" == "--test" ]]; then
  # Debian's pip refuses system-wide installs (PEP 668); a pyenv or venv python does not.
  python3 -m pip install -q --disable-pip-version-check -r tests/integration/requirements.txt \
    2>/dev/null || python3 -m pip install -q --disable-pip-version-check \
    --break-system-packages -r tests/integration/requirements.txt
fi
