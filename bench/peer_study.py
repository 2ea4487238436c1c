#!/usr/bin/python3
"""The earlier study's training loop for SGD and Adam, rebuilt in PyTorch.

A peer for neurocma's study semantics (docs/study.md): the study's model
(Linear -> Sigmoid -> Linear -> Softmax, nn.CrossEntropyLoss on the softmax
output), its data handling (sklearn's stratified train_test_split twice with
random_state = the config seed; MNIST 28 -> 14 by bilinear interpolation),
torch.manual_seed(run) before the model is built, DataLoader(shuffle=True),
early stopping on the validation loss whose "restore" of model.state_dict()
is a no-op for in-place optimizers, and the final evaluation of the three
splits. Written from the study's description in docs/study.md, not copied.

usage: /usr/bin/python3 bench/peer_study.py configs/study/mnist.sgd.json --runs 3
needs Debian's python3-torch, python3-sklearn; MNIST from $NEUROCMA_DATA_DIR.
"""
import argparse
import gzip
import json
import os
import pathlib
import time

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

ROOT = pathlib.Path(__file__).resolve().parents[1]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(name, ratios, seed):
    if name == "iris":
        raw = np.loadtxt(ROOT / "data" / "iris.csv", delimiter=",", skiprows=1)
        x = (raw[:, :4] - raw[:, :4].mean(0)) / raw[:, :4].std(0)
        x = torch.tensor(x, dtype=torch.float32)
        y = torch.tensor(raw[:, 4], dtype=torch.long)
    else:
        base = pathlib.Path(os.environ["NEUROCMA_DATA_DIR"])
        if (base / "mnist").is_dir():
            base = base / "mnist"
        imgs = torch.tensor(read_idx(base / "train-images-idx3-ubyte.gz").copy()).float() / 255.0
        x = nn.functional.interpolate(imgs.unsqueeze(1), size=(14, 14), mode="bilinear",
                                      align_corners=False).flatten(1)
        y = torch.tensor(read_idx(base / "train-labels-idx1-ubyte.gz").copy()).long()
    test = ratios[2] / sum(ratios)
    x_tv, x_te, y_tv, y_te = train_test_split(x, y, test_size=test, random_state=seed, stratify=y)
    val = ratios[1] / sum(ratios[:2])
    x_tr, x_va, y_tr, y_va = train_test_split(x_tv, y_tv, test_size=val, random_state=seed,
                                              stratify=y_tv)
    return TensorDataset(x_tr, y_tr), TensorDataset(x_va, y_va), TensorDataset(x_te, y_te)


class StudyMlp(nn.Module):
    def __init__(self, n_in, n_hidden, n_out, seed):
        torch.manual_seed(seed)
        super().__init__()
        self.net = nn.Sequential(nn.Linear(n_in, n_hidden), nn.Sigmoid(),
                                 nn.Linear(n_hidden, n_out), nn.Softmax(dim=1))
        self.forward_samples = 0

    def forward(self, x):
        self.forward_samples += x.shape[0]
        return self.net(x)


def evaluate(model, loader, loss_fn):
    total, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for x, y in loader:
            out = model(x)
            total += loss_fn(out, y).item() * x.shape[0]
            correct += (out.argmax(1) == y).sum().item()
            count += x.shape[0]
    return total / count, correct / count


def run(cfg, train, val, test, run_index):
    model = StudyMlp(cfg["mlp_layers"]["input_dim"], cfg["mlp_layers"]["hidden_dim"],
                     cfg["mlp_layers"]["output_dim"], run_index)
    oc = cfg["optimizer_config"]
    opt = (torch.optim.SGD if oc["name"] == "sgd" else torch.optim.Adam)(
        model.parameters(), lr=oc["learning_rate"])
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train, batch_size=cfg["batch_size"], shuffle=True)
    val_loader = DataLoader(val, batch_size=cfg["batch_size"])
    patience, delta = cfg["early_stopping"]["patience"], cfg["early_stopping"]["delta"]
    best, bad, steps, epochs = None, 0, 0, 0
    t0 = time.time()
    for _ in range(cfg["epochs"]):
        epochs += 1
        for x, y in loader:
            opt.zero_grad()
            loss_fn(model(x), y).backward()
            opt.step()
            steps += 1
        vl, _ = evaluate(model, val_loader, loss_fn)
        if os.environ.get("PEER_VERBOSE"):
            print("epoch", epochs, "val_loss", round(vl, 4), flush=True)
        if best is None or vl < best - delta:
            best, bad = vl, 0  # the study kept state_dict(): aliases, restored as is
        else:
            bad += 1
        if bad >= patience:
            break
    elapsed = time.time() - t0
    row = [elapsed]
    for d in (train, val, test):
        row += list(evaluate(model, DataLoader(d, batch_size=4096), loss_fn))
    return row + [model.forward_samples + steps, epochs]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("config")
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args()
    cfg = json.loads(pathlib.Path(a.config).read_text())
    torch.set_num_threads(1)
    train, val, test = load(cfg["dataset_name"], cfg["train_val_test_ratios"], cfg["random_seed"])
    rows = [run(cfg, train, val, test, i) for i in range(a.runs)]
    cols = ["time", "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc",
            "study_evals", "epochs"]
    arr = np.array(rows)
    for i, c in enumerate(cols):
        print(f"{c:12s} mean {arr[:, i].mean():.4g} std {arr[:, i].std(ddof=1) if len(rows) > 1 else 0:.3g}"
              f"  runs {[float(f'{v:.4g}') for v in arr[:, i]]}")


if __name__ == "__main__":
    main()
