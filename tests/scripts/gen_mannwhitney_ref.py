#!/usr/bin/python3
"""Regenerates tests/data/mannwhitney_ref.json: reference U statistics and
p-values of scipy.stats.mannwhitneyu (method="auto", use_continuity=True) for
the corpus below, read by tests/unit/test_stats_mann_whitney.cpp.

Usage (Debian python3-scipy, python3-numpy):
    /usr/bin/python3 tests/scripts/gen_mannwhitney_ref.py > tests/data/mannwhitney_ref.json
"""
import json
import sys

import numpy as np
import scipy
from scipy import stats


def corpus():
    rng = np.random.RandomState(20240611)
    cases = []

    def add(name, x, y):
        cases.append((name, [float(v) for v in x], [float(v) for v in y]))

    # SciPy's documentation example (exact, no ties).
    add("docs_example", [19, 22, 16, 29, 24], [20, 11, 17, 12])
    add("exact_small_no_ties", rng.normal(size=5), rng.normal(0.8, 1, size=7))
    add("exact_3_vs_3_separated", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0])
    add("exact_separated_reversed", [14.0, 15.0, 16.0, 17.0], [1.0, 2.0, 3.0])
    # Boundary of SciPy's "auto": exact unless both sizes exceed 8.
    add("exact_8_vs_20", rng.normal(size=8), rng.normal(0.5, 1, size=20))
    add("exact_8_vs_8", rng.normal(size=8), rng.normal(0.3, 1, size=8))
    add("asymptotic_9_vs_9", rng.normal(size=9), rng.normal(0.3, 1, size=9))
    add("exact_1_vs_1", [0.25], [0.75])
    add("size_1_vs_5", [0.5], rng.uniform(size=5))
    add("size_1_vs_12_no_ties", [0.3], rng.uniform(size=12))
    add("size_1_with_tie", [0.5], [0.1, 0.5, 0.9])
    # Ties: the asymptotic method with tie correction, even for small n.
    add("ties_small", [1, 2, 2, 3, 5], [2, 3, 3, 4, 6, 7])
    add("ties_rounded", np.round(rng.normal(size=6), 1), np.round(rng.normal(0.5, 1, size=7), 1))
    add("large_no_ties", rng.normal(size=30), rng.normal(0.4, 1, size=40))
    add("large_ties_integers", rng.randint(0, 6, size=35), rng.randint(1, 7, size=25))
    add("large_separated", np.arange(20) + 0.5, np.arange(20) + 100.5)
    add("identical_samples", [0.1, 0.4, 0.2, 0.9, 0.7], [0.1, 0.4, 0.2, 0.9, 0.7])
    add("identical_large", np.linspace(0, 1, 15), np.linspace(0, 1, 15))
    # All values equal: tie-corrected variance is 0, z = -inf, p = 1.
    add("all_equal_small", [0.5, 0.5, 0.5], [0.5, 0.5])
    add("all_equal_large", [2.0] * 10, [2.0] * 12)
    add("negative_and_zero", [-1.0, -0.0, 0.0, -3.5, 2.0], [-2.0, 1.0, 4.0, -0.5])
    add("accuracies_like", [0.91, 0.93, 0.92, 0.95, 0.94, 0.90, 0.93, 0.92, 0.96, 0.91],
        [0.88, 0.90, 0.89, 0.91, 0.87, 0.92, 0.90, 0.86, 0.89, 0.90])
    return cases


def main():
    out = {
        "generator": "tests/scripts/gen_mannwhitney_ref.py",
        "scipy_version": scipy.__version__,
        "numpy_version": np.__version__,
        "cases": [],
    }
    for name, x, y in corpus():
        for alt in ("two-sided", "less", "greater"):
            res = stats.mannwhitneyu(x, y, alternative=alt, method="auto")
            out["cases"].append({
                "name": name,
                "alternative": alt,
                "x": x,
                "y": y,
                "u": float(res.statistic),
                "p": float(res.pvalue),
                "a12": float(res.statistic) / (len(x) * len(y)),
            })
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
