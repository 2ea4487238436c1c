#!/usr/bin/env bash
# Side-by-side speed of two builds in one session: runs bench_train and
# bench_cmaes of BASE and CAND alternately ROUNDS times and prints, per
# benchmark, the median and the minimum real time of each over the rounds and
# their ratios CAND / BASE. On a shared machine other load only ever adds time,
# so the minimum is the steadier estimate; quote both.
#   bench/compare_builds.sh BASE_BIN_DIR CAND_BIN_DIR [ROUNDS]
# env: TRAIN_FILTER, CMAES_FILTER (benchmark regexes), NEUROCMA_DATA_DIR.
set -euo pipefail
BASE=${1:?usage: compare_builds.sh BASE_BIN CAND_BIN [ROUNDS]}
CAND=${2:?usage: compare_builds.sh BASE_BIN CAND_BIN [ROUNDS]}
ROUNDS=${3:-5}
TRAIN_FILTER=${TRAIN_FILTER:-'AdamStep|PopulationBatched/100/256/1|TrainingGeneration'}
CMAES_FILTER=${CMAES_FILTER:-'Generation/(full_matrix_f32|sep|lm)/6634|full_eigen_small/1000|full_matrix_f32_small/1000'}
OUT=$(mktemp -d)
for r in $(seq 1 "$ROUNDS"); do
  for side in base cand; do
    bin=$BASE
    [[ $side == cand ]] && bin=$CAND
    "$bin/bench_train" --benchmark_filter="$TRAIN_FILTER" --benchmark_format=json \
      >"$OUT/$side-train-$r.json" 2>/dev/null
    "$bin/bench_cmaes" --benchmark_filter="$CMAES_FILTER" --benchmark_format=json \
      >"$OUT/$side-cmaes-$r.json" 2>/dev/null
  done
done
/usr/bin/python3 - "$OUT" <<'PY'
import glob, json, statistics, sys
out = sys.argv[1]
times = {}
for side in ("base", "cand"):
    for f in glob.glob(f"{out}/{side}-*.json"):
        for b in json.load(open(f))["benchmarks"]:
            # Benchmarks with repetitions report aggregates only: take their median.
            if b.get("run_type") == "aggregate":
                if b.get("aggregate_name") != "median":
                    continue
                name = b["run_name"]
            else:
                name = b["name"]
            times.setdefault(name, {}).setdefault(side, []).append(b["real_time"])
print(f"{'benchmark':56s} {'base med':>10s} {'cand med':>10s} {'ratio':>6s} "
      f"{'base min':>10s} {'cand min':>10s} {'ratio':>6s}")
for name in sorted(times):
    t = times[name]
    if "base" not in t or "cand" not in t:
        continue
    mb, mc = statistics.median(t["base"]), statistics.median(t["cand"])
    nb, nc = min(t["base"]), min(t["cand"])
    short = name.split("/min_time")[0].split("/iterations")[0]
    print(f"{short:56s} {mb:10.3f} {mc:10.3f} {mc / mb:6.3f} {nb:10.3f} {nc:10.3f} {nc / nb:6.3f}")
PY
