#!/usr/bin/env bash
# The two entry points README.md promises, on a fresh Debian 12 machine:
#   tools/dev.sh server [strata-server flags]   install, build, run the server (embedded default)
#   tools/dev.sh test                           install, build, run every test (what CI runs):
#                                               client matrix (release build), unit +
#                                               integration (ASan+UBSan build), fuzz smoke
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${STRATA_BUILD_DIR:-build}
jobs=${STRATA_JOBS:-$(nproc)}

# build [--target T...]: configure and build (everything when no target is named).
build() {
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSTRATA_WERROR="${STRATA_WERROR:-OFF}" >/dev/null
  cmake --build "$build_dir" -j "$jobs" "$@"
}

case "${1:-}" in
  server)
    shift
    tools/install-deps.sh
    build
    exec "$build_dir/bin/strata-server" "$@"
    ;;
  test)
    tools/install-deps.sh --test
    tools/install-client-deps.sh --spark
    tools/install-fuzz-deps.sh
    # The release build of what ships (the server, strata-admin, the codec bench), and the
    # client matrix (Spark/s3a included) against it.
    build --target strata-server strata-admin strata-codec-bench
    STRATA_CLIENTS_SPARK=1 ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" -L clients
    # The unit tests and the integration suite against an ASan+UBSan build (warnings are errors
    # there too, as in CI): a memory error, leak or undefined behaviour anywhere fails the run.
    # Compiling the tests once, sanitized, keeps CI well inside its time.
    tools/sanitize.sh
    # A short fuzz pass over the checked-in corpora: every parser facing clients.
    tools/fuzz.sh --seconds "${STRATA_FUZZ_SECONDS:-10}"
    ;;
  *)
    echo "usage: tools/dev.sh server [flags] | tools/dev.sh test" >&2
    exit 2
    ;;
esac
