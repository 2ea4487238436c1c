#!/usr/bin/env python3
"""Reference values for average_pool: torch's bilinear resize 28x28 -> 14x14.

Writes tests/data/pool_ref.json with a seeded random 28x28 image (values in
[0, 1], row-major) and torch.nn.functional.interpolate(size=(14, 14),
mode='bilinear', align_corners=False, antialias=False) of it. test_data.cpp
checks that 2x2 average pooling reproduces it (the claim in transform.hpp).

Usage: /usr/bin/python3 tests/scripts/gen_pool_ref.py   (needs python3-torch)
"""
import json
import pathlib

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "data" / "pool_ref.json"

gen = torch.Generator().manual_seed(20240601)
image = torch.rand((1, 1, 28, 28), generator=gen, dtype=torch.float64)
resized = torch.nn.functional.interpolate(
    image, size=(14, 14), mode="bilinear", align_corners=False, antialias=False)

OUT.write_text(json.dumps({
    "provenance": "tests/scripts/gen_pool_ref.py, torch " + torch.__version__,
    "side": 28,
    "out_side": 14,
    "image": [float(v) for v in image.flatten()],
    "bilinear": [float(v) for v in resized.flatten()],
}, indent=1) + "\n")
print(f"wrote {OUT.relative_to(ROOT)}")
