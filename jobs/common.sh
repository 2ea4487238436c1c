# Shared helpers of the neurocma Slurm job scripts (sourced, not run).
# shellcheck shell=bash
#
# Slurm copies a batch script into its spool directory before running it, so
# the scripts cannot find this file next to themselves; they look for the
# repository (NEUROCMA_ROOT) first. See docs/slurm.md for every variable.
#
# Environment read here:
#   NEUROCMA_ROOT      repository checkout (default: the submitted script's
#                      checkout, found with scontrol, else the submit dir)
#   NEUROCMA_BIN       directory holding neurocma and neurocma-analyze
#                      (default: $NEUROCMA_ROOT/build/bin)
#   NEUROCMA_RESULTS   parent of the per-job result directories
#                      (default: $SLURM_SUBMIT_DIR/results)
#   NEUROCMA_OUT       result directory of this job (default:
#                      $NEUROCMA_RESULTS/<job name>-<job id>)
#   NEUROCMA_LAUNCHER  srun | mpirun | none | auto (default auto)
#   NEUROCMA_SRUN_MPI  value for srun --mpi= (default: pmix when the cluster
#                      offers it, else the cluster's MpiDefault)
#   NEUROCMA_MPIRUN_ARGS  extra arguments for mpirun (word-split)
#   NEUROCMA_REQUEUE   1 (default): requeue the job when neurocma exits with 3
#                      (interrupted after writing a checkpoint)

nc_log() { echo "[neurocma-job $(date +%H:%M:%S)] $*" >&2; }
nc_die() {
  nc_log "error: $*"
  exit 2
}

# Thread counts: one per task unless the job asked for --cpus-per-task.
# Since Slurm 22.05 srun no longer inherits --cpus-per-task from sbatch;
# SRUN_CPUS_PER_TASK passes it on explicitly.
nc_setup_env() {
  local threads=${SLURM_CPUS_PER_TASK:-1}
  export OMP_NUM_THREADS=$threads OPENBLAS_NUM_THREADS=$threads MKL_NUM_THREADS=$threads
  if [[ -n ${SLURM_CPUS_PER_TASK:-} ]]; then
    export SRUN_CPUS_PER_TASK=$SLURM_CPUS_PER_TASK
  fi
  NEUROCMA_BIN=${NEUROCMA_BIN:-$NEUROCMA_ROOT/build/bin}
  [[ -x $NEUROCMA_BIN/neurocma ]] ||
    nc_die "no executable $NEUROCMA_BIN/neurocma; build first (make build) or set NEUROCMA_BIN"
  NEUROCMA_RESULTS=${NEUROCMA_RESULTS:-${SLURM_SUBMIT_DIR:-$PWD}/results}
}

# Result directory of this job: RESULTS/<job name>-<job id>. Array tasks
# share their array's directory; a requeued job keeps its id and directory.
# NEUROCMA_OUT, if set, is used as is (e.g. to run tasks outside Slurm).
nc_job_dir() {
  if [[ -n ${NEUROCMA_OUT:-} ]]; then
    echo "$NEUROCMA_OUT"
    return
  fi
  local id=${SLURM_ARRAY_JOB_ID:-${SLURM_JOB_ID:-local$$}}
  local name=${SLURM_JOB_NAME:-neurocma}
  echo "$NEUROCMA_RESULTS/$name-$id"
}

# Sets the array NC_LAUNCH to the command prefix that starts MPI ranks.
nc_choose_launcher() {
  local mode=${NEUROCMA_LAUNCHER:-auto}
  if [[ $mode == auto ]]; then
    if [[ -n ${SLURM_JOB_ID:-} ]] && command -v srun >/dev/null 2>&1; then
      mode=srun
    elif command -v mpirun >/dev/null 2>&1; then
      mode=mpirun
    else
      mode=none
    fi
  fi
  case $mode in
    srun)
      command -v srun >/dev/null 2>&1 || nc_die "NEUROCMA_LAUNCHER=srun but srun is not in PATH"
      local mpi=${NEUROCMA_SRUN_MPI:-}
      if [[ -z $mpi ]] && srun --mpi=list 2>&1 | grep -qw pmix; then mpi=pmix; fi
      NC_LAUNCH=(srun)
      [[ -n $mpi ]] && NC_LAUNCH+=("--mpi=$mpi")
      ;;
    mpirun)
      command -v mpirun >/dev/null 2>&1 || nc_die "NEUROCMA_LAUNCHER=mpirun but mpirun is not in PATH"
      # Inside an allocation Open MPI's mpirun reads the node list and task
      # count from Slurm itself, so no -np is given.
      # shellcheck disable=SC2206
      NC_LAUNCH=(mpirun ${NEUROCMA_MPIRUN_ARGS:-})
      ;;
    none) NC_LAUNCH=() ;;
    *) nc_die "NEUROCMA_LAUNCHER='$mode': expected srun, mpirun, none or auto" ;;
  esac
}

