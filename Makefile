# tandem: `make demo` runs a two-node cluster and a failover; `make test` runs
# every test. Both install what they need (npm ci; as root, Debian packages).
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian packages the tests and the demo drive for real.
DEBS := resource-agents libxml2-utils pacemaker-cli-utils crmsh corosync pacemaker \
	postgresql qemu-utils libnbd-bin nbdkit nbdkit-plugin-dev gcc libc6-dev nbd-client fuse3 fio \
	iproute2 iputils-ping iputils-arping rpm rpmlint socat stress-ng tcpdump \
	keepalived lvm2 fence-agents e2fsprogs xfsprogs procps psmisc python3 systemd dbus-daemon

NODE_STAMP := node_modules/.tandem-stamp
DEBS_STAMP := .deps-stamp-debs

.PHONY: help deps build lint test test-only demo bench rpm clean

help:
	@echo "make demo   - two-node cluster with the whole service stack, then a failover"
	@echo "make test   - every test (installs what it needs)"
	@echo "make bench  - the benchmarks under bench/"
	@echo "make rpm    - build the RPM"

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(DEBS_STAMP): Makefile scripts/install-debs.sh
	scripts/install-debs.sh $(DEBS)
	@if [ "$$(id -u)" = 0 ]; then touch $@; fi

deps: $(NODE_STAMP) $(DEBS_STAMP)

build: $(NODE_STAMP)
	# From scratch: a stale dist/ keeps compiled tests of deleted sources running.
	rm -rf dist
	npx tsc -p tsconfig.json
	node scripts/bundle-agents.mjs

lint: $(NODE_STAMP)
	npx eslint --max-warnings=0 .

test: deps build lint
	scripts/run-tests.sh

# Only the tests whose path contains T: make test-only T=executor
test-only: build
	scripts/run-tests.sh $(T)

demo: deps build
	scripts/demo.sh

bench: deps build
	scripts/run-benches.sh $(B)

rpm: deps build
	rpm/build.sh

clean:
	rm -rf dist build $(DEBS_STAMP)
