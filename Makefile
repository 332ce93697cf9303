# sticky — `make tour` to watch, `make test` to prove. GNU make; out-of-tree build in build/.
SHELL := /bin/bash
BUILD ?= build
CXX := g++
# -gsplit-dwarf: the debug information stays beside the objects (.dwo), where gdb finds it,
# instead of being copied into every program; the name indexes it still adds to a program
# (gdb builds its own) are dropped after the link. build/bin is a fifth of its old size.
CXXFLAGS ?= -O2 -g -gsplit-dwarf
SANITIZE ?=
WARNINGS := -std=c++20 -Wall -Wextra -Wpedantic -Werror
override ALL_CXXFLAGS = $(WARNINGS) $(CXXFLAGS) $(SANITIZE) -MMD -MP
OPTIMIZE :=
# Every core by default: a fresh build is mostly compiling heavy headers (CLI11, Catch2, json).
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 2)
PREFIX ?= /usr/local
DESTDIR ?=
LDLIBS := -lfmt -pthread
CURSES_LIBS := $(shell pkg-config --libs ncursesw 2>/dev/null || echo -lncursesw)

# librsvg2-bin: rsvg-convert, with which the tests render a lesson picture as a browser would.
DEBIAN_PACKAGES := g++ make pkg-config libfmt-dev libncurses-dev catch2 nlohmann-json3-dev \
                   libcli11-dev tmux python3 help2man gettext netcat-openbsd xxd librsvg2-bin iproute2
# What only the tests need: a real browser for the exported pages (and a font for Chinese in
# its screenshots). `make test` installs them; `make tour` does not.
TEST_PACKAGES := chromium-headless-shell fonts-wqy-microhei

