#!/usr/bin/env bash
# Refactors keep every result bit-identical: builds neurocma at the baseline
# commit (tests/regression/BASELINE) next to this build, runs the same configs
# with both, and compares the results files run for run (compare_results.py).
# Cases: every config in tests/regression/configs/ (all optimizer types,
# variants, block layouts and study switches; MNIST ones on a subset), the
# cheap shipped configs, the candidate under mpirun -n 2 and -n 3 (against the
# serial baseline), and a candidate run killed after its first checkpoint and
# resumed.
#   tests/regression/bit_identical.sh BUILD_DIR
# Needs git (the full history), MNIST in $NEUROCMA_DATA_DIR, mpirun.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "${1:?usage: bit_identical.sh BUILD_DIR}" && pwd)
BASE=$(tr -d '[:space:]' <"$SRC/tests/regression/BASELINE")
WORK=$BUILD/regression
CAND=$BUILD/bin/neurocma
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
die() { echo "bit_identical: $*" >&2; exit 1; }

[[ -n ${NEUROCMA_DATA_DIR:-} ]] || die "set NEUROCMA_DATA_DIR to the MNIST files (.ci/run does)"
[[ -x $CAND ]] || die "no $CAND; build first"
git -C "$SRC" cat-file -e "$BASE^{commit}" 2>/dev/null ||
  die "baseline commit $BASE is not in this clone (a full clone is needed)"

# The baseline build, reused while its commit is the same.
BASEBIN=$WORK/build/bin/neurocma
if [[ ! -x $BASEBIN || $(cat "$WORK/built-commit" 2>/dev/null) != "$BASE" ]]; then
  rm -rf "$WORK"
  mkdir -p "$WORK"
  mkdir -p "$WORK/src"
  git -C "$SRC" archive --format=tar "$BASE" | tar -x -C "$WORK/src"
  cmake -S "$WORK/src" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release -DNEUROCMA_BUILD_TESTS=OFF \
    -DNEUROCMA_BUILD_BENCH=OFF >"$WORK/cmake.log" 2>&1 || die "baseline cmake failed: $WORK/cmake.log"
  cmake --build "$WORK/build" -j"$(nproc)" --target neurocma >"$WORK/build.log" 2>&1 ||
    die "baseline build failed: $WORK/build.log"
  echo "$BASE" >"$WORK/built-commit"
fi

OUT=$WORK/out
rm -rf "$OUT"
mkdir -p "$OUT"
fails=0
# run LABEL BIN OUTDIR CONFIG [ARGS...] -> OUTDIR/<name>.h5
run() {
  local label=$1 bin=$2 dir=$3 cfg=$4
  shift 4
  "$bin" run "$cfg" --out "$dir" --quiet "$@" >"$dir.log" 2>&1 || die "$label: $bin run $cfg failed (see $dir.log)"
}
compare() {  # base cand
  /usr/bin/python3 "$SRC/tests/regression/compare_results.py" "$1" "$2" || fails=$((fails + 1))
}

cases=("$SRC"/tests/regression/configs/*.json "$SRC/configs/smoke.json" "$SRC/configs/iris.json"
  "$SRC/configs/iris_full_study.json" "$SRC"/configs/study/iris.*.json "$SRC/configs/corrected/iris.json")
for cfg in "${cases[@]}"; do
  name=$(basename "$(dirname "$cfg")")-$(basename "$cfg" .json)
  args=()
  [[ $cfg == */configs/study/* || $cfg == */configs/corrected/* ]] && args=(--runs 3)
  run "$name" "$BASEBIN" "$OUT/base-$name" "$cfg" "${args[@]}"
  run "$name" "$CAND" "$OUT/cand-$name" "$cfg" "${args[@]}"
  compare "$OUT/base-$name"/*.h5 "$OUT/cand-$name"/*.h5
done

# MPI: rank counts and group sizes never change a result.
for cfg in iris_all mnist_small mnist_study_small; do
  for np in 2 3; do
    extra=()
    ((np == 3)) && extra=(--ranks-per-run 3)
    mpirun -n $np "$CAND" run "$SRC/tests/regression/configs/$cfg.json" --out "$OUT/mpi$np-$cfg" \
      --quiet "${extra[@]}" >"$OUT/mpi$np-$cfg.log" 2>&1 || die "mpirun -n $np $cfg failed"
    compare "$OUT/base-configs-$cfg/$cfg.h5" "$OUT/mpi$np-$cfg/$cfg.h5"
  done
done

# Resume: killed after the first job checkpoint, then continued.
cfg=$SRC/tests/regression/configs/mnist_small.json
"$CAND" run "$cfg" --out "$OUT/resume" --quiet --checkpoint-every-epochs 1 >"$OUT/resume.log" 2>&1 &
pid=$!
for _ in $(seq 1 600); do
  compgen -G "$OUT/resume/mnist_small.h5.ckpt/job-*" >/dev/null && break
  sleep 0.05
done
kill -9 $pid 2>/dev/null || true
wait $pid 2>/dev/null || true
"$CAND" run "$cfg" --out "$OUT/resume" --quiet --resume --checkpoint-every-epochs 1 >>"$OUT/resume.log" 2>&1 ||
  die "resumed run failed (see $OUT/resume.log)"
compare "$OUT/base-configs-mnist_small/mnist_small.h5" "$OUT/resume/mnist_small.h5"

((fails == 0)) || die "$fails comparison(s) differ from baseline $BASE"
echo "bit_identical: every result equals baseline $BASE"
