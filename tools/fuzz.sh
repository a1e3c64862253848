#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang, ASan and UBSan, and runs each one for a
# while from its checked-in seed corpus. Fails if any target crashes, leaks, hits UB, times out or
# exceeds its memory limit.
#   tools/fuzz.sh                      every target, 20 s each (what CI runs)
#   tools/fuzz.sh --seconds 600        longer, by hand
#   tools/fuzz.sh --seconds 60 sigv4   only the named targets (sigv4 aws_chunked xml governance access range date object_record)
# Build folder: $STRATA_FUZZ_BUILD_DIR (default build-fuzz). New inputs found during the run go
# to a scratch folder, not into the checked-in corpus; a crashing input is saved as
# <build>/fuzz-out/<target>/crash-* and its stack is printed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=20
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --seconds=*) seconds="${1#*=}"; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(sigv4 aws_chunked xml governance access range date object_record)

build_dir=${STRATA_FUZZ_BUILD_DIR:-build-fuzz}
jobs=${STRATA_JOBS:-$(nproc)}
cc=${CC:-clang-14}
cxx=${CXX:-clang++-14}
command -v "$cxx" >/dev/null || { echo "fuzz.sh: $cxx not found (tools/install-fuzz-deps.sh)" >&2; exit 2; }

start=$(date +%s)
CC=$cc CXX=$cxx cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSTRATA_FUZZ=ON -DSTRATA_SANITIZE=ON -DSTRATA_WERROR="${STRATA_WERROR:-OFF}" >/dev/null
cmake --build "$build_dir" -j "$jobs" --target "${targets[@]/%/_fuzz}"
echo "fuzz.sh: build took $(($(date +%s) - start)) s"

# UB and leaks are crashes; libFuzzer reports them with the input that caused them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

out_root="$build_dir/fuzz-out"
failed=0
summary=()
for t in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$t
  [[ -d $corpus ]] || { echo "fuzz.sh: no corpus $corpus" >&2; exit 2; }
  out="$out_root/$t"
  rm -rf "$out"
  mkdir -p "$out/new"
  # Bodies are parsed in bounded memory whatever they claim: any single allocation over 64 MiB
  # or a process over 1 GiB (ASan's own overhead included) is a failure.
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=1024 -malloc_limit_mb=64
         -print_final_stats=1 -artifact_prefix="$out/")
  dict=tests/fuzz/$t.dict
  [[ -f $dict ]] && flags+=(-dict="$dict")
  log="$out/log.txt"
  t0=$(date +%s)
  if "$build_dir/bin/${t}_fuzz" "${flags[@]}" "$out/new" "$corpus" >"$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=1
    echo "=== ${t}_fuzz failed; last lines of $log:" >&2
    tail -n 60 "$log" >&2
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*' || true)
  line=$(printf '%-12s %-6s %4ss  runs=%s  cov=%s  new_inputs=%s' "$t" "$status" \
    "$(($(date +%s) - t0))" "${runs:-?}" "${cov:-?}" "$(ls "$out/new" | wc -l)")
  summary+=("$line")
  echo "fuzz.sh: $line"
done

echo "fuzz.sh: summary ($seconds s per target, total $(($(date +%s) - start)) s)"
printf '  %s\n' "${summary[@]}"
ls "$out_root"/*/crash-* "$out_root"/*/leak-* "$out_root"/*/timeout-* "$out_root"/*/oom-* \
  2>/dev/null | sed 's/^/  artifact: /' || true
exit $failed
