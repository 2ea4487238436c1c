#!/usr/bin/python3
"""The layers of docs/architecture.md, checked on every #include.

A file of layer L may include only headers of L and of the layers below it:
    core
    data, model, optim, stats, tune      (core only)
    train                                (core, data, model, optim)
    io                                   (+ train, tune)
    parallel                             (+ io)
    app                                  (+ parallel, stats)
    cli, analysis                        (anything)
Also: nothing in train, io or parallel includes a CMA-ES header (the seam is
optim/population.hpp), <mpi.h> appears only in parallel/*.cpp, and <hdf5.h>
only in io/*.cpp. Prints every violation; exit code 1 if there is any.

usage: tests/layering_test.py [SOURCE_DIR]
"""
import pathlib
import re
import sys

BELOW = {
    "core": set(),
    "data": {"core"},
    "model": {"core"},
    "optim": {"core"},
    "stats": {"core"},
    "tune": {"core"},
    "train": {"core", "data", "model", "optim"},
    "io": {"core", "data", "model", "optim", "train", "tune"},
    "parallel": {"core", "data", "model", "optim", "train", "tune", "io"},
    "app": {"core", "data", "model", "optim", "train", "tune", "io", "parallel", "stats"},
}
CMA_HEADER = re.compile(r'#include\s+"neurocma/optim/(cmaes|cma_)[^"]*"')
INCLUDE = re.compile(r'#include\s+"neurocma/([a-z_]+)/')


def main():
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    problems = []
    checked = 0
    for layer, allowed in BELOW.items():
        files = list((root / "src" / layer).rglob("*.[ch]pp")) + list(
            (root / "include" / "neurocma" / layer).rglob("*.hpp"))
        for f in files:
            checked += 1
            rel = f.relative_to(root)
            text = f.read_text()
            for n, line in enumerate(text.splitlines(), 1):
                m = INCLUDE.search(line)
                if m and m.group(1) != layer and m.group(1) not in allowed:
                    problems.append(f"{rel}:{n}: layer '{layer}' includes layer "
                                    f"'{m.group(1)}' above it: {line.strip()}")
                if layer in ("train", "io", "parallel") and CMA_HEADER.search(line):
                    problems.append(f"{rel}:{n}: '{layer}' includes a CMA-ES header: "
                                    f"{line.strip()}")
                if re.search(r"#include\s*<mpi.h>", line) and not (layer == "parallel" and f.suffix == ".cpp"):
                    problems.append(f"{rel}:{n}: <mpi.h> outside parallel/*.cpp")
                if re.search(r"#include\s*<hdf5.h>", line) and not (layer == "io" and f.suffix == ".cpp"):
                    problems.append(f"{rel}:{n}: <hdf5.h> outside io/*.cpp")
    for p in problems:
        print(p)
    print(f"layering: {checked} files checked, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
