#!/usr/bin/env bash
# Installs what tools/bench/run.py needs, idempotently, into tools/bench/.bin (gitignored):
#   - Debian packages: nginx-light (the null server), wrk (times the latency workload), iperf3 (a
#     loopback reference), zstd (reads warp's output), g++ and libisal-dev (ec_speed), openssl
#     (hash speed)
#   - .bin/loadgen    our load generator (Go; minio-go pinned in loadgen/go.mod + go.sum)
#   - .bin/ec_speed   ISA-L encode speed (ec_speed.cc)
#   - .bin/strata-codec-bench   Strata's codec vs raw ISA-L, degraded read, heal (codec_bench.cc;
#     built with CMake in .build/, needs the server's build dependencies; --codec-bench PATH
#     copies one already built instead, as the bench_smoke test does with its build's)
#   - .bin/warp       MinIO's warp, only with --with-warp (validates loadgen; ~1 min to build)
#   - .bin/minio      MinIO server, only with --with-minio (run.py --minio's benchmark peer; a big
#     dependency tree: several minutes on 2 cores). A separate program, never linked into Strata.
# Needs Go >= 1.21 on PATH (or in /usr/local/go/bin). Idempotent: a second run installs no
# package and rebuilds nothing that is up to date (a few seconds).
set -euo pipefail
cd "$(dirname "$0")"

WARP_VERSION=v1.0.0
# The module's hash (go.sum "h1:" form), checked ourselves: the checksum database does not
# answer for this module from here, so GONOSUMDB is set for it alone.
WARP_SUM="h1:woAI+71OyvDQoI6U0xeL9NvX2TxZHXpgGHexU4R6K9Y="

# MinIO's tags are not semver, so the Go module proxy lists no versions: pin the pseudo-version
# `go list -m github.com/minio/minio@latest` resolved to (commit 7aac2a2c5b7c, 2026-02-12).
# Its go.sum pins every dependency; the checksum database vouches for the module itself.
MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c

with_warp=0
with_minio=0
codec_bench=""
usage="usage: $0 [--with-warp] [--with-minio] [--codec-bench PATH]"
while (($#)); do
  case "$1" in
    --with-warp) with_warp=1 ;;
    --with-minio) with_minio=1 ;;
    --codec-bench)
      [[ $# -ge 2 ]] || { echo "$usage" >&2; exit 2; }
      codec_bench=$2
      shift
      ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
  shift
done

packages=(nginx-light iperf3 zstd g++ libisal-dev openssl wrk)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  # CI runs as root; elsewhere sudo. `env` carries DEBIAN_FRONTEND through sudo's env_reset.
  as_root=()
  if [[ $(id -u) -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      echo "install as root (or with sudo): apt-get install ${missing[*]}" >&2
      exit 1
    fi
    as_root=(sudo)
  fi
  "${as_root[@]}" apt-get update -qq
  "${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
fi

export PATH="$PATH:/usr/local/go/bin"
if ! command -v go >/dev/null; then
  echo "Go is not installed: install Go >= 1.21 (Debian 12's golang-go is 1.19, too old)" >&2
  exit 1
fi

mkdir -p .bin
echo "building .bin/loadgen"
(cd loadgen && go build -trimpath -o ../.bin/loadgen .)

if [[ .bin/ec_speed -nt ec_speed.cc ]]; then
  echo ".bin/ec_speed is up to date"
else
  echo "building .bin/ec_speed"
  g++ -O2 -std=c++20 -Wall -Wextra ec_speed.cc -lisal -o .bin/ec_speed
fi

if [[ -n "$codec_bench" && -x "$codec_bench" ]]; then
  echo "copying .bin/strata-codec-bench from $codec_bench"
  cp "$codec_bench" .bin/strata-codec-bench
else
  # strata-codec-bench links erasure/ (libstrata_erasure), so CMake builds it (only that target).
  echo "building .bin/strata-codec-bench"
  cmake -S ../.. -B .build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build .build --target strata-codec-bench -j2 >/dev/null
  cp .build/bin/strata-codec-bench .bin/
fi

if ((with_warp)) && [[ ! -x .bin/warp ]]; then
  echo "building .bin/warp ${WARP_VERSION}"
  info=$(GONOSUMDB=github.com/minio/warp GOFLAGS=-mod=mod \
    go mod download -json "github.com/minio/warp@${WARP_VERSION}")
  sum=$(printf '%s' "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Sum"])')
  dir=$(printf '%s' "$info" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  if [[ "$sum" != "$WARP_SUM" ]]; then
    echo "warp ${WARP_VERSION}: hash $sum, expected $WARP_SUM" >&2
    exit 1
  fi
  # The module cache is read-only; build from a copy. Dependencies are checked against
  # warp's own go.sum.
  src=$(mktemp -d)
  trap 'rm -rf "$src"' EXIT
  cp -r "$dir"/. "$src"
  chmod -R u+w "$src"
  (cd "$src" && go build -trimpath -o "$OLDPWD/.bin/warp" .)
fi
if ((with_minio)); then
  # `go version -m` reads the module version the binary was built from: rebuild only when it
  # is missing or another version.
  have=$( (go version -m .bin/minio 2>/dev/null || true) |
    awk '$1 == "mod" && $2 == "github.com/minio/minio" {print $3}')
  if [[ "$have" == "$MINIO_VERSION" ]]; then
    echo ".bin/minio ${MINIO_VERSION} already built"
  else
    echo "building .bin/minio ${MINIO_VERSION} (several minutes on 2 cores)"
    # CGO off as in MinIO's release builds; -mod=mod lets `go install pkg@version` resolve the
    # dependency graph from the module's own go.mod/go.sum.
    if ! GOBIN="$PWD/.bin" CGO_ENABLED=0 GOFLAGS="-mod=mod -buildvcs=false" \
      go install -trimpath -v "github.com/minio/minio@${MINIO_VERSION}" 2>&1 |
      awk '{ n++ } n % 100 == 0 { printf "  %d packages compiled (%s)\n", n, $0; fflush() }
           /^go: |^#|: / { print; fflush() }'; then
      echo "building MinIO failed: the lines above name the package or the module the proxy" \
        "refused" >&2
      exit 1
    fi
    echo "built .bin/minio: $(.bin/minio --version 2>/dev/null | head -1)"
  fi
fi
echo "tools/bench ready: .bin/$(ls .bin | tr '\n' ' ')"
