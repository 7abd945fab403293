# gpbo's front door. `make test` and `make demo` work on a fresh Debian machine: they install
# what is missing (scripts/install-deps), configure, build incrementally and then test or run.
#
#   make test                      build and run the whole test suite (ctest)
#   make demo                      build and run the main job
#   make test BUILD=build-asan SANITIZE=ON    the same suite under ASan + UBSan
#   make bench                     build the benchmarks (run them from $(BUILD)/bench)
#   make install PREFIX=/opt/gpbo  install libraries, headers, CMake package, pkg-config files,
#                                  the gpbo command and the Python package gpbo
#   make format                    clang-format every C file
#   make fuzz [FUZZ_SECONDS=600]   build the libFuzzer harnesses (fuzz/, clang) in build-fuzz/
#                                  and run each for FUZZ_SECONDS
BUILD ?= build
SANITIZE ?= OFF
WERROR ?= OFF
BUILD_TYPE ?= RelWithDebInfo
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)
CTEST_ARGS ?=
CMAKE_ARGS ?=
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 600

CONFIGURE = cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	-DGPBO_SANITIZE=$(SANITIZE) -DGPBO_WERROR=$(WERROR) -DCMAKE_INSTALL_PREFIX=$(PREFIX) \
	$(CMAKE_ARGS)

.PHONY: all deps configure build test demo bench install format clean fuzz

all: build

deps:
	@scripts/install-deps

# Reconfigure only when the options change; cmake re-runs itself when CMakeLists change.
# CMAKE_ARGS count among the options (by a digest of their text): without them in the stamp,
# `make test CMAKE_ARGS=-DGPBO_BUILD_BENCH=OFF` on a configured build changed nothing.
CONFIG_ID = $(SANITIZE)-$(WERROR)-$(BUILD_TYPE)-$(shell printf '%s' '$(subst ','\'',$(CMAKE_ARGS))' | cksum | cut -d' ' -f1)
$(BUILD)/.configured-$(CONFIG_ID): | deps
	@rm -f $(BUILD)/.configured-*
	$(CONFIGURE)
	@touch $@

configure: deps $(BUILD)/.configured-$(CONFIG_ID)

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# The main job: a Bayesian search over the MLP trainer's hyperparameters on Fashion-MNIST, then
# what tuning bought: the best configuration trained again on the whole training set beside the
# trainer's default configuration, both tested (about 5 minutes on an idle 2-core machine, the
# build included; what was measured: README.md, "The main job"). The study lives in
# $(BUILD)/demo; running it again resumes it.
DEMO_STUDY = examples/fashion-mnist/sweep.yaml --storage $(BUILD)/demo/fashion-mnist.db
demo: build
	@mkdir -p $(BUILD)/demo
	$(BUILD)/cli/gpbo run $(DEMO_STUDY) --jobs 2
	$(BUILD)/cli/gpbo retrain $(DEMO_STUDY)

bench: build

# --prefix here, not only at configure time: the configure stamp does not know PREFIX, so a build
# configured for /usr/local (make demo) still installs where PREFIX says. Installed programs and
# libraries find each other through $ORIGIN-relative RUNPATHs, and the Python package (under
# PREFIX/lib/python3/dist-packages) finds the libraries relative to itself.
install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

# The fuzz harnesses are a clang-only CMake project of their own (fuzz/CMakeLists.txt) that
# builds the library again with libFuzzer's instrumentation and ASan + UBSan.
fuzz: deps
	cmake -S fuzz -B $(FUZZ_BUILD) -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD)
