#!/usr/bin/python3
"""Python peer of neurocma's sep-CMA-ES training on MNIST-14x14 (196-32-10 relu).

The algorithm is Debian's python3-cmaes (SepCMA); the population is evaluated
batched in torch (all lambda candidates' first layers as one bmm), the fastest
straightforward Python form. Prints generations/s and epoch time so that the
C++ run of the same setting can be compared:

  build/bin/neurocma run configs/bench_sep_mnist14.json --runs 1
  /usr/bin/python3 bench/peer_sep_cmaes_training.py --data DIR --generations 50

DIR holds train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz.
"""
import argparse
import gzip
import os
import statistics
import time

import numpy as np
import torch
from cmaes import SepCMA

from blas_info import loaded_blas


def load_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("NEUROCMA_DATA_DIR", "") + "/mnist")
    ap.add_argument("--popsize", type=int, default=100)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--sigma0", type=float, default=0.05)
    ap.add_argument("--generations", type=int, default=50)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    images = load_idx(os.path.join(args.data, "train-images-idx3-ubyte.gz")).astype(np.float32)
    labels = load_idx(os.path.join(args.data, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x = torch.from_numpy(images / 255.0).reshape(-1, 1, 28, 28)
    x = torch.nn.functional.avg_pool2d(x, 2).reshape(-1, 196)
    y = torch.from_numpy(labels)
    h, k, d = 32, 10, 196
    n = d * h + h + h * k + k
    rng = np.random.default_rng(0)
    b1, b2 = 1 / np.sqrt(d), 1 / np.sqrt(h)
    mean0 = np.concatenate([rng.uniform(-b1, b1, d * h + h), rng.uniform(-b2, b2, h * k + k)])
    es = SepCMA(mean=mean0, sigma=args.sigma0, population_size=args.popsize, seed=1)
    perm = torch.randperm(x.shape[0])
    times = []
    start = 0
    for g in range(args.generations):
        t0 = time.perf_counter()
        cands = np.stack([es.ask() for _ in range(es.population_size)])
        p = torch.from_numpy(cands).float()
        idx = perm[start:start + args.batch]
        start = (start + args.batch) % (x.shape[0] - args.batch)
        xb, yb = x[idx], y[idx]
        lam = p.shape[0]
        w1 = p[:, :d * h].reshape(lam, h, d)
        c1 = p[:, d * h:d * h + h]
        w2 = p[:, d * h + h:d * h + h + h * k].reshape(lam, k, h)
        c2 = p[:, d * h + h + h * k:]
        hid = torch.relu(torch.einsum("bd,lhd->lbh", xb, w1) + c1[:, None, :])
        logits = torch.bmm(hid, w2.transpose(1, 2)) + c2[:, None, :]
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, k), yb.repeat(lam), reduction="none").reshape(lam, -1).mean(1)
        es.tell([(cands[j], float(loss[j])) for j in range(lam)])
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    gens_per_epoch = 50000 / args.batch
    print(f"python3-cmaes SepCMA + torch {torch.__version__}: n={n} lambda={args.popsize} "
          f"batch={args.batch} median s/generation={med:.4f} "
          f"generations/s={1 / med:.1f} est. epoch (50k samples) s={med * gens_per_epoch:.1f} "
          f"blas={','.join(loaded_blas())}")


if __name__ == "__main__":
    main()