# The layers, each its own archive, so that a program links only what it uses:
#   lib/     libsticky: sockets, codecs, trace, relay, socketserver    (sees nothing of ours)
#   speak/   libspeak: text and translation, columns, wrap, narration  (sees lib)
#   demos/   the numbered demos and their harness (libharness)        (see lib, speak)
#   tools/   frametool, relay, sticky-check (+ tools/check/), sticky-learn (+ tools/learn/),
#            sticky-trace (+ tools/recorder/), sticky-link
#   tui/     sticky-view                                              (sees lib, speak)
lib_objects = $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard $(1)/*.cpp))
LIB := $(BUILD)/lib/libsticky.a
SPEAK_LIB := $(BUILD)/lib/libspeak.a
HARNESS_LIB := $(BUILD)/lib/libharness.a
CHECK_LIB := $(BUILD)/lib/libcheck.a
LEARN_LIB := $(BUILD)/lib/liblearn.a
LIB_OBJ := $(call lib_objects,lib/src)
SPEAK_OBJ := $(call lib_objects,speak/src)
HARNESS_OBJ := $(call lib_objects,demos/harness)
CHECK_OBJ := $(call lib_objects,tools/check)
LEARN_OBJ := $(call lib_objects,tools/learn)
DEMOS := $(patsubst demos/%.cpp,%,$(wildcard demos/[0-9][0-9]-*.cpp))
TOOLS := $(patsubst tools/%.cpp,%,$(wildcard tools/*.cpp))
DEMO_BIN := $(DEMOS:%=$(BUILD)/bin/%)
TOOL_BIN := $(TOOLS:%=$(BUILD)/bin/%)
TUI_MODEL_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(filter-out tui/main.cpp tui/view%.cpp,$(wildcard tui/*.cpp)))
TUI_VIEW_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard tui/main.cpp tui/view*.cpp))
TUI_BIN := $(if $(wildcard tui/main.cpp),$(BUILD)/bin/sticky-view)
TEST_OBJ := $(patsubst %.cpp,$(BUILD)/obj/%.o,$(wildcard tests/*.cpp))
TEST_BIN := $(BUILD)/bin/sticky-tests
# The recorder preloaded by sticky-trace: plain C++ on libc, position independent, no
# exceptions, exporting only the functions it interposes. Never sanitized: it runs inside
# other programs (Python), where a sanitizer runtime cannot be loaded.
TRACE_SO := $(BUILD)/lib/libsticky-trace.so
TRACE_OBJ := $(patsubst %.cpp,$(BUILD)/obj-pic/%.o,$(wildcard tools/recorder/*.cpp))
TRACE_CXXFLAGS := -Ilib/include $(WARNINGS) $(CXXFLAGS) -fPIC -fvisibility=hidden -fvisibility-inlines-hidden \
                  -fno-exceptions -fno-rtti -fno-threadsafe-statics -U_FORTIFY_SOURCE -MMD -MP

# Objects are kept between builds (they are intermediate files to make's pattern rules).
.SECONDARY:

.PHONY: all programs deps test-deps test unit-test tour view lesson-pictures lesson-pages asan asan-unit tsan fuzz bench clean install format lint headers pot
LOCALE_MO := $(patsubst po/%.po,$(BUILD)/locale/%/LC_MESSAGES/sticky.mo,$(wildcard po/*.po))
# What a student runs: the demos, the tools, the viewer and their catalogues. `all` adds the tests.
PROGRAMS := $(LIB) $(TRACE_SO) $(DEMO_BIN) $(TOOL_BIN) $(TUI_BIN) $(LOCALE_MO)
programs: $(PROGRAMS)
all: programs $(TEST_BIN)

# Message catalogues (GNU gettext): po/zh_CN.po, and the parts in po/zh_CN.d/*.po (one per
# program or area, so that work on two programs never edits the same file), joined into
# build/locale/zh_CN/LC_MESSAGES/sticky.mo.
$(BUILD)/locale/%/LC_MESSAGES/sticky.mo: po/%.po $(wildcard po/*.d/*.po) | deps
	@mkdir -p $(@D)
	@echo "  MSGFMT $<"
	@msgcat --use-first $< $(wildcard po/$*.d/*.po) -o $(@D)/sticky.po && msgfmt --check -o $@ $(@D)/sticky.po

# The strings to translate, from every _("…"), N_("…"), tr("…") and translate("…") in the sources.
pot:
	@xgettext --from-code=UTF-8 --language=C++ -k_ -kN_ -ktr -ktranslate -c/ --no-location --sort-output -o po/sticky.pot \
	  $$(git ls-files 'demos/*.[ch]pp' 'demos/*/*.[ch]pp' 'tools/*.[ch]pp' 'tools/*/*.[ch]pp' 'tui/*.[ch]pp' 'speak/*.[ch]pp' 'speak/*/*.[ch]pp' 'speak/*/*/*.[ch]pp' 'lib/src/*.cpp') && echo "  po/sticky.pot"

deps:
	@bash .ci/deps.sh $(DEBIAN_PACKAGES)
test-deps:
	@bash .ci/deps.sh $(TEST_PACKAGES)

# Each layer sees only what it may use: lib sees lib; speak sees lib; demos, tools and tui
# see lib, speak and their own folder, never each other; the tests see everything. A wrong
# #include is a compile error, not a habit.
$(BUILD)/obj/lib/%.o: INCLUDES := -Ilib/include
$(BUILD)/obj/speak/%.o: INCLUDES := -Ilib/include -Ispeak/include
$(BUILD)/obj/demos/%.o: INCLUDES := -Ilib/include -Ispeak/include -Idemos
$(BUILD)/obj/tools/%.o: INCLUDES := -Ilib/include -Ispeak/include -Itools
$(BUILD)/obj/tui/%.o: INCLUDES := -Ilib/include -Ispeak/include -Itui -I$(BUILD)/gen/tui
$(BUILD)/obj/tests/%.o: INCLUDES := -Ilib/include -Ispeak/include -Idemos -Itools -Itui
# The tests' own code is assertions around calls into lib and runs of our programs: nothing
# in it is hot, and unoptimized it compiles in less than half the time (i18n_test: 21.6 s at
# -O2, 8.8 s at -O0). What it tests (lib, speak, the programs) keeps CXXFLAGS.
$(BUILD)/obj/tests/%.o: OPTIMIZE := -O0

$(BUILD)/obj/%.o: %.cpp | deps
	@mkdir -p $(@D)
	@echo "  CXX  $<"
	@$(CXX) $(CPPFLAGS) $(INCLUDES) $(ALL_CXXFLAGS) $(OPTIMIZE) -c $< -o $@

$(BUILD)/obj-pic/%.o: %.cpp | deps
	@mkdir -p $(@D)
	@echo "  CXX  $< (pic)"
	@$(CXX) $(TRACE_CXXFLAGS) -c $< -o $@

# --as-needed: no libstdc++ in the traced program because of us.
$(TRACE_SO): $(TRACE_OBJ) tools/recorder/exports.map
	@mkdir -p $(@D)
	@echo "  LINK $@"
	@$(CXX) -shared $(TRACE_CXXFLAGS) -Wl,--as-needed -Wl,--version-script=tools/recorder/exports.map -Wl,-z,defs \
	  $(TRACE_OBJ) -o $@ -ldl -pthread

$(BUILD)/lib/lib%.a:
	@mkdir -p $(@D)
	@echo "  AR   $@"
	@rm -f $@ && ar rcs $@ $^
$(LIB): $(LIB_OBJ)
$(SPEAK_LIB): $(SPEAK_OBJ)
$(HARNESS_LIB): $(HARNESS_OBJ)
$(CHECK_LIB): $(CHECK_OBJ)
$(LEARN_LIB): $(LEARN_OBJ)

# A program is its main file and the archives it draws on (the linker takes only the
# objects it needs from each).
LINK = @mkdir -p $(@D) && echo "  LINK $@" && \
  $(CXX) $(ALL_CXXFLAGS) $(filter %.o,$^) -Wl,--start-group $(filter %.a,$^) -Wl,--end-group -o $@ $(LDLIBS) $(LINK_LIBS) && \
  objcopy --remove-section=.debug_gnu_pubnames --remove-section=.debug_gnu_pubtypes $@
$(DEMO_BIN): $(BUILD)/bin/%: $(BUILD)/obj/demos/%.o $(HARNESS_LIB) $(SPEAK_LIB) $(LIB)
	$(LINK)
$(TOOL_BIN): $(BUILD)/bin/%: $(BUILD)/obj/tools/%.o $(SPEAK_LIB) $(LIB)
	$(LINK)
# sticky-check's engine (cut planning, shrinking, runs, the report) is tools/check/.
$(BUILD)/bin/sticky-check: $(CHECK_LIB)
# sticky-learn's runner (exercises, conversations, the adapter to sticky-check) is tools/learn/.
$(BUILD)/bin/sticky-learn: $(LEARN_LIB)

# The exported page's template, style and script (tui/page/), built into sticky-view as bytes.
PAGE_ASSETS := $(BUILD)/gen/tui/page_assets.hpp
$(PAGE_ASSETS): $(wildcard tui/page/*) | deps
	@mkdir -p $(@D)
	@echo "  GEN  $@"
	@{ echo "// Made from tui/page/ by the Makefile (xxd -i): do not edit."; echo "#pragma once"; \
	  for f in $(sort $(wildcard tui/page/*)); do \
	    echo "inline constexpr unsigned char page_$$(basename $$f | tr '.-' '__')[] = {"; xxd -i < $$f; echo "};"; \
	  done; } > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/tui/html.o: $(PAGE_ASSETS)

$(BUILD)/bin/sticky-view: LINK_LIBS = $(CURSES_LIBS)
$(BUILD)/bin/sticky-view: $(TUI_VIEW_OBJ) $(TUI_MODEL_OBJ) $(SPEAK_LIB) $(LIB)
	$(LINK)

$(TEST_BIN): $(TEST_OBJ) $(TUI_MODEL_OBJ) $(CHECK_LIB) $(LEARN_LIB) $(HARNESS_LIB) $(SPEAK_LIB) $(LIB)
	$(LINK)

# Every test case runs once; the runner prints `claims: …` and ends with `tests: …`.
test: all test-deps
	@STICKY_SANITIZER=$(STICKY_SANITIZER) python3 tests/run_tests.py --binary $(TEST_BIN) --lessons lessons --report $(BUILD)/test-results.xml $(TESTS)

# PREDICT=1: each demo asks what every recv() will return before it shows it (--predict).
# The tour starts as soon as demo 01 is built; the other programs build behind it.
tour: $(LIB) $(SPEAK_LIB) $(HARNESS_LIB) $(LOCALE_MO) $(BUILD)/bin/01-nagle-merge
	@PREDICT=$(PREDICT) MAKE="$(MAKE)" bash demos/tour.sh $(BUILD)/bin

# The whole suite under sanitizers, each in its own build tree. GCC 12 reports false
# "may be used uninitialized" in libstdc++'s <regex> (which Catch2 uses) under sanitizers;
# that one diagnostic is off there, -Werror stays on.
# UBSan's vptr check reads memory through a pipe of its own: out of descriptors (the EMFILE
# test) it cannot, and reports an "invalid vptr" on every exception caught there. It is off.
ASAN_FLAGS = BUILD=build/asan CXXFLAGS="-O1 -g -fno-omit-frame-pointer -Wno-maybe-uninitialized" \
  SANITIZE="-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=undefined" \
  STICKY_SANITIZER=address
asan:
	@$(MAKE) --no-print-directory $(ASAN_FLAGS) test

# The unit and fault part (lib's sockets, codecs, decoder, server, relay, trace reader and the
# programs those tests start), small enough to build and run under ASan+UBSan in CI.
UNIT_TEST_OBJ := $(patsubst %,$(BUILD)/obj/tests/%.o,main support codec_test io_test server_test relay_test \
  fault_test trace_reader_test)
$(BUILD)/bin/sticky-unit-tests: $(UNIT_TEST_OBJ) $(LIB)
	$(LINK)
unit-test: $(BUILD)/bin/sticky-unit-tests $(BUILD)/bin/relay $(BUILD)/bin/04-naive-handshake $(BUILD)/bin/sticky-view \
  $(LOCALE_MO) test-deps
	@STICKY_SANITIZER=$(STICKY_SANITIZER) python3 tests/run_tests.py --binary $< --lessons lessons \
	  --report $(BUILD)/unit-results.xml $(if $(TESTS),$(TESTS),'*')
asan-unit:
	@$(MAKE) --no-print-directory $(ASAN_FLAGS) unit-test
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

# ONLY=build compares the build a student meets with the commit issue 19 started from: two
# cold builds and two tours each side, every core (tests/bench/build.sh; many minutes).
bench: all $(BUILD)/bin/sticky-bench
	@bash .ci/deps.sh strace $(TEST_PACKAGES)
	@if [ "$(ONLY)" = build ]; then bash tests/bench/build.sh $(BUILD)/bench; \
	else $(BUILD)/bin/sticky-bench $(BUILD)/bench tests/bench/classic_server.py $(ONLY); fi

# The viewer's start screen: pick a demo, step through it.
view: programs
	@$(BUILD)/bin/sticky-view --lessons lessons

# One picture per lesson, from a real run of its demo on this machine.
lesson-pictures: programs
	@mkdir -p lessons/pictures
	@for demo in $(BUILD)/bin/[0-9][0-9]-*; do \
	  name=$$(basename $$demo); \
	  $$demo --json > $(BUILD)/$$name.jsonl && \
	  $(BUILD)/bin/sticky-view --lessons lessons --replay $(BUILD)/$$name.jsonl --calls 12 --export-svg lessons/pictures/$$name.svg; \
	done

# One page per lesson, from a fresh run of its demo, in English and in Chinese, beside its
# picture: lessons/pictures/05-struct-prefix.html and 05-struct-prefix.zh.html.
lesson-pages: programs
	@mkdir -p lessons/pictures
	@for demo in $(BUILD)/bin/[0-9][0-9]-*; do \
	  name=$$(basename $$demo); \
	  $$demo --json > $(BUILD)/$$name.jsonl && \
	  $(BUILD)/bin/sticky-view --lessons lessons --replay $(BUILD)/$$name.jsonl --lang en --export-html lessons/pictures/$$name.html && \
	  $(BUILD)/bin/sticky-view --lessons lessons --replay $(BUILD)/$$name.jsonl --lang zh --export-html lessons/pictures/$$name.zh.html \
	  || exit 1; \
	done

# Every public header compiles on its own (it includes what it uses).
headers: | deps
	@for h in lib/include/sticky/*.hpp; do \
	  echo "#include \"$${h#lib/include/}\"" | $(CXX) -Ilib/include $(WARNINGS) -x c++ -fsyntax-only - || exit 1; \
	done; echo "  every header in lib/include compiles on its own"

# make install [PREFIX=/usr/local] [DESTDIR=]: programs stripped (the build tree keeps its
# debug information), library and headers, catalogues, lessons, exercises, a man page per
# program made from its --help. Only the sticky-* programs go into PREFIX/bin; the demos,
# frametool and relay, whose names are too generic for a shared bin/, go into
# PREFIX/libexec/sticky/ (sticky-view finds the demos there), their man pages named sticky-NAME.
BIN_PROGRAMS = $(filter $(BUILD)/bin/sticky-%,$(DEMO_BIN) $(TOOL_BIN) $(TUI_BIN))
LIBEXEC_PROGRAMS = $(filter-out $(BIN_PROGRAMS),$(DEMO_BIN) $(TOOL_BIN) $(TUI_BIN))
install: programs
	@install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/libexec/sticky $(DESTDIR)$(PREFIX)/lib \
	  $(DESTDIR)$(PREFIX)/include/sticky $(DESTDIR)$(PREFIX)/share/doc/sticky/lessons $(DESTDIR)$(PREFIX)/share/man/man1
	@install -s -m 755 $(BIN_PROGRAMS) $(DESTDIR)$(PREFIX)/bin/
	@install -s -m 755 $(LIBEXEC_PROGRAMS) $(DESTDIR)$(PREFIX)/libexec/sticky/
	@install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/
	@if [ -f $(BUILD)/lib/libsticky-trace.so ]; then install -d $(DESTDIR)$(PREFIX)/lib/sticky && \
	  install -s -m 755 $(BUILD)/lib/libsticky-trace.so $(DESTDIR)$(PREFIX)/lib/sticky/; fi
	@install -m 644 lib/include/sticky/*.hpp $(DESTDIR)$(PREFIX)/include/sticky/
	@for mo in $(LOCALE_MO); do lang=$$(echo $$mo | sed 's|.*/locale/\([^/]*\)/.*|\1|'); \
	  install -d $(DESTDIR)$(PREFIX)/share/locale/$$lang/LC_MESSAGES && \
	  install -m 644 $$mo $(DESTDIR)$(PREFIX)/share/locale/$$lang/LC_MESSAGES/sticky.mo; done
	@cp -r lessons/. $(DESTDIR)$(PREFIX)/share/doc/sticky/lessons/
	@install -d $(DESTDIR)$(PREFIX)/share/sticky/exercises && cp -rL exercises/. $(DESTDIR)$(PREFIX)/share/sticky/exercises/
	@install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/sticky/
	@for p in $(BIN_PROGRAMS) $(LIBEXEC_PROGRAMS); do b=$$(basename $$p); page=$$b; \
	  case $$b in sticky-*) ;; *) page=sticky-$$b;; esac; \
	  help2man --no-info --no-discard-stderr --version-string=1.0 --name="$$b (sticky: why TCP sticks packets together)" \
	    $$p > $(DESTDIR)$(PREFIX)/share/man/man1/$$page.1 || exit 1; \
	done
	@echo "  installed into $(DESTDIR)$(PREFIX): $(words $(BIN_PROGRAMS)) programs in bin/, $(words $(LIBEXEC_PROGRAMS)) in libexec/sticky/ (stripped), man pages, lib, headers, lessons"

