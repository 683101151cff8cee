# unspin - Makefile (GNU make). `make help` lists the targets.

PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/unspin

CC      ?= cc
CLANG   ?= clang
AR      ?= ar
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wundef -Wvla \
           -Wcast-qual -Wwrite-strings -Werror
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iinclude -Ilib \
            -DUNSPIN_DATADIR='"$(DATADIR)"'
LDLIBS  := -lutf8proc -lxxhash -lz -lm -lpthread

SOVER   := 0
VERSION := $(shell sed -n 's/^#define UNSPIN_VERSION_STRING "\(.*\)"/\1/p' include/unspin.h)

LIB_SRC   := $(sort $(wildcard lib/*.c))
CLI_SRC   := $(sort $(wildcard programs/*.c))
TEST_SRC  := $(sort $(wildcard tests/unit/*.c))
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
TOOL_SRC  := $(sort $(wildcard data/tools/*.c))

B ?= build
# O: prefix of the libraries and the binary (empty: the top folder)
O ?=
LIB_OBJ   := $(LIB_SRC:%.c=$(B)/%.o)
PIC_OBJ   := $(LIB_SRC:%.c=$(B)/pic/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(B)/%.o)
TEST_OBJ  := $(TEST_SRC:%.c=$(B)/%.o)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(B)/bench/%)
TOOL_BIN  := $(TOOL_SRC:data/tools/%.c=$(B)/tools/%)

.PHONY: replay all check check-san check-tsan fuzz fuzz-build bench install uninstall clean models eval help tools
.DEFAULT_GOAL := all

all: $(O)libunspin.a $(O)libunspin.so $(O)unspin unspin.pc tools

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -MMD -MP -c $< -o $@

$(B)/pic/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -fPIC -fvisibility=hidden -DUNSPIN_BUILD_SHARED -MMD -MP -c $< -o $@

$(O)libunspin.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(O)libunspin.so: $(O)libunspin.so.$(SOVER)
	ln -sf $(notdir $<) $@
$(O)libunspin.so.$(SOVER): $(PIC_OBJ)
	$(CC) -shared -Wl,-soname,libunspin.so.$(SOVER) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)unspin: $(CLI_OBJ) $(O)libunspin.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(O)libunspin.a $(LDLIBS)

unspin.pc: unspin.pc.in include/unspin.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' $< > $@

tools: $(TOOL_BIN)
$(B)/tools/%: data/tools/%.c $(O)libunspin.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(O)libunspin.a $(LDLIBS)

# ---- tests ----
$(B)/tests/unit-tests: $(TEST_OBJ) $(O)libunspin.a
	$(CC) $(LDFLAGS) -o $@ $(TEST_OBJ) $(O)libunspin.a $(LDLIBS)

# Each fuzz target linked with a plain main() that replays its seed corpus.
REPLAY_BIN := $(FUZZ_SRC:fuzz/%.c=$(B)/replay/%)
$(B)/replay/%: fuzz/%.c fuzz/replay.c $(O)libunspin.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(LDFLAGS) -o $@ fuzz/replay.c $< $(O)libunspin.a $(LDLIBS)
replay: $(REPLAY_BIN)

# The whole suite: unit tests, CLI tests, fuzz corpus replay. Ends with "N passed, N failed".
check: all $(B)/tests/unit-tests replay
	@sh tests/run.sh $(B) $(O)unspin

# The same suite built with AddressSanitizer and UndefinedBehaviorSanitizer.
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
check-san:
	@mkdir -p build/san
	$(MAKE) B=build/san O=build/san/ CFLAGS="$(SAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined" \
	    build/san/libunspin.a build/san/unspin build/san/tests/unit-tests replay
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	    sh tests/run.sh build/san build/san/unspin

# The unit tests under ThreadSanitizer: test_threads.c shares the models
# between threads, each with its own restorer, checker and lookup space.
TSAN_FLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
check-tsan:
	@mkdir -p build/tsan
	$(MAKE) B=build/tsan O=build/tsan/ CFLAGS="$(TSAN_FLAGS)" LDFLAGS="-fsanitize=thread" build/tsan/tests/unit-tests
	TSAN_OPTIONS=halt_on_error=1 build/tsan/tests/unit-tests

# ---- fuzzing (clang + libFuzzer), time-boxed ----
FUZZ_SECONDS ?= 60
FUZZ_FLAGS := -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=$(B)/fuzz/%.o)
$(B)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -c $< -o $@
$(B)/fuzz/bin/%: fuzz/%.c $(FUZZ_LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CLANG) $(CPPFLAGS) $(WARN) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJ) $(LDLIBS)
fuzz-build: $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/bin/%)
fuzz: fuzz-build
	@sh fuzz/run.sh $(B)/fuzz/bin $(FUZZ_SECONDS)

# ---- benchmarks ----
$(B)/bench/%: bench/%.c $(O)libunspin.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) -o $@ $< $(O)libunspin.a $(LDLIBS)
bench: all $(BENCH_BIN)
	@sh bench/run.sh $(B)/bench

# ---- models and evaluation ----
models: all
	sh data/build-models.sh
eval: all $(B)/bench/bench_check
	sh tests/eval/run.sh

# ---- install ----
install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(O)unspin $(DESTDIR)$(BINDIR)/unspin
	install -m 644 $(O)libunspin.a $(DESTDIR)$(LIBDIR)/libunspin.a
	install -m 755 $(O)libunspin.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libunspin.so.$(SOVER)
	ln -sf libunspin.so.$(SOVER) $(DESTDIR)$(LIBDIR)/libunspin.so
	install -m 644 include/unspin.h $(DESTDIR)$(INCDIR)/unspin.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' unspin.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/unspin.pc
	install -m 644 docs/unspin.1 $(DESTDIR)$(MANDIR)/man1/unspin.1
	if [ -d models ]; then install -d $(DESTDIR)$(DATADIR) && \
	    for f in models/default.uslm models/default.uslex models/default.uschan models/default.uscheck; do [ -f "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(DATADIR)/; done; true; fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/unspin $(DESTDIR)$(LIBDIR)/libunspin.a $(DESTDIR)$(LIBDIR)/libunspin.so* \
	      $(DESTDIR)$(INCDIR)/unspin.h $(DESTDIR)$(LIBDIR)/pkgconfig/unspin.pc $(DESTDIR)$(MANDIR)/man1/unspin.1

clean:
	rm -rf build libunspin.a libunspin.so libunspin.so.$(SOVER) unspin unspin.pc

help:
	@echo "targets: all check check-san check-tsan fuzz bench models eval install uninstall clean"
	@echo "vars: PREFIX DESTDIR CC CFLAGS FUZZ_SECONDS"

-include $(LIB_OBJ:.o=.d) $(PIC_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
