#!/usr/bin/python3
"""Reference draws of PyTorch's CPU generator for core/peer_rng.hpp.

The earlier study seeded torch with torch.manual_seed(run) before building
its MLP (nn.Linear default init) and shuffled with DataLoader(shuffle=True).
This script records, with Debian's python3-torch, what those calls return, and
writes tests/data/torch_rng_ref.json for tests/unit/test_peer_rng.cpp:
  * the study model's initial parameters (4-10-3 in full, 196-10-10 as sums and
    the first entries), for seeds 0, 1 and 24;
  * the next epochs' permutations that DataLoader's RandomSampler draws
    (random_() of an int64 scalar as the seed, then randperm with a fresh
    generator), for n = 90 and, as first entries and a sum, n = 36000;
  * raw uniform_() values for a few ranges.

Run: /usr/bin/python3 tests/scripts/gen_torch_rng_ref.py
"""
import json
import pathlib

import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "torch_rng_ref.json"


def study_model(n_in, n_hidden, n_out):
    return nn.Sequential(nn.Linear(n_in, n_hidden), nn.Sigmoid(), nn.Linear(n_hidden, n_out),
                         nn.Softmax(dim=1))


def flat(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()]).double()


def epochs(n, count):
    out = []
    for _ in range(count):
        seed = int(torch.empty((), dtype=torch.int64).random_().item())
        g = torch.Generator()
        g.manual_seed(seed)
        out.append({"seed": seed, "perm": torch.randperm(n, generator=g).tolist()})
    return out


def main():
    ref = {"provenance": "tests/scripts/gen_torch_rng_ref.py, torch " + torch.__version__,
           "runs": []}
    for seed in (0, 1, 24):
        torch.manual_seed(seed)
        iris = flat(study_model(4, 10, 3))
        ep = epochs(90, 3)
        torch.manual_seed(seed)
        mnist = flat(study_model(196, 10, 10))
        big = epochs(36000, 2)
        ref["runs"].append({
            "seed": seed,
            "iris_init": iris.tolist(),
            "iris_epochs": ep,
            "mnist_init_first": mnist[:16].tolist(),
            "mnist_init_sum": float(mnist.sum()),
            "mnist_init_abs_sum": float(mnist.abs().sum()),
            "mnist_epochs": [{"seed": e["seed"], "first": e["perm"][:16],
                              "weighted_sum": sum(i * v for i, v in enumerate(e["perm"]))}
                             for e in big],
        })
    torch.manual_seed(7)
    ref["uniform"] = {"seed": 7, "ranges": [[-0.5, 0.5], [-0.0714285714285714, 0.0714285714285714],
                                           [2.0, 3.0]]}
    ref["uniform"]["values"] = [torch.empty(8).uniform_(a, b).double().tolist()
                                for a, b in ref["uniform"]["ranges"]]
    OUT.write_text(json.dumps(ref) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
