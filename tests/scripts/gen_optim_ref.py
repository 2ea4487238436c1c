#!/usr/bin/python3
"""Reference trajectories of torch.optim.SGD and torch.optim.Adam.

Writes tests/data/optim_ref.json, read by tests/unit/test_optim.cpp.
Run: /usr/bin/python3 tests/scripts/gen_optim_ref.py  (needs Debian's python3-torch)
"""
import json
import os

import torch

torch.set_default_dtype(torch.float64)
P0 = [0.5, -1.25, 2.0, 0.0]
GRADS = [[0.1, -0.2, 0.3, 0.0], [-0.4, 0.5, 0.05, 1.0], [0.2, 0.2, -0.7, -0.3],
         [1e-3, -2.0, 0.0, 0.5]]

CASES = [
    ("sgd", dict(lr=0.1)),
    ("sgd", dict(lr=0.05, momentum=0.9)),
    ("sgd", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("sgd", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.01)),
    ("adam", dict(lr=1e-3)),
    ("adam", dict(lr=0.1, betas=(0.8, 0.99), eps=1e-6)),
    ("adam", dict(lr=0.01, weight_decay=0.1)),
]


def main():
    out = []
    for kind, kw in CASES:
        p = torch.nn.Parameter(torch.tensor(P0))
        opt = (torch.optim.SGD if kind == "sgd" else torch.optim.Adam)([p], **kw)
        traj = []
        for g in GRADS:
            opt.zero_grad()
            p.grad = torch.tensor(g)
            opt.step()
            traj.append(p.detach().tolist())
        opts = dict(kw)
        if "betas" in opts:
            opts["beta1"], opts["beta2"] = opts.pop("betas")
        out.append({"type": kind, "options": opts, "p0": P0, "grads": GRADS,
                    "trajectory": traj})
    path = os.path.join(os.path.dirname(__file__), "..", "data", "optim_ref.json")
    with open(path, "w") as f:
        json.dump({"generator": "tests/scripts/gen_optim_ref.py", "torch": torch.__version__,
                   "cases": out}, f, indent=1)


if __name__ == "__main__":
    main()
