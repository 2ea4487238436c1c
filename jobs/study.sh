#!/bin/bash
# Submits the whole study for CONFIG as three chained Slurm jobs:
#   tune (jobs/tune.sbatch)  ->  run with the tuned config  ->  analyze,
# each starting only when the previous one succeeded (--dependency=afterok).
# Prints the job ids and where each job writes its results.
#   jobs/study.sh [options] CONFIG
#   jobs/study.sh --reproduce [options]
# --reproduce submits the earlier study's eight setups (configs/study/*.json,
# --runs default 25) as one run job each and a dependent analysis with the
# study's counting and its published tables as the reference (docs/study.md);
# --only GLOB limits the setups (e.g. 'iris.*'), --run-args "--corrected"
# runs them with the correct semantics.
# Options:
#   --trials N          tuning trials (neurocma tune --trials N)
#   --runs N            runs per optimizer in the run step
#   --no-tune           skip tuning and run CONFIG as given
#   --array             run step as a job array (jobs/submit_array.sh)
#                       instead of one MPI job (jobs/run.sbatch)
#   --runs-per-task K   with --array: runs in one array task (default 1)
#   --name NAME         job-name prefix (default: CONFIG's file name)
#   --tune-args "ARGS"  extra options for neurocma tune (word-split)
#   --run-args "ARGS"   extra options for neurocma run (word-split)
#   --tune-sbatch "ARGS", --run-sbatch "ARGS", --analyze-sbatch "ARGS"
#                       extra sbatch options per step, e.g. "--ntasks=32"
#   --dry-run           print the sbatch commands, submit nothing
# Environment: see docs/slurm.md (NEUROCMA_BIN, NEUROCMA_RESULTS, ...).
set -euo pipefail
NEUROCMA_ROOT=${NEUROCMA_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# shellcheck source=jobs/common.sh
source "$NEUROCMA_ROOT/jobs/common.sh"

usage() { sed -n '2,/^# Environment/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
trials="" runs="" tune=1 array=0 per_task=1 name="" tune_args="" run_args="" reproduce=0 only="*"
tune_sb="" run_sb="" analyze_sb=""
NC_DRY_RUN=0
while (($#)); do
  case $1 in
    --trials) trials=${2:?--trials needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --no-tune) tune=0; shift ;;
    --array) array=1; shift ;;
    --runs-per-task) per_task=${2:?--runs-per-task needs a value}; shift 2 ;;
    --name) name=${2:?--name needs a value}; shift 2 ;;
    --tune-args) tune_args=${2?}; shift 2 ;;
    --run-args) run_args=${2?}; shift 2 ;;
    --tune-sbatch) tune_sb=${2?}; shift 2 ;;
    --run-sbatch) run_sb=${2?}; shift 2 ;;
    --analyze-sbatch) analyze_sb=${2?}; shift 2 ;;
    --dry-run) NC_DRY_RUN=1; shift ;;
    --reproduce) reproduce=1; shift ;;
    --only) only=${2:?--only needs a value}; shift 2 ;;
    -h | --help) usage ;;
    -*) nc_die "unknown option '$1' (see --help)" ;;
    *) break ;;
  esac
done
if ((reproduce)); then
  (($# == 0)) || usage
  nc_submit_env
  # shellcheck disable=SC2206
  run_extra=($run_args) run_sbx=($run_sb) analyze_sbx=($analyze_sb)
  ids=() dirs=()
  for cfg in "$NEUROCMA_ROOT"/configs/study/$only.json; do
    [[ -f $cfg ]] || nc_die "--only '$only': no configs/study/$only.json"
    setup=$(basename "$cfg" .json)
    id=$(nc_sbatch --job-name="${name:-study}-$setup" "${run_sbx[@]}" "$NEUROCMA_ROOT/jobs/run.sbatch" \
      "$cfg" --runs "${runs:-25}" "${run_extra[@]}")
    ids+=("$id")
    dirs+=("$NEUROCMA_RESULTS/${name:-study}-$setup-$id")
    echo "run job:      $id ($setup) -> ${dirs[-1]}"
  done
  dep=$(IFS=:; echo "${ids[*]}")
  analyze_id=$(nc_sbatch --job-name="${name:-study}-analyze" --dependency="afterok:$dep" \
    "${analyze_sbx[@]}" "$NEUROCMA_ROOT/jobs/analyze.sbatch" "${dirs[@]}" -- --counting study \
    --reference "$NEUROCMA_ROOT/analysis/reference/study_published.json")
  echo "analyze job:  $analyze_id -> ${dirs[0]}/analysis.md"
  exit 0
fi

(($# == 1)) || usage
config=$(nc_abspath "$1")
base=$(basename "$config")
name=${name:-${base%.json}}
nc_submit_env

# shellcheck disable=SC2206
tune_extra=($tune_args) run_extra=($run_args) tune_sbx=($tune_sb) run_sbx=($run_sb) analyze_sbx=($analyze_sb)
[[ -n $runs ]] && run_extra=(--runs "$runs" "${run_extra[@]}")

run_config=$config
dep=()
if ((tune)); then
  tune_id=$(nc_sbatch --job-name="$name-tune" "${tune_sbx[@]}" "$NEUROCMA_ROOT/jobs/tune.sbatch" \
    "$config" ${trials:+--trials "$trials"} "${tune_extra[@]}")
  tune_dir="$NEUROCMA_RESULTS/$name-tune-$tune_id"
  # tune.sbatch links tuned.json to <config name>.tuned.json when it succeeds.
  run_config="$tune_dir/tuned.json"
  dep=(--dependency="afterok:$tune_id")
  echo "tune job:     $tune_id -> $tune_dir"
fi

if ((array)); then
  # The tuned config has the same optimizers as CONFIG, so the task plan can be
  # computed now from CONFIG although the tuned file does not exist yet.
  plan=$(nc_config_plan "$config") || exit 2
  sa=(--parsable --no-analyze --name "$name-run" --optimizers "$(sed -n 1p <<<"$plan")"
    --runs "${runs:-$(sed -n 2p <<<"$plan")}" --runs-per-task "$per_task")
  ((tune)) && sa+=(--dependency "afterok:$tune_id")
  [[ -n $run_sb ]] && sa+=(--sbatch "$run_sb")
  [[ $NC_DRY_RUN == 1 ]] && sa+=(--dry-run)
  ids=$("$NEUROCMA_ROOT/jobs/submit_array.sh" "${sa[@]}" "$run_config" "${run_extra[@]}")
  run_id=${ids%% *}
else
  run_id=$(nc_sbatch --job-name="$name-run" "${dep[@]}" "${run_sbx[@]}" "$NEUROCMA_ROOT/jobs/run.sbatch" \
    "$run_config" "${run_extra[@]}")
fi
run_dir="$NEUROCMA_RESULTS/$name-run-$run_id"
echo "run job:      $run_id -> $run_dir"

analyze_id=$(nc_sbatch --job-name="$name-analyze" --dependency="afterok:$run_id" "${analyze_sbx[@]}" \
  "$NEUROCMA_ROOT/jobs/analyze.sbatch" "$run_dir")
echo "analyze job:  $analyze_id -> $run_dir/analysis.md"
