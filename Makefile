# Two commands do everything: `make run` and `make test` (see README.md).
# Both install missing Debian packages (apt-get, skipped when present),
# configure and build Release into build/.
BUILD ?= build
JOBS ?= $(shell nproc)
CONFIG ?= configs/iris.json
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
# The libFuzzer targets (tests/fuzz, docs/reliability.md): a clang tree and
# the seconds each target runs in `make test`.
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30

.PHONY: all deps build run test test-slurm test-fuzz format format-check bench study study-reproduce clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

# The demo replaces its own earlier output (results/); `neurocma run` alone never does.
run: build
	$(BUILD)/bin/neurocma run $(CONFIG) --overwrite

test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) --timeout 600
	@$(MAKE) --no-print-directory test-slurm
	@$(MAKE) --no-print-directory test-fuzz

test-slurm: build
	@bash tests/slurm/run_slurm_test.sh $(BUILD)

# Builds the fuzz targets with clang (installed if missing) and runs each for
# FUZZ_SECONDS on a copy of its corpus; fails on a finding.
test-fuzz: deps
	@JOBS=$(JOBS) bash tests/fuzz/run_fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

format-check:
	clang-format --dry-run --Werror $$(git ls-files '*.cpp' '*.hpp')

study: build
	@bash scripts/study.sh $(BUILD)

# The earlier study's eight setups x 25 runs with its own configs, then its tables
# (docs/study.md). MPI_RANKS=4 runs them under mpirun; RUNS, ONLY, EXTRA: see the script.
study-reproduce: build
	@bash scripts/study_reproduce.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD)
