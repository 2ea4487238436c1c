#!/bin/bash
# End-to-end test of the Slurm workflow on a throw-away single-node cluster:
#   tests/slurm/run_slurm_test.sh BUILD_DIR          (make test-slurm)
# Starts a private munged and slurmctld/slurmd (own ports, state, logs and munge
# socket in a temporary directory; the machine's own Slurm is left alone),
# submits jobs/submit_array.sh on a small Iris config (2 optimizers x 2 runs =
# 4 array tasks + a dependent analysis job) and jobs/study.sh (tune.sbatch ->
# a 2-rank run.sbatch with the tuned config -> analyze.sbatch), waits, and
# checks the job states, the result files and the analysis tables. Then it
# preempts a run.sbatch job with SIGUSR1 and checks that the requeued job
# resumes from its checkpoint to the numbers of an uninterrupted run. Stops
# only the daemons it started. Needs root (slurmd); as another user it skips.
# Environment:
#   NEUROCMA_SKIP_SLURM_TEST=1   skip (prints "slurm test skipped", exit 0)
#   NEUROCMA_SLURM_TIMEOUT=S     seconds to wait for the jobs (default 300)
#   NEUROCMA_SLURM_KEEP=1        keep the temporary directory for inspection
# shellcheck disable=SC2317,SC2015  # cleanup runs from a trap; pass/fail always succeed
set -uo pipefail

if [[ ${NEUROCMA_SKIP_SLURM_TEST:-0} == 1 ]]; then
  echo "slurm test skipped (NEUROCMA_SKIP_SLURM_TEST=1)"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "slurm test skipped: slurmd needs root (run as root, as CI does)"
  exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build}
build=$(cd "$build" 2>/dev/null && pwd) || { echo "slurm test: FAIL: build dir '${1:-}' not found"; exit 1; }
bin=$build/bin
timeout_s=${NEUROCMA_SLURM_TIMEOUT:-300}
t_start=$(date +%s)

say() { echo "[slurm-test +$(($(date +%s) - t_start))s] $*"; }
checks=() failed=0
pass() { checks+=("PASS  $*"); }
fail() {
  checks+=("FAIL  $*")
  failed=1
}
summary() {
  echo
  echo "==== Slurm workflow test summary ($(($(date +%s) - t_start)) s) ===="
  printf '  %s\n' "${checks[@]}"
  if ((failed)); then echo "slurm test: FAIL"; else echo "slurm test: PASS"; fi
}
# Fatal setup problem: record it, show the summary and leave (cleanup runs).
die() {
  fail "$*"
  summary
  exit 1
}

# --- prerequisites ----------------------------------------------------------
for exe in neurocma neurocma-analyze; do
  [[ -x $bin/$exe ]] || die "executable $bin/$exe missing (build first)"
