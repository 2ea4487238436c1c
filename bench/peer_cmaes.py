#!/usr/bin/python3
"""Peer for bench/bench_cmaes.cpp: generation overhead of python3-cmaes.

Times ask() x lambda + tell() on the sphere at n = 6634, lambda = 100 for
cmaes.SepCMA and cmaes.CMA (CyberAgent `cmaes`, Debian python3-cmaes, numpy
with the BLAS that libblas.so.3 points to; printed as "blas"). CMA keeps a dense n x n C and calls numpy.linalg.eigh
in the first ask() after every tell(), so its generations are O(n^3): it is
capped by --max-seconds and --max-gens and the script reports how far it got.

usage: bench/peer_cmaes.py [--n 6634] [--popsize 100] [--gens 20] [--max-gens 3]
                           [--max-seconds 900] [--only sep|cma]
Prints one JSON line per optimizer: median wall and CPU (process_time, all
threads) seconds per generation over the timed generations (the first
generation is a warm-up and not counted).
"""
import argparse
import json
import statistics
import sys
import time

import numpy as np
import cmaes

from blas_info import loaded_blas


def time_generations(opt, lam, gens, max_seconds):
    times, cpu = [], []
    start = time.perf_counter()
    for g in range(gens + 1):
        t0 = time.perf_counter()
        c0 = time.process_time()
        sols = []
        for _ in range(lam):
            x = opt.ask()
            sols.append((x, float(np.dot(x, x))))
        opt.tell(sols)
        dt = time.perf_counter() - t0
        if g > 0:
            times.append(dt)
            cpu.append(time.process_time() - c0)
        # Progress on stderr so a run killed by a time limit still reports something.
        print(f"generation {g}: {dt:.3f} s wall", file=sys.stderr, flush=True)
        if time.perf_counter() - start > max_seconds:
            break
    return times, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=6634)
    ap.add_argument("--popsize", type=int, default=100)
    ap.add_argument("--gens", type=int, default=20)
    ap.add_argument("--max-gens", type=int, default=3, help="timed generations for CMA")
    ap.add_argument("--max-seconds", type=float, default=900.0)
    ap.add_argument("--only", choices=["sep", "cma"], default=None)
    a = ap.parse_args()
    mean = np.ones(a.n)
    runs = []
    if a.only in (None, "sep"):
        runs.append(("SepCMA", lambda: cmaes.SepCMA(mean=mean, sigma=0.3, population_size=a.popsize, seed=1), a.gens))
    if a.only in (None, "cma"):
        runs.append(("CMA", lambda: cmaes.CMA(mean=mean, sigma=0.3, population_size=a.popsize, seed=1), a.max_gens))
    for name, make, gens in runs:
        t0 = time.perf_counter()
        try:
            opt = make()
            setup = time.perf_counter() - t0
            times, cpu = time_generations(opt, a.popsize, gens, a.max_seconds)
            res = {"peer": "python3-cmaes", "optimizer": name, "n": a.n, "popsize": a.popsize,
                   "setup_s": setup, "timed_generations": len(times),
                   "median_s_per_gen": statistics.median(times) if times else None,
                   "gen_per_s": 1.0 / statistics.median(times) if times else None,
                   "median_cpu_s_per_gen": statistics.median(cpu) if cpu else None}
        except MemoryError as e:
            res = {"peer": "python3-cmaes", "optimizer": name, "n": a.n, "error": "MemoryError: " + str(e)}
        res["blas"] = loaded_blas()
        print(json.dumps(res), flush=True)


if __name__ == "__main__":
    main()
