# inplace: make demo | make test | make dist | make build
VERSION := $(shell cat VERSION)
LDFLAGS := -s -w -X main.version=$(VERSION)
# ROOT=path/root.json builds that root of trust into the tool (a product's
# own updates/root.json still takes precedence).
ifneq ($(ROOT),)
LDFLAGS += -X main.builtinRoot=$(shell base64 -w0 $(ROOT))
endif
GO      ?= go
export CGO_ENABLED := 0

.PHONY: all build dist test test-short demo bench loadtest fuzz clean

all: build

# The tool for this machine and the server, in bin/.
build:
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/update ./cmd/update
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o bin/update-server ./cmd/update-server

# The tool for every supported OS and architecture, and the server, in dist/.
dist:
	GOOS=linux   GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update_linux             ./cmd/update
	GOOS=linux   GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update_linux_arm64       ./cmd/update
	GOOS=darwin  GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update_darwin            ./cmd/update
	GOOS=darwin  GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update_darwin_arm64      ./cmd/update
	GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update_windows.exe       ./cmd/update
	GOOS=windows GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update_windows_arm64.exe ./cmd/update
	GOOS=linux   GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update-server_linux_amd64 ./cmd/update-server
	GOOS=linux   GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update-server_linux_arm64 ./cmd/update-server
	GOOS=darwin  GOARCH=arm64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update-server_darwin_arm64 ./cmd/update-server
	GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o dist/update-server_windows_amd64.exe ./cmd/update-server
	@ls -l dist

# The whole test suite: vet, unit tests, end-to-end scripts against real
# binaries and a real server, and that every target cross-compiles. The
# browser tests' screenshots are kept in artifacts/screenshots.
test:
	$(GO) vet ./...
	INPLACE_ARTIFACTS=$(CURDIR)/artifacts/screenshots $(GO) test -count=1 -timeout 30m ./...
	$(MAKE) --no-print-directory dist >/dev/null

test-short:
	$(GO) test -short ./...

# Builds everything, starts an update server on a temporary data folder and
# walks the tool through details, a dry run, updates, a merge, a conflict
# resolved with --continue, and a revert.
demo: build
	./scripts/demo.sh

# Benchmarks (not tests): writes docs/benchmarks.md.
bench:
	./scripts/bench.sh

# Load test (not a test): two replicas behind nginx on PostgreSQL and S3,
# against nginx's static files; writes its section of docs/benchmarks.md.
loadtest:
	./scripts/loadtest.sh

# Runs each fuzz target for a while (FUZZTIME, default 30s).
FUZZTIME ?= 30s
fuzz:
	./scripts/fuzz.sh $(FUZZTIME)

clean:
	rm -rf bin dist