done
need=(slurmctld slurmd sbatch squeue sinfo scontrol scancel munged)
missing=()
for c in "${need[@]}"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
if ((${#missing[@]})); then
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
    say "installing slurm-wlm and munge (missing: ${missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null ||
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends slurm-wlm munge >/dev/null; } ||
      die "apt-get install slurm-wlm munge failed"
  else
    die "missing ${missing[*]} (install slurm-wlm and munge, or set NEUROCMA_SKIP_SLURM_TEST=1)"
  fi
fi
command -v python3 >/dev/null 2>&1 || die "python3 missing (used to find free ports and read configs)"

# --- temporary cluster --------------------------------------------------------
tmp=$(mktemp -d "${TMPDIR:-/tmp}/neurocma-slurm.XXXXXX") || die "mktemp failed"
# munged insists that every directory above its socket is searchable by all.
chmod 755 "$tmp"
mkdir -m 755 "$tmp/munge" "$tmp/state" "$tmp/spool" "$tmp/results" "$tmp/logs"
pids=()
cleanup() {
  local rc=$?
  if [[ -n ${SLURM_CONF:-} && -f $SLURM_CONF ]] && ((${#pids[@]})); then
    scancel --quiet --user="$(id -un)" >/dev/null 2>&1 || true
    sleep 1
  fi
  # Stop in reverse start order: slurmd, slurmctld, munged; only our own PIDs.
  local i pid
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    pid=${pids[i]}
    kill "$pid" 2>/dev/null && for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  if [[ ${NEUROCMA_SLURM_KEEP:-0} == 1 ]]; then
    echo "slurm test: kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log_tails() {
  local f
  for f in "$tmp"/slurmctld.log "$tmp"/slurmd.log "$tmp"/*.stderr "$tmp"/logs/*.out; do
    [[ -s $f ]] || continue
    echo "---- tail of $f"
    tail -n 25 "$f"
  done
}

host=$(hostname -s 2>/dev/null || uname -n)
cpus=2
# 80 % of the memory (free -m; /proc/meminfo where procps is missing).
mem=$({ free -m 2>/dev/null || awk '/^MemTotal:/ {print "Mem:", int($2 / 1024)}' /proc/meminfo; } |
  awk '/^Mem:/ {print int($2 * 0.8)}')
[[ $mem =~ ^[0-9]+$ && $mem -gt 0 ]] || mem=1024
read -r ctld_port slurmd_port < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])') || die "cannot find free ports"

# A fresh key for the private munged (the system key, if any, is not touched).
mungekey --create --keyfile="$tmp/munge/munge.key" >/dev/null 2>&1 ||
  { dd if=/dev/urandom of="$tmp/munge/munge.key" bs=1 count=1024 2>/dev/null && chmod 600 "$tmp/munge/munge.key"; } ||
  die "cannot create a munge key"
munged --foreground --force --socket="$tmp/munge/munge.socket" --key-file="$tmp/munge/munge.key" \
  --log-file="$tmp/munge/munged.log" --pid-file="$tmp/munge/munged.pid" \
  --seed-file="$tmp/munge/munged.seed" >"$tmp/munged.stderr" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [[ -S $tmp/munge/munge.socket ]] && break; sleep 0.1; done
[[ -S $tmp/munge/munge.socket ]] || { log_tails; die "munged did not start"; }
pass "munged started (private socket)"

sed -e "s|@HOST@|$host|g" -e "s|@ADDR@|127.0.0.1|g" -e "s|@CTLD_PORT@|$ctld_port|" \
  -e "s|@SLURMD_PORT@|$slurmd_port|" -e "s|@USER@|$(id -un)|" \
  -e "s|@MUNGE_SOCKET@|$tmp/munge/munge.socket|" -e "s|@DIR@|$tmp|g" \
  -e "s|@CPUS@|$cpus|" -e "s|@MEM@|$mem|" "$here/slurm.conf.in" >"$tmp/slurm.conf" ||
  die "cannot write slurm.conf"
export SLURM_CONF=$tmp/slurm.conf
# Keep a Slurm environment of an enclosing job (e.g. CI inside Slurm) out.
unset SLURM_JOB_ID SLURM_JOBID SLURM_ARRAY_JOB_ID SLURM_ARRAY_TASK_ID SBATCH_PARTITION SBATCH_ACCOUNT

slurmctld -D -i -f "$SLURM_CONF" >"$tmp/slurmctld.stderr" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$host" >"$tmp/slurmd.stderr" 2>&1 &
pids+=($!)
idle=0
for _ in $(seq 60); do
  kill -0 "${pids[1]}" 2>/dev/null || break
  state=$(sinfo -h -N -o '%t' 2>/dev/null | head -n 1)
  if [[ $state == idle ]]; then idle=1; break; fi
  sleep 0.5
done
if ((!idle)); then
  log_tails
  die "node $host not idle after 30 s (slurmctld/slurmd failed to start; logs above)"
fi
pass "slurmctld + slurmd up, node $host idle ($cpus CPUs)"

# --- the study to run ---------------------------------------------------------
config=$root/configs/smoke.json
if [[ ! -f $config ]]; then
  config=$tmp/smoke.json
  cat >"$config" <<'EOF'
{
  "name": "smoke",
  "dataset": {"name": "iris"},
  "model": {"hidden": [8]},
  "train": {"batch_size": 16, "max_epochs": 3, "patience": 2},
  "optimizers": [{"type": "sgd", "lr": 0.1}, {"type": "adam", "lr": 0.01}],
  "runs": 2,
  "seed": 7
}
EOF
  say "configs/smoke.json not found; using $config"
fi
export NEUROCMA_BIN=$bin NEUROCMA_RESULTS=$tmp/results NEUROCMA_ROOT=$root
# Open MPI refuses root without these (CI runs as root).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1

cd "$tmp/logs" || die "cd $tmp/logs"
# shellcheck source=jobs/common.sh
plan=$(source "$root/jobs/common.sh" && nc_config_plan "$config") || die "cannot read $config"
optimizers=$(sed -n 1p <<<"$plan")
IFS=, read -r -a names <<<"$optimizers"
((${#names[@]} >= 2)) || die "$config has fewer than 2 optimizers ($optimizers)"
names=("${names[@]:0:2}")
runs=2

ids=$("$root/jobs/submit_array.sh" --parsable --name t-array --optimizers "$(IFS=,; echo "${names[*]}")" \
  --runs "$runs" "$config" --quiet 2>"$tmp/submit.stderr")
read -r array_id analyze_id <<<"$ids"
[[ $array_id =~ ^[0-9]+$ && ${analyze_id:-} =~ ^[0-9]+$ ]] || {
  cat "$tmp/submit.stderr"
  die "jobs/submit_array.sh did not print two job ids (got '$ids')"
}
pass "submit_array.sh: array job $array_id, analysis job $analyze_id"
# The chained study: tune (3 trials, 2 ranks) -> a 2-rank MPI run with the
# tuned config (default launcher: srun --mpi=pmix here) -> analysis.
study_out=$("$root/jobs/study.sh" --name t-study --trials 3 --runs 1 --tune-sbatch "--ntasks=2" \
  --run-sbatch "--ntasks=2" --tune-args "--quiet" --run-args "--quiet" "$config" 2>"$tmp/study.stderr")
job_of() { sed -n "s/^$1 job: *\\([0-9][0-9]*\\) .*/\\1/p" <<<"$study_out"; }
tune_id=$(job_of tune)
run_id=$(job_of run)
study_analyze_id=$(job_of analyze)
[[ $tune_id =~ ^[0-9]+$ && $run_id =~ ^[0-9]+$ && $study_analyze_id =~ ^[0-9]+$ ]] || {
  echo "$study_out"
  cat "$tmp/study.stderr"
  die "jobs/study.sh did not print tune, run and analyze job ids"
}
pass "study.sh: tune job $tune_id -> run job $run_id (2 tasks) -> analysis job $study_analyze_id"
say "waiting for jobs $array_id (array), $analyze_id (analysis), $tune_id (tune), $run_id (MPI run), $study_analyze_id (analysis)"
done_ok=0
deadline=$(($(date +%s) + timeout_s))
while (($(date +%s) < deadline)); do
  left=$(squeue -h -o '%i %T %r' 2>/dev/null)
  if [[ -z $left ]]; then done_ok=1; break; fi
  # A job whose dependency failed would wait forever: cancel it (its state
  # then fails the checks below) and keep waiting for the others.
  never=$(awk '/DependencyNeverSatisfied/ {print $1}' <<<"$left")
  if [[ -n $never ]]; then
    say "dependency failed, cancelling job(s) $never"
    # shellcheck disable=SC2086
    scancel $never
  fi
  sleep 2
done
if ((done_ok)); then
  pass "all jobs left the queue after $(($(date +%s) - t_start)) s"
else
  squeue
  fail "jobs still queued after ${timeout_s} s (NEUROCMA_SLURM_TIMEOUT)"
fi

# Job states are kept by slurmctld for MinJobAge (600 s) after the end.
job_state() { scontrol show job "$1" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
for task in $(seq 0 $((${#names[@]} * runs - 1))); do
  st=$(job_state "${array_id}_$task")
  [[ $st == COMPLETED ]] && pass "array task $task COMPLETED" || fail "array task $task state '${st:-unknown}'"
done
for pair in "analysis:$analyze_id" "tune:$tune_id" "mpi-run:$run_id" "study-analysis:$study_analyze_id"; do
  st=$(job_state "${pair#*:}")
  [[ $st == COMPLETED ]] && pass "${pair%%:*} job ${pair#*:} COMPLETED" || fail "${pair%%:*} job ${pair#*:} state '${st:-unknown}'"
done

# Result files: one HDF5 file per (optimizer, run) task, named by array.sbatch.
out=$tmp/results/t-array-$array_id
base=$(basename "$config" .json)
for opt in "${names[@]}"; do
  for r in $(seq 0 $((runs - 1))); do
    f=$out/$base.$opt.runs$r-$r.h5
    if [[ -s $f ]] && [[ $(head -c 8 "$f" | od -An -c | tr -d ' ') == '211HDF\r\n032\n' ]]; then
      pass "result file $(basename "$f") (HDF5)"
    else
      fail "result file $f missing or not HDF5"
    fi
  done
done
md=$out/analysis.md
if [[ -s $md ]]; then
  pass "analysis.md written"
  for opt in "${names[@]}"; do
    if grep -aE '^\|' "$md" | grep -qw -- "$opt"; then
      pass "analysis table has a row/column for $opt"
    else
      fail "analysis table does not mention $opt"
    fi
  done
else
  fail "analysis output $md missing"
fi
# The analysis must have merged the task files: n = runs per optimizer.
csv=$out/analysis.csv
for opt in "${names[@]}"; do
  n=$(awk -F, -v o="$opt" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    $h["section"] == "summary" && $h["optimizer"] == o { print $h["n"]; exit }' "$csv" 2>/dev/null)
  if [[ $n == "$runs" ]]; then
    pass "analysis.csv: $opt has n=$runs runs (all task files merged)"
  else
    fail "analysis.csv: $opt has n='${n:-none}', expected $runs"
  fi
done
shopt -s nullglob
tuned=$tmp/results/t-study-tune-$tune_id/tuned.json
[[ -L $tuned && -s $tuned ]] && pass "tune.sbatch linked tuned.json -> $(readlink "$tuned")" ||
  fail "tune.sbatch: $tuned missing or not a link to the tuned config"
if grep -q -- "run $tuned " "$tmp/logs/t-study-run-$run_id.out" 2>/dev/null; then
  pass "run job used the tuned config"
else
  fail "run job log does not show 'run $tuned'"
fi
run_dir=$tmp/results/t-study-run-$run_id
run_files=("$run_dir"/*.h5)
((${#run_files[@]} == 1)) && pass "MPI run wrote $(basename "${run_files[0]}")" ||
  fail "MPI run: expected one .h5 in $run_dir, found ${#run_files[@]}"
[[ -s $run_dir/analysis.md ]] && pass "study analysis.md written" || fail "study analysis $run_dir/analysis.md missing"
want="command: srun"
srun --mpi=list 2>&1 | grep -qw pmix && want="command: srun --mpi=pmix"
if grep -q -- "$want" "$tmp/logs/t-study-run-$run_id.out" 2>/dev/null; then
  pass "run.sbatch launched with '${want#command: }'"
else
  fail "run.sbatch log does not show '$want'"
fi

# --- preemption: SIGUSR1 -> checkpoint, exit 3, requeue, resume ----------------
# A run long enough to be signalled mid-way (CMA-ES on 4000 MNIST images when
# the data is there, else many Iris epochs). The requeued job must continue
# from its checkpoint and end with the numbers of an uninterrupted run.
# 300 MNIST epochs are about 3.5 s per run on a 2-core VM (3 runs): at 60
# epochs the whole job once ended within the 2 s the signal used to wait.
pre_cfg=$tmp/preempt.json
if [[ -n ${NEUROCMA_DATA_DIR:-} && -d $NEUROCMA_DATA_DIR/mnist ]]; then
  dataset='{"name": "mnist", "limit": 4000, "val_size": 1000}' epochs=300
else
  dataset='{"name": "iris", "standardize": true}' epochs=20000
fi
cat >"$pre_cfg" <<EOF
{"name": "preempt", "dataset": $dataset, "model": {"hidden": [16]},
 "train": {"batch_size": 64, "max_epochs": $epochs, "patience": 100000},
 "optimizers": [{"name": "sep", "type": "cmaes", "variant": "sep", "popsize": 20, "sigma0": 0.05}],
 "runs": 3, "seed": 3}
EOF
pre_id=$(sbatch --parsable --job-name=t-preempt --ntasks=1 "$root/jobs/run.sbatch" "$pre_cfg" \
  --checkpoint-every-minutes 0 2>"$tmp/preempt.stderr")
pre_id=${pre_id%%;*}
pre_out=$tmp/results/t-preempt-$pre_id
pre_log=$tmp/logs/t-preempt-$pre_id.out
if [[ $pre_id =~ ^[0-9]+$ ]]; then
  pass "run.sbatch submitted as job $pre_id for the preemption test"
  signalled=0 seen=0
  for _ in $(seq 600); do
    if [[ -e $pre_out/preempt.h5.partial ]]; then
      seen=1
      sleep 0.5
      scancel --signal=USR1 --batch "$pre_id" && signalled=1
      break
    fi
    sleep 0.1
  done
  if ((signalled)); then
    pass "sent SIGUSR1 to job $pre_id while it trained"
  elif ((seen)); then
    fail "job $pre_id ended before it could be signalled (the preemption run is too short)"
  else
    fail "job $pre_id never started training"
  fi
  # slurmctld holds a requeued job for about two minutes (BeginTime). That is
  # not shortened here: slurmd refuses to start the same job id again while
  # the first attempt's credential is revoked ("Job credential revoked").
  say "waiting for the requeued job $pre_id (Slurm's requeue delay is about 2 minutes)"
  deadline=$(($(date +%s) + timeout_s))
  while (($(date +%s) < deadline)) && squeue -h -j "$pre_id" 2>/dev/null | grep -q .; do sleep 2; done
  st=$(job_state "$pre_id")
  restarts=$(scontrol show job "$pre_id" 2>/dev/null | sed -n 's/.*Restarts=\([0-9]*\).*/\1/p')
  if [[ $st == COMPLETED && ${restarts:-0} -ge 1 ]]; then
    pass "job $pre_id requeued ($restarts restart) and COMPLETED"
  else
    fail "job $pre_id: state '${st:-unknown}', restarts '${restarts:-?}' (expected COMPLETED after a requeue)"
    grep -v '^\[neurocma\] ' "$pre_log" 2>/dev/null | tail -n 25
  fi
  grep -q "exit code 3" "$pre_log" 2>/dev/null && pass "first attempt exited with code 3 after its checkpoint" ||
    fail "$pre_log does not show exit code 3"
  grep -q "continues after epoch" "$pre_log" 2>/dev/null && pass "requeued job resumed from its checkpoint" ||
    fail "$pre_log does not show a resumed run"
  [[ ! -e $pre_out/preempt.h5.ckpt ]] && pass "checkpoint removed after completion" ||
    fail "$pre_out/preempt.h5.ckpt left behind"
  # Bit-identical to an uninterrupted run (every metric but wall time).
  ref=$tmp/preempt-ref.h5
  if "$bin/neurocma" run "$pre_cfg" --quiet --result-file "$ref" >/dev/null 2>"$tmp/preempt-ref.stderr"; then
    same=1
    for r in 0 1 2; do
      for d in history/train_loss history/val_loss history/val_acc history/sigma history/model_evals \
        final/test_loss final/test_acc; do
        obj=/runs/sep/run_00$r/$d
        h5diff -q "$ref" "$pre_out/preempt.h5" "$obj" "$obj" >/dev/null 2>&1 || { same=0; say "differs: $obj"; }
      done
    done
    ((same)) && pass "resumed results equal an uninterrupted run (h5diff, all runs)" ||
      fail "resumed results differ from an uninterrupted run"
  else
    fail "reference run failed: $(head -c 300 "$tmp/preempt-ref.stderr")"
  fi
else
  fail "sbatch run.sbatch for the preemption test failed: $(cat "$tmp/preempt.stderr")"
fi

((failed)) && log_tails
summary
((failed)) && exit 1
exit 0
