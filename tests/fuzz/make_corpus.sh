#!/usr/bin/env bash
# Regenerates the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/)
# from the shipped configs and from files that neurocma itself writes on tiny
# Iris runs. Regression inputs (regress-*) are kept; seeds (seed-*) are replaced.
#
# usage: tests/fuzz/make_corpus.sh [BUILD_DIR]   (a Release build; default build)
# needs: NEUROCMA_DATA_DIR holding iris/ and mnist/ (the CI data), python3
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
NEUROCMA=$PWD/$BUILD/bin/neurocma
CORPUS=$PWD/tests/fuzz/corpus
: "${NEUROCMA_DATA_DIR:?set NEUROCMA_DATA_DIR to the directory holding iris/ and mnist/}"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for t in config idx study_csv checkpoint results_h5 results_h5_raw; do
  mkdir -p "$CORPUS/$t"
  rm -f "$CORPUS/$t"/seed-*
done

# config: every shipped config, both schemas.
for f in configs/*.json configs/corrected/*.json configs/study/*.json; do
  name=${f#configs/}
  cp "$f" "$CORPUS/config/seed-${name//\//-}"
done

# A tiny Iris experiment: results files and the study CSVs.
cat >"$WORK/tiny.json" <<'JSON'
{
  "name": "tiny",
  "dataset": {"name": "iris", "split": "ratio", "standardize": true},
  "model": {"hidden": [3], "activation": "tanh"},
  "train": {"batch_size": 30, "max_epochs": 4, "patience": 2},
  "optimizers": [
    {"name": "sgd", "type": "sgd", "lr": 0.1},
    {"name": "adam", "type": "adam", "lr": 0.01},
    {"name": "cmaes", "type": "cmaes", "variant": "full", "popsize": 6, "sigma0": 0.3}
  ],
  "runs": 2,
  "seed": 7,
  "out_dir": "out"
}
JSON
(
  cd "$WORK"
  "$NEUROCMA" run tiny.json --csv csv --quiet >/dev/null
  for o in adam cmaes; do
    "$NEUROCMA" run tiny.json --runs 1 --optimizer "$o" --result-file "one_$o.h5" --quiet >/dev/null
  done
  "$NEUROCMA" run tiny.json --runs 2 --optimizer sgd --result-file two_sgd.h5 --quiet >/dev/null
)
for o in adam cmaes; do cp "$WORK/one_$o.h5" "$CORPUS/results_h5_raw/seed-one_$o.h5"; done
cp "$WORK/two_sgd.h5" "$CORPUS/results_h5_raw/seed-two_sgd.h5"
for f in "$WORK"/csv/*.csv; do cp "$f" "$CORPUS/study_csv/seed-$(basename "$f")"; done

# Checkpoints: a run interrupted (SIGTERM) after its first job finished, so
# that finished.ckpt and the state of a CMA-ES job in progress are on disk.
cat >"$WORK/ckpt.json" <<'JSON'
{
  "name": "ckpt",
  "dataset": {"name": "iris", "split": "ratio", "standardize": true},
  "model": {"hidden": [3], "activation": "tanh"},
  "train": {"batch_size": 30, "max_epochs": 200, "patience": 200},
  "optimizers": [{"name": "cmaes", "type": "cmaes", "variant": "full", "popsize": 3000, "sigma0": 0.3}],
  "runs": 2,
  "seed": 7,
  "out_dir": "ck"
}
JSON
(
  cd "$WORK"
  "$NEUROCMA" run ckpt.json --quiet >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 600); do
    [[ -f ck/ckpt.h5.ckpt/finished.ckpt ]] && break
    sleep 0.05
  done
  sleep 0.3
  kill -TERM "$pid"
  rc=0
  wait "$pid" || rc=$?
  if [[ $rc -ne 3 || ! -f ck/ckpt.h5.ckpt/finished.ckpt || ! -f ck/ckpt.h5.ckpt/job-cmaes-1.ckpt ]]; then
    echo "make_corpus: the interrupted run left no checkpoints (exit $rc)" >&2
    exit 1
  fi
)
# The fuzz target's input: byte 0 = kind (bit 0: 0 finished, 1 job) | 2 for a
# whole file; without 2, the kind's fields only (the target adds header,
# version, identity and checksum, which a real file has for another experiment).
python3 - "$WORK/ck/ckpt.h5.ckpt" "$CORPUS/checkpoint" <<'PY'
import struct, sys
src, dst = sys.argv[1], sys.argv[2]
for kind, name in ((0, "finished.ckpt"), (1, "job-cmaes-1.ckpt")):
    data = open(f"{src}/{name}", "rb").read()
    payload = data[24:-8]
    pos = 0
    for _ in range(2):  # version string, identity JSON
        (n,) = struct.unpack_from("<Q", payload, pos)
        pos += 8 + n
    stem = name.split(".")[0]
    open(f"{dst}/seed-{stem}.fields", "wb").write(bytes([kind]) + payload[pos:])
    open(f"{dst}/seed-{stem}.file", "wb").write(bytes([kind | 2]) + data)
PY

# results_h5 (structure-aware): edit lists for the target's template file
# (op, object, name, operands; see fuzz_results_h5.cpp). Any bytes are valid.
python3 - "$CORPUS/results_h5" <<'PY'
import struct, sys
dst = sys.argv[1]
seeds = {
    "none": b"",
    "attr-as-string": bytes([1, 3, 10, 6, 0, 0, 0, 3]) + b"abc",
    "dataset-5-doubles": bytes([2, 5, 26, 3, 0, 2, 5]) + struct.pack("<5d", 1, 2, 3, 4, 5),
    "delete-link": bytes([3, 4, 16]),
    "move": bytes([5, 3, 20, 2]),
    "hard-link": bytes([6, 3, 21, 2]),
    "soft-link": bytes([7, 2, 16, 1, 4]),
}
for name, data in seeds.items():
    open(f"{dst}/seed-{name}", "wb").write(data)
PY

# IDX: the first 2 and 3 test images of MNIST with their labels (image file,
# then label file), and 1 image alone as gzip.
python3 - "$NEUROCMA_DATA_DIR/mnist" "$CORPUS/idx" <<'PY'
import gzip, struct, sys
src, dst = sys.argv[1], sys.argv[2]
images = gzip.open(f"{src}/t10k-images-idx3-ubyte.gz").read()
labels = gzip.open(f"{src}/t10k-labels-idx1-ubyte.gz").read()
def pair(n):
    img = struct.pack(">IIII", 0x803, n, 28, 28) + images[16:16 + n * 784]
    lab = struct.pack(">II", 0x801, n) + labels[8:8 + n]
    return img, lab
for n in (2, 3):
    img, lab = pair(n)
    open(f"{dst}/seed-t10k-{n}.idx", "wb").write(img + lab)
img, _ = pair(1)
open(f"{dst}/seed-t10k-1-images.idx.gz", "wb").write(gzip.compress(img, mtime=0))
PY
du -sh "$CORPUS"
