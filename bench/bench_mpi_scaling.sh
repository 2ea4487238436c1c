#!/bin/sh
# Strong scaling of CMA-ES population evaluation and of a CMA-ES epoch on
# MNIST-14x14 (196-32-10 MLP, n = 6634, lambda = 100, batch 256) over 1, 2
# and 4 MPI ranks in one group (--ranks-per-run P). Prints one line per run
# and the medians. Numbers in docs/parallel.md come from this script.
#
# Control ("runs" lines): P independent runs on P ranks (--ranks-per-run 1).
# Nothing is shared between them, so their per-generation evaluation time
# shows what the machine itself gives P concurrent processes (the ceiling
# for the strong-scaling lines).
#
# usage: bench/bench_mpi_scaling.sh BUILD_DIR DATA_DIR [REPEATS] [RANKS...]
#   DATA_DIR holds the MNIST idx .gz files.  Example:
#   bench/bench_mpi_scaling.sh build /data/mnist 3 1 2 4
# Ranks beyond the core count need --oversubscribe (added automatically).
set -eu
BUILD=${1:?build dir}
DATA=${2:?MNIST data dir}
REPEATS=${3:-3}
if [ $# -ge 3 ]; then shift 3; else shift $#; fi
RANKS=${*:-1 2 4}
VARIANT=${NEUROCMA_BENCH_VARIANT:-sep}
EXE="$BUILD/bin/neurocma"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
CORES=$(nproc)

# 12800 training samples = 50 generations of batch 256 per epoch.
cat > "$WORK/cfg.json" <<JSON
{"name": "scaling",
 "dataset": {"name": "mnist", "pool": 2, "split": "official", "val_size": 2000, "limit": 14800},
 "model": {"hidden": [32], "activation": "relu"},
 "train": {"batch_size": 256, "max_epochs": 1, "patience": 10},
 "optimizers": [{"name": "cma", "type": "cmaes", "variant": "$VARIANT", "popsize": 100, "sigma0": 0.05}],
 "runs": 1, "seed": 1}
JSON

echo "# machine: $(lscpu | sed -n 's/^Model name: *//p'), $CORES cores; variant $VARIANT; repeats $REPEATS"
echo "# ranks rep epoch_s eval_per_gen_ms bytes_per_gen"
for P in $RANKS; do
  OVER=""
  [ "$P" -gt "$CORES" ] && OVER="--oversubscribe"
  r=1
  while [ "$r" -le "$REPEATS" ]; do
    rm -rf "$WORK/csv"
    NEUROCMA_MPI_STATS=1 mpirun -n "$P" $OVER "$EXE" run "$WORK/cfg.json" --quiet \
      --data-dir "$DATA" --ranks-per-run "$P" --result-file "$WORK/r.h5" --csv "$WORK/csv" \
      > "$WORK/out.txt" 2>&1 || { cat "$WORK/out.txt"; exit 1; }
    # Epoch time (training + metrics pass) from the study CSV's time column.
    EPOCH=$(awk -F, 'NR==2 {print $2}' "$WORK"/csv/*.csv)
    STATS=$(grep "neurocma: mpi:" "$WORK/out.txt")
    CALLS=$(echo "$STATS" | sed -n 's/.*evaluate() calls \([0-9]*\).*/\1/p')
    SECS=$(echo "$STATS" | sed -n 's/.*seconds in evaluate() \([0-9.e+-]*\).*/\1/p')
    BYTES=$(echo "$STATS" | sed -n 's/.*bytes\/generation \([0-9]*\).*/\1/p')
    PERGEN=$(awk -v s="$SECS" -v c="$CALLS" 'BEGIN {printf "%.3f", 1000 * s / c}')
    echo "$P $r $EPOCH $PERGEN $BYTES"
    r=$((r + 1))
  done
done | tee "$WORK/all.txt"
# Control: P independent runs, one per rank.
for P in $RANKS; do
  OVER=""
  [ "$P" -gt "$CORES" ] && OVER="--oversubscribe"
  sed "s/\"runs\": 1/\"runs\": $P/" "$WORK/cfg.json" > "$WORK/cfg_runs.json"
  NEUROCMA_MPI_STATS=1 mpirun -n "$P" $OVER "$EXE" run "$WORK/cfg_runs.json" --quiet \
    --data-dir "$DATA" --ranks-per-run 1 --result-file "$WORK/r.h5" > "$WORK/out.txt" 2>&1 \
    || { cat "$WORK/out.txt"; exit 1; }
  grep "neurocma: mpi:" "$WORK/out.txt" | grep -v "jobs 0" |
    sed -n 's/.*evaluate() calls \([0-9]*\), seconds in evaluate() \([0-9.e+-]*\).*/\1 \2/p' |
    awk -v p="$P" '{t += 1000 * $2 / $1; k++} END {printf "# runs control: %d independent runs on %d ranks: mean eval_per_gen_ms %.3f\n", k, p, t / k}'
done

echo "# medians: ranks epoch_s eval_per_gen_ms"
for P in $RANKS; do
  E=$(awk -v p="$P" '$1 == p {print $3}' "$WORK/all.txt" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  G=$(awk -v p="$P" '$1 == p {print $4}' "$WORK/all.txt" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "$P $E $G"
done
