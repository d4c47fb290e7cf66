# ringdis: `make` builds, `make run` builds and starts the server, `make test`
# builds and runs every test. Missing Debian packages are installed first.

CXX      ?= g++
BUILD    ?= build
CXXFLAGS ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wno-missing-field-initializers
CPPFLAGS += -I. -MMD -MP
ALL_CXXFLAGS = -std=c++20 $(WARN) $(CXXFLAGS) $(EXTRA_CXXFLAGS)
LDLIBS   += $(EXTRA_LDFLAGS)
ARGS     ?=

# Every core by default (make test builds two trees: the normal one and the
# sanitizer one); an explicit -jN wins.
ifeq ($(filter -j%,$(MAKEFLAGS)),)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
endif

# Debian packages, split by what needs them.
BUILD_PKGS := g++ make libcxxopts-dev
TEST_PKGS  := libgtest-dev redis-server redis-sentinel redis-tools python3-redis libhiredis-dev nutcracker
BENCH_PKGS := libbenchmark-dev redis-server redis-tools

LIB_SRCS   := $(wildcard reactor/*.cpp) $(wildcard protocol/*.cpp) \
              $(filter-out server/main.cpp,$(wildcard server/*.cpp))
UNIT_SRCS  := $(wildcard test/unit/*.cpp)
INTEG_SRCS := $(wildcard test/integration/*.cpp)
SUPPORT_SRCS := $(wildcard test/support/*.cpp)
BENCH_SRCS := $(wildcard bench/*.cpp)

LIB_OBJS   := $(LIB_SRCS:%.cpp=$(BUILD)/obj/%.o)
UNIT_OBJS  := $(UNIT_SRCS:%.cpp=$(BUILD)/obj/%.o)
INTEG_OBJS := $(INTEG_SRCS:%.cpp=$(BUILD)/obj/%.o)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.cpp=$(BUILD)/obj/%.o)
BENCH_OBJS := $(BENCH_SRCS:%.cpp=$(BUILD)/obj/%.o)

SERVER := $(BUILD)/ringdis-server
HELLO  := $(BUILD)/hello-redis
CHECK_RDB := $(BUILD)/ringdis-check-rdb
UNIT   := $(BUILD)/unit-tests
INTEG  := $(BUILD)/integration-tests
BENCH  := $(BUILD)/micro-bench
LIB    := $(BUILD)/libringdis.a
HIREDIS_BATCH := $(BUILD)/hiredis-batch

# The npm client libraries the tests drive, pinned by package-lock.json.
NODE_DIR     := test/clients/node
NODE_MODULES := $(NODE_DIR)/node_modules/.package-lock.json

.PHONY: all run test test-asan asan-build test-fuzz-build bench deps deps-test deps-bench deps-node clean

all: $(SERVER) $(HELLO) $(CHECK_RDB)

# Installs what is missing; `dpkg -s` keeps this silent when all is there.
define ensure_pkgs
	@missing=""; for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef

deps:
	$(call ensure_pkgs,$(BUILD_PKGS))
# make test also builds and runs the fuzz targets (FUZZ_PKGS, in the fuzzing
# section below): one apt-get for both.
deps-test: deps
	$(call ensure_pkgs,$(TEST_PKGS) $(FUZZ_PKGS))
deps-bench: deps
	$(call ensure_pkgs,$(BENCH_PKGS))
# Node.js may come from Debian or from elsewhere with its own npm: only a
# machine without npm gets Debian's.
# After deps-test: two apt-get runs at once would fight over dpkg's lock.
deps-node: | deps-test
	@command -v npm >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }

$(NODE_MODULES): $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json | deps-node
	cd $(NODE_DIR) && npm ci --no-audit --no-fund --loglevel=error

$(BUILD)/obj/%.o: %.cpp | deps
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(ALL_CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(SERVER): $(BUILD)/obj/server/main.o $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

$(HELLO): $(BUILD)/obj/tools/hello_redis.o $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

$(CHECK_RDB): $(BUILD)/obj/tools/rdb_check.o $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

$(UNIT): $(UNIT_OBJS) $(BUILD)/obj/test/test_main.o $(SUPPORT_OBJS) $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ -lgtest -pthread $(LDLIBS)

$(INTEG): $(INTEG_OBJS) $(BUILD)/obj/test/test_main.o $(SUPPORT_OBJS) $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ -lgtest -pthread $(LDLIBS)

$(HIREDIS_BATCH): $(BUILD)/obj/test/clients/hiredis/hiredis_batch.o
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ -lhiredis $(LDLIBS)

$(BENCH): $(BENCH_OBJS) $(LIB)
	$(CXX) $(ALL_CXXFLAGS) $^ -o $@ -lbenchmark -pthread $(LDLIBS)

run: $(SERVER)
	./$(SERVER) $(ARGS)

# The test objects need gtest's headers before they compile.
$(UNIT_OBJS) $(INTEG_OBJS) $(SUPPORT_OBJS) $(BUILD)/obj/test/test_main.o \
  $(BUILD)/obj/test/clients/hiredis/hiredis_batch.o: | deps-test
$(BENCH_OBJS): | deps-bench

CLIENTS := $(HIREDIS_BATCH) $(NODE_MODULES)

# The same tests built with AddressSanitizer and UBSan, in their own tree
# (ASAN_BUILD, build-asan unless set: `make BUILD=/tmp/b ASAN_BUILD=/tmp/a test`).
ASAN_BUILD ?= build-asan
ASAN_CXXFLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -Wno-maybe-uninitialized
ASAN_TARGETS = $(addprefix $(ASAN_BUILD)/,ringdis-server hello-redis ringdis-check-rdb unit-tests \
               integration-tests hiredis-batch)

# make test: the normal suite, then the sanitizer build's, then each fuzz
# target for FUZZ_SMOKE_SECONDS from its seeds (one test each), and one
# total line "N passed, M failed" for all. The three trees build in parallel.
test: deps-test $(SERVER) $(HELLO) $(CHECK_RDB) $(UNIT) $(INTEG) $(CLIENTS) asan-build test-fuzz-build
	@FUZZ_SMOKE_SECONDS=$(FUZZ_SMOKE_SECONDS) test/run-all --fuzz $(FUZZ_BUILD) $(BUILD) $(ASAN_BUILD)

# The npm modules are installed here, before the sub-make, so that one npm ci
# runs at a time (the sub-make then finds them up to date).
asan-build: deps-test $(NODE_MODULES)
	$(MAKE) BUILD=$(ASAN_BUILD) CXXFLAGS="$(ASAN_CXXFLAGS)" EXTRA_LDFLAGS="-fsanitize=address,undefined" \
	  $(ASAN_TARGETS) $(NODE_MODULES)

# The fuzz targets, for make test: a sub-make started once deps-test has
# installed clang (deps-fuzz then finds it there: no second apt-get).
test-fuzz-build: deps-test
	$(MAKE) fuzz-build

# Only the sanitizer build's suite.
test-asan: asan-build
	@test/run-all $(ASAN_BUILD)

bench: deps-bench $(BENCH)
	$(abspath $(BENCH))

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ===========================================================================
# Fuzzing (libFuzzer); see test/fuzz/README.md. Everything for it is in this
# section, but for make test's use of it above (test-fuzz-build, then
# test/run-all --fuzz).
#   make fuzz                    each target for FUZZ_SECONDS (default 60)
#   make fuzz FUZZ_SECONDS=600   longer
#   make fuzz-smoke              each target for FUZZ_SMOKE_SECONDS (20), from
#                                the seed corpus alone; make test runs the same
#                                through test/run-all --fuzz, one test a target
#   make fuzz-build              only build build-fuzz/{resp_parser,command}_fuzz
#   make fuzz-seeds              regenerate the seed-* files of test/fuzz/corpus
#   make fuzz-clean              remove build-fuzz/
# Built with clang (-fsanitize=fuzzer,address,undefined) in build-fuzz/,
# compiling the library sources itself. A crash (or leak, timeout, OOM)
# fails the make and prints the reproducer's path.
# ===========================================================================
FUZZ_CXX      ?= clang++
FUZZ_BUILD    := build-fuzz
FUZZ_SECONDS  ?= 60
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_PKGS     := clang libclang-rt-14-dev libcxxopts-dev
FUZZ_TARGETS  := resp_parser command
FUZZ_CXXFLAGS := -std=c++20 -O1 -g -fno-omit-frame-pointer -Wall -Wextra -Wno-missing-field-initializers \
                 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_LIB_OBJS := $(LIB_SRCS:%.cpp=$(FUZZ_BUILD)/obj/%.o)
FUZZ_LIB      := $(FUZZ_BUILD)/libringdis.a
FUZZ_BINS     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%_fuzz)
FUZZ_MAIN_OBJS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/obj/test/fuzz/%_fuzz.o)
FUZZ_SEED_OBJS := $(addprefix $(FUZZ_BUILD)/obj/test/,fuzz/make_seeds.o support/corpus.o \
                  support/bytes_text.o support/resp_client.o support/resp_framer.o)

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-seeds fuzz-clean deps-fuzz
.SECONDARY: $(FUZZ_MAIN_OBJS) $(FUZZ_SEED_OBJS)

deps-fuzz:
	$(call ensure_pkgs,$(FUZZ_PKGS))

# Everything is instrumented for coverage; only the fuzz targets link
# libFuzzer's main().
$(FUZZ_BUILD)/obj/%.o: %.cpp | deps-fuzz
	@mkdir -p $(dir $@)
	$(FUZZ_CXX) -I. -MMD -MP $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BINS): $(FUZZ_BUILD)/%_fuzz: $(FUZZ_BUILD)/obj/test/fuzz/%_fuzz.o $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer $^ -o $@

# The seed generator is a plain program (no libFuzzer main).
$(FUZZ_BUILD)/make-seeds: $(FUZZ_SEED_OBJS) $(FUZZ_LIB)
	$(FUZZ_CXX) $(FUZZ_CXXFLAGS) -fsanitize=fuzzer-no-link $^ -o $@

fuzz-build: $(FUZZ_BINS)

# Every target runs even when an earlier one failed; the make fails if any
# did. $(1): seconds per target; $(2): "smoke" to start from the seeds alone.
define fuzz_run_all
	@rc=0; for t in $(FUZZ_TARGETS); do \
	  test/fuzz/run-fuzzer $(FUZZ_BUILD) $$t $(1) $(2) || rc=1; \
	done; exit $$rc
endef

fuzz: fuzz-build
	$(call fuzz_run_all,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call fuzz_run_all,$(FUZZ_SMOKE_SECONDS),smoke)

fuzz-seeds: $(FUZZ_BUILD)/make-seeds
	$(FUZZ_BUILD)/make-seeds test/corpus test/fuzz/corpus

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

-include $(shell find $(FUZZ_BUILD) -name '*.d' 2>/dev/null)
# ========================= end of the fuzzing section ======================
