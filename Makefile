# Thin wrapper over CMake. The two commands a newcomer needs:
#   make demo    install what is missing, build, and run the whole chain on the synthetic archive
#   make check   install what is missing, build with GCC and run all tests, again under ASan +
#                UBSan, then build with clang and run the unit tests (warnings are errors)
#   make fuzz    build the libFuzzer harnesses with clang and run each FUZZ_SECONDS (default 60;
#                FUZZ="cses kp" picks harnesses; docs/reliability.md)
# and, for the paper's whole experiment (a multi-day job on 2 cores; resumable: rerun to continue):
#   make paper   PAPER_DIR=paper-out  PAPER_ARGS="--trials 10"  (docs/experiment.md)
# and the headline sensitivity curve on a year of CSES data (0.6 GB of archive at a time;
# resumable; about 20 minutes on 2 cores with three training seeds per model and strength):
#   make sensitivity  SENS_DIR=sensitivity-out  SENS_DAYS=365  (docs/sensitivity.md)
BUILD      ?= build
ASAN_BUILD ?= build-asan
# Warnings are errors in the builds made here (SQK_WERROR; off by default for other CMake users).
# The second compiler builds everything (its warnings are errors too) and runs the unit tests:
# a few minutes more, where its sanitizer build would run every test again.
CLANG_BUILD ?= build-clang
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ       ?=
WERROR     ?= ON
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DEMO_DIR   ?= demo-out
PAPER_DIR  ?= paper-out
PAPER_ARGS ?=
SENS_DIR   ?= sensitivity-out
SENS_DAYS  ?= 365
SENS_ARGS  ?=
# cmake --build runs make below us: keep its output to the compiler's lines.
export MAKEFLAGS += --no-print-directory

.PHONY: all deps build check test test-unit test-asan test-clang demo paper sensitivity bench fuzz clean

all: build

deps:
	@scripts/install-deps.sh build

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQK_WERROR=$(WERROR) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

# The fast tests only (seconds): `ctest -L unit`; labels are unit, slow, parity, real-data.
test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

test-asan:
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSQK_SANITIZE=ON -DSQK_WERROR=$(WERROR) >/dev/null
	@cmake --build $(ASAN_BUILD) -j$(JOBS)
	@cd $(ASAN_BUILD) && ctest --output-on-failure -j$(JOBS)

test-clang:
	@CC=clang cmake -S . -B $(CLANG_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQK_WERROR=$(WERROR) >/dev/null
	@cmake --build $(CLANG_BUILD) -j$(JOBS)
	@cd $(CLANG_BUILD) && ctest --output-on-failure -j$(JOBS) -L unit

check:
	@scripts/install-deps.sh check
	@$(MAKE) --no-print-directory test
	@echo "== again under AddressSanitizer + UndefinedBehaviorSanitizer =="
	@$(MAKE) --no-print-directory test-asan
	@echo "== built with clang: the unit tests =="
	@$(MAKE) --no-print-directory test-clang

demo: build
	@scripts/demo.sh $(BUILD)/seqnetquake $(DEMO_DIR)

# The synthetic archive once (synth.txt is its last file), then the built-in paper plan.
paper: build
	@[ -f $(PAPER_DIR)/archive/synth.txt ] || $(BUILD)/seqnetquake synth --out $(PAPER_DIR)/archive --seed 1
	@$(BUILD)/seqnetquake experiment --plan paper --archive $(PAPER_DIR)/archive --out $(PAPER_DIR)/run $(PAPER_ARGS)

sensitivity: build
	@$(BUILD)/seqnetquake sensitivity --out $(SENS_DIR) --days $(SENS_DAYS) --seed 1 \
	    --strengths 0,0.5,1,2,4 --models seqnet,geo,rough,multiscale,oracle $(SENS_ARGS)

# libFuzzer harnesses for every reader (tests/fuzz): built with clang, coverage and the
# sanitizers, then each run for FUZZ_SECONDS, one at a time under nice (scripts/fuzz.sh).
fuzz:
	@scripts/install-deps.sh fuzz
	@CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSQK_FUZZ=ON -DSQK_WERROR=$(WERROR) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzzers
	@FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ)

bench:
	@scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory build
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(FUZZ_BUILD)
