#!/bin/bash
# Submits CONFIG as a job array (one task per optimizer and slice of runs,
# jobs/array.sbatch) and an analysis job that starts when every task has
# succeeded (--dependency=afterok). Prints the job ids and the result directory.
#   jobs/submit_array.sh [options] CONFIG [neurocma run options]
# Options:
#   --optimizers A,B    optimizer names (default: read from CONFIG with python3)
#   --runs N            runs per optimizer (default: from CONFIG)
#   --runs-per-task K   runs in one array task (default 1)
#   --max-parallel P    at most P tasks at once (--array=0-M%P)
#   --name NAME         job name (default: CONFIG's file name + "-array")
#   --dependency SPEC   the array waits for SPEC (e.g. afterok:1234)
#   --sbatch "ARGS"     extra sbatch options for the array job (word-split)
#   --no-analyze        do not submit the analysis job
#   --parsable          print only "ARRAY_ID ANALYZE_ID"
#   --dry-run           print the sbatch commands, submit nothing
# Environment: see docs/slurm.md (NEUROCMA_BIN, NEUROCMA_RESULTS, ...).
set -euo pipefail
NEUROCMA_ROOT=${NEUROCMA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# shellcheck source=jobs/common.sh
source "$NEUROCMA_ROOT/jobs/common.sh"

usage() { sed -n '2,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
optimizers="" runs="" per_task=1 max_par="" name="" dep="" sb_extra="" analyze=1 parsable=0
NC_DRY_RUN=0
while (($#)); do
  case $1 in
    --optimizers) optimizers=${2:?--optimizers needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --runs-per-task) per_task=${2:?--runs-per-task needs a value}; shift 2 ;;
    --max-parallel) max_par=${2:?--max-parallel needs a value}; shift 2 ;;
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --dependency) dep=${2:?--dependency needs a value}; shift 2 ;;
    --sbatch) sb_extra=${2?--sbatch needs a value}; shift 2 ;;
    --no-analyze) analyze=0; shift ;;
    --parsable) parsable=1; shift ;;
    --dry-run) NC_DRY_RUN=1; shift ;;
    -h | --help) usage ;;
    -*) nc_die "unknown option '$1' before CONFIG (see --help)" ;;
    *) break ;;
  esac
done
(($# >= 1)) || usage
if [[ -n $dep && $1 == /* && ! -e $1 ]]; then
  config=$1 # made by the job we depend on (jobs/study.sh: the tuned config)
  [[ -n $optimizers && -n $runs ]] || nc_die "'$config' does not exist yet: pass --optimizers and --runs"
else
  config=$(nc_abspath "$1")
fi
shift
if [[ -z $optimizers || -z $runs ]]; then
  plan=$(nc_config_plan "$config") || exit 2
  [[ -n $optimizers ]] || optimizers=$(sed -n 1p <<<"$plan")
  [[ -n $runs ]] || runs=$(sed -n 2p <<<"$plan")
fi
[[ $runs =~ ^[1-9][0-9]*$ ]] || nc_die "--runs '$runs': expected a number >= 1"
[[ $per_task =~ ^[1-9][0-9]*$ ]] || nc_die "--runs-per-task '$per_task': expected a number >= 1"
IFS=, read -r -a names <<<"$optimizers"
chunks=$(((runs + per_task - 1) / per_task))
total=$((${#names[@]} * chunks))
base=$(basename "$config")
base=${base%.json}
name=${name:-$base-array}

nc_submit_env
array_spec="0-$((total - 1))${max_par:+%$max_par}"
sb=(--job-name="$name" --array="$array_spec")
[[ -n $dep ]] && sb+=(--dependency="$dep")
# shellcheck disable=SC2206
[[ -n $sb_extra ]] && sb+=($sb_extra)
array_id=$(nc_sbatch "${sb[@]}" "$NEUROCMA_ROOT/jobs/array.sbatch" "$config" \
  --optimizers "$optimizers" --runs "$runs" --runs-per-task "$per_task" "$@")
out="$NEUROCMA_RESULTS/$name-$array_id"
analyze_id=""
if ((analyze)); then
  analyze_id=$(nc_sbatch --job-name="${name%-array}-analyze" --dependency="afterok:$array_id" \
    "$NEUROCMA_ROOT/jobs/analyze.sbatch" "$out")
fi
if ((parsable)); then
  echo "$array_id${analyze_id:+ $analyze_id}"
else
  echo "array job:    $array_id ($total tasks: ${names[*]} x $chunks slices of <= $per_task runs)"
  [[ -n $analyze_id ]] && echo "analysis job: $analyze_id (after the array succeeds)"
  echo "results:      $out"
fi
