# Thin wrapper: every target first makes sure the Debian packages are there
# (scripts/install-deps.sh, quiet when nothing is missing), then uses the
# CMake presets in CMakePresets.json.
JOBS ?= $(shell nproc)
HYCIM := build/host-tools/hycim

.PHONY: all deps build build-asan demo test test-asan bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

demo: build
	@$(HYCIM) demo

test: build build-asan
	@ctest --preset default
	@ctest --preset asan

bench: build
	@bash scripts/run-benchmarks.sh

format:
	@git ls-files '*.cpp' '*.hpp' '*.h' '*.cu' '*.cuh' | xargs clang-format -i

clean:
	rm -rf build build-asan