SOURCES = $(shell git ls-files '*.cpp' '*.hpp' 2>/dev/null)
format:
	@clang-format -i $(SOURCES) && echo "  formatted $(words $(SOURCES)) files"

# A short, deliberate list of checks (.clang-tidy): bugs, not taste. Each layer with its
# own include paths, as it is compiled.
lint: $(PAGE_ASSETS) | deps
	@bash .ci/deps.sh clang-tidy
	@clang-tidy --quiet $(wildcard lib/src/*.cpp) -- -std=c++20 -Ilib/include 2>/dev/null
	@clang-tidy --quiet $(wildcard speak/src/*.cpp) -- -std=c++20 -Ilib/include -Ispeak/include 2>/dev/null
	@clang-tidy --quiet $(wildcard demos/*.cpp demos/*/*.cpp) -- -std=c++20 -Ilib/include -Ispeak/include -Idemos 2>/dev/null
	@clang-tidy --quiet $(wildcard tools/*.cpp tools/check/*.cpp tools/learn/*.cpp) -- -std=c++20 -Ilib/include -Ispeak/include -Itools 2>/dev/null
	@clang-tidy --quiet $(wildcard tui/*.cpp) -- -std=c++20 -Ilib/include -Ispeak/include -Itui -I$(BUILD)/gen/tui 2>/dev/null
	@echo "  clang-tidy: lib, demos and tui pass .clang-tidy"

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(BUILD)/obj-pic -name '*.d' 2>/dev/null)