# Runs "$@" in the background and forwards SIGUSR1/SIGTERM to it. With
# --signal=B:USR1@120 Slurm signals only this batch shell; neurocma itself
# must see the signal to stop cleanly (srun and mpirun pass it to the ranks).
# Returns the command's exit code; on 3 (interrupted after a checkpoint) the
# job is requeued unless NEUROCMA_REQUEUE=0.
nc_run() {
  nc_log "command: $*"
  "$@" &
  local child=$! rc
  # shellcheck disable=SC2064
  trap "nc_log 'SIGUSR1: time limit near, passing it on'; kill -USR1 $child 2>/dev/null" USR1
  # SIGTERM, SIGINT and SIGHUP go on as SIGUSR1, which neurocma treats alike
  # (checkpoint, exit 3). mpirun forwards SIGUSR1 to the ranks and then exits
  # with their 3; a SIGTERM would make mpirun kill them after 1 s and exit 1.
  local sig
  for sig in TERM INT HUP; do
    # shellcheck disable=SC2064
    trap "nc_log 'SIG$sig: passing it on as SIGUSR1'; kill -USR1 $child 2>/dev/null" "$sig"
  done
  while true; do
    wait "$child"
    rc=$?
    # A trapped signal interrupts wait with 128+n while the child lives on.
    kill -0 "$child" 2>/dev/null || break
  done
  trap - USR1 TERM INT HUP
  nc_log "exit code $rc"
  if [[ $rc -eq 3 && ${NEUROCMA_REQUEUE:-1} == 1 && -n ${SLURM_JOB_ID:-} ]]; then
    nc_log "interrupted after a checkpoint: requeueing job $SLURM_JOB_ID"
    scontrol requeue "$SLURM_JOB_ID" || nc_log "scontrol requeue failed"
  fi
  return "$rc"
}

# Reads optimizer names and the run count from a config with python3 (no jq
# needed). Prints two lines: "name1,name2,..." and the run count. Native
# configs: optimizers[].name (default: its type) and runs (default 5, as in
# include/neurocma/io/config.hpp); study-format configs: one optimizer, 1 run.
nc_config_plan() {
  command -v python3 >/dev/null 2>&1 ||
    nc_die "python3 not found: pass --optimizers A,B and --runs N explicitly"
  python3 - "$1" <<'PY'
import json, sys
path = sys.argv[1]
try:
    with open(path) as f:
        j = json.load(f)
except Exception as e:
    sys.exit("%s: cannot read config: %s" % (path, e))
study_keys = ("optimizer_config", "dataset_name", "mlp_layers", "train_val_test_ratios")
if any(k in j for k in study_keys):
    names, runs = [j["optimizer_config"]["name"]], 1
else:
    names = [o.get("name", o.get("type")) for o in j.get("optimizers", [])]
    runs = j.get("runs", 5)
if not names or not all(names):
    sys.exit("%s: no optimizers found" % path)
print(",".join(names))
print(int(runs))
PY
}

# Absolute path of an existing file.
nc_abspath() {
  [[ -e $1 ]] || nc_die "'$1': no such file"
  echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
}

# --- used by the submitting scripts (study.sh, submit_array.sh) ---

# Exports what the batch jobs need to find the checkout, the binaries and the
# results; sbatch passes the submitting environment on (its default --export=ALL).
nc_submit_env() {
  export NEUROCMA_ROOT
  export NEUROCMA_BIN=${NEUROCMA_BIN:-$NEUROCMA_ROOT/build/bin}
  mkdir -p "${NEUROCMA_RESULTS:-results}" || nc_die "cannot create ${NEUROCMA_RESULTS:-results}"
  NEUROCMA_RESULTS=$(cd "${NEUROCMA_RESULTS:-results}" && pwd)
  export NEUROCMA_RESULTS
  [[ -x $NEUROCMA_BIN/neurocma ]] ||
    nc_log "warning: $NEUROCMA_BIN/neurocma does not exist (yet); the jobs will fail without it"
}

# nc_sbatch ARGS...: submits and echoes the job id. With NC_DRY_RUN=1 prints
# the command to stderr and echoes a placeholder id (<job name>_ID) instead.
nc_sbatch() {
  if [[ ${NC_DRY_RUN:-0} == 1 ]]; then
    local a jobname=job
    for a in "$@"; do [[ $a == --job-name=* ]] && jobname=${a#--job-name=}; done
    echo "sbatch $*" >&2
    echo "${jobname}_ID"
    return 0
  fi
  local id
  id=$(sbatch --parsable "$@") || return 1
  echo "${id%%;*}"
}
