#!/usr/bin/env bash
# Installs everything Strata needs on Debian 12, idempotently.
#   tools/install-deps.sh          build dependencies (Debian packages only)
#   tools/install-deps.sh --test   also the test clients: s3cmd, rclone and aws-cli v2 (Debian;
#                                  /usr/bin/aws on the system python, apart from the pip v1), and
#                                  the pinned Python packages in tests/integration/requirements.txt,
#                                  and the benchmark smoke run's null server and references
#                                  (nginx-light, iperf3, zstd: see tools/bench/install.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

build_packages=(build-essential cmake ninja-build ccache pkg-config
                libboost1.81-dev libssl-dev libleveldb-dev libisal-dev
                nlohmann-json3-dev catch2 libpugixml-dev libjemalloc-dev)
# NAME=VERSION pins a Debian version (installed with apt-get install NAME=VERSION).
test_packages=(s3cmd rclone python3-pip awscli=2.9.19-1 nginx-light iperf3 zstd)

want=("${build_packages[@]}")
[[ "${1:-}" == "--test" ]] && want+=("${test_packages[@]}")

missing=()
for p in "${want[@]}"; do
  name=${p%%=*}
  version=""; [[ "$p" == *=* ]] && version=" ${p#*=}"
  dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null |
    grep -qx "install ok installed${version:- .*}" || missing+=("$p")
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
