#!/usr/bin/env bash
# Builds strata-server and the unit tests with AddressSanitizer + UndefinedBehaviorSanitizer and
# runs the unit tests and the integration suite against the sanitized server (any leak, memory
# error or UB makes the server exit non-zero, which the integration suite reports as a failure).
#   tools/sanitize.sh                 unit + integration tests (what CI runs, via tools/dev.sh test)
#   tools/sanitize.sh --all           every target and every ctest entry (the client matrix too)
#   CC=clang-14 CXX=clang++-14 tools/sanitize.sh   with clang's sanitizers instead
#   tools/sanitize.sh -R api_tests    extra arguments go to ctest
# Build folder: $STRATA_ASAN_BUILD_DIR (default build-asan). Optimised at -O1 with line tables
# only (-g1): about half the compile time of -O2 -g, and stack traces still name file:line.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${STRATA_ASAN_BUILD_DIR:-build-asan}
jobs=${STRATA_JOBS:-$(nproc)}
targets=(--target strata-server strata-admin erasure_tests storage_tests api_tests server_tests)
tests=(-R '^((erasure|storage|api|server)_tests|integration)$')
if [[ "${1:-}" == "--all" ]]; then
  shift
  targets=()
  tests=()
fi

start=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" -DSTRATA_SANITIZE=ON \
  -DSTRATA_WERROR="${STRATA_WERROR:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$jobs" "${targets[@]}"
built=$(date +%s)
echo "sanitize.sh: build took $((built - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" "${tests[@]}" "$@" || status=$?
echo "sanitize.sh: tests took $(($(date +%s) - built)) s, total $(($(date +%s) - start)) s"
exit $status
