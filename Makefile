# The two commands a newcomer needs: `make run` and `make test` (see README.md).
SWIFT ?= swift
DATA_DIR ?= .imarket

.PHONY: run test build setup bench clean

setup:
	@scripts/setup-debian.sh

# Runs the server on the embedded default: a private PostgreSQL cluster and a development CA
# under $(DATA_DIR), listening on https://localhost:8443.
run: setup
	SWIFT=$(SWIFT) scripts/build-release.sh
	.build-release/release/imarket serve --data-dir $(DATA_DIR)

build: setup
	$(SWIFT) build

# Builds the server binary first: the integration tests start it as a separate process. They
# run twice: against the debug build, then against the release binary as it ships
# (scripts/build-release.sh), since link-time optimization changes the code that runs.
# The benchmark table's arithmetic is checked too (no benchmark is run).
test: setup
	python3 bench/report_test.py
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	SWIFT=$(SWIFT) scripts/build-release.sh
	IMARKET_BINARY="$$($(SWIFT) build -c release --scratch-path .build-release --show-bin-path)/imarket" \
		$(SWIFT) test --skip-build --disable-swift-testing --filter ImarketIntegrationTests

bench: setup
	IMARKET_SETUP_EXTRA="nginx wrk procps" scripts/setup-debian.sh
	bench/run.sh

clean:
	rm -rf .build .build-release
