#!/usr/bin/python3
"""Reference evaluation counts of full CMA-ES for tests/unit/test_cmaes_peer.cpp.

Runs python3-cmaes's CMA (CyberAgent `cmaes`, Debian package python3-cmaes;
active CMA with the tutorial's Table 1 defaults, as pycma) on sphere,
ellipsoid and Rosenbrock in n = 10 and 40, seeds 1..11, from the start points
of neurocma's test functions (x0 = 3, sigma0 = 2; Rosenbrock x0 = 0,
sigma0 = 0.5), and records the median number of f-evaluations until the best
f of a generation is below 1e-8. The test requires `neurocma optimize` to be
within +-20% of each median.

Run: /usr/bin/python3 tests/scripts/gen_cmaes_peer_ref.py   (a few minutes)
"""
import json
import pathlib
import statistics

import numpy as np
from cmaes import CMA

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "cmaes_peer_ref.json"


def sphere(x):
    return float(np.dot(x, x))


def ellipsoid(x):
    n = len(x)
    c = 10.0 ** (6.0 * np.arange(n) / (n - 1))
    return float(np.dot(c, x * x))


def rosenbrock(x):
    return float(np.sum(100.0 * (x[:-1] ** 2 - x[1:]) ** 2 + (x[:-1] - 1.0) ** 2))


FUNCTIONS = {"sphere": (sphere, 3.0, 2.0), "ellipsoid": (ellipsoid, 3.0, 2.0),
             "rosenbrock": (rosenbrock, 0.0, 0.5)}


def evals_to_target(f, n, x0, sigma0, seed, target=1e-8, budget=400000):
    opt = CMA(mean=np.full(n, x0), sigma=sigma0, seed=seed)
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
            return None
    return None


def main():
    cases = []
    for n in (10, 40):
        for name, (f, x0, s0) in FUNCTIONS.items():
            res = [evals_to_target(f, n, x0, s0, seed) for seed in range(1, 12)]
            ok = [r for r in res if r is not None]
            cases.append({"function": name, "dim": n, "seeds": 11, "reached": len(ok),
                          "median_evals": statistics.median(ok) if ok else None, "evals": res})
            print(name, n, len(ok), statistics.median(ok) if ok else None, flush=True)
    OUT.write_text(json.dumps({
        "provenance": "tests/scripts/gen_cmaes_peer_ref.py, python3-cmaes CMA (active), "
                      "seeds 1..11, target 1e-8",
        "cases": cases}, indent=1) + "\n")


if __name__ == "__main__":
    main()
