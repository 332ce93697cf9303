# sticky — `make tour` to watch, `make test` to prove. GNU make; out-of-tree build in build/.
SHELL := /bin/bash
BUILD ?= build
CXX := g++
CXXFLAGS ?= -O2 -g
SANITIZE ?=
WARNINGS := -std=c++20 -Wall -Wextra -Wpedantic -Werror
override CPPFLAGS += -Ilib/include -Idemos -Itui
override ALL_CXXFLAGS = $(WARNINGS) $(CXXFLAGS) $(SANITIZE) -MMD -MP
LDLIBS := -lfmt -pthread
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)

DEBIAN_PACKAGES := g++ make pkg-config libfmt-dev libncurses-dev catch2 nlohmann-json3-dev \
                   libcli11-dev tmux python3

LIB := $(BUILD)/lib/libsticky.a
LIB_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard lib/src/*.cpp))
HARNESS_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard demos/harness/*.cpp))
DEMO_BIN := $(patsubst demos/%.cpp,$(BUILD)/bin/%,$(wildcard demos/*.cpp))
CHECK_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard demos/check/*.cpp))
TUI_MODEL_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(filter-out tui/main.cpp tui/view%.cpp,$(wildcard tui/*.cpp)))
TUI_VIEW_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard tui/main.cpp tui/view*.cpp))
TUI_BIN := $(if $(wildcard tui/main.cpp),$(BUILD)/bin/sticky-view)
TEST_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard tests/*.cpp))
TEST_BIN := $(BUILD)/bin/sticky-tests

# Objects are kept between builds (they are intermediate files to make's pattern rules).
.SECONDARY:

.PHONY: all deps test tour view lesson-pictures asan tsan fuzz bench clean
all: $(LIB) $(DEMO_BIN) $(TUI_BIN) $(TEST_BIN)

deps:
	@bash .ci/deps.sh $(DEBIAN_PACKAGES)

$(BUILD)/obj/%.o: %.cpp | deps
	@mkdir -p $(@D)
	@echo "  CXX  $<"
	@$(CXX) $(CPPFLAGS) $(ALL_CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  AR   $@"
	@rm -f $@ && ar rcs $@ $^

$(BUILD)/bin/%: $(BUILD)/obj/demos/%.o $(HARNESS_OBJ) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK $@"
	@$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

# sticky-check's cut planning, shrinking and runs live in demos/check/ (unit-tested too).
$(BUILD)/bin/sticky-check: $(BUILD)/obj/demos/sticky-check.o $(CHECK_OBJ) $(HARNESS_OBJ) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK $@"
	@$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/bin/sticky-view: $(TUI_VIEW_OBJ) $(TUI_MODEL_OBJ) $(HARNESS_OBJ) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK $@"
	@$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(CURSES_LIBS) $(LDLIBS)

$(TEST_BIN): $(TEST_OBJ) $(TUI_MODEL_OBJ) $(CHECK_OBJ) $(HARNESS_OBJ) $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK $@"
	@$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

# Every test case runs once; the runner prints `claims: …` and ends with `tests: …`.
test: all
	@STICKY_SANITIZER=$(STICKY_SANITIZER) python3 tests/run_tests.py --binary $(TEST_BIN) --lessons lessons --report $(BUILD)/test-results.xml $(TESTS)

tour: all
	@bash demos/tour.sh $(BUILD)/bin

# The whole suite under sanitizers, each in its own build tree. GCC 12 reports false
# "may be used uninitialized" in libstdc++'s <regex> (which Catch2 uses) under sanitizers;
# that one diagnostic is off there, -Werror stays on.
asan:
	@$(MAKE) --no-print-directory BUILD=build/asan CXXFLAGS="-O1 -g -fno-omit-frame-pointer -Wno-maybe-uninitialized" \
	  SANITIZE="-fsanitize=address,undefined -fno-sanitize-recover=undefined" STICKY_SANITIZER=address test
tsan:
	@$(MAKE) --no-print-directory BUILD=build/tsan CXXFLAGS="-O1 -g -Wno-maybe-uninitialized" SANITIZE="-fsanitize=thread" \
	  STICKY_SANITIZER=thread test

# libFuzzer targets (clang): every decoder, the naive handshake reader, the trace reader.
FUZZ_SECONDS ?= 10
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.cpp,%,$(wildcard tests/fuzz/fuzz_*.cpp))
FUZZ_FLAGS := -std=c++20 -O1 -g -Ilib/include -Wall -Wextra -Werror -fsanitize=address,undefined
FUZZ_LIB_OBJ := $(patsubst %.cpp,$(BUILD)/fuzz/obj/%.o,$(wildcard lib/src/*.cpp))

$(BUILD)/fuzz/obj/%.o: %.cpp | fuzz-deps
	@mkdir -p $(@D)
	@echo "  CLANG $<"
	@clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.cpp $(FUZZ_LIB_OBJ) | fuzz-deps
	@echo "  CLANG $@"
	@clang++ $(FUZZ_FLAGS) -fsanitize=fuzzer $^ -o $@ -lfmt

.PHONY: fuzz-deps
fuzz-deps:
	@bash .ci/deps.sh clang libclang-rt-14-dev

fuzz: $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)
	@bash tests/fuzz/run.sh $(BUILD)/fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# Speeds as ratios against their limits, from one run: build/bench/results.json and a table.
$(BUILD)/bin/sticky-bench: $(BUILD)/obj/tests/bench/bench.o $(LIB)
	@mkdir -p $(@D)
	@echo "  LINK $@"
	@$(CXX) $(ALL_CXXFLAGS) $^ -o $@ $(LDLIBS)

bench: all $(BUILD)/bin/sticky-bench
	@$(BUILD)/bin/sticky-bench $(BUILD)/bench tests/bench/classic_server.py

# The viewer's start screen: pick a demo, step through it.
view: all
	@$(BUILD)/bin/sticky-view --lessons lessons

# One picture per lesson, from a real run of its demo on this machine.
lesson-pictures: all
	@mkdir -p lessons/pictures
	@for demo in $(BUILD)/bin/[0-9][0-9]-*; do \
	  name=$$(basename $$demo); \
	  $$demo --json > $(BUILD)/$$name.jsonl && \
	  $(BUILD)/bin/sticky-view --lessons lessons --replay $(BUILD)/$$name.jsonl --calls 12 --export-svg lessons/pictures/$$name.svg; \
	done

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
