# FakePump HIL — the two commands: `make demo` and `make test`.
# A thin front for Meson: it installs what is missing (apt), configures, builds, runs.

BUILD      ?= build
ASAN_BUILD ?= build-asan
MESON      ?= meson
# libFuzzer over every BLE decoder and write handler, with ASan/UBSan, bounded in time.
FUZZ_SECONDS ?= 30

.PHONY: all demo test build deps test-deps bench bench-batch bench-trial clean e2e e2e-latency format \
	install-dbus-policy

all: build

# What building and running need; `make test` adds what only the tests need (Xvfb, clang
# for the fuzzers, chromium and Node.js for the report's browser test, clang-format).
deps:
	@sh tools/install-deps.sh build

test-deps:
	@sh tools/install-deps.sh test

$(BUILD)/build.ninja: | deps
	@$(MESON) setup --buildtype=release $(BUILD) >/dev/null

$(ASAN_BUILD)/build.ninja: | deps
	@$(MESON) setup --buildtype=debug -Db_sanitize=address,undefined \
		-Dc_args=-fno-sanitize-recover=all -Db_lundef=false $(ASAN_BUILD) >/dev/null

build: deps $(BUILD)/build.ninja
	@ninja -C $(BUILD) --quiet

demo: build
	./$(BUILD)/fakepump demo

test: test-deps build $(ASAN_BUILD)/build.ninja
	@ninja -C $(ASAN_BUILD) --quiet
	@status=0; \
	export FAKEPUMP_REQUIRE_BROWSER=1 FAKEPUMP_REQUIRE_SLURM=1; \
	$(MESON) test -C $(BUILD) --print-errorlogs || status=1; \
	$(MESON) test -C $(ASAN_BUILD) --print-errorlogs || status=1; \
	sh tests/fuzz/run.sh $(FUZZ_SECONDS) || status=1; \
	BUILD=$(CURDIR)/$(ASAN_BUILD) E2E_VARIANT=asan sh tests/e2e/run.sh $(E2E_RUNS) || status=1; \
	python3 tools/test-summary.py $(BUILD) $(ASAN_BUILD) || status=1; \
	exit $$status

# The real-stack test: FakePump on BlueZ in a QEMU guest with three virtual LE controllers
# and a phone stand-in (tests/e2e/run.sh; root, installs its Debian packages). `make test`
# runs it once on the ASan/UBSan build (the gateway against a real bluetoothd); `make e2e`
# on the release build, E2E_RUNS times.
E2E_RUNS ?= 1

e2e: build
	@sh tests/e2e/run.sh $(E2E_RUNS)

# CGM sample → notification at the central, over 300 s of one-a-second readings (--speed 60).
e2e-latency: build
	@E2E_LATENCY_S=300 E2E_VARIANT=latency sh tests/e2e/run.sh 1

# The live control on the system bus for a pump run as root (docs/qa-guide.md): the policy
# that lets root own org.fakepump.Pump.NAME. Not needed for `fakepump ctl`, which uses the
# pump's private socket.
DBUS_POLICY_DIR ?= /etc/dbus-1/system.d
install-dbus-policy:
	install -D -m 0644 tools/dbus/org.fakepump.Pump.conf $(DBUS_POLICY_DIR)/org.fakepump.Pump.conf

bench: build
	@sh bench/run.sh $(BUILD)/fakepump

# The batch patient engine: 30 patients x 365 days through each engine the CPU runs.
bench-batch: build
	@sh bench/batch.sh $(BUILD)/bench/bench_batch

bench-trial: build
	@sh bench/trial.sh $(BUILD)/fakepump

# Format every tracked C file as .clang-format says (make test checks it: tools/check-format.sh).
format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
