#!/usr/bin/python3
"""PyTorch peer of bench_train's BM_AdamStep: Adam on a 196-32-10 relu MLP.

Measures samples/s of the training step (batch gather, forward, cross-entropy,
backward, Adam step) on CPU, same shapes and batch size as the C++ benchmark.
Usage: /usr/bin/python3 bench/peer_torch_adam.py [--batch 64] [--threads N] [--repeats 5]
"""
import argparse
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    n = 8192
    X = torch.rand(n, 196)
    y = torch.randint(0, 10, (n,))
    model = torch.nn.Sequential(torch.nn.Linear(196, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(n)
    rates = []
    for _ in range(args.repeats):
        start = 0
        t0 = time.perf_counter()
        for _ in range(args.steps):
            if start + args.batch > n:
                start = 0
            idx = perm[start:start + args.batch]
            start += args.batch
            opt.zero_grad()
            loss = loss_fn(model(X[idx]), y[idx])
            loss.backward()
            opt.step()
        dt = time.perf_counter() - t0
        rates.append(args.steps * args.batch / dt)
    print(f"torch {torch.__version__} threads={args.threads} batch={args.batch} "
          f"samples/s median={statistics.median(rates):.0f} all={[round(r) for r in rates]}")


if __name__ == "__main__":
    main()
