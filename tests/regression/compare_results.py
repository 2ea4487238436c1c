#!/usr/bin/python3
"""Compares two neurocma results files run for run, bit for bit.

Every run group under /runs must exist in both files with the same attributes
and the same datasets, value for value (NaN equal to NaN), except for what
describes the execution rather than the result: wall times (history/time,
final/time), the program version, the creation date, and the output and
data directories and checkpoint settings inside the resolved config. JSON attributes (the
resolved config and the hyperparameters) are compared as JSON values. The
first 20 differences are printed; the exit code is 1 if there is any.

usage: compare_results.py BASELINE.h5 CANDIDATE.h5
"""
import json
import sys

import h5py
import numpy as np

SKIP_DATASETS = {"time"}
SKIP_ATTRS = {"version", "created"}
JSON_ATTRS = {"config", "hyperparameters"}


def attr(v):
    if isinstance(v, bytes):
        v = v.decode()
    return v


def strip(cfg):
    """Removes where the run wrote and read (not part of the result)."""
    if isinstance(cfg, dict):
        cfg.pop("out_dir", None)
        cfg.pop("checkpoint", None)  # when to save never changes a result
        if isinstance(cfg.get("dataset"), dict):
            cfg["dataset"].pop("data_dir", None)
    return cfg


def walk(group, prefix=""):
    out = {}
    for key, item in group.items():
        path = prefix + "/" + key
        if isinstance(item, h5py.Group):
            out[path] = ("group", {k: attr(v) for k, v in item.attrs.items()})
            out.update(walk(item, path))
        else:
            out[path] = ("dataset", item[()])
    return out


def same_value(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype.kind != b.dtype.kind:
        return False
    if a.dtype.kind == "f":
        return bool(np.all((a == b) | (np.isnan(a) & np.isnan(b))))
    return bool(np.all(a == b))


def main():
    base_path, cand_path = sys.argv[1], sys.argv[2]
    diffs = []
    with h5py.File(base_path, "r") as fa, h5py.File(cand_path, "r") as fb:
        a, b = walk(fa["runs"], "/runs"), walk(fb["runs"], "/runs")
        for path in sorted(set(a) | set(b)):
            if path not in a or path not in b:
                diffs.append(f"{path}: only in {'baseline' if path in a else 'candidate'}")
                continue
            kind_a, va = a[path]
            kind_b, vb = b[path]
            if kind_a == "dataset":
                if path.rsplit("/", 1)[1] in SKIP_DATASETS:
                    continue
                if not same_value(va, vb):
                    diffs.append(f"{path}: {va!r} != {vb!r}")
                continue
            for k in sorted(set(va) | set(vb)):
                if k in SKIP_ATTRS:
                    continue
                x, y = va.get(k), vb.get(k)
                if k in JSON_ATTRS and x is not None and y is not None:
                    x, y = strip(json.loads(x)), strip(json.loads(y))
                if isinstance(x, np.ndarray) or isinstance(y, np.ndarray):
                    equal = same_value(x, y)
                else:
                    equal = x == y
                if not equal:
                    diffs.append(f"{path} attribute {k}: {str(x)[:200]} != {str(y)[:200]}")
    if diffs:
        print(f"{cand_path} differs from {base_path} in {len(diffs)} place(s):")
        for d in diffs[:20]:
            print("  " + d)
        return 1
    print(f"{cand_path}: identical to {base_path} ({len(a)} groups and datasets)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
