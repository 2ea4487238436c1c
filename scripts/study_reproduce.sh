#!/usr/bin/env bash
# `make study-reproduce`: the earlier study's eight setups (configs/study/*.json,
# its own tuned hyperparameters, study semantics) x 25 seeded runs, then the
# study's tables: per data set the mean table with the best highlighted, the
# one-sided p-value grids, and the comparison with the published numbers.
#
# Usage: scripts/study_reproduce.sh [BUILD_DIR] [OUT_DIR]
#   env: RUNS (default 25), MPI_RANKS (default 1: no mpirun), ONLY (a glob of
#        config names, e.g. 'iris.*'), EXTRA (more options for neurocma run,
#        e.g. --corrected)
# A setup whose results file exists is kept, so an interrupted reproduction
# continues where it stopped (each run also resumes from its checkpoint).
# Under Slurm use jobs/study.sh --reproduce instead.
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-study-reproduce}
RUNS=${RUNS:-25}
MPI_RANKS=${MPI_RANKS:-1}
ONLY=${ONLY:-*}
EXTRA=${EXTRA:-}
BIN="$BUILD/bin"
launch=()
if ((MPI_RANKS > 1)); then
  launch=(mpirun -n "$MPI_RANKS" --oversubscribe)
fi
mkdir -p "$OUT/results" "$OUT/csv"
# shellcheck disable=SC2206
extra=($EXTRA)
for cfg in configs/study/$ONLY.json; do
  name=$(basename "$cfg" .json)
  stem=$name
  [[ " ${extra[*]} " == *" --corrected "* ]] && stem=$name.corrected
  if [[ -f $OUT/results/$stem.h5 ]]; then
    echo "== $name: $OUT/results/$stem.h5 exists, kept"
    continue
  fi
  echo "== $name: $RUNS runs"
  "${launch[@]}" "$BIN/neurocma" run "$cfg" --runs "$RUNS" --out "$OUT/results" \
    --csv "$OUT/csv" --resume --quiet "${extra[@]}"
done
echo "== analyze"
"$BIN/neurocma-analyze" "$OUT/results" --format md --counting study \
  --reference analysis/reference/study_published.json --out "$OUT/tables.md"
"$BIN/neurocma-analyze" "$OUT/results" --format md --counting study --plots "$OUT/plots" \
  --out /dev/null
cat "$OUT/tables.md"
echo "reproduction written to $OUT/: tables.md plots/ results/ csv/"
