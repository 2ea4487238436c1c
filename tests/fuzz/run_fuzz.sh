#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) in BUILD_DIR and runs each
# for SECONDS on a copy of its seed corpus tests/fuzz/corpus/<target>/, so that
# the inputs a run adds stay out of the repository. Every input of the corpus
# runs first, so the regression inputs kept there (regress-*) are re-checked.
#
# usage: tests/fuzz/run_fuzz.sh BUILD_DIR SECONDS [TARGET...]
#   (TARGET: config idx study_csv checkpoint results_h5, the default, or
#    results_h5_raw, which libhdf5's own hangs keep out of CI: docs/reliability.md)
# env:   JOBS (build parallelism, default nproc)
# Prints per target the inputs executed and whether it found anything. Exit 1
# on a finding; the input that triggered it stays in BUILD_DIR/fuzz/<target>/
# and its path is printed: add it to the corpus as regress-<what> with the fix.
set -euo pipefail
cd "$(dirname "$0")/../.."
if (($# < 2)); then
  echo "usage: $0 BUILD_DIR SECONDS [TARGET...]" >&2
  exit 2
fi
BUILD=$1
SECONDS_EACH=$2
shift 2
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=(config idx study_csv checkpoint results_h5)

# -max_len per target: at least its largest seed (libFuzzer cuts longer ones).
declare -A MAX_LEN=([config]=4096 [idx]=4096 [study_csv]=2048 [checkpoint]=20480
                    [results_h5]=1024 [results_h5_raw]=32768)
# libhdf5 leaks on some corrupt files (its own error paths): not ours to find.
declare -A EXTRA=([results_h5_raw]=-detect_leaks=0)

# --- clang and its libFuzzer runtime (Debian: clang, libclang-rt-N-dev)
have_libfuzzer() {
  command -v clang++ >/dev/null || return 1
  local dir
  dir=$(mktemp -d)
  printf '%s\n' '#include <cstddef>' '#include <cstdint>' \
    'extern "C" int LLVMFuzzerTestOneInput(const uint8_t*, size_t) { return 0; }' >"$dir/t.cpp"
  local ok=0
  clang++ -fsanitize=fuzzer,address,undefined "$dir/t.cpp" -o "$dir/t" 2>/dev/null || ok=1
  rm -rf "$dir"
  return $ok
}
if ! have_libfuzzer; then
  if ! command -v apt-get >/dev/null; then
    echo "run_fuzz: clang with libFuzzer is missing and there is no apt-get; install clang" >&2
    exit 1
  fi
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  echo "run_fuzz: installing clang"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends clang >/dev/null
  # libFuzzer is in the compiler-rt package that clang only recommends.
  ver=$(clang++ --version | sed -n 's/.*clang version \([0-9]*\).*/\1/p' | head -1)
  $SUDO apt-get install -y -qq --no-install-recommends "libclang-rt-$ver-dev" >/dev/null
  have_libfuzzer || { echo "run_fuzz: clang cannot link -fsanitize=fuzzer" >&2; exit 1; }
fi

# --- build: the fuzz targets and the libraries they link, nothing else
t0=$(date +%s)
CC=clang CXX=clang++ cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DNEUROCMA_FUZZ=ON \
  -DNEUROCMA_BUILD_TESTS=OFF -DNEUROCMA_BUILD_BENCH=OFF -DNEUROCMA_WITH_MPI=OFF >/dev/null
cmake --build "$BUILD" --target neurocma_fuzz -j"${JOBS:-$(nproc)}"
echo "run_fuzz: build took $(($(date +%s) - t0)) s"

# --- run
# A tmpfs for the files the targets write per input, when there is one.
if [[ -d /dev/shm && -w /dev/shm ]]; then export TMPDIR=/dev/shm; fi
export UBSAN_OPTIONS=print_stacktrace=1
OUT=$PWD/$BUILD/fuzz
findings=0
summary=()
for t in "${TARGETS[@]}"; do
  bin=$PWD/$BUILD/bin/fuzz_$t
  [[ -n ${MAX_LEN[$t]:-} && -x $bin ]] || { echo "run_fuzz: no target '$t'" >&2; exit 2; }
  rm -rf "$OUT/$t"
  mkdir -p "$OUT/$t/artifacts"
  cp -r "tests/fuzz/corpus/$t" "$OUT/$t/corpus"
  log=$OUT/$t/fuzz.log
  echo "run_fuzz: $t for ${SECONDS_EACH} s (log: $log)"
  flags=()
  if [[ -f tests/fuzz/$t.dict ]]; then flags=(-dict="tests/fuzz/$t.dict"); fi
  if [[ -n ${EXTRA[$t]:-} ]]; then flags+=("${EXTRA[$t]}"); fi
  rc=0
  "$bin" "$OUT/$t/corpus" -max_total_time="$SECONDS_EACH" -max_len="${MAX_LEN[$t]}" \
    -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$OUT/$t/artifacts/" "${flags[@]}" \
    -print_final_stats=1 >"$log" 2>&1 || rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  corpus=$(find "$OUT/$t/corpus" -type f | wc -l)
  if ((rc == 0)); then
    summary+=("$(printf '%-11s %10s inputs executed  corpus %5s  nothing found' "$t" "${execs:-?}" "$corpus")")
  else
    findings=1
    artifact=$(find "$OUT/$t/artifacts" -type f | head -1)
    summary+=("$(printf '%-11s %10s inputs executed  corpus %5s  FINDING (exit %s): %s' "$t" "${execs:-?}" "$corpus" "$rc" "${artifact:-no input saved, see $log}")")
    echo "run_fuzz: $t found something; the end of $log:" >&2
    grep -E 'ERROR|SUMMARY|fuzz check failed|terminate called|what\(\)|Test unit written' "$log" | head -20 >&2 || tail -30 "$log" >&2
  fi
done
echo "run_fuzz: ${SECONDS_EACH} s per target"
printf '  %s\n' "${summary[@]}"
exit $findings
