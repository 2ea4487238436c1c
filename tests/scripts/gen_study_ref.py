#!/usr/bin/python3
"""Reference values for the earlier study's semantics, computed with PyTorch.

The study (github.com/mlojek/cma_neuroevolution, results.md of 2025-05-17)
trained nn.Linear -> nn.Sigmoid -> nn.Linear -> nn.Softmax with
nn.CrossEntropyLoss applied to the softmax output. This script rebuilds that
model with torch and writes tests/data/study_ref.json, read by
tests/unit/test_study.cpp:

* loss (float64 and float32), accuracy, the gradient, the parameters after
  one torch.optim.SGD step and after three torch.optim.Adam steps, for the
  Iris model 4-10-3 and the MNIST model 196-10-10, each with ordinary and with
  large weights (CMA-ES with sigma0 = 7.39 samples such weights);
* the loss's lower bound log(e + k - 1) - 1, found by torch on a one-hot output;
* whether the study's early stopping really restored the best weights: it kept
  model.state_dict(), whose tensors share storage with the parameters. SGD
  and Adam update those in place, so the "restore" is a no-op; the CMA-ES
  loop assigns param.data = new tensor, so there it works.

Inputs are defined here and rebuilt by the test, so no data set is needed:
Iris is every 4th row of data/iris.csv standardized over all 150 rows with
the population standard deviation (sklearn's StandardScaler, as the study);
the MNIST-shaped batch is x[s, f] = ((31 s + 17 f) mod 97) / 96 with label
s mod 10, s < 32, f < 196. Parameters are p_i = scale * 0.5 * sin(0.37 i + 0.1)
in PyTorch order (W row-major, then b, per layer).

Run: /usr/bin/python3 tests/scripts/gen_study_ref.py  (needs Debian's python3-torch)
"""
import csv
import json
import math
import pathlib

import torch
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "study_ref.json"


class StudyMlp(nn.Module):
    """The study's MLPClassifier: sigmoid hidden layer, softmax output."""

    def __init__(self, n_in, n_hidden, n_out):
        super().__init__()
        self.linear1 = nn.Linear(n_in, n_hidden)
        self.activation = nn.Sigmoid()
        self.linear2 = nn.Linear(n_hidden, n_out)
        self.softmax = nn.Softmax(dim=1)

    def forward(self, x):
        return self.softmax(self.linear2(self.activation(self.linear1(x))))


def set_flat(model, flat):
    offset = 0
    with torch.no_grad():
        for p in model.parameters():
            k = p.numel()
            p.copy_(flat[offset:offset + k].view_as(p))
            offset += k


def get_flat(model):
    return torch.cat([p.detach().reshape(-1) for p in model.parameters()])


def params(n, scale, dtype):
    return torch.tensor([scale * 0.5 * math.sin(0.37 * i + 0.1) for i in range(n)], dtype=dtype)


def iris_batch():
    with open(ROOT / "data" / "iris.csv", newline="") as f:
        rows = list(csv.reader(f))[1:]
    x = torch.tensor([[float(v) for v in r[:4]] for r in rows], dtype=torch.float64)
    y = torch.tensor([int(float(r[4])) for r in rows])
    x = (x - x.mean(0)) / x.std(0, unbiased=False)
    return x[::4], y[::4]


def mnist_like_batch():
    x = torch.tensor([[((31 * s + 17 * f) % 97) / 96.0 for f in range(196)] for s in range(32)],
                     dtype=torch.float64)
    y = torch.tensor([s % 10 for s in range(32)])
    return x, y


def case(name, shape, x, y, scale, keep):
    n = sum(o * i + o for i, o in zip(shape[:-1], shape[1:]))
    out = {"name": name, "shape": shape, "scale": scale, "keep": keep}
    loss_fn = nn.CrossEntropyLoss()
    for dtype, key in ((torch.float32, "loss32"), (torch.float64, "loss")):
        m = StudyMlp(*shape).to(dtype)
        set_flat(m, params(n, scale, dtype))
        with torch.no_grad():
            out[key] = loss_fn(m(x.to(dtype)), y).item()
    m = StudyMlp(*shape).double()
    set_flat(m, params(n, scale, torch.float64))
    prob = m(x)
    out["accuracy"] = (prob.argmax(1) == y).double().mean().item()
    loss = loss_fn(prob, y)
    loss.backward()
    grad = torch.cat([p.grad.reshape(-1) for p in m.parameters()])

    def kept(v):
        return [v[i].item() for i in range(n) if keep == 1 or i % keep == 0 or i >= n - 110]

    out["grad"] = kept(grad)
    out["sgd_lr"] = 0.5
    m.zero_grad()
    opt = torch.optim.SGD(m.parameters(), lr=out["sgd_lr"])
    loss_fn(m(x), y).backward()
    opt.step()
    out["sgd_after"] = kept(get_flat(m))
    set_flat(m, params(n, scale, torch.float64))
    out["adam_lr"] = 0.01
    out["adam_steps"] = 3
    opt = torch.optim.Adam(m.parameters(), lr=out["adam_lr"])
    for _ in range(out["adam_steps"]):
        opt.zero_grad()
        loss_fn(m(x), y).backward()
        opt.step()
    out["adam_after"] = kept(get_flat(m))
    return out


def restore_is_real(kind):
    """Replays the study's EarlyStopping: snapshot, one more update, restore."""
    torch.manual_seed(0)
    m = StudyMlp(4, 10, 3)
    x, y = iris_batch()
    x = x.float()
    snapshot = m.state_dict()  # what EarlyStopping kept as best_model_state
    before = get_flat(m).clone()
    if kind == "cmaes":  # MLPClassifier.set_params: param.data = torch.tensor(...)
        for p in m.parameters():
            p.data = torch.tensor(p.detach().numpy() + 1.0)
    else:
        opt = (torch.optim.SGD(m.parameters(), lr=0.1) if kind == "sgd"
               else torch.optim.Adam(m.parameters(), lr=0.1))
        nn.CrossEntropyLoss()(m(x), y).backward()
        opt.step()
    m.load_state_dict(snapshot)
    return bool(torch.equal(get_flat(m), before))


def lower_bound(k):
    one_hot = torch.zeros((1, k), dtype=torch.float64)
    one_hot[0, 0] = 1.0
    return nn.CrossEntropyLoss()(one_hot, torch.tensor([0])).item()


def main():
    xi, yi = iris_batch()
    xm, ym = mnist_like_batch()
    ref = {
        "provenance": "tests/scripts/gen_study_ref.py, torch " + torch.__version__,
        "restore_is_real": {k: restore_is_real(k) for k in ("sgd", "adam", "cmaes")},
        "lower_bound": {"3": lower_bound(3), "10": lower_bound(10)},
        "cases": [
            case("iris", [4, 10, 3], xi, yi, 1.0, 1),
            case("iris", [4, 10, 3], xi, yi, 12.0, 1),
            case("mnist", [196, 10, 10], xm, ym, 0.2, 7),
            case("mnist", [196, 10, 10], xm, ym, 8.0, 7),
        ],
    }
    OUT.write_text(json.dumps(ref, indent=1) + "\n")
    print("wrote", OUT)


if __name__ == "__main__":
    main()
