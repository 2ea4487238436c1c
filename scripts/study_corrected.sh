#!/usr/bin/env bash
# The corrected study (docs/study.md): every optimizer tuned anew with
# `neurocma tune` on several seeds, then 25 runs with the tuned values and 25
# with the untuned defaults (SGD and Adam), then the tables and plots.
#
# Usage: scripts/study_corrected.sh [BUILD_DIR] [OUT_DIR]
#   env: MPI_RANKS (default 1), ONLY (iris, mnist or mnist14; default all three)
# Budgets (trials per optimizer x training runs per trial):
#   iris     100 x 5 for every optimizer (the study tuned with 100 trials)
#   mnist    30 x 2 for SGD and Adam, 20 x 2 for the two CMA-ES
#   mnist14  20 x 2 for SGD and Adam, 10 x 2 for the two CMA-ES
# The objective is the mean over the runs of the best validation loss; trial 0
# of every optimizer is its configured (untuned) value. A setup whose results
# exist is kept, and tune continues a recorded study, so the script resumes.
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-study-corrected}
MPI_RANKS=${MPI_RANKS:-1}
ONLY=${ONLY:-iris mnist mnist14}
BIN="$BUILD/bin"
launch=()
((MPI_RANKS > 1)) && launch=(mpirun -n "$MPI_RANKS" --oversubscribe)

tune() {  # setup optimizer trials seeds
  "${launch[@]}" "$BIN/neurocma" tune "configs/corrected/$1.json" --optimizer "$2" \
    --trials "$3" --seeds "$4" --out "$OUT/tune-$1" --quiet
}

for setup in $ONLY; do
  case $setup in
    iris) tune iris sgd 100 5; tune iris adam 100 5; tune iris cmaes 100 5
          tune iris layerwise_cmaes 100 5 ;;
    mnist) tune mnist sgd 30 2; tune mnist adam 30 2; tune mnist cmaes 20 2
           tune mnist layerwise_cmaes 20 2 ;;
    mnist14) tune mnist14 sgd 20 2; tune mnist14 adam 20 2; tune mnist14 cmaes 10 2
             tune mnist14 layerwise_cmaes 10 2 ;;
    *) echo "unknown setup '$setup'" >&2; exit 2 ;;
  esac
  tuned=$(ls "$OUT/tune-$setup"/*.tuned.json)
  [[ -f $OUT/tuned/$setup/${setup}_corrected.h5 ]] ||
    "${launch[@]}" "$BIN/neurocma" run "$tuned" --out "$OUT/tuned/$setup" --csv "$OUT/csv/$setup" \
      --resume --quiet
  [[ -f $OUT/default/$setup/${setup}_corrected.sgd.adam.h5 ]] ||
    "${launch[@]}" "$BIN/neurocma" run "configs/corrected/$setup.json" --optimizer sgd \
      --optimizer adam --out "$OUT/default/$setup" --resume --quiet
  "$BIN/neurocma-analyze" "$OUT/tuned/$setup" --format md --plots "$OUT/plots/$setup" \
    --out "$OUT/tables-$setup.md"
done
echo "corrected study written to $OUT/"
