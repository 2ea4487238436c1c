#!/usr/bin/env bash
# The whole study at small scale on Iris, without Slurm: tune every optimizer,
# run the tuned config with seeded runs, analyze. Everything a paper needs
# (tables, p-value grids, plots) ends up in study-out/.
#
# Usage: scripts/study.sh [BUILD_DIR] [CONFIG] [OUT_DIR]
#   env: TRIALS (default 12), RUNS (default 10), MPI_RANKS (default 1)
set -euo pipefail
BUILD=${1:-build}
CONFIG=${2:-configs/iris_full_study.json}
OUT=${3:-study-out}
TRIALS=${TRIALS:-12}
RUNS=${RUNS:-10}
MPI_RANKS=${MPI_RANKS:-1}
BIN="$BUILD/bin"
launch=()
if ((MPI_RANKS > 1)); then
  launch=(mpirun -n "$MPI_RANKS" --oversubscribe)
fi
name=$(basename "$CONFIG" .json)
mkdir -p "$OUT"
echo "== 1. tune ($TRIALS trials per optimizer)"
"${launch[@]}" "$BIN/neurocma" tune "$CONFIG" --trials "$TRIALS" --out "$OUT/tune" --quiet
tuned=$(ls "$OUT"/tune/*.tuned.json | head -n1)
echo "== 2. run ($RUNS seeded runs per optimizer) with $tuned"
"${launch[@]}" "$BIN/neurocma" run "$tuned" --runs "$RUNS" --out "$OUT/results" \
  --csv "$OUT/csv" --quiet
echo "== 3. analyze"
"$BIN/neurocma-analyze" "$OUT/results" --format md --out "$OUT/tables.md" --plots "$OUT/plots"
"$BIN/neurocma-analyze" "$OUT/results" --format tex --out "$OUT/tables.tex"
"$BIN/neurocma-analyze" "$OUT/results" --format csv --out "$OUT/tables.csv"
echo "study written to $OUT/: tables.md tables.tex tables.csv plots/ results/ csv/ tune/"
