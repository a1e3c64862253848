#!/usr/bin/env bash
# Builds everything (unit tests and strata-server) with AddressSanitizer + UndefinedBehaviorSanitizer
# and runs the whole CTest suite there: the unit tests, and the integration tests against the
# sanitized server (any leak, memory error or UB makes the server exit non-zero, which the
# integration suite reports as a failure).
#   tools/sanitize.sh                 with the default compiler (GCC 12, as CI builds)
#   CC=clang-14 CXX=clang++-14 tools/sanitize.sh   with clang's sanitizers instead
#   tools/sanitize.sh -R api_tests    extra arguments go to ctest
# Build folder: $STRATA_ASAN_BUILD_DIR (default build-asan).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${STRATA_ASAN_BUILD_DIR:-build-asan}
jobs=${STRATA_JOBS:-$(nproc)}

start=$(date +%s)
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSTRATA_SANITIZE=ON \
  -DSTRATA_WERROR="${STRATA_WERROR:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$jobs"
built=$(date +%s)
echo "sanitize.sh: build took $((built - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
ctest --test-dir "$build_dir" --output-on-failure -j "$jobs" "$@" || status=$?
echo "sanitize.sh: tests took $(($(date +%s) - built)) s, total $(($(date +%s) - start)) s"
exit $status
