#!/usr/bin/env bash
# Installs the clients of the compatibility matrix (tests/clients), every version pinned.
# Idempotent: a part whose pinned inputs have not changed since its last install is skipped.
#
#   tools/install-client-deps.sh            Debian restic, curl and chromium, a Python venv
#                                           (boto3, aws-cli, s3fs, pandas, pyarrow, pytest), Go modules
#                                           (aws-sdk-go-v2, minio-go), npm packages
#                                           (@aws-sdk/client-s3, lib-storage, minio), Maven artifacts
#                                           (AWS SDK for Java v2, JUnit 5)
#   tools/install-client-deps.sh --spark    also pyspark 3.5.1 and the s3a jars (~625 MB)
#   tools/install-client-deps.sh --torch    also PyTorch (the PyPI wheel and the CUDA runtime
#                                           packages it requires: several GB)
#
# Where things go: $STRATA_CLIENTS_HOME (default ~/.cache/strata-clients) holds venv/ and
# spark-jars/; Go modules and build cache, ~/.m2 and tests/clients/js/node_modules as usual.
# Needs: python3, go, node + npm, java 17 + mvn (all on the polyglot machine), apt-get as root.
# Prints the time each part took.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
clients=$repo/tests/clients
home="${STRATA_CLIENTS_HOME:-$HOME/.cache/strata-clients}"
mkdir -p "$home"

spark=0
torch=0
for arg in "$@"; do
  case "$arg" in
    --spark) spark=1 ;;
    --torch) torch=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (try --help)" >&2; exit 2 ;;
  esac
done

# Pinned Debian packages: restic is the one the matrix runs; curl fetches presigned URLs.
# chromium (with a font) is the browser tests/integration/test_console.py drives through
# Playwright (pinned in tests/integration/requirements.txt; never `playwright install`): not
# pinned, since Debian replaces its version with every security update.
debian_packages=(restic=0.14.0-1+b5 curl chromium fonts-liberation)
mvn_dependency_plugin=org.apache.maven.plugins:maven-dependency-plugin:3.8.1
spark_jars=(org.apache.hadoop:hadoop-aws:3.3.4
            com.amazonaws:aws-java-sdk-bundle:1.12.262
            org.wildfly.openssl:wildfly-openssl:1.0.7.Final
            org.apache.spark:spark-hadoop-cloud_2.12:3.5.1)

step_start=0
step() { step_start=$(date +%s%N); echo "[clients] $1 ..."; }
done_step() {
  local ms=$((($(date +%s%N) - step_start) / 1000000))
  printf '[clients] %s: %d.%d s\n' "$1" $((ms / 1000)) $((ms % 1000 / 100))
}
# quietly LOG CMD...: runs CMD with its output in $home/LOG, shown only when CMD fails.
quietly() {
  local log=$home/$1; shift
  if ! "$@" >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "[clients] failed: $* (full log: $log)" >&2
    return 1
  fi
}
hash_of() { cat "$@" | sha256sum | cut -d' ' -f1; }
# up_to_date STAMP HASH: true when STAMP holds HASH (that part was installed from these inputs).
up_to_date() { [[ -f "$1" && "$(cat "$1")" == "$2" ]]; }

for tool in python3 go node npm mvn java; do
  if ! command -v "$tool" >/dev/null; then
    echo "$tool is not on PATH: the client matrix needs it" >&2
    exit 1
  fi
done

# --- Debian ------------------------------------------------------------------------------
step debian
missing=()
for spec in "${debian_packages[@]}"; do
  name=${spec%%=*}
  want=${spec#*=}
  have=$(dpkg-query -W -f='${Status} ${Version}' "$name" 2>/dev/null || true)
  if [[ "$have" != "install ok installed"* ]] || { [[ "$spec" == *=* ]] && [[ "$have" != *" $want" ]]; }; then
    missing+=("$spec")
  fi
done
if ((${#missing[@]})); then
  sudo=""; [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    --allow-downgrades "${missing[@]}"
fi
done_step debian

# --- Python: one venv for every Python client ---------------------------------------------
step python
venv=$home/venv
want=$(hash_of "$clients/requirements.txt")
if ! up_to_date "$venv/.strata-requirements" "$want" || [[ ! -x "$venv/bin/python" ]]; then
  [[ -x "$venv/bin/python" ]] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$clients/requirements.txt"
  echo "$want" > "$venv/.strata-requirements"
  rm -f "$venv/.strata-spark" "$venv/.strata-torch"  # a changed base set may replace their pins
fi
done_step python

# --- Go: modules and the compiled test binary's dependencies --------------------------------
step go
(cd "$clients/go" && go mod download && go test -count=1 -run '^$' ./... >/dev/null)
done_step go

# --- JavaScript: npm ci from the lock file -----------------------------------------------
step npm
want=$(hash_of "$clients/js/package-lock.json")
if ! up_to_date "$clients/js/node_modules/.strata-lock" "$want"; then
  (cd "$clients/js" && quietly npm.log npm ci --no-audit --no-fund)
  echo "$want" > "$clients/js/node_modules/.strata-lock"
fi
done_step npm

# --- JVM: the Java SDK project's dependencies, plugins and Surefire's JUnit provider -------
step maven
mvn_b=(mvn -B --no-transfer-progress -Dstyle.color=never)
(cd "$clients/java" &&
   quietly maven.log "${mvn_b[@]}" test -DskipTests &&
   quietly maven-surefire.log "${mvn_b[@]}" "$mvn_dependency_plugin:get" \
     -Dartifact=org.apache.maven.surefire:surefire-junit-platform:3.5.4 &&
   quietly maven-launcher.log "${mvn_b[@]}" "$mvn_dependency_plugin:get" \
     -Dartifact=org.junit.platform:junit-platform-launcher:1.14.4)
done_step maven

# --- Spark (opt-in) ----------------------------------------------------------------------
if ((spark)); then
  step spark
  want=$(hash_of "$clients/requirements-spark.txt")
  if ! up_to_date "$venv/.strata-spark" "$want"; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      -r "$clients/requirements-spark.txt"
    echo "$want" > "$venv/.strata-spark"
  fi
  mkdir -p "$home/spark-jars"
  for gav in "${spark_jars[@]}"; do
    IFS=: read -r _ artifact version <<<"$gav"
    [[ -s "$home/spark-jars/$artifact-$version.jar" ]] && continue
    quietly maven-spark.log mvn -B --no-transfer-progress "$mvn_dependency_plugin:copy" \
      -Dartifact="$gav" -DoutputDirectory="$home/spark-jars"
  done
  done_step spark
fi

# --- PyTorch (opt-in): the CUDA build PyPI ships, run on the CPU ---------------------------
if ((torch)); then
  step torch
  want=$(hash_of "$clients/requirements-torch.txt")
  if ! up_to_date "$venv/.strata-torch" "$want"; then
    "$venv/bin/python" -m pip install -q --disable-pip-version-check \
      -r "$clients/requirements-torch.txt"
    echo "$want" > "$venv/.strata-torch"
  fi
  done_step torch
fi

echo "[clients] ready: ctest --test-dir BUILD -L clients --output-on-failure" \
  "$( ((spark)) && echo '(with STRATA_CLIENTS_SPARK=1 for Spark)')" \
  "$( ((torch)) && echo '(with STRATA_CLIENTS_TORCH=1 for PyTorch)')"
