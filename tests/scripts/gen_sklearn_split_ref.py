#!/usr/bin/python3
"""Reference splits of scikit-learn's train_test_split for sklearn_split().

The earlier study split its data with
    train_test_split(x, y, test_size=r[2]/sum(r), random_state=seed, stratify=y)
and then the same on the rest with test_size=r[1]/sum(r[:2]). This script runs
exactly that with Debian's python3-sklearn and writes the index lists to
tests/data/sklearn_split_ref.json, read by tests/unit/test_data.cpp.
Cases: Iris (data/iris.csv), two synthetic label vectors with unequal classes
(so that sklearn's tie-breaking draws are exercised), and, when MNIST is found
in $NEUROCMA_DATA_DIR, the study's MNIST split (sizes, first indices and the
SHA-256 of each index list as little-endian int64).

Run: NEUROCMA_DATA_DIR=../shared/data /usr/bin/python3 tests/scripts/gen_sklearn_split_ref.py
"""
import gzip
import hashlib
import json
import os
import pathlib

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "sklearn_split_ref.json"


def study_split(y, ratios, seed):
    idx = np.arange(len(y))
    tv, te = train_test_split(idx, test_size=ratios[2] / sum(ratios), random_state=seed,
                              stratify=y)
    tr, va = train_test_split(tv, test_size=ratios[1] / sum(ratios[:2]), random_state=seed,
                              stratify=y[tv])
    return tr, va, te


def synthetic(counts, mult, add):
    labels = [c for c, k in enumerate(counts) for _ in range(k)]
    n = len(labels)
    order = sorted(range(n), key=lambda i: (i * mult + add) % n)
    return [labels[i] for i in order]


def digest(a):
    return hashlib.sha256(np.asarray(a, dtype="<i8").tobytes()).hexdigest()


def main():
    iris_y = np.loadtxt(ROOT / "data" / "iris.csv", delimiter=",", skiprows=1)[:, 4].astype(int)
    cases = [
        ("iris", iris_y.tolist(), [0.6, 0.2, 0.2], 42),
        ("unequal", synthetic([20 + 13 * c for c in range(7)], 37, 5), [0.7, 0.15, 0.15], 7),
        ("ties", synthetic([5, 3, 3, 2, 7, 4], 11, 3), [0.5, 0.25, 0.25], 123),
    ]
    out = {"provenance": "tests/scripts/gen_sklearn_split_ref.py, scikit-learn "
                         + sklearn.__version__ + ", numpy " + np.__version__,
           "cases": []}
    for name, y, ratios, seed in cases:
        tr, va, te = study_split(np.array(y), ratios, seed)
        out["cases"].append({"name": name, "labels": y, "ratios": ratios, "seed": seed,
                             "train": tr.tolist(), "val": va.tolist(), "test": te.tolist()})
    base = os.environ.get("NEUROCMA_DATA_DIR")
    if base:
        path = pathlib.Path(base) / "mnist" / "train-labels-idx1-ubyte.gz"
        if not path.exists():
            path = pathlib.Path(base) / "train-labels-idx1-ubyte.gz"
        y = np.frombuffer(gzip.open(path).read(), dtype=np.uint8, offset=8).astype(int)
        tr, va, te = study_split(y, [0.6, 0.2, 0.2], 42)
        out["mnist"] = {part: {"size": len(a), "first": a[:20].tolist(), "sha256": digest(a)}
                        for part, a in (("train", tr), ("val", va), ("test", te))}
    OUT.write_text(json.dumps(out) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
