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

# Debian packages, split by what needs them.
BUILD_PKGS := g++ make libcxxopts-dev
TEST_PKGS  := libgtest-dev redis-server redis-tools python3-redis libhiredis-dev
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
UNIT   := $(BUILD)/unit-tests
INTEG  := $(BUILD)/integration-tests
BENCH  := $(BUILD)/micro-bench
LIB    := $(BUILD)/libringdis.a
HIREDIS_BATCH := $(BUILD)/hiredis-batch

# The npm client libraries the tests drive, pinned by package-lock.json.
NODE_DIR     := test/clients/node
NODE_MODULES := $(NODE_DIR)/node_modules/.package-lock.json

.PHONY: all run test test-asan bench deps deps-test deps-bench deps-node clean

all: $(SERVER) $(HELLO)

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
deps-test: deps
	$(call ensure_pkgs,$(TEST_PKGS))
deps-bench: deps
	$(call ensure_pkgs,$(BENCH_PKGS))
# Node.js may come from Debian or from elsewhere with its own npm: only a
# machine without npm gets Debian's.
deps-node:
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

test: deps-test $(SERVER) $(HELLO) $(UNIT) $(INTEG) $(CLIENTS)
	@test/run-all $(BUILD)

# The same tests built with AddressSanitizer and UBSan in their own tree.
test-asan: deps-test
	$(MAKE) BUILD=build-asan CXXFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -Wno-maybe-uninitialized" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" build-asan/ringdis-server build-asan/hello-redis \
	  build-asan/unit-tests build-asan/integration-tests build-asan/hiredis-batch $(NODE_MODULES)
	@test/run-all build-asan

bench: deps-bench $(BENCH)
	$(abspath $(BENCH))

clean:
	rm -rf $(BUILD) build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
