# The two commands of the README: `make run` and `make test`. Everything else is a step of them.
BUILD_DIR ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
CTEST_ARGS ?=

.PHONY: all setup configure build web run test unit integration screenshots format format-check lint bench clean check-deep

all: build

setup:
	@scripts/setup

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

configure: setup $(BUILD_DIR)/CMakeCache.txt

build: configure web
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The web console: rebuilt into web/dist when any of its sources is newer than the last build.
WEB_SOURCES = $(shell find web/src web/public -type f 2>/dev/null) web/index.html \
	web/vite.config.ts web/tsconfig.json web/package-lock.json
web/dist/index.html: $(WEB_SOURCES)
	cd web && npm run build --silent
web: setup web/dist/index.html

# Runs Cerulean on its embedded defaults with Azurite as a demo storage account; Ctrl-C stops both.
run: build
	@scripts/run

# Every test suite: unit tests, then integration tests against real Azurite and PostgreSQL.
test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

# Refreshes the web console's screenshots in docs/screenshots/ (the README shows them) with the
# end-to-end suite; `make test` writes its own under the temp folder instead.
screenshots: build
	cd web && CERULEAN_BIN=$(abspath $(BUILD_DIR))/cerulean CERULEAN_SCREENSHOT_DIR=docs/screenshots \
		node node_modules/@playwright/test/cli.js test e2e/screenshots.spec.ts

# Fuzzing and sanitizers, bounded (on 2 cores about 10 minutes with ccache warm, 30 from cold):
# every fuzz/ target under ASan + UBSan, the C++ unit tests and a set of integration suites under
# ASan + UBSan, the queue, worker and transfer tests under TSan. Own build folders; CI runs it
# after `make test`. docs/DEVELOPING.md, "Fuzzing and sanitizers".
check-deep: setup
	JOBS=$(JOBS) scripts/check-deep

unit: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L unit $(CTEST_ARGS)

integration: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L integration $(CTEST_ARGS)

SOURCES = $(shell git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'fuzz/*.cpp' 'fuzz/*.hpp')

format:
	clang-format -i $(SOURCES)
	cd web && node_modules/.bin/prettier --write --log-level warn .

format-check:
	scripts/check-format

lint: configure
	clang-tidy -p $(BUILD_DIR) --quiet $(filter src/%.cpp,$(SOURCES))
	cd web && node_modules/.bin/eslint .

# Every benchmark in turn (bench/all: transfer, API, sync, web console), each starting its own
# Azurite, peers and servers; prints one table of medians, Cerulean against its peers and the
# ceilings, and writes it into docs/BENCHMARKS.md. BENCH_QUICK=1: small and short, to check the
# harness (no doc written). BENCH_ONLY=api,sync: some of them. Not part of `make test`.
bench: configure web
	cmake --build $(BUILD_DIR) -j $(JOBS) --target cerulean
	CERULEAN=$(abspath $(BUILD_DIR))/cerulean bench/all

clean:
	rm -rf $(BUILD_DIR)
