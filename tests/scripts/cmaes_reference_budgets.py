#!/usr/bin/python3
"""Reference evaluation counts for tests/unit/test_cmaes.cpp.

Runs the independent CMA-ES implementation python3-cmaes (CyberAgent
`cmaes`, Debian package python3-cmaes) with its default parameters on the
same functions, start points and step sizes as the C++ tests and prints the
median number of f-evaluations to reach f < 1e-8. The test budgets are these
medians times a safety factor, stated next to each test.

usage: tests/scripts/cmaes_reference_budgets.py [--seeds 11]
"""
import argparse
import statistics

import numpy as np
from cmaes import CMA, SepCMA


def sphere(x):
    return float(np.dot(x, x))


def ellipsoid(x):
    n = len(x)
    c = 10.0 ** (6.0 * np.arange(n) / (n - 1))
    return float(np.dot(c, x * x))


def rosenbrock(x):
    return float(np.sum(100.0 * (x[:-1] ** 2 - x[1:]) ** 2 + (x[:-1] - 1.0) ** 2))


def rotated(f, n, seed):
    rng = np.random.default_rng(seed)
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    q = q * np.sign(np.diag(r))
    return lambda x: f(q @ x)


def evals_to_target(cls, f, x0, sigma0, seed, target=1e-8, budget=200000):
    opt = cls(mean=np.array(x0, dtype=float), sigma=sigma0, seed=seed)
    evals = 0
    while evals < budget:
        sols = []
        best = np.inf
        for _ in range(opt.population_size):
            x = opt.ask()
            v = f(x)
            sols.append((x, v))
            best = min(best, v)
            evals += 1
        opt.tell(sols)
        if best < target:
            return evals
        if opt.should_stop():
            break
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=11)
    a = ap.parse_args()
    n = 10
    cases = [
        ("CMA", "sphere", sphere, [3.0] * n, 2.0),
        ("CMA", "rosenbrock", rosenbrock, [0.0] * n, 0.5),
        ("CMA", "ellipsoid", ellipsoid, [3.0] * n, 2.0),
        ("CMA", "rotated_ellipsoid", rotated(ellipsoid, n, 7), [3.0] * n, 2.0),
        ("SepCMA", "ellipsoid", ellipsoid, [3.0] * n, 2.0),
    ]
    for name, fname, f, x0, s0 in cases:
        cls = CMA if name == "CMA" else SepCMA
        res = [evals_to_target(cls, f, x0, s0, seed) for seed in range(1, a.seeds + 1)]
        ok = [r for r in res if r is not None]
        med = statistics.median(ok) if ok else None
        print(f"{name:7s} {fname:18s} n={n} reached {len(ok)}/{len(res)} median evals {med} "
              f"min {min(ok) if ok else None} max {max(ok) if ok else None}")


if __name__ == "__main__":
    main()
