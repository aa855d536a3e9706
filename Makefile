# Thin wrapper: every target first makes sure the Debian packages are there
# (scripts/install-deps.sh, quiet when nothing is missing), then uses the
# CMake presets in CMakePresets.json.
JOBS ?= $(shell nproc)
HYCIM := build/host-tools/hycim

.PHONY: all deps build build-asan plain-build demo test test-asan bench format clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset default >/dev/null
	@cmake --build --preset default -j $(JOBS)

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build --preset asan -j $(JOBS)

# The main job: the digits classifier's weights into the default simulated
# device's NVM (an image under build/, so a second `make demo` finds them
# resident), the test set classified on its tiles; then one int8 MVM on the
# fast model and the Verilated RTL tile, checked bit for bit.
# The build a user makes without the presets (no -Werror, plain Release), so
# it stays one that succeeds; the benchmarks run from the preset build.
plain-build: deps
	@cmake -S . -B build-plain -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-plain -j $(JOBS)

demo: build
	@$(HYCIM) classify models/digits --nvm build/demo-nvm.img
	@$(HYCIM) demo

test: build build-asan
	@ctest --preset default
	@ctest --preset asan

bench: build plain-build
	@bash scripts/run-benchmarks.sh

format:
	@git ls-files '*.cpp' '*.hpp' '*.h' '*.cu' '*.cuh' | xargs clang-format -i

clean:
	rm -rf build build-asan build-plain
